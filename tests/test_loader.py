"""minicnn.data.DataLoader: batch sizes and contents, structures (several inputs/outputs, dicts),
shuffling per epoch, reproducibility under a seed and ``mc.set_seed``, exact resume through
get_state/set_state (also through JSON and from the middle of an epoch), and the rejected inputs."""

import json

import numpy as np
import pytest

import minicnn as mc
from minicnn.data.augment import Compose, RandomCrop, RandomFlip
from minicnn.data.loader import DataLoader


def dataset(n):
    """Sample i: an image filled with i, the label 10 i and the weight i / 100, so rows can be traced."""
    ids = np.arange(n)
    x = np.ones((n, 2, 2, 3), dtype=np.float32) * ids.reshape(n, 1, 1, 1)
    return x, 10 * ids, ids / 100


def ids_of(x_batch):
    return x_batch[:, 0, 0, 0].astype(int)


def run_epochs(loader, count):
    """``count`` epochs, each a list of its batches."""
    return [list(loader) for _ in range(count)]


def assert_same_epochs(actual, expected, what):
    assert len(actual) == len(expected), f"{what}: {len(actual)} epochs, expected {len(expected)}"
    for e, (got, want) in enumerate(zip(actual, expected)):
        assert len(got) == len(want), f"{what}: epoch {e} has {len(got)} batches, expected {len(want)}"
        for b, (batch, reference) in enumerate(zip(got, want)):
            for part, a, r in zip(("x", "y", "sample_weight"), batch, reference):
                assert np.array_equal(a, r), f"{what}: epoch {e}, batch {b}, {part} differs"


# --- batching ----------------------------------------------------------------------------------

SIZES = {  # name: (samples, batch_size, drop_last, expected batch sizes)
    "remainder": (10, 4, False, [4, 4, 2]),
    "remainder-dropped": (10, 4, True, [4, 4]),
    "exact": (10, 5, False, [5, 5]),
    "exact-drop_last": (10, 5, True, [5, 5]),
    "batch-1": (3, 1, False, [1, 1, 1]),
    "one-sample": (1, 1, True, [1]),
    "batch-larger-than-data": (7, 32, False, [7]),
}


@pytest.mark.parametrize("n, batch_size, drop_last, sizes", SIZES.values(), ids=SIZES.keys())
def test_batches_in_order(n, batch_size, drop_last, sizes):
    x, y, w = dataset(n)
    loader = DataLoader(x, y, w, batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches) == len(sizes), \
        f"len(loader)={len(loader)}, {len(batches)} batches, expected {len(sizes)}"
    assert [len(b[0]) for b in batches] == sizes
    ids = np.concatenate([ids_of(b[0]) for b in batches])
    np.testing.assert_array_equal(ids, np.arange(sum(sizes)))
    for x_batch, y_batch, w_batch in batches:
        assert x_batch.dtype == x.dtype and x_batch.shape[1:] == x.shape[1:]
        np.testing.assert_array_equal(y_batch, 10 * ids_of(x_batch))
        np.testing.assert_array_equal(w_batch, ids_of(x_batch) / 100)


def test_without_targets_or_weights():
    x, _, _ = dataset(5)
    for x_batch, y_batch, w_batch in DataLoader(x, batch_size=2):
        assert isinstance(x_batch, np.ndarray) and y_batch is None and w_batch is None


def test_batches_are_copies():
    x, y, _ = dataset(6)
    x_batch, _, _ = next(iter(DataLoader(x, y, batch_size=3)))
    x_batch += 100
    np.testing.assert_array_equal(x, dataset(6)[0])


STRUCTURES = {  # name: how several arrays are passed
    "list": lambda a, b: [a, b],
    "tuple": lambda a, b: (a, b),
    "dict": lambda a, b: {"image": a, "extra": b},
}


@pytest.mark.parametrize("structure", STRUCTURES.values(), ids=STRUCTURES.keys())
def test_several_inputs_and_outputs_keep_their_structure(structure):
    x, y, w = dataset(9)
    extra = np.arange(9)[:, None] * np.array([[1, -1]])              # another input, another shape
    inputs, targets = structure(x, extra), structure(y, y.astype(np.float32) / 2)
    batches = list(DataLoader(inputs, targets, w, batch_size=4, shuffle=True, seed=0))
    assert [len(b[2]) for b in batches] == [4, 4, 1]
    for x_batch, y_batch, w_batch in batches:
        for got, given in ((x_batch, inputs), (y_batch, targets)):
            assert type(got) is type(given), f"{type(got).__name__} batch for a {type(given).__name__}"
            if isinstance(given, dict):
                assert list(got) == list(given), f"keys {list(got)}, expected {list(given)}"
        parts_x = list(x_batch.values()) if isinstance(x_batch, dict) else list(x_batch)
        parts_y = list(y_batch.values()) if isinstance(y_batch, dict) else list(y_batch)
        ids = ids_of(parts_x[0])
        np.testing.assert_array_equal(parts_x[1], ids[:, None] * np.array([[1, -1]]))
        np.testing.assert_array_equal(parts_y[0], 10 * ids)
        np.testing.assert_array_equal(parts_y[1], 5 * ids)
        np.testing.assert_array_equal(w_batch, ids / 100)


# --- shuffling and seeds -----------------------------------------------------------------------


def epoch_orders(loader, count):
    return [np.concatenate([ids_of(b[0]) for b in epoch]) for epoch in run_epochs(loader, count)]


def test_shuffling_draws_a_new_permutation_each_epoch():
    x, y, w = dataset(50)
    orders = epoch_orders(DataLoader(x, y, w, batch_size=8, shuffle=True, seed=1), 3)
    for e, order in enumerate(orders):
        np.testing.assert_array_equal(np.sort(order), np.arange(50), err_msg=f"epoch {e} is not a permutation")
    assert not np.array_equal(orders[0], np.arange(50)), "epoch 0 was not shuffled"
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2]), \
        "two epochs had the same order"


def test_no_shuffle_keeps_the_order_every_epoch():
    x, _, _ = dataset(11)
    for order in epoch_orders(DataLoader(x, batch_size=3, seed=1), 2):
        np.testing.assert_array_equal(order, np.arange(11))


def test_seed_fixes_every_epoch():
    x, y, w = dataset(20)
    make = lambda seed: DataLoader(x, y, w, batch_size=6, shuffle=True, seed=seed, transform=RandomFlip())
    assert_same_epochs(run_epochs(make(4), 3), run_epochs(make(4), 3), "seed 4 twice")
    assert not np.array_equal(epoch_orders(make(4), 1)[0], epoch_orders(make(5), 1)[0]), "seeds 4 and 5 gave one order"


def test_global_seed_makes_unseeded_loaders_reproducible():
    x, y, w = dataset(30)
    runs = []
    for seed in (7, 7, 8):
        mc.set_seed(seed)
        loader = DataLoader(x, y, w, batch_size=7, shuffle=True, transform=RandomFlip("horizontal_and_vertical"))
        runs.append(run_epochs(loader, 2))
    assert_same_epochs(runs[1], runs[0], "mc.set_seed(7) twice")
    assert not np.array_equal(runs[0][0][0][0], runs[2][0][0][0]), "mc.set_seed(7) and (8) gave the same first batch"


def test_transform_gets_a_generator_and_only_x():
    x, y, w = dataset(6)
    seen = []

    def add_noise(x_batch, rng):
        seen.append(rng)
        return x_batch + rng.random(len(x_batch)).reshape(-1, 1, 1, 1).astype(x_batch.dtype)

    for x_batch, y_batch, w_batch in DataLoader(x, y, w, batch_size=4, transform=add_noise, seed=0):
        noise = x_batch[:, 0, 0, 0] - np.floor(x_batch[:, 0, 0, 0])
        assert np.all(noise > 0), "the transform was not applied to x"
        np.testing.assert_array_equal(y_batch, 10 * np.floor(x_batch[:, 0, 0, 0]).astype(int))
        np.testing.assert_array_equal(w_batch, np.floor(x_batch[:, 0, 0, 0]) / 100)
    assert len(seen) == 2 and all(isinstance(g, np.random.Generator) for g in seen)


def test_transform_receives_every_input():
    x, _, _ = dataset(4)
    extra = np.arange(4)
    flip_images = lambda xs, rng: {"image": RandomFlip()(xs["image"], rng), "extra": xs["extra"] * 2}
    (x_batch, _, _), = DataLoader({"image": x, "extra": extra}, batch_size=4, transform=flip_images)
    np.testing.assert_array_equal(x_batch["extra"], 2 * extra)


# --- resume ------------------------------------------------------------------------------------


def augmenting_loader(seed):
    x = np.random.default_rng(0).integers(0, 256, (23, 5, 5, 2)).astype(np.uint8)
    y, w = np.arange(23), np.linspace(0.5, 1.5, 23)
    augment = Compose([RandomCrop(5, padding=1), RandomFlip("horizontal_and_vertical")])
    return DataLoader(x, y, w, batch_size=5, shuffle=True, seed=seed, transform=augment)


@pytest.mark.parametrize("k", [0, 1, 3])
def test_resume_at_epoch_k_yields_the_uninterrupted_epochs(k):
    reference = run_epochs(augmenting_loader(seed=3), 5)
    interrupted = augmenting_loader(seed=3)
    run_epochs(interrupted, k)
    saved = json.dumps(interrupted.get_state())           # what a checkpoint writes
    resumed = augmenting_loader(seed=99)                  # a new process, another seed: the state decides
    resumed.set_state(json.loads(saved))
    assert resumed.epoch == k
    assert_same_epochs(run_epochs(resumed, 5 - k), reference[k:], f"resumed at the start of epoch {k}")


def test_state_taken_during_an_epoch_resumes_at_the_next_epoch():
    reference = run_epochs(augmenting_loader(seed=3), 4)
    interrupted = augmenting_loader(seed=3)
    run_epochs(interrupted, 1)
    for step, _ in enumerate(interrupted):                # killed after two batches of epoch 1
        if step == 1:
            break
    resumed = augmenting_loader(seed=None)
    resumed.set_state(json.loads(json.dumps(interrupted.get_state())))
    assert resumed.epoch == 2
    assert_same_epochs(run_epochs(resumed, 2), reference[2:], "resumed from the middle of epoch 1")


# --- errors ------------------------------------------------------------------------------------

X, Y, W = dataset(10)
ERRORS = {
    "x-y-counts": (lambda: DataLoader(X, Y[:9]), ValueError, r"x has 10, y has 9"),
    "inputs-counts": (lambda: DataLoader([X, X[:8]]), ValueError, r"x\[0\] has 10, x\[1\] has 8"),
    "dict-counts": (lambda: DataLoader({"a": X, "b": X[:7]}, Y), ValueError, r"x\['b'\] has 7"),
    "weight-counts": (lambda: DataLoader(X, Y, W[:3]), ValueError, r"sample_weight has 3"),
    "batch_size-zero": (lambda: DataLoader(X, batch_size=0), ValueError, r"batch_size.*0"),
    "batch_size-float": (lambda: DataLoader(X, batch_size=2.5), ValueError, r"batch_size.*2\.5"),
    "batch_size-bool": (lambda: DataLoader(X, batch_size=True), ValueError, r"batch_size.*True"),
    "empty-list": (lambda: DataLoader([]), ValueError, r"x is an empty list"),
    "scalar": (lambda: DataLoader(X, 3), ValueError, r"y must have the samples on axis 0"),
    "no-samples": (lambda: DataLoader(np.zeros((0, 3))), ValueError, r"no samples"),
    "drop_last-leaves-nothing": (lambda: DataLoader(X, batch_size=16, drop_last=True), ValueError,
                                 r"batch_size 16 > 10 samples leaves no batch"),
    "shuffle-not-bool": (lambda: DataLoader(X, shuffle="yes"), TypeError, r"shuffle.*'yes'"),
    "seed-negative": (lambda: DataLoader(X, seed=-1), ValueError, r"seed.*-1"),
    "transform-not-callable": (lambda: DataLoader(X, transform="flip"), TypeError, r"transform.*'flip'"),
    "transform-drops-samples": (lambda: list(DataLoader(X, transform=lambda x, rng: x[:2])), ValueError,
                                r"changed the number of samples of a batch of 10"),
    "state-not-a-state": (lambda: DataLoader(X).set_state({"epoch": 1}), ValueError, r"keys 'epoch' and 'rng_state'"),
    "state-negative-epoch": (lambda: DataLoader(X).set_state({**DataLoader(X).get_state(), "epoch": -1}),
                             ValueError, r"epoch.*-1"),
    "state-other-generator": (lambda: DataLoader(X).set_state({"epoch": 0, "rng_state": np.random.MT19937(0).state}),
                              ValueError, r"rng_state.*PCG64"),
}


@pytest.mark.parametrize("make, error, message", ERRORS.values(), ids=ERRORS.keys())
def test_bad_input_is_named(make, error, message):
    with pytest.raises(error, match=message):
        make()
