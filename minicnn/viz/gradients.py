"""Per-layer gradient norms during training: a callback that records them and a picture of them.

``GradientNormRecorder`` records, at every training step, the L2 norm ``||g||_2 = sqrt(Σ g²)`` of the
gradient of each layer's kernel (or of every trainable weight), exactly the gradients the optimizer
receives (before any clipping). With ``model.fit(..., callbacks=[recorder])`` it sees them by
wrapping the optimizer's ``apply_gradients`` for the length of the fit; a hand-written training
loop passes them itself with ``recorder.record(zip(grads, weights))``.

``plot_gradient_norms(recorder.history)`` draws them: norm against step on a log scale, one line
per layer, light to dark with depth; and the mean norm of each layer over the first and the last
tenth of the steps against the layer's depth, the view in which vanishing gradients show.
"""

import numpy as np

from .. import backend, data, layers, losses, optimizers
from ..backend import get_array_module, to_numpy, unwrap
from ..callbacks import Callback
from ..checkpoint import weight_path
from ..model import Sequential
from .figures import finish, new_figure

WHICH = ("kernels", "all")


def is_kernel(weight):
    """Whether a weight is a layer's kernel (``kernel``, ``depthwise_kernel``, ``pointwise_kernel``)."""
    return weight_path(weight).rsplit("/", 1)[-1].endswith("kernel")


def l2_norm(gradient):
    """sqrt(Σ g²) of an array of any backend, as a Python float."""
    xp = get_array_module(gradient)
    return float(to_numpy(xp.sqrt(xp.sum(xp.square(gradient.astype(xp.float64))))))


class GradientNormRecorder(Callback):
    """Record the L2 norm of each layer's kernel gradient at every training step.

    ``weights="kernels"`` (default) records each layer's kernel, keyed by the layer's path
    (``"conv2d_3"``); ``"all"`` records every trainable weight, keyed by its path
    (``"conv2d_3/bias"``). Keys appear in the model's weight order (input side first).

    After training: ``history`` {key: [norm per step]}, ``epoch_history`` {key: [mean norm per
    epoch]}, ``steps`` (the global step of each recorded value) and ``epoch_ends`` (the number of
    steps recorded when each epoch ended). ``record(grads_and_weights)`` adds one step by hand.
    """

    def __init__(self, weights="kernels"):
        super().__init__()
        if weights not in WHICH:
            raise ValueError(f"GradientNormRecorder: weights must be one of {WHICH}, got {weights!r}")
        self.weights = weights
        self.history, self.epoch_history, self.steps, self.epoch_ends = {}, {}, [], []
        self._keys, self._optimizer = None, None

    def keys_of(self, weights):
        """{id(weight): key} for the weights this recorder follows (a layer with several kernels,
        such as SeparableConv2D, gets one key per kernel: its weight paths)."""
        weights = list(weights)
        if self.weights == "all":
            return {id(w): weight_path(w) for w in weights}
        kernels = [w for w in weights if is_kernel(w)]
        layers = [weight_path(w).rsplit("/", 1)[0] or weight_path(w) for w in kernels]
        return {id(w): layer if layers.count(layer) == 1 else weight_path(w) for w, layer in zip(kernels, layers)}

    def record(self, grads_and_weights):
        """Add one step: the norm of each followed weight's gradient (None gradients are skipped;
        without a model, every kernel or weight passed here is followed)."""
        pairs = list(grads_and_weights)
        if self._keys is None:
            self._keys = self.keys_of(w for _, w in pairs)
        for gradient, weight in pairs:
            key = self._keys.get(id(weight))
            if key is not None and gradient is not None:
                self.history.setdefault(key, []).append(l2_norm(unwrap(gradient)))
        self.steps.append(len(self.steps))
        return pairs

    def on_train_begin(self, logs=None):
        self._keys = self.keys_of(self.model.trainable_weights)
        self._optimizer = self.model.optimizer
        apply = type(self._optimizer).apply_gradients
        recorder, optimizer = self, self._optimizer

        def recording_apply_gradients(grads_and_vars):
            return apply(optimizer, recorder.record(grads_and_vars))
        optimizer.apply_gradients = recording_apply_gradients  # shadows the class's method for this fit

    def on_epoch_end(self, epoch, logs=None):
        start = self.epoch_ends[-1] if self.epoch_ends else 0
        self.epoch_ends.append(len(self.steps))
        for key, norms in self.history.items():
            recent = norms[start:]
            self.epoch_history.setdefault(key, []).append(float(np.mean(recent)) if recent else float("nan"))

    def on_train_end(self, logs=None):
        if self._optimizer is not None:
            self._optimizer.__dict__.pop("apply_gradients", None)
            self._optimizer = None


def plot_gradient_norms(history, path=None, title="Per-layer gradient norms", labels=None, fraction=0.1):
    """Draw {layer: [norm per step]} (``GradientNormRecorder.history``, or ``epoch_history``): on
    the left each layer's norm against the step (log y), light to dark from the input side to the
    output side; on the right the mean norm of each layer over the first and the last ``fraction``
    of the steps against its depth (log y). ``labels``: names for the layers (default: the keys).
    Returns the Figure; with ``path``, also writes it there (atomically)."""
    from matplotlib import colormaps

    if not isinstance(history, dict) or not history:
        raise ValueError("plot_gradient_norms: history must be a non-empty dict {layer: [norms]}, got "
                         f"{type(history).__name__} {history!r:.80}")
    if not 0 < fraction <= 1:
        raise ValueError(f"plot_gradient_norms: fraction must be in (0, 1], got {fraction!r}")
    names = list(history)
    labels = names if labels is None else list(labels)
    series = [np.asarray(history[name], dtype=np.float64) for name in names]
    count = max(len(s) for s in series)
    if count == 0:
        raise ValueError("plot_gradient_norms: the history holds no steps")
    colour = colormaps["viridis_r"]
    shades = [colour(0.15 + 0.8 * k / max(len(names) - 1, 1)) for k in range(len(names))]
    figure = new_figure(13, 5.2)
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.19, top=0.87, wspace=0.22)
    steps_axes, depth_axes = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    for values, name, shade in zip(series, labels, shades):
        steps_axes.plot(np.arange(1, len(values) + 1), values, color=shade, linewidth=1.0, label=name)
    steps_axes.set_yscale("log")
    steps_axes.set_xlabel("training step")
    steps_axes.set_ylabel("||dL/dW||_2")
    steps_axes.set_title("gradient norm of each layer per step (light: input side, dark: output side)", fontsize=10)
    steps_axes.grid(alpha=0.3, which="both")
    if len(names) <= 12:
        steps_axes.legend(fontsize=7, ncol=2 if len(names) > 6 else 1, framealpha=0.9)
    window = max(1, int(round(fraction * count)))
    depth = np.arange(1, len(names) + 1)
    first = [np.nanmean(s[:window]) if len(s) else np.nan for s in series]
    last = [np.nanmean(s[-window:]) if len(s) else np.nan for s in series]
    depth_axes.plot(depth, first, "o-", color="C1", label=f"first {window} steps")
    depth_axes.plot(depth, last, "s-", color="C0", label=f"last {window} steps")
    depth_axes.set_yscale("log")
    depth_axes.set_xlabel("layer depth (1 = next to the input)")
    depth_axes.set_title("mean gradient norm by depth", fontsize=10)
    depth_axes.grid(alpha=0.3, which="both")
    depth_axes.legend(fontsize=8)
    if len(names) <= 12:
        depth_axes.set_xticks(depth, labels, rotation=35, ha="right", fontsize=7)
    figure.suptitle(title, fontsize=12, fontweight="bold")
    return finish(figure, path, "plot_gradient_norms")


def plain_cnn(depth=6, filters=8, activation="relu", input_shape=(8, 8, 1), num_classes=10):
    """A plain (no shortcut) stack of ``depth`` 3x3 ``same`` convolutions of ``filters`` channels
    with ``activation``, then Flatten and a dense layer of logits: the network of the grad-norms
    picture."""
    stack = [layers.Input(shape=input_shape)]
    stack += [layers.Conv2D(filters, 3, padding="same", activation=activation) for _ in range(depth)]
    return Sequential(stack + [layers.Flatten(), layers.Dense(num_classes)], name=f"plain_{depth}")


def record_training(depth=6, activation="relu", epochs=2, batch_size=32, learning_rate=0.02, seed=0):
    """(recorder, model, test accuracy): ``plain_cnn(depth, activation=...)`` trained with SGD
    (momentum 0.9) on the embedded digits for ``epochs``, a ``GradientNormRecorder`` attached."""
    (x_train, y_train), (x_test, y_test) = data.load_digits()
    backend.set_seed(seed)
    model = plain_cnn(depth, activation=activation)
    model.compile(optimizers.SGD(learning_rate, momentum=0.9), losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    recorder = GradientNormRecorder()
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[recorder])
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return recorder, model, float(accuracy)
