"""Activations: relu, leaky_relu, sigmoid, tanh, silu/swish, softmax, log_softmax (forward and backward)."""

import numpy as np

from ..autograd import Function, as_tensor
from ..backend import get_array_module
from . import GradcheckCase
from .math import normalize_axes


class ReLU(Function):
    """y = max(x, 0); dy/dx = 1 where y > 0, else 0 (0 at x = 0, as TensorFlow)."""

    def forward(self, x):
        self.positive = x > 0
        return get_array_module(x).maximum(x, 0)

    def backward(self, gy):
        return gy * self.positive


class LeakyReLU(Function):
    """y = x where x > 0, else alpha·x.

    alpha is rounded to float32, as TensorFlow stores it (a float attribute of the op), so that
    float64 results agree with tf.nn.leaky_relu to the last bit.
    """

    def __init__(self, alpha):
        self.alpha = float(np.float32(alpha))

    def forward(self, x):
        self.slope = get_array_module(x).where(x > 0, x.dtype.type(1), x.dtype.type(self.alpha))
        return x * self.slope

    def backward(self, gy):
        return gy * self.slope


def sigmoid_array(x):
    """1 / (1 + exp(-x)) of a raw array, computed as (1 + tanh(x/2)) / 2 to stay finite."""
    return 0.5 * (get_array_module(x).tanh(0.5 * x) + 1)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)); dy/dx = y(1 - y)."""

    def forward(self, x):
        self.y = sigmoid_array(x)
        return self.y

    def backward(self, gy):
        return gy * self.y * (1 - self.y)


class Tanh(Function):
    """y = tanh(x); dy/dx = 1 - y²."""

    def forward(self, x):
        self.y = get_array_module(x).tanh(x)
        return self.y

    def backward(self, gy):
        return gy * (1 - self.y * self.y)


class Silu(Function):
    """y = x·σ(βx);  dy/dx = σ(βx)·(1 + βx·(1 - σ(βx))).

    β is rounded to float32 first, as TensorFlow converts it to a float32 tensor before casting.
    """

    def __init__(self, beta):
        self.beta = float(np.float32(beta))

    def forward(self, x):
        self.x, self.s = x, sigmoid_array(self.beta * x)
        return x * self.s

    def backward(self, gy):
        return gy * self.s * (1 + self.beta * self.x * (1 - self.s))


class Softmax(Function):
    """y = exp(x - max) / Σ exp(x - max) along ``axis``;  dx = y·(gy - Σ gy·y)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        self.y = e / e.sum(axis=self.axis, keepdims=True)
        return self.y

    def backward(self, gy):
        return self.y * (gy - (gy * self.y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """y = x - max - log Σ exp(x - max) along ``axis``;  dx = gy - softmax·Σ gy."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        self.y = log_softmax_array(x, self.axis)
        return self.y

    def backward(self, gy):
        xp = get_array_module(gy)
        return gy - xp.exp(self.y) * gy.sum(axis=self.axis, keepdims=True)


def log_softmax_array(x, axis):
    """The numerically stable log-softmax of a raw array (finite for logits of ±1e4)."""
    xp = get_array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def relu(features):
    return ReLU()(features)


def leaky_relu(features, alpha=0.2):
    return LeakyReLU(alpha)(features)


def sigmoid(x):
    return Sigmoid()(x)


def tanh(x):
    return Tanh()(x)


def silu(features, beta=1.0):
    """Like ``tf.nn.silu`` (also ``tf.nn.swish``): x·sigmoid(beta·x)."""
    return Silu(beta)(features)


swish = silu


def softmax(logits, axis=-1):
    logits = as_tensor(logits)
    return Softmax(normalize_axes(axis, logits.ndim)[0])(logits)


def log_softmax(logits, axis=-1):
    logits = as_tensor(logits)
    return LogSoftmax(normalize_axes(axis, logits.ndim)[0])(logits)


__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "silu", "swish", "softmax", "log_softmax"]

GRADCHECK_CASES = {
    "relu": GradcheckCase(relu, [(3, 4)]),
    "leaky_relu": GradcheckCase(lambda x: leaky_relu(x, alpha=0.3), [(3, 4)]),
    "sigmoid": GradcheckCase(sigmoid, [(3, 4)]),
    "tanh": GradcheckCase(tanh, [(3, 4)]),
    "silu": GradcheckCase(lambda x: silu(x, beta=1.5), [(3, 4)]),
    "softmax": GradcheckCase(softmax, [(3, 4)]),
    "log_softmax": GradcheckCase(lambda x: log_softmax(x, axis=0), [(3, 4)]),
}
