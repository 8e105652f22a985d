"""The code that drives each framework inside its own process, one module per framework.

Every peer module has ``start(device)`` returning an object with

* ``info()``: versions, thread counts and settings, as a JSON-ready dict;
* ``sync()``: wait until the device has finished (a no-op on the CPU);
* ``build(case, variant)``: ``(fn, facts)``, a call that runs the case once and a dict of facts
  about it (parameter counts), or raises ``Skip`` with the reason;
* ``as_numpy(result)``: what an operator call returned (an output, or a list of gradients) as a
  list of NumPy arrays, to check that every system computed the same;
* ``release()``: drop what ``build`` kept (cached models).

``start`` raises ``Unavailable`` (ImportError or RuntimeError also do) when the framework or the
device is missing.
"""

import importlib


class Skip(Exception):
    """This system does not run this case; the message says why."""


class Unavailable(RuntimeError):
    """This system cannot run here; the message says why."""


MODULES = {"minicnn": "mc_peer", "tensorflow": "tf_peer", "torch": "torch_peer"}


def start(system):
    """Import ``system``'s framework (its environment is already set) and return its peer."""
    module = importlib.import_module(f"{__name__}.{MODULES[system.framework]}")
    return module.start(system.device)
