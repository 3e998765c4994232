"""Data fed to fit/evaluate/predict: several inputs and outputs (lists and dicts), Python generators,
Sequences, ImageDataGenerator iterators and the Keras 2 generator methods."""
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

from keras_facade import callbacks, config
from keras_facade.layers import Concatenate, Dense, Flatten, Input
from keras_facade.models import Model, Sequential
from keras_facade.preprocessing.image import ImageDataGenerator
from keras_facade.utils import Sequence

RNG = np.random.default_rng(4)
XA = RNG.normal(size=(40, 2)).astype("float32")
XB = RNG.normal(size=(40, 3)).astype("float32")
Y_REG = (XA[:, :1] - XB[:, 1:2]).astype("float32")
Y_CLS = RNG.integers(0, 3, size=40)


def two_in_two_out(**compile_kwargs):
    a, b = Input((2,), name="a"), Input((3,), name="b")
    h = Concatenate()([a, b])
    m = Model([a, b], [Dense(1, name="reg")(h), Dense(3, activation="softmax", name="cls")(h)])
    m.compile("adam", **compile_kwargs)
    return m


def test_multi_input_multi_output_with_dicts_and_lists():
    m = two_in_two_out(loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                       loss_weights={"reg": 0.5, "cls": 2.0}, metrics={"cls": ["acc"]})
    history = m.fit({"a": XA, "b": XB}, {"reg": Y_REG, "cls": Y_CLS}, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "reg_loss", "cls_loss", "cls_acc"}
    logs = m.evaluate([XA, XB], [Y_REG, Y_CLS], verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(0.5 * logs["reg_loss"] + 2.0 * logs["cls_loss"], rel=1e-5)
    reg, cls = m.predict([XA, XB])
    assert reg.shape == (40, 1) and cls.shape == (40, 3)
    assert logs["reg_loss"] == pytest.approx(np.mean((reg - Y_REG) ** 2), rel=1e-5)
    assert logs["cls_acc"] == pytest.approx(np.mean(cls.argmax(-1) == Y_CLS))
    assert m.metrics_names == ["loss", "reg_loss", "cls_loss", "cls_acc"]


def test_one_loss_and_metric_list_apply_to_every_output():
    m = two_in_two_out(loss="mse", metrics=["mae"])
    y_cls = np.eye(3, dtype="float32")[Y_CLS]
    with pytest.warns(DeprecationWarning, match="one entry per output"):
        history = m.fit([XA, XB], [Y_REG, y_cls], epochs=1, verbose=0)
    assert set(history.history) == {"loss", "reg_loss", "cls_loss", "reg_mae", "cls_mae"}
    with pytest.raises(ValueError, match="2 output"):
        m.fit([XA, XB], Y_REG, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="not outputs"):
        two_in_two_out(loss={"reg": "mse", "clss": "mse"}).fit([XA, XB], [Y_REG, y_cls], verbose=0)


def test_a_metric_list_with_one_entry_per_output_maps_onto_the_outputs():
    y_cls = np.eye(3, dtype="float32")[Y_CLS]
    m = two_in_two_out(loss="mse", metrics=["mae", "acc"])
    history = m.fit([XA, XB], [Y_REG, y_cls], epochs=1, verbose=0)
    assert set(history.history) == {"loss", "reg_loss", "cls_loss", "reg_mae", "cls_acc"}
    with config.use_compat("keras2"):  # Keras 2: every metric on every output
        m = two_in_two_out(loss="mse", metrics=["mae", "acc"])
        history = m.fit([XA, XB], [Y_REG, y_cls], epochs=1, verbose=0)
    assert {"reg_mae", "reg_acc", "cls_mae", "cls_acc"} <= set(history.history)


def simple():
    m = Sequential([Dense(1, input_shape=(2,))])
    m.compile("sgd", "mse", metrics=["mae"])
    return m


def batches(n_batches=None, batch=8):
    i = 0
    while n_batches is None or i < n_batches:
        start = (i * batch) % 40
        yield XA[start:start + batch], Y_REG[start:start + batch]
        i += 1


def test_python_generators_take_steps_or_run_until_they_stop():
    m = simple()
    history = m.fit(batches(), steps_per_epoch=5, epochs=2, verbose=0,
                    validation_data=batches(), validation_steps=5)
    assert history.params["steps"] == 5 and len(history.history["val_loss"]) == 2
    assert int(m.optimizer.iterations.item()) == 10
    m.fit(batches(4), epochs=1, verbose=0)  # without steps: one pass, as Keras 3
    assert int(m.optimizer.iterations.item()) == 14
    with pytest.warns(UserWarning, match="ran out of data after epoch 1 of 3"):
        history = m.fit(batches(3), epochs=3, verbose=0)
    assert history.epoch == [0] and int(m.optimizer.iterations.item()) == 17
    assert m.evaluate(batches(2), verbose=0) == pytest.approx(
        m.evaluate(XA[:16], Y_REG[:16], batch_size=8, verbose=0), rel=1e-6)
    assert m.predict(batches(3), verbose=0).shape == (24, 1)
    with pytest.warns(UserWarning, match="ran out of data"):
        history = m.fit(batches(7), steps_per_epoch=5, epochs=3, verbose=0)
    assert history.epoch == [0, 1]  # stopped during the second epoch
    with pytest.raises(ValueError, match="do not pass y"):
        m.fit(batches(), Y_REG, steps_per_epoch=2, verbose=0)


class Counting(Sequence):
    def __init__(self, batch=8):
        super().__init__()
        self.batch, self.epochs_ended, self.requested = batch, 0, []

    def __len__(self):
        return int(np.ceil(40 / self.batch))

    def __getitem__(self, index):
        self.requested.append(index)
        s = slice(index * self.batch, (index + 1) * self.batch)
        return XA[s], Y_REG[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_sequence_length_order_and_on_epoch_end():
    m = simple()
    seq = Counting()
    m.fit(seq, epochs=3, verbose=0, shuffle=False)
    assert seq.epochs_ended == 3 and seq.requested == [0, 1, 2, 3, 4] * 3
    seq = Counting()
    np.random.seed(1)
    m.fit(seq, epochs=2, verbose=0, shuffle=True)
    first, second = seq.requested[:5], seq.requested[5:]
    assert sorted(first) == sorted(second) == [0, 1, 2, 3, 4] and first != [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="validation_split"):
        m.fit(Counting(), validation_split=0.2, verbose=0)


def test_evaluate_and_predict_generators_match_arrays():
    m = simple()
    seq = Counting(batch=7)
    np.testing.assert_allclose(m.evaluate_generator(seq), m.evaluate(XA, Y_REG, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(m.predict_generator(seq), m.predict(XA), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(m.predict(batches(5), steps=5), m.predict(XA), rtol=1e-6, atol=1e-6)


def test_fit_generator_with_keras1_arguments():
    m = simple()
    seq = Counting()
    seq.batch_size = 8
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = m.fit_generator(seq, samples_per_epoch=24, nb_epoch=2, verbose=0,
                                  validation_data=Counting(), nb_val_samples=2)
    messages = " ".join(str(w.message) for w in caught)
    assert "steps_per_epoch" in messages and "epochs" in messages
    assert history.params["steps"] == 3 and history.epoch == [0, 1]


def test_image_data_generator_iterators_train_like_sequences():
    images = RNG.uniform(size=(24, 4, 4, 1)).astype("float32")
    labels = (images.mean(axis=(1, 2, 3)) > 0.5).astype("float32")
    m = Sequential([Flatten(input_shape=(4, 4, 1)), Dense(1, activation="sigmoid")])
    m.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    flow = ImageDataGenerator(rescale=2.0).flow(images, labels, batch_size=8, shuffle=False)
    history = m.fit(flow, epochs=2, verbose=0, validation_data=flow)
    assert history.params["steps"] == 3 and len(history.history["val_accuracy"]) == 2
    pred = m.predict_generator(ImageDataGenerator(rescale=2.0).flow(images, batch_size=5,
                                                                   shuffle=False))
    np.testing.assert_allclose(pred, m.predict(images * 2.0), rtol=1e-5)


def test_predict_batches_concatenate_in_order_and_keep_no_graph():
    m = simple()
    out = m.predict(XA, batch_size=7)
    assert out.shape == (40, 1)
    np.testing.assert_allclose(out, XA @ m.layers[0].kernel.numpy() + m.layers[0].bias.numpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.predict_on_batch(XA[:3]), out[:3], rtol=1e-6, atol=1e-6)


def test_batch_logs_reach_user_callbacks_as_numbers():
    m = simple()
    seen = []
    m.fit(XA, Y_REG, batch_size=20, epochs=1, verbose=0, callbacks=[
        callbacks.LambdaCallback(on_batch_end=lambda b, logs: seen.append(dict(logs)))])
    assert [set(s) for s in seen] == [{"batch", "size", "loss", "mae"}] * 2
    assert all(isinstance(s["loss"], float) for s in seen)


@given(n=st.integers(1, 60), batch_size=st.integers(1, 17), shuffle=st.sampled_from([False, True, "batch"]),
       seed=st.integers(0, 2 ** 16))
def test_array_batches_cover_every_sample_once_per_epoch(n, batch_size, shuffle, seed):
    from keras_facade.training.data_adapter import ArrayBatches
    np.random.seed(seed)
    x = np.arange(n, dtype="float32")[:, None]
    source = ArrayBatches(x, x * 2, np.ones(n, dtype="float32"), batch_size, shuffle)
    for _ in range(2):
        batches = list(source.epoch())
        assert len(batches) == source.steps == -(-n // batch_size)
        seen = np.concatenate([xb[:, 0] for xb, _, _ in batches])
        assert sorted(seen.tolist()) == list(range(n))
        for xb, yb, wb in batches:  # rows stay aligned across arrays
            np.testing.assert_array_equal(yb, xb * 2)
            assert len(wb) == len(xb)
        assert all(len(xb) == batch_size for xb, _, _ in batches[:-1])


def test_steps_without_batch_size_cover_the_arrays_once_per_epoch():
    m, ref = simple(), simple()
    ref.set_weights(m.get_weights())
    m.fit(XA[:10], Y_REG[:10], steps_per_epoch=2, shuffle=False, verbose=0)
    assert int(m.optimizer.iterations.item()) == 2
    ref.fit(XA[:10], Y_REG[:10], batch_size=5, shuffle=False, verbose=0)  # ceil(10 / 2) = 5
    for a, b in zip(m.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
