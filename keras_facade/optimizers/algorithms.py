"""The built-in optimizers: each names its hyper-parameters, its slots (in Keras 3's variable order)
and the pure update rule of ``rules`` it applies. Defaults are Keras 3's; the defaults that changed
since Keras 2 (learning rates of Adadelta/Adagrad/Adamax/Nadam, Adagrad's initial accumulator, where
RMSprop/Adagrad put epsilon) come from the compatibility profile (``keras_facade.config``).
``epsilon=None`` (Keras 2) means 1e-7."""
from .. import config
from . import rules
from .base import Optimizer

_EPSILON = 1e-7


def _eps(epsilon):
    return _EPSILON if epsilon is None else epsilon


def _profile(value, key, kwargs=None):
    """``value``, or the profile's default for ``key`` when it is None (and no Keras 2 ``lr`` was
    given in ``kwargs``)."""
    if value is None and not (kwargs and "lr" in kwargs):
        return config.default(key)
    return value


class _EpsilonPlacement:
    """Mixin for rules whose epsilon moved inside the square root in Keras 3 (the keras2 profile
    puts it back outside)."""

    def _read_placement(self):
        self._epsilon_inside = config.default("optimizers.epsilon_placement") == "inside"

    def rule_hyper(self):
        return dict(super().rule_hyper(), epsilon_inside=self._epsilon_inside)


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum: m = mu*m - lr*g; p += m."""
    default_name = "SGD"
    rule = staticmethod(rules.sgd)
    _hyper_names = ("momentum", "nesterov")

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be a float in [0, 1], got {momentum}")
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def slot_groups(self):
        return [[("momentum", 0.0)]] if self.momentum != 0 else []


class RMSprop(_EpsilonPlacement, Optimizer):
    """RMSprop (Keras 3: epsilon inside the square root; optional centering and momentum)."""
    default_name = "rmsprop"
    rule = staticmethod(rules.rmsprop)
    _hyper_names = ("rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, _eps(epsilon), centered
        self._read_placement()

    def slot_groups(self):
        groups = [[("velocity", 0.0)]]
        if self.momentum > 0:
            groups.append([("momentum", 0.0)])
        if self.centered:
            groups.append([("average_gradient", 0.0)])
        return groups


class Adam(Optimizer):
    """Adam with Keras's "epsilon hat"; ``amsgrad`` keeps the running maximum of the velocity."""
    default_name = "adam"
    rule = staticmethod(rules.adam)
    _hyper_names = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, _eps(epsilon), amsgrad

    def slot_groups(self):
        groups = [[("momentum", 0.0), ("velocity", 0.0)]]
        if self.amsgrad:
            groups.append([("velocity_hat", 0.0)])
        return groups


class AdamW(Adam):
    """Adam with decoupled weight decay (p -= lr*wd*p before each step); wd defaults to 0.004."""
    default_name = "adamw"

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a float, got None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)


class Adagrad(_EpsilonPlacement, Optimizer):
    """Adagrad: the accumulator starts at ``initial_accumulator_value`` (Keras 3: lr 0.001, 0.1;
    keras2 profile: lr 0.01, 0.0)."""
    rule = staticmethod(rules.adagrad)
    _hyper_names = ("initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate=None, initial_accumulator_value=None, epsilon=1e-7, **kwargs):
        learning_rate = _profile(learning_rate, "optimizers.adagrad.learning_rate", kwargs)
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = _profile(initial_accumulator_value,
                                                  "optimizers.adagrad.initial_accumulator_value")
        self.epsilon = _eps(epsilon)
        self._read_placement()

    def slot_groups(self):
        return [[("accumulator", self.initial_accumulator_value)]]


class Adadelta(Optimizer):
    """Adadelta. The default learning rate comes from the compatibility profile: Keras 3's 0.001,
    or Keras 2's 1.0 under the keras2 profile."""
    default_name = "adadelta"
    rule = staticmethod(rules.adadelta)
    _hyper_names = ("rho", "epsilon")

    def __init__(self, learning_rate=None, rho=0.95, epsilon=1e-7, **kwargs):
        learning_rate = _profile(learning_rate, "optimizers.adadelta.learning_rate", kwargs)
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, _eps(epsilon)

    def slot_groups(self):
        return [[("accumulated_grad", 0.0), ("accumulated_delta_var", 0.0)]]


class Adamax(Optimizer):
    """Adamax (Adam with the infinity norm; default lr 0.001, keras2 profile 0.002)."""
    default_name = "adamax"
    rule = staticmethod(rules.adamax)
    _hyper_names = ("beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        learning_rate = _profile(learning_rate, "optimizers.adamax.learning_rate", kwargs)
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, _eps(epsilon)

    def slot_groups(self):
        return [[("momentum", 0.0), ("norm", 0.0)]]


class Nadam(Optimizer):
    """Nadam (Adam with Nesterov momentum; Keras 3's momentum schedule without Keras 2's
    ``schedule_decay``; default lr 0.001, keras2 profile 0.002)."""
    default_name = "nadam"
    rule = staticmethod(rules.nadam)
    _hyper_names = ("beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        kwargs.pop("schedule_decay", None)  # Keras 2 argument; Keras 3's schedule has no such factor
        learning_rate = _profile(learning_rate, "optimizers.nadam.learning_rate", kwargs)
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, _eps(epsilon)

    def slot_groups(self):
        return [[("momentum", 0.0), ("velocity", 0.0)]]

    def global_slots(self):
        return [("u_product", 1.0)]

    def advance_globals(self, values, step):
        values["u_product"] = values["u_product"] * rules.nadam_momentum_factor(self.beta_1, step)
        return values


class Lion(Optimizer):
    """Lion (evolved sign momentum): steps of size lr in the direction of the sign of an
    interpolation between momentum and gradient."""
    rule = staticmethod(rules.lion)
    _hyper_names = ("beta_1", "beta_2")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        if not 0 < beta_1 <= 1:
            raise ValueError(f"Lion: beta_1 must be in (0, 1] (at 0 Lion degenerates to sign SGD), "
                             f"got {beta_1}")
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2 = beta_1, beta_2

    def slot_groups(self):
        return [[("momentum", 0.0)]]


class Ftrl(Optimizer):
    """FTRL-proximal ("Follow The Regularized Leader") with L1/L2/L2-shrinkage regularization."""
    rule = staticmethod(rules.ftrl)
    _hyper_names = ("learning_rate_power", "initial_accumulator_value", "l1_regularization_strength",
                    "l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs):
        checks = {"initial_accumulator_value": initial_accumulator_value,
                  "l1_regularization_strength": l1_regularization_strength,
                  "l2_regularization_strength": l2_regularization_strength,
                  "l2_shrinkage_regularization_strength": l2_shrinkage_regularization_strength}
        for arg, value in checks.items():
            if value < 0:
                raise ValueError(f"Ftrl: {arg} must be >= 0, got {value}")
        if learning_rate_power > 0:
            raise ValueError(f"Ftrl: learning_rate_power must be <= 0, got {learning_rate_power}")
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.learning_rate_power, self.beta = learning_rate_power, beta
        for arg, value in checks.items():
            setattr(self, arg, value)

    def slot_groups(self):
        return [[("accumulator", self.initial_accumulator_value), ("linear", 0.0)]]


class Lamb(Optimizer):
    """LAMB: Adam's step scaled per variable by the trust ratio ||w|| / ||step||."""
    rule = staticmethod(rules.lamb)
    _hyper_names = ("beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, _eps(epsilon)

    def slot_groups(self):
        return [[("momentum", 0.0), ("velocity", 0.0)]]


class Adafactor(Optimizer):
    """Adafactor: second moments factored into row and column means for variables with 2+ axes.
    Per variable the state is ``r`` (shape[:-1]), ``c`` (shape[:-2] + shape[-1:]) and
    ``velocity``, in Keras 3's order and names; ``r``/``c`` are unused scalars for 0/1-axis
    variables. The step size is min(lr, 1/sqrt(t)) whatever ``relative_step`` says (as Keras 3)."""
    rule = staticmethod(rules.adafactor)
    _hyper_names = ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step")

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step

    def slot_groups(self):
        return [[("r", 0.0), ("c", 0.0), ("velocity", 0.0)]]

    def slot_variable(self, var, prefix, slot_name):
        if slot_name not in ("r", "c"):
            return super().slot_variable(var, prefix, slot_name)
        shape, name = tuple(var.shape), str(getattr(var, "name", None) or prefix)
        if len(shape) < 2:
            return name, ()
        return name, shape[:-1] if slot_name == "r" else shape[:-2] + shape[-1:]


ALL = (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl, Lamb, Adafactor)
