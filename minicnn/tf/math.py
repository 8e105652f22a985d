"""``tf.math``: elementwise arithmetic, comparisons, reductions and arg-reductions, mapped onto
``minicnn.functional``; the names TensorFlow also exports at its top level are ``tf.<name>`` too.

Arguments are converted by TensorFlow's rules (``tensors.convert_all``: a Python or NumPy operand
takes the dtype of the Tensor operand, so ``tf.add(tf.range(3), 1)`` stays int32), the dtypes each
function accepts are TensorFlow's (``exp`` of an int tensor is a TypeError), and integer
reductions keep their dtype (``reduce_mean`` of ints divides as integers, rounding toward zero).
Functions that TensorFlow does not differentiate (``round``, ``floor``, ``ceil``, ``argmax``,
the logical ones) return Tensors without gradient.
"""

import builtins
import functools

import numpy as np

from .. import backend
from .. import functional as F
from ..autograd import Tensor
from ..keras import _subset
from ..ops.math import normalize_axes
from .dtypes import as_dtype, int16, int32, int64, uint16
from .tensors import convert_all, convert_to_tensor

FLOAT, NUMBER = "f", "fiu"  # the dtype kinds a function accepts
ARG_DTYPES = (int16, uint16, int32, int64)


def _checked(x, kinds, op):
    x = convert_to_tensor(x)
    if x.dtype.kind not in kinds:
        expected = "a float" if kinds == FLOAT else "a bool" if kinds == "b" else "a numeric"
        raise TypeError(f"{op}: expected {expected} tensor, got dtype {x.dtype}")
    return x


def _axes(axis):
    """``axis`` as None, an int or a list of ints (a Tensor is read as its values)."""
    return None if axis is None else np.asarray(backend.to_numpy(axis)).tolist()


def _named(op, name, doc):
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _elementwise(fn, name, kinds, doc):
    """``tf.math.<name>(x, name=None)``: ``fn`` on x converted and checked against ``kinds``."""
    def op(x, name=None):
        return fn(_checked(x, kinds, f"tf.math.{op.__name__}"))
    return _named(op, name, doc)


def _binary(fn, name, doc):
    """``tf.math.<name>(x, y, name=None)``: ``fn`` on the two operands converted to one dtype."""
    def op(x, y, name=None):
        return fn(*convert_all([x, y]))
    return _named(op, name, doc)


def _no_gradient(array_fn, name, kinds, doc):
    """An elementwise function without gradient (as TensorFlow defines none), on the raw array."""
    def op(x, name=None):
        x = _checked(x, kinds, f"tf.math.{op.__name__}")
        return Tensor(getattr(backend.get_array_module(x.data), array_fn)(x.data))
    return _named(op, name, doc)


# --- elementwise -----------------------------------------------------------------------------

exp = _elementwise(F.exp, "exp", FLOAT, "Like ``tf.math.exp``: e**x (float tensors).")
log = _elementwise(F.log, "log", FLOAT, "Like ``tf.math.log``: the natural logarithm (float tensors).")
sqrt = _elementwise(F.sqrt, "sqrt", FLOAT, "Like ``tf.math.sqrt`` (float tensors).")
sin = _elementwise(F.sin, "sin", FLOAT, "Like ``tf.math.sin`` (float tensors).")
cos = _elementwise(F.cos, "cos", FLOAT, "Like ``tf.math.cos`` (float tensors).")
sigmoid = _elementwise(F.sigmoid, "sigmoid", FLOAT, "Like ``tf.math.sigmoid``: 1 / (1 + e**-x) (float tensors).")
tanh = _elementwise(F.tanh, "tanh", FLOAT, "Like ``tf.math.tanh`` (float tensors).")
abs = _elementwise(F.abs, "abs", NUMBER, "Like ``tf.math.abs``: |x|, in x's dtype.")
negative = _elementwise(F.negative, "negative", NUMBER, "Like ``tf.math.negative``: -x, in x's dtype.")
square = _elementwise(F.square, "square", NUMBER, "Like ``tf.math.square``: x*x, in x's dtype.")
sign = _elementwise(F.sign, "sign", NUMBER, "Like ``tf.math.sign``: -1, 0 or 1 in x's dtype; a zero gradient.")
round = _no_gradient("round", "round", NUMBER, "Like ``tf.math.round``: to the nearest integer, halves to even "
                     "(2.5 -> 2); integers unchanged; no gradient.")
floor = _no_gradient("floor", "floor", FLOAT, "Like ``tf.math.floor`` (float tensors); no gradient.")
ceil = _no_gradient("ceil", "ceil", FLOAT, "Like ``tf.math.ceil`` (float tensors); no gradient.")


def softplus(features, name=None):
    """Like ``tf.math.softplus``: log(1 + e**x), computed stably (float tensors)."""
    return F.softplus(_checked(features, FLOAT, "tf.math.softplus"))


def softsign(features, name=None):
    """Like ``tf.math.softsign``: x / (1 + |x|) (float tensors)."""
    return F.softsign(_checked(features, FLOAT, "tf.math.softsign"))


def softmax(logits, axis=None, name=None):
    """Like ``tf.math.softmax``: e**x / sum(e**x) along ``axis`` (default: the last)."""
    return F.softmax(_checked(logits, FLOAT, "tf.math.softmax"), axis=-1 if axis is None else axis)


def log_softmax(logits, axis=None, name=None):
    """Like ``tf.math.log_softmax``: x - log(sum(e**x)) along ``axis`` (default: the last)."""
    return F.log_softmax(_checked(logits, FLOAT, "tf.math.log_softmax"), axis=-1 if axis is None else axis)


add = _binary(F.add, "add", "Like ``tf.math.add``: x + y with broadcasting.")
subtract = _binary(F.subtract, "subtract", "Like ``tf.math.subtract``: x - y with broadcasting.")
multiply = _binary(F.multiply, "multiply", "Like ``tf.math.multiply``: x * y with broadcasting.")
divide = _binary(F.divide, "divide", "Like ``tf.math.divide``: x / y (true division: integers give float64).")
pow = _binary(F.pow, "pow", "Like ``tf.math.pow``: x ** y with broadcasting.")
maximum = _binary(F.maximum, "maximum", "Like ``tf.math.maximum``: the larger of x and y (ties: gradient to x).")
minimum = _binary(F.minimum, "minimum", "Like ``tf.math.minimum``: the smaller of x and y (ties: gradient to x).")
equal = _binary(F.equal, "equal", "Like ``tf.math.equal``: x == y elementwise, a bool Tensor.")
not_equal = _binary(F.not_equal, "not_equal", "Like ``tf.math.not_equal``: x != y elementwise, a bool Tensor.")
less = _binary(F.less, "less", "Like ``tf.math.less``: x < y elementwise, a bool Tensor.")
less_equal = _binary(F.less_equal, "less_equal", "Like ``tf.math.less_equal``: x <= y elementwise, a bool Tensor.")
greater = _binary(F.greater, "greater", "Like ``tf.math.greater``: x > y elementwise, a bool Tensor.")
greater_equal = _binary(F.greater_equal, "greater_equal",
                        "Like ``tf.math.greater_equal``: x >= y elementwise, a bool Tensor.")


def add_n(inputs, name=None):
    """Like ``tf.math.add_n``: the sum of a list of tensors of one shape and dtype (no broadcasting)."""
    tensors = convert_all(list(inputs)) if inputs is not None and len(inputs) else []
    if not tensors:
        raise ValueError("add_n: inputs must be a list of at least one tensor")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"add_n: inputs[{i}] has shape {t.shape}, inputs[0] has {tensors[0].shape}; "
                             "add_n does not broadcast")
    return functools.reduce(F.add, tensors)


def _logical(array_fn, name, doc):
    def op(x, y, name=None):
        x, y = (_checked(v, "b", f"tf.math.{op.__name__}") for v in (x, y))
        try:
            np.broadcast_shapes(x.shape, y.shape)
        except ValueError:
            raise ValueError(f"tf.math.{op.__name__}: shapes {x.shape} and {y.shape} cannot be broadcast") from None
        return Tensor(getattr(backend.get_array_module(x.data, y.data), array_fn)(x.data, y.data))
    return _named(op, name, doc)


logical_and = _logical("logical_and", "logical_and",
                       "Like ``tf.math.logical_and``: x and y elementwise (bool tensors).")
logical_or = _logical("logical_or", "logical_or", "Like ``tf.math.logical_or``: x or y elementwise (bool tensors).")
logical_not = _no_gradient("logical_not", "logical_not", "b", "Like ``tf.math.logical_not``: not x (a bool tensor).")


# --- reductions ------------------------------------------------------------------------------

def _keep_dtype(y, dtype):
    """NumPy sums integers in a wider type; TensorFlow keeps the input's dtype (and wraps)."""
    return y if y.dtype == dtype else F.cast(y, dtype)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Like ``tf.math.reduce_sum``: the sum over ``axis`` (all axes when None), in the input's dtype."""
    x = _checked(input_tensor, NUMBER, "tf.math.reduce_sum")
    return _keep_dtype(F.reduce_sum(x, _axes(axis), keepdims), x.dtype)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Like ``tf.math.reduce_mean``: the mean over ``axis``; for integers an integer division of the
    sum, rounding toward zero (mean of [-1, -2] is -1), in the input's dtype."""
    x = _checked(input_tensor, NUMBER, "tf.math.reduce_mean")
    if x.dtype.kind == "f":
        return F.reduce_mean(x, _axes(axis), keepdims)
    axes = normalize_axes(_axes(axis), x.ndim)
    count = builtins.max(int(np.prod([x.shape[a] for a in axes])), 1)
    total = F.reduce_sum(x, axes, keepdims).data
    xp = backend.get_array_module(total)
    return Tensor((xp.sign(total) * (xp.abs(total) // count)).astype(x.dtype))


def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """Like ``tf.math.reduce_max``: the largest value over ``axis`` (ties share the gradient)."""
    return F.reduce_max(_checked(input_tensor, NUMBER, "tf.math.reduce_max"), _axes(axis), keepdims)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """Like ``tf.math.reduce_min``: the smallest value over ``axis`` (ties share the gradient)."""
    return F.reduce_min(_checked(input_tensor, NUMBER, "tf.math.reduce_min"), _axes(axis), keepdims)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """Like ``tf.math.reduce_prod``: the product over ``axis``, in the input's dtype."""
    return F.reduce_prod(_checked(input_tensor, NUMBER, "tf.math.reduce_prod"), _axes(axis), keepdims)


def _logical_reduction(array_fn, name):
    def op(input_tensor, axis=None, keepdims=False, name=None):
        x = _checked(input_tensor, "b", f"tf.math.{op.__name__}")
        axes = normalize_axes(_axes(axis), x.ndim)
        return Tensor(getattr(backend.get_array_module(x.data), array_fn)(x.data, axis=axes, keepdims=keepdims))
    return _named(op, name, f"Like ``tf.math.{name}``: logical {array_fn} over ``axis`` of a bool tensor; no gradient.")


reduce_any = _logical_reduction("any", "reduce_any")
reduce_all = _logical_reduction("all", "reduce_all")


def _arg_reduction(array_fn, name):
    def op(input, axis=None, output_type=int64, name=None):
        x = _checked(input, NUMBER + "b", f"tf.math.{op.__name__}")
        axis = 0 if axis is None else axis
        if isinstance(axis, (list, tuple)) or not isinstance(axis, (int, np.integer, Tensor)):
            raise TypeError(f"{op.__name__}: axis must be an int, got {axis!r}")
        if x.ndim == 0:
            raise ValueError(f"{op.__name__}: input must have at least one axis, got a scalar")
        axis = normalize_axes(int(axis), x.ndim)[0]
        output_type = as_dtype(output_type)
        if output_type not in ARG_DTYPES:
            raise TypeError(f"{op.__name__}: output_type must be one of int16, uint16, int32, int64, got {output_type}")
        xp = backend.get_array_module(x.data)
        return Tensor(getattr(xp, array_fn)(x.data, axis=axis).astype(output_type))
    return _named(op, name, f"Like ``tf.math.{name}``: the index of the first {array_fn[3:]}imum along ``axis`` "
                  "(default 0, as TensorFlow), as ``output_type`` (int64 by default); no gradient.")


argmax = _arg_reduction("argmax", "argmax")
argmin = _arg_reduction("argmin", "argmin")


__all__ = [
    "abs", "add", "add_n", "argmax", "argmin", "ceil", "cos", "divide", "equal", "exp", "floor", "greater",
    "greater_equal", "less", "less_equal", "log", "log_softmax", "logical_and", "logical_not", "logical_or",
    "maximum", "minimum", "multiply", "negative", "not_equal", "pow", "reduce_all", "reduce_any", "reduce_max",
    "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum", "round", "sigmoid", "sign", "sin", "softmax",
    "softplus", "softsign", "sqrt", "square", "subtract", "tanh",
]
__getattr__ = _subset.missing("tf.math")
