"""Kill-safe training: a run killed with SIGKILL mid-epoch resumes from its last backup and ends
with exactly the weights of a run that was never interrupted."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minicnn as mc

SCRIPT = Path(__file__).parent / "scripts" / "resumable_run.py"


def run(out_dir, *args):
    return subprocess.run([sys.executable, str(SCRIPT), str(out_dir), *args], capture_output=True, text=True,
                          timeout=300)


def test_sigkill_mid_epoch_then_resume_is_bit_identical(tmp_path):
    straight, interrupted = tmp_path / "straight", tmp_path / "interrupted"
    straight.mkdir(), interrupted.mkdir()
    assert run(straight).returncode == 0
    killed = run(interrupted, "2,3")  # killed at the end of batch 3 of epoch 2 (0-based): epochs 0 and 1 backed up
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (interrupted / "backup" / "backup.npz").exists() and not (interrupted / "final.npz").exists()
    resumed = run(interrupted)
    assert resumed.returncode == 0, resumed.stderr
    with np.load(straight / "final.npz") as a, np.load(interrupted / "final.npz") as b:
        for key in a.files:
            np.testing.assert_array_equal(b[key], a[key], err_msg=key)
    np.testing.assert_array_equal(np.load(interrupted / "loss.npy"), np.load(straight / "loss.npy"))
    assert not (interrupted / "backup" / "backup.npz").exists(), "a finished run deletes its backup"


def test_a_foreign_or_corrupt_backup_is_a_clear_error(tmp_path):
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "backup.npz").write_bytes(b"not a zip")
    model = mc.Sequential([mc.Input((3,)), mc.layers.Dense(2)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="not an .npz archive"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0,
                  callbacks=[mc.callbacks.BackupAndRestore(backup)])
    model.save_weights(backup / "backup.npz")  # a weights file, not a training backup
    with pytest.raises(ValueError, match="not a training backup"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0,
                  callbacks=[mc.callbacks.BackupAndRestore(backup)])
