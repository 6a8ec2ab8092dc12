"""Initializers: MATLAB's helper definitions, distributions, types, reproducibility."""
import math

import numpy as np
import pytest

import dlarr as dl
from dlarr.core.backend import generator
from dlarr.core.dlarray import DLArray
from dlarr.functions.initializers import (initializeGaussian, initializeGlorot, initializeHe, initializeNarrowNormal,
                         initializeOnes, initializeOrthogonal, initializeUnitForgetGate,
                         initializeZeros)


@pytest.fixture(autouse=True)
def _restore_rng():
    saved = dl.rng()
    dl.rng(0)
    yield
    dl.rng(saved)


def _data(W):
    assert isinstance(W, DLArray) and W.dims == ""
    return dl.extractdata(W)


def test_glorot_bounds_variance_dtype():
    numIn, numOut = 300, 100
    W = _data(initializeGlorot((400, 500), numOut, numIn))
    assert W.shape == (400, 500) and W.dtype == np.float32
    bound = math.sqrt(6 / (numIn + numOut))
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.99 * bound                    # fills the interval
    assert abs(W.mean()) < 0.01 * bound
    assert W.var() == pytest.approx(2 / (numIn + numOut), rel=0.02)
    # uniform: a quarter of the values in each quarter of [-b, b]
    hist, _ = np.histogram(W, bins=4, range=(-bound, bound))
    np.testing.assert_allclose(hist / W.size, 0.25, atol=0.005)
    W64 = _data(initializeGlorot([3, 4], 4, 3, "double"))
    assert W64.dtype == np.float64 and W64.shape == (3, 4)


def test_he_variance():
    numIn = 50
    W = _data(initializeHe((400, 500), numIn))
    assert W.dtype == np.float32
    assert abs(W.mean()) < 0.01 * math.sqrt(2 / numIn)
    assert W.var() == pytest.approx(2 / numIn, rel=0.02)
    # normal: about 68.27% within one standard deviation
    assert np.mean(np.abs(W) < math.sqrt(2 / numIn)) == pytest.approx(0.6827, abs=0.005)
    assert _data(initializeHe((2, 3), 5, "double")).dtype == np.float64


@pytest.mark.parametrize("className,tol", [("single", 1e-5), ("double", 1e-12)])
def test_orthogonal_tall_square(className, tol):
    for shape in [(40, 10), (16, 16)]:
        s = dl.rng()
        Q = _data(initializeOrthogonal(shape, className))
        assert Q.shape == shape
        assert Q.dtype == (np.float32 if className == "single" else np.float64)
        np.testing.assert_allclose(Q.T.astype(float) @ Q, np.eye(shape[1]), atol=tol)
        # MATLAB's sign correction: Q = Q*diag(D./abs(D)), so R = Q'*Z has a positive diagonal
        dl.rng(s)
        Z = generator().standard_normal(shape, dtype=Q.dtype).astype(float)
        R = Q.T.astype(float) @ Z
        np.testing.assert_allclose(np.tril(R, -1), 0, atol=100 * tol)
        assert np.all(np.diag(R) > 0)
        np.testing.assert_allclose(Q.astype(float) @ R, Z, atol=100 * tol)


def test_orthogonal_wide_has_orthonormal_rows():
    Q = _data(initializeOrthogonal((3, 8), "double"))
    assert Q.shape == (3, 8)
    np.testing.assert_allclose(Q @ Q.T, np.eye(3), atol=1e-12)


def test_orthogonal_needs_2d():
    with pytest.raises(ValueError, match="two-dimensional"):
        initializeOrthogonal((2, 3, 4))


def test_narrow_normal_and_gaussian():
    W = _data(initializeNarrowNormal((300, 300)))
    assert W.dtype == np.float32
    assert abs(W.mean()) < 3e-4
    assert W.std() == pytest.approx(0.01, rel=0.02)
    W = _data(initializeNarrowNormal((300, 300), mean=2.0, std=0.5, className="double"))
    assert W.dtype == np.float64
    assert W.mean() == pytest.approx(2.0, abs=0.01) and W.std() == pytest.approx(0.5, rel=0.02)
    s = dl.rng()
    a = _data(initializeGaussian((4, 5), 1.0, 0.1))
    dl.rng(s)
    b = _data(initializeNarrowNormal((4, 5), 1.0, 0.1))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="std must be non-negative"):
        initializeNarrowNormal((2, 2), std=-1)


def test_zeros_ones_and_matlab_sizes():
    Z = _data(initializeZeros((3, 2)))
    assert Z.dtype == np.float32 and Z.shape == (3, 2) and not Z.any()
    O = _data(initializeOnes([2, 3, 4], "double"))
    assert O.dtype == np.float64 and O.shape == (2, 3, 4) and (O == 1).all()
    assert _data(initializeZeros(3)).shape == (3, 3)              # MATLAB: zeros(3) is 3x3
    assert _data(initializeOnes([4])).shape == (4, 4)
    assert _data(initializeZeros((0, 5))).shape == (0, 5)


def test_unit_forget_gate_exact():
    b = _data(initializeUnitForgetGate(3))
    assert b.dtype == np.float32 and b.shape == (12, 1)
    # gate order input, forget, cell candidate, output: the forget block is rows 3..5
    np.testing.assert_array_equal(b[:, 0], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    b = _data(initializeUnitForgetGate(1, "double"))
    assert b.dtype == np.float64
    np.testing.assert_array_equal(b[:, 0], [0, 1, 0, 0])
    with pytest.raises(ValueError, match="numHiddenUnits must be a positive integer"):
        initializeUnitForgetGate(0)
    with pytest.raises(TypeError, match="numHiddenUnits must be an integer"):
        initializeUnitForgetGate(2.5)


@pytest.mark.parametrize("make", [
    lambda: initializeGlorot((5, 4), 5, 4),
    lambda: initializeHe((5, 4), 4),
    lambda: initializeOrthogonal((5, 4)),
    lambda: initializeNarrowNormal((5, 4)),
])
def test_reproducible_with_rng(make):
    dl.rng(7)
    a = _data(make())
    b = _data(make())
    dl.rng(7)
    c = _data(make())
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)
    dl.rng(8)
    assert not np.array_equal(a, _data(make()))


def test_traced_inside_dlfeval():
    def f():
        W = initializeGlorot((2, 3), 2, 3, "double")
        L = dl.sum(W * W, "all")
        return dl.dlgradient(L, W), W
    g, W = dl.dlfeval(f)
    np.testing.assert_allclose(dl.extractdata(g), 2 * dl.extractdata(W))


def test_errors():
    with pytest.raises(ValueError, match="className must be 'single' or 'double'"):
        initializeZeros((2, 2), "int32")
    with pytest.raises(ValueError, match="sz must be a non-negative integer"):
        initializeOnes((2, -1))
    with pytest.raises(TypeError, match="sz must be an integer"):
        initializeOnes((2, 1.5))
    with pytest.raises(ValueError, match="numIn must be a positive number"):
        initializeGlorot((2, 2), 2, 0)
    with pytest.raises(ValueError, match="numIn must be a positive number"):
        initializeHe((2, 2), -3)
    with pytest.raises(ValueError, match="sz must have at least one element"):
        initializeZeros(())


# --------------------------------------------------------------------------
# The table the layers' initializer properties are looked up in
# --------------------------------------------------------------------------
def test_initializer_table_covers_the_vocabulary():
    from dlarr.core import options as V
    from dlarr.functions.initializers import INITIALIZERS
    for names in (V.WEIGHT_INITIALIZERS, V.RECURRENT_WEIGHT_INITIALIZERS,
                  V.LSTM_BIAS_INITIALIZERS, V.BIAS_INITIALIZERS):
        assert set(names) <= set(INITIALIZERS), set(names) - set(INITIALIZERS)
    assert set(INITIALIZERS) == (set(V.WEIGHT_INITIALIZERS) | set(V.RECURRENT_WEIGHT_INITIALIZERS)
                                 | set(V.LSTM_BIAS_INITIALIZERS) | set(V.BIAS_INITIALIZERS))


@pytest.mark.parametrize("name, direct", [
    ("glorot", lambda: initializeGlorot((8, 3), 8, 3)),
    ("he", lambda: initializeHe((8, 3), 3)),
    ("orthogonal", lambda: initializeOrthogonal((8, 3))),
    ("narrow-normal", lambda: initializeNarrowNormal((8, 3))),
    ("zeros", lambda: initializeZeros((8, 3))),
    ("ones", lambda: initializeOnes((8, 3))),
])
def test_initializer_table_entries_are_the_helpers(name, direct):
    """Each entry takes (sz, numIn, numOut, className, numHiddenUnits) and draws what
    the helper of that name draws."""
    from dlarr.functions.initializers import INITIALIZERS
    dl.rng(5)
    a = INITIALIZERS[name]((8, 3), 3, 8, "single", None)
    dl.rng(5)
    np.testing.assert_array_equal(_data(a), _data(direct()))
    assert _data(INITIALIZERS[name]((8, 3), 3, 8, "double", 2)).dtype == np.float64


def test_initializer_table_unit_forget_gate_per_direction():
    from dlarr.functions.initializers import INITIALIZERS
    one = _data(initializeUnitForgetGate(2))
    np.testing.assert_array_equal(_data(INITIALIZERS["unit-forget-gate"]((8, 1), 3, 8, "single", 2)),
                                  one)
    two = _data(INITIALIZERS["unit-forget-gate"]((16, 1), 3, 16, "double", 2))
    np.testing.assert_array_equal(two, np.tile(one, (2, 1)))
    assert two.dtype == np.float64
