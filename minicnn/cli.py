"""The ``minicnn`` command line: ``demo``, ``train``, ``evaluate``, ``summary``, ``gradcheck``
(``--help`` on each). The work itself is in ``demo.py``, ``runs.py`` and ``gradcheck.py``."""

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
    from .gradcheck.command import run_from_args

    return run_from_args(args)


def _bench(args):
    from .bench import run_from_args

    return run_from_args(args)


def _explain(args):
    from .viz.explain import run_from_args

    return run_from_args(args)


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


def _train(args):
    from .runs import train

    summary = train(args.model, args.dataset, args.out, data_dir=args.data_dir, epochs=args.epochs,
                    batch_size=args.batch_size, optimizer=args.optimizer, learning_rate=args.lr,
                    schedule=args.schedule, augment=[a for a in (args.augment or "").split(",") if a],
                    validation_split=args.validation_split, seed=args.seed, device=args.device, depth=args.depth,
                    verbose=0 if args.quiet else 1, limit=args.limit, resume=args.resume)
    print(f"test accuracy: {summary['test_accuracy']:.4f}  test loss: {summary['test_loss']:.4f}  "
          f"({summary['epochs']} epochs, {summary['wall_seconds']:.0f}s); files in {args.out}")
    return 0


def _evaluate(args):
    from .runs import evaluate

    results = evaluate(args.model, args.dataset, args.weights, data_dir=args.data_dir, depth=args.depth)
    print(f"test accuracy: {results['test_accuracy']:.4f}  test loss: {results['test_loss']:.4f}")
    return 0


def _summary(args):
    from .runs import build_model

    build_model(args.model, args.input_shape, args.classes, args.depth).summary()
    return 0


def shape(text):
    try:
        values = tuple(int(n) for n in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes separated by commas such as 32,32,3, got {text!r}") from None
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive sizes, got {text!r}")
    return values


def _add_model_arguments(parser):
    from .runs import MODELS

    parser.add_argument("--model", required=True, choices=sorted(MODELS), help="a network of the model zoo")
    parser.add_argument("--depth", type=positive_int, help="depth of resnet_v1 (6n+2), resnet_v2 (9n+2), densenet_bc")


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

    from .runs import DATASETS, MODELS
    train = verbs.add_parser("train", help="train a zoo model on a dataset; writes checkpoints, log, curves, summary")
    _add_model_arguments(train)
    train.add_argument("--dataset", required=True, choices=sorted(DATASETS))
    train.add_argument("--data-dir", help="folder of the dataset's files (default: $MINICNN_DATA, else ~/.keras/datasets)")
    train.add_argument("--epochs", type=positive_int, default=5, help="default 5")
    train.add_argument("--batch-size", type=positive_int, default=64, help="default 64")
    train.add_argument("--optimizer", default="adam", choices=["sgd", "adam", "rmsprop", "adamw", "nadam"])
    train.add_argument("--lr", type=positive_float, default=1e-3, help="learning rate (default 1e-3)")
    train.add_argument("--schedule", default="none", choices=["none", "step", "cosine", "resnet"],
                       help="learning-rate schedule over the run (resnet: seed 000's lr_schedule)")
    train.add_argument("--augment", help="comma-separated: flip, crop (pad 4 and crop), shift")
    train.add_argument("--validation-split", type=float, default=0.1, help="fraction of training data (default 0.1)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", default="cpu", choices=["cpu", "gpu"])
    train.add_argument("--out", required=True, help="output folder of checkpoints, log.csv, curves.png, summary.json")
    train.add_argument("--resume", action="store_true", help="continue the interrupted run in --out from its backup")
    train.add_argument("--limit", type=positive_int, help="use only this many training and test samples")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=_train)

    evaluate = verbs.add_parser("evaluate", help="test accuracy and loss of a zoo model with saved weights")
    _add_model_arguments(evaluate)
    evaluate.add_argument("--dataset", required=True, choices=sorted(DATASETS))
    evaluate.add_argument("--data-dir")
    evaluate.add_argument("--weights", required=True, help="an .npz written by save_weights (e.g. DIR/best.npz)")
    evaluate.set_defaults(run=_evaluate)

    summary = verbs.add_parser("summary", help="print a zoo model's layers and parameter counts as Keras does")
    summary.add_argument("model", choices=sorted(MODELS))
    summary.add_argument("--depth", type=positive_int)
    summary.add_argument("--input-shape", type=shape, default=(32, 32, 3), help="default 32,32,3")
    summary.add_argument("--classes", type=positive_int, default=10)
    summary.set_defaults(run=_summary)

    from .gradcheck.command import add_arguments as add_gradcheck_arguments
    check = verbs.add_parser("gradcheck", help="check gradients numerically (operators, blocks, a model): a table; "
                                               "--inject-bug, --eps-sweep")
    add_gradcheck_arguments(check)
    check.set_defaults(run=_gradcheck)

    from .bench import add_arguments as add_bench_arguments
    bench = verbs.add_parser("bench", help="time minicnn against TensorFlow (oneDNN on and off) and PyTorch; "
                                           "writes bench.json, bench.md and plots")
    add_bench_arguments(bench)
    bench.set_defaults(run=_bench)

    from .viz.explain import add_arguments as add_explain_arguments
    explain = verbs.add_parser("explain", help="draw a picture that explains a mechanism: im2col, sparse, conv-steps, "
                                               "feature-maps, filters, graph, grad-norms (--out FILE.png)")
    add_explain_arguments(explain, positive_int)
    explain.set_defaults(run=_explain)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb is None:  # plain `minicnn`: say what it can do
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except (ValueError, OSError) as err:  # bad input or missing files: the message, not a traceback
        print(f"minicnn {args.verb}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
