"""adamupdate / sgdmupdate / rmspropupdate / dlupdate / clipgradients.

Each optimizer is checked against three steps computed here by hand, in plain
NumPy, from MATLAB's formulas (see dlarr/_optim.py for the pages they come from).
"""
import collections
import math

import numpy as np
import pytest

import dlarr as dl
from dlarr.core.dlarray import DLArray
from dlarr.functions.optimizers import adamupdate, clipgradients, dlupdate, rmspropupdate, sgdmupdate


def _params_and_grads(dtype, seed=0):
    """A dict-of-DLArrays parameter structure (with a nested list and formats)
    and three gradients for it; one gradient entry is tiny, where epsilon matters."""
    r = np.random.default_rng(seed)
    shapes = {"W": ((4, 3), ""), "b": ((4, 1), "CB"), "deep": [((2, 5), "")]}
    def make(scale=1.0):
        out = {}
        for k, v in shapes.items():
            if isinstance(v, list):
                out[k] = [dl.dlarray((scale * r.standard_normal(s)).astype(dtype), f) for s, f in v]
            else:
                s, f = v
                out[k] = dl.dlarray((scale * r.standard_normal(s)).astype(dtype), f)
        return out
    params = make()
    grads = [make() for _ in range(3)]
    grads[0]["W"]._data[0, 0] = dtype(3e-9)     # sqrt(v) ~ epsilon here
    grads[1]["W"]._data[0, 0] = dtype(-2e-9)
    grads[2]["W"]._data[0, 0] = dtype(1e-9)
    return params, grads


def _leaves(tree):
    return [tree["W"], tree["b"], tree["deep"][0]]


def _raw_leaves(tree):
    return [dl.extractdata(x) for x in _leaves(tree)]


def _check_struct(out, params):
    assert set(out) == {"W", "b", "deep"} and isinstance(out["deep"], list)
    for o, p in zip(_leaves(out), _leaves(params)):
        assert isinstance(o, DLArray)
        assert o.dims == p.dims and o.shape == p.shape and o.dtype == p.dtype
        assert not o.traced


def _tol(dtype):
    return dict(rtol=2e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-15)


# --------------------------------------------------------------------------
# adamupdate
# --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("empty", [None, []])
def test_adamupdate_three_steps_by_hand(dtype, empty):
    params, grads = _params_and_grads(dtype)
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-8
    # MATLAB (adamupdate.m): avg_g = b1*avg_g + (1-b1)*g; avg_gsq = b2*avg_gsq + (1-b2)*g.^2;
    # biasCorrection = sqrt(1-b2^t)/(1-b1^t); p = p - lr*biasCorrection*avg_g./(sqrt(avg_gsq)+eps)
    P = [x.astype(np.float64) for x in _raw_leaves(params)]
    M = [np.zeros_like(x) for x in P]
    V = [np.zeros_like(x) for x in P]
    p, m, v = params, empty, empty
    for t in (1, 2, 3):
        G = [x.astype(np.float64) for x in _raw_leaves(grads[t - 1])]
        for i in range(3):
            M[i] = b1 * M[i] + (1 - b1) * G[i]
            V[i] = b2 * V[i] + (1 - b2) * G[i] ** 2
            P[i] = P[i] - lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) * M[i] / (np.sqrt(V[i]) + eps)
        p, m, v = adamupdate(p, grads[t - 1], m, v, t, lr, b1, b2, eps)
        for out in (p, m, v):
            _check_struct(out, params)
        for got, want in zip(_raw_leaves(p), P):
            np.testing.assert_allclose(got, want, **_tol(dtype))
        for got, want in zip(_raw_leaves(m), M):
            np.testing.assert_allclose(got, want, **_tol(dtype))
        for got, want in zip(_raw_leaves(v), V):
            np.testing.assert_allclose(got, want, rtol=_tol(dtype)["rtol"], atol=1e-20)
    # MATLAB's epsilon sits on sqrt of the *uncorrected* average; the textbook
    # mhat/(sqrt(vhat)+eps) gives a visibly different step at the tiny entry.
    if dtype == np.float64:
        t = 3
        mhat, vhat = M[0][0, 0] / (1 - b1 ** t), V[0][0, 0] / (1 - b2 ** t)
        textbook = lr * mhat / (math.sqrt(vhat) + eps)
        corr = math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        matlab = lr * corr * M[0][0, 0] / (math.sqrt(V[0][0, 0]) + eps)
        assert abs(textbook - matlab) > 1e-4 * abs(matlab)


def test_adamupdate_defaults_and_plain_arrays():
    p = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = np.array([[0.1, -0.3], [2.0, 0.0]])
    p1, m1, v1 = adamupdate(p, g, None, None, 1)
    assert type(p1) is np.ndarray and type(m1) is np.ndarray and type(v1) is np.ndarray
    m = 0.1 * g
    v = 0.001 * g ** 2
    want = p - 0.001 * math.sqrt(1 - 0.999) / (1 - 0.9) * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(p1, want, rtol=1e-14)
    np.testing.assert_array_equal(p, [[1.0, -2.0], [0.5, 3.0]])     # inputs untouched


@pytest.mark.parametrize("which", ["adam", "sgdm", "rmsprop"])
def test_updates_leave_every_input_as_it_was(which):
    """The updates work in place on their own copies: the parameters, gradients and the
    state passed in (a NumPy array, a dlarray, a 0-d array) are unchanged, and a second
    call from the same state gives the same result."""
    rng = np.random.default_rng(3)
    p = {"W": rng.standard_normal((3, 2)), "s": np.array(0.5),
         "d": dl.dlarray(rng.standard_normal((4, 1)).astype(np.float32))}
    g = {"W": rng.standard_normal((3, 2)), "s": np.array(-0.2),
         "d": dl.dlarray(rng.standard_normal((4, 1)).astype(np.float32))}

    def call(state):
        if which == "adam":
            return adamupdate(p, g, *(state or (None, None)), 2)
        if which == "sgdm":
            return sgdmupdate(p, g, *(state or (None,)))
        return rmspropupdate(p, g, *(state or (None,)))

    first = call(None)
    state = first[1:]
    keep = [np.array(dl.extractdata(x) if isinstance(x, dl.DLArray) else x)
            for tree in (p, g, *state) for x in tree.values()]
    a, b = call(state), call(state)
    after = [np.array(dl.extractdata(x) if isinstance(x, dl.DLArray) else x)
             for tree in (p, g, *state) for x in tree.values()]
    for k, v in zip(keep, after):
        np.testing.assert_array_equal(k, v)
    for ta, tb in zip(a, b):
        for k in ta:
            np.testing.assert_array_equal(dl.extractdata(ta[k]) if isinstance(ta[k], dl.DLArray)
                                          else ta[k], dl.extractdata(tb[k]) if
                                          isinstance(tb[k], dl.DLArray) else tb[k])


def test_adamupdate_keeps_float32_and_matlab_type_rule():
    p32 = dl.dlarray(np.ones((2, 2), np.float32))
    g32 = dl.dlarray(np.ones((2, 2), np.float32))
    g64 = dl.dlarray(np.ones((2, 2)))
    p, m, v = adamupdate(p32, g32, None, None, 1)
    assert p.dtype == m.dtype == v.dtype == np.float32
    p, m, v = adamupdate(p32, g64, None, None, 1)      # single wins, as in MATLAB
    assert p.dtype == np.float32
    p, m, v = adamupdate(dl.dlarray(np.ones((2, 2))), g32, None, None, 1)
    assert p.dtype == np.float32


def test_zero_learn_rate_short_circuits_like_matlab():
    params, grads = _params_and_grads(np.float64)
    p, m, v = adamupdate(params, grads[0], None, None, 1, 0.0)
    for a, b in zip(_raw_leaves(p), _raw_leaves(params)):
        np.testing.assert_array_equal(a, b)
    assert all(not np.any(x) for x in _raw_leaves(m) + _raw_leaves(v))
    p2, u = sgdmupdate(params, grads[0], None, 0)
    for a, b in zip(_raw_leaves(p2), _raw_leaves(params)):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------
# sgdmupdate, rmspropupdate
# --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgdmupdate_three_steps_by_hand(dtype):
    params, grads = _params_and_grads(dtype, seed=1)
    lr, mu = 0.05, 0.95
    # MATLAB: vel = momentum*vel - learnRate*grad; params = params + vel
    P = [x.astype(np.float64) for x in _raw_leaves(params)]
    U = [np.zeros_like(x) for x in P]
    p, vel = params, []
    for t in range(3):
        G = [x.astype(np.float64) for x in _raw_leaves(grads[t])]
        for i in range(3):
            U[i] = mu * U[i] - lr * G[i]
            P[i] = P[i] + U[i]
        p, vel = sgdmupdate(p, grads[t], vel, lr, mu)
        _check_struct(p, params)
        _check_struct(vel, params)
        for got, want in zip(_raw_leaves(p) + _raw_leaves(vel), P + U):
            np.testing.assert_allclose(got, want, **_tol(dtype))


def test_sgdmupdate_defaults():
    p, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    p1, u1 = sgdmupdate(p, g, None)
    np.testing.assert_allclose(u1, -0.01 * g)
    p2, u2 = sgdmupdate(p1, g, u1)
    np.testing.assert_allclose(u2, 0.9 * (-0.01 * g) - 0.01 * g)
    np.testing.assert_allclose(p2, p + u1 + u2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rmspropupdate_three_steps_by_hand(dtype):
    params, grads = _params_and_grads(dtype, seed=2)
    lr, rho, eps = 0.02, 0.85, 1e-8
    # MATLAB: avg_gsq = rho*avg_gsq + (1-rho)*g.^2; params = params - lr*g./(sqrt(avg_gsq)+eps)
    P = [x.astype(np.float64) for x in _raw_leaves(params)]
    V = [np.zeros_like(x) for x in P]
    p, v = params, None
    for t in range(3):
        G = [x.astype(np.float64) for x in _raw_leaves(grads[t])]
        for i in range(3):
            V[i] = rho * V[i] + (1 - rho) * G[i] ** 2
            P[i] = P[i] - lr * G[i] / (np.sqrt(V[i]) + eps)
        p, v = rmspropupdate(p, grads[t], v, lr, rho, eps)
        _check_struct(p, params)
        _check_struct(v, params)
        for got, want in zip(_raw_leaves(p), P):
            np.testing.assert_allclose(got, want, **_tol(dtype))
        for got, want in zip(_raw_leaves(v), V):
            np.testing.assert_allclose(got, want, rtol=_tol(dtype)["rtol"], atol=1e-20)


def test_rmspropupdate_defaults():
    p, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    p1, v1 = rmspropupdate(p, g, None)
    np.testing.assert_allclose(v1, 0.1 * g ** 2)
    np.testing.assert_allclose(p1, p - 0.001 * g / (np.sqrt(0.1 * g ** 2) + 1e-8))


# --------------------------------------------------------------------------
# Structures
# --------------------------------------------------------------------------

def test_structures_kept_list_tuple_namedtuple():
    NT = collections.namedtuple("NT", "a b")
    x = lambda v: dl.dlarray(np.full((2, 1), v))
    params = [NT(x(1.0), (x(2.0), x(3.0))), {"k": x(4.0)}]
    grads = [NT(x(1.0), (x(1.0), x(1.0))), {"k": x(1.0)}]
    p, vel = sgdmupdate(params, grads, None, 0.5, 0.0)
    assert isinstance(p, list) and isinstance(p[0], NT) and isinstance(p[0].b, tuple)
    np.testing.assert_allclose(dl.extractdata(p[0].b[1]), [[2.5], [2.5]])
    np.testing.assert_allclose(dl.extractdata(p[1]["k"]), [[3.5], [3.5]])
    assert isinstance(vel[0], NT)


class _Net:
    """A stand-in for a dlnetwork: maps itself through _dlarr_tree_map_."""

    def __init__(self, learnables):
        self.learnables = learnables

    def _dlarr_tree_map_(self, fn, *rest):
        keys = sorted(self.learnables)
        return _Net({k: fn(self.learnables[k], *[r.learnables[k] for r in rest]) for k in keys})


def test_object_through_tree_map_protocol():
    net = _Net({"w": dl.dlarray(np.array([1.0, 2.0])), "b": dl.dlarray(np.array([0.0]))})
    grad = _Net({"w": dl.dlarray(np.array([1.0, -1.0])), "b": dl.dlarray(np.array([2.0]))})
    net1, m, v = adamupdate(net, grad, None, None, 1, 0.1)
    assert isinstance(net1, _Net) and isinstance(m, _Net)
    np.testing.assert_allclose(dl.extractdata(m.learnables["w"]), [0.1, -0.1])
    net2, m2, v2 = adamupdate(net1, grad, m, v, 2, 0.1)
    assert net2.learnables["w"].shape == (2,)
    net3, vel = sgdmupdate(net, grad, None, 1.0)
    np.testing.assert_allclose(dl.extractdata(net3.learnables["w"]), [0.0, 3.0])
    doubled = dlupdate(lambda p: p * 2, net)
    np.testing.assert_allclose(dl.extractdata(doubled.learnables["w"]), [2.0, 4.0])


def test_training_loop_with_dlfeval_reduces_loss():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 3))
    y = rng.standard_normal((6, 1))
    params = {"x": dl.dlarray(np.zeros((3, 1)))}

    def loss_fn(p):
        r = dl.matmul(dl.dlarray(A), p["x"]) - dl.dlarray(y)
        L = dl.sum(r * r, "all")
        return L, dl.dlgradient(L, p)

    L0, _ = dl.dlfeval(loss_fn, params)
    m = v = None
    for it in range(1, 201):
        L, g = dl.dlfeval(loss_fn, params)
        params, m, v = adamupdate(params, g, m, v, it, 0.05)
    best = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(dl.extractdata(params["x"]), best, atol=1e-2)
    assert float(L) < float(L0)


# --------------------------------------------------------------------------
# dlupdate
# --------------------------------------------------------------------------

def test_dlupdate_single_and_multiple_outputs():
    params = {"a": dl.dlarray(np.array([1.0, 2.0]), "C"), "b": [dl.dlarray(np.array([[3.0]]))]}
    other = {"a": dl.dlarray(np.array([10.0, 20.0]), "C"), "b": [dl.dlarray(np.array([[30.0]]))]}
    out = dlupdate(lambda p: p * 3, params)
    assert out["a"].dims == "CU"                  # dlarray(v, "C"): a 2(C) x 1(U) column
    np.testing.assert_allclose(dl.extractdata(out["a"]), [[3.0], [6.0]])
    s = dlupdate(lambda p, q: p + q, params, other)
    np.testing.assert_allclose(dl.extractdata(s["b"][0]), [[33.0]])
    A, B = dlupdate(lambda p, q: (p + q, q - p), params, other)
    np.testing.assert_allclose(dl.extractdata(A["a"]), [[11.0], [22.0]])
    np.testing.assert_allclose(dl.extractdata(B["a"]), [[9.0], [18.0]])
    np.testing.assert_allclose(dl.extractdata(B["b"][0]), [[27.0]])
    # L2 regularization, the MATLAB documentation's dlupdate example
    g = dlupdate(lambda gr, p: gr + 0.01 * p, other, params)
    np.testing.assert_allclose(dl.extractdata(g["a"]), [[10.01], [20.02]])


def test_dlupdate_errors():
    params = {"a": dl.dlarray(np.array([1.0]))}
    with pytest.raises(TypeError, match="fun must be callable"):
        dlupdate(3, params)
    with pytest.raises(ValueError, match=r"A1 must have the structure of params"):
        dlupdate(lambda p, q: p, params, {"z": 1})
    two = {"a": dl.dlarray(np.array([1.0])), "b": dl.dlarray(np.array([2.0]))}
    with pytest.raises(ValueError, match="same number"):
        dlupdate(lambda p: (p, p) if float(p) == 1.0 else p, two)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

def test_optimizer_errors():
    params, grads = _params_and_grads(np.float64)
    g = grads[0]
    with pytest.raises(ValueError, match=r"grad must have the structure of params"):
        adamupdate(params, {"W": g["W"]}, None, None, 1)
    with pytest.raises(ValueError, match=r"grad\['deep'\] must have the structure"):
        sgdmupdate(params, {**g, "deep": []}, None)
    with pytest.raises(ValueError, match=r"grad\['b'\] has size \(4, 3\) but params\['b'\]"):
        rmspropupdate(params, {**g, "b": g["W"]}, None)
    with pytest.raises(TypeError, match=r"grad\['W'\] must be a dlarray or an array"):
        adamupdate(params, {**g, "W": [g["W"]]}, None, None, 1)
    with pytest.raises(ValueError, match="format 'CB'"):
        adamupdate(params, {**g, "b": dl.dlarray(dl.extractdata(g["b"]), "CT")}, None, None, 1)
    for it in (0, -1, 1.5):
        with pytest.raises(ValueError, match="iteration must be a positive integer"):
            adamupdate(params, g, None, None, it)
    for it in (True, "1", None):
        with pytest.raises(TypeError, match="iteration must be a positive integer"):
            adamupdate(params, g, None, None, it)
    adamupdate(params, g, None, None, 2.0)             # an integral float is accepted
    with pytest.raises(ValueError, match="learnRate must be a finite nonnegative"):
        adamupdate(params, g, None, None, 1, -0.1)
    with pytest.raises(ValueError, match="learnRate"):
        sgdmupdate(params, g, None, math.inf)
    with pytest.raises(ValueError, match=r"gradDecay must be a scalar in \[0, 1\)"):
        adamupdate(params, g, None, None, 1, 0.001, 1.0)
    with pytest.raises(ValueError, match=r"sqGradDecay must be a scalar in \[0, 1\)"):
        rmspropupdate(params, g, None, 0.001, -0.1)
    with pytest.raises(ValueError, match=r"momentum must be a scalar in \[0, 1\]"):
        sgdmupdate(params, g, None, 0.01, 1.5)
    with pytest.raises(ValueError, match="epsilon must be a finite positive"):
        adamupdate(params, g, None, None, 1, epsilon=0)
    with pytest.raises(TypeError, match="learnRate must be a real scalar"):
        adamupdate(params, g, None, None, 1, "fast")
    _, m, v = adamupdate(params, g, None, None, 1)
    with pytest.raises(ValueError, match="both be empty"):
        adamupdate(params, g, m, None, 2)
    with pytest.raises(ValueError, match=r"averageGrad\['W'\] has size"):
        adamupdate(params, g, {**m, "W": m["b"]}, v, 2)
    with pytest.raises(TypeError, match=r"params\['x'\] must be a dlarray, an array"):
        sgdmupdate({"x": "text"}, {"x": "text"}, None)
    with pytest.raises(TypeError, match="complex"):
        sgdmupdate(np.array([1.0]), np.array([1j]), None)


# --------------------------------------------------------------------------
# clipgradients
# --------------------------------------------------------------------------

def _grads():
    return {"W": dl.dlarray(np.array([[3.0, 4.0]]), "CB"),         # norm 5
            "b": [dl.dlarray(np.array([0.3, -0.4], np.float32))]}   # norm 0.5


def test_clip_l2norm_per_parameter():
    g = _grads()
    out = clipgradients(g, 1.0)             # "l2norm" is the default, as in trainingOptions
    np.testing.assert_allclose(dl.extractdata(out["W"]), [[0.6, 0.8]])      # 5 -> 1
    assert out["W"].dims == "CB"
    np.testing.assert_array_equal(dl.extractdata(out["b"][0]), dl.extractdata(g["b"][0]))
    assert out["b"][0].dtype == np.float32
    out = clipgradients(g, 0.25, "l2norm")
    np.testing.assert_allclose(dl.extractdata(out["b"][0]), [0.15, -0.2], rtol=1e-6)
    np.testing.assert_allclose(dl.extractdata(out["W"]), [[0.15, 0.2]])


def test_clip_global_l2norm():
    g = _grads()
    L = math.sqrt(25 + 0.25)
    out = clipgradients(g, 2.0, "global-l2norm")
    np.testing.assert_allclose(dl.extractdata(out["W"]), np.array([[3.0, 4.0]]) * 2 / L)
    np.testing.assert_allclose(dl.extractdata(out["b"][0]), np.array([0.3, -0.4]) * 2 / L,
                               rtol=1e-6)
    total = sum(float(np.sum(dl.extractdata(x).astype(float) ** 2))
                for x in (out["W"], out["b"][0]))
    assert math.isclose(math.sqrt(total), 2.0, rel_tol=1e-6)
    same = clipgradients(g, 5.1, "global-l2norm")      # L = 5.025 < 5.1: no-op
    np.testing.assert_array_equal(dl.extractdata(same["W"]), [[3.0, 4.0]])


def test_clip_absolute_value():
    g = {"a": dl.dlarray(np.array([-3.0, -0.5, 0.0, 0.7, 2.0]))}
    out = clipgradients(g, 1.0, "absolute-value")
    np.testing.assert_array_equal(dl.extractdata(out["a"]), [-1.0, -0.5, 0.0, 0.7, 1.0])
    out = clipgradients(g, 5.0, "absolute-value")
    np.testing.assert_array_equal(dl.extractdata(out["a"]), [-3.0, -0.5, 0.0, 0.7, 2.0])


def test_clip_plain_arrays_inf_and_errors():
    raw = np.array([3.0, 4.0])
    out = clipgradients([raw], 1.0, "L2Norm")
    assert type(out) is list and type(out[0]) is np.ndarray
    np.testing.assert_allclose(out[0], [0.6, 0.8])
    for m in ("l2norm", "global-l2norm", "absolute-value"):
        np.testing.assert_array_equal(clipgradients(raw, math.inf, m), raw)
    with pytest.raises(ValueError, match="method .l1norm. is not valid; valid values are .l2norm."):
        clipgradients(raw, 1.0, "l1norm")
    for bad in (0, -1.0, math.nan):
        with pytest.raises(ValueError, match="threshold must be a positive"):
            clipgradients(raw, bad)
    with pytest.raises(TypeError, match=r"grad\['x'\] must be a dlarray"):
        clipgradients({"x": None}, 1.0)
