"""The model API against tf.keras where minicnn used to give silently different answers: the same
network is built in both (by one builder taking either library), trained or queried the same way,
and compared."""

import numpy as np
import pytest

import minicnn as mc


def build_block_net(lib, model_takes_training=True):
    """The source material's subclassed style: blocks call BN and Dropout without ``training``;
    the model's ``call`` declares ``training`` (seed 004) or not (seed 003)."""

    class Block(lib.layers.Layer):
        def __init__(self, filters):
            super().__init__()
            self.conv = lib.layers.Conv2D(filters, 3, padding="same", use_bias=False)
            self.bn = lib.layers.BatchNormalization(momentum=0.5)
            self.drop = lib.layers.Dropout(0.0)

        def call(self, x):
            return self.drop(lib.layers.Activation("relu")(self.bn(self.conv(x))))

    class Net(lib.Model):
        def __init__(self):
            super().__init__()
            self.block = Block(4)
            self.pool = lib.layers.GlobalAveragePooling2D()
            self.head = lib.layers.Dense(3)

        def call(self, x, training=None):
            return self.head(self.pool(self.block(x)))

    class NetWithoutTraining(Net):
        def call(self, x):
            return self.head(self.pool(self.block(x)))

    return Net() if model_takes_training else NetWithoutTraining()


def fit_both(tf, build, x, y, epochs=2, loss="sparse_categorical_crossentropy_logits"):
    """Build, copy Keras' initial weights into minicnn, fit both with SGD in order; return both models."""
    theirs, ours = build(tf.keras), build(mc)
    theirs(x[:1]), ours(x[:1])
    ours.set_weights(theirs.get_weights())
    for model, lib in ((theirs, tf.keras), (ours, mc)):
        model.compile(lib.optimizers.SGD(0.1), lib.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x, y, batch_size=4, epochs=epochs, shuffle=False, verbose=0)
    return theirs, ours


def assert_same_weights(theirs, ours, rtol=1e-4, atol=1e-5):
    assert len(ours.weights) == len(theirs.weights)
    for k, (a, b) in enumerate(zip(ours.get_weights(), theirs.get_weights())):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"weight {k} ({theirs.weights[k].path})")


def test_training_flag_reaches_layers_called_without_it(tf, rng):
    """Keras hands fit's training=True down to BN inside a subclassed block: its moving statistics
    move during fit and the trained model agrees at inference."""
    x = rng.standard_normal((8, 5, 5, 2)).astype(np.float32)
    y = rng.integers(0, 3, 8)
    theirs, ours = fit_both(tf, build_block_net, x, y)
    moving_mean = ours.block.bn.moving_mean.numpy()
    assert np.abs(moving_mean).max() > 1e-3, "BN's moving mean never moved: the training flag did not arrive"
    assert_same_weights(theirs, ours)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-5)


def test_a_model_whose_call_takes_no_training_runs_bn_in_inference_as_keras_3(tf, rng):
    """Keras 3's fit passes training=True only to a call that declares it (seed 003's ResNet18 does
    not): BN then normalises with its moving statistics, which never move. minicnn does the same,
    and warns."""
    x = rng.standard_normal((8, 5, 5, 2)).astype(np.float32)
    y = rng.integers(0, 3, 8)
    with pytest.warns(UserWarning, match="takes no `training` argument"):
        theirs, ours = fit_both(tf, lambda lib: build_block_net(lib, model_takes_training=False), x, y)
    np.testing.assert_array_equal(theirs.block.bn.moving_mean.numpy(), 0)
    assert_same_weights(theirs, ours)


def test_explicit_training_argument_wins_and_stays_in_the_context(tf, rng):
    """An explicit training=False on an inner call wins, and (as Keras 3's call context does) the
    layers called after it in the same outer call see False too."""

    def build(lib):
        class Net(lib.Model):
            def __init__(self):
                super().__init__()
                self.first = lib.layers.BatchNormalization()
                self.second = lib.layers.BatchNormalization()

            def call(self, x):
                return self.second(self.first(x, training=False))

        return Net()

    x = rng.standard_normal((6, 3)).astype(np.float32) * 3 + 1
    theirs, ours = build(tf.keras), build(mc)
    out_theirs, out_ours = theirs(x, training=True), ours(x, training=True)
    np.testing.assert_allclose(out_ours.numpy(), out_theirs.numpy(), rtol=1e-5, atol=1e-5)
    assert_same_weights(theirs, ours)


def build_container_net(lib):
    """Layers kept in a list filled after assignment, a dict filled both ways, and nested containers."""

    class Net(lib.Model):
        def __init__(self):
            super().__init__()
            self.blocks = []
            self.head = lib.layers.Dense(3)
            for _ in range(2):
                self.blocks.append(lib.layers.Dense(4, activation="tanh"))
            self.by_name = {"a": lib.layers.Dense(4)}
            self.by_name["b"] = lib.layers.Dense(4, activation="relu")
            self.nested = [[lib.layers.Dense(4)], (lib.layers.Dense(4, activation="tanh"),)]

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            x = self.by_name["b"](self.by_name["a"](x))
            x = self.nested[1][0](self.nested[0][0](x))
            return self.head(x)

    return Net()


def test_layers_in_lists_and_dicts_are_tracked_and_trained(tf, rng):
    x = rng.standard_normal((12, 5)).astype(np.float32)
    y = rng.integers(0, 3, 12)
    theirs, ours = fit_both(tf, build_container_net, x, y)
    assert ours.count_params() == theirs.count_params() == 5 * 4 + 4 + 5 * (4 * 4 + 4) + 4 * 3 + 3
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert_same_weights(theirs, ours)
    totals = []
    for model in (ours, theirs):  # after fit both count the optimizer's variables too
        lines = []
        model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
        totals.append([line.strip() for line in "\n".join(lines).splitlines() if "params:" in line])
    assert totals[0] == totals[1] and f"Trainable params: {theirs.count_params():,}" in totals[0][1]


def test_removing_a_layer_from_a_list_untracks_it():
    model = build_container_net(mc)
    model(np.zeros((1, 5), np.float32))
    removed = model.blocks.pop()
    assert all(removed is not layer for layer in model.layers)
    model.blocks.append(removed)
    assert any(removed is layer for layer in model.layers)


@pytest.mark.parametrize("metrics", [None, ["accuracy"]], ids=["no-metrics", "accuracy"])
def test_evaluate_returns_what_keras_returns(tf, rng, metrics):
    x, y = rng.standard_normal((10, 4)).astype(np.float32), rng.integers(0, 3, 10)
    results = {}
    for lib in (tf.keras, mc):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3)])
        model.compile("sgd", lib.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=metrics)
        results[lib] = (model.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0, return_dict=True))
    (theirs, theirs_dict), (ours, ours_dict) = results[tf.keras], results[mc]
    assert type(ours) is float if metrics is None else isinstance(ours, list)
    assert np.ndim(ours) == np.ndim(theirs) and sorted(ours_dict) == sorted(theirs_dict)
    if metrics:
        loss, accuracy = ours  # the unpacking the issue saw go wrong
        assert 0 <= accuracy <= 1 and loss > 0


def test_input_and_output_shapes_come_from_the_build(tf, rng):
    x, y = rng.standard_normal((6, 8, 8, 1)).astype(np.float32), rng.integers(0, 2, 6)
    shapes = {}
    for lib in (tf.keras, mc):
        model = lib.Sequential([lib.layers.Conv2D(2, 3, input_shape=(8, 8, 1)), lib.layers.Flatten(),
                                lib.layers.Dense(2)])
        model.compile("sgd", lib.losses.SparseCategoricalCrossentropy(from_logits=True))
        before = (model.input_shape, model.output_shape)
        model.fit(x, y, batch_size=3, verbose=0)
        shapes[lib] = before, (model.input_shape, model.output_shape), model.layers[0].output.shape
    assert shapes[mc] == tuple(tuple(map(tuple, pair)) if isinstance(pair, tuple) and isinstance(pair[0], tuple)
                               else tuple(pair) for pair in shapes[tf.keras])
    assert shapes[mc][1] == ((None, 8, 8, 1), (None, 2))


@pytest.mark.parametrize("make", [
    lambda lib: lib.layers.Dense(3.5),
    lambda lib: lib.layers.Conv2D(2.5, 3),
    lambda lib: lib.layers.Dense(0),
    lambda lib: lib.layers.Conv2D(4, 3, strides=1.5),
], ids=["Dense(3.5)", "Conv2D(2.5, 3)", "Dense(0)", "Conv2D(strides=1.5)"])
def test_layers_refuse_non_integer_sizes_like_keras(tf, make):
    with pytest.raises((ValueError, TypeError)):
        make(tf.keras)
    with pytest.raises((ValueError, TypeError), match=r"units|filters|strides"):
        make(mc)


@pytest.mark.parametrize("case", ["one-unit-sigmoid", "sparse-labels", "one-hot-labels", "labels-n-by-1"])
def test_accuracy_is_resolved_per_output_as_keras(tf, rng, case):
    """"accuracy" is binary accuracy (threshold 0.5) for a one-unit output, sparse categorical for
    integer labels, categorical for one-hot labels."""
    x = rng.standard_normal((12, 4)).astype(np.float32)
    units, loss, y = {
        "one-unit-sigmoid": (1, "binary_crossentropy", rng.integers(0, 2, (12, 1)).astype(np.float32)),
        "sparse-labels": (3, "sparse_categorical_crossentropy", rng.integers(0, 3, 12)),
        "one-hot-labels": (3, "categorical_crossentropy", np.eye(3, dtype=np.float32)[rng.integers(0, 3, 12)]),
        "labels-n-by-1": (3, "sparse_categorical_crossentropy", rng.integers(0, 3, (12, 1))),
    }[case]
    results = []
    for lib in (tf.keras, mc):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(units, activation="sigmoid" if units == 1
                                                                   else "softmax")])
        if lib is mc:
            model.set_weights(keras_weights)
        keras_weights = model.get_weights()
        model.compile("sgd", loss, metrics=["accuracy"])
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results.append((history.history["accuracy"], model.evaluate(x, y, verbose=0, return_dict=True)))
    (keras_history, keras_eval), (history, evaluation) = results
    np.testing.assert_allclose(history, keras_history, atol=1e-6)
    np.testing.assert_allclose(evaluation["accuracy"], keras_eval["accuracy"], atol=1e-6)
    np.testing.assert_allclose(evaluation["loss"], keras_eval["loss"], rtol=1e-5)


def test_metrics_of_several_outputs_are_named_by_output_as_keras(tf, rng):
    def build(lib):
        inputs = lib.Input((4,))
        return lib.Model(inputs, [lib.layers.Dense(3, activation="softmax", name="kind")(inputs),
                                  lib.layers.Dense(1, name="size")(inputs)])

    x = rng.standard_normal((10, 4)).astype(np.float32)
    y = [rng.integers(0, 3, 10), rng.standard_normal((10, 1)).astype(np.float32)]
    names = []
    for lib in (tf.keras, mc):
        model = build(lib)
        model.compile("sgd", ["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], ["mae"]])
        names.append(sorted(model.evaluate(x, y, verbose=0, return_dict=True)))
    assert names[1] == names[0]
