"""Keras-style layers."""

from .base import Layer
from .core import Activation, Dense, Dropout, Flatten

__all__ = ["Layer", "Dense", "Flatten", "Activation", "Dropout"]
