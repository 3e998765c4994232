"""Regressions found by running more keras.io vision examples on the facade, checked against
Keras 3 (3D classification, sub-pixel super-resolution, EDSR, involution, Zero-DCE, video
classification, siamese network, keypoint detection)."""
import numpy as np

import keras_facade as keras
from keras_facade import layers as L
from keras_facade import ops


def test_function_metric_name_is_snake_cased_like_keras3():
    def PSNR(y_true, y_pred):
        return 10.0 * ops.log10(1.0 / ops.mean(ops.square(y_true - y_pred)))

    model = keras.Sequential([L.Input((2,)), L.Dense(2)])
    model.compile(optimizer="sgd", loss="mae", metrics=[PSNR])
    x = np.ones((4, 2), "float32")
    history = model.fit(x, x, epochs=1, validation_data=(x, x), verbose=0)
    assert sorted(history.history) == ["loss", "psnr", "val_loss", "val_psnr"]
    assert np.isfinite(history.history["psnr"][0])


class _Pair(L.Layer):
    def call(self, x):
        return x * 2.0, x + 1.0


def test_model_outputs_of_layers_with_two_outputs_keep_their_nesting():
    # involution: keras.Model(inp, [layer.output for ...]) where each layer returns a pair
    inp = L.Input((3,))
    a = _Pair(name="p1")(inp)
    b = _Pair(name="p2")(a[0])
    model = keras.Model(inp, [a, b])
    assert len(model.output) == 2 and len(model.output[0]) == 2
    x = np.arange(6, dtype="float32").reshape(2, 3)
    (a1, a2), (b1, b2) = model.predict(x, verbose=0)
    np.testing.assert_allclose(a1, 2 * x)
    np.testing.assert_allclose(a2, x + 1)
    np.testing.assert_allclose(b1, 4 * x)
    np.testing.assert_allclose(b2, 2 * x + 1)
    (c1, _), (_, c2) = model(x)
    np.testing.assert_allclose(c1.numpy(), 2 * x)
    np.testing.assert_allclose(c2.numpy(), 2 * x + 1)


def test_model_checkpoint_creates_the_missing_folder(tmp_path):
    # video classification: ModelCheckpoint("/tmp/video_classifier/ckpt.weights.h5", ...)
    model = keras.Sequential([L.Input((2,)), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    path = tmp_path / "new" / "deeper" / "ckpt.weights.h5"
    checkpoint = keras.callbacks.ModelCheckpoint(str(path), save_weights_only=True,
                                                 save_best_only=True, monitor="loss")
    x = np.ones((4, 2), "float32")
    model.fit(x, x[:, :1], epochs=1, callbacks=[checkpoint], verbose=0)
    assert path.is_file()
    model.load_weights(str(path))


class _Marker(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        print("MARKER")
        logs["psnr"] = 12.5


def test_progress_bar_runs_after_the_user_callbacks_like_keras3(capsys):
    # super-resolution: the ESPCN callback prints in on_epoch_end before Keras 3's epoch line
    model = keras.Sequential([L.Input((2,)), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 2), "float32")
    history = model.fit(x, x[:, :1], epochs=1, verbose=2, callbacks=[_Marker()])
    out = capsys.readouterr().out
    assert out.index("MARKER") < out.index("loss:")
    assert "psnr: 12.5" in out
    assert history.history["psnr"] == [12.5]


class _OwnSteps(keras.Model):
    """Siamese / Zero-DCE style: own train_step (loss.backward() as with Keras 3's torch backend)
    and test_step, logs from a Mean tracker."""

    def __init__(self):
        super().__init__()
        self.dense = L.Dense(1, use_bias=False, kernel_initializer="ones")
        self.tracker = keras.metrics.Mean(name="loss")
        self.seen = []

    def call(self, x):
        return self.dense(x)

    def _loss(self, data):
        x, y = data
        return ops.mean(ops.square(self(x) - y))

    def train_step(self, data):
        self.seen.append(type(data).__name__)
        self.zero_grad()
        loss = self._loss(data)
        loss.backward()
        weights = self.trainable_weights
        self.optimizer.apply([w.value.grad for w in weights], weights)
        self.tracker.update_state(loss)
        return {"loss": self.tracker.result()}

    def test_step(self, data):
        loss = self._loss(data)
        self.tracker.update_state(loss)
        return {"loss": self.tracker.result(), "extra": 2.0 * loss}

    @property
    def metrics(self):
        return [self.tracker]


def test_fit_and_evaluate_call_the_model_own_train_step_and_test_step():
    x = np.array([[1.0, 2.0], [0.5, -1.0]], "float32")
    y = np.array([[1.0], [0.0]], "float32")
    model = _OwnSteps()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    history = model.fit(x, y, batch_size=2, epochs=1, validation_data=(x, y), verbose=0)
    assert model.seen == ["tuple"]
    # one SGD step on mean((x @ w - y)^2) from w = 1
    w = np.ones((2, 1))
    expected_loss = np.mean((x @ w - y) ** 2)
    w -= 0.1 * 2 * x.T @ (x @ w - y) / 2
    np.testing.assert_allclose(model.dense.kernel.numpy(), w, rtol=1e-6)
    val_loss = np.mean((x @ w - y) ** 2)
    assert sorted(history.history) == ["loss", "val_extra", "val_loss"]
    np.testing.assert_allclose(history.history["loss"], [expected_loss], rtol=1e-6)
    np.testing.assert_allclose(history.history["val_loss"], [val_loss], rtol=1e-6)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    np.testing.assert_allclose([logs["loss"], logs["extra"]], [val_loss, 2 * val_loss], rtol=1e-6)
