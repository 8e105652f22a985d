"""``keras.optimizers``: every minicnn optimizer by its Keras name, ``get``, and ``schedules``."""

from ...optimizers import OPTIMIZERS, Optimizer, get
from .._subset import missing
from . import schedules

globals().update({cls.__name__: cls for cls in OPTIMIZERS.entries.values()})
__getattr__ = missing("keras.optimizers")
