"""Normalizing ops: softmax (a primitive: one pass forward, s (g - sum(g s)) back) and log_softmax
(stable: the max subtracted first)."""
from ..autodiff.graph import primitive
from .reductions import finite_max, sum
from ._coerce import as_real


def _softmax_fwd(xp, x, axis=-1):
    e = x - x.max(axis, keepdims=True)  # exp never overflows
    xp.exp(e, out=e)
    e /= e.sum(axis, keepdims=True)
    return e


def _softmax_rule(g, out, x, axis=-1):
    return out * (g - sum(g * out, axis, keepdims=True))


_softmax = primitive("softmax", _softmax_fwd, vjps=[_softmax_rule], jvps=[_softmax_rule],
                     doc="exp(x) / sum(exp(x), axis), computed with the max subtracted.")


def softmax(x, axis=-1):
    return _softmax(as_real(x), axis=axis)


def log_softmax(x, axis=-1):
    """(x - m) - log(sum(exp(x - m))): subtracting the max m first keeps the result exact to rounding
    even where |x| is large."""
    from .math import exp, log
    x = as_real(x)
    shifted = x - finite_max(x, axis)
    return shifted - log(sum(exp(shifted), axis, keepdims=True))
