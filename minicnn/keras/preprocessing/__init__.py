"""``keras.preprocessing``: ``image.ImageDataGenerator``."""

from . import image
from .._subset import missing

__getattr__ = missing("keras.preprocessing")
