"""``keras.optimizers.schedules``: the learning-rate schedules."""

from ...schedules import *  # noqa: F401,F403  (the module lists them in __all__)
from .._subset import missing

__getattr__ = missing("keras.optimizers.schedules")
