"""Comparison helpers shared by the test modules (import: from helpers import assert_close, layer_vs_keras)."""

import zlib

import numpy as np

import minicnn as mc

TOLERANCES = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}


def assert_close(actual, expected, dtype, what="", scale=1.0):
    """Compare with the DESIGN tolerances for ``dtype`` (atol scaled for large-magnitude data)."""
    tol = TOLERANCES[np.dtype(dtype).type]
    np.testing.assert_allclose(
        np.asarray(actual), np.asarray(expected), rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=what
    )


def layer_vs_keras(tf, ours, theirs, x, dtype, what):
    """Forward and input gradient (random g) of a weightless layer vs its Keras counterpart."""
    tx = tf.constant(x, dtype=tf.as_dtype(dtype))
    with tf.GradientTape() as tape:
        tape.watch(tx)
        ty = theirs(tx)
    g = np.random.default_rng(zlib.crc32(what.encode())).standard_normal(ty.shape).astype(dtype)
    dx_ref = tape.gradient(ty, tx, output_gradients=tf.constant(g, dtype=tf.as_dtype(dtype))).numpy()
    mx = mc.Tensor(x, requires_grad=True)
    y = ours(mx)
    assert y.dtype == dtype and y.shape == tuple(ty.shape), f"{y.dtype} {y.shape} vs Keras {ty.dtype} {ty.shape}"
    assert_close(y.numpy(), ty.numpy(), dtype, f"{what} forward", scale=3.0)
    (dx,) = mc.grad(y, [mx], output_gradient=g)
    assert_close(mc.to_numpy(dx), dx_ref, dtype, f"{what} input gradient", scale=3.0)
    assert ours.count_params() == theirs.count_params() == 0
