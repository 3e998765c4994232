"""The subgradient policy (primitives/elementwise.py) at kinks, property tests that equivalent
formulations agree there, and finite gradients through the unselected branch of ``where``."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.testing import strategies as S

# values on a coarse lattice: kinks (0, the clip bounds) and ties are frequent
KINKY = hnp.arrays(np.float64, S.shapes(min_dims=1),
                   elements=st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.0]))


def _grad(f, *xs):
    gs = ag.grad(lambda *a: ag.sum(f(*a)), argnums=tuple(range(len(xs))))(
        *[ag.tensor(x) for x in xs])
    return [g.numpy() for g in gs]


def test_policy_table_values():
    z = ag.tensor([0.0])
    assert _grad(ag.relu, z.numpy())[0].tolist() == [0.0]
    assert _grad(ag.abs, z.numpy())[0].tolist() == [0.0]
    ga, gb = _grad(ag.maximum, np.array([1.0]), np.array([1.0]))
    assert ga.tolist() == [0.5] and gb.tolist() == [0.5]
    ga, gb = _grad(ag.minimum, np.array([1.0]), np.array([1.0]))
    assert ga.tolist() == [0.5] and gb.tolist() == [0.5]
    assert _grad(ag.max, np.array([1.0, 3.0, 3.0]))[0].tolist() == [0.0, 0.5, 0.5]
    assert _grad(ag.min, np.array([2.0, 2.0, 2.0, 5.0]))[0].tolist() == [1 / 3, 1 / 3, 1 / 3, 0.0]
    g = _grad(lambda x: ag.clip(x, -1.0, 1.0), np.array([-1.0, 1.0, 2.0, -3.0, 0.0]))[0]
    assert g.tolist() == [1.0, 1.0, 0.0, 0.0, 1.0]


@given(KINKY)
def test_abs_agrees_with_maximum_of_x_and_minus_x(x):
    np.testing.assert_array_equal(_grad(ag.abs, x)[0], _grad(lambda t: ag.maximum(t, -t), x)[0])


@given(KINKY)
def test_relu_agrees_with_where_and_mask(x):
    g = _grad(ag.relu, x)[0]
    np.testing.assert_array_equal(g, _grad(lambda t: ag.where(t > 0, t, 0.0), x)[0])
    np.testing.assert_array_equal(g, _grad(lambda t: t * (t > 0), x)[0])


@given(KINKY, st.sampled_from([(-1.0, 1.0), (0.0, 2.0), (-2.0, 0.0), (None, 1.0), (-1.0, None)]))
def test_clip_agrees_with_its_where_formulation(x, bounds):
    lo, hi = bounds

    def by_where(t):
        inside = t == t
        if lo is not None:
            inside = ag.logical_and(inside, t >= lo)
        if hi is not None:
            inside = ag.logical_and(inside, t <= hi)
        return ag.where(inside, t, ag.clip(t, lo, hi).detach())
    np.testing.assert_array_equal(_grad(lambda t: ag.clip(t, lo, hi), x)[0], _grad(by_where, x)[0])


@given(S.broadcastable_shapes(2).flatmap(lambda s: st.tuples(
    *[hnp.arrays(np.float64, sh, elements=st.sampled_from([-1.0, 0.0, 1.0])) for sh in s])))
def test_max_min_reductions_agree_with_maximum_minimum(pair):
    a, b = np.broadcast_arrays(*pair)
    a, b = a.copy(), b.copy()
    for red, elementwise in ((ag.max, ag.maximum), (ag.min, ag.minimum)):
        stacked = _grad(lambda p, q: red(ag.stack([p, q]), axis=0), a, b)
        direct = _grad(elementwise, a, b)
        for g1, g2 in zip(stacked, direct):
            np.testing.assert_array_equal(g1, g2)


@given(KINKY, KINKY)
def test_maximum_agrees_with_minus_minimum_of_negatives(a, b):
    if a.shape != b.shape:
        b = np.resize(b, a.shape)
    for g1, g2 in zip(_grad(ag.maximum, a, b), _grad(lambda p, q: -ag.minimum(-p, -q), a, b)):
        np.testing.assert_array_equal(g1, g2)


@given(KINKY, S.axes(3))
def test_max_reduction_agrees_with_minus_min_of_negatives(x, axis):
    x = np.resize(x, (2, 3, 2))
    np.testing.assert_array_equal(_grad(lambda t: ag.max(t, axis=axis), x)[0],
                                  _grad(lambda t: -ag.min(-t, axis=axis), x)[0])


@given(KINKY)
def test_tied_max_gradient_sums_to_one(x):
    g = _grad(ag.max, x)[0]
    assert g.sum() == pytest.approx(1.0) and np.all(g[x != x.max()] == 0)


# where: the branch that is not selected may hold inf or NaN; its zero cotangent stays zero
WHERE_CASES = [
    ("log", lambda x: ag.where(x > 0, ag.log(x), 0.0), [-1.0, 0.0, 2.0], [0.0, 0.0, 0.5]),
    ("sqrt", lambda x: ag.where(x > 0, ag.sqrt(x), 0.0), [-4.0, 0.0, 4.0], [0.0, 0.0, 0.25]),
    ("div", lambda x: ag.where(x != 0, 1.0 / x, 0.0), [0.0, 2.0], [0.0, -0.25]),
    ("pow", lambda x: ag.where(x > 0, x ** 0.5, 0.0), [0.0, 4.0], [0.0, 0.25]),
    ("log1p", lambda x: ag.where(x > -1, ag.log1p(x), 0.0), [-1.0, -2.0, 0.0], [0.0, 0.0, 1.0]),
    ("exp overflow", lambda x: ag.where(x < 30, ag.log1p(ag.exp(x)), x), [1000.0, 0.0],
     [1.0, 0.5]),
    ("expm1 overflow", lambda x: ag.where(x < 30, ag.expm1(x), 0.0), [1000.0, 0.0], [0.0, 1.0]),
    ("nan input", lambda x: ag.where(ag.isnan(x), 0.0, x * 2.0), [np.nan, 1.0], [0.0, 2.0]),
]


@pytest.mark.parametrize("name,f,x,expected", WHERE_CASES, ids=[c[0] for c in WHERE_CASES])
def test_where_with_inf_or_nan_in_the_unselected_branch(name, f, x, expected):
    with np.errstate(all="ignore"):
        g = ag.grad(lambda t: ag.sum(f(t)))(ag.tensor(x))
        np.testing.assert_allclose(g.numpy(), expected, rtol=1e-6)
        t = ag.tensor(x, requires_grad=True)
        ag.sum(f(t)).backward()
        np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-6)


def test_zeroth_power_has_zero_gradient_at_zero():
    x = ag.tensor([0.0, 2.0])
    np.testing.assert_array_equal(ag.grad(lambda t: ag.sum(t ** 0))(x).numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(ag.jvp(lambda t: t ** 0.0, (x,), (ag.ones(2),))[1].numpy(), [0, 0])
    np.testing.assert_allclose(ag.grad(lambda t: ag.sum(t ** 2))(x).numpy(), [0.0, 4.0])
