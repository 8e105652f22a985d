"""minicnn optimizers against tf.keras.optimizers: same weights, same gradients, same trajectory.

Reference: tf_semantics.md section 10 (update equations) and trap T5 (Keras' float32 constants).
"""

import numpy as np
import pytest

import minicnn as mc

SHAPES = [(3, 4), (5,)]
STEPS = 5
TOL = dict(rtol=1e-6, atol=1e-6)

CASES = [
    ("SGD", dict(learning_rate=0.1)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict()),
    ("Adam", dict(learning_rate=0.05, amsgrad=True)),
    ("Adam", dict(learning_rate=0.05, beta_1=0.8, beta_2=0.95, epsilon=1e-4)),
    ("RMSprop", dict()),
    ("RMSprop", dict(learning_rate=0.01, momentum=0.9)),
    ("RMSprop", dict(learning_rate=0.01, centered=True)),
    ("RMSprop", dict(learning_rate=0.01, rho=0.8, momentum=0.5, epsilon=1e-5, centered=True)),
    ("Adagrad", dict(learning_rate=0.05, initial_accumulator_value=0.01, epsilon=1e-4)),
]

# every registered optimizer also steps with its defaults, so a new one is compared with Keras at once
CASES += [(cls.__name__, {}) for cls in {c.__name__: c for c in mc.optimizers.OPTIMIZERS.entries.values()}.values()
          if (cls.__name__, {}) not in CASES]


def case_id(case):
    name, kwargs = case
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items()) if kwargs else f"{name}-defaults"


CASE_BY_ID = {case_id(c): c for c in CASES}


def cases(*ids):
    """The cases with these ids (a KeyError names a mistyped id)."""
    return [CASE_BY_ID[i] for i in ids]


def gradient(rng, shape, dtype, low=-4.0, high=np.log10(2.0)):
    """Normal draws with element-wise scales 10**U(low, high): 1e-4..2 by default, so epsilon matters."""
    return (rng.standard_normal(shape) * 10 ** rng.uniform(low, high, shape)).astype(dtype)


class Pair:
    """The same optimizer and float variables in minicnn and in Keras, stepped together."""

    def __init__(self, tf, name, kwargs, shapes, rng, dtype=np.float32):
        self.tf = tf
        initial = [rng.standard_normal(s).astype(dtype) for s in shapes]
        self.mc_weights = [mc.Tensor(w.copy()) for w in initial]
        self.tf_weights = [tf.Variable(w.copy()) for w in initial]
        self.mc_opt = getattr(mc.optimizers, name)(**kwargs)
        self.tf_opt = getattr(tf.keras.optimizers, name)(**kwargs)

    def step(self, grads):
        self.mc_opt.apply_gradients(zip(grads, self.mc_weights))
        tf_grads = [None if g is None else self.tf.constant(g) for g in grads]
        self.tf_opt.apply_gradients(zip(tf_grads, self.tf_weights))

    def assert_agree(self, what, **tol):
        for i, (m, t) in enumerate(zip(self.mc_weights, self.tf_weights)):
            assert m.dtype == t.numpy().dtype, f"{what}: weight {i} dtype {m.dtype} != Keras {t.numpy().dtype}"
            np.testing.assert_allclose(m.numpy(), t.numpy(), **(tol or TOL), err_msg=f"{what}, weight {i}")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_five_steps_match_keras(tf, rng, case):
    pair = Pair(tf, *case, SHAPES, rng)
    for step in range(1, STEPS + 1):
        pair.step([gradient(rng, s, np.float32) for s in SHAPES])
        pair.assert_agree(f"{case_id(case)} after step {step}")
        assert pair.mc_opt.iterations == step == int(pair.tf_opt.iterations)


@pytest.mark.parametrize("case", cases("SGD-learning_rate=0.1-momentum=0.9",
                                       "Adam-learning_rate=0.05-beta_1=0.8-beta_2=0.95-epsilon=0.0001",
                                       "RMSprop-learning_rate=0.01-rho=0.8-momentum=0.5-epsilon=1e-05-centered=True"),
                         ids=case_id)
def test_float64_weights_match_keras(tf, rng, case):
    """Keras rounds its constants to float32 (T5), so float64 agrees only to ~1e-6 relative."""
    pair = Pair(tf, *case, SHAPES, rng, dtype=np.float64)
    for step in range(1, STEPS + 1):
        pair.step([gradient(rng, s, np.float64) for s in SHAPES])
        pair.assert_agree(f"{case_id(case)} float64 after step {step}")


@pytest.mark.parametrize("name", sorted({name for name, _ in CASES}))
def test_defaults_equal_keras_defaults(tf, name):
    """Every setting of Keras' config that minicnn's optimizer has as an attribute has Keras' default."""
    config = getattr(tf.keras.optimizers, name)().get_config()
    ours = getattr(mc.optimizers, name)()
    shared = [key for key in config if hasattr(ours, key) and key != "name"]  # Keras numbers its names
    assert {"learning_rate", "clipnorm", "clipvalue", "global_clipnorm"} <= set(shared), shared
    for key in shared:
        expected = config[key]
        if isinstance(expected, float) and not isinstance(expected, bool):
            assert getattr(ours, key) == pytest.approx(expected, rel=1e-6), f"{name}.{key}"
        else:
            assert getattr(ours, key) == expected, f"{name}.{key}"
    assert ours.iterations == 0


@pytest.mark.filterwarnings("ignore:Gradients do not exist")
@pytest.mark.parametrize("case", cases("SGD-learning_rate=0.1-momentum=0.9-nesterov=True",
                                       "Adam-learning_rate=0.05-amsgrad=True",
                                       "RMSprop-learning_rate=0.01-rho=0.8-momentum=0.5-epsilon=1e-05-centered=True"),
                         ids=case_id)
def test_none_gradients_are_skipped(tf, rng, case):
    """A None gradient leaves its weight and its state alone; the step count is still global."""
    pair = Pair(tf, *case, SHAPES, rng)
    before = [w.numpy().copy() for w in pair.mc_weights]
    pair.step([None, gradient(rng, SHAPES[1], np.float32)])
    np.testing.assert_array_equal(pair.mc_weights[0].numpy(), before[0], err_msg="weight with None grad changed")
    assert not np.array_equal(pair.mc_weights[1].numpy(), before[1]), "weight with a gradient did not change"
    pair.assert_agree("after [None, g]")
    for step, pattern in enumerate([(True, False), (True, True), (False, True)], start=2):
        pair.step([gradient(rng, s, np.float32) if on else None for s, on in zip(SHAPES, pattern)])
        pair.assert_agree(f"after step {step} with gradients present = {pattern}")
        assert pair.mc_opt.iterations == step == int(pair.tf_opt.iterations)


@pytest.mark.parametrize("name", sorted({name for name, _ in CASES}))
def test_gradient_of_the_wrong_shape_raises(name):
    opt = getattr(mc.optimizers, name)()
    weight = mc.Tensor(np.ones((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(3, 4\)|\(3, 4\).*\(4, 3\)"):
        opt.apply_gradients([(np.ones((4, 3), np.float32), weight)])
    np.testing.assert_array_equal(weight.numpy(), 1.0)


@pytest.mark.parametrize("clip", [dict(clipnorm=0.5), dict(clipvalue=0.1), dict(global_clipnorm=1.0)],
                         ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("case", cases("SGD-learning_rate=0.1", "SGD-learning_rate=0.1-momentum=0.9", "Adam-defaults"),
                         ids=case_id)
def test_clipping_matches_keras(tf, rng, case, clip):
    name, kwargs = case
    pair = Pair(tf, name, {**kwargs, **clip}, SHAPES, rng)
    for step in range(1, 4):
        # one variable with large gradients (clipped), one with tiny ones (below clipnorm)
        grads = [gradient(rng, SHAPES[0], np.float32, 0.0, 0.3), gradient(rng, SHAPES[1], np.float32, -4.0, -3.0)]
        assert np.sqrt((grads[0] ** 2).sum()) > 1.0 and np.abs(grads[0]).max() > 0.1, "clipping would not bite"
        pair.step(grads)
        pair.assert_agree(f"{case_id(case)} with {clip} after step {step}")


def test_callable_learning_rate_is_a_schedule_of_iterations(tf, rng):
    """A callable learning rate behaves like a Keras LearningRateSchedule called with ``iterations``."""
    pair = Pair(tf, "SGD", dict(learning_rate=0.1), SHAPES, rng)
    pair.mc_opt = mc.optimizers.SGD(learning_rate=lambda it: 0.1 * 0.5 ** it)
    pair.tf_opt = tf.keras.optimizers.SGD(
        learning_rate=tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5))
    for step in range(1, 5):
        pair.step([gradient(rng, s, np.float32, 0.0, 0.3) for s in SHAPES])
        pair.assert_agree(f"SGD with lr = 0.1 * 0.5**iterations after step {step}")


def test_callable_learning_rate_is_used():
    """Independent of Keras: each step calls the callable with the iteration count and uses its value."""
    calls = []
    opt = mc.optimizers.SGD(learning_rate=lambda iterations: calls.append(iterations) or 0.25)
    weight = mc.Tensor(np.zeros(3, np.float32))
    for step in range(1, 3):
        opt.apply_gradients([(np.ones(3, np.float32), weight)])
        np.testing.assert_allclose(weight.numpy(), -0.25 * step, rtol=1e-6)
    assert len(calls) >= 2 and all(isinstance(c, (int, np.integer)) for c in calls), calls
