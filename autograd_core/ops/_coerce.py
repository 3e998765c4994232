"""Turning operands into what the primitives take: weak Python scalars stay scalars (they never
promote float32), numpy scalars become Python scalars, arrays and lists become tensors."""
import numpy as np

from .. import backend
from ..tensor import Tensor

_float32 = backend.float32


def coerce(t, other):
    """Make ``other`` an operand for a binary op with tensor ``t``; returns (t, other)."""
    cls = other.__class__
    if cls is Tensor:
        return t, other
    if cls is float:
        if t._data.dtype.kind not in "fc":  # int tensor * 0.5 -> float32, not float64
            t = t.astype(_float32)
        return t, other
    if cls is int or cls is bool:
        return t, other
    if isinstance(other, Tensor):
        return t, other
    if isinstance(other, np.generic):
        return coerce(t, other.item())
    if other is None:
        raise TypeError("unsupported operand: None")
    return t, Tensor(other, device=t._device)


def pair(a, b):
    """Two operands, at least one made a tensor."""
    if isinstance(a, Tensor):
        return coerce(a, b)
    if isinstance(b, Tensor):
        b, a = coerce(b, a)
        return a, b
    return as_tensor(a), b


def as_tensor(x, device=None):
    if isinstance(x, Tensor):
        return x
    return Tensor(x, device=device)


def as_real(x):
    """``x`` as a floating-point tensor: integers and bools become float32, the default float (as
    when an integer tensor meets a Python float)."""
    x = as_tensor(x)
    return x if x._data.dtype.kind in "fc" else x.astype(backend.float32)
