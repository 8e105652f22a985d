"""minicnn.metrics against tf.keras.metrics: the running result after each of several batches
(with and without sample weights), reset_state, the per-sample functions, the registered names
and ``get``.

Data are drawn with many ties (scores on a grid of 0.5, -0.0 beside 0.0, probabilities on a grid
of 0.1 that hits the thresholds), so that Keras' tie rules are exercised, not avoided.
"""

import re

import numpy as np
import pytest

import minicnn as mc
from minicnn import metrics as M

BATCHES = (5, 1, 8)  # sizes of the successive update_state calls: odd, a batch of one, even
DTYPES = [np.float32, np.float64]


# --- data ------------------------------------------------------------------------------------

def tied_scores(rng, shape):
    """Scores in {-1, -0.5, ±0, 0.5, 1}: many ties, and -0.0 beside 0.0."""
    scores = rng.integers(-2, 3, shape) * 0.5
    zeros = scores == 0
    scores[zeros] *= rng.choice([-1.0, 1.0], zeros.sum())
    return scores


def grid_probabilities(rng, shape):
    """Probabilities on a grid of 0.1, so that some sit exactly on 0.3, 0.5, 0.7 and 0.8."""
    return np.round(rng.uniform(0, 1, shape), 1)


def binary(rng, n, labels=(1,), preds=(1,)):
    return rng.integers(0, 2, (n,) + labels), grid_probabilities(rng, (n,) + preds)


def onehot(rng, n, classes=7):
    return np.eye(classes)[rng.integers(0, classes, n)], tied_scores(rng, (n, classes))


def sparse(rng, n, labels=(), classes=7, steps=()):
    return rng.integers(0, classes, (n,) + steps + labels), tied_scores(rng, (n,) + steps + (classes,))


def sorted_ids(rng, n):
    labels, scores = sparse(rng, n)
    return labels, np.argsort(-scores, axis=-1, kind="stable")[:, :4]


def regression(rng, n, d=4):
    return rng.standard_normal((n, d)), rng.standard_normal((n, d))


def positive_regression(rng, n, d=4):  # msle: some values below 0, where Keras clips to epsilon
    return rng.uniform(-0.3, 3.0, (n, d)), rng.uniform(-0.3, 3.0, (n, d))


def equal_or_not(rng, n):
    return rng.integers(0, 3, (n,)), rng.integers(0, 3, (n, 1)).astype(float)


def multilabel(rng, n, classes=4):
    return rng.integers(0, 2, (n, classes)), grid_probabilities(rng, (n, classes))


CASES = {  # id: (class name in minicnn and Keras, kwargs, data(rng, n) -> (y_true, y_pred))
    "accuracy[(N,)-vs-(N,1)]": ("Accuracy", {}, equal_or_not),
    "binary_accuracy[(N,1)]": ("BinaryAccuracy", {}, binary),
    "binary_accuracy[(N,)-vs-(N,1)]": ("BinaryAccuracy", {}, lambda r, n: binary(r, n, labels=())),
    "binary_accuracy[(N,1)-vs-(N,)]": ("BinaryAccuracy", {}, lambda r, n: binary(r, n, preds=())),
    "binary_accuracy[multilabel,threshold=0.7]": ("BinaryAccuracy", dict(threshold=0.7), multilabel),
    "categorical_accuracy": ("CategoricalAccuracy", {}, onehot),
    "categorical_accuracy[C=1]": ("CategoricalAccuracy", {}, lambda r, n: onehot(r, n, classes=1)),
    "sparse_categorical_accuracy[(N,)]": ("SparseCategoricalAccuracy", {}, sparse),
    "sparse_categorical_accuracy[(N,1)]": ("SparseCategoricalAccuracy", {}, lambda r, n: sparse(r, n, labels=(1,))),
    "sparse_categorical_accuracy[float-labels]": (
        "SparseCategoricalAccuracy", {}, lambda r, n: tuple(a.astype(float) for a in sparse(r, n))),
    "sparse_categorical_accuracy[sequence]": ("SparseCategoricalAccuracy", {}, lambda r, n: sparse(r, n, steps=(3,))),
    "top_k[default-k]": ("TopKCategoricalAccuracy", {}, onehot),
    "top_k[k=2]": ("TopKCategoricalAccuracy", dict(k=2), onehot),
    "top_k[k=1]": ("TopKCategoricalAccuracy", dict(k=1), lambda r, n: onehot(r, n, classes=3)),
    "sparse_top_k[default-k]": ("SparseTopKCategoricalAccuracy", {}, sparse),
    "sparse_top_k[k=2,(N,)]": ("SparseTopKCategoricalAccuracy", dict(k=2), sparse),
    "sparse_top_k[k=3,(N,1)]": ("SparseTopKCategoricalAccuracy", dict(k=3), lambda r, n: sparse(r, n, labels=(1,))),
    "sparse_top_k[k=2,sequence]": ("SparseTopKCategoricalAccuracy", dict(k=2),
                                   lambda r, n: sparse(r, n, steps=(3,))),
    "sparse_top_k[k=2,from_sorted_ids]": ("SparseTopKCategoricalAccuracy", dict(k=2, from_sorted_ids=True),
                                          sorted_ids),
    "mse": ("MeanSquaredError", {}, regression),
    "mse[(N,)-vs-(N,1)]": ("MeanSquaredError", {}, lambda r, n: (r.standard_normal(n), r.standard_normal((n, 1)))),
    "mae": ("MeanAbsoluteError", {}, regression),
    "mape": ("MeanAbsolutePercentageError", {}, regression),
    "msle": ("MeanSquaredLogarithmicError", {}, positive_regression),
    "rmse": ("RootMeanSquaredError", {}, regression),
    "rmse[d=1]": ("RootMeanSquaredError", {}, lambda r, n: regression(r, n, d=1)),
    "precision[(N,1)]": ("Precision", {}, binary),
    "precision[multilabel,thresholds]": ("Precision", dict(thresholds=[0.3, 0.5, 0.8]), multilabel),
    "precision[class_id=2]": ("Precision", dict(class_id=2), multilabel),
    "precision[top_k=2]": ("Precision", dict(top_k=2), multilabel),
    "precision[top_k=3,C=40]": ("Precision", dict(top_k=3), lambda r, n: multilabel(r, n, classes=40)),
    "recall[(N,1)]": ("Recall", {}, binary),
    "recall[multilabel,threshold=0.3]": ("Recall", dict(thresholds=0.3), multilabel),
    "recall[top_k=1,class_id=0]": ("Recall", dict(top_k=1, class_id=0), multilabel),
}
VALUE_CASES = {  # Mean and Sum take values: id: (class name, data(rng, n) -> values)
    "mean[scalar]": ("Mean", lambda r, n: np.asarray(r.standard_normal())),
    "sum[scalar]": ("Sum", lambda r, n: np.asarray(r.standard_normal())),
    "mean[(N,)]": ("Mean", lambda r, n: r.standard_normal(n)),
    "mean[(N,3)]": ("Mean", lambda r, n: r.standard_normal((n, 3))),
    "sum[(N,)]": ("Sum", lambda r, n: r.standard_normal(n)),
    "sum[(N,3)]": ("Sum", lambda r, n: r.standard_normal((n, 3))),
}
WEIGHTINGS = {  # id: sample_weight(rng, n), one zero weight among them
    "unweighted": lambda r, n: None,
    "weights(N,)": lambda r, n: np.where(np.arange(n) == 1, 0.0, r.uniform(0.2, 2.0, n)),
    "weights(N,1)": lambda r, n: r.uniform(0.2, 2.0, (n, 1)),
    "weight-scalar": lambda r, n: 1.7,
}


# --- the comparison --------------------------------------------------------------------------

def result_of(metric):
    """A minicnn or Keras result as a float64 array (Precision with several thresholds: a vector)."""
    value = metric.result()
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value, dtype=np.float64)


def assert_results_equal(ours, theirs, what, dtype=np.float32):
    rtol = 2e-6 if np.dtype(dtype) == np.float32 else 1e-12
    got, expected = result_of(ours), result_of(theirs)
    assert isinstance(ours.result(), (float, list)), f"{what}: result() is a {type(ours.result()).__name__}"
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * 0.1,
                               err_msg=f"{what}: minicnn {got}, Keras {expected}")


def for_keras(metric, args):
    """tf.math.in_top_k takes float32 scores only (Keras' top-k metrics fail on float64; minicnn's
    do not): Keras gets float32 copies, exact for the grid of 0.5 the scores are drawn on."""
    if type(metric).__name__ in ("TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy") and \
            not getattr(metric, "from_sorted_ids", False):
        return tuple(a.astype(np.float32) if a.dtype == np.float64 else a for a in args)
    return args


def feed_both(ours, theirs, batches, what, dtype=np.float32):
    """update_state on both with each batch (args, sample_weight), comparing the result after each."""
    for i, (args, weight) in enumerate(batches):
        ours.update_state(*args, sample_weight=weight)
        theirs.update_state(*for_keras(ours, args), sample_weight=weight)
        assert_results_equal(ours, theirs, f"{what} after batch {i} of shape {np.shape(args[0])}", dtype)


def make_batches(rng, data, weighting, dtype, sizes=BATCHES):
    batches = []
    for n in sizes:
        arrays = data(rng, n)
        arrays = arrays if isinstance(arrays, tuple) else (arrays,)
        arrays = tuple(a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays)
        batches.append((arrays, WEIGHTINGS[weighting](rng, n)))
    return batches


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: f"data={np.dtype(d).name}")
@pytest.mark.parametrize("weighting", sorted(WEIGHTINGS))
@pytest.mark.parametrize("case_id", sorted(CASES))
def test_metric_matches_keras_batch_by_batch(tf, rng, case_id, weighting, dtype):
    name, kwargs, data = CASES[case_id]
    ours, theirs = getattr(M, name)(**kwargs), getattr(tf.keras.metrics, name)(**kwargs)
    what = f"{case_id} {weighting} data={np.dtype(dtype).name}"
    feed_both(ours, theirs, make_batches(rng, data, weighting, dtype), what)
    ours.reset_state()
    theirs.reset_state()
    assert_results_equal(ours, theirs, f"{what} after reset_state")
    feed_both(ours, theirs, make_batches(rng, data, weighting, dtype, sizes=(3,)), f"{what} after reset")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: f"data={np.dtype(d).name}")
@pytest.mark.parametrize("weighting", sorted(WEIGHTINGS))
@pytest.mark.parametrize("case_id", sorted(VALUE_CASES))
def test_mean_and_sum_match_keras(tf, rng, case_id, weighting, dtype):
    name, data = VALUE_CASES[case_id]
    ours, theirs = getattr(M, name)(), getattr(tf.keras.metrics, name)()
    batches = make_batches(rng, data, weighting, dtype)
    if case_id.endswith("[scalar]") and np.ndim(batches[0][1]) > 0:  # Keras fails too (broadcast_to)
        with pytest.raises(ValueError, match=r"sample_weight of shape \(5,( 1)?\) does not broadcast"):
            ours.update_state(*batches[0][0], sample_weight=batches[0][1])
        return
    feed_both(ours, theirs, batches, f"{case_id} {weighting}")
    ours.reset_state()
    theirs.reset_state()
    assert_results_equal(ours, theirs, f"{case_id} after reset_state")


@pytest.mark.parametrize("case_id", ["rmse", "mean[(N,3)]", "sum[(N,3)]", "precision[multilabel,thresholds]",
                                     "recall[multilabel,threshold=0.3]", "precision[top_k=2]"])
def test_per_entry_sample_weights_match_keras(tf, rng, case_id):
    """Weights with the shape of the values (RMSE's squared errors, Mean's values, y_pred)."""
    if case_id in VALUE_CASES:
        name, data = VALUE_CASES[case_id]
        ours, theirs = getattr(M, name)(), getattr(tf.keras.metrics, name)()
    else:
        name, kwargs, data = CASES[case_id]
        ours, theirs = getattr(M, name)(**kwargs), getattr(tf.keras.metrics, name)(**kwargs)
    batches = []
    for n in BATCHES:
        arrays = data(rng, n)
        arrays = arrays if isinstance(arrays, tuple) else (arrays,)
        batches.append((arrays, rng.uniform(0.0, 2.0, arrays[-1].shape)))
    feed_both(ours, theirs, batches, f"{case_id} weights of shape y_pred")


@pytest.mark.parametrize("case_id", ["mse", "sparse_categorical_accuracy[(N,)]", "binary_accuracy[(N,1)]", "rmse"])
def test_float64_metric_dtype_matches_keras(tf, rng, case_id):
    name, kwargs, data = CASES[case_id]
    ours = getattr(M, name)(dtype="float64", **kwargs)
    theirs = getattr(tf.keras.metrics, name)(dtype="float64", **kwargs)
    assert ours.dtype == np.float64 and ours.total.dtype == np.float64
    feed_both(ours, theirs, make_batches(rng, data, "weights(N,)", np.float64), f"{case_id} dtype=float64",
              np.float64)


def test_results_before_any_update_are_zero_as_in_keras(tf):
    for name in ["Mean", "Sum", "BinaryAccuracy", "RootMeanSquaredError", "Precision", "Recall"]:
        assert_results_equal(getattr(M, name)(), getattr(tf.keras.metrics, name)(), f"{name} with no update")
    assert M.Mean().result() == 0.0


def test_all_zero_weights_give_zero_as_in_keras(tf):
    ours, theirs = M.CategoricalAccuracy(), tf.keras.metrics.CategoricalAccuracy()
    y_true, y_pred = onehot(np.random.default_rng(3), 4)
    feed_both(ours, theirs, [((y_true, y_pred), np.zeros(4))], "weights all 0")
    assert ours.result() == 0.0


def test_call_updates_and_returns_the_result(tf):
    ours, theirs = M.SparseCategoricalAccuracy(), tf.keras.metrics.SparseCategoricalAccuracy()
    y_true, y_pred = sparse(np.random.default_rng(4), 6)
    assert ours(y_true, y_pred) == pytest.approx(float(theirs(y_true, y_pred)), rel=1e-7)
    assert ours(y_true[:2], y_pred[:2]) == pytest.approx(float(theirs(y_true[:2], y_pred[:2])), rel=1e-7)


def test_tensors_with_gradients_are_read_without_a_graph():
    y_pred = mc.Tensor(np.array([[0.2, 0.8], [0.9, 0.1]], np.float32), requires_grad=True)
    metric = M.CategoricalAccuracy()
    metric.update_state(mc.Tensor(np.eye(2, dtype=np.float32)), y_pred)
    assert metric.result() == 0.0 and y_pred.grad is None
    metric.update_state(np.eye(2), y_pred * 1.0)
    assert metric.result() == 0.0


# --- the per-sample functions ----------------------------------------------------------------

FUNCTION_CASES = {  # id: (function name in minicnn and keras.metrics, kwargs, data(rng, n))
    "binary_accuracy[(N,1)]": ("binary_accuracy", {}, binary),
    "binary_accuracy[(N,)-vs-(N,1)]": ("binary_accuracy", {}, lambda r, n: binary(r, n, labels=())),
    "binary_accuracy[(N,1)-vs-(N,)]": ("binary_accuracy", {}, lambda r, n: binary(r, n, preds=())),
    "binary_accuracy[multilabel,threshold=0.3]": ("binary_accuracy", dict(threshold=0.3), multilabel),
    "categorical_accuracy": ("categorical_accuracy", {}, onehot),
    "categorical_accuracy[soft-labels]": ("categorical_accuracy", {},
                                          lambda r, n: (r.dirichlet(np.ones(5), n), tied_scores(r, (n, 5)))),
    "sparse_categorical_accuracy[(N,)]": ("sparse_categorical_accuracy", {}, sparse),
    "sparse_categorical_accuracy[(N,1)]": ("sparse_categorical_accuracy", {}, lambda r, n: sparse(r, n, labels=(1,))),
    "sparse_categorical_accuracy[sequence]": ("sparse_categorical_accuracy", {},
                                              lambda r, n: sparse(r, n, steps=(3,))),
    "sparse_categorical_accuracy[sequence,(N,T,1)]": ("sparse_categorical_accuracy", {},
                                                      lambda r, n: sparse(r, n, labels=(1,), steps=(2,))),
    "sparse_categorical_accuracy[(N,1)-vs-(N,1,C)]": ("sparse_categorical_accuracy", {},
                                                      lambda r, n: sparse(r, n, steps=(1,))),
    "top_k_categorical_accuracy[k=1]": ("top_k_categorical_accuracy", dict(k=1), onehot),
    "top_k_categorical_accuracy[k=2]": ("top_k_categorical_accuracy", dict(k=2), onehot),
    "top_k_categorical_accuracy[default-k]": ("top_k_categorical_accuracy", {}, onehot),
    "top_k_categorical_accuracy[k>C]": ("top_k_categorical_accuracy", dict(k=9), onehot),
    "sparse_top_k[k=1,(N,)]": ("sparse_top_k_categorical_accuracy", dict(k=1), sparse),
    "sparse_top_k[k=3,(N,)]": ("sparse_top_k_categorical_accuracy", dict(k=3), sparse),
    "sparse_top_k[k=1,float-labels-truncated]": ("sparse_top_k_categorical_accuracy", dict(k=1),
                                                 lambda r, n: (sparse(r, n)[0] + 0.6, tied_scores(r, (n, 7)))),
    "sparse_top_k[k=2,(N,1)]": ("sparse_top_k_categorical_accuracy", dict(k=2), lambda r, n: sparse(r, n, labels=(1,))),
    "sparse_top_k[k=2,sequence]": ("sparse_top_k_categorical_accuracy", dict(k=2),
                                   lambda r, n: sparse(r, n, steps=(3,))),
    "sparse_top_k[k=2,from_sorted_ids]": ("sparse_top_k_categorical_accuracy", dict(k=2, from_sorted_ids=True),
                                          sorted_ids),
    "mean_squared_error": ("mean_squared_error", {}, regression),
    "mean_absolute_error[(N,)-vs-(N,1)]": ("mean_absolute_error", {},
                                           lambda r, n: (r.standard_normal(n), r.standard_normal((n, 1)))),
    "mean_absolute_percentage_error": ("mean_absolute_percentage_error", {}, regression),
    "mean_squared_logarithmic_error": ("mean_squared_logarithmic_error", {}, positive_regression),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: f"data={np.dtype(d).name}")
@pytest.mark.parametrize("n", [1, 9], ids=lambda n: f"N={n}")
@pytest.mark.parametrize("case_id", sorted(FUNCTION_CASES))
def test_function_matches_keras_sample_by_sample(tf, rng, case_id, n, dtype):
    name, kwargs, data = FUNCTION_CASES[case_id]
    y_true, y_pred = data(rng, n)
    y_pred = y_pred.astype(dtype) if y_pred.dtype.kind == "f" else y_pred
    got = getattr(M, name)(y_true, y_pred, **kwargs)
    keras_pred = y_pred.astype(np.float32) if "top_k" in name and not kwargs.get("from_sorted_ids") else y_pred
    import keras  # Keras 3's namespace (tf.keras spells mean_squared_error "mse")

    expected = getattr(keras.metrics, name)(y_true, keras_pred, **kwargs).numpy()  # see for_keras
    what = f"{case_id} N={n} data={np.dtype(dtype).name}"
    assert isinstance(got, np.ndarray), f"{what}: returns a {type(got).__name__}"
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, Keras {expected.shape}"
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype}, Keras {expected.dtype}"
    tol = 1e-6 if got.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, err_msg=what)


def test_top_k_counts_every_class_tied_with_the_kth_score(tf):
    """tf.math.in_top_k: a label is in the top k when fewer than k classes score strictly higher."""
    y_pred = np.array([[0.1, 0.5, 0.5, 0.2], [1, 1, 1, 1], [0.3, 0.3, 0.1, 0.9], [-0.0, 0.0, -1, -1]], np.float32)
    labels = np.array([2, 3, 1, 0])
    got = M.sparse_top_k_categorical_accuracy(labels, y_pred, k=1)
    np.testing.assert_array_equal(got, [1, 1, 0, 1])  # rows 0, 1, 3: tied with the best score
    np.testing.assert_array_equal(got, tf.keras.metrics.sparse_top_k_categorical_accuracy(labels, y_pred, k=1))
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy(labels, y_pred, k=2), [1, 1, 1, 1])


def test_top_k_misses_labels_out_of_range_and_non_finite_scores_as_keras_does(tf):
    y_pred = np.array([[0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [np.inf, 0.2, 0.1], [0.1, np.nan, 0.3]], np.float32)
    labels = np.array([7, -1, 0, 1])
    got = M.sparse_top_k_categorical_accuracy(labels, y_pred, k=3)
    np.testing.assert_array_equal(got, [0, 0, 0, 0])  # k=3 of 3 classes, yet no hit
    np.testing.assert_array_equal(got, tf.keras.metrics.sparse_top_k_categorical_accuracy(labels, y_pred, k=3))


def test_argmax_takes_the_first_of_tied_maxima_and_ranks_minus_zero_below_zero(tf):
    y_pred = np.array([[0.5, 0.5, 0.1], [-0.0, 0.0, -1.0], [0.0, -0.0, -1.0]], np.float32)
    labels = np.array([1, 1, 0])
    got = M.sparse_categorical_accuracy(labels, y_pred)
    np.testing.assert_array_equal(got, [0, 1, 1])  # NumPy's plain argmax would say [0, 0, 1]
    np.testing.assert_array_equal(got, tf.keras.metrics.sparse_categorical_accuracy(labels, y_pred))


def test_binary_threshold_is_compared_in_float32_as_keras_does(tf):
    y_pred = np.array([0.7, 0.69999999, 0.6999999888, 0.69999998], np.float64)  # float32(0.7) = 0.699999988...
    got = M.binary_accuracy(np.ones(4), y_pred, threshold=0.7)
    np.testing.assert_array_equal(got, [1, 1, 1, 0])
    np.testing.assert_array_equal(got, tf.keras.metrics.binary_accuracy(np.ones(4), y_pred, threshold=0.7))


def test_function_results_take_the_default_dtype():
    mc.set_default_dtype("float64")
    try:
        assert M.binary_accuracy(np.ones(3), np.full(3, 0.9)).dtype == np.float64
        assert M.BinaryAccuracy().dtype == np.float64
    finally:
        mc.set_default_dtype("float32")
    assert M.binary_accuracy(np.ones(3), np.full(3, 0.9)).dtype == np.float32


# --- names and get ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", M.METRICS.names())
def test_every_registered_name_means_the_same_metric_in_keras(tf, name):
    ours = type(M.get(name)).__name__
    theirs = tf.keras.metrics.get(name)
    assert type(theirs).__name__ == ours, f"{name!r}: minicnn {ours}, Keras {type(theirs).__name__}"


@pytest.mark.parametrize("name", M.METRICS.names())
def test_a_name_given_to_compile_names_the_metric_as_keras_does(tf, name):
    from keras.src.trainers.compile_utils import get_metric

    y_true, y_pred = tf.constant(np.ones((2, 3))), tf.constant(np.ones((2, 3)))
    assert M.get(name).name == get_metric(name, y_true, y_pred).name == name


@pytest.mark.parametrize("cls", sorted({c.__name__: c for c in M.METRICS.entries.values()}.items()),
                         ids=lambda item: item[0])
def test_default_names_and_arguments_equal_keras(tf, cls):
    name, cls = cls
    theirs = getattr(tf.keras.metrics, name)()
    pattern = rf"{cls().name}(_\d+)?"  # Keras numbers the default names of Precision, Recall: precision_3
    assert re.fullmatch(pattern, theirs.name), f"{name}: default name {cls().name!r}, Keras {theirs.name!r}"
    for key, value in theirs.get_config().items():
        attribute = {"thresholds": "init_thresholds"}.get(key, key)  # as given, not parsed
        if key not in ("name", "dtype"):
            assert getattr(cls(), attribute) == value, f"{name}.{key}: {getattr(cls(), attribute)!r}, Keras {value!r}"


def test_every_registered_metric_is_compared_with_keras_here():
    tested = {name for name, *_ in CASES.values()} | {name for name, _ in VALUE_CASES.values()}
    for cls in set(M.METRICS.entries.values()):
        assert cls.__name__ in tested, f"metrics.{cls.__name__} has no entry in CASES (or VALUE_CASES)"


def test_every_keras_class_name_and_snake_case_is_registered():
    for cls in {c for c in M.METRICS.entries.values()}:
        assert cls.__name__ in M.METRICS and mc.registry.snake_case(cls.__name__) in M.METRICS


def test_names_are_case_sensitive_as_in_keras(tf):
    assert "MSE" in M.METRICS and "mse" in M.METRICS and "Mse" not in M.METRICS
    with pytest.raises(ValueError, match="Could not interpret"):
        tf.keras.metrics.get("Mse")
    with pytest.raises(ValueError, match=r"unknown metric 'Mse'; expected one of \["):
        M.get("Mse")


def test_get_returns_instances_and_instantiates_classes():
    metric = M.Recall(thresholds=0.2)
    assert M.get(metric) is metric
    assert type(M.get(M.TopKCategoricalAccuracy)) is M.TopKCategoricalAccuracy
    with pytest.raises(ValueError, match="metric must be a name, a Metric or a callable"):
        M.get(42)


def test_get_wraps_a_function_in_a_mean_named_after_it(tf, rng):
    def largestError(y_true, y_pred):  # noqa: N802 (Keras snake_cases the name)
        return np.abs(np.asarray(y_true) - np.asarray(y_pred)).max(axis=-1)

    from keras.src.trainers.compile_utils import get_metric

    ours = M.get(largestError)
    theirs = get_metric(largestError, None, None)
    assert isinstance(ours, M.MeanMetricWrapper) and ours.name == theirs.name == "largest_error"
    batches = [((rng.standard_normal((n, 3)), rng.standard_normal((n, 3))), rng.uniform(0, 1, n)) for n in BATCHES]
    feed_both(ours, theirs, batches, "wrapped function")


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: M.TopKCategoricalAccuracy(k=0), "k must be a positive integer, got 0"),
    (lambda: M.SparseTopKCategoricalAccuracy(k=2.5), "k must be a positive integer, got 2.5"),
    (lambda: M.Mean(dtype="int32"), "dtype must be a float dtype.*int32"),
    (lambda: M.Precision(thresholds=1.5), r"thresholds must be values in \[0, 1\], got 1.5"),
    (lambda: M.Recall(top_k=0), "top_k must be a positive integer, got 0"),
    (lambda: M.BinaryAccuracy(threshold="0.5"), "threshold must be a number, got '0.5'"),
    (lambda: M.MeanMetricWrapper(3), "fn must be a callable"),
], ids=["top_k-k0", "sparse_top_k-k2.5", "mean-int-dtype", "precision-threshold", "recall-top_k", "binary-threshold",
        "wrapper-fn"])
def test_bad_arguments_raise(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


@pytest.mark.parametrize("metric, y_true, y_pred, weight, message", [
    (M.CategoricalAccuracy(), np.array([0, 2, 1]), np.ones((3, 4)), None, r"\(3,\).*\(3, 4\)"),
    (M.BinaryAccuracy(), np.ones((3, 2)), np.ones((3, 1)), None, r"\(3, 2\).*\(3, 1\)"),
    (M.SparseCategoricalAccuracy(), np.ones(4), np.ones((3, 4)), None, r"\(4,\).*\(3, 4\)"),
    (M.SparseTopKCategoricalAccuracy(), np.ones(4), np.ones((3, 4)), None, r"\(4,\).*\(3, 4\)"),
    (M.TopKCategoricalAccuracy(), np.ones((3, 4)), np.ones((3, 5)), None, r"\(3, 4\).*\(3, 5\)"),
    (M.MeanSquaredError(), np.ones((3, 4)), np.ones((3, 2)), None, r"\(3, 4\).*\(3, 2\)"),
    (M.RootMeanSquaredError(), np.ones((3, 4)), np.ones((3, 2)), None, r"\(3, 4\).*\(3, 2\)"),
    (M.Accuracy(), np.ones(3), np.ones(3), np.ones(4), r"sample_weight of shape \(4,\).*\(3,\)"),
    (M.Precision(), np.ones((3, 1)), np.ones((3, 1)), np.ones(4), r"sample_weight of shape \(4,\)"),
    (M.Precision(class_id=3), np.ones((3, 2)), np.ones((3, 2)), None, "class_id=3"),
], ids=["categorical-sparse-labels", "binary-shapes", "sparse-count", "sparse-top-k-count", "top-k-classes",
        "mse-shapes", "rmse-shapes", "weights-count", "precision-weights", "precision-class-id"])
def test_bad_inputs_raise_value_error(metric, y_true, y_pred, weight, message):
    with pytest.raises(ValueError, match=message):
        metric.update_state(y_true, y_pred, sample_weight=weight)
