"""Pictures of models: ``plot_model`` draws a model's layer graph with matplotlib (no pydot or
graphviz), one box per layer and one arrow per connection, as ``keras.utils.plot_model`` does.

The layout is computed here, in points, before anything is drawn:
- rank: a layer sits one rank below the deepest layer feeding it (inputs at rank 0), so the
  branches of a multi-input network run side by side and merge where the merge layer is;
- order: within a rank, boxes sit side by side, sorted by the mean position of their inputs
  (the layer order breaks ties), centred on that mean;
- edges: between consecutive ranks, from the bottom of one box to the top of the next (right
  angles for splines="ortho", straight or curved otherwise); an edge that skips ranks (a residual
  connection) leaves and enters on the boxes' right side and runs down a lane beside the boxes it
  passes, so it never crosses them.
"TB" draws ranks top to bottom, "BT" bottom to top, "LR" left to right, "RL" right to left.
"""

import os
import warnings

from ..checkpoint import _write_atomically
from ..model import Sequential

RANKDIRS = ("TB", "BT", "LR", "RL")
SPLINES = ("ortho", "line", "polyline", "curved", "spline")
FONT, FONT_SIZE = "DejaVu Sans Mono", 10.0       # monospace: each character is 0.6 em wide
CHAR_WIDTH, LINE_HEIGHT, PAD = 0.6 * FONT_SIZE, 1.45 * FONT_SIZE, 6.0
RANK_GAP, ORDER_GAP, LANE_GAP, MARGIN = 26.0, 18.0, 12.0, 12.0
MAX_PIXELS = 65000                                # Agg's limit on an image side is 2**16


# --- the graph --------------------------------------------------------------------------------


def layer_graph(model):
    """(layers, edges): the boxes to draw and the (source, destination) index pairs between them.

    A functional model: ``model.layers`` (Keras' order, InputLayers first) and, for every call of
    a layer in the model's graph, an edge from the layer that produced each of its inputs
    (``node.input_tensors()[k].node.layer``). A Sequential: its layers as a chain (no InputLayer,
    as Keras draws it). A subclassed model: one box, the model itself (its graph is its code).
    """
    graph = getattr(model, "_graph", None)
    if isinstance(model, Sequential):
        layers = model.layers
        return layers, [(k, k + 1) for k in range(len(layers) - 1)]
    if graph is None:
        return [model], []
    layers = model.layers
    index = {id(layer): k for k, layer in enumerate(layers)}
    edges = []
    for node in graph["nodes"]:
        if getattr(node, "is_input", True) or id(node.layer) not in index:
            continue
        for tensor in node.input_tensors():
            edge = (index.get(id(tensor.node.layer)), index[id(node.layer)])
            if edge[0] is not None and edge not in edges:
                edges.append(edge)
    return layers, edges


def layer_nodes(layer, model):
    """The calls of ``layer`` recorded in ``model``'s graph (its first call when the model has none)."""
    graph = getattr(model, "_graph", None)
    ids = {id(node) for node in graph["nodes"]} if graph else set()
    nodes = [node for node in getattr(layer, "_inbound_nodes", []) if id(node) in ids]
    return nodes or list(getattr(layer, "_inbound_nodes", []))[:1]


def shape_text(shapes):
    """Keras' text of one shape ``(None, 28, 28, 1)`` or of several ``[(None, 4), (None, 4)]``."""
    texts = ["(" + ", ".join("None" if n is None else str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
             for shape in shapes]
    return "?" if not texts else texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


def box_lines(layer, model, options):
    """The header line and the detail lines of a layer's box, as Keras labels it."""
    class_name = type(layer).__name__
    header = f"{layer.name} ({class_name})" if options["show_layer_names"] else class_name
    lines = []
    activation = getattr(layer, "activation", None)
    if options["show_layer_activations"] and activation is not None:
        lines.append(f"Activation: {getattr(activation, '__name__', activation)}")
    nodes = layer_nodes(layer, model)
    if options["show_shapes"]:
        if class_name != "InputLayer":
            inputs = [t.shape for t in nodes[0].input_tensors()] if nodes else []
            lines.append(f"Input shape: {shape_text(inputs)}")
        lines.append(f"Output shape: {shape_text([t.shape for t in nodes[0].outputs] if nodes else [])}")
    if options["show_dtype"]:
        dtypes = [str(t.dtype) for t in nodes[0].outputs] if nodes else []
        lines.append(f"Output dtype: {dtypes[0] if len(dtypes) == 1 else dtypes or '?'}")
    if options["show_trainable"] and layer.weights:
        lines.append("Trainable" if layer.trainable else "Non-trainable")
    return header, lines


# --- the layout, in points: r along the ranks, o across them -----------------------------------


def ranks_of(count, edges):
    """rank[v] = 1 + max rank of v's inputs (0 for a box without inputs). Edges that point back in
    the layer order (a layer shared by calls at several depths) do not count."""
    rank = [0] * count
    for source, destination in sorted(edges, key=lambda edge: edge[1]):
        if source < destination:
            rank[destination] = max(rank[destination], rank[source] + 1)
    return rank


def layout(sizes, edges, rank):
    """Centres {box: (r, o)} for boxes of sizes [(size along r, size along o)]: ranks stacked with
    RANK_GAP between their tallest boxes, boxes of a rank ORDER_GAP apart, centred on their inputs."""
    by_rank = {}
    for box, k in enumerate(rank):
        by_rank.setdefault(k, []).append(box)
    inputs = {box: [s for s, d in edges if d == box and rank[s] < rank[box]] for box in range(len(sizes))}
    centre, r = {}, 0.0
    for k in sorted(by_rank):
        boxes = by_rank[k]
        depth = max(sizes[box][0] for box in boxes)
        wanted = {box: (sum(centre[s][1] for s in inputs[box]) / len(inputs[box]) if inputs[box] else 0.0)
                  for box in boxes}
        boxes.sort(key=lambda box: (wanted[box], box))
        width = sum(sizes[box][1] for box in boxes) + ORDER_GAP * (len(boxes) - 1)
        o = sum(wanted.values()) / len(boxes) - width / 2
        for box in boxes:
            centre[box] = (r + depth / 2, o + sizes[box][1] / 2)
            o += sizes[box][1] + ORDER_GAP
        r += depth + RANK_GAP
    return centre


def spread(k, count, size):
    """Offset of the k-th of ``count`` attachment points along a side of length ``size``."""
    return (k - (count - 1) / 2) * size / (count + 1)


def edge_paths(edges, rank, sizes, centre, splines):
    """Each edge as (points, kind): kind "polyline" (straight segments) or "curve" (a cubic Bezier
    through 4 points). Arrows attach to the bottom of the source and the top of the destination,
    spread along the side when several share it; rank-skipping edges take a lane on the right."""
    out_edges = {s: [e for e in edges if e[0] == s and rank[e[1]] == rank[s] + 1] for s, _ in edges}
    in_edges = {d: [e for e in edges if e[1] == d and rank[e[0]] == rank[d] - 1] for _, d in edges}
    top_of_rank = {}
    for box, k in enumerate(rank):
        top_of_rank[k] = min(top_of_rank.get(k, float("inf")), centre[box][0] - sizes[box][0] / 2)
    lanes, paths = [], []
    for edge in edges:
        source, destination = edge
        (rs, os_), (rd, od) = centre[source], centre[destination]
        (hs, ws), (hd, wd) = sizes[source], sizes[destination]
        if rank[destination] == rank[source] + 1:
            siblings, partners = out_edges[source], in_edges[destination]
            start = (rs + hs / 2, os_ + spread(siblings.index(edge), len(siblings), ws))
            end = (rd - hd / 2, od + spread(partners.index(edge), len(partners), wd))
            middle = top_of_rank[rank[destination]] - RANK_GAP / 2
            if abs(start[1] - end[1]) < min(ws, wd) / 4:  # nearly in line: one straight arrow
                start = (start[0], end[1])
            if splines == "ortho":
                bend = abs(start[1] - end[1]) > 0.5
                points = [start, (middle, start[1]), (middle, end[1]), end] if bend else [start, end]
                paths.append((points, "polyline"))
            elif splines in ("curved", "spline"):
                paths.append(([start, (middle, start[1]), (middle, end[1]), end], "curve"))
            else:
                paths.append(([start, end], "polyline"))
            continue
        passed = [box for box, k in enumerate(rank) if min(rank[source], rank[destination]) <= k
                  <= max(rank[source], rank[destination])]
        forward = rank[destination] > rank[source]
        side = 1 if forward else -1        # forward skips on the right, back edges on the left
        lane = side * (max(side * centre[box][1] + sizes[box][1] / 2 for box in passed) + LANE_GAP)
        span = sorted((rs, rd))
        while any(l_side == side and abs(l_o - lane) < LANE_GAP / 2 and l_span[0] < span[1] and span[0] < l_span[1]
                  for l_side, l_o, l_span in lanes):
            lane += side * LANE_GAP
        lanes.append((side, lane, span))
        start = (rs + (hs / 4 if forward else -hs / 4), os_ + side * ws / 2)
        end = (rd - (hd / 4 if forward else -hd / 4), od + side * wd / 2)
        paths.append(([start, (start[0], lane), (end[0], lane), end], "polyline"))
    return paths


# --- drawing --------------------------------------------------------------------------------


class Box:
    """A layer's box in the picture: centre (x, y) and size in points (y downward), its text."""

    def __init__(self, layer, x, y, width, height, header, lines):
        self.layer, self.x, self.y, self.width, self.height = layer, x, y, width, height
        self.header, self.lines = header, lines

    @property
    def bounds(self):
        """(left, top, right, bottom)."""
        return (self.x - self.width / 2, self.y - self.height / 2, self.x + self.width / 2, self.y + self.height / 2)


def diagram(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
            show_layer_activations=False, show_trainable=False, splines="ortho"):
    """The picture ``plot_model`` draws, before drawing: (boxes, arrows, (width, height)), in points
    with y downward. boxes: a ``Box`` per layer in ``layer_graph`` order; arrows: (points, kind)
    per edge, kind "polyline" or "curve" (cubic Bezier), the arrowhead at the last point."""
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                   show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    layers, edges = layer_graph(model)
    if not layers:
        raise ValueError(f"plot_model: {model.name} has no layers to draw")
    labels = [box_lines(layer, model, options) for layer in layers]
    extents = [(max(len(line) for line in [header] + lines) * CHAR_WIDTH + 2 * PAD,
                (1 + len(lines)) * LINE_HEIGHT + 2 * PAD) for header, lines in labels]   # (width, height)
    across = rankdir in ("TB", "BT")
    sizes = [(h, w) if across else (w, h) for w, h in extents]                               # (along r, along o)
    rank = ranks_of(len(layers), edges)
    centre = layout(sizes, edges, rank)
    paths = edge_paths(edges, rank, sizes, centre, splines)

    placed = [(centre[box], size) for box, size in enumerate(sizes)]
    r_low = min(c[0] - s[0] / 2 for c, s in placed) - MARGIN
    r_high = max(c[0] + s[0] / 2 for c, s in placed) + MARGIN
    o_points = [c[1] + sign * s[1] / 2 for c, s in placed for sign in (-1, 1)]
    o_points += [p[1] for points, _ in paths for p in points]
    o_low, o_high = min(o_points) - MARGIN, max(o_points) + MARGIN
    flip = rankdir in ("BT", "RL")

    def to_xy(r, o):
        """Layout point -> picture point."""
        r = r_high - r if flip else r - r_low
        return (o - o_low, r) if across else (r, o - o_low)

    boxes = [Box(layer, *to_xy(*centre[k]), *extents[k], *labels[k]) for k, layer in enumerate(layers)]
    arrows = [([to_xy(*p) for p in points], kind) for points, kind in paths]
    size = (o_high - o_low, r_high - r_low) if across else (r_high - r_low, o_high - o_low)
    return boxes, arrows, size


def check_options(model, to_file, rankdir, dpi, expand_nested, splines, kwargs):
    """The file format (from to_file's extension; png without one), or an error naming the argument."""
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("plot_model: layer_range is no longer supported (as in Keras 3)")
    if kwargs:
        raise ValueError(f"plot_model: unrecognized keyword arguments {sorted(kwargs)}")
    if not getattr(model, "built", False):
        raise ValueError(f"plot_model: {getattr(model, 'name', model)!r} has not been built yet; build it first "
                         "(give the first layer an input shape, call build(), or call the model on a batch)")
    if rankdir not in RANKDIRS:
        raise ValueError(f"plot_model: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if splines not in SPLINES:
        raise ValueError(f"plot_model: splines must be one of {SPLINES}, got {splines!r}")
    if expand_nested:
        raise ValueError("plot_model: expand_nested=True is not supported by minicnn; a nested model is drawn "
                         "as one box (leave expand_nested=False)")
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or dpi <= 0:
        raise ValueError(f"plot_model: dpi must be a positive number, got {dpi!r}")
    return os.path.splitext(os.fspath(to_file))[1][1:].lower() or "png"


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=96, show_layer_activations=False, show_trainable=False,
               splines="ortho", **kwargs):
    """Draw ``model``'s layers and connections into ``to_file`` (its extension picks the format:
    png, pdf, svg, jpg, ...; none: png), written atomically (a temporary file, then a rename).

    Each box is headed "name (Class)" (only "Class" without show_layer_names) and lists, as
    asked, the activation, "Input shape: ..." / "Output shape: ..." (show_shapes, batch axis
    None), "Output dtype: ..." (show_dtype) and "Trainable" / "Non-trainable" (show_trainable,
    for layers with weights). The layout is described in this module's docstring; a picture
    longer than 65,000 pixels is drawn at a lower dpi, with a warning.

    Returns IPython's ``display.Image`` of the file when IPython is installed, as Keras does
    (for png and jpeg only, the formats it embeds), else None. The defaults are tf.keras 2's
    (show_layer_names=True, dpi=96), with which the source material's pictures were drawn;
    Keras 3 has show_layer_names=False, dpi=200.
    """
    extension = check_options(model, to_file, rankdir, dpi, expand_nested, splines, kwargs)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    supported = FigureCanvasAgg(Figure()).get_supported_filetypes()
    if extension not in supported:
        raise ValueError(f"plot_model: cannot write {os.fspath(to_file)!r}: the extension .{extension} is not a "
                         f"format matplotlib writes ({', '.join(sorted(supported))})")
    boxes, arrows, (width, height) = diagram(model, show_shapes, show_dtype, show_layer_names, rankdir,
                                             show_layer_activations, show_trainable, splines)
    largest = max(width, height) / 72 * dpi
    if largest > MAX_PIXELS:
        warnings.warn(f"plot_model: the picture would be {largest:.0f} pixels long at dpi={dpi}; "
                      f"drawing it at dpi={dpi * MAX_PIXELS / largest:.1f} instead")
        dpi = dpi * MAX_PIXELS / largest
    figure = draw_diagram(boxes, arrows, (width, height))
    _write_atomically(to_file, lambda stream: figure.savefig(stream, format=extension, dpi=dpi))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(to_file, 0o666 & ~umask)  # readable as any new file is (the temporary file was made 0600)
    if extension not in ("png", "jpg", "jpeg"):
        return None
    try:
        from IPython import display
    except ImportError:
        return None
    return display.Image(filename=os.fspath(to_file), format="png" if extension == "png" else "jpeg")


def draw_diagram(boxes, arrows, size):
    """The matplotlib Figure (Agg canvas, no display) of ``diagram``'s boxes and arrows, ``size``
    (width, height) in points: one axes over the whole figure, y downward."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    width, height = size
    figure = Figure(figsize=(width / 72, height / 72))
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(height, 0)
    axes.axis("off")
    for points, kind in arrows:
        draw_arrow(axes, points, kind)
    for box in boxes:
        draw_box(axes, box)
    return figure


def draw_box(axes, box):
    """The header in white on black, the detail lines below it on white."""
    from matplotlib.patches import Rectangle
    left, top = box.bounds[:2]
    header_height = LINE_HEIGHT + (PAD if box.lines else 2 * PAD)
    axes.add_patch(Rectangle((left, top), box.width, box.height, facecolor="white", edgecolor="black", linewidth=1.0,
                             zorder=2))
    axes.add_patch(Rectangle((left, top), box.width, header_height, facecolor="black", edgecolor="black", zorder=3))
    text = dict(ha="center", va="center", family=FONT, fontsize=FONT_SIZE, zorder=4)
    axes.text(box.x, top + header_height / 2, box.header, color="white", weight="bold", **text)
    for k, line in enumerate(box.lines):
        axes.text(box.x, top + header_height + (k + 0.5) * LINE_HEIGHT, line, color="black", **text)


def draw_arrow(axes, points, kind):
    """A black line through ``points`` with an arrowhead at the last one."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path
    codes = [Path.MOVETO] + ([Path.CURVE4] * 3 if kind == "curve" else [Path.LINETO] * (len(points) - 1))
    axes.add_patch(FancyArrowPatch(path=Path(points, codes), arrowstyle="-|>", mutation_scale=12, linewidth=1.5,
                                   color="black", shrinkA=0, shrinkB=0, zorder=1))
