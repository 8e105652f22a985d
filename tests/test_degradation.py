"""The degradation experiment: ``resnet_v1(shortcut=False)`` (the plain networks of He et al.) and
``examples/degradation.py`` in quick mode.

Expected parameter counts come from the layer arithmetic written out here (conv k*k*in*out + out,
BN 4 per channel, Dense in*out + out); the plain network's logits are compared with seed 000's
``resnet_v1`` transcribed into tf.keras with its adds and projections taken out."""

import functools
import importlib.util
import json
import pathlib
import re

import numpy as np
import pytest

import minicnn as mc
from minicnn.models import resnet_v1

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROJECTIONS = (1 * 1 * 16 * 32 + 32) + (1 * 1 * 32 * 64 + 64)  # the two 1x1 shortcut convolutions


def plain_parameter_count(depth, channels, classes):
    """Conv(3x3, 16)-BN, then 3 stages of 2n Conv(3x3)-BN with 16/32/64 filters, then Dense."""
    def conv(kernel, inputs, filters):
        return kernel * kernel * inputs * filters + filters

    n = (depth - 2) // 6
    total, inputs = conv(3, channels, 16) + 4 * 16, 16
    for filters in (16, 32, 64):
        for _ in range(2 * n):
            total += conv(3, inputs, filters) + 4 * filters
            inputs = filters
    return total + 64 * classes + classes


@functools.lru_cache(maxsize=None)
def built(depth, shape, classes, shortcut):
    """resnet_v1 built once per configuration for the tests that only read its structure."""
    return resnet_v1(shape, depth=depth, num_classes=classes, shortcut=shortcut)


def layers_of(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


CONFIGS = [pytest.param(8, (32, 32, 1), 10, id="depth8-1ch"), pytest.param(20, (32, 32, 3), 10, id="depth20-3ch"),
           pytest.param(56, (32, 32, 3), 10, id="depth56-3ch"), pytest.param(20, (29, 31, 2), 7, id="depth20-odd-7cls")]


@pytest.mark.parametrize("depth,shape,classes", CONFIGS)
def test_plain_count_is_the_resnets_minus_the_projections(depth, shape, classes):
    plain, residual = built(depth, shape, classes, False), built(depth, shape, classes, True)
    expected = plain_parameter_count(depth, shape[-1], classes)
    assert plain.count_params() == expected, f"plain-{depth} {shape}: {plain.count_params()} != {expected}"
    assert residual.count_params() - plain.count_params() == PROJECTIONS, (
        f"depth {depth} {shape}: ResNet {residual.count_params()} - plain {plain.count_params()} != {PROJECTIONS}")
    non_trainable = sum(w.size for w in plain.non_trainable_weights)
    assert non_trainable == 2 * (16 + sum(2 * (depth - 2) // 6 * f for f in (16, 32, 64)))  # BN moving stats


@pytest.mark.parametrize("depth,shape,classes", CONFIGS[:3])
def test_plain_forward_has_no_add_and_the_same_stacked_convolutions(depth, shape, classes):
    plain, residual = built(depth, shape, classes, False), built(depth, shape, classes, True)
    assert layers_of(plain, mc.layers.Add) == [], f"plain-{depth} has Add layers"
    assert len(layers_of(residual, mc.layers.Add)) == 3 * (depth - 2) // 6
    stacked = [(c.filters, c.kernel_size, c.strides) for c in layers_of(residual, mc.layers.Conv2D)
               if c.kernel_size != (1, 1)]
    assert [(c.filters, c.kernel_size, c.strides) for c in layers_of(plain, mc.layers.Conv2D)] == stacked
    assert len(stacked) == depth - 1  # depth = convolutions + the Dense head
    assert plain.name == f"plain{depth}_v1" and residual.name == f"resnet{depth}_v1"


def keras_plain_v1(tf, input_shape, depth, num_classes=10):
    """Seed 000's resnet_v1 (Listing 2.2.1) in tf.keras with ``x = add([x, y])`` and the projection
    shortcut removed: each block is Conv-BN-ReLU, Conv-BN, ReLU."""
    layers, l2 = tf.keras.layers, tf.keras.regularizers.l2

    def resnet_layer(inputs, num_filters=16, strides=1, activation="relu"):
        x = layers.Conv2D(num_filters, kernel_size=3, strides=strides, padding="same",
                          kernel_initializer="he_normal", kernel_regularizer=l2(1e-4))(inputs)
        x = layers.BatchNormalization()(x)
        return x if activation is None else layers.Activation(activation)(x)

    inputs = layers.Input(shape=input_shape)
    x, num_filters = resnet_layer(inputs), 16
    for stack in range(3):
        for res_block in range((depth - 2) // 6):
            strides = 2 if stack > 0 and res_block == 0 else 1
            y = resnet_layer(x, num_filters, strides)
            y = resnet_layer(y, num_filters, activation=None)
            x = layers.Activation("relu")(y)
        num_filters *= 2
    x = layers.Flatten()(layers.AveragePooling2D(pool_size=8)(x))
    return tf.keras.Model(inputs, layers.Dense(num_classes, kernel_initializer="he_normal")(x))


@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
def test_plain_logits_match_keras(tf, training):
    ours = resnet_v1((32, 32, 1), depth=8, shortcut=False, classifier_activation=None)
    theirs = keras_plain_v1(tf, (32, 32, 1), 8)
    rng = np.random.default_rng(5)
    weights = [w if w.ndim > 1 else rng.uniform(0.5, 1.5, w.shape).astype(np.float32) for w in theirs.get_weights()]
    theirs.set_weights(weights)  # BN gamma/beta/statistics (and biases) away from 1 and 0
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in weights]
    ours.set_weights(weights)
    x = rng.standard_normal((3, 32, 32, 1)).astype(np.float32)
    expected = theirs(x, training=training).numpy()
    actual = mc.to_numpy(ours(x, training=training))
    err = np.abs(actual - expected).max()
    assert np.allclose(actual, expected, rtol=1e-4, atol=1e-4), f"training={training}: max |diff| {err:.3g}"


def test_shortcut_must_be_a_bool():
    with pytest.raises(TypeError, match="shortcut.*'no'"):
        resnet_v1(depth=20, shortcut="no")


# --- examples/degradation.py -----------------------------------------------------------------


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("degradation_example", ROOT / "examples" / "degradation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("height,width,factor,top,left", [(28, 28, 1, 2, 2), (8, 8, 4, 0, 0), (10, 7, 3, 1, 5)],
                         ids=["mnist-28", "digits-8", "odd-10x7"])
def test_images_are_upscaled_then_padded(script, height, width, factor, top, left):
    x = np.random.default_rng(0).random((2, height, width, 1)).astype(np.float32)
    out = script.to_image_size(x, 32)
    inner = np.kron(x[..., 0], np.ones((factor, factor)))[..., None]
    h, w = inner.shape[1:3]
    assert out.shape == (2, 32, 32, 1) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, top:top + h, left:left + w], inner)
    assert np.abs(out).sum() == pytest.approx(np.abs(inner).sum(), rel=1e-6)  # zeros around


@pytest.mark.parametrize("argv,message", [(["--image-size", "28"], "at least 29"),
                                          (["--depths", "20", "21"], "6n\\+2"),
                                          (["--depths", "56", "20"], "shallow first"),
                                          (["--epochs", "0"], "--epochs")])
def test_bad_arguments_are_named(script, capsys, argv, message):
    with pytest.raises(SystemExit):
        script.parse_args(argv)
    err = capsys.readouterr().err
    assert re.search(message, err), f"{argv}: {err!r}"


def test_quick_run_writes_the_four_runs(script, tmp_path):
    script.main(["--quick", "--out", str(tmp_path)])
    results = json.loads((tmp_path / "degradation.json").read_text())
    assert list(results["runs"]) == ["plain-8", "plain-14", "resnet-8", "resnet-14"]
    for name, run in results["runs"].items():
        assert [e["epoch"] for e in run["epochs"]] == [1, 2], name
        assert all(0 <= e["error"] <= 1 and np.isfinite(e["loss"]) for e in run["epochs"] + run["steps"]), name
        assert run["steps"][-1]["step"] == 4 and run["steps"][-1]["epoch"] == 2.0, name
        norms = run["gradient_norms"]
        main_path = [k for k, main in zip(norms["layers"], norms["main_path"]) if main]
        assert len(main_path) == run["depth"], f"{name}: {len(main_path)} main-path layers"
        assert len(norms["layers"]) - len(main_path) == (2 if run["shortcut"] else 0), name
        assert all(len(norms["per_epoch"][k]) == 2 and len(norms["per_steps"][k]) == 4 for k in norms["layers"])
        assert all(v > 0 for k in norms["layers"] for v in norms["per_epoch"][k]), name
    counts = {name: run["parameters"] for name, run in results["runs"].items()}
    assert counts["resnet-14"] - counts["plain-14"] == PROJECTIONS
    for picture in ("degradation.png", "degradation_gradients_plain-14.png", "degradation_gradients_resnet-14.png"):
        assert (tmp_path / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", picture
