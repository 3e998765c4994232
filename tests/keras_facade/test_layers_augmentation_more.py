"""Keras 3 colour, geometric, mixing and composite augmentation layers, Hashing and
HashedCrossing, against naive numpy / standard-library references."""
import colorsys
import math

import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from autograd_core.testing import gradcheck
from keras_facade import layers
from keras_facade.layers.preprocessing import color, geometry, hashing

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, (2, 5, 6, 3)).astype("float32")


def draws(layer, *values):
    """Make the layer's uniform draws return ``values`` in order (fixed random parameters)."""
    it = iter(values)
    layer._uniform = lambda low, high, size: (
        next(it) if size is None else np.asarray(next(it), np.float64).reshape(size))
    return layer


def per_pixel(fn, images):
    """Apply ``fn(r, g, b) -> (r, g, b)`` to every pixel."""
    out = np.empty(images.shape, np.float64)
    for index in np.ndindex(images.shape[:-1]):
        out[index] = fn(*images[index])
    return out


# -- which layers, how made -----------------------------------------------------------------------
RANDOM_LAYERS = [
    lambda: layers.RandomGrayscale(0.9, seed=1), lambda: layers.RandomHue(0.4, seed=1),
    lambda: layers.RandomSaturation(0.4, seed=1),
    lambda: layers.RandomColorDegeneration(0.5, seed=1),
    lambda: layers.RandomSharpness(0.4, seed=1), lambda: layers.RandomInvert(seed=1),
    lambda: layers.RandomPosterization(3, seed=1), lambda: layers.Solarization(0.3, 0.8, seed=1),
    lambda: layers.RandomColorJitter(brightness_factor=0.3, contrast_factor=0.3,
                                     saturation_factor=0.3, hue_factor=0.3, seed=1),
    lambda: layers.RandomShear(0.3, 0.2, seed=1), lambda: layers.RandomPerspective(seed=1),
    lambda: layers.RandomErasing((1.0, 1.0), seed=1), lambda: layers.RandomGaussianBlur(seed=1),
    lambda: layers.RandomElasticTransform(seed=1), lambda: layers.MixUp(alpha=1.0, seed=1),
    lambda: layers.CutMix(seed=1), lambda: layers.RandAugment(seed=1),
    lambda: layers.AugMix(seed=1), lambda: layers.Equalization()]


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_identity_at_inference_seeded_in_training_and_config(make):
    layer = make()
    assert np.array_equal(layer(IMAGES, training=False).numpy(), IMAGES)
    first, again = make()(IMAGES, training=True), make()(IMAGES)
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    assert first.shape == IMAGES.shape and first.dtype == np.float32
    assert not np.array_equal(first.numpy(), IMAGES)
    copy = layers.deserialize(layers.serialize(layer))
    assert type(copy) is type(layer) and copy.get_config() == layer.get_config()


def test_config_keys_and_defaults_follow_keras():
    assert layers.RandomHue(0.3).get_config()["factor"] == (0, 0.3)
    assert layers.RandomSaturation(0.3).get_config()["factor"] == (-0.3, 0.3)
    assert layers.RandomPosterization(4).get_config()["factor"] == (1, 4)
    assert layers.RandomInvert().factor == (0, 1.0)
    solar = layers.Solarization(0.2).get_config()
    assert solar["addition_factor"] == (0, 0.2) and solar["value_range"] == [0, 255]
    assert layers.RandomShear(0.2).get_config()["y_factor"] == (-0.0, 0.0)
    blur = layers.RandomGaussianBlur().get_config()
    assert blur["kernel_size"] == (3, 3) and blur["sigma"] == (0, 1.0)
    aug = layers.AugMix().get_config()
    assert (aug["num_chains"], aug["chain_depth"], aug["factor"], aug["all_ops"]) == \
        (3, 3, (0, 0.3), True)
    assert layers.RandAugment().get_config()["factor"] == (0, 0.5)
    assert set(layers.RandomColorJitter().get_config()) >= {
        "value_range", "brightness_factor", "contrast_factor", "saturation_factor",
        "hue_factor", "seed"}


def test_factor_and_argument_errors():
    with pytest.raises(ValueError, match=r"RandomHue: `factor`.*\[0, 1\].*1.5"):
        layers.RandomHue(1.5)
    with pytest.raises(ValueError, match=r"RandomPosterization: `factor`.*\[1, 8\]"):
        layers.RandomPosterization(9)
    with pytest.raises(ValueError, match="RandomSaturation: `value_range`.*pair"):
        layers.RandomSaturation(0.2, value_range=5)
    with pytest.raises(ValueError, match="RandomGaussianBlur: `kernel_size`.*odd.*4"):
        layers.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ValueError, match="RandomShear: `x_factor`.*1.5"):
        layers.RandomShear(1.5)
    with pytest.raises(ValueError, match="RandomPerspective: `scale`"):
        layers.RandomPerspective(scale=2)
    with pytest.raises(ValueError, match="RandomHue: expected RGB images with 3 channels, got 2"):
        layers.RandomHue(0.2)(IMAGES[..., :2], training=True)
    with pytest.raises(ValueError, match=r"RandomInvert: expected a rank 3.*got shape \(6, 3\)"):
        layers.RandomInvert()(IMAGES[0, 0], training=True)


# -- colour ---------------------------------------------------------------------------------------
def test_hsv_conversions_match_colorsys():
    x = RNG.uniform(0, 1, (3, 4, 5, 3)).astype("float32")
    x[0, 0, 0] = [0.5, 0.5, 0.5]  # grey: hue and saturation 0
    hsv = color.rgb_to_hsv(ag.tensor(x)).numpy()
    np.testing.assert_allclose(hsv, per_pixel(colorsys.rgb_to_hsv, x), atol=1e-5)
    np.testing.assert_allclose(color.hsv_to_rgb(ag.tensor(hsv)).numpy(), x, atol=1e-5)


def test_grayscale_and_color_degeneration():
    luma = IMAGES @ np.array([0.2989, 0.587, 0.114])
    grey = layers.RandomGrayscale(1.0)(IMAGES, training=True).numpy()
    np.testing.assert_allclose(grey, np.repeat(luma[..., None], 3, -1), rtol=1e-5)
    assert np.array_equal(layers.RandomGrayscale(0.0)(IMAGES, training=True).numpy(), IMAGES)
    first = layers.RandomGrayscale(1.0, data_format="channels_first")(
        IMAGES[0].transpose(2, 0, 1), training=True).numpy()
    np.testing.assert_allclose(first, grey[0].transpose(2, 0, 1), rtol=1e-5)
    blend = layers.RandomColorDegeneration((0.25, 0.25))(IMAGES, training=True).numpy()
    np.testing.assert_allclose(blend, IMAGES + 0.25 * (luma[..., None] - IMAGES), rtol=1e-5)


@pytest.mark.parametrize("sign", [1, -1])
def test_random_hue_rotates_the_hue(sign):
    layer = draws(layers.RandomHue(0.4, value_range=(0, 1)), [0.2 if sign > 0 else 0.7] * 2,
                  [0.3, 0.3])
    x = IMAGES / 255
    out = layer(x, training=True).numpy()

    def shifted(r, g, b):
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        return colorsys.hsv_to_rgb((h + sign * 0.15) % 1.0, s, v)
    np.testing.assert_allclose(out, per_pixel(shifted, x), atol=1e-5)


def test_random_saturation_scales_the_saturation():
    x = IMAGES / 255
    grey = layers.RandomSaturation((0.0, 0.0), value_range=(0, 1))(x, training=True).numpy()
    np.testing.assert_allclose(grey, np.repeat(x.max(-1, keepdims=True), 3, -1), atol=1e-6)
    out = layers.RandomSaturation((0.2, 0.2), value_range=(0, 1))(x, training=True).numpy()

    def scaled(r, g, b):
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        return colorsys.hsv_to_rgb(h, s * 0.25, v)
    np.testing.assert_allclose(out, per_pixel(scaled, x), atol=1e-5)


def test_random_sharpness_matches_a_naive_filter():
    out = layers.RandomSharpness((0.2, 0.2))(IMAGES, training=True).numpy()
    padded = np.pad(IMAGES, ((0, 0), (1, 1), (1, 1), (0, 0)))
    kernel = np.ones((3, 3)) / 13
    kernel[1, 1] = 5 / 13
    smooth = np.zeros_like(IMAGES, dtype=np.float64)
    for i in range(IMAGES.shape[1]):
        for j in range(IMAGES.shape[2]):
            smooth[:, i, j] = np.einsum("nabc,ab->nc", padded[:, i:i + 3, j:j + 3], kernel)
    want = np.clip(IMAGES + (1 - 0.4) * (smooth - IMAGES), 0, 255)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-3)


def test_invert_posterize_and_solarize():
    np.testing.assert_allclose(layers.RandomInvert((1.0, 1.0))(IMAGES, training=True).numpy(),
                               255 - IMAGES)
    unit = layers.RandomInvert((1.0, 1.0), value_range=(0, 1))(IMAGES / 255, training=True)
    np.testing.assert_allclose(unit.numpy(), 1 - IMAGES / 255, rtol=1e-6)
    poster = layers.RandomPosterization((3, 3))(IMAGES, training=True).numpy()
    np.testing.assert_array_equal(poster, (IMAGES.astype(np.uint8) >> 5) << 5)
    solar = draws(layers.Solarization(0.5, 0.5), [30.0, 5.0], [100.0, 200.0])
    out = solar(IMAGES, training=True).numpy()
    for k, (add, threshold) in enumerate([(30, 100), (5, 200)]):
        shifted = np.clip(IMAGES[k] + add, 0, 255)
        np.testing.assert_allclose(out[k], np.where(shifted < threshold, shifted, 255 - shifted),
                                   rtol=1e-6)


def test_auto_contrast_stretches_each_channel_also_at_inference():
    x = IMAGES.copy()
    x[1, ..., 2] = 77.0  # a constant channel stays
    out = layers.AutoContrast()(x, training=False).numpy()
    low, high = x.min(axis=(1, 2), keepdims=True), x.max(axis=(1, 2), keepdims=True)
    want = np.where(high > low, (x - low) / np.where(high > low, high - low, 1) * 255, x)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-3)


def test_equalization_matches_a_naive_histogram_equalization():
    x = np.round(IMAGES / 4)  # few distinct values
    x[..., 2] = 9.0  # one bin only: unchanged
    out = layers.Equalization(bins=64)(x, training=True).numpy()
    want = x.copy()
    for c in range(2):
        values = x[..., c]
        counts = np.zeros(64)
        for v in values.ravel():
            counts[min(int(v * 63 / 255), 63)] += 1
        cdf = np.cumsum(counts)
        first = cdf[cdf > 0][0]
        for index in np.ndindex(values.shape):
            level = cdf[min(int(values[index] / 255 * 63), 63)]
            want[index + (c,)] = min(max(round((level - first) * 255 / (cdf[-1] - first)), 0), 255)
    np.testing.assert_allclose(out, want)


def test_color_jitter_runs_its_steps_in_order():
    out = layers.RandomColorJitter(brightness_factor=(0.1, 0.1))(IMAGES, training=True)
    np.testing.assert_allclose(out.numpy(), np.clip(IMAGES + 25.5, 0, 255), rtol=1e-6)
    both = layers.RandomColorJitter(brightness_factor=(0.1, 0.1),
                                    saturation_factor=(0.0, 0.0))(IMAGES, training=True)
    np.testing.assert_allclose(both.numpy(), np.repeat(
        np.clip(IMAGES + 25.5, 0, 255).max(-1, keepdims=True), 3, -1), rtol=1e-6)


# -- geometry and filters -------------------------------------------------------------------------
def bilinear(image, row, col, fill=0.0):
    """``image`` read at (row, col) with constant fill outside."""
    h, w, _ = image.shape
    r, c = math.floor(row), math.floor(col)
    total = np.zeros(image.shape[-1])
    for rr, wr in ((r, 1 - (row - r)), (r + 1, row - r)):
        for cc, wc in ((c, 1 - (col - c)), (c + 1, col - c)):
            inside = 0 <= rr < h and 0 <= cc < w
            total += wr * wc * (image[rr, cc] if inside else fill)
    return total


def test_random_shear_reads_sheared_coordinates():
    layer = draws(layers.RandomShear(0.3, 0.3, fill_mode="constant", fill_value=9.0),
                  [0.2, 0.7], [-0.2, -0.1], [0.3, 0.25])  # signs +, -; y draws; x draws
    out = layer(IMAGES, training=True).numpy()
    for k, (sx, sy) in enumerate([(0.3, -0.2), (-0.25, 0.1)]):
        for y in range(5):
            for x in range(6):
                np.testing.assert_allclose(out[k, y, x], bilinear(IMAGES[k], y + sy * x,
                                                                  x + sx * y, 9.0), rtol=1e-4)


def test_random_perspective_maps_the_corners():
    shifts = RNG.uniform(-0.3, 0.3, (1, 4, 2))
    layer = draws(layers.RandomPerspective(fill_value=3.0), [1.0], [0.5], shifts)
    x = IMAGES[:1]
    out = layer(x, training=True).numpy()
    h, w = x.shape[1:3]
    start = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], np.float64)[None]
    coefficients = geometry.homography(start, start + start * shifts)[0]
    a = coefficients
    for (cx, cy), (sx, sy) in zip((start + start * shifts)[0], start[0]):  # end -> start
        d = a[6] * cx + a[7] * cy + 1
        np.testing.assert_allclose([(a[0] * cx + a[1] * cy + a[2]) / d,
                                    (a[3] * cx + a[4] * cy + a[5]) / d], [sx, sy], atol=1e-6)
    for y in range(h):
        for xx in range(w):
            d = a[6] * xx + a[7] * y + 1
            row, col = (a[3] * xx + a[4] * y + a[5]) / d, (a[0] * xx + a[1] * y + a[2]) / d
            np.testing.assert_allclose(out[0, y, xx], bilinear(x[0], row, col, 3.0), rtol=1e-4,
                                       atol=1e-3)
    kept = draws(layers.RandomPerspective(), [0.0], [0.5], shifts)(x, training=True)
    np.testing.assert_array_equal(kept.numpy(), x)


def test_random_gaussian_blur_matches_a_naive_convolution():
    layer = draws(layers.RandomGaussianBlur(kernel_size=5), [1.0, 0.0], [0.5, 0.5], [0.7, 0.7])
    out = layer(IMAGES, training=True).numpy()
    taps = np.exp(-0.5 * ((np.arange(5) - 2) / (0.7 + 1e-6)) ** 2)
    kernel = np.outer(taps, taps) / taps.sum() ** 2
    padded = np.pad(IMAGES[0], ((2, 2), (2, 2), (0, 0)))
    want = np.array([[np.einsum("abc,ab->c", padded[i:i + 5, j:j + 5], kernel)
                      for j in range(6)] for i in range(5)])
    np.testing.assert_allclose(out[0], want, rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(out[1], IMAGES[1])  # not picked


def test_elastic_transform_is_a_smooth_warp_and_zero_scale_is_identity():
    x = RNG.uniform(0, 255, (2, 16, 16, 1)).astype("float32")
    out = layers.RandomElasticTransform((1.0, 1.0), scale=0.5, seed=3)(x, training=True).numpy()
    assert out.shape == x.shape and np.all((out >= 0) & (out <= 255))
    assert 0 < np.abs(out - x).mean() < 60
    still = layers.RandomElasticTransform(scale=0.0)(x, training=True).numpy()
    np.testing.assert_array_equal(still, x)


# -- mixing ---------------------------------------------------------------------------------------
class FixedGenerator:
    def __init__(self, beta, order):
        self.weights, self.order = np.array(beta), np.array(order)

    def beta(self, a, b, size=None):
        return self.weights

    def permutation(self, n):
        return self.order


def test_mixup_blends_images_and_labels():
    layer = layers.MixUp()
    layer.generator = lambda: FixedGenerator([0.3, 0.8], [1, 0])
    labels = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    out = layer({"images": IMAGES, "labels": labels}, training=True)
    np.testing.assert_allclose(out["images"].numpy()[0], 0.3 * IMAGES[0] + 0.7 * IMAGES[1],
                               rtol=1e-5)
    np.testing.assert_allclose(out["labels"].numpy(), [[0.3, 0.7], [0.2, 0.8]], rtol=1e-6)
    plain = layer(IMAGES, training=False)
    np.testing.assert_array_equal(plain.numpy(), IMAGES)


def test_cutmix_pastes_a_box_and_mixes_labels_by_area():
    layer = draws(layers.CutMix(), 0.5, [0.0, 1.0], [0.5, 0.0])
    layer.generator = lambda: FixedGenerator([0.5, 0.75], [1, 0])
    out = layer({"images": IMAGES, "labels": np.eye(2, dtype="float32")}, training=True)
    images, labels = out["images"].numpy(), out["labels"].numpy()
    for k, (weight, u, v) in enumerate([(0.5, 0.0, 0.5), (0.75, 1.0, 0.0)]):
        ratio = math.sqrt(1 - weight)
        x0, y0 = u * (6 - 6 * ratio), v * (5 - 5 * ratio)
        cols, rows = np.arange(6), np.arange(5)[:, None]
        box = (cols >= x0) & (cols < x0 + 6 * ratio) & (rows >= y0) & (rows < y0 + 5 * ratio)
        np.testing.assert_array_equal(images[k], np.where(box[..., None], IMAGES[1 - k],
                                                          IMAGES[k]))
        area = (6 * ratio) * (5 * ratio) / 30
        np.testing.assert_allclose(labels[k, k], 1 - area, rtol=1e-6)
    np.testing.assert_array_equal(layers.CutMix(seed=0)(IMAGES[0]).numpy(), IMAGES[0])


def test_random_erasing_fills_a_box():
    layer = draws(layers.RandomErasing(fill_value=[10.0, 300.0, 50.0], scale=(0.1, 0.3)),
                  [[0.25, 0.16], [0.3, 0.3]], [0.0, 0.5], [1.0, 0.5], [1.0, 1.0], [0.5, 0.5])
    out = layer(IMAGES, training=True).numpy()
    width, height = 0.5 * 6, 0.4 * 5  # sqrt of the drawn fractions
    x0, y0 = 0.0, 5 - height
    box = (np.arange(6) >= x0) & (np.arange(6) < x0 + width) & \
        (np.arange(5)[:, None] >= y0) & (np.arange(5)[:, None] < y0 + height)
    want = np.where(box[..., None], [10.0, 255.0, 50.0], IMAGES[0])  # fill clipped to range
    np.testing.assert_allclose(out[0], want)


# -- composites -----------------------------------------------------------------------------------
def test_rand_augment_and_aug_mix_use_their_operations():
    assert list(layers.RandAugment()._operations) == [
        "random_shear", "random_translation", "random_rotation", "random_brightness",
        "random_color_degeneration", "random_contrast", "random_sharpness",
        "random_posterization", "solarization", "auto_contrast", "equalization"]
    assert len(layers.AugMix(all_ops=False)._operations) == 7
    one = layers.RandAugment(num_ops=1, seed=4)
    picked = list(one._operations.values())[np.random.default_rng(4).integers(0, 11, 1)[0]]
    assert picked.generator() is one.generator()
    mixed = layers.AugMix(value_range=(0, 1), seed=2)(IMAGES / 255, training=True).numpy()
    assert np.all((mixed >= 0) & (mixed <= 1))


def test_pipeline_chains_layers_round_trips_and_follows_training():
    pipeline = layers.Pipeline([layers.RandomInvert((1.0, 1.0)),
                                layers.RandomColorDegeneration((1.0, 1.0))])
    out = pipeline(IMAGES, training=True).numpy()
    luma = (255 - IMAGES) @ np.array([0.2989, 0.587, 0.114])
    np.testing.assert_allclose(out, np.repeat(luma[..., None], 3, -1), rtol=1e-5)
    np.testing.assert_array_equal(pipeline(IMAGES, training=False).numpy(), IMAGES)
    copy = layers.deserialize(layers.serialize(pipeline))
    assert [type(x) for x in copy.layers] == [layers.RandomInvert, layers.RandomColorDegeneration]
    model = keras.Sequential([keras.Input((5, 6, 3)), pipeline])
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), IMAGES)


@pytest.mark.parametrize("make", [
    lambda: layers.RandomHue(0.3, seed=1), lambda: layers.RandomPosterization(3, seed=1),
    lambda: layers.Equalization(), lambda: layers.RandomPerspective(seed=1),
    lambda: layers.RandomErasing((1.0, 1.0), seed=1), lambda: layers.CutMix(seed=1),
    lambda: layers.RandomGaussianBlur(seed=1), lambda: layers.AugMix(seed=1)])
def test_layers_run_on_another_device(make):
    want = make()(IMAGES, training=True).numpy()
    keras.backend.set_device("cpu:1")
    try:
        out = make()(IMAGES, training=True)
        assert out.device == ag.device("cpu:1")
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-4)
    finally:
        keras.backend.set_device("cpu")


# -- gradients ------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: layers.RandomHue((0.3, 0.3), value_range=(0, 1), dtype="float64", seed=0),
    lambda: layers.RandomSaturation((0.3, 0.3), value_range=(0, 1), dtype="float64"),
    lambda: layers.RandomSharpness((0.3, 0.3), value_range=(-9, 9), dtype="float64"),
    lambda: layers.RandomShear((0.2, 0.2), (0.1, 0.1), fill_mode="wrap", dtype="float64",
                               seed=0),
    lambda: layers.RandomGaussianBlur(value_range=(-9, 9), dtype="float64", seed=0),
    lambda: layers.MixUp(dtype="float64", seed=0), lambda: layers.CutMix(dtype="float64", seed=0),
    lambda: layers.AutoContrast(value_range=(0, 1), dtype="float64")])
def test_gradients_reach_the_input(make):
    x = RNG.uniform(0.1, 0.9, (2, 4, 5, 3))
    assert gradcheck(lambda t: make()(t, training=True), x)


def test_erasing_and_posterization_gradients():
    x = ag.tensor(IMAGES, requires_grad=True)
    erase = draws(layers.RandomErasing(fill_value=0.0), [[0.25, 0.25]] * 2, [0, 0], [0, 0],
                  [1, 1], [0.5, 0.5])
    grad = ag.grad(lambda t: ag.sum(erase(t, training=True)))(x)
    expected = np.ones_like(IMAGES)
    expected[:, :3, :3] = 0  # the erased box: rows y < 0.5 * 5, columns x < 0.5 * 6
    np.testing.assert_array_equal(grad.numpy(), expected)
    poster = ag.grad(lambda t: ag.sum(layers.RandomPosterization(3)(t, training=True)))(x)
    np.testing.assert_array_equal(poster.numpy(), 0)


# -- hashing --------------------------------------------------------------------------------------
def test_fingerprint64_and_siphash_known_values():
    assert hashing.fingerprint64(b"") == 0x9ae16a3b2f90404f  # farmhash's k2
    key = (0x0706050403020100, 0x0f0e0d0c0b0a0908)  # SipHash paper test vectors
    assert hashing.siphash24(key, b"") == 0x726fdb47dd0e0e31
    assert hashing.siphash24(key, bytes(range(15))) == 0xa129ca6149be45e5
    assert hashing.siphash24(key, bytes(range(8))) == 0x93f5f5799a932462


# FarmHash Fingerprint64 of "ahov..." (letter 7 i mod 26) of each length, from the reference C++
FINGERPRINTS = {3: 0x2d5b0cbcc48fdc6b, 7: 0xed26868869003b0a, 12: 0x3d53c6c8607e7cca,
                20: 0x85729b66c63ce998, 40: 0x1575e55b9ce697b0, 64: 0xe01e9a6d5635769e,
                65: 0x266a26491da9530d, 100: 0xd771e5caf34ad868, 200: 0xd137238fe25cbe34}


@pytest.mark.parametrize("length", sorted(FINGERPRINTS))
def test_fingerprint64_every_length_class(length):
    text = "".join(chr(97 + (i * 7) % 26) for i in range(length))
    assert hashing.fingerprint64(text) == FINGERPRINTS[length]


def test_string_lookup_oov_buckets_use_the_fingerprint():
    lookup = layers.StringLookup(vocabulary=["a", "b"], num_oov_indices=3)
    out = lookup([["a", "z", "qq", "b"]]).numpy()
    assert out.tolist() == [[3, hashing.fingerprint64("z") % 3,
                             hashing.fingerprint64("qq") % 3, 4]]


def test_hashing_matches_keras_bins():
    inputs = [["A"], ["B"], ["C"], ["D"], ["E"]]
    assert layers.Hashing(3)(inputs).numpy().ravel().tolist() == [1, 0, 1, 1, 2]
    masked = layers.Hashing(3, mask_value="")([["A"], ["B"], [""], ["C"], ["D"]])
    assert masked.numpy().ravel().tolist() == [1, 1, 0, 2, 2]
    assert layers.Hashing(3, salt=[133, 137])(inputs).numpy().ravel().tolist() == [1, 2, 1, 0, 2]
    assert layers.Hashing(3, salt=133)(inputs).numpy().ravel().tolist() == [0, 0, 2, 1, 0]
    ints = layers.Hashing(5)(np.array([[1, -2], [1, 7]]))
    assert ints.dtype == np.int64 and ints.shape == (2, 2)
    text = [hashing.fingerprint64(s) % 5 for s in ("1", "-2", "1", "7")]
    assert ints.numpy().ravel().tolist() == text  # integers hash as their decimal strings
    np.testing.assert_array_equal(layers.Hashing(5)(np.array([[1.7, -2.2]])).numpy(),
                                  ints.numpy()[:1])


def test_hashing_output_modes_config_and_errors():
    multi = layers.Hashing(6, output_mode="multi_hot")(np.array([[1, 2, 2]])).numpy()
    bins = [hashing.fingerprint64(s) % 6 for s in ("1", "2")]
    assert multi.shape == (1, 6) and multi.dtype == np.float32
    assert set(np.flatnonzero(multi[0])) == set(bins)
    count = layers.Hashing(6, output_mode="count")(np.array([[1, 2, 2]])).numpy()
    assert count[0, bins[1]] >= 2 and count.sum() == 3
    layer = layers.Hashing(4, mask_value=0, salt=7, output_mode="one_hot")
    assert layer.compute_output_shape((None, 1)) == (None, 4)
    config = layer.get_config()
    assert config["salt"] == [7, 7] and config["mask_value"] == 0
    assert layers.Hashing.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="Hashing: `num_bins`.*0"):
        layers.Hashing(0)
    with pytest.raises(ValueError, match="Hashing: `salt`"):
        layers.Hashing(3, salt="x")
    with pytest.raises(ValueError, match="Hashing: unknown `output_mode` 'tf_idf'"):
        layers.Hashing(3, output_mode="tf_idf")


def test_hashed_crossing_matches_keras():
    feature1 = np.array(["A", "B", "A", "B", "A"])
    feature2 = np.array([101, 101, 101, 102, 102])
    out = layers.HashedCrossing(5)((feature1, feature2))
    assert out.numpy().tolist() == [1, 4, 1, 1, 3] and out.dtype == np.int64
    manual = hashing.fingerprint_cat64(hashing.fingerprint_cat64(
        hashing.CROSS_KEY, hashing.fingerprint64("A")), 101) % 5
    assert manual == 1
    hot = layers.HashedCrossing(5, output_mode="one_hot")((feature1[:, None], feature2[:, None]))
    np.testing.assert_array_equal(hot.numpy().argmax(-1), [1, 4, 1, 1, 3])
    assert hot.shape == (5, 5)
    with pytest.raises(ValueError, match="HashedCrossing: .*at least two"):
        layers.HashedCrossing(5)([feature1])
    with pytest.raises(ValueError, match="HashedCrossing: all inputs must have the same shape"):
        layers.HashedCrossing(5)((feature1, feature2[:3]))
    with pytest.raises(ValueError, match="HashedCrossing: inputs must be integers or strings"):
        layers.HashedCrossing(5)((feature1, feature2 * 0.5))
