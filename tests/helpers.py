"""Comparison helpers for tests (import: from helpers import assert_close)."""

import numpy as np

TOLERANCES = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}


def assert_close(actual, expected, dtype, what="", scale=1.0):
    """Compare with the DESIGN tolerances for ``dtype`` (atol scaled for large-magnitude data)."""
    tol = TOLERANCES[np.dtype(dtype).type]
    np.testing.assert_allclose(
        np.asarray(actual), np.asarray(expected), rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=what
    )
