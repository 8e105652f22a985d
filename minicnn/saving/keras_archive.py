"""Whole models in Keras 3's ``.keras`` files: a zip archive (entries stored, uncompressed) of

    metadata.json       {"keras_version": ..., "date_saved": ...}
    config.json         the model's serialized config (``keras_models.serialize_model``)
    model.weights.h5    its weights in the .weights.h5 layout (``weights_h5``)

``save_model`` writes Sequential and functional models (a subclassed model's architecture is
Python code, which the archive cannot hold: its weights go to a .weights.h5 file instead);
``load_model`` rebuilds a model from such a file written by Keras or minicnn. Nothing in the
archive is unpickled or executed: the config is JSON, the weights are HDF5 datasets.
"""

import datetime
import json
import os
import zipfile

from ..checkpoint import _write_atomically
from .keras_models import model_from_config, serialize_model
from .weights_h5 import assign_all, checked_values, h5_bytes, read_h5

KERAS_VERSION = "3.15.1"  # the Keras release whose layout these files follow
CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
_MAX_EXPANSION, _BOMB_FLOOR_BYTES = 100, 1 << 32  # zip members inflating beyond these are refused


def save_model(model, path):
    """Write a built Sequential or functional ``model`` to ``path`` (ending in .keras), atomically;
    ``keras.models.load_model(path)`` rebuilds it with its weights."""
    if not os.fspath(path).endswith(".keras"):
        raise ValueError(f"save: the file name must end in .keras (Keras 3's model archive), got {os.fspath(path)!r}")
    if not model.built:
        raise ValueError(f"save: {model.name} is not built; call it on a batch of data or build(input_shape) first")
    from .. import __version__ as minicnn_version  # (minicnn/__init__ may still be importing)
    config = json.dumps(serialize_model(model))
    metadata = json.dumps({"keras_version": KERAS_VERSION, "minicnn_version": minicnn_version,
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    weights = h5_bytes(model)

    def write(stream):
        with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(METADATA, metadata)
            archive.writestr(CONFIG, config)
            archive.writestr(WEIGHTS, weights)

    _write_atomically(path, write)


def _read_member(archive, name, where):
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValueError(f"{where} has no {name}: not a .keras model archive (it holds {archive.namelist()[:10]})")
    if info.file_size > _BOMB_FLOOR_BYTES and info.file_size > _MAX_EXPANSION * info.compress_size:
        raise ValueError(f"{where}: {name} declares {info.file_size} bytes but stores {info.compress_size}; refused")
    return archive.read(name)


def _read_archive(path, where):
    with open(path, "rb") as stream:
        head = stream.read(4)
    if head != b"PK\x03\x04":
        raise ValueError(f"{where} is not a .keras archive (no zip header): not a model saved by Keras 3 or minicnn, "
                         "or a truncated one")
    try:
        with zipfile.ZipFile(path) as archive:
            config = _read_member(archive, CONFIG, where)
            weights = _read_member(archive, WEIGHTS, where)
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        raise ValueError(f"{where} is a damaged or truncated .keras archive ({type(err).__name__}: {err})") from err
    try:
        config = json.loads(config)
    except (UnicodeDecodeError, ValueError) as err:
        raise ValueError(f"{where}: {CONFIG} is not valid JSON ({err})") from err
    return config, weights


def load_model(path):
    """The model of a .keras file (written by Keras 3 or minicnn) with its weights: the config is
    rebuilt layer by layer and every weight checked (paths, counts, shapes, dtypes) before any is set.
    An unknown layer class, an argument minicnn cannot honour or a custom object is a ValueError
    naming it."""
    where = f"load_model: {os.fspath(path)}"
    if not os.fspath(path).endswith(".keras"):
        raise ValueError(f"{where}: expected a .keras file (Keras 3's model archive)")
    config, weights = _read_archive(path, where)
    try:
        model = model_from_config(config)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from err
    weights_where = f"{where} ({WEIGHTS})"
    assign_all(checked_values(model, read_h5(weights, weights_where), weights_where))
    return model
