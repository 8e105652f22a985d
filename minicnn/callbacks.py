"""Callbacks: objects that ``fit`` / ``evaluate`` / ``predict`` call at fixed points, as in Keras.

A callback overrides any of Keras' hooks (``on_train_begin``, ``on_epoch_begin``,
``on_train_batch_end``, ``on_epoch_end``, ``on_test_begin``, ...), each given the step or epoch
number and a ``logs`` dict of the current values (``{"loss": ..., "accuracy": ...}``). ``model``
and ``params`` (``epochs``, ``steps``, ``verbose``) are set before training starts; a callback
stops training by setting ``self.model.stop_training = True``.

Keras 3's training callbacks, with its arguments, defaults and decisions: ``LearningRateScheduler``,
``ReduceLROnPlateau``, ``ModelCheckpoint``, ``EarlyStopping``, ``CSVLogger``, ``TerminateOnNaN``,
``LambdaCallback``. Those that carry state from epoch to epoch give it as a JSON-serializable dict
(``get_state()``) and take it back (``set_state(state)``); set before ``fit``, the state survives
``on_train_begin``, so a resumed run goes on exactly where the saved one was.
"""

import collections.abc
import csv
import os
import warnings

import numpy as np

from .progress import ProgressBar

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end")


class Callback:
    """The base: every hook does nothing, except that ``on_train_batch_begin`` / ``on_train_batch_end``
    call ``on_batch_begin`` / ``on_batch_end`` as Keras' do. A callback that carries state from epoch
    to epoch returns it as a JSON-serializable dict from ``get_state()`` and takes it back with
    ``set_state(state)``, so that a resumed run continues exactly; here both carry nothing."""

    def __init__(self):
        self.model, self.params = None, {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def get_state(self):
        return {}

    def set_state(self, state):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)


for _hook in HOOKS + ("on_batch_begin", "on_batch_end"):
    if _hook not in Callback.__dict__:
        setattr(Callback, _hook, lambda self, *args, **kwargs: None)


class CallbackList:
    """Several callbacks called as one, in order (``callbacks.on_epoch_end(epoch, logs)``)."""

    def __init__(self, callbacks, model=None, **params):
        """Without ``model`` and ``params`` (fit's own evaluation on the same callbacks) the callbacks
        keep the ones they were given."""
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be Callback objects, got {type(callback).__name__}")
            if model is not None:
                callback.set_model(model)
                callback.set_params(params)

    def __getattr__(self, hook):
        if hook not in HOOKS:
            raise AttributeError(hook)

        def call_each(*args, **kwargs):
            for callback in self.callbacks:
                getattr(callback, hook)(*args, **kwargs)
        return call_each


class ResumableCallback(Callback):
    """A callback with state between epochs. ``on_train_begin`` starts it afresh (``_start``) unless
    ``set_state`` came first: then it goes on from that state (``_resume``, which also puts back what
    the state holds of the model, such as the learning rate). Subclasses define ``get_state`` and
    ``_load_state(state)``; ``set_state`` during a fit replaces the state at once."""

    _pending = False

    def on_train_begin(self, logs=None):
        if self._pending:
            self._pending = False
            self._resume()
        else:
            self._start()

    def on_train_end(self, logs=None):
        self._pending = False

    def set_state(self, state):
        if not isinstance(state, dict):
            raise TypeError(f"{type(self).__name__}.set_state: state must be a dict from get_state(), "
                            f"got {type(state).__name__}")
        self._load_state(state)
        self._pending = True
        self._resume_now()

    def _resume_now(self):
        """``set_state`` during a fit (the model known): take the state up at once."""
        if self.model is not None:
            self._resume()

    def _load_state(self, state):
        raise NotImplementedError

    def _start(self):
        pass

    def _resume(self):
        pass


class History(ResumableCallback):
    """What ``fit`` returns: ``history[name]`` is the list of per-epoch values of each log entry."""

    def __init__(self):
        super().__init__()
        self.history, self.epoch = {}, []

    def _start(self):
        self.epoch = []

    def get_state(self):
        return {"epoch": [int(e) for e in self.epoch],
                "history": {name: [_json_number(v) for v in values] for name, values in self.history.items()}}

    def _load_state(self, state):
        self.epoch = list(state["epoch"])
        self.history = {name: list(values) for name, values in state["history"].items()}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a progress bar (verbose=1) or one line per epoch (verbose=2)."""

    def __init__(self, stream=None):
        super().__init__()
        self.stream, self.bar = stream, None

    def _open(self):
        self.bar = ProgressBar(self.params.get("steps"), stream=self.stream,
                               live=False if self.params.get("verbose") == 2 else None)

    def on_epoch_begin(self, epoch, logs=None):
        if self.params.get("epochs", 1) > 1:
            print(f"Epoch {epoch + 1}/{self.params['epochs']}", file=self.stream, flush=True)
        self._open()

    def on_train_batch_end(self, batch, logs=None):
        self.bar.update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.bar.close(logs)

    def on_test_begin(self, logs=None):
        if self.model is None or not getattr(self.model, "_fitting", False):
            self._open()

    def on_test_batch_end(self, batch, logs=None):
        if not getattr(self.model, "_fitting", False):
            self.bar.update(batch + 1, logs)

    def on_test_end(self, logs=None):
        if not getattr(self.model, "_fitting", False):
            self.bar.close(logs)

    def on_predict_begin(self, logs=None):
        self._open()

    def on_predict_batch_end(self, batch, logs=None):
        self.bar.update(batch + 1)

    def on_predict_end(self, logs=None):
        self.bar.close()


# --- helpers shared by the training callbacks -------------------------------------------------


def _json_number(value):
    """A logged or monitored value as a plain Python float for JSON (None stays None)."""
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _weights_to_json(arrays):
    return [{"dtype": np.dtype(a.dtype).name, "shape": list(a.shape), "values": np.ravel(a).tolist()}
            for a in arrays]


def _weights_from_json(items):
    return [np.asarray(item["values"], dtype=item["dtype"]).reshape(item["shape"]) for item in items]


def _check_count(value, argument, owner):
    """A non-negative integer argument (patience, cooldown, ...), or a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{owner}: {argument} must be a non-negative integer, got {value!r}")
    return int(value)


def _optimizer_of(model, owner):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(f'{owner}: the model\'s optimizer must have a "learning_rate" attribute '
                         f"(compile the model first), got {optimizer!r}")
    return optimizer


def get_learning_rate(optimizer):
    """The learning rate the optimizer's next step uses, as Keras reads ``optimizer.learning_rate``:
    a number held in float32 (0.1 reads 0.10000000149011612), a schedule's value at ``iterations``."""
    lr = optimizer.learning_rate
    return float(lr(optimizer.iterations) if callable(lr) else np.float32(lr))


def set_learning_rate(optimizer, value):
    """Set a number as the learning rate, kept as Keras keeps it (a float32 variable). As in Keras,
    an optimizer built with a schedule refuses: its learning rate is not settable."""
    if callable(optimizer.learning_rate):
        raise TypeError(f"{type(optimizer).__name__} was created with a learning-rate schedule "
                        f"({optimizer.learning_rate!r}), so its learning rate cannot be set to {value!r}; "
                        "create the optimizer with a float learning_rate to change it from a callback")
    optimizer.learning_rate = float(np.float32(value))


def _keras_scalar(value):
    """A number as ``keras.ops`` compares it: a Python float becomes a float32 tensor (NumPy scalars
    keep their dtype), so values closer than float32 can tell apart compare equal, as in Keras."""
    return np.float32(value) if isinstance(value, float) and not isinstance(value, np.floating) else value


def _less(a, b):
    return bool(_keras_scalar(a) < _keras_scalar(b))


def _greater(a, b):
    return bool(_keras_scalar(a) > _keras_scalar(b))


# Keras' ``_direction`` of each metric class: what mode="auto" makes of a monitored metric.
METRIC_DIRECTIONS = {
    **dict.fromkeys(["AUC", "Accuracy", "BinaryAccuracy", "BinaryIoU", "CategoricalAccuracy",
                     "ConcordanceCorrelation", "CosineSimilarity", "F1Score", "FBetaScore", "IoU", "MeanIoU",
                     "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation", "Precision", "PrecisionAtRecall",
                     "R2Score", "Recall", "RecallAtPrecision", "SensitivityAtSpecificity",
                     "SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity",
                     "TopKCategoricalAccuracy"], "up"),
    **dict.fromkeys(["BinaryCrossentropy", "CategoricalCrossentropy", "CategoricalHinge", "Hinge", "KLDivergence",
                     "LogCoshError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
                     "MeanSquaredLogarithmicError", "Poisson", "RootMeanSquaredError",
                     "SparseCategoricalCrossentropy", "SquaredHinge"], "down"),
}


def metric_direction(metric):
    """"up" (higher is better), "down", or None when Keras cannot tell (Mean, Sum, counts)."""
    return getattr(metric, "_direction", None) or METRIC_DIRECTIONS.get(type(metric).__name__)


# --- monitoring a quantity ---------------------------------------------------------------------


class MonitorCallback(ResumableCallback):
    """The base of the callbacks that watch one logged quantity (Keras' ``MonitorCallback``).

    ``mode="min"``/``"max"``, or ``"auto"``: minimise ``loss``/``val_loss``, else follow the
    direction of the compiled metric of that name (``val_accuracy``: maximise), decided at the first
    epoch end, when the metrics are built; a name Keras cannot place is a ValueError there. A value
    v improves on the reference r when v - min_delta < r (min) or v + min_delta > r (max), compared
    in float32 for Python floats, as Keras' ``ops.less``/``ops.greater`` do; no reference: improved.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=3)
            mode = "auto"
        if not isinstance(monitor, str):
            raise TypeError(f"{type(self).__name__}: monitor must be the name of a logged value, got {monitor!r}")
        self.monitor, self.mode, self.best = monitor, mode, baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode in ("min", "max"):
            self.monitor_op = _less if self.mode == "min" else _greater
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = _less
            compiled = getattr(self.model, "compiled_metrics", None)
            for _, metric, _ in getattr(compiled, "built", None) or []:
                direction = metric_direction(metric) if metric.name == name else None
                if direction is not None:
                    self.monitor_op = _greater if direction == "up" else _less
            if self.monitor_op is None:
                raise ValueError(f"{type(self).__name__} callback received monitor={self.monitor}, but the "
                                 "direction of that metric is unknown (it is neither the loss nor a compiled "
                                 "metric of known direction). Pass mode='max' to monitor the highest value, "
                                 "or mode='min' for the lowest.")
        if self.monitor_op is _less:
            self.min_delta *= -1

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        return self.monitor_op(value - self.min_delta, reference)


class EarlyStopping(MonitorCallback):
    """Stop training when ``monitor`` has stopped improving (Keras 3's rules, epoch by epoch).

    From epoch ``start_from_epoch`` on, each epoch end adds 1 to ``wait``; an improvement on the best
    value (by more than ``min_delta``) records it and resets ``wait`` to 0, but only when it also
    improves on ``baseline`` (if given). Otherwise, once ``wait >= patience`` (and past epoch 0),
    training stops. ``restore_best_weights=True`` keeps the weights of the best epoch (the first
    monitored epoch's if none improved) and puts them back at the end of training, stopped or not.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = _check_count(patience, "patience", "EarlyStopping")
        self.start_from_epoch = _check_count(start_from_epoch, "start_from_epoch", "EarlyStopping")
        self.verbose, self.baseline, self.restore_best_weights = verbose, baseline, restore_best_weights
        self._start()

    def _start(self):
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.", flush=True)
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs)}", stacklevel=3)
        return value

    def get_state(self):
        return {"wait": self.wait, "stopped_epoch": self.stopped_epoch, "best": _json_number(self.best),
                "best_epoch": self.best_epoch,
                "best_weights": None if self.best_weights is None else _weights_to_json(self.best_weights)}

    def _load_state(self, state):
        self.wait, self.stopped_epoch = int(state["wait"]), int(state["stopped_epoch"])
        self.best, self.best_epoch = state["best"], int(state["best_epoch"])
        weights = state["best_weights"]
        self.best_weights = None if weights is None else _weights_from_json(weights)


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for ``patience`` epochs.

    At each epoch end it logs ``learning_rate`` (the rate used in that epoch), then: in cooldown, the
    counter goes down and ``wait`` is 0; an improvement by more than ``min_delta`` records the best
    value and resets ``wait``; otherwise (out of cooldown) ``wait`` grows and at ``patience`` the rate
    becomes max(lr·factor, min_lr) if lr > min_lr, which starts ``cooldown`` epochs of cooldown.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.factor, self.min_lr, self.verbose = factor, min_lr, verbose
        self.patience = _check_count(patience, "patience", "ReduceLROnPlateau")
        self.cooldown = _check_count(cooldown, "cooldown", "ReduceLROnPlateau")
        self._start()

    def _start(self):
        self.best, self.cooldown_counter, self.wait = None, 0, 0
        self._restored_lr = None

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs or {}  # as in Keras, an empty logs dict is not added to
        optimizer = _optimizer_of(self.model, "ReduceLROnPlateau")
        logs["learning_rate"] = get_learning_rate(optimizer)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs)}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce(optimizer, epoch):
                self.cooldown_counter, self.wait = self.cooldown, 0

    def _reduce(self, optimizer, epoch):
        old_lr = get_learning_rate(optimizer)
        if not np.float32(old_lr) > np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        set_learning_rate(optimizer, new_lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.", flush=True)
        return True

    def get_state(self):
        optimizer = getattr(self.model, "optimizer", None)
        lr = optimizer.learning_rate if optimizer is not None else self._restored_lr
        return {"best": _json_number(self.best), "wait": self.wait, "cooldown_counter": self.cooldown_counter,
                "learning_rate": None if lr is None or callable(lr) else float(lr)}

    def _load_state(self, state):
        self.best, self.wait = state["best"], int(state["wait"])
        self.cooldown_counter, self._restored_lr = int(state["cooldown_counter"]), state["learning_rate"]

    def _resume(self):
        if self._restored_lr is not None:
            set_learning_rate(_optimizer_of(self.model, "ReduceLROnPlateau"), self._restored_lr)


class LearningRateScheduler(ResumableCallback):
    """Set the learning rate at each epoch begin to ``schedule(epoch, lr)`` (``lr`` the current rate),
    or ``schedule(epoch)`` when the two-argument call raises a TypeError, as Keras tries them; the
    result must be a float (Python, NumPy float32 or float64). Each epoch end logs ``learning_rate``.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function of (epoch, lr) or (epoch), "
                            f"got {schedule!r}")
        self.schedule, self.verbose = schedule, verbose
        self._restored_lr = None

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = _optimizer_of(self.model, "LearningRateScheduler")
        try:
            learning_rate = self.schedule(epoch, get_learning_rate(optimizer))
        except TypeError:  # a schedule of the epoch alone
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate}")
        set_learning_rate(optimizer, learning_rate)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}.",
                  flush=True)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}  # as in Keras, an empty logs dict is not added to
        logs["learning_rate"] = get_learning_rate(_optimizer_of(self.model, "LearningRateScheduler"))

    def get_state(self):
        optimizer = getattr(self.model, "optimizer", None)
        lr = optimizer.learning_rate if optimizer is not None else self._restored_lr
        return {"learning_rate": None if lr is None or callable(lr) else float(lr)}

    def _load_state(self, state):
        self._restored_lr = state["learning_rate"]

    def _resume(self):
        if self._restored_lr is not None:
            set_learning_rate(_optimizer_of(self.model, "LearningRateScheduler"), self._restored_lr)


# --- files -----------------------------------------------------------------------------------

WEIGHTS_SUFFIXES = (".weights.h5", ".npz", ".ckpt")
MODEL_SUFFIXES = (".keras",)


def save_model_file(model, filepath):
    """Write ``model`` to ``filepath`` by its suffix, through the model's own methods: ``.keras``
    with ``model.save`` (the whole model), ``.weights.h5`` / ``.npz`` with ``model.save_weights``."""
    if filepath.endswith(MODEL_SUFFIXES):
        model.save(filepath)
    elif filepath.endswith(WEIGHTS_SUFFIXES):
        model.save_weights(filepath)
    else:
        raise ValueError(f"save_model_file: filepath must end in .keras, .weights.h5 or .npz, got {filepath!r}")


class ModelCheckpoint(MonitorCallback):
    """Save the model (or its weights) at each epoch end, or every ``save_freq`` training batches.

    ``filepath`` may hold fields formatted from the epoch (counted from 1), the batch (from 1, for
    batch saves) and the logs: ``"ckpt-{epoch:02d}-{val_accuracy:.3f}.keras"``. Its suffix says what
    is written (``save_model_file``): ``.keras`` the whole model, ``.weights.h5`` / ``.npz`` the
    weights, so ``save_weights_only=True`` needs one of the latter. ``save_best_only=True`` writes
    only when ``monitor`` improves on the best value so far (starting from
    ``initial_value_threshold``); without that value in the logs it warns and writes anyway.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.filepath = os.fspath(filepath)
        self.verbose, self.save_best_only, self.save_weights_only = verbose, save_best_only, save_weights_only
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, (int, np.integer))
                                     or save_freq <= 0):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' or "
                             "positive integer values (a number of batches)")
        self.save_freq = save_freq
        if save_weights_only and not self.filepath.endswith(WEIGHTS_SUFFIXES):
            raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided "
                             f"must end in `.weights.h5` or `.npz`. Received: filepath={self.filepath}")
        if not self.filepath.endswith(WEIGHTS_SUFFIXES + MODEL_SUFFIXES):
            raise ValueError("The filepath provided must end in `.keras` (the whole model), `.weights.h5` or "
                             f"`.npz` (the weights). Received: filepath={self.filepath}")
        self._batches_seen_since_last_saving, self._last_batch_seen, self._current_epoch = 0, None, 0

    def _start(self):
        pass  # as in Keras, the best value carries over from one fit to the next

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:  # a new epoch
            self._batches_seen_since_last_saving += batch + 1
        else:
            self._batches_seen_since_last_saving += batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}", flush=True)
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=4)
            return True
        if np.ndim(current) > 0:
            warnings.warn(f"Can save best model only when `monitor` is a scalar value. Received: {current}. "
                          "Falling back to `save_best_only=False`.", stacklevel=4)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                      f"saving model to {filepath}", flush=True)
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}", flush=True)
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        try:
            save_model_file(self.model, filepath)
        except IsADirectoryError as err:
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an "
                          f"existing directory: {filepath}") from err
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}", flush=True)

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as err:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {err}') from err

    def get_state(self):
        return {"best": _json_number(self.best), "batches_seen_since_last_saving": self._batches_seen_since_last_saving,
                "last_batch_seen": self._last_batch_seen}

    def _load_state(self, state):
        self.best = state["best"]
        self._batches_seen_since_last_saving = int(state["batches_seen_since_last_saving"])
        self._last_batch_seen = state["last_batch_seen"]


class CSVLogger(ResumableCallback):
    """Write one row per epoch to a CSV file: ``epoch`` (from 0) and the logs, in sorted column order
    fixed at the first epoch end (with ``val_`` columns added when the first epoch has none, as
    Keras does; a value missing later reads ``NA``). Each row is flushed as it is written, so a
    killed run keeps every finished epoch. ``append=True`` adds to an existing file (a header only
    if it is empty). ``get_state`` records the columns and where the last row ends: a run resumed
    with ``set_state`` drops any rows written after that point and goes on under the same header.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: separator must be a one-character string, got {separator!r}")
        self.sep, self.filename, self.append = separator, os.fspath(filename), append
        self.csv_file = self.writer = self.keys = None
        self.append_header, self._offset, self._truncate_to = True, None, None

    def _start(self):
        self.keys = None
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as stream:
                self.append_header = not stream.readline()
        else:
            self.append_header = True
        self._open(None if self.append else 0)

    def _resume(self):
        if self._offset is None:  # a state taken before any fit: nothing to go on from
            return self._start()
        size = os.path.getsize(self.filename) if os.path.exists(self.filename) else 0
        offset = min(self._offset, size)  # a file cut short (or gone) is continued, never padded
        self.append_header = offset == 0
        self._open(offset)

    def _open(self, truncate_to):
        """Open for appending; ``truncate_to`` (bytes) is applied just before the first row, so the
        file is never emptied before something replaces what it held."""
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, "a", newline="", encoding="utf-8")
        self.writer, self._truncate_to = None, truncate_to
        self._offset = truncate_to if truncate_to is not None else os.path.getsize(self.filename)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self._truncate_to is not None:
            self.csv_file.truncate(self._truncate_to)
            self.csv_file.seek(0, os.SEEK_END)
            self._truncate_to = None
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, delimiter=self.sep)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch, **{key: _csv_value(logs.get(key, "NA")) for key in self.keys}}
        self.writer.writerow(row)
        self.csv_file.flush()
        self._offset = os.path.getsize(self.filename)

    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None

    def get_state(self):
        return {"keys": None if self.keys is None else list(self.keys), "offset": self._offset}

    def _load_state(self, state):
        self.keys = None if state["keys"] is None else list(state["keys"])
        self._offset = state["offset"]

    def _resume_now(self):
        if self.csv_file is not None and not self.csv_file.closed:  # during a fit: reopen at once
            self._resume()


def _csv_value(value):
    """A log value as Keras' CSVLogger writes it: a list or array as "[a, b]", anything else as is."""
    if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value
    if isinstance(value, collections.abc.Iterable):
        return f'"[{", ".join(map(str, value))}]"'
    return value


# --- small ones --------------------------------------------------------------------------------


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite (``raise_error=True``: raise a
    RuntimeError there instead, so that no ``on_train_end`` runs)."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or not (np.isnan(loss) or np.isinf(loss)):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                               "Terminating training immediately.")
        print(f"Batch {batch}: Invalid loss, terminating training", flush=True)
        self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback made of functions: ``on_epoch_begin`` / ``on_epoch_end`` / ``on_train_batch_begin`` /
    ``on_train_batch_end`` are called as ``f(index, logs)``, ``on_train_begin`` / ``on_train_end`` as
    ``f(logs)``; any other hook may be given by name (``on_test_end=f``)."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        hooks = HOOKS + ("on_batch_begin", "on_batch_end")
        for hook, function in given.items():
            if hook not in hooks:
                raise TypeError(f"LambdaCallback: {hook!r} is not a callback hook; expected one of {', '.join(hooks)}")
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"LambdaCallback: {hook} must be a function, got {function!r}")
            setattr(self, hook, _with_logs(function, takes_index="batch" in hook or "epoch" in hook))


def _with_logs(function, takes_index):
    """``function`` called as Keras calls a LambdaCallback hook: ``(index, logs)`` or ``(logs)``, with
    ``{}`` for logs that the loop did not give."""
    if takes_index:
        return lambda index, logs=None: function(index, {} if logs is None else logs)
    return lambda logs=None: function({} if logs is None else logs)


from .resume import BackupAndRestore  # noqa: E402  (it builds on Callback and History, defined above)
