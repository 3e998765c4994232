"""Atomic file writes: write beside the target under a temporary name, then ``os.replace``.

A crash or an exception while writing leaves the previous file untouched and no temporary file behind.
"""
import contextlib
import os
import secrets


def _temp_path(filepath):
    directory, base = os.path.split(os.path.abspath(filepath))
    return os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")


@contextlib.contextmanager
def atomic_path(filepath):
    """Yield a temporary path in ``filepath``'s folder; when the block succeeds it replaces ``filepath``.

    The temporary file is created with the usual permissions (0o666 less the umask), so the result
    looks like a file written directly. A symbolic link is written through: its target is replaced.
    """
    filepath = os.path.realpath(os.fspath(filepath))
    directory = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Cannot write {filepath!r}: the folder {directory!r} does not exist")
    tmp = _temp_path(filepath)
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _fsync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def confirm_overwrite(filepath, overwrite):
    """True when ``filepath`` may be written: it is new, ``overwrite`` is set, or the user says yes.

    Without a terminal to ask, an existing file is never overwritten silently: FileExistsError.
    """
    if overwrite or not os.path.exists(filepath):
        return True
    import sys
    if not (sys.stdin and sys.stdin.isatty()):
        raise FileExistsError(f"{filepath!r} already exists and overwrite=False")
    answer = ""
    while answer not in ("y", "n"):
        answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n] ").strip().lower()
    return answer == "y"
