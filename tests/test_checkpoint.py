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


def deep_same_shape_model():
    """Twelve Dense(4) layers on 4 features: 24 weights, every kernel (4, 4) and every bias (4,),
    so a mix-up of their order on disk cannot be caught by a shape check."""
    return mc.Sequential([layers.Dense(4, input_shape=(4,), bias_initializer="random_normal")] +
                         [layers.Dense(4, bias_initializer="random_normal") for _ in range(11)])


def test_more_than_ten_weights_of_repeated_shapes_load_in_order(tmp_path):
    model = deep_same_shape_model()
    path = tmp_path / "deep.npz"
    model.save_weights(path)
    fresh = deep_same_shape_model()
    fresh.load_weights(path)
    assert len(model.weights) == 24
    for k, (a, b) in enumerate(zip(model.get_weights(), fresh.get_weights())):
        np.testing.assert_array_equal(b, a, err_msg=f"weight {k} ({model.weights[k].name})")


def test_more_than_ten_optimizer_slots_load_in_order(tmp_path, rng):
    x, y = rng.standard_normal((16, 4)).astype(np.float32), rng.standard_normal((16, 4)).astype(np.float32)
    model = deep_same_shape_model()
    model.compile(mc.optimizers.Adam(0.01), "mse")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    path = tmp_path / "deep_checkpoint.npz"
    model.save_checkpoint(path)
    fresh = deep_same_shape_model()
    fresh.compile(mc.optimizers.Adam(0.01), "mse")
    fresh.load_checkpoint(path)
    saved, loaded = model.optimizer.get_state(model.weights), fresh.optimizer.get_state(fresh.weights)
    assert loaded["iterations"] == saved["iterations"] == 2
    for k, (a, b) in enumerate(zip(saved["slots"], loaded["slots"])):
        assert sorted(a) == sorted(b) == ["m", "v"], f"weight {k}"
        for name in a:
            np.testing.assert_array_equal(b[name], a[name], err_msg=f"slot {name} of weight {k}")


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
    with pytest.raises(ValueError, match="damaged or foreign .npz archive"):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("content, message", [
    (b"\x80\x04\x95 pickled", "not an .npz archive"),
    (b"", "not an .npz archive"),
    (b"hello, not weights", "not an .npz archive"),
], ids=["pickle", "empty", "text"])
def test_a_file_that_is_no_npz_says_what_it_is_not(tmp_path, content, message):
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        small_model().load_weights(path)


def compiled_small_model(optimizer):
    model = small_model()
    model.compile(optimizer, mc.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def trained_checkpoint(tmp_path, rng, optimizer):
    model = compiled_small_model(optimizer)
    model.fit(rng.standard_normal((8, 6, 6, 2)).astype(np.float32), rng.integers(0, 3, 8), batch_size=4, verbose=0)
    path = tmp_path / "checkpoint.npz"
    model.save_checkpoint(path)
    return path


def test_checkpoint_of_another_optimizer_is_refused_and_changes_nothing(tmp_path, rng):
    path = trained_checkpoint(tmp_path, rng, mc.optimizers.Adam(1e-2))
    model = compiled_small_model(mc.optimizers.SGD(0.1))
    before = model.get_weights()
    with pytest.raises(ValueError, match="Adam's, this optimizer is a SGD"):
        model.load_checkpoint(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == 0


def test_checkpoint_into_an_uncompiled_model_is_refused(tmp_path, rng):
    path = trained_checkpoint(tmp_path, rng, mc.optimizers.Adam(1e-2))
    model = small_model()
    with pytest.raises(ValueError, match=r"holds optimizer state \(Adam\) but .* is not compiled"):
        model.load_checkpoint(path)
    model.load_weights(path)  # the weights alone load


def test_load_weights_into_an_unbuilt_model_says_to_build_it(tmp_path):
    small_model().save_weights(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="not built.*build\\(input_shape\\)"):
        mc.Sequential([layers.Dense(3)]).load_weights(tmp_path / "m.npz")


def test_get_layer_by_name():
    model = small_model()
    bn = model.layers[1]
    assert model.get_layer(bn.name) is bn
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        model.get_layer("nope")


def test_checkpoint_resumes_training_exactly(tmp_path, rng):
    x = rng.standard_normal((16, 6, 6, 2)).astype(np.float32)
    y = rng.integers(0, 3, 16)

    def compiled():
        mc.set_seed(3)
        model = small_model()
        model.compile(mc.optimizers.Adam(1e-2), mc.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    straight = compiled()
    straight.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first = compiled()
    first.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    first.save_checkpoint(tmp_path / "c.npz")
    resumed = compiled()
    resumed.load_checkpoint(tmp_path / "c.npz")
    assert resumed.optimizer.iterations == 2
    resumed.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_export_weights_text_as_the_source_material(tmp_path):
    from minicnn.checkpoint import export_weights_text

    model = mc.Sequential([layers.Dense(2, input_shape=(3,))])
    export_weights_text(model, tmp_path / "weights.txt")
    lines = (tmp_path / "weights.txt").read_text().splitlines()
    kernel = model.weights[0]
    assert lines[0] == kernel.name and lines[1] == "(3, 2)"
    parsed = np.array([[float(v) for v in line.strip(" []").split()] for line in lines[2:5]])
    np.testing.assert_allclose(parsed, kernel.numpy(), rtol=1e-6)


def nadam_model():
    mc.set_seed(5)
    model = small_model()
    model.compile(mc.optimizers.Nadam(1e-2), mc.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_nadam_checkpoint_resumes_training_exactly(tmp_path, rng):
    """Nadam's optimizer-wide u_product (not a per-weight slot) is saved and restored with its dtype:
    three steps, a checkpoint, three more steps equal six uninterrupted steps bit for bit."""
    x = rng.standard_normal((24, 6, 6, 2)).astype(np.float32)
    y = rng.integers(0, 3, 24)
    straight = nadam_model()
    straight.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first = nadam_model()
    first.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    first.save_checkpoint(tmp_path / "nadam.npz")
    with np.load(tmp_path / "nadam.npz") as stored:
        u_product = stored["opt/scalars/u_product"]
    assert u_product.shape == () and u_product.dtype == np.float32 and 0 < u_product < 1, repr(u_product)
    resumed = nadam_model()
    resumed.load_checkpoint(tmp_path / "nadam.npz")
    assert resumed.optimizer.iterations == 3
    assert resumed.optimizer.get_state(resumed.weights)["scalars"] == {"u_product": u_product}
    resumed.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for k, (a, b) in enumerate(zip(straight.get_weights(), resumed.get_weights())):
        np.testing.assert_array_equal(b, a, err_msg=f"weight {k} ({straight.weights[k].name}) after resuming")


def test_nadam_checkpoint_without_u_product_is_refused(tmp_path, rng):
    """A file that lost the scalar (or was written by another optimizer) is an error, not a silent restart."""
    x, y = rng.standard_normal((8, 6, 6, 2)).astype(np.float32), rng.integers(0, 3, 8)
    model = nadam_model()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    model.save_checkpoint(tmp_path / "full.npz")
    with np.load(tmp_path / "full.npz") as stored:
        arrays = {key: stored[key] for key in stored.files if not key.startswith("opt/scalars/")}
    np.savez(tmp_path / "stripped.npz", **arrays)
    with pytest.raises(ValueError, match="must hold the scalar 'u_product'"):
        nadam_model().load_checkpoint(tmp_path / "stripped.npz")


def test_saved_files_get_the_usual_permissions(tmp_path):
    """Written through a private temporary file, the result still has the mode a plain open() gives."""
    import os
    import stat

    small_model().save_weights(tmp_path / "m.npz")
    with open(tmp_path / "plain", "w"):
        pass
    assert stat.S_IMODE(os.stat(tmp_path / "m.npz").st_mode) == stat.S_IMODE(os.stat(tmp_path / "plain").st_mode)


def test_a_subclassed_model_restores_weights_on_its_first_call_as_tf_keras_2(tmp_path, rng):
    """Seed 003's pattern: load_weights("x.ckpt") right after building the (subclassed, unbuilt) model;
    the weights arrive at the first call, before it computes. The .ckpt prefix is one file x.ckpt.index."""
    class Net(mc.Model):
        def __init__(self):
            super().__init__()
            self.hidden, self.out = layers.Dense(4, activation="tanh"), layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    x = rng.standard_normal((3, 5)).astype(np.float32)
    trained = Net()
    expected = trained(x).numpy()
    trained.save_weights(tmp_path / "net.ckpt")
    assert (tmp_path / "net.ckpt.index").exists()
    fresh = Net()
    fresh.load_weights(tmp_path / "net.ckpt")
    np.testing.assert_array_equal(fresh(x).numpy(), expected)
