"""The im2col picture: a small one-channel input beside its patch matrix, each window of the input
outlined in the colour of the row it becomes, and the convolution as that matrix times the
flattened kernel.

``cols[p·OW + q, i·kw + j] = xpad[p·sh + i·dh, q·sw + j·dw]`` (minicnn/ops/im2col.py, one channel),
so ``conv2d(x, w) = cols @ w.ravel()``, one output value per row.
"""

import numpy as np

from ..ops.geometry import conv_geometry
from ..ops.im2col import im2col
from .figures import WINDOW_COLORS, board, draw_cells, finish, label, number_text, outline, tint
from .seed_examples import SEED_4X4, alternating_kernel

MAX_CELLS = 600  # a bigger patch matrix would not be readable


def im2col_matrix(image, kernel_size=3, strides=1, padding="VALID", dilations=1):
    """The patch matrix of a one-channel ``image`` (H, W), computed by ``ops.im2col.im2col``.

    Returns (cols, positions, geometry): cols (OH·OW, kh·kw), row p·OW + q holding window (p, q);
    positions (OH·OW, kh·kw, 2), the input (row, column) each entry was copied from, (-1, -1) where
    the window lies in the zero padding; geometry the ``ConvGeometry``.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"im2col_matrix: image must be a 2-D array (H, W), got shape {image.shape}")
    kernel_hw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else tuple(kernel_size)
    geometry = conv_geometry((1, *image.shape, 1), kernel_hw, strides, padding, dilations, op="im2col_matrix")
    (oh, ow), (kh, kw) = geometry.out_hw, geometry.kernel_hw
    cols = im2col(image[None, :, :, None], geometry).reshape(oh * ow, kh * kw)
    (sh, sw), (dh, dw) = geometry.strides, geometry.dilations
    (top, _), (left, _) = geometry.pads
    p, q, i, j = np.meshgrid(np.arange(oh), np.arange(ow), np.arange(kh), np.arange(kw), indexing="ij")
    rows, columns = p * sh + i * dh - top, q * sw + j * dw - left
    inside = (rows >= 0) & (rows < image.shape[0]) & (columns >= 0) & (columns < image.shape[1])
    positions = np.stack([np.where(inside, rows, -1), np.where(inside, columns, -1)], axis=-1)
    return cols, positions.reshape(oh * ow, kh * kw, 2), geometry


def im2col_figure(image=None, kernel=None, strides=1, padding="VALID", dilations=1, path=None):
    """Draw the input (default: the source material's 4x4 input 1..16), each window outlined in its
    colour, the patch matrix (one row per window, each cell with its value and the input position
    it came from), the flattened kernel (default: the seed's 3x3 kernel -1, 2, -3, ...) above the
    columns it multiplies and the output ``cols @ w.ravel()`` beside the rows. Returns the Figure;
    with ``path``, also writes it there (atomically)."""
    image = SEED_4X4 if image is None else np.asarray(image, dtype=np.float64)
    kernel = alternating_kernel(3, 3) if kernel is None else np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2:
        raise ValueError(f"im2col_figure: kernel must be a 2-D array (kh, kw), got shape {kernel.shape}")
    cols, positions, geometry = im2col_matrix(image, kernel.shape, strides, padding, dilations)
    if cols.size > MAX_CELLS:
        raise ValueError(f"im2col_figure: the patch matrix would have {cols.shape[0]} x {cols.shape[1]} = {cols.size} "
                         f"cells, more than {MAX_CELLS} can be read in a picture; take a smaller input or kernel")
    output = cols @ kernel.ravel()
    (top, bottom), (left, right) = geometry.pads
    padded_h, padded_w = geometry.padded_hw
    taps = cols.shape[1]
    matrix_left = padded_w + 6.5
    width = max(matrix_left + taps + 3.2, 22.0)
    height = max(4.0 + padded_h, 5.2 + cols.shape[0] + 1.0) + 2.4
    figure, axes = board(width, height)
    input_top = 4.0
    _draw_input(axes, image, geometry, 1.5, input_top)
    _draw_windows(axes, geometry, 1.5, input_top)
    _draw_matrix(axes, cols, positions, kernel, output, geometry, matrix_left, 3.2)
    label(axes, 1.5 + padded_w / 2, input_top - 1.2, f"input x ({image.shape[0]}x{image.shape[1]}"
          + (", zero padding in grey)" if top + bottom + left + right else ")"), fontsize=11)
    (sh, sw), (kh, kw), (oh, ow) = geometry.strides, geometry.kernel_hw, geometry.out_hw
    label(axes, width / 2, 0.65, f"im2col: each {kh}x{kw} window of x becomes one row of the patch matrix",
          fontsize=12, weight="bold")
    label(axes, width / 2, 1.45, f"strides {sh}x{sw}, {_padding_name(padding)}: {oh}x{ow} = {oh * ow} windows "
          f"-> a {cols.shape[0]} x {taps} matrix", fontsize=10.5)
    label(axes, width / 2, height - 1.3, "conv2d(x, w) = cols @ w.ravel()", fontsize=11, weight="bold")
    label(axes, width / 2, height - 0.6, "row r of the patch matrix times the kernel row above it gives output "
          "value r (minicnn/ops/im2col.py)", fontsize=10)
    return finish(figure, path, "im2col_figure")


def _padding_name(padding):
    return padding if isinstance(padding, str) else f"padding {padding}"


def _draw_input(axes, image, geometry, left, top):
    """The (padded) input grid: values, row and column numbers along its sides, padding cells grey."""
    (pad_top, _), (pad_left, _) = geometry.pads
    padded_h, padded_w = geometry.padded_hw
    texts, faces = [], []
    for r in range(padded_h):
        texts.append([]), faces.append([])
        for c in range(padded_w):
            row, column = r - pad_top, c - pad_left
            inside = 0 <= row < image.shape[0] and 0 <= column < image.shape[1]
            texts[-1].append(number_text(image[row, column]) if inside else "0")
            faces[-1].append(None if inside else "0.85")
    for r in range(image.shape[0]):
        label(axes, left - 0.35, top + pad_top + r + 0.5, str(r), fontsize=7, color="0.35")
    for c in range(image.shape[1]):
        label(axes, left + pad_left + c + 0.5, top - 0.3, str(c), fontsize=7, color="0.35")
    draw_cells(axes, left, top, texts, "input", faces, fontsize=10, weight="bold")


def _draw_windows(axes, geometry, left, top):
    """Each output position's window outlined in its colour, nested insets so that overlaps show."""
    (oh, ow), (kh, kw) = geometry.out_hw, geometry.kernel_hw
    (sh, sw), (dh, dw) = geometry.strides, geometry.dilations
    for k in range(oh * ow):
        p, q = divmod(k, ow)
        inset = 0.05 + 0.06 * (k % 4)
        outline(axes, left + q * sw, top + p * sh, (kw - 1) * dw + 1, (kh - 1) * dh + 1,
                WINDOW_COLORS[k % len(WINDOW_COLORS)], linewidth=2.0, inset=inset)


def _draw_matrix(axes, cols, positions, kernel, output, geometry, left, top):
    """Kernel row, patch matrix (row tints = window colours), output column, row and column labels."""
    (kh, kw), ow = geometry.kernel_hw, geometry.out_hw[1]
    rows, taps = cols.shape
    kernel_top, matrix_top = top, top + 2.0
    label(axes, left + taps / 2, kernel_top - 0.5, "w.ravel() (the kernel, one weight per column)", fontsize=9)
    draw_cells(axes, left, kernel_top, [[number_text(v) for v in kernel.ravel()]], "kernel",
               [["#fff2cc"] * taps], fontsize=10, weight="bold")
    for t in range(taps):
        label(axes, left + t + 0.5, matrix_top - 0.35, f"({t // kw},{t % kw})", fontsize=6.5, color="0.35")
    faces = [[tint(WINDOW_COLORS[r % len(WINDOW_COLORS)], 0.22)] * taps for r in range(rows)]
    texts = [[number_text(v) for v in row] for row in cols]
    draw_cells(axes, left, matrix_top, texts, "cols", faces, fontsize=10, weight="bold")
    for r in range(rows):
        colour = WINDOW_COLORS[r % len(WINDOW_COLORS)]
        p, q = divmod(r, ow)
        label(axes, left - 0.2, matrix_top + r + 0.5, f"row {r} <- window ({p},{q})", fontsize=8.5, ha="right",
              color=colour, weight="bold")
        for t in range(taps):
            row, column = positions[r, t]
            text = "pad" if row < 0 else f"{row},{column}"
            label(axes, left + t + 0.5, matrix_top + r + 0.84, text, fontsize=5.5, color="0.35",
                  gid=f"position[{r},{t}]")
    outline(axes, left, matrix_top, taps, rows, "black", linewidth=1.2)
    label(axes, left + taps / 2, matrix_top + rows + 0.6, f"patch matrix cols ({rows} x {taps}): "
          "value, and the input (row,col) it came from", fontsize=9)
    out_left = left + taps + 0.9
    label(axes, out_left + 0.5, matrix_top - 0.35, "out", fontsize=8)
    draw_cells(axes, out_left, matrix_top, [[number_text(v)] for v in output], "output", [["#e8e8e8"]] * rows,
               fontsize=10, weight="bold")
    label(axes, left + taps + 0.45, matrix_top + rows / 2, "=", fontsize=12)
