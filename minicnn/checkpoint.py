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


def _write_atomically(path, write):
    """Call ``write(stream)`` on a temporary file beside ``path``, then rename it over ``path``:
    the old file stays whole until the new one is complete."""
    path = os.fspath(path)
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _weight_arrays(layer):
    arrays = {f"w{k:04d}": to_numpy(w.data) for k, w in enumerate(layer.weights)}
    arrays["names"] = np.array([w.name or "" for w in layer.weights], dtype=np.str_)
    return arrays


def _check_npz_name(path, what):
    if not os.fspath(path).endswith(".npz"):
        raise ValueError(f"{what}: the file name must end in .npz, got {os.fspath(path)!r}")


def save_weights(layer, path):
    """Write every weight of ``layer`` (trainable and not, e.g. BN's moving statistics) to ``path``."""
    _check_npz_name(path, "save_weights")
    arrays = _weight_arrays(layer)
    _write_atomically(path, lambda stream: np.savez(stream, **arrays))


def save_checkpoint(model, path):
    """Weights plus the optimizer's step count and state (slot ``name`` of weight k as ``opt/k/name``)."""
    _check_npz_name(path, "save_checkpoint")
    arrays = _weight_arrays(model)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        state = optimizer.get_state(model.weights)
        arrays["opt/iterations"] = np.array(state["iterations"])
        for k, slots in enumerate(state["slots"]):
            for name, value in slots.items():
                arrays[f"opt/{k}/{name}"] = value
    _write_atomically(path, lambda stream: np.savez(stream, **arrays))


def load_checkpoint(model, path):
    """Weights and optimizer state from ``save_checkpoint`` (the model compiled with the same optimizer kind)."""
    load_weights(model, path)
    optimizer = getattr(model, "optimizer", None)
    with np.load(os.fspath(path), allow_pickle=False) as stored:
        if optimizer is None or "opt/iterations" not in stored.files:
            return
        weights = model.weights
        slots = [{} for _ in weights]
        for key in stored.files:
            if key.startswith("opt/") and key != "opt/iterations":
                _, k, name = key.split("/", 2)
                slots[int(k)][name] = stored[key]
        optimizer.set_state(weights, {"iterations": int(stored["opt/iterations"]), "slots": slots})


def export_weights_text(layer, path, trainable_only=True):
    """The source material's dump: for each weight its name, shape and values, as text."""
    weights = layer.trainable_weights if trainable_only else layer.weights
    with np.printoptions(threshold=np.inf, linewidth=120):
        text = "".join(f"{w.name}\n{w.shape}\n{w.numpy()}\n" for w in weights)
    _write_atomically(path, lambda stream: stream.write(text.encode()))


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
