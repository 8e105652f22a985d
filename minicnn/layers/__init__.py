"""Keras-style layers."""

from .base import Layer
from .conv import Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D
from .core import Activation, Dense, Dropout, Flatten
from .merge import Add, Average, Concatenate, Multiply, Subtract, add, average, concatenate, multiply, subtract
from .normalization import BatchNormalization, GroupNormalization, LayerNormalization
from .pooling import (
    AveragePooling2D, AvgPool2D, GlobalAveragePooling2D, GlobalAvgPool2D, GlobalMaxPool2D, GlobalMaxPooling2D,
    MaxPool2D, MaxPooling2D,
)

__all__ = [
    "Layer", "Dense", "Flatten", "Activation", "Dropout",
    "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D",
    "MaxPool2D", "MaxPooling2D", "AveragePooling2D", "AvgPool2D", "GlobalAveragePooling2D", "GlobalAvgPool2D",
    "GlobalMaxPooling2D", "GlobalMaxPool2D",
    "BatchNormalization", "LayerNormalization", "GroupNormalization",
    "Concatenate", "Add", "Subtract", "Multiply", "Average", "concatenate", "add", "subtract", "multiply", "average",
]
