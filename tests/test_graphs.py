"""DAG networks: layer graphs, connectLayers and the other editors, multi-input and
multi-output dlnetworks, the combination layers (against PyTorch in float64, values and
gradients), the analyzer's graph errors, training on graphs, activations, save/load of
graphs, display, plot and the skip-connection example."""
import importlib.util
import math
import re
import pathlib

import numpy as np
import pytest

import dlarr as dl
from dlarr.layers.combine import (AdditionLayer, additionLayer, concatenationLayer,
                                  multiplicationLayer)
from dlarr.networks.analyze import analyzeNetwork
from dlarr.networks.graph import (LayerGraph, addLayers, connectLayers, disconnectLayers,
                                  layerGraph, removeLayers, replaceLayer)
from dlarr.networks.network import DAGNetwork, dlnetwork, forward
from dlarr.training.activations import activations
from dlarr.training.prediction import classify, predict

try:                       # the comparisons with torch skip without it; the rest runs
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="could not import 'torch'")

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def skip_graph(C=3, H=8, K=2, output=False, mode="sequence"):
    """sequenceInput -> fc -> lstm -> addition(fc, lstm) -> fc -> softmax [-> classification]."""
    layers = [dl.sequenceInputLayer(C, Name="in"), dl.fullyConnectedLayer(H, Name="fc"),
              dl.lstmLayer(H, Name="lstm", OutputMode=mode), additionLayer(2, Name="add"),
              dl.fullyConnectedLayer(K, Name="fc_out"), dl.softmaxLayer(Name="softmax")]
    if output:
        layers.append(dl.classificationLayer(Name="classoutput"))
    return connectLayers(layerGraph(layers), "fc", "add/in2")


def f64_net(lgraph, seed=0):
    dl.rng(seed)
    return dlnetwork(lgraph, Initialize=False).initialize(np.float64)


def data(C=3, B=4, T=6, seed=1):
    return np.random.default_rng(seed).standard_normal((C, B, T))


def values(net):
    return {(l, p): dl.extractdata(v).copy() for l, p, v in net.Learnables}


# ---------------------------------------------------------------------------------------
# the skip connection around an LSTM: values and gradients against torch and differences
# ---------------------------------------------------------------------------------------
def torch_skip(torch, P, x):
    """The same network in torch (float64), its parameters ``P`` leaves."""
    X = torch.tensor(x.transpose(2, 1, 0))                        # T x B x C
    lstm = torch.nn.LSTM(P["fc", "Weights"].shape[0], P["lstm", "RecurrentWeights"].shape[1],
                         dtype=torch.float64)
    h1 = X @ P["fc", "Weights"].T + P["fc", "Bias"][:, 0]
    params = dict(weight_ih_l0=P["lstm", "InputWeights"], weight_hh_l0=P["lstm", "RecurrentWeights"],
                  bias_ih_l0=P["lstm", "Bias"][:, 0], bias_hh_l0=torch.zeros_like(P["lstm", "Bias"][:, 0]))
    hs, _ = torch.func.functional_call(lstm, params, (h1,))
    z = (h1 + hs) @ P["fc_out", "Weights"].T + P["fc_out", "Bias"][:, 0]
    return torch.softmax(z, dim=2)                               # T x B x K


@needs_torch
def test_skip_connection_values_and_gradients_match_torch_float64():
    net = f64_net(skip_graph())
    x, r = data(), np.random.default_rng(2).standard_normal((2, 4, 6))

    def loss_fn(net, X):
        Y, _ = forward(net, X)
        loss = dl.sum(Y * dl.dlarray(r, "CBT"), "all")
        return loss, dl.dlgradient(loss, net.Learnables), Y

    loss, grads, Y = dl.dlfeval(loss_fn, net, dl.dlarray(x, "CBT"))
    assert Y.dims == "CBT" and Y.shape == (2, 4, 6)
    P = {k: torch.tensor(v, requires_grad=True) for k, v in values(net).items()}
    Yt = torch_skip(torch, P, x)
    np.testing.assert_allclose(dl.extractdata(Y), Yt.detach().numpy().transpose(2, 1, 0),
                               rtol=1e-10, atol=1e-12)
    (Yt * torch.tensor(r.transpose(2, 1, 0))).sum().backward()
    for (layer, param, g) in grads:
        np.testing.assert_allclose(dl.extractdata(g), P[layer, param].grad.numpy(),
                                   rtol=1e-8, atol=1e-11, err_msg=f"{layer}.{param}")


def test_skip_connection_gradients_match_finite_differences():
    net = f64_net(skip_graph(), seed=3)
    x, r = data(B=2, T=4, seed=4), np.random.default_rng(5).standard_normal((2, 2, 4))
    X = dl.dlarray(x, "CBT")

    def f(n):
        Y, _ = forward(n, X)
        return float(dl.sum(Y * dl.dlarray(r, "CBT"), "all"))

    def loss_fn(n):
        Y, _ = forward(n, X)
        loss = dl.sum(Y * dl.dlarray(r, "CBT"), "all")
        return dl.dlgradient(loss, n.Learnables)

    grads = dl.dlfeval(loss_fn, net)
    base = [dl.extractdata(v) for v in net.Learnables.Value]
    rng = np.random.default_rng(6)
    eps = 1e-6
    for k, (layer, param, g) in enumerate(grads):
        for idx in [tuple(rng.integers(0, n) for n in base[k].shape) for _ in range(3)]:
            shifted = []
            for sign in (1, -1):
                vals = [b.copy() for b in base]
                vals[k][idx] += sign * eps
                n2 = net._copy()
                n2.Learnables = [dl.dlarray(v) for v in vals]
                shifted.append(f(n2))
            numeric = (shifted[0] - shifted[1]) / (2 * eps)
            assert math.isclose(dl.extractdata(g)[idx], numeric, rel_tol=1e-5, abs_tol=1e-8), \
                (layer, param, idx)


def test_skip_graph_trains_with_trainNetwork_into_a_DAGNetwork():
    rng = np.random.default_rng(7)
    X = [rng.standard_normal((3, int(n))) for n in rng.integers(6, 10, 48)]
    labels = ["up" if x[0].mean() > 0 else "down" for x in X]
    Y = [dl.categorical([y] * x.shape[1], ["down", "up"]) for x, y in zip(X, labels)]
    dl.rng(0)
    opts = dl.trainingOptions("adam", MaxEpochs=12, MiniBatchSize=16, InitialLearnRate=0.02,
                              Verbose=False)
    net, info = dl.trainNetwork(X, Y, skip_graph(output=True), opts, nargout=2)
    assert type(net) is DAGNetwork and net.OutputNames == ["classoutput"]
    assert net.Connections.Destination[-1] == "add/in2"
    loss = np.asarray(info.TrainingLoss)
    assert loss[-3:].mean() < 0.7 * loss[:3].mean()
    pred = classify(net, X)
    last = np.mean([str(p[-1]) == y for p, y in zip(pred, labels)])
    assert last > 0.8
    a = analyzeNetwork(net, Plots="none")
    assert a.Issues == () and a.LayerTable[3].ActivationSizes == (8, 1, 1)


def test_trainnet_on_a_connected_uninitialized_dlnetwork():
    rng = np.random.default_rng(8)
    X = [rng.standard_normal((3, 7)) for _ in range(32)]
    T = np.stack([x.mean(axis=1)[:2] for x in X])
    layers = [dl.sequenceInputLayer(3), dl.fullyConnectedLayer(8, Name="fc"),
              dl.lstmLayer(8, OutputMode="last", Name="lstm"), additionLayer(2, Name="add"),
              dl.fullyConnectedLayer(2)]
    net = dlnetwork(layers, Initialize=False)                 # R2024a's way
    net = connectLayers(net, "lstm", "add/in2")               # lstm + lstm: 2 x the lstm
    assert not net.Initialized
    dl.rng(1)
    opts = dl.trainingOptions("adam", MaxEpochs=20, MiniBatchSize=8, Verbose=False,
                              InitialLearnRate=0.01)
    trained, info = dl.trainnet(X, T, net, "mse", opts, nargout=2)
    h = info.TrainingHistory.TrainingLoss
    assert trained.Initialized and not net.Initialized
    assert np.mean(h[-4:]) < 0.5 * np.mean(h[:4])


def test_training_refuses_several_inputs():
    net = two_input_net()
    opts = dl.trainingOptions("adam", MaxEpochs=1, Verbose=False)
    with pytest.raises(ValueError, match=r"^trainnet: the network has 2 inputs .*one input and "
                                         r"one output"):
        dl.trainnet([np.ones((3, 4))] * 4, np.ones((4, 6)), net, "mse", opts)


# ---------------------------------------------------------------------------------------
# concatenation and multiplication
# ---------------------------------------------------------------------------------------
@needs_torch
def test_concatenation_of_channels_against_torch():
    lgraph = layerGraph([dl.sequenceInputLayer(3, Name="in"), dl.fullyConnectedLayer(5, Name="fc"),
                         concatenationLayer(1, 2, Name="cat"), dl.fullyConnectedLayer(2, Name="out")])
    lgraph = connectLayers(lgraph, "in", "cat/in2")
    net = f64_net(lgraph)
    assert net.Layers[3].Weights.shape == (2, 8)                 # 5 + 3 channels
    a = analyzeNetwork(lgraph, TargetUsage="dlnetwork", Plots="none")
    assert (a.LayerTable[2].ActivationSizes, a.LayerTable[2].ActivationFormats) == ((8, 1, 1), "CBT")
    x = data()
    P = {k: torch.tensor(v, requires_grad=True) for k, v in values(net).items()}
    Xt = torch.tensor(x.transpose(2, 1, 0), requires_grad=True)
    Zt = torch.cat([Xt @ P["fc", "Weights"].T + P["fc", "Bias"][:, 0], Xt], dim=2)
    Yt = Zt @ P["out", "Weights"].T + P["out", "Bias"][:, 0]
    (Yt ** 2).sum().backward()

    def loss_fn(net, X):
        Y, _ = forward(net, X)
        loss = dl.sum(Y * Y, "all")
        return (Y, *dl.dlgradient(loss, net.Learnables, X))

    Y, g, gx = dl.dlfeval(loss_fn, net, dl.dlarray(x, "CBT"))
    np.testing.assert_allclose(dl.extractdata(Y), Yt.detach().numpy().transpose(2, 1, 0), rtol=1e-12)
    for layer, param, v in g:
        np.testing.assert_allclose(dl.extractdata(v), P[layer, param].grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(dl.extractdata(gx), Xt.grad.numpy().transpose(2, 1, 0), rtol=1e-10)


@needs_torch
def test_multiplication_gate_with_expansion_against_torch():
    lgraph = layerGraph([dl.sequenceInputLayer(3, Name="in"), dl.fullyConnectedLayer(4, Name="fc"),
                         multiplicationLayer(2, Name="mul")])
    lgraph = addLayers(lgraph, [dl.fullyConnectedLayer(1, Name="gate"), dl.sigmoidLayer(Name="sig")])
    lgraph = connectLayers(connectLayers(lgraph, "in", "gate"), "sig", "mul/in2")
    net = f64_net(lgraph)
    x = data()
    P = {k: torch.tensor(v, requires_grad=True) for k, v in values(net).items()}
    Xt = torch.tensor(x.transpose(2, 1, 0))
    Yt = (Xt @ P["fc", "Weights"].T + P["fc", "Bias"][:, 0]) * \
        torch.sigmoid(Xt @ P["gate", "Weights"].T + P["gate", "Bias"][:, 0])   # 1 channel expands
    Yt.sum().backward()

    def loss_fn(net, X):
        Y, _ = forward(net, X)
        return Y, dl.dlgradient(dl.sum(Y, "all"), net.Learnables)

    Y, g = dl.dlfeval(loss_fn, net, dl.dlarray(x, "CBT"))
    assert Y.shape == (4, 4, 6)
    np.testing.assert_allclose(dl.extractdata(Y), Yt.detach().numpy().transpose(2, 1, 0), rtol=1e-12)
    for layer, param, v in g:
        np.testing.assert_allclose(dl.extractdata(v), P[layer, param].grad.numpy(), rtol=1e-10)


def test_combination_layers_properties_and_display():
    a = additionLayer(3, "Name", "add")
    assert (a.NumInputs, a.InputNames, a.NumOutputs, a.OutputNames) == (3, ("in1", "in2", "in3"),
                                                                         1, ("out",))
    assert "InputNames: ['in1' 'in2' 'in3']" in repr(a) and repr(a).startswith("AdditionLayer")
    c = concatenationLayer(1, 2)
    assert (c.Dim, c._description()) == (1, "Concatenation of 2 inputs along dimension 1")
    assert multiplicationLayer(2)._description() == "Element-wise multiplication of 2 inputs"
    with pytest.raises(AttributeError, match="NumInputs is read-only"):
        a.NumInputs = 4
    with pytest.raises(ValueError, match=r"AdditionLayer: NumInputs must be an integer greater "
                                         r"than or equal to 2, not 1"):
        additionLayer(1)
    with pytest.raises(ValueError, match=r"ConcatenationLayer: Dim must be a positive integer"):
        concatenationLayer(0, 2)
    net = dlnetwork(connectLayers(layerGraph([dl.sequenceInputLayer(2), additionLayer(2)]),
                                  "sequenceinput", "addition/in2"))
    assert net.Layers[1].Name == "addition"
    bad = connectLayers(layerGraph([dl.sequenceInputLayer(2), dl.lstmLayer(3),
                                    concatenationLayer(2, 2, Name="cat")]), "sequenceinput", "cat/in2")
    with pytest.raises(ValueError, match=r"Layer 'cat' \(ConcatenationLayer\): Dim is 2 .*Dim 1 "
                                         r"\(the channels\)"):
        dlnetwork(bad)


# ---------------------------------------------------------------------------------------
# several inputs and outputs
# ---------------------------------------------------------------------------------------
def two_input_net():
    """Two sequence inputs (3 and 4 channels) -> fc 5 each -> add -> fc 2; the branch
    'fcb' is a second output."""
    lgraph = layerGraph([dl.sequenceInputLayer(3, Name="a"), dl.fullyConnectedLayer(5, Name="fca"),
                         additionLayer(2, Name="add"), dl.fullyConnectedLayer(2, Name="out")])
    lgraph = addLayers(lgraph, [dl.sequenceInputLayer(4, Name="b"),
                                dl.fullyConnectedLayer(5, Name="fcb")])
    lgraph = connectLayers(lgraph, "fcb", "add/in2")
    dl.rng(2)
    return dlnetwork(lgraph, OutputNames=["out", "fcb"])


def test_multi_input_multi_output_forward_and_predict():
    net = two_input_net()
    assert net.InputNames == ["a", "b"] and net.OutputNames == ["out", "fcb"]
    x1 = np.random.default_rng(9).standard_normal((3, 2, 5)).astype(np.float32)
    x2 = np.random.default_rng(10).standard_normal((4, 2, 5)).astype(np.float32)
    X1, X2 = dl.dlarray(x1, "CBT"), dl.dlarray(x2, "CBT")
    Y, Yb, state = forward(net, X1, X2)
    P = values(net)
    fca = np.einsum("oc,cbt->obt", P["fca", "Weights"], x1) + P["fca", "Bias"][:, :, None]
    fcb = np.einsum("oc,cbt->obt", P["fcb", "Weights"], x2) + P["fcb", "Bias"][:, :, None]
    out = np.einsum("oc,cbt->obt", P["out", "Weights"], fca + fcb) + P["out", "Bias"][:, :, None]
    np.testing.assert_allclose(dl.extractdata(Y), out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dl.extractdata(Yb), fcb, rtol=1e-5, atol=1e-6)
    assert len(state) == 0
    A, B = forward(net, X1, X2, "Outputs", ["add", "fca"])[:2]
    np.testing.assert_allclose(dl.extractdata(A), fca + fcb, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dl.extractdata(B), fca, rtol=1e-5, atol=1e-6)
    Yp, Ybp = predict(net, X1, X2)
    np.testing.assert_array_equal(dl.extractdata(Yp), dl.extractdata(Y))
    assert len(predict(net, X1, X2, Outputs="add", nargout=2)) == 2          # + the state
    with pytest.raises(TypeError, match=r"^forward: the network has 2 inputs \('a', 'b'\); give "
                                        r"one X per input, not 1"):
        forward(net, X1)
    with pytest.raises(ValueError, match=r"^forward: input layer 'b' expects 4 channels \('C'\); "
                                         r"X2 has format 'CBT'"):
        forward(net, X1, X1)
    with pytest.raises(ValueError, match=r"^forward: Outputs 'nope': there is no layer named"):
        forward(net, X1, X2, Outputs="nope")
    with pytest.raises(ValueError, match=r"^predict: nargout must be one of 2, 3"):
        predict(net, X1, X2, nargout=1)


def test_a_series_chain_is_unchanged():
    layers = [dl.sequenceInputLayer(3), dl.lstmLayer(4), dl.fullyConnectedLayer(2)]
    net = dlnetwork(layers)
    assert net._plan.chain and "Connections" not in repr(net)
    assert net.Connections.Destination == ["lstm", "fc"]
    graph_net = dlnetwork(layerGraph(layers))            # the same chain, from a layer graph
    assert graph_net._plan.chain and [l.Name for l in graph_net.Layers] == ["sequenceinput",
                                                                            "lstm", "fc"]


# ---------------------------------------------------------------------------------------
# editing: connect, disconnect, replace, remove, add
# ---------------------------------------------------------------------------------------
def test_connect_disconnect_replace_remove():
    lg = skip_graph()
    assert lg.Connections.Source == ["in", "fc", "lstm", "add", "fc_out", "fc"]
    assert lg.Connections.Destination == ["fc", "lstm", "add/in1", "fc_out", "softmax", "add/in2"]
    assert lg.InputNames == ["in"] and lg.OutputNames == []
    lg2 = disconnectLayers(lg, "fc", "add/in2")
    assert len(lg2.Connections) == 5 and len(lg.Connections) == 6        # a new graph
    lg3 = replaceLayer(lg, "lstm", [dl.lstmLayer(8, Name="l1"), dl.dropoutLayer(0.1, Name="drop")])
    assert [l.Name for l in lg3.Layers] == ["in", "fc", "l1", "drop", "add", "fc_out", "softmax"]
    assert ("fc", "l1") in list(lg3.Connections) and ("drop", "add/in1") in list(lg3.Connections)
    lg4 = replaceLayer(lg, "add", multiplicationLayer(2, Name="mul"), ReconnectBy="order")
    assert ("fc", "mul/in2") in list(lg4.Connections)
    lg5 = removeLayers(lg, ["lstm", "softmax"])
    assert ("fc", "add/in2") in list(lg5.Connections) and len(lg5.Connections) == 3
    with pytest.raises(ValueError, match=r"^replaceLayer: layer 'add' has a connected input "
                                         r"'in1', but 'fc9' .*has no input of that name"):
        replaceLayer(lg, "add", dl.fullyConnectedLayer(2, Name="fc9"))
    with pytest.raises(ValueError, match=r"^disconnectLayers: there is no connection from 'in' "
                                         r"to 'lstm'"):
        disconnectLayers(lg, "in", "lstm")
    with pytest.raises(ValueError, match=r"^removeLayers: layerNames: there is no layer named "
                                         r"'x'"):
        removeLayers(lg, "x")
    with pytest.raises(ValueError, match=r"^addLayers: layer name 'fc' is the name of a layer"):
        addLayers(lg, dl.fullyConnectedLayer(2, Name="fc"))
    with pytest.raises(TypeError, match=r"^connectLayers: lgraph must be a LayerGraph or a "
                                        r"dlnetwork, not a list"):
        connectLayers([1], "a", "b")


def test_connectLayers_errors_name_the_layer_and_port():
    lg = skip_graph()
    cases = [(("nofc", "lstm"), r"s 'nofc': there is no layer named 'nofc'; the layers are 'in', "),
             (("fc", "add"), r"d 'add': layer 'add' \(AdditionLayer\) has 2 inputs \(in1, in2\); "
                             r"name one, e.g. 'add/in2'"),
             (("fc", "add/in3"), r"d 'add/in3': layer 'add' \(AdditionLayer\) has no input "
                                 r"'in3'; its inputs are 'in1', 'in2'"),
             (("fc/x", "lstm"), r"s 'fc/x': layer 'fc' .*has no output 'x'; its outputs are 'out'"),
             (("fc", "in"), r"d 'in': layer 'in' \(SequenceInputLayer\) has no inputs"),
             (("lstm", "add/in2"), r"d 'add/in2': input 'in2' of layer 'add' is already "
                                   r"connected to 'fc'; an input takes one connection")]
    for (s, d), msg in cases:
        with pytest.raises(ValueError, match="^connectLayers: " + msg):
            connectLayers(lg, s, d)
    with pytest.raises(ValueError, match=r"^layerGraph: layer names must be unique; repeated: "
                                         r"\['a'\]"):
        layerGraph([dl.sequenceInputLayer(2, Name="a"), dl.reluLayer(Name="a")])


def test_edited_dlnetwork_comes_back_uninitialized_and_keeps_learnables():
    dl.rng(4)
    net = dlnetwork([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(4, Name="fc"),
                     dl.reluLayer(Name="act"), dl.fullyConnectedLayer(2, Name="fc2")])
    W = dl.extractdata(net.Learnables["fc", "Weights"])
    new = replaceLayer(net, "act", dl.tanhLayer(Name="act"))
    assert type(new) is dlnetwork and not new.Initialized and net.Initialized
    new = dl.initialize(new)
    np.testing.assert_array_equal(dl.extractdata(new.Learnables["fc", "Weights"]), W)
    with pytest.raises(TypeError, match=r"^disconnectLayers: a DAGNetwork is not edited; edit its "
                                        r"layer graph, lgraph = dl.layerGraph\(net\)"):
        disconnectLayers(DAGNetwork(skip_graph(output=True)), "fc", "add/in2")


# ---------------------------------------------------------------------------------------
# the analyzer's graph errors, and the network's
# ---------------------------------------------------------------------------------------
def the_error(a, layer, text):
    found = [i for i in a.Issues if layer in i.LayerNames and text in i.Description]
    assert len(found) == 1 and found[0].Severity == "Error", (layer, text, a.Issues)
    assert f"'{layer}'" in found[0].Description
    return found[0]


def test_analyzer_graph_errors():
    lg = disconnectLayers(skip_graph(), "fc", "add/in2")
    a = analyzeNetwork(lg, TargetUsage="dlnetwork", Plots="none")
    the_error(a, "add", "Unconnected input. Input 'in2' of layer 'add'")
    assert math.isnan(a.TotalLearnables) and a.LayerTable[3].ActivationSizes is None
    cyc = connectLayers(disconnectLayers(skip_graph(), "in", "fc"), "add", "fc")
    b = analyzeNetwork(cyc, TargetUsage="dlnetwork", Plots="none")
    issue = [i for i in b.Issues if "Cycle" in i.Description][0]
    assert {"fc", "add"} <= set(issue.LayerNames) and "'add' -> 'fc'" in issue.Description
    mismatch = connectLayers(layerGraph([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(8, Name="fc"),
                                         additionLayer(2, Name="add")]), "sequenceinput", "add/in2")
    c = analyzeNetwork(mismatch, TargetUsage="dlnetwork", Plots="none")
    issue = the_error(c, "add", "input size mismatch")
    assert "in1 8 channels, in2 3 channels" in issue.Description
    assert "in1 from 'fc', in2 from 'sequenceinput'" in issue.Description
    d = analyzeNetwork([dl.sequenceInputLayer(3, Name="x"), dl.fullyConnectedLayer(2, Name="x")],
                       TargetUsage="dlnetwork", Plots="none")
    assert "Duplicate layer name" in d.Issues[0].Description
    e = analyzeNetwork(skip_graph(), Plots="none")               # trainNetwork: needs an output
    assert any("Missing output layer" in i.Description for i in e.Issues)
    the_error(e, "softmax", "Unconnected output")
    f = analyzeNetwork(addLayers(skip_graph(output=True), dl.fullyConnectedLayer(2, Name="loose")),
                       Plots="none")
    the_error(f, "loose", "Unconnected input")
    the_error(f, "loose", "Unconnected output")
    g = analyzeNetwork(removeLayers(skip_graph(output=True), "softmax"), Plots="none")
    the_error(g, "classoutput", "Unconnected input")
    assert analyzeNetwork(skip_graph(output=True), Plots="none").Issues == ()


def test_network_construction_errors_name_the_layers():
    with pytest.raises(ValueError, match=r"^dlnetwork: layer 'add' \(AdditionLayer\): input 'in2' "
                                         r"is not connected"):
        dlnetwork(disconnectLayers(skip_graph(), "fc", "add/in2"))
    cyc = connectLayers(disconnectLayers(skip_graph(), "in", "fc"), "add", "fc")
    with pytest.raises(ValueError, match=r"^dlnetwork: the layer graph has a cycle: .*'add' -> "
                                         r"'fc'"):
        dlnetwork(cyc)
    assert not dlnetwork(cyc, Initialize=False).Initialized        # editable until initialized
    with pytest.raises(ValueError, match=r"Layer 'add' \(AdditionLayer\): input size mismatch: "
                                         r"in1 8 channels, in2 3 channels"):
        dlnetwork(connectLayers(layerGraph([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(8),
                                            additionLayer(2, Name="add")]),
                                "sequenceinput", "add/in2"))
    with pytest.raises(ValueError, match=r"^DAGNetwork: the output of layer 'fc_out' is not "
                                         r"connected"):
        DAGNetwork(addLayers(removeLayers(skip_graph(), "softmax"),
                             [dl.softmaxLayer(Name="s2"), dl.classificationLayer()]))
    with pytest.raises(ValueError, match=r"^SeriesNetwork: the layers are a graph"):
        dl.SeriesNetwork(skip_graph(output=True))


# ---------------------------------------------------------------------------------------
# activations, save/load, display, plot, ONNX export refused, the example
# ---------------------------------------------------------------------------------------
def test_activations_of_an_lstm_layer():
    dl.rng(5)
    layers = [dl.sequenceInputLayer(3), dl.lstmLayer(6, Name="lstm"), dl.fullyConnectedLayer(2),
              dl.softmaxLayer(), dl.classificationLayer(Classes=["a", "b"])]
    net = dl.SeriesNetwork(layers)
    rng = np.random.default_rng(11)
    X = [rng.standard_normal((3, n)) for n in (5, 8)]
    acts = activations(net, X, "lstm", "MiniBatchSize", 2)
    assert [a.shape for a in acts] == [(6, 5), (6, 8)]
    lone = dl.lstm(dl.dlarray(X[0][:, None, :].astype(np.float32), "CBT"), np.zeros((6, 1), "f"),
                   np.zeros((6, 1), "f"), *(net.Layers[1].InputWeights, net.Layers[1].RecurrentWeights,
                                            net.Layers[1].Bias))[0]
    np.testing.assert_allclose(acts[0], dl.extractdata(lone)[:, 0, :], rtol=1e-5, atol=1e-6)
    assert activations(net, X[1], "lstm").shape == (6, 8)           # one sequence: one array
    out = activations(net, X, "classoutput")                       # an output layer: its input
    np.testing.assert_allclose(out[1], predict(net, X)[1], rtol=1e-6)
    lg = layerGraph([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(4, Name="fc"),
                     dl.lstmLayer(4, OutputMode="last", Name="lstm"), additionLayer(2, Name="add"),
                     dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()])
    last = DAGNetwork(connectLayers(lg, "lstm", "add/in2"))           # lstm + lstm
    assert activations(last, X, "lstm").shape == (4, 2)               # C x N
    assert activations(last, X, "add", OutputAs="rows").shape == (2, 4)
    with pytest.raises(ValueError, match=r"^activations: OutputAs 'rows' is for layers without a "
                                         r"time dimension"):
        activations(net, X, "lstm", OutputAs="rows")
    with pytest.raises(ValueError, match=r"^activations: layer 'nope': there is no layer named"):
        activations(net, X, "nope")


@pytest.mark.parametrize("version", ["-v7", "-v7.3"])
def test_save_load_round_trip_of_graphs(tmp_path, version):
    pytest.importorskip("scipy.io")
    if version == "-v7.3":
        pytest.importorskip("h5py")
    net = two_input_net()
    dag = DAGNetwork(skip_graph(output=True))
    path = tmp_path / "g.mat"
    dl.save(path, version, net=net, lgraph=skip_graph(), dag=dag)
    S = dl.load(path)
    assert type(S["lgraph"]) is LayerGraph
    assert list(S["lgraph"].Connections) == list(skip_graph().Connections)
    back = S["net"]
    assert back.OutputNames == ["out", "fcb"] and list(back.Connections) == list(net.Connections)
    X1 = dl.dlarray(np.random.default_rng(12).standard_normal((3, 2, 4)).astype(np.float32), "CBT")
    X2 = dl.dlarray(np.random.default_rng(13).standard_normal((4, 2, 4)).astype(np.float32), "CBT")
    for a, b in zip(predict(net, X1, X2), predict(back, X1, X2)):
        assert dl.extractdata(a).tobytes() == dl.extractdata(b).tobytes()
    X = [np.random.default_rng(14).standard_normal((3, 6))]
    assert predict(S["dag"], X)[0].tobytes() == predict(dag, X)[0].tobytes()
    assert type(S["dag"]) is DAGNetwork


def test_bad_connections_in_a_file_are_clear_errors(tmp_path):
    pytest.importorskip("scipy.io")
    from dlarr.io import codecs, matfile
    from dlarr.io.matfile import MatFileError
    for change, message in [
            (lambda p: p["Connections"]["Destination"].__setitem__((5, 0), "add/in9"),
             r"variable 'g': .*Connections\{6\}: Destination 'add/in9': layer 'add' "
             r"\(AdditionLayer\) has no input 'in9'"),
            (lambda p: p["Connections"]["Source"].__setitem__((5, 0), "nolayer"),
             r"Source 'nolayer': there is no layer named 'nolayer'"),
            (lambda p: p["Connections"]["Destination"].__setitem__((5, 0), "add/in1"),
             r"input 'in1' of layer 'add' has more than one connection")]:
        plain = codecs.encode(dlnetwork(skip_graph()), "g")
        change(plain)
        matfile.write(tmp_path / "bad.mat", {"g": plain})
        with pytest.raises(MatFileError, match=message):
            dl.load(tmp_path / "bad.mat")


def test_display_of_graphs(capsys):
    lg = skip_graph()
    dl.disp(lg)
    text = capsys.readouterr().out
    assert text.startswith("LayerGraph with properties:") and "Connections: [6x2 table]" in text
    assert re.search(r"'fc'\s+'add/in2'\n", text) and "     4   'add'" in text
    net = dlnetwork(lg)
    text = repr(net)
    assert "Connections: [6x2 table]" in text and "InputNames: {'in'}" in text
    assert "OutputNames: {'softmax'}" in text and "Element-wise addition of 2 inputs" in text


def test_plot_writes_a_png(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from dlarr.networks.graphplot import plot
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    fig = plot(skip_graph())
    assert fig.saved_file == str(tmp_path / "layergraph.png")
    assert (tmp_path / "layergraph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot(dlnetwork(skip_graph()), File=False).saved_file is None


def test_onnx_export_of_a_graph_runs_in_onnx_runtime(tmp_path):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    dl.rng(0)
    net = dlnetwork(skip_graph())                     # single, as ONNX Runtime's LSTM needs
    dl.exportONNXNetwork(net, tmp_path / "g.onnx", OpsetVersion=13)
    onnx.checker.check_model(onnx.load(str(tmp_path / "g.onnx")), full_check=True)
    X = np.asarray(data(), np.float32)
    s = ort.InferenceSession(str(tmp_path / "g.onnx"), providers=["CPUExecutionProvider"])
    got = s.run(None, {"in": np.transpose(X, (2, 1, 0))})[0]
    want = dl.extractdata(dl.predict(net, dl.dlarray(X, "CBT")))
    np.testing.assert_allclose(np.transpose(got, (2, 1, 0)), want, rtol=1e-4, atol=1e-6)


def test_the_skip_connection_example_runs_and_learns():
    spec = importlib.util.spec_from_file_location("ex", EXAMPLES / "lstm_skip_connection.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    acc, net = mod.main(maxEpochs=6, numTrain=270, verbose=False)
    assert type(net) is DAGNetwork and isinstance(net.Layers[3], AdditionLayer)
    assert acc > 0.6
