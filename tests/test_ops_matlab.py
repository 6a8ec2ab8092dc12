"""MATLAB's dlarray functions added in issue 10: sign/floor/ceil/round/mod, var/std,
cumsum, pagemtimes, transpose, max/min with indices, formatting a scalar, and the
boundary's value semantics.  Values against NumPy or MATLAB's documented results,
gradients against central differences (conftest.check_grad; the registry walk in
test_primitives checks each new primitive's vjp too)."""
import numpy as np
import pytest

import dlarr as dl
from conftest import check_grad


def R(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def grad_of(f, x):
    return dl.extractdata(dl.dlfeval(lambda a: dl.dlgradient(dl.sum(f(a), "all"), a),
                                     dl.dlarray(x)))


# --------------------------------------------------------------------------
# sign, floor, ceil, round: MATLAB's values, zero gradient
# --------------------------------------------------------------------------
@pytest.mark.parametrize("f, ref", [(dl.sign, np.sign), (dl.floor, np.floor),
                                    (dl.ceil, np.ceil)])
def test_piecewise_constant_values_formats_and_zero_gradient(f, ref):
    x = R(3, 4, 2) * 3
    x[0, 0, 0] = 0.0
    Y = f(dl.dlarray(x, "CBT"))
    assert Y.dims == "CBT" and Y.dtype == np.float64
    np.testing.assert_array_equal(dl.extractdata(Y), ref(x))
    np.testing.assert_array_equal(grad_of(f, x), np.zeros_like(x))
    assert f(dl.dlarray(np.float32(-1.5))).dtype == np.float32
    np.testing.assert_array_equal(dl.extractdata(f(np.array([True, False]))), ref([1.0, 0.0]))


def test_round_halves_away_from_zero_as_matlab():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994, -3.7, 3.2])
    np.testing.assert_array_equal(dl.extractdata(dl.round(dl.dlarray(x))),
                                  [-3, -2, -1, 1, 2, 3, 0, -4, 3])
    # MATLAB's round(X, N): N digits; negative N rounds to tens
    np.testing.assert_allclose(dl.extractdata(dl.round(dl.dlarray([3.14159, -0.125]), 2)),
                               [3.14, -0.13])
    np.testing.assert_array_equal(dl.extractdata(dl.round(dl.dlarray([1234.0, 1250.0]), -2)),
                                  [1200.0, 1300.0])
    np.testing.assert_array_equal(grad_of(dl.round, np.array([0.3, 1.7])), [0.0, 0.0])
    with pytest.raises(TypeError, match=r"round: N \(the number of digits\) must be an integer, "
                                        "not 1.5"):
        dl.round(dl.dlarray([1.0]), 1.5)


# --------------------------------------------------------------------------
# mod: the sign of the divisor
# --------------------------------------------------------------------------
def test_mod_follows_matlab():
    # MATLAB's page: mod(10,3) = 1; mod(-4,3) = 2; mod(5,0) = 5; mod(5,-3) = -1
    a = dl.dlarray(np.array([10.0, -4.0, 5.0, 5.0, -7.5]))
    m = np.array([3.0, 3.0, 0.0, -3.0, 2.0])
    np.testing.assert_array_equal(dl.extractdata(dl.mod(a, m)), [1.0, 2.0, 5.0, -1.0, 0.5])
    x, y = R(3, 4, seed=1) * 5, np.abs(R(3, 1, seed=2)) + 0.5
    np.testing.assert_allclose(dl.extractdata(dl.mod(dl.dlarray(x), y)), np.mod(x, y))
    # implicit expansion by label: a "CU" divisor (dlarray(v, "C")) over "CB" data
    Z = dl.mod(dl.dlarray(x, "CB"), dl.dlarray(y[:, 0], "C"))
    assert Z.dims == "CB" and Z.shape == (3, 4)
    np.testing.assert_allclose(dl.extractdata(Z), np.mod(x, y))
    check_grad(dl.mod, dl.dlarray(x + 0.01), dl.dlarray(y))
    g = dl.dlfeval(lambda p, q: dl.dlgradient(dl.sum(dl.mod(p, q), "all"), p, q),
                   dl.dlarray([7.0, 5.0]), dl.dlarray([2.0, 0.0]))
    np.testing.assert_array_equal(dl.extractdata(g[0]), [1.0, 1.0])
    np.testing.assert_array_equal(dl.extractdata(g[1]), [-3.0, 0.0])   # -floor(a/m); 0 at m=0
    with pytest.raises(ValueError, match="mod: arrays have incompatible sizes"):
        dl.mod(dl.dlarray(np.ones((2, 3))), np.ones(4))


# --------------------------------------------------------------------------
# var, std
# --------------------------------------------------------------------------
@pytest.mark.parametrize("w", [0, 1, None, []])
@pytest.mark.parametrize("dim, axes", [(None, (0,)), (1, (1,)), ([0, 2], (0, 2)),
                                       ("all", (0, 1, 2)), ("T", (2,))])
def test_var_std_against_numpy(w, dim, axes):
    x = R(3, 4, 5, seed=3)
    X = dl.dlarray(x, "CBT")
    ddof = 1 if w in (0, None, []) else 0
    V, S = dl.var(X, w, dim), dl.std(X, w, dim)
    assert V.dims == S.dims == "CBT"
    np.testing.assert_allclose(dl.extractdata(V), x.var(axes, ddof=ddof, keepdims=True),
                               rtol=1e-13)
    np.testing.assert_allclose(dl.extractdata(S), x.std(axes, ddof=ddof, keepdims=True),
                               rtol=1e-13)


def test_var_std_matlab_forms_and_gradients():
    x = R(4, 3, seed=4)
    X = dl.dlarray(x)
    np.testing.assert_allclose(dl.extractdata(dl.var(X)), x.var(0, ddof=1, keepdims=True))
    V, M = dl.var(X, 0, 1, nargout=2)
    np.testing.assert_allclose(dl.extractdata(M), x.mean(1, keepdims=True))
    S, M = dl.std(X, 1, "all", nargout=2)
    assert float(S) == pytest.approx(x.std()) and float(M) == pytest.approx(x.mean())
    # one observation: normalized by N = 1, so the variance is 0
    assert float(dl.var(dl.dlarray(3.0))) == 0.0
    np.testing.assert_array_equal(dl.extractdata(dl.var(dl.dlarray(np.ones((1, 3))), 0, 0)),
                                  np.zeros((1, 3)))
    check_grad(lambda a: dl.var(a, 0, 0), dl.dlarray(x, "CB"))
    check_grad(lambda a: dl.std(a, 1, [0, 1]), X)
    # the deviation is zero everywhere: std's gradient is taken as 0 (not NaN)
    np.testing.assert_array_equal(grad_of(lambda a: dl.std(a, 0, 0), np.ones((3, 2))),
                                  np.zeros((3, 2)))
    for f in (dl.var, dl.std):
        name = f.__name__
        with pytest.raises(ValueError, match=rf"{name}: w must be 0 \(normalize by N-1, the "
                                             r"default\), 1 \(by N\) or \[\]; .*got 2"):
            f(X, 2)
        with pytest.raises(ValueError, match=f"{name}: nargout must be one of 1, 2"):
            f(X, nargout=3)
        with pytest.raises(ValueError, match=f"{name}: dim 2 is out of range"):
            f(X, 0, 2)


# --------------------------------------------------------------------------
# cumsum
# --------------------------------------------------------------------------
def test_cumsum_forward_reverse_and_dims():
    x = R(3, 4, 5, seed=5)
    X = dl.dlarray(x, "CBT")
    Y = dl.cumsum(X, "T")
    assert Y.dims == "CBT"
    np.testing.assert_allclose(dl.extractdata(Y), np.cumsum(x, 2))
    np.testing.assert_allclose(dl.extractdata(dl.cumsum(X, 1, "reverse")),
                               np.flip(np.cumsum(np.flip(x, 1), 1), 1))
    np.testing.assert_allclose(dl.extractdata(dl.cumsum(X)), np.cumsum(x, 0))
    np.testing.assert_allclose(dl.extractdata(dl.cumsum(X, "Rev")),       # cumsum(X, direction)
                               np.flip(np.cumsum(np.flip(x, 0), 0), 0))
    # MATLAB's default dim: the first non-singleton dimension
    np.testing.assert_array_equal(dl.extractdata(dl.cumsum(dl.dlarray([[1.0, 2.0, 3.0]]))),
                                  [[1.0, 3.0, 6.0]])
    check_grad(lambda a: dl.cumsum(a, 2), X)
    check_grad(lambda a: dl.cumsum(a, 0, "reverse"), X)
    with pytest.raises(ValueError, match="cumsum: dim must be one dimension"):
        dl.cumsum(X, [0, 1])
    with pytest.raises(ValueError, match="cumsum: dim must be one dimension"):
        dl.cumsum(X, "all")
    with pytest.raises(ValueError, match=r"cumsum: dim 'S' names 2 dimensions"):
        dl.cumsum(dl.dlarray(np.ones((2, 3, 4)), "SSC"), "S")
    with pytest.raises(ValueError, match="cumsum: direction 'sideways' is not valid; valid "
                                         "values are 'forward', 'reverse'"):
        dl.cumsum(X, 0, "sideways")


# --------------------------------------------------------------------------
# pagemtimes, transpose
# --------------------------------------------------------------------------
def test_pagemtimes_values_transposes_and_expansion():
    x, y = R(3, 4, 5, 2, seed=6), R(4, 6, 1, 2, seed=7)
    Z = dl.pagemtimes(dl.dlarray(x), dl.dlarray(y))
    assert Z.dims == "" and Z.shape == (3, 6, 5, 2)
    np.testing.assert_allclose(dl.extractdata(Z),
                               np.einsum("ijpq,jkpq->ikpq", x, np.broadcast_to(y, (4, 6, 5, 2))))
    a, b = R(4, 3, 5, seed=8), R(6, 4, 5, seed=9)
    Z = dl.pagemtimes(dl.dlarray(a), "transpose", b, "ctranspose")
    np.testing.assert_allclose(dl.extractdata(Z), np.einsum("jip,kjp->ikp", a, b))
    # 2-D inputs: one page; a matrix times every page of a stack
    np.testing.assert_allclose(dl.extractdata(dl.pagemtimes(dl.dlarray(a[:, :, 0]), "TRANS",
                                                            b[:, :, 0], "transpose")),
                               a[:, :, 0].T @ b[:, :, 0].T)
    np.testing.assert_allclose(dl.extractdata(dl.pagemtimes(dl.dlarray(b[:, :, 0]), a)),
                               np.einsum("kj,jip->kip", b[:, :, 0], a))
    check_grad(dl.pagemtimes, dl.dlarray(x), dl.dlarray(y))
    check_grad(lambda p, q: dl.pagemtimes(p, "transpose", q, "transpose"),
               dl.dlarray(a), dl.dlarray(b))


def test_pagemtimes_errors():
    A = dl.dlarray(np.ones((3, 4, 2)))
    with pytest.raises(ValueError, match=r"pagemtimes: the pages' inner dimensions must agree: "
                                         r"X's pages are 3 x 4 and Y's 3 x 4"):
        dl.pagemtimes(A, A)
    with pytest.raises(ValueError, match="pagemtimes: page dimension 2 has size 2 in X and 3"):
        dl.pagemtimes(A, np.ones((4, 1, 3)))
    with pytest.raises(ValueError, match=r"pagemtimes: X is formatted \('SSC'\); .*stripdims"):
        dl.pagemtimes(dl.dlarray(np.ones((3, 4, 2)), "SSC"), np.ones((4, 1)))
    with pytest.raises(ValueError, match="pagemtimes: Y must have at least 2 dimensions"):
        dl.pagemtimes(A, np.ones(4))
    with pytest.raises(ValueError, match="pagemtimes: transpX 'flip' is not valid; valid "
                                         "values are 'none', 'transpose', 'ctranspose'"):
        dl.pagemtimes(A, "flip", A, "none")
    with pytest.raises(TypeError, match="pagemtimes: call pagemtimes.X, Y. or pagemtimes.X, "
                                        "transpX, Y, transpY.; got 3 inputs"):
        dl.pagemtimes(A, "none", A)


def test_transpose_and_T():
    x = R(3, 4, seed=10)
    X = dl.dlarray(x)
    for Y in (dl.transpose(X), X.T, dl.transpose(x)):
        assert Y.dims == "" and Y.shape == (4, 3)
        np.testing.assert_array_equal(dl.extractdata(Y), x.T)
    assert dl.dlarray(np.arange(3.0)).T.shape == (1, 3)     # a 1-D vector is a column
    assert dl.dlarray(2.0).T.shape == ()
    check_grad(lambda a: a.T, X)
    with pytest.raises(ValueError, match=r"transpose: X is formatted \('CB'\); .*stripdims"):
        dl.dlarray(x, "CB").T
    with pytest.raises(ValueError, match="transpose: X has 3 dimensions .*permute"):
        dl.transpose(dl.dlarray(np.ones((2, 3, 4))))


# --------------------------------------------------------------------------
# max, min with indices
# --------------------------------------------------------------------------
@pytest.mark.parametrize("fn, npf, argf", [(dl.max, np.max, np.argmax),
                                           (dl.min, np.min, np.argmin)])
def test_extremes_with_indices(fn, npf, argf):
    x = R(3, 4, 5, seed=11)
    X = dl.dlarray(x, "CBT")
    M, I = fn(X, [], 2, nargout=2)             # MATLAB's [M, I] = max(X, [], 3), 0-based
    assert M.dims == "CBT" and M.shape == (3, 4, 1)
    assert isinstance(I, np.ndarray) and I.dtype == np.int64 and I.shape == (3, 4, 1)
    np.testing.assert_array_equal(I[..., 0], argf(x, 2))
    np.testing.assert_array_equal(dl.extractdata(M)[..., 0], npf(x, 2))
    np.testing.assert_array_equal(np.take_along_axis(x, I, 2), dl.extractdata(M))
    np.testing.assert_array_equal(dl.extractdata(fn(X, [], "T")), dl.extractdata(M))
    np.testing.assert_array_equal(dl.extractdata(fn(X, np.array([]), 1)), npf(x, 1, keepdims=True))
    np.testing.assert_array_equal(dl.extractdata(fn(X, dim=1)), npf(x, 1, keepdims=True))
    # several dims / "all": the row-major linear index into them
    M, I = fn(X, [], "all", nargout=2)
    assert I.shape == (1, 1, 1) and I.item() == argf(x)
    M, I = fn(X, [], [0, 2], nargout=2)
    sub = np.transpose(x, (1, 0, 2)).reshape(4, -1)
    np.testing.assert_array_equal(I.ravel(), argf(sub, 1))
    # the default dim, the first non-singleton one
    M, I = fn(dl.dlarray(x[:1]), nargout=2)
    np.testing.assert_array_equal(I[0], argf(x[0], 0)[None])


def test_extreme_index_ties_and_errors():
    M, I = dl.max(dl.dlarray([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]), [], 1, nargout=2)
    np.testing.assert_array_equal(I, [[1], [0]])             # the first one, as in MATLAB
    A = dl.dlarray(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"max: nargout=2 \(the indices\) needs max\(X, \[\], "
                                         r"dim\); max\(A, B\) compares two arrays"):
        dl.max(A, A, nargout=2)
    with pytest.raises(ValueError, match="min: nargout must be one of 1, 2"):
        dl.min(A, [], 0, nargout=3)
    with pytest.raises(ValueError, match=r"max: give either a second array .* or dim, not both;"
                                         r" .*max\(X, \[\], dim\)"):
        dl.max(A, A, 0)
    with pytest.raises(ValueError, match="max: dim 5 is out of range"):
        dl.max(A, [], 5, nargout=2)


# --------------------------------------------------------------------------
# Scalars: f"{loss:.4f}", item()
# --------------------------------------------------------------------------
def test_format_and_item():
    loss = dl.sum(dl.dlarray(np.array([0.125, 0.25], np.float32)), "all")
    assert f"{loss:.4f}" == "0.3750" and f"{loss:8.2e}" == "3.75e-01"
    assert f"{loss}" == str(loss)
    assert loss.item() == 0.375 and isinstance(loss.item(), float)
    assert dl.dlarray(np.ones((1, 1, 1)), "CBT").item() == 1.0
    assert dl.dlarray([True]).item() is True
    with pytest.raises(TypeError, match=r"format spec '.4f': only a DLArray with one element "
                                        r"formats as a number; this one has size 2\(C\) x 1\(U\)"):
        f"{dl.dlarray([1.0, 2.0], 'C'):.4f}"
    with pytest.raises(TypeError, match="only a DLArray with one element converts to a Python "
                                        "scalar"):
        dl.dlarray(np.ones(3)).item()


# --------------------------------------------------------------------------
# The boundary: dlarray copies, extractdata shares
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype, fmt", [(np.float64, None), (np.float32, None), (np.bool_, None),
                                        (np.float64, "CB"), (np.float32, "BC"),
                                        (np.float64, "C")])
def test_dlarray_does_not_alias_its_input(dtype, fmt):
    A = np.zeros((3, 1) if fmt == "C" else (3, 4), dtype)
    X = dl.dlarray(A, fmt)
    before = dl.extractdata(X).copy()
    A[0, 0] = 1
    np.testing.assert_array_equal(dl.extractdata(X), before)     # MATLAB's value semantics
    assert dl.extractdata(X).flags.c_contiguous


def test_extractdata_shares_and_dlarray_of_dlarray():
    X = dl.dlarray(np.zeros((2, 2)))
    d = dl.extractdata(X)
    d[0, 0] = 5.0                                              # documented: shared
    assert dl.extractdata(X)[0, 0] == 5.0
    Y = dl.dlarray(X, "CB")
    assert Y.dims == "CB" and dl.extractdata(Y)[0, 0] == 5.0


def test_reductions_drop_a_trailing_singleton_u():
    X = dl.dlarray(np.ones((3, 4, 5)), "SSU")
    for Y in (dl.sum(X, 2), dl.mean(X, "U"), dl.max(X, [], 2), dl.norm(X, 2, 2),
              dl.var(X, 0, 2)):
        assert Y.dims == "SS" and Y.shape == (3, 4)
    M, I = dl.min(X, [], 2, nargout=2)
    assert M.dims == "SS" and I.shape == (3, 4)
    assert dl.sum(X, 0).dims == "SSU"                         # other reductions keep the dims


def test_u_vector_expands_and_strips():
    b = dl.dlarray(np.arange(3.0), "C")                       # 3(C) x 1(U)
    X = dl.dlarray(np.ones((3, 2, 4)), "CBT")
    Y = X + b
    assert Y.dims == "CBT" and Y.shape == (3, 2, 4)
    np.testing.assert_array_equal(dl.extractdata(Y)[:, 1, 2], np.arange(3.0) + 1)
    assert (b < 1).dims == "CU"
    assert (X > b).dims == "CBT"
    s = dl.stripdims(b, "C")                                  # the singleton "U" is dropped
    assert s.dims == "" and s.shape == (3,)
    assert dl.stripdims(b, "CB").shape == (3, 1)
    g = dl.dlfeval(lambda v: dl.dlgradient(dl.sum(X * v, "all"), v), b)
    assert g.dims == "CU" and g.shape == (3, 1)
    np.testing.assert_array_equal(dl.extractdata(g), np.full((3, 1), 8.0))
