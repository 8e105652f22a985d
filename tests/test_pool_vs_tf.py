"""max_pool2d, avg_pool2d, global pooling and the pooling layers against TensorFlow (reference §4).

A deterministic grid: hand-picked corners plus a seeded random sample of configurations (windows
1-3, square and not; strides 1-3, unequal and larger than the window; 'SAME', 'VALID' and, for max
pooling, explicit pads smaller than the window; spatial sizes 1-9, odd and even; batch 1-3;
channels 1-5), filtered so that no output is empty (trap T3: TF's f32 max pool dies with SIGFPE on
a VALID window larger than the input; minicnn's clear error for it is tested in
test_pool_forms.py, without TF). Every configuration runs in float32 and float64 and with both
methods ("fast", "naive"): the forward output, and the input gradient for a random upstream
gradient ``g`` (``tape.gradient(y, x, output_gradients=g)`` vs ``mc.grad(y, [x], output_gradient=g)``).

TF inputs are always ``tf.constant(x, dtype=...)`` (trap T1: ``tf.nn.max_pool2d`` silently returns
float32 for a NumPy float64 array); conftest imports TF with oneDNN off (trap T9).
"""

import zlib
from dataclasses import dataclass

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F
from minicnn import layers

from helpers import assert_close, layer_vs_keras

DTYPES = [np.float32, np.float64]
DTYPE_IDS = ["float32", "float64"]
METHODS = ["fast", "naive"]


# --- geometry, written from the reference sheet (§1, §4), independent of minicnn ----------------

def same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


@dataclass(frozen=True)
class Pool:
    """A pooling of x (n, h, w, c) with a (kh, kw) window and (sh, sw) strides."""

    n: int
    h: int
    w: int
    c: int
    kh: int
    kw: int
    sh: int
    sw: int
    padding: object = "VALID"  # 'SAME', 'VALID' or ((top, bottom), (left, right)) (max pooling only)
    form: str = "pair"  # how ksize/strides are passed to minicnn: 'int', 'list1', 'pair' or 'four'

    @property
    def explicit(self):
        return not isinstance(self.padding, str)

    @property
    def pads(self):
        if self.padding == "VALID":
            return (0, 0), (0, 0)
        if self.padding == "SAME":
            return same_pads(self.h, self.kh, self.sh), same_pads(self.w, self.kw, self.sw)
        return self.padding

    @property
    def out_hw(self):
        """Output size per axis; 0 where the output would be empty."""
        sizes = []
        for n, k, s, (b, a) in zip((self.h, self.w), (self.kh, self.kw), (self.sh, self.sw), self.pads):
            span = n + b + a - k
            sizes.append(span // s + 1 if span >= 0 else 0)
        return tuple(sizes)

    @property
    def shape(self):
        return (self.n, self.h, self.w, self.c)

    def arg(self, pair):
        """(h, w) in one of tf.nn's forms: an int, [k], [kh, kw] or [1, kh, kw, 1]."""
        if self.form in ("int", "list1") and pair[0] == pair[1]:
            return pair[0] if self.form == "int" else [pair[0]]
        if self.form == "four":
            return [1, pair[0], pair[1], 1]
        return list(pair)

    @property
    def ksize(self):
        return self.arg((self.kh, self.kw))

    @property
    def strides(self):
        return self.arg((self.sh, self.sw))

    @property
    def tf_padding(self):
        if not self.explicit:
            return self.padding
        (t, b), (l, r) = self.padding
        return [[0, 0], [t, b], [l, r], [0, 0]]

    @property
    def id(self):
        pad = self.padding if not self.explicit else "pad{}{}{}{}".format(*self.padding[0], *self.padding[1])
        return f"n{self.n}_{self.h}x{self.w}x{self.c}_k{self.kh}x{self.kw}_s{self.sh}x{self.sw}_{pad}_{self.form}"


def P(t, b, l, r):  # noqa: E741 - explicit pads ((top, bottom), (left, right))
    return ((t, b), (l, r))


HAND = [
    Pool(1, 1, 1, 1, 1, 1, 1, 1, "VALID", "int"),      # size-1 everything
    Pool(2, 6, 6, 3, 2, 2, 2, 2, "VALID", "int"),      # the classic 2x2 / 2, tiles exactly
    Pool(2, 8, 8, 3, 8, 8, 8, 8, "VALID", "int"),      # ResNet's 8x8 head: one tile per image
    Pool(1, 9, 6, 2, 3, 2, 3, 2, "VALID", "pair"),     # non-square tiles
    Pool(1, 7, 7, 2, 2, 2, 2, 2, "VALID", "list1"),    # odd size: last row/column dropped
    Pool(1, 7, 7, 2, 2, 2, 2, 2, "SAME", "int"),       # odd size SAME: pads 0/1
    Pool(2, 9, 9, 3, 3, 3, 2, 2, "SAME", "int"),       # ResNet stem 3x3 / 2, odd input, pads 1/1
    Pool(1, 8, 8, 4, 3, 3, 2, 2, "SAME", "four"),      # ResNet stem on an even input, pads 0/1
    Pool(1, 9, 8, 2, 3, 3, 2, 2, "VALID", "int"),      # overlapping VALID
    Pool(1, 5, 5, 1, 3, 3, 3, 3, "SAME", "int"),       # seed: 5x5, s=3 SAME -> 2x2, pads 0/1
    Pool(1, 4, 4, 1, 2, 2, 3, 3, "SAME", "int"),       # stride > window, pads 0/1
    Pool(1, 5, 5, 1, 2, 2, 3, 3, "SAME", "int"),       # SAME total 0 with k=2
    Pool(1, 8, 8, 2, 2, 2, 3, 3, "VALID", "pair"),     # stride > window: rows skipped
    Pool(1, 7, 6, 3, 1, 3, 2, 1, "SAME", "pair"),      # (1,3) window, strides [2,1]
    Pool(1, 6, 7, 3, 3, 1, 1, 2, "VALID", "four"),     # (3,1) window, strides [1,2]
    Pool(1, 6, 7, 2, 2, 3, 3, 2, "SAME", "pair"),      # non-square both, stride > window in height
    Pool(1, 2, 2, 2, 3, 3, 1, 1, "SAME", "int"),       # window larger than the input (SAME is fine)
    Pool(2, 1, 1, 3, 3, 3, 2, 2, "SAME", "int"),       # 1x1 input, 3x3 window
    Pool(1, 1, 5, 2, 1, 3, 1, 2, "SAME", "pair"),      # height 1
    Pool(1, 5, 1, 1, 3, 1, 2, 1, "VALID", "pair"),     # width 1
    Pool(1, 3, 3, 5, 3, 3, 1, 1, "VALID", "int"),      # window == input: one output
    Pool(3, 6, 5, 5, 2, 3, 2, 3, "SAME", "pair"),      # batch 3, 5 channels, unequal strides
    Pool(1, 4, 4, 1, 3, 3, 1, 1, "SAME", "int"),       # the reference sheet's tie example geometry
    Pool(1, 6, 6, 2, 3, 3, 1, 1, "VALID", "int"),      # stride 1, heavy overlap
    # explicit pads (max pooling only), each smaller than the window
    Pool(1, 5, 5, 2, 3, 3, 2, 2, P(1, 1, 1, 1), "int"),
    Pool(1, 6, 7, 1, 3, 2, 2, 1, P(0, 2, 1, 0), "pair"),
    Pool(2, 4, 5, 3, 2, 2, 1, 1, P(1, 0, 0, 1), "int"),
    Pool(1, 7, 7, 2, 3, 3, 3, 3, P(2, 2, 0, 1), "four"),
    Pool(1, 3, 3, 1, 3, 3, 1, 1, P(2, 2, 2, 2), "int"),   # pads of window-1: corner windows see one cell
    Pool(1, 1, 4, 2, 2, 3, 1, 2, P(1, 0, 2, 1), "pair"),  # height 1 grown by a pad
]


def sample_pool(r):
    """One random non-empty configuration (T3)."""
    while True:
        kh = int(r.integers(1, 4))
        kw = kh if r.random() < 0.5 else int(r.integers(1, 4))
        sh = int(r.integers(1, 4))
        sw = sh if r.random() < 0.5 else int(r.integers(1, 4))
        kind = str(r.choice(["SAME", "VALID", "explicit"], p=[0.4, 0.4, 0.2]))
        padding = kind if kind != "explicit" else P(*(int(r.integers(0, k)) for k in (kh, kh, kw, kw)))
        h, w = (int(v) for v in r.integers(1, 10, 2))
        cfg = Pool(int(r.integers(1, 4)), h, w, int(r.integers(1, 6)), kh, kw, sh, sw, padding,
                   str(r.choice(["int", "list1", "pair", "four"])))
        if min(cfg.out_hw) > 0:
            return cfg


def sample(count, seed):
    r = np.random.default_rng(seed)
    found = {c.id: c for c in HAND}
    while len(found) < len(HAND) + count:
        cfg = sample_pool(r)
        found.setdefault(cfg.id, cfg)
    return list(found.values())


MAX_CONFIGS = sample(72, seed=404)
AVG_CONFIGS = [c for c in MAX_CONFIGS if not c.explicit]
TIE_CONFIGS = [c for c in HAND] + MAX_CONFIGS[len(HAND):len(HAND) + 12]
SAME_CONFIGS = [c for c in MAX_CONFIGS if c.padding == "SAME"][:16]


def ids(configs):
    return [c.id for c in configs]


def test_grid_covers_the_requested_configurations():
    """A guard against the grid shrinking: every kind of configuration asked for is present."""
    cs = MAX_CONFIGS
    assert len(MAX_CONFIGS) >= 90 and len(AVG_CONFIGS) >= 70
    assert {c.kh for c in cs} == {1, 2, 3, 8} and any(c.kh != c.kw for c in AVG_CONFIGS)
    assert {c.sh for c in cs} == {1, 2, 3, 8} and any(c.sh != c.sw for c in AVG_CONFIGS)
    assert any(c.sh > c.kh or c.sw > c.kw for c in AVG_CONFIGS)
    assert {c.padding for c in AVG_CONFIGS} == {"SAME", "VALID"} and sum(c.explicit for c in cs) >= 10
    assert any(c.padding == "SAME" and any(b != a for b, a in c.pads) for c in cs)  # odd pixel bottom/right
    assert any((c.kh, c.kw, c.sh, c.sw) == (3, 3, 2, 2) for c in AVG_CONFIGS)  # the ResNet stem
    assert any(c.kh == c.sh and c.kw == c.sw and c.kh != c.kw for c in AVG_CONFIGS)  # tiles, not square
    assert {c.h % 2 for c in cs} == {0, 1} and {c.w % 2 for c in cs} == {0, 1}
    assert any(c.n == 1 for c in cs) and any(c.c == 1 for c in cs) and {c.c for c in cs} == {1, 2, 3, 4, 5}
    assert any(c.explicit and max(max(p) for p in c.padding) == max(c.kh, c.kw) - 1 for c in cs)
    assert all(min(c.out_hw) > 0 for c in cs)  # T3: never an empty output for TF


# --- TensorFlow references -------------------------------------------------------------------

def inputs(cfg, dtype, kind="normal"):
    """The input of a case: a function of its id only."""
    r = np.random.default_rng(zlib.crc32(f"{cfg.id}/{kind}".encode()))
    if kind == "normal":
        x = r.standard_normal(cfg.shape)
    elif kind == "ties":  # integers in {0, 1, 2}: many windows with several maximal cells
        x = r.integers(0, 3, cfg.shape).astype(np.float64)
    elif kind == "equal":  # every cell a maximum of every window
        x = np.full(cfg.shape, 1.0)
    elif kind == "negative":  # a -inf pad must never win, nor a 0 appear
        x = -r.uniform(1.0, 3.0, cfg.shape)
    else:
        raise ValueError(kind)
    return x.astype(dtype)


def tf_pool(tf, op, x, cfg, g_seed):
    """TF's output, a random upstream gradient g and TF's input gradient for it."""
    assert min(cfg.out_hw) > 0, f"T3: refusing to hand TF an empty-output configuration {cfg.id}"
    dtype = tf.as_dtype(x.dtype)
    tx = tf.constant(x, dtype=dtype)  # T1: never a bare NumPy array
    pool = tf.nn.max_pool2d if op == "max" else tf.nn.avg_pool2d
    with tf.GradientTape() as tape:
        tape.watch(tx)
        ty = pool(tx, [cfg.kh, cfg.kw], [cfg.sh, cfg.sw], cfg.tf_padding)
    assert ty.dtype == dtype, f"TF returned {ty.dtype} for {dtype} (T1)"
    g = np.random.default_rng(g_seed).standard_normal(ty.shape).astype(x.dtype)
    dx = tape.gradient(ty, tx, output_gradients=tf.constant(g, dtype=dtype))
    return ty.numpy(), g, dx.numpy()


_REFERENCES = {}


def reference(tf, op, cfg, dtype, kind="normal"):
    """(x, y, g, dx) from TF, one run per (op, configuration, dtype, input kind) for both methods."""
    key = (op, cfg.id, np.dtype(dtype).name, kind)
    if key not in _REFERENCES:
        x = inputs(cfg, dtype, kind)
        _REFERENCES[key] = (x, *tf_pool(tf, op, x, cfg, g_seed=zlib.crc32(key[1].encode())))
    return _REFERENCES[key]


def check_pool(op, cfg, dtype, method, ref, what):
    """minicnn's output (dtype, shape, values) and input gradient vs TF's."""
    x, y_ref, g, dx_ref = ref
    pool = F.max_pool2d if op == "max" else F.avg_pool2d
    tx = mc.Tensor(x.copy(), requires_grad=True)
    y = pool(tx, cfg.ksize, cfg.strides, cfg.tf_padding, method=method)
    assert isinstance(y, mc.Tensor), f"returns a {type(y).__name__}"
    assert y.dtype == dtype, f"output dtype {y.dtype}, expected {np.dtype(dtype)}"
    assert y.shape == y_ref.shape == (cfg.n, *cfg.out_hw, cfg.c), f"shape {y.shape}, TF gives {y_ref.shape}"
    window = cfg.kh * cfg.kw
    assert_close(y.numpy(), y_ref, dtype, f"{op}_pool2d forward vs TF ({what})", scale=np.sqrt(window))
    (dx,) = mc.grad(y, [tx], output_gradient=g)
    assert dx is not None, "no input gradient"
    dx = mc.to_numpy(dx)
    assert dx.dtype == dtype and dx.shape == x.shape, f"gradient {dx.dtype} {dx.shape}, expected {x.shape}"
    assert_close(dx, dx_ref, dtype, f"{op}_pool2d input gradient vs TF ({what})", scale=np.sqrt(window))
    np.testing.assert_array_equal(tx.numpy(), x, err_msg="the input was modified")


# --- max_pool2d / avg_pool2d grid ---------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("cfg", MAX_CONFIGS, ids=ids(MAX_CONFIGS))
def test_max_pool2d_matches_tensorflow(cfg, dtype, method, tf):
    check_pool("max", cfg, dtype, method, reference(tf, "max", cfg, dtype), "normal input")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("cfg", AVG_CONFIGS, ids=ids(AVG_CONFIGS))
def test_avg_pool2d_matches_tensorflow(cfg, dtype, method, tf):
    check_pool("avg", cfg, dtype, method, reference(tf, "avg", cfg, dtype), "normal input")


# --- max-pool gradient routing with ties ------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("kind", ["ties", "equal"])
@pytest.mark.parametrize("cfg", TIE_CONFIGS, ids=ids(TIE_CONFIGS))
def test_max_pool2d_tied_maxima_route_like_tensorflow(cfg, kind, dtype, method, tf):
    """Each window's gradient goes to its first maximal real cell in row-major order (§4)."""
    check_pool("max", cfg, dtype, method, reference(tf, "max", cfg, dtype, kind), f"{kind} input")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_max_pool2d_all_ones_reference_example(dtype, method, tf):
    """§4: all-ones 4x4, 3x3 window, stride 1, SAME; upstream ones -> [[4,2,2,0],[2,1,1,0],[2,1,1,0],[0,0,0,0]]."""
    expected = np.array([[4, 2, 2, 0], [2, 1, 1, 0], [2, 1, 1, 0], [0, 0, 0, 0]], dtype=dtype)
    x = mc.Tensor(np.ones((1, 4, 4, 1), dtype=dtype), requires_grad=True)
    y = F.max_pool2d(x, 3, 1, "SAME", method=method)
    np.testing.assert_array_equal(y.numpy(), np.ones((1, 4, 4, 1), dtype=dtype))
    (dx,) = mc.grad(y, [x], output_gradient=np.ones((1, 4, 4, 1), dtype=dtype))
    np.testing.assert_array_equal(mc.to_numpy(dx)[0, :, :, 0], expected)
    tx = tf.constant(np.ones((1, 4, 4, 1)), dtype=tf.as_dtype(dtype))
    with tf.GradientTape() as tape:
        tape.watch(tx)
        ty = tf.nn.max_pool2d(tx, 3, 1, "SAME")
    np.testing.assert_array_equal(tape.gradient(ty, tx).numpy()[0, :, :, 0], expected)  # the sheet still holds


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("cfg", SAME_CONFIGS, ids=ids(SAME_CONFIGS))
def test_max_pool2d_same_all_negative_never_yields_zero(cfg, dtype, method, tf):
    """§4: SAME pads act as -inf, so an all-negative input never gives 0 (nor routes gradient to a pad)."""
    ref = reference(tf, "max", cfg, dtype, "negative")
    y = F.max_pool2d(ref[0], cfg.ksize, cfg.strides, "SAME", method=method).numpy()
    assert (y <= -1.0).all(), f"a pad won: max output {y.max()}"
    check_pool("max", cfg, dtype, method, ref, "all-negative input")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_avg_pool2d_same_reference_example(dtype, method, tf):
    """§4: 1..9 (3x3), 2x2 window, stride 2, SAME -> [3, 4.5, 7.5, 9] (divides by the real cells)."""
    x = np.arange(1, 10, dtype=dtype).reshape(1, 3, 3, 1)
    expected = np.array([3, 4.5, 7.5, 9], dtype=dtype).reshape(1, 2, 2, 1)
    y = F.avg_pool2d(x, 2, 2, "SAME", method=method)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.numpy(), expected)
    np.testing.assert_array_equal(tf.nn.avg_pool2d(tf.constant(x, dtype=tf.as_dtype(dtype)), 2, 2, "SAME").numpy(),
                                  expected)  # the sheet still holds
    tx = mc.Tensor(x, requires_grad=True)
    (dx,) = mc.grad(F.avg_pool2d(tx, 2, 2, "SAME", method=method), [tx], output_gradient=np.ones_like(expected))
    np.testing.assert_array_equal(mc.to_numpy(dx)[0, :, :, 0],
                                  np.array([[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]], dtype=dtype))


# --- global pooling ---------------------------------------------------------------------------

GLOBAL_CASES = [  # (shape, input kind)
    ((1, 1, 1, 1), "normal"),
    ((2, 5, 4, 3), "normal"),
    ((3, 7, 7, 5), "normal"),
    ((1, 3, 6, 2), "ties"),   # several maximal cells per channel: the gradient is shared
    ((2, 4, 4, 3), "ties"),
    ((2, 3, 3, 2), "equal"),  # every cell maximal: each gets g / (H*W)
]


def global_input(shape, kind, dtype):
    cfg = Pool(*shape, 1, 1, 1, 1)
    return inputs(cfg, dtype, kind)


def global_id(case):
    shape, kind = case
    return "x".join(map(str, shape)) + f"_{kind}"


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("keepdims", [False, True], ids=["flat", "keepdims"])
@pytest.mark.parametrize("op", ["avg", "max"])
@pytest.mark.parametrize("case", GLOBAL_CASES, ids=[global_id(c) for c in GLOBAL_CASES])
def test_global_pool_matches_tf_reduce(case, op, keepdims, dtype, tf):
    """global_avg/max_pool2d vs tf.reduce_mean / tf.reduce_max over axes (1, 2) (ties share equally)."""
    shape, kind = case
    x = global_input(shape, kind, dtype)
    tx = tf.constant(x, dtype=tf.as_dtype(dtype))
    with tf.GradientTape() as tape:
        tape.watch(tx)
        ty = (tf.reduce_mean if op == "avg" else tf.reduce_max)(tx, axis=(1, 2), keepdims=keepdims)
    g = np.random.default_rng(zlib.crc32(global_id(case).encode())).standard_normal(ty.shape).astype(dtype)
    dx_ref = tape.gradient(ty, tx, output_gradients=tf.constant(g, dtype=tf.as_dtype(dtype))).numpy()
    mx = mc.Tensor(x, requires_grad=True)
    y = (F.global_avg_pool2d if op == "avg" else F.global_max_pool2d)(mx, keepdims=keepdims)
    assert y.dtype == dtype and y.shape == tuple(ty.shape), f"{y.dtype} {y.shape} vs TF {tuple(ty.shape)}"
    scale = np.sqrt(shape[1] * shape[2])
    assert_close(y.numpy(), ty.numpy(), dtype, f"global_{op}_pool2d forward", scale=scale)
    (dx,) = mc.grad(y, [mx], output_gradient=g)
    assert_close(mc.to_numpy(dx), dx_ref, dtype, f"global_{op}_pool2d gradient", scale=scale)


GLOBAL_LAYERS = [  # (minicnn name, keras name)
    ("GlobalAveragePooling2D", "GlobalAveragePooling2D"),
    ("GlobalAvgPool2D", "GlobalAveragePooling2D"),
    ("GlobalMaxPooling2D", "GlobalMaxPooling2D"),
    ("GlobalMaxPool2D", "GlobalMaxPooling2D"),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("keepdims", [None, False, True], ids=["default", "flat", "keepdims"])
@pytest.mark.parametrize("kind", ["normal", "ties"])
@pytest.mark.parametrize("names", GLOBAL_LAYERS, ids=[n for n, _ in GLOBAL_LAYERS])
def test_global_pool_layers_match_keras(names, kind, keepdims, dtype, tf):
    ours_name, keras_name = names
    kwargs = {} if keepdims is None else dict(keepdims=keepdims)
    x = global_input((2, 5, 6, 3), kind, dtype)
    ours = getattr(layers, ours_name)(dtype=dtype, **kwargs)
    theirs = getattr(tf.keras.layers, keras_name)(dtype=np.dtype(dtype).name, **kwargs)
    layer_vs_keras(tf, ours, theirs, x, dtype, f"{ours_name}({kwargs}) {kind}")


# --- pooling layers -----------------------------------------------------------------------------

LAYER_CASES = [  # (minicnn name, keras name, kwargs, input shape)
    ("MaxPooling2D", "MaxPooling2D", {}, (2, 6, 6, 3)),                              # defaults: 2x2, valid
    ("MaxPooling2D", "MaxPooling2D", {}, (1, 7, 5, 2)),                              # odd sizes drop a row
    ("MaxPool2D", "MaxPool2D", dict(pool_size=3, strides=2, padding="same"), (2, 9, 9, 4)),  # ResNet stem
    ("MaxPooling2D", "MaxPooling2D", dict(pool_size=(2, 3), strides=(1, 2)), (1, 6, 7, 2)),
    ("MaxPooling2D", "MaxPooling2D", dict(pool_size=(3, 1), padding="same"), (1, 7, 4, 5)),  # strides=None
    ("MaxPool2D", "MaxPooling2D", dict(pool_size=2, strides=3, padding="valid"), (1, 8, 8, 1)),
    ("MaxPooling2D", "MaxPooling2D", dict(pool_size=3, strides=1, padding="same"), (1, 4, 4, 1)),
    ("AveragePooling2D", "AveragePooling2D", {}, (2, 6, 6, 3)),
    ("AveragePooling2D", "AveragePooling2D", {}, (1, 5, 7, 2)),
    ("AvgPool2D", "AvgPool2D", dict(pool_size=3, strides=2, padding="same"), (2, 8, 9, 4)),
    ("AveragePooling2D", "AveragePooling2D", dict(pool_size=(1, 2), padding="valid"), (1, 5, 6, 3)),
    ("AveragePooling2D", "AveragePooling2D", dict(pool_size=2, strides=1, padding="same"), (1, 5, 5, 2)),
    ("AvgPool2D", "AveragePooling2D", dict(pool_size=(3, 2), strides=(2, 3), padding="same"), (1, 7, 7, 5)),
    ("AveragePooling2D", "AveragePooling2D", dict(pool_size=2, padding="same"), (1, 3, 3, 1)),  # the §4 example
]


def layer_id(case):
    ours, keras, kwargs, shape = case
    return f"{ours}{kwargs}{'x'.join(map(str, shape))}".replace(" ", "").replace("'", "")


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("kind", ["normal", "ties"])
@pytest.mark.parametrize("case", LAYER_CASES, ids=[layer_id(c) for c in LAYER_CASES])
def test_pool_layers_match_keras(case, kind, dtype, tf):
    ours_name, keras_name, kwargs, shape = case
    x = global_input(shape, kind, dtype)
    ours = getattr(layers, ours_name)(dtype=dtype, **kwargs)
    # Keras 3's AveragePooling2D has no default pool_size; minicnn keeps tf.keras 2's (2, 2) for both
    keras_kwargs = dict(dict(pool_size=(2, 2)), **kwargs)
    theirs = getattr(tf.keras.layers, keras_name)(dtype=np.dtype(dtype).name, **keras_kwargs)
    assert ours.pool_size == tuple(theirs.pool_size) and ours.strides == tuple(theirs.strides)
    layer_vs_keras(tf, ours, theirs, x, dtype, f"{layer_id(case)} {kind}")

