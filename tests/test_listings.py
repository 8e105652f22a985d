"""The source material's code listings, the examples in ``examples/``: each runs on minicnn as it is
and, with its imports rewritten back (``minicnn.tf`` -> ``tensorflow``, ``minicnn.keras`` -> ``keras``),
on TensorFlow.

``examples/`` holds one script per listing, in its minicnn form (``examples/README.md`` and
``docs/listings.md`` table them); ``examples/runtime.py`` gives them their command line: the real
dataset from ``--data-dir``, or with ``--quick`` (what these tests use) small generated data and 2
epochs. For every listing:

- ``test_listing_on_tensorflow``: the transcription runs on TensorFlow (the referee) and gives the
  numbers its seed prints: parameter counts, shapes, worked examples;
- ``test_listing_on_minicnn``: the example runs on minicnn in quick mode, as a script (its
  ``if __name__ == '__main__'`` part too), in a namespace of its own, and gives what TensorFlow gave:
  summaries' totals, layer output shapes, parameter counts, worked examples exactly, tf.nn results on
  the same inputs, predictions with TensorFlow's weights copied in, BatchNormalization's moving
  statistics after a training-mode call, and training whose loss is finite and falls (and, where
  the example has them, its callbacks' work: learning rates, checkpoints). A listing minicnn cannot
  run yet is an xfail naming the missing piece (strict: it fails the day the piece arrives, so the
  mark comes off);
- ``test_only_import_lines_change``: the two sources differ in their import lines only;
- ``test_example_header``: each example's docstring names its seed file and section and says how
  to run it quickly and on the real data; ``test_examples_readme_tables_every_example``;
- ``test_example_runs_as_a_script_from_another_directory`` and the other command-line tests run
  ``python examples/<name>.py`` itself.

TensorFlow runs an example's ``if __name__ == '__main__'`` part where the seed prints it; where that
part is training the seed does not print (the slides' course scripts, the ResNet and DenseNet
scripts' fit), TensorFlow stops before it (``Listing.tensorflow_main``), and seed 004's main()
(ResNet-101 on (3, 224, 224) arrays) runs on TensorFlow only with MINICNN_FULL=1.

Where the book's code is tf.keras 2 that Keras 3 refuses (``lr=``, ``AveragePooling2D()`` without a
pool size, a ``.ckpt`` weights checkpoint, ``/`` in layer names, ``ImageDataGenerator``), TensorFlow
gets the smallest Keras 3 equivalent (``KERAS3_PATCHES``) and minicnn the line as printed.

BLAS runs on one thread in this file (threadpoolctl, where installed): the listings' arrays are
small, and OpenBLAS' threads cost more than they give (on two busy cores, several times the CPU
time). ``examples/degradation.py`` is not a listing; tests/test_degradation.py runs it.
"""

import ast
import contextlib
import importlib
import importlib.util
import io
import math
import os
import random
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pytest

import minicnn as mc

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
SEED_FILES = ("000_4184f2205535d435.txt", "001_0dc837b8b3f160e0.txt", "003_af57a838ef83f398.txt",
              "004_61856d058a1757e6.txt")  # shared/seeds/ (its README.md summarises each)
SEED_LINE = re.compile(r"^Seed (\d{3}_[0-9a-f]{16}\.txt) \(", re.M)  # a listing's docstring names its seed file
NOT_LISTINGS = {"runtime": "the examples' command line", "degradation": "an experiment, tests/test_degradation.py"}
SEED = 1234
FULL = os.environ.get("MINICNN_FULL") == "1"


def load_runtime():
    """``examples/runtime.py`` as the module ``runtime`` that the examples import, its command line
    read as ``--quick`` (the test's own command line is pytest's)."""
    spec = importlib.util.spec_from_file_location("runtime", EXAMPLES_DIR / "runtime.py")
    module = importlib.util.module_from_spec(spec)
    argv, sys.argv = sys.argv, [spec.origin, "--quick"]
    try:
        spec.loader.exec_module(module)
    finally:
        sys.argv = argv
    sys.modules["runtime"] = module  # what the examples' `import runtime` finds
    return module


runtime = load_runtime()


def docstring(name):
    """The example's module docstring ("" if it has none)."""
    return ast.get_docstring(ast.parse(example_path(name).read_text(encoding="utf-8"))) or ""


def listing_names():
    """The examples that are listings of the source material: those whose docstring names a seed file."""
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.py") if SEED_LINE.search(docstring(p.stem)))


def example_path(name):
    return EXAMPLES_DIR / f"{name}.py"


# --- the two sources of a listing -----------------------------------------------------------------

NO_IMAGE_DATA_GENERATOR = (  # Keras 3 has no ImageDataGenerator; only the training (not run on TensorFlow) uses it
    "from tensorflow.keras.preprocessing.image import ImageDataGenerator",
    "# (from tensorflow.keras.preprocessing.image import ImageDataGenerator: not in Keras 3)", 1)

KERAS3_PATCHES = {  # name -> [(as printed, what Keras 3 accepts, occurrences)]
    "densenet_bc_cifar10": [  # AveragePooling2D lost its default pool_size (2, 2)
        ("x = AveragePooling2D()(y)", "x = AveragePooling2D(pool_size=2)(y)", 1), NO_IMAGE_DATA_GENERATOR],
    "resnet_v1_cifar10": [NO_IMAGE_DATA_GENERATOR],
    "resnet_v2_cifar10": [NO_IMAGE_DATA_GENERATOR],
    "lenet5_mnist": [  # the optimizers lost `lr`
        ("optimizer = optimizers.SGD(lr=0.01)", "optimizer = optimizers.SGD(learning_rate=0.01)", 1)],
    "vgg13_cifar10": [
        ("optimizer = optimizers.Adam(lr=1e-4)", "optimizer = optimizers.Adam(learning_rate=1e-4)", 1)],
    "baseline_cifar10": [  # save_weights_only needs a .weights.h5 file (not TensorFlow's checkpoint
        # files, found through '.index'), and load_weights a built model (tf.keras 2 restored on build)
        ('path = "./checkpoint/Baseline.ckpt"', 'path = "./checkpoint/Baseline.weights.h5"', 1),
        ("checkpoint_save_path + '.index'", "checkpoint_save_path", 1),
        ("    model.load_weights(", "    model(x_train[:1])\n    model.load_weights(", 1)],
    "resnet_tf2_blog": [("/BatchNorm'", "_BatchNorm'", 9)],  # layer names lost '/'
}

ENGINE_MODULES = {"tensorflow": "minicnn.tf", "keras": "minicnn.keras"}
TENSORFLOW_MODULES = {"tf": "tensorflow", "keras": "keras"}  # minicnn.<key> -> <value>
_FROM_LINE = re.compile(r"^(\s*from\s+)(tensorflow|keras)(?=[.\s])")
_IMPORT_LINE = re.compile(r"^(\s*import\s+)(tensorflow|keras)((?:\.\w+)*)(\s+as\s+\w+)?(\s*(?:#.*)?)$")
_MINICNN_FROM_LINE = re.compile(r"^(\s*from\s+)minicnn\.(tf|keras)(?=[.\s])")
_MINICNN_IMPORT_LINE = re.compile(r"^(\s*import\s+)minicnn\.(tf|keras)((?:\.\w+)*)\s+as\s+(\w+)(\s*(?:#.*)?)$")


def rewrite_lines(source, rewrite):
    """``source`` with ``rewrite(line)`` applied to each line (without its line ending)."""
    lines = []
    for line in source.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        lines.append(rewrite(body) + line[len(body):])
    return "".join(lines)


def minicnn_import(line):
    """A TensorFlow/Keras import line as minicnn's (``import tensorflow as tf`` -> ``import minicnn.tf
    as tf``); any other line as it is."""
    if match := _FROM_LINE.match(line):
        return match.group(1) + ENGINE_MODULES[match.group(2)] + line[match.end():]
    if match := _IMPORT_LINE.match(line):
        head, top, submodule, alias, rest = match.groups()
        if alias is None:  # `import tensorflow` binds `tensorflow`; keep binding that name
            if submodule:
                raise ValueError(f"cannot rewrite {line!r}: it binds the top-level package")
            alias = f" as {top}"
        return f"{head}{ENGINE_MODULES[top]}{submodule}{alias}{rest}"
    return line


def tensorflow_import(line):
    """A ``minicnn.tf``/``minicnn.keras`` import line as TensorFlow's/Keras' (``import minicnn.tf as
    tf`` -> ``import tensorflow as tf``, ``import minicnn.tf as tensorflow`` -> ``import tensorflow``);
    any other line as it is."""
    if match := _MINICNN_FROM_LINE.match(line):
        return match.group(1) + TENSORFLOW_MODULES[match.group(2)] + line[match.end():]
    if match := _MINICNN_IMPORT_LINE.match(line):
        head, engine, submodule, alias, rest = match.groups()
        top = TENSORFLOW_MODULES[engine]
        bound = "" if alias == top and not submodule else f" as {alias}"
        return f"{head}{top}{submodule}{bound}{rest}"
    return line


def to_minicnn(source):
    """TensorFlow code with its import lines rewritten (``tensorflow`` -> ``minicnn.tf``, ``keras`` ->
    ``minicnn.keras``); every other line is left as it is."""
    return rewrite_lines(source, minicnn_import)


def to_tensorflow(source):
    """An example with its import lines rewritten back (``minicnn.tf`` -> ``tensorflow``,
    ``minicnn.keras`` -> ``keras``); every other line is left as it is."""
    return rewrite_lines(source, tensorflow_import)


def minicnn_source(name):
    """The example as it is: the listing in its minicnn form."""
    return example_path(name).read_text(encoding="utf-8")


def tensorflow_source(name):
    """The listing for TensorFlow: the example's imports rewritten back, then ``KERAS3_PATCHES``."""
    source = to_tensorflow(minicnn_source(name))
    for printed, accepted, count in KERAS3_PATCHES.get(name, []):
        found = source.count(printed)
        assert found == count, f"{name}: {printed!r} found {found} times, not {count}"
        source = source.replace(printed, accepted)
    return source


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
    memo: dict = field(default_factory=dict)  # what the checks build from the run, built once


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


@contextlib.contextmanager
def _tensorflow_functions_run_eagerly():
    """Keras' fit/evaluate steps run eagerly instead of being traced into graphs first: the same
    computation, and on a few tiny batches tracing costs more than it saves."""
    tf = importlib.import_module("tensorflow")
    before = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(before)


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
    path = example_path(name)
    workdir.mkdir(parents=True, exist_ok=True)
    ns = {"__name__": "__main__" if as_main else "listing", "__file__": str(path)}
    runtime.start(["--quick"])
    stdout, error = io.StringIO(), None
    printoptions, cwd = np.get_printoptions(), os.getcwd()
    plots = "matplotlib" in source
    if plots:
        importlib.import_module("matplotlib").use("Agg")
    plot_guard = _tensorflow_plot_model_without_pydot() if engine == "tensorflow" else contextlib.nullcontext()
    eager = _tensorflow_functions_run_eagerly() if engine == "tensorflow" else contextlib.nullcontext()
    _seed(engine)
    with warnings.catch_warnings(record=True) as caught, plot_guard, eager:
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
    return Run(name, engine, ns, stdout.getvalue(), list(runtime.shown), workdir, list(caught), error)


_tensorflow_runs = {}


@pytest.fixture(scope="session")
def tensorflow_run(tf, tmp_path_factory):
    """The listing run on TensorFlow, once per session."""
    def get(name):
        if name not in _tensorflow_runs:
            _tensorflow_runs[name] = run_listing(name, "tensorflow", tmp_path_factory.mktemp(f"tf_{name}"),
                                                 as_main=LISTINGS[name].tensorflow_as_main)
        return _tensorflow_runs[name]
    return get


@pytest.fixture(scope="module", autouse=True)
def _blas_on_one_thread():
    """NumPy's BLAS on one thread for this file's tests (see the module docstring), where threadpoolctl
    is installed; restored afterwards."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


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
    (x, _), _ = runtime.cifar10.stand_in.load_data()
    return (x[:count] / 255.0).astype(np.float32)


def mnist_images(count):
    (x, _), _ = runtime.mnist.stand_in.load_data()
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


def assert_summary_counts(run, model):
    """The run printed one summary, and its totals are the model's own counts."""
    total = model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert summary_totals(run) == [(total, trainable, total - trainable)], (
        f"{run.name}: summary totals {summary_totals(run)}, the model's {(total, trainable, total - trainable)}")


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


def assert_batch_norm_moves(ours_model, theirs_model, x, what, exact=True, dropout=False, copy=True):
    """A training-mode call moves BatchNormalization's moving statistics on minicnn as on TensorFlow:
    to the same values when no dropout comes before a BN layer (``exact``), else the same ones move;
    the training-mode outputs agree too when the model has no dropout at all. ``copy=False``: the
    weights were copied in already (by assert_same_predictions, whose inference call moves nothing)."""
    if copy:
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


def assert_fit_trained(model, what, falls=True):
    """``model.fit`` ran its 3 quick epochs with finite training losses that fall (``falls``), or at
    least change from epoch to epoch: on the same one batch an epoch, only moved weights change it."""
    losses = fit_losses(model)
    assert len(losses) == runtime.QUICK_EPOCHS, f"{what}: {len(losses)} epochs of fit, not {runtime.QUICK_EPOCHS}"
    if falls:
        assert_training_lowers_loss(losses, what)
    else:
        assert all(math.isfinite(v) for v in losses) and len(set(losses)) == len(losses), f"{what}: losses {losses}"


def assert_checkpoints(run, pattern, what):
    """ModelCheckpoint(save_best_only=True, monitor='val_accuracy') saved the model of the first
    epoch (any accuracy beats none) into saved_models/, as a .keras file (a zip archive)."""
    saved = sorted(p.name for p in (run.workdir / "saved_models").glob("*.keras"))
    assert saved and saved[0] == pattern.format(epoch=1), f"{what}: saved_models/ holds {saved}"
    assert all(re.fullmatch(pattern.replace("{epoch:03d}", r"\d{3}").replace("{epoch:02d}", r"\d{2}")
                            .replace(".", r"\."), name) for name in saved), saved
    assert (run.workdir / "saved_models" / saved[0]).read_bytes()[:2] == b"PK", f"{what}: {saved[0]} is no zip"


def assert_evaluated(run, what):
    """The script's last lines: the test loss and accuracy, finite, the accuracy in [0, 1]."""
    loss = printed_losses(run, r"(?m)^Test loss: (\S+)$")
    accuracy = printed_losses(run, r"(?m)^Test accuracy: (\S+)$")
    assert len(loss) == len(accuracy) == 1, f"{what}: printed test loss {loss}, accuracy {accuracy}"
    assert math.isfinite(loss[0]) and 0 <= accuracy[0] <= 1, f"{what}: test loss {loss}, accuracy {accuracy}"


def epoch_means(losses, epochs):
    per_epoch = len(losses) // epochs
    return [float(np.mean(losses[k * per_epoch:(k + 1) * per_epoch])) for k in range(epochs)]


# --- seed 000: the Keras textbook, chapter 5 ------------------------------------------------------

def conv_params(k, c_in, c_out):
    return k * k * c_in * c_out + c_out


def book_functional_cnn_mnist(run):
    expected = conv_params(3, 1, 64) + 2 * conv_params(3, 64, 64) + (3 * 3 * 64 * 10 + 10)  # 26-13-11-5-3
    assert summary_totals(run) == [(expected, expected, 0)]
    assert len(run.ns["score"]) == 2 and "Test accuracy:" in run.stdout
    assert_training_lowers_loss(fit_losses(run.ns["model"]), "Listing 5.1 on TensorFlow")


def same_functional_cnn_mnist(ours, theirs):
    assert_same_totals(ours, theirs)
    assert_same_layers(ours.ns["model"], theirs.ns["model"], "Listing 5.1")
    assert_training_lowers_loss(fit_losses(ours.ns["model"]), "Listing 5.1 on minicnn")
    assert all(math.isfinite(v) for v in ours.ns["score"]) and len(ours.ns["score"]) == 2
    assert_same_predictions(ours.ns["model"], theirs.ns["model"], theirs.ns["x_test"], "Listing 5.1")


def book_y_network_mnist(run):
    branch = conv_params(3, 1, 32) + conv_params(3, 32, 64) + conv_params(3, 64, 128)  # 28-14-7-3
    expected = 2 * branch + (3 * 3 * 256 * 10 + 10)
    assert summary_totals(run) == [(expected, expected, 0)]
    assert_training_lowers_loss(fit_losses(run.ns["model"]), "Listing 5.2 on TensorFlow")


def same_y_network_mnist(ours, theirs):
    assert_same_totals(ours, theirs)
    assert_same_layers(ours.ns["model"], theirs.ns["model"], "Listing 5.2")
    assert_training_lowers_loss(fit_losses(ours.ns["model"]), "Listing 5.2 on minicnn")
    png = ours.workdir / "cnn-y-network.png"
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "plot_model wrote no PNG"
    x = theirs.ns["x_test"]
    copy_weights(ours.ns["model"], theirs.ns["model"], "Listing 5.2")
    assert_close(ours.ns["model"]([x, x], training=False), theirs.ns["model"]([x, x], training=False),
                 "Listing 5.2: predictions")


def book_resnet_v1_cifar10(run):
    assert run.ns["depth"] == 20
    assert round(run.ns["model"].count_params() / 1e6, 2) == 0.27, "the docstring's 'ResNet20 0.27M'"
    assert_summary_counts(run, run.ns["model"])


def same_resnet_cifar10(ours, theirs):
    """The model as TensorFlow's; then the training part (minicnn only): lr_schedule() drops at the
    printed epochs and keeps a lower rate the plateau reducer set; it gives 1e-3 in the first epochs
    (printed at compile and each epoch, logged by the scheduler: the reducer waits, patience 5 > 2
    epochs); the best model is checkpointed; the loss falls."""
    what = f"{theirs.name}: ResNet{theirs.ns['depth']}"
    assert_same_totals(ours, theirs)
    assert_same_layers(ours.ns["model"], theirs.ns["model"], what)
    x = cifar_images(4)
    assert_same_predictions(ours.ns["model"], theirs.ns["model"], x, what)
    assert_batch_norm_moves(ours.ns["model"], theirs.ns["model"], x, what, copy=False)
    model_type = theirs.ns["model_type"]
    assert model_type == f"ResNet{theirs.ns['depth']}v{theirs.ns['version']}"
    schedule = ours.ns["lr_schedule"]
    assert [schedule(e) for e in (0, 80, 81, 121, 161, 181)] == [1e-3, 1e-3, 1e-4, 1e-5, 1e-6, 0.5e-6]
    assert [schedule(e, 3e-4) for e in (0, 80, 81)] == [3e-4, 3e-4, 1e-4], "a plateau cut below the schedule stays"
    assert "Using real-time data augmentation." in ours.stdout
    assert_fit_trained(ours.ns["model"], f"{what} trained on minicnn")
    history = ours.ns["model"].history.history
    assert history["learning_rate"] == pytest.approx([1e-3] * runtime.QUICK_EPOCHS), history["learning_rate"]
    assert printed_losses(ours, r"(?m)^Learning rate:  (\S+)$") == [1e-3] * (1 + runtime.QUICK_EPOCHS)
    assert_checkpoints(ours, f"cifar10_{model_type}_model.{{epoch:03d}}.keras", what)
    assert_evaluated(ours, what)


def book_resnet_v2_cifar10(run):
    assert run.ns["depth"] == 110
    convs = [layer for layer in run.ns["model"].layers if type(layer).__name__ == "Conv2D"]
    assert len(convs) == 1 + 3 * 12 * 3 + 3, "stem, 12 bottleneck units of 3 per stage, 3 projections"
    assert_summary_counts(run, run.ns["model"])


def book_densenet_bc_cifar10(run):
    model = run.ns["model"]
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") + kinds.count("Dense") == 100, "DenseNet-BC-100's 100 weight layers"
    assert len(summary_totals(run)) == 1 and summary_totals(run)[0][0] == model.count_params()


def same_densenet_bc_cifar10(ours, theirs):
    assert_same_totals(ours, theirs)
    assert_same_layers(ours.ns["model"], theirs.ns["model"], "DenseNet-BC-100")
    x = cifar_images(2)
    assert_same_predictions(ours.ns["model"], theirs.ns["model"], x, "DenseNet-BC-100")
    assert_batch_norm_moves(ours.ns["model"], theirs.ns["model"], x, "DenseNet-BC-100", copy=False)
    assert "Using real-time data augmentation." in ours.stdout
    assert_fit_trained(ours.ns["model"], "DenseNet-BC-100 trained on minicnn")
    assert_checkpoints(ours, "cifar10_densenet_model.{epoch:02d}.keras", "DenseNet-BC-100")
    assert_evaluated(ours, "DenseNet-BC-100")


# --- seed 001: the TensorFlow 2 textbook, chapter 10 (a notebook) ---------------------------------

# Section 10.2's worked examples (worked by hand in the seed; see the examples' headers)

def exactly(value):
    return as_array(value).tolist()


def book_conv2d_single_channel(run):
    product, total, first_row = (exactly(v) for v in run.shown)
    assert product == [[-1, -1, 0], [-1, 2, 6], [0, -2, 4]] and total == 7, "10.2.1's Hadamard product and its sum"
    assert first_row == [7, 10], "10.2.1: the first two outputs"


def same_conv2d_single_channel(ours, theirs):
    assert [exactly(v) for v in ours.shown] == [exactly(v) for v in theirs.shown]
    assert shape_of(ours.ns["out"]) == shape_of(theirs.ns["out"]) == (1, 1, 2, 1)


def book_conv2d_three_channels(run):
    per_channel = [as_array(c).ravel().tolist() for c in run.ns["per_channel"]]
    assert per_channel == [[7, 10], [-11, 20], [-1, 20]], "10.2.2's intermediate values"
    assert as_array(run.ns["out"]).ravel().tolist() == [-5, 50], "10.2.2: the outputs -5 and 50"
    assert "output [-5. 50.]" in run.stdout


def same_conv2d_three_channels(ours, theirs):
    assert [exactly(c) for c in ours.ns["per_channel"]] == [exactly(c) for c in theirs.ns["per_channel"]]
    assert exactly(ours.ns["out"]) == exactly(theirs.ns["out"])
    assert ours.stdout == theirs.stdout


def book_separable_conv_params(run):
    ns = run.ns
    counts = (ns["conv"].count_params(), ns["separable"].count_params())
    assert counts == (108, 39), f"10.11.3: 3x3x3x4 = 108 and 27 + 12 = 39, got {counts}"
    assert [shape_of(w) for w in ns["separable"].weights] == [(3, 3, 3, 1), (1, 1, 3, 4)]
    assert shape_of(ns["out_conv"]) == shape_of(ns["out_separable"]) == (1, 3, 3, 4)
    assert_close(ns["out"], ns["out_separable"], "the two tf.nn steps against SeparableConv2D")
    assert "parameters: 108 39" in run.stdout


def same_separable_conv_params(ours, theirs, tf):
    ns = ours.ns
    assert (ns["conv"].count_params(), ns["separable"].count_params()) == (108, 39)
    for key in ("out_conv", "out_separable", "middle", "out"):
        assert shape_of(ns[key]) == shape_of(theirs.ns[key]), key
    x, kernel = as_array(ns["x"]), as_array(ns["conv"].kernel)
    depthwise, pointwise = as_array(ns["separable"].depthwise_kernel), as_array(ns["separable"].pointwise_kernel)
    assert_close(ns["out_conv"], tf.nn.conv2d(x, kernel, 1, "VALID"), "Conv2D against tf.nn.conv2d")
    assert_close(ns["middle"], tf.nn.depthwise_conv2d(x, depthwise, [1, 1, 1, 1], "VALID"), "the depthwise step")
    assert_close(ns["out_separable"], tf.nn.separable_conv2d(x, depthwise, pointwise, [1, 1, 1, 1], "VALID"),
                 "SeparableConv2D against tf.nn.separable_conv2d")
    assert_close(ns["out"], ns["out_separable"], "the two tf.nn steps against SeparableConv2D")


# BATCH_NOTE: after Sequential.build(input_shape=(4, 784)) Keras 3 keeps the 4 in its layers' output
# shapes ((4, 256)); minicnn gives None there, as DESIGN.md says shapes do. Only the rest is compared.

def book_mlp_parameter_count(run):
    assert summary_totals(run) == [(335_114, 335_114, 0)]
    assert [layer.count_params() for layer in run.ns["model"].layers] == [200_960, 65_792, 65_792, 2_570]


def same_mlp_parameter_count(ours, theirs):
    assert_same_totals(ours, theirs)
    assert [layer.count_params() for layer in ours.ns["model"].layers] == [200_960, 65_792, 65_792, 2_570]
    assert_same_layers(ours.ns["model"], theirs.ns["model"], "the MLP", batch=False)  # see BATCH_NOTE
    x = mnist_images(4).reshape(4, 784)
    assert_same_predictions(ours.ns["model"], theirs.ns["model"], x, "the 784-256-256-256-10 MLP")


VARIABLE_LINE = re.compile(r"(?m)^(\S+) (\(.*\)) (\S+)$")


def book_conv2d_basics(run):
    assert [shape_of(s) for s in run.shown[:5]] == [(2, 3, 3, 4), (2, 5, 5, 4), (2, 5, 5, 4), (2, 2, 2, 4),
                                                    (2, 5, 5, 4)]
    name, shape = run.shown[5]
    assert name.endswith("kernel") and shape_of(shape) == (3, 3, 3, 4)
    assert VARIABLE_LINE.findall(run.stdout) == [("kernel", "(3, 3, 3, 4)", "float32"), ("bias", "(4,)", "float32")]


def same_conv2d_basics(ours, theirs, tf):
    assert [shape_of(s) for s in ours.shown[:5]] == [shape_of(s) for s in theirs.shown[:5]]
    assert (ours.shown[5][0], shape_of(ours.shown[5][1])) == (theirs.shown[5][0], shape_of(theirs.shown[5][1]))
    assert VARIABLE_LINE.findall(ours.stdout) == VARIABLE_LINE.findall(theirs.stdout), "In [11]'s printed variables"
    ns = ours.ns  # In [6]'s x and w, In [7]'s bias, In [10]'s layer and output
    assert_close(ns["b"], np.zeros(4), "In [7]: b")
    expected = tf.nn.conv2d(as_array(ns["x"]), as_array(ns["layer"].kernel), 1, "SAME") + as_array(ns["layer"].bias)
    assert_close(ns["out"], expected, "In [10]: layer(x) against tf.nn.conv2d on the same x and kernel")


def book_lenet5_mnist(run):
    network = run.ns["network"]
    assert [layer.count_params() for layer in network.layers][:4] == [60, 0, 0, 880], "the printed summary's rows"
    assert summary_totals(run) == [(network.count_params(),) * 2 + (0,)]
    losses = printed_losses(run, r"# \d+ , loss:  (\S+)")
    assert len(losses) == runtime.QUICK_EPOCHS * 3  # 96 images in batches of 32
    assert_training_lowers_loss(epoch_means(losses, runtime.QUICK_EPOCHS),
                                "LeNet-5's mean loss per epoch on TensorFlow")
    assert re.search(r"test acc: \S+", run.stdout)


def same_lenet5_mnist(ours, theirs):
    assert_same_totals(ours, theirs)
    assert_same_layers(ours.ns["network"], theirs.ns["network"], "LeNet-5", batch=False)  # see BATCH_NOTE
    losses = printed_losses(ours, r"# \d+ , loss:  (\S+)")
    assert len(losses) == len(printed_losses(theirs, r"# \d+ , loss:  (\S+)")), "training steps"
    assert_training_lowers_loss(epoch_means(losses, runtime.QUICK_EPOCHS), "LeNet-5's mean loss per epoch on minicnn")
    assert 0 <= ours.ns["correct"] <= ours.ns["total"] == theirs.ns["total"]
    assert_same_predictions(ours.ns["network"], theirs.ns["network"], mnist_images(8), "LeNet-5")


def book_batchnorm_channel_mean(run):
    shape, ub = run.shown[0]
    assert shape_of(shape) == (102_400, 3) and shape_of(ub) == (3,)
    assert np.all(np.abs(as_array(ub)) < 0.02), "the mean of 102,400 standard normal numbers"


def same_batchnorm_channel_mean(ours, theirs, tf):
    shape, ub = ours.shown[0]
    assert shape_of(shape) == shape_of(theirs.shown[0][0]) and shape_of(ub) == (3,)
    assert_close(ub, tf.reduce_mean(as_array(ours.ns["x"]), axis=0), "tf.reduce_mean on minicnn's x", atol=1e-6)


def book_lenet5_batchnorm(run):
    network = run.ns["network"]
    assert network.count_params() == 60_074 + 4 * 6 + 4 * 16, "LeNet-5 and two BN layers' 4 vectors"
    means = [as_array(w) for w in network.non_trainable_weights]
    assert len(means) == 4 and all(np.any(m != 0) and np.any(m != 1) for m in means), "moving statistics moved"
    assert shape_of(run.ns["out"]) == (32, 10) and shape_of(run.ns["out_train_step"]) == (32, 10)


def same_lenet5_batchnorm(ours, theirs):
    network, reference = ours.ns["network"], theirs.ns["network"]
    assert network.count_params() == reference.count_params()
    statistics = moving_statistics(network)
    assert len(statistics) == len(moving_statistics(reference)) == 4
    for k, values in enumerate(statistics):
        assert np.any(values != 0) and np.any(values != 1), f"moving statistic {k} did not move on minicnn"
    assert shape_of(ours.ns["out"]) == shape_of(theirs.ns["out"])
    x = mnist_images(16)
    assert_same_predictions(network, reference, x, "LeNet-5 with BN")
    assert_batch_norm_moves(network, reference, x, "LeNet-5 with BN", copy=False)


VGG_LOSS = r"(?m)^\d+ \d+ loss: (\S+)$"


def book_vgg13_cifar10(run):
    conv_net, fc_net = run.ns["conv_net"], run.ns["fc_net"]
    assert [layer.count_params() for layer in conv_net.layers][:5] == [1_792, 36_928, 0, 73_856, 147_584]
    assert summary_totals(run) == [(9_404_992, 9_404_992, 0), (165_514, 165_514, 0)]
    total = conv_net.count_params() + fc_net.count_params()
    assert abs(total - 9_500_000) < 100_000, f"'网络总参数量约为950万个' (about 9.5 million): {total:,}"
    assert re.search(r"sample: \(8, 32, 32, 3\) \(8,\)", run.stdout)
    assert_training_lowers_loss(printed_losses(run, VGG_LOSS), "VGG13 on TensorFlow")


def same_vgg13_cifar10(ours, theirs):
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
    assert len(re.findall(r"(?m)^\d+ acc: ", ours.stdout)) == runtime.QUICK_EPOCHS
    x = cifar_images(4) * 2 - 1
    copy_weights(ours.ns["conv_net"], theirs.ns["conv_net"], "VGG13's conv_net")
    copy_weights(ours.ns["fc_net"], theirs.ns["fc_net"], "VGG13's fc_net")
    ours_logits = ours.ns["fc_net"](as_array(ours.ns["conv_net"](x)).reshape(-1, 512))
    theirs_logits = theirs.ns["fc_net"](as_array(theirs.ns["conv_net"](x)).reshape(-1, 512))
    assert_close(ours_logits, theirs_logits, "VGG13: logits")


def book_dilated_conv(run):
    assert [shape_of(s) for s in run.shown] == [(1, 3, 3, 1)]


def same_dilated_conv(ours, theirs, tf):
    assert [shape_of(s) for s in ours.shown] == [shape_of(s) for s in theirs.shown]
    layer = ours.ns["layer"]
    expected = tf.nn.conv2d(as_array(ours.ns["x"]), as_array(layer.kernel), 1, "VALID", dilations=2)
    expected += as_array(layer.bias)
    assert_close(ours.ns["out"], expected, "In [53]: the dilated layer against tf.nn.conv2d(dilations=2)")


def book_conv2d_transpose(run):
    assert [shape_of(s) for s in run.shown] == [(1, 2, 2, 1), (1, 5, 5, 1), (1, 2, 2, 1), (1, 6, 6, 1)]


def same_conv2d_transpose(ours, theirs, tf):
    assert [shape_of(s) for s in ours.shown] == [shape_of(s) for s in theirs.shown]
    for key in ("x_5x5", "out_5x5", "xx_5x5"):  # the worked example: exact
        np.testing.assert_array_equal(as_array(ours.ns[key]), as_array(theirs.ns[key]), err_msg=key)
    x, w, out = (as_array(ours.ns[k]) for k in ("x", "w", "out"))
    assert_close(out, tf.nn.conv2d(x, w, 2, "VALID"), "In [57]: tf.nn.conv2d on minicnn's 6x6 x")
    assert_close(ours.ns["xx"], tf.nn.conv2d_transpose(out, w, [1, 6, 6, 1], 2, "VALID"), "In [58]: 6x6 output")


PRINTED_4X4 = [[56, -51, 46, 183], [-148, -35, 35, -123], [88, 35, -35, 63], [532, -41, 36, 729]]


def book_conv2d_transpose_4x4(run):
    np.testing.assert_array_equal(as_array(run.shown[0]).reshape(2, 2), [[-56, -61], [-76, -81]])
    np.testing.assert_array_equal(as_array(run.shown[1]), PRINTED_4X4)
    assert shape_of(run.shown[2]) == (1, 4, 4, 1)


def same_conv2d_transpose_4x4(ours, theirs, tf):
    for k in range(2):  # the worked example's numbers, exactly
        assert shape_of(ours.shown[k]) == shape_of(theirs.shown[k])
        np.testing.assert_array_equal(as_array(ours.shown[k]), as_array(theirs.shown[k]), err_msg=f"In [6{k + 1}]")
    reference = tf.keras.layers.Conv2DTranspose(1, kernel_size=3, strides=1, padding="VALID")
    reference.build((None, 2, 2, 1))
    reference.set_weights([as_array(w) for w in ours.ns["layer"].get_weights()])
    assert_close(ours.shown[2], reference(as_array(ours.ns["out"])), "In [63]: Conv2DTranspose with minicnn's weights")


def book_resnet18_basicblock(run):
    model = run.ns["model"]  # resnet18()
    assert_summary_counts(run, model)
    assert shape_of(model(cifar_images(2))) == (2, 10)
    blocks = [len(stack.layers) for stack in (model.layer1, model.layer2, model.layer3, model.layer4)]
    assert blocks == [2, 2, 2, 2]
    assert [len(stack.layers) for stack in (run.ns["resnet34"]().layer3,)] == [6], "resnet34()'s third stack"


def same_resnet18_basicblock(ours, theirs):
    """The model as TensorFlow's; then the training loop (minicnn only): a loss per step (one batch
    per epoch in quick mode) that falls, and the test accuracy after each epoch."""
    assert_same_totals(ours, theirs)
    x = cifar_images(2)
    model, reference = ours.ns["model"], theirs.ns["model"]
    assert_same_predictions(model, reference, x, "10.14's resnet18()")
    assert_batch_norm_moves(model, reference, x, "10.14's resnet18()", copy=False)
    losses = printed_losses(ours, r"(?m)^\d+ \d+ loss: (\S+)$")
    assert len(losses) == runtime.QUICK_EPOCHS, f"10.14's resnet18() trained: losses {losses}"
    assert_training_lowers_loss(losses, "10.14's resnet18() trained on minicnn")
    accuracies = printed_losses(ours, r"(?m)^\d+ acc: (\S+)$")
    assert len(accuracies) == runtime.QUICK_EPOCHS and all(0 <= a <= 1 for a in accuracies), accuracies


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
    trains: bool = False  # run as a script, it trains on CIFAR-10 (the course script's compile and fit)


BUILT = {
    "conv2d_sequential": Built(lambda ns: ns["model"], size=40, batch_norm=False),
    "cbapd_block": Built(lambda ns: ns["model"], output=(16, 16, 6), dropout=True),
    "baseline_class": Built(lambda ns: ns["model"], dropout=True),
    "lenet5_class": Built(lambda ns: ns["model"], batch_norm=False, trains=True),
    "alexnet8": Built(lambda ns: ns["model"], dropout=True, trains=True),
    "vgg16": Built(lambda ns: ns["model"], dropout=True, dropout_before_bn=True, trains=True),
    "inception10": Built(lambda ns: ns["model"], trains=True),
    "resnet18_resnetblock": Built(lambda ns: ns["model"], trains=True),
}


def images(size, count):
    x = cifar_images(count)
    return np.tile(x, (1, 2, 2, 1))[:, :size, :size, :] if size > 32 else x


def book_built(run):
    spec = BUILT[run.name]
    model = spec.model(run.ns)
    assert_summary_counts(run, model)
    out = model(images(spec.size, 2))
    assert shape_of(out) == (2,) + spec.output
    assert model.count_params() > 0


def same_built(ours, theirs):
    """The model as TensorFlow's (compared after minicnn's quick training where the example trains:
    TensorFlow's weights are copied in). The slides' models train with their printed call(self, x),
    which takes no `training`: fit cannot pass training=True down (Keras 3, and minicnn, which
    warns), so BatchNormalization and Dropout stay in inference mode and the loss need not fall
    (VGG16's thirteen unnormalised convolutions blow it up in three steps); it must change."""
    spec = BUILT[ours.name]
    assert_same_totals(ours, theirs)
    if spec.trains:
        assert_fit_trained(spec.model(ours.ns), f"{ours.name} trained on minicnn", falls=False)
        assert sorted(ours.ns["history"].history) == [
            "loss", "sparse_categorical_accuracy", "val_loss", "val_sparse_categorical_accuracy"]
    else:
        assert "history" not in ours.ns
    x = images(spec.size, 2)
    model, reference = spec.model(ours.ns), spec.model(theirs.ns)
    assert shape_of(model(x)) == shape_of(reference(x))
    assert_same_predictions(model, reference, x, ours.name)
    if spec.batch_norm:
        assert_batch_norm_moves(model, reference, x, ours.name, not spec.dropout_before_bn, spec.dropout, copy=False)


def book_baseline_cifar10(run):
    model = run.ns["model"]
    n = model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    adam = 2 * trainable + 2  # m and v per weight, iterations, learning rate
    assert summary_totals(run) == [(n + adam, trainable, n - trainable)], "Keras 3 adds the optimizer's variables"
    assert_training_lowers_loss(run.ns["history"].history["loss"], "Baseline on TensorFlow")
    names = [line for line in (run.workdir / "weights.txt").read_text().splitlines() if line in ("kernel", "bias")]
    assert len(names) == 6 and "-----load the model-----" not in run.stdout


def same_baseline_cifar10(ours, theirs):
    assert_same_totals(ours, theirs)
    assert_training_lowers_loss(ours.ns["history"].history["loss"], "Baseline on minicnn")
    assert sorted(ours.ns["history"].history) == sorted(theirs.ns["history"].history)

    def dumped(run):
        lines = (run.workdir / "weights.txt").read_text().splitlines()
        return [(name, shape) for name, shape in zip(lines, lines[1:]) if re.fullmatch(r"\(\d+(, \d+)*,?\)", shape)]
    assert dumped(ours) == dumped(theirs), "weights.txt's variable names and shapes"
    assert_same_predictions(ours.ns["model"], theirs.ns["model"], cifar_images(4), "Baseline")
    assert_batch_norm_moves(ours.ns["model"], theirs.ns["model"], cifar_images(4), "Baseline", dropout=True, copy=False)
    again = run_listing(ours.name, "minicnn", ours.workdir)
    assert "-----load the model-----" in again.stdout, "the second run restores the checkpoint"


# --- seed 004: the ResNet blog post ----------------------------------------------------------------

BLOG_SUMMARY = (45_339_624, 0, 45_339_624)  # tf.keras 2 built the model in build(): 224 "channels"
BLOG_LAYERS = {"conv1": 702_464, "conv1_BatchNorm": 256, "block1": 217_856, "block2": 1_225_728,
               "block3": 26_161_152, "block4": 14_983_168, "logits": 2_049_000}
BLOCKS = ("BasicBlock", "Bottleneck", "BasicBlock_v2", "Bottleneck_v2")


def small_resnet(run, block):
    """The run's ResNet(block, [1, 1, 1, 1], num_classes=10), called on two CIFAR-sized images: built
    once per run and block (TensorFlow's serves both tests)."""
    if block not in run.memo:
        model = run.ns["ResNet"](run.ns[block], [1, 1, 1, 1], num_classes=10)
        run.memo[block] = (model, model(cifar_images(2)))
    return run.memo[block]


def book_resnet_tf2_blog(run, tf):
    """All four residual blocks work in a small ResNet; with MINICNN_FULL=1, main() (ResNet-101 v2 on
    (3, 224, 224) images) ran and the model has the blog's counts once called (Keras 3's build()
    builds nothing, so its own summary shows 0)."""
    for block in BLOCKS:
        assert shape_of(small_resnet(run, block)[1]) == (2, 10), block
    if FULL:
        assert "output shape: (4, 1000)" in run.stdout
        model = run.ns["resnet_v2_101"]()
        model(np.zeros((1, 3, 224, 224), np.float32))
        assert model.count_params() == BLOG_SUMMARY[0]
        assert {layer.name: layer.count_params() for layer in model.layers if layer.name in BLOG_LAYERS} == BLOG_LAYERS


def same_resnet_tf2_blog(ours, theirs):
    """Each residual block in a small ResNet(block, [1, 1, 1, 1]) predicts and updates BN as on
    TensorFlow. main() feeds (3, 224, 224) images as NHWC: minicnn rejects that layout with a
    ValueError that says so, or runs it as tf.keras 2 did (the blog's counts) and warns."""
    x = cifar_images(2)
    for block in BLOCKS:
        (model, _), (reference, _) = small_resnet(ours, block), small_resnet(theirs, block)
        what = f"ResNet({block}, [1, 1, 1, 1])"
        assert_same_predictions(model, reference, x, what, rtol=1e-3, atol=1e-4)
        assert_batch_norm_moves(model, reference, x, what, copy=False)
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
    tensorflow_main: str = "yes"  # TensorFlow runs the `if __name__ == '__main__'` part: "yes"; "no"
    # (it is training the seed does not print); "full" (only with MINICNN_FULL=1: minutes)

    @property
    def tensorflow_as_main(self):
        return self.tensorflow_main == "yes" or (self.tensorflow_main == "full" and FULL)


UNPRINTED_TRAINING = "no"

LISTINGS = {
    "functional_cnn_mnist": Listing(book_functional_cnn_mnist, same_functional_cnn_mnist),
    "y_network_mnist": Listing(book_y_network_mnist, same_y_network_mnist),
    "resnet_v1_cifar10": Listing(book_resnet_v1_cifar10, same_resnet_cifar10, tensorflow_main=UNPRINTED_TRAINING),
    "resnet_v2_cifar10": Listing(book_resnet_v2_cifar10, same_resnet_cifar10, tensorflow_main=UNPRINTED_TRAINING),
    "densenet_bc_cifar10": Listing(book_densenet_bc_cifar10, same_densenet_bc_cifar10,
                                   tensorflow_main=UNPRINTED_TRAINING),
    "mlp_parameter_count": Listing(book_mlp_parameter_count, same_mlp_parameter_count),
    "conv2d_basics": Listing(book_conv2d_basics, same_conv2d_basics),
    "lenet5_mnist": Listing(book_lenet5_mnist, same_lenet5_mnist),
    "batchnorm_channel_mean": Listing(book_batchnorm_channel_mean, same_batchnorm_channel_mean),
    "lenet5_batchnorm": Listing(book_lenet5_batchnorm, same_lenet5_batchnorm),
    "vgg13_cifar10": Listing(book_vgg13_cifar10, same_vgg13_cifar10),
    "dilated_conv": Listing(book_dilated_conv, same_dilated_conv),
    "conv2d_transpose": Listing(book_conv2d_transpose, same_conv2d_transpose),
    "conv2d_transpose_4x4": Listing(book_conv2d_transpose_4x4, same_conv2d_transpose_4x4),
    "resnet18_basicblock": Listing(book_resnet18_basicblock, same_resnet18_basicblock,
                                   tensorflow_main=UNPRINTED_TRAINING),
    "conv2d_single_channel": Listing(book_conv2d_single_channel, same_conv2d_single_channel),
    "conv2d_three_channels": Listing(book_conv2d_three_channels, same_conv2d_three_channels),
    "separable_conv_params": Listing(book_separable_conv_params, same_separable_conv_params),
    "conv2d_sequential": Listing(book_built, same_built),
    "cbapd_block": Listing(book_built, same_built),
    "baseline_class": Listing(book_built, same_built),
    "baseline_cifar10": Listing(book_baseline_cifar10, same_baseline_cifar10),
    "lenet5_class": Listing(book_built, same_built, tensorflow_main=UNPRINTED_TRAINING),
    "alexnet8": Listing(book_built, same_built, tensorflow_main=UNPRINTED_TRAINING),
    "vgg16": Listing(book_built, same_built, tensorflow_main=UNPRINTED_TRAINING),
    "inception10": Listing(book_built, same_built, tensorflow_main=UNPRINTED_TRAINING),
    "resnet18_resnetblock": Listing(book_built, same_built, tensorflow_main=UNPRINTED_TRAINING),
    "resnet_tf2_blog": Listing(book_resnet_tf2_blog, same_resnet_tf2_blog, allowed_errors=(ValueError,),
                               tensorflow_main="full"),
}


def _call(check, *runs, tf):
    """Pass ``tf`` to the checks that replay a result with TensorFlow's own functions."""
    return check(*runs, tf) if check.__code__.co_argcount == len(runs) + 1 else check(*runs)


def _params(name, minicnn=False):
    listing = LISTINGS[name]
    marks = []
    if minicnn and listing.missing:
        marks.append(pytest.mark.xfail(strict=True, raises=listing.raises, reason=listing.missing))
    return pytest.param(name, marks=marks)


def test_every_example_is_in_the_table():
    examples = sorted(p.stem for p in EXAMPLES_DIR.glob("*.py"))
    assert listing_names() == sorted(LISTINGS), "examples whose docstring names a seed file, and the table"
    assert sorted(set(examples) - set(LISTINGS)) == sorted(NOT_LISTINGS), "examples that are not listings"
    assert len(LISTINGS) >= 15


@pytest.mark.parametrize("name", sorted(LISTINGS))
def test_only_import_lines_change(name):
    """The TensorFlow source differs from the example in import lines only, imports nothing of
    minicnn, and is the example's exact counterpart (rewritten forward again, it gives the example)."""
    example = minicnn_source(name)
    tensorflow = to_tensorflow(example)
    assert to_minicnn(tensorflow) == example, f"{name}: its imports are not the minicnn form of TensorFlow's"
    for k, (before, after) in enumerate(zip(tensorflow.splitlines(), example.splitlines()), 1):
        if before != after:
            assert re.match(r"\s*(from|import)\s+(tensorflow|keras)\b", before) and "minicnn." in after, (k, before)
        assert not re.match(r"\s*(from|import)\s+minicnn\b", before), f"line {k} of the TensorFlow source: {before}"
        assert not re.match(r"\s*(from|import)\s+(tensorflow|keras)\b", after), f"line {k} of the example: {after}"


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
    ("import minicnn as mc", "import minicnn as mc"),
])
def test_import_rewrite(line, expected):
    """Both ways: TensorFlow's import to minicnn's, and minicnn's back to exactly TensorFlow's."""
    assert to_minicnn(line + "\n") == expected + "\n"
    assert to_tensorflow(expected + "\n") == line + "\n"


# --- the examples as scripts ----------------------------------------------------------------------

RUN_LINE = r"(?m)^ {4}python examples/%s\.py(?P<options>.*)$"


@pytest.mark.parametrize("name", sorted(LISTINGS))
def test_example_header(name):
    """The docstring: a one-line title, the seed file (one of shared/seeds/) and the section, slide
    or listing it transcribes, and the commands that run it quickly and on the real data."""
    text = docstring(name)
    title, _, body = text.partition("\n\n")
    assert title and "\n" not in title, f"{name}: the docstring starts with a one-line title"
    seed = SEED_LINE.search(body)
    assert seed and seed.group(1) in SEED_FILES, f"{name}: no 'Seed <one of {SEED_FILES}> (' line"
    where = body[seed.end():body.find("\n\n", seed.end())]
    assert re.search(r"\b(section|slides?|Listings?)\b", where), f"{name}: the seed's section is not named"
    options = [m.group("options").split("#")[0].split() for m in re.finditer(RUN_LINE % name, text)]
    assert ["--quick"] in options, f"{name}: no 'python examples/{name}.py --quick' line"
    assert any("--quick" not in o for o in options), f"{name}: no line that runs it for real"
    uses_data = re.search(r"runtime\.(mnist|cifar10)\.load_data\(\)", minicnn_source(name))
    assert uses_data is None or any("--data-dir" in o for o in options), f"{name}: loads data, no --data-dir line"


def test_examples_readme_tables_every_example():
    readme = (EXAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"(?m)^\| \[`(\w+)\.py`\]\(\1\.py\) \|", readme)
    assert sorted(rows) == sorted([*LISTINGS, "degradation"]), "examples/README.md's table"
    for name in LISTINGS:
        assert f"python examples/{name}.py --quick" in readme, f"examples/README.md: no quick command for {name}"


def run_script(args, cwd, timeout=120):
    """``python <args>`` in ``cwd``, without this process's PYTHONPATH; (return code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def test_example_runs_as_a_script_from_another_directory(tmp_path):
    code, out, err = run_script([str(example_path("conv2d_three_channels")), "--quick"], tmp_path)
    assert code == 0, err
    assert "output [-5. 50.]" in out, out


def test_examples_import_this_checkouts_minicnn(tmp_path):
    """runtime (which every example imports first) puts the checkout ahead of any installed minicnn."""
    probe = f"import sys; sys.path.insert(0, {str(EXAMPLES_DIR)!r}); import runtime, minicnn; print(minicnn.__file__)"
    code, out, err = run_script(["-c", probe], tmp_path)
    assert code == 0, err
    assert Path(out.strip()).resolve() == (EXAMPLES_DIR.parent / "minicnn" / "__init__.py").resolve(), out


def test_example_without_its_data_says_where_it_looked(tmp_path):
    code, out, err = run_script([str(example_path("lenet5_mnist")), "--data-dir", str(tmp_path)], tmp_path)
    assert code == 1, (code, err)
    assert f"MNIST was not found in {tmp_path}" in err and "--quick" in err, err
    assert "Traceback" not in err, err


@pytest.mark.parametrize("argv, message", [
    (["--epochs", "0"], "expected a positive whole number, got '0'"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
])
def test_runtime_command_line_errors(argv, message, capsys):
    with pytest.raises(SystemExit):
        runtime.start(argv)
    assert message in capsys.readouterr().err
    runtime.start(["--quick"])


def test_runtime_options():
    options = runtime.start(["--data-dir", "somewhere", "--epochs", "2"])
    try:
        assert (options.quick, options.data_dir, runtime.epochs(50), runtime.every(100)) == (False, "somewhere", 2, 100)
        runtime.start(["--quick"])
        assert (runtime.epochs(50), runtime.every(100)) == (runtime.QUICK_EPOCHS, 1)
    finally:
        runtime.start(["--quick"])


# --- the listings on both engines -----------------------------------------------------------------

@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", [_params(name) for name in sorted(LISTINGS)])
def test_listing_on_tensorflow(tf, tensorflow_run, name):
    _call(LISTINGS[name].book, tensorflow_run(name), tf=tf)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", [_params(name, minicnn=True) for name in sorted(LISTINGS)])
def test_listing_on_minicnn(tf, tensorflow_run, tmp_path, name):
    theirs = tensorflow_run(name)
    ours = run_listing(name, "minicnn", tmp_path / "minicnn", LISTINGS[name].allowed_errors)
    _call(LISTINGS[name].same, ours, theirs, tf=tf)
