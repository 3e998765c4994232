"""Custom differentiation rules: PyTorch-style :class:`Function` and JAX-style :func:`custom_vjp`.

Both attach one graph node whose derivative is the user's rule; the forward runs without recording.
A rule written with engine ops (on tensors) is itself differentiable, so higher-order gradients
work through it.
"""
import weakref

from ..tensor import Tensor
from .graph import Node, Primitive
from .mode import GRAD_ENABLED, set_grad_enabled


class FunctionCtx:
    """What ``forward`` hands to ``backward``: saved tensors and any attributes set on it.

    A saved forward result is handed back as the recorded output, so a backward written with it
    stays differentiable (second derivatives through ``Function`` work)."""

    def __init__(self, args):
        self._saved = ()
        self._out = None  # (the tensor forward returned, a weakref to the recorded output)
        self.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)

    def save_for_backward(self, *tensors):
        self._saved = tensors

    @property
    def saved_tensors(self):
        if self._out is None:
            return self._saved
        returned, recorded = self._out
        out = recorded()
        return tuple(out if (t is returned and out is not None) else t for t in self._saved)


def _as_output(out, args, where):
    if isinstance(out, Tensor):
        return Tensor._make(out._data, out._device)
    dev = next((a._device for a in args if isinstance(a, Tensor)), None)
    if isinstance(out, (tuple, list)):
        raise TypeError(f"{where}: forward must return a single tensor")
    return Tensor(out, device=dev)


def _attach(out, prim, args, params):
    if GRAD_ENABLED[0] and any(isinstance(a, Tensor) and a.requires_grad for a in args):
        out.requires_grad = True
        out._node = Node(prim, tuple(args), params)
    return out


def _normalize_grads(grads, n, where):
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    grads = tuple(grads)
    if len(grads) != n:
        raise ValueError(f"{where}: backward returned {len(grads)} gradient(s) for {n} input(s)")
    return grads


class Function:
    """Subclass with ``@staticmethod forward(ctx, *args)`` and ``@staticmethod backward(ctx, *grads)``
    (one gradient per input, a bare value for one input, None for inputs without a gradient);
    call it with ``F.apply(*args)``."""

    _prims = {}

    @classmethod
    def _prim(cls):
        prim = Function._prims.get(cls)
        if prim is None:
            def joint(g, out, *args, ctx=None):
                return _normalize_grads(cls.backward(ctx, g), len(args), f"{cls.__name__}.backward")
            prim = Primitive(cls.__name__, None, vjp=joint)
            Function._prims[cls] = prim
        return prim

    @classmethod
    def apply(cls, *args):
        ctx = FunctionCtx(args)
        with set_grad_enabled(False):
            returned = cls.forward(ctx, *args)
        out = _as_output(returned, args, f"{cls.__name__}.forward")
        if any(t is returned for t in ctx._saved):
            ctx._out = (returned, weakref.ref(out))
        return _attach(out, cls._prim(), args, {"ctx": ctx})

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("Function subclasses define a static forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("Function subclasses define a static backward(ctx, *grads)")


class custom_vjp:
    """JAX-style custom VJP: ``f = custom_vjp(fun)``; ``f.defvjp(fwd, bwd)`` with
    ``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, g) -> tuple`` (one entry per argument)."""

    def __init__(self, fun):
        self.fun = fun
        self.fwd = self.bwd = None
        self.__name__ = getattr(fun, "__name__", "custom_vjp")
        self.__doc__ = fun.__doc__
        self._prim = None

    def defvjp(self, fwd, bwd):
        self.fwd, self.bwd = fwd, bwd
        name = self.__name__

        def joint(g, out, *args, residuals=None):
            return _normalize_grads(bwd(residuals, g), len(args), f"{name} bwd")
        self._prim = Primitive(name, None, vjp=joint)
        return self

    def __call__(self, *args):
        if self.fwd is None:
            return self.fun(*args)
        from .transforms import DEPTH
        # inside a transform, residuals keep their graph so the rule can be differentiated again
        with set_grad_enabled(GRAD_ENABLED[0] and DEPTH[0] > 0):
            out, residuals = self.fwd(*args)
        out = _as_output(out, args, f"{self.__name__} fwd")
        return _attach(out, self._prim, args, {"residuals": residuals})
