"""The backend: device selection with clear errors, conversions, the array module."""

import importlib.util

import numpy as np
import pytest

import minicnn as mc
from minicnn import backend

HAS_GPU = False
if importlib.util.find_spec("cupy") is not None:
    try:
        backend._cupy()
        HAS_GPU = True
    except RuntimeError:
        pass


@pytest.mark.skipif(HAS_GPU, reason="checks the error raised where no GPU is usable")
@pytest.mark.cpu_only(reason="the stand-in is a usable GPU module")
def test_gpu_request_without_gpu_names_the_problem():
    with pytest.raises(RuntimeError, match="device 'gpu'"):
        mc.set_device("gpu")
    assert mc.get_device() == "cpu"
    with pytest.raises(RuntimeError, match="device 'gpu'"):
        mc.Tensor(np.ones(2)).to("gpu")


@pytest.mark.cpu_only(reason="device 'gpu' is current there")
def test_cpu_is_the_default_and_numpy_is_its_module():
    assert mc.get_device() == "cpu"
    assert mc.get_array_module(np.ones(2)) is np
    assert mc.get_array_module(mc.Tensor(np.ones(2))) is np


def test_to_cpu_is_a_new_leaf_with_the_same_values():
    t = mc.Tensor(np.arange(3.0), requires_grad=True)
    moved = t.to("cpu")
    assert moved is not t and moved.requires_grad and moved.is_leaf
    np.testing.assert_array_equal(moved.numpy(), t.numpy())


def test_seeded_generator_is_reproducible():
    mc.set_seed(7)
    first = backend.rng().random(3)
    mc.set_seed(7)
    np.testing.assert_array_equal(backend.rng().random(3), first)


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="needs CuPy and a GPU")
def test_gpu_and_cpu_agree_on_a_small_graph():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    results = []
    for device in ("cpu", "gpu"):
        xt = mc.Tensor(x, requires_grad=True).to(device)
        wt = mc.Tensor(w, requires_grad=True).to(device)
        mc.functional.softmax(xt @ wt).sum().backward()
        results.append((mc.to_numpy(xt.grad), mc.to_numpy(wt.grad)))
    for cpu, gpu in zip(*results):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-12, atol=1e-12)
