"""What every picture of ``minicnn.viz`` shares: a matplotlib Figure on the Agg canvas (no pyplot,
no display), a "board" axes measured in cells (x to the right, y downward, one unit per cell),
grids of labelled cells, outlines, and the atomic write of the finished picture.

matplotlib is imported inside the functions only, so ``import minicnn`` does not need it.
Every cell text carries a gid ``"<name>[r,c]"`` (``Text.get_gid()``), so a test can read back
exactly which number a picture shows where.
"""

import os

from ..checkpoint import _write_atomically

INCH_PER_CELL = 0.42      # a cell of a board is this many inches wide: room for "-123" at 9 pt
WINDOW_COLORS = ("#2ca02c", "#1f77b4", "#d62728", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
                 "#bcbd22", "#7f7f7f")


def new_figure(width, height, dpi=100):
    """An empty Figure of ``width`` x ``height`` inches on the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


def board(width, height, inch=INCH_PER_CELL, dpi=100):
    """(figure, axes): a figure ``width`` x ``height`` cells large (``inch`` inches a cell) and one
    axes over all of it in cell units, y downward, without ticks or frame."""
    figure = new_figure(width * inch, height * inch, dpi)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(height, 0)
    axes.axis("off")
    return figure, axes


def number_text(value):
    """``7``, ``-56``, ``0.25``: integers without a decimal point, others with 2 significant digits."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.2g}"


def draw_cells(axes, left, top, texts, name, facecolors=None, fontsize=9, color="black", cell=1.0, **text_options):
    """A grid of cells whose top-left corner is (left, top): ``texts[r][c]`` written in cell (r, c)
    (gid ``"name[r,c]"``), filled with ``facecolors[r][c]`` (white when None)."""
    from matplotlib.patches import Rectangle

    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            face = "white" if facecolors is None or facecolors[r][c] is None else facecolors[r][c]
            axes.add_patch(Rectangle((left + c * cell, top + r * cell), cell, cell, facecolor=face,
                                     edgecolor="0.55", linewidth=0.6, zorder=1))
            colour = color[r][c] if isinstance(color, (list, tuple)) else color
            axes.text(left + (c + 0.5) * cell, top + (r + 0.5) * cell, text, ha="center", va="center",
                      fontsize=fontsize, color=colour, zorder=3, gid=f"{name}[{r},{c}]", **text_options)


def outline(axes, left, top, width, height, color, linewidth=2.5, inset=0.0, linestyle="-"):
    """A rectangle's border (no fill) around cells, drawn ``inset`` cells inside their edge."""
    from matplotlib.patches import Rectangle

    axes.add_patch(Rectangle((left + inset, top + inset), width - 2 * inset, height - 2 * inset, fill=False,
                             edgecolor=color, linewidth=linewidth, linestyle=linestyle, zorder=4))


def label(axes, x, y, text, fontsize=10, ha="center", va="center", **options):
    """Plain text at (x, y) in board units."""
    axes.text(x, y, text, ha=ha, va=va, fontsize=fontsize, zorder=5, **options)


def tint(color, amount):
    """``color`` mixed with white: amount 0 is white, 1 the colour itself (an RGB tuple)."""
    from matplotlib.colors import to_rgb

    return tuple(1 - amount * (1 - channel) for channel in to_rgb(color))


def save_figure(figure, path, owner, dpi=None):
    """Write ``figure`` to ``path`` in the format its extension names (``.png``, ``.svg``, ``.pdf``,
    ...) through a temporary file renamed over ``path`` (the old file stays whole on failure).
    ``owner`` names the function in the error for an unknown extension. Returns ``path``."""
    extension = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    formats = figure.canvas.get_supported_filetypes()
    if extension not in formats:
        suffixes = ", ".join("." + f for f in sorted(formats))
        raise ValueError(f"{owner}: path must end in an image suffix ({suffixes}), got {os.fspath(path)!r}")
    _write_atomically(path, lambda stream: figure.savefig(stream, format=extension, dpi=dpi or figure.dpi))
    return path


def finish(figure, path, owner, dpi=None):
    """Save the figure when ``path`` is given; return the figure either way."""
    if path is not None:
        save_figure(figure, path, owner, dpi)
    return figure
