"""grad, value_and_grad, vjp, jvp, jacobian (both modes), hessian and hvp against analytic results;
nesting; argnums/has_aux/pytrees; transforms never touch .grad."""
import gc

import numpy as np
import pytest

import autograd_core as ag

X = np.array([0.3, -1.2, 2.0])


def f(x):
    return ag.sum(ag.sin(x) * x ** 2)


def df(x):
    return np.cos(x) * x ** 2 + 2 * x * np.sin(x)


def d2f(x):
    return -np.sin(x) * x ** 2 + 4 * x * np.cos(x) + 2 * np.sin(x)


def _t(a=X):
    return ag.tensor(a, dtype="float64")


def test_grad_and_value_and_grad(device):
    x = _t().to(device)
    g = ag.grad(f)(x)
    assert g.device == x.device and g.dtype == np.float64
    np.testing.assert_allclose(g.numpy(), df(X), rtol=1e-12)
    v, g2 = ag.value_and_grad(f)(x)
    assert v.item() == pytest.approx(np.sum(np.sin(X) * X ** 2))
    np.testing.assert_allclose(g2.numpy(), g.numpy())


def test_grad_argnums_has_aux_and_pytrees():
    a, b = _t([1.0, 2.0]), _t([3.0, 4.0])
    ga, gb = ag.grad(lambda a, b: ag.sum(a * b * b), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga.numpy(), [9.0, 16.0])
    np.testing.assert_allclose(gb.numpy(), [6.0, 16.0])
    g, aux = ag.grad(lambda a: (ag.sum(a * a), "aux"), has_aux=True)(a)
    assert aux == "aux"
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    params = {"w": a, "layers": [b, _t(5.0)]}
    grads = ag.grad(lambda p: ag.sum(p["w"] * p["layers"][0]) * p["layers"][1])(params)
    assert set(grads) == {"w", "layers"} and len(grads["layers"]) == 2
    np.testing.assert_allclose(grads["w"].numpy(), [15.0, 20.0])
    np.testing.assert_allclose(grads["layers"][1].numpy(), 11.0)


def test_grad_of_python_floats_and_arrays():
    assert ag.grad(lambda x: x * x * x)(2.0).item() == pytest.approx(12.0)
    np.testing.assert_allclose(ag.grad(lambda x: ag.sum(x * x))(np.array([1.0, 2.0])).numpy(),
                               [2.0, 4.0])


def test_nested_grad_to_third_order():
    x = ag.tensor(0.7, dtype="float64")
    d1 = ag.grad(lambda x: ag.sin(x) * x)
    d2 = ag.grad(d1)
    d3 = ag.grad(d2)
    assert d1(x).item() == pytest.approx(np.cos(0.7) * 0.7 + np.sin(0.7))
    assert d2(x).item() == pytest.approx(-np.sin(0.7) * 0.7 + 2 * np.cos(0.7))
    assert d3(x).item() == pytest.approx(-np.cos(0.7) * 0.7 - 3 * np.sin(0.7))


def test_grad_of_a_function_that_ignores_its_argument_is_zeros():
    x = ag.tensor([1.0, 2.0])
    for fn in (lambda x: ag.tensor(3.0), lambda x: ag.sum(x.detach()), lambda x: 5.0):
        g = ag.grad(fn)(x)
        assert g.shape == x.shape and g.dtype == x.dtype
        np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])
    ga, gb = ag.grad(lambda a, b: ag.sum(a), argnums=(0, 1))(x, ag.tensor([[1.0]]))
    np.testing.assert_array_equal(gb.numpy(), [[0.0]])


def test_vjp_and_jvp():
    x = _t()
    out, pull = ag.vjp(lambda x: ag.sin(x) * x, x)
    np.testing.assert_allclose(out.numpy(), np.sin(X) * X)
    (g,) = pull(ag.tensor([1.0, 2.0, 3.0], dtype="float64"))
    np.testing.assert_allclose(g.numpy(), [1, 2, 3] * (np.cos(X) * X + np.sin(X)))
    out, tangent = ag.jvp(lambda x: ag.sin(x) * x, (x,), (_t([1.0, 0.0, -1.0]),))
    np.testing.assert_allclose(tangent.numpy(), [1, 0, -1] * (np.cos(X) * X + np.sin(X)))


def test_vjp_with_two_inputs_and_two_outputs():
    a, b = _t([1.0, 2.0]), _t([3.0, 4.0])
    (p, s), pull = ag.vjp(lambda a, b: (a * b, ag.sum(a)), a, b)
    ga, gb = pull(ag.ones(2, dtype="float64"), ag.tensor(1.0, dtype="float64"))
    np.testing.assert_allclose(ga.numpy(), [4.0, 5.0])
    np.testing.assert_allclose(gb.numpy(), [1.0, 2.0])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian(mode):
    x = _t([1.0, 2.0])
    J = ag.jacobian(lambda x: ag.stack([ag.sum(x), ag.sum(x * x), x[0] * x[1]]), mode=mode)(x)
    np.testing.assert_allclose(J.numpy(), [[1, 1], [2, 4], [2, 1]])
    M = _t(np.arange(6.0).reshape(2, 3))
    J2 = ag.jacobian(lambda m: m * 2.0, mode=mode)(M)
    assert J2.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(J2.numpy().reshape(6, 6), 2 * np.eye(6))


def test_hessian_and_hvp():
    x = _t()
    H = ag.hessian(f)(x)
    np.testing.assert_allclose(H.numpy(), np.diag(d2f(X)), rtol=1e-10, atol=1e-12)
    H2 = ag.hessian(lambda v: v[0] * v[1] ** 2)(_t([1.0, 2.0]))
    np.testing.assert_allclose(H2.numpy(), [[0, 4], [4, 2]])
    g, hv = ag.hvp(f, (x,), (_t([1.0, 0.0, 2.0]),))
    np.testing.assert_allclose(g.numpy(), df(X))
    np.testing.assert_allclose(hv.numpy(), d2f(X) * [1, 0, 2])


def test_transforms_never_touch_grad():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    sentinel = ag.tensor([7.0, 7.0])
    w.grad = sentinel
    ag.grad(lambda w: ag.sum(w * w))(w)
    ag.value_and_grad(lambda w: ag.sum(w * w))(w)
    ag.vjp(lambda w: w * w, w)[1](ag.ones(2))
    ag.jvp(lambda w: w * w, (w,), (ag.ones(2),))
    ag.jacobian(lambda w: w * w)(w)
    ag.hessian(lambda w: ag.sum(w ** 3))(w)
    assert w.grad is sentinel


def test_value_and_grad_over_leaf_weights_used_by_closure():
    w = ag.tensor([1.0, -2.0], requires_grad=True)
    b = ag.tensor(0.5, requires_grad=True)

    def loss(params):
        return ag.sum((w * 3.0 + b) ** 2)  # uses the same tensor objects, not the argument
    v, (gw, gb) = ag.value_and_grad(loss)([w, b])
    np.testing.assert_allclose(gw.numpy(), 2 * (np.array([1.0, -2.0]) * 3 + 0.5) * 3)
    assert gb.item() == pytest.approx(2 * ((3 + 0.5) + (-6 + 0.5)))
    assert w.grad is None


def test_grad_errors():
    with pytest.raises(TypeError, match="scalar"):
        ag.grad(lambda x: x * 2.0)(ag.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="int64"):
        ag.grad(lambda x: x * 2.0)(ag.tensor(1))
    with pytest.raises(ValueError, match="mode"):
        ag.jacobian(lambda x: x, mode="sideways")
    with pytest.raises(ValueError, match="tangent shape"):
        ag.jvp(lambda x: x, (ag.ones(2),), (ag.ones(3),))


def test_transforms_leave_no_reference_cycles():
    # a cycle would keep every gradient of a step alive until the cyclic collector runs
    params = {"w": ag.tensor(np.ones((3, 2)), requires_grad=True), "b": [ag.zeros(2)]}

    def loss(p, x):
        return ((x @ p["w"] + p["b"][0]) ** 2).sum()
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            value, grads = ag.value_and_grad(loss)(params, x)
            _, pull = ag.vjp(loss, params, x)
            pulled = pull(ag.tensor(1.0))
        del value, grads, pull, pulled
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_several_outputs_and_arguments_is_indexed_output_then_argument(mode):
    a, b = np.array([0.3, -1.2, 2.0]), np.array([0.5, -2.0])

    def f(x, y):
        return ag.tanh(x)[:2] * y, (x ** 2).sum() * y
    jac = ag.jacobian(f, argnums=(0, 1), mode=mode)(ag.tensor(a), ag.tensor(b))
    d_tanh = np.zeros((2, 3))
    d_tanh[[0, 1], [0, 1]] = (1 - np.tanh(a[:2]) ** 2) * b
    expected = ((d_tanh, np.diag(np.tanh(a[:2]))),
                (np.outer(b, 2 * a), np.eye(2) * (a ** 2).sum()))
    for k in range(2):
        for j in range(2):
            np.testing.assert_allclose(jac[k][j].numpy(), expected[k][j], rtol=1e-12, atol=1e-15)
    single = ag.jacobian(f, argnums=1, mode=mode)(ag.tensor(a), ag.tensor(b))
    assert isinstance(single, tuple) and len(single) == 2
    np.testing.assert_allclose(single[1].numpy(), expected[1][1], rtol=1e-12)
    h = ag.hessian(lambda x, y: (x ** 2 * y[0]).sum(), argnums=(0, 1))(ag.tensor(a), ag.tensor(b))
    np.testing.assert_allclose(h[0][0].numpy(), 2 * b[0] * np.eye(3), rtol=1e-12)
    np.testing.assert_allclose(h[0][1].numpy(), np.stack([2 * a, np.zeros(3)], axis=1), rtol=1e-12)
