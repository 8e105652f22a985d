"""Weights on disk: ``.npz`` files written atomically and loaded with checks, never unpickled.

The file holds the arrays of ``model.weights`` in order (``w0000``, ``w0001``, ...) with their
names alongside, so a model of the same architecture built anew (whose auto-generated layer
names may differ) loads them; the weights are matched by position and checked by shape.
"""

import os
import tempfile
import zipfile

import numpy as np

from .backend import to_numpy


def save_weights(layer, path):
    """Write every weight of ``layer`` (trainable and not, e.g. BN's moving statistics) to ``path``."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        raise ValueError(f"save_weights: the file name must end in .npz, got {path!r}")
    arrays = {f"w{k:04d}": to_numpy(w.data) for k, w in enumerate(layer.weights)}
    arrays["names"] = np.array([w.name or "" for w in layer.weights], dtype=np.str_)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".npz.tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)  # the old file stays whole until the new one is complete
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def load_weights(layer, path):
    """Read weights written by ``save_weights`` into ``layer`` (built), checking count and shapes first."""
    weights = layer.weights
    try:
        with np.load(os.fspath(path), allow_pickle=False) as stored:
            keys = sorted(k for k in stored.files if k.startswith("w"))
            names = [str(n) for n in stored["names"]] if "names" in stored.files else [""] * len(keys)
            values = [stored[k] for k in keys]
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as err:
        raise ValueError(f"load_weights: {path} is not a readable weights file ({type(err).__name__}: {err})") from err
    if len(values) != len(weights):
        raise ValueError(f"load_weights: {path} holds {len(values)} weights but the model has {len(weights)}")
    for k, (w, value, name) in enumerate(zip(weights, values, names)):
        if value.shape != w.shape:
            raise ValueError(f"load_weights: weight {k} ({name!r} in the file, {w.name!r} in the model) has shape "
                             f"{value.shape} in the file but {w.shape} in the model")
    for w, value in zip(weights, values):  # only after every check passed: all or nothing
        w.assign(value)
