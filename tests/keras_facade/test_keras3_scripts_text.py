"""Regressions found by running the keras.io text and timeseries examples (transformer and
bidirectional LSTM on IMDB, text classification from raw files, timeseries classification and
forecasting, captcha OCR with CTC) on the facade, checked against Keras 3."""
import re
import string

import numpy as np
import pytest

import keras_facade as keras
from keras_facade import layers, ops
from keras_facade.preprocessing.dataset import Dataset

RNG = np.random.default_rng(16)


def test_dataset_elements_answer_numpy_like_tf_tensors():
    ds = Dataset.from_tensor_slices((np.arange(6.0).reshape(3, 2), np.array([0, 1, 1]))).batch(2)
    x, y = next(iter(ds.take(1)))
    assert isinstance(x.numpy(), np.ndarray) and type(x.numpy()) is np.ndarray
    np.testing.assert_array_equal(x.numpy(), [[0.0, 1.0], [2.0, 3.0]])
    assert y.numpy()[1] == 1
    assert [b[0].shape for b in ds] == [(2, 2), (1, 2)]


def _strip_html(batch):
    """A batch standardizer written for whole arrays of strings."""
    lowered = np.char.lower(np.asarray(batch).astype(str))
    text = np.char.replace(lowered, "<br />", " ")
    return np.vectorize(lambda s: re.sub(f"[{re.escape(string.punctuation)}]", "", s))(text)


def test_text_vectorization_calls_a_custom_standardizer_on_the_whole_batch():
    seen = []

    def standardize(batch):
        seen.append(np.shape(batch))
        return _strip_html(batch)

    layer = layers.TextVectorization(standardize=standardize, output_sequence_length=4)
    layer.adapt(np.array(["Good<br />movie!", "bad movie", "Good, good"]))
    assert seen == [(3,)]
    assert layer.get_vocabulary() == ["", "[UNK]", "good", "movie", "bad"]
    out = layer(np.array([["GOOD movie<br />x"], ["bad"]]))
    np.testing.assert_array_equal(out.numpy(), [[2, 3, 1, 0], [4, 0, 0, 0]])
    assert seen[-1] == (2,)


def test_string_input_feeds_text_vectorization_in_a_functional_model():
    vectorize = layers.TextVectorization(output_sequence_length=3)
    vectorize.adapt(np.array(["a b", "b c"]))
    inputs = keras.Input(shape=(1,), dtype="string")
    assert inputs.dtype == "string"
    ids = vectorize(inputs)
    outputs = layers.Embedding(vectorize.vocabulary_size(), 2)(ids)
    model = keras.Model(inputs, outputs)
    # strings of shape (n,) feed an input of shape (None, 1), as in Keras
    assert model.predict(np.array(["b a", "c"]), verbose=0).shape == (2, 3, 2)
    assert model.predict(np.array([["b a"], ["c"]]), verbose=0).shape == (2, 3, 2)


def test_model_input_rank_is_adjusted_by_a_trailing_unit_axis():
    inputs = keras.Input((4, 1))
    model = keras.Model(inputs, layers.Flatten()(inputs))
    x = RNG.normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(model(x).numpy(), x)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, inputs * 2.0)
    np.testing.assert_allclose(model(x[..., None]).numpy(), 2 * x, rtol=1e-6)
    with pytest.raises(ValueError, match="expected shape=\\(None, 4\\), found shape=\\(2, 3\\)"):
        model(np.ones((2, 3), "float32"))


class _EndpointLoss(layers.Layer):
    """Adds a per-sample (batch, 1) loss, like the CTC endpoint layer of the OCR example."""

    def call(self, y_true, y_pred):
        self.add_loss(ops.mean(ops.square(y_pred - y_true), axis=-1, keepdims=True))
        return y_pred


def _endpoint_model():
    x_in, y_in = keras.Input((3,), name="x"), keras.Input((2,), name="y")
    model = keras.Model([x_in, y_in], _EndpointLoss()(y_in, layers.Dense(2)(x_in)))
    model.compile(optimizer=keras.optimizers.SGD(0.0))
    return model


def test_fit_on_a_dict_of_inputs_without_targets_sums_a_per_sample_added_loss():
    model = _endpoint_model()
    data = {"x": RNG.normal(size=(6, 3)).astype("float32"),
            "y": RNG.normal(size=(6, 2)).astype("float32")}
    pred = model.predict(data, verbose=0)
    per_sample = ((pred - data["y"]) ** 2).mean(axis=-1)
    val = {k: v[:2] for k, v in data.items()}
    history = model.fit(data, validation_data=(val,), batch_size=6, epochs=1, verbose=0)
    assert history.history["loss"] == [pytest.approx(per_sample.sum(), rel=1e-5)]
    assert history.history["val_loss"] == [pytest.approx(per_sample[:2].sum(), rel=1e-5)]
    assert model.evaluate(data, batch_size=3, verbose=0) == pytest.approx(
        (per_sample[:3].sum() + per_sample[3:].sum()) / 2, rel=1e-5)


def test_targets_are_still_required_with_a_compiled_loss():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="fit: targets y are required"):
        model.fit(np.ones((4, 3), "float32"), verbose=0)


def _two_output_model(loss):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, [layers.Dense(2, name="a")(inputs),
                                 layers.Dense(1, name="b")(inputs)])
    model.compile(keras.optimizers.SGD(0.0), loss=loss)
    return model


def test_targets_for_only_the_outputs_with_a_loss_and_a_single_loss_name():
    # the miniature GPT example: outputs [probabilities, features], loss [sce, None], y one array
    model = _two_output_model([None, "mse"])
    x = RNG.normal(size=(4, 3)).astype("float32")
    y = RNG.normal(size=(4, 1)).astype("float32")
    expected = ((model.predict(x, verbose=0)[1] - y) ** 2).mean()
    history = model.fit(x, y, batch_size=4, verbose=0)
    assert history.history == {"loss": [pytest.approx(expected, rel=1e-5)]}
    assert model.evaluate(x, [y], verbose=0) == pytest.approx(expected, rel=1e-5)
    both = _two_output_model(["mse", "mse"])
    history = both.fit(x, [np.zeros((4, 2)), y], verbose=0)
    assert sorted(history.history) == ["a_loss", "b_loss", "loss"]
    with pytest.raises(ValueError, match="single array"):
        both.fit(x, y, verbose=0)


def test_keras2_reduction_names_for_a_masked_custom_loss():
    # the NER example: per-token losses (Reduction.NONE), masked and averaged by hand
    assert keras.losses.Reduction.NONE == "none" and "sum" in keras.losses.Reduction.all()
    with pytest.raises(ValueError, match="Invalid Reduction key 'avg'"):
        keras.losses.Reduction.validate("avg")
    per_token = keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, reduction=keras.losses.Reduction.NONE)
    logits = RNG.normal(size=(2, 3, 4)).astype("float32")
    y = np.array([[1, 2, 0], [3, 0, 0]])
    shifted = logits - logits.max(-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    expected = -np.take_along_axis(log_p, y[..., None], -1)[..., 0]
    np.testing.assert_allclose(per_token(y, logits).numpy(), expected, rtol=1e-5)


def test_convert_to_tensor_keeps_strings_for_an_end_to_end_text_model():
    strings = ops.convert_to_tensor([["the cat sat"]])
    assert strings.shape == (1, 1) and strings.dtype.kind == "U"
    vectorize = layers.TextVectorization(output_sequence_length=4)
    vectorize.adapt(np.array(["the cat", "the mat sat"]))
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, vectorize(inputs))
    # "the" first, then the ties from the larger token down: sat, mat, cat
    np.testing.assert_array_equal(model(strings).numpy(), [[2, 5, 3, 0]])
    with pytest.raises(TypeError, match="convert_to_tensor"):
        ops.convert_to_tensor(["a"], dtype="float32")


def _masked_model():
    inputs = keras.Input((None,), dtype="int32")
    x = layers.Embedding(10, 4, mask_zero=True)(inputs)
    model = keras.Model(inputs, layers.Dense(5, activation="softmax")(x))
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_padding_masks_leave_losses_and_metrics():
    model = _masked_model()
    x = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    y = np.array([[1, 2, 3, 4], [0, 1, 1, 1]])
    p = model.predict(x, verbose=0)
    nll = -np.log(np.take_along_axis(p, y[..., None], -1)[..., 0])
    keep = x != 0
    loss, acc = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(nll[keep].mean(), rel=1e-5)
    assert acc == pytest.approx((p.argmax(-1) == y)[keep].mean())
    direct = keras.losses.SparseCategoricalCrossentropy()(y, model(x))
    assert float(direct.numpy()) == pytest.approx(nll[keep].mean(), rel=1e-5)
    weights = np.array([1.0, 3.0])
    loss = model.evaluate(x, y, sample_weight=weights, verbose=0)[0]
    w = (keep * weights[:, None]).astype(float)
    assert loss == pytest.approx((nll * w).sum() / keep.sum(), rel=1e-5)


class _PaddingAttention(layers.Layer):
    """Uses the mask unconditionally, as the translation example's encoder does."""

    def __init__(self):
        super().__init__()
        self.attention = layers.MultiHeadAttention(num_heads=2, key_dim=4)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        padding_mask = ops.cast(mask[:, None, :], dtype="int32")
        return self.attention(inputs, inputs, attention_mask=padding_mask)


def test_a_layer_taking_mask_receives_one_while_the_model_is_built():
    inputs = keras.Input((None,), dtype="int64")
    x = layers.Embedding(20, 8, mask_zero=True)(inputs)
    outputs = _PaddingAttention()(x)
    assert tuple(outputs.shape) == (None, None, 8)
    model = keras.Model(inputs, layers.Dense(3)(outputs))
    short, padded = np.array([[4, 5, 6]]), np.array([[4, 5, 6, 0, 0, 0]])
    # the padding is masked out of the attention: the real tokens' outputs do not change
    np.testing.assert_allclose(model(padded).numpy()[0, :3], model(short).numpy()[0], rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(TypeError):  # without a masking layer there is no mask to use
        _PaddingAttention()(keras.Input((3, 8)))


def test_sublayers_may_be_assigned_before_the_base_init():
    # the switch-transformer example's Router sets its Dense before super().__init__()
    class Router(layers.Layer):
        def __init__(self, units):
            self.route = layers.Dense(units)
            self.experts = [layers.Dense(units), layers.Dense(units)]
            super().__init__()

        def call(self, x):
            return self.route(x) + self.experts[0](x) + self.experts[1](x)

    router = Router(2)
    assert router(np.ones((1, 3), "float32")).shape == (1, 2)
    assert len(router.trainable_weights) == 6
    assert [l.name for l in router._flatten_layers(include_self=False)][:1] == [router.route.name]
