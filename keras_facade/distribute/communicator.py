"""Collectives for data parallelism: one fused allreduce over a flat buffer, broadcast, and
scalar reductions, on MPI (mpi4py) or NCCL (cupy) with timeouts instead of hangs."""
import sys
import time

import numpy as np


class CollectiveTimeout(RuntimeError):
    """A collective did not complete in time (another rank probably died or diverged)."""


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError("keras_facade.distribute needs mpi4py: pip install 'autograd-keras[distributed]' "
                          "(and an MPI implementation such as Open MPI)") from exc
    return MPI


class SingleProcess:
    """The communicator of a run without MPI: rank 0 of 1; every collective is the identity."""
    rank, size, backend = 0, 1, "none"

    def allreduce_(self, buf):
        return buf

    def bcast_(self, buf, root=0):
        return buf

    def allreduce_object(self, value):
        return value

    def abort(self, code=1):
        sys.exit(code)


class MPICommunicator:
    """MPI collectives with a deadline: non-blocking requests polled until done or timed out."""
    backend = "mpi"

    def __init__(self, comm=None, timeout=600.0):
        MPI = _mpi()
        self.MPI = MPI
        self.comm = comm or MPI.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        self.timeout = timeout

    def _wait(self, request, what):
        deadline = time.monotonic() + self.timeout
        while not request.Test():
            if time.monotonic() > deadline:
                msg = (f"rank {self.rank}/{self.size}: {what} did not complete within "
                       f"{self.timeout:.0f} s; another rank probably died or stopped calling it")
                print(msg, file=sys.stderr, flush=True)
                self.abort(1)
                raise CollectiveTimeout(msg)
            time.sleep(2e-5)

    def allreduce_(self, buf):
        """Sum ``buf`` (a contiguous numpy array) over all ranks, in place."""
        self._wait(self.comm.Iallreduce(self.MPI.IN_PLACE, buf, op=self.MPI.SUM), "allreduce")
        return buf

    def bcast_(self, buf, root=0):
        self._wait(self.comm.Ibcast(buf, root=root), "broadcast")
        return buf

    def allreduce_object(self, value):
        buf = np.array([value], dtype=np.float64)
        return float(self.allreduce_(buf)[0])

    def abort(self, code=1):
        self.comm.Abort(code)


class NCCLCommunicator(MPICommunicator):  # pragma: no cover - needs several GPUs
    """Allreduce of GPU buffers through NCCL (cupy); MPI carries the NCCL id and small values."""
    backend = "nccl"

    def __init__(self, comm=None, timeout=600.0):
        super().__init__(comm, timeout)
        import cupy
        from cupy.cuda import nccl
        self.cupy, self.nccl = cupy, nccl
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = self.comm.bcast(uid, root=0)
        self.nccl_comm = nccl.NcclCommunicator(self.size, uid, self.rank)

    def allreduce_(self, buf):
        if isinstance(buf, np.ndarray):
            return super().allreduce_(buf)
        cp, nccl = self.cupy, self.nccl
        stream = cp.cuda.get_current_stream()
        self.nccl_comm.allReduce(buf.data.ptr, buf.data.ptr, buf.size, nccl.NCCL_FLOAT32,
                                 nccl.NCCL_SUM, stream.ptr)
        stream.synchronize()
        return buf


def make_communicator(comm=None, timeout=600.0, prefer_nccl=True):
    """MPI when mpi4py is importable and more than one rank runs, NCCL when every rank has a GPU."""
    try:
        MPI = _mpi()
    except ImportError:
        if comm is not None:
            raise
        return SingleProcess()
    world = comm or MPI.COMM_WORLD
    if world.Get_size() == 1 and comm is None:
        return SingleProcess()
    if prefer_nccl:
        import autograd_core as ag
        has_gpu = ag.cuda.is_available()
        if world.allreduce(int(has_gpu), op=MPI.MIN):  # pragma: no cover - needs GPUs
            return NCCLCommunicator(world, timeout)
    return MPICommunicator(world, timeout)
