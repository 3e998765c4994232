"""keras.ops math functions: values against numpy (naive loops where numpy has no equivalent),
result shapes and dtypes, gradients against float64 finite differences, errors, and use on
symbolic tensors in a trained functional model."""
import math

import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from autograd_core.testing import gradcheck, gradgradcheck
from keras_facade import layers, ops

RNG = np.random.default_rng(1)
X = RNG.standard_normal((3, 5)).astype("float32")
D = RNG.standard_normal((6, 2)).astype("float32")
IDS = np.array([0, 0, 2, 1, 2, 2])
SIG = RNG.standard_normal((2, 20)).astype("float32")
RE, IM = RNG.standard_normal((2, 2, 3, 8)).astype("float32")
_erf = np.vectorize(math.erf)


def _segments(data, ids, n, reduce, empty):
    out = np.full((n,) + data.shape[1:], empty, dtype=data.dtype)
    for s in range(n):
        rows = data[ids == s]
        if len(rows):
            out[s] = reduce(rows, axis=0)
    return out


def _frames(x, length, stride):
    starts = range(0, x.shape[-1] - length + 1, stride)
    return np.stack([x[..., s:s + length] for s in starts], axis=-2)


def _hann(n):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def _stft_ref(x, length, stride, fft_length):
    """Centered (reflect-padded) frames times a periodic Hann window, then rfft."""
    half = fft_length // 2
    x = np.pad(x, [(0, 0), (half, half)], mode="reflect")
    spec = np.fft.rfft(_frames(x, fft_length, stride) * _hann(length), fft_length)
    return spec.real, spec.imag


# name: (call, reference, inputs, expected dtype of the (first) result)
FORWARD = {
    "erf": (ops.erf, _erf, [X], "float32"),
    "erf_of_ints": (ops.erf, _erf, [np.arange(3)], "float32"),
    "erfc": (ops.erfc, np.vectorize(math.erfc), [X], "float32"),
    "erfinv": (ops.erfinv, None, [np.array([-0.999, -0.5, 0.0, 0.3, 0.99999])], "float64"),
    "rsqrt": (ops.rsqrt, lambda x: 1 / np.sqrt(x), [np.abs(X) + 0.1], "float32"),
    "rsqrt_of_ints": (ops.rsqrt, lambda x: 1 / np.sqrt(x), [np.arange(1, 4)], "float32"),
    "logsumexp": (ops.logsumexp, lambda x: np.log(np.exp(x).sum()), [X], "float32"),
    "logsumexp_axis": (lambda x: ops.logsumexp(x, axis=1, keepdims=True),
                       lambda x: np.log(np.exp(x).sum(1, keepdims=True)), [X], "float32"),
    "logdet": (ops.logdet, lambda x: np.linalg.slogdet(x)[1],
               [np.eye(3) * 2 + 0.1 * X[:, :3] @ X[:, :3].T], "float64"),
    "segment_sum": (ops.segment_sum, lambda d, i: _segments(d, i, 3, np.sum, 0), [D, IDS],
                    "float32"),
    "segment_sum_of_ints": (lambda d, i: ops.segment_sum(d, i, num_segments=4),
                            lambda d, i: _segments(d, i, 4, np.sum, 0), [np.arange(6), IDS],
                            "int64"),
    "segment_sum_dropped": (lambda d, i: ops.segment_sum(d, i, num_segments=2),
                            lambda d, i: _segments(d, i, 2, np.sum, 0), [D, IDS], "float32"),
    "segment_max": (lambda d, i: ops.segment_max(d, i, num_segments=4),
                    lambda d, i: _segments(d, i, 4, np.max, -np.inf), [D, IDS], "float32"),
    "segment_min": (ops.segment_min, lambda d, i: _segments(d, i, 3, np.min, np.inf), [D, IDS],
                    "float32"),
    "segment_prod": (lambda d, i: ops.segment_prod(d, i, num_segments=4),
                     lambda d, i: _segments(d, i, 4, np.prod, 1), [D, IDS], "float32"),
    "extract_sequences": (lambda x: ops.extract_sequences(x, 6, 4), lambda x: _frames(x, 6, 4),
                          [SIG], "float32"),
    "fft": (lambda r, i: ops.fft((r, i)), lambda r, i: _parts(np.fft.fft(r + 1j * i)), [RE, IM],
            "float32"),
    "fft2": (lambda r, i: ops.fft2((r, i)), lambda r, i: _parts(np.fft.fft2(r + 1j * i)), [RE, IM],
             "float32"),
    "ifft2": (lambda r, i: ops.ifft2((r, i)), lambda r, i: _parts(np.fft.ifft2(r + 1j * i)),
              [RE, IM], "float32"),
    "rfft": (ops.rfft, lambda x: _parts(np.fft.rfft(x)), [SIG], "float32"),
    "rfft_cut": (lambda x: ops.rfft(x, 9), lambda x: _parts(np.fft.rfft(x, 9)), [SIG], "float32"),
    "rfft_padded": (lambda x: ops.rfft(x, 31), lambda x: _parts(np.fft.rfft(x, 31)), [SIG],
                    "float32"),
    "irfft": (lambda r, i: ops.irfft((r, i)), lambda r, i: np.fft.irfft(r + 1j * i), [RE, IM],
              "float32"),
    "irfft_odd": (lambda r, i: ops.irfft((r, i), 9), lambda r, i: np.fft.irfft(r + 1j * i, 9),
                  [RE, IM], "float32"),
    "irfft_padded": (lambda r, i: ops.irfft((r, i), 20), lambda r, i: np.fft.irfft(r + 1j * i, 20),
                     [RE, IM], "float32"),
    "stft": (lambda x: ops.stft(x, 8, 4, 8), lambda x: _stft_ref(x, 8, 4, 8), [SIG], "float32"),
}


def _parts(z):
    return z.real, z.imag


@pytest.mark.parametrize("name", FORWARD)
def test_values_shapes_and_dtypes_match_references(name):
    fn, ref, inputs, dtype = FORWARD[name]
    outs = fn(*inputs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    assert outs[0].dtype == np.dtype(dtype)
    if ref is None:  # erfinv: erf of the result gives the input back
        np.testing.assert_allclose(_erf(outs[0].numpy()), inputs[0], rtol=1e-12)
        return
    refs = ref(*[np.asarray(x, "float64") if np.asarray(x).dtype.kind == "f" else x
                 for x in inputs])
    refs = refs if isinstance(refs, tuple) else (refs,)
    for out, expected in zip(outs, refs):
        assert isinstance(out, ag.Tensor) and out.shape == expected.shape
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=2e-5)


def test_erfc_keeps_relative_precision_in_the_tail():
    x = np.array([1.0, 1.5, 2.0, 4.0, 6.0, 9.0], "float32")
    np.testing.assert_allclose(ops.erfc(x).numpy(), [math.erfc(v) for v in x], rtol=3e-7)


def test_erfinv_edges_and_logdet_signs():
    out = ops.erfinv(np.array([-1.0, 1.0, 1.5, 0.0], "float32")).numpy()
    assert out[0] == -np.inf and out[1] == np.inf and np.isnan(out[2]) and out[3] == 0
    assert np.isnan(ops.logdet(np.array([[0.0, 1.0], [1.0, 0.0]])).item())
    assert ops.logdet(np.zeros((2, 2))).item() == -np.inf


def test_top_k_and_in_top_k():
    values, idx = ops.top_k(X, 3)
    expected = np.argsort(-X, axis=-1, kind="stable")[:, :3]
    assert idx.dtype == np.int64 and values.shape == (3, 3)
    np.testing.assert_array_equal(idx.numpy(), expected)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(X, expected, -1))
    values, idx = ops.top_k(np.array([[3, 1, 3, 2]]), 2)  # ties: the first index first
    assert values.dtype == np.int64 and idx.numpy().tolist() == [[0, 2]]
    x = ag.tensor(X, requires_grad=True)
    ops.top_k(x, 2)[0].sum().backward()
    mask = np.zeros_like(X)
    np.put_along_axis(mask, expected[:, :2], 1.0, -1)
    np.testing.assert_array_equal(x.grad.numpy(), mask)
    hit = ops.in_top_k(np.array([1, 2]), np.array([[1.0, 2.0, 2.0], [3.0, 3.0, 1.0]]), 1)
    assert hit.dtype == np.bool_ and hit.numpy().tolist() == [True, False]  # ties count
    with pytest.raises(ValueError, match=r"keras.ops.top_k: k must .* k=7"):
        ops.top_k(X, 7)


def test_stft_istft_round_trip_and_view_as_complex():
    for args in [(8, 4, 8, None, "hann", True), (6, 3, 8, 14, "hamming", False)]:
        length, stride, fft_length, n, window, center = args
        x = SIG[:, :14] if n else SIG
        spec = ops.stft(x, length, stride, fft_length, window=window, center=center)
        back = ops.istft(spec, length, stride, fft_length, length=n, window=window, center=center)
        if center:
            np.testing.assert_allclose(back.numpy(), x[:, :back.shape[-1]], atol=1e-5)
        else:  # the first and last samples lack a full overlap of windows
            assert back.shape == (2, 14)
            np.testing.assert_allclose(back.numpy()[:, 4:10], x[:, 4:10], atol=1e-5)
    z = ops.view_as_complex(np.array([[1.0, 2.0], [3.0, -1.0]]))
    assert z.dtype == np.complex64 and z.numpy().tolist() == [1 + 2j, 3 - 1j]
    parts = ops.view_as_real(z)
    assert parts.dtype == np.float32 and parts.numpy().tolist() == [[1, 2], [3, -1]]


def _f64(*shape):
    return RNG.standard_normal(shape)


GRADIENTS = {
    "erf": (ops.erf, [_f64(4)]),
    "erfc": (ops.erfc, [np.array([-2.0, 0.3, 1.7, 4.0])]),
    "erfinv": (ops.erfinv, [np.array([-0.9, -0.2, 0.4, 0.7])]),
    "rsqrt": (ops.rsqrt, [np.abs(_f64(4)) + 0.5]),
    "logsumexp": (lambda x: ops.logsumexp(x, axis=0), [_f64(3, 2)]),
    "logdet": (lambda x: ops.logdet(x @ ag.swapaxes(x, -1, -2) + ag.eye(3, dtype="float64")),
               [_f64(2, 3, 3)]),
    "top_k": (lambda x: ops.top_k(x, 2)[0], [_f64(2, 4)]),
    "segment_sum": (lambda d: ops.segment_sum(d, IDS), [_f64(6, 2)]),
    "segment_max": (lambda d: ops.segment_max(d, IDS, num_segments=3), [_f64(6, 2)]),
    "segment_prod": (lambda d: ops.segment_prod(d, IDS), [_f64(6)]),
    "extract_sequences": (lambda x: ops.extract_sequences(x, 3, 2), [_f64(7)]),
    "fft": (lambda r, i: ops.fft((r, i)), [_f64(2, 4), _f64(2, 4)]),
    "ifft2": (lambda r, i: ops.ifft2((r, i)), [_f64(3, 2), _f64(3, 2)]),
    "rfft": (lambda x: ops.rfft(x, 6), [_f64(5)]),
    "irfft": (lambda r, i: ops.irfft((r, i), 6), [_f64(4), _f64(4)]),
    "stft": (lambda x: ops.stft(x, 4, 2, 4), [_f64(9)]),
    "istft": (lambda r, i: ops.istft((r, i), 4, 2, 4), [_f64(4, 3), _f64(4, 3)]),
}


@pytest.mark.parametrize("name", GRADIENTS)
def test_gradients_match_finite_differences(name):
    fn, inputs = GRADIENTS[name]
    assert gradcheck(fn, *[ag.tensor(x) for x in inputs], mode="full")


def test_second_derivatives_of_erfinv_erfc_and_segment_max():
    assert gradgradcheck(ops.erfinv, ag.tensor(np.array([-0.6, 0.1, 0.8])))
    assert gradgradcheck(ops.erfc, ag.tensor(np.array([-0.6, 0.1, 2.8])))
    assert gradgradcheck(lambda d: ops.segment_max(d, IDS), ag.tensor(_f64(6, 2)))


@pytest.mark.parametrize("call, error, match", [
    (lambda: ops.segment_sum(D, IDS[:4]), ValueError,
     r"keras.ops.segment_sum: .*\(4,\).*\(6, 2\)"),
    (lambda: ops.segment_max(D, IDS.astype("float32")), TypeError,
     r"keras.ops.segment_max: segment_ids must be integers, got float32"),
    (lambda: ops.fft(RE), ValueError, r"keras.ops.fft: x must be a \(real, imag\) pair"),
    (lambda: ops.fft2((RE[0, 0], IM[0, 0])), ValueError, r"keras.ops.fft2: .*at least 2 axes"),
    (lambda: ops.extract_sequences(SIG, 30, 2), ValueError,
     r"keras.ops.extract_sequences: .*sequence_length=30"),
    (lambda: ops.stft(SIG, 8, 4, 4), ValueError, r"keras.ops.stft: fft_length must be >="),
    (lambda: ops.stft(SIG, 8, 4, 8, window="box"), ValueError, r"keras.ops.stft: window .*'box'"),
    (lambda: ops.logdet(np.ones((2, 3))), ValueError, r"keras.ops.logdet: .*\(2, 3\)"),
    (lambda: ops.in_top_k(np.array([0]), X, 1), ValueError,
     r"keras.ops.in_top_k: .*\(1,\).*\(3, 5\)"),
    (lambda: ops.view_as_complex(np.ones((2, 3))), ValueError,
     r"keras.ops.view_as_complex: .*\(2, 3\)"),
])
def test_bad_input_names_the_op(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_math_ops_on_symbolic_tensors_train_with_fit():
    inp = keras.Input((6,))
    h = layers.Dense(4, name="proj")(inp)
    feats = ops.concatenate([ops.logsumexp(h, axis=-1, keepdims=True),
                             ops.erf(h), ops.rfft(h)[0]], axis=-1)
    model = keras.Model(inp, layers.Dense(1, name="head")(feats))
    data = RNG.standard_normal((16, 6)).astype("float32")
    w1, b1 = model.get_layer("proj").get_weights()
    w2, b2 = model.get_layer("head").get_weights()
    h_np = data @ w1 + b1
    f_np = np.concatenate([np.log(np.exp(h_np).sum(-1, keepdims=True)), _erf(h_np),
                           np.fft.rfft(h_np).real], -1)
    np.testing.assert_allclose(model.predict(data, verbose=0), f_np @ w2 + b2, rtol=1e-4, atol=1e-5)
    target = data[:, :1] ** 2
    model.compile("adam", "mse")
    first = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=10, verbose=0)
    assert model.evaluate(data, target, verbose=0) < first
