"""Recurrent layers' extras: HasStateInputs/HasStateOutputs on lstmLayer and gruLayer
(state ports in layer graphs: an encoder-decoder against direct dl.lstm/dl.gru calls,
values and gradients in float64; several outputs; the errors), and the projected layers
lstmProjectedLayer/gruProjectedLayer (against the plain layers with the composed weights,
against torch's LSTM with proj_size, MATLAB's learnable sizes), with save/load."""
import numpy as np
import pytest

import dlarr as dl
from dlarr.layers.projected import (GRUProjectedLayer, LSTMProjectedLayer, gruProjectedLayer,
                                    lstmProjectedLayer)
from dlarr.networks.graph import addLayers, connectLayers, layerGraph
from dlarr.networks.network import dlnetwork, forward

try:                       # the comparisons with torch skip without it; the rest runs
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="could not import 'torch'")


def _x(*shape, seed=0):
    return dl.dlarray(np.random.default_rng(seed).standard_normal(shape), "CBT")


def _data(v):
    return np.asarray(dl.extractdata(v) if isinstance(v, dl.DLArray) else v)


# --------------------------------------------------------------------------
# Ports follow HasStateInputs / HasStateOutputs
# --------------------------------------------------------------------------

@pytest.mark.parametrize("make, ports", [(dl.lstmLayer, ("hidden", "cell")),
                                         (dl.gruLayer, ("hidden",))])
def test_ports_follow_the_flags(make, ports):
    plain = make(4)
    assert plain.HasStateInputs is False and plain.HasStateOutputs is False
    assert plain.InputNames == ("in",) and plain.OutputNames == ("out",)
    both = make(4, HasStateInputs=True, HasStateOutputs=1)
    assert both.InputNames == ("in",) + ports and both.NumInputs == 1 + len(ports)
    assert both.OutputNames == ("out",) + ports and both.NumOutputs == 1 + len(ports)
    assert make(4, "HasStateOutputs", True).OutputNames == ("out",) + ports  # positional pairs
    text = repr(both)
    assert "     HasStateInputs: 1" in text and "NumInputs: %d" % (1 + len(ports)) in text
    assert "InputNames: {'in'  'hidden'" in text
    with pytest.raises(AttributeError, match="HasStateInputs is read-only"):
        both.HasStateInputs = False
    with pytest.raises(AttributeError, match="read-only"):
        both.NumInputs = 1
    with pytest.raises(TypeError, match="HasStateOutputs must be true or false"):
        make(4, HasStateOutputs="yes")


def test_state_properties_must_be_empty_with_state_inputs():
    with pytest.raises(ValueError, match="HiddenState must be empty.*HasStateInputs.*'hidden'"):
        dl.lstmLayer(3, HiddenState=np.zeros(3), HasStateInputs=True)
    with pytest.raises(ValueError, match="CellState must be empty.*'cell' input"):
        dl.lstmLayer(3, HasStateInputs=True, CellState=np.zeros(3))
    layer = dl.gruLayer(3, HasStateInputs=True)
    with pytest.raises(ValueError, match="HiddenState must be empty"):
        layer.HiddenState = np.zeros(3)
    layer.HiddenState = []                          # empty is fine


def test_bilstm_has_no_state_ports():
    layer = dl.bilstmLayer(3)
    assert layer.HasStateInputs is False and layer.NumOutputs == 1
    with pytest.raises(TypeError, match="BiLSTMLayer: HasStateInputs is read-only and 0"):
        dl.bilstmLayer(3, HasStateInputs=True)


# --------------------------------------------------------------------------
# An encoder-decoder: the encoder's final states start the decoder
# --------------------------------------------------------------------------

def _encoder_decoder(kind="lstm", H=4, C1=3, C2=2, fc=None):
    make = dl.lstmLayer if kind == "lstm" else dl.gruLayer
    ports = ("hidden", "cell") if kind == "lstm" else ("hidden",)
    layers = [dl.sequenceInputLayer(C1, Name="x"),
              make(H, Name="enc", HasStateOutputs=True, OutputMode="last")]
    lg = layerGraph(layers)
    dec = [dl.sequenceInputLayer(C2, Name="y"), make(H, Name="dec", HasStateInputs=True)]
    if fc:
        dec.append(dl.fullyConnectedLayer(fc, Name="fc"))
    lg = addLayers(lg, dec)
    for p in ports:
        lg = connectLayers(lg, f"enc/{p}", f"dec/{p}")
    dl.rng(3)
    net = dlnetwork(lg, Initialize=False, OutputNames=["fc" if fc else "dec"])
    return net.initialize(np.float64)


def _direct(net, kind, X1, X2):
    """The same computation by direct dl.lstm/dl.gru calls (inside dlfeval)."""
    enc, dec = (next(l for l in net.Layers if l.Name == n) for n in ("enc", "dec"))
    H = enc.NumHiddenUnits
    z = dl.dlarray(np.zeros((H, 1)))      # a dlarray H0 gives dlarray states (traced)
    if kind == "lstm":
        _, h, c = dl.lstm(X1, z, z, enc.InputWeights, enc.RecurrentWeights, enc.Bias)
        Y, h2, c2 = dl.lstm(X2, h, c, dec.InputWeights, dec.RecurrentWeights, dec.Bias)
        return Y, (h, c)
    _, h = dl.gru(X1, z, enc.InputWeights, enc.RecurrentWeights, enc.Bias)
    Y, _ = dl.gru(X2, h, dec.InputWeights, dec.RecurrentWeights, dec.Bias)
    return Y, (h,)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_encoder_decoder_values_and_gradients_match_direct_calls(kind):
    net = _encoder_decoder(kind)
    assert net.InputNames == ["x", "y"] and net.OutputNames == ["dec"]
    X1, X2 = _x(3, 2, 5, seed=1), _x(2, 2, 6, seed=2)
    G = np.random.default_rng(4).standard_normal((4, 2, 6))

    def net_loss(net, X1, X2):
        Y, _ = forward(net, X1, X2)
        loss = dl.sum(Y * G, "all")
        return (loss, Y) + tuple(dl.dlgradient(loss, net.Learnables, X1))

    def direct_loss(params, X1, X2):
        layers = [l._with(**dict(zip(l._learnables, params[i * 3:(i + 1) * 3])))
                  for i, l in enumerate(x for x in net.Layers if x.Name in ("enc", "dec"))]
        fake = type("N", (), {"Layers": layers})
        Y, _ = _direct(fake, kind, X1, X2)
        loss = dl.sum(Y * G, "all")
        return (loss, Y) + tuple(dl.dlgradient(loss, params, X1))

    loss, Y, grads, gX = dl.dlfeval(net_loss, net, X1, X2)
    params = list(net.Learnables.Value)
    loss2, Y2, grads2, gX2 = dl.dlfeval(direct_loss, params, X1, X2)
    assert Y.dims == "CBT" and Y.dtype == np.float64
    np.testing.assert_allclose(_data(Y), _data(Y2), rtol=1e-12, atol=1e-14)
    assert list(grads.Layer) == ["enc"] * 3 + ["dec"] * 3
    for a, b in zip(grads.Value, grads2):
        np.testing.assert_allclose(_data(a), _data(b), rtol=1e-10, atol=1e-13)
        assert np.any(_data(a) != 0)              # the encoder gets gradients via the states
    np.testing.assert_allclose(_data(gX), _data(gX2), rtol=1e-10, atol=1e-13)


def test_encoder_decoder_gradient_against_finite_differences():
    net = _encoder_decoder("lstm", H=3, fc=2)
    X1, X2 = _x(3, 2, 4, seed=5), _x(2, 2, 3, seed=6)

    def loss_of(net):
        Y, _ = forward(net, X1, X2)
        return dl.sum(Y * Y, "all")

    def grad(net):
        loss = loss_of(net)
        return dl.dlgradient(loss, net.Learnables)

    g = _data(dl.dlfeval(grad, net)["enc", "RecurrentWeights"])
    W = _data(net.Learnables["enc", "RecurrentWeights"])
    eps, num = 1e-6, np.zeros_like(W)
    idx = [i for i, (l, _) in enumerate(zip(net.Learnables.Layer, net.Learnables.Parameter))
           if (l, _) == ("enc", "RecurrentWeights")][0]
    for k in np.ndindex(W.shape):
        vals = []
        for s in (eps, -eps):
            W2 = W.copy()
            W2[k] += s
            v = list(net.Learnables.Value)
            v[idx] = dl.dlarray(W2)
            n2 = net._copy()
            n2.Learnables = v
            vals.append(_data(loss_of(n2)).item())
        num[k] = (vals[0] - vals[1]) / (2 * eps)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-9)


def test_state_inputs_leave_the_state_alone_and_outputs_update_it():
    net = _encoder_decoder("lstm")
    X1, X2 = _x(3, 1, 5, seed=1), _x(2, 1, 6, seed=2)
    _, state = forward(net, X1, X2)
    rows = {(l, p): _data(v) for l, p, v in state}
    H = 4
    _, h, c = dl.lstm(X1, np.zeros((H, 1)), np.zeros((H, 1)), net.Layers[1].InputWeights,
                      net.Layers[1].RecurrentWeights, net.Layers[1].Bias)
    enc = next(l.Name for l in net.Layers if l.Name == "enc")
    np.testing.assert_allclose(rows[enc, "HiddenState"], _data(h), rtol=1e-12)
    np.testing.assert_allclose(rows[enc, "CellState"], _data(c), rtol=1e-12)
    np.testing.assert_array_equal(rows["dec", "HiddenState"], np.zeros((H, 1)))   # not updated
    np.testing.assert_array_equal(rows["dec", "CellState"], np.zeros((H, 1)))


def test_several_outputs_give_the_final_states_as_CB():
    dl.rng(0)
    layers = [dl.sequenceInputLayer(3), dl.lstmLayer(4, Name="lstm", HasStateOutputs=True),
              dl.fullyConnectedLayer(2, Name="fc")]
    net = dlnetwork(layers, Initialize=False).initialize(np.float64)
    assert net.OutputNames == ["lstm/hidden", "lstm/cell", "fc"]
    X = _x(3, 2, 5, seed=3)
    h, c, Y = forward(net, X, Outputs=["lstm/hidden", "lstm/cell", "lstm/out"])[:3]
    L = net.Layers[1]
    Yr, hr, cr = dl.lstm(X, np.zeros((4, 1)), np.zeros((4, 1)), L.InputWeights,
                         L.RecurrentWeights, L.Bias)
    assert h.dims == "CB" and c.dims == "CB" and h.shape == (4, 2)
    np.testing.assert_allclose(_data(h), _data(hr), rtol=1e-12)
    np.testing.assert_allclose(_data(c), _data(cr), rtol=1e-12)
    np.testing.assert_allclose(_data(Y), _data(Yr), rtol=1e-12)
    # the State carries the final states on, as the state outputs give them
    Y1, h1, c1, fc = dl.predict(net, X, Outputs=["lstm/out", "lstm/hidden", "lstm/cell", "fc"])
    np.testing.assert_allclose(_data(h1), _data(hr), rtol=1e-12)
    *_, state = forward(net, X)
    np.testing.assert_allclose(_data(state["lstm", "HiddenState"]), _data(hr), rtol=1e-12)
    np.testing.assert_allclose(_data(state["lstm", "CellState"]), _data(cr), rtol=1e-12)


def test_gru_state_output_with_last_mode():
    dl.rng(1)
    layers = [dl.sequenceInputLayer(3), dl.gruLayer(4, Name="gru", HasStateOutputs=True,
                                                   OutputMode="last")]
    net = dlnetwork(layers, Initialize=False).initialize(np.float64)
    X = _x(3, 2, 5, seed=8)
    Y, h = forward(net, X, Outputs=["gru/out", "gru/hidden"])[:2]
    assert Y.dims == "CB" and h.dims == "CB"
    np.testing.assert_allclose(_data(Y), _data(h), rtol=1e-14)     # last step = final state


def test_stateful_prediction_of_plain_recurrent_layers_still_works():
    dl.rng(2)
    net = dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(4), dl.fullyConnectedLayer(2)],
                    Initialize=False).initialize(np.float64)
    x = np.random.default_rng(9).standard_normal((3, 1, 8))
    whole = _data(dl.predict(net, dl.dlarray(x, "CBT")))
    first, state = dl.predict(net, dl.dlarray(x[..., :5], "CBT"), nargout=2)
    net.State = state
    second = dl.predict(net, dl.dlarray(x[..., 5:], "CBT"))
    np.testing.assert_allclose(np.concatenate([_data(first), _data(second)], -1), whole,
                               rtol=1e-10)
    assert np.any(_data(net.State.Value[0]) != 0)
    np.testing.assert_allclose(_data(dl.resetState(net).State.Value[0]), np.zeros((4, 1)))


def test_trainnet_trains_the_encoder_through_the_states():
    """x -> enc (final states) -> dec (started from them) -> fc -> softmax: trainnet's
    gradients reach the encoder only through the state connections."""
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((3, 6)).astype(np.float32) for _ in range(16)]
    Y = np.array([int(x[0].mean() > 0) for x in X])
    lg = layerGraph([dl.sequenceInputLayer(3, Name="x"),
                     dl.lstmLayer(5, Name="enc", HasStateOutputs=True, OutputMode="last")])
    lg = addLayers(lg, [dl.lstmLayer(5, Name="dec", HasStateInputs=True, OutputMode="last"),
                        dl.fullyConnectedLayer(2, Name="fc"), dl.softmaxLayer(Name="sm")])
    lg = connectLayers(lg, "x", "dec/in")
    for p in ("hidden", "cell"):
        lg = connectLayers(lg, f"enc/{p}", f"dec/{p}")
    opts = dl.trainingOptions("adam", MaxEpochs=2, MiniBatchSize=8, Verbose=False)
    dl.rng(0)
    net0 = dlnetwork(lg, OutputNames=["sm"])
    net = dl.trainnet(X, Y, net0, "crossentropy", opts)
    assert net.OutputNames == ["sm"] and dl.minibatchpredict(net, X[:3]).shape == (3, 2)
    for (layer, name, before), (_, _, after) in zip(net0.Learnables, net.Learnables):
        assert not np.allclose(_data(before), _data(after)), (layer, name)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

def test_unconnected_state_inputs_are_errors_naming_the_port():
    layers = [dl.sequenceInputLayer(3), dl.lstmLayer(4, Name="dec", HasStateInputs=True)]
    with pytest.raises(ValueError, match=r"layer 'dec' \(LSTMLayer\): input 'hidden' is not "
                                         r"connected \(and 1 other"):
        dlnetwork(layers)
    lg = connectLayers(addLayers(layerGraph(layers), dl.sequenceInputLayer(4, Name="h0")),
                       "h0", "dec/hidden")
    with pytest.raises(ValueError, match="input 'cell' is not connected.*'dec/cell'"):
        dlnetwork(lg)


def test_state_inputs_of_the_wrong_size_or_with_time_are_errors():
    layers = [dl.sequenceInputLayer(3, Name="x"),
              dl.gruLayer(4, Name="dec", HasStateInputs=True)]
    lg = addLayers(layerGraph(layers), [dl.sequenceInputLayer(3, Name="s"),
                                        dl.fullyConnectedLayer(5, Name="fc")])
    with pytest.raises(ValueError, match=r"Layer 'dec' \(GRULayer\): input 'hidden'.*"
                                         r"NumHiddenUnits = 4.*5 channels with a time"):
        dlnetwork(connectLayers(lg, "fc", "dec/hidden"))
    with pytest.raises(ValueError, match="layer 'dec'.*has 2 inputs.*'dec/hidden'"):
        connectLayers(lg, "fc", "dec")


def test_state_input_batch_must_match():
    net = _encoder_decoder("lstm")
    with pytest.raises(ValueError, match="lstm: H0 has 2 columns.*X has 3"):
        forward(net, _x(3, 2, 5), _x(2, 3, 5))


# --------------------------------------------------------------------------
# Projected layers
# --------------------------------------------------------------------------

def test_lstm_projected_sizes_and_parameter_count():
    layer = lstmProjectedLayer(100, 30, 16, Name="p")
    assert (layer.NumHiddenUnits, layer.OutputProjectorSize, layer.InputProjectorSize) == \
        (100, 30, 16)
    assert layer.InputProjectorInitializer == "orthogonal"
    assert layer.OutputProjectorInitializer == "orthogonal"
    net = dlnetwork([dl.sequenceInputLayer(12), layer])
    L = net.Layers[1]
    assert L.InputWeights.shape == (400, 16) and L.RecurrentWeights.shape == (400, 30)
    assert L.Bias.shape == (400, 1) and L.InputProjector.shape == (12, 16)
    assert L.OutputProjector.shape == (100, 30)
    assert list(net.Learnables.Parameter) == ["InputWeights", "RecurrentWeights", "Bias",
                                              "InputProjector", "OutputProjector"]
    n = sum(v.size for v in net.Learnables.Value)
    assert n == 4 * 100 * (16 + 30 + 1) + 12 * 16 + 100 * 30
    plain = dlnetwork([dl.sequenceInputLayer(12), dl.lstmLayer(100)])
    assert n < sum(v.size for v in plain.Learnables.Value)     # 21992 < 45200
    # orthogonal projectors: orthonormal columns
    Q = _data(L.OutputProjector).astype(np.float64)
    np.testing.assert_allclose(Q.T @ Q, np.eye(30), atol=1e-5)
    g = gruProjectedLayer(10, 4, 2, ResetGateMode="recurrent-bias-after-multiplication")
    gnet = dlnetwork([dl.sequenceInputLayer(3), g])
    assert [v.shape for v in gnet.Learnables.Value] == [(30, 2), (30, 4), (60, 1), (3, 2),
                                                          (10, 4)]
    assert gnet.Layers[1].OutputNames == ("out",)


def test_projected_display_and_validation():
    layer = lstmProjectedLayer(8, 3, 2)
    text = repr(layer)
    assert text.startswith("LSTMProjectedLayer with properties:")
    assert "InputProjectorSize: 2" in text and "OutputProjector: []" in text
    row = dl.layers.layer_table([dl.sequenceInputLayer(3), layer]).splitlines()[-1]
    assert "LSTM Projected" in row and "8 hidden units, an output projector size of 3, and " \
                                        "an input projector size of 2" in row
    with pytest.raises(ValueError, match="OutputProjectorSize must be a positive integer"):
        lstmProjectedLayer(8, 0, 2)
    with pytest.raises(ValueError, match="InputProjectorLearnRateFactor must be a nonnegative"):
        gruProjectedLayer(8, 3, 2, InputProjectorLearnRateFactor=[1, 2, 3])
    with pytest.raises(ValueError, match="InputProjector must be 3 x 2"):
        dlnetwork([dl.sequenceInputLayer(3),
                   lstmProjectedLayer(8, 3, 2, InputProjector=np.ones((2, 2)))])
    assert lstmProjectedLayer(8, 3, 2, "OutputMode", "last").OutputMode == "last"
    net = dlnetwork([dl.sequenceInputLayer(3), layer])
    assert net.Layers[1]._factors("InputProjector") == (1.0, 1.0)
    assert lstmProjectedLayer(8, 3, 2, OutputProjectorL2Factor=0.5,
                              InputWeightsLearnRateFactor=[1, 0, 1, 1]) \
        ._with(InputWeights=dl.dlarray(np.ones((32, 2))))._factors("InputWeights")[0].shape \
        == (32, 1)


def _projected_and_plain(kind, H=5, Po=3, Pi=2, C=4, **opts):
    make = lstmProjectedLayer if kind == "lstm" else gruProjectedLayer
    dl.rng(11)
    pnet = dlnetwork([dl.sequenceInputLayer(C), make(H, Po, Pi, Name="p", **opts)],
                     Initialize=False).initialize(np.float64)
    P = pnet.Layers[1]
    b = _data(P.Bias) + 0.1 * np.random.default_rng(1).standard_normal(P.Bias.shape)
    P = P._with(Bias=dl.dlarray(b))
    pnet._layers[1] = P
    W = _data(P.InputWeights) @ _data(P.InputProjector).T
    R = _data(P.RecurrentWeights) @ _data(P.OutputProjector).T
    plain = (dl.lstmLayer if kind == "lstm" else dl.gruLayer)(
        H, Name="p", InputWeights=W, RecurrentWeights=R, Bias=b, **opts)
    qnet = dlnetwork([dl.sequenceInputLayer(C), plain], Initialize=False).initialize(np.float64)
    return pnet, qnet


@pytest.mark.parametrize("kind, opts", [("lstm", {}), ("gru", {}),
                                        ("gru", {"ResetGateMode": "before-multiplication"}),
                                        ("lstm", {"OutputMode": "last"})])
def test_projected_equals_plain_layer_with_composed_weights(kind, opts):
    pnet, qnet = _projected_and_plain(kind, **opts)
    X = _x(4, 3, 6, seed=12)
    Yq = _data(dl.predict(qnet, X))
    G = np.random.default_rng(3).standard_normal(Yq.shape)

    def loss_grads(net):
        Y, _ = forward(net, X)
        loss = dl.sum(Y * G, "all")
        return Y, dl.dlgradient(loss, net.Learnables)

    Yp, gp = dl.dlfeval(loss_grads, pnet)
    _, gq = dl.dlfeval(loss_grads, qnet)
    np.testing.assert_allclose(_data(Yp), Yq, rtol=1e-12, atol=1e-14)
    P = pnet.Layers[1]
    dW, dR = _data(gq["p", "InputWeights"]), _data(gq["p", "RecurrentWeights"])
    Wp, Rp = _data(P.InputWeights), _data(P.RecurrentWeights)
    Qi, Qo = _data(P.InputProjector), _data(P.OutputProjector)
    # d/dW' of f(W' Qi') = dF Qi, d/dQi = dF' W'  (the chain rule, closed form)
    np.testing.assert_allclose(_data(gp["p", "InputWeights"]), dW @ Qi, rtol=1e-10)
    np.testing.assert_allclose(_data(gp["p", "InputProjector"]), dW.T @ Wp, rtol=1e-10)
    np.testing.assert_allclose(_data(gp["p", "RecurrentWeights"]), dR @ Qo, rtol=1e-10)
    np.testing.assert_allclose(_data(gp["p", "OutputProjector"]), dR.T @ Rp, rtol=1e-10)
    np.testing.assert_allclose(_data(gp["p", "Bias"]), _data(gq["p", "Bias"]), rtol=1e-10)


@needs_torch
def test_lstm_projected_against_torch_proj_size():
    """torch's LSTM with proj_size P computes h_t = W_hr (o_t * tanh(c_t)) (P channels) and
    feeds it back through W_hh (4H x P): with W_hr = Qo', W_hh = R and the input Qi' x, its
    output is Qo' times MATLAB's (whose hidden state keeps H channels) and its cell state is
    MATLAB's."""
    H, Po, Pi, C, B, T = 5, 3, 2, 4, 3, 6
    pnet, _ = _projected_and_plain("lstm", H, Po, Pi, C)
    P = pnet.Layers[1]
    x = np.random.default_rng(13).standard_normal((C, B, T))
    G = np.random.default_rng(14).standard_normal((Po, B, T))
    Qo = _data(P.OutputProjector)

    def loss_grads(net):
        Y, _ = forward(net, dl.dlarray(x, "CBT"))
        loss = dl.sum(dl.stripdims(Y) * dl.dlarray(np.einsum("hp,pbt->hbt", Qo, G)), "all")
        return Y, dl.dlgradient(loss, net.Learnables)

    Y, g = dl.dlfeval(loss_grads, pnet)
    m = torch.nn.LSTM(Pi, H, proj_size=Po, dtype=torch.float64)
    t = lambda a: torch.tensor(np.ascontiguousarray(a), dtype=torch.float64,   # noqa: E731
                               requires_grad=True)
    Wt, Rt, bt = t(_data(P.InputWeights)), t(_data(P.RecurrentWeights)), t(_data(P.Bias)[:, 0])
    Qit, Qot = t(_data(P.InputProjector)), t(Qo)
    xt = torch.tensor(x.transpose(2, 1, 0))                     # T x B x C
    out, (hn, cn) = torch.func.functional_call(
        m, {"weight_ih_l0": Wt, "weight_hh_l0": Rt, "bias_ih_l0": bt,
            "bias_hh_l0": torch.zeros(4 * H, dtype=torch.float64), "weight_hr_l0": Qot.T},
        (xt @ Qit,))
    (out * torch.tensor(G.transpose(2, 1, 0))).sum().backward()
    np.testing.assert_allclose(np.einsum("hp,hbt->pbt", Qo, _data(Y)),
                               out.detach().numpy().transpose(2, 1, 0), rtol=1e-10, atol=1e-12)
    for name, tv in (("InputWeights", Wt), ("RecurrentWeights", Rt), ("InputProjector", Qit)):
        np.testing.assert_allclose(_data(g["p", name]), tv.grad.numpy(), rtol=1e-9, atol=1e-12)
    # torch's W_hr also projects the output its loss reads (d/dQo of sum(G .* Qo' Y) =
    # sum over steps and observations of Y G'); our loss took Qo' Y with Qo held constant
    np.testing.assert_allclose(_data(g["p", "OutputProjector"]) +
                               np.einsum("hbt,pbt->hp", _data(Y), G), Qot.grad.numpy(),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_data(g["p", "Bias"])[:, 0], bt.grad.numpy(), rtol=1e-9,
                               atol=1e-12)


def test_projected_layers_with_state_ports():
    """A projected encoder and a projected decoder: the state ports are the plain layer's."""
    lg = layerGraph([dl.sequenceInputLayer(3, Name="x"),
                     lstmProjectedLayer(4, 2, 2, Name="enc", HasStateOutputs=True,
                                        OutputMode="last")])
    lg = addLayers(lg, [dl.sequenceInputLayer(2, Name="y"),
                        lstmProjectedLayer(4, 3, 1, Name="dec", HasStateInputs=True)])
    lg = connectLayers(connectLayers(lg, "enc/hidden", "dec/hidden"), "enc/cell", "dec/cell")
    dl.rng(5)
    net = dlnetwork(lg, Initialize=False, OutputNames=["dec"]).initialize(np.float64)
    X1, X2 = _x(3, 2, 5, seed=1), _x(2, 2, 4, seed=2)
    Y, _ = forward(net, X1, X2)
    e, d = (next(l for l in net.Layers if l.Name == n) for n in ("enc", "dec"))
    z = dl.dlarray(np.zeros((4, 1)))
    _, h, c = dl.lstm(X1, z, z, e.InputWeights @ e.InputProjector.T,
                      e.RecurrentWeights @ e.OutputProjector.T, e.Bias)
    Yr, _, _ = dl.lstm(X2, h, c, d.InputWeights @ d.InputProjector.T,
                       d.RecurrentWeights @ d.OutputProjector.T, d.Bias)
    np.testing.assert_allclose(_data(Y), _data(Yr), rtol=1e-12)


def test_projected_training_step_changes_the_projectors():
    dl.rng(0)
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((3, 7)).astype(np.float32) for _ in range(16)]
    Y = np.array([int(x[0].mean() > 0) for x in X])
    layers = [dl.sequenceInputLayer(3), lstmProjectedLayer(6, 2, 2, OutputMode="last",
                                                           InputProjectorLearnRateFactor=0),
              dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
    dl.rng(0)
    before = dl.SeriesNetwork(layers).Layers[1]
    dl.rng(0)
    opts = dl.trainingOptions("adam", MaxEpochs=2, MiniBatchSize=8, Verbose=False)
    net = dl.trainNetwork(X, Y, layers, opts)
    after = net.Layers[1]
    np.testing.assert_array_equal(_data(after.InputProjector), _data(before.InputProjector))
    assert not np.allclose(_data(after.OutputProjector), _data(before.OutputProjector))


# --------------------------------------------------------------------------
# save / load
# --------------------------------------------------------------------------

def test_save_load_round_trip(tmp_path):
    pytest.importorskip("scipy.io")
    net = _encoder_decoder("lstm", fc=2)
    pnet, _ = _projected_and_plain("gru", ResetGateMode="recurrent-bias-after-multiplication",
                                   HasStateOutputs=True)
    layer = lstmProjectedLayer(7, 3, 2, HasStateInputs=True, InputProjectorL2Factor=0.5,
                               OutputProjectorInitializer="glorot")
    path = tmp_path / "r.mat"
    dl.save(path, net=net, pnet=pnet, layer=layer)
    S = dl.load(path)
    back = S["net"]
    assert list(back.Connections) == list(net.Connections)
    by_name = {l.Name: l for l in back.Layers}
    assert by_name["enc"].HasStateOutputs is True and by_name["enc"].HasStateInputs is False
    assert by_name["dec"].InputNames == ("in", "hidden", "cell")
    assert back.OutputNames == ["fc"]
    X1, X2 = _x(3, 2, 5, seed=1), _x(2, 2, 6, seed=2)
    np.testing.assert_array_equal(_data(dl.predict(net, X1, X2)),
                                  _data(dl.predict(back, X1, X2)))
    pb = S["pnet"]
    assert type(pb.Layers[1]) is GRUProjectedLayer and pb.OutputNames == pnet.OutputNames
    X = _x(4, 2, 3, seed=3)
    for a, b in zip(dl.predict(pnet, X, Outputs=["p/out", "p/hidden"]),
                    dl.predict(pb, X, Outputs=["p/out", "p/hidden"])):
        np.testing.assert_array_equal(_data(a), _data(b))
    lb = S["layer"]
    assert type(lb) is LSTMProjectedLayer and lb.HasStateInputs is True
    assert lb.InputNames == ("in", "hidden", "cell") and lb.InputProjectorL2Factor == 0.5
    assert lb.OutputProjectorInitializer == "glorot" and lb.InputProjectorSize == 2


def test_spatial_input_is_an_error_naming_the_layer():
    class Spatial(dl.Layer):               # gives an image-sequence size (S, S, C)
        def _setup(self, in_size, has_time, dtype):
            return (8, 8, 1), True
    with pytest.raises(ValueError, match=r"Layer 'lstm' \(LSTMLayer\) expects vector sequences"
                                         r".*8x8x1.*flattenLayer"):
        dlnetwork([dl.sequenceInputLayer(64), Spatial(), dl.lstmLayer(3)])
