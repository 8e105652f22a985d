"""Callbacks: objects that ``fit`` / ``evaluate`` / ``predict`` call at fixed points, as in Keras.

A callback overrides any of Keras' hooks (``on_train_begin``, ``on_epoch_begin``,
``on_train_batch_end``, ``on_epoch_end``, ``on_test_begin``, ...), each given the step or epoch
number and a ``logs`` dict of the current values (``{"loss": ..., "accuracy": ...}``). ``model``
and ``params`` (``epochs``, ``steps``, ``verbose``) are set before training starts; a callback
stops training by setting ``self.model.stop_training = True``.
"""

from .progress import ProgressBar

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end")


class Callback:
    """The base: every hook does nothing."""

    def __init__(self):
        self.model, self.params = None, {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params


for _hook in HOOKS:
    setattr(Callback, _hook, lambda self, *args, **kwargs: None)


class CallbackList:
    """Several callbacks called as one, in order (``callbacks.on_epoch_end(epoch, logs)``)."""

    def __init__(self, callbacks, model, **params):
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be Callback objects, got {type(callback).__name__}")
            callback.set_model(model)
            callback.set_params(params)

    def __getattr__(self, hook):
        if hook not in HOOKS:
            raise AttributeError(hook)

        def call_each(*args, **kwargs):
            for callback in self.callbacks:
                getattr(callback, hook)(*args, **kwargs)
        return call_each


class History(Callback):
    """What ``fit`` returns: ``history[name]`` is the list of per-epoch values of each log entry."""

    def __init__(self):
        super().__init__()
        self.history, self.epoch = {}, []

    def on_train_begin(self, logs=None):
        self.epoch = []

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
