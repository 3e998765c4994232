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


ALL = (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam)
