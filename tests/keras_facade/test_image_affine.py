"""Geometry of ImageDataGenerator.apply_transform: the affine warp, fill modes and flips.

The warp is checked against a slow per-pixel reference written from the spec
(keras-reference.md 8.1) and against hand-computed cases.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_facade.preprocessing import image
from keras_facade.preprocessing.image import ImageDataGenerator

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def spec_matrix(h, w, theta=0.0, tx=0.0, ty=0.0, shear=0.0, zx=1.0, zy=1.0):
    """M = T(o) R S H Z T(-o), o = (h/2 + 0.5, w/2 + 0.5), as written in the reference."""
    t, s = math.radians(theta), math.radians(shear)
    rotate = np.array([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])
    shift = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
    shear_m = np.array([[1, -math.sin(s), 0], [0, math.cos(s), 0], [0, 0, 1]])
    zoom = np.diag([zx, zy, 1.0])
    o_r, o_c = h / 2 + 0.5, w / 2 + 0.5
    to_o = np.array([[1, 0, o_r], [0, 1, o_c], [0, 0, 1]])
    from_o = np.array([[1, 0, -o_r], [0, 1, -o_c], [0, 0, 1]])
    return to_o @ rotate @ shift @ shear_m @ zoom @ from_o


def keras_matrix(h, w, theta=0.0, tx=0.0, ty=0.0, shear=0.0, zx=1.0, zy=1.0):
    """``spec_matrix`` with Keras 2's rounding: only the non-trivial factors, multiplied
    left to right, then ``(T(o) @ M) @ T(-o)`` (exact edge pixels depend on it)."""
    t, s = math.radians(theta), math.radians(shear)
    factors = []
    if theta != 0:
        factors.append([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        factors.append([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
    if shear != 0:
        factors.append([[1, -math.sin(s), 0], [0, math.cos(s), 0], [0, 0, 1]])
    if zx != 1 or zy != 1:
        factors.append([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
    matrix = np.array(factors[0], dtype=np.float64)
    for factor in factors[1:]:
        matrix = matrix @ np.array(factor, dtype=np.float64)
    o_r, o_c = h / 2 + 0.5, w / 2 + 0.5
    to_o = np.array([[1, 0, o_r], [0, 1, o_c], [0, 0, 1]])
    from_o = np.array([[1, 0, -o_r], [0, 1, -o_c], [0, 0, 1]])
    return (to_o @ matrix) @ from_o


def _extend(k, n, fill_mode):
    if fill_mode == "wrap":
        return k % n
    if fill_mode == "reflect":
        k %= 2 * n
        return 2 * n - 1 - k if k >= n else k
    return min(max(k, 0), n - 1)


def reference_warp(img, matrix, fill_mode, cval, order):
    """Per-pixel inverse mapping on the extended image; also flags pixels that sit on a
    discontinuity (a rounding boundary for order 0, the constant-mode edge) where float32
    and float64 coordinates may legitimately disagree."""
    h, w, channels = img.shape
    out = np.empty((h, w, channels))
    ambiguous = np.zeros((h, w), dtype=bool)
    for i in range(h):
        for j in range(w):
            r = matrix[0, 0] * i + matrix[0, 1] * j + matrix[0, 2]
            c = matrix[1, 0] * i + matrix[1, 1] * j + matrix[1, 2]
            if fill_mode == "constant":  # cval as soon as the coordinate leaves the image
                dist = max(-r, r - (h - 1), -c, c - (w - 1))
                ambiguous[i, j] |= abs(dist) < 1e-9
                if dist > 0:
                    out[i, j] = cval
                    continue
            if order == 0:
                ambiguous[i, j] |= min(abs((r % 1) - 0.5), abs((c % 1) - 0.5)) < 1e-4
                out[i, j] = img[_extend(math.floor(r + 0.5), h, fill_mode),
                                _extend(math.floor(c + 0.5), w, fill_mode)]
                continue
            r0, c0 = math.floor(r), math.floor(c)
            a, b = r - r0, c - c0
            value = 0.0
            for dr, dc, weight in ((0, 0, (1 - a) * (1 - b)), (0, 1, (1 - a) * b),
                                   (1, 0, a * (1 - b)), (1, 1, a * b)):
                value = value + weight * img[_extend(r0 + dr, h, fill_mode), _extend(c0 + dc, w, fill_mode)]
            out[i, j] = value
    return out, ambiguous


def generator(**kwargs):
    return ImageDataGenerator(**kwargs)


transform_params = st.fixed_dictionaries({
    "theta": st.floats(-180, 180),
    "tx": st.floats(-6, 6),
    "ty": st.floats(-6, 6),
    "shear": st.floats(-40, 40),
    "zx": st.floats(0.5, 1.6),
    "zy": st.floats(0.5, 1.6),
})


@st.composite
def small_images(draw, max_side=8):
    h = draw(st.integers(1, max_side))
    w = draw(st.integers(1, max_side))
    channels = draw(st.sampled_from([1, 3, 4]))
    seed = draw(st.integers(0, 2**16))
    return np.random.default_rng(seed).random((h, w, channels)).astype(np.float32)


# ---------------------------------------------------------------------------
# Against the slow reference

@given(img=small_images(), params=transform_params, fill_mode=st.sampled_from(FILL_MODES),
       order=st.sampled_from([0, 1]))
def test_warp_matches_per_pixel_reference(img, params, fill_mode, order):
    gen = generator(fill_mode=fill_mode, cval=0.25, interpolation_order=order)
    out = gen.apply_transform(img, params)
    h, w, _ = img.shape
    expected, ambiguous = reference_warp(img.astype(np.float64), spec_matrix(h, w, **params),
                                         fill_mode, 0.25, order)
    assert out.shape == img.shape and out.dtype == np.float32
    np.testing.assert_allclose(out[~ambiguous], expected[~ambiguous], atol=2e-4)


@given(params=transform_params, h=st.integers(2, 12), w=st.integers(2, 12))
def test_linear_image_samples_the_spec_coordinates(params, h, w):
    """Bilinear sampling reproduces a linear image exactly, so warping the image
    (row index, column index) returns the clamped source coordinates M @ (i, j, 1)."""
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = np.stack([rows, cols], axis=-1)
    out = generator(fill_mode="nearest").apply_transform(ramp, params)
    matrix = spec_matrix(h, w, **params)
    i, j = np.mgrid[0:h, 0:w]
    expected_r = np.clip(matrix[0, 0] * i + matrix[0, 1] * j + matrix[0, 2], 0, h - 1)
    expected_c = np.clip(matrix[1, 0] * i + matrix[1, 1] * j + matrix[1, 2], 0, w - 1)
    np.testing.assert_allclose(out[..., 0], expected_r, atol=2e-3)
    np.testing.assert_allclose(out[..., 1], expected_c, atol=2e-3)


# ---------------------------------------------------------------------------
# Hand-computed cases

def test_identity_parameters_leave_the_image_unchanged():
    img = np.random.default_rng(0).random((7, 5, 3)).astype(np.float32)
    identity = {"theta": 0, "tx": 0, "ty": 0, "shear": 0, "zx": 1, "zy": 1,
                "flip_horizontal": False, "flip_vertical": False,
                "channel_shift_intensity": None, "brightness": None}
    np.testing.assert_array_equal(generator().apply_transform(img, identity), img)
    np.testing.assert_array_equal(generator().apply_transform(img, {}), img)


def test_rotation_by_90_degrees_of_a_square():
    # o = n/2 + 0.5 (Keras 2): output (i, j) reads input (n + 1 - j, i), i.e. the
    # clockwise rotation moved two columns to the right.
    n = 6
    img = np.arange(n * n, dtype=np.float32).reshape(n, n, 1)
    clockwise = np.rot90(img, -1)
    out = generator(fill_mode="constant", cval=-1).apply_transform(img, {"theta": 90})
    np.testing.assert_allclose(out[:, 2:], clockwise[:, :-2], atol=1e-4)
    np.testing.assert_array_equal(out[:, :2], -1)
    nearest = generator(fill_mode="nearest").apply_transform(img, {"theta": 90})
    np.testing.assert_allclose(nearest[:, 0, 0], img[n - 1, :, 0], atol=1e-4)


def test_constant_fill_gives_cval_for_a_source_a_rounding_error_outside():
    # theta=180 on 5 x 4: output (i, j) reads input (6 - i, 5 - j), with the column
    # computed as (5 + sin(pi) * i) - j; for (4, 2) that is 5 + 4.9e-16 - 2 =
    # 3.000000000000001 > w - 1 = 3, so scipy.ndimage (Keras 2) gives cval there.
    img = np.arange(1, 21, dtype=np.float32).reshape(5, 4, 1)
    out = generator(fill_mode="constant", cval=-1).apply_transform(img, {"theta": 180})
    expected = [[-1, -1, -1, -1],
                [-1, -1, -1, -1],
                [-1, -1, 20, 19],
                [-1, -1, 16, 15],
                [-1, -1, -1, 11]]
    np.testing.assert_allclose(out[..., 0], expected, atol=1e-5)
    # mirrored outputs keep the same pixels as cval (the flip follows the warp)
    flipped = generator(fill_mode="constant", cval=-1).apply_transform(
        img, {"theta": 180, "flip_horizontal": True, "flip_vertical": True})
    np.testing.assert_allclose(flipped[..., 0], np.array(expected)[::-1, ::-1], atol=1e-5)


@pytest.mark.parametrize("params", [
    {"theta": 90}, {"theta": -90}, {"theta": 180}, {"theta": 270}, {"theta": 90, "tx": 1, "ty": -2},
    {"theta": 180, "zx": 0.75}, {"tx": -2, "ty": 2, "shear": 14.5, "zy": 0.87},
    {"theta": 270, "flip_horizontal": True}, {"theta": 90, "flip_vertical": True, "ty": 1}])
@pytest.mark.parametrize("h, w", [(5, 4), (6, 6), (7, 9)])
def test_constant_fill_edges_match_scipy_for_right_angles_and_whole_pixel_shifts(params, h, w):
    ndimage = pytest.importorskip("scipy.ndimage")
    img = np.random.default_rng(h * w).random((h, w, 2)).astype(np.float32) + 1
    warp = {k: v for k, v in params.items() if not k.startswith("flip")}
    matrix = keras_matrix(h, w, **warp)
    expected = np.stack([ndimage.affine_transform(img[..., k], matrix[:2, :2], matrix[:2, 2], order=1,
                                                  mode="constant", cval=-1.0) for k in range(2)], axis=-1)
    if params.get("flip_horizontal"):
        expected = expected[:, ::-1]
    if params.get("flip_vertical"):
        expected = expected[::-1]
    out = generator(fill_mode="constant", cval=-1.0).apply_transform(img, params)
    np.testing.assert_array_equal(out == -1.0, expected == -1.0)
    np.testing.assert_allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize("fill_mode, expected_tail", [
    ("constant", lambda x: np.full_like(x[:2], 9.0)),
    ("nearest", lambda x: np.stack([x[-1], x[-1]])),
    ("reflect", lambda x: np.stack([x[-1], x[-2]])),
    ("wrap", lambda x: x[:2]),
])
def test_row_shift_by_two_pixels_in_each_fill_mode(fill_mode, expected_tail):
    img = np.random.default_rng(1).random((6, 4, 3)).astype(np.float32)
    out = generator(fill_mode=fill_mode, cval=9.0).apply_transform(img, {"tx": 2})
    np.testing.assert_array_equal(out[:-2], img[2:])  # tx > 0: content moves up
    np.testing.assert_array_equal(out[-2:], expected_tail(img))


@pytest.mark.parametrize("fill_mode, expected_head", [
    ("constant", lambda x: np.full_like(x[:, :3], 9.0)),
    ("nearest", lambda x: np.repeat(x[:, :1], 3, axis=1)),
    ("reflect", lambda x: x[:, 2::-1]),
    ("wrap", lambda x: x[:, -3:]),
])
def test_column_shift_by_three_pixels_in_each_fill_mode(fill_mode, expected_head):
    img = np.random.default_rng(2).random((3, 7, 2)).astype(np.float32)
    out = generator(fill_mode=fill_mode, cval=9.0).apply_transform(img, {"ty": -3})
    np.testing.assert_array_equal(out[:, 3:], img[:, :-3])  # ty < 0: content moves right
    np.testing.assert_array_equal(out[:, :3], expected_head(img))


def test_zoom_below_one_zooms_in_about_the_keras_origin():
    h, w = 9, 4
    rows = np.repeat(np.arange(h, dtype=np.float32)[:, None, None], w, axis=1)
    out = generator().apply_transform(rows, {"zx": 0.5})
    o = h / 2 + 0.5
    np.testing.assert_allclose(out[:, 0, 0], o + 0.5 * (np.arange(h) - o), atol=1e-5)
    assert np.ptp(out) < np.ptp(rows)  # half the range: the content is magnified


def test_shear_is_in_degrees():
    h, w = 5, 9
    cols = np.repeat(np.arange(w, dtype=np.float32)[None, :, None], h, axis=0)
    out = generator(fill_mode="nearest").apply_transform(cols, {"shear": 20})
    o = w / 2 + 0.5
    expected = np.clip(o + math.cos(math.radians(20)) * (np.arange(w) - o), 0, w - 1)
    np.testing.assert_allclose(out[2, :, 0], expected, atol=1e-5)


@pytest.mark.parametrize("flips, expected", [
    ({"flip_horizontal": True}, lambda x: x[:, ::-1]),
    ({"flip_vertical": True}, lambda x: x[::-1]),
    ({"flip_horizontal": True, "flip_vertical": True}, lambda x: x[::-1, ::-1]),
])
def test_flips(flips, expected):
    img = np.random.default_rng(3).random((4, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(generator().apply_transform(img, flips), expected(img))


@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_flips_with_a_warp_equal_warp_then_flip(fill_mode):
    img = np.random.default_rng(4).random((7, 6, 3)).astype(np.float32)
    gen = generator(fill_mode=fill_mode, cval=0.5)
    warp = {"theta": 17.0, "zx": 0.8, "zy": 1.3, "ty": 1.5}
    both = gen.apply_transform(img, dict(warp, flip_horizontal=True, flip_vertical=True))
    np.testing.assert_allclose(both, gen.apply_transform(img, warp)[::-1, ::-1], atol=1e-5)


@given(img=small_images(), horizontal=st.booleans(), vertical=st.booleans())
def test_flips_are_involutions(img, horizontal, vertical):
    gen = generator()
    flips = {"flip_horizontal": horizontal, "flip_vertical": vertical}
    np.testing.assert_array_equal(gen.apply_transform(gen.apply_transform(img, flips), flips), img)


@given(img=small_images())
def test_full_turn_and_unit_zoom_are_identity_within_rounding(img):
    out = generator().apply_transform(img, {"theta": 360.0, "zx": 1.0})
    np.testing.assert_allclose(out, img, atol=1e-4)


@given(params=transform_params, fill_mode=st.sampled_from(FILL_MODES))
def test_channels_first_matches_channels_last(params, fill_mode):
    img = np.random.default_rng(5).random((5, 7, 3)).astype(np.float32)
    last = generator(fill_mode=fill_mode).apply_transform(img, params)
    first = generator(fill_mode=fill_mode, data_format="channels_first").apply_transform(
        img.transpose(2, 0, 1), params)
    np.testing.assert_allclose(first, last.transpose(2, 0, 1), atol=1e-6)


def test_float64_images_stay_float64_and_others_become_float32():
    img = np.random.default_rng(6).random((4, 4, 1))
    assert generator().apply_transform(img, {"theta": 10}).dtype == np.float64
    as_int = (img * 255).astype(np.uint8)
    assert generator().apply_transform(as_int, {"theta": 10}).dtype == np.float32


def test_apply_affine_transform_honours_axes_and_order():
    img = np.random.default_rng(7).random((3, 5, 6)).astype(np.float32)  # channels first
    out = image.apply_affine_transform(img, theta=30, zx=0.9, row_axis=1, col_axis=2, channel_axis=0)
    expected = generator().apply_transform(img.transpose(1, 2, 0), {"theta": 30, "zx": 0.9})
    np.testing.assert_allclose(out, expected.transpose(2, 0, 1), atol=1e-6)
    nearest = image.apply_affine_transform(img, tx=0.5, row_axis=1, col_axis=2, channel_axis=0, order=0)
    assert set(np.unique(nearest)) <= set(np.unique(img))
    assert image.apply_affine_transform(img) is img


def test_unsupported_interpolation_order_warns_and_uses_bilinear():
    with pytest.warns(UserWarning, match="interpolation_order"):
        gen = generator(interpolation_order=3)
    assert gen.interpolation_order == 1


def test_unknown_fill_mode_is_rejected():
    with pytest.raises(ValueError, match="fill_mode"):
        generator(fill_mode="mirror")


@pytest.mark.parametrize("fill_mode, scipy_mode", [
    ("constant", "constant"), ("nearest", "nearest"), ("reflect", "reflect"), ("wrap", "grid-wrap")])
@pytest.mark.parametrize("order", [0, 1])
def test_matches_scipy_affine_transform_as_keras_2_called_it(fill_mode, scipy_mode, order):
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(8)
    img = rng.random((9, 11, 3)).astype(np.float32)
    gen = generator(fill_mode=fill_mode, cval=0.3, interpolation_order=order)
    for _ in range(5):
        params = {"theta": rng.uniform(-90, 90), "tx": rng.uniform(-3, 3), "ty": rng.uniform(-3, 3),
                  "shear": rng.uniform(-20, 20), "zx": rng.uniform(0.7, 1.3), "zy": rng.uniform(0.7, 1.3)}
        matrix = spec_matrix(9, 11, **params)
        expected = np.stack([ndimage.affine_transform(img[..., k], matrix[:2, :2], matrix[:2, 2], order=order,
                                                      mode=scipy_mode, cval=0.3) for k in range(3)], axis=-1)
        np.testing.assert_allclose(gen.apply_transform(img, params), expected, atol=1e-4)
