"""B7: ImageDataGenerator.flow_from_directory throughput (benchmarks.md).

Writes 256 synthetic 200x200 RGB PNGs (deterministic) into two class folders of
a temporary directory, then times ``next()`` on
``ImageDataGenerator(rescale=1/255, shear_range=0.1, zoom_range=0.1,
horizontal_flip=True).flow_from_directory(..., target_size=(200, 200),
batch_size=32)``: median milliseconds per batch over 16 batches after 2 warm-ups.
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

from keras_facade.preprocessing.image import ImageDataGenerator  # noqa: E402

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


def main():
    with tempfile.TemporaryDirectory() as root:
        write_dataset(root)
        generator = ImageDataGenerator(rescale=1 / 255, shear_range=0.1, zoom_range=0.1,
                                       horizontal_flip=True)
        with contextlib.redirect_stdout(sys.stderr):  # the "Found N images" line
            batches = generator.flow_from_directory(root, target_size=(SIZE, SIZE), batch_size=BATCH,
                                                    class_mode="binary", seed=0)
        times = []
        for step in range(WARMUP + TIMED):
            start = time.perf_counter()
            x, _ = next(batches)
            elapsed = time.perf_counter() - start
            if step >= WARMUP:
                times.append(elapsed)
            assert x.shape == (BATCH, SIZE, SIZE, 3)
    print(json.dumps({
        "id": "B7",
        "workload": "ImageDataGenerator(rescale=1/255, shear_range=0.1, zoom_range=0.1, horizontal_flip=True)"
                    ".flow_from_directory: 256 PNGs 200x200, 2 classes, batch 32",
        "ms_per_batch": round(1000 * float(np.median(times)), 2),
        "target_ms": TARGET_MS,
        "keras_ms": KERAS_MS,
    }))


if __name__ == "__main__":
    main()
