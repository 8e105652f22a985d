"""Learning-rate schedules against keras.optimizers.schedules: values over a range of steps (every
boundary, restart and end of warmup or decay included), dtype, config, argument checks, and an
optimizer stepped with a schedule."""

import numpy as np
import pytest

import minicnn as mc
from test_optimizers import Pair, gradient

S = mc.optimizers.schedules

# (class name, positional arguments, keyword arguments, steps); a float64 variant of each is run
# with a NumPy float64 initial learning rate (PiecewiseConstantDecay: float64 values)
SCHEDULES = [
    ("ExponentialDecay", (0.1, 7, 0.96), {}, range(0, 40)),
    ("ExponentialDecay", (0.1, 7, 0.5), dict(staircase=True), range(0, 40)),
    ("ExponentialDecay", (2.0, 200_000, 1.5), {}, range(0, 12)),  # growth (seen at the late steps)
    ("InverseTimeDecay", (0.1, 7, 0.5), {}, range(0, 40)),
    ("InverseTimeDecay", (0.1, 7, 0.5), dict(staircase=True), range(0, 40)),
    ("PolynomialDecay", (0.1, 30), {}, range(0, 50)),
    ("PolynomialDecay", (0.1, 30), dict(end_learning_rate=0.01, power=0.5, cycle=True), range(0, 100)),
    ("PolynomialDecay", (0.01, 25), dict(end_learning_rate=0.1, power=2.0), range(0, 40)),  # rising
    ("PiecewiseConstantDecay", ([10, 20, 45], [0.1, 0.05, 0.01, 0.003]), {}, range(0, 60)),
    ("PiecewiseConstantDecay", ([5], [1.0, 0.5]), {}, range(0, 10)),
    ("CosineDecay", (0.1, 60), {}, range(0, 80)),
    ("CosineDecay", (0.1, 60), dict(alpha=0.1), range(0, 80)),
    ("CosineDecay", (0.0, 60), dict(alpha=0.1, warmup_target=0.2, warmup_steps=25), range(0, 100)),
    ("CosineDecay", (0.05, 10), dict(warmup_target=0.2, warmup_steps=0), range(0, 15)),
    ("CosineDecayRestarts", (0.1, 10), {}, range(0, 160)),
    ("CosineDecayRestarts", (0.1, 10), dict(t_mul=1.0, m_mul=0.5, alpha=0.1), range(0, 50)),
    ("CosineDecayRestarts", (0.1, 7), dict(t_mul=1.5, m_mul=0.9, alpha=0.05), range(0, 120)),
    ("CosineDecayRestarts", (0.1, 4), dict(t_mul=3.0, m_mul=0.9, alpha=0.05), range(0, 170)),
]
LATE_STEPS = [1_000, 65_537, 10_000_001]  # a float32 step count rounds above 2**24, in Keras too


def schedule_id(case):
    name, args, kwargs, _ = case
    return f"{name}{args}" + "".join(f"-{k}={v}" for k, v in kwargs.items())


def arguments(case, dtype):
    """The positional arguments, with the value that sets the dtype as a NumPy float64 for float64."""
    name, args, _, _ = case
    if dtype == np.float32:
        return args
    if name == "PiecewiseConstantDecay":
        return (args[0], [np.float64(v) for v in args[1]])
    return (np.float64(args[0]),) + args[1:]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", SCHEDULES, ids=schedule_id)
def test_schedule_matches_keras_at_every_step(tf, case, dtype):
    name, _, kwargs, steps = case
    ours = getattr(S, name)(*arguments(case, dtype), **kwargs)
    theirs = getattr(tf.keras.optimizers.schedules, name)(*arguments(case, dtype), **kwargs)
    scale = float(np.max(np.abs(arguments(case, dtype)[1 if name == "PiecewiseConstantDecay" else 0])))
    # float32: TensorFlow's scalar cos/log are a correctly rounded value but for an ulp here and there
    tol = dict(rtol=2.5e-7, atol=1.2e-7 * scale) if dtype == np.float32 else dict(rtol=1e-15, atol=1e-16 * scale)
    for step in list(steps) + LATE_STEPS:
        expected = theirs(tf.constant(step, tf.int64)).numpy()  # the optimizer's iterations are int64
        value = ours(step)
        assert np.asarray(value).dtype == expected.dtype == dtype, f"step {step}: {np.asarray(value).dtype}"
        np.testing.assert_allclose(value, expected, **tol, err_msg=f"{schedule_id(case)} {dtype.__name__} step {step}")


@pytest.mark.parametrize("case", SCHEDULES, ids=schedule_id)
def test_get_config_equals_keras_and_round_trips(tf, case):
    name, args, kwargs, steps = case
    ours = getattr(S, name)(*args, **kwargs)
    config = ours.get_config()
    assert config == getattr(tf.keras.optimizers.schedules, name)(*args, **kwargs).get_config()
    again = getattr(S, name).from_config(config)
    assert again.get_config() == config
    assert [again(s) for s in steps] == [ours(s) for s in steps]


@pytest.mark.parametrize("name", ["ExponentialDecay", "InverseTimeDecay", "PolynomialDecay", "CosineDecay"])
def test_defaults_equal_keras_defaults(tf, name):
    ours = getattr(S, name)(0.1, 10, **({"decay_rate": 0.5} if "Time" in name or "Exp" in name else {}))
    theirs = getattr(tf.keras.optimizers.schedules, name)(0.1, 10, **(
        {"decay_rate": 0.5} if "Time" in name or "Exp" in name else {}))
    assert ours.get_config() == theirs.get_config()


def test_restarts_and_piecewise_defaults_equal_keras_defaults(tf):
    keras = tf.keras.optimizers.schedules
    assert S.CosineDecayRestarts(0.1, 10).get_config() == keras.CosineDecayRestarts(0.1, 10).get_config()
    assert S.PiecewiseConstantDecay([1], [0.1, 0.2]).get_config() == keras.PiecewiseConstantDecay(
        [1], [0.1, 0.2]).get_config()


BAD = [
    ("ExponentialDecay", (0.1, 0, 0.5), "decay_steps must be > 0, got 0"),
    ("InverseTimeDecay", (0.1, -3, 0.5), "decay_steps must be > 0, got -3"),
    ("PolynomialDecay", (0.1, 0), "decay_steps must be > 0, got 0"),
    ("CosineDecay", (0.1, 0), "decay_steps must be > 0, got 0"),
    ("CosineDecayRestarts", (0.1, 0), "first_decay_steps must be > 0, got 0"),
    ("PiecewiseConstantDecay", ([10, 20], [0.1, 0.05]), r"boundaries must have one element less than values.*"
                                                          r"length 2.*length 2"),
]


@pytest.mark.parametrize("name, args, message", BAD, ids=[b[0] for b in BAD])
def test_bad_arguments_raise_as_in_keras(tf, name, args, message):
    with pytest.raises(ValueError):
        getattr(tf.keras.optimizers.schedules, name)(*args)
    with pytest.raises(ValueError, match=rf"{name}: {message}"):
        getattr(S, name)(*args)


@pytest.mark.parametrize("make, message", [
    (lambda: S.ExponentialDecay("0.1", 10, 0.5), "initial_learning_rate must be a real number, got '0.1'"),
    (lambda: S.CosineDecay(0.1, "10"), "decay_steps must be a real number, got '10'"),
    (lambda: S.PolynomialDecay(0.1, 10, power=None), "power must be a real number, got None"),
    (lambda: S.PiecewiseConstantDecay([1], [0.1, "x"]), r"values\[1\] must be a real number, got 'x'"),
], ids=["initial_learning_rate", "decay_steps", "power", "values"])
def test_arguments_that_are_not_numbers_raise_type_errors(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_piecewise_values_are_exact_on_each_side_of_each_boundary():
    """Independent of Keras: values[i] holds for boundaries[i-1] < step <= boundaries[i]."""
    schedule = S.PiecewiseConstantDecay([3, 7], [0.5, 0.25, 0.125])
    assert [float(schedule(s)) for s in range(10)] == [0.5] * 4 + [0.25] * 4 + [0.125] * 2


# --- an optimizer stepped with a schedule ----------------------------------------------------------

WITH_SCHEDULES = [
    ("SGD", dict(momentum=0.9), "PiecewiseConstantDecay", ([2, 5], [0.1, 0.05, 0.01]), {}),
    ("Adam", dict(), "CosineDecay", (0.0, 6), dict(warmup_target=0.05, warmup_steps=3)),
    ("AdamW", dict(weight_decay=0.1), "ExponentialDecay", (0.05, 3, 0.5), dict(staircase=True)),
    ("Nadam", dict(), "CosineDecayRestarts", (0.05, 2), dict(alpha=0.1)),
    ("RMSprop", dict(weight_decay=0.05), "InverseTimeDecay", (0.01, 2, 0.5), {}),
    ("Lion", dict(), "PolynomialDecay", (0.01, 6), dict(end_learning_rate=0.001, power=2.0)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", WITH_SCHEDULES, ids=lambda c: f"{c[0]}-{c[2]}")
def test_optimizer_with_a_schedule_matches_keras(tf, rng, case, dtype):
    """The schedule sees the step count before each step, and weight decay uses the same rate."""
    name, kwargs, schedule, args, schedule_kwargs = case
    shapes = [(3, 4), (5,)]
    pair = Pair(tf, name, dict(kwargs), shapes, rng, dtype)
    pair.mc_opt = getattr(mc.optimizers, name)(learning_rate=getattr(S, schedule)(*args, **schedule_kwargs),
                                               **kwargs)
    pair.tf_opt = getattr(tf.keras.optimizers, name)(
        learning_rate=getattr(tf.keras.optimizers.schedules, schedule)(*args, **schedule_kwargs), **kwargs)
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    for step in range(1, 9):
        pair.step([gradient(rng, s, dtype) for s in shapes])
        pair.assert_agree(f"{name} with {schedule} ({dtype.__name__}) after step {step}", **tol)
