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


# -- inverse, solves and determinants --------------------------------------------------------------
# Square matrices in the last two axes, leading axes batched (and broadcast) as in numpy.linalg.
def _tri_mask(x, lower, diag=True):
    """A boolean (n, n) tensor on x's device: the lower (or upper) triangle of the last two axes."""
    n = x.shape[-1]
    i = O.arange(n, device=x.device)
    rows, cols = O.expand_dims(i, -1), O.expand_dims(i, 0)
    if lower:
        return rows >= cols if diag else rows > cols
    return rows <= cols if diag else rows < cols


def _tri(x, lower, diag=True):
    return O.where(_tri_mask(x, lower, diag), x, 0.0)


def _eye_like(x):
    return O.eye(x.shape[-1], dtype=x.dtype, device=x.device)


def _diag(v):
    """(..., n) -> (..., n, n) with v on the diagonal."""
    return O.expand_dims(v, -1) * _eye_like(v)


def _diag_part(x):
    return O.sum(x * _eye_like(x), axis=-1)


def _trace(x):
    return O.sum(_diag_part(x), axis=-1)


inv = primitive("inv", lambda xp, a: xp.linalg.inv(a),
                vjps=[lambda g, out, a: -matmul(_mT(out), matmul(g, _mT(out)))],
                jvps=[lambda t, out, a: -matmul(out, matmul(t, out))])


def _solve_vjp_b(g, out, a, b):
    return solve(_mT(a), g)


solve = primitive(
    "solve", lambda xp, a, b: xp.linalg.solve(a, b),
    vjps=[lambda g, out, a, b: -matmul(_solve_vjp_b(g, out, a, b), _mT(out)), _solve_vjp_b],
    jvps=[lambda t, out, a, b: -solve(a, matmul(t, out)), lambda t, out, a, b: solve(a, t)])
solve.doc = "x with a @ x = b; b is (..., n, k) (a vector right-hand side is made a column first)."


def _solve_tri_fwd(xp, a, b, lower=False):
    n = a.shape[-1]
    keep = xp.tril(xp.ones((n, n), dtype=bool)) if lower else xp.triu(xp.ones((n, n), dtype=bool))
    return xp.linalg.solve(xp.where(keep, a, 0), b)


def _solve_tri_vjp_b(g, out, a, b, lower=False):
    return solve_triangular(_mT(a), g, lower=not lower)


solve_triangular = primitive(
    "solve_triangular", _solve_tri_fwd,
    vjps=[lambda g, out, a, b, lower=False:
          -_tri(matmul(_solve_tri_vjp_b(g, out, a, b, lower), _mT(out)), lower),
          _solve_tri_vjp_b],
    jvps=[lambda t, out, a, b, lower=False:
          -solve_triangular(a, matmul(_tri(t, lower), out), lower=lower),
          lambda t, out, a, b, lower=False: solve_triangular(a, t, lower=lower)])
solve_triangular.doc = "x with tri(a) @ x = b, tri the lower (or upper) triangle of a."


def _det_vjp(g, out, a):
    return O.expand_dims(O.expand_dims(g * out, -1), -1) * _mT(inv(a))


det = primitive("det", lambda xp, a: xp.linalg.det(a), vjps=[_det_vjp],
                jvps=[lambda t, out, a: out * _trace(matmul(inv(a), t))])
logabsdet = primitive(
    "logabsdet", lambda xp, a: xp.linalg.slogdet(a)[1],
    vjps=[lambda g, out, a: O.expand_dims(O.expand_dims(g, -1), -1) * _mT(inv(a))],
    jvps=[lambda t, out, a: _trace(matmul(inv(a), t))])
logabsdet.doc = "log |det a| (slogdet's second part), stable where det over- or underflows."


# -- Cholesky --------------------------------------------------------------------------------------
def _phi(x):
    """The lower triangle of x with its diagonal halved."""
    return _tri(x, True, diag=False) + 0.5 * _diag(_diag_part(x))


def _cholesky_vjp(g, out, a):
    # S = L^-T phi(L^T G) L^-1, symmetrized (a is symmetric)
    inner = _phi(matmul(_mT(out), g))
    s = solve_triangular(_mT(out), _mT(solve_triangular(_mT(out), _mT(inner), lower=False)),
                         lower=False)
    return 0.5 * (s + _mT(s))


def _cholesky_jvp(t, out, a):
    # dL = L phi(L^-1 dA L^-T)
    x = solve_triangular(out, _mT(solve_triangular(out, t, lower=True)), lower=True)
    return matmul(out, _phi(x))


cholesky = primitive("cholesky", lambda xp, a: xp.linalg.cholesky(a), vjps=[_cholesky_vjp],
                     jvps=[_cholesky_jvp])
cholesky.doc = "The lower Cholesky factor of a symmetric positive definite matrix."


# -- decompositions with several results -----------------------------------------------------------
# One primitive returns its results packed along the last axis (each flattened over its matrix
# axes); ``unpack`` splits the packed tensor again, and the VJP receives the packed cotangent.
def pack(xp, arrays, batch):
    return xp.concatenate([x.reshape(batch + (-1,)) for x in arrays], axis=-1)


def _flat(x):
    """A tangent matrix (..., m, n) flattened as ``pack`` lays it out."""
    return O.reshape(x, x.shape[:-2] + (-1,))


def unpack(packed, shapes):
    """The results of shapes ``shapes`` (their matrix axes only) from a packed tensor."""
    out, start = [], 0
    lead = packed.shape[:-1]
    for s in shapes:
        size = 1
        for n in s:
            size *= n
        out.append(O.reshape(packed[..., start:start + size], lead + tuple(s)))
        start += size
    return out


def eigh_shapes(shape):
    n = shape[-1]
    return [(n,), (n, n)]


def _off_diagonal_inverse_gaps(w):
    """F with F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it."""
    gaps = O.expand_dims(w, -2) - O.expand_dims(w, -1)
    off = ~(_tri_mask(gaps, True) & _tri_mask(gaps, False))
    return O.where(off, 1.0 / O.where(off, gaps, 1.0), 0.0)


def _eigh_vjp(g, out, a):
    w, v = unpack(out, eigh_shapes(a.shape))
    gw, gv = unpack(g, eigh_shapes(a.shape))
    inner = _diag(gw) + _off_diagonal_inverse_gaps(w) * matmul(_mT(v), gv)
    grad = matmul(v, matmul(inner, _mT(v)))
    return 0.5 * (grad + _mT(grad))


def _eigh_jvp(t, out, a):
    w, v = unpack(out, eigh_shapes(a.shape))
    rotated = matmul(_mT(v), matmul(0.5 * (t + _mT(t)), v))
    dv = matmul(v, _off_diagonal_inverse_gaps(w) * rotated)
    return O.concatenate([_diag_part(rotated), _flat(dv)], axis=-1)


eigh = primitive("eigh", lambda xp, a: pack(xp, xp.linalg.eigh(a), a.shape[:-2]),
                 vjps=[_eigh_vjp], jvps=[_eigh_jvp])
eigh.doc = "Eigenvalues (ascending) and eigenvectors of a symmetric matrix, packed (see unpack)."


def svd_shapes(shape, full_matrices=False):
    m, n = shape[-2:]
    k = min(m, n)
    if full_matrices:
        return [(m, m), (k,), (n, n)]
    return [(m, k), (k,), (k, n)]


def _svd_fwd(xp, a, full_matrices=False):
    return pack(xp, xp.linalg.svd(a, full_matrices=full_matrices), a.shape[:-2])


def _svd_factors(packed, a, full_matrices):
    """u, s, vh (or their cotangents) from a packed tensor, where derivatives are defined."""
    m, n = a.shape[-2:]
    if full_matrices and m != n:
        raise NotImplementedError("svd: derivatives of full_matrices=True need a square matrix; "
                                  "use full_matrices=False")
    return unpack(packed, svd_shapes(a.shape, full_matrices))


def _svd_vjp(g, out, a, full_matrices=False):
    m, n = a.shape[-2:]
    u, s, vh = _svd_factors(out, a, full_matrices)
    gu, gs, gvh = _svd_factors(g, a, full_matrices)
    v, gv = _mT(vh), _mT(gvh)
    s2 = s * s
    f = _off_diagonal_inverse_gaps(s2)
    ut_gu, vt_gv = matmul(_mT(u), gu), matmul(_mT(v), gv)
    s_row = O.expand_dims(s, -2)
    inner = (f * (ut_gu - _mT(ut_gu))) * s_row + O.expand_dims(s, -1) * \
        (f * (vt_gv - _mT(vt_gv))) + _diag(gs)
    grad = matmul(u, matmul(inner, vh))
    inv_s = 1.0 / s_row
    if m > n:
        grad = grad + matmul(gu - matmul(u, ut_gu), _mT(inv_s) * vh)
    if n > m:
        grad = grad + matmul(u * inv_s, _mT(gv - matmul(v, vt_gv)))
    return grad


def _svd_jvp(t, out, a, full_matrices=False):
    m, n = a.shape[-2:]
    u, s, vh = _svd_factors(out, a, full_matrices)
    v = _mT(vh)
    rotated = matmul(_mT(u), matmul(t, v))  # U^T dA V
    f = _off_diagonal_inverse_gaps(s * s)
    s_row, s_col = O.expand_dims(s, -2), O.expand_dims(s, -1)
    du = matmul(u, f * (rotated * s_row + s_col * _mT(rotated)))
    dv = matmul(v, f * (s_col * rotated + _mT(rotated) * s_row))
    if m > n:
        du = du + matmul(t - matmul(u, matmul(_mT(u), t)), v) / s_row
    if n > m:
        dv = dv + matmul(_mT(t) - matmul(v, matmul(vh, _mT(t))), u) / s_row
    return O.concatenate([_flat(du), _diag_part(rotated), _flat(_mT(dv))], axis=-1)


svd = primitive("svd", _svd_fwd, vjps=[_svd_vjp], jvps=[_svd_jvp])
svd.doc = "u, s, vh of a = u diag(s) vh, packed (see unpack); gradients need distinct s."


def qr_shapes(shape, complete=False):
    m, n = shape[-2:]
    k = m if complete else min(m, n)
    return [(m, k), (k, n)]


def _qr_fwd(xp, a, complete=False):
    return pack(xp, xp.linalg.qr(a, mode="complete" if complete else "reduced"), a.shape[:-2])


def _qr_factors(out, a, complete):
    """q and r from the packed result, where derivatives are defined (tall or square a, reduced
    mode)."""
    m, n = a.shape[-2:]
    if m < n or (complete and m != n):
        raise NotImplementedError(f"qr: derivatives need a tall or square matrix in reduced "
                                  f"mode, got shape {a.shape} (complete={complete})")
    return unpack(out, qr_shapes(a.shape, complete))


def _qr_vjp(g, out, a, complete=False):
    q, r = _qr_factors(out, a, complete)
    gq, gr = unpack(g, qr_shapes(a.shape, complete))
    mm = matmul(r, _mT(gr)) - matmul(_mT(gq), q)
    copyltu = _tri(mm, True) + _mT(_tri(mm, True, diag=False))
    b = gq + matmul(q, copyltu)  # b R^-T: solve R x^T = b^T
    return _mT(solve_triangular(r, _mT(b), lower=False))


def _qr_jvp(t, out, a, complete=False):
    q, r = _qr_factors(out, a, complete)
    t_rinv = _mT(solve_triangular(_mT(r), _mT(t), lower=True))  # dA R^-1
    c = matmul(_mT(q), t_rinv)
    below = _tri(c, True, diag=False)
    omega = below - _mT(below)  # Q^T dQ, skew-symmetric
    dq = matmul(q, omega) + t_rinv - matmul(q, c)
    dr = matmul(c - omega, r)
    return O.concatenate([_flat(dq), _flat(dr)], axis=-1)


qr = primitive("qr", _qr_fwd, vjps=[_qr_vjp], jvps=[_qr_jvp])
qr.doc = "q, r of a = q r, packed (see unpack); gradients need a full-rank tall or square a."


# -- results without a gradient --------------------------------------------------------------------
def _eig_fwd(xp, a):
    complex_dtype = xp.result_type(a.dtype, xp.complex64)  # complex even where all are real
    return pack(xp, [r.astype(complex_dtype) for r in xp.linalg.eig(a)], a.shape[:-2])


eig = primitive("eig", _eig_fwd, differentiable=False)
eig.doc = "Eigenvalues and eigenvectors of a general matrix (complex), packed (see unpack)."


def _lu_fwd(xp, a):
    """LU with partial pivoting, one column at a time (vectorized over the batch)."""
    n = a.shape[-1]
    lu = a.reshape((-1, n, n)).copy()
    piv = xp.zeros(lu.shape[:1] + (n,), dtype=lu.dtype)
    rows = xp.arange(lu.shape[0])
    for k in range(n):
        p = k + xp.argmax(xp.abs(lu[:, k:, k]), axis=1)
        piv[:, k] = p
        top, best = lu[rows, k].copy(), lu[rows, p].copy()
        lu[rows, k], lu[rows, p] = best, top
        pivot = lu[:, k, k:k + 1]
        lu[:, k + 1:, k] /= xp.where(pivot == 0, 1, pivot)
        lu[:, k + 1:, k + 1:] -= lu[:, k + 1:, k:k + 1] * lu[:, k:k + 1, k + 1:]
    return pack(xp, (lu, piv), lu.shape[:1]).reshape(a.shape[:-2] + (-1,))


lu_factor = primitive("lu_factor", _lu_fwd, differentiable=False)
lu_factor.doc = "LU factors (packed in one matrix) and 0-based pivots, packed (see unpack)."
