"""``keras.callbacks``: hooks into the training loops, with Keras 2's order and logs.

``fit`` runs ``[ProgbarLogger (verbose), *your callbacks, History]`` (Keras 2's order: the bar's line
is complete before your callbacks print). Epochs are 0-based in hooks, 1-based in messages. Batch
logs hold ``batch``, ``size`` and the running epoch averages of the loss and metrics; epoch logs add
``val_*`` after validation.
"""
import csv
import json
import os
import shutil
import sys
import warnings

import numpy as np

from . import config, legacy
from .saving.atomic import atomic_path
from .training.progbar import Progbar

_BATCH_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class Callback:
    """Base class. ``self.model`` and ``self.params`` are set by the loop; override the hooks."""

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def implements(self, hook):
        """Whether this callback does something in ``hook`` (the loops skip idle batch hooks)."""
        names = [hook] + ([_BATCH_ALIASES[hook]] if hook in _BATCH_ALIASES else [])
        return any(n in vars(self) or getattr(type(self), n) is not getattr(Callback, n)
                   for n in names)

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)


class DeferredLogs(dict):
    """Batch logs whose metric values are computed only when a consumer asks (``resolve()``), so a
    loop whose only batch consumer is the progress bar converts values to Python numbers a few times
    a second instead of at every step."""

    def __init__(self, base, compute):
        super().__init__(base)
        self._compute = compute

    def resolve(self):
        if self._compute is not None:
            self.update(self._compute())
            self._compute = None
        return self


class CallbackList:
    """Dispatches each hook to the callbacks that implement it, in order."""
    _BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
                    "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end")

    def __init__(self, callbacks=None, model=None, params=None):
        self.callbacks = list(callbacks or [])
        if model is not None:
            self.set_model(model)
        if params is not None:
            self.set_params(params)
        self._index()

    def _index(self):
        self._batch = {h: [getattr(cb, h) for cb in self.callbacks if cb.implements(h)]
                       for h in self._BATCH_HOOKS}
        self.wants_batch_values = any(
            cb.implements("on_train_batch_end") and not getattr(cb, "resolves_logs", False)
            for cb in self.callbacks)

    def append(self, callback):
        self.callbacks.append(callback)
        self._index()

    def set_params(self, params):
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        for cb in self.callbacks:
            cb.set_model(model)

    def _all(self, hook, *args):
        """Call ``hook`` on every callback; the logs (last argument) are a dict, ``{}`` when none
        were given, and every callback sees the same dict."""
        args = args[:-1] + ({} if args[-1] is None else args[-1],)
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def on_train_begin(self, logs=None): self._all("on_train_begin", logs)
    def on_train_end(self, logs=None): self._all("on_train_end", logs)
    def on_epoch_begin(self, epoch, logs=None): self._all("on_epoch_begin", epoch, logs)
    def on_epoch_end(self, epoch, logs=None): self._all("on_epoch_end", epoch, logs)
    def on_test_begin(self, logs=None): self._all("on_test_begin", logs)
    def on_test_end(self, logs=None): self._all("on_test_end", logs)
    def on_predict_begin(self, logs=None): self._all("on_predict_begin", logs)
    def on_predict_end(self, logs=None): self._all("on_predict_end", logs)

    def batch_hook(self, hook, batch, logs):
        for fn in self._batch[hook]:
            fn(batch, logs)

    def has_batch_hook(self, hook):
        return bool(self._batch[hook])


class BaseLogger(Callback):
    """Keras 2 averaged metrics here; the models' metrics already hold epoch averages, so this
    callback only exists for scripts that name it."""


class History(Callback):
    """Records the epoch logs: ``history.history[name]`` is one value per epoch; ``epoch`` lists the
    epoch indices. ``fit`` returns it (also ``model.history``)."""

    def __init__(self):
        super().__init__()
        self.history, self.epoch = {}, []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class ProgbarLogger(Callback):
    """Prints ``Epoch i/N`` and the Keras 2 progress bar (``count_mode`` 'samples' or 'steps').
    The logged metrics are running epoch averages already, so the bar shows them as given."""
    resolves_logs = True

    def __init__(self, count_mode="samples", stateful_metrics=None):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError(f"ProgbarLogger: count_mode must be 'samples' or 'steps', got "
                             f"{count_mode!r}")
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics or ())
        self.progbar, self.seen, self.verbose, self.epochs, self.target = None, 0, 0, 0, None

    def on_train_begin(self, logs=None):
        self.verbose = self.params.get("verbose", 0)
        self.epochs = self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None):
        if not self.verbose:
            return
        sys.stdout.write("Epoch %d/%d\n" % (epoch + 1, self.epochs))
        sys.stdout.flush()
        self.target = self.params.get("steps") if self.use_steps else self.params.get("samples")
        names = set(self.params.get("metrics") or ()) | self.stateful_metrics
        self.progbar = Progbar(self.target, verbose=self.verbose, stateful_metrics=names)
        self.seen = 0

    def _values(self, logs):
        return [(k, logs[k]) for k in self.params.get("metrics") or () if k in logs]

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.seen += 1 if self.use_steps else logs.get("size", 0)
        if not self.verbose or self.progbar is None:
            return
        done = self.target is not None and self.seen >= self.target
        if not done and self.progbar.due(self.seen):  # the final update waits for the val_* values
            if isinstance(logs, DeferredLogs):
                logs.resolve()
            self.progbar.update(self.seen, self._values(logs))

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose and self.progbar is not None:
            logs = logs or {}
            values = self._values(logs)
            if config.default("training.progbar_position") == "last":
                # Keras 3 shows every epoch log, also those that other callbacks added
                shown = {k for k, _ in values} | {"batch", "size"}
                values += [(k, v) for k, v in logs.items() if k not in shown]
                self.progbar.stateful_metrics.update(k for k, _ in values)
            self.progbar.update(self.seen, values)


# -- monitoring helpers ----------------------------------------------------------------------------
def _is_max_metric(monitor):
    name = monitor[4:] if monitor.startswith("val_") else monitor
    return "acc" in name or name.startswith("fmeasure") or name in (
        "auc", "precision", "recall", "true_positives", "true_negatives") or name.endswith("_auc")


def _monitor_op(mode, monitor, where):
    """``np.greater`` or ``np.less`` for ``mode`` ('auto' picks max for accuracy-like names)."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{where}: mode {mode!r} is unknown, falling back to 'auto'")
        mode = "auto"
    if mode == "max" or (mode == "auto" and _is_max_metric(monitor)):
        return np.greater
    return np.less


def _lr_key():
    """The epoch-log key of the learning rate: 'learning_rate' (Keras 3) or 'lr' (keras2 profile)."""
    return config.default("callbacks.learning_rate_log_key")


def _scalar(value):
    return float(np.mean(value)) if value is not None else None


def _learning_rate_of(model, where):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(f"{where}: the model's optimizer must have a learning_rate (compile first)")
    lr = optimizer.learning_rate
    return float(lr.item() if hasattr(lr, "item") else lr)


class ModelCheckpoint(Callback):
    """Save the model (or only its weights) after each epoch or every ``save_freq`` batches.

    ``filepath`` may hold ``{epoch:02d}`` and log names (``weights.{epoch:02d}-{val_loss:.2f}.hdf5``);
    with ``save_best_only`` a save happens only when ``monitor`` improves. Any file name works
    (``.h5``/``.hdf5`` Keras 2 layout, ``.weights.h5``/``.keras`` Keras 3)."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", period=None, save_freq="epoch",
                 initial_value_threshold=None, options=None):
        super().__init__()
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.period = 1 if period is None else int(period)
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive number of "
                             f"batches, got {save_freq!r}")
        self.save_freq = save_freq
        self.monitor_op = _monitor_op(mode, monitor, "ModelCheckpoint")
        worst = np.inf if self.monitor_op is np.less else -np.inf
        self.best = worst if initial_value_threshold is None else initial_value_threshold
        self.epochs_since_last_save = 0
        self._batches_seen = 0
        self._current_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._current_epoch, dict(logs.resolve() if isinstance(logs, DeferredLogs)
                                                 else logs or {}), batch=batch)

    def implements(self, hook):
        if hook == "on_train_batch_end":
            return self.save_freq != "epoch"
        return super().implements(hook)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq != "epoch":
            return
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save >= self.period:
            self.epochs_since_last_save = 0
            self._save(epoch, logs or {})

    def _path(self, epoch, logs, batch=None):
        values = {k: _scalar(v) if not isinstance(v, str) else v for k, v in logs.items()
                  if k not in ("batch", "size")}
        extra = {"batch": batch + 1} if batch is not None else {}
        try:
            return self.filepath.format(epoch=epoch + 1, **extra, **values)
        except KeyError as err:
            raise KeyError(f"ModelCheckpoint: filepath {self.filepath!r} names {err} which is not in "
                           f"the logs {sorted(logs)}") from None

    def _save(self, epoch, logs, batch=None):
        path = self._path(epoch, logs, batch)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.")
                return
            current = _scalar(current)
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    self._say("\nEpoch %05d: %s did not improve from %0.5f" %
                              (epoch + 1, self.monitor, self.best))
                return
            if self.verbose > 0:
                self._say("\nEpoch %05d: %s improved from %0.5f to %0.5f, saving model to %s" %
                          (epoch + 1, self.monitor, self.best, current, path))
            self.best = current
        elif self.verbose > 0:
            self._say("\nEpoch %05d: saving model to %s" % (epoch + 1, path))
        if os.path.dirname(path):  # Keras 3 creates the checkpoint's folder
            os.makedirs(os.path.dirname(path), exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)

    @staticmethod
    def _say(text):
        print(text)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    An improving epoch never stops training; with ``baseline`` it only resets the wait when it also
    beats the baseline. With ``restore_best_weights`` the weights of the best epoch (counted from
    ``start_from_epoch``) are restored when training ends. No stop at the first epoch (Keras 3)."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.monitor_op = _monitor_op(mode, monitor, "EarlyStopping")
        self.min_delta = abs(min_delta) * (1 if self.monitor_op is np.greater else -1)
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_weights, self.best_epoch = 0, 0, None, 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def _improves(self, value, reference):
        return self.monitor_op(value - self.min_delta, reference)

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs or {})}")
            return
        if epoch < self.start_from_epoch:
            return
        current = _scalar(current)
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._improves(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improves(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print("Restoring model weights from the end of the best epoch: %d."
                      % (self.best_epoch + 1))
            self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience`` epochs
    (then wait ``cooldown`` epochs); never below ``min_lr``. Adds ``learning_rate`` (keras2 profile: ``lr``) to the epoch logs."""

    @legacy.interface("ReduceLROnPlateau")
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0, got {factor}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.min_delta, self.cooldown, self.min_lr, self.mode = min_delta, cooldown, min_lr, mode
        self._reset()

    def _reset(self):
        if self.mode not in ("auto", "min", "max"):
            warnings.warn(f"ReduceLROnPlateau: mode {self.mode!r} is unknown, falling back to 'auto'")
            self.mode = "auto"
        # as Keras: 'auto' maximizes only names with "acc" in them
        greater = self.mode == "max" or (self.mode == "auto" and "acc" in self.monitor)
        if greater:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
        else:
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
        self.best = -np.inf if greater else np.inf
        self.cooldown_counter, self.wait = 0, 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs[_lr_key()] = _learning_rate_of(self.model, "ReduceLROnPlateau")
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Reduce LR on plateau conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs)}")
            return
        current = _scalar(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best, self.wait = current, 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = logs[_lr_key()]
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print("\nEpoch %05d: ReduceLROnPlateau reducing learning rate to %s."
                              % (epoch + 1, new_lr))
                    self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """At each epoch start set the learning rate to ``schedule(epoch, lr)`` (or ``schedule(epoch)``);
    adds ``learning_rate`` (keras2 profile: ``lr``) to the epoch logs."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = _learning_rate_of(self.model, "LearningRateScheduler")
        try:
            lr = self.schedule(epoch, lr)
        except TypeError:  # the Keras 1/2.0 one-argument form
            lr = self.schedule(epoch)
        if hasattr(lr, "item"):
            lr = lr.item()
        if not isinstance(lr, (float, int)) or isinstance(lr, bool):
            raise ValueError(f"LearningRateScheduler: the schedule must return a float, got "
                             f"{type(lr).__name__}")
        self.model.optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print("\nEpoch %05d: LearningRateScheduler setting learning rate to %s."
                  % (epoch + 1, lr))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs[_lr_key()] = _learning_rate_of(self.model, "LearningRateScheduler")


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite (``raise_error`` raises instead)."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.all(np.isfinite(loss)):
            if self.raise_error:
                raise RuntimeError(f"Batch {batch}: invalid loss {loss}, terminating training")
            print("Batch %d: Invalid loss, terminating training" % batch)
            self.model.stop_training = True


class CSVLogger(Callback):
    """Stream epoch results to a CSV file: ``epoch`` (0-based) then the sorted log keys; ``append``
    continues an existing file (header only into an empty one)."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys, self.writer, self.csv_file = None, None, None
        self._write_header = True

    def on_train_begin(self, logs=None):
        self._write_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, "r", newline="") as f:
                self._write_header = not f.readline()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self.keys, self.writer = None, None

    @staticmethod
    def _cell(value):
        if isinstance(value, str):
            return value
        array = np.asarray(value)
        if array.ndim > 0:
            return '"[%s]"' % ", ".join(map(str, array.reshape(-1).tolist()))
        return value

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.keys is None:
            self.keys = sorted(logs)
            if self.params.get("do_validation") and not any(k.startswith("val_") for k in self.keys):
                self.keys += ["val_" + k for k in self.keys]
        if self.writer is None:
            dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=dialect)
            if self._write_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, self._cell(logs[k]) if k in logs else "NA") for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.csv_file, self.writer = None, None


class LambdaCallback(Callback):
    """A callback from plain functions: ``on_epoch_begin(epoch, logs)``, ``on_batch_end(batch,
    logs)``, ``on_train_begin(logs)``, ... (Keras 3 names such as ``on_train_batch_end`` too)."""

    _HOOKS = ("on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end", "on_train_begin",
              "on_train_end", "on_train_batch_begin", "on_train_batch_end", "on_test_begin",
              "on_test_end", "on_test_batch_begin", "on_test_batch_end", "on_predict_begin",
              "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        unknown = sorted(set(kwargs) - set(self._HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hook(s) {unknown}")
        given = dict(kwargs, on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end)
        for hook, fn in given.items():
            if fn is not None:
                setattr(self, hook, fn)


class PlotLosses(Callback):
    """After every epoch, draw the loss and metric curves (training and validation) into a PNG,
    written atomically: watch training without extra packages. One panel per quantity; ``metrics``
    picks the quantities (default: all logged, the learning rate included)."""

    def __init__(self, filepath="training.png", metrics=None, panel_size=(420, 300), title=None):
        super().__init__()
        self.filepath, self.metrics = os.fspath(filepath), metrics
        self.panel_size, self.title = panel_size, title
        self.epochs, self.logs = [], {}

    def on_train_begin(self, logs=None):
        self.epochs, self.logs = [], {}

    def on_epoch_end(self, epoch, logs=None):
        from .training.plotting import render_history
        from .utils.data_utils import atomic_write
        self.epochs.append(epoch + 1)
        for key, value in (logs or {}).items():
            series = self.logs.setdefault(key, [None] * (len(self.epochs) - 1))
            series.append(_scalar(value) if not isinstance(value, str) else None)
        for series in self.logs.values():
            series += [None] * (len(self.epochs) - len(series))
        image = render_history(self.epochs, self.logs, self.metrics, self.panel_size, self.title)
        with atomic_write(self.filepath, "wb") as f:
            image.save(f, format="PNG")


class RemoteMonitor(Callback):
    """Keras's callback that posts epoch logs to a server. Not available here (no network access
    is assumed); it warns once and does nothing."""

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        warnings.warn("RemoteMonitor is not supported by keras_facade; it does nothing")


class TensorBoard(Callback):
    """Not available (needs TensorFlow's summary writer); warns once and does nothing. Use
    CSVLogger or PlotLosses instead."""

    def __init__(self, log_dir="logs", **kwargs):
        super().__init__()
        warnings.warn("TensorBoard is not supported by keras_facade; use CSVLogger or PlotLosses")


class SwapEMAWeights(Callback):
    """Evaluate (and predict) with the optimizer's moving averages of the weights (``use_ema=True``):
    they are swapped into the model for the duration of each evaluation. With ``swap_on_epoch``
    they also stay in the model from each epoch's end to the next epoch's beginning, so that
    callbacks after this one (e.g. ModelCheckpoint) see them."""

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_in_model = False

    def _swap(self):
        optimizer = getattr(self.model, "optimizer", None)
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(f"SwapEMAWeights needs an optimizer with use_ema=True; the model's "
                             f"optimizer is {optimizer!r} with use_ema="
                             f"{getattr(optimizer, 'use_ema', None)}")
        if optimizer.built:
            optimizer.swap_moving_averages()
        self._ema_in_model = not self._ema_in_model

    def _swap_in(self):
        if not self._ema_in_model:
            self._swap()

    def _swap_out(self):
        if self._ema_in_model:
            self._swap()

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_in()
            if epoch == self.params.get("epochs", 0) - 1:  # fit's final EMA overwrite is a no-op
                self.model.optimizer.reset_moving_averages()

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_out()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        self._swap_out()


class BackupAndRestore(Callback):
    """Back up the model's weights and optimizer state to ``backup_dir`` (``latest.weights.h5`` and
    ``training_metadata.json``) at each epoch's end, or every ``save_freq`` batches, so that a fit
    interrupted by an error or a kill resumes where the last backup was taken: rerun the same
    ``fit`` with the same callback. Files are written atomically; ``double_checkpoint`` keeps the
    previous backup as ``*.bkp`` to fall back on if the latest cannot be read. The folder is
    deleted when training ends normally (unless ``delete_checkpoint=False``)."""

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError(f"BackupAndRestore: backup_dir must be a folder path, got {backup_dir!r}")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq < 1):
            raise ValueError(f"BackupAndRestore: save_freq must be 'epoch' or a positive number of "
                             f"batches, got {save_freq!r}")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq, self.double_checkpoint = save_freq, double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._current_epoch = 0
        self._batches_since_save = 0
        self._last_batch = 0

    def on_train_begin(self, logs=None):
        if not getattr(self.model, "built", True):
            raise ValueError("BackupAndRestore: the model must be built before fit() (call it on a "
                             "batch of data or give it an input shape)")
        try:
            self._restore()
        except (OSError, ValueError):  # an unreadable latest backup: fall back on the previous one
            if not (self.double_checkpoint and os.path.exists(self._weights_path + ".bkp")):
                raise
            for path in (self._weights_path, self._metadata_path):
                if os.path.exists(path + ".bkp"):
                    self._copy(path + ".bkp", path)
                elif os.path.exists(path):
                    os.remove(path)
            self._restore()

    def _restore(self):
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._metadata_path):
            with open(self._metadata_path) as f:
                self._current_epoch = int(json.load(f)["epoch"])
            self.model._initial_epoch = self._current_epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch, self._last_batch = epoch + 1, 0
        if self.save_freq == "epoch":
            self._backup()

    def implements(self, hook):
        if hook == "on_train_batch_end":
            return self.save_freq != "epoch"
        return super().implements(hook)

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += batch + 1 if batch <= self._last_batch else batch - self._last_batch
        self._last_batch = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._backup()

    def _backup(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path in (self._weights_path, self._metadata_path):
                if os.path.exists(path):
                    self._copy(path, path + ".bkp")
        self.model.save_weights(self._weights_path, overwrite=True)
        with atomic_path(self._metadata_path) as tmp, open(tmp, "w") as f:
            json.dump({"epoch": self._current_epoch, "batch": self._last_batch}, f)

    @staticmethod
    def _copy(source, target):
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)


def configure(callbacks, model, verbose, params, count_mode):
    """The callback list ``fit`` runs: the progress bar after the user's callbacks and History
    (Keras 3) or first (Keras 2); the History is returned too."""
    history = History()
    callbacks = list(callbacks or [])
    progbar = [ProgbarLogger(count_mode)] if verbose else []
    if config.default("training.progbar_position") == "last":
        ordered = callbacks + [history] + progbar
    else:
        ordered = progbar + callbacks + [history]
    cb_list = CallbackList(ordered, model=model, params=params)
    return cb_list, history
