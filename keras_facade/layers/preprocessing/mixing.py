"""Layers that paste or blend regions (Keras 3): RandomErasing, MixUp, CutMix.

MixUp and CutMix mix each image with another image of the batch (a random permutation); given a
dict ``{"images": ..., "labels": ...}`` they mix the labels by the same proportions and return a
dict.
"""
import numpy as np

import autograd_core as ag

from .augmentation import RandomImageLayer, symmetric_factor


def _constant(array, like):
    return ag.tensor(np.ascontiguousarray(array), device=like.device)


def box_masks(x0, x1, y0, y1, height, width):
    """(n, height, width, 1) masks of the pixels with x0 <= col < x1 and y0 <= row < y1."""
    cols = np.arange(width).reshape(1, 1, width, 1)
    rows = np.arange(height).reshape(1, height, 1, 1)
    x0, x1, y0, y1 = (np.reshape(v, (-1, 1, 1, 1)) for v in (x0, x1, y0, y1))
    return (cols >= x0) & (cols < x1) & (rows >= y0) & (rows < y1)


class _BoxLayer(RandomImageLayer):
    def _bounds(self, n, length, ratio):
        """(start, end) of windows covering ``ratio`` of ``length``, placed uniformly."""
        size = ratio * length
        start = self._uniform(0, 1, n) * (length - size)
        return start, start + size


class RandomErasing(_BoxLayer):
    """With probability p (drawn from ``factor`` per image), replace a random rectangle, whose
    sides are sqrt(s) of the image's for s drawn from ``scale``, by ``fill_value`` (a number or
    one per channel; None: Gaussian noise times ``value_range[1]``), clipped to
    ``value_range``."""

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = symmetric_factor("RandomErasing", "factor", factor, 0, 1)
        self.scale = symmetric_factor("RandomErasing", "scale", scale, 0, 1)
        if fill_value is not None and not isinstance(fill_value, (int, float)) and \
                not (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3):
            raise ValueError(f"RandomErasing: `fill_value` must be None, a number or a list of "
                             f"three numbers, got fill_value={fill_value!r}")
        self.fill_value = fill_value
        self.value_range = value_range

    def _augment(self, x):
        n, height, width, _ = x.shape
        sides = self._uniform(*self.scale, (n, 2)) ** 0.5
        x0, x1 = self._bounds(n, width, sides[:, 0])
        y0, y1 = self._bounds(n, height, sides[:, 1])
        apply = self._chance(self.factor, n).reshape(-1, 1, 1, 1)
        if self.fill_value is None:
            fill = self.generator().standard_normal(x.shape) * self.value_range[1]
        else:
            fill = np.broadcast_to(np.asarray(self.fill_value, np.float64), x.shape)
        fill = fill.clip(*self.value_range).astype(x.dtype)
        erase = box_masks(x0, x1, y0, y1, height, width) & apply
        return ag.where(_constant(np.broadcast_to(erase, x.shape), x), _constant(fill, x), x)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, scale=self.scale,
                    fill_value=self.fill_value, value_range=self.value_range)


class _Mixer(_BoxLayer):
    """Mixes the images of a batch (and, given a dict, its labels) by ``_draw`` parameters."""

    def call(self, inputs, training=True):
        labels = inputs.get("labels") if isinstance(inputs, dict) else None
        images = inputs["images"] if isinstance(inputs, dict) else inputs
        if training and images.ndim == 4:
            x = self._to_nhwc(images)
            order, weights, masks = self._draw(*x.shape[:3])
            images = self._from_nhwc(self._mix(x, order, weights, masks), images.ndim)
            if labels is not None:
                weights = _constant(weights.astype(labels.dtype).reshape(-1, 1), labels)
                labels = labels * weights + labels[order] * (1.0 - weights)
        if not isinstance(inputs, dict):
            return images
        return dict(inputs, images=images, **({} if labels is None else {"labels": labels}))


class MixUp(_Mixer):
    """Blend each image with another one of the batch: ``w x + (1 - w) x[perm]``, w drawn from
    Beta(alpha, alpha) per image."""

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.alpha = alpha

    def _draw(self, n, height, width):
        order = self.generator().permutation(n)
        return order, self.generator().beta(self.alpha, self.alpha, n), None

    def _mix(self, x, order, weights, masks):
        weights = _constant(weights.astype(x.dtype).reshape(-1, 1, 1, 1), x)
        return x * weights + x[order] * (1.0 - weights)

    def get_config(self):
        return dict(super().get_config(), alpha=self.alpha)


class CutMix(_Mixer):
    """Paste a random rectangle of another image of the batch into each image; its area is
    1 - w of the image, w drawn from Beta(a, a) with a drawn from ``factor``. Labels mix by the
    pasted area. A single (unbatched) image is returned unchanged."""

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = symmetric_factor("CutMix", "factor", factor, 0, 1)

    def _draw(self, n, height, width):
        alpha = self._uniform(*self.factor, None) + 1e-6
        ratio = (1.0 - self.generator().beta(alpha, alpha, n)) ** 0.5
        x0, x1 = self._bounds(n, width, ratio)
        y0, y1 = self._bounds(n, height, ratio)
        weights = 1.0 - (x1 - x0) * (y1 - y0) / (width * height)
        return self.generator().permutation(n), weights, box_masks(x0, x1, y0, y1, height,
                                                                    width)

    def _mix(self, x, order, weights, masks):
        return ag.where(_constant(np.broadcast_to(masks, x.shape), x), x[order], x)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)
