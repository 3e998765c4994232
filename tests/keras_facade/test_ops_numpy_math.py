"""keras.ops.numpy, the math part: values against numpy, Keras' dtypes, gradients (float64
finite differences), errors naming the op, and use on symbolic tensors in a trained model."""
import numpy as np
import pytest

import autograd_core as ag
import keras_facade as keras
from autograd_core.testing import gradcheck
from keras_facade import ops
from keras_facade.ops import _numpy_math as M

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4)).astype("float32")
B = RNG.normal(size=(3, 4)).astype("float32")
POS = RNG.uniform(0.2, 2.0, size=(3, 4)).astype("float32")
UNIT = RNG.uniform(-0.8, 0.8, size=(3, 4)).astype("float32")
INTS = RNG.integers(1, 9, size=(3, 4)).astype("int32")
X3 = RNG.normal(size=(2, 3, 4)).astype("float32")
NANS = A.copy()
NANS[0, 1] = NANS[2, 3] = np.nan

NAMES = """abs absolute add all allclose amax amin angle any arccos arccosh arcsin arcsinh arctan
arctan2 arctanh argmax argmin average bartlett bitwise_and bitwise_invert bitwise_left_shift
bitwise_not bitwise_or bitwise_right_shift bitwise_xor blackman cbrt ceil clip conj conjugate
corrcoef correlate cos cosh cross cumprod cumsum deg2rad diff divide divide_no_nan dot einsum equal
exp exp2 expm1 fabs floor floor_divide fmax fmin fmod gcd greater greater_equal hamming hanning
heaviside hypot i0 imag isclose isfinite isinf isnan isneginf isposinf isreal kaiser lcm ldexp
left_shift less less_equal log log10 log1p log2 logaddexp logaddexp2 logical_and logical_not
logical_or logical_xor matmul max maximum mean median min minimum mod multiply nan_to_num nanargmax
nanargmin nancumprod nancumsum nanmax nanmean nanmedian nanmin nanpercentile nanprod nanquantile
nanstd nansum nanvar negative nextafter not_equal percentile power prod ptp quantile rad2deg real
reciprocal right_shift round select sign signbit sin sinc sinh slogdet sqrt square std subtract sum
tan tanh tensordot trace true_divide trunc var vdot vectorize""".split()


def test_names_are_exported_in_every_namespace():
    assert sorted(M.__all__) == sorted(NAMES)
    for name in NAMES:
        assert getattr(ops.numpy, name) is getattr(M, name) is getattr(ops, name)


# -- values against numpy (same name, same arguments) --------------------------------------------
UNARY = {name: A for name in "abs absolute negative sign square exp exp2 expm1 sin cos tan sinh "
         "cosh tanh arctan arcsinh cbrt deg2rad rad2deg sinc i0 floor ceil trunc fabs "
         "reciprocal".split()}
UNARY.update({name: POS for name in "log log2 log10 log1p sqrt".split()})
UNARY.update(arcsin=UNIT, arccos=UNIT, arctanh=UNIT, arccosh=POS + 1)
BINARY = "add subtract multiply divide true_divide maximum minimum arctan2 hypot logaddexp " \
         "logaddexp2 fmax fmin power mod fmod floor_divide".split()
CASES = [(name, (x,), {}) for name, x in UNARY.items()]
CASES += [(name, (POS if name == "power" else A, B[0] if name != "power" else B), {})
          for name in BINARY]
CASES += [(name, (X3,), kw) for name in "sum mean max min amax amin prod std var ptp median "
          "argmax argmin all any".split()
          for kw in ({}, {"axis": 1}, {"axis": -1, "keepdims": True})]
CASES += [(name, (NANS,), kw) for name in "nansum nanmean nanmax nanmin nanprod nanstd nanvar "
          "nanmedian nanargmax nanargmin".split() for kw in ({}, {"axis": 1})]
CASES += [(name, (A,), kw) for name in "cumsum cumprod nancumsum nancumprod".split()
          for kw in ({}, {"axis": 0})]
CASES += [("nancumsum", (NANS,), {"axis": 1}), ("nancumprod", (NANS,), {"axis": 1})]
CASES += [(name, (X3, q), {"axis": 1, "method": m}) for m in M._METHODS
          for name, q in (("quantile", 0.3), ("percentile", [10.0, 80.0]))]
CASES += [("nanquantile", (NANS, 0.4), {"axis": 1}), ("nanpercentile", (NANS, [20, 70]), {}),
          ("quantile", (X3, [0.2, 0.9]), {"axis": (0, 2), "keepdims": True})]
CASES += [(name, (np.round(A), np.round(B)), {}) for name in "equal not_equal less less_equal "
          "greater greater_equal logical_and logical_or logical_xor".split()]
CASES += [(name, (np.array([1.0, -np.inf, np.inf, np.nan, -0.0], "float32"),), {})
          for name in "isnan isinf isfinite isneginf isposinf signbit isreal logical_not".split()]
CASES += [(name, (INTS, INTS[::-1]), {}) for name in
          "bitwise_and bitwise_or bitwise_xor gcd lcm left_shift right_shift "
          "bitwise_left_shift bitwise_right_shift".split()]
CASES += [
    ("bitwise_not", (INTS,), {}), ("bitwise_invert", (INTS,), {}),
    ("matmul", (X3, A.T), {}), ("dot", (X3, A.T), {}), ("vdot", (A[0], B[0]), {}),
    ("einsum", ("bij,kj->bik", X3, A), {}),
    ("tensordot", (X3, RNG.normal(size=(3, 4, 2))), {}),
    ("tensordot", (A, B), {"axes": ([1], [1])}),
    ("trace", (X3,), {"offset": 1, "axis1": 1, "axis2": 2}),
    ("cross", (X3[..., :3], A[:, :3]), {}), ("cross", (A[:, :2], B[:, :3]), {}),
    ("diff", (X3,), {"n": 2, "axis": 2}), ("corrcoef", (A,), {}),
    ("average", (X3,), {"axis": 1, "weights": POS[:, 0]}), ("clip", (A, -0.5, 0.3), {}),
    ("isclose", (A, A + 1e-6), {}), ("allclose", (A, A + 1e-3), {}),
    ("heaviside", (np.array([-1.0, 0.0, 2.0]), np.array(0.5)), {}),
    ("ldexp", (A, INTS % 4), {}), ("nextafter", (A, B), {}),
    ("round", (A * 10,), {"decimals": -1}), ("round", (A,), {"decimals": 2}),
    ("nan_to_num", (np.array([1.0, np.nan, np.inf, -np.inf]),), {"nan": 1.0, "posinf": 9.0})]
CASES += [("correlate", (x, y), {"mode": m}) for m in ("valid", "same", "full")
          for x, y in ((A[0], B[1, :2]), (A[1, :2], B[0]))]
CASES += [(name, (7,), {}) for name in "bartlett blackman hamming hanning".split()]
CASES += [("kaiser", (8, 5.0), {})]


@pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")
@pytest.mark.parametrize("name,args,kwargs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_values_match_numpy(name, args, kwargs):
    out = getattr(ops, name)(*args, **kwargs)
    expected = getattr(np, name)(*[np.asarray(a) if isinstance(a, list) else a for a in args],
                                 **kwargs)
    assert isinstance(out, ag.Tensor)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=2e-5, atol=2e-6)


def test_float32_stays_float32_and_comparisons_are_bool():
    for name, x in UNARY.items():
        assert getattr(ops, name)(x).dtype == np.float32, name
    assert ops.less(A, B).dtype == np.bool_ and ops.isnan(A).dtype == np.bool_


# -- Keras' dtypes ---------------------------------------------------------------------------------
I32, I64 = np.arange(3, dtype="int32"), np.arange(3, dtype="int64")
F16, F64 = I32.astype("float16"), I32.astype("float64")
BOOLS = np.array([True, False, True])
DTYPES = [  # (function, arguments, Keras 3's result dtype with the torch backend)
    ("add", ([1, 2], [3, 4]), "int32"), ("add", (1, 2.0), "float32"),
    ("add", (I64, A[0, :3]), "float32"), ("add", (I32, I64), "int64"),
    ("add", (I32, 2.5), "float32"), ("add", (F16, 1.0), "float16"), ("add", (F16, I32), "float16"),
    ("add", (F64, A[0, :3]), "float64"), ("multiply", (BOOLS, 3), "int32"),
    ("divide", (I32, I32), "float32"), ("floor_divide", (I32, 2), "int32"),
    ("power", (I32, 2), "int32"), ("exp", (I64,), "float32"), ("sqrt", (BOOLS,), "float32"),
    ("exp", (F64,), "float64"), ("square", (BOOLS,), "int32"), ("abs", (I32,), "int32"),
    ("round", (I32,), "int32"), ("floor", (I32,), "float32"), ("sum", (BOOLS,), "int32"),
    ("sum", (I32,), "int32"), ("sum", ([1, 2, 3],), "int32"),
    ("sum", (I32.astype("uint8"),), "int32"),
    ("mean", (I64,), "float32"), ("std", (I32,), "float32"), ("median", (I32,), "float32"),
    ("max", (I32,), "int32"), ("argmax", (A,), "int32"), ("prod", (I32,), "int32"),
    ("cumsum", (BOOLS,), "int32"), ("cumsum", (I32,), "int32"),
    ("trace", (np.eye(3, dtype="int32"),), "int32"),
    ("matmul", (np.eye(2, dtype="int32"), np.eye(2, dtype="int32")), "int32"),
    ("equal", (I32, 1.5), "bool"), ("arctan2", (I32, I32), "float32"),
    ("ldexp", (I32, I32), "float32"), ("bitwise_and", (I32, 3), "int32"),
    ("mean", (F16,), "float16"), ("angle", (I32,), "float32"), ("isreal", (I32,), "bool"),
    ("abs", (BOOLS,), "bool")]


@pytest.mark.parametrize("name,args,dtype", DTYPES,
                         ids=[f"{d[0]}-{i}" for i, d in enumerate(DTYPES)])
def test_result_dtypes_follow_keras(name, args, dtype):
    assert getattr(ops, name)(*args).dtype == np.dtype(dtype)


# -- gradients (float64 finite differences) --------------------------------------------------------
def _f64(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape)


GRADS = [
    (lambda a, b: ops.arctan2(a, b), (_f64(3, 2), _f64(2, low=0.5))),
    (lambda a, b: ops.logaddexp(a, b) + ops.logaddexp2(b, a), (_f64(3), _f64(3))),
    (lambda a, b: ops.hypot(a, b) * ops.divide_no_nan(a, b), (_f64(4, low=0.5), _f64(4, low=0.5))),
    (lambda a, b: ops.mod(a, b) + ops.fmod(a, b),
     (np.array([0.3, 1.7, -2.2]), np.array([0.9, 0.7, 1.3]))),
    (lambda x: ops.sinh(x) + ops.cosh(x) + ops.arcsinh(x) + ops.arctan(x) + ops.cbrt(x + 3),
     (_f64(5),)),
    (lambda x: ops.arcsin(x) + ops.arccos(x) + ops.arctanh(x) + ops.arccosh(x + 2),
     (_f64(5, low=-0.8, high=0.8),)),
    (lambda x: ops.sinc(x) + ops.i0(3 * x) + ops.exp2(x), (_f64(5),)),
    (lambda x: ops.cumprod(x, axis=1), (np.array([[1.5, 0.0, 2.0, -1.0], [0.5, 2.0, 0.0, 0.0]]),)),
    (lambda x: ops.quantile(x, [0.25, 0.6], axis=0), (_f64(5, 3),)),
    (lambda x, q: ops.percentile(x, q, axis=1), (_f64(2, 5), np.array([30.0, 70.0]))),
    (lambda x: ops.nanmean(x, axis=1) + ops.nanstd(x, axis=1) + ops.nansum(x, axis=1),
     (np.array([[1.0, np.nan, 2.5], [0.2, -1.0, 3.0]]),)),
    (lambda x: ops.slogdet(x)[1], (np.eye(3) * 2 + _f64(2, 3, 3) * 0.3,)),
    (lambda a, b: ops.cross(a, b), (_f64(4, 3), _f64(4, 3))),
    (lambda a, b: ops.correlate(a, b, mode="full"), (_f64(5), _f64(3))),
    (lambda x: ops.trace(x, offset=1) + ops.std(x) + ops.var(x, axis=0)[0], (_f64(3, 4),)),
    (lambda x: ops.corrcoef(x), (_f64(3, 5),)),
    (lambda x, w: ops.average(x, axis=1, weights=w), (_f64(2, 3), _f64(3, low=0.5))),
    (lambda x: ops.max(x, axis=0, initial=0.1) + ops.ptp(x, axis=0) + ops.median(x, axis=0),
     (_f64(5, 2),)),
    (lambda x: ops.diff(x, n=2) + ops.nan_to_num(x)[2:], (_f64(6),)),
    (lambda a, b: ops.einsum("ij,jk->ik", a, b) + ops.tensordot(a, b, axes=1),
     (_f64(2, 3), _f64(3, 2))),
]


@pytest.mark.parametrize("fn,inputs", GRADS, ids=[str(i) for i in range(len(GRADS))])
def test_gradients_match_finite_differences(fn, inputs):
    assert gradcheck(fn, *inputs)


def test_cumprod_gradient_at_zero_is_exact():
    x = ag.tensor([2.0, 0.0, 3.0], dtype="float64")
    g = ag.grad(lambda x: ops.sum(ops.cumprod(x)))(x).numpy()
    np.testing.assert_allclose(g, [1.0, 2.0 + 6.0, 0.0])


# -- errors name the op and the offending values ---------------------------------------------------
ERRORS = [
    (lambda: ops.sum(A, axis=2), ValueError, r"keras\.ops\.sum: axis 2 .*\(3, 4\)"),
    (lambda: ops.add(A, np.ones(3)), ValueError, r"keras\.ops\.add: shapes \(3, 4\) and \(3,\)"),
    (lambda: ops.bitwise_and(A, INTS), TypeError, r"keras\.ops\.bitwise_and: .*float32"),
    (lambda: ops.ldexp(A, A), TypeError, r"keras\.ops\.ldexp: .*float32"),
    (lambda: ops.quantile(A, 0.5, method="cubic"), ValueError, r"keras\.ops\.quantile: method"),
    (lambda: ops.percentile(A, 150), ValueError, r"keras\.ops\.percentile: q"),
    (lambda: ops.slogdet(A), ValueError, r"keras\.ops\.slogdet: .*\(3, 4\)"),
    (lambda: ops.matmul(A, A), ValueError, r"keras\.ops\.matmul: shapes \(3, 4\) and \(3, 4\)"),
    (lambda: ops.cross(A, B), ValueError, r"keras\.ops\.cross: .*\(3, 4\)"),
    (lambda: ops.average(X3, axis=1, weights=np.ones(4)), ValueError,
     r"keras\.ops\.average: weights"),
    (lambda: ops.argmax(np.zeros((0,))), ValueError, r"keras\.ops\.argmax: zero-size"),
    (lambda: ops.exp("x"), TypeError, r"keras\.ops\.exp: expected a tensor"),
    (lambda: ops.select([A > 0], []), ValueError, r"keras\.ops\.select"),
    (lambda: ops.correlate(A, B), ValueError, r"keras\.ops\.correlate: .*\(3, 4\)"),
]


@pytest.mark.parametrize("call,error,match", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_bad_input_raises_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- the rest --------------------------------------------------------------------------------------
def test_slogdet_select_vectorize_and_complex_parts():
    mats = RNG.normal(size=(3, 4, 4))
    mats[1, :, [0, 2]] = mats[1, :, [2, 0]]
    sign, logdet = ops.slogdet(mats)
    ref_sign, ref_logdet = np.linalg.slogdet(mats)
    np.testing.assert_allclose(sign.numpy(), ref_sign)
    np.testing.assert_allclose(logdet.numpy(), ref_logdet, rtol=1e-10)
    assert ops.slogdet(np.zeros((2, 2)))[0].item() == 0
    conds, choices = [A > 0.5, A < -0.5], [A, -A * 2]
    np.testing.assert_allclose(ops.select(conds, choices, default=7).numpy(),
                               np.select(conds, choices, default=7))
    dist = ops.vectorize(lambda a, b: ops.sqrt(ops.sum((a - b) ** 2)), signature="(n),(n)->()")
    np.testing.assert_allclose(dist(X3, B).numpy(), np.sqrt(((X3 - B) ** 2).sum(-1)), rtol=1e-6)
    np.testing.assert_allclose(ops.vectorize(lambda t: t * 2 + 1)(A).numpy(), A * 2 + 1)
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(ops.angle(x).numpy(), np.angle(x))
    for fn in (ops.real, ops.conj, ops.conjugate):
        np.testing.assert_allclose(fn(x).numpy(), x)
    np.testing.assert_allclose(ops.imag(x).numpy(), 0.0)


def test_ops_on_symbolic_tensors_train_in_a_functional_model():
    inp = keras.Input((4,))
    h = keras.layers.Dense(4, name="proj")(inp)
    h = ops.add(ops.multiply(ops.tanh(h), ops.clip(h, -1.0, 1.0)), ops.logaddexp(h, 0.0))
    h = ops.divide(ops.cumsum(h, axis=1), ops.add(ops.mean(ops.abs(h)), 1.0))
    out = keras.layers.Dense(1)(h)
    model = keras.Model(inp, out)
    data = RNG.normal(size=(32, 4)).astype("float32")
    target = (data.sum(1, keepdims=True) > 0).astype("float32")
    model.compile("adam", "mse")
    first = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=15, verbose=0)
    assert model.evaluate(data, target, verbose=0) < first
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(data, verbose=0), model.predict(data, verbose=0),
                               rtol=1e-6)
