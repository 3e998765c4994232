"""Bad input gets a clear error naming the op and the shapes, dtypes or devices involved."""
import numpy as np
import pytest

import autograd_core as ag

A = ag.ones(2, 3)


@pytest.mark.parametrize("call,pattern", [
    (lambda: A + ag.ones(4), r"^add: .*\(2, ?3\).*\(4,\)"),
    (lambda: A * ag.ones(4), r"^mul: .*\(2, ?3\).*\(4,\)"),
    (lambda: ag.maximum(A, ag.ones(4)), r"^maximum: .*\(2, ?3\).*\(4,\)"),
    (lambda: ag.where(ag.ones(2) > 0, A, 1.0), r"^where: .*\(2,\).*\(2, ?3\)"),
    (lambda: A @ ag.ones(4, 2), r"^matmul: .*\(2, 3\) @ \(4, 2\)"),
    (lambda: ag.matmul(ag.tensor(1.0), A), r"^matmul: .*\(\) and \(2, 3\)"),
    (lambda: ag.concatenate([A, ag.ones(3, 3)], axis=1), r"^concatenate: .*\(2, 3\), \(3, 3\)"),
    (lambda: ag.stack([A, ag.ones(3, 2)]), r"^stack: .*\(2, 3\), \(3, 2\)"),
    (lambda: ag.broadcast_to(A, (4, 3)), r"^broadcast_to: .*\(2, 3\) to \(4, 3\)"),
    (lambda: A.reshape(4, 2), r"^reshape: .*\(2, 3\).*\(4, 2\)"),
    (lambda: A.squeeze(0), r"^squeeze: .*\(2, 3\)"),
    (lambda: A.transpose(0, 0), r"^transpose: .*\(2, 3\)"),
    (lambda: ag.split(A, 2, axis=1), r"^split: axis 1 of size 3"),
    (lambda: ag.einsum("ij,jk->ik", A, ag.ones(4, 2)), r"^einsum: index 'j' has sizes 3 and 4"),
    (lambda: A.sum(axis=2), r"^sum: axis 2 .*\(2, 3\)"),
    (lambda: ag.pad(A, ((0, -1), (0, 0))), r"^pad: negative"),
    (lambda: ag.max(ag.zeros(0)), r"^max: .*\(0,\)"),
])
def test_incompatible_shapes(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_bad_indices_name_getitem():
    with pytest.raises(IndexError, match=r"^getitem: .*out of bounds.*\(2, 3\)"):
        A[5]
    with pytest.raises(IndexError, match=r"^getitem: too many indices"):
        A[0, 0, 0]
    with pytest.raises(IndexError, match=r"getitem: .*integer \(or boolean\)"):
        A[ag.tensor([0.5])]


def test_backward_of_a_non_scalar_needs_a_gradient():
    y = ag.ones(2, 3, requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match=r"scalar output.*\(2, 3\)"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"gradient shape \(3,\).*\(2, 3\)"):
        y.backward(ag.ones(3))


def test_backward_without_a_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.ones(2).sum().backward()


@pytest.mark.parametrize("make", [lambda: ag.tensor([1, 2], requires_grad=True),
                                  lambda: ag.tensor([True], requires_grad=True),
                                  lambda: ag.zeros(2, dtype="int32", requires_grad=True),
                                  lambda: ag.arange(3).requires_grad_()])
def test_requires_grad_on_an_integer_tensor(make):
    with pytest.raises(TypeError, match=r"floating-point.*(int|bool).*astype"):
        make()


def test_vjp_and_jvp_shape_errors():
    _, pull = ag.vjp(lambda x: x * 2.0, ag.ones(2))
    with pytest.raises(ValueError, match=r"cotangent shape \(3,\).*\(2,\)"):
        pull(ag.ones(3))
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        ag.jvp(lambda a, b: a * b, (ag.ones(2), ag.ones(2)), (ag.ones(2),))


def test_in_place_assignment_to_a_tensor_that_requires_grad():
    x = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="__setitem__"):
        x[0] = 3.0
    y = ag.ones(3)
    y[1:] = ag.tensor([5.0, 6.0])
    assert y.numpy().tolist() == [1.0, 5.0, 6.0]


def test_non_numeric_data():
    with pytest.raises(TypeError, match="cannot make a tensor"):
        ag.tensor(object())


def test_register_hook_needs_requires_grad():
    with pytest.raises(RuntimeError, match="register_hook.*does not require grad"):
        ag.ones(2).register_hook(lambda g: g)


@pytest.mark.filterwarnings("ignore:Degrees of freedom:RuntimeWarning")
def test_degenerate_variance_divides_by_zero_as_numpy():
    with np.errstate(all="ignore"):
        for data, ddof in (([1.0, 2.0], 2), ([3.0], 1), ([1.0, 5.0], 3)):
            got = ag.var(ag.tensor(data), ddof=ddof).item()
            np.testing.assert_equal(got, np.float32(np.var(np.float32(data), ddof=ddof)))
        assert np.isnan(ag.std(ag.tensor([3.0]), ddof=1).item())
    assert ag.var(ag.tensor([1.0, 3.0]), ddof=1).item() == 2.0
