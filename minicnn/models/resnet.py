"""ResNets from the source material, built with the Functional API (``mc.Input`` + ``mc.Model``).

* ``resnet_v1`` / ``resnet_v2``: the Keras CIFAR-10 example of seed 000 (``resnet-cifar10-2.2.1.py``):
  depth 6n+2 (stacks of 2 x 3x3 Conv2D-BN-ReLU) and depth 9n+2 (1x1-3x3-1x1 BN-ReLU-Conv2D
  bottlenecks), every convolution from ``resnet_layer`` (he_normal, l2(1e-4), bias on).
* ``resnet18`` / ``resnet34`` / ``resnet50`` / ``resnet101``: BasicBlock (18/34) or Bottleneck with
  expansion 4 (50/101) networks in two forms, picked by ``stem``:

  - ``"cifar"``: seed 001 §10.14 (ResNet18/34 for 32x32): stem Conv2D(64, 3x3, stride 1, 'valid',
    bias on)-BN-ReLU-MaxPool2D(2x2, stride 1, 'same'); block convolutions with bias and default
    BatchNormalization; the shortcut is a bare 1x1 Conv2D (no BN) only where the shape changes;
    the head is GlobalAveragePooling2D-Dense giving logits.
  - ``"imagenet"``: seed 004 (224x224): stem Conv2D(64, 7x7, stride 2, 'same', no bias)-BN-ReLU-
    MaxPool2D(3x3, stride 2, 'same'); convolutions without bias, BatchNormalization(momentum=0.9,
    epsilon=1e-5); the first block of every stage has a 1x1 Conv2D+BN projection shortcut (also
    stage 1, as seed 004's ``_make_layer`` does with ``first_block=True``); the head is
    GlobalAveragePooling2D-Dense-Softmax.

  ``"auto"`` picks ``"cifar"`` when the input is smaller than 64 pixels on a side, else ``"imagenet"``.
  ``version=2`` swaps each block for seed 004's full pre-activation form (BN-ReLU-Conv per
  convolution, the shortcut taken from the block input, no ReLU after the addition); stem and head
  stay as in version 1, as in seed 004.
"""

from .. import layers as L
from .. import regularizers
from ..layers import Input
from ..model import Model
from .common import check_channels_last

# ---------------------------------------------------------------------------------------------
# Seed 000: the Keras CIFAR-10 example
# ---------------------------------------------------------------------------------------------


def resnet_layer(inputs, num_filters=16, kernel_size=3, strides=1, activation="relu",
                 batch_normalization=True, conv_first=True):
    """2D Convolution-Batch Normalization-Activation stack builder (seed 000 / Keras CIFAR-10 example):
    conv-BN-activation when ``conv_first``, else BN-activation-conv."""
    conv = L.Conv2D(num_filters, kernel_size=kernel_size, strides=strides, padding="same",
                    kernel_initializer="he_normal", kernel_regularizer=regularizers.l2(1e-4))
    x = inputs
    if conv_first:
        x = conv(x)
        if batch_normalization:
            x = L.BatchNormalization()(x)
        if activation is not None:
            x = L.Activation(activation)(x)
    else:
        if batch_normalization:
            x = L.BatchNormalization()(x)
        if activation is not None:
            x = L.Activation(activation)(x)
        x = conv(x)
    return x


def _classifier(x, num_classes, activation):
    x = L.AveragePooling2D(pool_size=8)(x)
    y = L.Flatten()(x)
    return L.Dense(num_classes, activation=activation, kernel_initializer="he_normal")(y)


def resnet_v1(input_shape=(32, 32, 3), depth=20, num_classes=10, classifier_activation="softmax", shortcut=True):
    """ResNet Version 1 (seed 000, Listing 2.2.1): stacks of 2 x (3x3) Conv2D-BN-ReLU, the last ReLU
    after the shortcut; 3 stages of 16/32/64 filters, the first block of stages 1 and 2 downsampling
    with strides=2 and a 1x1 projection shortcut; AveragePooling2D(8)-Flatten-Dense.
    ResNet20 has 0.27M parameters, ResNet32 0.46M, ResNet44 0.66M, ResNet56 0.85M, ResNet110 1.7M.

    ``shortcut=False`` builds the *plain* counterpart (He et al. 2016, the degradation experiment):
    the same stacked layers, ``x = relu(BN(conv(relu(BN(conv(x))))))`` per block, without the adds
    and without the two 1x1 projection convolutions (16*32+32 + 32*64+64 = 2,656 parameters fewer).
    Inputs need at least 29 pixels a side: the head's 8x8 pooling needs 8x8 maps after two stride-2 stages."""
    input_shape = check_channels_last(input_shape, "resnet_v1")
    if (depth - 2) % 6 != 0:
        raise ValueError(f"resnet_v1: depth must be 6n+2 (20, 32, 44, 56, 110, ...), got {depth}")
    if not isinstance(shortcut, bool):
        raise TypeError(f"resnet_v1: shortcut must be True (ResNet) or False (plain network), got {shortcut!r}")
    num_filters = 16
    num_res_blocks = int((depth - 2) / 6)
    inputs = Input(shape=input_shape)
    x = resnet_layer(inputs=inputs)
    for stack in range(3):
        for res_block in range(num_res_blocks):
            strides = 1
            if stack > 0 and res_block == 0:  # first layer but not first stack
                strides = 2  # downsample
            y = resnet_layer(inputs=x, num_filters=num_filters, strides=strides)
            y = resnet_layer(inputs=y, num_filters=num_filters, activation=None)
            if shortcut:  # a plain network keeps the residual branch alone
                if stack > 0 and res_block == 0:
                    # linear projection residual shortcut connection to match changed dims
                    x = resnet_layer(inputs=x, num_filters=num_filters, kernel_size=1, strides=strides,
                                     activation=None, batch_normalization=False)
                y = L.add([x, y])
            x = L.Activation("relu")(y)
        num_filters *= 2
    # v1 does not use BN after last shortcut connection-ReLU
    outputs = _classifier(x, num_classes, classifier_activation)
    return Model(inputs=inputs, outputs=outputs, name=f"{'resnet' if shortcut else 'plain'}{depth}_v1")


def resnet_v2(input_shape=(32, 32, 3), depth=29, num_classes=10, classifier_activation="softmax"):
    """ResNet Version 2 (seed 000, Listing 2.2.1): stacks of (1x1)-(3x3)-(1x1) BN-ReLU-Conv2D
    bottlenecks; conv1 32x32x16, stages of 64/128/256 output filters; the first block of each stage
    has a 1x1 projection shortcut (stages 1 and 2 also downsample with strides=2); BN-ReLU before
    AveragePooling2D(8)-Flatten-Dense."""
    input_shape = check_channels_last(input_shape, "resnet_v2")
    if (depth - 2) % 9 != 0:
        raise ValueError(f"resnet_v2: depth must be 9n+2 (29, 56, 110, ...), got {depth}")
    num_filters_in = 16
    num_res_blocks = int((depth - 2) / 9)
    inputs = Input(shape=input_shape)
    # v2 performs Conv2D with BN-ReLU on input before splitting into 2 paths
    x = resnet_layer(inputs=inputs, num_filters=num_filters_in, conv_first=True)
    for stage in range(3):
        for res_block in range(num_res_blocks):
            activation = "relu"
            batch_normalization = True
            strides = 1
            if stage == 0:
                num_filters_out = num_filters_in * 4
                if res_block == 0:  # first layer and first stage
                    activation = None
                    batch_normalization = False
            else:
                num_filters_out = num_filters_in * 2
                if res_block == 0:  # first layer but not first stage
                    strides = 2  # downsample
            y = resnet_layer(inputs=x, num_filters=num_filters_in, kernel_size=1, strides=strides,
                             activation=activation, batch_normalization=batch_normalization, conv_first=False)
            y = resnet_layer(inputs=y, num_filters=num_filters_in, conv_first=False)
            y = resnet_layer(inputs=y, num_filters=num_filters_out, kernel_size=1, conv_first=False)
            if res_block == 0:
                # linear projection residual shortcut connection to match changed dims
                x = resnet_layer(inputs=x, num_filters=num_filters_out, kernel_size=1, strides=strides,
                                 activation=None, batch_normalization=False)
            x = L.add([x, y])
        num_filters_in = num_filters_out
    # v2 has BN-ReLU before Pooling
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    outputs = _classifier(x, num_classes, classifier_activation)
    return Model(inputs=inputs, outputs=outputs, name=f"resnet{depth}_v2")


# ---------------------------------------------------------------------------------------------
# Seeds 001 (§10.14, 32x32) and 004 (224x224): ResNet-18/34/50/101
# ---------------------------------------------------------------------------------------------

# Per-source conventions: convolution bias, BatchNormalization arguments, when a block gets a
# projection shortcut ("shape": only where the shape changes, seed 001; "first": the first block of
# every stage, seed 004) and whether that projection is followed by BN.
_STYLES = {
    "cifar": dict(use_bias=True, bn={}, project="shape", shortcut_bn=False),
    "imagenet": dict(use_bias=False, bn=dict(momentum=0.9, epsilon=1e-5), project="first", shortcut_bn=True),
}

_CONFIGS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
}


def _residual_unit(x, convs, strides, version, style, first_in_stage):
    """One residual block. ``convs`` lists (filters, kernel_size, strides) of the residual branch.
    version 1: [Conv-BN-ReLU]... Conv-BN, add the shortcut, ReLU (seed 001 / seed 004 v1).
    version 2: [BN-ReLU-Conv]..., add the shortcut (seed 004 full pre-activation); the shortcut
    (identity or projection) is taken from the block input in both versions."""
    if version not in (1, 2):
        raise ValueError(f"version must be 1 or 2, got {version!r}")
    out_filters = convs[-1][0]

    def conv(filters, kernel_size, conv_strides):
        return L.Conv2D(filters, kernel_size, strides=conv_strides, padding="same", use_bias=style["use_bias"])

    def bn():
        return L.BatchNormalization(**style["bn"])

    if style["project"] == "first":
        project = first_in_stage
    else:
        project = strides != 1 or x.shape[-1] != out_filters
    shortcut = x
    if project:
        shortcut = L.Conv2D(out_filters, 1, strides=strides, use_bias=style["use_bias"])(x)
        if style["shortcut_bn"]:
            shortcut = bn()(shortcut)

    y = x
    for k, (filters, kernel_size, conv_strides) in enumerate(convs):
        if version == 1:
            y = bn()(conv(filters, kernel_size, conv_strides)(y))
            if k < len(convs) - 1:
                y = L.Activation("relu")(y)
        else:
            y = conv(filters, kernel_size, conv_strides)(L.Activation("relu")(bn()(y)))
    y = L.add([shortcut, y])
    return L.Activation("relu")(y) if version == 1 else y


def basic_block(x, filters, strides=1, version=1, style="cifar", first_in_stage=False):
    """BasicBlock (expansion 1): two 3x3 convolutions, the first carrying the stride."""
    return _residual_unit(x, [(filters, 3, strides), (filters, 3, 1)], strides, version, _STYLES[style],
                          first_in_stage)


def bottleneck_block(x, filters, strides=1, version=1, style="cifar", first_in_stage=False):
    """Bottleneck (expansion 4): 1x1 (filters), 3x3 (filters, carrying the stride), 1x1 (4*filters)."""
    return _residual_unit(x, [(filters, 1, 1), (filters, 3, strides), (4 * filters, 1, 1)], strides, version,
                          _STYLES[style], first_in_stage)


_BLOCKS = {"basic": basic_block, "bottleneck": bottleneck_block}


def _pick_stem(input_shape, stem):
    if stem == "auto":
        return "cifar" if min(input_shape[0], input_shape[1]) < 64 else "imagenet"
    if stem not in _STYLES:
        raise ValueError(f"stem must be 'auto', 'cifar' or 'imagenet', got {stem!r}")
    return stem


def resnet(depth, input_shape=(32, 32, 3), num_classes=10, version=1, stem="auto", classifier_activation="auto"):
    """ResNet-18/34/50/101 (see the module docstring). ``classifier_activation='auto'`` follows the
    source: logits for the "cifar" form (seed 001), softmax for the "imagenet" form (seed 004)."""
    if depth not in _CONFIGS:
        raise ValueError(f"depth must be one of {sorted(_CONFIGS)}, got {depth!r}")
    input_shape = check_channels_last(input_shape, f"resnet{depth}")
    stem = _pick_stem(input_shape, stem)
    style = _STYLES[stem]
    kind, blocks = _CONFIGS[depth]
    block = _BLOCKS[kind]
    if classifier_activation == "auto":
        classifier_activation = None if stem == "cifar" else "softmax"

    inputs = Input(shape=input_shape)
    if stem == "cifar":
        x = L.Conv2D(64, 3, strides=1)(inputs)
        x = L.Activation("relu")(L.BatchNormalization()(x))
        x = L.MaxPool2D(pool_size=2, strides=1, padding="same")(x)
    else:
        x = L.Conv2D(64, 7, strides=2, padding="same", use_bias=False)(inputs)
        x = L.Activation("relu")(L.BatchNormalization(**style["bn"])(x))
        x = L.MaxPool2D(pool_size=3, strides=2, padding="same")(x)
    for stage, (filters, count) in enumerate(zip((64, 128, 256, 512), blocks)):
        for index in range(count):
            strides = 2 if stage > 0 and index == 0 else 1
            x = block(x, filters, strides, version, stem, first_in_stage=index == 0)
    x = L.GlobalAveragePooling2D()(x)
    outputs = L.Dense(num_classes, activation=classifier_activation)(x)
    return Model(inputs=inputs, outputs=outputs, name=f"resnet{depth}_v{version}_{stem}")


def resnet18(input_shape=(32, 32, 3), num_classes=10, version=1, stem="auto", classifier_activation="auto"):
    return resnet(18, input_shape, num_classes, version, stem, classifier_activation)


def resnet34(input_shape=(32, 32, 3), num_classes=10, version=1, stem="auto", classifier_activation="auto"):
    return resnet(34, input_shape, num_classes, version, stem, classifier_activation)


def resnet50(input_shape=(32, 32, 3), num_classes=10, version=1, stem="auto", classifier_activation="auto"):
    return resnet(50, input_shape, num_classes, version, stem, classifier_activation)


def resnet101(input_shape=(32, 32, 3), num_classes=10, version=1, stem="auto", classifier_activation="auto"):
    return resnet(101, input_shape, num_classes, version, stem, classifier_activation)
