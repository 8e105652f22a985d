"""im2col and col2im: the patch matrix behind the fast convolution, and its adjoint.

``im2col`` gathers every receptive field of the padded NHWC input into a row:
``cols[n, p, q, i, j, c] = xpad[n, p·sh + i·dh, q·sw + j·dw, c]``, shape (N, OH, OW, kh, kw, C),
so a convolution is one GEMM ``cols.reshape(N·OH·OW, kh·kw·C) @ W.reshape(kh·kw·C, O)``.
``col2im`` is its adjoint: it *sums* each patch entry back where it came from (patches overlap),
then crops the padding.
"""

from collections import OrderedDict

from ..backend import copy_into, get_array_module
from .geometry import ConvGeometry


def pad_spatial(x, pads, value=0):
    """Zero-pad (or ``value``-pad) the H and W axes of an NHWC array by ((top, bottom), (left, right))."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return x
    xp = get_array_module(x)
    return xp.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)


def crop_spatial(xpad, pads):
    (top, bottom), (left, right) = pads
    h, w = xpad.shape[1:3]
    return xpad[:, top:h - bottom, left:w - right, :]


def patch_view(xpad, geometry):
    """A zero-copy strided view (N, OH, OW, kh, kw, C) of the receptive fields of ``xpad``."""
    xp = get_array_module(xpad)
    (sh, sw), (dh, dw) = geometry.strides, geometry.dilations
    s_n, s_h, s_w, s_c = xpad.strides
    shape = (xpad.shape[0], *geometry.out_hw, *geometry.kernel_hw, xpad.shape[3])
    return xp.lib.stride_tricks.as_strided(xpad, shape, (s_n, sh * s_h, sw * s_w, dh * s_h, dw * s_w, s_c))


class BufferPool:
    """Reuses large scratch arrays. A fresh array of tens of MB costs a page fault per 4 KiB on
    first touch (as much as filling it), so the patch matrices are recycled, a few per shape."""

    def __init__(self, per_shape=2, shapes=16):
        self.per_shape, self.shapes, self.free = per_shape, shapes, OrderedDict()

    def take(self, shape, dtype, xp):
        stack = self.free.get((shape, dtype, xp.__name__))
        return stack.pop() if stack else xp.empty(shape, dtype=dtype)

    def give(self, array):
        key = (array.shape, array.dtype, get_array_module(array).__name__)
        stack = self.free.setdefault(key, [])
        self.free.move_to_end(key)
        if len(stack) < self.per_shape:
            stack.append(array)
        while len(self.free) > self.shapes:
            self.free.popitem(last=False)


POOL = BufferPool()


def im2col(x, geometry, pad_value=0, pool=None):
    """(N, H, W, C) -> contiguous patches (N, OH, OW, kh, kw, C), padding with ``pad_value``.

    With ``pool``, the result is taken from it (give it back when done)."""
    xp = get_array_module(x)
    xpad = xp.ascontiguousarray(pad_spatial(x, geometry.pads, pad_value))
    view = patch_view(xpad, geometry)
    if pool is None:
        return view.copy()
    return copy_into(pool.take(view.shape, x.dtype, xp), view)


def tap_window(geometry, i, j):
    """The (rows, columns) slices of the padded input that kernel tap (i, j) sees across all
    output positions: ``xpad[:, rows, columns, :][n, p, q] = xpad[n, p·sh + i·dh, q·sw + j·dw]``."""
    (sh, sw), (dh, dw) = geometry.strides, geometry.dilations
    oh, ow = geometry.out_hw
    return slice(i * dh, i * dh + sh * (oh - 1) + 1, sh), slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)


def col2im(cols, geometry):
    """Adjoint of im2col: (N, OH, OW, kh, kw, C) -> (N, H, W, C), summing overlapping patches."""
    xp = get_array_module(cols)
    hp, wp = geometry.padded_hw
    xpad = xp.zeros((cols.shape[0], hp, wp, cols.shape[-1]), dtype=cols.dtype)
    for i in range(geometry.kernel_hw[0]):  # one strided add per kernel tap; within a tap no two patches overlap
        for j in range(geometry.kernel_hw[1]):
            rows, columns = tap_window(geometry, i, j)
            xpad[:, rows, columns, :] += cols[:, :, :, i, j, :]
    return crop_spatial(xpad, geometry.pads)


# --- the convolution as GEMMs on the patch matrix --------------------------------------------
#   y  = cols @ W                  (N·OH·OW, kh·kw·C) @ (kh·kw·C, O)
#   dW = colsᵀ @ dy                (kh·kw·C, N·OH·OW) @ (N·OH·OW, O)
#   dx = col2im(dy @ Wᵀ)           or, at stride 1, a convolution of dy (below)
# The whole patch matrix of a batch is 9x the input for a 3x3 kernel (38 MB for 64x32x32x16),
# larger than the cache and than the input itself. So the rows are gathered and multiplied a
# block of images at a time, into one reused buffer that stays in cache: the same GEMMs, summed
# (dW) or written (y, dx) block by block. Nothing is kept for backward but the input, as in
# TensorFlow: the filter gradient gathers the patches again.

BLOCK_BYTES = 4 << 20  # the patch rows gathered at once: about the size that stays in this CPU's cache


def image_blocks(n, per_image_bytes, block_bytes=None):
    """Yield (start, stop) over n images in blocks of about ``block_bytes`` (at least one image)."""
    step = max(1, (BLOCK_BYTES if block_bytes is None else block_bytes) // max(per_image_bytes, 1))
    for start in range(0, n, step):
        yield start, min(start + step, n)


def patch_bytes(geometry, itemsize):
    """The bytes of one image's patch rows: OH·OW·kh·kw·C items."""
    (oh, ow), (kh, kw) = geometry.out_hw, geometry.kernel_hw
    return oh * ow * kh * kw * geometry.in_channels * itemsize


def patch_blocks(x, geometry, pad_value=0):
    """Yield (start, stop, cols) for consecutive blocks of images: ``cols`` (stop - start, OH, OW,
    kh, kw, C) are their patches, in a reused buffer valid until the next block is asked for."""
    xp = get_array_module(x)
    view = patch_view(xp.ascontiguousarray(pad_spatial(x, geometry.pads, pad_value)), geometry)
    blocks = list(image_blocks(x.shape[0], patch_bytes(geometry, x.dtype.itemsize)))
    buffer = POOL.take((blocks[0][1], *view.shape[1:]), x.dtype, xp)
    try:
        for start, stop in blocks:
            cols = buffer[:stop - start]
            copy_into(cols, view[start:stop])
            yield start, stop, cols
    finally:
        POOL.give(buffer)


def prepare(x, geometry):
    return x  # the patches are gathered block by block when needed; only the input is kept


def release(prepared):
    pass


def _as_matrix(cols):
    return cols.reshape(cols.shape[0] * cols.shape[1] * cols.shape[2], -1)


def conv2d_forward(x, w, geometry):
    xp = get_array_module(x)
    o = w.shape[3]
    y = xp.empty((x.shape[0], *geometry.out_hw, o), dtype=x.dtype)
    weights = w.reshape(-1, o)
    for start, stop, cols in patch_blocks(x, geometry):
        xp.matmul(_as_matrix(cols), weights, out=y[start:stop].reshape(-1, o))
    return y


def conv2d_filter_grad(x, dy, geometry):
    xp = get_array_module(x)
    o = dy.shape[3]
    dw = xp.zeros((geometry.kernel_hw[0] * geometry.kernel_hw[1] * x.shape[3], o), dtype=x.dtype)
    for start, stop, cols in patch_blocks(x, geometry):
        dw += _as_matrix(cols).T @ dy[start:stop].reshape(-1, o)
    return dw.reshape(*geometry.kernel_hw, x.shape[3], o)


def conv2d_input_grad(dy, w, geometry):
    if geometry.strides == (1, 1) and _full_padding(geometry) is not None:
        return _input_grad_as_convolution(dy, w, geometry)
    xp = get_array_module(dy)
    kh, kw, c, o = w.shape
    dx = xp.empty((dy.shape[0], *geometry.in_hw, c), dtype=dy.dtype)
    for start, stop in image_blocks(dy.shape[0], patch_bytes(geometry, dy.dtype.itemsize)):
        dcols = dy[start:stop].reshape(-1, o) @ w.reshape(-1, o).T
        dx[start:stop] = col2im(dcols.reshape(stop - start, *geometry.out_hw, kh, kw, c), geometry)
    return dx


def _full_padding(geometry):
    """Pads of dy for the stride-1 input gradient: (eff_k - 1 - before, eff_k - 1 - after) per axis,
    or None when a pad of the forward conv exceeds eff_k - 1 (then dy would need cropping)."""
    pads = tuple(tuple((k - 1) * d - p for p in pair)
                 for k, d, pair in zip(geometry.kernel_hw, geometry.dilations, geometry.pads))
    return None if min(min(p) for p in pads) < 0 else pads


def _input_grad_as_convolution(dy, w, geometry):
    """At stride 1, dx[h, w] = Σ dy[h + top - i·dh, w + left - j·dw] · w[i, j]ᵀ: a convolution of dy,
    padded by eff_k - 1 - pad, with the kernel rotated 180° and its in/out channels swapped.
    It gathers instead of scattering, so it costs what the forward pass costs."""
    xp = get_array_module(dy)
    flipped = xp.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2))
    pads = _full_padding(geometry)
    in_hw = dy.shape[1:3]
    out_hw = tuple(n + b + a - (k - 1) * d for n, (b, a), k, d in zip(in_hw, pads, geometry.kernel_hw,
                                                                     geometry.dilations))
    transposed = ConvGeometry(dy.shape[0], in_hw, dy.shape[3], geometry.kernel_hw, (1, 1), geometry.dilations,
                              pads, out_hw)
    return conv2d_forward(dy, flipped, transposed)
