"""matmul, dot, outer and einsum (einsum as transposes, reshapes and one batched matmul), and
``numpy.linalg``-style functions (``autograd_core.linalg``): inv, solve, solve_triangular, det,
slogdet, cholesky, eigh, svd, qr, norm, eig and lu_factor."""
import math as _math
from collections import Counter

from ..primitives import linalg as P
from . import math as _M
from . import reductions as _R
from ._coerce import as_real, as_tensor, pair
from .reductions import sum as _sum
from .shape import broadcast_to, expand_dims, reshape, swapaxes, transpose


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


# -- linear algebra (numpy.linalg semantics: matrices in the last two axes, leading axes batched) --
def as_matrix(x, name, square=True):
    """x as a float tensor of matrices; a clear error for the wrong rank or a non-square shape."""
    x = as_real(x)
    if x.ndim < 2 or (square and x.shape[-1] != x.shape[-2]):
        kind = "square matrices" if square else "matrices"
        raise ValueError(f"{name}: expected {kind} in the last two axes (shape (..., n, n)), "
                         f"got shape {x.shape}")
    return x


def _rhs(a, b, name):
    """b as a column stack for a solve with a (a vector b is made a column); and whether it was.
    b is a batch of vectors when it is 1-D or b.shape == a.shape[:-1] (as in PyTorch)."""
    b = as_tensor(b)
    if b.dtype != a.dtype:
        b = b.astype(a.dtype)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    if vector:
        b = expand_dims(b, -1)
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise ValueError(f"{name}: the right-hand side must have {a.shape[-1]} rows to match a of "
                         f"shape {a.shape}, got shape {b.shape}")
    return b, vector


def inv(a):
    """The inverse of each square matrix."""
    return P.inv(as_matrix(a, "inv"))


def solve(a, b):
    """x with a @ x = b (b a matrix (..., n, k) or a vector (..., n))."""
    a = as_matrix(a, "solve")
    b, vector = _rhs(a, b, "solve")
    x = P.solve(a, b)
    return x[..., 0] if vector else x


def solve_triangular(a, b, lower=False):
    """x with tri(a) @ x = b, tri the lower (``lower=True``) or upper triangle of a."""
    a = as_matrix(a, "solve_triangular")
    b, vector = _rhs(a, b, "solve_triangular")
    x = P.solve_triangular(a, b, lower=bool(lower))
    return x[..., 0] if vector else x


def det(a):
    return P.det(as_matrix(a, "det"))


def slogdet(a):
    """(sign, log|det a|) of each matrix; the sign has no gradient."""
    a = as_matrix(a, "slogdet")
    return P.det(a.detach()).sign(), P.logabsdet(a)


def cholesky(a, upper=False):
    """The Cholesky factor of a symmetric positive definite matrix (lower, or its transpose)."""
    a = as_matrix(a, "cholesky")
    try:
        low = P.cholesky(a)
    except ValueError as exc:  # numpy.linalg.LinAlgError
        raise ValueError(f"cholesky: the matrix is not positive definite (shape {a.shape})") \
            from exc
    return swapaxes(low, -1, -2) if upper else low


def eig(a):
    """Eigenvalues and eigenvectors of general square matrices (complex; no gradient)."""
    a = as_matrix(a, "eig")
    return tuple(P.unpack(P.eig(a), P.eigh_shapes(a.shape)))


def lu_factor(a):
    """(lu, pivots): L (unit diagonal, below) and U packed in one matrix, and the 0-based row
    swapped with each row in turn (int32); partial pivoting, no gradient."""
    a = as_matrix(a, "lu_factor")
    lu, piv = P.unpack(P.lu_factor(a), [a.shape[-2:], a.shape[-1:]])
    return lu, piv.astype("int32")


def eigh(a):
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices."""
    a = as_matrix(a, "eigh")
    return tuple(P.unpack(P.eigh(a), P.eigh_shapes(a.shape)))


def svd(a, full_matrices=True, compute_uv=True):
    """u, s, vh with a = u diag(s) vh (s descending), or s alone without ``compute_uv``."""
    a = as_matrix(a, "svd", square=False)
    full = bool(full_matrices) and compute_uv
    u, s, vh = P.unpack(P.svd(a, full_matrices=full), P.svd_shapes(a.shape, full))
    return (u, s, vh) if compute_uv else s


def qr(a, mode="reduced"):
    """q, r with a = q r; ``mode`` 'reduced' (q (m, k), k = min(m, n)) or 'complete' (q (m, m))."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete', got {mode!r}")
    a = as_matrix(a, "qr", square=False)
    complete = mode == "complete"
    return tuple(P.unpack(P.qr(a, complete=complete), P.qr_shapes(a.shape, complete)))


def norm(x, ord=None, axis=None, keepdims=False):
    """numpy.linalg.norm: vector norms over one axis, matrix norms over two, composed from engine
    ops (the spectral and nuclear norms through svd)."""
    x = as_real(x)
    if axis is None:
        if ord is None:  # the 2-norm of all entries
            out = _two_norm(reshape(x, (-1,)), 0)
            return reshape(out, (1,) * x.ndim) if keepdims else out
        axis = tuple(range(x.ndim))
    axis = (axis,) if isinstance(axis, int) else tuple(axis)
    axis = tuple(a % x.ndim for a in axis) if x.ndim else axis
    if len(axis) == 1:
        out = _vector_norm(x, ord, axis[0])
    elif len(axis) == 2:
        out = _matrix_norm(x, ord, axis)
    else:
        raise ValueError(f"norm: axis must name one or two axes, got {axis}")
    if keepdims:
        for a in sorted(axis):
            out = expand_dims(out, a)
    return out


def _two_norm(x, axis):
    return _M.sqrt(_sum(x * x, axis=axis))


def _vector_norm(x, ord, axis):
    if ord is None or ord == 2:
        return _two_norm(x, axis)
    if isinstance(ord, str):
        raise ValueError(f"norm: ord {ord!r} is a matrix norm; a vector norm needs a number")
    ax = _M.abs(x)
    if ord == float("inf"):
        return _R.max(ax, axis=axis)
    if ord == -float("inf"):
        return _R.min(ax, axis=axis)
    if ord == 0:
        return _sum((x != 0).astype(x.dtype), axis=axis)
    if ord == 1:
        return _sum(ax, axis=axis)
    return _sum(ax ** ord, axis=axis) ** (1.0 / ord)


def _matrix_norm(x, ord, axis):
    r, c = axis
    if ord is None or ord == "fro":
        return _two_norm(x, axis)
    if ord in ("nuc", 2, -2):
        rest = tuple(i for i in range(x.ndim) if i not in axis)
        s = svd(transpose(x, rest + (r, c)), compute_uv=False)
        return _sum(s, axis=-1) if ord == "nuc" else (_R.max if ord == 2 else _R.min)(s, axis=-1)
    if ord in (1, -1):  # the largest (smallest) column sum
        sums = _sum(_M.abs(x), axis=r)
        return (_R.max if ord == 1 else _R.min)(sums, axis=c - (c > r))
    if ord in (float("inf"), -float("inf")):  # the largest (smallest) row sum
        sums = _sum(_M.abs(x), axis=c)
        return (_R.max if ord > 0 else _R.min)(sums, axis=r - (r > c))
    raise ValueError(f"norm: invalid ord {ord!r} for a matrix norm (use None, 'fro', 'nuc', "
                     f"1, -1, 2, -2, inf or -inf)")
