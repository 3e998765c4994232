"""Weight constraints (``keras.constraints``): projections applied to a weight after each update.
``constraint(w)`` returns the projected ``ag.Tensor``; the optimizer assigns it."""
import autograd_core as ag

from . import backend
from ._registry import ConfigRegistry


class Constraint:
    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norm(w, axis):
    return ag.sqrt(ag.sum(ag.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale so the L2 norm along ``axis`` is at most ``max_value``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = _norm(w, self.axis)
        desired = ag.clip(norms, 0, self.max_value)
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    def __call__(self, w):
        return w * ag.cast(w >= 0.0, w.dtype)


class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (backend.epsilon() + _norm(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Norms pulled into [min_value, max_value] at speed ``rate``."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norm(w, self.axis)
        clipped = ag.clip(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1 - self.rate) * norms
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
maxnorm, nonneg, unitnorm = MaxNorm, NonNeg, UnitNorm

_REGISTRY = ConfigRegistry("constraint", {c.__name__: c for c in (MaxNorm, NonNeg, UnitNorm,
                                                                   MinMaxNorm, Constraint)},
                           aliases={"max_norm": MaxNorm, "maxnorm": MaxNorm, "non_neg": NonNeg,
                                    "nonneg": NonNeg, "unit_norm": UnitNorm, "unitnorm": UnitNorm,
                                    "min_max_norm": MinMaxNorm})


def get(identifier):
    return _REGISTRY.get(identifier)


def serialize(constraint):
    return _REGISTRY.serialize(constraint)


def deserialize(config, custom_objects=None):
    return _REGISTRY.deserialize(config, custom_objects)
