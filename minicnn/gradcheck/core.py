"""The check itself: central differences against the analytic backward, in float64 or float32.

The outputs are projected on a random upstream gradient ``g`` (never a plain sum, which cannot
see e.g. a broken BatchNorm backward): the checked scalar is ``s = Σ_k Σ g_k · fn(*inputs)_k``.
For each input element, ``(s(x + h) - s(x - h)) / 2h`` must equal the analytic gradient within
``atol + rtol·|numeric|``, where ``h`` is ``eps`` as the input's dtype stores it.
"""

from dataclasses import dataclass

import numpy as np

from .. import backend
from ..autograd import Tensor, backpropagate, no_grad


@dataclass(frozen=True)
class Tolerance:
    """A central-difference step and the tolerances that go with it, for one dtype."""

    eps: float
    atol: float
    rtol: float


# The step and the tolerances come from the error of the central difference (docs/gradcheck.md):
#   |numeric - exact| ≈ eps²·|s'''|/6  (truncation)  +  u·S/eps  (round-off of s, S = Σ|g_k·y_k|)
# with u the unit round-off. The sum is smallest near eps ≈ u^(1/3), where it is about u^(2/3)·S.
# - float64, u = 2^-53 ≈ 1.1e-16: u^(1/3) ≈ 5e-6; eps = 1e-6 leaves round-off ≈ 1e-10·S and
#   truncation ≈ 2e-13·|s'''|. Correct backwards of the built-in checks err by 1e-8 at most;
#   atol = 1e-6, rtol = 1e-4 leave a wide margin, and a wrong term (O(1)) is far above them.
# - float32, u = 2^-24 ≈ 6.0e-8: u^(1/3) ≈ 4e-3, but a step that long steps over more kinks
#   (relu, max pooling), so eps = 1e-3: round-off ≤ 6e-5·S (S ≈ 1-50 in the built-in checks:
#   up to 3e-3), truncation ≈ 2e-7·|s'''|. atol = rtol = 1e-2: about 4x the largest error of a
#   correct backward seen, and a gradient wrong by 10% of an O(1) value (0.1) still fails.
TOLERANCES = {
    np.dtype(np.float64): Tolerance(eps=1e-6, atol=1e-6, rtol=1e-4),
    np.dtype(np.float32): Tolerance(eps=1e-3, atol=1e-2, rtol=1e-2),
}


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_exception=True)``; its message is the report."""


@dataclass
class InputCheck:
    """The comparison for one input: errors, the worst element and both values there.

    ``max_rel_error`` is ``max |analytic - numeric| / max(|analytic|, |numeric|)`` over the
    elements whose gradient is larger than ``atol`` (elsewhere both are round-off noise).
    """

    position: int
    name: str
    shape: tuple
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    ok: bool
    checked: int = 0

    def __str__(self):
        verdict = "ok" if self.ok else "MISMATCH"
        sampled = "" if self.checked == int(np.prod(self.shape)) else f", {self.checked} elements sampled"
        return (
            f"input {self.position} ({self.name}, shape {self.shape}{sampled}): {verdict}  "
            f"max abs err {self.max_abs_error:.3e}, max rel err {self.max_rel_error:.3e}, "
            f"worst at {self.worst_index}: analytic {self.analytic:.10g} vs numeric {self.numeric:.10g}"
        )


class GradcheckReport:
    """Truthy only when every checked input agrees; ``str()`` gives one line per input."""

    def __init__(self, checks, eps, atol, rtol, dtype=np.dtype(np.float64)):
        self.checks, self.eps, self.atol, self.rtol, self.dtype = checks, eps, atol, rtol, np.dtype(dtype)

    @property
    def ok(self):
        return all(c.ok for c in self.checks)

    @property
    def max_abs_error(self):
        return max((c.max_abs_error for c in self.checks), default=0.0)

    @property
    def max_rel_error(self):
        return max((c.max_rel_error for c in self.checks), default=0.0)

    def __bool__(self):
        return self.ok

    def __iter__(self):
        return iter(self.checks)

    def __str__(self):
        dtype = "" if self.dtype == np.float64 else f", {self.dtype}"
        head = (f"gradcheck {'passed' if self.ok else 'FAILED'} "
                f"(eps={self.eps}, atol={self.atol}, rtol={self.rtol}{dtype})")
        return "\n".join([head] + [f"  {c}" for c in self.checks])

    __repr__ = __str__

    def raise_if_failed(self):
        if not self.ok:
            raise GradcheckError(str(self))
        return self


def check_dtype(dtype):
    """float32 or float64 as a NumPy dtype, else a ValueError naming the value."""
    try:
        found = np.dtype(dtype)
    except TypeError:
        found = None
    if found not in TOLERANCES:
        raise ValueError(f"gradcheck: dtype must be 'float64' or 'float32', got {dtype!r}")
    return found


def _as_checked_inputs(inputs, dtype):
    """Float inputs as fresh leaves of ``dtype`` (arrays require grad; Tensors keep their flag)."""
    converted = []
    for x in inputs:
        raw = backend.unwrap(x)
        if not (hasattr(raw, "dtype") and raw.dtype.kind == "f"):
            converted.append(x)
            continue
        requires = x.requires_grad if isinstance(x, Tensor) else True
        copy = backend.as_array(raw, dtype=dtype).copy()
        converted.append(Tensor(copy, requires_grad=requires, name=getattr(x, "name", None)))
    return converted


def _outputs_tuple(result, dtype):
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    for k, y in enumerate(outputs):
        if not isinstance(y, Tensor):
            raise TypeError(f"gradcheck: fn must return Tensors, output {k} is {type(y).__name__}")
        if y.dtype != dtype:
            raise TypeError(
                f"gradcheck: output {k} has dtype {y.dtype}; a {dtype} check needs {dtype} throughout "
                f"(does fn create constants or weights of another dtype?)"
            )
    return tuple(outputs)


def numerical_gradient(project, tensor, eps, indices=None):
    """d project() / d tensor by central differences, perturbing ``tensor.data`` in place.

    The step is the one the dtype can store: ``h = fl(x + eps) - fl(x - eps)`` (computed exactly
    in float64), so a float32 input is not charged for the rounding of ``x ± eps``; where ``x ± eps``
    both round back to ``x`` the difference is 0 and so is the estimate. ``indices`` (flat) limits
    the work to those elements; the others are left at 0.
    """
    flat = tensor.data.reshape(-1)  # a view: the data of a fresh leaf is contiguous
    grad = np.zeros(flat.shape, dtype=np.float64)
    for i in range(flat.size) if indices is None else indices:
        original = flat[i].copy()
        flat[i] = original + eps
        plus, high = project(), float(flat[i])
        flat[i] = original - eps
        minus, low = project(), float(flat[i])
        flat[i] = original
        grad[i] = (plus - minus) / (high - low) if high != low else 0.0
    return grad.reshape(tensor.shape)


def _compare(position, tensor, analytic, numeric, atol, rtol, indices):
    picked = np.arange(numeric.size) if indices is None else np.asarray(indices, dtype=np.int64)
    a, n = analytic.reshape(-1)[picked], numeric.reshape(-1)[picked]
    err = np.abs(a - n)
    excess = err - (atol + rtol * np.abs(n))
    scale = np.maximum(np.abs(a), np.abs(n))
    rel = np.where(scale > atol, err / np.where(scale > 0, scale, 1.0), 0.0)
    k = int(np.argmax(excess)) if err.size else 0
    worst = np.unravel_index(int(picked[k]), numeric.shape) if err.size else ()
    return InputCheck(
        position=position,
        name=tensor.name or f"inputs[{position}]",
        shape=tuple(tensor.shape),
        max_abs_error=float(err.max()) if err.size else 0.0,
        max_rel_error=float(rel.max()) if rel.size else 0.0,
        worst_index=tuple(int(i) for i in worst),
        analytic=float(a[k]) if err.size else 0.0,
        numeric=float(n[k]) if err.size else 0.0,
        ok=bool((excess <= 0).all()),
        checked=int(err.size),
    )


def _sample(size, elements, generator):
    """All flat indices, or ``elements`` of them drawn without replacement (sorted)."""
    if elements is None or elements >= size:
        return None
    return np.sort(generator.choice(size, size=elements, replace=False))


def check_tensors(fn, tensors, eps=None, atol=None, rtol=None, seed=0, elements=None, positions=None):
    """Check d fn() / d tensor for each of ``tensors``, leaves that ``fn`` reads (model weights...).

    ``fn()`` takes no arguments and returns a Tensor or a tuple of Tensors, all of the dtype of
    ``tensors``; each tensor's data is perturbed in place and restored. ``elements``: check at
    most this many elements of each tensor, drawn with ``seed`` (for models with many weights).
    ``positions`` numbers the tensors in the report (default 0, 1, ...). Returns a GradcheckReport.
    """
    if not tensors:
        raise ValueError("gradcheck: no input requires grad (pass float arrays or Tensors with requires_grad=True)")
    dtype = check_dtype(tensors[0].dtype)
    defaults = TOLERANCES[dtype]
    eps, atol, rtol = (defaults.eps if eps is None else eps, defaults.atol if atol is None else atol,
                       defaults.rtol if rtol is None else rtol)
    if elements is not None and (int(elements) != elements or elements < 1):
        raise ValueError(f"gradcheck: elements must be a positive integer or None, got {elements!r}")
    outputs = _outputs_tuple(fn(), dtype)
    generator = np.random.default_rng(seed)
    projections = [generator.standard_normal(y.shape) for y in outputs]
    seeds = [backend.as_array(g, dtype=dtype, device=y.device) for g, y in zip(projections, outputs)]
    analytic = backpropagate(list(outputs), seeds, keep=tensors) if any(y.requires_grad for y in outputs) else {}

    def project():
        with no_grad():
            ys = _outputs_tuple(fn(), dtype)
        return sum(float((backend.to_numpy(y.data).astype(np.float64) * g).sum()) for y, g in zip(ys, projections))

    checks = []
    for k, tensor in enumerate(tensors):
        found = analytic.get(id(tensor))
        a = backend.to_numpy(found[1]).astype(np.float64) if found is not None else np.zeros(tensor.shape)
        indices = _sample(tensor.size, elements, generator)
        n = numerical_gradient(project, tensor, eps, indices)
        position = k if positions is None else positions[k]
        checks.append(_compare(position, tensor, a, n, atol, rtol, indices))
    return GradcheckReport(checks, eps, atol, rtol, dtype)


def gradcheck(fn, *inputs, eps=None, atol=None, rtol=None, seed=0, raise_exception=False, dtype="float64",
              elements=None):
    """Check the analytic gradients of ``fn(*inputs)`` against central differences.

    ``inputs``: Tensors and arrays. Float arrays, and Tensors with ``requires_grad``, are
    checked (as copies of ``dtype``, float64 by default); anything else (integer labels, ...) is
    passed as is. ``fn`` may return one Tensor of any shape or a tuple of Tensors. ``eps``,
    ``atol``, ``rtol`` default to ``TOLERANCES[dtype]`` (float64: 1e-6, 1e-6, 1e-4; float32:
    1e-3, 1e-2, 1e-2, chosen from the error of the central difference: docs/gradcheck.md).
    ``elements``: check that many elements of each input, drawn with ``seed`` (default all).
    Returns a ``GradcheckReport`` (truthy when all agree); with ``raise_exception`` a failure
    raises ``GradcheckError`` carrying the report.
    """
    args = _as_checked_inputs(inputs, check_dtype(dtype))
    checked = [(i, t) for i, t in enumerate(args) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad (pass float arrays or Tensors with requires_grad=True)")
    report = check_tensors(lambda: fn(*args), [t for _, t in checked], eps=eps, atol=atol, rtol=rtol, seed=seed,
                           elements=elements, positions=[i for i, _ in checked])
    return report.raise_if_failed() if raise_exception else report
