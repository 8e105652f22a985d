"""BatchNormalization, LayerNormalization and GroupNormalization (instance norm with groups=-1), as tf.keras."""

import numpy as np

from ..autograd import no_grad
from ..ops.math import normalize_axes, reshape
from ..ops.norm import batch_normalization, fused_batch_norm, moments
from .base import Layer, positive_int


def _axes(axis, ndim, name):
    return normalize_axes(axis, ndim, f"{name}: axis")


class BatchNormalization(Layer):
    """Weights, in Keras' order: gamma (if scale), beta (if center), moving_mean, moving_variance.

    training=True: normalise with the batch's mean and biased variance and update
    ``moving = moving·momentum + batch·(1 - momentum)``; otherwise (and always when the layer is
    frozen with ``trainable = False``) normalise with the moving statistics.

    Args:
        axis: the channel axis (or axes) kept; statistics run over all others (default -1).
        momentum: of the moving statistics (default 0.99).
        epsilon: added to the variance (default 1e-3).
        center, scale: learn beta / gamma (default True).
        beta_initializer, gamma_initializer: defaults "zeros" and "ones".
        moving_mean_initializer, moving_variance_initializer: defaults "zeros" and "ones".
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 **kwargs):
        super().__init__(**kwargs)
        self.axis, self.momentum, self.epsilon, self.center, self.scale = axis, momentum, epsilon, center, scale
        self.initializers = dict(beta=beta_initializer, gamma=gamma_initializer, moving_mean=moving_mean_initializer,
                                 moving_variance=moving_variance_initializer)

    def build(self, input_shape):
        self.channel_axis = _axes(self.axis, len(input_shape), self.name)
        self.reduce_axes = tuple(i for i in range(len(input_shape)) if i not in self.channel_axis)
        shape = tuple(input_shape[i] for i in self.channel_axis)
        if None in shape:
            raise ValueError(f"{self.name}: the normalised axis must have a known size, got input {input_shape}")
        init = self.initializers
        self.gamma = self.add_weight(shape=shape, initializer=init["gamma"], name="gamma") if self.scale else None
        self.beta = self.add_weight(shape=shape, initializer=init["beta"], name="beta") if self.center else None
        self.moving_mean = self.add_weight(shape=shape, initializer=init["moving_mean"], trainable=False,
                                           name="moving_mean")
        self.moving_variance = self.add_weight(shape=shape, initializer=init["moving_variance"], trainable=False,
                                               name="moving_variance")

    def _broadcast(self, t, ndim):
        if t is None:
            return None
        shape = [1] * ndim
        for k, axis in enumerate(self.channel_axis):
            shape[axis] = t.shape[k]
        return reshape(t, shape)

    def call(self, inputs, training=None):
        if training and self.trainable:
            return self._train(inputs)
        ndim = inputs.ndim
        return batch_normalization(inputs, self._broadcast(self.moving_mean, ndim),
                                   self._broadcast(self.moving_variance, ndim), self._broadcast(self.beta, ndim),
                                   self._broadcast(self.gamma, ndim), self.epsilon)

    def _train(self, inputs):
        ones = np.ones(self.moving_mean.shape, dtype=inputs.dtype)
        scale = self.gamma if self.gamma is not None else ones
        offset = self.beta if self.beta is not None else ones * 0
        y, mean, variance = fused_batch_norm(inputs, scale, offset, self.reduce_axes, self.epsilon)
        with no_grad():
            for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
                moving.assign(moving.data * self.momentum + batch * (1 - self.momentum))
        return y


class LayerNormalization(Layer):
    """Per-sample mean and biased variance over ``axis``; gamma and beta shaped like those axes.

    Args:
        axis: the axis or axes normalised over (default -1).
        epsilon: added to the variance (default 1e-3).
        center, scale: learn beta / gamma (default True).
        beta_initializer, gamma_initializer: defaults "zeros" and "ones".
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        self.axis, self.epsilon, self.center, self.scale = axis, epsilon, center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer

    def build(self, input_shape):
        self.norm_axes = _axes(self.axis, len(input_shape), self.name)
        shape = tuple(input_shape[i] for i in self.norm_axes)
        self.weight_shape = tuple(input_shape[i] if i in self.norm_axes else 1 for i in range(len(input_shape)))
        self.gamma = (self.add_weight(shape=shape, initializer=self.gamma_initializer, name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight(shape=shape, initializer=self.beta_initializer, name="beta")
                     if self.center else None)

    def call(self, inputs):
        mean, variance = moments(inputs, self.norm_axes, keepdims=True)
        gamma = None if self.gamma is None else reshape(self.gamma, self.weight_shape)
        beta = None if self.beta is None else reshape(self.beta, self.weight_shape)
        return batch_normalization(inputs, mean, variance, beta, gamma, self.epsilon)


class GroupNormalization(Layer):
    """Channels split into ``groups`` contiguous groups; statistics per sample and group over the
    spatial axes and the group's channels. ``groups=-1`` (one channel per group) is instance norm.

    Args:
        groups: positive int dividing the channels, or -1 (default 32).
        axis: the channel axis (default -1).
        epsilon: added to the variance (default 1e-3).
        center, scale: learn beta / gamma (default True).
        beta_initializer, gamma_initializer: defaults "zeros" and "ones".
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if groups != -1:
            positive_int(groups, "groups", "GroupNormalization")
        self.groups, self.axis, self.epsilon, self.center, self.scale = groups, axis, epsilon, center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer

    def build(self, input_shape):
        (self.channel_axis,) = _axes(self.axis, len(input_shape), self.name)
        channels = input_shape[self.channel_axis]
        groups = channels if self.groups == -1 else self.groups
        if groups <= 0 or channels % groups:
            raise ValueError(f"{self.name}: {channels} channels cannot be split into groups={self.groups}")
        self.group_count = groups
        self.gamma = (self.add_weight(shape=(channels,), initializer=self.gamma_initializer, name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight(shape=(channels,), initializer=self.beta_initializer, name="beta")
                     if self.center else None)

    def call(self, inputs):
        shape, axis, groups = inputs.shape, self.channel_axis, self.group_count
        grouped_shape = shape[:axis] + (groups, shape[axis] // groups) + shape[axis + 1:]
        grouped = reshape(inputs, grouped_shape)
        reduce_axes = tuple(i for i in range(1, len(grouped_shape)) if i != axis)
        mean, variance = moments(grouped, reduce_axes, keepdims=True)
        weight_shape = [1] * len(grouped_shape)
        weight_shape[axis], weight_shape[axis + 1] = groups, shape[axis] // groups
        gamma = None if self.gamma is None else reshape(self.gamma, weight_shape)
        beta = None if self.beta is None else reshape(self.beta, weight_shape)
        return reshape(batch_normalization(grouped, mean, variance, beta, gamma, self.epsilon), shape)


__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization"]
