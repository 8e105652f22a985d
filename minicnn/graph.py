"""The Keras Functional API: ``Input``, symbolic tensors, and the layer graph a ``Model`` runs.

Calling a layer on a ``SymbolicTensor`` records a ``Node`` (the layer and its symbolic inputs)
instead of computing; the output's shape is found by running the layer once on a zero batch of
one. ``Model(inputs, outputs)`` then orders the nodes between them topologically and replays
them on real tensors, so shared layers and layers used twice work as in Keras.
"""

import numpy as np

from . import backend
from .autograd import Tensor, no_grad


class SymbolicTensor:
    """A placeholder with a shape (batch axis None) and the node that produces it."""

    def __init__(self, shape, dtype, node=None, name=None):
        self.shape, self.dtype, self.node, self.name = tuple(shape), np.dtype(dtype), node, name

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype}{' name=' + self.name if self.name else ''}>"


class Node:
    """One call of ``layer`` on symbolic ``inputs`` (a SymbolicTensor or a list of them)."""

    def __init__(self, layer, inputs, kwargs):
        self.layer, self.inputs, self.kwargs = layer, inputs, kwargs

    def parents(self):
        return [t for t in flatten(self.inputs) if t.node is not None]


def flatten(structure):
    return list(structure) if isinstance(structure, (list, tuple)) else [structure]


def is_symbolic(inputs):
    return any(isinstance(t, SymbolicTensor) for t in flatten(inputs))


def Input(shape, dtype=None, name=None):
    """A symbolic model input of ``shape`` (without the batch axis), like ``keras.Input``."""
    shape = tuple(shape)
    if any(n is not None and (not isinstance(n, (int, np.integer)) or n <= 0) for n in shape):
        raise ValueError(f"Input: shape must hold positive integers (or None), got {shape}")
    return SymbolicTensor((None, *shape), dtype or backend.get_default_dtype(), name=name)


def _zeros_like(symbolic):
    shape = tuple(1 if n is None else n for n in symbolic.shape)
    if None in symbolic.shape[1:]:
        raise ValueError(f"the functional API needs known sizes after the batch axis, got {symbolic.shape}")
    return Tensor(np.zeros(shape, dtype=symbolic.dtype))


def call_symbolically(layer, inputs, kwargs):
    """Record ``layer(inputs)`` as a node; its output shapes come from a trial run on zeros."""
    for t in flatten(inputs):
        if not isinstance(t, SymbolicTensor):
            raise TypeError(f"{layer.name}: mix of symbolic and concrete inputs; got {type(t).__name__}")
    trial = [_zeros_like(t) for t in inputs] if isinstance(inputs, (list, tuple)) else _zeros_like(inputs)
    with no_grad():
        result = layer(trial, **kwargs)
    node = Node(layer, inputs, kwargs)
    node.outputs = [SymbolicTensor((None, *r.shape[1:]), r.dtype, node) for r in flatten(result)]
    return node.outputs if isinstance(result, (list, tuple)) else node.outputs[0]


def topological_nodes(outputs):
    """The nodes that produce ``outputs``, in Keras' order: by depth (longest path to an output),
    deepest first, and within a depth in depth-first order from the first output and first input.
    Every node comes after the nodes producing its inputs."""
    post_order, seen = [], set()
    stack = [(t.node, False) for t in reversed(flatten(outputs)) if t.node is not None]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            post_order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p.node, False) for p in reversed(node.parents()) if id(p.node) not in seen)
    depth = {id(node): 0 for node in post_order}
    for node in reversed(post_order):  # consumers before producers
        for parent in node.parents():
            depth[id(parent.node)] = max(depth[id(parent.node)], depth[id(node)] + 1)
    rank = {id(node): k for k, node in enumerate(post_order)}
    return sorted(post_order, key=lambda node: (-depth[id(node)], rank[id(node)]))


def run_graph(inputs, outputs, nodes, values, training):
    """Replay ``nodes`` on real tensors: ``values`` pairs each symbolic input with its tensor."""
    computed = {id(s): v for s, v in zip(inputs, values)}
    for node in nodes:
        if isinstance(node.inputs, (list, tuple)):
            arguments = [computed[id(t)] for t in node.inputs]
        else:
            arguments = computed[id(node.inputs)]
        result = node.layer(arguments, training=training, **node.kwargs)
        for symbolic, value in zip(node.outputs, flatten(result)):
            computed[id(symbolic)] = value
    return [computed[id(t)] for t in outputs]
