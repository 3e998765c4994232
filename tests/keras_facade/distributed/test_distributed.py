"""Data parallelism: sharding rules in-process, and real multi-process runs under mpirun."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd_core as ag
from keras_facade.distribute import DataParallel

SCRIPT = Path(__file__).with_name("dp_train.py")
ROOT = Path(__file__).resolve().parents[3]


class _FakeComm:
    """A stand-in communicator for rank ``rank`` of ``size`` whose allreduce multiplies by size
    (as if every rank held the same buffer)."""
    backend = "fake"

    def __init__(self, rank, size):
        self.rank, self.size = rank, size

    def allreduce_(self, buf):
        buf *= self.size
        return buf

    def bcast_(self, buf, root=0):
        return buf


def _strategy(rank, size):
    s = DataParallel.__new__(DataParallel)
    s.comm, s.rank, s.size = _FakeComm(rank, size), rank, size
    s.stats = {"allreduce_calls": 0, "allreduce_bytes": 0, "allreduce_seconds": 0.0}
    s.presharded = []
    return s


@given(n=st.integers(0, 200), size=st.integers(1, 7))
def test_shards_cover_the_batch_once_and_differ_by_at_most_one_row(n, size):
    bounds = [_strategy(r, size).shard_bounds(n) for r in range(size)]
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    sizes = [hi - lo for lo, hi in bounds]
    assert max(sizes) - min(sizes) <= 1 and sorted(sizes, reverse=True) == sizes


def test_average_gradients_is_one_fused_allreduce_weighted_by_rows():
    s = _strategy(1, 3)
    grads = [ag.tensor(np.ones((2, 3), np.float32)), ag.tensor(np.full(4, 2.0, np.float32))]
    out = s.average_gradients(grads, local_count=2, global_count=7)
    # fake allreduce multiplies by 3 ranks: 3 * (2/7) * g
    np.testing.assert_allclose(out[0].numpy(), np.full((2, 3), 6 / 7), rtol=1e-6)
    np.testing.assert_allclose(out[1].numpy(), np.full(4, 12 / 7), rtol=1e-6)
    assert s.stats["allreduce_calls"] == 1 and s.stats["allreduce_bytes"] == 10 * 4


def test_single_process_strategy_is_a_no_op():
    s = DataParallel()
    assert (s.rank, s.size, s.is_chief) == (0, 1, True)
    g = [ag.ones(3)]
    assert s.average_gradients(g, 3, 3) is g


def _mpirun():
    exe = shutil.which("mpirun")
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        exe = None
    return exe


needs_mpi = pytest.mark.skipif(_mpirun() is None, reason="needs mpirun and mpi4py")


def _run(tmp_path, n, *extra, timeout=120):
    out = tmp_path / f"w{n}.npz"
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if n == 1:
        cmd = [sys.executable, str(SCRIPT), str(out), *extra]
    else:
        cmd = [_mpirun(), "-np", str(n), "--oversubscribe", "--bind-to", "none",
               sys.executable, str(SCRIPT), str(out), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    return proc, out


@needs_mpi
@pytest.mark.parametrize("ranks", [2, 3])
def test_n_ranks_match_single_process_training(tmp_path, ranks):
    single, out1 = _run(tmp_path, 1)
    assert single.returncode == 0, single.stderr
    multi, outn = _run(tmp_path, ranks)
    assert multi.returncode == 0, multi.stderr + multi.stdout
    a, b = np.load(out1), np.load(outn)
    for i in range(4):
        np.testing.assert_allclose(b[f"arr_{i}"], a[f"arr_{i}"], rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(b["loss"], a["loss"], rtol=1e-5)
    # 70 samples / batch 20 -> 4 steps per epoch, 3 epochs, one fused allreduce per step
    assert int(b["allreduce_calls"]) == 12
    assert int(b["allreduce_bytes"]) == 12 * 4 * (5 * 8 + 8 + 8 * 3 + 3)
    # only rank 0 prints the progress bar
    assert multi.stdout.count("Epoch 1/3") == 1


@needs_mpi
def test_a_failing_rank_stops_the_others_instead_of_hanging(tmp_path):
    proc, _ = _run(tmp_path, 2, "--fail-rank", "1", timeout=100)
    assert proc.returncode != 0
    assert "rank 1 fails on purpose" in proc.stderr


def test_image_iterators_decode_only_this_ranks_rows(tmp_path):
    from PIL import Image
    from keras_facade.distribute import training as dp
    from keras_facade.preprocessing.image import ImageDataGenerator
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.fromarray(np.full((4, 4, 3), 40 * i + (100 if cls == "b" else 0), np.uint8)).save(
                tmp_path / cls / f"{i}.png")
    it = ImageDataGenerator().flow_from_directory(str(tmp_path), target_size=(4, 4), batch_size=5,
                                                  class_mode="sparse", shuffle=False)
    whole_x, whole_y = it[0]
    strategy = _strategy(1, 2)
    undo = dp.shard_loading(strategy, it)
    x, y = it[0]
    assert strategy.presharded == [5]
    np.testing.assert_array_equal(x, whole_x[3:5])   # rank 1 of 2 takes rows 3..4 of 5
    np.testing.assert_array_equal(y, whole_y[3:5])
    _, ys, _, local, total = dp.local_rows(strategy, x, [y], [None], len(x))
    assert (local, total) == (2, 5) and strategy.presharded == []
    undo()
    assert len(it[0][0]) == 5


@needs_mpi
def test_a_stalled_rank_makes_the_collective_time_out_with_a_clear_error(tmp_path):
    proc, _ = _run(tmp_path, 2, "--stall-rank", "1", "--timeout", "3", timeout=100)
    assert proc.returncode != 0
    assert "did not complete within 3 s" in proc.stderr
