"""Data augmentation on batches of NHWC images: random flips, crops and shifts, per-channel
normalisation, and ``Compose`` to chain them.

Every transform is a callable ``transform(x, rng=None) -> new x`` on a whole batch (N, H, W, C).
The random choices for all N images are drawn at once from the NumPy Generator ``rng`` (minicnn's
global generator when None), in the order each docstring states, and applied with array indexing:
there is no Python loop over the images. Flips, crops and shifts only move pixels, so they keep
the dtype (uint8 stays uint8); ``Normalize`` returns floats. The arrays may be NumPy or CuPy: the
draws are made on the CPU and the index arrays moved to the images' device.
"""

import numbers

import numpy as np

from .. import backend
from ..layers.base import positive_int

FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")
FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def check_images(x, owner):
    """``x`` when it is an array of shape (N, H, W, C), else an error naming ``owner``."""
    if not hasattr(x, "ndim"):
        raise TypeError(f"{owner}: x must be a NumPy or CuPy array of shape (N, H, W, C), got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{owner}: x must be a batch of images of shape (N, H, W, C), got shape {tuple(x.shape)}")
    return x


def generator_of(rng):
    """``rng`` itself, or minicnn's global generator (``mc.set_seed``) when None."""
    if rng is None:
        return backend.rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator or None, got {type(rng).__name__}")
    return rng


def check_fill(fill, argument, owner):
    if isinstance(fill, bool) or not isinstance(fill, numbers.Real):
        raise TypeError(f"{owner}: {argument} must be a number, got {fill!r}")
    return fill


def fill_array(fill, dtype, argument, owner):
    """``fill`` as a 0-d array of the images' dtype; an integer dtype must hold it exactly."""
    value = np.asarray(fill).astype(dtype)
    if np.dtype(dtype).kind in "iub" and value != fill:
        raise ValueError(f"{owner}: {argument}={fill!r} cannot be stored in {np.dtype(dtype)} images")
    return value


def source_index(index, size, fill_mode):
    """Coordinates ``index`` (any integers) mapped onto 0..size-1 as ``fill_mode`` extends an image
    row ``a b c d``: "nearest" ``a a | a b c d | d d`` (the closest edge pixel), "reflect"
    ``b a | a b c d | d c`` (mirrored about the edge, period 2*size), "wrap" ``c d | a b c d | a b``
    (period size); "constant" clips, and the caller overwrites those pixels with the fill value."""
    if fill_mode == "reflect":
        index = index % (2 * size)
        return np.where(index < size, index, 2 * size - 1 - index)
    if fill_mode == "wrap":
        return index % size
    return np.clip(index, 0, size - 1)


def take_windows(x, top, left, height, width, fill_mode="constant", fill_value=0):
    """A (height, width) window of every image, each at its own place:

        out[n, i, j, :] = x[n, top[n] + i, left[n] + j, :]      (i < height, j < width)

    x: (N, H, W, C); top, left: (N,) integers, which may put the window partly or wholly outside
    the image; such pixels are ``fill_value`` ("constant") or come from ``source_index``.
    Returns a new (N, height, width, C) array of x's dtype.
    """
    xp = backend.get_array_module(x)
    n, h, w = x.shape[:3]
    rows = np.asarray(top)[:, None] + np.arange(height)          # (N, height)
    cols = np.asarray(left)[:, None] + np.arange(width)          # (N, width)
    out = x[xp.arange(n)[:, None, None],
            xp.asarray(source_index(rows, h, fill_mode))[:, :, None],
            xp.asarray(source_index(cols, w, fill_mode))[:, None, :]]
    if fill_mode == "constant":
        inside = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]
        fill = xp.asarray(fill_array(fill_value, x.dtype, "fill_value", "take_windows"))
        out = xp.where(xp.asarray(inside)[..., None], out, fill)
    return out


class Transform:
    """Base of the transforms: ``transform(x, rng=None)`` checks x (N, H, W, C) and the generator,
    then runs the subclass's ``apply(x, rng)``; the repr shows the arguments."""

    def __call__(self, x, rng=None):
        return self.apply(check_images(x, type(self).__name__), generator_of(rng))

    def __repr__(self):
        arguments = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({arguments})"


class RandomFlip(Transform):
    """Flip each image left-right and/or upside down, each flip with probability 1/2.

    "horizontal": ``flip = rng.random(N) < 0.5``, then ``out[n] = x[n, :, ::-1]`` where flip[n],
    else x[n]; "vertical": the same on the rows, ``x[n, ::-1]``; "horizontal_and_vertical": the
    horizontal draw, then an independent vertical draw (as ImageDataGenerator's horizontal_flip
    and vertical_flip; Keras 3's RandomFlip layer uses one draw for both). Shape and dtype kept.
    """

    def __init__(self, mode="horizontal"):
        if mode not in FLIP_MODES:
            raise ValueError(f"RandomFlip: mode must be one of {FLIP_MODES}, got {mode!r}")
        self.mode = mode

    def apply(self, x, rng):
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            x = flip_where(x, rng.random(len(x)) < 0.5, axis=2)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            x = flip_where(x, rng.random(len(x)) < 0.5, axis=1)
        return x


def flip_where(x, flip, axis):
    """x[n] reversed along ``axis`` where flip[n], else x[n] (a new array)."""
    xp = backend.get_array_module(x)
    return xp.where(xp.asarray(flip)[:, None, None, None], xp.flip(x, axis=axis), x)


class RandomCrop(Transform):
    """Pad every side by ``padding`` pixels of ``fill``, then cut a (height, width) window at a
    random place in each image (the CIFAR recipe: ``RandomCrop(32, padding=4)``).

        top = rng.integers(0, H + 2p - height + 1, N), then left = rng.integers(0, W + 2p - width + 1, N)
        out[n, i, j] = padded[n, top[n] + i, left[n] + j],  padded[n, r, c] = x[n, r - p, c - p] (fill outside)

    size: an int (a square) or (height, width). Returns (N, height, width, C) of x's dtype.
    """

    def __init__(self, size, padding=0, fill=0):
        sizes = size if isinstance(size, (tuple, list)) else (size, size)
        if len(sizes) != 2:
            raise ValueError(f"RandomCrop: size must be an int or (height, width), got {size!r}")
        self.size = tuple(positive_int(s, "size", "RandomCrop") for s in sizes)
        if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
            raise ValueError(f"RandomCrop: padding must be a non-negative integer, got {padding!r}")
        self.padding = int(padding)
        self.fill = check_fill(fill, "fill", "RandomCrop")

    def apply(self, x, rng):
        (height, width), p = self.size, self.padding
        padded_h, padded_w = x.shape[1] + 2 * p, x.shape[2] + 2 * p
        if height > padded_h or width > padded_w:
            raise ValueError(f"RandomCrop: size {self.size} is larger than the padded image "
                             f"({padded_h}, {padded_w}) of images {tuple(x.shape[1:3])} with padding {p}")
        top = rng.integers(0, padded_h - height + 1, len(x))
        left = rng.integers(0, padded_w - width + 1, len(x))
        fill = fill_array(self.fill, x.dtype, "fill", "RandomCrop")
        return take_windows(x, top - p, left - p, height, width, "constant", fill)


class RandomShift(Transform):
    """Move each image by a random whole number of pixels, dy down and dx right, the uncovered
    border filled as ``fill_mode`` says (see ``source_index``; "constant" uses ``fill_value``):

        out[n, i, j] = x[n, i - dy[n], j - dx[n]]

    ``height`` and ``width`` are ImageDataGenerator's height_shift_range and width_shift_range,
    and shifts are drawn as it draws them (dy for every image first, then dx):
    - a float r: ``d = rng.uniform(-r, r, N)``, times the image's height (width) when r < 1;
    - an int r: ``d = rng.integers(0, r, N) * rng.choice([-1, 1], N)``: |d| <= r - 1 pixels,
      and 0 comes twice as often as any other value;
    - a list of numbers v: ``d = v[rng.integers(0, len(v), N)] * rng.choice([-1, 1], N)``,
      fractions of the height (width) when max(v) < 1;
    - 0: no shift, nothing drawn.
    Then d is rounded to the nearest whole pixel (``np.rint``): where Keras shifts by the real d
    and interpolates, minicnn moves pixels only, so uint8 stays exact. Two deliberate differences
    from Keras 3.15: height moves rows and width columns (ImageDataGenerator swaps them), and
    "wrap" repeats the image with period H (W) (scipy's wrap, which Keras uses, has period H - 1).
    Shape and dtype kept.
    """

    def __init__(self, width=0.0, height=0.0, fill_mode="constant", fill_value=0.0):
        self.width = check_shift_range(width, "width")
        self.height = check_shift_range(height, "height")
        if fill_mode not in FILL_MODES:
            raise ValueError(f"RandomShift: fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
        self.fill_mode = fill_mode
        self.fill_value = check_fill(fill_value, "fill_value", "RandomShift")

    def apply(self, x, rng):
        n, h, w = x.shape[:3]
        fill = self.fill_value
        if self.fill_mode == "constant":
            fill = fill_array(fill, x.dtype, "fill_value", "RandomShift")
        dy = draw_shifts(self.height, h, n, rng)
        dx = draw_shifts(self.width, w, n, rng)
        return take_windows(x, -dy, -dx, h, w, self.fill_mode, fill)


def check_shift_range(value, argument):
    """A non-negative number or a non-empty list/tuple of numbers (as ImageDataGenerator accepts)."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if not values or any(isinstance(v, bool) or not isinstance(v, numbers.Real) for v in values):
        raise TypeError(f"RandomShift: {argument} must be a number or a non-empty list of numbers, got {value!r}")
    if not isinstance(value, (list, tuple)) and value < 0:
        raise ValueError(f"RandomShift: {argument} must be non-negative, got {value!r}")
    return tuple(values) if isinstance(value, (list, tuple)) else value


def draw_shifts(shift_range, size, n, rng):
    """``n`` whole-pixel shifts along an axis of ``size`` pixels, drawn as RandomShift describes."""
    if isinstance(shift_range, tuple):
        values = np.asarray(shift_range, dtype=np.float64)
        shifts = values[rng.integers(0, len(values), n)] * rng.choice([-1, 1], n)
        fraction = values.max() < 1
    elif shift_range == 0:
        return np.zeros(n, dtype=np.int64)
    elif isinstance(shift_range, (int, np.integer)):
        shifts = rng.integers(0, shift_range, n) * rng.choice([-1, 1], n)
        fraction = False
    else:
        shifts = rng.uniform(-shift_range, shift_range, n)
        fraction = shift_range < 1
    return np.rint(shifts * size if fraction else shifts).astype(np.int64)


class Normalize(Transform):
    """Per-channel standardisation, as ImageDataGenerator's featurewise_center and
    featurewise_std_normalization apply it:

        out[..., c] = (x[..., c] - mean[c]) / (std[c] + epsilon)        (epsilon = 1e-6 there)

    mean, std: a number or one value per channel (the last axis). Floats come out: x's dtype
    when it is float32/float64, else minicnn's default float dtype. Nothing is drawn.
    ``Normalize.fit(x)`` measures mean and std on data.
    """

    def __init__(self, mean, std, epsilon=1e-6):
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        self.std = np.asarray(std, dtype=np.float64).reshape(-1)
        if self.mean.size == 0 or self.std.size == 0:
            raise ValueError(f"Normalize: mean and std need at least one value, got mean={mean!r}, std={std!r}")
        if np.any(self.std < 0):
            raise ValueError(f"Normalize: std must be non-negative, got {std!r}")
        if not epsilon >= 0 or np.any(self.std + epsilon <= 0):
            raise ValueError(f"Normalize: std + epsilon must be positive, got std={std!r}, epsilon={epsilon!r}")
        self.epsilon = float(epsilon)

    @classmethod
    def fit(cls, x, epsilon=1e-6):
        """Normalize(mean, std) of x (N, H, W, C): per channel over N, H and W, the population
        standard deviation (ddof 0), computed in float64, as ImageDataGenerator.fit measures them."""
        x = backend.to_numpy(check_images(x, "Normalize.fit")).astype(np.float64)
        return cls(x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2)), epsilon)

    def apply(self, x, rng):
        channels = x.shape[-1]
        for name, values in (("mean", self.mean), ("std", self.std)):
            if values.size not in (1, channels):
                raise ValueError(f"Normalize: {name} has {values.size} values but x has {channels} channels "
                                 f"(shape {tuple(x.shape)})")
        xp = backend.get_array_module(x)
        dtype = x.dtype if np.dtype(x.dtype) in backend.FLOAT_DTYPES else backend.get_default_dtype()
        mean = xp.asarray(self.mean, dtype=dtype)
        scale = xp.asarray(self.std + self.epsilon, dtype=dtype)
        return (x.astype(dtype) - mean) / scale


class Compose(Transform):
    """The transforms in turn, all drawing from the same generator:
    ``Compose([a, b])(x, rng) == b(a(x, rng), rng)``."""

    def __init__(self, transforms):
        if not isinstance(transforms, (list, tuple)):
            raise TypeError(f"Compose: transforms must be a list of callables, got {type(transforms).__name__}")
        for i, transform in enumerate(transforms):
            if not callable(transform):
                raise TypeError(f"Compose: transforms[{i}] must be callable as transform(x, rng), got {transform!r}")
        self.transforms = list(transforms)

    def __call__(self, x, rng=None):
        rng = generator_of(rng)
        for transform in self.transforms:
            x = transform(x, rng)
        return x
