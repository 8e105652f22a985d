"""Training curves: the per-epoch values of a fit as a picture, drawn as the source material draws them.

``plot_history(model.fit(...), "curves.png")`` puts side by side one panel per quantity, training
and validation curves against the epoch with a legend: accuracy, then loss (the source material's
two panels, "Training and Validation Accuracy" / "... Loss"), then any other metric, plus the
learning rate per epoch when a callback changed it. It reads a ``History``, its ``history`` dict, or
the file a ``CSVLogger`` wrote. matplotlib is imported inside the function only, so ``import
minicnn`` does not need it (``pip install "minicnn[plot]"``); it draws with the Agg canvas, no GUI.
"""

import csv
import os

from .checkpoint import _write_atomically

LEARNING_RATE = "learning_rate"
TRAIN_COLOR, VALIDATION_COLOR = "C0", "C1"  # matplotlib's first two colours: blue, orange


def plot_history(history_or_csv_path, path, metrics=None):
    """Draw the training curves of ``history_or_csv_path`` (a ``History``, a dict name -> per-epoch
    values, or a CSVLogger file) into the image ``path`` (``.png``, ``.svg``, ``.pdf``, ...), written
    atomically; returns ``path``.

    ``metrics``: the quantities to draw, one panel each, e.g. ``["loss"]``; ``val_<name>`` joins
    ``<name>`` in its panel. None: every logged quantity, accuracies first, then the loss, then the
    rest. The learning rate gets a last panel (log scale when it spans a factor 10 or more) when
    the logs hold ``learning_rate`` and it changed. The x axis counts epochs from 1.
    """
    epochs, history = read_history(history_or_csv_path)
    names = panel_names(history, metrics)
    rates = [v for v in history.get(LEARNING_RATE, []) if v is not None]
    show_rate = len(set(rates)) > 1
    figure = _figure(len(names) + show_rate)
    axes = figure.subplots(1, len(names) + show_rate, squeeze=False)[0]
    for ax, name in zip(axes, names):
        _draw_metric(ax, epochs, history, name)
    if show_rate:
        _draw_learning_rate(axes[-1], epochs, history[LEARNING_RATE])
    _save(figure, path)
    return path


# --- reading ---------------------------------------------------------------------------------


def read_history(source):
    """(epochs counted from 0, {name: per-epoch values with None where missing}) from a History, a
    dict of lists, or a CSVLogger file (any separator; ``NA`` and list cells read as missing)."""
    if isinstance(source, (str, os.PathLike)):
        return _read_csv(os.fspath(source))
    if isinstance(source, dict):
        values = {name: list(series) for name, series in source.items()}
        epochs = None
    elif isinstance(getattr(source, "history", None), dict):
        values, epochs = {name: list(series) for name, series in source.history.items()}, list(source.epoch)
    else:
        raise TypeError("plot_history: history_or_csv_path must be a History, a dict of per-epoch lists or the "
                        f"path of a CSVLogger file, got {type(source).__name__}")
    count = max((len(series) for series in values.values()), default=0)
    if count == 0:
        raise ValueError("plot_history: the history holds no epochs, so there is nothing to plot")
    if epochs is None or len(epochs) != count:
        epochs = list(range(count))
    return epochs, {name: [_number(v) for v in series] for name, series in values.items()}


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as stream:
        header = stream.readline()
        if not header.startswith("epoch") or len(header.rstrip("\r\n")) < len("epoch") + 1:
            raise ValueError(f"plot_history: {path} is not a CSVLogger file (its first line should be 'epoch' "
                             f"and the logged names), got {header[:60]!r}")
        separator = header[len("epoch")]
        stream.seek(0)
        rows = list(csv.reader(stream, delimiter=separator))
    names, rows = rows[0][1:], [row for row in rows[1:] if row]
    if not rows:
        raise ValueError(f"plot_history: {path} holds no epochs, so there is nothing to plot")
    epochs = [int(row[0]) for row in rows]
    history = {name: [_number(row[k + 1]) if k + 1 < len(row) else None for row in rows]
               for k, name in enumerate(names)}
    return epochs, {name: series for name, series in history.items() if any(v is not None for v in series)}


def _number(value):
    """A float, or None for what is not one (``NA``, a list written as text)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def panel_names(history, metrics=None):
    """The quantities to draw, one panel each: ``metrics`` checked against the logs, or by default
    every logged name (``val_x`` counted as ``x``) with accuracies first, then the loss, then the rest."""
    logged = list(dict.fromkeys(name.removeprefix("val_") for name in history if name != LEARNING_RATE))
    if metrics is None:
        names = ([n for n in logged if "acc" in n] + [n for n in logged if n == "loss"]
                 + [n for n in logged if "acc" not in n and n != "loss"])
        if not names:
            raise ValueError(f"plot_history: nothing to plot besides the learning rate; logged: {sorted(history)}")
        return names
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    missing = [n for n in names if n not in logged]
    if missing or not names:
        raise ValueError(f"plot_history: metrics={metrics!r} names quantities that were not logged ({missing}); "
                         f"logged: {logged}")
    return names


# --- drawing ---------------------------------------------------------------------------------


def _figure(panels):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width = 5 * panels  # inches; fixed margins (in inches) instead of a layout engine: one draw, not three
    figure = Figure(figsize=(width, 4), dpi=100)
    figure.subplots_adjust(left=0.85 / width, right=1 - 0.2 / width, bottom=0.13, top=0.91, wspace=0.32)
    FigureCanvasAgg(figure)
    return figure


def pretty(name):
    """``sparse_categorical_accuracy`` -> ``Sparse Categorical Accuracy``."""
    return " ".join(word.capitalize() for word in name.split("_"))


def _points(epochs, series):
    """(x, y) of the values present, x counting epochs from 1. A History series shorter than the n
    epochs (validation every f epochs, ``validation_freq=f``) has its k-th value at epoch (k+1)·f,
    with f = n // m for m values."""
    n, m = len(epochs), len(series)
    if m == n:
        xs = [e + 1 for e in epochs]
    else:
        xs = [epochs[min(n, (k + 1) * (n // m)) - 1] + 1 for k in range(m)]
    kept = [(x, y) for x, y in zip(xs, series) if y is not None]
    return [x for x, _ in kept], [y for _, y in kept]


def _draw_metric(ax, epochs, history, name):
    label = pretty(name)
    for key, kind, color in ((name, "Training", TRAIN_COLOR), (f"val_{name}", "Validation", VALIDATION_COLOR)):
        if key in history:
            xs, ys = _points(epochs, history[key])
            ax.plot(xs, ys, color=color, marker="o" if len(xs) < 30 else None, markersize=3,
                    label=f"{kind} {label}")
    ax.set_title(f"Training and Validation {label}")
    _finish(ax, label)


def _draw_learning_rate(ax, epochs, rates):
    xs, ys = _points(epochs, rates)
    ax.step(xs, ys, where="post", color="C2", marker="o" if len(xs) < 30 else None, markersize=3,
            label="Learning Rate")
    positive = [y for y in ys if y > 0]
    log_scale = len(positive) == len(ys) and max(positive) >= 10 * min(positive)
    if log_scale:
        ax.set_yscale("log")
    ax.set_title("Learning Rate")
    _finish(ax, "Learning Rate", short_ticks=not log_scale)


def _finish(ax, label, short_ticks=True):
    """Axis labels, legend, grid; whole epochs on x; y tick labels kept short (powers of ten
    outside 1e-3..1e4 go to the axis' corner), so the fixed margins hold them."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if short_ticks:
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    ax.set_xlabel("Epoch")
    ax.set_ylabel(label)
    ax.legend()
    ax.grid(alpha=0.3)


def _save(figure, path):
    """Write the figure in the format its file name says, through a temporary file renamed over ``path``."""
    extension = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    formats = figure.canvas.get_supported_filetypes()
    if extension not in formats:
        suffixes = ", ".join("." + f for f in sorted(formats))
        raise ValueError(f"plot_history: path must end in an image suffix ({suffixes}), got {os.fspath(path)!r}")
    _write_atomically(path, lambda stream: figure.savefig(stream, format=extension))
