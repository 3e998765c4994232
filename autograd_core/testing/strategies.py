"""Hypothesis strategies for property tests of tensor code.

    from hypothesis import given
    from autograd_core.testing import strategies as ags

    @given(ags.float_arrays(ags.shapes(max_dims=3), lo=-2, hi=2))
    def test_double_neg(x): ...

    @given(ags.broadcastable_shapes(2))
    def test_add(shapes): a_shape, b_shape = shapes ...

    @given(ags.data_for_shape(ags.shapes(min_dims=1), ags.indices))   # (shape, index) pairs
    def test_getitem(case): shape, key = case ...

``float_arrays``, ``smooth_points`` and ``tensors`` take a shape or a strategy of shapes; ``axes``,
``reduction_args`` and ``indices`` take a concrete shape: use :func:`data_for_shape` (or
``st.data()``) to draw a shape and what depends on it together.
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import backend

__all__ = ["shapes", "broadcastable_shapes", "axes", "reduction_args", "indices", "basic_indices",
           "advanced_indices", "float_arrays", "smooth_points", "interleave", "tensors",
           "data_for_shape", "devices"]


# -- shapes ----------------------------------------------------------------------------------------
def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes (tuples) with ``min_dims..max_dims`` axes of ``min_side..max_side`` each."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Tuples of ``num_shapes`` mutually broadcastable shapes (sizes 1 and missing leading axes
    included), e.g. ``((3, 1), (2, 1, 4))``."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side).map(lambda b: tuple(b.input_shapes))


def _shape_strategy(shape):
    if isinstance(shape, st.SearchStrategy):
        return shape
    return st.just(tuple(shape))


def data_for_shape(shape, *strategy_fns):
    """Draw a shape, then one value from each ``strategy_fn(shape)``; yields ``(shape, v1, ...)``."""
    def build(s):
        return st.tuples(st.just(s), *(fn(s) for fn in strategy_fns))
    return _shape_strategy(shape).flatmap(build)


# -- axes ------------------------------------------------------------------------------------------
def axes(ndim, allow_none=True, allow_int=True, allow_tuple=True, allow_negative=True):
    """Valid ``axis`` arguments for a tensor of rank ``ndim`` (a shape is accepted too): None, an int
    (possibly negative) or a tuple of distinct axes (possibly empty, possibly negative)."""
    if not isinstance(ndim, int):
        ndim = len(ndim)
    low = -ndim if allow_negative else 0
    options = []
    if allow_none:
        options.append(st.none())
    if ndim and allow_int:
        options.append(st.integers(low, ndim - 1))
    if allow_tuple:
        options.append(st.lists(st.integers(low, ndim - 1), max_size=ndim,
                                unique_by=lambda a: a % ndim).map(tuple) if ndim else st.just(()))
    if not options:
        raise ValueError("axes: nothing allowed")
    return st.one_of(*options)


def reduction_args(shape, allow_none=True):
    """``dict(axis=..., keepdims=...)`` for a reduction over a tensor of ``shape``."""
    return st.fixed_dictionaries({"axis": axes(len(shape), allow_none=allow_none),
                                  "keepdims": st.booleans()})


# -- indices ---------------------------------------------------------------------------------------
def _slices(n):
    """Slices over an axis of length n, including negative steps and out-of-range bounds."""
    bound = st.none() | st.integers(-n - 2, n + 2)
    step = st.none() | st.integers(1, 3) | st.integers(-3, -1)
    return st.builds(slice, bound, bound, step)


def basic_indices(shape, allow_newaxis=True, allow_ellipsis=True):
    """numpy basic indices for ``shape``: ints, slices (negative steps too), None and Ellipsis."""
    return hnp.basic_indices(tuple(shape), min_dims=0, allow_newaxis=allow_newaxis,
                             allow_ellipsis=allow_ellipsis)


@st.composite
def advanced_indices(draw, shape, allow_bool=True, allow_lists=True):
    """A numpy index for ``shape`` with at least one integer array, list or boolean mask, mixed
    with ints, slices, None and Ellipsis; the advanced parts may be separated by slices (numpy then
    moves the broadcast advanced axes to the front). Integer arrays repeat entries and use negative
    indices, so gradients must accumulate."""
    shape = tuple(shape)
    if not shape:
        return draw(st.sampled_from([None, Ellipsis, (Ellipsis, None), ()]))
    if allow_bool and draw(st.integers(0, 5)) == 0:  # one mask over the leading axes
        lead = draw(st.integers(1, len(shape)))
        mask = draw(hnp.arrays(np.bool_, shape[:lead]))
        rest = draw(st.lists(st.sampled_from(["slice", "int", "none"]), max_size=len(shape) - lead))
        key, axis = [mask], lead
        for kind in rest:  # None adds an axis without consuming one
            key.append(_basic_part(draw, kind, shape[axis] if kind != "none" else 0))
            axis += kind != "none"
        return tuple(key)
    n_index = draw(st.integers(1, len(shape)))
    kinds = draw(st.lists(st.sampled_from(["array", "slice", "int"]), min_size=n_index,
                          max_size=n_index))
    use_bool = allow_bool and draw(st.booleans())
    if "array" not in kinds:
        kinds[draw(st.integers(0, n_index - 1))] = "array"
    n_arrays = kinds.count("array")
    if use_bool and n_arrays == 1:
        kinds[kinds.index("array")] = "bool"
    adv_shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3))
    ellipsis = draw(st.sampled_from(["none", "first", "last"])) if n_index < len(shape) else "none"
    offset = len(shape) - n_index if ellipsis == "first" else 0  # the axes the parts index
    key = []
    for axis, kind in enumerate(kinds):
        n = shape[offset + axis]
        if kind == "array":
            arr = draw(hnp.arrays(np.intp, adv_shape, elements=st.integers(-n, n - 1)))
            key.append(arr.tolist() if allow_lists and arr.ndim == 1 and draw(st.booleans()) else arr)
        elif kind == "bool":
            key.append(draw(hnp.arrays(np.bool_, (n,))))
        else:
            key.append(_basic_part(draw, kind, n))
    if draw(st.booleans()):
        key.insert(draw(st.integers(0, len(key))), None)
    if ellipsis != "none":
        key.insert(0 if ellipsis == "first" else len(key), Ellipsis)
    return tuple(key)


def _basic_part(draw, kind, n):
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "none":
        return None
    return draw(_slices(n))


def indices(shape, basic=True, advanced=True):
    """Valid numpy indices for ``shape``: basic ones and/or advanced ones (see
    :func:`advanced_indices`)."""
    options = []
    if basic:
        options.append(basic_indices(shape))
    if advanced:
        options.append(advanced_indices(shape))
    return st.one_of(*options)


# -- values ----------------------------------------------------------------------------------------
def _floats(lo, hi, dtype):
    width = 32 if np.dtype(dtype) == np.float32 else 64
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=width)


def float_arrays(shape, dtype="float64", lo=-3.0, hi=3.0, elements=None):
    """numpy float arrays of ``shape`` (a tuple or a strategy of shapes), values in ``[lo, hi]``."""
    dtype = np.dtype(dtype)
    return hnp.arrays(dtype, _shape_strategy(shape), elements=elements or _floats(lo, hi, dtype))


def smooth_points(shape, lo=-3.0, hi=3.0, avoid=(), margin=0.05, dtype="float64", distinct=False):
    """Float arrays of ``shape`` whose entries stay at least ``margin`` away from each point in
    ``avoid`` (an op's kinks and poles: 0 for relu/abs, the bounds of clip...). Entries near a point
    are pushed out of the ``margin`` band (not rejected), so no example is wasted.
    ``distinct=True`` also keeps every two entries ``margin`` apart (no ties for max/min)."""
    dtype = np.dtype(dtype)
    avoid = tuple(float(a) for a in avoid)
    if not distinct:
        return float_arrays(shape, dtype, lo, hi).map(lambda a: _push_away(a, avoid, margin, lo, hi))
    grid = [v for v in np.arange(lo, hi + margin / 2, margin)
            if all(abs(v - p) >= margin * 0.999 for p in avoid)]
    points = st.sampled_from([float(np.asarray(v, dtype)) for v in grid])

    def arrays(s):
        if int(np.prod(s)) > len(grid):
            raise ValueError(f"smooth_points: {int(np.prod(s))} distinct values do not fit in "
                             f"[{lo}, {hi}] with margin {margin}")
        return hnp.arrays(dtype, s, elements=points, unique=True)
    return _shape_strategy(shape).flatmap(arrays)


def _push_away(a, avoid, margin, lo, hi):
    """Move entries of ``a`` within ``margin`` of a point in ``avoid`` to the edge of its band."""
    out = a.astype(np.float64)
    for p in avoid:
        near = np.abs(out - p) < margin
        if near.any():
            edge = np.where(out >= p, p + margin, p - margin)
            edge = np.where(edge > hi, p - margin, np.where(edge < lo, p + margin, edge))
            out = np.where(near, edge, out)
    return np.asarray(out, dtype=a.dtype)


def interleave(*arrays, margin=0.05):
    """Snap each array to its own lattice (array k to ``k*margin + j*n*margin``, n arrays) so that
    entries of different arrays differ by at least ``margin`` wherever they broadcast together: no
    ties for maximum/minimum, whatever the shapes. Values move by at most ``n*margin/2``."""
    n = len(arrays)
    step = n * margin
    return tuple(np.asarray(np.round((a - k * margin) / step) * step + k * margin, dtype=a.dtype)
                 for k, a in enumerate(arrays))


# -- tensors and devices ---------------------------------------------------------------------------
def devices(include_test_device=True):
    """Device names to test on: 'cpu', the numpy-backed test device 'cpu:1', and 'cuda' when a GPU
    is usable."""
    names = ["cpu"] + (["cpu:1"] if include_test_device else [])
    if backend.cuda_is_available():
        names.append("cuda")
    return st.sampled_from(names)


def tensors(shape, dtype="float32", lo=-3.0, hi=3.0, device="cpu", requires_grad=False,
            elements=None):
    """``ag.Tensor`` values of ``shape`` on ``device`` (a name or a strategy of names)."""
    from ..tensor import Tensor
    dev = device if isinstance(device, st.SearchStrategy) else st.just(device)
    return st.builds(lambda a, d: Tensor(a, device=d, requires_grad=requires_grad),
                     float_arrays(shape, dtype, lo, hi, elements), dev)
