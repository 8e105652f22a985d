"""The sparse-matrix picture (the source material's figures 10.57 and 10.58, seed 001 lines 1032-1046):
a 4x4 input X flattened to X' (16 values), the 3x3 kernel W rearranged into the sparse matrix W'
(4 x 16, one row per output value), the convolution as ``O' = W' @ X'``, and the transposed
convolution as ``W'^T @ O'`` (16 x 4), which reshaped is the 4x4 ``conv2d_transpose`` output.

W' comes from minicnn/ops/sparse_conv.py (``conv2d_as_sparse_matrix`` and its cached sparsity
structure): ``W'[(p, q), (p·sh + i·dh - top, q·sw + j·dw - left)] = w[i, j]``.
"""

import numpy as np

from ..ops.geometry import conv_geometry
from ..ops.sparse_conv import conv2d_as_sparse_matrix, sparsity_structure
from .figures import board, draw_cells, finish, label, number_text, outline, tint
from .seed_examples import SEED_4X4, alternating_kernel

MAX_CELLS = 600
TAP_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
              "#7f7f7f")


def sparse_matrix_example(image=None, kernel=None, strides=1, padding="VALID", dilations=1):
    """The numbers of the picture, for a one-channel ``image`` (H, W) (default: the seed's 4x4
    input 1..16) and ``kernel`` (kh, kw) (default: the seed's [[-1, 2, -3], [4, -5, 6], [-7, 8, -9]]).

    Returns a dict: ``image``, ``kernel``, ``w_prime`` (OH·OW, H·W) dense, from
    ``conv2d_as_sparse_matrix``; ``taps`` (same shape): the kernel entry i·kw + j each nonzero holds,
    -1 for the structural zeros; ``x_flat`` = X' (H·W); ``o_flat`` = W' @ X' (OH·OW); ``transposed``
    = W'^T @ O' (H·W); ``geometry``.
    """
    image = SEED_4X4.astype(np.float64) if image is None else np.asarray(image, dtype=np.float64)
    kernel = alternating_kernel(3, 3) if kernel is None else np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"sparse_matrix_example: image and kernel must be 2-D, got shapes {image.shape} and "
                         f"{kernel.shape}")
    filters = kernel[:, :, None, None]
    w_prime = conv2d_as_sparse_matrix(filters, (*image.shape, 1), strides, padding, dilations).toarray()
    geometry = conv_geometry((1, *image.shape, 1), kernel.shape, strides, padding, dilations,
                             op="sparse_matrix_example")
    indptr, columns, weight_index, _ = sparsity_structure(geometry, 1)
    taps = np.full(w_prime.shape, -1)
    for row in range(w_prime.shape[0]):
        taps[row, columns[indptr[row]:indptr[row + 1]]] = weight_index[indptr[row]:indptr[row + 1]]
    x_flat = image.ravel()
    o_flat = w_prime @ x_flat
    return {"image": image, "kernel": kernel, "w_prime": w_prime, "taps": taps, "x_flat": x_flat,
            "o_flat": o_flat, "transposed": w_prime.T @ o_flat, "geometry": geometry}


def sparse_matrix_figure(image=None, kernel=None, strides=1, padding="VALID", dilations=1, path=None):
    """Draw X and W, then ``O' = W' @ X'`` (X' written above the columns of W' it multiplies, O'
    beside its rows), then ``W'^T @ O'`` and its reshape to the input's size; each kernel entry has
    its colour wherever it appears. Returns the Figure; with ``path``, also writes it there."""
    example = sparse_matrix_example(image, kernel, strides, padding, dilations)
    w_prime = example["w_prime"]
    if w_prime.size > MAX_CELLS:
        raise ValueError(f"sparse_matrix_figure: W' would have {w_prime.shape[0]} x {w_prime.shape[1]} = "
                         f"{w_prime.size} cells, more than {MAX_CELLS} can be read in a picture; take a smaller input")
    rows, columns = w_prime.shape
    (h, w), (kh, kw) = example["image"].shape, example["kernel"].shape
    (oh, ow) = example["geometry"].out_hw
    margin = 5.0
    width = max(margin + columns + 4.0, margin + rows + 4.0 + w + 3.0, 2 * w + kw + 14.0, 26.0)
    top_a = 4.0 + max(h, kh) + 2.5
    top_b = top_a + rows + 5.0
    height = top_b + 2.0 + columns + 2.5
    figure, axes = board(width, height)
    label(axes, width / 2, 0.6, "The convolution as a sparse matrix: O' = W' @ X', and the transposed "
          "convolution as W'^T", fontsize=12, weight="bold")
    label(axes, width / 2, 1.4, f"{h}x{w} input, {kh}x{kw} kernel, strides {example['geometry'].strides[0]}, "
          f"{padding if isinstance(padding, str) else padding}: W' is {rows} x {columns} "
          f"(one row per output value, one column per input value)", fontsize=10)
    _draw_inputs(axes, example, margin, 3.2)
    _draw_forward(axes, example, margin, top_a)
    _draw_transposed(axes, example, margin, top_b)
    return finish(figure, path, "sparse_matrix_figure")


def _tap_face(tap, amount=0.35):
    return None if tap < 0 else tint(TAP_COLORS[tap % len(TAP_COLORS)], amount)


def _draw_inputs(axes, example, left, top):
    """X with its flattening order, and W with each entry in its colour."""
    image, kernel = example["image"], example["kernel"]
    (h, w), (kh, kw) = image.shape, kernel.shape
    label(axes, left + w / 2, top + 0.2, f"X ({h}x{w})", fontsize=10)
    draw_cells(axes, left, top + 0.8, [[number_text(v) for v in row] for row in image], "x",
               [["#fff2cc"] * w] * h, fontsize=10, weight="bold")
    for r in range(h):
        for c in range(w):
            label(axes, left + c + 0.86, top + 0.8 + r + 0.2, str(r * w + c), fontsize=5.5, color="0.4")
    kernel_left = left + w + 3.0
    label(axes, kernel_left + kw / 2, top + 0.2, f"W ({kh}x{kw})", fontsize=10)
    faces = [[_tap_face(i * kw + j) for j in range(kw)] for i in range(kh)]
    draw_cells(axes, kernel_left, top + 0.8, [[number_text(v) for v in row] for row in kernel], "w", faces,
               fontsize=10, weight="bold")
    label(axes, kernel_left + kw + 1.0, top + 0.8 + max(h, kh) / 2,
          "X' = X flattened row by row (figure\n10.57; small numbers: the index in X').\n"
          "Each row of W' is W laid over X\nat one output position, with zeros\nwhere the window does not reach.",
          fontsize=9.5, ha="left")


def _draw_forward(axes, example, left, top):
    """X' above the columns of W', W' (nonzeros coloured by kernel entry), O' beside its rows."""
    w_prime, taps = example["w_prime"], example["taps"]
    rows, columns = w_prime.shape
    ow = example["geometry"].out_hw[1]
    label(axes, left, top - 1.2, "Convolution: O' = W' @ X' (figure 10.58): output value r is row r of W' times X'",
          fontsize=10.5, ha="left", weight="bold")
    label(axes, left - 0.3, top + 0.5, "X'", fontsize=10, ha="right", weight="bold")
    draw_cells(axes, left, top, [[number_text(v) for v in example["x_flat"]]], "x_flat", [["#fff2cc"] * columns],
               fontsize=9.5)
    matrix_top = top + 1.6
    texts = [[number_text(v) if taps[r, c] >= 0 else "0" for c, v in enumerate(row)] for r, row in enumerate(w_prime)]
    colours = [["black" if taps[r, c] >= 0 else "0.7" for c in range(columns)] for r in range(rows)]
    faces = [[_tap_face(t) for t in row] for row in taps]
    draw_cells(axes, left, matrix_top, texts, "w_prime", faces, fontsize=9.5, color=colours)
    outline(axes, left, matrix_top, columns, rows, "black", linewidth=1.2)
    for r in range(rows):
        label(axes, left - 0.3, matrix_top + r + 0.5, f"o({r // ow},{r % ow})", fontsize=8.5, ha="right")
    label(axes, left + columns / 2, matrix_top + rows + 0.6, f"W' ({rows} x {columns})", fontsize=10, weight="bold")
    label(axes, left + columns + 0.5, matrix_top + rows / 2, "=", fontsize=12)
    out_left = left + columns + 1.0
    label(axes, out_left + 0.5, matrix_top - 0.4, "O'", fontsize=10, weight="bold")
    draw_cells(axes, out_left, matrix_top, [[number_text(v)] for v in example["o_flat"]], "o_flat",
               [["#e8e8e8"]] * rows, fontsize=9.5, weight="bold")


def _draw_transposed(axes, example, left, top):
    """O' above the columns of W'^T, W'^T, the product beside it and that product reshaped."""
    w_prime, taps, image = example["w_prime"], example["taps"], example["image"]
    rows, columns = w_prime.shape
    h, w = image.shape
    label(axes, left, top - 1.2, "Transposed convolution: X'' = W'^T @ O'", fontsize=10.5, ha="left",
          weight="bold")
    label(axes, left - 0.3, top + 0.5, "O'", fontsize=10, ha="right", weight="bold")
    draw_cells(axes, left, top, [[number_text(v) for v in example["o_flat"]]], "o_flat_t", [["#e8e8e8"] * rows],
               fontsize=9.5, weight="bold")
    matrix_top = top + 1.6
    texts = [[number_text(w_prime[r, c]) if taps[r, c] >= 0 else "0" for r in range(rows)] for c in range(columns)]
    colours = [["black" if taps[r, c] >= 0 else "0.7" for r in range(rows)] for c in range(columns)]
    faces = [[_tap_face(taps[r, c]) for r in range(rows)] for c in range(columns)]
    draw_cells(axes, left, matrix_top, texts, "w_prime_t", faces, fontsize=9.5, color=colours)
    outline(axes, left, matrix_top, rows, columns, "black", linewidth=1.2)
    label(axes, left + rows / 2, matrix_top + columns + 0.6, f"W'^T ({columns} x {rows})", fontsize=10,
          weight="bold")
    label(axes, left + rows + 0.5, matrix_top + columns / 2, "=", fontsize=12)
    out_left = left + rows + 1.0
    label(axes, out_left + 0.5, matrix_top - 0.4, "X''", fontsize=10, weight="bold")
    draw_cells(axes, out_left, matrix_top, [[number_text(v)] for v in example["transposed"]], "transposed",
               [["#dbe9f6"]] * columns, fontsize=9.5, weight="bold")
    grid_left, grid_top = out_left + 3.0, matrix_top + (columns - h) / 2
    label(axes, grid_left + w / 2, grid_top - 0.8, f"X'' reshaped to {h}x{w}\n(= conv2d_transpose(O, W))",
          fontsize=9.5)
    label(axes, grid_left, matrix_top + 1.0, "Column r of W'^T is row r of W':\neach output value is spread back "
          "over\nthe inputs its window covered.\nX'' has the shape of X but not its values:\nthe transposed "
          "convolution restores\nthe size, not the input (line 1046).", fontsize=9.5, ha="left", va="top")
    grid = example["transposed"].reshape(h, w)
    draw_cells(axes, grid_left, grid_top, [[number_text(v) for v in row] for row in grid],
               "transposed_grid", [["#dbe9f6"] * w] * h, fontsize=9.5, weight="bold")
