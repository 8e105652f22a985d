"""The registered operator checks (``GRADCHECK_CASES``) and the options a user may give them.

A case is ``GradcheckCase(op, shapes, positive=False, **options)`` (``minicnn/ops/__init__.py``)
and its check runs ``op(*inputs, **options)``. ``op``'s first ``len(shapes)`` parameters are the
inputs and name them in the table; its other keyword parameters are the options a user may set
(``minicnn gradcheck conv2d --strides 1`` is ``conv2d(input, filters, strides=1, ...)``), over
the case's own.
"""

import functools
import inspect

import numpy as np

from ..autograd import Tensor


def draw_inputs(case, generator, shapes=None):
    """Float64 arrays of ``shapes`` (default the case's): standard normal, or U[0.5, 2] when positive."""
    shapes = case.shapes if shapes is None else shapes
    return [generator.uniform(0.5, 2.0, s) if case.positive else generator.standard_normal(s) for s in shapes]


class OperatorCheck:
    """One entry of ``GRADCHECK_CASES`` by its registry name: the names of its inputs
    (``input_names``), the options it accepts (``accepted``) and its function with options."""

    def __init__(self, name, case):
        self.name, self.case = name, case
        count = len(case.shapes)
        parameters = list(inspect.signature(case.op).parameters.values())
        inputs = [p.name for p in parameters[:count] if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self.input_names = inputs + [f"inputs[{i}]" for i in range(len(inputs), count)]
        keyword = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        self.accepted = [p.name for p in parameters[len(inputs):] if p.kind in keyword]

    def options(self, given=None):
        """The case's options with ``given`` over them, in the order of ``op``'s parameters; a
        ValueError names an option ``op`` does not take and lists those it does."""
        options = {**self.case.options, **(given or {})}
        for key in options:
            if key not in self.accepted:
                takes = ", ".join(self.accepted) or "none"
                raise ValueError(f"{self.name} takes no option {key!r}; its options: {takes}")
        return {key: options[key] for key in self.accepted if key in options}

    def function(self, given=None):
        """``inputs -> op(*inputs, **options)`` with ``given`` over the case's options."""
        return functools.partial(self.case.op, **self.options(given))

    def output_function(self, given=None, shapes=None, dtype="float64"):
        """``(Function class, inputs)`` of the case's (first) output, run once on drawn inputs:
        per input of that Function, ``(name of the checked input it is, or None; whether it gets
        a gradient)``; ``(None, [])`` when the output has no Function. What ``--inject-bug`` perturbs."""
        arrays = draw_inputs(self.case, np.random.default_rng(0), shapes)
        leaves = [Tensor(a.astype(dtype), requires_grad=True) for a in arrays]
        output = self.function(given)(*leaves)
        creator = getattr(output[0] if isinstance(output, (list, tuple)) else output, "creator", None)
        if creator is None:
            return None, []
        names = {id(leaf): name for leaf, name in zip(leaves, self.input_names)}
        return type(creator), [(names.get(id(edge.leaf)), edge.requires_grad) for edge in creator.inputs]
