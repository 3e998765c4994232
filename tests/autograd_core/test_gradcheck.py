"""The public derivative checks: gradcheck, gradgradcheck and check_jvp pass on correct rules, and
fail on wrong ones with the worst entry (index, analytic and numeric values)."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import GradcheckError, check_jvp, gradcheck, gradgradcheck

# a square whose VJP is off by 50% (3x instead of 2x) and has no JVP rule (so jvp uses the VJP)
bad_square = ag.primitive("test_bad_square", lambda xp, x: x * x,
                          vjps=[lambda g, out, x: g * 3.0 * x])
# a square whose VJP is right but whose JVP rule is wrong
bad_jvp_square = ag.primitive("test_bad_jvp_square", lambda xp, x: x * x,
                              vjps=[lambda g, out, x: g * 2.0 * x],
                              jvps=[lambda t, out, x: t * x])
# a cube whose VJP is right to first order but not differentiable again (it uses a constant)
flat_cube = ag.primitive("test_flat_cube", lambda xp, x: x * x * x,
                         vjps=[lambda g, out, x: g * ag.tensor(3.0 * x.numpy() ** 2)])

# a square whose VJP is 1% too large
off_by_1pct_square = ag.primitive("test_off_by_1pct", lambda xp, x: x * x,
                                  vjps=[lambda g, out, x: g * 2.02 * x])


def _x(shape=(3, 4), seed=0):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


@pytest.mark.parametrize("mode", ["random", "full"])
def test_gradcheck_passes_on_correct_gradients(mode, device):
    a, b = _x((3, 4)).to(device), _x((4, 2), 1).to(device)
    assert gradcheck(lambda a, b: ag.tanh(a @ b), a, b, mode=mode) is True
    assert gradcheck(lambda a: (ag.sum(a * a, axis=0), ag.exp(a)), a, mode=mode) is True


@pytest.mark.parametrize("mode", ["random", "full"])
def test_gradcheck_reports_the_worst_entry(mode):
    x = ag.tensor([[0.5, -1.0], [2.0, 0.25]])
    with pytest.raises(GradcheckError) as info:
        gradcheck(bad_square, x, mode=mode)
    err = info.value
    assert err.input == 0
    if mode == "full":  # the largest error |3x - 2x| of the Jacobian is at x = 2.0, index (1, 0)
        assert err.in_index == (1, 0) and err.out_index == (1, 0)
        assert err.analytic == pytest.approx(6.0) and err.numeric == pytest.approx(4.0, rel=1e-6)
    else:  # an entry of J^T u for a random u: the analytic value is 1.5x the numeric one
        assert len(err.in_index) == 2
        assert err.analytic == pytest.approx(1.5 * err.numeric, rel=1e-5)
    assert f"input index {err.in_index}" in str(err)
    assert f"analytic {err.analytic!r}" in str(err) and f"numeric {err.numeric!r}" in str(err)
    assert gradcheck(bad_square, x, mode=mode, raise_exception=False) is False


def test_gradcheck_works_on_float64_copies_and_leaves_inputs_alone():
    x = _x()
    before = x.numpy().copy()
    seen = []

    def f(x, scale):
        seen.append((x.dtype, scale))
        return x * scale
    assert gradcheck(f, x, 3)
    assert all(d == np.float64 and s == 3 for d, s in seen)  # the int passes through unchanged
    assert x.dtype == np.float32 and np.array_equal(x.numpy(), before) and x.grad is None


def test_gradcheck_argnums_and_nonfloat_inputs():
    x, y = _x((3,)), _x((3,), 1)
    idx = ag.tensor([2, 0, 0])
    assert gradcheck(lambda x, i, y: x[i] * y, x, idx, y)
    # only y is differentiated: the wrong rule on x goes unnoticed
    assert gradcheck(lambda x, y: bad_square(x) * y, x, y, argnums=1)
    with pytest.raises(GradcheckError):
        gradcheck(lambda x, y: bad_square(x) * y, x, y, argnums=0)
    with pytest.raises(TypeError, match="not floating point"):
        gradcheck(lambda i: i * 2.0, idx, argnums=0)


def test_gradcheck_tolerances_and_eps():
    x = ag.tensor([1.0, 2.0])
    # a 1% error passes a 2% relative tolerance and fails the default one
    assert gradcheck(off_by_1pct_square, x, rtol=0.02)
    with pytest.raises(GradcheckError):
        gradcheck(off_by_1pct_square, x)
    # a huge eps makes the finite difference of a cubic wrong: d/dx x^3 ~ 3x^2 + eps^2
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: x ** 3, x, eps=0.5, mode="full")


def test_gradcheck_function_independent_of_input():
    assert gradcheck(lambda x: ag.ones(3), _x((2,)))
    assert gradcheck(lambda x: ag.sum(x * 0.0), _x((2,)))


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = ag.tensor([0.5, -1.5, 2.0])
    assert gradcheck(flat_cube, x)  # the first derivative is right...
    assert gradgradcheck(lambda x: x * x * x, x)
    with pytest.raises(GradcheckError):  # ...but its derivative is not
        gradgradcheck(flat_cube, x)


def test_check_jvp():
    a, b = _x((2, 3)), _x((3,), 1)
    assert check_jvp(lambda a, b: ag.sin(a) * b, a, b)
    assert check_jvp(lambda a: ag.sum(a, axis=1), a, tangents=ag.ones(2, 3))
    with pytest.raises(GradcheckError, match="finite differences"):
        check_jvp(bad_jvp_square, ag.tensor([1.0, 2.0]))
    with pytest.raises(GradcheckError):  # the JVP falls back to the (wrong) VJP rule
        check_jvp(bad_square, ag.tensor([1.0, 2.0]))


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)
    assert ag.testing.gradcheck is gradcheck
