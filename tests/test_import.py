"""``import minicnn`` stays light: heavy libraries load when a feature needs them, not before."""

import subprocess
import sys

HEAVY = ("h5py", "scipy.special", "scipy.sparse", "matplotlib", "sklearn", "tensorflow", "cupy")


def test_importing_minicnn_loads_no_heavy_library():
    program = ("import sys, minicnn, minicnn.tf, minicnn.keras; "
               f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]", f"loaded at import time: {done.stdout.strip()}"
