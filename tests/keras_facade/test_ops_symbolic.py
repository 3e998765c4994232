"""keras.ops on symbolic tensors: operation nodes in functional models, their configs (this
project's layout and Keras 3's operation records), and tensor operators on KerasTensors."""
import json
import zipfile

import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from keras_facade import layers, ops
from keras_facade.ops._dispatch import keras_op

RNG = np.random.default_rng(0)


def graph():
    inp = keras.Input((4, 3))
    x = layers.Dense(3, name="proj")(inp)
    y = x[:, 1:, ...] * 2.0 + ops.mean(x, axis=(1,), keepdims=True)
    z = ops.concatenate([y, ops.exp(-abs(y))], axis=-1)
    return keras.Model(inp, layers.Dense(2, name="head")(ops.reshape(z, (-1, 18))))


def reference(model, data):
    (w1, b1), (w2, b2) = model.get_layer("proj").get_weights(), model.get_layer("head").get_weights()
    x = data @ w1 + b1
    y = x[:, 1:] * 2.0 + x.mean(axis=1, keepdims=True)
    z = np.concatenate([y, np.exp(-np.abs(y))], -1).reshape(-1, 18)
    return z @ w2 + b2


def test_operation_nodes_compute_train_and_are_not_layers():
    model = graph()
    assert [layer.name for layer in model.layers] == ["input_layer", "proj", "head"]
    assert len(model.weights) == 4
    data = RNG.normal(size=(5, 4, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(data, verbose=0), reference(model, data), rtol=1e-5,
                               atol=1e-6)
    model.compile("adam", "mse")
    target = RNG.normal(size=(5, 2)).astype("float32")
    first = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=20, verbose=0)
    assert model.evaluate(data, target, verbose=0) < first
    # the same function on real tensors runs directly
    assert ops.mean(ag.ones((2, 3)), axis=1).shape == (2,)


def test_configs_round_trip_in_both_layouts(tmp_path):
    model = graph()
    data = RNG.normal(size=(2, 4, 3)).astype("float32")
    expected = model.predict(data, verbose=0)
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(data, verbose=0), expected, rtol=1e-6)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), expected, rtol=1e-6)
    # Keras 3's operation records, as real Keras writes them
    config = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))["config"]
    records = {r["name"]: r for r in config["layers"]}
    mean = next(r for name, r in records.items() if name.startswith("mean"))
    assert (mean["module"], mean["class_name"]) == ("keras.src.ops.numpy", "Mean")
    assert mean["config"] == {"name": mean["name"], "axis": [1], "keepdims": True}
    item = next(r for name, r in records.items() if name.startswith("get_item"))
    key = item["inbound_nodes"][0]["args"][1]
    assert [k["class_name"] for k in key] == ["__slice__", "__slice__", "__ellipsis__"]
    assert key[1]["config"] == {"start": 1, "stop": None, "step": None}
    product = next(r for name, r in records.items() if name.startswith("multiply"))
    assert product["inbound_nodes"][0]["args"][1] == 2.0


def test_an_unknown_function_on_symbolic_tensors_builds_but_is_not_saved():
    double = keras_op(lambda t: t * 2.0)
    inp = keras.Input((3,))
    model = keras.Model(inp, double(inp))
    np.testing.assert_allclose(model.predict(np.ones((1, 3), "float32"), verbose=0), 2.0)
    with pytest.raises(TypeError, match="Lambda layer"):
        model.get_config()
