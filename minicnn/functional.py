"""The ``tf.nn``-shaped functional API (``from minicnn import functional as F``).

Thin wrappers over ``minicnn.ops``: the same names, argument names and defaults as ``tf.nn`` /
``tf.math``. Every function accepts Tensors as well as plain NumPy/CuPy arrays and returns a Tensor.
The names are those each family module of ``minicnn.ops`` lists in its ``__all__``
(``F.conv2d`` is ``minicnn.ops.conv.conv2d``), so a new operator is exported where it is written.
Applied to symbolic tensors of the Functional API (``F.relu(mc.Input((4,)))``), a function is
recorded as a graph node instead of computed (``graph.symbolic_aware``).
"""

from .graph import symbolic_aware
from .ops import FAMILIES
from .registry import reexport

__all__ = reexport(globals(), "minicnn.ops", FAMILIES)
_wrapped = {}
for _name in __all__:  # aliases (neg, negative) share one wrapper
    globals()[_name] = _wrapped.setdefault(id(globals()[_name]), symbolic_aware(globals()[_name]))
