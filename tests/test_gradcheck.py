"""mc.gradcheck itself: it must pass correct backwards and catch wrong ones, input by input."""

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F


class Square(mc.Function):
    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return 2 * self.x * gy


class WrongSquare(Square):
    def backward(self, gy):
        return 3 * self.x * gy  # wrong factor


class MulWrongForSecond(mc.Function):
    """a·b with a correct gradient for a and a wrong one for b (gy·b where gy·a is right)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, gy):
        return gy * self.b, gy * self.b  # d/db should be gy·a


class SumOfSquaresForgetsUpstream(mc.Function):
    """Right only when the upstream gradient is all ones: a plain-sum check would pass it."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return 2 * self.x


def test_correct_custom_function_passes(rng):
    report = mc.gradcheck(lambda x: Square()(x), rng.standard_normal((3, 4)))
    assert report, str(report)
    assert report.checks[0].max_abs_error < 1e-7


def test_wrong_custom_function_fails_and_says_where(rng):
    x = rng.standard_normal((3, 4))
    report = mc.gradcheck(lambda t: WrongSquare()(t), x)
    assert not report
    check = report.checks[0]
    assert not check.ok and check.max_abs_error > 0.1
    assert "MISMATCH" in str(report) and "input 0" in str(report)
    worst = check.worst_index
    assert check.analytic == pytest.approx(1.5 * check.numeric, rel=1e-6), worst


def test_wrong_gradient_for_one_of_several_inputs_is_pinpointed(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    report = mc.gradcheck(lambda x, y: MulWrongForSecond()(x, y), a, b)
    assert not report
    assert [c.ok for c in report.checks] == [True, False]


def test_random_projection_catches_a_backward_that_ignores_upstream(rng):
    report = mc.gradcheck(lambda x: SumOfSquaresForgetsUpstream()(x), rng.standard_normal(5))
    assert not report


def test_raise_exception_carries_the_report(rng):
    with pytest.raises(mc.GradcheckError, match="MISMATCH"):
        mc.gradcheck(lambda t: WrongSquare()(t), rng.standard_normal(4), raise_exception=True)


def test_several_outputs_and_non_checked_integer_inputs(rng):
    labels = np.array([0, 2, 1])

    def fn(logits, scale):
        return F.sparse_softmax_cross_entropy_with_logits(labels, logits * scale), F.tanh(scale)

    report = mc.gradcheck(fn, rng.standard_normal((3, 4)), rng.standard_normal((1, 4)))
    assert report, str(report)
    assert len(report.checks) == 2


def test_tensor_without_requires_grad_is_not_checked(rng):
    const = mc.Tensor(rng.standard_normal(3))
    report = mc.gradcheck(lambda c, x: c * x, const, rng.standard_normal(3))
    assert [c.position for c in report.checks] == [1]


def test_float32_constants_inside_fn_are_reported(rng):
    w = mc.Tensor(np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="different dtypes"):
        mc.gradcheck(lambda x: x * w, rng.standard_normal(3))


def test_no_differentiable_input_is_an_error():
    with pytest.raises(ValueError, match="no input requires grad"):
        mc.gradcheck(lambda x: x, np.arange(3))


def test_gradcheck_does_not_modify_the_callers_arrays(rng):
    x = rng.standard_normal(4).astype(np.float32)
    before = x.copy()
    mc.gradcheck(lambda t: F.exp(t), x)
    np.testing.assert_array_equal(x, before)
