"""keras.ops.numpy, array part: values against numpy, Keras' dtypes and shapes, gradients (float64
finite differences), errors, and ops on symbolic tensors inside a trained functional model."""
import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from autograd_core.testing import gradcheck
from keras_facade import ops
from keras_facade.ops import _numpy_array

R = np.random.default_rng(0)
A = R.standard_normal((3, 4)).astype("float32")
B = R.standard_normal((2, 3, 4)).astype("float32")
V = R.standard_normal(5).astype("float32")
IDX = np.array([[0, 3, 3], [1, 1, 2], [2, 0, 0]])


def _naive_take_along(x, idx, axis):
    out = np.empty(idx.shape, x.dtype)
    for pos in np.ndindex(*idx.shape):
        src = list(pos)
        src[axis] = idx[pos]
        out[pos] = x[tuple(src)]
    return out


def _naive_diag(v, k):
    n = len(v) + abs(k)
    out = np.zeros((n, n), v.dtype)
    for i, value in enumerate(v):
        out[i + max(-k, 0), i + max(k, 0)] = value
    return out


def _naive_rearrange(b):  # 'a b (c d) -> (a c) b d' with d=2
    a_, b_, cd = b.shape
    out = np.empty((a_ * cd // 2, b_, 2), b.dtype)
    for i, j, c, d in np.ndindex(a_, b_, cd // 2, 2):
        out[i * (cd // 2) + c, j, d] = b[i, j, c * 2 + d]
    return out


# (name, keras.ops call, numpy reference, expected dtype(s))
CASES = [
    ("reshape", lambda: ops.reshape(A, (4, -1)), lambda: A.reshape(4, -1), "float32"),
    ("transpose", lambda: ops.transpose(B, (2, 0, 1)), lambda: B.transpose(2, 0, 1), "float32"),
    ("transpose_rev", lambda: ops.transpose(B), lambda: B.T, "float32"),
    ("concatenate", lambda: ops.concatenate([A, A[:1]], axis=0), lambda: np.concatenate([A, A[:1]]),
     "float32"),
    ("concatenate_promotes", lambda: ops.concatenate([np.ones(2, "int32"), np.ones(2, "int64")]),
     lambda: np.ones(4), "int64"),
    ("concatenate_int_float", lambda: ops.concatenate([[1, 2], A[0]]),
     lambda: np.concatenate([[1, 2], A[0]]), "float32"),
    ("stack", lambda: ops.stack([A, 2 * A], axis=1), lambda: np.stack([A, 2 * A], 1), "float32"),
    ("stack_list", lambda: ops.stack([[1, 2], [3, 4]]), lambda: np.array([[1, 2], [3, 4]]),
     "int32"),
    ("expand_dims", lambda: ops.expand_dims(A, (0, -1)), lambda: A[None, :, :, None], "float32"),
    ("squeeze", lambda: ops.squeeze(A[None, :, None]), lambda: A, "float32"),
    ("where", lambda: ops.where(A > 0, A, 3 * A), lambda: np.where(A > 0, A, 3 * A), "float32"),
    ("where_python_ints", lambda: ops.where([True, False], 1, 2), lambda: np.array([1, 2]),
     "int32"),
    ("where_int_float", lambda: ops.where([True, False], 1, 2.5), lambda: np.array([1, 2.5]),
     "float32"),
    ("where_condition", lambda: ops.where(np.array([[1, 0], [0, 2]])),
     lambda: np.nonzero([[1, 0], [0, 2]]), ("int64", "int64")),
    ("take", lambda: ops.take(A, [0, 2, 2, -1], axis=1), lambda: np.take(A, [0, 2, 2, -1], 1),
     "float32"),
    ("take_flat", lambda: ops.take(A, [[0, 5], [11, 5]]), lambda: np.take(A, [[0, 5], [11, 5]]),
     "float32"),
    ("take_along_axis", lambda: ops.take_along_axis(A, IDX, axis=1),
     lambda: _naive_take_along(A, IDX, 1), "float32"),
    ("take_along_axis_bcast", lambda: ops.take_along_axis(A, [[0, 2, 1, 1]], axis=0),
     lambda: np.take_along_axis(A, np.array([[0, 2, 1, 1]]), 0), "float32"),
    ("arange", lambda: ops.arange(5), lambda: np.arange(5), "int32"),
    ("arange_step", lambda: ops.arange(1, 10, 3), lambda: np.arange(1, 10, 3), "int32"),
    ("arange_float", lambda: ops.arange(0, 2, 0.5), lambda: np.arange(0, 2, 0.5), "float32"),
    ("zeros", lambda: ops.zeros((2, 3)), lambda: np.zeros((2, 3)), "float32"),
    ("ones_int", lambda: ops.ones(3, dtype="int32"), lambda: np.ones(3), "int32"),
    ("full", lambda: ops.full((2, 2), 3), lambda: np.full((2, 2), 3.0), "float32"),
    ("full_like", lambda: ops.full_like(np.zeros(2, "int32"), 2.5), lambda: np.full(2, 2), "int32"),
    ("zeros_like", lambda: ops.zeros_like(np.ones(2)), lambda: np.zeros(2), "float64"),
    ("ones_like", lambda: ops.ones_like(A), lambda: np.ones_like(A), "float32"),
    ("empty_like", lambda: ops.zeros_like(ops.empty_like(B)), lambda: np.zeros_like(B), "float32"),
    ("linspace", lambda: ops.linspace(0, 1, 5), lambda: np.linspace(0, 1, 5), "float32"),
    ("linspace_open", lambda: ops.linspace(2, 3, 4, endpoint=False),
     lambda: np.linspace(2, 3, 4, endpoint=False), "float32"),
    ("linspace_int", lambda: ops.linspace(0, 10, 5, dtype="int32"), lambda: np.arange(0, 11, 2.5)
     .astype(int), "int32"),
    ("linspace_arrays", lambda: ops.linspace(A[0], A[1], 3, axis=1),
     lambda: np.linspace(A[0], A[1], 3, axis=1), "float32"),
    ("logspace", lambda: ops.logspace(0, 3, 4, base=2, endpoint=False),
     lambda: np.logspace(0, 3, 4, base=2, endpoint=False), "float32"),
    ("geomspace", lambda: ops.geomspace(1, 1000, 4), lambda: np.geomspace(1, 1000, 4), "float32"),
    ("eye", lambda: ops.eye(3, 4, 1), lambda: np.eye(3, 4, 1), "float32"),
    ("identity", lambda: ops.identity(3, dtype="int32"), lambda: np.eye(3), "int32"),
    ("tri", lambda: ops.tri(3, 4, -1), lambda: np.tri(3, 4, -1), "float32"),
    ("array", lambda: ops.array([[1, 2]]), lambda: np.array([[1, 2]]), "int32"),
    ("copy", lambda: ops.copy(A), lambda: A, "float32"),
    ("tile", lambda: ops.tile(A, (2, 1, 2)), lambda: np.tile(A, (2, 1, 2)), "float32"),
    ("repeat", lambda: ops.repeat(A, 2, axis=0), lambda: np.repeat(A, 2, 0), "float32"),
    ("repeat_flat", lambda: ops.repeat(A, 2), lambda: np.repeat(A, 2), "float32"),
    ("repeat_counts", lambda: ops.repeat(A, [1, 0, 2], axis=0), lambda: np.repeat(A, [1, 0, 2], 0),
     "float32"),
    ("pad", lambda: ops.pad(A, ((1, 0), (2, 1))), lambda: np.pad(A, ((1, 0), (2, 1))), "float32"),
    ("pad_value", lambda: ops.pad(A, 1, constant_values=2.0),
     lambda: np.pad(A, 1, constant_values=2.0), "float32"),
    ("pad_reflect", lambda: ops.pad(A, ((1, 2), (2, 1)), mode="reflect"),
     lambda: np.pad(A, ((1, 2), (2, 1)), mode="reflect"), "float32"),
    ("pad_symmetric", lambda: ops.pad(A, (1, 3), mode="symmetric"),
     lambda: np.pad(A, (1, 3), mode="symmetric"), "float32"),
    ("pad_edge_wrap", lambda: ops.pad(ops.pad(V, 2, mode="edge"), 3, mode="wrap"),
     lambda: np.pad(np.pad(V, 2, mode="edge"), 3, mode="wrap"), "float32"),
    ("broadcast_to", lambda: ops.broadcast_to(A[:1], (2, 3, 4)),
     lambda: np.broadcast_to(A[:1], (2, 3, 4)), "float32"),
    ("ravel", lambda: ops.ravel(B), lambda: B.ravel(), "float32"),
    ("moveaxis", lambda: ops.moveaxis(B, (0, 1), (2, 0)), lambda: np.moveaxis(B, (0, 1), (2, 0)),
     "float32"),
    ("swapaxes", lambda: ops.swapaxes(B, 0, 2), lambda: np.swapaxes(B, 0, 2), "float32"),
    ("flip", lambda: ops.flip(B, (0, 2)), lambda: np.flip(B, (0, 2)), "float32"),
    ("fliplr", lambda: ops.fliplr(A), lambda: np.fliplr(A), "float32"),
    ("flipud", lambda: ops.flipud(A), lambda: np.flipud(A), "float32"),
    ("rot90", lambda: ops.rot90(A), lambda: np.rot90(A), "float32"),
    ("rot90_k2", lambda: ops.rot90(B, 2, (1, 2)), lambda: np.rot90(B, 2, (1, 2)), "float32"),
    ("rot90_k-1", lambda: ops.rot90(B, -1, (0, 2)), lambda: np.rot90(B, -1, (0, 2)), "float32"),
    ("roll_flat", lambda: ops.roll(A, 1), lambda: np.roll(A, 1), "float32"),
    ("roll_axes", lambda: ops.roll(A, (1, -2), axis=(0, 1)), lambda: np.roll(A, (1, -2), (0, 1)),
     "float32"),
    ("hstack", lambda: ops.hstack([A, A]), lambda: np.hstack([A, A]), "float32"),
    ("hstack_1d", lambda: ops.hstack([V, V]), lambda: np.hstack([V, V]), "float32"),
    ("vstack", lambda: ops.vstack([V, V]), lambda: np.vstack([V, V]), "float32"),
    ("dstack", lambda: ops.dstack([A, A]), lambda: np.dstack([A, A]), "float32"),
    ("dstack_1d", lambda: ops.dstack([V, V]), lambda: np.dstack([V, V]), "float32"),
    ("get_item", lambda: ops.get_item(A, (slice(None), np.array([0, 2]))), lambda: A[:, [0, 2]],
     "float32"),
    ("get_item_list_key", lambda: ops.get_item(B, [slice(1, None), None, Ellipsis, 0]),
     lambda: B[1:, None, ..., 0], "float32"),
    ("diag_vector", lambda: ops.diag(V, 1), lambda: _naive_diag(V, 1), "float32"),
    ("diag_vector_neg", lambda: ops.diag(V, -2), lambda: _naive_diag(V, -2), "float32"),
    ("diag_matrix", lambda: ops.diag(A, -1), lambda: np.diag(A, -1), "float32"),
    ("diagflat", lambda: ops.diagflat(A[:2, :2]), lambda: np.diagflat(A[:2, :2]), "float32"),
    ("diagonal", lambda: ops.diagonal(B, 1, 1, 2), lambda: np.diagonal(B, 1, 1, 2), "float32"),
    ("diagonal_swapped", lambda: ops.diagonal(B, -1, 2, 0), lambda: np.diagonal(B, -1, 2, 0),
     "float32"),
    ("tril", lambda: ops.tril(B), lambda: np.tril(B), "float32"),
    ("triu", lambda: ops.triu(B, 1), lambda: np.triu(B, 1), "float32"),
    ("inner", lambda: ops.inner(A, A[:2]), lambda: np.inner(A, A[:2]), "float32"),
    ("outer", lambda: ops.outer(np.arange(3, dtype="int32"), V), lambda: np.outer(np.arange(3), V),
     "float32"),
    ("kron", lambda: ops.kron(A[:2, :3], B[0, :2]), lambda: np.kron(A[:2, :3], B[0, :2]),
     "float32"),
    ("vander", lambda: ops.vander(V[:3], 4), lambda: np.vander(V[:3], 4), "float32"),
    ("vander_int", lambda: ops.vander(np.array([1, 2, 3]), increasing=True),
     lambda: np.vander([1, 2, 3], increasing=True), "int32"),
    ("trapezoid", lambda: ops.trapezoid(A, dx=0.5, axis=0), lambda: np.trapezoid(A, dx=0.5, axis=0),
     "float32"),
    ("trapezoid_x", lambda: ops.trapezoid(A, x=V[:4]), lambda: np.trapezoid(A, x=V[:4]), "float32"),
    ("trapezoid_int", lambda: ops.trapezoid(np.array([1, 2, 4])), lambda: 4.5, "float32"),
    ("meshgrid_xy", lambda: ops.meshgrid(V[:2], V[:3], V[:4]),
     lambda: np.meshgrid(V[:2], V[:3], V[:4]), ("float32",) * 3),
    ("meshgrid_ij", lambda: ops.meshgrid(V[:2], V[:3], indexing="ij"),
     lambda: np.meshgrid(V[:2], V[:3], indexing="ij"), ("float32",) * 2),
    ("split", lambda: ops.split(A, [1, 3], axis=1), lambda: np.split(A, [1, 3], 1),
     ("float32",) * 3),
    ("array_split", lambda: ops.array_split(A, 3, axis=1), lambda: np.array_split(A, 3, 1),
     ("float32",) * 3),
    ("hsplit", lambda: ops.hsplit(A, 2), lambda: np.hsplit(A, 2), ("float32",) * 2),
    ("vsplit", lambda: ops.vsplit(A, 3), lambda: np.vsplit(A, 3), ("float32",) * 3),
    ("dsplit", lambda: ops.dsplit(B, 2), lambda: np.dsplit(B, 2), ("float32",) * 2),
    ("sort", lambda: ops.sort(B, axis=1), lambda: np.sort(B, 1), "float32"),
    ("sort_int", lambda: ops.sort(np.array([3, 1, 2])), lambda: np.array([1, 2, 3]), "int64"),
    ("argsort", lambda: ops.argsort(A, axis=0), lambda: np.argsort(A, 0), "int32"),
    ("searchsorted", lambda: ops.searchsorted([0., 1, 2, 3], [0.5, 1, 3.5], side="right"),
     lambda: np.searchsorted([0., 1, 2, 3], [0.5, 1, 3.5], "right"), "int32"),
    ("digitize", lambda: ops.digitize([0.5, 1.0, 2.0, -1, 3], [0., 1., 2.]),
     lambda: np.array([1, 2, 3, 0, 3]), "int32"),
    ("bincount", lambda: ops.bincount([0, 1, 1, 3]), lambda: np.array([1, 2, 0, 1]), "int32"),
    ("bincount_weights", lambda: ops.bincount([0, 1, 1, 3, 1], weights=V, minlength=6),
     lambda: np.array([V[0], V[1] + V[2] + V[4], 0, V[3], 0, 0]), "float32"),
    ("bincount_rows", lambda: ops.bincount(np.array([[0, 1, 1], [2, 2, 0]])),
     lambda: np.array([[1, 2, 0], [1, 0, 2]]), "int32"),
    ("count_nonzero", lambda: ops.count_nonzero([[0, 1, 2], [0, 0, 3]], axis=1),
     lambda: np.array([2, 1]), "int32"),
    ("nonzero", lambda: ops.nonzero([[0, 1], [2, 0]]), lambda: np.nonzero([[0, 1], [2, 0]]),
     ("int32", "int32")),
    ("isin", lambda: ops.isin([1, 2, 3], [2, 5], invert=True), lambda: np.array([1, 0, 1]), "bool"),
    ("unravel_index", lambda: ops.unravel_index([5, 7, 0], (3, 4)),
     lambda: np.unravel_index([5, 7, 0], (3, 4)), ("int32", "int32")),
    ("unique", lambda: ops.unique(np.array([3, 1, 1, 2]), return_index=True, return_inverse=True,
                                  return_counts=True),
     lambda: np.unique([3, 1, 1, 2], True, True, True), ("int64",) * 4),
    ("unique_size", lambda: ops.unique(np.array([3, 1, 1, 2]), size=5, fill_value=9),
     lambda: np.array([1, 2, 3, 9, 9]), "int64"),
    ("histogram", lambda: ops.histogram(V, bins=4), lambda: np.histogram(V, bins=4),
     ("float32", "float32")),
    ("size", lambda: ops.size(B), lambda: 24, "int64"),
    ("view", lambda: ops.view(np.array([1.0, 2.0], "float32"), "int32"),
     lambda: np.array([1.0, 2.0], "float32").view("int32"), "int32"),
    ("cdist", lambda: ops.cdist(A, B[0]),
     lambda: np.sqrt(((A[:, None] - B[0][None]) ** 2).sum(-1)), "float32"),
    ("rearrange", lambda: ops.rearrange(B, "a b (c d) -> (a c) b d", d=2),
     lambda: _naive_rearrange(B), "float32"),
]


@pytest.mark.parametrize("name,call,ref,dtypes", CASES, ids=[c[0] for c in CASES])
def test_values_dtypes_shapes(name, call, ref, dtypes):
    out, expected = call(), ref()
    outs = out if isinstance(out, (tuple, list)) else (out,)
    refs = expected if isinstance(expected, (tuple, list)) else (expected,)
    dtypes = dtypes if isinstance(dtypes, tuple) else (dtypes,)
    assert len(outs) == len(refs) == len(dtypes)
    for o, r, d in zip(outs, refs, dtypes):
        assert isinstance(o, ag.Tensor)
        assert str(o.dtype) == d
        assert o.shape == np.shape(r)
        np.testing.assert_allclose(o.numpy().astype(float), np.asarray(r, float), rtol=2e-5,
                                   atol=2e-6)


def test_names_are_keras():
    assert len(set(_numpy_array.__all__)) == len(_numpy_array.__all__) == 73
    assert all(getattr(ops.numpy, n) is getattr(_numpy_array, n) for n in _numpy_array.__all__)
    assert ops.cdist is _numpy_array.cdist and not hasattr(ops.numpy, "cdist")


def test_misc_results():
    assert ops.ndim(B) == 3 and ops.ndim([[1, 2]]) == 2
    part = ops.argpartition(np.array([3, 1, 2, 0, 5, 4]), 2).numpy()
    assert part.dtype == np.int32 and sorted(part) == list(range(6))
    values = np.array([3, 1, 2, 0, 5, 4])[part]
    assert values[2] == 2 and max(values[:2]) < 2 < min(values[3:])
    samples, step = ops.linspace(0, 1, 5, retstep=True)
    assert float(step) == pytest.approx(0.25) and samples.shape == (5,)


# gradients, float64 against finite differences (gathers scatter back, repeated indices add up)
GRADS = [
    ("take", lambda x: ops.take(x, [0, 2, 2, -1], axis=1), A),
    ("take_along_axis", lambda x: ops.take_along_axis(x, IDX, axis=1), A),
    ("sort", lambda x: ops.sort(x, axis=0), B),
    ("where", lambda x: ops.where(x > 0, x * x, 2.0), A),
    ("repeat", lambda x: ops.repeat(x, [1, 0, 2], axis=0), A),
    ("tile", lambda x: ops.tile(x, (2, 1, 2)), A),
    ("roll", lambda x: ops.roll(x, (1, -2), axis=(0, 1)), A),
    ("pad_reflect", lambda x: ops.pad(x, ((1, 2), (2, 1)), mode="reflect"), A),
    ("pad_constant", lambda x: ops.pad(x, 1, constant_values=3.0), A),
    ("concat_stack", lambda x: ops.stack([ops.concatenate([x, x[:1]], 0)] * 2, axis=2), A),
    ("split", lambda x: ops.array_split(x, 3, axis=1)[1], A),
    ("diag_diagonal", lambda x: ops.diag(ops.diagonal(x, 1, 1, 2)[0], -1), B),
    ("tril_triu", lambda x: ops.tril(x, 1) * ops.triu(x), A),
    ("rot90_flip", lambda x: ops.rot90(ops.flip(x, 1), 3), A),
    ("kron_outer", lambda x: ops.kron(x[:2, :2], ops.outer(x[0, :2], x[1, :3])), A),
    ("trapezoid", lambda x: ops.trapezoid(x, x=x[0] ** 2 + np.arange(4)), A),
    ("meshgrid", lambda x: ops.meshgrid(x[0], x[1, :2])[0] * ops.meshgrid(x[0], x[1, :2])[1], A),
    ("cdist", lambda x: ops.cdist(x, x[:2] * 2), A),
    ("rearrange", lambda x: ops.rearrange(x, "a b (c d) -> (a c) b d", d=2), B),
    ("get_item", lambda x: ops.get_item(x, (slice(None), np.array([0, 0, 2]))), A),
    ("copy_full_like", lambda x: ops.copy(x) * ops.full_like(x, x[0, 0]), A),
]


# as in Keras, these compute in 32 bits even for float64 inputs: float32 step and tolerances
NARROWED = [
    ("inner", lambda x: ops.inner(x, x[:2]), A),
    ("vander", lambda x: ops.vander(x[0], 4), A),
    ("linspace", lambda x: ops.linspace(x[0], x[1], 4, axis=1), A),
    ("geomspace", lambda x: ops.geomspace(x[0] ** 2 + 1, x[1] ** 2 + 2, 3), A),
    ("bincount_weights", lambda x: ops.bincount([0, 1, 1, 3], weights=x[0]), A),
]


@pytest.mark.parametrize("name,fn,x", GRADS, ids=[g[0] for g in GRADS])
def test_gradients(name, fn, x):
    assert gradcheck(fn, x.astype("float64"))


@pytest.mark.parametrize("name,fn,x", NARROWED, ids=[g[0] for g in NARROWED])
def test_gradients_computed_in_32_bits(name, fn, x):
    assert str(fn(x.astype("float64")).dtype) in ("float32", "int32")
    assert gradcheck(fn, x.astype("float64"), eps=1e-3, atol=2e-3, rtol=1e-2)


def test_sort_gradient_goes_to_original_places():
    x = ag.tensor([3.0, 1.0, 2.0], requires_grad=True)
    (ops.sort(x) * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [100.0, 1.0, 10.0])
    x = ag.tensor([1.0, 2.0, 0.0], requires_grad=True)
    ops.take(x, [0, 0, 1]).sum().backward()  # repeated indices accumulate
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 1.0, 0.0])


def test_cdist_gradient_is_zero_at_zero_distance():
    x = ag.tensor(A[:2], requires_grad=True)
    ops.cdist(x, ag.tensor(A[:2])).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


ERRORS = [
    (lambda: ops.reshape(A, (5,)), ValueError, "keras.ops.reshape.*(3, 4)"),
    (lambda: ops.concatenate([A, B[0, :2, :3]], 0), ValueError, "keras.ops.concatenate"),
    (lambda: ops.take(A, [7], axis=1), IndexError, "keras.ops.take.*size 4"),
    (lambda: ops.take(A, [0.5]), TypeError, "keras.ops.take.*float"),
    (lambda: ops.stack([A, B]), ValueError, "keras.ops.stack"),
    (lambda: ops.split(V, 2), ValueError, "keras.ops.split.*size 5"),
    (lambda: ops.expand_dims(V, 3), ValueError, "keras.ops.expand_dims.*axis 3"),
    (lambda: ops.squeeze(A, 0), ValueError, "keras.ops.squeeze"),
    (lambda: ops.pad(A, 1, mode="mean"), ValueError, "keras.ops.pad.*'mean'"),
    (lambda: ops.pad(A, 1, mode="reflect", constant_values=1), ValueError, "keras.ops.pad"),
    (lambda: ops.where(A > 0, A), ValueError, "keras.ops.where"),
    (lambda: ops.broadcast_to(V, (2, 4)), ValueError, "keras.ops.broadcast_to"),
    (lambda: ops.take_along_axis(A, [1, 2], axis=1), ValueError, "keras.ops.take_along_axis"),
    (lambda: ops.zeros((2,), "complex-ish"), TypeError, "keras.ops.zeros.*dtype"),
    (lambda: ops.diag(B), ValueError, "keras.ops.diag.*(2, 3, 4)"),
    (lambda: ops.searchsorted(A, V), ValueError, "keras.ops.searchsorted.*1-D"),
    (lambda: ops.rearrange(B, "a b -> b a"), ValueError, "keras.ops.rearrange"),
    (lambda: ops.rot90(A, axes=(1, 1)), ValueError, "keras.ops.rot90"),
    (lambda: ops.fliplr(V), ValueError, "keras.ops.fliplr.*rank >= 2"),
]


@pytest.mark.parametrize("call,error,match", ERRORS)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_ops_on_symbolic_tensors_train_with_fit():
    inp = keras.layers.Input((4,))
    h = keras.layers.Dense(6)(inp)
    t = ops.transpose(ops.reshape(h, (-1, 2, 3)), (0, 2, 1))
    c = ops.concatenate([ops.reshape(t, (-1, 6)), ops.take(h, [0, 1], axis=1)], axis=-1)
    c = ops.where(c > 0, c, c * 0.1)
    c = ops.squeeze(ops.expand_dims(ops.pad(c, ((0, 0), (1, 1))), 1), 1)
    assert c.shape == (None, 10)
    model = keras.models.Model(inp, keras.layers.Dense(1)(c))
    model.compile("adam", "mse")
    x = R.standard_normal((64, 4)).astype("float32")
    losses = model.fit(x, x.sum(1, keepdims=True), epochs=3, batch_size=16, verbose=0) \
        .history["loss"]
    assert losses[-1] < losses[0]
    assert model.predict(x[:2], verbose=0).shape == (2, 1)


@pytest.fixture
def on_test_device():
    """The facade on the numpy-backed test device 'cpu:1' for one test."""
    keras.backend.set_device("cpu:1")
    yield ag.device("cpu:1")
    keras.backend.set_device("cpu")


def test_new_and_mixed_tensors_follow_the_device(on_test_device):
    x = ag.tensor(A, device="cpu:1", requires_grad=True)
    outs = [ops.zeros((2,)), ops.arange(3), ops.full((2,), 1.0), ops.eye(2), ops.array([1, 2]),
            ops.concatenate([x, A[:1]]), ops.where(A > 0, x, A), ops.stack([x, A]),
            ops.tril(x), ops.sort(x), ops.take(x, [0, 2], axis=1), ops.linspace(x[0], x[1], 3),
            ops.pad(x, 1, mode="reflect"), ops.vander(x[0], 3), ops.bincount([0, 2]),
            ops.argsort(x), ops.unique(A[0]), ops.cdist(x, A)]
    assert all(o.device == on_test_device for o in outs)
    np.testing.assert_allclose(ops.where(A > 0, x, A).numpy(), A)
    ops.sort(x, axis=0).sum().backward()
    assert x.grad.device == on_test_device and np.array_equal(x.grad.numpy(), np.ones_like(A))
