"""The Keras 3 names of ``keras.utils`` that live elsewhere in the package: each resolves and
behaves as Keras 3 documents it."""
import io

import numpy as np
import pytest

import keras_facade as keras
from keras_facade import utils


@utils.register_keras_serializable(package="NamesTest")
class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@utils.register_keras_serializable()
def halve(x):
    return x * 0.5


class Offset:
    def __init__(self, value):
        self.value = value

    def get_config(self):
        return {"value": self.value}


def test_registry_names():
    assert utils.get_registered_name(Scale) == "NamesTest>Scale"
    assert utils.get_registered_name(halve) == "Custom>halve"
    assert utils.get_registered_name(keras.layers.Dense) == "Dense"
    assert utils.get_registered_object("NamesTest>Scale") is Scale
    assert utils.get_custom_objects()["Custom>halve"] is halve
    assert utils.get_registered_object("Offset") is None
    with utils.custom_object_scope({"Offset": Offset}):
        assert utils.get_registered_object("Offset") is Offset
    with utils.CustomObjectScope({"Offset": Offset}):
        assert utils.get_registered_object("Offset") is Offset
    assert utils.get_registered_object("Offset", module_objects={"Offset": int}) is int
    with pytest.raises(ValueError, match="get_config"):
        utils.register_keras_serializable()(type("NoConfig", (), {}))


def test_serialize_and_deserialize_keras_objects():
    dense = keras.layers.Dense(3, activation="relu", name="d")
    record = utils.serialize_keras_object(dense)
    assert (record["module"], record["class_name"], record["registered_name"]) == \
        ("keras.layers", "Dense", None)
    assert record["config"]["units"] == 3
    assert record["config"]["kernel_initializer"]["class_name"] == "GlorotUniform"
    rebuilt = utils.deserialize_keras_object(record)
    assert isinstance(rebuilt, keras.layers.Dense) and rebuilt.units == 3 and rebuilt.name == "d"
    custom = utils.serialize_keras_object(Scale(3.0))
    assert custom["registered_name"] == "NamesTest>Scale" and custom["config"]["factor"] == 3.0
    assert utils.deserialize_keras_object(custom).factor == 3.0
    fn = utils.serialize_keras_object(halve)
    assert fn == {"module": "builtins", "class_name": "function", "config": "Custom>halve",
                  "registered_name": "function"}
    assert utils.deserialize_keras_object(fn) is halve
    relu = utils.deserialize_keras_object(utils.serialize_keras_object(keras.activations.relu))
    np.testing.assert_allclose(relu(keras.backend.constant([-1.0, 2.0])).numpy(), [0.0, 2.0])
    adam = utils.deserialize_keras_object(utils.serialize_keras_object(
        keras.optimizers.Adam(0.01)))
    assert isinstance(adam, keras.optimizers.Adam)
    assert np.isclose(float(np.asarray(adam.get_config()["learning_rate"])), 0.01)
    loss = utils.deserialize_keras_object(utils.serialize_keras_object(
        keras.losses.MeanSquaredError()))
    assert isinstance(loss, keras.losses.MeanSquaredError)
    array = utils.serialize_keras_object(np.array([1.5, 2.0], dtype="float32"))
    assert array == {"class_name": "__numpy__", "config": {"value": [1.5, 2.0],
                                                           "dtype": "float32"}}
    assert utils.deserialize_keras_object(array).dtype == np.float32
    assert utils.serialize_keras_object({"a": (1, "x"), "b": None}) == {"a": (1, "x"), "b": None}
    assert utils.deserialize_keras_object([1, {"a": 2}]) == [1, {"a": 2}]
    with utils.custom_object_scope({"Offset": Offset}):
        offset = utils.deserialize_keras_object(utils.serialize_keras_object(Offset(4)))
    assert isinstance(offset, Offset) and offset.value == 4
    with pytest.raises(TypeError, match="Could not locate class 'Offset'"):
        utils.deserialize_keras_object({"module": "x", "class_name": "Offset", "config": {},
                                        "registered_name": None})


@pytest.mark.parametrize("make, module", [
    (lambda: keras.metrics.AUC(num_thresholds=50), "keras.metrics"),
    (lambda: keras.regularizers.L2(0.1), "keras.regularizers"),
    (lambda: keras.constraints.MaxNorm(2.0), "keras.constraints"),
    (lambda: keras.initializers.RandomNormal(stddev=0.5, seed=3), "keras.initializers")])
def test_serialize_round_trip_of_each_kind(make, module):
    original = make()
    record = utils.serialize_keras_object(original)
    assert record["module"] == module and record["class_name"] == type(original).__name__
    rebuilt = utils.deserialize_keras_object(record)
    assert type(rebuilt) is type(original) and rebuilt.get_config() == original.get_config()


def test_serialize_a_model_round_trip():
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(2)])
    record = utils.serialize_keras_object(model)
    assert record["class_name"] == "Sequential" and record["build_config"]["input_shape"][1:] == [4]
    clone = utils.deserialize_keras_object(record)
    assert [w.shape for w in clone.get_weights()] == [(4, 2), (2,)]


def test_clear_session_resets_names():
    keras.layers.Dense(1)
    utils.clear_session()
    assert keras.layers.Dense(1).name == "dense"


def test_progbar_prints_progress():
    stream = io.StringIO()
    bar = utils.Progbar(4, verbose=2, stream=stream)
    bar.update(4, values=[("loss", 0.5)])
    assert "loss: 0.5000" in stream.getvalue()


def test_keras_tensors_and_source_inputs():
    a, b = keras.Input((3,)), keras.Input((2,))
    hidden = keras.layers.Dense(2)(a)
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([hidden, b]))
    assert utils.is_keras_tensor(out) and not utils.is_keras_tensor(np.zeros(3))
    sources = utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert utils.get_source_inputs(a) == [a]
    assert utils.get_source_inputs(hidden)[0] is a


def test_pack_and_unpack_x_y_sample_weight():
    x, y, w = np.zeros(2), np.ones(2), np.full(2, 3.0)
    assert utils.pack_x_y_sample_weight(x) is x
    assert utils.pack_x_y_sample_weight([x, x]) == ([x, x],)
    assert utils.pack_x_y_sample_weight(x, y) == (x, y)
    assert utils.pack_x_y_sample_weight(x, y, w) == (x, y, w)
    assert utils.unpack_x_y_sample_weight(x) == (x, None, None)
    assert utils.unpack_x_y_sample_weight((x,)) == (x, None, None)
    assert utils.unpack_x_y_sample_weight([x, y]) == (x, y, None)
    assert utils.unpack_x_y_sample_weight((x, y, w)) == (x, y, w)
    with pytest.raises(ValueError, match="tuple of 4 items"):
        utils.unpack_x_y_sample_weight((x, y, w, w))


def test_set_random_seed_repeats_draws():
    utils.set_random_seed(5)
    first = keras.layers.Dense(3)
    first.build((None, 2))
    utils.set_random_seed(5)
    second = keras.layers.Dense(3)
    second.build((None, 2))
    np.testing.assert_array_equal(first.get_weights()[0], second.get_weights()[0])


def test_dataset_utilities_are_listed():
    for name in ("image_dataset_from_directory", "text_dataset_from_directory",
                 "timeseries_dataset_from_array", "split_dataset", "serialize_keras_object",
                 "get_source_inputs", "Progbar", "clear_session"):
        assert name in utils.__all__ and callable(getattr(utils, name))
    with pytest.raises(AttributeError, match="no_such_name"):
        utils.no_such_name  # noqa: B018


def test_keras_saving_exports_the_object_serializers_and_clear_session_takes_free_memory():
    from keras_facade import backend, saving
    from keras_facade.layers import Dense
    backend.clear_session(free_memory=True)
    config = saving.serialize_keras_object(Dense(3, name="d"))
    restored = saving.deserialize_keras_object(config)
    assert isinstance(restored, Dense) and restored.units == 3 and restored.name == "d"
    assert Dense(1).name == "dense"  # the session's counters were reset
