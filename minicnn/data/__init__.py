"""Datasets: scikit-learn's handwritten digits (embedded, offline), and MNIST, Fashion-MNIST, CIFAR-10
and CIFAR-100 exactly as ``tf.keras.datasets`` returns them, read from local files (downloaded when absent)."""

from . import augment
from .cifar import load_cifar10, load_cifar100
from .digits import load_digits
from .loader import DataLoader
from .locate import DatasetNotFoundError
from .mnist import load_fashion_mnist, load_mnist

__all__ = ["DataLoader", "augment", "load_digits", "load_mnist", "load_fashion_mnist", "load_cifar10", "load_cifar100",
           "DatasetNotFoundError"]
