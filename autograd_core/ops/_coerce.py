"""Turning operands into what the primitives take: weak Python scalars stay scalars (they never
promote float32), numpy scalars become Python scalars, arrays and lists become tensors."""
import numpy as np

from .. import backend
from ..tensor import Tensor

_float32 = backend.float32


def coerce(t, other, promote=True):
    """Make ``other`` an operand for a binary op with tensor ``t``; returns (t, other). With
    ``promote``, an integer operand next to a float one takes its dtype (see ``promote_kinds``);
    without it (comparisons) both stay as they are, so they compare exactly."""
    cls = other.__class__
    if cls is Tensor:
        return promote_kinds(t, other) if promote else (t, other)
    if cls is float:
        if promote and t._data.dtype.kind not in "fc":  # int tensor * 0.5 -> float32
            t = t.astype(_float32)
        return t, other
    if cls is int or cls is bool:
        return t, other
    if isinstance(other, Tensor):
        return promote_kinds(t, other) if promote else (t, other)
    if isinstance(other, np.generic):
        return coerce(t, other.item(), promote)
    if other is None:
        raise TypeError("unsupported operand: None")
    other = Tensor(other, device=t._device)
    return promote_kinds(t, other) if promote else (t, other)


def promote_kinds(a, b):
    """Two tensors for an arithmetic op: an integer or bool tensor next to a float tensor takes the
    float's dtype, as in PyTorch (numpy would widen float32 with int64 to float64)."""
    ka, kb = a._data.dtype.kind, b._data.dtype.kind
    if ka == kb:
        return a, b
    if ka in "fc" and kb in "iub":
        return a, b.astype(a._data.dtype)
    if kb in "fc" and ka in "iub":
        return a.astype(b._data.dtype), b
    return a, b


def pair(a, b, promote=True):
    """Two operands, at least one made a tensor."""
    if isinstance(a, Tensor):
        return coerce(a, b, promote)
    if isinstance(b, Tensor):
        b, a = coerce(b, a, promote)
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
