"""Every network primitive off the plain CPU: on the numpy-backed test device 'cpu:1' and, when a GPU
is usable, on 'cuda' (cupy). Values, first and second derivatives and the devices of results and
gradients must match the CPU run."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn

DEVICES = ["cpu:1"] + (["cuda"] if ag.cuda.is_available() else [])
IDS = np.array([[1, 4, 1, 0], [4, 4, 2, 1]])
CLASSES = np.array([[0, 2, 1, 2], [1, 0, 2, 2]])

# name -> (input shapes, function of the input tensors)
CASES = {
    "conv2d_same_stride2": ([(2, 7, 6, 3), (3, 3, 3, 4), (4,)],
                            lambda x, w, b: nn.conv2d(x, w, b, stride=2, padding="same")),
    "conv2d_valid_dilated": ([(1, 8, 7, 2), (3, 2, 2, 3)],
                             lambda x, w: nn.conv2d(x, w, dilation=2)),
    "conv2d_1x1": ([(2, 4, 4, 3), (1, 1, 3, 5)], lambda x, w: nn.conv2d(x, w)),
    "conv1d_causal": ([(2, 9, 3), (3, 3, 4), (4,)],
                      lambda x, w, b: nn.conv1d(x, w, b, padding="causal", dilation=2)),
    "conv1d_same_stride": ([(2, 9, 3), (4, 3, 2)], lambda x, w: nn.conv1d(x, w, stride=2, padding="same")),
    "conv2d_transpose": ([(2, 3, 4, 3), (3, 3, 2, 3), (2,)],
                         lambda x, w, b: nn.conv2d_transpose(x, w, b, stride=2, padding="same")),
    "depthwise_conv2d": ([(2, 6, 5, 3), (3, 3, 3, 2)],
                         lambda x, w: nn.depthwise_conv2d(x, w, padding="same")),
    "conv2d_groups": ([(2, 5, 5, 4), (3, 3, 2, 6)], lambda x, w: nn.conv2d(x, w, groups=2)),
    "conv3d_same_stride": ([(1, 5, 4, 6, 2), (2, 3, 2, 2, 3), (3,)],
                           lambda x, w, b: nn.conv3d(x, w, b, stride=2, padding="same")),
    "conv3d_transpose": ([(1, 3, 2, 3, 2), (2, 2, 3, 3, 2)],
                         lambda x, w: nn.conv3d_transpose(x, w, stride=2)),
    "conv1d_transpose": ([(2, 5, 3), (3, 2, 3)],
                         lambda x, w: nn.conv1d_transpose(x, w, stride=2, padding="same")),
    "depthwise_conv1d": ([(2, 7, 3), (3, 3, 2)], lambda x, w: nn.depthwise_conv1d(x, w)),
    "pool3d": ([(1, 4, 5, 3, 2)], lambda x: nn.max_pool3d(x, 2).sum()
               + nn.avg_pool3d(x, 3, 2, "same").sum()),
    "ctc_loss": ([(2, 6, 4)], lambda z: nn.ctc_loss(np.array([[1, 2, 0], [3, 3, 1]]), z,
                                                    np.array([2, 3]), np.array([6, 5]))),
    "max_pool2d_same": ([(2, 5, 7, 3)], lambda x: nn.max_pool2d(x, 3, 2, "same")),
    "max_pool2d_tiled": ([(2, 4, 6, 3)], lambda x: nn.max_pool2d(x, 2)),
    "avg_pool2d_same": ([(2, 5, 7, 3)], lambda x: nn.avg_pool2d(x, 3, 2, "same")),
    "max_pool1d": ([(2, 9, 3)], lambda x: nn.max_pool1d(x, 2)),
    "avg_pool1d_same": ([(2, 9, 3)], lambda x: nn.avg_pool1d(x, 3, 2, "same")),
    "global_pools": ([(2, 4, 5, 3)], lambda x: nn.global_max_pool(x) + nn.global_avg_pool(x)),
    "upsampling_nearest": ([(2, 3, 4, 2)], lambda x: nn.upsampling2d(x, (2, 3))),
    "upsampling_bilinear": ([(2, 3, 4, 2)], lambda x: nn.upsampling2d(x, 2, "bilinear")),
    "dropout_seeded": ([(4, 6)], lambda x: nn.dropout(x, 0.4, training=True, seed=3)),
    "embedding_repeats": ([(5, 3)], lambda t: nn.embedding(IDS, t)),
    "bce_from_logits": ([(3, 4), (3, 4)],
                        lambda t, z: nn.binary_crossentropy(ag.sigmoid(t), z, from_logits=True)),
    "bce_probabilities": ([(3, 4), (3, 4)],
                          lambda t, z: nn.binary_crossentropy(ag.sigmoid(t), ag.sigmoid(z))),
    "cce_from_logits": ([(3, 5), (3, 5)],
                        lambda t, z: nn.categorical_crossentropy(ag.softmax(t), z, from_logits=True)),
    "cce_probabilities": ([(3, 5), (3, 5)], lambda t, z: (
        nn.categorical_crossentropy(ag.softmax(t), ag.softmax(z))
        + nn.categorical_crossentropy(ag.sigmoid(t), ag.sigmoid(z), axis=0).sum())),
    "sparse_cce": ([(2, 4, 3)], lambda z: nn.sparse_categorical_crossentropy(CLASSES, z, from_logits=True)),
    "sparse_cce_probabilities": ([(2, 4, 3)],
                                 lambda z: nn.sparse_categorical_crossentropy(CLASSES, ag.softmax(z))),
    "batch_norm": ([(6, 4), (4,), (4,)], lambda x, g, b: nn.batch_norm(
        x, *nn.moments(x, (0,)), beta=b, gamma=g)),
    "layer_norm": ([(3, 5), (5,), (5,)], lambda x, g, b: nn.layer_norm(x, g, b)),
    "activations": ([(3, 7)], lambda x: sum(f(x) for f in (
        nn.elu, nn.selu, nn.gelu, lambda v: nn.gelu(v, approximate=True), nn.silu, nn.softplus,
        nn.softsign, nn.hard_sigmoid, nn.leaky_relu, nn.relu6, nn.exponential, nn.mish,
        nn.log_sigmoid, lambda v: nn.softmax(v), lambda v: nn.log_softmax(v), nn.celu,
        nn.hard_tanh, nn.hard_shrink, nn.soft_shrink, nn.tanh_shrink, nn.sparse_plus,
        nn.squareplus, nn.sparse_sigmoid, lambda v: nn.sparsemax(v),
        lambda v: nn.threshold(v, 0.3, -1.0)))),
    "glu": ([(3, 6)], lambda x: nn.glu(x)),
    "lstm_sequence": ([(2, 5, 12), (2, 3), (2, 3), (3, 12)],
                      lambda zx, h, c, k: nn.lstm_sequence(zx, h, c, k)[0]),
    "lstm_step": ([(2, 12), (2, 3), (2, 3), (3, 12)], lambda zx, h, c, k: ag.concatenate(
        nn.lstm_step(zx, h, c, k), axis=-1)),
    "gru_step": ([(2, 9), (2, 3), (3, 9), (9,)], lambda zx, h, k, rb: nn.gru_step(zx, h, k, rb)),
    "simple_rnn_step": ([(2, 3), (2, 3), (3, 3)], lambda zx, h, k: nn.simple_rnn_step(zx, h, k)),
}


def _arrays(shapes, dtype):
    rng = np.random.default_rng(len(shapes))
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _run(fn, arrays, dev, order=1):
    """The value of ``fn`` on ``dev`` and the gradients of a weighted sum of it; with ``order=2``
    the gradients of the squared norm of those gradients instead (second derivatives)."""
    xs = [ag.tensor(a, device=dev, requires_grad=True) for a in arrays]
    out = fn(*xs)
    assert out.device == ag.device(dev) and out.dtype == xs[0].dtype
    weights = ag.tensor(np.linspace(-1, 1, out.size).reshape(out.shape), device=dev, dtype=out.dtype)
    argnums = tuple(range(len(xs)))
    loss_grads = ag.grad(lambda *v: (fn(*v) * weights).sum(), argnums=argnums)
    if order == 2:
        grads = ag.grad(lambda *v: sum((g * g).sum() for g in loss_grads(*v)), argnums=argnums)(*xs)
    else:
        grads = loss_grads(*xs)
    for g, x in zip(grads, xs):
        assert g.device == ag.device(dev) and g.shape == x.shape and g.dtype == x.dtype
    return [out.numpy()] + [g.numpy() for g in grads]


def _compare(name, dev, dtype, order, rtol, atol):
    shapes, fn = CASES[name]
    arrays = _arrays(shapes, dtype)
    for got, want in zip(_run(fn, arrays, dev, order), _run(fn, arrays, "cpu", order)):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dev", DEVICES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_the_cpu_in_float64(name, dev):
    _compare(name, dev, np.float64, 1, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("dev", DEVICES)
@pytest.mark.parametrize("name", ["conv2d_same_stride2", "lstm_sequence", "embedding_repeats",
                                  "max_pool2d_same", "sparse_cce"])
def test_float32_stays_float32_and_matches_the_cpu(name, dev):
    _compare(name, dev, np.float32, 1, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dev", DEVICES)
@pytest.mark.parametrize("name", ["conv2d_same_stride2", "conv1d_causal", "conv2d_transpose",
                                  "depthwise_conv2d", "max_pool2d_same", "avg_pool1d_same",
                                  "embedding_repeats", "bce_probabilities", "batch_norm",
                                  "lstm_sequence", "gru_step"])
def test_second_derivatives_match_the_cpu(name, dev):
    _compare(name, dev, np.float64, 2, rtol=1e-8, atol=1e-10)
