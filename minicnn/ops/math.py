"""Elementwise arithmetic, matmul, reductions and shape operations, each a ``Function``.

Broadcasting follows NumPy; the gradient of a broadcast operand is summed back to its shape
(``unbroadcast``). Lowercase wrappers at the bottom check their arguments and are what
``Tensor`` operators and ``minicnn.functional`` call.
"""

import numpy as np

from ..autograd import Function, Tensor, as_tensor
from ..backend import as_array, get_array_module, unwrap
from . import GradcheckCase


# --- helpers ---------------------------------------------------------------------------------

def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def normalize_axes(axis, ndim, name="axis"):
    """``axis`` (None, int or sequence) as a sorted tuple of non-negative axes of an ndim array."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    result = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{name}={axis!r} is out of range for a tensor of rank {ndim}")
        result.append(a % max(ndim, 1))
    if len(set(result)) != len(result):
        raise ValueError(f"{name}={axis!r} names an axis twice")
    return tuple(sorted(result))


def keepdims_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def same_dtype_operands(a, b, op):
    """Both operands as Tensors; a Python number or array takes the other operand's dtype."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    a, b = as_tensor(a, like=b if isinstance(b, Tensor) else None), as_tensor(b, like=a)
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: operands have different dtypes, {a.dtype} and {b.dtype}; cast one first")
    return a, b


def binary_operands(a, b, op):
    """Both operands as Tensors of one dtype with broadcastable shapes, or a clear error."""
    a, b = same_dtype_operands(a, b, op)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together") from None
    return a, b


# --- elementwise -----------------------------------------------------------------------------

class Add(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, gy):
        return unbroadcast(gy, self.shapes[0]), unbroadcast(gy, self.shapes[1])


class Sub(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, gy):
        return unbroadcast(gy, self.shapes[0]), unbroadcast(-gy, self.shapes[1])


class Mul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, gy):
        ga = unbroadcast(gy * self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(gy * self.a, self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, gy):
        ga = unbroadcast(gy / self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-gy * self.a / (self.b * self.b), self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """y = a ** b;  da = b·a^(b-1);  db = y·log(a) where a > 0, else 0 (as TensorFlow)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = a ** b
        return self.y

    def backward(self, gy):
        xp = get_array_module(gy)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(gy * self.b * self.a ** (self.b - 1), self.a.shape)
        if self.needs_input_grad[1]:
            safe = xp.where(self.a > 0, self.a, 1)
            gb = unbroadcast(gy * self.y * xp.where(self.a > 0, xp.log(safe), 0), self.b.shape)
        return ga, gb


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Exp(Function):
    def forward(self, x):
        self.y = get_array_module(x).exp(x)
        return self.y

    def backward(self, gy):
        return gy * self.y


class Log(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).log(x)

    def backward(self, gy):
        return gy / self.x


class Sqrt(Function):
    def forward(self, x):
        self.y = get_array_module(x).sqrt(x)
        return self.y

    def backward(self, gy):
        return gy / (2 * self.y)


class Square(Function):
    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return 2 * self.x * gy


class Abs(Function):
    """y = |x|;  dy/dx = sign(x), 0 at x = 0 (as TensorFlow)."""

    def forward(self, x):
        xp = get_array_module(x)
        self.sign = xp.sign(x)
        return xp.abs(x)

    def backward(self, gy):
        return gy * self.sign


class ClipByValue(Function):
    """y = min(max(x, lo), hi); the gradient passes where lo <= x <= hi (as TensorFlow)."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        self.inside = (x >= self.lo) & (x <= self.hi)
        return get_array_module(x).clip(x, self.lo, self.hi)

    def backward(self, gy):
        return gy * self.inside


class Cast(Function):
    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def forward(self, x):
        self.source = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return gy.astype(self.source)


class Sin(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).sin(x)

    def backward(self, gy):
        return gy * get_array_module(gy).cos(self.x)


class Cos(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).cos(x)

    def backward(self, gy):
        return -gy * get_array_module(gy).sin(self.x)


class Sign(Function):
    """y = sign(x) (-1, 0 or 1); its gradient is zero everywhere (as TensorFlow's)."""

    def forward(self, x):
        return get_array_module(x).sign(x)

    def backward(self, gy):
        return get_array_module(gy).zeros_like(gy)


class MaximumMinimum(Function):
    """y = max(a, b) or min(a, b) elementwise; the gradient goes to ``a`` where it is selected,
    ties included (a >= b for max, a <= b for min), and to ``b`` elsewhere, as TensorFlow routes it."""

    def __init__(self, kind):
        self.kind = kind

    def forward(self, a, b):
        xp = get_array_module(a, b)
        self.shapes = a.shape, b.shape
        self.takes_a = a >= b if self.kind == "max" else a <= b
        return xp.where(self.takes_a, a, b)

    def backward(self, gy):
        zero = gy.dtype.type(0)
        xp = get_array_module(gy)
        return (unbroadcast(xp.where(self.takes_a, gy, zero), self.shapes[0]),
                unbroadcast(xp.where(self.takes_a, zero, gy), self.shapes[1]))


class Where(Function):
    """y = x where ``condition`` else y, all three broadcast together; the gradient of x is gy where
    the condition holds (0 elsewhere), that of y the rest."""

    def __init__(self, condition):
        self.condition = condition

    def forward(self, x, y):
        self.shapes = x.shape, y.shape
        return get_array_module(x, y).where(self.condition, x, y)

    def backward(self, gy):
        zero = gy.dtype.type(0)
        xp = get_array_module(gy)
        return (unbroadcast(xp.where(self.condition, gy, zero), self.shapes[0]),
                unbroadcast(xp.where(self.condition, zero, gy), self.shapes[1]))


# --- matmul ----------------------------------------------------------------------------------

class MatMul(Function):
    """(..., n, k) @ (..., k, m) -> (..., n, m);  da = gy @ bᵀ,  db = aᵀ @ gy."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, gy):
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(gy @ self.b.swapaxes(-1, -2), self.a.shape)
        if self.needs_input_grad[1]:
            gb = unbroadcast(self.a.swapaxes(-1, -2) @ gy, self.b.shape)
        return ga, gb


# --- reductions ------------------------------------------------------------------------------

class Sum(Function):
    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.shape = x.shape
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        xp = get_array_module(gy)
        return xp.broadcast_to(gy.reshape(keepdims_shape(self.shape, self.axes)), self.shape).copy()


class Mean(Sum):
    def forward(self, x):
        self.count = int(np.prod([x.shape[a] for a in self.axes]))
        return super().forward(x) / x.dtype.type(self.count)

    def backward(self, gy):
        return super().backward(gy / gy.dtype.type(self.count))


class MaxMin(Function):
    """reduce_max / reduce_min: the gradient is shared equally by all elements equal to the result."""

    def __init__(self, axes, keepdims, kind):
        self.axes, self.keepdims, self.kind = axes, keepdims, kind

    def forward(self, x):
        y = (x.max if self.kind == "max" else x.min)(axis=self.axes, keepdims=True)
        self.selected = x == y
        self.count = self.selected.sum(axis=self.axes, keepdims=True).astype(x.dtype)
        return y if self.keepdims else y.reshape([n for i, n in enumerate(y.shape) if i not in self.axes])

    def backward(self, gy):
        gy = gy.reshape(self.count.shape)
        return self.selected * (gy / self.count)


class Prod(Function):
    """reduce_prod: y = Π x over ``axes``. dy/dx_i is the product of the other elements, taken as
    (product of those before i) · (product of those after i) along the reduced axes flattened,
    so that zeros in x need no division (as TensorFlow computes it)."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.x = x
        return x.prod(axis=self.axes, keepdims=self.keepdims, dtype=x.dtype)

    def backward(self, gy):
        xp = get_array_module(gy)
        kept = [i for i in range(self.x.ndim) if i not in self.axes]
        order = kept + list(self.axes)
        moved = self.x.transpose(order)
        count = int(np.prod([self.x.shape[a] for a in self.axes]))
        if count == 0:  # empty products (1) have no inputs to differentiate
            return xp.zeros_like(self.x)
        rows = moved.reshape(moved.shape[:len(kept)] + (count,))  # each reduction as one row
        ones = xp.ones(rows.shape[:-1] + (1,), dtype=rows.dtype)
        before = xp.cumprod(xp.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
        after = xp.cumprod(xp.concatenate([ones, rows[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        grad = before * after * gy.reshape(rows.shape[:-1] + (1,))
        return grad.reshape(moved.shape).transpose(np.argsort(order))


# --- shapes ----------------------------------------------------------------------------------

class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return gy.reshape(self.input_shape)


class Transpose(Function):
    def __init__(self, perm):
        self.perm = perm

    def forward(self, x):
        return x.transpose(self.perm)

    def backward(self, gy):
        return gy.transpose(np.argsort(self.perm))


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        self.input_shape = x.shape
        return get_array_module(x).broadcast_to(x, self.shape).copy()

    def backward(self, gy):
        return unbroadcast(gy, self.input_shape)


class Concat(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        self.bounds = np.cumsum([x.shape[self.axis] for x in xs])[:-1]
        return get_array_module(*xs).concatenate(xs, axis=self.axis)

    def backward(self, gy):
        return tuple(get_array_module(gy).split(gy, self.bounds, axis=self.axis))


class Stack(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return get_array_module(*xs).stack(xs, axis=self.axis)

    def backward(self, gy):
        return tuple(gy.take(i, axis=self.axis) for i in range(gy.shape[self.axis]))


class Split(Function):
    def __init__(self, sizes, axis):
        self.sizes, self.axis = sizes, axis

    def forward(self, x):
        return tuple(get_array_module(x).split(x, np.cumsum(self.sizes)[:-1], axis=self.axis))

    def backward(self, *gys):
        return get_array_module(*gys).concatenate(gys, axis=self.axis)


def _is_advanced_index(index):
    """Whether NumPy indexes with arrays here (a list, array or tuple inside the index), where a
    position may repeat and its gradients must be summed."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(hasattr(p, "shape") or isinstance(p, (list, tuple, Tensor)) for p in parts)


class GetItem(Function):
    """y = x[index]; the gradient is scattered back, summing where advanced indices repeat."""

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return x[self.index]

    def backward(self, gy):
        xp = get_array_module(gy)
        gx = xp.zeros(self.shape, dtype=self.dtype)
        if _is_advanced_index(self.index):
            xp.add.at(gx, self.index, gy)
        else:
            gx[self.index] = gy
        return gx


class Pad(Function):
    """Constant padding: ``paddings[i] = [before, after]`` for axis i; the gradient is the crop."""

    def __init__(self, paddings, constant_values=0):
        self.paddings, self.constant_values = paddings, constant_values

    def forward(self, x):
        xp = get_array_module(x)
        return xp.pad(x, self.paddings, mode="constant", constant_values=self.constant_values)

    def backward(self, gy):
        return gy[tuple(slice(b, gy.shape[i] - a) for i, (b, a) in enumerate(self.paddings))]


# --- public wrappers -------------------------------------------------------------------------

def add(a, b):
    return Add()(*binary_operands(a, b, "add"))


def sub(a, b):
    return Sub()(*binary_operands(a, b, "subtract"))


def mul(a, b):
    return Mul()(*binary_operands(a, b, "multiply"))


def div(a, b):
    return Div()(*binary_operands(a, b, "divide"))


def pow(a, b):
    return Pow()(*binary_operands(a, b, "pow"))


def neg(x):
    return Neg()(x)


def exp(x):
    return Exp()(x)


def log(x):
    return Log()(x)


def sqrt(x):
    return Sqrt()(x)


def square(x):
    return Square()(x)


def abs(x):
    """Like ``tf.math.abs`` for real tensors: |x| elementwise, gradient sign(x) (0 at 0)."""
    return Abs()(x)


def clip_by_value(t, clip_value_min, clip_value_max):
    """Like ``tf.clip_by_value``: the bounds are numbers or arrays that broadcast to ``t``."""
    t = as_tensor(t)
    lo, hi = (as_array(unwrap(b), dtype=t.dtype, device=t.device) for b in (clip_value_min, clip_value_max))
    for name, bound in (("clip_value_min", lo), ("clip_value_max", hi)):
        try:
            if np.broadcast_shapes(bound.shape, t.shape) != t.shape:
                raise ValueError
        except ValueError:
            raise ValueError(f"clip_by_value: {name} of shape {bound.shape} does not broadcast to {t.shape}") from None
    if bool((lo > hi).any()):
        raise ValueError(f"clip_by_value: clip_value_min > clip_value_max somewhere ({clip_value_min} vs {clip_value_max})")
    return ClipByValue(lo, hi)(t)



def cast(x, dtype):
    x = as_tensor(x)
    if x.requires_grad and np.dtype(dtype).kind != "f":
        raise TypeError(f"cast: a tensor that requires grad can only be cast to a float dtype, got {dtype}")
    return Cast(dtype)(x)


def matmul(a, b):
    a, b = same_dtype_operands(a, b, "matmul")
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"matmul: both operands need rank >= 2, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(
            f"matmul: inner dimensions differ: a has shape {a.shape} ({a.shape[-1]} columns), "
            f"b has shape {b.shape} ({b.shape[-2]} rows)"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of {a.shape} and {b.shape} cannot be broadcast") from None
    return MatMul()(a, b)


def reduce_sum(x, axis=None, keepdims=False):
    x = as_tensor(x)
    return Sum(normalize_axes(axis, x.ndim), keepdims)(x)


def reduce_mean(x, axis=None, keepdims=False):
    x = as_tensor(x)
    return Mean(normalize_axes(axis, x.ndim), keepdims)(x)


def reduce_max(x, axis=None, keepdims=False):
    x = as_tensor(x)
    return MaxMin(normalize_axes(axis, x.ndim), keepdims, "max")(x)


def reduce_min(x, axis=None, keepdims=False):
    x = as_tensor(x)
    return MaxMin(normalize_axes(axis, x.ndim), keepdims, "min")(x)


def reshape(x, shape):
    x = as_tensor(x)
    shape = tuple(int(n) for n in shape)
    known = int(np.prod([n for n in shape if n != -1]))
    if shape.count(-1) > 1 or (-1 in shape and (known == 0 or x.size % known)) or (
        -1 not in shape and known != x.size
    ):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {shape}")
    return Reshape(shape)(x)


def transpose(x, perm=None):
    x = as_tensor(x)
    perm = tuple(range(x.ndim))[::-1] if perm is None else tuple(int(p) for p in perm)
    if sorted(perm) != list(range(x.ndim)):
        raise ValueError(f"transpose: perm={perm} is not a permutation of the {x.ndim} axes of shape {x.shape}")
    return Transpose(perm)(x)


def broadcast_to(x, shape):
    x = as_tensor(x)
    shape = tuple(int(n) for n in shape)
    try:
        if np.broadcast_shapes(x.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"broadcast_to: shape {x.shape} cannot be broadcast to {shape}") from None
    return BroadcastTo(shape)(x)


def _same_dtype_tensors(values, op):
    if not values:
        raise ValueError(f"{op}: needs at least one tensor")
    tensors = [as_tensor(v) for v in values]
    first = next((t for t in tensors if t.requires_grad), tensors[0])
    tensors = [t if isinstance(v, Tensor) else as_tensor(v, like=first) for t, v in zip(tensors, values)]
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise TypeError(f"{op}: tensors have different dtypes {sorted(map(str, dtypes))}")
    return tensors


def concat(values, axis):
    tensors = _same_dtype_tensors(list(values), "concat")
    ref = tensors[0]
    axis = normalize_axes(axis, ref.ndim)[0]
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim or any(t.shape[d] != ref.shape[d] for d in range(ref.ndim) if d != axis):
            raise ValueError(
                f"concat: values[{i}] has shape {t.shape}, which differs from values[0] {ref.shape} "
                f"outside axis {axis}"
            )
    return Concat(axis)(*tensors)


def stack(values, axis=0):
    tensors = _same_dtype_tensors(list(values), "stack")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: values[{i}] has shape {t.shape}, values[0] has {tensors[0].shape}")
    axis = normalize_axes(axis, tensors[0].ndim + 1)[0]
    return Stack(axis)(*tensors)


def split(value, num_or_size_splits, axis=0):
    """Like ``tf.split``: an int splits evenly; a list gives the sizes (one may be -1)."""
    x = as_tensor(value)
    axis = normalize_axes(axis, x.ndim)[0]
    n = x.shape[axis]
    if np.ndim(num_or_size_splits) == 0:
        k = int(num_or_size_splits)
        if k <= 0 or n % k:
            raise ValueError(f"split: num_or_size_splits={k} does not divide axis {axis} of size {n}")
        sizes = [n // k] * k
    else:
        sizes = [int(s) for s in num_or_size_splits]
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
        if sum(sizes) != n or min(sizes) < 0:
            raise ValueError(f"split: sizes {list(num_or_size_splits)} do not add up to axis {axis} of size {n}")
    result = Split(sizes, axis)(x)
    return list(result) if isinstance(result, tuple) else [result]


def getitem(x, index):
    index = tuple(map(unwrap, index)) if isinstance(index, tuple) else unwrap(index)
    return GetItem(index)(x)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0):
    """Like ``tf.pad`` (CONSTANT mode): ``paddings`` is ``[[before, after]] * rank``."""
    x = as_tensor(tensor)
    if str(mode).upper() != "CONSTANT":
        raise ValueError(f"pad: only mode='CONSTANT' is supported, got {mode!r}")
    paddings = np.asarray(paddings)
    if paddings.shape != (x.ndim, 2) or (paddings < 0).any():
        raise ValueError(
            f"pad: paddings must be {x.ndim} pairs of non-negative [before, after], got {paddings.tolist()}"
        )
    return Pad(tuple(map(tuple, paddings.astype(int).tolist())), constant_values)(x)


def sin(x):
    return Sin()(x)


def cos(x):
    return Cos()(x)


def sign(x):
    """Like ``tf.math.sign``: -1, 0 or 1 elementwise, in x's dtype; a zero gradient, as TensorFlow's."""
    return Sign()(x)


def maximum(x, y):
    """Like ``tf.math.maximum``: max(x, y) elementwise, with broadcasting; at ties the gradient goes to x."""
    return MaximumMinimum("max")(*binary_operands(x, y, "maximum"))


def minimum(x, y):
    """Like ``tf.math.minimum``: min(x, y) elementwise, with broadcasting; at ties the gradient goes to x."""
    return MaximumMinimum("min")(*binary_operands(x, y, "minimum"))


def where(condition, x, y):
    """Like ``tf.where(condition, x, y)``: x where the boolean ``condition`` holds, else y; the three
    broadcast to one shape (NumPy's rule), x and y share one dtype."""
    condition = as_tensor(condition)
    if condition.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {condition.dtype}")
    x, y = same_dtype_operands(x, y, "where")
    try:
        np.broadcast_shapes(condition.shape, x.shape, y.shape)
    except ValueError:
        raise ValueError(f"where: condition {condition.shape}, x {x.shape} and y {y.shape} "
                         "cannot be broadcast together") from None
    return Where(condition.data)(x, y)


def reduce_prod(x, axis=None, keepdims=False):
    """Like ``tf.math.reduce_prod``: the product over ``axis`` (all axes when None), in x's dtype."""
    x = as_tensor(x)
    return Prod(normalize_axes(axis, x.ndim), keepdims)(x)


subtract, multiply, divide, negative = sub, mul, div, neg  # the tf.math spellings


def _comparison(name, compare):
    def compare_elementwise(x, y):
        x, y = binary_operands(x, y, name)
        return Tensor(compare(x.data, y.data))
    compare_elementwise.__name__ = name
    compare_elementwise.__doc__ = f"Like ``tf.math.{name}``: elementwise, with broadcasting; a bool tensor (no gradient)."
    return compare_elementwise


equal = _comparison("equal", lambda a, b: a == b)
not_equal = _comparison("not_equal", lambda a, b: a != b)
less = _comparison("less", lambda a, b: a < b)
less_equal = _comparison("less_equal", lambda a, b: a <= b)
greater = _comparison("greater", lambda a, b: a > b)
greater_equal = _comparison("greater_equal", lambda a, b: a >= b)


def bias_add(value, bias):
    """Like ``tf.nn.bias_add``: add a vector of length C to the last axis of ``value``."""
    value = as_tensor(value)
    bias = as_tensor(bias, like=value)
    if bias.ndim != 1 or bias.shape[0] != value.shape[-1]:
        raise ValueError(f"bias_add: bias must have shape ({value.shape[-1]},) for value {value.shape}, got {bias.shape}")
    return add(value, bias)


__all__ = [
    "add", "subtract", "multiply", "divide", "pow", "negative", "neg", "exp", "log", "sqrt", "square", "abs",
    "clip_by_value", "cast", "matmul", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
    "sin", "cos", "sign", "maximum", "minimum", "where", "reduce_prod",
    "reshape", "transpose", "broadcast_to", "concat", "stack", "split", "pad", "bias_add",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
]


# Checks that need more than one call: inputs in a list, fixed data, a zero gradient made visible.
def cast_times_x(x, dtype):
    """``cast(x, dtype) · x``: the cast's gradient enters a product with x's own."""
    return cast(x, dtype) * x


def concat_a_b_a(a, b, axis):
    """``concat([a, b, a], axis)``: ``a`` twice, so its two gradients must add up."""
    return concat([a, b, a], axis=axis)


def stack_a_b(a, b, axis):
    """``stack([a, b], axis)``."""
    return stack([a, b], axis=axis)


def sign_times_x(x):
    """``sign(x) · x = |x|``: sign's zero gradient must leave x's own, sign(x)."""
    return sign(x) * x


def where_x_y(x, y, condition):
    """``where(condition, x, y)`` as a function of ``x`` and ``y`` (``condition`` is fixed)."""
    return where(condition, x, y)


GRADCHECK_CASES = {
    "add": GradcheckCase(add, [(3, 4), (4,)]),
    "subtract": GradcheckCase(sub, [(2, 1, 4), (3, 1)]),
    "multiply": GradcheckCase(mul, [(3, 4), (3, 1)]),
    "divide": GradcheckCase(div, [(3, 4), (3, 4)], positive=True),
    "pow": GradcheckCase(pow, [(3, 4), (3, 4)], positive=True),
    "negative": GradcheckCase(neg, [(3, 4)]),
    "exp": GradcheckCase(exp, [(3, 4)]),
    "log": GradcheckCase(log, [(3, 4)], positive=True),
    "sqrt": GradcheckCase(sqrt, [(3, 4)], positive=True),
    "square": GradcheckCase(square, [(3, 4)]),
    "abs": GradcheckCase(abs, [(3, 4)]),
    "clip_by_value": GradcheckCase(clip_by_value, [(3, 4)], clip_value_min=-0.5, clip_value_max=0.7),
    "cast": GradcheckCase(cast_times_x, [(3, 4)], dtype=np.float64),
    "matmul": GradcheckCase(matmul, [(2, 3, 4), (4, 5)]),
    "reduce_sum": GradcheckCase(reduce_sum, [(3, 4)], axis=1),
    "reduce_mean": GradcheckCase(reduce_mean, [(3, 4)], axis=0),
    "reduce_max": GradcheckCase(reduce_max, [(3, 4)], axis=-1),
    "reduce_min": GradcheckCase(reduce_min, [(2, 3, 4)], axis=(0, 2), keepdims=True),
    "reshape": GradcheckCase(reshape, [(2, 3, 2)], shape=(4, -1)),
    "transpose": GradcheckCase(transpose, [(2, 3, 4)], perm=(2, 0, 1)),
    "broadcast_to": GradcheckCase(broadcast_to, [(3, 1)], shape=(2, 3, 4)),
    "concat": GradcheckCase(concat_a_b_a, [(2, 3), (2, 1)], axis=1),
    "stack": GradcheckCase(stack_a_b, [(2, 3), (2, 3)], axis=-1),
    "split": GradcheckCase(split, [(2, 5)], num_or_size_splits=[1, -1, 2], axis=1),
    "pad": GradcheckCase(pad, [(2, 3)], paddings=[[1, 0], [2, 1]], constant_values=3.0),
    "bias_add": GradcheckCase(bias_add, [(2, 3, 4), (4,)]),
    "sin": GradcheckCase(sin, [(3, 4)]),
    "cos": GradcheckCase(cos, [(3, 4)]),
    "sign": GradcheckCase(sign_times_x, [(3, 4)]),
    "maximum": GradcheckCase(maximum, [(3, 4), (4,)]),
    "minimum": GradcheckCase(minimum, [(2, 1, 4), (3, 1)]),
    "where": GradcheckCase(where_x_y, [(3, 4), (4,)], condition=np.array([[True], [False], [True]])),
    "reduce_prod": GradcheckCase(reduce_prod, [(2, 3, 4)], axis=(0, 2)),
    "reduce_prod[keepdims]": GradcheckCase(reduce_prod, [(3, 4)], axis=1, keepdims=True),
}
