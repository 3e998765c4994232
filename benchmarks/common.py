"""What both sides of a workload share: sizes, synthetic data, timing and memory measurement."""
import os
import resource
import time

import numpy as np

SEED = 0
DEVICE = os.environ.get("BENCH_DEVICE", "cpu")  # B1-B3e only; run.py --device sets it
B2_GFLOP_PER_STEP = 40.76  # 3 x 424.5 MFLOP x 32 images (benchmarks.md)
CNN_FILTERS = (32, 64, 128, 256)


def median_ms(step, warmup, timed, sync=None):
    """Median wall time of ``step()`` in milliseconds after ``warmup`` untimed calls; ``sync()``
    (if given) waits for queued GPU work before each reading."""
    sync = sync or (lambda: None)
    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(timed):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return 1000.0 * float(np.median(times))


def peak_rss_mb():
    """This process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def glorot(rng, shape, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


def mlp_data():
    """B1: 64 samples of 784 features, one-hot labels over 10 classes."""
    rng = np.random.default_rng(SEED)
    x = rng.random((64, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]
    return x, y


def cnn_data():
    """B2: 32 RGB images of 64x64 in [0, 1), binary labels."""
    rng = np.random.default_rng(SEED)
    x = rng.random((32, 64, 64, 3), dtype=np.float32)
    y = (rng.random((32, 1)) > 0.5).astype(np.float32)
    return x, y


def lstm_data():
    """B3: 32 sequences of 80 word ids below 10000, binary labels."""
    rng = np.random.default_rng(SEED)
    ids = rng.integers(0, 10000, (32, 80))
    y = (rng.random((32, 1)) > 0.5).astype(np.float32)
    return ids, y


def cnn_shapes():
    """(kh, kw, in, out) of the eight 3x3 convolutions of the blog's CNN, in order."""
    shapes, cin = [], 3
    for f in CNN_FILTERS:
        shapes += [(3, 3, cin, f), (3, 3, f, f)]
        cin = f
    return shapes
