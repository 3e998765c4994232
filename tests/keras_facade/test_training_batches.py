"""train_on_batch / test_on_batch / predict_on_batch, evaluate's return forms, the Keras 2
Sequential helpers and the compile configuration used for saving."""
import numpy as np
import pytest

from keras_facade import losses, metrics, optimizers
from keras_facade.layers import Dense
from keras_facade.models import Sequential

RNG = np.random.default_rng(6)
X = RNG.normal(size=(32, 3)).astype("float32")
Y = (X.sum(-1, keepdims=True) > 0).astype("float32")


def model(metrics_=("accuracy",)):
    m = Sequential([Dense(1, activation="sigmoid", input_shape=(3,))])
    m.compile(optimizers.SGD(learning_rate=0.5), "binary_crossentropy", metrics=list(metrics_))
    return m


def test_train_on_batch_returns_this_batchs_values_and_steps_once():
    m = model()
    m.evaluate(X, Y, verbose=0)  # leaves accumulated metric state behind
    p = m.predict(X[:8])
    expected_acc = np.mean((p > 0.5) == Y[:8])
    loss, acc = m.train_on_batch(X[:8], Y[:8])
    assert acc == pytest.approx(expected_acc)
    assert loss == pytest.approx(np.mean(-(Y[:8] * np.log(p) + (1 - Y[:8]) * np.log(1 - p))), rel=1e-5)
    assert int(m.optimizer.iterations.item()) == 1
    m.train_on_batch(X[8:16], Y[8:16], reset_metrics=False)
    m.train_on_batch(X[16:24], Y[16:24], reset_metrics=False)
    assert m.metrics[0].count == 16  # accumulated over the two batches
    logs = m.train_on_batch(X[:8], Y[:8], return_dict=True)
    assert set(logs) == {"loss", "accuracy"}


def test_test_on_batch_and_predict_on_batch_change_nothing():
    m = model()
    before = m.get_weights()
    loss, acc = m.test_on_batch(X, Y)
    assert [loss, acc] == pytest.approx(m.evaluate(X, Y, verbose=0, batch_size=32), rel=1e-6)
    np.testing.assert_allclose(m.predict_on_batch(X), m.predict(X), rtol=1e-6, atol=1e-6)
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(m.optimizer.iterations.item()) == 0


def test_evaluate_return_forms():
    plain = Sequential([Dense(1, input_shape=(3,))])
    plain.compile("sgd", "mse")
    value = plain.evaluate(X, Y, verbose=0)
    assert isinstance(value, float)
    m = model(("accuracy", "mae"))
    values = m.evaluate(X, Y, verbose=0)
    assert isinstance(values, list) and len(values) == 3
    assert m.metrics_names == ["loss", "accuracy", "mae"]
    logs = m.evaluate(X, Y, verbose=0, return_dict=True)
    assert logs == pytest.approx(dict(zip(m.metrics_names, values)))


def test_evaluate_verbose_bar_has_no_epoch_line(capsys):
    model().evaluate(X, Y, batch_size=8, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch" not in out and out.rstrip("\n").split("\n")[-1].startswith("32/32 [=====")


def test_predict_classes_and_proba():
    m = model()
    proba = m.predict_proba(X)
    np.testing.assert_array_equal(m.predict_classes(X), (proba > 0.5).astype("int32"))
    multi = Sequential([Dense(4, activation="softmax", input_shape=(3,))])
    np.testing.assert_array_equal(multi.predict_classes(X), multi.predict(X).argmax(-1))
    linear = Sequential([Dense(1, input_shape=(3,))])
    linear.layers[0].set_weights([np.full((3, 1), 10.0), np.zeros(1)])
    with pytest.warns(UserWarning, match="invalid probability"):
        linear.predict_proba(X)


def test_compile_config_round_trip():
    m = model(["accuracy", metrics.AUC(name="auc")])
    m.compile(optimizers.Adam(learning_rate=0.003, amsgrad=True),
              losses.BinaryCrossentropy(label_smoothing=0.1), metrics=["accuracy", metrics.AUC()])
    config = m.get_compile_config()
    assert config["optimizer"]["class_name"] == "Adam"
    assert config["loss"]["class_name"] == "BinaryCrossentropy"
    assert config["metrics"][0] == "accuracy" and config["metrics"][1]["class_name"] == "AUC"
    other = model()
    other.compile_from_config(config)
    assert type(other.optimizer) is optimizers.Adam and other.optimizer.amsgrad
    assert float(other.optimizer.learning_rate.item()) == pytest.approx(0.003)
    assert isinstance(other.loss, losses.BinaryCrossentropy) and other.loss.get_config() == \
        m.loss.get_config()
    history = other.fit(X, Y, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "auc"}
    assert model().get_compile_config()["loss"] == "binary_crossentropy"
    assert Sequential([Dense(1)]).get_compile_config() is None
