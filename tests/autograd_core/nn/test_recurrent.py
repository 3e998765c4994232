"""Recurrent steps against numpy formulas of the Keras cells, and the fused LSTM sequence against
the step loop (values, gradients, gradients of gradients)."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(5)
B, U = 3, 4


def sig(x):
    return 1 / (1 + np.exp(-x))


def arrays(*shapes):
    return [rng.standard_normal(s) * 0.5 for s in shapes]


def test_simple_rnn_step():
    zx, h, k = arrays((B, U), (B, U), (U, U))
    got = ag.nn.simple_rnn_step(ag.tensor(zx), ag.tensor(h), ag.tensor(k)).numpy()
    np.testing.assert_allclose(got, np.tanh(zx + h @ k), rtol=1e-12)
    assert gradcheck(ag.nn.simple_rnn_step, *map(ag.tensor, (zx, h, k)))


def np_lstm(zx, h, c, k):
    z = zx + h @ k
    i, f, g, o = sig(z[:, :U]), sig(z[:, U:2 * U]), np.tanh(z[:, 2 * U:3 * U]), sig(z[:, 3 * U:])
    c = f * c + i * g
    return o * np.tanh(c), c


def test_lstm_step():
    zx, h, c, k = arrays((B, 4 * U), (B, U), (B, U), (U, 4 * U))
    h1, c1 = ag.nn.lstm_step(*map(ag.tensor, (zx, h, c, k)))
    eh, ec = np_lstm(zx, h, c, k)
    np.testing.assert_allclose(h1.numpy(), eh, rtol=1e-12)
    np.testing.assert_allclose(c1.numpy(), ec, rtol=1e-12)
    assert gradcheck(ag.nn.lstm_step, *map(ag.tensor, (zx, h, c, k)))


def test_lstm_step_custom_activations():
    zx, h, c, k = arrays((B, 4 * U), (B, U), (B, U), (U, 4 * U))
    h1, _ = ag.nn.lstm_step(*map(ag.tensor, (zx, h, c, k)), activation=ag.nn.softsign,
                            recurrent_activation=ag.nn.hard_sigmoid_keras2)
    z = zx + h @ k
    hs = lambda v: np.clip(0.2 * v + 0.5, 0, 1)  # noqa: E731
    ss = lambda v: v / (1 + np.abs(v))  # noqa: E731
    c1 = hs(z[:, U:2 * U]) * c + hs(z[:, :U]) * ss(z[:, 2 * U:3 * U])
    np.testing.assert_allclose(h1.numpy(), hs(z[:, 3 * U:]) * ss(c1), rtol=1e-12)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_step(reset_after):
    zx, h, k, rb = arrays((B, 3 * U), (B, U), (U, 3 * U), (3 * U,))
    rb_arg = ag.tensor(rb) if reset_after else None
    got = ag.nn.gru_step(ag.tensor(zx), ag.tensor(h), ag.tensor(k), rb_arg,
                         reset_after=reset_after).numpy()
    if reset_after:
        hz = h @ k + rb
        z, r = sig(zx[:, :U] + hz[:, :U]), sig(zx[:, U:2 * U] + hz[:, U:2 * U])
        hh = np.tanh(zx[:, 2 * U:] + r * hz[:, 2 * U:])
    else:
        z = sig(zx[:, :U] + h @ k[:, :U])
        r = sig(zx[:, U:2 * U] + h @ k[:, U:2 * U])
        hh = np.tanh(zx[:, 2 * U:] + (r * h) @ k[:, 2 * U:])
    np.testing.assert_allclose(got, z * h + (1 - z) * hh, rtol=1e-12)
    args = [ag.tensor(a) for a in (zx, h, k)] + ([ag.tensor(rb)] if reset_after else [])
    assert gradcheck(lambda *a: ag.nn.gru_step(*a[:3], a[3] if reset_after else None,
                                               reset_after=reset_after), *args)


def test_lstm_sequence_matches_the_step_loop():
    zx, h0, c0, k = arrays((B, 5, 4 * U), (B, U), (B, U), (U, 4 * U))
    hs, cs = ag.nn.lstm_sequence(*map(ag.tensor, (zx, h0, c0, k)))
    h, c = h0, c0
    for t in range(5):
        h, c = np_lstm(zx[:, t], h, c, k)
        np.testing.assert_allclose(hs.numpy()[:, t], h, rtol=1e-12)
        np.testing.assert_allclose(cs.numpy()[:, t], c, rtol=1e-12)


def test_lstm_sequence_gradients():
    zx, h0, c0, k = map(ag.tensor, arrays((2, 4, 4 * U), (2, U), (2, U), (U, 4 * U)))
    assert gradcheck(lambda *a: ag.nn.lstm_sequence(*a), zx, h0, c0, k)
    assert gradgradcheck(lambda *a: ag.nn.lstm_sequence(*a)[0][:, -1], zx, h0, c0, k)


def test_lstm_sequence_float32_gradient_matches_the_step_loop():
    zx, h0, c0, k = (ag.tensor(a.astype(np.float32)) for a in
                     arrays((B, 6, 4 * U), (B, U), (B, U), (U, 4 * U)))

    def looped(zx, h0, c0, k):
        h, c = h0, c0
        for t in range(6):
            h, c = ag.nn.lstm_step(zx[:, t], h, c, k)
        return (h * h).sum()
    fused = lambda zx, h0, c0, k: (ag.nn.lstm_sequence(zx, h0, c0, k)[0][:, -1] ** 2).sum()  # noqa: E731
    for a, b in zip(ag.grad(looped, (0, 1, 2, 3))(zx, h0, c0, k),
                    ag.grad(fused, (0, 1, 2, 3))(zx, h0, c0, k)):
        assert b.dtype == np.float32
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)


def test_lstm_sequence_custom_activation_falls_back_to_steps():
    zx, h0, c0, k = map(ag.tensor, arrays((B, 3, 4 * U), (B, U), (B, U), (U, 4 * U)))
    hs, _ = ag.nn.lstm_sequence(zx, h0, c0, k, activation=ag.nn.softsign)
    h, c = h0, c0
    for t in range(3):
        h, c = ag.nn.lstm_step(zx[:, t], h, c, k, activation=ag.nn.softsign)
    np.testing.assert_allclose(hs.numpy()[:, -1], h.numpy(), rtol=1e-12)


def test_lstm_sequence_bad_shapes():
    with pytest.raises(ValueError, match=r"lstm_sequence: expected zx \(batch, time, 16\)"):
        ag.nn.lstm_sequence(ag.zeros(2, 3, 12), ag.zeros(2, 4), ag.zeros(2, 4), ag.zeros(4, 16))


def _lstm_grads(zx, h0, c0, k):
    tensors = [ag.tensor(a, requires_grad=True) for a in (zx, h0, c0, k)]
    hs, cs = ag.nn.lstm_sequence(*tensors)
    ((hs * hs).sum() + cs[:, -1].sum()).backward()
    return [t.grad.numpy() for t in tensors]


def test_lstm_sequence_residuals_are_kept_only_for_gradients_and_dropped_with_the_output():
    import gc
    from autograd_core.nn import recurrent
    zx, h0, c0, k = arrays((B, 3, 4 * U), (B, U), (B, U), (U, 4 * U))
    gc.collect()
    before = len(recurrent._RESIDUALS)
    with ag.no_grad():
        ag.nn.lstm_sequence(*map(ag.tensor, (zx, h0, c0, k)))
    ag.nn.lstm_sequence(*map(ag.tensor, (zx, h0, c0, k)))  # nothing requires grad
    assert len(recurrent._RESIDUALS) == before
    for _ in range(3):
        _lstm_grads(zx, h0, c0, k)
    gc.collect()
    assert len(recurrent._RESIDUALS) == before


def test_lstm_sequence_backward_recomputes_missing_residuals():
    from autograd_core.nn import recurrent
    zx, h0, c0, k = arrays((B, 4, 4 * U), (B, U), (B, U), (U, 4 * U))
    expected = _lstm_grads(zx, h0, c0, k)
    tensors = [ag.tensor(a, requires_grad=True) for a in (zx, h0, c0, k)]
    hs, cs = ag.nn.lstm_sequence(*tensors)
    recurrent._RESIDUALS.clear()
    ((hs * hs).sum() + cs[:, -1].sum()).backward()
    for t, e in zip(tensors, expected):
        np.testing.assert_allclose(t.grad.numpy(), e, rtol=1e-12)
