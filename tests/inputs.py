"""Input generators for the op case tables (import: from inputs import normal, positive, ...).

Each generator takes a shape (and options) and returns a function of a numpy Generator that draws a
float64 (or int) array. A case's seed is zlib.crc32 of its id, so its inputs depend only on that id.
"""

import numpy as np


class Const:
    """A float input not differentiated: vs TF a plain array / tf.constant, in gradcheck a Tensor without requires_grad."""

    def __init__(self, gen):
        self.gen = gen


def normal(*shape, scale=1.0):
    """Standard normal values times ``scale``."""
    return lambda r: scale * r.standard_normal(shape)


def positive(*shape):
    """Values in [0.5, 2]: O(1) and far from 0, for log, sqrt, divisors and pow bases."""
    return lambda r: r.uniform(0.5, 2.0, shape)


def away(*shape, gap=0.1):
    """Values with |x| in [gap, 2]: relu / leaky_relu are never at their kink."""
    return lambda r: r.choice([-1.0, 1.0], shape) * r.uniform(gap, 2.0, shape)


def avoiding(lo, hi, *shape):
    """Values in [-2, 2] but at least 0.05 away from both clip bounds ``lo`` and ``hi``."""
    def gen(r):
        x = r.uniform(-2.0, 2.0, shape)
        for b in (lo, hi):
            near = np.abs(x - b) < 0.05
            x[near] = b + np.copysign(0.1, x[near] - b)
        return x
    return gen


def ties(*shape):
    """Values in {0, 1, 2}: many repeated maxima / minima."""
    return lambda r: r.integers(0, 3, shape).astype(np.float64)


def distinct(*shape):
    """All values at least 0.2 apart: max / min are unique, far beyond a finite-difference eps."""
    return lambda r: (r.permutation(int(np.prod(shape, dtype=int))) * 0.2 - 1.0).reshape(shape)


def dist(*shape, axis=-1):
    """Positive values that sum to 1 along ``axis`` (probability distributions)."""
    def gen(r):
        e = np.exp(r.standard_normal(shape))
        return e / e.sum(axis=axis, keepdims=True)
    return gen


def onehot(n, c):
    """``n`` one-hot float rows over ``c`` classes."""
    return lambda r: np.eye(c)[r.integers(0, c, n)]


def labels(shape, classes):
    """Integer class labels in [0, classes) of the given shape."""
    return lambda r: r.integers(0, classes, shape)


def shape_id(*shapes):
    """The shapes as a case-id fragment: "3x4+4", "scalar" for ()."""
    return "+".join("x".join(map(str, s)) if s else "scalar" for s in shapes)
