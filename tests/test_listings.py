"""The source material's code listings, run as printed on TensorFlow and with only their imports
rewritten on minicnn (``tensorflow`` -> ``minicnn.tf``, ``keras`` -> ``minicnn.keras``).

``tests/listings/`` holds one file per listing (``docs/listings.md`` tables them); its ``harness.py``
gives them small random data and short runs. For every listing:

- ``test_listing_on_tensorflow``: the transcription runs on TensorFlow (the referee) and gives the
  numbers its seed prints: parameter counts, shapes, worked examples;
- ``test_listing_on_minicnn``: the same source, imports rewritten, runs on minicnn in a namespace of
  its own and gives what TensorFlow gave: summaries' totals, layer output shapes, parameter counts,
  worked examples exactly, tf.nn results on the same inputs, predictions with TensorFlow's weights
  copied in, BatchNormalization's moving statistics after a training-mode call, and training whose
  loss is finite and falls. A listing minicnn cannot run yet is an xfail naming the missing piece
  (strict: it fails the day the piece arrives, so the mark comes off).

Where the book's code is tf.keras 2 that Keras 3 refuses (``lr=``, ``AveragePooling2D()`` without a
pool size, a ``.ckpt`` weights checkpoint, ``/`` in layer names), TensorFlow gets the smallest Keras 3
equivalent (``KERAS3_PATCHES``) and minicnn the line as printed.
"""

import contextlib
import importlib
import importlib.util
import io
import math
import os
import random
import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pytest

import minicnn as mc

LISTINGS_DIR = Path(__file__).parent / "listings"
SEED = 1234
FULL = os.environ.get("MINICNN_FULL") == "1"

_spec = importlib.util.spec_from_file_location("harness", LISTINGS_DIR / "harness.py")
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)
sys.modules["harness"] = harness  # what the listings' `import harness` finds


# --- the two sources of a listing -----------------------------------------------------------------

KERAS3_PATCHES = {  # name -> [(as printed, what Keras 3 accepts, occurrences)]
    "000_densenet_bc": [  # AveragePooling2D lost its default pool_size (2, 2)
        ("x = AveragePooling2D()(y)", "x = AveragePooling2D(pool_size=2)(y)", 1)],
    "001_lenet5_mnist": [  # the optimizers lost `lr`
        ("optimizer = optimizers.SGD(lr=0.01)", "optimizer = optimizers.SGD(learning_rate=0.01)", 1)],
    "001_vgg13_cifar10": [
        ("optimizer = optimizers.Adam(lr=1e-4)", "optimizer = optimizers.Adam(learning_rate=1e-4)", 1)],
    "003_baseline_cifar10": [  # save_weights_only needs a .weights.h5 file (not TensorFlow's checkpoint
        # files, found through '.index'), and load_weights a built model (tf.keras 2 restored on build)
        ('path = "./checkpoint/Baseline.ckpt"', 'path = "./checkpoint/Baseline.weights.h5"', 1),
        ("checkpoint_save_path + '.index'", "checkpoint_save_path", 1),
        ("    model.load_weights(", "    model(x_train[:1])\n    model.load_weights(", 1)],
    "004_resnet_tf2": [("/BatchNorm'", "_BatchNorm'", 9)],  # layer names lost '/'
}

ENGINE_MODULES = {"tensorflow": "minicnn.tf", "keras": "minicnn.keras"}
_FROM_LINE = re.compile(r"^(\s*from\s+)(tensorflow|keras)(?=[.\s])")
_IMPORT_LINE = re.compile(r"^(\s*import\s+)(tensorflow|keras)((?:\.\w+)*)(\s+as\s+\w+)?(\s*(?:#.*)?)$")


def to_minicnn(source):
    """The listing with its import lines rewritten (``tensorflow`` -> ``minicnn.tf``, ``keras`` ->
    ``minicnn.keras``); every other line is left as it is."""
    lines = []
    for line in source.splitlines(keepends=True):
        body, end = line.rstrip("\r\n"), line[len(line.rstrip("\r\n")):]
        if match := _FROM_LINE.match(body):
            body = match.group(1) + ENGINE_MODULES[match.group(2)] + body[match.end():]
        elif match := _IMPORT_LINE.match(body):
            head, top, submodule, alias, rest = match.groups()
            if alias is None:  # `import tensorflow` binds `tensorflow`; keep binding that name
                if submodule:
                    raise ValueError(f"cannot rewrite {body!r}: it binds the top-level package")
                alias = f" as {top}"
            body = f"{head}{ENGINE_MODULES[top]}{submodule}{alias}{rest}"
        lines.append(body + end)
    return "".join(lines)


def tensorflow_source(name):
    source = (LISTINGS_DIR / f"{name}.py").read_text(encoding="utf-8")
    for printed, accepted, count in KERAS3_PATCHES.get(name, []):
        found = source.count(printed)
        assert found == count, f"{name}: {printed!r} found {found} times, not {count}"
        source = source.replace(printed, accepted)
    return source


def minicnn_source(name):
    return to_minicnn((LISTINGS_DIR / f"{name}.py").read_text(encoding="utf-8"))


# --- running a listing ----------------------------------------------------------------------------

@dataclass
class Run:
    """One run of a listing: its namespace, what it printed, what its notebook cells displayed."""
    name: str
    engine: str
    ns: dict
    stdout: str
    shown: list
    workdir: Path
    warnings: list = field(default_factory=list)
    error: Optional[BaseException] = None


@contextlib.contextmanager
def _tensorflow_plot_model_without_pydot():
    """TensorFlow's plot_model needs pydot and graphviz; where they are missing it draws nothing
    (instead of raising ImportError, or printing a hint when IPython happens to be loaded)."""
    if importlib.util.find_spec("pydot") is not None:
        yield
        return

    def plot_model(model, to_file="model.png", **kwargs):
        """Stand-in for keras.utils.plot_model without pydot: draws nothing."""

    modules = [importlib.import_module(m) for m in ("keras.utils", "tensorflow.keras.utils")]
    saved = [m.plot_model for m in modules]
    for module in modules:
        module.plot_model = plot_model
    try:
        yield
    finally:
        for module, original in zip(modules, saved):
            module.plot_model = original


def _seed(engine):
    random.seed(SEED)
    np.random.seed(SEED)
    if engine == "tensorflow":
        import keras
        keras.backend.clear_session()
        keras.utils.set_random_seed(SEED)
    else:
        importlib.import_module("minicnn.keras.backend").clear_session()
        mc.set_seed(SEED)


def run_listing(name, engine, workdir, allowed_errors=(), as_main=True):
    """Execute the listing's source for ``engine`` ('tensorflow' or 'minicnn') in a fresh namespace,
    seeded, in ``workdir``, capturing stdout and warnings; the print options it sets are undone.
    ``as_main=False`` runs it as an imported module (its ``if __name__ == '__main__'`` part skipped)."""
    source = tensorflow_source(name) if engine == "tensorflow" else minicnn_source(name)
    path = LISTINGS_DIR / f"{name}.py"
    workdir.mkdir(parents=True, exist_ok=True)
    ns = {"__name__": "__main__" if as_main else "listing", "__file__": str(path)}
    harness.reset()
    stdout, error = io.StringIO(), None
    printoptions, cwd = np.get_printoptions(), os.getcwd()
    plots = "matplotlib" in source
    if plots:
        importlib.import_module("matplotlib").use("Agg")
    plot_guard = _tensorflow_plot_model_without_pydot() if engine == "tensorflow" else contextlib.nullcontext()
    _seed(engine)
    with warnings.catch_warnings(record=True) as caught, plot_guard:
        warnings.simplefilter("always")
        os.chdir(workdir)
        try:
            with contextlib.redirect_stdout(stdout):
                exec(compile(source, str(path), "exec"), ns)
        except allowed_errors as err:
            error = err
        finally:
            os.chdir(cwd)
            np.set_printoptions(**printoptions)
            if plots:
                importlib.import_module("matplotlib.pyplot").close("all")
    return Run(name, engine, ns, stdout.getvalue(), list(harness.shown), workdir, list(caught), error)


_tensorflow_runs = {}


@pytest.fixture(scope="session")
def tensorflow_run(tf, tmp_path_factory):
    """The listing run on TensorFlow, once per session."""
    def get(name):
        if name not in _tensorflow_runs:
            _tensorflow_runs[name] = run_listing(name, "tensorflow", tmp_path_factory.mktemp(f"tf_{name}"),
                                                 as_main=LISTINGS[name].as_main)
        return _tensorflow_runs[name]
    return get


# --- what the comparisons read --------------------------------------------------------------------

def as_array(value):
    """A NumPy array from a TensorFlow or minicnn tensor, a NumPy array or a number."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(mc.to_numpy(value) if not isinstance(value, np.ndarray) else value)


def shape_of(value):
    """A shape (TensorShape, tuple, or anything with a ``.shape``) as a tuple of ints and None."""
    if hasattr(value, "shape") and not isinstance(value, (tuple, list)):
        value = value.shape
    return tuple(None if d is None else int(d) for d in value)


def summary_totals(run):
    """[(total, trainable, non-trainable), ...] of each summary the run printed."""
    def counts(label):
        return [int(n.replace(",", "")) for n in re.findall(rf"(?m)^\s*{label} params: ([\d,]+)", run.stdout)]
    return list(zip(counts("Total"), counts("Trainable"), counts("Non-trainable")))


def layer_rows(model, batch=True):
    """(class, output shape, parameters) of each layer of a functional or Sequential model; without
    the batch dimension when ``batch`` is False."""
    return [(type(layer).__name__, shape_of(layer.output.shape)[0 if batch else 1:], layer.count_params())
            for layer in model.layers]


def fit_losses(model):
    return list(model.history.history["loss"])


def printed_losses(run, pattern):
    return [float(v) for v in re.findall(pattern, run.stdout)]


def cifar_images(count):
    (x, _), _ = harness.cifar10.load_data()
    return (x[:count] / 255.0).astype(np.float32)


def mnist_images(count):
    (x, _), _ = harness.mnist.load_data()
    return (x[:count, :, :, None] / 255.0).astype(np.float32)


def assert_close(ours, theirs, what, rtol=1e-4, atol=1e-5):
    ours, theirs = as_array(ours).astype(np.float64), as_array(theirs).astype(np.float64)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, TensorFlow {theirs.shape}"
    scale = max(1.0, float(np.max(np.abs(theirs))) if theirs.size else 1.0)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol * scale,
                               err_msg=f"{what}: largest difference {np.max(np.abs(ours - theirs)):.3g}")


def assert_same_totals(ours, theirs):
    assert summary_totals(ours) == summary_totals(theirs), (
        f"{ours.name}: summary totals (total, trainable, non-trainable) {summary_totals(ours)}, "
        f"TensorFlow {summary_totals(theirs)}")


def assert_same_layers(ours_model, theirs_model, what, batch=True):
    ours, theirs = layer_rows(ours_model, batch), layer_rows(theirs_model, batch)
    assert len(ours) == len(theirs), f"{what}: {len(ours)} layers, TensorFlow {len(theirs)}"
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"{what}: layer {k} is {a} (class, output shape, parameters), TensorFlow's {b}"


def copy_weights(ours_model, theirs_model, what):
    """``ours.set_weights(theirs.get_weights())`` after checking that the weights line up."""
    assert ours_model.count_params() == theirs_model.count_params(), (
        f"{what}: {ours_model.count_params():,} parameters, TensorFlow {theirs_model.count_params():,}")
    theirs = theirs_model.get_weights()
    ours_shapes, theirs_shapes = [w.shape for w in ours_model.get_weights()], [w.shape for w in theirs]
    for k, (a, b) in enumerate(zip(ours_shapes, theirs_shapes)):
        assert a == b, f"{what}: weight {k} has shape {a}, TensorFlow's {b} (weights in another order?)"
    assert len(ours_shapes) == len(theirs_shapes), (
        f"{what}: {len(ours_shapes)} weights, TensorFlow {len(theirs_shapes)}")
    ours_model.set_weights(theirs)


def assert_same_predictions(ours_model, theirs_model, x, what, rtol=1e-4, atol=1e-5):
    """With TensorFlow's weights copied in, the model's inference output on ``x`` is TensorFlow's."""
    copy_weights(ours_model, theirs_model, what)
    assert_close(ours_model(x, training=False), theirs_model(x, training=False), f"{what}: predictions", rtol, atol)


def moving_statistics(model):
    return [as_array(w) for w in model.non_trainable_weights]


def assert_batch_norm_moves(ours_model, theirs_model, x, what, exact=True, dropout=False):
    """A training-mode call moves BatchNormalization's moving statistics on minicnn as on TensorFlow:
    to the same values when no dropout comes before a BN layer (``exact``), else the same ones move;
    the training-mode outputs agree too when the model has no dropout at all."""
    copy_weights(ours_model, theirs_model, what)
    before = moving_statistics(theirs_model)
    assert before, f"{what}: TensorFlow's model has no moving statistics"
    theirs_out, ours_out = theirs_model(x, training=True), ours_model(x, training=True)
    theirs_after, ours_after = moving_statistics(theirs_model), moving_statistics(ours_model)
    assert len(ours_after) == len(theirs_after), (
        f"{what}: {len(ours_after)} moving statistics, TensorFlow {len(theirs_after)}")
    for k, (b, t, o) in enumerate(zip(before, theirs_after, ours_after)):
        moved_tf, moved_mc = not np.array_equal(b, t), not np.array_equal(b, o)
        assert moved_mc == moved_tf, (
            f"{what}: moving statistic {k} moved on TensorFlow: {moved_tf}, on minicnn: {moved_mc}")
        if exact:
            assert_close(o, t, f"{what}: moving statistic {k} after a training-mode call")
    if exact and not dropout:
        assert_close(ours_out, theirs_out, f"{what}: training-mode output")


def assert_training_lowers_loss(losses, what):
    assert len(losses) >= 2, f"{what}: {len(losses)} loss values"
    assert all(math.isfinite(v) for v in losses), f"{what}: losses {losses}"
    assert losses[-1] < losses[0], f"{what}: the loss went from {losses[0]:.6f} to {losses[-1]:.6f}"


def epoch_means(losses, epochs):
    per_epoch = len(losses) // epochs
    return [float(np.mean(losses[k * per_epoch:(k + 1) * per_epoch])) for k in range(epochs)]


# --- seed 000: the Keras textbook, chapter 5 ------------------------------------------------------

def conv_params(k, c_in, c_out):
    return k * k * c_in * c_out + c_out


def book_000_cnn_mnist(run):
    expected = conv_params(3, 1, 64) + 2 * conv_params(3, 64, 64) + (3 * 3 * 64 * 10 + 10)  # 26-13-11-5-3
    assert summary_totals(run) == [(expected, expected, 0)]
    assert len(run.ns["score"]) == 2 and "Test accuracy:" in run.stdout
    assert_training_lowers_loss(fit_losses(run.ns["model"]), "Listing 5.1 on TensorFlow")


def same_000_cnn_mnist(ours, theirs):
    assert_same_totals(ours, theirs)
    assert_same_layers(ours.ns["model"], theirs.ns["model"], "Listing 5.1")
    assert_training_lowers_loss(fit_losses(ours.ns["model"]), "Listing 5.1 on minicnn")
    assert all(math.isfinite(v) for v in ours.ns["score"]) and len(ours.ns["score"]) == 2
    assert_same_predictions(ours.ns["model"], theirs.ns["model"], theirs.ns["x_test"], "Listing 5.1")


def book_000_y_network(run):
    branch = conv_params(3, 1, 32) + conv_params(3, 32, 64) + conv_params(3, 64, 128)  # 28-14-7-3
    expected = 2 * branch + (3 * 3 * 256 * 10 + 10)
    assert summary_totals(run) == [(expected, expected, 0)]
    assert_training_lowers_loss(fit_losses(run.ns["model"]), "Listing 5.2 on TensorFlow")


def same_000_y_network(ours, theirs):
    assert_same_totals(ours, theirs)
    assert_same_layers(ours.ns["model"], theirs.ns["model"], "Listing 5.2")
    assert_training_lowers_loss(fit_losses(ours.ns["model"]), "Listing 5.2 on minicnn")
    png = ours.workdir / "cnn-y-network.png"
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "plot_model wrote no PNG"
    x = theirs.ns["x_test"]
    copy_weights(ours.ns["model"], theirs.ns["model"], "Listing 5.2")
    assert_close(ours.ns["model"]([x, x], training=False), theirs.ns["model"]([x, x], training=False),
                 "Listing 5.2: predictions")


def book_000_resnet_v1(run):
    assert run.ns["depth"] == 20
    assert round(run.ns["model"].count_params() / 1e6, 2) == 0.27, "the docstring's 'ResNet20 0.27M'"


def same_000_resnet(ours, theirs):
    what = f"{theirs.name}: ResNet{theirs.ns['depth']}"
    assert_same_layers(ours.ns["model"], theirs.ns["model"], what)
    x = cifar_images(4)
    assert_same_predictions(ours.ns["model"], theirs.ns["model"], x, what)
    assert_batch_norm_moves(ours.ns["model"], theirs.ns["model"], x, what)


def book_000_resnet_v2(run):
    assert run.ns["depth"] == 110
    convs = [layer for layer in run.ns["model"].layers if type(layer).__name__ == "Conv2D"]
    assert len(convs) == 1 + 3 * 12 * 3 + 3, "stem, 12 bottleneck units of 3 per stage, 3 projections"


def book_000_densenet_bc(run):
    model = run.ns["model"]
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") + kinds.count("Dense") == 100, "DenseNet-BC-100's 100 weight layers"
    assert len(summary_totals(run)) == 1 and summary_totals(run)[0][0] == model.count_params()


def same_000_densenet_bc(ours, theirs):
    assert_same_totals(ours, theirs)
    assert_same_layers(ours.ns["model"], theirs.ns["model"], "DenseNet-BC-100")
    x = cifar_images(2)
    assert_same_predictions(ours.ns["model"], theirs.ns["model"], x, "DenseNet-BC-100")
    assert_batch_norm_moves(ours.ns["model"], theirs.ns["model"], x, "DenseNet-BC-100")


# --- seed 001: the TensorFlow 2 textbook, chapter 10 (a notebook) ---------------------------------

# BATCH_NOTE: after Sequential.build(input_shape=(4, 784)) Keras 3 keeps the 4 in its layers' output
# shapes ((4, 256)); minicnn gives None there, as DESIGN.md says shapes do. Only the rest is compared.

def book_001_mlp_335114(run):
    assert summary_totals(run) == [(335_114, 335_114, 0)]
    assert [layer.count_params() for layer in run.ns["model"].layers] == [200_960, 65_792, 65_792, 2_570]


def same_001_mlp_335114(ours, theirs):
    assert_same_totals(ours, theirs)
    assert [layer.count_params() for layer in ours.ns["model"].layers] == [200_960, 65_792, 65_792, 2_570]
    assert_same_layers(ours.ns["model"], theirs.ns["model"], "the MLP", batch=False)  # see BATCH_NOTE
    x = mnist_images(4).reshape(4, 784)
    assert_same_predictions(ours.ns["model"], theirs.ns["model"], x, "the 784-256-256-256-10 MLP")


VARIABLE_LINE = re.compile(r"(?m)^(\S+) (\(.*\)) (\S+)$")


def book_001_conv2d(run):
    assert [shape_of(s) for s in run.shown[:5]] == [(2, 3, 3, 4), (2, 5, 5, 4), (2, 5, 5, 4), (2, 2, 2, 4),
                                                    (2, 5, 5, 4)]
    name, shape = run.shown[5]
    assert name.endswith("kernel") and shape_of(shape) == (3, 3, 3, 4)
    assert VARIABLE_LINE.findall(run.stdout) == [("kernel", "(3, 3, 3, 4)", "float32"), ("bias", "(4,)", "float32")]


def same_001_conv2d(ours, theirs, tf):
    assert [shape_of(s) for s in ours.shown[:5]] == [shape_of(s) for s in theirs.shown[:5]]
    assert (ours.shown[5][0], shape_of(ours.shown[5][1])) == (theirs.shown[5][0], shape_of(theirs.shown[5][1]))
    assert VARIABLE_LINE.findall(ours.stdout) == VARIABLE_LINE.findall(theirs.stdout), "In [11]'s printed variables"
    ns = ours.ns  # In [6]'s x and w, In [7]'s bias, In [10]'s layer and output
    assert_close(ns["b"], np.zeros(4), "In [7]: b")
    expected = tf.nn.conv2d(as_array(ns["x"]), as_array(ns["layer"].kernel), 1, "SAME") + as_array(ns["layer"].bias)
    assert_close(ns["out"], expected, "In [10]: layer(x) against tf.nn.conv2d on the same x and kernel")


def book_001_lenet5_mnist(run):
    network = run.ns["network"]
    assert [layer.count_params() for layer in network.layers][:4] == [60, 0, 0, 880], "the printed summary's rows"
    assert summary_totals(run) == [(network.count_params(),) * 2 + (0,)]
    losses = printed_losses(run, r"# \d+ , loss:  (\S+)")
    assert len(losses) == harness.EPOCHS * 3  # 96 images in batches of 32
    assert_training_lowers_loss(epoch_means(losses, harness.EPOCHS), "LeNet-5's mean loss per epoch on TensorFlow")
    assert re.search(r"test acc: \S+", run.stdout)


def same_001_lenet5_mnist(ours, theirs):
    assert_same_totals(ours, theirs)
    assert_same_layers(ours.ns["network"], theirs.ns["network"], "LeNet-5", batch=False)  # see BATCH_NOTE
    losses = printed_losses(ours, r"# \d+ , loss:  (\S+)")
    assert len(losses) == len(printed_losses(theirs, r"# \d+ , loss:  (\S+)")), "training steps"
    assert_training_lowers_loss(epoch_means(losses, harness.EPOCHS), "LeNet-5's mean loss per epoch on minicnn")
    assert 0 <= ours.ns["correct"] <= ours.ns["total"] == theirs.ns["total"]
    assert_same_predictions(ours.ns["network"], theirs.ns["network"], mnist_images(8), "LeNet-5")


def book_001_bn_channel_mean(run):
    shape, ub = run.shown[0]
    assert shape_of(shape) == (102_400, 3) and shape_of(ub) == (3,)
    assert np.all(np.abs(as_array(ub)) < 0.02), "the mean of 102,400 standard normal numbers"


def same_001_bn_channel_mean(ours, theirs, tf):
    shape, ub = ours.shown[0]
    assert shape_of(shape) == shape_of(theirs.shown[0][0]) and shape_of(ub) == (3,)
    assert_close(ub, tf.reduce_mean(as_array(ours.ns["x"]), axis=0), "tf.reduce_mean on minicnn's x", atol=1e-6)


def book_001_lenet5_batchnorm(run):
    network = run.ns["network"]
    assert network.count_params() == 60_074 + 4 * 6 + 4 * 16, "LeNet-5 and two BN layers' 4 vectors"
    means = [as_array(w) for w in network.non_trainable_weights]
    assert len(means) == 4 and all(np.any(m != 0) and np.any(m != 1) for m in means), "moving statistics moved"
    assert shape_of(run.ns["out"]) == (32, 10) and shape_of(run.ns["out_train_step"]) == (32, 10)


def same_001_lenet5_batchnorm(ours, theirs):
    network, reference = ours.ns["network"], theirs.ns["network"]
    assert network.count_params() == reference.count_params()
    statistics = moving_statistics(network)
    assert len(statistics) == len(moving_statistics(reference)) == 4
    for k, values in enumerate(statistics):
        assert np.any(values != 0) and np.any(values != 1), f"moving statistic {k} did not move on minicnn"
    assert shape_of(ours.ns["out"]) == shape_of(theirs.ns["out"])
    x = mnist_images(16)
    assert_same_predictions(network, reference, x, "LeNet-5 with BN")
    assert_batch_norm_moves(network, reference, x, "LeNet-5 with BN")


VGG_LOSS = r"(?m)^\d+ \d+ loss: (\S+)$"


def book_001_vgg13_cifar10(run):
    conv_net, fc_net = run.ns["conv_net"], run.ns["fc_net"]
    assert [layer.count_params() for layer in conv_net.layers][:5] == [1_792, 36_928, 0, 73_856, 147_584]
    assert summary_totals(run) == [(9_404_992, 9_404_992, 0), (165_514, 165_514, 0)]
    total = conv_net.count_params() + fc_net.count_params()
    assert abs(total - 9_500_000) < 100_000, f"'网络总参数量约为950万个' (about 9.5 million): {total:,}"
    assert re.search(r"sample: \(8, 32, 32, 3\) \(8,\)", run.stdout)
    assert_training_lowers_loss(printed_losses(run, VGG_LOSS), "VGG13 on TensorFlow")


def same_001_vgg13_cifar10(ours, theirs):
    assert_same_totals(ours, theirs)
    assert_same_layers(ours.ns["conv_net"], theirs.ns["conv_net"], "VGG13's conv_net", batch=False)  # BATCH_NOTE
    assert_same_layers(ours.ns["fc_net"], theirs.ns["fc_net"], "VGG13's fc_net", batch=False)
    assert ours.stdout.splitlines()[0] == theirs.stdout.splitlines()[0], "In [42]'s printed shapes"
    sample = re.compile(r"sample: (\(.*?\)) (\(.*?\))")
    assert sample.search(ours.stdout).groups() == sample.search(theirs.stdout).groups()
    for reduce in (np.min, np.max):  # the batch holds all 8 images, in any order
        assert reduce(as_array(ours.ns["sample"][0])) == reduce(as_array(theirs.ns["sample"][0]))
    losses = printed_losses(ours, VGG_LOSS)
    assert len(losses) == len(printed_losses(theirs, VGG_LOSS))
    assert_training_lowers_loss(losses, "VGG13 on minicnn")
    assert len(re.findall(r"(?m)^\d+ acc: ", ours.stdout)) == harness.EPOCHS
    x = cifar_images(4) * 2 - 1
    copy_weights(ours.ns["conv_net"], theirs.ns["conv_net"], "VGG13's conv_net")
    copy_weights(ours.ns["fc_net"], theirs.ns["fc_net"], "VGG13's fc_net")
    ours_logits = ours.ns["fc_net"](as_array(ours.ns["conv_net"](x)).reshape(-1, 512))
    theirs_logits = theirs.ns["fc_net"](as_array(theirs.ns["conv_net"](x)).reshape(-1, 512))
    assert_close(ours_logits, theirs_logits, "VGG13: logits")


def book_001_dilated_conv(run):
    assert [shape_of(s) for s in run.shown] == [(1, 3, 3, 1)]


def same_001_dilated_conv(ours, theirs, tf):
    assert [shape_of(s) for s in ours.shown] == [shape_of(s) for s in theirs.shown]
    layer = ours.ns["layer"]
    expected = tf.nn.conv2d(as_array(ours.ns["x"]), as_array(layer.kernel), 1, "VALID", dilations=2)
    expected += as_array(layer.bias)
    assert_close(ours.ns["out"], expected, "In [53]: the dilated layer against tf.nn.conv2d(dilations=2)")


def book_001_conv2d_transpose(run):
    assert [shape_of(s) for s in run.shown] == [(1, 2, 2, 1), (1, 5, 5, 1), (1, 2, 2, 1), (1, 6, 6, 1)]


def same_001_conv2d_transpose(ours, theirs, tf):
    assert [shape_of(s) for s in ours.shown] == [shape_of(s) for s in theirs.shown]
    for key in ("x_5x5", "out_5x5", "xx_5x5"):  # the worked example: exact
        np.testing.assert_array_equal(as_array(ours.ns[key]), as_array(theirs.ns[key]), err_msg=key)
    x, w, out = (as_array(ours.ns[k]) for k in ("x", "w", "out"))
    assert_close(out, tf.nn.conv2d(x, w, 2, "VALID"), "In [57]: tf.nn.conv2d on minicnn's 6x6 x")
    assert_close(ours.ns["xx"], tf.nn.conv2d_transpose(out, w, [1, 6, 6, 1], 2, "VALID"), "In [58]: 6x6 output")


PRINTED_4X4 = [[56, -51, 46, 183], [-148, -35, 35, -123], [88, 35, -35, 63], [532, -41, 36, 729]]


def book_001_conv2d_transpose_4x4(run):
    np.testing.assert_array_equal(as_array(run.shown[0]).reshape(2, 2), [[-56, -61], [-76, -81]])
    np.testing.assert_array_equal(as_array(run.shown[1]), PRINTED_4X4)
    assert shape_of(run.shown[2]) == (1, 4, 4, 1)


def same_001_conv2d_transpose_4x4(ours, theirs, tf):
    for k in range(2):  # the worked example's numbers, exactly
        assert shape_of(ours.shown[k]) == shape_of(theirs.shown[k])
        np.testing.assert_array_equal(as_array(ours.shown[k]), as_array(theirs.shown[k]), err_msg=f"In [6{k + 1}]")
    reference = tf.keras.layers.Conv2DTranspose(1, kernel_size=3, strides=1, padding="VALID")
    reference.build((None, 2, 2, 1))
    reference.set_weights([as_array(w) for w in ours.ns["layer"].get_weights()])
    assert_close(ours.shown[2], reference(as_array(ours.ns["out"])), "In [63]: Conv2DTranspose with minicnn's weights")


def book_001_resnet18(run):
    model = run.ns["resnet18"]()
    assert shape_of(model(cifar_images(2))) == (2, 10)
    blocks = [len(stack.layers) for stack in (model.layer1, model.layer2, model.layer3, model.layer4)]
    assert blocks == [2, 2, 2, 2]


def same_001_resnet18(ours, theirs):
    x = cifar_images(2)
    model, reference = ours.ns["resnet18"](), theirs.ns["resnet18"]()
    reference(x)
    model(x)
    assert_same_predictions(model, reference, x, "10.14's resnet18()")
    assert_batch_norm_moves(model, reference, x, "10.14's resnet18()")


# --- seed 003: the "TensorFlow notes" lecture slides ----------------------------------------------

@dataclass(frozen=True)
class Built:
    """How the test builds a model listing: which model, on what size of image, whether it has
    BatchNormalization, Dropout, and Dropout before a BN layer (then BN's statistics are random)."""
    model: Callable
    size: int = 32
    output: tuple = (10,)
    batch_norm: bool = True
    dropout: bool = False
    dropout_before_bn: bool = False


BUILT = {
    "003_conv2d_sequential": Built(lambda ns: ns["model"], size=40, batch_norm=False),
    "003_cbapd": Built(lambda ns: ns["model"], output=(16, 16, 6), dropout=True),
    "003_baseline_class": Built(lambda ns: ns["Baseline"](), dropout=True),
    "003_lenet5": Built(lambda ns: ns["model"], batch_norm=False),
    "003_alexnet8": Built(lambda ns: ns["model"], dropout=True),
    "003_vgg16": Built(lambda ns: ns["model"], dropout=True, dropout_before_bn=True),
    "003_inception10": Built(lambda ns: ns["model"]),
    "003_resnet18": Built(lambda ns: ns["model"]),
}


def images(size, count):
    x = cifar_images(count)
    return np.tile(x, (1, 2, 2, 1))[:, :size, :size, :] if size > 32 else x


def book_built(run):
    spec = BUILT[run.name]
    model = spec.model(run.ns)
    out = model(images(spec.size, 2))
    assert shape_of(out) == (2,) + spec.output
    assert model.count_params() > 0


def same_built(ours, theirs):
    spec = BUILT[ours.name]
    x = images(spec.size, 2)
    model, reference = spec.model(ours.ns), spec.model(theirs.ns)
    assert shape_of(model(x)) == shape_of(reference(x))
    assert_same_predictions(model, reference, x, ours.name)
    if spec.batch_norm:
        assert_batch_norm_moves(model, reference, x, ours.name, not spec.dropout_before_bn, spec.dropout)


def book_003_baseline_cifar10(run):
    model = run.ns["model"]
    n = model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    adam = 2 * trainable + 2  # m and v per weight, iterations, learning rate
    assert summary_totals(run) == [(n + adam, trainable, n - trainable)], "Keras 3 adds the optimizer's variables"
    assert_training_lowers_loss(run.ns["history"].history["loss"], "Baseline on TensorFlow")
    names = [line for line in (run.workdir / "weights.txt").read_text().splitlines() if line in ("kernel", "bias")]
    assert len(names) == 6 and "-----load the model-----" not in run.stdout


def same_003_baseline_cifar10(ours, theirs):
    assert_same_totals(ours, theirs)
    assert_training_lowers_loss(ours.ns["history"].history["loss"], "Baseline on minicnn")
    assert sorted(ours.ns["history"].history) == sorted(theirs.ns["history"].history)

    def dumped(run):
        lines = (run.workdir / "weights.txt").read_text().splitlines()
        return [(name, shape) for name, shape in zip(lines, lines[1:]) if re.fullmatch(r"\(\d+(, \d+)*,?\)", shape)]
    assert dumped(ours) == dumped(theirs), "weights.txt's variable names and shapes"
    assert_same_predictions(ours.ns["model"], theirs.ns["model"], cifar_images(4), "Baseline")
    assert_batch_norm_moves(ours.ns["model"], theirs.ns["model"], cifar_images(4), "Baseline", dropout=True)
    again = run_listing(ours.name, "minicnn", ours.workdir)
    assert "-----load the model-----" in again.stdout, "the second run restores the checkpoint"


# --- seed 004: the ResNet blog post ----------------------------------------------------------------

BLOG_SUMMARY = (45_339_624, 0, 45_339_624)  # tf.keras 2 built the model in build(): 224 "channels"
BLOG_LAYERS = {"conv1": 702_464, "conv1_BatchNorm": 256, "block1": 217_856, "block2": 1_225_728,
               "block3": 26_161_152, "block4": 14_983_168, "logits": 2_049_000}
BLOCKS = ("BasicBlock", "Bottleneck", "BasicBlock_v2", "Bottleneck_v2")


def book_004_resnet_tf2(run, tf):
    """All four residual blocks work in a small ResNet; with MINICNN_FULL=1, main() (ResNet-101 v2 on
    (3, 224, 224) images) ran and the model has the blog's counts once called (Keras 3's build()
    builds nothing, so its own summary shows 0)."""
    for block in BLOCKS:
        assert shape_of(run.ns["ResNet"](run.ns[block], [1, 1, 1, 1], num_classes=10)(cifar_images(2))) == (2, 10)
    if FULL:
        assert "output shape: (4, 1000)" in run.stdout
        model = run.ns["resnet_v2_101"]()
        model(np.zeros((1, 3, 224, 224), np.float32))
        assert model.count_params() == BLOG_SUMMARY[0]
        assert {layer.name: layer.count_params() for layer in model.layers if layer.name in BLOG_LAYERS} == BLOG_LAYERS


def same_004_resnet_tf2(ours, theirs):
    """Each residual block in a small ResNet(block, [1, 1, 1, 1]) predicts and updates BN as on
    TensorFlow. With MINICNN_FULL=1, main() feeds (3, 224, 224) images as NHWC: minicnn rejects that
    layout with a ValueError that says so, or runs it as tf.keras 2 did (the blog's counts) and warns."""
    x = cifar_images(2)
    for block in BLOCKS:
        model = ours.ns["ResNet"](ours.ns[block], [1, 1, 1, 1], num_classes=10)
        reference = theirs.ns["ResNet"](theirs.ns[block], [1, 1, 1, 1], num_classes=10)
        model(x)
        reference(x)
        what = f"ResNet({block}, [1, 1, 1, 1])"
        assert_same_predictions(model, reference, x, what, rtol=1e-3, atol=1e-4)
        assert_batch_norm_moves(model, reference, x, what)
    if not FULL:
        return
    layout = re.compile(r"NCHW|NHWC|channels.(first|last)", re.I)
    if ours.error is not None:
        assert layout.search(str(ours.error)), f"main() failed without naming the layout: {ours.error!r}"
        return
    totals = summary_totals(ours)
    assert totals == [BLOG_SUMMARY], f"main()'s summary totals {totals}, the blog's {BLOG_SUMMARY}"
    assert "output shape: (4, 1000)" in ours.stdout
    assert any(layout.search(str(w.message)) for w in ours.warnings), "the NCHW-as-NHWC input went unmentioned"


# --- the table ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Listing:
    book: Callable          # (TensorFlow's run[, tf]) -> None: the seed's printed numbers
    same: Callable          # (minicnn's run, TensorFlow's run[, tf]) -> None
    missing: str = ""       # what minicnn lacks today (an xfail reason), "" when it runs
    raises: type = None     # the exception that missing piece raises
    allowed_errors: tuple = ()  # errors minicnn may answer with by design (then `same` judges them)
    main_is_slow: bool = False  # its `if __name__ == '__main__'` part runs only with MINICNN_FULL=1

    @property
    def as_main(self):
        return FULL or not self.main_is_slow


LISTINGS = {
    "000_cnn_mnist": Listing(book_000_cnn_mnist, same_000_cnn_mnist),
    "000_y_network": Listing(book_000_y_network, same_000_y_network),
    "000_resnet_v1": Listing(book_000_resnet_v1, same_000_resnet),
    "000_resnet_v2": Listing(book_000_resnet_v2, same_000_resnet),
    "000_densenet_bc": Listing(book_000_densenet_bc, same_000_densenet_bc),
    "001_mlp_335114": Listing(book_001_mlp_335114, same_001_mlp_335114),
    "001_conv2d": Listing(book_001_conv2d, same_001_conv2d),
    "001_lenet5_mnist": Listing(book_001_lenet5_mnist, same_001_lenet5_mnist),
    "001_bn_channel_mean": Listing(book_001_bn_channel_mean, same_001_bn_channel_mean),
    "001_lenet5_batchnorm": Listing(book_001_lenet5_batchnorm, same_001_lenet5_batchnorm),
    "001_vgg13_cifar10": Listing(book_001_vgg13_cifar10, same_001_vgg13_cifar10),
    "001_dilated_conv": Listing(book_001_dilated_conv, same_001_dilated_conv),
    "001_conv2d_transpose": Listing(book_001_conv2d_transpose, same_001_conv2d_transpose),
    "001_conv2d_transpose_4x4": Listing(book_001_conv2d_transpose_4x4, same_001_conv2d_transpose_4x4),
    "001_resnet18": Listing(book_001_resnet18, same_001_resnet18),
    "003_conv2d_sequential": Listing(book_built, same_built),
    "003_cbapd": Listing(book_built, same_built),
    "003_baseline_class": Listing(book_built, same_built),
    "003_baseline_cifar10": Listing(book_003_baseline_cifar10, same_003_baseline_cifar10),
    "003_lenet5": Listing(book_built, same_built),
    "003_alexnet8": Listing(book_built, same_built),
    "003_vgg16": Listing(book_built, same_built),
    "003_inception10": Listing(book_built, same_built),
    "003_resnet18": Listing(book_built, same_built),
    "004_resnet_tf2": Listing(book_004_resnet_tf2, same_004_resnet_tf2, allowed_errors=(ValueError,),
                              main_is_slow=True),
}


def _call(check, *runs, tf):
    """Pass ``tf`` to the checks that replay a result with TensorFlow's own functions."""
    return check(*runs, tf) if check.__code__.co_argcount == len(runs) + 1 else check(*runs)


def _params(name, minicnn=False):
    listing = LISTINGS[name]
    marks = [pytest.mark.slow] if listing.main_is_slow else []
    if minicnn and listing.missing and listing.as_main:
        marks.append(pytest.mark.xfail(strict=True, raises=listing.raises, reason=listing.missing))
    return pytest.param(name, marks=marks)


def test_every_listing_file_is_in_the_table():
    assert sorted(p.stem for p in LISTINGS_DIR.glob("[0-9]*.py")) == sorted(LISTINGS)


@pytest.mark.parametrize("name", sorted(LISTINGS))
def test_only_import_lines_change(name):
    printed = (LISTINGS_DIR / f"{name}.py").read_text(encoding="utf-8").splitlines()
    rewritten = minicnn_source(name).splitlines()
    assert len(printed) == len(rewritten)
    for before, after in zip(printed, rewritten):
        if before != after:
            assert re.match(r"\s*(from|import)\s", before) and "minicnn." in after, (before, after)
        assert not re.match(r"\s*(from|import)\s+(tensorflow|keras)\b", after), after


@pytest.mark.parametrize("line, expected", [
    ("import tensorflow as tf", "import minicnn.tf as tf"),
    ("import tensorflow", "import minicnn.tf as tensorflow"),
    ("import keras", "import minicnn.keras as keras"),
    ("import tensorflow.keras as K  # alias", "import minicnn.tf.keras as K  # alias"),
    ("from tensorflow import keras", "from minicnn.tf import keras"),
    ("from tensorflow.keras.layers import Conv2D, \\", "from minicnn.tf.keras.layers import Conv2D, \\"),
    ("    from keras import layers", "    from minicnn.keras import layers"),
    ("import tensorflow_datasets as tfds", "import tensorflow_datasets as tfds"),
    ("x = tf.keras.layers.Dense(3)  # import tensorflow", "x = tf.keras.layers.Dense(3)  # import tensorflow"),
])
def test_import_rewrite(line, expected):
    assert to_minicnn(line + "\n") == expected + "\n"


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", [_params(name) for name in sorted(LISTINGS)])
def test_listing_on_tensorflow(tf, tensorflow_run, name):
    _call(LISTINGS[name].book, tensorflow_run(name), tf=tf)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", [_params(name, minicnn=True) for name in sorted(LISTINGS)])
def test_listing_on_minicnn(tf, tensorflow_run, tmp_path, name):
    theirs = tensorflow_run(name)
    listing = LISTINGS[name]
    ours = run_listing(name, "minicnn", tmp_path / "minicnn", listing.allowed_errors, listing.as_main)
    _call(LISTINGS[name].same, ours, theirs, tf=tf)
