"""Reductions: sum, max, min, prod, cumsum, and argmax/argmin (no gradient).

``axis`` is None, an int or a tuple (negatives allowed); ``keepdims`` as in numpy. Ties in max/min
split the gradient evenly among the tied elements (see the policy table in ``elementwise``).
"""
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
        if not -ndim <= a < max(ndim, 1):
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


def _sum_fwd(xp, x, axis=None, keepdims=False):
    return xp.sum(x, axis=axis, keepdims=keepdims)


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


max = primitive("max", lambda xp, x, axis=None, keepdims=False: xp.max(x, axis=axis, keepdims=keepdims),
                vjps=[_chooser_rule], jvps=[_chooser_jvp])
min = primitive("min", lambda xp, x, axis=None, keepdims=False: xp.min(x, axis=axis, keepdims=keepdims),
                vjps=[_chooser_rule], jvps=[_chooser_jvp])


def _prod_vjp(g, out, x, axis=None, keepdims=False):
    """d prod / d x_i = product of the other elements, exact also when x holds zeros."""
    zero = x == 0
    nzeros = O.sum(zero.astype(x.dtype), axis=axis, keepdims=True)
    prod_nonzero = O.prod(O.where(zero, 1.0, x), axis=axis, keepdims=True)
    others = O.where(nzeros == 0, prod_nonzero / O.where(zero, 1.0, x),
                     O.where(O.logical_and(zero, nzeros == 1), prod_nonzero, 0.0))
    return _expand(g, x, axis, keepdims) * others


prod = primitive("prod", lambda xp, x, axis=None, keepdims=False: xp.prod(x, axis=axis, keepdims=keepdims),
                 vjps=[_prod_vjp])


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
