"""DenseNet-BC for CIFAR-10 (seed 000, Listing 2.4.1 ``densenet-cifar10-2.4.1.py``), Functional API."""

from .. import layers as L
from ..layers import Input
from ..model import Model
from .common import check_channels_last


def densenet_bc(input_shape=(32, 32, 3), depth=100, growth_rate=12, compression=0.5, num_classes=10,
                dropout=0.2, num_dense_blocks=3, classifier_activation="softmax"):
    """DenseNet-BC (Bottleneck-Compression) as in seed 000:

    * BN-ReLU-Conv2D(2k, 3x3) on the input, concatenated with the input;
    * ``num_dense_blocks`` dense blocks of (depth - 4) // (2 * num_dense_blocks) bottleneck layers
      BN-ReLU-Conv2D(4k, 1x1)-BN-ReLU-Conv2D(k, 3x3), each output concatenated onto the running map;
    * between blocks a transition BN-Conv2D(1x1)-AveragePooling2D() compressing to
      int(compression * (filters before the block + layers * k)) feature maps;
    * AveragePooling2D(pool_size=8)-Flatten-Dense.

    ``dropout`` is the rate of the Dropout after every Conv2D in the blocks and transitions, which
    the source uses when training without data augmentation; ``dropout=None`` (or 0) builds the
    augmented variant with no Dropout layers. Neither changes the parameter count."""
    input_shape = check_channels_last(input_shape, "densenet_bc")
    num_bottleneck_layers = (depth - 4) // (2 * num_dense_blocks)
    if num_bottleneck_layers < 1 or (depth - 4) % (2 * num_dense_blocks) != 0:
        raise ValueError(f"densenet_bc: depth must be 2*{num_dense_blocks}*n+4 with n >= 1 (eg 40, 100), got {depth}")
    num_filters_bef_dense_block = 2 * growth_rate

    def conv(filters, kernel_size):
        return L.Conv2D(filters, kernel_size=kernel_size, padding="same", kernel_initializer="he_normal")

    def drop(y):
        return L.Dropout(dropout)(y) if dropout else y

    inputs = Input(shape=input_shape)
    x = L.BatchNormalization()(inputs)
    x = L.Activation("relu")(x)
    x = conv(num_filters_bef_dense_block, 3)(x)
    x = L.concatenate([inputs, x])
    for i in range(num_dense_blocks):
        for _ in range(num_bottleneck_layers):
            y = L.BatchNormalization()(x)
            y = L.Activation("relu")(y)
            y = drop(conv(4 * growth_rate, 1)(y))
            y = L.BatchNormalization()(y)
            y = L.Activation("relu")(y)
            y = drop(conv(growth_rate, 3)(y))
            x = L.concatenate([x, y])
        if i == num_dense_blocks - 1:  # no transition layer after the last dense block
            continue
        num_filters_bef_dense_block += num_bottleneck_layers * growth_rate
        num_filters_bef_dense_block = int(num_filters_bef_dense_block * compression)
        y = L.BatchNormalization()(x)
        y = drop(conv(num_filters_bef_dense_block, 1)(y))
        x = L.AveragePooling2D()(y)
    x = L.AveragePooling2D(pool_size=8)(x)
    y = L.Flatten()(x)
    outputs = L.Dense(num_classes, kernel_initializer="he_normal", activation=classifier_activation)(y)
    return Model(inputs=inputs, outputs=outputs, name=f"densenet_bc_{depth}")
