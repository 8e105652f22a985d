"""``tf.dtypes``: TensorFlow's dtype names as NumPy dtypes, and ``as_dtype``.

``tf.float32`` is ``np.dtype("float32")``, so ``t.dtype == tf.float32`` and ``.name`` work as in
TensorFlow and every minicnn function takes them as they are.
"""

import builtins

import numpy as np

from ..keras import _subset

float16, float32, float64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
int8, int16, int32, int64 = np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.int64)
uint8, uint16 = np.dtype(np.uint8), np.dtype(np.uint16)
bool = np.dtype(np.bool_)  # noqa: A001 -- TensorFlow's name; the builtin is builtins.bool here

DTYPES = {d.name: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, bool)}
ALIASES = {"half": float16, "float": float32, "double": float64}  # TensorFlow's older names


def as_dtype(type_value):
    """Like ``tf.as_dtype``: a dtype of the subset from a dtype, a NumPy type (``np.float32``), a
    name (``"float32"``, or TensorFlow's ``"float"``, ``"double"``, ``"half"``), or Python's
    ``float`` (float32, as TensorFlow maps it) or ``bool``. Python's ``int`` is refused, as by
    TensorFlow: say int32 or int64."""
    if type_value is builtins.float:
        return float32
    if type_value is builtins.bool:
        return bool
    if isinstance(type_value, str):
        found = DTYPES.get(type_value, ALIASES.get(type_value))
    elif isinstance(type_value, np.dtype) or (isinstance(type_value, type) and issubclass(type_value, np.generic)):
        found = DTYPES.get(np.dtype(type_value).name)
    else:
        found = None
    if found is None:
        raise TypeError(f"as_dtype: cannot convert {type_value!r} to a dtype; minicnn's TensorFlow subset "
                        f"knows {sorted(DTYPES)}")
    return found


__all__ = ["as_dtype", *DTYPES]
__getattr__ = _subset.missing("tf.dtypes")
