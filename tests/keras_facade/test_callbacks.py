"""Callbacks: hook order and logs, History keys, ModelCheckpoint, EarlyStopping, ReduceLROnPlateau,
CSVLogger, LearningRateScheduler, TerminateOnNaN, LambdaCallback, PlotLosses, SwapEMAWeights and
BackupAndRestore."""
import os

import numpy as np
import pytest
from PIL import Image

from keras_facade import callbacks, config, optimizers
from keras_facade.layers import Dense
from keras_facade.models import Sequential

RNG = np.random.default_rng(2)
X = RNG.normal(size=(40, 3)).astype("float32")
Y = (X[:, :1] + X[:, 1:2] > 0).astype("float32")


def model(metrics=("acc",), lr=0.1):
    m = Sequential([Dense(1, activation="sigmoid", input_shape=(3,))])
    m.compile(optimizers.SGD(learning_rate=lr), "binary_crossentropy", metrics=list(metrics))
    return m


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_batch_begin(self, batch, logs=None):  # the Keras 2 alias of on_train_batch_begin
        self.events.append(("batch_begin", batch, dict(logs)))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch_end", batch, dict(logs)))

    def on_test_begin(self, logs=None):
        self.events.append(("test_begin",))

    def on_test_end(self, logs=None):
        self.events.append(("test_end",))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, dict(logs), len(self.model.history.epoch)))

    def on_train_end(self, logs=None):
        self.events.append(("train_end",))


def test_hook_order_logs_and_params():
    rec = Recorder()
    m = model()
    history = m.fit(X, Y, batch_size=16, epochs=2, verbose=0, validation_split=0.25, callbacks=[rec])
    kinds = [e[0] for e in rec.events]
    epoch = ["epoch_begin"] + ["batch_begin", "batch_end"] * 2 + ["test_begin", "test_end", "epoch_end"]
    assert kinds == ["train_begin"] + epoch * 2 + ["train_end"]
    begin, end = rec.events[2], rec.events[3]
    assert begin[2] == {"batch": 0, "size": 16}
    assert set(end[2]) == {"batch", "size", "acc", "loss"} and end[2]["size"] == 16
    assert rec.events[5][2]["size"] == 14  # 30 training samples: the last batch is short
    epoch_logs = rec.events[8][2]
    assert set(epoch_logs) == {"acc", "loss", "val_acc", "val_loss"}
    assert rec.events[8][3] == 0  # History runs after user callbacks
    assert history.history["loss"][0] == epoch_logs["loss"] and history.epoch == [0, 1]
    assert m.history is history
    assert rec.params["samples"] == 30 and rec.params["steps"] == 2 and rec.params["epochs"] == 2
    assert rec.params["do_validation"] and set(rec.params["metrics"]) == set(epoch_logs)
    assert rec.validation_data is not None and len(rec.validation_data[0]) == 10


@pytest.mark.parametrize("spelling", ["acc", "accuracy"])
def test_history_keys_follow_the_users_spelling(spelling):
    history = model(metrics=[spelling]).fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y))
    assert set(history.history) == {"loss", spelling, "val_loss", "val_" + spelling}


def test_stop_training_from_a_batch_hook_stops_within_the_epoch():
    seen = []

    def stop(batch, logs):
        seen.append(batch)
        if batch == 1:
            m.stop_training = True
    m = model()
    history = m.fit(X, Y, batch_size=8, epochs=3, verbose=0,
                    callbacks=[callbacks.LambdaCallback(on_batch_end=stop)])
    assert seen == [0, 1] and history.epoch == [0]


class FakeSaves:
    def __init__(self, m):
        self.calls = []
        m.save = lambda path, overwrite=True: self.calls.append(("model", path))
        m.save_weights = lambda path, overwrite=True: self.calls.append(("weights", path))


def test_model_checkpoint_paths_best_only_and_period(tmp_path, capsys):
    m = model()
    saves = FakeSaves(m)
    cb = callbacks.ModelCheckpoint(str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.h5"),
                                   save_best_only=True, save_weights_only=True, verbose=1)
    cb.set_model(m)
    for epoch, val_loss in enumerate([0.5, 0.41, 0.6, 0.3]):
        cb.on_epoch_end(epoch, {"val_loss": val_loss, "loss": 1.0})
    assert saves.calls == [("weights", str(tmp_path / "w.01-0.50.h5")),
                           ("weights", str(tmp_path / "w.02-0.41.h5")),
                           ("weights", str(tmp_path / "w.04-0.30.h5"))]
    out = capsys.readouterr().out
    assert "\nEpoch 00001: val_loss improved from inf to 0.50000, saving model to" in out
    assert "\nEpoch 00003: val_loss did not improve from 0.41000" in out
    periodic = callbacks.ModelCheckpoint(str(tmp_path / "m.{epoch}.keras"), period=2)
    periodic.set_model(m)
    saves.calls.clear()
    for epoch in range(4):
        periodic.on_epoch_end(epoch, {})
    assert saves.calls == [("model", str(tmp_path / "m.2.keras")), ("model", str(tmp_path / "m.4.keras"))]


def test_model_checkpoint_modes_and_missing_monitor():
    m = model()
    saves = FakeSaves(m)
    auto_acc = callbacks.ModelCheckpoint("a.h5", monitor="val_acc", save_best_only=True)
    auto_acc.set_model(m)
    for epoch, acc in enumerate([0.5, 0.4, 0.7]):
        auto_acc.on_epoch_end(epoch, {"val_acc": acc})
    assert len(saves.calls) == 2  # 'acc' in the name: higher is better
    saves.calls.clear()
    forced_min = callbacks.ModelCheckpoint("b.h5", monitor="val_acc", mode="min", save_best_only=True)
    forced_min.set_model(m)
    for epoch, acc in enumerate([0.5, 0.4, 0.7]):
        forced_min.on_epoch_end(epoch, {"val_acc": acc})
    assert len(saves.calls) == 2
    with pytest.warns(UserWarning, match="val_loss available"):
        missing = callbacks.ModelCheckpoint("c.h5", save_best_only=True)
        missing.set_model(m)
        missing.on_epoch_end(0, {"loss": 1.0})


def test_model_checkpoint_save_freq_in_batches_during_fit(tmp_path):
    m = model()
    saves = FakeSaves(m)
    cb = callbacks.ModelCheckpoint(str(tmp_path / "b{epoch}-{batch}.h5"), save_freq=3,
                                   save_weights_only=True)
    m.fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[cb])  # 5 batches per epoch
    assert [os.path.basename(p) for _, p in saves.calls] == ["b1-3.h5", "b2-1.h5", "b2-4.h5"]


class FakeModel:
    def __init__(self):
        self.stop_training = False
        self.weights = [np.zeros(2)]
        self.optimizer = optimizers.SGD(learning_rate=0.1)

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, ws):
        self.weights = [w.copy() for w in ws]


def run_epochs(cb, values, key="val_loss", fake=None):
    fake = fake or FakeModel()
    cb.set_model(fake)
    cb.on_train_begin()
    stopped = None
    for epoch, v in enumerate(values):
        fake.weights = [np.full(2, epoch, dtype=float)]
        logs = {key: v}
        cb.on_epoch_end(epoch, logs)
        if fake.stop_training:
            stopped = epoch
            break
    cb.on_train_end()
    return fake, stopped, logs


def test_early_stopping_patience_min_delta_and_restore(capsys):
    _, stopped, _ = run_epochs(callbacks.EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.92, 0.5])
    assert stopped == 3
    _, stopped, _ = run_epochs(callbacks.EarlyStopping(patience=1, min_delta=0.2), [1.0, 0.9, 0.5])
    assert stopped == 1  # 0.9 is not 0.2 better than 1.0
    fake, stopped, _ = run_epochs(callbacks.EarlyStopping(patience=1, restore_best_weights=True,
                                                          verbose=1), [1.0, 0.5, 0.7, 0.8])
    assert stopped == 2 and fake.weights[0][0] == 1.0  # weights of epoch 1 (the best)
    out = capsys.readouterr().out
    assert "Epoch 3: early stopping" in out and "best epoch: 2." in out


def test_early_stopping_baseline_as_keras_3():
    # an improving epoch never stops; the wait only resets once the baseline is beaten too
    _, stopped, _ = run_epochs(callbacks.EarlyStopping(monitor="val_acc", baseline=0.8, patience=2),
                               [0.5, 0.6, 0.9, 0.85], key="val_acc")
    assert stopped is None
    _, stopped, _ = run_epochs(callbacks.EarlyStopping(monitor="val_acc", baseline=0.8, patience=2),
                               [0.5, 0.6, 0.55, 0.9], key="val_acc")
    assert stopped == 2  # three epochs without beating the baseline, the last not improving
    _, stopped, _ = run_epochs(callbacks.EarlyStopping(baseline=0.5, patience=2),
                               [1.0, 0.9, 0.8, 0.7, 0.6, 0.55])
    assert stopped is None
    fake, stopped, _ = run_epochs(callbacks.EarlyStopping(baseline=0.5, patience=4,
                                                          restore_best_weights=True),
                                  [1.0, 0.9, 0.95, 0.97, 0.99])
    assert stopped == 3 and fake.weights[0][0] == 1.0  # epoch 1 (0.9) is restored


def test_reduce_lr_on_plateau_factor_cooldown_min_lr(capsys):
    cb = callbacks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2, min_lr=0.03, verbose=1)
    fake = FakeModel()
    cb.set_model(fake)
    cb.on_train_begin()
    lrs = []
    for epoch, v in enumerate([1.0, 1.0, 1.0, 1.0, 1.0, 1.0]):
        logs = {"val_loss": v}
        cb.on_epoch_end(epoch, logs)
        lrs.append(round(logs["learning_rate"], 6))
    # lr in logs is the value at the start of that epoch's check
    assert lrs == [0.1, 0.1, 0.05, 0.05, 0.03, 0.03]
    assert float(fake.optimizer.learning_rate.item()) == pytest.approx(0.03)
    assert "ReduceLROnPlateau reducing learning rate to 0.05" in capsys.readouterr().out
    with pytest.raises(ValueError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_reduce_lr_and_scheduler_put_lr_in_history():
    m = model()
    history = m.fit(X, Y, epochs=3, verbose=0, callbacks=[
        callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3], rel=1e-6)
    with config.use_compat("keras2"):
        history = m.fit(X, Y, epochs=1, verbose=0, callbacks=[
            callbacks.LearningRateScheduler(lambda epoch, lr: 0.2)])
    assert history.history["lr"] == pytest.approx([0.2]) and "learning_rate" not in history.history
    one_arg = callbacks.LearningRateScheduler(lambda epoch: 0.5)
    m.fit(X, Y, epochs=1, verbose=0, callbacks=[one_arg])
    assert float(m.optimizer.learning_rate.item()) == 0.5
    with pytest.raises(ValueError, match="float"):
        m.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e: "x")])


def test_csv_logger_columns_separator_and_append(tmp_path):
    path = tmp_path / "log.csv"
    m = model()
    m.fit(X, Y, epochs=2, verbose=0, validation_split=0.2,
          callbacks=[callbacks.CSVLogger(str(path), separator=";")])
    text = path.read_bytes().decode()
    lines = text.split("\r\n")
    assert lines[0] == "epoch;acc;loss;val_acc;val_loss"
    assert lines[1].startswith("0;") and lines[2].startswith("1;") and lines[3] == ""
    m.fit(X, Y, epochs=1, verbose=0, validation_split=0.2,
          callbacks=[callbacks.CSVLogger(str(path), separator=";", append=True)])
    lines = path.read_bytes().decode().split("\r\n")
    assert lines.count("epoch;acc;loss;val_acc;val_loss") == 1 and lines[3].startswith("0;")


def test_terminate_on_nan(capsys):
    fake = FakeModel()
    cb = callbacks.TerminateOnNaN()
    cb.set_model(fake)
    cb.on_train_batch_end(3, {"loss": 0.5})
    assert not fake.stop_training
    cb.on_train_batch_end(4, {"loss": float("nan")})
    assert fake.stop_training
    assert "Batch 4: Invalid loss, terminating training" in capsys.readouterr().out
    m = Sequential([Dense(1, input_shape=(3,))])
    m.compile(optimizers.SGD(learning_rate=1e30), "mse")
    with np.errstate(all="ignore"):
        history = m.fit(X * 1e10, Y, batch_size=8, epochs=5, verbose=0,
                        callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.epoch) == 1  # stopped during the first epoch


def test_lambda_callback_hooks_and_unknown_names():
    counts = {"epochs": 0, "batches": 0, "train": 0}
    cb = callbacks.LambdaCallback(
        on_epoch_end=lambda e, logs: counts.__setitem__("epochs", counts["epochs"] + 1),
        on_train_batch_end=lambda b, logs: counts.__setitem__("batches", counts["batches"] + 1),
        on_train_begin=lambda logs: counts.__setitem__("train", counts["train"] + 1))
    model().fit(X, Y, batch_size=10, epochs=2, verbose=0, callbacks=[cb])
    assert counts == {"epochs": 2, "batches": 8, "train": 1}
    with pytest.raises(TypeError, match="unknown hook"):
        callbacks.LambdaCallback(on_epoch_finish=print)


def test_plot_losses_writes_a_png_after_every_epoch(tmp_path):
    path = tmp_path / "curves.png"
    sizes = []

    def check(epoch, logs):
        with Image.open(path) as img:
            sizes.append(img.size)
    model().fit(X, Y, epochs=2, verbose=0, validation_split=0.25, callbacks=[
        callbacks.PlotLosses(str(path)), callbacks.LambdaCallback(on_epoch_end=check)])
    assert sizes == [(840, 300), (840, 300)]  # two panels: loss and acc
    with Image.open(path) as img:
        pixels = np.asarray(img.convert("RGB"))
    assert (np.abs(pixels.astype(int) - [31, 119, 180]).sum(-1) < 30).any()  # the training curve
    assert (np.abs(pixels.astype(int) - [255, 127, 14]).sum(-1) < 30).any()  # the validation curve
    assert os.listdir(tmp_path) == ["curves.png"]  # written atomically: no temporary file left


def test_unsupported_keras_callbacks_warn_and_do_nothing():
    for cls in (callbacks.RemoteMonitor, callbacks.TensorBoard):
        with pytest.warns(UserWarning, match="not supported"):
            cb = cls()
        model().fit(X, Y, epochs=1, verbose=0, callbacks=[cb])
    assert issubclass(callbacks.BaseLogger, callbacks.Callback)


def test_plot_axis_ticks_cover_every_value():
    from hypothesis import given, strategies as st
    from keras_facade.training.plotting import nice_ticks

    @given(st.floats(-1e3, 1e3), st.floats(0, 1e3))
    def check(lo, width):
        ticks = nice_ticks(lo, lo + width)
        assert ticks[0] <= lo + 1e-9 * max(1, abs(lo)) and ticks[-1] >= lo + width - 1e-6 * max(1, width)
        assert len(ticks) <= 12
    check()
    assert nice_ticks(0.0046, 0.6935) == [0.0, 0.2, 0.4, 0.6, 0.8]
    assert nice_ticks(0.0, 5e-324) == [-1.0, -0.5, 0.0, 0.5, 1.0]  # a range that underflows


def test_hooks_get_dicts_and_train_end_the_last_epoch_logs():
    seen = {}

    class Recorder(callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["train_begin"] = logs
            logs["note"] = 1  # a dict that callbacks may write into

        def on_epoch_begin(self, epoch, logs=None):
            seen["epoch_begin"] = logs

        def on_train_end(self, logs=None):
            seen["train_end"] = dict(logs)
    history = model().fit(X, Y, epochs=2, verbose=0, callbacks=[Recorder()])
    assert seen["train_begin"] == {"note": 1} and seen["epoch_begin"] == {}
    assert seen["train_end"]["loss"] == pytest.approx(history.history["loss"][-1])


def test_reduce_lr_auto_mode_maximizes_only_accuracy_names():
    assert callbacks.ReduceLROnPlateau(monitor="val_accuracy").monitor_op(0.9, 0.5)
    assert callbacks.ReduceLROnPlateau(monitor="val_auc").monitor_op(0.4, 0.5)  # min, as Keras


# -- SwapEMAWeights ----------------------------------------------------------------------------------
def ema_model(**kwargs):
    m = Sequential([Dense(1, input_shape=(3,))])
    m.compile(optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5), "mse")
    return m


def test_swap_ema_weights_evaluates_with_the_averages():
    m = ema_model()
    seen = []
    probe = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(m.get_weights()))
    m.fit(X, Y, epochs=2, batch_size=10, verbose=0, validation_data=(X, Y),
          callbacks=[callbacks.SwapEMAWeights(), probe])
    opt = m.optimizer
    averages = [opt._slots[i]["average"].numpy() for i in range(2)]
    # mid-fit: the model holds the trained weights again after each evaluation
    assert not np.allclose(seen[0][0], seen[1][0])
    # the validation loss is the EMA weights' loss; fit ends with the averages in the model
    history_val = m.history.history["val_loss"][-1]
    for w, a in zip(m.get_weights(), averages):
        np.testing.assert_allclose(w, a, rtol=1e-6)
    assert m.evaluate(X, Y, verbose=0) == pytest.approx(history_val, rel=1e-5)


def test_swap_ema_weights_on_epoch_puts_the_averages_in_before_later_callbacks():
    m = ema_model()
    trained, averaged = [], []

    def record(epoch, logs):
        averaged.append([w.copy() for w in m.get_weights()])
        opt = m.optimizer
        trained.append([opt._slots[i]["average"].numpy().copy() for i in range(2)])

    m.fit(X, Y, epochs=3, batch_size=10, verbose=0,
          callbacks=[callbacks.SwapEMAWeights(swap_on_epoch=True),
                     callbacks.LambdaCallback(on_epoch_end=record)])
    # at epoch end the model holds the averages and the optimizer the trained weights ...
    for before, after in zip(averaged[:-1], trained[1:]):
        assert not np.allclose(before[0], after[0])
    # ... and the averages stay in the model after fit
    for w, a in zip(m.get_weights(), averaged[-1]):
        np.testing.assert_allclose(w, a)
    with pytest.raises(ValueError, match="SwapEMAWeights needs an optimizer with use_ema=True"):
        model().fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y),
                    callbacks=[callbacks.SwapEMAWeights()])


# -- BackupAndRestore --------------------------------------------------------------------------------
class Interrupt(callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


def adam_model():
    from keras_facade import backend
    backend.set_random_seed(7)
    m = Sequential([Dense(2, activation="tanh", input_shape=(3,)), Dense(1)])
    m.compile(optimizers.Adam(learning_rate=0.05), "mse")
    return m


def test_backup_and_restore_resumes_an_interrupted_fit(tmp_path):
    backup = tmp_path / "backup"
    reference = adam_model()
    reference.fit(X, Y, epochs=4, batch_size=8, shuffle=False, verbose=0)

    m = adam_model()
    with pytest.raises(RuntimeError, match="interrupted"):
        m.fit(X, Y, epochs=4, batch_size=8, shuffle=False, verbose=0,
              callbacks=[callbacks.BackupAndRestore(backup), Interrupt(2)])
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "training_metadata.json"]
    with open(backup / "training_metadata.json") as f:
        assert f.read() == '{"epoch": 2, "batch": 0}'

    resumed = adam_model()  # a fresh process: new model, new optimizer
    recorder = Recorder()
    history = resumed.fit(X, Y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                          callbacks=[callbacks.BackupAndRestore(backup), recorder])
    assert [e[1] for e in recorder.events if e[0] == "epoch_begin"] == [2, 3]
    assert history.epoch == [2, 3]
    assert int(resumed.optimizer.iterations.item()) == 4 * 5
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(resumed.optimizer.get_weights(), reference.optimizer.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not backup.exists()  # deleted after the run completed


def test_backup_and_restore_batch_frequency_double_checkpoint_and_fallback(tmp_path):
    backup = tmp_path / "b"
    m = adam_model()
    cb = callbacks.BackupAndRestore(backup, save_freq=3, double_checkpoint=True,
                                    delete_checkpoint=False)
    m.fit(X, Y, epochs=2, batch_size=8, shuffle=False, verbose=0, callbacks=[cb])
    names = sorted(os.listdir(backup))
    assert names == ["latest.weights.h5", "latest.weights.h5.bkp", "training_metadata.json",
                     "training_metadata.json.bkp"]
    with open(backup / "training_metadata.json") as f:
        assert f.read() == '{"epoch": 1, "batch": 3}'  # 2 x 5 batches: saved after 3, 6 and 9
    with open(backup / "training_metadata.json.bkp") as f:
        assert f.read() == '{"epoch": 1, "batch": 0}'
    # a corrupt latest file falls back to the previous backup
    (backup / "latest.weights.h5").write_bytes(b"not hdf5")
    again = adam_model()
    recorder = Recorder()
    again.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[
        callbacks.BackupAndRestore(backup, double_checkpoint=True), recorder])
    assert [e[1] for e in recorder.events if e[0] == "epoch_begin"] == [1]
    assert not any(n.endswith(".tmp") for n in os.listdir(tmp_path))


def test_backup_and_restore_arguments():
    with pytest.raises(ValueError, match="BackupAndRestore: backup_dir must be a folder path"):
        callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive number"):
        callbacks.BackupAndRestore("x", save_freq="batch")
    cb = callbacks.BackupAndRestore("x")
    assert (cb.save_freq, cb.double_checkpoint, cb.delete_checkpoint) == ("epoch", False, True)
