"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU (and Activation)."""
import autograd_core as ag

from .. import activations, constraints, initializers, legacy, regularizers
from .base import InputSpec, Layer
from .core import Activation  # noqa: F401


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(_Elementwise):
    """x for threshold <= x < max_value; max_value above; negative_slope·(x - threshold) below."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"ReLU: `max_value` must be >= 0, got {max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"ReLU: `negative_slope` must be >= 0, got {negative_slope}")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope, self.threshold = float(negative_slope), float(threshold)

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        return dict(super().get_config(), max_value=self.max_value,
                    negative_slope=self.negative_slope, threshold=self.threshold)


class LeakyReLU(_Elementwise):
    """x for x > 0, negative_slope·x otherwise (Keras 2's ``alpha`` is accepted with a warning)."""

    @legacy.interface("LeakyReLU")
    def __init__(self, negative_slope=0.3, **kwargs):
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"LeakyReLU: `negative_slope` must be >= 0, got {negative_slope}")
        self.negative_slope = float(negative_slope)

    @property
    def alpha(self):
        return self.negative_slope

    def call(self, inputs):
        return ag.nn.leaky_relu(inputs, self.negative_slope)

    def get_config(self):
        return dict(super().get_config(), negative_slope=self.negative_slope)


class ELU(_Elementwise):
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return ag.nn.elu(inputs, self.alpha)

    def get_config(self):
        return dict(super().get_config(), alpha=self.alpha)


class ThresholdedReLU(_Elementwise):
    """x where x > theta, else 0."""

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = float(theta)

    def call(self, inputs):
        return ag.where(inputs > self.theta, inputs, 0.0)

    def get_config(self):
        return dict(super().get_config(), theta=self.theta)


class Softmax(_Elementwise):
    """Softmax over ``axis``; masked positions get (almost) zero probability."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, list) else axis  # a JSON config has lists

    def call(self, inputs, mask=None):
        if mask is not None:
            inputs = inputs + (1.0 - ag.cast(mask, inputs.dtype)) * -1e9
        return ag.softmax(inputs, axis=self.axis)

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)


class PReLU(Layer):
    """max(x, 0) + alpha·min(x, 0) with a learned alpha per input element (``shared_axes`` share
    it along those axes, e.g. [1, 2] for one alpha per channel of an image)."""

    @legacy.interface("PReLU")
    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None or isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes) if shared_axes is not None else None
        else:
            self.shared_axes = [shared_axes]
        self.supports_masking = True

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"Layer \"{self.name}\": PReLU needs defined dimensions outside the "
                             f"shared axes, got input shape {input_shape}")
        self.alpha = self.add_weight("alpha", tuple(shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {i + 1: d for i, d in enumerate(shape) if (i + 1) not in (self.shared_axes or [])}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        super().build(input_shape)

    def call(self, inputs):
        return ag.relu(inputs) - self.alpha * ag.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return dict(super().get_config(),
                    alpha_initializer=initializers.serialize(self.alpha_initializer),
                    alpha_regularizer=regularizers.serialize(self.alpha_regularizer),
                    alpha_constraint=constraints.serialize(self.alpha_constraint),
                    shared_axes=self.shared_axes)
