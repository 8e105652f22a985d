"""Keras 3's metric objects: stateful, computed on raw arrays in NumPy, outside the autograd graph.

``m.update_state(y_true, y_pred, sample_weight=None)`` adds a batch, ``m.result()`` is the value
over every batch since the last ``m.reset_state()`` (a Python float). Like Keras, a metric keeps
its running totals in its ``dtype`` (the default float dtype, float32, unless given), and the
per-sample functions (``binary_accuracy``, ...) return one value per sample in that default dtype.

Defining a subclass registers its Keras names, the class name and its snake_case (plus
``aliases``), for ``compile(metrics=["name"])``; ``get`` turns a name, a class, an instance or a
per-sample function into a Metric. The strings "accuracy" and "acc" are a compile() shortcut that
the training loop resolves from the labels and the output (BinaryAccuracy, SparseCategoricalAccuracy
or CategoricalAccuracy, as Keras' compile_utils does); ``get("accuracy")`` alone is Keras'
``Accuracy`` (exact equality).
"""

import inspect

import numpy as np

from .backend import as_array, get_default_dtype, to_numpy, unwrap
from .layers.base import positive_int
from .registry import Registry, register_subclass, snake_case

EPSILON = 1e-7  # Keras' backend epsilon
NEG_INF = -1e10  # the score Keras gives to predictions outside the top k (Precision/Recall top_k)

METRICS = Registry("metric", case_sensitive=True)  # Keras looks metric names up case-sensitively


# --- helpers on raw arrays -------------------------------------------------------------------

def _array(x):
    """A Tensor, NumPy or CuPy array as a NumPy array; Python numbers and lists take the default
    float dtype when they hold floats (as Keras' convert_to_tensor gives float32)."""
    x = unwrap(x)
    return to_numpy(x if hasattr(x, "dtype") else as_array(x))


def _float_dtype(dtype, owner):
    if dtype is None:
        return get_default_dtype()
    try:
        result = np.dtype(dtype)
    except TypeError:
        result = None
    if result is None or result.kind != "f":
        raise ValueError(f"{owner}: dtype must be a float dtype such as 'float32', got {dtype!r}")
    return result


def _same_rank(a, b):
    """Keras' rule: when the ranks differ by one and the longer array ends in a 1, drop that 1
    (or, for a rank-1 partner, give the partner a trailing 1 instead)."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        return (a, b[:, None]) if b.ndim == 1 else (a[..., 0], b)
    if b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        return (a[:, None], b) if a.ndim == 1 else (a, b[..., 0])
    return a, b


def _check_same_shape(fn, y_true, y_pred):
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{fn}: y_true shape {y_true.shape} and y_pred shape {y_pred.shape} must be equal")


def _argmax(x):
    """Index of the largest value along the last axis, the first one on ties; as in Keras, -0.0
    counts as slightly smaller than 0.0."""
    if x.dtype.kind == "f":
        x = x.astype(np.result_type(x.dtype, np.float32))
        x = np.where((x == 0) & np.signbit(x), -np.finfo(x.dtype).tiny, x)
    return np.argmax(x, axis=-1)


def _in_top_k(targets, predictions, k):
    """tf.math.in_top_k: targets (n,) int, predictions (n, c). A target is in the top k when fewer
    than k classes score strictly higher, so ties at the boundary are all in; a target out of
    range or with a non-finite score is not."""
    n, classes = predictions.shape
    valid = (targets >= 0) & (targets < classes)
    scores = predictions[np.arange(n), np.where(valid, targets, 0)]
    valid &= np.isfinite(scores)
    higher = (predictions > scores[:, None]).sum(axis=-1)
    return valid & (higher < k)


def _float32_if_python(value):
    """A Python float as Keras converts it (float32); arrays and NumPy numbers keep their dtype."""
    return np.float32(value) if type(value) in (float, int) else np.asarray(value)


# --- per-sample functions --------------------------------------------------------------------

def accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred exactly, else 0.0 (ranks aligned as Keras does)."""
    y_pred = _array(y_pred)
    y_true, y_pred = _same_rank(_array(y_true).astype(y_pred.dtype), y_pred)
    _check_same_shape("accuracy", y_true, y_pred)
    return (y_true == y_pred).astype(get_default_dtype())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where (y_pred > threshold) equals y_true (labels 0/1), elementwise; y_true (N,) or (N, 1)
    against y_pred (N, 1) or (N,). The threshold is compared in float32, as Keras does."""
    y_true, y_pred = _same_rank(_array(y_true), _array(y_pred))
    _check_same_shape("binary_accuracy", y_true, y_pred)
    predicted = (y_pred > _float32_if_python(threshold)).astype(y_true.dtype)
    return (y_true == predicted).astype(get_default_dtype())


def categorical_accuracy(y_true, y_pred):
    """One-hot (or soft) y_true (..., C) against scores (..., C): 1.0 where both argmaxes agree
    (the first index on ties), shape (...)."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    _check_same_shape("categorical_accuracy", y_true, y_pred)
    return (_argmax(y_true) == _argmax(y_pred)).astype(get_default_dtype())


def sparse_categorical_accuracy(y_true, y_pred):
    """Integer labels (...) or (..., 1) against scores (..., C): 1.0 where the label is the argmax
    (the first index on ties); shape (...), a trailing axis of 1 dropped as Keras does."""
    y_pred = _array(y_pred)
    y_true = _array(y_true).astype(y_pred.dtype)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_pred.ndim < 1 or y_true.shape != y_pred.shape[:-1]:
        raise ValueError(f"sparse_categorical_accuracy: labels shape {y_true.shape} must be y_pred shape "
                         f"{y_pred.shape} without its last axis (or with it as 1)")
    matches = (y_true == _argmax(y_pred).astype(y_pred.dtype)).astype(get_default_dtype())
    return matches[..., 0] if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """One-hot y_true (..., C) against scores (..., C): 1.0 where the true class (the argmax of
    y_true) is in the top k scores; classes tied with the k-th score all count as in the top k."""
    k = positive_int(k, "k", "top_k_categorical_accuracy")
    y_pred = _array(y_pred)
    y_true = _array(y_true).astype(y_pred.dtype)
    _check_same_shape("top_k_categorical_accuracy", y_true, y_pred)
    targets = _argmax(y_true)
    hits = _in_top_k(targets.reshape(-1), y_pred.reshape(-1, y_pred.shape[-1]), k)
    return hits.reshape(targets.shape).astype(get_default_dtype())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Integer labels against scores (..., C): 1.0 where the label is in the top k scores (ties
    at the boundary count as in). The result has the labels' shape: (N,) for (N,), (N, 1) for
    (N, 1), as in Keras. With ``from_sorted_ids``, y_pred holds class ids, best first."""
    k = positive_int(k, "k", "sparse_top_k_categorical_accuracy")
    y_pred = _array(y_pred)
    labels = _array(y_true).astype(y_pred.dtype if from_sorted_ids else np.int32)
    if y_pred.ndim < 2 or labels.size != y_pred.size // max(y_pred.shape[-1], 1):
        raise ValueError(f"sparse_top_k_categorical_accuracy: labels shape {labels.shape} needs one label per row "
                         f"of y_pred, got y_pred shape {y_pred.shape}")
    rows, flat = y_pred.reshape(-1, y_pred.shape[-1]), labels.reshape(-1)
    if from_sorted_ids:
        hits = (flat[:, None] == rows[:, :k]).any(axis=-1)
    else:
        hits = _in_top_k(flat, rows, k)
    return hits.reshape(labels.shape).astype(get_default_dtype())


def _regression_operands(fn, y_true, y_pred):
    y_pred = _array(y_pred)
    y_true, y_pred = _same_rank(_array(y_true).astype(y_pred.dtype), y_pred)
    try:
        np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        raise ValueError(f"{fn}: y_true shape {y_true.shape} and y_pred shape {y_pred.shape} "
                         "cannot be broadcast together") from None
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)²) over the last axis, in y_pred's dtype."""
    y_true, y_pred = _regression_operands("mean_squared_error", y_true, y_pred)
    return np.square(y_true - y_pred).mean(axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis, in y_pred's dtype."""
    y_true, y_pred = _regression_operands("mean_absolute_error", y_true, y_pred)
    return np.abs(y_true - y_pred).mean(axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 · mean(|y_true - y_pred| / max(|y_true|, 1e-7)) over the last axis."""
    y_true, y_pred = _regression_operands("mean_absolute_percentage_error", y_true, y_pred)
    scale = np.maximum(np.abs(y_true), y_pred.dtype.type(EPSILON))
    return 100 * np.abs((y_true - y_pred) / scale).mean(axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))²) over the last axis."""
    y_true, y_pred = _regression_operands("mean_squared_logarithmic_error", y_true, y_pred)
    eps = np.float32(EPSILON)  # Keras makes a float32 epsilon here, whatever the inputs' dtype
    first, second = np.log(np.maximum(y_pred, eps) + 1), np.log(np.maximum(y_true, eps) + 1)
    return np.square(first - second).mean(axis=-1)


# --- the metric objects ----------------------------------------------------------------------

class Metric:
    """A running statistic: ``update_state(...)`` accumulates, ``result()`` reads, ``reset_state()``
    starts again; ``metric(y_true, y_pred)`` updates and returns the result."""

    aliases = ()  # Keras names besides the class name and its snake_case
    by_name = True  # False for a class that needs arguments (MeanMetricWrapper): not registered

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("by_name", True):
            register_subclass(METRICS, cls, cls.__name__, snake_case(cls.__name__), *cls.aliases)

    def __init__(self, dtype=None, name=None):
        self.name = name or snake_case(type(self).__name__)
        self.dtype = _float_dtype(dtype, type(self).__name__)
        self.reset_state()

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        raise NotImplementedError

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _samplewise(values, sample_weight, reduce, dtype):
    """Keras' reduction of ``values`` to one value per sample, weighted: the weights' rank is
    aligned, extra value axes are reduced, weights broadcast and multiplied in, then both are
    reduced over every axis but the first. Returns (values, weights or None)."""
    values = _array(values).astype(dtype)
    weights = None
    if sample_weight is not None:
        weights = _array(sample_weight).astype(dtype)
        values, weights = _same_rank(values, weights)
        if values.ndim > weights.ndim:
            values = reduce(values, axis=tuple(range(weights.ndim, values.ndim)))
        try:
            weights = np.broadcast_to(weights, values.shape)
        except ValueError:
            raise ValueError(f"sample_weight of shape {weights.shape} does not broadcast to the "
                             f"per-sample values of shape {values.shape}") from None
        values = values * weights
        if weights.ndim > 1:
            weights = reduce(weights, axis=tuple(range(1, weights.ndim)))
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, weights


class Sum(Metric):
    """The (weighted) sum of every value given: Σ w·v."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.total = self.dtype.type(0)

    def update_state(self, values, sample_weight=None):
        values, _ = _samplewise(values, sample_weight, np.sum, self.dtype)
        self.total = self.dtype.type(self.total + values.sum(dtype=self.dtype))

    def result(self):
        return float(self.total)


class Mean(Metric):
    """The (weighted) mean of every value given: total / count = Σ w·v / Σ w (w = 1 by default;
    0 before any weight). Values of shape (N, ...) are first averaged per sample."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.total = self.count = self.dtype.type(0)

    def update_state(self, values, sample_weight=None):
        values, weights = _samplewise(values, sample_weight, np.mean, self.dtype)
        if weights is not None:
            count = weights.sum(dtype=self.dtype)
        else:
            count = values.shape[0] if values.ndim else 1
        self.total = self.dtype.type(self.total + values.sum(dtype=self.dtype))
        self.count = self.dtype.type(self.count + count)

    def mean(self):
        """total / count in the metric's dtype (0 when count is 0)."""
        return self.total / self.count if self.count else self.dtype.type(0)

    def result(self):
        return float(self.mean())


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)``, a function giving one value per sample."""

    by_name = False

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: fn must be a callable (y_true, y_pred) -> values, got {fn!r}")
        super().__init__(name=name or "mean_metric_wrapper", dtype=dtype)
        self.fn, self.fn_kwargs = fn, kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self.fn(y_true, y_pred, **self.fn_kwargs), sample_weight=sample_weight)


class Accuracy(MeanMetricWrapper):
    """How often y_pred equals y_true exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches labels 0/1 (``binary_accuracy``)."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
            raise ValueError(f"BinaryAccuracy: threshold must be a number, got {threshold!r}")
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the scores is the argmax of one-hot labels (``categorical_accuracy``)."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the scores is the integer label (``sparse_categorical_accuracy``)."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the k best scores (``top_k_categorical_accuracy``)."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        self.k = positive_int(k, "k", "TopKCategoricalAccuracy")
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=self.k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the k best scores (``sparse_top_k_categorical_accuracy``)."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        self.k = positive_int(k, "k", "SparseTopKCategoricalAccuracy")
        self.from_sorted_ids = bool(from_sorted_ids)
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=self.k,
                         from_sorted_ids=self.from_sorted_ids)


class MeanSquaredError(MeanMetricWrapper):
    """The mean over samples of ``mean_squared_error``."""

    aliases = ("mse", "MSE")

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean over samples of ``mean_absolute_error``."""

    aliases = ("mae", "MAE")

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean over samples of ``mean_absolute_percentage_error``."""

    aliases = ("mape", "MAPE")

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean over samples of ``mean_squared_logarithmic_error``."""

    aliases = ("msle", "MSLE")

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """sqrt(Σ w·(y_pred - y_true)² / Σ w), the squared errors averaged per sample first.

    Unlike Keras, labels (N,) against predictions (N, 1) are aligned first (Keras would broadcast
    them to (N, N))."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _same_rank(_array(y_true).astype(self.dtype), _array(y_pred).astype(self.dtype))
        _check_same_shape("RootMeanSquaredError", y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return float(np.sqrt(self.mean()))


class _Confusion(Metric):
    """Weighted counts of true/false positives (and negatives) of binary decisions
    y_pred > threshold, one count per threshold, accumulated in the default float dtype as Keras
    does. Labels are read as booleans (nonzero = positive); every entry of y_pred is a decision."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        owner = type(self).__name__
        self.top_k = None if top_k is None else positive_int(top_k, "top_k", owner)
        self.class_id, self.init_thresholds = class_id, thresholds
        if thresholds is None:
            self.thresholds = [0.5 if top_k is None else NEG_INF]
        else:
            self.thresholds = np.atleast_1d(np.asarray(thresholds, dtype=float)).tolist()
            if not self.thresholds or not all(0 <= t <= 1 for t in self.thresholds):
                raise ValueError(f"{owner}: thresholds must be values in [0, 1], got {thresholds!r}")
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        counts = get_default_dtype()
        self.true_positives = np.zeros(len(self.thresholds), counts)
        self.false_positives = np.zeros(len(self.thresholds), counts)
        self.false_negatives = np.zeros(len(self.thresholds), counts)

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = self.true_positives.dtype
        y_pred, y_true = _same_rank(_array(y_pred).astype(counts), _array(y_true).astype(counts))
        weights = None
        if sample_weight is not None:
            weights = _array(sample_weight).astype(counts)[..., None]
            _, weights = _same_rank(y_true, weights)  # weights (N,) -> (N, 1), broadcast to y_pred below
        if self.top_k is not None:
            y_pred = _keep_top_k(y_pred, self.top_k)
        if self.class_id is not None:
            if y_pred.ndim < 2 or not 0 <= self.class_id < y_pred.shape[-1]:
                raise ValueError(f"{type(self).__name__}: class_id={self.class_id} needs y_pred of shape "
                                 f"(N, C) with C > class_id, got {y_pred.shape}")
            y_true, y_pred = y_true[..., self.class_id, None], y_pred[..., self.class_id, None]
        _check_same_shape(type(self).__name__, y_true, y_pred)
        if weights is not None:
            try:
                weights = np.broadcast_to(weights, y_pred.shape).reshape(-1)
            except ValueError:
                raise ValueError(f"{type(self).__name__}: sample_weight of shape {np.shape(sample_weight)} does not "
                                 f"broadcast to y_pred of shape {y_pred.shape}") from None
        else:
            weights = np.ones(y_pred.size, counts)
        positive = y_true.reshape(-1).astype(bool)
        predicted = y_pred.reshape(1, -1) > np.asarray(self.thresholds, counts)[:, None]
        self.true_positives += np.where(positive & predicted, weights, 0).sum(axis=1, dtype=counts)
        self.false_positives += np.where(~positive & predicted, weights, 0).sum(axis=1, dtype=counts)
        self.false_negatives += np.where(positive & ~predicted, weights, 0).sum(axis=1, dtype=counts)

    def _ratio(self, hits, misses):
        total = hits + misses
        values = np.where(total > 0, hits / np.where(total > 0, total, 1), 0).astype(hits.dtype)
        return float(values[0]) if len(values) == 1 else [float(v) for v in values]


def _keep_top_k(x, k):
    """x where an entry is among the k largest of its row (the lower index first on ties), else
    NEG_INF, as Keras' top_k filter."""
    keep = np.zeros(x.shape, bool)
    np.put_along_axis(keep, np.argsort(-x, axis=-1, kind="stable")[..., :k], True, axis=-1)
    return np.where(keep, x, x.dtype.type(NEG_INF))


class Precision(_Confusion):
    """true positives / (true positives + false positives) of y_pred > thresholds (0 when no
    positive was predicted); a list of values for several thresholds."""

    def result(self):
        return self._ratio(self.true_positives, self.false_positives)


class Recall(_Confusion):
    """true positives / (true positives + false negatives) of y_pred > thresholds (0 when no
    positive label was seen); a list of values for several thresholds."""

    def result(self):
        return self._ratio(self.true_positives, self.false_negatives)


def get(identifier):
    """A Metric from a registered Keras name (then named by that string, as compile() names it),
    a Metric class or instance, or a callable (y_true, y_pred) -> per-sample values (wrapped in a
    MeanMetricWrapper named after the function)."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        metric = METRICS[identifier]()
        metric.name = identifier
        return metric
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier) and not inspect.isclass(identifier):
        fallback = snake_case(getattr(identifier, "__name__", type(identifier).__name__))
        return MeanMetricWrapper(identifier, name=getattr(identifier, "name", None) or fallback)
    raise ValueError(f"metric must be a name, a Metric or a callable (y_true, y_pred) -> values, got {identifier!r}; "
                     f"names: {METRICS.names()}")


__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
    "SparseCategoricalAccuracy", "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "MeanSquaredError",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "RootMeanSquaredError",
    "Precision", "Recall", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mean_squared_error", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "get", "METRICS",
]
