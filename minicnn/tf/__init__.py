"""``import minicnn.tf as tf``: the part of TensorFlow 2 that the source material and common tutorials
use, mapped onto minicnn. Tensors are minicnn Tensors, ``tf.nn`` is ``minicnn.functional``, ``tf.keras``
is ``minicnn.keras`` (``from minicnn.tf.keras.layers import Dense`` works as the TensorFlow import
does). Nothing here computes anything itself; a name outside the subset raises an AttributeError
naming it (``docs/tf_compat.md`` lists the subset).
"""

import sys as _sys

from .. import keras
from ..keras import _subset

# tf.keras and each of its submodules are minicnn.keras's, under TensorFlow's module names too
for _name, _module in list(_sys.modules.items()):
    if _name == keras.__name__ or _name.startswith(keras.__name__ + "."):
        _sys.modules[__name__ + _name[len("minicnn"):]] = _module
del _name, _module
losses, optimizers = keras.losses, keras.optimizers

# TensorFlow's own names (docs/tf_compat.md lists them by namespace)
from ..autograd import Tensor, TensorShape
from ..functional import clip_by_value, stop_gradient
from . import config, dtypes, linalg, math, nn, random
from .dtypes import as_dtype, bool, float16, float32, float64, int8, int16, int32, int64, uint8, uint16
from .eager import function
from .linalg import matmul
from .math import (
    abs, add, add_n, argmax, argmin, cos, divide, equal, exp, floor, greater, greater_equal, less, less_equal,
    logical_and, logical_not, logical_or, maximum, minimum, multiply, negative, not_equal, pow, reduce_all,
    reduce_any, reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_sum, round, sigmoid, sign, sin, sqrt, square,
    subtract, tanh,
)
from .shapes import (
    broadcast_to, concat, expand_dims, gather, pad, rank, repeat, reshape, shape, size, split, squeeze, stack, tile,
    transpose, where,
)
from .tape import GradientTape, UnconnectedGradients
from .tensors import (
    Variable, cast, constant, convert_to_tensor, eye, fill, linspace, one_hot, ones, ones_like, range, zeros,
    zeros_like,
)
from . import data

__getattr__ = _subset.missing("tf")
