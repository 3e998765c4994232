"""Device logic on a CPU-only machine: the numpy-backed test device 'cpu:1' stands in for a second
device. Mixing devices in one op is an error that names the op, both devices and the fix."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core import backend

OTHER = "cpu:1"


def test_device_names_and_interning():
    assert str(ag.tensor([1.0]).device) == "cpu"
    t = ag.tensor([1.0], device=OTHER)
    assert str(t.device) == "cpu:1" and repr(t.device) == "device('cpu:1')"
    assert ag.device("cpu") is ag.device("cpu:0") is ag.device(None)
    assert ag.device(OTHER) is t.device and t.device == "cpu:1" and t.device != "cpu"
    assert str(ag.device(ag.device(OTHER))) == "cpu:1"
    assert "cpu:1" in repr(t)


@pytest.mark.parametrize("make", [
    lambda d: ag.tensor([1.0, 2.0], device=d), lambda d: ag.zeros(2, 3, device=d),
    lambda d: ag.ones((2,), device=d), lambda d: ag.full((2,), 1.5, device=d),
    lambda d: ag.empty(2, device=d), lambda d: ag.arange(3, device=d),
    lambda d: ag.rand(2, device=d), lambda d: ag.randn(2, device=d),
    lambda d: ag.zeros_like(ag.ones(2), device=d), lambda d: ag.eye(2, device=d)])
def test_creation_on_a_device(make):
    assert str(make(OTHER).device) == "cpu:1"


def test_results_and_gradients_stay_on_the_device():
    a = ag.tensor([1.0, 2.0], device=OTHER, requires_grad=True)
    b = ag.tensor([[3.0], [4.0]], device=OTHER, requires_grad=True)
    y = ag.sum(ag.exp(a) * b + a @ ag.ones(2, device=OTHER))
    assert str(y.device) == "cpu:1"
    y.backward()
    assert str(a.grad.device) == "cpu:1" and str(b.grad.device) == "cpu:1"
    g = ag.grad(lambda t: ag.sum(t * t))(a)
    assert str(g.device) == "cpu:1"
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])


@pytest.mark.parametrize("op,name", [
    (lambda a, b: a + b, "add"), (lambda a, b: a * b, "mul"), (lambda a, b: a @ b, "matmul"),
    (lambda a, b: ag.maximum(a, b), "maximum"), (lambda a, b: ag.where(a > 0, a, b), "where"),
    (lambda a, b: ag.concatenate([a, b]), "concatenate"),
    (lambda a, b: ag.stack([a, b]), "concatenate")])
def test_mixing_devices_names_the_op_the_devices_and_the_fix(op, name):
    a = ag.tensor([1.0, 2.0])
    b = ag.tensor([1.0, 2.0], device=OTHER)
    with pytest.raises(RuntimeError) as info:
        op(a, b)
    msg = str(info.value)
    assert msg.startswith(name) and "cpu" in msg and "cpu:1" in msg and ".to(" in msg


def test_to_moves_and_gradients_flow_back():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(OTHER)
    assert str(y.device) == "cpu:1" and y.requires_grad
    assert y.data is not x.data
    (y * y).sum().backward()
    assert str(x.grad.device) == "cpu" and x.grad.numpy().tolist() == [2.0, 4.0]
    assert x.to("cpu") is x
    back = y.to("cpu")
    assert str(back.device) == "cpu"
    assert ag.testing.gradcheck(lambda t: (t.to(OTHER) * 3.0).to("cpu"), x)
    assert ag.testing.check_jvp(lambda t: t.to(OTHER) * 3.0, x)


def test_index_tensor_on_another_device():
    x = ag.ones(3)
    with pytest.raises(RuntimeError, match="getitem.*cpu:1.*cpu.*to\\("):
        x[ag.tensor([0], device=OTHER)]


def test_unknown_device_is_a_value_error():
    for bad in ("tpu", "cpu:x", "gpu:0", "cuda:-1"):
        with pytest.raises(ValueError, match="unknown device"):
            ag.tensor([1.0], device=bad)
    with pytest.raises(TypeError, match="device"):
        ag.device(3)


@pytest.mark.skipif(backend.cuda_is_available(), reason="cupy and a GPU are present")
def test_cuda_without_cupy_is_a_clear_error():
    assert ag.cuda.is_available() is False and ag.cuda.device_count() == 0
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match="cupy.*not installed.*gpu"):
            ag.tensor([1.0], device="cuda")
        with pytest.raises(RuntimeError, match="cupy"):
            ag.ones(2).to("cuda:0")


@pytest.mark.skipif(not backend.cuda_is_available(), reason="needs cupy and a GPU")
def test_cuda_round_trip():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cuda")
    assert str(y.device).startswith("cuda")
    (y * y).sum().backward()
    assert str(x.grad.device) == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="different devices"):
        x + y
