"""Safe readers shared by the dataset loaders.

Some standard dataset files contain pickles: the CIFAR batches are pickled dicts,
and the IMDB / Reuters ``.npz`` files store ragged sequences as numpy object
arrays (which numpy can only save as a pickle, hence ``allow_pickle=True`` in
Keras). Unpickling can run arbitrary code, so these files are read with
``RestrictedUnpickler``: it refuses every global except the three numpy needs to
rebuild an array (``ndarray``, ``dtype`` and ``multiarray._reconstruct``, under
both the numpy 1 ``numpy.core`` and numpy 2 ``numpy._core`` module names). Dicts,
lists, strings, bytes and numbers need no globals. Plain numeric ``.npy`` members
are read with pickling disabled.
"""

import importlib
import io
import pickle
import zipfile

import numpy as np

_RECONSTRUCT = np.empty(0).__reduce__()[0]
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that can only rebuild numpy arrays and plain Python containers."""

    def find_class(self, module, name):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"Refusing to load global {module}.{name} from a dataset file; "
                "the file may be corrupted or tampered with.") from None


def restricted_loads(data, encoding="ASCII"):
    """Unpickle ``data`` with ``RestrictedUnpickler``."""
    return RestrictedUnpickler(io.BytesIO(data), encoding=encoding).load()


def _read_npy(stream):
    """One ``.npy`` stream; object arrays go through the restricted unpickler."""
    version = np.lib.format.read_magic(stream)
    read_header = (np.lib.format.read_array_header_1_0 if version[0] == 1
                   else np.lib.format.read_array_header_2_0)  # 3.0 only changes the text encoding
    _, _, dtype = read_header(stream)
    if dtype.hasobject:
        # latin1 lets Python 2 era pickles of numpy arrays load (numpy's advice).
        return RestrictedUnpickler(stream, encoding="latin1").load()
    stream.seek(0)
    return np.lib.format.read_array(stream, allow_pickle=False)


def load_npz(path):
    """Read every array of an ``.npz`` file into a dict, without unrestricted unpickling."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith(".npy"):
                arrays[name[:-4]] = _read_npy(io.BytesIO(archive.read(name)))
    return arrays


def load_pickled_dict(path):
    """A pickled dict (CIFAR batch) with ``bytes`` keys decoded to ``str``."""
    with open(path, "rb") as handle:
        # encoding='bytes' keeps the Python 2 strings of the original files as bytes.
        data = RestrictedUnpickler(handle, encoding="bytes").load()
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a dict.")
    return {key.decode("utf8") if isinstance(key, bytes) else key: value
            for key, value in data.items()}


def object_array(items):
    """1-D object array of ``items`` (lists stay lists even when their lengths agree)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = list(item)
    return out


def remove_long_seq(maxlen, seqs, labels):
    """Keep the sequences shorter than ``maxlen`` (strictly, as Keras does) and their labels."""
    kept = [(seq, label) for seq, label in zip(seqs, labels) if len(seq) < maxlen]
    return [seq for seq, _ in kept], [label for _, label in kept]


def image_data_format():
    """The backend's image data format when the backend is available, else 'channels_last'."""
    try:
        return importlib.import_module("keras_facade.backend").image_data_format()
    except (ImportError, AttributeError):
        return "channels_last"
