"""Weight regularizers (``keras.regularizers``): ``L1``, ``L2``, ``L1L2``, ``OrthogonalRegularizer``
and the helpers ``l1(l=0.01)``, ``l2(l=0.01)``, ``l1_l2(l1=0.01, l2=0.01)``,
``orthogonal_regularizer``. Calling one on a tensor gives a scalar
``ag.Tensor`` penalty that stays in the graph."""
import autograd_core as ag

from ._registry import ConfigRegistry
from .losses import l2_normalize


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


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (``mode='rows'``) or columns of a 2-D weight towards mutual orthogonality:
    factor * mean over pairs of |cosine similarity| / 2 (so the penalty is in [0, factor / 2])."""

    def __init__(self, factor=0.01, mode="rows"):
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not factor >= 0 \
                or factor == float("inf"):
            raise ValueError(f"OrthogonalRegularizer: factor must be a non-negative float, "
                             f"got {factor!r}")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: mode must be 'rows' or 'columns', got {mode!r}")
        self.factor, self.mode = float(factor), mode

    def __call__(self, x):
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer: the weight must have rank 2, got shape "
                             f"{tuple(x.shape)}")
        if self.mode == "columns":
            x = ag.transpose(x)
        size = x.shape[0]
        if size < 2:
            return ag.zeros((), dtype=x.dtype)
        unit = l2_normalize(x, axis=1)
        cosines = ag.matmul(unit, ag.transpose(unit))
        off_diagonal = ag.sum(ag.abs(cosines * (1.0 - ag.eye(size, dtype=x.dtype))))
        return off_diagonal * (self.factor * 0.5 / (size * (size - 1) / 2))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def orthogonal_regularizer(factor=0.01, mode="rows"):
    return OrthogonalRegularizer(factor=factor, mode=mode)


_REGISTRY = ConfigRegistry("regularizer",
                           {"L1L2": L1L2, "L1": L1, "L2": L2, "Regularizer": Regularizer,
                            "OrthogonalRegularizer": OrthogonalRegularizer},
                           aliases={"l1": L1, "l2": L2, "l1_l2": L1L2,
                                    "orthogonal_regularizer": OrthogonalRegularizer})


def get(identifier):
    return _REGISTRY.get(identifier)


def serialize(regularizer):
    return _REGISTRY.serialize(regularizer)


def deserialize(config, custom_objects=None):
    return _REGISTRY.deserialize(config, custom_objects)
