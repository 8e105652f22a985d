"""Optimizers with the exact Keras 3 update equations and defaults.

``opt.apply_gradients(zip(grads, weights))`` updates each weight's array in place. ``t`` counts
from 1 at the first call. Each weight's state lives in named slots (``slot``), created on first
use with the value the optimizer's equations start from. Constants are cast to the weight's dtype.
``learning_rate`` may be a number or a callable of the iteration count (a schedule).

A new optimizer is a subclass with ``__init__`` (Keras' arguments and defaults) and
``update(weight, grad, lr)``; defining it registers its lower-case class name for
``compile(optimizer="name")``.
"""

import numpy as np

from .autograd import Tensor
from .backend import as_array, get_array_module, to_numpy, unwrap
from .registry import Registry, register_subclass

OPTIMIZERS = Registry("optimizer")


class Optimizer:
    aliases = ()  # Keras names besides the lower-case class name

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_subclass(OPTIMIZERS, cls, cls.__name__, *cls.aliases)

    def __init__(self, learning_rate, clipnorm=None, clipvalue=None, global_clipnorm=None, name=None):
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("give at most one of clipnorm, clipvalue and global_clipnorm")
        self.learning_rate = learning_rate
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.name = name or type(self).__name__
        self.iterations = 0
        self._state = {}

    def current_learning_rate(self):
        lr = self.learning_rate
        return float(lr(self.iterations) if callable(lr) else lr)

    def slot(self, weight, name, initial=0.0):
        """The named state array of ``weight``, filled with ``initial`` on first use; updated in place."""
        slots = self._state.setdefault(id(weight), {})
        if name not in slots:
            slots[name] = get_array_module(weight.data).full_like(weight.data, initial)
        return slots[name]

    # --- state, for checkpoints ------------------------------------------------------------
    def get_state(self, weights):
        """What resuming needs, as NumPy arrays: ``{"iterations": n, "slots": [{name: array}, ...]}``
        with one dict per weight of ``weights`` (in that order; empty before its first update)."""
        return {"iterations": self.iterations,
                "slots": [{name: to_numpy(a).copy() for name, a in self._state.get(id(w), {}).items()}
                          for w in weights]}

    def set_state(self, weights, state):
        """Restore ``get_state``'s result for the same ``weights``, checking every slot's shape first."""
        slots = state["slots"]
        if len(slots) != len(weights):
            raise ValueError(f"{self.name}.set_state: state for {len(slots)} weights, but {len(weights)} given")
        for k, (w, named) in enumerate(zip(weights, slots)):
            for name, value in named.items():
                if tuple(np.shape(value)) != w.shape:
                    raise ValueError(f"{self.name}.set_state: slot {name!r} of weight {k} ({w.name}) has shape "
                                     f"{np.shape(value)}, the weight {w.shape}")
        self.iterations = int(state["iterations"])
        self._state = {id(w): {name: as_array(value, dtype=w.dtype, device=w.device) for name, value in named.items()}
                       for w, named in zip(weights, slots) if named}

    def _clip(self, grads):
        xp = get_array_module(*grads)
        if self.clipvalue is not None:
            return [xp.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            return [g * min(1.0, self.clipnorm / max(float(xp.sqrt((g * g).sum())), 1e-30)) for g in grads]
        if self.global_clipnorm is not None:
            norm = float(np.sqrt(sum(float((g * g).sum()) for g in grads)))
            return [g * min(1.0, self.global_clipnorm / max(norm, 1e-30)) for g in grads]
        return grads

    def apply_gradients(self, grads_and_vars):
        """Apply one step: ``grads_and_vars`` is an iterable of (gradient, weight); None gradients are skipped."""
        pairs = [(g, w) for g, w in grads_and_vars if g is not None]
        for g, w in pairs:
            if not isinstance(w, Tensor):
                raise TypeError(f"{self.name}.apply_gradients: weights must be Tensors, got {type(w).__name__}")
            if tuple(np.shape(unwrap(g))) != w.shape:
                raise ValueError(f"{self.name}.apply_gradients: gradient shape {np.shape(unwrap(g))} != weight "
                                 f"{w.name or ''} shape {w.shape}")
        if not pairs:
            return
        grads = self._clip([unwrap(g).astype(w.dtype, copy=False) for g, w in pairs])
        lr = self.current_learning_rate()  # a schedule sees the count before the step, as in Keras
        self.iterations += 1
        for g, (_, w) in zip(grads, pairs):
            self.update(w, g, w.dtype.type(lr))

    def update(self, weight, grad, lr):
        raise NotImplementedError


class SGD(Optimizer):
    """No momentum: w -= lr·g.  Momentum: m = μ·m - lr·g; w += m.  Nesterov: w += μ·m - lr·g (new m)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum}")
        self.momentum, self.nesterov = momentum, nesterov

    def update(self, weight, grad, lr):
        w = weight.data
        if self.momentum == 0:
            w -= lr * grad
            return
        mu = w.dtype.type(self.momentum)
        m = self.slot(weight, "momentum")
        m *= mu
        m -= lr * grad
        w += mu * m - lr * grad if self.nesterov else m


class Adam(Optimizer):
    """α = lr·sqrt(1-β2ᵗ)/(1-β1ᵗ); m += (g-m)(1-β1); v += (g²-v)(1-β2); w -= α·m/(sqrt(v)+ε)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def update(self, weight, grad, lr):
        w, f = weight.data, weight.dtype.type
        xp = get_array_module(w)
        b1, b2, t = f(self.beta_1), f(self.beta_2), f(self.iterations)
        alpha = lr * xp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m, v = self.slot(weight, "m"), self.slot(weight, "v")
        m += (grad - m) * f(1 - self.beta_1)  # 1 - β in double precision, then cast, as Keras
        v += (grad * grad - v) * f(1 - self.beta_2)
        if self.amsgrad:
            v_hat = self.slot(weight, "v_hat")
            xp.maximum(v_hat, v, out=v_hat)
            v = v_hat
        w -= alpha * m / (xp.sqrt(v) + f(self.epsilon))


class RMSprop(Optimizer):
    """v = ρv + (1-ρ)g²; inc = lr·g/sqrt(v + ε) (centered: v - mg²); with momentum: mom = μ·mom + inc."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def update(self, weight, grad, lr):
        w, f = weight.data, weight.dtype.type
        xp = get_array_module(w)
        rho = f(self.rho)
        v = self.slot(weight, "velocity")
        v *= rho
        v += f(1 - self.rho) * grad * grad
        denominator = v
        if self.centered:
            mg = self.slot(weight, "average_gradient")
            mg *= rho
            mg += f(1 - self.rho) * grad
            denominator = v - mg * mg
        increment = lr * grad / xp.sqrt(denominator + f(self.epsilon))
        if self.momentum > 0:
            mom = self.slot(weight, "momentum")
            mom *= f(self.momentum)
            mom += increment
            increment = mom
        w -= increment


class Adagrad(Optimizer):
    """acc = acc + g² (acc starts at ``initial_accumulator_value``);  w -= lr·g / sqrt(acc + ε)."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def update(self, weight, grad, lr):
        w, f = weight.data, weight.dtype.type
        accumulator = self.slot(weight, "accumulator", initial=self.initial_accumulator_value)
        accumulator += grad * grad
        w -= lr * grad / get_array_module(w).sqrt(accumulator + f(self.epsilon))


def get(identifier):
    """An optimizer from a Keras name ('adam', 'sgd', 'rmsprop', ...) or an Optimizer instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return OPTIMIZERS[identifier]()
    raise ValueError(f"optimizer must be a name or an Optimizer, got {identifier!r}; names: {OPTIMIZERS.names()}")
