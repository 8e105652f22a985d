"""Where training data comes from: in-memory arrays (one, a list or a dict of them per argument),
cut into batches in order or shuffled by minicnn's seeded generator, or a loader / Python iterable
that yields batches itself; plus Keras' validation split and class weights."""

import math

import numpy as np

from . import backend


def as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def arrays_of(value):
    """The arrays of one argument: itself, the items of a list, or the values of a dict by name."""
    return list(value.values()) if isinstance(value, dict) else as_list(value)


def num_samples(x, y=None, sample_weight=None, what="x"):
    """The number of samples, checking that every input, target and weight array has as many."""
    sizes = [len(a) for a in arrays_of(x)]
    if len(set(sizes)) > 1:
        raise ValueError(f"the inputs have different numbers of samples: {sizes}")
    n = sizes[0]
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None and any(len(a) != n for a in arrays_of(value)):
            counts = [len(a) for a in arrays_of(value)]
            raise ValueError(f"{what} has {n} samples but {name} has {counts[0] if len(counts) == 1 else counts}")
    if n == 0:
        raise ValueError(f"{what} is empty")
    return n


def take(data, index):
    """Rows ``index`` of an array, or of each array of a list (several inputs or outputs)."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {key: np.asarray(a)[index] for key, a in data.items()}
    return [np.asarray(a)[index] for a in data] if isinstance(data, (list, tuple)) else np.asarray(data)[index]


def batch_indices(n, batch_size, shuffle=False):
    """Index arrays of consecutive batches (the last one may be smaller); shuffled by minicnn's seeded generator."""
    order = backend.rng().permutation(n) if shuffle else np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def check_batch_size(batch_size):
    """Keras' default of 32 for None; anything but a positive integer is refused."""
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer (or None for 32), got {batch_size!r}")
    return int(batch_size)


def validation_split_of(x, y, sample_weight, fraction):
    """The last ``fraction`` of the samples (before any shuffling) as validation data, as Keras."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {fraction!r}")
    n = num_samples(x, y, sample_weight)
    split_at = int(math.floor(n * (1.0 - fraction)))
    if split_at in (0, n):
        raise ValueError(f"validation_split={fraction} leaves no training or no validation samples of {n}")
    head, tail = np.arange(split_at), np.arange(split_at, n)
    return ((take(x, head), take(y, head), take(sample_weight, head)),
            (take(x, tail), take(y, tail), take(sample_weight, tail)))


def unpack_validation_data(validation_data):
    """(x, y, sample_weight) of fit's ``validation_data``: a tuple of arrays, or a loader / dataset /
    iterable that yields its own batches (then y and the weights are None here)."""
    if not isinstance(validation_data, (list, tuple)):
        if hasattr(validation_data, "__iter__") and not is_arrays(validation_data):
            return validation_data, None, None
        raise ValueError(f"validation_data must be a tuple (x_val, y_val[, val_sample_weight]) or a loader or "
                         f"dataset of batches, got {type(validation_data).__name__}")
    if len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight), "
                         f"got {type(validation_data).__name__} of length {len(validation_data)}")
    x, y, *rest = validation_data
    return x, y, rest[0] if rest else None


def class_weight_to_sample_weight(y, class_weight):
    """One weight per sample: ``class_weight[label]`` (1 for labels not listed); one-hot labels by arg-max."""
    if isinstance(y, (list, tuple)):
        raise ValueError("class_weight is only supported for models with one output; pass sample_weight instead")
    labels = np.asarray(y)
    if labels.ndim > 1:
        labels = labels.argmax(axis=-1) if labels.shape[-1] > 1 else labels[..., 0]
    labels = np.round(labels).astype(np.int64).reshape(len(labels), -1)[:, 0]
    return np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float64)


def is_arrays(data):
    """Whether ``data`` is in-memory data (an array, or a list/tuple/dict of arrays) rather than a
    loader or an iterable of batches."""
    if isinstance(data, dict):
        return all(is_arrays(v) for v in data.values())
    if isinstance(data, (list, tuple)):
        return len(data) > 0 and all(is_arrays(v) for v in data)
    return hasattr(data, "shape") or hasattr(data, "__array__")


class ArrayBatches:
    """Batches of in-memory arrays: ``epoch()`` yields (x, y, sample_weight) batches in order, or
    shuffled anew each epoch by minicnn's seeded generator (``mc.set_seed`` fixes the order)."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle):
        self.n = num_samples(x, y, sample_weight)
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.batch_size, self.shuffle = batch_size, shuffle
        self.steps = math.ceil(self.n / batch_size)

    def epoch(self):
        for index in batch_indices(self.n, self.batch_size, self.shuffle):
            yield take(self.x, index), take(self.y, index), take(self.sample_weight, index)


class StreamBatches:
    """Batches from a loader (anything iterable over (x, y[, sample_weight]) batches, a new pass each
    epoch, such as ``mc.data.DataLoader``) or from a Python iterator or generator, which is read on
    from epoch to epoch; ``steps`` caps an epoch (required for an endless generator)."""

    def __init__(self, source, steps=None, predicting=False):
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps <= 0):
            raise ValueError(f"steps must be a positive integer or None, got {steps!r}")
        self.source, self.predicting = source, predicting
        self.reiterable = iter(source) is not source  # a loader makes a fresh pass; a generator is consumed
        self.steps = steps if steps is not None else (len(source) if hasattr(source, "__len__") else None)
        self.iterator = None if self.reiterable else source

    def epoch(self):
        iterator = iter(self.source) if self.reiterable else self.iterator
        for step, batch in enumerate(iterator):
            yield self.unpack(batch)
            if self.steps is not None and step + 1 >= self.steps:
                return

    def unpack(self, batch):
        if self.predicting and not isinstance(batch, tuple):
            return batch, None, None
        if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
            raise ValueError("a batch must be a tuple (x,), (x, y) or (x, y, sample_weight), got "
                             f"{type(batch).__name__}{'' if not isinstance(batch, tuple) else ' of ' + str(len(batch))}")
        x, y, weights = (tuple(batch) + (None, None))[:3]
        return x, y, weights


class WeightedByClass:
    """A batch source whose batches get ``sample_weight = class_weight[label]``."""

    def __init__(self, source, class_weight):
        self.source, self.class_weight, self.steps = source, class_weight, source.steps

    def epoch(self):
        for x, y, _ in self.source.epoch():
            yield x, y, class_weight_to_sample_weight(y, self.class_weight)


def batches_of(x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None, class_weight=None,
               predicting=False):
    """The batch source for ``x``: in-memory arrays are cut into batches here; a loader or an iterable
    brings its own batches (and then holds the targets and weights itself)."""
    if x is None:
        raise ValueError("x is None: give the input data (arrays, a loader or an iterable of batches)")
    if is_arrays(x):
        source = ArrayBatches(x, y, sample_weight, batch_size, shuffle)
    else:
        if y is not None or sample_weight is not None:
            raise ValueError(f"x is a {type(x).__name__}, which yields its own batches: give y and sample_weight "
                             "through it, not as arguments")
        if not hasattr(x, "__iter__"):
            raise TypeError(f"x must be arrays, a loader or an iterable of batches, got {type(x).__name__}")
        source = StreamBatches(x, steps, predicting)
    return source if class_weight is None else WeightedByClass(source, class_weight)
