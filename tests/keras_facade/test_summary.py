"""model.summary(): the Keras 2.3 plain-text layout."""
import numpy as np
import pytest

from keras_facade import backend as K, config
from keras_facade.layers import (Add, Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D)
from keras_facade.models import Model, Sequential


@pytest.fixture
def keras2_names():
    previous = config.set_compat("keras2")
    K.clear_session()
    yield
    config.set_compat(previous)
    K.clear_session()


def blog_cnn(size):
    """The blog's CNN: 32,32 / 64,64 / 128,128 / 256,256 3x3 'same' relu convolutions, a 2x2 max
    pooling after each pair, then Dense 256 / Dropout .5 / Dense 256 / Dropout .5 / Dense 1."""
    model = Sequential()
    model.add(Conv2D(32, (3, 3), padding="same", activation="relu", input_shape=(size, size, 3)))
    model.add(Conv2D(32, (3, 3), padding="same", activation="relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    for filters in (64, 128, 256):
        model.add(Conv2D(filters, (3, 3), padding="same", activation="relu"))
        model.add(Conv2D(filters, (3, 3), padding="same", activation="relu"))
        model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Flatten())
    model.add(Dense(256, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(256, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(1, activation="sigmoid"))
    return model


RULE, DOUBLE = "_" * 65, "=" * 65
# Columns end at 29/55/65 (0.45, 0.85, 1.0 of 65); a field is cut at its column end and the last
# character before the next field becomes a space ("max_pooling2d_1 (MaxPooling2D)" is 30 chars).
BLOG_CNN_64 = [
    'Model: "sequential_1"',
    RULE,
    "Layer (type)                 Output Shape              Param #   ",
    DOUBLE,
    "conv2d_1 (Conv2D)            (None, 64, 64, 32)        896       ", RULE,
    "conv2d_2 (Conv2D)            (None, 64, 64, 32)        9248      ", RULE,
    "max_pooling2d_1 (MaxPooling2 (None, 32, 32, 32)        0         ", RULE,
    "conv2d_3 (Conv2D)            (None, 32, 32, 64)        18496     ", RULE,
    "conv2d_4 (Conv2D)            (None, 32, 32, 64)        36928     ", RULE,
    "max_pooling2d_2 (MaxPooling2 (None, 16, 16, 64)        0         ", RULE,
    "conv2d_5 (Conv2D)            (None, 16, 16, 128)       73856     ", RULE,
    "conv2d_6 (Conv2D)            (None, 16, 16, 128)       147584    ", RULE,
    "max_pooling2d_3 (MaxPooling2 (None, 8, 8, 128)         0         ", RULE,
    "conv2d_7 (Conv2D)            (None, 8, 8, 256)         295168    ", RULE,
    "conv2d_8 (Conv2D)            (None, 8, 8, 256)         590080    ", RULE,
    "max_pooling2d_4 (MaxPooling2 (None, 4, 4, 256)         0         ", RULE,
    "flatten_1 (Flatten)          (None, 4096)              0         ", RULE,
    "dense_1 (Dense)              (None, 256)               1048832   ", RULE,
    "dropout_1 (Dropout)          (None, 256)               0         ", RULE,
    "dense_2 (Dense)              (None, 256)               65792     ", RULE,
    "dropout_2 (Dropout)          (None, 256)               0         ", RULE,
    "dense_3 (Dense)              (None, 1)                 257       ",
    DOUBLE,
    "Total params: 2,287,137",
    "Trainable params: 2,287,137",
    "Non-trainable params: 0",
    RULE,
]


def collect(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def test_blog_cnn_summary_is_the_keras2_text(keras2_names):
    assert collect(blog_cnn(64)) == BLOG_CNN_64


def test_blog_cnn_150_pixels_floors_the_poolings(keras2_names):
    lines = collect(blog_cnn(150))
    assert "max_pooling2d_4 (MaxPooling2 (None, 9, 9, 256)         0         " in lines
    assert "flatten_1 (Flatten)          (None, 20736)             0         " in lines
    assert "dense_1 (Dense)              (None, 256)               5308672   " in lines
    assert lines[-4:-1] == ["Total params: 6,546,977", "Trainable params: 6,546,977",
                            "Non-trainable params: 0"]


def test_print_fn_gets_one_line_per_call_and_default_prints(capsys):
    model = Sequential([Dense(2, input_shape=(3,))])
    calls = collect(model)
    assert all("\n" not in line for line in calls) and len(calls) == 10  # title, rule, header, =, row, =, 3 totals, rule
    model.summary()
    assert capsys.readouterr().out.splitlines() == calls


def test_non_trainable_parameters_are_counted_apart():
    from keras_facade.layers import BatchNormalization
    model = Sequential([Dense(4, input_shape=(3,)), BatchNormalization()])
    model.layers[0].trainable = False
    assert collect(model)[-4:-1] == ["Total params: 32", "Trainable params: 8",
                                     "Non-trainable params: 24"]


def test_branching_functional_model_has_the_connected_to_column(keras2_names):
    a, b = Input((4,), name="a"), Input((4,), name="b")
    shared = Dense(3, name="shared")
    model = Model([a, b], Add(name="sum")([shared(a), shared(b)]))
    lines = collect(model)
    width = 98  # columns end at int(98 * (.33, .55, .67, 1)) = 32/53/65/98
    assert lines[1] == "_" * width and lines[3] == "=" * width
    assert lines[2] == ("Layer (type)" + " " * 20 + "Output Shape" + " " * 9 + "Param #" + " " * 5
                        + "Connected to" + " " * 21)
    row = lines.index("shared (Dense)" + " " * 18 + "(None, 3)" + " " * 12 + "15" + " " * 10
                      + "a[0][0]" + " " * 26)
    assert lines[row + 1] == " " * 65 + "b[0][0]" + " " * 26
    assert "sum (Add)" + " " * 23 + "(None, 3)" + " " * 12 + "0" + " " * 11 + "shared[0][0]" \
        + " " * 21 in lines
    assert lines[row + 2] == "_" * width


def test_shared_layer_with_different_shapes_shows_multiple_and_nested_models_count_node_one(
        keras2_names):
    inner = Sequential([Dense(2, input_shape=(3,))])
    x = Input((3,))
    y = inner(x)
    conv = Conv2D(2, 1)
    p, q = Input((4, 4, 1)), Input((5, 5, 1))
    model = Model([x, p, q], [Dense(1)(y), Flatten()(conv(p)), Flatten()(conv(q))])
    lines = collect(model)
    conv_row = next(line for line in lines if line.startswith("conv2d_1 (Conv2D)"))
    assert conv_row.split()[2] == "multiple"
    assert any("sequential_1[1][0]" in line for line in lines)


def test_subclassed_model_shows_multiple_and_custom_widths_apply():
    class Tiny(Model):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(4)
            self.out = Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    model = Tiny()
    model(np.zeros((2, 3), "float32"))
    lines = collect(model, line_length=40, positions=[0.5, 0.8, 1.0])
    assert lines[1] == "_" * 40
    assert lines[4] == "dense (Dense)       multiple    16      "
    assert lines[-4] == "Total params: 21"


def test_unbuilt_model_summary_is_an_error(keras2_names):  # Keras 3 prints '?' rows instead
    with pytest.raises(ValueError, match="has not yet been built"):
        Sequential([Dense(2)]).summary()
