"""Keras 3 configs of Sequential and functional models, both ways.

A Sequential's config lists its layers (its InputLayer first when it has one) and the
``build_input_shape``. A functional model's lists every layer (InputLayers first, in Keras'
order) with its ``inbound_nodes``, the calls that feed it; each call's inputs are written as
``__keras_tensor__`` dicts whose ``keras_history`` ``[layer, node, tensor]`` names the call that
produced them, counted among the calls that belong to the model. ``input_layers`` and
``output_layers`` name the model's inputs and outputs the same way (a nested functional model
counts one node more there: in Keras it starts with a node of its own).

    model_config(mc.models.lenet5())      # what keras_model.get_config() returns
    serialize_model(model)                # the whole dict of a .keras file's config.json
    model_from_config(config)             # either of the two, back to a minicnn model
"""

import numpy as np

from ..graph import SymbolicTensor, flatten
from ..model import Model, Sequential
from .keras_layers import dtype_name, dtype_policy, json_value, keras_class_name, layer_from_config, serialize_layer

FUNCTIONAL_MODULE = "keras.src.models.functional"
# The call arguments Keras records for a layer called without any (Keras 3.15); a nested model
# is also recorded with mask=None.
KERAS_CALL_DEFAULTS = {"BatchNormalization": {"mask": None}, "Softmax": {"mask": None},
                       "Dropout": {"training": False}, "SpatialDropout2D": {"training": False}}


def _is_functional(model):
    return isinstance(model, Model) and not isinstance(model, Sequential) and getattr(model, "_graph", None) is not None


def _kind(model):
    """'Sequential', 'Functional', or a ValueError saying why the model has no Keras config."""
    if type(model) is Sequential:
        return "Sequential"
    if type(model) is Model and _is_functional(model):
        return "Functional"
    if isinstance(model, Model) and type(model) not in (Model, Sequential):
        raise ValueError(f"model {model.name!r} is a subclassed model ({type(model).__name__}): its architecture is "
                         "Python code, which Keras configs and .keras files do not hold; save its weights with "
                         "save_weights('....weights.h5') and rebuild it in code")
    raise ValueError(f"model {model.name!r} has no graph yet (a Model without inputs and outputs, or a Sequential "
                     "never built): build it first, e.g. model.build((None, 28, 28, 1))")


def serialize_any(layer):
    """serialize_layer for a layer, serialize_model for a nested model."""
    return serialize_model(layer) if isinstance(layer, Model) else serialize_layer(layer)


# --- minicnn -> Keras ------------------------------------------------------------------------

def _sequential_config(model):
    config = {"name": model.name, "trainable": model.trainable, "dtype": dtype_policy(model.dtype), "layers": []}
    if model._graph is not None:
        config["layers"].append(serialize_layer(model._graph["inputs"][0].node.layer))
    config["layers"] += [serialize_any(layer) for layer in model.layers]
    if model._graph is not None:
        config["build_input_shape"] = json_value(model._graph["inputs"][0].shape)
    return config


def _node_index(layer, node, model_nodes):
    """The index of ``node`` among ``layer``'s calls that belong to the model."""
    own = [n for n in layer._inbound_nodes if id(n) in model_nodes]
    return next(k for k, n in enumerate(own) if n is node)


def _tensor_config(tensor, model_nodes):
    producer = tensor.node.layer
    return {"class_name": "__keras_tensor__",
            "config": {"shape": json_value(tensor.shape), "dtype": tensor.dtype.name,
                       "keras_history": [producer.name, _node_index(producer, tensor.node, model_nodes), tensor.index]}}


def _node_config(node, model_nodes):
    if isinstance(node.inputs, dict):
        raise ValueError(f"layer {node.layer.name!r} is called on a dict of tensors, which Keras configs "
                         "do not hold for minicnn layers")
    inputs = node.inputs
    argument = ([_tensor_config(t, model_nodes) for t in inputs] if isinstance(inputs, (list, tuple))
                else _tensor_config(inputs, model_nodes))
    kwargs = dict(node.kwargs) or dict(KERAS_CALL_DEFAULTS.get(keras_class_name(node.layer), {}))
    if isinstance(node.layer, Model):
        kwargs.setdefault("mask", None)
    try:
        kwargs = json_value(kwargs)
    except TypeError as err:
        raise ValueError(f"layer {node.layer.name!r} is called with arguments {sorted(kwargs)} that have no "
                         f"JSON form: {err}") from err
    return {"args": [argument], "kwargs": kwargs}


def _structure_config(structure, model_nodes):
    """input_layers / output_layers: [layer, node, tensor] per tensor, in the model's structure."""
    if isinstance(structure, SymbolicTensor):
        producer = structure.node.layer
        node = _node_index(producer, structure.node, model_nodes) + (1 if _is_functional(producer) else 0)
        return [producer.name, node, structure.index]
    if isinstance(structure, dict):
        return {key: _structure_config(value, model_nodes) for key, value in structure.items()}
    return [_structure_config(value, model_nodes) for value in structure]


def _functional_config(model):
    model_nodes = {id(node) for node in model._graph["nodes"]}
    layers = []
    for layer in model.layers:
        entry = serialize_any(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [_node_config(node, model_nodes) for node in layer._inbound_nodes
                                  if id(node) in model_nodes and not node.is_input]
        layers.append(entry)
    structure = model._graph["structure"]
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": _structure_config(structure["inputs"], model_nodes),
            "output_layers": _structure_config(structure["outputs"], model_nodes)}


def model_config(model):
    """Keras 3's ``model.get_config()`` of a minicnn Sequential or functional model: a JSON-ready
    dict ``keras.Sequential.from_config`` / ``keras.Model.from_config`` rebuild the model from."""
    return _sequential_config(model) if _kind(model) == "Sequential" else _functional_config(model)


def serialize_model(model):
    """The dict Keras' ``serialize_keras_object(model)`` writes (a .keras file's config.json)."""
    if _kind(model) == "Sequential":
        serialized = {"module": "keras", "class_name": "Sequential", "config": _sequential_config(model),
                      "registered_name": None}
        if model._graph is not None:
            serialized["build_config"] = {"input_shape": json_value(model._graph["inputs"][0].shape)}
    else:
        serialized = {"module": FUNCTIONAL_MODULE, "class_name": "Functional", "config": _functional_config(model),
                      "registered_name": "Functional", "build_config": {"input_shape": None}}
    serialized["compile_config"] = {}  # minicnn writes no training configuration
    return serialized


# --- Keras -> minicnn ------------------------------------------------------------------------

def _check_entry(entry, where):
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str) or not isinstance(
            entry.get("config"), dict):
        raise ValueError(f"{where}: expected a serialized Keras object (a dict with 'class_name' and 'config'), "
                         f"got {str(entry)[:200]}")
    registered = entry.get("registered_name")
    if registered not in (None, entry["class_name"]):
        raise ValueError(f"{where}: {entry['class_name']!r} is a custom Keras object (registered as {registered!r}); "
                         "minicnn reads Keras' built-in layers only")


def deserialize_any(entry, where="config"):
    """A minicnn layer or model from a serialized Keras object (``serialize_any``'s form)."""
    _check_entry(entry, where)
    class_name, config = entry["class_name"], entry["config"]
    if class_name in ("Sequential", "Functional"):
        return _model_from_inner_config(class_name, config)
    module = entry.get("module", "keras.layers")
    if module not in ("keras.layers", "keras"):
        raise ValueError(f"{where}: {class_name!r} of module {module!r} is not a built-in Keras layer; minicnn reads "
                         "keras.layers only (a subclassed model or custom layer needs its Python code)")
    return layer_from_config(class_name, config)


def _sequential_from_config(config):
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise ValueError(f"Sequential config: expected a list of 'layers', got {str(layers)[:200]}")
    model = Sequential(name=config.get("name"), trainable=config.get("trainable", True))
    dtype = dtype_name(config.get("dtype"), f"Sequential {config.get('name')!r}")
    if dtype is not None:  # Sequential takes no dtype argument
        model.dtype = np.dtype(dtype)
    for k, entry in enumerate(layers):
        model.add(deserialize_any(entry, f"Sequential layer {k}"))
    shape = config.get("build_input_shape")
    if model._graph is None and shape:
        model.build(tuple(shape))
    if model._graph is not None:  # inputs keep their Input's dtype, as in Keras
        model.dtype = model._graph["inputs"][0].dtype
    return model


def _revive(value, created, where):
    """Node arguments with each ``__keras_tensor__`` replaced by the symbolic tensor it names; a
    LookupError while the call that produces it has not been replayed yet."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        name, node, index = value["config"]["keras_history"]
        if name not in created:
            raise ValueError(f"{where}: the config names an input from layer {name!r}, which it does not define")
        return _call_output(created[name], node, index)
    if isinstance(value, (list, tuple)):
        return [_revive(v, created, where) for v in value]
    return value


def _call_output(layer, node, index):
    if not 0 <= node < len(layer._inbound_nodes):
        raise LookupError(node)
    return layer._inbound_nodes[node].outputs[index]


def _replay(layer, node_data, created):
    where = f"layer {layer.name!r}"
    if not isinstance(node_data, dict) or "args" not in node_data:
        raise ValueError(f"{where}: inbound node {str(node_data)[:200]} is not in Keras 3's form "
                         "({'args': [...], 'kwargs': {...}}); older Keras configs are not supported")
    args = _revive(node_data["args"], created, where)
    kwargs = dict(node_data.get("kwargs") or {})
    if kwargs.pop("mask", None) is not None:
        raise ValueError(f"{where}: the config calls it with a mask, which minicnn does not support")
    if kwargs.get("training") is False:  # what Keras records by default; the caller's flag decides
        del kwargs["training"]
    if len(args) != 1:
        raise ValueError(f"{where}: the config calls it with {len(args)} positional arguments; minicnn layers take one")
    layer(args[0], **kwargs)


def _functional_from_config(config):
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise ValueError(f"functional config: expected a list of 'layers', got {str(entries)[:200]}")
    created, pending = {}, []
    for k, entry in enumerate(entries):
        if not isinstance(entry, dict) or "name" not in entry:
            raise ValueError(f"functional config: layer {k} has no 'name'")
        layer = deserialize_any(entry, f"layer {entry['name']!r}")
        created[entry["name"]] = layer
        pending.append([layer, list(entry.get("inbound_nodes") or [])])
    while any(nodes for _, nodes in pending):  # replay calls whose inputs exist, until none is left
        progress = False
        for item in pending:
            layer, nodes = item
            while nodes:
                try:
                    _replay(layer, nodes[0], created)
                except LookupError:
                    break
                nodes.pop(0)
                progress = True
        if not progress:
            stuck = [layer.name for layer, nodes in pending if nodes]
            raise ValueError(f"functional config: the calls of layers {stuck} need inputs that are never produced "
                             "(a loop, or a disconnected graph)")
    inputs = _structure_tensors(config.get("input_layers"), created)
    outputs = _structure_tensors(config.get("output_layers"), created)
    dtypes = {t.dtype for t in (inputs.values() if isinstance(inputs, dict) else flatten(inputs))}
    return Model(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True),
                 dtype=dtypes.pop() if len(dtypes) == 1 else None)  # inputs keep their dtype, as in Keras


def _structure_tensors(structure, created):
    if isinstance(structure, list) and len(structure) == 3 and isinstance(structure[0], str):
        name, node, index = structure
        if name not in created:
            raise ValueError(f"functional config: input or output layer {name!r} is not among its layers")
        layer = created[name]
        node -= 1 if _is_functional(layer) else 0  # Keras counts a nested functional model's own node
        try:
            return _call_output(layer, node, index)
        except (LookupError, IndexError) as err:
            raise ValueError(f"functional config: layer {name!r} has no call {node} output {index}") from err
    if isinstance(structure, dict):
        return {key: _structure_tensors(value, created) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_structure_tensors(value, created) for value in structure]
    raise ValueError(f"functional config: input_layers / output_layers hold {str(structure)[:200]}, expected "
                     "[layer_name, node_index, tensor_index] entries")


def _model_from_inner_config(class_name, config):
    if not isinstance(config, dict):
        raise ValueError(f"{class_name} config: expected a dict, got {str(config)[:200]}")
    if class_name == "Sequential":
        return _sequential_from_config(config)
    return _functional_from_config(config)


def model_from_config(config):
    """A minicnn Sequential or functional model from Keras 3's config: ``model_config``'s inner dict
    (what ``keras_model.get_config()`` returns) or ``serialize_model``'s whole dict."""
    if isinstance(config, dict) and "class_name" in config:
        _check_entry(config, "model config")
        if config["class_name"] not in ("Sequential", "Functional"):
            raise ValueError(f"model config: class {config['class_name']!r} (module {config.get('module')!r}) is "
                             "not a Sequential or functional model; subclassed models need their Python code "
                             "(rebuild the model and load a .weights.h5 file)")
        return _model_from_inner_config(config["class_name"], config["config"])
    if not isinstance(config, dict) or "layers" not in config:
        raise ValueError(f"model config: expected Keras' model config (a dict with 'layers'), got {str(config)[:200]}")
    return _model_from_inner_config("Functional" if "input_layers" in config else "Sequential", config)

