"""lstm: MATLAB's example, the fast path against a step-by-step reference of the
lstmLayer page's equations, every input form, gradients against float64 central
differences, and every error path."""
import numpy as np
import pytest

import dlarr as dl
import dlarr.functions.lstm as lstm_module
from conftest import check_grad

STATE = {"tanh": np.tanh, "softsign": lambda x: x / (1 + np.abs(x)),
         "relu": lambda x: np.maximum(x, 0)}
GATE = {"sigmoid": lambda x: np.exp(-np.logaddexp(0, -x)),      # 1/(1+exp(-x)), no overflow
        "hard-sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1)}
ACTS = [(s, g) for s in STATE for g in GATE]


def reference_lstm(x, h0, c0, W, R, b, sact="tanh", gact="sigmoid"):
    """x: C x B x T; h0, c0: H x B or H x 1.  The equations of MathWorks'
    lstmLayer page ("Long Short-Term Memory Layer"), one time step at a time,
    gate blocks in MATLAB's order i, f, g, o."""
    H = R.shape[1]
    B = x.shape[1]
    sg, ss = GATE[gact], STATE[sact]
    b = np.reshape(b, (4 * H, 1))
    h = np.broadcast_to(h0, (H, B)).copy()
    c = np.broadcast_to(c0, (H, B)).copy()
    Y = []
    for t in range(x.shape[2]):
        z = W @ x[:, :, t] + R @ h + b
        i = sg(z[:H])
        f = sg(z[H:2 * H])
        g = ss(z[2 * H:3 * H])
        o = sg(z[3 * H:])
        c = f * c + i * g
        h = o * ss(c)
        Y.append(h)
    return np.stack(Y, axis=2).reshape(H, B, x.shape[2]), h, c


def params(C=5, H=4, B=3, T=6, seed=0, dtype=np.float64, shared=False):
    rng = np.random.default_rng(seed)
    nb = 1 if shared else B
    return (rng.standard_normal((C, B, T)).astype(dtype),
            (rng.standard_normal((H, nb)) * 0.5).astype(dtype),
            (rng.standard_normal((H, nb)) * 0.5).astype(dtype),
            (rng.standard_normal((4 * H, C)) * 0.5).astype(dtype),
            (rng.standard_normal((4 * H, H)) * 0.5).astype(dtype),
            (rng.standard_normal(4 * H) * 0.5).astype(dtype))


def data(a):
    return dl.extractdata(a) if isinstance(a, dl.DLArray) else a


def assert_close(a, b, rtol=1e-12, atol=1e-13):
    np.testing.assert_allclose(data(a), b, rtol=rtol, atol=atol)


@pytest.fixture(params=[1 << 18, 40], ids=["one-chunk", "many-chunks"])
def chunk(request, monkeypatch):
    """Run the backward pass in one chunk, and in chunks of a step or two."""
    monkeypatch.setattr(lstm_module, "_CHUNK_ELEMS", request.param)
    return request.param


# --------------------------------------------------------------------------
# MATLAB's documented example and the fast path against the reference
# --------------------------------------------------------------------------

def test_matlab_example():
    # lstm page, "Apply LSTM Operation to Sequence Data".
    rng = np.random.default_rng(0)
    numFeatures, numObservations, sequenceLength, numHiddenUnits = 10, 32, 64, 3
    x = rng.standard_normal((numFeatures, numObservations, sequenceLength))
    X = dl.dlarray(x, "CBT")
    H0 = np.zeros((numHiddenUnits, 1))
    C0 = np.zeros((numHiddenUnits, 1))
    weights = dl.dlarray(rng.standard_normal((4 * numHiddenUnits, numFeatures)), "CU")
    recurrentWeights = dl.dlarray(rng.standard_normal((4 * numHiddenUnits, numHiddenUnits)), "CU")
    bias = dl.dlarray(rng.standard_normal((4 * numHiddenUnits, 1)), "C")
    Y, hiddenState, cellState = dl.lstm(X, H0, C0, weights, recurrentWeights, bias)
    assert dl.size(Y) == (3, 32, 64) and dl.dims(Y) == "CBT"
    assert hiddenState.shape == (3, 32) and cellState.shape == (3, 32)
    # H0 and C0 were numeric, so the states are numeric too.
    assert isinstance(hiddenState, np.ndarray) and isinstance(cellState, np.ndarray)
    Yr, hr, cr = reference_lstm(x, H0, C0, dl.extractdata(weights),
                                dl.extractdata(recurrentWeights), dl.extractdata(bias))
    assert_close(Y, Yr)
    assert_close(hiddenState, hr)
    assert_close(cellState, cr)
    assert_close(Y[:, :, -1], hr)


@pytest.mark.parametrize("sact, gact", ACTS)
def test_matches_reference_float64(sact, gact):
    x, h0, c0, W, R, b = params(C=6, H=5, B=4, T=9)
    x *= 3                                   # reach the flat parts of relu and hard-sigmoid
    Y, h, c = dl.lstm(dl.dlarray(x, "CBT"), dl.dlarray(h0, "CB"), dl.dlarray(c0, "CB"),
                      dl.dlarray(W), dl.dlarray(R), dl.dlarray(b),
                      StateActivationFunction=sact, GateActivationFunction=gact)
    Yr, hr, cr = reference_lstm(x, h0, c0, W, R, b, sact, gact)
    assert Y.dims == "CBT" and h.dims == "CB" and c.dims == "CB"
    assert Y.dtype == h.dtype == c.dtype == np.float64
    assert_close(Y, Yr)
    assert_close(h, hr)
    assert_close(c, cr)


@pytest.mark.parametrize("sact, gact", ACTS)
def test_float32_in_float32_out(sact, gact):
    x, h0, c0, W, R, b = params(C=7, H=6, B=5, T=12, dtype=np.float32)
    Y, h, c = dl.lstm(dl.dlarray(x, "CBT"), h0, c0, dl.dlarray(W), R, b,
                      StateActivationFunction=sact, GateActivationFunction=gact)
    assert Y.dtype == np.float32 and h.dtype == np.float32 and c.dtype == np.float32
    Yr, hr, cr = reference_lstm(*(a.astype(np.float64) for a in (x, h0, c0, W, R, b)), sact, gact)
    assert_close(Y, Yr, rtol=1e-4, atol=2e-6)
    assert_close(h, hr, rtol=1e-4, atol=2e-6)
    assert_close(c, cr, rtol=1e-4, atol=2e-6)


def test_sigmoid_saturates_without_warnings():
    x, h0, c0, W, R, b = params()
    with np.errstate(all="raise"):
        Y, h, c = dl.lstm(dl.dlarray(x * 1e3, "CBT"), h0, c0, dl.dlarray(W * 1e3), R, b)
    Yr, hr, cr = reference_lstm(x * 1e3, h0, c0, W * 1e3, R, b)
    assert_close(Y, Yr, atol=1e-12)


def test_longer_sequence_float32_against_float64():
    # The benchmark's kind of data: many steps, float32 throughout.
    x, h0, c0, W, R, b = params(C=12, H=20, B=7, T=150, seed=3, dtype=np.float32)
    Y, h, c = dl.lstm(dl.dlarray(x, "CBT"), h0, c0, dl.dlarray(W), R, b)
    Yr, hr, cr = reference_lstm(*(a.astype(np.float64) for a in (x, h0, c0, W, R, b)))
    assert_close(Y, Yr, rtol=1e-3, atol=1e-5)
    assert_close(c, cr, rtol=1e-3, atol=1e-5)


# --------------------------------------------------------------------------
# Input forms
# --------------------------------------------------------------------------

def test_unformatted_x_with_dataformat_keeps_its_order():
    x, h0, c0, W, R, b = params()
    Yr, hr, cr = reference_lstm(x, h0, c0, W, R, b)
    # C x T x B data, DataFormat "CTB": Y is H x T x B, unformatted.
    Y, h, c = dl.lstm(dl.dlarray(x.transpose(0, 2, 1)), h0, c0, W, R, dl.dlarray(b),
                      DataFormat="CTB")
    assert Y.dims == "" and Y.shape == (4, 6, 3)
    assert_close(Y, Yr.transpose(0, 2, 1))
    # T x B x C ("TBC"): Y is T x B x H
    Y, _, _ = dl.lstm(dl.dlarray(x.transpose(2, 1, 0)), h0, c0, W, R, b, DataFormat="TBC")
    assert Y.dims == "" and Y.shape == (6, 3, 4)
    assert_close(Y, Yr.transpose(2, 1, 0))


def test_numeric_x_beside_dlarray_weights():
    x, h0, c0, W, R, b = params()
    Yr, hr, cr = reference_lstm(x, h0, c0, W, R, b)
    Y, h, c = dl.lstm(x, h0, c0, dl.dlarray(W, "CU"), R, b, DataFormat="CBT")
    assert Y.dims == "" and Y.shape == (4, 3, 6)
    assert isinstance(h, np.ndarray) and isinstance(c, np.ndarray)
    assert_close(Y, Yr)
    assert_close(h, hr)
    # any one dlarray among the other inputs will do
    Y, h, c = dl.lstm(x, h0, dl.dlarray(c0), W, R, b, DataFormat="CBT")
    assert isinstance(h, np.ndarray) and c.dims == "" and isinstance(c, dl.DLArray)
    assert_close(c, cr)


def test_spatial_dims_flatten_into_channels_in_matlab_order():
    # MATLAB: X is 2(S) x 3(S) x 2(C) x B x T; InputSize = 12, flattened column-major.
    rng = np.random.default_rng(5)
    xs = rng.standard_normal((2, 3, 2, 3, 4))
    _, h0, c0, _, R, b = params(C=12, B=3, T=4)
    W = rng.standard_normal((16, 12)) * 0.5
    Y, h, c = dl.lstm(dl.dlarray(xs, "SSCBT"), h0, c0, W, R, dl.dlarray(b))
    assert Y.dims == "CBT" and Y.shape == (4, 3, 4)
    Yr, hr, cr = reference_lstm(xs.reshape(12, 3, 4, order="F"), h0, c0, W, R, b)
    assert_close(Y, Yr)
    # the same data unformatted with DataFormat: "S" dims leave the output order
    Y, _, _ = dl.lstm(xs.transpose(4, 0, 1, 2, 3), h0, c0, dl.dlarray(W), R, b,
                      DataFormat="TSSCB")
    assert Y.dims == "" and Y.shape == (4, 4, 3)
    assert_close(Y, Yr.transpose(2, 0, 1))


def test_missing_batch_means_one_observation():
    x, h0, c0, W, R, b = params(B=1)
    Y, h, c = dl.lstm(dl.dlarray(x[:, 0], "CT"), dl.dlarray(h0[:, 0]), c0[:, 0], W, R,
                      dl.dlarray(b))
    Yr, hr, cr = reference_lstm(x, h0, c0, W, R, b)
    assert Y.dims == "CT" and Y.shape == (4, 6)
    assert h.dims == "" and h.shape == (4, 1) and c.shape == (4, 1)
    assert_close(Y, Yr[:, 0])
    assert_close(h, hr)
    assert_close(c, cr)


def test_missing_channel_is_added():
    x, h0, c0, W, R, b = params(C=1)
    Y, h, c = dl.lstm(dl.dlarray(x[0], "BT"), h0, c0, dl.dlarray(W), R, b)
    assert Y.dims == "CBT" and Y.shape == (4, 3, 6)
    assert_close(Y, reference_lstm(x, h0, c0, W, R, b)[0])


def test_singleton_u_dimension_is_allowed():
    x, h0, c0, W, R, b = params()
    # MATLAB ignores the trailing singleton "U" after the second dimension
    Y, _, _ = dl.lstm(dl.dlarray(x[..., None], "CBTU"), h0, c0, dl.dlarray(W), R, b)
    assert Y.dims == "CBT" and Y.shape == (4, 3, 6)
    assert_close(Y, reference_lstm(x, h0, c0, W, R, b)[0])


def test_shared_and_per_observation_initial_states():
    x, h0, c0, W, R, b = params(shared=True)
    Yr, hr, cr = reference_lstm(x, h0, c0, W, R, b)
    X = dl.dlarray(x, "CBT")
    for H0, C0 in [(h0, c0), (h0[:, 0], c0[:, 0]),                       # H x 1, vector
                   (np.repeat(h0, 3, 1), np.repeat(c0, 3, 1)),              # H x B
                   (dl.dlarray(h0[:, 0], "C"), dl.dlarray(c0[:, 0], "C")),  # formatted "C"
                   (dl.dlarray(np.repeat(h0, 3, 1), "CB"), dl.dlarray(np.repeat(c0, 3, 1), "CB"))]:
        Y, h, c = dl.lstm(X, H0, C0, dl.dlarray(W), R, b)
        assert_close(Y, Yr)
        assert_close(h, hr)
        assert_close(c, cr)
        assert h.shape == (4, 3) and c.shape == (4, 3)


def test_state_outputs_follow_their_inputs_kind():
    x, h0, c0, W, R, b = params()
    X = dl.dlarray(x, "CBT")
    _, h, c = dl.lstm(X, dl.dlarray(h0, "CB"), c0, W, R, b)
    assert h.dims == "CB" and isinstance(c, np.ndarray)
    _, h, c = dl.lstm(X, dl.dlarray(h0[:, 0], "C"), dl.dlarray(c0), W, R, b)
    assert h.dims == "CB" and c.dims == "" and isinstance(c, dl.DLArray)
    _, h, c = dl.lstm(X, h0, dl.dlarray(c0.T, "BC"), W, R, b)
    assert isinstance(h, np.ndarray) and c.dims == "CB"


def test_weight_and_bias_forms():
    x, h0, c0, W, R, b = params()
    Yr = reference_lstm(x, h0, c0, W, R, b)[0]
    X = dl.dlarray(x, "CBT")
    for bias in (b, b[:, None], b[None, :], dl.dlarray(b, "C"), dl.dlarray(b[:, None], "CU")):
        assert_close(dl.lstm(X, h0, c0, dl.dlarray(W, "CU"), dl.dlarray(R, "CU"), bias)[0], Yr)
    # weights given as "UC" are the same matrix (labels sort to "CU")
    assert_close(dl.lstm(X, h0, c0, dl.dlarray(W.T, "UC"), R, b)[0], Yr)


def test_mixed_precision_follows_matlab_single_wins():
    x, h0, c0, W, R, b = params()
    Y, h, c = dl.lstm(dl.dlarray(x.astype(np.float32), "CBT"), h0, c0, W, R, b)
    assert Y.dtype == np.float32 and h.dtype == np.float32


def test_empty_sequence():
    x, h0, c0, W, R, b = params(T=0)
    Y, h, c = dl.lstm(dl.dlarray(x, "CBT"), h0, c0, W, R, b)
    assert Y.shape == (4, 3, 0) and Y.dims == "CBT"
    assert_close(h, h0)
    assert_close(c, c0)


def test_outputs_do_not_share_memory_between_calls():
    # Buffers are reused from call to call: earlier results must not change.
    x, h0, c0, W, R, b = params(dtype=np.float32)
    X = dl.dlarray(x, "CBT")
    Y1, h1, c1 = dl.lstm(X, h0, c0, dl.dlarray(W), R, b)
    keep = [data(a).copy() for a in (Y1, h1, c1)]
    dl.lstm(dl.dlarray(x[::-1].copy(), "CBT"), h0, c0, dl.dlarray(W), R, b)
    for a, k in zip((Y1, h1, c1), keep):
        np.testing.assert_array_equal(data(a), k)


# --------------------------------------------------------------------------
# Gradients (float64 central differences along random directions)
# --------------------------------------------------------------------------

def grad_args(C=3, H=2, B=2, T=4, seed=1, shared=False):
    x, h0, c0, W, R, b = params(C=C, H=H, B=B, T=T, seed=seed, shared=shared)
    return [dl.dlarray(x, "CBT"), dl.dlarray(h0, "CB") if not shared else dl.dlarray(h0),
            dl.dlarray(c0), dl.dlarray(W), dl.dlarray(R, "CU"), dl.dlarray(b, "C")]


@pytest.mark.parametrize("sact, gact", ACTS)
def test_gradients_every_input_every_activation(sact, gact, chunk):
    args = grad_args()
    f = lambda *a: dl.lstm(*a, StateActivationFunction=sact, GateActivationFunction=gact)
    grads = check_grad(f, *args, rtol=1e-6, atol=1e-9)
    assert [g.dims for g in grads] == [a.dims for a in args]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["Y", "hiddenState", "cellState"])
def test_gradients_through_one_output(which, chunk):
    args = grad_args(T=5, seed=2)
    check_grad(lambda *a: dl.lstm(*a)[which], *args, rtol=1e-6, atol=1e-9)


def test_gradients_shared_initial_state_and_longer_sequence(chunk):
    args = grad_args(C=2, H=3, B=3, T=11, seed=3, shared=True)
    check_grad(lambda *a: dl.lstm(*a), *args, rtol=1e-6, atol=1e-9, ndirs=2)


def test_states_from_numeric_h0_c0_stay_traced_inside_dlfeval():
    # MATLAB's H0 = zeros(H, 1): the final states are numeric outside dlfeval, but inside
    # it a state computed from traced weights keeps its trace (an unformatted dlarray),
    # so a loss on hiddenState/cellState differentiates instead of being "not traced".
    x, h0, c0, W, R, b = params(C=3, H=2, B=2, T=4, seed=4, shared=True)
    _, h, c = dl.lstm(dl.dlarray(x, "CBT"), h0, c0, dl.dlarray(W), R, b)
    assert isinstance(h, np.ndarray) and isinstance(c, np.ndarray)
    def kinds(Wd):
        _, h, c = dl.lstm(dl.dlarray(x, "CBT"), h0, c0, Wd, R, b)
        return [type(h), h.dims, type(c), c.dims, h.traced]
    assert dl.dlfeval(kinds, dl.dlarray(W)) == [dl.DLArray, "", dl.DLArray, "", True]

    def states(xd, Wd, Rd, bd):         # also called untraced, for the finite differences
        _, h, c = dl.lstm(xd, h0, c0, Wd, Rd, bd)
        h, c = dl.dlarray(h), dl.dlarray(c)
        return dl.sum(h, "all") + dl.sum(c * c, "all")
    check_grad(states, dl.dlarray(x, "CBT"), dl.dlarray(W), dl.dlarray(R), dl.dlarray(b),
               rtol=1e-6, atol=1e-9)


def test_gradients_reach_x_in_its_own_layout():
    rng = np.random.default_rng(4)
    _, h0, c0, _, R, b = params(C=6, H=2, B=2, T=3)
    W = dl.dlarray(rng.standard_normal((8, 6)) * 0.5)
    # unformatted, C x T x B
    X = dl.dlarray(rng.standard_normal((3, 3, 2)))
    check_grad(lambda x, w: dl.lstm(x, h0, c0, w, R, b, DataFormat="CTB")[0], X,
               dl.dlarray(rng.standard_normal((8, 3)) * 0.5))
    # spatial dimensions flattened into C
    Xs = dl.dlarray(rng.standard_normal((2, 3, 2, 3)), "SSBT")
    check_grad(lambda x, w: dl.lstm(x, h0, c0, w, R, b)[0], Xs, W)
    # numeric X: only the dlarray inputs are differentiated
    x = rng.standard_normal((6, 2, 3))
    check_grad(lambda w, r: dl.lstm(x, h0, dl.dlarray(c0), w, r, b, DataFormat="CBT")[2], W,
               dl.dlarray(R))


def test_two_layers_in_one_trace():
    # Two lstm calls alive on one tape must not share buffers.
    a = grad_args(C=3, H=3, B=2, T=4, seed=6)
    W2 = dl.dlarray(np.random.default_rng(7).standard_normal((12, 3)) * 0.5)

    def f(x, h0, c0, W, R, b, w2):
        Y, h, c = dl.lstm(x, h0, c0, W, R, b)
        Y2, _, _ = dl.lstm(Y, h, c, w2, R, b)
        return Y2
    check_grad(f, *a, W2, rtol=1e-6, atol=1e-9, ndirs=2)


def test_retain_data_gives_the_same_gradients_twice():
    args = grad_args(T=5)

    def f(x, W):
        Y, h, c = dl.lstm(x, args[1], args[2], W, args[4], args[5])
        L = dl.sum(Y * Y, "all")
        g1 = dl.dlgradient(L, x, W, RetainData=True)
        # another lstm in between reuses buffers; the retained trace must be intact
        dl.lstm(x * 2, args[1], args[2], W, args[4], args[5])
        g2 = dl.dlgradient(L, x, W)
        return g1, g2
    g1, g2 = dl.dlfeval(f, args[0], args[3])
    for a, b in zip(g1, g2):
        np.testing.assert_array_equal(data(a), data(b))


def test_second_derivative_is_a_clear_error():
    args = grad_args()

    def f(x):
        Y = dl.lstm(x, *args[1:])[0]
        g = dl.dlgradient(dl.sum(Y, "all"), x, EnableHigherDerivatives=True)
        return dl.dlgradient(dl.sum(g * g, "all"), x)
    with pytest.raises(ValueError, match="lstm has no second derivative"):
        dl.dlfeval(f, args[0])


def test_float32_gradients_match_float64():
    args64 = grad_args(C=4, H=5, B=3, T=7)
    args32 = [dl.dlarray(dl.extractdata(a).astype(np.float32), a.dims) for a in args64]

    def grads(*a):
        Y, h, c = dl.lstm(*a)
        return dl.dlgradient(dl.sum(Y, "all") + dl.sum(c * c, "all"), *a)
    g64 = dl.dlfeval(grads, *args64)
    g32 = dl.dlfeval(grads, *args32)
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32
        np.testing.assert_allclose(data(a), data(b), rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

def test_errors():
    x, h0, c0, W, R, b = params()
    X = dl.dlarray(x, "CBT")
    with pytest.raises(ValueError, match="StateActivationFunction 'sigmoid' is not valid; valid "
                                         "values are 'tanh', 'softsign', 'relu'"):
        dl.lstm(X, h0, c0, W, R, b, StateActivationFunction="sigmoid")
    with pytest.raises(ValueError, match="GateActivationFunction 'tanh' is not valid; valid "
                                         "values are 'sigmoid', 'hard-sigmoid'"):
        dl.lstm(X, h0, c0, W, R, b, GateActivationFunction="tanh")
    Y1 = dl.lstm(X, h0, c0, W, R, b, GateActivationFunction="Hard")[0]   # validatestring
    Y2 = dl.lstm(X, h0, c0, W, R, b, GateActivationFunction="hard-sigmoid")[0]
    np.testing.assert_array_equal(dl.extractdata(Y1), dl.extractdata(Y2))
    with pytest.raises(ValueError, match="X must have a time dimension 'T'; X has format 'CB'"):
        dl.lstm(dl.dlarray(x[:, :, 0], "CB"), h0, c0, W, R, b)
    with pytest.raises(ValueError, match="time dimension 'T'"):
        dl.lstm(x[:, :, 0], h0, c0, dl.dlarray(W), R, b, DataFormat="CB")
    with pytest.raises(TypeError, match="X is a numeric array, so at least one of the other "
                                        "inputs must be a dlarray"):
        dl.lstm(x, h0, c0, W, R, b, DataFormat="CBT")
    with pytest.raises(ValueError, match="X is unformatted; give its format with DataFormat"):
        dl.lstm(dl.dlarray(x), h0, c0, W, R, b)
    with pytest.raises(ValueError, match="DataFormat is only for unformatted X"):
        dl.lstm(X, h0, c0, W, R, b, DataFormat="CBT")
    with pytest.raises(ValueError, match="unknown label 'X'"):
        dl.lstm(x, h0, c0, dl.dlarray(W), R, b, DataFormat="CXT")
    with pytest.raises(ValueError, match="'U' dimension 3 of X must be singleton; it has size 2"):
        dl.lstm(dl.dlarray(np.stack([x, x], -1), "CBTU"), h0, c0, W, R, b)
    with pytest.raises(ValueError, match=r"weights must be 4\*NumHiddenUnits x InputSize = "
                                         r"16 x 5; it has size 16 x 4"):
        dl.lstm(X, h0, c0, W[:, :4], R, b)
    with pytest.raises(ValueError, match=r"weights must be 4\*NumHiddenUnits x InputSize = "
                                         r"16 x 5; it has size 12 x 5"):
        dl.lstm(X, h0, c0, W[:12], R, b)
    with pytest.raises(ValueError, match=r"recurrentWeights must be 4\*NumHiddenUnits x "
                                         r"NumHiddenUnits = 16 x 4; it has size 16 x 3"):
        dl.lstm(X, h0, c0, W, R[:, :3], b)
    with pytest.raises(ValueError, match=r"bias must be a vector of 4\*NumHiddenUnits = 16 "
                                         r"elements; it has size 15"):
        dl.lstm(X, h0, c0, W, R, b[:15])
    with pytest.raises(ValueError, match=r"bias must be a vector .* size 4 x 4"):
        dl.lstm(X, h0, c0, W, R, b.reshape(4, 4))
    with pytest.raises(ValueError, match="H0 has 4 hidden units but C0 has 3"):
        dl.lstm(X, h0, c0[:3], W, R, b)
    with pytest.raises(ValueError, match="H0 has 2 columns .* but X has 3"):
        dl.lstm(X, h0[:, :2], c0, W, R, b)
    with pytest.raises(ValueError, match="C0 has 2 columns .* but X has 3"):
        dl.lstm(X, h0, c0[:, :2], W, R, b)
    with pytest.raises(ValueError, match="H0 must be NumHiddenUnits x 1 or NumHiddenUnits x "
                                         "NumObservations; it has size 4 x 3 x 2"):
        dl.lstm(X, np.stack([h0, h0], -1), c0, W, R, b)
    with pytest.raises(ValueError, match="H0 is formatted 'CT'; it must have a 'C' dimension"):
        dl.lstm(X, dl.dlarray(h0, "CT"), c0, W, R, b)
    with pytest.raises(ValueError, match="weights is formatted 'CB'"):
        dl.lstm(X, h0, c0, dl.dlarray(W, "CB"), R, b)
    with pytest.raises(ValueError, match=r"bias is formatted 'UU'; its non-singleton dimension "
                                         "must be labelled 'C'"):
        dl.lstm(X, h0, c0, W, R, dl.dlarray(b, "U"))
    with pytest.raises(TypeError, match="weights must be a dlarray, a numeric array or a "
                                        "scalar, not str"):
        dl.lstm(X, h0, c0, "W", R, b)
    with pytest.raises(TypeError, match="weights is complex"):
        dl.lstm(X, h0, c0, W.astype(complex), R, b)
    with pytest.raises(TypeError, match="unexpected keyword argument 'Dataformat'"):
        dl.lstm(x, h0, c0, dl.dlarray(W), R, b, Dataformat="CBT")
