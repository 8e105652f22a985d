"""``keras.datasets``: mnist, fashion_mnist, cifar10, cifar100, each with ``load_data()``."""

from . import cifar10, cifar100, fashion_mnist, mnist
from .._subset import missing

__getattr__ = missing("keras.datasets")
