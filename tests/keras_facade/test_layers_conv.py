"""Convolution (including depthwise and separable), pooling, padding, cropping and upsampling
layers: output shapes against Keras' formulas (hypothesis), weight names/shapes and parameter
counts, values, gradients, layouts, config round trip."""
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
    steps_last = np.transpose(emb(ids).numpy(), (0, 2, 1))  # (batch, features, steps)
    first = L.GlobalAveragePooling1D(data_format="channels_first")(steps_last, mask=ids != 0)
    np.testing.assert_allclose(first.numpy()[0], table[[1, 2]].mean(0), rtol=1e-5)


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
    (L.DepthwiseConv2D(3, depth_multiplier=2, depthwise_regularizer="l2"), (2, 5, 5, 3)),
    (L.SeparableConv2D(2, 3, strides=2, padding="same", pointwise_regularizer="l1"), (2, 5, 5, 3)),
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
    (lambda: L.DepthwiseConv2D((3, 2), strides=2, padding="same", depth_multiplier=2,
                               activation="relu", depthwise_initializer="he_normal",
                               bias_initializer="ones", depthwise_constraint="non_neg",
                               bias_regularizer="l2"), (2, 5, 5, 3)),
    (lambda: L.SeparableConv2D(4, 3, dilation_rate=2, padding="same", depth_multiplier=3,
                               use_bias=False, pointwise_initializer="lecun_normal",
                               depthwise_regularizer="l1", activity_regularizer="l2",
                               pointwise_constraint="max_norm"), (2, 6, 5, 2)),
    (lambda: L.SeparableConv2D(2, 3, data_format="channels_first"), (1, 3, 5, 5)),
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


# -- depthwise and separable convolutions ---------------------------------------------------------
def naive_depthwise(x, w, b, stride):
    """Valid depthwise correlation: channel c through its own filters with ``naive_conv2d``;
    output channel c*M + m."""
    return np.concatenate([naive_conv2d(x[..., c:c + 1], w[:, :, c:c + 1], 0.0, stride)
                           for c in range(x.shape[-1])], axis=-1) + b


@given(h=st.integers(3, 7), w=st.integers(3, 7), g=geometry, kw=st.integers(1, 3),
       m=st.integers(1, 3), separable=st.booleans())
def test_depthwise_and_separable_shapes_match_keras(h, w, g, kw, m, separable):
    kh, s, padding, d = g
    if s > 1:
        d = 1
    if padding == "valid" and ((kh - 1) * d + 1 > h or (kw - 1) * d + 1 > w):
        return
    if separable:
        layer = L.SeparableConv2D(5, (kh, kw), strides=s, padding=padding, dilation_rate=d,
                                  depth_multiplier=m)
        out, names = 5, ["depthwise_kernel", "pointwise_kernel", "bias"]
        shapes = [(kh, kw, 2, m), (1, 1, 2 * m, 5), (5,)]
    else:
        layer = L.DepthwiseConv2D((kh, kw), strides=s, padding=padding, dilation_rate=d,
                                  depth_multiplier=m)
        out, names, shapes = 2 * m, ["kernel", "bias"], [(kh, kw, 2, m), (2 * m,)]
    y = layer(rand(2, h, w, 2))
    expected = (2, keras_length(h, kh, padding, s, d), keras_length(w, kw, padding, s, d), out)
    assert y.shape == expected
    assert layer.compute_output_shape((None, h, w, 2)) == (None,) + expected[1:]
    assert [v.name for v in layer.weights] == names
    assert [tuple(v.shape) for v in layer.weights] == shapes
    assert [a.shape for a in layer.get_weights()] == shapes
    assert layer.count_params() == sum(math.prod(shape) for shape in shapes)


def test_depthwise_conv2d_values_and_channels_first():
    x = rand(2, 6, 5, 3)
    layer = L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2,
                              bias_initializer="random_normal")
    y = layer(x).numpy()
    w, b = layer.get_weights()
    assert layer.kernel is layer.depthwise_kernel  # Keras 3 names the attribute `kernel`
    # TF 'same': rows 6 with k=3, s=2 pad (0, 1); cols 5 pad (1, 1)
    padded = np.pad(x, ((0, 0), (0, 1), (1, 1), (0, 0)))
    np.testing.assert_allclose(y, naive_depthwise(padded, w, b, 2), rtol=1e-4, atol=1e-5)
    first = L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2,
                              data_format="channels_first")
    first(x.transpose(0, 3, 1, 2))
    first.set_weights([w, b])
    np.testing.assert_allclose(first(x.transpose(0, 3, 1, 2)).numpy(), y.transpose(0, 3, 1, 2),
                               rtol=1e-5, atol=1e-6)
    assert first.compute_output_shape((None, 3, 6, 5)) == (None, 6, 3, 3)


def test_separable_conv2d_is_depthwise_then_pointwise_conv():
    x = rand(2, 7, 6, 3)
    sep = L.SeparableConv2D(4, (3, 2), padding="same", depth_multiplier=2, activation="tanh",
                            bias_initializer="random_normal")
    y = sep(x).numpy()
    dk, pk, b = sep.get_weights()
    depthwise = L.DepthwiseConv2D((3, 2), padding="same", depth_multiplier=2, use_bias=False)
    pointwise = L.Conv2D(4, 1, activation="tanh")
    mid = depthwise(x)
    depthwise.set_weights([dk])
    pointwise(mid)
    pointwise.set_weights([pk, b])
    np.testing.assert_allclose(y, pointwise(depthwise(x)).numpy(), rtol=1e-5, atol=1e-6)
    padded = np.pad(x, ((0, 0), (1, 1), (0, 1), (0, 0)))
    ref = np.tanh(naive_depthwise(padded, dk, 0.0, 1) @ pk[0, 0] + b)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)


def test_depthwise_and_separable_keras3_defaults_and_config():
    dw = L.DepthwiseConv2D(3)
    assert (dw.strides, dw.padding, dw.depth_multiplier, dw.data_format, dw.dilation_rate,
            dw.use_bias) == ((1, 1), "valid", 1, "channels_last", (1, 1), True)
    cfg = dw.get_config()
    assert set(cfg) == {"name", "trainable", "dtype", "depth_multiplier", "kernel_size", "strides",
                        "padding", "data_format", "dilation_rate", "activation", "use_bias",
                        "depthwise_initializer", "bias_initializer", "depthwise_regularizer",
                        "bias_regularizer", "activity_regularizer", "depthwise_constraint",
                        "bias_constraint"}
    assert cfg["depthwise_initializer"]["class_name"] == "GlorotUniform"
    assert cfg["bias_initializer"]["class_name"] == "Zeros" and cfg["activation"] == "linear"
    sep = L.SeparableConv2D(8, 3)
    cfg = sep.get_config()
    assert set(cfg) == {"name", "trainable", "dtype", "depth_multiplier", "filters", "kernel_size",
                        "strides", "padding", "data_format", "dilation_rate", "activation",
                        "use_bias", "depthwise_initializer", "pointwise_initializer",
                        "bias_initializer", "depthwise_regularizer", "pointwise_regularizer",
                        "bias_regularizer", "activity_regularizer", "depthwise_constraint",
                        "pointwise_constraint", "bias_constraint"}
    assert cfg["pointwise_initializer"]["class_name"] == "GlorotUniform"
    assert sep.name.startswith("separable_conv2d") and dw.name.startswith("depthwise_conv2d")


def test_separable_conv2d_reads_tf_keras_configs_and_keras1_spelling():
    # tf.keras 2 wrote its base Conv's unused kernel arguments (and groups) into the config
    record = {"class_name": "SeparableConv2D", "config": dict(
        L.SeparableConv2D(3, 3).get_config(), name="sep_tf", groups=1,
        kernel_initializer={"class_name": "GlorotUniform", "config": {"seed": None}},
        kernel_regularizer=None, kernel_constraint=None)}
    layer = L.deserialize(record)
    assert isinstance(layer, L.SeparableConv2D) and layer.name == "sep_tf"
    assert isinstance(L.deserialize({"class_name": "DepthwiseConv2D",
                                     "config": {"kernel_size": [3, 3], "groups": 1}}),
                      L.DepthwiseConv2D)
    assert L.SeparableConvolution2D is L.SeparableConv2D
    with pytest.warns(DeprecationWarning, match="SeparableConv2D"):
        old = L.SeparableConvolution2D(8, 3, 3, border_mode="same", subsample=(2, 2))
    assert (old.kernel_size, old.padding, old.strides) == ((3, 3), "same", (2, 2))


def test_separable_keras1_init_sets_both_kernel_initializers():
    with pytest.warns(DeprecationWarning, match="pointwise_initializer"):
        layer = L.SeparableConv2D(4, 3, 3, init="ones")
    layer.build((None, 5, 5, 2))
    assert np.all(layer.depthwise_kernel.numpy() == 1) and np.all(layer.pointwise_kernel.numpy() == 1)
    config = layer.get_config()
    assert config["depthwise_initializer"] == config["pointwise_initializer"]


def test_depthwise_and_separable_bad_arguments():
    with pytest.raises(ValueError, match="depth_multiplier"):
        L.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match="dilation_rate"):
        L.SeparableConv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="filters"):
        L.SeparableConv2D(0, 3)
    with pytest.raises(ValueError, match="padding"):
        L.DepthwiseConv2D(3, padding="causal")
    with pytest.raises(TypeError, match="kernel_initializer"):
        L.DepthwiseConv2D(3, kernel_initializer="zeros")
    layer = L.DepthwiseConv2D(3, name="dw")
    layer(rand(1, 5, 5, 3))
    with pytest.raises(ValueError, match=r"dw.*axis -1.*3"):
        layer(rand(1, 5, 5, 2))


# -- groups, 1-D transposed/separable/depthwise, 3-D ----------------------------------------------
def naive_conv(x, w, stride=1, groups=1):
    """Valid N-D correlation (channels last), one loop over output positions, per group."""
    r, cin, og = x.ndim - 2, w.shape[-2], w.shape[-1] // groups
    outs = [(n - k) // stride + 1 for n, k in zip(x.shape[1:-1], w.shape[:r])]
    y = np.zeros((x.shape[0], *outs, w.shape[-1]))
    for pos in np.ndindex(*outs):
        patch = x[(slice(None),) + tuple(slice(p * stride, p * stride + k)
                                         for p, k in zip(pos, w.shape[:r]))]
        for g in range(groups):
            y[(slice(None),) + pos + (slice(g * og, (g + 1) * og),)] = np.tensordot(
                patch[..., g * cin:(g + 1) * cin], w[..., g * og:(g + 1) * og],
                axes=(list(range(1, r + 2)), list(range(r + 1))))
    return y


@pytest.mark.parametrize("cls, shape", [("Conv1D", (2, 7, 6)), ("Conv2D", (2, 5, 6, 6)),
                                        ("Conv3D", (2, 4, 5, 3, 6))])
def test_grouped_convolutions_values_kernel_and_config(cls, shape):
    layer = getattr(L, cls)(4, 2, groups=2, bias_initializer="random_normal")
    x = rand(*shape)
    y = layer(x).numpy()
    w, b = layer.get_weights()
    assert w.shape == (2,) * (len(shape) - 2) + (3, 4) and layer.count_params() == w.size + 4
    np.testing.assert_allclose(y, naive_conv(x, w, groups=2) + b, rtol=1e-4, atol=1e-5)
    assert layer.get_config()["groups"] == 2
    assert L.deserialize(L.serialize(layer)).groups == 2
    assert "groups" not in L.Conv2DTranspose(2, 3).get_config()
    with pytest.raises(ValueError, match=rf"{cls}: the number of filters \(3\) must be divisible "
                                         r"by the number of groups \(2\)"):
        getattr(L, cls)(3, 2, groups=2)
    with pytest.raises(ValueError, match=r"number of input channels \(5\) must be divisible by "
                                         r"the number of groups \(2\)"):
        getattr(L, cls)(4, 1, groups=2)(rand(*shape[:-1], 5))


def test_conv3d_values_shapes_and_channels_first():
    x = rand(2, 5, 6, 4, 3)
    layer = L.Conv3D(4, (3, 2, 2), strides=2, padding="same", activation="relu")
    y = layer(x).numpy()
    w, b = layer.get_weights()
    assert [v.name for v in layer.weights] == ["kernel", "bias"] and w.shape == (3, 2, 2, 3, 4)
    # TF 'same': depth 5, k=3, s=2 pads (1, 1); rows 6, k=2 -> (0, 0); cols 4, k=2 -> (0, 0)
    padded = np.pad(x, ((0, 0), (1, 1), (0, 0), (0, 0), (0, 0)))
    np.testing.assert_allclose(y, np.maximum(naive_conv(padded, w, 2) + b, 0), rtol=1e-4,
                               atol=1e-5)
    assert layer.compute_output_shape((None, 5, 6, 4, 3)) == (None, 3, 3, 2, 4)
    assert y.shape == (2, 3, 3, 2, 4)
    first = L.Conv3D(4, (3, 2, 2), strides=2, padding="same", activation="relu",
                     data_format="channels_first")
    first(x.transpose(0, 4, 1, 2, 3))
    first.set_weights([w, b])
    np.testing.assert_allclose(first(x.transpose(0, 4, 1, 2, 3)).numpy(),
                               y.transpose(0, 4, 1, 2, 3), rtol=1e-5, atol=1e-6)
    assert first.compute_output_shape((None, 3, 5, 6, 4)) == (None, 4, 3, 3, 2)
    assert L.Convolution3D is L.Conv3D


@pytest.mark.parametrize("cls, shape, kernel, out", [
    ("Conv1DTranspose", (2, 5, 3), (3,), 5 * 2 + 1),
    ("Conv3DTranspose", (2, 3, 2, 4, 3), (3, 3, 3), None)])
def test_transposed_convolutions_shapes_weights_and_adjointness(cls, shape, kernel, out):
    layer = getattr(L, cls)(2, 3, strides=2, use_bias=False)
    y = layer(rand(*shape))
    w = layer.get_weights()[0]
    assert w.shape == kernel + (2, 3) and [v.name for v in layer.weights] == ["kernel"]
    # Keras: valid n*s + max(k - s, 0)
    assert y.shape == (2,) + tuple(n * 2 + 1 for n in shape[1:-1]) + (2,)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + y.shape[1:]
    # the transposed convolution is the adjoint of the plain one with the same kernel
    x, v = rand(*y.shape[:-1], 2), rand(*shape)
    forward = naive_conv(x.astype(float), w, stride=2)
    back = layer(v).numpy()  # layer applied to v: <forward(x), v> == <x, layer(v)>
    np.testing.assert_allclose((forward * v).sum(), (x * back).sum(), rtol=1e-4)
    assert getattr(L, cls.replace("Conv", "Convolution")) is getattr(L, cls)


def test_transposed_convolution_output_padding_and_config():
    layer = L.Conv1DTranspose(3, 3, strides=2, padding="same", output_padding=1)
    assert layer(rand(1, 4, 2)).shape == (1, 8, 3)
    cfg = layer.get_config()
    assert cfg["output_padding"] == (1,) and "groups" not in cfg
    layer3 = L.Conv3DTranspose(3, 3, strides=(2, 1, 3), output_padding=(1, 0, 2),
                               data_format="channels_first")
    assert layer3(rand(1, 2, 3, 4, 2)).shape == (1, 3, 8, 6, 8)  # (n-1)*s + k + output_padding
    assert layer3.compute_output_shape((None, 2, 3, 4, 2)) == (None, 3, 8, 6, 8)
    with pytest.raises(ValueError, match=r"Conv1DTranspose: `output_padding` \(2,\) must be "
                                         r"smaller than the strides \(2,\)"):
        L.Conv1DTranspose(3, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="padding"):
        L.Conv1DTranspose(3, 3, padding="causal")
    with pytest.raises(ValueError, match="Conv3DTranspose: transposed convolutions take no "):
        L.Conv3DTranspose(4, 3, groups=2)
    tf_keras = dict(L.Conv2DTranspose(2, 3).get_config(), groups=1)  # tf.keras 2 wrote groups
    assert isinstance(L.Conv2DTranspose.from_config(tf_keras), L.Conv2DTranspose)
    assert L.Deconvolution3D is L.Conv3DTranspose


def test_depthwise_and_separable_conv1d_values_weights_and_config():
    x = rand(2, 9, 3)
    dw = L.DepthwiseConv1D(3, strides=2, padding="same", depth_multiplier=2,
                           bias_initializer="random_normal")
    y = dw(x).numpy()
    k, b = dw.get_weights()
    assert [v.name for v in dw.weights] == ["kernel", "bias"] and k.shape == (3, 3, 2)
    padded = np.pad(x, ((0, 0), (1, 1), (0, 0)))  # TF 'same': 9 with k=3, s=2 pads (1, 1)
    ref = np.concatenate([naive_conv(padded[..., c:c + 1], k[:, c:c + 1], 2)
                          for c in range(3)], axis=-1) + b
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    assert dw.compute_output_shape((None, 9, 3)) == (None, 5, 6)
    sep = L.SeparableConv1D(4, 3, dilation_rate=2, depth_multiplier=2, activation="tanh")
    out = sep(x).numpy()
    dk, pk, pb = sep.get_weights()
    assert [v.name for v in sep.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert (dk.shape, pk.shape, pb.shape) == ((3, 3, 2), (1, 6, 4), (4,))
    mid = L.DepthwiseConv1D(3, dilation_rate=2, depth_multiplier=2, use_bias=False)
    mid(x)
    mid.set_weights([dk])
    np.testing.assert_allclose(out, np.tanh(mid(x).numpy() @ pk[0] + pb), rtol=1e-5, atol=1e-6)
    assert set(sep.get_config()) == set(L.SeparableConv2D(4, 3).get_config())
    assert set(dw.get_config()) == set(L.DepthwiseConv2D(3).get_config())
    first = L.SeparableConv1D(4, 3, dilation_rate=2, depth_multiplier=2, activation="tanh",
                              data_format="channels_first")
    first(x.transpose(0, 2, 1))
    first.set_weights([dk, pk, pb])
    np.testing.assert_allclose(first(x.transpose(0, 2, 1)).numpy(), out.transpose(0, 2, 1),
                               rtol=1e-5, atol=1e-6)
    assert L.SeparableConvolution1D is L.SeparableConv1D
    with pytest.raises(ValueError, match="padding"):
        L.DepthwiseConv1D(3, padding="causal")


@pytest.mark.parametrize("make, shape", [
    (lambda: L.Conv1D(4, 3, groups=2, padding="causal"), (2, 6, 4)),
    (lambda: L.Conv3D(2, (2, 3, 2), strides=(1, 2, 1), padding="same", groups=1), (1, 3, 5, 4, 2)),
    (lambda: L.Conv1DTranspose(2, 3, strides=2, output_padding=1, activation="relu"), (2, 4, 3)),
    (lambda: L.Conv3DTranspose(2, 2, strides=2, padding="same", data_format="channels_first"),
     (1, 2, 2, 3, 2)),
    (lambda: L.DepthwiseConv1D(3, depth_multiplier=2, padding="same"), (2, 6, 3)),
    (lambda: L.SeparableConv1D(3, 2, strides=2, depthwise_regularizer="l2"), (2, 7, 2)),
    (lambda: L.MaxPooling3D((2, 1, 2), padding="same"), (1, 3, 3, 3, 2)),
    (lambda: L.AveragePooling3D(2, strides=1, data_format="channels_first"), (1, 2, 3, 3, 3)),
    (lambda: L.GlobalMaxPooling3D(keepdims=True), (2, 2, 3, 2, 2)),
    (lambda: L.ZeroPadding3D((1, 0, 2)), (1, 2, 2, 2, 1)),
    (lambda: L.Cropping3D(((1, 0), (0, 1), (1, 1)), data_format="channels_first"),
     (1, 1, 3, 3, 4)),
    (lambda: L.UpSampling3D((1, 2, 3)), (1, 2, 2, 2, 1)),
    (lambda: L.SpatialDropout3D(0.3, seed=1), (1, 2, 2, 2, 3)),
])
def test_new_layers_config_round_trip(make, shape):
    for a, b in zip(*round_trip(make(), rand(*shape))):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("layer, shape", [
    (L.Conv1D(4, 3, groups=2), (2, 6, 4)),
    (L.Conv3D(2, 2, padding="same", kernel_regularizer="l2"), (2, 3, 3, 3, 2)),
    (L.Conv1DTranspose(2, 3, strides=2), (2, 3, 3)),
    (L.Conv3DTranspose(2, 2, strides=2), (2, 2, 2, 2, 3)),
    (L.DepthwiseConv1D(3, depth_multiplier=2), (2, 5, 3)),
    (L.SeparableConv1D(2, 3, padding="same"), (2, 5, 3)),
])
def test_gradient_flows_to_every_new_conv_weight(layer, shape):
    assert_gradients_reach_every_weight(layer, rand(*shape))


def test_pooling3d_values_shapes_and_aliases():
    x = rand(2, 4, 6, 2, 3)
    blocks = x.reshape(2, 2, 2, 3, 2, 1, 2, 3)
    np.testing.assert_allclose(L.MaxPooling3D()(x).numpy(), blocks.max(axis=(2, 4, 6)),
                               rtol=1e-6)
    np.testing.assert_allclose(L.AveragePooling3D()(x).numpy(), blocks.mean(axis=(2, 4, 6)),
                               rtol=1e-5)
    same = L.AveragePooling3D(3, strides=1, padding="same")(np.ones((1, 3, 3, 3, 1), "f4"))
    np.testing.assert_allclose(same.numpy(), 1.0, rtol=1e-6)  # divides by the real cells
    first = L.MaxPooling3D((2, 3, 1), strides=(1, 2, 1), padding="same",
                           data_format="channels_first")
    y = first(x.transpose(0, 4, 1, 2, 3))
    assert y.shape == (2, 3, 4, 3, 2) == first.compute_output_shape((2, 3, 4, 6, 2))
    last = L.MaxPooling3D((2, 3, 1), strides=(1, 2, 1), padding="same")(x).numpy()
    np.testing.assert_allclose(y.numpy(), last.transpose(0, 4, 1, 2, 3), rtol=1e-6)
    np.testing.assert_allclose(L.GlobalMaxPooling3D()(x).numpy(), x.max(axis=(1, 2, 3)),
                               rtol=1e-6)
    np.testing.assert_allclose(
        L.GlobalAveragePooling3D(data_format="channels_first")(x).numpy(), x.mean(axis=(2, 3, 4)),
        rtol=1e-5)
    assert L.GlobalAveragePooling3D(keepdims=True).compute_output_shape((2, 4, 6, 2, 3)) == \
        (2, 1, 1, 1, 3)
    assert (L.MaxPool3D, L.AvgPool3D, L.GlobalMaxPool3D, L.GlobalAvgPool3D) == (
        L.MaxPooling3D, L.AveragePooling3D, L.GlobalMaxPooling3D, L.GlobalAveragePooling3D)
    assert L.MaxPooling3D().get_config()["pool_size"] == (2, 2, 2)


def test_padding_cropping_upsampling_3d_values():
    x = rand(1, 2, 3, 4, 2)
    pads = ((1, 0), (2, 1), (0, 2))
    np.testing.assert_array_equal(L.ZeroPadding3D(pads)(x).numpy(),
                                  np.pad(x, ((0, 0),) + pads + ((0, 0),)))
    assert L.ZeroPadding3D().compute_output_shape((None, 2, None, 4, 2)) == (None, 4, None, 6, 2)
    first = L.ZeroPadding3D(1, data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(first, np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1), (1, 1))))
    np.testing.assert_array_equal(L.Cropping3D(((1, 0), (0, 1), (1, 2)))(x).numpy(),
                                  x[:, 1:, :2, 1:2])
    assert L.Cropping3D().compute_output_shape((None, 4, 5, 6, 1)) == (None, 2, 3, 4, 1)
    np.testing.assert_array_equal(L.UpSampling3D((2, 1, 3))(x).numpy(),
                                  x.repeat(2, axis=1).repeat(3, axis=3))
    np.testing.assert_array_equal(
        L.UpSampling3D(2, data_format="channels_first")(x).numpy(),
        x.repeat(2, axis=2).repeat(2, axis=3).repeat(2, axis=4))
    assert L.UpSampling3D().compute_output_shape((None, 2, 3, 4, 2)) == (None, 4, 6, 8, 2)
    with pytest.raises(ValueError, match="cropping"):
        L.Cropping3D(1)(x)


def test_spatial_dropout3d_drops_whole_volumes():
    x = np.ones((4, 3, 3, 2, 8), "float32")
    layer = L.SpatialDropout3D(0.5, seed=3)
    y = layer(x, training=True).numpy()
    per_channel = y.reshape(4, -1, 8)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))  # all or nothing
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    np.testing.assert_array_equal(layer(x).numpy(), x)
    first = L.SpatialDropout3D(0.5, data_format="channels_first", seed=3)
    z = first(x.transpose(0, 4, 1, 2, 3), training=True).numpy().reshape(4, 8, -1)
    assert np.all(z.min(axis=2) == z.max(axis=2))
    assert set(layer.get_config()) == {"name", "trainable", "dtype", "rate", "seed", "data_format"}
