"""Op specs and the property checks behind the op table.

An :class:`OpSpec` names an engine function, its numpy reference and a hypothesis strategy of
:class:`Case` (operands as numpy arrays plus static parameters). The checks compare the function
with the reference and its derivatives with finite differences; :func:`property_test` turns a spec
into a hypothesis test. The table itself is :mod:`autograd_core.testing.optable`.
"""
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np
from hypothesis import given, strategies as st

from .. import backend
from .. import ops as ag
from ..tensor import Tensor
from .gradcheck import GradcheckError, check_jvp, gradcheck, gradgradcheck
from . import strategies as S

CHECKS = ("forward", "grad", "gradgrad", "jvp", "backward")


class Case(NamedTuple):
    """One drawn input: ``args`` (numpy arrays or other operands) and static ``params``."""
    args: tuple
    params: dict


class Domain(NamedTuple):
    """Where an operand's values come from: ``[lo, hi]``, staying ``margin`` away from each point in
    ``avoid`` (kinks and poles); ``distinct`` keeps all entries ``margin`` apart (no ties)."""
    lo: float = -3.0
    hi: float = 3.0
    avoid: tuple = ()
    margin: float = 0.05
    distinct: bool = False

    def points(self, shape, dtype="float64"):
        return S.smooth_points(shape, self.lo, self.hi, self.avoid, self.margin, dtype,
                               self.distinct)


@dataclass
class OpSpec:
    """One op in the table.

    ``fn(*tensors, **params)`` is the engine function, ``ref(*arrays, **params)`` its numpy
    reference; ``inputs`` a strategy of :class:`Case`. ``checks`` lists which of
    :data:`CHECKS` apply (``'nograd'`` for ops without a gradient: their output never requires
    grad). ``rtol``/``atol`` bound the float32 forward against the float64 reference;
    ``grad_tol`` is passed to the derivative checks. ``kind`` is 'primitive' or 'composite'.
    ``keeps_dtype=False`` for ops whose float result dtype is not the inputs' (cast): the
    reference's dtype is expected instead.
    """
    name: str
    fn: Callable
    ref: Callable
    inputs: st.SearchStrategy
    checks: tuple = CHECKS
    kind: str = "composite"
    rtol: float = 1e-5
    atol: float = 1e-5
    grad_tol: dict = field(default_factory=dict)
    keeps_dtype: bool = True

    def __repr__(self):
        return f"OpSpec({self.name!r})"


# -- input builders --------------------------------------------------------------------------------
def elementwise(*domains, broadcast=True, prepare=None, max_dims=3):
    """Operands with one :class:`Domain` each, of mutually broadcastable shapes (one shared shape
    with ``broadcast=False``); ``prepare(*arrays) -> arrays`` adjusts them (e.g.
    ``strategies.interleave`` to avoid ties)."""
    domains = domains or (Domain(),)
    n = len(domains)
    if broadcast and n > 1:
        shape_sets = S.broadcastable_shapes(n, max_dims=max_dims)
    else:
        shape_sets = S.shapes(max_dims=max_dims).map(lambda s: (s,) * n)

    @st.composite
    def cases(draw):
        shapes = draw(shape_sets)
        arrays = tuple(draw(d.points(s)) for d, s in zip(domains, shapes))
        if prepare is not None:
            arrays = tuple(prepare(*arrays))
        return Case(arrays, {})
    return cases()


def arrays_with(params, domain=Domain(), shapes=None):
    """One operand of ``shapes`` (default: 0-3 axes of 1-4) with ``params(shape)`` a strategy of the
    static parameters (a dict) for that shape."""
    shapes = shapes if shapes is not None else S.shapes()

    @st.composite
    def cases(draw):
        shape = draw(shapes)
        return Case((draw(domain.points(shape)),), draw(params(shape)))
    return cases()


def _nothing(shape):
    return st.just({})


# -- the checks ------------------------------------------------------------------------------------
def _is_float(a):
    return isinstance(a, (np.ndarray, np.generic)) and a.dtype.kind == "f"


def _tensors(case, dtype, device, requires_grad=False):
    return [Tensor(np.asarray(a, dtype=dtype), device=device, requires_grad=requires_grad)
            if _is_float(a) else (Tensor(a, device=device) if isinstance(a, np.ndarray) else a)
            for a in case.args]


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check_forward(spec, case, device="cpu", dtype="float32"):
    """The engine's result (float32 inputs) matches the numpy reference on the same values."""
    dtype = np.dtype(dtype)
    outs = _outputs(spec.fn(*_tensors(case, dtype, device), **case.params))
    refs = _outputs(spec.ref(*[a.astype(dtype).astype(np.float64) if _is_float(a) else a
                               for a in case.args], **case.params))
    assert len(outs) == len(refs), f"{spec.name}: {len(outs)} outputs, reference has {len(refs)}"
    for o, r in zip(outs, refs):
        r = np.asarray(r)
        assert isinstance(o, Tensor), f"{spec.name}: returned {type(o).__name__}, not a Tensor"
        assert o.shape == r.shape, f"{spec.name}: shape {o.shape}, numpy gives {r.shape}"
        assert o.device is backend.device(device), \
            f"{spec.name}: result on {o.device}, inputs on {device}"
        want = dtype if r.dtype.kind == "f" and spec.keeps_dtype else r.dtype
        assert o.dtype == want, f"{spec.name}: dtype {o.dtype}, expected {want}"
        np.testing.assert_allclose(o.numpy(), r, rtol=spec.rtol, atol=spec.atol,
                                   err_msg=f"{spec.name} forward vs numpy")


def _function(spec, case):
    return lambda *xs: spec.fn(*xs, **case.params)


def check_grad(spec, case, device="cpu", mode=None):
    """The VJP agrees with float64 central differences (and has the inputs' shapes and dtypes);
    the whole Jacobian when the float inputs hold at most 12 numbers, random directions beyond."""
    if mode is None:
        size = sum(np.size(a) for a in case.args if _is_float(a))
        mode = "full" if size <= 12 else "random"
    _wrap(spec, gradcheck, _function(spec, case), *_tensors(case, "float64", device), mode=mode,
          **spec.grad_tol)


def check_gradgrad(spec, case, device="cpu"):
    _wrap(spec, gradgradcheck, _function(spec, case), *_tensors(case, "float64", device),
          **spec.grad_tol)


def check_jvp_rule(spec, case, device="cpu"):
    _wrap(spec, check_jvp, _function(spec, case), *_tensors(case, "float64", device),
          **spec.grad_tol)


def _wrap(spec, check, *args, **kwargs):
    try:
        assert check(*args, **kwargs)
    except GradcheckError as exc:
        raise GradcheckError(f"{spec.name}: {exc}", exc.input, exc.out_index, exc.in_index,
                             exc.analytic, exc.numeric) from None


def check_backward(spec, case, device="cpu", dtype="float32"):
    """``.backward()`` on float32 leaves: each gradient has its leaf's shape, dtype and device
    (broadcast operands get their gradients summed back)."""
    leaves = _tensors(case, dtype, device, requires_grad=True)
    outs = _outputs(spec.fn(*leaves, **case.params))
    rng = np.random.default_rng(0)
    total = None
    for o in outs:
        term = ag.sum(o * Tensor(rng.standard_normal(o.shape).astype(o.dtype), device=device))
        total = term if total is None else total + term
    if total is None or not total.requires_grad:
        return
    total.backward()
    for i, x in enumerate(leaves):
        if isinstance(x, Tensor) and x.requires_grad:
            assert x.grad is not None, f"{spec.name}: no gradient reached operand {i}"
            assert (x.grad.shape, x.grad.dtype, x.grad.device) == (x.shape, x.dtype, x.device), (
                f"{spec.name}: gradient of operand {i} is {x.grad.shape} {x.grad.dtype} on "
                f"{x.grad.device}, the operand {x.shape} {x.dtype} on {x.device}")
            assert np.all(np.isfinite(x.grad.numpy())), f"{spec.name}: non-finite gradient"


def check_nograd(spec, case, device="cpu"):
    """Ops without a derivative return tensors that do not require grad."""
    leaves = _tensors(case, "float32", device, requires_grad=True)
    for o in _outputs(spec.fn(*leaves, **case.params)):
        assert not o.requires_grad, f"{spec.name}: output requires grad"


RUNNERS = {"forward": check_forward, "grad": check_grad, "gradgrad": check_gradgrad,
           "jvp": check_jvp_rule, "backward": check_backward, "nograd": check_nograd}


def run_check(spec, check, case, device="cpu"):
    """Run one named check of ``spec`` on ``case``."""
    RUNNERS[check](spec, case, device)


def property_test(spec, checks=None, device="cpu"):
    """A hypothesis test (collected by pytest when bound to a ``test_*`` name) that runs the
    checks of ``spec`` (all that apply by default) on examples drawn from ``spec.inputs``."""
    names = tuple(checks or spec.checks)

    @given(case=spec.inputs)
    def test(case):
        for name in names:
            run_check(spec, name, case, device)
    test.__name__ = f"test_{spec.name}"
    return test
