"""im2col and col2im: the patch matrix behind the fast convolution, and its adjoint.

``im2col`` gathers every receptive field of the padded NHWC input into a row:
``cols[n, p, q, i, j, c] = xpad[n, p·sh + i·dh, q·sw + j·dw, c]``, shape (N, OH, OW, kh, kw, C),
so a convolution is one GEMM ``cols.reshape(N·OH·OW, kh·kw·C) @ W.reshape(kh·kw·C, O)``.
``col2im`` is its adjoint: it *sums* each patch entry back where it came from (patches overlap),
then crops the padding.
"""

from ..backend import get_array_module


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


def im2col(x, geometry, pad_value=0):
    """(N, H, W, C) -> contiguous patches (N, OH, OW, kh, kw, C), padding with ``pad_value``."""
    xpad = get_array_module(x).ascontiguousarray(pad_spatial(x, geometry.pads, pad_value))
    return patch_view(xpad, geometry).copy()


def col2im(cols, geometry):
    """Adjoint of im2col: (N, OH, OW, kh, kw, C) -> (N, H, W, C), summing overlapping patches."""
    xp = get_array_module(cols)
    (sh, sw), (dh, dw) = geometry.strides, geometry.dilations
    (oh, ow), (kh, kw) = geometry.out_hw, geometry.kernel_hw
    hp, wp = geometry.padded_hw
    xpad = xp.zeros((cols.shape[0], hp, wp, cols.shape[-1]), dtype=cols.dtype)
    for i in range(kh):  # one strided add per kernel tap; within a tap no two patches overlap
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            xpad[:, rows, columns, :] += cols[:, :, :, i, j, :]
    return crop_spatial(xpad, geometry.pads)


# --- the convolution as one GEMM on the patch matrix ------------------------------------------
#   y  = cols @ W                  (N·OH·OW, kh·kw·C) @ (kh·kw·C, O)
#   dW = colsᵀ @ dy                (kh·kw·C, N·OH·OW) @ (N·OH·OW, O)
#   dx = col2im(dy @ Wᵀ)

def conv2d_forward(x, w, geometry):
    cols = im2col(x, geometry)
    rows = cols.shape[0] * cols.shape[1] * cols.shape[2]
    y = cols.reshape(rows, -1) @ w.reshape(-1, w.shape[3])
    return y.reshape(x.shape[0], *geometry.out_hw, w.shape[3])


def conv2d_input_grad(dy, w, geometry):
    kh, kw, c, o = w.shape
    dcols = dy.reshape(-1, o) @ w.reshape(-1, o).T
    return col2im(dcols.reshape(dy.shape[0], *geometry.out_hw, kh, kw, c), geometry)


def conv2d_filter_grad(x, dy, geometry):
    cols = im2col(x, geometry)
    o = dy.shape[3]
    dw = cols.reshape(-1, cols[0, 0, 0].size).T @ dy.reshape(-1, o)
    return dw.reshape(*geometry.kernel_hw, x.shape[3], o)
