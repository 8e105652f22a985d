"""Weight exchange with tf.keras, so that whole networks can be cross-checked.

minicnn models list their weights in Keras' order (per layer: kernel, bias; BatchNormalization:
gamma, beta, moving_mean, moving_variance; functional models in Keras' layer order), so weights
copy by position. Every copy checks count and shapes first and changes nothing on a mismatch.
"""

import numpy as np

from ..backend import to_numpy


def _check(source_arrays, source_names, target, direction):
    target_weights = target.weights
    if len(source_arrays) != len(target_weights):
        raise ValueError(f"{direction}: {len(source_arrays)} weights to copy but the target has {len(target_weights)}")
    for k, (value, name, w) in enumerate(zip(source_arrays, source_names, target_weights)):
        if tuple(np.shape(value)) != tuple(w.shape):
            raise ValueError(f"{direction}: weight {k} ({name} -> {getattr(w, 'path', getattr(w, 'name', '?'))}) "
                             f"has shape {tuple(np.shape(value))}, the target expects {tuple(w.shape)}")


def copy_from_keras(keras_model, model):
    """Load a built tf.keras model's weights into the equivalent built minicnn model."""
    values = keras_model.get_weights()
    _check(values, [getattr(w, "path", getattr(w, "name", "?")) for w in keras_model.weights], model, "copy_from_keras")
    model.set_weights(values)
    return model


def copy_to_keras(model, keras_model):
    """Load a minicnn model's weights into the equivalent built tf.keras model."""
    values = model.get_weights()
    _check(values, [getattr(w, "path", w.name) for w in model.weights], keras_model, "copy_to_keras")
    keras_model.set_weights(values)
    return keras_model


def compare_outputs(model, keras_model, inputs):
    """Inference-mode outputs of both models on ``inputs``: (max abs difference, max relative difference)."""
    import tensorflow as tf

    ours = to_numpy(model.predict(inputs))  # a CuPy array for a model on the GPU
    feed = [tf.constant(x) for x in inputs] if isinstance(inputs, (list, tuple)) else tf.constant(inputs)
    theirs = keras_model(feed, training=False).numpy()
    difference = np.abs(ours - theirs)
    return float(difference.max()), float((difference / np.maximum(np.abs(theirs), 1e-12)).max())
