"""What the transcribed listings get from the test harness instead of downloads and long runs.

A listing says ``import harness`` and uses, in place of what the book wrote:

- ``harness.mnist.load_data()`` / ``harness.cifar10.load_data()`` for ``mnist.load_data()`` /
  ``cifar10.load_data()``: the same structure, shapes (but fewer images) and dtypes as Keras'
  loaders (uint8 images, uint8 labels; CIFAR-10's labels shaped ``(n, 1)``), drawn from a fixed
  seed so both engines see identical data. Each class has its own fixed pattern under the noise,
  so a few steps of training visibly lower the loss;
- ``harness.EPOCHS`` for the epoch counts, ``harness.PRINT_EVERY`` for "print every 1000 steps";
- ``harness.show(value)`` where a notebook cell displays its last expression (``out.shape``): the
  value is printed as the notebook shows it and recorded in ``harness.shown`` for the test.

Run on its own (``python tests/listings/001_mlp_335114.py``) a listing uses real TensorFlow.
"""

import numpy as np

EPOCHS = 3
PRINT_EVERY = 1
DATA_SEED = 2024

shown = []


def show(value):
    """A notebook cell's displayed value: recorded in ``shown`` and printed."""
    shown.append(value)
    print(repr(value))
    return value


def reset():
    """Forget what earlier runs showed (the test calls this before each run)."""
    shown.clear()


class _Dataset:
    """A stand-in for ``keras.datasets.<name>``: ``load_data()`` as Keras returns it, only smaller."""

    def __init__(self, name, image_shape, label_shape, n_train, n_test, seed):
        self.name, self.image_shape, self.label_shape = name, image_shape, label_shape
        self.n_train, self.n_test, self.seed = n_train, n_test, seed

    def _split(self, rng, templates, n):
        labels = rng.integers(0, 10, n)
        noise = rng.uniform(0, 255, (n,) + self.image_shape)
        images = np.clip(0.6 * templates[labels] + 0.4 * noise, 0, 255).astype(np.uint8)
        return images, labels.astype(np.uint8).reshape((n,) + self.label_shape)

    def load_data(self):
        """((x_train, y_train), (x_test, y_test)): uint8 images and labels, the same on every call."""
        rng = np.random.default_rng(self.seed)
        templates = rng.uniform(0, 255, (10,) + self.image_shape)
        return self._split(rng, templates, self.n_train), self._split(rng, templates, self.n_test)

    def __repr__(self):
        return f"<harness stand-in for keras.datasets.{self.name}>"


mnist = _Dataset("mnist", (28, 28), (), n_train=96, n_test=32, seed=DATA_SEED)
cifar10 = _Dataset("cifar10", (32, 32, 3), (1,), n_train=8, n_test=8, seed=DATA_SEED + 1)
