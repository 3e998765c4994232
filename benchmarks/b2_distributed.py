"""B2 data-parallel: the blog CNN (64x64, global batch 32) trained with
``keras_facade.distribute.DataParallel`` on 1 and 2 MPI ranks, one BLAS thread each.

    python benchmarks/b2_distributed.py            # launches mpirun -np 1 and -np 2, prints both
    mpirun -np 2 python benchmarks/b2_distributed.py --worker

Prints one JSON line per rank count: ms per global step, images/s, the scaling against one rank,
and the communication per step (allreduce bytes and milliseconds).
"""
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import common as C  # noqa: E402


def worker(warmup=2, timed=8):
    import keras_facade
    from benchmarks.project_side import blog_cnn
    strategy = keras_facade.distribute.DataParallel(timeout=300)
    x, y = C.cnn_data()
    with strategy.scope():
        model = blog_cnn()
    for _ in range(warmup):
        model.train_on_batch(x, y)
    strategy.stats.update(allreduce_calls=0, allreduce_bytes=0, allreduce_seconds=0.0)
    times = []
    for _ in range(timed):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    ms = 1000 * float(np.median(times))
    if strategy.rank == 0:
        calls = max(strategy.stats["allreduce_calls"], 1)
        print(json.dumps({"id": "B2dp", "ranks": strategy.size, "ms_per_step": round(ms, 1),
                          "images_per_s": round(32 / ms * 1000, 1),
                          "allreduce_mb_per_step": round(strategy.stats["allreduce_bytes"] / calls / 1e6, 2),
                          "allreduce_ms_per_step": round(1000 * strategy.stats["allreduce_seconds"] / calls, 1)}),
              flush=True)


def launch():
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        print(json.dumps({"id": "B2dp", "skipped": "mpirun not found"}))
        return
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    base = None
    for n in (1, 2):
        out = subprocess.run([mpirun, "-np", str(n), "--oversubscribe", "--bind-to", "none",
                              sys.executable, os.path.abspath(__file__), "--worker"],
                             capture_output=True, text=True, env=env)
        lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
        if out.returncode or not lines:
            print(json.dumps({"id": "B2dp", "ranks": n, "error": out.stderr[-500:]}))
            continue
        row = json.loads(lines[-1])
        base = base or row["ms_per_step"]
        row["speedup_vs_1_rank"] = round(base / row["ms_per_step"], 2)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    worker() if "--worker" in sys.argv else launch()
