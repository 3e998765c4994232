"""keras_facade.datasets.cats_vs_dogs: the generated, download-free image dataset."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from keras_facade.datasets import cats_vs_dogs

SMALL = dict(image_size=32, n_train=6, n_val=2, n_test=3)


def _pngs(root):
    found = {}
    for split in ("train", "val", "test"):
        for kind in ("cats", "dogs"):
            found[(split, kind)] = sorted(os.listdir(os.path.join(root, split, kind)))
    return found


def _read(path):
    with Image.open(path) as image:
        return image.mode, np.asarray(image)


def test_writes_balanced_png_folders_and_a_manifest(tmp_path):
    root = cats_vs_dogs.load_data(str(tmp_path / "cvd"), **SMALL)
    assert isinstance(root, str) and root == str(tmp_path / "cvd")
    files = _pngs(root)
    assert files[("train", "cats")] == [f"cat.000{i}.png" for i in range(3)]
    assert len(files[("train", "dogs")]) == 3 and len(files[("val", "dogs")]) == 1
    assert len(files[("test", "cats")]) == 2 and len(files[("test", "dogs")]) == 1
    mode, pixels = _read(os.path.join(root, "train", "dogs", "dog.0002.png"))
    assert mode == "RGB" and pixels.shape == (32, 32, 3) and pixels.std() > 5
    manifest = json.loads(Path(root, "manifest.json").read_text())
    assert manifest["image_size"] == 32 and manifest["counts"]["train"] == {"cats": 3, "dogs": 3}
    assert not [n for n in os.listdir(os.path.join(root, "train", "cats")) if n.startswith(".")]


def test_same_seed_same_bytes_other_seed_other_pictures(tmp_path):
    a = cats_vs_dogs.load_data(str(tmp_path / "a"), seed=1, **SMALL)
    b = cats_vs_dogs.load_data(str(tmp_path / "b"), seed=1, **SMALL)
    c = cats_vs_dogs.load_data(str(tmp_path / "c"), seed=2, **SMALL)
    name = os.path.join("val", "cats", "cat.0000.png")
    assert Path(a, name).read_bytes() == Path(b, name).read_bytes()
    assert not np.array_equal(_read(os.path.join(a, name))[1], _read(os.path.join(c, name))[1])
    x, y = cats_vs_dogs.generate_arrays(4, image_size=32, seed=1, split="val")
    assert x.shape == (4, 32, 32, 3) and x.dtype == np.uint8 and y.tolist() == [0, 1, 0, 1]
    np.testing.assert_array_equal(x[0], _read(os.path.join(a, name))[1])


def test_complete_folder_is_reused_and_incomplete_one_regenerated(tmp_path, monkeypatch):
    root = cats_vs_dogs.load_data(str(tmp_path / "d"), **SMALL)
    original = cats_vs_dogs._draw_image
    monkeypatch.setattr(cats_vs_dogs, "_draw_image", lambda *a: pytest.fail("regenerated"))
    assert cats_vs_dogs.load_data(root, **SMALL) == root
    monkeypatch.setattr(cats_vs_dogs, "_draw_image", original)
    os.remove(os.path.join(root, "manifest.json"))  # as if interrupted before the end
    os.remove(os.path.join(root, "train", "cats", "cat.0001.png"))
    cats_vs_dogs.load_data(root, **SMALL)
    assert os.path.exists(os.path.join(root, "train", "cats", "cat.0001.png"))
    # fewer images requested: stale files of the earlier run disappear
    cats_vs_dogs.load_data(root, image_size=32, n_train=2, n_val=2, n_test=2)
    assert _pngs(root)[("train", "cats")] == ["cat.0000.png"]
    assert _read(os.path.join(root, "test", "dogs", "dog.0000.png"))[1].shape == (32, 32, 3)


def test_overwrite_regenerates(tmp_path):
    root = cats_vs_dogs.load_data(str(tmp_path / "e"), **SMALL)
    target = os.path.join(root, "val", "dogs", "dog.0000.png")
    with open(target, "wb") as handle:
        handle.write(b"garbage")
    assert cats_vs_dogs.load_data(root, **SMALL) == root
    assert Path(target).read_bytes() == b"garbage"  # manifest still matches: reused
    cats_vs_dogs.load_data(root, overwrite=True, **SMALL)
    assert _read(target)[1].shape == (32, 32, 3)


def test_default_path_is_in_the_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    root = cats_vs_dogs.load_data(image_size=32, n_train=2, n_val=0, n_test=0, seed=3)
    assert root == str(tmp_path / "datasets" / "cats_vs_dogs_32_3_2_0_0")
    assert os.listdir(os.path.join(root, "val", "cats")) == []


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="image_size"):
        cats_vs_dogs.load_data(str(tmp_path), image_size=8)
    with pytest.raises(ValueError, match="counts"):
        cats_vs_dogs.load_data(str(tmp_path), n_train=-1)


def test_mean_colour_does_not_separate_the_classes():
    """Fur and background colours overlap, so a mean-colour classifier is near chance."""
    x_train, y_train = cats_vs_dogs.generate_arrays(160, image_size=24, seed=5, split="train")
    x_test, y_test = cats_vs_dogs.generate_arrays(160, image_size=24, seed=5, split="test")
    f_train, f_test = x_train.mean(axis=(1, 2)), x_test.mean(axis=(1, 2))
    centroids = np.stack([f_train[y_train == k].mean(axis=0) for k in (0, 1)])
    distances = ((f_test[:, None, :] - centroids[None]) ** 2).sum(-1)
    accuracy = (distances.argmin(axis=1) == y_test).mean()
    assert accuracy < 0.7


def test_command_line_entry_point(tmp_path):
    out = tmp_path / "cli"
    result = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-m", "keras_facade.datasets.cats_vs_dogs",
         str(out), "--image-size", "16", "--n-train", "2", "--n-val", "2", "--n-test", "2"],
        capture_output=True, text=True, cwd=os.getcwd(), timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    assert (out / "manifest.json").exists()
    assert len(os.listdir(out / "train" / "dogs")) == 1
