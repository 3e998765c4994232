"""Normalizing composites: softmax and log_softmax (stable: the max is subtracted first)."""
from .math import exp
from .reductions import logsumexp, max, sum
from ._coerce import as_tensor


def softmax(x, axis=-1):
    x = as_tensor(x)
    e = exp(x - max(x, axis, keepdims=True).detach())
    return e / sum(e, axis, keepdims=True)


def log_softmax(x, axis=-1):
    x = as_tensor(x)
    return x - logsumexp(x, axis, keepdims=True)
