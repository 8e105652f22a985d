"""Merge layers of the Functional API: Concatenate, Add, Subtract, Multiply, Average."""

from functools import reduce

from ..ops.math import add as add_op, concat, mul, sub
from .base import Layer


class _Merge(Layer):
    """Combines a list of same-shaped tensors (Concatenate: same shape except ``axis``)."""

    least = 2

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < self.least:
            raise ValueError(f"{self.name}: expects a list of at least {self.least} tensors, got {inputs!r}")
        return self.merge(list(inputs))


class Concatenate(_Merge):
    """Joins a list of tensors along ``axis`` (their other sizes must agree).

    Args:
        axis: the axis joined along (default -1, the channels).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def merge(self, tensors):
        return concat(tensors, self.axis)


class Add(_Merge):
    """The elementwise sum of a list of same-shaped tensors (a residual connection)."""

    def merge(self, tensors):
        return reduce(add_op, tensors)


class Subtract(_Merge):
    """The first of two same-shaped tensors minus the second."""

    def merge(self, tensors):
        if len(tensors) != 2:
            raise ValueError(f"{self.name}: expects exactly 2 tensors, got {len(tensors)}")
        return sub(*tensors)


class Multiply(_Merge):
    """The elementwise product of a list of same-shaped tensors."""

    def merge(self, tensors):
        return reduce(mul, tensors)


class Average(_Merge):
    """The elementwise mean of a list of same-shaped tensors."""

    def merge(self, tensors):
        return reduce(add_op, tensors) * (1.0 / len(tensors))


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


__all__ = [
    "Concatenate", "Add", "Subtract", "Multiply", "Average", "concatenate", "add", "subtract", "multiply", "average",
]
