"""The benchmark networks written in tf.keras, as the source material writes them.

Each builder takes the ``tf`` module and returns a ``tf.keras.Model`` with the same layers (and
parameter counts) as the minicnn.models builder of the same name; the worker checks the counts.
"""


def lenet5(tf, input_shape=(28, 28, 1), num_classes=10):
    """Seed 001 §10.4: Conv 6@3x3, MaxPool 2, ReLU, Conv 16@3x3, MaxPool 2, ReLU, Dense 120-84-classes."""
    layers = tf.keras.layers
    return tf.keras.Sequential([
        layers.Input(shape=input_shape),
        layers.Conv2D(6, kernel_size=3, strides=1), layers.MaxPooling2D(pool_size=2, strides=2), layers.ReLU(),
        layers.Conv2D(16, kernel_size=3, strides=1), layers.MaxPooling2D(pool_size=2, strides=2), layers.ReLU(),
        layers.Flatten(), layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"),
        layers.Dense(num_classes),
    ])


def resnet_v1(tf, input_shape=(32, 32, 3), depth=20, num_classes=10):
    """Seed 000 Listing 2.2.1: 3 stages of (depth - 2) / 6 blocks of two 3x3 Conv-BN(-ReLU), 16/32/64
    filters, 1x1/2 projection shortcuts, he_normal kernels with l2(1e-4), AveragePooling2D(8)-Dense-softmax."""
    layers, l2 = tf.keras.layers, tf.keras.regularizers.l2

    def unit(x, filters, kernel_size=3, strides=1, activation="relu", batch_normalization=True):
        x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", kernel_initializer="he_normal",
                          kernel_regularizer=l2(1e-4))(x)
        if batch_normalization:
            x = layers.BatchNormalization()(x)
        return layers.Activation(activation)(x) if activation else x

    inputs = layers.Input(shape=input_shape)
    x = unit(inputs, 16)
    filters = 16
    for stage in range(3):
        for block in range(int((depth - 2) / 6)):
            strides = 2 if stage > 0 and block == 0 else 1
            y = unit(x, filters, strides=strides)
            y = unit(y, filters, activation=None)
            if strides == 2:
                x = unit(x, filters, kernel_size=1, strides=2, activation=None, batch_normalization=False)
            x = layers.Activation("relu")(layers.add([x, y]))
        filters *= 2
    x = layers.Flatten()(layers.AveragePooling2D(pool_size=8)(x))
    outputs = layers.Dense(num_classes, activation="softmax", kernel_initializer="he_normal")(x)
    return tf.keras.Model(inputs, outputs)


def densenet_bc(tf, input_shape=(32, 32, 3), depth=100, growth_rate=12, compression=0.5, num_classes=10,
                dropout=0.2):
    """Seed 000 Listing 2.4.1: BN-ReLU-Conv(2k, 3x3) concatenated with the input; 3 dense blocks of
    BN-ReLU-Conv(4k, 1x1)-Dropout-BN-ReLU-Conv(k, 3x3)-Dropout layers; BN-Conv(1x1)-Dropout-AvgPool
    transitions compressing by ``compression``; AveragePooling2D(8)-Dense-softmax."""
    layers = tf.keras.layers
    per_block = (depth - 4) // 6
    filters = 2 * growth_rate

    def conv(x, n, kernel_size):
        x = layers.Conv2D(n, kernel_size=kernel_size, padding="same", kernel_initializer="he_normal")(x)
        return layers.Dropout(dropout)(x) if dropout else x

    inputs = layers.Input(shape=input_shape)
    x = layers.Activation("relu")(layers.BatchNormalization()(inputs))
    x = layers.Conv2D(filters, kernel_size=3, padding="same", kernel_initializer="he_normal")(x)
    x = layers.concatenate([inputs, x])
    for block in range(3):
        for _ in range(per_block):
            y = conv(layers.Activation("relu")(layers.BatchNormalization()(x)), 4 * growth_rate, 1)
            y = conv(layers.Activation("relu")(layers.BatchNormalization()(y)), growth_rate, 3)
            x = layers.concatenate([x, y])
        if block < 2:
            filters = int((filters + per_block * growth_rate) * compression)
            y = conv(layers.BatchNormalization()(x), filters, 1)
            x = layers.AveragePooling2D(pool_size=2)(y)
    x = layers.Flatten()(layers.AveragePooling2D(pool_size=8)(x))
    outputs = layers.Dense(num_classes, activation="softmax", kernel_initializer="he_normal")(x)
    return tf.keras.Model(inputs, outputs)


BUILDERS = {"lenet5": lenet5, "resnet_v1": resnet_v1, "densenet_bc": densenet_bc}
