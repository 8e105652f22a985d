"""The autograd core: ``Tensor``, ``Function``, topological backward, ``grad`` and ``no_grad``.

A ``Function`` computes on raw arrays (NumPy or CuPy). Applying it to Tensors records it as the
``creator`` of its outputs, so the Tensors and Functions form a graph. ``backward`` visits that
graph in reverse topological order: a Function runs its ``backward`` only after every consumer
of its outputs has contributed, so a tensor used many times receives the sum of its gradients.
"""

import contextlib
import weakref


from . import backend

_grad_enabled = [True]


@contextlib.contextmanager
def no_grad():
    """Inside this block no graph is recorded (inference, optimizer updates)."""
    previous = _grad_enabled[0]
    _grad_enabled[0] = False
    try:
        yield
    finally:
        _grad_enabled[0] = previous


def is_grad_enabled():
    return _grad_enabled[0]


def _math():
    from .ops import math  # the operators live one layer up; imported on first use
    return math


class TensorShape(tuple):
    """A tensor's shape: a tuple of ints that also speaks TensorFlow's ``TensorShape``:
    ``as_list()``, ``rank``, slices that stay shapes (``t.shape[1:].as_list()``) and equality
    with a list (``t.shape == [2, 3]``)."""

    def as_list(self):
        return list(self)

    @property
    def rank(self):
        return len(self)

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return TensorShape(item) if isinstance(key, slice) else item

    def __eq__(self, other):
        return tuple.__eq__(self, tuple(other) if isinstance(other, list) else other)

    def __ne__(self, other):
        return tuple.__ne__(self, tuple(other) if isinstance(other, list) else other)

    __hash__ = tuple.__hash__


class Tensor:
    """An array plus what autograd needs: ``grad``, ``requires_grad`` and the ``creator`` Function.

    ``data`` is a NumPy or CuPy array. Python floats become the default dtype (float32);
    arrays keep their dtype. Only float tensors can require gradients. ``device`` ('cpu' or 'gpu')
    says where the data goes; by default a GPU array stays on the GPU and anything else goes to
    the current device (``mc.set_device``).
    """

    is_minicnn_tensor = True
    __array_priority__ = 1000  # ndarray (op) Tensor defers to the Tensor's reflected operator

    def __init__(self, data, requires_grad=False, name=None, dtype=None, device=None):
        if isinstance(data, Tensor):
            data = data.data
        self.data = backend.as_array(data, dtype=dtype, device=device)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"requires_grad=True needs a float tensor, got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.grad = None
        self.creator = None
        self.trainable = True
        self._retain_grad = False
        self._version = [0]  # bumped by every in-place write; shared with detach()ed views
        self._logits = None  # for a softmax/sigmoid output: its input (the crossentropy losses use it, as Keras 3)

    # --- array-like attributes -------------------------------------------------------------
    shape = property(lambda self: TensorShape(self.data.shape))
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: int(self.data.size))
    device = property(lambda self: backend.device_of(self.data))
    is_leaf = property(lambda self: self.creator is None)

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        body = str(backend.to_numpy(self.data)).replace("\n", "\n       ")
        extra = ", requires_grad=True" if self.requires_grad else ""
        name = f", name={self.name!r}" if self.name else ""
        return f"Tensor({body}, dtype={self.dtype}{extra}{name})"

    def numpy(self):
        """A NumPy copy of the data (as Keras' ``Variable.numpy()``: writing to it changes nothing here)."""
        return self.data.get() if backend.is_cupy_array(self.data) else self.data.copy()

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)``: the values of a CPU tensor as a read-only view (a copy with
        ``copy=True``). A GPU tensor refuses, as CuPy arrays do: use ``t.numpy()``."""
        if backend.is_cupy_array(self.data):
            raise TypeError("Implicit conversion of a GPU tensor to a NumPy array is not allowed; use t.numpy()")
        view = self.data.view()
        view.flags.writeable = False
        values = view if dtype is None else view.astype(dtype, copy=False)
        return values.copy() if copy else values

    def item(self):
        return self.numpy().item()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        """A 0-d integer tensor as an index (``range(t)``, ``values[t]``), as TensorFlow's."""
        if self.ndim != 0 or self.dtype.kind not in "iu":
            raise TypeError(f"only a 0-d integer tensor can be used as an index, got shape {self.shape} "
                            f"and dtype {self.dtype}")
        return int(self.item())

    def to(self, device):
        """A copy on 'cpu' or 'gpu' that is a new leaf with the same requires_grad."""
        return Tensor(backend.to_device(self.data, device), requires_grad=self.requires_grad, name=self.name,
                      device=device)

    def detach(self):
        """The same data (not a copy) cut from the graph. Writing to either (``assign``) changes both,
        and a graph that saved the original then refuses to run backward, as the write is seen."""
        detached = Tensor(self.data, name=self.name, device=self.device)
        detached._version = self._version
        return detached

    def assign(self, value):
        """Overwrite the data in place (same shape), like ``tf.Variable.assign``."""
        value = backend.as_array(backend.unwrap(value), dtype=self.dtype, device=self.device)
        if value.shape != self.data.shape:
            raise ValueError(f"assign to {self.name or 'tensor'}: shape {value.shape} != {self.data.shape}")
        self.data[...] = value
        self.bump_version()
        return self

    def bump_version(self):
        """Record an in-place write to ``data`` (``assign`` and the optimizers call it), so that a
        backward pass through a graph built before the write refuses to use the new values."""
        self._version[0] += 1

    def retain_grad(self):
        """Keep ``grad`` on this non-leaf tensor after backward (leaves always keep theirs)."""
        self._retain_grad = True
        return self

    def zero_grad(self):
        self.grad = None

    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        ``grad`` is the upstream gradient (same shape as self); it may be omitted only for a
        tensor with one element. The graph is freed afterwards unless ``retain_graph``.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad (no input required grad)")
        grads = backpropagate([self], [grad], retain_graph=retain_graph)
        for tensor, g in grads.values():
            if tensor.is_leaf or tensor._retain_grad:
                tensor.grad = g if tensor.grad is None else tensor.grad + g

    # --- operators (implemented in minicnn.ops.math) --------------------------------------
    def __add__(self, other): return _math().add(self, other)
    def __radd__(self, other): return _math().add(other, self)
    def __sub__(self, other): return _math().sub(self, other)
    def __rsub__(self, other): return _math().sub(other, self)
    def __mul__(self, other): return _math().mul(self, other)
    def __rmul__(self, other): return _math().mul(other, self)
    def __truediv__(self, other): return _math().div(self, other)
    def __rtruediv__(self, other): return _math().div(other, self)
    def __pow__(self, other): return _math().pow(self, other)
    def __rpow__(self, other): return _math().pow(other, self)
    def __matmul__(self, other): return _math().matmul(self, other)
    def __rmatmul__(self, other): return _math().matmul(other, self)
    def __neg__(self): return _math().neg(self)
    def __abs__(self): return _math().abs(self)
    def __getitem__(self, index): return _math().getitem(self, index)

    # comparisons are elementwise (bool tensors, no gradient), as in TensorFlow
    def __eq__(self, other): return _math().equal(self, other)
    def __ne__(self, other): return _math().not_equal(self, other)
    def __lt__(self, other): return _math().less(self, other)
    def __le__(self, other): return _math().less_equal(self, other)
    def __gt__(self, other): return _math().greater(self, other)
    def __ge__(self, other): return _math().greater_equal(self, other)
    __hash__ = object.__hash__  # identity, so that tensors can still key a dict

    def __bool__(self):
        """The truth of a one-element tensor; ambiguous (an error) for more, as NumPy and TensorFlow."""
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor with {self.size} elements is ambiguous; "
                             "use (t == u).numpy().all() or .any()")
        return bool(self.item())

    @property
    def T(self):
        return _math().transpose(self)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _math().reshape(self, shape)

    def transpose(self, *perm):
        perm = perm[0] if len(perm) == 1 and isinstance(perm[0], (tuple, list)) else perm
        return _math().transpose(self, perm or None)

    def sum(self, axis=None, keepdims=False): return _math().reduce_sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return _math().reduce_mean(self, axis, keepdims)
    def max(self, axis=None, keepdims=False): return _math().reduce_max(self, axis, keepdims)
    def min(self, axis=None, keepdims=False): return _math().reduce_min(self, axis, keepdims)


def as_tensor(x, like=None):
    """A Tensor as is; anything else becomes a constant Tensor.

    With ``like`` (a Tensor), the constant takes its dtype and device as a Python number does in
    TensorFlow: ``t * 2`` keeps ``t``'s dtype, for a float tensor and (with a whole number) for an
    integer one, so ``tf.range(25) + 1`` stays int32.
    """
    if isinstance(x, Tensor):
        return x
    if like is None:
        return Tensor(x)
    if like.dtype.kind == "f" or (like.dtype.kind in "iu" and _is_whole_python_number(x)):
        return Tensor(x, dtype=like.dtype, device=like.device)
    return Tensor(x)


def _is_whole_python_number(x):
    return isinstance(x, int) and not isinstance(x, bool)


class Edge:
    """What a Function remembers of one of its inputs: enough to send it its gradient, not its values.

    A leaf (a weight, an input that requires grad) is kept itself, since its ``.grad`` is set. A
    computed tensor is known only by its creator and output index, so its array is freed as soon
    as nothing else holds it: the graph keeps alive just what each Function saved for its backward.
    """

    __slots__ = ("leaf", "creator", "index", "shape", "requires_grad", "version", "seen_version", "name")

    def __init__(self, tensor):
        self.leaf = tensor if tensor.creator is None else None
        self.creator, self.index = tensor.creator, getattr(tensor, "_index", 0)
        self.shape, self.requires_grad, self.name = tensor.shape, tensor.requires_grad, tensor.name
        self.version, self.seen_version = tensor._version, tensor._version[0]

    @property
    def key(self):
        """Where this input's gradient accumulates during backpropagation."""
        return key_of(self.leaf) if self.leaf is not None else (id(self.creator), self.index)


def key_of(tensor):
    """The accumulation key of a tensor: itself for a leaf, its creator's output slot otherwise."""
    return ("leaf", id(tensor)) if tensor.creator is None else (id(tensor.creator), getattr(tensor, "_index", 0))


class Function:
    """Base class of every differentiable operation.

    Subclasses implement ``forward(*arrays)`` and ``backward(*output_grads)`` on raw arrays:
    ``forward`` returns one array (or a tuple) and keeps on ``self`` what ``backward`` needs;
    ``backward`` returns one gradient per input (a tuple when there are several), or None for an
    input that needs none. ``self.needs_input_grad`` tells which inputs require a gradient.
    Applying an instance, ``MyOp()(a, b)``, returns a Tensor (or a tuple of Tensors).
    """

    def __call__(self, *inputs):
        tensors = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
        outputs = self.forward(*[t.data for t in tensors])
        single = not isinstance(outputs, tuple)
        outputs = (outputs,) if single else outputs
        record = is_grad_enabled() and any(t.requires_grad for t in tensors)
        results = tuple(Tensor(y, requires_grad=record, device=backend.device_of(y)) for y in outputs)
        if record:
            self.inputs = [Edge(t) for t in tensors]
            self.needs_input_grad = tuple(t.requires_grad for t in tensors)
            self.outputs = [weakref.ref(r) for r in results]
            self.output_specs = [(y.shape, y.dtype, backend.get_array_module(y)) for y in outputs]
            for k, r in enumerate(results):
                r.creator, r._index = self, k
        return results[0] if single else results

    def forward(self, *arrays):
        raise NotImplementedError(f"{type(self).__name__} must implement forward")

    def backward(self, *grads):
        raise NotImplementedError(f"{type(self).__name__} must implement backward")

    def release(self):
        """Drop everything saved for backward; a second backward through it then raises."""
        self.__dict__.clear()
        self._released = True


def _topological_functions(roots):
    """The Functions that produced ``roots``, each after all Functions that consume its outputs."""
    order, visited = [], set()
    stack = [(r.creator, False) for r in roots if r.creator is not None]
    while stack:
        fn, expanded = stack.pop()
        if expanded:
            order.append(fn)
            continue
        if id(fn) in visited:
            continue
        visited.add(id(fn))
        if getattr(fn, "_released", False):
            raise RuntimeError(
                f"backward through the graph a second time: the saved values of {type(fn).__name__} "
                "were freed after the first backward; pass retain_graph=True to the first call"
            )
        stack.append((fn, True))
        stack.extend((e.creator, False) for e in fn.inputs if e.creator is not None and id(e.creator) not in visited)
    order.reverse()  # post-order lists producers first; consumers must run first
    return order


def _initial_grad(tensor, grad):
    if grad is None:
        if tensor.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a tensor with one element, got shape {tensor.shape}; "
                "pass the upstream gradient, e.g. y.backward(g), or reduce first, e.g. y.sum().backward()"
            )
        xp = backend.get_array_module(tensor.data)
        return xp.ones_like(tensor.data)
    grad = backend.as_array(backend.unwrap(grad), dtype=tensor.dtype, device=tensor.device)
    if grad.shape != tensor.data.shape:
        raise ValueError(f"backward(grad): grad has shape {grad.shape}, expected the tensor's shape {tensor.shape}")
    return grad


def _check_unchanged(fn):
    """Refuse to differentiate through inputs written in place since ``fn`` saw them (the saved
    values would be the new ones: an optimizer step or ``assign`` between forward and backward)."""
    for k, edge in enumerate(fn.inputs):
        if edge.version[0] != edge.seen_version:
            raise RuntimeError(
                f"{type(fn).__name__}'s input {k} ({edge.name or 'a tensor'}, shape {edge.shape}) was modified "
                "in place (assign or an optimizer step) after the forward pass that used it; compute the "
                "gradients before changing the weights, or run the forward pass again")


def backpropagate(roots, root_grads, retain_graph=False, keep=()):
    """Reverse-mode sweep from ``roots`` seeded with ``root_grads``.

    Returns ``{id(tensor): (tensor, grad)}`` for every leaf requiring grad, every tensor that
    asked to retain its grad, and every tensor in ``keep``. Gradients accumulate per input slot
    (``Edge.key``); other intermediate gradients are dropped as soon as they have been used, and
    each Function's saved arrays are released after its backward unless ``retain_graph``.
    """
    kept = {key_of(t): t for t in keep}
    pending = {}  # key -> accumulated grad
    leaves = {}  # key -> leaf tensor

    def accumulate(key, g):
        pending[key] = g if key not in pending else pending[key] + g

    for root, g in zip(roots, root_grads):
        accumulate(key_of(root), _initial_grad(root, g))
        if root.creator is None:
            leaves[key_of(root)] = root
    result = {}
    for fn in _topological_functions(roots):
        output_grads = []
        for k, (ref, (shape, dtype, xp)) in enumerate(zip(fn.outputs, fn.output_specs)):
            g = pending.pop((id(fn), k), None)
            output_grads.append(xp.zeros(shape, dtype=dtype) if g is None else g)
            out = kept[(id(fn), k)] if (id(fn), k) in kept else ref()
            if g is not None and out is not None and ((id(fn), k) in kept or out._retain_grad):
                result[id(out)] = (out, g)
        _check_unchanged(fn)
        input_grads = fn.backward(*output_grads)
        input_grads = input_grads if isinstance(input_grads, tuple) else (input_grads,)
        if len(input_grads) != len(fn.inputs):
            raise RuntimeError(
                f"{type(fn).__name__}.backward returned {len(input_grads)} gradients for {len(fn.inputs)} inputs"
            )
        for edge, g in zip(fn.inputs, input_grads):
            if edge.requires_grad and g is not None:
                if g.shape != edge.shape:
                    raise RuntimeError(
                        f"{type(fn).__name__}.backward returned a gradient of shape {g.shape} "
                        f"for an input of shape {edge.shape}"
                    )
                accumulate(edge.key, g)
                if edge.leaf is not None:
                    leaves[edge.key] = edge.leaf
        if not retain_graph:
            fn.release()
    for key, g in pending.items():  # what is left belongs to leaves
        if key in leaves:
            result[id(leaves[key])] = (leaves[key], g)
    return result


def grad(output, inputs, output_gradient=None, retain_graph=False):
    """Gradients of ``output`` with respect to each of ``inputs``, like ``tape.gradient``.

    ``inputs`` is a Tensor or a list of Tensors; the result has the same structure, with None for
    a tensor that ``output`` does not depend on. ``.grad`` attributes are left untouched.
    """
    single = isinstance(inputs, Tensor)
    targets = [inputs] if single else list(inputs)
    for i, t in enumerate(targets):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] must be a Tensor, got {type(t).__name__}")
    if not output.requires_grad:
        found = [None] * len(targets)
    else:
        grads = backpropagate([output], [output_gradient], retain_graph=retain_graph, keep=targets)
        found = [grads[id(t)][1] if id(t) in grads else None for t in targets]
    return found[0] if single else found
