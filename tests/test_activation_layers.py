"""Activation layers against tf.keras: ReLU, LeakyReLU, Softmax, ELU, PReLU (and Activation by the new
names). Output and input gradient (random upstream gradient) in float32 and float64; PReLU also its
weight (name, shape, initial value, gradient) and parameter count; the arguments Keras refuses.
"""

import re
import zlib

import numpy as np
import pytest

import minicnn as mc
from minicnn import layers

from helpers import assert_close, layer_vs_keras

DTYPES = [np.float32, np.float64]
DTYPE_IDS = ["float32", "float64"]

WEIGHTLESS = [  # (layer name, keyword arguments, input shape)
    ("ReLU", {}, (2, 3, 4, 2)),
    ("ReLU", dict(max_value=6.0), (2, 3, 4, 2)),
    ("ReLU", dict(max_value=6), (1, 7)),
    ("ReLU", dict(max_value=1.0), (3, 5)),
    ("ReLU", dict(max_value=0.1), (3, 5)),
    ("ReLU", dict(max_value=0.0), (2, 4)),
    ("ReLU", dict(negative_slope=0.1), (2, 3, 4, 2)),
    ("ReLU", dict(negative_slope=1.5), (4, 3)),
    ("ReLU", dict(threshold=0.5), (2, 3, 4, 2)),
    ("ReLU", dict(threshold=0.1, negative_slope=0.3), (3, 5)),
    ("ReLU", dict(max_value=6, negative_slope=0.2), (2, 3, 4, 2)),
    ("ReLU", dict(max_value=1.5, negative_slope=0.1, threshold=0.5), (2, 3, 4, 2)),
    ("ReLU", dict(max_value=0.3, threshold=0.5), (3, 5)),
    ("ReLU", dict(max_value=6, threshold=1.0), (3, 5)),
    ("LeakyReLU", {}, (2, 3, 4, 2)),
    ("LeakyReLU", dict(negative_slope=0.01), (1, 3, 3, 1)),
    ("LeakyReLU", dict(negative_slope=0.0), (3, 5)),
    ("LeakyReLU", dict(negative_slope=2.0), (3, 5)),
    ("Softmax", {}, (2, 5)),
    ("Softmax", dict(axis=1), (2, 3, 4)),
    ("Softmax", dict(axis=0), (2, 3, 4)),
    ("Softmax", dict(axis=-2), (2, 3, 4, 2)),
    ("Softmax", dict(axis=[1, 2]), (2, 3, 4)),
    ("Softmax", dict(axis=(1, 3)), (2, 3, 2, 4)),
    ("Softmax", {}, (1, 3)),
    ("Softmax", {}, (3, 1, 6)),
    ("ELU", {}, (2, 3, 4, 2)),
    ("ELU", dict(alpha=0.1), (3, 5)),
    ("ELU", dict(alpha=2.5), (1, 3, 3, 1)),
    ("ELU", dict(alpha=-0.5), (3, 5)),
    ("Activation", dict(activation="gelu"), (3, 5)),
    ("Activation", dict(activation="hard_sigmoid"), (3, 5)),
    ("Activation", dict(activation="hard_swish"), (3, 5)),
    ("Activation", dict(activation="relu6"), (3, 5)),
    ("Activation", dict(activation="mish"), (3, 5)),
]


def case_id(name, kwargs, shape):
    return f"{name}{kwargs}{'x'.join(map(str, shape))}".replace(" ", "").replace("'", "")


def rng_for(what):
    return np.random.default_rng(zlib.crc32(what.encode()))


def keras_pair(tf, name, dtype, **kwargs):
    dt = np.dtype(dtype).name
    return getattr(layers, name)(dtype=dt, **kwargs), getattr(tf.keras.layers, name)(dtype=dt, **kwargs)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name, kwargs, shape", WEIGHTLESS, ids=[case_id(*c) for c in WEIGHTLESS])
def test_weightless_activation_layer_matches_keras(tf, name, kwargs, shape, dtype):
    what = case_id(name, kwargs, shape)
    x = (4.0 * rng_for(what).standard_normal(shape)).astype(dtype)  # reaches past 6 and below -3
    ours, theirs = keras_pair(tf, name, dtype, **kwargs)
    layer_vs_keras(tf, ours, theirs, x, dtype, f"{what} {np.dtype(dtype).name}")


RELU_KINKS = [  # (keyword arguments, inputs on and around every kink of that configuration)
    ({}, [-1.0, 0.0, 1.0]),
    (dict(max_value=6), [-1.0, 0.0, 3.0, 6.0, 7.0]),
    (dict(max_value=1.5), [-1.0, 0.0, 1.0, 1.5, 2.0]),
    (dict(max_value=0.0), [-1.0, 0.0, 1.0]),
    (dict(negative_slope=0.25), [-1.0, 0.0, 1.0]),
    (dict(max_value=6, negative_slope=0.25), [-1.0, 0.0, 3.0, 6.0, 7.0]),
    (dict(threshold=0.5), [-1.0, 0.0, 0.5, 0.75, 1.0]),
    (dict(threshold=0.5, negative_slope=0.25), [-1.0, 0.0, 0.5, 0.75, 1.0]),
    (dict(max_value=1.5, negative_slope=0.25, threshold=0.5), [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0]),
    (dict(max_value=6, threshold=0.5), [0.0, 0.5, 6.0, 7.0]),
    # float64: Keras casts max_value and the compared threshold through float32, not the negative part
    (dict(max_value=0.1), [0.1, 0.1000000007, 0.1000000016, 0.5]),
    (dict(threshold=0.1, negative_slope=0.25), [0.0999999, 0.1, 0.1000000007, 0.1000000016, 0.5]),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("kwargs, values", RELU_KINKS, ids=[str(k).replace(" ", "") for k, _ in RELU_KINKS])
def test_relu_at_its_kinks_matches_keras(tf, kwargs, values, dtype):
    """On the kinks the gradient is the side TensorFlow picks (relu6: 0 at 6; a clip: 1 at max_value)."""
    x = np.array([values], dtype=dtype)
    ours, theirs = keras_pair(tf, "ReLU", dtype, **kwargs)
    layer_vs_keras(tf, ours, theirs, x, dtype, f"ReLU{kwargs} at {values}")


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_elu_layer_at_zero_matches_keras(tf, dtype):
    x = np.array([[0.0, -1e-9, 1e-9, -50.0]], dtype=dtype)
    for alpha in (1.0, 0.3):
        ours, theirs = keras_pair(tf, "ELU", dtype, alpha=alpha)
        layer_vs_keras(tf, ours, theirs, x, dtype, f"ELU(alpha={alpha}) at 0")


# --- PReLU: a learned alpha -----------------------------------------------------------------------

PRELU_CASES = [  # (keyword arguments, input shape)
    ({}, (2, 5)),
    ({}, (2, 3, 4, 3)),
    (dict(shared_axes=[1, 2]), (2, 3, 4, 3)),
    (dict(shared_axes=2), (2, 3, 4, 3)),
    (dict(shared_axes=(1, 2, 3)), (2, 3, 2, 2)),
    (dict(shared_axes=[1, 2]), (1, 3, 3, 1)),
    (dict(alpha_initializer="ones"), (3, 4)),
    (dict(shared_axes=[1]), (2, 5, 3)),
]
PRELU_IDS = [case_id("PReLU", k, s) for k, s in PRELU_CASES]


def prelu_pair(tf, kwargs, x, dtype):
    """Both layers built by a first call on ``x``, their weights checked equal (name, shape, initial value)."""
    ours, theirs = keras_pair(tf, "PReLU", dtype, **kwargs)
    ours(x)
    theirs(tf.constant(x))
    names_shapes = [(w.name.split("/")[-1], w.shape) for w in ours.weights]
    assert names_shapes == [(w.name, tuple(w.shape)) for w in theirs.weights], f"weights {names_shapes}"
    assert ours.weights[0].path == f"{ours.name}/alpha" and ours.name.startswith("p_re_lu")
    assert ours.count_params() == theirs.count_params(), f"{ours.count_params()} vs Keras {theirs.count_params()}"
    assert_close(ours.get_weights()[0], theirs.get_weights()[0], dtype, "initial alpha")
    return ours, theirs


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("kwargs, shape", PRELU_CASES, ids=PRELU_IDS)
def test_prelu_matches_keras(tf, kwargs, shape, dtype):
    what = case_id("PReLU", kwargs, shape)
    r = rng_for(what)
    x = r.standard_normal(shape).astype(dtype)
    x[..., 0] = 0.0  # the kink: TensorFlow's gradient there is 0 for x and for alpha
    ours, theirs = prelu_pair(tf, kwargs, x, dtype)
    alpha = r.uniform(-0.5, 1.5, ours.weights[0].shape).astype(dtype)
    ours.set_weights([alpha])
    theirs.set_weights([alpha])
    g = r.standard_normal(shape).astype(dtype)

    tx = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        ty = theirs(tx)
    dx_ref, dalpha_ref = tape.gradient(ty, [tx, theirs.weights[0]], output_gradients=tf.constant(g))
    mx = mc.Tensor(x, requires_grad=True)
    y = ours(mx)
    assert y.dtype == dtype and y.shape == shape
    assert_close(y.numpy(), ty.numpy(), dtype, f"{what}: forward")
    dx, dalpha = mc.grad(y, [mx, ours.weights[0]], output_gradient=g)
    assert_close(mc.to_numpy(dx), dx_ref.numpy(), dtype, f"{what}: input gradient")
    assert_close(mc.to_numpy(dalpha), dalpha_ref.numpy(), dtype, f"{what}: alpha gradient", scale=3.0)


def test_prelu_regularizer_penalty_matches_keras(tf):
    # float32 only: Keras casts L2's factor 0.01 through float32 even for float64 weights
    ours, theirs = prelu_pair(tf, dict(alpha_regularizer="l2"), np.ones((2, 3), np.float32), np.float32)
    alpha = np.array([0.5, -1.0, 2.0], np.float32)
    ours.set_weights([alpha])
    theirs.set_weights([alpha])
    assert len(ours.losses) == 1 and len(theirs.losses) == 1
    assert_close(ours.losses[0].numpy(), theirs.losses[0].numpy(), np.float32, "l2 penalty of alpha")


def test_prelu_alpha_is_a_trainable_weight():
    layer = layers.PReLU(shared_axes=[1])
    x = np.array([[[-2.0], [-1.0], [3.0]]], dtype=np.float32)
    layer(x)
    assert layer.trainable_weights == [layer.alpha] and layer.alpha.shape == (1, 1)
    layer.set_weights([np.array([[0.5]], dtype=np.float32)])
    y = layer(x)
    (g,) = mc.grad((y * y).sum(), layer.trainable_weights)
    np.testing.assert_allclose(mc.to_numpy(g), [[2 * 0.5 * (4 + 1)]])  # d/da Σ (a·x)² = 2a·Σx² over x < 0


# --- Keras' old keyword and the arguments it refuses --------------------------------------------------

def test_leaky_relu_takes_the_old_alpha_keyword_with_a_warning_like_keras(tf):
    with pytest.warns(UserWarning, match="alpha"):
        ours = layers.LeakyReLU(alpha=0.5, negative_slope=0.1)
    with pytest.warns(UserWarning, match="alpha"):
        theirs = tf.keras.layers.LeakyReLU(alpha=0.5, negative_slope=0.1)
    assert ours.negative_slope == theirs.negative_slope == 0.5
    x = np.linspace(-2, 2, 9, dtype=np.float32)[None]
    layer_vs_keras(tf, ours, theirs, x, np.float32, "LeakyReLU(alpha=0.5)")


@pytest.mark.parametrize("name, kwargs", [
    ("ReLU", dict(max_value=-1.0)),
    ("ReLU", dict(negative_slope=-0.1)),
    ("ReLU", dict(negative_slope=None)),
    ("ReLU", dict(threshold=-0.5)),
    ("ReLU", dict(threshold=None)),
    ("LeakyReLU", dict(negative_slope=-0.3)),
    ("LeakyReLU", dict(negative_slope=None)),
], ids=lambda v: v if isinstance(v, str) else str(v).replace(" ", ""))
def test_arguments_keras_refuses_are_refused(tf, name, kwargs):
    with pytest.raises(ValueError):
        getattr(tf.keras.layers, name)(**kwargs)
    (argument, value), = kwargs.items()
    with pytest.raises(ValueError, match=re.escape(f"{name}: {argument} must be a number >= 0, got {value!r}")):
        getattr(layers, name)(**kwargs)


@pytest.mark.parametrize("make, error, message", [
    (lambda: layers.PReLU(alpha_constraint="non_neg"), ValueError, "alpha_constraint='non_neg' is not supported"),
    (lambda: layers.PReLU(shared_axes=0), ValueError, "shared_axes must be a positive integer, got 0"),
    (lambda: layers.PReLU(shared_axes=[1, 2.0]), ValueError, "shared_axes must be a positive integer, got 2.0"),
    (lambda: layers.PReLU(alpha_initializer="nope"), ValueError, "unknown initializer 'nope'"),
    (lambda: layers.Softmax(axis="last"), TypeError, "axis must be an int or a non-empty list of ints, got 'last'"),
    (lambda: layers.Softmax(axis=[]), TypeError, r"axis must be an int or a non-empty list of ints, got \[\]"),
    (lambda: layers.ELU(alpha="one"), TypeError, "alpha must be a number, got 'one'"),
], ids=["prelu_constraint", "prelu_shared_axis_0", "prelu_shared_axis_float", "prelu_initializer",
        "softmax_axis_str", "softmax_axis_empty", "elu_alpha_str"])
def test_bad_arguments_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()(np.ones((2, 3, 4, 5), dtype=np.float32))


def test_softmax_refuses_a_mask():
    x = np.ones((2, 3), dtype=np.float32)
    with pytest.raises(ValueError, match=r"Softmax: a mask is not supported .* shape \(2, 3\)"):
        layers.Softmax()(x, mask=np.ones((2, 3), dtype=bool))


def test_softmax_axis_out_of_range():
    with pytest.raises(ValueError, match="axis=3 is out of range for a tensor of rank 3"):
        layers.Softmax(axis=3)(np.ones((2, 3, 4), dtype=np.float32))


def test_prelu_shared_axis_beyond_the_input():
    with pytest.raises(ValueError, match=r"shared_axes=\[4\] names axis 4, but the input of shape \(2, 3, 4, 5\)"):
        layers.PReLU(shared_axes=[4])(np.ones((2, 3, 4, 5), dtype=np.float32))


def test_prelu_refuses_inputs_unlike_its_build():
    layer = layers.PReLU(shared_axes=[1])
    layer(np.ones((2, 3, 4), dtype=np.float32))
    layer(np.ones((5, 7, 4), dtype=np.float32))  # the shared axis may change size
    with pytest.raises(ValueError, match=r"unshared axes match alpha's shape \(1, 4\).*got \(2, 3, 5\)"):
        layer(np.ones((2, 3, 5), dtype=np.float32))
    with pytest.raises(ValueError, match=r"expected inputs of rank 3"):
        layer(np.ones((2, 3, 4, 1), dtype=np.float32))
