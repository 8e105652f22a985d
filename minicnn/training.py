"""The ``fit`` / ``evaluate`` / ``predict`` loops behind ``Model``, and the accuracy metric."""

from functools import reduce

import numpy as np

from . import backend
from .autograd import Tensor, grad, no_grad
from .progress import ProgressBar, format_values


def accuracy(y_true, y_pred):
    """Fraction of rows whose arg-max prediction is the label (integer or one-hot labels)."""
    y_true, y_pred = backend.to_numpy(y_true), backend.to_numpy(y_pred)
    predicted = y_pred.argmax(axis=-1)
    labels = y_true.argmax(axis=-1) if y_true.shape == y_pred.shape else y_true.reshape(predicted.shape)
    return float((predicted == labels).mean())


METRICS = {"accuracy": accuracy, "acc": accuracy}


def get_metric(identifier):
    if callable(identifier):
        return getattr(identifier, "__name__", "metric"), identifier
    if identifier in METRICS:
        return identifier, METRICS[identifier]
    raise ValueError(f"unknown metric {identifier!r}; expected one of {sorted(METRICS)} or a callable")


class History:
    """What ``fit`` returns: ``history`` maps each metric name to its value per epoch."""

    def __init__(self):
        self.history, self.epoch = {}, []

    def record(self, epoch, values):
        self.epoch.append(epoch)
        for k, v in values.items():
            self.history.setdefault(k, []).append(v)


def take(x, index):
    """Rows ``index`` of an array, or of each array of a list (a model with several inputs)."""
    return [a[index] for a in x] if isinstance(x, (list, tuple)) else x[index]


def check_data(x, y):
    """The number of samples, checking that every input and target array has as many."""
    inputs = list(x) if isinstance(x, (list, tuple)) else [x]
    targets = [] if y is None else list(y) if isinstance(y, (list, tuple)) else [y]
    n = len(inputs[0])
    if any(len(a) != n for a in inputs):
        raise ValueError(f"the inputs have different numbers of samples: {[len(a) for a in inputs]}")
    if any(len(t) != n for t in targets):
        raise ValueError(f"x has {n} samples but y has {[len(t) for t in targets] if len(targets) > 1 else len(targets[0])}")
    if n == 0:
        raise ValueError("x is empty")
    return n


def batch_slices(n, batch_size, order=None):
    if int(batch_size) <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    order = np.arange(n) if order is None else order
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def to_input(model, x):
    if isinstance(x, (list, tuple)):
        return [to_input(model, a) for a in x]
    return Tensor(backend.as_array(x, dtype=model.dtype, device=backend.get_device()))


def total_loss(model, y, predictions):
    """The compiled loss; with several outputs (and a list of targets) the sum over outputs, as Keras."""
    if isinstance(predictions, (list, tuple)):
        if not isinstance(y, (list, tuple)) or len(y) != len(predictions):
            raise ValueError(f"the model has {len(predictions)} outputs: y must be a list of {len(predictions)} arrays")
        losses = [model.loss(target, p) for target, p in zip(y, predictions)]
        return reduce(lambda a, b: a + b, losses)
    return model.loss(y, predictions)


def raw(predictions):
    return [p.data for p in predictions] if isinstance(predictions, (list, tuple)) else predictions.data


def train_step(model, x, y):
    """One step: forward in training mode, loss, gradients of the trainable weights, update."""
    predictions = model(to_input(model, x), training=True)
    loss = total_loss(model, y, predictions)
    for penalty in model.losses:  # weight regularizers, as Keras adds them to the training loss
        loss = loss + penalty
    weights = model.trainable_weights
    grads = grad(loss, weights)
    model.optimizer.apply_gradients(zip(grads, weights))
    return float(loss.item()), raw(predictions)


def _batch_metrics(model, y, predictions):
    if isinstance(predictions, (list, tuple)):  # one value per output: output_0_accuracy, ...
        return {f"output_{k}_{name}": fn(target, p) for k, (target, p) in enumerate(zip(y, predictions))
                for name, fn in model.metric_functions}
    return {name: fn(y, predictions) for name, fn in model.metric_functions}


def fit(model, x, y, batch_size=32, epochs=1, verbose=1, validation_data=None, shuffle=True):
    n = check_data(x, y)
    history = History()
    for epoch in range(epochs):
        order = backend.rng().permutation(n) if shuffle else None
        batches = batch_slices(n, batch_size, order)
        bar = ProgressBar(len(batches), f"Epoch {epoch + 1}/{epochs} ") if verbose else None
        totals, seen = {}, 0
        for step, index in enumerate(batches, 1):
            loss, predictions = train_step(model, take(x, index), take(y, index))
            values = {"loss": loss, **_batch_metrics(model, take(y, index), predictions)}
            for k, v in values.items():
                totals[k] = totals.get(k, 0.0) + v * len(index)
            seen += len(index)
            if bar:
                bar.update(step, {k: t / seen for k, t in totals.items()})
        logs = {k: t / seen for k, t in totals.items()}
        if validation_data is not None:
            results = evaluate(model, *validation_data, batch_size=batch_size, verbose=0)
            logs.update({f"val_{k}": v for k, v in results.items()})
        if bar:
            bar.close(logs)
        history.record(epoch, logs)
    return history


def predict(model, x, batch_size=32):
    """Inference-mode outputs for all of ``x``, as one array of the backend."""
    with no_grad():
        parts = [raw(model(to_input(model, take(x, index)), training=False))
                 for index in batch_slices(check_data(x, None), batch_size)]
    if isinstance(parts[0], list):  # several outputs: one array per output
        return [backend.get_array_module(*column).concatenate(column) for column in zip(*parts)]
    return backend.get_array_module(*parts).concatenate(parts)


def evaluate(model, x, y, batch_size=32, verbose=0):
    """Loss and metrics over all of (x, y), averaged per sample; a dict name -> value."""
    n = check_data(x, y)
    totals = {}
    with no_grad():
        for index in batch_slices(n, batch_size):
            predictions = model(to_input(model, take(x, index)), training=False)
            values = {"loss": float(total_loss(model, take(y, index), predictions).item()),
                      **_batch_metrics(model, take(y, index), raw(predictions))}
            for k, v in values.items():
                totals[k] = totals.get(k, 0.0) + v * len(index)
    results = {k: t / n for k, t in totals.items()}
    if verbose:
        print(f"evaluate{format_values(results)}")
    return results
