"""Property-testing your own differentiable functions with hypothesis and ``ag.testing``.

Two functions of the kind a user writes for a model:

- ``squareplus(x, b) = (x + sqrt(x^2 + b)) / 2``, a smooth ReLU with a sharpness parameter ``b > 0``
  (any shapes that broadcast together);
- ``rms_norm(x, gain)``: ``x / sqrt(mean(x^2, last axis) + eps) * gain``.

Each is checked on inputs that hypothesis draws with ``ag.testing.strategies`` (shapes,
broadcastable shapes, float arrays): the forward pass against numpy, the gradient against finite
differences (``gradcheck``), the gradient of the gradient (``gradgradcheck``) and forward mode
(``check_jvp``). Then the same functions are added to the op table with ``OpSpec`` and
``property_test`` (see docs/testing.md), which runs every standard check on them. Finally a
hand-written derivative rule with a deliberate sign error shows what a failure looks like:
hypothesis finds an input, shrinks it, and ``gradcheck`` names the wrong entry.

    python examples/property_gradcheck.py              # a few seconds; 100 examples per property
    python examples/property_gradcheck.py --fast       # 4 examples per property
    python -m pytest examples/property_gradcheck.py    # the same tests under pytest
"""
import argparse
import time

import numpy as np
from hypothesis import HealthCheck, given, seed, settings, strategies as st

import autograd_core as ag
from autograd_core.testing import GradcheckError, check_jvp, gradcheck, gradgradcheck
from autograd_core.testing import strategies as S
from autograd_core.testing.optable import Case, Domain, OpSpec, elementwise, property_test

EPS = 1e-3


# -- the user's functions and their numpy references -----------------------------------------------
def squareplus(x, b):
    return (x + ag.sqrt(x * x + b)) * 0.5


def squareplus_numpy(x, b):
    return (x + np.sqrt(x * x + b)) / 2


def rms_norm(x, gain):
    return x / ag.sqrt(ag.mean(x * x, axis=-1, keepdims=True) + EPS) * gain


def rms_norm_numpy(x, gain):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS) * gain


# -- inputs ----------------------------------------------------------------------------------------
@st.composite
def squareplus_inputs(draw):
    """(x, b): broadcastable shapes, x in [-4, 4], b in [0.1, 4]."""
    x_shape, b_shape = draw(S.broadcastable_shapes(2, max_dims=3))
    return draw(S.float_arrays(x_shape, lo=-4, hi=4)), draw(S.float_arrays(b_shape, lo=0.1, hi=4))


@st.composite
def rms_norm_inputs(draw):
    """(x, gain): x with 1-3 axes, gain shaped like x's last axis."""
    shape = draw(S.shapes(min_dims=1, max_dims=3))
    return draw(S.float_arrays(shape, lo=-3, hi=3)), draw(S.float_arrays(shape[-1:], lo=0.5, hi=2))


# -- the properties --------------------------------------------------------------------------------
def check_derivatives(fn, ref, args):
    """Forward pass (float32) against numpy, then first and second derivatives and forward mode
    against float64 finite differences; each check raises on a mismatch."""
    out = fn(*[ag.tensor(a.astype(np.float32)) for a in args])
    np.testing.assert_allclose(out.numpy(), ref(*args), rtol=1e-4, atol=1e-5)
    size = sum(a.size for a in args)
    assert gradcheck(fn, *args, mode="full" if size <= 16 else "random")
    assert gradgradcheck(fn, *args)
    assert check_jvp(fn, *args)


def check_squareplus(args):
    check_derivatives(squareplus, squareplus_numpy, args)
    x, b = (np.array(a) for a in np.broadcast_arrays(*args))
    # one more property of this function: its slope is in (0, 1), as for a smooth ReLU
    slope = ag.grad(lambda x: ag.sum(squareplus(x, b)))(x).numpy()
    assert np.all((slope > 0) & (slope < 1))


def check_rms_norm(args):
    check_derivatives(rms_norm, rms_norm_numpy, args)


PROPERTIES = {"squareplus": (check_squareplus, squareplus_inputs()),
              "rms_norm": (check_rms_norm, rms_norm_inputs())}

# the same functions as op-table entries: property_test runs forward, grad, gradgrad, jvp and
# backward (gradient shapes/dtypes with broadcast operands) on each drawn case
OP_SPECS = [
    OpSpec("squareplus", squareplus, squareplus_numpy, elementwise(Domain(-4, 4), Domain(0.1, 4))),
    OpSpec("rms_norm", rms_norm, rms_norm_numpy,
           rms_norm_inputs().map(lambda args: Case(args, {})), rtol=1e-4),
]


# -- a broken rule, to see a failure ---------------------------------------------------------------
@ag.custom_vjp
def squareplus_with_bug(x, b):
    return squareplus(x, b)


def _fwd(x, b):
    root = ag.sqrt(x * x + b)
    return (x + root) * 0.5, (x, b, root)


def _bwd(residuals, g):
    x, b, root = residuals
    dx = g * 0.5 * (1 + x / root)
    db = -g * 0.25 / root  # the bug: the sign (d/db is +0.25 / root)
    return dx, db          # (the engine sums broadcast gradients back to each operand's shape)


squareplus_with_bug.defvjp(_fwd, _bwd)


def check_buggy_rule(args):
    gradcheck(squareplus_with_bug, *args)


# -- pytest collects these when pointed at this file -----------------------------------------------
_default = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
test_squareplus = _default(given(squareplus_inputs())(check_squareplus))
test_rms_norm = _default(given(rms_norm_inputs())(check_rms_norm))
test_squareplus_op_table = _default(property_test(OP_SPECS[0]))
test_rms_norm_op_table = _default(property_test(OP_SPECS[1]))


# -- the script ------------------------------------------------------------------------------------
def run(name, test):
    """Run one hypothesis test (it raises on failure); print its time."""
    start = time.time()
    test()
    print(f"  {name:<28} passed  {time.time() - start:5.1f}s")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--examples", type=int, default=100, help="hypothesis examples per property")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fast", action="store_true", help="4 examples per property")
    args = p.parse_args(argv)
    if args.fast:
        args.examples = 4
    return args


def main(argv=None):
    """Run every property with a bounded number of examples (reproducible for a seed); returns
    ``{'passed': [names], 'examples': n, 'bug_caught': bool, 'bug_report': str}``. A failing
    property raises."""
    args = parse_args(argv)
    bounded = settings(max_examples=args.examples, deadline=None,
                       database=None, suppress_health_check=list(HealthCheck))
    seeded = lambda test: bounded(seed(args.seed)(test))  # noqa: E731
    passed = []
    print(f"property tests, {args.examples} examples each:")
    for name, (check, inputs) in PROPERTIES.items():
        run(name, seeded(given(inputs)(check)))
        passed.append(name)
    for spec in OP_SPECS:
        run(f"op table: {spec.name}", seeded(property_test(spec)))
        passed.append(f"op table: {spec.name}")

    print("\na derivative rule with a sign error (expected to fail):")
    bug_report = ""
    try:
        seeded(given(squareplus_inputs())(check_buggy_rule))()
    except GradcheckError as err:
        bug_report = str(err)
        print(f"  caught: {bug_report}")
        for note in getattr(err, "__notes__", []):  # hypothesis adds the (shrunk) input here
            print("  " + note.replace("\n", "\n  "))
    print(f"\n{len(passed)} properties passed; the broken rule was "
          f"{'caught' if bug_report else 'NOT caught'}")
    return {"passed": passed, "examples": args.examples, "bug_caught": bool(bug_report),
            "bug_report": bug_report}


if __name__ == "__main__":
    main()
