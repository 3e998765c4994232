"""Pooling (channels-last, 1-D to 3-D) and upsampling.

'same' max pooling ignores the padding (pads with -inf); 'same' average pooling divides each window
by its number of real elements (TensorFlow). Max pooling routes the gradient to the first maximal
element of each window. Global pooling is a reduction over the spatial axes.
"""
import numpy as np

from ..ops import reshape, broadcast_to, max as _max, mean as _mean, einsum
from ..ops._coerce import as_real, as_tensor
from ..primitives import windows as W
from ._geometry import as_pair, as_tuple, check_padding, check_positive, resolve


_AXES = {1: "steps", 2: "height, width", 3: "depth, height, width"}


def _pool(prim, op, x, pool_size, strides, padding, rank):
    """Checked geometry of a 1-D, 2-D or 3-D pooling, then ``prim`` on 4-D operands (1-D: H = 1;
    3-D: over (H, W) of every depth slice, then over the depth of the pooled slices, which gives
    the 3-D windows since both max and count-divided sums factor over the axes)."""
    x = as_tensor(x)
    if x.ndim != rank + 2:
        raise ValueError(f"{op}: input must have shape (batch, {_AXES[rank]}, channels), "
                         f"got {x.shape}")
    pool = as_tuple(pool_size, rank, "pool_size", op)
    strides = pool if strides is None else as_tuple(strides, rank, "strides", op)
    check_positive(pool, "pool_size", op, x)
    check_positive(strides, "strides", op, x)
    padding = check_padding(padding, ("valid", "same"), op)
    shapes = f"input {x.shape}, pool_size {pool}, strides {strides}"
    pads, _ = resolve(x.shape[1:-1], pool, strides, (1,) * rank, padding, op, shapes)
    if prim is W.avg_pool2d:
        x = as_real(x)  # an average of integers is a float (as ``mean``)
    if rank == 2:
        return prim(x, pool=pool, strides=strides, pads=pads)
    if rank == 3:
        n, d, h, w, c = x.shape
        y = prim(reshape(x, (n * d, h, w, c)), pool=pool[1:], strides=strides[1:], pads=pads[1:])
        planes = y.shape[1:3]
        y = prim(reshape(y, (n, d, planes[0] * planes[1], c)), pool=(pool[0], 1),
                 strides=(strides[0], 1), pads=(pads[0], (0, 0)))
        return reshape(y, (n, y.shape[1]) + planes + (c,))
    n, length, c = x.shape
    y = prim(reshape(x, (n, 1, length, c)), pool=(1,) + pool, strides=(1,) + strides,
             pads=((0, 0),) + pads)
    return reshape(y, (n, y.shape[2], c))


def max_pool2d(x, pool_size=(2, 2), strides=None, padding="valid"):
    """Max pooling over (N, H, W, C); ``strides`` defaults to ``pool_size``."""
    return _pool(W.max_pool2d, "max_pool2d", x, pool_size, strides, padding, 2)


def avg_pool2d(x, pool_size=(2, 2), strides=None, padding="valid"):
    """Average pooling over (N, H, W, C); 'same' windows divide by their real element count."""
    return _pool(W.avg_pool2d, "avg_pool2d", x, pool_size, strides, padding, 2)


def max_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Max pooling over (N, L, C)."""
    return _pool(W.max_pool2d, "max_pool1d", x, pool_size, strides, padding, 1)


def avg_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Average pooling over (N, L, C)."""
    return _pool(W.avg_pool2d, "avg_pool1d", x, pool_size, strides, padding, 1)


def max_pool3d(x, pool_size=(2, 2, 2), strides=None, padding="valid"):
    """Max pooling over (N, D, H, W, C); the gradient goes to each window's first maximum (in
    depth, row, column order)."""
    return _pool(W.max_pool2d, "max_pool3d", x, pool_size, strides, padding, 3)


def avg_pool3d(x, pool_size=(2, 2, 2), strides=None, padding="valid"):
    """Average pooling over (N, D, H, W, C); 'same' windows divide by their real element count."""
    return _pool(W.avg_pool2d, "avg_pool3d", x, pool_size, strides, padding, 3)


def _spatial_axes(x, axes, op):
    if axes is not None:
        return axes
    if x.ndim < 3:
        raise ValueError(f"{op}: input must have at least one axis between batch and channels, "
                         f"got shape {x.shape}")
    return tuple(range(1, x.ndim - 1))


def global_max_pool(x, axes=None, keepdims=False):
    """Maximum over ``axes`` (default: every axis between batch and channels)."""
    x = as_tensor(x)
    return _max(x, axis=_spatial_axes(x, axes, "global_max_pool"), keepdims=keepdims)


def global_avg_pool(x, axes=None, keepdims=False):
    """Mean over ``axes`` (default: every axis between batch and channels)."""
    x = as_tensor(x)
    return _mean(x, axis=_spatial_axes(x, axes, "global_avg_pool"), keepdims=keepdims)


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
