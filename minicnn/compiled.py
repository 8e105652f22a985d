"""What ``compile`` sets up, resolved per output as Keras 3 does.

- ``CompiledLoss``: one loss per output (a single loss is used for every output), ``loss_weights``,
  sample weights; the model adds its weight penalties to the total.
- ``CompiledMetrics``: metrics per output, built at the first batch, when ``"accuracy"`` can be
  resolved (binary for one-unit outputs, sparse for integer labels, else categorical).
- ``Tracker``: the running, sample-weighted means of the logged losses.
"""

import numpy as np

from . import backend, losses as losses_module
from .batches import as_list


def per_output(value, output_names, what):
    """A single value for every output, a list with one per output, or a dict by output name."""
    count = len(output_names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(output_names))
        if unknown:
            raise ValueError(f"compile({what}=...): keys {unknown} are not output names; outputs: {output_names}")
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and not (what == "metrics" and count == 1):
        if len(value) != count:
            raise ValueError(f"compile({what}=...): the model has {count} output(s) {output_names}, so give "
                             f"one entry per output (or a dict by name), got {len(value)}")
        return list(value)
    return [value] * count


def as_loss(identifier):
    """A Loss object from a name, a Loss, or a plain function of per-example losses (None stays None)."""
    if identifier is None:
        return None
    loss = losses_module.get(identifier)
    return loss if isinstance(loss, losses_module.Loss) else losses_module.LossFunctionWrapper(loss)


class CompiledLoss:
    """The loss ``compile`` was given, resolved per output: ``__call__`` returns the total (a Tensor,
    Σ loss_weight·loss) and, with several outputs, each output's unweighted loss as ``<output>_loss``."""

    def __init__(self, loss, loss_weights, output_names):
        if loss is None:
            raise ValueError("compile: a loss is required, e.g. loss='sparse_categorical_crossentropy'")
        if isinstance(loss, (list, tuple)) and len(output_names) == 1 and len(loss) != 1:
            raise ValueError(f"compile(loss=[...]): the model has one output, so give one loss, got {len(loss)}")
        self.output_names = output_names
        self.losses = [as_loss(item) for item in per_output(loss, output_names, "loss")]
        self.weights = per_output(loss_weights, output_names, "loss_weights") if loss_weights is not None \
            else [None] * len(output_names)
        if all(item is None for item in self.losses):
            raise ValueError("compile: every output's loss is None; give at least one loss")

    def __call__(self, y_true, y_pred, sample_weight=None):
        total, parts = None, {}
        for name, loss, weight, target, prediction in zip(self.output_names, self.losses, self.weights,
                                                          y_true, y_pred):
            if loss is None:
                continue
            if target is None:
                raise ValueError(f"output {name!r} has a loss but no target was given for it")
            value = loss(target, prediction, sample_weight)
            parts[f"{name}_loss"] = value  # logged unweighted, as Keras
            if weight is not None:
                value = value * float(weight)
            total = value if total is None else total + value
        return total, (parts if len(parts) > 1 else {})


# --- the compiled metrics --------------------------------------------------------------------


def resolve_metric(identifier, y_true, y_pred):
    """A metric object; "accuracy"/"acc" become the binary, sparse categorical or categorical
    accuracy that suits the output and labels, as Keras' compile does."""
    from . import metrics as metrics_module
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        true_shape, pred_shape = np.shape(y_true), tuple(y_pred.shape)
        if pred_shape[-1] == 1:
            return metrics_module.BinaryAccuracy(name=identifier)
        if len(true_shape) < len(pred_shape) or true_shape[-1] == 1:
            return metrics_module.SparseCategoricalAccuracy(name=identifier)
        return metrics_module.CategoricalAccuracy(name=identifier)
    metric = metrics_module.get(identifier)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


class CompiledMetrics:
    """Metrics per output (``weighted_metrics`` also see the sample weights); built at the first batch.
    With several outputs, each result is named ``<output>_<metric>``."""

    def __init__(self, metrics, weighted_metrics, output_names):
        for what, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and not isinstance(value, (list, tuple, dict)):
                raise ValueError(f"compile({what}=...) must be a list or a dict by output name, got {value!r}")
        self.requested = (metrics, weighted_metrics)
        self.output_names = output_names
        self.built = None  # [(output index, metric, weighted)]

    def build(self, y_true, y_pred):
        self.built = []
        for weighted, requested in zip((False, True), self.requested):
            if not requested:
                continue
            for k, group in enumerate(per_output(requested, self.output_names, "metrics")):
                for identifier in (as_list(group) if group is not None else []):
                    self.built.append((k, resolve_metric(identifier, y_true[k], y_pred[k]), weighted))

    def update(self, y_true, y_pred, sample_weight=None):
        if self.built is None:
            self.build(y_true, y_pred)
        for k, metric, weighted in self.built:
            metric.update_state(y_true[k], backend.to_numpy(y_pred[k]), sample_weight if weighted else None)

    def reset(self):
        for _, metric, _ in self.built or []:
            metric.reset_state()

    def results(self):
        results = {}
        for k, metric, weighted in self.built or []:
            name = metric.name if len(self.output_names) == 1 else f"{self.output_names[k]}_{metric.name}"
            if name in results:
                name = f"weighted_{name}" if weighted else name
            results[name] = float(metric.result())
        return results

    def names(self):
        """The metric names in Keras' ``metrics_names`` order (output prefixes not included)."""
        return [metric.name for _, metric, _ in self.built or []]


class Tracker:
    """The running, sample-weighted mean of each logged loss (``loss``, ``<output>_loss``)."""

    def __init__(self):
        self.totals, self.count = {}, 0

    def update(self, values, count):
        for name, value in values.items():
            self.totals[name] = self.totals.get(name, 0.0) + float(value) * count
        self.count += count

    def results(self):
        return {name: total / self.count for name, total in self.totals.items()}
