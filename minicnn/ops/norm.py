"""moments, batch_normalization (tf.nn) and the fused training-mode batch norm.

``batch_normalization`` is written with autograd primitives, in TensorFlow's exact form:
``inv = rsqrt(variance + eps)·scale``, ``y = x·inv + (offset - mean·inv)``; its gradients flow
through mean and variance. ``FusedBatchNorm`` computes the batch statistics itself and has its own
hand-derived backward (x̂ = (x - μ)/σ, N values per channel):

    dβ = Σ dy        dγ = Σ dy·x̂        dx = γ/(σ·N) · (N·dy - Σ dy - x̂·Σ dy·x̂)
"""

from ..autograd import Function, as_tensor
from ..backend import get_array_module
from .math import add, div, mul, neg, normalize_axes, reduce_mean, sqrt, square, sub


class StopGradient(Function):
    def forward(self, x):
        return x

    def backward(self, gy):
        return None


def stop_gradient(x):
    """The identity whose gradient is zero (``tf.stop_gradient``)."""
    return StopGradient()(x)


def moments(x, axes, keepdims=False):
    """Like ``tf.nn.moments``: (mean, biased variance) over ``axes``; var = mean((x - stop_gradient(mean))²)."""
    x = as_tensor(x)
    axes = normalize_axes(axes, x.ndim, "axes")
    mean = reduce_mean(x, axes, keepdims=True)
    variance = reduce_mean(square(sub(x, stop_gradient(mean))), axes, keepdims=True)
    if not keepdims:
        shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
        mean, variance = mean.reshape(shape), variance.reshape(shape)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon):
    """Like ``tf.nn.batch_normalization``: inv = rsqrt(variance + eps)·scale; y = x·inv + (offset - mean·inv).

    ``offset`` and ``scale`` may be None. All arguments broadcast against x.
    """
    x = as_tensor(x)
    inv = div(1.0, sqrt(add(as_tensor(variance, like=x), variance_epsilon)))
    if scale is not None:
        inv = mul(inv, scale)
    shift = neg(mul(mean, inv)) if offset is None else sub(offset, mul(mean, inv))
    return add(mul(x, inv), shift)


def sum_of_products(a, b, axes):
    """Σ a·b over ``axes`` (keepdims) without a temporary the size of ``a`` when the axes lead."""
    xp = get_array_module(a)
    if axes == tuple(range(len(axes))):
        kept = a.shape[len(axes):]
        flat_a, flat_b = a.reshape(-1, *kept), b.reshape(-1, *kept)
        letters = "abcdefgh"[:len(kept)]
        total = xp.einsum(f"z{letters},z{letters}->{letters}", flat_a, flat_b)
        return total.reshape((1,) * len(axes) + kept)
    return (a * b).sum(axis=axes, keepdims=True)


class FusedBatchNorm(Function):
    """Training-mode batch norm over ``axes`` with the batch's own biased statistics.

    Inputs x, gamma, beta (gamma and beta shaped like the kept axes, e.g. (C,)). After the call,
    ``batch_mean`` and ``batch_variance`` hold the statistics (for the moving averages).
    """

    def __init__(self, axes, epsilon):
        self.axes, self.epsilon = axes, epsilon

    def forward(self, x, gamma, beta):
        xp = get_array_module(x)
        shape = tuple(1 if i in self.axes else n for i, n in enumerate(x.shape))
        self.count = x.dtype.type(x.size // gamma.size)
        mean = x.mean(axis=self.axes, keepdims=True)
        self.centered = x - mean
        variance = sum_of_products(self.centered, self.centered, self.axes) / self.count
        self.inv_std = 1 / xp.sqrt(variance + x.dtype.type(self.epsilon))
        self.gamma = gamma.reshape(shape)
        self.batch_mean, self.batch_variance = mean.reshape(gamma.shape), variance.reshape(gamma.shape)
        inv = self.inv_std * self.gamma
        return x * inv + (beta.reshape(shape) - mean * inv)  # TensorFlow's form of the output

    def backward(self, dy):
        sum_dy = dy.sum(axis=self.axes, keepdims=True)
        sum_dy_xhat = sum_of_products(dy, self.centered, self.axes) * self.inv_std
        dx = None
        if self.needs_input_grad[0]:
            # γ/(σN)·(N·dy - Σdy - x̂·Σdy·x̂), with x̂ = centered/σ folded into one coefficient
            scale = self.gamma * self.inv_std / self.count
            dx = (dy * self.count - sum_dy - self.centered * (self.inv_std * sum_dy_xhat)) * scale
        return dx, sum_dy_xhat.reshape(self.batch_mean.shape), sum_dy.reshape(self.batch_mean.shape)


def fused_batch_norm(x, scale, offset, axes, epsilon):
    """Training-mode batch norm: returns (y, batch_mean, batch_variance); the statistics are raw arrays."""
    x = as_tensor(x)
    axes = normalize_axes(axes, x.ndim, "axes")
    kept = tuple(n for i, n in enumerate(x.shape) if i not in axes)
    scale, offset = as_tensor(scale, like=x), as_tensor(offset, like=x)
    for name, t in (("scale", scale), ("offset", offset)):
        if t.shape != kept:
            raise ValueError(f"fused_batch_norm: {name} must have shape {kept} (the axes kept), got {t.shape}")
    fn = FusedBatchNorm(axes, epsilon)
    y = fn(x, scale, offset)
    return y, fn.batch_mean, fn.batch_variance
