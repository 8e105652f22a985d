"""max_pool2d, avg_pool2d and global pooling with tf.nn's semantics.

Geometry is conv2d's (ops/geometry.py) with the window as kernel. SAME max pooling pads with -inf
(a pad never wins); SAME average pooling divides each window by its number of real cells. The
max-pool gradient goes, per window, to the first maximal cell in row-major window order, as in
TensorFlow; overlapping windows accumulate.

The fast forms loop over the kh·kw window taps (never over pixels): tap (i, j) of every window at
once is the strided slice ``xpad[:, i::sh, j::sw, :]`` (``tap_slices``). The naive forms loop over
output positions, like the textbook's sliding window.
"""

import numpy as np

from ..autograd import Function, as_tensor
from ..backend import get_array_module
from . import GradcheckCase
from .geometry import conv_geometry, explicit_padding, spatial_pair
from .im2col import crop_spatial, pad_spatial, tap_window
from .math import reduce_max, reduce_mean


def tap_slices(geometry):
    """(i, j, (all images, rows, columns)) for each window tap: the slices of the padded input it reads."""
    for i in range(geometry.kernel_hw[0]):
        for j in range(geometry.kernel_hw[1]):
            yield i, j, (slice(None), *tap_window(geometry, i, j))


def window_counts(geometry, dtype):
    """(1, OH, OW, 1) NumPy array: how many real (unpadded) cells each window covers."""
    counts = []
    for n, k, s, (before, _), out in zip(geometry.in_hw, geometry.kernel_hw, geometry.strides, geometry.pads,
                                         geometry.out_hw):
        start = np.arange(out) * s - before
        counts.append(np.minimum(start + k, n) - np.maximum(start, 0))
    return (counts[0][:, None] * counts[1][None, :]).astype(dtype)[None, :, :, None]


# --- fast forms ------------------------------------------------------------------------------

def tiles_exactly(geometry):
    """True when the windows neither overlap nor leave cells out: each cell is in exactly one window."""
    return geometry.strides == geometry.kernel_hw and all(
        out * s == n for out, s, n in zip(geometry.out_hw, geometry.strides, geometry.padded_hw))


def add_all(parts):
    """parts[0] + parts[1] + ... as a new array (the first sum allocates, the rest add in place)."""
    total = parts[0] + parts[1] if len(parts) > 1 else parts[0].copy()
    for part in parts[2:]:
        total += part
    return total


def tile_sums(xpad, kernel_hw):
    """(N, H/kh, W/kw, C): the sum of each kh x kw tile of ``xpad`` when the windows tile it exactly.
    Summing the kh rows of a tile first adds whole runs of kw·C contiguous values; then the kw
    columns. Each value is read once, where strided taps would read every cache line kh·kw times."""
    (kh, kw), (n, h, w, c) = kernel_hw, xpad.shape
    rows = xpad.reshape(n, h // kh, kh, w // kw, kw * c)
    row_sums = add_all([rows[:, :, i] for i in range(kh)])  # (N, H/kh, W/kw, kw·C)
    columns = row_sums.reshape(n, h // kh, w // kw, kw, c)
    return add_all([columns[:, :, :, j] for j in range(kw)])


def spread_over_tiles(values, kernel_hw):
    """The adjoint of ``tile_sums``: (N, OH, OW, C) -> (N, OH·kh, OW·kw, C), each value copied to
    every cell of its tile."""
    (kh, kw), (n, oh, ow, c) = kernel_hw, values.shape
    xp = get_array_module(values)
    tiles = xp.broadcast_to(values[:, :, None, :, None, :], (n, oh, kh, ow, kw, c))
    return tiles.reshape(n, oh * kh, ow * kw, c)


def scatter_taps(geometry, batch, channels, tap_values):
    """dxpad built from one (N, OH, OW, C) array per tap (in tap order), added where windows
    overlap, written directly where they tile the input; returns dx with the padding cropped."""
    xp = None
    dxpad = None
    exact = tiles_exactly(geometry)
    for (_, _, index), values in zip(tap_slices(geometry), tap_values):
        if dxpad is None:
            xp = get_array_module(values)
            shape = (batch, *geometry.padded_hw, channels)
            dxpad = xp.empty(shape, dtype=values.dtype) if exact else xp.zeros(shape, dtype=values.dtype)
        if exact:
            dxpad[index] = values
        else:
            dxpad[index] += values
    return crop_spatial(dxpad, geometry.pads)


class MaxPool2D(Function):
    """y = max over each window (a running maximum over the taps).

    Backward routes each window's gradient to its first maximal tap in row-major order: tap t
    receives dy where it equals the maximum and no earlier tap did. (Comparisons and products
    only: masked copies with data-dependent masks are several times slower in NumPy.)
    """

    def __init__(self, geometry):
        self.geometry = geometry

    def forward(self, x):
        xp = get_array_module(x)
        self.xpad = pad_spatial(x, self.geometry.pads, value=-np.inf)
        self.shape = x.shape
        taps = [self.xpad[index] for _, _, index in tap_slices(self.geometry)]
        self.y = taps[0].copy()
        for tap in taps[1:]:
            xp.maximum(self.y, tap, out=self.y)
        return self.y

    def backward(self, dy):
        xp = get_array_module(dy)
        taken = xp.zeros(self.y.shape, dtype=bool)

        def routed():
            for _, _, index in tap_slices(self.geometry):
                hit = self.xpad[index] == self.y
                hit &= ~taken
                taken[...] |= hit
                yield dy * hit

        return scatter_taps(self.geometry, self.shape[0], self.shape[3], routed())


class AvgPool2D(Function):
    """y = (Σ over the real cells of each window) / count;  dx = dy / count spread over those cells."""

    def __init__(self, geometry):
        self.geometry = geometry

    def forward(self, x):
        xpad = pad_spatial(x, self.geometry.pads)
        counts = window_counts(self.geometry, x.dtype)
        uniform = bool((counts == counts.flat[0]).all())  # a scalar scale is a much faster pass
        self.reciprocal = x.dtype.type(1 / counts.flat[0]) if uniform else get_array_module(x).asarray(1 / counts)
        self.shape = x.shape
        if tiles_exactly(self.geometry):  # 2x2/2 on even sizes, the 8x8 head: each cell read once
            total = tile_sums(xpad, self.geometry.kernel_hw)
        else:
            total = add_all([xpad[index] for _, _, index in tap_slices(self.geometry)])
        total *= self.reciprocal
        return total

    def backward(self, dy):
        share = dy * self.reciprocal
        if tiles_exactly(self.geometry):
            return crop_spatial(spread_over_tiles(share, self.geometry.kernel_hw), self.geometry.pads)
        taps = self.geometry.kernel_hw[0] * self.geometry.kernel_hw[1]
        return scatter_taps(self.geometry, self.shape[0], self.shape[3], [share] * taps)


# --- naive forms: one window at a time --------------------------------------------------------

def _windows(geometry):
    (sh, sw), (kh, kw), (oh, ow) = geometry.strides, geometry.kernel_hw, geometry.out_hw
    for p in range(oh):
        for q in range(ow):
            yield p, q, slice(p * sh, p * sh + kh), slice(q * sw, q * sw + kw)


class NaiveMaxPool2D(Function):
    """Each window's maximum and its first arg-max in row-major order, position by position;
    backward adds each window's dy at its arg-max."""

    def __init__(self, geometry):
        self.geometry = geometry

    def forward(self, x):
        xp = get_array_module(x)
        xpad = pad_spatial(x, self.geometry.pads, value=-np.inf)
        n, c = x.shape[0], x.shape[3]
        y = xp.empty((n, *self.geometry.out_hw, c), dtype=x.dtype)
        self.winner = xp.empty(y.shape, dtype=np.int64)
        for p, q, rows, columns in _windows(self.geometry):
            window = xpad[:, rows, columns, :].reshape(n, -1, c)  # taps in row-major order
            self.winner[:, p, q, :] = window.argmax(axis=1)       # argmax returns the first maximum
            y[:, p, q, :] = window.max(axis=1)
        return y

    def backward(self, dy):
        xp = get_array_module(dy)
        n, c = dy.shape[0], dy.shape[3]
        kh, kw = self.geometry.kernel_hw
        dxpad = xp.zeros((n, *self.geometry.padded_hw, c), dtype=dy.dtype)
        taps = xp.arange(kh * kw).reshape(1, -1, 1)
        for p, q, rows, columns in _windows(self.geometry):
            won = taps == self.winner[:, p, q, None, :]  # one-hot over the taps (CuPy 13: no put_along_axis)
            window_grad = xp.where(won, dy[:, p, q, None, :], 0)
            dxpad[:, rows, columns, :] += window_grad.reshape(n, kh, kw, c)
        return crop_spatial(dxpad, self.geometry.pads)


class NaiveAvgPool2D(Function):
    """Each window's sum over its real cells divided by their number, position by position;
    backward spreads dy / count over the window's cells (padding cells are cropped away)."""

    def __init__(self, geometry):
        self.geometry = geometry

    def forward(self, x):
        xp = get_array_module(x)
        inside = pad_spatial(xp.ones((1, *x.shape[1:3], 1), dtype=x.dtype), self.geometry.pads)
        xpad = pad_spatial(x, self.geometry.pads)
        y = xp.empty((x.shape[0], *self.geometry.out_hw, x.shape[3]), dtype=x.dtype)
        self.counts = xp.empty((1, *self.geometry.out_hw, 1), dtype=x.dtype)
        for p, q, rows, columns in _windows(self.geometry):
            self.counts[0, p, q, 0] = inside[0, rows, columns, 0].sum()
            y[:, p, q, :] = xpad[:, rows, columns, :].sum(axis=(1, 2)) / self.counts[0, p, q, 0]
        return y

    def backward(self, dy):
        xp = get_array_module(dy)
        dxpad = xp.zeros((dy.shape[0], *self.geometry.padded_hw, dy.shape[3]), dtype=dy.dtype)
        for p, q, rows, columns in _windows(self.geometry):
            dxpad[:, rows, columns, :] += (dy[:, p, q, :] / self.counts[0, p, q, 0])[:, None, None, :]
        return crop_spatial(dxpad, self.geometry.pads)


# --- public functions ------------------------------------------------------------------------

FORMS = {"max": {"fast": MaxPool2D, "naive": NaiveMaxPool2D}, "avg": {"fast": AvgPool2D, "naive": NaiveAvgPool2D}}


def pool_geometry(x, ksize, strides, padding, op):
    if x.ndim != 4:
        raise ValueError(f"{op}: input must have rank 4 (NHWC), got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {x.dtype}")
    window = spatial_pair(ksize, "ksize")
    if not isinstance(padding, str):
        (top, bottom), (left, right) = explicit_padding(padding)
        if max(top, bottom) >= window[0] or max(left, right) >= window[1]:
            raise ValueError(f"{op}: each explicit pad must be smaller than the window {window}, got {padding!r}")
    return conv_geometry(x.shape, window, strides, padding, 1, op, window="window")


def _pool(kind, input, ksize, strides, padding, method):
    op = f"{kind}_pool2d"
    x = as_tensor(input)
    if method not in ("fast", "naive"):
        raise ValueError(f"{op}: method must be 'fast' or 'naive', got {method!r}")
    return FORMS[kind][method](pool_geometry(x, ksize, strides, padding, op))(x)


def max_pool2d(input, ksize, strides, padding, method="fast"):
    """Like ``tf.nn.max_pool2d``: NHWC, ksize/strides an int or a list; 'SAME', 'VALID' or explicit pads."""
    return _pool("max", input, ksize, strides, padding, method)


def avg_pool2d(input, ksize, strides, padding, method="fast"):
    """Like ``tf.nn.avg_pool2d``: 'SAME' divides by the real cells of each window; explicit pads are rejected."""
    if not isinstance(padding, str):
        raise ValueError(f"avg_pool2d: padding must be 'SAME' or 'VALID' (TensorFlow rejects explicit pads), "
                         f"got {padding!r}")
    return _pool("avg", input, ksize, strides, padding, method)


def global_avg_pool2d(x, keepdims=False):
    """Mean over H and W: (N, H, W, C) -> (N, C)."""
    return reduce_mean(x, axis=(1, 2), keepdims=keepdims)


def global_max_pool2d(x, keepdims=False):
    """Max over H and W (the gradient is shared among ties, as tf.reduce_max): (N, H, W, C) -> (N, C)."""
    return reduce_max(x, axis=(1, 2), keepdims=keepdims)


__all__ = ["max_pool2d", "avg_pool2d", "global_avg_pool2d", "global_max_pool2d"]

GRADCHECK_CASES = {
    "max_pool2d": GradcheckCase(max_pool2d, [(2, 5, 5, 2)], ksize=3, strides=2, padding="SAME"),
    "max_pool2d[naive]": GradcheckCase(max_pool2d, [(1, 4, 5, 2)], ksize=2, strides=1, padding="VALID", method="naive"),
    "avg_pool2d": GradcheckCase(avg_pool2d, [(2, 5, 5, 2)], ksize=3, strides=2, padding="SAME"),
    "avg_pool2d[naive]": GradcheckCase(avg_pool2d, [(1, 5, 4, 2)], ksize=2, strides=3, padding="SAME", method="naive"),
    "global_avg_pool2d": GradcheckCase(global_avg_pool2d, [(2, 3, 4, 2)]),
    "global_max_pool2d": GradcheckCase(global_max_pool2d, [(2, 3, 4, 2)], keepdims=True),
}
