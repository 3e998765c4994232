"""Primitives and graph nodes.

A :class:`Primitive` bundles a forward rule (on raw arrays, given the array module) with its
derivative rules. Calling it on tensors runs the forward and, when recording and some input requires
grad, attaches a :class:`Node` to the result. Derivative rules receive tensors and are written with
engine ops, so every derivative is itself differentiable.

Calling convention: tensor operands are positional (Python scalars allowed there: they are "weak" and
never promote the dtype); everything static (axes, shapes, flags) is passed by keyword.
"""
from .. import backend
from ..tensor import Tensor
from .mode import GRAD_ENABLED

_new = Tensor._make
_CPU = backend.CPU


class Node:
    """How a tensor was made: the primitive, its operands and static parameters."""
    __slots__ = ("prim", "args", "params")

    def __init__(self, prim, args, params):
        self.prim, self.args, self.params = prim, args, params

    def __repr__(self):
        return f"<Node {self.prim.name}>"


class Primitive:
    """An op with a forward rule and derivative rules, defined in one place.

    ``fwd(xp, *arrays, **params) -> array``.
    ``vjps``: one rule per operand, ``vjp_i(g, out, *args, **params) -> Tensor`` (the cotangent for
    operand i; None means zero), or a single joint rule ``vjp(g, out, *args, **params) -> tuple``.
    ``jvps``: optional, one rule per operand, ``jvp_i(t_i, out, *args, **params) -> Tensor``; operands
    without a rule fall back to the double-VJP trick.
    ``accumulate``: optional ``accumulate(xp, buf, g, **params)`` adding the (single) operand's
    cotangent into the array ``buf`` in place; used instead of the VJP rule when the backward pass is
    not recorded (``getitem`` scatters a slice's gradient without a full-size temporary).
    """
    __slots__ = ("name", "fwd", "vjps", "vjp", "jvps", "differentiable", "doc", "accumulate")

    def __init__(self, name, fwd, vjps=None, vjp=None, jvps=None, differentiable=True, doc=None,
                 accumulate=None):
        self.name, self.fwd, self.vjps, self.vjp, self.jvps = name, fwd, vjps, vjp, jvps
        self.accumulate = accumulate
        self.differentiable = differentiable
        self.doc = doc or (fwd.__doc__ if fwd is not None else None)

    def __repr__(self):
        return f"<primitive {self.name}>"

    def __call__(self, *args, **params):
        # Hot path: kept flat on purpose (every op of every model goes through here).
        if len(args) == 2:
            a, b = args
            if isinstance(a, Tensor) and isinstance(b, Tensor):  # weights are Tensor subclasses
                dev = a._device
                if b._device is not dev:
                    raise_device_mismatch(self.name, args)
                needs_grad = a.requires_grad or b.requires_grad
                arrays = (a._data, b._data)
            elif isinstance(a, Tensor):
                dev = a._device
                needs_grad = a.requires_grad
                arrays = (a._data, b)
            else:
                dev, needs_grad, arrays = _scan(self.name, args)
        elif len(args) == 1 and isinstance(args[0], Tensor):
            a = args[0]
            dev = a._device
            needs_grad = a.requires_grad
            arrays = (a._data,)
        else:
            dev, needs_grad, arrays = _scan(self.name, args)
        try:
            if dev.index and dev.kind == "cuda":
                with dev.context():
                    out = self.fwd(dev.xp, *arrays, **params)
            else:
                out = self.fwd(dev.xp, *arrays, **params)
        except (ValueError, IndexError) as exc:
            raise _named_error(self.name, args, exc) from exc
        t = _new(out, dev)
        if needs_grad and GRAD_ENABLED[0] and self.differentiable:
            t.requires_grad = True
            t._node = Node(self, args, params)
        return t


def _scan(name, args):
    """Device, whether any operand requires grad, and the raw operands (general case)."""
    dev = None
    needs_grad = False
    arrays = []
    for a in args:
        if isinstance(a, Tensor):
            d = a._device
            if dev is None:
                dev = d
            elif d is not dev:
                raise_device_mismatch(name, args)
            arrays.append(a._data)
            if a.requires_grad:
                needs_grad = True
        else:
            arrays.append(a)
    return dev or _CPU, needs_grad, arrays


def raise_device_mismatch(name, args):
    devs = [str(a._device) for a in args if isinstance(a, Tensor)]
    first = devs[0]
    other = next(d for d in devs if d != first)
    raise RuntimeError(
        f"{name}: operands are on different devices ({first} and {other}); "
        f"move them to one device first, e.g. x.to('{first}')")


def _named_error(name, args, exc):
    """``exc`` from a forward rule, prefixed with the op's name and its operands' shapes/dtypes."""
    msg = str(exc)
    if msg.startswith(f"{name}:"):
        return exc
    parts = ", ".join(f"{a.shape} {a.dtype}" if isinstance(a, Tensor) else type(a).__name__
                      for a in args)
    text = f"{name}: {msg} (operands: {parts})"
    try:
        return type(exc)(text)
    except Exception:  # an exception class with another constructor
        return ValueError(text) if isinstance(exc, ValueError) else IndexError(text)


REGISTRY = {}


def primitive(name, fwd=None, *, vjps=None, vjp=None, jvps=None, differentiable=True, doc=None,
              accumulate=None):
    """Define and register a primitive (also usable as a decorator on the forward rule).

    Example::

        def _cube(xp, x):
            return x * x * x
        cube = ag.primitive("cube", _cube, vjps=[lambda g, out, x: g * 3 * x * x],
                            jvps=[lambda t, out, x: t * 3 * x * x])
    """
    if fwd is None:
        return lambda f: primitive(name, f, vjps=vjps, vjp=vjp, jvps=jvps,
                                   differentiable=differentiable, doc=doc, accumulate=accumulate)
    if name in REGISTRY:
        raise ValueError(f"a primitive named {name!r} is already registered")
    prim = Primitive(name, fwd, vjps=vjps, vjp=vjp, jvps=jvps, differentiable=differentiable, doc=doc,
                     accumulate=accumulate)
    REGISTRY[name] = prim
    return prim
