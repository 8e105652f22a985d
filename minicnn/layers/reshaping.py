"""Layers that resize or rearrange their input without weights (their operators: ``ops/reshaping.py``)."""

from ..ops.geometry import spatial_pair
from ..ops.reshaping import repeat
from .base import Layer


class UpSampling2D(Layer):
    """Nearest-neighbour up-sampling: every row repeated ``size[0]`` times and every column
    ``size[1]`` times, (N, H, W, C) -> (N, H·size[0], W·size[1], C)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"UpSampling2D: data_format must be 'channels_last' (minicnn is NHWC), got {data_format!r}")
        if interpolation != "nearest":
            raise ValueError(f"UpSampling2D: interpolation={interpolation!r} is not available; minicnn has 'nearest'")
        self.size, self.interpolation = spatial_pair(size, "size"), interpolation

    def call(self, inputs):
        if inputs.ndim != 4:
            raise ValueError(f"{self.name}: expected NHWC input of rank 4, got shape {inputs.shape}")
        return repeat(repeat(inputs, self.size[0], axis=1), self.size[1], axis=2)


__all__ = ["UpSampling2D"]
