"""Normalization pieces: ``moments``, ``batch_norm`` (the inference formula, also used in training
with batch moments: gradients flow through mean and variance) and ``layer_norm``."""
from ..ops import mean, sqrt, squeeze
from ..ops._coerce import as_tensor


def moments(x, axes, keepdims=False):
    """(mean, biased variance) over ``axes``."""
    x = as_tensor(x)
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    m = mean(x, axes, keepdims=True)
    d = x - m
    v = mean(d * d, axes, keepdims=True)
    if not keepdims:
        m, v = squeeze(m, axes), squeeze(v, axes)
    return m, v


def batch_norm(x, mean, var, beta=None, gamma=None, epsilon=1e-3):
    """gamma * (x - mean) / sqrt(var + epsilon) + beta, with the per-channel factors folded first
    so that only two full-size operations touch ``x``."""
    x = as_tensor(x)
    scale = 1.0 / sqrt(as_tensor(var) + epsilon)
    if gamma is not None:
        scale = scale * gamma
    shift = -as_tensor(mean) * scale
    if beta is not None:
        shift = shift + beta
    return x * scale + shift


def layer_norm(x, gamma=None, beta=None, axis=-1, epsilon=1e-3):
    """Normalize each sample over ``axis`` (int or tuple), then scale by gamma and shift by beta."""
    x = as_tensor(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    d = x - mean(x, axes, keepdims=True)
    y = d * (1.0 / sqrt(mean(d * d, axes, keepdims=True) + epsilon))
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y
