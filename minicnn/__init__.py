"""minicnn: a convolutional-network engine written from scratch on NumPy and CuPy."""

from . import functional
from .autograd import Function, Tensor, grad, is_grad_enabled, no_grad
from .backend import (
    get_array_module, get_default_dtype, get_device, set_default_dtype, set_device, set_seed, to_numpy,
)
from .gradcheck import GradcheckError, GradcheckReport, gradcheck

__version__ = "0.1.0"

from . import activations, data, initializers, layers, losses, metrics, models, optimizers, regularizers
from .layers import Input, Layer
from .model import Model, Sequential
from . import callbacks, checkpoint, interop, utils
