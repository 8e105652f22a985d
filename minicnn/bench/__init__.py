"""minicnn's benchmark harness: ``minicnn bench [SUITE ...] [--quick] [--out DIR] [--repeats N]``.

Times minicnn against TensorFlow (oneDNN on, its default, and off) and, when installed, PyTorch,
each system in a process of its own, their calls interleaved round by round; measures peak memory
in fresh processes; writes ``bench.json``, ``bench.md`` (ratios to TensorFlow) and PNG plots.

Suites (suites.py): ``ops`` (every operator family on shapes from LeNet-5, VGG, ResNet-20/56 and
DenseNet-BC, forward and forward+backward), ``models`` (training step and inference batch of
LeNet-5, ResNet-20, ResNet-56 and DenseNet-BC-40 at several batch sizes), ``scaling`` (conv2d
time and memory against batch size, image size and channels). ``--quick`` runs small versions of
all three in under two minutes on 2 cores; the full run takes about 15 minutes on 2 idle cores
(docs/benchmarking.md), and each suite can be run alone (``minicnn bench models``).

Modules: systems (who is compared), suites and shapes (what), measure (how one call is timed and
its memory read), worker (a system's process), peers/ (the code driving each framework),
harness (the coordinator), machine (what it ran on), report and plots (the files).
This module imports nothing heavy: the CLI builds its parser from it.
"""

import argparse
import sys
import time

from ..cli import positive_int

SUITE_NAMES = ("ops", "models", "scaling")


def _suite(text):
    if text not in SUITE_NAMES:
        raise argparse.ArgumentTypeError(f"unknown suite {text!r}; choose from {', '.join(SUITE_NAMES)}")
    return text


def _names(text):
    return [t.strip() for t in text.split(",") if t.strip()]


def add_arguments(parser):
    """The options of ``minicnn bench`` (also used by the scripts in benchmarks/)."""
    parser.add_argument("suites", nargs="*", type=_suite, metavar="SUITE",
                        help=f"any of {', '.join(SUITE_NAMES)} (default: all three)")
    parser.add_argument("--quick", action="store_true",
                        help="small shapes and 3 rounds: under two minutes on 2 cores (the full run: about 15)")
    parser.add_argument("--out", help="folder for bench.json, bench.md and the plots (default: "
                                      "bench-results/<date>_<time>)")
    parser.add_argument("--repeats", type=positive_int,
                        help="interleaved timing rounds per case (default: 3 quick; ops 9, models 5, scaling 5)")
    parser.add_argument("--filter", type=_names, action="extend", default=[],
                        help="only cases whose id or label contains one of these comma-separated words")
    parser.add_argument("--systems", type=_names,
                        help="comma-separated systems (default cpu: minicnn,tf,tf-eigen,torch; gpu: "
                             "minicnn-gpu,torch-gpu)")
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu",
                        help="gpu: minicnn on CuPy against PyTorch + cuDNN (needs both and a GPU)")
    parser.add_argument("--threads", type=positive_int,
                        help="threads of every system's compute pools (BLAS, OpenMP, TensorFlow, PyTorch); default: "
                             "each its own (all cores). --threads 1 compares kernels, not threading, and holds up "
                             "better on a busy machine")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory processes")
    parser.add_argument("--jobs", type=positive_int,
                        help="peak-memory processes run at once (default: cores + 1, at most 4)")
    return parser


def command_line(args):
    """The command that reproduces a run, for the report."""
    parts = ["minicnn bench", *args.suites]
    parts += ["--quick"] if args.quick else []
    parts += [f"--repeats {args.repeats}"] if args.repeats else []
    parts += [f"--filter {','.join(args.filter)}"] if args.filter else []
    parts += [f"--systems {','.join(args.systems)}"] if args.systems else []
    parts += ["--device gpu"] if args.device == "gpu" else []
    parts += [f"--threads {args.threads}"] if args.threads else []
    parts += ["--no-memory"] if args.no_memory else []
    return " ".join(parts)


def run_from_args(args, stream=None):
    """Run what ``args`` asks, write the files, print where they are and the headline ratios."""
    from . import harness, report

    stream = stream or sys.stdout
    suites = list(dict.fromkeys(args.suites)) or list(SUITE_NAMES)
    out = args.out or f"bench-results/{time.strftime('%Y-%m-%d_%H%M%S')}"
    document = harness.run(suites, quick=args.quick, repeats=args.repeats, device=args.device,
                           system_names=args.systems, filters=args.filter, memory=not args.no_memory,
                           memory_jobs_count=args.jobs, threads=args.threads)
    document["command"] = command_line(args)
    try:
        paths = report.write(document, out)
    except ImportError as err:  # matplotlib missing: the numbers still matter
        paths = report.write(document, out, plots=False)
        print(f"no plots: {err} (pip install 'minicnn[plot]')", file=sys.stderr)
    for system in document["systems"].values():
        if not system.get("available"):
            print(f"{system['label']} not measured: {system['reason'].splitlines()[0]}", file=stream)
    for suite in suites:
        means = report.geometric_means(document, suite)
        if means:
            text = ", ".join(f"{report.short(r)} {g:.2f}" for r, (g, _) in means.items())
            print(f"{suite}: minicnn time / reference, geometric mean: {text}", file=stream)
    print("wrote " + ", ".join(str(p) for p in paths), file=stream)
    return 0


def main(argv=None, prog="minicnn bench"):
    parser = add_arguments(argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0]))
    args = parser.parse_args(argv)
    try:
        return run_from_args(args)
    except ValueError as err:
        print(f"{prog}: {err}", file=sys.stderr)
        return 1
