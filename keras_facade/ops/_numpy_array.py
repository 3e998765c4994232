"""``keras.ops.numpy``, the array part: creation, shapes, joining and splitting, indexing and
gathers (differentiable: their gradients scatter back), sorting and searching, counting. Index
arithmetic that needs no gradient is done in numpy; every value is computed with engine ops."""
import math
import re

import numpy as np

import autograd_core as ag

from .. import backend as _backend
from .core import convert_to_numpy, named, op, standardize_dtype, to_int_array, to_tensor
from .core import shape as shape_of

__all__ = [
    "arange", "argpartition", "argsort", "array", "array_split", "bincount", "broadcast_to",
    "concatenate", "copy", "count_nonzero", "diag", "diagflat", "diagonal", "digitize", "dsplit",
    "dstack", "empty", "empty_like", "expand_dims", "eye", "flip", "fliplr", "flipud", "full",
    "full_like", "geomspace", "get_item", "histogram", "hsplit", "hstack", "identity", "inner",
    "isin", "kron", "linspace", "logspace", "meshgrid", "moveaxis", "ndim", "nonzero", "ones",
    "ones_like", "outer", "pad", "ravel", "repeat", "reshape", "roll", "rot90", "searchsorted",
    "size", "sort", "split", "squeeze", "stack", "swapaxes", "take", "take_along_axis", "tile",
    "transpose", "trapezoid", "tri", "tril", "triu", "unique", "unravel_index", "vander", "view",
    "vsplit", "vstack", "where", "zeros", "zeros_like"]

_INT32 = np.dtype("int32")


# -- helpers ---------------------------------------------------------------------------------------
def _device():
    return _backend.get_device()


def _floatx():
    return np.dtype(_backend.floatx())


def _result_dtype(xs):
    """Keras' promotion of tensors and Python scalars: a float beats an integer; Python scalars are
    weak (an int keeps the tensors' dtype, a float makes an integer result floatx)."""
    strong = [x.dtype for x in xs if isinstance(x, ag.Tensor)]
    floats = [d for d in strong if d.kind == "f"]
    if floats:
        return np.result_type(*floats)
    if any(isinstance(x, float) for x in xs):
        return _floatx()
    return np.result_type(*strong) if strong else to_tensor(xs[0]).dtype


def _narrow(dtype):
    """Keras' ``result_type`` as some ops apply it: 64-bit results narrow to 32 bits."""
    dtype = np.dtype(dtype)
    return {"float64": np.dtype("float32"), "int64": _INT32}.get(dtype.name, dtype)


def _tensors(*xs):
    """The arguments as tensors of one (promoted) dtype."""
    device = next((x.device for x in xs if isinstance(x, ag.Tensor)), None)
    xs = [x if isinstance(x, (int, float)) else to_tensor(x, device=device) for x in xs]
    dtype = _result_dtype(xs)
    return [ag.cast(to_tensor(x, device=device), dtype) for x in xs]


def _is_strings(x):
    return isinstance(x, np.ndarray) and x.dtype.kind in "US"


def _axis(axis, ndim, name):
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"keras.ops.{name}: axis {axis} is out of range for a tensor of "
                         f"rank {ndim}")
    return axis % max(ndim, 1)


def _axes(axes, ndim, name):
    """One axis or a tuple of them, each checked and made non-negative."""
    if np.ndim(axes) == 0:
        return _axis(int(axes), ndim, name)
    return tuple(_axis(int(a), ndim, name) for a in axes)


def _on_axis(x, axis, name):
    """``x`` as a tensor and ``axis`` checked; ``axis=None`` means the flattened ``x``."""
    x = to_tensor(x)
    if axis is None:
        return ag.reshape(x, (-1,)), 0
    return x, _axis(axis, x.ndim, name)


def _along(axis, index):
    """A getitem key that applies ``index`` to ``axis``."""
    return (slice(None),) * axis + (index,)


def _gather(x, axis, idx):
    """``x`` indexed along ``axis`` with the integer array ``idx`` (its gradient scatters back)."""
    return x[_along(axis, idx)]


def _creation_dtype(dtype):
    return standardize_dtype(dtype) if dtype is not None else _floatx()


def _shape_tuple(shape):
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(n) for n in shape)


# -- creation --------------------------------------------------------------------------------------
@named
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop); integers give int32, any float floatx."""
    values = [v for v in (start, stop, step) if v is not None]
    if dtype is None:
        dtype = _INT32 if all(isinstance(v, (int, np.integer)) for v in values) else _floatx()
    if stop is None:
        start, stop = 0, start
    return ag.arange(start, stop, 1 if step is None else step, dtype=standardize_dtype(dtype),
                     device=_device())


@op
def array(x, dtype=None):
    return to_tensor(x, dtype)


@op
def copy(x):
    """A copy of ``x`` with its own buffer (differentiable)."""
    x = to_tensor(x)
    return ag.pad(x, 0)


@named
def empty(shape, dtype=None):
    return ag.empty(_shape_tuple(shape), dtype=_creation_dtype(dtype), device=_device())


@named
def zeros(shape, dtype=None):
    return ag.zeros(_shape_tuple(shape), dtype=_creation_dtype(dtype), device=_device())


@named
def ones(shape, dtype=None):
    return ag.ones(_shape_tuple(shape), dtype=_creation_dtype(dtype), device=_device())


@named
def full(shape, fill_value, dtype=None):
    """``shape`` filled with ``fill_value`` (floatx unless ``dtype``); a tensor fill is broadcast
    (and differentiable)."""
    shape = _shape_tuple(shape)
    if isinstance(fill_value, ag.Tensor):
        return copy(ag.broadcast_to(ag.cast(fill_value, _creation_dtype(dtype)), shape))
    return ag.full(shape, fill_value, dtype=_creation_dtype(dtype), device=_device())


def _like(x, dtype):
    x = to_tensor(x)
    return x.shape, standardize_dtype(dtype) if dtype is not None else x.dtype


@op
def empty_like(x, dtype=None):
    return empty(*_like(x, dtype))


@op
def zeros_like(x, dtype=None):
    return zeros(*_like(x, dtype))


@op
def ones_like(x, dtype=None):
    return ones(*_like(x, dtype))


@op
def full_like(x, fill_value, dtype=None):
    shape, dt = _like(x, dtype)
    return full(shape, fill_value, dt)


@named
def eye(N, M=None, k=0, dtype=None):
    """Ones on the ``k``-th diagonal of an N x M matrix."""
    return to_tensor(np.eye(int(N), None if M is None else int(M), int(k)), _creation_dtype(dtype))


@named
def identity(n, dtype=None):
    return eye(n, dtype=dtype)


@named
def tri(N, M=None, k=0, dtype=None):
    """Ones at and below the ``k``-th diagonal."""
    return to_tensor(np.tri(int(N), None if M is None else int(M), int(k)), _creation_dtype(dtype))


@op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced samples from ``start`` to ``stop`` (array ends give one more axis,
    placed at ``axis``); differentiable in the ends."""
    start, stop = _tensors(start, stop, 1.0)[:2]
    dtype = _narrow(start.dtype) if dtype is None else standardize_dtype(dtype)
    if start.dtype.kind != "f":
        start, stop = ag.cast(start, _floatx()), ag.cast(stop, _floatx())
    div = (num - 1) if endpoint else num
    step = (stop - start) * (1.0 / div) if div > 0 else stop - start
    shape = (int(num),) + (1,) * max(start.ndim, stop.ndim)
    steps = ag.reshape(ag.arange(int(num), dtype=start.dtype, device=start.device), shape)
    out = ag.cast(ag.moveaxis(start + steps * step, 0, axis), dtype)
    return (out, step) if retstep else out


@op
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop)``."""
    exponents = linspace(start, stop, num, endpoint, dtype=None, axis=axis)
    return _cast_result(ag.exp(exponents * math.log(base)), dtype)


@op
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Samples evenly spaced on a log scale from ``start`` to ``stop`` (same signs)."""
    start, stop = _tensors(start, stop, 1.0)[:2]
    sign = ag.sign(start)
    out = sign * ag.exp(linspace(ag.log(ag.abs(start)), ag.log(ag.abs(stop)), num, endpoint,
                                 axis=axis))
    return _cast_result(out, dtype)


def _cast_result(out, dtype):
    """``out`` cast to ``dtype``, or (None) to Keras' narrowed result type."""
    return ag.cast(out, _narrow(out.dtype) if dtype is None else standardize_dtype(dtype))


@op
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors (``indexing='xy'``: the first two axes swapped)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"keras.ops.meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    xs = [ravel(v) for v in x]
    axes = list(range(len(xs)))  # the axis along which each input varies
    if indexing == "xy" and len(xs) > 1:
        axes[:2] = [1, 0]
    shape = [0] * len(xs)
    for v, axis in zip(xs, axes):
        shape[axis] = v.shape[0]
    views = [tuple(n if i == axis else 1 for i, n in enumerate(shape)) for axis in axes]
    return [ag.broadcast_to(ag.reshape(v, view), tuple(shape)) for v, view in zip(xs, views)]


@op
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-D ``x`` (powers decreasing unless ``increasing``)."""
    x = _cast_result(to_tensor(x), None)
    if x.ndim != 1:
        raise ValueError(f"keras.ops.vander: x must be 1-D, got shape {x.shape}")
    n = x.shape[0] if N is None else int(N)
    cols = [ag.ones_like(x)] if n else []
    for _ in range(n - 1):
        cols.append(cols[-1] * x)
    out = ag.stack(cols, axis=1) if cols else ag.reshape(x, (-1, 1))[:, :0]
    return out if increasing else ag.flip(out, axis=1)


# -- shapes ----------------------------------------------------------------------------------------
@op
def reshape(x, newshape):
    x = to_tensor(x)
    shape = _shape_tuple(newshape)
    if shape.count(-1) > 1:
        raise ValueError(f"keras.ops.reshape: at most one -1 in newshape, got {shape}")
    return ag.reshape(x, shape)


@op
def transpose(x, axes=None):
    return ag.transpose(to_tensor(x), axes)


@op
def expand_dims(x, axis):
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    if _is_strings(x):  # string inputs stay numpy arrays (no gradient)
        return np.expand_dims(x, axes)
    x = to_tensor(x)
    for a in axes:
        _axis(a, x.ndim + len(axes), "expand_dims")
    return ag.expand_dims(x, axes)


@op
def squeeze(x, axis=None):
    return ag.squeeze(to_tensor(x), axis)


@op
def ravel(x):
    return ag.reshape(to_tensor(x), (-1,))


@op
def broadcast_to(x, shape):
    return ag.broadcast_to(to_tensor(x), _shape_tuple(shape))


@op
def moveaxis(x, source, destination):
    x = to_tensor(x)
    return ag.moveaxis(x, _axes(source, x.ndim, "moveaxis"), _axes(destination, x.ndim, "moveaxis"))


@op
def swapaxes(x, axis1, axis2):
    x = to_tensor(x)
    return ag.swapaxes(x, _axis(axis1, x.ndim, "swapaxes"), _axis(axis2, x.ndim, "swapaxes"))


@op
def flip(x, axis=None):
    x = to_tensor(x)
    return ag.flip(x, None if axis is None else _axes(axis, x.ndim, "flip"))


@op
def fliplr(x):
    return _flip_min_rank(x, 1, 2, "fliplr")


@op
def flipud(x):
    return _flip_min_rank(x, 0, 1, "flipud")


def _flip_min_rank(x, axis, rank, name):
    x = to_tensor(x)
    if x.ndim < rank:
        raise ValueError(f"keras.ops.{name}: needs a tensor of rank >= {rank}, got shape {x.shape}")
    return ag.flip(x, axis)


@op
def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first towards the
    second)."""
    x = to_tensor(array)
    a, b = (_axis(ax, x.ndim, "rot90") for ax in axes)
    if a == b or x.ndim < 2:
        raise ValueError(f"keras.ops.rot90: axes {tuple(axes)} must be two different axes of a "
                         f"tensor of rank >= 2 (shape {x.shape})")
    k %= 4
    if k == 2:
        return ag.flip(x, (a, b))
    if k == 1:
        return ag.swapaxes(ag.flip(x, b), a, b)
    if k == 3:
        return ag.flip(ag.swapaxes(x, a, b), b)
    return x


@op
def roll(x, shift, axis=None):
    """Shift the entries cyclically by ``shift`` along ``axis`` (None: the flattened tensor)."""
    x = to_tensor(x)
    if axis is None:
        return ag.reshape(roll(ag.reshape(x, (-1,)), shift, 0), x.shape)
    shifts, axes = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    for s, a in zip(shifts.reshape(-1), axes.reshape(-1)):
        a = _axis(int(a), x.ndim, "roll")
        x = _gather(x, a, (np.arange(x.shape[a]) - int(s)) % max(x.shape[a], 1))
    return x


@op
def tile(x, repeats):
    return ag.tile(to_tensor(x), tuple(int(r) for r in np.atleast_1d(convert_to_numpy(repeats))))


@op
def repeat(x, repeats, axis=None):
    """Repeat each entry ``repeats`` times (an int or one count per entry) along ``axis``."""
    x, axis = _on_axis(x, axis, "repeat")
    counts = to_int_array(repeats, "repeat", "repeats")
    if counts.ndim and counts.shape != (x.shape[axis],):
        raise ValueError(f"keras.ops.repeat: repeats of shape {counts.shape} for axis {axis} of "
                         f"size {x.shape[axis]}")
    return _gather(x, axis, np.repeat(np.arange(x.shape[axis]), counts))


_PAD_MODES = ("constant", "reflect", "symmetric", "edge", "wrap")


@op
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad with ``pad_width`` as numpy's; modes constant, reflect, symmetric, edge and wrap."""
    x = to_tensor(x)
    if mode not in _PAD_MODES:
        raise ValueError(f"keras.ops.pad: mode must be one of {_PAD_MODES}, got {mode!r}")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64).reshape(-1, 2)
                             if np.ndim(pad_width) else np.asarray(pad_width), (x.ndim, 2))
    if (widths < 0).any():
        raise ValueError(f"keras.ops.pad: negative pad widths {widths.tolist()}")
    if mode == "constant":
        return ag.pad(x, widths, value=0 if constant_values is None else constant_values)
    if constant_values is not None:
        raise ValueError(f"keras.ops.pad: constant_values is only for mode='constant', "
                         f"not {mode!r}")
    for axis, w in enumerate(widths):
        if w.any():  # the padded positions gather the entries numpy's pad would copy there
            x = _gather(x, axis, np.pad(np.arange(x.shape[axis]), tuple(w), mode=mode))
    return x


# -- joining and splitting -------------------------------------------------------------------------
@op
def concatenate(xs, axis=0):
    """Join along an existing axis (dtypes promoted)."""
    xs = _tensors(*xs)
    if axis is None:
        return ag.concatenate([ag.reshape(x, (-1,)) for x in xs], axis=0)
    return ag.concatenate(xs, axis=axis)


@op
def stack(x, axis=0):
    """Join along a new axis (dtypes promoted)."""
    return ag.stack(_tensors(*x), axis=axis)


@op
def hstack(xs):
    xs = _tensors(*xs)
    return ag.concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


@op
def vstack(xs):
    return ag.concatenate([ag.reshape(x, (1, -1)) if x.ndim < 2 else x for x in _tensors(*xs)], 0)


@op
def dstack(xs):
    def at_least_3d(x):
        return ag.reshape(x, (1, -1, 1)) if x.ndim < 2 else \
            ag.expand_dims(x, 2) if x.ndim == 2 else x
    return ag.concatenate([at_least_3d(x) for x in _tensors(*xs)], axis=2)


def _split(x, indices_or_sections, axis, name, equal=True):
    """Split at indices, or into sections (``equal``: they must divide the axis exactly)."""
    x = to_tensor(x)
    axis = _axis(axis, x.ndim, name)
    n = x.shape[axis]
    if np.ndim(indices_or_sections) == 0:
        parts = int(indices_or_sections)
        if parts <= 0 or (equal and n % parts):
            raise ValueError(f"keras.ops.{name}: axis {axis} of size {n} does not split into "
                             f"{parts} equal sections")
        small, extra = divmod(n, parts)
        sizes = [small + 1] * extra + [small] * (parts - extra)
        bounds = np.concatenate([[0], np.cumsum(sizes)])
    else:
        bounds = [0] + [int(i) for i in np.asarray(convert_to_numpy(indices_or_sections))] + [n]
    return [x[_along(axis, slice(int(lo), max(int(lo), int(hi))))]
            for lo, hi in zip(bounds[:-1], bounds[1:])]


@op
def split(x, indices_or_sections, axis=0):
    """Split into equal sections or at indices; returns a list."""
    return _split(x, indices_or_sections, axis, "split")


@op
def array_split(x, indices_or_sections, axis=0):
    """Split into sections (sizes differing by at most one) or at indices; returns a list."""
    return _split(x, indices_or_sections, axis, "array_split", equal=False)


@op
def hsplit(x, indices_or_sections):
    x = to_tensor(x)
    return _split(x, indices_or_sections, 0 if x.ndim == 1 else 1, "hsplit")


@op
def vsplit(x, indices_or_sections):
    return _split(x, indices_or_sections, 0, "vsplit")


@op
def dsplit(x, indices_or_sections):
    return _split(x, indices_or_sections, 2, "dsplit")


# -- indexing and gathers --------------------------------------------------------------------------
def _key_part(k):
    """Tensors and lists in a key become numpy index arrays (boolean masks or integers)."""
    if not isinstance(k, (ag.Tensor, list)):
        return k
    arr = np.asarray(convert_to_numpy(k))
    return arr if arr.dtype == np.bool_ else to_int_array(arr, "get_item", "index arrays")


@op
def get_item(x, key):
    """``x[key]`` with numpy semantics (tensors allowed in the key)."""
    if isinstance(key, list) and any(k is None or k is Ellipsis or isinstance(k, slice)
                                     for k in key):
        key = tuple(key)  # a multi-axis key as configs record it
    key = tuple(_key_part(k) for k in key) if isinstance(key, tuple) else _key_part(key)
    return to_tensor(x)[key]


@op
def take(x, indices, axis=None):
    """Entries of ``x`` at ``indices`` along ``axis`` (None: of the flattened ``x``)."""
    x, axis = _on_axis(x, axis, "take")
    idx = to_int_array(indices, "take")
    n = x.shape[axis]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"keras.ops.take: indices in [{idx.min()}, {idx.max()}] are out of range "
                         f"for axis {axis} of size {n}")
    return _gather(x, axis, idx)


@op
def take_along_axis(x, indices, axis=None):
    """Entries picked along ``axis`` by ``indices`` (broadcast against ``x`` on the other axes)."""
    x, axis = _on_axis(x, axis, "take_along_axis")
    idx = to_int_array(indices, "take_along_axis")
    if idx.ndim != x.ndim:
        raise ValueError(f"keras.ops.take_along_axis: indices of shape {idx.shape} need the rank "
                         f"of x, shape {x.shape}")
    shape = list(np.broadcast_shapes(tuple(1 if i == axis else n for i, n in enumerate(x.shape)),
                                     tuple(1 if i == axis else n for i, n in enumerate(idx.shape))))
    x = ag.broadcast_to(x, tuple(shape[:axis] + [x.shape[axis]] + shape[axis + 1:]))
    idx = np.broadcast_to(idx, tuple(shape[:axis] + [idx.shape[axis]] + shape[axis + 1:]))
    key = list(np.ix_(*[np.arange(n) for n in idx.shape]))
    key[axis] = idx
    return x[tuple(key)]


@op
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The ``offset``-th diagonal of the planes of ``axis1`` and ``axis2`` (as a last axis)."""
    x = to_tensor(x)
    a, b = _axis(axis1, x.ndim, "diagonal"), _axis(axis2, x.ndim, "diagonal")
    if a == b:
        raise ValueError(f"keras.ops.diagonal: axis1 and axis2 are both {a}")
    x = ag.moveaxis(x, (a, b), (-2, -1))
    rows = np.arange(max(-offset, 0), x.shape[-2])
    rows = rows[rows + offset < x.shape[-1]]
    return x[(Ellipsis, rows, rows + offset)]


@op
def diag(x, k=0):
    """A 1-D ``x``: the matrix with ``x`` on its ``k``-th diagonal; a 2-D ``x``: that diagonal."""
    x = to_tensor(x)
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ValueError(f"keras.ops.diag: x must be 1-D or 2-D, got shape {x.shape}")
    n = x.shape[0] + abs(k)
    rows = np.arange(x.shape[0]) + max(-k, 0)
    return ag.index_add(x, shape=(n, n), key=(rows, rows + k))


@op
def diagflat(x, k=0):
    return diag(ravel(x), k)


def _triangle(x, k, lower, name):
    x = to_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"keras.ops.{name}: needs a tensor of rank >= 2, got shape {x.shape}")
    mask = np.tri(x.shape[-2], x.shape[-1], k, dtype=bool)
    return ag.where(mask if lower else ~mask, x, 0)


@op
def tril(x, k=0):
    """The entries at and below the ``k``-th diagonal (the rest zero)."""
    return _triangle(x, k, True, "tril")


@op
def triu(x, k=0):
    """The entries at and above the ``k``-th diagonal (the rest zero)."""
    return _triangle(x, k - 1, False, "triu")


@op
def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2`` (broadcast, dtypes promoted); with the
    condition alone, its nonzero indices."""
    if x1 is None and x2 is None:
        return tuple(ag.cast(i, np.int64) for i in nonzero(condition))
    if x1 is None or x2 is None:
        raise ValueError("keras.ops.where: give both x1 and x2, or neither")
    cond = to_tensor(condition)
    cond = cond if cond.dtype == np.bool_ else cond != 0
    return ag.where(cond, *_tensors(x1, x2))


# -- sorting, searching, counting (their index results need no gradient) ---------------------------
def _values(x):
    return np.asarray(convert_to_numpy(x))


def _int_tensor(arr, dtype=_INT32):
    return to_tensor(np.asarray(arr).astype(dtype))


@op
def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (stable; int32)."""
    x, axis = _on_axis(x, axis, "argsort")
    return _int_tensor(np.argsort(_values(x), axis=axis, kind="stable"))


@op
def sort(x, axis=-1):
    """``x`` sorted along ``axis``; the gradient goes back to each entry's original place."""
    x, axis = _on_axis(x, axis, "sort")
    return take_along_axis(x, np.argsort(_values(x), axis=axis, kind="stable"), axis)


@op
def argpartition(x, kth, axis=-1):
    """Indices that put the ``kth`` entry in its sorted place, smaller ones before it (int32)."""
    return _int_tensor(np.argpartition(_values(x), kth, axis=axis))


@op
def searchsorted(sorted_sequence, values, side="left"):
    """Where ``values`` would be inserted into the 1-D ``sorted_sequence`` (int32)."""
    seq = _values(sorted_sequence)
    if seq.ndim != 1:
        raise ValueError(f"keras.ops.searchsorted: sorted_sequence must be 1-D, got shape "
                         f"{seq.shape}")
    if side not in ("left", "right"):
        raise ValueError(f"keras.ops.searchsorted: side must be 'left' or 'right', got {side!r}")
    return _int_tensor(np.searchsorted(seq, _values(values), side=side))


@op
def digitize(x, bins):
    """The index of the bin of each entry: ``bins[i-1] <= x < bins[i]`` (int32)."""
    return _int_tensor(np.digitize(_values(x), _values(bins)))


@op
def nonzero(x):
    """The indices of the nonzero entries, one int32 tensor per axis."""
    return tuple(_int_tensor(i) for i in np.nonzero(_values(x)))


@op
def count_nonzero(x, axis=None):
    return _int_tensor(np.count_nonzero(_values(x), axis=axis))


@op
def isin(x1, x2, assume_unique=False, invert=False):
    return to_tensor(np.isin(_values(x1), _values(x2), assume_unique=assume_unique, invert=invert))


@op
def unravel_index(indices, shape):
    """The coordinates of flat ``indices`` in an array of ``shape``, one int32 tensor per axis."""
    return tuple(_int_tensor(i) for i in np.unravel_index(to_int_array(indices, "unravel_index"),
                                                           _shape_tuple(shape)))


@op
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts (or summed ``weights``) of each non-negative integer in a 1-D ``x`` (a 2-D ``x``:
    per row); differentiable in ``weights``."""
    if sparse:
        raise ValueError("keras.ops.bincount: sparse outputs are not supported")
    idx = to_int_array(x, "bincount", "x")
    if idx.ndim not in (1, 2) or (idx.size and idx.min() < 0):
        raise ValueError(f"keras.ops.bincount: x must be 1-D or 2-D non-negative integers, got "
                         f"shape {idx.shape}")
    n = max(int(minlength), int(idx.max()) + 1 if idx.size else 0)
    w = ag.ones(idx.shape, dtype=_INT32, device=_device()) if weights is None else \
        _cast_result(to_tensor(weights), None)
    if w.shape != idx.shape:
        raise ValueError(f"keras.ops.bincount: weights of shape {w.shape} for x of shape "
                         f"{idx.shape}")
    if idx.ndim == 1:
        return ag.index_add(w, shape=(n,), key=(idx,))
    rows = np.broadcast_to(np.arange(idx.shape[0])[:, None], idx.shape)
    return ag.index_add(w, shape=(idx.shape[0], n), key=(rows, idx))


@op
def histogram(x, bins=10, range=None):
    """Counts in ``bins`` equal bins over ``range`` (default: x's min and max) and the bin edges."""
    values = _values(x)
    counts, edges = np.histogram(values, bins=int(bins), range=range)
    dt = values.dtype if values.dtype.kind == "f" else _floatx()
    return to_tensor(counts.astype(dt)), to_tensor(edges.astype(dt))


@op
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """The unique entries (sorted), optionally with their first indices, the inverse map and
    counts (int64); ``size`` pads (with ``fill_value``, default 0) or truncates."""
    values = _values(x)
    out = np.unique(values, return_index=True, return_inverse=True, return_counts=True, axis=axis)
    uniq, index, inverse, counts = out
    inverse = inverse.reshape(values.shape if axis is None else (-1,))
    if size is not None:
        size = int(size)
        fill = 0 if fill_value is None else fill_value
        uniq, index, counts = (np.concatenate([a[:size], np.full(max(size - len(a), 0),
                                                                 f, a.dtype)])
                               for a, f in ((uniq, fill), (index, 0), (counts, 0)))
    result = [to_tensor(uniq)]
    for flag, arr in ((return_index, index), (return_inverse, inverse), (return_counts, counts)):
        if flag:
            result.append(_int_tensor(arr, np.int64))
    return result[0] if len(result) == 1 else tuple(result)


# -- products and integrals ------------------------------------------------------------------------
@op
def outer(x1, x2):
    x1, x2 = _tensors(x1, x2)
    return ag.reshape(x1, (-1, 1)) * ag.reshape(x2, (1, -1))


@op
def inner(x1, x2):
    """Sum of products over the last axes (a scalar operand multiplies)."""
    x1, x2 = _tensors(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    if x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"keras.ops.inner: last axes differ, shapes {x1.shape} and {x2.shape}")
    return _cast_result(ag.tensordot(x1, x2, axes=([-1 % x1.ndim], [-1 % x2.ndim])), None)


@op
def kron(x1, x2):
    """The Kronecker product (blocks of ``x1[i] * x2``)."""
    x1, x2 = _tensors(x1, x2)
    nd = max(x1.ndim, x2.ndim)
    a = ag.reshape(x1, (1,) * (nd - x1.ndim) + x1.shape)
    b = ag.reshape(x2, (1,) * (nd - x2.ndim) + x2.shape)
    prod = ag.reshape(a, tuple(v for n in a.shape for v in (n, 1))) * \
        ag.reshape(b, tuple(v for n in b.shape for v in (1, n)))
    return ag.reshape(prod, tuple(m * n for m, n in zip(a.shape, b.shape)))


@op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of ``y`` along ``axis`` by the trapezoidal rule (spacing ``x`` or ``dx``)."""
    y = to_tensor(y)
    if y.dtype.kind != "f":
        y = ag.cast(y, _floatx())
    axis = _axis(axis, y.ndim, "trapezoid")
    n = y.shape[axis]
    pairs = y[_along(axis, slice(1, None))] + y[_along(axis, slice(None, n - 1))]
    if x is None:
        return ag.sum(pairs, axis=axis) * (0.5 * dx)
    x = ag.cast(to_tensor(x), y.dtype)
    xa = axis if x.ndim == y.ndim else 0
    d = x[_along(xa, slice(1, None))] - x[_along(xa, slice(None, x.shape[xa] - 1))]
    if x.ndim == 1 and y.ndim > 1:
        d = ag.reshape(d, tuple(-1 if i == axis else 1 for i in range(y.ndim)))
    return ag.sum(pairs * d, axis=axis) * 0.5


# -- shape queries and reinterpretation ------------------------------------------------------------
def ndim(x):
    return len(shape_of(x))


@named
def size(x):
    """The number of entries (an int64 scalar tensor)."""
    return to_tensor(np.int64(math.prod(to_tensor(x).shape)))


@op
def view(x, dtype=None):
    """The bytes of ``x`` read as ``dtype`` (the last axis rescaled; no gradient)."""
    x = to_tensor(x)
    if dtype is None:
        return x
    return to_tensor(np.ascontiguousarray(_values(x)).view(standardize_dtype(dtype)))


# -- top level only (keras.ops.cdist, keras.ops.rearrange) -----------------------------------------
@op
def cdist(x, y):
    """Euclidean distances between the rows of ``x`` (..., m, d) and ``y`` (..., n, d); the
    gradient at a zero distance is zero."""
    x, y = _tensors(x, y)
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"keras.ops.cdist: last axes differ, shapes {x.shape} and {y.shape}")
    diff = ag.expand_dims(x, -2) - ag.expand_dims(y, -3)
    d2 = ag.sum(diff * diff, axis=-1)
    positive = d2 > 0
    return ag.where(positive, ag.sqrt(ag.where(positive, d2, 1.0)), 0.0)


_GROUP = re.compile(r"\([^()]*\)|[^\s()]+")


def _parse_side(side, name):
    groups = []
    for token in _GROUP.findall(side):
        groups.append(token[1:-1].split() if token.startswith("(") else [token])
    if re.sub(r"\([^()]*\)|[^\s()]+|\s", "", side):
        raise ValueError(f"keras.ops.{name}: cannot parse {side!r}")
    return groups


@op
def rearrange(tensor, pattern, **axes_lengths):
    """einops-style reshaping and transposing, e.g. ``'b h w c -> b (h w) c'``."""
    x = to_tensor(tensor)
    if pattern.count("->") != 1:
        raise ValueError(f"keras.ops.rearrange: pattern {pattern!r} needs one '->'")
    left, right = (_parse_side(s, "rearrange") for s in pattern.split("->"))
    if len(left) != x.ndim:
        raise ValueError(f"keras.ops.rearrange: pattern {pattern!r} names {len(left)} axes, the "
                         f"tensor has shape {x.shape}")
    sizes = dict(axes_lengths)
    for group, n in zip(left, x.shape):
        unknown = [a for a in group if a not in sizes and a != "1"]
        known = math.prod(sizes.get(a, 1) for a in group if a in sizes)
        if len(unknown) > 1:
            raise ValueError(f"keras.ops.rearrange: give the lengths of {unknown[1:]} "
                             f"(axes_lengths)")
        if unknown:
            sizes[unknown[0]] = n // max(known, 1)
        if math.prod(sizes.get(a, 1) for a in group) != n:
            raise ValueError(f"keras.ops.rearrange: axis group {group} does not match size {n}")
    elementary = [a for g in left for a in g if a != "1"]
    out_axes = [a for g in right for a in g if a != "1"]
    if sorted(elementary) != sorted(out_axes):
        raise ValueError(f"keras.ops.rearrange: {pattern!r} must name the same axes on both sides")
    x = ag.reshape(x, tuple(sizes[a] for a in elementary))
    x = ag.transpose(x, tuple(elementary.index(a) for a in out_axes))
    return ag.reshape(x, tuple(math.prod(sizes[a] for a in g if a != "1") for g in right))
