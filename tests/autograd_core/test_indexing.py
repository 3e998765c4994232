"""Indexing exactly as numpy, forward and backward: basic and advanced keys (hypothesis), tensors
as indices, separated advanced indices, repeated indices accumulating, index_add."""
import numpy as np
import pytest
from hypothesis import given

import autograd_core as ag
from autograd_core.testing import gradcheck
from autograd_core.testing import strategies as S


def _np_grad(shape, key, cotangent):
    g = np.zeros(shape)
    np.add.at(g, key, cotangent)
    return g


@given(S.data_for_shape(S.shapes(), S.indices))
def test_getitem_matches_numpy_and_its_gradient_accumulates(case):
    shape, key = case
    x = np.arange(float(np.prod(shape))).reshape(shape)
    t = ag.tensor(x, requires_grad=True)
    out = t[key]
    np.testing.assert_array_equal(out.numpy(), x[key])
    ct = np.arange(1.0, out.size + 1).reshape(out.shape)
    out.backward(ct)
    np.testing.assert_array_equal(t.grad.numpy(), _np_grad(shape, key, ct))


def test_repeated_indices_accumulate():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0, -1]].sum().backward()
    assert x.grad.numpy().tolist() == [3.0, 0.0, 2.0]
    m = ag.ones(2, 3, requires_grad=True)
    m[np.array([[1, 1], [1, 0]]), np.array([2, 2])].sum().backward()
    assert m.grad.numpy().tolist() == [[0, 0, 1], [0, 0, 3]]


def test_separated_advanced_indices_move_to_the_front():
    x = np.arange(24.0).reshape(2, 3, 4)
    t = ag.tensor(x, requires_grad=True)
    key = ([0, 1, 1], slice(None), [3, 0, 3])
    out = t[key]
    assert out.shape == x[key].shape == (3, 3)
    np.testing.assert_array_equal(out.numpy(), x[key])
    out.backward(np.ones((3, 3)))
    np.testing.assert_array_equal(t.grad.numpy(), _np_grad(x.shape, key, np.ones((3, 3))))


def test_tensors_as_indices():
    x = np.arange(12.0).reshape(3, 4)
    t = ag.tensor(x, requires_grad=True)
    rows = ag.tensor([2, 0, 2])
    mask = ag.tensor([True, False, True, True])
    np.testing.assert_array_equal(t[rows].numpy(), x[[2, 0, 2]])
    np.testing.assert_array_equal(t[:, mask].numpy(), x[:, [True, False, True, True]])
    np.testing.assert_array_equal(t[rows, ag.tensor(1)].numpy(), x[[2, 0, 2], 1])
    np.testing.assert_array_equal(t[t > 5.0].numpy(), x[x > 5])
    (t[rows].sum() + t[:, mask].sum()).backward()
    expected = _np_grad(x.shape, [2, 0, 2], np.ones((3, 4)))
    expected[:, [0, 2, 3]] += 1
    np.testing.assert_array_equal(t.grad.numpy(), expected)


def test_negative_steps_none_and_ellipsis():
    x = np.arange(24.0).reshape(2, 3, 4)
    t = ag.tensor(x)
    for key in [(Ellipsis, slice(None, None, -2)), (None, 1, Ellipsis, None),
                (slice(None, None, -1), 0, slice(3, 0, -1)), (Ellipsis,), ()]:
        np.testing.assert_array_equal(t[key].numpy(), x[key])


def test_index_add_accumulates_and_is_getitem_adjoint():
    src = ag.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ag.index_add(src, shape=(2,), key=[0, 0, 1]).numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(ag.index_add(src, shape=(3,), key=np.array([2, 2, 2])).numpy(),
                                  [0.0, 0.0, 6.0])
    np.testing.assert_array_equal(ag.index_add(ag.tensor(5.0), shape=(2,), key=1).numpy(), [0, 5])
    key = (np.array([0, 1, 0]), slice(None))
    assert gradcheck(lambda s: ag.index_add(s, shape=(2, 3), key=key), ag.randn(3, 3))
    assert gradcheck(lambda x: x[key], ag.randn(2, 3))


def test_iteration_and_len():
    t = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert len(t) == 2 and [r.numpy().tolist() for r in t] == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(TypeError, match="0-d"):
        len(ag.tensor(1.0))
