"""The primitives, one module per family. Each defines its forward and derivative rules side by side."""
from . import elementwise, reduction, shape, indexing, linalg  # noqa: F401
from ..autodiff.graph import REGISTRY  # noqa: F401
