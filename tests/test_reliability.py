"""Issue 12, "no silent wrong result": inputs that used to give a wrong answer
quietly now give the right one or a clear error."""
import copy

import numpy as np
import pytest

import dlarr as dl


# ----- clipgradients: norms without overflow --------------------------------

def test_clipgradients_l2norm_float32_overflow_scales_to_threshold():
    g = np.full((4, 4), 1e30, np.float32)          # sum of squares overflows float32
    c = dl.clipgradients(g, 1.0)
    assert c.dtype == np.float32
    assert np.all(np.isfinite(c)) and np.any(c != 0)
    assert np.linalg.norm(c.astype(np.float64)) == pytest.approx(1.0, rel=1e-5)


def test_clipgradients_global_l2norm_float32_overflow():
    g = {"W": dl.dlarray(np.full((3, 3), 3e25, np.float32)), "b": np.full(3, 1e25, np.float32)}
    c = dl.clipgradients(g, 2.0, "global-l2norm")
    W, b = dl.extractdata(c["W"]).astype(np.float64), c["b"].astype(np.float64)
    assert np.sqrt(np.sum(W * W) + np.sum(b * b)) == pytest.approx(2.0, rel=1e-5)
    assert np.allclose(W / b[0], 3.0)


def test_clipgradients_float64_huge_and_ordinary_values():
    c = dl.clipgradients(np.full(4, 1e200), 1.0)
    assert np.linalg.norm(c) == pytest.approx(1.0)
    c = dl.clipgradients({"a": np.array([3.0, 4.0]), "b": np.array([0.0])}, 1.0, "global-l2norm")
    assert np.allclose(c["a"], [0.6, 0.8])
    np.testing.assert_array_equal(dl.clipgradients(np.zeros(3), 1.0), 0.0)


# ----- permute: integer order -----------------------------------------------

@pytest.mark.parametrize("order", [[1.7, 0.2], "10", [True, False], [1, None]])
def test_permute_requires_integers(order):
    U = dl.dlarray(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="order"):
        dl.permute(U, order)


def test_permute_accepts_integer_arrays_and_whole_floats():
    U = dl.dlarray(np.zeros((2, 3)))
    assert dl.permute(U, np.array([1, 0])).shape == (3, 2)
    assert dl.permute(U, [1.0, 0.0, 2]).shape == (3, 2, 1)


# ----- onehotdecode: NaN scores ---------------------------------------------

def test_onehotdecode_nan_score_is_an_error_naming_the_observation():
    B = np.array([[0.1, 0.7, 0.2], [0.2, 0.2, np.nan]])      # classes x observations
    with pytest.raises(ValueError, match=r"NaN.*observation 2"):
        dl.onehotdecode(B, ["a", "b"], 0)
    with pytest.raises(ValueError, match="NaN"):
        dl.onehotdecode(np.stack([B, B], 2), ["a", "b"], 0)
    out = dl.onehotdecode(np.array([[0.1, 0.7], [0.9, 0.3]]), ["a", "b"], 0)
    assert list(out.ravel()) == ["b", "a"]


# ----- dlgradient: logical options ------------------------------------------

@pytest.mark.parametrize("name", ["RetainData", "EnableHigherDerivatives"])
@pytest.mark.parametrize("value", ["no", 2, None, 0.5])
def test_dlgradient_logical_options(name, value):
    def f(x):
        return dl.dlgradient(dl.sum(x * x), x, **{name: value})
    with pytest.raises(TypeError, match=name):
        dl.dlfeval(f, dl.dlarray(np.array([1.0, 2.0])))


def test_dlgradient_logical_options_accept_bool_and_0_1():
    def f(x):
        y = dl.sum(x * x)
        g1 = dl.dlgradient(y, x, RetainData=1)
        g2 = dl.dlgradient(y, x, RetainData=np.bool_(False), EnableHigherDerivatives=0)
        return g1, g2
    g1, g2 = dl.dlfeval(f, dl.dlarray(np.array([1.0, 2.0])))
    np.testing.assert_allclose(dl.extractdata(g1), [2.0, 4.0])
    np.testing.assert_allclose(dl.extractdata(g2), [2.0, 4.0])


# ----- finddim: format validated --------------------------------------------

def test_finddim_validates_the_format_string():
    with pytest.raises(ValueError, match="finddim.*'X'"):
        dl.finddim("CXB", "B")
    with pytest.raises(ValueError, match="finddim"):
        dl.finddim("CBB", "B")
    assert list(dl.finddim("CBT", "T")) == [2]


# ----- fullyconnect: the parameter labels lstm refuses ----------------------

def test_fullyconnect_rejects_weights_and_bias_labels_lstm_refuses():
    X = dl.dlarray(np.ones((3, 2)), "CB")
    W, b = np.ones((4, 3)), np.zeros(4)
    with pytest.raises(ValueError, match="weights"):
        dl.fullyconnect(X, dl.dlarray(W, "CB"), b)
    with pytest.raises(ValueError, match="bias"):
        dl.fullyconnect(X, W, dl.dlarray(b, "B"))
    with pytest.raises(ValueError, match="'U'"):
        dl.fullyconnect(dl.dlarray(np.ones((3, 2, 2)), "CBU"), W, b)
    Y = dl.fullyconnect(X, dl.dlarray(W, "CU"), dl.dlarray(b, "C"))
    assert Y.dims == "CB" and Y.shape == (4, 2)


# ----- recurrent layers: state size -----------------------------------------

def test_lstm_layer_state_must_be_num_hidden_units_by_one():
    with pytest.raises(ValueError, match="CellState"):
        dl.lstmLayer(3, CellState=np.ones((3, 2)))
    with pytest.raises(ValueError, match="HiddenState"):
        dl.lstmLayer(3, HiddenState=np.ones((2, 1)))
    with pytest.raises(ValueError, match="HiddenState"):
        dl.gruLayer(3, HiddenState=np.ones((3, 3)))
    with pytest.raises(ValueError, match="CellState"):
        dl.bilstmLayer(3, CellState=np.ones((3, 1)))
    layer = dl.lstmLayer(3, CellState=np.ones((3, 1)), HiddenState=np.zeros(3))
    assert layer.CellState.shape == (3, 1)
    assert dl.bilstmLayer(2, CellState=np.ones((4, 1))).CellState.size == 4


# ----- cast: a type is required ---------------------------------------------

@pytest.mark.parametrize("bad", [None, True, 3])
def test_cast_requires_a_type(bad):
    with pytest.raises(TypeError, match="cast: newclass"):
        dl.cast(np.ones(2), bad)


def test_cast_still_takes_names_and_numpy_types():
    assert dl.cast(np.ones(2), "single").dtype == np.float32
    assert dl.cast(np.ones(2), np.float64).dtype == np.float64
    assert dl.cast(np.ones(2), np.dtype("float32")).dtype == np.float32


# ----- crossentropy: probabilities ------------------------------------------

def test_crossentropy_rejects_values_outside_0_1():
    T = np.eye(2)
    with pytest.raises(ValueError, match=r"Y.*1\.5"):
        dl.crossentropy(dl.dlarray(np.array([[0.5, 1.5], [0.5, -0.5]]), "CB"), T)
    with pytest.raises(ValueError, match=r"Y.*-0\.2"):
        dl.crossentropy(dl.dlarray(np.array([[0.5, 0.3], [-0.2, 0.7]]), "CB"), T,
                        ClassificationMode="multilabel")


def test_crossentropy_allows_rounding_and_softmax_outputs():
    T = np.eye(3, dtype=np.float32)
    Y = dl.dlarray(np.array([[1 + 1e-7, 0, 0], [0, 1, 0], [-1e-8, 0, 1]], np.float32), "CB")
    assert float(dl.crossentropy(Y, T)) == pytest.approx(0.0, abs=1e-5)
    rng = np.random.default_rng(0)
    for scale in (1.0, 50.0, 1e4):
        Z = dl.dlarray((scale * rng.standard_normal((5, 8))).astype(np.float32), "CB")
        P = dl.softmax(Z)
        assert np.isfinite(float(dl.crossentropy(P, np.eye(5, 8, dtype=np.float32))))
        S = dl.sigmoid(Z)
        dl.crossentropy(S, np.zeros((5, 8), np.float32), ClassificationMode="multilabel")


# ----- DLArray copies are untraced ------------------------------------------

def test_deepcopy_of_traced_dlarray_is_untraced():
    seen = {}

    def f(x):
        y = x * 2.0
        seen["deep"], seen["shallow"] = copy.deepcopy(y), copy.copy(y)
        seen["traced"] = y.traced
        return dl.dlgradient(dl.sum(y), x)

    g = dl.dlfeval(f, dl.dlarray(np.array([[1.0, 2.0]]), "CB"))
    np.testing.assert_allclose(dl.extractdata(g), [[2.0, 2.0]])
    assert seen["traced"]
    for k in ("deep", "shallow"):
        c = seen[k]
        assert not c.traced and c._node is None
        assert c.dims == "CB"
        np.testing.assert_allclose(dl.extractdata(c), [[2.0, 4.0]])
    X = dl.dlarray(np.ones(3), "C")
    D = copy.deepcopy({"a": X, "b": X})
    assert D["a"] is D["b"] and D["a"] is not X
