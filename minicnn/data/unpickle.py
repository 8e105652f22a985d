"""A pickle reader for CIFAR's python version that can build plain data and NumPy arrays, nothing else.

Dicts, lists, tuples, bytes, str, ints, floats, bools and None need no class. A NumPy array needs
exactly three names, spelled as the original files (written with Python 2 and NumPy 1) spell them:
``numpy.core.multiarray._reconstruct``, ``numpy.ndarray`` and ``numpy.dtype``. A file naming
anything else (``os.system``, ``builtins.eval``, ...) is refused before the name is imported.
"""

import io
import pickle

import numpy as np

try:  # NumPy 2 keeps the function in numpy._core; importing the old module only warns
    from numpy._core.multiarray import _reconstruct
except ImportError:  # NumPy 1
    from numpy.core.multiarray import _reconstruct

ADMITTED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class RefusedName(pickle.UnpicklingError):
    """The pickle names a module attribute outside ``ADMITTED``."""


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose ``find_class`` admits only the names of ``ADMITTED``."""

    def find_class(self, module, name):
        if (module, name) in ADMITTED:
            return ADMITTED[module, name]
        admitted = ", ".join(f"{m}.{n}" for m, n in ADMITTED)
        raise RefusedName(f"refused: the file tried to load {module}.{name} "
                                     f"(a CIFAR batch needs at most {admitted})")


def restricted_loads(data, name):
    """The object pickled in ``data`` (Python 2 strings read as bytes, as Keras reads CIFAR).

    Any failure, a refused name included, is a ValueError naming ``name``.
    """
    try:
        return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
    except RefusedName as err:
        raise ValueError(f"{name}: {err}") from err
    except Exception as err:  # a damaged pickle fails in many ways (EOFError, TypeError, MemoryError, ...)
        raise ValueError(f"{name}: not a readable pickle ({type(err).__name__}: {err})") from err
