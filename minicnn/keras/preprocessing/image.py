"""``keras.preprocessing.image.ImageDataGenerator``: Keras' augmentation generator mapped onto
``minicnn.data.augment`` (RandomShift, RandomFlip, Normalize) and ``minicnn.data.DataLoader``.

It covers the arguments the source material and common CIFAR recipes pass: horizontal_flip,
vertical_flip, width_shift_range, height_shift_range, fill_mode, cval, rescale, featurewise_center,
featurewise_std_normalization and validation_split. Any other argument given a value other than
Keras' default raises a ValueError naming it, rather than being ignored.
"""

import numbers
import warnings

import numpy as np

from ... import backend
from ...data.augment import FILL_MODES, Compose, Normalize, RandomFlip, RandomShift
from ...data.loader import DataLoader
from .._subset import missing

EPSILON = 1e-6  # Keras adds it to the std in featurewise_std_normalization

# Keras' arguments that minicnn does not map, with their defaults: any other value is refused
UNSUPPORTED = {
    "samplewise_center": False, "samplewise_std_normalization": False, "zca_whitening": False,
    "zca_epsilon": 1e-6, "rotation_range": 0, "brightness_range": None, "shear_range": 0.0, "zoom_range": 0.0,
    "channel_shift_range": 0.0, "preprocessing_function": None, "interpolation_order": 1,
}
SUPPORTED = ("featurewise_center", "featurewise_std_normalization", "width_shift_range", "height_shift_range",
             "fill_mode", "cval", "horizontal_flip", "vertical_flip", "rescale", "validation_split", "dtype")


def is_default(value, default):
    if default is None:
        return value is None
    return (not isinstance(value, (bool, np.bool_)) or isinstance(default, bool)) and \
        isinstance(value, numbers.Number) and value == default


def refuse_unsupported(arguments, owner):
    """A ValueError naming the first of ``arguments`` (name -> (value, Keras' default)) not at its default."""
    for name, (value, default) in arguments.items():
        if not is_default(value, default):
            raise ValueError(f"{owner}: {name}={value!r} is not supported by minicnn (leave it at Keras' default "
                             f"{default!r}); the arguments mapped are {', '.join(SUPPORTED)}")


def check_flag(value, argument):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"ImageDataGenerator: {argument} must be True or False, got {value!r}")
    return bool(value)


def check_number(value, argument):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"ImageDataGenerator: {argument} must be a number, got {value!r}")
    return value


def check_dtype(dtype):
    resolved = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
    if resolved not in backend.FLOAT_DTYPES:
        raise ValueError(f"ImageDataGenerator: dtype must be float32 or float64 (None: minicnn's default), "
                         f"got {dtype!r}")
    return resolved


class ImageDataGenerator:
    """Batches of randomly shifted and flipped, then standardised, images, as Keras' generator.

        datagen = ImageDataGenerator(width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True)
        datagen.fit(x_train)                      # only needed for the featurewise statistics
        model.fit(datagen.flow(x_train, y_train, batch_size=128), epochs=...)

    Each image of a batch (N, H, W, C), in Keras' order:
    1. shift (``RandomShift``) by dy rows and dx columns, drawn from height_shift_range and
       width_shift_range as Keras draws them (a float r: uniform in [-r, r], of the height/width
       when r < 1; an int r: a whole number of pixels in (-r, r); a list: one of its values, either
       sign); uncovered pixels are filled as fill_mode says ("nearest", "constant" with cval,
       "reflect", "wrap");
    2. flip left-right (horizontal_flip) and then upside down (vertical_flip), each with probability 1/2;
    3. ``standardize``: ``x * rescale``, then ``(x - mean) / (std + 1e-6)`` with the per-channel
       statistics ``fit`` measured (featurewise_center alone subtracts the mean only).

    Deliberate differences from Keras 3.15's ImageDataGenerator (see ``minicnn.data.augment.RandomShift``):
    width_shift_range moves columns and height_shift_range rows as their names say (Keras applies
    the shift drawn from height_shift_range to the columns and vice versa, scaled by the other
    side); shifts are rounded to whole pixels instead of interpolated; "wrap" repeats the image
    with period H (W), where Keras' scipy call uses H - 1. Randomness comes from minicnn's seeded
    generators, so the draws are Keras' in distribution, not image for image.
    """

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        given = dict(locals())
        refuse_unsupported({name: (given[name], default) for name, default in UNSUPPORTED.items()},
                           "ImageDataGenerator")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"ImageDataGenerator: data_format must be 'channels_last' (or None), got "
                             f"{data_format!r}; minicnn's images are NHWC")
        self.featurewise_center = check_flag(featurewise_center, "featurewise_center")
        self.featurewise_std_normalization = check_flag(featurewise_std_normalization,
                                                        "featurewise_std_normalization")
        if self.featurewise_std_normalization and not self.featurewise_center:
            warnings.warn("This ImageDataGenerator specifies featurewise_std_normalization, which overrides "
                          "setting of featurewise_center.")
            self.featurewise_center = True
        self.horizontal_flip = check_flag(horizontal_flip, "horizontal_flip")
        self.vertical_flip = check_flag(vertical_flip, "vertical_flip")
        if fill_mode not in FILL_MODES:
            raise ValueError(f"ImageDataGenerator: fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
        self.fill_mode, self.cval = fill_mode, check_number(cval, "cval")
        self.shift = RandomShift(width=width_shift_range, height=height_shift_range, fill_mode=fill_mode,
                                 fill_value=cval)
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.rescale = None if rescale is None else check_number(rescale, "rescale")
        validation_split = check_number(validation_split, "validation_split")
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"ImageDataGenerator: validation_split must be strictly between 0 and 1, "
                             f"got {validation_split!r}")
        self._validation_split = validation_split
        self.dtype = check_dtype(dtype)
        self.data_format = "channels_last"
        self.mean = self.std = None

    # --- the transforms ------------------------------------------------------------------------
    def augmentation(self):
        """The random part as one minicnn transform: ``Compose([RandomShift, RandomFlip])``."""
        steps = []
        if self.width_shift_range or self.height_shift_range:
            steps.append(self.shift)
        flips = [name for name, on in (("horizontal", self.horizontal_flip), ("vertical", self.vertical_flip)) if on]
        if flips:
            steps.append(RandomFlip("_and_".join(flips)))
        return Compose(steps)

    def normalization(self):
        """The featurewise part as a ``Normalize`` (None when nothing is to be done), warning as Keras
        does when ``fit`` has not measured the statistics yet."""
        if self.featurewise_center and self.mean is None:
            warnings.warn("This ImageDataGenerator specifies featurewise_center, but it hasn't been fit on any "
                          "training data. Fit it first by calling .fit(numpy_data).")
            return None
        if not self.featurewise_center:
            return None
        if self.featurewise_std_normalization:
            return Normalize(self.mean, self.std, EPSILON)
        return Normalize(self.mean, 1.0, epsilon=0.0)

    def standardize(self, x):
        """``x * rescale``, then the featurewise normalisation, on an image (H, W, C) or a batch
        (N, H, W, C). As Keras, a float NumPy array is changed in place and returned; anything else
        (integers, Tensors) gives a new float array."""
        array = backend.to_numpy(x)
        out = self.standardized(array)
        if isinstance(x, np.ndarray) and x.dtype == out.dtype and x.flags.writeable:
            x[...] = out
            return x
        return out

    def standardized(self, x):
        """``standardize`` without writing into x; returns a new array of x's float dtype (self.dtype
        for integer images)."""
        if x.ndim not in (3, 4):
            raise ValueError(f"ImageDataGenerator.standardize: x must be an image (H, W, C) or a batch "
                             f"(N, H, W, C), got shape {tuple(x.shape)}")
        batch = x[None] if x.ndim == 3 else x
        if batch.dtype not in backend.FLOAT_DTYPES:
            batch = batch.astype(self.dtype)
        if self.rescale:
            batch = batch * self.rescale
        normalize = self.normalization()
        if normalize is not None:
            batch = normalize(batch)
        elif batch is x or batch.base is x:
            batch = batch.copy()
        return batch[0] if x.ndim == 3 else batch

    def random_transform(self, x, seed=None):
        """One image (H, W, C) shifted and flipped at random (seed: an int, else minicnn's generator)."""
        x = backend.to_numpy(x)
        if x.ndim != 3:
            raise ValueError(f"ImageDataGenerator.random_transform: x must be one image (H, W, C), "
                             f"got shape {tuple(x.shape)}")
        rng = backend.rng() if seed is None else np.random.default_rng(seed)
        return self.augmentation()(x[None], rng)[0]

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Measure the featurewise statistics on images x (N, H, W, C), as Keras does: in self.dtype,
        after ``rescale`` (and ``rounds`` random augmentations of all of x with ``augment``),

            mean[c] = mean of x[..., c] over N, H, W;   std[c] = population std of x[..., c] - mean[c]

        kept as arrays of shape (1, 1, C) in ``self.mean`` and ``self.std``."""
        x = np.array(backend.to_numpy(x), dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit: x must be images of shape (N, H, W, C), got shape {x.shape}")
        if self.rescale:
            x *= self.rescale
        if augment:
            if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)) or rounds < 1:
                raise ValueError(f"ImageDataGenerator.fit: rounds must be a positive integer, got {rounds!r}")
            rng = backend.rng() if seed is None else np.random.default_rng(seed)
            transform = self.augmentation()
            x = np.concatenate([transform(x, rng) for _ in range(rounds)])
        channels = (1, 1, x.shape[-1])
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, 1, 2)).reshape(channels)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, 1, 2)).reshape(channels)

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None):
        """Batches of augmented, standardised images (and their labels and weights): a
        ``NumpyArrayIterator`` of len ceil(N / batch_size) that ``model.fit`` takes as it is."""
        if save_to_dir is not None or save_prefix != "" or save_format != "png":
            raise ValueError(f"ImageDataGenerator.flow: saving the augmented images is not supported by minicnn "
                             f"(got save_to_dir={save_to_dir!r}, save_prefix={save_prefix!r}, "
                             f"save_format={save_format!r})")
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, subset=subset, ignore_class_split=ignore_class_split)


class NumpyArrayIterator:
    """What ``ImageDataGenerator.flow`` returns: an endless iterator of batches ``(x, y)``, ``(x, y,
    sample_weight)``, or ``x`` alone without y, as Keras' iterator; ``len()`` batches make an epoch
    (the samples reshuffled at the start of each). x is float (the generator's dtype), y and the
    weights as given. Epochs come from a ``DataLoader`` whose transform augments and standardises
    each batch; ``seed`` fixes its shuffling and augmentation (None: minicnn's generator)."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None, seed=None,
                 subset=None, ignore_class_split=False):
        if isinstance(x, (list, tuple)):
            raise TypeError("ImageDataGenerator.flow: x must be one array of images (N, H, W, C); Keras' form "
                            "(images, [other arrays]) is not supported by minicnn")
        x = np.asarray(backend.to_numpy(x), dtype=image_data_generator.dtype)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.flow: x must be images of shape (N, H, W, C), got shape {x.shape}")
        y = None if y is None else backend.to_numpy(y)
        sample_weight = None if sample_weight is None else backend.to_numpy(sample_weight)
        if subset is not None:
            x, y, sample_weight = split_subset(x, y, sample_weight, subset, image_data_generator._validation_split,
                                               ignore_class_split)
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.image_data_generator = image_data_generator
        self.n, self.batch_size, self.shuffle, self.seed = len(x), batch_size, shuffle, seed
        self.loader = DataLoader(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                 transform=self.transform)
        self.epoch = None

    def transform(self, x, rng):
        generator = self.image_data_generator
        return generator.standardized(generator.augmentation()(x, rng))

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        return self

    def __next__(self):
        """The next batch; after the last batch of an epoch, the first of a new (reshuffled) one."""
        batch = next(self.epoch, None) if self.epoch is not None else None
        if batch is None:
            self.epoch = iter(self.loader)
            batch = next(self.epoch)
        x, y, sample_weight = batch
        if y is None:
            return x
        return (x, y) if sample_weight is None else (x, y, sample_weight)

    def reset(self):
        """Start the next batch at the beginning of a new epoch."""
        self.epoch = None


def split_subset(x, y, sample_weight, subset, validation_split, ignore_class_split):
    """Keras' validation_split of flow's arrays: the first int(N * split) samples are "validation",
    the rest "training"; both parts must hold the same classes unless ignore_class_split."""
    if subset not in ("training", "validation"):
        raise ValueError(f"ImageDataGenerator.flow: subset must be 'training' or 'validation', got {subset!r}")
    if not validation_split:
        raise ValueError(f"ImageDataGenerator.flow: subset={subset!r} needs ImageDataGenerator(validation_split=...)")
    split = int(len(x) * validation_split)
    if y is not None and not ignore_class_split and not np.array_equal(np.unique(y[:split]), np.unique(y[split:])):
        raise ValueError("ImageDataGenerator.flow: the training and validation subsets hold different classes "
                         "after the split; shuffle the arrays first (or pass ignore_class_split=True)")
    part = slice(None, split) if subset == "validation" else slice(split, None)
    return x[part], None if y is None else y[part], None if sample_weight is None else sample_weight[part]


__getattr__ = missing("keras.preprocessing.image")
