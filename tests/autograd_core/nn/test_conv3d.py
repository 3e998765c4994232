"""conv3d / conv3d_transpose / max_pool3d / avg_pool3d: values against direct numpy loops,
gradients and gradients of gradients against float64 finite differences, first-maximum routing,
'same' average counts, and bad input. (The op table runs the same ops through its property
tests.)"""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import gradcheck, gradgradcheck
from autograd_core.testing.optable import np_conv, np_conv_transpose, np_pool

rng = np.random.default_rng(3)


def t(a, requires_grad=False):
    return ag.tensor(a, requires_grad=requires_grad)


def direct_conv3d_valid(x, w, stride):
    """Valid 3-D correlation with one loop per output position (independent of ``np_conv``)."""
    kd, kh, kw, _, o = w.shape
    outs = [(n - k) // stride + 1 for n, k in zip(x.shape[1:4], (kd, kh, kw))]
    y = np.zeros((x.shape[0], *outs, o))
    for i, j, k in np.ndindex(*outs):
        patch = x[:, i * stride:i * stride + kd, j * stride:j * stride + kh,
                  k * stride:k * stride + kw]
        y[:, i, j, k] = np.tensordot(patch, w, axes=([1, 2, 3, 4], [0, 1, 2, 3]))
    return y


def test_conv3d_matches_a_loop_over_output_positions():
    x, w = rng.standard_normal((2, 5, 6, 4, 3)), rng.standard_normal((2, 3, 2, 3, 4))
    for stride in (1, 2):
        got = ag.nn.conv3d(t(x), t(w), stride=stride).numpy()
        np.testing.assert_allclose(got, direct_conv3d_valid(x, w, stride), atol=1e-10)


CASES_3D = [  # (D, H, W, Cin, Cout, kernel, stride, padding, dilation, groups)
    ((4, 5, 6), 2, 3, (3, 3, 3), 1, "same", 1, 1),
    ((5, 4, 7), 4, 6, (2, 3, 2), (2, 1, 3), "same", 1, 2),
    ((6, 5, 5), 2, 2, (2, 2, 3), 1, "valid", (2, 1, 2), 1),
    ((3, 4, 5), 3, 3, (1, 1, 1), 2, "valid", 1, 3),
    ((5, 5, 4), 2, 4, (3, 2, 2), 3, "valid", 1, 2),
    ((1, 3, 2), 2, 2, (3, 2, 1), 1, "same", (2, 1, 1), 1),  # depth taps that read only padding
]


@pytest.mark.parametrize("case", CASES_3D)
def test_conv3d_matches_direct_loops(case):
    sizes, c, o, k, stride, padding, dilation, groups = case
    x, w = rng.standard_normal((2,) + sizes + (c,)), rng.standard_normal(k + (c // groups, o))
    b = rng.standard_normal(o)
    got = ag.nn.conv3d(t(x), t(w), t(b), stride=stride, padding=padding, dilation=dilation,
                       groups=groups)
    np.testing.assert_allclose(got.numpy(), np_conv(x, w, b, stride, padding, dilation, groups),
                               atol=1e-10)


def test_conv3d_float32_stays_float32_and_depth_one_is_conv2d():
    x, w = ag.randn(2, 1, 6, 5, 3), ag.randn(1, 3, 3, 3, 4)
    y = ag.nn.conv3d(x, w, padding="same", stride=(1, 2, 2))
    assert y.dtype == np.float32 and y.shape == (2, 1, 3, 3, 4)
    flat = ag.nn.conv2d(x[:, 0], w[0], padding="same", stride=2)
    np.testing.assert_allclose(y.numpy()[:, 0], flat.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, "same", 1, 1), ((2, 1, 2), "same", 1, 2), (1, "valid", (2, 1, 1), 1)])
def test_conv3d_gradients_and_gradients_of_gradients(stride, padding, dilation, groups):
    x, w, b = ag.randn(1, 4, 3, 4, 2), ag.randn(2, 2, 3, 2 // groups, 2), ag.randn(2)
    f = lambda x, w, b: ag.nn.conv3d(x, w, b, stride=stride, padding=padding,  # noqa: E731
                                     dilation=dilation, groups=groups)
    assert gradcheck(f, x, w, b)
    assert gradgradcheck(f, x, w, b)


TRANSPOSE_CASES = [  # (sizes, kernel, stride, padding, output_padding, dilation)
    ((2, 3, 2), (3, 3, 3), 2, "valid", None, 1),
    ((2, 3, 2), (2, 3, 3), (2, 1, 3), "same", None, 1),
    ((3, 2, 2), (3, 3, 3), 2, "same", (1, 0, 1), 1),
    ((2, 2, 3), (3, 2, 2), (3, 2, 2), "valid", (2, 1, 0), 1),
    ((3, 3, 2), (2, 3, 2), 1, "same", None, (2, 1, 2)),
    ((1, 2, 2), (3, 2, 2), 1, "same", None, (2, 1, 1)),  # depth taps that land outside the output
]


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv3d_transpose_matches_scatter(case):
    sizes, k, stride, padding, extra, dilation = case
    x, w, b = rng.standard_normal((2,) + sizes + (3,)), rng.standard_normal(k + (2, 3)), \
        rng.standard_normal(2)
    got = ag.nn.conv3d_transpose(t(x), t(w), t(b), stride=stride, padding=padding,
                                 output_padding=extra, dilation=dilation)
    np.testing.assert_allclose(got.numpy(), np_conv_transpose(x, w, b, stride, padding, extra,
                                                              dilation), atol=1e-10)


def test_conv3d_transpose_is_the_adjoint_of_conv3d():
    """<conv3d(x, w), v> == <x, conv3d_transpose(v, w)> for the matching geometry."""
    x, w = rng.standard_normal((2, 6, 5, 6, 3)), rng.standard_normal((3, 2, 3, 3, 4))
    y = ag.nn.conv3d(t(x), t(w), stride=2, padding="same").numpy()
    v = rng.standard_normal(y.shape)
    back = ag.nn.conv3d_transpose(t(v), t(w), stride=2, padding="same",
                                  output_padding=1).numpy()
    assert back.shape == x.shape
    np.testing.assert_allclose((y * v).sum(), (x * back).sum(), rtol=1e-10)


def test_conv3d_transpose_gradients_and_gradients_of_gradients():
    x, w, b = ag.randn(1, 2, 2, 3, 2), ag.randn(2, 3, 2, 2, 2), ag.randn(2)
    f = lambda x, w, b: ag.nn.conv3d_transpose(x, w, b, stride=(2, 1, 2),  # noqa: E731
                                               padding="same", output_padding=(1, 0, 0))
    assert gradcheck(f, x, w, b)
    assert gradgradcheck(f, x, w, b)


# -- pooling --------------------------------------------------------------------------------------
@pytest.mark.parametrize("pool,strides,padding", [
    (2, None, "valid"), ((3, 2, 3), (2, 1, 2), "same"), ((2, 3, 1), 1, "same"),
    (3, (1, 2, 3), "valid")])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool3d_matches_a_loop_over_windows(pool, strides, padding, kind):
    x = rng.standard_normal((2, 5, 4, 6, 3))
    got = getattr(ag.nn, f"{kind}_pool3d")(t(x), pool, strides, padding).numpy()
    np.testing.assert_allclose(got, np_pool(x, pool, strides, padding, kind), atol=1e-12)


def test_same_avg_pool3d_divides_by_the_real_elements():
    y = ag.nn.avg_pool3d(ag.ones(1, 3, 3, 3, 1), 3, strides=1, padding="same").numpy()
    np.testing.assert_allclose(y, 1.0, rtol=1e-6)  # a corner window holds 8 real of 27
    assert ag.nn.avg_pool3d(ag.tensor(np.ones((1, 2, 2, 2, 1), np.int64))).dtype == np.float32


def test_max_pool3d_routes_the_gradient_to_the_first_maximum():
    """Ties (as after a ReLU) go to the first maximal element in depth, row, column order."""
    x = np.zeros((1, 2, 2, 2, 1))
    x[0, 1, 0, 1, 0] = x[0, 1, 1, 0, 0] = 1.0
    xt = t(x, requires_grad=True)
    ag.nn.max_pool3d(xt).sum().backward()
    expected = np.zeros_like(x)
    expected[0, 1, 0, 1, 0] = 1.0
    np.testing.assert_array_equal(xt.grad.numpy(), expected)
    zeros = t(np.zeros((1, 2, 2, 2, 1)), requires_grad=True)
    ag.nn.max_pool3d(zeros).sum().backward()
    assert zeros.grad.numpy()[0, 0, 0, 0, 0] == 1.0 and zeros.grad.numpy().sum() == 1.0


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool3d_gradients_and_gradients_of_gradients(kind):
    x = ag.tensor(rng.permutation(60).reshape(1, 3, 4, 5, 1) / 10.0)
    f = lambda x: getattr(ag.nn, f"{kind}_pool3d")(x, (2, 3, 2), (1, 2, 2), "same")  # noqa: E731
    assert gradcheck(f, x)
    assert gradgradcheck(f, x)


@pytest.mark.parametrize("call,message", [
    (lambda: ag.nn.conv3d(ag.ones(1, 4, 4, 3), ag.ones(2, 2, 2, 3, 2)),
     r"conv3d: input must have rank 5 \(batch, 3 spatial, channels\), got shape \(1, 4, 4, 3\)"),
    (lambda: ag.nn.conv3d(ag.ones(1, 4, 4, 4, 3), ag.ones(2, 2, 3, 2)),
     r"conv3d: kernel must have rank 5, got shape \(2, 2, 3, 2\)"),
    (lambda: ag.nn.conv3d(ag.ones(1, 4, 4, 4, 3), ag.ones(2, 2, 2, 2, 2)),
     r"conv3d: input has 3 channels but the kernel \(2, 2, 2, 2, 2\) expects 2 \(input shape "
     r"\(1, 4, 4, 4, 3\)\)"),
    (lambda: ag.nn.conv3d(ag.ones(1, 4, 4, 4, 4), ag.ones(2, 2, 2, 2, 2), groups=3),
     r"conv3d: the number of input channels \(4\) must be divisible by groups=3"),
    (lambda: ag.nn.conv3d(ag.ones(1, 4, 4, 4, 4), ag.ones(2, 2, 2, 2, 3), groups=2),
     r"conv3d: the number of filters \(3\) must be divisible by groups=2"),
    (lambda: ag.nn.conv3d(ag.ones(1, 4, 2, 4, 3), ag.ones(2, 3, 2, 3, 2)),
     r"conv3d: the window \(2, 3, 2\) is larger than the padded input \(input "
     r"\(1, 4, 2, 4, 3\), kernel \(2, 3, 2, 3, 2\), strides \(1, 1, 1\), padding='valid'\)"),
    (lambda: ag.nn.conv3d(ag.ones(1, 9, 9, 9, 3), ag.ones(2, 2, 2, 3, 2), stride=(1, 2, 1),
                          dilation=(2, 1, 1)),
     r"conv3d: dilation \(2, 1, 1\) together with strides \(1, 2, 1\) > 1 is not supported"),
    (lambda: ag.nn.conv3d(ag.ones(1, 4, 4, 4, 3), ag.ones(2, 2, 2, 3, 2), stride=(1, 0, 1)),
     r"conv3d: strides must be positive, got \(1, 0, 1\)"),
    (lambda: ag.nn.conv3d(ag.ones(1, 4, 4, 4, 3), ag.ones(2, 2, 2, 3, 2), stride=(1, 2)),
     r"conv3d: stride must be an int or a triple of ints, got \(1, 2\)"),
    (lambda: ag.nn.conv3d(ag.ones(1, 4, 4, 4, 3), ag.ones(2, 2, 2, 3, 2), padding="causal"),
     r"conv3d: padding must be one of \('valid', 'same'\), got 'causal'"),
    (lambda: ag.nn.conv3d(ag.ones(1, 4, 4, 4, 3), ag.ones(2, 2, 2, 3, 2), ag.ones(3)),
     r"conv3d: bias must have shape \(2,\), got \(3,\)"),
    (lambda: ag.nn.conv3d_transpose(ag.ones(1, 3, 3, 3, 3), ag.ones(2, 2, 2, 3, 2)),
     r"conv3d_transpose: input has 3 channels but the kernel \(2, 2, 2, 3, 2\) expects 2"),
    (lambda: ag.nn.conv3d_transpose(ag.ones(1, 3, 3, 3, 2), ag.ones(2, 2, 2, 3, 2), stride=2,
                                    output_padding=(1, 2, 0)),
     r"conv3d_transpose: output_padding \(1, 2, 0\) must be non-negative and smaller than the "
     r"strides \(2, 2, 2\)"),
    (lambda: ag.nn.conv3d_transpose(ag.ones(1, 3, 3, 3, 2), ag.ones(2, 2, 2, 3, 2), ag.ones(2)),
     r"conv3d_transpose: bias must have shape \(3,\), got \(2,\)"),
    (lambda: ag.nn.max_pool3d(ag.ones(1, 4, 4, 3)),
     r"max_pool3d: input must have shape \(batch, depth, height, width, channels\), got "
     r"\(1, 4, 4, 3\)"),
    (lambda: ag.nn.avg_pool3d(ag.ones(1, 4, 1, 4, 3), 2),
     r"avg_pool3d: the window \(2, 2, 2\) is larger than the padded input"),
    (lambda: ag.nn.max_pool3d(ag.ones(1, 4, 4, 4, 3), (2, 0, 2)),
     r"max_pool3d: pool_size must be positive, got \(2, 0, 2\)"),
])
def test_bad_input_raises_a_named_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
