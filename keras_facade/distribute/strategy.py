"""``DataParallel``: every rank holds the same model; each trains on its shard of every global batch;
gradients are averaged with one fused allreduce per step before the (identical) optimizer step."""
import contextlib
import sys
import time

import numpy as np

import autograd_core as ag

from .communicator import make_communicator

_CURRENT = []


def current_strategy():
    """The strategy whose ``scope()`` is active (None outside any scope)."""
    return _CURRENT[-1] if _CURRENT else None


class DataParallel:
    """Synchronous data parallelism over MPI ranks (NCCL between GPUs when every rank has one).

    ``batch_size`` given to ``fit`` is the global batch: rank r trains on rows
    ``shard_bounds(n)`` of each batch (an even split; the first ``n % size`` ranks take one more row),
    and the gradient is the sample-weighted average over ranks, so N ranks reproduce single-process
    training with the same global batch. Only rank 0 prints and writes files.
    """

    def __init__(self, comm=None, timeout=600.0, prefer_nccl=True):
        self.comm = make_communicator(comm, timeout, prefer_nccl)
        self.rank, self.size = self.comm.rank, self.comm.size
        self.stats = {"allreduce_calls": 0, "allreduce_bytes": 0, "allreduce_seconds": 0.0}
        self.presharded = []  # global sizes of batches an image iterator loaded for this rank only
        if self.size > 1:
            self._install_abort_hook()

    @property
    def is_chief(self):
        return self.rank == 0

    @contextlib.contextmanager
    def scope(self):
        """Models compiled inside the scope train data-parallel."""
        _CURRENT.append(self)
        try:
            yield self
        finally:
            _CURRENT.pop()

    def _install_abort_hook(self):
        previous = sys.excepthook
        comm = self.comm

        def hook(kind, value, tb):
            previous(kind, value, tb)
            print(f"rank {self.rank}: uncaught {kind.__name__}; aborting all {self.size} ranks",
                  file=sys.stderr, flush=True)
            comm.abort(1)
        sys.excepthook = hook

    # -- sharding ------------------------------------------------------------------------------
    def shard_bounds(self, n):
        """The rows [lo, hi) of a global batch of ``n`` rows that this rank trains on."""
        base, extra = divmod(n, self.size)
        lo = self.rank * base + min(self.rank, extra)
        return lo, lo + base + (1 if self.rank < extra else 0)

    def shard(self, data, n):
        """This rank's rows of each array in a (possibly nested) batch structure."""
        lo, hi = self.shard_bounds(n)

        def cut(x):
            if x is None:
                return None
            if isinstance(x, (list, tuple)):
                return type(x)(cut(v) for v in x)
            if isinstance(x, dict):
                return {k: cut(v) for k, v in x.items()}
            return x[lo:hi]
        return cut(data)

    # -- collectives ---------------------------------------------------------------------------
    def _timed_allreduce(self, buf):
        start = time.perf_counter()
        self.comm.allreduce_(buf)
        self.stats["allreduce_calls"] += 1
        self.stats["allreduce_bytes"] += buf.nbytes
        self.stats["allreduce_seconds"] += time.perf_counter() - start
        return buf

    def broadcast_variables(self, variables):
        """Copy rank 0's values into ``variables`` on every rank (one fused broadcast)."""
        if self.size == 1 or not variables:
            return
        flat = np.concatenate([np.asarray(v.numpy(), dtype=np.float32).ravel() for v in variables])
        self.comm.bcast_(flat, root=0)
        offset = 0
        for v in variables:
            n = v.size
            v.data = v.device.asarray(flat[offset:offset + n].reshape(v.shape).astype(v.dtype))
            offset += n

    def average_gradients(self, grads, local_count, global_count):
        """Sum over ranks of ``grads * local_count / global_count``, in one fused allreduce.

        Each rank's gradient is a mean over its own rows, so this weighting gives exactly the mean
        over the global batch."""
        if self.size == 1:
            return grads
        scale = float(local_count) / float(global_count)
        arrays = [g.data for g in grads]
        xp = grads[0].device.xp
        flat = xp.concatenate([a.reshape(-1) for a in arrays]).astype(np.float32, copy=False)
        flat *= scale
        self._timed_allreduce(flat)
        out, offset = [], 0
        for g, a in zip(grads, arrays):
            n = a.size
            out.append(ag.Tensor._make(flat[offset:offset + n].reshape(a.shape).astype(a.dtype, copy=False),
                                       g.device))
            offset += n
        return out

    def sum_values(self, values):
        """Element-wise sum over ranks of a list of floats (one small allreduce)."""
        if self.size == 1:
            return list(values)
        buf = np.asarray(values, dtype=np.float64)
        self.comm.allreduce_(buf)
        return buf.tolist()

    def mean_weighted(self, logs, local_count, global_count):
        """Average scalar logs over ranks, each weighted by its share of the global batch."""
        if self.size == 1 or not logs:
            return logs
        keys = sorted(logs)
        summed = self.sum_values([float(logs[k]) * local_count / global_count for k in keys])
        return dict(zip(keys, summed))
