"""``ag.cuda``: GPU availability (cupy)."""
from .backend import cuda_is_available as is_available  # noqa: F401


def device_count():
    if not is_available():
        return 0
    from .backend import _import_cupy
    return _import_cupy().cuda.runtime.getDeviceCount()
