"""minicnn losses against the Keras loss objects: values and gradients with respect to y_pred.

Reference: tf_semantics.md section 9; trap T6 (Keras losses compute in float32 unless given a dtype).
"""

import numpy as np
import pytest
from helpers import assert_close

import minicnn as mc

LOSSES = {  # id: (class name in minicnn and Keras, kwargs[, labels: "binary" | "soft" | "pm1" for make_data])
    "cce-logits": ("CategoricalCrossentropy", dict(from_logits=True)),
    "cce-probs": ("CategoricalCrossentropy", dict(from_logits=False)),
    "cce-logits-smooth0.1": ("CategoricalCrossentropy", dict(from_logits=True, label_smoothing=0.1)),
    "cce-probs-smooth0.2": ("CategoricalCrossentropy", dict(from_logits=False, label_smoothing=0.2)),
    "scce-logits": ("SparseCategoricalCrossentropy", dict(from_logits=True)),
    "scce-probs": ("SparseCategoricalCrossentropy", dict(from_logits=False)),
    "mse": ("MeanSquaredError", dict()),
    "bce-probs-binary": ("BinaryCrossentropy", dict(), "binary"),
    "bce-probs-soft": ("BinaryCrossentropy", dict(), "soft"),
    "bce-logits-binary": ("BinaryCrossentropy", dict(from_logits=True), "binary"),
    "bce-logits-soft": ("BinaryCrossentropy", dict(from_logits=True), "soft"),
    "bce-probs-smooth0.2": ("BinaryCrossentropy", dict(label_smoothing=0.2), "binary"),
    "bce-logits-smooth0.1-axis0": ("BinaryCrossentropy", dict(from_logits=True, label_smoothing=0.1, axis=0),
                                   "binary"),
    "focal-probs-binary": ("BinaryFocalCrossentropy", dict(), "binary"),
    "focal-logits-soft": ("BinaryFocalCrossentropy", dict(from_logits=True), "soft"),
    "focal-logits-balanced-gamma1.5": ("BinaryFocalCrossentropy", dict(
        from_logits=True, apply_class_balancing=True, alpha=0.3, gamma=1.5), "binary"),
    "focal-probs-smooth0.1-axis1": ("BinaryFocalCrossentropy", dict(label_smoothing=0.1, axis=1), "soft"),
    "mae": ("MeanAbsoluteError", dict()),
    "mape": ("MeanAbsolutePercentageError", dict()),
    "msle": ("MeanSquaredLogarithmicError", dict()),
    "huber": ("Huber", dict()),
    "huber-delta0.3": ("Huber", dict(delta=0.3)),
    "kld": ("KLDivergence", dict()),
    "hinge-binary": ("Hinge", dict(), "binary"),
    "hinge-pm1": ("Hinge", dict(), "pm1"),
    "squared-hinge-binary": ("SquaredHinge", dict(), "binary"),
    "squared-hinge-pm1": ("SquaredHinge", dict(), "pm1"),
    "categorical-hinge": ("CategoricalHinge", dict()),
}
REDUCTIONS = ["sum_over_batch_size", "sum", None, "none"]
DTYPES = [np.float32, np.float64]
SHAPES = [(6, 5), (2, 3, 4)]


BINARY = ("BinaryCrossentropy", "BinaryFocalCrossentropy", "Hinge", "SquaredHinge")
REGRESSION = ("MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "Huber")


def binary_labels(rng, shape, labels):
    """Labels in {0, 1} ("binary"), in [0, 1] ("soft") or in {-1, 1} ("pm1")."""
    if labels == "soft":
        return rng.uniform(0.0, 1.0, shape)
    values = rng.integers(0, 2, shape).astype(float)
    return 2 * values - 1 if labels == "pm1" else values


def make_data(rng, kind, kwargs, shape, dtype, labels="soft"):
    """(y_true, y_pred) for a loss: soft, binary or integer labels, logits or unnormalised probabilities,
    or real targets for the regression losses."""
    if kind in REGRESSION:
        return rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    if kind == "MeanSquaredLogarithmicError":  # some values below 0, where Keras clips to epsilon
        return rng.uniform(-0.5, 3.0, shape).astype(dtype), rng.uniform(-0.5, 3.0, shape).astype(dtype)
    if kind in BINARY:
        y_true = binary_labels(rng, shape, labels)
        if kwargs.get("from_logits") or kind in ("Hinge", "SquaredHinge"):
            y_pred = 3 * rng.standard_normal(shape)
        else:  # probabilities, with an exact 0 and 1 that Keras clips to [1e-7, 1 - 1e-7]
            y_pred = rng.uniform(0.0, 1.0, shape)
            y_pred.flat[:2] = [0.0, 1.0]
        return y_true.astype(dtype), y_pred.astype(dtype)
    if kind == "CategoricalHinge":
        y_true = np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
        return y_true.astype(dtype), rng.standard_normal(shape).astype(dtype)
    if kind == "KLDivergence":  # distributions, one true probability 0 (clipped to 1e-7 by Keras)
        y_true = rng.dirichlet(np.ones(shape[-1]), shape[:-1])
        y_true.flat[0] = 0.0
        return y_true.astype(dtype), rng.dirichlet(np.ones(shape[-1]), shape[:-1]).astype(dtype)
    if kwargs.get("from_logits"):
        y_pred = 3 * rng.standard_normal(shape)
    else:
        y_pred = rng.uniform(0.01, 1.0, shape)  # rows need not sum to 1: Keras divides by the row sum
    if kind == "SparseCategoricalCrossentropy":
        y_true = rng.integers(0, shape[-1], shape[:-1])
    else:
        y_true = rng.dirichlet(np.ones(shape[-1]), shape[:-1]).astype(dtype)
    return y_true, y_pred.astype(dtype)


def minicnn_value_and_grad(loss, y_true, y_pred, upstream):
    x = mc.Tensor(y_pred, requires_grad=True)
    out = loss(y_true, x)
    return out.numpy(), mc.to_numpy(mc.grad(out, [x], output_gradient=upstream)[0])


def keras_value_and_grad(tf, loss, y_true, y_pred, upstream):
    x = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = loss(tf.constant(y_true), x)
    return out.numpy(), tape.gradient(out, x, output_gradients=tf.constant(upstream)).numpy()


def compare(tf, name, kwargs, y_true, y_pred, dtype, what, rng=None, reduction="sum_over_batch_size"):
    ours = getattr(mc.losses, name)(reduction=reduction, **kwargs)
    theirs = getattr(tf.keras.losses, name)(reduction=reduction, dtype=np.dtype(dtype).name, **kwargs)
    out_shape = np.shape(theirs(tf.constant(y_true), tf.constant(y_pred)))
    upstream = (rng.uniform(0.5, 1.5, out_shape) if rng is not None else np.ones(out_shape)).astype(dtype)
    value, grad = minicnn_value_and_grad(ours, y_true, y_pred, upstream)
    expected_value, expected_grad = keras_value_and_grad(tf, theirs, y_true, y_pred, upstream)
    assert value.shape == expected_value.shape, f"{what}: loss shape {value.shape} != Keras {expected_value.shape}"
    assert value.dtype == dtype, f"{what}: loss dtype {value.dtype}, expected {np.dtype(dtype)}"
    assert np.isfinite(value).all() and np.isfinite(grad).all(), f"{what}: non-finite loss or gradient"
    assert_close(value, expected_value, dtype, f"{what}: loss value")
    assert_close(grad, expected_grad, dtype, f"{what}: d loss / d y_pred")
    return value


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=lambda r: f"reduction={r}")
@pytest.mark.parametrize("loss_id", sorted(LOSSES))
def test_loss_and_gradient_match_keras(tf, rng, loss_id, reduction, dtype, shape):
    name, kwargs, *labels = LOSSES[loss_id]
    y_true, y_pred = make_data(rng, name, kwargs, shape, dtype, *labels)
    compare(tf, name, kwargs, y_true, y_pred, dtype, f"{loss_id} reduction={reduction!r}", rng, reduction)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("from_logits", [True, False], ids=["logits", "probs"])
def test_sparse_labels_shaped_n_and_n_by_1(tf, rng, from_logits, dtype):
    y_true, y_pred = make_data(rng, "SparseCategoricalCrossentropy", dict(from_logits=from_logits), (7, 4), dtype)
    kwargs = dict(from_logits=from_logits)
    flat = compare(tf, "SparseCategoricalCrossentropy", kwargs, y_true, y_pred, dtype, "labels (N,)",
                   reduction=None)
    column = compare(tf, "SparseCategoricalCrossentropy", kwargs, y_true[:, None], y_pred, dtype, "labels (N,1)",
                     reduction=None)
    np.testing.assert_array_equal(column, flat)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ["CategoricalCrossentropy", "SparseCategoricalCrossentropy"])
def test_huge_logits_are_stable(tf, name, dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]], dtype)
    labels = np.array([1, 1, 0, 2])
    y_true = labels if name.startswith("Sparse") else np.eye(3, dtype=dtype)[labels]
    value = compare(tf, name, dict(from_logits=True), y_true, logits, dtype, f"{name} logits ±1e4", reduction=None)
    assert value[0] == pytest.approx(2e4, rel=1e-6) and value[2] == pytest.approx(np.log(2), rel=1e-5)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ["CategoricalCrossentropy", "SparseCategoricalCrossentropy"])
def test_zero_probability_on_the_true_class_costs_minus_log_epsilon(tf, name, dtype):
    y_pred = np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]], dtype)
    labels = np.array([0, 2])
    y_true = labels if name.startswith("Sparse") else np.eye(3, dtype=dtype)[labels]
    ours = getattr(mc.losses, name)(reduction=None)(y_true, y_pred).numpy()
    theirs = getattr(tf.keras.losses, name)(reduction=None, dtype=np.dtype(dtype).name)(y_true, y_pred).numpy()
    assert ours[0] == pytest.approx(-np.log(1e-7), rel=1e-6)  # 16.118...
    assert ours[1] == pytest.approx(-np.log(0.5), rel=1e-6)
    assert_close(ours, theirs, dtype, f"{name} with p=0 on the true class")


@pytest.mark.parametrize("loss, y_true, y_pred, message", [
    (mc.losses.CategoricalCrossentropy(), np.ones((4, 3)), np.ones((4, 5)), r"\(4, 3\).*\(4, 5\)"),
    (mc.losses.CategoricalCrossentropy(from_logits=True), np.ones((4, 3)), np.ones((3, 3)), r"\(4, 3\).*\(3, 3\)"),
    (mc.losses.MeanSquaredError(), np.ones((4, 3)), np.ones((4, 2)), r"\(4, 3\).*\(4, 2\)"),
    (mc.losses.SparseCategoricalCrossentropy(), np.array([0, 1, 3]), np.full((3, 3), 1 / 3), "label 3"),
    (mc.losses.SparseCategoricalCrossentropy(from_logits=True), np.array([0, -1, 2]), np.ones((3, 3)), "label -1"),
    (mc.losses.SparseCategoricalCrossentropy(from_logits=True), np.array([0, 1]), np.ones((3, 3)), r"\(2,\)"),
    (mc.losses.BinaryCrossentropy(), np.ones((4, 3)), np.full((4, 1), 0.5), r"\(4, 3\).*\(4, 1\)"),
    (mc.losses.BinaryCrossentropy(from_logits=True), np.ones(4), np.ones((4, 2)), r"\(4,\).*\(4, 2\)"),
    (mc.losses.BinaryFocalCrossentropy(), np.ones((2, 3)), np.full((3, 3), 0.5), r"\(2, 3\).*\(3, 3\)"),
    (mc.losses.BinaryCrossentropy(axis=2), np.ones((4, 3)), np.full((4, 3), 0.5), "axis=2"),
    (mc.losses.MeanAbsoluteError(), np.ones((4, 3)), np.ones((4, 2)), r"\(4, 3\).*\(4, 2\)"),
    (mc.losses.Huber(), np.ones((5, 3)), np.ones((4, 3)), r"\(5, 3\).*\(4, 3\)"),
    (mc.losses.KLDivergence(), np.ones((4, 3)), np.ones((4, 2)), r"\(4, 3\).*\(4, 2\)"),
], ids=["cce-shape", "cce-logits-batch", "mse-shape", "scce-label-too-big", "scce-label-negative",
        "scce-label-count", "bce-shape", "bce-rank", "focal-batch", "bce-axis", "mae-shape", "huber-batch",
        "kld-shape"])
def test_bad_inputs_raise_value_error(loss, y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        loss(y_true, y_pred.astype(np.float32))


@pytest.mark.parametrize("make, message", [
    (lambda: mc.losses.BinaryCrossentropy(label_smoothing=1.5), "label_smoothing.*1.5"),
    (lambda: mc.losses.BinaryFocalCrossentropy(label_smoothing=-0.1), "label_smoothing.*-0.1"),
    (lambda: mc.losses.BinaryFocalCrossentropy(gamma=-1.0), "gamma.*-1.0"),
    (lambda: mc.losses.Huber(delta=-1.0), "delta.*-1.0"),
    (lambda: mc.losses.Huber(delta="1"), "delta.*'1'"),
], ids=["bce-smoothing", "focal-smoothing", "focal-gamma", "huber-delta-negative", "huber-delta-string"])
def test_bad_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_sigmoid_cross_entropy_arguments_are_required():
    with pytest.raises(ValueError, match="logits is required"):
        mc.functional.sigmoid_cross_entropy_with_logits(labels=np.ones(3))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ["BinaryCrossentropy", "BinaryFocalCrossentropy"])
def test_binary_huge_logits_are_stable(tf, name, dtype):
    logits = np.array([[1e4, -1e4], [-1e4, 1e4], [0.0, 50.0]], dtype)
    y_true = np.array([[0.0, 1.0], [1.0, 1.0], [1.0, 0.0]], dtype)
    value = compare(tf, name, dict(from_logits=True), y_true, logits, dtype, f"{name} logits ±1e4", reduction=None)
    if name == "BinaryCrossentropy":  # the logits' own cross-entropy, not the clipped -log(1e-7)
        assert value[0] == pytest.approx(1e4, rel=1e-6) and value[1] == pytest.approx(5e3, rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("labels, shape", [((7,), (7, 1)), ((7, 1), (7,))], ids=["labels(N,)-pred(N,1)",
                                                                                    "labels(N,1)-pred(N,)"])
@pytest.mark.parametrize("name, kwargs", [("BinaryCrossentropy", {}), ("BinaryCrossentropy", dict(from_logits=True)),
                                          ("Hinge", {}), ("MeanAbsoluteError", {}), ("Huber", {})],
                         ids=["bce", "bce-logits", "hinge", "mae", "huber"])
def test_column_and_flat_labels_are_aligned_as_keras_does(tf, rng, name, kwargs, labels, shape, dtype):
    y_true = rng.integers(0, 2, labels).astype(dtype)
    y_pred = rng.uniform(0.05, 0.95, shape).astype(dtype)
    compare(tf, name, kwargs, y_true, y_pred, dtype, f"{name} labels {labels} vs y_pred {shape}", rng, None)


@pytest.mark.parametrize("name", ["CategoricalCrossentropy", "SparseCategoricalCrossentropy", "MeanSquaredError",
                                  "BinaryCrossentropy", "BinaryFocalCrossentropy", "MeanAbsoluteError",
                                  "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Huber", "KLDivergence",
                                  "Hinge", "SquaredHinge", "CategoricalHinge"])
def test_unknown_reduction_raises(name):
    with pytest.raises(ValueError, match="reduction"):
        getattr(mc.losses, name)(reduction="average")


@pytest.mark.parametrize("name, keys", [
    ("CategoricalCrossentropy", ["from_logits", "label_smoothing", "reduction"]),
    ("SparseCategoricalCrossentropy", ["from_logits", "reduction"]),
    ("MeanSquaredError", ["reduction"]),
    ("BinaryCrossentropy", ["from_logits", "label_smoothing", "axis", "reduction"]),
    ("BinaryFocalCrossentropy", ["apply_class_balancing", "alpha", "gamma", "from_logits", "label_smoothing", "axis",
                                 "reduction"]),
    ("Huber", ["reduction"]),  # Keras' config has no delta; tests/test_registries.py compares the signatures
    ("KLDivergence", ["reduction"]),
], ids=lambda v: v if isinstance(v, str) else None)
def test_defaults_equal_keras_defaults(tf, name, keys):
    config = getattr(tf.keras.losses, name)().get_config()
    ours = getattr(mc.losses, name)()
    for key in keys:
        assert getattr(ours, key) == config[key], f"{name}.{key}"


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight", "none"])
@pytest.mark.parametrize("loss_id", sorted(LOSSES))
def test_sample_weights_match_keras(tf, rng, loss_id, reduction):
    """loss(y_true, y_pred, sample_weight): each example's loss scaled before the reduction."""
    name, kwargs, *labels = LOSSES[loss_id]
    y_true, y_pred = make_data(rng, name, kwargs, (6, 5), np.float32, *labels)
    weights = rng.uniform(0.0, 2.0, 6 if kwargs.get("axis", -1) != 0 else 5).astype(np.float32)
    ours = getattr(mc.losses, name)(reduction=reduction, **kwargs)
    theirs = getattr(tf.keras.losses, name)(reduction=reduction, **kwargs)
    expected = theirs(tf.constant(y_true), tf.constant(y_pred), sample_weight=tf.constant(weights)).numpy()
    got = ours(y_true, mc.Tensor(y_pred), sample_weight=weights).numpy()
    assert got.shape == expected.shape
    assert_close(got, expected, np.float32, f"{loss_id} with sample weights, reduction={reduction}")
