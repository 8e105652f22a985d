"""Numerical gradient checking: ``mc.gradcheck`` and the experiments of ``minicnn gradcheck``.

- ``core``: the check (central differences against the analytic backward, float64 or float32).
- ``suite``: what ``minicnn gradcheck`` runs: every registered operator (``GRADCHECK_CASES`` of
  each ``minicnn/ops`` family), with options mapped onto its keyword arguments, and whole blocks
  and models; the table of results.
- ``inject``: ``inject_bug``, a backward perturbed on purpose, to see what a failure looks like.
- ``eps_sweep``: the error of the central difference against ``eps`` (truncation against round-off).
- ``command``: the ``minicnn gradcheck`` verb.
"""

from .core import (
    TOLERANCES, GradcheckError, GradcheckReport, InputCheck, Tolerance, check_tensors, gradcheck, numerical_gradient,
)
from .inject import inject_bug

__all__ = ["gradcheck", "check_tensors", "numerical_gradient", "GradcheckError", "GradcheckReport", "InputCheck",
           "Tolerance", "TOLERANCES", "inject_bug"]
