"""Keras weight initializers (Keras 3 definitions), drawn from minicnn's seeded generator.

An initializer is called as ``init(shape, dtype)`` and returns a raw NumPy array. Fans follow
Keras: a dense kernel (in, out) has fan_in = in; a conv kernel (kh, kw, in, out) has
fan_in = kh·kw·in and fan_out = kh·kw·out.
"""

import numpy as np

from . import backend
from .registry import snake_case

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
    """Base of the initializers: ``init(shape, dtype)`` draws an array; ``get_config()`` gives the
    constructor's arguments, so that ``type(init)(**init.get_config())`` makes an equal one and
    ``serialize`` can write it as Keras does."""

    def __call__(self, shape, dtype=None):
        dtype = dtype or backend.get_default_dtype()
        return np.asarray(self.sample(tuple(shape)), dtype=dtype)

    def sample(self, shape):
        raise NotImplementedError

    def get_config(self):
        return {}


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def sample(self, shape):
        return np.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class Zeros(Constant):
    def __init__(self):
        super().__init__(0.0)

    def get_config(self):
        return {}


class Ones(Constant):
    def __init__(self):
        super().__init__(1.0)

    def get_config(self):
        return {}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def sample(self, shape):
        return _generator(self.seed).normal(self.mean, self.stddev, size=shape)

    def get_config(self):
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(Initializer):
    """N(mean, stddev²) with draws farther than 2·stddev from the mean drawn again (Keras' definition:
    the result's std is about 0.88·stddev)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def sample(self, shape):
        return self.mean + truncated_normal(shape, self.stddev, _generator(self.seed))

    def get_config(self):
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def sample(self, shape):
        return _generator(self.seed).uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"seed": self.seed, "minval": self.minval, "maxval": self.maxval}


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

    def get_config(self):
        return {"seed": self.seed, "scale": self.scale, "mode": self.mode, "distribution": self.distribution}


class _NamedVarianceScaling(VarianceScaling):
    """A VarianceScaling with fixed (scale, mode, distribution): only the seed is an argument."""

    settings = None

    def __init__(self, seed=None):
        super().__init__(*type(self).settings, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_NamedVarianceScaling):
    """Uniform on ±sqrt(6 / (fan_in + fan_out))."""
    settings = (1.0, "fan_avg", "uniform")


class GlorotNormal(_NamedVarianceScaling):
    """Truncated normal with std sqrt(2 / (fan_in + fan_out))."""
    settings = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_NamedVarianceScaling):
    """Truncated normal with std sqrt(2 / fan_in)."""
    settings = (2.0, "fan_in", "truncated_normal")


class HeUniform(_NamedVarianceScaling):
    """Uniform on ±sqrt(6 / fan_in)."""
    settings = (2.0, "fan_in", "uniform")


class LecunNormal(_NamedVarianceScaling):
    """Truncated normal with std sqrt(1 / fan_in)."""
    settings = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_NamedVarianceScaling):
    """Uniform on ±sqrt(3 / fan_in)."""
    settings = (1.0, "fan_in", "uniform")


# Keras' lower-case names are its classes too: glorot_uniform(seed=3) is GlorotUniform(seed=3)
# (truncated_normal stays the sampling helper above; get('truncated_normal') finds the class)
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform = RandomNormal, RandomUniform
variance_scaling = VarianceScaling
glorot_uniform, glorot_normal, he_normal, he_uniform = GlorotUniform, GlorotNormal, HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform

KERAS_CLASSES = {cls.__name__: cls for cls in (
    Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, GlorotUniform,
    GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform)}
_BY_NAME = {snake_case(name): cls for name, cls in KERAS_CLASSES.items()}
_BY_NAME.update({"normal": RandomNormal, "uniform": RandomUniform, "zero": Zeros, "one": Ones})

# Arguments Keras writes in a config that minicnn's initializers do not take, with the only value
# minicnn can honour (Keras 3.15 writes input_axes/output_axes for the VarianceScaling family).
KERAS_ONLY_ARGUMENTS = {"input_axes": None, "output_axes": None}


def get(identifier):
    """An initializer from a Keras name ('glorot_uniform', 'GlorotUniform', 'he_normal', ...), a
    Keras config dict (``serialize``'s form), or a callable (returned as is)."""
    if callable(identifier) and not isinstance(identifier, type):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = KERAS_CLASSES.get(identifier) or _BY_NAME.get(identifier.lower())
        if cls is not None:
            return cls()
    raise ValueError(f"unknown initializer {identifier!r}; expected one of {sorted(_BY_NAME)} or a callable")


def serialize(initializer):
    """Keras 3's config dict of an initializer (a name, or one of the classes here):
    ``{"module": "keras.initializers", "class_name": "HeNormal", "config": {"seed": None, ...},
    "registered_name": None}``. Other callables have no Keras form: TypeError."""
    initializer = get(initializer)
    name = type(initializer).__name__
    if KERAS_CLASSES.get(name) is not type(initializer):
        raise TypeError(f"initializer {initializer!r} has no Keras config: only the initializers of "
                        f"mc.initializers ({sorted(KERAS_CLASSES)}) can be written to a Keras file")
    config = dict(initializer.get_config())
    if isinstance(initializer, VarianceScaling):
        config.update(KERAS_ONLY_ARGUMENTS)
    return {"module": "keras.initializers", "class_name": name, "config": config, "registered_name": None}


def deserialize(config):
    """The initializer of a Keras config dict (``serialize``'s form; Keras 2's without "module" too).
    A Keras-only argument (``input_axes``) is accepted at its default only; anything else that minicnn
    cannot honour is a ValueError naming it."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"an initializer config must be a dict with 'class_name' and 'config', got {config!r}")
    name, arguments = config["class_name"], dict(config.get("config") or {})
    module = config.get("module", "keras.initializers")
    if module != "keras.initializers" or config.get("registered_name") not in (None, name) or name not in KERAS_CLASSES:
        raise ValueError(f"unknown initializer {name!r} (module {module!r}); minicnn has the Keras initializers "
                         f"{sorted(KERAS_CLASSES)}")
    for key, default in KERAS_ONLY_ARGUMENTS.items():
        if key in arguments and issubclass(KERAS_CLASSES[name], VarianceScaling):
            value = arguments.pop(key)
            if value != default:
                raise ValueError(f"initializer {name}: {key}={value!r} is not supported by minicnn "
                                 f"(expected {default!r})")
    seed = arguments.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"initializer {name}: seed must be an int or None, got {seed!r}")
    try:
        return KERAS_CLASSES[name](**arguments)
    except TypeError as err:
        raise ValueError(f"initializer {name}: config {arguments} does not fit its arguments ({err})") from err
