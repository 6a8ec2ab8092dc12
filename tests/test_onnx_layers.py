"""exportONNXNetwork of the activation, normalization, 1-D convolution and pooling,
combination, flatten, embedding and attention layers, and of layer graphs (skip
connections, several inputs and outputs): each network is exported, passes the ONNX
checker, and ONNX Runtime's outputs agree with dl.predict in float32."""
import math

import numpy as np
import pytest

import dlarr as dl
from dlarr.layers.activation import (clippedReluLayer, eluLayer, geluLayer, leakyReluLayer,
                                     swishLayer)
from dlarr.layers.attention import (positionEmbeddingLayer, selfAttentionLayer,
                                    wordEmbeddingLayer)
from dlarr.layers.combine import additionLayer, concatenationLayer, multiplicationLayer
from dlarr.layers.conv import (averagePooling1dLayer, convolution1dLayer,
                               globalAveragePooling1dLayer, globalMaxPooling1dLayer,
                               maxPooling1dLayer)
from dlarr.layers.flatten import flattenLayer
from dlarr.layers.normalization import batchNormalizationLayer, layerNormalizationLayer
from dlarr.networks.graph import connectLayers, layerGraph

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

C, B, T = 3, 2, 7


def _x(seed=0, C=C, T=T):
    return np.random.default_rng(seed).standard_normal((C, B, T)).astype(np.float32)


def _export(net, tmp_path, opset):
    path = tmp_path / "net.onnx"
    dl.exportONNXNetwork(net, path, OpsetVersion=opset)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]), model


def _to_matlab(y):
    """[T, B, K] -> K x B x T; [B, K] -> K x B."""
    return np.transpose(y, (2, 1, 0)) if y.ndim == 3 else y.T


def _compare(net, xs, tmp_path, opset, rtol=1e-4, atol=1e-5):
    session, model = _export(net, tmp_path, opset)
    feeds = {i.name: np.transpose(x, (2, 1, 0)) for i, x in zip(model.graph.input, xs)}
    got = session.run(None, feeds)
    want = dl.predict(net, *[dl.dlarray(x, "CBT") for x in xs])
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        w = dl.extractdata(w)
        np.testing.assert_allclose(_to_matlab(g), w.reshape(_to_matlab(g).shape), rtol=rtol,
                                   atol=atol)
        assert np.abs(w).max() > 1e-3                # not an all-zero comparison
    return model


def _chain(*layers, seed=0):
    dl.rng(seed)
    return dl.dlnetwork([dl.sequenceInputLayer(C)] + list(layers))


ACTIVATIONS = {
    "relu": lambda: dl.reluLayer(), "tanh": lambda: dl.tanhLayer(),
    "sigmoid": lambda: dl.sigmoidLayer(), "leaky": lambda: leakyReluLayer(0.2),
    "clipped": lambda: clippedReluLayer(0.7), "elu": lambda: eluLayer(0.5),
    "gelu": lambda: geluLayer(), "gelu-tanh": lambda: geluLayer(Approximation="tanh"),
    "swish": lambda: swishLayer(),
}


@pytest.mark.parametrize("opset", [9, 13, 20])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations(name, opset, tmp_path):
    net = _chain(dl.fullyConnectedLayer(5), ACTIVATIONS[name]())
    model = _compare(net, [3 * _x()], tmp_path, opset)
    ops = {n.op_type for n in model.graph.node}
    if name == "gelu":
        assert ("Gelu" in ops) == (opset >= 20) and ("Erf" in ops) == (opset < 20)
    if name == "swish":
        assert {"Sigmoid", "Mul"} <= ops


def test_gelu_formula_is_the_closed_form():
    x = np.linspace(-4, 4, 9)
    from scipy.special import erf
    exact = 0.5 * x * (1 + erf(x / math.sqrt(2)))
    net = dl.dlnetwork([dl.sequenceInputLayer(1), geluLayer()], Initialize=False)
    net = net.initialize(np.float64)
    y = dl.extractdata(dl.predict(net, dl.dlarray(x.reshape(1, 1, -1), "CBT")))
    np.testing.assert_allclose(y.ravel(), exact, rtol=1e-12)


@pytest.mark.parametrize("opset", [9, 13])
def test_batchnorm_uses_trained_statistics(opset, tmp_path):
    rng = np.random.default_rng(3)
    bn = batchNormalizationLayer(TrainedMean=rng.standard_normal((5, 1)),
                                 TrainedVariance=rng.uniform(0.5, 2, (5, 1)),
                                 Offset=rng.standard_normal((5, 1)),
                                 Scale=rng.standard_normal((5, 1)), Epsilon=1e-3)
    net = _chain(dl.fullyConnectedLayer(5), bn)
    model = _compare(net, [_x()], tmp_path, opset)
    assert "BatchNormalization" in {n.op_type for n in model.graph.node}
    # also after a global pool: [B, C] data, no Transpose around it
    net = _chain(dl.fullyConnectedLayer(5), globalAveragePooling1dLayer(), bn)
    _compare(net, [_x()], tmp_path, opset)


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_layernorm(opset, tmp_path):
    rng = np.random.default_rng(4)
    ln = layerNormalizationLayer(Offset=rng.standard_normal((5, 1)),
                                 Scale=rng.standard_normal((5, 1)))
    model = _compare(_chain(dl.fullyConnectedLayer(5), ln), [_x()], tmp_path, opset)
    assert ("LayerNormalization" in {n.op_type for n in model.graph.node}) == (opset >= 17)


CONVS = {
    "none": dict(), "manual": dict(Padding=[1, 2]), "causal": dict(Padding="causal"),
    "causal-dilated": dict(Padding="causal", DilationFactor=2),
    "same": dict(Padding="same"), "same-stride": dict(Padding="same", Stride=2),
    "stride-dilation": dict(Stride=2, DilationFactor=2, Padding=1),
    "value": dict(Padding=[2, 1], PaddingValue=1.5),
    "replicate": dict(Padding=[2, 1], PaddingValue="replicate"),
    "reflect": dict(Padding=[2, 2], PaddingValue="symmetric-exclude-edge"),
}


@pytest.mark.parametrize("opset", [8, 13])
@pytest.mark.parametrize("case", sorted(CONVS))
def test_conv1d(case, opset, tmp_path):
    dl.rng(1)
    net = _chain(convolution1dLayer(3, 4, **CONVS[case]))
    _compare(net, [_x()], tmp_path, opset)


def test_conv1d_unexportable_padding_names_the_layer(tmp_path):
    net = _chain(convolution1dLayer(3, 4, Padding=1, PaddingValue="symmetric-include-edge",
                                    Name="c1"))
    with pytest.raises(ValueError, match=r"layer 'c1' \(Convolution1DLayer\).*symmetric"):
        dl.exportONNXNetwork(net, tmp_path / "x.onnx")
    net = _chain(convolution1dLayer(3, 4, Padding="same", PaddingValue=2, Name="c2"))
    with pytest.raises(ValueError, match=r"layer 'c2'.*'same' padding"):
        dl.exportONNXNetwork(net, tmp_path / "x.onnx")


POOLS = {
    "max": lambda: maxPooling1dLayer(2), "max-same": lambda: maxPooling1dLayer(3, Stride=2,
                                                                                Padding="same"),
    "max-pad": lambda: maxPooling1dLayer(3, Padding=[1, 2]),
    "avg": lambda: averagePooling1dLayer(3, Stride=2),
    "avg-pad": lambda: averagePooling1dLayer(3, Padding=[2, 1]),
    "avg-mean": lambda: averagePooling1dLayer(3, Padding=[2, 1], PaddingValue="mean"),
    "global-avg": lambda: globalAveragePooling1dLayer(),
    "global-max": lambda: globalMaxPooling1dLayer(),
}


@pytest.mark.parametrize("opset", [10, 13])
@pytest.mark.parametrize("case", sorted(POOLS))
def test_pools(case, opset, tmp_path):
    model = _compare(_chain(dl.fullyConnectedLayer(4), POOLS[case]()), [_x()], tmp_path, opset)
    if case.startswith("global"):
        assert len(model.graph.output[0].type.tensor_type.shape.dim) == 2      # [B, C]


def test_flatten_of_sequences_is_the_identity(tmp_path):
    _compare(_chain(dl.fullyConnectedLayer(4), flattenLayer(), dl.reluLayer()), [_x()],
             tmp_path, 13)


@pytest.mark.parametrize("mode", ["map-to-last", "error"])
def test_word_embedding_uses_matlabs_indices(mode, tmp_path):
    dl.rng(2)
    net = dl.dlnetwork([dl.sequenceInputLayer(1), wordEmbeddingLayer(4, 5, OOVMode=mode)])
    hi = 7 if mode == "map-to-last" else 5                    # 6, 7: out of vocabulary
    x = np.random.default_rng(5).integers(1, hi + 1, (1, B, T)).astype(np.float32)
    model = _compare(net, [x], tmp_path, 13)
    assert "Gather" in {n.op_type for n in model.graph.node}


def _position_graph():
    dl.rng(3)
    layers = [dl.sequenceInputLayer(C, Name="in"), dl.fullyConnectedLayer(6, Name="fc"),
              positionEmbeddingLayer(6, 10, Name="pos"), additionLayer(2, Name="add"),
              selfAttentionLayer(2, 4, Name="att"), dl.fullyConnectedLayer(2, Name="out")]
    lg = layerGraph(layers)
    lg = dl.disconnectLayers(lg, "fc", "pos")
    lg = connectLayers(lg, "in", "pos")
    return connectLayers(lg, "fc", "add/in2")


@pytest.mark.parametrize("opset", [13, 17])
def test_position_embedding_and_self_attention(opset, tmp_path):
    net = dl.dlnetwork(_position_graph())
    model = _compare(net, [_x()], tmp_path, opset)
    ops = [n.op_type for n in model.graph.node]
    assert "Softmax" in ops and "Expand" in ops


def test_causal_attention_is_refused_naming_the_layer(tmp_path):
    net = _chain(selfAttentionLayer(1, 4, AttentionMask="causal", Name="att"))
    with pytest.raises(ValueError, match=r"layer 'att' \(SelfAttentionLayer\).*causal"):
        dl.exportONNXNetwork(net, tmp_path / "x.onnx")


def test_skip_connection_graph(tmp_path):
    dl.rng(4)
    layers = [dl.sequenceInputLayer(C, Name="in"), dl.fullyConnectedLayer(8, Name="fc"),
              dl.lstmLayer(8, Name="lstm"), additionLayer(2, Name="add"),
              dl.fullyConnectedLayer(2, Name="fc_out"), dl.softmaxLayer(Name="softmax")]
    net = dl.dlnetwork(connectLayers(layerGraph(layers), "fc", "add/in2"))
    model = _compare(net, [_x()], tmp_path, 13)
    add = next(n for n in model.graph.node if n.op_type == "Add" and n.name.startswith("add/"))
    assert sorted(add.input) == ["fc", "lstm"]


def test_several_inputs_and_outputs(tmp_path):
    dl.rng(5)
    layers = [dl.sequenceInputLayer(C, Name="a"), dl.fullyConnectedLayer(4, Name="fa"),
              dl.sequenceInputLayer(2, Name="b"), dl.fullyConnectedLayer(4, Name="fb"),
              concatenationLayer(1, 2, Name="cat"), multiplicationLayer(2, Name="mul"),
              dl.fullyConnectedLayer(3, Name="head1"), convolution1dLayer(2, 3, Name="head2",
                                                                          Padding="causal")]
    lg = layerGraph()
    for group in (layers[0:2], layers[2:4], layers[4:5], layers[5:6], layers[6:7], layers[7:]):
        lg = dl.addLayers(lg, group)           # each group a chain of its own
    for s, d in (("fa", "cat/in1"), ("fb", "cat/in2"),
                 ("fa", "mul/in1"), ("fb", "mul/in2"), ("cat", "head1"), ("mul", "head2")):
        lg = connectLayers(lg, s, d)
    net = dl.dlnetwork(lg)
    model = _compare(net, [_x(1), _x(2, C=2)], tmp_path, 13)
    assert [i.name for i in model.graph.input] == ["a", "b"]
    assert [o.name for o in model.graph.output] == ["head1", "head2"]


def test_conv_lstm_classifier_as_in_matlabs_example(tmp_path):
    """"Sequence Classification Using 1-D Convolutions": conv, relu, layernorm twice,
    global average pool, fc, softmax."""
    dl.rng(6)
    net = _chain(convolution1dLayer(3, 8, Padding="causal"), dl.reluLayer(),
                 layerNormalizationLayer(), convolution1dLayer(3, 8, Padding="causal",
                                                               DilationFactor=2),
                 dl.reluLayer(), layerNormalizationLayer(), globalAveragePooling1dLayer(),
                 dl.fullyConnectedLayer(4), dl.softmaxLayer())
    _compare(net, [_x()], tmp_path, 17)


def test_feature_input_network(tmp_path):
    FI = pytest.importorskip("dlarr.layers.input").__dict__.get("featureInputLayer")
    if FI is None:
        pytest.skip("no featureInputLayer in this dlarr")
    dl.rng(7)
    rng = np.random.default_rng(8)
    net = dl.dlnetwork([FI(C, Normalization="zscore", Mean=rng.standard_normal((C, 1)),
                           StandardDeviation=rng.uniform(1, 2, (C, 1))),
                        dl.fullyConnectedLayer(5), batchNormalizationLayer(), eluLayer(),
                        dl.fullyConnectedLayer(2), dl.softmaxLayer()])
    x = rng.standard_normal((C, 4)).astype(np.float32)
    session, model = _export(net, tmp_path, 13)
    assert len(model.graph.input[0].type.tensor_type.shape.dim) == 2      # [B, C]
    got = session.run(None, {model.graph.input[0].name: x.T})[0]
    want = dl.extractdata(dl.predict(net, dl.dlarray(x, "CB")))
    np.testing.assert_allclose(got.T, want, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_projected_recurrent_layers(kind, tmp_path):
    P = pytest.importorskip("dlarr.layers.projected")
    make = P.lstmProjectedLayer if kind == "lstm" else P.gruProjectedLayer
    dl.rng(9)
    net = _chain(make(6, 2, 2), dl.fullyConnectedLayer(2))
    model = _compare(net, [_x()], tmp_path, 13)
    assert (kind.upper()) in {n.op_type for n in model.graph.node}


@pytest.mark.parametrize("opset", [9, 13])
def test_state_ports(opset, tmp_path):
    """HasStateOutputs: the final states as outputs [B, H] (Y_h, Y_c); HasStateInputs:
    the initial states from the graph (Unsqueeze to initial_h, initial_c)."""
    if "HasStateOutputs" not in dl.LSTMLayer._props:
        pytest.skip("no HasStateOutputs in this dlarr")
    dl.rng(13)
    lg = layerGraph([dl.sequenceInputLayer(C, Name="in"),
                     dl.lstmLayer(4, Name="a", HasStateOutputs=True)])
    lg = dl.addLayers(lg, [dl.lstmLayer(4, Name="b", HasStateInputs=True, OutputMode="last"),
                           dl.fullyConnectedLayer(2, Name="fc")])
    lg = dl.addLayers(lg, [dl.gruLayer(3, Name="g", HasStateOutputs=True)])
    for s, d in (("a/out", "b/in"), ("a/hidden", "b/hidden"), ("a/cell", "b/cell"),
                 ("a/out", "g")):
        lg = connectLayers(lg, s, d)
    net = dl.dlnetwork(lg, OutputNames=["fc", "a/hidden", "g/hidden", "g/out"])
    model = _compare(net, [_x()], tmp_path, opset)
    assert [o.name for o in model.graph.output] == ["fc", "a/hidden", "g/hidden", "g"]


def _video_net(conv_options, pool, seed=10):
    L2 = pytest.importorskip("dlarr.layers.conv2d")
    LFo = pytest.importorskip("dlarr.layers.folding")
    dl.rng(seed)
    lg = layerGraph([dl.sequenceInputLayer([6, 5, 2], Name="input"),
                     LFo.sequenceFoldingLayer(Name="fold")])
    lg = dl.addLayers(lg, [L2.convolution2dLayer([3, 2], 4, Name="conv", **conv_options),
                           batchNormalizationLayer(Name="bn", TrainedMean=np.full((4, 1), 0.2),
                                                   TrainedVariance=np.full((4, 1), 1.5)),
                           dl.reluLayer(Name="relu"), pool(L2),
                           LFo.sequenceUnfoldingLayer(Name="unfold"),
                           flattenLayer(Name="flatten"),
                           dl.lstmLayer(5, OutputMode="last", Name="lstm"),
                           dl.fullyConnectedLayer(2, Name="fc")])
    lg = connectLayers(lg, "fold/out", "conv")
    lg = connectLayers(lg, "fold/miniBatchSize", "unfold/miniBatchSize")
    return dl.dlnetwork(lg)


VIDEO = {
    "same-max": (dict(Padding="same"), lambda L2: L2.maxPooling2dLayer(2, Stride=2,
                                                                        Name="pool")),
    "manual-avg": (dict(Padding=[1, 0, 2, 1], Stride=[2, 1]),
                   lambda L2: L2.averagePooling2dLayer([2, 2], Padding=[1, 1, 0, 1],
                                                       Name="pool")),
    "dilated-avg-mean": (dict(DilationFactor=[2, 1], Padding=[2, 2, 1, 1],
                              PaddingValue="replicate"),
                         lambda L2: L2.averagePooling2dLayer(2, Padding="same",
                                                             PaddingValue="mean", Name="pool")),
    "global-avg": (dict(), lambda L2: L2.globalAveragePooling2dLayer(Name="pool")),
    "global-max": (dict(Padding=1, PaddingValue=0.5),
                   lambda L2: L2.globalMaxPooling2dLayer(Name="pool")),
}


@pytest.mark.parametrize("case", sorted(VIDEO))
def test_image_sequences_fold_conv2d_pool_unfold(case, tmp_path):
    """"Classify Videos Using Deep Learning"'s shape: fold, 2-D convolution, batchnorm,
    relu, a 2-D pool, unfold, flatten (MATLAB's column-major order), lstm, fc."""
    net = _video_net(*VIDEO[case])
    X = np.random.default_rng(11).standard_normal((6, 5, 2, B, 4)).astype(np.float32)
    session, model = _export(net, tmp_path, 13)
    dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["T", "B", 2, 6, 5]
    got = session.run(None, {"input": np.transpose(X, (4, 3, 2, 0, 1))})[0]
    want = dl.extractdata(dl.predict(net, dl.dlarray(X, "SSCBT")))
    np.testing.assert_allclose(got.T, want, rtol=1e-4, atol=1e-5)
    assert np.abs(want).max() > 1e-3


def test_flatten_order_is_matlabs_column_major(tmp_path):
    """fc after unfold + flatten of h x w x c images: a one-hot weight row reads
    element (h, w, c) of MATLAB's column-major flattening, as dlarr does."""
    LFo = pytest.importorskip("dlarr.layers.folding")
    lg = layerGraph([dl.sequenceInputLayer([3, 2, 2], Name="input"),
                     LFo.sequenceFoldingLayer(Name="fold")])
    W = np.zeros((12, 12), np.float32)
    W[np.arange(12), np.arange(12)] = 1
    lg = dl.addLayers(lg, [LFo.sequenceUnfoldingLayer(Name="unfold"),
                           flattenLayer(Name="flatten"),
                           dl.fullyConnectedLayer(12, Name="fc", Weights=W,
                                                  Bias=np.zeros((12, 1), np.float32))])
    lg = connectLayers(lg, "fold/out", "unfold/in")
    lg = connectLayers(lg, "fold/miniBatchSize", "unfold/miniBatchSize")
    net = dl.dlnetwork(lg)
    X = np.arange(12 * B * 2, dtype=np.float32).reshape((3, 2, 2, B, 2), order="F")
    session, _ = _export(net, tmp_path, 13)
    got = session.run(None, {"input": np.transpose(X, (4, 3, 2, 0, 1))})[0]    # [T, B, 12]
    np.testing.assert_array_equal(got[0, 0], X[..., 0, 0].reshape(-1, order="F"))


@pytest.mark.parametrize("opset", [8, 13, 20])
def test_activations_import_back(opset, tmp_path):
    """exportONNXNetwork then importNetworkFromONNX: LeakyRelu, Elu, Clip and (opset 20)
    Gelu come back as their layers with their properties, and predict the same."""
    dl.rng(12)
    acts = [leakyReluLayer(0.2), eluLayer(0.5), clippedReluLayer(0.7)]
    if opset >= 20:
        acts += [geluLayer(Approximation="tanh")]
    net = _chain(*[x for a in acts for x in (dl.fullyConnectedLayer(4), a)])
    dl.exportONNXNetwork(net, tmp_path / "a.onnx", OpsetVersion=opset)
    back = dl.importNetworkFromONNX(tmp_path / "a.onnx")
    got = [l for l in back.Layers if type(l) in {type(a) for a in acts}]
    assert [type(l) for l in got] == [type(a) for a in acts]
    assert (got[0].Scale, got[1].Alpha, got[2].Ceiling) == pytest.approx((0.2, 0.5, 0.7))
    if opset >= 20:
        assert got[3].Approximation == "tanh"
    X = dl.dlarray(3 * _x(), "CBT")
    np.testing.assert_allclose(dl.extractdata(dl.predict(back, X)),
                               dl.extractdata(dl.predict(net, X)), rtol=1e-5, atol=1e-6)
