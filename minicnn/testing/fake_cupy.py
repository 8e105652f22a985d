"""A strict stand-in for CuPy on NumPy memory: the GPU path of minicnn, run and checked on a CPU.

``backend.use_gpu_stand_in(fake_cupy)`` puts this module where CuPy would be: ``mc.set_device("gpu")``,
``Tensor.to("gpu")`` and ``get_array_module`` then hand out its arrays, and every line of the engine
runs exactly as it would on CuPy, except that the numbers are computed by NumPy. Its arrays keep
CuPy's rules (read from CuPy 13.6 / 14.2, ``cupy/_core/core.pyx`` and ``_kernel.pyx``):

* no implicit conversion to NumPy: ``np.asarray(a)`` raises TypeError (``__array__``); ``a.get()``,
  ``asnumpy(a)``, ``a.item()``, ``a.tolist()`` are the ways out;
* no mixing with NumPy arrays: ``a + numpy_array``, ``fake.where(c, a, numpy_array)``,
  ``a[...] = numpy_array`` raise TypeError (Python and NumPy scalars are fine, as in CuPy);
* what CuPy allows and makes a transfer is allowed and counted: ``float(a)``, ``bool(a)``, ``int(a)``
  and ``a.item()`` on one element (device to host), NumPy or list indices (host to device), and the
  operations whose output size depends on the data (boolean-mask indexing, ``nonzero``,
  ``bincount``, ``unique``: CuPy copies a count back to the host);
* NumPy functions applied to these arrays dispatch here (``__array_ufunc__``,
  ``__array_function__``), as they dispatch to CuPy; a NumPy function CuPy lacks raises TypeError;
  a ufunc of ``scipy.special`` goes, as in CuPy, to its ``cupyx.scipy.special`` namesake;
* what CuPy reads on the host is taken from the host: shapes and axes (``a.transpose(np_array)``,
  ``pad`` widths, ``split`` points), so those arguments may be NumPy arrays;
* the module offers only what CuPy 13.6 and 14.2 both export (so no ``put_along_axis``), ufuncs
  with ``.at`` only where CuPy has a scatter kernel (add, subtract, bitwise and/or/xor), and
  ``sparse``: the part of ``cupyx.scipy.sparse`` minicnn uses, with its rule that the arrays of a
  matrix be device arrays.

``transfers`` counts every host-to-device and device-to-host transfer, with where it came from.
The test suite may let its own assertions read device arrays (``lenient_in(tests_dir)``): a
conversion whose nearest caller in minicnn or in such a folder is in the folder is then allowed,
and recorded as the test's (``strict()`` turns that off for a block). Code of the ``minicnn``
package is always held to the rules.
"""

import builtins
import collections
import contextlib
import os
import sys
import types

import numpy as np
import scipy.sparse
import scipy.special

# What CuPy 13.6 and 14.2 both export, among NumPy's names (the rest of NumPy raises AttributeError).
UFUNCS = """abs absolute add arccos arccosh arcsin arcsinh arctan arctan2 arctanh bitwise_and bitwise_not
bitwise_or bitwise_xor cbrt ceil conj conjugate copysign cos cosh deg2rad degrees divide divmod equal exp exp2
expm1 fabs float_power floor floor_divide fmax fmin fmod frexp gcd greater greater_equal heaviside hypot invert
isfinite isinf isnan lcm ldexp left_shift less less_equal log log10 log1p log2 logaddexp logaddexp2 logical_and
logical_not logical_or logical_xor matmul maximum minimum mod modf multiply negative nextafter not_equal positive
power rad2deg radians reciprocal remainder right_shift rint sign signbit sin sinh sqrt square subtract tan tanh
true_divide trunc""".split()
FUNCTIONS = """all allclose amax amin angle any append apply_along_axis arange argmax argmin argpartition argsort
argwhere around array_equal array_equiv array_split asarray_chkfinite ascontiguousarray asfortranarray atleast_1d
atleast_2d atleast_3d average bartlett bincount blackman broadcast_arrays broadcast_to choose clip column_stack
compress concatenate convolve copy copyto corrcoef correlate count_nonzero cov cross cumprod cumsum delete diag
diag_indices diag_indices_from diagflat diagonal diff digitize dot dsplit dstack ediff1d einsum empty empty_like
expand_dims extract eye fill_diagonal fix flatnonzero flip fliplr flipud full full_like gradient hamming hanning
histogram histogram2d histogramdd hsplit hstack i0 identity imag indices inner interp intersect1d isclose iscomplex
isin isneginf isposinf isreal kaiser kron lexsort linspace logspace mask_indices max mean median meshgrid min
moveaxis nan_to_num nanargmax nanargmin nancumprod nancumsum nanmax nanmean nanmedian nanmin nanprod nanstd nansum
nanvar nonzero ones ones_like outer packbits pad partition percentile piecewise place poly polyadd polyfit polymul
polysub polyval prod ptp put putmask quantile ravel ravel_multi_index real real_if_close repeat require reshape
resize roll rollaxis roots rot90 round searchsorted select setdiff1d setxor1d sinc sort sort_complex split squeeze
stack std sum swapaxes take take_along_axis tensordot tile trace transpose tri tril tril_indices tril_indices_from
trim_zeros triu triu_indices triu_indices_from union1d unique unpackbits unravel_index unwrap vander var vdot
vsplit vstack where zeros zeros_like""".split()
HOST_INFO = """can_cast common_type iscomplexobj isfortran isrealobj isscalar issubdtype iterable may_share_memory
min_scalar_type mintypecode ndim promote_types result_type shape shares_memory size typename""".split()
NUMPY_OBJECTS = """bool_ byte cdouble complex128 complex64 complexfloating csingle double dtype finfo float16 float32
float64 floating generic half iinfo inexact int16 int32 int64 int8 int_ intc integer intp longlong number short
signedinteger single ubyte uint uint16 uint32 uint64 uint8 uintc uintp ulonglong unsignedinteger ushort e
euler_gamma inf nan newaxis pi index_exp s_""".split()
SCATTER_UFUNCS = ("add", "subtract", "bitwise_and", "bitwise_or", "bitwise_xor")  # CuPy's ufuncs with .at
SYNCING = ("argwhere", "bincount", "compress", "delete", "extract", "flatnonzero", "intersect1d", "nonzero",
           "setdiff1d", "setxor1d", "trim_zeros", "union1d", "unique")  # output size read back to the host
# Ufuncs of scipy.special that cupyx.scipy.special also has: CuPy dispatches scipy's to them.
SPECIAL_UFUNCS = """digamma entr erf erfc erfcinv erfcx erfinv expit expm1 gammaln i0 i0e i1 i1e log1p log_expit
log_ndtr logit ndtr ndtri sinc xlog1py xlogy""".split()
MATH_METHODS = """all any argmax argmin argpartition argsort choose clip conj conjugate copy cumprod cumsum diagonal
dot flatten max mean min partition prod ptp ravel repeat reshape round searchsorted sort squeeze std sum swapaxes
take trace transpose var""".split()

_ENGINE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the minicnn package
_THIS = os.path.abspath(__file__)
_lenient = []


def lenient_in(folder):
    """Let code in ``folder`` (a test suite) read device arrays implicitly; each read is counted."""
    folder = os.path.abspath(folder) + os.sep
    if folder not in _lenient:
        _lenient.append(folder)


@contextlib.contextmanager
def strict():
    """Inside this block no folder is lenient: a test's own reads are refused as minicnn's are."""
    saved = _lenient[:]
    _lenient.clear()
    try:
        yield
    finally:
        _lenient[:] = saved


def _caller(depth=3):
    """(where, lenient): ``where`` is the nearest frame in minicnn or in a lenient folder (library
    frames are skipped) as file:line, followed by up to ``depth - 1`` of minicnn's frames that led to
    it (``backend.py:151 < autograd.py:76 < ...``); lenient is False for minicnn's own code and when
    neither is found."""
    frame, first, chain = sys._getframe(1), None, []
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if path != _THIS:
            here = f"{path}:{frame.f_lineno}"
            first = first or here
            in_engine = path.startswith(_ENGINE)
            if chain and len(chain) < depth and in_engine:
                chain.append(f"{os.path.relpath(path, _ENGINE)}:{frame.f_lineno}")
            elif not chain and in_engine:
                chain.append(here)
            elif not chain and builtins.any(path.startswith(folder) for folder in _lenient):
                return here, True
            if len(chain) == depth or (chain and not in_engine):
                break
        frame = frame.f_back
    return (" < ".join(chain), False) if chain else (first or "?", False)


Transfer = collections.namedtuple("Transfer", "kind what nbytes where by_test")


class Transfers:
    """Counts of the transfers between host and device, and the latest of them with their callers."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.to_device = self.to_host = self.bytes_to_device = self.bytes_to_host = 0
        self.events = collections.deque(maxlen=512)

    def record(self, kind, what, nbytes):
        where, by_test = _caller()
        if kind == "to_device":
            self.to_device += 1
            self.bytes_to_device += int(nbytes)
        else:
            self.to_host += 1
            self.bytes_to_host += int(nbytes)
        self.events.append(Transfer(kind, what, int(nbytes), where, by_test))

    def engine_events(self):
        """The recorded transfers made by minicnn itself (not by a lenient test's own reads)."""
        return [e for e in self.events if not e.by_test]

    def report(self):
        lines = [f"{e.kind:9} {e.nbytes:>10} B  {e.what:28} at {e.where}" for e in self.events]
        return "\n".join(lines) or "no transfers"


transfers = Transfers()


# --- crossing the host/device border ------------------------------------------------------------------

def _refuse_host(value, what):
    """A NumPy array (or list) met where CuPy needs device data: a TypeError, as in CuPy, unless the
    caller is lenient test code; then the host data is used as is and counted as a transfer."""
    where, lenient = _caller()
    if not lenient:
        shape = getattr(value, "shape", None)
        raise TypeError(f"{what}: a host value ({type(value).__name__}{'' if shape is None else f' of shape {shape}'}) "
                        f"met a device array, which CuPy refuses (no implicit host-to-device transfer): move it "
                        f"with xp.asarray first (at {where})")
    transfers.record("to_device", what, np.asarray(value).nbytes)
    return value


def _to_host(array, what):
    transfers.record("to_host", what, array.nbytes)
    return array


def _sync(what):
    transfers.record("to_host", what, 8)


_SCALARS = (bool, int, float, complex, np.generic)


def _operand(value, what):
    """The NumPy form of an operand of an elementwise operation."""
    if isinstance(value, ndarray):
        return value._a
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, np.ndarray):
        return _refuse_host(value, what)
    raise TypeError(f"{what}: unsupported operand type {type(value).__name__} (CuPy takes device arrays and scalars)")


def _argument(value, what):
    """The NumPy form of a function argument: device arrays unwrapped (in lists too), NumPy arrays refused."""
    if isinstance(value, ndarray):
        return value._a
    if isinstance(value, np.ndarray):
        return _refuse_host(value, what)
    if isinstance(value, (list, tuple)) and value:
        return type(value)(_argument(v, what) for v in value)
    return value


def _index(key, what):
    """A NumPy index from a CuPy one: device arrays unwrapped; host index arrays and lists are
    moved to the device by CuPy (counted); boolean device masks make it read a count back."""
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for part in parts:
        if isinstance(part, ndarray):
            if part._a.dtype == bool and part._a.ndim > 0:
                _sync(f"{what} with a boolean mask")
            out.append(part._a)
        elif isinstance(part, (np.ndarray, list)):
            array = np.asarray(part)
            transfers.record("to_device", f"{what} with a host index", array.nbytes)
            out.append(part)
        else:
            out.append(part)
    return tuple(out) if isinstance(key, tuple) else out[0]


def _wrap(value):
    """NumPy results as device results: arrays and NumPy scalars become device arrays (a reduction
    gives a 0-d array, as in CuPy); tuples and lists are wrapped item by item."""
    if isinstance(value, np.ndarray):
        out = ndarray.__new__(ndarray)
        out._a = value
        return out
    if isinstance(value, np.generic):
        return _wrap(np.asarray(value))
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*map(_wrap, value))
    if isinstance(value, (tuple, list)):
        return type(value)(_wrap(v) for v in value)
    return value


def _defers(other):
    """CuPy's rule for a reflected operator: defer to an operand that opts out of ufuncs or has a
    higher ``__array_priority__`` without ``__array_ufunc__`` (minicnn's Tensor, sparse matrices)."""
    if isinstance(other, (ndarray, np.ndarray) + _SCALARS):
        return False
    ufunc_hook = getattr(type(other), "__array_ufunc__", False)
    if ufunc_hook is not False:
        return ufunc_hook is None
    return getattr(other, "__array_priority__", 0) > ndarray.__array_priority__


# --- the array ------------------------------------------------------------------------------------------

class Flags:
    """``cupy.ndarray.flags``: read-only contiguity flags (CuPy has no ``writeable``)."""

    def __init__(self, a):
        self.c_contiguous, self.f_contiguous = a.flags.c_contiguous, a.flags.f_contiguous
        self.owndata = a.flags.owndata

    def __getitem__(self, name):
        return {"C_CONTIGUOUS": self.c_contiguous, "F_CONTIGUOUS": self.f_contiguous, "OWNDATA": self.owndata}[name]


class _FlatIter:
    """``a.flat``: element access in C order, on the device."""

    def __init__(self, array):
        self._array = array

    def __getitem__(self, key):
        return _wrap(self._array._a.flat[_index(key, "flat indexing")])

    def __setitem__(self, key, value):
        self._array._a.flat[_index(key, "flat assignment")] = _operand(value, "flat assignment")

    def __len__(self):
        return self._array.size


class ndarray:
    """A device array: a NumPy array inside, CuPy's rules outside (see the module docstring)."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        self._a = np.empty(shape, dtype=dtype, order=order)

    # attributes
    shape = property(lambda self: self._a.shape, lambda self, shape: setattr(self._a, "shape", shape))
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    nbytes = property(lambda self: self._a.nbytes)
    itemsize = property(lambda self: self._a.itemsize)
    strides = property(lambda self: self._a.strides)
    T = property(lambda self: _wrap(self._a.T))
    real = property(lambda self: _wrap(self._a.real))
    imag = property(lambda self: _wrap(self._a.imag))
    flags = property(lambda self: Flags(self._a))
    flat = property(lambda self: _FlatIter(self))
    base = property(lambda self: _wrap(self._a.base) if isinstance(self._a.base, np.ndarray) else None)
    device = property(lambda self: Device())

    # the ways out, each a counted transfer
    def get(self, stream=None, order="C", out=None, blocking=True):
        _to_host(self._a, "get()")
        if out is not None:
            out[...] = self._a
            return out
        return np.array(self._a, order=order, copy=True)

    def set(self, arr, stream=None):
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"set: only numpy.ndarray is supported, got {type(arr).__name__}")
        if arr.shape != self.shape or arr.dtype != self.dtype:
            raise ValueError(f"set: shape/dtype mismatch: {arr.shape}/{arr.dtype} vs {self.shape}/{self.dtype}")
        transfers.record("to_device", "set()", arr.nbytes)
        self._a[...] = arr

    def item(self):
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return _to_host(self._a, "item()").item()

    def tolist(self):
        return _to_host(self._a, "tolist()").tolist()

    def tobytes(self, order="C"):
        return _to_host(self._a, "tobytes()").tobytes(order)

    def __array__(self, dtype=None, copy=None):
        where, lenient = _caller()
        if not lenient:
            raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct "
                            f"a NumPy array explicitly. (at {where})")
        transfers.record("to_host", "implicit conversion (test)", self.nbytes)
        values = self._a if dtype is None else self._a.astype(dtype, copy=False)
        return values.copy() if copy else values

    def __float__(self):
        return float(_to_host(self._a, "float()"))

    def __int__(self):
        return int(_to_host(self._a, "int()"))

    def __complex__(self):
        return complex(_to_host(self._a, "complex()"))

    def __bool__(self):
        if self.size == 1:
            return bool(_to_host(self._a, "bool()"))
        if self.size == 0:
            return False
        raise ValueError("The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()")

    def __repr__(self):
        return repr(_to_host(self._a, "repr()"))

    def __str__(self):
        return str(_to_host(self._a, "str()"))

    def __format__(self, spec):
        return format(_to_host(self._a, "format()"), spec)

    def __reduce__(self):
        return _from_pickle, (_to_host(self._a, "pickle").copy(),)

    def __copy__(self):
        return _wrap(self._a.copy())

    def __deepcopy__(self, memo):
        return _wrap(self._a.copy())

    # containers and indexing
    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return len(self._a)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._a)))

    def __getitem__(self, key):
        return _wrap(self._a[_index(key, "indexing")])

    def __setitem__(self, key, value):
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]  # CuPy fills with a NumPy 0-d array as with a scalar
        elif isinstance(value, (list, tuple)):
            value = _refuse_host(np.asarray(value), "assignment")
        self._a[_index(key, "assignment")] = _operand(value, "assignment")

    # CuPy's own methods
    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        if not copy and np.dtype(dtype) == self.dtype:
            return self
        return _wrap(self._a.astype(dtype, order=order, copy=copy))

    def view(self, dtype=None):
        return _wrap(self._a.view() if dtype is None else self._a.view(dtype))

    def fill(self, value):
        if isinstance(value, ndarray):
            if value.ndim:
                raise ValueError("non-scalar cupy.ndarray cannot be used for fill")
            value = value._a[()]
        elif np.ndim(value):
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        self._a.fill(value)

    def nonzero(self):
        _sync("nonzero()")
        return _wrap(self._a.nonzero())

    def compress(self, condition, axis=None, out=None):
        _sync("compress()")
        return _wrap(self._a.compress(_argument(condition, "compress"), axis))

    def put(self, indices, values, mode="wrap"):
        self._a.put(_index(indices, "put"), _operand(values, "put"), mode=mode)

    def scatter_add(self, slices, value):
        np.add.at(self._a, _index(slices, "scatter_add"), _operand(value, "scatter_add"))

    def reduced_view(self, dtype=None):
        return _wrap(self._a.reshape(-1) if self._a.flags.c_contiguous else self._a)

    # NumPy interoperation: NumPy functions on device arrays run here, as they run on CuPy
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # CuPy looks the ufunc's name up in cupy, then in cupyx.scipy.special
        fake = _MODULE_UFUNCS.get(ufunc.__name__) or _SPECIAL_UFUNCS.get(ufunc.__name__)
        if fake is None:
            return NotImplemented
        if "out" in kwargs:
            (kwargs["out"],) = kwargs["out"]
        return getattr(fake, method)(*inputs, **kwargs) if method != "__call__" else fake(*inputs, **kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        target = _MODULE
        for part in func.__module__.split(".")[1:] + [func.__name__]:
            target = getattr(target, part, None)
        if target is None or target is func or not builtins.all(issubclass(t, (ndarray, np.ndarray)) for t in types_):
            return NotImplemented
        return target(*args, **kwargs)


def _from_pickle(values):
    transfers.record("to_device", "unpickle", values.nbytes)
    return _wrap(values)


class Device:
    """``cupy.cuda.Device`` of every stand-in array: device 0."""

    id = 0

    def synchronize(self):
        pass


HOST_METHODS = ("transpose", "reshape")  # their arguments are axes or a shape, read on the host


def _method(name):
    np_method = getattr(np.ndarray, name)

    def method(self, *args, **kwargs):
        if name in HOST_METHODS:  # CuPy reads these as sequences of ints: a NumPy array is fine there
            return _wrap(np_method(self._a, *args, **kwargs))
        return _wrap(np_method(self._a, *_argument(args, name), **{k: _argument(v, name) for k, v in kwargs.items()}))

    method.__name__ = name
    return method


for _name in MATH_METHODS:
    if hasattr(np.ndarray, _name):  # NumPy 2 dropped ndarray.ptp
        setattr(ndarray, _name, _method(_name))


def _binary_operators(dunder, ufunc):
    def op(self, other):
        return NotImplemented if _defers(other) else _wrap(ufunc(self._a, _operand(other, dunder)))

    def rop(self, other):
        return NotImplemented if _defers(other) else _wrap(ufunc(_operand(other, dunder), self._a))

    def iop(self, other):
        if _defers(other):
            return NotImplemented
        ufunc(self._a, _operand(other, dunder), out=self._a)
        return self

    setattr(ndarray, f"__{dunder}__", op)
    setattr(ndarray, f"__r{dunder}__", rop)
    setattr(ndarray, f"__i{dunder}__", iop)


for _dunder, _ufunc in [("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("truediv", np.true_divide),
                        ("floordiv", np.floor_divide), ("mod", np.remainder), ("pow", np.power),
                        ("matmul", np.matmul), ("and", np.bitwise_and), ("or", np.bitwise_or),
                        ("xor", np.bitwise_xor), ("lshift", np.left_shift), ("rshift", np.right_shift)]:
    _binary_operators(_dunder, _ufunc)
del ndarray.__imatmul__  # CuPy has no in-place matmul

for _dunder, _ufunc in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                        ("gt", np.greater), ("ge", np.greater_equal)]:
    setattr(ndarray, f"__{_dunder}__", lambda self, other, u=_ufunc, d=_dunder: (
        NotImplemented if _defers(other) else _wrap(u(self._a, _operand(other, d)))))

for _dunder, _ufunc in [("neg", np.negative), ("pos", np.positive), ("abs", np.absolute), ("invert", np.invert)]:
    setattr(ndarray, f"__{_dunder}__", lambda self, u=_ufunc: _wrap(u(self._a)))
ndarray.__divmod__ = lambda self, other: _wrap(np.divmod(self._a, _operand(other, "divmod")))


# --- the module's functions -----------------------------------------------------------------------------

class ufunc:
    """A CuPy ufunc: call, ``reduce``/``accumulate``/``outer``/``reduceat``, and ``at`` where CuPy has it."""

    def __init__(self, np_ufunc):
        self._u, self.__name__ = np_ufunc, np_ufunc.__name__
        self.nin, self.nout, self.nargs = np_ufunc.nin, np_ufunc.nout, np_ufunc.nargs

    def _run(self, method, operands, rest, kwargs):
        operands = [_operand(a, self.__name__) for a in operands]
        kwargs = {k: _argument(v, self.__name__) for k, v in kwargs.items()}
        return _wrap(method(*operands, *rest, **kwargs))

    def __call__(self, *args, **kwargs):
        return self._run(self._u, args, (), kwargs)

    def reduce(self, array, *args, **kwargs):
        return self._run(self._u.reduce, (array,), args, kwargs)

    def accumulate(self, array, *args, **kwargs):
        return self._run(self._u.accumulate, (array,), args, kwargs)

    def outer(self, a, b, **kwargs):
        return self._run(self._u.outer, (a, b), (), kwargs)

    def reduceat(self, array, indices, *args, **kwargs):
        return _wrap(self._u.reduceat(_operand(array, self.__name__), _index(indices, "reduceat"), *args, **kwargs))

    def at(self, a, indices, b=None):
        if self.__name__ not in SCATTER_UFUNCS:
            raise NotImplementedError(f"`{self.__name__}.at` is not supported yet")
        if not isinstance(a, ndarray):
            raise TypeError(f"{self.__name__}.at: the array must be a device array, got {type(a).__name__}")
        self._u.at(a._a, _index(indices, f"{self.__name__}.at"), _operand(b, f"{self.__name__}.at"))


# Arguments that CuPy reads on the host (split points, pad widths, shapes, axes), by position and
# name: NumPy arrays are fine there. Elsewhere an argument is data, and host data is refused.
HOST_PARAMETERS = {
    "split": (1, "indices_or_sections"), "array_split": (1, "indices_or_sections"), "hsplit": (1,), "vsplit": (1,),
    "dsplit": (1,), "pad": (1, "pad_width"), "tile": (1, "reps"), "reshape": (1, "newshape", "shape"),
    "broadcast_to": (1, "shape"), "transpose": (1, "axes"), "moveaxis": (1, 2, "source", "destination"),
    "expand_dims": (1, "axis"), "squeeze": (1, "axis"), "roll": (1, 2, "shift", "axis"), "full": (0, "shape"),
    "zeros": (0, "shape"), "ones": (0, "shape"), "empty": (0, "shape"), "resize": (1, "new_shape"),
    "tensordot": (2, "axes"), "sum": (1, "axis"), "mean": (1, "axis"), "max": (1, "axis"), "min": (1, "axis"),
}
# Arguments that CuPy moves to the device itself (index arrays): host data there is a counted transfer.
INDEX_PARAMETERS = {"take": (1, "indices"), "take_along_axis": (1, "indices"), "put": (1, "ind")}


def _function(name, np_function):
    host, index = HOST_PARAMETERS.get(name, ()), INDEX_PARAMETERS.get(name, ())

    def convert(key, value):
        if key in host:
            return value
        if key in index and isinstance(value, (np.ndarray, list)):
            return _index(value, name)
        return _argument(value, name)

    def function(*args, **kwargs):
        if name in SYNCING or (name == "where" and len(args) == 1):
            _sync(f"{name}()")
        args = [convert(k, v) for k, v in enumerate(args)]
        kwargs = {k: convert(k, v) for k, v in kwargs.items()}
        return _wrap(np_function(*args, **kwargs))

    function.__name__ = function.__qualname__ = name
    return function


def _host_info(name, np_function):
    def function(*args, **kwargs):  # shapes, dtypes, flags: known on the host without a transfer
        args = [a._a if isinstance(a, ndarray) else a for a in args]
        return np_function(*args, **kwargs)

    function.__name__ = name
    return function


def _device_data(obj):
    """Nested lists of device arrays and scalars unwrapped (no transfer); None if ``obj`` holds host data."""
    if isinstance(obj, ndarray):
        return obj._a
    if isinstance(obj, (list, tuple)) and obj:
        parts = [_device_data(o) for o in obj]
        if builtins.all(p is not None for p in parts) and builtins.any(isinstance(p, np.ndarray) for p in parts):
            return np.array(parts)
    return None


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, blocking=False):
    """A new device array from device data (a copy) or from host data (a host-to-device transfer)."""
    on_device = _device_data(obj)
    if on_device is None:
        on_device = np.array(obj, dtype=dtype, order=order, ndmin=ndmin, copy=True)
        transfers.record("to_device", "array()", on_device.nbytes)
        return _wrap(on_device)
    return _wrap(np.array(on_device, dtype=dtype, order=order, ndmin=ndmin, copy=bool(copy) or None))


def asarray(a, dtype=None, order=None, blocking=False):
    """``a`` on the device: a device array as is (cast if ``dtype`` differs), host data transferred."""
    if isinstance(a, ndarray):
        return a if dtype is None or np.dtype(dtype) == a.dtype else a.astype(dtype)
    return array(a, dtype=dtype, order=order or "K")


asanyarray = asarray


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    """A NumPy array of ``a``: a device-to-host transfer for a device array, a no-op otherwise."""
    if isinstance(a, ndarray):
        return a.get(order=order, out=out)
    return np.asarray(a, order=order)


def get_array_module(*args):
    """This module if any of ``args`` is a device array or matrix, else NumPy."""
    return _MODULE if builtins.any(isinstance(a, (ndarray, spmatrix)) for a in args) else np


def _as_strided(x, shape=None, strides=None):
    if not isinstance(x, ndarray):
        raise TypeError(f"as_strided: x must be a device array, got {type(x).__name__}")
    return _wrap(np.lib.stride_tricks.as_strided(x._a, shape, strides))


def _sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    return _wrap(np.lib.stride_tricks.sliding_window_view(_argument(x, "sliding_window_view"), window_shape, axis,
                                                         writeable=writeable))


_MODULE = sys.modules[__name__]
_MODULE_UFUNCS = {name: ufunc(getattr(np, name)) for name in UFUNCS}
globals().update(_MODULE_UFUNCS)
_SPECIAL_UFUNCS = {name: ufunc(getattr(scipy.special, name)) for name in SPECIAL_UFUNCS
                   if isinstance(getattr(scipy.special, name, None), np.ufunc)}
globals().update({name: _function(name, getattr(np, name)) for name in FUNCTIONS if hasattr(np, name)})
globals().update({name: _host_info(name, getattr(np, name)) for name in HOST_INFO if hasattr(np, name)})
globals().update({name: getattr(np, name) for name in NUMPY_OBJECTS if hasattr(np, name)})
lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(as_strided=_as_strided,
                                                                sliding_window_view=_sliding_window_view))
linalg = types.SimpleNamespace(**{name: _function(name, getattr(np.linalg, name)) for name in (
    "cholesky", "det", "eigh", "eigvalsh", "inv", "lstsq", "matrix_power", "matrix_rank", "norm", "pinv", "qr",
    "slogdet", "solve", "svd", "tensorinv", "tensorsolve")}, LinAlgError=np.linalg.LinAlgError)
cuda = types.SimpleNamespace(Device=Device, runtime=types.SimpleNamespace(getDeviceCount=lambda: 1))


# --- cupyx.scipy.sparse -----------------------------------------------------------------------------------

class spmatrix:
    """A device sparse matrix (``cupyx.scipy.sparse``): a SciPy matrix inside, device arrays outside."""

    __array_priority__ = 101
    format = None

    def __init__(self, arg1, shape=None, dtype=None, copy=False):
        if isinstance(arg1, scipy.sparse.spmatrix) or isinstance(arg1, scipy.sparse.sparray):
            transfers.record("to_device", f"{type(self).__name__}(scipy matrix)", arg1.data.nbytes)
            self._m = self._scipy_class(arg1, shape=shape, dtype=dtype, copy=True)
            return
        if isinstance(arg1, spmatrix):
            self._m = self._scipy_class(arg1._m, shape=shape, dtype=dtype, copy=copy)
            return
        if not isinstance(arg1, tuple) or not builtins.all(
                isinstance(a, ndarray) and a.ndim == 1 for a in _flat_tuple(arg1)):
            raise ValueError("data, indices, and indptr should be 1-D device arrays")
        matrix = self._scipy_class(_unwrap_tuple(arg1), shape=shape, dtype=dtype, copy=copy)
        if matrix.dtype.char not in "?fdFD":
            raise ValueError("Only bool, float32, float64, complex64 and complex128 are supported")
        self._m = matrix

    @classmethod
    def _of(cls, scipy_matrix):
        out = _SPARSE_CLASSES[scipy_matrix.format].__new__(_SPARSE_CLASSES[scipy_matrix.format])
        out._m = scipy_matrix
        return out

    shape = property(lambda self: self._m.shape)
    dtype = property(lambda self: self._m.dtype)
    nnz = property(lambda self: self._m.nnz)
    ndim = 2
    T = property(lambda self: self.transpose())
    data = property(lambda self: _wrap(self._m.data))

    def transpose(self, axes=None, copy=False):
        return spmatrix._of(self._m.transpose(axes, copy))

    def toarray(self, order=None, out=None):
        return _wrap(self._m.toarray(order))

    def get(self, stream=None):
        transfers.record("to_host", "sparse get()", self._m.data.nbytes)
        return self._m.copy()

    def tocsr(self, copy=False):
        return spmatrix._of(self._m.tocsr(copy))

    def tocsc(self, copy=False):
        return spmatrix._of(self._m.tocsc(copy))

    def tocoo(self, copy=False):
        return spmatrix._of(self._m.tocoo(copy))

    def dot(self, other):
        return self @ other

    def __matmul__(self, other):
        if isinstance(other, spmatrix):
            return spmatrix._of((self._m @ other._m).asformat(self.format))
        return _wrap(self._m @ _operand(other, "sparse matmul"))

    def __rmatmul__(self, other):
        return _wrap(_operand(other, "sparse matmul") @ self._m)

    def __mul__(self, other):
        if isinstance(other, _SCALARS):
            return spmatrix._of(self._m * other)
        return self @ other

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()`.")


def _flat_tuple(arg):
    return [x for a in arg for x in (_flat_tuple(a) if isinstance(a, tuple) else [a])]


def _unwrap_tuple(arg):
    return tuple(_unwrap_tuple(a) if isinstance(a, tuple) else a._a for a in arg)


class csr_matrix(spmatrix):
    format, _scipy_class = "csr", scipy.sparse.csr_matrix
    indices = property(lambda self: _wrap(self._m.indices))
    indptr = property(lambda self: _wrap(self._m.indptr))


class csc_matrix(spmatrix):
    format, _scipy_class = "csc", scipy.sparse.csc_matrix
    indices = property(lambda self: _wrap(self._m.indices))
    indptr = property(lambda self: _wrap(self._m.indptr))


class coo_matrix(spmatrix):
    format, _scipy_class = "coo", scipy.sparse.coo_matrix
    row = property(lambda self: _wrap(self._m.row))
    col = property(lambda self: _wrap(self._m.col))


_SPARSE_CLASSES = {"csr": csr_matrix, "csc": csc_matrix, "coo": coo_matrix}


def issparse(x):
    return isinstance(x, spmatrix)


sparse = types.SimpleNamespace(spmatrix=spmatrix, csr_matrix=csr_matrix, csc_matrix=csc_matrix,
                               coo_matrix=coo_matrix, issparse=issparse, isspmatrix=issparse)


def reading_wrapper(original):
    """Wrap a class's ``__array__`` (minicnn's Tensor) so that the ``data`` of a device tensor is read
    under this module's rules: refused for minicnn's code, allowed and counted for lenient test code."""
    def __array__(self, dtype=None, copy=None):
        data = getattr(self, "data", None)
        if not isinstance(data, ndarray):
            return original(self, dtype, copy)
        values = data.__array__(dtype, copy)
        if values is data._a:
            values = values.view()
            values.flags.writeable = False  # as a CPU tensor's: a read-only view
        return values

    return __array__
