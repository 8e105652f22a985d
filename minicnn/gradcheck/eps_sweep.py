"""The eps experiment: the error of the central difference against its step, in float32 and float64.

For a registered operator and a step ``eps``, the numerical gradient of the projected output
``s = Σ g·fn(x)`` is compared with the analytic one computed in float64 (exact to ~1e-16), at
the same point in both dtypes (float64 inputs rounded to float32 first). The error is the sum of

- truncation, ``eps²·|s'''|/6``: falls as eps², a line of slope +2 on a log-log plot;
- round-off, ``u·S/eps`` with ``S = Σ|g·y|`` and ``u`` the unit round-off (2^-24 in float32,
  2^-53 in float64): rises as 1/eps, slope -1. Once eps is below the spacing of the numbers
  around x, ``x ± eps`` rounds back to x and the estimate is 0: the error is the gradient itself.

so the best step is near ``u^(1/3)`` and the best error near ``u^(2/3)``.
"""

import numpy as np

from ..autograd import Tensor, backpropagate, no_grad
from ..backend import to_numpy
from ..checkpoint import _write_atomically
from .core import numerical_gradient
from .operators import draw_inputs
from .suite import input_shapes

UNIT_ROUNDOFF = {"float32": 2.0 ** -24, "float64": 2.0 ** -53}
DEFAULT_EPSILONS = np.logspace(-1, -12, 45)


def _outputs(result):
    return result if isinstance(result, (tuple, list)) else (result,)


def _analytic(fn, arrays, projections):
    """The gradients of ``s`` in float64 through the operator's backward."""
    leaves = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    outputs = _outputs(fn(*leaves))
    grads = backpropagate(list(outputs), projections, keep=leaves)
    return [to_numpy(grads[id(t)][1]) if id(t) in grads else np.zeros(t.shape) for t in leaves]


def eps_sweep(op, epsilons=DEFAULT_EPSILONS, dtypes=("float32", "float64"), seed=0, options=None, shapes=None):
    """Max abs error of the central difference at each eps, per dtype, for the ``OperatorCheck`` ``op``
    (with ``options``, its keyword arguments, and input ``shapes`` as in ``run_operator``).

    Returns a dict: ``epsilons``; ``errors[dtype]`` (one max error per eps); ``scale``
    ``S = Σ|g·y|`` (for the round-off line ``u·S/eps``); ``gradient`` (the largest |analytic|
    element, the plateau once ``x ± eps == x``).
    """
    generator = np.random.default_rng(seed)
    drawn = draw_inputs(op.case, generator, input_shapes(op, shapes))
    arrays = [a.astype(np.float32).astype(np.float64) for a in drawn]  # the same point in both dtypes
    fn = op.function(options)
    with no_grad():
        outputs = _outputs(fn(*[Tensor(a) for a in arrays]))
    projections = [generator.standard_normal(y.shape) for y in outputs]
    scale = sum(float(np.abs(to_numpy(y.data) * g).sum()) for y, g in zip(outputs, projections))
    analytic = _analytic(fn, arrays, projections)
    errors = {}
    for dtype in dtypes:
        leaves = [Tensor(a.astype(dtype)) for a in arrays]

        def project():
            with no_grad():
                ys = _outputs(fn(*leaves))
            return sum(float((to_numpy(y.data).astype(np.float64) * g).sum()) for y, g in zip(ys, projections))

        errors[dtype] = np.array([max(float(np.abs(numerical_gradient(project, t, eps) - a).max())
                                      for t, a in zip(leaves, analytic)) for eps in epsilons])
    gradient = max(float(np.abs(a).max()) for a in analytic)
    return {"op": op.name, "epsilons": np.asarray(epsilons), "errors": errors, "scale": scale, "gradient": gradient}


def sweep_table(sweep):
    """The sweep as text: one row per eps, one column per dtype, and each dtype's best eps."""
    dtypes = list(sweep["errors"])
    lines = ["eps       " + "  ".join(f"{d:>10}" for d in dtypes)]
    for k, eps in enumerate(sweep["epsilons"]):
        lines.append(f"{eps:<9.2e} " + "  ".join(f"{sweep['errors'][d][k]:>10.2e}" for d in dtypes))
    for d in dtypes:
        k = int(np.argmin(sweep["errors"][d]))
        lines.append(f"{d}: smallest error {sweep['errors'][d][k]:.2e} at eps = {sweep['epsilons'][k]:.1e} "
                     f"(u^(1/3) = {UNIT_ROUNDOFF[d] ** (1 / 3):.1e})")
    return "\n".join(lines)


def plot_eps_sweep(sweep, path):
    """Draw the sweep log-log into ``path`` (a PNG, written atomically): the measured errors, the
    truncation slope (∝ eps², through the float64 error at the largest eps), the round-off lines
    ``u·S/eps`` of each dtype, and each dtype's smallest error."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    eps, errors = sweep["epsilons"], sweep["errors"]
    figure = Figure(figsize=(8, 5.6))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    colors = {"float32": "C3", "float64": "C0"}
    low = min(float(np.min(e[e > 0])) for e in errors.values()) / 20
    for dtype, error in errors.items():
        color, u = colors.get(dtype), UNIT_ROUNDOFF[dtype]
        axes.loglog(eps, np.maximum(error, 1e-300), "o-", ms=3.5, color=color, label=f"{dtype}: measured")
        axes.loglog(eps, u * sweep["scale"] / eps, ":", color=color,
                    label=f"{dtype} round-off bound  u·S/eps  (u = 2^{int(np.log2(u))})")
        k = int(np.argmin(error))
        axes.plot(eps[k], error[k], "*", ms=15, color=color, markeredgecolor="k", zorder=5)
        left = dtype == "float32"
        axes.annotate(f"smallest {error[k]:.0e}\nat eps = {eps[k]:.0e}", (eps[k], error[k]),
                      xytext=(-60, -4) if left else (100, 4), textcoords="offset points",
                      ha="right" if left else "left", va="top" if left else "bottom", fontsize=8, color=color,
                      arrowprops=dict(arrowstyle="-", color=color, lw=0.6))
        axes.axvline(u ** (1 / 3), color=color, lw=0.8, alpha=0.5, label=f"{dtype} u^(1/3) = {u ** (1 / 3):.0e}")
    anchor = errors["float64"][0] if "float64" in errors else min(e[0] for e in errors.values())
    axes.loglog(eps, anchor * (eps / eps[0]) ** 2, "--", color="0.3", label="truncation  ∝ eps²  (slope +2)")
    if "float32" in errors:
        axes.annotate("float32: x ± eps rounds back to x,\nthe estimate is 0, the error = |gradient|",
                      (1e-10, errors["float32"][int(np.argmin(np.abs(np.log(eps / 1e-10))))]), xytext=(0, -12),
                      textcoords="offset points", va="top",
                      ha="center", fontsize=8, color=colors["float32"])
    axes.set_xlabel("eps (central-difference step)")
    axes.set_ylabel("max |numeric − analytic| over the input's elements")
    axes.set_ylim(low, max(float(np.max(e)) for e in errors.values()) * 2000)  # room for the legend
    axes.set_title(f"Central-difference error against eps: {sweep['op']} (S = Σ|g·y| = {sweep['scale']:.3g})")
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(fontsize=8, loc="upper right", framealpha=0.9)
    figure.tight_layout()
    _write_atomically(path, lambda stream: figure.savefig(stream, format="png", dpi=110))
    return path
