"""The registries: every name a user can pass resolves, and everything registered is under test.

Adding an operator, activation, layer, optimizer or loss is a change in one place (docs/adding.md);
these tests then pick it up by themselves: its gradient check runs, its Keras defaults are
compared, and a missing TensorFlow or Keras cross-check fails here, naming what is missing.
"""

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F
from minicnn.ops import gradcheck_cases
from helpers import assert_close

TESTS = Path(__file__).parent
CASES = gradcheck_cases()

# Exported operators that a numerical gradient check or TensorFlow cannot referee, and why.
NOT_GRADCHECKED = {
    "stop_gradient": "its zero gradient is by definition not the numerical one (checked against TF instead)",
    "conv2d_as_sparse_matrix": "builds W', it is not differentiated (conv2d[sparse] checks the sparse form)",
    **{name: "a comparison: its result is boolean, there is nothing to differentiate"
       for name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")},
}
NOT_REFEREED_BY_TF = {
    "dropout": "TF draws other random masks; tests/test_dropout.py checks the contract",
    "conv2d_as_sparse_matrix": "TF has no W'; tests/test_conv_examples.py checks W' @ x == conv2d(x)",
}


def _aliases(name):
    """``name`` and every other exported name of the same function (``neg`` and ``negative``)."""
    return {other for other in F.__all__ if getattr(F, other) is getattr(F, name)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_registered_gradcheck_case_passes(name):
    case = CASES[name]  # case(*inputs) is case.op(*inputs, **case.options)
    generator = np.random.default_rng(0)
    inputs = [generator.uniform(0.5, 2.0, s) if case.positive else generator.standard_normal(s) for s in case.shapes]
    report = mc.gradcheck(case, *inputs)
    assert report, str(report)


@pytest.mark.parametrize("name", F.__all__)
def test_every_exported_operator_has_a_gradcheck_case(name):
    if name in NOT_GRADCHECKED:
        return
    checked = {case.split("[")[0] for case in CASES}
    assert _aliases(name) & checked, (
        f"F.{name} has no entry in its family's GRADCHECK_CASES (minicnn/ops/*.py); add one, or add it to "
        f"NOT_GRADCHECKED here with the reason")


@pytest.mark.parametrize("name", F.__all__)
def test_every_exported_operator_is_cross_checked_against_tensorflow(name):
    if name in NOT_REFEREED_BY_TF:
        return
    text = "".join(path.read_text() for path in TESTS.glob("test_*_vs_tf.py"))
    assert any(re.search(rf"\bF\.{alias}\b", text) for alias in _aliases(name)), (
        f"F.{name} appears in no tests/test_*_vs_tf.py; add a case comparing it with TensorFlow")


# --- Keras names ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", mc.activations.ACTIVATIONS.names())
def test_every_activation_matches_keras_by_name(tf, name, dtype):
    """Forward and gradient of ``activation=name`` against ``keras.activations.get(name)``."""
    x = np.random.default_rng(7).standard_normal((4, 5)) * 3
    x = np.where(np.abs(x) < 0.05, 0.1, x).astype(dtype)  # away from kinks at 0
    g = np.random.default_rng(8).standard_normal((4, 5)).astype(dtype)
    tx = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        ty = tf.keras.activations.get(name)(tx)
    expected_grad = tape.gradient(ty, tx, output_gradients=tf.constant(g)).numpy()
    mx = mc.Tensor(x, requires_grad=True)
    y = mc.activations.get(name)(mx)
    assert y.dtype == dtype
    assert_close(y.numpy(), ty.numpy(), dtype, f"{name} forward")
    assert_close(mc.to_numpy(mc.grad(y, mx, output_gradient=g)), expected_grad, dtype, f"{name} gradient")


def _comparable(value):
    """Defaults as Keras writes them: (1, 1) and 1 are the same stride; tuples and lists alike."""
    if isinstance(value, (tuple, list)):
        values = [_comparable(v) for v in value]
        return values[0] if len(set(map(repr, values))) == 1 else tuple(values)
    return value


def assert_defaults_equal(ours, theirs, what, skip=()):
    """Every argument both constructors take has the same default (or is required in both)."""
    mine = inspect.signature(ours).parameters
    keras = inspect.signature(theirs).parameters
    for name, parameter in mine.items():
        if name in keras and name not in skip and parameter.kind is not parameter.VAR_KEYWORD:
            expected = keras[name].default
            assert _comparable(parameter.default) == _comparable(expected), (
                f"{what}({name}=...): minicnn's default is {parameter.default!r}, Keras' {expected!r}")


LAYER_DEFAULTS_DIFFERENT = {  # layer -> {argument: reason}
    "AveragePooling2D": {"pool_size": "Keras 3 requires it; minicnn keeps tf.keras 2's (2, 2) for the source material"},
    "AvgPool2D": {"pool_size": "as AveragePooling2D"},
}


def _layer_classes():
    return sorted(name for name in mc.layers.__all__ if inspect.isclass(getattr(mc.layers, name)) and name != "Layer")


@pytest.mark.parametrize("name", _layer_classes())
def test_every_layer_has_keras_name_and_defaults(tf, name):
    assert hasattr(tf.keras.layers, name), f"mc.layers.{name} has no tf.keras.layers.{name}"
    assert_defaults_equal(getattr(mc.layers, name), getattr(tf.keras.layers, name), f"layers.{name}",
                          skip=LAYER_DEFAULTS_DIFFERENT.get(name, {}))


@pytest.mark.parametrize("name", _layer_classes())
def test_every_layer_is_compared_with_keras_in_a_test(name):
    cls = getattr(mc.layers, name)
    spellings = {n for n in mc.layers.__all__ if getattr(mc.layers, n) is cls}
    text = "".join(path.read_text() for path in TESTS.glob("test_*.py") if path.name != Path(__file__).name)
    assert any(re.search(rf"\b{s}\b", text) for s in spellings), (
        f"no test names layers.{name}; add it to a table that compares layers with tf.keras")


def _unique(registry):
    return sorted({cls.__name__: cls for cls in registry.entries.values()}.items())


@pytest.mark.parametrize("name, cls", _unique(mc.optimizers.OPTIMIZERS), ids=lambda v: v if isinstance(v, str) else "")
def test_every_optimizer_has_keras_name_and_defaults(tf, name, cls):
    assert_defaults_equal(cls, getattr(tf.keras.optimizers, name), f"optimizers.{name}")
    assert isinstance(mc.optimizers.get(name.lower()), cls)


@pytest.mark.parametrize("name, cls", _unique(mc.losses.LOSSES), ids=lambda v: v if isinstance(v, str) else "")
def test_every_loss_has_keras_name_and_defaults(tf, name, cls):
    assert_defaults_equal(cls, getattr(tf.keras.losses, name), f"losses.{name}", skip=("name",))
    for alias, registered in mc.losses.LOSSES.entries.items():
        if registered is cls:  # every name minicnn accepts is a name Keras accepts for the same loss
            assert type(tf.keras.losses.get(alias)).__name__ in (name, "function"), alias
    assert name in (TESTS / "test_losses.py").read_text(), f"tests/test_losses.py does not compare {name} with Keras"


def test_registries_reject_unknown_names_with_the_known_ones():
    for get, kind in [(mc.optimizers.get, "optimizer"), (mc.losses.get, "loss"), (mc.activations.get, "activation")]:
        with pytest.raises(ValueError, match=rf"unknown {kind} 'nope'; expected one of \["):
            get("nope")


def test_a_users_subclass_does_not_take_a_builtin_name():
    class SGD(mc.optimizers.SGD):  # a user's class named like the built-in
        pass

    assert type(mc.optimizers.get("sgd")) is mc.optimizers.SGD
    assert "MyLayer" not in mc.layers.LAYERS

    class MyLayer(mc.layers.Layer):
        pass

    assert "MyLayer" not in mc.layers.LAYERS


COMMON_LAYER_ARGUMENTS = {"name", "trainable", "dtype", "input_shape"}  # documented once, on Layer


@pytest.mark.parametrize("name", _layer_classes())
def test_every_layer_documents_its_arguments(name):
    """help(mc.layers.X) lists every constructor argument, as Keras' docstrings do."""
    cls = getattr(mc.layers, name)
    doc = inspect.getdoc(cls) or ""
    parameters = [p.name for p in inspect.signature(cls).parameters.values()
                  if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name not in COMMON_LAYER_ARGUMENTS]
    undocumented = [p for p in parameters if not re.search(rf"\b{p}\b", doc)]
    assert not undocumented, f"layers.{name}'s docstring does not mention {undocumented}"
    assert not parameters or "Args:" in doc, f"layers.{name}'s docstring has no Args: section"


@pytest.mark.parametrize("method", ["compile", "fit", "evaluate", "predict", "train_on_batch", "summary"])
def test_model_methods_document_their_arguments(method):
    fn = getattr(mc.Model, method)
    doc = inspect.getdoc(fn) or ""
    parameters = [p for p in inspect.signature(fn).parameters if p != "self"]
    undocumented = [p for p in parameters if not re.search(rf"\b{p}\b", doc)]
    assert not undocumented, f"Model.{method}'s docstring does not mention {undocumented}"
