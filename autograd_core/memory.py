"""Host memory policy: keep freed array memory in the process for reuse.

A training step allocates and frees the same large arrays (activations, gradients, optimizer
temporaries) every time. By default glibc hands every block above 128 KiB back to the kernel with
``munmap`` and returns the top of its heap with ``brk`` once a few MiB are free, so the next step
takes a page fault for every 4 KiB page it writes: on a virtual machine this costs more than the
arithmetic (a 0.8 MB product with a few temporaries alive runs ~15x slower). Like PyTorch's caching
allocators, the engine therefore asks glibc, once at import, to serve large blocks from its heap and
to keep freed memory for reuse. Peak memory is unchanged (what is free is reused first); memory that a
long process freed for good is only returned by :func:`release_free_memory`.

Set ``AUTOGRAD_CORE_KEEP_FREED_MEMORY=0`` before importing to keep the C library's defaults. Other C
libraries (musl, macOS, Windows) are left alone.
"""
import ctypes
import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
_TRIM_THRESHOLD = 2**31 - 1  # the largest value mallopt takes: do not trim the heap's top on free

_state = {"keep_freed": False}


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # only glibc has this (and mallopt's options below)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):
        return None


def keep_freed_memory():
    """Serve large blocks from the heap and keep freed memory for reuse. Returns whether the C
    library took the settings (True on glibc)."""
    libc = _glibc()
    if libc is None:
        return False
    ok = (libc.mallopt(_M_MMAP_MAX, 0) == 1
          and libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD) == 1)
    _state["keep_freed"] = ok
    return ok


def release_free_memory():
    """Give the heap's free pages back to the operating system now (e.g. after a large job)."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0))


def keeps_freed_memory():
    """Whether the policy is in effect in this process."""
    return _state["keep_freed"]


if os.environ.get("AUTOGRAD_CORE_KEEP_FREED_MEMORY", "1").strip().lower() not in ("0", "false", "no"):
    keep_freed_memory()
