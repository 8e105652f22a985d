"""keras.utils.plot_model (minicnn.viz): the boxes and connections of a Sequential, the two-input
Y-network and a ResNet-style graph with skip connections against the same models built in Keras
(edges by layer position, box texts from Keras' own shapes and dtypes); the layout's geometry
(no box overlaps another, no arrow crosses a box, ranks run the way rankdir says); the files
written (PNG, SVG, PDF, sizes from dpi, atomic replacement); the arguments refused."""

import os
import re

import numpy as np
import pytest

import minicnn as mc
import minicnn.keras as mk
import minicnn.tf as mtf
from minicnn.viz import diagram, layer_graph, plot_model


def sequential(k):
    return k.Sequential([k.Input((8, 8, 1)), k.layers.Conv2D(4, 3, activation="relu"), k.layers.MaxPooling2D(),
                         k.layers.Flatten(), k.layers.Dense(10, activation="softmax")])


def y_network(k):
    """Seed 000 Listing 5.2, shortened to two Conv-Dropout-Pool units per branch."""
    inputs, branches = [], []
    for dilation in (1, 2):
        x = k.Input((12, 12, 1))
        inputs.append(x)
        for filters in (8, 16):
            x = k.layers.Conv2D(filters, 3, padding="same", activation="relu", dilation_rate=dilation)(x)
            x = k.layers.Dropout(0.4)(x)
            x = k.layers.MaxPooling2D()(x)
        branches.append(x)
    y = k.layers.Flatten()(k.layers.concatenate(branches))
    return k.Model(inputs, k.layers.Dense(10, activation="softmax")(k.layers.Dropout(0.4)(y)))


def resnet_style(k):
    """Two residual blocks: an identity shortcut, then a strided block with a 1x1 projection."""
    x = inputs = k.Input((8, 8, 3))
    x = k.layers.Activation("relu")(k.layers.BatchNormalization()(k.layers.Conv2D(4, 3, padding="same")(x)))
    y = k.layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    y = k.layers.BatchNormalization()(k.layers.Conv2D(4, 3, padding="same")(y))
    x = k.layers.Activation("relu")(k.layers.add([x, y]))
    y = k.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    y = k.layers.Conv2D(8, 3, padding="same")(y)
    shortcut = k.layers.Conv2D(8, 1, strides=2)(x)
    x = k.layers.Activation("relu")(k.layers.add([shortcut, y]))
    return k.Model(inputs, k.layers.Dense(10)(k.layers.GlobalAveragePooling2D()(x)))


MODELS = {"sequential": sequential, "y-network": y_network, "resnet-style": resnet_style}


def keras_edges(model, keras):
    """(source, destination) positions in model.layers, from Keras' own graph (a Sequential: its chain)."""
    layers = model.layers
    if isinstance(model, keras.Sequential):
        return {(k, k + 1) for k in range(len(layers) - 1)}
    position = {id(layer): k for k, layer in enumerate(layers)}
    return {(position[id(t._keras_history.operation)], position[id(layer)])
            for layer in layers for node in layer._inbound_nodes for t in node.input_tensors}


def keras_box_lines(layer, shapes=False, dtype=False, activations=False, trainable=False):
    """The detail lines Keras' plot_model puts in a layer's box, from Keras' own layer."""
    import keras
    lines = []
    if activations and getattr(layer, "activation", None) is not None:
        lines.append(f"Activation: {layer.activation.__name__}")
    if shapes:
        if type(layer).__name__ != "InputLayer":
            lines.append(f"Input shape: {keras.tree.map_structure(lambda t: t.shape, layer.input)}")
        lines.append(f"Output shape: {keras.tree.map_structure(lambda t: t.shape, layer.output)}")
    if dtype:
        lines.append(f"Output dtype: {layer.output.dtype}")
    if trainable and layer.weights:
        lines.append("Trainable" if layer.trainable else "Non-trainable")
    return lines


@pytest.fixture(scope="module")
def keras(tf):
    import keras
    return keras


@pytest.mark.parametrize("name", MODELS)
def test_boxes_and_edges_are_keras_layers_and_connections(keras, name):
    ours, theirs = MODELS[name](mk), MODELS[name](keras)
    layers, edges = layer_graph(ours)
    assert [type(layer).__name__ for layer in layers] == [type(layer).__name__ for layer in theirs.layers], name
    assert set(edges) == keras_edges(theirs, keras), f"{name}: edges {sorted(edges)}"
    assert len(edges) == len(set(edges)), f"{name}: an edge is listed twice"


OPTIONS = {
    "shapes": dict(shapes=True),
    "dtype-activations-trainable": dict(dtype=True, activations=True, trainable=True),
    "everything": dict(shapes=True, dtype=True, activations=True, trainable=True),
}


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("name", MODELS)
def test_box_texts_are_keras_labels(keras, name, option):
    ours, theirs = MODELS[name](mk), MODELS[name](keras)
    for model in (ours, theirs):  # a frozen layer shows as such
        model.layers[-1].trainable = False
    flags = OPTIONS[option]
    boxes, _, _ = diagram(ours, show_shapes=flags.get("shapes", False), show_dtype=flags.get("dtype", False),
                          show_layer_activations=flags.get("activations", False),
                          show_trainable=flags.get("trainable", False))
    for box, layer in zip(boxes, theirs.layers):
        assert box.header == f"{box.layer.name} ({type(layer).__name__})"
        expected = keras_box_lines(layer, **flags)
        assert box.lines == expected, f"{name}, {box.layer.name}: {box.lines}, Keras {expected}"


def test_without_layer_names_a_box_shows_its_class():
    boxes, _, _ = diagram(sequential(mk), show_layer_names=False)
    assert [box.header for box in boxes] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def on_border(point, bounds):
    x, y = point
    left, top, right, bottom = bounds
    inside = left - 0.5 <= x <= right + 0.5 and top - 0.5 <= y <= bottom + 0.5
    return inside and min(abs(x - left), abs(x - right), abs(y - top), abs(y - bottom)) < 0.5


def crosses(segment, bounds):
    """Whether the segment passes through the box's interior (shrunk by 1 point)."""
    (x0, y0), (x1, y1) = segment
    left, top, right, bottom = bounds[0] + 1, bounds[1] + 1, bounds[2] - 1, bounds[3] - 1
    t = np.linspace(0, 1, 200)
    xs, ys = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    return bool(np.any((xs > left) & (xs < right) & (ys > top) & (ys < bottom)))


RANKDIRS = ["TB", "LR", "BT", "RL"]


@pytest.mark.parametrize("rankdir", RANKDIRS)
@pytest.mark.parametrize("name", MODELS)
def test_layout_keeps_boxes_apart_and_arrows_off_other_boxes(name, rankdir):
    model = MODELS[name](mk)
    boxes, arrows, (width, height) = diagram(model, show_shapes=True, rankdir=rankdir)
    _, edges = layer_graph(model)
    bounds = [box.bounds for box in boxes]
    for i in range(len(boxes)):
        assert 0 <= bounds[i][0] and bounds[i][2] <= width and 0 <= bounds[i][1] and bounds[i][3] <= height, \
            f"{name} {rankdir}: {boxes[i].layer.name} is outside the picture"
        for j in range(i):
            assert not overlap(bounds[i], bounds[j]), \
                f"{name} {rankdir}: {boxes[i].layer.name} overlaps {boxes[j].layer.name}"
    assert len(arrows) == len(edges)
    for (source, destination), (points, kind) in zip(edges, arrows):
        what = f"{name} {rankdir}: the arrow {boxes[source].layer.name} -> {boxes[destination].layer.name}"
        assert on_border(points[0], bounds[source]), f"{what} does not leave from its source's border"
        assert on_border(points[-1], bounds[destination]), f"{what} does not end on its destination's border"
        for segment in zip(points, points[1:]):
            for k, box in enumerate(bounds):
                assert k in (source, destination) or not crosses(segment, box), \
                    f"{what} crosses {boxes[k].layer.name}"


def rank_axis(rankdir):
    """(coordinate along the ranks, sign): where a later rank lies."""
    return {"TB": ("y", 1), "BT": ("y", -1), "LR": ("x", 1), "RL": ("x", -1)}[rankdir]


@pytest.mark.parametrize("rankdir", RANKDIRS)
def test_y_network_branches_run_side_by_side_and_merge_at_the_concatenate(rankdir):
    boxes, _, _ = diagram(y_network(mk), rankdir=rankdir)
    along, sign = rank_axis(rankdir)
    across = "x" if along == "y" else "y"
    by_class = {}
    for box in boxes:
        by_class.setdefault(type(box.layer).__name__, []).append(box)
    first, second = by_class["InputLayer"]
    assert getattr(first, along) == getattr(second, along), "the two inputs are not on the same rank"
    merge = by_class["Concatenate"][0]
    branch = boxes[2:boxes.index(merge)]  # Keras' order: the inputs, the branch layers, then the merge
    assert {type(box.layer).__name__ for box in branch} == {"Conv2D", "Dropout", "MaxPooling2D"}
    assert all(sign * getattr(merge, along) > sign * getattr(box, along) for box in branch), \
        "the concatenate is not after every branch layer"
    assert all(sign * getattr(box, along) > sign * getattr(first, along) for box in branch)
    left, right = sorted((first, second), key=lambda box: getattr(box, across))
    lower = getattr(left, across) < getattr(merge, across) < getattr(right, across)
    assert lower, "the concatenate is not between the two branches"
    sides = {getattr(box, across) < getattr(merge, across) for box in branch}
    assert sides == {True, False}, "the branches are not on either side of the concatenate"
    dense = by_class["Dense"][0]
    assert sign * getattr(dense, along) == max(sign * getattr(box, along) for box in boxes), "the output is not last"


def test_a_skip_connection_goes_around_the_layers_it_skips():
    model = resnet_style(mk)
    boxes, arrows, _ = diagram(model)
    _, edges = layer_graph(model)
    adds = [k for k, box in enumerate(boxes) if type(box.layer).__name__ == "Add"]
    long_edges = [(edge, points) for edge, (points, _) in zip(edges, arrows)
                  if edge[1] in adds and boxes[edge[1]].y - boxes[edge[0]].y > 2 * boxes[edge[0]].height]
    assert len(long_edges) == 2, f"expected the two shortcut arrows, got {[edge for edge, _ in long_edges]}"
    for (source, destination), points in long_edges:
        skipped = [box for box in boxes if boxes[source].y < box.y < boxes[destination].y]
        lane = max(x for x, _ in points)
        assert all(lane > box.bounds[2] for box in skipped), "the shortcut runs through the layers it skips"


@pytest.mark.parametrize("name", MODELS)
def test_png_is_written_at_the_size_dpi_gives(tmp_path, name):
    import matplotlib.image
    model = MODELS[name](mk)
    _, _, (width, height) = diagram(model, show_shapes=True)
    for dpi in (48, 96):
        path = tmp_path / f"{name}-{dpi}.png"
        plot_model(model, to_file=str(path), show_shapes=True, dpi=dpi)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
        pixels = matplotlib.image.imread(str(path))
        expected = (round(height / 72 * dpi), round(width / 72 * dpi))
        assert abs(pixels.shape[0] - expected[0]) <= 1 and abs(pixels.shape[1] - expected[1]) <= 1, \
            f"{name} at dpi {dpi}: {pixels.shape[:2]}, expected {expected}"
        dark = np.mean(pixels[..., :3].mean(axis=-1) < 0.2)
        assert 0.02 < dark < 0.9, f"{name}: {dark:.3f} of the picture is dark; the boxes were not drawn"


@pytest.mark.parametrize("extension, magic", [(".svg", b"<?xml"), (".pdf", b"%PDF"), ("", b"\x89PNG")])
def test_the_extension_picks_the_format(tmp_path, extension, magic):
    path = tmp_path / f"model{extension}"
    plot_model(y_network(mk), to_file=str(path))
    assert path.read_bytes()[:len(magic)] == magic


def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    from matplotlib.figure import Figure
    path = tmp_path / "model.png"
    path.write_bytes(b"the old picture")

    def broken_savefig(self, stream, **kwargs):
        stream.write(b"half a pic")
        raise OSError("disk full")
    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        plot_model(sequential(mk), to_file=str(path))
    assert path.read_bytes() == b"the old picture"
    assert os.listdir(tmp_path) == ["model.png"], f"left behind: {os.listdir(tmp_path)}"


def test_a_subclassed_model_is_one_box_and_a_nested_model_one_box_in_its_parent():
    class Net(mc.Model):
        def __init__(self):
            super().__init__()
            self.dense = mc.layers.Dense(3)

        def call(self, x):
            return self.dense(x)
    net = Net()
    net(np.zeros((1, 4), np.float32))
    boxes, arrows, _ = diagram(net)
    assert [box.header for box in boxes] == [f"{net.name} (Net)"] and arrows == []
    inner = mc.Sequential([mc.layers.Dense(4, input_shape=(3,)), mc.layers.Dense(2)], name="inner")
    x = mc.Input((3,))
    outer = mc.Model(x, mc.layers.Dense(1)(inner(x)))
    layers, edges = layer_graph(outer)
    assert [type(layer).__name__ for layer in layers] == ["InputLayer", "Sequential", "Dense"]
    assert sorted(edges) == [(0, 1), (1, 2)]


def test_a_layer_shared_by_two_calls_is_drawn_once():
    shared = mc.layers.Dense(3, name="shared")
    a, b = mc.Input((3,)), mc.Input((3,))
    model = mc.Model([a, b], mc.layers.add([shared(a), shared(b)]))
    layers, edges = layer_graph(model)
    assert [layer.name for layer in layers].count("shared") == 1
    boxes, arrows, _ = diagram(model)
    assert len(arrows) == len(edges) == 3


def test_keras_and_tf_keras_names_lead_here():
    assert mk.utils.plot_model is plot_model and mtf.keras.utils.plot_model is plot_model


ERRORS = {
    "unbuilt": (lambda p: plot_model(mc.Sequential([mc.layers.Dense(2)]), p), ValueError, "has not been built"),
    "rankdir": (lambda p: plot_model(sequential(mk), p, rankdir="TD"), ValueError, "rankdir must be one of"),
    "splines": (lambda p: plot_model(sequential(mk), p, splines="zigzag"), ValueError, "splines"),
    "unknown-keyword": (lambda p: plot_model(sequential(mk), p, show_colors=True), ValueError, "show_colors"),
    "layer-range": (lambda p: plot_model(sequential(mk), p, layer_range=["a", "b"]), ValueError, "layer_range"),
    "expand-nested": (lambda p: plot_model(sequential(mk), p, expand_nested=True), ValueError, "expand_nested"),
    "dpi": (lambda p: plot_model(sequential(mk), p, dpi=0), ValueError, "dpi"),
    "extension": (lambda p: plot_model(sequential(mk), p + ".dot"), ValueError, ".dot"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_bad_arguments_are_refused_naming_them(tmp_path, name):
    make, error, words = ERRORS[name]
    with pytest.raises(error, match=re.escape(words)):
        make(str(tmp_path / "model"))
    assert os.listdir(tmp_path) == [], "a refused call wrote a file"
