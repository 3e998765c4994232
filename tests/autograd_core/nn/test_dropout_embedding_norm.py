"""Dropout, embedding and the normalization pieces."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(4)


# -- dropout ---------------------------------------------------------------------------------------
def test_dropout_is_identity_outside_training():
    x = ag.randn(4, 5)
    assert ag.nn.dropout(x, 0.5) is x
    assert ag.nn.dropout(x, 0.0, training=True) is x


def test_dropout_zeroes_and_scales():
    x = ag.ones(200, 50)
    y = ag.nn.dropout(x, 0.3, training=True, seed=1).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.02
    assert abs(y.mean() - 1.0) < 0.03  # inverted dropout keeps the expectation


def test_dropout_reproducibility():
    x = ag.ones(10, 10)
    a = ag.nn.dropout(x, 0.5, training=True, seed=3).numpy()
    b = ag.nn.dropout(x, 0.5, training=True, seed=3).numpy()
    np.testing.assert_array_equal(a, b)
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    first = [ag.nn.dropout(x, 0.5, training=True, generator=g1).numpy() for _ in range(2)]
    second = [ag.nn.dropout(x, 0.5, training=True, generator=g2).numpy() for _ in range(2)]
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])  # a generator draws a new mask per call


def test_dropout_noise_shape_shares_the_mask():
    y = ag.nn.dropout(ag.ones(3, 6, 4), 0.5, training=True, seed=0, noise_shape=(None, 1, 4))
    y = y.numpy()
    assert np.all(y == y[:, :1, :])


def test_dropout_gradient_uses_the_same_mask():
    x = ag.randn(6, 7, requires_grad=True)
    y = ag.nn.dropout(x, 0.4, training=True, seed=5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (y.numpy() != 0) / 0.6, rtol=1e-6)


@pytest.mark.parametrize("call,message", [
    (lambda: ag.nn.dropout(ag.ones(2), 1.0, training=True), r"dropout: rate must be in \[0, 1\)"),
    (lambda: ag.nn.dropout(ag.ones(2, 3), 0.5, training=True, noise_shape=(2, 2)),
     r"dropout: noise_shape \(2, 2\) must broadcast to the input shape \(2, 3\)"),
])
def test_dropout_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- embedding -------------------------------------------------------------------------------------
def test_embedding_lookup_and_accumulating_gradient():
    table = ag.tensor(rng.standard_normal((6, 3)), requires_grad=True)
    ids = np.array([[1, 4, 1], [0, 1, 5]])
    out = ag.nn.embedding(ids, table)
    np.testing.assert_array_equal(out.numpy(), table.numpy()[ids])
    g = rng.standard_normal(out.shape)
    out.backward(ag.tensor(g))
    expected = np.zeros((6, 3))
    for (i, j), k in np.ndenumerate(ids):
        expected[k] += g[i, j]
    np.testing.assert_allclose(table.grad.numpy(), expected, rtol=1e-12)


def test_embedding_gradients_and_float_ids():
    ids = np.array([3.0, 0.0, 3.0, 2.0])  # float ids (as Keras inputs often are) are cast
    table = ag.randn(4, 2)
    assert ag.nn.embedding(ids, table).shape == (4, 2)
    assert gradcheck(lambda t: ag.nn.embedding(ids, t) ** 2, table)
    assert gradgradcheck(lambda t: ag.nn.embedding(ids, t) ** 2, table)


def test_embedding_out_of_range_ids():
    with pytest.raises(ValueError, match=r"embedding: ids must lie in \[0, 4\) for a table of "
                                         r"shape \(4, 2\), got values from 0 to 4"):
        ag.nn.embedding(np.array([0, 4]), ag.randn(4, 2))


# -- normalization ---------------------------------------------------------------------------------
def test_moments():
    x = rng.standard_normal((4, 3, 5))
    m, v = ag.nn.moments(ag.tensor(x), (0, 1))
    np.testing.assert_allclose(m.numpy(), x.mean(axis=(0, 1)))
    np.testing.assert_allclose(v.numpy(), x.var(axis=(0, 1)))
    m, v = ag.nn.moments(ag.tensor(x), -1, keepdims=True)
    assert m.shape == v.shape == (4, 3, 1)
    assert gradcheck(lambda x: ag.nn.moments(x, (0, 2)), ag.tensor(x))


def test_batch_norm_inference_formula():
    x = rng.standard_normal((4, 3))
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    beta, gamma = rng.standard_normal(3), rng.standard_normal(3)
    got = ag.nn.batch_norm(ag.tensor(x), ag.tensor(mean), ag.tensor(var), ag.tensor(beta),
                           ag.tensor(gamma), 1e-3).numpy()
    np.testing.assert_allclose(got, gamma * (x - mean) / np.sqrt(var + 1e-3) + beta, rtol=1e-12)
    plain = ag.nn.batch_norm(ag.tensor(x), ag.tensor(mean), ag.tensor(var)).numpy()
    np.testing.assert_allclose(plain, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-12)


def test_batch_norm_with_batch_statistics_has_the_training_gradient():
    x = ag.tensor(rng.standard_normal((5, 3)))
    gamma, beta = ag.tensor(rng.standard_normal(3)), ag.tensor(rng.standard_normal(3))

    def train_bn(x, gamma, beta):
        m, v = ag.nn.moments(x, 0)
        return ag.nn.batch_norm(x, m, v, beta, gamma, 1e-3)
    assert gradcheck(train_bn, x, gamma, beta)
    assert gradgradcheck(lambda x: train_bn(x, gamma, beta), x)
    y = train_bn(x, gamma, beta).numpy()
    np.testing.assert_allclose((y - beta.numpy()).mean(0), 0, atol=1e-12)


def test_layer_norm():
    x = rng.standard_normal((2, 3, 4))
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    m, v = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    got = ag.nn.layer_norm(ag.tensor(x), ag.tensor(gamma), ag.tensor(beta)).numpy()
    np.testing.assert_allclose(got, (x - m) / np.sqrt(v + 1e-3) * gamma + beta, rtol=1e-10)
    m2, v2 = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(ag.nn.layer_norm(ag.tensor(x), axis=(1, 2), epsilon=1e-5).numpy(),
                               (x - m2) / np.sqrt(v2 + 1e-5), rtol=1e-10)
    assert gradcheck(lambda x, g, b: ag.nn.layer_norm(x, g, b), ag.tensor(x), ag.tensor(gamma),
                     ag.tensor(beta))


@pytest.mark.parametrize("high, size", [(5, 40), (1000, 300), (3, 2), (50, 1)])
def test_embedding_gradient_accumulates_repeats_like_add_at(high, size):
    # few repeats take the collision-free rounds, many repeats the reduceat path
    rng = np.random.default_rng(high)
    ids = rng.integers(0, high, (size,))
    table = ag.tensor(rng.standard_normal((high, 3)), requires_grad=True)
    weights = rng.standard_normal((size, 3))
    (ag.nn.embedding(ids, table) * weights).sum().backward()
    expected = np.zeros((high, 3))
    np.add.at(expected, ids, weights)
    np.testing.assert_allclose(table.grad.numpy(), expected, rtol=1e-12, atol=1e-12)
