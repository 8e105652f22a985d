"""Layers that resize or rearrange their input without weights (their operators: ``ops/reshaping.py``,
and ``ops/math.py``'s reshape, transpose, pad and slicing)."""

import numpy as np

from ..ops.geometry import spatial_pair
from ..ops.math import cast, pad, reshape, transpose
from ..ops.reshaping import repeat, resize
from .base import Layer, positive_int


# --- argument checks -------------------------------------------------------------------------

def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _channels_last(data_format, owner):
    """Keras' data_format argument, of which minicnn takes only the NHWC layout."""
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{owner}: data_format must be 'channels_last' (minicnn is NHWC), got {data_format!r}")
    return "channels_last"


def _as_pair(value):
    """n -> (n, n), (a, b) -> (a, b) for non-negative ints; None for anything else."""
    pair = (value, value) if _is_int(value) else tuple(value) if isinstance(value, (tuple, list)) else ()
    return tuple(int(v) for v in pair) if len(pair) == 2 and all(_is_int(v) and v >= 0 for v in pair) else None


def _before_after(value, argument, owner):
    """A 1-D padding or cropping: n or (before, after), non-negative ints."""
    pair = _as_pair(value)
    if pair is None:
        raise ValueError(f"{owner}: {argument} must be a non-negative int or a pair (before, after) of them, "
                         f"got {value!r}")
    return pair


def _height_width_pairs(value, argument, owner):
    """A 2-D padding or cropping: n, (h, w) or ((top, bottom), (left, right)), non-negative ints,
    as ((top, bottom), (left, right))."""
    rows_cols = (value, value) if _is_int(value) else tuple(value) if isinstance(value, (tuple, list)) else ()
    pairs = tuple(_as_pair(v) for v in rows_cols)
    if len(pairs) != 2 or None in pairs:
        raise ValueError(f"{owner}: {argument} must be a non-negative int, a pair of them (height, width) or "
                         f"((top, bottom), (left, right)), got {value!r}")
    return pairs


def _check_rank(layer, inputs, rank, layout):
    if inputs.ndim != rank:
        raise ValueError(f"{layer.name}: expected input of rank {rank} {layout}, got shape {inputs.shape}")


# --- shapes ----------------------------------------------------------------------------------

class Reshape(Layer):
    """(N, ...) -> (N, *target_shape), the values in the same (row-major) order; one entry of
    ``target_shape`` may be -1, inferred from the number of values per sample.

    Args:
        target_shape: the shape of one sample after the layer, a tuple.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(target_shape, (tuple, list)) or not all(_is_int(n) for n in target_shape) or (
                any(n < -1 for n in target_shape) or list(target_shape).count(-1) > 1):
            raise ValueError(f"Reshape: target_shape must be a tuple of non-negative integers with at most one -1, "
                             f"got {target_shape!r}")
        self.target_shape = tuple(int(n) for n in target_shape)

    def _resolved_shape(self, sample_shape):
        """``target_shape`` with its -1 filled in for samples of ``sample_shape``, or a ValueError."""
        size = int(np.prod(sample_shape))
        known = int(np.prod([n for n in self.target_shape if n != -1]))
        if -1 in self.target_shape and known and size % known == 0:
            return tuple(size // known if n == -1 else n for n in self.target_shape)
        if -1 not in self.target_shape and known == size:
            return self.target_shape
        raise ValueError(f"{self.name}: cannot reshape samples of shape {sample_shape} ({size} values) into "
                         f"target_shape={self.target_shape}")

    def call(self, inputs):
        return reshape(inputs, (inputs.shape[0], *self._resolved_shape(inputs.shape[1:])))


class Permute(Layer):
    """Reorders the axes after the batch axis: output axis i (1-based) is input axis dims[i-1];
    ``Permute((2, 1))`` maps (N, A, B) to (N, B, A).

    Args:
        dims: a permutation of 1, ..., k (the axes after the batch axis).
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(dims, (tuple, list)) or not all(_is_int(d) for d in dims) or (
                sorted(dims) != list(range(1, len(dims) + 1))):
            raise ValueError(f"Permute: dims must be a permutation of 1, ..., k (the axes after the batch axis, "
                             f"counted from 1), got {dims!r}")
        self.dims = tuple(int(d) for d in dims)

    def call(self, inputs):
        _check_rank(self, inputs, len(self.dims) + 1, f"(batch + {len(self.dims)} axes for dims={self.dims})")
        return transpose(inputs, (0, *self.dims))


class RepeatVector(Layer):
    """(N, F) -> (N, n, F): every sample repeated ``n`` times along a new axis 1.

    Args:
        n: positive int, the number of repetitions.
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = positive_int(n, "n", "RepeatVector")

    def call(self, inputs):
        _check_rank(self, inputs, 2, "(N, features)")
        return repeat(reshape(inputs, (inputs.shape[0], 1, inputs.shape[1])), self.n, axis=1)


class Identity(Layer):
    """y = x (float inputs take the layer's dtype, as for every layer)."""

    def call(self, inputs):
        return inputs


def _as_tf_converts(value):
    """``value`` as TensorFlow converts it before a cast: Python floats (alone or in lists) become
    float32, NumPy values keep their dtype."""
    array = np.asarray(value)
    python_float = array.dtype == np.float64 and not isinstance(value, (np.ndarray, np.generic))
    return array.astype(np.float32) if python_float else array


class Rescaling(Layer):
    """y = x · scale + offset, computed in the layer's dtype: integer inputs (pixels in [0, 255])
    are cast to it first, as Keras does. ``scale`` and ``offset`` may be per-channel arrays; as in
    Keras, a Python float is rounded to float32 before it takes the layer's dtype.

    Args:
        scale: the factor (1/255 maps pixels to [0, 1]).
        offset: added after scaling (default 0).
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs):
        x = inputs if inputs.dtype == self.dtype else cast(inputs, self.dtype)
        scale, offset = (_as_tf_converts(v).astype(self.dtype) for v in (self.scale, self.offset))
        return x * scale + offset


# --- padding and cropping ----------------------------------------------------------------------

class ZeroPadding1D(Layer):
    """(N, L, C) -> (N, before + L + after, C), the new steps zero.

    Args:
        padding: n (both ends) or (before, after), default 1.
        data_format: None or "channels_last" (minicnn is NHWC).
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _channels_last(data_format, "ZeroPadding1D")
        self.padding = _before_after(padding, "padding", "ZeroPadding1D")

    def call(self, inputs):
        _check_rank(self, inputs, 3, "(N, steps, channels)")
        return pad(inputs, [(0, 0), self.padding, (0, 0)])


class ZeroPadding2D(Layer):
    """(N, H, W, C) -> (N, top + H + bottom, left + W + right, C), the new rows and columns zero.

    Args:
        padding: n, (h, w) (h rows above and below, w columns on each side) or ((top, bottom),
            (left, right)); default (1, 1).
        data_format: None or "channels_last" (minicnn is NHWC).
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _channels_last(data_format, "ZeroPadding2D")
        self.padding = _height_width_pairs(padding, "padding", "ZeroPadding2D")

    def call(self, inputs):
        _check_rank(self, inputs, 4, "(NHWC)")
        return pad(inputs, [(0, 0), *self.padding, (0, 0)])


class Cropping1D(Layer):
    """(N, L, C) -> (N, L - before - after, C); at least one step must remain.

    Args:
        cropping: n (both ends) or (before, after), default (1, 1).
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _before_after(cropping, "cropping", "Cropping1D")

    def call(self, inputs):
        _check_rank(self, inputs, 3, "(N, steps, channels)")
        (before, after), length = self.cropping, inputs.shape[1]
        if before + after >= length:
            raise ValueError(f"{self.name}: cropping={self.cropping} must leave at least one of the {length} steps "
                             f"of inputs of shape {inputs.shape}")
        return inputs[:, before:length - after]


class Cropping2D(Layer):
    """(N, H, W, C) -> (N, H - top - bottom, W - left - right, C); at least one row and one column
    must remain.

    Args:
        cropping: n, (h, w) or ((top, bottom), (left, right)); default none.
        data_format: None or "channels_last" (minicnn is NHWC).
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _channels_last(data_format, "Cropping2D")
        self.cropping = _height_width_pairs(cropping, "cropping", "Cropping2D")

    def call(self, inputs):
        _check_rank(self, inputs, 4, "(NHWC)")
        ((top, bottom), (left, right)), (h, w) = self.cropping, inputs.shape[1:3]
        if top + bottom >= h or left + right >= w:
            raise ValueError(f"{self.name}: cropping={self.cropping} must leave at least one row and one column "
                             f"of inputs of shape {inputs.shape}")
        return inputs[:, top:h - bottom, left:w - right]


# --- resizing ------------------------------------------------------------------------------------

class UpSampling2D(Layer):
    """(N, H, W, C) -> (N, H·size[0], W·size[1], C). ``interpolation="nearest"`` repeats every row
    ``size[0]`` times and every column ``size[1]`` times; ``"bilinear"`` samples the input at
    half-pixel centres, (i + 1/2)/size - 1/2, between the two nearest rows (columns), the edge
    ones repeated beyond the border (``ops.reshaping.resize``, as Keras calls ``tf.image.resize``).

    Args:
        size: int or (sh, sw), the factors (default (2, 2)).
        data_format: None or "channels_last" (minicnn is NHWC).
        interpolation: "nearest" (default) or "bilinear".
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = _channels_last(data_format, "UpSampling2D")
        interpolation = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D: interpolation={interpolation!r} is not available; "
                             f"minicnn has 'nearest' and 'bilinear'")
        self.size, self.interpolation = spatial_pair(size, "size"), interpolation

    def call(self, inputs):
        _check_rank(self, inputs, 4, "(NHWC)")
        if self.interpolation == "bilinear":
            h, w = inputs.shape[1:3]
            return resize(inputs, (h * self.size[0], w * self.size[1]), method="bilinear")
        return repeat(repeat(inputs, self.size[0], axis=1), self.size[1], axis=2)


__all__ = [
    "Reshape", "Permute", "RepeatVector", "Identity", "Rescaling", "ZeroPadding1D", "ZeroPadding2D",
    "Cropping1D", "Cropping2D", "UpSampling2D",
]
