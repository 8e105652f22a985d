"""Reshaping layers against tf.keras: output, input gradient and (no) weights, float32 and float64."""

import zlib

import numpy as np
import pytest

import minicnn as mc
from minicnn import layers
from helpers import assert_close, layer_vs_keras

LAYER_CASES = [  # (layer name, keyword arguments, input shape)
    ("Reshape", dict(target_shape=(3, 4)), (2, 12)),
    ("Reshape", dict(target_shape=(-1, 2, 2)), (2, 12)),
    ("Reshape", dict(target_shape=(-1,)), (1, 3, 5, 1)),
    ("Reshape", dict(target_shape=[5, 1, -1]), (2, 3, 5)),
    ("Reshape", dict(target_shape=(1, 1)), (1, 1, 1, 1)),
    ("Permute", dict(dims=(2, 1)), (2, 3, 4)),
    ("Permute", dict(dims=(3, 1, 2)), (1, 2, 3, 5)),
    ("Permute", dict(dims=(1, 2, 3)), (2, 3, 1, 2)),
    ("Permute", dict(dims=[2, 3, 1]), (2, 5, 1, 3)),
    ("RepeatVector", dict(n=3), (2, 4)),
    ("RepeatVector", dict(n=1), (1, 5)),
    ("Identity", {}, (2, 3, 4)),
    ("Identity", {}, (1, 1, 1, 1)),
    ("Rescaling", dict(scale=1 / 255), (2, 3, 4)),
    ("Rescaling", dict(scale=1 / 127.5, offset=-1), (1, 4, 5, 1)),
    ("Rescaling", dict(scale=[0.5, 2.0, -1.0], offset=[0.1, 0.0, 3.0]), (2, 2, 3, 3)),
    ("ZeroPadding1D", {}, (2, 3, 2)),
    ("ZeroPadding1D", dict(padding=(0, 3)), (1, 4, 1)),
    ("ZeroPadding1D", dict(padding=(2, 1)), (2, 1, 3)),
    ("ZeroPadding2D", {}, (2, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=2), (1, 1, 1, 1)),
    ("ZeroPadding2D", dict(padding=(1, 2)), (2, 3, 5, 1)),
    ("ZeroPadding2D", dict(padding=((0, 2), (3, 1))), (1, 4, 3, 2)),
    ("ZeroPadding2D", dict(padding=((1, 0), (0, 0))), (2, 3, 3, 3)),
    ("ZeroPadding2D", dict(padding=(0, (2, 1)), data_format="channels_last"), (1, 5, 2, 1)),
    ("Cropping1D", {}, (2, 5, 3)),
    ("Cropping1D", dict(cropping=(0, 2)), (1, 3, 1)),
    ("Cropping1D", dict(cropping=(2, 0)), (2, 7, 2)),
    ("Cropping2D", {}, (2, 3, 4, 2)),
    ("Cropping2D", dict(cropping=1), (1, 3, 3, 1)),
    ("Cropping2D", dict(cropping=(1, 2)), (2, 5, 7, 2)),
    ("Cropping2D", dict(cropping=((0, 2), (3, 1))), (1, 5, 6, 2)),
    ("Cropping2D", dict(cropping=((2, 0), (0, 1))), (2, 3, 2, 1)),
    ("Cropping2D", dict(cropping=((1, 1), 0)), (1, 3, 1, 3)),
    ("UpSampling2D", {}, (2, 3, 4, 2)),
    ("UpSampling2D", dict(size=3), (1, 2, 2, 1)),
    ("UpSampling2D", dict(size=(1, 3)), (2, 3, 1, 3)),
    ("UpSampling2D", dict(size=(2, 1), interpolation="nearest"), (1, 1, 5, 2)),
    ("UpSampling2D", dict(size=(2, 2), interpolation="bilinear"), (2, 3, 5, 2)),
    ("UpSampling2D", dict(size=(1, 3), interpolation="bilinear"), (1, 3, 3, 1)),
    ("UpSampling2D", dict(size=(3, 2), interpolation="bilinear"), (2, 5, 1, 3)),
    ("UpSampling2D", dict(size=4, interpolation="Bilinear"), (1, 1, 1, 2)),
]


def case_id(case):
    name, kwargs, shape = case
    return f"{name}{kwargs}{'x'.join(map(str, shape))}".replace(" ", "").replace("'", "")


def float32_precision_vs_keras(tf, ours, theirs, x, what):
    """Keras' bilinear resize runs TensorFlow's float32 kernel and casts the result back, so a
    float64 layer agrees with it to float32 precision only; F.resize's float64 exactness is checked
    against TensorFlow's own interpolation weights in tests/test_ops_vs_tf.py."""
    tx = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        ty = theirs(tx)
    g = np.random.default_rng(zlib.crc32(what.encode())).standard_normal(ty.shape)
    mx = mc.Tensor(x, requires_grad=True)
    y = ours(mx)
    assert y.dtype == ty.dtype == np.float64 and y.shape == tuple(ty.shape), f"{y.dtype} {y.shape} vs {ty.dtype}"
    assert_close(y.numpy(), ty.numpy(), np.float32, f"{what} forward")
    (dx,) = mc.grad(y, [mx], output_gradient=g)
    assert_close(mc.to_numpy(dx), tape.gradient(ty, tx, output_gradients=tf.constant(g)).numpy(), np.float32,
                 f"{what} input gradient", scale=3.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", LAYER_CASES, ids=[case_id(c) for c in LAYER_CASES])
def test_reshaping_layer_matches_keras(tf, case, dtype):
    name, kwargs, shape = case
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    ours = getattr(layers, name)(dtype=dtype, **kwargs)
    theirs = getattr(tf.keras.layers, name)(dtype=np.dtype(dtype).name, **kwargs)
    if dtype == np.float64 and str(kwargs.get("interpolation")).lower() == "bilinear":
        float32_precision_vs_keras(tf, ours, theirs, x, case_id(case))
    else:
        layer_vs_keras(tf, ours, theirs, x, dtype, case_id(case))


@pytest.mark.parametrize("layer_dtype", ["float32", "float64"])
@pytest.mark.parametrize("input_dtype", [np.uint8, np.int32])
def test_rescaling_casts_integer_inputs_like_keras(tf, input_dtype, layer_dtype):
    x = (np.arange(24) * 11 % 256).reshape(2, 3, 4, 1).astype(input_dtype)  # 0 .. 253
    expected = tf.keras.layers.Rescaling(1 / 255, offset=-0.5, dtype=layer_dtype)(tf.constant(x)).numpy()
    got = layers.Rescaling(1 / 255, offset=-0.5, dtype=layer_dtype)(x)
    assert got.dtype == expected.dtype == np.dtype(layer_dtype), f"{got.dtype} vs Keras {expected.dtype}"
    assert_close(got.numpy(), expected, np.dtype(layer_dtype).type, f"{input_dtype.__name__} -> {layer_dtype}")


def test_reshaping_layers_in_a_functional_model():
    inputs = mc.Input(shape=(4, 5, 2))
    y = layers.Cropping2D(((1, 0), (0, 2)))(layers.ZeroPadding2D(((0, 1), (1, 0)))(inputs))
    y = layers.RepeatVector(2)(layers.Reshape((-1,))(layers.Permute((2, 1, 3))(y)))
    model = mc.Model(inputs, y)
    x = np.random.default_rng(0).standard_normal((3, 4, 5, 2)).astype(np.float32)
    expected = np.pad(x, [(0, 0), (0, 1), (1, 0), (0, 0)])[:, 1:, :-2].transpose(0, 2, 1, 3).reshape(3, 1, -1)
    assert model(x).shape == (3, 2, 32) and y.shape == (None, 2, 32)
    np.testing.assert_array_equal(model(x).numpy(), np.repeat(expected, 2, axis=1))


BAD_ARGUMENTS = [  # (layer name, keyword arguments, what its ValueError must say)
    ("ZeroPadding2D", dict(padding=-1), r"padding must be a non-negative .* got -1"),
    ("ZeroPadding2D", dict(padding=((1, -1), (0, 0))), r"padding .* got \(\(1, -1\), \(0, 0\)\)"),
    ("ZeroPadding2D", dict(padding=(1, 2, 3)), r"padding .* got \(1, 2, 3\)"),
    ("ZeroPadding2D", dict(padding=1.5), "padding .* got 1.5"),
    ("ZeroPadding1D", dict(padding=(-2, 0)), r"padding .* got \(-2, 0\)"),
    ("Cropping2D", dict(cropping=-1), "cropping must be a non-negative .* got -1"),
    ("Cropping2D", dict(cropping=((0, 0), (1,))), r"cropping .* got \(\(0, 0\), \(1,\)\)"),
    ("Cropping1D", dict(cropping=(1,)), r"cropping .* got \(1,\)"),
    ("Permute", dict(dims=(1, 1)), r"dims must be a permutation .* got \(1, 1\)"),
    ("Permute", dict(dims=(0, 1)), r"dims must be a permutation .* got \(0, 1\)"),
    ("Permute", dict(dims=(1, 3)), r"dims must be a permutation .* got \(1, 3\)"),
    ("Reshape", dict(target_shape=(-1, -1)), r"target_shape .* at most one -1, got \(-1, -1\)"),
    ("Reshape", dict(target_shape=(2, -3)), r"target_shape .* got \(2, -3\)"),
    ("Reshape", dict(target_shape=6), "target_shape .* got 6"),
    ("RepeatVector", dict(n=0), "n must be a positive integer, got 0"),
    ("RepeatVector", dict(n=2.0), "n must be a positive integer, got 2.0"),
    ("UpSampling2D", dict(interpolation="bicubic"), "interpolation='bicubic'"),
    ("UpSampling2D", dict(size=0), "size must be positive, got 0"),
    ("UpSampling2D", dict(data_format="channels_first"), "data_format .* NHWC"),
    ("ZeroPadding2D", dict(data_format="channels_first"), "data_format .* NHWC"),
    ("Cropping2D", dict(data_format="channels_first"), "data_format .* NHWC"),
    ("ZeroPadding1D", dict(data_format="channels_first"), "data_format .* NHWC"),
]


@pytest.mark.parametrize("case", BAD_ARGUMENTS, ids=[case_id((*c[:2], ())) for c in BAD_ARGUMENTS])
def test_bad_arguments_name_the_argument(case):
    name, kwargs, message = case
    with pytest.raises(ValueError, match=message):
        getattr(layers, name)(**kwargs)


INPUTS_KERAS_REFUSES = [  # (layer name, keyword arguments, input shape, what the error must say)
    ("Cropping2D", dict(cropping=((2, 1), (0, 0))), (1, 3, 4, 1), r"cropping=\(\(2, 1\), \(0, 0\)\) .* \(1, 3, 4, 1\)"),
    ("Cropping2D", dict(cropping=(0, 2)), (2, 3, 4, 1), r"cropping=\(\(0, 0\), \(2, 2\)\) .* \(2, 3, 4, 1\)"),
    ("Cropping2D", dict(cropping=((5, 0), (0, 0))), (1, 3, 4, 1), r"cropping=.* \(1, 3, 4, 1\)"),
    ("Cropping1D", dict(cropping=(1, 1)), (1, 2, 3), r"cropping=\(1, 1\) .* \(1, 2, 3\)"),
    ("Reshape", dict(target_shape=(5, -1)), (2, 12), r"\(12,\) .* target_shape=\(5, -1\)"),
    ("Reshape", dict(target_shape=(5, 3)), (2, 12), r"\(12,\) .* target_shape=\(5, 3\)"),
    ("Reshape", dict(target_shape=(0, -1)), (2, 3, 4), r"\(3, 4\) .* target_shape=\(0, -1\)"),
    ("Permute", dict(dims=(2, 1)), (2, 3, 4, 1), r"rank 3 .* \(2, 3, 4, 1\)"),
    ("RepeatVector", dict(n=2), (2, 3, 4), r"rank 2 .* \(2, 3, 4\)"),
    ("ZeroPadding2D", {}, (2, 3, 4), r"rank 4 .* \(2, 3, 4\)"),
    ("UpSampling2D", dict(interpolation="bilinear"), (3, 4, 2), r"rank 4 .* \(3, 4, 2\)"),
]


@pytest.mark.parametrize("case", INPUTS_KERAS_REFUSES, ids=[case_id(c[:3]) for c in INPUTS_KERAS_REFUSES])
def test_impossible_inputs_are_refused_as_keras_refuses_them(tf, case):
    name, kwargs, shape, message = case
    x = np.ones(shape, np.float32)
    with pytest.raises(Exception):
        getattr(tf.keras.layers, name)(**kwargs)(x)
    with pytest.raises(ValueError, match=message):
        getattr(layers, name)(**kwargs)(x)
