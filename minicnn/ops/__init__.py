"""The differentiable primitives, one module per family.

Each family module declares what it offers in two tables, and nothing else needs editing:

- ``__all__``: its ``tf.nn``-named public functions; ``minicnn.functional`` re-exports them.
- ``GRADCHECK_CASES``: name -> ``GradcheckCase``; ``minicnn gradcheck`` and the test suite run them.

A new family is a new module here plus its name in ``FAMILIES``. Modules not listed (``geometry``,
``im2col``, ``naive``) are helpers of the convolution forms and export nothing to users.
"""

import importlib
from collections import namedtuple

FAMILIES = ("math", "activation", "loss", "dropout", "conv", "sparse_conv", "pool", "norm", "reshaping")

GradcheckCase = namedtuple("GradcheckCase", "fn shapes positive", defaults=(False,))
GradcheckCase.__doc__ = """A built-in gradient check: ``fn`` applied to float64 inputs of ``shapes``,
drawn from a standard normal (or from U[0.5, 2] when ``positive``, for log, sqrt, divisors)."""


def family_modules():
    """The family modules, imported, in ``FAMILIES`` order."""
    return [importlib.import_module(f"{__name__}.{name}") for name in FAMILIES]


def gradcheck_cases():
    """Every family's ``GRADCHECK_CASES`` in one dict (a name used twice is an error)."""
    cases = {}
    for module in family_modules():
        for name, case in module.GRADCHECK_CASES.items():
            if name in cases:
                raise ValueError(f"gradcheck case {name!r} is declared twice ({module.__name__})")
            cases[name] = case
    return cases
