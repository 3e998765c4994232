"""Pooling (channels-last) and upsampling.

'same' max pooling ignores the padding (pads with -inf); 'same' average pooling divides each window
by its number of real elements (TensorFlow). Max pooling routes the gradient to the first maximal
element of each window. Global pooling is a reduction over the spatial axes.
"""
import numpy as np

from ..ops import reshape, broadcast_to, max as _max, mean as _mean, einsum
from ..ops._coerce import as_tensor
from ..primitives import windows as W
from ._geometry import as_pair, as_single, check_padding, check_positive, resolve


def _pool2d(prim, op, x, pool_size, strides, padding):
    if x.ndim != 4:
        raise ValueError(f"{op}: input must have shape (batch, height, width, channels), "
                         f"got {x.shape}")
    pool = as_pair(pool_size, "pool_size", op)
    strides = pool if strides is None else as_pair(strides, "strides", op)
    check_positive(pool, "pool_size", op)
    check_positive(strides, "strides", op)
    padding = check_padding(padding, ("valid", "same"), op)
    shapes = f"input {x.shape}, pool_size {pool}, strides {strides}"
    pads, _ = resolve(x.shape[1:3], pool, strides, (1, 1), padding, op, shapes)
    return prim(x, pool=pool, strides=strides, pads=pads)


def _pool1d(prim, op, x, pool_size, strides, padding):
    x = as_tensor(x)
    if x.ndim != 3:
        raise ValueError(f"{op}: input must have shape (batch, steps, channels), got {x.shape}")
    p = as_single(pool_size, "pool_size", op)
    s = p if strides is None else as_single(strides, "strides", op)
    n, length, c = x.shape
    y = _pool2d(prim, op, reshape(x, (n, 1, length, c)), (1, p), (1, s), padding)
    return reshape(y, (n, y.shape[2], c))


def max_pool2d(x, pool_size=(2, 2), strides=None, padding="valid"):
    """Max pooling over (N, H, W, C); ``strides`` defaults to ``pool_size``."""
    return _pool2d(W.max_pool2d, "max_pool2d", as_tensor(x), pool_size, strides, padding)


def avg_pool2d(x, pool_size=(2, 2), strides=None, padding="valid"):
    """Average pooling over (N, H, W, C); 'same' windows divide by their real element count."""
    return _pool2d(W.avg_pool2d, "avg_pool2d", as_tensor(x), pool_size, strides, padding)


def max_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Max pooling over (N, L, C)."""
    return _pool1d(W.max_pool2d, "max_pool1d", x, pool_size, strides, padding)


def avg_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Average pooling over (N, L, C)."""
    return _pool1d(W.avg_pool2d, "avg_pool1d", x, pool_size, strides, padding)


def _spatial_axes(x, axes):
    return tuple(range(1, x.ndim - 1)) if axes is None else axes


def global_max_pool(x, axes=None, keepdims=False):
    """Maximum over ``axes`` (default: every axis between batch and channels)."""
    x = as_tensor(x)
    return _max(x, axis=_spatial_axes(x, axes), keepdims=keepdims)


def global_avg_pool(x, axes=None, keepdims=False):
    """Mean over ``axes`` (default: every axis between batch and channels)."""
    x = as_tensor(x)
    return _mean(x, axis=_spatial_axes(x, axes), keepdims=keepdims)


def _bilinear_matrix(n_in, factor, dtype):
    """(n_in*factor, n_in) interpolation weights, half-pixel centres, edges clamped."""
    n_out = n_in * factor
    src = (np.arange(n_out) + 0.5) / factor - 0.5
    src = np.clip(src, 0, n_in - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    m = np.zeros((n_out, n_in))
    m[np.arange(n_out), lo] += 1 - frac
    m[np.arange(n_out), hi] += frac
    return m.astype(dtype)


def upsampling2d(x, size=(2, 2), interpolation="nearest"):
    """Repeat rows and columns (N, H, W, C) -> (N, H*sh, W*sw, C); 'nearest' or 'bilinear'."""
    x = as_tensor(x)
    sh, sw = as_pair(size, "size", "upsampling2d")
    check_positive((sh, sw), "size", "upsampling2d")
    if x.ndim != 4:
        raise ValueError(f"upsampling2d: input must have shape (batch, height, width, channels), "
                         f"got {x.shape}")
    n, h, w, c = x.shape
    if interpolation == "nearest":
        y = broadcast_to(reshape(x, (n, h, 1, w, 1, c)), (n, h, sh, w, sw, c))
        return reshape(y, (n, h * sh, w * sw, c))
    if interpolation == "bilinear":
        mh = as_tensor(_bilinear_matrix(h, sh, x.dtype), device=x.device)
        mw = as_tensor(_bilinear_matrix(w, sw, x.dtype), device=x.device)
        return einsum("jw,nhwc->nhjc", mw, einsum("ih,nhwc->niwc", mh, x))
    raise ValueError(f"upsampling2d: interpolation must be 'nearest' or 'bilinear', "
                     f"got {interpolation!r}")
