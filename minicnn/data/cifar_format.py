"""CIFAR-10/100 batch files, binary and python versions, read from bytes into NHWC images and labels.

Both versions store each image channel-major: 1024 red bytes, 1024 green, 1024 blue, each plane
32 rows of 32. Labels are described as ``((name, num_classes), ...)``:
``(("labels", 10),)`` for CIFAR-10, ``(("coarse_labels", 20), ("fine_labels", 100))`` for CIFAR-100.

- binary: records of one label byte per label name (in that order) then the 3072 pixel bytes;
- python: a pickled dict with bytes keys, ``b"data"`` a uint8 array (N, 3072) and each label name
  (``b"labels"``, ``b"fine_labels"``, ...) a list of N ints.
"""

import numpy as np

from .unpickle import restricted_loads

PIXELS = 3 * 32 * 32


def channels_last(rows):
    """(N, 3072) channel-major rows -> (N, 32, 32, 3) uint8, C-contiguous."""
    return np.ascontiguousarray(rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def check_labels(labels, name, label_name, num_classes):
    """``labels`` as int64; a ValueError naming the file if one lies outside 0..num_classes-1."""
    labels = labels.astype(np.int64)
    bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
    if bad.size:
        raise ValueError(f"{name}: {bad.size} {label_name} out of range 0..{num_classes - 1} (the first: "
                         f"{labels[bad[0]]} at record {bad[0]}); a file of another dataset?")
    return labels


def parse_binary_batch(data, name, label_spec):
    """Binary-version bytes -> (images (N, 32, 32, 3) uint8, {label name: (N,) int64})."""
    record = len(label_spec) + PIXELS
    if not data or len(data) % record:
        raise ValueError(f"{name}: {len(data)} bytes is not a whole, non-zero number of {record}-byte records "
                         f"({len(label_spec)} label byte(s) + {PIXELS} pixel bytes); truncated, or a file "
                         f"of another dataset?")
    rows = np.frombuffer(data, np.uint8).reshape(-1, record)
    labels = {label_name: check_labels(rows[:, k], name, label_name, num_classes)
              for k, (label_name, num_classes) in enumerate(label_spec)}
    return channels_last(rows[:, len(label_spec):]), labels


def python_labels(batch, name, label_name, num_classes, count):
    """One label list of an unpickled batch, checked: integers, one per image, in range."""
    try:
        labels = np.asarray(batch[label_name.encode()])
    except (ValueError, TypeError, OverflowError) as err:
        raise ValueError(f"{name}: b{label_name!r} is not a list of integers ({err})") from err
    if labels.dtype.kind not in "iu" or labels.shape != (count,):
        raise ValueError(f"{name}: b{label_name!r} should be {count} integers (one per image), got "
                         f"{labels.dtype} of shape {labels.shape}")
    return check_labels(labels, name, label_name, num_classes)


def parse_python_batch(data, name, label_spec):
    """Python-version bytes (a pickle) -> (images (N, 32, 32, 3) uint8, {label name: (N,) int64})."""
    batch = restricted_loads(data, name)
    if not isinstance(batch, dict):
        raise ValueError(f"{name}: holds a pickled {type(batch).__name__}, expected a dict (a CIFAR batch)")
    needed = [b"data"] + [label_name.encode() for label_name, _ in label_spec]
    missing = [key for key in needed if key not in batch]
    if missing:
        raise ValueError(f"{name}: no {', '.join(map(repr, missing))} entry (its keys: "
                         f"{', '.join(map(repr, batch))}); a file of another dataset?")
    rows = batch[b"data"]
    if not isinstance(rows, np.ndarray) or rows.dtype != np.uint8 or rows.ndim != 2 or rows.shape[1] != PIXELS:
        described = f"{rows.dtype} array of shape {rows.shape}" if isinstance(rows, np.ndarray) else type(rows).__name__
        raise ValueError(f"{name}: b'data' should be a uint8 array (N, {PIXELS}), got {described}")
    labels = {label_name: python_labels(batch, name, label_name, num_classes, len(rows))
              for label_name, num_classes in label_spec}
    return channels_last(rows), labels
