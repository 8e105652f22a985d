"""The ``tf.nn``-shaped functional API (``from minicnn import functional as F``).

Thin wrappers over ``minicnn.ops``: the same names, argument names and defaults as ``tf.nn`` /
``tf.math``. Every function accepts Tensors as well as plain NumPy/CuPy arrays and returns a Tensor.
"""

from .autograd import as_tensor
from .ops.activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .ops.conv import conv2d, conv2d_transpose, depthwise_conv2d, separable_conv2d
from .ops.dropout import dropout
from .ops.norm import batch_normalization, fused_batch_norm, moments, stop_gradient
from .ops.pool import avg_pool2d, global_avg_pool2d, global_max_pool2d, max_pool2d
from .ops.loss import (
    mean_squared_error, softmax_cross_entropy_with_logits, sparse_softmax_cross_entropy_with_logits,
)
from .ops.math import (
    add, broadcast_to, cast, clip_by_value, concat, exp, log, matmul, neg, pad, pow, reduce_max,
    reduce_mean, reduce_min, reduce_sum, reshape, split, sqrt, square, stack, transpose,
)
from .ops.math import div as divide
from .ops.math import mul as multiply
from .ops.math import sub as subtract

from .ops.sparse_conv import conv2d_as_sparse_matrix

negative = neg


def bias_add(value, bias):
    """Like ``tf.nn.bias_add``: add a vector of length C to the last axis of ``value``."""
    value = as_tensor(value)
    bias = as_tensor(bias, like=value)
    if bias.ndim != 1 or bias.shape[0] != value.shape[-1]:
        raise ValueError(f"bias_add: bias must have shape ({value.shape[-1]},) for value {value.shape}, got {bias.shape}")
    return add(value, bias)


__all__ = [
    "add", "subtract", "multiply", "divide", "pow", "negative", "neg", "exp", "log", "sqrt", "square",
    "clip_by_value", "cast", "matmul", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
    "reshape", "transpose", "broadcast_to", "concat", "stack", "split", "pad",
    "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax",
    "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
    "mean_squared_error", "dropout", "bias_add",
    "conv2d", "conv2d_transpose", "depthwise_conv2d", "separable_conv2d", "conv2d_as_sparse_matrix",
    "max_pool2d", "avg_pool2d", "global_avg_pool2d", "global_max_pool2d",
    "moments", "batch_normalization", "fused_batch_norm", "stop_gradient",
]
