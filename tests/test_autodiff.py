"""dlfeval / dlgradient: MATLAB's examples, semantics, errors, higher derivatives."""
import numpy as np
import pytest

import dlarr as dl
from dlarr.core.registry import bind, primitive
from dlarr.core.dlarray import DLArray


def rosenbrock(x):
    y = 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
    dydx = dl.dlgradient(y, x)
    return y, dydx


def test_matlab_rosenbrock_example():
    # MATLAB's dlgradient page: x0 = dlarray([-1,2]) -> fval 104, gradval [396 200]
    fval, gradval = dl.dlfeval(rosenbrock, dl.dlarray([-1, 2]))
    assert float(fval) == 104.0
    np.testing.assert_array_equal(dl.extractdata(gradval), [396.0, 200.0])
    assert not fval.traced and not gradval.traced


def test_matlab_rosenbrock_two_inputs():
    def rosenbrock2(x1, x2):
        y = 100 * (x2 - x1 ** 2) ** 2 + (1 - x1) ** 2
        return (y,) + dl.dlgradient(y, x1, x2)
    y, d1, d2 = dl.dlfeval(rosenbrock2, dl.dlarray(-1), dl.dlarray(2))
    assert (float(d1), float(d2)) == (396.0, 200.0)


def test_nothing_stays_traced():
    kept = {}

    def f(x):
        y = dl.tanh(x) * 2
        kept["y"] = y
        kept["x"] = x
        assert x.traced and y.traced
        return y
    X = dl.dlarray(np.ones(3))
    out = dl.dlfeval(f, X)
    assert not out.traced and not X.traced
    assert not kept["y"].traced and not kept["x"].traced
    # outside dlfeval no op records anything
    Z = kept["y"] * 3
    assert Z._node is None


def test_dlgradient_outside_dlfeval():
    with pytest.raises(RuntimeError, match="inside a function that you evaluate with dlfeval"):
        dl.dlgradient(dl.dlarray(1.0), dl.dlarray(1.0))


def test_errors_inside_dlfeval():
    X = dl.dlarray(np.ones(3))
    outside = dl.dlarray(np.ones(3))

    def nonscalar(x):
        dl.dlgradient(x * 2, x)

    def not_dlarray(x):
        dl.dlgradient(3.0, x)

    def untraced_x(x):
        dl.dlgradient(dl.sum(x, "all"), outside)

    def untraced_y(x):
        dl.dlgradient(dl.sum(outside, "all"), x)

    def bad_struct(x):
        dl.dlgradient(dl.sum(x, "all"), {"w": x, "n": np.ones(2)})

    def no_x(x):
        dl.dlgradient(dl.sum(x, "all"))

    def logical_y(x):
        dl.dlgradient(dl.sum(x, "all") > 0, x)

    with pytest.raises(ValueError, match="must be a scalar; y has size 3"):
        dl.dlfeval(nonscalar, X)
    with pytest.raises(TypeError, match="traced real dlarray scalar, not float"):
        dl.dlfeval(not_dlarray, X)
    with pytest.raises(ValueError, match=r"x1 is not traced"):
        dl.dlfeval(untraced_x, X)
    with pytest.raises(ValueError, match="value to differentiate is not traced"):
        dl.dlfeval(untraced_y, X)
    with pytest.raises(TypeError, match=r"x1\['n'\] must be a dlarray"):
        dl.dlfeval(bad_struct, X)
    with pytest.raises(TypeError, match="at least one variable"):
        dl.dlfeval(no_x, X)
    with pytest.raises(TypeError, match="real floating point"):
        dl.dlfeval(logical_y, X)
    with pytest.raises(TypeError, match="callable"):
        dl.dlfeval(3, X)


def test_structures_and_zeros_for_unused():
    params = {"fc": {"W": dl.dlarray(np.full((2, 3), 2.0)), "b": dl.dlarray(np.ones(2), "C")},
              "unused": dl.dlarray(np.ones((4, 1)), "CB"),
              "list": [dl.dlarray(3.0)]}
    X = dl.dlarray(np.arange(3.0))

    def model(p, x):
        y = dl.sum(p["fc"]["W"] @ x + p["fc"]["b"], "all") * p["list"][0]
        return dl.dlgradient(y, p, x)
    gp, gx = dl.dlfeval(model, params, X)
    assert set(gp) == {"fc", "unused", "list"}
    np.testing.assert_array_equal(dl.extractdata(gp["fc"]["W"]), 3 * np.tile(np.arange(3.0), (2, 1)))
    assert gp["fc"]["b"].dims == "CU"               # dlarray(v, "C"): a 2(C) x 1(U) column
    np.testing.assert_array_equal(dl.extractdata(gp["fc"]["b"]), [[3.0], [3.0]])
    assert gp["unused"].dims == "CB" and not dl.extractdata(gp["unused"]).any()
    assert isinstance(gp["list"], list)
    np.testing.assert_array_equal(dl.extractdata(gp["list"][0]), 2 * 2 * 3 + 2)
    np.testing.assert_array_equal(dl.extractdata(gx), [12.0, 12.0, 12.0])   # 3 * (W.T @ 1)


def test_gradient_with_respect_to_intermediate():
    def f(x):
        h = x * 3
        y = dl.sum(h * h, "all")
        return dl.dlgradient(y, h, x)
    gh, gx = dl.dlfeval(f, dl.dlarray(np.array([1.0, 2.0])))
    np.testing.assert_array_equal(dl.extractdata(gh), [6.0, 12.0])
    np.testing.assert_array_equal(dl.extractdata(gx), [18.0, 36.0])


def test_dlarray_created_inside_dlfeval_is_traced():
    def f(_):
        w = dl.dlarray(np.array([1.0, 2.0]))
        return dl.dlgradient(dl.sum(w * w, "all"), w)
    g = dl.dlfeval(f, None)
    np.testing.assert_array_equal(dl.extractdata(g), [2.0, 4.0])


def test_retain_data():
    def once(x):
        y = dl.sum(dl.exp(x), "all")
        dl.dlgradient(y, x)
        return dl.dlgradient(y, x)

    def retained(x):
        y = dl.sum(dl.exp(x), "all")
        g1 = dl.dlgradient(y, x, RetainData=True)
        return g1, dl.dlgradient(y, x)
    X = dl.dlarray(np.array([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="RetainData=True"):
        dl.dlfeval(once, X)
    g1, g2 = dl.dlfeval(retained, X)
    np.testing.assert_array_equal(dl.extractdata(g1), dl.extractdata(g2))
    np.testing.assert_allclose(dl.extractdata(g1), np.exp([0.0, 1.0]))


def test_second_derivative_elementwise():
    def f(x):
        y = dl.sum(x ** 3 + dl.sin(x), "all")
        g = dl.dlgradient(y, x, EnableHigherDerivatives=True)
        assert g.traced
        return g, dl.dlgradient(dl.sum(g, "all"), x)
    x = np.array([0.5, -1.0, 2.0])
    g, h = dl.dlfeval(f, dl.dlarray(x))
    np.testing.assert_allclose(dl.extractdata(g), 3 * x ** 2 + np.cos(x))
    np.testing.assert_allclose(dl.extractdata(h), 6 * x - np.sin(x))


def test_hessian_vector_product_matches_finite_differences():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((4, 3))
    v = rng.standard_normal(3)

    def loss(x):
        return dl.sum(dl.tanh(dl.dlarray(A) @ x) ** 2, "all") + dl.norm(x) + dl.max(x, dim=0) \
            + dl.mean(dl.sigmoid(x) * dl.exp(x / 4), "all")

    def hvp(x):
        g = dl.dlgradient(loss(x), x, EnableHigherDerivatives=True)
        return dl.dlgradient(dl.sum(g * v, "all"), x)

    def grad(x):
        return dl.dlgradient(loss(x), x)
    x0 = rng.standard_normal(3)
    H_v = dl.extractdata(dl.dlfeval(hvp, dl.dlarray(x0)))
    eps = 1e-5
    fd = (dl.extractdata(dl.dlfeval(grad, dl.dlarray(x0 + eps * v)))
          - dl.extractdata(dl.dlfeval(grad, dl.dlarray(x0 - eps * v)))) / (2 * eps)
    np.testing.assert_allclose(H_v, fd, rtol=1e-6, atol=1e-8)


def test_second_derivative_of_structural_ops():
    # reshape, indexing, cat, broadcasting, prod: f = sum(prod(cat(x, x^2)))
    def f(x):
        y = dl.prod(dl.cat(0, x, x * x)[[0, 1, 3]], "all") + dl.sum(dl.reshape(x, 1, 2) * x, "all")
        g = dl.dlgradient(y, x, EnableHigherDerivatives=True)
        return dl.dlgradient(g[0], x)
    x = np.array([1.5, -2.0])
    h = dl.extractdata(dl.dlfeval(f, dl.dlarray(x)))
    # y = x0 * x1 * x1^2 + x0^2 + x1^2  -> dy/dx0 = x1^3 + 2 x0 -> d/dx = [2, 3 x1^2]
    np.testing.assert_allclose(h, [2.0, 3 * x[1] ** 2])


def _split2_vjp(needs, g, ans, a, residual):
    total = np.zeros_like(a._data)
    if g[0] is not None:
        total += 2 * g[0]._data
    if g[1] is not None:
        total += 2 * residual * g[1]._data
    return (DLArray._new(total, ""),)


@primitive("test_only_split2", _split2_vjp, nout=2, higher=False, residual=True)
def _split2(a):
    return (a * 2, a * a), a.copy()


def test_multi_output_primitive_and_no_second_derivative():
    def f(x):
        p, q = bind(_split2, [x], ("", ""))
        return dl.dlgradient(dl.sum(q, "all"), x, RetainData=True), \
            dl.dlgradient(dl.sum(p + q, "all"), x)
    g1, g2 = dl.dlfeval(f, dl.dlarray(np.array([1.0, 3.0])))
    np.testing.assert_array_equal(dl.extractdata(g1), [2.0, 6.0])
    np.testing.assert_array_equal(dl.extractdata(g2), [4.0, 8.0])

    def second(x):
        p, q = bind(_split2, [x], ("", ""))
        g = dl.dlgradient(dl.sum(q, "all"), x, EnableHigherDerivatives=True)
        return dl.dlgradient(dl.sum(g, "all"), x)
    with pytest.raises(ValueError, match="test_only_split2 has no second derivative"):
        dl.dlfeval(second, dl.dlarray(np.array([1.0, 3.0])))


def test_no_second_derivative_marker_is_one_shared_primitive():
    from dlarr.core.registry import REGISTRY

    def second(x):
        _, q = bind(_split2, [x], ("", ""))
        g = dl.dlgradient(dl.sum(q, "all"), x, EnableHigherDerivatives=True)
        assert g._node.prim is REGISTRY["no_second_derivative"]
        assert g._node.kwargs == {"op": "test_only_split2"}
        return dl.dlgradient(dl.sum(g, "all"), x)
    before = set(REGISTRY)
    for _ in range(2):
        with pytest.raises(ValueError, match="test_only_split2 has no second derivative"):
            dl.dlfeval(second, dl.dlarray(np.array([1.0, 3.0])))
    assert set(REGISTRY) == before


def test_long_chain_no_recursion_limit():
    def f(x):
        y = x
        for _ in range(10_000):
            y = y * 1.0001
        return dl.dlgradient(dl.sum(y, "all"), x)
    g = dl.dlfeval(f, dl.dlarray(np.ones(2)))
    np.testing.assert_allclose(dl.extractdata(g), 1.0001 ** 10_000)


def test_kwargs_are_traced_and_non_arrays_pass_through():
    def f(x, scale, *, w):
        return dl.dlgradient(dl.sum(x * w * scale, "all"), w)
    g = dl.dlfeval(f, dl.dlarray(np.array([1.0, 2.0])), 3, w=dl.dlarray(np.ones(2)))
    np.testing.assert_array_equal(dl.extractdata(g), [3.0, 6.0])


def test_higher_derivative_of_piecewise_linear_is_zero():
    def f(x):
        g = dl.dlgradient(dl.sum(dl.relu(x) * 3, "all"), x, EnableHigherDerivatives=True)
        assert g.traced
        return g, dl.dlgradient(dl.sum(g, "all"), x)
    g, h = dl.dlfeval(f, dl.dlarray(np.array([-1.0, 2.0])))
    np.testing.assert_array_equal(dl.extractdata(g), [0.0, 3.0])
    np.testing.assert_array_equal(dl.extractdata(h), [0.0, 0.0])
