"""Regressions found by running the keras.io Keras 3 guides (sequential, functional, subclassing,
built-in training, saving, callbacks, transfer learning) on the facade."""
import numpy as np
import pytest

import keras_facade as keras
from keras_facade import layers, ops

RNG = np.random.default_rng(17)


def test_evaluate_verbose_2_prints_the_metrics(capsys):
    m = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    m.compile("sgd", "mse", metrics=["mae"])
    x, y = RNG.normal(size=(10, 3)), RNG.normal(size=(10, 2))
    loss, mae = m.evaluate(x, y, verbose=2)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert f"loss: {loss:.4f}" in line and f"mae: {mae:.4f}" in line


def test_static_batch_size_survives_a_layer_without_compute_output_shape():
    class Identity(layers.Layer):
        def call(self, x):
            return x * 2.0

    inputs = keras.Input(batch_shape=(16, 10, 5))
    assert tuple(Identity()(inputs).shape) == (16, 10, 5)
    assert tuple(Identity()(keras.Input((10, 5))).shape) == (None, 10, 5)


class _ActivityReg(layers.Layer):
    def call(self, inputs):
        self.add_loss(0.5 * ops.mean(inputs))
        return inputs


def test_fit_with_only_add_loss_and_no_compiled_loss():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, _ActivityReg()(layers.Dense(3)(inputs)))
    model.compile(optimizer="sgd")
    x = RNG.normal(size=(4, 3)).astype("float32")
    expected = 0.5 * model.predict(x, verbose=0).mean()
    history = model.fit(x, x, batch_size=4, verbose=0)
    assert history.history["loss"] == [pytest.approx(expected, rel=1e-5)]


def test_unnamed_weights_get_unique_names():
    class Linear(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2))
            self.b = self.add_weight(shape=(2,), initializer="zeros")
            self.k = self.add_weight(shape=(2,), name="kernel")

        def call(self, x):
            return ops.matmul(x, self.w) + self.b

    layer = Linear()
    layer(np.ones((1, 3), "float32"))
    assert [w.path for w in layer.weights] == ["linear/variable", "linear/variable_1",
                                               "linear/kernel"]


def test_random_module_seeds():
    gen = keras.random.SeedGenerator(3)
    a, b = keras.random.normal((5,), seed=gen), keras.random.normal((5,), seed=gen)
    assert not np.allclose(a.numpy(), b.numpy())
    again = keras.random.SeedGenerator(3)
    np.testing.assert_array_equal(keras.random.normal((5,), seed=again).numpy(), a.numpy())
    np.testing.assert_array_equal(keras.random.uniform((3,), seed=1).numpy(),
                                  keras.random.uniform((3,), seed=1).numpy())
    u = keras.random.uniform((1000,), minval=1.0, maxval=2.0, seed=0).numpy()
    assert u.dtype == np.float32 and u.min() >= 1.0 and u.max() < 2.0
    t = keras.random.truncated_normal((1000,), stddev=0.5, seed=0).numpy()
    assert np.abs(t).max() <= 1.0
    r = keras.random.randint((100,), 2, 5, seed=0).numpy()
    assert r.dtype == np.int32 and set(r.tolist()) == {2, 3, 4}
    with pytest.raises(TypeError, match="keras.random.normal: seed"):
        keras.random.normal((2,), seed="x")


def test_random_dropout_shuffle_categorical():
    x = ops.ones((4, 50))
    d = keras.random.dropout(x, 0.5, seed=keras.random.SeedGenerator(0)).numpy()
    assert set(np.unique(d).tolist()) <= {0.0, 2.0} and 0 < (d == 0).mean() < 1
    s = keras.random.shuffle(ops.arange(10), seed=1).numpy()
    assert sorted(s.tolist()) == list(range(10))
    logits = np.log(np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]) + 1e-12)
    c = keras.random.categorical(logits, 6, seed=0).numpy()
    assert c.shape == (2, 6) and c.dtype == np.int32
    assert (c[0] == 0).all() and (c[1] == 2).all()


def test_random_shuffle_passes_gradients():
    import autograd_core as ag
    x = ag.tensor(np.arange(4.0, dtype="float32"), requires_grad=True)
    y = keras.random.shuffle(x, seed=0)
    (y * ag.tensor(np.arange(4.0, dtype="float32"))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[y.numpy().astype(int)], np.arange(4.0))


class _TruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")
        self.seen = self.add_weight(name="seen", initializer="ones")  # Keras 2 spelling

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(ops.cast(y_true, "int32") == ops.cast(y_pred, "int32"), "float32")
        self.true_positives.assign_add(ops.sum(values))
        self.seen.assign_add(float(values.shape[0]))

    def result(self):
        return self.true_positives.value

    def reset_state(self):  # refers to variables made after super().__init__()
        self.true_positives.assign(0.0)
        self.seen.assign(1.0)


def test_custom_metric_with_state_variables_trains_and_resets():
    metric = _TruePositives()
    assert [v.name for v in metric.variables] == ["ctp", "seen"]
    y_pred = np.eye(3, dtype="float32")[[0, 1, 2, 2]]
    assert float(metric(np.array([[0], [1], [0], [2]]), y_pred)) == 3.0
    assert float(metric.seen) == 5.0
    metric.reset_state()
    assert float(metric.result()) == 0.0 and float(metric.seen) == 1.0
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy", metrics=[_TruePositives()])
    x, y = RNG.normal(size=(8, 4)).astype("float32"), RNG.integers(0, 3, size=(8, 1))
    hits = float((m.predict(x, verbose=0).argmax(1) == y[:, 0]).sum())
    logs = m.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    assert logs["categorical_true_positives"] == hits


def test_base_metric_add_variable_default_reset():
    class Count(keras.metrics.Metric):
        def __init__(self):
            super().__init__(name="count")
            self.n = self.add_variable(shape=(2,), initializer="ones", dtype="int32", name="n")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.n.assign_add(np.array([1, 2], "int32"))

        def result(self):
            return self.n

    c = Count()
    c.update_state(None, None)
    np.testing.assert_array_equal(c.result().numpy(), [2, 3])
    c.reset_state()
    np.testing.assert_array_equal(c.result().numpy(), [1, 1])
    assert c.n.dtype == np.int32 and c.n.path == "count/n" and not c.n.trainable


class _Holder(layers.Layer):
    """A custom layer whose get_config returns a live layer (as the saving guide's MyDense)."""

    def __init__(self, units, nested=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.nested = units, nested

    def get_config(self):
        return dict(super().get_config(), units=self.units, nested=self.nested)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units))

    def call(self, x):
        return ops.matmul(x, self.kernel)


def test_save_custom_layer_whose_config_holds_a_layer(tmp_path):
    inner = _Holder(3, name="inner")
    model = keras.Sequential([keras.Input((4,)), _Holder(2, nested=inner, name="outer")])
    path = str(tmp_path / "nested.keras")
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"_Holder": _Holder})
    x = RNG.normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    rebuilt = loaded.layers[0].nested
    assert isinstance(rebuilt, _Holder) and rebuilt.units == 3 and rebuilt.name == "inner"


def test_summary_show_trainable_column():
    base = keras.Sequential([keras.Input((4,)), layers.Dense(3)], name="base")
    base.trainable = False
    inputs = keras.Input((4,))
    outputs = layers.Dense(1, name="head")(layers.Dropout(0.2, name="drop")(base(inputs)))
    model = keras.Model(inputs, outputs)
    lines = []
    model.summary(print_fn=lines.append, show_trainable=True)
    assert lines[2].rstrip().endswith("Trainable") and len(lines[1]) == 65 + 11
    rows = {line.split()[0]: line for line in lines if line[:1].isalpha()}
    assert rows["base"][65:].strip() == "N" and rows["head"][65:].strip() == "Y"
    assert rows["drop"][65:].strip() == "-"
    plain = []
    model.summary(print_fn=plain.append)
    assert len(plain[1]) == 65 and "Trainable" not in plain[2]


def test_layers_serialize_nests_a_layer_held_in_the_config():
    import json
    outer = _Holder(2, nested=_Holder(3, name="inner"), name="outer")
    config = layers.serialize(outer)
    json.dumps(config)
    assert config["config"]["nested"]["config"]["units"] == 3
    assert config["config"]["nested"]["config"]["name"] == "inner"


class AssetLayer(layers.Dense):
    def __init__(self, vocab=None, **kwargs):
        super().__init__(**kwargs)
        self.vocab = vocab

    def save_assets(self, inner_path):
        with open(f"{inner_path}/vocabulary.txt", "w") as f:
            f.write(self.vocab)

    def load_assets(self, inner_path):
        with open(f"{inner_path}/vocabulary.txt") as f:
            self.vocab = f.read().replace("<unk>", "little")


def test_keras_file_carries_layer_assets(tmp_path):
    import zipfile
    model = keras.Sequential([keras.Input((4,)), AssetLayer(vocab="Mary had a <unk> lamb.",
                                                             units=2)])
    path = str(tmp_path / "assets.keras")
    model.save(path)
    assert "assets/layers/asset_layer/vocabulary.txt" in zipfile.ZipFile(path).namelist()
    loaded = keras.models.load_model(path, custom_objects={"AssetLayer": AssetLayer})
    assert loaded.layers[0].vocab == "Mary had a little lamb."


class _Sub(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(3, activation="relu")
        self.out = layers.Dense(2)

    def call(self, x):
        return self.out(self.hidden(x))

    def compile(self, optimizer, loss_fn):
        super().compile(optimizer=optimizer, loss=loss_fn)
        self.my_optimizer, self.loss_fn = optimizer, loss_fn

    def get_compile_config(self):
        return {"my_optimizer": self.my_optimizer, "loss_fn": self.loss_fn}

    def compile_from_config(self, config):
        self.compile(keras.utils.deserialize_keras_object(config["my_optimizer"]),
                     keras.utils.deserialize_keras_object(config["loss_fn"]))


def test_subclassed_model_with_kwargs_only_init_saves_and_loads(tmp_path):
    model = _Sub(name="sub")
    model.compile(optimizer="sgd", loss_fn="mse")
    x, y = RNG.normal(size=(8, 4)).astype("float32"), RNG.normal(size=(8, 2)).astype("float32")
    model.fit(x, y, verbose=0)
    assert model.get_config() == {"name": "sub", "trainable": True, "dtype": "float32"}
    path = str(tmp_path / "sub.keras")
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"_Sub": _Sub})
    assert type(loaded) is _Sub and loaded.name == "sub"
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert loaded.loss_fn == "mse" and int(loaded.optimizer.iterations.numpy()) == 1
    assert type(_Sub.from_config({"name": "again"})) is _Sub


def test_subclassed_model_with_constructor_arguments_still_needs_get_config():
    class Args(keras.Model):
        def __init__(self, units):
            super().__init__()
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(NotImplementedError, match="define get_config"):
        Args(2).get_config()
