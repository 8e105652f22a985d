"""Activation functions by Keras name, for the ``activation=`` argument of layers.

Every function of the activation family (the ``__all__`` of ``minicnn/ops/activation.py``) is an
activation by its own name, and an attribute of this module (``mc.activations.relu``); ``linear``
is the identity.
"""

from .registry import Registry, reexport


def linear(x):
    """The identity: no activation."""
    return x


ACTIVATIONS = Registry("activation")
for _name in reexport(globals(), "minicnn.ops", ["activation"]):
    ACTIVATIONS.add(globals()[_name], _name)
ACTIVATIONS.add(linear, "linear")


def get(identifier):
    """None or 'linear' -> identity; a Keras name -> the function; a callable as is."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str):
        return ACTIVATIONS[identifier]
    raise ValueError(f"activation must be a name, a callable or None, got {identifier!r}; "
                     f"names: {ACTIVATIONS.names()}")
