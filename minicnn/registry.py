"""Names that resolve to objects: one table per kind, filled where each object is defined.

``compile("adam", "mse", metrics=["accuracy"])``, ``Dense(activation="relu")`` and loading a saved
model all turn a Keras name into an object. Each kind (optimizer, loss, metric, layer, activation,
initializer) has one ``Registry``; a class joins its kind's table by being defined (the base
classes register their subclasses in ``__init_subclass__``), so adding one is a change in one place.
"""

import importlib
import re


def snake_case(name):
    """Keras' name rule: Dense -> dense, Conv2D -> conv2d, KLDivergence -> kl_divergence, <lambda> -> lambda."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Registry:
    """A table of names for one ``kind`` of object, with Keras' lookup rules and clear errors."""

    def __init__(self, kind, case_sensitive=False):
        self.kind, self.case_sensitive = kind, case_sensitive
        self.entries = {}

    def _key(self, name):
        return name if self.case_sensitive else name.lower()

    def add(self, value, *names):
        """Register ``value`` under each of ``names``; a name already taken by another value is an error."""
        for name in names:
            key = self._key(name)
            if key in self.entries and self.entries[key] is not value:
                raise ValueError(f"{self.kind} name {name!r} is registered twice "
                                 f"({self.entries[key]!r} and {value!r})")
            self.entries[key] = value
        return value

    def __contains__(self, name):
        return isinstance(name, str) and self._key(name) in self.entries

    def __getitem__(self, name):
        if name not in self:
            raise ValueError(f"unknown {self.kind} {name!r}; expected one of {self.names()}")
        return self.entries[self._key(name)]

    def names(self):
        return sorted(self.entries)


def reexport(namespace, package, modules):
    """Copy the public names (each module's ``__all__``) of ``package``'s ``modules`` into
    ``namespace`` (a module's ``globals()``); return the names, in order. Two modules exporting
    the same name is an error, so no export silently hides another."""
    names = []
    for module_name in modules:
        module = importlib.import_module(f"{package}.{module_name}")
        for name in module.__all__:
            if name in names:
                raise ImportError(f"{package}.{module_name} exports {name!r}, which another module already exports")
            namespace[name] = getattr(module, name)
            names.append(name)
    return names


def register_subclass(registry, cls, *names):
    """For a base class's ``__init_subclass__``: put minicnn's own public subclasses in ``registry``
    under ``names``. Private helpers (``_Conv``) and users' subclasses are left out: a user's
    class named like a built-in must not change what the built-in name means; users add theirs
    with ``registry.add(cls, name)``."""
    if cls.__module__.startswith("minicnn.") and not cls.__name__.startswith("_"):
        registry.add(cls, *names)
