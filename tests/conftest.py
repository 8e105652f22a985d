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
