"""``keras.preprocessing.image.ImageDataGenerator`` (placeholder module: filled by the augmentation mapping)."""

from .._subset import missing

__getattr__ = missing("keras.preprocessing.image")
