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
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)  # as Keras, a missing folder is created
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's file is private; a saved file gets the usual mode
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def weight_path(weight):
    """A weight's Keras 3 path, "<layer>/<name>" (its name for a tensor made outside a layer)."""
    return getattr(weight, "path", None) or weight.name or ""


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _weight_arrays(layer):
    arrays = {f"w{k:04d}": to_numpy(w.data) for k, w in enumerate(layer.weights)}
    arrays["names"] = np.array([weight_path(w) for w in layer.weights], dtype=np.str_)
    return arrays


NPZ_SUFFIXES = (".npz", ".ckpt.index")  # a tf.keras 2 checkpoint prefix x.ckpt is stored as x.ckpt.index


def _check_npz_name(path, what):
    if not os.fspath(path).endswith(NPZ_SUFFIXES):
        raise ValueError(f"{what}: the file name must end in .npz, got {os.fspath(path)!r}")


def save_weights(layer, path):
    """Write every weight of ``layer`` (trainable and not, e.g. BN's moving statistics) to ``path``."""
    _check_npz_name(path, "save_weights")
    arrays = _weight_arrays(layer)
    _write_atomically(path, lambda stream: np.savez(stream, **arrays))


def checkpoint_arrays(model):
    """The arrays of a checkpoint: the weights, and the optimizer's kind, step count and state (slot
    ``name`` of weight k as ``opt/k/name``, an optimizer-wide scalar such as Nadam's u_product as
    ``opt/scalars/name``)."""
    arrays = _weight_arrays(model)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        state = optimizer.get_state(model.weights)
        arrays["opt/class"] = np.array(state["class"])
        arrays["opt/iterations"] = np.array(state["iterations"])
        for k, slots in enumerate(state["slots"]):
            for name, value in slots.items():
                arrays[f"opt/{k}/{name}"] = value
        for name, value in state.get("scalars", {}).items():
            arrays[f"opt/scalars/{name}"] = value
    return arrays


def save_checkpoint(model, path):
    """Weights plus the optimizer's state (``checkpoint_arrays``) to an .npz file, atomically."""
    _check_npz_name(path, "save_checkpoint")
    arrays = checkpoint_arrays(model)
    _write_atomically(path, lambda stream: np.savez(stream, **arrays))


def _optimizer_state(stored, count):
    """The optimizer state in a checkpoint's arrays (None if it holds none), as ``get_state`` gives it."""
    if "opt/iterations" not in stored:
        return None
    state = {"iterations": int(stored["opt/iterations"]), "slots": [{} for _ in range(count)], "scalars": {}}
    if "opt/class" in stored:
        state["class"] = str(stored["opt/class"])
    for key, value in stored.items():
        if key.startswith("opt/scalars/"):
            state["scalars"][key[len("opt/scalars/"):]] = value
        elif key.startswith("opt/") and key not in ("opt/iterations", "opt/class"):
            _, k, name = key.split("/", 2)
            state["slots"][int(k)][name] = value
    return state


def load_checkpoint(model, path):
    """Weights and optimizer state from ``save_checkpoint``, all or nothing. A checkpoint holding an
    optimizer's state needs the model compiled with the same kind of optimizer (``load_weights``
    takes the weights alone)."""
    stored = _read_npz(path, "load_checkpoint")
    weights = model.weights
    values = _checked_weight_values(stored, weights, path, "load_checkpoint")
    state = _optimizer_state(stored, len(weights))
    optimizer = getattr(model, "optimizer", None)
    if state is not None:
        if optimizer is None:
            raise ValueError(f"load_checkpoint: {path} holds optimizer state ({state.get('class', 'unknown kind')}) but "
                             f"{model.name} is not compiled; compile it with that optimizer first, or use "
                             "load_weights to take the weights alone")
        optimizer.check_state(weights, state)
    for w, value in zip(weights, values):  # only after every check passed: all or nothing
        w.assign(value)
    if state is not None:
        optimizer.set_state(weights, state)


def export_weights_text(layer, path, trainable_only=True):
    """The source material's dump: for each weight its name, shape and values, as text."""
    weights = layer.trainable_weights if trainable_only else layer.weights
    with np.printoptions(threshold=np.inf, linewidth=120):
        text = "".join(f"{w.name}\n{w.shape}\n{w.numpy()}\n" for w in weights)
    _write_atomically(path, lambda stream: stream.write(text.encode()))


def _read_npz(path, what):
    """Every array of an .npz file, refusing anything else with a message that says what it is not."""
    path = os.fspath(path)
    with open(path, "rb") as stream:
        head = stream.read(4)
    if head != b"PK\x03\x04":
        raise ValueError(f"{what}: {path} is not an .npz archive (no zip header): not a file written by "
                         "save_weights or save_checkpoint, or a truncated one")
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {key: stored[key] for key in stored.files}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as err:
        raise ValueError(f"{what}: {path} is a damaged or foreign .npz archive ({type(err).__name__}: {err})") from err


def _checked_weight_values(stored, weights, path, what):
    """The weight arrays of a file, in order, after checking their count and shapes against ``weights``."""
    keys = sorted(k for k in stored if k.startswith("w"))
    names = [str(n) for n in stored["names"]] if "names" in stored else [""] * len(keys)
    values = [stored[k] for k in keys]
    if len(values) != len(weights):
        raise ValueError(f"{what}: {path} holds {len(values)} weights but the model has {len(weights)}")
    for k, (w, value, name) in enumerate(zip(weights, values, names)):
        if value.shape != w.shape:
            raise ValueError(f"{what}: weight {k} ({name!r} in the file, {weight_path(w)!r} in the model) has shape "
                             f"{value.shape} in the file but {w.shape} in the model")
    return values


def load_weights(layer, path):
    """Read weights written by ``save_weights`` (or ``save_checkpoint``) into ``layer``, checking count
    and shapes first: all or nothing."""
    if not layer.built:
        raise ValueError(f"load_weights: {layer.name} is not built, so it has no weights to load into yet; "
                         "call it on a batch of data or build(input_shape) first")
    values = _checked_weight_values(_read_npz(path, "load_weights"), layer.weights, path, "load_weights")
    for w, value in zip(layer.weights, values):
        w.assign(value)
