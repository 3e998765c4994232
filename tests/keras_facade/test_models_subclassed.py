"""Subclassed models: sublayers tracked by attribute assignment, call(), training flag, build,
use inside functional models."""
import numpy as np
import pytest

import autograd_core as ag
from keras_facade import backend as K, layers as L
from keras_facade.models import Model


class TwoLayer(Model):
    def __init__(self, hidden=4, **kwargs):
        super().__init__(**kwargs)
        self.hidden = L.Dense(hidden, activation="relu")
        self.drop = L.Dropout(0.5, seed=0)
        self.out = L.Dense(1)

    def call(self, inputs, training=None):
        return self.out(self.drop(self.hidden(inputs), training=training))


class Residual(Model):
    """Blocks kept in a list; a custom weight assigned directly."""

    def __init__(self):
        super().__init__()
        self.blocks = [L.Dense(3), L.Dense(3)]
        self.gain = K.variable(np.ones(3), name="gain")

    def call(self, inputs):
        x = inputs
        for block in self.blocks:
            x = x + block(x)
        return x * self.gain


def test_sublayers_are_tracked_and_weights_exist_after_the_first_call():
    model = TwoLayer()
    assert model.name == "two_layer" and model.weights == []
    y = model(np.ones((2, 3), "float32"))
    assert y.shape == (2, 1) and isinstance(y, ag.Tensor)
    assert [layer.name for layer in model.layers] == ["dense", "dropout", "dense_1"]
    assert [w.shape for w in model.weights] == [(3, 4), (4,), (4, 1), (1,)]
    assert model.count_params() == 21


def test_lists_of_layers_and_direct_variables_are_tracked():
    model = Residual()
    model(np.ones((1, 3), "float32"))
    assert len(model.layers) == 2
    assert [w.name for w in model.weights] == ["gain", "kernel", "bias", "kernel", "bias"]
    assert len(model.trainable_weights) == 5
    model.gain.assign(np.full(3, 2.0))
    x = np.ones((1, 3), "float32")
    h = x
    for block in model.blocks:
        w, b = block.get_weights()
        h = h + h @ w + b
    np.testing.assert_allclose(model(x).numpy(), 2.0 * h, rtol=1e-5)


def test_training_flag_reaches_nested_layers():
    model = TwoLayer(hidden=200)
    x = np.ones((1, 3), "float32")
    np.testing.assert_array_equal(model(x).numpy(), model(x).numpy())
    hidden = model.hidden(x).numpy()
    dropped = model.drop(model.hidden(x), training=True).numpy()
    assert (dropped == 0).sum() > (hidden == 0).sum()
    assert not np.allclose(model(x, training=True).numpy(), model(x).numpy())


def test_explicit_build_and_gradients():
    model = TwoLayer()
    model.build((None, 5))
    assert model.built and model.hidden.kernel.shape == (5, 4)
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    _, grads = ag.value_and_grad(lambda ws: ag.sum(model(x) ** 2))(model.trainable_weights)
    assert len(grads) == 4 and all(g.shape == w.shape for g, w in zip(grads, model.weights))


def test_subclassed_model_inside_a_functional_model_infers_shapes():
    sub = TwoLayer()
    i = L.Input((6,))
    outer = Model(i, L.Dense(2)(sub(i)))
    assert outer.output_shape == (None, 2)
    assert outer.layers[1] is sub and sub.hidden.kernel.shape == (6, 4)
    assert outer(np.ones((3, 6), "float32")).shape == (3, 2)


def test_subclassed_config_needs_get_config_and_freezing_propagates():
    model = TwoLayer()
    model(np.ones((1, 3), "float32"))
    with pytest.raises(NotImplementedError, match="subclassed model"):
        model.get_config()
    model.trainable = False
    assert model.trainable_weights == [] and not model.hidden.kernel.requires_grad
    assert model.hidden.trainable is False
    with pytest.raises(AttributeError, match="no defined input shape"):
        model.input_shape


def test_missing_call_is_reported():
    class NoCall(Model):
        pass

    with pytest.raises(NotImplementedError, match="must define call"):
        NoCall()(np.ones((1, 2)))


def test_shape_inference_does_not_touch_stateful_rnn_states():
    class Stateful(Model):
        def __init__(self):
            super().__init__()
            self.rnn = L.LSTM(2, stateful=True)

        def call(self, inputs):
            return self.rnn(inputs)

    model = Stateful()
    model(np.ones((4, 3, 2), "float32"))
    before = [s.numpy().copy() for s in model.rnn.states]
    i = L.Input((3, 2))
    assert model(i).shape == (None, 2)
    for a, b in zip(before, model.rnn.states):
        np.testing.assert_array_equal(a, b.numpy())


class Containers(Model):
    def __init__(self):
        super().__init__()
        self.first = L.Dense(3)
        self.heads = {"a": L.Dense(2), "b": L.Dense(2)}
        self.later = []
        self.nested = [[L.Dense(3)], []]
        self.later.append(L.Dense(3))
        self.nested[1].append(L.Dense(3))
        self.heads["c"] = L.Dense(2)

    def call(self, x):
        h = self.nested[1][0](self.nested[0][0](self.later[0](self.first(x))))
        return self.heads["a"](h) + self.heads["b"](h) + self.heads["c"](h)


def test_layers_in_dicts_nested_lists_and_later_appends_are_tracked_and_trained():
    import copy
    import json
    m = Containers()
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    m(x)
    assert len(m.layers) == 7 and len(m.trainable_weights) == 14
    assert m.count_params() == (4 * 3 + 3) + 3 * (3 * 3 + 3) + 3 * (3 * 2 + 2)
    before = [w.numpy().copy() for w in m.trainable_weights]
    m.compile("sgd", "mse")
    m.fit(x, np.ones((8, 2), "float32"), epochs=1, verbose=0)
    assert all(np.any(w.numpy() != b) for w, b in zip(m.trainable_weights, before))
    m.sizes, m.table = [1, 2], {"k": [3]}  # plain values: still plain after copies and JSON
    assert copy.deepcopy(m.sizes) == [1, 2] and type(copy.deepcopy(m.sizes)) is list
    assert type(copy.deepcopy(m.table)) is dict and json.loads(json.dumps(m.table)) == {"k": [3]}
