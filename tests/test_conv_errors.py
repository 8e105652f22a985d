"""Bad arguments to the convolutions raise a ValueError / TypeError whose message names the problem
(the argument, and the value or shape received), never a NumPy traceback from deep inside.

Messages are matched by the fragments they must contain, not by their wording."""

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F

METHODS = ["naive", "im2col", "sparse"]
X = np.zeros((1, 5, 5, 2))
W = np.zeros((3, 3, 2, 4))
Y2 = np.zeros((1, 2, 2, 1))  # a transposed conv's 2x2 input
K3 = np.zeros((3, 3, 1, 1))
DW = np.zeros((3, 3, 2, 2))


def mentions(*patterns):
    """A regex matching a message that contains every pattern, in any order."""
    return "(?s)" + "".join(f"(?=.*{p})" for p in patterns)


def conv2d(*args, **kw):
    return lambda method: F.conv2d(*args, **kw, method=method)


def transpose(*args, **kw):
    return lambda method: F.conv2d_transpose(*args, **kw, method=method)


# (id, call, exception, the fragments its message must contain)
CONV2D_ERRORS = [
    ("input_rank_3", conv2d(np.zeros((5, 5, 2)), W, 1, "VALID"), ValueError, ["input", "rank", r"\(5, 5, 2\)"]),
    ("input_rank_5", conv2d(np.zeros((1, 1, 5, 5, 2)), W, 1, "VALID"), ValueError, ["input", r"\(1, 1, 5, 5, 2\)"]),
    ("filters_rank_3", conv2d(X, np.zeros((3, 3, 2)), 1, "VALID"), ValueError, ["filters", r"\(3, 3, 2\)"]),
    ("channel_mismatch_2_vs_3", conv2d(X, np.zeros((3, 3, 3, 4)), 1, "VALID"), ValueError,
     ["channel", r"\b2\b", r"\b3\b"]),
    ("padding_FULL", conv2d(X, W, 1, "FULL"), ValueError, ["padding", "'FULL'"]),
    ("padding_two_pairs", conv2d(X, W, 1, [[1, 1], [1, 1]]), ValueError, ["padding", r"\[\[1, 1\], \[1, 1\]\]"]),
    ("padding_pair_of_three", conv2d(X, W, 1, [[0, 0], [1, 1, 1], [1, 1], [0, 0]]), ValueError,
     ["padding", r"\[1, 1, 1\]"]),
    ("padding_batch_nonzero", conv2d(X, W, 1, [[1, 0], [1, 1], [1, 1], [0, 0]]), ValueError,
     ["padding", "batch", r"\[1, 0\]"]),
    ("padding_channel_nonzero", conv2d(X, W, 1, [[0, 0], [1, 1], [1, 1], [0, 1]]), ValueError,
     ["padding", "channel", r"\[0, 1\]"]),
    ("padding_negative", conv2d(X, W, 1, [[0, 0], [-1, 1], [1, 1], [0, 0]]), ValueError,
     ["padding", "negative", "-1"]),
    ("stride_0", conv2d(X, W, 0, "VALID"), ValueError, ["strides", r"\b0\b"]),
    ("stride_negative", conv2d(X, W, [1, -1], "VALID"), ValueError, ["strides", r"\[1, -1\]"]),
    ("stride_list_of_3", conv2d(X, W, [1, 1, 1], "VALID"), ValueError, ["strides", r"\[1, 1, 1\]"]),
    ("stride_batch_entry_2", conv2d(X, W, [2, 1, 1, 1], "VALID"), ValueError, ["strides", r"\[2, 1, 1, 1\]"]),
    ("stride_float", conv2d(X, W, 1.5, "VALID"), TypeError, ["strides", r"1\.5"]),
    ("dilation_0", conv2d(X, W, 1, "VALID", 0), ValueError, ["dilations", r"\b0\b"]),
    ("dilation_list_of_3", conv2d(X, W, 1, "VALID", [2, 2, 2]), ValueError, ["dilations", r"\[2, 2, 2\]"]),
    ("empty_output_kernel_taller_than_input", conv2d(np.zeros((1, 2, 5, 2)), W, 1, "VALID"), ValueError,
     ["height", "empty"]),
    ("empty_output_kernel_wider_than_input", conv2d(np.zeros((1, 5, 1, 2)), W, 2, "VALID"), ValueError,
     ["width", "empty"]),
    ("empty_output_dilated_kernel_spans_7", conv2d(X, W, 1, "VALID", 3), ValueError, ["empty", r"\b7\b", r"\b5\b"]),
    ("dtype_mismatch", conv2d(mc.Tensor(X.astype(np.float32)), mc.Tensor(W), 1, "VALID"), TypeError,
     ["dtype", "float32", "float64"]),
    ("integer_input", conv2d(X.astype(np.int32), W.astype(np.int32), 1, "VALID"), TypeError, ["float", "int32"]),
    ("unknown_method", lambda m: F.conv2d(X, W, 1, "VALID", method="fft"), ValueError,
     ["method", "im2col", "naive", "sparse", "fft"]),
]

TRANSPOSE_ERRORS = [
    ("output_7_not_legal_VALID", transpose(Y2, K3, [1, 7, 7, 1], 2, "VALID"), ValueError,
     ["height", r"\b7\b", r"\[5, 6\]"]),
    ("output_width_4_not_legal_VALID", transpose(Y2, K3, [1, 5, 4, 1], 2, "VALID"), ValueError,
     ["width", r"\b4\b", r"\[5, 6\]"]),
    ("output_5_not_legal_SAME", transpose(Y2, K3, [1, 5, 5, 1], 2, "SAME"), ValueError,
     ["height", r"\b5\b", r"\[3, 4\]"]),
    ("output_6_not_legal_dilated", transpose(Y2, K3, [1, 6, 6, 1], 2, "VALID", 2), ValueError,
     ["height", r"\b6\b", r"\[7, 8\]"]),
    ("output_5_not_legal_explicit", transpose(Y2, K3, [1, 5, 5, 1], 2, [[0, 0], [1, 1], [1, 1], [0, 0]]), ValueError,
     ["height", r"\b5\b", r"\[3, 4\]"]),
    ("output_shape_two_numbers", transpose(Y2, K3, [5, 5], 2, "VALID"), ValueError,
     ["output_shape", r"\(5, 5\)|\[5, 5\]"]),
    ("output_channels_mismatch", transpose(Y2, K3, [1, 5, 5, 2], 2, "VALID"), ValueError,
     ["output_shape", r"\(1, 5, 5, 2\)|\[1, 5, 5, 2\]"]),
    ("output_batch_mismatch", transpose(Y2, K3, [2, 5, 5, 1], 2, "VALID"), ValueError,
     ["output_shape", r"\(2, 5, 5, 1\)|\[2, 5, 5, 1\]"]),
    ("input_channels_3_vs_filters_1", transpose(np.zeros((1, 2, 2, 3)), K3, [1, 5, 5, 1], 2, "VALID"), ValueError,
     ["channel", r"\b3\b"]),
    ("input_rank_3", transpose(np.zeros((2, 2, 1)), K3, [1, 5, 5, 1], 2, "VALID"), ValueError,
     ["input", r"\(2, 2, 1\)"]),
    ("filters_rank_2", transpose(Y2, np.zeros((3, 3)), [1, 5, 5, 1], 2, "VALID"), ValueError,
     ["filters", r"\(3, 3\)"]),
    ("stride_list_of_3", transpose(Y2, K3, [1, 5, 5, 1], [2, 2, 2], "VALID"), ValueError,
     ["strides", r"\[2, 2, 2\]"]),
    ("stride_0", transpose(Y2, K3, [1, 5, 5, 1], 0, "VALID"), ValueError, ["strides", r"\b0\b"]),
    ("padding_FULL", transpose(Y2, K3, [1, 5, 5, 1], 2, "FULL"), ValueError, ["padding", "'FULL'"]),
    ("dtype_mismatch", transpose(mc.Tensor(Y2), mc.Tensor(K3.astype(np.float32)), [1, 5, 5, 1], 2, "VALID"),
     TypeError, ["dtype", "float64", "float32"]),
    ("unknown_method", lambda m: F.conv2d_transpose(Y2, K3, [1, 5, 5, 1], 2, "VALID", method="fast"), ValueError,
     ["method", "fast"]),
]

OTHER_ERRORS = [
    ("depthwise_channel_mismatch_2_vs_3", lambda: F.depthwise_conv2d(X, np.zeros((3, 3, 3, 1)), 1, "VALID"),
     ValueError, ["channel", r"\b2\b", r"\b3\b"]),
    ("depthwise_filter_rank_3", lambda: F.depthwise_conv2d(X, np.zeros((3, 3, 2)), 1, "VALID"), ValueError,
     ["filter", r"\(3, 3, 2\)"]),
    ("depthwise_input_rank_3", lambda: F.depthwise_conv2d(np.zeros((5, 5, 2)), DW, 1, "VALID"), ValueError,
     ["input", r"\(5, 5, 2\)"]),
    ("depthwise_empty_output", lambda: F.depthwise_conv2d(np.zeros((1, 2, 2, 2)), DW, 1, "VALID"), ValueError,
     ["empty"]),
    ("depthwise_padding_FULL", lambda: F.depthwise_conv2d(X, DW, 1, "FULL"), ValueError, ["padding", "'FULL'"]),
    ("depthwise_stride_0", lambda: F.depthwise_conv2d(X, DW, [1, 0, 0, 1], "VALID"), ValueError,
     ["strides", r"\[1, 0, 0, 1\]"]),
    ("depthwise_stride_list_of_3", lambda: F.depthwise_conv2d(X, DW, [1, 1, 1], "VALID"), ValueError,
     ["strides", r"\[1, 1, 1\]"]),
    ("depthwise_dtype_mismatch", lambda: F.depthwise_conv2d(mc.Tensor(X), mc.Tensor(DW.astype(np.float32)), 1,
                                                            "VALID"), TypeError, ["dtype", "float64", "float32"]),
    ("separable_pointwise_channels", lambda: F.separable_conv2d(X, DW, np.zeros((1, 1, 3, 5)), 1, "VALID"),
     ValueError, ["pointwise", r"\(1, 1, 3, 5\)"]),
    ("separable_pointwise_not_1x1", lambda: F.separable_conv2d(X, DW, np.zeros((3, 3, 4, 5)), 1, "VALID"),
     ValueError, ["pointwise", r"\(3, 3, 4, 5\)"]),
    ("separable_channel_mismatch", lambda: F.separable_conv2d(X, np.zeros((3, 3, 3, 1)), np.zeros((1, 1, 3, 5)), 1,
                                                              "VALID"), ValueError, ["channel", r"\b2\b", r"\b3\b"]),
    ("sparse_matrix_empty_output", lambda: F.conv2d_as_sparse_matrix(W, (1, 2, 2, 2)), ValueError, ["empty"]),
    ("sparse_matrix_3_input_channels_vs_2", lambda: F.conv2d_as_sparse_matrix(W, (1, 5, 5, 3)), ValueError,
     ["channel", r"\b3\b", r"\b2\b"]),
    ("sparse_matrix_1_input_channel_vs_2", lambda: F.conv2d_as_sparse_matrix(W, (5, 5, 1)), ValueError,
     ["channel", r"\b1\b", r"\b2\b"]),
    ("sparse_matrix_filters_rank_3", lambda: F.conv2d_as_sparse_matrix(np.zeros((3, 3, 2)), (1, 5, 5, 2)),
     ValueError, ["filters", r"\(3, 3, 2\)"]),
    ("sparse_matrix_filters_rank_5", lambda: F.conv2d_as_sparse_matrix(np.zeros((3, 3, 2, 4, 1)), (1, 5, 5, 2)),
     ValueError, ["filters", r"\(3, 3, 2, 4, 1\)"]),
    ("sparse_matrix_input_rank_2", lambda: F.conv2d_as_sparse_matrix(W, (5, 5)), ValueError, ["input", r"\(5, 5\)"]),
    ("sparse_matrix_padding_FULL", lambda: F.conv2d_as_sparse_matrix(W, (1, 5, 5, 2), 1, "FULL"), ValueError,
     ["padding", "'FULL'"]),
    ("bias_add_wrong_length", lambda: F.bias_add(np.zeros((1, 2, 2, 3)), np.zeros(4)), ValueError,
     ["bias", r"\(4,\)"]),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("call,exc,fragments", [c[1:] for c in CONV2D_ERRORS], ids=[c[0] for c in CONV2D_ERRORS])
def test_conv2d_rejects(call, exc, fragments, method):
    with pytest.raises(exc, match=mentions(*fragments)):
        call(method)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("call,exc,fragments", [c[1:] for c in TRANSPOSE_ERRORS], ids=[c[0] for c in TRANSPOSE_ERRORS])
def test_conv2d_transpose_rejects(call, exc, fragments, method):
    with pytest.raises(exc, match=mentions(*fragments)):
        call(method)


@pytest.mark.parametrize("call,exc,fragments", [c[1:] for c in OTHER_ERRORS], ids=[c[0] for c in OTHER_ERRORS])
def test_depthwise_separable_sparse_matrix_reject(call, exc, fragments):
    with pytest.raises(exc, match=mentions(*fragments)):
        call()
