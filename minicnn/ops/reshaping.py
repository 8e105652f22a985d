"""Resizing and rearranging NHWC tensors: up-sampling, padding and cropping of the spatial axes.

Plain reshapes and transposes are in ``math``; this family holds what the Keras reshaping layers
(``layers/reshaping.py``) need beyond them.
"""

from . import GradcheckCase  # noqa: F401  (used by the cases below as the family grows)

__all__ = []

GRADCHECK_CASES = {}
