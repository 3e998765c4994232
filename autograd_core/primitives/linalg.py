"""matmul with numpy semantics: batch dimensions broadcast, 1-D operands are promoted and the added
axis removed again. The engine sums batch-broadcast cotangents back to each operand's shape."""
from ..autodiff.graph import primitive
from ._lazy import O
from .shape import transpose


def _matmul_fwd(xp, a, b):
    if a.ndim > 2 and b.ndim == 2:  # one large GEMM rather than one per leading index
        return xp.matmul(a.reshape(-1, a.shape[-1]), b).reshape(a.shape[:-1] + b.shape[-1:])
    return xp.matmul(a, b)


def _mT(x):
    if x.ndim == 2:  # the common case, without the general op's argument checks
        return transpose(x, axes=(1, 0))
    return O.swapaxes(x, -1, -2)


def _vjp_a(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if b.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
        return O.expand_dims(g, -1) * b
    if a.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
        return O.matmul(b, O.expand_dims(g, -1))[..., 0]
    return matmul(g, _mT(b))  # shapes are known to agree: the primitive, not the checked op


def _vjp_b(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:  # (k,) @ (..., k, m)
        return O.expand_dims(a, -1) * O.expand_dims(g, -2)
    if b.ndim == 1:  # (..., n, k) @ (k,)
        return O.matmul(_mT(a), O.expand_dims(g, -1))[..., 0]
    if b.ndim == 2 and a.ndim > 2:  # the leading axes fold into one GEMM (no per-index products)
        return matmul(_mT(O.reshape(a, (-1, a.shape[-1]))), O.reshape(g, (-1, g.shape[-1])))
    return matmul(_mT(a), g)


matmul = primitive("matmul", _matmul_fwd, vjps=[_vjp_a, _vjp_b],
                   jvps=[lambda t, out, a, b: O.matmul(t, b), lambda t, out, a, b: O.matmul(a, t)])
