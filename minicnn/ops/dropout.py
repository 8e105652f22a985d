"""Inverted dropout, as ``tf.nn.dropout``: keep with probability 1-rate, scale survivors by 1/(1-rate)."""

import numpy as np

from ..autograd import Function, as_tensor
from .. import backend
from . import GradcheckCase


class Dropout(Function):
    """y = x·mask, mask = [u >= rate] / (1 - rate) with u ~ U[0, 1) of ``noise_shape``."""

    def __init__(self, mask):
        self.mask = mask

    def forward(self, x):
        return x * self.mask

    def backward(self, gy):
        return gy * self.mask  # the mask broadcasts against x, so this has x's shape


def dropout(x, rate, noise_shape=None, seed=None, training=True):
    """Zero each element with probability ``rate`` and scale the rest by 1/(1-rate).

    ``noise_shape`` (broadcastable to x.shape) drops whole slices, e.g. [N, 1, 1, C] drops
    feature maps. ``seed``: an int (the same mask every call) or a NumPy Generator.
    With ``training=False`` it is the identity.
    """
    x = as_tensor(x)
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    if not training or rate == 0:
        return x
    shape = x.shape if noise_shape is None else tuple(int(n) for n in noise_shape)
    try:
        if np.broadcast_shapes(shape, x.shape) != x.shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"dropout: noise_shape {shape} does not broadcast to the input shape {x.shape}") from None
    if seed is None:
        generator = backend.rng()
    else:
        generator = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    keep = generator.random(shape) >= rate
    mask = backend.as_array(keep / (1.0 - rate), dtype=x.dtype, device=x.device)
    return Dropout(mask)(x)


__all__ = ["dropout"]

GRADCHECK_CASES = {  # a seed fixes the mask, so the function is deterministic
    "dropout": GradcheckCase(dropout, [(4, 5)], rate=0.4, seed=0),
    "dropout[noise_shape]": GradcheckCase(dropout, [(4, 5)], rate=0.5, noise_shape=(4, 1), seed=1),
}
