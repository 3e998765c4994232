"""One time step of the Keras recurrent cells. The layers hoist the input projection of every step
into one GEMM (``zx = x @ kernel + bias`` for all t) and loop over time calling these; each step is
one matmul of the state with the whole recurrent kernel and a handful of elementwise ops.

Gate orders follow Keras: LSTM (i, f, c, o), GRU (z, r, h).
"""
from ..ops import matmul, sigmoid as _sigmoid, tanh as _tanh


def simple_rnn_step(zx_t, h, recurrent_kernel, activation=_tanh):
    """h_new = activation(zx_t + h @ U)."""
    return activation(zx_t + matmul(h, recurrent_kernel))


def lstm_step(zx_t, h, c, recurrent_kernel, activation=_tanh, recurrent_activation=_sigmoid):
    """(h_new, c_new) of an LSTM cell; zx_t = x_t @ kernel + bias, shape (batch, 4*units)."""
    u = h.shape[-1]
    z = zx_t + matmul(h, recurrent_kernel)
    if recurrent_activation is _sigmoid:
        gates = _sigmoid(z)  # one op for the three sigmoid gates (the c slice is unused)
        i, f, o = gates[:, :u], gates[:, u:2 * u], gates[:, 3 * u:]
    else:
        i = recurrent_activation(z[:, :u])
        f = recurrent_activation(z[:, u:2 * u])
        o = recurrent_activation(z[:, 3 * u:])
    c_new = f * c + i * activation(z[:, 2 * u:3 * u])
    return o * activation(c_new), c_new


def gru_step(zx_t, h, recurrent_kernel, recurrent_bias=None, reset_after=True, activation=_tanh,
             recurrent_activation=_sigmoid):
    """h_new of a GRU cell; zx_t = x_t @ kernel + input bias, shape (batch, 3*units).

    reset_after=True (Keras 3): hh = act(zx_h + r * (h @ U_h + b_rec_h)), ``recurrent_bias`` the
    second bias row. reset_after=False (Keras 2): hh = act(zx_h + (r * h) @ U_h).
    """
    u = h.shape[-1]
    if reset_after:
        hz = matmul(h, recurrent_kernel)
        if recurrent_bias is not None:
            hz = hz + recurrent_bias
        zr = recurrent_activation(zx_t[:, :2 * u] + hz[:, :2 * u])
        hh = activation(zx_t[:, 2 * u:] + zr[:, u:] * hz[:, 2 * u:])
    else:
        zr = recurrent_activation(zx_t[:, :2 * u] + matmul(h, recurrent_kernel[:, :2 * u]))
        hh = activation(zx_t[:, 2 * u:] + matmul(zr[:, u:] * h, recurrent_kernel[:, 2 * u:]))
    return hh + zr[:, :u] * (h - hh)
