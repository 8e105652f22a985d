"""Dataset loaders: MNIST, Fashion-MNIST, CIFAR-10/100 read from small files written here in every
real format, compared with what was written and with Keras' own loaders; validation, the restricted
unpickler, and downloads through a fake opener (no test touches the network)."""

import dataclasses
import gzip
import hashlib
import importlib
import io
import os
import pickle
import pickletools
import struct
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest

import minicnn as mc
from minicnn.data import cifar, download, mnist

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
IDX_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
CIFAR10_PY = tuple(f"data_batch_{k}" for k in range(1, 6)) + ("test_batch",)
CIFAR10_BIN = tuple(f"{name}.bin" for name in CIFAR10_PY)


@pytest.fixture(autouse=True)
def no_network_and_clean_roots(tmp_path, monkeypatch):
    """Every test: no network (the opener fails the test), no $MINICNN_DATA, a Keras cache in tmp_path."""
    def refuse(url):
        raise AssertionError(f"a test tried to download {url}")

    monkeypatch.setattr(download, "open_url", refuse)
    monkeypatch.delenv("MINICNN_DATA", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


def keras_cache(tmp_path):
    return tmp_path / "keras_home" / "datasets"


# ---------------------------------------------------------------- writers of the real formats

def idx_bytes(array, magic):
    """An IDX file written from its specification: magic, big-endian uint32 sizes, the bytes."""
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def random_mnist(rng, n_train=5, n_test=3, num_classes=10):
    def split(n):
        return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                rng.integers(0, num_classes, n, dtype=np.uint8))
    return split(n_train), split(n_test)


def write_idx_set(folder, data):
    folder.mkdir(parents=True, exist_ok=True)
    (x_train, y_train), (x_test, y_test) = data
    for name, array, magic in zip(IDX_NAMES, (x_train, y_train, x_test, y_test), (0x803, 0x801) * 2):
        (folder / name).write_bytes(gzip.compress(idx_bytes(array, magic)))


def write_mnist_npz(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    (x_train, y_train), (x_test, y_test) = data
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


class Python2Pickler(pickle._Pickler):
    """Protocol 2 the way Python 2 wrote CIFAR's python version: strings as 8-bit STRING opcodes
    (read back as bytes), NumPy's ``_reconstruct`` under its NumPy 1 module name."""

    dispatch = dict(pickle._Pickler.dispatch)
    numpy_reconstruct = np.zeros(1, np.uint8).__reduce__()[0]

    def save_string(self, obj):
        data = obj.encode("latin-1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[bytes] = save_string
    dispatch[str] = save_string

    def save_global(self, obj, name=None):
        if obj is self.numpy_reconstruct:
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n")
            self.memoize(obj)
        else:
            super().save_global(obj, name)


def python2_pickle(obj):
    buffer = io.BytesIO()
    Python2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def random_cifar(rng, n, label_spec):
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    return images, {name: rng.integers(0, classes, n) for name, classes in label_spec}


def cifar_python_batch(images, labels, batch_label="training batch 1 of 1"):
    """A batch as the originals: dict with bytes keys, data (N, 3072) channel-major, label lists."""
    batch = {b"batch_label": batch_label.encode(),
             b"data": images.transpose(0, 3, 1, 2).reshape(len(images), 3072).copy(),
             b"filenames": [f"image_{k}.png".encode() for k in range(len(images))]}
    batch.update({name.encode(): [int(v) for v in values] for name, values in labels.items()})
    return python2_pickle(batch)


def cifar_binary_batch(images, labels):
    """Records of the label bytes (in the given order) then the 3072 pixels, channel-major."""
    columns = list(labels.values())
    return b"".join(bytes([int(c[k]) for c in columns]) + images[k].transpose(2, 0, 1).tobytes()
                    for k in range(len(images)))


def write_tar_gz(path, inside, files):
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        folder = tarfile.TarInfo(inside)
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        for name, data in files.items():
            info = tarfile.TarInfo(f"{inside}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def write_files(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


CIFAR10_SPEC = (("labels", 10),)
CIFAR100_SPEC = (("coarse_labels", 20), ("fine_labels", 100))  # binary records: coarse byte, then fine


def cifar_files(rng, version, form, counts):
    """(file name -> bytes, expected [(images, labels), ...]) of a small CIFAR in one form."""
    spec = CIFAR10_SPEC if version == 10 else CIFAR100_SPEC
    names = {(10, "python"): CIFAR10_PY, (10, "binary"): CIFAR10_BIN,
             (100, "python"): ("train", "test"), (100, "binary"): ("train.bin", "test.bin")}[version, form]
    batches = [random_cifar(rng, n, spec) for n in counts]
    write = cifar_python_batch if form == "python" else cifar_binary_batch
    return {name: write(*batch) for name, batch in zip(names, batches)}, batches


def expected_cifar(batches, key):
    train, test = batches[:-1], batches[-1]
    return ((np.concatenate([x for x, _ in train]), np.concatenate([y[key] for _, y in train]).reshape(-1, 1)),
            (test[0], test[1][key].reshape(-1, 1)))


def assert_same(got, expected, dtypes, context):
    """Both splits equal, element for element, with Keras' dtypes."""
    for split, (got_pair, expected_pair) in zip(("train", "test"), zip(got, expected)):
        for what, g, e, dtype in zip(("x", "y"), got_pair, expected_pair, dtypes):
            assert g.dtype == dtype, f"{context}: {what}_{split} is {g.dtype}, Keras gives {dtype}"
            assert g.shape == e.shape, f"{context}: {what}_{split} has shape {g.shape}, expected {e.shape}"
            mismatched = int(np.sum(g != e))
            assert mismatched == 0, f"{context}: {what}_{split} differs in {mismatched} of {e.size} values"


# ---------------------------------------------------------------- where files are found

def place(where, tmp_path, monkeypatch, subfolder):
    """(folder to write the files into, loader keyword arguments) for one way of locating them."""
    root = tmp_path / "data"
    if where == "data_dir":
        return root, {"data_dir": root}
    if where == "data_dir/subfolder":
        return root / subfolder, {"data_dir": str(root)}
    if where == "MINICNN_DATA":
        monkeypatch.setenv("MINICNN_DATA", str(root))
        return root / subfolder, {}
    return keras_cache(tmp_path) / subfolder, {}


WHERE = ["data_dir", "data_dir/subfolder", "MINICNN_DATA", "keras_cache"]


@pytest.mark.parametrize("where", WHERE)
def test_mnist_idx_files_load_as_written(where, tmp_path, monkeypatch, rng):
    data = random_mnist(rng)
    folder, kwargs = place(where, tmp_path, monkeypatch, "mnist")
    write_idx_set(folder, data)
    assert_same(mc.data.load_mnist(**kwargs), data, (np.uint8, np.uint8), f"MNIST IDX via {where}")


@pytest.mark.parametrize("where", WHERE)
def test_fashion_mnist_idx_files_load_as_written(where, tmp_path, monkeypatch, rng):
    data = random_mnist(rng, n_train=1, n_test=4)
    folder, kwargs = place(where, tmp_path, monkeypatch, "fashion-mnist")
    write_idx_set(folder, data)
    assert_same(mc.data.load_fashion_mnist(**kwargs), data, (np.uint8, np.uint8), f"Fashion IDX via {where}")


@pytest.mark.parametrize("where", ["data_dir", "MINICNN_DATA", "keras_cache"])
def test_mnist_npz_loads_as_written(where, tmp_path, monkeypatch, rng):
    data = random_mnist(rng, n_train=2, n_test=1)
    folder, kwargs = place(where, tmp_path, monkeypatch, "")
    write_mnist_npz(folder / "mnist.npz", data)
    assert_same(mc.data.load_mnist(**kwargs), data, (np.uint8, np.uint8), f"mnist.npz via {where}")


CIFAR10_PLACES = {  # id: (form, extracted folder or None, archive name or None)
    "python-folder": ("python", "cifar-10-batches-py", None),
    "python-keras3-folder": ("python", "cifar-10-batches-py-target/cifar-10-batches-py", None),
    "python-archive": ("python", None, "cifar-10-python.tar.gz"),
    "python-keras2-archive": ("python", None, "cifar-10-batches-py.tar.gz"),
    "python-keras3-archive": ("python", None, "cifar-10-batches-py-target_archive"),
    "binary-folder": ("binary", "cifar-10-batches-bin", None),
    "binary-archive": ("binary", None, "cifar-10-binary.tar.gz"),
}
CIFAR100_PLACES = {
    "python-folder": ("python", "cifar-100-python", None),
    "python-keras3-folder": ("python", "cifar-100-python-target/cifar-100-python", None),
    "python-archive": ("python", None, "cifar-100-python.tar.gz"),
    "python-keras3-archive": ("python", None, "cifar-100-python-target_archive"),
    "binary-folder": ("binary", "cifar-100-binary", None),
    "binary-archive": ("binary", None, "cifar-100-binary.tar.gz"),
}
INSIDE = {("python", 10): "cifar-10-batches-py", ("binary", 10): "cifar-10-batches-bin",
          ("python", 100): "cifar-100-python", ("binary", 100): "cifar-100-binary"}


def write_cifar(root, version, place_id, files):
    form, folder, archive = (CIFAR10_PLACES if version == 10 else CIFAR100_PLACES)[place_id]
    if folder:
        write_files(root / folder, files)
    else:
        write_tar_gz(root / archive, INSIDE[form, version], files)
    return form


@pytest.mark.parametrize("where", ["data_dir", "MINICNN_DATA", "keras_cache"])
@pytest.mark.parametrize("place_id", list(CIFAR10_PLACES))
def test_cifar10_loads_as_written(place_id, where, tmp_path, monkeypatch, rng):
    root, kwargs = place(where, tmp_path, monkeypatch, "")
    form = CIFAR10_PLACES[place_id][0]
    files, batches = cifar_files(rng, 10, form, counts=(3, 1, 2, 1, 2, 3))
    write_cifar(root, 10, place_id, files)
    expected = expected_cifar(batches, "labels")
    assert_same(mc.data.load_cifar10(**kwargs), expected, (np.uint8, np.uint8), f"CIFAR-10 {place_id} via {where}")


@pytest.mark.parametrize("form", ["python", "binary"])
def test_cifar10_batch_files_directly_in_data_dir(form, tmp_path, rng):
    files, batches = cifar_files(rng, 10, form, counts=(1, 1, 1, 1, 1, 2))
    write_files(tmp_path / "mine", files)
    got = mc.data.load_cifar10(data_dir=tmp_path / "mine")
    assert_same(got, expected_cifar(batches, "labels"), (np.uint8, np.uint8), f"CIFAR-10 {form} in data_dir")


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
@pytest.mark.parametrize("place_id", list(CIFAR100_PLACES))
def test_cifar100_loads_as_written(place_id, label_mode, tmp_path, rng):
    form = CIFAR100_PLACES[place_id][0]
    files, batches = cifar_files(rng, 100, form, counts=(5, 3))
    write_cifar(keras_cache(tmp_path), 100, place_id, files)
    expected = expected_cifar(batches, f"{label_mode}_labels")
    got = mc.data.load_cifar100(label_mode)
    assert_same(got, expected, (np.uint8, np.int64), f"CIFAR-100 {place_id} {label_mode}")
    assert got[0][0].flags["C_CONTIGUOUS"] and got[0][0].flags["WRITEABLE"]


def test_data_dir_wins_over_minicnn_data_which_wins_over_the_keras_cache(tmp_path, monkeypatch, rng):
    datasets = {name: random_mnist(rng, n_train=k + 1, n_test=1) for k, name in enumerate(["arg", "env", "cache"])}
    write_mnist_npz(tmp_path / "arg" / "mnist.npz", datasets["arg"])
    write_mnist_npz(tmp_path / "env" / "mnist.npz", datasets["env"])
    write_mnist_npz(keras_cache(tmp_path) / "mnist.npz", datasets["cache"])
    assert_same(mc.data.load_mnist(), datasets["cache"], (np.uint8, np.uint8), "no data_dir, no $MINICNN_DATA")
    monkeypatch.setenv("MINICNN_DATA", str(tmp_path / "env"))
    assert_same(mc.data.load_mnist(), datasets["env"], (np.uint8, np.uint8), "$MINICNN_DATA set")
    assert_same(mc.data.load_mnist(data_dir=tmp_path / "arg"), datasets["arg"], (np.uint8, np.uint8), "data_dir")


def test_a_shared_root_is_searched_only_in_each_datasets_own_subfolder(tmp_path, monkeypatch, rng):
    """MNIST's and Fashion-MNIST's IDX files share names: loose ones at the top of $MINICNN_DATA
    belong to no dataset, so Fashion-MNIST must not take MNIST's."""
    write_idx_set(tmp_path / "shared", random_mnist(rng))
    monkeypatch.setenv("MINICNN_DATA", str(tmp_path / "shared"))
    with pytest.raises(mc.data.DatasetNotFoundError, match="fashion-mnist"):
        mc.data.load_fashion_mnist(download=False)


# ---------------------------------------------------------------- against Keras' own loaders

def keras_loader(tf, name, monkeypatch, files_at):
    """tf.keras.datasets.<name>.load_data with its get_file pointed at local files (no download)."""
    load_data = getattr(tf.keras.datasets, name).load_data
    module = importlib.import_module(load_data.__module__)
    monkeypatch.setattr(module, "get_file", lambda fname=None, *args, **kwargs: str(files_at(fname)))
    return load_data


def test_fashion_mnist_equals_keras_on_the_same_files(tf, tmp_path, monkeypatch, rng):
    write_idx_set(tmp_path / "f", random_mnist(rng, n_train=4, n_test=2))
    theirs = keras_loader(tf, "fashion_mnist", monkeypatch, lambda fname: tmp_path / "f" / fname)()
    theirs_dtypes = (theirs[0][0].dtype, theirs[0][1].dtype)
    assert_same(mc.data.load_fashion_mnist(data_dir=tmp_path / "f"), theirs, theirs_dtypes, "Fashion vs Keras")


def test_mnist_npz_equals_keras_on_the_same_file(tf, tmp_path, monkeypatch, rng):
    write_mnist_npz(tmp_path / "m" / "mnist.npz", random_mnist(rng, n_train=3, n_test=2))
    theirs = keras_loader(tf, "mnist", monkeypatch, lambda fname: tmp_path / "m" / fname)()
    theirs_dtypes = (theirs[0][0].dtype, theirs[0][1].dtype)
    assert_same(mc.data.load_mnist(data_dir=tmp_path / "m"), theirs, theirs_dtypes, "mnist.npz vs Keras")


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_equals_keras_on_the_same_files(tf, label_mode, tmp_path, monkeypatch, rng):
    files, _ = cifar_files(rng, 100, "python", counts=(4, 3))
    write_files(tmp_path / "k" / "cifar-100-python", files)
    theirs = keras_loader(tf, "cifar100", monkeypatch, lambda fname: tmp_path / "k")(label_mode)
    theirs_dtypes = (theirs[0][0].dtype, theirs[0][1].dtype)
    assert theirs_dtypes == (np.uint8, np.int64)
    assert_same(mc.data.load_cifar100(label_mode, data_dir=tmp_path / "k"), theirs, theirs_dtypes,
                f"CIFAR-100 {label_mode} vs Keras")


def test_cifar10_batches_equal_keras_load_batch(tf, tmp_path, rng):
    """Keras' cifar10.load_data needs 10,000 images per batch; its load_batch reads any batch."""
    from keras.src.datasets.cifar import load_batch
    files, _ = cifar_files(rng, 10, "python", counts=(2, 1, 1, 1, 1, 3))
    write_files(tmp_path / "c", files)
    (x_train, y_train), (x_test, y_test) = mc.data.load_cifar10(data_dir=tmp_path / "c")
    keras_batches = [load_batch(str(tmp_path / "c" / name)) for name in CIFAR10_PY]
    np.testing.assert_array_equal(x_train, np.concatenate([x for x, _ in keras_batches[:-1]]).transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y_train[:, 0], np.concatenate([y for _, y in keras_batches[:-1]]))
    np.testing.assert_array_equal(x_test, keras_batches[-1][0].transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y_test[:, 0], keras_batches[-1][1])
    assert y_train.shape == (6, 1) and y_train.dtype == np.uint8  # Keras' documented (N, 1) uint8


def test_the_python2_pickles_written_here_name_only_numpys_three_globals(rng):
    images, labels = random_cifar(rng, 2, CIFAR10_SPEC)
    globals_named = {arg for op, arg, _ in pickletools.genops(cifar_python_batch(images, labels))
                     if op.name == "GLOBAL"}
    assert globals_named == {"numpy.core.multiarray _reconstruct", "numpy ndarray", "numpy dtype"}


# ---------------------------------------------------------------- validation

def mnist_case(tmp_path, rng, member, transform):
    """An MNIST IDX folder whose ``member`` file is replaced by transform(uncompressed IDX bytes)."""
    data = random_mnist(rng, n_train=4, n_test=2)
    write_idx_set(tmp_path / "m", data)
    path = tmp_path / "m" / member
    path.write_bytes(transform(gzip.decompress(path.read_bytes())))
    return path


MNIST_BAD_FILES = {  # id: (member, transform of the uncompressed bytes -> file bytes, message)
    "labels-file-as-images": ("train-images-idx3-ubyte.gz",
                              lambda b: gzip.compress(idx_bytes(np.zeros(4, np.uint8), 0x801)),
                              r"magic number 0x00000801 \(1-d unsigned bytes\), expected 0x00000803 "
                              r"\(3-d unsigned bytes\)"),
    "not-idx": ("t10k-labels-idx1-ubyte.gz", lambda b: gzip.compress(b"PK\x03\x04" + b[4:]),
                r"magic number 0x504B0304 \(not an IDX magic number\), expected 0x00000801"),
    "truncated-data": ("train-images-idx3-ubyte.gz", lambda b: gzip.compress(b[:-1]),
                       r"truncated: the header promises sizes \(4, 28, 28\) \(3136 bytes of data\), "
                       r"the file holds 3135"),
    "truncated-header": ("t10k-images-idx3-ubyte.gz", lambda b: gzip.compress(b[:10]),
                         r"truncated: 10 bytes, but a 3-d IDX header takes 16"),
    "trailing-bytes": ("train-labels-idx1-ubyte.gz", lambda b: gzip.compress(b + b"\0\0"),
                       r"2 unexpected bytes after the 4 bytes of data"),
    "truncated-gzip": ("t10k-images-idx3-ubyte.gz", lambda b: gzip.compress(b)[:-9],
                       r"not a complete gzip file"),
    "not-gzip": ("train-labels-idx1-ubyte.gz", lambda b: b, r"not a complete gzip file"),
    "cifar-sized-images": ("train-images-idx3-ubyte.gz",
                           lambda b: gzip.compress(idx_bytes(np.zeros((4, 32, 32), np.uint8), 0x803)),
                           r"shape \(4, 32, 32\), expected uint8 \(N, 28, 28\); a file of another dataset"),
    "label-out-of-range": ("train-labels-idx1-ubyte.gz",
                           lambda b: gzip.compress(idx_bytes(np.array([1, 2, 10, 3], np.uint8), 0x801)),
                           r"1 labels out of range 0..9 \(the first: 10 at index 2\)"),
    "count-mismatch": ("t10k-labels-idx1-ubyte.gz",
                       lambda b: gzip.compress(idx_bytes(np.zeros(3, np.uint8), 0x801)),
                       r"3 labels for the 2 images of .*t10k-images-idx3-ubyte.gz"),
}


@pytest.mark.parametrize("case", list(MNIST_BAD_FILES))
def test_bad_mnist_idx_files_are_refused_naming_the_file(case, tmp_path, rng):
    member, transform, message = MNIST_BAD_FILES[case]
    path = mnist_case(tmp_path, rng, member, transform)
    with pytest.raises(ValueError, match=message) as caught:
        mc.data.load_mnist(data_dir=tmp_path / "m")
    assert str(caught.value).startswith(str(path)), f"{case}: the message does not start with the file: {caught.value}"


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


GOOD_NPZ = dict(x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8),
                x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
NPZ_BAD_FILES = {
    "object-array": (npz_bytes(**{**GOOD_NPZ, "y_test": np.array([None], dtype=object)}),
                     r"an array could not be read \(.*allow_pickle=False"),
    "missing-array": (npz_bytes(**{k: v for k, v in GOOD_NPZ.items() if k != "x_test"}), r"no array x_test"),
    "truncated": (npz_bytes(**GOOD_NPZ)[:-30], r"not a readable .npz archive"),
    "a-pickle": (pickle.dumps(GOOD_NPZ), r"not a readable .npz archive"),
    "int64-labels": (npz_bytes(**{**GOOD_NPZ, "y_train": np.zeros(2, np.int64)}),
                     r"\[y_train\]: labels of int64 and shape \(2,\), expected uint8"),
}


@pytest.mark.parametrize("case", list(NPZ_BAD_FILES))
def test_bad_mnist_npz_files_are_refused_naming_the_file(case, tmp_path):
    content, message = NPZ_BAD_FILES[case]
    (tmp_path / "mnist.npz").write_bytes(content)
    with pytest.raises(ValueError, match=message) as caught:
        mc.data.load_mnist(data_dir=tmp_path)
    assert str(tmp_path / "mnist.npz") in str(caught.value), f"{case}: {caught.value}"


def bad_cifar10_batch(rng, case):
    """(bytes of a bad CIFAR-10 data_batch_1 in the given form, form, message)."""
    images, labels = random_cifar(rng, 3, CIFAR10_SPEC)
    cifar100_labels = {"coarse_labels": [1, 2, 3], "fine_labels": [4, 5, 6]}
    if case == "binary-truncated":
        return cifar_binary_batch(images, labels)[:-1], "binary", r"9218 bytes is not a whole, non-zero number of 3073"
    if case == "binary-cifar100-records":
        return (cifar_binary_batch(images, cifar100_labels), "binary",
                r"9222 bytes is not a whole, non-zero number of 3073-byte records")
    if case == "binary-label-out-of-range":
        return (cifar_binary_batch(images, {"labels": [3, 10, 200]}), "binary",
                r"2 labels out of range 0..9 \(the first: 10 at record 1\)")
    if case == "python-cifar100-batch":
        return (cifar_python_batch(images, cifar100_labels), "python",
                r"no b'labels' entry \(its keys: .*b'fine_labels'.*\); a file of another dataset")
    if case == "python-label-out-of-range":
        return cifar_python_batch(images, {"labels": [0, -1, 9]}), "python", r"1 labels out of range 0..9"
    if case == "python-too-few-labels":
        return (cifar_python_batch(images, {"labels": [0, 1]}), "python",
                r"b'labels' should be 3 integers \(one per image\), got int64 of shape \(2,\)")
    if case == "python-float-data":
        batch = python2_pickle({b"data": np.zeros((3, 3072), np.float32), b"labels": [0, 1, 2]})
        return batch, "python", r"b'data' should be a uint8 array \(N, 3072\), got float32 array of shape"
    if case == "python-truncated":
        return cifar_python_batch(images, labels)[:-100], "python", r"not a readable pickle"
    assert case == "python-a-list"
    return python2_pickle([1, 2, 3]), "python", r"holds a pickled list, expected a dict"


CIFAR_BAD_CASES = ["binary-truncated", "binary-cifar100-records", "binary-label-out-of-range",
                   "python-cifar100-batch", "python-label-out-of-range", "python-too-few-labels",
                   "python-float-data", "python-truncated", "python-a-list"]


@pytest.mark.parametrize("case", CIFAR_BAD_CASES)
def test_bad_cifar_batches_are_refused_naming_the_file(case, tmp_path, rng):
    content, form, message = bad_cifar10_batch(rng, case)
    files, _ = cifar_files(rng, 10, form, counts=(1,) * 6)
    member = CIFAR10_PY[0] + (".bin" if form == "binary" else "")
    files[member] = content
    write_files(tmp_path / "c", files)
    with pytest.raises(ValueError, match=message) as caught:
        mc.data.load_cifar10(data_dir=tmp_path / "c")
    assert str(caught.value).startswith(str(tmp_path / "c" / member)), f"{case}: {caught.value}"


def test_a_cifar100_binary_record_puts_the_coarse_label_first(tmp_path, rng):
    images = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    records = cifar_binary_batch(images, {"coarse": [19, 0], "fine": [99, 50]})
    write_files(tmp_path / "b", {"train.bin": records, "test.bin": records})
    (_, coarse), _ = mc.data.load_cifar100("coarse", data_dir=tmp_path / "b")
    (_, fine), _ = mc.data.load_cifar100("fine", data_dir=tmp_path / "b")
    assert coarse[:, 0].tolist() == [19, 0] and fine[:, 0].tolist() == [99, 50]


EVIL_PICKLES = {  # id: (pickle bytes, the name it tries to load)
    "os.system": (b"cos\nsystem\n(S'touch pwned'\ntR.", "os.system"),
    "builtins.eval": (b"\x80\x02cbuiltins\neval\nX\x1a\x00\x00\x00open('pwned', 'w').close()\x85R.",
                      "builtins.eval"),
    "python3-bytes": (pickle.dumps({b"data": b"x"}, protocol=2), "_codecs.encode"),
    "numpy2-name": (pickle.dumps({"data": np.zeros((1, 3072), np.uint8)}, protocol=2),
                    "numpy._core.multiarray._reconstruct"),
}


@pytest.mark.parametrize("case", list(EVIL_PICKLES))
def test_the_unpickler_refuses_every_name_the_real_files_do_not_need(case, tmp_path, monkeypatch, rng):
    content, name = EVIL_PICKLES[case]
    files, _ = cifar_files(rng, 10, "python", counts=(1,) * 6)
    files["test_batch"] = content
    write_files(tmp_path / "c", files)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=rf"test_batch: refused: the file tried to load {name} \(a CIFAR batch "
                                         r"needs at most numpy.core.multiarray._reconstruct, numpy.ndarray, "
                                         r"numpy.dtype\)"):
        mc.data.load_cifar10(data_dir=tmp_path / "c")
    assert not (tmp_path / "pwned").exists()


def test_a_truncated_archive_is_refused_naming_it(tmp_path, rng):
    files, _ = cifar_files(rng, 100, "binary", counts=(2, 1))
    path = keras_cache(tmp_path) / "cifar-100-binary.tar.gz"
    write_tar_gz(path, "cifar-100-binary", files)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match=rf"{path}: not a complete .tar.gz archive"):
        mc.data.load_cifar100()


def test_an_archive_of_another_dataset_is_refused_naming_it(tmp_path, rng):
    files, _ = cifar_files(rng, 100, "python", counts=(2, 1))
    path = keras_cache(tmp_path) / "cifar-10-python.tar.gz"
    write_tar_gz(path, "cifar-100-python", files)
    with pytest.raises(ValueError, match=rf"{path}: the archive holds no file cifar-10-batches-py/data_batch_1, "
                                         r".*test_batch; an archive of another dataset"):
        mc.data.load_cifar10()


@pytest.mark.parametrize("call, error, message", [
    (lambda: mc.data.load_cifar100("medium"), ValueError, r"label_mode must be one of 'fine', 'coarse', got 'medium'"),
    (lambda: mc.data.load_mnist(data_dir=3), TypeError, r"data_dir must be a path .* got 3"),
    (lambda: mc.data.load_cifar10(download="yes"), TypeError, r"download must be True or False, got 'yes'"),
], ids=["label_mode", "data_dir", "download"])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- missing files and downloads

class FakeResponse(io.BytesIO):
    """What the opener returns: a body, a Content-Length, and optionally a connection that drops."""

    def __init__(self, body, length=None, drop_after=None):
        super().__init__(body)
        self.headers = {"Content-Length": str(len(body) if length is None else length)}
        self.drop_after = drop_after

    def read(self, size=-1):
        if self.drop_after is not None and self.tell() >= self.drop_after:
            raise ConnectionResetError("connection reset by peer")
        return super().read(min(size, 1000) if size > 0 else size)


def fake_opener(responses):
    """An opener serving ``responses[url]`` (bytes or a FakeResponse) and recording each URL asked."""
    asked = []

    def opener(url):
        asked.append(url)
        served = responses[url]
        return FakeResponse(served) if isinstance(served, bytes) else served

    opener.asked = asked
    return opener


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_fetch_writes_a_file_whose_checksum_matches_and_draws_progress(tmp_path, capsys):
    body = bytes(range(256)) * 20
    target = tmp_path / "new" / "folder" / "file.bin"
    for file_hash in (hashlib.sha256(body).hexdigest(), hashlib.md5(body).hexdigest()):
        download.fetch("https://example.org/file.bin", target, file_hash, opener=fake_opener({
            "https://example.org/file.bin": body}))
        assert target.read_bytes() == body
        assert files_under(tmp_path / "new") == ["folder", "folder/file.bin"]
    out = capsys.readouterr().out
    assert "Downloading data from https://example.org/file.bin" in out and "5120/5120 [" in out


def test_fetch_with_a_wrong_checksum_raises_and_leaves_nothing(tmp_path):
    body, wrong = b"not the file you are looking for", "0" * 64
    with pytest.raises(ValueError, match=rf"{tmp_path / 'a' / 'f.gz'}: the file downloaded from https://x.org/f.gz "
                                         rf"has sha256 {hashlib.sha256(body).hexdigest()}, expected {wrong}"):
        download.fetch("https://x.org/f.gz", tmp_path / "a" / "f.gz", wrong,
                       opener=fake_opener({"https://x.org/f.gz": body}))
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("response, error, message", [
    (FakeResponse(b"x" * 5000, drop_after=2000), ConnectionResetError, "connection reset"),
    (FakeResponse(b"x" * 5000, length=8000), OSError, "stopped after 5000 of 8000 bytes"),
], ids=["connection-drops", "body-shorter-than-announced"])
def test_an_interrupted_fetch_leaves_nothing(response, error, message, tmp_path):
    with pytest.raises(error, match=message):
        download.fetch("https://x.org/f", tmp_path / "f", hashlib.sha256(b"x" * 5000).hexdigest(),
                       opener=fake_opener({"https://x.org/f": response}))
    assert files_under(tmp_path) == []


def with_hash(layouts, file_hashes):
    """The same layouts with the first one's remote hashes replaced (tests serve their own bytes)."""
    first = layouts[0]
    remote = tuple(dataclasses.replace(r, file_hash=h) for r, h in zip(first.remote, file_hashes))
    return (dataclasses.replace(first, remote=remote),) + layouts[1:]


def test_load_mnist_downloads_mnist_npz_once_into_the_keras_cache(tmp_path, monkeypatch, rng, capsys):
    data = random_mnist(rng, n_train=3, n_test=2)
    body = npz_bytes(x_train=data[0][0], y_train=data[0][1], x_test=data[1][0], y_test=data[1][1])
    opener = fake_opener({KERAS_ORIGIN + "mnist.npz": body})
    monkeypatch.setattr(download, "open_url", opener)
    monkeypatch.setattr(mnist, "MNIST_LAYOUTS", with_hash(mnist.MNIST_LAYOUTS, [hashlib.sha256(body).hexdigest()]))
    assert_same(mc.data.load_mnist(), data, (np.uint8, np.uint8), "downloaded mnist.npz")
    assert_same(mc.data.load_mnist(), data, (np.uint8, np.uint8), "mnist.npz from the cache")
    assert opener.asked == [KERAS_ORIGIN + "mnist.npz"]
    assert files_under(keras_cache(tmp_path)) == ["mnist.npz"]
    assert "Downloading data from " + KERAS_ORIGIN + "mnist.npz" in capsys.readouterr().out


def test_load_fashion_mnist_downloads_only_the_missing_files_into_data_dir(tmp_path, monkeypatch, rng):
    data = random_mnist(rng, n_train=2, n_test=2)
    write_idx_set(tmp_path / "served", data)
    bodies = {name: (tmp_path / "served" / name).read_bytes() for name in IDX_NAMES}
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / IDX_NAMES[1]).write_bytes(bodies[IDX_NAMES[1]])
    opener = fake_opener({KERAS_ORIGIN + name: body for name, body in bodies.items()})
    monkeypatch.setattr(download, "open_url", opener)
    hashes = [hashlib.sha256(bodies[name]).hexdigest() for name in IDX_NAMES]
    monkeypatch.setattr(mnist, "FASHION_LAYOUTS", with_hash(mnist.FASHION_LAYOUTS, hashes))
    assert_same(mc.data.load_fashion_mnist(data_dir=tmp_path / "f"), data, (np.uint8, np.uint8), "downloaded")
    assert opener.asked == [KERAS_ORIGIN + name for name in IDX_NAMES if name != IDX_NAMES[1]]
    assert files_under(tmp_path / "f") == sorted(IDX_NAMES)


def test_load_cifar10_downloads_the_python_archive(tmp_path, monkeypatch, rng):
    files, batches = cifar_files(rng, 10, "python", counts=(1, 2, 1, 1, 1, 2))
    write_tar_gz(tmp_path / "served.tar.gz", "cifar-10-batches-py", files)
    body = (tmp_path / "served.tar.gz").read_bytes()
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    monkeypatch.setattr(download, "open_url", fake_opener({url: body}))
    monkeypatch.setattr(cifar, "CIFAR10_LAYOUTS", with_hash(cifar.CIFAR10_LAYOUTS, [hashlib.sha256(body).hexdigest()]))
    monkeypatch.setenv("MINICNN_DATA", str(tmp_path / "root"))
    assert_same(mc.data.load_cifar10(), expected_cifar(batches, "labels"), (np.uint8, np.uint8), "downloaded")
    assert files_under(tmp_path / "root") == ["cifar-10-python.tar.gz"]


def test_a_download_with_keras_checksum_wrong_is_refused_and_leaves_nothing(tmp_path, monkeypatch):
    body = b"an npz from somewhere else"
    monkeypatch.setattr(download, "open_url", fake_opener({KERAS_ORIGIN + "mnist.npz": body}))
    with pytest.raises(ValueError, match=rf"mnist.npz: the file downloaded from {KERAS_ORIGIN}mnist.npz has sha256 "
                                         rf"{hashlib.sha256(body).hexdigest()}, expected 731c5ac6"):
        mc.data.load_mnist()
    assert not (tmp_path / "keras_home").exists()


def unreachable(url):
    raise urllib.error.URLError("[Errno -2] Name or service not known")


def test_without_network_the_error_names_each_file_its_folder_and_url(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "open_url", unreachable)
    cache = keras_cache(tmp_path)
    with pytest.raises(mc.data.DatasetNotFoundError) as caught:
        mc.data.load_fashion_mnist()
    message = str(caught.value)
    assert f"Fashion-MNIST was not found in {cache}, and downloading it failed: " in message
    assert "Name or service not known" in message
    for name in IDX_NAMES:
        assert f"  {cache / 'fashion-mnist' / name}  from {KERAS_ORIGIN}{name}\n" in message, message
    assert not (tmp_path / "keras_home").exists()


def test_the_cifar_message_offers_each_version_archived_or_extracted(tmp_path, rng):
    root = tmp_path / "mine"
    write_files(root, {"data_batch_1": b"", "test_batch": b""})  # a partial set, directly in data_dir
    with pytest.raises(mc.data.DatasetNotFoundError) as caught:
        mc.data.load_cifar10(data_dir=root, download=False)
    message = str(caught.value)
    toronto = "https://www.cs.toronto.edu/~kriz/"
    for line in [f"CIFAR-10 was not found in {root}, and downloads are off (download=False).",
                 f"  {root / 'cifar-10-python.tar.gz'}  from {toronto}cifar-10-python.tar.gz",
                 f"  or the archive extracted: {root}{os.sep} holding data_batch_1, data_batch_2, data_batch_3, "
                 f"data_batch_4, data_batch_5, test_batch",
                 f"  {root / 'cifar-10-binary.tar.gz'}  from {toronto}cifar-10-binary.tar.gz",
                 f"({root} holds only part of a set: it lacks data_batch_2, data_batch_3, data_batch_4, "
                 f"data_batch_5)"]:
        assert line in message.splitlines(), f"missing line {line!r} in:\n{message}"


def test_mnist_message_offers_the_npz_with_its_url_or_the_idx_files(tmp_path):
    with pytest.raises(mc.data.DatasetNotFoundError) as caught:
        mc.data.load_mnist(download=False)
    cache = keras_cache(tmp_path)
    lines = str(caught.value).splitlines()
    assert f"  {cache / 'mnist.npz'}  from {KERAS_ORIGIN}mnist.npz" in lines
    assert f"  {cache / 'mnist'}{os.sep} holding {', '.join(IDX_NAMES)}" in lines
    assert "Or pass data_dir= to the loader, or set $MINICNN_DATA, to read them from another folder." in lines


# ---------------------------------------------------------------- the real MNIST, where it is

REAL_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
# Independent references: the class counts published with MNIST, and the sha256 of the
# uncompressed IDX files listed in shared/data/README.md.
MNIST_COUNTS = {"train": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
                "test": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]}
MNIST_CONTENT_SHA256 = {
    "train-images": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "test-images": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "test-labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


@pytest.mark.skipif(not all((REAL_MNIST / name).is_file() for name in IDX_NAMES),
                    reason=f"the real MNIST files are not in {REAL_MNIST}")
def test_the_real_mnist_loads_whole():
    (x_train, y_train), (x_test, y_test) = mc.data.load_mnist(data_dir=REAL_MNIST)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert np.bincount(y_train).tolist() == MNIST_COUNTS["train"]
    assert np.bincount(y_test).tolist() == MNIST_COUNTS["test"]
    for split, images, labels in (("train", x_train, y_train), ("test", x_test, y_test)):
        for what, array, magic in (("images", images, 0x803), ("labels", labels, 0x801)):
            digest = hashlib.sha256(idx_bytes(array, magic)).hexdigest()
            assert digest == MNIST_CONTENT_SHA256[f"{split}-{what}"], f"{split} {what}: the bytes read differ"
