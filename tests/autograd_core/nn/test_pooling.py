"""Pooling and upsampling: values against direct numpy loops, gradient routing, gradients of
gradients, output shapes over random geometry, and bad input."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd_core as ag
from autograd_core.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(1)


def pads(n, k, s, padding):
    if padding == "valid":
        return 0, 0
    total = max((-(-n // s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def ref_pool2d(x, pool, strides, padding, kind):
    """Loop over output positions; only real (unpadded) elements take part."""
    (pt, _), (pl, _) = pads(x.shape[1], pool[0], strides[0], padding), \
        pads(x.shape[2], pool[1], strides[1], padding)
    if padding == "same":
        ho, wo = -(-x.shape[1] // strides[0]), -(-x.shape[2] // strides[1])
    else:
        ho = (x.shape[1] - pool[0]) // strides[0] + 1
        wo = (x.shape[2] - pool[1]) // strides[1] + 1
    out = np.zeros((x.shape[0], ho, wo, x.shape[3]))
    for i in range(ho):
        for j in range(wo):
            r0, c0 = i * strides[0] - pt, j * strides[1] - pl
            win = x[:, max(r0, 0):r0 + pool[0], max(c0, 0):c0 + pool[1]]
            out[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return out


POOL_CASES = [((2, 2), None, "valid"), ((2, 2), None, "same"), ((3, 3), (2, 2), "valid"),
              ((3, 3), (2, 2), "same"), ((2, 3), (1, 2), "same"), ((3, 2), (3, 1), "valid")]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("pool,strides,padding", POOL_CASES)
def test_pool2d_matches_direct_loops(kind, pool, strides, padding):
    x = rng.standard_normal((2, 7, 6, 3))
    op = ag.nn.max_pool2d if kind == "max" else ag.nn.avg_pool2d
    got = op(ag.tensor(x), pool, strides, padding).numpy()
    np.testing.assert_allclose(got, ref_pool2d(x, pool, strides or pool, padding, kind), atol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pool1d_matches_direct_loops(kind, padding):
    x = rng.standard_normal((2, 9, 3))
    op = ag.nn.max_pool1d if kind == "max" else ag.nn.avg_pool1d
    got = op(ag.tensor(x), 3, 2, padding).numpy()
    ref = ref_pool2d(x[:, None], (1, 3), (1, 2), padding, kind)[:, 0]
    np.testing.assert_allclose(got, ref, atol=1e-12)


def test_same_average_divides_by_real_elements():
    y = ag.nn.avg_pool2d(ag.ones(1, 3, 3, 1), 2, 2, "same").numpy()
    np.testing.assert_allclose(y, np.ones((1, 2, 2, 1)))


def test_same_max_ignores_padding():
    x = -np.ones((1, 3, 3, 1)) * 5
    assert np.all(ag.nn.max_pool2d(ag.tensor(x), 2, 2, "same").numpy() == -5)


@pytest.mark.parametrize("pool,strides,padding", POOL_CASES)
def test_max_pool_gradient_goes_to_the_argmax(pool, strides, padding):
    x = ag.tensor(rng.permutation(2 * 7 * 6 * 3).reshape(2, 7, 6, 3).astype(np.float64),
                  requires_grad=True)
    y = ag.nn.max_pool2d(x, pool, strides, padding)
    g = rng.standard_normal(y.shape)
    y.backward(ag.tensor(g))
    # every window sends its cotangent to the position of its maximum (windows may overlap)
    expected = np.zeros(x.shape)
    xs = x.numpy()
    s = strides or pool
    pt = pads(7, pool[0], s[0], padding)[0]
    pl = pads(6, pool[1], s[1], padding)[0]
    for i in range(y.shape[1]):
        for j in range(y.shape[2]):
            r0, c0 = max(i * s[0] - pt, 0), max(j * s[1] - pl, 0)
            r1, c1 = i * s[0] - pt + pool[0], j * s[1] - pl + pool[1]
            win = xs[:, r0:r1, c0:c1]
            for n in range(2):
                for c in range(3):
                    a, b = np.unravel_index(np.argmax(win[n, :, :, c]), win.shape[1:3])
                    expected[n, r0 + a, c0 + b, c] += g[n, i, j, c]
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=1e-12)


@pytest.mark.parametrize("pool,strides", [((2, 2), (2, 2)), ((3, 2), (3, 2)), ((2, 2), (1, 1)),
                                          ((2, 3), (2, 2))])
def test_max_pool_ties_in_every_window_route_to_the_first_maximum(pool, strides):
    # values from {0, 1, 2}: most windows hold tied maxima; tiled windows (pool == strides,
    # nothing left over) take a reshaped path, the others the strided one: both pick the first
    x = ag.tensor(rng.integers(0, 3, size=(2, 6, 6, 3)).astype(np.float64), requires_grad=True)
    y = ag.nn.max_pool2d(x, pool, strides)
    g = rng.standard_normal(y.shape)
    y.backward(ag.tensor(g))
    expected = np.zeros(x.shape)
    for i in range(y.shape[1]):
        for j in range(y.shape[2]):
            r0, c0 = i * strides[0], j * strides[1]
            win = x.numpy()[:, r0:r0 + pool[0], c0:c0 + pool[1]]
            for n in range(2):
                for c in range(3):
                    a, b = np.unravel_index(np.argmax(win[n, :, :, c]), pool)
                    expected[n, r0 + a, c0 + b, c] += g[n, i, j, c]
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=1e-12)


def test_max_pool_ties_route_to_the_first_element():
    x = ag.zeros(1, 2, 2, 1, requires_grad=True)
    ag.nn.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, :, :, 0], [[1, 0], [0, 0]])


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("pool,strides,padding", [((2, 2), None, "valid"), ((3, 3), (2, 2), "same")])
def test_pool_gradients_and_gradients_of_gradients(kind, pool, strides, padding):
    x = ag.tensor(rng.permutation(5 * 5 * 2).reshape(1, 5, 5, 2) / 7.0)  # distinct: no ties
    op = ag.nn.max_pool2d if kind == "max" else ag.nn.avg_pool2d
    f = lambda x: op(x, pool, strides, padding) ** 2  # noqa: E731
    assert gradcheck(f, x)
    assert gradgradcheck(f, x)


@st.composite
def pool_geometries(draw):
    pool = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    strides = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    size = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    return size, pool, strides, draw(st.sampled_from(["valid", "same"])), \
        draw(st.sampled_from(["max", "avg"]))


@given(pool_geometries())
def test_pool_shapes_and_values_over_geometries(geom):
    (h, w), pool, strides, padding, kind = geom
    x = rng.standard_normal((1, h, w, 2))
    op = ag.nn.max_pool2d if kind == "max" else ag.nn.avg_pool2d
    if padding == "valid" and (h < pool[0] or w < pool[1]):
        with pytest.raises(ValueError, match="pool2d.*larger than the padded input"):
            op(ag.tensor(x), pool, strides, padding)
        return
    y = op(ag.tensor(x), pool, strides, padding).numpy()
    np.testing.assert_allclose(y, ref_pool2d(x, pool, strides or pool, padding, kind), atol=1e-12)


def test_global_pooling():
    x = rng.standard_normal((2, 4, 5, 3))
    np.testing.assert_allclose(ag.nn.global_max_pool(ag.tensor(x)).numpy(), x.max(axis=(1, 2)))
    np.testing.assert_allclose(ag.nn.global_avg_pool(ag.tensor(x)).numpy(), x.mean(axis=(1, 2)))
    assert ag.nn.global_avg_pool(ag.tensor(x), keepdims=True).shape == (2, 1, 1, 3)
    x1 = rng.standard_normal((2, 6, 3))
    np.testing.assert_allclose(ag.nn.global_max_pool(ag.tensor(x1)).numpy(), x1.max(axis=1))


def test_upsampling_nearest():
    x = rng.standard_normal((2, 3, 4, 2))
    y = ag.nn.upsampling2d(ag.tensor(x), (2, 3)).numpy()
    np.testing.assert_array_equal(y, x.repeat(2, axis=1).repeat(3, axis=2))
    assert gradcheck(lambda x: ag.nn.upsampling2d(x, 2) ** 2, ag.tensor(x))


def test_upsampling_bilinear():
    x = rng.standard_normal((1, 3, 4, 2))
    y = ag.nn.upsampling2d(ag.tensor(x), 2, interpolation="bilinear").numpy()
    assert y.shape == (1, 6, 8, 2)

    def interp(n_in, i_out):  # half-pixel centres, clamped at the edges
        src = min(max((i_out + 0.5) / 2 - 0.5, 0), n_in - 1)
        lo = int(np.floor(src))
        return lo, min(lo + 1, n_in - 1), src - lo
    for i in range(6):
        for j in range(8):
            r0, r1, fr = interp(3, i)
            c0, c1, fc = interp(4, j)
            top = x[0, r0, c0] * (1 - fc) + x[0, r0, c1] * fc
            bottom = x[0, r1, c0] * (1 - fc) + x[0, r1, c1] * fc
            np.testing.assert_allclose(y[0, i, j], top * (1 - fr) + bottom * fr, atol=1e-12)
    assert gradcheck(lambda x: ag.nn.upsampling2d(x, 2, "bilinear"), ag.tensor(x))


@pytest.mark.parametrize("call,message", [
    (lambda: ag.nn.max_pool2d(ag.ones(1, 1, 4, 2), 2),
     r"max_pool2d: the window \(2, 2\) is larger than the padded input \(input \(1, 1, 4, 2\)"),
    (lambda: ag.nn.avg_pool2d(ag.ones(1, 4, 4, 2), 2, strides=0),
     r"avg_pool2d: strides must be positive, got \(0, 0\)"),
    (lambda: ag.nn.max_pool2d(ag.ones(4, 4, 2), 2), r"max_pool2d: input must have shape"),
    (lambda: ag.nn.max_pool1d(ag.ones(1, 4, 2), 2, padding="full"),
     r"max_pool1d: padding must be one of"),
    (lambda: ag.nn.avg_pool1d(ag.ones(2, 2, 3), 3),
     r"avg_pool1d: the window \(3,\) is larger than the padded input \(input \(2, 2, 3\), "
     r"pool_size \(3,\), strides \(3,\), padding='valid'\)"),
    (lambda: ag.nn.max_pool1d(ag.ones(2, 5, 3), 2, 0),
     r"max_pool1d: strides must be positive, got \(0,\) \(input \(2, 5, 3\)\)"),
    (lambda: ag.nn.max_pool1d(ag.ones(2, 5), 2),
     r"max_pool1d: input must have shape \(batch, steps, channels\), got \(2, 5\)"),
    (lambda: ag.nn.global_avg_pool(ag.ones(2, 5)),
     r"global_avg_pool: input must have at least one axis between batch and channels, "
     r"got shape \(2, 5\)"),
    (lambda: ag.nn.upsampling2d(ag.ones(1, 2, 2, 1), 2, interpolation="cubic"),
     r"upsampling2d: interpolation must be"),
])
def test_bad_input_raises_a_named_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _network_step(dev, arrays):
    """A small conv/pool/dropout/embedding/LSTM/loss step on ``dev``; returns loss and gradients."""
    x, w, table, zx, k = (ag.tensor(a).to(dev).requires_grad_() for a in arrays)
    h = ag.nn.max_pool2d(ag.nn.conv2d(x, w, padding="same"), 2)
    h = ag.nn.avg_pool2d(ag.nn.dropout(h, 0.5, training=True, seed=0), 3, 1, "same")
    e = ag.nn.embedding(np.array([[1, 2, 1]]), table)
    hs, _ = ag.nn.lstm_sequence(zx, ag.zeros(2, 3, device=dev), ag.zeros(2, 3, device=dev), k)
    loss = ag.nn.binary_crossentropy(ag.nn.sigmoid(h), ag.nn.sigmoid(h).detach()).mean() + \
        ag.nn.sparse_categorical_crossentropy(np.array([[0, 3, 1]]), e, from_logits=True).mean() + \
        (hs[:, -1] ** 2).sum()
    assert h.device == e.device == hs.device == loss.device == ag.device(dev)
    loss.backward()
    for t in (x, w, table, zx, k):
        assert t.grad.device == ag.device(dev)
    return [loss.numpy()] + [t.grad.numpy() for t in (x, w, table, zx, k)]


def _compare_with_cpu(dev):
    arrays = [rng.standard_normal(s).astype(np.float32)
              for s in ((2, 6, 6, 3), (3, 3, 3, 4), (5, 4), (2, 4, 12), (3, 12))]
    for got, want in zip(_network_step(dev, arrays), _network_step("cpu", arrays)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_results_and_gradients_stay_on_the_test_device():
    """The numpy-backed device 'cpu:1' stands in for a GPU; values match the plain CPU run."""
    _compare_with_cpu("cpu:1")


def test_results_and_gradients_on_each_device(device):
    """The suite's devices ('cuda' too when a GPU is usable) give the CPU values."""
    _compare_with_cpu(device)


def test_pool_sizes_may_be_numpy_integers():
    x = ag.tensor(rng.standard_normal((1, 6, 6, 2)))
    y = ag.nn.max_pool2d(x, np.int64(3), strides=np.int32(3))
    np.testing.assert_array_equal(y.numpy(), ag.nn.max_pool2d(x, 3).numpy())
    assert ag.nn.avg_pool1d(ag.tensor(rng.standard_normal((1, 6, 2))), np.int64(2)).shape == (1, 3, 2)


def test_average_of_integers_is_float32():
    x = np.arange(32).reshape(1, 4, 4, 2)
    y = ag.nn.avg_pool2d(x, 2)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], [[5, 9], [21, 25]])
    assert ag.nn.avg_pool1d(np.arange(8).reshape(1, 4, 2), 2).numpy().tolist() == [[[1, 2], [5, 6]]]
