"""Reductions: sum, max, min, prod, cumsum, and argmax/argmin (no gradient).

``axis`` is None, an int or a tuple (negatives allowed); ``keepdims`` as in numpy. Ties in max/min
split the gradient evenly among the tied elements (see the policy table in ``elementwise``).
"""
import builtins
import math

import numpy as np

from ..autodiff.graph import primitive
from ._lazy import O


def norm_axes(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints (None = all axes)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < builtins.max(ndim, 1):  # this module's max is the primitive
            raise ValueError(f"axis {a} is out of bounds for a tensor of rank {ndim}")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def keep_shape(shape, axis):
    """The shape of a reduction over ``axis`` with keepdims=True."""
    axes = norm_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _expand(g, x, axis, keepdims):
    """Bring a reduced cotangent back to a shape that broadcasts against ``x``."""
    if not keepdims:
        g = O.reshape(g, keep_shape(x.shape, axis))
    return g


_GEMV_MIN_ROWS = 256  # a sum over this many leading rows runs as ones @ x (BLAS, or cuBLAS)


def _sum_fwd(xp, x, axis=None, keepdims=False):
    # (array methods here and below: numpy's module-level reductions add a Python wrapper)
    if axis is not None and x.ndim > 1 and x.size >= _GEMV_MIN_ROWS * x.shape[-1] \
            and x.dtype.char in "fd" and x.flags.c_contiguous:
        axes = norm_axes(axis, x.ndim)
        lead = len(axes)
        if 0 < lead < x.ndim and axes[-1] == lead - 1:  # the leading axes: a bias gradient
            rows = math.prod(x.shape[:lead])
            if rows >= _GEMV_MIN_ROWS:
                # several times faster than a strided reduction, and better rounded
                out = xp.matmul(xp.ones(rows, dtype=x.dtype), x.reshape(rows, -1))
                return out.reshape((1,) * lead * keepdims + x.shape[lead:])
    return x.sum(axis=axis, keepdims=keepdims)


sum = primitive(
    "sum", _sum_fwd,
    vjps=[lambda g, out, x, axis=None, keepdims=False:
          O.broadcast_to(_expand(g, x, axis, keepdims), x.shape)],
    jvps=[lambda t, out, x, axis=None, keepdims=False: O.sum(t, axis=axis, keepdims=keepdims)])


def _chooser_rule(g, out, x, axis=None, keepdims=False):
    out_k = _expand(out, x, axis, keepdims)
    mask = (x == out_k).astype(x.dtype)
    count = O.sum(mask, axis=axis, keepdims=True)
    return _expand(g, x, axis, keepdims) * (mask / count)


def _chooser_jvp(t, out, x, axis=None, keepdims=False):
    out_k = _expand(out, x, axis, keepdims)
    mask = (x == out_k).astype(x.dtype)
    share = mask / O.sum(mask, axis=axis, keepdims=True)
    return O.sum(t * share, axis=axis, keepdims=keepdims)


max = primitive("max", lambda xp, x, axis=None, keepdims=False: x.max(axis=axis, keepdims=keepdims),
                vjps=[_chooser_rule], jvps=[_chooser_jvp])
min = primitive("min", lambda xp, x, axis=None, keepdims=False: x.min(axis=axis, keepdims=keepdims),
                vjps=[_chooser_rule], jvps=[_chooser_jvp])


def _exclusive_cumprod(v):
    """Along the last axis: the product of the entries before each one (a log-depth scan with
    multiplications only, so it is exact with zeros and differentiable to any order)."""
    n = v.shape[-1]
    lead = ((0, 0),) * (v.ndim - 1)
    acc = O.pad(v[..., :-1], lead + ((1, 0),), value=1.0)
    shift = 1
    while shift < n:
        acc = acc * O.pad(acc[..., :-shift], lead + ((shift, 0),), value=1.0)
        shift *= 2
    return acc


def _others(x, axis):
    """For each entry of x, the product of the other entries of its reduction group."""
    axes = norm_axes(axis, x.ndim)
    if x.size == 0 or not axes:
        return O.ones_like(x)
    keep = [i for i in range(x.ndim) if i not in axes]
    perm = tuple(keep + list(axes))
    xt = O.transpose(x, perm)
    flat = O.reshape(xt, tuple(x.shape[i] for i in keep) + (-1,))
    left = _exclusive_cumprod(flat)
    right = O.flip(_exclusive_cumprod(O.flip(flat, -1)), -1)
    return O.transpose(O.reshape(left * right, xt.shape), tuple(np.argsort(perm)))


def _prod_vjp(g, out, x, axis=None, keepdims=False):
    """d prod / d x_i = product of the other entries (exact with zeros, differentiable again)."""
    return _expand(g, x, axis, keepdims) * _others(x, axis)


def _prod_jvp(t, out, x, axis=None, keepdims=False):
    return O.sum(t * _others(x, axis), axis=axis, keepdims=keepdims)


prod = primitive("prod", lambda xp, x, axis=None, keepdims=False: x.prod(axis=axis, keepdims=keepdims),
                 vjps=[_prod_vjp], jvps=[_prod_jvp])


def _cumsum_vjp(g, out, x, axis=None):
    if axis is None:
        return O.reshape(O.flip(O.cumsum(O.flip(g, 0), axis=0), 0), x.shape)
    return O.flip(O.cumsum(O.flip(g, axis), axis=axis), axis)


cumsum = primitive("cumsum", lambda xp, x, axis=None: xp.cumsum(x, axis=axis),
                   vjps=[_cumsum_vjp], jvps=[lambda t, out, x, axis=None: O.cumsum(t, axis=axis)])

argmax = primitive("argmax", lambda xp, x, axis=None, keepdims=False:
                   xp.argmax(x, axis=axis, keepdims=keepdims), differentiable=False)
argmin = primitive("argmin", lambda xp, x, axis=None, keepdims=False:
                   xp.argmin(x, axis=axis, keepdims=keepdims), differentiable=False)
any = primitive("any", lambda xp, x, axis=None, keepdims=False:
                xp.any(x, axis=axis, keepdims=keepdims), differentiable=False)
all = primitive("all", lambda xp, x, axis=None, keepdims=False:
                xp.all(x, axis=axis, keepdims=keepdims), differentiable=False)
