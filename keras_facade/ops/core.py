"""``keras.ops`` core: conversion, dtypes and shapes, slicing and scatter, control flow (Python
loops over engine ops, so they stay differentiable) and custom gradients."""
import builtins
import functools
import inspect

import numpy as np

import autograd_core as ag

from .. import backend as _backend
from ..layers import nest
from ..layers.input_layer import KerasTensor
from ._dispatch import keras_op

__all__ = ["cast", "convert_to_tensor", "convert_to_numpy", "is_tensor", "dtype", "shape",
           "stop_gradient", "saturate_cast", "unstack", "slice", "slice_update", "scatter",
           "scatter_update", "cond", "switch", "while_loop", "fori_loop", "scan",
           "associative_scan", "map", "vectorized_map", "custom_gradient", "cdist", "rearrange"]

_PY_DTYPES = {bool: "bool", int: "int32", float: None}  # None: floatx


def standardize_dtype(dtype):
    """A numpy dtype from a Keras dtype (a string, a numpy/engine dtype or a Python type)."""
    if isinstance(dtype, type) and dtype in _PY_DTYPES:
        dtype = _PY_DTYPES[dtype] or _backend.floatx()
    try:
        return np.dtype(getattr(dtype, "dtype", dtype))
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}") from None


def to_tensor(x, dtype=None, device=None):
    """``x`` as an engine tensor with Keras' default dtypes: Python ints and lists of them become
    int32, Python floats float32 (floatx); arrays and tensors keep theirs. New tensors go to
    ``device`` (default: the facade's device, ``backend.set_device``)."""
    if isinstance(x, ag.Tensor):
        t = x
    elif isinstance(x, (list, tuple)) and any(isinstance(v, ag.Tensor) for v in nest.flatten(x)):
        device = next(v.device for v in nest.flatten(x) if isinstance(v, ag.Tensor))
        return ag.stack([to_tensor(v, dtype, device) for v in x])
    else:
        arr = np.asarray(x)
        if not isinstance(x, (np.ndarray, np.generic)):
            if arr.dtype == np.float64:
                arr = arr.astype(_backend.floatx())
            elif arr.dtype == np.int64:
                arr = arr.astype(np.int32)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"keras.ops.convert_to_tensor: cannot convert {type(x).__name__} "
                            f"of dtype {arr.dtype} to a tensor")
        t = ag.tensor(arr, device=device or _backend.get_device())
    return t if dtype is None else ag.cast(t, standardize_dtype(dtype))


def to_real(x):
    """``x`` as a floating-point tensor (``to_tensor``; integers and bools become float32)."""
    x = to_tensor(x)
    return x if x.dtype.kind in "fc" else x.astype(np.float32)


def named(fn, name=None):
    """Errors raised inside ``fn`` (by the engine too) name ``keras.ops.<name>`` (``name``:
    e.g. ``linalg.inv``; default the function's name); an engine message that starts with the
    same op's name loses that start."""
    name = name or fn.__name__
    prefix, own = f"keras.ops.{name}: ", f"{name.rsplit('.', 1)[-1]}: "

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ValueError, IndexError, TypeError, NotImplementedError) as exc:
            message = str(exc)
            if message.startswith("keras.ops."):
                raise
            try:
                named_exc = type(exc)(prefix + message.removeprefix(own))
            except Exception:  # an exception type with other constructor arguments
                raise exc from None
            raise named_exc from exc
    return run


def op(fn):
    """A ``keras.ops`` function on tensors: accepts KerasTensors, names itself in errors."""
    return keras_op(named(fn))


def to_int_array(x, name, what="indices"):
    """Integer indices as a numpy array (index computation needs no gradient)."""
    arr = np.asarray(convert_to_numpy(x))
    if arr.dtype.kind not in "iub":
        raise TypeError(f"keras.ops.{name}: {what} must be integers, got dtype {arr.dtype}")
    return arr.astype(np.intp)


# -- conversion, dtypes and shapes -----------------------------------------------------------------
@op
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` (array-like or tensor) as a tensor, optionally cast to ``dtype``."""
    if sparse or ragged:
        raise ValueError("keras.ops.convert_to_tensor: sparse and ragged tensors are not supported")
    if dtype in (None, "string") and not isinstance(x, ag.Tensor) and \
            np.asarray(x).dtype.kind in "US":
        return np.asarray(x)  # strings stay numpy arrays, which the string layers read
    return to_tensor(x, dtype)


@op
def cast(x, dtype):
    """Cast to ``dtype`` (differentiable between float dtypes; float to int truncates)."""
    return ag.cast(to_tensor(x), standardize_dtype(dtype))


def convert_to_numpy(x):
    """A numpy array of ``x``'s values."""
    if isinstance(x, KerasTensor):
        raise ValueError("keras.ops.convert_to_numpy: a symbolic KerasTensor has no values")
    return x.numpy() if isinstance(x, ag.Tensor) else np.asarray(x)


def is_tensor(x):
    return isinstance(x, ag.Tensor)


def dtype(x):
    """The dtype name of ``x`` (e.g. ``'float32'``)."""
    if isinstance(x, KerasTensor):
        return str(x.dtype)
    return str(to_tensor(x).dtype)


def shape(x):
    """The shape tuple (``None`` for the unknown sizes of a KerasTensor)."""
    if isinstance(x, (KerasTensor, ag.Tensor)):
        return tuple(x.shape)
    return tuple(np.shape(x))


@op
def stop_gradient(variable):
    """The values of ``variable``, cut from the graph (no gradient flows back)."""
    return to_tensor(variable).detach()


@op
def saturate_cast(x, dtype):
    """Cast, clipping first to the range of ``dtype`` (so no value wraps around)."""
    x = to_tensor(x)
    target = standardize_dtype(dtype)
    info = np.iinfo(target) if target.kind in "iu" else np.finfo(target) if target.kind == "f" \
        else None
    if info is not None and x.dtype.kind in "iuf":
        src = np.iinfo(x.dtype) if x.dtype.kind in "iu" else np.finfo(x.dtype)
        lo, hi = max(info.min, src.min), min(info.max, src.max)
        if x.dtype.kind in "iu":
            lo, hi = int(lo), int(hi)
        else:
            lo, hi = float(lo), float(hi)
        x = ag.clip(x, lo, hi)
    return ag.cast(x, target)


# -- slicing and scatter ---------------------------------------------------------------------------
@op
def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list."""
    x = to_tensor(x)
    axis = axis % x.ndim
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"keras.ops.unstack: num={num} but axis {axis} of shape {x.shape} has "
                         f"size {x.shape[axis]}")
    lead = (builtins.slice(None),) * axis
    return [x[lead + (i,)] for i in range(x.shape[axis])]


def _start_indices(start_indices, x, name):
    starts = [int(s) for s in convert_to_numpy(start_indices).reshape(-1)]
    if len(starts) != x.ndim:
        raise ValueError(f"keras.ops.{name}: {len(starts)} start indices for a tensor of "
                         f"shape {x.shape}")
    return starts


@op
def slice(inputs, start_indices, shape):
    """The block of ``inputs`` of size ``shape`` that starts at ``start_indices``."""
    x = to_tensor(inputs)
    starts = _start_indices(start_indices, x, "slice")
    sizes = [int(n) for n in shape]
    if len(sizes) != x.ndim or any(s < 0 or s + n > d for s, n, d in zip(starts, sizes, x.shape)):
        raise ValueError(f"keras.ops.slice: block of shape {tuple(sizes)} at {tuple(starts)} "
                         f"does not fit in a tensor of shape {x.shape}")
    return x[tuple(builtins.slice(s, s + n) for s, n in zip(starts, sizes))]


@op
def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    x = to_tensor(inputs)
    updates = ag.cast(to_tensor(updates), x.dtype)
    starts = _start_indices(start_indices, x, "slice_update")
    widths = [(s, d - s - n) for s, n, d in zip(starts, updates.shape, x.shape)]
    if updates.ndim != x.ndim or min(w for pair in widths for w in pair) < 0:
        raise ValueError(f"keras.ops.slice_update: updates of shape {updates.shape} at "
                         f"{tuple(starts)} do not fit in a tensor of shape {x.shape}")
    mask = np.pad(np.ones(updates.shape, bool), widths)
    return ag.where(mask, ag.pad(updates, widths), x)


def _scatter_key(indices, shape, name):
    idx = to_int_array(indices, name)
    if idx.ndim < 1 or idx.shape[-1] > len(shape):
        raise ValueError(f"keras.ops.{name}: indices of shape {idx.shape} must end in an axis of "
                         f"at most {len(shape)} coordinates (target shape {tuple(shape)})")
    return tuple(idx[..., j] for j in range(idx.shape[-1]))


@op
def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (repeated indices add up)."""
    shape = tuple(int(n) for n in shape)
    return ag.index_add(to_tensor(values), shape=shape, key=_scatter_key(indices, shape, "scatter"))


@op
def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with the entries at ``indices`` replaced by ``updates`` (``reduction='add'``:
    added to them)."""
    x = to_tensor(inputs)
    key = _scatter_key(indices, x.shape, "scatter_update")
    updates = ag.cast(to_tensor(updates), x.dtype)
    if reduction == "add":
        return x + ag.index_add(updates, shape=x.shape, key=key)
    if reduction is not None:
        raise ValueError(f"keras.ops.scatter_update: reduction must be None or 'add', "
                         f"got {reduction!r}")
    hit = np.zeros(x.shape, bool)
    hit[key] = True
    return ag.where(hit, ag.index_add(updates, shape=x.shape, key=key), x)


# -- control flow ----------------------------------------------------------------------------------
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if bool(pred) else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)``, the index clipped into range."""
    i = min(max(int(index), 0), len(branches) - 1)
    return branches[i](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Apply ``body`` to ``loop_vars`` while ``cond`` holds (at most ``maximum_iterations``)."""
    several = isinstance(loop_vars, (list, tuple))
    state = tuple(loop_vars) if several else loop_vars
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and \
            bool(cond(*state) if several else cond(state)):
        state = body(*state) if several else body(state)
        if several:
            state = tuple(state) if isinstance(state, (list, tuple)) else (state,)
        steps += 1
    return type(loop_vars)(state) if several else state


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def _stack_structure(items):
    """Stack a list of equal structures of tensors into one structure of stacked tensors."""
    flat = [nest.flatten(item) for item in items]
    stacked = [ag.stack([to_tensor(f[j]) for f in flat]) for j in range(len(flat[0]))]
    return nest.pack_like(items[0], stacked)


def _unstacked(xs, length, axis=0):
    """The ``length`` slices along ``axis`` of every tensor of the structure ``xs``."""
    flat = [to_tensor(x) for x in nest.flatten(xs)]
    lead = (builtins.slice(None),) * axis
    return [nest.pack_like(xs, [x[lead + (i,)] for x in flat]) for i in range(length)]


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns the last carry and the
    stacked ``y``s."""
    if xs is None:
        if length is None:
            raise ValueError("keras.ops.scan: give xs or length")
        items = [None] * int(length)
    else:
        n = to_tensor(nest.flatten(xs)[0]).shape[0]
        if length is not None and length != n:
            raise ValueError(f"keras.ops.scan: length={length} but xs has {n} entries")
        items = _unstacked(xs, n)
    carry, ys = init, []
    for x in (items[::-1] if reverse else items):
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys = ys[::-1]
    if not ys or all(y is None for y in nest.flatten(ys)):
        return carry, None
    return carry, _stack_structure(ys)


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive prefix scan with the associative ``f`` along ``axis`` of ``elems``."""
    first = to_tensor(nest.flatten(elems)[0])
    axis = axis % first.ndim
    items = _unstacked(elems, first.shape[axis], axis)
    if reverse:
        items = items[::-1]
    out = [items[0]]
    for item in items[1:]:
        out.append(f(out[-1], item))
    if reverse:
        out = out[::-1]
    stacked = _stack_structure(out)
    return nest.map_structure(lambda t: ag.moveaxis(t, 0, axis), stacked) if axis else stacked


def map(f, xs):
    """``f`` applied to each entry of the leading axis of ``xs``, the results stacked."""
    n = to_tensor(nest.flatten(xs)[0]).shape[0]
    return _stack_structure([f(x) for x in _unstacked(xs, n)])


def vectorized_map(function, elements):
    """``function`` over the leading axis of ``elements`` (a loop, as ``map``)."""
    return map(function, elements)


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(output, grad_fn)``; ``grad_fn(upstream)`` (or
    ``grad_fn(*args, upstream=...)`` when ``upstream`` is a required keyword) returns the gradient
    of each argument."""
    rule = ag.custom_vjp(lambda *args: f(*args)[0])
    rule.__name__ = getattr(f, "__name__", "custom_gradient")

    def forward(*args):
        out, grad_fn = f(*args)
        return out, (grad_fn, args)

    def backward(residuals, upstream):
        grad_fn, args = residuals
        param = inspect.signature(grad_fn).parameters.get("upstream")
        keyword = param is not None and param.kind == param.KEYWORD_ONLY \
            and param.default is param.empty
        grads = grad_fn(*args, upstream=upstream) if keyword else grad_fn(upstream)
        return tuple(grads) if isinstance(grads, (list, tuple)) else (grads,)
    rule.defvjp(forward, backward)

    @functools.wraps(f)
    def wrapper(*args):
        return rule(*[to_tensor(a) for a in args])
    return wrapper


from ._numpy_array import cdist, rearrange  # noqa: E402  (top-level keras.ops names)
