"""Every convolution through ``mc.gradcheck`` (float64 central differences, random upstream
gradient) on tiny inputs: conv2d and conv2d_transpose with each method, depthwise and separable.
No TensorFlow: this checks each backward against its own forward, including the corners TF cannot
differentiate on CPU (dilated gradients, T2; depthwise with dilation and stride, T4)."""

import zlib

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F

METHODS = ["naive", "im2col", "sparse"]
EXPLICIT = [[0, 0], [1, 2], [0, 1], [0, 0]]

# (id, input shape, filter shape, strides, padding, dilations)
CONV = [
    ("2x3x2_k2x2x2_s1_VALID", (1, 2, 3, 2), (2, 2, 2, 2), 1, "VALID", 1),
    ("n2_5x4x1_k3x2x2_s2_SAME", (2, 5, 4, 1), (3, 2, 1, 2), 2, "SAME", 1),
    ("5x5x1_k2x2x1_s1_d2_SAME", (1, 5, 5, 1), (2, 2, 1, 1), 1, "SAME", 2),
    ("4x3x2_k2x2x1_s[2,1]_explicit", (1, 4, 3, 2), (2, 2, 2, 1), [2, 1], EXPLICIT, 1),
    ("5x4x1_k2x2x2_s2_d[2,1]_explicit", (1, 5, 4, 1), (2, 2, 1, 2), 2, EXPLICIT, [2, 1]),
    ("3x3x1_k2x2x2_s1_pads_larger_than_kernel", (1, 3, 3, 1), (2, 2, 1, 2), 1, [[0, 0], [3, 0], [0, 2], [0, 0]], 1),
]

# (id, input shape, filter shape [kh, kw, out, in], output_shape, strides, padding, dilations)
TRANSPOSE = [
    ("2x2->5x5_k3_s2_VALID", (1, 2, 2, 1), (3, 3, 2, 1), [1, 5, 5, 2], 2, "VALID", 1),
    ("2x2->6x6_k3_s2_VALID", (1, 2, 2, 1), (3, 3, 1, 1), [1, 6, 6, 1], 2, "VALID", 1),
    ("n2_2x2->3x4_k3_s2_SAME", (2, 2, 2, 2), (3, 3, 1, 2), [2, 3, 4, 1], 2, "SAME", 1),
    ("2x2->4x4_k2_s1_d2_VALID", (1, 2, 2, 1), (2, 2, 2, 1), [1, 4, 4, 2], 1, "VALID", 2),
    ("2x2->3x4_k2x3_s[2,3]_explicit", (1, 2, 2, 1), (2, 3, 1, 1), [1, 3, 4, 1], [2, 3],
     [[0, 0], [1, 0], [2, 1], [0, 0]], 1),
]

# (id, input shape, depthwise filter [kh, kw, C, M], strides, padding, dilations)
DEPTHWISE = [
    ("3x3x2_k2x2_m1_s1_VALID", (1, 3, 3, 2), (2, 2, 2, 1), 1, "VALID", 1),
    ("n2_4x4x1_k3x2_m2_s2_SAME", (2, 4, 4, 1), (3, 2, 1, 2), [1, 2, 2, 1], "SAME", 1),
    ("5x4x2_k2x2_m1_s2_d2_SAME", (1, 5, 4, 2), (2, 2, 2, 1), 2, "SAME", 2),  # T4 territory
    ("4x5x1_k2x2_m3_s[1,2]_explicit", (1, 4, 5, 1), (2, 2, 1, 3), [1, 2], EXPLICIT, 1),
]

# (id, input shape, depthwise filter, pointwise output channels, strides, padding, dilations)
SEPARABLE = [
    ("3x4x2_k2x2_m1_pw3_s1_SAME", (1, 3, 4, 2), (2, 2, 2, 1), 3, 1, "SAME", 1),
    ("5x5x1_k2x2_m2_pw2_s2_d2_VALID", (1, 5, 5, 1), (2, 2, 1, 2), 2, 2, "VALID", 2),
    ("n2_3x3x2_k2x1_m1_pw1_explicit", (2, 3, 3, 2), (2, 1, 2, 1), 1, [1, 2], EXPLICIT, 1),
]


def normal(id, *shapes):
    r = np.random.default_rng(zlib.crc32(id.encode()))
    return [r.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("id,x_shape,w_shape,strides,padding,dilations", CONV, ids=[c[0] for c in CONV])
def test_conv2d_gradcheck(id, x_shape, w_shape, strides, padding, dilations, method):
    x, w = normal(id, x_shape, w_shape)
    report = mc.gradcheck(lambda x, w: F.conv2d(x, w, strides, padding, dilations, method=method), x, w)
    assert report, str(report)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("id,x_shape,w_shape,output_shape,strides,padding,dilations", TRANSPOSE,
                         ids=[c[0] for c in TRANSPOSE])
def test_conv2d_transpose_gradcheck(id, x_shape, w_shape, output_shape, strides, padding, dilations, method):
    x, w = normal(id, x_shape, w_shape)
    report = mc.gradcheck(lambda x, w: F.conv2d_transpose(x, w, output_shape, strides, padding, dilations,
                                                          method=method), x, w)
    assert report, str(report)


@pytest.mark.parametrize("id,x_shape,w_shape,strides,padding,dilations", DEPTHWISE, ids=[c[0] for c in DEPTHWISE])
def test_depthwise_conv2d_gradcheck(id, x_shape, w_shape, strides, padding, dilations):
    x, w = normal(id, x_shape, w_shape)
    report = mc.gradcheck(lambda x, w: F.depthwise_conv2d(x, w, strides, padding, dilations), x, w)
    assert report, str(report)


@pytest.mark.parametrize("id,x_shape,w_shape,out,strides,padding,dilations", SEPARABLE, ids=[c[0] for c in SEPARABLE])
def test_separable_conv2d_gradcheck(id, x_shape, w_shape, out, strides, padding, dilations):
    x, dw, pw = normal(id, x_shape, w_shape, (1, 1, w_shape[2] * w_shape[3], out))
    report = mc.gradcheck(lambda x, dw, pw: F.separable_conv2d(x, dw, pw, strides, padding, dilations), x, dw, pw)
    assert report, str(report)


def test_conv2d_with_bias_gradcheck():
    x, w, b = normal("bias", (1, 3, 3, 2), (2, 2, 2, 3), (3,))
    report = mc.gradcheck(lambda x, w, b: F.bias_add(F.conv2d(x, w, 1, "SAME"), b), x, w, b)
    assert report, str(report)
