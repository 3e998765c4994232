"""dtypes: float32 by default, weak Python scalars, gradients in their inputs' dtypes."""
import numpy as np
import pytest

import autograd_core as ag


def test_creation_defaults():
    assert ag.tensor([1.0, 2.0]).dtype == np.float32
    assert ag.tensor(1.5).dtype == np.float32
    assert ag.tensor(np.array([1.0])).dtype == np.float64  # an ndarray keeps its dtype
    assert ag.tensor([1, 2]).dtype.kind == "i"
    assert ag.tensor([1.0], dtype="float64").dtype == np.float64
    assert ag.tensor([1.0], dtype=np.float16).dtype == np.float16
    assert ag.zeros(2, 3).dtype == np.float32 and ag.ones((2,)).dtype == np.float32
    assert ag.randn(2).dtype == np.float32 and ag.rand(2).dtype == np.float32
    assert ag.arange(3).dtype.kind == "i"


@pytest.mark.parametrize("op", [lambda t, s: t + s, lambda t, s: s + t, lambda t, s: t * s,
                                lambda t, s: s / t, lambda t, s: t - s, lambda t, s: t ** s,
                                lambda t, s: s ** t, lambda t, s: ag.maximum(t, s),
                                lambda t, s: ag.where(t > 0, t, s)])
@pytest.mark.parametrize("scalar", [2.5, 3, np.float64(2.5)])
def test_python_scalars_are_weak(op, scalar):
    t = ag.tensor([1.0, 2.0])
    assert op(t, scalar).dtype == np.float32
    t64 = ag.tensor([1.0, 2.0], dtype="float64")
    assert op(t64, scalar).dtype == np.float64


def test_int_tensor_with_float_scalar_becomes_float32():
    i = ag.tensor([1, 2, 3])
    assert (i * 0.5).dtype == np.float32
    assert (0.5 * i).dtype == np.float32
    assert (i + 1).dtype == i.dtype
    np.testing.assert_allclose((i * 0.5).numpy(), [0.5, 1.0, 1.5])



@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: b - a, lambda a, b: a * b,
                                lambda a, b: a / b, lambda a, b: b / a, lambda a, b: ag.divide(b, a),
                                lambda a, b: ag.maximum(b, a), lambda a, b: ag.where(b > 1, a, b),
                                lambda a, b: ag.matmul(a, b), lambda a, b: ag.add(b.numpy(), a)])
@pytest.mark.parametrize("int_dtype", ["int64", "int32", "bool"])
def test_integer_tensors_take_the_float_dtype_they_meet(op, int_dtype):
    """As PyTorch: float32 with int64 stays float32 (numpy would give float64)."""
    for float_dtype in ("float32", "float64"):
        a = ag.tensor([1.5, 2.0, -3.0], dtype=float_dtype, requires_grad=True)
        b = ag.tensor(np.array([1, 2, 4]).astype(int_dtype))
        out = op(a, b)
        assert out.dtype == np.dtype(float_dtype)
        expected = op(ag.tensor(a.numpy().astype("float64")), ag.tensor(b.numpy().astype("float64")))
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
        ag.sum(out).backward()
        assert a.grad.dtype == np.dtype(float_dtype)


def test_true_division_of_integers_is_float32_and_comparisons_stay_exact():
    i, j = ag.tensor([1, 2, 3]), ag.tensor([2, 2, 2])
    for out in (i / j, i / 2, 2 / i, ag.divide(i, j), ag.true_divide(3, j)):
        assert out.dtype == np.float32
    np.testing.assert_array_equal((i / j).numpy(), [0.5, 1.0, 1.5])
    assert ag.clip(i, 0.5, 2.5).dtype == np.float32 and ag.clip(i, 1, 2).dtype == i.dtype
    np.testing.assert_array_equal(ag.clip(i, 0.5, 2.5).numpy(), [1.0, 2.0, 2.5])
    big, f = ag.tensor(np.array([2 ** 24 + 1])), ag.tensor(np.array([2.0 ** 24], np.float32))
    for same in (big == f, ag.equal(big, f), f == big, ag.equal(big, 2.0 ** 24)):
        assert not same.numpy()[0]  # float32 would round 2**24 + 1 to 2**24
    assert (big > f).numpy()[0] and ag.greater(big, 2.0 ** 24).numpy()[0]


@pytest.mark.parametrize("da,db", [("float32", "float64"), ("float64", "float32"),
                                   ("float32", "float32"), ("float16", "float32")])
def test_gradients_have_their_inputs_dtypes(da, db):
    a = ag.tensor([1.0, 2.0], dtype=da, requires_grad=True)
    b = ag.tensor([[3.0], [4.0]], dtype=db, requires_grad=True)  # broadcast too
    (a * b).sum().backward()
    assert a.grad.dtype == np.dtype(da) and b.grad.dtype == np.dtype(db)
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    ga, gb = ag.grad(lambda a, b: ag.sum(a * b), argnums=(0, 1))(a, b)
    assert ga.dtype == np.dtype(da) and gb.dtype == np.dtype(db)


def test_cast_gradients_flow_back_in_the_source_dtype():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.astype("float64")
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    x64 = ag.tensor([1.0], dtype="float64", requires_grad=True)
    (x64.astype(np.float32) * 3.0).sum().backward()
    assert x64.grad.dtype == np.float64 and x64.grad.item() == 3.0
    assert x.astype("float32") is x  # no-op cast


def test_cast_to_int_has_no_gradient():
    x = ag.tensor([1.7, 2.2], requires_grad=True)
    i = x.astype("int64")
    assert i.dtype == np.int64 and i.numpy().tolist() == [1, 2]
    (x * 2.0 + i.astype("float32")).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_comparisons_are_bool_without_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    for r in (x > 1.0, x >= 1.0, x < 1.0, x <= 1.0, x == 1.0, x != 1.0):
        assert r.dtype == np.bool_ and not r.requires_grad


def test_item_numpy_and_asarray():
    t = ag.tensor([[1.5]])
    assert t.item() == 1.5 and isinstance(t.item(), float)
    assert isinstance(t.numpy(), np.ndarray) and np.asarray(t).dtype == np.float32
    assert t.data is t.numpy()  # the live array on CPU
    t.data[0, 0] = 2.0
    assert t.item() == 2.0
