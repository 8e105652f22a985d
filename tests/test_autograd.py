"""The autograd core: graph building, topological backward, accumulation, grad(), no_grad, freeing."""

import gc
import weakref

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F


def leaf(shape, rng, dtype=np.float64):
    return mc.Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


def test_diamond_graph_sums_both_paths(rng):
    # y = a*b + a*c with b = 2a, c = a²: dy/da = 4a + 3a² summed over both uses of a
    a = leaf((5,), rng)
    b, c = a * 2.0, a * a
    y = (a * b + a * c).sum()
    y.backward()
    x = a.numpy()
    np.testing.assert_allclose(a.grad, 4 * x + 3 * x**2, rtol=1e-12)


def test_tensor_used_many_times_in_deep_chain(rng):
    # a residual-style chain: h_{k+1} = h_k + tanh(h_k); compare with the product of Jacobians
    x0 = rng.standard_normal(4)
    x = mc.Tensor(x0, requires_grad=True)
    h = x
    for _ in range(50):
        h = h + F.tanh(h)
    h.sum().backward()
    v, jac = x0.copy(), np.ones(4)
    for _ in range(50):
        jac *= 1 + (1 - np.tanh(v) ** 2)
        v = v + np.tanh(v)
    np.testing.assert_allclose(x.grad, jac, rtol=1e-10)


def test_backward_is_topological_not_depth_first(rng):
    # a feeds a long branch and a short branch into one output: a's creator must run once, last
    calls = []

    class Tag(mc.Function):
        def __init__(self, name):
            self.name = name

        def forward(self, x):
            return x * 1.0

        def backward(self, gy):
            calls.append(self.name)
            return gy

    x = leaf((3,), rng)
    a = Tag("a")(x)
    long = Tag("l2")(Tag("l1")(a))
    (long + a).sum().backward()
    assert calls.count("a") == 1 and calls[-1] == "a"
    np.testing.assert_allclose(x.grad, 2 * np.ones(3))


@pytest.mark.parametrize("shape_a, shape_b", [
    ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((3, 4), ()), ((1,), (2, 3)), ((5, 1), (1, 6)),
])
def test_broadcast_gradients_sum_to_operand_shape(shape_a, shape_b, rng):
    a, b = leaf(shape_a, rng), leaf(shape_b, rng)
    g = rng.standard_normal(np.broadcast_shapes(shape_a, shape_b))
    (a * b).backward(g)
    full_a = np.broadcast_to(a.numpy(), g.shape)
    full_b = np.broadcast_to(b.numpy(), g.shape)

    def reduce_to(x, shape):  # sum over the axes broadcasting added or stretched, written out
        while x.ndim > len(shape):
            x = x.sum(0)
        return x.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True).reshape(shape)

    np.testing.assert_allclose(a.grad, reduce_to(g * full_b, shape_a), rtol=1e-12)
    np.testing.assert_allclose(b.grad, reduce_to(g * full_a, shape_b), rtol=1e-12)


def test_grad_returns_gradients_without_touching_dot_grad(rng):
    w, x = leaf((3, 2), rng), leaf((4, 3), rng)
    loss = ((x @ w) ** 2.0).sum()
    gw, gx = mc.grad(loss, [w, x])
    np.testing.assert_allclose(gw, 2 * x.numpy().T @ (x.numpy() @ w.numpy()), rtol=1e-12)
    np.testing.assert_allclose(gx, 2 * (x.numpy() @ w.numpy()) @ w.numpy().T, rtol=1e-12)
    assert w.grad is None and x.grad is None


def test_grad_of_unconnected_tensor_is_none_like_tape_gradient(rng):
    a, b = leaf((3,), rng), leaf((3,), rng)
    assert mc.grad((a * 2.0).sum(), [a, b])[1] is None


def test_grad_with_respect_to_an_intermediate_tensor(rng):
    x = leaf((3,), rng)
    h = F.exp(x)
    y = (h * h).sum()
    np.testing.assert_allclose(mc.grad(y, h), 2 * np.exp(x.numpy()), rtol=1e-12)


def test_leaf_gradients_accumulate_across_backward_calls(rng):
    x = leaf((3,), rng)
    (x * 3.0).sum().backward()
    (x * 4.0).sum().backward()
    np.testing.assert_allclose(x.grad, 7 * np.ones(3))


def test_backward_twice_with_retain_graph_accumulates_identically(rng):
    x = leaf((4,), rng)
    y = F.sigmoid(x).sum()
    y.backward(retain_graph=True)
    first = x.grad.copy()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * first, rtol=1e-12)


def test_second_backward_without_retain_graph_raises(rng):
    x = leaf((4,), rng)
    y = F.sigmoid(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_graph_is_freed_after_backward(rng):
    x = leaf((1000,), rng)
    h = F.exp(x)
    saved = weakref.ref(h.creator)
    y = (h * h).sum()
    y.backward()
    creator = saved()
    assert creator is None or not hasattr(creator, "y"), "saved arrays survive backward"
    del h, y, creator
    gc.collect()


def test_non_scalar_backward_without_gradient_raises(rng):
    y = leaf((2, 3), rng) * 2.0
    with pytest.raises(RuntimeError, match=r"one element.*\(2, 3\)"):
        y.backward()


def test_backward_gradient_of_wrong_shape_raises(rng):
    y = leaf((2, 3), rng) * 2.0
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        y.backward(np.ones((3, 2)))


def test_no_grad_records_nothing(rng):
    x = leaf((3,), rng)
    with mc.no_grad():
        y = x * 2.0
    assert not y.requires_grad and y.creator is None
    assert mc.is_grad_enabled()


def test_custom_function_with_two_inputs_and_two_outputs(rng):
    class SumAndProduct(mc.Function):
        def forward(self, a, b):
            self.a, self.b = a, b
            return a + b, a * b

        def backward(self, g_sum, g_product):
            return g_sum + g_product * self.b, g_sum + g_product * self.a

    a, b = leaf((3,), rng), leaf((3,), rng)
    s, p = SumAndProduct()(a, b)
    (s * 2.0 + p * 3.0).sum().backward()
    np.testing.assert_allclose(a.grad, 2 + 3 * b.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad, 2 + 3 * a.numpy(), rtol=1e-12)


def test_unused_output_of_a_multi_output_function_gets_zero_gradient(rng):
    x = leaf((6,), rng)
    first, _ = F.split(x, 2)
    (first * 5.0).sum().backward()
    np.testing.assert_allclose(x.grad, [5, 5, 5, 0, 0, 0])


def test_backward_returning_wrong_number_of_gradients_is_reported(rng):
    class Broken(mc.Function):
        def forward(self, a, b):
            return a + b

        def backward(self, gy):
            return gy

    y = Broken()(leaf((2,), rng), leaf((2,), rng))
    with pytest.raises(RuntimeError, match="returned 1 gradients for 2 inputs"):
        y.sum().backward()


def test_retain_grad_keeps_an_intermediate_gradient(rng):
    x = leaf((3,), rng)
    h = (x * 2.0).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad, 2 * h.numpy())


def test_python_scalars_take_the_tensor_dtype():
    x = mc.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    for y in (x * 2.5, 2.5 * x, x / 3, 1 - x, x ** 2, np.float64(2.0) * x):
        assert y.dtype == np.float32


def test_numpy_array_on_the_left_defers_to_the_tensor(rng):
    x = leaf((3,), rng)
    y = np.ones(3) * x
    assert isinstance(y, mc.Tensor) and y.requires_grad


def test_tensor_attributes_and_indexing(rng):
    data = rng.standard_normal((2, 3))
    t = mc.Tensor(data, requires_grad=True, name="t")
    assert t.shape == (2, 3) and t.ndim == 2 and t.dtype == np.float64 and t.name == "t" and len(t) == 2
    assert isinstance(t.numpy(), np.ndarray)
    t[1, ::2].sum().backward()
    np.testing.assert_array_equal(t.grad, [[0, 0, 0], [1, 0, 1]])


def test_fancy_index_with_repeats_accumulates(rng):
    t = leaf((4,), rng)
    t[np.array([0, 2, 0, 0])].sum().backward()
    np.testing.assert_array_equal(t.grad, [3, 0, 1, 0])


def test_default_dtype_is_float32_and_float64_on_request():
    assert mc.Tensor([1.0, 2.0]).dtype == np.float32
    assert mc.Tensor(np.array([1.0])).dtype == np.float64  # arrays keep their dtype
    mc.set_default_dtype("float64")
    try:
        assert mc.Tensor([1.0]).dtype == np.float64
    finally:
        mc.set_default_dtype("float32")
    with pytest.raises(ValueError, match="float32 or float64"):
        mc.set_default_dtype("int32")


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="int64"):
        mc.Tensor(np.arange(3), requires_grad=True)


def test_to_numpy_accepts_tensors_arrays_and_lists():
    np.testing.assert_array_equal(mc.to_numpy(mc.Tensor([1.0, 2.0])), [1, 2])
    np.testing.assert_array_equal(mc.to_numpy(np.arange(3)), [0, 1, 2])
    np.testing.assert_array_equal(mc.to_numpy([[1, 2]]), [[1, 2]])


# --- in-place writes, copies and views (issue 14, items 5, 8, 14) ------------------------------

def test_a_weight_written_in_place_after_the_forward_pass_refuses_backward():
    """TensorFlow's tape keeps the old value; minicnn's Functions keep references, so it detects the
    write (a version count, as PyTorch) and says what happened instead of using the new value."""
    w = mc.Tensor(np.array([1.0, 2.0]), requires_grad=True, name="w")
    loss = (w * w).sum()
    w.assign(10 * w.numpy())
    with pytest.raises(RuntimeError, match=r"input .*\(w, shape \(2,\)\) was modified in place"):
        loss.backward()


def test_an_optimizer_step_between_forward_and_a_retained_backward_is_detected():
    w = mc.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * w).sum()
    (g,) = mc.grad(loss, [w], retain_graph=True)
    mc.optimizers.SGD(0.1).apply_gradients([(g, w)])
    with pytest.raises(RuntimeError, match="modified in place"):
        mc.grad(loss, [w])
    np.testing.assert_allclose(mc.grad((w * w).sum(), [w])[0], 2 * w.numpy())  # a new forward pass is fine


def test_numpy_returns_a_copy_as_keras_does(tf):
    ours, theirs = mc.layers.Dense(2), tf.keras.layers.Dense(2)
    ours(np.ones((1, 3), np.float32)), theirs(np.ones((1, 3), np.float32))
    for layer in (ours, theirs):
        kernel = layer.kernel.numpy()
        kernel[...] = 0
        assert np.abs(layer.kernel.numpy()).sum() > 0, f"{type(layer)}: numpy() gave a live view"


def test_detach_shares_data_and_its_writes_are_seen():
    """detach() is a view cut from the graph (no copy): a write through it changes the original, and a
    graph that used the original refuses backward, as the write is seen there too."""
    w = mc.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * 3.0).sum() * w.sum()
    view = w.detach()
    view.assign([5.0, 6.0])
    np.testing.assert_array_equal(w.numpy(), [5.0, 6.0])
    assert not view.requires_grad
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_indexing_with_a_tuple_inside_sums_repeated_positions_as_tf_gather(tf):
    x = np.arange(12, dtype=np.float64).reshape(3, 4)
    g = np.random.default_rng(0).standard_normal((3, 3))
    t = mc.Tensor(x, requires_grad=True)
    (ours,) = mc.grad(t[:, (0, 0, 2)], [t], output_gradient=g)
    tx = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        y = tf.gather(tx, [0, 0, 2], axis=1)
    np.testing.assert_allclose(mc.to_numpy(ours), tf.convert_to_tensor(tape.gradient(y, tx, g)).numpy())


def test_comparisons_are_elementwise_and_truth_is_for_one_element(tf):
    a, b = mc.Tensor(np.array([1.0, 2.0])), mc.Tensor(np.array([1.0, 3.0]))
    np.testing.assert_array_equal((a == b).numpy(), tf.equal([1.0, 2.0], [1.0, 3.0]).numpy())
    np.testing.assert_array_equal((a != b).numpy(), [False, True])
    assert bool(a[0] == b[0]) and {a: 1}[a] == 1  # still usable as a dict key (by identity)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(a == b)
