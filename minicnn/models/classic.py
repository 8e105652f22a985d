"""Classic CNNs of the source material, layer for layer as in its Keras code, so that the parameter
counts (total, trainable, non-trainable) equal those of the Keras models.

Seed 001 (TF2 textbook, ch. 10): ``lenet5`` (§10.4), ``vgg13`` (§10.10).
Seed 003 (PKU "TensorFlow notes"): ``alexnet8``, ``vgg16``, ``inception10``.
Seed 000 (Keras textbook, ch. 5): ``cnn_mnist`` (Listing 5.1), ``y_network`` (Listing 5.2).
"""

from .. import layers
from ..layers import Input
from ..model import Model, Sequential
from .common import check_channels_last


def _sequential(input_shape, stack, name):
    """A Sequential of ``stack``, built once for inputs of ``input_shape`` (without the batch axis)."""
    input_shape = check_channels_last(input_shape, name)
    model = Sequential(stack, name=name)
    model.build((None, *input_shape))
    return model


def lenet5(input_shape=(28, 28, 1), num_classes=10):
    """Seed 001 §10.4 LeNet-5 (MNIST): Conv 6@3x3 -> MaxPool 2 -> ReLU -> Conv 16@3x3 -> MaxPool 2 ->
    ReLU -> Flatten -> Dense 120 relu -> 84 relu -> num_classes (logits). 60,074 parameters.
    The source's ``layers.ReLU()`` is written ``Activation('relu')`` (same function, no weights)."""
    return _sequential(input_shape, [
        layers.Conv2D(6, kernel_size=3, strides=1), layers.MaxPooling2D(pool_size=2, strides=2),
        layers.Activation("relu"),
        layers.Conv2D(16, kernel_size=3, strides=1), layers.MaxPooling2D(pool_size=2, strides=2),
        layers.Activation("relu"),
        layers.Flatten(), layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"),
        layers.Dense(num_classes),
    ], "lenet5")


def cnn_mnist(input_shape=(28, 28, 1), num_classes=10, filters=64, kernel_size=3, dropout=0.3):
    """Seed 000 Listing 5.1 (functional API): three valid Conv2D(64, 3, relu), a 2x2 MaxPooling2D after
    the first two, Flatten, Dropout(0.3), Dense softmax."""
    inputs = Input(shape=check_channels_last(input_shape, "cnn_mnist"))
    y = layers.Conv2D(filters=filters, kernel_size=kernel_size, activation="relu")(inputs)
    y = layers.MaxPooling2D()(y)
    y = layers.Conv2D(filters=filters, kernel_size=kernel_size, activation="relu")(y)
    y = layers.MaxPooling2D()(y)
    y = layers.Conv2D(filters=filters, kernel_size=kernel_size, activation="relu")(y)
    y = layers.Flatten()(y)
    y = layers.Dropout(dropout)(y)
    outputs = layers.Dense(num_classes, activation="softmax")(y)
    return Model(inputs=inputs, outputs=outputs, name="cnn_mnist")


def y_network(input_shape=(28, 28, 1), num_classes=10, n_filters=32, depth=3, kernel_size=3, dropout=0.4):
    """Seed 000 Listing 5.2, the two-input "Y-network": a left and a right branch (the right one with
    dilation_rate=2), each ``depth`` x [Conv2D same relu - Dropout - MaxPooling2D] with the filters
    doubling (32-64-128), concatenated, Flatten, Dropout, Dense softmax. Call it on [left, right]."""
    inputs, branches = [], []
    for dilation in (1, 2):  # left branch, then right branch (Keras' layer and weight order)
        x = Input(shape=check_channels_last(input_shape, "y_network"))
        inputs.append(x)
        filters = n_filters
        for _ in range(depth):
            x = layers.Conv2D(filters=filters, kernel_size=kernel_size, padding="same", activation="relu",
                              dilation_rate=dilation)(x)
            x = layers.Dropout(dropout)(x)
            x = layers.MaxPooling2D()(x)
            filters *= 2
        branches.append(x)
    y = layers.concatenate(branches)
    y = layers.Flatten()(y)
    y = layers.Dropout(dropout)(y)
    outputs = layers.Dense(num_classes, activation="softmax")(y)
    return Model(inputs, outputs, name="y_network")


def alexnet8(input_shape=(32, 32, 3), num_classes=10):
    """Seed 003 AlexNet8 (p34_cifar10_alexnet8.py): two valid Conv(96, 256 @3x3)-BN-ReLU-MaxPool(3, 2)
    units, three same Conv(384, 384, 256 @3x3, relu), MaxPool(3, 2), Flatten,
    Dense 2048 relu - Dropout 0.5 - Dense 2048 relu - Dropout 0.5 - Dense softmax."""
    def conv_bn_relu_pool(filters):
        return [layers.Conv2D(filters, (3, 3)), layers.BatchNormalization(), layers.Activation("relu"),
                layers.MaxPool2D(pool_size=(3, 3), strides=2)]
    return _sequential(input_shape, conv_bn_relu_pool(96) + conv_bn_relu_pool(256) + [
        layers.Conv2D(384, (3, 3), padding="same", activation="relu"),
        layers.Conv2D(384, (3, 3), padding="same", activation="relu"),
        layers.Conv2D(256, (3, 3), padding="same", activation="relu"),
        layers.MaxPool2D(pool_size=(3, 3), strides=2), layers.Flatten(),
        layers.Dense(2048, activation="relu"), layers.Dropout(0.5),
        layers.Dense(2048, activation="relu"), layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ], "alexnet8")


def vgg16(input_shape=(32, 32, 3), num_classes=10):
    """Seed 003 VGG16 (p36_cifar10_vgg16.py): 13 same Conv 3x3-BN-ReLU in units of 2, 2, 3, 3, 3 convs
    (64, 128, 256, 512, 512 filters), each unit ending MaxPool(2, 2, same) - Dropout 0.2; Flatten,
    Dense 512 relu - Dropout 0.2 - Dense 512 relu - Dropout 0.2 - Dense softmax."""
    stack = []
    for filters, convs in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        for _ in range(convs):
            stack += [layers.Conv2D(filters, (3, 3), padding="same"), layers.BatchNormalization(),
                      layers.Activation("relu")]
        stack += [layers.MaxPool2D(pool_size=(2, 2), strides=2, padding="same"), layers.Dropout(0.2)]
    return _sequential(input_shape, stack + [
        layers.Flatten(), layers.Dense(512, activation="relu"), layers.Dropout(0.2),
        layers.Dense(512, activation="relu"), layers.Dropout(0.2), layers.Dense(num_classes, activation="softmax"),
    ], "vgg16")


def vgg13(input_shape=(32, 32, 3), num_classes=10):
    """Seed 001 §10.10 VGG13 for CIFAR-10: five units of two same Conv 3x3 relu (64, 128, 256, 512, 512)
    and MaxPool(2, 2, same), then Dense 256 relu - 128 relu - num_classes (logits); about 9.5M parameters.
    The source's two sub-networks (conv_net, then fc_net on a reshape to [b, 512]) are one Sequential
    here, with Flatten in place of the reshape."""
    stack = []
    for filters in (64, 128, 256, 512, 512):
        stack += [layers.Conv2D(filters, kernel_size=(3, 3), padding="same", activation="relu"),
                  layers.Conv2D(filters, kernel_size=(3, 3), padding="same", activation="relu"),
                  layers.MaxPool2D(pool_size=(2, 2), strides=2, padding="same")]
    return _sequential(input_shape, stack + [
        layers.Flatten(), layers.Dense(256, activation="relu"), layers.Dense(128, activation="relu"),
        layers.Dense(num_classes),
    ], "vgg13")


def conv_bn_relu(x, ch, kernelsz=3, strides=1, padding="same"):
    """Seed 003 ConvBNRelu: Conv2D(ch, kernelsz, strides, padding) - BatchNormalization - ReLU."""
    x = layers.Conv2D(ch, kernelsz, strides=strides, padding=padding)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def inception_block(x, ch, strides=1):
    """Seed 003 InceptionBlk: four branches, concatenated on channels (4 * ch out):
    1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 | MaxPool 3x3 (stride 1, same) -> 1x1, every conv a ConvBNRelu;
    ``strides`` applies to the branches' first 1x1 conv."""
    x1 = conv_bn_relu(x, ch, kernelsz=1, strides=strides)
    x2 = conv_bn_relu(conv_bn_relu(x, ch, kernelsz=1, strides=strides), ch, kernelsz=3)
    x3 = conv_bn_relu(conv_bn_relu(x, ch, kernelsz=1, strides=strides), ch, kernelsz=5)
    x4 = conv_bn_relu(layers.MaxPool2D(3, strides=1, padding="same")(x), ch, kernelsz=1, strides=strides)
    return layers.concatenate([x1, x2, x3, x4], axis=-1)


def inception10(input_shape=(32, 32, 3), num_classes=10, num_blocks=2, init_ch=16):
    """Seed 003 Inception10 (p40_cifar10_inception10.py), written functionally: ConvBNRelu(init_ch),
    then ``num_blocks`` blocks of two InceptionBlks (the first with stride 2), the channel count
    doubling after each block, GlobalAveragePooling2D, Dense softmax."""
    inputs = Input(shape=check_channels_last(input_shape, "inception10"))
    x = conv_bn_relu(inputs, init_ch)
    channels = init_ch
    for _ in range(num_blocks):
        x = inception_block(x, channels, strides=2)
        x = inception_block(x, channels, strides=1)
        channels *= 2
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return Model(inputs, outputs, name="inception10")
