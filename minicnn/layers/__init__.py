"""Keras-style layers."""

from .base import Layer
from .conv import Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D
from .core import Activation, Dense, Dropout, Flatten

__all__ = [
    "Layer", "Dense", "Flatten", "Activation", "Dropout",
    "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D",
]
