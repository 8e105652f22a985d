"""Layers and models: Keras parameter counts, Dense against keras.layers.Dense, weight tracking."""

import numpy as np
import pytest

import minicnn as mc
from minicnn import layers
from helpers import assert_close


def mlp(hidden=(256, 256, 256), inputs=784, classes=10):
    return mc.Sequential([layers.Flatten(input_shape=(inputs,))] +
                         [layers.Dense(h, activation="relu") for h in hidden] + [layers.Dense(classes)])


def test_dense_parameter_count_matches_keras_sheet():
    dense = layers.Dense(256)
    dense(np.zeros((1, 784), np.float32))
    assert dense.count_params() == 200_960


def test_seed_001_mlp_has_335114_parameters():
    model = mlp()
    assert model.count_params() == 335_114
    assert len(model.trainable_weights) == 8 and model.non_trainable_weights == []


def test_summary_prints_keras_counts():
    lines = []
    mlp().summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "(None, 256)" in text and "200,960" in text and "Total params: 335,114" in text


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_matches_keras_forward_and_gradients(tf, activation, dtype, rng):
    x = rng.standard_normal((5, 7)).astype(dtype)
    g = rng.standard_normal((5, 4)).astype(dtype)
    keras_dense = tf.keras.layers.Dense(4, activation=activation, dtype=np.dtype(dtype).name)
    keras_dense.build((None, 7))
    ours = layers.Dense(4, activation=activation, dtype=dtype)
    ours(x)
    ours.set_weights([w.numpy() for w in keras_dense.weights])

    tx = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        ty = keras_dense(tx)
    expected = tape.gradient(ty, [tx] + keras_dense.trainable_weights, output_gradients=tf.constant(g))

    mx = mc.Tensor(x, requires_grad=True)
    my = ours(mx)
    got = mc.grad(my, [mx] + ours.trainable_weights, output_gradient=g)
    assert_close(my.numpy(), ty.numpy(), dtype, "forward")
    for name, a, b in zip(["x", "kernel", "bias"], got, expected):
        assert_close(a, b.numpy(), dtype, f"d{name}")


def test_dense_on_rank_3_input_acts_on_the_last_axis(rng):
    dense = layers.Dense(3)
    x = rng.standard_normal((2, 5, 4)).astype(np.float32)
    y = dense(x)
    kernel, bias = dense.get_weights()
    np.testing.assert_allclose(y.numpy(), x @ kernel + bias, rtol=1e-6)


def test_default_initializers_are_glorot_uniform_and_zeros():
    dense = layers.Dense(300)
    dense(np.zeros((1, 200), np.float32))
    kernel, bias = dense.get_weights()
    limit = np.sqrt(6 / (200 + 300))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.95 * limit
    assert np.all(bias == 0) and kernel.dtype == np.float32


def test_subclassed_model_tracks_nested_layers_and_freezing():
    class Block(mc.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = [layers.Dense(3), layers.Dense(2)]

        def call(self, x):
            return self.inner[1](self.inner[0](x))

    class Net(mc.Model):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = layers.Dense(1)

        def call(self, x, training=None):
            return self.head(self.block(x))

    net = Net()
    net(np.zeros((1, 4), np.float32))
    assert net.count_params() == (4 * 3 + 3) + (3 * 2 + 2) + (2 + 1)
    net.block.trainable = False
    assert len(net.trainable_weights) == 2 and len(net.non_trainable_weights) == 4


def test_layer_names_are_unique_like_keras():
    a, b = layers.Dense(1), layers.Dense(1)
    assert a.name != b.name and a.name.startswith("dense") and b.name.startswith("dense")


def test_dropout_layer_is_identity_unless_training(rng):
    drop = layers.Dropout(0.5, seed=3)
    x = rng.standard_normal((100, 10)).astype(np.float32)
    np.testing.assert_array_equal(drop(x).numpy(), x)
    np.testing.assert_array_equal(drop(x, training=False).numpy(), x)
    y1, y2 = drop(x, training=True).numpy(), drop(x, training=True).numpy()
    assert not np.array_equal(y1, y2), "a seeded layer must draw a fresh mask each call"
    kept = y1 != 0
    np.testing.assert_allclose(y1[kept], 2 * x[kept], rtol=1e-6)


def test_set_weights_checks_shapes():
    dense = layers.Dense(2)
    dense(np.zeros((1, 3), np.float32))
    with pytest.raises(ValueError, match=r"kernel has shape \(3, 2\)"):
        dense.set_weights([np.zeros((2, 2)), np.zeros(2)])


def test_float_inputs_are_cast_to_the_layer_dtype_like_keras(rng):
    dense = layers.Dense(3)
    x = rng.standard_normal((2, 4))  # float64
    y = dense(x)
    assert y.dtype == np.float32
    kernel, bias = dense.get_weights()
    np.testing.assert_allclose(y.numpy(), x.astype(np.float32) @ kernel + bias, rtol=1e-6)
    t = mc.Tensor(x, requires_grad=True)
    dense(t).sum().backward()
    assert t.grad.dtype == np.float64  # the gradient comes back through the cast in the input's dtype


def test_l2_kernel_regularizer_adds_keras_penalty(tf, rng):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    ours = mc.Sequential([layers.Dense(2, kernel_regularizer=mc.regularizers.l2(1e-2), input_shape=(3,))])
    keras_model = tf.keras.Sequential([tf.keras.Input((3,)),
                                       tf.keras.layers.Dense(2, kernel_regularizer=tf.keras.regularizers.l2(1e-2))])
    ours.set_weights(keras_model.get_weights())
    keras_model(x)
    assert len(ours.losses) == 1
    np.testing.assert_allclose(ours.losses[0].numpy(), float(sum(keras_model.losses)), rtol=1e-6)
    for model in (ours, keras_model):
        model.compile(optimizer="sgd", loss="mse")
    y = rng.standard_normal((4, 2)).astype(np.float32)
    keras_model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    ours.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(ours.get_weights(), keras_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_sequential_accepts_an_input_first_like_keras():
    model = mc.Sequential([mc.Input((5,)), layers.Dense(3)])
    assert model.built and model.count_params() == 18
