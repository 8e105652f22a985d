"""minicnn initializers: Keras fans, distribution properties, seeds, lookup by name.

Reference: tf_semantics.md section 7. Expected numbers come from the sheet's formulas or from
Keras' own initializers, never from minicnn.
"""

import numpy as np
import pytest

from minicnn import initializers as init

TRUNCATION_STD = 0.87962566103423978  # std of a unit normal truncated to ±2 (the sheet's constant)


@pytest.mark.parametrize("shape, fans", [
    ((784, 256), (784, 256)),  # dense (in, out)
    ((3, 3, 64, 128), (3 * 3 * 64, 3 * 3 * 128)),  # conv (kh, kw, in, out)
    ((5, 5, 3, 6), (75, 150)),
    ((3, 3, 32, 1), (3 * 3 * 32, 3 * 3 * 1)),  # depthwise (kh, kw, C, multiplier): fan_in = kh·kw·C
    ((7, 1, 16, 2), (112, 14)),
], ids=["dense-784x256", "conv-3x3x64x128", "conv-5x5x3x6", "depthwise-3x3x32x1", "depthwise-7x1x16x2"])
def test_compute_fans(shape, fans):
    assert tuple(init.compute_fans(shape)) == fans


def fans(shape):
    """The sheet's fans, written out independently of minicnn."""
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


# name: (Keras class, sheet's target std, hard bound on |w|) as functions of (fan_in, fan_out)
SPECS = {
    "glorot_uniform": ("GlorotUniform", lambda i, o: np.sqrt(2 / (i + o)), lambda i, o: np.sqrt(6 / (i + o))),
    "glorot_normal": ("GlorotNormal", lambda i, o: np.sqrt(2 / (i + o)),
                      lambda i, o: 2 * np.sqrt(2 / (i + o)) / TRUNCATION_STD),
    "he_normal": ("HeNormal", lambda i, o: np.sqrt(2 / i), lambda i, o: 2 * np.sqrt(2 / i) / TRUNCATION_STD),
    "he_uniform": ("HeUniform", lambda i, o: np.sqrt(2 / i), lambda i, o: np.sqrt(6 / i)),
    "lecun_normal": ("LecunNormal", lambda i, o: np.sqrt(1 / i), lambda i, o: 2 * np.sqrt(1 / i) / TRUNCATION_STD),
    "lecun_uniform": ("LecunUniform", lambda i, o: np.sqrt(1 / i), lambda i, o: np.sqrt(3 / i)),
}
LARGE_SHAPES = [(200, 300), (3, 3, 64, 128)]


def ks_distance(a, b):
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs."""
    a, b = np.sort(a.ravel()), np.sort(b.ravel())
    grid = np.concatenate([a, b])
    return np.abs(np.searchsorted(a, grid, "right") / a.size - np.searchsorted(b, grid, "right") / b.size).max()


@pytest.mark.parametrize("shape", LARGE_SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("name", sorted(SPECS))
def test_distribution_matches_the_sheet_and_keras(tf, name, shape):
    keras_class, std_of, bound_of = SPECS[name]
    fan_in, fan_out = fans(shape)
    std, bound = std_of(fan_in, fan_out), bound_of(fan_in, fan_out)
    w = getattr(init, name)(seed=7)(shape, "float64")
    keras_w = getattr(tf.keras.initializers, keras_class)(seed=7)(shape, dtype="float64").numpy()
    assert w.shape == shape and w.dtype == np.float64
    assert np.abs(w.mean()) < 5 * std / np.sqrt(w.size), f"{name}: mean {w.mean()} is not ~0"
    assert w.std() == pytest.approx(std, rel=0.03), f"{name}: std {w.std()} vs sheet {std}"
    assert np.abs(w).max() <= bound, f"{name}: max|w| {np.abs(w).max()} above the bound {bound}"
    assert np.abs(w).max() >= 0.99 * bound, f"{name}: max|w| {np.abs(w).max()} well inside the bound {bound}"
    if name.endswith("uniform"):
        assert w.var() == pytest.approx(bound ** 2 / 3, rel=0.03), f"{name}: variance vs limit²/3"
    # Keras' own draws: the same std, the same bound, the same shape of distribution
    assert w.std() == pytest.approx(keras_w.std(), rel=0.03), f"{name}: std vs Keras' draws"
    assert np.abs(w).max() == pytest.approx(np.abs(keras_w).max(), rel=0.02), f"{name}: max|w| vs Keras' draws"
    assert ks_distance(w, keras_w) < 0.012, f"{name}: distribution differs from Keras' (KS distance)"


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_matches_keras(tf, mode, distribution):
    shape, scale = (3, 3, 64, 128), 0.7
    w = init.VarianceScaling(scale, mode, distribution, seed=3)(shape, "float64")
    keras_w = tf.keras.initializers.VarianceScaling(scale, mode, distribution, seed=3)(shape, dtype="float64").numpy()
    fan_in, fan_out = fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    assert w.std() == pytest.approx(np.sqrt(scale / n), rel=0.03)
    assert w.std() == pytest.approx(keras_w.std(), rel=0.03)
    assert ks_distance(w, keras_w) < 0.012, f"VarianceScaling({mode}, {distribution}) differs from Keras'"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_seeds(name):
    draw = lambda seed: getattr(init, name)(seed=seed)((30, 40), "float32")  # noqa: E731
    first = draw(11)
    assert first.dtype == np.float32
    np.testing.assert_array_equal(draw(11), first, err_msg=f"{name}: the same seed gave different values")
    assert not np.array_equal(draw(12), first), f"{name}: different seeds gave the same values"


def test_get_by_name():
    initializer = init.get("he_normal")
    w = initializer((200, 300), "float64")
    assert w.shape == (200, 300)
    assert w.std() == pytest.approx(np.sqrt(2 / 200), rel=0.03)
    assert np.abs(w).max() <= 2 * np.sqrt(2 / 200) / TRUNCATION_STD
    assert init.get(initializer) is initializer
    with pytest.raises(ValueError, match="nonsense"):
        init.get("nonsense")
