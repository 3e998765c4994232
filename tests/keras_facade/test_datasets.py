"""keras_facade.datasets loaders, run offline on tiny files placed in the cache layout."""

import gzip
import hashlib
import io
import json
import os
import pickle
import struct
import tarfile
import urllib.error
import urllib.request
import warnings

import numpy as np
import pytest

from keras_facade import datasets
from keras_facade.datasets import (_loading, boston_housing, cifar10, cifar100, fashion_mnist, imdb,
                                   mnist, reuters)


class _Cache:
    """The cache's ``datasets`` folder (``cache / name`` is a path) and the URLs fetched."""

    def __init__(self, folder):
        self.folder, self.attempts = folder, []

    def __truediv__(self, name):
        return self.folder / name


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """KERAS_HOME in tmp_path; every download attempt fails (and is recorded)."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    cached = _Cache(tmp_path / "datasets")

    def offline(url, *args, **kwargs):
        cached.attempts.append(url)
        raise urllib.error.URLError("offline")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    return cached


def _quiet(loader, *args, **kwargs):
    """Call a loader whose tiny cached file does not match the published hash."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = loader(*args, **kwargs)
    messages = " ".join(str(w.message) for w in caught)
    assert "does not match" in messages and "using the cached file" in messages
    return result


def _save_npz(path, **arrays):
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _ragged(*seqs):
    out = np.empty(len(seqs), dtype=object)
    for i, seq in enumerate(seqs):
        out[i] = list(seq)
    return out


def test_package_exposes_all_loaders():
    for name in ("mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters",
                 "boston_housing", "cats_vs_dogs"):
        assert callable(getattr(datasets, name).load_data)


# ---------------------------------------------------------------------------
# Images

def test_mnist_reads_cached_npz_and_tries_the_published_origin(cache):
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    _save_npz(cache / "mnist.npz", x_train=x_train, y_train=np.arange(5, dtype=np.uint8),
              x_test=x_test, y_test=np.array([7, 9], np.uint8))
    (xa, ya), (xb, yb) = _quiet(mnist.load_data)
    np.testing.assert_array_equal(xa, x_train)
    np.testing.assert_array_equal(xb, x_test)
    assert xa.dtype == np.uint8 and ya.tolist() == [0, 1, 2, 3, 4] and yb.tolist() == [7, 9]
    assert cache.attempts == [mnist.ORIGIN]


def test_mnist_with_matching_hash_loads_silently(cache, monkeypatch):
    _save_npz(cache / "digits.npz", x_train=np.zeros((1, 28, 28), np.uint8), y_train=np.zeros(1),
              x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1))
    digest = hashlib.sha256((cache / "digits.npz").read_bytes()).hexdigest()
    monkeypatch.setattr(mnist, "FILE_HASH", digest)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x, _), _ = mnist.load_data(path="digits.npz")
    assert x.shape == (1, 28, 28) and cache.attempts == []


def test_missing_file_offline_raises_with_the_expected_location(cache):
    with pytest.raises(OSError, match="mnist.npz"):
        mnist.load_data()


def _idx_gz(path, header, payload):
    with gzip.open(path, "wb") as handle:
        handle.write(header + payload.tobytes())


def test_fashion_mnist_reads_idx_files(cache):
    folder = cache / "fashion-mnist"
    folder.mkdir()
    images = np.arange(3 * 784, dtype=np.uint32).astype(np.uint8).reshape(3, 28, 28)
    for prefix, n in (("train", 3), ("t10k", 1)):
        _idx_gz(folder / f"{prefix}-labels-idx1-ubyte.gz", b"\0" * 8, np.arange(n, dtype=np.uint8))
        _idx_gz(folder / f"{prefix}-images-idx3-ubyte.gz", b"\0" * 16, images[:n])
    (x_train, y_train), (x_test, y_test) = _quiet(fashion_mnist.load_data)
    np.testing.assert_array_equal(x_train, images)
    assert x_test.shape == (1, 28, 28) and y_train.tolist() == [0, 1, 2] and y_test.tolist() == [0]
    assert all(url.startswith(fashion_mnist.BASE_URL) for url in cache.attempts)


class _Py2Pickler(pickle._Pickler):
    """Pickles like Python 2 did for the CIFAR files: strings as BINSTRING, numpy.core paths."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_str(self, obj):
        data = obj.encode("latin1") if isinstance(obj, str) else obj
        head = (pickle.SHORT_BINSTRING + bytes([len(data)]) if len(data) < 256
                else pickle.BINSTRING + struct.pack("<i", len(data)))
        self.write(head + data)
        self.memoize(obj)

    dispatch[str] = dispatch[bytes] = save_py2_str

    def save_global(self, obj, name=None):
        if getattr(obj, "__module__", "") == "numpy._core.multiarray":
            self.write(pickle.GLOBAL + f"numpy.core.multiarray\n{obj.__name__}\n".encode())
            self.memoize(obj)
        else:
            super().save_global(obj, name)


def _cifar_batch(n, label_key, first_label, **extra):
    """A CIFAR batch as in the real files: (n, 3072) uint8 data, label list, Python 2 pickle."""
    data = np.zeros((n, 3, 32, 32), np.uint8)
    for channel in range(3):
        data[:, channel] = channel + 10 * np.arange(n)[:, None, None]
    batch = {"batch_label": "batch", "data": data.reshape(n, 3072), "filenames": ["f.png"] * n,
             label_key: [first_label + i for i in range(n)], **extra}
    buffer = io.BytesIO()
    _Py2Pickler(buffer, protocol=2).dump(batch)
    return buffer.getvalue()


def _write_tar(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))


def test_cifar10_extracts_archive_and_returns_channels_last(cache):
    members = {f"cifar-10-batches-py/data_batch_{i}": _cifar_batch(2, "labels", i)
               for i in range(1, 6)}
    members["cifar-10-batches-py/test_batch"] = _cifar_batch(3, "labels", 7)
    _write_tar(cache / "cifar-10-batches-py.tar.gz", members)
    (x_train, y_train), (x_test, y_test) = _quiet(cifar10.load_data)
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert x_test.shape == (3, 32, 32, 3)
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert y_train[:, 0].tolist() == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    assert y_test[:, 0].tolist() == [7, 8, 9]
    np.testing.assert_array_equal(x_test[2, 5, 7], [20, 21, 22])  # channel c of image i = c + 10 i
    assert (cache / "cifar-10-batches-py" / "test_batch").exists()
    assert cache.attempts == [cifar10.ORIGIN]


def test_cifar100_label_modes_from_a_hand_placed_folder(cache):
    folder = cache / "cifar-100-python"
    folder.mkdir()
    for name, n in (("train", 4), ("test", 2)):
        (folder / name).write_bytes(_cifar_batch(n, "fine_labels", 50, coarse_labels=[3] * n))
    (x_train, y_fine), (x_test, _) = cifar100.load_data()
    assert x_train.shape == (4, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    assert y_fine[:, 0].tolist() == [50, 51, 52, 53] and y_fine.shape == (4, 1)
    (_, y_coarse), _ = cifar100.load_data(label_mode="coarse")
    assert y_coarse[:, 0].tolist() == [3, 3, 3, 3]
    assert cache.attempts == []
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


# ---------------------------------------------------------------------------
# Restricted unpickling

class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_restricted_unpickler_refuses_globals(tmp_path):
    with pytest.raises(pickle.UnpicklingError, match="posix.system|os.system|nt.system"):
        _loading.restricted_loads(pickle.dumps(_Exploit()))
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps({"data": _Exploit()}))
    with pytest.raises(pickle.UnpicklingError):
        _loading.load_pickled_dict(path)


def test_npz_object_arrays_load_only_numpy_globals(tmp_path):
    good = tmp_path / "good.npz"
    _save_npz(good, x=_ragged([1, 2], [3]), y=np.arange(2))
    arrays = _loading.load_npz(good)
    assert arrays["x"].dtype == object and arrays["x"].tolist() == [[1, 2], [3]]
    bad = tmp_path / "bad.npz"
    evil = np.empty(1, dtype=object)
    evil[0] = _Exploit()
    _save_npz(bad, x=evil)
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        _loading.load_npz(bad)


# ---------------------------------------------------------------------------
# Text datasets

def _expected_orders(*sizes, seed=113):
    """The permutations Keras draws, one after the other, from ``RandomState(seed)``."""
    rng = np.random.RandomState(seed)
    orders = []
    for n in sizes:
        order = np.arange(n)
        rng.shuffle(order)
        orders.append(order)
    return orders


IMDB_TRAIN = [[1, 2, 3], [4, 5], [6, 7, 8, 9], [2]]
IMDB_TEST = [[9, 9], [1, 10, 2]]


@pytest.fixture
def imdb_file(cache):
    _save_npz(cache / "imdb.npz", x_train=_ragged(*IMDB_TRAIN), y_train=np.array([0, 1, 0, 1]),
              x_test=_ragged(*IMDB_TEST), y_test=np.array([1, 0]))
    return cache


def test_imdb_shuffles_offsets_and_returns_object_arrays(imdb_file):
    (x_train, y_train), (x_test, y_test) = _quiet(imdb.load_data)
    train_order, test_order = _expected_orders(4, 2)
    expected = [[1] + [w + 3 for w in IMDB_TRAIN[i]] for i in train_order]
    top = max(max(s) for s in expected + [[1] + [w + 3 for w in s] for s in IMDB_TEST])
    expected = [[w if w < top else 2 for w in s] for s in expected]  # Keras excludes the max id
    assert x_train.dtype == object and x_train.shape == (4,)
    assert x_train.tolist() == expected
    assert y_train.tolist() == [[0, 1, 0, 1][i] for i in train_order]
    assert y_test.tolist() == [[1, 0][i] for i in test_order]
    assert len(x_test) == 2 and all(s[0] == 1 for s in x_test)
    assert imdb_file.attempts == [imdb.BASE_URL + "imdb.npz"]


def test_imdb_vocabulary_limits_and_maxlen(imdb_file):
    (x_train, _), (x_test, _) = _quiet(imdb.load_data, num_words=8, skip_top=5, oov_char=0,
                                       start_char=None, index_from=0)
    for seq, source in zip(x_train, (IMDB_TRAIN[i] for i in _expected_orders(4)[0])):
        assert seq == [w if 5 <= w < 8 else 0 for w in source]
    (x_train, y_train), (x_test, _) = _quiet(imdb.load_data, maxlen=4, oov_char=None, num_words=100)
    assert sorted(map(len, x_train)) == [2, 3] and len(y_train) == 2  # strictly shorter than 4
    assert x_test.tolist() == [[1, 12, 12]]
    with pytest.raises(ValueError, match="Increase maxlen"):
        _quiet(imdb.load_data, maxlen=1)


def test_imdb_accepts_keras1_nb_words(imdb_file):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (x_train, _), _ = imdb.load_data(nb_words=5)
    assert any(w.category is DeprecationWarning and "num_words" in str(w.message) for w in caught)
    assert max(max(s) for s in x_train) <= 4
    with pytest.raises(TypeError, match="Unrecognized"):
        imdb.load_data(bogus=1)


def test_imdb_and_reuters_word_index(cache):
    (cache / "imdb_word_index.json").write_text(json.dumps({"the": 1, "movie": 2}))
    assert _quiet(imdb.get_word_index) == {"the": 1, "movie": 2}
    (cache / "reuters_word_index.json").write_text(json.dumps({"said": 1}))
    assert _quiet(reuters.get_word_index) == {"said": 1}


def test_reuters_shuffles_then_splits(cache):
    seqs = [[i + 1] * (i + 1) for i in range(10)]
    _save_npz(cache / "reuters.npz", x=_ragged(*seqs), y=np.arange(10))
    (x_train, y_train), (x_test, y_test) = _quiet(reuters.load_data, test_split=0.3,
                                                  num_words=100)
    (order,) = _expected_orders(10)
    assert y_train.tolist() == order[:7].tolist() and y_test.tolist() == order[7:].tolist()
    assert x_train[0] == [1] + [w + 3 for w in seqs[order[0]]]
    assert x_train.dtype == object and len(x_test) == 3


def test_boston_housing_shuffles_and_splits(cache):
    x = np.arange(30, dtype=float).reshape(10, 3)
    _save_npz(cache / "boston_housing.npz", x=x, y=np.arange(10, dtype=float))
    (x_train, y_train), (x_test, y_test) = _quiet(boston_housing.load_data, test_split=0.2, seed=5)
    (order,) = _expected_orders(10, seed=5)
    np.testing.assert_array_equal(y_train, order[:8])
    np.testing.assert_array_equal(x_test, x[order[8:]])
    assert x_train.shape == (8, 3) and y_test.shape == (2,)
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)
