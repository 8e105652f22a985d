"""``Layer``: the Keras-style base of every layer and model.

A layer creates its weights in ``build(input_shape)`` on its first call, computes in
``call(inputs, training=None)``, and tracks the layers assigned to its attributes, so that
``weights`` / ``trainable_weights`` collect everything below it.
"""

import inspect
from collections import defaultdict

import numpy as np

from .. import backend, initializers
from ..autograd import Tensor, as_tensor
from ..graph import call_symbolically, is_symbolic
from ..ops.math import cast
from ..registry import Registry, register_subclass, snake_case

LAYERS = Registry("layer", case_sensitive=True)  # class name -> class, for configs and saved models
_name_counts = defaultdict(int)


def unique_name(base):
    """'dense', 'dense_1', 'dense_2', ... as Keras names layers."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


class Layer:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_subclass(LAYERS, cls, cls.__name__)

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None):
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.trainable = trainable
        self.dtype = np.dtype(dtype) if dtype is not None else backend.get_default_dtype()
        self.built = False
        self._own_weights = []
        self._penalties = []
        self._sublayers = []
        self._input_shape_hint = None if input_shape is None else (None, *tuple(input_shape))
        self.input_shape = self.output_shape = None

    def __setattr__(self, key, value):
        if isinstance(value, Layer) and key != "_parent" and value not in self.__dict__.get("_sublayers", []):
            self.__dict__.setdefault("_sublayers", []).append(value)
        elif isinstance(value, (list, tuple)) and not key.startswith("_"):
            for item in value:
                if isinstance(item, Layer) and item not in self.__dict__.get("_sublayers", []):
                    self.__dict__.setdefault("_sublayers", []).append(item)
        object.__setattr__(self, key, value)

    # --- weights ---------------------------------------------------------------------------
    def add_weight(self, name, shape, initializer="zeros", trainable=True, dtype=None, regularizer=None):
        """Create a weight Tensor named '<layer>/<name>' and register it with this layer; a
        ``regularizer`` (e.g. ``mc.regularizers.l2(1e-4)``) adds its penalty to ``losses``."""
        dtype = np.dtype(dtype) if dtype is not None else self.dtype
        values = initializers.get(initializer)(tuple(int(n) for n in shape), dtype)
        weight = Tensor(backend.as_array(values, dtype=dtype, device=backend.get_device()),
                        requires_grad=trainable, name=f"{self.name}/{name}")
        weight.trainable = trainable
        self._own_weights.append(weight)
        if regularizer is not None:
            self._penalties.append((regularizer, weight))
        return weight

    @property
    def losses(self):
        """The weight penalties of this layer and every layer below it, as scalar Tensors."""
        return [penalty(w) for layer in [self] + self._all_layers() for penalty, w in layer._penalties]

    def _all_layers(self):
        """Every layer below this one, depth first."""
        return [layer for sub in self._sublayers for layer in [sub] + sub._all_layers()]

    def _collect(self, want_trainable):
        """Own weights, then the sublayers', each once; a frozen layer freezes everything below."""
        found, seen = [], set()

        def walk(layer, frozen):
            frozen = frozen or not layer.trainable
            for w in layer._own_weights:
                trainable = w.trainable and not frozen
                if id(w) not in seen and want_trainable in (None, trainable):
                    seen.add(id(w))
                    found.append(w)
            for sub in layer._sublayers:
                walk(sub, frozen)

        walk(self, False)
        return found

    @property
    def weights(self):
        return self._collect(None)

    @property
    def trainable_weights(self):
        return self._collect(True)

    @property
    def non_trainable_weights(self):
        return self._collect(False)

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
        """All weights (trainable and not) to an .npz file, written atomically."""
        from ..checkpoint import save_weights
        save_weights(self, path)

    def load_weights(self, path):
        """Weights from ``save_weights``, matched by position and checked by shape (all or nothing)."""
        from ..checkpoint import load_weights
        load_weights(self, path)

    def zero_grad(self):
        for w in self.weights:
            w.grad = None

    # --- calling ---------------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (batch axis first, may be None)."""

    def call(self, inputs, training=None):
        raise NotImplementedError(f"{type(self).__name__} must implement call(inputs, training=None)")

    def _ensure_built(self, input_shape):
        if not self.built:
            self.build(input_shape)
            self.built = True

    def _autocast(self, x):
        """Float inputs take the layer's dtype, as Keras casts them; anything else is left as is."""
        x = as_tensor(x)
        return cast(x, self.dtype) if x.dtype.kind == "f" and x.dtype != self.dtype else x

    def __call__(self, inputs, training=None, **kwargs):
        if is_symbolic(inputs):  # the functional API: record the call instead of computing
            return call_symbolically(self, inputs, kwargs)
        if not isinstance(inputs, (list, tuple)):
            inputs = self._autocast(inputs)
            shape = inputs.shape
        else:
            inputs = [self._autocast(x) for x in inputs]
            shape = [x.shape for x in inputs]
        self._ensure_built(shape)
        if "training" in inspect.signature(self.call).parameters:
            kwargs["training"] = training
        outputs = self.call(inputs, **kwargs)
        self.input_shape = shape
        self.output_shape = getattr(outputs, "shape", None)
        return outputs

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"
