"""fit and its arguments: learning, validation_split, shuffling, class/sample weights, epochs and
steps, the training flag, regularization in the loss, the Keras 2 spellings."""
import numpy as np
import pytest

import autograd_core as ag
from keras_facade import callbacks, optimizers, regularizers
from keras_facade.layers import BatchNormalization, Dense, Dropout
from keras_facade.models import Sequential

RNG = np.random.default_rng(3)
X = RNG.normal(size=(96, 4)).astype("float32")
LABELS = (X @ np.array([1.0, -2.0, 0.5, 1.0]) > 0).astype(np.int64)
Y = LABELS[:, None].astype("float32")


def classifier(seed=0, **compile_kwargs):
    np.random.seed(seed)
    m = Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(1, activation="sigmoid")])
    compile_kwargs.setdefault("metrics", ["accuracy"])
    m.compile(compile_kwargs.pop("optimizer", optimizers.Adam(0.05)), "binary_crossentropy",
              **compile_kwargs)
    return m


def test_fit_learns_and_returns_history():
    m = classifier()
    history = m.fit(X, Y, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9
    assert history.params["batch_size"] == 32 and history.params["steps"] == 3  # default batch 32
    assert int(m.optimizer.iterations.item()) == 45


def test_training_step_is_value_and_grad_of_the_loss_then_the_optimizer():
    m = classifier(optimizer=optimizers.SGD(learning_rate=0.1))
    m.train_on_batch(X[:2], Y[:2])  # build
    before = [w.numpy().copy() for w in m.trainable_weights]
    loss_fn = lambda ws: ag.mean(  # noqa: E731
        -(ag.tensor(Y) * ag.log(m(ag.tensor(X), training=True))
          + (1 - ag.tensor(Y)) * ag.log(1 - m(ag.tensor(X), training=True))))
    _, grads = ag.value_and_grad(loss_fn)(m.trainable_weights)
    m.fit(X, Y, batch_size=96, epochs=1, shuffle=False, verbose=0)
    for b, g, w in zip(before, grads, m.trainable_weights):
        np.testing.assert_allclose(w.numpy(), b - 0.1 * g.numpy(), rtol=1e-4, atol=1e-6)


def test_validation_split_takes_the_last_samples_before_shuffling():
    m = classifier()
    probe = callbacks.Callback()
    m.fit(X, Y, epochs=1, verbose=0, validation_split=0.25, shuffle=True, callbacks=[probe])
    np.testing.assert_array_equal(probe.validation_data[0], X[72:])
    np.testing.assert_array_equal(probe.validation_data[1], Y[72:])
    assert probe.params["samples"] == 72
    history = m.fit(X, Y, epochs=1, verbose=0, validation_split=0.25)
    expected = m.evaluate(X[72:], Y[72:], verbose=0)
    np.testing.assert_allclose([history.history["val_loss"][0], history.history["val_accuracy"][0]],
                               expected, rtol=1e-5)


@pytest.mark.parametrize("shuffle", [False, True, "batch"])
def test_every_sample_is_used_once_per_epoch(shuffle):
    x = np.arange(20, dtype="float32")[:, None]
    seen = []

    class Probe(Dense):
        def call(self, inputs, training=None):
            seen.append(inputs.numpy()[:, 0].astype(int).tolist())
            return super().call(inputs)
    m = Sequential([Probe(1, input_shape=(1,))])
    m.compile("sgd", "mse")
    np.random.seed(0)
    m.fit(x, x, batch_size=6, epochs=2, shuffle=shuffle, verbose=0)
    epochs = [seen[-8:-4], seen[-4:]]
    for batches in epochs:
        assert sorted(sum(batches, [])) == list(range(20))
        assert [len(b) for b in batches] == [6, 6, 6, 2]
    if shuffle is False:
        assert epochs[0][0] == [0, 1, 2, 3, 4, 5]
    if shuffle == "batch":  # whole batches move; the short batch stays last
        for b in epochs[0][:3]:
            assert b == list(range(b[0], b[0] + 6)) and b[0] % 6 == 0
        assert epochs[0][3] == [18, 19]
    if shuffle is True:
        assert epochs[0] != epochs[1]


def test_class_weight_equals_matching_sample_weight():
    cw = {0: 0.5, 1: 3.0}
    a, b = classifier(seed=1), classifier(seed=1)
    b.set_weights(a.get_weights())
    ha = a.fit(X, Y, epochs=2, shuffle=False, verbose=0, class_weight=cw)
    hb = b.fit(X, Y, epochs=2, shuffle=False, verbose=0,
               sample_weight=np.where(LABELS == 1, 3.0, 0.5))
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-5)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5)
    # one-hot targets use the argmax for the class
    onehot = np.eye(2, dtype="float32")[LABELS]
    c, d = (Sequential([Dense(2, activation="softmax", input_shape=(4,))]) for _ in range(2))
    for m in (c, d):
        m.compile("sgd", "categorical_crossentropy")
    d.set_weights(c.get_weights())
    c.fit(X, onehot, epochs=1, verbose=0, class_weight=cw, shuffle=False)
    d.fit(X, onehot, epochs=1, verbose=0, sample_weight=np.where(LABELS == 1, 3.0, 0.5),
          shuffle=False)
    for wc, wd in zip(c.get_weights(), d.get_weights()):
        np.testing.assert_allclose(wc, wd, rtol=1e-6, atol=1e-6)


def test_weighted_loss_divides_by_the_number_of_samples():
    m = classifier()
    w = np.zeros(96, dtype="float32")
    w[:10] = 2.0
    weighted = m.evaluate(X, Y, sample_weight=w, batch_size=96, verbose=0)[0]
    p = m.predict(X)[:, 0]
    bce = -(LABELS * np.log(p) + (1 - LABELS) * np.log(1 - p))
    assert weighted == pytest.approx((bce * w).sum() / 96, rel=1e-5)


def test_initial_epoch_steps_per_epoch_and_validation_freq():
    m = classifier()
    history = m.fit(X, Y, epochs=4, initial_epoch=2, verbose=0)
    assert history.epoch == [2, 3]
    history = m.fit(X, Y, epochs=2, steps_per_epoch=5, batch_size=16, verbose=0)
    assert int(m.optimizer.iterations.item()) == 6 + 10  # 2 epochs of 3, then 2 of 5 steps
    assert history.params["steps"] == 5
    history = m.fit(X, Y, epochs=4, verbose=0, validation_data=(X, Y), validation_freq=2)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    history = m.fit(X, Y, epochs=3, verbose=0, validation_data=(X, Y), validation_freq=[1, 3])
    assert len(history.history["val_loss"]) == 2


def test_dropout_and_batchnorm_train_in_fit_and_infer_in_evaluate_and_predict():
    m = Sequential([Dense(16, input_shape=(4,)), BatchNormalization(), Dropout(0.5), Dense(1)])
    m.compile(optimizers.SGD(learning_rate=0.0), "mse")
    m.fit(X, Y, epochs=1, batch_size=96, verbose=0)
    bn = m.layers[1]
    moving_mean = bn.moving_mean.numpy().copy()
    assert np.abs(moving_mean).sum() > 0  # moving statistics were updated in training mode
    p1, p2 = m.predict(X), m.predict(X)
    np.testing.assert_array_equal(p1, p2)  # no dropout at inference
    loss = m.evaluate(X, Y, verbose=0)
    assert loss == pytest.approx(np.mean((p1 - Y) ** 2), rel=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), moving_mean)  # unchanged by evaluate


def test_regularization_losses_are_part_of_the_loss():
    m = Sequential([Dense(1, input_shape=(4,), kernel_regularizer=regularizers.l2(0.5))])
    m.compile("sgd", "mse")
    loss = m.evaluate(X, Y, verbose=0, batch_size=96)
    kernel = m.layers[0].kernel.numpy()
    mse = np.mean((m.predict(X) - Y) ** 2)
    assert loss == pytest.approx(mse + 0.5 * (kernel ** 2).sum(), rel=1e-5)


def test_keras1_spellings_warn_and_work():
    m = classifier()
    with pytest.warns(DeprecationWarning, match="epochs"):
        history = m.fit(X, Y, nb_epoch=2, verbose=0)
    assert history.epoch == [0, 1]
    with pytest.warns(DeprecationWarning, match="show_accuracy"):
        m.fit(X, Y, epochs=1, verbose=0, show_accuracy=True)


def test_custom_training_loop_with_tensors():
    """A model called on tensors, a loss object called on tensors, apply_gradients(zip(...))."""
    from keras_facade import losses
    m = Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(1, activation="sigmoid")])
    opt = optimizers.Adam(learning_rate=0.05)
    loss_fn = losses.BinaryCrossentropy()
    x, y = ag.tensor(X), ag.tensor(Y)
    first = None
    for _ in range(30):
        loss, grads = ag.value_and_grad(lambda ws: loss_fn(y, m(x, training=True)))(m.trainable_weights)
        assert isinstance(loss, ag.Tensor) and loss.shape == ()
        first = loss.item() if first is None else first
        opt.apply_gradients(zip(grads, m.trainable_weights))
    assert loss.item() < 0.6 * first
    assert int(opt.iterations.item()) == 30
    assert all(w.is_leaf for w in m.trainable_weights)


def test_repeated_metric_names_get_suffixes_instead_of_overwriting():
    import keras_facade as keras
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy",
                  metrics=["mae", keras.metrics.MeanAbsoluteError(name="mae"), "mse", "mae"])
    x, y = np.ones((4, 3), "float32"), np.full((4, 2), 0.25, "float32")
    history = model.fit(x, y, verbose=0, validation_split=0.5)
    assert sorted(history.history) == sorted(
        ["loss", "mae", "mae_1", "mse", "mae_2"] + [f"val_{k}" for k in
                                                    ("loss", "mae", "mae_1", "mse", "mae_2")])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["mae"] == logs["mae_1"] == logs["mae_2"] > 0
