"""A minimal model for the training tests: a dense layer (optionally two) written with engine ops,
mixed with ``Trainer`` exactly as ``keras_facade.models.Model`` is, so the training machinery is
tested independently of the layers package."""
import numpy as np
import pytest

import autograd_core as ag
from keras_facade import optimizers
from keras_facade.training import Trainer


class DenseModel(Trainer):
    """x @ W + b with an optional activation ('softmax', 'sigmoid', 'relu'); ``hidden`` adds a relu
    layer in front; ``l2`` adds a weight penalty to ``losses``; ``dropout`` zeroes half of the inputs
    in training mode (to observe the training flag)."""

    def __init__(self, n_in, n_out, activation=None, hidden=None, l2=0.0, seed=0, dtype="float32",
                 dropout=False):
        rng = np.random.default_rng(seed)
        sizes = [n_in] + ([hidden] if hidden else []) + [n_out]
        self._weights = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            self._weights.append(ag.tensor((rng.normal(size=(a, b)) / np.sqrt(a)).astype(dtype),
                                           requires_grad=True))
            self._weights.append(ag.zeros(b, dtype=dtype, requires_grad=True))
        self.activation, self.l2, self.dropout = activation, l2, dropout
        self.built = True
        self.output_names = ["dense"]
        self.layers = ["dense"]
        self.calls = []

    @property
    def weights(self):
        return list(self._weights)

    trainable_weights = weights

    @property
    def non_trainable_weights(self):
        return []

    @property
    def losses(self):
        if not self.l2:
            return []
        return [self.l2 * ag.sum(ag.square(w)) for w in self._weights[::2]]

    def get_weights(self):
        return [w.numpy().copy() for w in self._weights]

    def set_weights(self, values):
        for w, v in zip(self._weights, values):
            w.data = np.array(v, dtype=w.dtype)

    def __call__(self, x, training=False):
        self.calls.append(training)
        h = x if isinstance(x, ag.Tensor) else ag.tensor(np.asarray(x, dtype="float32"))
        if self.dropout and training:
            h = h * ag.tensor((np.arange(h.shape[-1]) % 2).astype(h.dtype) * 2.0)
        pairs = list(zip(self._weights[::2], self._weights[1::2]))
        for w, b in pairs[:-1]:
            h = ag.relu(h @ w + b)
        w, b = pairs[-1]
        h = h @ w + b
        if self.activation == "softmax":
            return ag.softmax(h, axis=-1)
        if self.activation == "sigmoid":
            return ag.sigmoid(h)
        if self.activation == "relu":
            return ag.relu(h)
        return h


class TwoOutputModel(DenseModel):
    """Two heads on the same inputs: 'reg' (linear, 1 unit) and 'cls' (softmax, 3 units); inputs
    may be a list of two arrays, concatenated."""

    def __init__(self, n_in, seed=0):
        super().__init__(n_in, 4, seed=seed)
        self.output_names = ["reg", "cls"]

    def __call__(self, x, training=False):
        if isinstance(x, (list, tuple)):
            x = ag.concatenate(list(x), axis=-1)
        h = super().__call__(x, training)
        return [h[:, :1], ag.softmax(h[:, 1:], axis=-1)]


def test_double_gradient_flows_to_its_weights():
    model = DenseModel(3, 2, activation="softmax")
    x = ag.tensor(np.ones((4, 3), dtype="float32"))
    _, grads = ag.value_and_grad(lambda ws: ag.sum(ag.log(model(x)[:, 0])))(model.trainable_weights)
    assert [g.shape for g in grads] == [(3, 2), (2,)]
    assert np.abs(grads[0].numpy()).sum() > 0


# -- the Trainer on the double: independent of the layers package ------------------------------
RNG = np.random.default_rng(8)
X = RNG.normal(size=(64, 5)).astype("float32")
LABELS = (X @ RNG.normal(size=(5, 3))).argmax(-1)


def test_fit_trains_the_double_and_passes_the_training_flag():
    model = DenseModel(5, 3, activation="softmax", hidden=8)
    model.compile(optimizers.Adam(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(X, LABELS, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    model.calls.clear()
    model.fit(X, LABELS, epochs=1, batch_size=32, verbose=0)
    # one inference-mode probe per new data signature is skipped (already checked), then 2 steps
    assert model.calls == [True, True]
    model.calls.clear()
    model.evaluate(X, LABELS, verbose=0, batch_size=64)
    model.predict(X, batch_size=64)
    assert model.calls == [False, False]


def test_regularization_losses_of_the_double_enter_the_objective():
    plain = DenseModel(5, 1, seed=3)
    penalized = DenseModel(5, 1, seed=3, l2=0.1)
    y = X[:, :1]
    for m in (plain, penalized):
        m.compile("sgd", "mse")
    gap = penalized.evaluate(X, y, verbose=0) - plain.evaluate(X, y, verbose=0)
    assert gap == pytest.approx(0.1 * float((penalized.get_weights()[0] ** 2).sum()), rel=1e-5)


def test_dropout_like_training_behaviour_only_in_fit():
    model = DenseModel(5, 1, dropout=True, seed=1)
    model.compile("sgd", "mse")
    y = X[:, :1]
    eval_loss = model.evaluate(X, y, verbose=0, batch_size=64)
    pred = model.predict(X, batch_size=64)
    assert eval_loss == pytest.approx(float(np.mean((pred - y) ** 2)), rel=1e-5)
    # one batch: the logged loss is the training-mode loss before the update
    train_loss = model.fit(X, y, epochs=1, batch_size=64, verbose=0).history["loss"][0]
    assert train_loss != pytest.approx(eval_loss, rel=1e-3)


def test_two_output_double_with_list_inputs():
    model = TwoOutputModel(5)
    model.compile("adam", ["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5],
                  metrics=[[], ["acc"]])
    history = model.fit([X[:, :2], X[:, 2:]], [X[:, :1], LABELS], epochs=2, verbose=0)
    assert set(history.history) == {"loss", "reg_loss", "cls_loss", "cls_acc"}
    reg, cls = model.predict([X[:, :2], X[:, 2:]])
    assert reg.shape == (64, 1) and cls.shape == (64, 3)


def test_float64_double_trains_in_float64():
    model = DenseModel(5, 1, dtype="float64")
    model.compile("sgd", "mse")
    x64 = ag.tensor(X.astype(np.float64))
    model.train_on_batch(x64, X[:, :1].astype(np.float64))
    assert all(w.dtype == np.float64 for w in model.weights)
