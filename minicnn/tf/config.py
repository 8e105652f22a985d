"""``tf.config``: the devices minicnn can compute on, in TensorFlow's form (and its
``experimental`` spellings, which the source material uses)."""

import collections
import types

from .. import backend
from ..keras import _subset

PhysicalDevice = collections.namedtuple("PhysicalDevice", "name device_type")
PhysicalDevice.__doc__ = "A device as ``tf.config`` lists it: ``name`` ('/physical_device:CPU:0'), ``device_type``."


def _gpu_visible():
    try:
        backend.array_module_of_device("gpu")
    except RuntimeError:  # CuPy missing, or no usable GPU
        return False
    return True


def list_physical_devices(device_type=None):
    """Like ``tf.config.list_physical_devices``: the CPU, and the GPU when CuPy sees one (minicnn
    computes on one GPU), of ``device_type`` ('CPU' or 'GPU', as TensorFlow spells them) if given."""
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    if _gpu_visible():
        devices.append(PhysicalDevice("/physical_device:GPU:0", "GPU"))
    return [d for d in devices if device_type is None or d.device_type == device_type]


def _set_memory_growth(device, enable):
    """Like ``tf.config.experimental.set_memory_growth``, for a GPU of ``list_physical_devices``:
    CuPy's memory pool already takes GPU memory as it is needed, so there is nothing to change
    (and ``enable=False`` does not reserve the whole GPU). Other devices are refused, as by TensorFlow."""
    if not isinstance(device, PhysicalDevice) or device.device_type != "GPU":
        raise ValueError(f"set_memory_growth: memory growth applies to GPU devices only, got {device!r}")


experimental = types.ModuleType(__name__ + ".experimental",
                                "``tf.config.experimental``: the spellings the source material uses.")
experimental.list_physical_devices = list_physical_devices
experimental.set_memory_growth = _set_memory_growth
experimental.__getattr__ = _subset.missing("tf.config.experimental")

__all__ = ["PhysicalDevice", "experimental", "list_physical_devices"]
__getattr__ = _subset.missing("tf.config")
