"""Batching: ``DataLoader`` cuts arrays into mini-batches, shuffled and augmented per epoch, with a
random state that can be saved to JSON and restored exactly (kill-safe resume)."""

import math

import numpy as np

from .. import backend
from ..layers.base import positive_int


def as_structure(value, name):
    """``value`` with NumPy arrays in the same structure: an array, a list/tuple of arrays
    (several inputs or outputs) or a dict of arrays by name; None stays None."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, dict)) and len(value) == 0:
        raise ValueError(f"DataLoader: {name} is an empty {type(value).__name__}; expected at least one array")
    if isinstance(value, dict):
        return {key: as_samples(a, f"{name}[{key!r}]") for key, a in value.items()}
    if isinstance(value, (list, tuple)):
        return sequence_like(value, (as_samples(a, f"{name}[{i}]") for i, a in enumerate(value)))
    return as_samples(value, name)


def as_samples(a, name):
    """One array with the samples on axis 0."""
    array = backend.to_numpy(a)
    if array.ndim == 0:
        raise ValueError(f"DataLoader: {name} must have the samples on axis 0, got a scalar {array!r}")
    return array


def named_arrays(structure, name):
    """[(name, array), ...] of a structure, named as in the error messages: x, x[0], x['image']."""
    if structure is None:
        return []
    if isinstance(structure, dict):
        return [(f"{name}[{key!r}]", a) for key, a in structure.items()]
    if isinstance(structure, (list, tuple)):
        return [(f"{name}[{i}]", a) for i, a in enumerate(structure)]
    return [(name, structure)]


def count_samples(arrays):
    """The number of samples shared by every (name, array); an error listing them otherwise."""
    counts = {name: len(a) for name, a in arrays}
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{name} has {n}" for name, n in counts.items())
        raise ValueError(f"DataLoader: every array needs the same number of samples: {listed}")
    return next(iter(counts.values()))


def sequence_like(sequence, items):
    """``items`` as a list when ``sequence`` is a list, else as a tuple."""
    return list(items) if isinstance(sequence, list) else tuple(items)


def take(structure, index):
    """The rows ``index`` of every array of a structure (copies), in the same structure."""
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {key: a[index] for key, a in structure.items()}
    if isinstance(structure, (list, tuple)):
        return sequence_like(structure, (a[index] for a in structure))
    return structure[index]


class DataLoader:
    """Mini-batches ``(x_batch, y_batch, sample_weight_batch)``; iterating runs one epoch.

        loader = DataLoader(x, y, batch_size=128, shuffle=True, transform=augment.RandomFlip())
        for epoch in range(epochs):
            for x_batch, y_batch, _ in loader: ...

    x, y, sample_weight: an array, a list/tuple of arrays or a dict of arrays, every array with the
    same number N of samples on axis 0; batches keep that structure (None for y or sample_weight
    when not given) and are NumPy arrays of the data's dtype. Each epoch:

        order = rng.permutation(N) if shuffle else [0, 1, ..., N-1]
        batch b = the samples order[b*B : (b+1)*B]        (B = batch_size)

    the last batch smaller when B does not divide N, or dropped with ``drop_last``: ``len(loader)``
    is ceil(N / B), or floor(N / B) with drop_last. ``transform(x_batch, rng) -> x_batch``
    augments every x batch (the array, or the list/dict when there are several inputs).

    Randomness: the loader owns a NumPy Generator, seeded with ``seed``, or when seed is None with
    a number drawn from minicnn's global generator when the loader is made (so ``mc.set_seed``
    makes runs reproducible). At the start of each epoch, and only then, it draws the permutation
    (when shuffling) and then the seed of that epoch's augmentation generator, which ``transform``
    receives. ``get_state()`` therefore fixes every epoch not yet started, whenever it is called.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, seed=None, drop_last=False,
                 transform=None):
        self.x = as_structure(x, "x")
        self.y = as_structure(y, "y")
        self.sample_weight = as_structure(sample_weight, "sample_weight")
        self.num_samples = count_samples(named_arrays(self.x, "x") + named_arrays(self.y, "y")
                                         + named_arrays(self.sample_weight, "sample_weight"))
        if self.num_samples == 0:
            raise ValueError("DataLoader: x has no samples")
        self.batch_size = positive_int(batch_size, "batch_size", "DataLoader")
        self.shuffle = check_bool(shuffle, "shuffle")
        self.drop_last = check_bool(drop_last, "drop_last")
        if self.drop_last and self.batch_size > self.num_samples:
            raise ValueError(f"DataLoader: drop_last=True with batch_size {self.batch_size} > {self.num_samples} "
                             "samples leaves no batch")
        if transform is not None and not callable(transform):
            raise TypeError(f"DataLoader: transform must be callable as transform(x_batch, rng), got {transform!r}")
        self.transform = transform
        self.seed = check_seed(seed)
        if seed is None:
            seed = int(backend.rng().integers(2**63))
        self.rng = np.random.default_rng(seed)
        self.epoch = 0

    def __len__(self):
        if self.drop_last:
            return self.num_samples // self.batch_size
        return math.ceil(self.num_samples / self.batch_size)

    def __iter__(self):
        """One epoch; its random draws are made here, before the first batch."""
        order = self.rng.permutation(self.num_samples) if self.shuffle else np.arange(self.num_samples)
        augment_rng = np.random.default_rng(self.rng.integers(2**63))
        self.epoch += 1
        return self.batches(order, augment_rng)

    def batches(self, order, augment_rng):
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            index = order[start:start + self.batch_size]
            x = take(self.x, index)
            if self.transform is not None:
                x = self.transform(x, augment_rng)
                if count_samples(named_arrays(x, "transformed x")) != len(index):
                    raise ValueError(f"DataLoader: transform {self.transform!r} changed the number of samples "
                                     f"of a batch of {len(index)}")
            yield x, take(self.y, index), take(self.sample_weight, index)

    def get_state(self):
        """{"epoch": epochs started so far, "rng_state": the Generator's bit_generator.state}, plain
        JSON types. A loader given it with ``set_state`` yields exactly the epochs this one yields next."""
        return {"epoch": self.epoch, "rng_state": self.rng.bit_generator.state}

    def set_state(self, state):
        """Restore what ``get_state`` returned (also after a round trip through JSON)."""
        if not isinstance(state, dict) or set(state) != {"epoch", "rng_state"}:
            raise ValueError(f"DataLoader.set_state: state must be a dict with keys 'epoch' and 'rng_state' "
                             f"(from get_state), got {state!r}")
        epoch = state["epoch"]
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise ValueError(f"DataLoader.set_state: epoch must be a non-negative integer, got {epoch!r}")
        rng = np.random.default_rng()
        try:
            rng.bit_generator.state = state["rng_state"]
        except (TypeError, ValueError, KeyError) as err:
            raise ValueError(f"DataLoader.set_state: rng_state is not the state of a "
                             f"{type(rng.bit_generator).__name__} generator ({err})") from err
        self.rng, self.epoch = rng, int(epoch)


def check_bool(value, argument):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"DataLoader: {argument} must be True or False, got {value!r}")
    return bool(value)


def check_seed(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"DataLoader: seed must be a non-negative integer or None, got {seed!r}")
    return seed
