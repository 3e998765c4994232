"""User-defined derivatives: ag.Function, ag.custom_vjp and ag.primitive registration."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import check_jvp, gradcheck, gradgradcheck


class Exp(ag.Function):
    @staticmethod
    def forward(ctx, x):
        y = ag.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class ScaledMul(ag.Function):
    """a * b * k with a non-tensor argument k (its gradient is None)."""

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_backward(a, b)
        ctx.k = k
        return a * b * k

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b * ctx.k, g * a * ctx.k, None


def test_function_forward_backward():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    y = Exp.apply(x)
    assert y.requires_grad and "Exp" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.0, 1.0]), rtol=1e-6)


def test_function_several_inputs():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0])
    ScaledMul.apply(a, b, 2.0).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [6.0, 8.0])
    assert b.grad is None
    assert gradcheck(lambda a, b: ScaledMul.apply(a, b, 3.0), a, b)


def test_function_is_differentiable_again():
    x = ag.tensor([0.3, -0.4])
    assert gradcheck(Exp.apply, x) and gradgradcheck(Exp.apply, x)
    d3 = ag.grad(ag.grad(ag.grad(lambda x: Exp.apply(x))))(ag.tensor(0.5))
    assert d3.item() == pytest.approx(np.exp(0.5), rel=1e-6)


def test_function_forward_runs_without_recording():
    seen = []

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2.0
            seen.append(y.requires_grad)
            return y

        @staticmethod
        def backward(ctx, g):
            return g * 2.0
    Probe.apply(ag.tensor([1.0], requires_grad=True))
    assert seen == [False]


def test_function_backward_must_return_one_gradient_per_input():
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g
    out = Bad.apply(ag.tensor([1.0], requires_grad=True), ag.tensor([2.0]))
    with pytest.raises(ValueError, match=r"Bad.backward.*returned 1 gradient.* for 2 input"):
        out.sum().backward()


@ag.custom_vjp
def log1pexp(x):
    """softplus, naive: overflows for large x."""
    return ag.log(1.0 + ag.exp(x))


def _log1pexp_fwd(x):
    stable = ag.maximum(x, 0.0) + ag.log1p(ag.exp(-ag.abs(x)))
    return stable, (x,)


def _log1pexp_bwd(residuals, g):
    (x,) = residuals
    return (g * ag.sigmoid(x),)


log1pexp.defvjp(_log1pexp_fwd, _log1pexp_bwd)


def test_custom_vjp_numerically_stable_op():
    x = ag.tensor([-1000.0, -2.0, 0.0, 3.0, 1000.0])
    y = log1pexp(x)
    np.testing.assert_allclose(y.numpy(), np.logaddexp(0, x.numpy()), rtol=1e-6)
    g = ag.grad(lambda x: ag.sum(log1pexp(x)))(x)
    assert np.all(np.isfinite(g.numpy()))
    np.testing.assert_allclose(g.numpy(), [0.0, 1 / (1 + np.exp(2.0)), 0.5, 1 / (1 + np.exp(-3.0)),
                                           1.0], rtol=1e-6)
    assert gradcheck(log1pexp, ag.tensor([-2.0, 0.5, 3.0]))


def test_custom_vjp_second_order_and_backward():
    d2 = ag.grad(ag.grad(lambda x: log1pexp(x)))(ag.tensor(0.0))
    assert d2.item() == pytest.approx(0.25)
    x = ag.tensor([0.0, 2.0], requires_grad=True)
    log1pexp(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1 / (1 + np.exp(-np.array([0.0, 2.0]))), rtol=1e-6)


def test_custom_vjp_without_rule_is_the_plain_function():
    plain = ag.custom_vjp(lambda x: x * 3.0)
    assert ag.grad(lambda x: plain(x))(ag.tensor(1.0)).item() == 3.0


def _cube_fwd(xp, x):
    return x * x * x


cube = ag.primitive("test_cube", _cube_fwd, vjps=[lambda g, out, x: g * 3.0 * x * x],
                    jvps=[lambda t, out, x: t * 3.0 * x * x])


@ag.primitive("test_hypot", vjps=[lambda g, out, a, b: g * a / out,
                                  lambda g, out, a, b: g * b / out])
def hypot(xp, a, b):
    return xp.sqrt(a * a + b * b)


def test_user_primitive_registration():
    x = ag.tensor([1.0, -2.0])
    np.testing.assert_allclose(cube(x).numpy(), [1.0, -8.0])
    assert cube in ag.primitives.REGISTRY.values() and ag.primitives.REGISTRY["test_cube"] is cube
    assert gradcheck(cube, x) and gradgradcheck(cube, x) and check_jvp(cube, x)
    a, b = ag.tensor([[3.0], [1.0]]), ag.tensor([4.0, 2.0])  # broadcasting handled by the engine
    assert hypot(a, b).shape == (2, 2)
    assert gradcheck(hypot, a, b) and check_jvp(hypot, a, b)  # no JVP rule: double-VJP fallback
    with pytest.raises(ValueError, match="already registered"):
        ag.primitive("test_cube", _cube_fwd)


scale = ag.primitive("test_scale", lambda xp, x, factor=1.0: x * factor,
                     vjps=[lambda g, out, x, factor=1.0: g * factor])


def test_user_primitive_static_params():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    scale(x, factor=4.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])
