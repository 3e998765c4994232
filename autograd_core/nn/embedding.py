"""Embedding lookup: rows of a table gathered by integer ids. The gradient is a dense table of the
same shape in which repeated ids accumulate (after sorting the ids: a few collision-free rounds of
fancy-index adds, or one ``reduceat`` when ids repeat often; never ``np.add.at``)."""
import numpy as np

from .. import backend
from ..autodiff.graph import primitive
from ..ops._coerce import as_tensor


def _lookup_fwd(xp, table, ids):
    return xp.take(table, ids, axis=0)


_MAX_ROUNDS = 8  # ids repeated more often than this are summed with one reduceat instead


def _scatter_fwd(xp, g, ids, rows=None):
    dim = g.shape[ids.ndim:]
    out = xp.zeros((rows,) + dim, dtype=g.dtype)
    flat_ids = ids.reshape(-1)
    flat_g = g.reshape((flat_ids.size,) + dim)
    if xp is not np:
        return backend.scatter_add(xp, out, flat_ids, flat_g)
    if flat_ids.size == 0:
        return out
    order = np.argsort(flat_ids, kind="stable")
    sorted_ids = flat_ids[order]
    first = np.empty(sorted_ids.size, dtype=bool)
    first[0] = True
    np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    # occurrence number of each id among its repeats (0 for the first)
    rank = np.arange(sorted_ids.size) - starts[np.cumsum(first) - 1]
    repeats = int(rank.max())
    if repeats > _MAX_ROUNDS:
        out[sorted_ids[starts]] = np.add.reduceat(flat_g[order], starts, axis=0)
        return out
    out[sorted_ids[starts]] = flat_g[order[starts]]
    for r in range(1, repeats + 1):  # round r adds the r-th repeat of every id: no collisions
        taken = order[rank == r]
        out[flat_ids[taken]] += flat_g[taken]
    return out


def _no_grad(*args, **params):
    return None  # integer ids have no derivative


embedding_lookup = primitive(
    "embedding_lookup", _lookup_fwd,
    vjps=[lambda g, out, table, ids: embedding_scatter(g, ids, rows=table.shape[0]), _no_grad],
    jvps=[lambda t, out, table, ids: embedding_lookup(t, ids), _no_grad],
    doc="table[ids] along the first axis of the table.")

embedding_scatter = primitive(
    "embedding_scatter", _scatter_fwd,
    vjps=[lambda v, out, g, ids, rows=None: embedding_lookup(v, ids), _no_grad],
    jvps=[lambda t, out, g, ids, rows=None: embedding_scatter(t, ids, rows=rows), _no_grad],
    doc="Sum the rows of g into a zero table at ids (repeated ids accumulate).")


def embedding(ids, table):
    """Rows of ``table`` (vocabulary, ...) for integer ``ids`` of any shape:
    result shape ``ids.shape + table.shape[1:]``."""
    table = as_tensor(table)
    ids = as_tensor(ids, device=table.device)
    if ids.dtype.kind not in "iu":
        ids = ids.astype(np.int64)
    if table.ndim < 1:
        raise ValueError(f"embedding: the table must have at least one axis, got shape {table.shape}")
    if ids.size:
        lo, hi = int(ids.data.min()), int(ids.data.max())
        if lo < 0 or hi >= table.shape[0]:
            raise ValueError(f"embedding: ids must lie in [0, {table.shape[0]}) for a table of shape "
                             f"{tuple(table.shape)}, got values from {lo} to {hi}")
    return embedding_lookup(table, ids)
