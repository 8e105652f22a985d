"""The convolution stepping over its input (the source material's figures 10.12-10.16, seed 001
section 10.2.1): one panel per output position, the receptive field outlined on the 5x5 input, the
output filled in up to that step, and the window's products summed as the text writes them
("-1-1+0-1+2+6+0-2+4=7", line 127).

The output values come from ``minicnn.functional.conv2d``; the products from the window itself.
"""

import numpy as np

from .. import functional as F
from ..backend import to_numpy
from .figures import board, draw_cells, finish, label, number_text, outline
from .seed_examples import SHOWN, STEPS_INPUT, STEPS_KERNEL, STEPS_PRINTED

WINDOW_COLOR = "#2ca02c"   # the source material draws the receptive field in green
MAX_PANELS = 16


def conv_steps(image=None, kernel=None, strides=1):
    """The steps of a VALID convolution of a one-channel ``image`` (H, W) with ``kernel`` (kh, kw)
    (defaults: the source material's 5x5 input and 3x3 kernel), in the order the window moves.

    Returns (steps, output): each step a dict with ``position`` (p, q), ``corner`` (the window's
    top-left input cell (p·sh, q·sw)), ``products`` (kh, kw) = window ⊙ kernel and ``value``, output
    (p, q) of ``F.conv2d(image, kernel, strides, "VALID")``; output (OH, OW) is that convolution.
    """
    image = np.asarray(STEPS_INPUT if image is None else image, dtype=np.float64)
    kernel = np.asarray(STEPS_KERNEL if kernel is None else kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"conv_steps: image and kernel must be 2-D arrays, got shapes {image.shape} and "
                         f"{kernel.shape}")
    output = to_numpy(F.conv2d(image[None, :, :, None], kernel[:, :, None, None], strides, "VALID"))[0, :, :, 0]
    sh, sw = (strides, strides) if np.isscalar(strides) else tuple(strides)
    kh, kw = kernel.shape
    steps = []
    for p in range(output.shape[0]):
        for q in range(output.shape[1]):
            window = image[p * sh:p * sh + kh, q * sw:q * sw + kw]
            steps.append({"position": (p, q), "corner": (p * sh, q * sw), "products": window * kernel,
                          "value": float(output[p, q])})
    return steps, output


def sum_text(products, value):
    """The source material's way of writing a window's sum: ``-1-1+0-1+2+6+0-2+4=7``."""
    terms = [number_text(v) for v in np.ravel(products)]
    text = terms[0] + "".join(t if t.startswith("-") else "+" + t for t in terms[1:])
    return f"{text}={number_text(value)}"


def conv_steps_figure(image=None, kernel=None, strides=1, path=None):
    """One panel per output position, in the order the window moves: the input with the window
    outlined, the output so far (this step's cell outlined), and the window's sum. With the default
    input, cells the source material does not print are grey and italic (see ``seed_examples``).
    Returns the Figure; with ``path``, also writes it there (atomically)."""
    default = image is None and kernel is None
    steps, output = conv_steps(image, kernel, strides)
    image = np.asarray(STEPS_INPUT if image is None else image, dtype=np.float64)
    kernel = np.asarray(STEPS_KERNEL if kernel is None else kernel, dtype=np.float64)
    if len(steps) > MAX_PANELS:
        raise ValueError(f"conv_steps_figure: {len(steps)} output positions would make {len(steps)} panels, more than "
                         f"{MAX_PANELS}; take a smaller input or a larger stride")
    shown_input = SHOWN if default else np.ones(image.shape, dtype=bool)
    shown_output = {position for position in STEPS_PRINTED} if default else None
    (h, w), (oh, ow) = image.shape, output.shape
    panel_w, panel_h = w + output.shape[1] + 3.5, h + 2.6
    header = 6.2
    width, height = max(ow * panel_w + 1.0, 30.0), header + oh * panel_h + (1.6 if default else 0.6)
    figure, axes = board(width, height, inch=0.36)
    _draw_header(axes, image, kernel, strides, width, default)
    for k, step in enumerate(steps):
        p, q = step["position"]
        left, top = 0.8 + q * panel_w + (width - 1.0 - ow * panel_w) / 2, header + p * panel_h
        _draw_panel(axes, k, step, steps[:k + 1], image, output.shape, shown_input, shown_output, left, top)
    if default:
        label(axes, width / 2, height - 0.7, "Black: the numbers seed 001 prints (the first window, line 125; the "
              "outputs 7 and 10, lines 127-129). Grey italic: cells only in its figure 10.12, reconstructed so "
              "that the printed 7 and 10 come out.", fontsize=8.5, color="0.3")
    return finish(figure, path, "conv_steps_figure")


def _draw_header(axes, image, kernel, strides, width, default):
    kh, kw = kernel.shape
    label(axes, width / 2, 0.7, f"A {kh}x{kw} convolution stepping over a {image.shape[0]}x{image.shape[1]} input "
          f"(strides {strides}, VALID)" + (": seed 001, section 10.2.1" if default else ""), fontsize=12,
          weight="bold")
    label(axes, width / 2, 1.55, "Each step multiplies the window (green) by the kernel cell by cell, sums the "
          "products and writes the sum into the output", fontsize=10)
    kernel_left = width / 2 - kw / 2
    label(axes, kernel_left - 0.4, 2.6 + kh / 2, "kernel W", fontsize=10, ha="right", weight="bold")
    draw_cells(axes, kernel_left, 2.6, [[number_text(v) for v in row] for row in kernel], "kernel",
               [["#fff2cc"] * kw] * kh, fontsize=9.5, weight="bold")


def _draw_panel(axes, k, step, done, image, out_hw, shown_input, shown_output, left, top):
    """Input with the window outlined, output so far, the sum below."""
    (h, w), (kh, kw) = image.shape, step["products"].shape
    p, q = step["position"]
    r0, c0 = step["corner"]
    inside = np.zeros(image.shape, dtype=bool)
    inside[r0:r0 + kh, c0:c0 + kw] = True
    texts = [[number_text(v) for v in row] for row in image]
    faces = [["#d9f2d9" if inside[r, c] else None for c in range(w)] for r in range(h)]
    colours = [["black" if shown_input[r, c] else "0.5" for c in range(w)] for r in range(h)]
    draw_cells(axes, left, top + 0.6, texts, f"input{k}", faces, fontsize=8.5, color=colours)
    _italicise(axes, f"input{k}", shown_input)
    outline(axes, left + c0, top + 0.6 + r0, kw, kh, "#2ca02c", linewidth=2.2)
    label(axes, left + w / 2, top + 0.2, f"step {k + 1}: window at ({r0},{c0})", fontsize=8.5)
    out_left, out_top = left + w + 1.2, top + 0.6 + (h - out_hw[0]) / 2
    values = {s["position"]: s["value"] for s in done}
    texts = [[number_text(values[(r, c)]) if (r, c) in values else "" for c in range(out_hw[1])]
             for r in range(out_hw[0])]
    faces = [["#ffe0b3" if (r, c) == (p, q) else ("#f2f2f2" if (r, c) in values else None)
              for c in range(out_hw[1])] for r in range(out_hw[0])]
    colours = [["black" if shown_output is None or (r, c) in shown_output else "0.45" for c in range(out_hw[1])]
               for r in range(out_hw[0])]
    draw_cells(axes, out_left, out_top, texts, f"output{k}", faces, fontsize=8.5, color=colours, weight="bold")
    if shown_output is not None:
        _italicise(axes, f"output{k}", np.array([[(r, c) in shown_output for c in range(out_hw[1])]
                                                 for r in range(out_hw[0])]))
    outline(axes, out_left + q, out_top + p, 1, 1, "#ff7f0e", linewidth=2.0)
    label(axes, out_left + out_hw[1] / 2, out_top - 0.4, "output", fontsize=8)
    label(axes, left + (w + 1.2 + out_hw[1]) / 2, top + 0.6 + h + 0.55, sum_text(step["products"], step["value"]),
          fontsize=8.5, gid=f"sum{k}", family="DejaVu Sans Mono")


def _italicise(axes, name, shown):
    """Italic for the cells of grid ``name`` that ``shown`` marks as not printed in the source."""
    for text in axes.texts:
        gid = text.get_gid() or ""
        if gid.startswith(name + "["):
            r, c = (int(n) for n in gid[len(name) + 1:-1].split(","))
            if not shown[r, c]:
                text.set_style("italic")
