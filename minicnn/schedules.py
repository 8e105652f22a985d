"""Learning-rate schedules: Keras 3's, as callables of the optimizer's step count.

``SGD(learning_rate=ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.96))``: before each step
the optimizer calls the schedule with its ``iterations`` (0 at the first step) and uses the value.

Each schedule computes as Keras does, in the dtype Keras gives ``initial_learning_rate`` as a
tensor: float32 for a Python number, float64 for a NumPy float64. Other float arguments enter
through ``cast``: TensorFlow makes a float32 tensor of a Python float before casting it, so a
float64 schedule sees them rounded to float32. cos and log are evaluated in double and rounded,
as TensorFlow's scalar float32 kernels return them (NumPy's vectorised float32 cos is an ulp off at
times); powers are NumPy's, which TensorFlow's float32 pow matches.
"""

import math
import numbers

import numpy as np

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
           "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts"]


def cast(value, dtype):
    """``value`` as ``keras.ops.cast(value, dtype)`` makes it: a Python float becomes a float32 tensor
    first (0.9 -> 0.8999999761581421 even in float64); ints and NumPy scalars convert exactly."""
    if isinstance(value, float) and not isinstance(value, np.floating):
        value = np.float32(value)
    return np.dtype(dtype).type(value)


def compute_dtype(value):
    """The dtype of ``ops.convert_to_tensor(value)`` for a float: float64 for a NumPy float64, else float32."""
    if isinstance(value, (np.generic, np.ndarray)) and np.asarray(value).dtype == np.float64:
        return np.dtype(np.float64)
    return np.dtype(np.float32)


def _cos(x):
    return x.dtype.type(math.cos(x))


def _log(x):
    return x.dtype.type(math.log(x))


def _check_number(value, argument, owner):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {argument} must be a real number, got {value!r}")


def _check_positive(value, argument, owner):
    _check_number(value, argument, owner)
    if not value > 0:
        raise ValueError(f"{owner}: {argument} must be > 0, got {value!r}")


class LearningRateSchedule:
    """The base of a schedule: ``schedule(step)`` is the learning rate before step ``step + 1``
    (a NumPy scalar); ``get_config()`` its arguments, ``from_config(config)`` the inverse."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must define __call__(self, step)")

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} must define get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class _Decay(LearningRateSchedule):
    """A schedule decaying ``initial_learning_rate`` over ``decay_steps``, computed in ``self.dtype``."""

    def __init__(self, initial_learning_rate, decay_steps, name, steps_argument="decay_steps"):
        owner = type(self).__name__
        _check_number(initial_learning_rate, "initial_learning_rate", owner)
        _check_positive(decay_steps, steps_argument, owner)
        self.initial_learning_rate, self.name = initial_learning_rate, name
        self.dtype = compute_dtype(initial_learning_rate)

    def _initial(self):
        return self.dtype.type(self.initial_learning_rate)

    def _cast(self, value):
        return cast(value, self.dtype)


class ExponentialDecay(_Decay):
    """lr(step) = initial_learning_rate · decay_rate^(step / decay_steps); with ``staircase`` the
    exponent is floored, so the rate drops every ``decay_steps`` steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, name)
        _check_number(decay_rate, "decay_rate", "ExponentialDecay")
        self.decay_steps, self.decay_rate, self.staircase = decay_steps, decay_rate, staircase

    def __call__(self, step):
        p = self._cast(step) / self._cast(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return self._initial() * self._cast(self.decay_rate) ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(_Decay):
    """lr(step) = initial_learning_rate / (1 + decay_rate · step / decay_steps); with ``staircase``
    ``step / decay_steps`` is floored."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, name)
        _check_number(decay_rate, "decay_rate", "InverseTimeDecay")
        self.decay_steps, self.decay_rate, self.staircase = decay_steps, decay_rate, staircase

    def __call__(self, step):
        p = self._cast(step) / self._cast(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return self._initial() / (self._cast(1) + self._cast(self.decay_rate) * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PolynomialDecay(_Decay):
    """lr(step) = (initial - end) · (1 - s / decay_steps)^power + end with s = min(step, decay_steps).
    With ``cycle``, decay_steps is first multiplied by ceil(step / decay_steps) (1 at step 0)."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        super().__init__(initial_learning_rate, decay_steps, name)
        _check_number(end_learning_rate, "end_learning_rate", "PolynomialDecay")
        _check_number(power, "power", "PolynomialDecay")
        self.decay_steps, self.end_learning_rate, self.power, self.cycle = decay_steps, end_learning_rate, power, cycle

    def __call__(self, step):
        f = self.dtype.type
        end, step, decay_steps = self._cast(self.end_learning_rate), self._cast(step), self._cast(self.decay_steps)
        if self.cycle:
            decay_steps = decay_steps * (f(1.0) if step == 0 else np.ceil(step / f(self.decay_steps)))
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        return (self._initial() - end) * (f(1) - p) ** self._cast(self.power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """lr(step) = values[0] for step <= boundaries[0], values[i] for boundaries[i-1] < step <=
    boundaries[i], values[-1] for step > boundaries[-1]. Computed as Keras does: the sum over the
    intervals of (step in interval) · value, with the boundaries cast to the step's dtype."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"PiecewiseConstantDecay: boundaries must have one element less than values, got "
                             f"boundaries={boundaries!r} of length {len(boundaries)} and values={values!r} of "
                             f"length {len(values)}")
        if not boundaries:
            raise ValueError("PiecewiseConstantDecay: boundaries must not be empty, got []")
        for k, value in enumerate(values):
            _check_number(value, f"values[{k}]", "PiecewiseConstantDecay")
        for k, boundary in enumerate(boundaries):
            _check_number(boundary, f"boundaries[{k}]", "PiecewiseConstantDecay")
        self.boundaries, self.values, self.name = boundaries, values, name
        self.dtype = compute_dtype(values[0])

    def __call__(self, step):
        step = np.asarray(step)
        bounds = np.asarray(self.boundaries).astype(step.dtype)
        values = [cast(v, self.dtype) for v in self.values]
        inside = [step <= bounds[0], step > bounds[-1]]
        inside += [(step > low) & (step <= high) for low, high in zip(bounds[:-1], bounds[1:])]
        result = self.dtype.type(0)
        for flag, value in zip(inside, [values[0], values[-1]] + values[1:-1]):
            result += self.dtype.type(flag) * value
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(_Decay):
    """Optional linear warmup, then cosine decay. Warmup (with ``warmup_target``, step < warmup_steps):
    lr = initial + (warmup_target - initial) · step / warmup_steps. Decay from d0 (``warmup_target``,
    or ``initial_learning_rate`` without one) over s = min(step - warmup_steps, decay_steps):
    lr = d0 · ((1 - alpha) · ½(1 + cos(π s / decay_steps)) + alpha)."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        super().__init__(initial_learning_rate, decay_steps, name)
        _check_number(alpha, "alpha", "CosineDecay")
        if warmup_target is not None:
            _check_number(warmup_target, "warmup_target", "CosineDecay")
        _check_number(warmup_steps, "warmup_steps", "CosineDecay")
        self.decay_steps, self.alpha = decay_steps, alpha
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def _decay(self, step, decay_steps, start):
        f = self.dtype.type
        cosine = f(0.5) * (f(1.0) + _cos(f(math.pi) * (step / decay_steps)))
        return start * (f(1 - self.alpha) * cosine + f(self.alpha))

    def __call__(self, step):
        initial, step, decay_steps = self._initial(), self._cast(step), self._cast(self.decay_steps)
        if self.warmup_target is None:
            return self._decay(np.minimum(step, decay_steps), decay_steps, initial)
        target, warmup_steps = self._cast(self.warmup_target), self._cast(self.warmup_steps)
        step = np.minimum(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (target - initial) * (step / warmup_steps) + initial
        return self._decay(step - warmup_steps, decay_steps, target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(_Decay):
    """Cosine decay with warm restarts (SGDR). Period i lasts first_decay_steps · t_mul^i steps and
    starts at m_mul^i · initial_learning_rate; within it, at fraction c of the period,
    lr = initial · ((1 - alpha) · ½ m_mul^i (1 + cos(π c)) + alpha)."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        super().__init__(initial_learning_rate, first_decay_steps, name, steps_argument="first_decay_steps")
        for argument, value in [("t_mul", t_mul), ("m_mul", m_mul), ("alpha", alpha)]:
            _check_number(value, argument, "CosineDecayRestarts")
        self.first_decay_steps, self.t_mul, self.m_mul, self.alpha = first_decay_steps, t_mul, m_mul, alpha

    def _restart_and_fraction(self, fraction, t_mul):
        """(i, c): the index of the period holding ``fraction`` (in units of the first period) and the
        part of that period already done."""
        one = self.dtype.type(1.0)
        if t_mul == one:
            restart = np.floor(fraction)
            return restart, fraction - restart
        restart = np.floor(_log(one - fraction * (one - t_mul)) / _log(t_mul))
        done_before = (one - t_mul ** restart) / (one - t_mul)
        return restart, (fraction - done_before) / t_mul ** restart

    def __call__(self, step):
        f = self.dtype.type
        alpha, t_mul, m_mul = self._cast(self.alpha), self._cast(self.t_mul), self._cast(self.m_mul)
        restart, fraction = self._restart_and_fraction(self._cast(step) / self._cast(self.first_decay_steps), t_mul)
        cosine = f(0.5) * m_mul ** restart * (f(1.0) + _cos(f(math.pi) * fraction))
        return self._initial() * ((f(1) - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}
