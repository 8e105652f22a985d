"""The model zoo (the networks of the source material, as builders returning built minicnn models),
and Keras' ``models`` names: ``mc.models.Sequential``, ``mc.models.Model``, ``mc.models.load_model``."""

from ..model import Model, Sequential
from ..saving import load_model

from .classic import alexnet8, cnn_mnist, inception10, lenet5, vgg13, vgg16, y_network
from .resnet import resnet18, resnet34, resnet50, resnet101, resnet_v1, resnet_v2
from .densenet import densenet_bc
