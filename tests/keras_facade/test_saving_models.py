"""``model.save``/``load_model``: the ``.keras`` zip and the Keras 2 ``.h5`` file, compile settings and
optimizer state restored, weights-only files refused, and loading that never runs stored code."""
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import keras_facade as kf
from keras_facade import layers
from keras_facade.models import model_from_json
from keras_facade.saving import h5_attrs, load_model, register_keras_serializable, save_model


def double(x):
    """A module-level function: Lambda layers using it are stored by name."""
    return x * 2.0


def data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    return x, y


def trained_model(optimizer="adam"):
    model = kf.Sequential([layers.Dense(6, activation="relu", input_shape=(4,)),
                           layers.BatchNormalization(), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    x, y = data()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    return model


def assert_same_weights(a, b):
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_whole_model_round_trip_and_training_continues(tmp_path, name):
    model = trained_model(kf.optimizers.Adam(learning_rate=0.01))
    model.save(str(tmp_path / name))
    loaded = load_model(str(tmp_path / name))
    assert type(loaded) is type(model) and [l.name for l in loaded.layers] == \
        [l.name for l in model.layers]
    assert_same_weights(loaded, model)
    x, y = data(seed=1)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    opt, opt0 = loaded.optimizer, model.optimizer
    assert type(opt) is kf.optimizers.Adam
    assert float(np.asarray(opt.learning_rate)) == pytest.approx(0.01)
    assert int(np.asarray(opt.iterations)) == int(np.asarray(opt0.iterations)) == 8
    for a, b in zip(opt.variables, opt0.variables, strict=True):
        np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))
    # no recompile: one more epoch moves both models identically
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert int(np.asarray(loaded.optimizer.iterations)) == 12


def test_keras_zip_layout(tmp_path):
    model = trained_model()
    model.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
        metadata = json.loads(zf.read("metadata.json"))
        (tmp_path / "inner.h5").write_bytes(zf.read("model.weights.h5"))
    assert set(config) == {"module", "class_name", "config", "registered_name", "build_config",
                           "compile_config"}
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    assert config["build_config"] == {"input_shape": [None, 4]}
    compile_config = config["compile_config"]
    assert compile_config["optimizer"]["module"] == "keras.optimizers"
    assert compile_config["optimizer"]["class_name"] == "Adam"
    assert compile_config["loss"] == "categorical_crossentropy"
    assert compile_config["metrics"] == ["accuracy"]
    assert set(metadata) == {"keras_version", "date_saved"} and metadata["keras_version"][0] == "3"
    with h5py.File(tmp_path / "inner.h5", "r") as f:
        assert sorted(f) == ["layers", "optimizer", "vars"]
        assert sorted(f["layers"]) == ["batch_normalization", "dense", "dense_1"]
        n_slots = 2 * len(model.trainable_weights)  # Adam: momentum and velocity per variable
        assert sorted(f["optimizer/vars"], key=int) == [str(i) for i in range(2 + n_slots)]
        assert f["optimizer/vars/0"][()] == 8  # iterations first, then the learning rate
        assert f["optimizer/vars/1"][()] == pytest.approx(0.001)


def test_legacy_h5_layout(tmp_path):
    model = trained_model(kf.optimizers.SGD(0.1, momentum=0.9))
    model.save(str(tmp_path / "m.h5"))
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert {"keras_version", "backend", "model_config", "training_config"} <= set(f.attrs)
        arch = json.loads(f.attrs["model_config"])
        training = json.loads(f.attrs["training_config"])
        assert arch["class_name"] == "Sequential" and len(arch["config"]["layers"]) >= 3
        assert training["optimizer_config"]["class_name"] == "SGD"
        assert training["optimizer_config"]["config"]["momentum"] == 0.9
        assert training["loss"] == "categorical_crossentropy" and training["metrics"] == ["accuracy"]
        assert "loss_weights" in training and "sample_weight_mode" in training
        assert [n.decode() for n in f["model_weights"].attrs["layer_names"]] == \
            [l.name for l in model.layers]
        names = f["optimizer_weights"].attrs["weight_names"]
        assert len(names) == len(model.optimizer.variables) == 2 + len(model.trainable_weights)
        assert f["optimizer_weights"][names[0].decode()][()] == 8


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_include_optimizer_false_and_compile_false(tmp_path, name):
    model = trained_model()
    model.save(str(tmp_path / name), include_optimizer=False)
    loaded = load_model(str(tmp_path / name))
    assert type(loaded.optimizer) is kf.optimizers.Adam
    assert int(np.asarray(loaded.optimizer.iterations)) == 0  # fresh state
    assert getattr(load_model(str(tmp_path / name), compile=False), "optimizer", None) is None


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_uncompiled_model_round_trip(tmp_path, name):
    model = kf.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    save_model(model, str(tmp_path / name))
    loaded = load_model(str(tmp_path / name))
    assert getattr(loaded, "optimizer", None) is None
    assert_same_weights(loaded, model)


def test_load_model_refuses_weights_only_files(tmp_path):
    model = kf.Sequential([layers.Dense(3, input_shape=(2,))])
    model.save_weights(str(tmp_path / "w.h5"))
    model.save_weights(str(tmp_path / "w.weights.h5"))
    with pytest.raises(ValueError, match=r"w.h5.*Keras 2 weights only.*load_weights"):
        load_model(str(tmp_path / "w.h5"))
    with pytest.raises(ValueError, match=r"w.weights.h5.*Keras 3 weights only"):
        load_model(str(tmp_path / "w.weights.h5"))
    with pytest.raises(ValueError, match="save_weights"):
        model.save(str(tmp_path / "m.weights.h5"))
    with zipfile.ZipFile(tmp_path / "bad.keras", "w") as zf:
        zf.writestr("notes.txt", "x")
    with pytest.raises(ValueError, match="bad.keras.*config.json"):
        load_model(str(tmp_path / "bad.keras"))
    (tmp_path / "trunc.keras").write_bytes((tmp_path / "bad.keras").read_bytes()[:30])
    with pytest.raises(ValueError, match="trunc.keras"):
        load_model(str(tmp_path / "trunc.keras"))


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_lambda_bytecode_refused_unless_safe_mode_off(tmp_path, name):
    model = kf.Sequential([layers.Dense(2, input_shape=(3,)), layers.Lambda(lambda t: t * 3.0)])
    model.save(str(tmp_path / name))
    marker = tmp_path / "ran"
    with pytest.raises(ValueError, match=rf"{name}.*'lambda.*arbitrary code.*safe_mode=False"):
        load_model(str(tmp_path / name))
    assert not marker.exists()
    loaded = load_model(str(tmp_path / name), safe_mode=False)
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_lambda_with_importable_function_needs_custom_objects_in_safe_mode(tmp_path, name):
    model = kf.Sequential([layers.Dense(2, input_shape=(3,)), layers.Lambda(double)])
    model.save(str(tmp_path / name))
    with pytest.raises(ValueError, match=r"double.*safe mode.*custom_objects"):
        load_model(str(tmp_path / name))
    x = np.ones((2, 3), dtype="float32")
    for loaded in (load_model(str(tmp_path / name), custom_objects={"double": double}),
                   load_model(str(tmp_path / name), safe_mode=False)):
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-6)


@pytest.mark.parametrize("kind", ["function", "layer"])
def test_safe_mode_never_imports_a_module_a_file_names(tmp_path, monkeypatch, kind):
    marker = tmp_path / "imported"
    (tmp_path / "gadget_module.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "def boom(x):\n    return x\n"
        "from keras_facade import layers\n"
        "class Boom(layers.Layer):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    model = kf.Sequential([layers.Dense(2, input_shape=(3,))])
    config = json.loads(model.to_json())
    dense = config["config"]["layers"][-1]
    if kind == "function":
        dense["config"]["activation"] = "gadget_module.boom"
    else:
        dense["class_name"], dense["module"] = "Boom", "gadget_module"
    with pytest.raises(ValueError, match="safe mode|Unknown layer"):
        model_from_json(json.dumps(config))
    assert not marker.exists()


@register_keras_serializable(package="SavingTests")
class Scale(layers.Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.gain = self.add_weight(name="gain", shape=(input_shape[-1],), initializer="ones")
        self.built = True

    def call(self, inputs):
        return inputs * self.gain * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_registered_custom_layer_round_trip(tmp_path, name):
    model = kf.Sequential([layers.Dense(2, input_shape=(3,)), Scale(2.0)])
    model.layers[-1].set_weights([np.array([0.5, 3.0], dtype="float32")])
    model.save(str(tmp_path / name))
    loaded = load_model(str(tmp_path / name))
    assert isinstance(loaded.layers[-1], Scale) and loaded.layers[-1].factor == 2.0
    assert_same_weights(loaded, model)


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_crash_mid_save_keeps_previous_model(tmp_path, monkeypatch, name):
    path = tmp_path / name
    trained_model().save(str(path))
    previous = path.read_bytes()

    def failing(self, *args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(h5py.Group, "create_dataset", failing)
    with pytest.raises(OSError, match="simulated"):
        trained_model().save(str(path))
    monkeypatch.undo()
    assert path.read_bytes() == previous and os.listdir(tmp_path) == [name]
    assert load_model(str(path)) is not None


def test_keras2_profile_writes_keras2_configs_in_h5(tmp_path):
    from keras_facade import config
    with config.use_compat("keras2"):
        model = trained_model(kf.optimizers.RMSprop(0.005))
        model.save(str(tmp_path / "m.h5"))
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert h5_attrs.to_str(f.attrs["keras_version"]) == "2.3.1"
        arch = json.loads(f.attrs["model_config"])
        training = json.loads(f.attrs["training_config"])
    first = arch["config"]["layers"][0]
    assert "module" not in first and first["config"]["batch_input_shape"] == [None, 4]
    assert training["optimizer_config"]["class_name"] == "RMSprop"
    loaded = load_model(str(tmp_path / "m.h5"))
    assert_same_weights(loaded, model)
    assert type(loaded.optimizer) is kf.optimizers.RMSprop
    assert int(np.asarray(loaded.optimizer.iterations)) == 8


def test_keras3_configs_in_written_files(tmp_path):
    """Sequential gets an explicit InputLayer, nested objects carry their module, short loss names
    are spelled out in the legacy training_config (Keras 3 cannot resolve 'mse' there)."""
    model = kf.Sequential([layers.Dense(3, input_shape=(2,), kernel_initializer="ones"),
                           layers.Dense(1)])
    model.compile("sgd", "mse")
    model.save(str(tmp_path / "m.h5"))
    model.save(str(tmp_path / "m.keras"))
    with h5py.File(tmp_path / "m.h5", "r") as f:
        arch = json.loads(f.attrs["model_config"])
        assert json.loads(f.attrs["training_config"])["loss"] == "mean_squared_error"
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        record = json.loads(zf.read("config.json"))
    assert record["compile_config"]["loss"] == "mse"
    for cfg in (arch["config"], record["config"]):
        head, dense = cfg["layers"][:2]
        assert (head["module"], head["class_name"]) == ("keras.layers", "InputLayer")
        assert head["config"]["batch_shape"] == [None, 2]
        assert "batch_input_shape" not in dense["config"]
        assert dense["config"]["kernel_initializer"]["module"] == "keras.initializers"
    assert_same_weights(load_model(str(tmp_path / "m.h5")), model)
