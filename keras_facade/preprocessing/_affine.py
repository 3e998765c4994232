"""Affine image warping by inverse mapping, in vectorized numpy (no scipy).

Every output pixel ``(i, j)`` reads the input at ``matrix @ (i, j, 1)`` (rows,
columns).  Order 1 interpolates bilinearly between the four neighbouring pixels,
order 0 takes the nearest one; all channels are gathered at once.  Coordinates
outside the image follow ``fill_mode``:

* ``'constant'``: ``cval`` wherever the coordinate leaves ``[0, n - 1]``, even by
  a rounding error (tested in float64 as ``shift + m0 * i + m1 * j``, the
  arithmetic of ``scipy.ndimage.affine_transform``, so edge pixels agree with it);
* ``'nearest'``: the edge pixel (``aaaa|abcd|dddd``);
* ``'reflect'``: mirrored, the edge pixel repeated (``dcba|abcd|dcba``);
* ``'wrap'``: periodic with period ``n`` (``abcd|abcd|abcd``).
"""

import numpy as np

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def transform_matrix(theta=0.0, tx=0.0, ty=0.0, shear=0.0, zx=1.0, zy=1.0):
    """Return ``R @ S @ H @ Z`` (3x3) built from the non-trivial factors only.

    ``theta`` and ``shear`` are in degrees; ``tx`` shifts rows, ``ty`` columns;
    ``zx``/``zy`` scale rows/columns.  Returns None when every factor is the
    identity, so that callers can skip the warp altogether.
    """
    factors = []
    if theta != 0:
        t = np.deg2rad(theta)
        factors.append([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        factors.append([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
    if shear != 0:
        s = np.deg2rad(shear)
        factors.append([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
    if zx != 1 or zy != 1:
        factors.append([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
    if not factors:
        return None
    matrix = np.eye(3)
    for factor in factors:
        matrix = matrix @ np.asarray(factor, dtype=np.float64)
    return matrix


def _translation(rows, cols):
    return np.array([[1.0, 0.0, rows], [0.0, 1.0, cols], [0.0, 0.0, 1.0]])


def offset_center(matrix, h, w):
    """Conjugate ``matrix`` by a translation to ``o = (h/2 + 0.5, w/2 + 0.5)``.

    This is the (off-centre) origin Keras 2 used; it is kept for identical output.
    """
    o_rows, o_cols = h / 2 + 0.5, w / 2 + 0.5
    return _translation(o_rows, o_cols) @ matrix @ _translation(-o_rows, -o_cols)


def flip_matrix(h, w, horizontal=False, vertical=False):
    """Matrix sending output ``(i, j)`` to its mirror image (flips as a resampling)."""
    flip = np.eye(3)
    if horizontal:
        flip[1, 1], flip[1, 2] = -1.0, w - 1.0
    if vertical:
        flip[0, 0], flip[0, 2] = -1.0, h - 1.0
    return flip


def _source_coordinates(row, h, w):
    """``row[0] * i + row[1] * j + row[2]`` over the output grid, as float32 (h, w)."""
    per_row = (row[0] * np.arange(h) + row[2]).astype(np.float32)
    per_col = (row[1] * np.arange(w)).astype(np.float32)
    return per_row[:, None] + per_col[None, :]


def _outside(matrix, h, w, flips):
    """(h, w) mask of the output pixels whose source lies outside the image.

    Computed in float64 on the unflipped grid, then mirrored like the output.
    """
    i = np.arange(h, dtype=np.float64)[:, None]
    j = np.arange(w, dtype=np.float64)[None, :]
    rows = (matrix[0, 2] + matrix[0, 0] * i) + matrix[0, 1] * j
    cols = (matrix[1, 2] + matrix[1, 0] * i) + matrix[1, 1] * j
    mask = (rows < 0) | (rows > h - 1) | (cols < 0) | (cols > w - 1)
    if flips[0]:
        mask = mask[:, ::-1]
    if flips[1]:
        mask = mask[::-1]
    return mask


def _fold(coords, n, fill_mode):
    """Move coordinates into ``[0, n - 1]`` without changing the sampled value.

    'reflect' mirrors about -0.5 and n - 0.5 first; 'wrap' is handled on the
    integer grid instead (see ``_floor_and_frac``) and is returned unchanged.
    """
    if fill_mode == "wrap":
        return coords
    if fill_mode == "reflect":
        coords = np.mod(coords + 0.5, 2 * n)
        coords = np.where(coords > n, 2 * n - coords, coords) - 0.5
    return np.clip(coords, 0, n - 1, out=coords)


def _floor_and_frac(coords, n, fill_mode):
    """Left neighbour position (in ``[0, n)``, as float) and the right neighbour's weight."""
    floor = np.floor(coords)
    frac = coords - floor
    if fill_mode == "wrap":
        np.mod(floor, n, out=floor)
    return floor, frac


def _nearest(coords, n, fill_mode):
    index = np.floor(coords + 0.5)
    if fill_mode == "wrap":
        np.mod(index, n, out=index)
    return index


def _flat_index(rows, cols, stride):
    """``rows * stride + cols`` (integral float arrays) as a flat intp index."""
    index = rows * stride
    index += cols
    return index.ravel().astype(np.intp)


def _padded_source(planes, fill_mode, dtype):
    """Contiguous copy of ``planes`` (c, h, w) with one extra row and column.

    They hold the right/lower neighbours of the last column/row: column 0 / row 0
    for 'wrap', the edge otherwise (read only with weight 0 then).
    """
    channels, h, w = planes.shape
    first = fill_mode == "wrap"
    src = np.empty((channels, h + 1, w + 1), dtype=dtype)
    src[:, :h, :w] = planes
    src[:, :h, w] = planes[:, :, 0 if first else w - 1]
    src[:, h, :] = src[:, 0 if first else h - 1, :]
    return src.reshape(channels, -1)


def _lerp_into(low, high, weight):
    """``low + weight * (high - low)``, computed in place in ``high``."""
    high -= low
    high *= weight
    high += low
    return high


def _bilinear(src, index, stride, frac_rows, frac_cols, out):
    """Interpolate the four neighbours ``index + (0, 1, stride, stride + 1)`` into ``out``."""
    def tap(offset):
        return np.take(src, index + offset if offset else index, axis=1)

    top = _lerp_into(tap(0), tap(1), frac_cols)
    bottom = _lerp_into(tap(stride), tap(stride + 1), frac_cols)
    bottom -= top
    bottom *= frac_rows
    np.add(bottom, top, out=out)  # the last step of the row lerp writes straight into ``out``


def warp(planes, matrix, fill_mode="nearest", cval=0.0, order=1, out=None, flips=(False, False)):
    """Resample ``planes`` (c, h, w) at ``matrix @ (i, j, 1)`` for each output pixel.

    Writes into ``out`` (any (c, h, w) float array, e.g. a transposed view of a
    channels-last buffer) or a new float array (float64 for float64 input,
    float32 otherwise) and returns it.  ``order`` is 0 (nearest) or 1 (bilinear).
    ``flips`` = (horizontal, vertical) mirror the result, folded into the sampling.
    """
    if fill_mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    if order not in (0, 1):
        raise ValueError(f"interpolation order must be 0 or 1, got {order!r}")
    channels, h, w = planes.shape
    dtype = np.float64 if planes.dtype == np.float64 else np.float32
    if out is None:
        out = np.empty((channels, h, w), dtype=dtype)
    flat_out = out.reshape(channels, h * w)
    if not np.may_share_memory(flat_out, out):  # rows and columns not mergeable: go through a copy
        warp(planes, matrix, fill_mode, cval, order, out=flat_out.reshape(channels, h, w), flips=flips)
        out[...] = flat_out.reshape(channels, h, w)
        return out
    src = _padded_source(planes, fill_mode, dtype)
    matrix = np.asarray(matrix, dtype=np.float64)
    outside = _outside(matrix, h, w, flips).ravel() if fill_mode == "constant" else None
    sampling = matrix @ flip_matrix(h, w, *flips)
    rows = _source_coordinates(sampling[0], h, w)
    cols = _source_coordinates(sampling[1], h, w)
    rows, cols = _fold(rows, h, fill_mode), _fold(cols, w, fill_mode)
    if order == 0:
        index = _flat_index(_nearest(rows, h, fill_mode), _nearest(cols, w, fill_mode), w + 1)
        flat_out[...] = np.take(src, index, axis=1)
    else:
        low_rows, frac_rows = _floor_and_frac(rows, h, fill_mode)
        low_cols, frac_cols = _floor_and_frac(cols, w, fill_mode)
        index = _flat_index(low_rows, low_cols, w + 1)
        _bilinear(src, index, w + 1, frac_rows.ravel(), frac_cols.ravel(), flat_out)
    if outside is not None:
        np.copyto(flat_out, cval, where=outside)
    return out
