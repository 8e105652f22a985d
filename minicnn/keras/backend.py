"""``keras.backend`` basics: the float type, epsilon, the image layout, ``clear_session``."""

from .. import backend as _backend
from ..layers import base as _base
from ._subset import missing

EPSILON = 1e-7


def floatx():
    """The default float dtype's name ('float32' unless set_floatx changed it)."""
    return _backend.get_default_dtype().name


def set_floatx(value):
    _backend.set_default_dtype(value)


def epsilon():
    """Keras' fuzz factor, 1e-7 (the clip of probabilities in the crossentropy losses)."""
    return EPSILON


def image_data_format():
    """Always 'channels_last': minicnn is NHWC."""
    return "channels_last"


def clear_session():
    """Restart layer names from zero (dense, dense_1, ... again), as Keras' clear_session does."""
    _base._name_counts.clear()


__getattr__ = missing("keras.backend")
