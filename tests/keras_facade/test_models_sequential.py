"""Sequential models: construction, building, weights, calling, config/JSON, cloning."""
import json

import numpy as np
import pytest

import autograd_core as ag
from keras_facade import config, layers as L, regularizers
from keras_facade.models import Model, Sequential, clone_model, model_from_config, model_from_json

RNG = np.random.default_rng(5)


def rand(*shape):
    return RNG.normal(size=shape).astype("float32")


def mlp():
    return Sequential([L.Dense(4, activation="relu", input_shape=(3,)), L.Dropout(0.5),
                       L.Dense(2, activation="softmax")])


def test_first_layer_shape_builds_at_once_and_layers_exclude_the_input_layer():
    model = mlp()
    assert model.built and model.input_shape == (None, 3) and model.output_shape == (None, 2)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense"]
    assert model.inputs[0].shape == (None, 3) and model.output_names == ["dense_1"]
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    for kwargs in ({"input_dim": 3}, {"batch_input_shape": (None, 3)}):
        assert Sequential([L.Dense(2, **kwargs)]).input_shape == (None, 3)
    assert Sequential([L.Input((3,)), L.Dense(2)]).output_shape == (None, 2)
    assert Sequential([L.InputLayer(input_shape=(3,)), L.Dense(2)]).input_shape == (None, 3)


def test_add_and_pop():
    model = Sequential()
    model.add(L.Dense(4, input_shape=(3,)))
    model.add(L.Dense(2))
    assert model.output_shape == (None, 2)
    model.pop()
    assert model.output_shape == (None, 4) and len(model.layers) == 1
    model.add(L.Dense(5))
    assert model.output_shape == (None, 5)
    assert len(model.layers[0].inbound_nodes) == 1  # rebuilt graphs do not pile up nodes
    with pytest.raises(TypeError, match="no layers"):
        Sequential().pop()
    with pytest.raises(TypeError, match="instance of class Layer"):
        model.add("dense")
    with pytest.raises(ValueError, match="unique names"):
        model.add(L.Dense(2, name=model.layers[0].name))


def test_incompatible_layer_is_refused_when_added():
    model = Sequential([L.Dense(4, input_shape=(3,))])
    with pytest.raises(ValueError, match="ndim=4"):
        model.add(L.Conv2D(2, 3))
    assert len(model.layers) == 1 and model.output_shape == (None, 4)


def test_lazy_build_on_first_call():
    model = Sequential([L.Dense(4), L.Dense(1)])
    assert not model.built and model.weights == []
    with pytest.raises(AttributeError):
        model.input_shape
    y = model(rand(5, 7))
    assert y.shape == (5, 1) and model.built
    assert model.input_shape == (None, 7) and model.layers[0].kernel.shape == (7, 4)
    built = Sequential([L.Dense(3)])
    built.build((None, 6))
    assert built.output_shape == (None, 3) and built.count_params() == 21


def test_call_returns_engine_tensors_in_the_graph_and_follows_training():
    model = mlp()
    x = rand(8, 3)
    y = model(x)
    assert isinstance(y, ag.Tensor) and y.requires_grad
    np.testing.assert_allclose(y.numpy().sum(1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(model(x).numpy(), y.numpy())  # inference: no dropout
    assert not np.allclose(model(x, training=True).numpy(), y.numpy())
    loss, grads = ag.value_and_grad(lambda ws: ag.sum(model(x, training=False) ** 2))(
        model.trainable_weights)
    assert [g.shape for g in grads] == [w.shape for w in model.trainable_weights]
    ag.sum(model(x)).backward()
    assert model.layers[0].kernel.grad is not None


def test_weights_get_set_and_errors_leave_weights_unchanged():
    model = mlp()
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 4), (4,), (4, 2), (2,)]
    new = [np.full(w.shape, 0.5, "float32") for w in weights]
    model.set_weights(new)
    assert all(np.all(w == 0.5) for w in model.get_weights())
    with pytest.raises(ValueError, match="4 arrays"):
        model.set_weights(new[:3])
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(2, 4\)"):
        model.set_weights([new[0], new[1], np.zeros((2, 4)), new[3]])
    assert all(np.all(w == 0.5) for w in model.get_weights())


def test_get_layer_by_name_or_index():
    model = mlp()
    assert model.get_layer("dense") is model.layers[0]
    assert model.get_layer(index=-1) is model.layers[2]
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="out of range"):
        model.get_layer(index=3)
    with pytest.raises(ValueError, match="not both"):
        model.get_layer("dense", 0)


def test_freezing_a_layer_and_model_losses():
    model = Sequential([L.Dense(4, input_shape=(3,), kernel_regularizer=regularizers.l2(0.5)),
                        L.Dense(1)])
    model.layers[0].trainable = False
    assert [w.path for w in model.trainable_weights] == ["sequential/dense_1/kernel",
                                                         "sequential/dense_1/bias"]
    assert len(model.non_trainable_weights) == 2
    model(rand(2, 3))
    kernel = model.layers[0].get_weights()[0]
    assert len(model.losses) == 1
    assert model.losses[0].item() == pytest.approx(0.5 * (kernel ** 2).sum(), rel=1e-5)


def test_layer_edges_chain_the_layers():
    model = mlp()
    names = [layer.name for layer in model.layers]
    assert model._layer_edges() == list(zip(names, names[1:]))


def test_json_round_trip_gives_the_same_function():
    model = Sequential([L.Conv2D(2, 3, input_shape=(5, 5, 1)), L.MaxPooling2D(),
                        L.Flatten(), L.Dense(3, activation="softmax")])
    with config.use_compat("keras2"):
        record = json.loads(model.to_json())
    assert record["class_name"] == "Sequential" and record["backend"] == "tensorflow"
    assert record["config"]["layers"][0]["config"]["batch_input_shape"] == [None, 5, 5, 1]
    keras3 = json.loads(model.to_json())  # Keras 3's form: an explicit InputLayer first
    assert keras3["module"] == "keras" and keras3["class_name"] == "Sequential"
    first = keras3["config"]["layers"][0]
    assert first["class_name"] == "InputLayer" and first["config"]["batch_shape"] == [None, 5, 5, 1]
    copy = model_from_json(model.to_json())
    copy.set_weights(model.get_weights())
    x = rand(2, 5, 5, 1)
    np.testing.assert_allclose(copy(x).numpy(), model(x).numpy(), rtol=1e-6)
    assert [layer.name for layer in copy.layers] == [layer.name for layer in model.layers]


def test_reads_keras2_list_configs_and_keras3_configs():
    keras2_list = {"class_name": "Sequential", "config": [
        {"class_name": "Dense", "config": {"name": "dense_1", "units": 3, "activation": "relu",
                                           "batch_input_shape": [None, 4], "dtype": "float32",
                                           "kernel_initializer": {"class_name": "VarianceScaling",
                                                                  "config": {"scale": 1.0,
                                                                             "mode": "fan_avg",
                                                                             "distribution": "uniform",
                                                                             "seed": None}}}}]}
    model = model_from_config(keras2_list)
    assert model.output_shape == (None, 3) and model.layers[0].name == "dense_1"
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
              "registered_name": None}
    keras3 = {"module": "keras", "class_name": "Sequential", "registered_name": None,
              "build_config": {"input_shape": [None, 4]},
              "config": {"name": "sequential", "trainable": True, "dtype": policy, "layers": [
                  {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                   "config": {"batch_shape": [None, 4], "dtype": "float32", "sparse": False,
                              "name": "input_layer"}},
                  {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
                   "build_config": {"input_shape": [None, 4]},
                   "config": {"name": "dense", "trainable": True, "dtype": policy, "units": 2,
                              "activation": "linear", "use_bias": True,
                              "kernel_initializer": {"module": "keras.initializers",
                                                     "class_name": "GlorotUniform",
                                                     "config": {"seed": None},
                                                     "registered_name": None},
                              "bias_initializer": {"module": "keras.initializers",
                                                   "class_name": "Zeros", "config": {},
                                                   "registered_name": None},
                              "kernel_regularizer": None, "bias_regularizer": None,
                              "kernel_constraint": None, "bias_constraint": None}}],
                  "build_input_shape": [None, 4]}}
    model = model_from_json(json.dumps(keras3))
    assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
    assert model(rand(3, 4)).shape == (3, 2)


def test_clone_model_has_new_weights_and_the_same_architecture():
    model = mlp()
    copy = clone_model(model)
    assert [layer.name for layer in copy.layers] == [layer.name for layer in model.layers]
    assert all(a is not b for a, b in zip(copy.weights, model.weights))
    assert copy.output_shape == model.output_shape


def test_nested_sequential_models_share_weights_with_their_layers():
    inner = Sequential([L.Dense(3, input_shape=(2,))])
    outer = Sequential([inner, L.Dense(1)])
    assert outer.input_shape == (None, 2) and outer.count_params() == 9 + 4
    assert outer.weights[0] is inner.weights[0]
    copy = model_from_json(outer.to_json())
    copy.set_weights(outer.get_weights())
    x = rand(4, 2)
    np.testing.assert_allclose(copy(x).numpy(), outer(x).numpy(), rtol=1e-6)


def test_functional_model_inside_sequential():
    i = L.Input((3,))
    block = Model(i, L.Dense(2)(i))
    model = Sequential([block, L.Dense(1)])
    assert model.input_shape == (None, 3) and model(rand(2, 3)).shape == (2, 1)
