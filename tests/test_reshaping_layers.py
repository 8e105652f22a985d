"""Reshaping layers against tf.keras: output, input gradient and (no) weights, float32 and float64."""

import numpy as np
import pytest

from minicnn import layers
from helpers import layer_vs_keras

LAYER_CASES = [  # (layer name, keyword arguments, input shape)
    ("UpSampling2D", {}, (2, 3, 4, 2)),
    ("UpSampling2D", dict(size=3), (1, 2, 2, 1)),
    ("UpSampling2D", dict(size=(1, 3)), (2, 3, 1, 3)),
    ("UpSampling2D", dict(size=(2, 1), interpolation="nearest"), (1, 1, 5, 2)),
]


def case_id(case):
    name, kwargs, shape = case
    return f"{name}{kwargs}{'x'.join(map(str, shape))}".replace(" ", "").replace("'", "")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", LAYER_CASES, ids=[case_id(c) for c in LAYER_CASES])
def test_reshaping_layer_matches_keras(tf, case, dtype):
    name, kwargs, shape = case
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    ours = getattr(layers, name)(dtype=dtype, **kwargs)
    theirs = getattr(tf.keras.layers, name)(dtype=np.dtype(dtype).name, **kwargs)
    layer_vs_keras(tf, ours, theirs, x, dtype, case_id(case))


@pytest.mark.parametrize("kwargs, message", [
    (dict(interpolation="bilinear"), "interpolation='bilinear'"),
    (dict(data_format="channels_first"), "NHWC"),
    (dict(size=0), "size"),
])
def test_upsampling_rejects_what_it_cannot_do(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.UpSampling2D(**kwargs)
