"""How one call is timed and how its peak memory is read, inside a system's process.

Time: a few warm-up calls (the first traces graphs, fills buffer pools, creates optimizer slots),
then each *sample* runs the call ``calls`` times back to back and reports the mean, with ``calls``
chosen so that a sample lasts at least ``min_sample_s`` (timer resolution and scheduler noise stay
small against it). The coordinator takes one sample per system in turn, round after round, and
reports medians: machine noise hits every system alike.

Memory: peak resident set size (RSS) above the process's baseline, the RSS once the framework is
imported and initialised. Linux keeps the peak in /proc/self/status (VmHWM) and lets a process
reset it (``echo 5 > /proc/self/clear_refs``); after the warm-up calls the peak is reset where the
kernel allows it, so it covers one steady-state call, and otherwise it covers the process's whole
life (warm-up included, said in the result). Elsewhere ``resource.getrusage`` gives the peak.
"""

import math
import resource
import sys
import time

MAX_CALLS = 100_000


class Timer:
    """Times ``fn`` (followed by ``sync``, which waits for a device) in samples of ``calls`` calls."""

    def __init__(self, fn, sync=lambda: None):
        self.fn, self.sync = fn, sync
        self.calls, self.first_ms, self.first_result = 1, None, None

    def once(self):
        start = time.perf_counter()
        result = self.fn()
        self.sync()
        return time.perf_counter() - start, result

    def warm_up(self, min_sample_s, min_calls=2, min_seconds=0.0):
        """Run until ``min_calls`` calls and ``min_seconds`` have passed; pick ``calls`` from the last.
        The first call's result is kept in ``first_result`` (to check it against the other systems')."""
        first, self.first_result = self.once()
        self.first_ms = 1e3 * first
        spent, count, last = 0.0, 0, None
        while count < min_calls - 1 or spent < min_seconds:
            last = self.once()[0]
            spent, count = spent + last, count + 1
        last = last if last is not None else self.first_ms / 1e3
        self.calls = max(1, min(MAX_CALLS, math.ceil(min_sample_s / max(last, 1e-9))))
        return self

    def sample(self):
        """Mean milliseconds per call over ``calls`` calls."""
        start = time.perf_counter()
        for _ in range(self.calls):
            self.fn()
        self.sync()
        return 1e3 * (time.perf_counter() - start) / self.calls


def _status_kib(field):
    """A field of /proc/self/status in KiB (VmRSS, VmHWM), or None where there is no /proc."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_mib():
    """The resident set size now (MiB); the peak so far where /proc is missing."""
    kib = _status_kib("VmRSS")
    return kib / 1024 if kib is not None else peak_rss_mib()


def peak_rss_mib():
    kib = _status_kib("VmHWM")
    if kib is not None:
        return kib / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def reset_peak():
    """Reset the kernel's peak-RSS mark to the current RSS; False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def peak_memory(fn, sync=lambda: None, warm_up_calls=2):
    """Peak RSS (MiB) of one steady-state call of ``fn``, and what the measurement covered.

    The caller takes the baseline (``rss_mib()`` right after import) before building ``fn``."""
    start_peak = peak_rss_mib()
    for _ in range(warm_up_calls):
        fn()
        sync()
    warm_peak = peak_rss_mib()
    reset = reset_peak()
    fn()
    sync()
    return {"peak_rss_mib": peak_rss_mib(), "warm_up_peak_rss_mib": warm_peak, "build_peak_rss_mib": start_peak,
            "covers": "one call after warm-up" if reset else "the whole process (peak could not be reset)"}
