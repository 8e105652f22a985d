"""The ``minicnn`` command line: ``minicnn demo``, ``minicnn gradcheck`` (``--help`` on each)."""

import argparse
import sys

import numpy as np


def _demo(args):
    from .demo import run_demo

    results = run_demo(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                       seed=args.seed, verbose=0 if args.quiet else 1)
    if args.quiet:
        print(f"test accuracy: {results['accuracy']:.4f}")
    return 0


def _gradcheck(args):
    from .gradcheck import gradcheck
    from .ops import gradcheck_cases

    cases = gradcheck_cases()  # each operator family declares its own (minicnn/ops/__init__.py)
    if args.list:
        print("\n".join(sorted(cases)))
        return 0
    names = args.ops or sorted(cases)
    unknown = [n for n in names if n not in cases]
    if unknown:
        print(f"unknown op(s): {', '.join(unknown)}; see 'minicnn gradcheck --list'", file=sys.stderr)
        return 2
    generator = np.random.default_rng(args.seed)
    failed = 0
    for name in names:
        fn, shapes, positive = cases[name]
        inputs = [generator.uniform(0.5, 2.0, s) if positive else generator.standard_normal(s) for s in shapes]
        report = gradcheck(fn, *inputs, eps=args.eps)
        failed += not report
        print(f"{name}: {report}")
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


def positive_int(text):
    """An argparse type: a whole number above zero, else a one-line error (no traceback)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog="minicnn", description="A CNN engine on NumPy/CuPy, checked against TensorFlow.")
    verbs = parser.add_subparsers(dest="verb")

    demo = verbs.add_parser("demo", help="train a small network on the handwritten digits and print test accuracy")
    demo.add_argument("--epochs", type=positive_int, default=30, help="passes over the training set (default 30)")
    demo.add_argument("--batch-size", type=positive_int, default=32, help="examples per step (default 32)")
    demo.add_argument("--learning-rate", type=positive_float, default=1e-3, help="Adam learning rate (default 1e-3)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the split, initial weights and shuffling")
    demo.add_argument("--quiet", action="store_true", help="print only the test accuracy")
    demo.set_defaults(run=_demo)

    check = verbs.add_parser("gradcheck", help="check built-in operators' gradients numerically in float64")
    check.add_argument("ops", nargs="*", help="operator names (default: all; see --list)")
    check.add_argument("--list", action="store_true", help="list the operators that can be checked")
    check.add_argument("--eps", type=positive_float, default=1e-6, help="central-difference step (default 1e-6)")
    check.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    check.set_defaults(run=_gradcheck)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb is None:  # plain `minicnn`: say what it can do
        parser.print_help()
        return 0
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
