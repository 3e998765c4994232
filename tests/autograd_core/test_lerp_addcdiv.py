"""lerp and addcdiv: the fused update primitives (one result buffer, inputs never written)."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("weight", [0.1, 0.0, 1.0, np.float32(0.25)])
def test_lerp_scalar_weight_values_dtype_and_inputs_untouched(weight):
    a, b = f32(3, 4), f32(3, 4)
    a0, b0 = a.copy(), b.copy()
    out = ag.lerp(ag.tensor(a), ag.tensor(b), weight)
    assert out.dtype == np.float32 and out.shape == (3, 4)
    np.testing.assert_allclose(out.numpy(), a0 + np.float32(weight) * (b0 - a0), rtol=1e-6)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


def test_lerp_weight_broadcasts_beyond_the_endpoints():
    a, b, w = f32(4), f32(1, 4), f32(3, 1)
    out = ag.lerp(a, ag.tensor(b), ag.tensor(w))
    assert out.shape == (3, 4)
    np.testing.assert_allclose(out.numpy(), a + w * (b - a), rtol=1e-6)


def test_addcdiv_scalar_value_and_denominator():
    x, a, b = f32(2, 3), f32(2, 3), np.abs(f32(2, 3)) + 0.5
    out = ag.addcdiv(ag.tensor(x), ag.tensor(a), ag.tensor(b), -0.01)
    np.testing.assert_allclose(out.numpy(), x - 0.01 * a / b, rtol=1e-6)
    out = ag.addcdiv(ag.tensor(x), ag.tensor(a), 2.0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), x + a / 2, rtol=1e-6)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_addcdiv_zero_cotangent_at_a_zero_denominator_stays_zero():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([0.0, 2.0], requires_grad=True)
    a = ag.tensor([1.0, 1.0], requires_grad=True)
    out = ag.addcdiv(x, a, b, 3.0)
    (out * ag.tensor([0.0, 1.0])).sum().backward()
    assert np.isfinite(a.grad.numpy()).all() and np.isfinite(b.grad.numpy()).all()
    np.testing.assert_allclose(b.grad.numpy(), [0.0, -3.0 * 1.0 / 4.0])


def test_gradients_with_tensor_weights_in_float64():
    a, b, w = (ag.tensor(rng.standard_normal((2, 3))) for _ in range(3))
    assert gradcheck(ag.lerp, a, b, w)
    assert gradgradcheck(ag.lerp, a, b, w)
    d = ag.tensor(np.abs(rng.standard_normal((2, 3))) + 0.5)
    assert gradcheck(ag.addcdiv, a, b, d, w)
    assert gradgradcheck(ag.addcdiv, a, b, d, w)
