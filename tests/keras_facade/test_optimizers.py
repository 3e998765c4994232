"""Optimizers: update rules against a numpy transcription of Keras 3's formulas, state layout,
clipping, decay, schedules, config round trips and the Keras 2 spellings."""
import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
from keras_facade import optimizers
from keras_facade.optimizers import schedules


# -- numpy transcriptions of Keras 3's update formulas (float64 reference) ---------------------
def ref_sgd(p, g, s, t, lr=0.01, momentum=0.0, nesterov=False):
    if momentum == 0:
        return p - lr * g
    s["m"] = s.get("m", 0 * p) * momentum - lr * g
    return p + (s["m"] * momentum - lr * g if nesterov else s["m"])


def ref_rmsprop(p, g, s, t, lr=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    s["v"] = rho * s.get("v", 0 * p) + (1 - rho) * g * g
    denom = s["v"] + epsilon
    if centered:
        s["a"] = rho * s.get("a", 0 * p) + (1 - rho) * g
        denom = s["v"] - s["a"] ** 2 + epsilon
    inc = lr * g / np.sqrt(denom)
    if momentum > 0:
        s["m"] = momentum * s.get("m", 0 * p) + inc
        return p - s["m"]
    return p - inc


def ref_adam(p, g, s, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, wd=0.0):
    p = p - p * wd * lr
    s["m"] = s.get("m", 0 * p) + (g - s.get("m", 0 * p)) * (1 - beta_1)
    s["v"] = s.get("v", 0 * p) + (g * g - s.get("v", 0 * p)) * (1 - beta_2)
    v = s["v"]
    if amsgrad:
        s["vh"] = v = np.maximum(s.get("vh", 0 * p), s["v"])
    alpha = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return p - s["m"] * alpha / (np.sqrt(v) + epsilon)


def ref_adagrad(p, g, s, t, lr=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
    s["a"] = s.get("a", 0 * p + initial_accumulator_value) + g * g
    return p - lr * g / np.sqrt(s["a"] + epsilon)


def ref_adadelta(p, g, s, t, lr=0.001, rho=0.95, epsilon=1e-7):
    s["a"] = rho * s.get("a", 0 * p) + (1 - rho) * g * g
    delta = -np.sqrt(s.get("d", 0 * p) + epsilon) * g / np.sqrt(s["a"] + epsilon)
    s["d"] = rho * s.get("d", 0 * p) + (1 - rho) * delta * delta
    return p + lr * delta


def ref_adamax(p, g, s, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    s["m"] = s.get("m", 0 * p) + (g - s.get("m", 0 * p)) * (1 - beta_1)
    s["u"] = np.maximum(beta_2 * s.get("u", 0 * p), np.abs(g))
    return p - lr * s["m"] / ((1 - beta_1 ** t) * (s["u"] + epsilon))


def ref_nadam(p, g, s, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    mu = lambda k: beta_1 * (1 - 0.5 * 0.96 ** k)  # noqa: E731
    s["prod"] = s.get("prod", 1.0) * mu(t)
    s["m"] = s.get("m", 0 * p) + (g - s.get("m", 0 * p)) * (1 - beta_1)
    s["v"] = s.get("v", 0 * p) + (g * g - s.get("v", 0 * p)) * (1 - beta_2)
    m_hat = mu(t + 1) * s["m"] / (1 - s["prod"] * mu(t + 1)) + (1 - mu(t)) * g / (1 - s["prod"])
    v_hat = s["v"] / (1 - beta_2 ** t)
    return p - m_hat * lr / (np.sqrt(v_hat) + epsilon)


CASES = [
    (optimizers.SGD, {}, ref_sgd, {}),
    (optimizers.SGD, {"momentum": 0.9}, ref_sgd, {"momentum": 0.9}),
    (optimizers.SGD, {"momentum": 0.8, "nesterov": True}, ref_sgd, {"momentum": 0.8, "nesterov": True}),
    (optimizers.RMSprop, {}, ref_rmsprop, {}),
    (optimizers.RMSprop, {"momentum": 0.5, "centered": True}, ref_rmsprop,
     {"momentum": 0.5, "centered": True}),
    (optimizers.Adam, {}, ref_adam, {}),
    (optimizers.Adam, {"amsgrad": True, "learning_rate": 0.01}, ref_adam, {"amsgrad": True, "lr": 0.01}),
    (optimizers.AdamW, {}, ref_adam, {"wd": 0.004}),
    (optimizers.Adagrad, {}, ref_adagrad, {}),
    (optimizers.Adadelta, {"learning_rate": 1.0}, ref_adadelta, {"lr": 1.0}),
    (optimizers.Adamax, {}, ref_adamax, {}),
    (optimizers.Nadam, {}, ref_nadam, {}),
]


@pytest.mark.parametrize("cls,kwargs,ref,ref_kwargs", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_update_rule_matches_keras_formula(cls, kwargs, ref, ref_kwargs):
    rng = np.random.default_rng(0)
    init = [rng.normal(size=(3, 4)), rng.normal(size=(4,))]
    params = [ag.tensor(a, dtype="float64", requires_grad=True) for a in init]
    opt = cls(**kwargs)
    expected = [a.copy() for a in init]
    states = [{} for _ in init]
    # the learning rate lives in a float32 variable, as in Keras
    ref_kwargs = dict(ref_kwargs, lr=float(np.float32(opt.get_config()["learning_rate"])))
    for t in range(1, 6):
        grads = [rng.normal(size=a.shape) * (t % 3 + 0.5) for a in init]
        opt.apply_gradients(zip([ag.tensor(g) for g in grads], params))
        expected = [ref(p, g, s, t, **ref_kwargs) for p, g, s in zip(expected, grads, states)]
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p.numpy(), e, rtol=1e-10, atol=1e-12)
    assert int(opt.iterations.item()) == 5
    assert params[0].is_leaf and params[0].grad is None


def test_float32_update_close_to_float64_reference():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(5,)).astype(np.float32)
    p = ag.tensor(w, requires_grad=True)
    opt = optimizers.Adam(learning_rate=0.01)
    ref, state = w.astype(np.float64), {}
    for t in range(1, 4):
        g = rng.normal(size=(5,)).astype(np.float32)
        opt.apply([ag.tensor(g)], [p])
        ref = ref_adam(ref, g.astype(np.float64), state, t, lr=0.01)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.numpy(), ref, rtol=1e-5)


@pytest.mark.parametrize("cls,kwargs,expected", [
    (optimizers.SGD, {}, []),
    (optimizers.SGD, {"momentum": 0.9}, ["momentum"] * 2),
    (optimizers.Adam, {"amsgrad": True}, ["momentum", "velocity"] * 2 + ["velocity_hat"] * 2),
    (optimizers.RMSprop, {"momentum": 0.9, "centered": True},
     ["velocity"] * 2 + ["momentum"] * 2 + ["average_gradient"] * 2),
    (optimizers.Adadelta, {}, ["accumulated_grad", "accumulated_delta_var"] * 2),
    (optimizers.Nadam, {}, ["momentum", "velocity"] * 2 + ["u_product"]),
])
def test_variables_in_keras3_order(cls, kwargs, expected):
    params = [ag.zeros(2, 3, requires_grad=True), ag.zeros(3, requires_grad=True)]
    opt = cls(**kwargs)
    opt.build(params)
    variables = opt.variables
    assert variables[0].dtype == np.int64 and variables[0].shape == ()
    assert variables[1].dtype == np.float32 and float(variables[1].item()) == pytest.approx(
        opt.get_config()["learning_rate"])
    slots = variables[2:]
    assert len(slots) == len(expected)
    shapes = [s.shape for s in slots if s.shape != ()]
    assert all(shape in [(2, 3), (3,)] for shape in shapes)
    names = [str(getattr(s, "name", "")) for s in slots]
    if all(names):
        assert [n.rsplit("_", 1)[-1] for n in names] == [e.rsplit("_", 1)[-1] for e in expected]


def test_adagrad_accumulator_starts_at_initial_value():
    p = ag.zeros(3, requires_grad=True)
    opt = optimizers.Adagrad(initial_accumulator_value=0.25)
    opt.build([p])
    np.testing.assert_allclose(opt.variables[2].numpy(), 0.25)


def test_schedule_replaces_learning_rate_variable_and_drives_steps():
    sched = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    p = ag.tensor([1.0], requires_grad=True)
    opt = optimizers.SGD(learning_rate=sched)
    for _ in range(3):
        opt.apply([ag.tensor([1.0])], [p])
    # lr at iterations 0, 1, 2 = 0.1, 0.05, 0.025
    assert p.item() == pytest.approx(1 - 0.175, rel=1e-6)
    assert len(opt.variables) == 1  # iterations only, as Keras 3 (no learning_rate variable)
    assert opt.learning_rate == pytest.approx(0.0125)
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.5


def test_keras2_lr_alias_and_decay_warn_and_apply():
    with pytest.warns(DeprecationWarning, match="lr"):
        opt = optimizers.SGD(lr=0.1)
    assert float(opt.lr.item()) == pytest.approx(0.1)
    with pytest.warns(DeprecationWarning, match="decay"):
        opt = optimizers.SGD(learning_rate=0.1, decay=0.5)
    p = ag.tensor([0.0], requires_grad=True)
    for _ in range(2):
        opt.apply([ag.tensor([1.0])], [p])
    assert p.item() == pytest.approx(-(0.1 + 0.1 / 1.5), rel=1e-6)
    opt.lr = 0.01
    assert float(opt.learning_rate.item()) == pytest.approx(0.01)
    with pytest.raises(TypeError, match="unknown argument"):
        optimizers.Adam(bogus=1)


def test_clipnorm_is_per_variable_and_global_clipnorm_joint():
    g = [np.array([3.0, 4.0]), np.array([0.0, 12.0])]  # norms 5 and 12, joint 13
    for kwargs, expected in [
        ({"clipnorm": 1.0}, [g[0] / 5, g[1] / 12]),
        ({"global_clipnorm": 1.0}, [g[0] / 13, g[1] / 13]),
        ({"clipvalue": 2.0}, [np.clip(g[0], -2, 2), np.clip(g[1], -2, 2)]),
    ]:
        params = [ag.zeros(2, dtype="float64", requires_grad=True) for _ in g]
        optimizers.SGD(learning_rate=1.0, **kwargs).apply([ag.tensor(x) for x in g], params)
        for p, e in zip(params, expected):
            np.testing.assert_allclose(p.numpy(), -e, rtol=1e-12)
    with pytest.raises(ValueError, match="only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_clipnorm_leaves_zero_gradient_finite():
    p = ag.zeros(2, requires_grad=True)
    optimizers.SGD(clipnorm=1.0).apply([ag.zeros(2)], [p])
    assert np.all(np.isfinite(p.numpy()))


def test_decoupled_weight_decay_exclusions_and_constraints():
    from keras_facade.variables import Variable
    p = ag.tensor([1.0, -2.0], dtype="float64", requires_grad=True)
    opt = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    opt.apply([ag.zeros(2, dtype="float64")], [p])
    # zero gradient: Adam's step is 0, only the decay acts: p * (1 - 0.5 * 0.1)
    np.testing.assert_allclose(p.numpy(), [0.95, -1.9])
    kernel = Variable(np.ones(2), name="kernel", dtype="float64")
    bias = Variable(np.ones(2), name="bias", dtype="float64")
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply([ag.zeros(2, dtype="float64")] * 2, [kernel, bias])
    np.testing.assert_allclose(kernel.numpy(), 0.95)
    np.testing.assert_allclose(bias.numpy(), 1.0)
    clipped = Variable(np.zeros(2), name="w", dtype="float64", constraint=lambda w: ag.clip(w, -0.5, 0.5))
    optimizers.SGD(learning_rate=1.0).apply([ag.tensor([-3.0, 0.25], dtype="float64")], [clipped])
    np.testing.assert_allclose(clipped.numpy(), [0.5, -0.25])
    assert clipped.trainable and clipped.requires_grad  # still the same trainable leaf


def test_unknown_and_mismatched_gradients_raise_before_any_change():
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match="shape"):
        opt.apply([ag.zeros(3)], [p])
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        opt.apply([ag.zeros(2), ag.zeros(2)], [p])
    with pytest.raises(ValueError, match="no gradients"):
        opt.apply([None], [p])
    np.testing.assert_array_equal(p.numpy(), [1.0, 2.0])
    assert int(opt.iterations.item()) == 0


def test_none_gradient_skips_variable_with_warning():
    a, b = ag.tensor([1.0], requires_grad=True), ag.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        optimizers.SGD(learning_rate=1.0).apply([ag.tensor([1.0]), None], [a, b])
    assert a.item() == 0.0 and b.item() == 1.0


def test_ema_and_gradient_accumulation():
    p = ag.tensor([0.0], dtype="float64", requires_grad=True)
    opt = optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=2)
    opt.apply([ag.tensor([1.0], dtype="float64")], [p])
    assert p.item() == 0.0 and int(opt.iterations.item()) == 0
    opt.apply([ag.tensor([3.0], dtype="float64")], [p])
    assert p.item() == -2.0 and int(opt.iterations.item()) == 1
    q = ag.tensor([0.0], dtype="float64", requires_grad=True)
    ema = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    ema.apply([ag.tensor([-2.0], dtype="float64")], [q])   # q=2, average=2 (first step copies)
    ema.apply([ag.tensor([-2.0], dtype="float64")], [q])   # q=4, average=0.5*2+0.5*4=3
    ema.finalize_variable_values([q])
    assert q.item() == 3.0


def test_ema_counts_optimizer_steps_when_accumulating():
    q = ag.tensor([0.0], dtype="float64", requires_grad=True)
    r = ag.tensor([5.0], dtype="float64", requires_grad=True)
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5,
                         gradient_accumulation_steps=2)
    opt.build([q, r])
    g = [ag.tensor([-2.0], dtype="float64")]
    opt.apply(g, [q])  # accumulates; optimizer step 0: the averages copy q = 0 and r = 5
    opt.apply(g, [q])  # q = 2; still step 0: the average copies it
    opt.apply(g, [q])  # step 1: average 0.5 * 2 + 0.5 * 2 = 2
    opt.apply(g, [q])  # q = 4: average 0.5 * 2 + 0.5 * 4 = 3
    assert q.item() == 4.0
    opt.finalize_variable_values([q, r])
    assert q.item() == 3.0 and r.item() == 5.0  # r got no gradient but has its average too


@pytest.mark.parametrize("name,cls", [("sgd", optimizers.SGD), ("Adam", optimizers.Adam),
                                      ("RMSPROP", optimizers.RMSprop), ("nadam", optimizers.Nadam),
                                      ("adamw", optimizers.AdamW)])
def test_get_by_name(name, cls):
    assert type(optimizers.get(name)) is cls
    with pytest.raises(ValueError, match="Unknown optimizer"):
        optimizers.get("adamm")


def test_keras2_lowercase_aliases():
    assert optimizers.sgd is optimizers.SGD and optimizers.adam is optimizers.Adam
    assert optimizers.rmsprop is optimizers.RMSprop and optimizers.nadam is optimizers.Nadam


def test_defaults_follow_compat_profile():
    from keras_facade import config
    with config.use_compat("keras3"):
        assert optimizers.Adadelta().get_config()["learning_rate"] == pytest.approx(0.001)
        assert optimizers.Adagrad().initial_accumulator_value == 0.1
    with config.use_compat("keras2"):
        assert optimizers.Adadelta().get_config()["learning_rate"] == pytest.approx(1.0)
        assert optimizers.Nadam().get_config()["learning_rate"] == pytest.approx(0.002)
        opt = optimizers.RMSprop(learning_rate=0.1)
    # Keras 2 put epsilon outside the square root: p -= lr*g / (sqrt(a) + eps)
    p = ag.tensor([1.0], dtype="float64", requires_grad=True)
    opt.epsilon = 0.5
    opt.apply([ag.tensor([2.0], dtype="float64")], [p])
    a = 0.1 * 4.0
    assert p.item() == pytest.approx(1.0 - float(np.float32(0.1)) * 2.0 / (np.sqrt(a) + 0.5))


def test_config_round_trip_keeps_hyperparameters_and_schedule():
    opt = optimizers.Adam(learning_rate=schedules.CosineDecay(0.1, 100, alpha=0.1), beta_1=0.8,
                          amsgrad=True, clipnorm=2.0, name="my_adam")
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is optimizers.Adam and again.get_config() == opt.get_config()
    assert isinstance(again._learning_rate, schedules.CosineDecay)
    config = optimizers.serialize(optimizers.SGD(momentum=0.9))
    assert config["module"] == "keras.optimizers" and config["class_name"] == "SGD"
    assert config["config"]["momentum"] == 0.9


def test_keras2_config_with_lr_and_decay_keys_loads():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        opt = optimizers.get({"class_name": "Adam", "config": {
            "lr": 0.002, "beta_1": 0.9, "beta_2": 0.999, "decay": 0.0, "epsilon": 1e-07,
            "amsgrad": False}})
    assert float(opt.learning_rate.item()) == pytest.approx(0.002) and opt.decay == 0.0


def test_set_weights_validates_then_restores_state():
    params = [ag.zeros(2, requires_grad=True)]
    opt = optimizers.Adam()
    opt.apply([ag.ones(2)], params)
    saved = opt.get_weights()
    opt.apply([ag.ones(2)], params)
    with pytest.raises(ValueError, match="shape"):
        opt.set_weights([saved[0], saved[1], np.zeros(3), saved[3]])
    opt.set_weights(saved)
    assert int(opt.iterations.item()) == 1
    np.testing.assert_array_equal(opt.variables[2].numpy(), saved[2])


def test_stateless_apply_matches_in_place_and_touches_nothing():
    rng = np.random.default_rng(3)
    w = rng.normal(size=(4,))
    a = ag.tensor(w, requires_grad=True)
    b = ag.tensor(w, requires_grad=True)
    g = ag.tensor(rng.normal(size=(4,)))
    opt_a, opt_b = optimizers.Nadam(learning_rate=0.1), optimizers.Nadam(learning_rate=0.1)
    opt_a.apply([g], [a])
    opt_b.build([b])
    state = opt_b.variables
    before = [s.numpy().copy() for s in state]
    new_params, new_state = opt_b.stateless_apply(state, [g], [b])
    np.testing.assert_allclose(new_params[0].numpy(), a.numpy(), rtol=1e-12)
    for old, now in zip(before, opt_b.variables):
        np.testing.assert_array_equal(old, now.numpy())
    np.testing.assert_allclose(b.numpy(), w)
    assert int(new_state[0].item()) == 1
    for x, y in zip(new_state[1:], opt_a.variables[1:]):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-6)


@pytest.mark.parametrize("schedule,steps,expected", [
    (schedules.ExponentialDecay(1.0, 10, 0.5, staircase=True), [0, 9, 10, 25], [1, 1, 0.5, 0.25]),
    (schedules.InverseTimeDecay(1.0, 2, 1.0), [0, 2, 3, 4], [1, 0.5, 0.4, 1 / 3]),
    (schedules.InverseTimeDecay(1.0, 2, 1.0, staircase=True), [0, 3, 4], [1, 0.5, 1 / 3]),
    (schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]), [0, 10, 11, 20, 21],
     [1, 1, 0.5, 0.5, 0.1]),
    (schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0, power=2.0), [0, 5, 10, 20],
     [1, 0.25, 0, 0]),
    (schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0, cycle=True), [0, 5, 15],
     [1, 0.5, 0.25]),
    (schedules.CosineDecay(1.0, 10, alpha=0.2), [0, 5, 10, 50], [1, 0.6, 0.2, 0.2]),
    (schedules.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=5), [0, 1, 5, 10],
     [0, 0.2, 1, 0.5]),
    (schedules.CosineDecayRestarts(1.0, 10), [0, 5, 10, 20], [1, 0.5, 1, 0.5 * (1 + math.cos(math.pi / 2))]),
])
def test_schedules(schedule, steps, expected):
    assert [schedule(s) for s in steps] == pytest.approx(expected, abs=1e-9)
    again = schedules.deserialize(schedules.serialize(schedule))
    assert again.get_config() == schedule.get_config()


def test_minimize_takes_a_loss_callable():
    w = ag.tensor([3.0], dtype="float64", requires_grad=True)
    opt = optimizers.SGD(learning_rate=0.25)
    for _ in range(3):
        opt.minimize(lambda: ag.sum(ag.square(w)), [w])
    assert w.item() == pytest.approx(3.0 * 0.5 ** 3)


def test_default_names_are_keras_3s():
    names = {optimizers.SGD: "SGD", optimizers.RMSprop: "rmsprop", optimizers.Adam: "adam",
             optimizers.AdamW: "adamw", optimizers.Adadelta: "adadelta",
             optimizers.Adamax: "adamax", optimizers.Nadam: "nadam"}
    for cls, name in names.items():
        assert cls().name == name and cls().name == name  # fixed, not numbered
        assert cls(name="mine").name == "mine"
    first, second = optimizers.Adagrad().name, optimizers.Adagrad().name
    assert first.startswith("adagrad") and second != first  # Keras numbers Adagrad's


# -- Lion, Ftrl, Lamb, Adafactor -------------------------------------------------------------------
def ref_lion(p, g, s, t, lr=0.001, beta_1=0.9, beta_2=0.99, wd=0.0):
    p = p - p * wd * lr
    m = s.get("m", 0 * p)
    s["m"] = beta_2 * m + (1 - beta_2) * g
    return p - lr * np.sign(beta_1 * m + (1 - beta_1) * g)


def ref_ftrl(p, g, s, t, lr=0.001, power=-0.5, init=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0):
    acc = s.get("a", 0 * p + init)
    s["a"] = acc + g * g
    s["z"] = s.get("z", 0 * p) + g + 2 * shrink * p - (s["a"] ** -power - acc ** -power) / lr * p
    quadratic = s["a"] ** -power / lr + 2 * (l2 + beta / (2 * lr))
    return np.where(np.abs(s["z"]) > l1, (np.sign(s["z"]) * l1 - s["z"]) / quadratic, 0.0)


def ref_lamb(p, g, s, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, wd=0.0):
    p = p - p * wd * lr
    s["m"] = beta_1 * s.get("m", 0 * p) + (1 - beta_1) * g
    s["v"] = beta_2 * s.get("v", 0 * p) + (1 - beta_2) * g * g
    step = s["m"] / (1 - beta_1 ** t) / (np.sqrt(s["v"] / (1 - beta_2 ** t)) + epsilon)
    w_norm, s_norm = np.linalg.norm(p), np.linalg.norm(step)
    ratio = w_norm / s_norm if w_norm > 0 and s_norm > 0 else 1.0
    return p - lr * ratio * step


def ref_adafactor(p, g, s, t, lr=0.001, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0):
    rms = lambda x: np.sqrt(np.mean(x * x))  # noqa: E731
    b2 = 1 - t ** decay
    g2 = g * g + eps1
    if p.ndim >= 2:
        s["r"] = b2 * s.get("r", np.zeros(p.shape[:-1])) + (1 - b2) * g2.mean(-1)
        s["c"] = b2 * s.get("c", np.zeros(p.shape[-1:])) + (1 - b2) * g2.mean(-2)
        v = np.outer(s["r"] / s["r"].mean(), s["c"])
    else:
        s["v"] = v = b2 * s.get("v", 0 * p) + (1 - b2) * g2
    u = g / np.sqrt(v)
    u = u / max(1.0, rms(u) / clip)
    return p - max(eps2, rms(p)) * min(lr, 1 / np.sqrt(t)) * u


NEW_CASES = [
    (optimizers.Lion, {}, ref_lion, {}),
    (optimizers.Lion, {"learning_rate": 0.01, "beta_1": 0.5, "weight_decay": 0.1}, ref_lion,
     {"lr": 0.01, "beta_1": 0.5, "wd": 0.1}),
    (optimizers.Ftrl, {}, ref_ftrl, {}),
    (optimizers.Ftrl, {"learning_rate": 0.1, "learning_rate_power": -0.7, "l1_regularization_strength": 0.01,
                       "l2_regularization_strength": 0.02, "l2_shrinkage_regularization_strength": 0.03,
                       "beta": 0.5, "initial_accumulator_value": 0.3},
     ref_ftrl, {"power": -0.7, "l1": 0.01, "l2": 0.02, "shrink": 0.03, "beta": 0.5, "init": 0.3}),
    (optimizers.Lamb, {}, ref_lamb, {}),
    (optimizers.Lamb, {"weight_decay": 0.1, "beta_1": 0.8}, ref_lamb, {"wd": 0.1, "beta_1": 0.8}),
    (optimizers.Adafactor, {}, ref_adafactor, {}),
    (optimizers.Adafactor, {"learning_rate": 0.5, "clip_threshold": 0.5, "epsilon_2": 0.5,
                            "beta_2_decay": -0.5}, ref_adafactor,
     {"clip": 0.5, "eps2": 0.5, "decay": -0.5}),
]


@pytest.mark.parametrize("cls,kwargs,ref,ref_kwargs", NEW_CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(NEW_CASES)])
def test_newer_update_rules_match_keras_formula(cls, kwargs, ref, ref_kwargs):
    test_update_rule_matches_keras_formula(cls, kwargs, ref, ref_kwargs)


def test_newer_optimizers_state_names_shapes_and_order():
    from keras_facade.variables import Variable
    kernel, bias = Variable(np.zeros((2, 3)), name="kernel"), Variable(np.zeros(3), name="bias")
    expected = {
        optimizers.Lion: [("kernel_momentum", (2, 3)), ("bias_momentum", (3,))],
        optimizers.Ftrl: [("kernel_accumulator", (2, 3)), ("kernel_linear", (2, 3)),
                          ("bias_accumulator", (3,)), ("bias_linear", (3,))],
        optimizers.Lamb: [("kernel_momentum", (2, 3)), ("kernel_velocity", (2, 3)),
                          ("bias_momentum", (3,)), ("bias_velocity", (3,))],
        optimizers.Adafactor: [("kernel", (2,)), ("kernel", (3,)), ("kernel_velocity", (2, 3)),
                               ("bias", ()), ("bias", ()), ("bias_velocity", (3,))],
    }
    for cls, slots in expected.items():
        opt = cls()
        opt.build([kernel, bias])
        got = [(str(v.name), tuple(v.shape)) for v in opt.variables]
        assert got == [("iteration", ()), ("learning_rate", ())] + slots, cls
    opt = optimizers.Ftrl(initial_accumulator_value=0.25)
    opt.build([bias])
    np.testing.assert_allclose(opt.variables[2].numpy(), 0.25)


def test_newer_optimizers_config_defaults_and_round_trip():
    defaults = {
        optimizers.Lion: {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99},
        optimizers.Ftrl: {"learning_rate": 0.001, "learning_rate_power": -0.5,
                          "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
                          "l2_regularization_strength": 0.0,
                          "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0},
        optimizers.Lamb: {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
        optimizers.Adafactor: {"learning_rate": 0.001, "beta_2_decay": -0.8, "epsilon_1": 1e-30,
                               "epsilon_2": 1e-3, "clip_threshold": 1.0, "relative_step": True},
    }
    for cls, values in defaults.items():
        config = cls().get_config()
        assert set(config) == {"name", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue",
                               "use_ema", "ema_momentum", "ema_overwrite_frequency",
                               "loss_scale_factor", "gradient_accumulation_steps"} | set(values)
        assert {k: config[k] for k in values} == pytest.approx(values)
        assert config["name"].startswith(cls.__name__.lower())
        again = optimizers.deserialize(optimizers.serialize(cls(weight_decay=0.1, clipnorm=2.0)))
        assert type(again) is cls and again.get_config()["clipnorm"] == 2.0
        assert type(optimizers.get(cls.__name__.lower())) is cls


def test_newer_optimizers_reject_bad_arguments():
    with pytest.raises(ValueError, match=r"Lion: beta_1 must be in \(0, 1\].*got 0"):
        optimizers.Lion(beta_1=0)
    with pytest.raises(ValueError, match="Ftrl: l1_regularization_strength must be >= 0, got -1"):
        optimizers.Ftrl(l1_regularization_strength=-1)
    with pytest.raises(ValueError, match="Ftrl: learning_rate_power must be <= 0, got 0.5"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(TypeError, match=r"Lamb: unknown argument\(s\) \['amsgrad'\]"):
        optimizers.Lamb(amsgrad=True)


@pytest.mark.parametrize("cls", [optimizers.Lion, optimizers.Ftrl, optimizers.Lamb,
                                 optimizers.Adafactor])
def test_newer_optimizers_state_restores_and_steps_are_differentiable(cls):
    rng = np.random.default_rng(5)
    w = [rng.normal(size=(3, 2)), rng.normal(size=(2,))]
    grads = [ag.tensor(rng.normal(size=a.shape)) for a in w]
    a = [ag.tensor(x, requires_grad=True) for x in w]
    b = [ag.tensor(x, requires_grad=True) for x in w]
    opt_a, opt_b = cls(learning_rate=0.1, use_ema=True), cls(learning_rate=0.1, use_ema=True)
    opt_a.apply(grads, a)
    opt_b.build(b)
    opt_b.set_weights(opt_a.get_weights())  # restores by position
    for p, q in zip(a, b):
        q.data = p.numpy().copy()
    opt_a.apply(grads, a)
    opt_b.apply(grads, b)
    for p, q in zip(a, b):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-12)
    # a recorded step: the new parameters are differentiable w.r.t. the learning rate
    opt = cls(learning_rate=0.1)
    opt.build(b)
    state = opt.variables
    lr = ag.tensor(0.1, dtype="float64", requires_grad=True)
    new_params, _ = opt.stateless_apply([state[0], lr] + state[2:], grads, b)
    loss = sum(ag.sum(p * p) for p in new_params)
    loss.backward()
    assert lr.grad is not None and np.isfinite(lr.grad.numpy()).all()
    eps = 1e-6
    plus, _ = opt.stateless_apply([state[0], ag.tensor(0.1 + eps, dtype="float64")] + state[2:], grads, b)
    minus, _ = opt.stateless_apply([state[0], ag.tensor(0.1 - eps, dtype="float64")] + state[2:], grads, b)
    fd = sum(float(ag.sum(p * p).item()) - float(ag.sum(m * m).item()) for p, m in zip(plus, minus))
    assert lr.grad.item() == pytest.approx(fd / (2 * eps), rel=1e-4, abs=1e-8)


def test_state_variable_names_and_paths_follow_the_weight_paths_as_keras_3():
    import keras_facade as keras
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    assert [(v.name, v.path) for v in model.optimizer.variables] == [
        ("iteration", "adam/iteration"), ("learning_rate", "adam/learning_rate"),
        ("sequential_dense_kernel_momentum", "adam/sequential_dense_kernel_momentum"),
        ("sequential_dense_kernel_velocity", "adam/sequential_dense_kernel_velocity"),
        ("sequential_dense_bias_momentum", "adam/sequential_dense_bias_momentum"),
        ("sequential_dense_bias_velocity", "adam/sequential_dense_bias_velocity")]


def test_schedules_take_arrays_of_steps_for_plotting():
    steps = np.arange(0, 40, 10)
    for schedule in (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
                     schedules.CosineDecay(0.1, 30),
                     schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]),
                     schedules.PolynomialDecay(0.1, 30, 0.01),
                     schedules.InverseTimeDecay(0.1, 10, 1.0)):
        rates = schedule(steps)
        assert rates.shape == (4,) and rates.dtype == np.float32
        np.testing.assert_allclose(rates, [schedule(int(s)) for s in steps], rtol=1e-6)
        np.testing.assert_allclose(schedule(ag.tensor(steps.reshape(2, 2))),
                                   rates.reshape(2, 2), rtol=1e-6)
