"""Custom derivative rules for a numerically stable log-sigmoid, two ways.

``log(sigmoid(x))`` is the log-probability in logistic regression and binary cross-entropy. Written
naively it breaks for large negative ``x``: ``sigmoid(x)`` underflows to 0 (float32: from about
x = -104), the log becomes -inf, and backpropagation forms ``1 / sigmoid(x)``, which overflows to
inf well before that (about x = -88) and then turns into NaN (``inf * 0``).

The stable form is ``log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|))`` (``exp`` never overflows), and
its derivative is simply ``sigmoid(-x)``. (The engine ships this op as ``ag.nn.log_sigmoid``; the
script shows how to write such a rule yourself.) It attaches that derivative as one rule:

- ``ag.custom_vjp`` (JAX style): ``log_sigmoid.defvjp(fwd, bwd)``;
- ``ag.Function`` (PyTorch style): ``class LogSigmoid`` with ``forward``/``backward`` and
  ``LogSigmoid.apply(x)``.

Both rules are written with engine ops, so second derivatives and forward mode work through them.
The script checks each with ``ag.testing.gradcheck`` (full Jacobian), ``gradgradcheck`` and
``check_jvp``, then prints values and gradients at large inputs: the naive version returns inf/NaN
gradients where the custom ones stay exact, also inside a binary cross-entropy on extreme logits.

    python examples/custom_gradient.py          # about a second
    python examples/custom_gradient.py --fast
"""
import argparse

import numpy as np

import autograd_core as ag
from autograd_core.testing import check_jvp, gradcheck, gradgradcheck


def naive_log_sigmoid(x):
    return ag.log(ag.sigmoid(x))


def _stable(x):
    return ag.minimum(x, 0.0) - ag.log1p(ag.exp(-ag.abs(x)))


# -- JAX style: a function plus its forward/backward pair ------------------------------------------
@ag.custom_vjp
def log_sigmoid(x):
    """log(sigmoid(x)), stable for any x, with the derivative sigmoid(-x)."""
    return _stable(x)


def _log_sigmoid_fwd(x):
    return _stable(x), x          # (output, residuals kept for the backward pass)


def _log_sigmoid_bwd(x, g):
    return (g * ag.sigmoid(-x),)  # one cotangent per input


log_sigmoid.defvjp(_log_sigmoid_fwd, _log_sigmoid_bwd)


# -- PyTorch style: a Function subclass ------------------------------------------------------------
class LogSigmoid(ag.Function):
    """log(sigmoid(x)) with the derivative sigmoid(-x); call ``LogSigmoid.apply(x)``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _stable(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ag.sigmoid(-x)


def bce_from_logits(logits, labels, log_sig):
    """Mean binary cross-entropy of ``labels`` (0/1) under ``sigmoid(logits)``, using ``log_sig``
    for log(sigmoid(.))."""
    return -ag.mean(labels * log_sig(logits) + (1.0 - labels) * log_sig(-logits))


def check_rules(size):
    """gradcheck (full Jacobian), gradgradcheck and check_jvp of both rules on float64 points in
    [-30, 30], against central differences; returns ``{name: True}`` (a failure raises)."""
    x = ag.tensor(np.linspace(-30.0, 30.0, size) + 0.1)  # float64; avoids the kink of |x| at 0
    results = {}
    for name, fn in (("custom_vjp", log_sigmoid), ("Function", LogSigmoid.apply)):
        results[name] = (gradcheck(fn, x, mode="full") and gradgradcheck(fn, x)
                         and check_jvp(fn, x))
        print(f"  {name:<10}  gradcheck, gradgradcheck, check_jvp: {results[name]}")
    return results


def values_and_grads(fn, x):
    """Elementwise values and derivatives of ``fn`` at ``x`` (numpy; overflow warnings off)."""
    with np.errstate(all="ignore"):
        return fn(x).numpy(), ag.grad(lambda t: ag.sum(fn(t)))(x).numpy()


def exact_sigmoid(z):
    """sigmoid in float64 numpy, for reference values."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check-size", type=int, default=25, help="points in the derivative checks")
    p.add_argument("--fast", action="store_true", help="fewer points in the derivative checks")
    args = p.parse_args(argv)
    if args.fast:
        args.check_size = 7
    return args


def main(argv=None):
    """Run the checks and the comparison; returns ``{'checks', 'naive_finite', 'custom_finite',
    'max_grad_error', 'bce_grad_naive', 'bce_grad_custom'}``."""
    args = parse_args(argv)
    print("derivative checks (float64):")
    checks = check_rules(args.check_size)

    x = ag.tensor([-1000.0, -200.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0])  # float32
    exact = exact_sigmoid(-x.numpy())  # the derivative of log(sigmoid(x))
    rows = {"naive": values_and_grads(naive_log_sigmoid, x),
            "custom_vjp": values_and_grads(log_sigmoid, x),
            "Function": values_and_grads(LogSigmoid.apply, x)}
    print("\nfloat32 values and gradients of log(sigmoid(x)):")
    print(f"  {'x':>16}" + "".join(f"{v:>12g}" for v in x.numpy()))
    for name, (value, grad) in rows.items():
        print(f"  {name + ' value':>16}" + "".join(f"{v:>12.5g}" for v in value))
        print(f"  {name + ' grad':>16}" + "".join(f"{v:>12.5g}" for v in grad))
    print(f"  {'exact grad':>16}" + "".join(f"{v:>12.5g}" for v in exact))

    naive_finite = bool(np.isfinite(rows["naive"][1]).all())
    custom_finite = all(np.isfinite(v).all() and np.isfinite(g).all()
                        for name, (v, g) in rows.items() if name != "naive")
    max_error = max(float(np.max(np.abs(rows[n][1] - exact))) for n in ("custom_vjp", "Function"))
    print(f"naive gradients all finite: {naive_finite}")
    print(f"custom values and gradients all finite: {custom_finite}; "
          f"largest |custom - exact| gradient: {max_error:.2e} (float32 rounding)")

    # a confident, wrong classifier: the loss is huge, and its gradient must still be usable
    print("\nbinary cross-entropy of logits [-150, 150, 2] with labels [1, 0, 1]:")
    logits = ag.tensor([-150.0, 150.0, 2.0])
    labels = ag.tensor([1.0, 0.0, 1.0])
    grads = {}
    for name, fn in (("naive", naive_log_sigmoid), ("custom_vjp", log_sigmoid)):
        with np.errstate(all="ignore"):
            loss, grad = ag.value_and_grad(lambda z: bce_from_logits(z, labels, fn))(logits)
        grads[name] = grad.numpy()
        print(f"  with {name:<10}  loss {loss.item():<9.5g} "
              f"d loss / d logits {np.array2string(grads[name], precision=4)}")
    expected = (exact_sigmoid(logits.numpy()) - labels.numpy()) / len(labels)
    print(f"  expected (sigmoid(z) - y) / n:      {np.array2string(expected, precision=4)}")
    return {"checks": checks, "naive_finite": naive_finite, "custom_finite": custom_finite,
            "max_grad_error": max_error, "bce_grad_naive": grads["naive"],
            "bce_grad_custom": grads["custom_vjp"]}


if __name__ == "__main__":
    main()
