"""Whole blocks and a whole model, checked through every layer at once (``minicnn gradcheck --all``).

Each builder makes small layers of the model zoo (``minicnn/models``) or of ``minicnn/layers`` in
the checked dtype and returns ``(fn, tensors)``: ``fn()`` runs the block in training mode (batch
statistics in BatchNormalization), and ``tensors`` are the leaves it reads: the input batch and
every trainable weight. Weights are checked on a seeded sample of their elements (``ELEMENTS``).
"""

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .. import backend, layers as L
from ..autograd import Tensor
from ..layers import Input
from ..losses import SparseCategoricalCrossentropy
from ..model import Model
from ..models import lenet5
from ..models.resnet import basic_block, bottleneck_block

ELEMENTS = 8  # elements checked per weight tensor: every tensor is reached, the run stays short


@contextmanager
def isolated(dtype, seed):
    """New weights take ``dtype`` and minicnn's generator draws from ``seed`` inside the block;
    the previous default dtype and the generator's previous state are back after it."""
    previous, generator = backend.get_default_dtype(), backend.rng()
    state = generator.bit_generator.state
    backend.set_default_dtype(dtype)
    generator.bit_generator.state = np.random.default_rng(seed).bit_generator.state
    try:
        yield
    finally:
        backend.set_default_dtype(previous)
        generator.bit_generator.state = state


def _leaves(model, x):
    """The input batch as a leaf that requires grad, then the model's trainable weights."""
    return [_input(x)] + list(model.trainable_weights)


def _input(x):
    """The input batch as a leaf of the current default dtype that requires grad."""
    return Tensor(backend.as_array(x, dtype=backend.get_default_dtype()), requires_grad=True, name="x")


def _randomize(model, generator):
    """BatchNormalization starts at gamma = 1, beta = 0; other values make a sharper check."""
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            layer.gamma.assign(generator.uniform(0.5, 1.5, layer.gamma.shape))
            layer.beta.assign(generator.standard_normal(layer.beta.shape))


def _functional(input_shape, block, generator):
    inputs = Input(shape=input_shape)
    model = Model(inputs, block(inputs))
    _randomize(model, generator)
    return model


def resnet_basic(generator):
    """ResNet BasicBlock, version 1 (seed 001 form), stride 2 with its 1x1 projection shortcut."""
    model = _functional((5, 5, 3), lambda x: basic_block(x, 4, strides=2), generator)
    x = generator.standard_normal((2, 5, 5, 3))
    tensors = _leaves(model, x)
    return (lambda: model(tensors[0], training=True)), tensors


def resnet_bottleneck(generator):
    """ResNet Bottleneck (1x1-3x3-1x1, expansion 4), version 2 (pre-activation), projection with BN."""
    model = _functional((4, 4, 3), lambda x: bottleneck_block(x, 2, version=2, style="imagenet",
                                                              first_in_stage=True), generator)
    x = generator.standard_normal((2, 4, 4, 3))
    tensors = _leaves(model, x)
    return (lambda: model(tensors[0], training=True)), tensors


def dense(generator, layers=2, growth_rate=2):
    """DenseNet-BC dense block (as in ``minicnn/models/densenet.py``): ``layers`` times
    BN-ReLU-Conv2D(4k, 1x1)-BN-ReLU-Conv2D(k, 3x3), each output concatenated onto the running map."""
    def block(x):
        for _ in range(layers):
            y = L.Activation("relu")(L.BatchNormalization()(x))
            y = L.Conv2D(4 * growth_rate, 1, padding="same")(y)
            y = L.Activation("relu")(L.BatchNormalization()(y))
            y = L.Conv2D(growth_rate, 3, padding="same")(y)
            x = L.concatenate([x, y])
        return x

    model = _functional((4, 4, 2), block, generator)
    x = generator.standard_normal((2, 4, 4, 2))
    tensors = _leaves(model, x)
    return (lambda: model(tensors[0], training=True)), tensors


def batch_norm_training(generator):
    """BatchNormalization in training mode: the batch statistics depend on every input element."""
    layer = L.BatchNormalization()
    x = generator.standard_normal((3, 2, 3, 4))
    layer.build(x.shape)
    layer.gamma.assign(generator.uniform(0.5, 1.5, layer.gamma.shape))
    layer.beta.assign(generator.standard_normal(layer.beta.shape))
    tensors = [_input(x), layer.gamma, layer.beta]
    return (lambda: layer(tensors[0], training=True)), tensors


def lenet5_loss(generator):
    """The zoo's LeNet-5 (on 12x12x1 images) and its training loss: the mean sparse softmax
    cross-entropy of its logits, a scalar, as a training step differentiates it."""
    model = lenet5(input_shape=(12, 12, 1))
    x = generator.standard_normal((3, 12, 12, 1))
    labels = np.array([1, 7, 3])
    loss = SparseCategoricalCrossentropy(from_logits=True)
    tensors = _leaves(model, x)
    return (lambda: loss(labels, model(tensors[0], training=True))), tensors


@dataclass(frozen=True)
class BlockCheck:
    """A named block check: ``build(generator) -> (fn, tensors)``, described by ``config``."""

    name: str
    config: str
    build: object


BLOCK_CHECKS = {check.name: check for check in [
    BlockCheck("block.resnet_basic", "basic_block(filters=4, strides=2), x(2,5,5,3)", resnet_basic),
    BlockCheck("block.resnet_bottleneck", "bottleneck_block(filters=2, version=2), x(2,4,4,3)", resnet_bottleneck),
    BlockCheck("block.dense", "2 x BN-ReLU-Conv1x1-BN-ReLU-Conv3x3, k=2, x(2,4,4,2)", dense),
    BlockCheck("layer.BatchNormalization", "training=True, x(3,2,3,4)", batch_norm_training),
    BlockCheck("model.lenet5", "lenet5((12,12,1)) + sparse CE loss, x(3,12,12,1)", lenet5_loss),
]}


def build_block(check, dtype, seed):
    """``(fn, tensors)`` of ``check`` with its layers and input in ``dtype``, the same for a ``seed``."""
    with isolated(dtype, seed):
        return check.build(np.random.default_rng(seed))
