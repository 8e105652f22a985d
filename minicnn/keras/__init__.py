"""``import minicnn.keras as keras``: Keras 3's names mapped onto minicnn (no second implementation).

Each submodule is importable as Keras' is (``from minicnn.keras.layers import Dense``); every name
is minicnn's own object. Anything outside the subset raises an AttributeError naming it
(``docs/tf_compat.md`` lists the subset).
"""

from ..layers import Input, Layer
from ..model import Model, Sequential
from . import (
    activations, backend, callbacks, datasets, initializers, layers, losses, metrics, models, optimizers,
    preprocessing, regularizers, utils,
)
from ._subset import missing

__getattr__ = missing("keras")
