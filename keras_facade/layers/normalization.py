"""BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization and
RMSNormalization."""
import math

import autograd_core as ag

from .. import config, constraints, initializers, legacy, regularizers
from .base import InputSpec, Layer


def _axes(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)


class _Normalization(Layer):
    """What both normalizations share: ``axis``, ``epsilon`` and the optional per-feature scale
    (gamma) and offset (beta) with their initializers, regularizers and constraints."""

    def _set_affine_args(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint):
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def _build_affine(self, input_shape):
        """Resolve the feature axes, create gamma and beta; returns the per-feature shape."""
        rank = len(input_shape)
        self._feature_axes = tuple(sorted(a % rank for a in _axes(self.axis)))
        shape = tuple(input_shape[a] for a in self._feature_axes)
        if any(d is None for d in shape):
            raise ValueError(f"Layer \"{self.name}\": axis {self.axis} of the input should have a "
                             f"defined dimension, got input shape {input_shape}")
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        return shape

    def _broadcast(self, t, rank):
        """A per-feature tensor shaped to broadcast against the input."""
        axes = self._feature_axes
        if t is None or axes == tuple(range(rank - len(axes), rank)):
            return t
        shape = [1] * rank
        for i, a in enumerate(axes):
            shape[a] = t.shape[i]
        return ag.reshape(t, tuple(shape))

    def compute_output_shape(self, input_shape):
        return input_shape

    def _affine_config(self):
        s = initializers.serialize
        return dict(axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale,
                    beta_initializer=s(self.beta_initializer),
                    gamma_initializer=s(self.gamma_initializer),
                    beta_regularizer=regularizers.serialize(self.beta_regularizer),
                    gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
                    beta_constraint=constraints.serialize(self.beta_constraint),
                    gamma_constraint=constraints.serialize(self.gamma_constraint))


def _masked_moments(inputs, mask, reduce):
    """Mean and (biased) variance over the unmasked positions, as Keras: the mask (inputs' shape
    without the last axis) weights each position; sums are divided by the count plus 1e-7."""
    w = ag.broadcast_to(ag.expand_dims(ag.cast(mask, inputs.dtype), -1), inputs.shape)
    count = ag.sum(w, reduce)
    weighted = w * inputs
    mean = ag.sum(weighted, reduce) / (count + 1e-7)
    centered = weighted - ag.reshape(mean, [1 if a in reduce else n for a, n in
                                            enumerate(inputs.shape)])
    var = ag.sum(w * centered * centered, reduce) / (count + 1e-7)
    return mean, var, int(round(float(ag.max(count).item())))


class BatchNormalization(_Normalization):
    """Normalize with the batch statistics while training (and update the moving ones:
    ``moving = moving·momentum + batch·(1 - momentum)``), with the moving statistics otherwise.

    Keras 3 semantics: the moving variance is fed the biased batch variance, and a layer with
    ``trainable=False`` runs in inference mode; the keras2 profile restores Keras 2's n/(n-1)
    correction and batch statistics for frozen layers (see ``config.DEFAULTS``).
    """

    @legacy.interface("BatchNormalization")
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self._set_affine_args(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                              beta_regularizer, gamma_regularizer, beta_constraint,
                              gamma_constraint)
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape):
        shape = self._build_affine(input_shape)
        self.input_spec = InputSpec(ndim=len(input_shape),
                                    axes={a: input_shape[a] for a in self._feature_axes})
        self.moving_mean = self.add_weight("moving_mean", shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        super().build(input_shape)

    def _uses_batch_statistics(self, training):
        if not training:
            return False
        return self.trainable or config.default("batch_normalization.frozen_mode") == \
            "batch_statistics"

    def call(self, inputs, training=None, mask=None):
        rank = inputs.ndim
        gamma, beta = self._broadcast(self.gamma, rank), self._broadcast(self.beta, rank)
        if not self._uses_batch_statistics(training):
            return ag.nn.batch_norm(inputs, self._broadcast(self.moving_mean, rank),
                                    self._broadcast(self.moving_variance, rank), beta, gamma,
                                    self.epsilon)
        reduce = tuple(a for a in range(rank) if a not in self._feature_axes)
        if mask is None:
            mean, var = ag.nn.moments(inputs, reduce, keepdims=False)
            count = math.prod(inputs.shape[a] for a in reduce)
        else:
            mean, var, count = _masked_moments(inputs, mask, reduce)
        self._update_moving(mean, var, count)
        return ag.nn.batch_norm(inputs, self._broadcast(mean, rank), self._broadcast(var, rank),
                                beta, gamma, self.epsilon)

    def _update_moving(self, mean, var, count):
        with ag.no_grad():
            if config.default("batch_normalization.moving_variance") == "unbiased" and count > 1:
                var = var * (count / (count - (1.0 + self.epsilon)))
            m = self.momentum
            self.moving_mean.assign(self.moving_mean * m + mean.detach() * (1.0 - m))
            self.moving_variance.assign(self.moving_variance * m + var.detach() * (1.0 - m))

    def get_config(self):
        s = initializers.serialize
        cfg = dict(self._affine_config(), momentum=self.momentum,
                   moving_mean_initializer=s(self.moving_mean_initializer),
                   moving_variance_initializer=s(self.moving_variance_initializer))
        first = ("axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
                 "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer")
        return dict(super().get_config(), **{k: cfg.pop(k) for k in first}, **cfg)  # Keras' order


class LayerNormalization(_Normalization):
    """Normalize each sample over ``axis`` (per-sample mean and variance), then scale and shift."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, rms_scaling=False, **kwargs):
        super().__init__(**kwargs)
        if rms_scaling:
            raise ValueError("LayerNormalization: rms_scaling=True is not supported")
        self._set_affine_args(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                              beta_regularizer, gamma_regularizer, beta_constraint,
                              gamma_constraint)

    def build(self, input_shape):
        self._build_affine(input_shape)
        super().build(input_shape)

    def call(self, inputs):
        rank = inputs.ndim
        return ag.nn.layer_norm(inputs, self._broadcast(self.gamma, rank),
                                self._broadcast(self.beta, rank), axis=self._feature_axes,
                                epsilon=self.epsilon)

    def get_config(self):
        return dict(super().get_config(), **self._affine_config())


class GroupNormalization(_Normalization):
    """Split the ``axis`` channels into ``groups`` and normalize each sample's group over the
    group's channels and every other non-batch axis, then scale and shift per channel."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int):
            raise ValueError(f"GroupNormalization: `axis` must be an int, got {axis!r}")
        self.groups = int(groups)
        self._set_affine_args(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                              beta_regularizer, gamma_regularizer, beta_constraint,
                              gamma_constraint)

    def build(self, input_shape):
        dim = input_shape[self.axis]
        if dim is not None and self.groups == -1:
            self.groups = dim
        if dim is not None and (self.groups <= 0 or dim < self.groups or dim % self.groups):
            raise ValueError(f"Layer \"{self.name}\" (GroupNormalization): the {dim} channels of "
                             f"axis {self.axis} cannot be split into {self.groups} groups of "
                             f"equal size (input shape {tuple(input_shape)})")
        self._build_affine(input_shape)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        super().build(input_shape)

    def call(self, inputs):
        rank = inputs.ndim
        axis = self._feature_axes[0]
        shape = list(inputs.shape)
        shape[axis:axis + 1] = [self.groups, shape[axis] // self.groups]
        grouped = ag.reshape(inputs, tuple(shape))
        reduce = tuple(a for a in range(1, rank + 1) if a != axis)
        mean, var = ag.nn.moments(grouped, reduce, keepdims=True)
        inv = 1.0 / ag.sqrt(var + self.epsilon)
        channel_shape = [1] * (rank + 1)
        channel_shape[axis:axis + 2] = shape[axis:axis + 2]
        if self.gamma is not None:
            inv = inv * ag.reshape(self.gamma, tuple(channel_shape))
        out = grouped * inv - mean * inv
        if self.beta is not None:
            out = out + ag.reshape(self.beta, tuple(channel_shape))
        return ag.reshape(out, inputs.shape)

    def get_config(self):
        return dict(super().get_config(), groups=self.groups, **self._affine_config())


class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm over ``axis``: ``x / max(‖x‖, 1e-12)``."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, (int, list, tuple)):
            raise TypeError(f"UnitNormalization: `axis` must be an int or a list/tuple of ints, "
                            f"got {axis!r}")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.supports_masking = True

    def call(self, inputs):
        squares = ag.sum(inputs * inputs, axis=_axes(self.axis), keepdims=True)
        return inputs / ag.sqrt(ag.maximum(squares, 1e-24))

    def compute_output_shape(self, input_shape):
        _check_axes(self, input_shape)
        return input_shape

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)


class RMSNormalization(Layer):
    """Root-mean-square normalization: ``x / sqrt(mean(x², axis) + epsilon) · scale`` with a
    learned ``scale`` over ``axis``."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.epsilon = epsilon

    def build(self, input_shape):
        _check_axes(self, input_shape)
        if isinstance(self.axis, list):
            self.axis = sorted(self.axis)
        else:
            self.axis = [self.axis]
        self.scale = self.add_weight("scale", tuple(input_shape[a] for a in self.axis),
                                     initializer="ones")
        super().build(input_shape)

    def call(self, inputs):
        rank = inputs.ndim
        axes = tuple(a % rank for a in self.axis)
        rms = ag.sqrt(ag.mean(inputs * inputs, axis=axes, keepdims=True) + self.epsilon)
        scale = self.scale
        if axes != tuple(range(rank - len(axes), rank)):
            scale = ag.reshape(scale, tuple(inputs.shape[a] if a in axes else 1
                                            for a in range(rank)))
        return inputs / rms * scale

    def compute_output_shape(self, input_shape):
        _check_axes(self, input_shape)
        return input_shape

    def get_config(self):
        return dict(super().get_config(), axis=self.axis, epsilon=self.epsilon)


def _check_axes(layer, input_shape):
    rank = len(input_shape)
    for a in _axes(layer.axis):
        if not -rank <= a < rank:
            raise ValueError(f"Layer \"{layer.name}\" ({type(layer).__name__}): axis {a} is out "
                             f"of bounds for input shape {tuple(input_shape)}")
