"""Differentiating through optimizer steps: the gradient of a validation loss after k recorded
SGD/Adam steps with respect to the learning rate agrees with finite differences (float64)."""
import numpy as np
import pytest

import autograd_core as ag
from keras_facade import optimizers

RNG = np.random.default_rng(7)
X_TRAIN, X_VAL = RNG.normal(size=(16, 3)), RNG.normal(size=(8, 3))
TRUE_W = np.array([[1.0], [-2.0], [0.5]])
Y_TRAIN, Y_VAL = np.tanh(X_TRAIN @ TRUE_W), np.tanh(X_VAL @ TRUE_W)
W0, B0 = RNG.normal(size=(3, 1)) * 0.1, np.zeros(1)


def mse(params, x, y):
    w, b = params
    pred = ag.tanh(ag.tensor(x) @ w + b)
    return ag.mean(ag.square(pred - ag.tensor(y)))


def validation_loss_after(lr, make_optimizer, k):
    """Train k steps from (W0, B0) with a recorded optimizer; return the validation loss."""
    params = [ag.tensor(W0), ag.tensor(B0)]
    opt = make_optimizer()
    opt.build(params)
    state = opt.variables
    state[1] = lr  # the learning rate enters as a (differentiable) tensor
    for _ in range(k):
        grads = ag.grad(lambda p: mse(p, X_TRAIN, Y_TRAIN))(params)
        params, state = opt.stateless_apply(state, grads, params)
    return mse(params, X_VAL, Y_VAL)


@pytest.mark.parametrize("make_optimizer,lr0", [
    (lambda: optimizers.SGD(learning_rate=0.1), 0.3),
    (lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True), 0.1),
    (lambda: optimizers.Adam(learning_rate=0.1), 0.05),
    (lambda: optimizers.RMSprop(learning_rate=0.1, centered=True), 0.01),
], ids=["sgd", "sgd-nesterov", "adam", "rmsprop-centered"])
def test_hypergradient_matches_finite_differences(make_optimizer, lr0):
    k = 5
    f = lambda lr: validation_loss_after(lr, make_optimizer, k)  # noqa: E731
    value, hypergrad = ag.value_and_grad(f)(ag.tensor(lr0, dtype="float64"))
    h = 1e-6
    numeric = (f(ag.tensor(lr0 + h, dtype="float64")).item()
               - f(ag.tensor(lr0 - h, dtype="float64")).item()) / (2 * h)
    assert hypergrad.dtype == np.float64
    assert abs(hypergrad.item()) > 1e-4  # the learning rate matters
    np.testing.assert_allclose(hypergrad.item(), numeric, rtol=1e-5)
    # the recorded steps give the same trajectory as in-place training
    params = [ag.tensor(W0, requires_grad=True), ag.tensor(B0, requires_grad=True)]
    opt = make_optimizer()
    opt.learning_rate = lr0
    for _ in range(k):
        opt.apply(ag.grad(lambda p: mse(p, X_TRAIN, Y_TRAIN))(params), params)
    np.testing.assert_allclose(mse(params, X_VAL, Y_VAL).item(), value.item(), rtol=1e-6)


def test_hypergradient_descent_on_learning_rate_lowers_validation_loss():
    f = lambda lr: validation_loss_after(lr, lambda: optimizers.SGD(), 3)  # noqa: E731
    lr = ag.tensor(0.05, dtype="float64")
    first = f(lr).item()
    for _ in range(5):
        g = ag.grad(f)(lr)
        lr = ag.tensor(lr.item() - 0.5 * g.item(), dtype="float64")
    assert f(lr).item() < first
