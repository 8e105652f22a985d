"""The ``F.dropout`` contract (inverted dropout, as ``tf.nn.dropout``; reference sheet section 6).

Random masks cannot be compared with TensorFlow's, so each clause of the contract is tested on
its own: determinism under a seed, the survivors' scaling, the gradient, the keep fraction,
``noise_shape``, inference mode and the rejected rates.
"""

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F

from helpers import assert_close

DTYPES = [np.float32, np.float64]
DTYPE_IDS = ["float32", "float64"]


def _positive(shape, dtype, seed=0):
    """Strictly positive data, so a zero in the output can only come from the mask."""
    return np.random.default_rng(seed).uniform(0.5, 2.0, shape).astype(dtype)


def test_seed_makes_it_deterministic():
    x = _positive((50, 40), np.float32)
    a = F.dropout(x, 0.3, seed=7).numpy()
    b = F.dropout(x, 0.3, seed=7).numpy()
    np.testing.assert_array_equal(a, b)
    c = F.dropout(x, 0.3, seed=8).numpy()
    assert not np.array_equal(a != 0, c != 0), "different seeds gave the same mask on 2000 elements"


def test_global_seed_makes_unseeded_calls_reproducible():
    x = _positive((50, 40), np.float32)
    mc.set_seed(123)
    a = [F.dropout(x, 0.5).numpy() for _ in range(2)]
    mc.set_seed(123)
    b = [F.dropout(x, 0.5).numpy() for _ in range(2)]
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0] != 0, a[1] != 0), "two unseeded calls drew the same mask"


def test_generator_seed_is_advanced():
    """seed may be a NumPy Generator: it is drawn from (fresh masks per call), reproducibly."""
    x = _positive((50, 40), np.float32)
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    a1, b1 = F.dropout(x, 0.5, seed=g1).numpy(), F.dropout(x, 0.5, seed=g1).numpy()
    a2, b2 = F.dropout(x, 0.5, seed=g2).numpy(), F.dropout(x, 0.5, seed=g2).numpy()
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)
    assert not np.array_equal(a1 != 0, b1 != 0), "a Generator seed gave the same mask twice"


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.75])
def test_survivors_scaled_others_zero(rate, dtype):
    x = _positive((30, 20), dtype)
    y = F.dropout(mc.Tensor(x), rate, seed=1)
    assert isinstance(y, mc.Tensor) and y.dtype == dtype and y.shape == x.shape
    y = y.numpy()
    kept = y != 0
    assert kept.any() and (~kept).any(), "600 elements all kept or all dropped"
    assert_close(y[kept], x[kept] / dtype(1 - rate), dtype, "survivors must be x / (1 - rate)")
    assert (y[~kept] == 0).all()


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_gradient_is_the_mask_scaling(dtype):
    rate = 0.4
    x = mc.Tensor(_positive((6, 7), dtype), requires_grad=True)
    y = F.dropout(x, rate, seed=5)
    g = np.random.default_rng(2).standard_normal(y.shape).astype(dtype)
    (gx,) = mc.grad(y, [x], output_gradient=g, retain_graph=True)
    kept = y.numpy() != 0
    expected = np.where(kept, g / dtype(1 - rate), 0).astype(dtype)
    assert mc.to_numpy(gx).dtype == dtype
    assert_close(mc.to_numpy(gx), expected, dtype, "d dropout / dx = mask / (1 - rate)")
    y.backward(g)
    assert_close(x.grad, expected, dtype, ".grad after backward()")


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_fraction_kept_is_near_one_minus_rate(rate):
    n = 200_000
    y = F.dropout(np.ones(n, dtype=np.float32), rate, seed=11).numpy()
    kept = np.count_nonzero(y) / n
    # the binomial standard deviation is at most 0.0012 here; allow more than 8 of them
    assert abs(kept - (1 - rate)) < 0.01, f"kept {kept:.4f}, expected about {1 - rate}"
    # the expectation is preserved: E[y] = x
    assert abs(y.mean() - 1.0) < 0.05


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_noise_shape_drops_whole_feature_maps(dtype):
    rate, (n, h, w, c) = 0.5, (4, 5, 6, 3)
    x = mc.Tensor(_positive((n, h, w, c), dtype), requires_grad=True)
    y = F.dropout(x, rate, noise_shape=[n, 1, 1, c], seed=2)
    out = y.numpy()
    kept_maps = (out != 0).reshape(n, h * w, c)
    assert (kept_maps.all(axis=1) | ~kept_maps.any(axis=1)).all(), "a feature map was partly dropped"
    assert kept_maps.all(axis=1).any() and (~kept_maps.any(axis=1)).any(), "all 12 maps kept or all dropped"
    kept = out != 0
    assert_close(out[kept], x.numpy()[kept] / dtype(1 - rate), dtype, "survivors of noise_shape dropout")
    g = np.random.default_rng(3).standard_normal(y.shape).astype(dtype)
    (gx,) = mc.grad(y, [x], output_gradient=g)
    assert_close(mc.to_numpy(gx), np.where(kept, g / dtype(1 - rate), 0), dtype, "gradient with noise_shape")


def test_noise_shape_broadcast_over_batch():
    """noise_shape [1, H, W, 1]: every sample and channel shares one spatial mask."""
    y = F.dropout(_positive((3, 4, 4, 2), np.float64), 0.5, noise_shape=[1, 4, 4, 1], seed=4).numpy() != 0
    assert (y == y[:1, :, :, :1]).all()
    assert y.any() and not y.all()


def test_noise_shape_that_does_not_broadcast_raises():
    with pytest.raises(ValueError):
        F.dropout(np.ones((2, 3, 3, 4), np.float32), 0.5, noise_shape=[2, 1, 1, 3], seed=0)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_training_false_is_the_identity(dtype):
    x = mc.Tensor(np.random.default_rng(0).standard_normal((5, 6)).astype(dtype), requires_grad=True)
    y = F.dropout(x, 0.5, seed=0, training=False)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    g = np.random.default_rng(1).standard_normal((5, 6)).astype(dtype)
    (gx,) = mc.grad(y, [x], output_gradient=g)
    np.testing.assert_array_equal(mc.to_numpy(gx), g)


def test_rate_zero_is_the_identity():
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    np.testing.assert_array_equal(F.dropout(x, 0.0, seed=0).numpy(), x)


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1])
def test_invalid_rate_raises(rate):
    with pytest.raises(ValueError, match="rate"):
        F.dropout(np.ones((2, 3), np.float32), rate, seed=0)


@pytest.mark.parametrize("rate", [0.25, 0.5])
def test_spatial_dropout2d_drops_whole_maps_as_keras(tf, rate):
    """Random masks differ, so both layers are checked for the same contract: each (sample, channel)
    map is all kept (times 1/(1-rate)) or all zero while training; inference is the identity."""
    x = _positive((6, 5, 4, 40), np.float32)
    for layer, run in ((mc.layers.SpatialDropout2D(rate, seed=3), lambda l, t: l(t, training=True).numpy()),
                       (tf.keras.layers.SpatialDropout2D(rate, seed=3), lambda l, t: l(t, training=True).numpy())):
        y = run(layer, x)
        ratio = y / x
        per_map = ratio[:, :1, :1, :]
        assert np.allclose(ratio, per_map), f"{type(layer).__module__}: a map is partly dropped"
        assert np.all(np.isclose(per_map, 0) | np.isclose(per_map, 1 / (1 - rate), rtol=1e-6))
        assert 0.5 * rate < (per_map == 0).mean() < 1.6 * rate
    np.testing.assert_array_equal(mc.layers.SpatialDropout2D(rate)(x).numpy(), x)
    with pytest.raises(ValueError, match="NHWC"):
        mc.layers.SpatialDropout2D(rate, data_format="channels_first")
