"""``tf.linalg``: ``matmul`` (also ``tf.matmul``) and ``eye``, mapped onto minicnn."""

from .. import functional as F
from ..keras import _subset
from .tensors import convert_all, eye


def _swap_last_axes(x):
    return F.transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, name=None):
    """Like ``tf.linalg.matmul``: (..., n, k) @ (..., k, m) -> (..., n, m), batch axes broadcast,
    both operands of rank >= 2 and one dtype. ``transpose_a``/``transpose_b`` swap the last two axes
    of an operand first; tensors are real, so ``adjoint_*`` is the same transpose."""
    a, b = convert_all([a, b])
    if transpose_a or adjoint_a:
        a = _swap_last_axes(a)
    if transpose_b or adjoint_b:
        b = _swap_last_axes(b)
    return F.matmul(a, b)


__all__ = ["eye", "matmul"]
__getattr__ = _subset.missing("tf.linalg")
