"""The benchmark networks in PyTorch (NCHW), layer for layer as minicnn.models and keras_models build them.

Keras counts BatchNormalization's moving mean and variance as (non-trainable) parameters; PyTorch
keeps them as buffers, so ``keras_count`` adds them back for the parameter check.
"""

import torch
from torch import nn


def keras_count(model):
    """Parameters plus BN running statistics: the number Keras' count_params() gives."""
    buffers = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    return sum(p.numel() for p in model.parameters()) + buffers


def batch_norm(channels):
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)  # Keras' momentum 0.99, epsilon 1e-3


def same_conv(cin, cout, kernel_size, stride=1):
    """A Conv2d with TensorFlow's SAME output size (kernel 1 or 3 here: symmetric padding suffices)."""
    return nn.Conv2d(cin, cout, kernel_size, stride=stride, padding=kernel_size // 2)


class LeNet5(nn.Module):
    def __init__(self, input_shape=(28, 28, 1), num_classes=10):
        super().__init__()
        h, w, c = input_shape
        self.features = nn.Sequential(nn.Conv2d(c, 6, 3), nn.MaxPool2d(2), nn.ReLU(),
                                      nn.Conv2d(6, 16, 3), nn.MaxPool2d(2), nn.ReLU())
        flat = 16 * (((h - 2) // 2 - 2) // 2) * (((w - 2) // 2 - 2) // 2)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(flat, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                  nn.Linear(84, num_classes))

    def forward(self, x):
        return self.head(self.features(x))


class ResNetBlock(nn.Module):
    """Conv-BN-ReLU, Conv-BN, plus the shortcut (a bare 1x1/2 conv when downsampling), ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.branch = nn.Sequential(same_conv(cin, cout, 3, stride), batch_norm(cout), nn.ReLU(),
                                    same_conv(cout, cout, 3), batch_norm(cout))
        self.shortcut = same_conv(cin, cout, 1, stride) if stride != 1 else nn.Identity()

    def forward(self, x):
        return torch.relu(self.shortcut(x) + self.branch(x))


class ResNetV1(nn.Module):
    """The Keras CIFAR-10 example's ResNet v1 (logits out; the loss applies the softmax)."""

    def __init__(self, input_shape=(32, 32, 3), depth=20, num_classes=10):
        super().__init__()
        blocks = [same_conv(input_shape[2], 16, 3), batch_norm(16), nn.ReLU()]
        cin = 16
        for stage, filters in enumerate((16, 32, 64)):
            for block in range((depth - 2) // 6):
                stride = 2 if stage > 0 and block == 0 else 1
                blocks.append(ResNetBlock(cin, filters, stride))
                cin = filters
        self.body = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AvgPool2d(8), nn.Flatten(), nn.Linear(64, num_classes))

    def forward(self, x):
        return self.head(self.body(x))

    def penalty(self):
        """Keras' l2(1e-4) on every convolution kernel."""
        return 1e-4 * sum((m.weight ** 2).sum() for m in self.modules() if isinstance(m, nn.Conv2d))


class DenseLayer(nn.Module):
    def __init__(self, cin, growth_rate, dropout):
        super().__init__()
        self.body = nn.Sequential(batch_norm(cin), nn.ReLU(), same_conv(cin, 4 * growth_rate, 1), nn.Dropout(dropout),
                                  batch_norm(4 * growth_rate), nn.ReLU(), same_conv(4 * growth_rate, growth_rate, 3),
                                  nn.Dropout(dropout))

    def forward(self, x):
        return torch.cat([x, self.body(x)], dim=1)


class DenseNetBC(nn.Module):
    def __init__(self, input_shape=(32, 32, 3), depth=100, growth_rate=12, compression=0.5, num_classes=10,
                 dropout=0.2):
        super().__init__()
        per_block, channels = (depth - 4) // 6, input_shape[2]
        filters = 2 * growth_rate
        self.stem = nn.Sequential(batch_norm(channels), nn.ReLU(), same_conv(channels, filters, 3))
        layers, cin = [], channels + filters
        for block in range(3):
            for _ in range(per_block):
                layers.append(DenseLayer(cin, growth_rate, dropout))
                cin += growth_rate
            if block < 2:
                filters = int((filters + per_block * growth_rate) * compression)
                layers += [batch_norm(cin), same_conv(cin, filters, 1), nn.Dropout(dropout), nn.AvgPool2d(2)]
                cin = filters
        self.body = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AvgPool2d(8), nn.Flatten(), nn.Linear(cin, num_classes))

    def forward(self, x):
        return self.head(self.body(torch.cat([x, self.stem(x)], dim=1)))


BUILDERS = {"lenet5": LeNet5, "resnet_v1": ResNetV1, "densenet_bc": DenseNetBC}
