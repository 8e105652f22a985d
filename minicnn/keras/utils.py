"""``keras.utils``: ``to_categorical`` and ``plot_model`` (the layer graph drawn with matplotlib, minicnn.viz)."""

from ..utils import to_categorical
from ..viz import plot_model
from ._subset import missing

__getattr__ = missing("keras.utils")
