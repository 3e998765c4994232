"""keras.ops core: conversion and dtypes, slicing and scatter against naive references, control
flow (differentiable Python loops), custom gradients, errors, and use inside a functional model."""
import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from autograd_core.testing import gradcheck
from keras_facade import ops
from keras_facade.ops import core

R = np.random.default_rng(1)
A = R.standard_normal((3, 4)).astype("float32")
V = R.standard_normal(5).astype("float32")


def _naive_scatter(indices, values, shape):
    out = np.zeros(shape, values.dtype)
    for i, idx in enumerate(indices):
        out[tuple(idx)] += values[i]
    return out


def test_names_are_keras():
    assert set(core.__all__) >= {"cast", "convert_to_tensor", "scan", "custom_gradient"}
    assert len(core.__all__) == len(set(core.__all__)) == 24
    assert all(getattr(ops, n) is getattr(core, n) for n in core.__all__)


@pytest.mark.parametrize("value,dtype", [
    (3, "int32"), (3.0, "float32"), (True, "bool"), ([1, 2], "int32"), ([1, 2.5], "float32"),
    (np.zeros(2), "float64"), (np.zeros(2, "int64"), "int64"), (np.float64(1), "float64"),
    (ag.tensor([1.0], dtype="float64"), "float64"), ([ag.tensor(1.0), ag.tensor(2.0)], "float32")])
def test_convert_to_tensor_dtypes(value, dtype):
    t = ops.convert_to_tensor(value)
    assert isinstance(t, ag.Tensor) and str(t.dtype) == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(value, float))
    assert str(ops.convert_to_tensor(value, dtype="float16").dtype) == "float16"


def test_conversion_and_queries():
    t = ops.convert_to_tensor(A)
    arr = ops.convert_to_numpy(t)
    assert isinstance(arr, np.ndarray) and np.array_equal(arr, A)
    assert ops.is_tensor(t) and not ops.is_tensor(A)
    assert ops.dtype(t) == "float32" and ops.dtype(np.zeros(2, "int8")) == "int8"
    assert ops.shape(t) == (3, 4) and ops.shape([[1, 2]]) == (1, 2)
    cast = ops.cast(A * 3, "int32")
    assert str(cast.dtype) == "int32"
    np.testing.assert_array_equal(cast.numpy(), (A * 3).astype("int32"))  # truncation


def test_saturate_cast():
    out = ops.saturate_cast(np.array([300.0, -5.0, 7.5]), "uint8")
    assert str(out.dtype) == "uint8" and out.numpy().tolist() == [255, 0, 7]
    out = ops.saturate_cast(np.array([300, -200, 5]), "int8")
    assert out.numpy().tolist() == [127, -128, 5]
    assert np.isfinite(ops.saturate_cast(np.array([1e6, -1e6]), "float16").numpy()).all()


def test_unstack_slice_scatter_values():
    parts = ops.unstack(A, axis=1)
    assert len(parts) == 4 and all(p.shape == (3,) for p in parts)
    np.testing.assert_array_equal(parts[2].numpy(), A[:, 2])
    np.testing.assert_array_equal(ops.slice(A, (1, 1), (2, 2)).numpy(), A[1:3, 1:3])
    upd = ops.slice_update(A, (1, 2), np.ones((2, 2), "float32"))
    expected = A.copy()
    expected[1:3, 2:4] = 1
    np.testing.assert_array_equal(upd.numpy(), expected)
    idx = np.array([[0, 1], [2, 0], [0, 1]])
    np.testing.assert_array_equal(ops.scatter(idx, V[:3], (3, 2)).numpy(),
                                  _naive_scatter(idx, V[:3], (3, 2)))  # repeats add up
    rows = ops.scatter([[1], [3]], A[:2], (4, 4)).numpy()
    assert rows.shape == (4, 4) and np.array_equal(rows[1], A[0]) and not rows[0].any()
    out = ops.scatter_update(A, [[0, 1], [2, 3]], V[:2]).numpy()
    expected = A.copy()
    expected[0, 1], expected[2, 3] = V[0], V[1]
    np.testing.assert_array_equal(out, expected)
    out = ops.scatter_update(A, [[0, 1]], V[:1], reduction="add").numpy()
    assert out[0, 1] == pytest.approx(A[0, 1] + V[0])


GRADS = [
    ("cast", lambda x: ops.cast(x, "float64") * 2),
    ("unstack", lambda x: ops.unstack(x, axis=1)[2] * ops.unstack(x)[0][:3]),
    ("slice", lambda x: ops.slice(x, (1, 1), (2, 2))),
    ("slice_update", lambda x: ops.slice_update(x, (1, 2), x[:2, :2] * 3)),
    ("scatter", lambda x: ops.scatter([[0, 1], [2, 0], [0, 1]], x[0, :3], (3, 2))),
    ("scatter_update", lambda x: ops.scatter_update(x, [[0, 1], [2, 3]], x[1, :2] ** 2)),
    ("fori_loop", lambda x: ops.fori_loop(0, 3, lambda i, v: v * x + i, x)),
    ("while_loop", lambda x: ops.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * x),
                                            (0, x))[1]),
    ("scan", lambda x: ops.scan(lambda c, r: (c * r + 1, c * 2), x[0], x)[1]),
    ("associative_scan", lambda x: ops.associative_scan(lambda a, b: a * b, x, axis=1)),
    ("map", lambda x: ops.map(lambda r: r * r[0], x)),
]


@pytest.mark.parametrize("name,fn", GRADS, ids=[g[0] for g in GRADS])
def test_gradients(name, fn):
    assert gradcheck(fn, A.astype("float64"))


def test_stop_gradient_cuts_the_graph():
    x = ag.tensor(A, requires_grad=True)
    (ops.stop_gradient(x) * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), A)


def test_control_flow_values():
    assert ops.cond(ag.tensor(True), lambda: 1, lambda: 2) == 1
    assert ops.switch(7, [lambda v: v, lambda v: v * 3], 2) == 6  # index clipped
    assert ops.switch(-1, [lambda v: v, lambda v: v * 3], 2) == 2
    assert ops.while_loop(lambda i: i < 10, lambda i: i * 2, 1) == 16
    assert ops.while_loop(lambda i, s: True, lambda i, s: (i + 1, s + i), [0, 0],
                          maximum_iterations=4) == [4, 6]
    assert ops.fori_loop(0, 5, lambda i, v: v + i, 0) == 10
    carry, ys = ops.scan(lambda c, x: (c + x, c), ag.zeros(4), A)
    np.testing.assert_allclose(carry.numpy(), A.sum(0), rtol=1e-6)
    np.testing.assert_allclose(ys.numpy(), np.cumsum(A, 0) - A, rtol=1e-6, atol=1e-6)
    carry, ys = ops.scan(lambda c, x: (c * 0.5 + x, c), ag.ones(4), A, reverse=True)
    expected = np.ones(4)
    for row in A[::-1]:
        expected = expected * 0.5 + row
    np.testing.assert_allclose(carry.numpy(), expected, rtol=1e-6)
    carry, ys = ops.scan(lambda c, _: (c + 1, None), 0, length=3)
    assert carry == 3 and ys is None
    out = ops.associative_scan(lambda a, b: a + b, A, reverse=True, axis=1)
    np.testing.assert_allclose(out.numpy(), np.cumsum(A[:, ::-1], 1)[:, ::-1], rtol=1e-5,
                               atol=1e-6)
    pair = ops.associative_scan(lambda a, b: (a[0] + b[0], a[1] * b[1]), (A, A))
    np.testing.assert_allclose(pair[1].numpy(), np.cumprod(A, 0), rtol=1e-5)
    np.testing.assert_allclose(ops.map(lambda r: r * 2, A).numpy(), A * 2)
    mapped = ops.vectorized_map(lambda r: {"s": r[0], "d": r * r}, A)
    assert mapped["s"].shape == (3,) and mapped["d"].shape == (3, 4)


def test_custom_gradient():
    @ops.custom_gradient
    def log1pexp(x):
        e = ag.exp(x)

        def grad(*args, upstream=None):
            upstream = args[0] if upstream is None else upstream
            return upstream * (1.0 - 1.0 / (1 + e)) * 2  # twice the true derivative

        return ag.log(1 + e), grad

    @ops.custom_gradient
    def product(a, b):
        def grad(g):
            return g * b, g * 10.0
        return a * b, grad

    @ops.custom_gradient
    def keyword_style(a):
        def grad(*args, upstream):  # the inputs first, the cotangent as a keyword
            return upstream * args[0] * 3
        return a * 1.0, grad

    x = ag.tensor(V, requires_grad=True)
    y = log1pexp(x)
    np.testing.assert_allclose(y.numpy(), np.log1p(np.exp(V)), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 / (1 + np.exp(-V)), rtol=1e-5)
    a, b = ag.tensor(V, requires_grad=True), ag.tensor(2 * V, requires_grad=True)
    product(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * V)
    np.testing.assert_allclose(b.grad.numpy(), np.full(5, 10.0))
    gk = ag.grad(lambda t: keyword_style(t).sum())(ag.tensor(V))
    np.testing.assert_allclose(gk.numpy(), 3 * V, rtol=1e-6)


ERRORS = [
    (lambda: ops.cast(A, "no-such-type"), TypeError, "keras.ops.cast.*no-such-type"),
    (lambda: ops.convert_to_tensor(["a"], dtype="float32"), TypeError,
     "keras.ops.convert_to_tensor"),
    (lambda: ops.convert_to_tensor(A, sparse=True), ValueError, "keras.ops.convert_to_tensor"),
    (lambda: ops.unstack(A, num=3, axis=1), ValueError, "keras.ops.unstack.*num=3"),
    (lambda: ops.slice(A, (2, 2), (2, 2)), ValueError, "keras.ops.slice.*(3, 4)"),
    (lambda: ops.slice(A, (1,), (2,)), ValueError, "keras.ops.slice.*1 start"),
    (lambda: ops.slice_update(A, (2, 3), np.ones((2, 2))), ValueError, "keras.ops.slice_update"),
    (lambda: ops.scatter([[5]], [1.0], (3,)), IndexError, "keras.ops.scatter"),
    (lambda: ops.scatter([[0.5]], [1.0], (3,)), TypeError, "keras.ops.scatter.*integers"),
    (lambda: ops.scatter_update(A, [[0, 0]], [1.0], reduction="max"), ValueError,
     "keras.ops.scatter_update.*'max'"),
    (lambda: ops.scan(lambda c, x: (c, x), 0), ValueError, "keras.ops.scan"),
]


@pytest.mark.parametrize("call,error,match", ERRORS)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_symbolic_tensors_in_a_functional_model():
    inp = keras.layers.Input((4,))
    assert ops.shape(inp) == (None, 4) and ops.dtype(inp) == "float32"
    h = keras.layers.Dense(4)(inp)
    h = ops.cast(ops.stop_gradient(inp), "float64") + ops.cast(h, "float64")
    parts = ops.unstack(ops.cast(h, "float32"), axis=1)
    assert len(parts) == 4 and ops.shape(parts[0]) == (None,)
    out = keras.layers.Dense(1)(ops.concatenate([ops.expand_dims(p, 1) for p in parts[:2]], 1))
    model = keras.models.Model(inp, out)
    model.compile("sgd", "mse")
    x = R.standard_normal((32, 4)).astype("float32")
    losses = model.fit(x, x[:, :1], epochs=3, batch_size=8, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_core_ops_on_the_test_device():
    keras.backend.set_device("cpu:1")
    try:
        dev = ag.device("cpu:1")
        x = ag.tensor(A, device="cpu:1", requires_grad=True)
        outs = [ops.convert_to_tensor([1, 2]), ops.scatter([[1]], [2.0], (3,)),
                ops.slice_update(x, (0, 0), [[1.0]]), ops.scatter_update(x, [[0, 0]], [1.0]),
                ops.saturate_cast(x, "int8"), ops.unstack(x)[0], ops.map(lambda r: r * 2, x)]
        assert all(o.device == dev for o in outs)
        ops.scan(lambda c, r: (c * r, c), ops.ones(4), x)[0].sum().backward()
        assert x.grad.device == dev
    finally:
        keras.backend.set_device("cpu")
