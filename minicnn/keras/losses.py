"""``keras.losses``: the loss classes, ``get``, and Keras' per-sample loss functions."""

from ..losses import (
    LOSSES, BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalHinge, Hinge, Huber,
    KLDivergence, Loss, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError,
    SparseCategoricalCrossentropy, SquaredHinge, get,
)
from ._subset import missing


def _per_sample(cls, name):
    """Keras' function form of a loss class: ``fn(y_true, y_pred, **options)`` -> one loss per sample."""
    def loss(y_true, y_pred, **options):
        return cls(reduction="none", **options)(y_true, y_pred)
    loss.__name__ = loss.__qualname__ = name
    loss.__doc__ = f"Per-sample {cls.__name__} (as ``keras.losses.{name}``)."
    return loss


mean_squared_error = mse = _per_sample(MeanSquaredError, "mean_squared_error")
mean_absolute_error = mae = _per_sample(MeanAbsoluteError, "mean_absolute_error")
mean_absolute_percentage_error = mape = _per_sample(MeanAbsolutePercentageError, "mean_absolute_percentage_error")
mean_squared_logarithmic_error = msle = _per_sample(MeanSquaredLogarithmicError, "mean_squared_logarithmic_error")
categorical_crossentropy = _per_sample(CategoricalCrossentropy, "categorical_crossentropy")
sparse_categorical_crossentropy = _per_sample(SparseCategoricalCrossentropy, "sparse_categorical_crossentropy")
binary_crossentropy = _per_sample(BinaryCrossentropy, "binary_crossentropy")
binary_focal_crossentropy = _per_sample(BinaryFocalCrossentropy, "binary_focal_crossentropy")
kl_divergence = kld = _per_sample(KLDivergence, "kl_divergence")
huber = _per_sample(Huber, "huber")
hinge = _per_sample(Hinge, "hinge")
squared_hinge = _per_sample(SquaredHinge, "squared_hinge")
categorical_hinge = _per_sample(CategoricalHinge, "categorical_hinge")
__getattr__ = missing("keras.losses")
