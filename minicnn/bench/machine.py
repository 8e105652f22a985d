"""What the numbers were measured on: processor, cores, memory, software versions, NumPy's BLAS and
its kernel, thread settings, and how busy the machine was while the run went on."""

import hashlib
import os
import pathlib
import platform
import resource
import subprocess
import time

import numpy as np

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE",
                    "OPENBLAS_L2_SIZE", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def cpu_model():
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib():
    try:
        for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def usable_cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def numpy_blas():
    """NumPy's BLAS as built (numpy.show_config) and as running (threadpoolctl: library, kernel, threads)."""
    facts = {}
    try:
        config = np.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas", {})
        facts["build"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration") if blas.get(k)}
        simd = config.get("SIMD Extensions", {})
        facts["simd"] = {"baseline": simd.get("baseline"), "found": simd.get("found")}
    except (TypeError, AttributeError):  # NumPy < 1.26 has no mode="dicts"
        facts["build"] = "unknown (numpy.show_config(mode='dicts') needs NumPy 1.26+)"
    try:
        from threadpoolctl import threadpool_info

        facts["runtime"] = [{k: pool.get(k) for k in ("internal_api", "version", "architecture", "num_threads",
                                                       "threading_layer", "filepath")} for pool in threadpool_info()]
    except ImportError:
        facts["runtime"] = "unknown (pip install threadpoolctl to record the BLAS kernel and its threads)"
    return facts


def source_digest(package):
    """SHA-256 of minicnn's Python sources (this harness aside): equal digests, the same engine."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if "bench" not in path.relative_to(package).parts:
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def minicnn_source():
    """minicnn's version, a digest of its sources and, in a git checkout, its commit and how many files
    under minicnn/ (this harness aside) differ from it: work in progress that the numbers measured."""
    import minicnn

    package = pathlib.Path(minicnn.__file__).resolve().parent
    facts = {"version": minicnn.__version__, "path": str(package), "source_digest": source_digest(package)}
    root = package.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10)
        if commit.returncode == 0:
            changed = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "minicnn",
                                      ":(exclude)minicnn/bench"],
                                     capture_output=True, text=True, timeout=10).stdout.splitlines()
            facts.update(commit=commit.stdout.strip(), changed_files=len(changed))
    except (OSError, subprocess.SubprocessError):
        pass
    return facts


def describe():
    import scipy

    return {
        "cpu": cpu_model(), "cores": os.cpu_count(), "usable_cores": usable_cores(), "memory_gib": memory_gib(),
        "platform": platform.platform(), "python": platform.python_version(), "numpy": np.__version__,
        "scipy": scipy.__version__, "numpy_blas": numpy_blas(), "minicnn": minicnn_source(),
        "thread_variables": {k: os.environ[k] for k in THREAD_VARIABLES if k in os.environ},
    }


def _cpu_jiffies():
    """(busy, total) CPU time of the whole machine since boot, in clock ticks; None without /proc."""
    try:
        fields = [int(v) for v in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _own_cpu_seconds():
    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))


class LoadMonitor:
    """How long the run took, the CPU time it used (this process and every child it waited for:
    ``own_cpu_s``) and how much of the machine other processes used meanwhile."""

    def __init__(self):
        self.start_wall, self.start_jiffies, self.start_own = time.time(), _cpu_jiffies(), _own_cpu_seconds()
        self.load_before = os.getloadavg() if hasattr(os, "getloadavg") else None

    def finish(self):
        """Call after every child process has been waited for (their CPU time counts as ours)."""
        wall, own = time.time() - self.start_wall, _own_cpu_seconds() - self.start_own
        facts = {"wall_s": round(wall, 1), "own_cpu_s": round(own, 1), "load_average_before": self.load_before,
                 "load_average_after": os.getloadavg() if hasattr(os, "getloadavg") else None}
        end = _cpu_jiffies()
        if end and self.start_jiffies:
            tick = os.sysconf("SC_CLK_TCK")
            busy = (end[0] - self.start_jiffies[0]) / tick
            total = (end[1] - self.start_jiffies[1]) / tick
            facts["other_processes_cpu_share"] = round(max(busy - own, 0.0) / total, 3) if total else None
            facts["own_cpu_share"] = round(min(own / total, 1.0), 3) if total else None
        return facts


def busy_note(load):
    """A sentence for the report when other processes used a noticeable share of the CPUs."""
    share = load.get("other_processes_cpu_share")
    if share is None or share < 0.1:
        return None
    return (f"The machine was busy: other processes used {100 * share:.0f}% of its CPU time during the run "
            f"(load average {load['load_average_before'][0]:.1f} before, {load['load_average_after'][0]:.1f} "
            "after). Every system suffered alike (their calls were interleaved), so ratios hold better than "
            "absolute times, but expect more spread than on an idle machine.")
