"""Device 'gpu' on the strict stand-in for CuPy (minicnn/testing/fake_cupy.py), in every run of the
suite: the stand-in's own rules, where model.to / fit / evaluate / predict put the data, weights
files across devices, and the transfers of a ResNet-20 training step, counted one by one.

Each test installs the stand-in itself (fixture ``device``), so these run on a CPU-only machine
whatever ``--device`` says; ``pytest --device=fake-gpu`` runs the rest of the suite on it too.
"""

import importlib.util
import json
import os

import numpy as np
import pytest

import minicnn as mc
from minicnn import backend
from minicnn.testing import fake_cupy

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)


@pytest.fixture
def device():
    """Device 'gpu' on the stand-in for one test, its transfer counts from zero; the test's own
    reads of device arrays are allowed (and counted as the test's). Restores what was there."""
    previous_module, previous_device = backend.use_gpu_stand_in(fake_cupy), backend.get_device()
    fake_cupy.lenient_in(TESTS)
    mc.set_device("gpu")
    fake_cupy.transfers.reset()
    yield fake_cupy
    backend.use_gpu_stand_in(previous_module)
    backend.set_device(previous_device)


def engine_transfers(fake, kind):
    """The sizes in bytes of the transfers of ``kind`` ('to_device', 'to_host') minicnn made."""
    return [e.nbytes for e in fake.transfers.engine_events() if e.kind == kind]


def small_cnn(classes=3):
    mc.set_seed(0)
    model = mc.Sequential([mc.layers.Conv2D(4, 3, padding="same", activation="relu", input_shape=(6, 6, 2)),
                           mc.layers.BatchNormalization(), mc.layers.MaxPool2D(), mc.layers.Flatten(),
                           mc.layers.Dense(classes)])
    model.compile(optimizer=mc.optimizers.Adam(0.01), loss=mc.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def data(n=8, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 6, 6, 2)).astype(np.float32), rng.integers(0, classes, n)


# --- the stand-in keeps CuPy's rules ---------------------------------------------------------------

def test_stand_in_refuses_implicit_conversion_and_counts_the_explicit_ways_out(device):
    a = device.asarray(np.arange(6.0))
    with device.strict(), pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(a)
    with device.strict(), pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(mc.Tensor(a))
    np.testing.assert_array_equal(a.get(), np.arange(6.0))
    np.testing.assert_array_equal(device.asnumpy(a), np.arange(6.0))
    assert float(a[2]) == 2.0
    counts = (device.transfers.to_device, device.transfers.to_host)
    assert counts == (1, 3), f"(to_device, to_host) = {counts}:\n{device.transfers.report()}"


def test_stand_in_refuses_numpy_operands_but_takes_scalars(device):
    a = device.asarray(np.ones(3))
    with device.strict():
        for what, operation in [("a + ndarray", lambda: a + np.ones(3)), ("ndarray * a", lambda: np.ones(3) * a),
                                ("where", lambda: device.where(a > 0, a, np.zeros(3))),
                                ("setitem", lambda: a.__setitem__(slice(None), np.zeros(3)))]:
            with pytest.raises(TypeError):
                operation()
                pytest.fail(f"{what} was accepted")
        np.testing.assert_array_equal((a * 2.0 + np.float32(1)).get(), [3.0, 3.0, 3.0])


def test_stand_in_counts_data_dependent_sizes_as_a_read_back(device):
    a = device.asarray(np.array([1.0, -1.0, 2.0]))
    device.transfers.reset()
    a[a > 0]
    device.nonzero(a)
    assert device.transfers.to_host == 2, device.transfers.report()


def test_tensors_follow_the_current_device_and_op_results_stay_where_computed(device):
    on_gpu = mc.Tensor(np.ones((2, 2)))
    assert on_gpu.device == "gpu" and backend.is_cupy_array(on_gpu.data)
    on_cpu = on_gpu.to("cpu")
    assert on_cpu.device == "cpu" and isinstance(on_cpu.data, np.ndarray)
    result = mc.functional.relu(on_cpu * 2.0 + 1.0)
    assert result.device == "cpu" and result.detach().device == "cpu"


# --- where the data goes ---------------------------------------------------------------------------

def test_model_to_moves_weights_and_optimizer_state_both_ways(device):
    mc.set_device("cpu")
    model = small_cnn()
    x, y = data()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    before = [w.numpy() for w in model.weights]
    model.to("gpu")
    assert {w.device for w in model.weights} == {"gpu"}
    slots = [a for s in model.optimizer._state.values() for a in s.values()]
    assert slots and all(backend.is_cupy_array(a) for a in slots), "the Adam moments did not move with the weights"
    for k, (w, b) in enumerate(zip(model.weights, before)):
        np.testing.assert_array_equal(w.numpy(), b, err_msg=f"weight {k} changed by the move")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)  # current device 'cpu': fit moves each batch to the model
    model.to("cpu")
    assert {w.device for w in model.weights} == {"cpu"}
    assert all(isinstance(a, np.ndarray) for s in model.optimizer._state.values() for a in s.values())


def test_training_on_the_device_equals_training_on_the_cpu(device):
    x, y = data()
    results = {}
    for where in ("cpu", "gpu"):
        mc.set_device(where)
        model = small_cnn()
        history = model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
        results[where] = (history.history["loss"], [w.numpy() for w in model.weights],
                          mc.to_numpy(model.predict(x, verbose=0)), model.evaluate(x, y, verbose=0))
    cpu, gpu = results["cpu"], results["gpu"]
    np.testing.assert_allclose(gpu[0], cpu[0], rtol=1e-6, err_msg="loss history")
    for k, (g, c) in enumerate(zip(gpu[1], cpu[1])):
        np.testing.assert_allclose(g, c, rtol=1e-5, atol=1e-6, err_msg=f"weight {k}")
    np.testing.assert_allclose(gpu[2], cpu[2], rtol=1e-5, atol=1e-6, err_msg="predict")
    np.testing.assert_allclose(gpu[3], cpu[3], rtol=1e-6, err_msg="evaluate")


@pytest.mark.parametrize("suffix", [".npz", ".weights.h5"])
def test_weights_saved_from_the_device_load_on_the_cpu_and_back(device, tmp_path, suffix):
    x, _ = data()
    gpu_model = small_cnn()
    expected = mc.to_numpy(gpu_model.predict(x, verbose=0))
    path = str(tmp_path / f"model{suffix}")
    gpu_model.save_weights(path)
    mc.set_device("cpu")
    cpu_model = small_cnn()
    cpu_model.load_weights(path)
    assert {w.device for w in cpu_model.weights} == {"cpu"}
    np.testing.assert_allclose(cpu_model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-7)
    cpu_model.save_weights(path)
    back = small_cnn().to("gpu")
    back.load_weights(path)
    assert {w.device for w in back.weights} == {"gpu"}
    np.testing.assert_allclose(mc.to_numpy(back.predict(x, verbose=0)), expected, rtol=1e-6, atol=1e-7)


# --- transfers: the batch in, the loss out ----------------------------------------------------------

def resnet20(metrics=None):
    mc.set_seed(0)
    model = mc.models.resnet_v1((32, 32, 3), depth=20)
    model.compile(optimizer=mc.optimizers.SGD(0.1, momentum=0.9), loss="sparse_categorical_crossentropy",
                  metrics=metrics)
    return model


def test_a_resnet20_training_step_moves_only_the_batch_in_and_the_loss_out(device):
    model = resnet20()
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 32, 32, 3)).astype(np.float32), rng.integers(0, 10, 2)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)  # builds the optimizer's slots (on the device)
    device.transfers.reset()
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    report = device.transfers.report()
    assert sorted(engine_transfers(device, "to_device")) == sorted([x.nbytes, y.nbytes]), \
        f"expected the images ({x.nbytes} B) and the labels ({y.nbytes} B) in, got:\n{report}"
    assert engine_transfers(device, "to_host") == [4], f"expected the loss (4 B) out, got:\n{report}"


def test_compiled_metrics_read_the_predictions_on_the_host(device):
    model = resnet20(metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 32, 32, 3)).astype(np.float32), rng.integers(0, 10, 2)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    device.transfers.reset()
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    report = device.transfers.report()
    assert sorted(engine_transfers(device, "to_device")) == sorted([x.nbytes, y.nbytes]), report
    assert sorted(engine_transfers(device, "to_host")) == [4, 2 * 10 * 4], \
        f"expected the loss (4 B) and the 2x10 float32 predictions out, got:\n{report}"


def test_evaluate_and_predict_move_each_batch_once(device):
    model = small_cnn()
    x, y = data(n=8)
    model.evaluate(x, y, batch_size=4, verbose=0)
    device.transfers.reset()
    model.evaluate(x, y, batch_size=4, verbose=0)
    moved = (len(engine_transfers(device, "to_device")), len(engine_transfers(device, "to_host")))
    assert moved == (4, 2), f"2 batches: x and y in, the loss out, each:\n{device.transfers.report()}"
    device.transfers.reset()
    predictions = model.predict(x, batch_size=4, verbose=0)
    moved = (len(engine_transfers(device, "to_device")), len(engine_transfers(device, "to_host")))
    assert backend.is_cupy_array(predictions) and moved == (2, 0), \
        f"2 batches in, the predictions left on the device:\n{device.transfers.report()}"


def test_a_loader_feeds_the_device_one_batch_per_step(device):
    model = small_cnn()
    x, y = data(n=8)
    loader = mc.data.DataLoader(x, y, batch_size=4, shuffle=True, seed=0)
    model.fit(loader, epochs=1, verbose=0)
    device.transfers.reset()
    model.fit(loader, epochs=1, verbose=0)
    moved = (len(engine_transfers(device, "to_device")), len(engine_transfers(device, "to_host")))
    assert moved == (4, 2), f"2 batches: x and y in, the loss out, each:\n{device.transfers.report()}"


# --- the GPU benchmark's own code -----------------------------------------------------------------------

def test_the_gpu_benchmark_script_runs_on_the_stand_in(device, tmp_path):
    """benchmarks/gpu_vs_torch.py end to end with minicnn on the stand-in (no PyTorch side, wall-clock
    timing): its cases, report and per-operator profile work before a GPU ever runs them."""
    spec = importlib.util.spec_from_file_location("gpu_vs_torch", os.path.join(ROOT, "benchmarks", "gpu_vs_torch.py"))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--device", "fake-gpu", "--quick", "--batch", "2", "--profile-steps", "1",
                        "--out", str(tmp_path)]) == 0
    document = json.loads((tmp_path / "gpu_vs_torch.json").read_text())
    labels = [r["label"] for r in document["results"]]
    assert len(labels) == 7 and labels[-1].startswith("ResNet-20") and all(r["ms"]["minicnn"] > 0
                                                                            for r in document["results"])
    phases = {row["phase"] for row in document["profile"]["rows"]}
    assert {"Conv2D.forward", "Conv2D.backward", "FusedBatchNorm.backward", "optimizer update"} <= phases, phases
    assert "| conv2d stage 1 3x3, 16->16, fwd, batch 2 |" in (tmp_path / "gpu_vs_torch.md").read_text()
    restored = [mc.ops.conv.Conv2D.forward, mc.ops.conv.Conv2D.backward, mc.optimizers.Optimizer.apply_gradients]
    assert [f.__name__ for f in restored] == ["forward", "backward", "apply_gradients"], \
        "the profile left its timers on the operators"
