"""``tf.function``, for code written for TensorFlow's graphs: minicnn runs eagerly, so it passes the
function through unchanged."""


def function(func=None, input_signature=None, autograph=True, jit_compile=None, reduce_retracing=False,
             experimental_implements=None, experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None, experimental_follow_type_hints=None):
    """Like ``tf.function``, used as ``@tf.function`` or ``@tf.function(jit_compile=True)``, but a
    pass-through: minicnn has no graph mode, so the decorated function is returned as it is and runs
    as written at every call (no tracing, no retracing: Python side effects such as ``print`` happen
    each time, as in TensorFlow's ``tf.config.run_functions_eagerly(True)``). The options are
    accepted and have nothing to change."""
    if func is None:
        return lambda fn: fn
    return func


__all__ = ["function"]
