"""The depthwise convolution: each input channel filtered by its own M kernels.

    y[n, p, q, c·M + m] = Σ_{i,j} xpad[n, p·sh + i·dh, q·sw + j·dw, c] · w[i, j, c, m]
    (x: N, H, W, C;  w: kh, kw, C, M;  y: N, OH, OW, C·M)

Two forms that agree (tests/test_conv_vs_tf.py checks both against TensorFlow):

- ``reference_*``: the formula as written: gather the patch matrix (im2col, 9x the input for a
  3x3 kernel) and contract it with ``einsum``;
- the tap form (``forward``, ``input_grad``, ``filter_grad``, used by ``depthwise_conv2d``): one
  multiply-add per kernel tap (i, j) over the strided window of the input that tap sees
  (``im2col.tap_window``), a block of images at a time so the window stays in cache. There are
  only kh·kw multiply-adds per output, so memory traffic is the cost; nothing 9x the input is built.

The gradients are the same sums turned around: ``dx`` adds ``dy · w[i, j]`` (summed over m) back
onto each tap's window, and ``dw[i, j]`` is the window times ``dy`` summed over n, p, q.
"""

from ..backend import get_array_module
from .im2col import col2im, crop_spatial, im2col, image_blocks, pad_spatial, tap_window


def _taps(geometry):
    for i in range(geometry.kernel_hw[0]):
        for j in range(geometry.kernel_hw[1]):
            yield (i, j), tap_window(geometry, i, j)


def _per_image_bytes(geometry, channels, itemsize):
    return geometry.out_hw[0] * geometry.out_hw[1] * channels * itemsize


# Each multiply-add runs over one multiplier m at a time, so NumPy's innermost loop is the C
# channels (a trailing axis of length M = 1 would make it a loop of one element).

def forward(x, w, geometry):
    """(N, H, W, C), (kh, kw, C, M) -> (N, OH, OW, C·M)."""
    xp = get_array_module(x)
    n, c, m = x.shape[0], x.shape[3], w.shape[3]
    xpad = pad_spatial(x, geometry.pads)
    y = xp.zeros((n, *geometry.out_hw, c, m), dtype=x.dtype)
    for start, stop in image_blocks(n, _per_image_bytes(geometry, c * m, x.dtype.itemsize)):
        for tap, (rows, columns) in _taps(geometry):
            window = xpad[start:stop, rows, columns, :]
            for k in range(m):
                y[start:stop, ..., k] += window * w[tap][:, k]
    return y.reshape(n, *geometry.out_hw, c * m)


def input_grad(dy, w, geometry):
    """dx[n, h, w, c] = Σ over the taps and m that read x[n, h, w, c] of dy · w[i, j, c, m]."""
    xp = get_array_module(dy)
    n, (kh, kw, c, m) = dy.shape[0], w.shape
    dy = dy.reshape(n, *geometry.out_hw, c, m)
    dxpad = xp.zeros((n, *geometry.padded_hw, c), dtype=dy.dtype)
    for start, stop in image_blocks(n, _per_image_bytes(geometry, c * m, dy.dtype.itemsize)):
        for tap, (rows, columns) in _taps(geometry):
            window = dxpad[start:stop, rows, columns, :]
            for k in range(m):
                window += dy[start:stop, ..., k] * w[tap][:, k]
    return crop_spatial(dxpad, geometry.pads)


def filter_grad(x, dy, geometry):
    """dw[i, j, c, m] = Σ_{n,p,q} xpad[n, p·sh + i·dh, q·sw + j·dw, c] · dy[n, p, q, c·M + m]."""
    xp = get_array_module(x)
    n, c = x.shape[0], x.shape[3]
    m = dy.shape[3] // c
    dy = dy.reshape(n, *geometry.out_hw, c, m)
    xpad = pad_spatial(x, geometry.pads)
    dw = xp.zeros((*geometry.kernel_hw, c, m), dtype=x.dtype)
    for start, stop in image_blocks(n, _per_image_bytes(geometry, c * m, x.dtype.itemsize)):
        for tap, (rows, columns) in _taps(geometry):
            window = xpad[start:stop, rows, columns, :]
            for k in range(m):
                dw[tap][:, k] += (window * dy[start:stop, ..., k]).reshape(-1, c).sum(axis=0)
    return dw


# --- the reference form: the patch matrix and einsum, the formula as written -------------------

def reference_forward(x, w, geometry):
    xp = get_array_module(x)
    y = xp.einsum("npqijc,ijcm->npqcm", im2col(x, geometry), w)
    return y.reshape(*y.shape[:3], -1)


def reference_input_grad(dy, w, geometry):
    xp = get_array_module(dy)
    dy = dy.reshape(*dy.shape[:3], *w.shape[2:])
    return col2im(xp.ascontiguousarray(xp.einsum("npqcm,ijcm->npqijc", dy, w)), geometry)


def reference_filter_grad(x, dy, geometry):
    xp = get_array_module(x)
    dy = dy.reshape(*dy.shape[:3], x.shape[3], -1)
    return xp.einsum("npqijc,npqcm->ijcm", im2col(x, geometry), dy)
