"""``tf.GradientTape`` over minicnn's autograd, and ``tf.UnconnectedGradients``.

minicnn records an operation whenever an input requires grad, tape or no tape; a tape only decides
what to differentiate. So a trainable ``Variable`` (which requires grad) is seen by every tape, and
``watch(t)`` makes a constant require grad while a tape that watches it is recording. One known
difference from TensorFlow follows: operations on tensors that require grad are recorded whether
or not a tape is open, so a gradient can reach through a computation done before the tape opened,
where TensorFlow's answer is None.

Gradients are first-order only: minicnn's backward passes compute on raw arrays and record no graph,
so a gradient of a gradient (a tape differentiating what another tape's ``gradient`` returned
while it was recording) raises a NotImplementedError instead of returning a wrong answer.
"""

import enum
import weakref

from .. import backend
from ..autograd import Tensor, backpropagate
from ..keras import _subset

_recording = []  # the tapes inside their `with` block, in the order they were entered
_live = weakref.WeakSet()  # the tapes that may still compute a gradient
_returned_while_recording = weakref.WeakValueDictionary()  # id -> gradient returned while another tape recorded
_switched_constants = weakref.WeakValueDictionary()  # id -> constant that watch() made require grad
_missing = _subset.missing("tf.GradientTape")


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on: None, or zeros."""

    NONE = "none"
    ZERO = "zero"


def _flatten(structure):
    """The tensors of a tensor, or of a nested list, tuple or dict of them, in order."""
    if isinstance(structure, (list, tuple)):
        return [t for item in structure for t in _flatten(item)]
    if isinstance(structure, dict):
        return [t for key in sorted(structure) for t in _flatten(structure[key])]
    return [structure]


def _pack(structure, flat):
    """``flat`` (an iterator) poured back into the nesting of ``structure``."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack(item, flat) for item in structure)
    if isinstance(structure, dict):
        packed = {key: _pack(structure[key], flat) for key in sorted(structure)}
        return {key: packed[key] for key in structure}
    return next(flat)


def _flatten_like(structure, values):
    """``values`` flattened along the nesting of ``structure`` (its leaves may be lists of numbers)."""
    if isinstance(structure, (list, tuple, dict)):
        if not isinstance(values, type(structure) if isinstance(structure, dict) else (list, tuple)) \
                or len(values) != len(structure):
            raise ValueError(f"GradientTape.gradient: output_gradients must have the nesting of target "
                             f"({len(structure)} items), got {values!r}")
        if isinstance(structure, dict):
            return [v for key in sorted(structure) for v in _flatten_like(structure[key], values[key])]
        return [v for s, item in zip(structure, values) for v in _flatten_like(s, item)]
    return [values]


def _check_tensors(tensors, what):
    for t in tensors:
        if not isinstance(t, Tensor):
            raise ValueError(f"GradientTape: {what} must be Tensors or Variables (or nested lists of them), "
                             f"got {type(t).__name__}")


def _depends_on_a_gradient(targets):
    """Whether a gradient returned while another tape recorded is among the inputs of ``targets``."""
    def handed_out(tensor):
        return _returned_while_recording.get(id(tensor)) is tensor

    if any(handed_out(t) for t in targets):
        return True
    stack, seen = [t.creator for t in targets if t.creator is not None], set()
    while stack:  # a handed-out gradient is a leaf, so it is kept by the edges that use it
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        for edge in getattr(fn, "inputs", ()):
            if edge.leaf is not None and handed_out(edge.leaf):
                return True
            if edge.creator is not None:
                stack.append(edge.creator)
    return False


class GradientTape:
    """Like ``tf.GradientTape(persistent=False, watch_accessed_variables=True)``: open it with
    ``with``, compute, then ``gradient(target, sources)``.

    - Trainable float Variables (and every tensor that requires grad, such as a model's weights)
      are seen without ``watch``; ``watch(t)`` adds a constant. With
      ``watch_accessed_variables=False`` only watched tensors (and what is computed from them)
      get gradients.
    - A non-persistent tape answers one ``gradient`` call; a persistent one any number.
    - Nested tapes differentiate different targets; see the module for second order.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed_variables = bool(watch_accessed_variables)
        self._watched = []   # tensors given to watch()
        self._switched = []  # of those, the constants this tape made require grad
        self._used = False
        self._overlapping = weakref.WeakSet()  # the tapes that recorded while this one did
        _live.add(self)

    def __getattr__(self, name):  # only for names the class lacks: outside the subset, say so
        return _missing(name)

    @property
    def _is_recording(self):
        return any(tape is self for tape in _recording)

    def __enter__(self):
        if self._is_recording:
            raise ValueError("GradientTape: this tape is already recording; a tape cannot be entered twice")
        for tape in _recording:
            tape._overlapping.add(self)
            self._overlapping.add(tape)
        _recording.append(self)
        return self

    def __exit__(self, *exc_info):
        _recording.remove(self)
        for tensor in self._switched:  # a watched constant stops requiring grad once no tape records it
            if not any(t is tensor for tape in _recording for t in tape._switched):
                tensor.requires_grad = False

    def watch(self, tensor):
        """Differentiate with respect to ``tensor`` (a Tensor, or a nested list of them) too; operations
        on it are recorded from now on, while this tape records. Integer tensors have no gradient."""
        tensors = _flatten(tensor)
        _check_tensors(tensors, "watched objects")
        if not self._is_recording:
            raise RuntimeError("GradientTape.watch: the tape is not recording; call watch inside its `with` block")
        for t in tensors:
            self._watched.append(t)
            constant = not t.requires_grad or _switched_constants.get(id(t)) is t
            if t.dtype.kind == "f" and t.is_leaf and constant:
                t.requires_grad = True
                self._switched.append(t)
                _switched_constants[id(t)] = t

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
        """d(target)/d(source) for each source, in the nesting of ``sources`` (a tensor, or nested
        lists, tuples or dicts of them): a Tensor of the source's shape and dtype, or None where the
        target does not depend on the source (zeros with ``unconnected_gradients="zero"``). Several
        targets (a list) are summed; ``output_gradients`` (one per target) weight them, as the
        upstream gradient of a ``backward`` pass; without it each target is weighted by ones."""
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of gradients; "
                               "use GradientTape(persistent=True) to call gradient() several times")
        try:
            unconnected = UnconnectedGradients(unconnected_gradients)
        except ValueError:
            raise ValueError(f"Unknown value for unconnected_gradients: {unconnected_gradients!r}; "
                             "expected 'none' or 'zero'") from None
        targets, flat_sources = _flatten(target), _flatten(sources)
        _check_tensors(targets, "targets")
        _check_tensors(flat_sources, "sources")
        seeds = self._output_gradients(target, output_gradients)
        if _returned_while_recording and _depends_on_a_gradient(targets):
            raise NotImplementedError(
                "GradientTape.gradient: the target depends on a gradient computed by another tape (a second-order "
                "gradient); minicnn computes first-order gradients only, as its backward passes record no graph")
        self._used = True
        if not self._persistent:
            _live.discard(self)
        found = self._backpropagate(targets, seeds, flat_sources)
        grads = [self._result(source, found.get(id(source)), unconnected) for source in flat_sources]
        return _pack(sources, iter(grads))

    def _output_gradients(self, target, output_gradients):
        """One upstream gradient per target tensor (ones where none is given)."""
        if isinstance(target, Tensor) and isinstance(output_gradients, (list, tuple)) and len(output_gradients) == 1 \
                and hasattr(output_gradients[0], "dtype"):
            output_gradients = output_gradients[0]  # [g] for a single target, as TensorFlow allows
        seeds = [None] * len(_flatten(target)) if output_gradients is None else _flatten_like(target, output_gradients)
        return [backend.get_array_module(t.data).ones_like(t.data) if g is None else backend.unwrap(g)
                for t, g in zip(_flatten(target), seeds)]

    def _backpropagate(self, targets, seeds, sources):
        """{id(source): (source, grad)} for the sources reached from the targets that require grad."""
        switched = [t for t in self._switched if not t.requires_grad]
        for t in switched:  # this tape's watched constants, stopped when it closed, count again
            t.requires_grad = True
        try:
            roots = [(t, g) for t, g in zip(targets, seeds) if t.requires_grad]
            if not roots:
                return {}
            # the graph is kept for a tape that recorded alongside this one and may still differentiate
            keep_graph = self._persistent or any(tape in _live for tape in self._overlapping)
            return backpropagate([t for t, _ in roots], [g for _, g in roots], retain_graph=keep_graph, keep=sources)
        finally:
            for t in switched:
                t.requires_grad = False

    def _result(self, source, entry, unconnected):
        unwatched = (not self._watch_accessed_variables and source.is_leaf
                     and not any(t is source for t in self._watched))
        if entry is None or unwatched:
            if unconnected is UnconnectedGradients.NONE:
                return None
            return Tensor(backend.get_array_module(source.data).zeros_like(source.data))
        if not any(tape is not self for tape in _recording):
            return Tensor(entry[1])
        # another tape records: it could differentiate this gradient, which minicnn cannot do (see module)
        grad = Tensor(entry[1], requires_grad=entry[1].dtype.kind == "f")
        _returned_while_recording[id(grad)] = grad
        return grad


__all__ = ["GradientTape", "UnconnectedGradients"]
