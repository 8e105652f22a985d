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


def _gradcheck_cases():
    """Built-in checks: name -> (function, input shapes, inputs drawn positive?)."""
    from . import functional as F

    return {
        "add": (F.add, [(3, 4), (4,)], False), "multiply": (F.multiply, [(3, 4), (3, 1)], False),
        "divide": (F.divide, [(3, 4), (3, 4)], True), "pow": (F.pow, [(3, 4), (3, 4)], True),
        "exp": (F.exp, [(3, 4)], False), "log": (F.log, [(3, 4)], True), "sqrt": (F.sqrt, [(3, 4)], True),
        "matmul": (F.matmul, [(2, 3, 4), (4, 5)], False),
        "reduce_sum": (lambda x: F.reduce_sum(x, axis=1), [(3, 4)], False),
        "reduce_mean": (lambda x: F.reduce_mean(x, axis=0), [(3, 4)], False),
        "reduce_max": (lambda x: F.reduce_max(x, axis=-1), [(3, 4)], False),
        "relu": (F.relu, [(3, 4)], False), "sigmoid": (F.sigmoid, [(3, 4)], False),
        "tanh": (F.tanh, [(3, 4)], False), "softmax": (F.softmax, [(3, 4)], False),
        "log_softmax": (F.log_softmax, [(3, 4)], False),
        "conv2d": (lambda x, w: F.conv2d(x, w, 2, "SAME"), [(2, 5, 5, 2), (3, 3, 2, 3)], False),
        "conv2d_transpose": (lambda x, w: F.conv2d_transpose(x, w, (2, 5, 5, 2), 2, "SAME"), [(2, 3, 3, 3), (3, 3, 2, 3)],
                             False),
        "depthwise_conv2d": (lambda x, w: F.depthwise_conv2d(x, w, 1, "SAME"), [(1, 4, 4, 2), (3, 3, 2, 2)], False),
        "max_pool2d": (lambda x: F.max_pool2d(x, 3, 2, "SAME"), [(2, 5, 5, 2)], False),
        "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, "SAME"), [(2, 5, 5, 2)], False),
        "fused_batch_norm": (lambda x, g, b: F.fused_batch_norm(x, g, b, (0, 1, 2), 1e-3)[0],
                             [(3, 3, 3, 2), (2,), (2,)], False),
        "softmax_cross_entropy_with_logits": (
            lambda z: F.softmax_cross_entropy_with_logits(np.eye(4)[[0, 2, 3]], z), [(3, 4)], False),
    }


def _gradcheck(args):
    from .gradcheck import gradcheck

    cases = _gradcheck_cases()
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


def build_parser():
    parser = argparse.ArgumentParser(prog="minicnn", description="A CNN engine on NumPy/CuPy, checked against TensorFlow.")
    verbs = parser.add_subparsers(dest="verb", required=True)

    demo = verbs.add_parser("demo", help="train a small network on the handwritten digits and print test accuracy")
    demo.add_argument("--epochs", type=int, default=30, help="passes over the training set (default 30)")
    demo.add_argument("--batch-size", type=int, default=32, help="examples per step (default 32)")
    demo.add_argument("--learning-rate", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the split, initial weights and shuffling")
    demo.add_argument("--quiet", action="store_true", help="print only the test accuracy")
    demo.set_defaults(run=_demo)

    check = verbs.add_parser("gradcheck", help="check built-in operators' gradients numerically in float64")
    check.add_argument("ops", nargs="*", help="operator names (default: all; see --list)")
    check.add_argument("--list", action="store_true", help="list the operators that can be checked")
    check.add_argument("--eps", type=float, default=1e-6, help="central-difference step (default 1e-6)")
    check.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    check.set_defaults(run=_gradcheck)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
