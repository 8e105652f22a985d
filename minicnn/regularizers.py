"""Weight penalties, as ``keras.regularizers``: ``l2(1e-4)`` adds 1e-4·Σw² to the training loss.

Each regularizer has Keras' class name and ``get_config()``; ``serialize`` / ``deserialize`` write
and read Keras 3's config dicts (``{"module": "keras.regularizers", "class_name": "L2", ...}``).
Keras turns a factor into a float32 tensor before casting it to the weight's dtype, so the
factors act rounded to float32 here too (float64 penalties then match Keras').
"""

import numpy as np

from .ops.math import abs as absolute
from .ops.math import reduce_sum, square


def _as_keras_casts(factor):
    """A Python float factor as Keras applies it: through a float32 tensor."""
    return float(np.float32(factor))


class Regularizer:
    """A penalty ``regularizer(weight)`` -> scalar Tensor; ``get_config()`` gives its arguments."""

    def __call__(self, weight):
        raise NotImplementedError

    def get_config(self):
        return {}


class L1(Regularizer):
    """l1·Σ|w|. Keras keeps this factor itself as a float32 tensor: its config holds it rounded too."""

    def __init__(self, l1=0.01):
        self.l1 = _as_keras_casts(l1)

    def __call__(self, weight):
        return reduce_sum(absolute(weight)) * self.l1

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """l2·Σw²."""

    def __init__(self, l2=0.01):
        self.l2 = float(l2)

    def __call__(self, weight):
        return reduce_sum(square(weight)) * _as_keras_casts(self.l2)

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """l1·Σ|w| + l2·Σw² (a zero factor adds nothing, as in Keras)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, weight):
        penalty = reduce_sum(square(weight)) * _as_keras_casts(self.l2) if self.l2 else None
        if self.l1:
            l1_term = reduce_sum(absolute(weight)) * _as_keras_casts(self.l1)
            penalty = l1_term if penalty is None else penalty + l1_term
        return penalty if penalty is not None else reduce_sum(weight) * 0.0

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


def l1(l1=0.01):
    return L1(l1)


def l2(l2=0.01):
    return L2(l2)


def l1_l2(l1=0.01, l2=0.01):
    """Keras' ``l1_l2`` function (defaults 0.01 each; the class ``L1L2`` defaults to 0)."""
    return L1L2(l1, l2)


KERAS_CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2}
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2}


def get(identifier):
    """None, a regularizer object/callable, a Keras name ('l1', 'l2', 'l1_l2', 'L2', ... with Keras'
    default factors) or a Keras config dict (``serialize``'s form)."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = KERAS_CLASSES.get(identifier) or _BY_NAME.get(identifier.lower())
        if cls is not None:
            return cls()
    raise ValueError(f"unknown regularizer {identifier!r}; expected one of {sorted(_BY_NAME)}, "
                     "mc.regularizers.l2(factor) or a callable")


def serialize(regularizer):
    """Keras 3's config dict of a regularizer (None stays None); other callables: TypeError."""
    regularizer = get(regularizer)
    if regularizer is None:
        return None
    name = type(regularizer).__name__
    if KERAS_CLASSES.get(name) is not type(regularizer):
        raise TypeError(f"regularizer {regularizer!r} has no Keras config: only {sorted(KERAS_CLASSES)} of "
                        "mc.regularizers can be written to a Keras file")
    return {"module": "keras.regularizers", "class_name": name, "config": regularizer.get_config(),
            "registered_name": None}


def deserialize(config):
    """The regularizer of a Keras config dict (None stays None); unknown kinds: ValueError."""
    if config is None:
        return None
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"a regularizer config must be a dict with 'class_name' and 'config', got {config!r}")
    name, module = config["class_name"], config.get("module", "keras.regularizers")
    if module != "keras.regularizers" or config.get("registered_name") not in (None, name) or name not in KERAS_CLASSES:
        raise ValueError(f"unknown regularizer {name!r} (module {module!r}); minicnn has the Keras regularizers "
                         f"{sorted(KERAS_CLASSES)}")
    try:
        return KERAS_CLASSES[name](**(config.get("config") or {}))
    except TypeError as err:
        raise ValueError(f"regularizer {name}: config {config.get('config')} does not fit its arguments "
                         f"({err})") from err
