"""The depthwise convolution's two forms agree: the tap form (used) against the patch-matrix
einsum that writes the formula out (ops/depthwise.py). TensorFlow checks the used form in
tests/test_conv_vs_tf.py; this pins the reference to it, so either can be read as the other."""

import numpy as np
import pytest

from minicnn.ops import depthwise, im2col
from minicnn.ops.geometry import conv_geometry

CASES = [  # (input shape, filter shape [kh, kw, C, M], strides, padding, dilations)
    ((2, 7, 6, 3), (3, 3, 3, 1), 1, "SAME", 1),
    ((1, 5, 5, 1), (2, 2, 1, 3), 2, "SAME", 1),
    ((3, 9, 8, 2), (3, 2, 2, 2), (2, 3), "VALID", 1),
    ((2, 9, 9, 4), (3, 3, 4, 1), 1, "SAME", 2),
    ((1, 11, 10, 2), (3, 3, 2, 2), 2, "VALID", 2),
    ((2, 4, 4, 3), (5, 5, 3, 1), 3, "SAME", 1),  # stride above half the kernel, uneven SAME split
]
IDS = [f"x{x}-w{w}-s{s}-{p}-d{d}" for x, w, s, p, d in CASES]


@pytest.mark.parametrize("x_shape, w_shape, strides, padding, dilations", CASES, ids=IDS)
@pytest.mark.parametrize("blocks", ["one block", "one image per block"])
def test_tap_form_equals_the_patch_matrix_form(x_shape, w_shape, strides, padding, dilations, blocks, monkeypatch):
    if blocks == "one image per block":
        monkeypatch.setattr(im2col, "BLOCK_BYTES", 1)
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    g = conv_geometry(x_shape, w_shape[:2], strides, padding, dilations)
    dy = rng.standard_normal((x_shape[0], *g.out_hw, w_shape[2] * w_shape[3]))
    pairs = [("forward", depthwise.forward(x, w, g), depthwise.reference_forward(x, w, g)),
             ("d input", depthwise.input_grad(dy, w, g), depthwise.reference_input_grad(dy, w, g)),
             ("d filter", depthwise.filter_grad(x, dy, g), depthwise.reference_filter_grad(x, dy, g))]
    for what, taps, reference in pairs:
        assert taps.shape == reference.shape, what
        np.testing.assert_allclose(taps, reference, rtol=1e-12, atol=1e-12, err_msg=what)
