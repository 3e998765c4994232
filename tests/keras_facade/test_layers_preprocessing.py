"""Keras 3 preprocessing layers: image resizing/augmentation and numerical features, against
naive numpy references."""
import math

import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from autograd_core.testing import gradcheck
from keras_facade import layers
from keras_facade.preprocessing.dataset import Dataset

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, (2, 5, 6, 3)).astype("float32")


# -- naive references -----------------------------------------------------------------------------
def ref_resize_axis(x, axis, size, nearest=False):
    """Half-pixel centres: output i reads (i + 0.5) * n / size - 0.5."""
    x = np.moveaxis(x, axis, 0)
    n = x.shape[0]
    out = []
    for i in range(size):
        centre = (i + 0.5) * n / size
        if nearest:
            out.append(x[min(int(math.floor(centre)), n - 1)])
            continue
        src = min(max(centre - 0.5, 0.0), n - 1)
        low = int(math.floor(src))
        high = min(low + 1, n - 1)
        out.append(x[low] * (1 - (src - low)) + x[high] * (src - low))
    return np.moveaxis(np.stack(out), 0, axis)


def ref_resize(x, height, width, nearest=False):
    return ref_resize_axis(ref_resize_axis(x, 1, height, nearest), 2, width, nearest)


def ref_fix(index, n, fill_mode):
    """Keras 3's definitions: reflect dcba|abcd|dcba, wrap abcd|abcd, nearest aaaa|abcd|dddd."""
    if fill_mode == "wrap":
        return index % n
    if fill_mode == "reflect":
        while not 0 <= index < n:
            index = -index - 1 if index < 0 else 2 * n - 1 - index
        return index
    return min(max(index, 0), n - 1)


def ref_warp(image, transform, fill_mode, interpolation, fill_value=0.0):
    """One (h, w, c) image read at (a0 x + a1 y + a2, b0 x + b1 y + b2) per output (x, y)."""
    h, w, _ = image.shape
    a0, a1, a2, b0, b1, b2 = transform
    out = np.zeros_like(image, dtype=np.float64)
    for y in range(h):
        for x in range(w):
            row, col = b0 * x + b1 * y + b2, a0 * x + a1 * y + a2
            if interpolation == "nearest":
                taps = [(int(np.round(row)), int(np.round(col)), 1.0)]
            else:
                r, c = math.floor(row), math.floor(col)
                fr, fc = row - r, col - c
                taps = [(r, c, (1 - fr) * (1 - fc)), (r, c + 1, (1 - fr) * fc),
                        (r + 1, c, fr * (1 - fc)), (r + 1, c + 1, fr * fc)]
            for r, c, weight in taps:
                if fill_mode == "constant" and not (0 <= r < h and 0 <= c < w):
                    out[y, x] += weight * fill_value
                else:
                    out[y, x] += weight * image[ref_fix(r, h, fill_mode), ref_fix(c, w, fill_mode)]
    return out


def rotation(degrees, h, w):
    t = math.radians(degrees)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    cos, sin = math.cos(t), math.sin(t)
    return (cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos)


# -- Rescaling, Resizing, CenterCrop --------------------------------------------------------------
def test_rescaling_values_dtype_and_config():
    layer = layers.Rescaling(1.0 / 255, offset=-0.5)
    out = layer(IMAGES.astype("uint8"))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), IMAGES.astype("uint8") / 255 - 0.5, atol=1e-6)
    per_channel = layers.Rescaling([1.0, 2.0, 3.0])(IMAGES)
    np.testing.assert_allclose(per_channel.numpy(), IMAGES * [1, 2, 3], rtol=1e-6)
    config = layer.get_config()
    assert config["scale"] == pytest.approx(1 / 255) and config["offset"] == -0.5
    assert layers.Rescaling.from_config(config).scale == pytest.approx(1 / 255)


@pytest.mark.parametrize("size", [(3, 4), (9, 13), (5, 2)])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resizing_matches_half_pixel_reference(size, interpolation):
    out = layers.Resizing(*size, interpolation=interpolation)(IMAGES)
    assert out.shape == (2,) + size + (3,)
    np.testing.assert_allclose(out.numpy(), ref_resize(IMAGES, *size, interpolation == "nearest"),
                               rtol=1e-5, atol=1e-3)


def keys_cubic(d, a=-0.75):
    d = abs(d)
    if d <= 1:
        return (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1
    return a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a if d < 2 else 0.0


def test_resizing_bicubic_and_integer_images():
    x = IMAGES[0, :, :, 0]
    out = layers.Resizing(7, 6, interpolation="bicubic")(IMAGES[:1, :, :, :1]).numpy()
    expected = np.zeros((7, 6))
    for i in range(7):
        src = (i + 0.5) * 5 / 7 - 0.5
        for k in range(math.floor(src) - 1, math.floor(src) + 3):
            expected[i] += keys_cubic(src - k) * x[min(max(k, 0), 4)]
    np.testing.assert_allclose(out[0, :, :, 0], expected, rtol=1e-4, atol=1e-3)
    pixels = IMAGES.astype("uint8")
    resized = layers.Resizing(4, 9)(pixels)
    assert resized.dtype == np.uint8
    reference = ref_resize(pixels.astype("float32"), 4, 9)  # float64: ties may round apart
    np.testing.assert_allclose(resized.numpy(), np.round(reference), atol=1)


def test_resizing_crop_pad_channels_first_and_unbatched():
    crop = layers.Resizing(4, 4, crop_to_aspect_ratio=True)(IMAGES).numpy()
    np.testing.assert_allclose(crop, ref_resize(IMAGES[:, :, :5], 4, 4), rtol=1e-5)  # 5x5 window
    pad = layers.Resizing(6, 6, pad_to_aspect_ratio=True, fill_value=1.0)(IMAGES[:, :4]).numpy()
    padded = np.pad(IMAGES[:, :4], ((0, 0), (1, 1), (0, 0), (0, 0)), constant_values=1.0)
    np.testing.assert_allclose(pad, padded, rtol=1e-6)
    first = layers.Resizing(3, 4, data_format="channels_first")(IMAGES.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(first.numpy(), ref_resize(IMAGES, 3, 4).transpose(0, 3, 1, 2),
                               rtol=1e-5)
    single = layers.Resizing(3, 4)(IMAGES[0])
    np.testing.assert_allclose(single.numpy(), ref_resize(IMAGES, 3, 4)[0], rtol=1e-5)


def test_resizing_errors_and_gradient():
    with pytest.raises(ValueError, match="Resizing.*interpolation.*'lanczos3'"):
        layers.Resizing(2, 2, interpolation="lanczos3")
    with pytest.raises(ValueError, match="Resizing: only one"):
        layers.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match=r"Resizing: expected a rank 3.*got shape \(5, 6\)"):
        layers.Resizing(2, 2)(IMAGES[0, :, :, 0])
    layer = layers.Resizing(3, 8, dtype="float64")
    assert gradcheck(lambda x: layer(x), IMAGES[:1, :, :, :1].astype(np.float64))


def test_center_crop_slices_or_resizes():
    out = layers.CenterCrop(3, 2)(IMAGES)
    np.testing.assert_array_equal(out.numpy(), IMAGES[:, 1:4, 2:4])
    small = layers.CenterCrop(4, 8)(IMAGES)  # wider than the image: crop 3x6 then resize
    np.testing.assert_allclose(small.numpy(), ref_resize(IMAGES[:, 1:4], 4, 8), rtol=1e-5)
    assert layers.CenterCrop(3, 2).compute_output_shape((None, 5, 6, 3)) == (None, 3, 2, 3)


# -- random augmentation --------------------------------------------------------------------------
RANDOM_LAYERS = [
    lambda: layers.RandomFlip(seed=0), lambda: layers.RandomRotation(0.2, seed=1),
    lambda: layers.RandomZoom(0.3, seed=1), lambda: layers.RandomTranslation(0.2, 0.3, seed=1),
    lambda: layers.RandomContrast(0.5, seed=1), lambda: layers.RandomBrightness(0.2, seed=1)]


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_identity_at_inference_seeded_in_training(make):
    layer = make()
    assert np.array_equal(layer(IMAGES, training=False).numpy(), IMAGES)
    first, again = make()(IMAGES, training=True), make()(IMAGES)  # alone: training by default
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    assert first.shape == IMAGES.shape and first.dtype == np.float32
    assert not np.array_equal(first.numpy(), IMAGES)
    restored = type(layer).from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()


def test_random_layers_follow_the_model_and_learning_phase():
    model = keras.Sequential([keras.Input(shape=(5, 6, 3)), layers.RandomRotation(0.3, seed=1)])
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), IMAGES)
    np.testing.assert_array_equal(model(IMAGES, training=False).numpy(), IMAGES)
    assert not np.array_equal(model(IMAGES, training=True).numpy(), IMAGES)
    # no flag anywhere: each layer's own default, as Keras 3 (augment here, Dropout would not)
    assert not np.array_equal(model(IMAGES).numpy(), IMAGES)
    with_dropout = keras.Sequential([keras.Input(shape=(5, 6, 3)), layers.Dropout(0.5)])
    np.testing.assert_array_equal(with_dropout(IMAGES).numpy(), IMAGES)
    keras.backend.set_learning_phase(0)
    np.testing.assert_array_equal(layers.RandomFlip(seed=0)(IMAGES).numpy(), IMAGES)


def test_random_flip_flips_whole_images():
    x = RNG.uniform(size=(16, 3, 4, 2)).astype("float32")
    out = layers.RandomFlip("horizontal", seed=3)(x, training=True).numpy()
    flipped = [np.array_equal(o, xi[:, ::-1]) for o, xi in zip(out, x)]
    kept = [np.array_equal(o, xi) for o, xi in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)
    both = layers.RandomFlip(seed=3)(x, training=True).numpy()
    assert all(np.array_equal(o, xi[::-1, ::-1]) or np.array_equal(o, xi) for o, xi in zip(both, x))
    with pytest.raises(ValueError, match="RandomFlip.*mode.*'diagonal'"):
        layers.RandomFlip("diagonal")


def test_random_rotation_quarter_turn_is_rot90():
    x = RNG.uniform(size=(1, 4, 4, 2)).astype("float32")
    out = layers.RandomRotation((0.25, 0.25))(x, training=True).numpy()
    np.testing.assert_allclose(out[0], np.rot90(x[0]), atol=1e-5)  # counter-clockwise


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_layers_match_reference_sampling(fill_mode, interpolation):
    kwargs = dict(fill_mode=fill_mode, interpolation=interpolation, fill_value=9.0)
    h, w = IMAGES.shape[1:3]
    rot = layers.RandomRotation((-0.13, -0.13), **kwargs)(IMAGES, training=True).numpy()
    expected = [ref_warp(img, rotation(-0.13 * 360, h, w), fill_mode, interpolation, 9.0)
                for img in IMAGES]
    np.testing.assert_allclose(rot, expected, rtol=1e-4, atol=1e-2)
    zoom = layers.RandomZoom((0.4, 0.4), (-0.3, -0.3), **kwargs)(IMAGES, training=True).numpy()
    zx, zy = 0.7, 1.4
    transform = (zx, 0, (w - 1) / 2 * (1 - zx), 0, zy, (h - 1) / 2 * (1 - zy))
    np.testing.assert_allclose(zoom[0], ref_warp(IMAGES[0], transform, fill_mode, interpolation,
                                                 9.0), rtol=1e-4, atol=1e-2)
    shift = layers.RandomTranslation((0.3, 0.3), (-0.25, -0.25), **kwargs)(IMAGES, training=True)
    transform = (1, 0, 0.25 * w, 0, 1, -0.3 * h)
    np.testing.assert_allclose(shift.numpy()[1], ref_warp(IMAGES[1], transform, fill_mode,
                                                          interpolation, 9.0), rtol=1e-4,
                               atol=1e-2)


def test_affine_channels_first_unbatched_and_gradient():
    layer = layers.RandomRotation((0.1, 0.1), fill_mode="wrap", data_format="channels_first")
    first = layer(IMAGES.transpose(0, 3, 1, 2), training=True).numpy()
    last = layers.RandomRotation((0.1, 0.1), fill_mode="wrap")(IMAGES, training=True).numpy()
    np.testing.assert_allclose(first, last.transpose(0, 3, 1, 2), rtol=1e-6)
    single = layers.RandomRotation((0.1, 0.1), fill_mode="wrap")(IMAGES[1], training=True)
    np.testing.assert_allclose(single.numpy(), last[1], rtol=1e-6)
    rotate = layers.RandomRotation((0.07, 0.07), fill_mode="constant", fill_value=2.0,
                                   dtype="float64")
    assert gradcheck(lambda x: rotate(x, training=True), IMAGES[:1, :, :, :1].astype(np.float64))


def test_factor_validation():
    with pytest.raises(ValueError, match=r"RandomRotation: `factor`.*\[-1, 1\].*1.5"):
        layers.RandomRotation(1.5)
    with pytest.raises(ValueError, match=r"RandomZoom: `height_factor`.*\(-1.0, 1.0\]"):
        layers.RandomZoom(-1.0)
    with pytest.raises(ValueError, match=r"RandomTranslation: `width_factor`"):
        layers.RandomTranslation(0.1, (0.1, 2.0))
    with pytest.raises(ValueError, match=r"RandomContrast: `factor`.*\[0, 1\]"):
        layers.RandomContrast(1.5)
    with pytest.raises(ValueError, match="RandomRotation.*fill_mode.*'mirror'"):
        layers.RandomRotation(0.1, fill_mode="mirror")
    assert layers.RandomRotation(0.2).factor == (-0.2, 0.2)
    assert layers.RandomContrast(0.2).factor == (0, 0.2)
    assert layers.RandomZoom((0.3, -0.1)).height_range == (-0.1, 0.3)


def test_random_crop_window_in_training_centre_at_inference():
    x = RNG.uniform(size=(2, 6, 8, 1)).astype("float32")
    layer = layers.RandomCrop(3, 4, seed=5)
    out = layer(x, training=True).numpy()
    windows = [(t, l) for t in range(4) for l in range(5)
               if np.array_equal(out, x[:, t:t + 3, l:l + 4])]
    assert len(windows) == 1
    centre = layer(x, training=False).numpy()  # the 6x8 image already has the 3:4 ratio
    np.testing.assert_allclose(centre, ref_resize(x, 3, 4), rtol=1e-5)
    assert layer.compute_output_shape((None, 6, 8, 1)) == (None, 3, 4, 1)
    assert isinstance(layers.RandomCrop(2, 2).get_config()["seed"], int)


def test_random_contrast_and_brightness_formulas():
    x = RNG.uniform(50, 200, (4, 3, 3, 2)).astype("float32")
    out = layers.RandomContrast((0.5, 0.5), seed=2)(x, training=True).numpy()
    mean = x.mean(axis=(1, 2), keepdims=True)
    factor = (out - mean)[:, :1, :1, :1] / (x - mean)[:, :1, :1, :1]
    assert np.all((factor >= 0.5) & (factor <= 1.5))
    np.testing.assert_allclose(out, np.clip((x - mean) * factor + mean, 0, 255), rtol=1e-4)
    bright = layers.RandomBrightness((0.1, 0.2), value_range=(0, 255), seed=2)
    delta = bright(x, training=True).numpy() - x
    assert np.all((delta > 0.1 * 255 - 1e-3) & (delta < 0.2 * 255 + 1e-3) | (x + delta >= 255))
    clipped = layers.RandomBrightness((1.0, 1.0), value_range=(0, 1))(x / 255, training=True)
    np.testing.assert_allclose(clipped.numpy(), 1.0)


# -- numerical features ---------------------------------------------------------------------------
DATA = RNG.normal(2.0, 3.0, (40, 4, 3)).astype("float32")


def test_normalization_adapt_weights_and_values():
    layer = layers.Normalization()
    layer.adapt(DATA)
    assert [(w.name, w.shape, str(w.dtype)) for w in layer.weights] == [
        ("mean", (3,), "float32"), ("variance", (3,), "float32"), ("count", (), "int32")]
    mean, var = DATA.mean(axis=(0, 1)), DATA.var(axis=(0, 1))
    np.testing.assert_allclose(layer.get_weights()[0], mean, rtol=1e-5)
    np.testing.assert_allclose(layer(DATA).numpy(), (DATA - mean) / np.sqrt(var), rtol=1e-4,
                               atol=1e-5)
    for data in ([DATA[:15], DATA[15:]], Dataset.from_tensor_slices((DATA, DATA)).batch(7)):
        other = layers.Normalization()
        other.adapt(data)
        np.testing.assert_allclose(other.get_weights()[1], var, rtol=1e-5)
    grid = layers.Normalization(axis=(1, 2))
    grid.adapt(DATA)
    np.testing.assert_allclose(grid.get_weights()[0], DATA.mean(axis=0), rtol=1e-5)
    whole = layers.Normalization(axis=None)
    whole.adapt(DATA)
    assert whole.get_weights()[0].shape == () and whole.get_weights()[0] == pytest.approx(
        DATA.mean(), rel=1e-5)


def test_normalization_given_stats_invert_and_errors():
    layer = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0])
    np.testing.assert_allclose(layer(DATA).numpy(), (DATA - [1, 2, 3]) / [1, 2, 3], rtol=1e-5)
    assert layer.weights == [] and layer.get_config()["mean"] == [1.0, 2.0, 3.0]
    inverse = layers.Normalization(mean=2.0, variance=4.0, invert=True)
    np.testing.assert_allclose(inverse(np.array([[1.0, 2.0]])).numpy(), [[4.0, 6.0]])
    with pytest.raises(ValueError, match="Normalization: set both"):
        layers.Normalization(mean=1.0)
    adapted = layers.Normalization()
    adapted.adapt(DATA)
    with pytest.raises(ValueError, match=r"built for inputs of shape \(40, 4, 3\).*\(5, 2\)"):
        adapted.adapt(np.zeros((5, 2)))
    with pytest.raises(TypeError, match="Normalization.adapt: expected"):
        layers.Normalization().adapt(object())
    x = ag.tensor(DATA[:2], requires_grad=True)
    adapted(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(1 / np.sqrt(DATA.var(axis=(0, 1))),
                                                               x.shape), rtol=1e-4)


def test_discretization_boundaries_adapt_and_modes():
    x = np.array([[-1.0, 0.0, 0.5, 1.0, 2.5, 3.0]])
    layer = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.5])
    out = layer(x)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), np.digitize(x, [0.0, 1.0, 2.5]))
    one_hot = layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(np.array([0.5, 2.0])).numpy(), [[0, 1, 0], [0, 0, 1]])
    learnt = layers.Discretization(num_bins=4)
    learnt.adapt(np.arange(100.0))
    assert learnt.bin_boundaries == pytest.approx([24.0, 49.0, 74.0])
    restored = layers.Discretization.from_config(learnt.get_config())
    assert restored.bin_boundaries == learnt.bin_boundaries and restored.num_bins == 4
    with pytest.raises(ValueError, match="Discretization: set exactly one"):
        layers.Discretization()
    with pytest.raises(ValueError, match="Discretization: call `adapt"):
        layers.Discretization(num_bins=3)(x)


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_category_encoding_modes(mode):
    ids = np.array([[1, 2, 2], [0, 4, 4]])
    out = layers.CategoryEncoding(5, output_mode=mode)(ids).numpy()
    one_hot = np.eye(5, dtype="float32")[ids]
    expected = {"one_hot": one_hot, "multi_hot": one_hot.max(axis=1),
                "count": one_hot.sum(axis=1)}[mode]
    np.testing.assert_array_equal(out, expected)
    symbolic = layers.CategoryEncoding(5, output_mode=mode).compute_output_shape((None, 3))
    assert symbolic == (None,) + expected.shape[1:]


def test_category_encoding_weights_and_errors():
    layer = layers.CategoryEncoding(4, output_mode="count")
    out = layer(np.array([[1, 2, 2]]), count_weights=np.array([[0.5, 1.0, 2.0]]))
    np.testing.assert_allclose(out.numpy(), [[0.0, 0.5, 3.0, 0.0]])
    with pytest.raises(ValueError, match=r"CategoryEncoding: input values must be in \[0, 4\)"):
        layer(np.array([[7]]))
    with pytest.raises(ValueError, match="CategoryEncoding: `num_tokens`"):
        layers.CategoryEncoding()


# -- models and saving ----------------------------------------------------------------------------
def test_tutorial_model_trains_and_round_trips_through_keras_file(tmp_path):
    augmentation = keras.Sequential([layers.RandomFlip("horizontal"),
                                     layers.RandomRotation(0.1)])
    norm = layers.Normalization()
    norm.adapt(IMAGES)
    inputs = keras.Input(shape=(5, 6, 3))
    x = layers.Rescaling(1.0 / 255)(augmentation(inputs))
    x = layers.Resizing(4, 4)(norm(x))
    outputs = layers.Dense(1)(layers.Flatten()(layers.CenterCrop(3, 3)(x)))
    model = keras.Model(inputs, outputs)
    assert augmentation.compute_output_shape((None, 5, 6, 3)) == (None, 5, 6, 3)
    model.compile(optimizer="adam", loss="mse")
    model.fit(IMAGES, np.ones((2, 1)), epochs=1, verbose=0)
    before = model.predict(IMAGES, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(IMAGES, verbose=0), before, rtol=1e-5)
    names = [type(layer).__name__ for layer in loaded.layers]
    assert names[1:] == ["Sequential", "Rescaling", "Normalization", "Resizing", "CenterCrop",
                         "Flatten", "Dense"]


# -- vocabulary layers (expected values: the examples of the Keras 3 documentation) ---------------
VOCAB = ["a", "b", "c", "d"]
WORDS = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]


def test_string_lookup_adapt_order_int_and_invert():
    layer = layers.StringLookup()
    layer.adapt([["a", "c", "d"], ["d", "z", "b"]])
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    out = layer([["a", "c", "d"], ["d", "z", "b"]])
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), [[5, 3, 1], [1, 2, 4]])
    fixed = layers.StringLookup(vocabulary=VOCAB, mask_token="")
    np.testing.assert_array_equal(fixed(np.array(["a", "", "q", "d"])).numpy(), [2, 0, 1, 5])
    assert fixed.get_vocabulary() == ["", "[UNK]"] + VOCAB and fixed.vocabulary_size() == 6
    inverse = layers.StringLookup(vocabulary=VOCAB, invert=True)
    assert inverse(np.array([[1, 3, 4], [4, 0, 2]])).tolist() == [["a", "c", "d"],
                                                                  ["d", "[UNK]", "b"]]
    restored = layers.StringLookup.from_config(layer.get_config())
    assert restored.get_vocabulary() == layer.get_vocabulary()


@pytest.mark.parametrize("mode, expected", [
    ("multi_hot", [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]),
    ("count", [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]),
    ("tf_idf", [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]])])
def test_string_lookup_encodings(mode, expected):
    layer = layers.StringLookup(output_mode=mode)
    layer.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4] if mode == "tf_idf" else None)
    out = layer(WORDS)
    assert out.dtype == np.float32 and layer.compute_output_shape((None, 4)) == (None, 5)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_string_lookup_errors():
    with pytest.raises(ValueError, match=r"StringLookup: the vocabulary repeats the tokens"):
        layers.StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match="StringLookup: with num_oov_indices=0.*'z'"):
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)(["a", "z"])
    with pytest.raises(ValueError, match="StringLookup: unknown `output_mode`"):
        layers.StringLookup(output_mode="ids")
    with pytest.raises(ValueError, match="invert=True needs output_mode='int'"):
        layers.StringLookup(invert=True, output_mode="count")


def test_integer_lookup_adapt_oov_buckets_and_invert():
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    layer = layers.IntegerLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    np.testing.assert_array_equal(layer(data).numpy(), [[5, 2, 1], [1, 3, 4]])
    buckets = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2)
    np.testing.assert_array_equal(buckets(np.array([[12, 1138, 42], [37, 1000, 36]])).numpy(),
                                  [[2, 4, 5], [1, 0, 3]])
    inverse = layers.IntegerLookup(vocabulary=[12, 36], invert=True)
    np.testing.assert_array_equal(inverse(np.array([1, 2, 0])).numpy(), [12, 36, -1])
    one_hot = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(np.array([12, 7])).numpy(), [[0, 1, 0, 0, 0],
                                                                       [1, 0, 0, 0, 0]])
    limited = layers.IntegerLookup(max_tokens=3)
    limited.adapt(data)
    assert limited.get_vocabulary() == [-1, 42, 1138]


def test_text_vectorization_int_sequences():
    layer = layers.TextVectorization(max_tokens=5000, output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    np.testing.assert_array_equal(layer([["foo qux bar"], ["qux baz"]]).numpy(),
                                  [[4, 1, 3, 0], [1, 2, 0, 0]])
    given = layers.TextVectorization(vocabulary=["earth", "wind", "and", "fire"])
    assert given.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    padded = given(["Earth, wind and FIRE!", "wind"])  # no length: pad to the longest
    np.testing.assert_array_equal(padded.numpy(), [[2, 3, 4, 5], [3, 0, 0, 0]])
    cut = layers.TextVectorization(vocabulary=["b", "a"], output_sequence_length=2)
    np.testing.assert_array_equal(cut(["a b a b"]).numpy(), [[3, 2]])
    assert cut.compute_output_shape((None,)) == (None, 2)
    restored = layers.TextVectorization.from_config(layer.get_config())
    assert restored.get_vocabulary() == layer.get_vocabulary()


def test_text_vectorization_ngrams_split_and_tf_idf():
    layer = layers.TextVectorization(output_mode="tf_idf", ngrams=2)
    layer.adapt(Dataset.from_tensor_slices(np.array(["the cat sat", "the dog sat"])).batch(1))
    vocabulary = layer.get_vocabulary()
    assert vocabulary[:3] == ["[UNK]", "the", "sat"]
    assert set(vocabulary[3:]) == {"cat", "dog", "the cat", "the dog", "cat sat", "dog sat"}
    out = layer(["The cat"]).numpy()
    idf_common, idf_rare = math.log(1 + 2 / 3), math.log(1 + 2 / 2)
    expected = np.zeros(len(vocabulary))
    expected[1] = idf_common
    expected[vocabulary.index("cat")] = expected[vocabulary.index("the cat")] = idf_rare
    np.testing.assert_allclose(out, [expected], rtol=1e-6)
    chars = layers.TextVectorization(split="character", standardize=None, output_mode="count")
    chars.adapt(["abca"])
    assert chars.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    np.testing.assert_array_equal(chars(["aAb"]).numpy(), [[1, 1, 0, 1]])
    with pytest.raises(ValueError, match="TextVectorization: `output_sequence_length` needs"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match=r"TextVectorization: expected a batch of strings"):
        chars(np.array([["a", "b"]]))


# -- devices --------------------------------------------------------------------------------------
DEVICE_LAYERS = [
    lambda: layers.Resizing(3, 7), lambda: layers.Rescaling([1.0, 2.0, 3.0], offset=1.0),
    lambda: layers.RandomFlip(seed=0), lambda: layers.RandomRotation(0.2, seed=1),
    lambda: layers.RandomZoom(0.3, fill_mode="constant", fill_value=1.0, seed=1),
    lambda: layers.RandomCrop(3, 3, seed=1), lambda: layers.RandomContrast(0.5, seed=1),
    lambda: layers.RandomBrightness(0.2, seed=1), lambda: layers.Discretization([50.0, 150.0]),
    lambda: layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0])]


@pytest.mark.parametrize("device", ["cpu:1"] + (["cuda"] if ag.cuda.is_available() else []))
def test_layers_run_on_other_devices(device):
    expected = [make()(IMAGES, training=True).numpy() for make in DEVICE_LAYERS]
    keras.backend.set_device(device)
    try:
        for make, want in zip(DEVICE_LAYERS, expected):
            out = make()(IMAGES, training=True)
            assert out.device == ag.device(device)
            np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-4)
        adapted = layers.Normalization()
        adapted.adapt(IMAGES)
        np.testing.assert_allclose(adapted(IMAGES).numpy().mean(axis=(0, 1, 2)), 0, atol=1e-5)
        counts = layers.CategoryEncoding(4, output_mode="count")(np.array([[1, 3, 3]]))
        np.testing.assert_array_equal(counts.numpy(), [[0, 1, 0, 2]])
    finally:
        keras.backend.set_device("cpu")


def test_every_layer_round_trips_through_serialize():
    made = [layers.Rescaling([0.5, 1.0], offset=0.1), layers.CenterCrop(3, 3),
            layers.Resizing(4, 5, interpolation="bicubic", pad_to_aspect_ratio=True,
                            data_format="channels_first"),
            layers.RandomTranslation((0.1, 0.2), 0.3, fill_mode="wrap", seed=4),
            layers.Normalization(axis=(1, 2), mean=[[1.0, 2.0]], variance=[[3.0, 4.0]]),
            layers.Discretization(num_bins=3, epsilon=0.1, output_mode="count"),
            layers.CategoryEncoding(7, output_mode="one_hot"),
            layers.IntegerLookup(vocabulary=[3, 1], mask_token=0, invert=True),
            layers.TextVectorization(ngrams=(1, 3), split="character", output_mode="multi_hot",
                                     pad_to_max_tokens=True, max_tokens=10)]
    for layer in made:
        copy = layers.deserialize(layers.serialize(layer))
        assert type(copy) is type(layer) and copy.get_config() == layer.get_config()
