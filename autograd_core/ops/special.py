"""Normalizing ops: softmax (a primitive: one pass forward, s (g - sum(g s)) back) and log_softmax
(stable: log-sum-exp with the max subtracted first)."""
from ..autodiff.graph import primitive
from .reductions import logsumexp, sum
from ._coerce import as_tensor


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
    x = as_tensor(x)
    if x.dtype.kind != "f":
        x = x.astype("float32")
    return _softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    x = as_tensor(x)
    return x - logsumexp(x, axis, keepdims=True)
