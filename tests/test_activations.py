"""Activations: values against closed forms, gradients and second derivatives
against float64 central differences, formats, options and errors."""
import math

import numpy as np
import pytest

import dlarr as dl
from conftest import check_grad
from dlarr.functions.activations import elu, erf, gelu, leakyrelu, softmax, softsign


def R(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_erf = np.vectorize(math.erf)

CASES = [
    (leakyrelu, lambda x: np.where(x > 0, x, 0.01 * x)),
    (lambda x: leakyrelu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (elu, lambda x: np.where(x > 0, x, np.expm1(x))),
    (lambda x: elu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    (gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    (lambda x: gelu(x, Approximation="tanh"),
     lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    (softsign, lambda x: x / (1 + np.abs(x))),
    (erf, _erf),
    (softmax, lambda x: np_softmax(x, 0)),
]


@pytest.mark.parametrize("f, ref", CASES)
def test_values_formats_and_gradients(f, ref):
    x = R(3, 4, 2, scale=2.0)
    X = dl.dlarray(x, "CBT")
    Y = f(X)
    assert Y.dims == "CBT" and Y.shape == x.shape and Y.dtype == np.float64
    np.testing.assert_allclose(dl.extractdata(Y), ref(x), rtol=1e-14, atol=1e-15)
    check_grad(f, X)
    if f is not softmax:                       # elementwise: unformatted works the same
        Yu = f(dl.dlarray(x))
        assert Yu.dims == ""
        np.testing.assert_array_equal(dl.extractdata(Yu), dl.extractdata(Y))
        check_grad(f, dl.dlarray(x))


def hvp_check(f, x, fmt, eps=1e-5, rtol=1e-6, atol=1e-9):
    """Second derivatives: the Hessian-vector product of L = sum(f(X) .* R),
    computed with EnableHigherDerivatives, against central differences of the
    gradient."""
    rng = np.random.default_rng(7)
    Rw = dl.dlarray(rng.standard_normal(x.shape), fmt)
    V = dl.dlarray(rng.standard_normal(x.shape), fmt)

    def loss(X):
        return dl.sum(f(X) * Rw, "all")

    def hv(X):
        g = dl.dlgradient(loss(X), X, EnableHigherDerivatives=True)
        return dl.dlgradient(dl.sum(g * V, "all"), X)

    def grad(X):
        return dl.dlgradient(loss(X), X)

    an = dl.extractdata(dl.dlfeval(hv, dl.dlarray(x, fmt)))
    v = dl.extractdata(V)
    gp = dl.extractdata(dl.dlfeval(grad, dl.dlarray(x + eps * v, fmt)))
    gm = dl.extractdata(dl.dlfeval(grad, dl.dlarray(x - eps * v, fmt)))
    np.testing.assert_allclose(an, (gp - gm) / (2 * eps), rtol=rtol, atol=atol)
    return an


@pytest.mark.parametrize("f", [elu, lambda x: elu(x, 0.5), gelu,
                               lambda x: gelu(x, Approximation="tanh"), softsign, erf, softmax])
def test_second_derivatives(f):
    hvp_check(f, R(3, 4, seed=1, scale=1.5), "CB")


def test_leakyrelu_second_derivative():
    # leakyrelu'' = 0, so check through a square: (lr(x)^2)'' = 2 lr'(x)^2
    x = R(3, 4, seed=2)
    an = hvp_check(lambda z: leakyrelu(z, 0.2) * leakyrelu(z, 0.2), x, "CB")
    assert np.abs(an).max() > 0


def test_derivatives_at_zero():
    def g(f):
        return lambda x: dl.dlgradient(dl.sum(f(x), "all"), x)
    X = dl.dlarray(np.zeros(2))
    lr = dl.dlfeval(g(lambda x: leakyrelu(x, 0.3)), X)
    np.testing.assert_array_equal(dl.extractdata(lr), 0.3)
    np.testing.assert_array_equal(dl.extractdata(dl.dlfeval(g(lambda x: elu(x, 0.5)), X)), 0.5)
    np.testing.assert_array_equal(dl.extractdata(dl.dlfeval(g(softsign), X)), 1.0)
    np.testing.assert_array_equal(dl.extractdata(dl.dlfeval(g(gelu), X)), 0.5)


def test_erf_matches_math_erf_to_an_ulp_or_two():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.standard_normal(3000) * 3, rng.uniform(-30, 30, 2000),
                        np.linspace(-6, 6, 2001), rng.standard_normal(200) * 1e-8,
                        [0.0, 0.84375, 1.25, 1 / 0.35, 6.0, 27.9, 28.0, -28.0, 1e-300]])
    y = dl.extractdata(erf(dl.dlarray(x)))
    np.testing.assert_allclose(y, [math.erf(v) for v in x], rtol=5e-16, atol=0)
    # erfc, through gelu's normal cdf: Phi(x) = erfc(-x/sqrt(2))/2 in the far left tail
    from dlarr.functions.activations import _erf_raw
    t = np.concatenate([x[np.abs(x) < 26.5], [26.0, -26.0]])
    np.testing.assert_allclose(_erf_raw(t, "erfc"), [math.erfc(v) for v in t], rtol=1e-15, atol=0)
    assert np.array_equal(dl.extractdata(erf(dl.dlarray(np.array([np.inf, -np.inf])))), [1, -1])
    assert np.isnan(dl.extractdata(erf(dl.dlarray(np.array([np.nan]))))).all()


def test_gelu_accurate_in_the_tails_and_float32():
    x = np.array([-30.0, -10.0, -5.0, 5.0, 10.0])
    y = dl.extractdata(gelu(dl.dlarray(x)))
    ref = np.array([0.5 * v * math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(y, ref, rtol=1e-13)          # relative, even at 1e-196
    for f in (gelu, elu, leakyrelu, softsign, erf, lambda z: gelu(z, "tanh")):
        y32 = f(dl.dlarray(x.astype(np.float32)))
        assert y32.dtype == np.float32
    with np.errstate(over="raise", invalid="raise"):
        e = dl.extractdata(elu(dl.dlarray(np.array([-1000.0, 1000.0]))))
    np.testing.assert_array_equal(e, [-1.0, 1000.0])


def test_softmax_over_channels_only():
    x = R(2, 3, 4, 5, seed=4)                          # S x C x B x T
    X = dl.dlarray(x, "SCBT")
    Y = softmax(X)
    assert Y.dims == "SCBT"
    np.testing.assert_allclose(dl.extractdata(Y), np_softmax(x, 1), rtol=1e-14)
    check_grad(softmax, X)
    # no overflow with large scores
    big = dl.dlarray(np.array([[1000.0, -1000.0], [1001.0, 0.0]]), "CB")
    np.testing.assert_allclose(dl.extractdata(softmax(big)),
                               [[1 / (1 + math.e), 0.0], [math.e / (1 + math.e), 1.0]])
    assert softmax(dl.dlarray(np.ones((3, 2), np.float32), "CB")).dtype == np.float32


def test_softmax_with_DataFormat_keeps_the_input_order():
    x = R(4, 3, seed=5)                                # 4 observations x 3 classes
    Y = softmax(x, DataFormat="BC")
    assert Y.dims == "" and Y.shape == (4, 3)
    np.testing.assert_allclose(dl.extractdata(Y), np_softmax(x, 1), rtol=1e-14)
    Y = softmax(dl.dlarray(R(5, 4, 3, seed=6)), DataFormat="TBC")
    assert Y.shape == (5, 4, 3)
    np.testing.assert_allclose(dl.extractdata(Y).sum(2), 1)
    check_grad(lambda z: softmax(z, DataFormat="BC"), dl.dlarray(x))


def test_softmax_errors():
    with pytest.raises(ValueError, match="no 'C'"):
        softmax(dl.dlarray(np.ones((2, 3)), "BT"))
    with pytest.raises(ValueError, match="unformatted; give its format with DataFormat"):
        softmax(dl.dlarray(np.ones((2, 3))))
    with pytest.raises(ValueError, match="DataFormat is only for unformatted"):
        softmax(dl.dlarray(np.ones((2, 3)), "CB"), DataFormat="CB")
    with pytest.raises(ValueError, match="unknown label"):
        softmax(np.ones((2, 3)), DataFormat="CX")


def test_option_errors():
    X = dl.dlarray(np.ones(3))
    assert np.allclose(dl.extractdata(gelu(X, "TANH")), dl.extractdata(gelu(X, "tanh")))
    with pytest.raises(ValueError, match=r"Approximation 'erf' is not valid; valid values are "
                                         r"'none', 'tanh'"):
        gelu(X, "erf")
    with pytest.raises(TypeError, match="Approximation must be a string"):
        gelu(X, 1)
    with pytest.raises(ValueError, match="alpha must be a finite positive scalar"):
        elu(X, 0)
    with pytest.raises(ValueError, match="scaleFactor must be a scalar"):
        leakyrelu(X, np.array([0.1, 0.2]))
    with pytest.raises(TypeError, match="scaleFactor must be a real numeric scalar"):
        leakyrelu(X, "0.1")
