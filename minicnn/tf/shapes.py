"""TensorFlow's shape and indexing functions (``tf.reshape``, ``tf.concat``, ``tf.gather``, ``tf.where``,
``tf.shape`` ...) mapped onto minicnn's operators.

Each converts its arguments by TensorFlow's rules (``tensors.convert_to_tensor``: Python ints are
int32, floats float32), accepts shapes and axes given as Tensors (``tf.reshape(x, tf.shape(y))``)
and takes TensorFlow's argument names, ``name`` included (it names nothing in eager code).
"""

import numpy as np

from .. import backend
from .. import functional as F
from ..autograd import Tensor
from .dtypes import as_dtype, bool as bool_, int32, int64
from .tensors import as_shape, convert_all, convert_to_tensor


def _ints(value):
    """An int or a list of ints from Python values or an integer Tensor (axes, sizes, perms)."""
    return None if value is None else np.asarray(backend.to_numpy(value)).tolist()


def reshape(tensor, shape, name=None):
    """Like ``tf.reshape``: the same values in ``shape`` (one entry may be -1, inferred)."""
    return F.reshape(convert_to_tensor(tensor), _ints(shape))


def expand_dims(input, axis, name=None):
    """Like ``tf.expand_dims``: a new axis of size 1 at ``axis`` (-1 appends it)."""
    return F.expand_dims(convert_to_tensor(input), axis)


def squeeze(input, axis=None, name=None):
    """Like ``tf.squeeze``: the axes of size 1 removed (all of them, or those in ``axis``)."""
    return F.squeeze(convert_to_tensor(input), _ints(axis))


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Like ``tf.transpose``: axes permuted by ``perm`` (default: reversed). Tensors are real, so
    ``conjugate`` changes nothing."""
    return F.transpose(convert_to_tensor(a), _ints(perm))


def concat(values, axis, name="concat"):
    """Like ``tf.concat``: ``values`` joined along the existing ``axis``."""
    return F.concat(convert_all(list(values)), _ints(axis))


def stack(values, axis=0, name="stack"):
    """Like ``tf.stack``: ``values`` of one shape joined along a new ``axis``."""
    return F.stack(convert_all(list(values)), _ints(axis))


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Like ``tf.split``: a list of pieces along ``axis``, ``num_or_size_splits`` equal ones or of
    the sizes listed (one size may be -1). ``num`` is implied by the sizes here."""
    return F.split(convert_to_tensor(value), _ints(num_or_size_splits), _ints(axis))


def tile(input, multiples, name=None):
    """Like ``tf.tile``: ``input`` repeated ``multiples[i]`` times along each axis i."""
    return F.tile(convert_to_tensor(input), multiples)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Like ``tf.pad`` in CONSTANT mode: ``paddings[i] = [before, after]`` for each axis i.
    REFLECT and SYMMETRIC are not in minicnn (a ValueError says so)."""
    return F.pad(convert_to_tensor(tensor), _ints(paddings), mode=mode, constant_values=constant_values)


def broadcast_to(input, shape, name=None):
    """Like ``tf.broadcast_to``: ``input`` broadcast to ``shape`` by NumPy's rule."""
    return F.broadcast_to(convert_to_tensor(input), as_shape(shape, "shape", "broadcast_to"))


def repeat(input, repeats, axis=None, name=None):
    """Like ``tf.repeat`` with a whole number of ``repeats``: each slice along ``axis`` repeated
    in place (``axis=None``: the elements of the flattened input)."""
    return F.repeat(convert_to_tensor(input), _ints(repeats), _ints(axis))


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Like ``tf.gather`` (batch_dims=0): the slices of ``params`` at ``indices`` along ``axis``
    (default 0); indices must lie in [0, params.shape[axis]). ``validate_indices`` is ignored, as
    in TensorFlow 2: indices are always checked."""
    return F.gather(convert_to_tensor(params), convert_to_tensor(indices), axis=axis, batch_dims=batch_dims)


def where(condition, x=None, y=None, name=None):
    """Like ``tf.where``: with ``x`` and ``y``, x where the bool ``condition`` holds and y elsewhere
    (all three broadcast; the gradient flows to x and y); with neither, the coordinates of the
    true elements as an int64 Tensor of shape (number true, rank)."""
    condition = convert_to_tensor(condition, dtype=bool_) if not isinstance(condition, Tensor) else condition
    if condition.dtype != bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {condition.dtype}")
    if (x is None) != (y is None):
        raise ValueError("where: x and y must both be given or both be None")
    if x is None:
        xp = backend.get_array_module(condition.data)
        return Tensor(xp.argwhere(condition.data).astype(int64))
    return F.where(condition, *convert_all([x, y]))


def shape(input, out_type=None, name=None):
    """Like ``tf.shape``: the shape as a 1-D Tensor of ``out_type`` (int32 by default)."""
    x = convert_to_tensor(input)
    return Tensor(np.array(x.shape, dtype=int32 if out_type is None else as_dtype(out_type)))


def rank(input, name=None):
    """Like ``tf.rank``: the number of axes as a 0-d int32 Tensor."""
    return Tensor(np.array(convert_to_tensor(input).ndim, dtype=int32))


def size(input, out_type=None, name=None):
    """Like ``tf.size``: the number of elements as a 0-d Tensor of ``out_type`` (int32 by default)."""
    x = convert_to_tensor(input)
    return Tensor(np.array(x.size, dtype=int32 if out_type is None else as_dtype(out_type)))


__all__ = [
    "broadcast_to", "concat", "expand_dims", "gather", "pad", "rank", "repeat", "reshape", "shape", "size", "split",
    "squeeze", "stack", "tile", "transpose", "where",
]
