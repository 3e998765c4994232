"""Indexing: ``getitem`` (numpy semantics, basic and advanced) and its adjoint ``index_add``, a
scatter-add into zeros that accumulates repeated indices. Each is the other's derivative."""
from .. import backend
from ..autodiff.graph import primitive
from ._lazy import O


def has_int_array(key):
    """True when the (normalized) key holds an integer index array, so indices may repeat."""
    return any(getattr(k, "dtype", None) is not None and k.dtype.kind in "iu" for k in key)


def _getitem_fwd(xp, x, key=None):
    return x[key]


def _add_into(xp, buf, g, key=None):
    """``buf[key] += g`` in place, repeated indices accumulating."""
    if has_int_array(key):
        backend.scatter_add(xp, buf, key, g)
    else:
        buf[key] += g


getitem = primitive(
    "getitem", _getitem_fwd,
    vjps=[lambda g, out, x, key=None: O.index_add(g, shape=x.shape, key=key)],
    jvps=[lambda t, out, x, key=None: O.getitem(t, key=key)],
    accumulate=_add_into)


def _index_add_fwd(xp, g, shape=None, key=None):
    z = xp.zeros(shape, dtype=g.dtype)
    _add_into(xp, z, g, key)
    return z


index_add = primitive(
    "index_add", _index_add_fwd,
    vjps=[lambda g, out, src, shape=None, key=None: O.getitem(g, key=key)],
    jvps=[lambda t, out, src, shape=None, key=None: O.index_add(t, shape=shape, key=key)])
