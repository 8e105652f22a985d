"""Conv layers against tf.keras: weight shapes, parameter counts, forward and gradients with the same weights."""

import numpy as np
import pytest

import minicnn as mc
from minicnn import layers
from helpers import assert_close

CONFIGS = [  # (layer name, positional args, keyword args, input shape)
    ("Conv2D", (16, 3), {}, (2, 7, 7, 6)),
    ("Conv2D", (4, (2, 3)), dict(strides=(2, 1), padding="same", activation="relu"), (1, 6, 5, 3)),
    ("Conv2D", (3, 3), dict(dilation_rate=2, use_bias=False), (2, 8, 7, 2)),
    ("Conv2D", (5, 1), dict(strides=3, padding="same"), (2, 7, 8, 4)),
    ("Conv2DTranspose", (4, 3), {}, (2, 4, 5, 6)),
    ("Conv2DTranspose", (3, 3), dict(strides=2, padding="same"), (1, 3, 4, 2)),
    ("Conv2DTranspose", (2, 3), dict(strides=2, padding="valid", output_padding=1), (2, 3, 3, 3)),
    ("Conv2DTranspose", (2, (3, 2)), dict(strides=(3, 2), padding="same", activation="tanh"), (1, 3, 2, 2)),
    # kernel smaller than the stride, no output_padding: Keras gives 12x12 from 4x4 (k=2, s=3)
    ("Conv2DTranspose", (3, 2), dict(strides=3, padding="valid"), (1, 4, 4, 2)),
    ("Conv2DTranspose", (2, (1, 2)), dict(strides=(2, 3), padding="valid"), (2, 3, 2, 3)),
    ("Conv2DTranspose", (2, 2), dict(strides=3, padding="same"), (1, 3, 4, 2)),
    ("DepthwiseConv2D", (3,), dict(depth_multiplier=2), (2, 6, 6, 3)),
    ("DepthwiseConv2D", ((3, 2),), dict(strides=2, padding="same"), (1, 7, 6, 4)),
    ("SeparableConv2D", (4, 3), dict(use_bias=False), (2, 6, 6, 3)),
    ("SeparableConv2D", (5, 3), dict(strides=2, padding="same", depth_multiplier=2), (1, 7, 7, 2)),
]


def config_id(config):
    name, args, kwargs, shape = config
    return f"{name}{args}{kwargs}{shape}".replace(" ", "")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", CONFIGS, ids=[config_id(c) for c in CONFIGS])
def test_conv_layer_matches_keras(tf, config, dtype, rng):
    name, args, kwargs, shape = config
    keras_layer = getattr(tf.keras.layers, name)(*args, dtype=np.dtype(dtype).name, **kwargs)
    ours = getattr(layers, name)(*args, dtype=dtype, **kwargs)
    x = rng.standard_normal(shape).astype(dtype)
    tx = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        ty = keras_layer(tx)
    mx = mc.Tensor(x, requires_grad=True)
    ours(mx)  # builds the weights
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in keras_layer.weights]
    assert ours.count_params() == keras_layer.count_params()
    keras_values = [w.numpy() for w in keras_layer.weights]
    keras_values = [v + rng.standard_normal(v.shape).astype(dtype) * 0.1 for v in keras_values]  # nonzero biases
    keras_layer.set_weights(keras_values)
    ours.set_weights(keras_values)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        ty = keras_layer(tx)
    g = rng.standard_normal(ty.shape).astype(dtype)
    expected = tape.gradient(ty, [tx] + keras_layer.trainable_weights, output_gradients=tf.constant(g))
    my = ours(mx)
    got = mc.grad(my, [mx] + ours.trainable_weights, output_gradient=g)
    assert my.shape == tuple(ty.shape)
    assert_close(my.numpy(), ty.numpy(), dtype, "forward")
    for k, (a, b) in enumerate(zip(got, expected)):
        assert_close(a, b.numpy(), dtype, f"gradient {k}")


@pytest.mark.parametrize("layer, channels, params", [
    (lambda: layers.Conv2D(16, 3), 6, 880),
    (lambda: layers.Conv2DTranspose(4, 3), 6, 220),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2), 5, 3 * 3 * 5 * 2 + 5 * 2),
    (lambda: layers.SeparableConv2D(4, 3, use_bias=False), 3, 39),
    (lambda: layers.Conv2D(4, 3, use_bias=False), 3, 108),
])
def test_parameter_counts_from_the_reference_sheet(layer, channels, params):
    built = layer()
    built(np.zeros((1, 7, 7, channels), np.float32))
    assert built.count_params() == params


def test_conv_layer_method_argument_picks_the_form(rng):
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float64)
    outputs = []
    for method in ("naive", "im2col", "sparse"):
        layer = layers.Conv2D(4, 3, padding="same", dtype=np.float64, method=method,
                              kernel_initializer=mc.initializers.glorot_uniform(seed=5))
        outputs.append(layer(x).numpy())
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(outputs[2], outputs[1], rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="method must be one of"):
        layers.Conv2D(4, 3, method="fft")


def test_conv_layer_rejects_bad_input():
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        layers.Conv2D(4, 3, padding="full")
    with pytest.raises(ValueError, match="NHWC"):
        layers.Conv2D(4, 3)(np.zeros((7, 7, 3), np.float32))
    with pytest.raises(ValueError, match="kernel_size"):
        layers.Conv2D(4, 0)


def test_a_channels_first_batch_fed_as_nhwc_is_called_out():
    """Seed 004 feeds (N, 3, 224, 224) images as NHWC: a first conv with 224 input channels. minicnn
    builds it (as Keras) but warns, naming the layout."""
    with pytest.warns(UserWarning, match=r"looks channels-first \(NCHW"):
        layers.Conv2D(8, 7, padding="same")(np.zeros((1, 3, 32, 32), np.float32))
