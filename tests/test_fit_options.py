"""fit / evaluate / predict options against tf.keras: validation, sample and class weights, resuming,
batch-level calls, several outputs with per-output losses and weights, dict inputs, verbosity."""

import numpy as np
import pytest

import minicnn as mc


def mlp(lib, inputs=6, outputs=3):
    return lib.Sequential([lib.Input((inputs,)), lib.layers.Dense(5, activation="tanh"), lib.layers.Dense(outputs)])


def pair(tf, build, optimizer="sgd", loss="scce", **compile_kwargs):
    """The same model in Keras and minicnn, with Keras' initial weights copied, both compiled alike."""
    losses = {"scce": lambda lib: lib.losses.SparseCategoricalCrossentropy(from_logits=True),
              "mse": lambda lib: lib.losses.MeanSquaredError()}
    theirs, ours = build(tf.keras), build(mc)
    ours.set_weights(theirs.get_weights())
    for lib, model in ((tf.keras, theirs), (mc, ours)):
        opt = lib.optimizers.SGD(0.1, momentum=0.5) if optimizer == "sgd" else lib.optimizers.Adam(0.01)
        model.compile(opt, losses[loss](lib) if isinstance(loss, str) else loss(lib), **compile_kwargs)
    return theirs, ours


def assert_same(theirs, ours, keras_history=None, history=None, rtol=1e-4, atol=1e-5):
    for k, (a, b) in enumerate(zip(ours.get_weights(), theirs.get_weights())):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"weight {k}")
    if history is not None:
        assert sorted(history.history) == sorted(keras_history.history)
        for name, values in keras_history.history.items():
            np.testing.assert_allclose(history.history[name], values, rtol=rtol, atol=atol, err_msg=name)


@pytest.fixture
def data(rng):
    return rng.standard_normal((20, 6)).astype(np.float32), rng.integers(0, 3, 20)


@pytest.mark.parametrize("options", [
    dict(validation_split=0.25),
    dict(validation_split=0.3, batch_size=4, validation_freq=2),
    dict(class_weight={0: 1.0, 1: 3.0, 2: 0.5}),
    dict(sample_weight="random"),
    dict(initial_epoch=1),
], ids=["validation_split", "validation_freq", "class_weight", "sample_weight", "initial_epoch"])
def test_fit_options_match_keras(tf, data, rng, options):
    x, y = data
    options = dict(options)
    if options.get("sample_weight") == "random":
        options["sample_weight"] = rng.uniform(0.1, 2.0, len(x)).astype(np.float32)
    theirs, ours = pair(tf, mlp)
    kwargs = dict(dict(batch_size=5, epochs=3, shuffle=False, verbose=0), **options)
    keras_history = theirs.fit(x, y, **kwargs)
    history = ours.fit(x, y, **kwargs)
    assert_same(theirs, ours, keras_history, history)
    assert history.epoch == keras_history.epoch


def test_validation_data_with_weights_and_evaluate_with_weights(tf, data, rng):
    x, y = data
    w = rng.uniform(0.1, 2.0, len(x)).astype(np.float32)
    theirs, ours = pair(tf, mlp)
    keras_history = theirs.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0, validation_data=(x, y, w))
    history = ours.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0, validation_data=(x, y, w))
    assert_same(theirs, ours, keras_history, history)
    np.testing.assert_allclose(ours.evaluate(x, y, sample_weight=w, verbose=0),
                               theirs.evaluate(x, y, sample_weight=w, verbose=0), rtol=1e-5)


def test_batch_level_calls_match_keras(tf, data):
    x, y = data
    theirs, ours = pair(tf, mlp, optimizer="adam")
    for start in (0, 7, 14):
        batch = slice(start, start + 7)
        np.testing.assert_allclose(ours.train_on_batch(x[batch], y[batch]),
                                   theirs.train_on_batch(x[batch], y[batch]), rtol=1e-5)
    np.testing.assert_allclose(ours.test_on_batch(x, y), theirs.test_on_batch(x, y), rtol=1e-5)
    np.testing.assert_allclose(ours.predict_on_batch(x), theirs.predict_on_batch(x), rtol=1e-5, atol=1e-6)
    assert_same(theirs, ours)


def two_outputs(lib):
    x_in = lib.Input((6,), name="features")
    hidden = lib.layers.Dense(5, activation="tanh", name="hidden")(x_in)
    return lib.Model(x_in, [lib.layers.Dense(3, name="digit")(hidden), lib.layers.Dense(2, name="box")(hidden)])


@pytest.mark.parametrize("losses", ["list", "dict"])
def test_several_outputs_with_a_loss_each_and_loss_weights(tf, data, rng, losses):
    x, y = data
    box = rng.standard_normal((len(x), 2)).astype(np.float32)

    def loss(lib):
        scce, mse = lib.losses.SparseCategoricalCrossentropy(from_logits=True), lib.losses.MeanSquaredError()
        return [scce, mse] if losses == "list" else {"box": mse, "digit": scce}

    weights = [1.0, 0.5] if losses == "list" else {"digit": 1.0, "box": 0.5}
    theirs, ours = pair(tf, two_outputs, loss=loss, loss_weights=weights)
    targets = [y, box] if losses == "list" else {"digit": y, "box": box}
    keras_history = theirs.fit(x, targets, batch_size=5, epochs=2, shuffle=False, verbose=0)
    history = ours.fit(x, targets, batch_size=5, epochs=2, shuffle=False, verbose=0)
    assert_same(theirs, ours, keras_history, history)
    keras_eval = theirs.evaluate(x, targets, verbose=0, return_dict=True)
    ours_eval = ours.evaluate(x, targets, verbose=0, return_dict=True)
    assert sorted(ours_eval) == sorted(keras_eval) == ["box_loss", "digit_loss", "loss"]
    for name in keras_eval:
        np.testing.assert_allclose(ours_eval[name], keras_eval[name], rtol=1e-5, err_msg=name)


def dict_inputs(lib):
    left, right = lib.Input((3,), name="left"), lib.Input((4,), name="right")
    joined = lib.layers.Concatenate()([lib.layers.Dense(2)(left), lib.layers.Dense(2)(right)])
    return lib.Model({"left": left, "right": right}, lib.layers.Dense(1, name="score")(joined))


def test_inputs_by_name(tf, rng):
    x = {"left": rng.standard_normal((8, 3)).astype(np.float32), "right": rng.standard_normal((8, 4)).astype(np.float32)}
    y = rng.standard_normal((8, 1)).astype(np.float32)
    theirs, ours = pair(tf, dict_inputs, loss="mse")
    keras_history = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    history = ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert_same(theirs, ours, keras_history, history)
    with pytest.raises(ValueError, match=r"keys \['left'\].*inputs are \['left', 'right'\]"):
        ours.predict({"left": x["left"]}, verbose=0)


def test_verbose_2_prints_one_line_per_epoch_to_stdout(data, capsys):
    x, y = data
    model = mlp(mc)
    model.compile("sgd", mc.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=5, epochs=3, verbose=2, validation_data=(x[:7], y[:7]))
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert err == "" and len(lines) == 6, out
    assert [l for l in lines if l.startswith("Epoch")] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert all(l.startswith("4/4 ") and " - loss: " in l and " - val_loss: " in l for l in lines[1::2]), out
    model.fit(x, y, batch_size=5, epochs=1, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("call, message", [
    (lambda m, x, y: m.fit(x, None, verbose=0), "y is None"),
    (lambda m, x, y: m.fit(x, y, batch_size=0, verbose=0), "batch_size must be a positive integer"),
    (lambda m, x, y: m.fit(x, y, validation_data=(x,), verbose=0), r"validation_data must be a tuple \(x_val, y_val\)"),
    (lambda m, x, y: m.fit(x, y, validation_split=1.5, verbose=0), r"validation_split must be in \(0, 1\)"),
    (lambda m, x, y: m.fit(x, y, verbose=3), "verbose must be 0, 1, 2 or 'auto'"),
    (lambda m, x, y: m.compile("sgd", ["mse", "mse"]), r"one output, so give one loss, got 2"),
    (lambda m, x, y: m.fit(x, y, class_weight={0: 2.0}, sample_weight=np.ones(len(x)), verbose=0), "not both"),
], ids=["no-targets", "batch-size-0", "validation-data-1-tuple", "validation-split", "verbose-3", "two-losses",
        "both-weights"])
def test_keras_user_errors_say_what_is_wrong(data, call, message):
    x, y = data
    model = mlp(mc)
    model.compile("sgd", mc.losses.SparseCategoricalCrossentropy(from_logits=True))
    with pytest.raises(ValueError, match=message):
        call(model, x, y)


def test_batch_size_none_means_32_as_keras(data):
    x, y = np.concatenate([data[0]] * 4), np.concatenate([data[1]] * 4)  # 80 samples: 32 + 32 + 16
    model = mlp(mc)
    model.compile("sgd", mc.losses.SparseCategoricalCrossentropy(from_logits=True))
    steps = CountSteps()
    model.fit(x, y, batch_size=None, verbose=0, callbacks=[steps])
    assert steps.count == 3 and steps.params["steps"] == 3


class CountSteps(mc.callbacks.Callback):
    count = 0

    def on_train_batch_end(self, batch, logs=None):
        self.count += 1


def test_one_optimizer_for_two_models_is_refused_as_keras():
    optimizer = mc.optimizers.Adam()
    first, second = mlp(mc), mlp(mc)
    first.compile(optimizer, "mse")
    first.compile(optimizer, "mse")  # the same model again is fine
    with pytest.raises(ValueError, match="already trains model"):
        second.compile(optimizer, "mse")


def batch_generator(x, y, batch_size):
    """An endless generator of (x, y) batches in order, as a Keras user writes one."""
    while True:
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]


def test_fit_on_a_generator_with_steps_per_epoch_matches_keras(tf, data):
    x, y = data
    theirs, ours = pair(tf, mlp)
    keras_history = theirs.fit(batch_generator(x, y, 6), steps_per_epoch=3, epochs=3, verbose=0)
    history = ours.fit(batch_generator(x, y, 6), steps_per_epoch=3, epochs=3, verbose=0)
    assert_same(theirs, ours, keras_history, history)
    np.testing.assert_allclose(ours.evaluate(batch_generator(x, y, 5), steps=4, verbose=0),
                               theirs.evaluate(batch_generator(x, y, 5), steps=4, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(ours.predict(batch_generator(x, y, 5), steps=2, verbose=0),
                               theirs.predict(batch_generator(x, y, 5), steps=2, verbose=0), rtol=1e-5, atol=1e-6)


def test_a_reiterable_batch_source_makes_a_new_pass_each_epoch(data):
    """An object with __iter__ (a fresh pass each time) and __len__ is read whole each epoch, as a loader."""
    x, y = data

    class Batches:
        def __len__(self):
            return 4

        def __iter__(self):
            return ((x[i:i + 5], y[i:i + 5]) for i in range(0, 20, 5))

    model = mlp(mc)
    model.compile("sgd", mc.losses.SparseCategoricalCrossentropy(from_logits=True))
    steps = CountSteps()
    model.fit(Batches(), epochs=2, verbose=0, callbacks=[steps])
    assert steps.count == 8
    with pytest.raises(ValueError, match="yields its own batches"):
        model.fit(Batches(), y, verbose=0)


def test_validation_data_may_be_a_loader_or_a_dataset(data):
    x, y = data
    model = mlp(mc)
    model.compile("sgd", mc.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    as_arrays = model.evaluate(x[:10], y[:10], batch_size=5, verbose=0, return_dict=True)
    history = model.fit(x, y, epochs=1, verbose=0, shuffle=False,
                        validation_data=mc.data.DataLoader(x[:10], y[:10], batch_size=5))
    for name in ("loss", "accuracy"):  # validation runs after the epoch's steps, on the trained weights
        assert f"val_{name}" in history.history
    after = model.evaluate(x[:10], y[:10], batch_size=5, verbose=0, return_dict=True)
    np.testing.assert_allclose(history.history["val_loss"], [after["loss"]], rtol=1e-6)
    assert as_arrays["loss"] != after["loss"]
    with pytest.raises(ValueError, match="validation_data must be a tuple"):
        model.fit(x, y, epochs=1, verbose=0, validation_data=x)
