"""What a trained LeNet-5 computes: the feature maps of each convolution and pooling layer for one
image, and the first layer's filters.

The network is the source material's LeNet-5 (``mc.models.lenet5``, seed 001 §10.4, 28x28x1
inputs). ``train_lenet5`` trains it in seconds on scikit-learn's 8x8 digits (embedded, no
download) scaled up to 28x28 with bilinear interpolation, or on MNIST from ``data_dir``; a model
saved with ``save_weights`` (``minicnn train --model lenet5 ...`` leaves ``best.npz``) can be drawn
instead.
"""

import numpy as np

from .. import backend, data, functional as F, losses, models, optimizers
from ..autograd import no_grad
from ..backend import to_numpy
from ..layers.conv import _Conv
from ..layers.pooling import _Pool2D
from ..model import Sequential
from .figures import board, draw_cells, finish, label, new_figure, number_text

IMAGE_SIZE = 28
MNIST_TRAIN_IMAGES = 6000   # enough for about 95% after one epoch, in a few seconds


def load_images(data_dir=None):
    """((x_train, y_train), (x_test, y_test)), x float32 (N, 28, 28, 1) in [0, 1]: MNIST from
    ``data_dir`` (its first 6,000 training images), else the embedded digits resized to 28x28."""
    if data_dir is not None:
        (x_train, y_train), (x_test, y_test) = data.load_mnist(data_dir=data_dir, download=False)
        scale = lambda x: (np.asarray(x, dtype=np.float32) / 255.0)[..., None]  # noqa: E731
        return ((scale(x_train[:MNIST_TRAIN_IMAGES]), np.asarray(y_train[:MNIST_TRAIN_IMAGES], np.int64)),
                (scale(x_test), np.asarray(y_test, np.int64)))
    (x_train, y_train), (x_test, y_test) = data.load_digits()
    resize = lambda x: to_numpy(F.resize(x, (IMAGE_SIZE, IMAGE_SIZE))).clip(0, 1)  # noqa: E731
    return (resize(x_train), y_train), (resize(x_test), y_test)


def train_lenet5(epochs=3, data_dir=None, weights=None, seed=0, batch_size=32, learning_rate=2e-3, images=None):
    """(model, (x_test, y_test), test accuracy): LeNet-5 loaded from ``weights`` (an .npz of
    ``save_weights``), or trained for ``epochs`` with Adam on ``load_images(data_dir)`` (or on
    ``images``, that function's result, when the caller has loaded them already)."""
    (x_train, y_train), (x_test, y_test) = load_images(data_dir) if images is None else images
    backend.set_seed(seed)
    model = models.lenet5((IMAGE_SIZE, IMAGE_SIZE, 1), 10)
    model.compile(optimizers.Adam(learning_rate), losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    if weights is not None:
        model.load_weights(weights)
    else:
        model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    return model, (x_test, y_test), float(accuracy)


def feature_maps(model, image):
    """[(layer, maps)] for each convolution and pooling layer of a Sequential ``model``, in order:
    maps (H, W, C), that layer's output for ``image`` (H, W, C) (inference mode). The layers are
    applied one by one, so each layer's output is what the next one takes in."""
    if not isinstance(model, Sequential):
        raise TypeError(f"feature_maps: model must be a Sequential (its layers are applied one by one), "
                        f"got {type(model).__name__}")
    x = np.asarray(image, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"feature_maps: image must have shape (H, W, C), got {x.shape}")
    maps, x = [], x[None]
    with no_grad():
        for layer in model.layers:
            x = layer(x, training=False)
            if isinstance(layer, (_Conv, _Pool2D)):
                maps.append((layer, to_numpy(x)[0]))
    return maps


def predict_class(model, image):
    """The class ``model`` predicts for one ``image`` (H, W, C): argmax of its outputs, inference mode."""
    with no_grad():
        return int(np.argmax(to_numpy(model(np.asarray(image, np.float32)[None], training=False))[0]))


def feature_maps_figure(model, image, true_label=None, path=None, columns=8):
    """The input image, then each convolution and pooling layer's maps, one small image per
    channel (``columns`` to a row), coloured blue below zero and red above on one scale per layer
    (the limits printed at the row's left). Returns the Figure; with ``path``, also writes it."""
    maps = feature_maps(model, image)
    rows = 1 + sum(-(-m.shape[-1] // columns) for _, m in maps)
    width, height = 1.1 * columns + 1.5, 1.15 * rows + 1.0
    figure = new_figure(width, height)
    grid = figure.add_gridspec(rows, columns, left=1.5 / width, right=0.99, top=1 - 0.8 / height,
                               bottom=0.2 / height, hspace=0.35, wspace=0.12)
    predicted = predict_class(model, image)
    title = f"LeNet-5 feature maps for one image: predicted {predicted}"
    figure.suptitle(title + ("" if true_label is None else f", label {int(true_label)}"), fontsize=12,
                    fontweight="bold", y=1 - 0.15 / height, va="top")
    figure.text(0.5, 1 - 0.5 / height, "one small image per channel; blue < 0 < red on one scale per layer "
                "(±max |value| at the left); the ReLU comes after each pooling", ha="center", va="center",
                fontsize=9)
    axes = figure.add_subplot(grid[0, 0])
    axes.imshow(np.asarray(image)[:, :, 0], cmap="gray_r", interpolation="nearest")
    _bare(axes)
    _row_label(figure, grid, 0, f"input\n{np.shape(image)[0]}x{np.shape(image)[1]}x{np.shape(image)[2]}")
    row = 1
    for layer, m in maps:
        limit = float(np.abs(m).max()) or 1.0
        _row_label(figure, grid, row, f"{layer.name}\n{type(layer).__name__}\n{'x'.join(map(str, m.shape))}\n"
                                      f"±{limit:.2g}")
        for c in range(m.shape[-1]):
            axes = figure.add_subplot(grid[row + c // columns, c % columns])
            axes.imshow(m[:, :, c], cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
            axes.set_gid(f"{layer.name}[{c}]")
            _bare(axes)
            axes.set_title(str(c), fontsize=7, pad=2)
        row += -(-m.shape[-1] // columns)
    return finish(figure, path, "feature_maps_figure")


def _bare(axes):
    axes.set_xticks([])
    axes.set_yticks([])


def _row_label(figure, grid, row, text):
    box = grid[row, 0].get_position(figure)
    figure.text(0.01, (box.y0 + box.y1) / 2, text, fontsize=8, va="center", ha="left")


def filters_figure(model, path=None):
    """The first convolution layer's filters, one grid per output channel with its weights written
    in the cells (coloured blue below zero, red above, one scale for all) and its bias; for more
    than one input channel, one grid per (input, output) channel pair. Returns the Figure."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    layer = next((layer for layer in model.layers if isinstance(layer, _Conv)), None)
    if layer is None:
        raise ValueError(f"filters_figure: {model.name} has no convolution layer")
    kernel = to_numpy(layer.kernel)
    bias = to_numpy(layer.bias) if getattr(layer, "bias", None) is not None else None
    kh, kw, c_in, c_out = kernel.shape
    limit = float(np.abs(kernel).max()) or 1.0
    colour = colormaps["RdBu_r"]
    norm = Normalize(-limit, limit)
    panel = kw + 1.5
    width, height = max(c_out * panel + 1.0, 16.0), 2.4 + c_in * (kh + 1.8)
    figure, axes = board(width, height, inch=0.5)
    label(axes, width / 2, 0.7, f"First-layer filters of {model.name}: {layer.name}, {c_out} filters of "
          f"{kh}x{kw}x{c_in}", fontsize=12, weight="bold")
    label(axes, width / 2, 1.5, f"kernel[:, :, c, k] for filter k; blue < 0 < red (scale ±{limit:.2g})",
          fontsize=10)
    left0 = (width - c_out * panel + 1.5) / 2
    for c in range(c_in):
        top = 3.0 + c * (kh + 1.8)
        for k in range(c_out):
            w = kernel[:, :, c, k]
            left = left0 + k * panel
            faces = [[colour(norm(v)) for v in row] for row in w]
            texts = [[f"{v:.2f}".replace("-0.00", "0.00") for v in row] for row in w]
            colours = [["white" if abs(v) > 0.6 * limit else "black" for v in row] for row in w]
            draw_cells(axes, left, top, texts, f"filter{k}_{c}", faces, fontsize=8, color=colours)
            caption = f"filter {k}" + ("" if c_in == 1 else f", in {c}")
            label(axes, left + kw / 2, top - 0.4, caption, fontsize=9, weight="bold")
            if bias is not None and c == c_in - 1:
                label(axes, left + kw / 2, top + kh + 0.45, f"bias {number_text(round(float(bias[k]), 3))}",
                      fontsize=8, gid=f"bias{k}")
    return finish(figure, path, "filters_figure")
