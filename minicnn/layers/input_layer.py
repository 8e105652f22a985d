"""``Input`` and ``InputLayer``: where a functional model's data enters, as in Keras 3."""

from .. import backend
from ..graph import Node, SymbolicTensor
from .base import Layer


def _check_shape(shape, argument):
    if not isinstance(shape, (tuple, list)):
        raise ValueError(f"Input: {argument} must be a tuple of sizes such as (64,) or (28, 28, 1), got {shape!r}")
    shape = tuple(shape)
    for n in shape:
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n <= 0):
            raise ValueError(f"Input: {argument} must hold positive integers (or None), got {shape}")
    return shape


class InputLayer(Layer):
    """Holds a model's symbolic input: ``layer.output`` has ``(batch_size, *shape)``, batch None
    unless given. It has no weights and passes data through unchanged.

    Args:
        shape: the shape of one sample, a tuple such as (28, 28, 1) (None for an unknown size).
        batch_size: a fixed batch size, or None.
        dtype: the input's dtype (default: minicnn's default float dtype).
        batch_shape: instead of shape and batch_size, the whole shape, batch axis first.
        name: the layer's (and the input's) name; Keras' names by default (input_layer, ...).
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None, **kwargs):
        if (shape is None) == (batch_shape is None):
            raise ValueError("InputLayer: give exactly one of shape (without the batch axis) and batch_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            batch_shape = (batch_size, *_check_shape(shape, "shape"))
        else:
            batch_shape = _check_shape(batch_shape, "batch_shape")
        node = Node(self, None, {})
        node.outputs = [SymbolicTensor(batch_shape, self.dtype, node)]
        self._inbound_nodes.append(node)
        self.built = True

    def call(self, inputs):
        return inputs


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None):
    """A symbolic model input of ``shape`` (without the batch axis), like ``keras.Input``."""
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype or backend.get_default_dtype(),
                      batch_shape=batch_shape, name=name).output


__all__ = ["InputLayer", "Input"]
