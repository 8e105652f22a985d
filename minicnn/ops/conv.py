"""conv2d, conv2d_transpose, depthwise_conv2d and separable_conv2d with tf.nn's semantics.

Every form of the convolution provides, on raw arrays and for a ``ConvGeometry`` g:
``prepare(x, g)`` (what the form gathers from the input: im2col's patch matrix, or x itself),
``conv2d_forward(prepared, w, g)``, ``conv2d_input_grad(dy, w, g)``,
``conv2d_filter_grad(prepared, dy, g)`` and ``release(prepared)`` (scratch memory back to its pool).
``method`` picks the form: ``"naive"`` (loops, ops/naive.py), ``"im2col"`` (patches + one GEMM,
ops/im2col.py, the default) or ``"sparse"`` (``O' = W' @ X'``, ops/sparse_conv.py). The
transposed convolution is the input gradient of the convolution it transposes, so it is wired
from the same three functions with the roles swapped:

    conv2d:            y = forward(x, w)       dx = input_grad(dy, w)   dw = filter_grad(x, dy)
    conv2d_transpose:  y = input_grad(x, w)    dx = forward(dy, w)      dw = filter_grad(dy, x)

(``forward(x, ...)`` standing for ``forward(prepare(x), ...)``.)
"""

import numpy as np

from ..autograd import Function, as_tensor, is_grad_enabled
from . import GradcheckCase, depthwise
from . import im2col as im2col_form
from . import naive as naive_form
from . import sparse_conv as sparse_form
from .geometry import check_filter_shape, conv_geometry

METHODS = {"naive": naive_form, "im2col": im2col_form, "sparse": sparse_form}


def conv_method(method):
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    return METHODS[method]


def run_forward(form, x, w, geometry):
    prepared = form.prepare(x, geometry)
    y = form.conv2d_forward(prepared, w, geometry)
    form.release(prepared)
    return y


def run_filter_grad(form, x, dy, geometry):
    prepared = form.prepare(x, geometry)
    dw = form.conv2d_filter_grad(prepared, dy, geometry)
    form.release(prepared)
    return dw


class Conv2D(Function):
    def __init__(self, geometry, form):
        self.geometry, self.form = geometry, form

    def forward(self, x, w):
        prepared = self.form.prepare(x, self.geometry)
        y = self.form.conv2d_forward(prepared, w, self.geometry)
        if is_grad_enabled():
            self.prepared, self.w = prepared, w
        else:  # no backward will follow: hand the scratch memory back now
            self.form.release(prepared)
        return y

    def backward(self, dy):
        dx = self.form.conv2d_input_grad(dy, self.w, self.geometry) if self.needs_input_grad[0] else None
        dw = self.form.conv2d_filter_grad(self.prepared, dy, self.geometry) if self.needs_input_grad[1] else None
        return dx, dw

    def release(self):
        prepared, form = getattr(self, "prepared", None), getattr(self, "form", None)
        super().release()
        if prepared is not None:
            form.release(prepared)


class Conv2DTranspose(Function):
    """The adjoint of Conv2D for ``geometry`` (the conv from the output back to the input)."""

    def __init__(self, geometry, form):
        self.geometry, self.form = geometry, form

    def forward(self, x, w):
        self.x, self.w = x, w
        return self.form.conv2d_input_grad(x, w, self.geometry)

    def backward(self, dy):
        dx = run_forward(self.form, dy, self.w, self.geometry) if self.needs_input_grad[0] else None
        dw = run_filter_grad(self.form, dy, self.x, self.geometry) if self.needs_input_grad[1] else None
        return dx, dw


class DepthwiseConv2D(Function):
    """y[n, p, q, c·M + m] = Σ_{i,j} xpad[n, p·sh + i·dh, q·sw + j·dw, c] · w[i, j, c, m] (ops/depthwise.py)."""

    def __init__(self, geometry):
        self.geometry = geometry

    def forward(self, x, w):
        self.x, self.w = x, w
        return depthwise.forward(x, w, self.geometry)

    def backward(self, dy):
        dx = depthwise.input_grad(dy, self.w, self.geometry) if self.needs_input_grad[0] else None
        dw = depthwise.filter_grad(self.x, dy, self.geometry) if self.needs_input_grad[1] else None
        return dx, dw


# --- argument checks -------------------------------------------------------------------------

def _check_operands(x, filters, op, layout, channel_axis):
    x = as_tensor(x)
    filters = as_tensor(filters, like=x)
    if x.dtype.kind != "f" or filters.dtype != x.dtype:
        raise TypeError(f"{op}: input and filters must share one float dtype, got {x.dtype} and {filters.dtype}")
    check_filter_shape(x.shape, filters.shape, op, layout, channel_axis)
    return x, filters


def conv2d(input, filters, strides, padding, dilations=1, method="im2col"):
    """Like ``tf.nn.conv2d``: NHWC input, HWIO filters [kh, kw, C, O], cross-correlation.

    ``strides``/``dilations``: int, [s], [sh, sw] or [1, sh, sw, 1]. ``padding``: 'SAME', 'VALID'
    or [[0,0],[top,bottom],[left,right],[0,0]]. Output (N, OH, OW, O); see ops/geometry.py.
    """
    x, w = _check_operands(input, filters, "conv2d", "kh, kw, in_channels, out_channels", 2)
    geometry = conv_geometry(x.shape, w.shape[:2], strides, padding, dilations, "conv2d")
    return Conv2D(geometry, conv_method(method))(x, w)


def legal_transpose_sizes(in_size, k, s, d, padding, axis):
    """The output sizes n whose convolution (k, s, d, padding) gives ``in_size`` along ``axis``."""
    legal = []
    for n in range(max(1, (in_size - 1) * s - 2 * (k - 1) * d), in_size * s + (k - 1) * d + 2):
        shape = (1, n, 1, 1) if axis == 0 else (1, 1, n, 1)
        kernel = (k, 1) if axis == 0 else (1, k)
        try:
            g = conv_geometry(shape, kernel, [s, s], padding, [d, d])
        except ValueError:
            continue
        if g.out_hw[axis] == in_size:
            legal.append(n)
    return legal


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", dilations=1, method="im2col"):
    """Like ``tf.nn.conv2d_transpose``: filters [kh, kw, out_channels, in_channels].

    The adjoint (gradient) of ``conv2d(y, filters, strides, padding, dilations)`` for y of
    ``output_shape`` [N, OH, OW, out_channels]; ``output_shape`` picks among the legal sizes
    (e.g. 5 or 6 from 2 with k=3, s=2, VALID) and an illegal one raises, listing them.
    """
    x, w = _check_operands(input, filters, "conv2d_transpose", "kh, kw, out_channels, in_channels", 3)
    output_shape = tuple(int(n) for n in np.asarray(output_shape).reshape(-1))
    if len(output_shape) != 4:
        raise ValueError(f"conv2d_transpose: output_shape needs 4 numbers [N, H, W, C], got {output_shape}")
    if output_shape[3] != w.shape[2] or output_shape[0] != x.shape[0]:
        raise ValueError(f"conv2d_transpose: output_shape {output_shape} must be [{x.shape[0]}, H, W, {w.shape[2]}] "
                         f"for input {x.shape} and filters {w.shape}")
    geometry = conv_geometry(output_shape, w.shape[:2], strides, padding, dilations, "conv2d_transpose")
    for axis, name in ((0, "height"), (1, "width")):
        if geometry.out_hw[axis] != x.shape[1 + axis]:
            legal = legal_transpose_sizes(x.shape[1 + axis], w.shape[axis], geometry.strides[axis],
                                          geometry.dilations[axis], padding, axis)
            raise ValueError(
                f"conv2d_transpose: output_shape {name} {output_shape[1 + axis]} is not legal for input {name} "
                f"{x.shape[1 + axis]} (kernel {w.shape[axis]}, stride {geometry.strides[axis]}, "
                f"dilation {geometry.dilations[axis]}, padding {padding!r}); legal {name}s: {legal}"
            )
    return Conv2DTranspose(geometry, conv_method(method))(x, w)


def depthwise_conv2d(input, filter, strides, padding, dilations=1):
    """Like ``tf.nn.depthwise_conv2d``: filter [kh, kw, C, M]; output channel c·M + m.

    Strides and dilations both above 1 (which tf.nn's wrapper mishandles, trap T4) give the
    standard strided dilated result, as TensorFlow's raw DepthwiseConv2dNative op does.
    """
    x, w = _check_operands(input, filter, "depthwise_conv2d", "kh, kw, in_channels, channel_multiplier", 2)
    geometry = conv_geometry(x.shape, w.shape[:2], strides, padding, dilations, "depthwise_conv2d")
    return DepthwiseConv2D(geometry)(x, w)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, dilations=1):
    """Like ``tf.nn.separable_conv2d``: depthwise_conv2d, then a 1x1 conv2d with pointwise_filter [1, 1, C·M, O]."""
    hidden = depthwise_conv2d(input, depthwise_filter, strides, padding, dilations)
    pointwise = as_tensor(pointwise_filter, like=hidden)
    if pointwise.ndim != 4 or pointwise.shape[:2] != (1, 1) or pointwise.shape[2] != hidden.shape[3]:
        raise ValueError(f"separable_conv2d: pointwise_filter must be [1, 1, {hidden.shape[3]}, out_channels], "
                         f"got {pointwise.shape}")
    return conv2d(hidden, pointwise, 1, "VALID")


__all__ = ["conv2d", "conv2d_transpose", "depthwise_conv2d", "separable_conv2d"]

GRADCHECK_CASES = {
    "conv2d": GradcheckCase(conv2d, [(2, 5, 5, 2), (3, 3, 2, 3)], strides=2, padding="SAME"),
    "conv2d[naive]": GradcheckCase(conv2d, [(1, 5, 4, 2), (3, 2, 2, 3)], strides=2, padding="SAME", method="naive"),
    "conv2d[sparse]": GradcheckCase(conv2d, [(1, 5, 4, 2), (3, 2, 2, 3)], strides=2, padding="SAME", method="sparse"),
    "conv2d[dilated]": GradcheckCase(conv2d, [(1, 6, 7, 2), (2, 3, 2, 2)], strides=1, padding="VALID", dilations=2),
    "conv2d_transpose": GradcheckCase(conv2d_transpose, [(2, 3, 3, 3), (3, 3, 2, 3)], output_shape=(2, 5, 5, 2),
                                      strides=2, padding="SAME"),
    "depthwise_conv2d": GradcheckCase(depthwise_conv2d, [(1, 4, 4, 2), (3, 3, 2, 2)], strides=1, padding="SAME"),
    "separable_conv2d": GradcheckCase(separable_conv2d, [(1, 5, 5, 2), (3, 3, 2, 2), (1, 1, 4, 3)],
                                      strides=1, padding="VALID"),
}
