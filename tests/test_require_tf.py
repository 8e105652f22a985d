"""Without TensorFlow the cross-checks skip, and MINICNN_REQUIRE_TF=1 turns that into a failure."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parent.parent
CROSS_CHECK = "tests/test_layers.py::test_dense_matches_keras_forward_and_gradients"


def run_without_tensorflow(tmp_path, require):
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('tensorflow hidden by the test')\n")
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}")
    env.pop("MINICNN_REQUIRE_TF", None)
    if require:
        env["MINICNN_REQUIRE_TF"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", CROSS_CHECK],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("require", [False, True])
def test_missing_tensorflow_skips_or_fails(tmp_path, require):
    result = run_without_tensorflow(tmp_path, require)
    if require:
        assert result.returncode != 0, result.stdout
        assert "MINICNN_REQUIRE_TF=1 but TensorFlow cannot be imported" in result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert "skipped" in result.stdout and "passed" not in result.stdout
