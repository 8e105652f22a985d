"""One system's process: ``python -m minicnn.bench.worker SYSTEM [--memory]``.

The coordinator (harness.py) starts it with the system's environment set, so the framework
imports with the right settings (TensorFlow's oneDNN switch is read at import).

Timing mode answers requests, one JSON object a line on stdin, with one JSON line each on the
process's original standard output (anything the frameworks print goes to stderr instead):

    first line, unasked     {"ok": true, "info": {...}} or {"ok": false, "unavailable": reason}
    {"cmd": "prepare", "key", "case", "variant", "min_sample_s", "warm_up_s"}
                            build and warm up -> {"ok": true, "calls", "first_ms", "facts"}
                            or {"ok": false, "skip" | "error": reason}
    {"cmd": "sample", "key"}  -> {"ok": true, "ms": mean milliseconds per call}
    {"cmd": "release", "key"} -> {"ok": true}
    {"cmd": "info"}           -> {"ok": true, "info": {...}} (thread counts as they are now)
    {"cmd": "exit"}

Memory mode reads one request {"case", "variant"} from stdin, measures one steady-state call's
peak RSS above the post-import baseline (measure.peak_memory) and prints one JSON line. The
coordinator starts a fresh process for every such measurement.
"""

import argparse
import collections
import gc
import json
import os
import sys
import threading
import traceback

from . import measure
from .peers import Skip, start
from .systems import SYSTEMS


def thread_counts():
    """Live Python threads by name (minicnn's copy threads, for one), plus the BLAS pools."""
    names = collections.Counter(t.name.rstrip("0123456789_-") or "thread" for t in threading.enumerate())
    facts = {"python_threads": dict(names)}
    try:
        from threadpoolctl import threadpool_info

        keys = ("internal_api", "num_threads", "architecture", "version")
        facts["native_pools"] = [dict({k: pool.get(k) for k in keys}, library=os.path.basename(pool["filepath"]))
                                 for pool in threadpool_info()]
    except ImportError:
        pass
    return facts


def info(peer, system):
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"system": system.name, "pid": os.getpid(), "cores": cores, **peer.info(), **thread_counts()}


def confine_to_threads():
    """Under ``minicnn bench --threads N`` (MINICNN_BENCH_THREADS), keep this process on N of its cores,
    before any framework loads: thread pools that size themselves by the cores they see (minicnn's
    copy threads, a framework's helpers) then see N, in every system alike."""
    threads = int(os.environ.get("MINICNN_BENCH_THREADS", 0))
    if threads and hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, cores[:threads])


def checksum(arrays):
    """Sum of absolute values of each output (or gradient): the same whatever the layout, so the
    coordinator can check that every system computed the same thing."""
    import numpy as np

    return [float(np.abs(np.asarray(a, dtype=np.float64)).sum()) for a in arrays]


def error_text(err):
    return f"{type(err).__name__}: {err}"


def handle(request, peer, timers):
    """One timing-mode request -> its reply."""
    command = request["cmd"]
    if command == "prepare":
        fn, facts = peer.build(request["case"], request.get("variant"))
        timer = measure.Timer(fn, peer.sync).warm_up(request["min_sample_s"], min_seconds=request.get("warm_up_s", 0))
        if request["case"]["kind"] == "op":
            facts["checksum"] = checksum(peer.as_numpy(timer.first_result))
        timer.first_result = None
        timers[request["key"]] = timer
        return {"ok": True, "calls": timer.calls, "first_ms": timer.first_ms, "facts": facts}
    if command == "sample":
        return {"ok": True, "ms": timers[request["key"]].sample()}
    if command == "release":
        timers.pop(request["key"], None)
        if request.get("models"):
            peer.release()
        gc.collect()
        return {"ok": True}
    raise ValueError(f"unknown request {command!r}")


def serve(peer, system, requests, reply):
    timers = {}
    for line in requests:
        request = json.loads(line)
        if request["cmd"] == "exit":
            break
        if request["cmd"] == "info":
            reply({"ok": True, "info": info(peer, system)})
            continue
        try:
            reply(handle(request, peer, timers))
        except Skip as skip:
            reply({"ok": False, "skip": str(skip)})
        except Exception as err:  # a failing case must not end the run: report it and go on
            reply({"ok": False, "error": error_text(err), "traceback": traceback.format_exc()[-2000:]})


def measure_memory(peer, request):
    """Peak RSS of one call of the case above the RSS after import (MiB)."""
    baseline = measure.rss_mib()
    fn, facts = peer.build(request["case"], request.get("variant"))
    result = measure.peak_memory(fn, peer.sync)
    return {"ok": True, "pid": os.getpid(), "baseline_rss_mib": baseline, "peak_mib": result["peak_rss_mib"] - baseline,
            **result, "facts": facts}


def protocol_stream():
    """The original stdout for replies; fd 1 (and sys.stdout) then point at stderr, so that nothing a
    framework prints can break a reply."""
    stream = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m minicnn.bench.worker")
    parser.add_argument("system", choices=sorted(SYSTEMS))
    parser.add_argument("--memory", action="store_true", help="measure one case's peak memory and exit")
    args = parser.parse_args(argv)
    out = protocol_stream()

    def reply(message):
        out.write(json.dumps(message) + "\n")
        out.flush()

    system = SYSTEMS[args.system]
    confine_to_threads()
    try:
        peer = start(system)
        warm_runtime(peer)
    except Exception as err:  # missing framework or device: the coordinator skips this system
        reply({"ok": False, "unavailable": error_text(err)})
        return 0
    if args.memory:
        request = json.loads(sys.stdin.readline())
        try:
            reply(measure_memory(peer, request))
        except Skip as skip:
            reply({"ok": False, "skip": str(skip)})
        except Exception as err:
            reply({"ok": False, "error": error_text(err), "traceback": traceback.format_exc()[-2000:]})
        return 0
    reply({"ok": True, "info": info(peer, system)})
    serve(peer, system, sys.stdin, reply)
    return 0


def warm_runtime(peer):
    """Run one tiny case, so that the baseline includes the framework's one-time start-up (thread
    pools, kernels loaded on first use) rather than charging it to the first measured case."""
    from .suites import op_case, conv

    for case in op_case("conv2d", "warm-up", conv((4, 4), 1, 1, batch=1), variants=[None]):
        fn, _ = peer.build(case, None)
        fn()
        peer.sync()
    gc.collect()


if __name__ == "__main__":
    sys.exit(main())
