"""The convolution as a sparse matrix: ``O' = W' @ X'`` (the source material's figure).

Flatten one NHWC sample row-major, ``X' = x[n].ravel()`` (length H·W·C), and its output
``O' = y[n].ravel()`` (length OH·OW·O). Then ``W' = ∂O'/∂X'`` is a sparse matrix with a row per
output value and at most kh·kw·C nonzeros in it: ``W'[(p, q, o), (p·sh + i·dh - top,
q·sw + j·dw - left, c)] = w[i, j, c, o]`` (taps that fall in the padding are left out).

    forward:       O' = W' @ X'           (all samples at once: X' is a matrix, one column per sample)
    input grad:   dX' = W'ᵀ @ dO'          (transposed convolution is the same product)
    filter grad:  dw  = Σ over the nonzeros using w[i, j, c, o] of dO'[row] · X'[column]

The sparsity structure depends only on the geometry and is cached.
"""

from functools import lru_cache

import numpy as np

from ..backend import get_array_module, sparse_module, to_numpy
from . import GradcheckCase  # noqa: F401  (its gradients are checked as conv2d[sparse])
from .geometry import check_filter_shape, conv_geometry


@lru_cache(maxsize=64)
def sparsity_structure(geometry, out_channels):
    """CSR structure of W' for one sample: (indptr, indices, weight_index, row_of_entry)."""
    (sh, sw), (dh, dw) = geometry.strides, geometry.dilations
    (kh, kw), (oh, ow) = geometry.kernel_hw, geometry.out_hw
    (h, w), c, o = geometry.in_hw, geometry.in_channels, out_channels
    (top, _), (left, _) = geometry.pads
    p, q, i, j, ch, oc = np.meshgrid(np.arange(oh), np.arange(ow), np.arange(kh), np.arange(kw),
                                     np.arange(c), np.arange(o), indexing="ij")
    in_h, in_w = p * sh + i * dh - top, q * sw + j * dw - left
    inside = (in_h >= 0) & (in_h < h) & (in_w >= 0) & (in_w < w)
    rows = ((p * ow + q) * o + oc)[inside]
    columns = ((in_h * w + in_w) * c + ch)[inside]
    weight_index = (((i * kw + j) * c + ch) * o + oc)[inside]
    order = np.lexsort((columns, rows))
    rows, columns, weight_index = rows[order], columns[order], weight_index[order]
    indptr = np.zeros(oh * ow * o + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=oh * ow * o), out=indptr[1:])
    return indptr, columns.astype(np.int64), weight_index.astype(np.int64), rows.astype(np.int64)


def sparse_weight_matrix(w, geometry):
    """W' (OH·OW·O, H·W·C) as a CSR matrix of the array's backend."""
    xp = get_array_module(w)
    indptr, indices, weight_index, _ = sparsity_structure(geometry, w.shape[3])
    shape = (int(np.prod(geometry.out_hw)) * w.shape[3], int(np.prod(geometry.in_hw)) * geometry.in_channels)
    values = w.reshape(-1)[xp.asarray(weight_index)]
    return sparse_module(xp).csr_matrix((values, xp.asarray(indices), xp.asarray(indptr)), shape=shape)


def conv2d_as_sparse_matrix(filters, input_shape, strides=1, padding="VALID", dilations=1):
    """W' for one sample of ``input_shape`` (H, W, C) or (N, H, W, C), as a scipy.sparse matrix.

    ``(W' @ x[n].ravel()).reshape(OH, OW, O)`` equals ``conv2d(x, filters, ...)[n]``.
    """
    filters = to_numpy(filters)
    shape = tuple(input_shape)
    if len(shape) not in (3, 4):
        raise ValueError(f"conv2d_as_sparse_matrix: input_shape must have rank 3 (H, W, C) or 4 (N, H, W, C), "
                         f"got {shape}")
    shape = (1, *shape) if len(shape) == 3 else shape
    check_filter_shape(shape, filters.shape, "conv2d_as_sparse_matrix", "kh, kw, in_channels, out_channels")
    geometry = conv_geometry(shape, filters.shape[:2], strides, padding, dilations, op="conv2d_as_sparse_matrix")
    return sparse_weight_matrix(filters, geometry)


def _columns(a):
    """NHWC batch -> one flattened sample per column."""
    return a.reshape(a.shape[0], -1).T


def prepare(x, geometry):
    return x  # W' acts on x itself


def release(prepared):
    pass


def conv2d_forward(x, w, geometry):
    y = sparse_weight_matrix(w, geometry) @ _columns(x)
    return get_array_module(x).ascontiguousarray(y.T).reshape(x.shape[0], *geometry.out_hw, w.shape[3])


def conv2d_input_grad(dy, w, geometry):
    dx = sparse_weight_matrix(w, geometry).T @ _columns(dy)
    return get_array_module(dy).ascontiguousarray(dx.T).reshape(dy.shape[0], *geometry.in_hw, w.shape[2])


def conv2d_filter_grad(x, dy, geometry):
    xp = get_array_module(x)
    _, indices, weight_index, rows = sparsity_structure(geometry, dy.shape[3])
    x_cols, dy_cols = _columns(x), _columns(dy)
    values_grad = (dy_cols[xp.asarray(rows)] * x_cols[xp.asarray(indices)]).sum(axis=1)
    dw = xp.bincount(xp.asarray(weight_index), weights=values_grad, minlength=int(np.prod(geometry.kernel_hw))
                     * geometry.in_channels * dy.shape[3])
    return dw.astype(x.dtype).reshape(*geometry.kernel_hw, geometry.in_channels, dy.shape[3])


__all__ = ["conv2d_as_sparse_matrix"]

GRADCHECK_CASES = {}  # W' itself is not differentiated; conv2d[sparse] checks the form's gradients
