"""``tf.data``: ``Dataset`` pipelines over in-memory arrays, as the source material builds them
(``Dataset.from_tensor_slices((x, y)).shuffle(1000).map(preprocess).batch(128)``).

A Dataset is a recipe: every ``iter(ds)`` runs it afresh. Elements travel through the pipeline as
NumPy arrays (one array, a tuple or a dict of them, nested as given) and come out of iteration as
minicnn Tensors in the same structure, as TensorFlow yields EagerTensors; ``as_numpy_iterator()``
yields the NumPy arrays. A finite Dataset of (x, y[, sample_weight]) batches is what ``model.fit``,
``evaluate`` and ``predict`` take as an iterable of batches, ``len(ds)`` giving the steps.

Where minicnn differs from TensorFlow, by design:
- ``map`` calls the function eagerly on every element (TensorFlow traces it once into a graph, so
  Python side effects in it run once there, once per element here);
- ``shuffle`` draws from NumPy generators seeded by ``seed`` (or by minicnn's generator,
  ``mc.set_seed``), so its orders are TensorFlow's in distribution, never element for element;
- ``prefetch`` and ``num_parallel_calls`` are accepted and change nothing (no threads).
"""

import itertools
import math

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..keras._subset import DOC, missing

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2

__all__ = ["AUTOTUNE", "Dataset", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY"]


# --- element structures: an array, a tuple or a dict of structures ------------------------------


def map_structure(fn, structure):
    """``fn`` applied to every array of a structure, the structure kept."""
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, s) for key, s in structure.items()}
    return fn(structure)


def flatten(structure):
    """The arrays of a structure, depth first (dicts in their order)."""
    if isinstance(structure, tuple):
        return [a for s in structure for a in flatten(s)]
    if isinstance(structure, dict):
        return [a for s in structure.values() for a in flatten(s)]
    return [structure]


def path_names(structure, prefix="element"):
    """Readable names of a structure's arrays, in ``flatten`` order: element[0], element['x'], ..."""
    if isinstance(structure, tuple):
        return [n for k, s in enumerate(structure) for n in path_names(s, f"{prefix}[{k}]")]
    if isinstance(structure, dict):
        return [n for key, s in structure.items() for n in path_names(s, f"{prefix}[{key!r}]")]
    return [prefix]


def pack_like(structure, arrays):
    """``arrays`` (in ``flatten`` order) put back into ``structure``'s shape."""
    arrays = iter(arrays)
    return map_structure(lambda _: next(arrays), structure)


def as_array(value, what):
    """A value as TensorFlow converts it: Tensors and arrays keep their dtype; Python numbers and
    lists get int32 (int64 when too large) or minicnn's default float dtype (float32)."""
    if isinstance(value, Tensor) or hasattr(value, "dtype"):
        return backend.to_numpy(value)
    if value is None:
        raise TypeError(f"{what} is None; expected an array, a number, or a tuple/dict of them")
    array = np.asarray(value)
    if array.dtype.kind == "f":
        return array.astype(backend.get_default_dtype())
    if array.dtype.kind in "iu":
        fits = array.size == 0 or (array.min() >= -2**31 and array.max() < 2**31)
        return array.astype(np.int32 if fits else np.int64)
    if array.dtype.kind not in "bUS":
        raise TypeError(f"{what} must be an array, a number, or a tuple/dict of them, got {type(value).__name__}")
    return array


def as_structure(value, what):
    """User data as an element structure: tuples (and namedtuples) and dicts are structures, a list
    is one array (``tf.convert_to_tensor`` stacks it), as ``from_tensor_slices`` reads them."""
    if isinstance(value, tuple):
        return tuple(as_structure(v, f"{what}[{k}]") for k, v in enumerate(value))
    if isinstance(value, dict):
        return {key: as_structure(v, f"{what}[{key!r}]") for key, v in value.items()}
    return as_array(value, what)


def map_output(value, what):
    """What a ``map`` function returned, as an element: a list becomes a tuple (as TensorFlow does)."""
    if isinstance(value, list):
        value = tuple(value)
    return as_structure(value, what)


def to_tensors(structure):
    return map_structure(Tensor, structure)


def to_numpy_values(structure):
    """NumPy values as ``EagerTensor.numpy()`` gives them: arrays, and NumPy scalars for 0-d."""
    return map_structure(lambda a: a[()] if a.ndim == 0 else a, structure)


# --- argument checks --------------------------------------------------------------------------


def check_int(value, argument, method, minimum):
    """``value`` as an int >= ``minimum`` (a Python or NumPy integer, or a one-element integer Tensor)."""
    if isinstance(value, Tensor) and value.size == 1 and value.dtype.kind in "iu":
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"Dataset.{method}: {argument} must be {expected}, got {value!r}")
    return int(value)


def check_count(count, argument, method):
    """A count where any negative number means "all" (TensorFlow's -1); None also for repeat."""
    if count is None:
        return -1
    if isinstance(count, Tensor) and count.size == 1 and count.dtype.kind in "iu":
        count = count.item()
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)):
        raise ValueError(f"Dataset.{method}: {argument} must be an integer (-1 for all), got {count!r}")
    return max(int(count), -1)


def check_seed(seed):
    if seed is None:
        return int(backend.rng().integers(2**63))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Dataset.shuffle: seed must be an integer or None, got {seed!r}")
    return int(seed) % 2**64


def check_bool(value, argument, method):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Dataset.{method}: {argument} must be True or False, got {value!r}")
    return bool(value)


def check_parallel_calls(num_parallel_calls, method):
    """None, AUTOTUNE (-1) or a positive integer; accepted, and the elements are the same."""
    if num_parallel_calls is not None and num_parallel_calls != AUTOTUNE:
        check_int(num_parallel_calls, "num_parallel_calls", method, 1)


# --- the elements of each transformation ------------------------------------------------------


def slices(tensors, n):
    for i in range(n):
        yield map_structure(lambda a: a[i].copy(), tensors)


def shuffled(elements, buffer_size, rng):
    """TensorFlow's buffered shuffle: fill a buffer with the first ``buffer_size`` elements, then
    repeatedly emit a uniformly chosen one and put the next input element in its place; when the
    input is exhausted, emit the rest of the buffer in uniformly random order. Element k of the
    output is therefore one of the input's first k + buffer_size."""
    buffer = list(itertools.islice(elements, buffer_size))
    uniforms = iter(())
    while buffer:
        u = next(uniforms, None)
        if u is None:
            uniforms = iter(rng.random(1024).tolist())
            u = next(uniforms)
        i = int(u * len(buffer))
        chosen = buffer[i]
        replacement = next(elements, None)
        if replacement is None:
            buffer[i] = buffer[-1]
            buffer.pop()
        else:
            buffer[i] = replacement
        yield chosen


def batched(elements, batch_size, drop_remainder):
    while True:
        group = list(itertools.islice(elements, batch_size))
        if not group or (drop_remainder and len(group) < batch_size):
            return
        yield stack(group)


def stack(group):
    """Elements of one structure stacked on a new axis 0, leaf by leaf."""
    columns = list(zip(*(flatten(element) for element in group)))
    names = path_names(group[0])
    arrays = []
    for name, column in zip(names, columns):
        shapes = {a.shape for a in column}
        if len(shapes) > 1:
            raise ValueError(f"Dataset.batch: cannot batch elements whose {name} have different shapes "
                             f"{sorted(shapes)}; make them equal (for example with map) before batching")
        arrays.append(np.stack(column))
    return pack_like(group[0], arrays)


def mapped(elements, map_func):
    for element in elements:
        arguments = to_tensors(element)
        result = map_func(*arguments) if isinstance(arguments, tuple) else map_func(arguments)
        yield map_output(result, "the value map_func returned")


def repeated(make_elements, count):
    for _ in (itertools.count() if count == -1 else range(count)):
        empty = True
        for element in make_elements():
            empty = False
            yield element
        if empty:  # an empty dataset repeated forever is still empty
            return


# --- cardinality arithmetic (-1 infinite, -2 unknown) -----------------------------------------


def batched_cardinality(n, batch_size, drop_remainder):
    if n < 0:
        return n
    return n // batch_size if drop_remainder else math.ceil(n / batch_size)


def repeated_cardinality(n, count):
    if n == 0 or count == 0:
        return 0
    if n == UNKNOWN_CARDINALITY:
        return UNKNOWN_CARDINALITY
    return INFINITE_CARDINALITY if count == -1 or n == INFINITE_CARDINALITY else n * count


def taken_cardinality(n, count):
    if count == -1:
        return n
    return count if n == INFINITE_CARDINALITY else n if n == UNKNOWN_CARDINALITY else min(n, count)


def skipped_cardinality(n, count):
    if n < 0:
        return n
    return 0 if count == -1 else max(n - count, 0)


class Dataset:
    """A pipeline of elements, as ``tf.data.Dataset``: made with ``Dataset.from_tensor_slices`` and
    transformed by methods that each return a new Dataset (the old one is unchanged).

        ds = Dataset.from_tensor_slices((x, y))               # element i: (x[i], y[i])
        ds = ds.shuffle(1000).map(preprocess).batch(128)      # element b: (x batch, y batch)
        for x_batch, y_batch in ds: ...                       # minicnn Tensors; a new pass each time

    ``cardinality()`` is the number of elements (INFINITE_CARDINALITY = -1 after ``repeat()``);
    ``len(ds)`` is it for a finite dataset and a TypeError otherwise, as in TensorFlow.
    """

    def __init__(self, make_elements, cardinality):
        """Internal: ``make_elements()`` returns a fresh iterator over the elements (NumPy structures)."""
        self._make_elements = make_elements
        self._cardinality = cardinality

    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """A dataset of the slices of ``tensors`` along axis 0: element i is ``tensors[i]``, or
        ``(x[i], y[i])`` for a tuple, ``{key: d[key][i]}`` for a dict (nested as given). Every array
        needs the same size N >= 0 on axis 0; arrays keep their dtype, Python numbers and lists
        become int32 or float32 as in TensorFlow. Cardinality N."""
        structure = as_structure(tensors, "tensors")
        arrays, names = flatten(structure), path_names(structure, "tensors")
        for array, array_name in zip(arrays, names):
            if array.ndim == 0:
                raise ValueError(f"Dataset.from_tensor_slices: {array_name} is a scalar; slicing needs arrays "
                                 "of rank >= 1 (the elements along axis 0)")
        sizes = {array_name: len(array) for array, array_name in zip(arrays, names)}
        if len(set(sizes.values())) > 1:
            listed = ", ".join(f"{key} has {n}" for key, n in sizes.items())
            raise ValueError(f"Dataset.from_tensor_slices: every array needs the same size on axis 0: {listed}")
        n = len(arrays[0])
        return Dataset(lambda: slices(structure, n), n)

    # --- iteration ----------------------------------------------------------------------------
    def __iter__(self):
        """One pass over the elements, each a minicnn Tensor (or a tuple/dict of them)."""
        return (to_tensors(element) for element in self._make_elements())

    def as_numpy_iterator(self):
        """One pass over the elements as NumPy values (arrays; NumPy scalars for 0-d elements)."""
        return (to_numpy_values(element) for element in self._make_elements())

    def cardinality(self):
        """The number of elements as a 0-d int64 Tensor; INFINITE_CARDINALITY (-1) when endless."""
        return Tensor(np.array(self._cardinality, dtype=np.int64))

    def __len__(self):
        if self._cardinality == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite. (model.fit/evaluate/predict: give steps_per_epoch or steps)")
        if self._cardinality == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return self._cardinality

    def __bool__(self):
        return True  # as TensorFlow's: a dataset is true even when empty

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"Dataset.{name} is not in minicnn's tf.data subset ({DOC} lists it): from_tensor_slices, "
                             "shuffle, batch, map, repeat, take, skip, prefetch, cache, cardinality, "
                             "as_numpy_iterator")

    def __repr__(self):
        n = {INFINITE_CARDINALITY: "infinite", UNKNOWN_CARDINALITY: "unknown"}.get(self._cardinality,
                                                                                  self._cardinality)
        return f"<Dataset cardinality={n}>"

    # --- transformations ----------------------------------------------------------------------
    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Elements in random order through a buffer of ``buffer_size`` (see ``shuffled``): a buffer at
        least the dataset's size gives a uniform permutation, a smaller one only mixes neighbours.
        Each pass draws a new order when ``reshuffle_each_iteration`` (pass k uses the generator
        seeded [seed, k]), else repeats the first pass's order. seed None: drawn now from minicnn's
        generator (``mc.set_seed`` makes it reproducible)."""
        buffer_size = check_int(buffer_size, "buffer_size", "shuffle", 1)
        seed = check_seed(seed)
        reshuffle = check_bool(True if reshuffle_each_iteration is None else reshuffle_each_iteration,
                               "reshuffle_each_iteration", "shuffle")
        passes = itertools.count()

        def make_elements():
            rng = np.random.default_rng([seed, next(passes) if reshuffle else 0])
            return shuffled(self._make_elements(), buffer_size, rng)
        return Dataset(make_elements, self._cardinality)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        """Consecutive elements stacked on a new axis 0, ``batch_size`` at a time; the last batch is
        smaller, or dropped with ``drop_remainder``. Cardinality ceil(N / B) (floor with drop_remainder)."""
        batch_size = check_int(batch_size, "batch_size", "batch", 1)
        drop_remainder = check_bool(drop_remainder, "drop_remainder", "batch")
        check_parallel_calls(num_parallel_calls, "batch")
        return Dataset(lambda: batched(self._make_elements(), batch_size, drop_remainder),
                       batched_cardinality(self._cardinality, batch_size, drop_remainder))

    def map(self, map_func, num_parallel_calls=None, deterministic=None, synchronous=None,
            use_unbounded_threadpool=False, name=None):
        """``map_func`` applied to each element, given as Tensors: ``map_func(x, y)`` for a tuple
        element, ``map_func(d)`` for a dict, ``map_func(x)`` otherwise. It may return Tensors, arrays
        or numbers, in a tuple (a list counts as one) or a dict."""
        if not callable(map_func):
            raise TypeError(f"Dataset.map: map_func must be callable, got {map_func!r}")
        check_parallel_calls(num_parallel_calls, "map")
        return Dataset(lambda: mapped(self._make_elements(), map_func), self._cardinality)

    def repeat(self, count=None, name=None):
        """The dataset ``count`` times over (None or -1: forever), each pass made afresh (a shuffle
        before it reshuffles). Cardinality N * count, or INFINITE_CARDINALITY."""
        count = check_count(count, "count", "repeat")
        return Dataset(lambda: repeated(self._make_elements, count), repeated_cardinality(self._cardinality, count))

    def take(self, count, name=None):
        """The first ``count`` elements (-1: all)."""
        count = check_count(count, "count", "take")
        return Dataset(lambda: itertools.islice(self._make_elements(), None if count == -1 else count),
                       taken_cardinality(self._cardinality, count))

    def skip(self, count, name=None):
        """All but the first ``count`` elements (-1: skip all)."""
        count = check_count(count, "count", "skip")

        def make_elements():
            elements = self._make_elements()
            if count == -1:
                for _ in elements:
                    pass
                return iter(())
            return itertools.islice(elements, count, None)
        return Dataset(make_elements, skipped_cardinality(self._cardinality, count))

    def prefetch(self, buffer_size, name=None):
        """The same elements (TensorFlow prepares them ahead on a thread; minicnn has no threads)."""
        check_int(buffer_size, "buffer_size", "prefetch", AUTOTUNE)
        return Dataset(self._make_elements, self._cardinality)

    def cache(self, filename="", name=None):
        """The same elements, kept in memory by the first complete pass and replayed by every later
        one (so a shuffle or random map before ``cache`` is frozen, as in TensorFlow). A pass that
        stops early keeps nothing. Only the in-memory cache: a ``filename`` is refused."""
        if filename != "":
            raise ValueError(f"Dataset.cache: filename={filename!r}: minicnn caches in memory only; "
                             "leave filename empty")
        kept = []

        def make_elements():
            if kept:
                return iter(kept[0])
            return recorded(self._make_elements(), kept)
        return Dataset(make_elements, self._cardinality)


def recorded(elements, kept):
    """``elements`` passed through; the list of them is appended to ``kept`` once they all went by."""
    seen = []
    for element in elements:
        seen.append(element)
        yield element
    if not kept:
        kept.append(seen)


__getattr__ = missing("tf.data")
