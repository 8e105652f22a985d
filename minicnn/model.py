"""``Model`` (functional, or subclassed with ``call``) and ``Sequential``, with Keras 3's
compile / fit / evaluate / predict, ``*_on_batch``, summary and saving."""

import os
import weakref

import numpy as np

from . import batches, compiled, graph, optimizers, training
from .autograd import Tensor, no_grad
from .layers.base import Layer, unique_name
from .layers.input_layer import Input, InputLayer
from .summary import format_summary


class Model(Layer):
    """A layer that can be compiled and trained.

    ``Model(inputs, outputs)`` builds a functional model from symbolic tensors (``mc.Input``);
    inputs and outputs may be one tensor, a list, or a dict by name. Subclass it instead to write
    ``call(inputs, training=None)``: layers kept in attributes (also in lists and dicts) are tracked.
    """

    optimizer = compiled_loss = None
    stop_training = False

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        if name is None and type(self) is Model and inputs is not None:
            name = unique_name("functional")  # Keras 3's name for Model(inputs, outputs)
        super().__init__(name=name, **kwargs)
        self.compiled_metrics = compiled.CompiledMetrics(None, None, ["output"])
        if inputs is None and outputs is None:
            return
        if inputs is None or outputs is None:
            raise ValueError("Model: give both inputs and outputs (symbolic tensors from mc.Input), or neither")
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        structure = {"inputs": inputs, "outputs": outputs}
        flat = {key: list(value.values()) if isinstance(value, dict) else graph.flatten(value)
                for key, value in structure.items()}
        for t in flat["inputs"] + flat["outputs"]:
            if not isinstance(t, graph.SymbolicTensor):
                raise TypeError(f"Model: inputs and outputs must be symbolic tensors (from mc.Input), "
                                f"got {type(t).__name__}")
        for t in flat["inputs"]:
            if not isinstance(t.node.layer, InputLayer):
                raise ValueError(f"Model: every input must come from mc.Input, got the output of {t.node.layer.name}")
        nodes, layers = graph.map_graph(flat["inputs"], flat["outputs"])
        used = {id(t) for node in nodes for t in node.input_tensors()} | {id(t) for t in flat["outputs"]}
        unused = [t for t in flat["inputs"] if id(t) not in used]
        if unused:
            raise ValueError(f"Model: input {unused[0].name} is not connected to the outputs")
        self._graph = dict(inputs=flat["inputs"], outputs=flat["outputs"], nodes=nodes, structure=structure)
        if flat["inputs"][0].dtype.kind == "f":
            self.dtype = flat["inputs"][0].dtype  # the model computes in its input's float dtype
        for layer in layers:
            self._track(layer)
        self.built = True

    # --- the graph -------------------------------------------------------------------------
    @property
    def layers(self):
        """The layers of the model, in Keras' order (a functional model's InputLayers first)."""
        return list(self._sublayers)

    def _graph_part(self, key):
        if getattr(self, "_graph", None) is None:
            raise AttributeError(f"{self.name} has no {key}: it is not a functional model (or an unbuilt Sequential)")
        return self._graph[key]

    @property
    def inputs(self):
        return list(self._graph_part("inputs"))

    @property
    def outputs(self):
        return list(self._graph_part("outputs"))

    @property
    def input(self):
        structure = self._graph_part("structure")["inputs"]
        return structure

    @property
    def output(self):
        return self._graph_part("structure")["outputs"]

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs] if getattr(self, "_graph", None) else None
        return super().input_shape if shapes is None else shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs] if getattr(self, "_graph", None) else None
        return super().output_shape if shapes is None else shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_names(self):
        return [t.name for t in self.inputs]

    @property
    def output_names(self):
        """Names that targets, losses and metrics of several outputs are matched by."""
        if getattr(self, "_graph", None):
            outputs = self._graph["structure"]["outputs"]
            return list(outputs) if isinstance(outputs, dict) else [t.name for t in self.outputs]
        return ["output"]

    def _inputs_from_dict(self, x):
        names = self.input_names
        if set(x) != set(names):
            raise ValueError(f"{self.name}: the input dict has keys {sorted(x)}, the model's inputs are {names}")
        return [training.model_inputs(self, x[name]) for name in names]

    def call(self, inputs, training=None):
        if getattr(self, "_graph", None) is None:
            raise NotImplementedError(f"{type(self).__name__} must implement call(inputs, training=None)")
        values = self._inputs_from_dict(inputs) if isinstance(inputs, dict) else graph.flatten(inputs)
        symbolic = self._graph["inputs"]
        if len(values) != len(symbolic):
            raise ValueError(f"{self.name}: expected {len(symbolic)} inputs {self.input_names}, got {len(values)}")
        for k, (value, placeholder) in enumerate(zip(values, symbolic)):
            if tuple(value.shape[1:]) != tuple(placeholder.shape[1:]):
                raise ValueError(f"{self.name}: input {k} ({placeholder.name}) has shape {tuple(value.shape)}, "
                                 f"expected (batch, {', '.join(map(str, placeholder.shape[1:]))})")
        results = graph.run_graph(symbolic, self._graph["outputs"], self._graph["nodes"], values)
        outputs = self._graph["structure"]["outputs"]
        if isinstance(outputs, dict):
            return dict(zip(outputs, results))
        return results if isinstance(outputs, (list, tuple)) else results[0]

    # --- training --------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=None, steps_per_execution=1, jit_compile="auto"):
        """Set the optimizer (name or object), the loss (name, Loss or callable; a list or dict for
        several outputs), ``loss_weights`` and metrics (a list, or per output a list or dict).

        Args:
            optimizer: an Optimizer, or a name ("rmsprop", "adam", "sgd", ...).
            loss: a Loss, a name, or a function (y_true, y_pred) -> per-example losses; for several
                outputs one for all, a list in output order, or a dict by output name.
            loss_weights: the weight of each output's loss in the total (a list or a dict).
            metrics: names ("accuracy" is resolved per output as Keras does) or Metric objects; for
                several outputs a list of lists or a dict by output name.
            weighted_metrics: metrics that also take the sample weights.
            run_eagerly, steps_per_execution, jit_compile: accepted for Keras code; minicnn always
                runs eagerly, one step at a time, so they change nothing.
        """
        optimizer = optimizers.get(optimizer)
        owner = getattr(optimizer, "_model", None)
        if owner is not None and owner() is not None and owner() is not self:
            raise ValueError(f"compile: this {type(optimizer).__name__} already trains model {owner().name!r}; "
                             "give each model its own optimizer (its state belongs to that model's weights)")
        optimizer._model = weakref.ref(self)
        self.optimizer = optimizer
        self.compiled_loss = compiled.CompiledLoss(loss, loss_weights, self.output_names)
        self.compiled_metrics = compiled.CompiledMetrics(metrics, weighted_metrics, self.output_names)
        self.loss = loss

    def build(self, input_shape):
        """Build a subclassed model's layers for inputs of ``input_shape`` (batch axis first, may be
        None) by running ``call`` once on a zero batch of one in inference mode, as Keras does."""
        if getattr(self, "_graph", None) is not None:
            return
        several = isinstance(input_shape, (list, tuple)) and all(isinstance(s, (list, tuple)) for s in input_shape)
        shapes = list(input_shape) if several else [input_shape]  # [None, 32, 32, 3] is one shape
        zeros = [Tensor(np.zeros(tuple(1 if n is None else n for n in shape), dtype=self.dtype)) for shape in shapes]
        with no_grad():
            self(zeros if several else zeros[0], training=False)

    def _ensure_built(self, input_shape):
        self.built = True  # a model's layers build themselves during its call

    def load_weights(self, path):
        """Weights from ``save_weights`` (``.npz``) or from Keras (``.weights.h5``), checked against the
        model before anything changes. A subclassed model that has not run yet has no weights: as
        tf.keras 2 did, they are then restored when it is first called, before it computes (an unbuilt
        Sequential is an error instead: give it an input shape)."""
        if not self.built and type(self).call is not Model.call and not isinstance(self, Sequential):
            object.__setattr__(self, "_deferred_weights", path)
            return
        super().load_weights(path)

    def __call__(self, inputs, training=None, **kwargs):
        path = self.__dict__.pop("_deferred_weights", None)
        if path is not None:  # build the layers on a zero batch first, then restore, then compute
            shapes = [np.shape(getattr(x, "data", x)) for x in inputs] if isinstance(inputs, (list, tuple)) else \
                np.shape(getattr(inputs, "data", inputs))
            self.build([(None, *s[1:]) for s in shapes] if isinstance(shapes, list) else (None, *shapes[1:]))
            super().load_weights(path)
        return super().__call__(inputs, training=training, **kwargs)

    def _require_compiled(self, what):
        if self.optimizer is None or self.compiled_loss is None:
            raise RuntimeError(f"{self.name}.{what}: call compile(optimizer=..., loss=...) first")

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` passes over (x, y); returns the ``History`` (``history.history[name]``
        is the list of per-epoch values).

        Args:
            x: input array, a list of arrays (several inputs) or a dict by input name; or a loader
                (``mc.data.DataLoader``) or an iterable yielding (x, y) or (x, y, sample_weight) batches.
            y: targets: an array, or a list / dict by output name for several outputs (None when x
                yields its own batches).
            batch_size: samples per step (None: 32).
            epochs: index of the last epoch (training runs from ``initial_epoch`` to ``epochs``).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch, "auto" = 1; printed to stdout.
            callbacks: ``mc.callbacks.Callback`` objects.
            validation_split: fraction of the data, taken from its end before shuffling, to validate on.
            validation_data: (x_val, y_val) or (x_val, y_val, sample_weight_val); overrides the split.
            shuffle: reshuffle the training samples each epoch (minicnn's seeded generator).
            class_weight: dict label -> weight of each sample's loss (one-output models).
            sample_weight: one weight per sample.
            initial_epoch: epoch to start at (to resume a run; ``BackupAndRestore`` sets it itself).
            steps_per_epoch: batches per epoch from a loader or generator (required for an endless one).
            validation_steps: batches per validation from a loader or generator.
            validation_batch_size: batch size of validation (default: batch_size).
            validation_freq: validate every that many epochs, or at the epochs listed (1-based).
        """
        self._require_compiled("fit")
        if y is None and batches.is_arrays(x) and any(loss is not None for loss in self.compiled_loss.losses):
            raise ValueError(f"{self.name}.fit: y is None, but the compiled loss compares predictions with targets; "
                             "pass y")
        return training.fit(self, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
                            shuffle, class_weight, sample_weight, initial_epoch, steps_per_epoch, validation_steps,
                            validation_batch_size, validation_freq)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss (with the weight penalties) and metrics over all of (x, y), in inference mode.

        Returns a float when there are no metrics, else a list ``[loss, metric, ...]`` (Keras'
        ``metrics_names`` order), or a dict name -> value with ``return_dict=True``.

        Args:
            x, y: inputs and targets, as for ``fit``.
            batch_size: samples per step (None: 32).
            verbose: 0 silent, 1 or "auto" a progress bar.
            sample_weight: one weight per sample.
            steps: batches to evaluate from a loader or generator (None: all it yields).
            callbacks: ``mc.callbacks.Callback`` objects (their test hooks are called).
            return_dict: return {name: value}.
        """
        self._require_compiled("evaluate")
        return training.evaluate(self, x, y, batch_size, verbose, sample_weight, steps, callbacks, return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for all of ``x`` in inference mode, batch by batch: an array of the backend, or a
        list (a dict) of them for several outputs.

        Args:
            x: inputs: an array, a list of arrays or a dict by input name.
            batch_size: samples per step (None: 32).
            verbose: 0 silent, 1 or "auto" a progress bar.
            steps: batches to predict from a loader or generator (None: all it yields).
            callbacks: ``mc.callbacks.Callback`` objects (their predict hooks are called).
        """
        return training.predict(self, x, batch_size, verbose, steps, callbacks)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on this batch; returns the loss (and metrics) of the batch, as ``evaluate``.

        Args:
            x, y: one batch of inputs and targets.
            sample_weight: one weight per sample, or None.
            class_weight: dict label -> weight, or None.
            return_dict: return {name: value}.
        """
        self._require_compiled("train_on_batch")
        if class_weight is not None:
            sample_weight = batches.class_weight_to_sample_weight(y, class_weight)
        self.compiled_metrics.reset()
        outcome = training.train_step(self, x, y, sample_weight)
        logs = training.record_step(self, compiled.Tracker(), 1, *outcome, sample_weight)
        return logs if return_dict else training.flatten_in_order(self, logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) of this batch in inference mode, without updating the weights."""
        return self.evaluate(x, y, batch_size=batches.num_samples(x), verbose=0, sample_weight=sample_weight,
                             return_dict=return_dict)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=batches.num_samples(x), verbose=0)

    # --- saving ----------------------------------------------------------------------------
    def save(self, filepath):
        """The whole model (architecture and weights) to a ``.keras`` file in Keras 3's layout, which
        ``keras.models.load_model`` and ``mc.models.load_model`` read. Sequential and functional
        models only (a subclassed model's code cannot be written to a file: save its weights)."""
        if not os.fspath(filepath).endswith(".keras"):
            raise ValueError(f"save: the file name must end in .keras, got {os.fspath(filepath)!r} "
                             "(for the weights alone use save_weights with .weights.h5 or .npz)")
        from .saving import save_model
        save_model(self, filepath)

    def get_config(self):
        """Keras 3's config of a Sequential or functional model (its layers and their connections);
        a subclassed model's constructor arguments."""
        if getattr(self, "_graph", None) is None:
            return super().get_config()
        from .saving import model_config
        return model_config(self)

    @classmethod
    def from_config(cls, config):
        if "layers" not in config:
            return super().from_config(config)
        from .saving import model_from_config
        return model_from_config(config)

    def to(self, device):
        """Move the weights, and the optimizer's state for them, to 'cpu' or 'gpu'; returns the model."""
        super().to(device)
        if self.optimizer is not None:
            self.optimizer.to(device)
        return self

    def save_checkpoint(self, path):
        """Weights and optimizer state to an .npz file (atomic), to resume training later."""
        from .checkpoint import save_checkpoint
        save_checkpoint(self, path)

    def load_checkpoint(self, path):
        """Weights and optimizer state from ``save_checkpoint``; compile with the same optimizer first."""
        from .checkpoint import load_checkpoint
        load_checkpoint(self, path)

    def get_layer(self, name=None, index=None):
        """The layer called ``name`` (searched below this model too), or ``layers[index]``."""
        if index is not None:
            return self.layers[index]
        found = [layer for layer in self._all_layers() if layer.name == name]
        if not found:
            raise ValueError(f"{self.name}: no layer named {name!r}; layers: {[l.name for l in self.layers]}")
        return found[0]

    def summary(self, line_length=None, print_fn=None):
        """Print the layers, their output shapes and parameter counts as Keras 3 lays them out.

        Args:
            line_length: the table's width (default: Keras', at most the terminal's width - 4).
            print_fn: called with the whole text (default ``print``).
        """
        if not self.built:
            raise ValueError(f"{self.name}.summary(): the model is not built; call it on data or build(input_shape)")
        if line_length is not None and (isinstance(line_length, bool) or not isinstance(line_length, int)
                                        or line_length <= 0):
            raise TypeError(f"{self.name}.summary(): line_length must be a positive int, got {line_length!r} "
                            f"(to print elsewhere, pass print_fn=...)")
        (print_fn or print)(format_summary(self, line_length))


class Sequential(Model):
    """A plain stack of layers, each fed the previous one's output. With a known input shape
    (``mc.Input`` first, or ``input_shape=`` on the first layer) it is built at once and has
    Keras' functional attributes: ``inputs``, ``outputs``, ``layer.output``."""

    def __init__(self, layers=None, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        self._graph = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if isinstance(layer, graph.SymbolicTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if isinstance(layer, InputLayer):
            if self._sublayers or self._graph is not None:
                raise ValueError(f"{self.name}.add: an Input can only come first")
            self._start_graph(layer.output)
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a Layer, got {type(layer).__name__}")
        if any(layer is kept for kept in self._sublayers):
            raise ValueError(f"Sequential.add: layer {layer.name} is already in {self.name}")
        self._track(layer)
        if self._graph is None and len(self._sublayers) == 1 and layer._input_shape_hint is not None:
            self._start_graph(Input(shape=layer._input_shape_hint[1:], dtype=self.dtype))
        elif self._graph is not None:
            self._extend_graph(layer)

    def _start_graph(self, input_tensor):
        if input_tensor.dtype.kind == "f":
            self.dtype = input_tensor.dtype
        self._graph = dict(inputs=[input_tensor], outputs=[input_tensor], nodes=[input_tensor.node],
                           structure={"inputs": input_tensor, "outputs": input_tensor})
        for layer in self._sublayers:
            self._extend_graph(layer)
        self.built = True

    def _extend_graph(self, layer):
        """Call ``layer`` on the current symbolic output (building it, as Keras does)."""
        output = layer(self._graph["outputs"][0])
        if isinstance(output, (list, tuple)):
            raise ValueError(f"Sequential: layer {layer.name} returns several tensors; use the functional API")
        self._graph["outputs"] = [output]
        self._graph["nodes"].append(output.node)
        self._graph["structure"]["outputs"] = output

    def pop(self):
        """Remove the last layer (the graph is rebuilt from the input)."""
        if not self._sublayers:
            raise ValueError(f"{self.name}.pop: there is no layer to remove")
        layer = self._sublayers.pop()
        if self._graph is not None:
            self._start_graph(self._graph["inputs"][0])
        return layer

    def build(self, input_shape=None):
        """Create every layer's weights for inputs of ``input_shape`` (batch axis first, may be None)."""
        if self._graph is None:
            if input_shape is None:
                raise ValueError(f"{self.name}.build: give input_shape, e.g. build((None, 28, 28, 1))")
            self._start_graph(Input(shape=tuple(input_shape)[1:], dtype=self.dtype))
        self.built = True

    def call(self, inputs, training=None):
        x = inputs
        for layer in self._sublayers:
            x = layer(x)
        return x

    def __call__(self, inputs, training=None, **kwargs):
        if self._graph is None and not graph.is_symbolic(inputs) and self._sublayers:
            shape = np.shape(inputs.data if isinstance(inputs, Tensor) else inputs)
            self.build((None, *shape[1:]))  # known now: build the graph, as Keras does on the first call
        return super().__call__(inputs, training=training, **kwargs)
