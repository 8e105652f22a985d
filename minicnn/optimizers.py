"""Optimizers with Keras 3's update equations, defaults and constant dtypes.

``opt.apply_gradients(zip(grads, weights))`` updates each weight's array in place. ``t`` counts
from 1 at the first call. Each weight's state lives in named slots (``slot``), created on first
use with the value the optimizer's equations start from; state of the optimizer as a whole (Nadam's
u_product) lives in ``scalar``. ``learning_rate`` may be a number, a schedule
(``optimizers.schedules``) or any callable of the iteration count.

One step, in Keras' order: clip the gradients; take the learning rate (a schedule sees the count
before the step); ``begin_step``; then for each weight with a gradient the decoupled weight decay
``w -= w·wd·lr`` (if ``weight_decay`` is set and the weight is not excluded) and the update.

Constants reach the weight's dtype as Keras sends them (trap T5 of the reference): the learning
rate is held in float32; ``ops.cast`` of a Python float (momentum, betas, weight decay) goes through
float32 (``cast``); a Python float combined with a tensor inside an op (``1 - beta``, epsilon) is
converted to the weight's dtype directly (``f = weight.dtype.type``). So float64 weights follow
Keras' float64 results, not those of exact double constants.

A new optimizer is a subclass with ``__init__`` (Keras' arguments and defaults) and
``update(weight, grad, lr)``; defining it registers its lower-case class name for
``compile(optimizer="name")``.
"""

import numbers
import re

import inspect
import warnings

import numpy as np

from . import schedules  # noqa: F401  (mc.optimizers.schedules, as keras.optimizers.schedules)
from .autograd import Tensor
from .backend import as_array, get_array_module, to_device, to_numpy, unwrap
from .registry import Registry, register_subclass
from .schedules import cast

OPTIMIZERS = Registry("optimizer")


def _takes_no_arguments(fn):
    try:
        return not inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False

_UNSUPPORTED = {  # Keras arguments minicnn refuses unless left at their defaults, and why
    "use_ema": "minicnn keeps no moving average of the weights",
    "loss_scale_factor": "minicnn's training loop does not scale the loss",
    "gradient_accumulation_steps": "minicnn updates the weights at every step",
}


class Optimizer:
    """The base of every optimizer: clipping, weight decay, learning rate (number or schedule),
    the step count, per-weight slots and optimizer-wide scalars, checkpoint state."""

    aliases = ()  # Keras names besides the lower-case class name
    scalar_names = ()  # names of the optimizer-wide scalars a resumed state must carry

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_subclass(OPTIMIZERS, cls, cls.__name__, *cls.aliases)

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, lr=None, decay=None):
        """``lr`` and ``decay`` are tf.keras 2's spellings, which the source material uses and Keras 3
        refuses: ``lr`` is the learning rate, ``decay`` d the legacy schedule lr / (1 + d·step) —
        both accepted with a warning that names the Keras 3 form."""
        owner = type(self).__name__
        if lr is not None:
            warnings.warn(f"{owner}(lr=...) is tf.keras 2's name; Keras 3 calls it learning_rate", DeprecationWarning,
                          stacklevel=3)
            learning_rate = lr
        if decay:
            warnings.warn(f"{owner}(decay={decay}) is tf.keras 2's learning-rate decay; in Keras 3 write "
                          f"learning_rate=InverseTimeDecay(lr, decay_steps=1, decay_rate={decay})", DeprecationWarning,
                          stacklevel=3)
            from .schedules import InverseTimeDecay
            learning_rate = InverseTimeDecay(learning_rate, decay_steps=1, decay_rate=decay)
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{owner}: give at most one of clipnorm, clipvalue and global_clipnorm, got "
                             f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        for argument, value in [("use_ema", use_ema), ("loss_scale_factor", loss_scale_factor),
                                ("gradient_accumulation_steps", gradient_accumulation_steps)]:
            if value not in (None, False):
                raise ValueError(f"{owner}: {argument}={value!r} is not supported ({_UNSUPPORTED[argument]}); "
                                 f"leave it at its default")
        if weight_decay is not None and (isinstance(weight_decay, bool)
                                         or not isinstance(weight_decay, numbers.Real)):
            raise TypeError(f"{owner}: weight_decay must be a float or None, got {weight_decay!r}")
        self.learning_rate, self.weight_decay = learning_rate, weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema, self.ema_momentum, self.ema_overwrite_frequency = use_ema, ema_momentum, ema_overwrite_frequency
        self.loss_scale_factor, self.gradient_accumulation_steps = loss_scale_factor, gradient_accumulation_steps
        self.name = name or owner
        self.iterations = 0
        self._state, self._scalars = {}, {}
        self.exclude_from_weight_decay()

    # --- learning rate and weight decay --------------------------------------------------------
    def _learning_rate_value(self):
        """The coming step's learning rate as Keras holds it: a number in a float32 variable, a
        schedule's (or callable's) value as returned; ``cast`` then takes it to each weight's dtype."""
        lr = self.learning_rate
        if not callable(lr):
            return np.float32(lr)
        return lr() if _takes_no_arguments(lr) else lr(self.iterations)  # Keras calls a plain callable bare

    def current_learning_rate(self):
        """The learning rate the next step will use, as a float."""
        return float(self._learning_rate_value())

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Keep weight decay off the weights in ``var_list`` and off every weight whose name matches
        one of the regular expressions in ``var_names`` (``re.search`` on the last part of the name,
        Keras' variable name: ``["bias"]`` matches ``"dense/bias"``). A call replaces earlier ones."""
        if isinstance(var_names, str):
            raise TypeError(f"{self.name}.exclude_from_weight_decay: var_names must be a list of strings, "
                            f"got the string {var_names!r} (write [{var_names!r}])")
        self._excluded_ids = {id(w) for w in var_list or ()}
        self._excluded_names = re.compile("|".join(var_names)) if var_names else None

    def _uses_weight_decay(self, weight):
        if self.weight_decay is None or id(weight) in self._excluded_ids:
            return False
        short_name = (weight.name or "").rsplit("/", 1)[-1]
        return self._excluded_names is None or self._excluded_names.search(short_name) is None

    def _decay_weight(self, weight, lr):
        """Decoupled weight decay, before the update and with the same learning rate: w -= w·wd·lr."""
        w = weight.data
        w -= w * cast(self.weight_decay, w.dtype) * cast(lr, w.dtype)

    # --- state ---------------------------------------------------------------------------------
    def slot(self, weight, name, initial=0.0):
        """The named state array of ``weight``, filled with ``initial`` on first use; updated in place."""
        slots = self._state.setdefault(id(weight), {})
        if name not in slots:
            slots[name] = get_array_module(weight.data).full_like(weight.data, initial)
        return slots[name]

    def to(self, device):
        """Move the per-weight state (momenta, moments) to 'cpu' or 'gpu', where its weights went
        (``model.to`` calls it); the optimizer-wide scalars stay NumPy numbers. Returns the optimizer."""
        self._state = {key: {name: to_device(a, device) for name, a in slots.items()}
                       for key, slots in self._state.items()}
        return self

    def scalar(self, name, initial, dtype):
        """The named optimizer-wide state (one number, not one per weight), a NumPy 0-d array of
        ``dtype`` holding ``initial`` on first use; update it in place (``u[...] = ...``)."""
        if name not in self._scalars:
            self._scalars[name] = np.array(initial, dtype=dtype)
        return self._scalars[name]

    def get_state(self, weights):
        """What resuming needs, as NumPy arrays: ``{"class": "Adam", "iterations": n, "slots":
        [{name: array}, ...], "scalars": {name: 0-d array}}`` with one slot dict per weight of
        ``weights`` (in that order; empty before its first update); the scalars keep their dtype."""
        return {"class": type(self).__name__, "iterations": self.iterations,
                "slots": [{name: to_numpy(a).copy() for name, a in self._state.get(id(w), {}).items()}
                          for w in weights],
                "scalars": {name: value.copy() for name, value in self._scalars.items()}}

    def check_state(self, weights, state):
        """Raise a ValueError if ``state`` (from ``get_state``) cannot be restored into this optimizer for
        ``weights``: another optimizer's, slots of other shapes, a missing scalar."""
        kind = state.get("class", type(self).__name__)
        if kind != type(self).__name__:
            raise ValueError(f"{self.name}: the saved optimizer state is {kind}'s, this optimizer is a "
                             f"{type(self).__name__}; compile with {kind} to resume, or load the weights alone")
        slots, scalars = state["slots"], state.get("scalars", {})
        if len(slots) != len(weights):
            raise ValueError(f"{self.name}.set_state: state for {len(slots)} weights, but {len(weights)} given")
        for k, (w, named) in enumerate(zip(weights, slots)):
            for name, value in named.items():
                if tuple(np.shape(value)) != w.shape:
                    raise ValueError(f"{self.name}.set_state: slot {name!r} of weight {k} ({w.name}) has shape "
                                     f"{np.shape(value)}, the weight {w.shape}")
        for name, value in scalars.items():
            if np.ndim(value) != 0:
                raise ValueError(f"{self.name}.set_state: scalar {name!r} must be one number, got shape "
                                 f"{np.shape(value)}")
        missing = [name for name in self.scalar_names if name not in scalars]
        if int(state["iterations"]) > 0 and missing:
            raise ValueError(f"{self.name}.set_state: a state after {int(state['iterations'])} steps must hold the "
                             f"scalar {missing[0]!r}, got scalars {sorted(scalars)} (another optimizer's state?)")

    def set_state(self, weights, state):
        """Restore ``get_state``'s result for the same ``weights``, after ``check_state`` (a state
        without ``"scalars"``, as older checkpoints, has none)."""
        self.check_state(weights, state)
        slots, scalars = state["slots"], state.get("scalars", {})
        self.iterations = int(state["iterations"])
        self._state = {id(w): {name: as_array(value, dtype=w.dtype, device=w.device) for name, value in named.items()}
                       for w, named in zip(weights, slots) if named}
        self._scalars = {name: np.array(value) for name, value in scalars.items()}

    # --- one step ------------------------------------------------------------------------------
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
        grads_and_vars = list(grads_and_vars)
        pairs = [(g, w) for g, w in grads_and_vars if g is not None]
        for g, w in pairs:
            if not isinstance(w, Tensor):
                raise TypeError(f"{self.name}.apply_gradients: weights must be Tensors, got {type(w).__name__}")
            if tuple(np.shape(unwrap(g))) != w.shape:
                raise ValueError(f"{self.name}.apply_gradients: gradient shape {np.shape(unwrap(g))} != weight "
                                 f"{w.name or ''} shape {w.shape}")
        if not pairs:
            return
        # each gradient in its weight's dtype and on its device (NumPy gradients of GPU weights are moved)
        grads = self._clip([as_array(unwrap(g), dtype=w.dtype, device=w.device) for g, w in pairs])
        lr = self._learning_rate_value()  # a schedule sees the count before the step, as in Keras
        self.iterations += 1
        self.begin_step([w for _, w in grads_and_vars])
        for g, (_, w) in zip(grads, pairs):
            if self._uses_weight_decay(w):
                self._decay_weight(w, lr)
            self.update(w, g, cast(lr, w.dtype))
            w.bump_version()  # the weight changed in place: graphs built before this step must not reuse it

    def begin_step(self, weights):
        """Called once a step, after ``iterations`` moved and before the first update, with every
        weight of the call (those without a gradient too, as Keras builds on them); nothing by default."""

    def update(self, weight, grad, lr):
        raise NotImplementedError


class SGD(Optimizer):
    """No momentum: w -= g·lr.  Momentum: m = m·μ - g·lr; w += m.  Nesterov: w += m·μ - g·lr (new m)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum}")
        self.momentum, self.nesterov = momentum, nesterov

    def update(self, weight, grad, lr):
        w = weight.data
        if self.momentum == 0:
            w -= grad * lr
            return
        mu = cast(self.momentum, w.dtype)
        m = self.slot(weight, "momentum")
        m *= mu
        m -= grad * lr
        w += m * mu - grad * lr if self.nesterov else m


class Adam(Optimizer):
    """α = lr·sqrt(1-β2ᵗ)/(1-β1ᵗ); m += (g-m)(1-β1); v += (g²-v)(1-β2); w -= α·m/(sqrt(v)+ε).
    amsgrad: v̂ = max(v̂, v) replaces v in the last step."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def update(self, weight, grad, lr):
        w, f = weight.data, weight.dtype.type
        xp = get_array_module(w)
        b1, b2, t = cast(self.beta_1, w.dtype), cast(self.beta_2, w.dtype), f(self.iterations)
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m, v = self.slot(weight, "m"), self.slot(weight, "v")
        m += (grad - m) * f(1 - self.beta_1)  # 1 - β in double precision, then converted, as Keras
        v += (grad * grad - v) * f(1 - self.beta_2)
        if self.amsgrad:
            v_hat = self.slot(weight, "v_hat")
            xp.maximum(v_hat, v, out=v_hat)
            v = v_hat
        w -= m * alpha / (xp.sqrt(v) + f(self.epsilon))


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004): w -= w·wd·lr before each Adam update."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a float, got None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)


class Nadam(Optimizer):
    """Adam with Nesterov momentum and a momentum schedule μₜ = β1·(1 - ½·0.96ᵗ). The optimizer-wide
    product Πₜ = μ₁···μₜ (``u_product``, a scalar) moves once a step, before the updates; then
    m += (g-m)(1-β1); v += (g²-v)(1-β2);
    m̂ = μₜ₊₁·m/(1 - Πₜ·μₜ₊₁) + (1-μₜ)·g/(1 - Πₜ); v̂ = v/(1-β2ᵗ); w -= m̂·lr/(sqrt(v̂)+ε)."""

    scalar_names = ("u_product",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def begin_step(self, weights):
        # in the dtype of the first weight, with β1 and 0.96 converted directly (unlike update's casts)
        u_product = self.scalar("u_product", 1.0, weights[0].dtype)
        f = u_product.dtype.type
        u_product[...] = u_product * f(self.beta_1) * (f(1.0) - f(0.5) * f(0.96) ** f(self.iterations))

    def update(self, weight, grad, lr):
        w, f = weight.data, weight.dtype.type
        xp = get_array_module(w)
        t, decay = f(self.iterations), cast(0.96, w.dtype)
        b1, b2 = cast(self.beta_1, w.dtype), cast(self.beta_2, w.dtype)
        mu_t = b1 * (f(1.0) - f(0.5) * decay ** t)
        mu_next = b1 * (f(1.0) - f(0.5) * decay ** f(self.iterations + 1))
        u_product = f(self.scalar("u_product", 1.0, w.dtype))
        u_product_next = u_product * mu_next
        m, v = self.slot(weight, "m"), self.slot(weight, "v")
        m += (grad - m) * (1 - b1)
        v += (grad * grad - v) * (1 - b2)
        m_hat = mu_next * m / (1 - u_product_next) + (1 - mu_t) * grad / (1 - u_product)
        v_hat = v / (1 - b2 ** t)
        w -= m_hat * lr / (xp.sqrt(v_hat) + f(self.epsilon))


class Adamax(Optimizer):
    """Adam with the infinity norm: m += (g-m)(1-β1); u = max(β2·u, |g|); w -= lr·m / ((1-β1ᵗ)(u+ε))."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def update(self, weight, grad, lr):
        w, f = weight.data, weight.dtype.type
        xp = get_array_module(w)
        b1_power = cast(self.beta_1, w.dtype) ** f(self.iterations)
        m, u = self.slot(weight, "m"), self.slot(weight, "u")
        m += (grad - m) * f(1 - self.beta_1)
        xp.maximum(f(self.beta_2) * u, xp.abs(grad), out=u)
        w -= lr * m / ((1 - b1_power) * (u + f(self.epsilon)))


class Adadelta(Optimizer):
    """a = ρa + (1-ρ)g²; Δ = -sqrt(d + ε)·g / sqrt(a + ε); d = ρd + (1-ρ)Δ²; w += lr·Δ."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def update(self, weight, grad, lr):
        w, f = weight.data, weight.dtype.type
        xp = get_array_module(w)
        rho, eps = f(self.rho), f(self.epsilon)
        accumulated_grad = self.slot(weight, "accumulated_grad")
        accumulated_delta = self.slot(weight, "accumulated_delta_var")
        accumulated_grad *= rho
        accumulated_grad += f(1 - self.rho) * (grad * grad)
        delta = -(xp.sqrt(accumulated_delta + eps) * grad / xp.sqrt(accumulated_grad + eps))
        accumulated_delta *= rho
        accumulated_delta += f(1 - self.rho) * (delta * delta)
        w += lr * delta


class Lion(Optimizer):
    """w -= lr·sign(β1·m + (1-β1)·g); then m = β2·m + (1-β2)·g."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not 0 < beta_1 <= 1:
            raise ValueError(f"Lion: beta_1 must be in (0, 1] (at 0 Lion is sign SGD), got {beta_1}")
        self.beta_1, self.beta_2 = beta_1, beta_2

    def update(self, weight, grad, lr):
        w = weight.data
        xp = get_array_module(w)
        b1, b2 = cast(self.beta_1, w.dtype), cast(self.beta_2, w.dtype)
        m = self.slot(weight, "momentum")
        w -= lr * xp.sign(m * b1 + grad * (1 - b1))
        m *= b2
        m += grad * (1 - b2)


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
        v += f(1 - self.rho) * (grad * grad)
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
        accumulator = self.slot(weight, "accumulator", initial=cast(self.initial_accumulator_value, w.dtype))
        accumulator += grad * grad
        w -= lr * grad / get_array_module(w).sqrt(accumulator + f(self.epsilon))


class Ftrl(Optimizer):
    """Follow the regularized leader. With p = -learning_rate_power, n the squared-gradient sum
    (starting at ``initial_accumulator_value``) and z the linear term:
    n' = n + g²; z += g + 2·l2_shrinkage·w - (n'ᵖ - nᵖ)/lr · w; q = n'ᵖ/lr + 2·(l2 + β/(2·lr));
    w = (clip(z, -l1, l1) - z) / q; n = n'."""

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        for argument, value in [("initial_accumulator_value", initial_accumulator_value),
                                ("l1_regularization_strength", l1_regularization_strength),
                                ("l2_regularization_strength", l2_regularization_strength),
                                ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)]:
            if value < 0:
                raise ValueError(f"Ftrl: {argument} must be >= 0, got {value}")
        if learning_rate_power > 0:
            raise ValueError(f"Ftrl: learning_rate_power must be <= 0, got {learning_rate_power}")
        self.learning_rate_power, self.initial_accumulator_value = learning_rate_power, initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def update(self, weight, grad, lr):
        w, f = weight.data, weight.dtype.type
        xp = get_array_module(w)
        power, l1 = f(-self.learning_rate_power), f(self.l1_regularization_strength)
        l2 = f(self.l2_regularization_strength) + f(self.beta) / (f(2.0) * lr)
        accumulator = self.slot(weight, "accumulator", initial=cast(self.initial_accumulator_value, w.dtype))
        linear = self.slot(weight, "linear")
        new_accumulator = accumulator + grad * grad
        grad_with_shrinkage = grad + f(2 * self.l2_shrinkage_regularization_strength) * w
        linear += grad_with_shrinkage - (new_accumulator ** power - accumulator ** power) / lr * w
        quadratic = new_accumulator ** power / lr + f(2) * l2
        w[...] = (xp.clip(linear, -l1, l1) - linear) / quadratic
        accumulator[...] = new_accumulator


def get(identifier):
    """An optimizer from a Keras name ('adam', 'sgd', 'rmsprop', ...) or an Optimizer instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return OPTIMIZERS[identifier]()
    raise ValueError(f"optimizer must be a name or an Optimizer, got {identifier!r}; names: {OPTIMIZERS.names()}")
