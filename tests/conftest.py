"""Shared fixtures. TensorFlow is the referee; it is imported lazily, with oneDNN off (trap T9)."""

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # T9: oneDNN's f32 filter gradient corrupts memory
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest


def _import_tensorflow():
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0", "TF_ENABLE_ONEDNN_OPTS must be 0 before TF is imported"
    try:
        import tensorflow
    except ImportError as err:
        if os.environ.get("MINICNN_REQUIRE_TF") == "1":
            pytest.fail(f"MINICNN_REQUIRE_TF=1 but TensorFlow cannot be imported: {err}")
        pytest.skip("TensorFlow is not installed (set MINICNN_REQUIRE_TF=1 to make this a failure)")
    return tensorflow


@pytest.fixture(scope="session")
def tf():
    """The tensorflow module: a failure under MINICNN_REQUIRE_TF=1 if missing, else a skip."""
    return _import_tensorflow()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# --- the strict stand-in device (docs/gpu.md) ------------------------------------------------------------
# `python -m pytest --device=fake-gpu` runs the suite with minicnn.testing.fake_cupy in CuPy's place and
# device 'gpu' current: every new tensor and weight lives on the stand-in, whose arrays refuse implicit
# conversion to NumPy and mixing with NumPy arrays, as CuPy's do. The tests' own assertions may read
# device arrays (fake_cupy.lenient_in); minicnn's code may not. A test that cannot run there carries
# @pytest.mark.cpu_only(reason="...") (a whole file: pytestmark = ...) and is skipped with that reason.


def pytest_addoption(parser):
    parser.addoption("--device", default="cpu", choices=("cpu", "fake-gpu"),
                     help="fake-gpu: run every test on the strict stand-in for CuPy (minicnn/testing/fake_cupy.py)")


def _on_stand_in(config):
    return config.getoption("--device") == "fake-gpu"


def pytest_configure(config):
    if _on_stand_in(config):
        from minicnn import autograd, backend
        from minicnn.testing import fake_cupy
        backend.use_gpu_stand_in(fake_cupy)
        fake_cupy.lenient_in(os.path.dirname(os.path.abspath(__file__)))
        autograd.Tensor.__array__ = fake_cupy.reading_wrapper(autograd.Tensor.__array__)
        backend.set_device("gpu")


def pytest_report_header(config):
    if _on_stand_in(config):
        return "device: fake-gpu (minicnn/testing/fake_cupy.py in CuPy's place, device 'gpu' current)"


def pytest_collection_modifyitems(config, items):
    if not _on_stand_in(config):
        return
    for item in items:
        marker = item.get_closest_marker("cpu_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args or ["CPU only"])[0]
            item.add_marker(pytest.mark.skip(reason=f"--device=fake-gpu: {reason}"))


@pytest.fixture(autouse=True)
def _stand_in_device(request):
    """Under --device=fake-gpu, each test starts with device 'gpu' current (a test may change it)."""
    if _on_stand_in(request.config):
        from minicnn import backend
        backend.set_device("gpu")
    yield
