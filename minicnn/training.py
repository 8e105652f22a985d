"""The training loop behind ``Model``: what ``compile`` sets up, and fit / evaluate / predict, as Keras 3.

- ``CompiledLoss``: one loss per output (a single loss is used for every output), ``loss_weights``,
  sample weights; the total adds the model's weight penalties (``model.losses``), in training and in
  evaluation alike, as Keras does.
- ``CompiledMetrics``: metrics per output, built at the first batch, when ``"accuracy"`` can be
  resolved as Keras does (binary for one-unit outputs, sparse for integer labels, else categorical).
- the loops: batches in order or shuffled, callbacks (``History`` and the progress bar always),
  validation data or a validation split, class weights, resuming at ``initial_epoch``.
"""

import math
import warnings

import numpy as np

from . import backend, losses as losses_module
from .autograd import Tensor, as_tensor, grad, no_grad
from .callbacks import CallbackList, History, ProgbarLogger
from .layers.base import call_takes

# --- data ------------------------------------------------------------------------------------


def as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def arrays_of(value):
    """The arrays of one argument: itself, the items of a list, or the values of a dict by name."""
    return list(value.values()) if isinstance(value, dict) else as_list(value)


def num_samples(x, y=None, sample_weight=None, what="x"):
    """The number of samples, checking that every input, target and weight array has as many."""
    sizes = [len(a) for a in arrays_of(x)]
    if len(set(sizes)) > 1:
        raise ValueError(f"the inputs have different numbers of samples: {sizes}")
    n = sizes[0]
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None and any(len(a) != n for a in arrays_of(value)):
            counts = [len(a) for a in arrays_of(value)]
            raise ValueError(f"{what} has {n} samples but {name} has {counts[0] if len(counts) == 1 else counts}")
    if n == 0:
        raise ValueError(f"{what} is empty")
    return n


def take(data, index):
    """Rows ``index`` of an array, or of each array of a list (several inputs or outputs)."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {key: np.asarray(a)[index] for key, a in data.items()}
    return [np.asarray(a)[index] for a in data] if isinstance(data, (list, tuple)) else np.asarray(data)[index]


def batch_indices(n, batch_size, shuffle=False):
    """Index arrays of consecutive batches (the last one may be smaller); shuffled by minicnn's seeded generator."""
    order = backend.rng().permutation(n) if shuffle else np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def check_batch_size(batch_size):
    """Keras' default of 32 for None; anything but a positive integer is refused."""
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer (or None for 32), got {batch_size!r}")
    return int(batch_size)


def validation_split_of(x, y, sample_weight, fraction):
    """The last ``fraction`` of the samples (before any shuffling) as validation data, as Keras."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {fraction!r}")
    n = num_samples(x, y, sample_weight)
    split_at = int(math.floor(n * (1.0 - fraction)))
    if split_at in (0, n):
        raise ValueError(f"validation_split={fraction} leaves no training or no validation samples of {n}")
    head, tail = np.arange(split_at), np.arange(split_at, n)
    return ((take(x, head), take(y, head), take(sample_weight, head)),
            (take(x, tail), take(y, tail), take(sample_weight, tail)))


def unpack_validation_data(validation_data):
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight), "
                         f"got {type(validation_data).__name__} of length {len(validation_data)}"
                         if isinstance(validation_data, (list, tuple)) else
                         f"validation_data must be a tuple (x_val, y_val), got {type(validation_data).__name__}")
    x, y, *rest = validation_data
    return x, y, rest[0] if rest else None


def class_weight_to_sample_weight(y, class_weight):
    """One weight per sample: ``class_weight[label]`` (1 for labels not listed); one-hot labels by arg-max."""
    if isinstance(y, (list, tuple)):
        raise ValueError("class_weight is only supported for models with one output; pass sample_weight instead")
    labels = np.asarray(y)
    if labels.ndim > 1:
        labels = labels.argmax(axis=-1) if labels.shape[-1] > 1 else labels[..., 0]
    labels = np.round(labels).astype(np.int64).reshape(len(labels), -1)[:, 0]
    return np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float64)


# --- the compiled loss -----------------------------------------------------------------------


def per_output(value, output_names, what):
    """A single value for every output, a list with one per output, or a dict by output name."""
    count = len(output_names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(output_names))
        if unknown:
            raise ValueError(f"compile({what}=...): keys {unknown} are not output names; outputs: {output_names}")
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and not (what == "metrics" and count == 1):
        if len(value) != count:
            raise ValueError(f"compile({what}=...): the model has {count} output(s) {output_names}, so give "
                             f"one entry per output (or a dict by name), got {len(value)}")
        return list(value)
    return [value] * count


def as_loss(identifier):
    """A Loss object from a name, a Loss, or a plain function of per-example losses (None stays None)."""
    if identifier is None:
        return None
    loss = losses_module.get(identifier)
    return loss if isinstance(loss, losses_module.Loss) else losses_module.LossFunctionWrapper(loss)


class CompiledLoss:
    """The loss ``compile`` was given, resolved per output: ``__call__`` returns the total (a Tensor,
    Σ loss_weight·loss) and, with several outputs, each output's unweighted loss as ``<output>_loss``."""

    def __init__(self, loss, loss_weights, output_names):
        if loss is None:
            raise ValueError("compile: a loss is required, e.g. loss='sparse_categorical_crossentropy'")
        if isinstance(loss, (list, tuple)) and len(output_names) == 1 and len(loss) != 1:
            raise ValueError(f"compile(loss=[...]): the model has one output, so give one loss, got {len(loss)}")
        self.output_names = output_names
        self.losses = [as_loss(item) for item in per_output(loss, output_names, "loss")]
        self.weights = per_output(loss_weights, output_names, "loss_weights") if loss_weights is not None \
            else [None] * len(output_names)
        if all(item is None for item in self.losses):
            raise ValueError("compile: every output's loss is None; give at least one loss")

    def __call__(self, y_true, y_pred, sample_weight=None):
        total, parts = None, {}
        for name, loss, weight, target, prediction in zip(self.output_names, self.losses, self.weights,
                                                          y_true, y_pred):
            if loss is None:
                continue
            if target is None:
                raise ValueError(f"output {name!r} has a loss but no target was given for it")
            value = loss(target, prediction, sample_weight)
            parts[f"{name}_loss"] = value  # logged unweighted, as Keras
            if weight is not None:
                value = value * float(weight)
            total = value if total is None else total + value
        return total, (parts if len(parts) > 1 else {})


# --- the compiled metrics --------------------------------------------------------------------


def resolve_metric(identifier, y_true, y_pred):
    """A metric object; "accuracy"/"acc" become the binary, sparse categorical or categorical
    accuracy that suits the output and labels, as Keras' compile does."""
    from . import metrics as metrics_module
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        true_shape, pred_shape = np.shape(y_true), tuple(y_pred.shape)
        if pred_shape[-1] == 1:
            return metrics_module.BinaryAccuracy(name=identifier)
        if len(true_shape) < len(pred_shape) or true_shape[-1] == 1:
            return metrics_module.SparseCategoricalAccuracy(name=identifier)
        return metrics_module.CategoricalAccuracy(name=identifier)
    metric = metrics_module.get(identifier)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


class CompiledMetrics:
    """Metrics per output (``weighted_metrics`` also see the sample weights); built at the first batch.
    With several outputs, each result is named ``<output>_<metric>``."""

    def __init__(self, metrics, weighted_metrics, output_names):
        for what, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and not isinstance(value, (list, tuple, dict)):
                raise ValueError(f"compile({what}=...) must be a list or a dict by output name, got {value!r}")
        self.requested = (metrics, weighted_metrics)
        self.output_names = output_names
        self.built = None  # [(output index, metric, weighted)]

    def build(self, y_true, y_pred):
        self.built = []
        for weighted, requested in zip((False, True), self.requested):
            if not requested:
                continue
            for k, group in enumerate(per_output(requested, self.output_names, "metrics")):
                for identifier in (as_list(group) if group is not None else []):
                    self.built.append((k, resolve_metric(identifier, y_true[k], y_pred[k]), weighted))

    def update(self, y_true, y_pred, sample_weight=None):
        if self.built is None:
            self.build(y_true, y_pred)
        for k, metric, weighted in self.built:
            metric.update_state(y_true[k], backend.to_numpy(y_pred[k]), sample_weight if weighted else None)

    def reset(self):
        for _, metric, _ in self.built or []:
            metric.reset_state()

    def results(self):
        results = {}
        for k, metric, weighted in self.built or []:
            name = metric.name if len(self.output_names) == 1 else f"{self.output_names[k]}_{metric.name}"
            if name in results:
                name = f"weighted_{name}" if weighted else name
            results[name] = float(metric.result())
        return results

    def names(self):
        """The metric names in Keras' ``metrics_names`` order (output prefixes not included)."""
        return [metric.name for _, metric, _ in self.built or []]


class Tracker:
    """The running, sample-weighted mean of each logged loss (``loss``, ``<output>_loss``)."""

    def __init__(self):
        self.totals, self.count = {}, 0

    def update(self, values, count):
        for name, value in values.items():
            self.totals[name] = self.totals.get(name, 0.0) + float(value) * count
        self.count += count

    def results(self):
        return {name: total / self.count for name, total in self.totals.items()}


# --- one step ----------------------------------------------------------------------------------


def model_inputs(model, x):
    """Batch data as the model's input Tensors: one, a list in input order, or by name for a dict."""
    if isinstance(x, dict):
        return model._inputs_from_dict(x)
    if isinstance(x, (list, tuple)):
        return [model_inputs(model, a) for a in x]
    return Tensor(backend.as_array(x, dtype=model.dtype if np.asarray(x).dtype.kind in "biuf" else None,
                                   device=backend.get_device()))


def model_targets(model, y):
    """Targets as a list aligned with the model's outputs (None for an output without targets)."""
    names = model.output_names
    if y is None:
        return [None] * len(names)
    if isinstance(y, dict):
        unknown = sorted(set(y) - set(names))
        if unknown:
            raise ValueError(f"y has keys {unknown} that are not output names; outputs: {names}")
        return [y.get(name) for name in names]
    targets = as_list(y) if len(names) > 1 else [y]
    if len(targets) != len(names):
        raise ValueError(f"the model has {len(names)} outputs {names}: y must be a list of {len(names)} arrays "
                         f"(or a dict by output name), got {len(targets)}")
    return targets


def predictions_list(model, predictions):
    if isinstance(predictions, dict):
        return [predictions[name] for name in model.output_names]
    return as_list(predictions)


def forward(model, x, training):
    """``model(x, training=...)``, or ``model(x)`` when its ``call`` takes no ``training`` argument:
    then, exactly as in Keras 3, the flag is not set and layers inside run in inference mode."""
    if call_takes_training(model):
        return model(model_inputs(model, x), training=training)
    return model(model_inputs(model, x))


def call_takes_training(model):
    return call_takes(type(model).call, "training")


def warn_if_training_cannot_reach(model):
    """A subclassed model whose ``call`` has no ``training`` argument trains its BatchNormalization
    and Dropout layers in inference mode (Keras 3 does the same, silently); say so once."""
    if call_takes_training(model) or getattr(model, "_warned_training", False):
        return
    modal = [layer.name for layer in model._all_layers() if call_takes(type(layer).call, "training")]
    if modal:
        warnings.warn(f"{model.name}.call(...) takes no `training` argument, so fit() cannot pass training=True "
                      f"down: {', '.join(modal[:3])}{' ...' if len(modal) > 3 else ''} run in inference mode, as in "
                      "Keras 3. Declare call(self, inputs, training=None) to train them.", stacklevel=3)
        model._warned_training = True


def compute_loss(model, x, y, sample_weight, training):
    """Forward pass, compiled loss plus weight penalties: (total, per-output losses, predictions)."""
    predictions = predictions_list(model, forward(model, x, training))
    targets = model_targets(model, y)
    total, parts = model.compiled_loss(targets, predictions, sample_weight)
    for penalty in model.losses:  # weight regularizers, as Keras adds them in training and evaluation
        total = total + penalty
    return total, parts, targets, predictions


def train_step(model, x, y, sample_weight=None):
    """One step: forward in training mode, loss, gradients of the trainable weights, update."""
    total, parts, targets, predictions = compute_loss(model, x, y, sample_weight, training=True)
    weights = model.trainable_weights
    model.optimizer.apply_gradients(zip(grad(total, weights), weights))
    return total, parts, targets, predictions


def record_step(model, tracker, count, total, parts, targets, predictions, sample_weight):
    tracker.update({"loss": total.item(), **{k: v.item() for k, v in parts.items()}}, count)
    model.compiled_metrics.update(targets, [p.data for p in predictions], sample_weight)
    return {**tracker.results(), **model.compiled_metrics.results()}


# --- the loops -------------------------------------------------------------------------------


def make_callbacks(model, callbacks, verbose, epochs, steps):
    if verbose == "auto":
        verbose = 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', got {verbose!r}")
    callbacks = list(callbacks or [])
    history = next((c for c in callbacks if isinstance(c, History)), None) or History()
    extra = [history] if history not in callbacks else []
    if verbose and not any(isinstance(c, ProgbarLogger) for c in callbacks):
        extra.append(ProgbarLogger())
    return CallbackList(callbacks + extra, model, verbose=verbose, epochs=epochs, steps=steps), history


def fit(model, x, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
        validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
        validation_batch_size=None, validation_freq=1):
    batch_size = check_batch_size(batch_size)
    if validation_split and validation_data is None:
        (x, y, sample_weight), validation_data = validation_split_of(x, y, sample_weight, validation_split)
    if validation_data is not None:
        validation_data = unpack_validation_data(validation_data)
    if class_weight is not None:
        if sample_weight is not None:
            raise ValueError("give class_weight or sample_weight, not both")
        sample_weight = class_weight_to_sample_weight(y, class_weight)
    n = num_samples(x, y, sample_weight)
    steps = math.ceil(n / batch_size)
    warn_if_training_cannot_reach(model)
    callbacks, history = make_callbacks(model, callbacks, verbose, epochs, steps)
    model.stop_training, model._fitting = False, True
    callbacks.on_train_begin()
    try:
        for epoch in range(initial_epoch, epochs):
            model.compiled_metrics.reset()
            tracker, logs = Tracker(), {}
            callbacks.on_epoch_begin(epoch)
            for step, index in enumerate(batch_indices(n, batch_size, shuffle)):
                callbacks.on_train_batch_begin(step)
                weights = take(sample_weight, index)
                outcome = train_step(model, take(x, index), take(y, index), weights)
                logs = record_step(model, tracker, len(index), *outcome, weights)
                callbacks.on_train_batch_end(step, logs)
                if model.stop_training:
                    break
            if validation_data is not None and should_validate(epoch, validation_freq):
                val_x, val_y, val_weights = validation_data
                results = evaluate(model, val_x, val_y, validation_batch_size or batch_size, 0, val_weights,
                                   callbacks=callbacks.callbacks, return_dict=True)
                logs = {**logs, **{f"val_{k}": v for k, v in results.items()}}
            callbacks.on_epoch_end(epoch, logs)
            if model.stop_training:
                break
    finally:
        model._fitting = False
    callbacks.on_train_end(logs=history.history and {k: v[-1] for k, v in history.history.items()})
    model.history = history
    return history


def should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int) and not isinstance(validation_freq, bool) and validation_freq > 0:
        return (epoch + 1) % validation_freq == 0
    if isinstance(validation_freq, (list, tuple)):
        return epoch + 1 in validation_freq
    raise ValueError(f"validation_freq must be a positive int or a list of epochs, got {validation_freq!r}")


def evaluate(model, x, y=None, batch_size=None, verbose="auto", sample_weight=None, callbacks=None,
             return_dict=False):
    """Loss and metrics over all of (x, y) in inference mode: a scalar (loss only), a list in
    Keras' ``metrics_names`` order, or a dict with ``return_dict=True``."""
    batch_size = check_batch_size(batch_size)
    n = num_samples(x, y, sample_weight)
    batches = batch_indices(n, batch_size)
    internal = getattr(model, "_fitting", False)
    callbacks = CallbackList(list(callbacks or []) if internal else
                             make_callbacks(model, callbacks, verbose, 1, len(batches))[0].callbacks, model,
                             verbose=verbose, epochs=1, steps=len(batches))
    model.compiled_metrics.reset()
    tracker, logs = Tracker(), {}
    callbacks.on_test_begin()
    with no_grad():
        for step, index in enumerate(batches):
            callbacks.on_test_batch_begin(step)
            weights = take(sample_weight, index)
            outcome = compute_loss(model, take(x, index), take(y, index), weights, training=False)
            logs = record_step(model, tracker, len(index), *outcome, weights)
            callbacks.on_test_batch_end(step, logs)
    callbacks.on_test_end(logs)
    if return_dict:
        return logs
    return flatten_in_order(model, logs)


def flatten_in_order(model, logs):
    """``logs`` as Keras returns them without return_dict: the loss, the metrics in their compiled
    order, the per-output losses, then anything else by name; a lone loss as a float."""
    order = ["loss", *model.compiled_metrics.names(), *[f"{name}_loss" for name in model.output_names]]
    values = [logs[name] for name in order if name in logs]
    values += [logs[name] for name in sorted(logs) if name not in order]
    return values[0] if len(values) == 1 else values


def predict(model, x, batch_size=None, verbose="auto", callbacks=None):
    """Inference-mode outputs for all of ``x``: one array, or one per output (a dict for dict outputs)."""
    batch_size = check_batch_size(batch_size)
    batches = batch_indices(num_samples(x), batch_size)
    callbacks = make_callbacks(model, callbacks, 0 if verbose == 0 else verbose, 1, len(batches))[0]
    callbacks.on_predict_begin()
    parts = []
    with no_grad():
        for step, index in enumerate(batches):
            callbacks.on_predict_batch_begin(step)
            outputs = forward(model, take(x, index), training=False)
            parts.append(outputs)
            callbacks.on_predict_batch_end(step, {"outputs": outputs})
    callbacks.on_predict_end()
    return concatenate_batches(parts)


def concatenate_batches(parts):
    first = parts[0]
    if isinstance(first, dict):
        return {key: concatenate_batches([p[key] for p in parts]) for key in first}
    if isinstance(first, (list, tuple)):
        return [concatenate_batches([p[k] for p in parts]) for k in range(len(first))]
    arrays = [p.data for p in parts]
    return backend.get_array_module(*arrays).concatenate(arrays)
