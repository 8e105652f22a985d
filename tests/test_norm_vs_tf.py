"""F.moments, F.batch_normalization and F.fused_batch_norm against tf.nn (reference sheet §5, §11).

Every case compares the forward values and the gradients of every float input, projected on a
random upstream gradient ``g`` (TF: ``tape.gradient(y, xs, output_gradients=g)``; minicnn:
``mc.grad(y, xs, output_gradient=g)``), in float32 and float64. A case's inputs are seeded by
zlib.crc32 of its id.
"""

import zlib

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F

from helpers import assert_close

DTYPES = [np.float32, np.float64]
DTYPE_IDS = ["f32", "f64"]


def rng_for(case_id):
    return np.random.default_rng(zlib.crc32(case_id.encode()))


def mc_forward_and_grads(fn, arrays, g, dtype):
    """fn(*tensors) -> y; returns (y, [dy/d tensor projected on g])."""
    tensors = [mc.Tensor(np.asarray(a, dtype=dtype), requires_grad=True) for a in arrays]
    y = fn(*tensors)
    grads = mc.grad(y, tensors, output_gradient=np.asarray(g, dtype=dtype))
    return y.numpy(), grads


def tf_forward_and_grads(tf, fn, arrays, g, dtype):
    consts = [tf.constant(a, dtype=dtype) for a in arrays]
    with tf.GradientTape() as tape:
        for c in consts:
            tape.watch(c)
        y = fn(*consts)
    grads = tape.gradient(y, consts, output_gradients=tf.constant(g, dtype=dtype))
    return y.numpy(), [None if gr is None else gr.numpy() for gr in grads]


def compare_grads(actual, expected, names, dtype, what, scale=1.0):
    for name, a, e in zip(names, actual, expected):
        assert e is not None, f"{what}: TF has no gradient for {name}"
        assert a is not None, f"{what}: minicnn returned no gradient for {name}"
        assert a.shape == e.shape, f"{what}: d/d{name} shape {a.shape} != TF {e.shape}"
        assert a.dtype == dtype, f"{what}: d/d{name} dtype {a.dtype} != {np.dtype(dtype)}"
        assert_close(a, e, dtype, f"{what}: d/d{name}", scale=scale)


# --- moments --------------------------------------------------------------------------------

# (id, x shape, axes, keepdims)
MOMENTS = [
    ("nhwc_axes012", (2, 3, 4, 5), [0, 1, 2], False),
    ("nhwc_axes012_keepdims", (2, 3, 4, 5), [0, 1, 2], True),
    ("int_axis0", (6, 3), 0, False),
    ("int_axis1_keepdims", (4, 5), 1, True),
    ("negative_axes", (2, 3, 4, 5), [-3, -2, -1], False),
    ("negative_int_keepdims", (3, 4, 2), -1, True),
    ("nchw_axes023", (3, 2, 4, 4), [0, 2, 3], False),
    ("all_axes", (3, 4), [0, 1], False),
    ("all_axes_keepdims", (3, 4), [0, 1], True),
    ("batch1_axes012", (1, 3, 3, 2), [0, 1, 2], False),
    ("one_channel", (4, 3, 3, 1), [0, 1, 2], True),
    ("vector", (7,), [0], False),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case_id,shape,axes,keepdims", MOMENTS, ids=[c[0] for c in MOMENTS])
def test_moments_vs_tf(tf, case_id, shape, axes, keepdims, dtype):
    r = rng_for(case_id)
    x = r.standard_normal(shape) * 2.0 + 0.5
    xt = tf.constant(x, dtype=dtype)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        tf_mean, tf_var = tf.nn.moments(xt, axes, keepdims=keepdims)
    gm = r.standard_normal(tf_mean.shape)
    gv = r.standard_normal(tf_var.shape)
    tf_dx_mean = tape.gradient(tf_mean, xt, output_gradients=tf.constant(gm, dtype=dtype)).numpy()
    tf_dx_var = tape.gradient(tf_var, xt, output_gradients=tf.constant(gv, dtype=dtype)).numpy()

    for which, g, tf_out, tf_dx in (("mean", gm, tf_mean, tf_dx_mean), ("variance", gv, tf_var, tf_dx_var)):
        xm = mc.Tensor(np.asarray(x, dtype=dtype), requires_grad=True)
        out = F.moments(xm, axes, keepdims=keepdims)[0 if which == "mean" else 1]
        assert out.shape == tuple(tf_out.shape), f"{which} shape {out.shape} != TF {tuple(tf_out.shape)}"
        assert out.dtype == dtype
        assert_close(out.numpy(), tf_out.numpy(), dtype, which)
        dx = mc.grad(out, xm, output_gradient=np.asarray(g, dtype=dtype))
        assert_close(dx, tf_dx, dtype, f"d{which}/dx")


def test_moments_variance_is_biased():
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    mean, var = F.moments(x, 0)
    np.testing.assert_allclose(mean.numpy(), [3.0, 6.0])
    np.testing.assert_allclose(var.numpy(), [8.0 / 3.0, 32.0 / 3.0])


# --- batch_normalization --------------------------------------------------------------------

# (id, x shape, mean/variance shape, offset shape or None, scale shape or None, eps)
BN = [
    ("nhwc_per_channel", (2, 3, 3, 4), (4,), (4,), (4,), 1e-3),
    ("nhwc_per_channel_keepdims_stats", (2, 3, 3, 4), (1, 1, 1, 4), (1, 1, 1, 4), (1, 1, 1, 4), 1e-3),
    ("nhwc_no_offset", (2, 3, 3, 4), (4,), None, (4,), 1e-3),
    ("nhwc_no_scale", (2, 3, 3, 4), (4,), (4,), None, 1e-3),
    ("nhwc_no_offset_no_scale", (2, 3, 3, 4), (4,), None, None, 1e-3),
    ("scalar_stats", (3, 5), (), (), (), 1e-3),
    ("scalar_stats_per_channel_affine", (3, 5), (), (5,), (5,), 1e-5),
    ("scalar_stats_no_affine", (2, 2, 2, 3), (), None, None, 1e-3),
    ("2d_nc", (6, 3), (3,), (3,), (3,), 1e-5),
    ("batch1", (1, 2, 2, 3), (3,), (3,), (3,), 1e-3),
    ("one_channel", (4, 2, 2, 1), (1,), (1,), (1,), 1e-3),
    ("nchw_stats_1c11", (2, 3, 2, 2), (1, 3, 1, 1), (1, 3, 1, 1), (1, 3, 1, 1), 1e-3),
    ("per_sample_stats", (3, 2, 2, 2), (3, 1, 1, 1), (2,), (2,), 1e-3),
    ("large_eps", (4, 3), (3,), (3,), (3,), 0.5),
]

BN_NAMES = ["x", "mean", "variance", "offset", "scale"]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case_id,xs,ss,os,cs,eps", BN, ids=[c[0] for c in BN])
def test_batch_normalization_vs_tf(tf, case_id, xs, ss, os, cs, eps, dtype):
    r = rng_for(case_id)
    full = {
        "x": r.standard_normal(xs) * 1.5 + 0.3,
        "mean": r.standard_normal(ss),
        "variance": r.uniform(0.3, 2.0, ss),
        "offset": None if os is None else r.standard_normal(os),
        "scale": None if cs is None else r.standard_normal(cs),
    }
    names = [n for n in BN_NAMES if full[n] is not None]
    arrays = [full[n] for n in names]

    def call(bn):
        def fn(*ts):
            d = dict(zip(names, ts))
            return bn(d["x"], d["mean"], d["variance"], d.get("offset"), d.get("scale"), eps)
        return fn

    y_shape = np.broadcast_shapes(*[a.shape for a in arrays])
    g = r.standard_normal(y_shape)
    tf_y, tf_grads = tf_forward_and_grads(tf, call(tf.nn.batch_normalization), arrays, g, dtype)
    y, grads = mc_forward_and_grads(call(F.batch_normalization), arrays, g, dtype)
    assert y.shape == tf_y.shape and y.dtype == dtype
    assert_close(y, tf_y, dtype, "y")
    compare_grads(grads, tf_grads, names, dtype, case_id)


# --- moments -> batch_normalization, the gradient flowing through the statistics -------------

# (id, x shape, axes, keepdims, affine shape (for offset and scale) or None, eps)
CHAIN = [
    ("nhwc_axes012", (3, 3, 3, 4), (0, 1, 2), False, (4,), 1e-3),
    ("nhwc_axes012_no_affine", (3, 3, 3, 4), (0, 1, 2), False, None, 1e-3),
    ("2d_nc_axis0", (8, 3), (0,), False, (3,), 1e-5),
    ("layernorm_axes123_keepdims", (2, 3, 3, 2), (1, 2, 3), True, (3, 3, 2), 1e-3),
    ("nchw_axes023_keepdims", (2, 3, 3, 3), (0, 2, 3), True, (1, 3, 1, 1), 1e-3),
    ("batch1_axes012", (1, 3, 3, 2), (0, 1, 2), False, (2,), 1e-3),
    ("one_channel", (4, 3, 3, 1), (0, 1, 2), False, (1,), 1e-3),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case_id,xs,axes,keepdims,affine,eps", CHAIN, ids=[c[0] for c in CHAIN])
def test_moments_then_batch_normalization_vs_tf(tf, case_id, xs, axes, keepdims, affine, eps, dtype):
    r = rng_for(case_id)
    arrays = [r.standard_normal(xs) * 2.0 - 0.7]
    if affine is not None:
        arrays += [r.standard_normal(affine), r.standard_normal(affine)]  # offset, scale
    names = ["x", "offset", "scale"][:len(arrays)]
    g = r.standard_normal(xs)

    def chain(moments, bn):
        def fn(x, offset=None, scale=None):
            mean, var = moments(x, axes, keepdims=keepdims)
            return bn(x, mean, var, offset, scale, eps)
        return fn

    tf_y, tf_grads = tf_forward_and_grads(tf, chain(tf.nn.moments, tf.nn.batch_normalization), arrays, g, dtype)
    y, grads = mc_forward_and_grads(chain(F.moments, F.batch_normalization), arrays, g, dtype)
    assert_close(y, tf_y, dtype, "y")
    # dx is a difference of O(N) terms: allow the float32 atol to grow with the reduction size
    compare_grads(grads, tf_grads, names, dtype, case_id, scale=4.0)


# --- fused_batch_norm -----------------------------------------------------------------------

# (id, x shape, axes)
FUSED = [
    ("nhwc_axes012", (3, 4, 4, 5), (0, 1, 2)),
    ("2d_nc_axis0", (10, 4), (0,)),
    ("nchw_axes023", (3, 4, 3, 3), (0, 2, 3)),
    ("middle_axes13_kept02", (2, 3, 4, 3), (1, 3)),
    ("negative_axes", (3, 3, 3, 2), (-4, -3, -2)),
    ("batch1_nhwc", (1, 3, 3, 2), (0, 1, 2)),
    ("one_channel", (4, 2, 3, 1), (0, 1, 2)),
]


def kept_shapes(shape, axes):
    axes = [a % len(shape) for a in axes]
    kept = tuple(n for i, n in enumerate(shape) if i not in axes)
    broadcast = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return kept, broadcast


@pytest.mark.parametrize("eps", [1e-3, 1e-5])
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case_id,xs,axes", FUSED, ids=[c[0] for c in FUSED])
def test_fused_batch_norm_vs_tf_and_primitive_chain(tf, case_id, xs, axes, dtype, eps):
    r = rng_for(case_id)
    kept, bshape = kept_shapes(xs, axes)
    x = r.standard_normal(xs) * 1.7 + 0.4
    scale = r.standard_normal(kept)
    offset = r.standard_normal(kept)
    g = r.standard_normal(xs)
    names = ["x", "scale", "offset"]

    def tf_chain(x, scale, offset):
        mean, var = tf.nn.moments(x, list(axes), keepdims=True)
        return tf.nn.batch_normalization(x, mean, var, tf.reshape(offset, bshape), tf.reshape(scale, bshape), eps)

    def mc_chain(x, scale, offset):
        mean, var = F.moments(x, axes, keepdims=True)
        return F.batch_normalization(x, mean, var, F.reshape(offset, bshape), F.reshape(scale, bshape), eps)

    stats = {}

    def mc_fused(x, scale, offset):
        y, stats["mean"], stats["variance"] = F.fused_batch_norm(x, scale, offset, axes, eps)
        return y

    tf_y, tf_grads = tf_forward_and_grads(tf, tf_chain, [x, scale, offset], g, dtype)
    chain_y, chain_grads = mc_forward_and_grads(mc_chain, [x, scale, offset], g, dtype)
    y, grads = mc_forward_and_grads(mc_fused, [x, scale, offset], g, dtype)

    assert y.shape == xs and y.dtype == dtype
    assert_close(y, tf_y, dtype, "y vs TF")
    assert_close(y, chain_y, dtype, "y vs minicnn chain")
    tf_mean, tf_var = tf.nn.moments(tf.constant(x, dtype=dtype), list(axes))
    for name, actual, expected in (("batch_mean", stats["mean"], tf_mean), ("batch_variance", stats["variance"], tf_var)):
        assert not isinstance(actual, mc.Tensor), f"{name} should be a raw array"
        actual = np.asarray(actual)
        assert actual.shape == kept, f"{name} shape {actual.shape} != {kept}"
        assert actual.dtype == dtype
        assert_close(actual, expected.numpy(), dtype, name)
    compare_grads(grads, tf_grads, names, dtype, f"{case_id} fused vs TF", scale=4.0)
    compare_grads(grads, chain_grads, names, dtype, f"{case_id} fused vs minicnn chain", scale=4.0)


def test_fused_batch_norm_compact_formula_float64():
    """The sheet's compact formula, written out in NumPy, for one NHWC case."""
    r = rng_for("compact")
    x, gamma, beta, dy = r.standard_normal((2, 3, 3, 4)), r.standard_normal(4), r.standard_normal(4), r.standard_normal((2, 3, 3, 4))
    eps = 1e-3
    y, grads = mc_forward_and_grads(lambda a, b, c: F.fused_batch_norm(a, b, c, (0, 1, 2), eps)[0], [x, gamma, beta], dy,
                                    np.float64)
    mu, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
    xhat = (x - mu) / np.sqrt(var + eps)
    n = 2 * 3 * 3
    np.testing.assert_allclose(y, xhat * gamma + beta, rtol=1e-12, atol=1e-12)
    dx = gamma / np.sqrt(var + eps) / n * (n * dy - dy.sum((0, 1, 2)) - xhat * (dy * xhat).sum((0, 1, 2)))
    np.testing.assert_allclose(grads[0], dx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grads[1], (dy * xhat).sum((0, 1, 2)), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grads[2], dy.sum((0, 1, 2)), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("bad", ["scale", "offset"])
def test_fused_batch_norm_rejects_misshaped_affine(bad):
    x = np.zeros((2, 3, 3, 4))
    args = {"scale": np.ones(4), "offset": np.zeros(4)}
    args[bad] = np.ones(3)
    with pytest.raises(ValueError):
        F.fused_batch_norm(x, args["scale"], args["offset"], (0, 1, 2), 1e-3)


# --- the worked reference example -----------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_reference_example_moments_then_bn(tf, dtype):
    x = np.array([1.0, 2.0, 3.0, 4.0], dtype=dtype)
    mean, var = F.moments(x, [0])
    assert_close(mean.numpy(), 2.5, dtype, "mean")
    assert_close(var.numpy(), 1.25, dtype, "variance")
    y = F.batch_normalization(x, mean, var, None, None, 1e-3).numpy()
    np.testing.assert_allclose(y, [-1.34110, -0.44703, 0.44703, 1.34110], atol=1e-5)
    tf_mean, tf_var = tf.nn.moments(tf.constant(x, dtype=dtype), [0])
    tf_y = tf.nn.batch_normalization(tf.constant(x, dtype=dtype), tf_mean, tf_var, None, None, 1e-3).numpy()
    assert_close(y, tf_y, dtype, "y vs TF")


def test_stop_gradient_blocks_gradient():
    x = mc.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = F.add(F.multiply(x, x), F.stop_gradient(F.multiply(x, x)))
    dx = mc.grad(y, x, output_gradient=np.ones(3))
    np.testing.assert_allclose(dx, [2.0, 4.0, 6.0])
    np.testing.assert_allclose(F.stop_gradient(x).numpy(), x.numpy())
