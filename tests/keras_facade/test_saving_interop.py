"""Files written by a real Keras 3 (tests/fixtures/keras, made by make_keras_fixtures.py) load here and
predict the same; files written here have exactly the layout Keras writes. Keras is not needed."""
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

from keras_facade.saving import load_model

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                        "keras")
MODELS = ["mlp", "cnn", "rnn", "nested", "ops"]


def fixture(name):
    return os.path.join(FIXTURES, name)


def expected(name):
    data = np.load(fixture(f"{name}.npz"))
    xs = [data[k] for k in sorted(k for k in data.files if k.startswith("x"))]
    return (xs if len(xs) > 1 else xs[0]), data


def h5_structure(source):
    """{path: shape or None for groups} of an HDF5 file (path or bytes)."""
    import io
    out = {}
    with h5py.File(io.BytesIO(source) if isinstance(source, bytes) else source, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o.shape if isinstance(o, h5py.Dataset) else None))
    return out


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_keras_model_files_load_and_predict_the_same(name, suffix):
    x, data = expected(name)
    model = load_model(fixture(name + suffix))
    np.testing.assert_allclose(model.predict(x, verbose=0), data["y"], rtol=1e-5, atol=1e-6)
    opt = model.optimizer
    assert type(opt).__name__ == str(data["optimizer"])
    assert float(np.asarray(opt.learning_rate)) == pytest.approx(float(data["learning_rate"]))
    assert int(np.asarray(opt.iterations)) == int(data["iterations"]) == 4
    # every state variable is Keras's, in Keras's order
    with h5py.File(fixture(name + ".weights.h5"), "r") as f:
        stored = [f[f"optimizer/vars/{i}"][()] for i in range(len(f["optimizer/vars"]))]
    assert len(opt.variables) == len(stored) > 2
    for variable, value in zip(opt.variables, stored):
        np.testing.assert_allclose(np.asarray(variable.numpy()), value, rtol=1e-6)
    # training goes on without compiling again
    y = np.asarray(data["y"])
    target = np.eye(y.shape[-1], dtype="float32")[np.argmax(y, -1)]
    model.fit(x, target, epochs=1, verbose=0)
    assert int(np.asarray(opt.iterations)) == 5


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("weights", [".weights.h5", "_w.h5"])
def test_keras_weight_files_load_into_the_architecture(name, weights):
    x, data = expected(name)
    model = load_model(fixture(name + ".keras"), compile=False)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.load_weights(fixture(name + weights))
    np.testing.assert_allclose(model.predict(x, verbose=0), data["y"], rtol=1e-5, atol=1e-6)


def layer_summary(config):
    """(module, class, name, inbound tensor references) of each layer of a Keras 3 model config,
    nested models and wrapped layers included."""
    out = []
    for layer in config["layers"]:
        nodes = [[(a["config"]["keras_history"], a["config"]["shape"]) for a in
                  (node["args"][0] if isinstance(node["args"][0], list) else node["args"][:1])]
                 for node in layer.get("inbound_nodes", [])]
        inner = layer["config"]
        wrapped = [(inner[k]["module"], inner[k]["class_name"]) for k in ("layer", "backward_layer")
                   if isinstance(inner.get(k), dict)]
        out.append((layer["module"], layer["class_name"], inner.get("name"), nodes, wrapped))
        if "layers" in inner:
            out.append(layer_summary(inner))
    return out


@pytest.mark.parametrize("name", MODELS)
def test_written_files_match_keras_layouts(tmp_path, name):
    model = load_model(fixture(name + ".keras"))
    # Keras 3 weights layout: the same groups and datasets with the same shapes
    model.save_weights(str(tmp_path / "w.weights.h5"))
    assert h5_structure(str(tmp_path / "w.weights.h5")) == h5_structure(fixture(name + ".weights.h5"))
    # .keras: same members, same weights layout inside, config Keras can read
    model.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(tmp_path / "m.keras") as ours, zipfile.ZipFile(fixture(name + ".keras")) as ref:
        assert sorted(ours.namelist()) == sorted(ref.namelist())
        assert h5_structure(ours.read("model.weights.h5")) == \
            h5_structure(ref.read("model.weights.h5"))
        ours_cfg, ref_cfg = json.loads(ours.read("config.json")), json.loads(ref.read("config.json"))
    assert set(ours_cfg) == set(ref_cfg)
    assert (ours_cfg["module"], ours_cfg["class_name"]) == (ref_cfg["module"], ref_cfg["class_name"])
    assert layer_summary(ours_cfg["config"]) == layer_summary(ref_cfg["config"])
    assert set(ours_cfg["compile_config"]) == set(ref_cfg["compile_config"])
    assert ours_cfg["compile_config"]["optimizer"]["class_name"] == \
        ref_cfg["compile_config"]["optimizer"]["class_name"]
    # Keras 2 weights layout: same layer names, same weights per layer (Keras 3's legacy writer
    # adds 'top_level_model_weights' and drops ':0', Keras 2 did not)
    model.save_weights(str(tmp_path / "w.h5"))
    with h5py.File(tmp_path / "w.h5", "r") as ours, h5py.File(fixture(name + "_w.h5"), "r") as ref:
        names = [n.decode() for n in ours.attrs["layer_names"]]
        assert names == [str(n) for n in ref.attrs["layer_names"]]
        for layer in names:
            ours_w = [n.decode() for n in ours[layer].attrs["weight_names"]]
            ref_w = [str(n) for n in ref[layer].attrs["weight_names"]]
            assert [ours[layer][n].shape for n in ours_w] == [ref[layer][n].shape for n in ref_w]
            assert [n.rsplit("/", 1)[-1] for n in ours_w] == [n.rsplit("/", 1)[-1] + ":0" for n in ref_w]


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_keras_lambda_files_refused_in_safe_mode(suffix):
    with pytest.raises(ValueError, match="'lambda' \\(Lambda\\).*arbitrary code.*safe_mode=False"):
        load_model(fixture("lambda" + suffix))
