"""The coordinator: one worker process per system, interleaved timing rounds, fresh processes for
peak memory, and the results.

For each case every contestant (a system, and for minicnn each form such as conv2d's im2col and
sparse) is built and warmed up in its own process; then, round after round, each takes one sample
in turn (the order rotating every round), so that load from elsewhere hits all alike. Only one
process computes at a time. Peak memory is measured after all timing, each in a fresh process.
"""

import concurrent.futures
import json
import os
import select
import subprocess
import sys
import tempfile
import time

import numpy as np

from . import machine, suites
from .systems import contestant, select as select_systems

# Rounds per case and the least time one sample lasts. The full run is sized to about 15 minutes on
# 2 idle cores (docs/benchmarking.md gives the estimate); a quick run to under two minutes.
QUICK = dict(repeats=3, min_sample_s=0.01, warm_up_s=0.0)
FULL = dict(repeats={"ops": 9, "models": 5, "scaling": 5}, min_sample_s=0.05, warm_up_s=0.2)
REQUEST_TIMEOUT_S = 900  # a worker silent this long is taken as hung, ended and restarted
MEMORY_TIMEOUT_S = 900


class WorkerDied(RuntimeError):
    pass


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "MINICNN_BENCH_THREADS")


def worker_env(system, threads=None):
    """The system's environment; PYTHONPATH leads to this same minicnn, wherever the worker starts.
    ``threads``: the thread count of every system's compute pools (BLAS, OpenMP, TensorFlow's intra-
    and inter-op pools, PyTorch's), set before their libraries load; None leaves each its default."""
    import minicnn

    root = os.path.dirname(os.path.dirname(os.path.abspath(minicnn.__file__)))
    path = [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != root]
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.pathsep.join(path))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if threads:
        env.update({name: str(threads) for name in THREAD_VARIABLES})
    env.update(dict(system.env))
    return env


def worker_command(system, memory=False):
    return [sys.executable, "-m", "minicnn.bench.worker", system.name] + (["--memory"] if memory else [])


class Worker:
    """A system's timing process, spoken to in JSON lines."""

    def __init__(self, system, threads=None):
        self.system, self.threads, self.info, self.unavailable, self.process = system, threads, None, None, None

    def start(self):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(worker_command(self.system), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.log, env=worker_env(self.system, self.threads), bufsize=0)
        self.buffer = b""
        return self

    def hello(self):
        """Wait for the first line: the system's facts, or why it cannot run here."""
        try:
            reply = self.read()
        except WorkerDied as err:
            reply = {"ok": False, "unavailable": str(err)}
        if reply.get("ok"):
            self.info = reply["info"]
        else:
            self.unavailable = reply.get("unavailable") or reply.get("error")
            self.close()
        return self

    def log_tail(self, chars=1500):
        self.log.seek(0)
        return self.log.read()[-chars:]

    def read(self, timeout=REQUEST_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            ready = select.select([self.process.stdout], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                self.process.kill()
                self.process.wait()
                raise WorkerDied(f"{self.system.name}: no answer within {timeout:.0f}s; ended it")
            chunk = os.read(self.process.stdout.fileno(), 1 << 16)
            if not chunk:
                code = self.process.wait()
                raise WorkerDied(f"{self.system.name}'s process ended (exit status {code}): {self.log_tail()}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def request(self, **message):
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            code = self.process.wait()
            raise WorkerDied(f"{self.system.name}'s process ended (exit status {code}): {self.log_tail()}") from None
        return self.read()

    def restart(self):
        self.close()
        self.start().hello()

    def close(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                self.process.stdin.write(b'{"cmd": "exit"}\n')
                self.process.stdin.flush()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.process = None


def statistics(samples):
    a = np.asarray(samples, dtype=float)
    p25, median, p75 = np.percentile(a, [25, 50, 75])
    return {"median_ms": float(median), "p25_ms": float(p25), "p75_ms": float(p75), "min_ms": float(a.min()),
            "max_ms": float(a.max()), "samples_ms": [round(float(v), 4) for v in a]}


def contestants(case, systems):
    """(system, variant) pairs of a case: minicnn once per form, every other system once."""
    return [(s, v) for s in systems for v in (case["variants"] if s.is_subject else [None])]


def time_case(case, workers, settings, on_round):
    """Interleaved timing of one case on every available system -> {contestant: result}."""
    results, active = {}, []
    for system, variant in contestants(case, [w.system for w in workers.values()]):
        name, worker = contestant(system.name, variant), workers[system.name]
        if worker.unavailable:
            continue
        try:
            reply = worker.request(cmd="prepare", key=name, case=case, variant=variant,
                                   min_sample_s=settings["min_sample_s"], warm_up_s=settings["warm_up_s"])
        except WorkerDied as err:
            results[name] = {"error": str(err)}
            worker.restart()
            continue
        if reply.get("ok"):
            results[name] = {"calls_per_sample": reply["calls"], "first_call_ms": reply["first_ms"],
                             "facts": reply["facts"], "samples": []}
            active.append((name, worker))
        else:
            results[name] = {"skipped": reply["skip"]} if "skip" in reply else {"error": reply["error"]}
    for r in range(settings["repeats"]):
        order = active[r % len(active):] + active[:r % len(active)] if active else []
        for name, worker in order:
            if "error" in results[name]:
                continue
            if worker.process is None:  # died, and could not be started again
                results[name]["error"] = f"{worker.system.name}'s process is gone: {worker.unavailable}"
                continue
            try:
                reply = worker.request(cmd="sample", key=name)
            except WorkerDied as err:
                results[name]["error"] = str(err)
                worker.restart()
                continue
            if reply.get("ok"):
                results[name]["samples"].append(reply["ms"])
            else:  # e.g. a restarted worker no longer knows the case
                results[name]["error"] = reply.get("error", "no sample")
        on_round()
    for name, worker in active:
        if worker.process is not None and worker.process.poll() is None:
            try:
                worker.request(cmd="release", key=name)
            except WorkerDied:
                worker.restart()
    for result in results.values():
        samples = result.pop("samples", None)
        if samples and "error" not in result:
            result.update(statistics(samples))
    return results


def measure_memory(case, system, variant, threads=None):
    """Peak RSS of one call in a fresh process of ``system`` -> the worker's reply."""
    request = json.dumps({"case": case, "variant": variant}) + "\n"
    try:
        done = subprocess.run(worker_command(system, memory=True), input=request, capture_output=True, text=True,
                              env=worker_env(system, threads), timeout=MEMORY_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"no result within {MEMORY_TIMEOUT_S}s"}
    lines = done.stdout.strip().splitlines()
    if not lines:
        return {"ok": False, "error": f"process ended (exit status {done.returncode}): {done.stderr[-1500:]}"}
    return json.loads(lines[-1])


def memory_jobs(cases, results, systems):
    """Every (case, system, variant) whose peak memory is wanted and whose timing ran."""
    jobs = []
    for case in cases:
        if not case["memory"]:
            continue
        for system, variant in contestants(case, systems):
            entry = results[case["id"]].get(contestant(system.name, variant))
            if entry is not None and "median_ms" in entry:
                jobs.append((case, system, variant))
    return jobs


def run_memory(jobs, results, workers_count, on_done, threads=None):
    with concurrent.futures.ThreadPoolExecutor(max(1, workers_count)) as pool:
        futures = {pool.submit(measure_memory, case, system, variant, threads): (case, system, variant)
                   for case, system, variant in jobs}
        for future in concurrent.futures.as_completed(futures):
            case, system, variant = futures[future]
            reply = future.result()
            entry = results[case["id"]][contestant(system.name, variant)]
            if reply.get("ok"):
                entry["peak_mib"] = round(max(reply["peak_mib"], 0.0), 2)
                entry["memory"] = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in reply.items()
                                   if k not in ("ok", "facts", "peak_mib")}
            else:
                entry["memory"] = {"skipped" if "skip" in reply else "error": reply.get("skip") or reply.get("error")}
            on_done()


def ratio_entry(subject, reference):
    """minicnn / reference, paired round by round (both were sampled in the same round): the median,
    quartiles and extremes of the per-round ratios, and the ratio of the two medians."""
    of_medians = subject["median_ms"] / reference["median_ms"]
    a, b = subject.get("samples_ms", []), reference.get("samples_ms", [])
    n = min(len(a), len(b))
    if not n:
        return {"median": of_medians, "of_medians": of_medians}
    per_round = np.asarray(a[:n]) / np.asarray(b[:n])
    p25, median, p75 = np.percentile(per_round, [25, 50, 75])
    return {"median": float(median), "p25": float(p25), "p75": float(p75), "min": float(per_round.min()),
            "max": float(per_round.max()), "of_medians": of_medians, "rounds": int(n)}


AGREEMENT_RTOL = 1e-3


def agreement(results):
    """Whether every system did the same work -> {"checked": [...], "mismatches": {contestant: why}}:
    an operator's outputs and gradients (checksums: sums of absolute values, layout-free) agree to
    AGREEMENT_RTOL, a network has the same parameter count (Keras' count, BN statistics included)."""
    counts = {name: r["facts"]["parameters"] for name, r in results.items() if "parameters" in r.get("facts", {})}
    if counts:
        first, expected = next(iter(counts.items()))
        return {"checked": list(counts), "mismatches": {name: f"{n:,} parameters, {first} has {expected:,}"
                                                        for name, n in counts.items() if n != expected}}
    sums = {name: r["facts"]["checksum"] for name, r in results.items() if "checksum" in r.get("facts", {})}
    if not sums:
        return None
    first, expected = next(iter(sums.items()))
    mismatches = {}
    for name, values in sums.items():
        if len(values) != len(expected):
            mismatches[name] = f"{len(values)} outputs, {first} has {len(expected)}"
            continue
        worst = max((abs(a - b) / max(abs(a), abs(b), 1e-12) for a, b in zip(values, expected)), default=0.0)
        if worst > AGREEMENT_RTOL:
            mismatches[name] = f"sums of |outputs| {values} differ from {first}'s {expected} (relative {worst:.2g})"
    return {"checked": list(sums), "mismatches": mismatches}


MIN_COMPARABLE_MIB = 0.5  # peaks below this are within the allocator's noise: no memory ratio


def ratios(results, systems):
    """{"time": {"minicnn[im2col]/tf": {...}}, "peak_memory": {...}} over the measured contestants."""
    subjects = {n: r for n, r in results.items() if n.split("[")[0] in {s.name for s in systems if s.is_subject}}
    references = [s.name for s in systems if s.reference]
    out = {"time": {}, "peak_memory": {}}
    for name, subject in subjects.items():
        for ref in references:
            reference = results.get(ref, {})
            if "median_ms" in subject and "median_ms" in reference:
                out["time"][f"{name}/{ref}"] = ratio_entry(subject, reference)
            mine, theirs = subject.get("peak_mib"), reference.get("peak_mib")
            if mine is not None and theirs is not None and min(mine, theirs) >= MIN_COMPARABLE_MIB:
                out["peak_memory"][f"{name}/{ref}"] = {"median": mine / theirs}
    return out


class Steps:
    """minicnn's progress bar, advanced one step at a time."""

    def __init__(self, total, stream):
        from ..progress import ProgressBar

        self.bar, self.done = ProgressBar(total, stream=stream), 0

    def advance(self):
        self.done += 1
        self.bar.update(self.done)

    def close(self):
        self.bar.close()


def release_models(workers):
    """Drop the networks a suite kept in each worker (the next suite starts lean)."""
    for worker in workers.values():
        if worker.process is not None:
            try:
                worker.request(cmd="release", key="", models=True)
            except WorkerDied:
                worker.restart()


def settings_for(suite, quick, repeats):
    base = QUICK if quick else FULL
    chosen = repeats or (base["repeats"] if quick else base["repeats"][suite])
    return dict(repeats=chosen, min_sample_s=base["min_sample_s"], warm_up_s=base["warm_up_s"])


def select_cases(suite_names, quick, filters):
    cases = [case for name in suite_names for case in suites.SUITES[name](quick)]
    if filters:
        cases = [c for c in cases if any(f.lower() in (c["id"] + " " + c["label"]).lower() for f in filters)]
    return cases


def run(suite_names, quick=False, repeats=None, device="cpu", system_names=None, filters=None, memory=True,
        memory_jobs_count=None, progress_stream=None, threads=None):
    """Run the suites; return the results document (see report.py for its layout)."""
    stream = progress_stream or sys.stderr
    started, monitor = time.monotonic(), machine.LoadMonitor()
    machine_facts = machine.describe()  # before any worker imports minicnn: the engine they measure
    systems = select_systems(device, system_names)
    cases = select_cases(suite_names, quick, filters)
    if not cases:
        raise ValueError(f"no benchmark case matches suites {suite_names} and filter {filters}")
    print(f"minicnn bench: {len(cases)} cases on {', '.join(s.name for s in systems)}; starting the systems...",
          file=stream, flush=True)
    workers = {s.name: Worker(s, threads).start() for s in systems}  # they import in parallel
    for worker in workers.values():
        worker.hello()
    if all(w.unavailable for w in workers.values() if w.system.is_subject):
        for worker in workers.values():
            worker.close()
        reasons = "; ".join(f"{w.system.name}: {w.unavailable.splitlines()[0]}" for w in workers.values()
                            if w.system.is_subject)
        raise ValueError(f"minicnn cannot run here, nothing to measure ({reasons})")
    results, durations = {}, {"start_s": round(time.monotonic() - started, 1)}
    try:
        for suite in suite_names:
            suite_cases = [c for c in cases if c["suite"] == suite]
            if not suite_cases:
                continue
            settings = settings_for(suite, quick, repeats)
            print(f"{suite}: {len(suite_cases)} cases x {settings['repeats']} rounds", file=stream, flush=True)
            began, steps = time.monotonic(), Steps(len(suite_cases) * settings["repeats"], stream)
            for case in suite_cases:
                results[case["id"]] = time_case(case, workers, settings, steps.advance)
            release_models(workers)
            steps.close()
            durations[f"{suite}_s"] = round(time.monotonic() - began, 1)
        infos = {}
        for name, worker in workers.items():
            if worker.process is not None:
                try:
                    infos[name] = worker.request(cmd="info")["info"]
                except WorkerDied:
                    infos[name] = worker.info
    finally:
        for worker in workers.values():
            worker.close()
    jobs = memory_jobs(cases, results, systems) if memory else []
    if jobs:
        print(f"peak memory: {len(jobs)} fresh processes", file=stream, flush=True)
        began, steps = time.monotonic(), Steps(len(jobs), stream)
        run_memory(jobs, results, memory_jobs_count or min(4, (machine.usable_cores() or 1) + 1), steps.advance,
                   threads)
        steps.close()
        durations["memory_s"] = round(time.monotonic() - began, 1)
    document = assemble(cases, results, systems, workers, infos, quick, monitor, machine_facts)
    document["threads"] = threads or "each system's default"
    document["load"]["durations"] = durations
    return document


def assemble(cases, results, systems, workers, infos, quick, monitor, machine_facts):
    at_end = machine.minicnn_source()
    if at_end["source_digest"] != machine_facts["minicnn"]["source_digest"]:  # edited while we measured
        machine_facts["minicnn"]["changed_during_run"] = at_end
    document = {
        "schema": "minicnn-bench/1",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": quick,
        "machine": machine_facts,
        "systems": {},
        "references": [s.name for s in systems if s.reference],
        "cases": [],
    }
    for system in systems:
        worker = workers[system.name]
        entry = {"label": system.label, "framework": system.framework, "device": system.device,
                 "environment": dict(system.env), "reference": system.reference}
        if worker.unavailable:
            entry.update(available=False, reason=worker.unavailable)
        else:
            entry.update(available=True, info=infos.get(system.name, worker.info))
        document["systems"][system.name] = entry
    for case in cases:
        case_results = results[case["id"]]
        entry = {k: case[k] for k in ("id", "suite", "kind", "op", "mode", "source", "label", "params", "sweep")}
        entry.update(results=case_results, ratios=ratios(case_results, systems))
        checked = agreement(case_results)
        if checked:
            entry["agreement"] = checked
        params = case["params"]
        if case["op"] == "conv2d":
            from . import shapes

            entry["conv_facts"] = {"patch_matrix_mib": shapes.patch_matrix_bytes(params) / 2**20,
                                   "sparse_nonzeros_per_sample": shapes.sparse_nonzeros(params),
                                   "sparse_products_mib": 4 * shapes.sparse_nonzeros(params) * params["batch"] / 2**20}
            if "sparse" not in case["variants"]:
                entry["conv_facts"]["sparse_skipped"] = shapes.sparse_skip_reason(params)
        document["cases"].append(entry)
    document["load"] = monitor.finish()
    return document
