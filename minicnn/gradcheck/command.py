"""The ``minicnn gradcheck`` verb: its arguments and what it prints.

    minicnn gradcheck --all                                    # every operator and block: a table
    minicnn gradcheck conv2d --strides 1 --padding VALID --method sparse --dtype float32 --shape 1,6,6,3 3,3,3,2
    minicnn gradcheck conv2d --inject-bug                      # what a wrong backward looks like
    minicnn gradcheck tanh --eps-sweep --out sweep.png         # error against eps, float32 and float64

Operator options are the keyword parameters of a case's function after its inputs (``--strides 2``
is ``conv2d(input, filters, strides=2, ...)``), read from its signature, so every registered
operator has its own. Where a keyword has the name of one of this verb's options (``seed``, ``shape``,
``dtype``), it is spelled ``--op-seed``, ``--op-shape``, ``--op-dtype``.
"""

import argparse
import ast
import sys
from contextlib import nullcontext

from ..cli import positive_float
from .blocks import BLOCK_CHECKS
from .core import TOLERANCES, check_dtype
from .inject import BUG_KINDS, inject_bug
from .suite import (
    all_check_names, describe, dtype_options, failure_details, format_table, input_shapes, operator_checks, run_checks,
    summary, tolerance_line,
)

OWN_OPTIONS = {"all", "list", "dtype", "eps", "atol", "rtol", "seed", "shape", "inject_bug", "bug_input",
               "bug_factor", "eps_sweep", "out", "help", "ops"}
OPTION_PREFIX = "op:"
DEFAULT_SWEEP_OP = "tanh"


def option_flag(name):
    """The command-line spelling of an operator's keyword argument."""
    flag = name.replace("_", "-")
    return f"--op-{flag}" if name in OWN_OPTIONS else f"--{flag}"


def keyword_names():
    """Every parameter name of the registered cases' functions: their options, and their inputs'
    names too, so that ``--filters 3`` parses and is refused by name, with the options it could be."""
    try:
        checks = operator_checks()
    except ValueError:  # a family mid-edit declares a name twice: 'minicnn gradcheck' will say so, other verbs work
        return []
    names = {name for op in checks.values() for name in op.input_names + op.accepted}
    return sorted(name for name in names if name.isidentifier())


def option_value(text):
    """An option's value: a Python literal (2, 0.3, (1, 2), [[0, 0], [1, 1]]), true/false/none,
    else the text itself ('SAME', 'sparse')."""
    lowered = text.strip().lower()
    if lowered in ("true", "false", "none"):
        return {"true": True, "false": False, "none": None}[lowered]
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def shape(text):
    try:
        values = tuple(int(n) for n in text.split(",") if n.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes separated by commas such as 2,5,5,3, got {text!r}") from None
    if min(values, default=1) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive sizes, got {text!r}")
    return values


def non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def _short(value):
    return f"{value:.0e}".replace("e-0", "e-")


def _default_text(dtype):
    t = TOLERANCES[check_dtype(dtype)]
    return f"{dtype} eps {_short(t.eps)}, atol {_short(t.atol)}, rtol {_short(t.rtol)}"


DESCRIPTION = f"""Check gradients numerically: central differences of the output projected on a random
upstream gradient, against the analytic backward, for registered operators (minicnn/ops/*:
GRADCHECK_CASES) and whole blocks (ResNet basic and bottleneck blocks, a dense block,
BatchNormalization in training mode, LeNet-5 with its loss). Prints a table; exits with 1 when
any check fails.

Operator options: every keyword parameter of a case's function after its inputs is an option,
--NAME VALUE (--strides 2 --padding SAME --method sparse; values are Python literals, or text
such as SAME; '--list' shows each operator's). A keyword named like an option of this command is --op-NAME
(--op-seed, --op-shape, --op-dtype).

Default step and tolerances: {_default_text('float64')};
{_default_text('float32')}.
A check passes when |analytic - numeric| <= atol + rtol*|numeric| at every element. They come
from the error of the central difference, eps^2*|s'''|/6 (truncation) + u*S/eps (round-off;
u = 2^-53 or 2^-24, S = sum |g*y|), smallest near eps = u^(1/3): 5e-6 in float64, 4e-3 in
float32, where eps is kept at 1e-3 to step over fewer kinks (relu, max). The float32 error is
then up to ~6e-5*S, hence atol = rtol = 1e-2 (docs/gradcheck.md). Blocks: float64 only."""


def add_arguments(parser):
    """The arguments of ``minicnn gradcheck`` on the verb's ``parser``."""
    parser.description = DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("ops", nargs="*", metavar="NAME",
                        help="operators (conv2d, conv2d[sparse], ...) or blocks (block.resnet_basic, ...); "
                             "none: as --all; see --list")
    parser.add_argument("--all", action="store_true", help="every registered operator and every block")
    parser.add_argument("--list", action="store_true", help="list the checks, their configurations and options")
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"],
                        help="dtype of the check (default float64; float32 uses eps 1e-3, atol = rtol = 1e-2)")
    parser.add_argument("--eps", type=positive_float, help="central-difference step (default: the dtype's)")
    parser.add_argument("--atol", type=positive_float, help="absolute tolerance (default: the dtype's)")
    parser.add_argument("--rtol", type=positive_float, help="relative tolerance (default: the dtype's)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the inputs and of the upstream gradient")
    parser.add_argument("--shape", type=shape, nargs="+", metavar="SHAPE",
                        help="input shapes, one per input in order, e.g. 1,7,7,3 3,3,3,4 (omitted ones: the case's)")
    parser.add_argument("--inject-bug", nargs="?", const="scale", choices=BUG_KINDS,
                        help="make the operator's backward wrong on purpose: scale (x --bug-factor, default) the "
                             "gradient of one of its inputs, or drop it; shows what a failure looks like")
    parser.add_argument("--bug-input", type=non_negative_int,
                        help="which input of the operator's Function gets the bug (default: the first checked one)")
    parser.add_argument("--bug-factor", type=float, default=1.1, help="factor of --inject-bug scale (default 1.1)")
    parser.add_argument("--eps-sweep", action="store_true",
                        help=f"error of the central difference against eps (1e-1 .. 1e-12) in float32 and float64 "
                             f"for one operator (default {DEFAULT_SWEEP_OP}); draws --out")
    parser.add_argument("--out", default="gradcheck_eps_sweep.png", help="PNG of --eps-sweep (default %(default)s)")
    for name in keyword_names():
        parser.add_argument(option_flag(name), dest=OPTION_PREFIX + name, type=option_value, metavar="VALUE",
                            default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def _operator_options(args):
    return {key[len(OPTION_PREFIX):]: value for key, value in vars(args).items() if key.startswith(OPTION_PREFIX)}


def print_list(stream=None):
    """Each operator with its configuration and options, then each block (on ``stream``, default stdout)."""
    stream = sys.stdout if stream is None else stream
    rows = []
    for name, op in sorted(operator_checks().items()):
        try:
            config, options = describe(op), ", ".join(option_flag(o) for o in op.accepted) or "-"
        except Exception as err:  # a half-written operator: say so, list the rest
            config, options = f"cannot run: {type(err).__name__}: {err}", "-"
        rows.append((name, config, options))
    width = max(len(r[0]) for r in rows)
    config_width = max(len(r[1]) for r in rows)
    print(f"operators ({len(rows)}; options are keyword arguments of the operator):", file=stream)
    for name, config, options in rows:
        print(f"  {name:<{width}}  {config:<{config_width}}  {options}", file=stream)
    print(f"blocks ({len(BLOCK_CHECKS)}, float64, training mode, input and every trainable weight):", file=stream)
    for check in BLOCK_CHECKS.values():
        print(f"  {check.name:<{width}}  {check.config}", file=stream)


def _names(args):
    if args.all or not args.ops:
        if args.ops:
            raise ValueError("give operator names or --all, not both")
        names = all_check_names()
        if args.dtype != "float64":
            names = [n for n in names if n not in BLOCK_CHECKS]
            print("blocks are left out: they are checked in float64 only (in float32 the step crosses the "
                  "kinks of their many ReLUs; docs/gradcheck.md)", file=sys.stderr)
        return names
    blocks = [n for n in args.ops if n in BLOCK_CHECKS]
    if blocks and args.dtype != "float64":
        raise ValueError(f"{blocks[0]} is a block: blocks are checked in float64 only")
    return args.ops


def _progress(total):
    """A callback advancing a progress bar on a terminal (stderr), else nothing."""
    if total < 2 or not sys.stderr.isatty():
        return None, lambda: None
    from ..progress import ProgressBar

    bar, done = ProgressBar(total, stream=sys.stderr), [0]

    def step(result):
        done[0] += 1
        bar.update(done[0])

    return step, lambda: bar.close()


def _bug(names, args, options):
    """The ``inject_bug`` context for the one operator named, and a line saying what it does."""
    operators = operator_checks()
    if len(names) != 1 or names[0] not in operators:
        raise ValueError("--inject-bug needs exactly one operator name (e.g. conv2d), not a block or --all")
    op = operators[names[0]]
    options = dtype_options(op, options, check_dtype(args.dtype))
    function_class, inputs = op.output_function(options, input_shapes(op, args.shape), args.dtype)
    if function_class is None or not inputs:
        raise ValueError(f"{op.name}: its output has no backward to perturb")
    if args.bug_input is None:
        checked = [k for k, (name, grad) in enumerate(inputs) if grad and name]
        index = checked[0] if checked else next(k for k, (_, grad) in enumerate(inputs) if grad)
    else:
        index = args.bug_input
        if index >= len(inputs) or not inputs[index][1]:
            takes = [k for k, (_, grad) in enumerate(inputs) if grad]
            raise ValueError(f"--bug-input must be an input of {function_class.__name__} that gets a gradient "
                             f"({', '.join(map(str, takes))}), got {index}")
    what = "dropped" if args.inject_bug == "drop" else f"multiplied by {args.bug_factor:g}"
    name = inputs[index][0] or "a value computed from the inputs"
    line = (f"injected bug: {function_class.__name__}.backward returns the gradient of its input {index} "
            f"({name}) {what}")
    return inject_bug(function_class, input=index, kind=args.inject_bug, factor=args.bug_factor), line


def _sweep(args, options):
    from .eps_sweep import eps_sweep, plot_eps_sweep, sweep_table

    names = args.ops or [DEFAULT_SWEEP_OP]
    operators = operator_checks()
    if len(names) != 1 or names[0] not in operators:
        raise ValueError(f"--eps-sweep takes one operator name (default {DEFAULT_SWEEP_OP}), got {' '.join(names)}")
    op = operators[names[0]]
    op.options(options)
    sweep = eps_sweep(op, options=options, shapes=args.shape, seed=args.seed)
    print(f"max |numeric - analytic| of {op.name} ({describe(op, options, args.shape)}) against eps:")
    print(sweep_table(sweep))
    plot_eps_sweep(sweep, args.out)
    print(f"figure: {args.out}")
    return 0


def run_from_args(args):
    """Run ``minicnn gradcheck`` as parsed by a parser given ``add_arguments``; the exit status."""
    if args.list:
        print_list()
        return 0
    options = _operator_options(args)
    if args.eps_sweep:
        return _sweep(args, options)
    names = _names(args)
    bug, bug_line = (None, None)
    if args.inject_bug:
        bug, bug_line = _bug(names, args, options)
    step, close = _progress(len(names))
    kwargs = dict(dtype=args.dtype, seed=args.seed, options=options, shapes=args.shape, eps=args.eps,
                  atol=args.atol, rtol=args.rtol, on_result=step)
    try:
        with bug or nullcontext():
            results = run_checks(names, **kwargs)
    finally:
        close()
    if bug_line:
        print(bug_line)
    print(tolerance_line(args.dtype, args.eps, args.atol, args.rtol))
    print(format_table(results))
    print(summary(results))
    details = failure_details(results)
    if details:
        print("\nfailures (each input: its largest error, the element where it is worst, analytic vs numeric):")
        print(details)
    return 0 if all(r.ok for r in results) else 1
