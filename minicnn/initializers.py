"""Keras weight initializers (Keras 3 definitions), drawn from minicnn's seeded generator.

An initializer is called as ``init(shape, dtype)`` and returns a raw NumPy array. Fans follow
Keras: a dense kernel (in, out) has fan_in = in; a conv kernel (kh, kw, in, out) has
fan_in = kh·kw·in and fan_out = kh·kw·out.
"""

import numpy as np

from . import backend

TRUNCATION_STD = 0.87962566103423978  # std of a unit normal truncated to ±2


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape, as Keras computes them."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = int(np.prod(shape[:-2]))
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def _generator(seed):
    return backend.rng() if seed is None else np.random.default_rng(seed)


def truncated_normal(shape, stddev, generator):
    """N(0, stddev²) with draws beyond ±2·stddev drawn again."""
    values = generator.normal(0.0, stddev, size=shape)
    outside = np.abs(values) > 2 * stddev
    while outside.any():
        values[outside] = generator.normal(0.0, stddev, size=int(outside.sum()))
        outside = np.abs(values) > 2 * stddev
    return values


class Initializer:
    def __call__(self, shape, dtype=None):
        dtype = dtype or backend.get_default_dtype()
        return np.asarray(self.sample(tuple(shape)), dtype=dtype)

    def sample(self, shape):
        raise NotImplementedError


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def sample(self, shape):
        return np.full(shape, self.value)


class Zeros(Constant):
    def __init__(self):
        super().__init__(0.0)


class Ones(Constant):
    def __init__(self):
        super().__init__(1.0)


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def sample(self, shape):
        return _generator(self.seed).normal(self.mean, self.stddev, size=shape)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def sample(self, shape):
        return _generator(self.seed).uniform(self.minval, self.maxval, size=shape)


class VarianceScaling(Initializer):
    """std = sqrt(scale / n), n = fan_in, fan_out or their mean (``mode``).

    ``distribution``: 'truncated_normal' (generator std divided by 0.8796 so the truncated
    result has the target std), 'untruncated_normal', or 'uniform' on ±sqrt(3·scale/n).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be fan_in, fan_out or fan_avg, got {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: unknown distribution {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def sample(self, shape):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        generator = _generator(self.seed)
        if self.distribution == "uniform":
            limit = np.sqrt(3.0 * variance)
            return generator.uniform(-limit, limit, size=shape)
        if self.distribution == "untruncated_normal":
            return generator.normal(0.0, np.sqrt(variance), size=shape)
        return truncated_normal(shape, np.sqrt(variance) / TRUNCATION_STD, generator)


def glorot_uniform(seed=None):
    return VarianceScaling(1.0, "fan_avg", "uniform", seed)


def glorot_normal(seed=None):
    return VarianceScaling(1.0, "fan_avg", "truncated_normal", seed)


def he_normal(seed=None):
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed=None):
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed=None):
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal,
    "he_normal": he_normal, "he_uniform": he_uniform, "lecun_normal": lecun_normal,
    "lecun_uniform": lecun_uniform,
}


def get(identifier):
    """An initializer from a Keras name ('glorot_uniform', 'he_normal', ...) or a callable."""
    if callable(identifier) and not isinstance(identifier, type):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"unknown initializer {identifier!r}; expected one of {sorted(_BY_NAME)} or a callable")
