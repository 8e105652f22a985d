"""Layers that resize or rearrange their input without weights (their operators: ``ops/reshaping.py``)."""

from .base import Layer  # noqa: F401  (the base of the layers this module will hold)

__all__ = []
