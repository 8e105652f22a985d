"""Kill-safe training: ``BackupAndRestore`` writes everything a run needs at the end of each epoch,
atomically, and a later ``fit`` with the same callback continues from there as if never stopped.

What a backup holds (one ``.npz``, replaced atomically, so a kill at any moment leaves the last
complete one): the weights (BatchNormalization's statistics included), the optimizer's kind, step
count, slots and learning rate, the next epoch, the ``History`` so far, every random generator
that shapes the run (minicnn's global one, which shuffles arrays and draws dropout masks; each
layer's own; the data loader's) and the state of every callback that keeps one (best values, patience
counters). Restored on the same seed, the run ends with exactly the weights of a run that was never
interrupted. An epoch cut short by a kill is run again from its start.
"""

import json
import os

import numpy as np

from . import backend
from .callbacks import Callback, History
from .checkpoint import _read_npz, _write_atomically, checkpoint_arrays, load_checkpoint


def _generators(model):
    """The random generators that layers below ``model`` own (Dropout(seed=...)), in layer order."""
    return [getattr(layer, "generator", None) for layer in model._all_layers()]


def _stateful_callbacks(callbacks):
    return [c for c in callbacks if hasattr(c, "get_state") and not isinstance(c, (BackupAndRestore, History))]


class Run:
    """What ``fit`` hands a BackupAndRestore: the model, the batch source and the callbacks."""

    def __init__(self, model, source, callbacks, history):
        while not hasattr(source, "get_state") and hasattr(source, "source"):  # down to a loader, if any
            source = source.source
        self.model, self.source, self.callbacks, self.history = model, source, callbacks, history

    def state(self, next_epoch):
        """Everything besides weights and optimizer slots, as JSON-ready values."""
        optimizer = self.model.optimizer
        learning_rate = optimizer.learning_rate
        return {
            "next_epoch": next_epoch,
            "learning_rate": learning_rate if isinstance(learning_rate, (int, float)) else None,
            "history": {"epoch": self.history.epoch, "history": self.history.history},
            "rng": backend.rng().bit_generator.state,
            "layer_rngs": [None if g is None else g.bit_generator.state for g in _generators(self.model)],
            "source": self.source.get_state() if hasattr(self.source, "get_state") else None,
            "callbacks": [c.get_state() for c in _stateful_callbacks(self.callbacks)],
        }

    def restore(self, state):
        optimizer = self.model.optimizer
        if state["learning_rate"] is not None:
            optimizer.learning_rate = state["learning_rate"]
        self.history.epoch = list(state["history"]["epoch"])
        self.history.history = {k: list(v) for k, v in state["history"]["history"].items()}
        backend.rng().bit_generator.state = state["rng"]
        for generator, saved in zip(_generators(self.model), state["layer_rngs"]):
            if generator is not None and saved is not None:
                generator.bit_generator.state = saved
        if state["source"] is not None and hasattr(self.source, "set_state"):
            self.source.set_state(state["source"])
        for callback, saved in zip(_stateful_callbacks(self.callbacks), state["callbacks"]):
            callback.set_state(saved)
        return state["next_epoch"]


def _json_ready(value):
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


class BackupAndRestore(Callback):
    """Back the run up at the end of every epoch to ``backup_dir/backup.npz``; when a ``fit`` with
    this callback starts and finds a backup, it continues from it (the epoch after the backup).

    Args:
        backup_dir: folder of the backup file (created if missing).
        delete_checkpoint: remove the backup when ``fit`` finishes all its epochs (default True).
    """

    def __init__(self, backup_dir, delete_checkpoint=True):
        super().__init__()
        self.backup_dir, self.delete_checkpoint = os.fspath(backup_dir), delete_checkpoint
        self.path = os.path.join(self.backup_dir, "backup.npz")

    def resume(self, run):
        """Called by fit after on_train_begin: put ``run`` back where the backup left it; returns the
        epoch to start at, or None when there is no backup."""
        if not os.path.exists(self.path):
            return None
        stored = _read_npz(self.path, "BackupAndRestore")
        if "training/state" not in stored:
            raise ValueError(f"BackupAndRestore: {self.path} is not a training backup (no training state in it)")
        load_checkpoint(run.model, self.path)  # weights and optimizer state, checked against the model
        return run.restore(json.loads(str(stored["training/state"])))

    def backup(self, run, next_epoch):
        """Called by fit after every callback's on_epoch_end: write the backup atomically."""
        arrays = checkpoint_arrays(run.model)
        arrays["training/state"] = np.array(json.dumps(_json_ready(run.state(next_epoch))))
        _write_atomically(self.path, lambda stream: np.savez(stream, **arrays))

    def finish(self):
        """Called by fit when it ends normally (a kill or an exception never gets here): the backup
        is not needed any more."""
        if self.delete_checkpoint and os.path.exists(self.path):
            os.remove(self.path)
