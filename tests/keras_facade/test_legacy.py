"""Keras 1/2 spellings: translated by one table, one DeprecationWarning each, old+new is an error."""
import warnings

import numpy as np
import pytest

from keras_facade import initializers, legacy, regularizers
from keras_facade.layers import (
    LSTM, Activation, Add, AtrousConvolution2D, AveragePooling1D, BatchNormalization, Concatenate,
    Conv1D, Conv2D, Convolution2D, Deconvolution2D, Dense, Dropout, Embedding, Flatten,
    GaussianNoise, Input, LeakyReLU, MaxPooling2D, ZeroPadding2D, merge)
from keras_facade.models import Model, Sequential

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

def deprecations(fn):
    """Run fn; return (result, messages of the DeprecationWarnings it emitted)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [str(w.message) for w in caught if w.category is DeprecationWarning]


def test_dense_output_dim_is_units_with_one_warning_showing_the_modern_call():
    layer, messages = deprecations(lambda: Dense(output_dim=64, init="he_normal",
                                                 W_regularizer=regularizers.l2(0.01)))
    assert layer.units == 64
    assert isinstance(layer.kernel_initializer, initializers.HeNormal)
    assert isinstance(layer.kernel_regularizer, regularizers.L2)
    assert len(messages) == 1
    assert "Dense(units=64, kernel_initializer=\"he_normal\"" in messages[0]


def test_modern_spellings_do_not_warn():
    _, messages = deprecations(lambda: (Dense(3, activation="relu"), Conv2D(8, (3, 3)),
                                        Conv2D(8, 3, strides=2), Dropout(0.5)))
    assert messages == []


@pytest.mark.parametrize("make", [
    lambda: Dense(3, output_dim=4),
    lambda: Dropout(rate=0.1, p=0.2),
    lambda: Conv2D(4, 3, padding="same", border_mode="same"),
    lambda: LSTM(units=3, output_dim=3),
    lambda: Model(input=Input((2,)), inputs=Input((2,)), output=None),
])
def test_old_and_new_name_together_is_a_type_error(make):
    with pytest.raises(TypeError, match="Stick to the latter"):
        make()


def test_convolution2d_three_ints_mean_a_kernel_as_in_keras2():
    layer, messages = deprecations(lambda: Convolution2D(32, 3, 3))
    assert layer.kernel_size == (3, 3) and layer.strides == (1, 1)
    assert len(messages) == 1 and "Conv2D(32, (3, 3))" in messages[0]
    layer = Conv2D(32, 5, 3, border_mode="same", subsample=(2, 2), dim_ordering="tf")
    assert (layer.kernel_size, layer.padding, layer.strides, layer.data_format) == \
        ((5, 3), "same", (2, 2), "channels_last")
    assert Conv2D(8, 3, nb_col=2).kernel_size == (3, 2)
    assert Conv2D(8, nb_row=2, nb_col=4).kernel_size == (2, 4)


def test_three_positional_ints_with_keras2_keywords_are_refused_under_keras2():
    from keras_facade import config
    with config.use_compat("keras2"), pytest.raises(ValueError, match="kernel_size"):
        Conv2D(32, 3, 3, padding="same")
    assert Conv2D(32, 3, 3, padding="same").strides == (3, 3)  # Keras 3 reads strides


def test_dim_ordering_th_means_channels_first():
    layer = Conv2D(4, 3, 3, dim_ordering="th")
    assert layer.data_format == "channels_first"
    y = layer(np.zeros((1, 2, 5, 5), "float32"))
    assert y.shape == (1, 4, 3, 3)


def test_recurrent_keras1_arguments():
    layer, messages = deprecations(lambda: LSTM(output_dim=8, inner_init="orthogonal",
                                                inner_activation="hard_sigmoid", dropout_W=0.1,
                                                dropout_U=0.2, consume_less="gpu", input_dim=5,
                                                input_length=7, forget_bias_init="one"))
    assert (layer.units, layer.dropout, layer.recurrent_dropout, layer.implementation) == \
        (8, 0.1, 0.2, 2)
    assert layer.unit_forget_bias and layer._batch_input_shape == (None, 7, 5)
    assert len(messages) == 1 and "LSTM(units=8" in messages[0]


def test_other_layer_conversions():
    assert Dropout(p=0.3).rate == 0.3
    assert GaussianNoise(sigma=0.2).stddev == 0.2
    pool = AveragePooling1D(pool_length=3, stride=1, border_mode="same")
    assert (pool.pool_size, pool.strides, pool.padding) == ((3,), (1,), "same")
    assert ZeroPadding2D(padding={"top_pad": 1, "bottom_pad": 2, "left_pad": 3,
                                  "right_pad": 4}).padding == ((1, 2), (3, 4))
    conv = Conv1D(nb_filter=4, filter_length=3, subsample_length=2, input_dim=6, input_length=10)
    assert (conv.filters, conv.kernel_size, conv.strides, conv._batch_input_shape) == \
        (4, (3,), (2,), (None, 10, 6))
    assert LeakyReLU(alpha=0.1).negative_slope == 0.1
    deconv = Deconvolution2D(3, 3, 3, (None, 14, 14, 3), subsample=(2, 2))
    assert (deconv.kernel_size, deconv.strides) == ((3, 3), (2, 2))
    assert AtrousConvolution2D(4, 3, 3, atrous_rate=(2, 2)).dilation_rate == (2, 2)
    bn, messages = deprecations(lambda: BatchNormalization(mode=0, gamma_init="zeros"))
    assert isinstance(bn.gamma_initializer, initializers.Zeros) and len(messages) == 1
    with pytest.raises(TypeError, match="mode=2"):
        BatchNormalization(mode=2)


def test_embedding_dropout_is_dropped_with_a_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = Embedding(10, 4, dropout=0.2, init="normal")
    assert isinstance(layer.embeddings_initializer, initializers.RandomNormal)
    assert any("SpatialDropout1D" in str(w.message) for w in caught)


def test_model_input_output_keywords_and_input_dtype():
    inp, messages = deprecations(lambda: Input(shape=(3,), input_dtype="int32"))
    assert inp.dtype == "int32" and len(messages) == 1
    x = Input((3,))
    model, messages = deprecations(lambda: Model(input=x, output=Dense(2)(x)))
    assert model.inputs == [x] and model.output_shape == (None, 2)
    assert len(messages) == 1 and "Model(inputs=" in messages[0]


def test_merge_modes_map_to_keras2_layers():
    a, b = Input((4,)), Input((4,))
    out, messages = deprecations(lambda: merge([a, b], mode="concat", concat_axis=-1))
    assert isinstance(out._keras_history[0], Concatenate) and out.shape == (None, 8)
    assert len(messages) == 1 and "Concatenate(axis=-1)" in messages[0]
    assert isinstance(merge([a, b], mode="sum")._keras_history[0], Add)
    cos = merge([a, b], mode="cos", dot_axes=1)
    assert cos._keras_history[0].normalize and cos.shape == (None, 1)
    with pytest.raises(ValueError, match="unknown mode"):
        merge([a, b], mode="median")


def test_unknown_keyword_is_a_type_error_naming_it_and_the_layer():
    with pytest.raises(TypeError, match=r"Dense.*'foo'"):
        Dense(3, foo=1)
    with pytest.raises(TypeError, match=r"Conv2D.*'border'"):
        Conv2D(3, 3, border="same")


def test_the_table_is_one_place_for_methods_too():
    args, kwargs = legacy.convert("fit", ["x", "y"], {"nb_epoch": 3})
    assert kwargs == {"epochs": 3}
    class Gen:
        batch_size = 32
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        _, kwargs = legacy.convert("fit_generator", [Gen()], {"samples_per_epoch": 320,
                                                              "nb_val_samples": 64})
    assert kwargs == {"steps_per_epoch": 10, "validation_steps": 64}
    assert legacy.convert("optimizer", [], {"lr": 0.1})[1] == {"learning_rate": 0.1}


def _blog_cnn(modern):
    """The 2016 blog model, in its Keras 1 spelling or the modern one."""
    model = Sequential()
    if modern:
        model.add(Conv2D(32, (3, 3), input_shape=(150, 150, 3)))
    else:
        model.add(Convolution2D(32, 3, 3, input_shape=(150, 150, 3)))
    model.add(Activation("relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    for filters in (32, 64):
        model.add(Conv2D(filters, (3, 3)) if modern else Convolution2D(filters, 3, 3))
        model.add(Activation("relu"))
        model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Flatten())
    model.add(Dense(64) if modern else Dense(output_dim=64))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(1) if modern else Dense(output_dim=1))
    model.add(Activation("sigmoid"))
    return model


def test_blog_sequential_cnn_builds_with_warnings_and_the_modern_parameter_count():
    old, messages = deprecations(lambda: _blog_cnn(modern=False))
    assert len(messages) == 5  # three Convolution2D(., 3, 3) and two Dense(output_dim=.)
    modern = _blog_cnn(modern=True)
    # 150 -conv-> 148 -pool-> 74 -conv-> 72 -pool-> 36 -conv-> 34 -pool-> 17
    expected = (3 * 3 * 3 * 32 + 32) + (3 * 3 * 32 * 32 + 32) + (3 * 3 * 32 * 64 + 64) \
        + (17 * 17 * 64 * 64 + 64) + (64 + 1)
    assert old.count_params() == modern.count_params() == expected
    assert [w.shape for w in old.weights] == [w.shape for w in modern.weights]
    assert old.output_shape == (None, 1)


def test_blog_functional_model_with_input_and_output_keywords():
    def build(modern):
        inp = Input(shape=(150, 150, 3))
        if modern:
            x = Conv2D(32, (3, 3), activation="relu", padding="same")(inp)
        else:
            x = Convolution2D(32, 3, 3, activation="relu", border_mode="same")(inp)
        x = Flatten()(MaxPooling2D((2, 2))(x))
        out = (Dense(1, activation="sigmoid") if modern else
               Dense(output_dim=1, activation="sigmoid"))(x)
        return Model(inputs=inp, outputs=out) if modern else Model(input=inp, output=out)

    old, messages = deprecations(lambda: build(False))
    assert len(messages) == 3
    modern = build(True)
    assert old.count_params() == modern.count_params() == 896 + 75 * 75 * 32 + 1
    x = np.random.default_rng(0).random((2, 150, 150, 3), dtype=np.float32)
    old.set_weights(modern.get_weights())
    np.testing.assert_allclose(old(x).numpy(), modern(x).numpy(), rtol=1e-5)
