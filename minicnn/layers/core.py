"""Core layers: Dense, Flatten, Activation, Dropout (Keras arguments and defaults)."""

import numpy as np

from .. import activations, regularizers
from ..ops.dropout import dropout
from ..ops.math import matmul, reshape
from .base import Layer, positive_int


class Dense(Layer):
    """y = activation(x @ kernel + bias) on the last axis: (..., in) -> (..., units).

    Args:
        units: positive int, the output size.
        activation: name (``"relu"``) or function applied last; None is linear.
        use_bias: add the bias vector (default True).
        kernel_initializer: initializer of the (in, units) kernel, default "glorot_uniform".
        bias_initializer: initializer of the (units,) bias, default "zeros".
        kernel_regularizer: penalty on the kernel added to the loss, e.g. ``mc.regularizers.l2(1e-4)``.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.units, self.use_bias = positive_int(units, "units", "Dense"), use_bias
        self.activation = activations.get(activation)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer

    def build(self, input_shape):
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f"{self.name}: the last axis of the input must be known, got shape {input_shape}")
        self.kernel = self.add_weight(shape=(in_features, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        self.bias = (self.add_weight(shape=(self.units,), initializer=self.bias_initializer, name="bias")
                     if self.use_bias else None)

    def call(self, inputs):
        if inputs.ndim < 2 or inputs.shape[-1] != self.kernel.shape[0]:
            raise ValueError(
                f"{self.name}: expected inputs of shape (..., {self.kernel.shape[0]}), got {inputs.shape}"
            )
        y = matmul(inputs, self.kernel)
        if self.use_bias:
            y = y + self.bias
        return self.activation(y)


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1·d2·...)."""

    def call(self, inputs):
        return reshape(inputs, (inputs.shape[0], int(np.prod(inputs.shape[1:]))))


class Activation(Layer):
    """Applies an activation function.

    Args:
        activation: a name (``"relu"``, ``"softmax"``, ...) or a function of a tensor.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)


class Dropout(Layer):
    """Inverted dropout while training (each element zeroed with probability ``rate``, survivors scaled
    by 1/(1 - rate)); the identity otherwise, also for a direct call without ``training``.

    Args:
        rate: float in [0, 1), the fraction dropped.
        noise_shape: shape the mask is drawn in and broadcast from, e.g. (N, 1, 1, C).
        seed: int for a reproducible sequence of masks.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate}")
        self.rate, self.noise_shape = rate, noise_shape
        self.generator = None if seed is None else np.random.default_rng(seed)  # a fresh mask each call

    def call(self, inputs, training=None):
        return dropout(inputs, self.rate, self.noise_shape, self.generator, training=bool(training))


class SpatialDropout2D(Dropout):
    """Dropout of whole feature maps: while training, each (sample, channel) map of an NHWC input is
    kept with probability 1 - rate (and scaled by 1/(1 - rate)) or zeroed entirely.

    Args:
        rate: float in [0, 1), the fraction of maps dropped.
        data_format: None or "channels_last" (minicnn is NHWC).
        seed: int for a reproducible sequence of masks.
    """

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        if data_format not in (None, "channels_last"):
            raise ValueError(f"SpatialDropout2D: data_format must be 'channels_last' (minicnn is NHWC), "
                             f"got {data_format!r}")
        super().__init__(rate, seed=seed, **kwargs)

    def call(self, inputs, training=None):
        if inputs.ndim != 4:
            raise ValueError(f"{self.name}: expected NHWC input of rank 4, got shape {inputs.shape}")
        n, _, _, c = inputs.shape
        return dropout(inputs, self.rate, (n, 1, 1, c), self.generator, training=bool(training))


__all__ = ["Dense", "Flatten", "Activation", "Dropout", "SpatialDropout2D"]
