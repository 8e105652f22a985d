"""Keras weight exchange: the same weights give the same logits and the same training gradients."""

import numpy as np
import pytest

import minicnn as mc
from minicnn.interop.keras import compare_outputs, copy_from_keras, copy_to_keras


def cbapd_pair(tf):
    """A Conv-BN-Activation-Pool-Dropout network (seed 003's CBAPD) built in both frameworks."""
    def build(lib, first):
        return [first, lib.Conv2D(6, 5, padding="same"), lib.BatchNormalization(), lib.Activation("relu"),
                lib.MaxPooling2D(2, 2, padding="same"), lib.Dropout(0.2), lib.Flatten(),
                lib.Dense(32, activation="relu"), lib.Dense(10)]
    keras_model = tf.keras.Sequential(build(tf.keras.layers, tf.keras.Input((12, 12, 3))))
    ours = mc.Sequential(build(mc.layers, mc.layers.Activation("linear", input_shape=(12, 12, 3))))
    return ours, keras_model


def test_keras_weights_give_the_same_logits_and_gradients(tf, rng):
    ours, keras_model = cbapd_pair(tf)
    x = rng.standard_normal((4, 12, 12, 3)).astype(np.float32)
    keras_model(x, training=True)  # move Keras' BN statistics away from their initial values
    copy_from_keras(keras_model, ours)
    max_abs, max_rel = compare_outputs(ours, keras_model, x)
    assert max_abs < 1e-4, (max_abs, max_rel)
    labels = rng.integers(0, 10, 4)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    tx = tf.constant(x)
    with tf.GradientTape() as tape:
        keras_loss = loss_fn(labels, keras_model(tx, training=False))
    expected = tape.gradient(keras_loss, keras_model.trainable_weights)
    loss = mc.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, ours(x, training=False))
    got = mc.grad(loss, ours.trainable_weights)
    np.testing.assert_allclose(float(loss.item()), float(keras_loss), rtol=1e-5)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-4, atol=1e-5)


def test_round_trip_to_keras(tf, rng):
    ours, keras_model = cbapd_pair(tf)
    copy_to_keras(ours, keras_model)
    for a, b in zip(ours.get_weights(), keras_model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_mismatched_models_are_rejected_without_change(tf):
    ours = mc.Sequential([mc.layers.Dense(3, input_shape=(4,))])
    keras_model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(5)])
    before = ours.get_weights()
    with pytest.raises(ValueError, match=r"weight 0 .* shape \(4, 5\), the target expects \(4, 3\)"):
        copy_from_keras(keras_model, ours)
    for a, b in zip(before, ours.get_weights()):
        np.testing.assert_array_equal(a, b)
