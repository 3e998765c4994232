"""The ``Trainer`` mixin of ``Model``: compile, fit, evaluate, predict, the ``*_on_batch`` methods and
the Keras 2 generator methods.

A training step is ``value_and_grad`` of the total loss (weighted output losses plus the model's
regularization losses) with respect to the trainable weights, then the optimizer's in-place update.
Layers run in training mode in ``fit``/``train_on_batch`` and in inference mode in ``evaluate`` and
``predict`` (which record no graph). Metrics are computed with engine ops on the batch outputs;
Python numbers are only made when something shows or logs them.

Bad input (mismatched sample counts, targets that do not fit the loss, NaN/inf, a model that was not
compiled or has no layers) raises a ValueError before any weight changes: the first batch is checked
against an inference-mode forward pass of two samples before training starts.
"""
import inspect
import warnings

import numpy as np

import autograd_core as ag

from .. import callbacks as callbacks_module
from .. import config
from .. import legacy
from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from . import data_adapter as data
from ..distribute import training as dp
from ..layers.nest import flatten as flatten_data, pack_like
from .compile_utils import LossContainer, MetricsContainer, loss_function_of, detach_all
from .progbar import Progbar

_SHAPE_CHECKED_LOSSES = {
    losses_module.mean_squared_error, losses_module.mean_absolute_error,
    losses_module.mean_absolute_percentage_error, losses_module.mean_squared_logarithmic_error,
    losses_module.binary_crossentropy, losses_module.categorical_crossentropy,
    losses_module.hinge, losses_module.squared_hinge, losses_module.categorical_hinge,
    losses_module.kl_divergence, losses_module.poisson, losses_module.cosine_similarity,
    losses_module.huber, losses_module.log_cosh}


def _python(value):
    """A metric result as a Python float (or a numpy array for vector results)."""
    if value.size == 1:
        return float(value.item())
    return np.array(value.numpy())


class Trainer:
    """Mixed into ``keras_facade.models.Model``; ``self`` is the model."""

    optimizer = None
    loss = None
    compiled_loss = None
    compiled_metrics = None
    history = None
    stop_training = False
    _is_compiled = False
    _outputs_configured = False

    # -- compile -----------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None, run_eagerly=None,
                steps_per_execution=None, jit_compile=None, auto_scale_loss=None, **kwargs):
        """Configure training: the optimizer (name or instance), the loss (name, function, Loss, or
        a list/dict per output), metrics ('accuracy', names, functions, Metric objects; a list for
        every output, or per output), ``loss_weights`` and ``weighted_metrics``."""
        if "show_accuracy" in kwargs or "class_mode" in kwargs:
            kwargs.pop("class_mode", None)
            if kwargs.pop("show_accuracy", None):
                warnings.warn("compile: `show_accuracy` is gone since Keras 1; pass "
                              "metrics=['accuracy']", DeprecationWarning, stacklevel=2)
        if kwargs:
            raise TypeError(f"compile: unexpected keyword argument(s) {sorted(kwargs)}")
        if target_tensors is not None:
            raise ValueError("compile: target_tensors (Keras 2 graph mode) is not supported; pass the "
                             "targets to fit() instead")
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        self.compiled_loss = LossContainer(loss, loss_weights)
        self.compiled_metrics = MetricsContainer(metrics, weighted_metrics)
        self._compile_args = {"loss": loss, "metrics": metrics, "loss_weights": loss_weights,
                              "weighted_metrics": weighted_metrics,
                              "sample_weight_mode": sample_weight_mode}
        self._outputs_configured = False
        self._checked_signatures = {}   # input/target signature -> output shapes
        self._is_compiled = True
        self.stop_training = False
        from ..distribute import current_strategy
        self._strategy = current_strategy()  # data-parallel when compiled in a strategy's scope
        self._dp_seen = [0, 0]  # samples seen this epoch: (this rank, all ranks)

    def _assert_compiled(self, where):
        if not self._is_compiled:
            raise ValueError(f"{where}: the model is not compiled; call model.compile(optimizer=..., "
                             f"loss=...) first")

    def _output_names_guess(self, count=None):
        names = None
        try:
            names = list(getattr(self, "output_names", None) or [])
        except (AttributeError, ValueError):
            names = []
        if count is not None and len(names) != count:
            names = ["output"] if count == 1 else [f"output_{i + 1}" for i in range(count)]
        return names or ["output"]

    def _configure_outputs(self, y_pred=None):
        """Name the outputs and set up losses/metrics (once per compile)."""
        if self._outputs_configured:
            return
        if isinstance(y_pred, dict):
            names = list(y_pred)
        else:
            count = len(y_pred) if isinstance(y_pred, (list, tuple)) else (
                1 if y_pred is not None else None)
            names = self._output_names_guess(count)
        self._out_names = names
        self.compiled_loss.build(names)
        self.compiled_metrics.configure(names, [loss_function_of(l) for l in self.compiled_loss.losses])
        self._loss_trackers = [metrics_module.Mean(name=n) for n in self.compiled_loss.names]
        self._outputs_configured = True
        self._metrics_names = self._names()

    def _names(self):
        return list(self.compiled_loss.names) + list(self.compiled_metrics.names) + \
            list(self.__dict__.get("_added_trackers", ()))

    @property
    def metrics_names(self):
        """``['loss', <output>_loss..., metric names...]`` as they appear in the logs."""
        if not self._is_compiled:
            return []
        if not self._outputs_configured:
            if not getattr(self, "output_names", None):
                return ["loss"]  # outputs unknown until the model has run
            self._configure_outputs()
        return self._names()

    @property
    def metrics(self):
        """The loss trackers and compiled metric objects."""
        if not self._is_compiled or not self._outputs_configured:
            return []
        built = self.compiled_metrics.metrics if self.compiled_metrics.built else []
        return list(self._loss_trackers) + list(built)

    def reset_metrics(self):
        self._step_logs = None
        if self._own_step("fit") or self._own_step("evaluate"):  # Keras 3 resets model.metrics
            for metric in self.metrics:
                metric.reset_state()
        if self._outputs_configured:
            for tracker in self._loss_trackers + self._sublayer_metrics():
                tracker.reset_state()
            self.compiled_metrics.reset()
            for tracker in self.__dict__.get("_added_trackers", {}).values():
                tracker.reset_state()

    def _layers_within(self):
        """The model and its sublayers (none for a trainer that is not a layer)."""
        flatten = getattr(self, "_flatten_layers", None)
        return flatten() if flatten is not None else []

    def _sublayer_metrics(self):
        """Metric objects that sublayers hold as attributes (Keras 3 resets them with the model's)."""
        return [m for layer in self._layers_within() if layer is not self
                for m in vars(layer).values() if isinstance(m, metrics_module.Metric)]

    def get_compile_config(self):
        """The compile arguments in Keras 3's serialized form (for saving), or None."""
        if not self._is_compiled:
            return None
        args = self._compile_args
        return {"optimizer": optimizers_module.serialize(self.optimizer),
                "loss": _map_spec(args["loss"], losses_module.serialize),
                "loss_weights": args["loss_weights"],
                "metrics": _map_spec(args["metrics"], metrics_module.serialize),
                "weighted_metrics": _map_spec(args["weighted_metrics"], metrics_module.serialize),
                "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}

    def compile_from_config(self, config_dict, custom_objects=None):
        """Compile again from ``get_compile_config()``'s output (optimizer state is separate)."""
        cfg = dict(config_dict)
        optimizer = cfg.get("optimizer", "rmsprop")
        if isinstance(optimizer, dict):
            optimizer = optimizers_module.deserialize(optimizer, custom_objects)
        def rebuild(module):
            def one(spec):
                if isinstance(spec, dict):
                    return module.deserialize(spec, custom_objects)
                return (custom_objects or {}).get(spec, spec) if isinstance(spec, str) else spec
            return one
        self.compile(optimizer=optimizer,
                     loss=_map_spec(cfg.get("loss"), rebuild(losses_module)),
                     metrics=_map_spec(cfg.get("metrics"), rebuild(metrics_module)),
                     weighted_metrics=_map_spec(cfg.get("weighted_metrics"), rebuild(metrics_module)),
                     loss_weights=cfg.get("loss_weights"))

    # -- structure helpers -------------------------------------------------------------------------
    def _flat_outputs(self, y_pred):
        if isinstance(y_pred, dict):
            return [y_pred[name] for name in self._out_names]
        if isinstance(y_pred, (list, tuple)):
            return list(y_pred)
        return [y_pred]

    def _per_output_data(self, value, what):
        """Targets or sample weights as one entry per output (None where absent)."""
        names = self._out_names
        if value is None:
            return [None] * len(names)
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(names))
            if unknown:
                raise ValueError(f"{what} has keys {unknown} that are not outputs of the model "
                                 f"{names}")
            return [value.get(name) for name in names]
        if isinstance(value, list):
            if len(value) != len(names):
                raise ValueError(f"the model has {len(names)} output(s) {names} but {what} is a "
                                 f"list of {len(value)} arrays; pass one per output")
            return list(value)
        if len(names) > 1:
            if what.startswith("sample_weight"):
                return [value] * len(names)
            raise ValueError(f"the model has {len(names)} outputs {names} but {what} is a single "
                             f"array; pass a list (one per output) or a dict keyed by output name")
        return [value]

    def _class_weights(self, class_weight, ys, sws):
        if not class_weight:
            return sws
        names = self._out_names
        if all(isinstance(v, dict) for v in class_weight.values()):
            per = [class_weight.get(name) for name in names]
        else:
            per = [class_weight] * len(names)
        out = []
        for name, cw, y, sw in zip(names, per, ys, sws):
            if cw is None or y is None:
                out.append(sw)
                continue
            weights = data.class_sample_weights(y, cw, name)
            out.append(weights if sw is None else
                       weights.reshape(weights.shape + (1,) * (np.ndim(sw) - 1)) * sw)
        return out

    def _device(self):
        weights = self.weights
        return weights[0].device if weights else None

    def _check_model(self, where):
        layers = getattr(self, "layers", None)
        if layers is not None and not layers and not self.weights and \
                not self._builds_own_layers():
            raise ValueError(f"{where}: the model has no layers; add layers (e.g. "
                             f"model.add(Dense(10))) before training or predicting")

    def _builds_own_layers(self):
        """A user subclass whose own ``build`` (not run yet) may create the layers."""
        return not self.built and any("build" in vars(cls) for cls in type(self).__mro__
                                      if not cls.__module__.startswith("keras_facade."))

    def _is_stateful(self):
        flatten = getattr(self, "_flatten_layers", None)
        return any(getattr(layer, "stateful", False) for layer in (flatten() if flatten else []))

    # -- checking a run's first batch before training ---------------------------------------------
    def _prepare_first(self, batch, where, class_weight=None, full_y=None):
        """Build the model and name its outputs with a 2-sample inference-mode forward pass, then
        check the targets against the outputs and losses (``full_y``: all targets, when known).
        Returns the batch split per output. The forward pass runs once per input/target signature
        since compile; the target checks run every time."""
        if self._own_step(where) is not None:  # the model's own step unpacks its batches
            return batch
        x, y, sw = batch
        signature = tuple((a.shape[1:], a.dtype.str) for a in flatten_data((x, y))
                          if a is not None)
        preds = None
        shapes = self._checked_signatures.get(signature) if self._outputs_configured else None
        if shapes is None and not self._is_stateful():  # a stateful model needs its batch size
            with ag.no_grad():
                outputs = self(data.to_tensors(data.slice_structure(x, slice(0, 2)), self._device()),
                               training=False)
            self._configure_outputs(outputs)
            preds = self._flat_outputs(outputs)
            shapes = [p.shape for p in preds]
        self._configure_outputs()
        ys, sws = self._split_targets(y, sw, class_weight)
        if shapes is None:
            return x, ys, sws
        if all(loss is None for loss in self.compiled_loss.losses) and not self.losses and \
                not self._overrides_compute_loss():
            raise ValueError(f"{where}: nothing to minimize: compile with a loss (e.g. "
                             f"loss='categorical_crossentropy') or add losses to the model")
        full = ys if full_y is None else self._per_output_data(self._spread_over_losses(full_y),
                                                                "y")
        for i, (name, loss) in enumerate(zip(self._out_names, self.compiled_loss.losses)):
            if loss is None:
                continue
            if ys[i] is None:
                raise ValueError(f"{where}: output {name!r} has a loss but no targets were given "
                                 f"for it")
            _check_targets(loss, full[i], shapes[i], name, where)
            if preds is not None:
                with ag.no_grad():
                    try:
                        loss(data.to_tensors(ys[i][:2], preds[i].device), preds[i])
                    except ValueError as err:
                        if not self._loss_fits_batch(loss, i, x, ys[i]):
                            raise ValueError(f"{where}: the targets for output {name!r} do not "
                                             f"fit its loss {loss.name!r}: {err}") from None
        self._checked_signatures[signature] = shapes
        return x, ys, sws

    def _loss_fits_batch(self, loss, index, x, y):
        """Whether ``loss`` runs on the whole batch: a custom loss may broadcast in a way that
        depends on the batch size ((B,) targets against (B, B) outputs), so a failing 2-sample
        probe is confirmed on the real batch before the targets are called wrong."""
        with ag.no_grad():
            pred = self._flat_outputs(self(data.to_tensors(x, self._device()), training=False))[index]
            try:
                loss(data.to_tensors(y, pred.device), pred)
            except ValueError:
                return False
        return True

    # -- one step ----------------------------------------------------------------------------------
    def _train_batch(self, x, ys, sws, params, device=None):
        """One optimizer step on a numpy batch (inputs, targets per output, weights per output)."""
        if self._own_step("fit") is not None:
            return self._run_own_step("fit", x, ys, sws, device)
        strategy = self._active_strategy()
        if strategy is not None:  # this rank's rows; gradients are averaged over ranks below
            x, ys, sws, local_count, global_count = dp.local_rows(strategy, x, ys, sws,
                                                                  _batch_size(x))
            self._dp_seen[0] += local_count
            self._dp_seen[1] += global_count
        xs = data.to_tensors(x, device)
        yts = [data.to_tensors(y, device) for y in ys]
        swts = [data.to_tensors(w, device) for w in sws]

        def objective(_weights):
            outputs = self(xs, training=True)
            preds = self._flat_outputs(outputs)
            total, parts = self._step_loss(xs, yts, outputs, swts, training=True)
            if total is None:
                raise ValueError("no loss to minimize: compile with a loss or add losses to layers")
            return total, (preds, parts)

        if params:
            (total, (preds, parts)), grads = ag.value_and_grad(objective, has_aux=True)(params)
            if strategy is not None:
                grads = strategy.average_gradients(grads, local_count, global_count)
            self.optimizer.apply(grads, params)
        else:
            with ag.no_grad():
                total, (preds, parts) = objective(None)
        self._update_metrics(total, parts, yts, detach_all(preds), swts, _batch_size(x))

    def _active_strategy(self):
        strategy = getattr(self, "_strategy", None)
        return strategy if strategy is not None and strategy.size > 1 else None

    def _test_batch(self, x, ys, sws, device=None):
        if self._own_step("evaluate") is not None:
            return self._run_own_step("evaluate", x, ys, sws, device)
        xs = data.to_tensors(x, device)
        yts = [data.to_tensors(y, device) for y in ys]
        swts = [data.to_tensors(w, device) for w in sws]
        with ag.no_grad():
            outputs = self(xs, training=False)
            preds = self._flat_outputs(outputs)
            total, parts = self._step_loss(xs, yts, outputs, swts, training=False)
            self._update_metrics(total, parts, yts, preds, swts, _batch_size(x))

    def zero_grad(self, set_to_none=True):
        """Forget the ``.grad`` of every weight before a ``loss.backward()`` in an own train_step
        (as Keras 3's torch models, which are torch modules)."""
        for weight in self.weights:
            weight.zero_grad()

    def _own_step(self, where):
        """The model's own ``train_step`` (fit) or ``test_step`` (evaluate) that Keras 3 calls with
        each batch instead of the built-in step (this class defines neither), or None."""
        return getattr(self, "test_step" if where in ("evaluate", "test_on_batch")
                       else "train_step", None)

    def _run_own_step(self, where, x, y, sw, device):
        """Call the own step with the batch packed as Keras 3 does: x, (x,), (x, y) or (x, y, sw);
        the dict it returns is the logs."""
        batch = (x,) if isinstance(x, (list, tuple)) else x
        if y is not None or sw is not None:
            batch = (x, y) if sw is None else (x, y, sw)
        step = self._own_step(where)
        logs = step(data.to_tensors(batch, device))
        if not isinstance(logs, dict):
            raise TypeError(f"{type(self).__name__}.{step.__name__} must return a dict of logs, "
                            f"got {type(logs).__name__}")
        self._step_logs = logs

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """A step's loss: the compiled output losses plus the model's added losses. A subclass
        may override it (Keras 3) to train on any loss of ``x``, ``y`` and ``y_pred``."""
        total, _ = self.compiled_loss(self._per_output_data(y, "y"), self._flat_outputs(y_pred),
                                      self._per_output_data(sample_weight, "sample_weight"),
                                      self.losses)
        return total

    def _overrides_compute_loss(self):
        return type(self).compute_loss is not Trainer.compute_loss

    def _step_loss(self, xs, yts, outputs, swts, training):
        """(total, per-output losses) of a batch; only the total from an overridden
        ``compute_loss``, which gets the targets and weights as given (one output: no list)."""
        if not self._overrides_compute_loss():
            return self.compiled_loss(yts, self._flat_outputs(outputs), swts, self.losses)
        kwargs = {}
        if "training" in inspect.signature(self.compute_loss).parameters:
            kwargs["training"] = training
        y, sw = (yts[0], swts[0]) if len(yts) == 1 else (yts, swts)
        total = self.compute_loss(x=xs, y=y, y_pred=outputs, sample_weight=sw, **kwargs)
        if total is None:
            raise ValueError(f"{type(self).__name__}.compute_loss returned None; it must return "
                             f"the loss tensor to minimize")
        return total, []

    def _update_metrics(self, total, parts, ys, preds, sws, batch_size):
        with ag.no_grad():
            self._loss_trackers[0].update_state(total.detach(), sample_weight=batch_size)
            for tracker, part in zip(self._loss_trackers[1:], parts):
                tracker.update_state(part.detach(), sample_weight=batch_size)
            self.compiled_metrics.update(ys, preds, sws)
            self._update_added_metrics(batch_size)

    def _update_added_metrics(self, batch_size):
        """Track the values layers logged with ``add_metric`` in this step's call."""
        if not getattr(self, "_add_metric_used", False):
            return
        trackers = self.__dict__.setdefault("_added_trackers", {})
        for layer in self._layers_within():
            for name, value, metric in layer.__dict__.get("_call_metrics", ()):
                if metric is not None:  # a stateful metric: it keeps its own running result
                    trackers[name] = metric
                else:
                    trackers.setdefault(name, metrics_module.Mean(name=name)).update_state(
                        value.detach(), sample_weight=batch_size)

    def _metric_tensors(self):
        if getattr(self, "_step_logs", None) is not None:
            return dict(self._step_logs)
        values = {t.name: t.result() for t in self._loss_trackers}
        values.update(self.compiled_metrics.results())
        values.update({n: t.result() for n, t in self.__dict__.get("_added_trackers", {}).items()})
        return values

    def _logs(self, prefix=""):
        """The current loss/metric values as Python numbers, in the profile's order."""
        logs = {prefix + k: _python(v) for k, v in self._metric_tensors().items()}
        if config.default("training.log_order") == "sorted":
            logs = dict(sorted(logs.items()))
        return logs

    def _log_names(self):
        if not self._outputs_configured and self._own_step("fit") is not None:
            return []  # known once the model's own step has returned its logs
        names = self._names()
        return sorted(names) if config.default("training.log_order") == "sorted" else names

    def _trainable_params(self):
        params = list(self.trainable_weights)
        if not params and not getattr(self, "_warned_frozen", False):
            warnings.warn("The model has no trainable weights: training only updates the metrics "
                          "(did you freeze every layer?)")
            self._warned_frozen = True
        return params

    # -- preparing data ------------------------------------------------------------------------------
    def _array_data(self, x, y, sample_weight, where, need_targets=True):
        x = data.standardize(x, "x")
        y = data.standardize(y, "y")
        sample_weight = data.standardize(sample_weight, "sample_weight")
        named = data.named_leaves(x, "x") + data.named_leaves(y, "y") + \
            data.named_leaves(sample_weight, "sample_weight")
        data.check_sample_counts(named, where)
        data.check_finite(named, where)
        if need_targets and y is None and self.loss is not None:  # else only add_loss losses
            raise ValueError(f"{where}: targets y are required (or pass a generator / Sequence that "
                             f"yields (x, y))")
        return x, y, sample_weight

    def _spread_over_losses(self, y):
        """Targets given only for the outputs that have a loss (as many arrays as losses, Keras
        3 accepts that): one entry per output, None for the others."""
        losses = getattr(self.compiled_loss, "losses", None)
        if y is None or isinstance(y, dict) or not losses:
            return y
        given = y if isinstance(y, list) else [y]
        with_loss = [i for i, loss in enumerate(losses) if loss is not None]
        if len(given) == len(losses) or len(given) != len(with_loss):
            return y
        spread = [None] * len(losses)
        for i, value in zip(with_loss, given):
            spread[i] = value
        return spread

    def _split_targets(self, y, sample_weight, class_weight=None):
        ys = self._per_output_data(self._spread_over_losses(y), "y")
        sws = self._per_output_data(sample_weight, "sample_weight")
        sws = self._class_weights(class_weight, ys, sws)
        return ys, sws

    # -- fit ---------------------------------------------------------------------------------------
    @legacy.interface("fit")
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, max_queue_size=10, workers=1,
            use_multiprocessing=False, **kwargs):
        """Train for ``epochs`` (from ``initial_epoch``); returns the ``History``."""
        if kwargs.pop("show_accuracy", None) is not None:
            warnings.warn("fit: `show_accuracy` is gone since Keras 1; compile with "
                          "metrics=['accuracy']", DeprecationWarning, stacklevel=2)
        if kwargs:
            raise TypeError(f"fit: unexpected keyword argument(s) {sorted(kwargs)}")
        self._assert_compiled("fit")
        self._check_model("fit")
        verbose = _verbosity(verbose)
        if data.is_batch_source(x):
            if validation_split:
                raise ValueError("fit: validation_split needs array data; with a generator or "
                                 "Sequence pass validation_data instead")
            train = data.batch_source(x, y, sample_weight, steps=steps_per_epoch, shuffle=shuffle,
                                      where="fit")
            full_targets = None
        else:
            x, y, sample_weight = self._array_data(x, y, sample_weight, "fit")
            if validation_data is None and validation_split:
                n = data.check_sample_counts(data.named_leaves(x, "x"), "fit")
                (x, y, sample_weight), (vx, vy, vsw) = data.split_validation(
                    [x, y, sample_weight], validation_split, n)
                validation_data = (vx, vy) if vsw is None else (vx, vy, vsw)
            train = data.ArrayBatches(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
            batch_size = train.batch_size
            full_targets = y
        val = self._validation_source(validation_data, validation_steps,
                                      validation_batch_size or batch_size)
        epoch_batches = train.epoch()
        first = next(iter(epoch_batches), None)
        if first is None:
            raise ValueError("fit: the training data yielded no batch")
        first = self._prepare_first(first, "fit", class_weight, full_targets)
        params = {"batch_size": batch_size, "epochs": epochs, "steps": train.steps,
                  "samples": train.num_samples, "verbose": verbose,
                  "do_validation": val is not None,
                  "metrics": self._log_names() + ([f"val_{n}" for n in self._log_names()]
                                                   if val is not None else [])}
        strategy = self._active_strategy()
        unshard = lambda: None  # noqa: E731
        if strategy is not None:
            verbose, callbacks = dp.begin_fit(strategy, self, verbose, callbacks)
            params["verbose"] = verbose
            unshard = dp.shard_loading(strategy, x)
        cbs, history = callbacks_module.configure(callbacks, self, verbose, params, train.count_mode)
        if isinstance(val, data.ArrayBatches):
            for cb in cbs.callbacks:
                cb.validation_data = [val.x, val.y, val.sample_weight]
        self.history = history
        if verbose and val is not None and train.count_mode == "samples" and \
                isinstance(val, data.ArrayBatches):
            print("Train on %d samples, validate on %d samples" % (train.num_samples, val.num_samples))
        self.stop_training = False
        weights = [] if self._own_step("fit") is not None else self._trainable_params()
        epoch_logs = None
        try:
            self._initial_epoch = None  # a callback may set it (BackupAndRestore resuming)
            cbs.on_train_begin()
            initial_epoch = self._initial_epoch or initial_epoch
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                self._dp_seen = [0, 0]
                cbs.on_epoch_begin(epoch)
                if first is None:
                    epoch_batches = train.epoch()
                self._run_epoch(epoch_batches, first, class_weight, weights, cbs)
                first = None
                if getattr(train, "exhausted", False):
                    self.stop_training = True
                    if train.steps is None and epoch + 1 < epochs:
                        warnings.warn(f"fit: the generator ran out of data after epoch {epoch + 1} "
                                      f"of {epochs}; stopping (without steps_per_epoch an epoch "
                                      f"is one pass over a generator)", UserWarning, stacklevel=2)
                epoch_logs = self._logs()
                if strategy is not None:
                    epoch_logs = dp.epoch_logs(strategy, epoch_logs, *self._dp_seen)
                if val is not None and _due(validation_freq, epoch):
                    epoch_logs.update(self._evaluate_source(val, cbs, prefix="val_"))
                cbs.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
        finally:
            unshard()
        cbs.on_train_end(epoch_logs)  # the last epoch's logs, as Keras 3
        if getattr(self.optimizer, "use_ema", False):
            self.optimizer.finalize_variable_values(weights)
        return history

    def _run_epoch(self, batches, first, class_weight, weights, cbs):
        device = weights[0].device if weights else self._device()
        begin = cbs.has_batch_hook("on_train_batch_begin")
        end = cbs.has_batch_hook("on_train_batch_end")
        step = 0
        split = _unsplit if self._own_step("fit") is not None else self._split_targets
        if first is not None:
            batches = _chain(first, batches, split, class_weight)
        else:
            batches = ((x,) + split(y, sw, class_weight) for x, y, sw in batches)
        for x, ys, sws in batches:
            size = _batch_size(x)
            if begin:
                cbs.batch_hook("on_train_batch_begin", step, {"batch": step, "size": size})
            self._train_batch(x, ys, sws, weights, device)
            if end:
                logs = callbacks_module.DeferredLogs({"batch": step, "size": size}, self._logs)
                if cbs.wants_batch_values:
                    logs.resolve()
                cbs.batch_hook("on_train_batch_end", step, logs)
            step += 1
            if self.stop_training:
                break

    def _validation_source(self, validation_data, steps, batch_size):
        if validation_data is None:
            return None
        if data.is_batch_source(validation_data):
            return data.batch_source(validation_data, steps=steps, where="validation",
                                     steps_arg="validation_steps")
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (1, 2, 3):
            raise ValueError("validation_data must be (x_val, y_val), (x_val, y_val, "
                             "sample_weight_val), (x_val,) for a model without compiled loss, "
                             "a generator or a Sequence")
        vx, vy, vsw = (list(validation_data) + [None, None])[:3]
        vx, vy, vsw = self._array_data(vx, vy, vsw, "validation_data")
        return data.ArrayBatches(vx, vy, vsw, batch_size, False, steps)

    def _evaluate_source(self, source, cbs=None, prefix="", verbose=0):
        """Run ``source`` in inference mode; returns the logs (metrics reset first)."""
        self.reset_metrics()
        if cbs is not None:
            cbs.on_test_begin()
        bar = Progbar(_progbar_target(source), verbose=verbose) if verbose else None
        seen = 0
        first = True
        for step, (x, y, sw) in enumerate(source.epoch()):
            if first:
                x, ys, sws = self._prepare_first((x, y, sw), "evaluate")
                device = self._device()
                first = False
            elif self._own_step("evaluate") is not None:
                ys, sws = y, sw
            else:
                ys, sws = self._split_targets(y, sw)
            if cbs is not None and cbs.has_batch_hook("on_test_batch_begin"):
                cbs.batch_hook("on_test_batch_begin", step, {"batch": step, "size": _batch_size(x)})
            self._test_batch(x, ys, sws, device)
            if cbs is not None and cbs.has_batch_hook("on_test_batch_end"):
                cbs.batch_hook("on_test_batch_end", step, dict(self._logs(), batch=step,
                                                               size=_batch_size(x)))
            seen += _batch_size(x) if source.count_mode == "samples" else 1
            if bar is not None and bar.due(seen):  # running means: shown as they are
                logs = self._logs()
                bar.stateful_metrics.update(logs)
                bar.update(seen, list(logs.items()))
        if first:
            raise ValueError("evaluate: the data yielded no batch")
        logs = self._logs()
        if cbs is not None:
            cbs.on_test_end(logs)
        return {prefix + k: v for k, v in logs.items()}

    # -- evaluate / predict ------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                 return_dict=False, **kwargs):
        """The loss and metrics over the whole data, in inference mode: a scalar (loss only), a list
        in ``metrics_names`` order, or a dict with ``return_dict=True``."""
        if kwargs:
            raise TypeError(f"evaluate: unexpected keyword argument(s) {sorted(kwargs)}")
        self._assert_compiled("evaluate")
        self._check_model("evaluate")
        verbose = _verbosity(verbose)
        if data.is_batch_source(x):
            source = data.batch_source(x, y, sample_weight, steps=steps, where="evaluate",
                                       steps_arg="steps")
        else:
            x, y, sample_weight = self._array_data(x, y, sample_weight, "evaluate")
            source = data.ArrayBatches(x, y, sample_weight, batch_size, False, steps)
        cbs = callbacks_module.CallbackList(callbacks, model=self, params={
            "verbose": verbose, "steps": source.steps, "samples": source.num_samples})
        logs = self._evaluate_source(source, cbs, verbose=verbose)
        return self._returned(logs, return_dict)

    def _returned(self, logs, return_dict):
        if return_dict:
            return logs
        values = [logs[name] for name in self._names()]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, max_queue_size=10,
                workers=1, use_multiprocessing=False):
        """Outputs for every sample, in inference mode, concatenated over batches (numpy)."""
        self._check_model("predict")
        verbose = _verbosity(verbose, config.default("training.predict_verbose"))
        if data.is_batch_source(x):
            source = data.batch_source(x, steps=steps, where="predict", steps_arg="steps")
        else:
            x = data.standardize(x, "x")
            data.check_sample_counts(data.named_leaves(x, "x"), "predict")
            data.check_finite(data.named_leaves(x, "x"), "predict")
            source = data.ArrayBatches(x, None, None, batch_size, False, steps)
        cbs = callbacks_module.CallbackList(callbacks, model=self, params={
            "verbose": verbose, "steps": source.steps, "samples": source.num_samples})
        cbs.on_predict_begin()
        bar = Progbar(_progbar_target(source), verbose=verbose) if verbose else None
        chunks, structure, seen = [], None, 0
        device = self._device()
        for step, (xb, _, _) in enumerate(source.epoch()):
            if cbs.has_batch_hook("on_predict_batch_begin"):
                cbs.batch_hook("on_predict_batch_begin", step, {"batch": step,
                                                                "size": _batch_size(xb)})
            with ag.no_grad():
                out = self(data.to_tensors(xb, device), training=False)
            structure = out
            leaves = [o.numpy() for o in _leaves(out)]
            chunks.append(leaves)
            if cbs.has_batch_hook("on_predict_batch_end"):
                cbs.batch_hook("on_predict_batch_end", step, {"batch": step, "size": _batch_size(xb),
                                                              "outputs": leaves})
            seen += _batch_size(xb) if source.count_mode == "samples" else 1
            if bar is not None and bar.due(seen):
                bar.update(seen)
        cbs.on_predict_end()
        if not chunks:
            raise ValueError("predict: the data yielded no batch")
        merged = [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))]
        return _pack_outputs(structure, merged)

    # -- single batches ----------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                       return_dict=False):
        """One training step on one batch; returns the loss (and metrics) of that batch."""
        self._assert_compiled("train_on_batch")
        self._check_model("train_on_batch")
        x, y, sample_weight = self._array_data(x, y, sample_weight, "train_on_batch")
        x, ys, sws = self._prepare_first((x, y, sample_weight), "train_on_batch", class_weight)
        if reset_metrics:  # the values returned are this batch's alone
            self.reset_metrics()
        params = self._trainable_params()
        self._train_batch(x, ys, sws, params, params[0].device if params else self._device())
        logs = self._logs()
        if reset_metrics:
            self.reset_metrics()
        return self._returned(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """Loss (and metrics) of one batch in inference mode."""
        self._assert_compiled("test_on_batch")
        x, y, sample_weight = self._array_data(x, y, sample_weight, "test_on_batch")
        x, ys, sws = self._prepare_first((x, y, sample_weight), "test_on_batch")
        if reset_metrics:
            self.reset_metrics()
        self._test_batch(x, ys, sws, self._device())
        logs = self._logs()
        if reset_metrics:
            self.reset_metrics()
        return self._returned(logs, return_dict)

    def predict_on_batch(self, x):
        """Outputs for one batch (inference mode, numpy)."""
        x = data.standardize(x, "x")
        with ag.no_grad():
            out = self(data.to_tensors(x, self._device()), training=False)
        return _pack_outputs(out, [o.numpy() for o in _leaves(out)])

    # -- Keras 2 generator methods and Sequential's helpers ----------------------------------------
    @legacy.interface("fit_generator")
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1,
                      class_weight=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                      shuffle=True, initial_epoch=0):
        """Keras 2's ``fit_generator`` (generators and Sequences; same as ``fit``)."""
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch)

    @legacy.interface("evaluate_generator")
    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0):
        """Keras 2's ``evaluate_generator``."""
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    @legacy.interface("predict_generator")
    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0):
        """Keras 2's ``predict_generator`` (order = the generator's; use shuffle=False)."""
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Keras 2: class indices (argmax, or ``p > 0.5`` for a single unit)."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Keras 2: ``predict``, warning when the outputs are not probabilities."""
        preds = self.predict(x, batch_size=batch_size, verbose=verbose)
        if preds.min() < 0.0 or preds.max() > 1.0:
            warnings.warn("Network returning invalid probability values. The last layer might not "
                          "normalize predictions into probabilities (like softmax or sigmoid would).")
        return preds


# -- helpers -----------------------------------------------------------------------------------------
def _batch_size(x):
    leaf = x
    while isinstance(leaf, (list, tuple, dict)):
        leaf = next(iter(leaf.values())) if isinstance(leaf, dict) else leaf[0]
    return int(leaf.shape[0])


def _unsplit(y, sample_weight, class_weight=None):
    """Targets and weights as given (a model's own train_step unpacks them)."""
    return y, sample_weight


def _chain(first, rest, split, class_weight):
    yield first
    for x, y, sw in rest:
        yield (x,) + split(y, sw, class_weight)


def _verbosity(verbose, auto=1):
    """Keras 3's ``verbose='auto'``: a progress bar (``auto``) unless said otherwise."""
    return auto if verbose == "auto" else int(verbose)


def _due(validation_freq, epoch):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def _progbar_target(source):
    return source.num_samples if source.count_mode == "samples" else source.steps


def _leaves(out):
    return flatten_data(out)


def _pack_outputs(structure, arrays):
    """``arrays`` nested like the model's outputs (a list at the top, inner tuples kept)."""
    packed = pack_like(structure, arrays)
    return list(packed) if isinstance(packed, tuple) else packed


def _map_spec(spec, fn):
    """Apply ``fn`` to each leaf of a compile spec (a value, list or dict of them)."""
    if spec is None:
        return None
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: _map_spec(v, fn) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_map_spec(v, fn) for v in spec]
    return fn(spec)


def _check_targets(loss, target, pred_shape, output, where):
    """Targets must fit built-in losses: one-hot for categorical cross-entropy, class ids in range
    for the sparse one, and the output's shape for the others."""
    fn = loss_function_of(loss)
    pred_shape = tuple(pred_shape)
    shape = target.shape
    classes = pred_shape[-1] if pred_shape else 1
    if fn is losses_module.sparse_categorical_crossentropy:
        expected = pred_shape[:-1]
        if shape[1:] not in (expected[1:], expected[1:] + (1,)):
            raise ValueError(f"{where}: sparse_categorical_crossentropy on output {output!r} expects "
                             f"integer class ids of shape (n,{''.join(f' {d},' for d in expected[1:])}"
                             f") for outputs of shape {_shown(pred_shape)}, got targets of shape "
                             f"{shape}" + (" (one-hot targets: use categorical_crossentropy)"
                                           if shape[-1] == classes and classes > 1 else ""))
        if target.size:
            if target.dtype.kind == "f" and not np.all(np.equal(np.mod(target, 1), 0)):
                raise ValueError(f"{where}: sparse_categorical_crossentropy on output {output!r} "
                                 f"needs integer class ids, got fractional values")
            low, high = target.min(), target.max()
            if low < 0 or high >= classes:
                raise ValueError(f"{where}: class ids for output {output!r} must lie in [0, "
                                 f"{classes}) (the output has {classes} units), got values from "
                                 f"{low:g} to {high:g}")
        return
    if fn not in _SHAPE_CHECKED_LOSSES:
        return
    if fn is losses_module.categorical_crossentropy and classes > 1 and shape[1:] != pred_shape[1:] \
            and (len(shape) < len(pred_shape) or shape[-1] == 1):
        raise ValueError(f"{where}: categorical_crossentropy on output {output!r} expects one-hot "
                         f"targets of shape {_shown(pred_shape)}, got integer labels of shape "
                         f"{shape}; use loss='sparse_categorical_crossentropy', or convert the "
                         f"labels with keras.utils.to_categorical(y, {classes})")
    t, p = shape[1:], pred_shape[1:]
    if len(t) == len(p) + 1 and t[-1:] == (1,):
        t = t[:-1]
    elif len(p) == len(t) + 1 and p[-1:] == (1,):
        p = p[:-1]
    if t != p:
        raise ValueError(f"{where}: targets of shape {shape} do not match output {output!r} of "
                         f"shape {_shown(pred_shape)} for loss {loss.name!r}; give one target row "
                         f"of shape {pred_shape[1:]} per sample")


def _shown(shape):
    return (None,) + tuple(shape[1:])
