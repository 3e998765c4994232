"""Functional transforms: grad, value_and_grad, vjp, jvp, jacobian (reverse and forward), hessian,
hvp. They return gradients and never touch ``.grad``. Arguments may be tensors, arrays, Python
floats, or lists/tuples/dicts of them (gradients come back in the same structure).

Nesting: a transform evaluated inside another one (or on inputs that already require grad) records
its own backward pass, so ``grad(grad(f))`` works to any order.
"""
import numpy as np

from ..tensor import Tensor
from .backward import run_backward, toposort, _fit
from .mode import GRAD_ENABLED, enable_grad

DEPTH = [0]  # how many transforms are currently evaluating their function


# -- tiny pytrees: Tensor leaves in lists, tuples and dicts ----------------------------------------
def tree_flatten(x):
    if isinstance(x, (list, tuple)):
        leaves, defs = [], []
        for item in x:
            l, d = tree_flatten(item)
            leaves += l
            defs.append(d)
        return leaves, (type(x), defs)
    if isinstance(x, dict):
        keys = list(x)
        leaves, d = tree_flatten([x[k] for k in keys])
        return leaves, (dict, (keys, d))
    return [x], None


def tree_unflatten(defn, leaves):
    return _build(defn, iter(leaves))


def _build(d, it):
    # a module-level function, not a recursive closure: a closure that refers to itself is a
    # reference cycle, which would keep ``leaves`` (e.g. a step's gradients) alive until the
    # cyclic garbage collector runs
    if d is None:
        return next(it)
    kind, sub = d
    if kind is dict:
        keys, inner = sub
        return dict(zip(keys, _build(inner, it)))
    items = [_build(s, it) for s in sub]
    return kind(items) if kind in (list, tuple) else kind(*items)


_identity = None


def _watch_leaf(x, where):
    """A tensor to differentiate with respect to, standing in for argument ``x``."""
    global _identity
    if _identity is None:
        from ..primitives.shape import reshape as _identity
    if isinstance(x, Tensor):
        if x.dtype.kind not in "fc":
            raise TypeError(f"{where}: cannot differentiate with respect to an argument of dtype "
                            f"{x.dtype}; pass a floating-point tensor")
        if x.requires_grad and GRAD_ENABLED[0]:
            if x._node is None:  # a leaf (e.g. a model weight): differentiate w.r.t. it directly
                return x, False
            return _identity(x, shape=x.shape), True  # stays connected to an outer graph
        return Tensor._make(x._data, x._device).requires_grad_(True), False
    t = Tensor(x)
    if t.dtype.kind not in "fc":
        raise TypeError(f"{where}: cannot differentiate with respect to an argument of dtype "
                        f"{t.dtype}; pass floats")
    return t.requires_grad_(True), False


def _watch(args, argnums, where):
    args = list(args)
    watched, defs, outer = [], [], False
    for i in argnums:
        if i >= len(args):
            raise TypeError(f"{where}: argnums {i} is out of range for {len(args)} positional arguments")
        leaves, d = tree_flatten(args[i])
        new = []
        for leaf in leaves:
            w, connected = _watch_leaf(leaf, where)
            outer = outer or connected
            new.append(w)
        args[i] = tree_unflatten(d, new)
        watched.append(new)
        defs.append(d)
    return args, watched, defs, outer


def _call(f, args, kwargs):
    DEPTH[0] += 1
    try:
        with enable_grad():
            return f(*args, **kwargs)
    finally:
        DEPTH[0] -= 1


def _record(outer):
    """Whether the backward pass must itself be recorded (nesting or an outer graph)."""
    return GRAD_ENABLED[0] and (outer or DEPTH[0] > 0)


def _grads_for(value, cotangent, watched, create):
    flat = [w for ws in watched for w in ws]
    if not value.requires_grad:
        grads = [None] * len(flat)
    else:
        grads = run_backward([value], [cotangent], retain_graph=create, create_graph=create,
                             inputs=flat)
    out, k = [], 0
    for ws in watched:
        part = []
        for w in ws:
            g = grads[k]
            k += 1
            if g is None:  # the function does not depend on this input: zeros, as JAX
                from .. import ops
                g = ops.zeros_like(w)
            part.append(g if create else g.detach())
        out.append(part)
    return out


def value_and_grad(f, argnums=0, has_aux=False):
    """``f``'s value and its gradient with respect to the arguments in ``argnums`` (int or tuple).

    ``f`` must return a scalar (or ``(scalar, aux)`` with ``has_aux=True``).
    """
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)

    def wrapped(*args, **kwargs):
        args, watched, defs, outer = _watch(args, nums, "grad")
        result = _call(f, args, kwargs)
        value, aux = result if has_aux else (result, None)
        if not isinstance(value, Tensor):
            value = Tensor(value)
        if value.size != 1:
            raise TypeError(f"grad: the function must return a scalar, got shape {value.shape}; "
                            f"use vjp or jacobian for non-scalar outputs")
        create = _record(outer)
        from .. import ops
        grads = _grads_for(value, ops.ones_like(value), watched, create)
        grads = [tree_unflatten(d, g) for d, g in zip(defs, grads)]
        grads = grads[0] if single else tuple(grads)
        if not create:
            value = value.detach()
        return ((value, aux), grads) if has_aux else (value, grads)
    wrapped.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return wrapped


def grad(f, argnums=0, has_aux=False):
    """The gradient of scalar-valued ``f`` (nests to any order)."""
    vg = value_and_grad(f, argnums, has_aux)

    def wrapped(*args, **kwargs):
        (value_aux, grads) = vg(*args, **kwargs)
        return (grads, value_aux[1]) if has_aux else grads
    wrapped.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return wrapped


def _as_tuple(out):
    return (tuple(out), True) if isinstance(out, (tuple, list)) else ((out,), False)


def vjp(f, *primals, has_aux=False):
    """``(out, vjp_fn)``; ``vjp_fn(cotangent)`` returns a tuple with one gradient per primal."""
    args, watched, defs, outer = _watch(primals, range(len(primals)), "vjp")
    result = _call(f, args, {})
    out, aux = result if has_aux else (result, None)
    outs, multi = _as_tuple(out)
    create = _record(outer)

    def vjp_fn(*cotangents):
        if len(cotangents) == 1 and multi and isinstance(cotangents[0], (tuple, list)):
            cotangents = tuple(cotangents[0])
        if len(cotangents) != len(outs):
            raise ValueError(f"vjp: expected {len(outs)} cotangent(s), got {len(cotangents)}")
        cts = []
        for o, c in zip(outs, cotangents):
            c = c if isinstance(c, Tensor) else Tensor(c, dtype=o.dtype, device=o.device)
            if c.shape != o.shape:
                raise ValueError(f"vjp: cotangent shape {c.shape} does not match output shape {o.shape}")
            cts.append(c)
        flat = [w for ws in watched for w in ws]
        live = [(o, c) for o, c in zip(outs, cts) if o.requires_grad]
        grads = run_backward([o for o, _ in live], [c for _, c in live], retain_graph=True,
                             create_graph=create or GRAD_ENABLED[0] and DEPTH[0] > 0,
                             inputs=flat) if live else [None] * len(flat)
        from .. import ops
        grads = [ops.zeros_like(w) if g is None else g for g, w in zip(grads, flat)]
        res, k = [], 0
        for ws, d in zip(watched, defs):
            res.append(tree_unflatten(d, grads[k:k + len(ws)]))
            k += len(ws)
        return tuple(res)

    shown = out if create else (tuple(o.detach() for o in outs) if multi else outs[0].detach())
    return (shown, vjp_fn, aux) if has_aux else (shown, vjp_fn)


# -- forward mode -----------------------------------------------------------------------------
def _jvp_by_double_vjp(node, t, i, tangent):
    """J_i · tangent for operand i of ``node`` from its VJP rule: the rule is linear in the
    cotangent u, so J_i·v = d/du <vjp_i(u), v>."""
    from .. import ops
    u = ops.zeros_like(t).requires_grad_(True)
    with enable_grad():
        if node.prim.vjp is not None:
            gi = node.prim.vjp(u, t, *node.args, **node.params)[i]
        else:
            gi = node.prim.vjps[i](u, t, *node.args, **node.params)
        if gi is None:
            return None
        gi = _fit(gi, node.args[i])
        dot = ops.sum(gi * tangent)
    if not dot.requires_grad:
        return None
    return run_backward([dot], [ops.ones_like(dot)], create_graph=True, retain_graph=True,
                        inputs=[u])[0]


def _push_tangents(outs, seeds):
    """Propagate tangents forward through the recorded graph of ``outs``."""
    tangents = dict(seeds)
    for t in reversed(toposort(outs)):
        node = t._node
        if node is None or id(t) in tangents:
            continue
        total = None
        for i, a in enumerate(node.args):
            ta = tangents.get(id(a)) if isinstance(a, Tensor) else None
            if ta is None:
                continue
            rule = node.prim.jvps[i] if node.prim.jvps is not None else None
            contrib = rule(ta, t, *node.args, **node.params) if rule is not None else \
                _jvp_by_double_vjp(node, t, i, ta)
            if contrib is None:
                continue
            if not isinstance(contrib, Tensor):
                contrib = Tensor(contrib, dtype=t.dtype, device=t.device)
            if contrib.shape != t.shape:
                from .. import ops
                contrib = ops.broadcast_to(contrib, t.shape)
            total = contrib if total is None else total + contrib
        if total is not None:
            tangents[id(t)] = total
    return tangents


def jvp(f, primals, tangents, has_aux=False):
    """Forward mode: ``(f(*primals), J·tangents)`` with JVP rules (double-VJP where a rule is missing)."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    args, watched, defs, outer = _watch(primals, range(len(primals)), "jvp")
    seeds = {}
    for ws, tan in zip(watched, tangents):
        tl, _ = tree_flatten(tan)
        if len(tl) != len(ws):
            raise ValueError("jvp: tangents must have the same structure as primals")
        for w, tv in zip(ws, tl):
            tv = tv if isinstance(tv, Tensor) else Tensor(tv, dtype=w.dtype, device=w.device)
            if tv.shape != w.shape:
                raise ValueError(f"jvp: tangent shape {tv.shape} does not match primal shape {w.shape}")
            seeds[id(w)] = tv.astype(w.dtype)
    result = _call(f, args, {})
    out, aux = result if has_aux else (result, None)
    outs, multi = _as_tuple(out)
    with enable_grad():
        pushed = _push_tangents([o for o in outs if isinstance(o, Tensor)], seeds)
    from .. import ops
    touts = tuple(pushed.get(id(o), ops.zeros_like(o)) for o in outs)
    create = _record(outer)
    if not create:
        outs = tuple(o.detach() for o in outs)
        touts = tuple(t.detach() for t in touts)
    res = (outs if multi else outs[0], touts if multi else touts[0])
    return res + (aux,) if has_aux else res


def _basis(x, flat_index):
    e = np.zeros(x.size, dtype=x.dtype)
    e[flat_index] = 1
    return Tensor(e.reshape(x.shape), device=x.device)


def _per_argnum(one, argnums):
    """A Jacobian transform over ``argnums``: an int gives one Jacobian per output; a tuple gives,
    per output, a tuple with one Jacobian per argument (as JAX: ``jac[output][argument]``)."""
    def wrapped(*args):
        if not isinstance(argnums, (tuple, list)):
            return one(args, argnums)
        per_arg = [one(args, i) for i in argnums]
        if isinstance(per_arg[0], tuple):  # several outputs: index by output first
            return tuple(tuple(j[k] for j in per_arg) for k in range(len(per_arg[0])))
        return tuple(per_arg)
    return wrapped


def jacrev(f, argnums=0):
    """Jacobian by reverse mode: one VJP per output element; shape ``out.shape + in.shape``
    (a tuple of them for a function with several outputs; see ``_per_argnum`` for argnums)."""
    def one(args, i):
        from .. import ops
        fi = lambda x: f(*args[:i], x, *args[i + 1:])  # noqa: E731
        out, pull = vjp(fi, args[i])
        x = args[i] if isinstance(args[i], Tensor) else Tensor(args[i])
        outs = out if isinstance(out, tuple) else (out,)
        jacs = []
        for k, o in enumerate(outs):
            rows = []
            for e in range(o.size):
                cts = [_basis(o2, e) if j == k else ops.zeros_like(o2) for j, o2 in enumerate(outs)]
                rows.append(pull(tuple(cts) if len(outs) > 1 else cts[0])[0])
            jacs.append(ops.reshape(ops.stack(rows), o.shape + x.shape) if rows else
                        ops.zeros(o.shape + x.shape, dtype=x.dtype, device=x.device))
        return tuple(jacs) if isinstance(out, tuple) else jacs[0]
    return _per_argnum(one, argnums)


def jacfwd(f, argnums=0):
    """Jacobian by forward mode: one JVP per input element; shape ``out.shape + in.shape``
    (a tuple of them for a function with several outputs; see ``_per_argnum`` for argnums)."""
    def one(args, i):
        from .. import ops
        x = args[i] if isinstance(args[i], Tensor) else Tensor(args[i])
        fi = lambda x: f(*args[:i], x, *args[i + 1:])  # noqa: E731
        if x.size == 0:
            value = fi(x)
            jacs = [ops.zeros(o.shape + x.shape, dtype=x.dtype, device=x.device)
                    for o in (value if isinstance(value, tuple) else (value,))]
            return tuple(jacs) if isinstance(value, tuple) else jacs[0]
        cols = [jvp(fi, (x,), (_basis(x, k),))[1] for k in range(x.size)]
        if not isinstance(cols[0], tuple):
            return ops.reshape(ops.stack(cols, axis=-1), cols[0].shape + x.shape)
        return tuple(ops.reshape(ops.stack(list(c), axis=-1), c[0].shape + x.shape)
                     for c in zip(*cols))
    return _per_argnum(one, argnums)


def jacobian(f, argnums=0, mode="reverse"):
    """``jacobian(f)(x)``: shape ``out.shape + in.shape``; ``mode='forward'`` uses JVPs."""
    if mode in ("reverse", "rev"):
        return jacrev(f, argnums)
    if mode in ("forward", "fwd"):
        return jacfwd(f, argnums)
    raise ValueError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")


def hessian(f, argnums=0):
    """``hessian(f)(x)``: shape ``in.shape + in.shape`` (forward-over-reverse)."""
    return jacfwd(grad(f, argnums), argnums)


def hvp(f, primals, tangents):
    """Hessian-vector product ``H(x)·v`` without forming H; returns ``(grad f(x), H·v)``."""
    return jvp(grad(f), primals, tangents)
