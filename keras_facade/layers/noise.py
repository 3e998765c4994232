"""Noise layers, active only while training: GaussianNoise, GaussianDropout, AlphaDropout."""
import math

import autograd_core as ag

from .. import legacy
from .core import Dropout, SpatialDropout1D, SpatialDropout2D, _Seeded  # noqa: F401


class _Noise(_Seeded):
    def __init__(self, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.supports_masking = True

    def _normal(self, like, shape=None):
        """Standard normal noise of ``shape`` (default: like's), on like's device and dtype."""
        return ag.randn(*(shape or like.shape), dtype=like.dtype, device=like.device,
                        generator=self.generator())

    def _uniform(self, like, shape=None):
        return ag.rand(*(shape or like.shape), dtype=like.dtype, device=like.device,
                       generator=self.generator())

    def compute_output_shape(self, input_shape):
        return input_shape


class GaussianNoise(_Noise):
    """Add zero-mean Gaussian noise of standard deviation ``stddev`` while training."""

    @legacy.interface("GaussianNoise")
    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = self._normal(inputs) * self.stddev
        return inputs + noise

    def get_config(self):
        return dict(super().get_config(), stddev=self.stddev, seed=self.seed)


class GaussianDropout(_Noise):
    """Multiply by Gaussian noise of mean 1 and standard deviation sqrt(rate / (1 - rate))."""

    @legacy.interface("GaussianDropout")
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = float(rate)
        if not 0 <= self.rate < 1:
            raise ValueError(f"GaussianDropout: `rate` must be in [0, 1), got {rate}")

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        std = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * (1.0 + self._normal(inputs) * std)

    def get_config(self):
        return dict(super().get_config(), rate=self.rate, seed=self.seed)


class AlphaDropout(_Noise):
    """Dropout that keeps the mean and variance of SELU activations (dropped values set to the
    SELU saturation value, then an affine correction)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = float(rate)
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        alpha_p = -1.6732632423543772 * 1.0507009873554805
        shape = inputs.shape if self.noise_shape is None else tuple(
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
        keep = ag.cast(self._uniform(inputs, shape) >= self.rate, inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * keep + alpha_p * (1.0 - keep)) + b

    def get_config(self):
        return dict(super().get_config(), rate=self.rate, seed=self.seed,
                    noise_shape=list(self.noise_shape) if self.noise_shape else None)
