"""Round two of side-by-side checks against tf.keras / TensorFlow (issue 14): freezing, shared
penalties, crossentropy on softmax and sigmoid outputs, weight order of shared layers and custom
layers, reported losses with penalties, metric functions per sample."""

import warnings

import numpy as np
import pytest

import minicnn as mc


def twins(tf, build):
    theirs, ours = build(tf.keras), build(mc)
    ours.set_weights(theirs.get_weights())
    return theirs, ours


def fit_both(tf, theirs, ours, x, y, loss, epochs=2, **fit):
    histories = []
    for lib, model in ((tf.keras, theirs), (mc, ours)):
        model.compile(lib.optimizers.SGD(0.05), loss(lib) if callable(loss) else loss)
        histories.append(model.fit(x, y, batch_size=4, epochs=epochs, shuffle=False, verbose=0, **fit).history)
    return histories


def assert_same_weights(theirs, ours, rtol=1e-4, atol=1e-5):
    assert len(ours.weights) == len(theirs.weights)
    for k, (a, b) in enumerate(zip(ours.get_weights(), theirs.get_weights())):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"weight {k} ({theirs.weights[k].path})")


def test_freezing_a_base_model_freezes_its_batch_norm(tf, rng):
    """Item 1: trainable=False on a sub-model reaches its layers; its BN normalises with the moving
    statistics and leaves them alone during fit, even when called without training=False."""

    def build(lib):
        base = lib.Sequential([lib.Input((6,)), lib.layers.Dense(5), lib.layers.BatchNormalization(momentum=0.5)])
        base.trainable = False
        inputs = lib.Input((6,))
        return lib.Model(inputs, lib.layers.Dense(3)(base(inputs)))

    x, y = rng.standard_normal((12, 6)).astype(np.float32) * 2 + 1, rng.integers(0, 3, 12)
    theirs, ours = twins(tf, build)
    frozen = [w.copy() for w in ours.layers[1].get_weights()]
    fit_both(tf, theirs, ours, x, y, lambda lib: lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert_same_weights(theirs, ours)
    for a, b in zip(frozen, ours.layers[1].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not ours.layers[1].layers[1].trainable and len(ours.trainable_weights) == 2


def test_a_shared_regularised_layer_is_penalised_once(tf, rng):
    """Item 2: one regularised layer used by two sub-models adds its penalty once, as Keras."""

    def build(lib):
        shared = lib.layers.Dense(4, kernel_regularizer=lib.regularizers.l2(0.1))
        first = lib.Sequential([lib.Input((3,)), shared])
        second = lib.Sequential([lib.Input((3,)), shared, lib.layers.Dense(2)])
        inputs = lib.Input((3,))
        return lib.Model(inputs, lib.layers.Concatenate()([first(inputs), second(inputs)]))

    theirs, ours = twins(tf, build)
    assert len(ours.losses) == len(theirs.losses) == 1
    np.testing.assert_allclose(float(ours.losses[0]), float(theirs.losses[0]), rtol=1e-5)
    x, y = rng.standard_normal((8, 3)).astype(np.float32), rng.standard_normal((8, 6)).astype(np.float32)
    keras_history, history = fit_both(tf, theirs, ours, x, y, "mse")
    np.testing.assert_allclose(history["loss"], keras_history["loss"], rtol=1e-5)


@pytest.mark.parametrize("case", ["sparse", "categorical", "sparse-from-logits", "binary", "binary-focal"])
def test_crossentropy_on_a_softmax_or_sigmoid_output_uses_its_logits(tf, case):
    """Item 3: a saturated softmax (sigmoid) still trains, because Keras computes the crossentropy from
    the logits behind it; with from_logits=True on such an output Keras warns and uses them once."""
    units, activation = (1, "sigmoid") if case.startswith("binary") else (3, "softmax")
    losses = {
        "sparse": lambda lib: lib.losses.SparseCategoricalCrossentropy(),
        "categorical": lambda lib: lib.losses.CategoricalCrossentropy(),
        "sparse-from-logits": lambda lib: lib.losses.SparseCategoricalCrossentropy(from_logits=True),
        "binary": lambda lib: lib.losses.BinaryCrossentropy(),
        "binary-focal": lambda lib: lib.losses.BinaryFocalCrossentropy(),
    }
    x = np.array([[4.0, -4.0], [-3.0, 3.5], [2.0, 1.0], [-4.5, 0.5]], np.float32)
    kernel = 10 * np.array([[1.0, 0.0, -1.0], [0.0, 1.0, -1.0]], np.float32)[:, :units]
    logits = x @ kernel
    # every sample confidently wrong: its label is the class with the lowest logit (the other side)
    y = logits.argmin(axis=1) if units == 3 else (logits < 0).astype(np.float32)
    if case == "categorical":
        y = np.eye(3, dtype=np.float32)[y]

    def build(lib):
        return lib.Sequential([lib.Input((2,)), lib.layers.Dense(units, activation=activation)])

    theirs, ours = build(tf.keras), build(mc)
    for model in (theirs, ours):
        model.set_weights([kernel, np.zeros(units, np.float32)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keras_history, history = fit_both(tf, theirs, ours, x, y, losses[case], epochs=1)
    np.testing.assert_allclose(history["loss"], keras_history["loss"], rtol=1e-5)
    if case != "binary-focal":  # clipped probabilities would cap each sample's loss at -log(1e-7) = 16.1
        assert keras_history["loss"][0] > 17, keras_history
    assert_same_weights(theirs, ours)
    if case == "sparse-from-logits":
        assert any("from_logits=True, but y_pred is the output of a softmax" in str(w.message) for w in caught)


def test_shared_layer_at_two_depths_orders_weights_as_keras(tf, rng):
    """Item 6: a layer shared at two depths takes its deepest position in Keras' layer order, so
    weights copied by position land on the same layers."""

    def build(lib):
        shared = lib.layers.Dense(4, activation="tanh", name="shared")
        inputs = lib.Input((4,), name="x")
        early = lib.layers.Dense(4, name="early")(inputs)
        late = lib.layers.Dense(4, name="late")(shared(early))
        return lib.Model(inputs, lib.layers.Add(name="sum")([shared(late), lib.layers.Dense(4, name="side")(inputs)]))

    theirs, ours = build(tf.keras), build(mc)
    assert [l.name for l in ours.layers] == [l.name for l in theirs.layers]
    weights = [rng.standard_normal(np.shape(w)).astype(np.float32) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_custom_layer_lists_trainable_weights_before_non_trainable(tf):
    """Item 7: Keras lists a layer's trainable weights first, whatever order they were created in."""

    def build(lib):
        class Scale(lib.layers.Layer):
            def build(self, input_shape):
                self.count = self.add_weight(shape=(1,), initializer="zeros", trainable=False, name="count")
                self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

            def call(self, x):
                return x * self.scale

        layer = Scale()
        layer(np.zeros((1, 3), np.float32))
        return layer

    theirs, ours = build(tf.keras), build(mc)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights] == [(3,), (1,)]
    assert [w.name.split("/")[-1] for w in ours.weights] == ["scale", "count"]


def test_index_based_freezing_acts_on_the_same_layer_as_keras(tf):
    """Item 9: model.layers starts with the InputLayer in both, so layers[1] is the first Dense."""

    def build(lib):
        inputs = lib.Input((3,))
        return lib.Model(inputs, lib.layers.Dense(2)(lib.layers.Dense(4)(inputs)))

    theirs, ours = build(tf.keras), build(mc)
    theirs.layers[1].trainable = False
    ours.layers[1].trainable = False
    assert [tuple(w.shape) for w in theirs.trainable_weights] == [w.shape for w in ours.trainable_weights] == \
        [(4, 2), (2,)]


def test_reported_losses_include_the_penalties_of_trainable_weights_only(tf, rng):
    """Items 11 and 12: evaluate() and val_loss include weight penalties; a frozen layer's penalty
    is left out, as Keras counts trainable weights only."""

    def build(lib):
        return lib.Sequential([lib.Input((4,)), lib.layers.Dense(5, kernel_regularizer=lib.regularizers.l2(0.5)),
                               lib.layers.Dense(2, kernel_regularizer=lib.regularizers.l2(0.5))])

    x, y = rng.standard_normal((8, 4)).astype(np.float32), rng.standard_normal((8, 2)).astype(np.float32)
    theirs, ours = twins(tf, build)
    keras_history, history = fit_both(tf, theirs, ours, x, y, "mse", validation_data=(x, y))
    for name in ("loss", "val_loss"):
        np.testing.assert_allclose(history[name], keras_history[name], rtol=1e-5, err_msg=name)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=1e-5)
    for lib, model in ((tf.keras, theirs), (mc, ours)):
        model.layers[0].trainable = False
        model.compile(lib.optimizers.SGD(0.05), "mse")  # Keras applies a trainable change at compile
    assert len(ours.losses) == len(theirs.losses) == 1
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=1e-5)


def test_a_metric_function_of_one_value_per_sample_is_averaged(tf, rng):
    """Item 13: compile(metrics=[fn]) with fn returning per-sample values logs their mean."""
    import keras

    x, y = rng.standard_normal((10, 4)).astype(np.float32), rng.standard_normal((10, 2)).astype(np.float32)
    results = []
    for lib, fn in ((tf.keras, lambda t, p: keras.ops.max(keras.ops.abs(t - p), axis=-1)),
                    (mc, lambda t, p: np.abs(np.asarray(t) - np.asarray(p)).max(axis=-1))):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(2, kernel_initializer="ones")])
        model.compile("sgd", "mse", metrics=[fn])
        history = model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0).history
        results.append([v for k, v in history.items() if k != "loss"][0])
    assert np.ndim(results[1]) == 1
    np.testing.assert_allclose(results[1], results[0], rtol=1e-5)
