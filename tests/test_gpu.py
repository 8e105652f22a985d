"""The GPU suite (``pytest -m gpu``): minicnn on CuPy gives what it gives on NumPy.

Every registered operator case (``GRADCHECK_CASES``: forward and input gradients), a training step of
the zoo models, every optimizer case and loss of the CPU suite, ``fit`` / ``evaluate`` / ``predict``
and the weight and checkpoint files run on the CPU and on the GPU from the same inputs. The CPU
results are those the rest of the suite checks against TensorFlow; the GPU's must equal them to 1e-10
in float64 and 1e-5 in float32 (atol scaled by the size of the values).

Without CuPy or a GPU every test is skipped, and the reason says which is missing. Under
``--device=fake-gpu`` they run on the strict stand-in (minicnn/testing/fake_cupy.py): both sides
then compute with NumPy, so the numbers agree by construction, but every GPU code path runs under
CuPy's rules. The real comparison needs a GPU: ``benchmarks/gpu_check.sh`` runs it there.
"""

import contextlib
import zlib

import numpy as np
import pytest
import scipy.sparse

import minicnn as mc
from minicnn import backend
from minicnn.gradcheck.operators import draw_inputs
from minicnn.ops import gradcheck_cases
from minicnn.ops.geometry import conv_geometry
from minicnn.ops.sparse_conv import sparse_weight_matrix

from helpers import TOLERANCES
from test_losses import LOSSES, make_data
from test_optimizers import CASES as OPTIMIZER_CASES, case_id, gradient


def why_no_gpu():
    """None when device 'gpu' is usable (CuPy with a GPU, or the stand-in of --device=fake-gpu), else why not."""
    try:
        backend.gpu_module()
    except RuntimeError as err:
        return str(err)
    return None


WHY = why_no_gpu()
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(WHY is not None, reason=f"the GPU suite: {WHY}")]
DTYPES = [np.float32, np.float64]


@contextlib.contextmanager
def on(device, dtype=None):
    """``device`` (and the default float ``dtype``) current inside the block: new tensors and weights go there."""
    previous, previous_dtype = mc.get_device(), backend.get_default_dtype()
    mc.set_device(device)
    backend.set_default_dtype(dtype or previous_dtype)
    try:
        yield
    finally:
        mc.set_device(previous)
        backend.set_default_dtype(previous_dtype)


def assert_same(gpu, cpu, dtype, what):
    """GPU result against CPU result at the dtype's tolerance, atol scaled by the values' magnitude."""
    assert gpu is not None and cpu is not None or gpu is cpu, f"{what}: a gradient on one device only"
    if cpu is None:
        return
    gpu, cpu = np.asarray(gpu), np.asarray(cpu)
    assert gpu.shape == cpu.shape and gpu.dtype == cpu.dtype, \
        f"{what}: GPU gives {gpu.dtype}{gpu.shape}, CPU {cpu.dtype}{cpu.shape}"
    tol = TOLERANCES[np.dtype(dtype).type]
    scale = max(1.0, float(np.max(np.abs(cpu)))) if cpu.size and cpu.dtype.kind == "f" else 1.0
    np.testing.assert_allclose(gpu, cpu, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=what)


def host(value):
    return None if value is None else mc.to_numpy(value)


# --- operators --------------------------------------------------------------------------------------

OPERATOR_CASES = gradcheck_cases()
FLOAT64_ONLY = {"cast": "the case casts its input to float64 and multiplies by it: float64 inputs only"}


def run_operator(case, arrays, dtype, device, seed):
    """Outputs and input gradients of ``case`` under a random upstream gradient, on ``device``."""
    with on(device):
        mc.set_seed(0)
        leaves = [mc.Tensor(a.astype(dtype), requires_grad=True) for a in arrays]
        outputs = case(*leaves)
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        upstream = np.random.default_rng(seed)
        total = None
        for out in outputs:
            if out.requires_grad:
                term = (out * upstream.standard_normal(out.shape).astype(out.dtype)).sum()
                total = term if total is None else total + term
        grads = mc.grad(total, leaves) if total is not None else [None] * len(leaves)
        assert all(out.device == device for out in outputs), f"an output left device {device!r}"
        return [host(out) for out in outputs], [host(g) for g in grads]


@pytest.mark.parametrize("name, dtype", [
    pytest.param(name, dtype, id=f"{name}-{np.dtype(dtype).name}")
    for name in sorted(OPERATOR_CASES) for dtype in DTYPES if dtype == np.float64 or name not in FLOAT64_ONLY])
def test_operator_on_the_gpu_equals_the_cpu(name, dtype):
    case, seed = OPERATOR_CASES[name], zlib.crc32(name.encode())
    arrays = draw_inputs(case, np.random.default_rng(seed))
    cpu_outputs, cpu_grads = run_operator(case, arrays, dtype, "cpu", seed)
    gpu_outputs, gpu_grads = run_operator(case, arrays, dtype, "gpu", seed)
    for k, (gpu, cpu) in enumerate(zip(gpu_outputs, cpu_outputs)):
        assert_same(gpu, cpu, dtype, f"{name} {np.dtype(dtype).name}: output {k}")
    for k, (gpu, cpu) in enumerate(zip(gpu_grads, cpu_grads)):
        assert_same(gpu, cpu, dtype, f"{name} {np.dtype(dtype).name}: gradient of input {k}")


# --- layers and models: a training step of the zoo ----------------------------------------------------

ZOO = {  # id: (builder, keyword arguments, input shapes without the batch)
    "lenet5": (mc.models.lenet5, {}, [(28, 28, 1)]),
    "y_network": (mc.models.y_network, dict(n_filters=4, depth=2), [(28, 28, 1), (28, 28, 1)]),
    "inception10": (mc.models.inception10, dict(num_blocks=1, init_ch=4), [(32, 32, 3)]),
    "resnet_v1-20": (mc.models.resnet_v1, dict(depth=20), [(32, 32, 3)]),
    "resnet_v2-11": (mc.models.resnet_v2, dict(depth=11), [(32, 32, 3)]),
    "densenet_bc-10": (mc.models.densenet_bc, dict(depth=10, growth_rate=4), [(32, 32, 3)]),
}


def zoo_step(model, inputs, labels, device):
    """Outputs, loss, weight gradients and moving statistics after one training-mode pass on ``device``."""
    model.to(device)
    mc.set_seed(1)  # the dropout masks
    loss_fn = mc.losses.SparseCategoricalCrossentropy()
    feed = [mc.Tensor(x, device=device) for x in inputs]
    outputs = model(feed if len(feed) > 1 else feed[0], training=True)
    loss = loss_fn(labels, outputs)
    grads = mc.grad(loss, model.trainable_weights)
    return ([host(outputs), host(loss)] + [host(g) for g in grads]
            + [w.numpy() for w in model.non_trainable_weights])


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_training_step_on_the_gpu_equals_the_cpu(name):
    builder, kwargs, shapes = ZOO[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    inputs = [rng.standard_normal((2, *s)) for s in shapes]
    with on("cpu", np.float64):
        mc.set_seed(0)
        model = builder(input_shape=shapes[0], **kwargs) if name != "y_network" else builder(**kwargs)
        labels = rng.integers(0, model.output_shape[-1], 2)
        start = model.get_weights()
        cpu = zoo_step(model, inputs, labels, "cpu")
        model.set_weights(start)  # the step moved the moving statistics: the GPU starts where the CPU did
        gpu = zoo_step(model, inputs, labels, "gpu")
    names = ["outputs", "loss"] + [f"d loss/d {w.path}" for w in model.trainable_weights] + \
        [w.path for w in model.non_trainable_weights]
    for what, g, c in zip(names, gpu, cpu):
        assert_same(g, c, np.float64, f"{name}: {what}")


# --- optimizers, losses --------------------------------------------------------------------------------

def optimizer_steps(name, kwargs, dtype, device, steps=3):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    with on(device):
        weights = [mc.Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in [(3, 4), (4,)]]
        optimizer = getattr(mc.optimizers, name)(**kwargs)
        for _ in range(steps):
            grads = [mc.Tensor(gradient(rng, w.shape, dtype)).data for w in weights]
            optimizer.apply_gradients(zip(grads, weights))
        return [w.numpy() for w in weights]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", OPTIMIZER_CASES, ids=case_id)
def test_optimizer_on_the_gpu_equals_the_cpu(case, dtype):
    name, kwargs = case
    cpu, gpu = (optimizer_steps(name, kwargs, dtype, device) for device in ("cpu", "gpu"))
    for k, (g, c) in enumerate(zip(gpu, cpu)):
        assert_same(g, c, dtype, f"{case_id(case)} {np.dtype(dtype).name}: weight {k} after 3 steps")


def loss_value_and_grad(name, kwargs, y_true, y_pred, device):
    with on(device):
        x = mc.Tensor(y_pred, requires_grad=True)
        value = getattr(mc.losses, name)(**kwargs)(y_true, x)
        return host(value), host(mc.grad(value, [x])[0])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("loss_id", sorted(LOSSES))
def test_loss_on_the_gpu_equals_the_cpu(loss_id, dtype):
    name, kwargs, *labels = LOSSES[loss_id]
    y_true, y_pred = make_data(np.random.default_rng(zlib.crc32(loss_id.encode())), name, kwargs, (6, 5), dtype,
                               *labels)
    cpu, gpu = (loss_value_and_grad(name, kwargs, y_true, y_pred, device) for device in ("cpu", "gpu"))
    assert_same(gpu[0], cpu[0], dtype, f"{loss_id} {np.dtype(dtype).name}: loss")
    assert_same(gpu[1], cpu[1], dtype, f"{loss_id} {np.dtype(dtype).name}: d loss / d y_pred")


# --- fit, evaluate, predict, files ----------------------------------------------------------------------

def small_cnn():
    mc.set_seed(0)
    model = mc.Sequential([mc.layers.Conv2D(4, 3, padding="same", input_shape=(8, 8, 2)),
                           mc.layers.BatchNormalization(), mc.layers.ReLU(), mc.layers.MaxPool2D(),
                           mc.layers.Dropout(0.25), mc.layers.Flatten(), mc.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=mc.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def fit_on(device, x, y):
    with on(device, np.float64):
        model = small_cnn()
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, validation_split=0.25)
        results = (history.history, [w.numpy() for w in model.weights], host(model.predict(x, verbose=0)),
                   model.evaluate(x, y, verbose=0))
    return model, results


def test_fit_evaluate_predict_on_the_gpu_equal_the_cpu():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 8, 8, 2)), rng.integers(0, 3, 32)
    (_, cpu), (_, gpu) = fit_on("cpu", x, y), fit_on("gpu", x, y)
    assert gpu[0].keys() == cpu[0].keys()
    for key in cpu[0]:
        assert_same(gpu[0][key], cpu[0][key], np.float64, f"history[{key!r}]")
    for k, (g, c) in enumerate(zip(gpu[1], cpu[1])):
        assert_same(g, c, np.float64, f"weight {k} after fit")
    assert_same(gpu[2], cpu[2], np.float64, "predict")
    assert_same(gpu[3], cpu[3], np.float64, "evaluate")


@pytest.mark.parametrize("suffix", [".npz", ".weights.h5", ".checkpoint.npz"])
def test_files_written_on_the_gpu_load_on_the_cpu_and_back(tmp_path, suffix):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 8, 8, 2)), rng.integers(0, 3, 16)
    gpu_model, _ = fit_on("gpu", x, y)
    path = str(tmp_path / f"model{suffix}")
    checkpoint = suffix == ".checkpoint.npz"
    gpu_model.save_checkpoint(path) if checkpoint else gpu_model.save_weights(path)
    with on("cpu", np.float64):
        cpu_model = small_cnn()
        cpu_model.build((None, 8, 8, 2))
        cpu_model.load_checkpoint(path) if checkpoint else cpu_model.load_weights(path)
        assert {w.device for w in cpu_model.weights} == {"cpu"}
        for k, (c, g) in enumerate(zip(cpu_model.weights, gpu_model.weights)):
            assert_same(c.numpy(), g.numpy(), np.float64, f"weight {k} read on the CPU")
        if checkpoint:  # the optimizer state came along: one more step gives the same weights on both
            for model in (gpu_model, cpu_model):
                mc.set_seed(5)  # the same dropout masks
                model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
            for k, (c, g) in enumerate(zip(cpu_model.weights, gpu_model.weights)):
                assert_same(g.numpy(), c.numpy(), np.float64, f"weight {k} one step after the checkpoint")
        cpu_model.save_checkpoint(path) if checkpoint else cpu_model.save_weights(path)
        back = small_cnn().to("gpu")
        back.build((None, 8, 8, 2))
        back.load_checkpoint(path) if checkpoint else back.load_weights(path)
        assert {w.device for w in back.weights} == {"gpu"}
        for k, (b, c) in enumerate(zip(back.weights, cpu_model.weights)):
            assert_same(b.numpy(), c.numpy(), np.float64, f"weight {k} read back on the GPU")


def test_the_sparse_form_runs_on_the_gpus_sparse_module():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 5, 5, 3)), rng.standard_normal((3, 3, 3, 4))
    with on("gpu"):
        sparse = backend.sparse_module(backend.gpu_module())
        assert sparse is not scipy.sparse, "device 'gpu' must use the GPU's sparse module (cupyx.scipy.sparse)"
        geometry = conv_geometry(x.shape, (3, 3), 1, "SAME", 1)
        assert isinstance(sparse_weight_matrix(mc.Tensor(w).data, geometry), sparse.csr_matrix)
        result = host(mc.functional.conv2d(x, w, 1, "SAME", method="sparse"))
    with on("cpu"):
        expected = host(mc.functional.conv2d(x, w, 1, "SAME"))
    assert_same(result, expected, np.float64, "conv2d method='sparse' on the GPU against im2col on the CPU")
