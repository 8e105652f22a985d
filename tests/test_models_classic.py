"""The classic zoo (minicnn.models.classic) against the source material's own Keras code, transcribed
here: equal parameter counts (total, trainable, non-trainable), output shapes, and for LeNet-5 and the
Y-network equal logits and loss gradients with the Keras weights copied in by position."""

import numpy as np
import pytest

import minicnn as mc


# --- the source material's Keras code, transcribed (tf is the conftest fixture) -------------------
def keras_lenet5(tf, input_shape=(28, 28, 1), num_classes=10):
    """Seed 001 §10.4, In [13]."""
    layers = tf.keras.layers
    network = tf.keras.Sequential([
        layers.Conv2D(6, kernel_size=3, strides=1), layers.MaxPooling2D(pool_size=2, strides=2), layers.ReLU(),
        layers.Conv2D(16, kernel_size=3, strides=1), layers.MaxPooling2D(pool_size=2, strides=2), layers.ReLU(),
        layers.Flatten(), layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"),
        layers.Dense(num_classes),
    ])
    network.build(input_shape=(4, *input_shape))
    return network


def keras_cnn_mnist(tf, input_shape=(28, 28, 1), num_classes=10):
    """Seed 000 Listing 5.1 (kernel_size=3, filters=64, dropout=0.3)."""
    L = tf.keras.layers
    kernel_size, filters, dropout = 3, 64, 0.3
    inputs = L.Input(shape=input_shape)
    y = L.Conv2D(filters=filters, kernel_size=kernel_size, activation="relu")(inputs)
    y = L.MaxPooling2D()(y)
    y = L.Conv2D(filters=filters, kernel_size=kernel_size, activation="relu")(y)
    y = L.MaxPooling2D()(y)
    y = L.Conv2D(filters=filters, kernel_size=kernel_size, activation="relu")(y)
    y = L.Flatten()(y)
    y = L.Dropout(dropout)(y)
    outputs = L.Dense(num_classes, activation="softmax")(y)
    return tf.keras.Model(inputs=inputs, outputs=outputs)


def keras_y_network(tf, input_shape=(28, 28, 1), num_classes=10):
    """Seed 000 Listing 5.2 (kernel_size=3, dropout=0.4, n_filters=32)."""
    L = tf.keras.layers
    kernel_size, dropout, n_filters = 3, 0.4, 32
    left_inputs = L.Input(shape=input_shape)
    x = left_inputs
    filters = n_filters
    for i in range(3):
        x = L.Conv2D(filters=filters, kernel_size=kernel_size, padding="same", activation="relu")(x)
        x = L.Dropout(dropout)(x)
        x = L.MaxPooling2D()(x)
        filters *= 2
    right_inputs = L.Input(shape=input_shape)
    y = right_inputs
    filters = n_filters
    for i in range(3):
        y = L.Conv2D(filters=filters, kernel_size=kernel_size, padding="same", activation="relu",
                     dilation_rate=2)(y)
        y = L.Dropout(dropout)(y)
        y = L.MaxPooling2D()(y)
        filters *= 2
    y = L.concatenate([x, y])
    y = L.Flatten()(y)
    y = L.Dropout(dropout)(y)
    outputs = L.Dense(num_classes, activation="softmax")(y)
    return tf.keras.Model([left_inputs, right_inputs], outputs)


def keras_alexnet8(tf, input_shape=(32, 32, 3), num_classes=10):
    """Seed 003 class AlexNet8(Model)."""
    from tensorflow.keras.layers import Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D

    class AlexNet8(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.c1 = Conv2D(filters=96, kernel_size=(3, 3))
            self.b1 = BatchNormalization()
            self.a1 = Activation("relu")
            self.p1 = MaxPool2D(pool_size=(3, 3), strides=2)
            self.c2 = Conv2D(filters=256, kernel_size=(3, 3))
            self.b2 = BatchNormalization()
            self.a2 = Activation("relu")
            self.p2 = MaxPool2D(pool_size=(3, 3), strides=2)
            self.c3 = Conv2D(filters=384, kernel_size=(3, 3), padding="same", activation="relu")
            self.c4 = Conv2D(filters=384, kernel_size=(3, 3), padding="same", activation="relu")
            self.c5 = Conv2D(filters=256, kernel_size=(3, 3), padding="same", activation="relu")
            self.p3 = MaxPool2D(pool_size=(3, 3), strides=2)
            self.flatten = Flatten()
            self.f1 = Dense(2048, activation="relu")
            self.d1 = Dropout(0.5)
            self.f2 = Dense(2048, activation="relu")
            self.d2 = Dropout(0.5)
            self.f3 = Dense(num_classes, activation="softmax")

        def call(self, x):
            x = self.p1(self.a1(self.b1(self.c1(x))))
            x = self.p2(self.a2(self.b2(self.c2(x))))
            x = self.p3(self.c5(self.c4(self.c3(x))))
            x = self.d1(self.f1(self.flatten(x)))
            x = self.d2(self.f2(x))
            return self.f3(x)

    model = AlexNet8()
    model(np.zeros((1, *input_shape), np.float32))
    return model


def keras_vgg16(tf, input_shape=(32, 32, 3), num_classes=10):
    """Seed 003 class VGG16(Model): c1..c13 each Conv-BN-ReLU; after c2, c4, c7, c10, c13
    MaxPool(2, 2, same) and Dropout(0.2); then 512-Dropout-512-Dropout-softmax."""
    from tensorflow.keras.layers import Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D

    class VGG16(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.units = []
            for i, filters in enumerate([64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512], 1):
                self.units.append(Conv2D(filters=filters, kernel_size=(3, 3), padding="same"))
                self.units.append(BatchNormalization())
                self.units.append(Activation("relu"))
                if i in (2, 4, 7, 10, 13):
                    self.units.append(MaxPool2D(pool_size=(2, 2), strides=2, padding="same"))
                    self.units.append(Dropout(0.2))
            self.flatten = Flatten()
            self.f1 = Dense(512, activation="relu")
            self.d6 = Dropout(0.2)
            self.f2 = Dense(512, activation="relu")
            self.d7 = Dropout(0.2)
            self.f3 = Dense(num_classes, activation="softmax")

        def call(self, x):
            for layer in self.units:
                x = layer(x)
            return self.f3(self.d7(self.f2(self.d6(self.f1(self.flatten(x))))))

    model = VGG16()
    model(np.zeros((1, *input_shape), np.float32))
    return model


def keras_vgg13(tf, input_shape=(32, 32, 3), num_classes=10):
    """Seed 001 §10.10, In [43] and In [47]: conv_net, then fc_net on the reshaped [b, 512] features."""
    layers = tf.keras.layers
    conv_layers = []
    for filters in (64, 128, 256, 512, 512):
        conv_layers += [
            layers.Conv2D(filters, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
            layers.Conv2D(filters, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
            layers.MaxPool2D(pool_size=[2, 2], strides=2, padding="same")]
    conv_net = tf.keras.Sequential(conv_layers)
    fc_net = tf.keras.Sequential([
        layers.Dense(256, activation=tf.nn.relu),
        layers.Dense(128, activation=tf.nn.relu),
        layers.Dense(num_classes, activation=None),
    ])
    conv_net.build(input_shape=[None, *input_shape])
    features = int(np.prod(conv_net.compute_output_shape((None, *input_shape))[1:]))
    fc_net.build(input_shape=[None, features])
    return conv_net, fc_net


def keras_inception10(tf, input_shape=(32, 32, 3), num_classes=10, num_blocks=2, init_ch=16):
    """Seed 003 ConvBNRelu / InceptionBlk / Inception10(Model); out_channels doubles once per block,
    after the block's two InceptionBlks (the reading of p40_cifar10_inception10.py)."""
    from tensorflow.keras.layers import Activation, BatchNormalization, Conv2D, Dense, GlobalAveragePooling2D
    from tensorflow.keras.layers import MaxPool2D
    Model = tf.keras.Model

    class ConvBNRelu(Model):
        def __init__(self, ch, kernelsz=3, strides=1, padding="same"):
            super().__init__()
            self.model = tf.keras.models.Sequential([
                Conv2D(ch, kernelsz, strides=strides, padding=padding), BatchNormalization(), Activation("relu")])

        def call(self, x):
            return self.model(x)

    class InceptionBlk(Model):
        def __init__(self, ch, strides=1):
            super().__init__()
            self.c1 = ConvBNRelu(ch, kernelsz=1, strides=strides)
            self.c2_1 = ConvBNRelu(ch, kernelsz=1, strides=strides)
            self.c2_2 = ConvBNRelu(ch, kernelsz=3, strides=1)
            self.c3_1 = ConvBNRelu(ch, kernelsz=1, strides=strides)
            self.c3_2 = ConvBNRelu(ch, kernelsz=5, strides=1)
            self.p4_1 = MaxPool2D(3, strides=1, padding="same")
            self.c4_2 = ConvBNRelu(ch, kernelsz=1, strides=strides)

        def call(self, x):
            x1 = self.c1(x)
            x2_2 = self.c2_2(self.c2_1(x))
            x3_2 = self.c3_2(self.c3_1(x))
            x4_2 = self.c4_2(self.p4_1(x))
            return tf.concat([x1, x2_2, x3_2, x4_2], axis=3)

    class Inception10(Model):
        def __init__(self, num_blocks, num_classes, init_ch=16, **kwargs):
            super().__init__(**kwargs)
            self.out_channels = init_ch
            self.c1 = ConvBNRelu(init_ch)
            self.blocks = tf.keras.models.Sequential()
            for block_id in range(num_blocks):
                for layer_id in range(2):
                    if layer_id == 0:
                        block = InceptionBlk(self.out_channels, strides=2)
                    else:
                        block = InceptionBlk(self.out_channels, strides=1)
                    self.blocks.add(block)
                self.out_channels *= 2  # enlarge out_channels per block
            self.p1 = GlobalAveragePooling2D()
            self.f1 = Dense(num_classes, activation="softmax")

        def call(self, x):
            return self.f1(self.p1(self.blocks(self.c1(x))))

    model = Inception10(num_blocks=num_blocks, num_classes=num_classes, init_ch=init_ch)
    model(np.zeros((1, *input_shape), np.float32))
    return model


# --- helpers ----------------------------------------------------------------------------------------
def keras_counts(models):
    """(total, trainable, non-trainable) over one Keras model or a list of them."""
    models = models if isinstance(models, (list, tuple)) else [models]
    trainable = sum(int(np.prod(w.shape)) for m in models for w in m.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for m in models for w in m.non_trainable_weights)
    return trainable + frozen, trainable, frozen


def our_counts(model):
    trainable = sum(w.size for w in model.trainable_weights)
    frozen = sum(w.size for w in model.non_trainable_weights)
    assert model.count_params() == trainable + frozen
    return trainable + frozen, trainable, frozen


BUILDERS = {
    "lenet5": (mc.models.lenet5, keras_lenet5, (28, 28, 1), 1, False),
    "cnn_mnist": (mc.models.cnn_mnist, keras_cnn_mnist, (28, 28, 1), 1, True),
    "y_network": (mc.models.y_network, keras_y_network, (28, 28, 1), 2, True),
    "alexnet8": (mc.models.alexnet8, keras_alexnet8, (32, 32, 3), 1, True),
    "vgg16": (mc.models.vgg16, keras_vgg16, (32, 32, 3), 1, True),
    "vgg13": (mc.models.vgg13, keras_vgg13, (32, 32, 3), 1, False),
    "inception10": (mc.models.inception10, keras_inception10, (32, 32, 3), 1, True),
}

# Counts of the Keras transcriptions above (asserted equal to Keras in test_counts_equal_keras); the
# seeds print 60,074 (LeNet-5), 165,514 (VGG13's fc_net) and "about 9.5 million" (VGG13).
KNOWN_COUNTS = {
    "lenet5": (60_074, 60_074, 0),
    "cnn_mnist": (80_266, 80_266, 0),
    "y_network": (208_394, 208_394, 0),
    "alexnet8": (9_639_178, 9_638_474, 704),
    "vgg16": (15_262_026, 15_253_578, 8_448),
    "vgg13": (9_570_506, 9_570_506, 0),
    "inception10": (121_418, 120_234, 1_184),
}


def test_zoo_is_exported():
    from minicnn.models import alexnet8, cnn_mnist, inception10, lenet5, vgg13, vgg16, y_network  # noqa: F401
    assert mc.models.lenet5 is lenet5


@pytest.mark.parametrize("name", list(BUILDERS))
def test_counts_equal_keras_and_output_shape(name, tf):
    ours_builder, keras_builder, input_shape, n_inputs, softmax = BUILDERS[name]
    ours = ours_builder()
    assert our_counts(ours) == keras_counts(keras_builder(tf)) == KNOWN_COUNTS[name]
    x = np.random.default_rng(0).standard_normal((2, *input_shape)).astype(np.float32)
    out = ours([x] * n_inputs if n_inputs > 1 else x, training=False).numpy()
    assert out.shape == (2, 10) and np.all(np.isfinite(out))
    if softmax:
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name, input_shape, num_classes", [
    ("lenet5", (32, 32, 3), 7), ("cnn_mnist", (20, 20, 2), 5), ("y_network", (16, 16, 3), 4),
    ("inception10", (16, 16, 1), 6),
])
def test_input_shape_and_num_classes_follow_keras(name, input_shape, num_classes, tf):
    ours_builder, keras_builder, _, n_inputs, _ = BUILDERS[name]
    ours = ours_builder(input_shape=input_shape, num_classes=num_classes)
    assert our_counts(ours) == keras_counts(keras_builder(tf, input_shape, num_classes))
    x = np.zeros((1, *input_shape), np.float32)
    assert ours([x] * n_inputs if n_inputs > 1 else x, training=False).shape == (1, num_classes)


def test_seed_printed_integers():
    lenet = mc.models.lenet5()
    assert [sum(w.size for w in l.weights) for l in lenet.layers if l.weights] == [60, 880, 48_120, 10_164, 850]
    vgg = mc.models.vgg13()
    fc = [l for l in vgg.layers if isinstance(l, mc.layers.Dense)]
    assert sum(w.size for l in fc for w in l.weights) == 165_514  # seed 001 §10.10, fc_net.summary()
    assert 9_400_000 < vgg.count_params() < 9_600_000  # "about 9.5 million"


def test_inception10_channel_doubling_per_block():
    model = mc.models.inception10()
    convs = [l for l in model.layers if isinstance(l, mc.layers.Conv2D)]
    assert len(convs) == 1 + 4 * 6  # stem + 2 blocks x 2 InceptionBlks x 6 ConvBNRelus
    assert [c.kernel.shape[-1] for c in convs[1::6]] == [16, 16, 32, 32]


def _compare_logits_and_gradients(tf, ours, theirs, inputs, labels, from_logits):
    ours.set_weights(theirs.get_weights())  # by position: the layer order is Keras' order
    keras_loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    our_loss = mc.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    keras_inputs = [tf.constant(x) for x in inputs]
    with tf.GradientTape() as tape:
        expected_out = theirs(keras_inputs if len(inputs) > 1 else keras_inputs[0], training=False)
        expected_loss = keras_loss(tf.constant(labels), expected_out)
    expected = tape.gradient(expected_loss, theirs.trainable_weights)
    out = ours(list(inputs) if len(inputs) > 1 else inputs[0], training=False)
    loss = our_loss(labels, out)
    got = mc.grad(loss, ours.trainable_weights)
    np.testing.assert_allclose(out.numpy(), expected_out.numpy(), rtol=1e-4, atol=1e-5, err_msg="outputs")
    np.testing.assert_allclose(loss.numpy(), expected_loss.numpy(), rtol=1e-4, atol=1e-5, err_msg="loss")
    assert len(got) == len(expected) == len(ours.trainable_weights)
    for w, g, e in zip(ours.trainable_weights, got, expected):
        np.testing.assert_allclose(mc.to_numpy(g), e.numpy(), rtol=1e-4, atol=1e-5, err_msg=f"d loss / d {w.name}")


def test_lenet5_matches_keras_logits_and_gradients(tf, rng):
    theirs = keras_lenet5(tf)
    ours = mc.models.lenet5()
    x = rng.standard_normal((4, 28, 28, 1)).astype(np.float32)
    _compare_logits_and_gradients(tf, ours, theirs, [x], rng.integers(0, 10, 4), from_logits=True)


def test_y_network_matches_keras_outputs_and_gradients(tf, rng):
    theirs = keras_y_network(tf)
    ours = mc.models.y_network()
    a, b = (rng.standard_normal((4, 28, 28, 1)).astype(np.float32) for _ in range(2))
    _compare_logits_and_gradients(tf, ours, theirs, [a, b], rng.integers(0, 10, 4), from_logits=False)


def test_y_network_rejects_one_input():
    with pytest.raises(ValueError, match="expected 2 inputs"):
        mc.models.y_network()(np.zeros((1, 28, 28, 1), np.float32))
