"""Training runs from the command line (``minicnn train``, ``evaluate``, ``summary``): a zoo model by
name, a dataset by name, and everything a run leaves in its output folder.

``train`` writes into ``out``: ``backup/`` (kill-safe: run it again and it continues), ``best.npz``
(the weights of the best validation accuracy), ``final.npz``, ``log.csv`` (one row per epoch),
``curves.png`` and ``summary.json`` (model, dataset, epochs, wall time, test accuracy and loss as
fractions, best validation accuracy).
"""

import json
import os
import time

import numpy as np

from . import backend, callbacks as callbacks_module, data, losses, models, optimizers
from .checkpoint import _write_atomically
from .resume import BackupAndRestore

DATASETS = {
    "digits": lambda data_dir: data.load_digits(),
    "mnist": lambda data_dir: data.load_mnist(data_dir=data_dir),
    "fashion_mnist": lambda data_dir: data.load_fashion_mnist(data_dir=data_dir),
    "cifar10": lambda data_dir: data.load_cifar10(data_dir=data_dir),
    "cifar100": lambda data_dir: data.load_cifar100(data_dir=data_dir),
}

MODELS = {  # name -> builder(input_shape, num_classes, depth)
    "lenet5": lambda shape, classes, depth: models.lenet5(shape, classes),
    "cnn_mnist": lambda shape, classes, depth: models.cnn_mnist(shape, classes),
    "y_network": lambda shape, classes, depth: models.y_network(shape, classes),
    "alexnet8": lambda shape, classes, depth: models.alexnet8(shape, classes),
    "vgg13": lambda shape, classes, depth: models.vgg13(shape, classes),
    "vgg16": lambda shape, classes, depth: models.vgg16(shape, classes),
    "inception10": lambda shape, classes, depth: models.inception10(shape, classes),
    "resnet_v1": lambda shape, classes, depth: models.resnet_v1(shape, depth or 20, classes),
    "resnet_v2": lambda shape, classes, depth: models.resnet_v2(shape, depth or 29, classes),
    "resnet18": lambda shape, classes, depth: models.resnet18(shape, classes),
    "resnet34": lambda shape, classes, depth: models.resnet34(shape, classes),
    "resnet50": lambda shape, classes, depth: models.resnet50(shape, classes),
    "resnet101": lambda shape, classes, depth: models.resnet101(shape, classes),
    "densenet_bc": lambda shape, classes, depth: models.densenet_bc(shape, depth or 40, num_classes=classes),
}


def load_dataset(name, data_dir=None):
    """((x_train, y_train), (x_test, y_test)) as float32 NHWC images in [0, 1] and int64 labels."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(DATASETS)}")
    splits = DATASETS[name](data_dir)
    prepared = []
    for x, y in splits:
        x = np.asarray(x)
        x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
        prepared.append((x[..., None] if x.ndim == 3 else x, np.asarray(y).reshape(len(y)).astype(np.int64)))
    return tuple(prepared)


def build_model(name, input_shape, num_classes, depth=None):
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(MODELS)}")
    return MODELS[name](tuple(input_shape), num_classes, depth)


def model_inputs(model, x):
    """The data as the model takes it: the same images on every input (the Y-network has two)."""
    count = len(model.inputs) if getattr(model, "_graph", None) else 1
    return x if count == 1 else [x] * count


def outputs_logits(model, x):
    """Whether the model ends without a softmax: its output then carries no logits behind it."""
    return getattr(model(model_inputs(model, x[:1])), "_logits", None) is None


def learning_rate_schedule(name, learning_rate, epochs):
    """None, or a function epoch -> learning rate for LearningRateScheduler."""
    if name in (None, "none", "constant"):
        return None
    if name == "step":  # ×0.1 at half and at three quarters of the run
        return lambda epoch: learning_rate * 0.1 ** ((epoch >= epochs // 2) + (epoch >= 3 * epochs // 4))
    if name == "cosine":
        return lambda epoch: learning_rate * 0.5 * (1 + np.cos(np.pi * epoch / epochs))
    if name == "resnet":  # seed 000's lr_schedule: ×0.1 at 80/120/160 of 200 epochs, ×0.5 at 180, scaled to the run
        marks = [int(epochs * f) for f in (0.4, 0.6, 0.8, 0.9)]
        factors = [1e-1, 1e-2, 1e-3, 0.5e-3]
        return lambda epoch: learning_rate * next((f for m, f in reversed(list(zip(marks, factors))) if epoch > m), 1.0)
    raise ValueError(f"unknown schedule {name!r}; expected none, step, cosine or resnet")


def train(model_name, dataset, out, data_dir=None, epochs=5, batch_size=64, optimizer="adam", learning_rate=1e-3,
          schedule=None, augment=(), validation_split=0.1, seed=0, device="cpu", depth=None, verbose=1,
          limit=None, resume=False):
    """Train a zoo model on a dataset and write the run's files into ``out``; returns the summary dict.
    With ``resume`` an interrupted run in ``out`` continues from its last backup (without it, finding
    one is an error rather than a silent restart or a silent continuation)."""
    backup = os.path.join(out, "backup", "backup.npz")
    if os.path.exists(backup) and not resume:
        raise ValueError(f"{out} holds an interrupted run ({backup}); pass --resume to continue it, or choose "
                         "another --out")
    if resume and not os.path.exists(backup):
        raise ValueError(f"--resume: {out} holds no interrupted run to continue ({backup} is absent)")
    backend.set_device(device)
    backend.set_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_dataset(dataset, data_dir)
    if limit:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[:limit], y_test[:limit]
    classes = int(max(y_train.max(), y_test.max())) + 1
    model = build_model(model_name, x_train.shape[1:], classes, depth)
    loss = losses.SparseCategoricalCrossentropy(from_logits=outputs_logits(model, x_train))
    model.compile(optimizers.get(optimizer) if learning_rate is None else
                  optimizers.OPTIMIZERS[optimizer](learning_rate=learning_rate), loss, metrics=["accuracy"])
    os.makedirs(out, exist_ok=True)
    split = int(len(x_train) * (1 - validation_split))
    train_data = data.DataLoader(model_inputs(model, x_train[:split]), y_train[:split], batch_size=batch_size,
                                 shuffle=True, seed=seed, transform=augmentation(augment, x_train.shape[1:3]))
    validation = (model_inputs(model, x_train[split:]), y_train[split:]) if split < len(x_train) else None
    run_callbacks = [BackupAndRestore(os.path.join(out, "backup")),
                     callbacks_module.CSVLogger(os.path.join(out, "log.csv"), append=True),
                     callbacks_module.ModelCheckpoint(os.path.join(out, "best.npz"), save_best_only=True,
                                                      save_weights_only=True,
                                                      monitor="val_accuracy" if validation else "accuracy")]
    rates = learning_rate_schedule(schedule, learning_rate or 1e-3, epochs)
    if rates is not None:
        run_callbacks.append(callbacks_module.LearningRateScheduler(rates))
    start = time.perf_counter()
    history = model.fit(train_data, epochs=epochs, validation_data=validation, callbacks=run_callbacks,
                        verbose=verbose)
    seconds = time.perf_counter() - start
    model.save_weights(os.path.join(out, "final.npz"))
    test_loss, test_accuracy = model.evaluate(model_inputs(model, x_test), y_test, batch_size=256, verbose=0)
    summary = {"model": model_name, "dataset": dataset, "epochs": epochs, "batch_size": batch_size,
               "optimizer": optimizer, "learning_rate": learning_rate, "seed": seed, "parameters": model.count_params(),
               "train_samples": split, "wall_seconds": round(seconds, 1), "test_accuracy": float(test_accuracy),
               "test_loss": float(test_loss),
               "best_val_accuracy": max(history.history.get("val_accuracy", [float("nan")]))}
    _write_atomically(os.path.join(out, "summary.json"),
                      lambda stream: stream.write(json.dumps(summary, indent=2).encode()))
    from .curves import plot_history
    plot_history(os.path.join(out, "log.csv"), os.path.join(out, "curves.png"))
    return summary


def augmentation(names, image_size):
    """The transforms named in ``names`` ("flip", "crop": pad 4 and crop back, as for CIFAR; "shift"),
    composed; None for none."""
    from .data import augment
    known = {"flip": lambda: augment.RandomFlip("horizontal"),
             "crop": lambda: augment.RandomCrop(tuple(image_size), padding=4),
             "shift": lambda: augment.RandomShift(width=0.1, height=0.1)}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown augmentation {unknown}; expected some of {sorted(known)}")
    return augment.Compose([known[n]() for n in names]) if names else None


def evaluate(model_name, dataset, weights, data_dir=None, depth=None, batch_size=256):
    """Test loss and accuracy of a zoo model with the weights in ``weights`` (a .npz of save_weights)."""
    (x_train, y_train), (x_test, y_test) = load_dataset(dataset, data_dir)
    classes = int(max(y_train.max(), y_test.max())) + 1
    model = build_model(model_name, x_test.shape[1:], classes, depth)
    model.load_weights(weights)
    model.compile("sgd", losses.SparseCategoricalCrossentropy(from_logits=outputs_logits(model, x_test)),
                  metrics=["accuracy"])
    loss, accuracy = model.evaluate(model_inputs(model, x_test), y_test, batch_size=batch_size, verbose=0)
    return {"test_loss": float(loss), "test_accuracy": float(accuracy)}
