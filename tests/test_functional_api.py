"""The Functional API: mc.Input, layers on symbolic tensors, Model(inputs, outputs), merge layers,
shared layers; checked against the same graphs built with tf.keras."""

import numpy as np
import pytest

import minicnn as mc
from helpers import assert_close


def y_network(lib, Input, Model, input_shape=(28, 28, 1), n_filters=32, depth=3, dropout=0.4, classes=10):
    """Seed 000, Listing 5.2: two Conv2D-Dropout-MaxPooling2D branches (the right one with
    dilation_rate=2), concatenated, Flatten, Dropout, Dense softmax. Returns (model, layers in order)."""
    made = []

    def make(layer):
        made.append(layer)
        return layer

    inputs, branches = [], []
    for dilation in (1, 2):
        x = Input(shape=input_shape)
        inputs.append(x)
        filters = n_filters
        for _ in range(depth):
            x = make(lib.Conv2D(filters=filters, kernel_size=3, padding="same", activation="relu",
                                dilation_rate=dilation))(x)
            x = make(lib.Dropout(dropout))(x)
            x = make(lib.MaxPooling2D())(x)
            filters *= 2
        branches.append(x)
    y = make(lib.Concatenate())(branches)
    y = make(lib.Flatten())(y)
    y = make(lib.Dropout(dropout))(y)
    outputs = make(lib.Dense(classes, activation="softmax"))(y)
    return Model(inputs, outputs), made


def test_listing_5_2_y_network_has_keras_parameter_count(tf):
    ours, _ = y_network(mc.layers, mc.Input, mc.Model)
    theirs, _ = y_network(tf.keras.layers, tf.keras.Input, tf.keras.Model)
    assert ours.count_params() == theirs.count_params()
    lines = []
    ours.summary(print_fn=lines.append)
    assert f"Total params: {theirs.count_params():,}" in "\n".join(lines)


def test_layer_and_weight_order_is_keras_order(tf):
    ours, our_layers = y_network(mc.layers, mc.Input, mc.Model, (8, 8, 1), 4, 2)
    theirs, their_layers = y_network(tf.keras.layers, tf.keras.Input, tf.keras.Model, (8, 8, 1), 4, 2)
    assert [our_layers.index(l) for l in ours.layers] == [their_layers.index(l) for l in theirs.layers
                                                          if l in their_layers]
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]


def test_y_network_matches_keras_forward_and_gradients(tf, rng):
    dtype = np.float32
    ours, our_layers = y_network(mc.layers, mc.Input, mc.Model, (8, 8, 1), 4, 2)
    theirs, their_layers = y_network(tf.keras.layers, tf.keras.Input, tf.keras.Model, (8, 8, 1), 4, 2)
    ours.set_weights(theirs.get_weights())  # by position: the layer order is Keras' order
    a, b = rng.standard_normal((3, 8, 8, 1)).astype(dtype), rng.standard_normal((3, 8, 8, 1)).astype(dtype)
    g = rng.standard_normal((3, 10)).astype(dtype)
    ta, tb = tf.constant(a), tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch([ta, tb])
        ty = theirs([ta, tb], training=False)
    expected = tape.gradient(ty, [ta, tb], output_gradients=tf.constant(g))
    ma, mb = mc.Tensor(a, requires_grad=True), mc.Tensor(b, requires_grad=True)
    my = ours([ma, mb])
    got = mc.grad(my, [ma, mb], output_gradient=g)
    assert_close(my.numpy(), ty.numpy(), dtype, "forward")
    for k in range(2):
        assert_close(got[k], expected[k].numpy(), dtype, f"gradient of input {k}")


def test_shared_layer_used_twice_counts_once_and_sums_gradients(tf, rng):
    shared = mc.layers.Dense(3)
    left, right = mc.Input((4,)), mc.Input((4,))
    model = mc.Model([left, right], mc.layers.add([shared(left), shared(right)]))
    assert model.count_params() == 4 * 3 + 3 and len(model.layers) == 2
    keras_shared = tf.keras.layers.Dense(3)
    kl, kr = tf.keras.Input((4,)), tf.keras.Input((4,))
    keras_model = tf.keras.Model([kl, kr], tf.keras.layers.add([keras_shared(kl), keras_shared(kr)]))
    shared.set_weights([w.numpy() for w in keras_shared.weights])
    a, b = rng.standard_normal((2, 4)).astype(np.float32), rng.standard_normal((2, 4)).astype(np.float32)
    with tf.GradientTape() as tape:
        ty = keras_model([tf.constant(a), tf.constant(b)])
    expected = tape.gradient(ty, keras_shared.trainable_weights)
    y = model([a, b])
    got = mc.grad(y.sum(), model.trainable_weights)
    assert_close(y.numpy(), ty.numpy(), np.float32, "forward")
    for g, e in zip(got, expected):
        assert_close(g, e.numpy(), np.float32, "shared weight gradient")


@pytest.mark.parametrize("merge, reference", [
    ("add", lambda a, b: a + b), ("subtract", lambda a, b: a - b), ("multiply", lambda a, b: a * b),
    ("average", lambda a, b: (a + b) / 2), ("concatenate", lambda a, b: np.concatenate([a, b], axis=-1)),
])
def test_merge_functions(merge, reference, rng):
    a_in, b_in = mc.Input((3, 2)), mc.Input((3, 2))
    model = mc.Model([a_in, b_in], getattr(mc.layers, merge)([a_in, b_in]))
    a, b = rng.standard_normal((2, 3, 2)).astype(np.float32), rng.standard_normal((2, 3, 2)).astype(np.float32)
    np.testing.assert_allclose(model([a, b]).numpy(), reference(a, b), rtol=1e-6)


MERGE_LAYERS = [("Add", {}), ("Subtract", {}), ("Multiply", {}), ("Average", {}), ("Concatenate", {}),
                ("Concatenate", dict(axis=1))]


@pytest.mark.parametrize("name, kwargs", MERGE_LAYERS, ids=lambda v: v if isinstance(v, str) else str(v))
def test_merge_layers_match_keras(tf, name, kwargs, rng):
    """Forward and the gradient of every input (random upstream gradient) against the Keras layer."""
    count = 2 if name == "Subtract" else 3
    arrays = [rng.standard_normal((2, 3, 2)).astype(np.float32) for _ in range(count)]
    constants = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(constants)
        expected = getattr(tf.keras.layers, name)(**kwargs)(constants)
    g = rng.standard_normal(expected.shape).astype(np.float32)
    expected_grads = tape.gradient(expected, constants, output_gradients=tf.constant(g))
    tensors = [mc.Tensor(a, requires_grad=True) for a in arrays]
    y = getattr(mc.layers, name)(**kwargs)(tensors)
    assert_close(y.numpy(), expected.numpy(), np.float32, f"{name} forward")
    for k, (got, want) in enumerate(zip(mc.grad(y, tensors, output_gradient=g), expected_grads)):
        assert_close(got, want.numpy(), np.float32, f"{name} gradient of input {k}")


def test_several_outputs_and_a_diamond(rng):
    x_in = mc.Input((5,))
    hidden = mc.layers.Dense(4, activation="relu")(x_in)
    first, second = mc.layers.Dense(2)(hidden), mc.layers.Dense(3)(hidden)
    model = mc.Model(x_in, [first, second])
    outputs = model(rng.standard_normal((6, 5)).astype(np.float32))
    assert isinstance(outputs, list) and [o.shape for o in outputs] == [(6, 2), (6, 3)]
    assert len(model.layers) == 3


def test_two_input_model_trains_with_fit_on_digits():
    mc.set_seed(0)
    (x_train, y_train), (x_test, y_test) = mc.data.load_digits()
    model, _ = y_network(mc.layers, mc.Input, mc.Model, (8, 8, 1), 8, 2, dropout=0.2)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit([x_train, x_train], y_train, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate([x_test, x_test], y_test)["accuracy"] > 0.8
    assert model.predict([x_test, x_test]).shape == (len(x_test), 10)


def test_functional_errors(rng):
    a_in, b_in = mc.Input((4,)), mc.Input((4,))
    with pytest.raises(ValueError, match="not connected"):
        mc.Model([a_in, b_in], mc.layers.Dense(2)(a_in))
    model = mc.Model([a_in, b_in], mc.layers.add([a_in, b_in]))
    with pytest.raises(ValueError, match="expected 2 inputs, got 1"):
        model(np.zeros((1, 4), np.float32))
    with pytest.raises(ValueError, match=r"input 1 has shape \(1, 5\)"):
        model([np.zeros((1, 4), np.float32), np.zeros((1, 5), np.float32)])
    with pytest.raises(ValueError, match="positive integers"):
        mc.Input((0, 3))
    with pytest.raises(ValueError, match="give both inputs and outputs"):
        mc.Model(inputs=a_in)
    with pytest.raises(ValueError, match="at least 2 tensors"):
        mc.layers.Add()(a_in)


def test_two_output_model_trains_on_the_sum_of_losses_like_keras(tf, rng):
    def build(lib, Input, Model):
        x_in = Input((6,))
        hidden = lib.Dense(5, activation="tanh")(x_in)
        return Model(x_in, [lib.Dense(3)(hidden), lib.Dense(2)(hidden)])

    ours, theirs = build(mc.layers, mc.Input, mc.Model), build(tf.keras.layers, tf.keras.Input, tf.keras.Model)
    ours.set_weights(theirs.get_weights())
    x = rng.standard_normal((8, 6)).astype(np.float32)
    y = [rng.standard_normal((8, 3)).astype(np.float32), rng.standard_normal((8, 2)).astype(np.float32)]
    theirs.compile(tf.keras.optimizers.SGD(0.1), "mse")
    ours.compile(mc.optimizers.SGD(0.1), "mse")
    keras_history = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    history = ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"], keras_history.history["loss"], rtol=1e-5)
    predictions = ours.predict(x)
    assert [p.shape for p in predictions] == [(8, 3), (8, 2)]
