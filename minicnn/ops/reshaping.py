"""Resizing and rearranging tensors: repeating slices (nearest-neighbour up-sampling), and what the
Keras reshaping layers (``layers/reshaping.py``) need beyond ``math``'s reshape and transpose."""

import numpy as np

from ..autograd import Function, as_tensor
from ..backend import get_array_module
from . import GradcheckCase
from .math import normalize_axes, reshape


class Repeat(Function):
    """y = x with every slice along ``axis`` repeated ``repeats`` times in place (x0 x0 x1 x1 ...);
    the gradient of a slice is the sum of the gradients of its ``repeats`` copies."""

    def __init__(self, repeats, axis):
        self.repeats, self.axis = repeats, axis

    def forward(self, x):
        self.shape = x.shape
        return get_array_module(x).repeat(x, self.repeats, axis=self.axis)

    def backward(self, gy):
        a = self.axis
        runs = self.shape[:a] + (self.shape[a], self.repeats) + self.shape[a + 1:]
        return gy.reshape(runs).sum(axis=a + 1)


def repeat(input, repeats, axis=None):
    """Like ``tf.repeat`` with a whole number of ``repeats``: (2, 3) repeated 2 times on axis 1 is (2, 6).
    ``axis=None`` repeats the elements of the flattened input."""
    x = as_tensor(input)
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 0:
        raise ValueError(f"repeat: repeats must be a non-negative integer, got {repeats!r}")
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    return Repeat(int(repeats), normalize_axes(axis, x.ndim)[0])(x)


__all__ = ["repeat"]

GRADCHECK_CASES = {
    "repeat": GradcheckCase(lambda x: repeat(x, 3, axis=1), [(2, 3, 2)]),
}
