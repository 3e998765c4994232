"""Numerical checks of derivatives: :func:`gradcheck`, :func:`gradgradcheck` and :func:`check_jvp`.

Each check works on float64 copies of the floating-point inputs (the caller's tensors are never
touched) and compares the engine's derivative with central differences
``(f(x + eps*v) - f(x - eps*v)) / (2*eps)``. An entry passes when
``|analytic - numeric| <= atol + rtol * |numeric|``. A failure raises :class:`GradcheckError`, which
names the worst entry: the input, the output and input indices, the analytic and the numeric value.

    import autograd_core as ag
    x = ag.randn(3, 4)
    ag.testing.gradcheck(lambda x: (x * x).sum(axis=0), x)            # True
    ag.testing.gradcheck(lambda a, b: a @ b, x, ag.randn(4, 2), mode="full")
"""
import numpy as np

from ..autodiff.mode import no_grad
from ..autodiff.transforms import jvp, vjp
from ..tensor import Tensor

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3
_F64 = np.dtype("float64")


class GradcheckError(AssertionError):
    """A derivative disagrees with finite differences (or has the wrong shape or dtype).

    Attributes: ``input`` (position of the argument), ``out_index`` and ``in_index`` (the worst
    entry), ``analytic`` and ``numeric`` (its two values).
    """

    def __init__(self, message, input=None, out_index=None, in_index=None, analytic=None,
                 numeric=None):
        super().__init__(message)
        self.input, self.out_index, self.in_index = input, out_index, in_index
        self.analytic, self.numeric = analytic, numeric


# -- inputs and outputs ----------------------------------------------------------------------------
def _is_float_input(x):
    if isinstance(x, Tensor):
        return x.dtype.kind == "f"
    if isinstance(x, np.ndarray):
        return x.dtype.kind == "f"
    return isinstance(x, (float, np.floating))


def _upcast(x):
    """A float64 copy of ``x`` as a tensor on x's device."""
    if isinstance(x, Tensor):
        return Tensor._make(x.data.astype(_F64), x.device)
    return Tensor(np.array(x, dtype=_F64))


class _Problem:
    """``f`` seen as a function of its float inputs only (float64 copies); the rest stay fixed."""

    def __init__(self, f, inputs, argnums):
        if argnums is None:
            argnums = tuple(i for i, x in enumerate(inputs) if _is_float_input(x))
        elif isinstance(argnums, int):
            argnums = (argnums,)
        for i in argnums:
            if not _is_float_input(inputs[i]):
                raise TypeError(f"gradcheck: input {i} is not floating point "
                                f"({type(inputs[i]).__name__}); only float inputs can be checked")
        self.f, self.argnums = f, tuple(argnums)
        self.args = list(inputs)
        self.xs = [_upcast(inputs[i]) for i in self.argnums]
        for i, x in zip(self.argnums, self.xs):
            self.args[i] = x

    def call(self, *xs):
        args = list(self.args)
        for i, x in zip(self.argnums, xs):
            args[i] = x
        out = self.f(*args)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        return [o if isinstance(o, Tensor) else Tensor(np.asarray(o, dtype=_F64)) for o in outs]

    def values(self, xs):
        """The outputs at ``xs`` (without recording), flattened into one float64 vector."""
        with no_grad():
            outs = self.call(*xs)
        return np.concatenate([np.asarray(o, dtype=_F64).ravel() for o in outs] or [np.zeros(0)])

    def shifted(self, direction, step):
        """The inputs moved by ``step * direction`` (one array per input)."""
        return [Tensor._make(x.data + x.device.asarray(step * d), x.device)
                for x, d in zip(self.xs, direction)]

    def directional(self, direction, eps):
        """Central difference of the flattened outputs along ``direction``."""
        return (self.values(self.shifted(direction, eps)) -
                self.values(self.shifted(direction, -eps))) / (2 * eps)

    def linearize(self):
        """``(outputs, pull)``; ``pull(cotangents)`` gives one float64 numpy gradient per input."""
        outs, pull = vjp(lambda *xs: tuple(self.call(*xs)), *self.xs)
        outs = list(outs)
        for k, o in enumerate(outs):
            if o.dtype.kind != "f":
                raise TypeError(f"gradcheck: output {k} has dtype {o.dtype}; only floating-point "
                                f"outputs can be differentiated")

        def pull_np(cts):
            grads = pull(tuple(Tensor._make(o.device.asarray(c.astype(o.dtype)), o.device)
                               for o, c in zip(outs, cts)))
            return [self._checked(g, x, k) for k, (g, x) in enumerate(zip(grads, self.xs))]
        return outs, pull_np

    def _checked(self, g, x, k):
        """The gradient as float64 numpy, after checking that it matches its input."""
        i = self.argnums[k]
        if not isinstance(g, Tensor) or g.shape != x.shape or g.dtype != x.dtype:
            got = (g.shape, g.dtype) if isinstance(g, Tensor) else type(g).__name__
            raise GradcheckError(f"gradcheck: the gradient for input {i} is {got}, expected shape "
                                 f"{x.shape} and dtype {x.dtype} (those of the input)", input=i)
        if g.device is not x.device:
            raise GradcheckError(f"gradcheck: the gradient for input {i} is on {g.device}, the "
                                 f"input on {x.device}", input=i)
        return np.asarray(g, dtype=_F64)

    def split(self, flat_out, outs):
        """Cut a flat output vector into per-output arrays."""
        parts, k = [], 0
        for o in outs:
            parts.append(flat_out[k:k + o.size].reshape(o.shape))
            k += o.size
        return parts


def _defaults(eps, atol, rtol):
    return (EPS if eps is None else eps, ATOL if atol is None else atol,
            RTOL if rtol is None else rtol)


def _excess(analytic, numeric, atol, rtol):
    """How far each entry is outside the tolerance (> 0 means it fails)."""
    analytic, numeric = np.asarray(analytic, dtype=_F64), np.asarray(numeric, dtype=_F64)
    err = np.abs(analytic - numeric)
    err = np.where(np.isnan(analytic) != np.isnan(numeric), np.inf, np.nan_to_num(err, nan=0.0))
    return err - (atol + rtol * np.abs(np.nan_to_num(numeric)))


def _unravel(flat, outs):
    """(output number, index within it) for a position in the flattened outputs."""
    for k, o in enumerate(outs):
        if flat < o.size:
            idx = np.unravel_index(flat, o.shape) if o.shape else ()
            return (k, tuple(int(i) for i in idx)) if len(outs) > 1 else tuple(int(i) for i in idx)
        flat -= o.size
    return None


def _fail(what, input, out_index, in_index, analytic, numeric, atol, rtol, raise_exception):
    if not raise_exception:
        return False
    where = [f"input {input}"] if input is not None else []
    if out_index is not None:
        where.append(f"output index {out_index}")
    if in_index is not None:
        where.append(f"input index {in_index}")
    raise GradcheckError(
        f"{what}: mismatch at {', '.join(where)}: analytic {analytic!r}, numeric {numeric!r} "
        f"(|difference| {abs(analytic - numeric):.3g} > atol {atol:g} + rtol {rtol:g} * |numeric|)",
        input=input, out_index=out_index, in_index=in_index, analytic=analytic, numeric=numeric)


# -- gradcheck -------------------------------------------------------------------------------------
def gradcheck(f, *inputs, eps=None, atol=None, rtol=None, mode="random", n_directions=3, seed=0,
              argnums=None, raise_exception=True):
    """Check the VJP of ``f`` against central differences in float64; return True.

    ``f`` takes ``inputs`` (tensors, arrays, floats; non-float arguments pass through unchanged)
    and returns a tensor or a tuple of tensors. The float inputs (or those in ``argnums``) are
    differentiated, as float64 copies. ``mode='random'`` compares ``<u, J v>`` for
    ``n_directions`` random unit directions (cheap: one VJP and two evaluations each) and, on a
    mismatch, locates the worst entry of ``J^T u``; ``mode='full'`` compares the whole Jacobian
    (one VJP per output element, two evaluations per input element). Defaults: ``eps=1e-6``,
    ``atol=1e-5``, ``rtol=1e-3``. Raises :class:`GradcheckError` on a mismatch (or returns False
    with ``raise_exception=False``).
    """
    eps, atol, rtol = _defaults(eps, atol, rtol)
    prob = _Problem(f, inputs, argnums)
    outs, pull = prob.linearize()
    if mode == "full":
        return _check_full(prob, outs, pull, eps, atol, rtol, raise_exception)
    if mode != "random":
        raise ValueError(f"gradcheck: mode must be 'random' or 'full', got {mode!r}")
    rng = np.random.default_rng(seed)
    for _ in range(n_directions):
        u = _unit([rng.standard_normal(o.shape) for o in outs])
        v = _unit([rng.standard_normal(x.shape) for x in prob.xs])
        grads = pull(u)
        analytic = float(sum(np.vdot(g, d) for g, d in zip(grads, v)))
        numeric = float(np.vdot(np.concatenate([c.ravel() for c in u] or [np.zeros(0)]),
                                prob.directional(v, eps)))
        if _excess(analytic, numeric, atol, rtol) > 0:
            return _locate(prob, u, grads, eps, atol, rtol, analytic, numeric, raise_exception)
    return True


def _unit(arrays):
    norm = np.sqrt(sum(float(np.vdot(a, a)) for a in arrays))
    return [a / norm for a in arrays] if norm > 0 else arrays


def _basis(xs, k, flat):
    d = [np.zeros(x.shape) for x in xs]
    d[k].reshape(-1)[flat] = 1.0
    return d


def _locate(prob, u, grads, eps, atol, rtol, analytic, numeric, raise_exception):
    """After a random-direction mismatch: compare ``J^T u`` entry by entry and report the worst."""
    u_flat = np.concatenate([c.ravel() for c in u] or [np.zeros(0)])
    worst = None
    for k, (x, g) in enumerate(zip(prob.xs, grads)):
        for j in range(x.size):
            num = float(np.vdot(u_flat, prob.directional(_basis(prob.xs, k, j), eps)))
            ana = float(g.reshape(-1)[j])
            ex = float(_excess(ana, num, atol, rtol))
            if worst is None or ex > worst[0]:
                worst = (ex, k, j, ana, num)
    what = "gradcheck (random cotangent u: entries of the VJP J^T u)"
    if worst is None or worst[0] <= 0:  # only the sum over entries is off: report the directions
        return _fail("gradcheck (random directions u, v: <u, J v>)", None, None, None,
                     analytic, numeric, atol, rtol, raise_exception)
    _, k, j, ana, num = worst
    in_index = tuple(int(i) for i in np.unravel_index(j, prob.xs[k].shape))
    return _fail(what, prob.argnums[k], None, in_index, ana, num, atol, rtol, raise_exception)


def _check_full(prob, outs, pull, eps, atol, rtol, raise_exception):
    n_out = sum(o.size for o in outs)
    analytic = [np.zeros((n_out, x.size)) for x in prob.xs]
    for r in range(n_out):
        e = np.zeros(n_out)
        e[r] = 1.0
        for k, g in enumerate(pull(prob.split(e, outs))):
            analytic[k][r] = g.reshape(-1)
    for k, x in enumerate(prob.xs):
        numeric = np.zeros((n_out, x.size))
        for j in range(x.size):
            numeric[:, j] = prob.directional(_basis(prob.xs, k, j), eps)
        ex = _excess(analytic[k], numeric, atol, rtol)
        if ex.size and ex.max() > 0:
            r, j = np.unravel_index(int(np.argmax(ex)), ex.shape)
            in_index = tuple(int(i) for i in np.unravel_index(j, x.shape))
            return _fail("gradcheck (full Jacobian)", prob.argnums[k], _unravel(int(r), outs),
                         in_index, float(analytic[k][r, j]), float(numeric[r, j]), atol, rtol,
                         raise_exception)
    return True


# -- second order ----------------------------------------------------------------------------------
def gradgradcheck(f, *inputs, grad_outputs=None, eps=None, atol=None, rtol=None, mode="random",
                  n_directions=3, seed=0, argnums=None, raise_exception=True):
    """Check second derivatives: :func:`gradcheck` of ``(inputs, u) -> VJP of f at inputs with
    cotangent u``, differentiated with respect to both the inputs and ``u``.

    ``grad_outputs`` (one per output of ``f``) defaults to random values from ``seed`` with about
    a third of the entries exactly 0: the VJP must stay linear in ``u`` at a zero cotangent too.
    """
    prob = _Problem(f, inputs, argnums)
    with no_grad():
        outs = prob.call(*prob.xs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [Tensor._make(o.device.asarray(rng.standard_normal(o.shape)
                                                      * (rng.random(o.shape) > 1 / 3)), o.device)
                        for o in outs]
    elif not isinstance(grad_outputs, (tuple, list)):
        grad_outputs = [grad_outputs]
    n = len(prob.xs)

    def first_derivative(*args):
        xs, cts = args[:n], args[n:]
        _, pull = vjp(lambda *d: tuple(prob.call(*d)), *xs)
        return pull(tuple(cts))

    return gradcheck(first_derivative, *prob.xs, *grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     mode=mode, n_directions=n_directions, seed=seed,
                     raise_exception=raise_exception)


# -- forward mode ----------------------------------------------------------------------------------
def check_jvp(f, *inputs, tangents=None, eps=None, atol=None, rtol=None, seed=0, argnums=None,
              raise_exception=True):
    """Check ``ag.jvp`` of ``f``: the tangent output against central differences along the
    tangents (entry by entry), and against the VJP (``<u, J t> == <J^T u, t>`` for a random u).

    ``tangents`` (one per float input) default to random values from ``seed``. Returns True.
    """
    eps, atol, rtol = _defaults(eps, atol, rtol)
    prob = _Problem(f, inputs, argnums)
    rng = np.random.default_rng(seed)
    if tangents is None:
        tangents = [rng.standard_normal(x.shape) for x in prob.xs]
    elif not isinstance(tangents, (tuple, list)):
        tangents = [tangents]
    tangents = [np.asarray(t, dtype=_F64).reshape(x.shape) for t, x in zip(tangents, prob.xs)]
    outs, touts = jvp(lambda *xs: tuple(prob.call(*xs)), tuple(prob.xs),
                      tuple(Tensor._make(x.device.asarray(t), x.device)
                            for x, t in zip(prob.xs, tangents)))
    for k, (o, t) in enumerate(zip(outs, touts)):
        if t.shape != o.shape or t.dtype != o.dtype:
            raise GradcheckError(f"check_jvp: the tangent of output {k} has shape {t.shape} and "
                                 f"dtype {t.dtype}, expected {o.shape} and {o.dtype}")
    tflat = np.concatenate([np.asarray(t, dtype=_F64).ravel() for t in touts] or [np.zeros(0)])
    numeric = prob.directional(tangents, eps)
    ex = _excess(tflat, numeric, atol, rtol)
    if ex.size and ex.max() > 0:
        r = int(np.argmax(ex))
        return _fail("check_jvp (J t against finite differences)", None, _unravel(r, outs), None,
                     float(tflat[r]), float(numeric[r]), atol, rtol, raise_exception)
    _, pull = prob.linearize()
    u = [rng.standard_normal(o.shape) for o in outs]
    via_vjp = float(sum(np.vdot(g, t) for g, t in zip(pull(u), tangents)))
    via_jvp = float(np.vdot(np.concatenate([c.ravel() for c in u] or [np.zeros(0)]), tflat))
    if _excess(via_jvp, via_vjp, atol, rtol) > 0:
        return _fail("check_jvp (<u, J t> from the JVP against <J^T u, t> from the VJP)", None,
                     None, None, via_jvp, via_vjp, atol, rtol, raise_exception)
    return True
