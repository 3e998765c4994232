"""The Keras 2 progress bar: exact text with a fake stream and a fake clock."""
import io
import re

import numpy as np
import pytest

from keras_facade.training.progbar import Progbar, format_eta, format_per_unit, format_value


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def make(target=100, stream=None, **kwargs):
    clock = Clock()
    stream = stream if stream is not None else io.StringIO()
    return Progbar(target, stream=stream, clock=clock, **kwargs), clock, stream


def test_log_file_gets_one_line_per_redraw_and_averages_by_units():
    bar, clock, out = make()
    clock.now = 1.0
    bar.update(25, [("loss", 0.5)])
    clock.now = 1.01  # within 0.05 s of the last redraw: recorded but not drawn
    bar.update(50, [("loss", 1.0)])
    clock.now = 2.0
    bar.update(100, [("loss", 0.25)])
    assert out.getvalue() == (
        "\n 25/100 [======>.......................] - ETA: 3s - loss: 0.5000"
        "\n100/100 [==============================] - 2s 20ms/step - loss: 0.5000\n")
    assert "\b" not in out.getvalue() and "\r" not in out.getvalue()


def test_terminal_redraw_backspaces_over_previous_line_and_pads():
    bar, clock, out = make(target=10, stream=Terminal())
    clock.now = 1.0
    bar.update(1, [("loss", 123.25), ("acc", 0.5)])
    first = " 1/10 [==>...........................] - ETA: 9s - loss: 123.2500 - acc: 0.5000"
    clock.now = 2.0
    bar.update(10, [("loss", 0.0)])
    # loss average: (123.25*1 + 0*9) / 10; stateless acc keeps its single sample
    second = "10/10 [==============================] - 2s 200ms/step - loss: 12.3250 - acc: 0.5000"
    assert out.getvalue() == "\r" + first + "\b" * len(first) + "\r" + second + "\n"
    bar2, clock2, out2 = make(target=10, stream=Terminal())
    clock2.now = 1.0
    bar2.update(1, [("loss", 123456.0)])
    clock2.now = 2.0
    bar2.update(2, [("loss", 0.0)])
    lines = out2.getvalue().split("\r")[1:]
    assert len(lines[0].rstrip("\b")) == len(lines[1])  # the shorter line is padded with spaces


def test_stateful_metrics_are_shown_as_given():
    bar, clock, out = make(target=4, stateful_metrics={"acc"})
    clock.now = 1.0
    bar.update(2, [("acc", 0.25)])
    clock.now = 2.0
    bar.update(4, [("acc", 0.75)])
    assert out.getvalue().endswith(" - acc: 0.7500\n")


def test_verbose_2_prints_one_line_at_the_target():
    bar, clock, out = make(target=8, verbose=2)
    clock.now = 0.5
    bar.update(4, [("loss", 0.5)])
    assert out.getvalue() == ""
    clock.now = 3.2
    bar.update(8, [("loss", -1.5)])  # average (0.5*4 - 1.5*4) / 8 = -0.5
    # the verbose=2 path compares v (not |v|) with 1e-3, as Keras 2 did
    assert out.getvalue() == " - 3s - loss: -5.0000e-01\n"


def test_bar_shapes_at_start_middle_and_unknown_target():
    bar, clock, out = make(target=1000)
    clock.now = 1.0
    bar.update(32)
    assert out.getvalue() == "\n  32/1000 [..............................] - ETA: 30s"
    unknown, clock, out = make(target=None)
    clock.now = 1.0
    unknown.update(7)
    assert out.getvalue() == "\n      7/Unknown - 1s 143ms/step"


@pytest.mark.parametrize("seconds,text", [(59.9, "59s"), (125, "2:05"), (3725, "1:02:05")])
def test_eta_format(seconds, text):
    assert format_eta(seconds) == text


@pytest.mark.parametrize("seconds,text", [(2.0, " 2s/step"), (0.0034, " 3ms/step"),
                                          (85e-6, " 85us/step")])
def test_time_per_unit_format(seconds, text):
    assert format_per_unit(seconds) == text


def test_value_format_switches_to_exponent_for_small_values():
    assert format_value(0.0005) == " 5.0000e-04"
    assert format_value(-0.5) == " -0.5000"
    assert format_value(0.0012) == " 0.0012"
    assert format_value(1e-3) == " 1.0000e-03"  # strictly greater than 1e-3 for the fixed format


def test_fit_output_in_a_log_file_has_no_control_characters(capsys):
    from keras_facade.layers import Dense
    from keras_facade.models import Sequential
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(3,))])
    model.compile("sgd", "binary_crossentropy", metrics=["acc"])
    model.fit(x, y, epochs=2, batch_size=16, verbose=1, validation_split=0.25)
    text = capsys.readouterr().out
    assert "\b" not in text and "\r" not in text
    lines = text.split("\n")
    assert lines[0] == "Train on 48 samples, validate on 16 samples"
    assert lines[1] == "Epoch 1/2" and lines[2] == ""  # a blank line after the epoch line
    final = [line for line in lines if line.startswith("48/48")]
    assert len(final) == 2
    assert re.fullmatch(r"48/48 \[={30}\] - \d+s \d+(us|ms)/step - acc: \d\.\d{4} - loss: \d\.\d{4} "
                        r"- val_acc: \d\.\d{4} - val_loss: \d\.\d{4}", final[0])
    model.fit(x, y, epochs=1, batch_size=16, verbose=2)
    text = capsys.readouterr().out
    assert re.fullmatch(r"Epoch 1/1\n - \d+s - acc: \d\.\d{4} - loss: \d\.\d{4}\n", text)
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_verbose_auto_is_the_default_and_predict_follows_the_profile(capsys):
    from keras_facade import config
    from keras_facade.layers import Dense
    from keras_facade.models import Sequential
    x = np.ones((8, 3), "float32")
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    model.predict(x, batch_size=4)  # Keras 3: verbose='auto' shows a bar
    assert re.search(r"\n8/8 \[={30}\] - \d+s \d+(us|ms)/step\n$", capsys.readouterr().out)
    model.evaluate(x, x[:, :1], batch_size=8)
    assert "8/8 [" in capsys.readouterr().out
    model.fit(x, x[:, :1], batch_size=8, epochs=1)
    assert "Epoch 1/1" in capsys.readouterr().out
    previous = config.set_compat("keras2")
    try:
        model.predict(x)  # Keras 2.3: predict is silent unless asked
        assert capsys.readouterr().out == ""
        model.predict(x, verbose="auto")
        assert capsys.readouterr().out == ""
    finally:
        config.set_compat(previous)
