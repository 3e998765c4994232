"""Convolution, pooling, padding, cropping and upsampling layers: output shapes against Keras'
formulas (hypothesis), parameter counts, values, gradients, layouts, config round trip."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from keras_facade import backend as K, layers as L
from keras_facade.layers.testing import assert_gradients_reach_every_weight, round_trip

RNG = np.random.default_rng(1)


def rand(*shape):
    return RNG.normal(size=shape).astype("float32")


def keras_length(n, k, padding, stride, dilation=1):
    """Keras: valid floor((n - (k-1)d - 1)/s) + 1, same/causal ceil(n/s)."""
    if padding in ("same", "causal"):
        return math.ceil(n / stride)
    return max(math.floor((n - (k - 1) * dilation - 1) / stride) + 1, 0)


geometry = st.tuples(st.integers(1, 4), st.integers(1, 3), st.sampled_from(["valid", "same"]),
                     st.integers(1, 2))


@given(n=st.integers(4, 9), g=geometry, causal=st.booleans())
def test_conv1d_output_length_matches_keras(n, g, causal):
    k, s, padding, d = g
    if s > 1:
        d = 1
    padding = "causal" if causal else padding
    if padding == "valid" and (k - 1) * d + 1 > n:
        return
    layer = L.Conv1D(2, k, strides=s, padding=padding, dilation_rate=d)
    y = layer(rand(1, n, 3))
    expected = (1, keras_length(n, k, padding, s, d), 2)
    assert y.shape == expected
    assert layer.compute_output_shape((None, n, 3)) == (None,) + expected[1:]
    assert layer.count_params() == k * 3 * 2 + 2


@given(h=st.integers(3, 7), w=st.integers(3, 7), g=geometry, kw=st.integers(1, 3))
def test_conv2d_output_shape_matches_keras(h, w, g, kw):
    kh, s, padding, d = g
    if s > 1:
        d = 1
    if padding == "valid" and ((kh - 1) * d + 1 > h or (kw - 1) * d + 1 > w):
        return
    layer = L.Conv2D(3, (kh, kw), strides=s, padding=padding, dilation_rate=d)
    y = layer(rand(2, h, w, 2))
    expected = (2, keras_length(h, kh, padding, s, d), keras_length(w, kw, padding, s, d), 3)
    assert y.shape == expected
    assert layer.compute_output_shape((None, h, w, 2)) == (None,) + expected[1:]
    assert layer.count_params() == kh * kw * 2 * 3 + 3


@given(n=st.integers(2, 5), k=st.integers(1, 4), s=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]))
def test_conv2d_transpose_output_shape_matches_keras(n, k, s, padding):
    layer = L.Conv2DTranspose(2, k, strides=s, padding=padding)
    y = layer(rand(1, n, n + 1, 3))
    # Keras: valid n*s + max(k - s, 0), same n*s
    side = (lambda m: m * s + max(k - s, 0)) if padding == "valid" else (lambda m: m * s)
    assert y.shape == (1, side(n), side(n + 1), 2)
    assert layer.compute_output_shape((None, n, n + 1, 3)) == (None, side(n), side(n + 1), 2)
    assert layer.kernel.shape == (k, k, 2, 3) and layer.count_params() == k * k * 3 * 2 + 2


@given(n=st.integers(2, 9), pool=st.integers(1, 3), stride=st.sampled_from([None, 1, 2, 3]),
       padding=st.sampled_from(["valid", "same"]), kind=st.sampled_from(["Max", "Average"]))
def test_pooling_output_shapes_match_keras(n, pool, stride, padding, kind):
    if padding == "valid" and pool > n:
        return
    s = stride or pool
    one = getattr(L, f"{kind}Pooling1D")(pool, strides=stride, padding=padding)
    assert one(rand(1, n, 2)).shape == (1, keras_length(n, pool, padding, s), 2)
    two = getattr(L, f"{kind}Pooling2D")((pool, 1), strides=stride, padding=padding)
    expected = (1, keras_length(n, pool, padding, s), keras_length(3, 1, padding, stride or 1), 2)
    assert two(rand(1, n, 3, 2)).shape == expected
    assert two.compute_output_shape((None, n, 3, 2)) == (None,) + expected[1:]


def naive_conv2d(x, w, b, stride):
    """Valid cross-correlation, written out."""
    kh, kw, _, out = w.shape
    rows = (x.shape[1] - kh) // stride + 1
    cols = (x.shape[2] - kw) // stride + 1
    y = np.zeros((x.shape[0], rows, cols, out))
    for i in range(rows):
        for j in range(cols):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            y[:, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return y + b


def test_conv2d_values_same_padding_puts_the_extra_pixel_after_and_channels_first_agrees():
    x = rand(2, 5, 6, 3)
    layer = L.Conv2D(4, (3, 2), strides=2, padding="same", activation="relu")
    y = layer(x).numpy()
    w, b = layer.get_weights()
    # TF 'same': rows pad total 2 -> (1, 1); cols 6 with k=2, s=2 -> total 0
    padded = np.pad(x, ((0, 0), (1, 1), (0, 0), (0, 0)))
    np.testing.assert_allclose(y, np.maximum(naive_conv2d(padded, w, b, 2), 0), rtol=1e-4,
                               atol=1e-5)
    first = L.Conv2D(4, (3, 2), strides=2, padding="same", activation="relu",
                     data_format="channels_first")
    first(x.transpose(0, 3, 1, 2))
    first.set_weights([w, b])
    np.testing.assert_allclose(first(x.transpose(0, 3, 1, 2)).numpy(), y.transpose(0, 3, 1, 2),
                               rtol=1e-5, atol=1e-6)


def test_causal_conv1d_only_sees_the_past():
    layer = L.Conv1D(1, 3, padding="causal", dilation_rate=2)
    x = rand(1, 10, 1)
    y = layer(x).numpy()
    x2 = x.copy()
    x2[0, 6:] += 5.0
    np.testing.assert_allclose(layer(x2).numpy()[0, :6], y[0, :6], rtol=1e-6)


def test_pooling_values_and_global_pooling():
    x = rand(2, 4, 6, 3)
    blocks = x.reshape(2, 2, 2, 3, 2, 3)
    np.testing.assert_allclose(L.MaxPooling2D()(x).numpy(), blocks.max(axis=(2, 4)), rtol=1e-6)
    np.testing.assert_allclose(L.AveragePooling2D()(x).numpy(), blocks.mean(axis=(2, 4)),
                               rtol=1e-5)
    np.testing.assert_allclose(L.GlobalMaxPooling2D()(x).numpy(), x.max(axis=(1, 2)), rtol=1e-6)
    np.testing.assert_allclose(L.GlobalAveragePooling2D()(x).numpy(), x.mean(axis=(1, 2)),
                               rtol=1e-5)
    assert L.GlobalAveragePooling2D(keepdims=True)(x).shape == (2, 1, 1, 3)
    np.testing.assert_allclose(L.GlobalMaxPooling1D()(x[:, 0]).numpy(), x[:, 0].max(1),
                               rtol=1e-6)
    # 'same' average pooling divides by the real cells (the corner sees 2x2 of a 3x3 window)
    same = L.AveragePooling2D((3, 3), strides=1, padding="same")(np.ones((1, 3, 3, 1), "f4"))
    np.testing.assert_allclose(same.numpy(), 1.0, rtol=1e-6)


def test_global_average_pooling_1d_ignores_masked_steps():
    emb = L.Embedding(5, 2, mask_zero=True)
    ids = np.array([[1, 2, 0, 0]])
    pooled = L.GlobalAveragePooling1D()(emb(ids)).numpy()
    table = emb.get_weights()[0]
    np.testing.assert_allclose(pooled[0], table[[1, 2]].mean(0), rtol=1e-5)


def test_padding_cropping_and_upsampling_values():
    x = rand(1, 3, 4, 2)
    padded = L.ZeroPadding2D(((1, 2), (0, 1)))(x).numpy()
    np.testing.assert_array_equal(padded, np.pad(x, ((0, 0), (1, 2), (0, 1), (0, 0))))
    assert L.ZeroPadding2D(2).compute_output_shape((None, 3, None, 2)) == (None, 7, None, 2)
    np.testing.assert_array_equal(L.Cropping2D(((1, 0), (1, 2)))(x).numpy(), x[:, 1:, 1:2])
    np.testing.assert_array_equal(L.UpSampling2D((2, 3))(x).numpy(),
                                  x.repeat(2, axis=1).repeat(3, axis=2))
    bilinear = L.UpSampling2D(interpolation="bilinear")(np.ones((1, 2, 2, 1), "float32"))
    np.testing.assert_allclose(bilinear.numpy(), 1.0, rtol=1e-6)
    seq = rand(1, 5, 2)
    np.testing.assert_array_equal(L.ZeroPadding1D((2, 1))(seq).numpy(),
                                  np.pad(seq, ((0, 0), (2, 1), (0, 0))))
    np.testing.assert_array_equal(L.Cropping1D((1, 2))(seq).numpy(), seq[:, 1:3])
    np.testing.assert_array_equal(L.UpSampling1D(2)(seq).numpy(), seq.repeat(2, axis=1))
    with pytest.raises(ValueError, match="cropping"):
        L.Cropping2D(2)(x)


@pytest.mark.parametrize("layer, shape", [
    (L.Conv1D(2, 3, padding="causal"), (2, 6, 3)),
    (L.Conv2D(2, 3, padding="same", kernel_regularizer="l2"), (2, 5, 5, 3)),
    (L.Conv2DTranspose(2, 3, strides=2), (2, 3, 3, 3)),
])
def test_gradient_flows_to_every_conv_weight(layer, shape):
    assert_gradients_reach_every_weight(layer, rand(*shape))


def test_bad_inputs_name_the_layer():
    conv = L.Conv2D(4, 3, name="c1")
    conv(rand(1, 5, 5, 3))
    with pytest.raises(ValueError, match=r"c1.*axis -1.*3.*\(1, 5, 5, 2\)"):
        conv(rand(1, 5, 5, 2))
    with pytest.raises(ValueError, match="ndim=4"):
        L.Conv2D(4, 3)(rand(5, 5, 3))
    with pytest.raises(ValueError, match="dilation_rate"):
        L.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(4, 3, padding="causal")


def test_image_data_format_is_the_default_layout():
    K.set_image_data_format("channels_first")
    try:
        layer = L.Conv2D(2, 3)
        assert layer.data_format == "channels_first"
        assert layer(rand(1, 3, 5, 5)).shape == (1, 2, 3, 3)
    finally:
        K.set_image_data_format("channels_last")


@pytest.mark.parametrize("make, shape", [
    (lambda: L.Conv1D(2, 3, strides=2, dilation_rate=1, activation="relu"), (2, 7, 3)),
    (lambda: L.Conv2D(2, (3, 1), padding="same", dilation_rate=2), (2, 5, 5, 3)),
    (lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1), (1, 3, 3, 2)),
    (lambda: L.MaxPooling1D(3, strides=1, padding="same"), (2, 5, 2)),
    (lambda: L.AveragePooling2D((2, 3)), (2, 4, 6, 2)),
    (lambda: L.GlobalAveragePooling1D(), (2, 4, 3)),
    (lambda: L.ZeroPadding2D((1, 2)), (1, 2, 2, 1)),
    (lambda: L.Cropping2D(((1, 0), (0, 1))), (1, 3, 3, 1)),
    (lambda: L.UpSampling2D(2, interpolation="bilinear"), (1, 2, 2, 1)),
])
def test_conv_layer_config_round_trip(make, shape):
    for a, b in zip(*round_trip(make(), rand(*shape))):
        np.testing.assert_allclose(a, b, rtol=1e-6)
