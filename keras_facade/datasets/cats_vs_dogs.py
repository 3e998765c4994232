"""A built-in two-class image dataset (cat faces vs dog faces) drawn with pillow; no download.

Cats have pointed triangular ears on top, almond eyes with slit pupils, a small
pink nose and whiskers; dogs have floppy ears hanging at the sides, round dark
eyes, a large light muzzle with a big black nose and usually a pink tongue.
Fur colours come from one shared palette (so the mean colour of an image says
little about its class); face size, position, rotation, background colour,
a background gradient with faint shapes, and pixel noise vary from image to image.

Every image is drawn from its own random stream, seeded by ``(seed, split,
class, index)``, so a dataset is the same on every machine for a given seed.
``load_data`` writes the images as PNG files in the folder layout that
``ImageDataGenerator.flow_from_directory`` expects::

    root/train/cats/cat.0000.png ... root/train/dogs/dog.0000.png ...
    root/val/{cats,dogs}/...  root/test/{cats,dogs}/...  root/manifest.json

``manifest.json`` is written last; a folder without a matching manifest is
regenerated. Run ``python -m keras_facade.datasets.cats_vs_dogs DIR`` to
generate a dataset from the command line.
"""

import argparse
import glob
import io
import json
import os
import sys
import time

import numpy as np
from PIL import Image, ImageDraw

from keras_facade.utils.data_utils import atomic_write, cache_root

__all__ = ["load_data", "generate_arrays", "CLASSES", "SPLITS"]

CLASSES = ("cats", "dogs")
SPLITS = ("train", "val", "test")
_PREFIX = {"cats": "cat", "dogs": "dog"}
_VERSION = 1
_SUPERSAMPLE = 2

_FUR = np.array([(205, 120, 50), (120, 75, 40), (38, 34, 32), (130, 130, 135), (232, 218, 190),
                 (190, 150, 100), (215, 175, 90), (240, 238, 232), (82, 80, 86), (160, 110, 70)],
                dtype=float)
_CAT_IRIS = np.array([(120, 190, 60), (215, 190, 50), (200, 130, 40), (90, 160, 190)], dtype=float)
_PINK = np.array((232, 140, 155), dtype=float)
_CREAM = np.array((245, 232, 210), dtype=float)

# Face extent in head radii (left, top, right, bottom), used to keep faces in frame.
_EXTENTS = {"cats": (1.3, 1.6, 1.3, 1.0), "dogs": (1.25, 1.05, 1.25, 1.1)}


# ---------------------------------------------------------------------------
# Drawing helpers (face coordinates are in head radii, +y pointing down)

def _rgb(colour):
    return tuple(min(255, max(0, round(float(c)))) for c in colour)


def _mix(a, b, t):
    return np.asarray(a, dtype=float) * (1 - t) + np.asarray(b, dtype=float) * t


_CIRCLE = np.exp(1j * np.linspace(0, 2 * np.pi, 32, endpoint=False))


class _Face:
    """Draws in face coordinates (head radii, +y down), placed, scaled and rotated on a canvas."""

    def __init__(self, draw, centre, radius, angle):
        self.draw = draw
        self.origin = complex(*centre)
        self.scale = radius * np.exp(1j * angle)  # rotation and scale as one complex factor
        self.r = radius

    def _pixels(self, points):
        """Flat ``[x0, y0, x1, y1, ...]`` canvas coordinates of complex face points."""
        z = self.origin + self.scale * np.asarray(points, dtype=complex)
        return np.column_stack([z.real, z.imag]).ravel().tolist()

    def ellipse(self, x, y, rx, ry, colour, angle=0.0):
        outline = complex(x, y) + np.exp(1j * angle) * (rx * _CIRCLE.real + 1j * ry * _CIRCLE.imag)
        self.draw.polygon(self._pixels(outline), fill=_rgb(colour))

    def polygon(self, points, colour):
        self.draw.polygon(self._pixels([complex(x, y) for x, y in points]), fill=_rgb(colour))

    def line(self, points, colour, width):
        self.draw.line(self._pixels([complex(x, y) for x, y in points]), fill=_rgb(colour),
                       width=max(1, round(width)))


def _fur_colour(rng):
    return _FUR[rng.integers(len(_FUR))] * rng.uniform(0.85, 1.15) + rng.normal(0, 10, 3)


def _brightness(colour):
    return float(np.dot(colour, (0.299, 0.587, 0.114)))


def _draw_cat(face, rng, fur):
    tilt = rng.uniform(-0.12, 0.12)
    for side in (-1, 1):
        apex = (side * rng.uniform(0.62, 0.85), -rng.uniform(1.4, 1.6))
        outer = [(side * 0.92, -0.3 + tilt * side), (side * 0.18, -0.86), apex]
        face.polygon(outer, fur)
        centre = np.mean(outer, axis=0)
        inner = [tuple(centre + 0.55 * (np.array(p) - centre)) for p in outer]
        face.polygon(inner, _mix(fur, _PINK, 0.7))
    face.ellipse(0, 0, rng.uniform(0.95, 1.05), rng.uniform(0.86, 0.95), fur)
    iris = _CAT_IRIS[rng.integers(len(_CAT_IRIS))] + rng.normal(0, 12, 3)
    for side in (-1, 1):
        face.ellipse(side * 0.37, -0.12, 0.22, 0.13, iris, angle=side * 0.2)
        face.ellipse(side * 0.37, -0.12, 0.045, 0.12, (15, 15, 15))
    face.polygon([(-0.11, 0.17), (0.11, 0.17), (0, 0.29)], _mix(_PINK, (200, 90, 110), 0.3))
    light_fur = _brightness(fur) > 110  # dark lines on light fur, light lines on dark fur
    mouth = (40, 30, 30) if light_fur else (210, 200, 200)
    face.line([(-0.16, 0.42), (0, 0.32), (0.16, 0.42)], mouth, face.r * 0.06)
    whisker = (30, 30, 30) if light_fur else (245, 245, 245)
    for side in (-1, 1):
        for dy in (0.18, 0.34, 0.5):
            face.line([(side * 0.25, 0.33), (side * 1.25, dy + rng.uniform(-0.05, 0.05))],
                      whisker, face.r * 0.05)


def _draw_dog(face, rng, fur):
    ear = _mix(fur, (30, 20, 15), rng.uniform(0.15, 0.55))
    face.ellipse(0, 0, rng.uniform(0.86, 0.95), rng.uniform(0.95, 1.05), fur)
    droop = rng.uniform(0.15, 0.35)
    for side in (-1, 1):
        face.ellipse(side * 0.9, 0.2, 0.3, 0.78, ear, angle=-side * droop)
    if rng.random() < 0.75:
        face.ellipse(0, 0.82, 0.16, 0.24, _mix(_PINK, (220, 60, 80), rng.uniform(0, 0.6)))
    muzzle = _mix(fur, _CREAM, rng.uniform(0.35, 0.75))
    face.ellipse(0, 0.4, 0.5, 0.38, muzzle)
    face.ellipse(0, 0.2, 0.21, 0.14, (22, 18, 18))
    face.line([(0, 0.3), (0, 0.55)], (30, 22, 22), face.r * 0.06)
    face.line([(-0.2, 0.62), (0, 0.55), (0.2, 0.62)], (30, 22, 22), face.r * 0.06)
    eye = (55, 32, 20) if rng.random() < 0.6 else (15, 12, 12)
    for side in (-1, 1):
        face.ellipse(side * 0.34, -0.2, 0.12, 0.12, eye)
        face.ellipse(side * 0.34 + 0.04, -0.24, 0.035, 0.035, (250, 250, 250))


_DRAW = {"cats": _draw_cat, "dogs": _draw_dog}


def _background(rng, size, fur):
    """Base colour (kept away from the fur colour) with a random linear gradient."""
    for _ in range(8):
        base = rng.uniform(25, 235, 3)
        if np.abs(base - fur).sum() > 120:
            break
    axis = np.linspace(-0.5, 0.5, 8)
    angle, amplitude = rng.uniform(0, 2 * np.pi), rng.uniform(0, 50)
    ramp = np.add.outer(np.sin(angle) * axis, np.cos(angle) * axis) * amplitude
    coarse = np.clip(ramp[..., None] + base, 0, 255).astype(np.uint8)
    return Image.fromarray(coarse, "RGB").resize((size, size), Image.BILINEAR), base


def _clutter(draw, rng, size, base):
    for _ in range(rng.integers(0, 4)):
        x, y = rng.uniform(0, size, 2)
        w, h = rng.uniform(0.1, 0.4, 2) * size
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape([x - w, y - h, x + w, y + h], fill=_rgb(base + rng.normal(0, 18, 3)))


def _face_centre(rng, size, radius, extent):
    """Face centre drawn near the middle, keeping the whole face inside the frame."""
    left, top, right, bottom = (e * radius for e in extent)
    jitter = 0.08 * size
    lo_x, hi_x = max(left, size / 2 - jitter), min(size - right, size / 2 + jitter)
    lo_y, hi_y = max(top, size / 2 - jitter), min(size - bottom, size / 2 + jitter)
    return (rng.uniform(lo_x, hi_x) if lo_x < hi_x else (left + size - right) / 2,
            rng.uniform(lo_y, hi_y) if lo_y < hi_y else (top + size - bottom) / 2)


def _draw_image(kind, rng, image_size):
    """One ``(image_size, image_size, 3)`` uint8 picture of a ``kind`` ('cats'/'dogs') face."""
    size = image_size * _SUPERSAMPLE
    fur = _fur_colour(rng)
    canvas, base = _background(rng, size, fur)
    draw = ImageDraw.Draw(canvas)
    _clutter(draw, rng, size, base)
    radius = rng.uniform(0.21, 0.28) * size
    centre = _face_centre(rng, size, radius, _EXTENTS[kind])
    angle = np.radians(rng.uniform(-15, 15))
    _DRAW[kind](_Face(draw, centre, radius, angle), rng, fur)
    small = np.asarray(canvas.resize((image_size, image_size), Image.BILINEAR), dtype=np.float32)
    noisy = small + rng.normal(0, rng.uniform(3, 10), small.shape).astype(np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _rng(seed, split, kind, index):
    return np.random.default_rng([seed, SPLITS.index(split), CLASSES.index(kind), index])


def generate_arrays(n, image_size=64, seed=0, split="train"):
    """``(x, y)`` in memory: ``n`` images (uint8, NHWC) alternating cat/dog, ``y`` 0=cat 1=dog.

    Image ``i`` of each class is the same picture ``load_data`` writes for that split.
    """
    counts = _class_counts(n)
    x, y = [], []
    for index in range(max(counts.values())):
        for label, kind in enumerate(CLASSES):
            if index < counts[kind]:
                x.append(_draw_image(kind, _rng(seed, split, kind, index), image_size))
                y.append(label)
    return np.stack(x) if x else np.zeros((0, image_size, image_size, 3), np.uint8), np.array(y)


# ---------------------------------------------------------------------------
# Folder writing

def _class_counts(n):
    return {"cats": n - n // 2, "dogs": n // 2}


def _file_name(kind, index, count):
    return f"{_PREFIX[kind]}.{index:0{max(4, len(str(count - 1)))}d}.png"


def _manifest(image_size, seed, sizes):
    return {"dataset": "cats_vs_dogs", "version": _VERSION, "image_size": image_size,
            "seed": seed, "counts": {split: _class_counts(n) for split, n in sizes.items()}}


def _our_files(folder, kind):
    return glob.glob(os.path.join(folder, f"{_PREFIX[kind]}.*.png"))


def _is_complete(root, manifest):
    try:
        with open(os.path.join(root, "manifest.json"), encoding="utf8") as handle:
            if json.load(handle) != manifest:
                return False
    except (OSError, ValueError):
        return False
    return all(len(_our_files(os.path.join(root, split, kind), kind)) == count
               for split, counts in manifest["counts"].items() for kind, count in counts.items())


def _write_png(path, pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG", compress_level=1)
    with atomic_write(path) as handle:
        handle.write(buffer.getvalue())


def _write_split(root, split, counts, image_size, seed):
    for kind, count in counts.items():
        folder = os.path.join(root, split, kind)
        os.makedirs(folder, exist_ok=True)
        for stale in _our_files(folder, kind):
            os.remove(stale)
        for index in range(count):
            pixels = _draw_image(kind, _rng(seed, split, kind, index), image_size)
            _write_png(os.path.join(folder, _file_name(kind, index, count)), pixels)


def load_data(path=None, image_size=64, n_train=1000, n_val=200, n_test=200, seed=0,
              overwrite=False):
    """Write (or reuse) the dataset folder and return its root path as a string.

    ``n_train``/``n_val``/``n_test`` are total image counts per split, split evenly
    between ``cats`` and ``dogs`` (cats get the odd one). ``path`` defaults to
    ``<cache root>/datasets/cats_vs_dogs_<image_size>_<seed>_<n_train>_<n_val>_<n_test>``, so
    runs with other settings never share (or rewrite) a folder. An existing folder
    whose ``manifest.json`` matches these settings is reused unless ``overwrite``.
    """
    sizes = {"train": int(n_train), "val": int(n_val), "test": int(n_test)}
    if image_size < 16 or min(sizes.values()) < 0:
        raise ValueError(f"Need image_size >= 16 and non-negative counts; got "
                         f"image_size={image_size}, counts={sizes}.")
    if path is None:
        path = os.path.join(cache_root(), "datasets", f"cats_vs_dogs_{image_size}_{seed}_"
                            f"{sizes['train']}_{sizes['val']}_{sizes['test']}")
    root = os.path.abspath(os.fspath(path))
    manifest = _manifest(image_size, seed, sizes)
    if not overwrite and _is_complete(root, manifest):
        return root
    os.makedirs(root, exist_ok=True)
    manifest_path = os.path.join(root, "manifest.json")
    if os.path.exists(manifest_path):
        try:
            os.remove(manifest_path)
        except FileNotFoundError:  # another process is regenerating it too
            pass
    for split in SPLITS:
        _write_split(root, split, manifest["counts"][split], image_size, seed)
    with atomic_write(manifest_path, "w") as handle:
        json.dump(manifest, handle, indent=2)
    return root


def _main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m keras_facade.datasets.cats_vs_dogs",
                                     description="Generate the cats-vs-dogs image folders.")
    parser.add_argument("directory", nargs="?", default=None,
                        help="output folder (default: the Keras cache)")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--n-train", type=int, default=1000)
    parser.add_argument("--n-val", type=int, default=200)
    parser.add_argument("--n-test", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    root = load_data(args.directory, args.image_size, args.n_train, args.n_val, args.n_test,
                     args.seed, args.overwrite)
    print(f"{root} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
