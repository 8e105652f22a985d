"""``Model`` (subclass it and write ``call``) and ``Sequential``, with compile/fit/evaluate/summary."""

import numpy as np

from . import graph, losses, optimizers, training
from .autograd import Tensor, no_grad
from .layers.base import Layer


class Model(Layer):
    """A layer that can be compiled and trained. Subclass it: create layers in ``__init__``
    (they are tracked automatically) and compute in ``call(inputs, training=None)``."""

    optimizer = loss = None
    metric_functions = ()

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        """``Model(inputs, outputs)`` builds a functional model from symbolic tensors (``mc.Input``);
        ``Model()`` (from a subclass) is a subclassed model."""
        super().__init__(name=name, **kwargs)
        if inputs is None and outputs is None:
            return
        if inputs is None or outputs is None:
            raise ValueError("Model: give both inputs and outputs (symbolic tensors from mc.Input), or neither")
        self._graph_inputs, self._graph_outputs = graph.flatten(inputs), graph.flatten(outputs)
        self._single_output = not isinstance(outputs, (list, tuple))
        for t in self._graph_inputs + self._graph_outputs:
            if not isinstance(t, graph.SymbolicTensor):
                raise TypeError(f"Model: inputs and outputs must be symbolic tensors, got {type(t).__name__}")
        self._nodes = graph.topological_nodes(self._graph_outputs)
        reachable = {id(t) for node in self._nodes for t in graph.flatten(node.inputs)}
        missing = [t for t in self._graph_inputs if id(t) not in reachable and id(t) not in
                   {id(o) for o in self._graph_outputs}]
        if missing:
            raise ValueError(f"Model: input {missing[0]} is not connected to the outputs")
        self.layers = list({id(n.layer): n.layer for n in self._nodes}.values())
        self.built = True

    def call(self, inputs, training=None):
        if not hasattr(self, "_nodes"):
            raise NotImplementedError(f"{type(self).__name__} must implement call(inputs, training=None)")
        values = graph.flatten(inputs)
        if len(values) != len(self._graph_inputs):
            raise ValueError(f"{self.name}: expected {len(self._graph_inputs)} inputs, got {len(values)}")
        for k, (value, symbolic) in enumerate(zip(values, self._graph_inputs)):
            if tuple(value.shape[1:]) != tuple(symbolic.shape[1:]):
                raise ValueError(f"{self.name}: input {k} has shape {value.shape}, expected (batch, "
                                 f"{', '.join(map(str, symbolic.shape[1:]))})")
        results = graph.run_graph(self._graph_inputs, self._graph_outputs, self._nodes, values, training)
        return results[0] if self._single_output else results

    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Set the optimizer (name or object), the loss (name, Loss or callable) and metrics."""
        if loss is None:
            raise ValueError("compile: a loss is required, e.g. loss='sparse_categorical_crossentropy'")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.metric_functions = [training.get_metric(m) for m in (metrics or [])]

    def _require_compiled(self, what):
        if self.optimizer is None or self.loss is None:
            raise RuntimeError(f"{self.name}.{what}: call compile(optimizer=..., loss=...) first")

    def fit(self, x, y, batch_size=32, epochs=1, verbose=1, validation_data=None, shuffle=True):
        """Train for ``epochs`` passes over (x, y); returns a History."""
        self._require_compiled("fit")
        return training.fit(self, x, y, batch_size, epochs, verbose, validation_data, shuffle)

    def evaluate(self, x, y, batch_size=32, verbose=0):
        """A dict {'loss': ..., metric: ...} over all of (x, y), in inference mode."""
        self._require_compiled("evaluate")
        return training.evaluate(self, x, y, batch_size, verbose)

    def predict(self, x, batch_size=32):
        return training.predict(self, x, batch_size)

    def save_checkpoint(self, path):
        """Weights and optimizer state to an .npz file (atomic), to resume training later."""
        from .checkpoint import save_checkpoint
        save_checkpoint(self, path)

    def load_checkpoint(self, path):
        """Weights and optimizer state from ``save_checkpoint``; compile with the same optimizer first."""
        from .checkpoint import load_checkpoint
        load_checkpoint(self, path)

    def get_layer(self, name):
        """The layer called ``name`` (its own layers and, below them, theirs)."""
        found = [layer for layer in self._all_layers() if layer.name == name]
        if not found:
            raise ValueError(f"{self.name}: no layer named {name!r}; layers: {[l.name for l in self._sublayers]}")
        return found[0]

    def summary(self, print_fn=print):
        """Print layers, output shapes and parameter counts in the Keras layout."""
        if not self.built:
            raise ValueError(f"{self.name}.summary(): the model is not built; call it on data or build(input_shape)")
        print_fn(format_summary(self))


def _shape_text(shape):
    return "?" if shape is None else str((None, *tuple(shape)[1:])).replace("None,)", "None)")


def format_summary(model, width=65):
    rows = [(f"{layer.name} ({type(layer).__name__})", _shape_text(layer.output_shape),
             f"{sum(w.size for w in layer.weights):,}") for layer in model._sublayers]
    trainable = sum(w.size for w in model.trainable_weights)
    total = sum(w.size for w in model.weights)
    lines = [f'Model: "{model.name}"', "_" * width,
             f"{'Layer (type)':<29}{'Output Shape':<26}Param #", "=" * width]
    for i, (name, shape, params) in enumerate(rows):
        lines.append(f"{name:<29}{shape:<26}{params}")
        lines.append("=" * width if i == len(rows) - 1 else "")
    lines += [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}", "_" * width]
    return "\n".join(lines)


class Sequential(Model):
    """A plain stack of layers, each fed the previous one's output."""

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self.layers = []
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if isinstance(layer, graph.SymbolicTensor) and not self.layers:  # Sequential([mc.Input(shape), ...])
            self._input_shape_hint = layer.shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a Layer, got {type(layer).__name__}")
        self.layers = self.layers + [layer]
        if len(self.layers) == 1 and layer._input_shape_hint is not None:
            self._input_shape_hint = layer._input_shape_hint
        if self._input_shape_hint is not None:  # the input shape is known: build now, as Keras does
            self.build(self._input_shape_hint)

    def build(self, input_shape):
        """Create every layer's weights by running a zero batch of ``input_shape`` (batch axis first)."""
        shape = tuple(1 if n is None else int(n) for n in input_shape)
        with no_grad():
            self.call(Tensor(np.zeros(shape, dtype=self.dtype)), training=False)
        self.built = True

    def call(self, inputs, training=None):
        x = inputs
        for layer in self.layers:
            x = layer(x, training=training)
        return x
