"""The Keras Functional API underneath: symbolic tensors, the nodes that produce them, and the
layer graph a functional ``Model`` runs.

Calling a layer on a ``SymbolicTensor`` (``mc.Input(...)`` or another layer's symbolic output)
records a ``Node`` — the layer, its symbolic inputs and keyword arguments — instead of computing;
the output's shape comes from running the layer once on a zero batch of one. Arithmetic, slicing
and ``F.*`` functions on symbolic tensors are recorded the same way, as ``Operation`` layers.
``map_graph`` orders the nodes between given inputs and outputs exactly as Keras 3 does, so the
model lists layers (and therefore weights) in Keras' order and weights copy by position.
"""

import functools
from collections import Counter, defaultdict

import numpy as np

from .autograd import Tensor, no_grad


class SymbolicTensor:
    """A placeholder with a shape (batch axis None), a dtype, and the node that produces it."""

    def __init__(self, shape, dtype, node=None, index=0):
        self.shape, self.dtype, self.node, self.index = tuple(shape), np.dtype(dtype), node, index

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def name(self):
        return None if self.node is None else self.node.layer.name

    def __repr__(self):
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype} name={self.name}>"

    def __array__(self, *args, **kwargs):
        raise TypeError(f"{self!r} is symbolic (a placeholder of the Functional API) and has no values; "
                        "build a Model from it and call the model on data")

    def __bool__(self):
        raise TypeError(f"{self!r} is symbolic: it has no truth value")

    def __len__(self):
        raise TypeError(f"{self!r} is symbolic: its batch size is not known")

    def __hash__(self):
        return id(self)


def _operator(name, reflected=False):
    def apply(self, *other):
        from .ops import math
        fn = getattr(math, name)
        return record_operation(fn, (other[0], self) if reflected else (self, *other), {}, name=name)
    return apply


for _name, _op in [("__add__", "add"), ("__sub__", "sub"), ("__mul__", "mul"), ("__truediv__", "div"),
                   ("__pow__", "pow"), ("__matmul__", "matmul"), ("__neg__", "neg"), ("__getitem__", "getitem")]:
    setattr(SymbolicTensor, _name, _operator(_op))
for _name, _op in [("__radd__", "add"), ("__rsub__", "sub"), ("__rmul__", "mul"), ("__rtruediv__", "div"),
                   ("__rpow__", "pow"), ("__rmatmul__", "matmul")]:
    setattr(SymbolicTensor, _name, _operator(_op, reflected=True))


class Node:
    """One call of ``layer`` on ``inputs`` (a SymbolicTensor, a list of them, or None for an input)."""

    def __init__(self, layer, inputs, kwargs):
        self.layer, self.inputs, self.kwargs, self.outputs = layer, inputs, kwargs, []

    @property
    def is_input(self):
        return self.inputs is None

    def input_tensors(self):
        return [] if self.is_input else flatten(self.inputs)

    def parents(self):
        return [t.node for t in self.input_tensors() if t.node is not None]


def flatten(structure):
    return list(structure) if isinstance(structure, (list, tuple)) else [structure]


def contains_symbolic(value):
    """Whether ``value`` (possibly a list, tuple or dict) holds a SymbolicTensor."""
    if isinstance(value, SymbolicTensor):
        return True
    if isinstance(value, (list, tuple)):
        return any(contains_symbolic(v) for v in value)
    if isinstance(value, dict):
        return any(contains_symbolic(v) for v in value.values())
    return False


is_symbolic = contains_symbolic


def zeros_like(symbolic):
    """A zero batch of one with ``symbolic``'s shape: what a trial run of a layer is fed."""
    if None in symbolic.shape[1:]:
        raise ValueError(f"the functional API needs known sizes after the batch axis, got {symbolic.shape}")
    return Tensor(np.zeros(tuple(1 if n is None else n for n in symbolic.shape), dtype=symbolic.dtype))


def call_symbolically(layer, inputs, kwargs):
    """Record ``layer(inputs, **kwargs)`` as a node; its output shapes come from a trial run on zeros."""
    for t in flatten(inputs):
        if not isinstance(t, SymbolicTensor):
            raise TypeError(f"{layer.name}: a mix of symbolic and concrete inputs; got {type(t).__name__}")
    trial = [zeros_like(t) for t in inputs] if isinstance(inputs, (list, tuple)) else zeros_like(inputs)
    with no_grad(), np.errstate(all="ignore"):  # zeros may divide by zero: only the shapes matter here
        result = layer(trial, **kwargs)
    node = Node(layer, inputs, kwargs)
    node.outputs = [SymbolicTensor((None, *r.shape[1:]), r.dtype, node, k) for k, r in enumerate(flatten(result))]
    layer._inbound_nodes.append(node)
    return node.outputs if isinstance(result, (list, tuple)) else node.outputs[0]


def record_operation(fn, args, kwargs, name=None):
    """``fn(*args, **kwargs)`` with symbolic tensors among the arguments, recorded as a node of an
    ``Operation`` layer (as Keras records ``x + y`` or ``ops.relu(x)`` on its symbolic tensors)."""
    from .layers.lambda_layer import Operation
    return Operation(fn, args, kwargs, name=name)()


def symbolic_aware(fn):
    """``fn`` that also accepts symbolic tensors (then recorded with ``record_operation``)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if contains_symbolic(args) or contains_symbolic(kwargs):
            return record_operation(fn, args, kwargs)
        return fn(*args, **kwargs)
    return wrapper


def map_graph(inputs, outputs):
    """The nodes between ``inputs`` and ``outputs`` and the layers they call, in Keras 3's order.

    A depth-first walk from each output (each node's inputs in order) numbers the layers as it
    first meets them and lists the nodes producers-first. Depths then run backwards from the
    outputs (depth 0): a node is one deeper than its deepest consumer, and a layer used by
    several nodes takes its deepest node's depth (shared layers sit where their first use is).
    Returns (nodes in execution order, layers ordered by depth, deepest first, then by number).
    """
    input_ids = {id(t) for t in inputs}
    finished, in_progress, post_order, layer_index = set(), set(), [], {}

    def visit(tensor):
        node = tensor.node
        if node is None or id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"the graph has a cycle at layer {node.layer.name}")
        layer_index.setdefault(node.layer, len(layer_index))
        in_progress.add(id(node))
        if not node.is_input and id(tensor) not in input_ids:
            for parent in node.input_tensors():
                visit(parent)
        in_progress.discard(id(node))
        finished.add(id(node))
        post_order.append(node)

    for output in outputs:
        visit(output)
    node_depth, layer_depth = {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(node, 0), layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = node_depth[node] = depth
        for parent in node.parents():
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for t in inputs:  # an input no output depends on still belongs to the model
        if t.node.layer not in layer_depth:
            layer_depth[t.node.layer], layer_index[t.node.layer], node_depth[t.node] = 0, -1, 0
    nodes = sorted(node_depth, key=lambda node: -node_depth[node])  # stable: post order within a depth
    layers = sorted(layer_depth, key=lambda layer: (-layer_depth[layer], layer_index[layer]))
    return nodes, layers


def run_graph(inputs, outputs, nodes, values):
    """Replay ``nodes`` on real tensors: ``values`` pairs each symbolic input with its tensor.

    A value is let go as soon as the last node that reads it has run (what backward needs stays
    with the autograd graph), so inference holds only the activations still to be read."""
    computed = {id(s): v for s, v in zip(inputs, values)}
    readers = Counter(id(t) for node in nodes if not node.is_input for t in node.input_tensors())
    wanted = {id(t) for t in outputs}
    for node in nodes:
        if node.is_input:
            continue
        if not all(id(t) in computed for t in node.input_tensors()):
            raise ValueError(f"layer {node.layer.name} needs an input the model was not given")
        arguments = [computed[id(t)] for t in node.inputs] if isinstance(node.inputs, (list, tuple)) \
            else computed[id(node.inputs)]
        result = node.layer(arguments, **node.kwargs)
        del arguments
        for symbolic, value in zip(node.outputs, flatten(result)):
            computed[id(symbolic)] = value
        for t in node.input_tensors():
            readers[id(t)] -= 1
            if readers[id(t)] == 0 and id(t) not in wanted:
                del computed[id(t)]
    return [computed[id(t)] for t in outputs]


def node_labels(node):
    """Keras' "Connected to" entries of a node: ``layer_name[node_index][tensor_index]``."""
    return [f"{t.node.layer.name}[{t.node.layer._inbound_nodes.index(t.node)}][{t.index}]" for t in node.input_tensors()]
