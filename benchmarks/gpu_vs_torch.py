"""minicnn on CuPy against PyTorch + cuDNN on one GPU, in one run, with a profile of minicnn's step.

    python benchmarks/gpu_vs_torch.py [--batch 128] [--repeats 7] [--out DIR] [--quick]

Times, on the GPU, each system synchronised after every call:

* conv2d forward and forward+backward on the ResNet-20 shapes (the stem, the three stages, the
  stride-2 3x3 and 1x1 convolutions that open stages 2 and 3), batch ``--batch``;
* a ResNet-20 v1 training step (SGD with momentum 0.9, the l2 penalties) at batch ``--batch``;

each in interleaved rounds (minicnn, PyTorch, minicnn, ...), medians reported with the ratio
minicnn / PyTorch. The work is built by the benchmark harness's peers (minicnn/bench/peers/), so
both systems compute the same numbers from the same inputs; the first outputs are compared.
Then minicnn's training step is profiled: GPU time (CUDA events) per operator forward and
backward and in the optimizer, summed over the steps, largest first.

Writes ``gpu_vs_torch.json`` and ``gpu_vs_torch.md`` (device name, versions, date, times, ratios,
profile) into ``--out`` (default ``benchmarks/results/gpu-<date>``). ``benchmarks/gpu_check.sh``
runs it with the GPU test suite. ``--device fake-gpu`` runs minicnn's side on the CPU stand-in for
CuPy (minicnn/testing/fake_cupy.py) with wall-clock timing: a check of this script, not a benchmark.
"""

import argparse
import contextlib
import json
import pathlib
import platform
import statistics
import sys
import time
from collections import defaultdict

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))  # this checkout's minicnn

import minicnn as mc  # noqa: E402
from minicnn import autograd, backend, optimizers  # noqa: E402
from minicnn.bench import suites  # noqa: E402
from minicnn.bench.measure import Timer  # noqa: E402

RESNET20_CONVS = [  # (label, hw, in channels, out channels, kernel, stride)
    ("stem 3x3, 3->16", (32, 32), 3, 16, 3, 1),
    ("stage 1 3x3, 16->16", (32, 32), 16, 16, 3, 1),
    ("stage 2 opening 3x3/2, 16->32", (32, 32), 16, 32, 3, 2),
    ("stage 2 shortcut 1x1/2, 16->32", (32, 32), 16, 32, 1, 2),
    ("stage 2 3x3, 32->32", (16, 16), 32, 32, 3, 1),
    ("stage 3 opening 3x3/2, 32->64", (16, 16), 32, 64, 3, 2),
    ("stage 3 shortcut 1x1/2, 32->64", (16, 16), 32, 64, 1, 2),
    ("stage 3 3x3, 64->64", (8, 8), 64, 64, 3, 1),
]


def cases(batch, quick):
    """The benchmark cases, as the harness's suites write them."""
    convs = RESNET20_CONVS[1::3] if quick else RESNET20_CONVS
    out = []
    for label, hw, cin, cout, k, stride in convs:
        params = suites.conv(hw, cin, cout, k=k, stride=stride, batch=batch)
        for mode in suites.MODES:
            out.append(dict(id=f"conv2d/{label}/{mode}", kind="op", op="conv2d", mode=mode, params=params,
                            label=f"conv2d {label}, {mode}, batch {batch}"))
    out.append(suites.model_case("resnet20", "train", batch, memory=False))
    return out


# --- the systems ---------------------------------------------------------------------------------------

def start_minicnn(device):
    from minicnn.bench.peers import mc_peer
    if device != "fake-gpu":
        return mc_peer.start("gpu")
    from minicnn.testing import fake_cupy
    backend.use_gpu_stand_in(fake_cupy)
    peer = mc_peer.start("gpu")
    peer.sync = lambda: None  # the peer asks cupy itself to synchronise and for its version
    peer.info = lambda: {"minicnn": mc.__version__, "device": "fake-gpu (minicnn/testing/fake_cupy.py)"}
    return peer


def start_torch(device):
    """PyTorch's peer on CUDA, or (None, why not)."""
    if device == "fake-gpu":
        return None, "--device fake-gpu measures nothing against PyTorch"
    try:
        from minicnn.bench.peers import torch_peer
        return torch_peer.start("gpu"), None
    except Exception as err:  # ImportError, Unavailable
        return None, f"{type(err).__name__}: {err}"


def device_facts(peer, torch_peer):
    facts = {"minicnn": peer.info(), "python": platform.python_version(), "host": platform.node()}
    xp = backend.gpu_module()
    runtime = getattr(getattr(xp, "cuda", None), "runtime", None)
    if runtime is not None and hasattr(runtime, "getDeviceProperties"):
        properties = runtime.getDeviceProperties(0)
        facts["gpu"] = properties["name"].decode() if isinstance(properties["name"], bytes) else properties["name"]
        facts["cuda_runtime"] = runtime.runtimeGetVersion()
        facts["cuda_driver"] = runtime.driverGetVersion()
    else:
        facts["gpu"] = "none: minicnn/testing/fake_cupy.py on the CPU"
    if torch_peer is not None:
        facts["torch"] = torch_peer.info()
    return facts


# --- timing ----------------------------------------------------------------------------------------------

def time_case(case, systems, repeats, min_sample_s):
    """Median ms per call of each system (interleaved rounds), and the largest relative difference of
    the first outputs against PyTorch's."""
    timers, firsts = {}, {}
    for name, peer in systems.items():
        fn, _ = peer.build(case, "im2col" if case["kind"] == "op" else None)
        timers[name] = Timer(fn, peer.sync).warm_up(min_sample_s, min_calls=3)
        firsts[name] = peer.as_numpy(timers[name].first_result)
    samples = defaultdict(list)
    for _ in range(repeats):
        for name, timer in timers.items():
            samples[name].append(timer.sample())
    result = {"label": case["label"], "ms": {name: statistics.median(s) for name, s in samples.items()}}
    if "torch" in firsts:
        result["max_relative_difference"] = max(
            float(np.max(np.abs(ours - theirs)) / max(float(np.max(np.abs(theirs))), 1e-30))
            for ours, theirs in zip(firsts["minicnn"], firsts["torch"]))
        result["ratio"] = result["ms"]["minicnn"] / result["ms"]["torch"]
    for peer in systems.values():
        peer.release()
    return result


# --- the profile of minicnn's step ---------------------------------------------------------------------------

class Clock:
    """GPU time between two points: CUDA events where the array module has them, else the wall clock
    after a synchronisation (the stand-in)."""

    def __init__(self, xp, sync):
        self.cuda = getattr(getattr(xp, "cuda", None), "Event", None) is not None
        self.xp, self.sync = xp, sync

    def start(self):
        if self.cuda:
            event = self.xp.cuda.Event()
            event.record()
            return event
        self.sync()
        return time.perf_counter()

    def elapsed_ms(self, start):
        """A callable giving the ms since ``start`` (read after the step, once the device is done)."""
        if self.cuda:
            end = self.xp.cuda.Event()
            end.record()
            return lambda: self.xp.cuda.get_elapsed_time(start, end)
        self.sync()
        elapsed = 1e3 * (time.perf_counter() - start)
        return lambda: elapsed


def all_functions(cls=autograd.Function):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_functions(sub)


@contextlib.contextmanager
def profiling(clock, spans):
    """Time every Function's forward and backward and the optimizer's update into ``spans``
    (a list of (name, ms-reader)) while the block runs; the classes are restored after it."""
    saved = []

    def timed(owner, attribute, name):
        original = owner.__dict__[attribute]

        def wrapper(*args, **kwargs):
            start = clock.start()
            try:
                return original(*args, **kwargs)
            finally:
                spans.append((name, clock.elapsed_ms(start)))

        saved.append((owner, attribute, original))
        setattr(owner, attribute, wrapper)

    for cls in set(all_functions()):
        for attribute in ("forward", "backward"):
            if attribute in cls.__dict__:
                timed(cls, attribute, f"{cls.__name__}.{attribute}")
    timed(optimizers.Optimizer, "apply_gradients", "optimizer update")
    try:
        yield
    finally:
        for owner, attribute, original in reversed(saved):
            setattr(owner, attribute, original)


def profile_step(peer, batch, steps):
    """GPU ms per step by operator phase ("Conv2D.backward", ...), summed over ``steps`` steps of the
    ResNet-20 training step, plus the step's total."""
    step, _ = peer.build(suites.model_case("resnet20", "train", batch, memory=False), None)
    for _ in range(2):  # warm-up: kernels compiled, memory pools filled
        step()
    peer.sync()
    clock = Clock(backend.gpu_module(), peer.sync)
    spans = []
    total = clock.start()
    with profiling(clock, spans):
        for _ in range(steps):
            step()
    total_ms = clock.elapsed_ms(total)
    peer.sync()
    by_name, calls = defaultdict(float), defaultdict(int)
    for name, reader in spans:
        by_name[name] += reader() / steps
        calls[name] += 1
    peer.release()
    rows = sorted(by_name.items(), key=lambda item: -item[1])
    return {"steps": steps, "step_ms": total_ms() / steps,
            "rows": [{"phase": name, "ms_per_step": ms, "calls_per_step": calls[name] // steps} for name, ms in rows]}


# --- report ---------------------------------------------------------------------------------------------

def number(value, spec):
    return "-" if value is None else format(value, spec)


def markdown(document):
    facts = document["facts"]
    lines = [f"# minicnn (CuPy) against PyTorch (cuDNN): {facts['gpu']}", "",
             f"{document['date']}, batch {document['batch']}, median of {document['repeats']} interleaved rounds "
             f"(each system synchronised after every call). Command: `{document['command']}`", "",
             f"minicnn {facts['minicnn'].get('minicnn')}, CuPy {facts['minicnn'].get('cupy', '-')}, "
             f"PyTorch {facts.get('torch', {}).get('torch', '-')}, CUDA {facts.get('torch', {}).get('cuda', '-')}, "
             f"cuDNN {facts.get('torch', {}).get('cudnn', '-')}", ""]
    if document.get("torch_missing"):
        lines += [f"PyTorch not measured: {document['torch_missing']}", ""]
    lines += ["| case | minicnn ms | PyTorch ms | minicnn / PyTorch | max rel. difference |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for r in document["results"]:
        cells = [r["label"], f"{r['ms']['minicnn']:.3f}", number(r["ms"].get("torch"), ".3f"),
                 number(r.get("ratio"), ".2f"), number(r.get("max_relative_difference"), ".1e")]
        lines.append("| " + " | ".join(cells) + " |")
    profile = document["profile"]
    lines += ["", f"## minicnn's ResNet-20 training step by operator ({profile['step_ms']:.2f} ms per step, "
                  f"mean of {profile['steps']} steps while profiled)", "",
              "| phase | GPU ms per step | share | calls per step |", "| --- | ---: | ---: | ---: |"]
    rest = profile["step_ms"] - sum(row["ms_per_step"] for row in profile["rows"])
    for row in profile["rows"] + [{"phase": "outside them (Python, graph bookkeeping, the GPU waiting)",
                                   "ms_per_step": rest, "calls_per_step": ""}]:
        share = row["ms_per_step"] / profile["step_ms"] if profile["step_ms"] else 0.0
        lines.append(f"| {row['phase']} | {row['ms_per_step']:.3f} | {share:.1%} | {row['calls_per_step']} |")
    lines += ["", "Each Function's forward and backward (on raw arrays, so they do not nest) and the optimizer's "
                  "update are timed between CUDA events: GPU time, including any wait for the CPU to launch the "
                  "next kernel. Recording the events adds a little to the profiled step."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/gpu_vs_torch.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=128, help="batch size of every case (default 128)")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved timing rounds (default 7)")
    parser.add_argument("--profile-steps", type=int, default=5, help="training steps profiled (default 5)")
    parser.add_argument("--out", help="folder for gpu_vs_torch.json and .md (default benchmarks/results/gpu-<date>)")
    parser.add_argument("--quick", action="store_true", help="three conv shapes, 2 rounds: a check of the setup")
    parser.add_argument("--device", choices=["gpu", "fake-gpu"], default="gpu",
                        help="fake-gpu: minicnn on the CPU stand-in, to check this script without a GPU")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    minicnn_peer = start_minicnn(args.device)  # RuntimeError naming what is missing without CuPy or a GPU
    torch_peer, torch_missing = start_torch(args.device)
    systems = {"minicnn": minicnn_peer, **({"torch": torch_peer} if torch_peer is not None else {})}
    todo = cases(args.batch, args.quick)
    results = []
    for k, case in enumerate(todo, 1):
        print(f"[{k}/{len(todo)}] {case['label']}", file=sys.stderr, flush=True)
        results.append(time_case(case, systems, repeats, min_sample_s=0.05 if args.quick else 0.2))
    print("profiling minicnn's training step", file=sys.stderr, flush=True)
    document = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "batch": args.batch, "repeats": repeats,
                "command": " ".join(["python benchmarks/gpu_vs_torch.py", *(argv if argv is not None else sys.argv[1:])]),
                "facts": device_facts(minicnn_peer, torch_peer), "torch_missing": torch_missing, "results": results,
                "profile": profile_step(minicnn_peer, args.batch, args.profile_steps)}
    out = pathlib.Path(args.out or f"benchmarks/results/gpu-{time.strftime('%Y-%m-%d')}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_vs_torch.json").write_text(json.dumps(document, indent=1) + "\n")
    (out / "gpu_vs_torch.md").write_text(markdown(document))
    print(markdown(document))
    print(f"written: {out / 'gpu_vs_torch.json'}, {out / 'gpu_vs_torch.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
