"""erf against the C library's (math.erf) to rounding, in float64 and float32."""
import math

import numpy as np
import pytest

import autograd_core as ag

GRID = np.concatenate([np.linspace(-9, 9, 180_001), [0.0, -0.0, 1e-300, -1e-30, 2.0, -2.0, 6.0,
                                                     30.0, -1e6, np.inf, -np.inf]])


def _reference(x):
    return np.array([math.erf(float(v)) for v in x.ravel()]).reshape(x.shape)


def test_float64_matches_libm_to_a_few_ulps():
    got = ag.erf(GRID).numpy()
    ref = _reference(GRID)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, ref, rtol=2e-15, atol=0)
    assert np.all(np.sign(got) == np.sign(ref)) and got[GRID.size - 2] == 1.0


def test_float32_matches_libm_to_an_ulp():
    x = GRID.astype(np.float32)
    got = ag.erf(x).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _reference(x), rtol=0, atol=1.5 * np.spacing(np.float32(1)))


@pytest.mark.parametrize("x", [np.float64(0.7), np.array(-1.3), np.array([[0.1, 2.5], [-7.0, 4.0]])])
def test_shapes_and_nan(x):
    got = ag.erf(x).numpy()
    assert got.shape == np.shape(x)
    np.testing.assert_allclose(got, _reference(np.asarray(x)), rtol=2e-15)
    assert np.isnan(ag.erf(np.array([np.nan])).numpy()[0])


def test_exact_gelu_matches_its_formula_in_float64():
    x = np.linspace(-10, 10, 2001)
    ref = 0.5 * x * (1 + _reference(x / np.sqrt(2)))
    np.testing.assert_allclose(ag.nn.gelu(x).numpy(), ref, rtol=1e-14, atol=1e-14)
