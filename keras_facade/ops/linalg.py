"""``keras.ops.linalg``: matrix functions on the last two axes (leading axes batched), computed with
``autograd_core.linalg`` so they are differentiable where Keras' are (decompositions need distinct
eigen/singular values; qr a full-rank tall or square matrix)."""

import numpy as np

import autograd_core as ag
from autograd_core import linalg as L

from ._dispatch import keras_op
from .core import named

__all__ = ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
           "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd"]


def _linalg_op(fn):
    """``keras_op`` whose errors (from the engine too) name ``keras.ops.linalg.<fn>``."""
    return keras_op(named(fn, f"linalg.{fn.__name__}"))


@_linalg_op
def cholesky(x, upper=False):
    """The Cholesky factor of a symmetric positive definite matrix (lower unless ``upper``)."""
    return L.cholesky(x, upper=upper)


@_linalg_op
def cholesky_inverse(x, upper=False):
    """The inverse of A from its Cholesky factor x (A = x x^T, or x^T x with ``upper``)."""
    x = L.as_matrix(x, "cholesky_inverse")
    eye = ag.eye(x.shape[-1], dtype=x.dtype, device=x.device)
    factor_inv = L.solve_triangular(x, eye, lower=not upper)  # x^-1
    if upper:  # A^-1 = x^-1 x^-T
        return ag.matmul(factor_inv, ag.swapaxes(factor_inv, -1, -2))
    return ag.matmul(ag.swapaxes(factor_inv, -1, -2), factor_inv)


def _one_matrix_op(engine_fn, name, doc):
    """``keras.ops.linalg.<name>(x)``: ``engine_fn`` on x."""
    def op(x):
        return engine_fn(x)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return _linalg_op(op)


det = _one_matrix_op(L.det, "det", "The determinant of each square matrix.")
eig = _one_matrix_op(L.eig, "eig", "Eigenvalues and eigenvectors of a general square matrix "
                     "(complex; no gradient).")
eigh = _one_matrix_op(L.eigh, "eigh", "Eigenvalues (ascending) and eigenvectors (columns) of a "
                      "symmetric matrix.")
inv = _one_matrix_op(L.inv, "inv", "The inverse of each square matrix.")


def jvp(fun, primals, tangents, has_aux=False):
    """Forward mode: ``(fun(*primals), J tangents)`` (and ``aux`` with ``has_aux``)."""
    return ag.jvp(fun, primals, tangents, has_aux=has_aux)


@_linalg_op
def lstsq(a, b, rcond=None):
    """The least-squares solution x of a @ x = b (through the pseudo-inverse)."""
    a = L.as_matrix(a, "lstsq", square=False)
    b = ag.as_tensor(b).astype(a.dtype)
    if b.ndim not in (1, 2) or b.shape[0] != a.shape[-2] or a.ndim != 2:
        raise ValueError(f"lstsq: expected a of shape (m, n) and b of shape (m,) "
                         f"or (m, k), got {a.shape} and {b.shape}")
    return ag.matmul(pinv(a, rcond), b)


@_linalg_op
def lu_factor(x):
    """(lu, pivots) of the LU factorization with partial pivoting (0-based int32 pivots, no
    gradient)."""
    return L.lu_factor(x)


@_linalg_op
def matrix_rank(x, tol=None):
    """The number of singular values above ``tol`` (default: largest * max(m, n) * eps), int32."""
    x = L.as_matrix(x, "matrix_rank", square=False)
    s = L.svd(x.detach(), compute_uv=False)
    if tol is None:
        tol = ag.max(s, axis=-1, keepdims=True) * (max(x.shape[-2:]) * _eps(x))
    return ag.sum((s > tol).astype("int32"), axis=-1).astype("int32")


def _eps(x):
    return float(np.finfo(x.dtype).eps)


@_linalg_op
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms over one axis, matrix norms over two (numpy.linalg.norm's ``ord``)."""
    return L.norm(x, ord=ord, axis=axis, keepdims=keepdims)


@_linalg_op
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse; singular values below ``rcond`` * largest are dropped
    (default rcond: max(m, n) * eps)."""
    x = L.as_matrix(x, "pinv", square=False)
    u, s, vh = L.svd(x, full_matrices=False)
    if rcond is None:
        rcond = max(x.shape[-2:]) * _eps(x)
    kept = s > ag.max(s, axis=-1, keepdims=True).detach() * rcond
    s_inv = ag.where(kept, 1.0 / ag.where(kept, s, 1.0), 0.0)
    return ag.matmul(ag.swapaxes(vh, -1, -2) * ag.expand_dims(s_inv, -2), ag.swapaxes(u, -1, -2))


@_linalg_op
def qr(x, mode="reduced"):
    """q, r with x = q r ('reduced': q (m, k), k = min(m, n); 'complete': q (m, m))."""
    return L.qr(x, mode=mode)


@_linalg_op
def solve(a, b):
    """x with a @ x = b (b a matrix (..., n, k) or a vector (..., n))."""
    return L.solve(a, b)


@_linalg_op
def solve_triangular(a, b, lower=False):
    """x with tri(a) @ x = b, tri the lower (``lower=True``) or upper triangle of a."""
    return L.solve_triangular(a, b, lower=lower)


@_linalg_op
def svd(x, full_matrices=True, compute_uv=True):
    """u, s, vh with x = u diag(s) vh (s descending), or s alone without ``compute_uv``."""
    return L.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
