"""Every op: values against NumPy, gradients against float64 central differences."""
import math

import numpy as np
import pytest

import dlarr as dl
from conftest import check_grad


def R(*shape, seed=0, low=None):
    x = np.random.default_rng(seed).standard_normal(shape)
    if low is not None:
        x = np.abs(x) + low
    return x


UNARY = [
    (dl.exp, np.exp, None), (dl.log, np.log, 0.5), (dl.sqrt, np.sqrt, 0.5),
    (dl.abs, np.abs, None), (dl.tanh, np.tanh, None),
    (dl.sigmoid, lambda x: 1 / (1 + np.exp(-x)), None),
    (dl.relu, lambda x: np.maximum(x, 0), None), (dl.sin, np.sin, None), (dl.cos, np.cos, None),
    (lambda x: -x, lambda x: -x, None),
]


@pytest.mark.parametrize("f, ref, low", UNARY)
def test_unary_values_and_grads(f, ref, low):
    x = R(3, 4, 2, low=low)
    X = dl.dlarray(x, "CBT")
    Y = f(X)
    assert Y.dims == "CBT"
    np.testing.assert_allclose(dl.extractdata(Y), ref(x), rtol=1e-14)
    check_grad(f, X)
    check_grad(f, dl.dlarray(x))


def test_sigmoid_does_not_overflow():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = dl.extractdata(dl.sigmoid(dl.dlarray(x)))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [0, 1.9287e-22, 0.5, 1, 1], rtol=1e-4)


BINARY = [
    (lambda a, b: a + b, np.add), (lambda a, b: a - b, np.subtract),
    (lambda a, b: a * b, np.multiply), (lambda a, b: a / b, np.divide),
    (lambda a, b: a ** b, np.power),
    (dl.max, np.maximum), (dl.min, np.minimum),
]


@pytest.mark.parametrize("f, ref", BINARY)
def test_binary_values_and_grads(f, ref):
    a = R(3, 4, low=0.5, seed=1)
    b = R(3, 4, low=0.5, seed=2)
    A, B = dl.dlarray(a, "CB"), dl.dlarray(b, "CB")
    np.testing.assert_allclose(dl.extractdata(f(A, B)), ref(a, b), rtol=1e-14)
    check_grad(f, A, B)
    # with label broadcasting: a "C" vector against "CBT" data
    C = dl.dlarray(R(3, low=0.5, seed=3), "C")
    X = dl.dlarray(R(3, 4, 2, low=0.5, seed=4), "CBT")
    check_grad(f, X, C)
    check_grad(f, C, X)
    # unformatted, NumPy broadcasting
    check_grad(f, dl.dlarray(R(2, 3, low=0.5, seed=5)), dl.dlarray(R(3, low=0.5, seed=6)))


def test_scalar_operands_and_reflected_ops():
    X = dl.dlarray(np.array([1.0, 2.0, 4.0], np.float32))
    for Y, ref in [(2 + X, [3, 4, 6]), (2 - X, [1, 0, -2]), (2 * X, [2, 4, 8]),
                   (4 / X, [4, 2, 1]), (2 ** X, [2, 4, 16]), (X ** 2, [1, 4, 16])]:
        assert Y.dtype == np.float32   # a Python scalar adopts the array's type
        np.testing.assert_allclose(dl.extractdata(Y), ref)
    Y = np.array([1.0, 1.0, 1.0]) + X        # NumPy on the left defers to DLArray
    assert isinstance(Y, dl.DLArray)


def test_matlab_single_wins_over_double():
    S = dl.dlarray(np.ones(3, np.float32))
    D = dl.dlarray(np.ones(3))
    assert (S + D).dtype == np.float32
    assert (D * np.ones(3, np.float32)).dtype == np.float32
    L = dl.dlarray([True, False, True])
    assert (L + L).dtype == np.float64                       # true + true = 2, as MATLAB
    np.testing.assert_array_equal(dl.extractdata(L + L), [2, 0, 2])
    assert (L * S).dtype == np.float32


def test_power_grad_wrt_exponent_with_nonpositive_base():
    def f(a, b):
        return a ** b
    A = dl.dlarray(np.array([0.0, 2.0]))
    B = dl.dlarray(np.array([2.0, 3.0]))

    def g(a, b):
        return dl.dlgradient(dl.sum(a ** b, "all"), a, b)
    ga, gb = dl.dlfeval(g, A, B)
    np.testing.assert_allclose(dl.extractdata(ga), [0.0, 12.0])
    np.testing.assert_allclose(dl.extractdata(gb), [0.0, 8 * np.log(2)])


def test_comparisons_are_logical_and_untraced():
    A = dl.dlarray(np.array([[1.0, 2.0], [3.0, 4.0]]), "CB")
    M = A > 2
    assert M.dtype == np.bool_ and M.dims == "CB"
    np.testing.assert_array_equal(dl.extractdata(M), [[False, False], [True, True]])
    np.testing.assert_array_equal(dl.extractdata((A >= 2) & (A < 4)), [[False, True], [True, False]])
    np.testing.assert_array_equal(dl.extractdata(~(A == 1)), [[False, True], [True, True]])
    np.testing.assert_array_equal(dl.extractdata(A != dl.dlarray(np.array([1.0, 4.0]), "C")),
                                  [[False, True], [True, False]])
    with pytest.raises(TypeError, match="logical"):
        A & A


@pytest.mark.parametrize("dim", [None, 0, 1, [0, 2], "all", "T", -1])
@pytest.mark.parametrize("fn, ref", [(dl.sum, np.sum), (dl.mean, np.mean), (dl.prod, np.prod),
                                     (dl.max, np.max), (dl.min, np.min)])
def test_reductions_values_and_grads(fn, ref, dim):
    x = R(3, 4, 2, seed=7)
    X = dl.dlarray(x, "CBT")
    Y = fn(X, dim=dim) if fn in (dl.max, dl.min) else fn(X, dim)
    axes = tuple(dim) if isinstance(dim, list) else \
        {None: (0,), 0: (0,), 1: (1,), "all": (0, 1, 2), "T": (2,), -1: (2,)}[dim]
    assert Y.dims == "CBT"                      # reduced dims stay with their labels
    np.testing.assert_allclose(dl.extractdata(Y), ref(x, axis=axes, keepdims=True), rtol=1e-13)
    check_grad((lambda a: fn(a, dim=dim)) if fn in (dl.max, dl.min) else (lambda a: fn(a, dim)), X)


def test_default_dim_is_first_nonsingleton():
    X = dl.dlarray(np.ones((1, 4, 2)))
    assert dl.sum(X).shape == (1, 1, 2)


def test_prod_gradient_with_zeros_is_exact():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 5.0]])

    def g(a):
        return dl.dlgradient(dl.sum(dl.prod(a, 1), "all"), a)
    gx = dl.extractdata(dl.dlfeval(g, dl.dlarray(x)))
    np.testing.assert_allclose(gx, [[6.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    x = np.array([[0.0, 2.0, 3.0]])
    gx = dl.extractdata(dl.dlfeval(g, dl.dlarray(x)))
    np.testing.assert_allclose(gx, [[6.0, 0.0, 0.0]])


def test_max_gradient_shares_ties():
    def g(a):
        return dl.dlgradient(dl.sum(dl.max(a, dim=0), "all"), a)
    gx = dl.extractdata(dl.dlfeval(g, dl.dlarray(np.array([[1.0, 2.0], [1.0, 3.0]]))))
    np.testing.assert_allclose(gx, [[0.5, 0.0], [0.5, 1.0]])


@pytest.mark.parametrize("p", [1, 2, 3, math.inf])
def test_norm(p):
    x = R(3, 4, seed=8)
    X = dl.dlarray(x, "CB")
    np.testing.assert_allclose(float(dl.norm(X, p)), np.linalg.norm(x.ravel(), p), rtol=1e-13)
    Y = dl.norm(X, p, dim=0)
    assert Y.shape == (1, 4) and Y.dims == "CB"
    np.testing.assert_allclose(dl.extractdata(Y)[0], np.linalg.norm(x, p, axis=0), rtol=1e-13)
    check_grad(lambda a: dl.norm(a, p, 0), X)
    check_grad(lambda a: dl.norm(a, p), X)


def test_norm_gradient_at_zero_is_zero():
    def g(a):
        return dl.dlgradient(dl.norm(a), a)
    gx = dl.extractdata(dl.dlfeval(g, dl.dlarray(np.zeros(3))))
    np.testing.assert_array_equal(gx, np.zeros(3))
    with pytest.raises(ValueError, match="p must be a positive"):
        dl.norm(dl.dlarray(np.ones(2)), 0)


def test_reduction_dim_errors():
    X = dl.dlarray(np.ones((2, 3)), "CB")
    with pytest.raises(ValueError, match="dim 2 is out of range"):
        dl.sum(X, 2)
    with pytest.raises(ValueError, match="no 'T' dimension"):
        dl.sum(X, "T")
    with pytest.raises(TypeError, match="dim must be an integer"):
        dl.sum(X, 1.5)
    with pytest.raises(ValueError, match="repeats"):
        dl.sum(X, [0, 0])
    with pytest.raises(ValueError, match="unformatted"):
        dl.sum(dl.stripdims(X), "C")
    with pytest.raises(ValueError, match="not both"):
        dl.max(X, X, dim=0)


def test_matmul():
    a, b = R(3, 4, seed=9), R(4, 5, seed=10)
    A, B = dl.dlarray(a), dl.dlarray(b)
    np.testing.assert_allclose(dl.extractdata(A @ B), a @ b, rtol=1e-13)
    assert (A @ B).dims == ""
    check_grad(lambda x, y: x @ y, A, B)
    v = dl.dlarray(R(4, seed=11))
    check_grad(lambda x, y: x @ y, A, v)
    check_grad(lambda x, y: x @ y, v, B)
    check_grad(lambda x, y: x @ y, dl.dlarray(R(2, 3, 4, seed=12)), B)   # stacked, broadcast
    np.testing.assert_allclose(dl.extractdata(a @ B), a @ b, rtol=1e-13)
    W = dl.dlarray(a, "CU")                     # formatted 2-D is allowed, labels dropped
    assert (W @ B).dims == ""
    with pytest.raises(ValueError, match="inner dimensions must agree"):
        A @ A
    with pytest.raises(ValueError, match="stripdims"):
        A @ dl.dlarray(np.ones((4, 2, 2)), "CBT")


def test_indexing_keeps_labels():
    x = R(3, 4, 5, seed=13)
    X = dl.dlarray(x, "CBT")
    assert X[:, :, 0].dims == "CB" and X[:, :, 0].shape == (3, 4)
    assert X[0].dims == "BT"
    assert X[..., 1:3].dims == "CBT"
    assert X[:, [0, 2]].dims == "CBT" and X[:, [0, 2]].shape == (3, 2, 5)
    assert X[None].dims == ""
    assert X[x > 0].dims == "" and X[x > 0].ndim == 1
    assert X[X > 0].shape == (int((x > 0).sum()),)
    np.testing.assert_array_equal(dl.extractdata(X[1, 2:, ::2]), x[1, 2:, ::2])
    assert X[1, 2, 3].dims == "" and X[1, 2, 3].shape == ()
    check_grad(lambda a: a[1, 2:, ::2], X)
    check_grad(lambda a: a[:, [0, 2, 0]], X)          # repeated indices accumulate
    check_grad(lambda a: a[a > 0], X)
    with pytest.raises(IndexError, match="too many indices"):
        X[0, 0, 0, 0]
    with pytest.raises(IndexError, match="floating point"):
        X[dl.dlarray(np.array([0.0]))]


def test_setitem_is_differentiable():
    def f(a, v):
        b = a * 1.0
        b[0, 1:3] = v
        return b * a
    check_grad(f, dl.dlarray(R(3, 4, seed=14)), dl.dlarray(R(2, seed=15)))
    X = dl.dlarray(np.zeros((2, 2), np.float32))
    X[0, 0] = 5.0
    assert X.dtype == np.float32 and float(X[0, 0]) == 5.0


def test_reshape_and_permute():
    x = R(2, 3, 4, seed=16)
    X = dl.dlarray(x, "CBT")
    Y = dl.reshape(X, 6, 4)
    assert Y.dims == "" and Y.shape == (6, 4)
    np.testing.assert_array_equal(dl.extractdata(Y), x.reshape(6, 4))
    F = dl.reshape(X, (6, -1), order="F")            # MATLAB's column-major reshape
    np.testing.assert_array_equal(dl.extractdata(F), x.reshape((6, 4), order="F"))
    assert X.reshape(-1).shape == (24,)
    check_grad(lambda a: dl.reshape(a, 4, None, order="F"), X)
    with pytest.raises(ValueError, match="cannot reshape"):
        dl.reshape(X, 5, 5)
    with pytest.raises(ValueError, match="stripdims"):
        dl.permute(X, [2, 1, 0])
    P = dl.permute(dl.stripdims(X), [2, 0, 1])
    np.testing.assert_array_equal(dl.extractdata(P), x.transpose(2, 0, 1))
    assert dl.permute(dl.dlarray(np.ones((2, 3))), [1, 2, 0]).shape == (3, 1, 2)
    check_grad(lambda a: dl.permute(a, [2, 0, 1]), dl.stripdims(X))
    with pytest.raises(ValueError, match="permutation"):
        dl.permute(dl.stripdims(X), [0, 0, 1])


def test_cat():
    a, b = R(3, 2, 4, seed=17), R(3, 5, 4, seed=18)
    A, B = dl.dlarray(a, "CBT"), dl.dlarray(b, "CBT")
    Y = dl.cat(1, A, B)
    assert Y.dims == "CBT" and Y.shape == (3, 7, 4)
    np.testing.assert_array_equal(dl.extractdata(Y), np.concatenate([a, b], 1))
    check_grad(lambda p, q: dl.cat(1, p, q), A, B)
    M = dl.cat(2, dl.dlarray(np.ones((2, 3))), np.zeros((2, 3)))       # new trailing dim
    assert M.shape == (2, 3, 2)
    assert dl.cat(0, [A, A]).shape == (6, 2, 4)
    with pytest.raises(ValueError, match="same format"):
        dl.cat(0, A, dl.stripdims(A))
    with pytest.raises(ValueError, match=r"dimension 1 \('B'\) has sizes 2, 5"):
        dl.cat(0, A, B)
    with pytest.raises(ValueError, match="out of range"):
        dl.cat(3, A, A)


def test_squeeze():
    X = dl.dlarray(np.ones((3, 1, 5)), "CBT")
    Y = dl.squeeze(X)
    assert Y.dims == "CT" and Y.shape == (3, 5)
    assert dl.squeeze(dl.dlarray(np.ones((1, 1, 3)))).shape == (3, 1)   # MATLAB: 3x1
    assert dl.squeeze(dl.dlarray(np.ones((1, 4)))).shape == (1, 4)      # matrices unchanged
    check_grad(dl.squeeze, X)


def test_cast():
    X = dl.dlarray(np.ones(3))
    assert dl.single(X).dtype == np.float32 and dl.double(dl.single(X)).dtype == np.float64

    def g(a):
        return dl.dlgradient(dl.sum(dl.single(a) * 2, "all"), a)
    gx = dl.dlfeval(g, X)
    assert gx.dtype == np.float64
    np.testing.assert_array_equal(dl.extractdata(gx), [2, 2, 2])
    with pytest.raises(ValueError, match="float32"):
        dl.cast(X, np.int32)


def test_float32_stays_float32_through_grad():
    X = dl.dlarray(np.ones((3, 2), np.float32), "CB")
    b = dl.dlarray(np.ones(3, np.float32), "C")

    def g(x, b):
        return dl.dlgradient(dl.sum(dl.tanh(x * b + 1.0), "all"), x, b)
    gx, gb = dl.dlfeval(g, X, b)
    # dlarray(v, "C") is a 3(C) x 1(U) column, as in MATLAB; its gradient too
    assert gx.dtype == gb.dtype == np.float32 and gb.dims == "CU" and gb.shape == (3, 1)
