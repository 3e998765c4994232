"""Windowed primitives for channels-last (N, H, W, C) convolution and pooling.

Geometry is static and already resolved by the caller (``autograd_core.nn``): ``strides`` and
``dilation`` are pairs, ``pads`` is ``((top, bottom), (left, right))``. A negative pad crops the input
instead (conv2d_transpose with output_padding needs that).

Convolution is three bilinear primitives that are each other's derivatives, so gradients of any order
work: with T(x, w, g) = <conv2d(x, w), g>,

* ``conv2d(x, w)``                = dT/dg  (the correlation itself, optional bias operand),
* ``conv2d_input_grad(g, w)``     = dT/dx  (also conv2d_transpose),
* ``conv2d_filter_grad(x, g)``    = dT/dw.

Where the time goes: a stride-1 (in H) convolution gathers the kw taps of every image row once into a
contiguous buffer of shape (N, Hp, Wo, kw*C); each of the kh kernel rows is then one batched GEMM on a
contiguous slice of that buffer (no copy per tap). Strided convolutions, small feature maps and
shallow inputs (kw*C below ROWS_MIN_DEPTH) use a classic im2col (exactly one contiguous copy) and a
single GEMM. The input gradient of a stride-1 conv is the same correlation with the flipped kernel; a
strided one is one GEMM plus a col2im made of kh*kw strided slice additions (never ``np.add.at``).
At most one column buffer is alive at a time.

Pooling: max pooling is ``max_pool2d`` plus the pair ``max_pool2d_route`` (scatter a cotangent to each
window's first maximal element) / ``max_pool2d_pick`` (gather at those positions), adjoint to each other.
Average pooling is ``avg_pool2d`` and its adjoint ``avg_pool2d_adjoint``. All of them loop over the
ph*pw offsets inside a window, never over windows.
"""

from ..autodiff.graph import primitive
from ._lazy import O

#: the row-tap path needs this many output positions per image and this many entries (kw * C) in
#: each of its kh GEMMs' inner dimension; smaller problems use im2col and one GEMM
ROWS_MIN_POSITIONS = 256
ROWS_MIN_DEPTH = 64


# -- geometry ------------------------------------------------------------------------------------
def _as_strided(xp, x, shape, strides):
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)


def _pad_crop(xp, x, pads, fill=0.0):
    """Pad (positive) or crop (negative) axes 1 and 2 of an NHWC array."""
    (pt, pb), (pl, pr) = pads
    if pt < 0 or pb < 0 or pl < 0 or pr < 0:
        h, w = x.shape[1], x.shape[2]
        x = x[:, max(-pt, 0):h - max(-pb, 0), max(-pl, 0):w - max(-pr, 0)]
        pt, pb, pl, pr = max(pt, 0), max(pb, 0), max(pl, 0), max(pr, 0)
    if not (pt or pb or pl or pr):
        return x
    n, h, w, c = x.shape
    out = xp.full((n, h + pt + pb, w + pl + pr, c), fill, dtype=x.dtype)
    out[:, pt:pt + h, pl:pl + w] = x
    return out


def _split(pads):
    """Positive pads and crops of ``((top, bottom), (left, right))``."""
    (pt, pb), (pl, pr) = pads
    return (max(pt, 0), max(pb, 0), max(pl, 0), max(pr, 0)), \
        (max(-pt, 0), max(-pb, 0), max(-pl, 0), max(-pr, 0))


def _embed(xp, inner, shape, pads):
    """Put the gradient of the cropped input back into zeros of the full input ``shape``."""
    _, (ct, cb, cl, cr) = _split(pads)
    if not (ct or cb or cl or cr):
        return inner
    dx = xp.zeros(shape, dtype=inner.dtype)
    dx[:, ct:shape[1] - cb, cl:shape[2] - cr] = inner
    return dx


def _unpad(xp, dxp, shape, pads):
    """Adjoint of ``_pad_crop``: the part of a padded-input gradient that belongs to the input."""
    (pt, pb, pl, pr), (ct, cb, cl, cr) = _split(pads)
    h, w = shape[1] - ct - cb, shape[2] - cl - cr
    inner = dxp[:, pt:pt + h, pl:pl + w]
    if inner.shape != dxp.shape:
        inner = xp.ascontiguousarray(inner)
    return _embed(xp, inner, shape, pads)


def _out_len(n, k, s, d):
    return (n - (k - 1) * d - 1) // s + 1


def _common(xp, a, b):
    dt = xp.result_type(a.dtype, b.dtype)
    return a.astype(dt, copy=False), b.astype(dt, copy=False)


def _use_rows(kh, depth, strides, ho, wo):
    return strides[0] == 1 and kh > 1 and ho * wo >= ROWS_MIN_POSITIONS and depth >= ROWS_MIN_DEPTH


def _row_cols(xp, xpad, kw, sw, dw, wo):
    """(N, Hp, Wo, kw*C): the kw horizontal taps of every padded row, one contiguous copy."""
    n, hp, _, c = xpad.shape
    s = xpad.strides
    view = _as_strided(xp, xpad, (n, hp, wo, kw, c), (s[0], s[1], sw * s[2], dw * s[2], s[3]))
    return xp.ascontiguousarray(view).reshape(n, hp, wo, kw * c)


def _im2col(xp, xpad, kh, kw, strides, dilation, ho, wo):
    """(N*Ho*Wo, kh*kw*C) columns, one contiguous copy (none for an unpadded 1x1 stride-1 conv)."""
    n, _, _, c = xpad.shape
    s = xpad.strides
    view = _as_strided(xp, xpad, (n, ho, wo, kh, kw, c),
                       (s[0], strides[0] * s[1], strides[1] * s[2], dilation[0] * s[1],
                        dilation[1] * s[2], s[3]))
    return xp.ascontiguousarray(view).reshape(n * ho * wo, kh * kw * c)


def _correlate(xp, xpad, w, strides, dilation):
    """y[n,i,j,o] = sum_{a,b,c} xpad[n, i*sh + a*dh, j*sw + b*dw, c] * w[a,b,c,o]."""
    n, hp, wp, c = xpad.shape
    kh, kw, _, o = w.shape
    ho = _out_len(hp, kh, strides[0], dilation[0])
    wo = _out_len(wp, kw, strides[1], dilation[1])
    if not _use_rows(kh, kw * c, strides, ho, wo):
        cols = _im2col(xp, xpad, kh, kw, strides, dilation, ho, wo)
        return xp.matmul(cols, w.reshape(kh * kw * c, o)).reshape(n, ho, wo, o)
    cols = _row_cols(xp, xpad, kw, strides[1], dilation[1], wo)
    w3 = w.reshape(kh, kw * c, o)
    y = xp.empty((n, ho * wo, o), dtype=xpad.dtype)
    tmp = xp.empty_like(y)
    dh = dilation[0]
    for a in range(kh):
        part = cols[:, a * dh:a * dh + ho].reshape(n, ho * wo, kw * c)
        if a == 0:
            xp.matmul(part, w3[0], out=y)
        else:
            xp.matmul(part, w3[a], out=tmp)
            y += tmp
    return y.reshape(n, ho, wo, o)


def _flip_kernel(xp, w):
    """The kernel of the adjoint correlation: spatially flipped, in/out channels swapped."""
    return xp.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2))


# -- convolution ---------------------------------------------------------------------------------
def _conv_fwd(xp, x, w, *bias, strides=(1, 1), dilation=(1, 1), pads=((0, 0), (0, 0))):
    x, w = _common(xp, x, w)
    y = _correlate(xp, _pad_crop(xp, x, pads), w, strides, dilation)
    if bias:
        y += bias[0].astype(y.dtype, copy=False)
    return y


def _input_grad_fwd(xp, g, w, x_shape=None, strides=(1, 1), dilation=(1, 1),
                    pads=((0, 0), (0, 0))):
    g, w = _common(xp, g, w)
    (pt, pb, pl, pr), (ct, cb, cl, cr) = _split(pads)
    n, h, wd, c = x_shape
    h, wd = h - ct - cb, wd - cl - cr  # the part of the input the forward conv sees
    kh, kw = w.shape[0], w.shape[1]
    if strides == (1, 1):
        # the adjoint of a stride-1 correlation is the correlation of the (padded or cropped)
        # cotangent with the flipped kernel, evaluated directly on the unpadded input positions
        reach_h, reach_w = (kh - 1) * dilation[0], (kw - 1) * dilation[1]
        gpad = _pad_crop(xp, g, ((reach_h - pt, reach_h - pb), (reach_w - pl, reach_w - pr)))
        dx = _correlate(xp, gpad, _flip_kernel(xp, w), (1, 1), dilation)
        return _embed(xp, dx, x_shape, pads)
    ho, wo, o = g.shape[1], g.shape[2], g.shape[3]
    dcols = xp.matmul(g.reshape(-1, o), w.reshape(-1, o).T).reshape(n, ho, wo, kh, kw, c)
    dxp = xp.zeros((n, h + pt + pb, wd + pl + pr, c), dtype=g.dtype)
    sh, sw = strides
    for a in range(kh):
        r0 = a * dilation[0]
        for b in range(kw):
            c0 = b * dilation[1]
            dxp[:, r0:r0 + sh * (ho - 1) + 1:sh, c0:c0 + sw * (wo - 1) + 1:sw] += dcols[:, :, :, a, b]
    del dcols
    return _unpad(xp, dxp, x_shape, pads)


def _filter_grad_fwd(xp, x, g, w_shape=None, strides=(1, 1), dilation=(1, 1),
                     pads=((0, 0), (0, 0))):
    x, g = _common(xp, x, g)
    kh, kw, c, o = w_shape
    n, ho, wo, _ = g.shape
    xpad = _pad_crop(xp, x, pads)
    # only the rows/columns that some window reaches take part
    xpad = xpad[:, :(ho - 1) * strides[0] + (kh - 1) * dilation[0] + 1,
                :(wo - 1) * strides[1] + (kw - 1) * dilation[1] + 1]
    if not _use_rows(kh, kw * c, strides, ho, wo):
        cols = _im2col(xp, xpad, kh, kw, strides, dilation, ho, wo)
        return xp.matmul(g.reshape(-1, o).T, cols).T.reshape(w_shape)
    cols = _row_cols(xp, xpad, kw, strides[1], dilation[1], wo)
    hp = cols.shape[1]
    # a zero-padded copy of g on the padded-row grid makes every kernel row one GEMM over all images
    gfull = xp.zeros((n, hp, wo, o), dtype=g.dtype)
    gfull[:, :ho] = g
    gfull = gfull.reshape(n * hp * wo, o)
    flat = cols.reshape(n * hp * wo, kw * c)
    rows = n * hp * wo - (kh - 1) * dilation[0] * wo
    dw = xp.empty((kh, o, kw * c), dtype=g.dtype)
    for a in range(kh):
        start = a * dilation[0] * wo
        xp.matmul(gfull[:rows].T, flat[start:start + rows], out=dw[a])
    return dw.transpose(0, 2, 1).reshape(w_shape)


def _geom(params):
    return {k: params[k] for k in ("strides", "dilation", "pads") if k in params}


def _conv_vjp_x(g, out, x, w, *bias, **p):
    return conv2d_input_grad(g, w, x_shape=x.shape, **_geom(p))


def _conv_vjp_w(g, out, x, w, *bias, **p):
    return conv2d_filter_grad(x, g, w_shape=w.shape, **_geom(p))


def _conv_vjp_b(g, out, x, w, *bias, **p):
    return O.sum(g, axis=(0, 1, 2))


def _conv_jvp_b(t, out, x, w, *bias, **p):
    return O.broadcast_to(t, out.shape)


conv2d = primitive(
    "conv2d", _conv_fwd, vjps=[_conv_vjp_x, _conv_vjp_w, _conv_vjp_b],
    jvps=[lambda t, out, x, w, *b, **p: conv2d(t, w, **p),
          lambda t, out, x, w, *b, **p: conv2d(x, t, **p), _conv_jvp_b],
    doc="Channels-last 2-D correlation with resolved geometry (optional bias operand).")


def _ig_geom(p):
    return {k: v for k, v in p.items() if k != "x_shape"}


conv2d_input_grad = primitive(
    "conv2d_input_grad", _input_grad_fwd,
    vjps=[lambda v, out, g, w, **p: conv2d(v, w, **_ig_geom(p)),
          lambda v, out, g, w, **p: conv2d_filter_grad(v, g, w_shape=w.shape, **_ig_geom(p))],
    jvps=[lambda t, out, g, w, **p: conv2d_input_grad(t, w, **p),
          lambda t, out, g, w, **p: conv2d_input_grad(g, t, **p)],
    doc="The adjoint of conv2d in its input (transposed convolution).")


def _fg_geom(p):
    return {k: v for k, v in p.items() if k != "w_shape"}


conv2d_filter_grad = primitive(
    "conv2d_filter_grad", _filter_grad_fwd,
    vjps=[lambda u, out, x, g, **p: conv2d_input_grad(g, u, x_shape=x.shape, **_fg_geom(p)),
          lambda u, out, x, g, **p: conv2d(x, u, **_fg_geom(p))],
    jvps=[lambda t, out, x, g, **p: conv2d_filter_grad(t, g, **p),
          lambda t, out, x, g, **p: conv2d_filter_grad(x, t, **p)],
    doc="The adjoint of conv2d in its kernel (correlation of input and cotangent).")


# -- pooling -------------------------------------------------------------------------------------
def _pool_out(shape, pool, strides, pads):
    h = shape[1] + pads[0][0] + pads[0][1]
    w = shape[2] + pads[1][0] + pads[1][1]
    return _out_len(h, pool[0], strides[0], 1), _out_len(w, pool[1], strides[1], 1)


def _window_slices(pool, strides, ho, wo):
    """For each offset (a, b) inside a window, the strided slice of the padded input it reads."""
    sh, sw = strides
    for a in range(pool[0]):
        for b in range(pool[1]):
            yield (slice(None), slice(a, a + sh * (ho - 1) + 1, sh),
                   slice(b, b + sw * (wo - 1) + 1, sw))


def _max_fwd(xp, x, pool=(2, 2), strides=(2, 2), pads=((0, 0), (0, 0))):
    ho, wo = _pool_out(x.shape, pool, strides, pads)
    xpad = _pad_crop(xp, x, pads, fill=-xp.inf)
    out = None
    for sl in _window_slices(pool, strides, ho, wo):
        if out is None:
            out = xpad[sl].copy()
        else:
            xp.maximum(out, xpad[sl], out=out)
    return out


def _first_max_masks(xp, xpad, out, pool, strides):
    """Yield (slice, mask): mask marks, per window, the first element equal to the window max."""
    ho, wo = out.shape[1], out.shape[2]
    free = None
    for sl in _window_slices(pool, strides, ho, wo):
        hit = xpad[sl] == out
        if free is None:
            free = ~hit
        else:
            hit &= free
            free &= ~hit
        yield sl, hit


def _route_tiled(g, x, out, pool):
    """``_route_fwd`` when the windows tile the input exactly: a window is a block of the input
    seen as (N, Ho, ph, Wo, pw, C), so the masks and the product are contiguous passes."""
    (ph, pw), (n, h, w, c) = pool, x.shape
    hit = x.reshape(n, h // ph, ph, w // pw, pw, c) == out[:, :, None, :, None, :]
    seen = None
    for a in range(ph):  # keep each window's first maximum only (row-major order, as below)
        for b in range(pw):
            offset = hit[:, :, a, :, b]
            if seen is None:
                seen = offset.copy()
            else:
                offset &= ~seen
                seen |= offset
    return (g[:, :, None, :, None, :] * hit).reshape(x.shape)


def _route_fwd(xp, g, x, out, pool=(2, 2), strides=(2, 2), pads=((0, 0), (0, 0))):
    if tuple(pool) == tuple(strides) and not any(p for pair in pads for p in pair) \
            and x.shape[1] % pool[0] == 0 and x.shape[2] % pool[1] == 0:
        return _route_tiled(g, x, out, pool)
    xpad = _pad_crop(xp, x, pads, fill=-xp.inf)
    dxp = xp.zeros(xpad.shape, dtype=g.dtype)
    tiled = tuple(strides) == tuple(pool)  # windows do not overlap: write instead of add
    left = g.copy()  # the cotangent of windows whose maximum has not been met yet
    slices = list(_window_slices(pool, strides, out.shape[1], out.shape[2]))
    for k, sl in enumerate(slices):
        hit = xpad[sl] == out
        if tiled:
            part = xp.multiply(left, hit, out=dxp[sl])
        else:
            part = left * hit
            dxp[sl] += part
        if k + 1 < len(slices):
            left -= part
    return _unpad(xp, dxp, x.shape, pads)


def _pick_fwd(xp, v, x, out, pool=(2, 2), strides=(2, 2), pads=((0, 0), (0, 0))):
    vpad = _pad_crop(xp, v, pads)
    xpad = _pad_crop(xp, x, pads, fill=-xp.inf)
    res = xp.zeros(out.shape, dtype=v.dtype)
    for sl, hit in _first_max_masks(xp, xpad, out, pool, strides):
        res += vpad[sl] * hit
    return res


def _no_grad(*args, **params):
    """The argmax positions are piecewise constant: no derivative through x or the pooled max."""
    return None


max_pool2d = primitive(
    "max_pool2d", _max_fwd,
    vjps=[lambda g, out, x, **p: max_pool2d_route(g, x, out, **p)],
    jvps=[lambda t, out, x, **p: max_pool2d_pick(t, x, out, **p)],
    doc="2-D max pooling (padding is -inf, so it never wins).")

max_pool2d_route = primitive(
    "max_pool2d_route", _route_fwd,
    vjps=[lambda v, out, g, x, o, **p: max_pool2d_pick(v, x, o, **p), _no_grad, _no_grad],
    jvps=[lambda t, out, g, x, o, **p: max_pool2d_route(t, x, o, **p), _no_grad, _no_grad],
    doc="Scatter a pooled cotangent to the first maximal element of each window.")

max_pool2d_pick = primitive(
    "max_pool2d_pick", _pick_fwd,
    vjps=[lambda g, out, v, x, o, **p: max_pool2d_route(g, x, o, **p), _no_grad, _no_grad],
    jvps=[lambda t, out, v, x, o, **p: max_pool2d_pick(t, x, o, **p), _no_grad, _no_grad],
    doc="Gather, per window, the element at the window's first maximum.")


def _counts(xp, shape, pool, strides, pads, dtype):
    """Real (unpadded) elements per window, shaped (1, Ho, Wo, 1)."""
    ones = xp.ones((1, shape[1], shape[2], 1), dtype=dtype)
    opad = _pad_crop(xp, ones, pads)
    ho, wo = _pool_out(shape, pool, strides, pads)
    total = xp.zeros((1, ho, wo, 1), dtype=dtype)
    for sl in _window_slices(pool, strides, ho, wo):
        total += opad[sl]
    return total


def _scale(xp, shape, pool, strides, pads, dtype):
    if not any(p for pair in pads for p in pair):
        return 1.0 / (pool[0] * pool[1])
    return 1.0 / _counts(xp, shape, pool, strides, pads, dtype)


def _avg_fwd(xp, x, pool=(2, 2), strides=(2, 2), pads=((0, 0), (0, 0))):
    ho, wo = _pool_out(x.shape, pool, strides, pads)
    xpad = _pad_crop(xp, x, pads)
    out = None
    for sl in _window_slices(pool, strides, ho, wo):
        if out is None:
            out = xpad[sl].copy()
        else:
            out += xpad[sl]
    out *= _scale(xp, x.shape, pool, strides, pads, x.dtype)
    return out


def _avg_adj_fwd(xp, g, x_shape=None, pool=(2, 2), strides=(2, 2), pads=((0, 0), (0, 0))):
    padded = (x_shape[0], x_shape[1] + pads[0][0] + pads[0][1],
              x_shape[2] + pads[1][0] + pads[1][1], x_shape[3])
    gs = g * _scale(xp, x_shape, pool, strides, pads, g.dtype)
    dxp = xp.zeros(padded, dtype=g.dtype)
    for sl in _window_slices(pool, strides, g.shape[1], g.shape[2]):
        dxp[sl] += gs
    return _unpad(xp, dxp, x_shape, pads)


def _avg_params(p):
    return {k: v for k, v in p.items() if k != "x_shape"}


avg_pool2d = primitive(
    "avg_pool2d", _avg_fwd,
    vjps=[lambda g, out, x, **p: avg_pool2d_adjoint(g, x_shape=x.shape, **p)],
    jvps=[lambda t, out, x, **p: avg_pool2d(t, **p)],
    doc="2-D average pooling; windows divide by their count of real (unpadded) elements.")

avg_pool2d_adjoint = primitive(
    "avg_pool2d_adjoint", _avg_adj_fwd,
    vjps=[lambda v, out, g, **p: avg_pool2d(v, **_avg_params(p))],
    jvps=[lambda t, out, g, **p: avg_pool2d_adjoint(t, **p)],
    doc="The adjoint of avg_pool2d: spread each pooled value evenly over its window.")
