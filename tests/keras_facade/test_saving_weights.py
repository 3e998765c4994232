"""``save_weights``/``load_weights``: both HDF5 layouts, detection by content, ``by_name``,
``skip_mismatch``, and failures that change nothing (mismatch, truncation, corruption, crash mid-write)."""
import os
import warnings

import h5py
import numpy as np
import pytest

import keras_facade as kf
from keras_facade import layers
from keras_facade.saving.h5_attrs import to_str


def mlp(units=4, name_prefix=""):
    model = kf.Sequential([
        layers.Dense(units, activation="relu", input_shape=(3,), name=f"{name_prefix}hidden"),
        layers.BatchNormalization(name=f"{name_prefix}norm"),
        layers.Dropout(0.5, name=f"{name_prefix}drop"),
        layers.Dense(2, name=f"{name_prefix}out"),
    ])
    rng = np.random.default_rng(units)
    # random values everywhere (positive, so that the moving variance is a valid variance)
    model.set_weights([rng.uniform(0.1, 2.0, size=w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


def weights_of(model):
    return [np.array(w) for w in model.get_weights()]


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def h5_tree(path):
    """{name: (kind, shape, dtype)} of every group and dataset, and the attributes by object."""
    tree, attrs = {}, {}
    with h5py.File(path, "r") as f:
        attrs[""] = {k: f.attrs[k] for k in f.attrs}

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                tree[name] = ("D", obj.shape, obj.dtype.str)
            else:
                tree[name] = ("G",)
            attrs[name] = {k: obj.attrs[k] for k in obj.attrs}
        f.visititems(visit)
    return tree, attrs


# -- layouts ---------------------------------------------------------------------------------------

def test_keras2_layout_written_exactly(tmp_path):
    model = mlp()
    path = tmp_path / "w.h5"
    model.save_weights(str(path))
    tree, attrs = h5_tree(path)
    assert [n.decode() for n in attrs[""]["layer_names"]] == ["hidden", "norm", "drop", "out"]
    assert attrs[""]["layer_names"].dtype.kind == "S"  # fixed-length bytes, as Keras 2 wrote
    assert to_str(attrs[""]["backend"]) == "tensorflow"
    assert to_str(attrs[""]["keras_version"]) == "2.3.1"
    expected = {"hidden": ["kernel", "bias"], "norm": ["gamma", "beta", "moving_mean", "moving_variance"],
                "drop": [], "out": ["kernel", "bias"]}
    datasets = {}
    for layer, names in expected.items():
        assert [n.decode() for n in attrs[layer]["weight_names"]] == [f"{layer}/{n}:0" for n in names]
        datasets.update({f"{layer}/{layer}/{n}:0": w for n, w in
                         zip(names, model.get_layer(layer).get_weights())})
    assert {k for k, v in tree.items() if v[0] == "D"} == set(datasets)
    with h5py.File(path, "r") as f:
        for name, value in datasets.items():
            np.testing.assert_array_equal(f[name][()], value)
            assert f[name].dtype == np.float32


def test_keras3_layout_written_exactly(tmp_path):
    model = mlp()
    path = tmp_path / "w.weights.h5"
    model.save_weights(str(path))
    tree, attrs = h5_tree(path)
    expected_datasets = {"layers/dense/vars/0": (3, 4), "layers/dense/vars/1": (4,),
                         "layers/batch_normalization/vars/0": (4,),
                         "layers/batch_normalization/vars/1": (4,),
                         "layers/batch_normalization/vars/2": (4,),
                         "layers/batch_normalization/vars/3": (4,),
                         "layers/dense_1/vars/0": (4, 2), "layers/dense_1/vars/1": (2,)}
    groups = {"layers", "vars", "layers/dense", "layers/dense/vars", "layers/batch_normalization",
              "layers/batch_normalization/vars", "layers/dropout", "layers/dropout/vars",
              "layers/dense_1", "layers/dense_1/vars"}
    assert {k for k, v in tree.items() if v[0] == "G"} == groups
    assert {k: v[1] for k, v in tree.items() if v[0] == "D"} == expected_datasets
    # the vars groups carry the layer names (class-derived paths, real names in attributes)
    assert attrs["layers/dense/vars"]["name"] == "hidden" and attrs["vars"]["name"] == model.name
    assert attrs["layers/dropout/vars"]["name"] == "drop"
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["layers/batch_normalization/vars/3"][()],
                                      model.get_layer("norm").get_weights()[3])


@pytest.mark.parametrize("name", ["w.h5", "w.hdf5", "weights_best", "w.weights.h5"])
def test_round_trip_restores_every_weight(tmp_path, name):
    source, target = mlp(), mlp(units=4, name_prefix="other_")
    target.set_weights([w * 0 for w in target.get_weights()])
    source.save_weights(str(tmp_path / name))
    target.load_weights(str(tmp_path / name))
    assert_same(weights_of(target), weights_of(source))
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    np.testing.assert_array_equal(target.predict(x, verbose=0), source.predict(x, verbose=0))


def test_layout_detected_by_content_not_suffix(tmp_path):
    source = mlp()
    source.save_weights(str(tmp_path / "k3.h5"), save_format="keras")
    source.save_weights(str(tmp_path / "k2.weights.h5"), save_format="h5")
    with h5py.File(tmp_path / "k3.h5", "r") as f:
        assert "layers" in f and "layer_names" not in f.attrs
    with h5py.File(tmp_path / "k2.weights.h5", "r") as f:
        assert "layer_names" in f.attrs
    for name in ("k3.h5", "k2.weights.h5"):
        target = mlp(units=4)
        target.set_weights([w * 0 for w in target.get_weights()])
        target.load_weights(str(tmp_path / name))
        assert_same(weights_of(target), weights_of(source))


def test_by_name_loads_matching_layers_only(tmp_path):
    source = mlp()
    source.save_weights(str(tmp_path / "w.h5"))
    other = kf.Sequential([layers.Dense(4, input_shape=(3,), name="hidden"),
                           layers.Dense(7, name="extra")])
    before = weights_of(other)
    with pytest.raises(ValueError, match="holds weights for 3 layer"):
        other.load_weights(str(tmp_path / "w.h5"))  # by order: the counts differ
    other.load_weights(str(tmp_path / "w.h5"), by_name=True)
    assert_same(other.get_layer("hidden").get_weights(), source.get_layer("hidden").get_weights())
    assert_same(weights_of(other)[2:], before[2:])  # 'extra' untouched


def test_skip_mismatch_skips_only_the_layer_that_differs(tmp_path):
    source = mlp()
    source.save_weights(str(tmp_path / "w.h5"))
    target = kf.Sequential([layers.Dense(4, input_shape=(3,), name="hidden"),
                            layers.BatchNormalization(name="norm"), layers.Dense(5, name="out")])
    before = target.get_layer("out").get_weights()
    with pytest.warns(UserWarning, match="'out'.*skip_mismatch"):
        target.load_weights(str(tmp_path / "w.h5"), by_name=True, skip_mismatch=True)
    assert_same(target.get_layer("hidden").get_weights(), source.get_layer("hidden").get_weights())
    assert_same(target.get_layer("norm").get_weights(), source.get_layer("norm").get_weights())
    assert_same(target.get_layer("out").get_weights(), before)
    # within a layer only the weight that differs is skipped (Keras 2 layout): the bias still loads
    narrow = kf.Sequential([layers.Dense(3, input_shape=(3,), name="hidden"),
                            layers.Dense(2, name="out")])
    kernel_before = narrow.get_layer("out").get_weights()[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        narrow.load_weights(str(tmp_path / "w.h5"), by_name=True, skip_mismatch=True)
    assert any("'out'" in str(w.message) and "out/kernel" in str(w.message) for w in caught)
    kernel, bias = narrow.get_layer("out").get_weights()
    assert_same([kernel, bias], [kernel_before, source.get_layer("out").get_weights()[1]])


@pytest.mark.parametrize("name", ["w.h5", "w.weights.h5"])
def test_mismatch_raises_naming_file_and_layer_and_changes_nothing(tmp_path, name):
    source = mlp()
    source.save_weights(str(tmp_path / name))
    # the first layers fit; only the last one differs
    target = kf.Sequential([layers.Dense(4, input_shape=(3,)), layers.BatchNormalization(),
                            layers.Dropout(0.1), layers.Dense(3)])
    before = weights_of(target)
    with pytest.raises(ValueError) as info:
        target.load_weights(str(tmp_path / name))
    message = str(info.value)
    assert name in message and "(4, 2)" in message and "(4, 3)" in message
    assert_same(weights_of(target), before)


def test_keras3_layout_extra_or_missing_layers_are_mismatches(tmp_path):
    mlp().save_weights(str(tmp_path / "w.weights.h5"))
    smaller = kf.Sequential([layers.Dense(4, input_shape=(3,)), layers.BatchNormalization()])
    before = weights_of(smaller)
    with pytest.raises(ValueError, match=r"layers/dense_1/vars.*does not have"):
        smaller.load_weights(str(tmp_path / "w.weights.h5"))
    assert_same(weights_of(smaller), before)
    with pytest.warns(UserWarning):
        smaller.load_weights(str(tmp_path / "w.weights.h5"), skip_mismatch=True)
    assert_same(smaller.get_layer(index=0).get_weights(),
                [np.array(w) for w in h5py.File(tmp_path / "w.weights.h5")["layers/dense/vars"].values()])
    with pytest.raises(ValueError, match="by_name applies to Keras 2"):
        smaller.load_weights(str(tmp_path / "w.weights.h5"), by_name=True)


# -- broken files ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["w.h5", "w.weights.h5"])
def test_truncated_file_raises_and_changes_nothing(tmp_path, name):
    path = tmp_path / name
    mlp().save_weights(str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    target = mlp(units=4)
    before = weights_of(target)
    with pytest.raises(ValueError, match=rf"{name}.*truncated or corrupt"):
        target.load_weights(str(path))
    assert_same(weights_of(target), before)


def test_corrupt_and_foreign_files_raise(tmp_path):
    path = tmp_path / "w.h5"
    mlp().save_weights(str(path))
    data = bytearray(path.read_bytes())
    data[8:64] = b"\xff" * 56  # wreck the superblock after the signature
    path.write_bytes(bytes(data))
    target = mlp()
    before = weights_of(target)
    with pytest.raises(ValueError, match="w.h5.*truncated or corrupt"):
        target.load_weights(str(path))
    (tmp_path / "notes.txt").write_text("not weights")
    with pytest.raises(ValueError, match="notes.txt.*neither an HDF5 file nor a .keras zip"):
        target.load_weights(str(tmp_path / "notes.txt"))
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["data"] = np.zeros(3)
    with pytest.raises(ValueError, match="other.h5.*without Keras weights"):
        target.load_weights(str(tmp_path / "other.h5"))
    with pytest.raises(FileNotFoundError, match="missing.h5"):
        target.load_weights(str(tmp_path / "missing.h5"))
    assert_same(weights_of(target), before)


def test_wrong_dataset_shape_in_file_is_caught_before_any_assignment(tmp_path):
    path = tmp_path / "w.h5"
    source = mlp()
    source.save_weights(str(path))
    with h5py.File(path, "r+") as f:  # tamper with the last layer only
        del f["out/out/bias:0"]
        f["out/out/bias:0"] = np.zeros(5, dtype="float32")
    target = mlp()
    before = weights_of(target)
    with pytest.raises(ValueError, match=r"'out'.*bias.*expected \(2,\), file has \(5,\)"):
        target.load_weights(str(path))
    assert_same(weights_of(target), before)


@pytest.mark.parametrize("name", ["w.h5", "w.weights.h5"])
def test_crash_mid_write_keeps_previous_file(tmp_path, monkeypatch, name):
    path = tmp_path / name
    mlp().save_weights(str(path))
    previous = path.read_bytes()
    calls = {"n": 0}
    real = h5py.Group.create_dataset

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "create_dataset", failing)
    with pytest.raises(OSError, match="simulated"):
        mlp(units=4).save_weights(str(path))
    monkeypatch.undo()
    assert path.read_bytes() == previous
    assert os.listdir(tmp_path) == [name]


def test_overwrite_false_and_bad_arguments(tmp_path, monkeypatch):
    model = mlp()
    path = tmp_path / "w.h5"
    model.save_weights(str(path))
    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(FileExistsError):
        model.save_weights(str(path), overwrite=False)
    with pytest.raises(ValueError, match="TensorFlow"):
        model.save_weights(str(tmp_path / "ckpt"), save_format="tf")
    with pytest.raises(ValueError, match="model.save"):
        model.save_weights(str(tmp_path / "m.keras"))


def test_unbuilt_model_is_a_clear_error(tmp_path):
    mlp().save_weights(str(tmp_path / "w.h5"))
    unbuilt = kf.Sequential([layers.Dense(4), layers.Dense(2)])
    with pytest.raises(ValueError, match="no weights yet.*build"):
        unbuilt.load_weights(str(tmp_path / "w.h5"))
    with pytest.raises(ValueError, match="no weights yet"):
        unbuilt.save_weights(str(tmp_path / "x.h5"))


# -- older files -----------------------------------------------------------------------------------

def test_keras1_names_and_theano_style_files_load(tmp_path):
    """A file as Keras 1 wrote it: names like ``dense_1_W``, no ``:0``, version '1.2.2'."""
    source = kf.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    path = tmp_path / "k1.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"dense_1", b"dense_2"])
        f.attrs["keras_version"] = b"1.2.2"
        f.attrs["backend"] = b"tensorflow"
        for name, layer in zip(["dense_1", "dense_2"], source.layers):
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}_W".encode(), f"{name}_b".encode()])
            kernel, bias = layer.get_weights()
            g[f"{name}_W"], g[f"{name}_b"] = kernel, bias
    target = kf.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    target.load_weights(str(path))
    assert_same(weights_of(target), weights_of(source))


def test_load_weights_from_whole_model_and_keras_files(tmp_path):
    source = mlp()
    source.save(str(tmp_path / "m.h5"))
    source.save(str(tmp_path / "m.keras"))
    for name in ("m.h5", "m.keras"):
        target = mlp()
        target.load_weights(str(tmp_path / name))
        assert_same(weights_of(target), weights_of(source))


def test_nested_and_wrapped_layers_round_trip(tmp_path):
    inner = kf.Sequential([layers.Dense(4, input_shape=(3,)), layers.BatchNormalization()])
    inputs = kf.Input((3,))
    model = kf.Model(inputs, layers.Dense(2)(inner(inputs)))
    model.save_weights(str(tmp_path / "n.weights.h5"))
    model.save_weights(str(tmp_path / "n.h5"))
    tree, _ = h5_tree(tmp_path / "n.weights.h5")
    assert {k for k, v in tree.items() if v[0] == "D"} == {
        "layers/sequential/layers/dense/vars/0", "layers/sequential/layers/dense/vars/1",
        *(f"layers/sequential/layers/batch_normalization/vars/{i}" for i in range(4)),
        "layers/dense/vars/0", "layers/dense/vars/1"}
    assert "layers/input_layer/vars" in tree
    with h5py.File(tmp_path / "n.h5", "r") as f:
        names = [n.decode() for n in f[inner.name].attrs["weight_names"]]
    # Keras 2 order inside a nested model: trainable weights first, then the non-trainable ones
    assert [n.rsplit("/", 1)[-1] for n in names] == ["kernel:0", "bias:0", "gamma:0", "beta:0",
                                                     "moving_mean:0", "moving_variance:0"]
    for name in ("n.weights.h5", "n.h5"):
        inner2 = kf.Sequential([layers.Dense(4, input_shape=(3,)), layers.BatchNormalization()])
        inputs2 = kf.Input((3,))
        other = kf.Model(inputs2, layers.Dense(2)(inner2(inputs2)))
        other.load_weights(str(tmp_path / name))
        assert_same(weights_of(other), weights_of(model))


def test_keras3_weights_file_carries_optimizer_state(tmp_path):
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = np.random.default_rng(1).normal(size=(16, 2)).astype("float32")
    source = mlp()
    source.compile(kf.optimizers.Adam(0.01), "mse")
    source.fit(x, y, batch_size=8, epochs=1, verbose=0)
    source.save_weights(str(tmp_path / "w.weights.h5"))
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        stored = [f[f"optimizer/vars/{i}"][()] for i in range(len(f["optimizer/vars"]))]
    assert len(stored) == len(source.optimizer.variables) == 2 + 2 * len(source.trainable_weights)
    target = mlp(units=4)
    target.compile(kf.optimizers.Adam(0.01), "mse")  # its optimizer has no slots yet
    target.load_weights(str(tmp_path / "w.weights.h5"))
    assert_same(weights_of(target), weights_of(source))
    for a, b in zip(target.optimizer.variables, source.optimizer.variables, strict=True):
        np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))
    assert int(np.asarray(target.optimizer.iterations)) == 2


class Net(kf.Model):
    """A subclassed model: Keras 3 names its weights by attribute, then by the ``layers`` list."""

    def __init__(self):
        super().__init__()
        self.dense1 = layers.Dense(4)
        self.blocks = [layers.Dense(3), layers.Dense(2)]
        self._hidden = layers.Dense(2)

    def call(self, x):
        x = self.dense1(x)
        for block in self.blocks:
            x = block(x)
        return self._hidden(x)


def test_subclassed_model_paths_follow_keras3(tmp_path):
    model = Net()
    model(np.zeros((1, 3), dtype="float32"))
    model.save_weights(str(tmp_path / "s.weights.h5"))
    tree, _ = h5_tree(tmp_path / "s.weights.h5")
    # as Keras 3.15 writes the same model: '_hidden' is reached through 'layers' (4th Dense there)
    assert {k for k, v in tree.items() if v[0] == "G" and k.endswith("vars")} == {
        "blocks/dense/vars", "blocks/dense_1/vars", "dense1/vars", "layers/dense_3/vars", "vars"}
    other = Net()
    other(np.zeros((1, 3), dtype="float32"))
    other.load_weights(str(tmp_path / "s.weights.h5"))
    assert_same(weights_of(other), weights_of(model))


class WithPrivateSublayer(layers.Layer):
    """A custom layer keeping its sublayer in a private attribute (visited last, as Keras 3)."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self._aux = layers.Dense(units)

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")
        super().build(input_shape)

    def call(self, x):
        return self._aux(x) * self.scale


def test_private_sublayers_and_nested_functional_models_are_saved_where_keras_3_puts_them(tmp_path):
    def make():
        inner_in = layers.Input((3,))
        inner = kf.Model(inner_in, layers.Dense(2)(inner_in))
        x = layers.Input((4,))
        return kf.Model(x, inner(WithPrivateSublayer(3, name="custom")(x)))
    model, other = make(), make()
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape) for w in model.get_weights()])
    model.save_weights(str(tmp_path / "p.weights.h5"))
    tree, _ = h5_tree(tmp_path / "p.weights.h5")
    groups = {k for k, v in tree.items() if v[0] == "G" and k.endswith("vars")}
    assert {"layers/with_private_sublayer/vars", "layers/with_private_sublayer/_aux/vars",
            "layers/functional/layers/dense/vars"} <= groups
    other.load_weights(str(tmp_path / "p.weights.h5"))
    assert_same(weights_of(other), weights_of(model))


def test_a_file_without_keras_version_is_read_as_keras_1(tmp_path):
    # Keras 1 wrote no keras_version: its per-gate LSTM arrays (i, c, f, o) must still load
    rng = np.random.default_rng(3)
    gates = {g: [rng.normal(size=s).astype("float32") for s in [(3, 2), (2, 2), (2,)]] for g in "icfo"}
    path = tmp_path / "k1.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"lstm_1"]
        group = f.create_group("lstm_1")
        names = [f"lstm_1_{w}_{g}".encode() for g in "icfo" for w in "WUb"]
        group.attrs["weight_names"] = names
        for name, array in zip(names, [a for g in "icfo" for a in gates[g]]):
            group.create_dataset(name.decode(), data=array)
    model = kf.Sequential([layers.Input((5, 3)), layers.LSTM(2)])
    model.load_weights(str(path))
    kernel, recurrent, bias = model.layers[0].get_weights()
    for k, g in enumerate("ifco"):  # today's gate order
        np.testing.assert_array_equal(kernel[:, 2 * k:2 * k + 2], gates[g][0])
        np.testing.assert_array_equal(recurrent[:, 2 * k:2 * k + 2], gates[g][1])
        np.testing.assert_array_equal(bias[2 * k:2 * k + 2], gates[g][2])
