"""Gaussian filtering of images and the RandomGaussianBlur layer (Keras 3)."""
import numpy as np

import autograd_core as ag

from .augmentation import RandomImageLayer, symmetric_factor


def gaussian_kernel(size, sigma):
    """The normalised 1-D Gaussian of ``size`` taps centred on the middle one."""
    taps = np.arange(size, dtype=np.float64) - (size - 1) / 2
    kernel = np.e ** (-0.5 * (taps / max(sigma, 1e-12)) ** 2)
    return kernel / kernel.sum()


def convolve_axis(x, kernel, axis):
    """Correlate ``x`` with the 1-D ``kernel`` (odd length) along ``axis``, zero-padded to keep
    the size."""
    half = len(kernel) // 2
    pad = [(0, 0)] * x.ndim
    pad[axis] = (half, half)
    padded = ag.pad(x, pad)
    n = x.shape[axis]
    index = [slice(None)] * x.ndim
    out = None
    for k, weight in enumerate(kernel):
        index[axis] = slice(k, k + n)
        term = padded[tuple(index)] * float(weight)
        out = term if out is None else out + term
    return out


def gaussian_blur(images, kernel_size, sigma):
    """Blur (n, h, w, c) ``images``: ``kernel_size`` / ``sigma`` are (width, height) pairs, as in
    Keras 3 (equal for the square kernels it supports); zero padding."""
    x = convolve_axis(images, gaussian_kernel(kernel_size[0], sigma[0]), 2)
    return convolve_axis(x, gaussian_kernel(kernel_size[1], sigma[1]), 1)


def _odd_sizes(size):
    sizes = tuple(size) if isinstance(size, (tuple, list)) else (size, size)
    if len(sizes) != 2 or any(not isinstance(s, int) or s % 2 == 0 for s in sizes):
        raise ValueError(f"RandomGaussianBlur: `kernel_size` must be an odd integer or a pair "
                         f"of odd integers, got kernel_size={size!r}")
    return sizes


class RandomGaussianBlur(RandomImageLayer):
    """Blur an image with probability p (p drawn from ``factor`` per image) by a Gaussian whose
    two standard deviations (width, height; shared by the batch) are drawn from ``sigma``;
    the result is clipped to ``value_range``."""

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = symmetric_factor("RandomGaussianBlur", "factor", factor, 0, 1)
        self.kernel_size = _odd_sizes(kernel_size)
        self.sigma = symmetric_factor("RandomGaussianBlur", "sigma", sigma, 0, 1)
        self.value_range = value_range

    def _augment(self, x):
        apply = self._chance(self.factor, x.shape[0])
        sigma = self._uniform(*self.sigma, 2).astype(np.float32) + np.float32(1e-6)
        blurred = gaussian_blur(x, self.kernel_size, sigma)
        y = ag.where(ag.tensor(apply.reshape(-1, 1, 1, 1), device=x.device), blurred, x)
        return ag.clip(y, *self.value_range)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, kernel_size=self.kernel_size,
                    sigma=self.sigma, value_range=self.value_range)
