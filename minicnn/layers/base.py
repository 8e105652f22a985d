"""``Layer``: the Keras-style base of every layer and model.

A layer creates its weights in ``build(input_shape)`` on its first call, computes in
``call(inputs, training=None)``, and tracks the layers it keeps (in attributes, lists, tuples or
dicts: ``tracking.py``), so that ``weights`` / ``trainable_weights`` collect everything below it.

The ``training`` flag flows down as in Keras 3: an outermost call opens a call context; each
layer called inside it takes its own ``training`` argument if given, else the context's, else
its ``call``'s default, and leaves that value in the context for the layers called after it.
"""

import functools
import inspect
import os
import threading
from collections import defaultdict
from functools import lru_cache

import numpy as np

from .. import backend, initializers
from ..autograd import Tensor, as_tensor
from ..graph import call_symbolically, is_symbolic
from ..ops.math import cast
from ..registry import Registry, register_subclass, snake_case
from .tracking import adopt, layers_in

LAYERS = Registry("layer", case_sensitive=True)  # class name -> class, for configs and saved models
_name_counts = defaultdict(int)
_call_context = threading.local()  # .training: the flag of the running outermost call, or _CLOSED
_CLOSED = object()


def positive_int(value, argument, owner):
    """``value`` when it is a positive whole number (an int, not a bool and not 3.5), else a
    ValueError naming ``owner``'s ``argument`` and the value received, as Keras refuses them."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}: {argument} must be a positive integer, got {value!r}")
    return int(value)


def unique_name(base):
    """'dense', 'dense_1', 'dense_2', ... as Keras names layers."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def _recording_arguments(init):
    """``init`` that first records the arguments of the outermost constructor call (defaults
    filled in) on the new layer, for ``get_config``."""
    @functools.wraps(init)
    def recording_init(self, *args, **kwargs):
        if "_init_arguments" not in self.__dict__:
            bound = inspect.signature(init).bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = {}
            for name, parameter in list(inspect.signature(init).parameters.items())[1:]:
                value = bound.arguments.get(name)
                if parameter.kind is parameter.VAR_KEYWORD:
                    arguments.update(value or {})
                elif parameter.kind is not parameter.VAR_POSITIONAL:
                    arguments[name] = value
            object.__setattr__(self, "_init_arguments", arguments)
        init(self, *args, **kwargs)
    return recording_init


class Layer:
    """The base of every layer and model.

    Every layer also takes these keyword arguments:
        name: a unique name (default: the class name in snake_case, numbered: dense, dense_1, ...).
        trainable: False freezes the layer and every layer below it (default True).
        dtype: the float dtype of its weights and computation (default: minicnn's default, float32).
        input_shape: for the first layer of a Sequential, the shape of one sample (batch excluded).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_subclass(LAYERS, cls, cls.__name__)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording_arguments(cls.__init__)

    def get_config(self):
        """The constructor's arguments (as given, defaults filled in) with the layer's actual name,
        trainable flag and dtype: ``type(layer).from_config(layer.get_config())`` makes its twin."""
        arguments = dict(self.__dict__.get("_init_arguments", {}))
        for internal in ("input_shape", "inputs", "outputs"):
            arguments.pop(internal, None)
        return {**arguments, "name": self.name, "trainable": self.trainable, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None):
        for internal, value in (("_sublayers", []), ("_trainable_own", []), ("_non_trainable_own", []),
                                ("_trainable", bool(trainable)), ("_build_shapes", None), ("_inbound_nodes", [])):
            object.__setattr__(self, internal, value)  # bookkeeping, not tracked
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.dtype = np.dtype(dtype) if dtype is not None else backend.get_default_dtype()
        self.built = False
        self._input_shape_hint = None if input_shape is None else (None, *tuple(input_shape))

    def __setattr__(self, key, value):
        if "_sublayers" in self.__dict__:  # track layers kept in attributes, lists, tuples, dicts
            value = adopt(value, self)
        object.__setattr__(self, key, value)

    def _track(self, value):
        if isinstance(value, Layer) and value is not self and all(value is not s for s in self._sublayers):
            self._sublayers.append(value)

    def _untrack(self, layer):
        """Forget ``layer`` when none of this layer's attributes holds it any more."""
        kept = [held for value in self.__dict__.values() if not isinstance(value, list) or hasattr(value, "_owner")
                for held in layers_in(value)]
        if all(layer is not k for k in kept):
            self._sublayers[:] = [s for s in self._sublayers if s is not layer]

    # --- weights ---------------------------------------------------------------------------
    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezing (or unfreezing) a layer does the same to every layer below it, as Keras 3."""
        object.__setattr__(self, "_trainable", bool(value))
        for w in self._trainable_own:
            w.trainable = w.requires_grad = bool(value)
        for layer in self._sublayers:
            layer.trainable = value

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, regularizer=None, name=None):
        """Create a weight Tensor (``name`` "kernel", ``path`` "<layer>/kernel") and register it with this layer, as Keras 3's
        ``add_weight`` (``initializer`` None: glorot_uniform). A ``regularizer`` (e.g.
        ``mc.regularizers.l2(1e-4)``) adds its penalty to ``losses``. The tf.keras 2 habit of the
        name first, ``add_weight("kernel", (3, 4), ...keywords)``, is accepted too."""
        if isinstance(shape, str):
            if dtype is not None:
                raise TypeError(f"{self.name}.add_weight: after a name given first, pass the rest by keyword, "
                                f"e.g. add_weight({shape!r}, shape=..., initializer=...)")
            name, shape, initializer = shape, initializer, None
        if shape is None or isinstance(shape, str):
            raise ValueError(f"{self.name}.add_weight: shape must be a tuple of sizes, got {shape!r}")
        shape = tuple(0 if n == 0 else positive_int(n, "shape", f"{self.name}.add_weight") for n in shape)
        dtype = np.dtype(dtype) if dtype is not None else self.dtype
        values = initializers.get("glorot_uniform" if initializer is None else initializer)(shape, dtype)
        name = name or f"variable_{len(self._trainable_own) + len(self._non_trainable_own)}"
        trainable = bool(trainable)
        device = getattr(self, "_device", None) or backend.get_device()  # .to(device) moved this layer
        weight = Tensor(values, dtype=dtype, device=device, requires_grad=trainable and self.trainable, name=name)
        weight.path = f"{self.name}/{name}"  # Keras 3: name "kernel", path "conv2d/kernel"
        weight.trainable = trainable and self.trainable
        weight.regularizer = regularizer
        (self._trainable_own if trainable else self._non_trainable_own).append(weight)
        return weight

    def _all_layers(self):
        """Every layer below this one, depth first."""
        return [layer for sub in self._sublayers for layer in [sub] + sub._all_layers()]

    @property
    def weights(self):
        """Own weights (trainable first, as Keras lists them), then each sublayer's, each weight once."""
        found, seen = [], set()
        for w in self._trainable_own + self._non_trainable_own + [w for s in self._sublayers for w in s.weights]:
            if id(w) not in seen:
                seen.add(id(w))
                found.append(w)
        return found

    @property
    def trainable_weights(self):
        return [w for w in self.weights if w.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self):
        return [w for w in self.weights if not w.trainable] if self.trainable else self.weights

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def losses(self):
        """The weight penalties of the trainable weights below this layer (each weight once), as
        scalar Tensors; Keras adds them to the training loss."""
        return [w.regularizer(w) for w in self.trainable_weights if getattr(w, "regularizer", None) is not None]

    def count_params(self):
        if not self.built:
            raise ValueError(f"{self.name}: count_params() needs the layer built (call it once or build())")
        return int(sum(w.size for w in self.weights))

    def get_weights(self):
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, values):
        weights = self.weights
        if len(values) != len(weights):
            raise ValueError(f"{self.name}.set_weights: got {len(values)} arrays for {len(weights)} weights")
        for w, v in zip(weights, values):
            if tuple(np.shape(v)) != w.shape:
                raise ValueError(f"{self.name}.set_weights: {w.name} has shape {w.shape}, got {np.shape(v)}")
            w.assign(v)

    def save_weights(self, path):
        """All weights (trainable and not) to ``path``, written atomically: ``.npz`` (minicnn's own,
        by position) or ``.weights.h5`` (Keras 3's layout: ``keras_model.load_weights`` reads it). A
        ``x.ckpt`` prefix, which tf.keras 2 code gives TensorFlow checkpoints, is written as one file
        ``x.ckpt.index`` in minicnn's .npz format, so such code's ``os.path.exists(path + ".index")``
        test works (TensorFlow cannot read it; use .weights.h5 to exchange weights)."""
        _weights_format(path, "save_weights")[0](self, path)

    def load_weights(self, path):
        """Weights from ``save_weights`` (``.npz``) or from Keras (``.weights.h5``), checked against the
        model (count, shapes) before anything changes: all or nothing."""
        _weights_format(path, "load_weights")[1](self, path)

    def zero_grad(self):
        for w in self.weights:
            w.grad = None

    def to(self, device):
        """Move every weight below this layer to 'cpu' or 'gpu' in place (the same Tensors, their
        arrays moved) and build later weights there; returns the layer, as ``torch.nn.Module.to``."""
        backend.check_device(device)
        for layer in [self] + self._all_layers():
            object.__setattr__(layer, "_device", device)
        for w in self.weights:
            if w.device != device:
                w.data = backend.to_device(w.data, device)
                w.grad = None if w.grad is None else backend.to_device(w.grad, device)
                w.bump_version()  # a graph built on the old arrays must not run backward into the moved weight
        return self

    # --- calling ---------------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (batch axis first, may be None)."""

    def call(self, inputs, training=None):
        raise NotImplementedError(f"{type(self).__name__} must implement call(inputs, training=None)")

    def _ensure_built(self, input_shape):
        if not self.built:
            self.build(input_shape)
            self.built = True

    def _first_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(f"layer {self.name} has never been called on a symbolic tensor (mc.Input) "
                                 f"and thus has no defined {what}")
        return self._inbound_nodes[0]

    @property
    def input(self):
        """The symbolic input(s) of this layer's first call in a functional graph, as Keras' ``layer.input``."""
        node = self._first_node("input")
        return node.outputs[0] if node.is_input else node.inputs

    @property
    def output(self):
        """The symbolic output(s) of this layer's first call in a functional graph (feature extractors:
        ``Model(model.input, model.get_layer("conv2d").output)``)."""
        outputs = self._first_node("output").outputs
        return outputs[0] if len(outputs) == 1 else outputs

    @property
    def input_shape(self):
        """The input shape of the first call, batch axis None (as Keras reports it from the build)."""
        return None if self._build_shapes is None else self._build_shapes[0]

    @property
    def output_shape(self):
        return None if self._build_shapes is None else self._build_shapes[1]

    def _autocast(self, x):
        """NumPy data (of any number type) and float Tensors take the layer's dtype, as Keras converts
        them; integer Tensors are left as they are."""
        if not isinstance(x, Tensor):
            return Tensor(backend.as_array(backend.unwrap(x), dtype=self.dtype))
        return cast(x, self.dtype) if x.dtype.kind == "f" and x.dtype != self.dtype else x

    def __call__(self, inputs, training=None, **kwargs):
        if is_symbolic(inputs):  # the functional API: record the call instead of computing
            return call_symbolically(self, inputs, dict(kwargs, **({} if training is None else {"training": training})))
        if isinstance(inputs, dict):  # a functional model's inputs by name
            inputs = {key: self._autocast(x) for key, x in inputs.items()}
            self._ensure_built({key: x.shape for key, x in inputs.items()})
        elif isinstance(inputs, (list, tuple)):
            inputs = [self._autocast(x) for x in inputs]
            self._ensure_built([x.shape for x in inputs])
        else:
            inputs = self._autocast(inputs)
            self._ensure_built(inputs.shape)
        outermost = getattr(_call_context, "training", _CLOSED) is _CLOSED
        try:
            if training is None:  # the caller's flag, else this call's own default
                training = None if outermost else _call_context.training
                training = call_default(type(self).call, "training") if training is None else training
            _call_context.training = training
            if training is not None and call_takes(type(self).call, "training"):
                kwargs["training"] = training
            outputs = self.call(inputs, **kwargs)
        finally:
            if outermost:
                _call_context.training = _CLOSED
        if self._build_shapes is None:
            object.__setattr__(self, "_build_shapes", (_batchless(inputs), _batchless(outputs)))
        return outputs

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _batchless(value):
    """The shape(s) of a tensor or a list of them with the batch axis as None."""
    if isinstance(value, (list, tuple)):
        return [_batchless(v) for v in value]
    shape = getattr(value, "shape", None)
    return None if shape is None else (None, *shape[1:])


@lru_cache(maxsize=None)
def call_takes(call, argument):
    return argument in inspect.signature(call).parameters


@lru_cache(maxsize=None)
def call_default(call, argument):
    parameter = inspect.signature(call).parameters.get(argument)
    return None if parameter is None or parameter.default is inspect.Parameter.empty else parameter.default


def _weights_format(path, what):
    """(save, load) for a weights file, by its name's ending."""
    name = os.fspath(path)
    if name.endswith(".weights.h5"):
        from ..saving import load_weights_h5, save_weights_h5
        return save_weights_h5, load_weights_h5
    if name.endswith(".npz"):
        from ..checkpoint import load_weights, save_weights
        return save_weights, load_weights
    if name.endswith(".ckpt"):  # tf.keras 2's TensorFlow-checkpoint prefix: one file, prefix.ckpt.index
        from ..checkpoint import load_weights, save_weights
        return (lambda layer, path: save_weights(layer, os.fspath(path) + ".index"),
                lambda layer, path: load_weights(layer, os.fspath(path) + ".index"))
    raise ValueError(f"{what}: the file name must end in .npz (minicnn's format) or .weights.h5 (Keras'), got {name!r}")
