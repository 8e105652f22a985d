"""The convolution written as the textbook's sliding window: loops over output positions.

For reading and for tests, not for speed. With ``xpad`` the padded input and the window at
output position (p, q) being ``xpad[:, p·sh + i·dh, q·sw + j·dw, :]`` for taps (i, j):

    y[n, p, q, o]  = Σ_{i,j,c} window[n, i, j, c] · w[i, j, c, o]
    dxpad[window] += Σ_o dy[n, p, q, o] · w[i, j, c, o]          (windows overlap: add)
    dw[i, j, c, o] += Σ_n window[n, i, j, c] · dy[n, p, q, o]
"""

from ..backend import get_array_module
from .im2col import crop_spatial, pad_spatial


def _windows(geometry):
    """(p, q, rows, columns): each output position and the slices of its receptive field."""
    (sh, sw), (dh, dw) = geometry.strides, geometry.dilations
    (kh, kw), (oh, ow) = geometry.kernel_hw, geometry.out_hw
    for p in range(oh):
        for q in range(ow):
            rows = slice(p * sh, p * sh + (kh - 1) * dh + 1, dh)
            columns = slice(q * sw, q * sw + (kw - 1) * dw + 1, dw)
            yield p, q, rows, columns


def prepare(x, geometry):
    return x  # the loops read their windows straight from x


def release(prepared):
    pass


def conv2d_forward(x, w, geometry):
    xp = get_array_module(x)
    xpad = pad_spatial(x, geometry.pads)
    y = xp.zeros((x.shape[0], *geometry.out_hw, w.shape[3]), dtype=x.dtype)
    for p, q, rows, columns in _windows(geometry):
        y[:, p, q, :] = xp.tensordot(xpad[:, rows, columns, :], w, axes=3)
    return y


def conv2d_input_grad(dy, w, geometry):
    xp = get_array_module(dy)
    dxpad = xp.zeros((dy.shape[0], *geometry.padded_hw, w.shape[2]), dtype=dy.dtype)
    for p, q, rows, columns in _windows(geometry):
        dxpad[:, rows, columns, :] += xp.tensordot(dy[:, p, q, :], w, axes=([1], [3]))
    return crop_spatial(dxpad, geometry.pads)


def conv2d_filter_grad(x, dy, geometry):
    xp = get_array_module(x)
    xpad = pad_spatial(x, geometry.pads)
    dw = xp.zeros((*geometry.kernel_hw, x.shape[3], dy.shape[3]), dtype=x.dtype)
    for p, q, rows, columns in _windows(geometry):
        dw += xp.tensordot(xpad[:, rows, columns, :], dy[:, p, q, :], axes=([0], [0]))
    return dw
