"""Bad input gets a clear error naming the argument, what was received and what was expected."""

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F

f32 = np.ones((2, 3), dtype=np.float32)
f64 = np.ones((2, 3), dtype=np.float64)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.add(mc.Tensor(f32), mc.Tensor(np.ones((4, 3), np.float32))), ValueError, r"\(2, 3\) and \(4, 3\)"),
    (lambda: F.multiply(mc.Tensor(f32), mc.Tensor(f64)), TypeError, "float32 and float64"),
    (lambda: F.matmul(mc.Tensor(f32), mc.Tensor(f32)), ValueError, r"inner dimensions.*\(2, 3\)"),
    (lambda: F.matmul(mc.Tensor(np.ones(3)), mc.Tensor(np.ones((3, 2)))), ValueError, "rank >= 2"),
    (lambda: F.reshape(f32, (4, 2)), ValueError, r"\(2, 3\).*\(4, 2\)"),
    (lambda: F.reduce_sum(f32, axis=2), ValueError, "axis=2 is out of range"),
    (lambda: F.transpose(f32, (0, 0)), ValueError, "not a permutation"),
    (lambda: F.concat([f32, np.ones((2, 4), np.float32)], axis=0), ValueError, r"values\[1\]"),
    (lambda: F.split(np.ones(5), 2), ValueError, "does not divide"),
    (lambda: F.pad(f32, [[1, 1]]), ValueError, "2 pairs"),
    (lambda: F.broadcast_to(f32, (3, 3)), ValueError, r"\(2, 3\).*\(3, 3\)"),
    (lambda: F.softmax_cross_entropy_with_logits(np.ones((2, 4)), np.ones((2, 3))), ValueError, "labels shape"),
    (lambda: F.sparse_softmax_cross_entropy_with_logits(np.array([0, 3]), f32), ValueError, r"label 3 .*\[0, 3\)"),
    (lambda: F.sparse_softmax_cross_entropy_with_logits(np.array([0.5, 1]), f32), TypeError, "integers"),
    (lambda: F.sparse_softmax_cross_entropy_with_logits(np.array([0, 1, 2]), f32), ValueError, r"\(3,\)"),
    (lambda: F.dropout(f32, 1.0), ValueError, r"rate must be in \[0, 1\)"),
    (lambda: F.dropout(f32, 0.5, noise_shape=(3, 1)), ValueError, "noise_shape"),
    (lambda: F.clip_by_value(f32, 1.0, 0.0), ValueError, "clip_value_min"),
    (lambda: F.repeat(f32, 1.5, axis=0), ValueError, "repeats must be a non-negative integer, got 1.5"),
    (lambda: F.repeat(f32, 2, axis=2), ValueError, "axis=2 is out of range"),
    (lambda: F.resize(f32, (4, 4)), ValueError, r"images must have rank 4 .* got shape \(2, 3\)"),
    (lambda: F.resize(np.ones((1, 2, 2, 1), np.int32), (4, 4)), TypeError, "images must be a float.*int32"),
    (lambda: F.resize(np.ones((1, 2, 2, 1)), (0, 3)), ValueError, r"size must be two positive .* \(0, 3\)"),
    (lambda: F.resize(np.ones((1, 2, 2, 1)), 4), ValueError, "size must be two positive integers"),
    (lambda: F.resize(np.ones((1, 2, 2, 1)), (4, 4), method="bicubic"), ValueError, "method must be one of .*bicubic"),
    (lambda: mc.set_device("tpu"), ValueError, "device must be one of"),
    (lambda: mc.grad(mc.Tensor(f32, requires_grad=True).sum(), [f32]), TypeError, r"inputs\[0\] must be a Tensor"),
])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_backward_on_a_tensor_without_grad_says_so():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mc.Tensor(f32).sum().backward()


def test_layer_errors():
    with pytest.raises(ValueError, match="units must be a positive integer"):
        mc.layers.Dense(0)
    dense = mc.layers.Dense(4)
    dense(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"\(\.\.\., 3\).*\(2, 5\)"):
        dense(np.ones((2, 5), np.float32))
    with pytest.raises(ValueError, match="unknown activation"):
        mc.layers.Dense(3, activation="relu7")
    with pytest.raises(ValueError, match="unknown initializer"):
        mc.layers.Dense(3, kernel_initializer="nonsense")(np.ones((1, 2), np.float32))


def test_model_errors():
    model = mc.Sequential([mc.layers.Dense(2)])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.ones((4, 3), np.float32), np.zeros(4, int))
    with pytest.raises(ValueError, match="not built"):
        model.summary()
    with pytest.raises(TypeError, match="expected a Layer"):
        model.add("dense")
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="x has 4 samples but y has 3"):
        model.fit(np.ones((4, 3), np.float32), np.zeros(3, int), verbose=0)
    with pytest.raises(ValueError, match="unknown optimizer"):
        model.compile("adamw2", "mse")
