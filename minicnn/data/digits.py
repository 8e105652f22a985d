"""scikit-learn's handwritten digits (1797 images of 8x8, 16 grey levels) as an NHWC dataset."""

import numpy as np


def load_digits(test_fraction=0.25, seed=0, dtype=np.float32):
    """((x_train, y_train), (x_test, y_test)): x of shape (N, 8, 8, 1) scaled to [0, 1], y int64.

    The split is stratified per class and fixed by ``seed``, so every run sees the same test set.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    x = (bunch.images / 16.0).astype(dtype)[..., None]
    y = bunch.target.astype(np.int64)
    generator = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        members = generator.permutation(np.flatnonzero(y == label))
        test[members[: int(round(test_fraction * len(members)))]] = True
    return (x[~test], y[~test]), (x[test], y[test])
