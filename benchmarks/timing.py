"""What every benchmark here shares: the timing method and how TensorFlow is started."""

import os
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))  # this checkout's minicnn


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def alternate(fns, repeats, rounds=3):
    """Median of medians over rounds in which every function runs ``repeats`` times in turn."""
    for fn in fns:
        fn()
        fn()
    results = [[] for _ in fns]
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            results[k].append(median_ms(fn, repeats))
    return [float(np.median(r)) for r in results]


def add_common_arguments(parser):
    parser.add_argument("--repeats", type=int, default=15, help="timed calls per round (median taken)")
    parser.add_argument("--onednn", action="store_true", help="time TensorFlow with oneDNN on (default off)")


def import_tensorflow(onednn):
    """TensorFlow with oneDNN on or off (the switch must be set before the first import)."""
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1" if onednn else "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    return tf
