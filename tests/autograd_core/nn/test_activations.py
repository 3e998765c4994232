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


def test_keras_relu_arguments():
    x = np.array([-3.0, -1.0, 0.5, 1.0, 2.0, 7.0])
    np.testing.assert_allclose(ag.nn.relu(x, max_value=6.0).numpy(), [0, 0, 0.5, 1, 2, 6])
    np.testing.assert_allclose(ag.nn.relu(x, negative_slope=0.1).numpy(),
                               [-0.3, -0.1, 0.5, 1, 2, 7])
    np.testing.assert_allclose(ag.nn.relu(x, threshold=1.0).numpy(), [0, 0, 0, 1, 2, 7])
    np.testing.assert_allclose(ag.nn.relu(x, negative_slope=0.5, threshold=1.0, max_value=5).numpy(),
                               [-2, -1, -0.25, 1, 2, 5])
    assert gradcheck(lambda x: ag.nn.relu(x, negative_slope=0.1, max_value=4.0),
                     ag.tensor([-2.0, 1.0, 5.0]))


def test_leaky_relu_slope_argument():
    np.testing.assert_allclose(ag.nn.leaky_relu(ag.tensor([-2.0, 3.0]), 0.3).numpy(), [-0.6, 3.0])


def test_float32_in_float32_out():
    x = ag.randn(5)
    for name, (fn, _) in REFERENCES.items():
        assert fn(x).dtype == np.float32, name
