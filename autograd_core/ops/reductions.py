"""Reductions (numpy keywords): sum, mean, max, min, prod, var, std, logsumexp, cumsum, argmax."""
import math as _math

from ..primitives import reduction as P
from ..primitives.reduction import norm_axes
from ._coerce import as_real, as_tensor


def _axis(axis):
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (None, int or tuple; negatives allowed)."""
    return P.sum(as_tensor(x), axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis``; ties share the gradient evenly."""
    x = as_tensor(x)
    _check_nonempty(x, axis, "max")
    return P.max(x, axis=_axis(axis), keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis``; ties share the gradient evenly."""
    x = as_tensor(x)
    _check_nonempty(x, axis, "min")
    return P.min(x, axis=_axis(axis), keepdims=keepdims)


amax, amin = max, min


def _check_nonempty(x, axis, name):
    if x.size == 0:
        raise ValueError(f"{name}: zero-size tensor of shape {x.shape} has no {name}imum")


def prod(x, axis=None, keepdims=False):
    return P.prod(as_tensor(x), axis=_axis(axis), keepdims=keepdims)


def _count(x, axis):
    return _math.prod(x.shape[a] for a in norm_axes(_axis(axis), x.ndim))


def mean(x, axis=None, keepdims=False):
    x = as_real(x)
    return sum(x, axis, keepdims) * (1.0 / builtins_max(_count(x, axis), 1))


def var(x, axis=None, ddof=0, keepdims=False):
    """Variance (``ddof=0``: the biased estimate); as numpy, ``ddof`` >= the count divides by 0."""
    x = as_real(x)
    d = x - mean(x, axis, keepdims=True)
    dof = _count(x, axis) - ddof
    total = sum(d * d, axis, keepdims)
    return total * (1.0 / dof) if dof > 0 else total / 0.0


def std(x, axis=None, ddof=0, keepdims=False):
    """sqrt(var); where the variance is 0 the gradient is 0 (as PyTorch), not 0 * inf."""
    from .math import sqrt, where
    v = var(x, axis, ddof=ddof, keepdims=keepdims)
    zero = v == 0
    return where(zero, 0.0, sqrt(where(zero, 1.0, v)))


def finite_max(x, axis):
    """The maximum along ``axis`` (kept), 0 where it is not finite, without gradient: the shift that
    makes ``logsumexp`` and ``log_softmax`` stable."""
    from .math import where, isfinite
    m = max(x, axis, keepdims=True).detach()
    return where(isfinite(m), m, 0.0)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) computed stably (the max is subtracted first)."""
    from .math import exp, log
    x = as_tensor(x)
    m = finite_max(x, axis)
    out = log(sum(exp(x - m), axis, keepdims=True)) + m
    if not keepdims:
        out = out.reshape(tuple(n for i, n in enumerate(out.shape)
                                if i not in norm_axes(_axis(axis), x.ndim)))
    return out


def cumsum(x, axis=None):
    x = as_tensor(x)
    if axis is None:
        return P.cumsum(x.reshape(-1), axis=0)
    return P.cumsum(x, axis=axis)


def argmax(x, axis=None, keepdims=False):
    return P.argmax(as_tensor(x), axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    return P.argmin(as_tensor(x), axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    return P.any(as_tensor(x), axis=_axis(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    return P.all(as_tensor(x), axis=_axis(axis), keepdims=keepdims)


import builtins as _b  # noqa: E402
builtins_max = _b.max
