"""Learning the learning rate by differentiating through training.

A small tanh network is trained for ``k`` full-batch steps on a regression problem, starting from
the same initial weights every time. The validation loss after those ``k`` steps is a function of
the learning rate, and the engine can differentiate it: each step is taken with the optimizer's
pure form ``optimizer.stateless_apply(state, grads, params)`` (Keras 3's API), which records the
update instead of applying it in place, and the learning rate enters as a tensor in the optimizer
state (``state[1]``). ``ag.grad`` of the validation loss with respect to ``log(lr)`` is then the
hyper-gradient, computed through all ``k`` steps (second derivatives of the training loss
included).

An outer loop does gradient descent on ``log(lr)`` and prints the learning rate and the validation
loss at each outer step. Two safeguards keep it stable: a step changes log(lr) by at most 0.5, and
a step that raises the validation loss (or makes it overflow: too large a rate diverges) is undone
and the outer step size halved. The hyper-gradient is checked once against a central finite
difference (float64), and the learning rate found is compared with a coarse grid search.

    python examples/meta_learning.py                    # SGD, about 10 s on two CPU cores
    python examples/meta_learning.py --optimizer adam   # the same through Adam's update rule
    python examples/meta_learning.py --fast             # a few seconds
"""
import argparse
from dataclasses import dataclass

import numpy as np

import autograd_core as ag
from keras_facade import optimizers

OPTIMIZERS = {"sgd": optimizers.SGD, "adam": optimizers.Adam}
DEFAULT_LR = {"sgd": 0.01, "adam": 0.002}


@dataclass
class Problem:
    """Training and validation data and the initial weights (w1, b1, w2, b2), as tensors."""
    x_train: ag.Tensor
    y_train: ag.Tensor
    x_val: ag.Tensor
    y_val: ag.Tensor
    init: list


def make_problem(seed, n_train, n_val, features=4, hidden=16, dtype="float32"):
    """y = sin(x @ a) + x @ b + noise; the same draws for every ``dtype``."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(features, 1)), 0.5 * rng.normal(size=(features, 1))
    x = rng.normal(size=(n_train + n_val, features))
    y = np.sin(x @ a) + x @ b + 0.1 * rng.normal(size=(n_train + n_val, 1))
    init = [rng.normal(size=(features, hidden)) / np.sqrt(features), np.zeros(hidden),
            rng.normal(size=(hidden, 1)) / np.sqrt(hidden), np.zeros(1)]
    t = lambda v: ag.tensor(np.asarray(v, dtype=dtype))  # noqa: E731
    return Problem(t(x[:n_train]), t(y[:n_train]), t(x[n_train:]), t(y[n_train:]),
                   [t(w) for w in init])


def mse(params, x, y):
    w1, b1, w2, b2 = params
    prediction = ag.tanh(x @ w1 + b1) @ w2 + b2
    return ag.mean(ag.square(prediction - y))


def validation_loss(log_lr, problem, optimizer_name, k):
    """The validation MSE after ``k`` recorded optimizer steps with learning rate exp(log_lr)."""
    params = list(problem.init)
    optimizer = OPTIMIZERS[optimizer_name]()
    optimizer.build(params)
    state = optimizer.variables          # [iterations, learning_rate, slots...]
    state[1] = ag.exp(log_lr)            # a tensor, so the result depends on it differentiably
    training_loss = lambda p: mse(p, problem.x_train, problem.y_train)  # noqa: E731
    for _ in range(k):
        grads = ag.grad(training_loss)(params)
        params, state = optimizer.stateless_apply(state, grads, params)
    return mse(params, problem.x_val, problem.y_val)


def check_hypergradient(log_lr, args):
    """The hyper-gradient at ``log_lr`` against a central difference, both in float64."""
    problem = make_problem(args.seed, args.train_size, args.val_size, dtype="float64")
    f = lambda v: validation_loss(v, problem, args.optimizer, args.inner_steps)  # noqa: E731
    analytic = ag.grad(f)(ag.tensor(log_lr, dtype="float64")).item()
    h = 1e-5
    numeric = (f(ag.tensor(log_lr + h, dtype="float64")).item()
               - f(ag.tensor(log_lr - h, dtype="float64")).item()) / (2 * h)
    return analytic, numeric


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    p.add_argument("--initial-lr", type=float, help="default: a deliberately small rate")
    p.add_argument("--inner-steps", type=int, default=25, help="k optimizer steps per evaluation")
    p.add_argument("--outer-steps", type=int, default=20)
    p.add_argument("--meta-lr", type=float, default=20.0, help="step size on log(lr)")
    p.add_argument("--train-size", type=int, default=128)
    p.add_argument("--val-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fast", action="store_true", help="few steps (a smoke test)")
    args = p.parse_args(argv)
    if args.fast:
        args.inner_steps, args.outer_steps, args.train_size, args.val_size = 5, 3, 32, 32
    if args.initial_lr is None:
        args.initial_lr = DEFAULT_LR[args.optimizer]
    return args


def main(argv=None):
    """Run the outer loop; returns ``{'learning_rates', 'val_losses', 'hypergradient',
    'finite_difference', 'grid_best_lr', 'grid_best_loss'}`` (the accepted learning rate and its
    validation loss after each outer step, the first entry being the initial ones)."""
    args = parse_args(argv)
    problem = make_problem(args.seed, args.train_size, args.val_size)
    f = lambda v: validation_loss(v, problem, args.optimizer, args.inner_steps)  # noqa: E731
    log_lr = float(np.log(args.initial_lr))

    analytic, numeric = check_hypergradient(log_lr, args)
    print(f"hyper-gradient d val_loss / d log(lr) at lr={args.initial_lr:g} (float64): "
          f"{analytic:.8f}; central difference: {numeric:.8f}; "
          f"relative difference {abs(analytic - numeric) / abs(numeric):.1e}")

    print(f"\n{args.optimizer}, {args.inner_steps} inner steps; gradient descent on log(lr):")
    print(f"{'step':>4} {'lr':>10} {'val loss':>10} {'d/dlog(lr)':>12}")
    evaluate = lambda v: [t.item() for t in ag.value_and_grad(f)(ag.tensor(v))]  # noqa: E731
    loss, g = evaluate(log_lr)
    learning_rates, losses, meta_lr = [float(np.exp(log_lr))], [loss], args.meta_lr
    print(f"{0:>4} {learning_rates[-1]:>10.5f} {loss:>10.5f} {g:>12.5f}")
    for step in range(1, args.outer_steps + 1):
        candidate = log_lr - float(np.clip(meta_lr * g, -0.5, 0.5))
        with np.errstate(all="ignore"):  # too large a rate can overflow: it is then rejected
            new_loss, new_g = evaluate(candidate)
        if not np.isfinite(new_loss) or new_loss > loss:
            meta_lr /= 2
            print(f"{step:>4} {np.exp(candidate):>10.5f} {new_loss:>10.5f}   rejected "
                  f"(loss went up): meta step size halved to {meta_lr:g}")
        else:
            log_lr, loss, g = candidate, new_loss, new_g
            print(f"{step:>4} {np.exp(log_lr):>10.5f} {loss:>10.5f} {g:>12.5f}")
        learning_rates.append(float(np.exp(log_lr)))
        losses.append(loss)

    grid = np.geomspace(args.initial_lr, args.initial_lr * 1000, 13)
    with ag.no_grad(), np.errstate(all="ignore"):
        grid_losses = [f(ag.tensor(np.log(lr), dtype="float32")).item() for lr in grid]
    best = int(np.nanargmin(grid_losses))
    print(f"\nlearned lr {learning_rates[-1]:.4f}: validation loss {losses[0]:.5f} -> "
          f"{losses[-1]:.5f}")
    print(f"grid search over {len(grid)} rates: best lr {grid[best]:.4f}, "
          f"validation loss {grid_losses[best]:.5f}")
    return {"learning_rates": learning_rates, "val_losses": losses, "hypergradient": analytic,
            "finite_difference": numeric, "grid_best_lr": float(grid[best]),
            "grid_best_loss": float(grid_losses[best])}


if __name__ == "__main__":
    main()
