"""Dataset plumbing of Keras 2's ``keras.utils.data_utils``: the ``Sequence`` base
class and ``get_file`` (cached, hash-checked downloads with safe archive extraction).

Offline policy: a file already in the cache is used as it is. If its hash differs
from the expected one, a fresh copy is downloaded; when that fails (no network),
the cached file is kept and a warning says so. All writes are atomic (temporary
file in the same folder, then ``os.replace``), so an interrupted download never
leaves a truncated file under the final name.
"""

import contextlib
import hashlib
import http.client
import os
import secrets
import shutil
import tarfile
import tempfile
import urllib.request
import warnings
import zipfile

__all__ = ["Sequence", "get_file", "validate_file", "extract_archive", "cache_root",
           "atomic_write"]

_CHUNK = 1 << 16
_DOWNLOAD_TIMEOUT_S = 60


class Sequence:
    """Base class for datasets served batch by batch (Keras ``Sequence`` / K3 ``PyDataset``).

    Subclasses implement ``__len__`` (batches per epoch) and ``__getitem__(index)``
    (one batch, for any index order); ``on_epoch_end`` runs after every epoch.
    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are stored for the
    training loop; subclasses that skip ``super().__init__()`` get the defaults.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    workers = property(lambda self: getattr(self, "_workers", 1),
                       lambda self, value: setattr(self, "_workers", value))
    use_multiprocessing = property(lambda self: getattr(self, "_use_multiprocessing", False),
                                   lambda self, value: setattr(self, "_use_multiprocessing", value))
    max_queue_size = property(lambda self: getattr(self, "_max_queue_size", 10),
                              lambda self, value: setattr(self, "_max_queue_size", value))

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    @property
    def num_batches(self):
        """Batches per epoch (Keras 3 name for ``len(self)``)."""
        return len(self)

    def on_epoch_begin(self):
        """Called before each epoch (no-op by default)."""

    def on_epoch_end(self):
        """Called after each epoch (no-op by default)."""

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]


# ---------------------------------------------------------------------------
# Atomic writes and the cache location

@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Yield a file object on a temporary file that replaces ``path`` on success.

    The temporary file lives in the same folder (hidden, ``.tmp`` suffix) and is
    deleted if the block raises, so readers only ever see complete files.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def cache_root(cache_dir=None):
    """Return the Keras cache root: ``cache_dir``, else ``$KERAS_HOME``, else ``~/.keras``.

    Falls back to ``<tmp>/.keras`` when the chosen folder cannot be created or written.
    """
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    root = os.path.expanduser(os.fspath(cache_dir))
    try:
        os.makedirs(root, exist_ok=True)
    except OSError:
        pass
    if not os.access(root, os.W_OK):
        root = os.path.join(tempfile.gettempdir(), ".keras")
        os.makedirs(root, exist_ok=True)
    return root


# ---------------------------------------------------------------------------
# Hashes

def _hash_name(file_hash, algorithm="auto"):
    if algorithm == "auto":
        return "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5'; got {algorithm!r}.")
    return algorithm


def _file_hash(fpath, algorithm, chunk_size=_CHUNK):
    hasher = hashlib.new(algorithm)
    with open(fpath, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=None):
    """Return True when the sha256/md5 digest of ``fpath`` equals ``file_hash``."""
    algorithm = _hash_name(file_hash, algorithm)
    return _file_hash(fpath, algorithm, chunk_size or _CHUNK) == str(file_hash).lower()


# ---------------------------------------------------------------------------
# Download

def _download(origin, fpath, file_hash=None, algorithm="auto"):
    """Fetch ``origin`` into ``fpath`` atomically; a digest mismatch raises ValueError."""
    algorithm = _hash_name(file_hash, algorithm)
    hasher = hashlib.new(algorithm)
    with atomic_write(fpath) as out, \
            urllib.request.urlopen(origin, timeout=_DOWNLOAD_TIMEOUT_S) as response:
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            hasher.update(chunk)
            out.write(chunk)
        if file_hash is not None and hasher.hexdigest() != str(file_hash).lower():
            raise ValueError(f"The {algorithm} hash of the file downloaded from {origin} is "
                             f"{hasher.hexdigest()}, expected {file_hash}.")


_FETCH_ERRORS = (OSError, ValueError, http.client.HTTPException)  # URLError is an OSError


def _ensure_file(fpath, origin, file_hash, algorithm):
    """Make sure ``fpath`` exists, downloading it when missing or when its hash is wrong."""
    if os.path.exists(fpath):
        if file_hash is None or validate_file(fpath, file_hash, algorithm):
            return
        name = _hash_name(file_hash, algorithm)
        warnings.warn(f"The cached file {fpath} does not match the expected {name} hash "
                      f"{file_hash}; trying to download a fresh copy from {origin}.",
                      stacklevel=3)
        try:
            _download(origin, fpath, file_hash, algorithm)
        except _FETCH_ERRORS as error:
            warnings.warn(f"Download failed ({error}); using the cached file {fpath} as it is.",
                          stacklevel=3)
        return
    print("Downloading data from", origin)
    try:
        _download(origin, fpath, file_hash, algorithm)
    except _FETCH_ERRORS as error:
        raise OSError(f"URL fetch failure on {origin}: {error}. To work offline, place "
                      f"the file at {fpath}.") from error


def get_file(fname, origin, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None):
    """Return the local path of ``fname``, downloading it from ``origin`` if needed.

    The file lives in ``<cache root>/<cache_subdir>/<fname>`` (``fname`` may also be
    absolute). ``untar=True`` keeps the archive as ``<fname>.tar.gz``, extracts it
    into the cache folder and returns ``<folder>/<fname>``; an extracted folder
    placed there without its archive is used directly. ``extract=True`` extracts
    the archive (``archive_format`` 'auto', 'tar', 'zip' or a list of them) next
    to it and returns the archive path.
    """
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = os.path.join(cache_root(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    target = os.path.join(datadir, os.fspath(fname))
    fpath = target + ".tar.gz" if untar else target
    if untar and os.path.exists(target) and not os.path.exists(fpath):
        return target
    _ensure_file(fpath, origin, file_hash, hash_algorithm)
    if untar:
        if not os.path.exists(target):
            extract_archive(fpath, datadir, "tar")
        return target
    if extract:
        extract_archive(fpath, datadir, archive_format)
    return fpath


# ---------------------------------------------------------------------------
# Archive extraction

def _inside(root, name):
    target = os.path.realpath(os.path.join(root, name))
    return os.path.commonpath([root, target]) == root


def _check_tar_members(archive, root):
    for member in archive.getmembers():
        if not _inside(root, member.name):
            raise ValueError(f"Refusing to extract {member.name!r}: it points outside {root}.")
        if member.issym() or member.islnk():
            base = os.path.dirname(member.name) if member.issym() else ""
            target = os.path.join(base, member.linkname)
            if os.path.isabs(member.linkname) or not _inside(root, target):
                raise ValueError(f"Refusing to extract link {member.name!r} -> "
                                 f"{member.linkname!r}: it points outside {root}.")
        elif not (member.isfile() or member.isdir()):
            raise ValueError(f"Refusing to extract special file {member.name!r}.")


def _check_zip_members(archive, root):
    for name in archive.namelist():
        if os.path.isabs(name) or not _inside(root, name):
            raise ValueError(f"Refusing to extract {name!r}: it points outside {root}.")


def _extract_tar(file_path, root):
    with tarfile.open(file_path) as archive:
        _check_tar_members(archive, root)
        if hasattr(tarfile, "data_filter"):
            archive.extractall(root, filter="data")
        else:  # pragma: no cover - Python without extraction filters
            archive.extractall(root)


def _extract_zip(file_path, root):
    with zipfile.ZipFile(file_path) as archive:
        _check_zip_members(archive, root)
        archive.extractall(root)


_ARCHIVES = {"tar": (tarfile.is_tarfile, _extract_tar), "zip": (zipfile.is_zipfile, _extract_zip)}


def _merge_into(src, dst):
    """Move ``src`` onto ``dst``, merging folders and replacing files."""
    if os.path.isdir(src) and os.path.isdir(dst) and not os.path.islink(dst):
        for entry in os.listdir(src):
            _merge_into(os.path.join(src, entry), os.path.join(dst, entry))
        return
    if os.path.isdir(dst) and not os.path.islink(dst):
        shutil.rmtree(dst)
    os.replace(src, dst)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar/zip archive into ``path``; return True if a format matched.

    Members whose path (or link target) escapes ``path``, and device files, make
    it raise ValueError before anything is written. Extraction goes to a hidden
    temporary folder first, so an interrupted run leaves no partial tree behind.
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        formats = ["tar", "zip"]
    else:
        formats = [archive_format] if isinstance(archive_format, str) else list(archive_format)
    unknown = [fmt for fmt in formats if fmt not in _ARCHIVES]
    if unknown:
        raise ValueError(f"Unknown archive_format {unknown}; use 'tar', 'zip' or 'auto'.")
    os.makedirs(path, exist_ok=True)
    for fmt in formats:
        is_format, extract = _ARCHIVES[fmt]
        if not is_format(file_path):
            continue
        staging = tempfile.mkdtemp(prefix=".extract-", dir=path)
        try:
            extract(file_path, os.path.realpath(staging))
            for entry in os.listdir(staging):
                _merge_into(os.path.join(staging, entry), os.path.join(path, entry))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return True
    return False
