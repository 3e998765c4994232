"""One time step of the Keras recurrent cells. The layers hoist the input projection of every step
into one GEMM (``zx = x @ kernel + bias`` for all t) and loop over time calling these; each step is
one matmul of the state with the whole recurrent kernel and a handful of elementwise ops.

Gate orders follow Keras: LSTM (i, f, c, o), GRU (z, r, h).
"""
import weakref

from ..autodiff.graph import primitive
from ..autodiff.mode import is_grad_enabled
from ..ops import (concatenate, matmul, stack, swapaxes, zeros_like, sigmoid as _sigmoid,
                   tanh as _tanh)
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
# The fused primitive works gate-major, so that every gate and state of a step is one contiguous
# (B, u) block. Its output is (T, 2, B, u): per step h and c. When a gradient may be asked for, the
# forward also keeps, per step, the residuals the first-order backward reads instead of
# recomputing them, (T, 6, B, u):
#   f | o(1 - tanh(c)^2) | g i(1-i) | c_prev f(1-f) | i (1-g^2) | tanh(c) o(1-o)
# so that dc = gc + dh [1] + dc_next, dz = [dc, dc, dc, dh] [2:6], dc_prev = dc [0]. They are held
# beside the output array (dropped with it), not in it, so the output's cotangent stays small.
_RESIDUALS = {}


def _lstm_run(xp, zx, h0, c0, u_kernel, keep):
    """The forward loop, each step on a few small contiguous blocks that stay in cache; returns
    (out, residuals or None)."""
    b, t_len, g4 = zx.shape
    u = g4 // 4
    zx = xp.ascontiguousarray(zx.reshape(b, t_len, 4, u).transpose(1, 2, 0, 3))  # (T, 4, B, u)
    kernels = xp.ascontiguousarray(u_kernel.reshape(u, 4, u).transpose(1, 0, 2))  # (4, u, u)
    out = xp.empty((t_len, 2, b, u), dtype=zx.dtype)
    res = xp.empty((t_len, 6, b, u), dtype=zx.dtype) if keep else None
    z = xp.empty((4, b, u), dtype=zx.dtype)
    g, tc, tmp = (xp.empty((b, u), dtype=zx.dtype) for _ in range(3))
    h, c = h0, c0
    for t in range(t_len):
        xp.matmul(h, kernels, out=z)
        z += zx[t]
        xp.tanh(z[2], out=g)
        z *= 0.5  # sigmoid(z) = tanh(z/2)/2 + 1/2, exact and overflow-free
        xp.tanh(z, out=z)
        z *= 0.5
        z += 0.5
        i, f, o = z[0], z[1], z[3]
        c_prev, c = c, out[t, 1]
        xp.multiply(f, c_prev, out=c)
        c += xp.multiply(i, g, out=tmp)
        xp.tanh(c, out=tc)
        h = xp.multiply(o, tc, out=out[t, 0])
        if not keep:
            continue
        r = res[t]
        r[0] = f
        d = r[2:]  # sigmoid' = s(1 - s) for the i, f, o blocks
        xp.subtract(1, z, out=d)
        d *= z
        d[0] *= g
        d[1] *= c_prev
        d[3] *= tc
        xp.multiply(g, g, out=d[2])
        xp.subtract(1, d[2], out=d[2])
        d[2] *= i
        xp.multiply(tc, tc, out=tmp)
        xp.subtract(1, tmp, out=tmp)
        xp.multiply(o, tmp, out=r[1])
    return out, res


def _lstm_fwd(xp, zx, h0, c0, u_kernel, keep=True):
    out, res = _lstm_run(xp, zx, h0, c0, u_kernel, keep)
    if keep:
        _RESIDUALS[id(out)] = res
        weakref.finalize(out, _RESIDUALS.pop, id(out), None)
    return out


def _lstm_backprop_arrays(xp, g, res, h0, hs, u_kernel):
    """First-order BPTT from the forward's residuals: a few small in-cache ops and one (B, 4u) x
    (4u, u) product per step, then one GEMM for the kernel gradient. dzx comes out contiguous in
    the (B, T, 4u) layout of zx."""
    t_len, _, b, u = res.shape
    dzx = xp.empty((b, t_len, 4 * u), dtype=res.dtype)
    kernel_t = xp.ascontiguousarray(u_kernel.T)
    dh_next, dc_next = xp.zeros((b, u), dtype=res.dtype), xp.zeros((b, u), dtype=res.dtype)
    dh, dc = xp.empty_like(dh_next), xp.empty_like(dc_next)
    for t in range(t_len - 1, -1, -1):
        r, g_t, dz = res[t], g[t], dzx[:, t]
        xp.add(g_t[0], dh_next, out=dh)
        xp.multiply(dh, r[1], out=dc)
        dc += g_t[1]
        dc += dc_next
        dz_gates = dz.reshape(b, 4, u).transpose(1, 0, 2)
        xp.multiply(r[2:5], dc, out=dz_gates[:3])
        xp.multiply(r[5], dh, out=dz_gates[3])
        xp.multiply(dc, r[0], out=dc_next)
        xp.matmul(dz, kernel_t, out=dh_next)
    h_prev = xp.empty((b, t_len, u), dtype=res.dtype)
    if t_len:
        h_prev[:, 0] = h0
        h_prev[:, 1:] = hs[:-1].transpose(1, 0, 2)
    d_kernel = h_prev.reshape(b * t_len, u).T @ dzx.reshape(b * t_len, 4 * u)
    return dzx, dh_next, dc_next, d_kernel


def _lstm_backprop(g, out, zx, h0, c0, u_kernel):
    """The same gradients written with recorded tensor ops (so that they can be differentiated
    again), recomputing the gates from the states in ``out``."""
    b, t_len, g4 = zx.shape
    u = g4 // 4
    hs, cs = swapaxes(out[:, 0], 0, 1), swapaxes(out[:, 1], 0, 1)
    gh, gc = swapaxes(g[:, 0], 0, 1), swapaxes(g[:, 1], 0, 1)
    h_prev = concatenate([h0.reshape(b, 1, u), hs[:, :-1]], 1)
    c_prev = concatenate([c0.reshape(b, 1, u), cs[:, :-1]], 1)
    z = zx + (h_prev.reshape(b * t_len, u) @ u_kernel).reshape(b, t_len, 4 * u)
    s = _sigmoid(z)
    i, f, gg, o = s[:, :, :u], s[:, :, u:2 * u], _tanh(z[:, :, 2 * u:3 * u]), s[:, :, 3 * u:]
    tc = _tanh(cs)
    to_c = o * (1 - tc * tc)
    p_ifc = concatenate([gg * i * (1 - i), c_prev * f * (1 - f), i * (1 - gg * gg)], 2).reshape(
        b, t_len, 3, u)
    p_o = tc * o * (1 - o)
    u_t = u_kernel.T
    dh_next = dc_next = zeros_like(h0)
    dzs = [None] * t_len
    for t in range(t_len - 1, -1, -1):
        dh = gh[:, t] + dh_next
        dc = gc[:, t] + dh * to_c[:, t] + dc_next
        dz = concatenate([(p_ifc[:, t] * dc.reshape(b, 1, u)).reshape(b, 3 * u), dh * p_o[:, t]], 1)
        dzs[t] = dz
        dc_next = dc * f[:, t]
        dh_next = dz @ u_t
    dzx = stack(dzs, 1) if dzs else zeros_like(zx)
    d_kernel = h_prev.reshape(b * t_len, u).T @ dzx.reshape(b * t_len, 4 * u)
    return dzx, dh_next, dc_next, d_kernel


def _lstm_vjp(g, out, zx, h0, c0, u_kernel, keep=True):
    if is_grad_enabled():  # recording the backward: use tensors so it can be differentiated
        return _lstm_backprop(g, out, zx, h0, c0, u_kernel)
    dev = zx.device
    zx_a, h0_a, c0_a, kernel = (a.data for a in (zx, h0, c0, u_kernel))
    res = _RESIDUALS.get(id(out.data))
    if res is None:  # run without residuals (no gradient was expected then): recompute them
        res = _lstm_run(dev.xp, zx_a, h0_a, c0_a, kernel, True)[1]
    grads = _lstm_backprop_arrays(dev.xp, g.data, res, h0_a, out.data[:, 0], kernel)
    return tuple(Tensor._make(a, dev) for a in grads)


_lstm_sequence = primitive("lstm_sequence", _lstm_fwd, vjp=_lstm_vjp,
                           doc="A whole LSTM sequence: (T, 2, B, u), per step the hidden and cell "
                               "states (keep: also hold the residuals of the backward).")


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
        h0, c0, kernel = as_tensor(h0), as_tensor(c0), as_tensor(recurrent_kernel)
        keep = is_grad_enabled() and any(t.requires_grad for t in (zx, h0, c0, kernel))
        out = _lstm_sequence(zx, h0, c0, kernel, keep=keep)
        return swapaxes(out[:, 0], 0, 1), swapaxes(out[:, 1], 0, 1)
    hs, cs = [], []
    h, c = h0, c0
    for t in range(zx.shape[1]):
        h, c = lstm_step(zx[:, t], h, c, recurrent_kernel, activation, recurrent_activation)
        hs.append(h)
        cs.append(c)
    return stack(hs, axis=1), stack(cs, axis=1)
