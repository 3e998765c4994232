"""Activations: values against numpy formulas, gradients (away from kinks), stability at extreme
inputs, and Keras ReLU semantics."""
import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(3)
erf = np.vectorize(math.erf)


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


ALPHA, SCALE = 1.6732632423543772, 1.0507009873554805
REFERENCES = {
    "elu": (ag.nn.elu, lambda x: np.where(x > 0, x, np.expm1(x))),
    "selu": (ag.nn.selu, lambda x: SCALE * np.where(x > 0, x, ALPHA * np.expm1(x))),
    "gelu": (ag.nn.gelu, lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2)))),
    "gelu_tanh": (lambda x: ag.nn.gelu(x, approximate=True),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    "silu": (ag.nn.silu, lambda x: x * np_sigmoid(x)),
    "swish": (ag.nn.swish, lambda x: x * np_sigmoid(x)),
    "softplus": (ag.nn.softplus, lambda x: np.log1p(np.exp(x))),
    "softsign": (ag.nn.softsign, lambda x: x / (1 + np.abs(x))),
    "hard_sigmoid": (ag.nn.hard_sigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    "hard_sigmoid_keras2": (ag.nn.hard_sigmoid_keras2, lambda x: np.clip(0.2 * x + 0.5, 0, 1)),
    "hard_silu": (ag.nn.hard_silu, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    "leaky_relu": (ag.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    "relu6": (ag.nn.relu6, lambda x: np.clip(x, 0, 6)),
    "exponential": (ag.nn.exponential, np.exp),
    "mish": (ag.nn.mish, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "log_sigmoid": (ag.nn.log_sigmoid, lambda x: np.log(np_sigmoid(x))),
    "relu": (ag.nn.relu, lambda x: np.maximum(x, 0)),
}


def smooth_points(n=12):
    """Values in (-8, 8) kept away from every kink (0, +-3, +-2.5, 6)."""
    x = rng.uniform(-8, 8, n)
    for kink in (0.0, 3.0, -3.0, 2.5, -2.5, 6.0):
        x = np.where(np.abs(x - kink) < 0.05, x + 0.1, x)
    return x


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_values_and_gradients(name):
    fn, ref = REFERENCES[name]
    x = smooth_points()
    np.testing.assert_allclose(fn(ag.tensor(x)).numpy(), ref(x), rtol=1e-6, atol=1e-7)
    assert gradcheck(fn, ag.tensor(x))


@pytest.mark.parametrize("name", ["elu", "selu", "gelu", "silu", "softplus", "mish", "log_sigmoid"])
def test_smooth_activations_gradient_of_gradient(name):
    assert gradgradcheck(REFERENCES[name][0], ag.tensor(smooth_points(6)))


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_extreme_inputs_stay_finite(name):
    if name == "exponential":
        pytest.skip("e^x overflows by definition")
    x = ag.tensor(np.array([-1e4, -80.0, 80.0, 1e4], dtype=np.float32), requires_grad=True)
    fn = REFERENCES[name][0]
    y = fn(x)
    y.sum().backward()
    assert np.all(np.isfinite(y.numpy())), name
    assert np.all(np.isfinite(x.grad.numpy())), name


def keras_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras 3's ReLU in numpy: x where x > threshold, clipped to [0, max_value], minus
    negative_slope * relu(threshold - x)."""
    y = np.where(x > threshold, x, 0.0) if threshold != 0 else np.maximum(x, 0.0)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    return y - negative_slope * np.maximum(threshold - x, 0.0)


RELU_ARGS = [dict(max_value=6.0), dict(negative_slope=0.1), dict(threshold=1.0),
             dict(threshold=1.5, negative_slope=0.1, max_value=5.0), dict(max_value=5.0, threshold=-1.0),
             dict(max_value=5.0, threshold=-1.0, negative_slope=0.2), dict(max_value=1.0, threshold=2.0),
             dict(max_value=1.0, threshold=2.0, negative_slope=0.3), dict(negative_slope=0.1, max_value=5.0),
             dict(negative_slope=0.5, threshold=1.0, max_value=5)]


@pytest.mark.parametrize("kwargs", RELU_ARGS)
def test_keras_relu_arguments(kwargs):
    x = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 5.0, 6.0, 7.0])
    np.testing.assert_allclose(ag.nn.relu(x, **kwargs).numpy(), keras_relu(x, **kwargs), atol=1e-15)
    away = x[np.all([np.abs(x - k) > 0.1 for k in (0.0, 1.0, 1.5, 2.0, -1.0, 5.0, 6.0)], axis=0)]
    assert gradcheck(lambda t: ag.nn.relu(t, **kwargs), ag.tensor(away))


def test_keras_relu_examples_and_kinks():
    x = np.array([-10, -5, 0.0, 5, 10])
    assert ag.nn.relu(x, threshold=5.0).numpy().tolist() == [0, 0, 0, 0, 10]  # 0 at the threshold
    assert ag.nn.relu(x, negative_slope=0.5).numpy().tolist() == [-5, -2.5, 0, 5, 10]
    assert ag.nn.relu(x, max_value=5.0).numpy().tolist() == [0, 0, 0, 5, 5]

    def slope(at, **kwargs):
        return ag.grad(lambda t: ag.nn.relu(t, **kwargs).sum())(ag.tensor([at])).numpy()[0]
    assert slope(1.5, threshold=1.5) == 0.0
    assert slope(5.0, max_value=5.0) == 1.0  # clip passes the gradient at its bound
    assert slope(0.0, negative_slope=0.1) == pytest.approx(0.1)  # leaky_relu
    assert slope(0.0, negative_slope=0.1, max_value=5.0) == 0.0
    assert slope(-0.5, max_value=5.0, threshold=-1.0) == 0.0  # clipped to 0


@pytest.mark.parametrize("fn,at,expected", [
    (ag.nn.relu6, [0.0, 6.0, 3.0], [0.0, 0.0, 1.0]),
    (ag.nn.hard_sigmoid, [-3.0, 3.0, 0.0], [0.0, 0.0, 1 / 6]),
    (ag.nn.hard_silu, [-3.0, 3.0, 0.0], [0.0, 1.0, 0.5]),
    (ag.nn.elu, [0.0], [1.0]),
    (lambda t: ag.nn.elu(t, 0.5), [0.0], [0.5]),
    (ag.nn.selu, [0.0], [ag.nn.activations.SELU_SCALE * ag.nn.activations.SELU_ALPHA]),
])
def test_derivatives_at_the_kinks_follow_pytorch(fn, at, expected):
    g = ag.grad(lambda t: fn(t).sum())(ag.tensor(np.array(at))).numpy()
    np.testing.assert_allclose(g, expected, rtol=1e-15)


def test_leaky_relu_slope_argument():
    np.testing.assert_allclose(ag.nn.leaky_relu(ag.tensor([-2.0, 3.0]), 0.3).numpy(), [-0.6, 3.0])


def test_float32_in_float32_out():
    x = ag.randn(5)
    for name, (fn, _) in REFERENCES.items():
        assert fn(x).dtype == np.float32, name


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_integer_inputs_compute_in_float32(name):
    fn = REFERENCES[name][0]
    ints = np.array([-3, -1, 0, 2, 5])
    y = fn(ints)
    assert y.dtype == np.float32, name
    np.testing.assert_array_equal(y.numpy(), fn(ints.astype(np.float32)).numpy())


@pytest.mark.parametrize("op", ["exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tanh",
                                "sigmoid", "erf"])
def test_real_functions_of_integers_are_float32(op):
    y = getattr(ag, op)(np.array([1, 2, 3]))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), getattr(ag, op)(np.array([1.0, 2.0, 3.0])).numpy())
