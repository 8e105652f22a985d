"""The differentiable primitives, one module per family.

Each family module declares what it offers in two tables, and nothing else needs editing:

- ``__all__``: its ``tf.nn``-named public functions; ``minicnn.functional`` re-exports them.
- ``GRADCHECK_CASES``: name -> ``GradcheckCase``; ``minicnn gradcheck`` and the test suite run them.

A new family is a new module here plus its name in ``FAMILIES``. Modules not listed (``geometry``,
``im2col``, ``naive``) are helpers of the convolution forms and export nothing to users.
"""

import importlib

FAMILIES = ("math", "activation", "loss", "dropout", "conv", "sparse_conv", "pool", "norm", "reshaping")


class GradcheckCase:
    """A built-in gradient check: ``op(*inputs, **options)`` on float64 inputs of ``shapes``, drawn
    from a standard normal (or from U[0.5, 2] when ``positive``, for log, sqrt, divisors).

    ``op`` is the public function, configured by keyword: ``GradcheckCase(conv2d, [(2, 5, 5, 2),
    (3, 3, 2, 3)], strides=2, padding="SAME")``. A check that needs more than one call (fixed
    labels, a scaled input) uses a small named function whose keyword parameters are its options.
    ``minicnn gradcheck`` names the inputs after ``op``'s first parameters, and a user may set any
    of ``op``'s keyword parameters after them (over ``options``). ``case(*inputs)`` is the checked call.
    """

    def __init__(self, op, shapes, /, positive=False, **options):
        self.op, self.shapes, self.positive, self.options = op, [tuple(s) for s in shapes], positive, options

    def __call__(self, *inputs):
        return self.op(*inputs, **self.options)

    def __repr__(self):
        options = "".join(f", {key}={value!r}" for key, value in self.options.items())
        positive = ", positive=True" if self.positive else ""
        return f"GradcheckCase({getattr(self.op, '__name__', self.op)}, {self.shapes}{positive}{options})"


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
