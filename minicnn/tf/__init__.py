"""``import minicnn.tf as tf``: the part of TensorFlow 2 that the source material and common tutorials
use, mapped onto minicnn. Tensors are minicnn Tensors, ``tf.nn`` is ``minicnn.functional``, ``tf.keras``
is ``minicnn.keras`` (``from minicnn.tf.keras.layers import Dense`` works as the TensorFlow import
does). Nothing here computes anything itself; a name outside the subset raises an AttributeError
naming it (``docs/tf_compat.md`` lists the subset).
"""

import sys

from .. import keras
from ..keras import _subset

# tf.keras and each of its submodules are minicnn.keras's, under TensorFlow's module names too
for _name, _module in list(sys.modules.items()):
    if _name == keras.__name__ or _name.startswith(keras.__name__ + "."):
        sys.modules[__name__ + _name[len("minicnn"):]] = _module
losses, optimizers = keras.losses, keras.optimizers

__getattr__ = _subset.missing("tf")
