"""Convolution layers with tf.keras' arguments, defaults, weight shapes and parameter counts."""

import warnings

from .. import activations, regularizers
from ..ops.conv import conv2d, conv2d_transpose, conv_method, depthwise_conv2d, separable_conv2d
from ..ops.geometry import effective_kernel, spatial_pair
from .base import Layer, positive_int


def _padding(padding):
    mode = str(padding).lower()
    if mode not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return mode.upper()


def _warn_if_channels_first(name, input_shape):
    """An image batch (N, 3, 224, 224) fed as NHWC makes a first convolution with 224 input channels
    and builds without complaint (seed 004's printed summary is exactly this). Say so."""
    _, h, w, c = input_shape
    if h is not None and h <= 4 and w is not None and w >= 16 and w == c:
        warnings.warn(f"{name}: input shape {tuple(input_shape)} looks channels-first (NCHW: {h} channels of "
                      f"{w}x{c} images); minicnn is channels-last (NHWC), so this convolution sees {c} input channels. "
                      f"Transpose the data with x.transpose(0, 2, 3, 1)", stacklevel=5)


class _Conv(Layer):
    """What every conv layer shares: kernel size, strides, padding, dilation, bias, activation."""

    def __init__(self, kernel_size, strides=1, padding="valid", dilation_rate=1, activation=None, use_bias=True,
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = spatial_pair(kernel_size, "kernel_size")
        self.strides = spatial_pair(strides, "strides")
        self.dilation_rate = spatial_pair(dilation_rate, "dilation_rate")
        self.padding = _padding(padding)
        self.activation = activations.get(activation)
        self.use_bias, self.bias_initializer = use_bias, bias_initializer

    def _input_channels(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(f"{self.name}: expected NHWC input with known channels, got shape {tuple(input_shape)}")
        _warn_if_channels_first(self.name, input_shape)
        return input_shape[-1]

    def _bias(self, shape):
        return self.add_weight(shape=shape, initializer=self.bias_initializer, name="bias") if self.use_bias else None

    def _finish(self, y):
        if self.use_bias:
            y = y + self.bias
        return self.activation(y)


class Conv2D(_Conv):
    """2-D convolution of NHWC input: (N, H, W, in) -> (N, H', W', filters), as ``tf.nn.conv2d``.
    Weights: kernel (kh, kw, in, filters), bias (filters,).

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw), default 1.
        padding: "valid" (no padding) or "same" (output = ceil(input / stride), TF's split).
        dilation_rate: int or (dh, dw): gaps between kernel taps, default 1.
        activation: name or function applied last (None: linear).
        use_bias: add a bias vector (default True).
        bias_initializer: default "zeros".
        kernel_initializer: default "glorot_uniform".
        method: the convolution form, "im2col" (default, fast), "naive" (loops) or "sparse" (W' @ x).
        kernel_regularizer: penalty on the kernel added to the loss.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros", method="im2col",
                 kernel_regularizer=None, **kwargs):
        super().__init__(kernel_size, strides, padding, dilation_rate, activation, use_bias, bias_initializer,
                         **kwargs)
        self.filters, self.kernel_initializer = positive_int(filters, "filters", "Conv2D"), kernel_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        conv_method(method)
        self.method = method

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(shape=(*self.kernel_size, channels, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      name="kernel")
        self.bias = self._bias((self.filters,))

    def call(self, inputs):
        return self._finish(conv2d(inputs, self.kernel, self.strides, self.padding, self.dilation_rate, self.method))


def transposed_output_length(length, kernel, stride, dilation, padding, output_padding=None):
    """Keras' output size of a transposed convolution along one axis."""
    span = effective_kernel(kernel, dilation)
    if output_padding is None:
        return length * stride + max(span - stride, 0) if padding == "VALID" else length * stride
    pad = span // 2 if padding == "SAME" else 0
    return (length - 1) * stride + span - 2 * pad + output_padding


class Conv2DTranspose(_Conv):
    """Transposed convolution (the gradient of a convolution): (N, H, W, in) -> (N, H', W', filters),
    H' = H·stride (+ the kernel's overhang for "valid") unless ``output_padding`` fixes it, as Keras.
    Weights: kernel (kh, kw, filters, in), bias (filters,).

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw), default 1.
        padding: "valid" (no padding) or "same" (output = ceil(input / stride), TF's split).
        dilation_rate: int or (dh, dw): gaps between kernel taps, default 1.
        activation: name or function applied last (None: linear).
        use_bias: add a bias vector (default True).
        bias_initializer: default "zeros".
        output_padding: int or pair, extra rows/columns at the bottom/right (None: Keras' default size).
        kernel_initializer: default "glorot_uniform".
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 **kwargs):
        super().__init__(kernel_size, strides, padding, dilation_rate, activation, use_bias, bias_initializer,
                         **kwargs)
        self.filters = positive_int(filters, "filters", "Conv2DTranspose")
        self.kernel_initializer = kernel_initializer
        self.output_padding = None if output_padding is None else spatial_pair(output_padding, "output_padding")

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(shape=(*self.kernel_size, self.filters, channels),
                                      initializer=self.kernel_initializer, name="kernel")
        self.bias = self._bias((self.filters,))

    def call(self, inputs):
        extra = self.output_padding or (None, None)
        out_hw = [transposed_output_length(n, k, s, d, self.padding, a) for n, k, s, d, a in
                  zip(inputs.shape[1:3], self.kernel_size, self.strides, self.dilation_rate, extra)]
        output_shape = (inputs.shape[0], *out_hw, self.filters)
        return self._finish(conv2d_transpose(inputs, self.kernel, output_shape, self.strides, self.padding,
                                             self.dilation_rate))


class DepthwiseConv2D(_Conv):
    """Depthwise convolution: each input channel convolved with its own ``depth_multiplier`` filters,
    (N, H, W, C) -> (N, H', W', C·depth_multiplier). Weights: kernel (kh, kw, C, M), bias (C·M,).

    Args:
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw), default 1.
        padding: "valid" (no padding) or "same" (output = ceil(input / stride), TF's split).
        dilation_rate: int or (dh, dw): gaps between kernel taps, default 1.
        activation: name or function applied last (None: linear).
        use_bias: add a bias vector (default True).
        bias_initializer: default "zeros".
        depth_multiplier: positive int, filters per input channel (default 1).
        depthwise_initializer: default "glorot_uniform".
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, dilation_rate=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 **kwargs):
        super().__init__(kernel_size, strides, padding, dilation_rate, activation, use_bias, bias_initializer,
                         **kwargs)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", "DepthwiseConv2D")
        self.depthwise_initializer = depthwise_initializer

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(shape=(*self.kernel_size, channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer, name="kernel")
        self.bias = self._bias((channels * self.depth_multiplier,))

    def call(self, inputs):
        return self._finish(depthwise_conv2d(inputs, self.kernel, self.strides, self.padding, self.dilation_rate))


class SeparableConv2D(_Conv):
    """Depthwise convolution followed by a 1x1 convolution: (N, H, W, C) -> (N, H', W', filters).
    Weights: depthwise_kernel (kh, kw, C, M), pointwise_kernel (1, 1, C·M, filters), bias (filters,).

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw), default 1.
        padding: "valid" (no padding) or "same" (output = ceil(input / stride), TF's split).
        dilation_rate: int or (dh, dw): gaps between kernel taps, default 1.
        activation: name or function applied last (None: linear).
        use_bias: add a bias vector (default True).
        bias_initializer: default "zeros".
        depth_multiplier: positive int, depthwise filters per input channel (default 1).
        depthwise_initializer, pointwise_initializer: default "glorot_uniform".
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", dilation_rate=1, depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(kernel_size, strides, padding, dilation_rate, activation, use_bias, bias_initializer,
                         **kwargs)
        self.filters = positive_int(filters, "filters", "SeparableConv2D")
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", "SeparableConv2D")
        self.depthwise_initializer, self.pointwise_initializer = depthwise_initializer, pointwise_initializer

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(shape=(*self.kernel_size, channels, self.depth_multiplier),
                                                initializer=self.depthwise_initializer, name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(shape=(1, 1, channels * self.depth_multiplier, self.filters),
                                                initializer=self.pointwise_initializer, name="pointwise_kernel")
        self.bias = self._bias((self.filters,))

    def call(self, inputs):
        return self._finish(separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel, self.strides,
                                             self.padding, self.dilation_rate))


__all__ = ["Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D"]
