"""``keras.datasets.mnist.load_data()``: minicnn's loader, which returns what Keras returns."""

from ...data import load_mnist


def load_data():
    """((x_train, y_train), (x_test, y_test)) as ``tf.keras.datasets.mnist.load_data()`` gives them."""
    return load_mnist()
