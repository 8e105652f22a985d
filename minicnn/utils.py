"""Keras' small utilities: ``to_categorical``."""

import numpy as np


def to_categorical(x, num_classes=None):
    """One-hot float32 rows of integer class labels, as ``keras.utils.to_categorical``: shape
    ``x.shape + (num_classes,)`` (a trailing axis of 1 is dropped first); ``num_classes`` defaults to
    the largest label + 1."""
    labels = np.asarray(x)
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise ValueError(f"to_categorical: labels must be whole numbers, got values such as {labels.ravel()[:3]}")
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical: labels must not be negative, got {int(labels.min())}")
    count = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    if labels.size and labels.max() >= count:
        raise ValueError(f"to_categorical: label {int(labels.max())} does not fit num_classes={count}")
    return np.eye(count, dtype=np.float32)[labels]


__all__ = ["to_categorical"]
