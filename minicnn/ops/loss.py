"""Softmax cross-entropy (dense and sparse labels) and sigmoid cross-entropy as fused, numerically
stable Functions."""

import numpy as np

from ..autograd import Function, as_tensor
from ..backend import get_array_module, to_numpy, unwrap
from . import GradcheckCase
from .activation import log_softmax_array, sigmoid_array, softmax
from .math import normalize_axes, reduce_mean, reshape, same_dtype_operands, square, sub


class SoftmaxCrossEntropy(Function):
    """loss = -Σ_c labels·log_softmax(logits) along ``axis``.

    d logits = gy·(softmax - labels);  d labels = -gy·log_softmax.

    The logits' gradient is TensorFlow's: it takes each row of ``labels`` to be a distribution
    (Σ labels = 1, as tf.nn's contract requires). For labels that do not sum to 1 (multi-hot,
    unnormalised) the exact derivative would be softmax·Σ labels - labels; minicnn returns
    TensorFlow's value, so gradients agree with TF on every input (decision recorded in the README).
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, labels, logits):
        self.labels = labels
        self.log_p = log_softmax_array(logits, self.axis)
        return -(labels * self.log_p).sum(axis=self.axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        gy = xp.expand_dims(gy, self.axis)
        g_labels = -gy * self.log_p if self.needs_input_grad[0] else None
        g_logits = gy * (xp.exp(self.log_p) - self.labels)
        return g_labels, g_logits


class SparseSoftmaxCrossEntropy(Function):
    """loss[i] = -log_softmax(logits[i])[labels[i]];  d logits[i] = gy[i]·(softmax[i] - onehot(labels[i]))."""

    def __init__(self, labels):
        self.labels = labels

    def forward(self, logits):
        xp = get_array_module(logits)
        self.log_p = log_softmax_array(logits, -1)
        flat = self.log_p.reshape(-1, logits.shape[-1])
        rows = xp.arange(flat.shape[0])
        return -flat[rows, self.labels.reshape(-1)].reshape(self.labels.shape)

    def backward(self, gy):
        xp = get_array_module(gy)
        grad = xp.exp(self.log_p).reshape(-1, self.log_p.shape[-1])
        grad[xp.arange(grad.shape[0]), self.labels.reshape(-1)] -= 1
        return grad.reshape(self.log_p.shape) * gy[..., None]


class SigmoidCrossEntropy(Function):
    """loss = -z·log σ(x) - (1 - z)·log(1 - σ(x)) = max(x, 0) - x·z + log(1 + exp(-|x|)), elementwise.

    d logits = gy·(σ(x) - z);  d labels = -gy·x.
    """

    def forward(self, labels, logits):
        xp = get_array_module(logits)
        self.labels, self.logits = labels, logits
        return xp.maximum(logits, 0) - logits * labels + xp.log1p(xp.exp(-xp.abs(logits)))

    def backward(self, gy):
        g_labels = -gy * self.logits if self.needs_input_grad[0] else None
        return g_labels, gy * (sigmoid_array(self.logits) - self.labels)


def match_ranks(y_true, y_pred):
    """Keras' rule before a loss: when the ranks differ by one and the longer ends in a 1,
    expand a rank-1 partner (else squeeze the 1), so that (N,) against (N, 1) never broadcasts
    to (N, N)."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        if y_pred.ndim == 1:
            return y_true, reshape(y_pred, y_pred.shape + (1,))
        return reshape(y_true, y_true.shape[:-1]), y_pred
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        if y_true.ndim == 1:
            return reshape(y_true, y_true.shape + (1,)), y_pred
        return y_true, reshape(y_pred, y_pred.shape[:-1])
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """Per-example mean of (y_pred - y_true)² over the last axis, like ``keras.losses.mean_squared_error``."""
    y_true, y_pred = match_ranks(*same_dtype_operands(y_true, y_pred, "mean_squared_error"))
    try:
        np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        raise ValueError(f"mean_squared_error: y_true shape {y_true.shape} and y_pred shape {y_pred.shape} "
                         "cannot be broadcast together") from None
    return reduce_mean(square(sub(y_pred, y_true)), axis=-1)


def softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    """Like ``tf.nn.softmax_cross_entropy_with_logits``: per-example loss, labels a distribution."""
    labels, logits = same_dtype_operands(labels, logits, "softmax_cross_entropy_with_logits")
    if labels.shape != logits.shape:
        raise ValueError(
            f"softmax_cross_entropy_with_logits: labels shape {labels.shape} != logits shape {logits.shape}"
        )
    return SoftmaxCrossEntropy(normalize_axes(axis, logits.ndim)[0])(labels, logits)


def sigmoid_cross_entropy_with_logits(labels=None, logits=None):
    """Like ``tf.nn.sigmoid_cross_entropy_with_logits``: elementwise loss of independent binary
    outcomes, ``labels`` z in [0, 1] and ``logits`` x of the same shape; finite for any x."""
    for name, value in (("labels", labels), ("logits", logits)):
        if value is None:
            raise ValueError(f"sigmoid_cross_entropy_with_logits: {name} is required, got None")
    labels, logits = same_dtype_operands(labels, logits, "sigmoid_cross_entropy_with_logits")
    if labels.shape != logits.shape:
        raise ValueError(
            f"sigmoid_cross_entropy_with_logits: labels shape {labels.shape} != logits shape {logits.shape}"
        )
    return SigmoidCrossEntropy()(labels, logits)


def sparse_softmax_cross_entropy_with_logits(labels, logits):
    """Like ``tf.nn.sparse_softmax_cross_entropy_with_logits``: integer labels of shape logits.shape[:-1]."""
    logits = as_tensor(logits)
    raw = unwrap(labels)
    xp = get_array_module(raw)  # the labels are checked where they are: host labels before they move, no sync
    raw = xp.asarray(raw)
    if raw.dtype.kind not in "iu":
        if raw.dtype.kind == "f" and raw.size and bool((raw == xp.round(raw)).all()):
            raw = raw.astype(np.int64)
        else:
            raise TypeError(f"sparse_softmax_cross_entropy_with_logits: labels must be integers, got {raw.dtype}")
    if logits.ndim < 1 or raw.shape != logits.shape[:-1]:
        raise ValueError(
            f"sparse_softmax_cross_entropy_with_logits: labels shape {tuple(raw.shape)} must equal "
            f"logits shape without its last axis, {logits.shape[:-1]}"
        )
    n_classes = logits.shape[-1]
    if raw.size and bool(((raw < 0) | (raw >= n_classes)).any()):  # device labels: one read back, not two
        host = to_numpy(raw)
        bad = host[(host < 0) | (host >= n_classes)][0]
        raise ValueError(
            f"sparse_softmax_cross_entropy_with_logits: label {bad} is outside [0, {n_classes}) "
            f"for logits with {n_classes} classes"
        )
    return SparseSoftmaxCrossEntropy(get_array_module(logits.data).asarray(raw.astype(np.int64)))(logits)


__all__ = ["softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
           "sigmoid_cross_entropy_with_logits", "mean_squared_error"]


# Losses whose labels are fixed (not checked) take the logits first and the labels as an option.
def softmax_cross_entropy_of_logits(logits, labels, axis=-1):
    """``softmax_cross_entropy_with_logits(labels, logits, axis)`` as a function of the logits."""
    return softmax_cross_entropy_with_logits(labels, logits, axis=axis)


def softmax_cross_entropy_of_distributions(raw, logits, axis=-1):
    """``softmax_cross_entropy_with_logits`` with labels ``softmax(raw)``: distributions, for which
    TF's gradient with respect to the labels is exact, so both inputs are checked."""
    return softmax_cross_entropy_with_logits(softmax(raw, axis=axis), logits, axis=axis)


def sparse_softmax_cross_entropy_of_logits(logits, labels):
    """``sparse_softmax_cross_entropy_with_logits(labels, logits)`` as a function of the logits."""
    return sparse_softmax_cross_entropy_with_logits(labels, logits)


def sigmoid_cross_entropy_of_logits(logits, labels):
    """``sigmoid_cross_entropy_with_logits(labels, logits)`` as a function of the logits."""
    return sigmoid_cross_entropy_with_logits(labels, logits)


GRADCHECK_CASES = {
    "softmax_cross_entropy_with_logits": GradcheckCase(softmax_cross_entropy_of_logits, [(3, 4)],
                                                       labels=np.eye(4)[[0, 2, 3]]),
    "softmax_cross_entropy_with_logits[soft_labels]": GradcheckCase(softmax_cross_entropy_of_distributions,
                                                                    [(3, 4), (3, 4)]),
    "sparse_softmax_cross_entropy_with_logits": GradcheckCase(sparse_softmax_cross_entropy_of_logits, [(2, 2, 4)],
                                                              labels=np.array([[0, 2], [3, 1]])),
    "sigmoid_cross_entropy_with_logits": GradcheckCase(sigmoid_cross_entropy_of_logits, [(2, 3)],
                                                       labels=np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.9]])),
    "sigmoid_cross_entropy_with_logits[soft_labels]": GradcheckCase(sigmoid_cross_entropy_with_logits,
                                                                   [(3, 4), (3, 4)]),
    "mean_squared_error": GradcheckCase(mean_squared_error, [(3, 4), (3, 4)]),
}
