"""``model.summary()`` in Keras 3's layout: a boxed table of layers, output shapes and parameter
counts (plus "Connected to" for a functional model that is not a plain chain), then the totals
with their sizes in bytes. Cells wrap inside their column, so columns never run together."""

import shutil
import textwrap

from . import graph


def readable_size(size):
    """Bytes as Keras prints them: 196.00 B, 1.50 KB, 2.25 MB, ..."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join("None" if n is None else str(n) for n in shape) + ")"


def _output_shape(layer, nodes):
    mine = [node for node in layer._inbound_nodes if node in nodes] or layer._inbound_nodes
    if mine:
        shapes = [t.shape for t in mine[0].outputs]
        return _shape_text(shapes[0] if len(shapes) == 1 else shapes)
    return _shape_text(layer.output_shape)


def _is_chain(model, nodes):
    """Sequential, subclassed, or functional with one node per layer and one input per node."""
    if not nodes or type(model).__name__ == "Sequential":
        return True
    for layer in model.layers:
        mine = [node for node in layer._inbound_nodes if node in nodes]
        if len(mine) > 1 or any(len(node.input_tensors()) > 1 for node in mine):
            return False
    return True


def column_widths(positions, line_length):
    """Each column's width, padding included, for a table ``line_length`` wide with its borders:
    the widths the positions ask for, then (as Keras' table renderer does) the excess over the
    room left by the borders taken back evenly, rounding half to even, from left to right."""
    bounds = [int(p * line_length) for p in positions]
    widths = [b - a for a, b in zip([0] + bounds[:-1], bounds)]
    excess, left = sum(widths) - (line_length - len(widths) - 1), len(widths)
    for k in range(len(widths)):
        taken = min(widths[k], round(excess / left))
        widths[k], excess, left = widths[k] - taken, excess - taken, left - 1
    return widths


def _fit(cell, width):
    """A cell's lines: wrapped at spaces, a word longer than the column cut with an ellipsis."""
    lines = textwrap.wrap(cell, width, break_long_words=False, break_on_hyphens=False) or [""]
    return [line if len(line) <= width else line[:width - 1] + "…" for line in lines]


def _row(cells, widths, aligns, left, middle, right):
    wrapped = [_fit(cell, w - 2) for cell, w in zip(cells, widths)]
    lines = []
    for k in range(max(len(w) for w in wrapped)):
        parts = [(w[k] if k < len(w) else "") for w in wrapped]
        parts = [f" {p:>{w - 2}} " if a == "right" else f" {p:<{w - 2}} " for p, w, a in zip(parts, widths, aligns)]
        lines.append(left + middle.join(parts) + right)
    return lines


def _rule(widths, left, fill, middle, right):
    return left + middle.join(fill * w for w in widths) + right


def _weights_size(weights):
    return sum(w.size * w.dtype.itemsize for w in {id(w): w for w in weights}.values())


def format_summary(model, line_length=None):
    nodes = getattr(model, "_graph", None) and model._graph["nodes"]
    nodes = [n for n in nodes or [] if isinstance(n, graph.Node)]
    chain = _is_chain(model, nodes)
    header = ["Layer (type)", "Output Shape", "Param #"] + ([] if chain else ["Connected to"])
    aligns = ["left", "left", "right", "left"][:len(header)]
    default, positions = (88, [0.45, 0.80, 1.0]) if chain else (108, [0.3, 0.56, 0.74, 1.0])
    widths = column_widths(positions, line_length or min(default, shutil.get_terminal_size((80, 24)).columns - 4))
    lines = [f'Model: "{model.name}"', _rule(widths, "┏", "━", "┳", "┓"),
             *_row(header, widths, aligns, "┃", "┃", "┃"), _rule(widths, "┡", "━", "╇", "┩")]
    for k, layer in enumerate(model.layers):
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        cells = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer, nodes), params]
        if not chain:
            mine = [node for node in layer._inbound_nodes if node in nodes]
            cells.append(", ".join(label for node in mine for label in graph.node_labels(node)) or "-")
        if k:
            lines.append(_rule(widths, "├", "─", "┼", "┤"))
        lines += _row(cells, widths, aligns, "│", "│", "│")
    lines.append(_rule(widths, "└", "─", "┴", "┘"))
    total, trainable = model.weights, model.trainable_weights
    frozen = [w for w in total if all(w is not t for t in trainable)]
    counts = {label: (sum(w.size for w in weights), _weights_size(weights))
              for label, weights in (("Trainable", trainable), ("Non-trainable", frozen))}
    optimizer = _optimizer_params(model)
    counts["Total"] = tuple(sum(c[k] for c in [*counts.values(), *([optimizer] if optimizer else [])]) for k in (0, 1))
    labels = ["Total", "Trainable", "Non-trainable"] + (["Optimizer"] if optimizer else [])
    counts["Optimizer"] = optimizer
    for label in labels:
        lines.append(f" {label} params: {counts[label][0]:,} ({readable_size(counts[label][1])})")
    return "\n".join(lines)


def _optimizer_params(model):
    """(count, bytes) of the optimizer's variables once it has taken a step, as Keras 3 counts them:
    every slot and scalar, plus its step count (int64) and learning rate (float32); None before."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or optimizer.iterations == 0:
        return None
    state = optimizer.get_state(model.weights)
    arrays = [a for slots in state["slots"] for a in slots.values()] + list(state.get("scalars", {}).values())
    return sum(a.size for a in arrays) + 2, sum(a.nbytes for a in arrays) + 8 + 4
