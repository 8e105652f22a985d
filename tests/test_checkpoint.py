"""save_weights / load_weights: round trip (BN statistics included), atomic writes, validated loads."""

import numpy as np
import pytest

import minicnn as mc
from minicnn import layers


def small_model():
    return mc.Sequential([layers.Conv2D(4, 3, input_shape=(6, 6, 2)), layers.BatchNormalization(),
                          layers.Flatten(), layers.Dense(3)])


def test_round_trip_restores_every_weight_including_moving_statistics(tmp_path, rng):
    model = small_model()
    model(rng.standard_normal((8, 6, 6, 2)).astype(np.float32), training=True)  # moves the BN statistics
    path = tmp_path / "model.npz"
    model.save_weights(path)
    fresh = small_model()
    fresh.load_weights(path)
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = rng.standard_normal((2, 6, 6, 2)).astype(np.float32)
    np.testing.assert_array_equal(model(x).numpy(), fresh(x).numpy())
    assert not np.all(fresh.layers[1].moving_mean.numpy() == 0)


def test_load_rejects_a_different_architecture_and_changes_nothing(tmp_path):
    small_model().save_weights(tmp_path / "a.npz")
    other = mc.Sequential([layers.Conv2D(4, 3, input_shape=(6, 6, 2)), layers.BatchNormalization(),
                           layers.Flatten(), layers.Dense(5)])
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"weight 6 .* shape \(64, 3\) in the file but \(64, 5\)"):
        other.load_weights(tmp_path / "a.npz")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="holds 8 weights but the model has 2"):
        mc.Sequential([layers.Dense(2, input_shape=(3,))]).load_weights(tmp_path / "a.npz")


def test_save_replaces_atomically_and_leaves_no_temporary(tmp_path):
    model = small_model()
    path = tmp_path / "m.npz"
    model.save_weights(path)
    model.save_weights(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]
    with pytest.raises(ValueError, match=r"\.npz"):
        model.save_weights(tmp_path / "m.pkl")


def test_pickled_objects_are_never_loaded(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, w0000=np.array([{"a": 1}], dtype=object), names=np.array(["x"]))
    model = mc.Sequential([layers.Dense(1, use_bias=False, input_shape=(1,))])
    with pytest.raises(ValueError, match="Object arrays cannot be loaded"):
        model.load_weights(path)


def test_truncated_file_is_a_clear_error_and_changes_nothing(tmp_path):
    model = small_model()
    path = tmp_path / "m.npz"
    model.save_weights(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    before = model.get_weights()
    with pytest.raises(ValueError, match="not a readable weights file"):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_get_layer_by_name():
    model = small_model()
    bn = model.layers[1]
    assert model.get_layer(bn.name) is bn
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        model.get_layer("nope")
