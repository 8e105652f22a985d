"""`minicnn train`, `evaluate` and `summary` end to end on a small MNIST file in Keras' npz format."""

import json

import numpy as np
import pytest

from minicnn.cli import main


@pytest.fixture
def mnist_dir(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "data"
    folder.mkdir()
    np.savez(folder / "mnist.npz", x_train=rng.integers(0, 256, (96, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, 96, dtype=np.uint8), x_test=rng.integers(0, 256, (32, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, 32, dtype=np.uint8))
    return folder


def test_train_writes_the_run_and_evaluate_reads_it_back(tmp_path, mnist_dir, capsys):
    out = tmp_path / "run"
    assert main(["train", "--model", "lenet5", "--dataset", "mnist", "--data-dir", str(mnist_dir), "--epochs", "2",
                 "--batch-size", "16", "--augment", "shift", "--schedule", "step", "--out", str(out), "--quiet"]) == 0
    assert "test accuracy: " in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == "lenet5" and summary["dataset"] == "mnist" and summary["epochs"] == 2
    assert 0 <= summary["test_accuracy"] <= 1 and summary["test_loss"] > 0 and summary["wall_seconds"] > 0
    rows = (out / "log.csv").read_text().strip().splitlines()
    assert rows[0].startswith("epoch,") and len(rows) == 3 and "val_accuracy" in rows[0]
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "best.npz").exists() and (out / "final.npz").exists()
    assert not (out / "backup" / "backup.npz").exists()  # a finished run needs no backup
    assert main(["evaluate", "--model", "lenet5", "--dataset", "mnist", "--data-dir", str(mnist_dir),
                 "--weights", str(out / "final.npz")]) == 0
    assert f"test accuracy: {summary['test_accuracy']:.4f}" in capsys.readouterr().out


def test_summary_prints_the_zoo_models_keras_count(capsys):
    assert main(["summary", "resnet_v1", "--depth", "20"]) == 0
    assert "Total params: 274,442" in capsys.readouterr().out  # seed 000: ResNet20 v1 has 0.27M


@pytest.mark.parametrize("argv, message", [
    (["train", "--model", "lenet5", "--dataset", "mnist", "--out", "x", "--epochs", "0"], "positive integer"),
    (["train", "--model", "nope", "--dataset", "mnist", "--out", "x"], "invalid choice"),
    (["summary", "lenet5", "--input-shape", "28x28"], "separated by commas"),
])
def test_bad_arguments_are_one_line_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_missing_dataset_files_say_where_to_put_them(tmp_path, capsys, monkeypatch):
    def offline(url):
        raise OSError("no network")

    monkeypatch.setattr("minicnn.data.download.open_url", offline)
    code = main(["train", "--model", "lenet5", "--dataset", "mnist", "--data-dir", str(tmp_path), "--out",
                 str(tmp_path / "run"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("minicnn train: ") and "mnist" in err and "Traceback" not in err


def test_an_interrupted_run_needs_resume_and_resume_needs_one(tmp_path, mnist_dir, capsys):
    out = tmp_path / "run"
    (out / "backup").mkdir(parents=True)
    (out / "backup" / "backup.npz").write_bytes(b"stand-in for an interrupted run's backup")
    common = ["train", "--model", "lenet5", "--dataset", "mnist", "--data-dir", str(mnist_dir), "--quiet"]
    assert main(common + ["--out", str(out)]) == 1
    assert "holds an interrupted run" in capsys.readouterr().err
    assert main(common + ["--out", str(tmp_path / "fresh"), "--resume"]) == 1
    assert "holds no interrupted run" in capsys.readouterr().err
