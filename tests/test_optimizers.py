"""minicnn optimizers against tf.keras.optimizers: same weights, same gradients, same trajectory.

Reference: tf_semantics.md section 10 (update equations) and trap T5 (Keras' float32 constants).
"""

import numpy as np
import pytest

import minicnn as mc

SHAPES = [(3, 4), (5,)]
STEPS = 5
TOL = dict(rtol=1e-6, atol=1e-6)
TOL64 = dict(rtol=1e-12, atol=1e-13)  # a constant not rounded as Keras rounds it shows at ~1e-8

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
    ("AdamW", dict(learning_rate=0.05, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(learning_rate=0.05, weight_decay=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-4)),
    ("Nadam", dict(learning_rate=0.05, beta_1=0.8, beta_2=0.95, epsilon=1e-4)),
    ("Nadam", dict(learning_rate=0.05, weight_decay=0.1)),
    ("Adamax", dict(learning_rate=0.05, beta_1=0.8, beta_2=0.95, epsilon=1e-4)),
    ("Adadelta", dict(learning_rate=1.0, rho=0.8, epsilon=1e-4)),
    ("Lion", dict(learning_rate=0.01, beta_1=0.5, beta_2=0.9)),
    ("Lion", dict(learning_rate=0.01, beta_1=1.0, weight_decay=0.5)),
    ("Ftrl", dict(learning_rate=0.1, learning_rate_power=-0.7, initial_accumulator_value=0.5,
                  l1_regularization_strength=0.01, l2_regularization_strength=0.02,
                  l2_shrinkage_regularization_strength=0.03, beta=0.1)),
    # Keras 3's decoupled weight decay (base optimizer): w -= w·wd·lr before each update
    ("SGD", dict(learning_rate=0.1, weight_decay=0.05)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True, weight_decay=0.05)),
    ("Adam", dict(learning_rate=0.05, weight_decay=0.1)),
    ("RMSprop", dict(learning_rate=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
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


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_float64_weights_match_keras(tf, rng, case):
    """Keras sends some constants through float32 even for float64 weights (T5: the learning rate,
    ops.cast of momentum and betas, weight decay) and others exactly (1 - β, ε); minicnn does the
    same, so float64 agrees to rounding, not only to float32's ~1e-7."""
    pair = Pair(tf, *case, SHAPES, rng, dtype=np.float64)
    for step in range(1, STEPS + 1):
        pair.step([gradient(rng, s, np.float64) for s in SHAPES])
        pair.assert_agree(f"{case_id(case)} float64 after step {step}", **TOL64)


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


# --- weight decay, unsupported arguments, argument checks ---------------------------------------

def named_pair(tf, rng, name, kwargs, dtype=np.float32):
    """A Pair whose weights are named as a Dense layer's: minicnn 'dense/kernel', Keras 'kernel'."""
    pair = Pair(tf, name, kwargs, [(3, 4), (4,)], rng, dtype)
    values = [w.numpy() for w in pair.mc_weights]
    pair.mc_weights = [mc.Tensor(v.copy(), name=f"dense/{n}") for v, n in zip(values, ("kernel", "bias"))]
    pair.tf_weights = [tf.Variable(v.copy(), name=n) for v, n in zip(values, ("kernel", "bias"))]
    return pair


EXCLUSIONS = {
    "var_names=[bias]": lambda weights: dict(var_names=["bias"]),
    "var_names=[ker, nope]": lambda weights: dict(var_names=["ker", "nope"]),  # regular expressions, searched
    "var_list=[kernel]": lambda weights: dict(var_list=[weights[0]]),
    "both": lambda weights: dict(var_list=[weights[0]], var_names=["bias"]),
}


@pytest.mark.parametrize("exclusion", EXCLUSIONS)
@pytest.mark.parametrize("name", ["AdamW", "SGD"])
def test_exclude_from_weight_decay_matches_keras(tf, rng, name, exclusion):
    pair = named_pair(tf, rng, name, dict(learning_rate=0.1, weight_decay=0.2))
    pair.mc_opt.exclude_from_weight_decay(**EXCLUSIONS[exclusion](pair.mc_weights))
    pair.tf_opt.exclude_from_weight_decay(**EXCLUSIONS[exclusion](pair.tf_weights))
    for step in range(1, 4):
        pair.step([gradient(rng, w.shape, np.float32) for w in pair.mc_weights])
        pair.assert_agree(f"{name} excluding {exclusion}, step {step}")


def test_excluded_weight_gets_no_decay_and_the_others_do():
    """Independent of Keras: SGD with a zero gradient only decays, w·(1 - wd·lr) per step."""
    opt = mc.optimizers.SGD(learning_rate=0.5, weight_decay=0.1)
    kernel, bias = mc.Tensor(np.ones(3, np.float32), name="d/kernel"), mc.Tensor(np.ones(2, np.float32), name="d/bias")
    opt.exclude_from_weight_decay(var_names=["bias"])
    for _ in range(2):
        opt.apply_gradients([(np.zeros(3, np.float32), kernel), (np.zeros(2, np.float32), bias)])
    np.testing.assert_allclose(kernel.numpy(), (1 - 0.1 * 0.5) ** 2, rtol=1e-6)
    np.testing.assert_array_equal(bias.numpy(), 1.0)
    with pytest.raises(TypeError, match="var_names.*'bias'"):
        opt.exclude_from_weight_decay(var_names="bias")  # Keras would read the string as 'b|i|a|s'


@pytest.mark.parametrize("argument, value", [("use_ema", True), ("gradient_accumulation_steps", 4),
                                             ("loss_scale_factor", 128.0)])
@pytest.mark.parametrize("name", sorted({name for name, _ in CASES}))
def test_unsupported_keras_arguments_raise_naming_them(name, argument, value):
    with pytest.raises(ValueError, match=rf"{name}: {argument}={value!r} is not supported"):
        getattr(mc.optimizers, name)(**{argument: value})


BAD_ARGUMENTS = [
    ("AdamW", dict(weight_decay=None), "weight_decay"),
    ("Lion", dict(beta_1=0.0), "beta_1"),
    ("Lion", dict(beta_1=1.5), "beta_1"),
    ("Ftrl", dict(learning_rate_power=0.5), "learning_rate_power"),
    ("Ftrl", dict(initial_accumulator_value=-0.1), "initial_accumulator_value"),
    ("Ftrl", dict(l1_regularization_strength=-1.0), "l1_regularization_strength"),
    ("Ftrl", dict(l2_regularization_strength=-1.0), "l2_regularization_strength"),
    ("Ftrl", dict(l2_shrinkage_regularization_strength=-1.0), "l2_shrinkage_regularization_strength"),
]


@pytest.mark.parametrize("name, kwargs, argument", BAD_ARGUMENTS, ids=lambda v: v if isinstance(v, str) else "")
def test_bad_arguments_raise_as_in_keras(tf, name, kwargs, argument):
    with pytest.raises(ValueError):
        getattr(tf.keras.optimizers, name)(**kwargs)
    with pytest.raises(ValueError, match=rf"{name}: {argument} .*{list(kwargs.values())[0]}"):
        getattr(mc.optimizers, name)(**kwargs)


def test_weight_decay_must_be_a_number():
    with pytest.raises(TypeError, match="weight_decay must be a float or None, got '0.1'"):
        mc.optimizers.SGD(weight_decay="0.1")


# --- Nadam's optimizer-wide u_product -------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_nadam_u_product_matches_keras_and_has_the_weights_dtype(tf, rng, dtype):
    pair = Pair(tf, "Nadam", dict(learning_rate=0.05), SHAPES, rng, dtype)
    for step in range(1, 4):
        pair.step([gradient(rng, s, dtype) for s in SHAPES])
        ours = pair.mc_opt.get_state(pair.mc_weights)["scalars"]["u_product"]
        theirs = pair.tf_opt._u_product.numpy()
        assert ours.shape == () and ours.dtype == theirs.dtype == dtype, (ours.dtype, theirs.dtype)
        assert ours == theirs, f"u_product after step {step}: {ours!r} != Keras {theirs!r}"


def test_nadam_state_round_trip_resumes_exactly(rng):
    """get_state/set_state carry u_product: a fresh Nadam given the state continues bit for bit."""
    start = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[gradient(rng, s, np.float32) for s in SHAPES] for _ in range(6)]
    straight, first = mc.optimizers.Nadam(0.05), mc.optimizers.Nadam(0.05)
    w_straight, w_first = [mc.Tensor(w.copy()) for w in start], [mc.Tensor(w.copy()) for w in start]
    for g in grads:
        straight.apply_gradients(zip(g, w_straight))
    for g in grads[:3]:
        first.apply_gradients(zip(g, w_first))
    resumed = mc.optimizers.Nadam(0.05)
    resumed.set_state(w_first, first.get_state(w_first))
    first.scalar("u_product", 1.0, np.float32)[...] = 0.5  # the resumed optimizer holds a copy, not this
    for g in grads[3:]:
        resumed.apply_gradients(zip(g, w_first))
    for k, (a, b) in enumerate(zip(w_straight, w_first)):
        np.testing.assert_array_equal(b.numpy(), a.numpy(), err_msg=f"weight {k} after resuming at step 3")


def test_nadam_state_without_u_product_is_refused(rng):
    weights = [mc.Tensor(rng.standard_normal(s).astype(np.float32)) for s in SHAPES]
    opt = mc.optimizers.Nadam()
    opt.apply_gradients(zip([gradient(rng, s, np.float32) for s in SHAPES], weights))
    state = opt.get_state(weights)
    with pytest.raises(ValueError, match="after 1 steps must hold the scalar 'u_product'"):
        mc.optimizers.Nadam().set_state(weights, {**state, "scalars": {}})
    with pytest.raises(ValueError, match=r"scalar 'u_product' must be one number, got shape \(2,\)"):
        mc.optimizers.Nadam().set_state(weights, {**state, "scalars": {"u_product": np.ones(2)}})
    fresh = mc.optimizers.Nadam()
    fresh.set_state(weights, {"iterations": 0, "slots": [{}, {}]})  # a state from before any step
    assert fresh.iterations == 0


def test_a_callable_learning_rate_without_arguments_is_called_bare_as_keras(tf, rng):
    """Keras calls a plain callable learning rate with no arguments (a schedule gets the step)."""
    pair = Pair(tf, "SGD", dict(learning_rate=0.1), SHAPES, rng)
    pair.mc_opt = mc.optimizers.SGD(learning_rate=lambda: 0.05)
    pair.tf_opt = tf.keras.optimizers.SGD(learning_rate=lambda: 0.05)
    for step in range(1, 3):
        pair.step([gradient(rng, s, np.float32, 0.0, 0.3) for s in SHAPES])
        pair.assert_agree(f"SGD with lr = lambda: 0.05 after step {step}")


def test_tf_keras_2_lr_and_decay_are_accepted_with_their_keras_3_meaning(tf, rng):
    """The source material writes SGD(lr=0.01, decay=1e-6): lr is the learning rate and decay tf.keras 2's
    schedule lr / (1 + decay·step), which is Keras 3's InverseTimeDecay(lr, 1, decay)."""
    with pytest.warns(DeprecationWarning, match="learning_rate"):
        ours = mc.optimizers.SGD(lr=0.05, decay=0.5)
    pair = Pair(tf, "SGD", dict(learning_rate=0.1), SHAPES, rng)
    pair.mc_opt = ours
    pair.tf_opt = tf.keras.optimizers.SGD(
        learning_rate=tf.keras.optimizers.schedules.InverseTimeDecay(0.05, decay_steps=1, decay_rate=0.5))
    for step in range(1, 4):
        pair.step([gradient(rng, s, np.float32, 0.0, 0.3) for s in SHAPES])
        pair.assert_agree(f"SGD(lr=0.05, decay=0.5) after step {step}")
