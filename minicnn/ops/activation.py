"""Activations: relu, leaky_relu, relu6, elu, selu, gelu, softplus, softsign, sigmoid, hard_sigmoid,
tanh, silu/swish, hard_silu/hard_swish, mish, exponential, softmax, log_softmax (forward and backward).

Every name in ``__all__`` is also a Keras activation name, with Keras 3's behaviour for a
one-argument call. Gradients at the kinks are TensorFlow's (relu6: 0 at 0 and at 6).
``general_relu`` (keras.activations.relu with its arguments, for the ReLU layer) is not exported.
"""

import numbers

import numpy as np

from ..autograd import Function, as_tensor
from ..backend import get_array_module
from . import GradcheckCase
from .math import Exp, normalize_axes


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


def float32_rounded(value):
    """``value`` as TensorFlow keeps a float attribute (or casts a Python float): through float32."""
    return float(np.float32(value))


class Relu6(Function):
    """y = min(max(x, 0), 6); dy/dx = 1 where 0 < x < 6, else 0 (0 at both kinks, as TensorFlow)."""

    def forward(self, x):
        self.inside = (x > 0) & (x < 6)
        return get_array_module(x).clip(x, 0, 6)

    def backward(self, gy):
        return gy * self.inside


class GeneralReLU(Function):
    """keras.activations.relu's general form (the ReLU layer), as Keras 3 computes it:

        y = min(x, max_value)                  where x > threshold
        y = negative_slope·(x - threshold)     where x <= threshold

    dy/dx = 1 where threshold < x <= max_value (or 0 < x < 6 for max_value 6 without threshold:
    Keras uses relu6 there), negative_slope where x < threshold, else 0. As in Keras, max_value and
    the threshold of the comparison pass through float32 (``ops.cast`` of a Python float), while
    the threshold and negative_slope of the negative part keep full precision.
    """

    def __init__(self, negative_slope, max_value, threshold):
        self.negative_slope, self.max_value, self.threshold = negative_slope, max_value, threshold

    def _positive_part(self, x):
        xp = get_array_module(x)
        if self.threshold != 0:
            passes = x > x.dtype.type(float32_rounded(self.threshold))
            return xp.where(passes, x, x.dtype.type(0)), passes
        if self.max_value == 6:
            return xp.clip(x, 0, 6), (x > 0) & (x < 6)
        return xp.maximum(x, 0), x > 0

    def forward(self, x):
        xp = get_array_module(x)
        y, passes = self._positive_part(x)
        if self.max_value is not None and not (self.threshold == 0 and self.max_value == 6):
            top = x.dtype.type(float32_rounded(self.max_value))
            passes = passes & (y <= top)  # clip_by_value lets the gradient through at the bound
            y = xp.minimum(y, top)
        self.slope = passes.astype(x.dtype)
        if self.negative_slope != 0:
            threshold, slope = x.dtype.type(self.threshold), x.dtype.type(self.negative_slope)
            y = y - slope * xp.maximum(threshold - x, 0)
            self.slope += slope * (x < threshold)
        return y

    def backward(self, gy):
        return gy * self.slope


class Elu(Function):
    """y = x where x > 0, else alpha·(exp(x) - 1);  dy/dx = 1 where x > 0, else alpha·exp(x).

    Like TensorFlow: exp(x) - 1 (not expm1), the gradient from the output (alpha at x = 0), and
    alpha at the input's precision (Keras multiplies by it as a Python number).
    """

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def forward(self, x):
        xp = get_array_module(x)
        alpha, one = x.dtype.type(self.alpha), x.dtype.type(1)
        unit = xp.exp(xp.minimum(x, 0)) - one  # the alpha = 1 curve on x <= 0
        positive = x > 0
        self.slope = xp.where(positive, one, alpha * (unit + one))
        return xp.where(positive, x, alpha * unit)

    def backward(self, gy):
        return gy * self.slope


SELU_SCALE = 1.0507009873554804934193349852946
SELU_SCALE_ALPHA = 1.7580993408473768599402175208123  # scale · alpha, alpha = 1.6732632423543772848170429916717


class Selu(Function):
    """y = scale·x where x >= 0, else scale·alpha·(exp(x) - 1);  dy/dx = scale, or y + scale·alpha
    where y < 0 (TensorFlow's constants, its exp(x) - 1 and its gradient from the output)."""

    def forward(self, x):
        xp = get_array_module(x)
        scale, scale_alpha = x.dtype.type(SELU_SCALE), x.dtype.type(SELU_SCALE_ALPHA)
        y = xp.where(x < 0, scale_alpha * (xp.exp(xp.minimum(x, 0)) - 1), scale * x)
        self.slope = xp.where(y < 0, y + scale_alpha, scale)
        return y

    def backward(self, gy):
        return gy * self.slope


GELU_SQRT_2_OVER_PI = 0.7978845608028654  # √(2/π), multiplied as a Python float by TensorFlow
GELU_RSQRT_2 = float32_rounded(0.7071067811865476)  # 1/√2 and 0.044715: TensorFlow casts them
GELU_CUBIC = float32_rounded(0.044715)  # through float32, so float64 results carry that rounding


class Gelu(Function):
    """Exact:  y = x·Φ(x) = ½·x·erfc(-x/√2);  dy/dx = ½·erfc(-x/√2) + x·exp(-x²/2)/√(2π).
    Tanh approximation:  y = ½·x·(1 + t),  t = tanh(√(2/π)·(x + 0.044715·x³));
    dy/dx = ½·(1 + t) + ½·x·(1 - t²)·√(2/π)·(1 + 3·0.044715·x²).
    """

    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, x):
        xp, dtype = get_array_module(x), x.dtype.type
        if self.approximate:
            k, c = dtype(GELU_SQRT_2_OVER_PI), dtype(GELU_CUBIC)
            t = xp.tanh(k * (x + c * x * x * x))
            self.slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x)
            return 0.5 * x * (1 + t)
        from scipy.special import erfc  # a ufunc (CuPy arrays go to cupyx's); imported on first use, not with minicnn

        r = dtype(GELU_RSQRT_2)
        tail = erfc(-x * r)
        self.slope = 0.5 * tail + x * r * xp.exp(-(x * r) ** 2) / dtype(np.sqrt(np.pi))
        return 0.5 * x * tail

    def backward(self, gy):
        return gy * self.slope


def softplus_and_sigmoid(x):
    """log(1 + exp(x)) and its derivative σ(x) of a raw array, both from exp(-|x|): finite and
    accurate for any x (softplus(1000) = 1000, σ(-40) = 4.2e-18, no overflow)."""
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.maximum(x, 0) + xp.log1p(e), xp.where(x >= 0, x.dtype.type(1), e) / (1 + e)


class Softplus(Function):
    """y = log(1 + exp(x)) = max(x, 0) + log(1 + exp(-|x|));  dy/dx = σ(x)."""

    def forward(self, x):
        y, self.slope = softplus_and_sigmoid(x)
        return y

    def backward(self, gy):
        return gy * self.slope


class Softsign(Function):
    """y = x / (1 + |x|);  dy/dx = 1 / (1 + |x|)²."""

    def forward(self, x):
        self.denominator = 1 + get_array_module(x).abs(x)
        return x / self.denominator

    def backward(self, gy):
        return gy / self.denominator / self.denominator  # two divisions: no overflow for huge |x|


class HardSigmoid(Function):
    """Keras 3: y = relu6(x + 3) / 6 (0 for x <= -3, 1 for x >= 3; Keras 2 used clip(0.2·x + 0.5));
    dy/dx = 1/6 where -3 < x < 3, else 0 (0 at both corners, as TensorFlow)."""

    def forward(self, x):
        z = x + x.dtype.type(3)
        self.inside = (z > 0) & (z < 6)
        return get_array_module(x).clip(z, 0, 6) / x.dtype.type(6)

    def backward(self, gy):
        return gy / 6 * self.inside


class HardSilu(Function):
    """y = x·hard_sigmoid(x) (0 for x <= -3, x for x >= 3, x·(x + 3)/6 between);
    dy/dx = hard_sigmoid(x) + x/6 where -3 < x < 3 (so 0 at -3 and 1 at 3, as TensorFlow)."""

    def forward(self, x):
        z = x + x.dtype.type(3)
        gate = get_array_module(x).clip(z, 0, 6) / x.dtype.type(6)
        self.slope = gate + x / 6 * ((z > 0) & (z < 6))
        return x * gate

    def backward(self, gy):
        return gy * self.slope


class Mish(Function):
    """y = x·tanh(softplus(x));  dy/dx = t + x·(1 - t²)·σ(x) with t = tanh(softplus(x))."""

    def forward(self, x):
        softplus_x, sigmoid_x = softplus_and_sigmoid(x)
        t = get_array_module(x).tanh(softplus_x)
        self.slope = t + x * (1 - t * t) * sigmoid_x
        return x * t

    def backward(self, gy):
        return gy * self.slope


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


def relu6(features):
    """Like ``tf.nn.relu6``: min(max(features, 0), 6)."""
    return Relu6()(features)


def general_relu(features, negative_slope=0.0, max_value=None, threshold=0.0):
    """``keras.activations.relu`` with its arguments (the ReLU layer; not a ``tf.nn`` name).

    The plain case is ``relu``; a negative_slope alone is ``leaky_relu`` (float32 slope, slope
    as the gradient at 0), as Keras dispatches; everything else is ``GeneralReLU``.
    """
    if max_value is None and threshold == 0:
        return relu(features) if negative_slope == 0 else leaky_relu(features, alpha=negative_slope)
    return GeneralReLU(negative_slope, max_value, threshold)(features)


def elu(features, alpha=1.0):
    """Like ``keras.activations.elu`` (``tf.nn.elu`` is alpha = 1): x, or alpha·(exp(x) - 1) for x <= 0."""
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"elu: alpha must be a number, got {alpha!r}")
    return Elu(alpha)(features)


def selu(features):
    """Like ``tf.nn.selu``: scale·elu(x, alpha) with Klambauer et al.'s scale and alpha."""
    return Selu()(features)


def gelu(features, approximate=False):
    """Like ``tf.nn.gelu``: x·Φ(x), or its tanh approximation when ``approximate``."""
    if not isinstance(approximate, (bool, np.bool_)):
        raise TypeError(f"gelu: approximate must be True or False, got {approximate!r}")
    return Gelu(bool(approximate))(features)


def softplus(features):
    """Like ``tf.nn.softplus``: log(1 + exp(x)), finite for any x."""
    return Softplus()(features)


def softsign(features):
    """Like ``tf.nn.softsign``: x / (1 + |x|)."""
    return Softsign()(features)


def sigmoid(x):
    """1 / (1 + exp(-x)). The output remembers its input (``y._logits``): the binary crossentropy
    losses compute from those logits, exactly, as Keras 3 does."""
    x = as_tensor(x)
    y = Sigmoid()(x)
    y._logits = ("sigmoid", x)
    return y


def tanh(x):
    return Tanh()(x)


def silu(features, beta=1.0):
    """Like ``tf.nn.silu`` (also ``tf.nn.swish``): x·sigmoid(beta·x)."""
    return Silu(beta)(features)


swish = silu


def hard_sigmoid(x):
    """Like ``keras.activations.hard_sigmoid`` (Keras 3): relu6(x + 3) / 6."""
    return HardSigmoid()(x)


def hard_silu(x):
    """Like ``keras.activations.hard_silu`` (also ``hard_swish``): x·relu6(x + 3) / 6."""
    return HardSilu()(x)


hard_swish = hard_silu


def mish(x):
    """Like ``keras.activations.mish``: x·tanh(softplus(x))."""
    return Mish()(x)


def exponential(x):
    """Like ``keras.activations.exponential``: exp(x), Keras' name for exp as an activation."""
    return Exp()(x)


def softmax(logits, axis=-1):
    """exp(x) / Σ exp(x) along ``axis``. The output remembers its logits (``y._logits``): the
    categorical crossentropy losses compute from them, exactly, as Keras 3 does."""
    logits = as_tensor(logits)
    y = Softmax(normalize_axes(axis, logits.ndim)[0])(logits)
    y._logits = ("softmax", logits)
    return y


def log_softmax(logits, axis=-1):
    logits = as_tensor(logits)
    return LogSoftmax(normalize_axes(axis, logits.ndim)[0])(logits)


__all__ = ["relu", "leaky_relu", "relu6", "elu", "selu", "gelu", "softplus", "softsign", "sigmoid", "hard_sigmoid",
           "tanh", "silu", "swish", "hard_silu", "hard_swish", "mish", "exponential", "softmax", "log_softmax"]


# Checks on a wider range than N(0, 1): 3x reaches the kinks of hard_sigmoid and hard_silu (±3) and
# the tails of the smooth ones; 4x + 3 spreads relu6's input over both of its kinks (0 and 6).
def relu6_4x_plus_3(x):
    """``relu6(4x + 3)``: both kinks in range, none hit."""
    return relu6(4 * x + 3)


def gelu_2x(x, approximate=False):
    """``gelu(2x, approximate)``."""
    return gelu(2 * x, approximate=approximate)


def softplus_3x(x):
    """``softplus(3x)``."""
    return softplus(3 * x)


def softsign_3x(x):
    """``softsign(3x)``."""
    return softsign(3 * x)


def hard_sigmoid_3x(x):
    """``hard_sigmoid(3x)``."""
    return hard_sigmoid(3 * x)


def hard_silu_3x(x):
    """``hard_silu(3x)``."""
    return hard_silu(3 * x)


def mish_3x(x):
    """``mish(3x)``."""
    return mish(3 * x)


GRADCHECK_CASES = {
    "relu": GradcheckCase(relu, [(3, 4)]),
    "leaky_relu": GradcheckCase(leaky_relu, [(3, 4)], alpha=0.3),
    "relu6": GradcheckCase(relu6_4x_plus_3, [(3, 4)]),
    "general_relu": GradcheckCase(general_relu, [(3, 4)], negative_slope=0.2, max_value=1.2, threshold=0.3),
    "elu": GradcheckCase(elu, [(3, 4)], alpha=0.7),
    "selu": GradcheckCase(selu, [(3, 4)]),
    "gelu": GradcheckCase(gelu_2x, [(3, 4)]),
    "gelu_approximate": GradcheckCase(gelu_2x, [(3, 4)], approximate=True),
    "softplus": GradcheckCase(softplus_3x, [(3, 4)]),
    "softsign": GradcheckCase(softsign_3x, [(3, 4)]),
    "sigmoid": GradcheckCase(sigmoid, [(3, 4)]),
    "hard_sigmoid": GradcheckCase(hard_sigmoid_3x, [(3, 4)]),
    "tanh": GradcheckCase(tanh, [(3, 4)]),
    "silu": GradcheckCase(silu, [(3, 4)], beta=1.5),
    "hard_silu": GradcheckCase(hard_silu_3x, [(3, 4)]),
    "mish": GradcheckCase(mish_3x, [(3, 4)]),
    "exponential": GradcheckCase(exponential, [(3, 4)]),
    "softmax": GradcheckCase(softmax, [(3, 4)]),
    "log_softmax": GradcheckCase(log_softmax, [(3, 4)], axis=0),
}
