"""B7: ImageDataGenerator.flow_from_directory throughput (benchmarks.md).

Writes 256 synthetic 200x200 RGB PNGs (deterministic) into two class folders of
a temporary directory, then times ``next()`` on
``ImageDataGenerator(rescale=1/255, shear_range=0.1, zoom_range=0.1,
horizontal_flip=True).flow_from_directory(..., target_size=(200, 200),
batch_size=32)``: median milliseconds per batch over 16 batches after 2 warm-ups.

When scipy is installed, the same batches are also built the way Keras 2
(keras_preprocessing 1.1.2) builds them, single-threaded with
``scipy.ndimage.affine_transform`` per channel, alternating with ours so that
both see the same machine load; the line then carries that time and the ratio.
Prints one JSON line.
"""

import contextlib
import json
import os
import sys
import tempfile
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from keras_facade.preprocessing import _affine  # noqa: E402
from keras_facade.preprocessing.image import ImageDataGenerator, img_to_array, load_img  # noqa: E402

N_IMAGES, SIZE, BATCH, WARMUP, TIMED = 256, 200, 32, 2, 16
KERAS_MS, TARGET_MS = 130, 65


def synthetic_image(rng):
    """A smooth random pattern plus mild noise (compresses like a photo, not like noise)."""
    rows, cols = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    channels = []
    for _ in range(3):
        fr, fc, phase = rng.uniform(1, 6), rng.uniform(1, 6), rng.uniform(0, 2 * np.pi)
        channels.append(np.sin(2 * np.pi * (fr * rows + fc * cols) + phase))
    pattern = 110 * (np.stack(channels, axis=-1) + 1) + rng.uniform(-8, 8, (SIZE, SIZE, 3))
    return np.clip(pattern, 0, 255).astype(np.uint8)


def write_dataset(root):
    rng = np.random.default_rng(7)
    for k in range(N_IMAGES):
        folder = os.path.join(root, ("cats", "dogs")[k % 2])
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(synthetic_image(rng)).save(os.path.join(folder, f"{k:04d}.png"))


def keras2_scipy_batch(generator, paths):
    """One batch built as keras_preprocessing 1.1.2 did: per sample and per channel, with scipy."""
    from scipy import ndimage

    batch = np.zeros((len(paths), SIZE, SIZE, 3), dtype=np.float32)
    for i, path in enumerate(paths):
        x = img_to_array(load_img(path, target_size=(SIZE, SIZE)))
        p = generator.get_random_transform(x.shape)
        matrix = _affine.offset_center(
            _affine.transform_matrix(p["theta"], p["tx"], p["ty"], p["shear"], p["zx"], p["zy"]), SIZE, SIZE)
        channels = [ndimage.affine_transform(c, matrix[:2, :2], matrix[:2, 2], order=1, mode="nearest")
                    for c in np.rollaxis(x, 2, 0)]
        x = np.stack(channels, axis=-1)
        if p["flip_horizontal"]:
            x = x[:, ::-1]
        batch[i] = generator.standardize(x)
    return batch


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main():
    try:
        import scipy.ndimage  # noqa: F401
        with_reference = True
    except ImportError:
        with_reference = False
    with tempfile.TemporaryDirectory() as root:
        write_dataset(root)
        generator = ImageDataGenerator(rescale=1 / 255, shear_range=0.1, zoom_range=0.1,
                                       horizontal_flip=True)
        with contextlib.redirect_stdout(sys.stderr):  # the "Found N images" line
            batches = generator.flow_from_directory(root, target_size=(SIZE, SIZE), batch_size=BATCH,
                                                    class_mode="binary", seed=0)
        rng = np.random.default_rng(0)
        ours, reference = [], []
        for step in range(WARMUP + TIMED):
            ours.append(timed(lambda: next(batches)))
            if with_reference:
                paths = [batches.filepaths[j] for j in rng.permutation(N_IMAGES)[:BATCH]]
                reference.append(timed(lambda: keras2_scipy_batch(generator, paths)))
    line = {
        "id": "B7",
        "workload": "ImageDataGenerator(rescale=1/255, shear_range=0.1, zoom_range=0.1, horizontal_flip=True)"
                    ".flow_from_directory: 256 PNGs 200x200, 2 classes, batch 32",
        "ms_per_batch": round(1000 * float(np.median(ours[WARMUP:])), 2),
        "target_ms": TARGET_MS,
        "keras_ms": KERAS_MS,
    }
    if with_reference:
        line["keras2_scipy_ms"] = round(1000 * float(np.median(reference[WARMUP:])), 2)
        line["ratio_to_keras2_scipy"] = round(line["ms_per_batch"] / line["keras2_scipy_ms"], 3)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
