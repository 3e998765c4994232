"""Weight regularizers (``keras.regularizers``): ``L1``, ``L2``, ``L1L2`` and the Keras 2 helpers
``l1(l=0.01)``, ``l2(l=0.01)``, ``l1_l2(l1=0.01, l2=0.01)``. Calling one on a tensor gives a scalar
``ag.Tensor`` penalty that stays in the graph."""
import autograd_core as ag

from ._registry import ConfigRegistry


class Regularizer:
    def __call__(self, x):
        return ag.zeros(())

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """l1·Σ|x| + l2·Σx²."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        penalty = None
        if self.l1:
            penalty = self.l1 * ag.sum(ag.abs(x))
        if self.l2:
            term = self.l2 * ag.sum(ag.square(x))
            penalty = term if penalty is None else penalty + term
        return penalty if penalty is not None else ag.zeros(())

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def l1(l=0.01):  # noqa: E741 - Keras 2 spelling
    return L1(l1=l)


def l2(l=0.01):  # noqa: E741
    return L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1=l1, l2=l2)


_REGISTRY = ConfigRegistry("regularizer",
                           {"L1L2": L1L2, "L1": L1, "L2": L2, "Regularizer": Regularizer},
                           aliases={"l1": L1, "l2": L2, "l1_l2": L1L2})


def get(identifier):
    return _REGISTRY.get(identifier)


def serialize(regularizer):
    return _REGISTRY.serialize(regularizer)


def deserialize(config, custom_objects=None):
    return _REGISTRY.deserialize(config, custom_objects)
