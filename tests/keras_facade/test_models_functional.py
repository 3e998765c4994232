"""Functional models: graphs with several inputs/outputs, dicts, shared layers, nested models,
Keras 2 layer order, errors, config/JSON (Keras 2 written, Keras 2 and 3 read), cloning."""
import json

import numpy as np
import pytest

import autograd_core as ag
from keras_facade import config, layers as L, regularizers
from keras_facade.models import Model, Sequential, clone_model, model_from_json

RNG = np.random.default_rng(6)


def rand(*shape):
    return RNG.normal(size=shape).astype("float32")


def two_towers():
    a, b = L.Input((4,), name="a"), L.Input((3,), name="b")
    x = L.Dense(5, activation="relu", name="da")(a)
    y = L.Dense(5, activation="relu", name="db")(b)
    z = L.concatenate([x, y], name="cat")
    return Model([a, b], [L.Dense(1, name="score")(z), L.Dense(2, name="aux")(x)])


def test_multi_input_multi_output_model_and_keras2_layer_order():
    model = two_towers()
    assert [layer.name for layer in model.layers] == ["a", "b", "da", "db", "cat", "score", "aux"]
    assert model.input_names == ["a", "b"] and model.output_names == ["score", "aux"]
    assert model.input_shape == [(None, 4), (None, 3)]
    assert model.output_shape == [(None, 1), (None, 2)]
    score, aux = model([rand(2, 4), rand(2, 3)])
    assert score.shape == (2, 1) and aux.shape == (2, 2)
    assert isinstance(score, ag.Tensor) and score.requires_grad
    assert set(model._layer_edges()) == {("a", "da"), ("b", "db"), ("da", "cat"), ("db", "cat"),
                                         ("cat", "score"), ("da", "aux")}


def test_values_follow_the_graph():
    model = two_towers()
    xa, xb = rand(3, 4), rand(3, 3)
    w = {layer.name: layer.get_weights() for layer in model.layers if layer.weights}
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    hx = relu(xa @ w["da"][0] + w["da"][1])
    hy = relu(xb @ w["db"][0] + w["db"][1])
    score = np.concatenate([hx, hy], 1) @ w["score"][0] + w["score"][1]
    np.testing.assert_allclose(model([xa, xb])[0].numpy(), score, rtol=1e-5, atol=1e-6)


def test_dict_inputs_and_outputs():
    a, b = L.Input((2,), name="left"), L.Input((2,), name="right")
    s = L.Add()([a, b])
    model = Model({"x": a, "y": b}, {"sum": s, "double": L.Lambda(lambda t: t * 2.0)(s)})
    assert model.input_names == ["x", "y"] and model.output_names == ["sum", "double"]
    out = model({"y": np.ones((1, 2)), "x": np.full((1, 2), 2.0)})
    assert set(out) == {"sum", "double"}
    np.testing.assert_allclose(out["double"].numpy(), 6.0)
    with pytest.raises(ValueError, match=r"missing data for input\(s\) \['y'\]"):
        model({"x": np.ones((1, 2))})


def test_shared_layer_has_one_node_per_call_and_one_set_of_weights():
    shared = L.Dense(3, name="shared")
    a, b = L.Input((4,)), L.Input((4,))
    model = Model([a, b], L.Subtract()([shared(a), shared(b)]))
    assert len(shared.inbound_nodes) == 2 and shared.output_shape == (None, 3)
    assert model.count_params() == 15 and len(model.weights) == 2
    x = rand(2, 4)
    np.testing.assert_allclose(model([x, x]).numpy(), 0.0, atol=1e-6)


def test_nested_model_used_twice_as_a_layer():
    i = L.Input((3,))
    encoder = Model(i, L.Dense(2, name="code")(i), name="encoder")
    p, q = L.Input((3,)), L.Input((3,))
    siamese = Model([p, q], L.Dot(axes=1)([encoder(p), encoder(q)]))
    assert siamese.layers[2] is encoder and len(siamese.weights) == 2
    assert siamese.weights[0] is encoder.layers[1].kernel
    x, y = rand(2, 3), rand(2, 3)
    ex, ey = encoder(x).numpy(), encoder(y).numpy()
    np.testing.assert_allclose(siamese([x, y]).numpy()[:, 0], (ex * ey).sum(1), rtol=1e-5)
    with config.use_compat("keras2"):
        record = json.loads(siamese.to_json())
    dot = next(entry for entry in record["config"]["layers"] if entry["class_name"] == "Dot")
    # Keras 2 counts a graph model's own node first, so its calls are nodes 1 and 2
    assert [ref[:3] for ref in dot["inbound_nodes"][0]] == [["encoder", 1, 0], ["encoder", 2, 0]]
    copy = model_from_json(siamese.to_json())
    copy.set_weights(siamese.get_weights())
    np.testing.assert_allclose(copy([x, y]).numpy(), siamese([x, y]).numpy(), rtol=1e-6)


def test_keras2_json_shape_and_round_trip_of_a_branching_model():
    model = two_towers()
    with config.use_compat("keras2"):
        record = json.loads(model.to_json())
    assert set(record) == {"class_name", "config", "keras_version", "backend"}
    assert record["class_name"] == "Model"
    layers = {entry["name"]: entry for entry in record["config"]["layers"]}
    assert layers["da"]["inbound_nodes"] == [[["a", 0, 0, {}]]]
    assert layers["cat"]["inbound_nodes"] == [[["da", 0, 0, {}], ["db", 0, 0, {}]]]
    assert record["config"]["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert record["config"]["output_layers"] == [["score", 0, 0], ["aux", 0, 0]]
    keras3 = json.loads(model.to_json())  # the default: Keras 3's serialized form
    assert keras3["class_name"] == "Functional" and keras3["module"] == "keras.src.models.functional"
    assert {"registered_name", "build_config"} <= set(keras3)
    with config.use_compat("keras2"):
        from_keras2 = model_from_json(model.to_json())
    assert [layer.name for layer in from_keras2.layers] == [layer.name for layer in model.layers]
    copy = model_from_json(model.to_json())
    assert [layer.name for layer in copy.layers] == [layer.name for layer in model.layers]
    copy.set_weights(model.get_weights())
    x = [rand(2, 4), rand(2, 3)]
    for u, v in zip(copy(x), model(x)):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-6)


def test_reads_a_keras3_functional_config_with_a_nested_functional_model():
    def tensor(name, node=0, shape=(None, 4)):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(shape), "dtype": "float32",
                           "keras_history": [name, node, 0]}}

    def dense(name, units, node_args):
        return {"module": "keras.layers", "class_name": "Dense", "name": name,
                "registered_name": None, "build_config": {"input_shape": [None, 4]},
                "config": {"name": name, "units": units, "activation": "relu",
                           "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                     "config": {"name": "float32"}, "registered_name": None}},
                "inbound_nodes": [{"args": node_args, "kwargs": {}}]}

    inner = {"module": "keras.src.models.functional", "class_name": "Functional", "name": "inner",
             "registered_name": "Functional",
             "config": {"name": "inner", "trainable": True, "layers": [
                 {"module": "keras.layers", "class_name": "InputLayer", "name": "inner_in",
                  "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "inner_in"},
                  "inbound_nodes": []},
                 dense("inner_dense", 4, [tensor("inner_in")])],
                 "input_layers": ["inner_in", 0, 0], "output_layers": ["inner_dense", 0, 0]},
             "inbound_nodes": [{"args": [tensor("in")], "kwargs": {}}]}
    outer = {"module": "keras.src.models.functional", "class_name": "Functional",
             "config": {"name": "outer", "trainable": True, "layers": [
                 {"module": "keras.layers", "class_name": "InputLayer", "name": "in",
                  "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "in"},
                  "inbound_nodes": []},
                 inner,
                 {"module": "keras.layers", "class_name": "Add", "name": "add",
                  "config": {"name": "add"},
                  "inbound_nodes": [{"args": [[tensor("inner", 1), tensor("in")]], "kwargs": {}}]}],
                 "input_layers": [["in", 0, 0]], "output_layers": ["add", 0, 0]}}
    model = model_from_json(json.dumps(outer))
    assert [layer.name for layer in model.layers] == ["in", "inner", "add"]
    assert model.output_shape == (None, 4)
    x = rand(2, 4)
    w, b = model.get_layer("inner").get_layer("inner_dense").get_weights()
    np.testing.assert_allclose(model(x).numpy(), np.maximum(x @ w + b, 0) + x, rtol=1e-5)


def test_graph_errors_are_explained():
    a = L.Input((3,))
    hidden = L.Dense(2)(a)
    with pytest.raises(ValueError, match="must come from `Input`"):
        Model(hidden, L.Dense(1)(hidden))
    b = L.Input((3,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        Model(a, L.Add()([hidden, L.Dense(2)(b)]))
    with pytest.raises(ValueError, match="used 2 times"):
        Model(a, L.Dense(1, name="twin")(L.Dense(2, name="twin")(a)))
    model = Model(a, hidden)
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(2, 4\)"):
        model(rand(2, 4))
    with pytest.raises(ValueError, match="expects 1 input"):
        model([rand(2, 3), rand(2, 3)])
    with pytest.raises(TypeError, match="symbolic tensors"):
        Model(a, np.zeros(3))


def test_calls_recorded_with_training_true_keep_it_and_losses_collect():
    i = L.Input((50,))
    h = L.Dense(50, activity_regularizer=regularizers.l1(0.01))(i)
    always = L.Dropout(0.5, seed=0)(h, training=True)
    model = Model(i, always)
    y = model(np.ones((4, 50), "float32")).numpy()
    assert (y == 0).mean() > 0.2
    assert len(model.losses) == 1 and model.losses[0].item() > 0


def test_gradients_flow_through_the_graph_to_every_weight():
    model = two_towers()
    x = [rand(4, 4), rand(4, 3)]

    def loss(ws):
        score, aux = model(x)
        return ag.sum(score ** 2) + ag.sum(aux ** 2)
    _, grads = ag.value_and_grad(loss)(model.trainable_weights)
    assert all(np.abs(g.numpy()).sum() > 0 for g in grads)


def test_clone_model_rebuilds_shared_layers_once():
    shared = L.Dense(3)
    a, b = L.Input((4,)), L.Input((4,))
    model = Model([a, b], L.Add()([shared(a), shared(b)]))
    copy = clone_model(model)
    assert len(copy.weights) == 2 and copy.weights[0] is not model.weights[0]
    copy.set_weights(model.get_weights())
    x = [rand(2, 4), rand(2, 4)]
    np.testing.assert_allclose(copy(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_sequential_inside_functional_and_model_of_a_model():
    head = Sequential([L.Dense(3, input_shape=(4,)), L.Dense(1)])
    i = L.Input((4,))
    model = Model(i, head(i))
    assert model.output_shape == (None, 1) and model.count_params() == head.count_params()
    outer = Model(i, model(i))
    x = rand(2, 4)
    np.testing.assert_allclose(outer(x).numpy(), head(x).numpy(), rtol=1e-6)


class Scale(L.Layer):
    """A custom layer with a constructor argument and a weight."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.w * self.factor

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


def local_activation(x):
    return x * 3.0


def test_custom_layers_and_functions_rebuild_through_custom_objects():
    i = L.Input((2,))
    model = Model(i, L.Dense(2, activation=local_activation)(Scale(0.5)(i)))
    text = model.to_json()
    with pytest.raises(ValueError, match="Unknown layer: 'Scale'"):
        model_from_json(text.replace("test_models_functional", "nowhere"))
    copy = model_from_json(text, custom_objects={"Scale": Scale,
                                                 "local_activation": local_activation})
    copy.set_weights(model.get_weights())
    x = rand(3, 2)
    np.testing.assert_allclose(copy(x).numpy(), model(x).numpy(), rtol=1e-6)
    assert copy.layers[1].factor == 0.5


def test_one_output_given_as_a_list_comes_back_unpacked():
    i = L.Input((3,))
    o = L.Dense(2)(i)
    m = Model([i], [o])
    x = np.ones((4, 3), "float32")
    assert isinstance(m.predict(x, verbose=0), np.ndarray) and m.predict(x, verbose=0).shape == (4, 2)
    assert tuple(m(x).shape) == (4, 2) and m.compute_output_shape((None, 3)) == (None, 2)
    assert len(m.outputs) == 1 and tuple(m(L.Input((3,))).shape) == (None, 2)
    two = Model([i], [o, L.Dense(1)(i)])
    assert [p.shape for p in two.predict(x, verbose=0)] == [(4, 2), (4, 1)]


def test_extra_positional_tensors_survive_configs_and_registered_classes_resolve(tmp_path):
    import keras_facade as keras
    from keras_facade.saving import registration

    class Mix(keras.layers.Layer):
        def call(self, a, b, scale=1.0):
            return a * scale + b

    registration.register_keras_serializable(package="FunctionalTest")(Mix)
    try:
        x1, x2 = keras.Input((3,)), keras.Input((3,))
        model = keras.Model([x1, x2], Mix()(x1, x2, scale=2.0))
        data = [np.ones((2, 3), "float32"), np.full((2, 3), 3.0, "float32")]
        clone = keras.Model.from_config(model.get_config())  # no custom_objects needed
        np.testing.assert_allclose(clone.predict(data, verbose=0), 5.0)
        model.save(tmp_path / "m.keras")
        np.testing.assert_allclose(keras.models.load_model(tmp_path / "m.keras").predict(
            data, verbose=0), 5.0)
    finally:
        registration.get_custom_objects().pop("FunctionalTest>Mix")
        registration._NAMES.pop(Mix)
