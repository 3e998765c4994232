"""The newer activations (celu, glu, hard_tanh, shrinks, sparse_plus, squareplus, threshold,
sparse_sigmoid, sparsemax): values against numpy, derivatives at the kinks (PyTorch's choices),
stability and bad input. Gradients, gradients of gradients and broadcasting away from the kinks are
covered by their op table entries (autograd_core.testing.optable)."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import gradcheck, gradgradcheck
from autograd_core.testing.optable import Case, get, run_check

NN = ag.nn
KINKS = np.array([-1.0, -0.5, -0.3, 0.0, 0.3, 0.5, 1.0, 2.0], dtype=np.float32)


def grad_at(fn, x):
    x = ag.tensor(x, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.numpy()


@pytest.mark.parametrize("fn, expected", [
    # values and derivatives at -1, -0.5, -0.3, 0, 0.3, 0.5, 1, 2 (PyTorch's at the kinks)
    (NN.hard_tanh, ([-1, -.5, -.3, 0, .3, .5, 1, 1], [0, 1, 1, 1, 1, 1, 0, 0])),
    (NN.hard_shrink, ([-1, 0, 0, 0, 0, 0, 1, 2], [1, 0, 0, 0, 0, 0, 1, 1])),
    (lambda x: NN.hard_shrink(x, 0.3), ([-1, -.5, 0, 0, 0, .5, 1, 2], [1, 1, 0, 0, 0, 1, 1, 1])),
    (NN.soft_shrink, ([-.5, 0, 0, 0, 0, 0, .5, 1.5], [1, 0, 0, 0, 0, 0, 1, 1])),
    (NN.sparse_sigmoid, ([0, .25, .35, .5, .65, .75, 1, 1], [0, .5, .5, .5, .5, .5, 0, 0])),
    (NN.sparse_plus, ([0, 1 / 16, .1225, .25, .4225, .5625, 1, 2],
                      [0, .25, .35, .5, .65, .75, 1, 1])),
    (lambda x: NN.threshold(x, 0.3, -2.0), ([-2, -2, -2, -2, -2, .5, 1, 2], [0, 0, 0, 0, 0, 1, 1, 1])),
])
def test_piecewise_values_and_derivatives_at_kinks(fn, expected):
    values, derivatives = expected
    np.testing.assert_allclose(fn(ag.tensor(KINKS)).numpy(), values, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grad_at(fn, KINKS), derivatives, rtol=1e-6, atol=0)


def test_celu_values_and_derivative_at_zero():
    x = np.array([-2.0, -0.5, 0.0, 0.5], dtype=np.float32)
    for alpha in (0.5, 1.0, 2.0):
        ref = np.where(x > 0, x, alpha * np.expm1(x / alpha))
        np.testing.assert_allclose(NN.celu(ag.tensor(x), alpha).numpy(), ref, rtol=1e-6)
        np.testing.assert_allclose(grad_at(lambda t: NN.celu(t, alpha), x),
                                   np.where(x > 0, 1.0, np.exp(x / alpha)), rtol=1e-5)
    with pytest.raises(ValueError, match="celu.*alpha"):
        NN.celu(ag.tensor(x), 0.0)


def test_smooth_ones_values_and_second_derivatives():
    x = np.linspace(-4, 4, 9)
    np.testing.assert_allclose(NN.tanh_shrink(ag.tensor(x)).numpy(), x - np.tanh(x), rtol=1e-12)
    np.testing.assert_allclose(NN.squareplus(ag.tensor(x), 1).numpy(), (x + np.sqrt(x * x + 1)) / 2)
    for fn in (NN.tanh_shrink, NN.squareplus, lambda t: NN.celu(t, 0.7), NN.log_sigmoid):
        assert gradgradcheck(fn, ag.tensor(x + 0.1))
    with pytest.raises(ValueError, match="squareplus.*b must be >= 0"):
        NN.squareplus(ag.tensor(x), -1)


def test_extreme_inputs_stay_finite():
    x = ag.tensor(np.array([-1e30, -80.0, 80.0, 1e30], dtype=np.float32), requires_grad=True)
    fns = [NN.celu, NN.hard_tanh, NN.hard_shrink, NN.soft_shrink, NN.tanh_shrink, NN.sparse_plus,
           NN.sparse_sigmoid, NN.log_sigmoid, lambda t: NN.threshold(t, 0.0, 1.0)]
    for fn in fns:
        x.grad = None
        y = fn(x)
        y.sum().backward()
        assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(x.grad.numpy())), fn


def test_integer_input_becomes_float32():
    assert NN.hard_tanh(ag.tensor(np.array([-3, 0, 2]))).dtype == np.float32
    assert NN.sparse_plus(ag.tensor(np.array([0, 3]))).numpy().tolist() == [0.25, 3.0]


def test_glu_halves_along_axis():
    x = np.arange(12, dtype=np.float64).reshape(2, 6) / 6 - 1
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    np.testing.assert_allclose(NN.glu(ag.tensor(x)).numpy(), x[:, :3] * sig(x[:, 3:]))
    np.testing.assert_allclose(NN.glu(ag.tensor(x), axis=0).numpy(), x[:1] * sig(x[1:]))
    assert gradcheck(lambda t: NN.glu(t, axis=0), ag.tensor(x))
    with pytest.raises(ValueError, match=r"glu: the size of axis -1 must be even, got shape \(2, 5\)"):
        NN.glu(ag.tensor(np.ones((2, 5))))
    with pytest.raises(ValueError, match="glu: axis 2 is out of range"):
        NN.glu(ag.tensor(np.ones((2, 4))), axis=2)


def test_sparsemax_values():
    x = np.array([[1.0, 0.5, 0.0], [0.3, 2.5, -1.0], [0.2, 0.2, 0.2]])
    np.testing.assert_allclose(NN.sparsemax(ag.tensor(x)).numpy(),
                               [[0.75, 0.25, 0], [0, 1, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-12)
    one_hot = NN.sparsemax(ag.tensor(np.linspace(1, 12, 12).reshape(-1, 1, 3)), axis=-3).numpy()
    assert one_hot[-1].tolist() == [[1, 1, 1]] and not one_hot[:-1].any()
    ties = NN.sparsemax(ag.tensor(np.array([2.0, 2.0, 0.0, 2.0]))).numpy()
    np.testing.assert_allclose(ties, [1 / 3, 1 / 3, 0, 1 / 3])
    rng = np.random.default_rng(0)
    y = NN.sparsemax(ag.tensor(rng.normal(size=(4, 7)).astype(np.float32)), axis=0).numpy()
    np.testing.assert_allclose(y.sum(0), 1, rtol=1e-6)
    assert (y >= 0).all()


def test_sparsemax_jacobian_on_support():
    x = np.array([1.0, 0.5, 0.0, 0.9])  # support {0, 1, 3}
    jac = ag.jacobian(NN.sparsemax)(ag.tensor(x)).numpy()
    s = np.array([1, 1, 0, 1.0])
    np.testing.assert_allclose(jac, (np.diag(s) - np.outer(s, s) / 3), atol=1e-12)
    # at the edge of the support (x_i == tau) the entry is outside: derivative 0
    g = grad_at(lambda t: NN.sparsemax(t) * ag.tensor(np.arange(1.0, 6.0, dtype=np.float32)),
                np.array([-0.5, 0, 1, 2, 3], dtype=np.float32))
    np.testing.assert_array_equal(g, [0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="sparsemax: axis 1 is out of range"):
        NN.sparsemax(ag.tensor(x), axis=1)


def test_op_table_entries_exist_and_pass_one_case():
    x = np.array([[0.7, -1.4, 2.2, 0.1]])
    for name in ("celu", "hard_tanh", "tanh_shrink", "log_sigmoid", "sparse_plus", "sparse_sigmoid"):
        spec = get(name)
        case = Case((x,), {"alpha": 1.0} if name == "celu" else {})
        for check in spec.checks:
            run_check(spec, check, case)
