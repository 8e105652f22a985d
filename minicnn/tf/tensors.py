"""Tensors the TensorFlow way: ``constant``, ``convert_to_tensor``, ``Variable``, the filled tensors
(``zeros``, ``ones``, ``*_like``, ``fill``, ``range``, ``eye``, ``linspace``), ``cast`` and ``one_hot``.

TensorFlow's dtype rules for Python values: a float (or a list holding one) becomes float32, an int
int32 (int64 when it does not fit), a bool bool; NumPy arrays and scalars keep their dtype (float64
stays float64), and a list holding Tensors takes theirs. Every result is a minicnn Tensor, created on
the current device (``mc.set_device``); a CuPy array stays on the GPU.
"""

import builtins

import numpy as np

from .. import backend
from .. import functional as F
from ..autograd import Tensor
from .dtypes import as_dtype, bool as bool_, float32, float64, int32, int64

INT32 = np.iinfo(np.int32)
RANGE_DTYPES = (int32, int64, float32, float64)  # tf.range's inference picks the last one it meets


def _leaves(value):
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _contains_tensor(value):
    return any(isinstance(v, Tensor) for v in _leaves(value))


def _is_python_float(value):
    return isinstance(value, builtins.float) and not isinstance(value, np.generic)


def _inferred_dtype(value, array):
    """TensorFlow's dtype for a Python (or NumPy) ``value``, which NumPy turned into ``array``."""
    if isinstance(value, (np.ndarray, np.generic)):
        return array.dtype
    kind = array.dtype.kind
    if kind == "b":
        return bool_
    if kind in "iu":
        fits = array.size == 0 or (INT32.min <= array.min() and array.max() <= INT32.max)
        return int32 if fits else int64
    typed = [np.asarray(v).dtype for v in _leaves(value) if isinstance(v, (np.ndarray, np.floating))]
    typed = [d for d in typed if d.kind == "f"]
    return np.result_type(*typed) if typed else float32


def _check_python_cast(value, dtype):
    """TensorFlow converts Python values only where nothing is lost: 1.5 (or 2.0) is no int32, 1 no bool."""
    for leaf in _leaves(value):
        if (dtype.kind in "iu" and _is_python_float(leaf)) or (
                dtype.kind == "b" and not isinstance(leaf, (builtins.bool, np.bool_))):
            raise TypeError(f"cannot convert {value!r} to a tensor of dtype {dtype}")


def _array(value, dtype):
    """A new array of ``value`` in ``dtype`` (None: inferred by TensorFlow's rules, module docstring)."""
    if backend.is_cupy_array(value):
        return value.astype(value.dtype if dtype is None else dtype)
    if value is None:
        raise ValueError("cannot convert None to a tensor")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"cannot convert {value!r} to a tensor: minicnn's tensors hold numbers and booleans")
    try:
        array = np.asarray(value)
    except ValueError:
        raise ValueError(f"cannot convert a non-rectangular sequence to a tensor: {value!r}") from None
    if array.dtype.kind not in "biuf":
        if array.dtype.kind == "O" and all(isinstance(v, int) for v in _leaves(value)):
            raise ValueError(f"cannot convert {value!r} to a tensor: an integer does not fit in int64")
        raise TypeError(f"cannot convert {value!r} to a tensor: minicnn has no {array.dtype} tensors")
    if dtype is None:
        dtype = _inferred_dtype(value, array)
    elif not isinstance(value, (np.ndarray, np.generic)):
        _check_python_cast(value, dtype)
    with np.errstate(over="ignore", invalid="ignore"):  # out-of-range values wrap or overflow, as in TF
        return array.astype(dtype)  # a copy: the tensor never shares the caller's array


def _new(array):
    """A Tensor of a raw array: a CuPy array stays on the GPU, NumPy goes to the current device."""
    device = "gpu" if backend.is_cupy_array(array) else backend.get_device()
    return Tensor(backend.as_array(array, device=device))


def _pack(values, dtype):
    """A list holding Tensors as one Tensor (``stack`` of its items, so gradients flow through it);
    the first Tensor found sets the dtype the other items are converted to."""
    if dtype is None:
        dtype = next(v for v in _leaves(values) if isinstance(v, Tensor)).dtype
    items = [_pack(v, dtype) if isinstance(v, (list, tuple)) and _contains_tensor(v) else convert_to_tensor(v, dtype)
             for v in values]
    return F.stack(items)


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Like ``tf.convert_to_tensor``: a Tensor is returned as it is (a ValueError if ``dtype``
    differs from its own); anything else becomes a new Tensor by TensorFlow's dtype rules (see the
    module), in ``dtype`` when given (NumPy values are cast, Python values must fit), else in
    ``dtype_hint`` when the value fits it. A list holding Tensors is stacked, so gradients flow."""
    dtype = None if dtype is None else as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f"convert_to_tensor: requested dtype {dtype} for a Tensor of dtype {value.dtype}")
        return value
    if dtype is None and dtype_hint is not None:
        try:
            return convert_to_tensor(value, dtype=dtype_hint)
        except (TypeError, ValueError):
            pass  # the value does not fit the hint: its own dtype, as TensorFlow falls back
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        return _pack(value, dtype)
    return _new(_array(value, dtype))


def convert_all(values):
    """The inputs of one operation as Tensors of one dtype, as TensorFlow converts them: Python and
    NumPy values take the dtype of the first Tensor among them (else of the first value) when they
    fit it; a remaining conflict of dtypes is for the operation to report."""
    first = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = (first if first is not None else convert_to_tensor(values[0])).dtype
    return [convert_to_tensor(v, dtype_hint=dtype) for v in values]


def as_shape(shape, name="shape", op="shape"):
    """A tuple of non-negative ints from an int, a list or tuple, a TensorShape or a 1-D integer Tensor."""
    values = np.asarray(backend.to_numpy(shape))
    if values.ndim > 1 or (values.size and values.dtype.kind not in "iu"):
        raise TypeError(f"{op}: {name} must be a list of integers, got {shape!r}")
    if (values < 0).any():
        raise ValueError(f"{op}: {name} must not be negative, got {values.tolist()}")
    return tuple(int(n) for n in values.reshape(-1))


def _count(value, name, op):
    """A non-negative Python int (a size) from an int or a 0-d integer Tensor."""
    values = np.asarray(backend.to_numpy(value))
    if values.ndim != 0 or values.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be an integer, got {value!r}")
    if values < 0:
        raise ValueError(f"{op}: {name} must not be negative, got {int(values)}")
    return int(values)


def _device_module():
    return backend.array_module_of_device(backend.get_device())


def constant(value, dtype=None, shape=None, name=None):
    """Like ``tf.constant``: a Tensor of ``value`` by ``convert_to_tensor``'s rules (a Tensor given
    keeps its dtype: a TypeError if ``dtype`` differs). ``shape`` reshapes the values (same number
    of elements), or fills the shape with a single value; anything else is a TypeError."""
    if isinstance(value, Tensor) and dtype is not None and as_dtype(dtype) != value.dtype:
        raise TypeError(f"constant: expected a tensor of dtype {as_dtype(dtype)}, got dtype {value.dtype}")
    tensor = convert_to_tensor(value, dtype)
    if shape is None:
        return tensor
    shape = as_shape(shape, "shape", "constant")
    count = int(np.prod(shape))
    if tensor.size == count:
        return F.reshape(tensor, shape)
    if tensor.size == 1:
        return F.broadcast_to(F.reshape(tensor, ()), shape)
    raise TypeError(f"constant: value has {tensor.size} elements but shape {shape} has {count}")


class Variable(Tensor):
    """Like ``tf.Variable``: a Tensor that owns a copy of ``initial_value`` (a value, or a callable
    returning one, converted by ``convert_to_tensor``'s rules, in ``dtype`` if given) and changes only
    in place, through ``assign``, ``assign_add`` and ``assign_sub``. A trainable float variable
    requires grad, so every ``GradientTape`` sees it (TensorFlow's tapes watch trainable variables).
    ``name`` becomes TensorFlow's ``"<name>:0"`` (``"Variable:0"`` by default)."""

    def __init__(self, initial_value=None, trainable=True, *, name=None, dtype=None):
        if initial_value is None:
            raise ValueError("Variable: initial_value must be given")
        value = convert_to_tensor(initial_value() if callable(initial_value) else initial_value, dtype)
        trainable = True if trainable is None else builtins.bool(trainable)
        data = backend.get_array_module(value.data).array(value.data, copy=True)
        super().__init__(data, requires_grad=trainable and value.dtype.kind == "f", name=f"{name or 'Variable'}:0")
        self.trainable = trainable

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Overwrite the values in place with ``value`` of the same shape, converted to the variable's
        dtype as TensorFlow converts it (a Tensor of another dtype, or 1.5 for an int32 variable, is
        refused). Returns the variable (None when ``read_value`` is False)."""
        super().assign(convert_to_tensor(value, self.dtype).data)
        return self if read_value else None

    def _delta(self, delta, op):
        delta = convert_to_tensor(delta, self.dtype)
        if delta.shape != self.shape:
            raise ValueError(f"{op}: delta of shape {delta.shape} for {self.name} of shape {self.shape}; "
                             "the shapes must be equal")
        return delta.data

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        """``assign(self + delta)``, in place; ``delta`` has the variable's shape."""
        return self.assign(self.data + self._delta(delta, "assign_add"), read_value=read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        """``assign(self - delta)``, in place; ``delta`` has the variable's shape."""
        return self.assign(self.data - self._delta(delta, "assign_sub"), read_value=read_value)


def zeros(shape, dtype=float32, name=None):
    """Like ``tf.zeros``: a Tensor of ``shape`` (an int, a list or a 1-D Tensor) filled with 0."""
    return Tensor(_device_module().zeros(as_shape(shape, "shape", "zeros"), dtype=as_dtype(dtype)))


def ones(shape, dtype=float32, name=None):
    """Like ``tf.ones``: a Tensor of ``shape`` filled with 1."""
    return Tensor(_device_module().ones(as_shape(shape, "shape", "ones"), dtype=as_dtype(dtype)))


def zeros_like(input, dtype=None, name=None):
    """Like ``tf.zeros_like``: zeros of ``input``'s shape, in its dtype unless ``dtype`` is given."""
    x = convert_to_tensor(input)
    xp = backend.get_array_module(x.data)
    return Tensor(xp.zeros(x.shape, dtype=x.dtype if dtype is None else as_dtype(dtype)))


def ones_like(input, dtype=None, name=None):
    """Like ``tf.ones_like``: ones of ``input``'s shape, in its dtype unless ``dtype`` is given."""
    x = convert_to_tensor(input)
    xp = backend.get_array_module(x.data)
    return Tensor(xp.ones(x.shape, dtype=x.dtype if dtype is None else as_dtype(dtype)))


def fill(dims, value, name=None):
    """Like ``tf.fill``: a Tensor of shape ``dims`` filled with the scalar ``value``, in its dtype
    (``tf.fill([2], 3)`` is int32, ``3.0`` float32)."""
    value = convert_to_tensor(value)
    if value.ndim != 0:
        raise ValueError(f"fill: value must be a scalar, got shape {value.shape}")
    xp = backend.get_array_module(value.data)
    return Tensor(xp.full(as_shape(dims, "dims", "fill"), value.item(), dtype=value.dtype))


def range(start, limit=None, delta=1, dtype=None, name="range"):
    """Like ``tf.range``: start, start + delta, ... up to ``limit`` excluded (``range(n)`` counts from
    0). Without ``dtype``, the widest of the arguments' dtypes in the order int32, int64, float32,
    float64 (Python ints give int32, floats float32). Like TensorFlow, delta 0 and a ``limit`` on the
    wrong side of ``start`` are errors, not empty ranges."""
    if limit is None:
        start, limit = 0, start
    if dtype is None:
        found = [convert_to_tensor(v).dtype for v in (start, limit, delta)]
        if any(d not in RANGE_DTYPES for d in found):
            raise TypeError(f"range: arguments must be int32, int64, float32 or float64, got {found}")
        dtype = max(found, key=RANGE_DTYPES.index)
    dtype = as_dtype(dtype)
    start, limit, delta = (cast(v, dtype).item() if isinstance(v, Tensor) else convert_to_tensor(v, dtype).item()
                           for v in (start, limit, delta))
    if delta == 0:
        raise ValueError("range: delta must not be 0")
    if (delta > 0 and start > limit) or (delta < 0 and start < limit):
        raise ValueError(f"range: start={start} lies beyond limit={limit} for delta={delta}")
    return Tensor(_device_module().arange(start, limit, delta, dtype=np.float64 if dtype.kind == "f" else dtype)
                  .astype(dtype))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=float32, name=None):
    """Like ``tf.eye``: the (num_rows, num_columns) identity (square by default), repeated over
    ``batch_shape`` leading axes."""
    rows = _count(num_rows, "num_rows", "eye")
    columns = rows if num_columns is None else _count(num_columns, "num_columns", "eye")
    batch = () if batch_shape is None else as_shape(batch_shape, "batch_shape", "eye")
    xp = _device_module()
    matrix = xp.eye(rows, columns, dtype=as_dtype(dtype))
    return Tensor(xp.broadcast_to(matrix, batch + matrix.shape).copy())


def linspace(start, stop, num, name=None, axis=0):
    """Like ``tf.linspace``: ``num`` evenly spaced values from ``start`` to ``stop`` (both included),
    in start's float dtype (integers give float64, as TensorFlow); vectors of starts and stops
    give one sequence each along ``axis``. No gradient with respect to start and stop."""
    start = convert_to_tensor(start)
    stop = convert_to_tensor(stop, dtype_hint=start.dtype)
    dtype = start.dtype if start.dtype.kind == "f" else float64
    values = np.linspace(start.numpy(), stop.numpy(), _count(num, "num", "linspace"), axis=axis)
    return _new(values.astype(dtype))


def cast(x, dtype, name=None):
    """Like ``tf.cast``: ``x`` in ``dtype`` (float to int truncates toward zero, nonzero to bool is
    True); a Tensor already of that dtype is returned as it is. Only a cast to a float dtype
    carries the gradient; any other has none, as in TensorFlow."""
    x = convert_to_tensor(x)
    dtype = as_dtype(dtype)
    if x.dtype == dtype:
        return x
    return F.cast(x if dtype.kind == "f" else x.detach(), dtype)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """Like ``tf.one_hot``: a new axis of ``depth`` classes at ``axis`` (default: last), holding
    ``on_value`` (default 1) where the class equals the index and ``off_value`` (default 0) elsewhere,
    also for every class of an index outside [0, depth). The dtype is ``dtype``, else that of
    ``on_value`` or ``off_value``, else float32. Integer indices only; no gradient."""
    index = convert_to_tensor(indices)
    if index.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {index.dtype}")
    depth = _count(depth, "depth", "one_hot")
    given = [v for v in (on_value, off_value) if v is not None]
    if dtype is not None:
        dtype = as_dtype(dtype)
    else:
        dtype = convert_to_tensor(given[0]).dtype if given else float32
    on, off = (convert_to_tensor(default if v is None else v, dtype) for v, default in ((on_value, 1), (off_value, 0)))
    if on.ndim or off.ndim:
        raise ValueError(f"one_hot: on_value and off_value must be scalars, got shapes {on.shape} and {off.shape}")
    axis = -1 if axis is None else int(axis)
    if axis != -1 and not 0 <= axis <= index.ndim:
        raise ValueError(f"one_hot: axis must be -1 or in [0, {index.ndim}] for indices of shape {index.shape}, "
                         f"got {axis}")
    xp = backend.get_array_module(index.data)
    hot = xp.where(index.data[..., None] == xp.arange(depth), on.item(), off.item()).astype(dtype)
    return Tensor(hot if axis == -1 else xp.moveaxis(hot, -1, axis))


__all__ = [
    "Variable", "cast", "constant", "convert_to_tensor", "eye", "fill", "linspace", "one_hot", "ones", "ones_like",
    "range", "zeros", "zeros_like",
]
