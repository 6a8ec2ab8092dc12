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


# ----- empty inputs follow MATLAB (or fail clearly), never leak an internal error -----------

def test_mean_var_std_of_nothing_are_nan_as_matlab():
    """MATLAB: mean(zeros(0,3)) is [NaN NaN NaN]; var and std likewise (0/0)."""
    E = dl.dlarray(np.zeros((0, 3)), "CB")
    for f in (dl.mean, dl.var, dl.std):
        Y = f(E)
        assert Y.shape == (1, 3) and np.isnan(dl.extractdata(Y)).all(), f.__name__
    assert np.isnan(dl.extractdata(dl.mean(dl.dlarray(np.zeros((0, 3))), "all"))).all()
    np.testing.assert_array_equal(dl.extractdata(dl.sum(E, 0)), np.zeros((1, 3)))


@pytest.mark.parametrize("fn", ["lstm", "gru"])
@pytest.mark.parametrize("shape", [(3, 2, 0), (3, 0, 5), (3, 0, 0)])
def test_recurrent_functions_on_empty_batches_and_sequences(fn, shape):
    """T = 0: the outputs are empty and the final state is the initial one (expanded to
    the batch), so its gradient reaches H0; B = 0: empty outputs, zero gradients."""
    rs = np.random.default_rng(0)
    H, G = 4, (4 if fn == "lstm" else 3)
    X = dl.dlarray(rs.random(shape), "CBT")
    W, R, b = (dl.dlarray(rs.random(s)) for s in ((G * H, 3), (G * H, H), (G * H, 1)))
    h0, c0 = dl.dlarray(rs.random((H, 1))), dl.dlarray(rs.random((H, 1)))

    def f(X, h0, W, R, b):
        out = dl.lstm(X, h0, c0, W, R, b) if fn == "lstm" else dl.gru(X, h0, W, R, b)
        L = sum(dl.sum(o, "all") for o in out)
        return (out[0], out[1]) + tuple(dl.dlgradient(L, [X, h0, W, R, b]))
    Y, h, dX, dh0, dW, dR, db = dl.dlfeval(f, X, h0, W, R, b)
    T, B = shape[2], shape[1]
    assert Y.shape == (H, B, T) and h.shape == (H, B)
    assert dX.shape == X.shape and dW.shape == W.shape and dR.shape == R.shape
    if T == 0:
        np.testing.assert_array_equal(dl.extractdata(h), np.repeat(dl.extractdata(h0), B, 1))
        np.testing.assert_array_equal(dl.extractdata(dR), 0)
    # h = H0 expanded to B columns when T = 0, so dL/dH0 = B; nothing when B = 0
    np.testing.assert_array_equal(dl.extractdata(dh0).ravel(), np.full(H, float(B)))


def test_onehotencode_of_no_labels():
    assert dl.onehotencode(dl.categorical([]), 1).shape == (0, 0)
    assert dl.onehotencode(dl.categorical(["a", "b"])[:0], 1).shape == (0, 2)


def test_non_arrays_to_size_numel_resetstate_are_type_errors():
    with pytest.raises(TypeError, match="size: X must be a dlarray.*not list"):
        dl.size([1, 2, 3])
    with pytest.raises(TypeError, match="numel: X must be a dlarray.*not str"):
        dl.numel("abc")
    with pytest.raises(TypeError, match="resetState: net must be a dlnetwork or a SeriesNetwork, "
                                        "not str"):
        dl.resetState("x")


def test_indexed_assignment_of_a_wrong_size_names_both_sizes():
    X = dl.dlarray(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="the value has size 7 but the indexed part of X has "
                                         "size 4"):
        X[0] = np.ones(7)
    X[0] = np.ones(4)
    X[1:] = 2.0                                    # a scalar expands
    np.testing.assert_array_equal(dl.extractdata(X), [[1] * 4, [2] * 4, [2] * 4])
    with pytest.raises(IndexError, match="indexed assignment"):
        X[5] = 1.0


def test_scores2label_dim_out_of_range():
    with pytest.raises(ValueError, match=r"scores2label: dim must be a dimension of the scores, "
                                         r"an integer in 0\.\.1.*not 5"):
        dl.scores2label(np.random.rand(3, 4), ["a", "b", "c"], 5)
    labels = dl.scores2label(np.eye(3)[:, [2, 0, 1]], ["a", "b", "c"], 0)
    assert list(labels) == ["c", "a", "b"]


def test_a_traced_dlarray_pickles_as_its_data_untraced():
    import pickle
    X = dl.dlarray(np.arange(3.0), "CB")

    def f(X):
        Y = X * 2
        Z = pickle.loads(pickle.dumps(Y))
        assert Z._node is None and Z.dims == Y.dims
        return Z
    Z = dl.dlfeval(f, X)
    np.testing.assert_array_equal(dl.extractdata(Z), [[0], [2], [4]])


# ----- messages that name the argument and say what came ------------------------------------

def _seq_classifier():
    return [dl.sequenceInputLayer(3), dl.lstmLayer(4, OutputMode="last"),
            dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]


def _opts(**kw):
    return dl.trainingOptions("adam", MaxEpochs=1, Verbose=False, **kw)


def test_labels_mixing_numbers_and_text_are_refused():
    with pytest.raises(ValueError, match=r"categorical: A mixes numbers and text \(1 at position "
                                         r"0, 'a' at position 1\)"):
        dl.categorical([1, "a", 2])
    with pytest.raises(ValueError, match="categorical: A mixes numbers and text"):
        dl.categorical([["x", "y"], [3, "z"]])
    assert dl.categorical([1, 2, 1]).Categories == ["1", "2"]        # one kind: fine
    X = [np.random.rand(3, 5) for _ in range(4)]
    with pytest.raises(ValueError, match="trainNetwork: Y mixes numbers and text"):
        dl.trainNetwork(X, [1, "a", 2, "a"], _seq_classifier(), _opts())


def test_training_data_messages_name_the_argument():
    X = [np.random.rand(3, 5) for _ in range(4)]
    Y = dl.categorical(["a", "b", "a", "b"])
    with pytest.raises(ValueError, match="trainNetwork: X is an empty list; give at least one"):
        dl.trainNetwork([], Y, _seq_classifier(), _opts())
    with pytest.raises(TypeError, match="trainNetwork: X must be a list of C x T sequences.*not a "
                                        "3-D array"):
        dl.trainNetwork(np.ones((3, 4, 5)), Y, _seq_classifier(), _opts())
    with pytest.raises(TypeError, match="the responses Y must be a categorical.*not a dlarray"):
        dl.trainNetwork(X, dl.dlarray(np.ones(4)), _seq_classifier(), _opts())
    with pytest.raises(ValueError, match="ValidationData X has 2 sequences but ValidationData Y "
                                         "has 1 labels"):
        dl.trainNetwork(X, Y, _seq_classifier(),
                        _opts(ValidationData=(X[:2], dl.categorical(["a"]))))
    with pytest.raises(ValueError, match="trainNetwork: X has 4 sequences but Y has 3 labels"):
        dl.trainNetwork(X, Y[:3], _seq_classifier(), _opts())


def test_learnables_of_the_wrong_shape_are_refused_when_set():
    net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(4)])
    before = [dl.extractdata(v).copy() for v in net.Learnables.Value]
    with pytest.raises(ValueError, match=r"Learnables: the value of \('lstm', 'InputWeights'\) "
                                         r"must be 16 x 3; it is 3 x 3"):
        net.Learnables = [np.zeros((3, 3))] * 3
    with pytest.raises(ValueError, match="Learnables has 2 rows but the network's table has 3"):
        net.Learnables = [np.zeros((16, 3))] * 2
    with pytest.raises(TypeError, match="Learnables must be a table"):
        net.Learnables = None
    for v, b in zip(net.Learnables.Value, before):          # nothing half-set
        np.testing.assert_array_equal(dl.extractdata(v), b)
    new = [v * 0 for v in net.Learnables.Value]
    net.Learnables = new
    assert all(not dl.extractdata(v).any() for v in net.Learnables.Value)


def test_optimizer_state_mismatch_names_the_argument():
    net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(4)])
    with pytest.raises(TypeError, match="adamupdate: grad must be a table .*not NoneType"):
        dl.adamupdate(net, None, None, None, 1)
    with pytest.raises(ValueError, match="sgdmupdate: grad has 1 rows but the network's table "
                                         "has 3"):
        dl.sgdmupdate(net, [np.zeros((16, 3))], None)


def test_cast_to_an_unknown_type_is_named():
    with pytest.raises(TypeError, match="cast: newclass .* not 'foo'"):
        dl.cast(dl.dlarray(np.ones(3)), "foo")
