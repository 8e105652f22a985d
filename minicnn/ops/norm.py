"""moments, batch_normalization (tf.nn) and the fused training-mode batch norm.

``batch_normalization`` is written with autograd primitives, in TensorFlow's exact form:
``inv = rsqrt(variance + eps)·scale``, ``y = x·inv + (offset - mean·inv)``; its gradients flow
through mean and variance. ``FusedBatchNorm`` computes the batch statistics itself and has its own
hand-derived backward (x̂ = (x - μ)/σ, N values per channel):

    dβ = Σ dy        dγ = Σ dy·x̂        dx = γ/(σ·N) · (N·dy - Σ dy - x̂·Σ dy·x̂)
"""

import math

import numpy as np

from ..autograd import Function, as_tensor
from ..backend import get_array_module
from . import GradcheckCase
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


# --- per-channel arithmetic on a (rows, channels) matrix -------------------------------------
# NumPy's broadcast of a short channel vector runs its inner loop over only C values, which is
# slow; viewing k rows at once as one row of k·C values (and tiling the vector k times) keeps
# every pass long. Column sums go through BLAS (a matrix-vector product), not a strided reduce.

def _rows_per_line(rows, channels):
    return math.gcd(rows, max(1, 1024 // channels))


def columnwise(op, matrix, vector, out=None):
    """op(matrix, vector) with ``vector`` (C,) broadcast over the rows of ``matrix`` (R, C)."""
    xp = get_array_module(matrix)
    k = _rows_per_line(*matrix.shape)
    wide = matrix.reshape(-1, k * matrix.shape[1])
    result = op(wide, xp.tile(vector, k), out=None if out is None else out.reshape(wide.shape))
    return result.reshape(matrix.shape)


def _blocks(matrix):
    """(B, b, C) view of (R, C) rows, b = gcd(R, 256): short partial sums keep float32 rounding small."""
    rows, cols = matrix.shape
    return matrix.reshape(-1, math.gcd(rows, 256), cols)


def column_sums(matrix):
    """Σ over rows, per column: float32 partial sums of at most 256 rows (BLAS), then their sum in
    float64 — as accurate as a tree reduction, which the cancellations in BN's backward need."""
    xp = get_array_module(matrix)
    blocks = _blocks(matrix)
    partial = xp.ones(blocks.shape[1], dtype=matrix.dtype) @ blocks
    return partial.sum(axis=0, dtype=np.float64).astype(matrix.dtype)


def column_dots(a, b):
    """Σ over rows of a·b, per column, with the same two-level summation as ``column_sums``."""
    xp = get_array_module(a)
    partial = xp.einsum("rbc,rbc->rc", _blocks(a), _blocks(b))
    return partial.sum(axis=0, dtype=np.float64).astype(a.dtype)


def to_rows(x, axes):
    """x as a (rows, channels) matrix: the reduced ``axes`` flattened into rows, the others into columns."""
    xp = get_array_module(x)
    kept = [i for i in range(x.ndim) if i not in axes]
    moved = x if list(axes) == list(range(len(axes))) else xp.transpose(x, list(axes) + kept)
    return xp.ascontiguousarray(moved).reshape(-1, int(np.prod([x.shape[i] for i in kept])))


def from_rows(matrix, shape, axes):
    xp = get_array_module(matrix)
    kept = [i for i in range(len(shape)) if i not in axes]
    order = list(axes) + kept
    moved = matrix.reshape([shape[i] for i in order])
    return moved if order == list(range(len(shape))) else xp.transpose(moved, np.argsort(order))


class FusedBatchNorm(Function):
    """Training-mode batch norm over ``axes`` with the batch's own biased statistics.

    Inputs x, gamma, beta (gamma and beta shaped like the kept axes, e.g. (C,)). After the call,
    ``batch_mean`` and ``batch_variance`` hold the statistics (for the moving averages).
    It works on x as a (rows, channels) matrix; each line is at most one pass over the data.
    """

    def __init__(self, axes, epsilon):
        self.axes, self.epsilon = axes, epsilon

    def forward(self, x, gamma, beta):
        xp = get_array_module(x)
        self.shape = x.shape
        rows = to_rows(x, self.axes)
        self.count = x.dtype.type(rows.shape[0])
        mean = column_sums(rows) / self.count
        self.centered = columnwise(xp.subtract, rows, mean)
        variance = column_dots(self.centered, self.centered) / self.count
        self.inv_std = 1 / xp.sqrt(variance + x.dtype.type(self.epsilon))
        self.gamma = gamma.reshape(-1)
        self.batch_mean, self.batch_variance = mean.reshape(gamma.shape), variance.reshape(gamma.shape)
        inv = self.inv_std * self.gamma
        y = columnwise(xp.multiply, rows, inv)  # TensorFlow's form of the output: x·inv + (β - μ·inv)
        columnwise(xp.add, y, beta.reshape(-1) - mean * inv, out=y)
        return from_rows(y, self.shape, self.axes)

    def backward(self, dy):
        xp = get_array_module(dy)
        rows = to_rows(dy, self.axes)
        sum_dy = column_sums(rows)
        sum_dy_xhat = column_dots(rows, self.centered) * self.inv_std
        dx = None
        if self.needs_input_grad[0]:
            # dx = γ/(σN)·(N·dy - Σdy - x̂·Σdy·x̂) with x̂ = centered/σ, as per-channel coefficients
            a = self.gamma * self.inv_std
            dx = columnwise(xp.multiply, rows, a)
            dx -= columnwise(xp.multiply, self.centered, a * self.inv_std * sum_dy_xhat / self.count)
            columnwise(xp.subtract, dx, a * sum_dy / self.count, out=dx)
            dx = from_rows(dx, self.shape, self.axes)
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


__all__ = ["moments", "batch_normalization", "fused_batch_norm", "stop_gradient"]


def fused_batch_norm_output(x, scale, offset, axes, epsilon):
    """The normalized output of ``fused_batch_norm`` (its batch mean and variance are plain arrays)."""
    return fused_batch_norm(x, scale, offset, axes, epsilon)[0]


GRADCHECK_CASES = {
    "moments": GradcheckCase(moments, [(3, 4, 2)], axes=(0, 1)),
    "batch_normalization": GradcheckCase(batch_normalization, [(3, 2), (2,), (2,), (2,), (2,)], positive=True,
                                         variance_epsilon=1e-3),
    "fused_batch_norm": GradcheckCase(fused_batch_norm_output, [(3, 3, 3, 2), (2,), (2,)], axes=(0, 1, 2),
                                      epsilon=1e-3),
}  # stop_gradient is not checked: its zero gradient is by definition not the numerical one
