"""Keras 3's own files, both ways: minicnn writes .weights.h5 and .keras files that tf.keras loads,
and loads the ones tf.keras writes, with the same predictions; configs are Keras' exact format.

Heavy zoo networks (vgg16, resnet18-101, densenet_bc-100, the CIFAR ResNets at depth 20/29) are
marked slow: without MINICNN_FULL=1 they run in a quick form (the same builder, smaller, or the same
residual blocks in a small network), or not at all where other entries' quick forms already cover
their layers and wiring (vgg16, resnet34, resnet101, the ImageNet stem)."""

import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import minicnn as mc
from minicnn import layers as L
from minicnn import saving
from minicnn.models import resnet as resnet_module
from minicnn.saving import keras_layers

FULL = os.environ.get("MINICNN_FULL") == "1"


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def inputs_for(model, rng, batch=3, dtype=np.float32, scale=1.0):
    shapes = [t.shape[1:] for t in model.inputs]
    xs = [(scale * rng.standard_normal((batch, *s))).astype(dtype) for s in shapes]
    return xs if len(xs) > 1 else xs[0]


def ours_predict(model, x):
    out = model(x, training=False)
    return [mc.to_numpy(o) for o in out] if isinstance(out, (list, tuple)) else [mc.to_numpy(out)]


def keras_predict(tf, model, x):
    feed = [tf.constant(v) for v in x] if isinstance(x, list) else tf.constant(x)
    out = model(feed, training=False)
    return [o.numpy() for o in out] if isinstance(out, (list, tuple)) else [out.numpy()]


def _tolerance(expected, rtol):
    return dict(rtol=rtol, atol=rtol * 0.1 * float(np.abs(expected).max()))


def assert_same_predictions(ours, theirs, what, rtol=1e-4):
    """Equal outputs (float32: rtol 1e-4, atol 1e-5 of the largest output)."""
    assert len(ours) == len(theirs), f"{what}: {len(ours)} outputs vs {len(theirs)}"
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert a.shape == b.shape, f"{what} output {k}: shape {a.shape} vs {b.shape}"
        difference = float(np.abs(a - b).max())
        np.testing.assert_allclose(a, b, **_tolerance(b, rtol), err_msg=f"{what} output {k}: max |difference| "
                                   f"{difference:.3g} (largest output {float(np.abs(b).max()):.3g})")


def assert_transferred(before, after, expected, what, rtol=1e-4):
    """The receiving model's outputs ``after`` loading a file equal the writer's (``expected``),
    while the receiver's outputs ``before`` did not: the weights came through the file, and a
    mix-up of them would have shown."""
    assert any(a.shape != b.shape or not np.allclose(a, b, **_tolerance(b, rtol)) for a, b in zip(before, expected)), (
        f"{what}: the outputs agreed before the file was loaded, so this comparison could not fail")
    assert_same_predictions(after, expected, what, rtol)


def moved(name, value, rng):
    """A weight moved from where it is, its scale kept (deep networks must not saturate): gains and
    kernels scaled by U(0.8, 1.2) each, offsets and means shifted by N(0, 0.05), variances U(0.8, 1.2)."""
    if name.endswith("moving_variance"):
        return rng.uniform(0.8, 1.2, value.shape).astype(value.dtype)
    if name.endswith(("moving_mean", "beta", "bias")):
        return (value + rng.normal(0, 0.05, value.shape)).astype(value.dtype)
    return (value * rng.uniform(0.8, 1.2, value.shape)).astype(value.dtype)


def randomize(model, rng):
    for w in model.weights:
        w.assign(moved(w.name, w.numpy(), rng))


def randomize_keras(model, rng):
    model.set_weights([moved(w.path, w.numpy(), rng) for w in model.weights])


def as_json(config):
    return json.loads(json.dumps(config))


def assert_same_weights(model, before, what):
    for k, (w, value) in enumerate(zip(model.weights, before)):
        np.testing.assert_array_equal(w.numpy(), value, err_msg=f"{what}: weight {k} ({w.name}) changed")


# ---------------------------------------------------------------------------------------------
# initializers and regularizers: Keras' serialized dicts, both ways
# ---------------------------------------------------------------------------------------------

INITIALIZER_ARGUMENTS = {"Constant": dict(value=0.5), "RandomNormal": dict(mean=0.1, stddev=0.2, seed=3),
                         "RandomUniform": dict(minval=-0.2, maxval=0.3, seed=4),
                         "TruncatedNormal": dict(mean=0.1, stddev=0.3, seed=5),
                         "VarianceScaling": dict(scale=0.7, mode="fan_out", distribution="uniform", seed=6)}


@pytest.mark.parametrize("name", sorted(mc.initializers.KERAS_CLASSES))
def test_initializer_config_is_keras_own_both_ways(tf, name):
    cls = mc.initializers.KERAS_CLASSES[name]
    arguments = INITIALIZER_ARGUMENTS.get(name, {"seed": 7} if "seed" in cls().get_config() else {})
    ours = cls(**arguments)
    theirs = tf.keras.initializers.serialize(getattr(tf.keras.initializers, name)(**arguments))
    assert as_json(mc.initializers.serialize(ours)) == as_json(theirs)
    back = mc.initializers.deserialize(as_json(theirs))
    assert type(back) is type(ours) and back.get_config() == ours.get_config()
    assert type(mc.initializers.get(name)) is type(ours)


def test_truncated_normal_matches_keras_distribution(tf):
    """N(mean, stddev²) cut at mean ± 2·stddev (no rescaling): std 0.8796·stddev, as Keras draws it."""
    ours = mc.initializers.TruncatedNormal(mean=0.5, stddev=0.2, seed=1)((200, 300), "float64")
    theirs = tf.keras.initializers.TruncatedNormal(mean=0.5, stddev=0.2, seed=1)((200, 300), dtype="float64").numpy()
    assert 0.39 < np.abs(ours - 0.5).max() <= 0.4
    standard_error = 0.2 * 0.8796 / np.sqrt(ours.size)
    assert ours.mean() == pytest.approx(0.5, abs=5 * standard_error)
    assert theirs.mean() == pytest.approx(0.5, abs=5 * standard_error)
    assert ours.std() == pytest.approx(0.2 * 0.8796, rel=0.02) and ours.std() == pytest.approx(theirs.std(), rel=0.02)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, arguments", [("L1", dict(l1=0.003)), ("L2", dict(l2=0.02)),
                                             ("L1L2", dict(l1=0.01, l2=0.02)), ("L1L2", {})])
def test_regularizers_match_keras_and_its_config(tf, name, arguments, dtype):
    ours = getattr(mc.regularizers, name)(**arguments)
    theirs = getattr(tf.keras.regularizers, name)(**arguments)
    w = np.random.default_rng(2).standard_normal((5, 4)).astype(dtype)
    np.testing.assert_allclose(float(mc.to_numpy(ours(mc.Tensor(w)).data)), float(theirs(tf.constant(w))),
                               rtol=1e-6 if dtype == np.float32 else 1e-12, err_msg=f"{name}({arguments}) {dtype}")
    assert as_json(mc.regularizers.serialize(ours)) == as_json(tf.keras.regularizers.serialize(theirs))
    back = mc.regularizers.deserialize(as_json(tf.keras.regularizers.serialize(theirs)))
    assert type(back) is type(ours) and back.get_config() == ours.get_config()


def test_callables_without_a_keras_form_are_refused():
    with pytest.raises(TypeError, match="no Keras config"):
        mc.initializers.serialize(lambda shape, dtype=None: np.zeros(shape))
    with pytest.raises(TypeError, match="no Keras config"):
        mc.regularizers.serialize(lambda w: w.sum())
    with pytest.raises(ValueError, match=r"conv2d.*kernel_initializer.*no Keras config"):
        keras_layers.layer_config(L.Conv2D(2, 3, kernel_initializer=lambda shape, dtype=None: np.ones(shape)))


# ---------------------------------------------------------------------------------------------
# one layer: Keras' config, both ways
# ---------------------------------------------------------------------------------------------

# class -> constructor arguments (Keras' names, valid in both libraries), away from the defaults
LAYER_CASES = {
    "Dense": dict(units=3, activation="tanh", use_bias=False, kernel_initializer="he_normal",
                  kernel_regularizer="l2"),
    "Flatten": {},
    "Activation": dict(activation="softplus"),
    "Dropout": dict(rate=0.25, seed=7),
    "SpatialDropout2D": dict(rate=0.2, seed=3),
    "Conv2D": dict(filters=4, kernel_size=(3, 2), strides=2, padding="same", activation="relu",
                   bias_initializer="ones", kernel_regularizer="l2"),
    "Conv2DTranspose": dict(filters=3, kernel_size=3, strides=2, padding="same", output_padding=1,
                            kernel_initializer="glorot_normal"),
    "DepthwiseConv2D": dict(kernel_size=3, depth_multiplier=2, padding="same", depthwise_initializer="lecun_uniform",
                            dilation_rate=2),
    "SeparableConv2D": dict(filters=5, kernel_size=3, depth_multiplier=2, padding="same", use_bias=False,
                            pointwise_initializer="lecun_normal"),
    "MaxPooling2D": dict(pool_size=3, strides=2, padding="same"),
    "AveragePooling2D": dict(pool_size=(2, 3), padding="valid"),
    "GlobalAveragePooling2D": dict(keepdims=True),
    "GlobalMaxPooling2D": {},
    "BatchNormalization": dict(momentum=0.9, epsilon=1e-5, center=False, gamma_initializer="random_normal"),
    "LayerNormalization": dict(epsilon=1e-4, scale=False),
    "GroupNormalization": dict(groups=2, epsilon=1e-4, beta_initializer="ones"),
    "Concatenate": dict(axis=1),
    "Add": {}, "Subtract": {}, "Multiply": {}, "Average": {},
    "Reshape": dict(target_shape=(-1, 4)),
    "Permute": dict(dims=(2, 1)),
    "RepeatVector": dict(n=3),
    "Identity": {},
    "Rescaling": dict(scale=1 / 255, offset=-0.5),
    "ZeroPadding1D": dict(padding=(1, 2)),
    "ZeroPadding2D": dict(padding=((1, 0), (2, 1))),
    "Cropping1D": dict(cropping=(1, 0)),
    "Cropping2D": dict(cropping=((1, 0), (0, 1))),
    "UpSampling2D": dict(size=(2, 1), interpolation="bilinear"),
    "ReLU": dict(max_value=6.0, negative_slope=0.1, threshold=0.5),
    "LeakyReLU": dict(negative_slope=0.2),
    "Softmax": dict(axis=1),
    "ELU": dict(alpha=0.5),
    "PReLU": dict(alpha_initializer="ones", shared_axes=[1, 2]),
}


def _layer_classes():
    return sorted({getattr(L, n).__name__ for n in L.__all__ if isinstance(getattr(L, n), type)} - {"Layer"})


@pytest.mark.parametrize("name", _layer_classes())
def test_every_layer_has_a_keras_config_case(name):
    assert name in LAYER_CASES or name in keras_layers.NOT_IN_KERAS_FILES or name == "InputLayer", (
        f"mc.layers.{name} has no case in LAYER_CASES of tests/test_keras_files.py: add its Keras config "
        f"check (and any Keras-only arguments to KERAS_ONLY in minicnn/saving/keras_layers.py)")


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_layer_config_is_the_one_keras_writes(tf, name):
    """minicnn's layer -> Keras config -> keras.layers.deserialize -> get_config: unchanged."""
    ours = getattr(L, name)(**LAYER_CASES[name])
    config = as_json(keras_layers.layer_config(ours))
    theirs = tf.keras.layers.deserialize(keras_layers.serialize_layer(ours))
    assert type(theirs).__name__ == name
    assert as_json(theirs.get_config()) == config


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_keras_layer_config_gives_the_same_layer(tf, name):
    """A tf.keras layer's config -> minicnn's layer -> Keras config: the same dict."""
    theirs = getattr(tf.keras.layers, name)(**LAYER_CASES[name])
    expected = as_json(theirs.get_config())
    ours = keras_layers.layer_from_config(name, expected)
    assert type(ours) is getattr(L, name)
    assert as_json(keras_layers.layer_config(ours)) == expected


@pytest.mark.parametrize("name, arguments, named", [
    ("Conv2D", dict(filters=2, kernel_size=3, groups=2), "groups"),
    ("Conv2D", dict(filters=2, kernel_size=3, data_format="channels_first"), "data_format"),
    ("Dense", dict(units=2, bias_regularizer="l1"), "bias_regularizer"),
    ("Dense", dict(units=2, kernel_constraint="non_neg"), "kernel_constraint"),
    ("BatchNormalization", dict(renorm=True), "renorm"),
    ("LayerNormalization", dict(rms_scaling=True), "rms_scaling"),
    ("Flatten", dict(data_format="channels_first"), "data_format"),
    ("Dense", dict(units=2, kernel_initializer="orthogonal"), "Orthogonal"),
], ids=["conv-groups", "conv-channels-first", "dense-bias-regularizer", "dense-constraint", "bn-renorm",
        "layernorm-rms", "flatten-channels-first", "unknown-initializer"])
def test_keras_arguments_minicnn_cannot_honour_are_refused_by_name(tf, name, arguments, named):
    config = getattr(tf.keras.layers, name)(**arguments).get_config()
    with pytest.raises(ValueError, match=named):
        keras_layers.layer_from_config(name, as_json(config))


def test_mixed_precision_dtype_policy_is_refused(tf):
    config = as_json(tf.keras.layers.Dense(2, dtype="mixed_float16").get_config())
    with pytest.raises(ValueError, match="mixed_float16"):
        keras_layers.layer_from_config("Dense", config)


def test_layers_without_a_keras_form_are_refused_by_name(tmp_path):
    class Scale(mc.layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    x = mc.Input((3,))
    with_lambda = mc.Model(x, L.Lambda(lambda t: t * 2.0)(x))
    with_custom = mc.Model(x, Scale()(x))
    with_operation = mc.Model(x, L.Dense(2)(x) * 3.0)
    for model, message in [(with_lambda, "Lambda"), (with_custom, "Scale, a layer class of your own"),
                           (with_operation, "Operation")]:
        with pytest.raises(ValueError, match=message):
            saving.save_model(model, tmp_path / "m.keras")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Sequential and functional models of every layer
# ---------------------------------------------------------------------------------------------

def every_layer_functional(lib, Input, Model):
    """A two-input, two-output functional model using every layer of minicnn, written once for
    both libraries (``lib``: mc.layers or keras.layers)."""
    image, vector = Input((8, 8, 3), name="image"), Input((6,), name="vector")
    x = lib.Rescaling(0.5, offset=-0.1)(image)
    x = lib.ZeroPadding2D(((1, 0), (2, 1)))(x)
    x = lib.Cropping2D(((1, 0), (2, 1)))(x)
    x = lib.Conv2D(4, (3, 2), padding="same", kernel_regularizer="l2")(x)
    x = lib.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)
    x = lib.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.1)(x)
    x = lib.DepthwiseConv2D(3, depth_multiplier=2, padding="same", dilation_rate=2)(x)
    x = lib.SeparableConv2D(6, 3, padding="same", depth_multiplier=2)(x)
    x = lib.GroupNormalization(groups=3)(x)
    x = lib.PReLU(shared_axes=[1, 2], alpha_initializer="random_uniform")(x)
    x = lib.MaxPooling2D(3, strides=2, padding="same")(x)
    x = lib.Conv2DTranspose(4, 3, strides=2, padding="same")(x)
    x = lib.UpSampling2D((1, 2), interpolation="bilinear")(x)
    x = lib.AveragePooling2D((2, 2))(x)
    x = lib.SpatialDropout2D(0.2)(x)
    pooled_avg, pooled_max = lib.GlobalAveragePooling2D()(x), lib.GlobalMaxPooling2D()(x)
    x = lib.Flatten()(x)
    x = lib.Dense(6, activation="tanh")(x)
    x = lib.LayerNormalization(epsilon=1e-4)(x)
    x = lib.Dropout(0.3)(x)
    v = lib.Dense(6)(vector)
    merged = [lib.Add()([x, v]), lib.Subtract()([x, v]), lib.Multiply()([x, v]), lib.Average()([x, v])]
    c = lib.Concatenate()(merged + [pooled_avg, pooled_max])
    c = lib.LeakyReLU(negative_slope=0.2)(lib.ELU(alpha=0.5)(c))
    r = lib.Permute((2, 1))(lib.Reshape((4, 8))(c))
    r = lib.Cropping1D((1, 0))(lib.ZeroPadding1D((1, 2))(r))
    r = lib.Identity()(lib.RepeatVector(2)(lib.Dense(3)(lib.Flatten()(r))))
    first = lib.Softmax()(lib.Flatten()(r))
    second = lib.Activation("sigmoid")(lib.Dense(2)(c))
    return Model([image, vector], [first, second])


def every_layer_sequential(lib, Input, Sequential):
    return Sequential([
        Input((9, 7, 2)), lib.Conv2D(4, 3, strides=2, padding="same", activation="relu"), lib.BatchNormalization(),
        lib.MaxPooling2D(2, strides=1), lib.ZeroPadding2D(1), lib.SeparableConv2D(3, 2), lib.Activation("swish"),
        lib.GlobalMaxPooling2D(keepdims=True), lib.Flatten(), lib.Dense(5, activation="gelu"),
        lib.LayerNormalization(), lib.Dropout(0.1), lib.Dense(3), lib.Softmax()])


@pytest.fixture(scope="module")
def every_layer_pair(tf):
    """(minicnn model, its tf.keras twin built by the same code) for both model kinds."""
    keras = tf.keras
    return {
        "functional": (every_layer_functional(L, mc.Input, mc.Model),
                       every_layer_functional(keras.layers, keras.Input, keras.Model)),
        "sequential": (every_layer_sequential(L, mc.Input, mc.Sequential),
                       every_layer_sequential(keras.layers, keras.Input, keras.Sequential)),
    }


@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_weights_h5_both_ways_with_a_twin_built_by_keras(tf, tmp_path, every_layer_pair, kind, rng):
    """The weights layout alone (no config involved): Keras' file into minicnn, minicnn's into Keras."""
    ours, theirs = every_layer_pair[kind]
    x = inputs_for(ours, rng)
    randomize_keras(theirs, rng)
    before = ours_predict(ours, x)
    theirs.save_weights(tmp_path / "keras.weights.h5")
    saving.load_weights_h5(ours, tmp_path / "keras.weights.h5")
    assert_transferred(before, ours_predict(ours, x), keras_predict(tf, theirs, x), f"{kind}: Keras' .weights.h5")
    randomize(ours, rng)
    before = keras_predict(tf, theirs, x)
    saving.save_weights_h5(ours, tmp_path / "ours.weights.h5")
    theirs.load_weights(tmp_path / "ours.weights.h5")
    assert_transferred(before, keras_predict(tf, theirs, x), ours_predict(ours, x), f"{kind}: minicnn's .weights.h5")


@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_keras_files_both_ways_with_a_twin_built_by_keras(tf, tmp_path, every_layer_pair, kind, rng):
    ours, theirs = every_layer_pair[kind]
    x = inputs_for(ours, rng)
    before = ours_predict(ours, x)
    randomize(ours, rng)
    saving.save_model(ours, tmp_path / "ours.keras")
    loaded_by_keras = tf.keras.models.load_model(tmp_path / "ours.keras")
    assert_transferred(before, keras_predict(tf, loaded_by_keras, x), ours_predict(ours, x),
                       f"{kind}: minicnn's .keras")
    assert as_json(loaded_by_keras.get_config()) == as_json(saving.model_config(ours))
    randomize_keras(theirs, rng)
    theirs.save(tmp_path / "keras.keras")
    loaded = saving.load_model(tmp_path / "keras.keras")
    assert type(loaded) is type(ours)
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in ours.layers]
    assert_transferred(ours_predict(ours, x), ours_predict(loaded, x), keras_predict(tf, theirs, x),
                       f"{kind}: Keras' .keras")
    assert as_json(saving.model_config(loaded)) == as_json(theirs.get_config())


def test_model_config_round_trips_through_model_from_config(every_layer_pair, rng):
    ours, _ = every_layer_pair["functional"]
    config = saving.model_config(ours)
    rebuilt = saving.model_from_config(json.loads(json.dumps(config)))
    assert as_json(saving.model_config(rebuilt)) == as_json(config)
    rebuilt.set_weights(ours.get_weights())
    x = inputs_for(ours, rng)
    for a, b in zip(ours_predict(ours, x), ours_predict(rebuilt, x)):
        np.testing.assert_array_equal(a, b)
    whole = saving.serialize_model(ours)
    assert whole["class_name"] == "Functional" and whole["module"] == "keras.src.models.functional"
    assert as_json(saving.model_config(saving.model_from_config(whole))) == as_json(config)


def test_nested_models_both_ways(tf, tmp_path, rng):
    """A Sequential and a functional model (called twice) inside a functional model: paths
    layers/sequential/..., layers/functional/...; keras_history counts the nested calls."""
    def build(lib, Input, Model, Sequential):
        inner_input = Input((5,))
        inner = Model(inner_input, lib.Dense(4, activation="relu")(inner_input), name="inner")
        stack = Sequential([Input((4,)), lib.Dense(3), lib.BatchNormalization()], name="stack")
        a, b = Input((5,)), Input((5,))
        merged = lib.Add()([inner(a), inner(b)])
        return Model([a, b], [stack(merged), inner(b)])

    keras = tf.keras
    ours = build(L, mc.Input, mc.Model, mc.Sequential)
    theirs = build(keras.layers, keras.Input, keras.Model, keras.Sequential)
    x = inputs_for(ours, rng)
    randomize_keras(theirs, rng)
    before = ours_predict(ours, x)
    theirs.save_weights(tmp_path / "k.weights.h5")
    saving.load_weights_h5(ours, tmp_path / "k.weights.h5")
    assert_transferred(before, ours_predict(ours, x), keras_predict(tf, theirs, x), "nested: Keras' .weights.h5")
    randomize(ours, rng)
    saving.save_model(ours, tmp_path / "ours.keras")
    loaded_by_keras = keras.models.load_model(tmp_path / "ours.keras")
    assert_transferred(keras_predict(tf, theirs, x), keras_predict(tf, loaded_by_keras, x), ours_predict(ours, x),
                       "nested: minicnn's .keras")
    assert as_json(loaded_by_keras.get_config()) == as_json(saving.model_config(ours))
    theirs.save(tmp_path / "k.keras")
    loaded = saving.load_model(tmp_path / "k.keras")
    assert_transferred(ours_predict(ours, x), ours_predict(loaded, x), keras_predict(tf, theirs, x),
                       "nested: Keras' .keras")


@pytest.fixture
def float64_default():
    previous = mc.get_default_dtype()
    mc.set_default_dtype("float64")
    yield
    mc.set_default_dtype(previous)


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_float64_model_keeps_its_dtype_both_ways(tf, tmp_path, rng, float64_default, kind):
    inputs = mc.Input((4,))
    stack = [L.Dense(3, activation="tanh"), L.BatchNormalization(), L.Dense(2)]
    if kind == "sequential":
        ours = mc.Sequential([inputs] + stack)
    else:
        x = inputs
        for layer in stack:
            x = layer(x)
        ours = mc.Model(inputs, x)
    x = inputs_for(ours, rng, dtype=np.float64)
    before = ours_predict(ours, x)
    randomize(ours, rng)
    saving.save_model(ours, tmp_path / "f64.keras")
    theirs = tf.keras.models.load_model(tmp_path / "f64.keras")
    assert {layer.dtype for layer in theirs.layers} == {"float64"}
    assert_transferred(before, keras_predict(tf, theirs, x), ours_predict(ours, x), "float64 .keras", rtol=1e-10)
    randomize_keras(theirs, rng)
    theirs.save(tmp_path / "keras_f64.keras")
    mc.set_default_dtype("float32")  # the file, not the default, decides
    loaded = saving.load_model(tmp_path / "keras_f64.keras")
    assert all(w.dtype == np.float64 for w in loaded.weights)
    assert_transferred(ours_predict(ours, x), ours_predict(loaded, x), keras_predict(tf, theirs, x),
                       "float64: Keras' .keras", rtol=1e-10)


# ---------------------------------------------------------------------------------------------
# the model zoo
# ---------------------------------------------------------------------------------------------

def mini_resnet(kind, version, stem):
    """The residual blocks of resnet18-101 (models/resnet.py), two stages of them, on 8x8 inputs."""
    block = {"basic": resnet_module.basic_block, "bottleneck": resnet_module.bottleneck_block}[kind]
    inputs = mc.Input((8, 8, 3))
    x = L.Activation("relu")(L.BatchNormalization()(L.Conv2D(8, 3, padding="same")(inputs)))
    x = L.MaxPool2D(pool_size=2, strides=1, padding="same")(x)
    x = block(x, 4, 1, version, stem, first_in_stage=True)
    x = block(x, 4, 1, version, stem, first_in_stage=False)
    x = block(x, 8, 2, version, stem, first_in_stage=True)
    outputs = L.Dense(5)(L.GlobalAveragePooling2D()(x))
    return mc.Model(inputs, outputs, name=f"mini_resnet_{kind}_v{version}_{stem}")


M = mc.models
# id -> (the network, its quick form: None = the same, "skip" = only with MINICNN_FULL=1, when the
# quick forms of other entries already cover its layers and wiring)
ZOO = {
    "lenet5": (lambda: M.lenet5((12, 12, 1)), None),
    "cnn_mnist": (lambda: M.cnn_mnist((20, 20, 1)), None),
    "y_network": (lambda: M.y_network((8, 8, 1)), None),
    "alexnet8": (lambda: M.alexnet8((24, 24, 3)), None),
    "vgg13": (lambda: M.vgg13((8, 8, 3)), None),
    "inception10": (lambda: M.inception10((8, 8, 3)), None),
    "resnet_v1": (lambda: M.resnet_v1((32, 32, 3), depth=20), lambda: M.resnet_v1((32, 32, 3), depth=8)),
    "resnet_v2": (lambda: M.resnet_v2((32, 32, 3), depth=29), lambda: M.resnet_v2((32, 32, 3), depth=11)),
    "densenet_bc": (lambda: M.densenet_bc((32, 32, 3), depth=100), lambda: M.densenet_bc((32, 32, 3), depth=10)),
    "vgg16": (lambda: M.vgg16((8, 8, 3)), "skip"),  # its layers and wiring: alexnet8 and vgg13
    "resnet18_v1": (lambda: M.resnet18((16, 16, 3), version=1), lambda: mini_resnet("basic", 1, "cifar")),
    "resnet18_v2": (lambda: M.resnet18((16, 16, 3), version=2), lambda: mini_resnet("basic", 2, "imagenet")),
    "resnet34_v1": (lambda: M.resnet34((16, 16, 3), version=1), "skip"),
    "resnet34_v2": (lambda: M.resnet34((16, 16, 3), version=2), "skip"),
    "resnet50_v1": (lambda: M.resnet50((16, 16, 3), version=1), lambda: mini_resnet("bottleneck", 1, "imagenet")),
    "resnet50_v2": (lambda: M.resnet50((16, 16, 3), version=2), lambda: mini_resnet("bottleneck", 2, "cifar")),
    "resnet101_v1": (lambda: M.resnet101((16, 16, 3), version=1), "skip"),
    "resnet101_v2": (lambda: M.resnet101((16, 16, 3), version=2), "skip"),
    "resnet18_imagenet_stem": (lambda: M.resnet18((16, 16, 3), stem="imagenet"), "skip"),
}
SLOW = {"vgg16", "densenet_bc", "resnet_v1", "resnet_v2", "resnet18_v1", "resnet18_v2", "resnet34_v1", "resnet34_v2",
        "resnet50_v1", "resnet50_v2", "resnet101_v1", "resnet101_v2", "resnet18_imagenet_stem"}
ZOO_PARAMS = [pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name for name in ZOO]


@pytest.fixture(scope="module")
def zoo_cache():
    return {}


@pytest.fixture
def zoo(tf, tmp_path_factory, zoo_cache, request):
    """(minicnn network with moved weights, the tf.keras model loaded from minicnn's .keras file of
    it, a batch of inputs (scaled by 0.1: deep softmax heads stay off saturation), the network's
    outputs before its weights were moved, a folder), built once per module."""
    name = request.param
    full, quick = ZOO[name]
    if quick == "skip" and not FULL:
        pytest.skip(f"{name} runs only with MINICNN_FULL=1 (other entries' quick forms cover its layers)")
    if name not in zoo_cache:
        rng = np.random.default_rng(sum(map(ord, name)))
        ours = (full if FULL or quick is None else quick)()
        x = inputs_for(ours, rng, scale=0.1)
        initial = ours_predict(ours, x)
        randomize(ours, rng)
        path = tmp_path_factory.mktemp(name) / f"{name}.keras"
        saving.save_model(ours, path)
        zoo_cache[name] = (ours, tf.keras.models.load_model(path), x, initial, path.parent)
    return zoo_cache[name]


@pytest.mark.parametrize("zoo", ZOO_PARAMS, indirect=True)
def test_zoo_config_is_the_one_keras_writes(zoo):
    ours, theirs = zoo[:2]
    assert as_json(saving.model_config(ours)) == as_json(theirs.get_config())


@pytest.mark.parametrize("zoo", ZOO_PARAMS, indirect=True)
def test_zoo_round_trips_both_ways_with_keras(tf, zoo):
    ours, theirs, x, initial, folder = zoo
    name = ours.name
    assert_transferred(initial, keras_predict(tf, theirs, x), ours_predict(ours, x),
                       f"{name}: minicnn's .keras in Keras")
    rng = np.random.default_rng(5)
    randomize_keras(theirs, rng)
    theirs.save_weights(folder / "keras.weights.h5")
    theirs.save(folder / "keras.keras")
    expected, before = keras_predict(tf, theirs, x), ours_predict(ours, x)
    saving.load_weights_h5(ours, folder / "keras.weights.h5")
    assert_transferred(before, ours_predict(ours, x), expected, f"{name}: Keras' .weights.h5 in minicnn")
    assert_transferred(before, ours_predict(saving.load_model(folder / "keras.keras"), x), expected,
                       f"{name}: Keras' .keras in minicnn")
    randomize(ours, rng)
    saving.save_weights_h5(ours, folder / "ours.weights.h5")
    theirs.load_weights(folder / "ours.weights.h5")
    assert_transferred(expected, keras_predict(tf, theirs, x), ours_predict(ours, x),
                       f"{name}: minicnn's .weights.h5 in Keras")


# ---------------------------------------------------------------------------------------------
# subclassed models: weights both ways; .keras refused
# ---------------------------------------------------------------------------------------------

def subclassed_pair(tf):
    """The same subclassed model in both libraries: layers in attributes (one sorted after 'layers'),
    a list with a nested list, a dict, private attributes (one also behind a property), a
    subclassed block, a shared layer."""
    def classes(base_layer, base_model, lib):
        class Block(base_layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.dense = lib.Dense(units)
                self.norm = lib.BatchNormalization()

            def call(self, x, training=None):
                return self.norm(self.dense(x), training=training)

        class Net(base_model):
            def __init__(self):
                super().__init__()
                self.alpha = lib.Dense(6, activation="relu")
                self.blocks = [Block(6), Block(6), [lib.Dense(6), lib.Activation("tanh")]]
                self.heads = {"b": lib.Dense(2), "a": lib.Dense(2)}
                self.zeta = lib.Dense(6)
                self._tail = lib.Dense(2)
                self._stem = lib.Dense(5)

            @property
            def backbone(self):
                return self._stem

            def call(self, x, training=None):
                x = self.alpha(self.backbone(x))
                for block in self.blocks[:2]:
                    x = block(x, training=training)
                x = self.zeta(self.blocks[2][1](self.blocks[2][0](x)))
                return self.heads["a"](x) + self.heads["b"](x) * 0.5 + self._tail(self.zeta(x))

        return Net()

    ours = classes(mc.layers.Layer, mc.Model, L)
    theirs = classes(tf.keras.layers.Layer, tf.keras.Model, tf.keras.layers)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    ours(x)
    theirs(x)
    return ours, theirs, x


def test_subclassed_model_weights_both_ways(tf, tmp_path, rng):
    ours, theirs, x = subclassed_pair(tf)
    assert [p for p, _ in saving.weight_paths(ours)] == [
        "", "alpha", "backbone", "blocks/block", "blocks/block/dense", "blocks/block/norm", "blocks/block_1",
        "blocks/block_1/dense", "blocks/block_1/norm", "blocks/container/dense", "blocks/container/activation",
        "heads/dense", "heads/dense_1", "layers/dense_4", "layers/dense_5"]
    randomize_keras(theirs, rng)
    before = ours_predict(ours, x)
    theirs.save_weights(tmp_path / "k.weights.h5")
    saving.load_weights_h5(ours, tmp_path / "k.weights.h5")
    assert_transferred(before, ours_predict(ours, x), keras_predict(tf, theirs, x), "subclassed: Keras' .weights.h5")
    randomize(ours, rng)
    before = keras_predict(tf, theirs, x)
    saving.save_weights_h5(ours, tmp_path / "ours.weights.h5")
    theirs.load_weights(tmp_path / "ours.weights.h5")
    assert_transferred(before, keras_predict(tf, theirs, x), ours_predict(ours, x), "subclassed: minicnn's .weights.h5")
    with pytest.raises(ValueError, match="subclassed model .*save_weights"):
        saving.save_model(ours, tmp_path / "net.keras")
    assert not (tmp_path / "net.keras").exists()


def test_subclassed_keras_file_is_refused_with_the_reason(tf, tmp_path):
    _, theirs, _ = subclassed_pair(tf)
    config = {"module": "__main__", "class_name": "Net", "config": {}, "registered_name": "Net"}
    with pytest.raises(ValueError, match="custom Keras object|subclassed"):
        saving.model_from_config(config)
    path = tmp_path / "net.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(ValueError, match="Net"):
        saving.load_model(path)


# ---------------------------------------------------------------------------------------------
# BN statistics, refusals, damaged files, atomic writes
# ---------------------------------------------------------------------------------------------

def small_model(units=3):
    return mc.Sequential([mc.Input((6, 6, 2)), L.Conv2D(4, 3), L.BatchNormalization(), L.Flatten(), L.Dense(units)])


def test_bn_moving_statistics_survive_both_files(tf, tmp_path, rng):
    model = small_model()
    model(rng.standard_normal((8, 6, 6, 2)).astype(np.float32), training=True)  # moves the statistics
    bn = model.layers[1]
    assert not np.allclose(bn.moving_mean.numpy(), 0)
    saving.save_weights_h5(model, tmp_path / "m.weights.h5")
    saving.save_model(model, tmp_path / "m.keras")
    fresh = small_model()
    saving.load_weights_h5(fresh, tmp_path / "m.weights.h5")
    loaded = saving.load_model(tmp_path / "m.keras")
    theirs = tf.keras.models.load_model(tmp_path / "m.keras")
    for other in (fresh.layers[1], loaded.layers[1]):
        np.testing.assert_array_equal(other.moving_mean.numpy(), bn.moving_mean.numpy())
        np.testing.assert_array_equal(other.moving_variance.numpy(), bn.moving_variance.numpy())
    np.testing.assert_array_equal(theirs.layers[1].moving_mean.numpy(), bn.moving_mean.numpy())
    np.testing.assert_array_equal(theirs.layers[1].moving_variance.numpy(), bn.moving_variance.numpy())
    with h5py.File(tmp_path / "m.weights.h5") as h5:
        np.testing.assert_array_equal(h5["layers/batch_normalization/vars/3"][()], bn.moving_variance.numpy())


@pytest.mark.parametrize("other, message", [
    (lambda: mc.Sequential([mc.Input((6, 6, 2)), L.Conv2D(4, 3), L.Flatten(), L.Dense(3)]),
     "holds weights for layers .* does not have, at 'layers/batch_normalization'"),
    (lambda: small_model(units=5),
     r"\(Dense, path 'layers/dense'\) weight 0 .* has shape \(64, 5\), the file's .* stores shape \(64, 3\)"),
    (lambda: mc.Sequential([mc.Input((6, 6, 2)), L.Conv2D(4, 3), L.Flatten(), L.Dense(3), L.Dense(3)]),
     "no weights for layer"),
], ids=["without-bn", "other-sizes", "more-layers"])
def test_a_file_of_another_architecture_is_refused_and_changes_nothing(tmp_path, other, message):
    saving.save_weights_h5(small_model(), tmp_path / "a.weights.h5")
    model = other()
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        saving.load_weights_h5(model, tmp_path / "a.weights.h5")
    assert_same_weights(model, before, "after a refused load")


def test_a_zoo_file_is_refused_by_another_zoo_network(tmp_path):
    saving.save_weights_h5(M.lenet5((12, 12, 1)), tmp_path / "lenet.weights.h5")
    model = M.cnn_mnist((20, 20, 1))
    before = model.get_weights()
    with pytest.raises(ValueError, match="not of this architecture"):
        saving.load_weights_h5(model, tmp_path / "lenet.weights.h5")
    assert_same_weights(model, before, "cnn_mnist after lenet5's file")


@pytest.mark.parametrize("content, message", [
    (b"", "not an HDF5 file"),
    (b"kernel,bias\n0.5,1.0\n", "not an HDF5 file"),
    (b"PK\x03\x04" + b"\0" * 60, "not an HDF5 file"),
], ids=["empty", "text", "zip"])
def test_a_file_that_is_no_hdf5_says_so(tmp_path, content, message):
    path = tmp_path / "m.weights.h5"
    path.write_bytes(content)
    model = small_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        saving.load_weights_h5(model, path)
    assert_same_weights(model, before, "after a non-HDF5 file")


def test_a_truncated_weights_file_is_a_clear_error_and_changes_nothing(tmp_path):
    path = tmp_path / "m.weights.h5"
    saving.save_weights_h5(small_model(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    model = small_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match="damaged or truncated HDF5"):
        saving.load_weights_h5(model, path)
    assert_same_weights(model, before, "after a truncated file")


def test_a_keras_2_weights_file_is_named_as_such(tmp_path):
    path = tmp_path / "old.weights.h5"
    with h5py.File(path, "w") as h5:
        h5.attrs["layer_names"] = [b"dense"]
        h5.create_group("dense")
    with pytest.raises(ValueError, match="Keras 2"):
        saving.load_weights_h5(small_model(), path)


def test_links_and_non_float_datasets_are_refused(tmp_path):
    model = small_model()
    path = tmp_path / "m.weights.h5"
    saving.save_weights_h5(model, path)
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/1"]
        h5["layers/dense/vars/1"] = h5py.SoftLink("/layers/conv2d/vars/1")
    with pytest.raises(ValueError, match="SoftLink"):
        saving.load_weights_h5(model, path)
    saving.save_weights_h5(model, path)
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/1"]
        h5["layers/dense/vars/1"] = np.array([b"a", b"b", b"c"])
    with pytest.raises(ValueError, match="weights must be float"):
        saving.load_weights_h5(model, path)


def write_keras_archive(path, config, weights=b"", members=("metadata.json", "config.json", "model.weights.h5")):
    with zipfile.ZipFile(path, "w") as archive:
        for member in members:
            data = {"metadata.json": "{}", "config.json": json.dumps(config), "model.weights.h5": weights}[member]
            archive.writestr(member, data)


def test_a_keras_file_naming_an_unknown_layer_says_which(tmp_path):
    saving.save_model(small_model(), tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
    config["config"]["layers"][2]["class_name"] = "LSTM"
    write_keras_archive(tmp_path / "lstm.keras", config, weights)
    with pytest.raises(ValueError, match="unknown layer class 'LSTM'.*minicnn has no such layer"):
        saving.load_model(tmp_path / "lstm.keras")


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[: len(data) // 2], "damaged or truncated .keras"),
    (lambda data: b"not a zip at all", "not a .keras archive"),
], ids=["truncated", "not-zip"])
def test_a_damaged_keras_file_is_a_clear_error(tmp_path, damage, message):
    path = tmp_path / "m.keras"
    saving.save_model(small_model(), path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ValueError, match=message):
        saving.load_model(path)


def test_a_keras_file_without_its_members_says_what_is_missing(tmp_path):
    write_keras_archive(tmp_path / "m.keras", {}, members=("metadata.json",))
    with pytest.raises(ValueError, match="has no config.json"):
        saving.load_model(tmp_path / "m.keras")


def test_keras_file_layout_is_keras_own(tmp_path):
    saving.save_model(small_model(), tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert archive.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
        config = json.loads(archive.read("config.json"))
    assert (config["module"], config["class_name"], config["registered_name"]) == ("keras", "Sequential", None)
    assert config["config"]["layers"][0]["class_name"] == "InputLayer"
    assert config["config"]["build_input_shape"] == [None, 6, 6, 2]


def test_saving_replaces_atomically_and_leaves_no_temporary(tmp_path):
    model = small_model()
    for name in ("m.weights.h5", "m.keras"):
        path = tmp_path / name
        path.write_bytes(b"old")
        (saving.save_weights_h5 if name.endswith(".h5") else saving.save_model)(model, path)
        assert path.read_bytes() != b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras", "m.weights.h5"]


@pytest.mark.parametrize("save, name", [(saving.save_weights_h5, "m.weights.h5"), (saving.save_model, "m.keras")],
                         ids=["weights.h5", "keras"])
def test_a_failed_write_keeps_the_old_file_whole(tmp_path, monkeypatch, save, name):
    path = tmp_path / name
    path.write_bytes(b"the old file")

    def failing_fsync(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        save(small_model(), path)
    assert path.read_bytes() == b"the old file"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_file_names_and_unbuilt_models_are_checked(tmp_path):
    model = small_model()
    with pytest.raises(ValueError, match=r"must end in \.weights\.h5"):
        saving.save_weights_h5(model, tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"must end in \.keras"):
        saving.save_model(model, tmp_path / "m.zip")
    unbuilt = mc.Sequential([L.Dense(2)])
    with pytest.raises(ValueError, match="not built"):
        saving.save_weights_h5(unbuilt, tmp_path / "u.weights.h5")
    with pytest.raises(ValueError, match="not built"):
        saving.load_weights_h5(unbuilt, tmp_path / "u.weights.h5")
    assert list(tmp_path.iterdir()) == []


def test_the_model_methods_speak_keras_files(tf, tmp_path):
    """model.save / mc.models.load_model / save_weights / load_weights pick the format by the name."""
    x = np.random.default_rng(5).standard_normal((3, 28, 28, 1)).astype(np.float32)
    ours = mc.models.lenet5()
    ours.save(tmp_path / "ours.keras")
    theirs = tf.keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=1e-4, atol=1e-6)
    theirs.save(tmp_path / "theirs.keras")
    again = mc.models.load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=1e-4, atol=1e-6)
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    fresh = mc.models.lenet5()
    fresh.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=1e-4, atol=1e-6)
    assert ours.get_config()["layers"][0]["class_name"] == theirs.get_config()["layers"][0]["class_name"]
    with pytest.raises(ValueError, match=r"must end in .npz .* or .weights.h5"):
        ours.save_weights(tmp_path / "weights.h5")
    with pytest.raises(ValueError, match=r"must end in .keras"):
        ours.save(tmp_path / "model.h5")
