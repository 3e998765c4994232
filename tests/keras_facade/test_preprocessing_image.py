"""keras_facade.preprocessing.image: ImageDataGenerator, its iterators and the image I/O helpers."""

import os
import threading
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageEnhance

from keras_facade.preprocessing import image
from keras_facade.preprocessing.image import (DirectoryIterator, ImageDataGenerator, Iterator,
                                              NumpyArrayIterator, array_to_img, img_to_array,
                                              load_img, save_img, smart_resize)
from keras_facade.utils import Sequence


def _png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)


def _solid(value, h=6, w=8):
    return np.full((h, w, 3), value, dtype=np.uint8)


@pytest.fixture
def image_tree(tmp_path):
    """cats: 4 images (one in a subfolder, one with an upper-case extension); dogs: 2; plus
    files that must be ignored (a GIF, a text file)."""
    root = tmp_path / "data"
    _png(str(root / "cats" / "b.png"), _solid(20))
    _png(str(root / "cats" / "a.png"), _solid(10))
    _png(str(root / "cats" / "C.PNG"), _solid(30))
    _png(str(root / "cats" / "sub" / "d.png"), _solid(40))
    Image.fromarray(_solid(50)).save(str(root / "cats" / "e.gif"))
    (root / "cats" / "notes.txt").write_text("not an image")
    _png(str(root / "dogs" / "x.png"), _solid(110))
    _png(str(root / "dogs" / "y.png"), _solid(120))
    return root


def plain_flow(root, **kwargs):
    kwargs.setdefault("target_size", (6, 8))
    kwargs.setdefault("shuffle", False)
    return ImageDataGenerator().flow_from_directory(str(root), **kwargs)


# ---------------------------------------------------------------------------
# img_to_array / array_to_img / load_img / save_img

def test_img_to_array_shapes_and_dtypes():
    rgb = Image.fromarray(np.zeros((4, 5, 3), np.uint8))
    gray = Image.fromarray(np.zeros((4, 5), np.uint8))
    assert img_to_array(rgb).shape == (4, 5, 3) and img_to_array(rgb).dtype == np.float32
    assert img_to_array(rgb, data_format="channels_first").shape == (3, 4, 5)
    assert img_to_array(gray).shape == (4, 5, 1)
    assert img_to_array(gray, data_format="channels_first").shape == (1, 4, 5)
    assert img_to_array(rgb, dtype="uint8").dtype == np.uint8
    with pytest.raises(ValueError, match="data_format"):
        img_to_array(rgb, data_format="channels_middle")


def test_array_to_img_scales_to_0_255_and_truncates():
    x = np.array([0.0, 1.0, 2.0], dtype=np.float32).reshape(1, 3, 1)
    assert np.asarray(array_to_img(x)).tolist() == [[0, 127, 255]]  # 127.5 truncated
    assert np.asarray(array_to_img(np.full((2, 2, 3), 7.0))).max() == 0  # constant → zeros
    unscaled = array_to_img(np.full((2, 2, 3), 7.9), scale=False)
    assert unscaled.mode == "RGB" and np.asarray(unscaled).max() == 7
    assert array_to_img(np.full((2, 2, 1), 300.0), scale=False).mode == "I"
    assert array_to_img(np.zeros((2, 2, 4))).mode == "RGBA"
    assert array_to_img(np.zeros((3, 2, 2)), data_format="channels_first").size == (2, 2)
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="channel"):
        array_to_img(np.zeros((2, 2, 2)))


def test_save_img_then_load_img_round_trip(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype(np.float32)
    x[0, 0] = [0, 0, 0]
    x[0, 1] = [255, 255, 255]  # so that scale=True is the identity
    path = str(tmp_path / "a.png")
    save_img(path, x)
    np.testing.assert_array_equal(img_to_array(load_img(path)), x)
    gray = img_to_array(load_img(path, color_mode="grayscale"))
    assert gray.shape == (5, 7, 1)
    assert img_to_array(load_img(path, color_mode="rgba")).shape == (5, 7, 4)
    with pytest.warns(DeprecationWarning):
        assert load_img(path, grayscale=True).mode == "L"


def test_save_img_jpeg_converts_rgba_with_a_warning(tmp_path):
    path = str(tmp_path / "a.jpg")
    with pytest.warns(UserWarning, match="RGBA"):
        save_img(path, np.random.default_rng(1).random((4, 4, 4)))
    assert Image.open(path).format == "JPEG"
    save_img(str(tmp_path / "b.bin"), np.zeros((4, 4, 3)), file_format="png")
    assert Image.open(str(tmp_path / "b.bin")).format == "PNG"


def test_load_img_target_size_is_height_width(tmp_path):
    path = str(tmp_path / "a.png")
    _png(path, np.zeros((10, 20, 3)))
    assert load_img(path, target_size=(5, 4)).size == (4, 5)
    assert load_img(path, target_size=(5, 4), interpolation="bilinear").size == (4, 5)
    with pytest.raises(ValueError, match="interpolation"):
        load_img(path, target_size=(5, 4), interpolation="cubic-ish")
    with pytest.raises(ValueError, match="color_mode"):
        load_img(path, color_mode="cmyk")


def test_load_img_keep_aspect_ratio_crops_the_centre(tmp_path):
    x = np.zeros((4, 12, 3), np.uint8)
    x[:, 4:8] = 200  # the centre third is bright
    path = str(tmp_path / "wide.png")
    _png(path, x)
    cropped = img_to_array(load_img(path, target_size=(4, 4), keep_aspect_ratio=True))
    squashed = img_to_array(load_img(path, target_size=(4, 4)))
    assert cropped.min() == 200
    assert squashed.min() == 0


def test_load_img_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_img(str(tmp_path / "missing.png"))
    fake = tmp_path / "fake.png"
    fake.write_text("this is not a png")
    with pytest.raises(OSError, match="fake.png"):
        load_img(str(fake))
    good = tmp_path / "good.png"
    _png(str(good), np.random.default_rng(2).integers(0, 256, (32, 32, 3)))
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(OSError, match="truncated.png"):
        load_img(str(truncated))


def test_smart_resize_crops_then_resizes():
    x = np.zeros((4, 12, 1), np.float32)
    x[:, 4:8] = 1.0
    out = smart_resize(x, (2, 2))
    assert out.shape == (2, 2, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out, 1.0, atol=1e-5)
    assert smart_resize(np.zeros((3, 5, 6, 2)), (4, 4)).shape == (3, 4, 4, 2)
    with pytest.raises(ValueError):
        smart_resize(np.zeros((5, 6)), (4, 4))


def test_load_img_takes_color_mode_as_its_second_positional_argument(tmp_path):
    path = str(tmp_path / "a.png")
    _png(path, np.full((2, 3, 3), [10, 20, 30]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no grayscale deprecation warning for a color mode
        gray = load_img(path, "grayscale")
        rgba = load_img(path, "rgba")
        rgb = load_img(path, "rgb")
    # ITU-R 601 luma as pillow computes it: (10*19595 + 20*38470 + 30*7471 + 2**15) >> 16 = 18
    assert gray.mode == "L" and np.asarray(gray).tolist() == [[18, 18, 18]] * 2
    assert rgba.mode == "RGBA" and np.asarray(rgba)[0, 0].tolist() == [10, 20, 30, 255]
    assert rgb.mode == "RGB" and np.asarray(rgb)[0, 0].tolist() == [10, 20, 30]
    assert load_img(path, "grayscale", color_mode="grayscale").mode == "L"
    with pytest.raises(TypeError, match="two color modes"):
        load_img(path, "rgba", color_mode="grayscale")
    with pytest.raises(TypeError, match="by keyword"):
        load_img(path, "rgb", (2, 2))  # Keras 3 positional target_size
    with pytest.raises(ValueError, match="color_mode"):
        load_img(path, "cmyk")


def test_image_helpers_are_exported_from_utils_as_in_keras_3():
    from keras_facade import utils
    from keras_facade.preprocessing import sequence
    from keras_facade.utils import np_utils

    for name in ("load_img", "img_to_array", "array_to_img", "save_img"):
        assert getattr(utils, name) is getattr(image, name)
        assert name in utils.__all__
    assert utils.pad_sequences is sequence.pad_sequences
    assert utils.to_categorical is np_utils.to_categorical


@pytest.fixture
def channels_first_globally():
    from keras_facade import backend
    previous = backend.image_data_format()
    backend.set_image_data_format("channels_first")
    yield
    backend.set_image_data_format(previous)


def test_data_format_none_follows_the_global_setting(channels_first_globally, tmp_path, image_tree):
    hwc = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    chw = hwc.transpose(2, 0, 1)
    img = Image.fromarray(hwc.astype(np.uint8))
    np.testing.assert_array_equal(img_to_array(img), chw)
    np.testing.assert_array_equal(img_to_array(img, data_format="channels_last"), hwc)
    np.testing.assert_array_equal(np.asarray(array_to_img(chw, scale=False)), hwc)
    path = str(tmp_path / "a.png")
    save_img(path, chw, scale=False)
    np.testing.assert_array_equal(np.asarray(Image.open(path)), hwc)

    gen = ImageDataGenerator(featurewise_center=True)
    assert gen.data_format == "channels_first" and gen.channel_axis == 1
    batch = np.stack([chw, chw + 1])
    gen.fit(batch)
    np.testing.assert_allclose(gen.mean.ravel(), batch.mean(axis=(0, 2, 3)))
    assert next(gen.flow(batch, batch_size=2, shuffle=False)).shape == (2, 3, 2, 4)
    directory = ImageDataGenerator().flow_from_directory(str(image_tree), target_size=(6, 8))
    assert directory.image_shape == (3, 6, 8) and next(directory)[0].shape[1:] == (3, 6, 8)
    assert ImageDataGenerator(data_format="channels_last").data_format == "channels_last"


def test_smart_resize_bilinear_shrinks_without_antialiasing():
    # Half-pixel centres: shrinking 6 -> 2 samples source pixels 1 and 4 exactly, and
    # 4 -> 2 the midpoints between pixels 0, 1 and 2, 3 (a pillow-style antialiasing
    # filter would average wider neighbourhoods instead).
    x = np.random.default_rng(10).integers(0, 256, (6, 6, 2)).astype(np.float32)
    np.testing.assert_allclose(smart_resize(x, (2, 2)), x[1::3, 1::3], rtol=1e-6)
    y = x[:4, :4]
    block_means = y.reshape(2, 2, 2, 2, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(smart_resize(y, (2, 2)), block_means, rtol=1e-6)
    # growing 2 -> 4 reads columns -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    row = np.array([[[0.0], [8.0]]], dtype=np.float32)
    np.testing.assert_allclose(smart_resize(row, (1, 4))[0, :, 0], [0.0, 2.0, 6.0, 8.0])
    batch = np.stack([x, 2 * x])
    np.testing.assert_allclose(smart_resize(batch, (2, 2)), np.stack([x, 2 * x])[:, 1::3, 1::3], rtol=1e-6)
    first = smart_resize(x.transpose(2, 0, 1), (2, 2), data_format="channels_first")
    np.testing.assert_allclose(first, x[1::3, 1::3].transpose(2, 0, 1), rtol=1e-6)


def test_smart_resize_crop_is_at_least_one_pixel_and_pillow_methods_still_work():
    x = np.arange(20, dtype=np.float32).reshape(1, 10, 2)
    # the (5, 1) aspect ratio would need a 0-pixel-wide crop: Keras 3 keeps 1 column, (10 - 1) // 2 = 4
    np.testing.assert_array_equal(smart_resize(x, (5, 1)), np.broadcast_to(x[:, 4:5], (5, 1, 2)))
    y = np.random.default_rng(11).random((4, 4, 1)).astype(np.float32)
    box = smart_resize(y, (2, 2), interpolation="box")
    np.testing.assert_allclose(box, y.reshape(2, 2, 2, 2, 1).mean(axis=(1, 3)), rtol=1e-5)
    for method in ("nearest", "bicubic", "lanczos", "hamming"):
        assert smart_resize(y, (3, 3), interpolation=method).shape == (3, 3, 1)
    with pytest.raises(ValueError, match="interpolation"):
        smart_resize(y, (2, 2), interpolation="area")
    with pytest.raises(ValueError, match="positive integers"):
        smart_resize(y, (2, 0))


# ---------------------------------------------------------------------------
# Random parameters

def test_get_random_transform_replays_numpys_random_state_draws():
    gen = ImageDataGenerator(rotation_range=30, width_shift_range=0.2, height_shift_range=3,
                             shear_range=10, zoom_range=0.25, horizontal_flip=True, vertical_flip=True,
                             channel_shift_range=5, brightness_range=(0.5, 1.5))
    params = gen.get_random_transform((10, 20, 3), seed=42)
    rs = np.random.RandomState(42)
    theta = rs.uniform(-30, 30)
    tx = rs.choice(3) * rs.choice([-1, 1])  # int range: an integer in (-3, 3)
    ty = rs.uniform(-0.2, 0.2) * 20  # fraction of the width
    shear = rs.uniform(-10, 10)
    zx, zy = rs.uniform(0.75, 1.25, 2)
    flip_h, flip_v = rs.random_sample() < 0.5, rs.random_sample() < 0.5
    channel_shift = rs.uniform(-5, 5)
    brightness = rs.uniform(0.5, 1.5)
    assert params == pytest.approx({
        "theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
        "flip_horizontal": flip_h, "flip_vertical": flip_v,
        "channel_shift_intensity": channel_shift, "brightness": brightness})
    assert gen.get_random_transform((10, 20, 3), seed=42) == params


def test_get_random_transform_defaults_are_identity():
    params = ImageDataGenerator().get_random_transform((4, 4, 3))
    assert params == {"theta": 0.0, "tx": 0.0, "ty": 0.0, "shear": 0.0, "zx": 1.0, "zy": 1.0,
                      "flip_horizontal": False, "flip_vertical": False,
                      "channel_shift_intensity": None, "brightness": None}


@pytest.mark.parametrize("shift_range, check", [
    (0.25, lambda v: abs(v) <= 4 + 1e-9),  # fraction of 16 pixels
    (5, lambda v: float(v).is_integer() and abs(v) < 5),  # int: integer in (-5, 5)
    (3.5, lambda v: abs(v) <= 3.5),  # float >= 1: pixels
    ([2, 7], lambda v: abs(v) in (2, 7)),  # list: an element with a random sign
    ([0.25, 0.5], lambda v: abs(v) in (4, 8)),  # list of fractions
])
def test_shift_range_semantics(shift_range, check):
    gen = ImageDataGenerator(width_shift_range=shift_range, height_shift_range=shift_range)
    values = [gen.get_random_transform((16, 16, 1), seed=s)[k] for s in range(60) for k in ("tx", "ty")]
    assert all(check(v) for v in values)
    assert len(set(values)) > 1


def test_zoom_range_forms():
    assert ImageDataGenerator(zoom_range=0.2).zoom_range == pytest.approx([0.8, 1.2])
    assert ImageDataGenerator(zoom_range=[0.5, 0.9]).zoom_range == [0.5, 0.9]
    draws = [ImageDataGenerator(zoom_range=[0.5, 0.9]).get_random_transform((4, 4, 1), seed=s)
             for s in range(30)]
    assert all(0.5 <= d["zx"] <= 0.9 and 0.5 <= d["zy"] <= 0.9 for d in draws)
    assert any(d["zx"] != d["zy"] for d in draws)  # drawn independently
    with pytest.raises(ValueError, match="zoom_range"):
        ImageDataGenerator(zoom_range=[0.5, 0.7, 0.9])


def test_constructor_validation():
    with pytest.raises(ValueError, match="brightness_range"):
        ImageDataGenerator(brightness_range=0.5)
    with pytest.raises(ValueError, match="validation_split"):
        ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="data_format"):
        ImageDataGenerator(data_format="nhwc")


def test_normalization_flags_imply_centering_with_warnings():
    with pytest.warns(UserWarning, match="zca_whitening"):
        gen = ImageDataGenerator(zca_whitening=True, featurewise_std_normalization=True)
    assert gen.featurewise_center and not gen.featurewise_std_normalization
    with pytest.warns(UserWarning):
        assert ImageDataGenerator(featurewise_std_normalization=True).featurewise_center
    with pytest.warns(UserWarning):
        assert ImageDataGenerator(samplewise_std_normalization=True).samplewise_center


# ---------------------------------------------------------------------------
# Channel shift, brightness, random_transform

def test_channel_shift_clips_to_the_image_range():
    x = np.array([[[0.0, 5.0, 10.0]]], dtype=np.float32)
    out = ImageDataGenerator().apply_transform(x, {"channel_shift_intensity": 4.0})
    np.testing.assert_array_equal(out, [[[4.0, 9.0, 10.0]]])


def test_brightness_uses_pillow_on_the_rescaled_image():
    x = np.random.default_rng(3).integers(0, 256, (5, 6, 3)).astype(np.float32)
    x[0, 0], x[0, 1] = 0, 255
    out = ImageDataGenerator().apply_transform(x, {"brightness": 0.6})
    expected = np.asarray(ImageEnhance.Brightness(Image.fromarray(x.astype(np.uint8))).enhance(0.6))
    np.testing.assert_array_equal(out, expected)
    first = ImageDataGenerator(data_format="channels_first").apply_transform(
        x.transpose(2, 0, 1), {"brightness": 0.6})
    np.testing.assert_array_equal(first, expected.transpose(2, 0, 1))


def test_brightness_in_the_generator_rescales_onto_0_255_like_keras_2_3():
    x = np.array([[[10.0], [105.0], [200.0]]], dtype=np.float32)
    out = ImageDataGenerator().apply_transform(x, {"brightness": 1.0})
    np.testing.assert_array_equal(out, [[[0.0], [127.0], [255.0]]])  # (x - 10) / 190 * 255, truncated


def test_brightness_shift_without_scale_keeps_an_8_bit_image():
    x = np.array([[[10.0, 20.0, 30.0], [100.0, 150.0, 200.0]]], dtype=np.float32)
    np.testing.assert_array_equal(image.apply_brightness_shift(x, 1.0, scale=False), x)
    np.testing.assert_array_equal(image.random_brightness(x, (1.0, 1.0), scale=False), x)
    np.testing.assert_array_equal(image.apply_brightness_shift(x + 0.7, 1.0, scale=False), x)  # truncated
    half = np.asarray(ImageEnhance.Brightness(Image.fromarray(x.astype(np.uint8))).enhance(0.5))
    np.testing.assert_array_equal(image.apply_brightness_shift(x, 0.5, scale=False), half)
    # outside 0..255: scaled onto 0..255 for pillow, then mapped back onto [min, max]
    wide = np.array([[[-100.0], [0.0], [400.0]]], dtype=np.float32)
    expected = np.floor((wide + 100) / 500 * 255) / 255 * 500 - 100
    np.testing.assert_allclose(image.apply_brightness_shift(wide, 1.0, scale=False), expected, rtol=1e-6)


def test_random_transform_is_seeded_and_keeps_shape():
    gen = ImageDataGenerator(rotation_range=40, zoom_range=0.3, channel_shift_range=0.1,
                             horizontal_flip=True)
    x = np.random.default_rng(4).random((9, 7, 3)).astype(np.float32)
    a, b = gen.random_transform(x, seed=5), gen.random_transform(x, seed=5)
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and a.dtype == np.float32
    assert not np.array_equal(a, gen.random_transform(x, seed=6))


@given(h=st.integers(1, 10), w=st.integers(1, 10), channels=st.sampled_from([1, 3, 4]),
       seed=st.integers(0, 2**31 - 1))
def test_random_transform_shape_and_dtype_invariants(h, w, channels, seed):
    gen = ImageDataGenerator(rotation_range=90, width_shift_range=0.3, height_shift_range=2,
                             shear_range=30, zoom_range=0.4, channel_shift_range=0.2,
                             horizontal_flip=True, vertical_flip=True, fill_mode="reflect")
    x = np.random.default_rng(seed).random((h, w, channels)).astype(np.float32)
    out = gen.random_transform(x, seed=seed)
    assert out.shape == x.shape and out.dtype == np.float32
    assert np.isfinite(out).all()
    assert out.min() >= x.min() - 1e-5 and out.max() <= x.max() + 1e-5  # interpolation is convex


# ---------------------------------------------------------------------------
# standardize and fit

def test_standardize_order_and_no_mutation():
    x = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    before = x.copy()
    gen = ImageDataGenerator(preprocessing_function=lambda a: a + 1, rescale=2.0)
    np.testing.assert_array_equal(gen.standardize(x), (before + 1) * 2)
    np.testing.assert_array_equal(x, before)


def test_samplewise_statistics_on_a_batch_use_the_whole_batch():
    rng = np.random.default_rng(5)
    batch = rng.random((3, 4, 4, 2)).astype(np.float32) * [1.0, 10.0]
    gen = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True)
    out = gen.standardize(batch)
    expected = (batch - batch.mean()) / (batch.std() + 1e-6)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    single = gen.standardize(batch[0])
    assert abs(single.mean()) < 1e-5 and abs(single.std() - 1) < 1e-4


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_fit_featurewise_statistics(data_format):
    rng = np.random.default_rng(6)
    x = rng.random((20, 5, 6, 3)).astype(np.float32) * [1.0, 2.0, 3.0] + [0.0, 5.0, -1.0]
    if data_format == "channels_first":
        x = x.transpose(0, 3, 1, 2)
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                             rescale=0.5, data_format=data_format)
    gen.fit(x)
    axes = (0, 2, 3) if data_format == "channels_first" else (0, 1, 2)
    shape = (3, 1, 1) if data_format == "channels_first" else (1, 1, 3)
    assert gen.mean.shape == shape and gen.std.shape == shape
    np.testing.assert_allclose(gen.mean.ravel(), (0.5 * x).mean(axis=axes), rtol=1e-5)
    np.testing.assert_allclose(gen.std.ravel(), (0.5 * x).std(axis=axes), rtol=1e-4)
    out = np.stack([gen.standardize(sample) for sample in x])
    np.testing.assert_allclose(out.mean(axis=axes), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=axes), 1, atol=1e-4)


def test_zca_whitening_decorrelates_the_fitted_data():
    rng = np.random.default_rng(7)
    mixing = rng.normal(size=(12, 12))
    x = (rng.normal(size=(400, 12)) @ mixing).reshape(400, 2, 2, 3).astype(np.float32)
    with pytest.warns(UserWarning):
        gen = ImageDataGenerator(zca_whitening=True, zca_epsilon=1e-6)
    gen.fit(x)
    flat = (x - gen.mean).reshape(400, -1).astype(np.float64)
    u, s, _ = np.linalg.svd(flat.T @ flat / 400)
    expected = (u / np.sqrt(s + 1e-6)) @ u.T
    np.testing.assert_allclose(gen.principal_components, expected, rtol=1e-3, atol=1e-4)
    white = gen.standardize(x).reshape(400, -1)
    np.testing.assert_allclose(white.T @ white / 400, np.eye(12), atol=1e-3)
    assert gen.zca_whitening_matrix is gen.principal_components


def test_zca_with_fewer_samples_than_features_scales_unseen_directions_by_1_over_sqrt_epsilon():
    x = np.random.default_rng(12).random((5, 2, 2, 3)).astype(np.float32)
    with pytest.warns(UserWarning):
        gen = ImageDataGenerator(zca_whitening=True, zca_epsilon=1e-6)
    gen.fit(x)
    flat = (x - gen.mean).reshape(5, -1).astype(np.float64)
    u, s, _ = np.linalg.svd(flat.T @ flat / 5)  # full 12 x 12 SVD of the covariance
    expected = (u / np.sqrt(s + 1e-6)) @ u.T
    np.testing.assert_allclose(gen.principal_components, expected, rtol=1e-4, atol=1e-3)
    unseen = u[:, -1]  # orthogonal to every centred sample: no variance along it
    assert s[-1] < 1e-12
    np.testing.assert_allclose(unseen @ gen.principal_components, 1000.0 * unseen, atol=1e-3)


def test_standardize_before_fit_warns_and_skips():
    gen = ImageDataGenerator(featurewise_center=True)
    x = np.ones((2, 2, 3), np.float32)
    with pytest.warns(UserWarning, match="fit"):
        np.testing.assert_array_equal(gen.standardize(x), x)


def test_fit_rejects_wrong_rank_and_supports_augmentation():
    gen = ImageDataGenerator(featurewise_center=True, rotation_range=30)
    with pytest.raises(ValueError, match=r"rank 4.*\(5, 4, 3\)"):
        gen.fit(np.zeros((5, 4, 3)))
    x = np.random.default_rng(8).random((4, 5, 5, 1)).astype(np.float32)
    gen.fit(x, augment=True, rounds=2, seed=3)
    first = gen.mean.copy()
    gen.fit(x, augment=True, rounds=2, seed=3)
    np.testing.assert_array_equal(gen.mean, first)
    assert gen.mean.shape == (1, 1, 1)


# ---------------------------------------------------------------------------
# flow (NumpyArrayIterator)

def _labelled(n, h=3, w=3):
    """Images whose pixels all hold their own index, and labels 0..n-1."""
    x = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None, None], (n, h, w, 1)).copy()
    return x, np.arange(n)


def test_flow_batches_in_order_with_a_short_last_batch():
    x, y = _labelled(10)
    it = ImageDataGenerator().flow(x, y, batch_size=4, shuffle=False)
    assert isinstance(it, NumpyArrayIterator) and isinstance(it, Iterator) and isinstance(it, Sequence)
    assert len(it) == 3
    seen = [next(it) for _ in range(4)]
    assert [b[1].tolist() for b in seen] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3]]
    for bx, by in seen:
        assert bx.dtype == np.float32 and bx.shape[1:] == (3, 3, 1)
        np.testing.assert_array_equal(bx[:, 0, 0, 0], by)
    np.testing.assert_array_equal(it[2][1], [8, 9])
    with pytest.raises(ValueError, match="length 3"):
        it[3]


def test_flow_shuffles_each_pass_reproducibly_with_a_seed():
    x, y = _labelled(10)
    gen = ImageDataGenerator(rotation_range=20, horizontal_flip=True)
    a = gen.flow(x, y, batch_size=4, seed=11)
    b = gen.flow(x, y, batch_size=4, seed=11)
    passes = []
    for _ in range(2):
        labels = []
        for _ in range(3):
            (xa, ya), (xb, yb) = next(a), next(b)
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)
            labels += ya.tolist()
        assert sorted(labels) == list(range(10))
        passes.append(labels)
    assert passes[0] != passes[1] and passes[0] != list(range(10))
    c = gen.flow(x, y, batch_size=4, seed=12)
    assert next(c)[1].tolist() != next(gen.flow(x, y, batch_size=4, seed=11))[1].tolist()


def test_seeded_flow_replays_keras_draws_without_touching_the_global_generator():
    # Keras 2 reseeded NumPy's global generator with seed + total_batches_seen before each
    # batch; the same draws (permutation at the start of a pass, then one
    # get_random_transform per sample) must come out, while the global state is untouched.
    x = np.random.default_rng(10).random((5, 6, 6, 1)).astype(np.float32)
    gen = ImageDataGenerator(rotation_range=45, zoom_range=0.3, horizontal_flip=True)
    np.random.seed(123)
    expected_global = np.random.random_sample()
    np.random.seed(123)
    it = gen.flow(x, batch_size=3, seed=21)
    first, second = next(it), next(it)
    assert np.random.random_sample() == expected_global
    rs = np.random.RandomState(21)
    order = rs.permutation(5)
    for k, j in enumerate(order[:3]):
        expected = gen.apply_transform(x[j], gen.get_random_transform(x[j].shape, seed=rs))
        np.testing.assert_array_equal(first[k], expected)
    rs = np.random.RandomState(22)  # second batch of the same pass: no new permutation
    for k, j in enumerate(order[3:]):
        expected = gen.apply_transform(x[j], gen.get_random_transform(x[j].shape, seed=rs))
        np.testing.assert_array_equal(second[k], expected)


def test_flow_as_a_sequence_and_on_epoch_end():
    x, y = _labelled(9)
    it = ImageDataGenerator().flow(x, y, batch_size=4, seed=3)
    epoch = [it[i][1] for i in range(len(it))]
    assert sorted(np.concatenate(epoch).tolist()) == list(range(9))
    assert it[0][1].tolist() == epoch[0].tolist()  # same order until on_epoch_end
    it.on_epoch_end()
    reshuffled = np.concatenate([it[i][1] for i in range(len(it))])
    assert sorted(reshuffled.tolist()) == list(range(9))
    assert reshuffled.tolist() != np.concatenate(epoch).tolist()


def test_flow_reset_restarts_the_pass():
    x, y = _labelled(6)
    it = ImageDataGenerator().flow(x, y, batch_size=4, shuffle=False)
    next(it)
    it.reset()
    assert next(it)[1].tolist() == [0, 1, 2, 3]


def test_flow_outputs_sample_weights_and_extra_inputs():
    x, y = _labelled(5)
    extra = np.arange(5) * 10
    it = ImageDataGenerator().flow((x, extra), y, batch_size=2, shuffle=False, sample_weight=y * 0.5)
    (bx, bextra), by, bw = next(it)
    assert bextra.tolist() == [0, 10] and by.tolist() == [0, 1] and bw.tolist() == [0.0, 0.5]
    assert next(ImageDataGenerator().flow(x, batch_size=2, shuffle=False)).shape == (2, 3, 3, 1)


def test_flow_subset_uses_the_first_samples_for_validation():
    x, _ = _labelled(10)
    y = np.array([0, 1] * 5)
    gen = ImageDataGenerator(validation_split=0.3)
    val = gen.flow(x, y, batch_size=10, shuffle=False, subset="validation")
    train = gen.flow(x, y, batch_size=10, shuffle=False, subset="training")
    assert next(val)[0][:, 0, 0, 0].tolist() == [0, 1, 2]
    assert next(train)[0][:, 0, 0, 0].tolist() == [3, 4, 5, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.arange(10) >= 3, subset="training")
    assert gen.flow(x, np.arange(10) >= 3, subset="training", ignore_class_split=True).n == 7
    with pytest.raises(ValueError, match="subset"):
        gen.flow(x, y, subset="test")


def test_flow_rejects_bad_shapes_with_the_numbers():
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match=r"rank 4.*\(10, 3, 3\)"):
        gen.flow(np.zeros((10, 3, 3)))
    with pytest.raises(ValueError, match=r"10 vs 7"):
        gen.flow(np.zeros((10, 3, 3, 1)), np.zeros(7))
    with pytest.raises(ValueError, match=r"10 vs 4"):
        gen.flow(np.zeros((10, 3, 3, 1)), np.zeros(10), sample_weight=np.ones(4))
    with pytest.warns(UserWarning, match="channels"):
        gen.flow(np.zeros((2, 3, 3, 5)))


def test_flow_applies_augmentation_then_rescale():
    x = np.full((2, 4, 4, 1), 100.0, np.float32)
    out = next(ImageDataGenerator(rescale=0.01, channel_shift_range=0.0).flow(x, batch_size=2))
    np.testing.assert_allclose(out, 1.0)


def test_flow_save_to_dir(tmp_path):
    x, y = _labelled(5, 6, 6)
    target = tmp_path / "aug"
    next(ImageDataGenerator(rotation_range=10).flow(x, y, batch_size=3, save_to_dir=str(target),
                                                     save_prefix="aug", save_format="jpeg"))
    files = sorted(os.listdir(target))
    assert len(files) == 3 and all(f.startswith("aug_") and f.endswith(".jpeg") for f in files)
    assert Image.open(str(target / files[0])).size == (6, 6)


# ---------------------------------------------------------------------------
# flow_from_directory (DirectoryIterator)

def test_directory_listing_attributes(image_tree, capsys):
    it = plain_flow(image_tree, batch_size=3)
    assert capsys.readouterr().out == "Found 6 images belonging to 2 classes.\n"
    assert isinstance(it, DirectoryIterator) and isinstance(it, Sequence)
    sep = os.sep
    assert it.filenames == ["cats" + sep + "C.PNG", "cats" + sep + "a.png", "cats" + sep + "b.png",
                            "cats" + sep + "sub" + sep + "d.png", "dogs" + sep + "x.png",
                            "dogs" + sep + "y.png"]
    assert it.filepaths == [os.path.join(str(image_tree), f) for f in it.filenames]
    assert all(os.path.isabs(p) for p in it.filepaths)
    assert it.classes.dtype == np.int32 and it.classes.tolist() == [0, 0, 0, 0, 1, 1]
    assert it.class_indices == {"cats": 0, "dogs": 1}
    assert (it.samples, it.n, it.num_classes, it.batch_size) == (6, 6, 2, 3)
    assert it.image_shape == (6, 8, 3)
    assert len(it) == 2


@pytest.mark.parametrize("class_mode", ["categorical", "binary", "sparse", "input", None])
def test_directory_class_modes(image_tree, class_mode):
    batch = next(plain_flow(image_tree, batch_size=6, class_mode=class_mode))
    x = batch[0] if class_mode is not None else batch
    assert x.shape == (6, 6, 8, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(x[:, 0, 0, 0], [30, 10, 20, 40, 110, 120])
    if class_mode == "categorical":
        assert batch[1].dtype == np.float32
        np.testing.assert_array_equal(batch[1], [[1, 0]] * 4 + [[0, 1]] * 2)
    elif class_mode in ("binary", "sparse"):
        assert batch[1].dtype == np.float32 and batch[1].tolist() == [0, 0, 0, 0, 1, 1]
    elif class_mode == "input":
        np.testing.assert_array_equal(batch[1], x)
        assert batch[1] is not x
    with pytest.raises(ValueError, match="class_mode"):
        plain_flow(image_tree, class_mode="multi")


def test_directory_color_modes_and_resizing(image_tree):
    gray = next(plain_flow(image_tree, color_mode="grayscale", target_size=(3, 5), class_mode=None))
    assert gray.shape == (6, 3, 5, 1)
    rgba = next(plain_flow(image_tree, color_mode="rgba", class_mode=None))
    assert rgba.shape == (6, 6, 8, 4) and (rgba[..., 3] == 255).all()
    first = ImageDataGenerator(data_format="channels_first").flow_from_directory(
        str(image_tree), target_size=(4, 4), class_mode=None, shuffle=False)
    assert first.image_shape == (3, 4, 4) and next(first).shape == (6, 3, 4, 4)


def test_directory_classes_argument_selects_and_orders(image_tree):
    it = plain_flow(image_tree, classes=["dogs", "cats"])
    assert it.class_indices == {"dogs": 0, "cats": 1}
    assert it.classes.tolist() == [0, 0, 1, 1, 1, 1]
    assert plain_flow(image_tree, classes=["dogs"]).samples == 2


def test_directory_subsets_split_each_class(image_tree):
    gen = ImageDataGenerator(validation_split=0.5)
    val = gen.flow_from_directory(str(image_tree), target_size=(6, 8), subset="validation", shuffle=False)
    train = gen.flow_from_directory(str(image_tree), target_size=(6, 8), subset="training", shuffle=False)
    sep = os.sep
    assert val.filenames == ["cats" + sep + "C.PNG", "cats" + sep + "a.png", "dogs" + sep + "x.png"]
    assert train.samples == 3 and train.classes.tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match="subset"):
        gen.flow_from_directory(str(image_tree), subset="test")


def test_directory_iteration_is_infinite_seeded_and_shuffled(image_tree):
    gen = ImageDataGenerator(rotation_range=30, zoom_range=0.2)
    a = gen.flow_from_directory(str(image_tree), target_size=(6, 8), batch_size=4, seed=7,
                                class_mode="sparse")
    b = gen.flow_from_directory(str(image_tree), target_size=(6, 8), batch_size=4, seed=7,
                                class_mode="sparse")
    sizes = []
    for _ in range(5):
        (xa, ya), (xb, yb) = next(a), next(b)
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
        sizes.append(len(ya))
    assert sizes == [4, 2, 4, 2, 4]


def test_directory_empty_class_folder_and_links(image_tree, capsys):
    (image_tree / "birds").mkdir()
    outside = image_tree.parent / "elsewhere"
    _png(str(outside / "z.png"), _solid(1))
    try:
        os.symlink(str(outside), str(image_tree / "dogs" / "linked"))
    except (OSError, NotImplementedError):
        pytest.skip("symlinks unavailable")
    it = plain_flow(image_tree)
    assert "Found 6 images belonging to 3 classes." in capsys.readouterr().out
    assert it.class_indices == {"birds": 0, "cats": 1, "dogs": 2}
    followed = plain_flow(image_tree, follow_links=True)
    assert followed.samples == 7 and followed.filenames[-1].endswith(os.path.join("linked", "z.png"))


def test_directory_errors(tmp_path, image_tree):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        plain_flow(tmp_path / "nowhere")
    (tmp_path / "flat").mkdir()
    _png(str(tmp_path / "flat" / "a.png"), _solid(1))
    with pytest.raises(ValueError, match="subfolder"):
        plain_flow(tmp_path / "flat")
    with pytest.raises(FileNotFoundError, match="birds"):
        plain_flow(image_tree, classes=["cats", "birds"])
    with pytest.raises(ValueError, match="color_mode"):
        plain_flow(image_tree, color_mode="cmyk")


def test_directory_unreadable_file_raises_naming_it_during_iteration(image_tree):
    broken = image_tree / "dogs" / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    it = plain_flow(image_tree, batch_size=10)
    with pytest.raises(OSError, match="broken.png"):
        next(it)


def test_preprocessing_function_runs_in_the_calling_thread_in_order(image_tree):
    calls = []

    def record(x):
        calls.append((threading.current_thread(), float(x[0, 0, 0])))
        return x

    gen = ImageDataGenerator(preprocessing_function=record, zoom_range=0.1)
    next(gen.flow_from_directory(str(image_tree), target_size=(6, 8), batch_size=6, shuffle=False))
    assert all(thread is threading.current_thread() for thread, _ in calls)
    assert [round(v) for _, v in calls] == [30, 10, 20, 40, 110, 120]


def test_apply_transform_that_reads_another_iterator_does_not_deadlock(image_tree):
    other = ImageDataGenerator(rotation_range=5).flow(np.ones((8, 6, 8, 3), np.float32), batch_size=4)

    class MixIn(ImageDataGenerator):
        def apply_transform(self, x, transform_parameters):
            return 0.5 * (super().apply_transform(x, transform_parameters) + next(other)[0])

    batches = MixIn(zoom_range=0.1).flow_from_directory(str(image_tree), target_size=(6, 8), batch_size=6,
                                                         shuffle=False)
    result = {}
    worker = threading.Thread(target=lambda: result.update(batch=next(batches)), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "nested iteration deadlocked"
    assert result["batch"][0].shape == (6, 6, 8, 3)


def test_directory_save_to_dir(image_tree, tmp_path):
    out_dir = tmp_path / "saved"
    gen = ImageDataGenerator(horizontal_flip=True)
    next(gen.flow_from_directory(str(image_tree), target_size=(6, 8), batch_size=4,
                                 save_to_dir=str(out_dir), save_prefix="p"))
    assert len(os.listdir(out_dir)) == 4


def test_directory_standardizes_after_augmenting(image_tree):
    gen = ImageDataGenerator(rescale=1 / 255, horizontal_flip=True, vertical_flip=True)
    x, _ = next(gen.flow_from_directory(str(image_tree), target_size=(6, 8), batch_size=6,
                                        shuffle=False, class_mode="sparse"))
    np.testing.assert_allclose(x[:, 0, 0, 0], np.array([30, 10, 20, 40, 110, 120]) / 255, rtol=1e-6)


def test_module_level_random_transforms_keep_shape():
    x = np.random.default_rng(9).random((3, 8, 8)).astype(np.float32)  # channels first (Keras default)
    for out in (image.random_rotation(x, 30), image.random_shift(x, 0.2, 0.2),
                image.random_shear(x, 20), image.random_zoom(x, (0.8, 1.2)),
                image.random_channel_shift(x, 0.1)):
        assert out.shape == x.shape
    assert image.random_brightness(np.random.default_rng(9).random((8, 8, 3)), (0.5, 1.5)).shape == (8, 8, 3)
    with pytest.raises(ValueError, match="zoom_range"):
        image.random_zoom(x, (0.8,))
    with pytest.raises(ValueError, match="brightness_range"):
        image.random_brightness(x, (0.8,))
    np.testing.assert_array_equal(image.flip_axis(x, 2), x[:, :, ::-1])


def test_flow_from_dataframe_is_reported_as_unsupported():
    with pytest.raises(NotImplementedError, match="flow_from_directory"):
        ImageDataGenerator().flow_from_dataframe(None)


def test_iterator_base_class_contract():
    class Squares(Iterator):
        def _get_batches_of_transformed_samples(self, index_array):
            return index_array ** 2

    it = Squares(5, 2, False, None)
    assert [next(it).tolist() for _ in range(4)] == [[0, 1], [4, 9], [16], [0, 1]]
    assert it[1].tolist() == [4, 9] and len(it) == 3
    with pytest.raises(ValueError, match="batch_size"):
        Squares(5, 0, False, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert iter(it) is it
