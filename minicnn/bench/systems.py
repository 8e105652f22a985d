"""The systems a benchmark run compares. Each runs in a process of its own.

A system is a framework on a device, with the environment it must see *before* it is imported:
TensorFlow reads ``TF_ENABLE_ONEDNN_OPTS`` once, at import, so TensorFlow with oneDNN (its
default) and without it (its Eigen kernels) are two systems and two processes.

``reference`` systems are the ones minicnn's times are divided by (the ratios of the report).

GPU hook: ``--device gpu`` compares ``minicnn-gpu`` (minicnn on CuPy, ``mc.set_device("gpu")``) with
``torch-gpu`` (PyTorch on CUDA, cuDNN's kernels). Their peers synchronise the device after every
timed call (``Peer.sync``), and a machine without CuPy, PyTorch or a visible GPU skips them with the
reason. Peak memory is measured as host RSS; device memory is not recorded yet.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class System:
    name: str
    label: str
    framework: str  # "minicnn" | "tensorflow" | "torch": the module of minicnn/bench/peers that drives it
    device: str = "cpu"
    env: tuple = ()  # (variable, value) pairs set before the framework is imported
    reference: bool = False

    @property
    def is_subject(self):
        """minicnn itself: the system whose times are divided by the references'."""
        return self.framework == "minicnn"


SYSTEMS = {s.name: s for s in (
    System("minicnn", "minicnn (NumPy)", "minicnn"),
    System("tf", "TensorFlow, oneDNN on", "tensorflow", env=(("TF_ENABLE_ONEDNN_OPTS", "1"),), reference=True),
    System("tf-eigen", "TensorFlow, oneDNN off", "tensorflow", env=(("TF_ENABLE_ONEDNN_OPTS", "0"),), reference=True),
    System("torch", "PyTorch (CPU)", "torch"),
    System("minicnn-gpu", "minicnn (CuPy)", "minicnn", device="gpu"),
    System("torch-gpu", "PyTorch + cuDNN", "torch", device="gpu", reference=True),
)}

DEFAULT_SYSTEMS = {"cpu": ("minicnn", "tf", "tf-eigen", "torch"), "gpu": ("minicnn-gpu", "torch-gpu")}


def contestant(system, variant=None):
    """The name of one timed form: ``minicnn``, ``minicnn[sparse]``, ``tf``."""
    return f"{system}[{variant}]" if variant else system


def split_contestant(name):
    """``minicnn[sparse]`` -> (``minicnn``, ``sparse``); ``tf`` -> (``tf``, None)."""
    if name.endswith("]") and "[" in name:
        system, variant = name[:-1].split("[", 1)
        return system, variant
    return name, None


def select(device="cpu", names=None):
    """The systems of a run: ``names`` (checked) or the device's default set."""
    names = list(names or DEFAULT_SYSTEMS[device])
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise ValueError(f"unknown system(s) {unknown}; known: {sorted(SYSTEMS)}")
    if not any(SYSTEMS[n].is_subject for n in names):
        raise ValueError(f"systems {names} include no minicnn system to compare")
    return [SYSTEMS[n] for n in names]
