"""Functions as layers: ``Lambda`` (Keras' layer around a user function) and ``Operation`` (what the
Functional API records for ``x + y``, ``x[:, 0]`` or ``F.relu(x)`` on symbolic tensors)."""

import inspect

from ..graph import SymbolicTensor
from .base import Layer, unique_name


class Lambda(Layer):
    """y = function(inputs, **arguments), as ``keras.layers.Lambda``: no weights of its own.

    Args:
        function: a function of the input tensor(s); it may take ``training`` (it is then passed the
            call's flag).
        output_shape: the expected shape of one output sample, checked against the result; or None.
        mask: must be None (masks are not supported).
        arguments: a dict of keyword arguments passed to ``function``.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, got {function!r}")
        if mask is not None:
            raise ValueError("Lambda: masks are not supported by minicnn; pass mask=None")
        self.function, self.arguments = function, dict(arguments or {})
        self.expected_shape = None if output_shape is None else tuple(output_shape)
        self._takes_training = "training" in inspect.signature(function).parameters

    def call(self, inputs, training=None):
        extra = {"training": training} if self._takes_training else {}
        outputs = self.function(inputs, **self.arguments, **extra)
        if self.expected_shape is not None and tuple(outputs.shape[1:]) != self.expected_shape[-len(outputs.shape) + 1:]:
            raise ValueError(f"{self.name}: output_shape={self.expected_shape} but the function returned "
                             f"shape {outputs.shape}")
        return outputs


def _substitute(structure, values):
    """``structure`` with each SymbolicTensor replaced by the next of ``values`` (an iterator)."""
    if isinstance(structure, SymbolicTensor):
        return next(values)
    if isinstance(structure, (list, tuple)):
        return type(structure)(_substitute(item, values) for item in structure)
    if isinstance(structure, dict):
        return {key: _substitute(item, values) for key, item in structure.items()}
    return structure


def _symbolic_leaves(structure):
    if isinstance(structure, SymbolicTensor):
        return [structure]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _symbolic_leaves(item)]
    if isinstance(structure, dict):
        return [leaf for item in structure.values() for leaf in _symbolic_leaves(item)]
    return []


class Operation(Layer):
    """``fn(*args, **kwargs)`` where some arguments are symbolic tensors: the layer's inputs are those
    tensors, in order, and everything else is kept as given. Named after the function."""

    def __init__(self, fn, args, kwargs, name=None):
        self.template = (tuple(args), dict(kwargs))
        self.symbolic_inputs = _symbolic_leaves(self.template)
        super().__init__(name=unique_name(name or getattr(fn, "__name__", "operation")),
                         dtype=self.symbolic_inputs[0].dtype)
        self.fn = fn

    def _autocast(self, x):  # the function sees its arguments' own dtypes
        return x

    def __call__(self, inputs=None, **kwargs):
        return super().__call__(self.symbolic_inputs if inputs is None else inputs, **kwargs)

    def call(self, inputs):
        args, kwargs = _substitute(self.template, iter(inputs))
        return self.fn(*args, **kwargs)


__all__ = ["Lambda"]
