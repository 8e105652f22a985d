"""``keras.callbacks``: Keras' training callbacks."""

from ..callbacks import (
    BackupAndRestore, Callback, CallbackList, CSVLogger, EarlyStopping, History, LambdaCallback,
    LearningRateScheduler, ModelCheckpoint, ProgbarLogger, ReduceLROnPlateau, TerminateOnNaN,
)
from ._subset import missing

__getattr__ = missing("keras.callbacks")
