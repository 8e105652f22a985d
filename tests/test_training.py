"""Training: fit/evaluate against Keras step for step, the demo's accuracy, the command line."""

import subprocess
import sys

import numpy as np
import pytest

import minicnn as mc
from minicnn import layers
from minicnn.cli import main as cli_main


@pytest.mark.parametrize("optimizer", ["sgd_momentum", "adam", "rmsprop"])
def test_fit_matches_keras_fit_step_for_step(tf, optimizer, rng):
    x = rng.standard_normal((24, 6)).astype(np.float32)
    y = rng.integers(0, 3, 24)
    make = {
        "sgd_momentum": (lambda m: m.SGD(0.1, momentum=0.9, nesterov=True)),
        "adam": (lambda m: m.Adam(0.01)),
        "rmsprop": (lambda m: m.RMSprop(0.01, momentum=0.5)),
    }[optimizer]
    keras_model = tf.keras.Sequential([tf.keras.Input((6,)), tf.keras.layers.Dense(8, activation="relu"),
                                       tf.keras.layers.Dense(3)])
    keras_model.compile(make(tf.keras.optimizers),
                        tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    ours = mc.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)), layers.Dense(3)])
    ours.set_weights(keras_model.get_weights())
    ours.compile(make(mc.optimizers), mc.losses.SparseCategoricalCrossentropy(from_logits=True),
                 metrics=["accuracy"])

    keras_history = keras_model.fit(x, y, batch_size=5, epochs=3, shuffle=False, verbose=0)
    history = ours.fit(x, y, batch_size=5, epochs=3, shuffle=False, verbose=0)

    for got, expected in zip(ours.get_weights(), keras_model.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(history.history["loss"], keras_history.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(history.history["accuracy"], keras_history.history["accuracy"], atol=1e-6)
    keras_eval = keras_model.evaluate(x, y, verbose=0, return_dict=True)
    np.testing.assert_allclose(ours.evaluate(x, y, return_dict=True)["loss"], keras_eval["loss"], rtol=1e-4)


def test_predict_is_inference_mode_and_batched(rng):
    model = mc.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dropout(0.5)])
    x = rng.standard_normal((70, 3)).astype(np.float32)
    full = model.predict(x, batch_size=16)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(full, x @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_demo_reaches_97_percent_on_the_digits():
    from minicnn.demo import run_demo

    results = run_demo(verbose=0)
    assert results["accuracy"] >= 0.97, results  # seeds 0-3 give 0.973-0.991


def test_digits_split_is_stratified_and_fixed():
    (x_train, y_train), (x_test, y_test) = mc.data.load_digits(seed=0)
    assert x_train.shape[1:] == (8, 8, 1) and x_train.dtype == np.float32
    assert len(x_train) + len(x_test) == 1797 and 0.24 < len(x_test) / 1797 < 0.26
    assert 0 <= x_train.min() and x_train.max() <= 1
    assert set(np.bincount(y_test)) <= {44, 45, 46}  # each class contributes a quarter of its images
    (_, _), (x_again, _) = mc.data.load_digits(seed=0)
    np.testing.assert_array_equal(x_again, x_test)


def test_cli_help_lists_the_verbs():
    out = subprocess.run([sys.executable, "-m", "minicnn.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "demo" in out.stdout and "gradcheck" in out.stdout


def test_cli_gradcheck_runs_named_ops(capsys):
    assert cli_main(["gradcheck", "relu", "matmul"]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out


def test_cli_gradcheck_rejects_unknown_op(capsys):
    assert cli_main(["gradcheck", "nope"]) == 1  # bad input: one line and exit 1, as every verb
    assert "unknown check(s): nope; see 'minicnn gradcheck --list'" in capsys.readouterr().err


def test_cli_demo_quiet_prints_accuracy(capsys):
    assert cli_main(["demo", "--quiet", "--epochs", "2"]) == 0
    assert capsys.readouterr().out.startswith("test accuracy: ")


def test_cli_demo_prints_the_summary_and_trains(capsys):
    """The README's first command as it is typed (not --quiet): the summary, the progress, the accuracy."""
    assert cli_main(["demo", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "Total params:" in out and "test accuracy: " in out, out[-2000:]


def test_summary_refuses_a_line_length_that_is_not_a_positive_int():
    model = mc.Sequential([mc.Input((3,)), mc.layers.Dense(2)])
    with pytest.raises(TypeError, match="line_length must be a positive int, got <built-in function print>"):
        model.summary(print)
