"""Shape and indexing ops with numpy semantics."""
import numpy as np

from .. import backend
from ..primitives import shape as P
from ..primitives import indexing as I
from ..primitives.reduction import norm_axes
from ..tensor import Tensor
from ._coerce import as_tensor


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(n) for n in shape)


def reshape(x, *shape):
    """Reshape (one -1 allowed); ``reshape(x, (2, 3))`` or ``x.reshape(2, 3)``."""
    x = as_tensor(x)
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    try:
        return P.reshape(x, shape=shape)
    except ValueError as exc:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} "
                         f"({x.size} elements) into shape {shape}") from exc


def transpose(x, *axes):
    """Permute axes (no axes: reverse them)."""
    x = as_tensor(x)
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = axes[0]
    axes = tuple(range(x.ndim))[::-1] if not axes else tuple(a % x.ndim for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {x.ndim} axes "
                         f"of a tensor of shape {x.shape}")
    if axes == tuple(range(x.ndim)):
        return x
    return P.transpose(x, axes=axes)


def permute_dims(x, axes):
    return transpose(x, axes)


def swapaxes(x, axis1, axis2):
    x = as_tensor(x)
    perm = list(range(x.ndim))
    a, b = axis1 % x.ndim, axis2 % x.ndim
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, tuple(perm))



def moveaxis(x, source, destination):
    """Move axes ``source`` (an int or a sequence) to ``destination`` (as numpy)."""
    x = as_tensor(x)
    src = [a % x.ndim for a in ((source,) if isinstance(source, int) else source)]
    dst = [a % x.ndim for a in ((destination,) if isinstance(destination, int) else destination)]
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} must be "
                         f"as many distinct axes (input shape {x.shape})")
    perm = [i for i in range(x.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return transpose(x, tuple(perm))


def expand_dims(x, axis):
    x = as_tensor(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    ndim = x.ndim + len(axes)
    axes = sorted(a % ndim for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"expand_dims: repeated axis in {axis!r} (input shape {x.shape})")
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return reshape(x, tuple(shape))


def squeeze(x, axis=None):
    x = as_tensor(x)
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = norm_axes(axis, x.ndim)
        bad = [a for a in axes if x.shape[a] != 1]
        if bad:
            raise ValueError(f"squeeze: axis {bad[0]} has size {x.shape[bad[0]]}, not 1 "
                             f"(tensor shape {x.shape})")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def flatten(x):
    """A 1-D copy of the elements in row-major order (numpy's ``flatten``)."""
    return reshape(x, (-1,))


ravel = flatten


def broadcast_to(x, shape):
    x = as_tensor(x)
    shape = tuple(shape)
    if shape == x.shape:
        return x
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None
    return P.broadcast_to(x, shape=shape)


def _devices_of(xs):
    dev = next((x._device for x in xs if isinstance(x, Tensor)), None)
    return [as_tensor(x, device=dev) for x in xs]


def concatenate(xs, axis=0):
    xs = _devices_of(list(xs))
    if not xs:
        raise ValueError("concatenate: need at least one tensor")
    nd = xs[0].ndim
    ax = axis % nd if nd else 0
    for x in xs[1:]:
        if x.ndim != nd or any(a != b for i, (a, b) in enumerate(zip(x.shape, xs[0].shape)) if i != ax):
            raise ValueError(f"concatenate: shapes {[t.shape for t in xs]} differ outside "
                             f"axis {axis}")
    if len(xs) == 1:
        return xs[0]
    return P.concatenate(*xs, axis=ax)


concat = concatenate


def stack(xs, axis=0):
    xs = _devices_of(list(xs))
    if len({x.shape for x in xs}) > 1:
        raise ValueError(f"stack: all tensors need one shape, got {[x.shape for x in xs]}")
    return concatenate([expand_dims(x, axis) for x in xs], axis=axis)


def split(x, indices_or_sections, axis=0):
    """Split into a list of tensors (numpy semantics: a number of equal sections or split indices)."""
    x = as_tensor(x)
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(f"split: axis {axis} of size {n} does not divide into "
                             f"{indices_or_sections} equal sections")
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step))
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    index = [slice(None)] * x.ndim
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        index[axis] = slice(lo, hi)
        out.append(x[tuple(index)])
    return out


def pad(x, pad_width, value=0.0):
    """Constant padding: ``pad_width`` as numpy's (an int, a pair, or one pair per axis)."""
    x = as_tensor(x)
    pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64).reshape(-1, 2)
                         if np.ndim(pad_width) else np.asarray(pad_width), (x.ndim, 2))
    if (pw < 0).any():
        raise ValueError(f"pad: negative pad widths {pw.tolist()}")
    pw = tuple((int(a), int(b)) for a, b in pw)
    return P.pad(x, pad_width=pw, value=value)


def flip(x, axis=None):
    x = as_tensor(x)
    axes = norm_axes(axis, x.ndim)
    return x[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim))]


def _key_part(k, dev):
    if isinstance(k, Tensor):
        if k._device is not dev:
            raise RuntimeError(f"getitem: index tensor is on {k._device} but the tensor is on {dev}; "
                               f"move the index first, e.g. index.to('{dev}')")
        return k._data
    if isinstance(k, (list, np.ndarray)) or backend.is_backend_array(k):
        arr = np.asarray(k) if isinstance(k, list) else k
        if isinstance(k, list) and arr.size == 0:
            arr = arr.astype(np.intp)
        if arr.dtype.kind not in "iub":
            raise IndexError(f"getitem: index arrays must be integer or boolean, got {arr.dtype}")
        return dev.asarray(arr) if dev.kind != "cpu" else arr
    return k


def normalize_key(key, dev):
    if not isinstance(key, tuple):
        key = (key,)
    return tuple(_key_part(k, dev) for k in key)


def getitem(x, key):
    """Index exactly as numpy (slices, ints, None, Ellipsis, int/bool arrays, lists, tensors)."""
    x = as_tensor(x)
    if not isinstance(key, tuple) or any(not isinstance(k, (int, slice)) for k in key):
        key = normalize_key(key, x._device)
    return I.getitem(x, key=key)


def index_add(src, shape=None, key=None):
    """Zeros of ``shape`` with ``src`` added at ``key`` (repeated indices accumulate)."""
    src = as_tensor(src)
    return I.index_add(src, shape=tuple(shape), key=normalize_key(key, src._device))


def repeat(x, repeats, axis=None):
    """numpy's ``repeat`` with an int count (as an index gather)."""
    x = as_tensor(x)
    if axis is None:
        x, axis = flatten(x), 0
    idx = np.repeat(np.arange(x.shape[axis]), repeats)
    key = (slice(None),) * (axis % x.ndim) + (idx,)
    return getitem(x, key)


def tile(x, reps):
    x = as_tensor(x)
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    reps = (1,) * (x.ndim - len(reps)) + reps
    x = reshape(x, (1,) * (len(reps) - x.ndim) + x.shape)
    for axis, r in enumerate(reps):
        if r != 1:
            x = concatenate([x] * r, axis=axis)
    return x
