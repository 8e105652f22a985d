"""``keras.metrics``: the metric classes, ``get`` and Keras' per-sample metric functions."""

from ..metrics import *  # noqa: F401,F403  (minicnn.metrics lists them in __all__)
from ._subset import missing

__getattr__ = missing("keras.metrics")
