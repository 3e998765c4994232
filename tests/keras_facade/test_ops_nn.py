"""keras.ops.nn against numpy references: values, dtypes, shapes, gradients, errors, and use on
symbolic tensors in a functional model trained with fit."""
import math

import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from autograd_core.testing import gradcheck
from keras_facade import layers
from keras_facade.ops import nn

RNG = np.random.default_rng(0)
X = np.array([[-3.5, -1.0, -0.3, 0.0], [0.2, 0.7, 1.0, 4.0]], dtype="float32")


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _elu(x, a=1.0):
    return np.where(x > 0, x, a * np.expm1(np.minimum(x, 0)))


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "sigmoid": _sigmoid,
    "log_sigmoid": lambda x: np.log(_sigmoid(x)),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "elu": _elu,
    "selu": lambda x: 1.0507009873554805 * _elu(x, 1.6732632423543772),
    "celu": _elu,
    "gelu": _gelu_tanh,
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "hard_silu": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "hard_swish": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "soft_shrink": lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0, 1),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "softmax": _softmax,
    "log_softmax": lambda x: np.log(_softmax(x)),
    "glu": lambda x: x[:, :2] * _sigmoid(x[:, 2:]),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_match_numpy(name):
    fn = getattr(nn, name)
    y = fn(X)
    assert isinstance(y, ag.Tensor) and y.dtype == np.float32
    assert y.shape == ACTIVATIONS[name](X).shape
    np.testing.assert_allclose(y.numpy(), ACTIVATIONS[name](X.astype("float64")), rtol=1e-5,
                               atol=1e-6)
    assert fn(X.astype("float64")).dtype == np.float64


@pytest.mark.parametrize("name", ["gelu", "selu", "softplus", "softmax", "glu", "sparsemax",
                                  "squareplus", "log_sigmoid"])
def test_activation_gradients(name):
    x = ag.tensor(RNG.normal(size=(2, 4)) * 2)
    assert gradcheck(getattr(nn, name), x)


def test_activation_dtypes_and_options():
    assert nn.relu([1, -2]).dtype == np.int32  # Python ints are int32, relu keeps them
    assert nn.relu6(np.array([-1, 9])).numpy().tolist() == [0, 6]
    assert nn.sigmoid([0, 1]).dtype == np.float32
    assert nn.gelu(X, approximate=False).numpy()[1, 2] == pytest.approx(0.8413447, rel=1e-6)
    np.testing.assert_allclose(nn.threshold(X, 0.5, -1.0).numpy(), np.where(X > 0.5, X, -1.0))
    assert nn.threshold([1, 2, 3], 1.5, 0).numpy().tolist() == [0, 2, 3]
    # sparsemax: a projection onto the simplex
    y = nn.sparsemax(np.array([[2.0, 1.0, -1.0]], dtype="float32")).numpy()
    np.testing.assert_allclose(y, [[1.0, 0.0, 0.0]])
    x3 = RNG.normal(size=(2, 3, 4)).astype("float32")
    np.testing.assert_allclose(nn.softmax(x3, axis=(1, 2)).numpy(),
                               _softmax(x3.reshape(2, 12)).reshape(2, 3, 4), rtol=1e-5)
    with pytest.raises(ValueError, match="keras.ops.glu.*even"):
        nn.glu(np.ones((2, 3)))
    with pytest.raises(ValueError, match="keras.ops.softmax: axis 2"):
        nn.softmax(np.ones((2, 3)), axis=2)


# ---------------------------------------------------------------- convolution and pooling

def _naive_conv2d(x, w, stride=1, pads=((0, 0), (0, 0)), dilation=1):
    x = np.pad(x, ((0, 0),) + pads + ((0, 0),))
    kh, kw, cin, cout = w.shape
    oh = (x.shape[1] - (kh - 1) * dilation - 1) // stride + 1
    ow = (x.shape[2] - (kw - 1) * dilation - 1) // stride + 1
    y = np.zeros((x.shape[0], oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + (kh - 1) * dilation + 1:dilation,
                      j * stride:j * stride + (kw - 1) * dilation + 1:dilation]
            y[:, i, j] = np.einsum("nabc,abcd->nd", patch, w)
    return y


def test_conv_by_rank_layout_and_padding():
    x, w = RNG.normal(size=(2, 6, 7, 3)), RNG.normal(size=(3, 2, 3, 4))
    y = nn.conv(x.astype("float32"), w.astype("float32"), strides=2, padding="same")
    # 'same' with stride 2: out ceil(n/2); pads (total//2, rest) = rows (0, 1), cols (0, 1)
    np.testing.assert_allclose(y.numpy(), _naive_conv2d(x, w, 2, ((0, 1), (0, 1))), rtol=1e-4,
                               atol=1e-5)
    assert y.shape == (2, 3, 4, 4) and y.dtype == np.float32
    cf = nn.conv(x.transpose(0, 3, 1, 2), w, dilation_rate=2, data_format="channels_first")
    np.testing.assert_allclose(cf.numpy(), _naive_conv2d(x, w, dilation=2).transpose(0, 3, 1, 2),
                               rtol=1e-6)
    x1, w1 = RNG.normal(size=(2, 9, 3)), RNG.normal(size=(3, 3, 2))
    np.testing.assert_allclose(nn.conv(x1, w1).numpy(), _naive_conv2d(x1[:, None], w1[None])[:, 0],
                               rtol=1e-6)
    assert nn.conv(RNG.normal(size=(1, 4, 5, 6, 2)), RNG.normal(size=(2, 2, 2, 2, 3))).shape == \
        (1, 3, 4, 5, 3)
    with pytest.raises(ValueError, match="keras.ops.conv"):
        nn.conv(np.ones((2, 5)), np.ones((3, 1, 1)))


def test_conv_transpose_is_the_adjoint_of_conv():
    x, w = RNG.normal(size=(1, 6, 6, 2)), RNG.normal(size=(3, 3, 2, 4))
    g = RNG.normal(size=(1, 3, 3, 4))
    # <conv(x), g> == <x, conv_transpose(g)> with the kernel read as (k, k, out=2, in=4)
    lhs = np.sum(nn.conv(x, w, strides=2, padding="same").numpy() * g)
    rhs = np.sum(x * nn.conv_transpose(g, w, strides=2, padding="same").numpy())
    assert lhs == pytest.approx(rhs, rel=1e-9)
    assert nn.conv_transpose(g, w, strides=2, padding="same").shape == (1, 6, 6, 2)


def test_depthwise_and_separable_conv():
    x, dw, pw = RNG.normal(size=(2, 5, 6, 3)), RNG.normal(size=(2, 2, 3, 2)), \
        RNG.normal(size=(1, 1, 6, 4))
    expected = np.concatenate([_naive_conv2d(x[..., c:c + 1], dw[:, :, c:c + 1]) for c in range(3)],
                              axis=-1)
    np.testing.assert_allclose(nn.depthwise_conv(x, dw).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(nn.separable_conv(x, dw, pw).numpy(),
                               np.einsum("nhwc,cd->nhwd", expected, pw[0, 0]), rtol=1e-6)
    assert gradcheck(lambda a, k: nn.depthwise_conv(a, k, padding="same"), ag.tensor(x[:1]),
                     ag.tensor(dw))


def test_pooling():
    x = RNG.normal(size=(2, 6, 4, 3)).astype("float32")
    expected = x.reshape(2, 3, 2, 2, 2, 3).max(axis=(2, 4))
    np.testing.assert_allclose(nn.max_pool(x, 2).numpy(), expected)
    np.testing.assert_allclose(nn.average_pool(x, (2, 2)).numpy(),
                               x.reshape(2, 3, 2, 2, 2, 3).mean(axis=(2, 4)), rtol=1e-6)
    # 'same' averages divide by the real element count: the last window of 5 rows holds 1 row
    x1 = np.arange(5, dtype="float32").reshape(1, 5, 1)
    assert nn.average_pool(x1, 2, padding="same").numpy().ravel().tolist() == [0.5, 2.5, 4.0]
    cf = nn.max_pool(x.transpose(0, 3, 1, 2), 2, data_format="channels_first")
    np.testing.assert_allclose(cf.numpy(), expected.transpose(0, 3, 1, 2))
    assert nn.max_pool(RNG.normal(size=(1, 4, 4, 4, 2)), 2).shape == (1, 2, 2, 2, 2)


def test_adaptive_pooling_uses_pytorch_bins():
    x = RNG.normal(size=(1, 5, 7, 2))
    y = nn.adaptive_average_pool(x, (2, 3)).numpy()
    rows, cols = [(0, 3), (2, 5)], [(0, 3), (2, 5), (4, 7)]  # [floor(i n/m), ceil((i+1) n/m))
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            np.testing.assert_allclose(y[0, i, j], x[0, r0:r1, c0:c1].mean(axis=(0, 1)))
            np.testing.assert_allclose(nn.adaptive_max_pool(x, (2, 3)).numpy()[0, i, j],
                                       x[0, r0:r1, c0:c1].max(axis=(0, 1)))
    assert nn.adaptive_average_pool(np.ones((2, 6, 3), "int32"), 4).dtype == np.float32
    assert gradcheck(lambda t: nn.adaptive_average_pool(t, 2), ag.tensor(x))


def test_unfold_and_fold_are_adjoint():
    x = RNG.normal(size=(2, 3, 5, 6))
    cols = nn.unfold(x, 3, padding=1, stride=2).numpy()
    assert cols.shape == (2, 27, 9)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    # block (1, 2) (row-major block 5), channel 1, tap (2, 0)
    assert cols[0, 9 + 6, 5] == pytest.approx(padded[0, 1, 2 + 2, 4 + 0])
    g = RNG.normal(size=cols.shape)
    folded = nn.fold(g, (5, 6), 3, padding=1, stride=2).numpy()
    assert np.sum(cols * g) == pytest.approx(np.sum(x * folded), rel=1e-9)
    assert gradcheck(lambda t: nn.fold(t, (5, 6), 3, dilation=2, padding=1), ag.tensor(
        RNG.normal(size=(1, 18, 12))))
    with pytest.raises(ValueError, match="keras.ops.fold"):
        nn.fold(g[:, :, :4], (5, 6), 3)


def test_depth_and_space_blocks():
    x = np.arange(2 * 2 * 3 * 8).reshape(2, 2, 3, 8).astype("float32")
    y = nn.depth_to_space(x, 2).numpy()
    assert y.shape == (2, 4, 6, 2)
    assert y[1, 3, 4, 1] == x[1, 1, 2, (1 * 2 + 0) * 2 + 1]  # channels split (bh, bw, c)
    np.testing.assert_array_equal(nn.space_to_depth(y, 2).numpy(), x)
    xf = x.transpose(0, 3, 1, 2)
    yf = nn.depth_to_space(xf, 2, data_format="channels_first").numpy()
    assert yf[1, 1, 3, 4] == xf[1, 1 * 4 + 1 * 2 + 0, 1, 2]  # channels split (c, bh, bw)
    np.testing.assert_array_equal(nn.space_to_depth(yf, 2, "channels_first").numpy(), xf)
    with pytest.raises(ValueError, match="keras.ops.depth_to_space.*divisible"):
        nn.depth_to_space(np.ones((1, 2, 2, 6)), 2)


# ---------------------------------------------------------------- normalization

def test_normalizations():
    x = RNG.normal(size=(3, 4, 5)).astype("float32")
    mean, var = nn.moments(x, (0, 2))
    np.testing.assert_allclose(mean.numpy(), x.mean((0, 2)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(var.numpy(), x.var((0, 2)), rtol=1e-5)
    assert nn.moments(x, [1], keepdims=True)[0].shape == (3, 1, 5)
    m, v, b, s = (RNG.random(4).astype("float32") + 0.5 for _ in range(4))
    y = nn.batch_normalization(x, m, v, axis=1, offset=b, scale=s)
    ref = (x - m[:, None]) / np.sqrt(v[:, None] + 1e-3) * s[:, None] + b[:, None]
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-5, atol=1e-6)
    gamma = RNG.normal(size=5).astype("float32")
    ln = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-7) * gamma
    np.testing.assert_allclose(nn.layer_normalization(x, gamma).numpy(), ln, rtol=1e-4, atol=1e-5)
    rms = x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-7) * gamma
    np.testing.assert_allclose(nn.rms_normalization(x, gamma).numpy(), rms, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nn.normalize(x).numpy(),
                               x / np.linalg.norm(x, axis=-1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(nn.normalize(x, axis=1, order=1).numpy(),
                               x / np.abs(x).sum(1, keepdims=True), rtol=1e-5)
    assert gradcheck(lambda t, g: nn.rms_normalization(t, g, axis=(1, 2)),
                     ag.tensor(x.astype("float64")), ag.tensor(RNG.normal(size=(4, 5))))
    with pytest.raises(ValueError, match="keras.ops.batch_normalization.*\\(4,\\)"):
        nn.batch_normalization(x, m[:3], v, axis=1)
    with pytest.raises(ValueError, match="keras.ops.normalize: order"):
        nn.normalize(x, order=0)


# ---------------------------------------------------------------- losses, metrics

def test_crossentropies_and_psnr():
    p = RNG.random((4, 3)).astype("float32") + 0.1
    p /= p.sum(-1, keepdims=True)
    ids = np.array([0, 2, 1, 1])
    t = np.eye(3, dtype="float32")[ids]
    np.testing.assert_allclose(nn.categorical_crossentropy(t, p).numpy(),
                               -np.log(p[np.arange(4), ids]), rtol=1e-5)
    np.testing.assert_allclose(nn.sparse_categorical_crossentropy(ids, p).numpy(),
                               -np.log(p[np.arange(4), ids]), rtol=1e-5)
    logits = RNG.normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(nn.categorical_crossentropy(t, logits, from_logits=True).numpy(),
                               -np.log(_softmax(logits)[np.arange(4), ids]), rtol=1e-5)
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(nn.binary_crossentropy(t, p).numpy(), bce, rtol=1e-5)
    assert gradcheck(lambda z: nn.binary_crossentropy(t, z, from_logits=True),
                     ag.tensor(logits.astype("float64")))
    a, b = RNG.random((2, 4, 4, 3)), RNG.random((2, 4, 4, 3))
    assert nn.psnr(a, b, 1.0).numpy() == pytest.approx(-10 * np.log10(np.mean((a - b) ** 2)))


def _ctc_brute_force(logp, labels, blank=0):
    """-log of the summed probability of every path that collapses to ``labels``."""
    total = 0.0
    for path in np.ndindex(*(logp.shape[1],) * logp.shape[0]):
        collapsed = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == list(labels):
            total += np.exp(sum(logp[i, c] for i, c in enumerate(path)))
    return -np.log(total)


def test_ctc_loss_and_greedy_decode():
    logits = RNG.normal(size=(2, 4, 3))
    labels = np.array([[1, 2], [2, 2]])
    loss = nn.ctc_loss(labels, logits, np.array([2, 1]), np.array([4, 3])).numpy()
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    assert loss[0] == pytest.approx(_ctc_brute_force(logp[0], [1, 2]), rel=1e-6)
    assert loss[1] == pytest.approx(_ctc_brute_force(logp[1, :3], [2]), rel=1e-6)
    probs = np.array([[[0.1, 0.8, 0.1], [0.1, 0.7, 0.2], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8]],
                      [[0.2, 0.2, 0.6], [0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.1, 0.8, 0.1]]])
    decoded, scores = nn.ctc_decode(probs, [4, 3])
    assert decoded.numpy().tolist() == [[[1, 2, -1, -1], [2, 2, -1, -1]]]
    assert decoded.dtype == np.int32
    np.testing.assert_allclose(scores.numpy(), [[-(0.8 + 0.7 + 0.8 + 0.8)], [-(0.6 + 0.7 + 0.6)]])
    with pytest.raises(ValueError, match="keras.ops.ctc_decode: strategy"):
        nn.ctc_decode(probs, [4, 3], strategy="best")


def test_ctc_beam_search_finds_the_most_probable_labellings():
    logits = RNG.normal(size=(2, 4, 3)) * 2
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    paths, scores = nn.ctc_decode(logits, [4, 3], strategy="beam_search", top_paths=3)
    assert paths.shape == (3, 2, 4) and scores.shape == (2, 3)
    for i, steps in enumerate([4, 3]):
        totals = {}  # every labelling's probability, summed over its alignments
        for path in np.ndindex(*(3,) * steps):
            label = tuple(c for t, c in enumerate(path) if c != 0 and (t == 0 or c != path[t - 1]))
            totals[label] = totals.get(label, 0.0) + np.exp(sum(logp[i, t, c]
                                                                for t, c in enumerate(path)))
        best = sorted(totals.items(), key=lambda item: -item[1])[:3]
        for k, (label, p) in enumerate(best):
            assert paths.numpy()[k, i].tolist() == list(label) + [-1] * (4 - len(label))
            assert scores.numpy()[i, k] == pytest.approx(np.log(p), rel=1e-9)


# ---------------------------------------------------------------- encodings, attention

def test_one_hot_multi_hot_and_polar():
    y = nn.one_hot(np.array([0, 2, -1]), 3)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    assert nn.one_hot([[0, 2], [1, 1]], 3, axis=0, dtype="int32").numpy()[:, 0].tolist() == \
        [[1, 0], [0, 0], [0, 1]]
    np.testing.assert_array_equal(nn.multi_hot([[0, 2], [1, 1]], 4).numpy(),
                                  [[1, 0, 1, 0], [0, 1, 0, 0]])
    z = nn.polar(np.array([2.0], "float32"), np.array([np.pi / 2], "float32"))
    assert z.dtype == np.complex64 and z.numpy()[0] == pytest.approx(2j, abs=1e-6)


def _attention(q, k, v, keep=None):
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    if keep is not None:
        logits = np.where(keep, logits, -1e30)
    return np.einsum("bnts,bsnh->btnh", _softmax(logits), v)


def test_dot_product_attention():
    q, k, v = (RNG.normal(size=(2, 4, 2, 3)) for _ in range(3))
    np.testing.assert_allclose(nn.dot_product_attention(q, k, v).numpy(), _attention(q, k, v),
                               rtol=1e-6)
    causal = np.tril(np.ones((4, 4), bool))
    np.testing.assert_allclose(nn.dot_product_attention(q, k, v, is_causal=True).numpy(),
                               _attention(q, k, v, causal), rtol=1e-6)
    kg, vg = k[:, :, :1], v[:, :, :1]  # one key/value head shared by both query heads
    np.testing.assert_allclose(nn.dot_product_attention(q, kg, vg).numpy(),
                               _attention(q, np.repeat(kg, 2, 2), np.repeat(vg, 2, 2)), rtol=1e-6)
    assert gradcheck(lambda a, b, c: nn.dot_product_attention(a, b, c, is_causal=True),
                     ag.tensor(q), ag.tensor(k), ag.tensor(v))
    with pytest.raises(ValueError, match="keras.ops.dot_product_attention: only one"):
        nn.dot_product_attention(q, k, v, bias=np.zeros((2, 2, 4, 4)), mask=causal)


def test_ops_on_symbolic_tensors_train_with_fit():
    inp = keras.Input((6, 4))
    h = layers.Dense(4)(inp)
    h = nn.layer_normalization(nn.gelu(h))
    h = nn.max_pool(nn.conv(h, np.full((3, 4, 2), 0.1, "float32"), padding="same"), 2)
    out = layers.Dense(3)(layers.Flatten()(nn.silu(h)))
    model = keras.Model(inp, nn.softmax(out))
    x = RNG.normal(size=(16, 6, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[RNG.integers(0, 3, 16)]
    assert model.predict(x, verbose=0).shape == (16, 3)
    model.compile("adam", "categorical_crossentropy")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=15, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
