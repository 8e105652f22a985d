"""minicnn.tf.data.Dataset: every deterministic pipeline (slicing, batching, drop_remainder, map,
repeat, take, skip, cache, prefetch, cardinality, len) against real tf.data on the same code; the
buffered shuffle by its properties (a permutation, local within the buffer as TensorFlow's is,
reshuffled per pass, reproducible under a seed, uniform where it must be); Tensors out of
iteration; and model.fit / evaluate / predict fed a Dataset."""

import re

import numpy as np
import pytest

import minicnn as mc
import minicnn.tf as mtf
from minicnn.tf.data import Dataset

N = 7
DRAWS = np.random.default_rng(0)
X = DRAWS.standard_normal((N, 3)).astype(np.float32)
X64 = DRAWS.standard_normal((N, 2, 2)).astype(np.float64)
IMAGES = DRAWS.integers(0, 256, (N, 4, 4, 1)).astype(np.uint8)
Y = np.arange(N, dtype=np.int64)
W = np.linspace(0.5, 2.0, N).astype(np.float32)


# map functions written once, run by TensorFlow on its tensors and by minicnn on its Tensors
def scale_and_shift(x, y):
    return x * 2.0 - 1.0, y


def first_only(x, y):
    return x


def as_list(x, y):
    return [y, x]


def image_of(d):
    return d["image"]


def with_constants(x):
    return x, 1, 2.5


def swap_nested(pair, y):
    return y, pair[1], pair[0]


PIPELINES = {  # name: (data, build(module, dataset) -> dataset)
    "array-float32": (X, lambda m, d: d),
    "array-float64-batch3": (X64, lambda m, d: d.batch(3)),
    "uint8-images-batch2": (IMAGES, lambda m, d: d.batch(2)),
    "python-ints": ([3, 1, 4, 1, 5], lambda m, d: d),
    "python-floats-batch2": ([0.5, 1.5, 2.5], lambda m, d: d.batch(2)),
    "tuple-batch3": ((X, Y), lambda m, d: d.batch(3)),
    "tuple-batch3-drop": ((X, Y), lambda m, d: d.batch(3, drop_remainder=True)),
    "tuple-batch1": ((X, Y), lambda m, d: d.batch(1)),
    "tuple-batch-larger-than-data": ((X, Y), lambda m, d: d.batch(10)),
    "tuple-batch-larger-drop": ((X, Y), lambda m, d: d.batch(10, drop_remainder=True)),
    "xyw-batch4": ((X, Y, W), lambda m, d: d.batch(4)),
    "dict-batch2": ({"image": IMAGES, "label": Y}, lambda m, d: d.batch(2)),
    "nested-tuple-batch5": (((X, X64), Y), lambda m, d: d.batch(5)),
    "map-then-batch": ((X, Y), lambda m, d: d.map(scale_and_shift).batch(3)),
    "batch-then-map": ((X, Y), lambda m, d: d.batch(3).map(scale_and_shift)),
    "map-drop-y": ((X, Y), lambda m, d: d.map(first_only).batch(2)),
    "map-returns-list": ((X, Y), lambda m, d: d.map(as_list)),
    "map-returns-constants": (X, lambda m, d: d.map(with_constants).batch(3)),
    "map-dict": ({"image": IMAGES, "label": Y}, lambda m, d: d.map(image_of)),
    "map-nested": (((X, X64), Y), lambda m, d: d.map(swap_nested)),
    "repeat2-batch4-crosses-passes": ((X, Y), lambda m, d: d.repeat(2).batch(4)),
    "batch4-repeat3": ((X, Y), lambda m, d: d.batch(4).repeat(3)),
    "repeat0": (X, lambda m, d: d.repeat(0)),
    "repeat-forever-take10": (X, lambda m, d: d.repeat().take(10)),
    "skip2-take3": ((X, Y), lambda m, d: d.skip(2).take(3)),
    "take-more-than-size": (X, lambda m, d: d.take(20)),
    "take-minus1": (X, lambda m, d: d.take(-1)),
    "take0": (X, lambda m, d: d.take(0)),
    "skip-minus1": (X, lambda m, d: d.skip(-1)),
    "skip-past-end": (X, lambda m, d: d.skip(20)),
    "cache-prefetch-autotune": ((X, Y), lambda m, d: d.map(scale_and_shift).cache().prefetch(m.data.AUTOTUNE)),
    "prefetch2-batch2": (X, lambda m, d: d.prefetch(2).batch(2)),
    "shuffle-buffer1-is-identity": ((X, Y), lambda m, d: d.shuffle(1).batch(3)),
    "empty-repeated-forever": (X, lambda m, d: d.take(0).repeat()),
}


def assert_same_elements(ours, theirs, what):
    assert len(ours) == len(theirs), f"{what}: {len(ours)} elements, TensorFlow gives {len(theirs)}"
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert_same_structure(a, b, f"{what}, element {k}")


def assert_same_structure(a, b, what):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b), \
            f"{what}: {type(a).__name__} vs TensorFlow's tuple of {len(b)}"
        for k, (u, v) in enumerate(zip(a, b)):
            assert_same_structure(u, v, f"{what}[{k}]")
    elif isinstance(b, dict):
        assert isinstance(a, dict) and list(a) == list(b), f"{what}: {a!r} vs TensorFlow's keys {list(b)}"
        for key in b:
            assert_same_structure(a[key], b[key], f"{what}[{key!r}]")
    else:
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype, f"{what}: dtype {a.dtype}, TensorFlow {b.dtype}"
        assert a.shape == b.shape, f"{what}: shape {a.shape}, TensorFlow {b.shape}"
        assert np.array_equal(a, b), f"{what}: values differ by up to {np.max(np.abs(a - b))}"


def build_both(tf, name):
    data, build = PIPELINES[name]
    ours = build(mtf, Dataset.from_tensor_slices(data))
    theirs = build(tf, tf.data.Dataset.from_tensor_slices(data))
    return ours, theirs


@pytest.mark.parametrize("name", PIPELINES)
def test_elements_match_tensorflow(tf, name):
    ours, theirs = build_both(tf, name)
    assert_same_elements(list(ours.as_numpy_iterator()), list(theirs.as_numpy_iterator()), name)


@pytest.mark.parametrize("name", PIPELINES)
def test_cardinality_and_len_match_tensorflow(tf, name):
    ours, theirs = build_both(tf, name)
    expected = int(theirs.cardinality())
    got = ours.cardinality()
    assert isinstance(got, mc.Tensor) and got.dtype == np.int64 and got.shape == (), f"{name}: {got!r}"
    assert got.item() == expected, f"{name}: cardinality {got.item()}, TensorFlow {expected}"
    if expected >= 0:
        assert len(ours) == len(theirs) == expected, f"{name}: len {len(ours)}, TensorFlow {len(theirs)}"
    else:
        with pytest.raises(TypeError) as theirs_error:
            len(theirs)
        with pytest.raises(TypeError) as ours_error:
            len(ours)
        assert str(ours_error.value).startswith(str(theirs_error.value)), f"{name}: {ours_error.value}"


@pytest.mark.parametrize("name", ["tuple-batch3", "dict-batch2", "map-nested", "array-float32"])
def test_iteration_yields_minicnn_tensors_with_the_numpy_values(name):
    data, build = PIPELINES[name]
    ds = build(mtf, Dataset.from_tensor_slices(data))
    for element, values in zip(ds, ds.as_numpy_iterator()):
        assert_tensors_hold(element, values, name)


def assert_tensors_hold(element, values, what):
    if isinstance(values, tuple):
        assert isinstance(element, tuple), f"{what}: {type(element).__name__}, expected a tuple"
        for e, v in zip(element, values):
            assert_tensors_hold(e, v, what)
    elif isinstance(values, dict):
        assert isinstance(element, dict) and list(element) == list(values), what
        for key in values:
            assert_tensors_hold(element[key], values[key], what)
    else:
        assert isinstance(element, mc.Tensor), f"{what}: {type(element).__name__}, expected a minicnn Tensor"
        assert element.dtype == np.asarray(values).dtype and np.array_equal(element.numpy(), values), what


def test_a_scalar_element_is_a_numpy_scalar_in_as_numpy_iterator_and_a_0d_tensor_in_iteration(tf):
    ours = Dataset.from_tensor_slices(Y)
    theirs = tf.data.Dataset.from_tensor_slices(Y)
    first, reference = next(ours.as_numpy_iterator()), next(theirs.as_numpy_iterator())
    assert type(first) is type(reference) is np.int64, f"{type(first)} vs TensorFlow {type(reference)}"
    tensor = next(iter(ours))
    assert isinstance(tensor, mc.Tensor) and tensor.shape == () and tensor.item() == 0


def test_constants_match_tensorflow(tf):
    assert (mtf.data.AUTOTUNE, mtf.data.INFINITE_CARDINALITY, mtf.data.UNKNOWN_CARDINALITY) == \
        (tf.data.AUTOTUNE, tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY)
    assert mtf.data.Dataset is Dataset


def test_an_empty_dataset_is_still_true(tf):
    assert bool(Dataset.from_tensor_slices(X).take(0)) is bool(tf.data.Dataset.from_tensor_slices(X).take(0)) is True


def test_each_iteration_is_a_new_pass():
    ds = Dataset.from_tensor_slices((X, Y)).batch(3)
    first, second = list(ds.as_numpy_iterator()), list(ds.as_numpy_iterator())
    assert_same_elements(first, second, "second pass")


def test_elements_are_copies_of_the_sliced_arrays():
    x = X.copy()
    element = next(iter(Dataset.from_tensor_slices(x)))
    element.data[...] = 99
    assert np.array_equal(x, X), "writing into an element changed the array it was sliced from"


def test_map_receives_minicnn_tensors_unpacked_from_tuples():
    seen = []

    def record(x, y):
        seen.append((type(x), type(y), x.shape, y.shape))
        return x

    list(Dataset.from_tensor_slices((X, Y)).map(record).as_numpy_iterator())
    assert seen == [(mc.Tensor, mc.Tensor, (3,), ())] * N, seen[:2]


def test_map_runs_eagerly_once_per_element_each_pass():
    calls = []
    ds = Dataset.from_tensor_slices(X).map(lambda x: calls.append(1) or x)
    list(ds)
    list(ds)
    assert len(calls) == 2 * N, f"map_func ran {len(calls)} times over two passes of {N} elements"


# --- shuffle -----------------------------------------------------------------------------------


def orders(ds, passes):
    return [list(ds.as_numpy_iterator()) for _ in range(passes)]


SHUFFLES = {"n1-buffer1": (1, 1), "n7-buffer3": (7, 3), "n7-buffer6": (7, 6), "n7-buffer7": (7, 7),
            "n7-buffer100": (7, 100), "n50-buffer7": (50, 7), "n50-buffer1": (50, 1)}


@pytest.mark.parametrize("n, buffer_size", SHUFFLES.values(), ids=SHUFFLES.keys())
def test_shuffle_is_a_permutation_local_within_the_buffer_as_tensorflows(tf, n, buffer_size):
    """Element k of a pass is one of the first k + buffer_size inputs (TensorFlow's too)."""
    for seed in range(5):
        passes = [(list(Dataset.from_tensor_slices(np.arange(n)).shuffle(buffer_size, seed=seed)
                        .as_numpy_iterator()), "minicnn"),
                  (list(tf.data.Dataset.from_tensor_slices(np.arange(n)).shuffle(buffer_size, seed=seed)
                        .as_numpy_iterator()), "TensorFlow")]
        for order, who in passes:
            assert sorted(order) == list(range(n)), f"{who}, seed {seed}: not a permutation: {order}"
            ahead = max(int(value) - k for k, value in enumerate(order))
            assert ahead <= buffer_size - 1, \
                f"{who}, seed {seed}: an element came {ahead} places early with buffer_size {buffer_size}: {order}"


def test_a_small_buffer_gives_a_uniform_first_element_among_the_first_buffer_size():
    n, buffer_size, passes = 10, 4, 4000
    ds = Dataset.from_tensor_slices(np.arange(n)).shuffle(buffer_size, seed=3).repeat(passes).batch(n)
    firsts = np.array([batch[0] for batch in ds.as_numpy_iterator()])
    for value in range(n):
        frequency = np.mean(firsts == value)
        expected = 1 / buffer_size if value < buffer_size else 0.0
        assert abs(frequency - expected) < 0.03, \
            f"first element {value} in {frequency:.3f} of {passes} passes, expected {expected}"


def test_a_full_buffer_gives_every_position_every_element_equally_often():
    n, passes = 6, 3000
    ds = Dataset.from_tensor_slices(np.arange(n)).shuffle(n, seed=4).repeat(passes).batch(n)
    counts = np.zeros((n, n))
    for order in ds.as_numpy_iterator():
        counts[np.arange(n), order] += 1
    frequencies = counts / passes
    worst = np.max(np.abs(frequencies - 1 / n))
    assert worst < 0.03, f"P(position, element) deviates from 1/{n} by {worst:.3f}:\n{frequencies.round(3)}"


def test_shuffle_draws_a_new_order_each_pass_and_inside_repeat(tf):
    ours = Dataset.from_tensor_slices(np.arange(20)).shuffle(20, seed=1)
    first, second = orders(ours, 2)
    assert first != second, "two passes of shuffle(reshuffle_each_iteration=True) gave the same order"
    repeated = [int(v) for v in Dataset.from_tensor_slices(np.arange(20)).shuffle(20, seed=1).repeat(2)
                .as_numpy_iterator()]
    assert repeated[:20] != repeated[20:], "shuffle().repeat(2) repeated the same order"
    theirs = orders(tf.data.Dataset.from_tensor_slices(np.arange(20)).shuffle(20, seed=1), 2)
    assert theirs[0] != theirs[1], "TensorFlow's reference behaviour changed"


def test_shuffle_without_reshuffle_repeats_its_order(tf):
    for module, name in ((mtf, "minicnn"), (tf, "TensorFlow")):
        ds = module.data.Dataset.from_tensor_slices(np.arange(20)).shuffle(20, seed=1, reshuffle_each_iteration=False)
        first, second = orders(ds, 2)
        assert first == second, f"{name}: reshuffle_each_iteration=False changed the order between passes"
        assert first != list(range(20)), f"{name}: the order was not shuffled"


def test_shuffle_is_reproducible_under_a_seed_and_under_set_seed():
    def passes(seed):
        return orders(Dataset.from_tensor_slices(np.arange(30)).shuffle(10, seed=seed), 3)
    assert passes(5) == passes(5), "the same seed gave different orders"
    assert passes(5) != passes(6), "seeds 5 and 6 gave the same orders"
    mc.set_seed(11)
    first = orders(Dataset.from_tensor_slices(np.arange(30)).shuffle(10), 3)
    mc.set_seed(11)
    again = orders(Dataset.from_tensor_slices(np.arange(30)).shuffle(10), 3)
    assert first == again, "mc.set_seed did not make shuffle(seed=None) reproducible"


def test_shuffle_keeps_the_parts_of_an_element_together():
    ds = Dataset.from_tensor_slices({"x": X, "y": Y, "w": W}).shuffle(4, seed=0).batch(3)
    for batch in ds.as_numpy_iterator():
        assert np.array_equal(batch["x"], X[batch["y"]]) and np.array_equal(batch["w"], W[batch["y"]])


def test_cache_freezes_a_shuffle_before_it_as_tensorflow_does(tf):
    for module, name in ((mtf, "minicnn"), (tf, "TensorFlow")):
        ds = module.data.Dataset.from_tensor_slices(np.arange(20)).shuffle(20, seed=2).cache()
        first, second = orders(ds, 2)
        assert first == second, f"{name}: the second pass of a cached shuffle differs from the first"


def test_cache_keeps_nothing_from_a_pass_that_stops_early():
    ds = Dataset.from_tensor_slices(np.arange(20)).shuffle(20, seed=2).cache()
    assert len(list(ds.take(3).as_numpy_iterator())) == 3
    first, second = orders(ds, 2)
    assert len(first) == 20 and sorted(first) == list(range(20)), f"the pass after a partial one gave {first}"
    assert first == second, "a full pass after a partial one was not cached"


# --- errors ------------------------------------------------------------------------------------


ERRORS = {
    "scalar": (lambda: Dataset.from_tensor_slices(np.float32(3)), ValueError, "rank >= 1"),
    "sizes-differ": (lambda: Dataset.from_tensor_slices((X, Y[:4])), ValueError, "tensors[1] has 4"),
    "none-part": (lambda: Dataset.from_tensor_slices((X, None)), TypeError, "tensors[1] is None"),
    "shuffle-buffer0": (lambda: Dataset.from_tensor_slices(X).shuffle(0), ValueError, "buffer_size"),
    "shuffle-seed-float": (lambda: Dataset.from_tensor_slices(X).shuffle(3, seed=1.5), ValueError, "seed"),
    "batch0": (lambda: Dataset.from_tensor_slices(X).batch(0), ValueError, "batch_size must be a positive"),
    "batch-float": (lambda: Dataset.from_tensor_slices(X).batch(2.5), ValueError, "got 2.5"),
    "drop-remainder-str": (lambda: Dataset.from_tensor_slices(X).batch(2, drop_remainder="yes"), TypeError,
                           "drop_remainder"),
    "repeat-float": (lambda: Dataset.from_tensor_slices(X).repeat(2.5), ValueError, "count"),
    "map-not-callable": (lambda: Dataset.from_tensor_slices(X).map(3), TypeError, "map_func"),
    "prefetch-minus2": (lambda: Dataset.from_tensor_slices(X).prefetch(-2), ValueError, "buffer_size"),
    "cache-to-file": (lambda: Dataset.from_tensor_slices(X).cache("/tmp/cache"), ValueError, "filename"),
    "method-outside-the-subset": (lambda: Dataset.from_tensor_slices(X).filter(bool), AttributeError,
                                  "Dataset.filter is not in minicnn's tf.data subset"),
    "name-outside-the-subset": (lambda: mtf.data.experimental, AttributeError, "tf.data.experimental is not in"),
    "ragged-batch": (lambda: list(Dataset.from_tensor_slices(np.arange(4)).map(lambda v: np.zeros(int(v.item())))
                                  .batch(2)), ValueError, "different shapes"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_bad_input_is_refused_naming_it(name):
    make, error, words = ERRORS[name]
    with pytest.raises(error, match=re.escape(words)):
        make()


# --- model.fit / evaluate / predict -----------------------------------------------------------


def small_model(seed):
    mc.set_seed(seed)
    model = mc.Sequential([mc.layers.Dense(8, activation="relu", input_shape=(3,)), mc.layers.Dense(2)])
    model.compile(mc.optimizers.SGD(0.1), mc.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def labelled(n=40):
    draws = np.random.default_rng(8)
    x = draws.standard_normal((n, 3)).astype(np.float32)
    return x, (x.sum(axis=1) > 0).astype(np.int64)


@pytest.mark.parametrize("batch_size", [1, 16, 40])
def test_fit_on_a_dataset_equals_fit_on_the_same_batches_of_arrays(batch_size):
    x, y = labelled()
    on_arrays, on_dataset = small_model(0), small_model(0)
    expected = on_arrays.fit(x, y, batch_size=batch_size, epochs=2, shuffle=False, verbose=0).history
    got = on_dataset.fit(Dataset.from_tensor_slices((x, y)).batch(batch_size), epochs=2, verbose=0).history
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-6, err_msg=f"batch {batch_size}: {key}")
    for a, b in zip(on_dataset.get_weights(), on_arrays.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, err_msg=f"batch {batch_size}: weights")


def test_evaluate_and_predict_on_a_dataset_equal_them_on_arrays():
    x, y = labelled()
    model = small_model(1)
    ds = Dataset.from_tensor_slices((x, y)).batch(16)
    np.testing.assert_allclose(model.evaluate(ds, verbose=0), model.evaluate(x, y, batch_size=16, verbose=0),
                               rtol=1e-6)
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(mc.to_numpy(model.predict(ds, verbose=0)), expected, rtol=1e-6)
    inputs_only = Dataset.from_tensor_slices(x).batch(7)
    np.testing.assert_allclose(mc.to_numpy(model.predict(inputs_only, verbose=0)), expected, rtol=1e-6)


def test_fit_takes_a_weighted_shuffled_and_an_endless_dataset():
    x, y = labelled()
    model = small_model(2)
    weighted = Dataset.from_tensor_slices((x, y, np.ones(len(x), np.float32))).shuffle(40, seed=0).batch(8)
    history = model.fit(weighted, epochs=2, verbose=0).history
    assert len(history["loss"]) == 2 and np.all(np.isfinite(history["loss"]))
    endless = Dataset.from_tensor_slices((x, y)).shuffle(10, seed=0).batch(8).repeat()
    history = model.fit(endless, epochs=2, steps_per_epoch=3, verbose=0).history
    assert len(history["loss"]) == 2 and np.all(np.isfinite(history["loss"]))


def test_the_source_materials_cifar_pipeline():
    """Seed 001: from_tensor_slices((x, y)).shuffle(1000).map(preprocess).batch(128), then next(iter(...))."""
    draws = np.random.default_rng(0)
    x = draws.integers(0, 256, (300, 32, 32, 3)).astype(np.float32)
    y = draws.integers(0, 10, 300)

    def preprocess(x, y):
        return 2 * x / 255. - 1, y

    train_db = Dataset.from_tensor_slices((x, y)).shuffle(1000).map(preprocess).batch(128)
    sample = next(iter(train_db))
    assert sample[0].shape == (128, 32, 32, 3) and sample[1].shape == (128,)
    assert sample[0].dtype == np.float32 and -1.0 <= float(sample[0].numpy().min()) and \
        float(sample[0].numpy().max()) <= 1.0
    assert len(train_db) == 3
    seen = np.concatenate([b for _, b in train_db.as_numpy_iterator()])
    assert sorted(seen) == sorted(y), "an epoch of the pipeline did not hold every label once"
