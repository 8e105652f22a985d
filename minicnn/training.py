"""The training loop behind ``Model``: fit / evaluate / predict and one step of each, as Keras 3.

A step runs the model (``training=True`` only for a ``call`` that takes it, as Keras), the compiled
loss plus the weight penalties, the gradients of the trainable weights and the optimizer's update.
An epoch runs the steps over batches from ``batches.py`` (arrays, a loader or an iterable) between
callback hooks (``History`` and the progress bar always), then validates.
"""

import warnings

import numpy as np

from . import backend
from .autograd import Tensor, grad, no_grad
from .batches import (
    as_list, batches_of, check_batch_size, num_samples, unpack_validation_data, validation_split_of,
)
from .callbacks import CallbackList, History, ProgbarLogger
from .compiled import Tracker
from .layers.base import call_takes
from .resume import BackupAndRestore, Run

# --- one step ----------------------------------------------------------------------------------


def model_inputs(model, x):
    """Batch data as the model's input Tensors: one, a list in input order, or by name for a dict."""
    if isinstance(x, dict):
        return model._inputs_from_dict(x)
    if isinstance(x, (list, tuple)):
        return [model_inputs(model, a) for a in x]
    kind = (x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype).kind
    return Tensor(x, dtype=model.dtype if kind in "biuf" else None, device=model_device(model))


def model_device(model):
    """Where the model's weights are; before it has any, where ``model.to`` said, else the current device."""
    weights = model.weights
    return weights[0].device if weights else getattr(model, "_device", None) or backend.get_device()


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
    history = next((c for c in callbacks if isinstance(c, History)), None)
    if history is None:  # Keras: History last (it records the final logs), the progress bar first
        history = History()
        callbacks.append(history)
    if verbose and not any(isinstance(c, ProgbarLogger) for c in callbacks):
        callbacks.insert(0, ProgbarLogger())
    return CallbackList(callbacks, model, verbose=verbose, epochs=epochs, steps=steps), history


def fit(model, x, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
        validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
        steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
    batch_size = check_batch_size(batch_size)
    if validation_split and validation_data is None:
        (x, y, sample_weight), validation_data = validation_split_of(x, y, sample_weight, validation_split)
    if class_weight is not None and sample_weight is not None:
        raise ValueError("give class_weight or sample_weight, not both")
    train = batches_of(x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight)
    validation = None if validation_data is None else batches_of(
        *unpack_validation_data(validation_data), validation_batch_size or batch_size, False, validation_steps)
    warn_if_training_cannot_reach(model)
    callbacks, history = make_callbacks(model, callbacks, verbose, epochs, train.steps)
    backups = [c for c in callbacks.callbacks if isinstance(c, BackupAndRestore)]
    run = Run(model, train, callbacks.callbacks, history)
    model.stop_training, model._fitting = False, True
    callbacks.on_train_begin()
    for backup in backups:  # a backup from an interrupted run puts everything back and moves the start
        resumed = backup.resume(run)
        initial_epoch = initial_epoch if resumed is None else resumed
    epoch_logs = {}
    try:
        for epoch in range(initial_epoch, epochs):
            epoch_logs = train_epoch(model, train, callbacks, epoch)
            if validation is not None and should_validate(epoch, validation_freq):
                results = run_evaluation(model, validation, callbacks.callbacks, return_dict=True, internal=True)
                epoch_logs = {**epoch_logs, **{f"val_{k}": v for k, v in results.items()}}
            callbacks.on_epoch_end(epoch, epoch_logs)
            for backup in backups:  # after every callback has seen the epoch: the state is complete
                backup.backup(run, epoch + 1)
            if model.stop_training:
                break
    finally:
        model._fitting = False
    for backup in backups:
        backup.finish()
    callbacks.on_train_end(logs=epoch_logs)
    model.history = history
    return history


def train_epoch(model, train, callbacks, epoch):
    """One pass over ``train``'s batches between the epoch and batch hooks; returns the epoch's logs."""
    model.compiled_metrics.reset()
    tracker, logs = Tracker(), {}
    callbacks.on_epoch_begin(epoch)
    for step, (x, y, weights) in enumerate(train.epoch()):
        callbacks.on_train_batch_begin(step)
        logs = record_step(model, tracker, num_samples(x), *train_step(model, x, y, weights), weights)
        callbacks.on_train_batch_end(step, logs)
        if model.stop_training:
            break
    return logs


def should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int) and not isinstance(validation_freq, bool) and validation_freq > 0:
        return (epoch + 1) % validation_freq == 0
    if isinstance(validation_freq, (list, tuple)):
        return epoch + 1 in validation_freq
    raise ValueError(f"validation_freq must be a positive int or a list of epochs, got {validation_freq!r}")


def evaluate(model, x, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None, callbacks=None,
             return_dict=False):
    """Loss and metrics over all of (x, y) in inference mode: a scalar (loss only), a list in
    Keras' ``metrics_names`` order, or a dict with ``return_dict=True``."""
    source = batches_of(x, y, sample_weight, check_batch_size(batch_size), False, steps)
    callbacks = make_callbacks(model, callbacks, verbose, 1, source.steps)[0].callbacks
    return run_evaluation(model, source, callbacks, return_dict, internal=True)


def run_evaluation(model, source, callbacks, return_dict, internal=False):
    """Evaluate on ``source`` calling the test hooks; ``internal`` (fit's validation) leaves the
    callbacks' model and params as fit set them."""
    callbacks = CallbackList(callbacks) if internal else \
        CallbackList(callbacks, model, verbose=0, epochs=1, steps=source.steps)
    model.compiled_metrics.reset()
    tracker, logs = Tracker(), {}
    callbacks.on_test_begin()
    with no_grad():
        for step, (x, y, weights) in enumerate(source.epoch()):
            callbacks.on_test_batch_begin(step)
            outcome = compute_loss(model, x, y, weights, training=False)
            logs = record_step(model, tracker, num_samples(x), *outcome, weights)
            callbacks.on_test_batch_end(step, logs)
    callbacks.on_test_end(logs)
    return logs if return_dict else flatten_in_order(model, logs)


def flatten_in_order(model, logs):
    """``logs`` as Keras returns them without return_dict: the loss, the metrics in their compiled
    order, the per-output losses, then anything else by name; a lone loss as a float."""
    order = ["loss", *model.compiled_metrics.names(), *[f"{name}_loss" for name in model.output_names]]
    values = [logs[name] for name in order if name in logs]
    values += [logs[name] for name in sorted(logs) if name not in order]
    return values[0] if len(values) == 1 else values


def predict(model, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    """Inference-mode outputs for all of ``x``: one array, or one per output (a dict for dict outputs)."""
    source = batches_of(x, None, None, check_batch_size(batch_size), False, steps, predicting=True)
    callbacks = make_callbacks(model, callbacks, verbose, 1, source.steps)[0]
    callbacks.on_predict_begin()
    parts = []
    with no_grad():
        for step, (inputs, _, _) in enumerate(source.epoch()):
            callbacks.on_predict_batch_begin(step)
            outputs = forward(model, inputs, training=False)
            parts.append(outputs)
            callbacks.on_predict_batch_end(step, {"outputs": outputs})
    callbacks.on_predict_end()
    if not parts:
        raise ValueError("predict: the data yielded no batch")
    return concatenate_batches(parts)


def concatenate_batches(parts):
    first = parts[0]
    if isinstance(first, dict):
        return {key: concatenate_batches([p[key] for p in parts]) for key in first}
    if isinstance(first, (list, tuple)):
        return [concatenate_batches([p[k] for p in parts]) for k in range(len(first))]
    arrays = [p.data for p in parts]
    return backend.get_array_module(*arrays).concatenate(arrays)
