"""The ``Optimizer`` base class: hyper-parameters, optimizer state and the two ways to apply a rule.

* ``apply_gradients`` / ``apply`` update the variables in place, without recording (training).
* ``stateless_apply`` returns new values and records the computation, so one can differentiate
  through optimizer steps (e.g. a hyper-gradient with respect to the learning rate).

State follows Keras 3: ``variables`` = ``[iterations, learning_rate (unless a schedule), per-variable
EMA averages / gradient accumulators, the rule's slots, global slots]``, slot groups created per
trainable variable in Keras's order, so files restore by position.
"""
import warnings

import numpy as np

import autograd_core as ag

from . import rules
from . import schedules as schedules_module

_BASE_KWARGS = ("learning_rate", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
                "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                "gradient_accumulation_steps", "name")
_IGNORED_CONFIG_KEYS = ("is_legacy_optimizer", "jit_compile")
_NAME_COUNTS = {}


def _auto_name(cls_name):
    base = "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(cls_name))
    count = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def _state(value, name, dtype, device=None, scope=None):
    """A non-trainable state tensor (a ``keras_facade.variables.Variable`` when available) whose
    path is ``scope/name``, as Keras 3's ``adam/iteration``."""
    array = np.asarray(value, dtype=dtype)
    variable_cls = _variable_class()
    if variable_cls is not None:
        try:
            var = variable_cls(array, name=name, trainable=False,
                               path=f"{scope}/{name}" if scope else name)
            return var.to(device) if device is not None and var.device != ag.device(device) else var
        except TypeError:
            pass
    return ag.tensor(array, device=device)


def _variable_class():
    try:
        from ..variables import Variable
    except ImportError:
        return None
    return Variable


def _assign(variable, value):
    """Write ``value`` (a tensor or array) into ``variable`` in place, keeping its dtype."""
    if value.__class__ is ag.Tensor and value._device is variable._device:
        data = value._data  # the common case, a rule's result: taken as it is unless read-only
        if data.dtype == variable._data.dtype and getattr(data.flags, "writeable", True):
            variable._data = data
            return
    data = value.data if isinstance(value, ag.Tensor) else value
    if getattr(data, "dtype", None) != variable.dtype:
        data = np.asarray(data, dtype=variable.dtype)
    variable.data = data


def _key_of(variable):
    return id(variable)


class Optimizer:
    """Base optimizer. Subclasses set ``rule`` (a function of ``rules``), ``_hyper_names`` (their
    hyper-parameter attributes passed to the rule) and ``slot_groups()``."""

    rule = None
    _hyper_names = ()
    default_name = None  # Keras's fixed default name; None: numbered after the class ("adagrad_1")

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        learning_rate, self.decay = _legacy_kwargs(type(self).__name__, learning_rate, kwargs)
        given = [n for n, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(given) > 1:
            raise ValueError(f"{type(self).__name__}: only one of clipnorm, clipvalue and "
                             f"global_clipnorm can be set, got {', '.join(given)}")
        if gradient_accumulation_steps is not None and gradient_accumulation_steps < 2:
            raise ValueError(f"{type(self).__name__}: gradient_accumulation_steps must be an integer "
                             f">= 2, got {gradient_accumulation_steps}")
        if use_ema and not 0 <= ema_momentum <= 1:
            raise ValueError(f"{type(self).__name__}: ema_momentum must be in [0, 1], got {ema_momentum}")
        self.name = name or self.default_name or _auto_name(type(self).__name__)
        self.weight_decay, self.clipnorm, self.clipvalue = weight_decay, clipnorm, clipvalue
        self.global_clipnorm, self.use_ema, self.ema_momentum = global_clipnorm, use_ema, ema_momentum
        self.ema_overwrite_frequency, self.loss_scale_factor = ema_overwrite_frequency, loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._iterations = _state(0, "iteration", np.int64, scope=self.name)
        self._variables = [self._iterations]
        self._lr_variable = None
        self._set_learning_rate(learning_rate)
        self._trainable = []
        self._index = {}
        self._slots = []          # per trainable variable: {slot name: tensor}
        self._globals = {}        # global slots (e.g. Nadam's u_product)
        self._exclude_ids, self._exclude_names = set(), ()

    # -- what subclasses describe ---------------------------------------------------------------
    def slot_groups(self):
        """Groups of ``(slot name, initial value)``; each group is created interleaved per variable,
        group after group (Keras's variable order)."""
        return []

    def slot_variable(self, var, prefix, slot_name):
        """The name and shape of the slot ``slot_name`` of ``var`` (default: ``{prefix}_{slot}``
        shaped like the variable)."""
        return f"{prefix}_{slot_name}", var.shape

    def global_slots(self):
        """``(name, initial value)`` of scalar slots shared by all variables."""
        return []

    def advance_globals(self, values, step):
        """New global slot values for 1-based ``step`` (called once per step, before the rule)."""
        return values

    def rule_config(self):
        """The hyper-parameters that ``get_config`` reports."""
        return {n: getattr(self, n) for n in self._hyper_names}

    def rule_hyper(self):
        """The rule's own hyper-parameters (besides learning_rate and step)."""
        return self.rule_config()

    # -- learning rate and iterations -----------------------------------------------------------
    def _set_learning_rate(self, value):
        if isinstance(value, schedules_module.LearningRateSchedule) or (
                callable(value) and not isinstance(value, ag.Tensor)):
            if self._lr_variable is not None:
                self._variables.remove(self._lr_variable)
                self._lr_variable = None
            self._learning_rate = value
            return
        if isinstance(self._learning_rate_or_none(), schedules_module.LearningRateSchedule):
            raise TypeError(f"{type(self).__name__} was created with a learning-rate schedule, so its "
                            f"learning rate cannot be set; create it with a float learning_rate")
        value = float(value.item() if isinstance(value, ag.Tensor) else value)
        if self._lr_variable is None:
            self._lr_variable = _state(value, "learning_rate", np.float32, scope=self.name)
            self._variables.insert(1, self._lr_variable)
        else:
            _assign(self._lr_variable, np.asarray(value, dtype=np.float32))
        self._learning_rate = self._lr_variable

    def _learning_rate_or_none(self):
        return getattr(self, "_learning_rate", None)

    @property
    def learning_rate(self):
        """The learning-rate variable (a float32 scalar tensor), or the schedule's current value."""
        if self._lr_variable is not None:
            return self._lr_variable
        return self._current_learning_rate(self._iteration_count())

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_learning_rate(value)

    @property
    def lr(self):
        """Keras 2 alias of ``learning_rate``."""
        return self.learning_rate

    @lr.setter
    def lr(self, value):
        self._set_learning_rate(value)

    @property
    def iterations(self):
        """The step counter (an int64 scalar tensor; optimizer steps when accumulating gradients)."""
        if self.gradient_accumulation_steps:
            return ag.tensor(self._iteration_count() // self.gradient_accumulation_steps)
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        _assign(self._iterations, np.asarray(int(value), dtype=np.int64))

    def _iteration_count(self):
        return int(self._iterations.data)

    def _current_learning_rate(self, iteration):
        """The learning rate for the step taken at ``iteration`` (0-based, before incrementing)."""
        lr = self._learning_rate
        if isinstance(lr, schedules_module.LearningRateSchedule):
            value = lr(iteration)
        elif lr is self._lr_variable:
            value = float(lr.data)
        else:
            value = lr()
            value = float(value.item() if isinstance(value, ag.Tensor) else value)
        if self.decay:
            value = value / (1.0 + self.decay * iteration)
        return value

    # -- state ----------------------------------------------------------------------------------
    @property
    def variables(self):
        """All optimizer state in Keras 3 order (see the module docstring)."""
        return list(self._variables)

    @property
    def weights(self):
        return self.variables

    def get_weights(self):
        return [np.array(v.numpy()) for v in self._variables]

    def set_weights(self, weights):
        if len(weights) != len(self._variables):
            raise ValueError(f"{type(self).__name__}.set_weights: expected {len(self._variables)} "
                             f"arrays (build the optimizer first), got {len(weights)}")
        for var, value in zip(self._variables, weights):
            value = np.asarray(value)
            if value.shape != var.shape:
                raise ValueError(f"{type(self).__name__}.set_weights: a state variable has shape "
                                 f"{var.shape}, the new value {value.shape}")
        for var, value in zip(self._variables, weights):
            _assign(var, np.asarray(value, dtype=var.dtype))

    def build(self, var_list):
        """Create the state for ``var_list`` (done by the first ``apply`` when needed)."""
        if self.built:
            return
        var_list = list(var_list)
        self._add_slots(var_list)
        dtype = var_list[0].dtype if var_list else np.float32
        for name, value in self.global_slots():
            self._globals[name] = _state(value, name, dtype, scope=self.name)
            self._variables.append(self._globals[name])
        self.built = True

    def _add_slots(self, var_list):
        """Create slots for new variables, in Keras's order (base slots, then each group)."""
        start = len(self._trainable)
        created = [dict() for _ in var_list]
        groups = []
        base = [("average", 0.0)] if self.use_ema else []
        if self.gradient_accumulation_steps:
            base.append(("gradient_accumulator", 0.0))
        if base:
            groups.append(base)
        groups += self.slot_groups()
        insert_at = len(self._variables) - len(self._globals)
        new_vars = []
        for group in groups:
            for var, slots in zip(var_list, created):
                prefix = str(getattr(var, "path", None) or getattr(var, "name", None) or "variable")
                prefix = prefix.replace("/", "_").replace(":", "_")
                for slot_name, init in group:
                    name, shape = self.slot_variable(var, prefix, slot_name)
                    slot = _state(np.full(shape, init, dtype=var.dtype), name, var.dtype,
                                  device=var.device, scope=self.name)
                    slots[slot_name] = slot
                    new_vars.append(slot)
        self._variables[insert_at:insert_at] = new_vars
        for i, (var, slots) in enumerate(zip(var_list, created)):
            self._index[_key_of(var)] = start + i
            self._trainable.append(var)
            self._slots.append(slots)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for these variables, or for those whose name contains one of
        ``var_names``."""
        self._exclude_ids = {_key_of(v) for v in var_list or ()}
        self._exclude_names = tuple(var_names or ())

    def _decays(self, var):
        if not self.weight_decay or _key_of(var) in self._exclude_ids:
            return False
        name = str(getattr(var, "name", ""))
        return not any(n in name for n in self._exclude_names)

    # -- applying gradients ----------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        """Update each variable from its gradient: ``apply_gradients(zip(grads, vars))``."""
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        grads, variables = zip(*pairs)
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Update ``trainable_variables`` (default: those the optimizer was built with) in place."""
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{type(self).__name__}.apply: without variables the optimizer must "
                                 f"be built first; call optimizer.build(model.trainable_weights) or "
                                 f"pass the variables")
            variables = list(self._trainable)
        else:
            variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"{type(self).__name__}.apply: got {len(grads)} gradients for "
                             f"{len(variables)} variables")
        if not self.built:
            self.build(variables)
        else:
            new = [v for v in variables if _key_of(v) not in self._index]
            if new:
                self._add_slots(new)
        grads, variables = self._filter_missing(grads, variables)
        if not grads:
            return
        grads = [self._as_gradient(g, v) for g, v in zip(grads, variables)]
        count = self._iteration_count()
        with ag.no_grad():
            if self.gradient_accumulation_steps:
                self._accumulate_or_step(grads, variables, count)
            else:
                self._step_in_place(grads, variables, count, count)
            if self.use_ema:  # every trainable variable, counted in optimizer steps (as Keras)
                steps = self.gradient_accumulation_steps or 1
                self._update_averages(self._trainable, count // steps)
        _assign(self._iterations, np.asarray(count + 1, dtype=np.int64))

    def _filter_missing(self, grads, variables):
        missing = [getattr(v, "name", f"#{i}") for i, (g, v) in enumerate(zip(grads, variables))
                   if g is None]
        if missing and len(missing) == len(grads):
            raise ValueError(f"{type(self).__name__}: no gradients provided for any variable")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          f"loss; they are left unchanged")
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        return [g for g, _ in kept], [v for _, v in kept]

    def _as_gradient(self, grad, var):
        if not isinstance(grad, ag.Tensor):
            grad = ag.tensor(np.asarray(grad), dtype=var.dtype, device=var.device)
        if grad.shape != var.shape:
            raise ValueError(f"{type(self).__name__}: the gradient for variable "
                             f"{getattr(var, 'name', '')!r} has shape {grad.shape}, the variable "
                             f"{var.shape}")
        return grad.detach()

    def _step_in_place(self, grads, variables, lr_iteration, rule_iteration):
        slots = [self._slots[self._index[_key_of(v)]] for v in variables]
        globals_ = {k: float(v.data) for k, v in self._globals.items()}
        lr = self._current_learning_rate(lr_iteration)
        new_params, new_slots, new_globals = self._compute(
            list(variables), grads, slots, globals_, rule_iteration + 1, lr, variables)
        for var, value in zip(variables, new_params):
            _assign(var, value)
        for old, new in zip(slots, new_slots):
            for name, value in new.items():
                _assign(old[name], value)
        for name, value in new_globals.items():
            _assign(self._globals[name], np.asarray(value, dtype=self._globals[name].dtype))

    def _accumulate_or_step(self, grads, variables, count):
        steps = self.gradient_accumulation_steps
        accs = [self._slots[self._index[_key_of(v)]]["gradient_accumulator"] for v in variables]
        if (count + 1) % steps:
            for acc, g in zip(accs, grads):
                _assign(acc, acc + g)
            return
        grads = [(g + acc) / steps for g, acc in zip(grads, accs)]
        self._step_in_place(grads, variables, count, count // steps)
        for acc in accs:
            _assign(acc, ag.zeros_like(acc))

    def _update_averages(self, variables, count):
        momentum = self.ema_momentum if count else 0.0
        for var in variables:
            avg = self._slots[self._index[_key_of(var)]]["average"]
            _assign(avg, avg * momentum + var * (1 - momentum))
        freq = self.ema_overwrite_frequency
        if freq and (count + 1) % freq == 0:
            self.finalize_variable_values(variables)

    def swap_moving_averages(self):
        """With ``use_ema``, exchange each trainable variable with its moving average (twice is a
        no-op); returns whether anything was swapped."""
        if not self.use_ema:
            return False
        for var, slots in zip(self._trainable, self._slots):
            current = var.numpy().copy()
            _assign(var, slots["average"])
            _assign(slots["average"], current)
        return True

    def reset_moving_averages(self):
        """With ``use_ema``, set each moving average to its variable's current value."""
        for var, slots in zip(self._trainable, self._slots):
            if "average" in slots:
                _assign(slots["average"], var.numpy().copy())

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, overwrite the variables with their moving averages (end of fit)."""
        if not self.use_ema:
            return
        for var in var_list:
            i = self._index.get(_key_of(var))
            if i is not None:
                _assign(var, self._slots[i]["average"])

    def _compute(self, params, grads, slots, globals_, step, lr, variables):
        """The recorded-or-not core: transforms the gradients, then runs the rule per variable.
        ``variables`` are the model variables behind ``params`` (for constraints and decay
        exclusions). Returns (new params, new slot dicts (rule slots only), new global values)."""
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        grads = self._clip(grads)
        if self.weight_decay:
            params = [rules.decoupled_weight_decay(p, lr, self.weight_decay) if self._decays(v) else p
                      for p, v in zip(params, variables)]
        globals_ = {k: v if isinstance(v, ag.Tensor) else float(np.asarray(v, self._globals[k].dtype))
                    for k, v in self.advance_globals(dict(globals_), step).items()}
        hyper = dict(self.rule_hyper(), learning_rate=lr, step=float(step), **globals_)
        rule_slots = {name for group in self.slot_groups() for name, _ in group}
        new_params, new_slots = [], []
        for p, g, s, var in zip(params, grads, slots, variables):
            if len(s) != len(rule_slots):  # EMA averages and gradient accumulators are not the rule's
                s = {k: v for k, v in s.items() if k in rule_slots}
            new_p, new_s = self.rule(p, g, s, hyper)
            constraint = getattr(var, "constraint", None)
            if constraint is not None:
                new_p = constraint(new_p)
            new_params.append(new_p)
            new_slots.append(new_s)
        return new_params, new_slots, globals_

    def _clip(self, grads):
        if self.clipnorm:
            return [rules.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm:
            return rules.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue:
            return [rules.clip_by_value(g, self.clipvalue) for g in grads]
        return grads

    # -- pure functional use ----------------------------------------------------------------------
    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """One recorded step without touching any state: returns ``(new trainable values, new
        optimizer variables)``, lists laid out like ``trainable_variables`` and ``self.variables``.

        Everything is computed with engine ops while recording, so gradients flow from the results
        back to the inputs, including a learning rate passed as a tensor in
        ``optimizer_variables[1]``. The optimizer must be built (``build(vars)``); the iteration
        count is read from ``optimizer_variables[0]``.
        """
        if not self.built:
            raise ValueError(f"{type(self).__name__}.stateless_apply: build the optimizer first with "
                             f"optimizer.build(trainable_variables)")
        if len(optimizer_variables) != len(self._variables):
            raise ValueError(f"{type(self).__name__}.stateless_apply: expected "
                             f"{len(self._variables)} optimizer variables, got {len(optimizer_variables)}")
        if len(trainable_variables) != len(self._trainable) or len(grads) != len(self._trainable):
            raise ValueError(f"{type(self).__name__}.stateless_apply: the optimizer was built for "
                             f"{len(self._trainable)} variables, got {len(trainable_variables)} "
                             f"variables and {len(grads)} gradients")
        if self.use_ema or self.gradient_accumulation_steps:
            raise ValueError("stateless_apply does not support use_ema or gradient_accumulation_steps")
        position = {id(v): i for i, v in enumerate(self._variables)}
        values = list(optimizer_variables)
        count = int(values[0].item() if isinstance(values[0], ag.Tensor) else values[0])
        if self._lr_variable is not None:
            lr = values[1]
            if self.decay:
                lr = lr / (1.0 + self.decay * count)
        else:
            lr = self._current_learning_rate(count)
        slots = [{k: values[position[id(t)]] for k, t in s.items()} for s in self._slots]
        globals_ = {k: values[position[id(t)]] for k, t in self._globals.items()}
        new_params, new_slots, new_globals = self._compute(
            list(trainable_variables), list(grads), slots, globals_, count + 1, lr, self._trainable)
        values[0] = ag.tensor(np.asarray(count + 1, dtype=np.int64))
        for old, new in zip(self._slots, new_slots):
            for name, value in new.items():
                values[position[id(old[name])]] = value
        for name, value in new_globals.items():
            values[position[id(self._globals[name])]] = value
        return new_params, values

    def minimize(self, loss, var_list):
        """Compute the gradient of ``loss()`` (a callable) with respect to ``var_list`` and apply it."""
        var_list = list(var_list)
        _, grads = ag.value_and_grad(lambda ws: loss())(var_list)
        self.apply(grads, var_list)
        return self._iterations

    # -- configuration ----------------------------------------------------------------------------
    def get_config(self):
        """Keras 3's config keys plus this optimizer's hyper-parameters (and Keras 2's ``decay`` when
        set)."""
        lr = self._learning_rate
        if isinstance(lr, schedules_module.LearningRateSchedule):
            lr = schedules_module.serialize(lr)
        elif lr is self._lr_variable:
            lr = float(lr.data)
        config = {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                  "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                  "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                  "ema_momentum": self.ema_momentum,
                  "ema_overwrite_frequency": self.ema_overwrite_frequency,
                  "loss_scale_factor": self.loss_scale_factor,
                  "gradient_accumulation_steps": self.gradient_accumulation_steps}
        config.update(self.rule_config())
        if self.decay:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = {k: v for k, v in config.items() if k not in _IGNORED_CONFIG_KEYS}
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            config["learning_rate"] = schedules_module.deserialize(lr, custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _legacy_kwargs(cls_name, learning_rate, kwargs):
    """Keras 2 spellings: ``lr`` (alias of learning_rate) and ``decay`` (time-based decay per batch),
    both with a DeprecationWarning. Anything else unknown is an error."""
    if "lr" in kwargs:
        learning_rate = kwargs.pop("lr")
        warnings.warn(f"{cls_name}: `lr` is deprecated, use `learning_rate` instead",
                      DeprecationWarning, stacklevel=4)
    decay = kwargs.pop("decay", None) or 0.0
    if decay:
        warnings.warn(f"{cls_name}: `decay` is deprecated (Keras 2 time-based decay, "
                      f"lr / (1 + decay * iterations)); use a learning-rate schedule such as "
                      f"keras.optimizers.schedules.InverseTimeDecay", DeprecationWarning, stacklevel=4)
    if kwargs:
        raise TypeError(f"{cls_name}: unknown argument(s) {sorted(kwargs)}")
    return learning_rate, float(decay)
