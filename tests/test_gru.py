"""gru: fast path against a step-by-step reference of MATLAB's equations, and
gradients against float64 central differences."""
import numpy as np
import pytest

import dlarr as dl
from dlarr.functions.gru import gru
from conftest import check_grad

ACT_S = {"tanh": np.tanh, "softsign": lambda x: x / (1 + np.abs(x)), "relu": lambda x: np.maximum(x, 0)}
ACT_G = {"sigmoid": lambda x: 1 / (1 + np.exp(-x)),
         "hard-sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1)}


def reference_gru(x, h0, W, R, b, mode="after-multiplication", sact="tanh", gact="sigmoid"):
    """x: C x B x T; h0: H x B or H x 1.  The gruLayer page's equations, step by step."""
    H = R.shape[1]
    sg, ss = ACT_G[gact], ACT_S[sact]
    bW = b[:3 * H]
    bR = b[3 * H:] if mode == "recurrent-bias-after-multiplication" else np.zeros(3 * H)
    Wr, Wz, Wn = W[:H], W[H:2 * H], W[2 * H:]
    Rr, Rz, Rn = R[:H], R[H:2 * H], R[2 * H:]
    h = np.broadcast_to(h0, (H, x.shape[1])).copy()
    Y = []
    for t in range(x.shape[2]):
        xt = x[:, :, t]
        r = sg(Wr @ xt + bW[:H, None] + Rr @ h + bR[:H, None])
        z = sg(Wz @ xt + bW[H:2 * H, None] + Rz @ h + bR[H:2 * H, None])
        if mode == "before-multiplication":
            n = ss(Wn @ xt + bW[2 * H:, None] + Rn @ (r * h))
        else:
            n = ss(Wn @ xt + bW[2 * H:, None] + r * (Rn @ h + bR[2 * H:, None]))
        h = (1 - z) * n + z * h
        Y.append(h)
    return np.stack(Y, axis=2), h


def params(C=5, H=4, B=3, T=6, nb=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((C, B, T)).astype(dtype), rng.standard_normal((H, B)).astype(dtype),
            (rng.standard_normal((3 * H, C)) * 0.5).astype(dtype),
            (rng.standard_normal((3 * H, H)) * 0.5).astype(dtype),
            rng.standard_normal(nb * H).astype(dtype))


@pytest.mark.parametrize("mode", ["after-multiplication", "before-multiplication",
                                  "recurrent-bias-after-multiplication"])
@pytest.mark.parametrize("sact", ["tanh", "softsign", "relu"])
@pytest.mark.parametrize("gact", ["sigmoid", "hard-sigmoid"])
def test_matches_reference_and_gradients(mode, sact, gact):
    nb = 6 if mode.startswith("recurrent") else 3
    x, h0, W, R, b = params(nb=nb)
    Y, h = gru(dl.dlarray(x, "CBT"), dl.dlarray(h0, "CB"), dl.dlarray(W), dl.dlarray(R),
               dl.dlarray(b), ResetGateMode=mode, StateActivationFunction=sact,
               GateActivationFunction=gact)
    Yr, hr = reference_gru(x, h0, W, R, b, mode, sact, gact)
    assert Y.dims == "CBT" and h.dims == "CB"
    np.testing.assert_allclose(dl.extractdata(Y), Yr, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dl.extractdata(h), hr, rtol=1e-12, atol=1e-13)
    xs = params(C=3, H=2, B=2, T=4, nb=nb, seed=1)
    args = [dl.dlarray(xs[0], "CBT"), dl.dlarray(xs[1], "CB")] + [dl.dlarray(a) for a in xs[2:]]
    check_grad(lambda *a: gru(*a, ResetGateMode=mode, StateActivationFunction=sact,
                              GateActivationFunction=gact), *args, rtol=1e-5, atol=1e-8)


def test_float32_in_float32_out():
    x, h0, W, R, b = params(dtype=np.float32)
    Y, h = gru(dl.dlarray(x, "CBT"), h0, W, R, b)
    assert Y.dtype == np.float32 and h.dtype == np.float32
    Yr, _ = reference_gru(*(a.astype(np.float64) for a in (x, h0, W, R, b)))
    np.testing.assert_allclose(dl.extractdata(Y), Yr, rtol=2e-5, atol=2e-6)


def test_input_forms():
    x, h0, W, R, b = params()
    Yr, hr = reference_gru(x, h0[:, :1], W, R, b)
    # unformatted X with DataFormat "CTB": output in the same order, H x T x B
    Y, h = gru(x.transpose(0, 2, 1), h0[:, :1], dl.dlarray(W), R, b, DataFormat="CTB")
    assert Y.dims == "" and Y.shape == (4, 6, 3)
    np.testing.assert_allclose(dl.extractdata(Y), Yr.transpose(0, 2, 1), rtol=1e-12)
    assert isinstance(h, np.ndarray)                         # numeric H0 -> numeric state
    np.testing.assert_allclose(h, hr, rtol=1e-12)
    # no B: one observation; H0 an unformatted dlarray -> unformatted dlarray state
    Y, h = gru(dl.dlarray(x[:, 0], "CT"), dl.dlarray(h0[:, 0]), W, R, dl.dlarray(b))
    assert Y.dims == "CT" and Y.shape == (4, 6) and h.dims == "" and h.shape == (4, 1)
    np.testing.assert_allclose(dl.extractdata(Y), reference_gru(x[:, :1], h0[:, :1], W, R, b)[0][:, 0],
                               rtol=1e-12)


def test_errors():
    x, h0, W, R, b = params()
    X = dl.dlarray(x, "CBT")
    with pytest.raises(ValueError, match="ResetGateMode 'sideways' is not valid; valid values are"):
        gru(X, h0, W, R, b, ResetGateMode="sideways")
    with pytest.raises(ValueError, match=r"bias must be a vector of 6\*NumHiddenUnits"):
        gru(X, h0, W, R, b, ResetGateMode="recurrent-bias-after-multiplication")
    with pytest.raises(ValueError, match=r"weights must be 3\*NumHiddenUnits x InputSize = 12 x 5"):
        gru(X, h0, W[:, :4], R, b)
    with pytest.raises(ValueError, match="time dimension 'T'"):
        gru(dl.dlarray(x[:, :, 0], "CB"), h0, W, R, b)
    with pytest.raises(TypeError, match="at least one of the other inputs must be a dlarray"):
        gru(x, h0, W, R, b, DataFormat="CBT")
    with pytest.raises(ValueError, match="H0 has 2 columns"):
        gru(X, h0[:, :2], W, R, b)


def test_formatted_bias_must_be_labelled_c():
    x, h0, W, R, b = params()
    with pytest.raises(ValueError, match="bias is formatted 'UU'; its non-singleton dimension"):
        gru(dl.dlarray(x, "CBT"), h0, W, R, dl.dlarray(b, "U"))
    with pytest.raises(ValueError, match=r"gru: DataFormat 'CXT': unknown label"):
        gru(x, h0, dl.dlarray(W), R, b, DataFormat="CXT")


def test_state_from_numeric_h0_stays_traced_inside_dlfeval():
    x, h0, W, R, b = params()
    def f(Wd):
        _, h = gru(dl.dlarray(x, "CBT"), h0[:, :1], Wd, R, b)
        return dl.dlgradient(dl.sum(h, "all"), Wd), type(h)
    g, kind = dl.dlfeval(f, dl.dlarray(W))
    assert kind is dl.DLArray
    # the same gradient as with H0 an unformatted dlarray (the traced path tested above)
    def f2(Wd):
        _, h = gru(dl.dlarray(x, "CBT"), dl.dlarray(h0[:, :1]), Wd, R, b)
        return dl.dlgradient(dl.sum(h, "all"), Wd)
    g2 = dl.dlfeval(f2, dl.dlarray(W))
    assert np.abs(dl.extractdata(g2)).max() > 0
    np.testing.assert_allclose(dl.extractdata(g), dl.extractdata(g2), rtol=1e-12)
