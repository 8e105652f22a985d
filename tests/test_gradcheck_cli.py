"""`minicnn gradcheck`: --all over the registry and the blocks, the declared cases and their options,
float32, the table and exit status, --inject-bug, and the eps experiment.

Expected values come from outside the code under test: a backward known to be wrong must fail
(with the wrong factor visible in the report), a correct one must pass, options must give what
calling the operator directly gives, and the eps sweep must show what the error analysis of the
central difference predicts (minimum near u^(1/3), slope 2 on the truncation side).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F
from minicnn.cli import main
from minicnn.gradcheck import gradcheck, inject_bug
from minicnn.gradcheck.blocks import BLOCK_CHECKS
from minicnn.gradcheck.eps_sweep import eps_sweep
from minicnn.gradcheck.suite import all_check_names, operator_checks, run_block, run_checks
from minicnn.ops import GradcheckCase, gradcheck_cases
from minicnn.ops import math as math_ops
from minicnn.ops.conv import Conv2D
from minicnn.ops.norm import FusedBatchNorm

ROOT = Path(__file__).parent.parent
EXPECTED_BLOCKS = {"block.resnet_basic", "block.resnet_bottleneck", "block.dense", "layer.BatchNormalization",
                   "model.lenet5"}


class Square(mc.Function):
    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return 2 * self.x * gy


class Cube(Square):
    """Inherits Square's (wrong for it) backward: used only to see that inject_bug restores inheritance."""


def report_line(text, name):
    """The report line of input ``name``: its verdict, the worst element and analytic vs numeric."""
    match = re.search(rf"input \d+ \({re.escape(name)}, shape .*?\): (ok|MISMATCH) .*?worst at (\(.*?\)): "
                      r"analytic (\S+) vs numeric (\S+)", text)
    assert match, f"no report line for input {name!r} in:\n{text}"
    return match.group(1), match.group(2), float(match.group(3)), float(match.group(4))


# --- --all: everything registered, and the blocks ----------------------------------------------

def test_all_covers_every_registered_operator_and_the_blocks():
    names = all_check_names()
    missing = set(gradcheck_cases()) - set(names)
    assert not missing, f"--all leaves out registered operators: {sorted(missing)}"
    assert EXPECTED_BLOCKS <= set(names), f"--all lacks blocks: {sorted(EXPECTED_BLOCKS - set(names))}"
    assert len(names) == len(set(names))


def test_an_operator_registered_later_is_in_all_and_runs(monkeypatch):
    monkeypatch.setitem(math_ops.GRADCHECK_CASES, "square_added_in_a_test", GradcheckCase(math_ops.square, [(2, 3)]))
    assert "square_added_in_a_test" in all_check_names()
    [result] = run_checks(["square_added_in_a_test"])
    assert result.ok and result.config == "x(2,3)", (result.config, result.report)


def test_all_from_the_command_line_passes_and_prints_every_row():
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-m", "minicnn.cli", "gradcheck", "--all"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    expected = set(gradcheck_cases()) | EXPECTED_BLOCKS
    assert expected <= set(rows), f"rows missing: {sorted(expected - set(rows))}"
    assert all(rows[name].rstrip().endswith("pass") for name in expected), [
        rows[n] for n in expected if not rows[n].rstrip().endswith("pass")]
    assert f"{len(expected)} checks: {len(expected)} passed, 0 failed" in done.stdout


# --- the declared cases: GradcheckCase(op, shapes, positive=False, **options) ---------------------

@pytest.mark.parametrize("name", sorted(gradcheck_cases()))
def test_every_case_names_its_function_and_declares_options_it_takes(name):
    case = gradcheck_cases()[name]
    assert callable(case.op) and case.op.__name__ != "<lambda>", (
        f"{name}: declare the function itself, or a small named function (docs/adding.md), not a lambda")
    op = operator_checks()[name]
    assert len(op.input_names) == len(case.shapes) and all(n.isidentifier() for n in op.input_names), op.input_names
    assert set(case.options) <= set(op.accepted), f"{name}: {sorted(case.options)} not all in {op.accepted}"


@pytest.mark.parametrize("name, config", [
    ("conv2d_transpose", "input(2,3,3,3) filters(3,3,2,3) output_shape=(2,5,5,2) strides=2 padding='SAME'"),
    ("separable_conv2d",
     "input(1,5,5,2) depthwise_filter(3,3,2,2) pointwise_filter(1,1,4,3) strides=1 padding='VALID'"),
    ("divide", "a(3,4) b(3,4)"),
    ("general_relu", "features(3,4) negative_slope=0.2 max_value=1.2 threshold=0.3"),
    ("relu6", "relu6_4x_plus_3: x(3,4)"),
    ("where", "where_x_y: x(3,4) y(4) condition=array(3,1)"),
    ("sparse_softmax_cross_entropy_with_logits",
     "sparse_softmax_cross_entropy_of_logits: logits(2,2,4) labels=array(2,2)"),
], ids=lambda v: v if "(" not in v else "")
def test_configuration_names_inputs_by_parameter_then_options_then_a_composition(name, config):
    """Inputs are named by the function's parameters, options follow in its order; a small named
    function (not exported, not named as the case) is named first."""
    [result] = run_checks([name])
    assert result.ok and result.config == config, (result.config, result.report)


def test_a_users_options_override_the_cases_and_keep_the_rest(rng):
    """conv2d[sparse] is strides=2, padding='SAME', method='sparse'; --method naive changes only the method."""
    op = operator_checks()["conv2d[sparse]"]
    x, w = rng.standard_normal((1, 5, 4, 2)), rng.standard_normal((3, 2, 2, 3))
    got = op.function({"method": "naive"})(x, w)
    expected = F.conv2d(x, w, strides=2, padding="SAME", method="im2col")
    np.testing.assert_allclose(mc.to_numpy(got), mc.to_numpy(expected), rtol=1e-10, atol=1e-10)
    assert op.options({"method": "naive"}) == {"strides": 2, "padding": "SAME", "method": "naive"}
    [result] = run_checks(["conv2d[sparse]"], options={"method": "naive"})
    assert result.ok and result.config.endswith("strides=2 padding='SAME' method='naive'"), result.config


@pytest.mark.parametrize("argv, expected", [
    (["gelu", "--approximate", "true"], "gelu_2x: x(3,4) approximate=True"),
    (["softmax_cross_entropy_with_logits", "--labels", "[[0,1,0,0],[1,0,0,0],[0,0,0,1]]"],
     "softmax_cross_entropy_of_logits: logits(3,4) labels=[[0,1,0,0],[1,0,0,0],[0,0,0,1]]"),
    (["fused_batch_norm", "--epsilon", "0.5", "--axes", "(0,1)", "--shape", "3,3,3,2", "3,2", "3,2"],
     "fused_batch_norm_output: x(3,3,3,2) scale(3,2) offset(3,2) axes=(0,1) epsilon=0.5"),
], ids=["gelu-approximate", "softmax-ce-labels", "fused-bn-axes"])
def test_a_compositions_keyword_parameters_are_its_options(capsys, argv, expected):
    assert main(["gradcheck", *argv]) == 0, capsys.readouterr()
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith(argv[0] + " "))
    assert expected in row and row.split()[-1] == "pass", row


def test_a_case_declaring_an_option_its_function_lacks_is_an_error_row_not_a_crash(monkeypatch):
    monkeypatch.setitem(math_ops.GRADCHECK_CASES, "bad_case_added_in_a_test",
                        GradcheckCase(F.reduce_sum, [(2, 3)], axes=1))  # reduce_sum's keyword is axis
    bad, good = run_checks(["bad_case_added_in_a_test", "square"])
    assert bad.verdict == "ERROR" and "takes no option 'axes'; its options: axis, keepdims" in bad.error, bad.error
    assert good.ok, good.report


# --- the table and the exit status --------------------------------------------------------------

def test_table_has_one_row_per_check_with_errors_and_verdict(capsys):
    assert main(["gradcheck", "conv2d", "relu", "block.resnet_basic"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("operator"))
    assert header.split() == ["operator", "configuration", "dtype", "max", "abs", "err", "max", "rel", "err", "result"]
    for name in ("conv2d", "relu", "block.resnet_basic"):
        row = next(line for line in out.splitlines() if line.startswith(name + " "))
        abs_err, rel_err, verdict = row.split()[-3:]
        assert verdict == "pass" and float(abs_err) < 1e-6 and float(rel_err) < 1e-2, row
    assert "3 checks: 3 passed, 0 failed" in out


def test_list_names_every_check_and_the_options(capsys):
    assert main(["gradcheck", "--list"]) == 0
    out = capsys.readouterr().out
    listed = {line.split()[0] for line in out.splitlines() if line.startswith("  ")}
    assert set(gradcheck_cases()) | EXPECTED_BLOCKS <= listed
    conv = next(line for line in out.splitlines() if line.startswith("  conv2d "))
    assert "--strides, --padding, --dilations, --method" in conv, conv


@pytest.mark.parametrize("argv, message", [
    (["nope"], "unknown check(s): nope"),
    (["conv2d", "--all"], "not both"),
    (["block.dense", "--dtype", "float32"], "float64 only"),
    (["conv2d", "--shape", "1,5,5,2", "3,3,2,3", "4"], "conv2d has 2 input(s) (input, filters); got 3 shapes"),
    (["block.dense", "--inject-bug"], "--inject-bug needs exactly one operator name"),
], ids=["unknown-name", "names-and-all", "block-float32", "too-many-shapes", "bug-in-a-block"])
def test_bad_requests_are_one_line_errors(capsys, argv, message):
    assert main(["gradcheck", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err


# --- operator options ---------------------------------------------------------------------------

def test_options_reach_the_operator(rng):
    """conv2d with --strides 1 --padding VALID --method sparse computes what conv2d(...) called directly does."""
    op = operator_checks()["conv2d"]
    x, w = rng.standard_normal((1, 6, 5, 3)), rng.standard_normal((3, 2, 3, 2))
    got = op.function({"strides": 1, "padding": "VALID", "method": "sparse"})(x, w)
    expected = F.conv2d(x, w, strides=1, padding="VALID", method="naive")
    assert got.shape == (1, 4, 4, 2)
    np.testing.assert_allclose(mc.to_numpy(got), mc.to_numpy(expected), rtol=1e-10, atol=1e-10)


def test_options_from_the_command_line(capsys):
    argv = ["gradcheck", "conv2d", "--strides", "1", "--padding", "VALID", "--method", "sparse",
            "--dilations", "[1, 2]", "--shape", "1,6,7,3", "3,2,3,2"]
    assert main(argv) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("conv2d "))
    assert "input(1,6,7,3) filters(3,2,3,2) strides=1 padding='VALID' dilations=[1,2] method='sparse'" in row, row
    assert row.split()[-1] == "pass", row


@pytest.mark.parametrize("argv, accepted", [
    (["conv2d", "--ksize", "3"], "strides, padding, dilations, method"),
    (["conv2d", "--filters", "3"], "strides, padding, dilations, method"),
    (["max_pool2d", "--dilations", "2"], "ksize, strides, padding, method"),
    (["relu", "--alpha", "0.1"], "none"),
], ids=["conv2d-ksize", "conv2d-input-as-option", "max_pool2d-dilations", "relu-alpha"])
def test_an_option_the_operator_does_not_take_is_named_with_the_accepted_ones(capsys, argv, accepted):
    assert main(["gradcheck", *argv]) == 1
    err = capsys.readouterr().err
    option = argv[1][2:]
    assert f"{argv[0]} takes no option {option!r}; its options: {accepted}" in err, err


def test_a_keyword_named_like_a_verb_option_is_spelled_op(capsys):
    assert main(["gradcheck", "dropout", "--rate", "0.25", "--op-seed", "7"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("dropout "))
    assert "rate=0.25 seed=7" in row, row


# --- float32 ------------------------------------------------------------------------------------

def test_float32_needs_the_looser_tolerances(rng):
    """With float64's step (1e-6) float32 round-off, u·S/eps ~ 6e-8·S/1e-6, swamps a correct gradient."""
    x = rng.standard_normal((3, 4))
    assert not gradcheck(F.tanh, x, dtype="float32", eps=1e-6, atol=1e-6, rtol=1e-4)
    report = gradcheck(F.tanh, x, dtype="float32")
    assert report and report.dtype == np.float32 and report.eps == 1e-3, str(report)


def test_float32_still_catches_a_wrong_backward(rng):
    x = rng.standard_normal((3, 4))
    with inject_bug(Square, factor=1.1):
        report = gradcheck(lambda t: Square()(t), x, dtype="float32")
    assert not report, str(report)


@pytest.mark.parametrize("name", ["conv2d", "conv2d[sparse]", "max_pool2d", "fused_batch_norm", "softmax", "cast"])
def test_float32_operator_checks_pass(name, capsys):
    assert main(["gradcheck", name, "--dtype", "float32"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "float32: central differences with eps=0.001" in out
    assert next(line for line in out.splitlines() if line.startswith(name + " ")).split()[-4] == "float32"


# --- --inject-bug -------------------------------------------------------------------------------

def test_injected_bug_fails_with_a_readable_report(capsys):
    original = Conv2D.__dict__["backward"]
    assert main(["gradcheck", "conv2d", "--inject-bug", "--bug-input", "1", "--bug-factor", "1.5"]) == 1
    out = capsys.readouterr().out
    assert "injected bug: Conv2D.backward returns the gradient of its input 1 (filters) multiplied by 1.5" in out
    assert next(line for line in out.splitlines() if line.startswith("conv2d ")).split()[-1] == "FAIL"
    verdict, worst, analytic, numeric = report_line(out, "filters")
    assert verdict == "MISMATCH" and len(eval(worst)) == 4
    assert analytic == pytest.approx(1.5 * numeric, rel=1e-6), (analytic, numeric)
    assert report_line(out, "input")[0] == "ok"
    assert Conv2D.__dict__["backward"] is original
    assert main(["gradcheck", "conv2d"]) == 0  # the operator is unharmed afterwards


@pytest.mark.parametrize("name, line", [
    ("fused_batch_norm", "FusedBatchNorm.backward returns the gradient of its input 0 (x) multiplied by 1.1"),
    ("relu6",
     "Relu6.backward returns the gradient of its input 0 (a value computed from the inputs) multiplied by 1.1"),
    ("concat", "Concat.backward returns the gradient of its input 0 (a) multiplied by 1.1"),
])
def test_injected_bug_in_a_composition_names_the_function_it_perturbs(capsys, name, line):
    assert main(["gradcheck", name, "--inject-bug"]) == 1
    out = capsys.readouterr().out
    assert f"injected bug: {line}" in out, out
    assert next(row for row in out.splitlines() if row.startswith(name + " ")).split()[-1] == "FAIL"


def test_injected_drop_gives_a_zero_analytic_gradient(capsys):
    assert main(["gradcheck", "softmax", "--inject-bug", "drop"]) == 1
    verdict, _, analytic, numeric = report_line(capsys.readouterr().out, "logits")
    assert verdict == "MISMATCH" and analytic == 0 and abs(numeric) > 1e-3


def test_inject_bug_is_undone_even_on_error(rng):
    x = rng.standard_normal(5)
    with pytest.raises(RuntimeError, match="inside"):
        with inject_bug(Square, factor=3.0):
            report = gradcheck(lambda t: Square()(t), x)
            assert not report
            assert report.checks[0].analytic == pytest.approx(3.0 * report.checks[0].numeric, rel=1e-6)
            raise RuntimeError("an error inside the block")
    assert gradcheck(lambda t: Square()(t), x)
    with inject_bug(Cube):  # an inherited backward is shadowed, then inherited again
        assert "backward" in Cube.__dict__
    assert "backward" not in Cube.__dict__ and Cube.backward is Square.backward


@pytest.mark.parametrize("kwargs, error", [
    (dict(kind="swap"), "kind must be one of"),
    (dict(input=-1), "input must be a non-negative integer"),
])
def test_inject_bug_refuses_bad_arguments(kwargs, error):
    with pytest.raises(ValueError, match=error):
        with inject_bug(Square, **kwargs):
            pass
    with pytest.raises(TypeError, match="Function subclass"):
        with inject_bug(np.ndarray):
            pass


def test_block_check_sees_a_wrong_batch_norm_backward():
    block = BLOCK_CHECKS["layer.BatchNormalization"]
    result = run_block(block)
    assert result.ok and len(result.report.checks) == 3, result.report  # x, gamma, beta
    with inject_bug(FusedBatchNorm, input=0, factor=1.1):
        broken = run_block(block)
    assert not broken.ok and [c.ok for c in broken.report.checks] == [False, True, True], broken.report


# --- the eps experiment -------------------------------------------------------------------------

def test_eps_sweep_shows_truncation_and_round_off():
    epsilons = np.logspace(-1, -12, 23)
    sweep = eps_sweep(operator_checks()["tanh"], epsilons=epsilons)
    e32, e64 = sweep["errors"]["float32"], sweep["errors"]["float64"]
    slope = np.log10(e64[0] / e64[2]) / np.log10(epsilons[0] / epsilons[2])
    assert slope == pytest.approx(2, abs=0.15), f"truncation slope {slope:.2f}, expected 2 (error ~ eps²)"
    assert e32[0] == pytest.approx(e64[0], rel=0.05), "at eps = 0.1 truncation dominates both dtypes alike"
    best32, best64 = epsilons[np.argmin(e32)], epsilons[np.argmin(e64)]
    assert 3e-4 <= best32 <= 3e-2, f"float32 best eps {best32:.1e}, expected near u^(1/3) = 4e-3"
    assert 3e-7 <= best64 <= 3e-5, f"float64 best eps {best64:.1e}, expected near u^(1/3) = 5e-6"
    assert e64.min() < 1e-9 < 1e-6 < e32.min() < 1e-4, (e64.min(), e32.min())
    assert e32[-1] == pytest.approx(sweep["gradient"], rel=1e-6), "x ± 1e-12 rounds to x in float32"


def test_eps_sweep_from_the_command_line_writes_a_png(tmp_path, capsys):
    out = tmp_path / "figures" / "sweep.png"
    assert main(["gradcheck", "square", "--eps-sweep", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(out.parent) == ["sweep.png"], "the temporary file of the atomic write is left over"
    text = capsys.readouterr().out
    assert "float32: smallest error" in text and "float64: smallest error" in text and str(out) in text


def test_imports_keep_working():
    from minicnn.gradcheck import gradcheck as imported

    assert mc.gradcheck is imported is gradcheck
    assert isinstance(mc.GradcheckReport, type) and issubclass(mc.GradcheckError, AssertionError)
