"""minicnn.data.augment: each transform against a per-image loop written here (same generator draws,
pixels moved by np.flip / np.pad instead of the batch indexing under test), the shift geometry
against Keras' apply_affine_transform, the draw distributions against their exact probabilities,
Normalize against NumPy and ImageDataGenerator, and the rejected arguments."""

import numpy as np
import pytest

import minicnn as mc
from minicnn.data.augment import Compose, Normalize, RandomCrop, RandomFlip, RandomShift, take_windows

from helpers import assert_close

SHAPES = {"batch1-1ch-5x7": (1, 5, 7, 1), "batch6-3ch-4x4": (6, 4, 4, 3), "batch9-2ch-8x5": (9, 8, 5, 2)}
DTYPES = {"uint8": np.uint8, "float32": np.float32, "float64": np.float64}
NP_PAD_MODES = {"constant": "constant", "nearest": "edge", "reflect": "symmetric", "wrap": "wrap"}


def images(shape, dtype, seed=0):
    draws = np.random.default_rng(seed)
    if dtype == np.uint8:
        return draws.integers(0, 256, shape).astype(np.uint8)
    return draws.standard_normal(shape).astype(dtype)


def assert_same_images(out, expected, x, what):
    assert out.dtype == x.dtype, f"{what}: dtype {out.dtype}, expected {x.dtype}"
    assert out.shape == expected.shape, f"{what}: shape {out.shape}, expected {expected.shape}"
    wrong = np.argwhere(out != expected)
    assert len(wrong) == 0, f"{what}: {len(wrong)} pixels differ, first at (n, i, j, c) = {tuple(wrong[0])}"
    assert not np.shares_memory(out, x), f"{what}: the output is a view of the input"


# --- RandomFlip --------------------------------------------------------------------------------


def flipped_one_by_one(x, mode, seed):
    draws, n = np.random.default_rng(seed), len(x)
    horizontal = draws.random(n) < 0.5 if mode in ("horizontal", "horizontal_and_vertical") else [False] * n
    vertical = draws.random(n) < 0.5 if mode in ("vertical", "horizontal_and_vertical") else [False] * n
    out = []
    for image, flip_h, flip_v in zip(x, horizontal, vertical):
        image = np.fliplr(image) if flip_h else image
        out.append(np.flipud(image) if flip_v else image)
    return np.stack(out)


@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_flip_matches_per_image_loop(mode, shape, dtype):
    x = images(shape, dtype)
    out = RandomFlip(mode)(x, np.random.default_rng(3))
    assert_same_images(out, flipped_one_by_one(x, mode, seed=3), x, f"RandomFlip({mode!r}) on {shape} {x.dtype}")


@pytest.mark.parametrize("mode, shape, outcomes", [
    ("horizontal", (1, 2, 1), {0: 0.5, 1: 0.5}),
    ("vertical", (2, 1, 1), {0: 0.5, 1: 0.5}),
    ("horizontal_and_vertical", (2, 2, 1), {0: 0.25, 1: 0.25, 2: 0.25, 3: 0.25}),  # independent flips
])
def test_flip_probability(mode, shape, outcomes):
    """The top-left pixel of [[0, 1], [2, 3]] tells which flips happened: each with probability 1/2."""
    n = 20000
    x = np.broadcast_to(np.arange(np.prod(shape)).reshape(shape), (n,) + shape)
    corner = RandomFlip(mode)(x, np.random.default_rng(0))[:, 0, 0, 0]
    for value, probability in outcomes.items():
        frequency = np.mean(corner == value)
        assert abs(frequency - probability) < 0.015, \
            f"{mode}: outcome {value} in {frequency:.4f} of {n}, expected {probability}"


# --- RandomCrop --------------------------------------------------------------------------------


def cropped_one_by_one(x, size, padding, fill, seed):
    draws = np.random.default_rng(seed)
    (h, w), p = size, padding
    tops = draws.integers(0, x.shape[1] + 2 * p - h + 1, len(x))
    lefts = draws.integers(0, x.shape[2] + 2 * p - w + 1, len(x))
    out = []
    for image, top, left in zip(x, tops, lefts):
        padded = np.pad(image, ((p, p), (p, p), (0, 0)), constant_values=fill)
        out.append(padded[top:top + h, left:left + w])
    return np.stack(out)


CROPS = {  # name: (size as a function of the image's (H, W), padding, fill)
    "same-size-pad2": (lambda h, w: (h, w), 2, 0),
    "smaller-no-pad": (lambda h, w: (h - 1, w - 2), 0, 0),
    "odd-pad1-fill7": (lambda h, w: (3, 3), 1, 7),
    "whole-padded-image": (lambda h, w: (h + 2, w + 2), 1, 5),
}


@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("crop", CROPS.values(), ids=CROPS.keys())
def test_crop_matches_per_image_loop(crop, shape, dtype):
    size_of, padding, fill = crop
    size = size_of(*shape[1:3])
    x = images(shape, dtype)
    transform = RandomCrop(size if size[0] != size[1] else size[0], padding=padding, fill=fill)
    out = transform(x, np.random.default_rng(4))
    expected = cropped_one_by_one(x, size, padding, fill, seed=4)
    assert_same_images(out, expected, x, f"{transform!r} on {shape} {x.dtype}")


def test_crop_offsets_cover_every_place():
    """CIFAR's recipe on one 1x1 image, padding 1, crop 1: all 9 places of the 3x3 padded image occur."""
    x = np.ones((3000, 1, 1, 1), dtype=np.uint8)
    out = RandomCrop(1, padding=1)(x, np.random.default_rng(0))
    assert 0.08 < out.mean() < 0.14, f"the image pixel was picked in {out.mean():.3f} of crops, expected 1/9"


# --- RandomShift -------------------------------------------------------------------------------


def drawn_shifts(shift_range, size, n, draws):
    """ImageDataGenerator's draws for one axis (all images at once), rounded to whole pixels."""
    if shift_range == 0:
        return np.zeros(n, dtype=int)
    if isinstance(shift_range, list):
        values = np.array(shift_range, dtype=float)
        d = values[draws.integers(0, len(values), n)] * draws.choice([-1, 1], n)
        return np.rint(d * size if values.max() < 1 else d).astype(int)
    if isinstance(shift_range, int):
        return draws.integers(0, shift_range, n) * draws.choice([-1, 1], n)
    d = draws.uniform(-shift_range, shift_range, n)
    return np.rint(d * size if shift_range < 1 else d).astype(int)


def shifted_one_by_one(x, height, width, fill_mode, fill_value, seed):
    draws = np.random.default_rng(seed)
    n, h, w = x.shape[:3]
    dys, dxs = drawn_shifts(height, h, n, draws), drawn_shifts(width, w, n, draws)
    out = []
    for image, dy, dx in zip(x, dys, dxs):
        m = max(abs(dy), abs(dx))
        extra = {"constant_values": fill_value} if fill_mode == "constant" else {}
        padded = np.pad(image, ((m, m), (m, m), (0, 0)), mode=NP_PAD_MODES[fill_mode], **extra)
        out.append(padded[m - dy:m - dy + h, m - dx:m - dx + w])
    return np.stack(out)


SHIFTS = {  # name: (height, width)
    "fractions": (0.45, 0.3),
    "int-pixels": (2, 3),
    "float-pixels-beyond-image": (6.5, 9.0),
    "lists": ([0.2, 0.4], [1, 0.5, 3]),
    "width-only": (0, 0.5),
}


@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("fill_mode", NP_PAD_MODES)
@pytest.mark.parametrize("shift", SHIFTS.values(), ids=SHIFTS.keys())
def test_shift_matches_per_image_loop(shift, fill_mode, shape, dtype):
    height, width = shift
    x = images(shape, dtype)
    transform = RandomShift(width=width, height=height, fill_mode=fill_mode, fill_value=9)
    out = transform(x, np.random.default_rng(5))
    expected = shifted_one_by_one(x, height, width, fill_mode, 9, seed=5)
    assert_same_images(out, expected, x, f"{transform!r} on {shape} {x.dtype}")


@pytest.mark.filterwarnings("ignore:Please import `affine_transform`:DeprecationWarning")
@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "reflect"])
def test_shift_geometry_matches_keras(tf, fill_mode):
    """take_windows(top=ty, left=tx) is Keras' apply_affine_transform(tx, ty) for whole-pixel shifts
    (Keras' tx moves columns: out[i, j] = x[i + ty, j + tx]). Keras' "wrap" differs on purpose."""
    from keras.src.legacy.preprocessing.image import apply_affine_transform

    x = images((1, 4, 5, 2), np.float64)
    for ty, tx in [(0, 1), (2, 0), (-1, -3), (3, 4), (-7, 6), (9, -11)]:
        theirs = apply_affine_transform(x[0], tx=tx, ty=ty, row_axis=0, col_axis=1, channel_axis=2,
                                        fill_mode=fill_mode, cval=-1.5, order=1)
        ours = take_windows(x, np.array([ty]), np.array([tx]), 4, 5, fill_mode, -1.5)[0]
        np.testing.assert_allclose(ours, theirs, atol=1e-9, err_msg=f"{fill_mode} ty={ty} tx={tx}")


SHIFT_DISTRIBUTIONS = {  # name: (range, exact probability of each shift in pixels on 41 pixels)
    "int-3": (3, {-2: 1 / 6, -1: 1 / 6, 0: 1 / 3, 1: 1 / 6, 2: 1 / 6}),
    "fraction-0.1": (0.1, {**{k: 1 / 8.2 for k in range(-3, 4)}, -4: 0.6 / 8.2, 4: 0.6 / 8.2}),
    "float-pixels-2.5": (2.5, {k: 1 / 5 for k in range(-2, 3)}),
    "list-2-5": ([2, 5], {-5: 0.25, -2: 0.25, 2: 0.25, 5: 0.25}),
}


@pytest.mark.parametrize("axis", ["height", "width"])
@pytest.mark.parametrize("distribution", SHIFT_DISTRIBUTIONS.values(), ids=SHIFT_DISTRIBUTIONS.keys())
def test_shift_distribution(distribution, axis):
    """A ramp 1..41 along the axis, zero fill: the centre pixel's value tells each image's shift."""
    shift_range, probabilities = distribution
    n = 20000
    shape = (n, 41, 1, 1) if axis == "height" else (n, 1, 41, 1)
    x = np.broadcast_to(np.arange(1, 42).reshape(shape[1:]), shape)
    out = RandomShift(**{axis: shift_range})(x, np.random.default_rng(1))
    shifts = 21 - out.reshape(n, 41)[:, 20]
    values, counts = np.unique(shifts, return_counts=True)
    assert set(values) == set(probabilities), \
        f"{axis}={shift_range}: shifts {sorted(values)}, expected {sorted(probabilities)}"
    for value, count in zip(values, counts):
        expected = probabilities[value]
        assert abs(count / n - expected) < 0.015, \
            f"{axis}={shift_range}: shift {value} in {count / n:.4f} of the images, expected {expected:.4f}"


def test_height_moves_rows_and_width_columns():
    x = images((50, 6, 6, 1), np.float32)
    down = RandomShift(height=2, fill_mode="wrap")(x, np.random.default_rng(0))
    right = RandomShift(width=2, fill_mode="wrap")(x, np.random.default_rng(0))
    assert all(any(np.array_equal(d, np.roll(image, k, axis=0)) for k in (-1, 0, 1)) for d, image in zip(down, x))
    assert all(any(np.array_equal(r, np.roll(image, k, axis=1)) for k in (-1, 0, 1)) for r, image in zip(right, x))


# --- determinism, Compose ----------------------------------------------------------------------

PIPELINE = [RandomCrop(6, padding=2), RandomFlip("horizontal_and_vertical"),
            RandomShift(0.2, 0.2, fill_mode="reflect")]


def test_same_seed_same_output_other_seed_other_output():
    x = images((16, 6, 6, 3), np.uint8)
    a = Compose(PIPELINE)(x, np.random.default_rng(7))
    b = Compose(PIPELINE)(x, np.random.default_rng(7))
    c = Compose(PIPELINE)(x, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c), "seeds 7 and 8 augmented 16 images identically"


def test_global_generator_when_no_rng():
    x = images((16, 6, 6, 3), np.float32)
    mc.set_seed(11)
    a = [Compose(PIPELINE)(x) for _ in range(2)]
    mc.set_seed(11)
    b = [Compose(PIPELINE)(x) for _ in range(2)]
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1]), "two calls drew the same augmentation"


def test_compose_applies_in_order_with_one_generator():
    x = images((5, 6, 6, 3), np.float64)
    out = Compose(PIPELINE)(x, np.random.default_rng(2))
    draws, expected = np.random.default_rng(2), x
    for transform in PIPELINE:
        expected = transform(expected, draws)
    np.testing.assert_array_equal(out, expected)


def test_input_is_left_alone():
    x = images((8, 5, 5, 2), np.uint8)
    before = x.copy()
    Compose(PIPELINE + [RandomShift(3, 3, fill_mode="nearest"), Normalize(100.0, 50.0)])(x, np.random.default_rng(0))
    np.testing.assert_array_equal(x, before)


# --- Normalize ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_normalize_fit_matches_numpy(shape, dtype):
    x = images(shape, dtype) * (3 if dtype != np.uint8 else 1) + (2 if dtype != np.uint8 else 0)
    x = x.astype(dtype)
    data = x.astype(np.float64).reshape(-1, shape[-1])
    mean = data.sum(axis=0) / len(data)
    std = np.sqrt(((data - mean) ** 2).sum(axis=0) / len(data))
    out_dtype = np.float32 if dtype == np.uint8 else dtype
    norm = Normalize.fit(x)
    assert_close(norm.mean, mean, np.float64, f"mean of {shape} {x.dtype}", scale=100)
    assert_close(norm.std, std, np.float64, f"std of {shape} {x.dtype}", scale=100)
    out = norm(x)
    assert out.dtype == out_dtype, f"{x.dtype} in, {out.dtype} out, expected {np.dtype(out_dtype)}"
    assert_close(out, (x - mean) / (std + 1e-6), out_dtype, f"Normalize.fit(x)(x) on {shape} {x.dtype}")


@pytest.mark.parametrize("mean, std", [(0.5, 0.25), ([0.1, 0.2, 0.3], [1.0, 2.0, 4.0])], ids=["scalar", "per-channel"])
def test_normalize_given_statistics(mean, std):
    x = images((4, 3, 3, 3), np.float32)
    out = Normalize(mean, std, epsilon=0.0)(x)
    assert_close(out, (x - np.array(mean)) / np.array(std), np.float32, f"Normalize({mean}, {std})")


def test_normalize_uint8_gives_the_default_float():
    x = images((2, 3, 3, 1), np.uint8)
    assert Normalize(0, 1)(x).dtype == np.float32
    mc.set_default_dtype("float64")
    try:
        assert Normalize(0, 1)(x).dtype == np.float64
    finally:
        mc.set_default_dtype("float32")


def test_normalize_matches_image_data_generator(tf):
    from keras.src.legacy.preprocessing.image import ImageDataGenerator

    x = images((12, 5, 6, 3), np.float32) * np.float32(4) + np.float32(1)
    keras_gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    keras_gen.fit(x)
    norm = Normalize.fit(x)
    assert_close(norm.mean, keras_gen.mean.ravel(), np.float32, "mean vs ImageDataGenerator")
    assert_close(norm.std, keras_gen.std.ravel(), np.float32, "std vs ImageDataGenerator")
    assert_close(norm(x), keras_gen.standardize(x.copy()), np.float32, "standardize vs ImageDataGenerator")


# --- errors ------------------------------------------------------------------------------------

UINT8 = np.zeros((2, 6, 6, 3), dtype=np.uint8)
ERRORS = {
    "crop-negative-padding": (lambda: RandomCrop(4, padding=-1), ValueError, r"padding.*-1"),
    "crop-zero-size": (lambda: RandomCrop(0), ValueError, r"size.*0"),
    "crop-three-sizes": (lambda: RandomCrop((3, 3, 3)), ValueError, r"size.*\(3, 3, 3\)"),
    "crop-larger-than-padded": (lambda: RandomCrop(9, padding=1)(UINT8), ValueError,
                                r"size \(9, 9\).*padded image \(8, 8\)"),
    "crop-fill-not-uint8": (lambda: RandomCrop(6, padding=1, fill=-1)(UINT8), ValueError, r"fill=-1.*uint8"),
    "flip-unknown-mode": (lambda: RandomFlip("diagonal"), ValueError, r"mode.*'diagonal'"),
    "shift-unknown-fill-mode": (lambda: RandomShift(0.1, fill_mode="mirror"), ValueError, r"fill_mode.*'mirror'"),
    "shift-negative-width": (lambda: RandomShift(width=-0.1), ValueError, r"width.*-0.1"),
    "shift-text-height": (lambda: RandomShift(height="0.1"), TypeError, r"height.*'0.1'"),
    "shift-empty-list": (lambda: RandomShift(width=[]), TypeError, r"width.*\[\]"),
    "shift-fill-not-uint8": (lambda: RandomShift(1, fill_value=0.5)(UINT8), ValueError, r"fill_value=0.5.*uint8"),
    "normalize-negative-std": (lambda: Normalize(0.0, -1.0), ValueError, r"std.*-1.0"),
    "normalize-zero-std-no-epsilon": (lambda: Normalize(0.0, 0.0, epsilon=0), ValueError, r"std \+ epsilon"),
    "normalize-channels": (lambda: Normalize([0, 0], [1, 1])(UINT8), ValueError, r"mean has 2 values.*3 channels"),
    "not-nhwc": (lambda: RandomFlip()(np.zeros((4, 4, 3))), ValueError, r"RandomFlip.*\(N, H, W, C\).*\(4, 4, 3\)"),
    "not-an-array": (lambda: RandomFlip()([[1]]), TypeError, r"RandomFlip.*list"),
    "rng-not-generator": (lambda: RandomFlip()(UINT8, 42), TypeError, r"rng.*int"),
    "compose-not-callable": (lambda: Compose([RandomFlip(), "crop"]), TypeError, r"transforms\[1\].*'crop'"),
}


@pytest.mark.parametrize("make, error, message", ERRORS.values(), ids=ERRORS.keys())
def test_bad_arguments_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()
