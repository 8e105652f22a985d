"""``keras.models``: Model, Sequential, load_model."""

from ..model import Model, Sequential
from ..saving import load_model
from ._subset import missing

__getattr__ = missing("keras.models")
