"""The ResNet and DenseNet-BC builders of minicnn.models against the source listings transcribed into
tf.keras: parameter counts (total, trainable, non-trainable) for every configuration, the counts the
source texts print, and identical logits after copying Keras' weights by position."""

import numpy as np
import pytest

import minicnn as mc
from minicnn.models import densenet_bc, resnet18, resnet34, resnet50, resnet101, resnet_v1, resnet_v2
from minicnn.models.common import check_channels_last


# ---------------------------------------------------------------------------------------------
# tf.keras transcriptions of the source code (built inside the tests; tf comes from the fixture)
# ---------------------------------------------------------------------------------------------


def keras_resnet_cifar10(tf, version, input_shape, depth, num_classes=10, classifier_activation="softmax"):
    """Seed 000, Listing 2.2.1 (resnet-cifar10-2.2.1.py): resnet_layer, resnet_v1, resnet_v2."""
    layers, l2 = tf.keras.layers, tf.keras.regularizers.l2

    def resnet_layer(inputs, num_filters=16, kernel_size=3, strides=1, activation="relu",
                     batch_normalization=True, conv_first=True):
        conv = layers.Conv2D(num_filters, kernel_size=kernel_size, strides=strides, padding="same",
                             kernel_initializer="he_normal", kernel_regularizer=l2(1e-4))
        x = inputs
        if conv_first:
            x = conv(x)
            if batch_normalization:
                x = layers.BatchNormalization()(x)
            if activation is not None:
                x = layers.Activation(activation)(x)
        else:
            if batch_normalization:
                x = layers.BatchNormalization()(x)
            if activation is not None:
                x = layers.Activation(activation)(x)
            x = conv(x)
        return x

    inputs = layers.Input(shape=input_shape)
    if version == 1:
        num_filters = 16
        num_res_blocks = int((depth - 2) / 6)
        x = resnet_layer(inputs=inputs)
        for stack in range(3):
            for res_block in range(num_res_blocks):
                strides = 1
                if stack > 0 and res_block == 0:
                    strides = 2
                y = resnet_layer(inputs=x, num_filters=num_filters, strides=strides)
                y = resnet_layer(inputs=y, num_filters=num_filters, activation=None)
                if stack > 0 and res_block == 0:
                    x = resnet_layer(inputs=x, num_filters=num_filters, kernel_size=1, strides=strides,
                                     activation=None, batch_normalization=False)
                x = layers.add([x, y])
                x = layers.Activation("relu")(x)
            num_filters *= 2
    else:
        num_filters_in = 16
        num_res_blocks = int((depth - 2) / 9)
        x = resnet_layer(inputs=inputs, num_filters=num_filters_in, conv_first=True)
        for stage in range(3):
            for res_block in range(num_res_blocks):
                activation = "relu"
                batch_normalization = True
                strides = 1
                if stage == 0:
                    num_filters_out = num_filters_in * 4
                    if res_block == 0:
                        activation = None
                        batch_normalization = False
                else:
                    num_filters_out = num_filters_in * 2
                    if res_block == 0:
                        strides = 2
                y = resnet_layer(inputs=x, num_filters=num_filters_in, kernel_size=1, strides=strides,
                                 activation=activation, batch_normalization=batch_normalization,
                                 conv_first=False)
                y = resnet_layer(inputs=y, num_filters=num_filters_in, conv_first=False)
                y = resnet_layer(inputs=y, num_filters=num_filters_out, kernel_size=1, conv_first=False)
                if res_block == 0:
                    x = resnet_layer(inputs=x, num_filters=num_filters_out, kernel_size=1, strides=strides,
                                     activation=None, batch_normalization=False)
                x = layers.add([x, y])
            num_filters_in = num_filters_out
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    x = layers.AveragePooling2D(pool_size=8)(x)
    y = layers.Flatten()(x)
    outputs = layers.Dense(num_classes, activation=classifier_activation, kernel_initializer="he_normal")(y)
    return tf.keras.Model(inputs=inputs, outputs=outputs)


def keras_densenet_bc(tf, input_shape=(32, 32, 3), depth=100, growth_rate=12, compression_factor=0.5,
                      num_classes=10, data_augmentation=False, classifier_activation="softmax"):
    """Seed 000, Listing 2.4.1 (densenet-cifar10-2.4.1.py) with the script's settings."""
    layers = tf.keras.layers
    num_dense_blocks = 3
    num_bottleneck_layers = (depth - 4) // (2 * num_dense_blocks)
    num_filters_bef_dense_block = 2 * growth_rate
    inputs = layers.Input(shape=input_shape)
    x = layers.BatchNormalization()(inputs)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(num_filters_bef_dense_block, kernel_size=3, padding="same",
                      kernel_initializer="he_normal")(x)
    x = layers.concatenate([inputs, x])
    for i in range(num_dense_blocks):
        for j in range(num_bottleneck_layers):
            y = layers.BatchNormalization()(x)
            y = layers.Activation("relu")(y)
            y = layers.Conv2D(4 * growth_rate, kernel_size=1, padding="same", kernel_initializer="he_normal")(y)
            if not data_augmentation:
                y = layers.Dropout(0.2)(y)
            y = layers.BatchNormalization()(y)
            y = layers.Activation("relu")(y)
            y = layers.Conv2D(growth_rate, kernel_size=3, padding="same", kernel_initializer="he_normal")(y)
            if not data_augmentation:
                y = layers.Dropout(0.2)(y)
            x = layers.concatenate([x, y])
        if i == num_dense_blocks - 1:
            continue
        num_filters_bef_dense_block += num_bottleneck_layers * growth_rate
        num_filters_bef_dense_block = int(num_filters_bef_dense_block * compression_factor)
        y = layers.BatchNormalization()(x)
        y = layers.Conv2D(num_filters_bef_dense_block, kernel_size=1, padding="same",
                          kernel_initializer="he_normal")(y)
        if not data_augmentation:
            y = layers.Dropout(0.2)(y)
        x = layers.AveragePooling2D(pool_size=2)(y)  # the listing's default; Keras 3 requires it
    x = layers.AveragePooling2D(pool_size=8)(x)
    y = layers.Flatten()(x)
    outputs = layers.Dense(num_classes, kernel_initializer="he_normal", activation=classifier_activation)(y)
    return tf.keras.Model(inputs=inputs, outputs=outputs)


def keras_resnet_004(tf, depth, version, num_classes):
    """Seed 004 verbatim: BasicBlock/Bottleneck (v1) and BasicBlock_v2/Bottleneck_v2 (full
    pre-activation), ResNet with the 7x7/2 stem, 3x3/2 max pool and _make_layer."""
    layers, Model, Sequential = tf.keras.layers, tf.keras.Model, tf.keras.Sequential

    def bn(name=None):
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=name)

    class BasicBlock(layers.Layer):
        expansion = 1

        def __init__(self, out_channel, strides=1, down_sample=None, v2=False, **kwargs):
            super().__init__(**kwargs)
            self.conv1 = layers.Conv2D(out_channel, kernel_size=3, strides=strides, padding="SAME", use_bias=False)
            self.bn1 = bn()
            self.conv2 = layers.Conv2D(out_channel, kernel_size=3, strides=1, padding="SAME", use_bias=False)
            self.bn2 = bn()
            self.down_sample, self.v2 = down_sample, v2
            self.add = layers.Add()
            self.relu = layers.ReLU()

        def call(self, inputs, training=False):
            identity = inputs if self.down_sample is None else self.down_sample(inputs)
            if self.v2:
                x = self.conv1(self.relu(self.bn1(inputs, training=training)))
                x = self.conv2(self.relu(self.bn2(x, training=training)))
                return self.add([identity, x])
            x = self.relu(self.bn1(self.conv1(inputs), training=training))
            x = self.bn2(self.conv2(x), training=training)
            return self.relu(self.add([identity, x]))

    class Bottleneck(layers.Layer):
        expansion = 4

        def __init__(self, out_channel, strides=1, down_sample=None, v2=False, **kwargs):
            super().__init__(**kwargs)
            self.conv1 = layers.Conv2D(out_channel, kernel_size=1, use_bias=False)
            self.bn1 = bn()
            self.conv2 = layers.Conv2D(out_channel, kernel_size=3, strides=strides, padding="SAME", use_bias=False)
            self.bn2 = bn()
            self.conv3 = layers.Conv2D(out_channel * self.expansion, kernel_size=1, use_bias=False)
            self.bn3 = bn()
            self.down_sample, self.v2 = down_sample, v2
            self.add = layers.Add()
            self.relu = layers.ReLU()

        def call(self, inputs, training=False):
            identity = inputs if self.down_sample is None else self.down_sample(inputs)
            if self.v2:
                x = self.conv1(self.relu(self.bn1(inputs, training=training)))
                x = self.conv2(self.relu(self.bn2(x, training=training)))
                x = self.conv3(self.relu(self.bn3(x, training=training)))
                return self.add([identity, x])
            x = self.relu(self.bn1(self.conv1(inputs), training=training))
            x = self.relu(self.bn2(self.conv2(x), training=training))
            x = self.bn3(self.conv3(x), training=training)
            return self.relu(self.add([identity, x]))

    class ResNet(Model):
        def __init__(self, block, blocks_num, num_classes=1000, v2=False, **kwargs):
            super().__init__(**kwargs)
            self.v2 = v2
            self.conv1 = layers.Conv2D(filters=64, kernel_size=7, strides=2, padding="SAME", use_bias=False)
            self.bn1 = bn()
            self.relu1 = layers.ReLU()
            self.maxpool1 = layers.MaxPool2D(pool_size=3, strides=2, padding="SAME")
            self.block1 = self._make_layer(block, True, 64, blocks_num[0])
            self.block2 = self._make_layer(block, False, 128, blocks_num[1], strides=2)
            self.block3 = self._make_layer(block, False, 256, blocks_num[2], strides=2)
            self.block4 = self._make_layer(block, False, 512, blocks_num[3], strides=2)
            self.avgpool = layers.GlobalAveragePooling2D()
            self.fc = layers.Dense(num_classes)
            self.softmax = layers.Softmax()

        def call(self, inputs, training=False):
            x = self.maxpool1(self.relu1(self.bn1(self.conv1(inputs))))
            for blk in (self.block1, self.block2, self.block3, self.block4):
                x = blk(x, training=training)
            return self.softmax(self.fc(self.avgpool(x)))

        def _make_layer(self, block, first_block, channel, block_num, strides=1):
            down_sample = None
            if strides != 1 or first_block is True:
                down_sample = Sequential([
                    layers.Conv2D(channel * block.expansion, kernel_size=1, strides=strides, use_bias=False),
                    bn()])
            layers_list = [block(channel, down_sample=down_sample, strides=strides, v2=self.v2)]
            for _ in range(1, block_num):
                layers_list.append(block(channel, v2=self.v2))
            return Sequential(layers_list)

    kind, blocks = {18: (BasicBlock, [2, 2, 2, 2]), 34: (BasicBlock, [3, 4, 6, 3]),
                    50: (Bottleneck, [3, 4, 6, 3]), 101: (Bottleneck, [3, 4, 23, 3])}[depth]
    return ResNet(kind, blocks, num_classes, v2=version == 2)


def keras_resnet_001(tf, depth, version, num_classes):
    """Seed 001 §10.14: the 32x32 ResNet (stem Conv2D(64, 3x3) 'valid'-BN-ReLU-MaxPool2D(2, 1, 'same'),
    BasicBlock with bias and default BN, bare 1x1 Conv2D shortcut, GlobalAveragePooling2D-Dense).
    Seed 001 defines only BasicBlock v1; the Bottleneck (x4) and the version-2 (full pre-activation)
    blocks follow seed 004's layouts with seed 001's conventions, and a block gets the 1x1 shortcut
    where its output shape differs from its input (seed 001's stride != 1, plus 64 -> 256 channels)."""
    layers, Sequential = tf.keras.layers, tf.keras.Sequential

    class Block(layers.Layer):
        def __init__(self, convs, project, v2, **kwargs):
            super().__init__(**kwargs)
            self.convs = [layers.Conv2D(f, (k, k), strides=s, padding="same") for f, k, s in convs]
            self.bns = [layers.BatchNormalization() for _ in convs]
            self.relu = layers.Activation("relu")
            if project:
                self.downsample = Sequential()
                self.downsample.add(layers.Conv2D(convs[-1][0], (1, 1), strides=max(s for _, _, s in convs)))
            else:
                self.downsample = lambda x: x
            self.v2 = v2

        def call(self, inputs, training=None):
            out = inputs
            for k, (conv, bn) in enumerate(zip(self.convs, self.bns)):
                if self.v2:
                    out = conv(self.relu(bn(out)))
                else:
                    out = bn(conv(out))
                    if k < len(self.convs) - 1:
                        out = self.relu(out)
            output = layers.add([out, self.downsample(inputs)])
            return output if self.v2 else tf.nn.relu(output)

    class ResNet(tf.keras.Model):
        def __init__(self, bottleneck, layer_dims, num_classes=10, v2=False):
            super().__init__()
            self.stem = Sequential([
                layers.Conv2D(64, (3, 3), strides=(1, 1)),
                layers.BatchNormalization(),
                layers.Activation("relu"),
                layers.MaxPool2D(pool_size=(2, 2), strides=(1, 1), padding="same")])
            self.in_channels, self.bottleneck, self.v2 = 64, bottleneck, v2
            self.layer1 = self.build_resblock(64, layer_dims[0])
            self.layer2 = self.build_resblock(128, layer_dims[1], stride=2)
            self.layer3 = self.build_resblock(256, layer_dims[2], stride=2)
            self.layer4 = self.build_resblock(512, layer_dims[3], stride=2)
            self.avgpool = layers.GlobalAveragePooling2D()
            self.fc = layers.Dense(num_classes)

        def call(self, inputs, training=None):
            x = self.stem(inputs)
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x))

        def block(self, f, stride):
            convs = ([(f, 1, 1), (f, 3, stride), (4 * f, 1, 1)] if self.bottleneck else [(f, 3, stride), (f, 3, 1)])
            project = stride != 1 or self.in_channels != convs[-1][0]
            self.in_channels = convs[-1][0]
            return Block(convs, project, self.v2)

        def build_resblock(self, filter_num, blocks, stride=1):
            res_blocks = Sequential()
            res_blocks.add(self.block(filter_num, stride))
            for _ in range(1, blocks):
                res_blocks.add(self.block(filter_num, 1))
            return res_blocks

    bottleneck, dims = {18: (False, [2, 2, 2, 2]), 34: (False, [3, 4, 6, 3]),
                        50: (True, [3, 4, 6, 3]), 101: (True, [3, 4, 23, 3])}[depth]
    return ResNet(bottleneck, dims, num_classes, v2=version == 2)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def ours_counts(model):
    trainable = sum(w.size for w in model.trainable_weights)
    non_trainable = sum(w.size for w in model.non_trainable_weights)
    assert model.count_params() == trainable + non_trainable
    return model.count_params(), trainable, non_trainable


def keras_counts(model):
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    non_trainable = int(sum(np.prod(w.shape) for w in model.non_trainable_weights))
    assert model.count_params() == trainable + non_trainable
    return model.count_params(), trainable, non_trainable


def randomize_batchnorm(tf, keras_model, rng):
    """Random gamma/beta/moving statistics, so inference-mode BN is far from the identity."""
    for layer in keras_model.layers:
        if isinstance(layer, tf.keras.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape).astype(np.float32),
                               rng.normal(0, 0.1, beta.shape).astype(np.float32),
                               rng.normal(0, 0.1, mean.shape).astype(np.float32),
                               rng.uniform(0.5, 1.5, var.shape).astype(np.float32)])


def assert_same_logits(tf, ours, keras_model, seed=0):
    rng = np.random.default_rng(seed)
    randomize_batchnorm(tf, keras_model, rng)
    weights = keras_model.get_weights()
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in weights]
    ours.set_weights(weights)
    x = rng.standard_normal((2, 32, 32, 3)).astype(np.float32)
    expected = keras_model(x, training=False).numpy()
    actual = mc.to_numpy(ours.predict(x))
    assert actual.dtype == np.float32 and actual.shape == expected.shape == (2, 10)
    assert np.abs(expected).max() > 1e-2  # logits, not a degenerate all-zero output
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)


def built_keras(model, input_shape):
    model(np.zeros((1, *input_shape), np.float32), training=False)
    return model


# ---------------------------------------------------------------------------------------------
# seed 000: resnet_v1 / resnet_v2 (Keras CIFAR-10 example)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version,depth", [(1, 20), (1, 32), (2, 29)])
def test_cifar10_resnet_counts_match_keras(tf, version, depth):
    ours = (resnet_v1 if version == 1 else resnet_v2)(input_shape=(32, 32, 3), depth=depth)
    keras_model = keras_resnet_cifar10(tf, version, (32, 32, 3), depth)
    assert ours_counts(ours) == keras_counts(keras_model)


@pytest.mark.parametrize("depth,millions", [(20, 0.27), (32, 0.46), (44, 0.66), (56, 0.85), (110, 1.7)])
def test_resnet_v1_counts_are_the_ones_seed_000_prints(depth, millions):
    """resnet_v1's docstring in seed 000: ResNet20 0.27M, 32 0.46M, 44 0.66M, 56 0.85M, 110 1.7M.
    The text says "approx the same as Table 6 of [a]": the exact counts (ResNet32 470,218, equal to
    tf.keras above) are within 3% of the printed figures, not always equal after rounding."""
    total = resnet_v1(depth=depth).count_params()
    assert total == pytest.approx(millions * 1e6, rel=0.03)


def test_resnet_v1_20_same_logits_as_keras(tf):
    assert_same_logits(tf, resnet_v1(depth=20, classifier_activation=None),
                       keras_resnet_cifar10(tf, 1, (32, 32, 3), 20, classifier_activation=None))


def test_resnet_v2_29_same_logits_as_keras(tf):
    assert_same_logits(tf, resnet_v2(depth=29, classifier_activation=None),
                       keras_resnet_cifar10(tf, 2, (32, 32, 3), 29, classifier_activation=None))


def test_resnet_v1_softmax_head_matches_keras(tf):
    ours, keras_model = resnet_v1(depth=20), keras_resnet_cifar10(tf, 1, (32, 32, 3), 20)
    ours.set_weights(keras_model.get_weights())
    x = np.random.default_rng(3).standard_normal((2, 32, 32, 3)).astype(np.float32)
    probs = mc.to_numpy(ours.predict(x))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(probs, keras_model(x, training=False).numpy(), rtol=1e-4, atol=1e-6)


def test_depth_rules():
    with pytest.raises(ValueError, match="6n\\+2"):
        resnet_v1(depth=21)
    with pytest.raises(ValueError, match="9n\\+2"):
        resnet_v2(depth=30)
    with pytest.raises(ValueError, match="depth"):
        densenet_bc(depth=41)


# ---------------------------------------------------------------------------------------------
# seeds 001 / 004: resnet18/34/50/101
# ---------------------------------------------------------------------------------------------

BUILDERS = {18: resnet18, 34: resnet34, 50: resnet50, 101: resnet101}


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("depth", [18, 34, 50])
def test_cifar_stem_counts_match_keras(tf, depth, version):
    ours = BUILDERS[depth](input_shape=(32, 32, 3), num_classes=10, version=version)  # auto -> cifar
    assert ours.name.endswith("cifar")
    keras_model = built_keras(keras_resnet_001(tf, depth, version, 10), (32, 32, 3))
    assert ours_counts(ours) == keras_counts(keras_model)


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("depth", [18, 34, 50])
def test_imagenet_stem_counts_match_keras(tf, depth, version):
    ours = BUILDERS[depth](input_shape=(64, 64, 3), num_classes=100, version=version)  # auto -> imagenet
    assert ours.name.endswith("imagenet")
    keras_model = built_keras(keras_resnet_004(tf, depth, version, 100), (64, 64, 3))
    assert ours_counts(ours) == keras_counts(keras_model)


@pytest.mark.parametrize("version", [1, 2])
def test_resnet101_counts_match_keras(tf, version):
    ours = resnet101(input_shape=(64, 64, 3), num_classes=1000, version=version)
    keras_model = built_keras(keras_resnet_004(tf, 101, version, 1000), (64, 64, 3))
    assert ours_counts(ours) == keras_counts(keras_model)


def test_stem_can_be_forced():
    assert resnet18(input_shape=(32, 32, 3), stem="imagenet").name.endswith("imagenet")
    assert resnet18(input_shape=(64, 64, 3), stem="cifar").name.endswith("cifar")
    assert resnet18(input_shape=(63, 63, 3)).name.endswith("cifar")
    with pytest.raises(ValueError, match="stem"):
        resnet18(stem="mnist")
    with pytest.raises(ValueError, match="version"):
        resnet18(version=3)


def test_seed_004_summary_is_the_nchw_mistake():
    """Seed 004 prints 45,339,624 parameters for resnet_v2_101 (1000 classes) built on (3, 224, 224)
    taken as NHWC: 224 'channels'. The same builder on a real 224x224x3 image has 7*7*(224-3)*64 fewer."""
    mistaken = resnet101(input_shape=(224, 224, 224), num_classes=1000, version=2)
    assert mistaken.count_params() == 45_339_624
    right = resnet101(input_shape=(224, 224, 3), num_classes=1000, version=2)
    assert right.count_params() == 45_339_624 - 7 * 7 * (224 - 3) * 64 == 44_646_568


# ---------------------------------------------------------------------------------------------
# seed 000: DenseNet-BC
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [40, 100])
def test_densenet_bc_counts_match_keras(tf, depth):
    ours = densenet_bc(input_shape=(32, 32, 3), depth=depth)
    keras_model = keras_densenet_bc(tf, (32, 32, 3), depth=depth)
    assert ours_counts(ours) == keras_counts(keras_model)


def test_densenet_bc_100_is_about_0_8m():
    """DenseNet-BC (L=100, k=12) has 0.8M parameters (Huang et al., the paper seed 000 follows)."""
    assert round(densenet_bc(depth=100).count_params() / 1e6, 1) == 0.8


@pytest.mark.parametrize("dropout", [0.2, None])
def test_densenet_bc_40_same_logits_as_keras(tf, dropout):
    ours = densenet_bc(depth=40, dropout=dropout, classifier_activation=None)
    assert any(isinstance(layer, mc.layers.Dropout) for layer in ours.layers) == bool(dropout)
    keras_model = keras_densenet_bc(tf, (32, 32, 3), depth=40, data_augmentation=not dropout,
                                    classifier_activation=None)
    assert_same_logits(tf, ours, keras_model)


# ---------------------------------------------------------------------------------------------
# the NHWC guard
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [
    lambda s: resnet_v1(input_shape=s), lambda s: resnet_v2(input_shape=s), lambda s: resnet18(input_shape=s),
    lambda s: resnet50(input_shape=s, stem="imagenet"), lambda s: densenet_bc(input_shape=s, depth=40),
])
def test_channels_first_input_shape_is_rejected(build):
    with pytest.raises(ValueError, match="channels-first.*NCHW.*NHWC.*\\(224, 224, 3\\)"):
        build((3, 224, 224))


def test_channels_last_guard():
    assert check_channels_last((224, 224, 3)) == (224, 224, 3)
    assert check_channels_last((32, 32, 1)) == (32, 32, 1)
    assert check_channels_last((4, 4, 3)) == (4, 4, 3)  # tiny but channels-last: allowed
    for shape in [(1, 28, 28), (3, 32, 32), (4, 64, 64)]:
        with pytest.raises(ValueError, match="channels-first"):
            check_channels_last(shape)
    with pytest.raises(ValueError, match="height, width, channels"):
        check_channels_last((32, 32))


# ---------------------------------------------------------------------------------------------
# one training step: the same loss (with the l2 penalties) and the same gradients as Keras
# ---------------------------------------------------------------------------------------------


def assert_same_training_gradients(tf, ours, keras_model, seed=1, scale_tolerance=1e-5):
    rng = np.random.default_rng(seed)
    ours.set_weights(keras_model.get_weights())
    x = rng.standard_normal((4, 32, 32, 3)).astype(np.float32)
    labels = rng.integers(0, 10, 4)
    keras_loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        keras_loss = keras_loss_fn(labels, keras_model(x, training=True))
        keras_loss += tf.add_n(keras_model.losses) if keras_model.losses else 0.0
    expected = tape.gradient(keras_loss, keras_model.trainable_weights)
    loss = mc.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, ours(x, training=True))
    for penalty in ours.losses:
        loss = loss + penalty
    got = mc.grad(loss, ours.trainable_weights)
    np.testing.assert_allclose(float(loss.item()), float(keras_loss), rtol=1e-5)
    assert len(got) == len(expected)
    for k, (g, e) in enumerate(zip(got, expected)):
        e = e.numpy()
        np.testing.assert_allclose(g, e, rtol=1e-3, atol=scale_tolerance * max(1.0, np.abs(e).max()),
                                   err_msg=f"trainable weight {k} ({ours.trainable_weights[k].name})")


# Deep ReLU networks in float32: a few pre-activations land within rounding of ReLU's kink and take
# the other side in one framework than in the other, which moves some gradients by up to ~1% of
# their scale. Measured on random initialisations: Keras' float32 gradients and minicnn's are
# equally far from minicnn's float64 ones, so ResNet-29 v2 and DenseNet get a looser tolerance;
# the initialisation is seeded so that the check is repeatable.
@pytest.mark.parametrize("build, scale_tolerance", [
    (lambda tf: (resnet_v1(depth=20, classifier_activation=None),
                 keras_resnet_cifar10(tf, 1, (32, 32, 3), 20, classifier_activation=None)), 1e-5),
    (lambda tf: (resnet_v2(depth=29, classifier_activation=None),
                 keras_resnet_cifar10(tf, 2, (32, 32, 3), 29, classifier_activation=None)), 2e-2),
    (lambda tf: (densenet_bc(depth=40, dropout=None, classifier_activation=None),
                 keras_densenet_bc(tf, (32, 32, 3), depth=40, data_augmentation=True, classifier_activation=None)),
     2e-2),
], ids=["resnet20_v1", "resnet29_v2", "densenet_bc_40"])
def test_one_training_step_gives_keras_gradients(tf, build, scale_tolerance):
    tf.keras.utils.set_random_seed(20)
    ours, keras_model = build(tf)
    assert_same_training_gradients(tf, ours, keras_model, scale_tolerance=scale_tolerance)
