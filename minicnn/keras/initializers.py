"""``keras.initializers``: weight initializers by Keras' class and function names."""

from ..initializers import (
    Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Initializer, LecunNormal, LecunUniform, Ones,
    RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Zeros, constant, deserialize, get, glorot_normal,
    glorot_uniform, he_normal, he_uniform, lecun_normal, lecun_uniform, ones, random_normal, random_uniform, serialize,
    truncated_normal, variance_scaling, zeros,
)
from ._subset import missing

__getattr__ = missing("keras.initializers")
