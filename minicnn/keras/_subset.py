"""The one rule of minicnn's TensorFlow and Keras namespaces: a name outside the subset fails at once.

``missing(namespace)`` makes a module ``__getattr__`` whose AttributeError names the attribute and
where the subset is listed, instead of a silent stand-in that would do something else.
"""

DOC = "docs/tf_compat.md"


def missing(namespace):
    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"{namespace}.{name} is not in minicnn's TensorFlow/Keras subset ({DOC} lists what is); "
                             "minicnn maps the names the source material and common TF 2 tutorials use")
    return __getattr__
