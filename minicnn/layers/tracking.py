"""Layers are tracked wherever a layer keeps them, as in Keras 3.

An attribute that holds a layer, or a list, tuple or dict holding layers (nested, filled before or
after the assignment), makes those layers sublayers of its owner, in the order they were put
there: their weights become the owner's weights and ``fit`` trains them. Lists and dicts assigned
to a layer's attributes are replaced by ``TrackedList`` / ``TrackedDict``, which behave like
``list`` / ``dict`` and tell their owner what goes in and what comes out.
"""


def adopt(value, owner):
    """``value`` as the owner keeps it: lists and dicts wrapped, every layer inside tracked."""
    if type(value) is list:
        return TrackedList(value, owner)
    if type(value) is dict:
        return TrackedDict(value, owner)
    if isinstance(value, tuple):
        for item in value:
            adopt(item, owner)
    else:
        owner._track(value)
    return value


def layers_in(value):
    """The layers held in ``value`` (a layer, or containers of them, nested)."""
    if isinstance(value, (list, tuple)):
        return [layer for item in value for layer in layers_in(item)]
    if isinstance(value, dict):
        return [layer for item in value.values() for layer in layers_in(item)]
    return [value] if hasattr(value, "_track") else []


class TrackedList(list):
    """A list whose layers (and nested lists' and dicts' layers) belong to ``owner``."""

    def __init__(self, items, owner):
        self._owner = owner
        super().__init__(adopt(item, owner) for item in items)

    def _released(self, removed):
        for layer in layers_in(removed):
            self._owner._untrack(layer)

    def append(self, item):
        super().append(adopt(item, self._owner))

    def extend(self, items):
        super().extend([adopt(item, self._owner) for item in items])

    def insert(self, index, item):
        super().insert(index, adopt(item, self._owner))

    def __iadd__(self, items):
        self.extend(items)
        return self

    def __setitem__(self, index, value):
        removed = self[index]
        if isinstance(index, slice):
            value = [adopt(item, self._owner) for item in value]
        else:
            value = adopt(value, self._owner)
        super().__setitem__(index, value)
        self._released(removed)

    def __delitem__(self, index):
        removed = self[index]
        super().__delitem__(index)
        self._released(removed)

    def pop(self, index=-1):
        removed = super().pop(index)
        self._released(removed)
        return removed

    def remove(self, item):
        super().remove(item)
        self._released(item)

    def clear(self):
        removed = list(self)
        super().clear()
        self._released(removed)


class TrackedDict(dict):
    """A dict whose layer values (and nested containers' layers) belong to ``owner``."""

    def __init__(self, items, owner):
        self._owner = owner
        super().__init__((key, adopt(value, owner)) for key, value in items.items())

    def _released(self, removed):
        for layer in layers_in(removed):
            self._owner._untrack(layer)

    def __setitem__(self, key, value):
        removed = self.get(key)
        super().__setitem__(key, adopt(value, self._owner))
        self._released(removed)

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def __delitem__(self, key):
        removed = self[key]
        super().__delitem__(key)
        self._released(removed)

    def pop(self, key, *default):
        removed = super().pop(key, *default)
        self._released(removed)
        return removed

    def popitem(self):
        key, removed = super().popitem()
        self._released(removed)
        return key, removed

    def clear(self):
        removed = list(self.values())
        super().clear()
        self._released(removed)
