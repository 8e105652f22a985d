"""Numerical gradient checking in float64: central differences against the analytic backward.

The outputs are projected on a random upstream gradient ``g`` (never a plain sum, which cannot
see e.g. a broken BatchNorm backward): the checked scalar is ``Σ_k Σ g_k · fn(*inputs)_k``. For
each input element, ``(s(x + eps) - s(x - eps)) / 2eps`` must equal the analytic gradient within
``atol + rtol·|numeric|``.
"""

from dataclasses import dataclass

import numpy as np

from . import backend
from .autograd import Tensor, backpropagate, no_grad


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_exception=True)``; its message is the report."""


@dataclass
class InputCheck:
    """The comparison for one input: errors, the worst element and both values there."""

    position: int
    name: str
    shape: tuple
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    ok: bool

    def __str__(self):
        verdict = "ok" if self.ok else "MISMATCH"
        return (
            f"input {self.position} ({self.name}, shape {self.shape}): {verdict}  "
            f"max abs err {self.max_abs_error:.3e}, max rel err {self.max_rel_error:.3e}, "
            f"worst at {self.worst_index}: analytic {self.analytic:.10g} vs numeric {self.numeric:.10g}"
        )


class GradcheckReport:
    """Truthy only when every checked input agrees; ``str()`` gives one line per input."""

    def __init__(self, checks, eps, atol, rtol):
        self.checks, self.eps, self.atol, self.rtol = checks, eps, atol, rtol

    @property
    def ok(self):
        return all(c.ok for c in self.checks)

    def __bool__(self):
        return self.ok

    def __iter__(self):
        return iter(self.checks)

    def __str__(self):
        head = f"gradcheck {'passed' if self.ok else 'FAILED'} (eps={self.eps}, atol={self.atol}, rtol={self.rtol})"
        return "\n".join([head] + [f"  {c}" for c in self.checks])

    __repr__ = __str__

    def raise_if_failed(self):
        if not self.ok:
            raise GradcheckError(str(self))
        return self


def _as_float64_inputs(inputs):
    """Float inputs as fresh float64 leaves (arrays require grad; Tensors keep their flag)."""
    converted = []
    for x in inputs:
        raw = backend.unwrap(x)
        is_float = hasattr(raw, "dtype") and raw.dtype.kind == "f"
        if not is_float:
            converted.append(x)
            continue
        requires = x.requires_grad if isinstance(x, Tensor) else True
        copy = backend.as_array(raw, dtype=np.float64).copy()
        converted.append(Tensor(copy, requires_grad=requires, name=getattr(x, "name", None)))
    return converted


def _outputs_tuple(result):
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    for k, y in enumerate(outputs):
        if not isinstance(y, Tensor):
            raise TypeError(f"gradcheck: fn must return Tensors, output {k} is {type(y).__name__}")
        if y.dtype != np.float64:
            raise TypeError(
                f"gradcheck: output {k} has dtype {y.dtype}; gradcheck needs float64 throughout "
                "(does fn create float32 constants or weights?)"
            )
    return tuple(outputs)


def numerical_gradient(project, tensor, eps):
    """d project() / d tensor by central differences, perturbing ``tensor.data`` in place."""
    flat = tensor.data.reshape(-1)
    grad = np.zeros(flat.shape, dtype=np.float64)
    for i in range(flat.size):
        original = flat[i].copy()
        flat[i] = original + eps
        plus = project()
        flat[i] = original - eps
        minus = project()
        flat[i] = original
        grad[i] = (plus - minus) / (2 * eps)
    return grad.reshape(tensor.shape)


def _compare(position, tensor, analytic, numeric, atol, rtol):
    err = np.abs(analytic - numeric)
    excess = err - (atol + rtol * np.abs(numeric))
    worst = np.unravel_index(int(np.argmax(excess)), numeric.shape) if numeric.size else ()
    rel = err / np.maximum(np.abs(numeric), np.finfo(np.float64).tiny)
    return InputCheck(
        position=position,
        name=tensor.name or f"inputs[{position}]",
        shape=tensor.shape,
        max_abs_error=float(err.max()) if err.size else 0.0,
        max_rel_error=float(rel.max()) if rel.size else 0.0,
        worst_index=tuple(int(i) for i in worst),
        analytic=float(analytic[worst]) if numeric.size else 0.0,
        numeric=float(numeric[worst]) if numeric.size else 0.0,
        ok=bool((excess <= 0).all()),
    )


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-6, rtol=1e-4, seed=0, raise_exception=False):
    """Check the analytic gradients of ``fn(*inputs)`` against central differences in float64.

    ``inputs``: Tensors and arrays. Float arrays, and Tensors with ``requires_grad``, are
    checked (converted to float64 copies); anything else (integer labels, ...) is passed as is.
    ``fn`` may return one Tensor of any shape or a tuple of Tensors. Returns a
    ``GradcheckReport`` (truthy when all agree); with ``raise_exception`` a failure raises
    ``GradcheckError`` carrying the report.
    """
    args = _as_float64_inputs(inputs)
    checked = [(i, t) for i, t in enumerate(args) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad (pass float arrays or Tensors with requires_grad=True)")
    outputs = _outputs_tuple(fn(*args))
    generator = np.random.default_rng(seed)
    projections = [generator.standard_normal(y.shape) for y in outputs]
    device_projections = [backend.as_array(g, device=y.device) for g, y in zip(projections, outputs)]

    tensors = [t for _, t in checked]
    analytic = backpropagate(list(outputs), device_projections, keep=tensors) if any(
        y.requires_grad for y in outputs) else {}

    def project():
        with no_grad():
            ys = _outputs_tuple(fn(*args))
        return sum(float((backend.to_numpy(y.data) * g).sum()) for y, g in zip(ys, projections))

    checks = []
    for position, tensor in checked:
        found = analytic.get(id(tensor))
        a = backend.to_numpy(found[1]) if found is not None else np.zeros(tensor.shape)
        n = numerical_gradient(project, tensor, eps)
        checks.append(_compare(position, tensor, a, n, atol, rtol))
    report = GradcheckReport(checks, eps, atol, rtol)
    return report.raise_if_failed() if raise_exception else report
