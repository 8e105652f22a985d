"""What ``minicnn gradcheck`` runs: registered operators and whole blocks, and the table it prints.

A check is named by its registry name (``conv2d``, ``conv2d[sparse]``: the ``GRADCHECK_CASES`` of
the ``minicnn/ops`` families) or by a block name (``block.resnet_basic``, ``model.lenet5``: see
``blocks.py``). ``--all`` is every one of them, read from the registry each time, so a newly
registered operator is included without a change here.
"""

import inspect
import time
from dataclasses import dataclass, field

import numpy as np

from ..autograd import Tensor
from ..ops import gradcheck_cases
from .blocks import BLOCK_CHECKS, ELEMENTS, build_block
from .core import TOLERANCES, check_dtype, check_tensors, gradcheck
from .operators import OperatorCheck, draw_inputs


def operator_checks():
    """Every registered operator case, by name, as an ``OperatorCheck``."""
    return {name: OperatorCheck(name, case) for name, case in gradcheck_cases().items()}


def all_check_names():
    """The names ``--all`` runs: every registered operator case, then every block."""
    return sorted(gradcheck_cases()) + list(BLOCK_CHECKS)


@dataclass
class Result:
    """One row of the table: a check, its configuration, and its report or the error it raised."""

    name: str
    config: str
    dtype: str
    report: object = None
    error: str = None
    seconds: float = field(default=0.0, compare=False)

    @property
    def ok(self):
        return self.error is None and bool(self.report)

    @property
    def verdict(self):
        return "ERROR" if self.error is not None else "pass" if self.report else "FAIL"


def _shape_text(shape):
    return "(" + ",".join(str(int(n)) for n in shape) + ")"


def _value_text(value):
    if isinstance(value, (Tensor, np.ndarray)):
        return f"array{_shape_text(value.shape)}"
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, np.dtype):
        return value.name
    return repr(value).replace(" ", "")


def input_shapes(op, shapes):
    """The case's input shapes with the first ones replaced by ``shapes`` (ValueError on too many)."""
    default = [tuple(s) for s in op.case.shapes]
    shapes = [tuple(s) for s in shapes or ()]
    if len(shapes) > len(default):
        names = ", ".join(op.input_names)
        raise ValueError(f"{op.name} has {len(default)} input(s) ({names}); got {len(shapes)} shapes")
    return shapes + default[len(shapes):]


def describe(op, options=None, shapes=None):
    """``input(2,5,5,2) filters(3,3,2,3) strides=2 padding='SAME'``: the inputs, then the options;
    a function that is neither exported nor named as the case (``relu6_4x_plus_3:``) is named first."""
    parts = [f"{n}{_shape_text(s)}" for n, s in zip(op.input_names, input_shapes(op, shapes))]
    parts += [f"{key}={_value_text(value)}" for key, value in op.options(options).items()]
    function, module = op.case.op, inspect.getmodule(op.case.op)
    name = getattr(function, "__name__", repr(function))
    exported = any(getattr(module, n, None) is function for n in getattr(module, "__all__", ()))
    if not exported and name != op.name.split("[")[0]:
        parts.insert(0, f"{name}:")
    return " ".join(parts)


def dtype_options(op, options, dtype):
    """A case written for float64 that casts to float64 (``cast``) casts to the checked dtype instead."""
    options = dict(options or {})
    value = op.case.options.get("dtype")
    if dtype != np.float64 and "dtype" not in options and value is not None:
        try:
            if np.dtype(value) == np.float64:
                options["dtype"] = dtype
        except TypeError:
            pass
    return options


def run_operator(op, dtype="float64", seed=0, options=None, shapes=None, eps=None, atol=None, rtol=None):
    """Check one registered operator with ``options`` (its keyword arguments) and input ``shapes``."""
    dtype = check_dtype(dtype)
    given = dtype_options(op, options, dtype)

    def run():
        arrays = draw_inputs(op.case, np.random.default_rng(seed), input_shapes(op, shapes))
        inputs = [Tensor(a, requires_grad=True, name=n) for a, n in zip(arrays, op.input_names)]
        return gradcheck(op.function(given), *inputs, dtype=dtype, seed=seed, eps=eps, atol=atol, rtol=rtol)

    try:
        config = describe(op, given, shapes)
    except ValueError:  # a case declaring an option its function does not take: the ERROR row says which
        config = "-"
    return _timed(op.name, config, dtype, run)


def run_block(check, dtype="float64", seed=0, eps=None, atol=None, rtol=None, elements=ELEMENTS):
    """Check one block of ``BLOCK_CHECKS``: its input and every trainable weight (sampled)."""
    dtype = check_dtype(dtype)

    def run():
        fn, tensors = build_block(check, dtype, seed)
        return check_tensors(fn, tensors, eps=eps, atol=atol, rtol=rtol, seed=seed, elements=elements)

    return _timed(check.name, check.config, dtype, run)


def _timed(name, config, dtype, run):
    start = time.perf_counter()
    try:
        report, error = run(), None
    except (ValueError, TypeError, RuntimeError, ArithmeticError) as err:  # an operator refusing its options
        report, error = None, f"{type(err).__name__}: {err}"
    return Result(name, config, dtype.name, report, error, time.perf_counter() - start)


def run_checks(names, dtype="float64", seed=0, options=None, shapes=None, eps=None, atol=None, rtol=None,
               on_result=None):
    """Run the checks ``names`` (operators and blocks) and return their ``Result``s in order.

    ``options`` and ``shapes`` apply to every operator named (and are refused for blocks);
    ``on_result(result)`` is called after each, e.g. to show progress.
    """
    operators = operator_checks()
    unknown = [n for n in names if n not in operators and n not in BLOCK_CHECKS]
    if unknown:
        raise ValueError(f"unknown check(s): {', '.join(unknown)}; see 'minicnn gradcheck --list'")
    if options or shapes:
        for name in names:
            if name in BLOCK_CHECKS:
                raise ValueError(f"{name} is a block: it takes no operator options or --shape")
            operators[name].options(options)
            input_shapes(operators[name], shapes)
    results = []
    for name in names:
        if name in BLOCK_CHECKS:
            result = run_block(BLOCK_CHECKS[name], dtype, seed, eps, atol, rtol)
        else:
            result = run_operator(operators[name], dtype, seed, options, shapes, eps, atol, rtol)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def _format_error(value):
    return "-" if value is None else f"{value:.2e}"


def format_table(results):
    """The table: operator, configuration, dtype, max abs error, max rel error, result."""
    header = ("operator", "configuration", "dtype", "max abs err", "max rel err", "result")
    rows = [(r.name, r.config, r.dtype, _format_error(None if r.report is None else r.report.max_abs_error),
             _format_error(None if r.report is None else r.report.max_rel_error), r.verdict) for r in results]
    widths = [max(len(row[k]) for row in [header] + rows) for k in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def tolerance_line(dtype, eps=None, atol=None, rtol=None):
    """How a check passes, in one line: the step and the tolerances for ``dtype``."""
    default = TOLERANCES[check_dtype(dtype)]
    eps, atol, rtol = (default.eps if eps is None else eps, default.atol if atol is None else atol,
                       default.rtol if rtol is None else rtol)
    return (f"{check_dtype(dtype).name}: central differences with eps={eps:g}; pass when "
            f"|analytic - numeric| <= {atol:g} + {rtol:g}·|numeric| at every element checked")


def summary(results):
    """``88 checks: 88 passed, 0 failed; worst max abs err 3.1e-09 (conv2d), worst max rel err ...``."""
    failed = [r for r in results if not r.ok]
    text = f"{len(results)} check{'s' * (len(results) != 1)}: {len(results) - len(failed)} passed, {len(failed)} failed"
    reported = [r for r in results if r.report is not None]
    if reported:
        worst_abs = max(reported, key=lambda r: r.report.max_abs_error)
        worst_rel = max(reported, key=lambda r: r.report.max_rel_error)
        text += (f"; worst max abs err {worst_abs.report.max_abs_error:.2e} ({worst_abs.name}), "
                 f"worst max rel err {worst_rel.report.max_rel_error:.2e} ({worst_rel.name})")
    return text


def failure_details(results):
    """For each failed check, its full report: the input, its worst element, analytic vs numeric."""
    parts = []
    for r in results:
        if r.error is not None:
            parts.append(f"{r.name} ({r.config}): {r.error}")
        elif not r.ok:
            parts.append(f"{r.name} ({r.config}): {r.report}")
    return "\n".join(parts)
