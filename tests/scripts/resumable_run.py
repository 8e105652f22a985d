"""A small training run for the kill-and-resume test: ``python resumable_run.py OUT_DIR [KILL_AT]``.

Trains a CNN with BatchNormalization, Dropout and shuffling under BackupAndRestore in OUT_DIR; with
KILL_AT = "epoch,batch" it sends itself SIGKILL at the end of that batch (a real, uncatchable kill,
mid-epoch). At the end it writes the final weights to OUT_DIR/final.npz.
"""

import os
import signal
import sys

import numpy as np

import minicnn as mc


class KillAt(mc.callbacks.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.current, batch) == (self.epoch, self.batch):
            os.kill(os.getpid(), signal.SIGKILL)


def main(out_dir, kill_at=None):
    mc.set_seed(7)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 6, 6, 2)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    model = mc.Sequential([mc.Input((6, 6, 2)), mc.layers.Conv2D(4, 3, padding="same"),
                           mc.layers.BatchNormalization(), mc.layers.ReLU(), mc.layers.Dropout(0.3),
                           mc.layers.Flatten(), mc.layers.Dense(3)])
    model.compile(mc.optimizers.Adam(0.01), mc.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    callbacks = [mc.callbacks.BackupAndRestore(os.path.join(out_dir, "backup"))]
    if kill_at:
        callbacks.append(KillAt(*map(int, kill_at.split(","))))
    history = model.fit(x, y, batch_size=8, epochs=4, shuffle=True, verbose=0, callbacks=callbacks)
    model.save_weights(os.path.join(out_dir, "final.npz"))
    np.save(os.path.join(out_dir, "loss.npy"), np.array(history.history["loss"]))


if __name__ == "__main__":
    main(*sys.argv[1:])
