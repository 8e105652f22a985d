"""Training-curve pictures: valid images of the expected layout, from a History and from a CSVLogger
file, written atomically, drawn without a GUI and without matplotlib at ``import minicnn``."""

import os
import struct
import subprocess
import sys

import numpy as np
import pytest

import minicnn as mc
from minicnn.curves import plot_history

pytest.importorskip("matplotlib")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLORS = {"train": (31, 119, 180), "validation": (255, 127, 14), "learning_rate": (44, 160, 44)}  # C0, C1, C2


def train(tmp_path, epochs=6, schedule=True, validation_freq=1, separator=","):
    """A small fit with validation, logged by a CSVLogger; the learning rate drops at epoch 3 if ``schedule``."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 5)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] > 0).astype(np.int64)
    model = mc.Sequential([mc.Input((5,)), mc.layers.Dense(8, activation="relu"), mc.layers.Dense(2)])
    model.compile(mc.optimizers.SGD(0.2), mc.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    callbacks = [mc.callbacks.CSVLogger(tmp_path / "log.csv", separator=separator)]
    if schedule:
        callbacks.insert(0, mc.callbacks.LearningRateScheduler(lambda epoch, lr: 0.2 if epoch < 3 else 0.02))
    return model.fit(x, y, batch_size=10, epochs=epochs, verbose=0, validation_split=0.25,
                     validation_freq=validation_freq, callbacks=callbacks)


def png_size(path):
    """(width, height) from the PNG header, after checking the signature and the IHDR chunk."""
    data = open(path, "rb").read()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def colored_pixels(path, color, panel, panels):
    """How many pixels of ``panel`` (of ``panels`` side by side) are close to ``color``."""
    from matplotlib.image import imread
    image = imread(path)[..., :3]
    width = image.shape[1] // panels
    part = image[:, panel * width:(panel + 1) * width]
    return int((np.abs(part - np.array(color) / 255.0).max(axis=-1) < 0.04).sum())


def assert_curves(path, panels, learning_rate_panel):
    width, height = png_size(path)
    assert (width, height) == (500 * panels, 400), f"{panels} panels expected, got {width}x{height}"
    assert 10_000 < os.path.getsize(path) < 2_000_000, os.path.getsize(path)
    metric_panels = panels - learning_rate_panel
    for panel in range(metric_panels):
        for curve in ("train", "validation"):
            count = colored_pixels(path, COLORS[curve], panel, panels)
            assert count > 100, f"panel {panel}: {count} pixels of the {curve} curve"
    if learning_rate_panel:
        assert colored_pixels(path, COLORS["learning_rate"], panels - 1, panels) > 100


def test_history_gives_accuracy_loss_and_learning_rate_panels(tmp_path):
    history = train(tmp_path)
    path = tmp_path / "curves.png"
    assert plot_history(history, path) == path
    assert_curves(path, panels=3, learning_rate_panel=True)


@pytest.mark.parametrize("separator", [";", "\t"], ids=["semicolon", "tab"])  # comma: the other tests
def test_csv_logger_file_gives_the_same_picture(tmp_path, separator):
    history = train(tmp_path, separator=separator)
    from_csv, from_history = tmp_path / "from_csv.png", tmp_path / "from_history.png"
    plot_history(str(tmp_path / "log.csv"), from_csv)
    plot_history(history, from_history)
    assert_curves(from_csv, panels=3, learning_rate_panel=True)
    assert from_csv.read_bytes() == from_history.read_bytes()


def test_a_constant_learning_rate_gets_no_panel(tmp_path):
    history = train(tmp_path, schedule=False)
    plot_history(history.history, tmp_path / "c.png")  # the dict alone will do
    assert_curves(tmp_path / "c.png", panels=2, learning_rate_panel=False)


def test_chosen_metrics_one_panel_each(tmp_path):
    history = train(tmp_path)
    plot_history(history, tmp_path / "loss.png", metrics=["loss"])
    assert_curves(tmp_path / "loss.png", panels=2, learning_rate_panel=True)


def test_validation_every_other_epoch_is_drawn(tmp_path):
    history = train(tmp_path, epochs=6, schedule=False, validation_freq=2)
    assert len(history.history["val_loss"]) == 3
    plot_history(history, tmp_path / "h.png")
    plot_history(tmp_path / "log.csv", tmp_path / "c.png")  # the file says NA on the other epochs
    assert_curves(tmp_path / "h.png", panels=2, learning_rate_panel=False)
    assert_curves(tmp_path / "c.png", panels=2, learning_rate_panel=False)


def test_other_formats_by_suffix(tmp_path):
    history = train(tmp_path, epochs=2, schedule=False)
    plot_history(history, tmp_path / "curves.svg")
    assert b"<svg" in (tmp_path / "curves.svg").read_bytes()[:1000]


def test_the_file_is_replaced_whole_and_no_temporary_file_stays(tmp_path):
    history = train(tmp_path, epochs=2)
    path = tmp_path / "curves.png"
    path.write_bytes(b"an older picture")
    with pytest.raises(ValueError, match="not logged"):
        plot_history(history, path, metrics=["precision"])
    assert path.read_bytes() == b"an older picture"
    plot_history(history, path)
    assert png_size(path)[0] > 0
    assert sorted(os.listdir(tmp_path)) == ["curves.png", "log.csv"]


@pytest.mark.parametrize("source, path, error, message", [
    ({"loss": []}, "a.png", ValueError, "no epochs"),
    ([0.5, 0.4], "a.png", TypeError, "got list"),
    ({"loss": [1.0, 0.5]}, "a.txt2", ValueError, "image suffix"),
    ({"learning_rate": [0.1, 0.01]}, "a.png", ValueError, "nothing to plot"),
], ids=["empty", "a-list", "unknown-suffix", "only-learning-rate"])
def test_bad_input_is_refused_with_what_was_wrong(tmp_path, source, path, error, message):
    with pytest.raises(error, match=message):
        plot_history(source, tmp_path / path)


def test_a_csv_file_not_from_csv_logger_is_refused(tmp_path):
    (tmp_path / "other.csv").write_text("step,loss\n0,1.0\n")
    with pytest.raises(ValueError, match="not a CSVLogger file"):
        plot_history(tmp_path / "other.csv", tmp_path / "a.png")


def test_import_minicnn_needs_no_matplotlib_and_plotting_no_gui(tmp_path):
    script = (
        "import sys, minicnn\n"
        "assert 'matplotlib' not in sys.modules, 'import minicnn imported matplotlib'\n"
        "from minicnn.curves import plot_history\n"
        f"plot_history({{'loss': [1.0, 0.5], 'val_loss': [1.1, 0.7]}}, {str(tmp_path / 'x.png')!r})\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot (and a GUI backend) was loaded'\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND", "WAYLAND_DISPLAY")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert png_size(tmp_path / "x.png") == (500, 400)
