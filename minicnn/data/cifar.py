"""CIFAR-10 and CIFAR-100 as ``tf.keras.datasets.cifar10`` / ``cifar100.load_data()`` return them.

Read from the python version (pickles, through a restricted unpickler) or the binary version,
each as its ``.tar.gz`` archive or extracted; the python archive is downloaded from Keras' URL
when neither is there. Keras' cache layouts (Keras 3: ``cifar-10-batches-py-target/...``, Keras 2:
``cifar-10-batches-py/`` and ``cifar-10-batches-py.tar.gz``) are found as they lie.
"""

import numpy as np

from .cifar_format import parse_binary_batch, parse_python_batch
from .locate import Layout, Remote, locate

TORONTO = "https://www.cs.toronto.edu/~kriz/"
CIFAR10_LABELS = (("labels", 10),)
CIFAR100_LABELS = (("coarse_labels", 20), ("fine_labels", 100))  # the binary records' order
PARSERS = {"python": parse_python_batch, "binary": parse_binary_batch}


def cifar_layouts(python_folder, python_archive, python_members, python_sha256,
                  binary_folder, binary_archive, binary_members, binary_md5):
    """The python version (downloaded when missing) then the binary one, each extracted or archived."""
    keras3 = python_folder + "-target"
    return (
        Layout("python", python_members, folders=(python_folder, f"{keras3}/{python_folder}"),
               archives=tuple(dict.fromkeys([(python_archive, python_folder),  # Keras 2 names CIFAR-100's alike
                                             (f"{python_folder}.tar.gz", python_folder),
                                             (f"{keras3}_archive", python_folder)])),
               remote=(Remote(python_archive, TORONTO + python_archive, python_sha256),)),
        Layout("binary", binary_members, folders=(binary_folder,), archives=((binary_archive, binary_folder),),
               remote=(Remote(binary_archive, TORONTO + binary_archive, binary_md5),)),
    )


CIFAR10_BATCHES = tuple(f"data_batch_{k}" for k in range(1, 6)) + ("test_batch",)
CIFAR10_LAYOUTS = cifar_layouts(
    "cifar-10-batches-py", "cifar-10-python.tar.gz", CIFAR10_BATCHES,
    "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",  # Keras' sha256
    "cifar-10-batches-bin", "cifar-10-binary.tar.gz", tuple(f"{name}.bin" for name in CIFAR10_BATCHES),
    "c32a1d4ab5d03f1284b67883e8d87530")  # md5 of the CIFAR page
CIFAR100_LAYOUTS = cifar_layouts(
    "cifar-100-python", "cifar-100-python.tar.gz", ("train", "test"),
    "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
    "cifar-100-binary", "cifar-100-binary.tar.gz", ("train.bin", "test.bin"),
    "03b5dce01913d631647c71ecec9e9cb8")


def read_splits(layout, source, label_spec):
    """[(images, labels), ...] of the members of ``source``: the last is the test split, the
    others are concatenated, in order, into the training split."""
    files, parse = source.read(), PARSERS[layout.format]
    batches = [parse(files[member], source.name(member), label_spec) for member in layout.members]
    train, test = batches[:-1], batches[-1]
    x_train = np.concatenate([images for images, _ in train])
    y_train = {name: np.concatenate([labels[name] for _, labels in train]) for name, _ in label_spec}
    return (x_train, y_train), test


def load_cifar10(*, data_dir=None, download=True):
    """CIFAR-10 as ``tf.keras.datasets.cifar10.load_data()``: ((x_train, y_train), (x_test, y_test)).

    x: uint8 NHWC (50000, 32, 32, 3) and (10000, 32, 32, 3); y: uint8 (50000, 1) and (10000, 1) in
    0..9. Looked for in the data root (``data_dir``, else ``$MINICNN_DATA``, else ``~/.keras/datasets``):
    ``cifar-10-batches-py/`` or ``cifar-10-batches-bin/`` (or their files in ``data_dir`` itself),
    ``cifar-10-python.tar.gz`` or ``cifar-10-binary.tar.gz``; the python archive is downloaded
    from Keras' URL when none is there (``download=False``: an error saying what to put where).
    """
    layout, source = locate("CIFAR-10", CIFAR10_LAYOUTS, data_dir, download)
    (x_train, y_train), (x_test, y_test) = read_splits(layout, source, CIFAR10_LABELS)
    return ((x_train, y_train["labels"].astype(np.uint8).reshape(-1, 1)),
            (x_test, y_test["labels"].astype(np.uint8).reshape(-1, 1)))


def load_cifar100(label_mode="fine", *, data_dir=None, download=True):
    """CIFAR-100 as ``tf.keras.datasets.cifar100.load_data(label_mode)``.

    ((x_train, y_train), (x_test, y_test)): x uint8 NHWC (50000, 32, 32, 3) and (10000, 32, 32, 3);
    y int64 (as Keras returns them) (50000, 1) and (10000, 1): the 100 fine classes 0..99
    (``label_mode="fine"``) or the 20 coarse superclasses 0..19 (``"coarse"``). Files as
    ``load_cifar10``: ``cifar-100-python/`` (``train``, ``test``), ``cifar-100-binary/``
    (``train.bin``, ``test.bin``) or their ``.tar.gz`` archives.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"label_mode must be one of 'fine', 'coarse', got {label_mode!r}")
    layout, source = locate("CIFAR-100", CIFAR100_LAYOUTS, data_dir, download)
    (x_train, y_train), (x_test, y_test) = read_splits(layout, source, CIFAR100_LABELS)
    key = f"{label_mode}_labels"
    return (x_train, y_train[key].reshape(-1, 1)), (x_test, y_test[key].reshape(-1, 1))
