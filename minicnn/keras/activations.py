"""``keras.activations``: activation functions by name, and ``get``."""

from ..activations import ACTIVATIONS, get, linear
from ._subset import missing

globals().update(ACTIVATIONS.entries)
__getattr__ = missing("keras.activations")
