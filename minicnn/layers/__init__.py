"""Keras-style layers. Each module lists its public layers in ``__all__``; all of them are
re-exported here (``mc.layers.Conv2D``), so a new layer is exported where it is written."""

from ..registry import reexport
from .base import LAYERS, Layer

MODULES = ("input_layer", "core", "lambda_layer", "conv", "pooling", "normalization", "merge", "reshaping", "activation")

__all__ = ["Layer", *reexport(globals(), __name__, MODULES)]
