"""Pooling layers with tf.keras' arguments and defaults (no weights)."""

from ..ops.geometry import spatial_pair
from ..ops.pool import avg_pool2d, global_avg_pool2d, global_max_pool2d, max_pool2d
from .base import Layer
from .conv import _padding


class _Pool2D(Layer):
    """pool_size=(2, 2); strides=None means pool_size; padding 'valid' or 'same'."""

    pool = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = spatial_pair(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else spatial_pair(strides, "strides")
        self.padding = _padding(padding)

    def call(self, inputs):
        return type(self).pool(inputs, self.pool_size, self.strides, self.padding)


class MaxPooling2D(_Pool2D):
    """The maximum of each window, (N, H, W, C) -> (N, H', W', C); the gradient goes to the first
    maximum of each window, as TensorFlow routes it.

    Args:
        pool_size: int or (ph, pw), the window (default (2, 2)).
        strides: int or pair; None (the default) means pool_size.
        padding: "valid" or "same" (windows may hang over the edge; padding never counts).
    """

    pool = staticmethod(max_pool2d)


class AveragePooling2D(_Pool2D):
    """The mean of each window, (N, H, W, C) -> (N, H', W', C); with "same" padding a window that
    hangs over the edge averages its real cells only.

    Args:
        pool_size: int or (ph, pw), the window (default (2, 2)).
        strides: int or pair; None (the default) means pool_size.
        padding: "valid" or "same" (windows may hang over the edge; padding never counts).
    """

    pool = staticmethod(avg_pool2d)


class _GlobalPool2D(Layer):
    pool = None

    def __init__(self, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = keepdims

    def call(self, inputs):
        if inputs.ndim != 4:
            raise ValueError(f"{self.name}: expected NHWC input, got shape {inputs.shape}")
        return type(self).pool(inputs, keepdims=self.keepdims)


class GlobalAveragePooling2D(_GlobalPool2D):
    """The mean over H and W: (N, H, W, C) -> (N, C).

    Args:
        keepdims: keep H and W as axes of size 1, (N, 1, 1, C) (default False).
    """

    pool = staticmethod(global_avg_pool2d)


class GlobalMaxPooling2D(_GlobalPool2D):
    """The maximum over H and W: (N, H, W, C) -> (N, C).

    Args:
        keepdims: keep H and W as axes of size 1, (N, 1, 1, C) (default False).
    """

    pool = staticmethod(global_max_pool2d)


MaxPool2D = MaxPooling2D  # Keras' short names
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D


__all__ = [
    "MaxPool2D", "MaxPooling2D", "AveragePooling2D", "AvgPool2D", "GlobalAveragePooling2D", "GlobalAvgPool2D",
    "GlobalMaxPooling2D", "GlobalMaxPool2D",
]
