"""keras_facade.utils: to_categorical, normalize, Sequence, get_file, plot_model."""

import hashlib
import importlib.util
import io
import os
import tarfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import keras_facade.preprocessing as preprocessing
from keras_facade import utils
from keras_facade.preprocessing import sequence
from keras_facade.utils import Sequence, get_file, normalize, plot_model, to_categorical
from keras_facade.utils.data_utils import atomic_write, extract_archive, validate_file
from keras_facade.utils.np_utils import to_categorical as np_utils_to_categorical
from keras_facade.utils.vis_utils import _layer_graph, _ranks, model_to_dot
from keras_facade.utils.vis_utils import plot_model as vis_utils_plot_model


# ---------------------------------------------------------------------------
# Import paths

def test_keras2_and_keras3_import_paths():
    assert np_utils_to_categorical is to_categorical
    assert vis_utils_plot_model is plot_model
    assert utils.pad_sequences is sequence.pad_sequences
    assert utils.PyDataset is Sequence
    assert preprocessing.pad_sequences is sequence.pad_sequences
    assert preprocessing.TimeseriesGenerator is sequence.TimeseriesGenerator
    with pytest.raises(AttributeError):
        utils.no_such_name  # noqa: B018


@pytest.mark.skipif(importlib.util.find_spec("keras_facade.preprocessing.image") is None,
                    reason="preprocessing.image not present in this tree")
def test_preprocessing_reexports_image_helpers():
    image = importlib.import_module("keras_facade.preprocessing.image")
    assert preprocessing.image is image
    for name in ("load_img", "img_to_array", "array_to_img", "save_img"):
        assert getattr(preprocessing, name) is getattr(image, name)


# ---------------------------------------------------------------------------
# to_categorical / normalize

def test_to_categorical_keras2_semantics():
    out = to_categorical([0, 2, 1])
    assert out.dtype == np.float64  # Keras 3; float32 under the keras2 profile
    np.testing.assert_array_equal(out, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert to_categorical(np.array([[1], [0]])).shape == (2, 2)  # trailing 1 dropped
    assert to_categorical(np.zeros((2, 3), int), num_classes=4).shape == (2, 3, 4)
    assert to_categorical([1], num_classes=3, dtype="int64").dtype == np.int64
    assert to_categorical(np.array(3)).shape == (4,)


@pytest.mark.parametrize("labels, num_classes", [([-1, 0], None), ([3], 3), ([], None)])
def test_to_categorical_rejects_bad_labels(labels, num_classes):
    with pytest.raises(ValueError):
        to_categorical(labels, num_classes)


def test_normalize():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(normalize(x), [[0.6, 0.8], [0, 0]])
    np.testing.assert_allclose(normalize(x, order=1), [[3 / 7, 4 / 7], [0, 0]])
    np.testing.assert_allclose(normalize(x, axis=0), [[1, 1], [0, 0]])


# ---------------------------------------------------------------------------
# Sequence

class Squares(Sequence):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n, self.epochs = n, 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return np.full(2, index ** 2)

    def on_epoch_end(self):
        self.epochs += 1


class Legacy(Sequence):
    """Keras 2 style subclass that never calls super().__init__()."""

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return index


def test_sequence_protocol_and_kwargs():
    seq = Squares(3, workers=4, use_multiprocessing=True, max_queue_size=5)
    assert [batch[0] for batch in seq] == [0, 1, 4]
    assert seq[2].tolist() == [4, 4] and seq.num_batches == 3
    seq.on_epoch_end()
    assert seq.epochs == 1
    assert (seq.workers, seq.use_multiprocessing, seq.max_queue_size) == (4, True, 5)
    legacy = Legacy()
    assert (legacy.workers, legacy.use_multiprocessing, legacy.max_queue_size) == (1, False, 10)
    assert list(legacy) == [0, 1]
    legacy.workers = 3
    assert legacy.workers == 3
    with pytest.raises(NotImplementedError):
        len(Sequence())


# ---------------------------------------------------------------------------
# atomic_write / validate_file

def test_atomic_write_keeps_old_content_on_failure(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(target, "w") as handle:
            handle.write("partial")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.txt"]
    with atomic_write(target, "w") as handle:
        handle.write("new")
    assert target.read_text() == "new"


def test_validate_file_auto_detects_algorithm(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"abc")
    assert validate_file(path, hashlib.sha256(b"abc").hexdigest())
    assert validate_file(path, hashlib.md5(b"abc").hexdigest())
    assert not validate_file(path, hashlib.md5(b"abd").hexdigest())
    with pytest.raises(ValueError, match="hash_algorithm"):
        validate_file(path, "x", algorithm="crc32")


# ---------------------------------------------------------------------------
# get_file

@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def _origin(tmp_path, name, payload):
    source = tmp_path / "server" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(payload)
    return source, source.as_uri()


def test_get_file_downloads_into_keras_home_and_then_uses_the_cache(tmp_path, keras_home, capsys):
    source, url = _origin(tmp_path, "a.bin", b"payload")
    digest = hashlib.sha256(b"payload").hexdigest()
    path = get_file("a.bin", url, file_hash=digest)
    assert path == str(keras_home / "datasets" / "a.bin")
    assert Path(path).read_bytes() == b"payload"
    assert "Downloading data from" in capsys.readouterr().out
    source.unlink()  # cached: no second download
    assert get_file("a.bin", url, file_hash=digest) == path
    assert os.listdir(keras_home / "datasets") == ["a.bin"]


def test_get_file_md5_hash_cache_dir_and_subdir(tmp_path, keras_home):
    _, url = _origin(tmp_path, "b.txt", b"bee")
    path = get_file("b.txt", url, md5_hash=hashlib.md5(b"bee").hexdigest(),
                    cache_dir=tmp_path / "elsewhere", cache_subdir="models")
    assert path == str(tmp_path / "elsewhere" / "models" / "b.txt")
    absolute = tmp_path / "abs" / "c.txt"
    assert get_file(str(absolute), url) == str(absolute)
    assert absolute.read_bytes() == b"bee"


def test_get_file_redownloads_when_the_cached_hash_mismatches(tmp_path, keras_home):
    _, url = _origin(tmp_path, "d.bin", b"fresh")
    cached = keras_home / "datasets" / "d.bin"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"stale")
    with pytest.warns(UserWarning, match="does not match"):
        get_file("d.bin", url, file_hash=hashlib.sha256(b"fresh").hexdigest())
    assert cached.read_bytes() == b"fresh"


def test_get_file_keeps_cached_file_when_offline(tmp_path, keras_home):
    cached = keras_home / "datasets" / "e.bin"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"local copy")
    missing = (tmp_path / "nowhere" / "e.bin").as_uri()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = get_file("e.bin", missing, file_hash="0" * 64)
    messages = [str(w.message) for w in caught]
    assert any("does not match" in m for m in messages)
    assert any("using the cached file" in m for m in messages)
    assert path == str(cached) and cached.read_bytes() == b"local copy"


def test_get_file_missing_and_offline_raises_with_the_target_path(tmp_path, keras_home):
    missing = (tmp_path / "nowhere" / "f.bin").as_uri()
    with pytest.raises(OSError, match="place the file at .*f.bin"):
        get_file("f.bin", missing)
    assert not (keras_home / "datasets" / "f.bin").exists()


def test_get_file_rejects_a_download_with_the_wrong_hash(tmp_path, keras_home):
    _, url = _origin(tmp_path, "g.bin", b"tampered")
    with pytest.raises(OSError, match="expected"):
        get_file("g.bin", url, file_hash=hashlib.sha256(b"genuine").hexdigest())
    assert os.listdir(keras_home / "datasets") == []


def _tar_bytes(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def _zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def test_get_file_untar_extracts_next_to_the_archive(tmp_path, keras_home):
    members = {"pack/one.txt": b"1", "pack/sub/two": b"2"}
    _, url = _origin(tmp_path, "pack.tar.gz", _tar_bytes(members))
    folder = get_file("pack", url, untar=True)
    assert folder == str(keras_home / "datasets" / "pack")
    assert Path(folder, "sub", "two").read_bytes() == b"2"
    assert sorted(os.listdir(keras_home / "datasets")) == ["pack", "pack.tar.gz"]


def test_get_file_untar_uses_a_hand_placed_folder(tmp_path, keras_home):
    folder = keras_home / "datasets" / "placed"
    folder.mkdir(parents=True)
    assert get_file("placed", (tmp_path / "none.tar.gz").as_uri(), untar=True) == str(folder)


def test_get_file_extract_zip_returns_archive_path(tmp_path, keras_home):
    _, url = _origin(tmp_path, "z.zip", _zip_bytes({"inner/a.txt": "A"}))
    path = get_file("z.zip", url, extract=True)
    assert path.endswith("z.zip")
    assert (keras_home / "datasets" / "inner" / "a.txt").read_text() == "A"


@pytest.mark.parametrize("builder, name", [(_tar_bytes, "evil.tar.gz"), (_zip_bytes, "evil.zip")])
def test_extract_archive_refuses_paths_outside_the_target(tmp_path, builder, name):
    archive = tmp_path / name
    archive.write_bytes(builder({"ok.txt": b"fine", "../escaped.txt": b"bad"}))
    target = tmp_path / "out"
    with pytest.raises(ValueError, match="outside"):
        extract_archive(str(archive), str(target))
    assert not (tmp_path / "escaped.txt").exists()
    assert os.listdir(target) == []


def test_extract_archive_refuses_escaping_links(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        link = tarfile.TarInfo("link")
        link.type, link.linkname = tarfile.SYMTYPE, "../../etc/passwd"
        archive.addfile(link)
    (tmp_path / "links.tar").write_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match="link"):
        extract_archive(str(tmp_path / "links.tar"), str(tmp_path / "out"))


def test_extract_archive_merges_and_reports_unknown_formats(tmp_path):
    archive = tmp_path / "a.zip"
    archive.write_bytes(_zip_bytes({"d/new.txt": "n", "d/same.txt": "2"}))
    target = tmp_path / "out"
    (target / "d").mkdir(parents=True)
    (target / "d" / "keep.txt").write_text("k")
    (target / "d" / "same.txt").write_text("1")
    assert extract_archive(str(archive), str(target)) is True
    assert sorted(os.listdir(target / "d")) == ["keep.txt", "new.txt", "same.txt"]
    assert (target / "d" / "same.txt").read_text() == "2"
    assert extract_archive(str(archive), str(target), archive_format="tar") is False
    with pytest.raises(ValueError, match="archive_format"):
        extract_archive(str(archive), str(target), archive_format="rar")


# ---------------------------------------------------------------------------
# plot_model with a duck-typed model

class Dense:
    def __init__(self, name, input_shape=None, output_shape=None):
        self.name = name
        if input_shape is not None:
            self.input_shape, self.output_shape = input_shape, output_shape


class Concatenate(Dense):
    pass


class FakeModel:
    def __init__(self, layers, edges=None, name="model"):
        self.layers, self.name = layers, name
        if edges is not None:
            self._layer_edges = lambda: edges


def _chain():
    return FakeModel([Dense("dense_1", (None, 8), (None, 16)),
                      Dense("dense_2", (None, 16), (None, 4)),
                      Dense("dense_3", (None, 4), (None, 1))])


def _diamond():
    layers = [Dense("a"), Dense("b"), Dense("c"), Concatenate("d")]
    return FakeModel(layers, [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])


def _png_size(path):
    with Image.open(path) as image:
        image.load()
        return image.size, image.format, np.asarray(image.convert("L"))


def test_plot_model_png_top_to_bottom_and_left_to_right(tmp_path):
    tb, lr = tmp_path / "tb.png", tmp_path / "lr.png"
    assert plot_model(_chain(), to_file=str(tb)) is None
    plot_model(_chain(), to_file=str(lr), rankdir="LR")
    (w_tb, h_tb), fmt, pixels = _png_size(tb)
    (w_lr, h_lr), _, _ = _png_size(lr)
    assert fmt == "PNG"
    assert h_tb > 2 * w_tb / 3 and h_tb > h_lr and w_lr > w_tb
    assert (pixels < 100).any()  # text and arrows are drawn
    assert sorted(os.listdir(tmp_path)) == ["lr.png", "tb.png"]


def test_plot_model_shapes_names_and_dpi_change_the_picture(tmp_path):
    plot_model(_chain(), to_file=str(tmp_path / "plain.png"))
    plot_model(_chain(), to_file=str(tmp_path / "shapes.png"), show_shapes=True)
    plot_model(_chain(), to_file=str(tmp_path / "classes.png"), show_layer_names=False)
    plot_model(_chain(), to_file=str(tmp_path / "big.png"), dpi=192)
    plain, shapes = _png_size(tmp_path / "plain.png")[0], _png_size(tmp_path / "shapes.png")[0]
    classes, big = _png_size(tmp_path / "classes.png")[0], _png_size(tmp_path / "big.png")[0]
    assert shapes[1] > plain[1] and classes[0] < plain[0]
    assert big[0] > 1.5 * plain[0] and big[1] > 1.5 * plain[1]
    with Image.open(tmp_path / "big.png") as image:
        assert round(image.info["dpi"][0]) == 192


def test_plot_model_graph_layout_follows_edges(tmp_path):
    nodes, edges = _layer_graph(_diamond(), expand_nested=False)
    assert [n for n, _ in nodes] == ["a", "b", "c", "d"]
    assert _ranks([n for n, _ in nodes], edges) == {"a": 0, "b": 1, "c": 1, "d": 2}
    plot_model(_diamond(), to_file=str(tmp_path / "diamond.png"))
    (width, height), _, _ = _png_size(tmp_path / "diamond.png")
    assert width > 100 and height > 100


def test_plot_model_dot_output(tmp_path):
    target = tmp_path / "model.dot"
    plot_model(_chain(), to_file=str(target), show_shapes=True, rankdir="LR")
    text = target.read_text()
    assert text.startswith("digraph G {") and "rankdir=LR;" in text
    assert '"dense_1" -> "dense_2";' in text and '"dense_2" -> "dense_3";' in text
    assert "dense_1: Dense" in text and "{{(None, 8)}|{(None, 16)}}" in text
    dot = model_to_dot(_diamond(), show_layer_names=False)
    assert dot.count("->") == 4 and '[label="Concatenate"]' in dot


def test_plot_model_expands_nested_models():
    inner = FakeModel([Dense("x"), Dense("y")], name="block")
    inner.name = "block"
    outer = FakeModel([Dense("inp"), inner, Dense("out")])
    nodes, edges = _layer_graph(outer, expand_nested=True)
    assert [n for n, _ in nodes] == ["inp", "block/x", "block/y", "out"]
    assert edges == [("block/x", "block/y"), ("inp", "block/x"), ("block/y", "out")]
    collapsed, _ = _layer_graph(outer, expand_nested=False)
    assert [n for n, _ in collapsed] == ["inp", "block", "out"]
    assert "FakeModel" in model_to_dot(outer)


def test_plot_model_errors(tmp_path):
    with pytest.raises(ValueError, match="rankdir"):
        plot_model(_chain(), to_file=str(tmp_path / "m.png"), rankdir="XY")
    with pytest.raises(ValueError, match="image format"):
        plot_model(_chain(), to_file=str(tmp_path / "m.unknownext"))
    with pytest.raises(ValueError, match="unknown layer"):
        plot_model(FakeModel([Dense("a")], [("a", "ghost")]), to_file=str(tmp_path / "m.png"))
    with pytest.raises(ValueError, match="no layers"):
        plot_model(FakeModel([]), to_file=str(tmp_path / "m.png"))
    assert os.listdir(tmp_path) == []


def test_plot_model_draws_a_real_functional_graph(tmp_path):
    from PIL import Image
    from keras_facade.layers import Concatenate, Dense, Input
    from keras_facade.models import Model
    from keras_facade.utils import plot_model
    a, b = Input((4,), name="a"), Input((3,), name="b")
    joined = Concatenate(name="concatenate")([Dense(5, name="da")(a), Dense(5, name="db")(b)])
    out = Dense(1, name="out")(joined)
    model = Model([a, b], out)
    plot_model(model, str(tmp_path / "m.png"), show_shapes=True)
    plot_model(model, str(tmp_path / "m.dot"))
    with Image.open(tmp_path / "m.png") as img:
        assert img.format == "PNG" and img.size[0] > 100 and img.size[1] > 200
    dot = (tmp_path / "m.dot").read_text()
    for src, dst in [("a", "da"), ("b", "db"), ("da", "concatenate"), ("db", "concatenate"),
                     ("concatenate", "out")]:
        assert f'"{src}" -> "{dst}"' in dot
