"""Activation functions by Keras name, for the ``activation=`` argument of layers."""

from .ops import activation as act


def linear(x):
    return x


def softmax(x):
    return act.softmax(x, axis=-1)


_BY_NAME = {
    "linear": linear, "relu": act.relu, "sigmoid": act.sigmoid, "tanh": act.tanh,
    "softmax": softmax, "log_softmax": act.log_softmax, "leaky_relu": act.leaky_relu,
}


def get(identifier):
    """None or 'linear' -> identity; a Keras name -> the function; a callable as is."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]
    raise ValueError(f"unknown activation {identifier!r}; expected one of {sorted(_BY_NAME)} or a callable")
