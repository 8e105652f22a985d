"""``minicnn demo``: train a small network on scikit-learn's handwritten digits and report accuracy."""

import time

from . import backend, data, layers, losses, optimizers
from .model import Sequential


def build_demo_model(input_shape=(8, 8, 1), classes=10):
    """A small CNN: two 3x3 convolutions (the second with stride 2), dropout, a 64-unit dense layer; logits out."""
    return Sequential([
        layers.Conv2D(16, 3, padding="same", activation="relu", input_shape=input_shape),
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(64, activation="relu"),
        layers.Dense(classes),
    ], name="digits_cnn")


def run_demo(epochs=30, batch_size=32, learning_rate=1e-3, seed=0, verbose=1, print_fn=print):
    """Train on 75% of the digits, evaluate on the held-out 25%; returns the results dict."""
    backend.set_seed(seed)
    (x_train, y_train), (x_test, y_test) = data.load_digits(seed=seed)
    model = build_demo_model(x_train.shape[1:])
    model.compile(optimizers.Adam(learning_rate), losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    if verbose:
        print_fn(f"digits: {len(x_train)} training and {len(x_test)} test images of 8x8")
        model.summary(print_fn=print_fn)
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose)
    seconds = time.perf_counter() - start
    results = model.evaluate(x_test, y_test, batch_size=256, verbose=0, return_dict=True)
    results["train_seconds"] = seconds
    if verbose:
        print_fn(f"test accuracy: {results['accuracy']:.4f}  test loss: {results['loss']:.4f}  "
                 f"(trained {epochs} epochs in {seconds:.1f}s)")
    return results
