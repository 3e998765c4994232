"""Edge cases where the engine follows numpy's and PyTorch's semantics: dot and tensordot argument
forms, pow at a zero base and exponent, std of a constant, exact comparisons of integers with
floats, repeated axes in expand_dims."""
import numpy as np
import pytest

import autograd_core as ag

rng = np.random.default_rng(5)


@pytest.mark.parametrize("sa,sb", [((3, 4), (5, 4, 6)), ((2, 3, 4), (5, 4, 6)), ((), (3,)),
                                   ((3, 2), ()), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)),
                                   ((4,), (4,)), ((3, 4), (4, 5))])
def test_dot_is_numpys_dot(sa, sb):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    got = ag.dot(a, b).numpy()
    assert got.shape == np.shape(np.dot(a, b))
    np.testing.assert_allclose(got, np.dot(a, b), rtol=1e-12, atol=1e-12)
    ta, tb = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
    g = rng.standard_normal(np.shape(np.dot(a, b)))
    (ag.dot(ta, tb) * ag.tensor(g)).sum().backward()
    # d/da <g, dot(a, b)> by finite differences on one entry
    if a.size:
        e = np.zeros_like(a)
        e.flat[0] = 1e-6
        numeric = (np.sum(g * np.dot(a + e, b)) - np.sum(g * np.dot(a - e, b))) / 2e-6
        assert ta.grad.numpy().flat[0] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_tensordot_takes_a_pair_of_ints():
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    np.testing.assert_allclose(ag.tensordot(a, b, axes=(1, 0)).numpy(),
                               np.tensordot(a, b, axes=(1, 0)), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_pow_gradient_at_zero_base_and_zero_exponent_is_zero():
    x = ag.tensor(np.array([0.0, 1.0, 2.0, 0.0]), requires_grad=True)
    (x ** ag.tensor(np.array([0.0, 0.0, 2.0, 1.0]))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 4.0, 1.0])  # PyTorch's values
    h = ag.hessian(lambda v: (v ** ag.tensor(np.ones(3))).sum())(ag.tensor(np.zeros(3)))
    np.testing.assert_array_equal(h.numpy(), np.zeros((3, 3)))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_std_of_a_constant_has_a_zero_gradient_and_degenerate_ddof_stays_nan():
    x = ag.tensor(np.full(4, 2.5), requires_grad=True)
    y = ag.std(x)
    y.backward()
    assert y.item() == 0.0 and np.all(x.grad.numpy() == 0.0)
    assert np.isnan(ag.std(ag.tensor([3.0]), ddof=1).item())
    assert ag.var(np.array([1, 2, 4])).dtype == np.float32


def test_integer_comparisons_with_floats_are_exact():
    big = ag.tensor(np.array([2 ** 24 + 1]))
    assert not (big == float(2 ** 24)).item() and (big > float(2 ** 24)).item()
    assert (ag.tensor([1, 2, 3]) > 1.5).numpy().tolist() == [False, True, True]


def test_expand_dims_refuses_repeated_axes():
    with pytest.raises(ValueError, match=r"expand_dims: repeated axis"):
        ag.expand_dims(ag.ones(2, 3), (0, 0))
    assert ag.expand_dims(ag.ones(2, 3), (0, -1)).shape == (1, 2, 3, 1)


@pytest.mark.parametrize("sub,sa,sb", [("...ij,...jk->...ik", (1, 2, 3), (4, 3, 5)),
                                       ("ij,ij->i", (1, 3), (2, 3)),
                                       ("bij,bjk->bik", (5, 2, 3), (1, 3, 2))])
def test_einsum_broadcasts_size_one_axes_as_numpy(sub, sa, sb):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    np.testing.assert_allclose(ag.einsum(sub, a, b).numpy(), np.einsum(sub, a, b), rtol=1e-12)
    assert ag.testing.gradcheck(lambda x, y: ag.einsum(sub, x, y), ag.tensor(a), ag.tensor(b))


@pytest.mark.parametrize("src,dst", [(0, -1), (-1, 0), ((0, 1), (-1, -2)), ((0, 2), (3, 0)),
                                     ([3, 0], [0, 3])])
def test_moveaxis_takes_sequences_as_numpy(src, dst):
    x = rng.standard_normal((2, 3, 4, 5))
    np.testing.assert_array_equal(ag.moveaxis(x, src, dst).numpy(), np.moveaxis(x, src, dst))
