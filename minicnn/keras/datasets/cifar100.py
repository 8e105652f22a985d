"""``keras.datasets.cifar100.load_data(label_mode="fine")``: minicnn's loader."""

from ...data import load_cifar100


def load_data(label_mode="fine"):
    """((x_train, y_train), (x_test, y_test)) as ``tf.keras.datasets.cifar100.load_data()`` gives them."""
    return load_cifar100(label_mode=label_mode)
