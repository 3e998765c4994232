"""conv1d / conv2d (with groups) / conv1d_transpose / conv2d_transpose / depthwise_conv1d /
depthwise_conv2d: values against direct numpy loops, gradients and gradients of gradients against
finite differences, output shapes over random geometry, and bad input."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd_core as ag
from autograd_core.primitives import windows
from autograd_core.testing import gradcheck, gradgradcheck
from autograd_core.testing.optable import (Case, Domain, OpSpec, np_conv, np_conv_transpose,
                                           np_depthwise, property_test)

rng = np.random.default_rng(0)


def tf_pads(n, k, s, d, padding):
    """TensorFlow's rule, written out independently of the implementation."""
    span = (k - 1) * d + 1
    if padding == "valid":
        return 0, 0
    out = -(-n // s)
    total = max((out - 1) * s + span - n, 0)
    return total // 2, total - total // 2


def ref_conv2d(x, w, b=None, stride=(1, 1), padding="valid", dilation=(1, 1)):
    """Direct loops over output positions and kernel taps."""
    (pt, pb), (pl, pr) = (tf_pads(x.shape[1], w.shape[0], stride[0], dilation[0], padding),
                          tf_pads(x.shape[2], w.shape[1], stride[1], dilation[1], padding))
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    kh, kw, _, o = w.shape
    ho = (xp.shape[1] - (kh - 1) * dilation[0] - 1) // stride[0] + 1
    wo = (xp.shape[2] - (kw - 1) * dilation[1] - 1) // stride[1] + 1
    y = np.zeros((x.shape[0], ho, wo, o))
    for i in range(ho):
        for j in range(wo):
            for a in range(kh):
                for c in range(kw):
                    y[:, i, j] += xp[:, i * stride[0] + a * dilation[0],
                                     j * stride[1] + c * dilation[1]] @ w[a, c]
    return y if b is None else y + b


def ref_conv2d_transpose(x, w, stride, padding, output_padding=None):
    """Scatter every input pixel through the kernel, then cut the Keras output window."""
    n, h, wd, _ = x.shape
    kh, kw, o, _ = w.shape
    full = np.zeros((n, (h - 1) * stride + kh, (wd - 1) * stride + kw, o))
    for i in range(h):
        for j in range(wd):
            for a in range(kh):
                for c in range(kw):
                    full[:, i * stride + a, j * stride + c] += x[:, i, j] @ w[a, c].T
    sizes = []
    for size, k in ((h, kh), (wd, kw)):
        if output_padding is None:
            sizes.append(size * stride if padding == "same" else size * stride + max(k - stride, 0))
        else:
            pad = k // 2 if padding == "same" else 0
            sizes.append((size - 1) * stride + k - 2 * pad + output_padding)
    starts = [tf_pads(size, k, stride, 1, padding)[0] for size, k in zip(sizes, (kh, kw))]
    out = np.zeros((n, sizes[0], sizes[1], o))
    part = full[:, starts[0]:starts[0] + sizes[0], starts[1]:starts[1] + sizes[1]]
    out[:, :part.shape[1], :part.shape[2]] = part
    return out


@pytest.fixture(params=["im2col", "rows"])
def path(request, monkeypatch):
    """Run a test on both convolution code paths (tiny problems normally take im2col)."""
    if request.param == "rows":
        monkeypatch.setattr(windows, "ROWS_MIN_POSITIONS", 0)
        monkeypatch.setattr(windows, "ROWS_MIN_DEPTH", 0)
    return request.param


CASES_2D = [  # (H, W, Cin, Cout, kh, kw, stride, padding, dilation)
    (7, 8, 3, 4, 3, 3, 1, "same", 1),
    (7, 8, 3, 4, 3, 3, 1, "valid", 1),
    (9, 7, 2, 3, 3, 2, 2, "same", 1),
    (9, 9, 2, 3, 2, 3, (2, 1), "valid", 1),
    (9, 9, 2, 3, 3, 3, 1, "same", 2),
    (6, 6, 2, 2, 1, 1, 1, "valid", 1),
    (5, 6, 2, 3, 4, 4, 3, "same", 1),
]


@pytest.mark.parametrize("case", CASES_2D)
def test_conv2d_matches_direct_loops(case, path):
    h, wd, c, o, kh, kw, stride, padding, dil = case
    x = rng.standard_normal((2, h, wd, c))
    w = rng.standard_normal((kh, kw, c, o))
    b = rng.standard_normal(o)
    s = (stride, stride) if isinstance(stride, int) else stride
    got = ag.nn.conv2d(ag.tensor(x), ag.tensor(w), ag.tensor(b), stride=stride, padding=padding,
                       dilation=dil).numpy()
    np.testing.assert_allclose(got, ref_conv2d(x, w, b, s, padding, (dil, dil)), atol=1e-10)


def test_conv2d_float32_stays_float32():
    x = ag.randn(2, 6, 6, 3)
    y = ag.nn.conv2d(x, ag.randn(3, 3, 3, 4), padding="same")
    assert y.dtype == np.float32
    ref = ref_conv2d(x.numpy().astype(np.float64), np.zeros((3, 3, 3, 4)))
    assert y.shape == (2, 6, 6, 4) and ref.shape == (2, 4, 4, 4)


@pytest.mark.parametrize("case", [CASES_2D[0], CASES_2D[2], CASES_2D[4], CASES_2D[6]])
def test_conv2d_gradients(case, path):
    h, wd, c, o, kh, kw, stride, padding, dil = case
    x, w, b = ag.randn(1, h, wd, c), ag.randn(kh, kw, c, o), ag.randn(o)
    assert gradcheck(lambda x, w, b: ag.nn.conv2d(x, w, b, stride=stride, padding=padding,
                                                  dilation=dil), x, w, b)


@pytest.mark.parametrize("stride,padding", [(1, "same"), (2, "same"), (2, "valid")])
def test_conv2d_gradient_of_gradient(stride, padding, path):
    x, w = ag.randn(1, 5, 5, 2), ag.randn(3, 3, 2, 2)
    assert gradgradcheck(lambda x, w: ag.nn.conv2d(x, w, stride=stride, padding=padding), x, w)


def test_conv2d_backward_matches_direct_formula():
    """dL/dw of sum(y * g) is the correlation of the input with g: check it entry by entry."""
    x = rng.standard_normal((2, 5, 6, 3))
    g = rng.standard_normal((2, 5, 6, 4))
    w = ag.tensor(rng.standard_normal((3, 3, 3, 4)), requires_grad=True)
    xt = ag.tensor(x, requires_grad=True)
    (ag.nn.conv2d(xt, w, padding="same") * ag.tensor(g)).sum().backward()
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    expected = np.zeros((3, 3, 3, 4))
    for a in range(3):
        for c in range(3):
            expected[a, c] = np.einsum("nhwi,nhwo->io", xp[:, a:a + 5, c:c + 6], g)
    np.testing.assert_allclose(w.grad.numpy(), expected, atol=1e-10)
    gp = np.pad(g, ((0, 0), (1, 1), (1, 1), (0, 0)))
    dx = np.zeros_like(x)
    for a in range(3):
        for c in range(3):
            dx += gp[:, 2 - a:7 - a, 2 - c:8 - c] @ w.numpy()[a, c].T
    np.testing.assert_allclose(xt.grad.numpy(), dx, atol=1e-10)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("stride,dilation", [(1, 1), (2, 1), (1, 2)])
def test_conv1d_matches_direct_loops(padding, stride, dilation):
    x = rng.standard_normal((2, 9, 3))
    w = rng.standard_normal((3, 3, 4))
    got = ag.nn.conv1d(ag.tensor(x), ag.tensor(w), stride=stride, padding=padding,
                       dilation=dilation).numpy()
    front = (3 - 1) * dilation
    if padding == "causal":
        xp = np.pad(x, ((0, 0), (front, 0), (0, 0)))
        ref = ref_conv2d(xp[:, None], w[None], stride=(1, stride), dilation=(1, dilation))[:, 0]
    else:
        ref = ref_conv2d(x[:, None], w[None], stride=(1, stride), padding=padding,
                         dilation=(1, dilation))[:, 0]
    np.testing.assert_allclose(got, ref, atol=1e-10)


def test_conv1d_causal_takes_stride_and_dilation_together():
    x = rng.standard_normal((2, 10, 3))
    w = rng.standard_normal((3, 3, 4))
    got = ag.nn.conv1d(ag.tensor(x), ag.tensor(w), stride=3, padding="causal", dilation=2).numpy()
    xp = np.pad(x, ((0, 0), (4, 0), (0, 0)))
    ref = np.stack([sum(xp[:, 3 * i + 2 * a] @ w[a] for a in range(3)) for i in range(4)], axis=1)
    np.testing.assert_allclose(got, ref, atol=1e-10)


def test_conv1d_causal_output_ignores_the_future():
    x = ag.randn(1, 8, 2, requires_grad=True)
    y = ag.nn.conv1d(x, ag.randn(3, 2, 2), padding="causal", dilation=2)
    y[0, 4].sum().backward()
    assert np.all(x.grad.numpy()[0, 5:] == 0) and np.any(x.grad.numpy()[0, :5] != 0)


def test_conv1d_gradients():
    x, w, b = ag.randn(2, 7, 2), ag.randn(3, 2, 3), ag.randn(3)
    assert gradcheck(lambda x, w, b: ag.nn.conv1d(x, w, b, padding="causal", dilation=2), x, w, b)
    assert gradgradcheck(lambda x, w: ag.nn.conv1d(x, w, stride=2, padding="same"), x, w)


TRANSPOSE_CASES = [(1, "valid", None), (1, "same", None), (2, "valid", None), (2, "same", None),
                   (3, "same", None), (2, "same", 1), (2, "valid", 1), (3, "valid", 2),
                   (2, "same", 0)]


@pytest.mark.parametrize("stride,padding,output_padding", TRANSPOSE_CASES)
@pytest.mark.parametrize("k", [2, 3])
def test_conv2d_transpose_matches_scatter(stride, padding, output_padding, k):
    if padding == "same" and output_padding == 0 and k % 2 == 0:
        pytest.skip("TensorFlow rejects this size: a 'same' conv of the output is not the input")
    x = rng.standard_normal((2, 4, 3, 3))
    w = rng.standard_normal((k, k, 2, 3))
    got = ag.nn.conv2d_transpose(ag.tensor(x), ag.tensor(w), stride=stride, padding=padding,
                                 output_padding=output_padding).numpy()
    np.testing.assert_allclose(got, ref_conv2d_transpose(x, w, stride, padding, output_padding),
                               atol=1e-10)


def test_conv2d_transpose_is_the_adjoint_of_conv2d():
    """<conv2d(x, w), y> == <x, conv2d_transpose(y, w)> for the matching geometry."""
    x = rng.standard_normal((2, 8, 8, 3))
    w = rng.standard_normal((3, 3, 3, 5))
    y = ag.nn.conv2d(ag.tensor(x), ag.tensor(w), stride=2, padding="same").numpy()
    v = rng.standard_normal(y.shape)
    back = ag.nn.conv2d_transpose(ag.tensor(v), ag.tensor(w), stride=2, padding="same").numpy()
    assert back.shape == x.shape
    np.testing.assert_allclose((y * v).sum(), (x * back).sum(), rtol=1e-10)


def test_conv2d_transpose_gradients():
    x, w, b = ag.randn(1, 3, 4, 2), ag.randn(3, 3, 3, 2), ag.randn(3)
    f = lambda x, w, b: ag.nn.conv2d_transpose(x, w, b, stride=2, padding="same",  # noqa: E731
                                               output_padding=1)
    assert gradcheck(f, x, w, b)
    assert gradgradcheck(lambda x, w: ag.nn.conv2d_transpose(x, w, stride=2), x, w)


@st.composite
def geometries(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (1, 1) if max(s) > 1 else (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    size = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    return size, k, s, d, draw(st.sampled_from(["valid", "same"]))


@given(geometries())
def test_conv2d_shapes_and_values_over_geometries(geom):
    (h, wd), k, s, d, padding = geom
    x = rng.standard_normal((1, h, wd, 2))
    w = rng.standard_normal(k + (2, 2))
    span = [(kk - 1) * dd + 1 for kk, dd in zip(k, d)]
    if padding == "valid" and (h < span[0] or wd < span[1]):
        with pytest.raises(ValueError, match="conv2d.*larger than the padded input"):
            ag.nn.conv2d(ag.tensor(x), ag.tensor(w), stride=s, padding=padding, dilation=d)
        return
    y = ag.nn.conv2d(ag.tensor(x), ag.tensor(w), stride=s, padding=padding, dilation=d)
    if padding == "same":
        expected = (-(-h // s[0]), -(-wd // s[1]))
    else:
        expected = ((h - span[0]) // s[0] + 1, (wd - span[1]) // s[1] + 1)
    assert y.shape == (1,) + expected + (2,)
    np.testing.assert_allclose(y.numpy(), ref_conv2d(x, w, None, s, padding, d), atol=1e-10)


@given(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3), st.sampled_from(["valid", "same"]))
def test_conv2d_transpose_output_shape(n, k, s, padding):
    y = ag.nn.conv2d_transpose(ag.ones(1, n, n, 1), ag.ones(k, k, 2, 1), stride=s, padding=padding)
    expected = n * s if padding == "same" else (n - 1) * s + max(k, s)
    assert y.shape == (1, expected, expected, 2)


@pytest.mark.parametrize("call,message", [
    (lambda: ag.nn.conv2d(ag.ones(1, 2, 2, 3), ag.ones(3, 3, 3, 4)),
     r"conv2d: the window \(3, 3\) is larger than the padded input.*\(1, 2, 2, 3\)"),
    (lambda: ag.nn.conv2d(ag.ones(1, 5, 5, 2), ag.ones(3, 3, 3, 4)),
     r"conv2d: input has 2 channels but the kernel \(3, 3, 3, 4\) expects 3"),
    (lambda: ag.nn.conv2d(ag.ones(1, 5, 5, 3), ag.ones(3, 3, 3, 4), stride=0),
     r"conv2d: strides must be positive, got \(0, 0\)"),
    (lambda: ag.nn.conv2d(ag.ones(1, 9, 9, 3), ag.ones(3, 3, 3, 4), stride=2, dilation=2),
     r"conv2d: dilation \(2, 2\) together with strides \(2, 2\)"),
    (lambda: ag.nn.conv2d(ag.ones(1, 5, 5, 3), ag.ones(3, 3, 3, 4), padding="causal"),
     r"conv2d: padding must be one of"),
    (lambda: ag.nn.conv2d(ag.ones(5, 5, 3), ag.ones(3, 3, 3, 4)),
     r"conv2d: input must have rank 4"),
    (lambda: ag.nn.conv2d(ag.ones(1, 5, 5, 3), ag.ones(3, 3, 3, 4), ag.ones(3)),
     r"conv2d: bias must have shape \(4,\)"),
    (lambda: ag.nn.conv1d(ag.ones(1, 2, 3), ag.ones(4, 3, 4)),
     r"conv1d: the window \(4,\) is larger than the padded input \(input \(1, 2, 3\), "
     r"kernel \(4, 3, 4\)"),
    (lambda: ag.nn.conv1d(ag.ones(1, 9, 3), ag.ones(3, 3, 4), stride=2, dilation=2),
     r"conv1d: dilation \(2,\) together with strides \(2,\) > 1 is not supported \(input "
     r"\(1, 9, 3\), kernel \(3, 3, 4\)\)"),
    (lambda: ag.nn.conv1d(ag.ones(1, 6, 3), ag.ones(3, 2, 4)),
     r"conv1d: input has 3 channels but the kernel \(3, 2, 4\) expects 2"),
    (lambda: ag.nn.conv1d(ag.ones(1, 6, 3), ag.ones(3, 3, 4), stride=-1, padding="causal"),
     r"conv1d: strides must be positive"),
    (lambda: ag.nn.conv2d_transpose(ag.ones(1, 5, 5, 3), ag.ones(3, 3, 4, 2)),
     r"conv2d_transpose: input has 3 channels but the kernel \(3, 3, 4, 2\) expects 2"),
    (lambda: ag.nn.conv2d_transpose(ag.ones(1, 5, 5, 3), ag.ones(3, 3, 4, 3), stride=2,
                                    output_padding=2),
     r"conv2d_transpose: output_padding 2 must be non-negative and smaller than the strides"),
    (lambda: ag.nn.depthwise_conv2d(ag.ones(1, 5, 5, 2), ag.ones(3, 3, 3, 2)),
     r"depthwise_conv2d: input has 2 channels but the kernel \(3, 3, 3, 2\) expects 3 "
     r"\(input shape \(1, 5, 5, 2\)\)"),
    (lambda: ag.nn.depthwise_conv2d(ag.ones(1, 2, 4, 3), ag.ones(3, 3, 3, 2)),
     r"depthwise_conv2d: the window \(3, 3\) is larger than the padded input \(input "
     r"\(1, 2, 4, 3\), kernel \(3, 3, 3, 2\).*padding='valid'"),
    (lambda: ag.nn.depthwise_conv2d(ag.ones(1, 5, 5, 3), ag.ones(3, 3, 3, 2), stride=(1, 0)),
     r"depthwise_conv2d: strides must be positive, got \(1, 0\)"),
    (lambda: ag.nn.depthwise_conv2d(ag.ones(1, 5, 5, 3), ag.ones(3, 3, 3, 2), dilation=-1),
     r"depthwise_conv2d: dilation must be positive"),
    (lambda: ag.nn.depthwise_conv2d(ag.ones(1, 9, 9, 3), ag.ones(3, 3, 3, 2), stride=2,
                                    dilation=(1, 2)),
     r"depthwise_conv2d: dilation \(1, 2\) together with strides \(2, 2\) > 1 is not supported "
     r"\(input \(1, 9, 9, 3\), kernel \(3, 3, 3, 2\)\)"),
    (lambda: ag.nn.depthwise_conv2d(ag.ones(1, 5, 5, 3), ag.ones(3, 3, 3, 2), ag.ones(3)),
     r"depthwise_conv2d: bias must have shape \(6,\), got \(3,\)"),
    (lambda: ag.nn.depthwise_conv2d(ag.ones(1, 5, 5, 3), ag.ones(3, 3, 3, 2), padding="full"),
     r"depthwise_conv2d: padding must be one of"),
    (lambda: ag.nn.depthwise_conv2d(ag.ones(1, 5, 5, 3), ag.ones(3, 3, 3)),
     r"depthwise_conv2d: kernel must have rank 4, got shape \(3, 3, 3\)"),
])
def test_bad_input_raises_a_named_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- depthwise_conv2d -----------------------------------------------------------------------------
def ref_depthwise(x, w, b=None, stride=1, padding="valid", dilation=1):
    """Each channel c through its own filters w[:, :, c] with the direct loops of ``ref_conv2d``;
    output channel c*M + m is filter m of channel c (TensorFlow's order)."""
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    y = np.concatenate([ref_conv2d(x[..., c:c + 1], w[:, :, c:c + 1], None, pair(stride), padding,
                                   pair(dilation)) for c in range(x.shape[-1])], axis=-1)
    return y if b is None else y + b


# (H, W, C, M, kh, kw, stride, padding, dilation): the conv2d geometries, Cout read as multiplier M
DEPTHWISE_CASES = CASES_2D + [(9, 8, 3, 1, 3, 2, 1, "valid", (2, 1)),
                              (4, 4, 2, 1, 4, 4, 1, "valid", 1), (5, 5, 4, 1, 3, 3, 1, "same", 1)]


@pytest.mark.parametrize("case", DEPTHWISE_CASES)
def test_depthwise_conv2d_matches_direct_loops(case):
    h, wd, c, m, kh, kw, stride, padding, dil = case
    x = rng.standard_normal((2, h, wd, c))
    w = rng.standard_normal((kh, kw, c, m))
    b = rng.standard_normal(c * m)
    got = ag.nn.depthwise_conv2d(ag.tensor(x), ag.tensor(w), ag.tensor(b), stride=stride,
                                 padding=padding, dilation=dil)
    np.testing.assert_allclose(got.numpy(), ref_depthwise(x, w, b, stride, padding, dil),
                               atol=1e-10)


def test_depthwise_conv2d_output_channel_is_c_times_m_plus_m():
    x = rng.standard_normal((1, 2, 3, 3))
    w = rng.standard_normal((1, 1, 3, 2))
    y = ag.nn.depthwise_conv2d(ag.tensor(x), ag.tensor(w)).numpy()
    for c in range(3):
        for m in range(2):
            np.testing.assert_allclose(y[..., c * 2 + m], x[..., c] * w[0, 0, c, m], atol=1e-12)


def test_depthwise_conv2d_float32_stays_float32_and_equals_grouped_conv2d():
    x, w = ag.randn(2, 6, 6, 3), ag.randn(3, 3, 3, 2)
    y = ag.nn.depthwise_conv2d(x, w, padding="same", stride=2)
    assert y.dtype == np.float32 and y.shape == (2, 3, 3, 6)
    # one conv2d per channel gives the same numbers
    per_channel = [ag.nn.conv2d(x[..., c:c + 1], w[:, :, c:c + 1], padding="same", stride=2)
                   for c in range(3)]
    np.testing.assert_allclose(y.numpy(), ag.concatenate(per_channel, axis=-1).numpy(),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", [DEPTHWISE_CASES[i] for i in (2, 4, 6, 7, 9)])
def test_depthwise_conv2d_gradients(case):
    h, wd, c, m, kh, kw, stride, padding, dil = case
    x, w, b = ag.randn(1, h, wd, c), ag.randn(kh, kw, c, m), ag.randn(c * m)
    f = lambda x, w, b: ag.nn.depthwise_conv2d(x, w, b, stride=stride,  # noqa: E731
                                               padding=padding, dilation=dil)
    assert gradcheck(f, x, w, b)
    assert gradcheck(f, x, w, b, mode="full")


@pytest.mark.parametrize("stride,padding,dilation,m", [(1, "same", 1, 2), (2, "same", 1, 1),
                                                       (2, "valid", 1, 3), (1, "same", 2, 2)])
def test_depthwise_conv2d_gradient_of_gradient(stride, padding, dilation, m):
    x, w, b = ag.randn(1, 5, 5, 2), ag.randn(3, 3, 2, m), ag.randn(2 * m)
    assert gradgradcheck(lambda x, w, b: ag.nn.depthwise_conv2d(
        x, w, b, stride=stride, padding=padding, dilation=dilation), x, w, b)


def test_depthwise_conv2d_backward_matches_direct_formula():
    """dL/dw[a, b, c, m] of sum(y * g) is sum over batch and positions of the tap times g."""
    x = rng.standard_normal((2, 5, 6, 3))
    g = rng.standard_normal((2, 5, 6, 6))
    w = ag.tensor(rng.standard_normal((3, 3, 3, 2)), requires_grad=True)
    (ag.nn.depthwise_conv2d(ag.tensor(x), w, padding="same") * ag.tensor(g)).sum().backward()
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    g5 = g.reshape(2, 5, 6, 3, 2)
    expected = np.zeros((3, 3, 3, 2))
    for a in range(3):
        for e in range(3):
            expected[a, e] = np.einsum("nhwc,nhwcm->cm", xp[:, a:a + 5, e:e + 6], g5)
    np.testing.assert_allclose(w.grad.numpy(), expected, atol=1e-10)


@st.composite
def depthwise_cases(draw):
    """x (1, H, W, C), w (kh, kw, C, M), b (C*M,) and a geometry whose window fits."""
    (h, wd), k, s, d, padding = draw(geometries())
    if any((kk - 1) * dd + 1 > n for kk, dd, n in zip(k, d, (h, wd))):
        padding = "same"
    c, m = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    arrays = (draw(Domain().points((1, h, wd, c))), draw(Domain().points(k + (c, m))),
              draw(Domain().points((c * m,))))
    return Case(arrays, {"stride": s, "padding": padding, "dilation": d})


DEPTHWISE_SPEC = OpSpec("depthwise_conv2d", ag.nn.depthwise_conv2d, ref_depthwise,
                        depthwise_cases())
# forward vs the loops, gradient, gradient of gradient, JVP and .backward() shapes/dtypes
test_depthwise_conv2d_properties = property_test(DEPTHWISE_SPEC)


@given(geometries(), st.integers(1, 3))
def test_depthwise_conv2d_output_shape_rule(geom, m):
    (h, wd), k, s, d, padding = geom
    x, w = ag.ones(2, h, wd, 3), ag.ones(*k, 3, m)
    span = [(kk - 1) * dd + 1 for kk, dd in zip(k, d)]
    if padding == "valid" and (h < span[0] or wd < span[1]):
        with pytest.raises(ValueError, match="depthwise_conv2d.*larger than the padded input"):
            ag.nn.depthwise_conv2d(x, w, stride=s, padding=padding, dilation=d)
        return
    if padding == "same":  # TensorFlow: ceil(n / s)
        expected = (-(-h // s[0]), -(-wd // s[1]))
    else:
        expected = ((h - span[0]) // s[0] + 1, (wd - span[1]) // s[1] + 1)
    y = ag.nn.depthwise_conv2d(x, w, stride=s, padding=padding, dilation=d)
    assert y.shape == (2,) + expected + (3 * m,)


# -- groups, conv1d_transpose, depthwise_conv1d ---------------------------------------------------
@pytest.mark.parametrize("groups", [2, 3])
def test_grouped_conv2d_is_one_conv2d_per_group(groups, path):
    x = rng.standard_normal((2, 7, 6, 2 * groups))
    w = rng.standard_normal((3, 2, 2, 2 * groups))
    b = rng.standard_normal(2 * groups)
    got = ag.nn.conv2d(ag.tensor(x), ag.tensor(w), ag.tensor(b), stride=2, padding="same",
                       groups=groups).numpy()
    ref = np.concatenate([ref_conv2d(x[..., 2 * g:2 * g + 2], w[..., 2 * g:2 * g + 2], None,
                                     (2, 2), "same") for g in range(groups)], axis=-1) + b
    np.testing.assert_allclose(got, ref, atol=1e-10)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_grouped_conv1d_matches_direct_loops(padding):
    x, w, b = rng.standard_normal((2, 9, 6)), rng.standard_normal((3, 2, 6)), rng.standard_normal(6)
    got = ag.nn.conv1d(ag.tensor(x), ag.tensor(w), ag.tensor(b), padding=padding, dilation=2,
                       groups=3)
    np.testing.assert_allclose(got.numpy(), np_conv(x, w, b, 1, padding, 2, groups=3), atol=1e-10)
    with_groups_one = ag.nn.conv1d(ag.tensor(x[..., :2]), ag.tensor(w), groups=1)
    np.testing.assert_allclose(with_groups_one.numpy(), np_conv(x[..., :2], w), atol=1e-10)


def test_grouped_conv_gradients_and_gradients_of_gradients():
    x, w, b = ag.randn(1, 4, 5, 4), ag.randn(2, 3, 2, 6), ag.randn(6)
    f = lambda x, w, b: ag.nn.conv2d(x, w, b, padding="same", groups=2)  # noqa: E731
    assert gradcheck(f, x, w, b)
    assert gradgradcheck(f, x, w, b)
    assert gradcheck(lambda x, w: ag.nn.conv1d(x, w, stride=2, groups=2),
                     ag.randn(2, 7, 4), ag.randn(3, 2, 2))


@pytest.mark.parametrize("stride,padding,output_padding,dilation", [
    (1, "valid", None, 1), (2, "valid", None, 1), (3, "same", None, 1), (2, "same", 1, 1),
    (3, "valid", 2, 1), (1, "same", None, 2), (1, "valid", None, 3)])
@pytest.mark.parametrize("k", [2, 3])
def test_conv1d_transpose_matches_scatter(stride, padding, output_padding, dilation, k):
    if padding == "same" and output_padding is not None and k % 2 == 0:
        pytest.skip("TensorFlow rejects this size: a 'same' conv of the output is not the input")
    x, w, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((k, 2, 3)), rng.standard_normal(2)
    got = ag.nn.conv1d_transpose(ag.tensor(x), ag.tensor(w), ag.tensor(b), stride=stride,
                                 padding=padding, output_padding=output_padding,
                                 dilation=dilation).numpy()
    np.testing.assert_allclose(got, np_conv_transpose(x, w, b, stride, padding, output_padding,
                                                      dilation), atol=1e-10)
    if dilation == 1:  # the 2-D scatter of the test above, on a height of 1
        flat = ref_conv2d_transpose(x[:, None], w[None], stride, padding, output_padding)
        if flat.shape[1] == 1:
            np.testing.assert_allclose(got, flat[:, 0] + b, atol=1e-10)


def test_conv1d_transpose_is_the_adjoint_of_conv1d_and_differentiates_twice():
    x, w = rng.standard_normal((2, 9, 3)), rng.standard_normal((3, 3, 4))
    y = ag.nn.conv1d(ag.tensor(x), ag.tensor(w), stride=2, padding="same").numpy()
    v = rng.standard_normal(y.shape)
    back = ag.nn.conv1d_transpose(ag.tensor(v), ag.tensor(w), stride=2, padding="same",
                                  output_padding=0).numpy()
    assert back.shape == x.shape
    np.testing.assert_allclose((y * v).sum(), (x * back).sum(), rtol=1e-10)
    f = lambda x, w, b: ag.nn.conv1d_transpose(x, w, b, stride=2, output_padding=1)  # noqa: E731
    args = ag.randn(1, 4, 2), ag.randn(3, 3, 2), ag.randn(3)
    assert gradcheck(f, *args) and gradgradcheck(f, *args)


@pytest.mark.parametrize("stride,padding,dilation,m", [
    (1, "valid", 1, 1), (2, "same", 1, 2), (1, "same", 2, 3), (3, "valid", 1, 2)])
def test_depthwise_conv1d_matches_direct_loops(stride, padding, dilation, m):
    x, w = rng.standard_normal((2, 9, 3)), rng.standard_normal((3, 3, m))
    b = rng.standard_normal(3 * m)
    got = ag.nn.depthwise_conv1d(ag.tensor(x), ag.tensor(w), ag.tensor(b), stride=stride,
                                 padding=padding, dilation=dilation).numpy()
    ref = ref_depthwise(x[:, None], w[None], b, (1, stride), padding, (1, dilation))[:, 0]
    np.testing.assert_allclose(got, ref, atol=1e-10)
    np.testing.assert_allclose(got, np_depthwise(x, w, b, stride, padding, dilation), atol=1e-10)


def test_depthwise_conv1d_gradients_and_gradients_of_gradients():
    f = lambda x, w, b: ag.nn.depthwise_conv1d(x, w, b, stride=2, padding="same")  # noqa: E731
    args = ag.randn(1, 7, 2), ag.randn(3, 2, 2), ag.randn(4)
    assert gradcheck(f, *args) and gradgradcheck(f, *args)


@pytest.mark.parametrize("call,message", [
    (lambda: ag.nn.conv2d(ag.ones(1, 5, 5, 6), ag.ones(3, 3, 2, 4), groups=4),
     r"conv2d: the number of input channels \(6\) must be divisible by groups=4 \(input "
     r"\(1, 5, 5, 6\), kernel \(3, 3, 2, 4\)\)"),
    (lambda: ag.nn.conv2d(ag.ones(1, 5, 5, 6), ag.ones(3, 3, 3, 3), groups=2),
     r"conv2d: the number of filters \(3\) must be divisible by groups=2"),
    (lambda: ag.nn.conv2d(ag.ones(1, 5, 5, 6), ag.ones(3, 3, 2, 4), groups=2),
     r"conv2d: input has 6 channels but the kernel \(3, 3, 2, 4\) with groups=2 expects 4"),
    (lambda: ag.nn.conv1d(ag.ones(1, 5, 6), ag.ones(3, 3, 4), groups=0),
     r"conv1d: groups must be a positive integer, got 0"),
    (lambda: ag.nn.conv1d_transpose(ag.ones(1, 5, 3), ag.ones(3, 4, 2)),
     r"conv1d_transpose: input has 3 channels but the kernel \(3, 4, 2\) expects 2"),
    (lambda: ag.nn.conv1d_transpose(ag.ones(1, 5, 3), ag.ones(3, 4, 3), stride=2,
                                    output_padding=2),
     r"conv1d_transpose: output_padding 2 must be non-negative and smaller than the strides "
     r"\(2,\)"),
    (lambda: ag.nn.conv1d_transpose(ag.ones(1, 5, 3), ag.ones(3, 4, 3), padding="causal"),
     r"conv1d_transpose: padding must be one of \('valid', 'same'\)"),
    (lambda: ag.nn.conv1d_transpose(ag.ones(1, 5, 5, 3), ag.ones(3, 4, 3)),
     r"conv1d_transpose: input must have rank 3"),
    (lambda: ag.nn.conv1d_transpose(ag.ones(1, 5, 3), ag.ones(3, 4, 3), stride=2, dilation=2),
     r"conv1d_transpose: dilation \(2,\) together with strides \(2,\) > 1 is not supported"),
    (lambda: ag.nn.depthwise_conv1d(ag.ones(1, 5, 3), ag.ones(3, 2, 2)),
     r"depthwise_conv1d: input has 3 channels but the kernel \(3, 2, 2\) expects 2"),
    (lambda: ag.nn.depthwise_conv1d(ag.ones(1, 2, 3), ag.ones(3, 3, 2)),
     r"depthwise_conv1d: the window \(3,\) is larger than the padded input \(input \(1, 2, 3\), "
     r"kernel \(3, 3, 2\), strides \(1,\), padding='valid'\)"),
    (lambda: ag.nn.depthwise_conv1d(ag.ones(1, 5, 3), ag.ones(3, 3, 2), padding="causal"),
     r"depthwise_conv1d: padding must be one of"),
    (lambda: ag.nn.depthwise_conv1d(ag.ones(1, 5, 3), ag.ones(3, 3, 2), ag.ones(3)),
     r"depthwise_conv1d: bias must have shape \(6,\), got \(3,\)"),
])
def test_new_conv_ops_name_their_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
