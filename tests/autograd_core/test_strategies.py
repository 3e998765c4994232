"""The hypothesis strategies of ag.testing.strategies generate what they promise."""
import numpy as np
from hypothesis import given, strategies as st

import autograd_core as ag
from autograd_core.testing import strategies as S


@given(S.shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
def test_shapes_respect_bounds(shape):
    assert 1 <= len(shape) <= 3 and all(2 <= n <= 3 for n in shape)


@given(S.broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


@given(S.data_for_shape(S.shapes(), S.axes))
def test_axes_are_valid_numpy_axes(case):
    shape, axis = case
    np.sum(np.zeros(shape), axis=axis)
    if isinstance(axis, tuple):
        assert len({a % len(shape) for a in axis}) == len(axis)


@given(S.data_for_shape(S.shapes(), S.indices))
def test_indices_are_valid_for_numpy(case):
    shape, key = case
    np.zeros(shape)[key]


@given(S.data_for_shape(S.shapes(min_dims=1), S.advanced_indices))
def test_advanced_indices_hold_an_array_or_list(case):
    shape, key = case
    parts = key if isinstance(key, tuple) else (key,)
    assert any(isinstance(k, (list, np.ndarray)) for k in parts)
    np.zeros(shape)[key]


@given(S.float_arrays(S.shapes(), dtype="float32", lo=-0.5, hi=2.0))
def test_float_arrays_bounds_and_dtype(a):
    assert a.dtype == np.float32 and np.all((a >= -0.5) & (a <= 2.0))


@given(S.smooth_points(S.shapes(), lo=-2.0, hi=2.0, avoid=(0.0, 1.0), margin=0.1))
def test_smooth_points_keep_away_from_kinks(a):
    assert np.all(np.abs(a) >= 0.1 - 1e-12) and np.all(np.abs(a - 1.0) >= 0.1 - 1e-12)
    assert np.all((a >= -2.0) & (a <= 2.0))


@given(S.smooth_points((4, 5), avoid=(0.0,), margin=0.05, distinct=True))
def test_smooth_points_distinct(a):
    flat = np.sort(a.ravel())
    assert np.all(np.diff(flat) >= 0.05 - 1e-9) and np.all(np.abs(flat) >= 0.05 - 1e-9)


@given(S.broadcastable_shapes(2).flatmap(
    lambda s: st.tuples(S.float_arrays(s[0]), S.float_arrays(s[1]))))
def test_interleave_removes_ties(pair):
    a, b = S.interleave(*pair, margin=0.05)
    assert a.shape == pair[0].shape and b.shape == pair[1].shape
    assert np.all(np.abs(a - b) >= 0.05 - 1e-9)


@given(S.tensors((2, 3), device=S.devices(), requires_grad=True))
def test_tensors_on_devices(t):
    assert isinstance(t, ag.Tensor) and t.shape == (2, 3) and t.dtype == np.float32
    assert t.requires_grad and str(t.device) in ("cpu", "cpu:1", "cuda:0")


@given(S.data_for_shape(S.shapes(min_dims=1), S.reduction_args))
def test_reduction_args(case):
    shape, kw = case
    assert set(kw) == {"axis", "keepdims"}
    np.sum(np.zeros(shape), **kw)
