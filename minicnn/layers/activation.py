"""Activation layers with Keras 3's arguments and defaults: ReLU, LeakyReLU, Softmax, ELU, PReLU."""

import numbers
import warnings

from .. import regularizers
from ..ops.activation import Softmax as SoftmaxFunction
from ..ops.activation import elu, general_relu, leaky_relu, relu
from ..ops.math import normalize_axes
from .base import Layer, positive_int


def non_negative(value, argument, owner):
    """``value`` as a float when it is a real number >= 0, else a ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
        raise ValueError(f"{owner}: {argument} must be a number >= 0, got {value!r}")
    return float(value)


class ReLU(Layer):
    """y = min(x, max_value) where x > threshold, else negative_slope·(x - threshold); any shape.

    As ``keras.layers.ReLU`` (``keras.activations.relu``): max_value None means no ceiling; all
    three arguments must be >= 0. A negative_slope alone is a leaky ReLU (its slope in float32,
    as TensorFlow keeps it); with a threshold, y jumps from 0 to x at the threshold.

    Args:
        max_value: the ceiling, or None (default).
        negative_slope: the slope below the threshold (default 0).
        threshold: where the slope changes (default 0).
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = None if max_value is None else non_negative(max_value, "max_value", "ReLU")
        self.negative_slope = non_negative(negative_slope, "negative_slope", "ReLU")
        self.threshold = non_negative(threshold, "threshold", "ReLU")

    def call(self, inputs):
        return general_relu(inputs, self.negative_slope, self.max_value, self.threshold)


class LeakyReLU(Layer):
    """y = x where x > 0, else negative_slope·x; any shape (the slope is kept in float32, as TF).

    Keras 3 renamed tf.keras 2's ``alpha`` to ``negative_slope``; like Keras, ``alpha=`` is still
    accepted, with a warning, and wins over ``negative_slope``.

    Args:
        negative_slope: the slope for x <= 0 (default 0.3).
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: the argument `alpha` is deprecated; use `negative_slope` instead",
                          UserWarning, stacklevel=2)
        super().__init__(**kwargs)
        self.negative_slope = non_negative(negative_slope, "negative_slope", "LeakyReLU")

    def call(self, inputs):
        return leaky_relu(inputs, alpha=self.negative_slope)


class Softmax(Layer):
    """y = exp(x) / Σ exp(x) over ``axis`` (an int or a list of ints: the sum runs over all of them).

    Args:
        axis: the axis or axes normalised over (default -1).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, numbers.Integral) for a in axes):
            raise TypeError(f"Softmax: axis must be an int or a non-empty list of ints, got {axis!r}")
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            raise ValueError("Softmax: a mask is not supported by minicnn (expected mask=None, got an array of "
                             f"shape {getattr(mask, 'shape', None)}); mask the logits before the layer instead")
        return SoftmaxFunction(normalize_axes(self.axis, inputs.ndim))(inputs)


class ELU(Layer):
    """y = x where x > 0, else alpha·(exp(x) - 1); any shape (alpha at the input's precision, as Keras).

    Args:
        alpha: the scale of the negative part (default 1.0).
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
            raise TypeError(f"ELU: alpha must be a number, got {alpha!r}")
        self.alpha = float(alpha)

    def call(self, inputs):
        return elu(inputs, alpha=self.alpha)


class PReLU(Layer):
    """y = x where x > 0, else alpha·x, with a learned alpha (computed as relu(x) - alpha·relu(-x)).

    alpha has the input's shape without the batch axis, with 1 on each of ``shared_axes`` (axes
    of the input, 1 = the first after the batch): (N, H, W, C) with shared_axes=[1, 2] learns one
    alpha per channel, shape (1, 1, C). Weight constraints do not exist in minicnn, so
    ``alpha_constraint`` must be None.

    Args:
        alpha_initializer: of the learned slopes (default "Zeros").
        alpha_regularizer: penalty on alpha added to the loss, or None.
        alpha_constraint: must be None.
        shared_axes: input axes (1-based after the batch) sharing one alpha, e.g. [1, 2].
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        if alpha_constraint is not None:
            raise ValueError(f"PReLU: alpha_constraint={alpha_constraint!r} is not supported (minicnn's optimizers "
                             "apply no weight constraints); expected None")
        self.alpha_initializer = alpha_initializer
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = shared_axes if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            self.shared_axes = [positive_int(a, "shared_axes", "PReLU") for a in axes]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis > len(shape):
                raise ValueError(f"{self.name}: shared_axes={self.shared_axes} names axis {axis}, but the input "
                                 f"of shape {tuple(input_shape)} has axes 1..{len(shape)} after the batch")
            shape[axis - 1] = 1
        if any(n is None for n in shape):
            raise ValueError(f"{self.name}: alpha needs every unshared axis known, "
                             f"got input shape {tuple(input_shape)}")
        self.alpha = self.add_weight(name="alpha", shape=tuple(shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer)

    def call(self, inputs):
        shared = self.shared_axes or []
        if inputs.ndim != self.alpha.ndim + 1 or any(
                axis not in shared and inputs.shape[axis] != n for axis, n in enumerate(self.alpha.shape, start=1)):
            raise ValueError(f"{self.name}: expected inputs of rank {self.alpha.ndim + 1} whose unshared axes match "
                             f"alpha's shape {self.alpha.shape} (shared_axes={self.shared_axes}), got {inputs.shape}")
        return relu(inputs) - self.alpha * relu(-inputs)


__all__ = ["ReLU", "LeakyReLU", "Softmax", "ELU", "PReLU"]
