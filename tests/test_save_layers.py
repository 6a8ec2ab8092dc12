"""dl.save / dl.load of networks holding every layer type dlarr exports (dl.__all__),
in each MAT-file version ("-v7", "-v7.3", "-v6"): the layers' properties, learnables,
states (batch normalization's TrainedMean/TrainedVariance) and the graph connections
come back bit for bit and the loaded network predicts bit-identically.  A layer type
added to dl.__all__ without a case here fails test_every_exported_layer_type_is_covered."""
import importlib

import numpy as np
import pytest

import dlarr as dl
from dlarr.core.dlarray import DLArray
from dlarr.io.matfile import MatFileError
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
from dlarr.networks.network import DAGNetwork, SeriesNetwork

pytest.importorskip("scipy.io")

C, B, T = 3, 2, 6


def _x(C=C, seed=0):
    return dl.dlarray(np.random.default_rng(seed).standard_normal((C, B, T))
                      .astype(np.float32), "CBT")


def _recurrent():
    return dl.dlnetwork([dl.sequenceInputLayer(C, Normalization="zscore",
                                               Mean=np.ones((C, 1)), StandardDeviation=2 *
                                               np.ones((C, 1))),
                         dl.lstmLayer(4, Name="l"), dl.bilstmLayer(3), dl.dropoutLayer(0.2),
                         dl.gruLayer(3, ResetGateMode="before-multiplication"),
                         dl.reluLayer(), dl.tanhLayer(), dl.sigmoidLayer(),
                         dl.fullyConnectedLayer(2), dl.softmaxLayer()]), [_x()]


def _activations():
    return dl.dlnetwork([dl.sequenceInputLayer(C), dl.fullyConnectedLayer(4),
                         leakyReluLayer(0.3), clippedReluLayer(2), eluLayer(0.7),
                         geluLayer(Approximation="tanh"), swishLayer(), flattenLayer()]), [_x()]


def _normalization():
    net = dl.dlnetwork([dl.sequenceInputLayer(C), batchNormalizationLayer(Epsilon=1e-3,
                                                                          MeanDecay=0.3),
                        layerNormalizationLayer(Epsilon=1e-4)])
    X = _x()
    _, state = dl.forward(net, X)                 # training: new TrainedMean/Variance
    net.State = state
    return net, [X]


def _conv():
    return dl.dlnetwork([dl.sequenceInputLayer(C),
                         convolution1dLayer(3, 4, Padding="causal", DilationFactor=2,
                                            PaddingValue="replicate"),
                         maxPooling1dLayer(2, Padding="same"),
                         averagePooling1dLayer(2, Padding=[1, 0], PaddingValue="mean"),
                         globalMaxPooling1dLayer()]), [_x()]


def _graph():
    layers = [dl.sequenceInputLayer(C, Name="in"), dl.fullyConnectedLayer(4, Name="fc"),
              positionEmbeddingLayer(4, 10, Name="pos"), additionLayer(2, Name="add"),
              selfAttentionLayer(2, 4, Name="att"), multiplicationLayer(2, Name="mul"),
              concatenationLayer(1, 2, Name="cat"), globalAveragePooling1dLayer(Name="gap")]
    lg = dl.disconnectLayers(layerGraph(layers), "fc", "pos")
    for s, d in (("in", "pos"), ("fc", "add/in2"), ("add", "mul/in2"), ("fc", "cat/in2")):
        lg = connectLayers(lg, s, d)
    return dl.dlnetwork(lg), [_x()]


def _words():
    x = np.random.default_rng(1).integers(1, 8, (1, B, T)).astype(np.float32)
    return dl.dlnetwork([dl.sequenceInputLayer(1), wordEmbeddingLayer(3, 6)]), \
        [dl.dlarray(x, "CBT")]


def _series():
    return SeriesNetwork([dl.sequenceInputLayer(C), dl.lstmLayer(3, OutputMode="last"),
                          dl.fullyConnectedLayer(2), dl.softmaxLayer(),
                          dl.classificationLayer(Classes=["a", "b"])]), [_x()]


def _dag():
    layers = [dl.sequenceInputLayer(C, Name="in"), dl.fullyConnectedLayer(C, Name="fc"),
              additionLayer(2, Name="add"), dl.regressionLayer(Name="out")]
    return DAGNetwork(connectLayers(layerGraph(layers), "in", "add/in2")), [_x()]


def _state_ports():
    lg = layerGraph([dl.sequenceInputLayer(C, Name="in"),
                     dl.lstmLayer(4, Name="a", HasStateOutputs=True)])
    lg = dl.addLayers(lg, [dl.gruLayer(4, Name="b", HasStateInputs=True),
                           dl.fullyConnectedLayer(2, Name="fc")])
    for s, d in (("a/out", "b/in"), ("a/hidden", "b/hidden")):
        lg = connectLayers(lg, s, d)
    return dl.dlnetwork(lg, OutputNames=["fc", "a/cell"]), [_x()]


def _features():
    from dlarr.layers.input import featureInputLayer
    rng = np.random.default_rng(2)
    net = dl.dlnetwork([featureInputLayer(C, Normalization="rescale-symmetric",
                                          Min=-rng.uniform(1, 2, (C, 1)),
                                          Max=rng.uniform(1, 2, (C, 1))),
                        dl.fullyConnectedLayer(4), batchNormalizationLayer(),
                        dl.fullyConnectedLayer(2)])
    return net, [dl.dlarray(rng.standard_normal((C, 5)).astype(np.float32), "CB")]


def _projected():
    from dlarr.layers.projected import gruProjectedLayer, lstmProjectedLayer
    return dl.dlnetwork([dl.sequenceInputLayer(C), lstmProjectedLayer(4, 2, 2),
                         gruProjectedLayer(3, 2, 2, OutputMode="last")]), [_x()]


def _video():
    from dlarr.layers.conv2d import (averagePooling2dLayer, convolution2dLayer,
                                     globalAveragePooling2dLayer, globalMaxPooling2dLayer,
                                     maxPooling2dLayer)
    from dlarr.layers.folding import sequenceFoldingLayer, sequenceUnfoldingLayer
    lg = layerGraph([dl.sequenceInputLayer([6, 6, 2], Name="input"),
                     sequenceFoldingLayer(Name="fold")])
    lg = dl.addLayers(lg, [convolution2dLayer(3, 4, Padding="same", Stride=[1, 2],
                                              Name="conv"),
                           batchNormalizationLayer(Name="bn"),
                           maxPooling2dLayer(2, Stride=1, Name="max"),
                           averagePooling2dLayer(2, Name="avg")])
    lg = dl.addLayers(lg, [globalAveragePooling2dLayer(Name="gap")])
    lg = dl.addLayers(lg, [globalMaxPooling2dLayer(Name="gmp"), additionLayer(2, Name="add"),
                           sequenceUnfoldingLayer(Name="unfold"), flattenLayer(Name="flat"),
                           dl.lstmLayer(3, OutputMode="last", Name="lstm")])
    for s, d in (("fold/out", "conv"), ("avg", "gap"), ("avg", "gmp"), ("gap", "add/in2"),
                 ("fold/miniBatchSize", "unfold/miniBatchSize")):
        lg = connectLayers(lg, s, d)
    lg = dl.disconnectLayers(lg, "gmp", "add/in1")
    lg = connectLayers(lg, "gmp", "add/in1")
    X = np.random.default_rng(3).standard_normal((6, 6, 2, B, 4)).astype(np.float32)
    return dl.dlnetwork(lg), [dl.dlarray(X, "SSCBT")]


CASES = {"recurrent": _recurrent, "activations": _activations,
         "normalization": _normalization, "conv": _conv, "graph": _graph, "words": _words,
         "series": _series, "dag": _dag}
# the layers of the other parts of issue 13, where this dlarr has them
_OPTIONAL = {"state-ports": (_state_ports, "dlarr.layers.recurrent", "LSTMLayer"),
             "features": (_features, "dlarr.layers.input", "featureInputLayer"),
             "projected": (_projected, "dlarr.layers.projected", "lstmProjectedLayer"),
             "video": (_video, "dlarr.layers.folding", "sequenceFoldingLayer")}
for _name, (_make, _module, _attr) in _OPTIONAL.items():
    try:
        _there = hasattr(importlib.import_module(_module), _attr)
    except ImportError:
        _there = False
    if _there and (_name != "state-ports" or "HasStateOutputs" in dl.LSTMLayer._props):
        CASES[_name] = _make
VERSIONS = ["-v7", "-v7.3", "-v6"]


def _exported_layer_classes():
    return sorted(n for n in dl.__all__ if isinstance(getattr(dl, n), type)
                  and issubclass(getattr(dl, n), dl.Layer) and getattr(dl, n) is not dl.Layer)


def test_every_exported_layer_type_is_covered():
    covered = {type(l).__name__ for make in CASES.values() for l in make()[0].Layers}
    missing = [n for n in _exported_layer_classes() if n not in covered]
    assert not missing, f"layer types without a save/load case in CASES: {missing}"


def _host(v):
    return np.asarray(v._data) if isinstance(v, DLArray) else v


def _same(a, b, path):
    if isinstance(a, DLArray) or isinstance(b, DLArray):
        assert type(a) is type(b) and a.dims == b.dims, path
        a, b = _host(a), _host(b)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert (a.dtype, a.shape) == (b.dtype, b.shape), f"{path}: {a.dtype}{a.shape} vs " \
                                                         f"{b.dtype}{b.shape}"
        assert a.tobytes() == b.tobytes(), path
    elif isinstance(a, dl.Layer):
        assert type(a) is type(b), path
        for name in type(a)._props:
            _same(getattr(a, name), getattr(b, name), f"{path}.{name}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif callable(a) or hasattr(a, "codes"):
        assert type(a) is type(b), path
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_round_trip(case, version, tmp_path):
    if version == "-v7.3":
        pytest.importorskip("h5py")
    dl.rng(7)
    net, X = CASES[case]()
    dl.save(tmp_path / "f.mat", version, net=net)
    got = dl.load(tmp_path / "f.mat")["net"]
    assert type(got) is type(net) and got.Initialized
    _same(list(net.Layers), list(got.Layers), "Layers")
    assert list(got.Connections) == list(net.Connections)
    assert list(got.OutputNames) == list(net.OutputNames)
    for what in ("Learnables", "State"):
        a, b = getattr(net, what), getattr(got, what)
        assert (list(a.Layer), list(a.Parameter)) == (list(b.Layer), list(b.Parameter)), what
        _same(list(a.Value), list(b.Value), what)
    if isinstance(net, dl.dlnetwork):
        _same(dl.predict(net, *X), dl.predict(got, *X), "predict")
    else:
        _same(dl.predict(net, [dl.extractdata(X[0])[:, 0, :]]),
              dl.predict(got, [dl.extractdata(X[0])[:, 0, :]]), "predict")


def test_batchnorm_statistics_are_kept(tmp_path):
    net, X = _normalization()
    mean = dl.extractdata(net.State.Value[0])
    assert np.abs(mean).max() > 0                   # the forward moved them off zero
    dl.save(tmp_path / "f.mat", net=net)
    got = dl.load(tmp_path / "f.mat")["net"]
    np.testing.assert_array_equal(dl.extractdata(got.State.Value[0]), mean)


def test_graph_connections_are_kept_exactly(tmp_path):
    net, _ = _graph()
    dl.save(tmp_path / "f.mat", net=net, lg=layerGraph(net))
    S = dl.load(tmp_path / "f.mat")
    want = {("fc", "add/in2"), ("in", "pos"), ("add", "mul/in2"), ("fc", "cat/in2")}
    got = set(zip(S["net"].Connections.Source, S["net"].Connections.Destination))
    assert want <= got
    assert set(zip(S["lg"].Connections.Source, S["lg"].Connections.Destination)) == got


def test_tampered_layer_files_are_clear_errors(tmp_path):
    import scipy.io
    net, _ = _conv()
    path = tmp_path / "f.mat"
    dl.save(path, net=net)
    raw = {k: v for k, v in scipy.io.loadmat(str(path)).items() if not k.startswith("__")}
    layer = raw["net"]["Layers"][0, 0][1, 0]             # the convolution1dLayer's struct
    layer["Stride"][0, 0] = np.array([[0.0]])
    scipy.io.savemat(str(path), raw)
    with pytest.raises((ValueError, MatFileError), match=r"net.*Stride"):
        dl.load(path)
    path.write_bytes(b"MATLAB 5.0 MAT-file" + b"\0" * 10)
    with pytest.raises((ValueError, MatFileError), match="f.mat"):
        dl.load(path)


# ---------------------------------------------------------------------------------------
# dlarr/matlab/dlarrImportLearnables.m (in Octave): MATLAB's constructor calls of the
# new layer types, the network State for batch normalization, and the connections
# ---------------------------------------------------------------------------------------
def _octave_arguments(tmp_path, net):
    """(argument lists, network class, connections) that dlarrImportLearnables gives in
    Octave for a file holding ``net``."""
    import shutil
    if shutil.which("octave-cli") is None:
        pytest.skip("octave-cli is not installed")
    from test_matlab_helpers import _ENCODER, _decode, _json_after, _octave
    dl.save(tmp_path / "net.mat", net=net)
    (tmp_path / "dlarr_test_encode.m").write_text(_ENCODER, encoding="utf-8")
    out, _ = _octave("[a, c, k] = dlarrImportLearnables('net.mat', 'ArgumentsOnly', true); "
                     "disp(['@@ARGS@@' jsonencode(dlarr_test_encode(a))]); "
                     "disp(['@@CLASS@@' jsonencode(c)]); "
                     "disp(['@@CONN@@' jsonencode(strcat(k(:, 1), '>', k(:, 2)))]);",
                     tmp_path)
    args = [[_decode(v) for v in layer] for layer in _json_after("@@ARGS@@", out)]
    conns = [tuple(c.split(">")) for c in _json_after("@@CONN@@", out) or []]
    return args, _json_after("@@CLASS@@", out), conns


def _kw(args):
    """{name: value} of a constructor call's name-value arguments (after 'Name')."""
    i = next(k for k, a in enumerate(args) if isinstance(a, str) and a == "Name")
    return dict(zip(args[i::2], args[i + 1::2]))


def _num(v):
    return np.asarray(v, np.float64).ravel().tolist()


def test_matlab_rebuilds_every_new_layer_type(tmp_path):
    ctors = {}
    for case in ("activations", "normalization", "conv", "graph", "words"):
        dl.rng(1)
        net, _ = CASES[case]()
        args, cls, _ = _octave_arguments(tmp_path, net)
        assert cls == "dlnetwork"
        for layer, a in zip(net.Layers, args):
            assert _kw(a)["Name"] == layer.Name
            ctors[type(layer).__name__] = (layer, a)
    expected = {"LeakyReLULayer": "leakyReluLayer", "ClippedReLULayer": "clippedReluLayer",
                "ELULayer": "eluLayer", "GELULayer": "geluLayer", "SwishLayer": "swishLayer",
                "FlattenLayer": "flattenLayer",
                "BatchNormalizationLayer": "batchNormalizationLayer",
                "LayerNormalizationLayer": "layerNormalizationLayer",
                "Convolution1DLayer": "convolution1dLayer",
                "MaxPooling1DLayer": "maxPooling1dLayer",
                "AveragePooling1DLayer": "averagePooling1dLayer",
                "GlobalAveragePooling1DLayer": "globalAveragePooling1dLayer",
                "GlobalMaxPooling1DLayer": "globalMaxPooling1dLayer",
                "AdditionLayer": "additionLayer", "MultiplicationLayer": "multiplicationLayer",
                "ConcatenationLayer": "concatenationLayer",
                "WordEmbeddingLayer": "wordEmbeddingLayer",
                "PositionEmbeddingLayer": "positionEmbeddingLayer",
                "SelfAttentionLayer": "selfAttentionLayer"}
    for cls, ctor in expected.items():
        assert ctors[cls][1][0] == ctor, cls
    leaky, a = ctors["LeakyReLULayer"]
    assert _num(a[1]) == [leaky.Scale]
    assert _kw(ctors["GELULayer"][1])["Approximation"] == "tanh"
    conv, a = ctors["Convolution1DLayer"]
    kw = _kw(a)
    assert _num(a[1]) + _num(a[2]) == [3, 4]                  # FilterSize, NumFilters
    assert kw["Padding"] == "causal" and kw["PaddingValue"] == "replicate"
    assert _num(kw["DilationFactor"]) == [2]
    np.testing.assert_array_equal(kw["Weights"], dl.extractdata(conv.Weights))
    assert _num(_kw(ctors["AveragePooling1DLayer"][1])["Padding"]) == [1, 0]
    assert _kw(ctors["MaxPooling1DLayer"][1])["Padding"] == "same"
    att, a = ctors["SelfAttentionLayer"]
    np.testing.assert_array_equal(_kw(a)["QueryWeights"], dl.extractdata(att.QueryWeights))
    cat, a = ctors["ConcatenationLayer"]
    assert _num(a[1]) + _num(a[2]) == [1, 2]


def test_matlab_gets_the_networks_batchnorm_statistics(tmp_path):
    net, _ = _normalization()
    args, _, _ = _octave_arguments(tmp_path, net)
    kw = _kw(args[1])
    state = {p: dl.extractdata(v) for l, p, v in net.State}
    np.testing.assert_array_equal(kw["TrainedMean"], state["TrainedMean"])
    np.testing.assert_array_equal(kw["TrainedVariance"], state["TrainedVariance"])
    assert _num(kw["Epsilon"]) == [pytest.approx(1e-3)] and _num(kw["MeanDecay"]) == [0.3]


def test_matlab_gets_the_graph_connections(tmp_path):
    net, _ = _dag()
    args, cls, conns = _octave_arguments(tmp_path, net)
    assert cls == "DAGNetwork" and [a[0] for a in args][-1] == "regressionLayer"
    assert [list(c) for c in conns] == [list(r) for r in zip(net.Connections.Source,
                                                             net.Connections.Destination)]


def test_files_from_before_a_property_was_added_load_with_its_default(tmp_path):
    from dlarr.io import codecs, matfile, objects
    net = dl.dlnetwork([dl.sequenceInputLayer(C, Name="in"), dl.lstmLayer(4, Name="l"),
                        dl.gruLayer(2, Name="g")])
    plain = codecs.encode(net, "net")
    removed = 0
    for i, layer in enumerate(net.Layers):
        for k in objects.ADDED_PROPERTIES[type(layer).__name__]:
            if k in type(layer)._props:       # the properties this dlarr has
                del plain["Layers"][i, 0][k]
                removed += 1
    assert removed
    matfile.write(tmp_path / "old.mat", {"net": plain})
    got = dl.load(tmp_path / "old.mat")["net"]
    _same(list(net.Layers), list(got.Layers), "Layers")
    del plain["Layers"][1, 0]["OutputMode"]   # not an added property: still an error
    matfile.write(tmp_path / "bad.mat", {"net": plain})
    with pytest.raises(MatFileError, match="LSTMLayer struct lacks field OutputMode"):
        dl.load(tmp_path / "bad.mat")


def test_matlab_rebuilds_the_other_new_layers(tmp_path):
    """featureInputLayer, the projected layers, the 2-D convolution and pools, folding,
    and state ports, where this dlarr has them."""
    names = {"features": {"FeatureInputLayer": "featureInputLayer"},
             "projected": {"LSTMProjectedLayer": "lstmProjectedLayer",
                           "GRUProjectedLayer": "gruProjectedLayer"},
             "video": {"Convolution2DLayer": "convolution2dLayer",
                       "MaxPooling2DLayer": "maxPooling2dLayer",
                       "AveragePooling2DLayer": "averagePooling2dLayer",
                       "GlobalAveragePooling2DLayer": "globalAveragePooling2dLayer",
                       "GlobalMaxPooling2DLayer": "globalMaxPooling2dLayer",
                       "SequenceFoldingLayer": "sequenceFoldingLayer",
                       "SequenceUnfoldingLayer": "sequenceUnfoldingLayer"},
             "state-ports": {"LSTMLayer": "lstmLayer", "GRULayer": "gruLayer"}}
    cases = [c for c in names if c in CASES]
    if not cases:
        pytest.skip("this dlarr has none of these layers")
    for case in cases:
        dl.rng(2)
        net, _ = CASES[case]()
        args, _, conns = _octave_arguments(tmp_path, net)
        assert conns == list(zip(net.Connections.Source, net.Connections.Destination))
        by_class = {type(l).__name__: (l, a) for l, a in zip(net.Layers, args)}
        for cls, ctor in names[case].items():
            assert by_class[cls][1][0] == ctor, cls
        if case == "projected":
            layer, a = by_class["LSTMProjectedLayer"]
            assert [_num(v)[0] for v in a[1:4]] == [4, 2, 2]
            np.testing.assert_array_equal(_kw(a)["InputProjector"],
                                          dl.extractdata(layer.InputProjector))
        if case == "video":
            kw = _kw(by_class["Convolution2DLayer"][1])
            assert kw["Padding"] == "same" and _num(kw["Stride"]) == [1, 2]
            assert _num(by_class["Convolution2DLayer"][1][1]) == [3, 3]
        if case == "state-ports":
            assert _num(_kw(by_class["LSTMLayer"][1])["HasStateOutputs"]) == [1]
            assert _num(_kw(by_class["GRULayer"][1])["HasStateInputs"]) == [1]
            assert "HasStateInputs" not in _kw(by_class["LSTMLayer"][1])
