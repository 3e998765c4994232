"""The reverse sweep: deep chains, wide fan-in, .grad accumulation, retain_graph, create_graph,
releasing saved values, no_grad/enable_grad and hooks."""
import gc
import weakref

import numpy as np
import pytest

import autograd_core as ag


def test_200k_op_chain():
    x = ag.tensor(1.0, dtype="float64", requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0001
        y = y - 0.0
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** 100_000, rtol=1e-9)


def test_10k_way_fan_in():
    x = ag.tensor(2.0, dtype="float64", requires_grad=True)
    terms = [x * float(i) for i in range(10_000)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    total.backward()
    assert x.grad.item() == sum(range(10_000))
    y = ag.tensor([1.0, 2.0], requires_grad=True)
    ag.stack([y * 2.0 for _ in range(10_000)]).sum().backward()  # one op with 10k operands
    np.testing.assert_array_equal(y.grad.numpy(), [20_000.0, 20_000.0])


def test_grad_accumulates_across_backward_calls():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, 4 + 3])
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2, 4])
    x.zero_grad()
    assert x.grad is None


def test_second_backward_through_released_graph_names_the_op():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.exp(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="'sum'.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (ag.exp(x) * 2.0).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_create_graph_gives_higher_order_gradients():
    x = ag.tensor(3.0, requires_grad=True)
    (x ** 4).backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.item() == pytest.approx(4 * 27)
    x.grad = None
    g.backward(create_graph=True)  # d/dx 4x^3 = 12x^2
    g2 = x.grad
    assert g2.item() == pytest.approx(12 * 9)
    x.grad = None
    g2.backward()
    assert x.grad.item() == pytest.approx(24 * 3)


def test_without_create_graph_the_gradient_is_not_recorded():
    x = ag.tensor(3.0, requires_grad=True)
    (x ** 2).backward()
    assert not x.grad.requires_grad and x.grad.is_leaf


def test_saved_values_are_released_after_backward():
    x = ag.tensor(np.ones(1000), requires_grad=True)
    mid = ag.exp(x)
    ref = weakref.ref(mid)
    y = (mid * mid).sum()
    node = y._node
    del mid
    gc.collect()
    assert ref() is not None  # the graph holds it
    y.backward()
    assert node.args is None
    gc.collect()
    assert ref() is None  # released: nothing holds the intermediate any more


def test_retain_graph_keeps_saved_values():
    x = ag.tensor([1.0], requires_grad=True)
    y = (ag.exp(x) * 2.0).sum()
    y.backward(retain_graph=True)
    assert y._node.args is not None


def test_no_grad_and_enable_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.no_grad():
        y = x * 2.0
        assert not ag.is_grad_enabled()
        with ag.enable_grad():
            z = x * 2.0
        w = x * 2.0
    assert ag.is_grad_enabled()
    assert not y.requires_grad and z.requires_grad and not w.requires_grad

    @ag.no_grad()
    def f(t):
        return t * 2.0
    assert not f(x).requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with ag.no_grad():
            1 / 0
    assert ag.is_grad_enabled()


def test_register_hook_sees_and_replaces_the_gradient():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    seen = []
    handle = y.register_hook(lambda g: seen.append(g.numpy().copy()))
    y.register_hook(lambda g: g * 10.0)
    (y * y).sum().backward(retain_graph=True)
    np.testing.assert_allclose(seen[0], [4.0, 8.0])  # d(y^2)/dy
    np.testing.assert_allclose(x.grad.numpy(), [80.0, 160.0])  # replaced by 10x, times dy/dx = 2
    handle.remove()
    x.grad = None
    (y * 1.0).sum().backward()
    assert len(seen) == 1


def test_hook_on_a_leaf_and_retain_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 0.0)
    mid = x * 3.0
    mid.retain_grad()
    (mid * mid).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    np.testing.assert_allclose(mid.grad.numpy(), [6.0, 12.0])


def test_backward_with_an_explicit_gradient():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(ag.tensor([1.0, 0.5]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    (x * x).backward(np.array([1.0, 1.0]))
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 6.0])


def test_shared_subexpression_and_diamond():
    x = ag.tensor(1.5, dtype="float64", requires_grad=True)
    a = ag.sin(x)
    b = a * a + a  # a used twice, then the diamond joins
    (b * ag.cos(a)).backward()
    s, c = np.sin(1.5), np.cos(1.5)
    expected = c * ((2 * s + 1) * np.cos(s) - (s * s + s) * np.sin(s))
    assert x.grad.item() == pytest.approx(expected)


def test_intermediate_that_does_not_require_grad_is_a_constant():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    c = ag.tensor([3.0, 4.0])
    (x * c + c.detach() * 0.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])
    assert c.grad is None
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.is_leaf
