"""conv2d, conv2d_transpose, depthwise_conv2d and separable_conv2d against TensorFlow.

A deterministic grid: a seeded random sample of configurations (kernel sizes 1-5, square and not;
strides 1-3, unequal and larger than the kernel; dilations 1-3; 'SAME', 'VALID' and explicit
padding with pads up to 6; spatial sizes 1-9; batch 1-3; channels 1-8), filtered so that no
output is empty (trap T3), plus a hand-picked list of awkward corners. Every configuration is
checked in float32 and float64 and, for conv2d / conv2d_transpose, with every method: the forward
output, and the gradients of every input for a random upstream gradient ``g``
(``tape.gradient(y, xs, output_gradients=g)`` vs ``mc.grad(y, xs, output_gradient=g)``).

Where TensorFlow cannot referee directly, the reference is the same function written with ops it
can differentiate:

* dilation > 1 (T2: with oneDNN off, as conftest sets it for T9, TF's CPU conv2d has no dilated
  gradients in either dtype, nor has conv2d_transpose): the kernel is dilated explicitly inside
  the tape (zeros inserted between the taps) and TF runs it with dilation 1;
* depthwise / separable with dilation > 1 and stride > 1 (T4: ``tf.nn``'s wrapper returns a
  non-standard result, and the raw DepthwiseConv2dNative has no dilation without oneDNN): the same
  zero-inserted kernel, dilation 1;
* depthwise with unequal strides (TF's CPU kernels require sh == sw): a TF conv2d whose filter is
  the block-diagonal expansion of the depthwise filter (output channel c·M + m sees input channel c
  only).

The reference used is printed with any failure.
"""

import zlib
from dataclasses import dataclass

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F

from helpers import assert_close

DTYPES = [np.float32, np.float64]
DTYPE_IDS = ["float32", "float64"]
METHODS = ["naive", "im2col", "sparse"]


# --- padding arithmetic, written from the reference sheet (section 1), independent of minicnn ---

def eff(k, d):
    return (k - 1) * d + 1


def same_pads(n, k, s, d):
    out = -(-n // s)
    total = max((out - 1) * s + eff(k, d) - n, 0)
    return total // 2, total - total // 2


def axis_pads(padding, axis, n, k, s, d):
    if padding == "VALID":
        return 0, 0
    if padding == "SAME":
        return same_pads(n, k, s, d)
    return padding[axis]


def conv_out(n, k, s, d, before, after):
    """Output size of one axis, or 0 when the output would be empty."""
    span = n + before + after - eff(k, d)
    return span // s + 1 if span >= 0 else 0


def tf_padding(padding):
    """'SAME' / 'VALID' as is; ((t, b), (l, r)) as the explicit 4x2 list."""
    if isinstance(padding, str):
        return padding
    (t, b), (l, r) = padding
    return [[0, 0], [t, b], [l, r], [0, 0]]


def pad_id(padding):
    if isinstance(padding, str):
        return padding
    (t, b), (l, r) = padding
    return f"pad{t}{b}{l}{r}"


def arg_form(pair, form):
    """A (h, w) pair in one of tf.nn's argument forms: an int, [h, w] or [1, h, w, 1]."""
    if form == "int" and pair[0] == pair[1]:
        return pair[0]
    if form == "four":
        return [1, pair[0], pair[1], 1]
    return list(pair)


# --- configurations --------------------------------------------------------------------------

@dataclass(frozen=True)
class Conv:
    """A convolution x (n, h, w, c) * filter (kh, kw, c, o); for depthwise ``o`` is the multiplier."""

    n: int
    h: int
    w: int
    c: int
    kh: int
    kw: int
    o: int
    strides: tuple = (1, 1)
    dilations: tuple = (1, 1)
    padding: object = "VALID"  # 'SAME', 'VALID' or ((top, bottom), (left, right))
    form: str = "pair"  # how strides/dilations are passed to minicnn: 'int', 'pair' or 'four'

    @property
    def pads(self):
        return tuple(axis_pads(self.padding, a, n, k, s, d) for a, n, k, s, d in
                     zip((0, 1), (self.h, self.w), (self.kh, self.kw), self.strides, self.dilations))

    @property
    def out_hw(self):
        return tuple(conv_out(n, k, s, d, *p) for n, k, s, d, p in
                     zip((self.h, self.w), (self.kh, self.kw), self.strides, self.dilations, self.pads))

    @property
    def id(self):
        return (f"n{self.n}_{self.h}x{self.w}x{self.c}_k{self.kh}x{self.kw}x{self.o}_s{self.strides[0]}x"
                f"{self.strides[1]}_d{self.dilations[0]}x{self.dilations[1]}_{pad_id(self.padding)}_{self.form}")


@dataclass(frozen=True)
class Transpose:
    """conv2d_transpose, the adjoint of ``conv``: from the conv's output shape (n, *conv.out_hw, o) to
    its input shape (n, h, w, c), with filters [kh, kw, c, o] (the conv's HWIO filter)."""

    conv: Conv

    @property
    def id(self):
        c = self.conv
        return (f"n{c.n}_{c.out_hw[0]}x{c.out_hw[1]}x{c.o}->{c.h}x{c.w}x{c.c}_k{c.kh}x{c.kw}_s{c.strides[0]}x"
                f"{c.strides[1]}_d{c.dilations[0]}x{c.dilations[1]}_{pad_id(c.padding)}_{c.form}")


def legal_sizes(in_size, k, s, d, padding, axis):
    """Every output size of a transposed conv whose forward conv maps it back to ``in_size``."""
    return [n for n in range(1, in_size * s + eff(k, d) + 8)
            if conv_out(n, k, s, d, *axis_pads(padding, axis, n, k, s, d)) == in_size]


def sample_conv(r, max_channels=8, max_mult=None):
    """One random non-empty configuration (T3)."""
    while True:
        kh = int(r.integers(1, 6))
        kw = kh if r.random() < 0.4 else int(r.integers(1, 6))
        sh = int(r.integers(1, 4))
        sw = sh if r.random() < 0.5 else int(r.integers(1, 4))
        dilations = (1, 1)
        if r.random() < 0.35:
            dh = int(r.integers(1, 4))
            dilations = (dh, dh if r.random() < 0.5 else int(r.integers(1, 4)))
        kind = r.choice(["SAME", "VALID", "explicit"])
        padding = str(kind) if kind != "explicit" else tuple(tuple(int(v) for v in r.integers(0, 7, 2)) for _ in "hw")
        h, w = (int(v) for v in r.integers(1, 10, 2))
        o = int(r.integers(1, (max_mult or max_channels) + 1))
        cfg = Conv(int(r.integers(1, 4)), h, w, int(r.integers(1, max_channels + 1)), kh, kw, o, (sh, sw), dilations,
                   padding, str(r.choice(["int", "pair", "four"])))
        if min(cfg.out_hw) > 0:
            return cfg


def sample(count, seed, **kw):
    r = np.random.default_rng(seed)
    found = {}
    while len(found) < count:
        cfg = sample_conv(r, **kw)
        found.setdefault(cfg.id, cfg)
    return list(found.values())


def P(t, b, l, r):  # noqa: E741 - explicit pads ((top, bottom), (left, right))
    return ((t, b), (l, r))


# conv2d: awkward corners by hand (n, h, w, c, kh, kw, o, strides, dilations, padding, form)
CONV_HAND = [
    Conv(1, 1, 1, 1, 1, 1, 1, (1, 1), (1, 1), "VALID", "int"),            # size-1 everything
    Conv(2, 1, 1, 3, 3, 3, 2, (1, 1), (1, 1), "SAME", "int"),             # 1x1 input, 3x3 kernel, SAME
    Conv(1, 1, 9, 2, 1, 3, 4, (1, 2), (1, 1), "SAME", "pair"),            # size-1 height, (1,3) kernel
    Conv(1, 9, 1, 2, 3, 1, 2, (3, 1), (1, 1), "VALID", "four"),           # size-1 width, (3,1) kernel
    Conv(2, 5, 5, 3, 3, 3, 4, (3, 3), (1, 1), "SAME", "int"),             # seed: 5x5, s=3 SAME -> 2x2, pads 0/1
    Conv(1, 6, 6, 2, 3, 3, 2, (2, 2), (1, 1), "SAME", "int"),             # SAME odd total: pads 0/1
    Conv(1, 5, 5, 2, 3, 3, 2, (2, 2), (1, 1), "SAME", "four"),            # SAME even total: pads 1/1
    Conv(1, 4, 4, 1, 2, 2, 1, (3, 3), (1, 1), "SAME", "int"),             # pads 0/1, stride > kernel
    Conv(1, 5, 5, 1, 2, 2, 1, (3, 3), (1, 1), "SAME", "int"),             # SAME total 0 with k=2
    Conv(1, 2, 2, 2, 5, 5, 3, (1, 1), (1, 1), "SAME", "int"),             # kernel larger than input
    Conv(1, 4, 4, 1, 3, 3, 1, (1, 1), (2, 2), "SAME", "int"),             # dilated SAME pads 2/2
    Conv(1, 7, 7, 1, 3, 3, 1, (1, 1), (2, 2), "VALID", "int"),            # seed: dilated 7x7 -> 3x3
    Conv(1, 9, 9, 2, 3, 3, 2, (1, 1), (3, 3), "VALID", "pair"),           # eff_k 7 -> 3x3
    Conv(1, 7, 6, 2, 3, 3, 3, (2, 2), (2, 2), "SAME", "int"),             # dilation and stride (T4 shapes)
    Conv(2, 7, 6, 2, 3, 3, 2, (2, 2), (2, 2), P(1, 2, 0, 3), "int"),      # explicit + dilation + stride
    Conv(1, 8, 8, 3, 1, 1, 2, (3, 3), (1, 1), "VALID", "int"),            # 1x1 kernel, stride 3
    Conv(1, 8, 8, 2, 2, 2, 2, (3, 3), (1, 1), "VALID", "int"),            # stride > kernel: rows skipped
    Conv(1, 8, 7, 2, 1, 3, 2, (3, 1), (1, 1), "SAME", "pair"),            # seed: (1,3) kernel, strides [3,1]
    Conv(1, 7, 8, 2, 3, 2, 2, (1, 2), (1, 1), "SAME", "four"),            # (3,2) kernel, strides [1,2]
    Conv(1, 4, 4, 1, 1, 2, 1, (1, 1), (1, 1), P(4, 0, 0, 5), "int"),      # pads larger than the kernel
    Conv(1, 3, 3, 2, 2, 2, 1, (2, 2), (1, 1), P(6, 6, 6, 6), "int"),      # all-zero border outputs
    Conv(2, 5, 6, 2, 4, 3, 3, (2, 3), (1, 1), P(0, 3, 2, 0), "pair"),     # one-sided pads
    Conv(1, 9, 9, 2, 2, 3, 2, (1, 1), (1, 3), "SAME", "pair"),            # unequal dilations
    Conv(1, 9, 8, 1, 5, 5, 1, (2, 2), (1, 1), "VALID", "int"),            # (in - k) % s != 0 (T9 path)
    Conv(3, 6, 6, 8, 3, 3, 8, (1, 1), (1, 1), "SAME", "int"),             # batch 3, 8 -> 8 channels
    Conv(1, 8, 9, 8, 5, 4, 1, (2, 3), (1, 1), "SAME", "pair"),            # even/odd, 8 -> 1
    Conv(1, 9, 9, 1, 5, 5, 8, (3, 3), (2, 2), "SAME", "four"),            # eff_k 9 at stride 3
]
CONV_CONFIGS = CONV_HAND + sample(160, seed=2024)

# conv2d_transpose: several legal output sizes per forward configuration
TRANSPOSE_HAND = [
    Conv(1, 5, 5, 1, 3, 3, 1, (2, 2), (1, 1), "VALID", "int"),   # seed: 2x2 -> 5x5 (k=3, s=2, VALID)
    Conv(1, 6, 6, 1, 3, 3, 1, (2, 2), (1, 1), "VALID", "int"),   # seed: 2x2 -> 6x6 (extra zero row/col)
    Conv(2, 5, 6, 3, 3, 3, 2, (2, 2), (1, 1), "VALID", "pair"),  # 5x6
    Conv(1, 4, 4, 1, 3, 3, 1, (2, 2), (1, 1), "SAME", "int"),    # 2x2 -> 4x4 SAME
    Conv(1, 3, 3, 1, 3, 3, 1, (2, 2), (1, 1), "SAME", "int"),    # 2x2 -> 3x3 SAME (odd crop)
    Conv(1, 4, 4, 1, 3, 3, 1, (1, 1), (1, 1), "VALID", "int"),   # seed: 2x2 -> 4x4, s=1
    Conv(1, 4, 6, 2, 2, 2, 3, (3, 3), (1, 1), "SAME", "int"),    # stride > kernel
    Conv(1, 6, 4, 2, 2, 2, 3, (3, 3), (1, 1), "SAME", "four"),
    Conv(1, 7, 7, 2, 3, 3, 2, (1, 1), (2, 2), "VALID", "int"),   # dilated
    Conv(1, 8, 7, 2, 3, 3, 2, (2, 2), (2, 2), "SAME", "int"),    # dilated and strided
    Conv(1, 7, 7, 2, 3, 2, 2, (2, 3), (1, 1), P(1, 2, 0, 3), "pair"),  # explicit, unequal strides
    Conv(1, 4, 4, 1, 1, 1, 2, (1, 1), (1, 1), P(3, 0, 0, 2), "int"),   # pads larger than the kernel
    Conv(2, 1, 1, 3, 3, 3, 2, (2, 2), (1, 1), "SAME", "int"),    # 1x1 output
    Conv(1, 9, 8, 2, 1, 3, 2, (3, 1), (1, 1), "SAME", "pair"),   # (1,3) kernel, strides [3,1]
]


def transpose_variants(cfg, limit=3):
    """The forward config with up to ``limit`` legal output sizes (first, last, mixed)."""
    (oh, ow) = cfg.out_hw
    hs = legal_sizes(oh, cfg.kh, cfg.strides[0], cfg.dilations[0], cfg.padding, 0)
    ws = legal_sizes(ow, cfg.kw, cfg.strides[1], cfg.dilations[1], cfg.padding, 1)
    pairs = list(dict.fromkeys([(hs[0], ws[0]), (hs[-1], ws[-1]), (hs[-1], ws[0]), (hs[0], ws[-1])]))[:limit]
    return [Transpose(Conv(cfg.n, h, w, cfg.c, cfg.kh, cfg.kw, cfg.o, cfg.strides, cfg.dilations, cfg.padding,
                           cfg.form)) for h, w in pairs if h <= 12 and w <= 12]


TRANSPOSE_CONFIGS = list({t.id: t for t in [Transpose(c) for c in TRANSPOSE_HAND]
                          + [v for c in sample(40, seed=77, max_channels=5) for v in transpose_variants(c)]}.values())

DEPTHWISE_HAND = [
    Conv(1, 7, 6, 2, 3, 3, 1, (2, 2), (2, 2), "SAME", "int"),    # T4's example: true answer 4x3
    Conv(1, 7, 6, 3, 3, 3, 2, (2, 2), (2, 2), "VALID", "pair"),  # T4 VALID
    Conv(2, 8, 8, 2, 3, 2, 3, (3, 2), (2, 1), P(1, 2, 0, 3), "four"),  # T4 + explicit + unequal strides
    Conv(1, 3, 3, 2, 2, 2, 2, (1, 1), (1, 1), "VALID", "int"),   # TF's hand example shape family
    Conv(1, 5, 5, 4, 3, 3, 1, (1, 2), (1, 1), "SAME", "pair"),   # unequal strides
    Conv(1, 1, 1, 3, 3, 3, 3, (1, 1), (1, 1), "SAME", "int"),    # 1x1 input
    Conv(1, 9, 9, 2, 3, 3, 2, (1, 1), (3, 3), "VALID", "int"),   # dilation 3
    Conv(1, 4, 4, 1, 1, 2, 1, (1, 1), (1, 1), P(4, 0, 0, 5), "int"),  # pads larger than the kernel
    Conv(3, 6, 5, 8, 5, 5, 3, (3, 3), (1, 1), "SAME", "int"),    # batch 3, 8 channels, multiplier 3
]
DEPTHWISE_CONFIGS = DEPTHWISE_HAND + sample(90, seed=31, max_channels=6, max_mult=3)

SEPARABLE_HAND = [
    # (conv, pointwise output channels)
    (Conv(1, 7, 6, 2, 3, 3, 2, (2, 2), (2, 2), "SAME", "int"), 3),   # T4
    (Conv(1, 5, 5, 3, 3, 3, 1, (1, 1), (1, 1), "SAME", "int"), 4),   # the seed's 3x3x3 -> 4 channels
    (Conv(2, 6, 7, 2, 2, 3, 3, (1, 2), (1, 1), P(2, 0, 1, 1), "pair"), 2),
    (Conv(1, 7, 7, 1, 3, 3, 2, (1, 1), (2, 2), "VALID", "int"), 1),
]
SEPARABLE_CONFIGS = SEPARABLE_HAND + [(c, int(np.random.default_rng(zlib.crc32(c.id.encode())).integers(1, 6)))
                                      for c in sample(50, seed=5, max_channels=4, max_mult=3)]


def test_grid_covers_the_issue_list():
    """The grid holds every kind of configuration the issue asks for (a guard against shrinking it)."""
    convs = CONV_CONFIGS + [t.conv for t in TRANSPOSE_CONFIGS] + DEPTHWISE_CONFIGS + [c for c, _ in SEPARABLE_CONFIGS]
    assert len(CONV_CONFIGS) + len(TRANSPOSE_CONFIGS) + len(DEPTHWISE_CONFIGS) + len(SEPARABLE_CONFIGS) >= 300

    def has(pred):
        return any(pred(c) for c in CONV_CONFIGS) and any(pred(t.conv) for t in TRANSPOSE_CONFIGS)

    assert {c.kh for c in convs} >= {1, 2, 3, 4, 5} and has(lambda c: c.kh != c.kw)
    assert has(lambda c: c.strides[0] != c.strides[1]) and {c.strides[0] for c in convs} >= {1, 2, 3}
    assert has(lambda c: c.strides[0] > c.kh or c.strides[1] > c.kw)
    assert {c.dilations[0] for c in convs} >= {1, 2, 3} and has(lambda c: max(c.dilations) > 1 and max(c.strides) > 1)
    assert has(lambda c: c.padding == "VALID") and has(lambda c: not isinstance(c.padding, str))
    assert has(lambda c: c.padding == "SAME" and any(b != a for b, a in c.pads))  # uneven SAME split
    assert has(lambda c: not isinstance(c.padding, str) and max(max(p) for p in c.padding) > max(c.kh, c.kw))
    assert has(lambda c: max(c.dilations) > 1 and not isinstance(c.padding, str))
    assert has(lambda c: c.h == 1 or c.w == 1) and has(lambda c: c.n == 1)
    assert {c.h % 2 for c in convs} == {0, 1}
    assert {c.c for c in CONV_CONFIGS} >= set(range(1, 9)) and {c.o for c in CONV_CONFIGS} >= set(range(1, 9))
    assert {c.o for c in DEPTHWISE_CONFIGS} == {1, 2, 3}
    assert any(c.strides[0] > 1 and max(c.dilations) > 1 for c in DEPTHWISE_CONFIGS)
    assert any(c.strides[0] > 1 and max(c.dilations) > 1 for c, _ in SEPARABLE_CONFIGS)
    assert any(t.conv.h != t2.conv.h and t.conv.out_hw == t2.conv.out_hw and t.conv.kh == t2.conv.kh
               and t.conv.strides == t2.conv.strides and t.conv.padding == t2.conv.padding
               for t in TRANSPOSE_CONFIGS for t2 in TRANSPOSE_CONFIGS)  # several output_shapes per input


# --- TensorFlow references -----------------------------------------------------------------

def tf_dilate(tf, w, dh, dw):
    """The kernel with dh-1 / dw-1 zeros inserted between its taps (differentiable in TF)."""
    if dh == dw == 1:
        return w
    kh, kw, a, b = w.shape
    t = tf.reshape(w, [kh, 1, kw, 1, a, b])
    t = tf.pad(t, [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]])
    t = tf.reshape(t, [kh * dh, kw * dw, a, b])
    return t[:eff(kh, dh), :eff(kw, dw)]


def tf_conv2d(tf, x, w, cfg):
    if cfg.dilations == (1, 1):
        return tf.nn.conv2d(x, w, list(cfg.strides), tf_padding(cfg.padding)), "tf.nn.conv2d"
    return (tf.nn.conv2d(x, tf_dilate(tf, w, *cfg.dilations), list(cfg.strides), tf_padding(cfg.padding)),
            "tf.nn.conv2d with the zero-inserted kernel (T2)")


def tf_conv2d_transpose(tf, x, w, cfg, output_shape):
    if cfg.dilations == (1, 1):
        return (tf.nn.conv2d_transpose(x, w, output_shape, list(cfg.strides), tf_padding(cfg.padding)),
                "tf.nn.conv2d_transpose")
    return (tf.nn.conv2d_transpose(x, tf_dilate(tf, w, *cfg.dilations), output_shape, list(cfg.strides),
                                   tf_padding(cfg.padding)),
            "tf.nn.conv2d_transpose with the zero-inserted kernel (T2)")


def tf_depthwise(tf, x, w, cfg):
    (sh, sw), (dh, dw) = cfg.strides, cfg.dilations
    if sh != sw:
        kh, kw, c, m = w.shape
        blocks = tf.einsum("ijcm,cd->ijcdm", tf_dilate(tf, w, dh, dw), tf.eye(c, dtype=w.dtype))
        full = tf.reshape(blocks, [eff(kh, dh), eff(kw, dw), c, c * m])
        return (tf.nn.conv2d(x, full, [sh, sw], tf_padding(cfg.padding)),
                "tf.nn.conv2d with the block-diagonal (and zero-inserted) filter: unequal strides")
    if max(dh, dw) > 1 and sh > 1:
        return (tf.nn.depthwise_conv2d(x, tf_dilate(tf, w, dh, dw), [1, sh, sw, 1], tf_padding(cfg.padding)),
                "tf.nn.depthwise_conv2d with the zero-inserted kernel (T4)")
    return (tf.nn.depthwise_conv2d(x, w, [1, sh, sw, 1], tf_padding(cfg.padding), dilations=[dh, dw]),
            "tf.nn.depthwise_conv2d")


def tf_separable(tf, x, dw, pw, cfg):
    (sh, sw), (dh, dil_w) = cfg.strides, cfg.dilations
    if sh == sw and not (max(dh, dil_w) > 1 and sh > 1):
        return (tf.nn.separable_conv2d(x, dw, pw, [1, sh, sw, 1], tf_padding(cfg.padding), dilations=[dh, dil_w]),
                "tf.nn.separable_conv2d")
    hidden, how = tf_depthwise(tf, x, dw, cfg)
    return tf.nn.conv2d(hidden, pw, 1, "VALID"), f"({how}) then a 1x1 tf.nn.conv2d"


def tf_reference(tf, fn, arrays, g_seed):
    """TF's output and the gradients of every array for a random upstream gradient."""
    dtype = tf.as_dtype(arrays[0].dtype)
    tensors = [tf.constant(a, dtype=dtype) for a in arrays]
    with tf.GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        y, how = fn(*tensors)
    g = np.random.default_rng(g_seed).standard_normal(y.shape).astype(arrays[0].dtype)
    grads = tape.gradient(y, tensors, output_gradients=tf.constant(g, dtype=dtype))
    return y.numpy(), g, [gr.numpy() for gr in grads], how


_REFERENCES = {}


def cached_reference(key, tf, fn, arrays, g_seed):
    """One TF run per (op, configuration, dtype), shared by the three methods."""
    if key not in _REFERENCES:
        _REFERENCES[key] = tf_reference(tf, fn, arrays, g_seed)
    return _REFERENCES[key]


def arrays_for(cfg_id, dtype, *shapes):
    r = np.random.default_rng(zlib.crc32(cfg_id.encode()))
    return [r.standard_normal(s).astype(dtype) for s in shapes]


def check_against(mc_fn, arrays, reference, dtype, terms, names):
    """minicnn's forward and gradients vs TF's. ``terms``: products summed per value (atol scale)."""
    y_ref, g, grads_ref, how = reference
    leaves = [mc.Tensor(a.copy(), requires_grad=True) for a in arrays]
    y = mc_fn(*leaves)
    assert isinstance(y, mc.Tensor), f"returns a {type(y).__name__}"
    assert y.dtype == dtype, f"output dtype {y.dtype}, expected {np.dtype(dtype)}"
    assert y.shape == y_ref.shape, f"output shape {y.shape}, TF ({how}) gives {y_ref.shape}"
    assert_close(y.numpy(), y_ref, dtype, f"forward vs {how}", scale=np.sqrt(terms[0]))
    grads = mc.grad(y, leaves, output_gradient=g)
    for name, got, ref, t in zip(names, grads, grads_ref, terms[1:]):
        assert got is not None, f"no gradient for {name}"
        got = mc.to_numpy(got)
        assert got.dtype == dtype and got.shape == ref.shape, f"{name}: {got.dtype} {got.shape} vs {ref.shape}"
        assert_close(got, ref, dtype, f"gradient of {name} vs {how}", scale=np.sqrt(t))


def conv_terms(cfg):
    """Products per value of y, dx, dw (upper bounds): the float32 atol scales with sqrt of these."""
    oh, ow = cfg.out_hw
    return (cfg.kh * cfg.kw * cfg.c, cfg.kh * cfg.kw * cfg.o, cfg.n * oh * ow)


# --- the tests -------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("cfg", CONV_CONFIGS, ids=[c.id for c in CONV_CONFIGS])
def test_conv2d_matches_tensorflow(cfg, dtype, method, tf):
    x, w = arrays_for(cfg.id, dtype, (cfg.n, cfg.h, cfg.w, cfg.c), (cfg.kh, cfg.kw, cfg.c, cfg.o))
    ref = cached_reference(("conv2d", cfg.id, np.dtype(dtype).name), tf,
                           lambda x, w: tf_conv2d(tf, x, w, cfg), [x, w], g_seed=1)
    strides, dilations = arg_form(cfg.strides, cfg.form), arg_form(cfg.dilations, cfg.form)
    check_against(lambda x, w: F.conv2d(x, w, strides, tf_padding(cfg.padding), dilations, method=method),
                  [x, w], ref, dtype, conv_terms(cfg), ["input", "filters"])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case", TRANSPOSE_CONFIGS, ids=[t.id for t in TRANSPOSE_CONFIGS])
def test_conv2d_transpose_matches_tensorflow(case, dtype, method, tf):
    cfg = case.conv  # transposed input: the conv's output (n, oh, ow, o); filters [kh, kw, c, o]
    oh, ow = cfg.out_hw
    output_shape = [cfg.n, cfg.h, cfg.w, cfg.c]
    x, w = arrays_for(case.id, dtype, (cfg.n, oh, ow, cfg.o), (cfg.kh, cfg.kw, cfg.c, cfg.o))
    ref = cached_reference(("conv2d_transpose", case.id, np.dtype(dtype).name), tf,
                           lambda x, w: tf_conv2d_transpose(tf, x, w, cfg, output_shape), [x, w], g_seed=2)
    strides, dilations = arg_form(cfg.strides, cfg.form), arg_form(cfg.dilations, cfg.form)
    terms = (cfg.kh * cfg.kw * cfg.o, cfg.kh * cfg.kw * cfg.c, cfg.n * cfg.h * cfg.w)
    check_against(lambda x, w: F.conv2d_transpose(x, w, output_shape, strides, tf_padding(cfg.padding), dilations,
                                                  method=method),
                  [x, w], ref, dtype, terms, ["input", "filters"])


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("cfg", DEPTHWISE_CONFIGS, ids=[c.id for c in DEPTHWISE_CONFIGS])
def test_depthwise_conv2d_matches_tensorflow(cfg, dtype, tf):
    x, w = arrays_for(cfg.id, dtype, (cfg.n, cfg.h, cfg.w, cfg.c), (cfg.kh, cfg.kw, cfg.c, cfg.o))
    ref = cached_reference(("depthwise", cfg.id, np.dtype(dtype).name), tf,
                           lambda x, w: tf_depthwise(tf, x, w, cfg), [x, w], g_seed=3)
    strides, dilations = arg_form(cfg.strides, cfg.form), arg_form(cfg.dilations, cfg.form)
    oh, ow = cfg.out_hw
    check_against(lambda x, w: F.depthwise_conv2d(x, w, strides, tf_padding(cfg.padding), dilations),
                  [x, w], ref, dtype, (cfg.kh * cfg.kw, cfg.kh * cfg.kw * cfg.o, cfg.n * oh * ow),
                  ["input", "filter"])


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("cfg,out", SEPARABLE_CONFIGS, ids=[f"{c.id}_pw{o}" for c, o in SEPARABLE_CONFIGS])
def test_separable_conv2d_matches_tensorflow(cfg, out, dtype, tf):
    cid = f"{cfg.id}_pw{out}"
    mid = cfg.c * cfg.o
    x, dw, pw = arrays_for(cid, dtype, (cfg.n, cfg.h, cfg.w, cfg.c), (cfg.kh, cfg.kw, cfg.c, cfg.o), (1, 1, mid, out))
    ref = cached_reference(("separable", cid, np.dtype(dtype).name), tf,
                           lambda x, dw, pw: tf_separable(tf, x, dw, pw, cfg), [x, dw, pw], g_seed=4)
    strides, dilations = arg_form(cfg.strides, cfg.form), arg_form(cfg.dilations, cfg.form)
    oh, ow = cfg.out_hw
    k = cfg.kh * cfg.kw
    check_against(lambda x, dw, pw: F.separable_conv2d(x, dw, pw, strides, tf_padding(cfg.padding), dilations),
                  [x, dw, pw], ref, dtype, (k * mid, k * cfg.o * out, cfg.n * oh * ow * out, cfg.n * oh * ow * k),
                  ["input", "depthwise_filter", "pointwise_filter"])


DILATED = [c for c in CONV_CONFIGS if max(c.dilations) > 1]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("cfg", DILATED, ids=[c.id for c in DILATED])
def test_dilated_conv2d_forward_matches_native_tf(cfg, dtype, method, tf):
    """TF's CPU conv2d has dilated forward passes (not gradients): compare with them directly too."""
    x, w = arrays_for(cfg.id, dtype, (cfg.n, cfg.h, cfg.w, cfg.c), (cfg.kh, cfg.kw, cfg.c, cfg.o))
    ref = tf.nn.conv2d(tf.constant(x, dtype=tf.as_dtype(dtype)), tf.constant(w, dtype=tf.as_dtype(dtype)),
                       list(cfg.strides), tf_padding(cfg.padding), dilations=list(cfg.dilations)).numpy()
    y = F.conv2d(x, w, arg_form(cfg.strides, cfg.form), tf_padding(cfg.padding), arg_form(cfg.dilations, cfg.form),
                 method=method)
    assert y.shape == ref.shape
    assert_close(y.numpy(), ref, dtype, "forward vs tf.nn.conv2d(dilations=...)", scale=np.sqrt(conv_terms(cfg)[0]))


def test_depthwise_dilated_strided_is_the_standard_result(tf):
    """T4: a 7x6 input, SAME, stride 2, dilation 2 gives 4x3 (tf.nn's wrapper wrongly gives 3x4)."""
    x, w = arrays_for("t4", np.float32, (1, 7, 6, 2), (3, 3, 2, 1))
    y = F.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME", [2, 2])
    assert y.shape == (1, 4, 3, 2)
    ref, _ = tf_depthwise(tf, tf.constant(x, dtype=tf.float32), tf.constant(w, dtype=tf.float32),
                          Conv(1, 7, 6, 2, 3, 3, 1, (2, 2), (2, 2), "SAME"))
    assert_close(y.numpy(), ref.numpy(), np.float32, "T4 vs the zero-inserted kernel")
