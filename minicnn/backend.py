"""The one module that knows NumPy from CuPy.

Everything else asks here for the array module of its data (``get_array_module``), converts
with ``as_array`` / ``to_numpy`` / ``to_device``, and reads the default float dtype.
CuPy is imported lazily, only when a GPU is asked for or a CuPy array is seen. The GPU's array
module is looked up in one place, ``gpu_module``: CuPy, or the strict stand-in that the test suite
puts in its place (``use_gpu_stand_in``, docs/gpu.md) to run the GPU path on a CPU.
"""

import numpy as np

DEVICES = ("cpu", "gpu")
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

_state = {"device": "cpu", "dtype": np.dtype(np.float32), "rng": np.random.default_rng()}


_gpu = {"module": None, "sparse": None}  # the GPU's array module and its sparse module, once known


def _cupy():
    """Return the cupy module, or raise a RuntimeError that says what is missing."""
    try:
        import cupy
    except ImportError as err:
        raise RuntimeError(
            "device 'gpu' needs CuPy, which is not installed: install the wheel of your CUDA major version "
            "(nvidia-smi shows it), pip install 'minicnn[gpu-cuda12]' (or gpu-cuda13, gpu-cuda11); docs/gpu.md"
        ) from err
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # CUDA driver missing or broken
        raise RuntimeError(f"device 'gpu': CuPy is installed but no usable GPU was found ({err})") from err
    if count < 1:
        raise RuntimeError("device 'gpu': CuPy is installed but no GPU is visible")
    return cupy


def unwrap(a):
    """The raw array inside a minicnn Tensor; anything else unchanged."""
    return a.data if getattr(a, "is_minicnn_tensor", False) else a


def gpu_module():
    """The GPU's array module: CuPy (imported on first use), or the stand-in a test installed."""
    if _gpu["module"] is None:
        cupy = _cupy()
        import cupyx.scipy.sparse
        _gpu.update(module=cupy, sparse=cupyx.scipy.sparse)
    return _gpu["module"]


def use_gpu_stand_in(module):
    """Test hook: make ``module`` the GPU's array module (``minicnn.testing.fake_cupy``: CuPy's rules on
    NumPy memory), so that device 'gpu' runs on a CPU; ``None`` goes back to CuPy (imported again
    on first use). Returns the module it replaces (None if none was loaded)."""
    previous = _gpu["module"]
    _gpu.update(module=module, sparse=getattr(module, "sparse", None))
    return previous


def is_cupy_array(a):
    """True for an array of the GPU's module (a CuPy array, or the stand-in's)."""
    module = _gpu["module"]
    if module is not None:
        return isinstance(a, module.ndarray)
    return type(a).__module__.split(".")[0] == "cupy"


def check_device(device):
    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {device!r}")
    return device


def set_device(device):
    """Choose where new arrays are created: 'cpu' (NumPy) or 'gpu' (CuPy)."""
    check_device(device)
    if device == "gpu":
        gpu_module()
    _state["device"] = device


def get_device():
    return _state["device"]


def array_module_of_device(device):
    return gpu_module() if check_device(device) == "gpu" else np


def get_array_module(*arrays):
    """NumPy, or CuPy if any of ``arrays`` (raw arrays or Tensors) lives on the GPU."""
    for a in arrays:
        if is_cupy_array(unwrap(a)):
            return gpu_module()
    return np


def device_of(array):
    return "gpu" if is_cupy_array(array) else "cpu"


def set_default_dtype(dtype):
    """Set the float dtype of new tensors and weights: 'float32' (default) or 'float64'."""
    dtype = np.dtype(dtype)
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"default dtype must be float32 or float64, got {dtype}")
    _state["dtype"] = dtype


def get_default_dtype():
    return _state["dtype"]


def to_numpy(a):
    """Any Tensor, NumPy or CuPy array (or Python number/list) as a NumPy array."""
    a = unwrap(a)
    if is_cupy_array(a):
        return a.get()
    return np.asarray(a)


def to_device(array, device):
    """Move a raw array to 'cpu' or 'gpu' (a no-op when it is already there)."""
    check_device(device)
    if device == "cpu":
        return to_numpy(array)
    return array if is_cupy_array(array) else gpu_module().asarray(array)


def as_array(data, dtype=None, device=None):
    """Convert ``data`` to a raw array on ``device`` (default: a GPU array stays on the GPU, anything
    else goes to the current device, as a new tensor does).

    Python floats and lists of floats get the default float dtype; NumPy/CuPy arrays keep theirs
    unless ``dtype`` is given.
    """
    if device is None:
        device = "gpu" if is_cupy_array(data) else get_device()
    xp = array_module_of_device(device)
    if dtype is None and not hasattr(data, "dtype"):
        probe = np.asarray(data)
        if probe.dtype.kind == "f":
            dtype = get_default_dtype()
    if device == "cpu":
        return np.asarray(to_numpy(data), dtype=dtype)
    if isinstance(data, (bool, int, float, complex, np.generic)):  # a number is filled in on the device, not copied
        return xp.full((), data, dtype=dtype if dtype is not None else np.asarray(data).dtype)
    return xp.asarray(data, dtype=dtype)


def set_seed(seed):
    """Seed minicnn's random generator (initializers, dropout, shuffling)."""
    _state["rng"] = np.random.default_rng(seed)


def rng():
    """The global NumPy Generator; random numbers are drawn on the CPU and moved if needed."""
    return _state["rng"]


def sparse_module(xp):
    """scipy.sparse for NumPy, cupyx.scipy.sparse for CuPy."""
    if xp is np:
        import scipy.sparse
        return scipy.sparse
    gpu_module()
    return _gpu["sparse"]


def copy_into(dst, src):
    """``dst[...] = src``, returning ``dst``: how a patch matrix is gathered (im2col's strided view
    into a reused buffer). The gather is bound by memory bandwidth, which one core nearly fills on
    this machine kind: splitting it across threads measured 5-9% slower on a ResNet-20 step."""
    dst[...] = src
    return dst
