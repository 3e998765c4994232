"""Geometric augmentation layers (Keras 3): RandomShear, RandomPerspective,
RandomElasticTransform.

Source coordinates are computed with numpy from the random draws; ``sampling.sample`` reads the
pixels with engine ops, so gradients reach the input.
"""
import numpy as np

import autograd_core as ag

from . import sampling
from .augmentation import RandomImageLayer, _AffineLayer, symmetric_factor
from .filters import convolve_axis, gaussian_kernel


def _shear_factor(name, factor):
    """A number f in [0, 1] gives (-f, f); a pair of numbers in [-1, 1] is sorted (Keras 3
    wants [0, 1] there too, but then cannot reload its own configs)."""
    pair = isinstance(factor, (tuple, list))
    values = list(factor) if pair else [factor]
    if len(values) not in (1, 2) or not all(isinstance(v, (int, float)) and
                                            (-1 if pair else 0) <= v <= 1 for v in values):
        raise ValueError(f"RandomShear: `{name}` must be a number in [0, 1] or a pair of "
                         f"numbers in [-1, 1], got {name}={factor!r}")
    if len(values) == 1:
        return -abs(float(factor)), abs(float(factor))
    return tuple(sorted(float(v) for v in values))


class RandomShear(_AffineLayer):
    """Shear each image: output (x, y) reads input (x + s_x y, y + s_y x), s_x and s_y drawn from
    ``x_factor`` and ``y_factor`` with one random sign per image (about the top-left corner,
    as in Keras 3)."""

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.x_factor = _shear_factor("x_factor", x_factor)
        self.y_factor = _shear_factor("y_factor", y_factor)

    def _transforms(self, n, height, width):
        sign = self._sign(n)
        shear_y = self._uniform(*self.y_factor, n) * sign
        shear_x = self._uniform(*self.x_factor, n) * sign
        ones, zeros = np.ones(n), np.zeros(n)
        return np.stack([ones, shear_x, zeros, shear_y, ones, zeros], axis=-1)

    def get_config(self):
        return dict(super().get_config(), x_factor=self.x_factor, y_factor=self.y_factor)


def homography(start, end):
    """(n, 8) coefficients (a0..a7) sending each of the 4 ``end`` points (n, 4, 2) of the output
    to its ``start`` point in the input: x_in = (a0 x + a1 y + a2) / (a6 x + a7 y + 1), y_in
    likewise with a3, a4, a5."""
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    n = start.shape[0]
    system = np.zeros((n, 8, 8))
    for k in range(4):
        x, y = end[:, k, 0], end[:, k, 1]
        for row, target in ((2 * k, start[:, k, 0]), (2 * k + 1, start[:, k, 1])):
            offset = 0 if row % 2 == 0 else 3
            system[:, row, offset:offset + 3] = np.stack([x, y, np.ones(n)], axis=-1)
            system[:, row, 6:8] = np.stack([-target * x, -target * y], axis=-1)
    return np.linalg.solve(system, start.reshape(n, 8, 1))[..., 0]


def perspective_coordinates(coefficients, height, width):
    """Source (rows, cols), each (n, height, width), of the homographies (n, 8)."""
    a = np.asarray(coefficients, np.float64).reshape(-1, 8, 1, 1)
    y = np.arange(height, dtype=np.float64).reshape(1, height, 1)
    x = np.arange(width, dtype=np.float64).reshape(1, 1, width)
    denominator = a[:, 6] * x + a[:, 7] * y + 1.0
    return ((a[:, 3] * x + a[:, 4] * y + a[:, 5]) / denominator,
            (a[:, 0] * x + a[:, 1] * y + a[:, 2]) / denominator)


class RandomPerspective(RandomImageLayer):
    """With probability p (drawn from ``factor`` per image), move each image corner by a random
    fraction in [-scale/2, scale/2] of its coordinates and warp the image accordingly; points
    outside the image read ``fill_value``."""

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = symmetric_factor("RandomPerspective", "factor", factor, 0, 1)
        if not isinstance(scale, (int, float)) or not 0 <= scale <= 1:
            raise ValueError(f"RandomPerspective: `scale` must be a number in [0, 1], "
                             f"got scale={scale!r}")
        self.scale = scale
        self.interpolation = sampling.check_choice("RandomPerspective", "interpolation",
                                                   interpolation, sampling.INTERPOLATIONS)
        self.fill_value = fill_value

    def _augment(self, x):
        n, height, width = x.shape[:3]
        apply = self._chance(self.factor, n)
        shifts = self._uniform(-0.5 * self.scale, 0.5 * self.scale, (n, 4, 2))
        start = np.broadcast_to(np.array([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1],
                                          [width - 1, height - 1]]), (n, 4, 2))
        rows, cols = perspective_coordinates(homography(start, start + start * shifts),
                                             height, width)
        warped = sampling.sample(x, rows, cols, "constant", self.interpolation, self.fill_value)
        return ag.where(ag.tensor(apply.reshape(-1, 1, 1, 1), device=x.device), warped, x)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, scale=self.scale,
                    interpolation=self.interpolation, fill_value=self.fill_value)


class RandomElasticTransform(_AffineLayer):
    """With probability p (drawn from ``factor`` per image), displace each pixel by smooth random
    offsets: Gaussian noise blurred with sigma = 0.05 s min(h, w), scaled by alpha =
    0.1 s max(h, w), s drawn from ``scale`` once per batch; clipped to ``value_range``."""

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = symmetric_factor("RandomElasticTransform", "factor", factor, 0, 1)
        self.scale = symmetric_factor("RandomElasticTransform", "scale", scale, 0, 1)
        self.value_range = value_range

    def _displacement(self, n, height, width, sigma):
        """(n, h, w) smooth noise: normal * sigma, blurred (kernel int(6 sigma) | 1)."""
        noise = ag.tensor(self.generator().standard_normal((n, height, width)) * sigma)
        kernel = gaussian_kernel(int(6 * sigma) | 1, sigma)
        return convolve_axis(convolve_axis(noise, kernel, 2), kernel, 1).numpy()

    def _augment(self, x):
        if self.scale[1] == 0 or self.factor[1] == 0:
            return x
        n, height, width = x.shape[:3]
        apply = self._chance(self.factor, n)
        strength = float(self._uniform(*self.scale, None))
        alpha = max(height, width) * 0.1 * strength
        sigma = min(height, width) * 0.05 * strength
        cols = np.arange(width) + alpha * self._displacement(n, height, width, sigma)
        rows = np.arange(height)[:, None] + alpha * self._displacement(n, height, width, sigma)
        warped = sampling.sample(x, rows, cols, self.fill_mode, self.interpolation,
                                 self.fill_value)
        y = ag.where(ag.tensor(apply.reshape(-1, 1, 1, 1), device=x.device), warped, x)
        return ag.clip(y, *self.value_range)

    def get_config(self):
        config = dict(super().get_config(), factor=self.factor, scale=self.scale,
                      value_range=self.value_range)
        return config
