"""Data-parallel training across processes and hosts on MPI (mpi4py), and across GPUs with NCCL.

    strategy = keras_facade.distribute.DataParallel()
    with strategy.scope():
        model = build_model()
        model.compile(...)
    model.fit(x, y, batch_size=64)      # 64 = the global batch, split across ranks

Run with ``mpirun -np N python train.py``.
"""
from .strategy import DataParallel, current_strategy  # noqa: F401
from .communicator import CollectiveTimeout  # noqa: F401
