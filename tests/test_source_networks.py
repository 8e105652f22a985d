"""Networks of the source material rebuilt with minicnn: the parameter counts Keras prints (ref. §8)."""

import numpy as np

import minicnn as mc
from minicnn import layers


def lenet5_seed001(batch_norm=False):
    """Seed 001 LeNet-5 on 28x28x1: Conv 6@3x3 -> MaxPool 2 -> ReLU -> Conv 16@3x3 -> MaxPool 2 -> ReLU -> 120-84-10."""
    def block(filters, first):
        conv = layers.Conv2D(filters, 3, input_shape=(28, 28, 1)) if first else layers.Conv2D(filters, 3)
        norm = [layers.BatchNormalization()] if batch_norm else []
        return [conv] + norm + [layers.MaxPool2D(2), layers.Activation("relu")]
    return mc.Sequential(block(6, True) + block(16, False) + [
        layers.Flatten(), layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"), layers.Dense(10)])


def lenet5_seed003():
    """Seed 003 LeNet5 on 32x32x3: 5x5 valid convs of 6 and 16 filters, sigmoid, 2x2 max pools, 120-84-10."""
    return mc.Sequential([
        layers.Conv2D(6, 5, activation="sigmoid", input_shape=(32, 32, 3)), layers.MaxPool2D(2, 2),
        layers.Conv2D(16, 5, activation="sigmoid"), layers.MaxPool2D(2, 2), layers.Flatten(),
        layers.Dense(120, activation="sigmoid"), layers.Dense(84, activation="sigmoid"), layers.Dense(10, "softmax"),
    ])


def test_seed001_lenet5_has_60074_parameters():
    model = lenet5_seed001()
    assert model.count_params() == 60_074
    assert [sum(w.size for w in l.weights) for l in model.layers if l.weights] == [60, 880, 48_120, 10_164, 850]


def test_seed001_lenet5_with_batch_norm_has_60162_of_which_44_non_trainable():
    model = lenet5_seed001(batch_norm=True)
    assert model.count_params() == 60_162
    assert sum(w.size for w in model.non_trainable_weights) == 44


def test_seed003_lenet5_has_62006_parameters():
    model = lenet5_seed003()
    assert model.count_params() == 62_006
    assert model(np.zeros((2, 32, 32, 3), np.float32)).shape == (2, 10)


def test_cbapd_block_trains_one_step_and_moves_bn_statistics(rng):
    """Conv-BN-Activation-Pool-Dropout (seed 003's CBAPD) takes a training step end to end."""
    model = mc.Sequential([
        layers.Conv2D(4, 3, padding="same", input_shape=(8, 8, 1)), layers.BatchNormalization(),
        layers.Activation("relu"), layers.MaxPool2D(2, 2, padding="same"), layers.Dropout(0.2),
        layers.Flatten(), layers.Dense(10)])
    model.compile("adam", mc.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = model.layers[1].moving_mean.numpy().copy()
    model.fit(rng.standard_normal((16, 8, 8, 1)).astype(np.float32), rng.integers(0, 10, 16), verbose=0)
    assert not np.allclose(model.layers[1].moving_mean.numpy(), before)
