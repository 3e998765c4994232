"""keras.ops.linalg: values against numpy, result shapes and dtypes, gradients against float64
finite differences, Keras' jvp contract, errors, and a linalg op inside a trained functional
model."""
import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from autograd_core.testing import gradcheck
from keras_facade import layers
from keras_facade.ops import linalg

RNG = np.random.default_rng(0)
A = (RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)).astype("float32")
SPD = A @ A.transpose(0, 2, 1) + np.eye(3, dtype="float32")
SYM = A + A.transpose(0, 2, 1)
B = RNG.standard_normal((2, 3, 2)).astype("float32")
TALL = RNG.standard_normal((4, 3)).astype("float32")
WIDE = RNG.standard_normal((3, 5)).astype("float32")
LOW = np.linalg.cholesky(SPD)

# name: (call, numpy reference, inputs)
FORWARD = {
    "inv": (linalg.inv, np.linalg.inv, [A]),
    "det": (linalg.det, np.linalg.det, [A]),
    "solve": (linalg.solve, np.linalg.solve, [A, B]),
    "solve_vector": (linalg.solve, lambda a, b: np.linalg.solve(a, b[..., None])[..., 0],
                     [A, B[..., 0]]),
    "solve_triangular_lower": (lambda a, b: linalg.solve_triangular(a, b, lower=True),
                               lambda a, b: np.linalg.solve(np.tril(a), b), [A, B]),
    "solve_triangular_upper": (linalg.solve_triangular,
                               lambda a, b: np.linalg.solve(np.triu(a), b), [A, B]),
    "cholesky": (linalg.cholesky, np.linalg.cholesky, [SPD]),
    "cholesky_upper": (lambda x: linalg.cholesky(x, upper=True),
                       lambda x: np.linalg.cholesky(x).transpose(0, 2, 1), [SPD]),
    "cholesky_inverse": (linalg.cholesky_inverse, lambda x: np.linalg.inv(x @ x.transpose(0, 2, 1)),
                         [LOW]),
    "cholesky_inverse_upper": (lambda x: linalg.cholesky_inverse(x, upper=True),
                               lambda x: np.linalg.inv(x.transpose(0, 2, 1) @ x),
                               [LOW.transpose(0, 2, 1)]),
    "svd_values": (lambda x: linalg.svd(x, compute_uv=False),
                   lambda x: np.linalg.svd(x, compute_uv=False), [WIDE]),
    "norm": (linalg.norm, np.linalg.norm, [A]),
    "norm_axis": (lambda x: linalg.norm(x, axis=1, keepdims=True),
                  lambda x: np.linalg.norm(x, axis=1, keepdims=True), [A]),
    "norm_ord3": (lambda x: linalg.norm(x, ord=3, axis=-1),
                  lambda x: np.linalg.norm(x, ord=3, axis=-1), [A]),
    "norm_inf": (lambda x: linalg.norm(x, ord=-np.inf, axis=0),
                 lambda x: np.linalg.norm(x, ord=-np.inf, axis=0), [A]),
    "norm_zero": (lambda x: linalg.norm(x, ord=0, axis=0),
                  lambda x: np.linalg.norm(x, ord=0, axis=0), [np.array([[0.0, 1.0], [0.0, 2.0]])]),
    "norm_nuc": (lambda x: linalg.norm(x, ord="nuc", axis=(1, 2)),
                 lambda x: np.linalg.norm(x, ord="nuc", axis=(1, 2)), [A]),
    "norm_spectral": (lambda x: linalg.norm(x, ord=-2, axis=(2, 1)),
                      lambda x: np.linalg.norm(x, ord=-2, axis=(2, 1)), [A]),
    "norm_matrix_1": (lambda x: linalg.norm(x, ord=1), lambda x: np.linalg.norm(x, ord=1), [A[0]]),
    "norm_matrix_inf": (lambda x: linalg.norm(x, ord=np.inf, axis=(0, 1), keepdims=True),
                        lambda x: np.linalg.norm(x, ord=np.inf, axis=(0, 1), keepdims=True),
                        [TALL]),
    "pinv": (linalg.pinv, np.linalg.pinv, [TALL]),
    "pinv_rcond": (lambda x: linalg.pinv(x, rcond=0.5), lambda x: np.linalg.pinv(x, rcond=0.5),
                   [np.diag([4.0, 1.0, 3.0]).astype("float32")]),
    "lstsq": (linalg.lstsq, lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0],
              [TALL, RNG.standard_normal(4).astype("float32")]),
}


@pytest.mark.parametrize("name", FORWARD)
def test_values_shapes_and_dtypes_match_numpy(name):
    fn, ref, inputs = FORWARD[name]
    out = fn(*inputs)
    expected = ref(*[np.asarray(x, "float64") for x in inputs])
    assert isinstance(out, ag.Tensor) and out.shape == expected.shape
    assert out.dtype == np.asarray(inputs[0]).dtype
    np.testing.assert_allclose(out.numpy(), expected, rtol=2e-4, atol=2e-5)


def test_decompositions_reconstruct_their_input():
    w, v = linalg.eigh(SYM)
    assert w.shape == (2, 3) and v.shape == (2, 3, 3) and w.dtype == np.float32
    np.testing.assert_allclose(w.numpy(), np.linalg.eigvalsh(SYM), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose((v.numpy() * w.numpy()[:, None]) @ v.numpy().transpose(0, 2, 1), SYM,
                               atol=1e-4)
    for x, full, shapes in [(TALL, True, [(4, 4), (3,), (3, 3)]),
                            (TALL, False, [(4, 3), (3,), (3, 3)]),
                            (WIDE, False, [(3, 3), (3,), (3, 5)])]:
        u, s, vh = linalg.svd(x, full_matrices=full)
        assert [t.shape for t in (u, s, vh)] == shapes
        k = len(s.numpy())
        np.testing.assert_allclose((u.numpy()[:, :k] * s.numpy()) @ vh.numpy()[:k], x, atol=1e-5)
    for mode, shapes in [("reduced", [(4, 3), (3, 3)]), ("complete", [(4, 4), (4, 3)])]:
        q, r = linalg.qr(TALL, mode=mode)
        assert [q.shape, r.shape] == shapes
        np.testing.assert_allclose(q.numpy() @ r.numpy(), TALL, atol=1e-5)
        np.testing.assert_allclose(np.tril(r.numpy(), -1), 0.0)
    w, v = linalg.eig(A[0])
    assert w.dtype == np.complex64 and v.shape == (3, 3)
    np.testing.assert_allclose(A[0] @ v.numpy(), v.numpy() * w.numpy(), atol=1e-4)
    assert linalg.eig(SYM[0])[0].dtype == np.complex64  # complex even with real eigenvalues


def test_lu_factor_pivots_and_factors():
    lu, piv = linalg.lu_factor(A)
    assert lu.shape == (2, 3, 3) and piv.shape == (2, 3) and piv.dtype == np.int32
    for i in range(2):
        low = np.tril(lu.numpy()[i], -1) + np.eye(3)
        permuted = A[i].copy()
        for k, p in enumerate(piv.numpy()[i]):  # the row swaps, in order
            permuted[[k, p]] = permuted[[p, k]]
        np.testing.assert_allclose(low @ np.triu(lu.numpy()[i]), permuted, atol=1e-5)


def test_matrix_rank_is_int32():
    rank = linalg.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]]))
    assert rank.dtype == np.int32 and rank.item() == 1
    assert linalg.matrix_rank(A).numpy().tolist() == [3, 3]
    assert linalg.matrix_rank(np.diag([1.0, 1e-3]), tol=1e-2).item() == 1


def _sign_free(u, vh=None):
    """Squares of the singular/eigen vectors: independent of their signs."""
    return (u * u,) if vh is None else (u * u, vh * vh)


def _f64(*shape):
    return RNG.standard_normal(shape)


GRADIENTS = {
    "inv": (linalg.inv, [_f64(2, 3, 3) + 3 * np.eye(3)]),
    "solve": (linalg.solve, [_f64(3, 3) + 3 * np.eye(3), _f64(2, 3, 2)]),
    "solve_triangular": (lambda a, b: linalg.solve_triangular(a, b, lower=True),
                         [_f64(3, 3) + 3 * np.eye(3), _f64(3)]),
    "det": (linalg.det, [_f64(2, 3, 3) + 2 * np.eye(3)]),
    "cholesky": (lambda x: linalg.cholesky(x @ ag.swapaxes(x, -1, -2) + ag.eye(3, dtype="float64")),
                 [_f64(3, 3)]),
    "cholesky_inverse": (linalg.cholesky_inverse, [np.tril(_f64(3, 3)) + 3 * np.eye(3)]),
    "eigh": (lambda x: (lambda w, v: (w,) + _sign_free(v))(
        *linalg.eigh(x + ag.swapaxes(x, -1, -2))), [_f64(3, 3)]),
    "svd": (lambda x: (lambda u, s, vh: (s,) + _sign_free(u, vh))(*linalg.svd(x, False)),
            [_f64(4, 3)]),
    "qr": (linalg.qr, [_f64(4, 3)]),
    "norm_nuc": (lambda x: linalg.norm(x, "nuc"), [_f64(3, 2)]),
    "norm_p": (lambda x: linalg.norm(x, 3, axis=0), [_f64(3, 2)]),
    "pinv": (linalg.pinv, [_f64(3, 2)]),
    "lstsq": (linalg.lstsq, [_f64(4, 2), _f64(4, 1)]),
}


@pytest.mark.parametrize("name", GRADIENTS)
def test_gradients_match_finite_differences(name):
    fn, inputs = GRADIENTS[name]
    assert gradcheck(fn, *[ag.tensor(x) for x in inputs], mode="full")


def test_norm_of_ints_is_float32_and_gradient_flows_in_float32():
    assert linalg.norm(np.arange(6).reshape(2, 3)).dtype == np.float32
    x = ag.tensor(A, requires_grad=True)
    linalg.det(x).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == A.shape
    np.testing.assert_allclose(x.grad.numpy(), np.linalg.det(A)[:, None, None] *
                               np.linalg.inv(A).transpose(0, 2, 1), rtol=1e-4)


def test_jvp_follows_the_keras_contract():
    x, t = ag.tensor([1.0, 2.0]), ag.tensor([1.0, 0.5])
    out, tangent = linalg.jvp(lambda v: v * v, (x,), (t,))
    np.testing.assert_allclose(out.numpy(), [1.0, 4.0])
    np.testing.assert_allclose(tangent.numpy(), [2.0, 2.0])
    out, tangent, aux = linalg.jvp(lambda v: (linalg.norm(v), "aux"), (x,), (t,), has_aux=True)
    assert aux == "aux"
    np.testing.assert_allclose(tangent.numpy(), (1.0 + 1.0) / np.sqrt(5.0), rtol=1e-6)


@pytest.mark.parametrize("call, match", [
    (lambda: linalg.inv(np.ones((2, 3))), r"keras.ops.linalg.inv: .*square.*\(2, 3\)"),
    (lambda: linalg.det(np.ones(3)), r"keras.ops.linalg.det: .*\(3,\)"),
    (lambda: linalg.solve(A, np.ones((2, 4, 1))), r"keras.ops.linalg.solve: .*3 rows.*\(2, 4, 1\)"),
    (lambda: linalg.qr(TALL, mode="r"), r"keras.ops.linalg.qr: mode .*'r'"),
    (lambda: linalg.cholesky(-np.eye(2)), r"keras.ops.linalg.cholesky: .*positive definite"),
    (lambda: linalg.norm(A, ord="fro", axis=-1), r"keras.ops.linalg.norm: ord 'fro'"),
    (lambda: linalg.norm(A, ord=3, axis=(1, 2)), r"keras.ops.linalg.norm: invalid ord 3"),
])
def test_bad_input_names_the_op_and_the_shapes(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_linalg_ops_on_symbolic_tensors_train_with_fit():
    inp = keras.Input((3,))
    h = layers.Dense(3, name="proj")(inp)
    normed = h / (linalg.norm(h, axis=-1, keepdims=True) + 1e-3)
    model = keras.Model(inp, layers.Dense(1, name="head")(normed))
    data = RNG.standard_normal((16, 3)).astype("float32")
    target = np.sign(data[:, :1]).astype("float32")
    w1, b1 = model.get_layer("proj").get_weights()
    w2, b2 = model.get_layer("head").get_weights()
    h_np = data @ w1 + b1
    expected = (h_np / (np.linalg.norm(h_np, axis=-1, keepdims=True) + 1e-3)) @ w2 + b2
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-6)
    model.compile("adam", "mse")
    first = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=10, verbose=0)
    assert model.evaluate(data, target, verbose=0) < first


def test_undefined_decomposition_gradients_raise_clear_errors():
    x = ag.tensor(TALL, requires_grad=True)
    with pytest.raises(NotImplementedError, match="svd: derivatives of full_matrices=True"):
        linalg.svd(x)[0].sum().backward()
    with pytest.raises(NotImplementedError, match=r"qr: derivatives need .*\(3, 5\)"):
        linalg.qr(ag.tensor(WIDE, requires_grad=True))[1].sum().backward()
