"""Keras-style loss objects: ``loss = LossClass(...)(y_true, y_pred)``.

Each computes a per-example loss and reduces it: 'sum_over_batch_size' (the default, the mean),
'sum', or None / 'none' (the per-example vector). A new loss is a subclass with ``call(y_true,
y_pred)`` returning the per-example loss; defining it registers its Keras name (the class name in
snake_case, plus ``aliases``) for ``compile(loss="name")``.
"""

import warnings

import numpy as np

from .autograd import as_tensor
from .backend import to_numpy, unwrap
from .ops.activation import sigmoid
from .ops.loss import (
    match_ranks, mean_squared_error, sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
)
from .ops.math import abs as absolute
from .ops.math import clip_by_value, log, reduce_max, reduce_mean, reduce_sum, square
from .registry import Registry, register_subclass, snake_case

EPSILON = 1e-7  # Keras' backend epsilon, the clip of probabilities

LOSSES = Registry("loss")


class Loss:
    """The base: ``call(y_true, y_pred)`` gives the per-example losses, ``__call__`` weighs and reduces them."""

    REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)
    aliases = ()  # Keras names besides the snake_case class name

    def __init_subclass__(cls, named=True, **kwargs):
        super().__init_subclass__(**kwargs)
        if named:  # a loss that users name in compile(loss="...")
            register_subclass(LOSSES, cls, snake_case(cls.__name__), *cls.aliases)

    def __init__(self, reduction="sum_over_batch_size", name=None):
        if reduction not in self.REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {self.REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction
        self.name = name or snake_case(type(self).__name__)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss; ``sample_weight`` (one weight per example, or per loss value) scales each
        loss first. 'sum_over_batch_size' and 'mean' divide Σ w·loss by the number of loss values,
        'mean_with_sample_weight' by Σ w, as Keras 3 does."""
        values = self.call(y_true, as_tensor(y_pred))
        return reduce_weighted(values, sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError


def reduce_weighted(values, sample_weight, reduction):
    """Keras' reduction of per-example losses ``values`` with optional weights."""
    weights = None
    if sample_weight is not None:
        weights = np.asarray(to_numpy(sample_weight), dtype=values.dtype)
        if weights.ndim == values.ndim + 1 and weights.shape[-1] == 1:
            weights = weights[..., 0]
        weights = weights.reshape(weights.shape + (1,) * max(values.ndim - weights.ndim, 0))
        values = values * as_tensor(weights, like=values)
    if reduction in ("none", None):
        return values
    total = reduce_sum(values)
    if reduction == "sum":
        return total
    count = float(weights.sum()) if reduction == "mean_with_sample_weight" and weights is not None else values.size
    return total * (1.0 / count) if count else total * 0.0


class LossFunctionWrapper(Loss, named=False):
    """A plain function ``fn(y_true, y_pred)`` of per-example losses as a Loss (what ``compile`` does
    with a function), reduced like any loss."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, **kwargs):
        super().__init__(reduction, name or getattr(fn, "__name__", "loss"))
        self.fn, self.kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        return as_tensor(self.fn(y_true, y_pred, **self.kwargs))


def logits_behind(loss, y_pred, from_logits, kind):
    """Keras 3's rule for crossentropy: the output of a softmax (``kind="softmax"``) or sigmoid
    (``"sigmoid"``) carries the logits it was computed from, and the loss uses those, exactly and
    unclipped, so a saturated output still trains. With ``from_logits=True`` on such an output
    Keras warns and uses the logits once (softmax is not applied twice). Returns (tensor, from_logits)."""
    behind = getattr(y_pred, "_logits", None)
    if behind is None or behind[0] != kind:
        return y_pred, from_logits
    if from_logits:
        warnings.warn(f"{loss.name}: from_logits=True, but y_pred is the output of a {kind}, not logits; "
                      f"using the logits the {kind} was computed from (as Keras does)", stacklevel=3)
    return behind[1], True


def _probabilities_cross_entropy(y_true, y_pred):
    """-Σ y·log(clip(p / Σp, eps, 1-eps)) over the last axis, as Keras does without logits."""
    p = y_pred / reduce_sum(y_pred, axis=-1, keepdims=True)
    p = clip_by_value(p, EPSILON, 1 - EPSILON)
    return -reduce_sum(y_true * log(p), axis=-1)


class CategoricalCrossentropy(Loss):
    """One-hot (or soft) labels; ``label_smoothing`` a mixes them with the uniform distribution."""

    def __init__(self, from_logits=False, label_smoothing=0.0, reduction="sum_over_batch_size", name=None):
        super().__init__(reduction, name)
        self.from_logits, self.label_smoothing = from_logits, float(label_smoothing)

    def call(self, y_true, y_pred):
        y_pred, from_logits = logits_behind(self, y_pred, self.from_logits, "softmax")
        y_true = as_tensor(y_true, like=y_pred)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{self.name}: y_true shape {y_true.shape} != y_pred shape {y_pred.shape}")
        if self.label_smoothing:
            classes = y_pred.shape[-1]
            y_true = y_true * (1 - self.label_smoothing) + self.label_smoothing / classes
        if from_logits:
            return softmax_cross_entropy_with_logits(y_true, y_pred)
        return _probabilities_cross_entropy(y_true, y_pred)


class SparseCategoricalCrossentropy(Loss):
    """Integer labels of shape y_pred.shape[:-1] (a trailing axis of 1 is accepted, as in Keras)."""

    def __init__(self, from_logits=False, reduction="sum_over_batch_size", name=None):
        super().__init__(reduction, name)
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        labels = unwrap(y_true)
        labels = labels if hasattr(labels, "ndim") else np.asarray(labels)
        if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
            labels = labels[..., 0]
        y_pred, from_logits = logits_behind(self, y_pred, self.from_logits, "softmax")
        logits = y_pred if from_logits else log(clip_by_value(y_pred, EPSILON, 1 - EPSILON))
        return sparse_softmax_cross_entropy_with_logits(labels, logits)  # Keras: log(clip(p)) as logits


class MeanSquaredError(Loss):
    aliases = ("mse",)

    def call(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)


def _aligned(loss, y_true, y_pred, same_shape=False):
    """(y_true, y_pred) as Tensors of y_pred's dtype with Keras' rank alignment (``match_ranks``);
    shapes that do not broadcast (or differ, when ``same_shape``) are a ValueError."""
    y_true, y_pred = match_ranks(as_tensor(y_true, like=y_pred), y_pred)
    try:
        if same_shape and y_true.shape != y_pred.shape:
            raise ValueError
        np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        need = "equal" if same_shape else "broadcastable"
        raise ValueError(f"{loss.name}: y_true shape {y_true.shape} and y_pred shape {y_pred.shape} "
                         f"must be {need}") from None
    return y_true, y_pred


def _smoothing(loss, label_smoothing):
    value = float(label_smoothing)
    if not 0 <= value <= 1:
        raise ValueError(f"{type(loss).__name__}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    return value


def _binary_cross_entropy(y_true, p):
    """-z·log(p) - (1 - z)·log(1 - p) with p clipped to [eps, 1 - eps], as Keras does."""
    p = clip_by_value(p, EPSILON, 1 - EPSILON)
    return -(y_true * log(p) + (1 - y_true) * log(1 - p))


class BinaryCrossentropy(Loss):
    """Labels z in [0, 1] against probabilities p (or logits x), both of shape (N, ..., d):
    loss = mean over ``axis`` of -z·log p - (1 - z)·log(1 - p), p clipped to [1e-7, 1 - 1e-7];
    with ``from_logits`` the stable max(x, 0) - x·z + log(1 + exp(-|x|)). ``label_smoothing`` s
    squeezes the labels towards 1/2: z·(1 - s) + s/2."""

    aliases = ("bce",)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name=None):
        super().__init__(reduction, name)
        self.from_logits, self.label_smoothing, self.axis = from_logits, _smoothing(self, label_smoothing), axis

    def call(self, y_true, y_pred):
        y_true, y_pred = _aligned(self, y_true, y_pred, same_shape=True)
        if self.label_smoothing:
            y_true = y_true * (1 - self.label_smoothing) + 0.5 * self.label_smoothing
        y_pred, from_logits = logits_behind(self, y_pred, self.from_logits, "sigmoid")
        if from_logits:
            per_entry = sigmoid_cross_entropy_with_logits(y_true, y_pred)
        else:
            per_entry = _binary_cross_entropy(y_true, y_pred)
        return reduce_mean(per_entry, axis=self.axis)


class BinaryFocalCrossentropy(Loss):
    """Binary cross-entropy scaled by the focal factor (1 - p_t)^gamma, p_t = z·p + (1 - z)(1 - p)
    (Lin et al., 2018), and with ``apply_class_balancing`` by z·alpha + (1 - z)(1 - alpha);
    mean over ``axis``. With ``from_logits``, p = sigmoid(x) and, as in Keras, the cross-entropy
    is the exact one of the logits (not clipped)."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction="sum_over_batch_size", name=None):
        super().__init__(reduction, name)
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, float(alpha), float(gamma)
        self.from_logits, self.label_smoothing, self.axis = from_logits, _smoothing(self, label_smoothing), axis
        if self.gamma < 0:
            raise ValueError(f"BinaryFocalCrossentropy: gamma must be >= 0, got {gamma!r}")

    def call(self, y_true, y_pred):
        y_true, y_pred = _aligned(self, y_true, y_pred, same_shape=True)
        if self.label_smoothing:
            y_true = y_true * (1 - self.label_smoothing) + 0.5 * self.label_smoothing
        behind, exact = logits_behind(self, y_pred, False, "sigmoid")
        if self.from_logits:
            p, cross_entropy = sigmoid(y_pred), sigmoid_cross_entropy_with_logits(y_true, y_pred)
        elif exact:  # a sigmoid's output: the cross-entropy from its logits, as Keras
            p, cross_entropy = y_pred, sigmoid_cross_entropy_with_logits(y_true, behind)
        else:
            p, cross_entropy = y_pred, _binary_cross_entropy(y_true, y_pred)
        p_t = y_true * p + (1 - y_true) * (1 - p)
        focal = (1 - p_t) ** self.gamma * cross_entropy
        if self.apply_class_balancing:
            focal = (y_true * self.alpha + (1 - y_true) * (1 - self.alpha)) * focal
        return reduce_mean(focal, axis=self.axis)


class MeanAbsoluteError(Loss):
    """mean(|y_pred - y_true|) over the last axis."""

    aliases = ("mae",)

    def call(self, y_true, y_pred):
        y_true, y_pred = _aligned(self, y_true, y_pred)
        return reduce_mean(absolute(y_true - y_pred), axis=-1)


class MeanAbsolutePercentageError(Loss):
    """100 · mean(|y_true - y_pred| / max(|y_true|, 1e-7)) over the last axis."""

    aliases = ("mape",)

    def call(self, y_true, y_pred):
        y_true, y_pred = _aligned(self, y_true, y_pred)
        scale = clip_by_value(absolute(y_true), EPSILON, np.inf)
        return 100 * reduce_mean(absolute((y_true - y_pred) / scale), axis=-1)


class MeanSquaredLogarithmicError(Loss):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))²) over the last axis."""

    aliases = ("msle",)

    def call(self, y_true, y_pred):
        y_true, y_pred = _aligned(self, y_true, y_pred)
        first = log(clip_by_value(y_pred, EPSILON, np.inf) + 1)
        second = log(clip_by_value(y_true, EPSILON, np.inf) + 1)
        return reduce_mean(square(first - second), axis=-1)


class Huber(Loss):
    """Quadratic for small errors, linear beyond ``delta``; mean over the last axis:
    e²/2 where |e| <= delta, else delta·|e| - delta²/2 (e = y_pred - y_true). Written as
    q²/2 + delta·(|e| - q) with q = min(|e|, delta), which has the same value and gradient."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name=None):
        super().__init__(reduction, name)
        if isinstance(delta, bool) or not isinstance(delta, (int, float, np.floating, np.integer)) or delta < 0:
            raise ValueError(f"Huber: delta must be a number >= 0, got {delta!r}")
        self.delta = float(delta)

    def call(self, y_true, y_pred):
        y_true, y_pred = _aligned(self, y_true, y_pred)
        error = absolute(y_pred - y_true)
        quadratic = clip_by_value(error, 0, self.delta)
        return reduce_mean(0.5 * square(quadratic) + self.delta * (error - quadratic), axis=-1)


class KLDivergence(Loss):
    """Σ y_true·log(y_true / y_pred) over the last axis, both clipped to [1e-7, 1] first."""

    aliases = ("kld",)

    def call(self, y_true, y_pred):
        y_true, y_pred = _aligned(self, y_true, y_pred)
        y_true = clip_by_value(y_true, EPSILON, 1)
        y_pred = clip_by_value(y_pred, EPSILON, 1)
        return reduce_sum(y_true * log(y_true / y_pred), axis=-1)


def _hinge_labels(y_true):
    """Keras' rule: labels that are all 0 or 1 become -1 or 1; anything else is used as given."""
    raw = y_true.data
    return y_true * 2 - 1 if bool(((raw == 0) | (raw == 1)).all()) else y_true


class Hinge(Loss):
    """mean(max(1 - y_true·y_pred, 0)) over the last axis; labels in {-1, 1} (or {0, 1}, mapped)."""

    def call(self, y_true, y_pred):
        y_true, y_pred = _aligned(self, y_true, y_pred)
        return reduce_mean(clip_by_value(1 - _hinge_labels(y_true) * y_pred, 0, np.inf), axis=-1)


class SquaredHinge(Loss):
    """mean(max(1 - y_true·y_pred, 0)²) over the last axis; labels in {-1, 1} (or {0, 1}, mapped)."""

    def call(self, y_true, y_pred):
        y_true, y_pred = _aligned(self, y_true, y_pred)
        return reduce_mean(square(clip_by_value(1 - _hinge_labels(y_true) * y_pred, 0, np.inf)), axis=-1)


class CategoricalHinge(Loss):
    """max(neg - pos + 1, 0) with pos = Σ y_true·y_pred and neg = max((1 - y_true)·y_pred) over
    the last axis; one-hot labels."""

    def call(self, y_true, y_pred):
        y_true, y_pred = _aligned(self, y_true, y_pred)
        positive = reduce_sum(y_true * y_pred, axis=-1)
        negative = reduce_max((1 - y_true) * y_pred, axis=-1)
        return clip_by_value(negative - positive + 1, 0, np.inf)


def get(identifier):
    """A loss object from a Keras name, a Loss instance, or a callable (y_true, y_pred) -> scalar."""
    if isinstance(identifier, str):
        return LOSSES[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError(f"loss must be a name, a Loss or a callable, got {identifier!r}; names: {LOSSES.names()}")
