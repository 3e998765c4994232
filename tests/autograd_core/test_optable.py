"""Every op of the op table (autograd_core.testing.optable) through every check that applies to it:
forward vs numpy, gradient vs float64 finite differences, gradient of gradient, JVP against VJP and
finite differences, and ``.backward()`` gradients with the operands' shapes, dtypes and devices."""
import pytest
from hypothesis import given, settings

import autograd_core as ag
from autograd_core.testing import optable

DEVICES = ["cpu"] + (["cuda"] if ag.cuda.is_available() else [])
CASES = [(spec, check) for spec in optable.OPS for check in spec.checks]
# the second-order and dtype checks cost more per example and repeat what grad already explores:
# they run fewer examples (never more than the hypothesis profile allows)
EXAMPLES = {"gradgrad": 15, "jvp": 15, "backward": 10, "nograd": 10}


def _limited(check, cap=None):
    cap = cap or EXAMPLES.get(check)
    default = settings.default.max_examples
    return settings(max_examples=min(default, cap) if cap else default)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("spec,check", CASES, ids=[f"{s.name}-{c}" for s, c in CASES])
def test_op(spec, check, device):
    @_limited(check)
    @given(case=spec.inputs)
    def run(case):
        optable.run_check(spec, check, case, device)
    run()


# the numpy-backed test device 'cpu:1': results and gradients stay on the operands' device
DEVICE_CASES = [(spec, check) for spec in optable.OPS for check in ("forward", "backward")
                if check in spec.checks]


@pytest.mark.parametrize("spec,check", DEVICE_CASES, ids=[f"{s.name}-{c}" for s, c in DEVICE_CASES])
def test_op_on_test_device(spec, check):
    @_limited(check, cap=5)
    @given(case=spec.inputs)
    def run(case):
        optable.run_check(spec, check, case, "cpu:1")
    run()


def test_table_covers_the_primitives():
    names = {s.name for s in optable.OPS}
    required = set("""add sub mul div neg pow exp log log1p expm1 sqrt sin cos tanh sigmoid relu abs
        clip maximum minimum where erf equal less greater sum max min prod cumsum reshape transpose
        broadcast_to concatenate pad getitem index_add matmul cast mean var std logsumexp softmax
        log_softmax einsum expand_dims squeeze flatten swapaxes stack split flip""".split())
    assert required <= names, sorted(required - names)
    registry = set(ag.primitives.REGISTRY)
    primitives = {s.name for s in optable.OPS if s.kind == "primitive"}
    assert primitives <= registry, sorted(primitives - registry)
