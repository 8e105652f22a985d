"""One layer's Keras 3 config from minicnn's, and minicnn's layer from a Keras config.

minicnn's ``layer.get_config()`` holds its constructor arguments as given; Keras writes them
normalised: activation functions by name (``None`` -> ``"linear"``), initializers and
regularizers as serialized dicts, ``3`` as ``[3, 3]`` where Keras keeps pairs, and the arguments
minicnn does not have at their defaults (``data_format="channels_last"``, ``groups=1``, the
constraints ``None``). Reading goes the other way: a Keras-only argument is accepted when it has
the one value minicnn behaves as, and refused, by name, otherwise.

    serialize_layer(mc.layers.Conv2D(8, 3))
    -> {"module": "keras.layers", "class_name": "Conv2D", "registered_name": None,
        "config": {"name": "conv2d", "filters": 8, "kernel_size": [3, 3], ...},
        "build_config": {"input_shape": [None, 28, 28, 1]}}       # when built
"""

import inspect

import numpy as np

from .. import activations, initializers, regularizers
from ..layers.base import LAYERS, Layer
from ..layers.input_layer import InputLayer
from ..model import Model

_CONV_ONLY = {"data_format": "channels_last", "bias_regularizer": None, "activity_regularizer": None,
              "bias_constraint": None}
_NORM_ONLY = {"beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}

# Keras arguments minicnn's layer does not take, with the value minicnn behaves as (Keras 3.15).
KERAS_ONLY = {
    "InputLayer": {"sparse": False, "ragged": False, "optional": False},
    "Dense": {"bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
              "quantization_config": None},
    "Flatten": {"data_format": "channels_last"},
    "Conv2D": {**_CONV_ONLY, "groups": 1, "kernel_constraint": None},
    "Conv2DTranspose": {**_CONV_ONLY, "kernel_regularizer": None, "kernel_constraint": None},
    "DepthwiseConv2D": {**_CONV_ONLY, "depthwise_regularizer": None, "depthwise_constraint": None},
    "SeparableConv2D": {**_CONV_ONLY, "depthwise_regularizer": None, "pointwise_regularizer": None,
                        "depthwise_constraint": None, "pointwise_constraint": None},
    "MaxPooling2D": {"data_format": "channels_last"},
    "AveragePooling2D": {"data_format": "channels_last"},
    "GlobalAveragePooling2D": {"data_format": "channels_last"},
    "GlobalMaxPooling2D": {"data_format": "channels_last"},
    "BatchNormalization": {**_NORM_ONLY, "synchronized": False, "renorm": False, "renorm_clipping": None,
                           "renorm_momentum": 0.99},
    "LayerNormalization": {**_NORM_ONLY, "rms_scaling": False},
    "GroupNormalization": dict(_NORM_ONLY),
}
KERAS_ONLY_ANY_LAYER = {"activity_regularizer": None}  # Keras' base Layer writes it when set
MINICNN_ONLY = {"Conv2D": ("method",)}  # minicnn arguments Keras has not: left out of Keras configs

# Arguments Keras writes as pairs (n -> [n, n]), and the 1-D / 2-D paddings and croppings
PAIRS = ("kernel_size", "strides", "dilation_rate", "pool_size", "size", "output_padding")
BEFORE_AFTER = {"ZeroPadding1D": "padding", "Cropping1D": "cropping"}
HEIGHT_WIDTH_PAIRS = {"ZeroPadding2D": "padding", "Cropping2D": "cropping"}

# Keras layers that are built when constructed (their configs carry no build_config), and the
# ones whose config has no "trainable" key and its dtype as a plain string.
BUILT_WHEN_CONSTRUCTED = frozenset({
    "InputLayer", "Activation", "AveragePooling2D", "Dropout", "ELU", "GlobalAveragePooling2D",
    "GlobalMaxPooling2D", "Identity", "LeakyReLU", "MaxPooling2D", "ReLU", "Reshape", "Softmax",
    "SpatialDropout2D"})
PLAIN_CONFIG = frozenset({"InputLayer", "SpatialDropout2D"})
NOT_IN_KERAS_FILES = {
    "Lambda": "it holds a Python function, which minicnn does not write into files (Keras would need "
              "its unsafe lambda deserialization); rebuild the model in code and use save_weights",
    "Operation": "it records Python code applied to symbolic tensors (x + y, F.relu(x), x[:, 0]); use "
                 "layers (Add, Activation, ...) for a model you save, or use save_weights",
}
FLOAT_DTYPES = ("float32", "float64")


# --- values: minicnn -> Keras ----------------------------------------------------------------

def keras_class_name(layer):
    """The Keras class of a layer: a functional ``Model(inputs, outputs)`` is Keras' ``Functional``."""
    if type(layer) is Model and getattr(layer, "_graph", None) is not None:
        return "Functional"
    return type(layer).__name__


def dtype_policy(dtype):
    """Keras 3's serialized DTypePolicy of a float dtype."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": np.dtype(dtype).name},
            "registered_name": None}


def json_value(value):
    """``value`` as JSON holds it: tuples as lists, NumPy scalars as numbers, arrays as Keras'
    ``__numpy__`` dicts."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value.item()
        return {"class_name": "__numpy__", "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"{value!r} ({type(value).__name__}) has no JSON form in a Keras config")


def _pair(value):
    return None if value is None else [int(value)] * 2 if np.ndim(value) == 0 else [int(v) for v in value]


def _before_after(value):
    return [int(value)] * 2 if np.ndim(value) == 0 else [int(v) for v in value]


def _height_width_pairs(value):
    rows_cols = [value, value] if np.ndim(value) == 0 else list(value)
    return [_before_after(v) for v in rows_cols]


def activation_name(activation):
    """The Keras name of an activation given as None, a name or one of minicnn's functions."""
    function = activations.get(activation)
    for name in [getattr(function, "__name__", None)] + activations.ACTIVATIONS.names():
        if name in activations.ACTIVATIONS and activations.ACTIVATIONS[name] is function:
            return name
    raise TypeError(f"activation {activation!r} is not one of minicnn's named activations "
                    f"{activations.ACTIVATIONS.names()}, so it has no Keras config")


def _keras_value(class_name, argument, value):
    if argument == "activation":
        return activation_name(value)
    if argument.endswith("_initializer"):
        return initializers.serialize(value)
    if argument.endswith("_regularizer"):
        return regularizers.serialize(value)
    if argument == "data_format" and value is None:
        return "channels_last"
    if BEFORE_AFTER.get(class_name) == argument:
        return _before_after(value)
    if HEIGHT_WIDTH_PAIRS.get(class_name) == argument:
        return _height_width_pairs(value)
    if argument in PAIRS:
        return _pair(value)
    if argument == "padding" and isinstance(value, str):
        return value.lower()
    return json_value(value)


def _check_saveable(layer):
    class_name = type(layer).__name__
    if class_name in NOT_IN_KERAS_FILES:
        raise ValueError(f"layer {layer.name!r} ({class_name}) cannot be written to a Keras config: "
                         f"{NOT_IN_KERAS_FILES[class_name]}")
    if LAYERS.entries.get(class_name) is not type(layer):
        raise ValueError(f"layer {layer.name!r} is a {class_name}, a layer class of your own: Keras configs "
                         "hold only built-in layers (a Keras file would need the class's code); use "
                         "save_weights('....weights.h5') and rebuild the model in code")
    if layer.dtype.name not in FLOAT_DTYPES:
        raise ValueError(f"layer {layer.name!r} has dtype {layer.dtype.name}; Keras files hold float32 or "
                         "float64 layers")


def layer_config(layer):
    """Keras 3's ``layer.get_config()`` of a minicnn built-in layer (a JSON-ready dict)."""
    _check_saveable(layer)
    class_name = type(layer).__name__
    if isinstance(layer, InputLayer):
        batch_shape = layer._inbound_nodes[0].outputs[0].shape
        return {"batch_shape": json_value(batch_shape), "dtype": layer.dtype.name, **KERAS_ONLY["InputLayer"],
                "name": layer.name}
    arguments = layer.get_config()
    config = {"name": arguments.pop("name")}
    if class_name not in PLAIN_CONFIG:
        config["trainable"] = bool(arguments.pop("trainable"))
    arguments.pop("trainable", None)
    dtype = arguments.pop("dtype")
    config["dtype"] = dtype if class_name in PLAIN_CONFIG else dtype_policy(dtype)
    for argument in MINICNN_ONLY.get(class_name, ()):
        arguments.pop(argument, None)
    if class_name in ("MaxPooling2D", "AveragePooling2D") and arguments.get("strides") is None:
        arguments["strides"] = arguments["pool_size"]  # Keras writes the strides it uses
    if class_name == "LayerNormalization" and layer.built and np.ndim(arguments["axis"]) == 0:
        arguments["axis"] = [arguments["axis"]]  # Keras' build turns an int axis into a list
    if class_name == "LeakyReLU" and "alpha" in arguments:  # tf.keras 2's name, which wins as in Keras
        arguments["negative_slope"] = arguments.pop("alpha")
    owner = f"layer {layer.name!r} ({class_name})"
    for argument, value in arguments.items():
        try:
            config[argument] = _keras_value(class_name, argument, value)
        except TypeError as err:
            raise ValueError(f"{owner} cannot be written to a Keras config: argument {argument}: {err}") from err
    for argument, default in KERAS_ONLY.get(class_name, {}).items():
        config.setdefault(argument, default)
    return config


def build_config(layer):
    """Keras' ``{"input_shape": ...}`` of a built layer (None where Keras writes none)."""
    if type(layer).__name__ in BUILT_WHEN_CONSTRUCTED or layer.input_shape is None:
        return None
    return {"input_shape": json_value(layer.input_shape)}


def serialize_layer(layer):
    """The dict Keras' ``serialize_keras_object(layer)`` writes for a built-in layer."""
    serialized = {"module": "keras.layers", "class_name": type(layer).__name__, "config": layer_config(layer),
                  "registered_name": None}
    built = build_config(layer)
    if built is not None:
        serialized["build_config"] = built
    return serialized


# --- values: Keras -> minicnn ----------------------------------------------------------------

def python_value(value):
    """A JSON value of a Keras config as minicnn's constructors take it: lists as tuples, Keras'
    ``__numpy__`` dicts as arrays."""
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return np.array(value["config"]["value"], dtype=value["config"]["dtype"])
    if isinstance(value, (list, tuple)):
        return tuple(python_value(v) for v in value)
    return value


def dtype_name(dtype, owner):
    """'float32' or 'float64' from a Keras dtype (a string or a serialized DTypePolicy)."""
    name = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
    if name is None:
        return None
    if name not in FLOAT_DTYPES:
        raise ValueError(f"{owner}: dtype {name!r} is not supported by minicnn (float32 or float64; "
                         "mixed-precision policies are not)")
    return name


def _activation(value, owner):
    if isinstance(value, dict):
        if value.get("module") != "keras.activations" or not isinstance(value.get("config"), str):
            raise ValueError(f"{owner}: activation {value!r} is a custom function; minicnn reads Keras' named "
                             f"activations {activations.ACTIVATIONS.names()}")
        value = value["config"]
    activations.get(value)  # an unknown name: ValueError listing the known ones
    return value


def _minicnn_value(argument, value, owner):
    if argument == "activation":
        return _activation(value, owner)
    if argument.endswith("_initializer") and isinstance(value, dict):
        return initializers.deserialize(value)
    if argument.endswith("_regularizer") and isinstance(value, dict):
        return regularizers.deserialize(value)
    return python_value(value)


def accepted_arguments(cls):
    """The keyword arguments minicnn's layer class takes (its own and the base Layer's)."""
    parameters = inspect.signature(cls.__init__).parameters
    own = {name for name, p in parameters.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)} - {"self"}
    return own | {"name", "trainable", "dtype"}


def same_value(a, b):
    return json_value(python_value(a)) == json_value(python_value(b))


def _keras_only_value(class_name, argument, value, owner):
    """Check a Keras argument minicnn's layer lacks: fine at its default, a ValueError otherwise."""
    defaults = {**KERAS_ONLY_ANY_LAYER, **KERAS_ONLY.get(class_name, {})}
    if argument not in defaults:
        raise ValueError(f"{owner}: Keras argument {argument}={value!r} is not known to minicnn's {class_name}")
    if not same_value(value, defaults[argument]):
        raise ValueError(f"{owner}: Keras argument {argument}={value!r} is not supported by minicnn "
                         f"(minicnn's {class_name} behaves as {argument}={defaults[argument]!r})")


def layer_class(class_name, owner="config"):
    """minicnn's built-in layer class of a Keras class name, or a ValueError naming it."""
    cls = LAYERS.entries.get(class_name) if isinstance(class_name, str) else None
    if class_name in NOT_IN_KERAS_FILES:
        raise ValueError(f"{owner}: layer class {class_name!r} cannot be read: {NOT_IN_KERAS_FILES[class_name]}")
    if cls is None or not issubclass(cls, Layer) or class_name in ("Model", "Sequential"):
        known = sorted(n for n in LAYERS.names() if n not in ("Model", "Sequential", *NOT_IN_KERAS_FILES))
        raise ValueError(f"{owner}: unknown layer class {class_name!r}: minicnn has no such layer "
                         f"(its layers: {known})")
    return cls


def layer_from_config(class_name, config):
    """minicnn's layer for a Keras layer ``config`` (``get_config()``'s dict) of class ``class_name``."""
    cls = layer_class(class_name, f"layer {config.get('name')!r}")
    owner = f"layer {config.get('name')!r} ({class_name})"
    config = dict(config)
    if class_name == "InputLayer" and "batch_input_shape" in config:  # tf.keras 2's name
        config["batch_shape"] = config.pop("batch_input_shape")
    accepted = accepted_arguments(cls)
    arguments = {}
    for argument, value in config.items():
        if argument == "dtype":
            value = dtype_name(value, owner)
            if value is not None:
                arguments["dtype"] = value
        elif argument in accepted:
            try:
                arguments[argument] = _minicnn_value(argument, value, owner)
            except ValueError as err:
                raise ValueError(f"{owner}: argument {argument}: {err}") from err
        else:
            _keras_only_value(class_name, argument, value, owner)
    try:
        return cls.from_config(arguments)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{owner}: minicnn cannot build this layer from its Keras config: {err}") from err
