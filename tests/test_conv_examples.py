"""The source material's worked convolution examples, with its numbers; the sparse-matrix view
``O' = W' @ X'``; and the three conv methods agreeing with each other on the whole TF grid.

Line numbers ("seed 001, line N") refer to shared/seeds/001_0dc837b8b3f160e0.txt; section
numbers ("ref. §12") to shared/reference/tf_semantics.md.
"""

import numpy as np
import pytest
import scipy.sparse

import minicnn as mc
from minicnn import functional as F
from minicnn.ops.geometry import same_padding

from helpers import assert_close
from test_conv_vs_tf import CONV_CONFIGS, TRANSPOSE_CONFIGS, arg_form, arrays_for, tf_padding

DTYPES = [np.float32, np.float64]
DTYPE_IDS = ["float32", "float64"]
METHODS = ["naive", "im2col", "sparse"]


def nhwc(a, dtype=np.float64):
    """A 2-D matrix as a (1, H, W, 1) image."""
    return np.asarray(a, dtype=dtype)[None, :, :, None]


def hwio(a, dtype=np.float64):
    """A 2-D kernel as a (kh, kw, 1, 1) filter."""
    return np.asarray(a, dtype=dtype)[:, :, None, None]


# --- seed 001, section 10.2: the 5x5 input and 3x3 kernel -------------------------------------

# Seed 001, line 125: the first receptive field of the 5x5 input X, the 3x3 kernel, and their
# Hadamard product, which sums to 7 (line 127). Line 129: one step to the right gives 10.
WINDOW = [[1, -1, 0], [-1, -2, 2], [1, 2, -2]]
KERNEL = [[-1, 1, 2], [1, -1, 3], [0, -1, -2]]
HADAMARD = [[-1, -1, 0], [-1, 2, 6], [0, -2, 4]]
# The full 5x5 X is only in figure 10.12 (an image, not in the text). Output (0, 1) also needs X's
# 4th column in rows 0-2: the known 3x2 part of that window contributes -1, so any column c with
# c·(2, 3, -2) = 11 reproduces the text's 10; (2, 3, 1) is one (a reconstruction, not a transcription).
# The rest of X cannot affect the first two outputs, so it is filled with random values (two fills).
FOURTH_COLUMN = [2, 3, 1]


def seed_5x5(fill_seed, dtype=np.float64):
    x = np.random.default_rng(fill_seed).integers(-3, 4, (5, 5)).astype(dtype)
    x[:3, :3] = WINDOW
    x[:3, 3] = FOURTH_COLUMN
    return x


def test_seed_example_transcription():
    assert (np.multiply(WINDOW, KERNEL) == HADAMARD).all() and np.sum(HADAMARD) == 7


@pytest.mark.parametrize("fill_seed", [0, 1])
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("method", METHODS)
def test_seed_5x5_single_channel_gives_7_and_10(method, dtype, fill_seed):
    y = F.conv2d(nhwc(seed_5x5(fill_seed), dtype), hwio(KERNEL, dtype), 1, "VALID", method=method)
    assert y.shape == (1, 3, 3, 1)  # 5x5 with a 3x3 kernel, stride 1, no padding -> 3x3 (line 160)
    assert y.numpy()[0, 0, :2, 0].tolist() == [7.0, 10.0]


# Seed 001, lines 148-156 (figure 10.17): three input channels, one 3x3x3 kernel. Per channel the
# first window gives 7, -11, -1 (sum -5, line 154) and the next window 10, 20, 20 (sum 50, line 156).
# Channel 1 is the single-channel example above (7 and 10). The figure's channels 2 and 3 are not in
# the text, so they are written here so that their windows give the text's intermediate values
# (checked below by direct Hadamard sums, as the text computes them).
CHANNEL_2 = [[1, 4, 3, -1], [-1, 3, 2, -3], [-1, 2, 2, -1]], [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
CHANNEL_3 = [[1, 4, 3, 0], [3, 2, -3, 2], [-2, 3, 1, 5]], [[0, 1, 0], [1, -4, 1], [0, 1, 0]]


def seed_3_channel(dtype):
    x = np.zeros((1, 5, 5, 3), dtype=dtype)
    w = np.zeros((3, 3, 3, 1), dtype=dtype)
    x[0, :, :, 0], w[:, :, 0, 0] = seed_5x5(0), KERNEL
    for c, (rows, kernel) in ((1, CHANNEL_2), (2, CHANNEL_3)):
        x[0, :3, :4, c] = rows
        x[0, 3:, :, c] = np.arange(10).reshape(2, 5) - 4  # rows the first output row never sees
        x[0, :3, 4, c] = [2, -2, 1]
        w[:, :, c, 0] = kernel
    return x, w


def test_seed_3_channel_intermediates():
    x, w = seed_3_channel(np.float64)
    firsts = [float((x[0, 0:3, 0:3, c] * w[:, :, c, 0]).sum()) for c in range(3)]
    seconds = [float((x[0, 0:3, 1:4, c] * w[:, :, c, 0]).sum()) for c in range(3)]
    assert firsts == [7, -11, -1] and seconds == [10, 20, 20]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("method", METHODS)
def test_seed_3_channel_gives_minus_5_and_50(method, dtype):
    x, w = seed_3_channel(dtype)
    y = F.conv2d(x, w, 1, "VALID", method=method).numpy()
    assert y.shape == (1, 3, 3, 1)
    assert y[0, 0, :2, 0].tolist() == [-5.0, 50.0]
    per_channel = [F.conv2d(x[..., c:c + 1], w[:, :, c:c + 1], 1, "VALID", method=method).numpy()[0, 0, :2, 0]
                   for c in range(3)]
    assert [p.tolist() for p in per_channel] == [[7, 10], [-11, 20], [-1, 20]]
    assert_close(sum(per_channel), y[0, 0, :2, 0], dtype, "the channels' outputs add up")


# --- seed 001, section 10.11.2: the 4x4 example and its transposed convolution ---------------

X_1_16 = np.arange(1, 17).reshape(4, 4)
W_SEED = [[-1, 2, -3], [4, -5, 6], [-7, 8, -9]]
OUT_SEED = [[-56, -61], [-76, -81]]  # line 1069
TRANSPOSED_SEED = [[56, -51, 46, 183], [-148, -35, 35, -123], [88, 35, -35, 63], [532, -41, 36, 729]]  # line 1082


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("method", METHODS)
def test_seed_4x4_conv_and_its_transpose(method, dtype):
    """Seed 001 lines 1055-1087 (ref. §12): conv2d VALID s=1, then conv2d_transpose back to 4x4."""
    w = hwio(W_SEED, dtype)
    out = F.conv2d(nhwc(X_1_16, dtype), w, 1, "VALID", method=method)
    np.testing.assert_array_equal(out.numpy()[0, :, :, 0], OUT_SEED)
    xx = F.conv2d_transpose(out, w, [1, 4, 4, 1], 1, "VALID", method=method)
    np.testing.assert_array_equal(xx.numpy()[0, :, :, 0], TRANSPOSED_SEED)
    x = mc.Tensor(nhwc(X_1_16, dtype), requires_grad=True)
    (dx,) = mc.grad(F.conv2d(x, w, 1, "VALID", method=method), [x], output_gradient=out.numpy())
    np.testing.assert_array_equal(mc.to_numpy(dx)[0, :, :, 0], TRANSPOSED_SEED)  # the transpose is d conv/dx


# The sparse matrix W' of that example (seed 001, lines 1032-1045, figure 10.58), written out from
# the definition: row (p, q) holds w[i, j] at column (p + i)*4 + (q + j) of the flattened 4x4 input.
W_PRIME = [
    [-1, 2, -3, 0, 4, -5, 6, 0, -7, 8, -9, 0, 0, 0, 0, 0],
    [0, -1, 2, -3, 0, 4, -5, 6, 0, -7, 8, -9, 0, 0, 0, 0],
    [0, 0, 0, 0, -1, 2, -3, 0, 4, -5, 6, 0, -7, 8, -9, 0],
    [0, 0, 0, 0, 0, -1, 2, -3, 0, 4, -5, 6, 0, -7, 8, -9],
]


def test_seed_sparse_matrix():
    m = F.conv2d_as_sparse_matrix(hwio(W_SEED), (1, 4, 4, 1), strides=1, padding="VALID")
    assert scipy.sparse.issparse(m) and m.shape == (4, 16)
    np.testing.assert_array_equal(m.toarray(), W_PRIME)
    assert np.diff(m.tocsr().indptr).tolist() == [9, 9, 9, 9]  # only the kernel values are stored
    np.testing.assert_array_equal(m @ X_1_16.ravel(), np.ravel(OUT_SEED))  # O' = W' @ X'
    np.testing.assert_array_equal(m.T @ np.ravel(OUT_SEED), np.ravel(TRANSPOSED_SEED))  # W'^T @ O'


# --- seed 001, lines 972-1023: 5x5 (and 6x6) with a 3x3 kernel at stride 2, VALID -> 2x2 --------

@pytest.mark.parametrize("method", METHODS)
def test_seed_5x5_stride_2_and_back(method, tf):
    x = nhwc(np.arange(1, 26).reshape(5, 5), np.float32)
    w = hwio(W_SEED, np.float32)
    out = F.conv2d(x, w, 2, "VALID", method=method)
    assert out.shape == (1, 2, 2, 1)  # line 987
    ref = tf.nn.conv2d(tf.constant(x, dtype=tf.float32), tf.constant(w, dtype=tf.float32), 2, "VALID")
    assert_close(out.numpy(), ref.numpy(), np.float32, "5x5 s=2 VALID", scale=100)
    assert F.conv2d(np.ones((1, 6, 6, 1), np.float32), w, 2, "VALID", method=method).shape == (1, 2, 2, 1)  # line 1011
    for size in (5, 6):  # lines 995 and 1025: both output shapes are legal for a 2x2 input
        xx = F.conv2d_transpose(out, w, [1, size, size, 1], 2, "VALID", method=method)
        ref = tf.nn.conv2d_transpose(tf.constant(out.numpy(), dtype=tf.float32), tf.constant(w, dtype=tf.float32),
                                     [1, size, size, 1], 2, "VALID")
        assert xx.shape == (1, size, size, 1)
        assert_close(xx.numpy(), ref.numpy(), np.float32, f"transposed to {size}x{size}", scale=1000)


# --- ref. §12: x = [[1,2],[3,4]] with a 3x3 kernel of ones at stride 2 ------------------------

FULL = np.array([[1, 1, 3, 2, 2], [1, 1, 3, 2, 2], [4, 4, 10, 6, 6], [3, 3, 7, 4, 4], [3, 3, 7, 4, 4]])
FULL_6 = np.pad(FULL, ((0, 1), (0, 1)))
TRANSPOSE_SIZES = [("VALID", 5, FULL), ("VALID", 6, FULL_6), ("SAME", 4, FULL[0:4, 0:4]), ("SAME", 3, FULL[1:4, 1:4])]


@pytest.mark.parametrize("padding,size,expected", TRANSPOSE_SIZES, ids=[f"{p}_{s}x{s}" for p, s, _ in TRANSPOSE_SIZES])
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("method", METHODS)
def test_transpose_of_2x2_with_ones(method, dtype, padding, size, expected):
    y = F.conv2d_transpose(nhwc([[1, 2], [3, 4]], dtype), np.ones((3, 3, 1, 1), dtype), [1, size, size, 1], 2,
                           padding, method=method)
    assert y.shape == (1, size, size, 1) and y.dtype == dtype
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], expected)


# --- dilation: seed 001 lines 920-942, a 3x3 kernel at rate 2 on 7x7 gives 3x3 ----------------

@pytest.mark.parametrize("method", METHODS)
def test_dilated_7x7_rate_2(method):
    r = np.random.default_rng(7)
    x, w = r.standard_normal((7, 7)), r.standard_normal((3, 3))
    y = F.conv2d(nhwc(x), hwio(w), 1, "VALID", dilations=2, method=method)
    assert y.shape == (1, 3, 3, 1)  # eff_k = 5, line 942
    expected = [[sum(x[p + 2 * i, q + 2 * j] * w[i, j] for i in range(3) for j in range(3)) for q in range(3)]
                for p in range(3)]
    assert_close(y.numpy()[0, :, :, 0], expected, np.float64, "every 2nd input cell under the taps")


# --- SAME / explicit padding: seed 001 lines 220-269, ref. §1 and §12 ------------------------

@pytest.mark.parametrize("method", METHODS)
def test_same_stride_3_on_5x5(method):
    """Lines 257-266: [2,5,5,3] with a [3,3,3,4] kernel, stride 3, SAME -> [2,2,2,4]; pads top 0, bottom 1."""
    r = np.random.default_rng(3)
    x, w = r.standard_normal((2, 5, 5, 3)), r.standard_normal((3, 3, 3, 4))
    assert same_padding(5, 3, 3) == (2, 0, 1)
    y = F.conv2d(x, w, 3, "SAME", method=method)
    assert y.shape == (2, 2, 2, 4)
    padded = np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)))
    assert_close(y.numpy(), F.conv2d(padded, w, 3, "VALID", method=method).numpy(), np.float64, "SAME = pad 0/1")
    assert_close(y.numpy(), F.conv2d(x, w, 3, [[0, 0], [0, 1], [0, 1], [0, 0]], method=method).numpy(),
                 np.float64, "SAME = explicit [0, 1]")


@pytest.mark.parametrize("padding,hw", [([[0, 0], [0, 0], [0, 0], [0, 0]], 3), ([[0, 0], [1, 1], [1, 1], [0, 0]], 5),
                                        ("SAME", 5)], ids=["pad0000", "pad1111", "SAME"])
def test_seed_padding_shapes(padding, hw):
    """Lines 220-253: [2,5,5,3] with a [3,3,3,4] kernel at stride 1."""
    r = np.random.default_rng(4)
    y = F.conv2d(r.standard_normal((2, 5, 5, 3)).astype(np.float32), r.standard_normal((3, 3, 3, 4)), 1, padding)
    assert y.shape == (2, hw, hw, 4) and y.dtype == np.float32


SAME_TABLE = [((5, 3, 2, 1), (3, 1, 1)), ((6, 3, 2, 1), (3, 0, 1)), ((4, 2, 3, 1), (2, 0, 1)),
              ((7, 3, 3, 1), (3, 1, 1)), ((4, 3, 1, 2), (4, 2, 2)), ((6, 1, 3, 1), (2, 0, 0)), ((2, 5, 1, 1), (2, 2, 2))]


@pytest.mark.parametrize("args,expected", SAME_TABLE, ids=[f"in{a[0]}_k{a[1]}_s{a[2]}_d{a[3]}" for a, _ in SAME_TABLE])
def test_same_padding_table(args, expected):
    """Ref. §12: (in, k, s, d) -> (out, top, bottom); the odd cell goes to the bottom."""
    assert same_padding(*args) == expected
    n, k, s, d = args
    y = F.conv2d(np.ones((1, n, 1, 1)), np.ones((k, 1, 1, 1)), [s, 1], "SAME", dilations=[d, 1])
    assert y.shape == (1, expected[0], 1, 1)


# --- depthwise: TF's hand example (ref. §3) ---------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_depthwise_tf_hand_example(dtype):
    """Input 1..12 as (1, 2, 3, 2), filter 1..16 as (2, 2, 2, 2) (C=2, multiplier 2), VALID."""
    x = np.arange(1, 13, dtype=dtype).reshape(1, 2, 3, 2)
    w = np.arange(1, 17, dtype=dtype).reshape(2, 2, 2, 2)
    y = F.depthwise_conv2d(x, w, [1, 1, 1, 1], "VALID")
    assert y.shape == (1, 1, 2, 4) and y.dtype == dtype
    np.testing.assert_array_equal(y.numpy().ravel(), [196, 216, 272, 296, 252, 280, 344, 376])
    assert F.depthwise_conv2d(x, w, 1, "VALID").numpy().ravel().tolist() == [196, 216, 272, 296, 252, 280, 344, 376]


# --- conv2d_as_sparse_matrix: O' = W' @ X' and transposed conv = W'^T @ dO' -------------------

SPARSE_CASES = [
    # (input shape, filter shape, strides, padding, dilations)
    ((2, 4, 4, 1), (3, 3, 1, 1), 1, "VALID", 1),
    ((2, 5, 6, 3), (3, 3, 3, 2), 2, "SAME", 1),
    ((1, 6, 5, 2), (2, 3, 2, 4), [3, 1], "SAME", 1),
    ((3, 7, 7, 2), (3, 3, 2, 2), 1, "VALID", 2),
    ((1, 7, 6, 2), (3, 2, 2, 3), [2, 1], [[0, 0], [1, 2], [3, 0], [0, 0]], [2, 1]),
    ((2, 3, 3, 4), (1, 1, 4, 5), 2, "VALID", 1),
    ((1, 1, 5, 2), (1, 3, 2, 2), 1, "SAME", 1),
    ((2, 8, 8, 1), (2, 2, 1, 3), 3, "VALID", 1),  # stride larger than the kernel
]


@pytest.mark.parametrize("x_shape,w_shape,strides,padding,dilations", SPARSE_CASES,
                         ids=[f"{'x'.join(map(str, c[0]))}_k{'x'.join(map(str, c[1]))}_s{c[2]}_{c[3]}_d{c[4]}"
                              .replace(" ", "") for c in SPARSE_CASES])
def test_sparse_matrix_is_the_convolution(x_shape, w_shape, strides, padding, dilations):
    r = np.random.default_rng(sum(x_shape) * 31 + sum(w_shape))
    x, w = r.standard_normal(x_shape), r.standard_normal(w_shape)
    m = F.conv2d_as_sparse_matrix(w, x_shape, strides, padding, dilations)
    assert m is not None and scipy.sparse.issparse(m)
    y = F.conv2d(x, w, strides, padding, dilations, method="naive").numpy()
    n, oh, ow, o = y.shape
    assert m.shape == (oh * ow * o, int(np.prod(x_shape[1:])))
    assert np.diff(m.tocsr().indptr).max() <= w_shape[0] * w_shape[1] * w_shape[2]
    assert_close(F.conv2d_as_sparse_matrix(w, x_shape[1:], strides, padding, dilations).toarray(), m.toarray(),
                 np.float64, "input_shape as (H, W, C)")
    dy = r.standard_normal(y.shape)
    dx = F.conv2d_transpose(dy, w, x_shape, strides, padding, dilations, method="naive").numpy()
    for k in range(n):  # one sample at a time, row-major HWC flattening
        assert_close(m @ x[k].ravel(), y[k].ravel(), np.float64, f"W' @ flat(x[{k}])")
        assert_close(m.T @ dy[k].ravel(), dx[k].ravel(), np.float64, f"W'^T @ flat(dy[{k}])")


# --- the three methods agree (forward, dx, dw) on every configuration of the TF grid ---------

def run_method(fn, arrays, g, method):
    leaves = [mc.Tensor(a.copy(), requires_grad=True) for a in arrays]
    y = fn(*leaves, method=method)
    return [y.numpy()] + [mc.to_numpy(d) for d in mc.grad(y, leaves, output_gradient=g)]


def assert_methods_agree(fn, arrays, y_shape, seed_id):
    g = arrays_for(seed_id + "_g", np.float64, y_shape)[0]
    results = {m: run_method(fn, arrays, g, m) for m in METHODS}
    for m in ("naive", "sparse"):
        for what, got, ref in zip(("forward", "d input", "d filters"), results[m], results["im2col"]):
            assert got.shape == ref.shape, f"{m} vs im2col {what}: shape {got.shape} vs {ref.shape}"
            assert_close(got, ref, np.float64, f"{m} vs im2col: {what}")


@pytest.mark.parametrize("cfg", CONV_CONFIGS, ids=[c.id for c in CONV_CONFIGS])
def test_conv2d_methods_agree(cfg):
    x, w = arrays_for(cfg.id, np.float64, (cfg.n, cfg.h, cfg.w, cfg.c), (cfg.kh, cfg.kw, cfg.c, cfg.o))
    strides, dilations = arg_form(cfg.strides, cfg.form), arg_form(cfg.dilations, cfg.form)
    assert_methods_agree(lambda x, w, method: F.conv2d(x, w, strides, tf_padding(cfg.padding), dilations, method),
                         [x, w], (cfg.n, *cfg.out_hw, cfg.o), cfg.id)


@pytest.mark.parametrize("case", TRANSPOSE_CONFIGS, ids=[t.id for t in TRANSPOSE_CONFIGS])
def test_conv2d_transpose_methods_agree(case):
    cfg = case.conv
    x, w = arrays_for(case.id, np.float64, (cfg.n, *cfg.out_hw, cfg.o), (cfg.kh, cfg.kw, cfg.c, cfg.o))
    strides, dilations = arg_form(cfg.strides, cfg.form), arg_form(cfg.dilations, cfg.form)
    shape = [cfg.n, cfg.h, cfg.w, cfg.c]
    assert_methods_agree(lambda x, w, method: F.conv2d_transpose(x, w, shape, strides, tf_padding(cfg.padding),
                                                                 dilations, method),
                         [x, w], tuple(shape), case.id)


@pytest.mark.parametrize("strides, padding", [(1, "SAME"), (2, "SAME"), (1, "VALID"), (3, "VALID")])
def test_im2col_gathered_in_blocks_equals_the_naive_loops(monkeypatch, strides, padding):
    """The fast form gathers a block of images' patches at a time: blocks of one image (7 images:
    seven blocks) and of three (3 + 3 + 1) must give the naive loops' forward, dx and dw."""
    from minicnn.ops import im2col

    x, w = arrays_for(f"blocks{strides}{padding}", np.float64, (7, 6, 5, 2), (3, 3, 2, 4))
    y_shape = F.conv2d(x, w, strides, padding, method="naive").shape
    g = arrays_for(f"blocks{strides}{padding}_g", np.float64, y_shape)[0]
    reference = run_method(lambda a, b, method: F.conv2d(a, b, strides, padding, method=method), [x, w], g, "naive")
    per_image = 8 * int(np.prod(y_shape[1:3])) * 3 * 3 * 2
    for images in (1, 3):
        monkeypatch.setattr(im2col, "BLOCK_BYTES", images * per_image)
        got = run_method(lambda a, b, method: F.conv2d(a, b, strides, padding, method=method), [x, w], g, "im2col")
        for what, a, b in zip(("forward", "d input", "d filters"), got, reference):
            assert_close(a, b, np.float64, f"blocks of {images} image(s), {what}")
