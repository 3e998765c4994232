"""Models off the plain CPU (``backend.set_device``): the numpy-backed test device 'cpu:1' always, and
'cuda' when a GPU is usable. Training, evaluation, prediction, metrics and weight files must give
what the same model gives on the CPU."""
import numpy as np
import pytest

import autograd_core as ag
from keras_facade import backend, layers, models, optimizers

DEVICES = ["cpu:1"] + (["cuda"] if ag.cuda.is_available() else [])


@pytest.fixture
def on_device():
    """Switch the facade to a device for a test; back to the CPU afterwards."""
    def use(dev):
        backend.set_device(dev)
    yield use
    backend.set_device("cpu")


def _image_model():
    backend.set_random_seed(7)
    model = models.Sequential([
        layers.Input(shape=(8, 8, 3)),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(),
        layers.DepthwiseConv2D(3, padding="same"),
        layers.Dropout(0.3, seed=1),
        layers.Flatten(),
        layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _sequence_model():
    backend.set_random_seed(7)
    model = models.Sequential([
        layers.Input(shape=(6,)), layers.Embedding(20, 5), layers.LSTM(4, return_sequences=True),
        layers.GRU(3), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.RMSprop(1e-2), loss="binary_crossentropy",
                  metrics=["accuracy", "AUC"])
    return model


def _image_data():
    rng = np.random.default_rng(0)
    return rng.random((16, 8, 8, 3), dtype=np.float32), rng.integers(0, 3, 16)


def _sequence_data():
    rng = np.random.default_rng(1)
    return rng.integers(0, 20, (16, 6)), (rng.random((16, 1)) > 0.5).astype(np.float32)


def _train(build, data, dev, on_device):
    on_device(dev)
    model = build()
    x, y = data
    history = model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, verbose=0)
    for w in model.weights:
        assert w.value.device == ag.device(dev), w.name
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    predictions = model.predict(x, verbose=0)
    assert isinstance(predictions, np.ndarray)
    return history.history, results, predictions, [w.numpy() for w in model.weights]


@pytest.mark.parametrize("dev", DEVICES)
@pytest.mark.parametrize("build,data", [(_image_model, _image_data), (_sequence_model, _sequence_data)])
def test_training_on_a_device_matches_the_cpu(build, data, dev, on_device):
    got = _train(build, data(), dev, on_device)
    want = _train(build, data(), "cpu", on_device)
    assert got[0].keys() == want[0].keys()
    for key in want[0]:
        np.testing.assert_allclose(got[0][key], want[0][key], rtol=1e-4, atol=1e-5, err_msg=key)
    for key in want[1]:
        np.testing.assert_allclose(got[1][key], want[1][key], rtol=1e-4, atol=1e-5, err_msg=key)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-4, atol=1e-5)
    for g, w in zip(got[3], want[3]):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dev", DEVICES)
def test_weights_saved_on_a_device_load_on_the_cpu(dev, on_device, tmp_path):
    x, y = _image_data()
    on_device(dev)
    model = _image_model()
    model.fit(x, y, epochs=1, verbose=0)
    model.save_weights(tmp_path / "m.weights.h5")
    model.save(tmp_path / "m.keras")
    expected = model.predict(x, verbose=0)
    on_device("cpu")
    loaded = models.load_model(tmp_path / "m.keras")
    fresh = _image_model()
    fresh.load_weights(tmp_path / "m.weights.h5")
    for restored in (loaded, fresh):
        assert restored.weights[0].value.device == ag.device("cpu")
        np.testing.assert_allclose(restored.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
