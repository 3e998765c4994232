"""Regressions found by running more keras.io Keras 3 guides on the facade (intro for engineers,
masking and padding, customizing saving, RNNs, preprocessing layers, intro for researchers)."""
import numpy as np

import keras_facade as keras
from keras_facade import layers, ops

RNG = np.random.default_rng(18)


class _Loader:
    """A sized re-iterable yielding ``[x, y]`` list batches, as a torch DataLoader does."""

    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __iter__(self):
        for i in range(0, len(self.x), self.batch_size):
            yield [self.x[i:i + self.batch_size], self.y[i:i + self.batch_size]]


def test_fit_and_evaluate_take_a_sized_iterable_of_list_batches():
    x, y = RNG.normal(size=(10, 3)).astype("float32"), RNG.normal(size=(10, 2)).astype("float32")
    m = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    m.compile("sgd", "mse", metrics=["mae"])
    loader = _Loader(x, y, 4)
    hist = m.fit(loader, epochs=2, validation_data=_Loader(x, y, 5), verbose=0)
    assert sorted(hist.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert len(hist.history["loss"]) == 2
    loss, _ = m.evaluate(loader, verbose=0)
    expected = np.mean((m.predict(x, verbose=0) - y) ** 2)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    assert m.predict(loader, verbose=0).shape == (10, 2)


def test_keras_mask_attribute_on_eager_and_symbolic_outputs():
    padded = keras.utils.pad_sequences([[5, 2], [7, 1, 3]], padding="post")
    out = layers.Embedding(10, 4, mask_zero=True)(padded)
    np.testing.assert_array_equal(ops.convert_to_numpy(out._keras_mask),
                                  [[True, True, False], [True, True, True]])
    inputs = keras.Input((None,), dtype="int32")
    x = layers.Embedding(10, 4, mask_zero=True)(inputs)
    assert tuple(x._keras_mask.shape) == (None, None)
    assert layers.Dense(2)(keras.Input((3,)))._keras_mask is None
    plain = ops.ones((2, 3))
    plain._keras_mask = ops.ones((2,), dtype="bool")
    assert tuple(plain._keras_mask.shape) == (2,)


def test_a_loss_that_broadcasts_on_the_whole_batch_only_trains():
    # (B,) targets against (B, B) outputs broadcast only at the full batch size, as in Keras
    def summed_square(y_true, y_pred):
        return ops.sum(ops.square(y_pred - y_true), axis=1)

    m = keras.Sequential([keras.Input((3,)), layers.Dense(4)])
    m.compile("sgd", summed_square)
    x, y = RNG.normal(size=(4, 3)).astype("float32"), RNG.normal(size=(4,)).astype("float32")
    hist = m.fit(x, y, batch_size=4, epochs=1, verbose=0)
    loss = m.evaluate(x, y, batch_size=4, verbose=0)
    expected = np.mean(np.sum((m.predict(x, verbose=0) - y[None, :]) ** 2, axis=1))
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    assert len(hist.history["loss"]) == 1
    m3 = keras.Sequential([keras.Input((3,)), layers.Dense(4)])
    m3.compile("sgd", summed_square)
    with np.testing.assert_raises_regex(ValueError, "do not fit its loss 'summed_square'"):
        m3.fit(x[:3], y[:3], verbose=0)


@keras.saving.register_keras_serializable(package="guides_more")
def _mean_pred(y_true, y_pred):
    return ops.mean(y_pred)


@keras.saving.register_keras_serializable(package="guides_more")
class _OwnCompileConfig(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(2)

    def call(self, x):
        return self.dense(x)

    def compile(self, optimizer, metrics):
        super().compile(optimizer=optimizer, loss="mse", metrics=metrics)
        self.chosen = metrics  # a list attribute: tracked by the layer

    def get_compile_config(self):
        return {"opt": "sgd", "metrics": self.chosen}

    def compile_from_config(self, config):
        self.compile(config["opt"], keras.utils.deserialize_keras_object(config["metrics"]))


def test_own_get_compile_config_with_functions_is_serialized_on_save(tmp_path):
    m = _OwnCompileConfig()
    m.compile("sgd", ["mae", _mean_pred])
    m(np.zeros((1, 3), "float32"))
    path = str(tmp_path / "m.keras")
    m.save(path)
    import json, zipfile
    cfg = json.loads(zipfile.ZipFile(path).read("config.json"))["compile_config"]
    assert cfg["metrics"] == ["mae", {"module": "builtins", "class_name": "function",
                                      "config": "guides_more>_mean_pred",
                                      "registered_name": "function"}]
    restored = keras.models.load_model(path)
    assert restored.chosen == ["mae", _mean_pred]


def test_summary_of_an_unbuilt_sequential_prints_question_marks(capsys):
    keras.Sequential([layers.Embedding(100, 8), layers.LSTM(4), layers.Dense(2)]).summary()
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("embedding", "lstm", "dense"))]
    assert len(rows) == 3 and all(row.split()[2] == "?" for row in rows)
    assert "Total params: 0" in out


def test_reset_states_zeroes_the_stateful_states_and_keeps_their_shapes():
    lstm = layers.LSTM(3, stateful=True)
    lstm(RNG.random((2, 4, 5)).astype("float32"))
    assert np.abs(ops.convert_to_numpy(lstm.states[0])).sum() > 0
    lstm.reset_states()
    assert [tuple(s.shape) for s in lstm.states] == [(2, 3), (2, 3)]
    assert all(not np.any(ops.convert_to_numpy(s)) for s in lstm.states)


def test_variable_takes_keras3_initializer_and_shape_keywords():
    v = keras.Variable(initializer="ones", shape=(2, 3), trainable=False)
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3), np.float32))
    assert not v.trainable and v.dtype == np.float32
    w = keras.Variable(initializer=np.arange(3.0), name="w")
    np.testing.assert_array_equal(w.numpy(), [0.0, 1.0, 2.0])

    class Linear(layers.Layer):
        def __init__(self):
            super().__init__()
            self.w = keras.Variable(initializer=keras.initializers.Zeros()(shape=(2, 4)))

        def call(self, x):
            return ops.matmul(x, self.w)

    lin = Linear()
    assert tuple(lin(ops.ones((3, 2))).shape) == (3, 4) and lin.weights == [lin.w]
    with np.testing.assert_raises_regex(ValueError, "needs a `shape`"):
        keras.Variable(initializer="zeros")
    with np.testing.assert_raises_regex(TypeError, "exactly one of"):
        keras.Variable()
