"""keras.ops.image against numpy references: values, dtypes, shapes, gradients and errors."""
import colorsys

import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from autograd_core.testing import gradcheck
from keras_facade import layers
from keras_facade.ops import image

RNG = np.random.default_rng(1)


def _bilinear_axis(x, axis, size):
    """Half-pixel-centre linear resampling of one axis (source clamped to the image)."""
    n = x.shape[axis]
    src = np.clip((np.arange(size) + 0.5) * n / size - 0.5, 0, n - 1)
    low = np.floor(src).astype(int)
    high = np.minimum(low + 1, n - 1)
    shape = [1] * x.ndim
    shape[axis] = size
    frac = (src - low).reshape(shape)
    return np.take(x, low, axis) * (1 - frac) + np.take(x, high, axis) * frac


def test_resize_bilinear_nearest_and_layouts():
    img = RNG.random((2, 5, 7, 3)).astype("float32")
    y = image.resize(img, (8, 4))
    assert y.shape == (2, 8, 4, 3) and y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), _bilinear_axis(_bilinear_axis(img, 1, 8), 2, 4),
                               rtol=1e-5, atol=1e-6)
    near = image.resize(img, (3, 14), interpolation="nearest").numpy()
    rows, cols = np.floor((np.arange(3) + 0.5) * 5 / 3).astype(int), np.arange(14) // 2
    np.testing.assert_array_equal(near, img[:, rows][:, :, cols])
    cf = image.resize(img[0].transpose(2, 0, 1), (8, 4), data_format="channels_first")
    np.testing.assert_allclose(cf.numpy(), y.numpy()[0].transpose(2, 0, 1), rtol=1e-6)
    assert image.resize(img, (4, 4), interpolation="bicubic").shape == (2, 4, 4, 3)
    assert gradcheck(lambda t: image.resize(t, (3, 4), interpolation="bicubic"),
                     ag.tensor(img[:1, :4, :4, :1].astype("float64")))


def test_resize_integers_crop_and_pad():
    u8 = np.arange(2 * 4 * 4 * 1, dtype="uint8").reshape(2, 4, 4, 1) * 7
    y = image.resize(u8, (2, 2))
    assert y.dtype == np.uint8
    np.testing.assert_array_equal(y.numpy(), np.round(
        u8.reshape(2, 2, 2, 2, 2, 1).astype(float).mean(axis=(2, 4))).astype("uint8"))
    img = RNG.random((1, 4, 8, 1)).astype("float32")
    crop = image.resize(img, (4, 4), crop_to_aspect_ratio=True).numpy()
    np.testing.assert_array_equal(crop, img[:, :, 2:6])  # centre 4x4 window, no resampling
    pad = image.resize(img, (8, 8), pad_to_aspect_ratio=True, fill_value=-1.0).numpy()
    np.testing.assert_array_equal(pad[:, 2:6], img)
    assert (pad[:, :2] == -1).all() and (pad[:, 6:] == -1).all()
    # antialiased halving: a triangle filter two pixels wide, taps (1, 3, 3, 1) / 8
    row = RNG.random((1, 1, 8, 1))
    edge = np.pad(row[0, 0, :, 0], 1, mode="constant")
    taps = np.array([1, 3, 3, 1]) / 8.0
    expected = [edge[2 * i:2 * i + 4] @ taps / taps[(0 if i else 1):(4 if i < 3 else 3)].sum()
                for i in range(4)]
    np.testing.assert_allclose(image.resize(row, (1, 4), antialias=True).numpy().ravel(),
                               expected, rtol=1e-6)
    with pytest.raises(ValueError, match="resize.*only one"):
        image.resize(img, (4, 4), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="resize.*interpolation"):
        image.resize(img, (4, 4), interpolation="area")
    with pytest.raises(ValueError, match="keras.ops.image.resize: expected a rank 3"):
        image.resize(np.ones((4, 4)), (2, 2))


def test_colour_conversions():
    rgb = RNG.random((2, 3, 4, 3)).astype("float32")
    gray = image.rgb_to_grayscale(rgb)
    assert gray.shape == (2, 3, 4, 1)
    np.testing.assert_allclose(gray.numpy()[..., 0], rgb @ np.array([0.2989, 0.587, 0.114]),
                               rtol=1e-5)
    assert image.rgb_to_grayscale((rgb * 255).astype("uint8")).dtype == np.uint8
    hsv = image.rgb_to_hsv(rgb).numpy()
    ref = np.array([colorsys.rgb_to_hsv(*p) for p in rgb.reshape(-1, 3)]).reshape(rgb.shape)
    np.testing.assert_allclose(hsv, ref, atol=1e-5)
    np.testing.assert_allclose(image.hsv_to_rgb(hsv).numpy(), rgb, atol=1e-5)
    cf = image.rgb_to_hsv(rgb.transpose(0, 3, 1, 2), data_format="channels_first").numpy()
    np.testing.assert_allclose(cf, ref.transpose(0, 3, 1, 2), atol=1e-5)
    assert gradcheck(image.hsv_to_rgb, ag.tensor(RNG.random((3, 4, 3)) * 0.8 + 0.1))
    with pytest.raises(ValueError, match="rgb_to_hsv: images must have a float dtype"):
        image.rgb_to_hsv(np.ones((2, 2, 3), "uint8"))


def test_pad_and_crop_images():
    img = RNG.random((2, 4, 5, 3)).astype("float32")
    padded = image.pad_images(img, 1, 2, target_height=7, target_width=9)
    np.testing.assert_array_equal(padded.numpy(), np.pad(img, ((0, 0), (1, 2), (2, 2), (0, 0))))
    single = image.pad_images(img[0], bottom_padding=1, right_padding=0, target_height=6,
                              target_width=5)
    np.testing.assert_array_equal(single.numpy(), np.pad(img[0], ((1, 1), (0, 0), (0, 0))))
    np.testing.assert_array_equal(image.crop_images(img, 1, 2, target_height=2,
                                                    target_width=2).numpy(), img[:, 1:3, 2:4])
    np.testing.assert_array_equal(image.crop_images(img, 1, 0, 2, 1).numpy(), img[:, 1:2, 0:4])
    x = ag.tensor(img, requires_grad=True)
    image.crop_images(x, 1, 1, 1, 1).sum().backward()
    assert x.grad.numpy()[:, 1:3, 1:4].min() == 1 and x.grad.numpy().sum() == 2 * 2 * 3 * 3
    with pytest.raises(ValueError, match="pad_images: give exactly two of top_padding"):
        image.pad_images(img, 1, 1)
    with pytest.raises(ValueError, match="pad_images.*do not fit an axis of size 4"):
        image.pad_images(img, 1, 1, target_height=3, target_width=9)
    with pytest.raises(ValueError, match="crop_images.*do not fit an axis of size 5"):
        image.crop_images(img, 1, 3, 1, 3)


def _reference_map(x, coords, order, fill_mode, cval):
    """Naive 2-D sampling with scipy.ndimage's fill modes."""
    def fix(i, n):
        if fill_mode == "constant":
            return i if 0 <= i < n else None
        if fill_mode == "nearest":
            return min(max(i, 0), n - 1)
        if fill_mode == "wrap":
            return i % n
        if fill_mode == "mirror":
            period = 2 * n - 2
            i = i % period
            return i if i < n else period - i
        i = i % (2 * n)  # reflect
        return i if i < n else 2 * n - 1 - i
    out = np.zeros(coords.shape[1:])
    for pos in np.ndindex(*out.shape):
        r, c = coords[0][pos], coords[1][pos]
        if order == 0:
            taps = [(int(np.round(r)), int(np.round(c)), 1.0)]
        else:
            r0, c0 = int(np.floor(r)), int(np.floor(c))
            fr, fc = r - r0, c - c0
            taps = [(r0, c0, (1 - fr) * (1 - fc)), (r0, c0 + 1, (1 - fr) * fc),
                    (r0 + 1, c0, fr * (1 - fc)), (r0 + 1, c0 + 1, fr * fc)]
        for i, j, w in taps:
            i, j = fix(i, x.shape[0]), fix(j, x.shape[1])
            out[pos] += w * (cval if i is None or j is None else x[i, j])
    return out


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
@pytest.mark.parametrize("order", [0, 1])
def test_map_coordinates(order, fill_mode):
    x = RNG.random((5, 6))
    coords = RNG.random((2, 3, 4)) * np.array([9.0, 10.0])[:, None, None] - 2.5
    y = image.map_coordinates(x, coords, order, fill_mode, fill_value=0.5)
    np.testing.assert_allclose(y.numpy(), _reference_map(x, coords, order, fill_mode, 0.5),
                               rtol=1e-6, atol=1e-7)
    assert y.shape == (3, 4)


def test_map_coordinates_gradients_and_errors():
    x, coords = RNG.random((4, 5)), RNG.random((2, 6)) * 3 + 0.2
    assert gradcheck(lambda a, c: image.map_coordinates(a, c, 1, "reflect"), ag.tensor(x),
                     ag.tensor(coords))
    assert image.map_coordinates(np.arange(6, dtype="int32").reshape(2, 3),
                                 [[0.4, 1.0], [1.6, 0.0]], 1).dtype == np.int32
    with pytest.raises(ValueError, match="map_coordinates: order"):
        image.map_coordinates(x, coords, 3)
    with pytest.raises(ValueError, match="map_coordinates: coordinates"):
        image.map_coordinates(x, coords[:1], 1)


def test_affine_transform():
    img = RNG.random((2, 5, 6, 2)).astype("float32")
    shift = [1, 0, 2.0, 0, 1, -1.0, 0, 0]  # output (x, y) reads input (x + 2, y - 1)
    y = image.affine_transform(img, shift).numpy()
    expected = np.zeros_like(img)
    expected[:, 1:, :4] = img[:, :4, 2:]
    np.testing.assert_allclose(y, expected)
    transform = np.array([0.9, 0.2, 0.3, -0.1, 1.1, 0.4, 0, 0])
    for mode in ("nearest", "mirror"):
        out = image.affine_transform(img, transform, "bilinear", mode, data_format=None).numpy()
        cols, rows = np.meshgrid(np.arange(6), np.arange(5))
        coords = np.stack([transform[3] * cols + transform[4] * rows + transform[5],
                           transform[0] * cols + transform[1] * rows + transform[2]])
        np.testing.assert_allclose(out[1, ..., 0], _reference_map(img[1, ..., 0], coords, 1,
                                                                  mode, 0), rtol=1e-5,
                                   atol=1e-6)
    assert gradcheck(lambda t: image.affine_transform(t, transform), ag.tensor(
        img[:1, :3, :4].astype("float64")))
    with pytest.raises(ValueError, match="affine_transform: transform must have shape"):
        image.affine_transform(img, [1, 0, 0, 0, 1, 0])


def _patches_reference(x, k, s):
    n, h, w, c = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    return np.stack([np.stack([x[:, i * s:i * s + k, j * s:j * s + k].reshape(n, -1)
                               for j in range(ow)], 1) for i in range(oh)], 1)


def test_extract_patches():
    img = RNG.random((2, 7, 8, 3)).astype("float32")
    y = image.extract_patches(img, 3, 2)
    np.testing.assert_array_equal(y.numpy(), _patches_reference(img, 3, 2))
    same = image.extract_patches(img, 2, padding="same")  # strides default to size
    assert same.shape == (2, 4, 4, 12)
    np.testing.assert_array_equal(same.numpy(), _patches_reference(
        np.pad(img, ((0, 0), (0, 1), (0, 0), (0, 0))), 2, 2))
    cf = image.extract_patches(img.transpose(0, 3, 1, 2), 3, 2, data_format="channels_first")
    np.testing.assert_array_equal(cf.numpy(), y.numpy().transpose(0, 3, 1, 2))
    vol = RNG.random((1, 4, 4, 4, 2))
    p3 = image.extract_patches_3d(vol, 2).numpy()
    assert p3.shape == (1, 2, 2, 2, 16)
    np.testing.assert_array_equal(p3[0, 1, 0, 1], vol[0, 2:4, 0:2, 2:4].ravel())
    assert image.extract_patches(vol, (2, 2, 2)).shape == (1, 2, 2, 2, 16)


def _naive_filter(x, kernel, pad):
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    kh, kw = kernel.shape
    out = np.zeros((x.shape[0], x.shape[1] - kh + 1, x.shape[2] - kw + 1, x.shape[3]))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j] = np.einsum("nabc,ab->nc", x[:, i:i + kh, j:j + kw], kernel)
    return out


def test_filters_blur_sobel_ssim():
    img = RNG.random((2, 6, 7, 2))
    g = np.exp(-0.5 * (np.arange(5) - 2.0) ** 2 / 1.5 ** 2)
    g /= g.sum()
    np.testing.assert_allclose(image.gaussian_blur(img, (5, 5), (1.5, 1.5)).numpy(),
                               _naive_filter(img, np.outer(g, g), 2), rtol=1e-6)
    sobel_y = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], float)
    edges = image.sobel_edges(img).numpy()
    assert edges.shape == (2, 6, 7, 2, 2)
    np.testing.assert_allclose(edges[..., 0], _naive_filter(img, sobel_y, 1), atol=1e-12)
    np.testing.assert_allclose(edges[..., 1], _naive_filter(img, sobel_y.T, 1), atol=1e-12)
    assert image.ssim(img, img, filter_size=3).numpy() == pytest.approx([1.0, 1.0])
    other = np.clip(img + RNG.normal(size=img.shape) * 0.1, 0, 1)
    s = image.ssim(img, other, filter_size=3).numpy()
    assert s.shape == (2,) and (s < 1).all() and (s > 0).all()
    assert gradcheck(lambda a: image.ssim(a, other[:1], filter_size=3), ag.tensor(img[:1]))


def test_image_ops_on_symbolic_tensors_train_with_fit():
    inp = keras.Input((8, 8, 3))
    x = image.resize(inp, (4, 4))
    x = image.extract_patches(image.rgb_to_grayscale(x), 2)
    out = layers.Dense(1)(layers.Flatten()(x))
    model = keras.Model(inp, out)
    data = RNG.random((8, 8, 8, 3)).astype("float32")
    target = data.mean(axis=(1, 2, 3))[:, None]
    assert model.predict(data, verbose=0).shape == (8, 1)
    model.compile("adam", "mse")
    first = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=10, verbose=0)
    assert model.evaluate(data, target, verbose=0) < first


def test_perspective_transform():
    img = RNG.random((2, 5, 6, 2)).astype("float32")
    corners = np.array([[0, 0], [5, 0], [0, 4], [5, 4]], "float32")
    np.testing.assert_allclose(image.perspective_transform(img, corners, corners).numpy(), img,
                               atol=1e-5)
    # the end corners sit one column left of the start ones: output (x, y) reads (x + 1, y)
    shifted = image.perspective_transform(img, corners, corners - [1, 0], fill_value=-1).numpy()
    np.testing.assert_allclose(shifted[:, :, :5], img[:, :, 1:], atol=1e-5)
    assert (shifted[:, :, 5] == -1).all()
    assert gradcheck(lambda t: image.perspective_transform(t, corners, corners * 0.9),
                     ag.tensor(img[:1, :3, :3].astype("float64")))
    with pytest.raises(ValueError, match="perspective_transform: start_points"):
        image.perspective_transform(img, corners[:3], corners[:3])


def test_elastic_transform():
    img = RNG.random((2, 8, 8, 3)).astype("float32")
    a = image.elastic_transform(img, seed=3).numpy()
    assert a.shape == img.shape and a.dtype == np.float32
    np.testing.assert_array_equal(a, image.elastic_transform(img, seed=3).numpy())
    assert not np.allclose(a, img)
    np.testing.assert_allclose(image.elastic_transform(img, alpha=0.0, seed=3).numpy(), img,
                               atol=1e-6)
    with pytest.raises(ValueError, match="elastic_transform: unknown `fill_mode`"):
        image.elastic_transform(img, fill_mode="edge")


def test_scale_and_translate():
    img = RNG.random((1, 4, 5, 2))
    same = image.scale_and_translate(img, (1, 4, 5, 2), [1.0, 1.0], [0.0, 0.0], (1, 2), "linear")
    np.testing.assert_allclose(same.numpy(), img, atol=1e-12)
    up = image.scale_and_translate(img, (1, 8, 5, 2), [2.0], [0.0], (1,), "linear",
                                   antialias=False)
    np.testing.assert_allclose(up.numpy(), _bilinear_axis(img, 1, 8), atol=1e-12)
    # translation by a whole pixel shifts; the uncovered row is zero
    moved = image.scale_and_translate(img, (1, 4, 5, 2), [1.0], [1.0], (1,), "cubic").numpy()
    np.testing.assert_allclose(moved[:, 1:], img[:, :3], atol=1e-12)
    assert (moved[:, 0] == 0).all()
    u8 = (RNG.random((3, 3)) * 255).astype("uint8")
    assert image.scale_and_translate(u8, (6, 6), [2.0, 2.0], [0.0, 0.0], (0, 1),
                                     "lanczos3").dtype == np.uint8
    assert gradcheck(lambda t: image.scale_and_translate(t, (1, 3, 3, 2), [0.7, 0.6], [0.1, 0.0],
                                                         (1, 2), "cubic"), ag.tensor(img))
    with pytest.raises(ValueError, match="scale_and_translate: unknown `method`"):
        image.scale_and_translate(img, (1, 4, 5, 2), [1.0], [0.0], (1,), "area")
