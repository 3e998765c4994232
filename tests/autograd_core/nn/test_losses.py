"""Cross-entropy losses: unreduced values as keras.ops computes them, clipping, stability of the
logits paths at +-1e4, gradients, and shape errors."""
import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.testing import gradcheck, gradgradcheck, strategies as S
from autograd_core.testing.optable import Case, Domain, OpSpec, property_test

rng = np.random.default_rng(2)
EPS = 1e-7


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def test_binary_crossentropy_probabilities():
    t = rng.integers(0, 2, (4, 3)).astype(np.float64)
    p = rng.uniform(0, 1, (4, 3))
    p[0, 0], p[1, 1] = 0.0, 1.0  # clipped to [1e-7, 1 - 1e-7]
    pc = np.clip(p, EPS, 1 - EPS)
    expected = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
    got = ag.nn.binary_crossentropy(ag.tensor(t), ag.tensor(p)).numpy()
    assert got.shape == (4, 3)  # elementwise: no mean over the last axis
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_binary_crossentropy_logits():
    t = rng.uniform(0, 1, (3, 5))
    x = rng.standard_normal((3, 5)) * 3
    expected = -(t * np.log(np_sigmoid(x)) + (1 - t) * np.log(1 - np_sigmoid(x)))
    got = ag.nn.binary_crossentropy(ag.tensor(t), ag.tensor(x), from_logits=True).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_categorical_crossentropy():
    t = np.eye(4)[rng.integers(0, 4, 5)]
    p = rng.uniform(0.1, 1, (5, 4))  # not normalized: Keras divides by the sum first
    pn = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    got = ag.nn.categorical_crossentropy(ag.tensor(t), ag.tensor(p)).numpy()
    np.testing.assert_allclose(got, -(t * np.log(pn)).sum(-1), rtol=1e-12)
    x = rng.standard_normal((5, 4))
    got = ag.nn.categorical_crossentropy(ag.tensor(t), ag.tensor(x), from_logits=True).numpy()
    np.testing.assert_allclose(got, -(t * np_log_softmax(x, -1)).sum(-1), rtol=1e-12)


def test_categorical_crossentropy_other_axis():
    t = np.moveaxis(np.eye(3)[rng.integers(0, 3, (2, 4))], -1, 1)  # classes on axis 1
    x = rng.standard_normal((2, 3, 4))
    got = ag.nn.categorical_crossentropy(ag.tensor(t), ag.tensor(x), from_logits=True,
                                         axis=1).numpy()
    np.testing.assert_allclose(got, -(t * np_log_softmax(x, 1)).sum(1), rtol=1e-12)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_matches_categorical_on_one_hot(from_logits):
    ids = rng.integers(0, 6, (3, 4))
    out = rng.uniform(0.05, 1, (3, 4, 6)) if not from_logits else rng.standard_normal((3, 4, 6))
    sparse = ag.nn.sparse_categorical_crossentropy(ids, ag.tensor(out), from_logits=from_logits)
    dense = ag.nn.categorical_crossentropy(ag.tensor(np.eye(6)[ids]), ag.tensor(out),
                                           from_logits=from_logits)
    assert sparse.shape == (3, 4)
    np.testing.assert_allclose(sparse.numpy(), dense.numpy(), rtol=1e-12)
    # a trailing axis of size 1 and another class axis give the same values
    again = ag.nn.sparse_categorical_crossentropy(ids[..., None], ag.tensor(out),
                                                  from_logits=from_logits)
    np.testing.assert_allclose(again.numpy(), dense.numpy(), rtol=1e-12)
    moved = ag.nn.sparse_categorical_crossentropy(ids, ag.tensor(np.moveaxis(out, -1, 0)),
                                                  from_logits=from_logits, axis=0)
    np.testing.assert_allclose(moved.numpy(), dense.numpy(), rtol=1e-12)


def test_logits_paths_are_stable_at_large_logits():
    x = ag.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]], dtype=np.float32),
                  requires_grad=True)
    t = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype=np.float32)
    losses = [ag.nn.binary_crossentropy(t, x, from_logits=True),
              ag.nn.categorical_crossentropy(t / t.sum(-1, keepdims=True), x, from_logits=True),
              ag.nn.sparse_categorical_crossentropy(np.array([0, 0]), x, from_logits=True)]
    bce = losses[0].numpy()
    np.testing.assert_allclose(bce, [[0, 0, np.log(2)], [1e4, 1e4, 3 + np.log1p(np.exp(-3))]],
                               rtol=1e-6)
    np.testing.assert_allclose(losses[2].numpy(), [0.0, 2e4], rtol=1e-6)
    for fn in (lambda x: ag.nn.binary_crossentropy(t, x, from_logits=True),
               lambda x: ag.nn.categorical_crossentropy(t / t.sum(-1, keepdims=True), x,
                                                        from_logits=True),
               lambda x: ag.nn.sparse_categorical_crossentropy(np.array([0, 0]), x,
                                                               from_logits=True)):
        value = fn(x)
        grad = ag.grad(lambda x: fn(x).sum())(x).numpy()
        assert np.all(np.isfinite(value.numpy())) and np.all(np.isfinite(grad))
        assert np.all(np.abs(grad) <= 1 + 1e-6)


def test_logits_paths_keep_float32_precision_next_to_large_logits():
    # two tied logits of 1e4: the loss is log 2, not log 2 rounded at the scale of 1e4
    x = np.array([[1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]], dtype=np.float32)
    t = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype=np.float32)
    cce = ag.nn.categorical_crossentropy(t, x, from_logits=True).numpy()
    sparse = ag.nn.sparse_categorical_crossentropy(np.array([0, 2]), x, from_logits=True).numpy()
    np.testing.assert_allclose(cce, [np.log(2), np.log(3)], rtol=1e-6)
    np.testing.assert_allclose(sparse, [np.log(2), np.log(3)], rtol=1e-6)
    np.testing.assert_allclose(ag.nn.log_softmax(x).numpy()[0], [-np.log(2), -np.log(2), -2e4 - np.log(2)],
                               rtol=1e-6)
    big = np.array([1e15, 1e15, 0.0])  # float64: exact to rounding as well
    np.testing.assert_allclose(ag.nn.log_softmax(big).numpy()[:2], -np.log(2), rtol=1e-12)


def test_binary_crossentropy_mixed_second_derivative_at_hard_targets():
    # d2L / (dt dp) = -1/p - 1/(1 - p), also where t is exactly 0 or 1
    t = np.array([0.0, 1.0, 0.0, 1.0])
    p = ag.tensor(np.array([0.4, 0.7, 0.9, 0.2]))

    def dloss_dt(t):
        return ag.grad(lambda p: ag.nn.binary_crossentropy(t, p).sum())(p)
    mixed = ag.jacobian(lambda t: dloss_dt(t))(ag.tensor(t)).numpy()
    pv = p.numpy()
    np.testing.assert_allclose(np.diag(mixed), -1 / pv - 1 / (1 - pv), rtol=1e-12)


def test_probability_paths_clip_instead_of_overflowing():
    p = ag.tensor(np.array([[0.0, 1.0]], dtype=np.float32))
    t = np.array([[1.0, 0.0]], dtype=np.float32)
    bce = ag.nn.binary_crossentropy(t, p).numpy()
    hi = np.float32(1 - 1e-7)  # the upper clip bound as float32 rounds it
    np.testing.assert_allclose(bce, [[-np.log(np.float32(1e-7)), -np.log(np.float32(1) - hi)]],
                               rtol=1e-5)
    cce = ag.nn.categorical_crossentropy(t, p).numpy()
    assert np.all(np.isfinite(cce))


@pytest.mark.parametrize("name", ["binary", "categorical", "sparse"])
@pytest.mark.parametrize("from_logits", [False, True])
def test_loss_gradients(name, from_logits):
    out = ag.tensor(rng.uniform(0.1, 0.9, (3, 4)) if not from_logits else rng.standard_normal((3, 4)))
    if name == "binary":
        t = rng.uniform(0, 1, (3, 4))
        f = lambda o, t: ag.nn.binary_crossentropy(t, o, from_logits=from_logits)  # noqa: E731
        assert gradcheck(f, out, ag.tensor(t))
    elif name == "categorical":
        t = rng.dirichlet(np.ones(4), 3)
        f = lambda o, t: ag.nn.categorical_crossentropy(t, o, from_logits=from_logits)  # noqa: E731
        assert gradcheck(f, out, ag.tensor(t))
    else:
        ids = rng.integers(0, 4, 3)
        f = lambda o: ag.nn.sparse_categorical_crossentropy(ids, o, from_logits=from_logits)  # noqa: E731
        assert gradcheck(f, out)
        assert gradgradcheck(f, out)


def test_sigmoid_cross_entropy_gradient_of_gradient():
    x, t = ag.randn(3, 2), ag.rand(3, 2)
    assert gradgradcheck(lambda x, t: ag.nn.binary_crossentropy(t, x, from_logits=True), x, t)


@pytest.mark.parametrize("call,message", [
    (lambda: ag.nn.binary_crossentropy(ag.ones(3, 1), ag.ones(3)),
     r"binary_crossentropy: target and output must have the same shape, got target \(3, 1\)"),
    (lambda: ag.nn.categorical_crossentropy(ag.ones(3, 4), ag.ones(3, 5)),
     r"categorical_crossentropy: target and output must have the same shape"),
    (lambda: ag.nn.sparse_categorical_crossentropy(np.array([0, 1]), ag.ones(3, 5)),
     r"sparse_categorical_crossentropy: target shape \(2,\) does not match output shape \(3, 5\)"),
    (lambda: ag.nn.sparse_categorical_crossentropy(np.array([0, 5, 1]), ag.ones(3, 5)),
     r"sparse_categorical_crossentropy: class ids must lie in \[0, 5\)"),
])
def test_bad_input_raises_a_named_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@st.composite
def probability_cases(draw):
    """Targets in [0, 1] and positive probabilities of one shape, and an axis of that shape;
    within [0.2, 3] renormalized values stay clear of the clip bounds except on axes of size 1."""
    shape = draw(S.shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return Case((draw(Domain(0.0, 1.0).points(shape)), draw(Domain(0.2, 3.0).points(shape))),
                {"axis": axis})


def ref_probability_cross_entropy(t, p, axis):
    return -np.sum(t * np.log(np.clip(p / p.sum(axis, keepdims=True), EPS, 1 - EPS)), axis)


# the probabilities path of categorical_crossentropy is one primitive: forward vs numpy, gradient
# and gradient of gradient (targets too), JVP, and .backward() shapes and dtypes
test_probability_cross_entropy_properties = property_test(OpSpec(
    "probability_cross_entropy", ag.nn.probability_cross_entropy, ref_probability_cross_entropy,
    probability_cases(), kind="primitive"))


def test_probability_cross_entropy_gradient_is_zero_where_clipped():
    p = ag.tensor(np.array([[0.0, 1.0, 1e-9], [0.2, 0.3, 0.5]]), requires_grad=True)
    t = ag.tensor(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), requires_grad=True)
    ag.nn.categorical_crossentropy(t, p).sum().backward()
    # row 0: every renormalized value is clipped, so nothing flows back to p; row 1: (sum(u q) - u)/s
    u = np.array([0.0, 1.0 / 0.3, 0.0])
    np.testing.assert_allclose(p.grad.numpy(), [[0.0, 0.0, 0.0], 1.0 - u], rtol=1e-12)
    np.testing.assert_allclose(t.grad.numpy()[0], -np.log([1e-7, 1 - 1e-7, 1e-7]), rtol=1e-12)
