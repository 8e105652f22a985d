"""Typical Keras 3 code, mostly the source material's listings, run twice: with ``keras`` bound to
tf.keras and to minicnn (``import minicnn as keras`` is the only change). Each snippet builds its
model, the harness gives minicnn Keras' initial weights, both train on the same small random data,
and everything they report (losses, metrics, predictions, weights, counts, shapes) must agree.
"""

import numpy as np
import pytest

import minicnn as mc


# --- the snippets: each is build(keras) and run(keras, model, data) ------------------------------

def baseline_cbapd(keras):
    """Seed 003, the "Baseline" network: one CBAPD block (Conv-BN-Activation-Pool-Dropout), then
    Flatten and Dense layers, written as a subclassed Model whose call takes no training argument."""
    from_layers = keras.layers

    class Baseline(keras.Model):
        def __init__(self):
            super(Baseline, self).__init__()
            self.c1 = from_layers.Conv2D(filters=6, kernel_size=(5, 5), padding="same")
            self.b1 = from_layers.BatchNormalization()
            self.a1 = from_layers.Activation("relu")
            self.p1 = from_layers.MaxPool2D(pool_size=(2, 2), strides=2, padding="same")
            self.d1 = from_layers.Dropout(0.0)
            self.flatten = from_layers.Flatten()
            self.f1 = from_layers.Dense(16, activation="relu")
            self.d2 = from_layers.Dropout(0.0)
            self.f2 = from_layers.Dense(10, activation="softmax")

        def call(self, x):
            x = self.c1(x)
            x = self.b1(x)
            x = self.a1(x)
            x = self.p1(x)
            x = self.d1(x)
            x = self.flatten(x)
            x = self.f1(x)
            x = self.d2(x)
            return self.f2(x)

    model = Baseline()
    model(np.zeros((1, 8, 8, 3), np.float32))  # builds the layers (Keras 3's build() would leave them unbuilt)
    return model


def run_baseline(keras, model, data):
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=["sparse_categorical_accuracy"])
    history = model.fit(data["x8"], data["y"], batch_size=8, epochs=2, shuffle=False, verbose=0,
                        validation_data=(data["x8"], data["y"]), validation_freq=1)
    return {"history": history.history, "predictions": model.predict(data["x8"], verbose=0)}


def listing_5_1(keras):
    """Seed 000, Listing 5.1: a CNN on MNIST with the Functional API and one-hot labels."""
    Input, Conv2D, MaxPooling2D = keras.layers.Input, keras.layers.Conv2D, keras.layers.MaxPooling2D
    Flatten, Dropout, Dense = keras.layers.Flatten, keras.layers.Dropout, keras.layers.Dense
    inputs = Input(shape=(12, 12, 1))
    y = Conv2D(filters=4, kernel_size=3, activation="relu")(inputs)
    y = MaxPooling2D()(y)
    y = Conv2D(filters=8, kernel_size=3, activation="relu")(y)
    y = Flatten()(y)
    y = Dropout(0.0)(y)
    outputs = Dense(10, activation="softmax")(y)
    return keras.models.Model(inputs=inputs, outputs=outputs)


def run_listing_5_1(keras, model, data):
    y_train = keras.utils.to_categorical(data["y"], 10)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(data["x12"], y_train, epochs=2, batch_size=8, shuffle=False, verbose=0)
    loss, acc = model.evaluate(data["x12"], y_train, batch_size=8, verbose=0)
    return {"loss": loss, "accuracy": acc, "count": model.count_params(),
            "classes": np.argmax(model.predict(data["x12"], verbose=0), axis=1)}


def y_network(keras):
    """Seed 000, Listing 5.2: two branches (the right one dilated) on two inputs, concatenated."""
    layers = keras.layers
    left_inputs = layers.Input(shape=(12, 12, 1))
    x = layers.Conv2D(filters=4, kernel_size=3, padding="same", activation="relu")(left_inputs)
    x = layers.MaxPooling2D()(x)
    right_inputs = layers.Input(shape=(12, 12, 1))
    y = layers.Conv2D(filters=4, kernel_size=3, padding="same", activation="relu", dilation_rate=2)(right_inputs)
    y = layers.MaxPooling2D()(y)
    y = layers.concatenate([x, y])
    y = layers.Flatten()(y)
    outputs = layers.Dense(10, activation="softmax")(y)
    return keras.models.Model([left_inputs, right_inputs], outputs)


def run_y_network(keras, model, data):
    y_train = keras.utils.to_categorical(data["y"], 10)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit([data["x12"], data["x12"]], y_train, epochs=2, batch_size=8, shuffle=False, verbose=0)
    return {"history": history.history, "layers": len(model.layers), "count": model.count_params()}


def mlp_335114(keras):
    """Seed 001: the 784-256-256-256-10 MLP, built with model.build(input_shape=(4, 784))."""
    model = keras.Sequential([keras.layers.Dense(256, activation="relu"), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
    model.build(input_shape=(4, 784))
    return model


def run_mlp(keras, model, data):
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(data["x784"], data["y"], batch_size=8, epochs=1, shuffle=False, verbose=0)
    return {"count": model.count_params(), "evaluate": model.evaluate(data["x784"], data["y"], verbose=0,
                                                                      return_dict=True)}


def transfer_learning(keras):
    """The transfer-learning recipe: a base with BatchNormalization frozen, a new head trained."""
    base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
                             keras.layers.ReLU(), keras.layers.GlobalAveragePooling2D()], name="base")
    base.trainable = False
    inputs = keras.Input((8, 8, 3))
    outputs = keras.layers.Dense(10, activation="softmax")(base(inputs, training=False))
    return keras.Model(inputs, outputs)


def run_transfer_learning(keras, model, data):
    frozen_before = [w.copy() for w in model.layers[1].get_weights()]
    model.compile(optimizer=keras.optimizers.RMSprop(1e-2), loss="sparse_categorical_crossentropy")
    history = model.fit(data["x8"], data["y"], batch_size=8, epochs=2, shuffle=False, verbose=0)
    unchanged = all(np.array_equal(a, b) for a, b in zip(frozen_before, model.layers[1].get_weights()))
    return {"history": history.history, "base unchanged": unchanged,
            "trainable": len(model.trainable_weights), "non-trainable": len(model.non_trainable_weights)}


def callbacks_and_weights(keras):
    return keras.Sequential([keras.Input((784,)), keras.layers.Dense(8, activation="tanh",
                                                                     kernel_regularizer=keras.regularizers.l2(1e-3)),
                             keras.layers.Dense(10, activation="softmax")])


def run_callbacks_and_weights(keras, model, data):
    class Record(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seen = []

        def on_epoch_end(self, epoch, logs=None):
            self.seen.append((epoch, round(logs["loss"], 4), sorted(logs)))

    record = Record()
    # SGD, not Adam: Adam's m/√v turns float32 rounding in a near-zero gradient into a step of up to
    # the learning rate, so trained weights of two exact engines can differ by 1e-5 (seen in CI)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                  loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"])
    model.fit(data["x784"], data["y"], batch_size=8, epochs=3, validation_split=0.25, shuffle=False,
              callbacks=[record], verbose=0)
    return {"seen": record.seen, "losses": len(model.losses),
            "evaluate": model.evaluate(data["x784"], data["y"], verbose=0)}


SNIPPETS = {
    "seed003_baseline_subclassed": (baseline_cbapd, run_baseline),
    "seed000_listing_5_1_functional": (listing_5_1, run_listing_5_1),
    "seed000_listing_5_2_y_network": (y_network, run_y_network),
    "seed001_mlp_335114": (mlp_335114, run_mlp),
    "transfer_learning_frozen_base": (transfer_learning, run_transfer_learning),
    "callbacks_regularizer_validation_split": (callbacks_and_weights, run_callbacks_and_weights),
}


# --- the harness ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(2024)
    return {"x8": rng.standard_normal((16, 8, 8, 3)).astype(np.float32),
            "x12": rng.uniform(0, 1, (16, 12, 12, 1)).astype(np.float32),
            "x784": rng.uniform(0, 1, (16, 784)).astype(np.float32),
            "y": rng.integers(0, 10, 16)}


def assert_same(ours, theirs, where="result"):
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), f"{where}: keys {sorted(ours)} vs Keras {sorted(theirs)}"
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{where}[{key!r}]")
    elif isinstance(theirs, (list, tuple)) and any(isinstance(t, (list, tuple, dict, str)) for t in theirs):
        assert len(ours) == len(theirs), f"{where}: {len(ours)} items vs Keras {len(theirs)}"
        for k, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{where}[{k}]")
    elif isinstance(theirs, (bool, str)) or theirs is None:
        assert ours == theirs, f"{where}: {ours!r} vs Keras {theirs!r}"
    else:
        np.testing.assert_allclose(np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64),
                                   rtol=2e-4, atol=2e-5, err_msg=where)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_gives_what_keras_gives(tf, data, name):
    build, run = SNIPPETS[name]
    theirs, ours = build(tf.keras), build(mc)
    assert ours.count_params() == theirs.count_params()
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    assert_same(run(mc, ours, data), run(tf.keras, theirs, data), name)
    for k, (a, b) in enumerate(zip(ours.get_weights(), theirs.get_weights())):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5, err_msg=f"{name}: weight {k} after training")
