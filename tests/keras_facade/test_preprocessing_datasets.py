"""The Keras 3 dataset utilities (image/text/timeseries datasets, split_dataset) and the Dataset
they return, checked against plain numpy references, plus training on a dataset end to end."""
import os
import random

import numpy as np
import pytest
from PIL import Image

import keras_facade as keras
from keras_facade import preprocessing, utils
from keras_facade.preprocessing.dataset import INFINITE, UNKNOWN, Dataset
from keras_facade.preprocessing.dataset_utils import (image_dataset_from_directory, split_dataset,
                                                      text_dataset_from_directory,
                                                      timeseries_dataset_from_array)

CLASS_SIZES = {"cats": 4, "dogs": 3, "zebras": 2}


def _image(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)


def _pixels(seed, h=6, w=9):
    return np.random.RandomState(seed).randint(0, 256, (h, w, 3))


@pytest.fixture
def image_dir(tmp_path):
    """cats (one image in a subfolder), dogs, zebras, in every allowed format; a text file and a
    hidden folder that must be ignored. Pixel values are a function of the class and index."""
    root = tmp_path / "images"
    formats = [".png", ".bmp", ".gif", ".png"]
    for c, (name, count) in enumerate(CLASS_SIZES.items()):
        for i in range(count):
            sub = "sub" if (name, i) == ("cats", 1) else ""
            _image(str(root / name / sub / f"img{i}{formats[i]}"), _pixels(10 * c + i))
    (root / "cats" / "readme.txt").write_text("not an image")
    _image(str(root / ".hidden" / "x.png"), _pixels(99))
    return str(root)


def _sorted_paths(root):
    paths = []
    for name in CLASS_SIZES:
        found = []
        for dirpath, _, files in os.walk(os.path.join(root, name)):
            found += [os.path.join(dirpath, f) for f in files if not f.endswith(".txt")]
        paths += sorted(found, key=lambda p: (os.path.dirname(p), os.path.basename(p)))
    return paths


def _bilinear_reference(img, out_h, out_w):
    """Naive half-pixel bilinear resize (no antialiasing), one output pixel at a time."""
    in_h, in_w, _ = img.shape
    out = np.zeros((out_h, out_w, img.shape[2]))
    for i in range(out_h):
        for j in range(out_w):
            y = min(max((i + 0.5) * in_h / out_h - 0.5, 0), in_h - 1)
            x = min(max((j + 0.5) * in_w / out_w - 0.5, 0), in_w - 1)
            y0, x0 = int(np.floor(y)), int(np.floor(x))
            y1, x1 = min(y0 + 1, in_h - 1), min(x0 + 1, in_w - 1)
            dy, dx = y - y0, x - x0
            out[i, j] = ((1 - dy) * ((1 - dx) * img[y0, x0] + dx * img[y0, x1])
                         + dy * ((1 - dx) * img[y1, x0] + dx * img[y1, x1]))
    return out


# ---------------------------------------------------------------------------
# image_dataset_from_directory

def test_image_dataset_order_labels_and_messages(image_dir, capsys):
    ds = image_dataset_from_directory(image_dir, image_size=(4, 5), batch_size=4, shuffle=False)
    assert capsys.readouterr().out == "Found 9 files belonging to 3 classes.\n"
    assert ds.class_names == list(CLASS_SIZES)
    assert ds.file_paths == _sorted_paths(image_dir)
    assert len(ds) == ds.cardinality() == 3
    batches = list(ds)
    assert [x.shape for x, _ in batches] == [(4, 4, 5, 3), (4, 4, 5, 3), (1, 4, 5, 3)]
    labels = np.concatenate([y for _, y in batches])
    assert labels.dtype == np.int32 and labels.tolist() == [0] * 4 + [1] * 3 + [2] * 2
    x0 = batches[0][0]
    assert x0.dtype == np.float32
    reference = _bilinear_reference(_pixels(0).astype(np.float64), 4, 5)
    np.testing.assert_allclose(x0[0], reference, atol=1e-3)


def test_image_dataset_seeded_shuffle_and_split(image_dir, capsys):
    paths = _sorted_paths(image_dir)
    expected = [paths[i] for i in np.random.RandomState(7).permutation(len(paths))]
    ds = image_dataset_from_directory(image_dir, image_size=(4, 4), seed=7, verbose=False)
    assert ds.file_paths == expected
    train = image_dataset_from_directory(image_dir, image_size=(4, 4), seed=7, verbose=False,
                                         validation_split=0.34, subset="training")
    val = image_dataset_from_directory(image_dir, image_size=(4, 4), seed=7, verbose=False,
                                       validation_split=0.34, subset="validation")
    assert capsys.readouterr().out == "Using 6 files for training.\nUsing 3 files for validation.\n"
    assert train.file_paths == expected[:6] and val.file_paths == expected[6:]
    both = image_dataset_from_directory(image_dir, image_size=(4, 4), seed=7, verbose=False,
                                        validation_split=0.34, subset="both")
    assert [d.file_paths for d in both] == [train.file_paths, val.file_paths]
    # every image arrives once per pass, reshuffled between passes, the same on every run
    first, second = [np.concatenate([x for x, _ in train]) for _ in range(2)]
    rerun = np.concatenate([x for x, _ in image_dataset_from_directory(
        image_dir, image_size=(4, 4), seed=7, verbose=False, validation_split=0.34,
        subset="training")])
    key = lambda a: sorted(map(tuple, a.reshape(len(a), -1)))  # noqa: E731
    assert key(first) == key(second) and not np.array_equal(first, second)
    np.testing.assert_array_equal(first, rerun)


def test_image_dataset_label_modes_and_unlabelled(image_dir, capsys):
    kwargs = dict(image_size=(3, 3), shuffle=False, verbose=False, batch_size=None)
    cat = list(image_dataset_from_directory(image_dir, label_mode="categorical", **kwargs))
    assert cat[0][1].dtype == np.float32 and cat[0][1].tolist() == [1, 0, 0]
    assert cat[-1][1].tolist() == [0, 0, 1]
    assert cat[0][0].shape == (3, 3, 3)  # batch_size=None: single images
    only_images = image_dataset_from_directory(image_dir, label_mode=None, **kwargs)
    assert only_images.class_names is None
    assert all(isinstance(x, np.ndarray) and x.shape == (3, 3, 3) for x in only_images)
    explicit = [1, 0] * 5  # one per file of the whole tree, the hidden folder's too
    ds = image_dataset_from_directory(image_dir, labels=explicit, label_mode="binary", **kwargs)
    assert ds.class_names == ["0", "1"]
    assert [y.tolist() for _, y in ds] == [[float(v)] for v in explicit]
    assert next(iter(ds))[1].dtype == np.float32
    image_dataset_from_directory(image_dir, labels=None, image_size=(3, 3), shuffle=False)
    assert capsys.readouterr().out == "Found 10 files.\n"  # the hidden folder counts here
    subset = image_dataset_from_directory(image_dir, class_names=["zebras", "cats"], **kwargs)
    assert [y for _, y in subset] == [0, 0, 1, 1, 1, 1]


def test_image_dataset_color_modes_formats_and_layout(image_dir):
    kwargs = dict(image_size=(4, 6), shuffle=False, verbose=False, batch_size=2)
    gray = next(iter(image_dataset_from_directory(image_dir, color_mode="grayscale", **kwargs)))
    rgba = next(iter(image_dataset_from_directory(image_dir, color_mode="rgba", **kwargs)))
    first = next(iter(image_dataset_from_directory(image_dir, data_format="channels_first",
                                                   **kwargs)))
    assert gray[0].shape == (2, 4, 6, 1) and rgba[0].shape == (2, 4, 6, 4)
    np.testing.assert_array_equal(rgba[0][..., 3], 255)
    assert first[0].shape == (2, 3, 4, 6)
    last = next(iter(image_dataset_from_directory(image_dir, **kwargs)))
    np.testing.assert_array_equal(first[0], last[0].transpose(0, 3, 1, 2))


def test_image_dataset_nearest_crop_and_pad(image_dir):
    img = _pixels(0).astype(np.float32)  # 6 x 9
    kwargs = dict(shuffle=False, verbose=False, batch_size=None)

    def first(**options):
        return next(iter(image_dataset_from_directory(image_dir, **kwargs, **options)))[0]
    near = first(image_size=(4, 4), interpolation="nearest")
    rows, cols = (np.floor((np.arange(4) + 0.5) * n / 4).astype(int) for n in (6, 9))
    np.testing.assert_array_equal(near, img[rows][:, cols])
    crop = first(image_size=(3, 3), crop_to_aspect_ratio=True)  # the central 6 x 6 square
    np.testing.assert_allclose(crop, _bilinear_reference(img[:, 1:7], 3, 3), atol=1e-3)
    pad = first(image_size=(6, 6), pad_to_aspect_ratio=True)  # fitted to 4 x 6, centred
    np.testing.assert_array_equal(pad[0], 0)
    np.testing.assert_array_equal(pad[5], 0)
    np.testing.assert_allclose(pad[1:5], _bilinear_reference(img, 4, 6), atol=1e-3)
    # fitted to 3.33 x 5: 3 rows of image, the offset floor((5 - 3.33) / 2) = 0 (tf's rule)
    uneven = first(image_size=(5, 5), pad_to_aspect_ratio=True)
    np.testing.assert_allclose(uneven[:3], _bilinear_reference(img, 3, 5), atol=1e-3)
    np.testing.assert_array_equal(uneven[3:], 0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(label_mode="sparse"), "label_mode"),
    (dict(color_mode="hsv"), "color_mode"),
    (dict(interpolation="cubic"), "interpolation"),
    (dict(interpolation="gaussian"), "not available"),
    (dict(image_size=(4,)), "image_size"),
    (dict(crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "only one of"),
    (dict(format="jax"), "format"),
    (dict(validation_split=0.2), "subset"),
    (dict(validation_split=1.2, subset="training"), "between 0 and 1"),
    (dict(validation_split=0.2, subset="training"), "seed"),
    (dict(validation_split=0.2, subset="test", seed=1), "subset"),
    (dict(labels="from_names"), "labels"),
    (dict(labels=[0, 1]), r"len\(labels\) is 2 but 10 files"),
    (dict(labels=[0] * 9, class_names=["a"]), "class_names"),
    (dict(class_names=["cats", "lions"]), "do not match"),
    (dict(label_mode="binary"), "exactly 2 classes"),
])
def test_image_dataset_bad_arguments(image_dir, kwargs, message):
    with pytest.raises(ValueError, match=message) as info:
        image_dataset_from_directory(image_dir, verbose=False, **kwargs)
    assert str(info.value).startswith("image_dataset_from_directory: ")


def test_image_dataset_follow_links(image_dir, tmp_path):
    _image(str(tmp_path / "elsewhere" / "far.png"), _pixels(5))
    os.symlink(str(tmp_path / "elsewhere"), os.path.join(image_dir, "dogs", "linked"))
    kwargs = dict(image_size=(2, 2), shuffle=False, verbose=False)
    assert len(image_dataset_from_directory(image_dir, **kwargs).file_paths) == 9
    followed = image_dataset_from_directory(image_dir, follow_links=True, **kwargs)
    assert os.path.join(image_dir, "dogs", "linked", "far.png") in followed.file_paths
    assert len(followed.file_paths) == 10


def test_image_dataset_empty_directory(tmp_path):
    (tmp_path / "a").mkdir()
    with pytest.raises(ValueError, match="no files found in directory"):
        image_dataset_from_directory(str(tmp_path), verbose=False)
    with pytest.raises(FileNotFoundError, match="directory not found"):
        image_dataset_from_directory(str(tmp_path / "missing"), verbose=False)


# ---------------------------------------------------------------------------
# text_dataset_from_directory

def test_text_dataset(tmp_path, capsys):
    texts = {"neg": ["bad movie", "awful"], "pos": ["great fun", "loved it", "wonderful"]}
    for label, items in texts.items():
        (tmp_path / label).mkdir()
        for i, text in enumerate(items):
            (tmp_path / label / f"{i}.txt").write_text(text, encoding="utf-8")
    (tmp_path / "pos" / "skip.md").write_text("ignored")
    ds = text_dataset_from_directory(str(tmp_path), batch_size=2, shuffle=False)
    assert capsys.readouterr().out == "Found 5 files belonging to 2 classes.\n"
    assert ds.class_names == ["neg", "pos"] and not hasattr(ds, "file_paths")
    x, y = next(iter(ds))
    assert x.tolist() == ["bad movie", "awful"] and y.tolist() == [0, 0]
    short = text_dataset_from_directory(str(tmp_path), max_length=4, shuffle=False,
                                        label_mode="binary", batch_size=None, verbose=False)
    assert [(t, y.tolist()) for t, y in short] == [
        ("bad ", [0.0]), ("awfu", [0.0]), ("grea", [1.0]), ("love", [1.0]), ("wond", [1.0])]
    train, val = text_dataset_from_directory(str(tmp_path), validation_split=0.4, subset="both",
                                             seed=3, verbose=False, batch_size=None)
    seen = sorted(str(t) for t, _ in list(train) + list(val))
    assert len(list(val)) == 2 and seen == sorted(sum(texts.values(), []))


# ---------------------------------------------------------------------------
# timeseries_dataset_from_array

@pytest.mark.parametrize("length, stride, rate, start, end", [
    (5, 1, 1, None, None), (3, 2, 3, 2, 27), (4, 3, 2, None, 20)])
def test_timeseries_windows_match_a_loop(length, stride, rate, start, end):
    data = np.arange(60, dtype=np.float64).reshape(30, 2)
    targets = np.arange(30) * 10
    ds = timeseries_dataset_from_array(data, targets, length, sequence_stride=stride,
                                       sampling_rate=rate, batch_size=4, start_index=start,
                                       end_index=end)
    first, last = start or 0, end or 30
    windows, expected_targets = [], []
    p = first
    while p + (length - 1) * rate < last:
        windows.append([data[p + k * rate] for k in range(length)])
        expected_targets.append(targets[p])
        p += stride
    xs = np.concatenate([x for x, _ in ds])
    ys = np.concatenate([y for _, y in ds])
    np.testing.assert_array_equal(xs, np.array(windows))
    np.testing.assert_array_equal(ys, expected_targets)
    assert xs.dtype == np.float64 and len(ds) == -(-len(windows) // 4)


def test_timeseries_without_targets_unbatched_and_shuffled():
    data = np.arange(10)
    plain = list(timeseries_dataset_from_array(data, None, 3, batch_size=None))
    assert [w.tolist() for w in plain] == [[i, i + 1, i + 2] for i in range(8)]
    runs = [np.concatenate([x for x, _ in timeseries_dataset_from_array(
        data, data[3:], 3, batch_size=2, shuffle=True, seed=5)]) for _ in range(2)]
    assert runs[0].tolist() == runs[1].tolist()
    assert sorted(runs[0].tolist()) == [[i, i + 1, i + 2] for i in range(7)]  # targets limit


@pytest.mark.parametrize("kwargs, message", [
    (dict(start_index=-1), "start_index"), (dict(start_index=10), "start_index"),
    (dict(start_index=5, end_index=4), "end_index must be higher"),
    (dict(end_index=10), "end_index"), (dict(sampling_rate=0), "sampling_rate"),
    (dict(sequence_stride=10), "sequence_stride"), (dict(format="torch"), "format")])
def test_timeseries_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        timeseries_dataset_from_array(np.arange(10), None, 3, **kwargs)


# ---------------------------------------------------------------------------
# Dataset

def test_dataset_methods():
    ds = Dataset.from_tensor_slices((np.arange(10), np.arange(10) * 2))
    assert ds.cardinality() == len(ds) == 10
    doubled = ds.map(lambda a, b: (a + b, b))
    assert [tuple(map(int, e)) for e in doubled.take(2)] == [(0, 0), (3, 2)]
    assert [int(a) for a, _ in ds.skip(8)] == [8, 9] and len(ds.skip(8)) == 2
    batches = list(ds.batch(4))
    assert [b[0].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(ds.batch(4)) == 3 and len(ds.batch(4, drop_remainder=True)) == 2
    assert [int(a) for a, _ in ds.batch(4).unbatch()] == list(range(10))
    assert ds.batch(4).unbatch().cardinality() == UNKNOWN
    assert ds.prefetch(2) is ds and ds.cache() is ds
    assert [int(a) for a, _ in ds.take(3).repeat(2)] == [0, 1, 2, 0, 1, 2]
    forever = ds.repeat()
    assert forever.cardinality() == INFINITE and forever.take(25).cardinality() == 25
    with pytest.raises(TypeError, match="infinite"):
        len(forever)
    with pytest.raises(TypeError, match="unknown"):
        len(ds.filter(lambda a, b: a > 4))
    assert [int(a) for a, _ in ds.filter(lambda a, b: a % 3 == 0)] == [0, 3, 6, 9]
    assert [list(map(int, e)) for e in ds.take(1).as_numpy_iterator()] == [[0, 0]]
    with pytest.raises(ValueError, match="Dataset.batch"):
        ds.batch(0)
    with pytest.raises(ValueError, match="different numbers of rows"):
        Dataset.from_tensor_slices((np.arange(3), np.arange(4)))
    listed = Dataset.from_tensor_slices(({"a": [1, 2]}, [[1, 2], [3, 4]]))  # lists are arrays
    element = next(iter(listed))
    assert element[0] == {"a": 1} and element[1].tolist() == [1, 2]
    assert next(iter(listed.batch(2)))[0]["a"].tolist() == [1, 2]


def test_dataset_shuffle_reshuffles_each_pass_and_repeats_with_a_seed():
    values = lambda d: [int(v) for v in d]  # noqa: E731
    ds = Dataset.from_tensor_slices(np.arange(20)).shuffle(20, seed=1)
    first, second = values(ds), values(ds)
    assert sorted(first) == sorted(second) == list(range(20)) and first != second
    again = Dataset.from_tensor_slices(np.arange(20)).shuffle(20, seed=1)
    assert [values(again), values(again)] == [first, second]
    fixed = Dataset.from_tensor_slices(np.arange(20)).shuffle(20, seed=1,
                                                              reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)
    local = values(Dataset.from_tensor_slices(np.arange(20)).shuffle(2, seed=0))
    assert all(abs(v - i) <= 19 for i, v in enumerate(local)) and local[0] in (0, 1)


# ---------------------------------------------------------------------------
# split_dataset

def test_split_dataset_sizes_shuffle_and_batched_input():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    left, right = split_dataset((x, y), left_size=0.8)
    assert [int(b) for _, b in left] == list(range(8)) and [int(b) for _, b in right] == [8, 9]
    left, right = split_dataset(x, left_size=4, right_size=3)
    assert len(left) == 4 and [r.tolist() for r in right] == x[7:].tolist()
    order = list(range(10))
    random.Random(3).shuffle(order)
    left, right = split_dataset([x, y], right_size=0.4, shuffle=True, seed=3)
    assert [int(b) for _, b in left] == order[:6] and [int(b) for _, b in right] == order[6:]
    batched = Dataset.from_tensor_slices((x, y)).batch(3).map(lambda a, b: (a, b)).prefetch(1)
    left, right = split_dataset(batched, left_size=7)
    assert [b[1].tolist() for b in left] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b[1].tolist() for b in right] == [[7, 8, 9]]


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(), ValueError, "left_size, right_size"),
    (dict(left_size=0), ValueError, "left_size must be a positive integer"),
    (dict(left_size=1.5), ValueError, "left_size"),
    (dict(left_size=0.6, right_size=0.6), ValueError, "at most 1"),
    (dict(left_size=np.int64(3)), TypeError, "int, a float or None"),
    (dict(left_size=6, right_size=6), ValueError, "more than"),
])
def test_split_dataset_bad_sizes(kwargs, error, message):
    with pytest.raises(error, match=message):
        split_dataset(np.arange(10), **kwargs)
    with pytest.raises(TypeError, match="split_dataset"):
        split_dataset("abc", left_size=1)


# ---------------------------------------------------------------------------
# where the names live, and training on a dataset

def test_reachable_names():
    for name in ("image_dataset_from_directory", "text_dataset_from_directory",
                 "timeseries_dataset_from_array"):
        assert getattr(utils, name) is getattr(preprocessing, name)
    assert utils.split_dataset is split_dataset


def test_fit_evaluate_predict_on_an_image_folder(tmp_path):
    rng = np.random.RandomState(0)
    for label, level in (("dark", 40), ("light", 210)):
        for i in range(6):
            _image(str(tmp_path / label / f"{i}.png"),
                   np.clip(level + rng.randint(-30, 30, (8, 8, 3)), 0, 255))
    train, val = image_dataset_from_directory(str(tmp_path), image_size=(8, 8), batch_size=4,
                                              validation_split=0.25, subset="both", seed=2,
                                              verbose=False)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((8, 8, 3)), keras.layers.Rescaling(1 / 255),
                              keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(train, validation_data=val, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3 and len(history.history["val_loss"]) == 3
    assert not np.allclose(before[0], model.get_weights()[0])
    loss, acc = model.evaluate(val, verbose=0)
    assert np.isclose(loss, history.history["val_loss"][-1], rtol=1e-5)
    assert model.predict(val, verbose=0).shape == (3, 2)
    history = model.fit(train.repeat(), steps_per_epoch=5, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    with pytest.raises(ValueError, match="infinite"):
        model.fit(train.repeat(), epochs=1, verbose=0)
