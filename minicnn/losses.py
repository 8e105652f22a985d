"""Keras-style loss objects: ``loss = LossClass(...)(y_true, y_pred)``.

Each computes a per-example loss and reduces it: 'sum_over_batch_size' (the default, the mean),
'sum', or None / 'none' (the per-example vector). A new loss is a subclass with ``call(y_true,
y_pred)`` returning the per-example loss; defining it registers its Keras name (the class name in
snake_case, plus ``aliases``) for ``compile(loss="name")``.
"""

import numpy as np

from .autograd import as_tensor
from .backend import unwrap
from .ops.loss import (
    mean_squared_error, softmax_cross_entropy_with_logits, sparse_softmax_cross_entropy_with_logits,
)
from .ops.math import clip_by_value, log, reduce_mean, reduce_sum
from .registry import Registry, register_subclass, snake_case

EPSILON = 1e-7  # Keras' backend epsilon, the clip of probabilities

LOSSES = Registry("loss")


class Loss:
    REDUCTIONS = ("sum_over_batch_size", "sum", "none", None)
    aliases = ()  # Keras names besides the snake_case class name

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_subclass(LOSSES, cls, snake_case(cls.__name__), *cls.aliases)

    def __init__(self, reduction="sum_over_batch_size", name=None):
        if reduction not in self.REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {self.REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction
        self.name = name or type(self).__name__

    def __call__(self, y_true, y_pred):
        per_example = self.call(y_true, as_tensor(y_pred))
        if self.reduction == "sum_over_batch_size":
            return reduce_mean(per_example)
        if self.reduction == "sum":
            return reduce_sum(per_example)
        return per_example

    def call(self, y_true, y_pred):
        raise NotImplementedError


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
        y_true = as_tensor(y_true, like=y_pred)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{self.name}: y_true shape {y_true.shape} != y_pred shape {y_pred.shape}")
        if self.label_smoothing:
            classes = y_pred.shape[-1]
            y_true = y_true * (1 - self.label_smoothing) + self.label_smoothing / classes
        if self.from_logits:
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
        logits = y_pred if self.from_logits else log(clip_by_value(y_pred, EPSILON, 1 - EPSILON))
        return sparse_softmax_cross_entropy_with_logits(labels, logits)  # Keras: log(clip(p)) as logits


class MeanSquaredError(Loss):
    aliases = ("mse",)

    def call(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)


def get(identifier):
    """A loss object from a Keras name, a Loss instance, or a callable (y_true, y_pred) -> scalar."""
    if isinstance(identifier, str):
        return LOSSES[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError(f"loss must be a name, a Loss or a callable, got {identifier!r}; names: {LOSSES.names()}")
