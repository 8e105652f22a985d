"""The benchmark scripts run (tiny sizes, one repeat) and print a ratio for every case."""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parent.parent


@pytest.mark.parametrize("script, arguments, rows", [
    ("conv2d_vs_tf.py", ["--batch", "2", "--repeats", "1"], 4),
    ("pool_bn_vs_tf.py", ["--shape", "2", "8", "8", "4", "--repeats", "1"], 3),
])
def test_benchmark_script_prints_ratios(tf, script, arguments, rows):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *arguments],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line for line in result.stdout.splitlines() if line[:1].isalnum() and line.split()[-1][:1].isdigit()]
    assert len(lines) == rows, result.stdout
    for line in lines:
        assert float(line.split()[-1]) > 0, line
