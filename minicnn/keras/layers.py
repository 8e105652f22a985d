"""``keras.layers``: every minicnn layer by its Keras name, ``Input`` and the merge functions."""

from ..layers import *  # noqa: F401,F403  (minicnn.layers lists them in __all__)
from ..layers import __all__
from ._subset import missing

__getattr__ = missing("keras.layers")
