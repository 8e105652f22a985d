"""The pictures of minicnn.viz and ``minicnn explain``: every command writes a PNG; the numbers each
picture shows are checked against an independent computation (loops over windows, the matrix
definition of W', the source material's printed outputs, np.linalg.norm of the gradients), and
read back from the figure's own texts and images, so the picture shows what was checked.

Line numbers refer to shared/seeds/001_0dc837b8b3f160e0.txt.
"""

import os

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F
from minicnn.cli import main
from minicnn.viz import (
    GradientNormRecorder, conv_steps, conv_steps_figure, feature_maps, feature_maps_figure, filters_figure,
    im2col_figure, im2col_matrix, plot_gradient_norms, sparse_matrix_example, sparse_matrix_figure, train_lenet5,
    y_network_figure,
)
from minicnn.viz.figures import number_text, save_figure

PNG = b"\x89PNG\r\n\x1a\n"

# The source material's numbers, typed from the text (not taken from minicnn.viz).
X_4X4 = np.arange(1, 17, dtype=np.float64).reshape(4, 4)                  # line 1057
W_SEED = np.array([[-1, 2, -3], [4, -5, 6], [-7, 8, -9]], dtype=np.float64)  # line 1061
OUT_4X4 = [[-56, -61], [-76, -81]]                                           # line 1069
TRANSPOSED_4X4 = [[56, -51, 46, 183], [-148, -35, 35, -123], [88, 35, -35, 63], [532, -41, 36, 729]]  # line 1082
FIRST_WINDOW = [[1, -1, 0], [-1, -2, 2], [1, 2, -2]]                        # line 125
STEPS_KERNEL = [[-1, 1, 2], [1, -1, 3], [0, -1, -2]]                        # line 125
FIRST_SUM_TEXT = "-1-1+0-1+2+6+0-2+4=7"                                      # line 127 (written with ASCII minus)


def texts_of(figure, name):
    """{(r, c): text} of the cells of grid ``name`` (their gid is "name[r,c]")."""
    cells = {}
    for axes in figure.axes:
        for text in axes.texts:
            gid = text.get_gid() or ""
            if gid.startswith(name + "["):
                r, c = (int(n) for n in gid[len(name) + 1:-1].split(","))
                cells[(r, c)] = text.get_text()
    return cells


def gid_texts(figure, prefix):
    """{gid: text} of the texts whose gid starts with ``prefix``."""
    return {t.get_gid(): t.get_text() for axes in figure.axes for t in axes.texts
            if (t.get_gid() or "").startswith(prefix)}


def grid_texts(figure, name):
    """The texts of grid ``name`` as a list of rows."""
    cells = texts_of(figure, name)
    assert cells, f"the figure has no cells named {name!r}"
    rows, columns = max(r for r, _ in cells) + 1, max(c for _, c in cells) + 1
    return [[cells[(r, c)] for c in range(columns)] for r in range(rows)]


def as_texts(values):
    return [[number_text(v) for v in row] for row in np.atleast_2d(values)]


def padded(image, pads):
    (top, bottom), (left, right) = pads
    return np.pad(np.asarray(image, dtype=np.float64), ((top, bottom), (left, right)))


# --- every command writes a picture ---------------------------------------------------------------


@pytest.fixture(scope="module")
def lenet(tmp_path_factory):
    """LeNet-5 trained one epoch on the digits (28x28), and its weights file."""
    model, (x_test, y_test), accuracy = train_lenet5(epochs=1)
    path = tmp_path_factory.mktemp("lenet") / "lenet5.npz"
    model.save_weights(str(path))
    return model, x_test, y_test, accuracy, path


COMMANDS = {
    "im2col": [], "im2col-same": ["--input-size", "5", "--stride", "2", "--padding", "same"],
    "sparse": [], "sparse-stride-2": ["--input-size", "5", "--kernel-size", "2", "--stride", "2"],
    "conv-steps": [], "conv-steps-4x4": ["--input-size", "4", "--kernel-size", "2", "--stride", "2"],
    "graph": [], "grad-norms": ["--depth", "2", "--epochs", "1"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_writes_a_png(command, tmp_path, capsys):
    out = tmp_path / "picture.png"
    assert main(["explain", command.split("-same")[0].split("-stride")[0].split("-4x4")[0], "--out", str(out),
                 *COMMANDS[command]]) == 0
    assert out.read_bytes()[:8] == PNG and out.stat().st_size > 5000, f"{command}: {out.stat().st_size} bytes"
    assert capsys.readouterr().out.startswith(f"wrote {out}")
    assert os.listdir(tmp_path) == ["picture.png"], f"{command} left {os.listdir(tmp_path)}"


@pytest.mark.parametrize("command", ["feature-maps", "filters"])
def test_the_lenet_commands_write_a_png_from_saved_weights(command, lenet, tmp_path, capsys):
    *_, accuracy, weights = lenet
    out = tmp_path / f"{command}.png"
    assert main(["explain", command, "--weights", str(weights), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG and out.stat().st_size > 5000
    assert f"test accuracy {accuracy:.3f}" in capsys.readouterr().out  # the saved model, not a new one


@pytest.mark.parametrize("argv, message", [
    (["explain", "im2col", "--out", "x.txt"], "image suffix"),
    (["explain", "im2col", "--input-size", "12", "--out", "x.png"], "more than"),
    (["explain", "im2col", "--input-size", "2", "--out", "x.png"], "empty"),
    (["explain", "sparse", "--input-size", "7", "--out", "x.png"], "25 x 49 = 1225 cells"),
    (["explain", "conv-steps", "--input-size", "2", "--kernel-size", "3", "--out", "x.png"], "empty"),
    (["explain", "conv-steps", "--input-size", "9", "--out", "x.png"], "49 panels"),
    (["explain", "feature-maps", "--index", "450", "--out", "x.png"],
     "--index must be between 0 and 449 (the test images), got 450"),
    (["explain", "filters", "--weights", "missing.npz", "--out", "x.png"], "missing.npz"),
], ids=["suffix", "im2col-too-big", "im2col-empty", "sparse-too-big", "steps-empty", "steps-too-many", "index",
        "no-weights"])
def test_bad_requests_are_one_line_errors(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    error = capsys.readouterr().err
    assert error.startswith("minicnn explain: ") and message in error and "Traceback" not in error
    assert os.listdir(tmp_path) == []


def test_without_matplotlib_the_command_says_how_to_get_it(tmp_path, capsys, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    monkeypatch.chdir(tmp_path)
    assert main(["explain", "graph", "--out", "x.png"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("minicnn explain: ") and "pip install 'minicnn[plot]'" in error
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv", [["explain", "--out", "x.png"], ["explain", "im2col"],
                                  ["explain", "im2col", "--stride", "0", "--out", "x.png"],
                                  ["explain", "sparse", "--padding", "full", "--out", "x.png"],
                                  ["explain", "grad-norms", "--activation", "softmax", "--out", "x.png"]],
                         ids=["no-picture", "no-out", "stride-0", "padding-full", "activation"])
def test_bad_options_are_refused_by_the_parser(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2 and "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("call, error, message", [
    (lambda: im2col_matrix(np.zeros((1, 4, 4))), ValueError, "2-D array"),
    (lambda: im2col_figure(kernel=np.zeros((3, 3, 1))), ValueError, "kernel must be a 2-D"),
    (lambda: sparse_matrix_example(np.zeros(4)), ValueError, "must be 2-D"),
    (lambda: conv_steps(np.zeros((5, 5, 1))), ValueError, "must be 2-D arrays"),
    (lambda: plot_gradient_norms({"a": [1.0]}, fraction=0), ValueError, "fraction must be in"),
    (lambda: filters_figure(mc.Sequential([mc.layers.Input((4,)), mc.layers.Dense(2)])), ValueError,
     "no convolution layer"),
], ids=["im2col-3d", "kernel-3d", "sparse-1d", "steps-3d", "fraction", "no-conv"])
def test_bad_arguments_name_what_was_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    from matplotlib.figure import Figure
    path = tmp_path / "im2col.png"
    path.write_bytes(b"the old picture")
    figure = im2col_figure()

    def broken_savefig(self, stream, **kwargs):
        stream.write(b"half a pic")
        raise OSError("disk full")
    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        save_figure(figure, path, "test")
    assert path.read_bytes() == b"the old picture" and os.listdir(tmp_path) == ["im2col.png"]


# --- im2col -------------------------------------------------------------------------------------------


def im2col_by_loops(image, k, stride, pads):
    """Row p·OW + q: the k x k window at (p·s, q·s) of the padded image, read cell by cell."""
    xpad = padded(image, pads)
    oh, ow = (xpad.shape[0] - k) // stride + 1, (xpad.shape[1] - k) // stride + 1
    rows, positions = [], []
    for p in range(oh):
        for q in range(ow):
            rows.append([xpad[p * stride + i, q * stride + j] for i in range(k) for j in range(k)])
            spots = []
            for i in range(k):
                for j in range(k):
                    r, c = p * stride + i - pads[0][0], q * stride + j - pads[1][0]
                    inside = 0 <= r < image.shape[0] and 0 <= c < image.shape[1]
                    spots.append((r, c) if inside else (-1, -1))
            positions.append(spots)
    return np.array(rows), np.array(positions)


IM2COL_CASES = [  # (height, width, kernel, stride, padding, pads as TensorFlow splits them)
    (4, 4, 3, 1, "VALID", ((0, 0), (0, 0))),
    (5, 5, 3, 2, "SAME", ((1, 1), (1, 1))),
    (4, 4, 3, 2, "SAME", ((0, 1), (0, 1))),   # the odd pad goes to the bottom/right
    (3, 5, 2, 1, "VALID", ((0, 0), (0, 0))),
    (1, 4, 1, 3, "VALID", ((0, 0), (0, 0))),  # one row, stride larger than the kernel
]


@pytest.mark.parametrize("h, w, k, stride, padding, pads", IM2COL_CASES,
                         ids=[f"{h}x{w}_k{k}_s{s}_{p}" for h, w, k, s, p, _ in IM2COL_CASES])
def test_im2col_rows_are_the_windows(h, w, k, stride, padding, pads):
    image = np.arange(1, h * w + 1, dtype=np.float64).reshape(h, w)
    cols, positions, geometry = im2col_matrix(image, k, stride, padding)
    expected, expected_positions = im2col_by_loops(image, k, stride, pads)
    assert geometry.pads == pads
    np.testing.assert_array_equal(cols, expected, err_msg=f"{h}x{w} k{k} s{stride} {padding}")
    np.testing.assert_array_equal(positions, expected_positions)
    kernel = np.arange(1, k * k + 1, dtype=np.float64).reshape(k, k)
    figure = im2col_figure(image, kernel, stride, padding)
    assert grid_texts(figure, "cols") == as_texts(expected)
    conv = F.conv2d(image[None, :, :, None], kernel[:, :, None, None], stride, padding, method="naive").numpy()
    assert grid_texts(figure, "output") == as_texts(conv.reshape(-1, 1))
    assert grid_texts(figure, "kernel") == as_texts(kernel.ravel())
    position_texts = texts_of(figure, "position")
    for (r, t), text in position_texts.items():
        row, column = expected_positions[r, t]
        assert text == ("pad" if row < 0 else f"{row},{column}"), f"cell ({r}, {t})"


def test_the_default_im2col_picture_is_the_seed_4x4_example():
    figure = im2col_figure()
    assert grid_texts(figure, "input") == as_texts(X_4X4)
    assert grid_texts(figure, "kernel") == as_texts(W_SEED.ravel())
    assert grid_texts(figure, "output") == as_texts(np.ravel(OUT_4X4)[:, None])  # line 1069


# --- the sparse matrix W' -------------------------------------------------------------------------


def w_prime_by_definition(kernel, h, w, stride, pads):
    """Row p·OW + q holds kernel[i, j] at column (p·s + i - top)·W + (q·s + j - left), inside X only."""
    k = kernel.shape[0]
    (top, bottom), (left, right) = pads
    oh, ow = (h + top + bottom - k) // stride + 1, (w + left + right - k) // stride + 1
    matrix = np.zeros((oh * ow, h * w))
    for p in range(oh):
        for q in range(ow):
            for i in range(k):
                for j in range(k):
                    r, c = p * stride + i - top, q * stride + j - left
                    if 0 <= r < h and 0 <= c < w:
                        matrix[p * ow + q, r * w + c] = kernel[i, j]
    return matrix


SPARSE_CASES = [(4, 3, 1, "VALID", ((0, 0), (0, 0))), (5, 3, 2, "SAME", ((1, 1), (1, 1))),
                (5, 2, 2, "VALID", ((0, 0), (0, 0))), (3, 3, 1, "SAME", ((1, 1), (1, 1)))]


@pytest.mark.parametrize("n, k, stride, padding, pads", SPARSE_CASES,
                         ids=[f"{n}x{n}_k{k}_s{s}_{p}" for n, k, s, p, _ in SPARSE_CASES])
def test_w_prime_is_the_convolution_and_its_transpose_the_transposed_one(n, k, stride, padding, pads):
    image = np.random.default_rng(n * 10 + k).standard_normal((n, n))
    kernel = np.random.default_rng(k).standard_normal((k, k))
    example = sparse_matrix_example(image, kernel, stride, padding)
    np.testing.assert_allclose(example["w_prime"], w_prime_by_definition(kernel, n, n, stride, pads), atol=1e-12)
    conv = F.conv2d(image[None, :, :, None], kernel[:, :, None, None], stride, padding, method="naive").numpy()
    np.testing.assert_allclose(example["o_flat"], conv.ravel(), atol=1e-12, err_msg="W' @ X' vs conv2d")
    back = F.conv2d_transpose(conv, kernel[:, :, None, None], [1, n, n, 1], stride, padding, method="naive").numpy()
    np.testing.assert_allclose(example["transposed"], back.ravel(), atol=1e-12, err_msg="W'^T @ O' vs transpose")
    assert ((example["taps"] >= 0) == (example["w_prime"] != 0)).all()
    taps = example["taps"]
    np.testing.assert_array_equal(example["w_prime"][taps >= 0], kernel.ravel()[taps[taps >= 0]])


@pytest.mark.parametrize("n, k, stride, padding", [c[:4] for c in SPARSE_CASES],
                         ids=[f"{n}x{n}_k{k}_s{s}_{p}" for n, k, s, p, _ in SPARSE_CASES])
def test_w_prime_columns_are_the_convolutions_of_unit_inputs(n, k, stride, padding):
    """Column j of W' is conv2d of the input that is 1 at X'[j] and 0 elsewhere (W' is linear)."""
    kernel = np.random.default_rng(k + 7).standard_normal((k, k))
    w_prime = sparse_matrix_example(np.zeros((n, n)), kernel, stride, padding)["w_prime"]
    columns = []
    for j in range(n * n):
        unit = np.zeros((1, n, n, 1))
        unit.flat[j] = 1.0
        columns.append(F.conv2d(unit, kernel[:, :, None, None], stride, padding, method="naive").numpy().ravel())
    np.testing.assert_allclose(w_prime, np.stack(columns, axis=1), atol=1e-12,
                               err_msg=f"{n}x{n} k{k} s{stride} {padding}")


def test_the_sparse_picture_shows_the_seed_numbers():
    figure = sparse_matrix_figure()
    expected = w_prime_by_definition(W_SEED, 4, 4, 1, ((0, 0), (0, 0)))
    assert grid_texts(figure, "w_prime") == as_texts(expected)
    assert grid_texts(figure, "w_prime_t") == as_texts(expected.T)
    assert grid_texts(figure, "x_flat") == as_texts(X_4X4.ravel())
    assert grid_texts(figure, "o_flat") == as_texts(np.ravel(OUT_4X4)[:, None])       # line 1069
    assert grid_texts(figure, "transposed_grid") == as_texts(TRANSPOSED_4X4)        # line 1082
    assert grid_texts(figure, "transposed") == as_texts(np.ravel(TRANSPOSED_4X4)[:, None])


# --- the convolution stepping over the 5x5 input ---------------------------------------------------


def test_the_steps_picture_starts_from_the_printed_window_and_kernel():
    steps, output = conv_steps()
    figure = conv_steps_figure()
    shown = grid_texts(figure, "input0")
    assert [row[:3] for row in shown[:3]] == as_texts(FIRST_WINDOW)
    assert grid_texts(figure, "kernel") == as_texts(STEPS_KERNEL)
    assert gid_texts(figure, "sum0")["sum0"] == FIRST_SUM_TEXT
    assert output[0, 0] == 7 and output[0, 1] == 10  # lines 127 and 129
    assert output.shape == (3, 3)                     # line 160


@pytest.mark.parametrize("case", ["seed", "4x4_k2_s2", "6x5_k3_s2"])
def test_each_step_is_the_sum_over_its_window(case):
    if case == "seed":
        image, kernel, stride = None, None, 1
    else:
        h, w, k, stride = {"4x4_k2_s2": (4, 4, 2, 2), "6x5_k3_s2": (6, 5, 3, 2)}[case]
        image = np.random.default_rng(h * w).integers(-4, 5, (h, w)).astype(np.float64)
        kernel = np.random.default_rng(k).integers(-3, 4, (k, k)).astype(np.float64)
    steps, output = conv_steps(image, kernel, stride)
    figure = conv_steps_figure(image, kernel, stride)
    x = np.asarray(grid_texts(figure, "input0"), dtype=np.float64)   # the input as the picture shows it
    w = np.asarray(grid_texts(figure, "kernel"), dtype=np.float64)
    k = w.shape[0]
    oh, ow = (x.shape[0] - k) // stride + 1, (x.shape[1] - k) // stride + 1
    loops = [[sum(x[p * stride + i, q * stride + j] * w[i, j] for i in range(k) for j in range(k)) for q in range(ow)]
             for p in range(oh)]
    np.testing.assert_array_equal(output, loops, err_msg=case)
    assert [s["position"] for s in steps] == [(p, q) for p in range(oh) for q in range(ow)]  # row by row
    sums = gid_texts(figure, "sum")
    for n, step in enumerate(steps):
        p, q = step["position"]
        assert sums[f"sum{n}"].endswith(f"={number_text(loops[p][q])}"), f"{case} step {n}: {sums[f'sum{n}']}"
        assert step["products"].sum() == loops[p][q]
        terms = sums[f"sum{n}"].split("=")[0].replace("-", "+-").lstrip("+").split("+")
        assert sorted(float(t) for t in terms) == sorted(step["products"].ravel())
    assert grid_texts(figure, f"output{len(steps) - 1}") == as_texts(loops)  # the last panel: the whole output


# --- LeNet-5: feature maps and filters --------------------------------------------------------------


def test_lenet_learns_the_digits(lenet):
    assert lenet[3] > 0.5, f"one epoch reached only {lenet[3]:.3f} test accuracy"


def test_feature_maps_are_the_layers_outputs(lenet):
    model, x_test, y_test, *_ = lenet
    image = x_test[3]
    maps = feature_maps(model, image)
    assert [(type(layer).__name__, m.shape) for layer, m in maps] == [
        ("Conv2D", (26, 26, 6)), ("MaxPooling2D", (13, 13, 6)), ("Conv2D", (11, 11, 16)), ("MaxPooling2D", (5, 5, 16))]
    conv1, pool1, conv2, pool2 = maps
    kernel, bias = mc.to_numpy(conv1[0].kernel), mc.to_numpy(conv1[0].bias)
    expected = F.conv2d(image[None], kernel, 1, "VALID", method="naive").numpy()[0] + bias
    np.testing.assert_allclose(conv1[1], expected, rtol=1e-5, atol=1e-5, err_msg="conv2d")
    for got, source in ((pool1[1], conv1[1]), (pool2[1], conv2[1])):
        h, w = got.shape[:2]
        windows = source[:2 * h, :2 * w].reshape(h, 2, w, 2, -1).max(axis=(1, 3))
        np.testing.assert_array_equal(got, windows)
    relu = np.maximum(pool1[1], 0)  # the Activation layer between them
    kernel2, bias2 = mc.to_numpy(conv2[0].kernel), mc.to_numpy(conv2[0].bias)
    expected2 = F.conv2d(relu[None], kernel2, 1, "VALID", method="naive").numpy()[0] + bias2
    np.testing.assert_allclose(conv2[1], expected2, rtol=1e-4, atol=1e-4, err_msg="conv2d_1")
    figure = feature_maps_figure(model, image, y_test[3])
    shown = {axes.get_gid(): axes.get_images()[0].get_array() for axes in figure.axes if axes.get_gid()}
    assert len(shown) == 6 + 6 + 16 + 16
    for layer, m in maps:
        for c in range(m.shape[-1]):
            np.testing.assert_array_equal(shown[f"{layer.name}[{c}]"], m[:, :, c], err_msg=f"{layer.name} channel {c}")


def test_filters_picture_shows_the_first_kernel(lenet):
    model = lenet[0]
    kernel, bias = mc.to_numpy(model.layers[0].kernel), mc.to_numpy(model.layers[0].bias)
    figure = filters_figure(model)
    for k in range(6):
        shown = np.asarray(grid_texts(figure, f"filter{k}_0"), dtype=np.float64)
        np.testing.assert_allclose(shown, kernel[:, :, 0, k], atol=0.005 + 1e-9, err_msg=f"filter {k}")
    biases = gid_texts(figure, "bias")
    for k in range(6):
        assert abs(float(biases[f"bias{k}"].split()[1]) - bias[k]) <= 5e-4


def test_feature_maps_refuse_a_model_that_is_not_sequential():
    inputs = mc.Input((8, 8, 1))
    model = mc.Model(inputs, mc.layers.Conv2D(2, 3)(inputs))
    with pytest.raises(TypeError, match="Sequential"):
        feature_maps(model, np.zeros((8, 8, 1)))


# --- the Y-network's graph ------------------------------------------------------------------------


def test_the_graph_is_the_y_network_of_listing_5_2():
    figure = y_network_figure()
    texts = [t.get_text() for axes in figure.axes for t in axes.texts]
    headers = [t for t in texts if "(" in t and t.endswith(")") and not t.startswith(("Input", "Output"))]
    kinds = [h.rsplit("(", 1)[1][:-1] for h in headers]
    branch = ["Conv2D", "Dropout", "MaxPooling2D"] * 3
    assert sorted(kinds) == sorted(["InputLayer"] * 2 + branch * 2 + ["Concatenate", "Flatten", "Dropout", "Dense"])
    # 28 -> 14 -> 7 -> 3 through three 2x2 poolings; 128 filters per branch, concatenated: 256
    assert "Output shape: (None, 3, 3, 256)" in texts and "Output shape: (None, 2304)" in texts
    assert texts.count("Output shape: (None, 28, 28, 32)") == 4  # two convolutions and two dropouts
    assert "Output shape: (None, 10)" in texts


# --- gradient norms ----------------------------------------------------------------------------------


def small_model(seed=0):
    mc.set_seed(seed)
    model = mc.Sequential([mc.layers.Input(shape=(8, 8, 1)), mc.layers.Conv2D(3, 3, activation="relu"),
                           mc.layers.SeparableConv2D(4, 3, activation="tanh"), mc.layers.Flatten(),
                           mc.layers.Dense(10)])
    return model


def digits(count):
    (x, y), _ = mc.data.load_digits()
    return x[:count], y[:count]


def direct_norms(model, x, y, batch):
    """{weight path: [||g||_2 per batch]} by np.linalg.norm of each batch's gradients, weights unchanged."""
    loss_fn = mc.losses.SparseCategoricalCrossentropy(from_logits=True)
    norms = {}
    for start in range(0, len(x), batch):
        loss = loss_fn(y[start:start + batch], model(x[start:start + batch], training=True))
        grads = mc.grad(loss, model.trainable_weights)
        for w, g in zip(model.trainable_weights, grads):
            norms.setdefault(w.path, []).append(float(np.linalg.norm(mc.to_numpy(g).ravel())))
    return norms


@pytest.mark.parametrize("which", ["kernels", "all"])
def test_recorded_norms_are_the_norms_of_the_gradients_fit_computed(which):
    x, y = digits(40)
    model = small_model()
    model.compile(mc.optimizers.SGD(0.0), mc.losses.SparseCategoricalCrossentropy(from_logits=True))
    expected = direct_norms(model, x, y, 16)  # SGD(0): every step sees these same weights
    recorder = GradientNormRecorder(which)
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=[recorder])
    conv, separable, _, dense = model.layers
    if which == "all":
        names = keys = [w.path for w in model.trainable_weights]
    else:
        names = [conv.kernel.path, separable.depthwise_kernel.path, separable.pointwise_kernel.path, dense.kernel.path]
        keys = [conv.name, names[1], names[2], dense.name]  # a layer with two kernels: one key per kernel
    assert list(recorder.history) == keys
    for key, name in zip(keys, names):
        np.testing.assert_allclose(recorder.history[key], expected[name] * 2, rtol=1e-5, err_msg=key)
    assert recorder.steps == list(range(6)) and recorder.epoch_ends == [3, 6]
    for key, norms in recorder.history.items():
        np.testing.assert_allclose(recorder.epoch_history[key], [np.mean(norms[:3]), np.mean(norms[3:])], rtol=1e-12)
    assert "apply_gradients" not in vars(model.optimizer), "the optimizer keeps a wrapper after fit"


def test_recorded_norms_equal_the_gradients_written_out_by_hand():
    """Dense(2) on 3 features with the mean squared error: L = Σ (x W + b - y)² / (B·2), so
    dL/dW = 2 xᵀ (x W + b - y) / (B·2) and dL/db = 2 Σ_rows (x W + b - y) / (B·2)."""
    rng = np.random.default_rng(3)  # float32 values: fit brings its data to float32 first, as Keras does
    x, y = (rng.standard_normal(shape).astype(np.float32).astype(np.float64) for shape in ((10, 3), (10, 2)))
    mc.set_seed(0)
    model = mc.Sequential([mc.layers.Input((3,)), mc.layers.Dense(2, dtype="float64")])
    model.compile(mc.optimizers.SGD(0.0), "mse")
    kernel, bias = mc.to_numpy(model.layers[0].kernel), mc.to_numpy(model.layers[0].bias)
    expected_w, expected_b = [], []
    for start in (0, 4, 8):  # batches of 4, 4 and 2
        xb, yb = x[start:start + 4], y[start:start + 4]
        residual = 2 * (xb @ kernel + bias - yb) / (len(xb) * 2)
        expected_w.append(np.sqrt(np.sum((xb.T @ residual) ** 2)))
        expected_b.append(np.sqrt(np.sum(residual.sum(axis=0) ** 2)))
    recorder = GradientNormRecorder("all")
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[recorder])
    weights = model.layers[0]
    np.testing.assert_allclose(recorder.history[weights.kernel.path], expected_w, rtol=1e-10)
    np.testing.assert_allclose(recorder.history[weights.bias.path], expected_b, rtol=1e-10)
    assert recorder.epoch_ends == [3]


def test_a_layer_with_two_kernels_gets_one_key_per_kernel():
    model = small_model()
    keys = GradientNormRecorder().keys_of(model.trainable_weights)
    separable = [w.path for w in model.layers[1].trainable_weights if w.path.endswith("kernel")]
    assert sorted(keys[id(w)] for w in model.layers[1].trainable_weights if id(w) in keys) == sorted(separable)
    assert keys[id(model.layers[0].kernel)] == model.layers[0].name


def test_recording_a_hand_written_training_loop():
    x, y = digits(32)
    model = small_model(1)
    optimizer = mc.optimizers.Adam(1e-2)
    loss_fn = mc.losses.SparseCategoricalCrossentropy(from_logits=True)
    recorder, expected = GradientNormRecorder(), []
    for start in (0, 16, 0):
        loss = loss_fn(y[start:start + 16], model(x[start:start + 16], training=True))
        grads = mc.grad(loss, model.trainable_weights)
        expected.append(float(np.linalg.norm(mc.to_numpy(grads[0]))))
        optimizer.apply_gradients(recorder.record(zip(grads, model.trainable_weights)))
    np.testing.assert_allclose(recorder.history[model.layers[0].name], expected, rtol=1e-5)
    assert expected[0] != expected[2], "the weights moved between the first and third step"
    recorder.on_epoch_end(0)  # a hand-written loop closes its epochs itself
    key = model.layers[0].name
    np.testing.assert_allclose(recorder.epoch_history[key], [np.mean(recorder.history[key])], rtol=1e-12)


def test_the_gradient_picture_draws_the_history_on_log_axes():
    history = {"conv2d": [1e-3, 2e-3, 4e-3, 1e-3], "conv2d_1": [0.1, 0.2, 0.3, 0.2], "dense": [1.0, 2.0, 1.5, 1.2]}
    figure = plot_gradient_norms(history, fraction=0.5)
    steps_axes, depth_axes = figure.axes
    assert steps_axes.get_yscale() == "log" and depth_axes.get_yscale() == "log"
    for line, values in zip(steps_axes.get_lines(), history.values()):
        np.testing.assert_array_equal(line.get_ydata(), values)
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
    first, last = depth_axes.get_lines()
    np.testing.assert_allclose(first.get_ydata(), [np.mean(v[:2]) for v in history.values()])
    np.testing.assert_allclose(last.get_ydata(), [np.mean(v[2:]) for v in history.values()])


@pytest.mark.parametrize("history, message", [({}, "non-empty"), ([1.0], "non-empty"), ({"a": []}, "no steps")])
def test_the_gradient_picture_refuses_an_empty_history(history, message):
    with pytest.raises(ValueError, match=message):
        plot_gradient_norms(history)


def test_the_recorder_names_a_bad_choice():
    with pytest.raises(ValueError, match="weights must be one of"):
        GradientNormRecorder("biases")
