"""BatchNormalization, LayerNormalization and GroupNormalization against tf.keras (reference §5, §6).

Both layers are built with a first inference call, then given the same random weights with
set_weights (gamma and beta random, moving stats random where a test wants them), and fed the
same batches. Outputs, moving statistics and gradients (input, gamma, beta under tf.GradientTape)
are compared in float32 and float64.
"""

import zlib

import numpy as np
import pytest

import minicnn as mc
from minicnn import layers

from helpers import assert_close

DTYPES = [np.float32, np.float64]
DTYPE_IDS = ["f32", "f64"]


def rng_for(*parts):
    return np.random.default_rng(zlib.crc32("/".join(map(str, parts)).encode()))


def keras_cls(tf, name):
    return getattr(tf.keras.layers, name)


def make_pair(tf, name, dtype, **kwargs):
    dt = np.dtype(dtype).name
    return getattr(layers, name)(dtype=dt, **kwargs), keras_cls(tf, name)(dtype=dt, **kwargs)


def short(weight_name):
    return weight_name.split("/")[-1]


def random_weights(names_shapes, r, stats=True):
    """gamma ~ 1 + N(0, .5²), beta ~ N(0, 1), moving_mean ~ N(0, .3²), moving_variance ~ U(0.5, 2)."""
    out = []
    for name, shape in names_shapes:
        if name == "gamma":
            out.append(1.0 + 0.5 * r.standard_normal(shape))
        elif name == "beta":
            out.append(r.standard_normal(shape))
        elif name == "moving_mean":
            out.append(0.3 * r.standard_normal(shape) if stats else np.zeros(shape))
        elif name == "moving_variance":
            out.append(r.uniform(0.5, 2.0, shape) if stats else np.ones(shape))
        else:
            raise AssertionError(f"unexpected weight {name}")
    return out


def build_and_sync(tf, ours, theirs, x, dtype, r, stats=True):
    """Build both layers with an inference call; check the weight lists agree; set the same random weights."""
    ours(x)
    theirs(tf.constant(x, dtype=dtype))
    ours_ns = [(short(w.name), w.shape) for w in ours.weights]
    theirs_ns = [(w.name, tuple(w.shape)) for w in theirs.weights]
    assert ours_ns == theirs_ns, f"weights {ours_ns} != Keras {theirs_ns}"
    values = [v.astype(dtype) for v in random_weights(ours_ns, r, stats)]
    ours.set_weights(values)
    theirs.set_weights(values)
    return values


def compare_weights(ours, theirs, dtype, what):
    for w, k in zip(ours.weights, theirs.weights):
        assert_close(w.numpy(), k.numpy(), dtype, f"{what}: {short(w.name)}")


def batch(r, shape):
    return 1.5 * r.standard_normal(shape) + r.uniform(-1, 1)


# --- BatchNormalization: training steps --------------------------------------------------------

# (id, input shape, layer kwargs)
BN_CONFIGS = [
    ("default_nhwc", (4, 3, 3, 5), {}),
    ("momentum0.9_eps1e-5", (4, 3, 3, 5), {"momentum": 0.9, "epsilon": 1e-5}),
    ("center_false", (4, 3, 3, 5), {"center": False}),
    ("scale_false", (4, 3, 3, 5), {"scale": False}),
    ("center_false_scale_false", (4, 3, 3, 3), {"center": False, "scale": False}),
    ("axis1_nchw", (4, 3, 3, 3), {"axis": 1}),
    ("2d_nc", (8, 5), {}),
    ("2d_nc_momentum0.9_eps1e-5", (8, 5), {"momentum": 0.9, "epsilon": 1e-5}),
    ("batch1_nhwc", (1, 3, 3, 2), {}),
    ("one_channel", (4, 3, 3, 1), {}),
]
BN_IDS = [c[0] for c in BN_CONFIGS]


def bn_configs(*ids):
    """The BN configurations with these ids."""
    by_id = {c[0]: c for c in BN_CONFIGS}
    return [by_id[i] for i in ids]


@pytest.mark.parametrize("steps", [1, 5], ids=["1step", "5steps"])
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case_id,shape,kwargs", BN_CONFIGS, ids=BN_IDS)
def test_batchnorm_training_steps_vs_keras(tf, case_id, shape, kwargs, dtype, steps):
    r = rng_for("bn_train", case_id, steps)
    ours, theirs = make_pair(tf, "BatchNormalization", dtype, **kwargs)
    initial = build_and_sync(tf, ours, theirs, batch(r, shape).astype(dtype), dtype, r, stats=(steps == 1))
    for step in range(steps):
        x = batch(r, shape).astype(dtype)
        y = ours(x, training=True)
        y_k = theirs(tf.constant(x, dtype=dtype), training=True).numpy()
        assert y.shape == shape and y.dtype == dtype
        assert_close(y.numpy(), y_k, dtype, f"step {step}: output")
        compare_weights(ours, theirs, dtype, f"step {step}")
    # the moving statistics did move (so the comparison above is not vacuous)
    for got, start in zip(ours.get_weights()[-2:], initial[-2:]):
        assert np.abs(got - start).max() > 1e-4


@pytest.mark.parametrize("case_id,shape,kwargs", BN_CONFIGS, ids=BN_IDS)
def test_batchnorm_training_moving_stats_formula(case_id, shape, kwargs):
    """moving ← moving·momentum + batch·(1−momentum) with the biased batch variance (float64, NumPy)."""
    r = rng_for("bn_formula", case_id)
    layer = layers.BatchNormalization(dtype="float64", **kwargs)
    x = batch(r, shape)
    layer(x)
    axis = kwargs.get("axis", -1) % len(shape)
    axes = tuple(i for i in range(len(shape)) if i != axis)
    momentum = kwargs.get("momentum", 0.99)
    mm, mv = layer.moving_mean.numpy().copy(), layer.moving_variance.numpy().copy()
    for _ in range(3):
        x = batch(r, shape)
        layer(x, training=True)
        mm = mm * momentum + x.mean(axes) * (1 - momentum)
        mv = mv * momentum + x.var(axes) * (1 - momentum)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mm, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.moving_variance.numpy(), mv, rtol=1e-12, atol=1e-12)


# --- BatchNormalization: inference and frozen ---------------------------------------------------

@pytest.mark.parametrize("training", [None, False], ids=["training_None", "training_False"])
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case_id,shape,kwargs", BN_CONFIGS, ids=BN_IDS)
def test_batchnorm_inference_vs_keras_and_stats_unchanged(tf, case_id, shape, kwargs, dtype, training):
    r = rng_for("bn_infer", case_id)
    ours, theirs = make_pair(tf, "BatchNormalization", dtype, **kwargs)
    build_and_sync(tf, ours, theirs, batch(r, shape).astype(dtype), dtype, r)
    # two training steps first, so the moving stats are not what set_weights put there
    for _ in range(2):
        x = batch(r, shape).astype(dtype)
        ours(x, training=True)
        theirs(tf.constant(x, dtype=dtype), training=True)
    before = ours.get_weights()
    x = batch(r, shape).astype(dtype)
    y = ours(x) if training is None else ours(x, training=training)
    xk = tf.constant(x, dtype=dtype)
    y_k = (theirs(xk) if training is None else theirs(xk, training=training)).numpy()
    assert_close(y.numpy(), y_k, dtype, "inference output")
    for b, a in zip(before, ours.get_weights()):
        np.testing.assert_array_equal(a, b)
    compare_weights(ours, theirs, dtype, "after inference call")


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case_id,shape,kwargs", bn_configs("default_nhwc", "axis1_nchw", "2d_nc"),
                         ids=["default_nhwc", "axis1_nchw", "2d_nc"])
def test_batchnorm_frozen_uses_inference_even_when_training(tf, case_id, shape, kwargs, dtype):
    r = rng_for("bn_frozen", case_id)
    ours, theirs = make_pair(tf, "BatchNormalization", dtype, **kwargs)
    build_and_sync(tf, ours, theirs, batch(r, shape).astype(dtype), dtype, r)
    ours.trainable = False
    theirs.trainable = False
    before = ours.get_weights()
    x = batch(r, shape).astype(dtype)
    y = ours(x, training=True).numpy()
    y_k = theirs(tf.constant(x, dtype=dtype), training=True).numpy()
    assert_close(y, y_k, dtype, "frozen output vs Keras")
    assert_close(y, ours(x, training=False).numpy(), dtype, "frozen output vs inference")
    for b, a in zip(before, ours.get_weights()):
        np.testing.assert_array_equal(a, b)
    compare_weights(ours, theirs, dtype, "frozen")
    assert ours.trainable_weights == []


# --- BatchNormalization: gradients in training mode -----------------------------------------------

def keras_grads(tf, layer, x, g, dtype, **call_kwargs):
    xt = tf.constant(x, dtype=dtype)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, **call_kwargs)
    variables = list(layer.trainable_variables)
    grads = tape.gradient(y, [xt] + variables, output_gradients=tf.constant(g, dtype=dtype))
    return y.numpy(), [gr.numpy() for gr in grads], ["x"] + [v.name for v in variables]


def minicnn_grads(layer, x, g, dtype, **call_kwargs):
    xt = mc.Tensor(x.astype(dtype), requires_grad=True)
    y = layer(xt, **call_kwargs)
    weights = list(layer.trainable_weights)
    grads = mc.grad(y, [xt] + weights, output_gradient=g.astype(dtype))
    return y.numpy(), grads, ["x"] + [short(w.name) for w in weights]


def compare_layer_grads(tf, ours, theirs, x, g, dtype, scale=4.0, **call_kwargs):
    y, grads, names = minicnn_grads(ours, x, g, dtype, **call_kwargs)
    y_k, grads_k, names_k = keras_grads(tf, theirs, x, g, dtype, **call_kwargs)
    assert names == names_k, f"differentiated {names} != Keras {names_k}"
    assert_close(y, y_k, dtype, "output")
    for name, a, e in zip(names, grads, grads_k):
        assert a is not None, f"no gradient for {name}"
        assert a.shape == e.shape and a.dtype == dtype, f"d/d{name}: {a.shape} {a.dtype} vs {e.shape}"
        assert_close(a, e, dtype, f"d/d{name}", scale=scale)


BN_GRAD_CONFIGS = [c for c in BN_CONFIGS if c[0] in
                   ("default_nhwc", "center_false", "scale_false", "axis1_nchw", "2d_nc", "one_channel")]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case_id,shape,kwargs", BN_GRAD_CONFIGS, ids=[c[0] for c in BN_GRAD_CONFIGS])
def test_batchnorm_training_gradients_vs_keras(tf, case_id, shape, kwargs, dtype):
    r = rng_for("bn_grad", case_id)
    ours, theirs = make_pair(tf, "BatchNormalization", dtype, **kwargs)
    build_and_sync(tf, ours, theirs, batch(r, shape).astype(dtype), dtype, r)
    x, g = batch(r, shape), r.standard_normal(shape)
    compare_layer_grads(tf, ours, theirs, x, g, dtype, training=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_batchnorm_inference_gradients_vs_keras(tf, dtype):
    r = rng_for("bn_grad_inference")
    shape = (3, 3, 3, 4)
    ours, theirs = make_pair(tf, "BatchNormalization", dtype)
    build_and_sync(tf, ours, theirs, batch(r, shape).astype(dtype), dtype, r)
    x, g = batch(r, shape), r.standard_normal(shape)
    compare_layer_grads(tf, ours, theirs, x, g, dtype, training=False)


# --- weights, parameter counts and errors ---------------------------------------------------------

# (id, layer name, kwargs, input shape, expected [(weight, shape, trainable)])
WEIGHT_TABLE = [
    ("bn_nhwc", "BatchNormalization", {}, (2, 4, 4, 6),
     [("gamma", (6,), True), ("beta", (6,), True), ("moving_mean", (6,), False), ("moving_variance", (6,), False)]),
    ("bn_center_false", "BatchNormalization", {"center": False}, (2, 6),
     [("gamma", (6,), True), ("moving_mean", (6,), False), ("moving_variance", (6,), False)]),
    ("bn_scale_false", "BatchNormalization", {"scale": False}, (2, 6),
     [("beta", (6,), True), ("moving_mean", (6,), False), ("moving_variance", (6,), False)]),
    ("bn_axis1_nchw", "BatchNormalization", {"axis": 1}, (2, 3, 4, 4),
     [("gamma", (3,), True), ("beta", (3,), True), ("moving_mean", (3,), False), ("moving_variance", (3,), False)]),
    ("ln_last_axis", "LayerNormalization", {}, (2, 4, 4, 6), [("gamma", (6,), True), ("beta", (6,), True)]),
    ("ln_axes123", "LayerNormalization", {"axis": [1, 2, 3]}, (2, 4, 5, 3),
     [("gamma", (4, 5, 3), True), ("beta", (4, 5, 3), True)]),
    ("gn_groups2", "GroupNormalization", {"groups": 2}, (2, 4, 4, 6), [("gamma", (6,), True), ("beta", (6,), True)]),
    ("gn_instance", "GroupNormalization", {"groups": -1, "center": False}, (2, 4, 4, 6), [("gamma", (6,), True)]),
]


@pytest.mark.parametrize("case_id,name,kwargs,shape,expected", WEIGHT_TABLE, ids=[c[0] for c in WEIGHT_TABLE])
def test_weights_and_param_counts_vs_keras(tf, case_id, name, kwargs, shape, expected):
    ours, theirs = make_pair(tf, name, np.float32, **kwargs)
    ours(np.zeros(shape, np.float32))
    theirs(tf.zeros(shape))
    got = [(short(w.name), w.shape, w.trainable) for w in ours.weights]
    assert got == expected
    keras = [(w.name, tuple(w.shape), w.trainable) for w in theirs.weights]
    assert got == keras
    total = sum(int(np.prod(s)) for _, s, _ in expected)
    trainable = sum(int(np.prod(s)) for _, s, t in expected if t)
    assert ours.count_params() == total == theirs.count_params()
    assert sum(w.size for w in ours.trainable_weights) == trainable
    assert sum(w.size for w in ours.non_trainable_weights) == total - trainable
    assert [short(w.name) for w in ours.trainable_weights] == [n for n, _, t in expected if t]
    assert [short(w.name) for w in ours.non_trainable_weights] == [n for n, _, t in expected if not t]


def test_batchnorm_param_count_rule():
    layer = layers.BatchNormalization()
    layer(np.zeros((2, 3, 3, 7), np.float32))
    assert layer.count_params() == 4 * 7
    assert sum(w.size for w in layer.non_trainable_weights) == 2 * 7
    np.testing.assert_array_equal(layer.get_weights()[0], np.ones(7))   # gamma
    np.testing.assert_array_equal(layer.get_weights()[1], np.zeros(7))  # beta
    np.testing.assert_array_equal(layer.get_weights()[2], np.zeros(7))  # moving_mean
    np.testing.assert_array_equal(layer.get_weights()[3], np.ones(7))   # moving_variance


def test_layernorm_axes123_param_count():
    layer = layers.LayerNormalization(axis=[1, 2, 3])
    layer(np.zeros((2, 4, 5, 3), np.float32))
    assert layer.count_params() == 2 * 4 * 5 * 3


@pytest.mark.parametrize("channels,groups", [(6, 4), (5, 2), (3, 6)], ids=["6c_4g", "5c_2g", "3c_6g"])
def test_groupnorm_indivisible_channels_raise(tf, channels, groups):
    x = np.zeros((2, 3, 3, channels), np.float32)
    with pytest.raises(ValueError):
        tf.keras.layers.GroupNormalization(groups=groups)(tf.constant(x))
    # a clear error about the groups (not some later reshape failure)
    with pytest.raises(ValueError, match="(?i)group"):
        layers.GroupNormalization(groups=groups)(x)


@pytest.mark.parametrize("axis", [4, -5, 7], ids=lambda a: f"axis{a}")
def test_batchnorm_out_of_range_axis_raises(axis):
    with pytest.raises(ValueError):
        layers.BatchNormalization(axis=axis)(np.zeros((2, 3, 3, 4), np.float32))


# --- LayerNormalization and GroupNormalization vs Keras -------------------------------------------

# (id, layer name, kwargs, input shape)
LN_GN = [
    ("ln_default_nhwc", "LayerNormalization", {}, (3, 3, 3, 4)),
    ("ln_axes123", "LayerNormalization", {"axis": [1, 2, 3]}, (2, 3, 3, 4)),
    ("ln_axes12", "LayerNormalization", {"axis": [1, 2]}, (2, 3, 4, 2)),
    ("ln_2d", "LayerNormalization", {"epsilon": 1e-5}, (4, 6)),
    ("ln_center_false", "LayerNormalization", {"center": False}, (3, 3, 3, 4)),
    ("ln_scale_false", "LayerNormalization", {"scale": False}, (3, 3, 3, 4)),
    ("ln_batch1_one_channel", "LayerNormalization", {"axis": [1, 2, 3]}, (1, 3, 3, 1)),
    ("gn_groups1", "GroupNormalization", {"groups": 1}, (2, 3, 3, 4)),
    ("gn_groups2", "GroupNormalization", {"groups": 2}, (2, 3, 3, 4)),
    ("gn_groupsC", "GroupNormalization", {"groups": 4}, (2, 3, 3, 4)),
    ("gn_groups-1_instance", "GroupNormalization", {"groups": -1}, (2, 3, 3, 4)),
    ("gn_groups3_6c_eps1e-5", "GroupNormalization", {"groups": 3, "epsilon": 1e-5}, (2, 2, 3, 6)),
    ("gn_groups2_center_false", "GroupNormalization", {"groups": 2, "center": False}, (2, 3, 3, 4)),
    ("gn_groups2_scale_false", "GroupNormalization", {"groups": 2, "scale": False}, (2, 3, 3, 4)),
    ("gn_groups2_axis1_nchw", "GroupNormalization", {"groups": 2, "axis": 1}, (2, 4, 3, 3)),
    ("gn_groups2_batch1", "GroupNormalization", {"groups": 2}, (1, 3, 3, 4)),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case_id,name,kwargs,shape", LN_GN, ids=[c[0] for c in LN_GN])
def test_layer_and_group_norm_vs_keras(tf, case_id, name, kwargs, shape, dtype):
    r = rng_for("ln_gn", case_id)
    ours, theirs = make_pair(tf, name, dtype, **kwargs)
    build_and_sync(tf, ours, theirs, batch(r, shape).astype(dtype), dtype, r)
    x, g = batch(r, shape), r.standard_normal(shape)
    # the same in training and inference
    assert_close(ours(x.astype(dtype), training=True).numpy(), ours(x.astype(dtype)).numpy(), dtype, "train vs infer")
    compare_layer_grads(tf, ours, theirs, x, g, dtype)


# --- gradcheck (float64) --------------------------------------------------------------------------

def _layer64(name, shape, r, **kwargs):
    layer = getattr(layers, name)(dtype="float64", **kwargs)
    layer(batch(r, shape))
    layer.set_weights(random_weights([(short(w.name), w.shape) for w in layer.weights], r))
    return layer


GRADCHECK = [
    ("bn_training_nhwc", "BatchNormalization", {}, (3, 2, 2, 3), True),
    ("bn_training_axis1_nchw", "BatchNormalization", {"axis": 1}, (3, 2, 2, 2), True),
    ("bn_training_2d_eps1e-5", "BatchNormalization", {"epsilon": 1e-5, "momentum": 0.9}, (5, 3), True),
    ("bn_inference_nhwc", "BatchNormalization", {}, (3, 2, 2, 3), False),
    ("ln_default", "LayerNormalization", {}, (3, 2, 2, 3), None),
    ("ln_axes123", "LayerNormalization", {"axis": [1, 2, 3]}, (2, 2, 2, 3), None),
    ("gn_groups2", "GroupNormalization", {"groups": 2}, (2, 2, 2, 4), None),
    ("gn_instance", "GroupNormalization", {"groups": -1}, (2, 2, 2, 3), None),
]


@pytest.mark.parametrize("case_id,name,kwargs,shape,training", GRADCHECK, ids=[c[0] for c in GRADCHECK])
def test_gradcheck_float64(case_id, name, kwargs, shape, training):
    r = rng_for("gradcheck", case_id)
    layer = _layer64(name, shape, r, **kwargs)
    report = mc.gradcheck(lambda x: layer(x, training=training), batch(r, shape))
    assert report, str(report)


def test_gradcheck_fused_batch_norm_affine():
    from minicnn import functional as F

    r = rng_for("gradcheck_fused")
    report = mc.gradcheck(lambda x, s, o: F.fused_batch_norm(x, s, o, (0, 1, 2), 1e-3)[0],
                          batch(r, (3, 2, 2, 3)), r.standard_normal(3), r.standard_normal(3))
    assert report, str(report)


# --- BatchNormalization inside a model: fit trains, predict/evaluate do not ------------------------

def _conv_bn_model(tf=None):
    if tf is None:
        return mc.Sequential([layers.Conv2D(3, 3, input_shape=(6, 6, 2)), layers.BatchNormalization(momentum=0.9),
                              layers.Activation("relu"), layers.Flatten(), layers.Dense(3)])
    k = tf.keras.layers
    return tf.keras.Sequential([tf.keras.Input((6, 6, 2)), k.Conv2D(3, 3), k.BatchNormalization(momentum=0.9),
                                k.Activation("relu"), k.Flatten(), k.Dense(3)])


def test_sequential_fit_updates_moving_stats_predict_evaluate_do_not(tf):
    r = rng_for("sequential_bn")
    x = batch(r, (20, 6, 6, 2)).astype(np.float32)
    y = r.integers(0, 3, 20)
    keras_model = _conv_bn_model(tf)
    ours = _conv_bn_model()
    ours.set_weights(keras_model.get_weights())
    keras_model.compile(tf.keras.optimizers.SGD(0.05), tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ours.compile(mc.optimizers.SGD(0.05), mc.losses.SparseCategoricalCrossentropy(from_logits=True))
    bn = ours.layers[1]
    assert isinstance(bn, layers.BatchNormalization)
    initial = [bn.moving_mean.numpy().copy(), bn.moving_variance.numpy().copy()]

    ours.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)  # 4 steps
    keras_model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
    trained = [bn.moving_mean.numpy().copy(), bn.moving_variance.numpy().copy()]
    for before, after, name in zip(initial, trained, ["moving_mean", "moving_variance"]):
        assert np.abs(after - before).max() > 1e-3, f"fit did not update {name}"
    for got, expected in zip(ours.get_weights(), keras_model.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)

    predictions = ours.predict(x, batch_size=7)
    np.testing.assert_allclose(predictions, keras_model.predict(x, batch_size=7, verbose=0), rtol=1e-4, atol=1e-5)
    ours.evaluate(x, y, batch_size=7)
    for before, after in zip(trained, [bn.moving_mean.numpy(), bn.moving_variance.numpy()]):
        np.testing.assert_array_equal(after, before)
