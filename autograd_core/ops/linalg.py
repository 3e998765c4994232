"""matmul, dot, outer and einsum (einsum as transposes, reshapes and one batched matmul)."""
import math as _math
from collections import Counter

from ..primitives import linalg as P
from ._coerce import pair
from .reductions import sum as _sum
from .shape import broadcast_to, reshape, transpose


def matmul(a, b):
    """Matrix product with numpy semantics (batch dims broadcast; 1-D operands promoted)."""
    a, b = pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must be at least 1-D, got shapes {a.shape} and {b.shape}")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise ValueError(f"matmul: inner dimensions differ: {a.shape} @ {b.shape} ({ka} != {kb})")
    return P.matmul(a, b)


def dot(a, b):
    """numpy's dot: a product with a scalar, matmul up to 2-D (and with a 1-D ``b``), otherwise
    the sum over the last axis of ``a`` and the second-to-last of ``b`` (all other axes kept)."""
    a, b = pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1 or (a.ndim <= 2 and b.ndim <= 2):
        return matmul(a, b)
    return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 2]))


def outer(a, b):
    a, b = pair(a, b)
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def _parse(subscripts, operands):
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        ins, out = subscripts.split("->")
    else:
        ins, out = subscripts, None
    ins = ins.split(",")
    if len(ins) != len(operands):
        raise ValueError(f"einsum: {len(ins)} operand subscripts for {len(operands)} operands")
    if any("..." in s for s in ins):
        nb = max(o.ndim - (len(s) - 3) for s, o in zip(ins, operands) if "..." in s)
        ell = "".join(chr(0x100 + i) for i in range(nb))
        ins = [s.replace("...", ell[nb - (o.ndim - (len(s) - 3)):]) for s, o in zip(ins, operands)]
        if out is not None:
            out = out.replace("...", ell)
    if out is None:  # implicit output: broadcast dims, then the letters seen once, sorted
        counts = Counter("".join(ins))
        out = "".join(sorted(c for c in counts if c >= "\u0100")) + "".join(
            sorted(c for c, n in counts.items() if n == 1 and c < "\u0100"))
    for s, o in zip(ins, operands):
        if len(s) != o.ndim:
            raise ValueError(f"einsum: subscripts '{s}' do not match an operand of shape {o.shape}")
        if len(set(s)) != len(s):
            raise ValueError(f"einsum: repeated index in '{s}' (diagonals) is not supported")
    return ins, out


def _sum_out(x, s, keep):
    """Sum the axes of ``x`` whose letters are not in ``keep``."""
    axes = tuple(i for i, c in enumerate(s) if c not in keep)
    if axes:
        x = _sum(x, axis=axes)
        s = "".join(c for c in s if c in keep)
    return x, s


def einsum(subscripts, *operands):
    """Einstein summation for one or two operands (no repeated index within one operand)."""
    from ._coerce import as_tensor
    operands = [as_tensor(o) for o in operands]
    ins, out = _parse(subscripts, operands)
    if len(operands) == 1:
        x, s = _sum_out(operands[0], ins[0], out)
        return transpose(x, tuple(s.index(c) for c in out)) if s != out else x
    if len(operands) != 2:
        raise ValueError("einsum: only one or two operands are supported")
    (a, b), (sa, sb) = operands, ins
    a, sa = _sum_out(a, sa, set(sb) | set(out))
    b, sb = _sum_out(b, sb, set(sa) | set(out))
    batch = [c for c in sa if c in sb and c in out]
    contract = [c for c in sa if c in sb and c not in out]
    left = [c for c in sa if c not in sb]
    right = [c for c in sb if c not in sa]
    for c in batch + contract:  # a size-1 axis broadcasts against the other operand's (numpy)
        na, nb = a.shape[sa.index(c)], b.shape[sb.index(c)]
        if na == nb:
            continue
        if na != 1 and nb != 1:
            raise ValueError(f"einsum: index '{c}' has sizes {na} and {nb}")
        if na == 1:
            a = broadcast_to(a, tuple(nb if x == c else n for x, n in zip(sa, a.shape)))
        else:
            b = broadcast_to(b, tuple(na if x == c else n for x, n in zip(sb, b.shape)))
    size = {c: n for s, t in ((sa, a), (sb, b)) for c, n in zip(s, t.shape)}
    n = lambda cs: _math.prod(size[c] for c in cs)  # noqa: E731
    a2 = reshape(transpose(a, tuple(sa.index(c) for c in batch + left + contract)),
                 (n(batch), n(left), n(contract)))
    b2 = reshape(transpose(b, tuple(sb.index(c) for c in batch + contract + right)),
                 (n(batch), n(contract), n(right)))
    res = reshape(matmul(a2, b2), tuple(size[c] for c in batch + left + right))
    order = batch + left + right
    return transpose(res, tuple(order.index(c) for c in out))


def tensordot(a, b, axes=2):
    a, b = pair(a, b)
    if isinstance(axes, int):
        axes = (list(range(a.ndim - axes, a.ndim)), list(range(axes)))
    axes = tuple([x] if isinstance(x, int) else list(x) for x in axes)  # (1, 0) = ([1], [0])
    la, lb = [x % a.ndim for x in axes[0]], [x % b.ndim for x in axes[1]]
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(la, lb):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in la] + [c for j, c in enumerate(sb) if j not in lb]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)
