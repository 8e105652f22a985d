"""``keras.utils``: ``to_categorical`` (and ``plot_model``, which draws a model's graph with matplotlib)."""

from ..utils import to_categorical
from ._subset import missing

__getattr__ = missing("keras.utils")
