"""What the examples take from the command line: quick mode, the data folder, the epoch count.

Each example is a listing of the source material with its imports swapped for minicnn's (its header
names the seed file and section). Where the listing loads a dataset, trains for a number of epochs
or prints every N steps, it asks this module instead, and the printed value stays in a comment:

- ``runtime.mnist.load_data()`` / ``runtime.cifar10.load_data()`` for ``mnist.load_data()`` /
  ``cifar10.load_data()``: the real dataset, read by minicnn's loaders (``minicnn/data/``) from
  ``--data-dir`` (MNIST's four IDX ``.gz`` files or ``mnist.npz``; CIFAR-10's python or binary
  version), else from minicnn's data folder (``$MINICNN_DATA``, else ``~/.keras/datasets``),
  downloaded there when absent. With ``--quick``: a small generated stand-in with Keras' structure
  and dtypes (uint8 images, uint8 labels, CIFAR-10's shaped ``(n, 1)``; 96/32 MNIST and 8/8
  CIFAR-10 images), drawn from a fixed seed, each class a fixed pattern under noise, so that a few
  steps of training visibly lower the loss;
- ``runtime.epochs(20)`` for ``epochs=20``: the printed count, ``--epochs N``, or 2 with ``--quick``;
- ``runtime.every(1000)`` for "print every 1000 steps": every step with ``--quick``;
- ``runtime.show(value)`` where a notebook cell displays its last expression (``out.shape``): the
  value is printed as the notebook shows it and kept in ``runtime.shown``.

    python examples/lenet5_mnist.py --quick          # seconds, generated data
    python examples/lenet5_mnist.py --data-dir ../shared/data/mnist --epochs 1

The command line is read when the module is first imported; ``start(argv)`` reads another one
(the tests call ``start(["--quick"])`` before each run).

An example imports this module before minicnn: importing it puts the checkout that holds
``examples/`` first on ``sys.path``, so that ``python examples/<name>.py`` runs this checkout's
minicnn from any directory, installed or not (Python puts only ``examples/`` itself on the path).
"""

import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the checkout holding examples/


def use_this_checkout():
    """Put the checkout above ``examples/`` first on ``sys.path``, if it holds minicnn and minicnn is
    not imported yet (an installed copy, maybe older, would otherwise be found first)."""
    if os.path.isfile(os.path.join(ROOT, "minicnn", "__init__.py")) and "minicnn" not in sys.modules:
        if ROOT in sys.path:
            sys.path.remove(ROOT)
        sys.path.insert(0, ROOT)


use_this_checkout()

QUICK_EPOCHS = 2
DATA_SEED = 2024

options = None  # the parsed command line (start() sets it)
shown = []


def positive_int(text):
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def parser():
    """The examples' command line."""
    p = argparse.ArgumentParser(
        prog=os.path.basename(sys.argv[0]) or "example",
        description="A listing of the source material run on minicnn (its header names the seed and "
                    "section). Examples without data or training accept these options and ignore them.")
    p.add_argument("--quick", action="store_true",
                   help="run in seconds: small generated data in place of MNIST/CIFAR-10, 2 epochs, "
                        "a line printed every step")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder of the dataset's files (MNIST: the four IDX .gz files or mnist.npz; "
                        "CIFAR-10: cifar-10-python.tar.gz or cifar-10-batches-py/); default: "
                        "$MINICNN_DATA, else ~/.keras/datasets, downloading what is missing")
    p.add_argument("--epochs", metavar="N", type=positive_int,
                   help="epochs to train (default: the count the listing prints; 2 with --quick)")
    return p


def start(argv=None):
    """Read the command line (``sys.argv[1:]`` by default) and forget what earlier runs showed."""
    global options
    options = parser().parse_args(sys.argv[1:] if argv is None else argv)
    shown.clear()
    return options


def epochs(printed):
    """The number of epochs to train: ``--epochs``, else 2 with ``--quick``, else the printed count."""
    if options.epochs is not None:
        return options.epochs
    return QUICK_EPOCHS if options.quick else printed


def every(printed):
    """Print a progress line every this many steps: every step with ``--quick``."""
    return 1 if options.quick else printed


def show(value):
    """A notebook cell's displayed value: printed, and recorded in ``shown``."""
    shown.append(value)
    print(repr(value))
    return value


class GeneratedDataset:
    """A small stand-in for a Keras dataset: ``load_data()`` with Keras' structure and dtypes."""

    def __init__(self, image_shape, label_shape, n_train, n_test, seed):
        self.image_shape, self.label_shape = image_shape, label_shape
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


class Dataset:
    """``keras.datasets.<name>`` for an example: ``load_data()`` gives the real dataset, or the
    generated stand-in with ``--quick``."""

    def __init__(self, title, loader_name, files, stand_in):
        self.title, self.loader_name, self.files, self.stand_in = title, loader_name, files, stand_in

    def load_data(self):
        """((x_train, y_train), (x_test, y_test)) as ``tf.keras.datasets.<name>.load_data()``."""
        if options.quick:
            return self.stand_in.load_data()
        from minicnn import data  # imported here: --quick and --help need no more than NumPy

        try:
            return getattr(data, self.loader_name)(data_dir=options.data_dir, download=options.data_dir is None)
        except data.DatasetNotFoundError as err:
            raise SystemExit(self.missing(err)) from None

    def missing(self, err):
        """The one-line error for data that are not where the command line says."""
        hint = f"pass --data-dir DIR holding {self.files}, or --quick to run on generated data"
        if options.data_dir is not None:
            return f"{parser().prog}: {self.title} was not found in {options.data_dir}; {hint}"
        return f"{parser().prog}: {str(err).splitlines()[0].rstrip('.')}; {hint}"

    def __repr__(self):
        return f"<runtime's keras.datasets stand-in for {self.title}>"


mnist = Dataset("MNIST", "load_mnist", "the four MNIST IDX .gz files (train-images-idx3-ubyte.gz, ...) or mnist.npz",
                GeneratedDataset((28, 28), (), n_train=96, n_test=32, seed=DATA_SEED))
cifar10 = Dataset("CIFAR-10", "load_cifar10", "cifar-10-python.tar.gz or its cifar-10-batches-py/ folder",
                  GeneratedDataset((32, 32, 3), (1,), n_train=8, n_test=8, seed=DATA_SEED + 1))

start()
