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
    def order(model, made, inputs):
        return [f"input {[t.node.layer if hasattr(t, 'node') else t._keras_history[0] for t in inputs].index(l)}"
                if type(l).__name__ == "InputLayer" else made.index(l) for l in model.layers]

    assert order(ours, our_layers, ours.inputs) == order(theirs, their_layers, theirs.inputs)
    assert type(ours.layers[0]).__name__ == "InputLayer"  # Keras 3 lists the InputLayers first
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
    assert model.count_params() == 4 * 3 + 3 and len(model.layers) == 4  # 2 InputLayers, Dense, Add (Keras 3)
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
    assert len(model.layers) == 4  # the InputLayer and three Dense layers


def test_two_input_model_trains_with_fit_on_digits():
    mc.set_seed(0)
    (x_train, y_train), (x_test, y_test) = mc.data.load_digits()
    model, _ = y_network(mc.layers, mc.Input, mc.Model, (8, 8, 1), 8, 2, dropout=0.2)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit([x_train, x_train], y_train, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate([x_test, x_test], y_test, return_dict=True)["accuracy"] > 0.8
    assert model.predict([x_test, x_test]).shape == (len(x_test), 10)


def test_functional_errors(rng):
    a_in, b_in = mc.Input((4,)), mc.Input((4,))
    with pytest.raises(ValueError, match="not connected"):
        mc.Model([a_in, b_in], mc.layers.Dense(2)(a_in))
    model = mc.Model([a_in, b_in], mc.layers.add([a_in, b_in]))
    with pytest.raises(ValueError, match="expected 2 inputs .*, got 1"):
        model(np.zeros((1, 4), np.float32))
    with pytest.raises(ValueError, match=r"input 1 \(input_layer\w*\) has shape \(1, 5\)"):
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


def summary_text(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines).strip()


def named_y_net(lib):
    a, b = lib.Input((8, 8, 1), name="left"), lib.Input((8, 8, 1), name="right")
    x = lib.layers.Conv2D(4, 3, padding="same", name="conv_a")(a)
    y = lib.layers.Conv2D(4, 3, padding="same", name="conv_b")(b)
    z = lib.layers.Flatten(name="flat")(lib.layers.Concatenate(name="merge")([x, y]))
    z = lib.layers.BatchNormalization(name="bn")(z)
    return lib.Model([a, b], lib.layers.Dense(10, name="out")(z), name="ynet")


def named_lenet(lib):
    return lib.Sequential([lib.Input((28, 28, 1)), lib.layers.Conv2D(6, 5, name="c1"),
                           lib.layers.MaxPooling2D(name="p1"), lib.layers.Flatten(name="f"),
                           lib.layers.Dense(10, name="d")], name="lenet")


@pytest.mark.parametrize("build", [named_y_net, named_lenet], ids=["functional", "sequential"])
def test_summary_is_laid_out_as_keras_3_prints_it(tf, build):
    """The same table character for character: InputLayer rows and "Connected to" for a functional
    model, wrapped cells, an ellipsis for a word wider than its column, totals with sizes."""
    assert summary_text(build(mc)) == summary_text(build(tf.keras))


def test_summary_of_a_subclassed_model_after_build():
    def build(lib):
        class Net(lib.Model):
            def __init__(self):
                super().__init__(name="net")
                self.hidden = lib.layers.Dense(8, name="hidden")
                self.out = lib.layers.Dense(2, name="out")

            def call(self, x):
                return self.out(self.hidden(x))
        model = Net()
        model.build((None, 5))
        return model

    ours = build(mc)
    # tf.keras 2 (the source material's) built the layers here; Keras 3 only warns that they stay
    # unbuilt. minicnn builds them, so build() then summary() shows the counts.
    assert ours.count_params() == 5 * 8 + 8 + 8 * 2 + 2
    assert "Total params: 66 (264.00 B)" in summary_text(ours)
    assert "hidden (Dense)" in summary_text(ours) and "(None, 8)" in summary_text(ours)


@pytest.mark.parametrize("name", ["sum_and_scale", "slice", "functional_relu", "matmul_and_negative"])
def test_arithmetic_slicing_and_functions_on_symbolic_tensors(tf, rng, name):
    """x + y, x * 2, x[:, 0] and F.relu(x) on symbolic tensors are recorded in the graph, as Keras
    records ops on its symbolic tensors."""
    import keras

    graphs = {
        "sum_and_scale": (lambda x, y: (x + y) * 2.0 - 1.0 / (y * y + 1.0), lambda x, y: (x + y) * 2.0 - 1.0 / (y * y + 1.0)),
        "slice": (lambda x, y: x[:, 0:2] + y[:, 1:3], lambda x, y: x[:, 0:2] + y[:, 1:3]),
        "functional_relu": (lambda x, y: mc.functional.relu(x) * mc.functional.sigmoid(y),
                            lambda x, y: keras.ops.relu(x) * keras.ops.sigmoid(y)),
        "matmul_and_negative": (lambda x, y: -(x @ np.ones((4, 3), np.float32)) * y[:, :3],
                                lambda x, y: -(x @ np.ones((4, 3), np.float32)) * y[:, :3]),
    }
    ours_fn, theirs_fn = graphs[name]
    arrays = [rng.standard_normal((3, 4)).astype(np.float32) for _ in range(2)]
    outputs = []
    for lib, fn in ((mc, ours_fn), (tf.keras, theirs_fn)):
        x, y = lib.Input((4,)), lib.Input((4,))
        hidden = lib.layers.Dense(4, kernel_initializer="ones", bias_initializer="zeros")
        model = lib.Model([x, y], fn(hidden(x), y))
        outputs.append(np.asarray(model([a for a in arrays])))
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-5, atol=1e-6)


def test_lambda_layer_matches_keras(tf, rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    results = []
    for lib in (mc, tf.keras):
        inputs = lib.Input((4,))
        square = lib.layers.Lambda(lambda t, power: t ** power, arguments={"power": 2.0})
        model = lib.Model(inputs, lib.layers.Dense(2, kernel_initializer="ones")(square(inputs)))
        results.append(np.asarray(model(x)))
        assert model.count_params() == 10
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)
    with pytest.raises(TypeError, match="callable"):
        mc.layers.Lambda("x ** 2")


def test_input_layer_and_layer_input_output_like_keras(tf, rng):
    """Keras 3: mc.layers.Input / InputLayer, model.inputs / outputs, layer.input / output, and a
    feature extractor Model(model.input, model.get_layer(name).output) on Sequential and functional."""
    x = rng.standard_normal((2, 28, 28, 1)).astype(np.float32)
    features, keras_weights = [], None
    for lib in (tf.keras, mc):
        model = named_lenet(lib)
        if lib is mc:
            model.set_weights(keras_weights)
        keras_weights = model.get_weights()
        extractor = lib.Model(model.inputs, model.get_layer("p1").output)
        features.append(np.asarray(extractor(x)))
        assert tuple(model.layers[0].output.shape) == (None, 24, 24, 6)
        assert tuple(model.inputs[0].shape) == (None, 28, 28, 1)
    assert features[0].shape == features[1].shape == (2, 12, 12, 6)
    np.testing.assert_allclose(features[1], features[0], rtol=1e-5, atol=1e-6)
    layer = mc.layers.InputLayer(shape=(3,), name="features")
    assert layer.output.shape == (None, 3) and layer.input is layer.output and layer.count_params() == 0
    with pytest.raises(ValueError, match=r"tuple of sizes such as \(64,\)"):
        mc.Input(shape=64)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_summary_after_fit_counts_the_optimizer_as_keras_3(tf, optimizer):
    x, y = np.zeros((4, 28, 28, 1), np.float32), np.zeros(4, int)
    texts = []
    for lib in (tf.keras, mc):
        model = named_lenet(lib)
        model.compile(optimizer, lib.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x, y, verbose=0)
        texts.append(summary_text(model))
    assert texts[1] == texts[0]
    assert "Optimizer params" in texts[1]


def test_a_functional_model_lets_go_of_each_activation_after_its_last_reader():
    """Inference keeps only the activations still to be read: a value read by one layer is gone
    when the next one runs; a value a skip connection reads later is still there."""
    import weakref

    outputs, alive_at = {}, {}

    class Probe(mc.layers.Layer):
        def call(self, x):
            alive_at[self.name] = {name: ref() is not None for name, ref in outputs.items()}
            y = x * 2.0
            outputs[self.name] = weakref.ref(y)
            return y

    x = mc.Input(shape=(3,))
    a = Probe(name="a")(x)
    b = Probe(name="b")(a)
    c = Probe(name="c")(b)
    chain = mc.Model(x, c)
    skip = mc.Model(x, mc.layers.Add()([a, Probe(name="d")(b)]))
    with mc.no_grad():
        outputs.clear()
        chain(np.ones((2, 3), np.float32))
        assert alive_at["c"] == {"a": False, "b": True}
        outputs.clear()
        skip(np.ones((2, 3), np.float32))
        assert alive_at["d"] == {"a": True, "b": True}  # a waits for the Add
