"""``tf.nn``: ``minicnn.functional``'s functions under TensorFlow's ``tf.nn`` names (they are the same
function objects: ``tf.nn.conv2d is F.conv2d``), plus ``l2_loss``. Their arguments are
``tf.nn``'s, without ``name``.
"""

from .. import functional as F
from ..functional import (  # noqa: F401 -- re-exported under tf.nn
    avg_pool2d, batch_normalization, bias_add, conv2d, conv2d_transpose, depthwise_conv2d, dropout, elu, gelu,
    leaky_relu, log_softmax, max_pool2d, moments, relu, relu6, selu, separable_conv2d, sigmoid,
    sigmoid_cross_entropy_with_logits, silu, softmax, softmax_cross_entropy_with_logits, softplus, softsign,
    sparse_softmax_cross_entropy_with_logits, swish, tanh,
)
from ..keras import _subset
from .tensors import convert_to_tensor


def l2_loss(t, name=None):
    """Like ``tf.nn.l2_loss``: sum(t ** 2) / 2, a scalar in t's (float) dtype."""
    t = convert_to_tensor(t)
    if t.dtype.kind != "f":
        raise TypeError(f"l2_loss: t must be a float tensor, got dtype {t.dtype}")
    return F.reduce_sum(F.square(t)) / 2


__all__ = [
    "avg_pool2d", "batch_normalization", "bias_add", "conv2d", "conv2d_transpose", "depthwise_conv2d", "dropout",
    "elu", "gelu", "l2_loss", "leaky_relu", "log_softmax", "max_pool2d", "moments", "relu", "relu6", "selu",
    "separable_conv2d", "sigmoid", "sigmoid_cross_entropy_with_logits", "silu", "softmax",
    "softmax_cross_entropy_with_logits", "softplus", "softsign", "sparse_softmax_cross_entropy_with_logits",
    "swish", "tanh",
]
__getattr__ = _subset.missing("tf.nn")
