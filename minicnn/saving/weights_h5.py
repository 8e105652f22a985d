"""Weights in Keras 3's ``.weights.h5`` layout (HDF5 through h5py), written and read by minicnn.

Keras stores each layer's own variables in a group ``<path>/vars`` (attribute ``name``: the
layer's name), as datasets ``0, 1, ...`` in creation order, trainable ones first. The paths come
from a walk of the model that names layers by *class*, counted within each container, so that
two builds of one architecture (whose layer names differ) agree:

    vars                                  the model's own variables (none for most models)
    layers/conv2d/vars/0, 1               Sequential / functional: the first Conv2D of model.layers
    layers/conv2d_1/vars/0, 1             the second Conv2D
    layers/batch_normalization/vars/0-3   gamma, beta, moving_mean, moving_variance
    blocks/dense_1/vars/0, 1              subclassed: attribute ``blocks`` (a list), its second Dense
    head/vars/0, 1                        subclassed: attribute ``head`` (a layer)
    layers/sequential/layers/dense/vars   a Sequential inside a model

A Sequential or functional model walks ``model.layers`` first (under ``layers``); any layer then
walks its attributes in sorted order, private ones (``_x``) last, a subclassed model's ``layers``
among them; a layer met twice is stored once, at its first path. Keras' ``optimizer`` group is
training state, not weights: it is ignored on reading and not written.
"""

import io
import math
import os

import numpy as np

from ..backend import to_numpy
from ..checkpoint import _write_atomically
from ..layers.base import Layer
from ..layers.lambda_layer import Operation
from ..model import Model, Sequential
from ..registry import snake_case
from .keras_layers import keras_class_name

TRAINING_STATE = ("optimizer",)  # top-level groups of Keras' files that hold no layer weights
_BOOKKEEPING = frozenset({"_sublayers", "_graph", "_inbound_nodes", "_trainable_own", "_non_trainable_own"})
_BOMB_FLOOR_BYTES = 1 << 32  # a dataset declaring > 4 GiB that stores almost nothing is refused, as Keras does
_BOMB_EXPANSION = 1000


# --- the walk --------------------------------------------------------------------------------

def own_weights(layer):
    """A layer's own variables in Keras' ``vars/k`` order: trainable ones first, each in creation order."""
    return list(layer._trainable_own) + list(layer._non_trainable_own)


def _has_layer_list(layer):
    """Sequential and functional models: Keras walks ``model.layers`` before anything else."""
    return isinstance(layer, Sequential) or (isinstance(layer, Model) and getattr(layer, "_graph", None) is not None)


def _graph_layers(model):
    """``model.layers`` as Keras lists them: recorded operations (x + y) are Keras ops, not layers."""
    return [layer for layer in model.layers if not isinstance(layer, Operation)]


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


def _class_attributes(layer):
    """Attributes the classes of users' layers define (properties among them), which Keras' walk
    over ``dir(layer)`` meets too; minicnn's own classes hold no layers there."""
    names = {name for cls in type(layer).__mro__ if not cls.__module__.startswith("minicnn.")
             for name in vars(cls) if not name.startswith("__")}
    found = {}
    for name in names:
        try:
            found[name] = getattr(layer, name)
        except Exception:  # a property that fails is passed over, as Keras passes it over
            continue
    return found


def _children(layer):
    """(attribute, value) pairs in the order Keras visits them."""
    if _has_layer_list(layer):
        yield "layers", _graph_layers(layer)
    attributes = _class_attributes(layer)
    attributes.update((name, value) for name, value in vars(layer).items()
                      if name not in _BOOKKEEPING and not name.startswith("__"))
    if isinstance(layer, Model) and not _has_layer_list(layer):
        attributes["layers"] = layer.layers  # a subclassed model's `layers` property, as Keras has it
    for name in sorted(attributes, key=_name_key):
        yield name, attributes[name]


def _walk(layer, path, visited, found):
    if id(layer) in visited:
        return
    visited.add(id(layer))
    found.append((path, layer))
    for attribute, value in _children(layer):
        child = f"{path}/{attribute}" if path else attribute
        if isinstance(value, Layer):
            _walk(value, child, visited, found)
        elif isinstance(value, (list, tuple, dict)):
            _walk_container(value, child, visited, found, set())


def _walk_container(container, path, visited, found, seen):
    """Items of a list, tuple or dict (its values, in order), named by class and counted: dense,
    dense_1, ...; a nested container is ``container``, ``container_1``, ..."""
    if id(container) in seen:
        return
    seen.add(id(container))
    counts = {}
    for item in (container.values() if isinstance(container, dict) else container):
        if isinstance(item, Layer):
            base = snake_case(keras_class_name(item))
        elif isinstance(item, (list, tuple, dict)):
            base = "container"
        else:
            continue
        name = base if base not in counts else f"{base}_{counts[base] + 1}"
        counts[base] = counts.get(base, -1) + 1
        if isinstance(item, Layer):
            _walk(item, f"{path}/{name}", visited, found)
        else:
            _walk_container(item, f"{path}/{name}", visited, found, seen)


def weight_paths(layer):
    """[(path, layer), ...]: every layer below ``layer`` (itself first, path "") at the path
    Keras 3 stores its variables under."""
    found = []
    _walk(layer, "", set(), found)
    return found


# --- writing ---------------------------------------------------------------------------------

def h5_bytes(layer):
    """The bytes of a .weights.h5 file holding every weight of ``layer`` (BN statistics included)."""
    import h5py  # imported when an .h5 file is used: minicnn imports without it
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        for path, sublayer in weight_paths(layer):
            group = h5.create_group(f"{path}/vars" if path else "vars")
            group.attrs["name"] = sublayer.name
            for k, weight in enumerate(own_weights(sublayer)):
                group.create_dataset(str(k), data=to_numpy(weight.data))
    return buffer.getvalue()


def _check_built(layer, what):
    if not layer.built:
        raise ValueError(f"{what}: {layer.name} is not built, so it has no weights yet; call it on a batch of "
                         "data or build(input_shape) first")


def save_weights_h5(layer, path):
    """Write every weight of ``layer`` to ``path`` (ending in .weights.h5) in Keras 3's layout,
    atomically: ``keras_model.load_weights(path)`` reads it into the same architecture."""
    if not os.fspath(path).endswith(".weights.h5"):
        raise ValueError(f"save_weights: the file name must end in .weights.h5 (Keras' weights file), "
                         f"got {os.fspath(path)!r}")
    _check_built(layer, "save_weights")
    data = h5_bytes(layer)
    _write_atomically(path, lambda stream: stream.write(data))


# --- reading ---------------------------------------------------------------------------------

def _safe_child(group, name, where):
    import h5py  # imported when an .h5 file is used: minicnn imports without it
    link = group.get(name, getlink=True)
    if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
        raise ValueError(f"{where}: {group.name}/{name} is a {type(link).__name__}, which weight files must not hold")
    return group[name]


def _read_dataset(dataset, where):
    if dataset.external or dataset.is_virtual:
        raise ValueError(f"{where}: dataset {dataset.name} refers to data outside the file, which is refused")
    declared = math.prod(dataset.shape) * dataset.dtype.itemsize
    if declared > _BOMB_FLOOR_BYTES and declared > _BOMB_EXPANSION * dataset.id.get_storage_size():
        raise ValueError(f"{where}: dataset {dataset.name} declares {declared} bytes but stores almost nothing; "
                         "refused")
    if dataset.attrs.get("dtype") == "bfloat16" or dataset.dtype.kind != "f":
        raise ValueError(f"{where}: dataset {dataset.name} holds {dataset.attrs.get('dtype', dataset.dtype)} values; "
                         "weights must be float16, float32 or float64")
    return np.asarray(dataset[()])


def _collect_vars(group, path, where, found):
    """Every ``vars`` group below ``group``: found[path] = (layer name attribute, {key: array})."""
    import h5py  # imported when an .h5 file is used: minicnn imports without it
    for name in group:
        child = _safe_child(group, name, where)
        if not isinstance(child, h5py.Group):
            continue
        if name == "vars":
            values = {}
            for key in child:
                dataset = _safe_child(child, key, where)
                if not isinstance(dataset, h5py.Dataset):
                    raise ValueError(f"{where}: {child.name}/{key} is a group where Keras stores a variable")
                values[key] = _read_dataset(dataset, where)
            stored_name = child.attrs.get("name", "")
            found[path] = (stored_name.decode() if isinstance(stored_name, bytes) else str(stored_name), values)
        elif not (path == "" and name in TRAINING_STATE):
            _collect_vars(child, f"{path}/{name}" if path else name, where, found)


def _check_not_legacy(h5, where):
    if "layer_names" in h5.attrs or "model_weights" in h5:
        raise ValueError(f"{where} is a Keras 2 (tf.keras < 2.16 / legacy .h5) weights file; minicnn reads Keras 3's "
                         ".weights.h5 layout. Load it in Keras 3 and save it again with "
                         "model.save_weights('....weights.h5')")


def read_h5(source, where):
    """{path: (stored layer name, {"0": array, ...})} of a .weights.h5 file (a path or bytes)."""
    import h5py  # imported when an .h5 file is used: minicnn imports without it
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    if not isinstance(source, bytes):
        with open(source, "rb") as handle:
            head = handle.read(8)
        if head != b"\x89HDF\r\n\x1a\n":
            raise ValueError(f"{where} is not an HDF5 file (no HDF5 signature): not a .weights.h5 file written by "
                             "Keras 3 or minicnn")
    try:
        with h5py.File(stream, "r") as h5:
            _check_not_legacy(h5, where)
            found = {}
            _collect_vars(h5, "", where, found)
    except (OSError, KeyError, RuntimeError) as err:
        raise ValueError(f"{where} is a damaged or truncated HDF5 file ({type(err).__name__}: {err})") from err
    return found


def _shown(paths, limit=8):
    paths = sorted(paths)
    more = f" and {len(paths) - limit} more" if len(paths) > limit else ""
    return ", ".join(repr(p or "(model)") for p in paths[:limit]) + more


def checked_values(layer, stored, where):
    """[(weight, array), ...] for every weight of ``layer`` from a file's ``read_h5`` contents,
    after checking paths, counts, shapes and dtypes; a ValueError naming the first mismatch."""
    pairs, expected = [], set()
    for path, sublayer in weight_paths(layer):
        expected.add(path)
        weights = own_weights(sublayer)
        label = f"layer {sublayer.name!r} ({type(sublayer).__name__}, path {path or '(model)'!r})"
        if path not in stored:
            if weights:
                raise ValueError(f"{where} holds no weights for {label}: the file is not of this architecture "
                                 f"(its layers with weights: {_shown(p for p, (_, v) in stored.items() if v)})")
            continue
        stored_name, values = stored[path]
        if sorted(values) != [str(k) for k in range(len(weights))]:
            raise ValueError(f"{where}: {label} has {len(weights)} weights, the file's {stored_name!r} at that path "
                             f"holds {len(values)} ({sorted(values)})")
        for k, weight in enumerate(weights):
            value = values[str(k)]
            if value.shape != weight.shape:
                raise ValueError(f"{where}: {label} weight {k} ({weight.name}) has shape {weight.shape}, the file's "
                                 f"{stored_name!r} stores shape {value.shape}: the file is not of this architecture")
            pairs.append((weight, value))
    extra = [p for p, (_, values) in stored.items() if values and p not in expected]
    if extra:
        raise ValueError(f"{where} holds weights for layers {layer.name} does not have, at {_shown(extra)}: "
                         "the file is not of this architecture")
    return pairs


def assign_all(pairs):
    for weight, value in pairs:
        weight.assign(value.astype(weight.dtype, copy=False))


def load_weights_h5(layer, path):
    """Read a .weights.h5 file (Keras 3's layout, from Keras or minicnn) into ``layer``: every path,
    count, shape and dtype is checked first, and nothing changes unless all of them fit. Float
    weights of another precision are converted, as Keras does."""
    _check_built(layer, "load_weights")
    where = f"load_weights: {os.fspath(path)}"
    assign_all(checked_values(layer, read_h5(path, where), where))
