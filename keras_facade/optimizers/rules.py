"""The optimizers' update rules as pure functions written in engine ops.

Every rule has the signature ``rule(param, grad, slots, hyper) -> (new_param, new_slots)``:
``slots`` maps slot names to tensors shaped like ``param``; ``hyper`` holds the hyper-parameters of the
current step (Python floats, or tensors when the step is recorded for differentiation): always
``learning_rate`` and ``step`` (1-based), plus the optimizer's own. Nothing is mutated, so a rule can
be applied without recording (training) or recorded (differentiating through training steps).

The formulas are Keras 3's (moving averages in its form ``m + (g - m)(1 - beta_1)``, one fused
``lerp``; the step ``p - lr m / d`` as one ``addcdiv``), so results agree with Keras to rounding.
"""
import autograd_core as ag


def sgd(param, grad, slots, hyper):
    """Plain, momentum or Nesterov SGD: m = mu*m - lr*g; p += m (nesterov: p += mu*m - lr*g)."""
    lr = hyper["learning_rate"]
    if "momentum" not in slots:
        return param - grad * lr, {}
    mu = hyper["momentum"]
    m = slots["momentum"] * mu - grad * lr
    step = m * mu - grad * lr if hyper["nesterov"] else m
    return param + step, {"momentum": m}


def rmsprop(param, grad, slots, hyper):
    """RMSprop with epsilon inside the square root (Keras 3; outside when ``hyper['epsilon_inside']``
    is False, as Keras 2); optional centering and momentum."""
    lr, rho, eps = hyper["learning_rate"], hyper["rho"], hyper["epsilon"]
    new = {"velocity": _moving_average(slots["velocity"], ag.square(grad), rho)}
    if "average_gradient" in slots:
        avg = _moving_average(slots["average_gradient"], grad, rho)
        new["average_gradient"] = avg
        second_moment = new["velocity"] - ag.square(avg)
    else:
        second_moment = new["velocity"]
    root = _root(second_moment, eps, hyper)
    if "momentum" in slots:
        new["momentum"] = slots["momentum"] * hyper["momentum"] + lr * grad / root
        return param - new["momentum"], new
    return ag.addcdiv(param, grad, root, -lr), new


def adam(param, grad, slots, hyper):
    """Adam ("epsilon hat" form): p -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps); AMSGrad when
    a ``velocity_hat`` slot is present. (AdamW uses the same rule; its decay is applied before.)"""
    lr, b1, b2, t = hyper["learning_rate"], hyper["beta_1"], hyper["beta_2"], hyper["step"]
    alpha = lr * ((1 - b2 ** t) ** 0.5 / (1 - b1 ** t))
    m = _moving_average(slots["momentum"], grad, b1)
    v = _moving_average(slots["velocity"], ag.square(grad), b2)
    new = {"momentum": m, "velocity": v}
    if "velocity_hat" in slots:
        v = new["velocity_hat"] = ag.maximum(slots["velocity_hat"], v)
    return ag.addcdiv(param, m, ag.sqrt(v) + hyper["epsilon"], -alpha), new


def _moving_average(average, value, decay):
    """average + (value - average)(1 - decay), Keras' form of decay*average + (1 - decay)*value."""
    return ag.lerp(average, value, 1 - decay)


def _root(value, eps, hyper):
    """sqrt(value + eps) (Keras 3), or sqrt(value) + eps (Keras 2's placement)."""
    if hyper.get("epsilon_inside", True):
        return ag.sqrt(value + eps)
    return ag.sqrt(value) + eps


def adagrad(param, grad, slots, hyper):
    """Adagrad: a += g^2; p -= lr*g / sqrt(a + eps) (eps placed as for ``rmsprop``)."""
    acc = slots["accumulator"] + ag.square(grad)
    return (param - hyper["learning_rate"] * grad / _root(acc, hyper["epsilon"], hyper),
            {"accumulator": acc})


def adadelta(param, grad, slots, hyper):
    """Adadelta: delta = -g*sqrt(d + eps)/sqrt(a + eps) with running averages a (of g^2) and d (of
    delta^2); p += lr*delta."""
    rho, eps = hyper["rho"], hyper["epsilon"]
    acc_grad = _moving_average(slots["accumulated_grad"], ag.square(grad), rho)
    delta = -(ag.sqrt(slots["accumulated_delta_var"] + eps) * grad) / ag.sqrt(acc_grad + eps)
    acc_delta = _moving_average(slots["accumulated_delta_var"], ag.square(delta), rho)
    return (param + hyper["learning_rate"] * delta,
            {"accumulated_grad": acc_grad, "accumulated_delta_var": acc_delta})


def adamax(param, grad, slots, hyper):
    """Adamax: u = max(b2*u, |g|); p -= lr*m / ((1 - b1^t)(u + eps))."""
    lr, b1, t = hyper["learning_rate"], hyper["beta_1"], hyper["step"]
    m = _moving_average(slots["momentum"], grad, b1)
    u = ag.maximum(slots["norm"] * hyper["beta_2"], ag.abs(grad))
    return param - lr * m / ((1 - b1 ** t) * (u + hyper["epsilon"])), {"momentum": m, "norm": u}


def nadam_momentum_factor(beta_1, step):
    """Nadam's momentum schedule mu_t = beta_1 * (1 - 0.5 * 0.96^t)."""
    return beta_1 * (1.0 - 0.5 * 0.96 ** step)


def nadam(param, grad, slots, hyper):
    """Nadam (Keras 3 form). ``hyper['u_product']`` is the running product of mu_1..mu_t, already
    advanced for this step."""
    lr, b1, b2, t = hyper["learning_rate"], hyper["beta_1"], hyper["beta_2"], hyper["step"]
    u_t = nadam_momentum_factor(b1, t)
    u_next = nadam_momentum_factor(b1, t + 1)
    u_product = hyper["u_product"]
    m = _moving_average(slots["momentum"], grad, b1)
    v = _moving_average(slots["velocity"], ag.square(grad), b2)
    m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * grad / (1 - u_product)
    v_hat = v / (1 - b2 ** t)
    return param - m_hat * lr / (ag.sqrt(v_hat) + hyper["epsilon"]), {"momentum": m, "velocity": v}


def lion(param, grad, slots, hyper):
    """Lion: p -= lr*sign(b1*m + (1 - b1)*g); then m = b2*m + (1 - b2)*g."""
    m, b1, b2 = slots["momentum"], hyper["beta_1"], hyper["beta_2"]
    direction = ag.sign(m * b1 + grad * (1 - b1))
    return param - hyper["learning_rate"] * direction, {"momentum": m * b2 + grad * (1 - b2)}


def ftrl(param, grad, slots, hyper):
    """FTRL-proximal (Keras' form) with L1, L2 and L2-shrinkage regularization and ``beta``."""
    lr, power = hyper["learning_rate"], -hyper["learning_rate_power"]
    l1 = hyper["l1_regularization_strength"]
    l2 = hyper["l2_regularization_strength"] + hyper["beta"] / (2.0 * lr)
    acc = slots["accumulator"]
    new_acc = acc + ag.square(grad)
    shrunk_grad = grad + param * (2 * hyper["l2_shrinkage_regularization_strength"])
    linear = slots["linear"] + shrunk_grad - (new_acc ** power - acc ** power) / lr * param
    quadratic = new_acc ** power / lr + 2 * l2
    new_param = (ag.clip(linear, -l1, l1) - linear) / quadratic
    return new_param, {"accumulator": new_acc, "linear": linear}


def lamb(param, grad, slots, hyper):
    """LAMB: Adam's bias-corrected step m_hat / (sqrt(v_hat) + eps), scaled per variable by the
    trust ratio ||p|| / ||step|| (1 when either norm is 0)."""
    b1, b2, t = hyper["beta_1"], hyper["beta_2"], hyper["step"]
    m = _moving_average(slots["momentum"], grad, b1)
    v = _moving_average(slots["velocity"], ag.square(grad), b2)
    update = (m / (1 - b1 ** t)) / (ag.sqrt(v / (1 - b2 ** t)) + hyper["epsilon"])
    w_norm, u_norm = l2_norm(param), l2_norm(update)
    both = ag.logical_and(w_norm > 0, u_norm > 0)
    ratio = ag.where(both, w_norm / ag.where(both, u_norm, 1.0), 1.0)
    return param - update * (ratio * hyper["learning_rate"]), {"momentum": m, "velocity": v}


def _rms(x):
    return ag.sqrt(ag.mean(ag.square(x)))


def _minimum(a, b):
    return ag.minimum(a, b) if isinstance(a, ag.Tensor) or isinstance(b, ag.Tensor) else min(a, b)


def adafactor(param, grad, slots, hyper):
    """Adafactor (Keras 3's form): the second moment of a variable with 2+ axes is kept factored as
    row means ``r`` and column means ``c`` of its last two axes; step size
    max(epsilon_2, rms(p)) * min(lr, 1/sqrt(t)); the update's rms clipped to ``clip_threshold``."""
    t = hyper["step"]
    rho = _minimum(hyper["learning_rate"], 1.0 / t ** 0.5)
    alpha = ag.maximum(_rms(param), hyper["epsilon_2"]) * rho
    grad_sq = ag.square(grad) + hyper["epsilon_1"]
    decay = 1.0 - t ** hyper["beta_2_decay"]
    new = {}
    if param.ndim >= 2:
        new["r"] = slots["r"] * decay + ag.mean(grad_sq, axis=-1) * (1 - decay)
        new["c"] = slots["c"] * decay + ag.mean(grad_sq, axis=-2) * (1 - decay)
        row = new["r"] / ag.mean(new["r"], axis=-1, keepdims=True)
        v = ag.expand_dims(row, -1) * ag.expand_dims(new["c"], -2)
    else:
        v = slots["velocity"] * decay + grad_sq * (1 - decay)
    new["velocity"] = v
    u = grad / ag.sqrt(v)
    u = u / ag.maximum(_rms(u) / hyper["clip_threshold"], 1.0)
    return param - alpha * u, new


# -- gradient transforms applied before the rules ------------------------------------------------
def l2_norm(x):
    """sqrt(sum(x^2)), with gradient 0 (not NaN) at x = 0."""
    l2sum = ag.sum(ag.square(x))
    positive = l2sum > 0
    return ag.where(positive, ag.sqrt(ag.where(positive, l2sum, 1.0)), l2sum)


def clip_by_norm(grad, clipnorm):
    """Scale ``grad`` so that its L2 norm is at most ``clipnorm`` (zero gradients stay zero)."""
    return grad * clipnorm / ag.maximum(l2_norm(grad), clipnorm)


def clip_by_global_norm(grads, clipnorm):
    """Scale all gradients by one factor so that their joint L2 norm is at most ``clipnorm``."""
    norm = ag.sqrt(sum(ag.sum(ag.square(g)) for g in grads))
    scale = ag.minimum(1.0 / norm, 1.0 / clipnorm) * clipnorm
    scale = scale + (norm - norm)  # inf/NaN norms give NaN, as in Keras
    return [g * scale for g in grads]


def clip_by_value(grad, clipvalue):
    return ag.clip(grad, -clipvalue, clipvalue)


def decoupled_weight_decay(param, learning_rate, weight_decay):
    """p - p*wd*lr (AdamW-style decay, applied before the update rule)."""
    return param - param * weight_decay * learning_rate
