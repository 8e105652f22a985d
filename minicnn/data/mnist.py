"""MNIST and Fashion-MNIST as ``tf.keras.datasets.mnist`` / ``fashion_mnist.load_data()`` return them.

Read from the four gzip IDX files (``train-images-idx3-ubyte.gz``, ...) or, for MNIST, from Keras'
``mnist.npz`` (loaded with ``allow_pickle=False``); downloaded from Keras' URLs when absent.
"""

import io
import zipfile

import numpy as np

from .idx import IMAGES_MAGIC, LABELS_MAGIC, gunzip, parse_idx
from .locate import Layout, Remote, locate

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
IDX_FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
IMAGE_SIZE, NUM_CLASSES = (28, 28), 10

MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"  # Keras' mnist.npz
# Keras gives no hash for Fashion-MNIST; these are TensorFlow Datasets' for the same files (same sizes).
FASHION_SHA256 = {
    TRAIN_IMAGES: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    TRAIN_LABELS: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    TEST_IMAGES: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    TEST_LABELS: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}

MNIST_LAYOUTS = (
    Layout("npz", ("mnist.npz",), folders=("", "mnist"),
           remote=(Remote("mnist.npz", KERAS_ORIGIN + "mnist.npz", MNIST_SHA256),)),
    Layout("idx", IDX_FILES, folders=("mnist",)),
)
FASHION_LAYOUTS = (
    Layout("idx", IDX_FILES, folders=("fashion-mnist",),
           remote=tuple(Remote(f"fashion-mnist/{name}", KERAS_ORIGIN + name, FASHION_SHA256[name])
                        for name in IDX_FILES)),
)


def check_split(images, labels, images_name, labels_name):
    """Images (N, 28, 28) uint8 and labels (N,) uint8 in 0..9, or a ValueError naming the file."""
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != IMAGE_SIZE:
        raise ValueError(f"{images_name}: images of {images.dtype} and shape {images.shape}, expected uint8 "
                         f"(N, 28, 28); a file of another dataset?")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(f"{labels_name}: labels of {labels.dtype} and shape {labels.shape}, expected uint8 (N,)")
    if len(labels) != len(images):
        raise ValueError(f"{labels_name}: {len(labels)} labels for the {len(images)} images of {images_name}")
    bad = np.flatnonzero(labels >= NUM_CLASSES)
    if bad.size:
        raise ValueError(f"{labels_name}: {bad.size} labels out of range 0..{NUM_CLASSES - 1} (the first: "
                         f"{labels[bad[0]]} at index {bad[0]})")
    return images, labels


def read_idx_files(source):
    """((x_train, y_train), (x_test, y_test)) from the four gzip IDX files of ``source``."""
    files = source.read()

    def parsed(member, magic):
        return parse_idx(gunzip(files[member], source.name(member)), source.name(member), magic)

    splits = []
    for images, labels in ((TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)):
        splits.append(check_split(parsed(images, IMAGES_MAGIC), parsed(labels, LABELS_MAGIC),
                                  source.name(images), source.name(labels)))
    return tuple(splits)


def read_npz(source):
    """((x_train, y_train), (x_test, y_test)) from Keras' ``mnist.npz`` (no pickle admitted)."""
    name = source.name("mnist.npz")
    try:
        archive = np.load(io.BytesIO(source.read()["mnist.npz"]), allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"{name}: not a readable .npz archive ({err})") from err
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{name}: a single .npy array, expected an .npz archive of {', '.join(NPZ_KEYS)}")
    with archive:
        missing = [key for key in NPZ_KEYS if key not in archive.files]
        if missing:
            raise ValueError(f"{name}: no array {', '.join(missing)} (it holds {', '.join(archive.files)})")
        try:
            x_train, y_train, x_test, y_test = (archive[key] for key in NPZ_KEYS)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
            raise ValueError(f"{name}: an array could not be read ({err})") from err
    return (check_split(x_train, y_train, f"{name}[x_train]", f"{name}[y_train]"),
            check_split(x_test, y_test, f"{name}[x_test]", f"{name}[y_test]"))


def load_mnist(*, data_dir=None, download=True):
    """The MNIST digits as ``tf.keras.datasets.mnist.load_data()``: ((x_train, y_train), (x_test, y_test)).

    x: uint8 (60000, 28, 28) and (10000, 28, 28), values 0..255; y: uint8 (60000,) and (10000,), 0..9.
    Files: ``mnist.npz`` in the data root (``data_dir``, else ``$MINICNN_DATA``, else
    ``~/.keras/datasets``), or the four IDX ``.gz`` files in its ``mnist/`` folder (or in
    ``data_dir`` itself); ``mnist.npz`` is downloaded from Keras' URL when neither is there
    (``download=False``: an error saying what to put where instead).
    """
    layout, source = locate("MNIST", MNIST_LAYOUTS, data_dir, download)
    return read_npz(source) if layout.format == "npz" else read_idx_files(source)


def load_fashion_mnist(*, data_dir=None, download=True):
    """Zalando's Fashion-MNIST as ``tf.keras.datasets.fashion_mnist.load_data()``.

    ((x_train, y_train), (x_test, y_test)): x uint8 (60000, 28, 28) and (10000, 28, 28); y uint8
    (60000,) and (10000,) in 0..9. Files: the four IDX ``.gz`` files in the root's ``fashion-mnist/``
    folder (Keras' layout) or in ``data_dir`` itself; downloaded from Keras' URLs when absent.
    """
    _, source = locate("Fashion-MNIST", FASHION_LAYOUTS, data_dir, download)
    return read_idx_files(source)
