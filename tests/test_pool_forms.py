"""max_pool2d / avg_pool2d without TensorFlow: the "fast" and "naive" forms agree, gradcheck, clear errors.

* Agreement (float64): both forms on the same input give the same forward (bit for bit for max
  pooling, which only selects; 1e-12 for average pooling, which sums in another order) and the same
  input gradient for a random upstream gradient (1e-12: overlapping windows accumulate in another
  order). Max pooling is also checked on tied inputs, where the routing rule decides.
* gradcheck (float64) of each op and form on tiny inputs; for max pooling the values are distinct
  and 0.2 apart, so each window's maximum is unique far beyond the finite-difference step.
* Bad arguments raise a clear error whose message names the problem.
"""

import re
import zlib

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F
from minicnn import layers

POOLS = {"max": F.max_pool2d, "avg": F.avg_pool2d}
METHODS = ["fast", "naive"]


def same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def out_hw(shape, ksize, strides, padding):
    """Output size per axis (0 when empty), from the reference sheet's geometry (§1, §4)."""
    sizes = []
    for axis, (n, k, s) in enumerate(zip(shape[1:3], ksize, strides)):
        b, a = (0, 0) if padding == "VALID" else same_pads(n, k, s) if padding == "SAME" else padding[axis]
        sizes.append((n + b + a - k) // s + 1 if n + b + a >= k else 0)
    return tuple(sizes)


def case_id(shape, ksize, strides, padding):
    pad = padding if isinstance(padding, str) else "pad{}{}{}{}".format(*padding[0], *padding[1])
    return f"{'x'.join(map(str, shape))}_k{ksize[0]}x{ksize[1]}_s{strides[0]}x{strides[1]}_{pad}"


def tf_padding(padding):
    if isinstance(padding, str):
        return padding
    (t, b), (l, r) = padding
    return [[0, 0], [t, b], [l, r], [0, 0]]


# (shape, ksize, strides, padding): hand-picked corners, then a seeded random sample
HAND = [
    ((2, 6, 6, 3), (2, 2), (2, 2), "VALID"),          # tiles exactly
    ((2, 8, 8, 3), (8, 8), (8, 8), "VALID"),          # one tile per image: ResNet's 8x8 head
    ((1, 9, 6, 2), (3, 2), (3, 2), "VALID"),          # non-square tiles
    ((1, 7, 7, 2), (2, 2), (2, 2), "SAME"),           # pads 0/1
    ((2, 9, 9, 3), (3, 3), (2, 2), "SAME"),           # ResNet stem
    ((1, 12, 12, 4), (3, 3), (1, 1), "SAME"),         # heavy overlap, a larger input
    ((1, 8, 8, 2), (2, 2), (3, 3), "VALID"),          # stride > window
    ((1, 7, 6, 3), (1, 3), (2, 1), "SAME"),           # non-square window and strides
    ((1, 2, 2, 2), (3, 3), (1, 1), "SAME"),           # window larger than the input
    ((1, 1, 1, 1), (1, 1), (1, 1), "VALID"),
    ((1, 3, 3, 5), (3, 3), (1, 1), "VALID"),          # window == input
    ((2, 5, 7, 2), (3, 2), (1, 3), ((2, 1), (0, 1))),  # explicit pads (max only)
    ((1, 3, 3, 1), (3, 3), (1, 1), ((2, 2), (2, 2))),  # explicit pads of window - 1
]


def sample(count, seed):
    r = np.random.default_rng(seed)
    found = {case_id(*c): c for c in HAND}
    while len(found) < len(HAND) + count:
        k = tuple(int(v) for v in r.integers(1, 4, 2))
        s = tuple(int(v) for v in r.integers(1, 4, 2))
        kind = str(r.choice(["SAME", "VALID", "explicit"], p=[0.4, 0.4, 0.2]))
        padding = kind if kind != "explicit" else tuple(tuple(int(r.integers(0, kk)) for _ in "ab") for kk in k)
        shape = (int(r.integers(1, 4)), *(int(v) for v in r.integers(1, 10, 2)), int(r.integers(1, 5)))
        if min(out_hw(shape, k, s, padding)) > 0:
            found.setdefault(case_id(shape, k, s, padding), (shape, k, s, padding))
    return list(found.values())


MAX_CASES = sample(50, seed=8)
AVG_CASES = [c for c in MAX_CASES if isinstance(c[3], str)]


def ids(cases):
    return [case_id(*c) for c in cases]


def make_input(case, kind):
    r = np.random.default_rng(zlib.crc32(f"{case_id(*case)}/{kind}".encode()))
    shape = case[0]
    if kind == "ties":
        return r.integers(0, 3, shape).astype(np.float64)
    if kind == "distinct":
        return (r.permutation(int(np.prod(shape))) * 0.2 - 1.0).reshape(shape)
    return r.standard_normal(shape)


def run(op, method, x, case, g):
    _, ksize, strides, padding = case
    tx = mc.Tensor(x.copy(), requires_grad=True)
    y = POOLS[op](tx, list(ksize), list(strides), tf_padding(padding), method=method)
    (dx,) = mc.grad(y, [tx], output_gradient=g)
    return y.numpy(), mc.to_numpy(dx)


def check_forms_agree(op, case, kind):
    x = make_input(case, kind)
    shape = (case[0][0], *out_hw(*case), case[0][3])
    g = np.random.default_rng(1).standard_normal(shape)
    y_fast, dx_fast = run(op, "fast", x, case, g)
    y_naive, dx_naive = run(op, "naive", x, case, g)
    assert y_fast.shape == y_naive.shape == shape, f"fast {y_fast.shape}, naive {y_naive.shape}, expected {shape}"
    assert y_fast.dtype == y_naive.dtype == np.float64
    if op == "max":
        np.testing.assert_array_equal(y_fast, y_naive, err_msg="max forward: fast vs naive")
    else:
        np.testing.assert_allclose(y_fast, y_naive, rtol=1e-12, atol=1e-12, err_msg="avg forward: fast vs naive")
    np.testing.assert_allclose(dx_fast, dx_naive, rtol=1e-12, atol=1e-12, err_msg=f"{op} gradient: fast vs naive")


@pytest.mark.parametrize("kind", ["normal", "ties"])
@pytest.mark.parametrize("case", MAX_CASES, ids=ids(MAX_CASES))
def test_max_pool_fast_and_naive_agree(case, kind):
    check_forms_agree("max", case, kind)


@pytest.mark.parametrize("case", AVG_CASES, ids=ids(AVG_CASES))
def test_avg_pool_fast_and_naive_agree(case):
    check_forms_agree("avg", case, "normal")


# --- gradcheck ----------------------------------------------------------------------------------

GRADCHECK_CASES = [  # (op, (shape, ksize, strides, padding))
    ("max", ((1, 4, 5, 2), (2, 2), (1, 1), "VALID")),
    ("max", ((2, 4, 4, 1), (2, 2), (2, 2), "VALID")),
    ("max", ((1, 5, 5, 1), (3, 3), (2, 2), "SAME")),
    ("max", ((1, 4, 6, 2), (1, 3), (2, 1), "SAME")),
    ("max", ((1, 5, 4, 1), (2, 2), (3, 3), "VALID")),
    ("max", ((1, 4, 4, 2), (3, 2), (1, 2), ((1, 1), (0, 1)))),
    ("avg", ((1, 4, 5, 2), (2, 2), (1, 1), "VALID")),
    ("avg", ((2, 4, 4, 1), (2, 2), (2, 2), "VALID")),
    ("avg", ((1, 5, 5, 1), (3, 3), (2, 2), "SAME")),
    ("avg", ((1, 4, 6, 2), (1, 3), (2, 1), "SAME")),
    ("avg", ((1, 3, 3, 1), (2, 2), (2, 2), "SAME")),
    ("avg", ((1, 2, 3, 2), (3, 3), (1, 1), "SAME")),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op,case", GRADCHECK_CASES, ids=[f"{op}_{case_id(*c)}" for op, c in GRADCHECK_CASES])
def test_pool_gradcheck(op, case, method):
    x = make_input(case, "distinct" if op == "max" else "normal")
    _, ksize, strides, padding = case
    report = mc.gradcheck(lambda t: POOLS[op](t, ksize, strides, tf_padding(padding), method=method), x)
    assert report, str(report)


@pytest.mark.parametrize("op", ["avg", "max"])
def test_global_pool_gradcheck(op):
    x = make_input(((2, 3, 4, 3), (1, 1), (1, 1), "VALID"), "distinct")
    fn = F.global_avg_pool2d if op == "avg" else F.global_max_pool2d
    for keepdims in (False, True):
        report = mc.gradcheck(lambda t: fn(t, keepdims=keepdims), x)
        assert report, str(report)


# --- errors -------------------------------------------------------------------------------------

X = np.zeros((1, 4, 7, 2), np.float32)  # height 4, width 7


def call(op, x=X, ksize=2, strides=1, padding="VALID", method=None):
    """F.<op>_pool2d with these arguments; ``method`` None means the method under test."""
    return op, dict(x=x, ksize=ksize, strides=strides, padding=padding, method=method)


# (id, (op, arguments), exception types, regexes the message must all match (case-insensitive))
ERRORS = []
for _op in ("max", "avg"):
    ERRORS += [
        (f"{_op}_valid_window_taller_than_input", call(_op, ksize=5), ValueError, [r"\b5\b", r"\b4\b"]),
        (f"{_op}_valid_window_wider_than_input", call(_op, ksize=(2, 9)), ValueError, [r"\b9\b", r"\b7\b"]),
        (f"{_op}_zero_stride", call(_op, strides=0), ValueError, [r"stride"]),
        (f"{_op}_negative_stride", call(_op, strides=[1, -2]), ValueError, [r"stride"]),
        (f"{_op}_zero_ksize", call(_op, ksize=0), ValueError, [r"ksize"]),
        (f"{_op}_ksize_of_length_3", call(_op, ksize=[2, 2, 2]), ValueError, [r"ksize", r"\b3\b"]),
        (f"{_op}_strides_of_length_3", call(_op, strides=[1, 1, 1]), ValueError, [r"stride", r"\b3\b"]),
        (f"{_op}_pooling_over_channels", call(_op, ksize=[1, 2, 2, 2]), ValueError, [r"ksize", r"channel"]),
        (f"{_op}_rank_3_input", call(_op, x=X[0]), ValueError, [r"rank|4-d|nhwc", r"\(4, 7, 2\)"]),
        (f"{_op}_unknown_padding", call(_op, padding="FULL"), ValueError, [r"padding", r"FULL"]),
        (f"{_op}_unknown_method", call(_op, method="im2col"), ValueError, [r"method", r"im2col"]),
        (f"{_op}_integer_input", call(_op, x=np.zeros((1, 4, 7, 2), np.int64)), (TypeError, ValueError),
         [r"int64", r"float"]),
    ]
ERRORS += [
    ("avg_explicit_padding", call("avg", padding=[[0, 0], [1, 1], [1, 1], [0, 0]]), (TypeError, ValueError),
     [r"padding", r"explicit|SAME|VALID"]),
    ("max_explicit_pad_equal_to_window", call("max", ksize=2, padding=[[0, 0], [2, 0], [0, 0], [0, 0]]),
     ValueError, [r"pad", r"window|ksize"]),
    ("max_explicit_pad_larger_than_window", call("max", ksize=(3, 2), padding=[[0, 0], [0, 1], [0, 3], [0, 0]]),
     ValueError, [r"pad", r"window|ksize"]),
    # pads smaller than the window, but 1 + 1 rows cannot hold a 3-row window
    ("max_explicit_padded_input_still_too_small", call("max", x=np.zeros((1, 1, 7, 1)), ksize=3,
                                                       padding=[[0, 0], [1, 0], [0, 0], [0, 0]]),
     ValueError, [r"\b3\b", r"\b2\b"]),
    ("max_explicit_batch_padding", call("max", padding=[[1, 0], [0, 0], [0, 0], [0, 0]]), ValueError,
     [r"batch|channel"]),
    ("max_explicit_padding_of_2_pairs", call("max", padding=[[1, 1], [1, 1]]), ValueError, [r"padding"]),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op_args,exc,patterns", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_bad_arguments_raise_a_clear_error(op_args, exc, patterns, method):
    op, args = op_args
    args = dict(args, method=args["method"] or method)
    with pytest.raises(exc) as info:
        POOLS[op](args.pop("x"), **args)
    message = str(info.value)
    for pattern in patterns:
        assert re.search(pattern, message, re.IGNORECASE), f"message {message!r} does not match {pattern!r}"


LAYER_ERRORS = [  # (id, layer, input, exception, regexes)
    ("MaxPooling2D_window_larger_than_input", lambda: layers.MaxPooling2D(5), X, ValueError, [r"\b5\b", r"\b4\b"]),
    ("AveragePooling2D_window_larger_than_input", lambda: layers.AveragePooling2D((1, 8)), X, ValueError,
     [r"\b8\b", r"\b7\b"]),
    ("GlobalMaxPooling2D_rank_3_input", lambda: layers.GlobalMaxPooling2D(), X[0], ValueError, [r"NHWC|rank"]),
    ("GlobalAveragePooling2D_rank_3_input", lambda: layers.GlobalAveragePooling2D(), X[0], ValueError,
     [r"NHWC|rank"]),
]


@pytest.mark.parametrize("layer,x,exc,patterns", [e[1:] for e in LAYER_ERRORS], ids=[e[0] for e in LAYER_ERRORS])
def test_layers_raise_a_clear_error(layer, x, exc, patterns):
    with pytest.raises(exc) as info:
        layer()(x)
    message = str(info.value)
    for pattern in patterns:
        assert re.search(pattern, message, re.IGNORECASE), f"message {message!r} does not match {pattern!r}"
