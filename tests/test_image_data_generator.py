"""keras.preprocessing.image.ImageDataGenerator: fit's featurewise statistics, standardize and flow's
batches without augmentation against Keras' ImageDataGenerator; the random shifts and flips by the
set of images they can produce (the same as Keras', with the width/height swap Keras has) and by
their frequencies; the arguments refused; model.fit on flow()."""

import re
import warnings

import numpy as np
import pytest

import minicnn as mc
from minicnn.keras.preprocessing.image import UNSUPPORTED, ImageDataGenerator

from helpers import assert_close

pytestmark = [  # Keras' own noise: its channel-count advice, and scipy's deprecated import path
    pytest.mark.filterwarnings("ignore:.*channels on axis 3:UserWarning"),
    pytest.mark.filterwarnings("ignore:Please import `affine_transform`:DeprecationWarning"),
]


@pytest.fixture(scope="module")
def keras_generator(tf):
    from keras.src.legacy.preprocessing.image import ImageDataGenerator as KerasImageDataGenerator
    return KerasImageDataGenerator


def images(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape).astype(np.uint8)


SHAPES = {"batch1-1ch-4x5": (1, 4, 5, 1), "batch10-3ch-5x6": (10, 5, 6, 3), "batch7-2ch-3x3": (7, 3, 3, 2)}
NORMALISATIONS = {
    "rescale": dict(rescale=1 / 255),
    "center": dict(featurewise_center=True),
    "center-std": dict(featurewise_center=True, featurewise_std_normalization=True),
    "rescale-center-std": dict(rescale=1 / 255, featurewise_center=True, featurewise_std_normalization=True),
    "std-implies-center": dict(featurewise_std_normalization=True),
    "rescale-center-std-float64": dict(rescale=1 / 255, featurewise_center=True, featurewise_std_normalization=True,
                                       dtype="float64"),
}


def both(keras_generator, **arguments):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # featurewise_std_normalization alone warns in both
        return ImageDataGenerator(**arguments), keras_generator(**arguments)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("arguments", NORMALISATIONS.values(), ids=NORMALISATIONS.keys())
def test_fit_measures_keras_featurewise_statistics(keras_generator, arguments, shape):
    ours, theirs = both(keras_generator, **arguments)
    x = images(shape)
    ours.fit(x)
    theirs.fit(x)
    dtype = theirs.dtype
    for name in ("mean", "std"):
        mine, reference = getattr(ours, name), getattr(theirs, name)
        if reference is None:
            assert mine is None, f"{name} is set, Keras leaves it None"
            continue
        assert mine.shape == reference.shape and mine.dtype == reference.dtype, \
            f"{name}: {mine.shape} {mine.dtype}, Keras {reference.shape} {reference.dtype}"
        assert_close(mine, reference, dtype, f"{name} with {arguments} on {shape}")


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("arguments", NORMALISATIONS.values(), ids=NORMALISATIONS.keys())
def test_standardize_matches_keras_in_place(keras_generator, arguments, shape):
    ours, theirs = both(keras_generator, **arguments)
    x = images(shape)
    ours.fit(x)
    theirs.fit(x)
    batch = x.astype(theirs.dtype)
    mine, reference = batch.copy(), batch.copy()
    result = ours.standardize(mine)
    expected = theirs.standardize(reference)
    assert (result is mine) == (expected is reference), "Keras changes a float array in place and returns it"
    assert result.dtype == expected.dtype, f"dtype {result.dtype}, Keras {expected.dtype}"
    assert_close(result, expected, theirs.dtype, f"standardize with {arguments} on {shape}", scale=10.0)
    single = ours.standardize(batch[0].copy())
    assert_close(single, expected[0], theirs.dtype, "standardize of one image (H, W, C)", scale=10.0)


def test_standardize_of_integer_images_gives_floats_and_leaves_them_unchanged():
    generator = ImageDataGenerator(rescale=0.5)
    x = images((2, 3, 3, 1))
    out = generator.standardize(x)
    assert out.dtype == np.float32 and np.array_equal(out, x.astype(np.float32) * 0.5)
    assert np.array_equal(x, images((2, 3, 3, 1))), "standardize changed integer images"


def test_standardize_before_fit_warns_and_skips_as_keras(keras_generator):
    ours, theirs = both(keras_generator, featurewise_center=True)
    x = np.ones((2, 2, 2, 1), dtype=np.float32)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        theirs.standardize(x.copy())
    with pytest.warns(UserWarning, match="hasn't been fit"):
        out = ours.standardize(x.copy())
    assert np.array_equal(out, x)


FLOWS = {  # name: (shape, batch_size, with y, with sample_weight)
    "batch4-of-10": ((10, 5, 6, 3), 4, True, False),
    "batch1": ((3, 4, 4, 1), 1, True, False),
    "one-batch-larger-than-data": ((5, 3, 3, 2), 32, True, False),
    "with-sample-weight": ((9, 4, 4, 3), 4, True, True),
    "x-only": ((6, 4, 4, 1), 4, False, False),
}


def next_batches(iterator, count):
    return [next(iterator) for _ in range(count)]


def assert_same_batches(ours, theirs, dtype, what):
    assert len(ours) == len(theirs), f"{what}: {len(ours)} batches, Keras {len(theirs)}"
    for b, (mine, reference) in enumerate(zip(ours, theirs)):
        mine = mine if isinstance(mine, tuple) else (mine,)
        reference = reference if isinstance(reference, tuple) else (reference,)
        assert len(mine) == len(reference), f"{what}, batch {b}: a {len(mine)}-tuple, Keras a {len(reference)}-tuple"
        assert mine[0].dtype == reference[0].dtype, f"{what}, batch {b}: x dtype {mine[0].dtype}"
        assert_close(mine[0], reference[0], dtype, f"{what}, batch {b}: x", scale=10.0)
        for part, a, r in zip(("y", "sample_weight"), mine[1:], reference[1:]):
            assert np.array_equal(a, r), f"{what}, batch {b}: {part} differs"


@pytest.mark.parametrize("name", FLOWS)
@pytest.mark.parametrize("arguments", [NORMALISATIONS["rescale-center-std"], {}], ids=["standardised", "plain"])
def test_flow_without_augmentation_gives_keras_batches(keras_generator, name, arguments):
    shape, batch_size, with_y, with_weight = FLOWS[name]
    ours, theirs = both(keras_generator, **arguments)
    x = images(shape)
    y = np.arange(shape[0]) * 10 if with_y else None
    weights = np.linspace(0.1, 1.0, shape[0]) if with_weight else None
    for generator in (ours, theirs):
        generator.fit(x)
    mine = ours.flow(x, y, batch_size=batch_size, shuffle=False, sample_weight=weights)
    reference = theirs.flow(x, y, batch_size=batch_size, shuffle=False, sample_weight=weights)
    assert len(mine) == len(reference), f"{name}: len {len(mine)}, Keras {len(reference)}"
    count = 2 * len(reference) + 1  # past the end of an epoch: both iterators go on with the next one
    assert_same_batches(next_batches(mine, count), next_batches(reference, count), theirs.dtype, name)


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_flow_subsets_split_as_keras(keras_generator, subset):
    ours, theirs = both(keras_generator, validation_split=0.3, rescale=0.5)
    x, y = images((10, 3, 3, 1)), np.arange(10) % 2
    mine = ours.flow(x, y, batch_size=3, shuffle=False, subset=subset)
    reference = theirs.flow(x, y, batch_size=3, shuffle=False, subset=subset)
    assert_same_batches(next_batches(mine, len(reference)), next_batches(reference, len(reference)), np.float32,
                        subset)
    assert mine.n == reference.n


def test_flow_refuses_a_split_that_loses_classes_as_keras(keras_generator):
    ours, theirs = both(keras_generator, validation_split=0.5)
    x, y = images((4, 2, 2, 1)), np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="different number of classes"):
        theirs.flow(x, y, subset="training")
    with pytest.raises(ValueError, match="different classes"):
        ours.flow(x, y, subset="training")
    assert ours.flow(x, y, subset="training", ignore_class_split=True).n == 2


def test_flow_shuffles_each_epoch_and_is_reproducible_under_a_seed():
    x, y = images((20, 2, 2, 1)), np.arange(20)
    generator = ImageDataGenerator()

    def epochs(seed):
        flow = generator.flow(x, y, batch_size=6, seed=seed)
        return [np.concatenate([next(flow)[1] for _ in range(len(flow))]) for _ in range(2)]

    first, second = epochs(3)
    for order in (first, second):
        assert sorted(order) == list(range(20)), f"an epoch is not a permutation of the samples: {order}"
    assert not np.array_equal(first, second), "the two epochs came in the same order"
    assert all(np.array_equal(a, b) for a, b in zip(epochs(3), [first, second])), "seed 3 did not repeat itself"
    batch_x, batch_y = next(generator.flow(x, y, batch_size=20, seed=4))
    assert np.array_equal(batch_x, x[batch_y].astype(np.float32)), "images and labels were shuffled apart"


# --- random transforms --------------------------------------------------------------------------


def outcomes(batches):
    """The distinct images among the batches' images."""
    distinct = []
    for image in np.concatenate(batches):
        if not any(np.allclose(image, seen, atol=1e-5) for seen in distinct):
            distinct.append(image)
    return distinct


def assert_same_outcomes(ours, theirs, what):
    assert len(ours) == len(theirs), f"{what}: {len(ours)} distinct images, Keras gives {len(theirs)}"
    for image in ours:
        assert any(np.allclose(image, other, atol=1e-5) for other in theirs), f"{what}: an image Keras never gives"


AUGMENTATIONS = {  # name: (minicnn's arguments, the Keras arguments that move pixels the same way)
    "horizontal-flip": (dict(horizontal_flip=True), dict(horizontal_flip=True)),
    "both-flips": (dict(horizontal_flip=True, vertical_flip=True), dict(horizontal_flip=True, vertical_flip=True)),
    # Keras moves the columns by what it draws from height_shift_range, and the rows by width_shift_range
    "width-shift-2-nearest": (dict(width_shift_range=[2]), dict(height_shift_range=[2])),
    "height-shift-1-reflect": (dict(height_shift_range=[1], fill_mode="reflect"),
                               dict(width_shift_range=[1], fill_mode="reflect")),
    "shifts-constant-cval-rescaled": (dict(width_shift_range=[1], height_shift_range=[2], fill_mode="constant",
                                           cval=7.0, rescale=0.5),
                                      dict(height_shift_range=[1], width_shift_range=[2], fill_mode="constant",
                                           cval=7.0, rescale=0.5)),
    "shift-flip-standardised": (dict(width_shift_range=[2], horizontal_flip=True, featurewise_center=True,
                                     featurewise_std_normalization=True),
                                dict(height_shift_range=[2], horizontal_flip=True, featurewise_center=True,
                                     featurewise_std_normalization=True)),
}


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_random_transforms_produce_the_images_keras_produces(keras_generator, name):
    """200 copies of one image: every outcome (each flip and shift sign) occurs in both, and the
    sets of distinct images are the same."""
    ours_arguments, keras_arguments = AUGMENTATIONS[name]
    ours, theirs = ImageDataGenerator(**ours_arguments), keras_generator(**keras_arguments)
    x = images((1, 5, 6, 2))
    for generator in (ours, theirs):
        generator.fit(x)
    copies = np.repeat(x, 200, axis=0)
    mine = ours.flow(copies, batch_size=200, seed=1)
    reference = theirs.flow(copies, batch_size=200, seed=1)
    assert_same_outcomes(outcomes([next(mine)]), outcomes([next(reference)]), name)


def column_shifts(batch):
    """Per image of a ramp 1..W along the columns: how far it moved right (whole pixels)."""
    middle = batch.shape[2] // 2
    return np.rint(middle + 1 - batch[:, 0, middle, 0]).astype(int)


def test_keras_swaps_width_and_height_and_minicnn_does_not(keras_generator):
    ramp = np.broadcast_to(np.arange(1, 10, dtype=np.float32).reshape(1, 1, 9, 1), (300, 3, 9, 1))
    for arguments, moves_columns in ((dict(width_shift_range=[2]), True), (dict(height_shift_range=[2]), False)):
        ours = ImageDataGenerator(**arguments)  # fill_mode "nearest": moving the rows of the ramp changes nothing
        theirs = keras_generator(**arguments)
        ours_moved = np.any(column_shifts(next(ours.flow(ramp, batch_size=300, seed=0))) != 0)
        keras_moved = np.any(column_shifts(next(theirs.flow(ramp, batch_size=300, seed=0))) != 0)
        assert ours_moved == moves_columns, f"{arguments}: minicnn moved the columns: {ours_moved}"
        assert keras_moved == (not moves_columns), f"{arguments}: Keras moved the columns: {keras_moved}"


SHIFT_FREQUENCIES = {  # minicnn's width_shift_range: exact probabilities of each shift on a 9-pixel ramp
    "int-3": (3, {-2: 1 / 6, -1: 1 / 6, 0: 1 / 3, 1: 1 / 6, 2: 1 / 6}),
    "list-1-3": ([1, 3], {-3: 0.25, -1: 0.25, 1: 0.25, 3: 0.25}),
    "fraction-0.25-of-8": (0.25, {-2: 1 / 8, -1: 1 / 4, 0: 1 / 4, 1: 1 / 4, 2: 1 / 8}),
}


@pytest.mark.parametrize("name", SHIFT_FREQUENCIES)
def test_shift_frequencies(keras_generator, name):
    """minicnn's width shifts against their exact probabilities, and, for whole-pixel ranges,
    against the frequencies of Keras' column shifts (drawn from its height_shift_range)."""
    shift_range, probabilities = SHIFT_FREQUENCIES[name]
    n, width = 4000, 8 if name.startswith("fraction") else 9
    ramp = np.broadcast_to(np.arange(1, width + 1, dtype=np.float32).reshape(1, 1, width, 1), (n, 1, width, 1))
    ours = column_shifts(next(ImageDataGenerator(width_shift_range=shift_range, fill_mode="constant")
                              .flow(ramp, batch_size=n, seed=0)))
    samples = {"minicnn": ours}
    if not isinstance(shift_range, float):
        theirs = keras_generator(height_shift_range=shift_range, fill_mode="constant")
        samples["Keras"] = column_shifts(next(theirs.flow(ramp[:1000], batch_size=1000, seed=0)))
    for who, shifts in samples.items():
        assert set(np.unique(shifts)) <= set(probabilities), f"{who}: shifts {np.unique(shifts)} outside the range"
        for shift, probability in probabilities.items():
            frequency = np.mean(shifts == shift)
            assert abs(frequency - probability) < (0.025 if who == "minicnn" else 0.05), \
                f"{who}: shift {shift} in {frequency:.3f} of {len(shifts)}, expected {probability:.3f}"


def test_flips_are_independent_halves():
    corner = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)
    batch = next(ImageDataGenerator(horizontal_flip=True, vertical_flip=True)
                 .flow(np.repeat(corner, 8000, axis=0), batch_size=8000, seed=2))
    for value in range(4):
        frequency = np.mean(batch[:, 0, 0, 0] == value)
        assert abs(frequency - 0.25) < 0.02, f"top-left pixel {value} in {frequency:.3f} of the images, expected 1/4"


def test_random_transform_moves_one_image_reproducibly_under_a_seed():
    generator = ImageDataGenerator(width_shift_range=[1], horizontal_flip=True)
    image = images((1, 3, 4, 1))[0].astype(np.float32)
    results = [generator.random_transform(image, seed=s) for s in range(40)]
    assert all(r.shape == image.shape for r in results)
    assert np.array_equal(generator.random_transform(image, seed=7), results[7]), "seed 7 did not repeat itself"
    assert len(outcomes([np.stack(results)])) == 4, "shift sign and flip should give 4 distinct images"


def test_fit_with_augmented_flips_keeps_the_channel_statistics():
    x = images((6, 4, 5, 3))
    plain = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    flipped = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, horizontal_flip=True)
    plain.fit(x)
    flipped.fit(x, augment=True, rounds=3, seed=0)
    assert_close(flipped.mean, plain.mean, np.float32, "mean over flipped copies", scale=100.0)
    assert_close(flipped.std, plain.std, np.float32, "std over flipped copies", scale=100.0)


# --- arguments ----------------------------------------------------------------------------------


NON_DEFAULT = {"samplewise_center": True, "samplewise_std_normalization": True, "zca_whitening": True,
               "zca_epsilon": 1e-3, "rotation_range": 15, "brightness_range": (0.5, 1.5), "shear_range": 0.2,
               "zoom_range": 0.1, "channel_shift_range": 10.0, "preprocessing_function": np.sqrt,
               "interpolation_order": 0}


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_every_unmapped_argument_is_refused_by_name(name):
    with pytest.raises(ValueError, match=f"{name}=.* is not supported"):
        ImageDataGenerator(**{name: NON_DEFAULT[name]})


def test_the_source_materials_call_with_keras_defaults_spelled_out_is_accepted(keras_generator):
    """Advanced Deep Learning with Keras, resnet-cifar10: every default passed explicitly."""
    arguments = dict(featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                     samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-06, rotation_range=0,
                     width_shift_range=0.1, height_shift_range=0.1, shear_range=0.0, zoom_range=0.0,
                     channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=True,
                     vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                     validation_split=0.0)
    ImageDataGenerator(**arguments)
    keras_generator(**arguments)


BAD_ARGUMENTS = {
    "channels-first": (lambda: ImageDataGenerator(data_format="channels_first"), ValueError, "data_format"),
    "fill-mode": (lambda: ImageDataGenerator(fill_mode="mirror"), ValueError, "fill_mode"),
    "validation-split-1.5": (lambda: ImageDataGenerator(validation_split=1.5), ValueError, "validation_split"),
    "flip-string": (lambda: ImageDataGenerator(horizontal_flip="yes"), TypeError, "horizontal_flip"),
    "shift-negative": (lambda: ImageDataGenerator(width_shift_range=-0.1), ValueError, "width"),
    "dtype-int": (lambda: ImageDataGenerator(dtype="int32"), ValueError, "dtype"),
    "save-to-dir": (lambda: ImageDataGenerator().flow(images((2, 2, 2, 1)), save_to_dir="/tmp"), ValueError,
                    "save_to_dir"),
    "flow-rank-3": (lambda: ImageDataGenerator().flow(images((2, 2, 2))), ValueError, "(N, H, W, C)"),
    "flow-tuple-x": (lambda: ImageDataGenerator().flow((images((2, 2, 2, 1)), np.zeros(2))), TypeError, "x must"),
    "fit-rank-3": (lambda: ImageDataGenerator(featurewise_center=True).fit(images((2, 2, 2))), ValueError, "shape"),
    "subset-without-split": (lambda: ImageDataGenerator().flow(images((2, 2, 2, 1)), subset="training"),
                             ValueError, "validation_split"),
}


@pytest.mark.parametrize("name", BAD_ARGUMENTS)
def test_bad_arguments_are_refused_naming_them(name):
    make, error, words = BAD_ARGUMENTS[name]
    with pytest.raises(error, match=re.escape(words)):
        make()


# --- training -------------------------------------------------------------------------------------


def image_model(seed):
    mc.set_seed(seed)
    model = mc.Sequential([mc.layers.Conv2D(2, 3, input_shape=(6, 6, 1)), mc.layers.Flatten(), mc.layers.Dense(3)])
    model.compile(mc.optimizers.SGD(0.05), mc.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_model_fit_on_flow_without_augmentation_equals_fit_on_rescaled_arrays():
    x, y = images((20, 6, 6, 1)), np.arange(20) % 3
    on_flow, on_arrays = image_model(0), image_model(0)
    flow = ImageDataGenerator(rescale=1 / 255).flow(x, y, batch_size=8, shuffle=False)
    got = on_flow.fit(flow, epochs=2, verbose=0).history["loss"]
    expected = on_arrays.fit(x.astype(np.float32) * (1 / 255), y, batch_size=8, epochs=2, shuffle=False,
                             verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    for a, b in zip(on_flow.get_weights(), on_arrays.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_model_fit_on_augmented_flow_with_steps_per_epoch():
    x, y = images((20, 6, 6, 1)), np.arange(20) % 3
    datagen = ImageDataGenerator(width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True,
                                 featurewise_center=True, featurewise_std_normalization=True)
    datagen.fit(x)
    model = image_model(1)
    flow = datagen.flow(x, y, batch_size=8)
    assert len(flow) == 3
    history = model.fit(flow, epochs=2, steps_per_epoch=len(flow), validation_data=(x / 255, y), verbose=0)
    assert len(history.history["loss"]) == 2 and np.all(np.isfinite(history.history["val_loss"]))
