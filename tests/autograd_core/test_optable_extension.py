"""A user's own op in the property tests, in a few lines (the example of docs/testing.md), and
proof that the generated test catches a wrong rule or a wrong forward."""
import numpy as np
import pytest
from hypothesis import settings

import autograd_core as ag
from autograd_core.testing import GradcheckError
from autograd_core.testing.optable import Domain, OpSpec, elementwise, property_test

# -- the documented example -----------------------------------------------------------------------
softplus = OpSpec("softplus", lambda x: ag.log1p(ag.exp(x)), lambda x: np.log1p(np.exp(x)),
                  elementwise(Domain(-4, 4)))
test_softplus = property_test(softplus)


# -- the generated test fails when it should --------------------------------------------------------
_wrong_rule = ag.primitive("test_wrong_softsign", lambda xp, x: x / (1 + xp.abs(x)),
                           vjps=[lambda g, out, x: g / (1 + ag.abs(x))])  # misses a square


def _run(spec, checks):
    settings(max_examples=10)(property_test(spec, checks=checks))()


def test_property_test_catches_a_wrong_gradient():
    spec = OpSpec("wrong_softsign", _wrong_rule, lambda x: x / (1 + np.abs(x)),
                  elementwise(Domain(-3, 3, avoid=(0.0,))))
    _run(spec, ["forward"])  # the forward is right
    with pytest.raises(GradcheckError, match="wrong_softsign"):
        _run(spec, ["grad"])


def test_property_test_catches_a_wrong_forward():
    spec = OpSpec("off_by_one", lambda x: ag.exp(x), lambda x: np.exp(x) + 1.0,
                  elementwise(Domain(-1, 1)))
    with pytest.raises(AssertionError, match="off_by_one forward vs numpy"):
        _run(spec, ["forward"])


_float64_rule = ag.primitive("test_float64_rule", lambda xp, x: x * 2,
                            vjps=[lambda g, out, x: g.astype("float64") * 2.0])


def test_engine_casts_a_rule_result_to_the_operand_dtype():
    # the rule returns float64 cotangents; the engine casts them at the edge, so the check passes
    spec = OpSpec("float64_rule", _float64_rule, lambda x: x * 2, elementwise())
    _run(spec, ["backward"])


def test_register_rejects_duplicates():
    from autograd_core.testing import optable
    with pytest.raises(ValueError, match="already exists"):
        optable.register(OpSpec("add", ag.add, np.add, elementwise()))
