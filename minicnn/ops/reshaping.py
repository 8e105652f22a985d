"""Resizing and rearranging tensors: repeating slices (nearest-neighbour up-sampling), resizing
images by interpolation matrices, and what the Keras reshaping layers (``layers/reshaping.py``)
need beyond ``math``'s reshape and transpose."""

import numpy as np

from ..autograd import Function, as_tensor
from ..backend import as_array, device_of, get_array_module, to_numpy
from . import GradcheckCase
from .math import getitem, normalize_axes, reshape


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


def _int_argument(value, name, op):
    """A Python int from an int, a NumPy integer or a one-element integer array/Tensor, or a TypeError."""
    values = np.asarray(to_numpy(value))
    if values.size != 1 or values.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be an integer, got {value!r}")
    return int(values.reshape(()))


def expand_dims(input, axis):
    """Like ``tf.expand_dims``: a new axis of size 1 inserted at ``axis``, in [-rank-1, rank]
    (-1 appends it); (2, 3) with axis=1 is (2, 1, 3). A reshape, so its gradient is one."""
    x = as_tensor(input)
    axis = _int_argument(axis, "axis", "expand_dims")
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ValueError(f"expand_dims: axis={axis} is out of range for a tensor of rank {x.ndim} "
                         f"(expected {-x.ndim - 1} <= axis <= {x.ndim})")
    axis %= x.ndim + 1
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(input, axis=None):
    """Like ``tf.squeeze``: the axes of size 1 removed, all of them (axis=None) or those listed,
    each of which must have size 1; (1, 2, 1, 3) is (2, 3). A reshape."""
    x = as_tensor(input)
    if axis is None:
        axes = [i for i, n in enumerate(x.shape) if n == 1]
    else:
        axes = normalize_axes(axis, x.ndim)
        wrong = [a for a in axes if x.shape[a] != 1]
        if wrong:
            raise ValueError(f"squeeze: axis {wrong[0]} of shape {x.shape} has size {x.shape[wrong[0]]}, "
                             "expected 1")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


class Tile(Function):
    """y = x repeated ``multiples[i]`` times along each axis i (whole copies, x0 x1 x0 x1 ...);
    the gradient of x sums the gradients of its copies: gy reshaped to (m0, n0, m1, n1, ...)
    and summed over the m axes."""

    def __init__(self, multiples):
        self.multiples = multiples

    def forward(self, x):
        self.shape = x.shape
        return get_array_module(x).tile(x, self.multiples)

    def backward(self, gy):
        copies = tuple(n for pair in zip(self.multiples, self.shape) for n in pair)
        return gy.reshape(copies).sum(axis=tuple(range(0, 2 * len(self.shape), 2)))


def tile(input, multiples):
    """Like ``tf.tile``: ``multiples`` holds one non-negative count per axis of ``input``;
    (2, 3) tiled by [2, 1] is (4, 3), the rows of x twice."""
    x = as_tensor(input)
    multiples = np.asarray(to_numpy(multiples))
    multiples = multiples.astype(int) if multiples.size == 0 else multiples  # [] for a scalar
    if multiples.shape != (x.ndim,) or multiples.dtype.kind not in "iu" or (multiples < 0).any():
        raise ValueError(f"tile: multiples must be {x.ndim} non-negative integers (one per axis of shape "
                         f"{x.shape}), got {multiples.tolist()}")
    return Tile(tuple(int(m) for m in multiples))(x)


def gather(params, indices, axis=None, batch_dims=0):
    """Like ``tf.gather`` (batch_dims=0): the slices of ``params`` at ``indices`` along ``axis``
    (default 0); the result's shape is params.shape[:axis] + indices.shape + params.shape[axis+1:].
    Indices must lie in [0, params.shape[axis]), as TensorFlow requires on the CPU. The gradient
    is scattered back, summed where an index repeats (the indexing operator's backward)."""
    x = as_tensor(params)
    if batch_dims != 0:
        raise ValueError(f"gather: batch_dims={batch_dims!r} is not supported in minicnn, only 0")
    axis = 0 if axis is None else _int_argument(axis, "axis", "gather")
    axis = normalize_axes(axis, x.ndim)[0]
    index = np.asarray(to_numpy(indices))  # checked on the CPU, used where x lives
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: indices must be integers, got dtype {index.dtype}")
    bad = (index < 0) | (index >= x.shape[axis])
    if bad.any():
        raise ValueError(f"gather: indices must lie in [0, {x.shape[axis]}) along axis {axis} of shape {x.shape}, "
                         f"got {index[bad].ravel()[0]}")
    return getitem(x, (slice(None),) * axis + (get_array_module(x).asarray(index),))


# --- resizing images -------------------------------------------------------------------------

RESIZE_METHODS = ("bilinear", "nearest")


def interpolation_matrix(in_size, out_size, method):
    """The (out_size, in_size) matrix A with y = A @ x resizing a signal as ``tf.image.resize`` does,
    with half-pixel centres: output i looks at input position c = (i + 1/2)·in/out.

    - ``"nearest"``: A[i, min(floor(c), in - 1)] = 1.
    - ``"bilinear"``: s = c - 1/2, t = s - floor(s); A[i, lo] = 1 - t, A[i, hi] = t with
      lo = max(floor(s), 0), hi = min(ceil(s), in - 1): beyond the edges the edge value is repeated.

    The positions and weights are computed in float32 (as TensorFlow's kernels compute them), and
    returned as a float32 NumPy array.
    """
    f32 = np.float32
    centres = (np.arange(out_size, dtype=f32) + f32(0.5)) * (f32(in_size) / f32(out_size))
    rows, a = np.arange(out_size), np.zeros((out_size, in_size), dtype=f32)
    if method == "nearest":
        a[rows, np.minimum(np.floor(centres).astype(int), in_size - 1)] = 1
        return a
    s = centres - f32(0.5)
    lo = np.maximum(np.floor(s), 0).astype(int)
    hi = np.minimum(np.ceil(s), in_size - 1).astype(int)
    t = np.where(hi == lo, f32(0), s - np.floor(s))  # one neighbour only: it takes the whole weight
    a[rows, lo] = f32(1) - t
    a[rows, hi] += t
    return a


def _apply_per_image(a_h, a_w, x):
    """A_h · x[n, :, :, c] · A_wᵀ for every image n and channel c of an NHWC array."""
    xp = get_array_module(x)
    n, h, w, c = x.shape
    rows = xp.matmul(a_h, x.reshape(n, h, w * c))  # each image as an H × (W·C) matrix
    rows = rows.reshape(n * a_h.shape[0], w, c)    # each new row as a W × C matrix
    return xp.matmul(a_w, rows).reshape(n, a_h.shape[0], a_w.shape[0], c)


class Resize(Function):
    """y[n, :, :, c] = A_h · x[n, :, :, c] · A_wᵀ (A from ``interpolation_matrix``); resizing is
    linear, so the gradient is the same product with the transposed matrices:
    gx[n, :, :, c] = A_hᵀ · gy[n, :, :, c] · A_w."""

    def __init__(self, size, method):
        self.size, self.method = size, method

    def forward(self, x):
        def matrix(n, new_n):  # in x's dtype, on x's device
            return as_array(interpolation_matrix(n, new_n, self.method), dtype=x.dtype, device=device_of(x))

        self.a_h, self.a_w = matrix(x.shape[1], self.size[0]), matrix(x.shape[2], self.size[1])
        return _apply_per_image(self.a_h, self.a_w, x)

    def backward(self, gy):
        return _apply_per_image(self.a_h.T, self.a_w.T, gy)


def resize(images, size, method="bilinear"):
    """Like ``tf.image.resize`` (half-pixel centres, no antialiasing): (N, H, W, C) or (H, W, C)
    images to ``size = (new_height, new_width)``, by ``method`` "bilinear" or "nearest".
    Unlike TensorFlow, whose bilinear resize computes and returns float32, the result keeps the
    dtype of ``images`` (float64 stays float64, as Keras' ``ops.image.resize`` casts it back)."""
    x = as_tensor(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"resize: images must have rank 4 (N, H, W, C) or 3 (H, W, C), got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"resize: images must be a float tensor, got dtype {x.dtype}")
    if (isinstance(size, (str, bytes)) or not hasattr(size, "__len__") or len(size) != 2
            or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in size)):
        raise ValueError(f"resize: size must be two positive integers (new_height, new_width), got {size!r}")
    if method not in RESIZE_METHODS:
        raise ValueError(f"resize: method must be one of {list(RESIZE_METHODS)}, got {method!r}")
    size = (int(size[0]), int(size[1]))
    if x.ndim == 3:
        return reshape(Resize(size, method)(reshape(x, (1, *x.shape))), (*size, x.shape[-1]))
    return Resize(size, method)(x)


__all__ = ["repeat", "resize", "expand_dims", "squeeze", "tile", "gather"]

GRADCHECK_CASES = {
    "repeat": GradcheckCase(repeat, [(2, 3, 2)], repeats=3, axis=1),
    "resize[bilinear]": GradcheckCase(resize, [(2, 3, 4, 2)], size=(5, 7)),
    "resize[bilinear,down]": GradcheckCase(resize, [(1, 5, 4, 3)], size=(2, 3)),
    "resize[nearest]": GradcheckCase(resize, [(2, 3, 4, 1)], size=(5, 3), method="nearest"),
    "expand_dims": GradcheckCase(expand_dims, [(2, 3)], axis=-2),
    "squeeze": GradcheckCase(squeeze, [(1, 3, 1, 2, 1)], axis=[0, -1]),
    "tile": GradcheckCase(tile, [(2, 3, 2)], multiples=[2, 1, 3]),
    "gather": GradcheckCase(gather, [(2, 3, 2)], indices=[[2, 0], [2, 2]], axis=1),
}
