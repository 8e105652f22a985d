"""Weight penalties, as ``keras.regularizers``: ``l2(1e-4)`` adds 1e-4·Σw² to the training loss."""

from .ops.math import reduce_sum, square


class L2:
    def __init__(self, l2=0.01):
        self.l2 = float(l2)

    def __call__(self, weight):
        return reduce_sum(square(weight)) * self.l2


def l2(l2=0.01):
    return L2(l2)


def get(identifier):
    """None, a regularizer object/callable, or the name 'l2' (Keras' default factor 0.01)."""
    if identifier is None or callable(identifier):
        return identifier
    if identifier == "l2":
        return L2()
    raise ValueError(f"unknown regularizer {identifier!r}; expected 'l2', mc.regularizers.l2(factor) or a callable")
