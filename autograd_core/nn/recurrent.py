"""One time step of the Keras recurrent cells. The layers hoist the input projection of every step
into one GEMM (``zx = x @ kernel + bias`` for all t) and loop over time calling these; each step is
one matmul of the state with the whole recurrent kernel and a handful of elementwise ops.

Gate orders follow Keras: LSTM (i, f, c, o), GRU (z, r, h).
"""
from ..autodiff.graph import primitive
from ..autodiff.mode import is_grad_enabled
from ..ops import concatenate, matmul, stack, sigmoid as _sigmoid, tanh as _tanh
from ..ops._coerce import as_tensor
from ..tensor import Tensor


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


# -- a fused LSTM over a whole sequence ---------------------------------------------------------
class _ArrayMath:
    """The few functions the LSTM recurrences need, on raw numpy/cupy arrays."""

    def __init__(self, xp):
        self.xp = xp

    def tanh(self, x):
        return self.xp.tanh(x)

    def sigmoid(self, x):
        return 0.5 * self.xp.tanh(0.5 * x) + 0.5  # exact and overflow-free

    def cat(self, xs, axis):
        return self.xp.concatenate(xs, axis=axis)

    def stack(self, xs, axis):
        return self.xp.stack(xs, axis=axis)


class _TensorMath:
    """The same functions on tensors (recorded, so the result is differentiable again)."""
    tanh = staticmethod(_tanh)
    sigmoid = staticmethod(_sigmoid)

    @staticmethod
    def cat(xs, axis):
        return concatenate(xs, axis=axis)

    @staticmethod
    def stack(xs, axis):
        return stack(xs, axis=axis)


def _lstm_gates(m, zx, h_prev, u_kernel):
    """Gate activations of every step at once from the previous hidden states (B, T, u)."""
    b, t, u = h_prev.shape
    z = zx + (h_prev.reshape(b * t, u) @ u_kernel).reshape(b, t, 4 * u)
    s = m.sigmoid(z)
    return s[:, :, :u], s[:, :, u:2 * u], m.tanh(z[:, :, 2 * u:3 * u]), s[:, :, 3 * u:]


def _lstm_backprop(m, g, out, zx, h0, c0, u_kernel):
    """Gradients (zx, h0, c0, kernel) of the fused LSTM by backpropagation through time. Written
    once for arrays (fast path) and tensors (recorded: gradients of gradients)."""
    b, t_len, g4 = zx.shape
    u = g4 // 4
    hs, cs = out[:, :, :u], out[:, :, u:]
    h_prev = m.cat([h0.reshape(b, 1, u), hs[:, :-1]], 1)
    c_prev = m.cat([c0.reshape(b, 1, u), cs[:, :-1]], 1)
    i, f, gg, o = _lstm_gates(m, zx, h_prev, u_kernel)
    tc = m.tanh(cs)
    # the per-step products that do not depend on the recurrent gradients: the i, f and c gate
    # gradients are dc times p_ifc, the o gate gradient is dh times p_o
    to_c = o * (1 - tc * tc)
    p_ifc = m.cat([gg * i * (1 - i), c_prev * f * (1 - f), i * (1 - gg * gg)], 2).reshape(
        b, t_len, 3, u)
    p_o = tc * o * (1 - o)
    gh, gc = g[:, :, :u], g[:, :, u:]
    u_t = u_kernel.T
    dh_next = dc_next = None
    dzs = [None] * t_len
    for t in range(t_len - 1, -1, -1):
        dh = gh[:, t] if dh_next is None else gh[:, t] + dh_next
        dc = gc[:, t] + dh * to_c[:, t]
        if dc_next is not None:
            dc = dc + dc_next
        dz = m.cat([(p_ifc[:, t] * dc.reshape(b, 1, u)).reshape(b, 3 * u), dh * p_o[:, t]], 1)
        dzs[t] = dz
        dc_next = dc * f[:, t]
        dh_next = dz @ u_t
    dzx = m.stack(dzs, 1)
    d_kernel = h_prev.reshape(b * t_len, u).T @ dzx.reshape(b * t_len, 4 * u)
    return dzx, dh_next, dc_next, d_kernel


def _lstm_fwd(xp, zx, h0, c0, u_kernel):
    m = _ArrayMath(xp)
    b, t_len, g4 = zx.shape
    u = g4 // 4
    out = xp.empty((b, t_len, 2 * u), dtype=zx.dtype)
    h, c = h0, c0
    for t in range(t_len):
        z = zx[:, t] + h @ u_kernel
        s = m.sigmoid(z)
        c = s[:, u:2 * u] * c + s[:, :u] * xp.tanh(z[:, 2 * u:3 * u])
        h = s[:, 3 * u:] * xp.tanh(c)
        out[:, t, :u] = h
        out[:, t, u:] = c
    return out


def _lstm_vjp(g, out, zx, h0, c0, u_kernel):
    if is_grad_enabled():  # recording the backward: use tensors so it can be differentiated
        return _lstm_backprop(_TensorMath, g, out, zx, h0, c0, u_kernel)
    dev = zx.device
    arrays = [a.data for a in (g, out, zx, h0, c0, u_kernel)]
    grads = _lstm_backprop(_ArrayMath(dev.xp), *arrays)
    return tuple(Tensor._make(a, dev) for a in grads)


_lstm_sequence = primitive("lstm_sequence", _lstm_fwd, vjp=_lstm_vjp,
                           doc="A whole LSTM sequence; output (B, T, 2u) = hidden and cell states.")


def lstm_sequence(zx, h0, c0, recurrent_kernel, activation=_tanh, recurrent_activation=_sigmoid):
    """Run an LSTM over all steps of ``zx`` (batch, time, 4*units) from states h0, c0:
    returns (hs, cs), the hidden and cell states of every step, each (batch, time, units).

    With the default activations this is one fused primitive (one numpy loop forward, one for the
    backward through time, differentiable to any order); otherwise it loops over ``lstm_step``.
    """
    zx = as_tensor(zx)
    u = recurrent_kernel.shape[0]
    if tuple(recurrent_kernel.shape) != (u, 4 * u) or zx.ndim != 3 or zx.shape[2] != 4 * u:
        raise ValueError(f"lstm_sequence: expected zx (batch, time, {4 * u}) and a recurrent kernel "
                         f"({u}, {4 * u}), got zx {tuple(zx.shape)} and kernel "
                         f"{tuple(recurrent_kernel.shape)}")
    if activation is _tanh and recurrent_activation is _sigmoid:
        out = _lstm_sequence(zx, as_tensor(h0), as_tensor(c0), as_tensor(recurrent_kernel))
        return out[:, :, :u], out[:, :, u:]
    hs, cs = [], []
    h, c = h0, c0
    for t in range(zx.shape[1]):
        h, c = lstm_step(zx[:, t], h, c, recurrent_kernel, activation, recurrent_activation)
        hs.append(h)
        cs.append(c)
    return stack(hs, axis=1), stack(cs, axis=1)
