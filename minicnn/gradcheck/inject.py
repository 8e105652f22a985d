"""``inject_bug``: a backward made wrong on purpose, to see what ``gradcheck`` says about it."""

from contextlib import contextmanager

from ..autograd import Function

BUG_KINDS = ("scale", "drop")


def _perturbed(backward, input, kind, factor):
    def wrong_backward(self, *grads):
        result = backward(self, *grads)
        single = not isinstance(result, tuple)
        parts = list((result,) if single else result)
        if not 0 <= input < len(parts):
            raise ValueError(f"inject_bug: input must be in [0, {len(parts)}) for {type(self).__name__}, got {input}")
        if parts[input] is not None:
            parts[input] = parts[input] * 0 if kind == "drop" else parts[input] * factor
        return parts[0] if single else tuple(parts)

    wrong_backward.__name__ = wrong_backward.__qualname__ = f"wrong_{getattr(backward, '__name__', 'backward')}"
    return wrong_backward


@contextmanager
def inject_bug(function_class, input=0, kind="scale", factor=1.1):
    """Make ``function_class.backward`` wrong inside the ``with`` block; restored on exit, even on error.

    The gradient it returns for its input ``input`` is multiplied by ``factor`` (``kind="scale"``,
    default 1.1: a wrong constant) or replaced by zeros (``kind="drop"``: a forgotten term).
    Every instance of the class is affected while the block runs::

        with inject_bug(type(y.creator), input=1):
            print(mc.gradcheck(fn, x, w))    # input 1 MISMATCH, analytic = 1.1 x numeric
    """
    if not (isinstance(function_class, type) and issubclass(function_class, Function)):
        raise TypeError(f"inject_bug: function_class must be a Function subclass, got {function_class!r}")
    if kind not in BUG_KINDS:
        raise ValueError(f"inject_bug: kind must be one of {BUG_KINDS}, got {kind!r}")
    if not isinstance(input, int) or input < 0:
        raise ValueError(f"inject_bug: input must be a non-negative integer, got {input!r}")
    own = "backward" in function_class.__dict__
    original = function_class.__dict__.get("backward")
    function_class.backward = _perturbed(function_class.backward, input, kind, factor)
    try:
        yield function_class
    finally:
        if own:
            function_class.backward = original
        else:
            del function_class.backward
