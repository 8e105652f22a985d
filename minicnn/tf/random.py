"""``tf.random``: ``set_seed`` and the normal, uniform and truncated normal draws, from minicnn's
seeded generator (``mc.set_seed`` is the same seed: initializers and dropout follow it too).

The values are minicnn's own and cannot equal TensorFlow's; what matches is the contract: shapes,
dtypes, distributions, and reproducibility. After ``set_seed(s)`` the same sequence of calls draws
the same values. A call given an operation ``seed`` draws from a generator of its own, made from
the global seed (or a fixed default when none was set, so ``seed=`` alone is reproducible across
runs, as in TensorFlow) and that seed; the draws of other calls do not change its sequence.
"""

import numpy as np

from .. import backend
from ..initializers import truncated_normal as _truncated_unit_draw
from ..keras import _subset
from .dtypes import as_dtype, float32, int32, int64
from .tensors import as_shape, _new

DEFAULT_GLOBAL_SEED = 87654321  # TensorFlow's, used when only operation seeds are given
_state = {"seed": None, "generators": {}}


def _seed_value(seed, what):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"{what} must be an int or None, got {seed!r}")
    return None if seed is None else int(seed)


def set_seed(seed):
    """Like ``tf.random.set_seed``: seed minicnn's generator (None: unseeded) and restart every
    operation-seeded sequence."""
    seed = _seed_value(seed, "set_seed: seed")
    backend.set_seed(seed)
    _state["seed"], _state["generators"] = seed, {}


def _generator(seed):
    """The generator a draw uses: minicnn's global one, or the sequence of operation ``seed``."""
    seed = _seed_value(seed, "seed")
    if seed is None:
        return backend.rng()
    if seed not in _state["generators"]:
        base = DEFAULT_GLOBAL_SEED if _state["seed"] is None else _state["seed"]
        _state["generators"][seed] = np.random.default_rng([base % 2 ** 63, seed % 2 ** 63])
    return _state["generators"][seed]


def _float_dtype(dtype, op):
    dtype = as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{op}: dtype must be a float dtype, got {dtype}")
    return dtype


def _number(value):
    """A float or a NumPy array of floats from a number, a list or a Tensor (means, bounds, stddevs)."""
    return np.asarray(backend.to_numpy(value), dtype=np.float64)


def normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """Like ``tf.random.normal``: draws from N(mean, stddev²) of ``shape`` in ``dtype`` (float);
    ``mean`` and ``stddev`` may be arrays that broadcast to the shape."""
    dtype = _float_dtype(dtype, "normal")
    shape = as_shape(shape, "shape", "normal")
    draws = _generator(seed).standard_normal(shape)
    return _new((_number(mean) + _number(stddev) * draws).astype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """Like ``tf.random.truncated_normal``: N(mean, stddev²) with every draw farther than 2·stddev
    from the mean drawn again, so all values lie within mean ± 2·stddev."""
    dtype = _float_dtype(dtype, "truncated_normal")
    shape = as_shape(shape, "shape", "truncated_normal")
    draws = _truncated_unit_draw(shape, 1.0, _generator(seed))
    return _new((_number(mean) + _number(stddev) * draws).astype(dtype))


def uniform(shape, minval=0, maxval=None, dtype=float32, seed=None, name=None):
    """Like ``tf.random.uniform``: draws from [minval, maxval) of ``shape``. Floats: ``maxval``
    defaults to 1. Integers (int32, int64): ``maxval`` is required and must exceed ``minval``."""
    dtype = as_dtype(dtype)
    shape = as_shape(shape, "shape", "uniform")
    generator = _generator(seed)
    if dtype in (int32, int64):
        if maxval is None:
            raise ValueError(f"uniform: maxval must be given for integer dtype {dtype}")
        low, high = int(minval), int(maxval)
        if low >= high:
            raise ValueError(f"uniform: minval must be below maxval, got {low} >= {high}")
        return _new(generator.integers(low, high, shape).astype(dtype))
    if dtype.kind != "f":
        raise ValueError(f"uniform: dtype must be a float dtype, int32 or int64, got {dtype}")
    low, high = _number(minval), _number(1.0 if maxval is None else maxval)
    return _new((low + (high - low) * generator.random(shape)).astype(dtype))


__all__ = ["normal", "set_seed", "truncated_normal", "uniform"]
__getattr__ = _subset.missing("tf.random")
