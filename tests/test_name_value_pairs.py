"""MATLAB's positional name-value pairs work wherever keyword options do.

``dl.lstmLayer(100, "OutputMode", "last")`` is ``dl.lstmLayer(100, OutputMode="last")``,
so a line pasted from MATLAB needs only the ``dl.`` prefix.  The walk: every public
function of ``dl.__all__`` that takes keyword options (keyword-only parameters other than
``nargout``, or ``**options``) has an entry in CALLS (its call with positional pairs and
the same call with keywords, which must agree); the test fails when one is missing.
"""
import inspect

import numpy as np
import pytest

import dlarr as dl

rng = np.random.default_rng(0)

# Keyword options that are not MATLAB name-value arguments, and why.
NOT_NAME_VALUE = {
    "save": "its keyword arguments are the variables to save, not options",
    "dlfeval": "its keyword arguments are passed on to the function it evaluates",
    "reshape": "order= is dlarr's choice of memory order, not a MATLAB name-value argument",
}
# Functions whose name-value arguments are plain parameters with defaults (MATLAB's
# softmax(X, "DataFormat", "CB"), gelu(X, "Approximation", "tanh")): walked too.
ALSO = ("softmax", "gelu")


def _keyword_options(f):
    ps = inspect.signature(f).parameters.values()
    return [p.name for p in ps if (p.kind == p.KEYWORD_ONLY and p.name != "nargout")
            or p.kind == p.VAR_KEYWORD]


# --------------------------------------------------------------------------
# Data for the calls
# --------------------------------------------------------------------------
X3 = rng.standard_normal((3, 2, 4))
XU = dl.dlarray(X3)                                     # unformatted
XF = dl.dlarray(X3, "CBT")
H2, C2 = np.zeros((2, 1)), np.zeros((2, 1))
W_LSTM, R_LSTM, B_LSTM = (dl.dlarray(rng.standard_normal(s)) for s in ((8, 3), (8, 2), (8, 1)))
W_GRU, R_GRU, B_GRU = (dl.dlarray(rng.standard_normal(s)) for s in ((6, 3), (6, 2), (6, 1)))
Y_SOFT = dl.softmax(dl.dlarray(rng.standard_normal((3, 4)), "CB"))
T_HOT = dl.dlarray(np.eye(3)[:, [0, 1, 2, 0]], "CB")
MASK = dl.dlarray(np.ones((3, 4)), "CB")
SEQS = [rng.standard_normal((3, n)).astype(np.float32) for n in (4, 6, 5, 3)]
LABELS = np.array([0, 1, 0, 1])


def _tiny():
    """A trained classification SeriesNetwork and a dlnetwork (module-level cache)."""
    if not hasattr(_tiny, "nets"):
        dl.rng(0)
        layers = [dl.sequenceInputLayer(3), dl.lstmLayer(2, OutputMode="last"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
        opts = dl.trainingOptions("adam", MaxEpochs=1, MiniBatchSize=4, Verbose=False)
        net = dl.trainNetwork(SEQS, LABELS, layers, opts)
        _tiny.nets = net, dl.dlnetwork(layers[:-1])
    return _tiny.nets


def _grad_pairs():
    return dl.dlfeval(lambda x: dl.dlgradient(dl.sum(x * x, "all"), x, "RetainData", True), XF)


def _grad_keywords():
    return dl.dlfeval(lambda x: dl.dlgradient(dl.sum(x * x, "all"), x, RetainData=True), XF)


# name -> (call with MATLAB's positional pairs, the same call with keywords)
def _resume(fn, pairs):
    """trainNetwork/trainnet resumed from a checkpoint (written once, cached), with
    ResumeFrom as MATLAB's pair or as a keyword."""
    import tempfile
    layers = [dl.sequenceInputLayer(3), dl.lstmLayer(2, OutputMode="last"),
              dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
    if fn == "trainnet":
        layers = layers[:-1]
    opts = dl.trainingOptions("adam", MaxEpochs=2, MiniBatchSize=4, Verbose=False)
    if not hasattr(_resume, fn):
        folder = tempfile.mkdtemp()
        ck = dl.trainingOptions("adam", MaxEpochs=1, MiniBatchSize=4, Verbose=False,
                                CheckpointPath=folder)
        dl.rng(0)
        args = (SEQS, LABELS, layers, "crossentropy") if fn == "trainnet" else (SEQS, LABELS,
                                                                               layers)
        getattr(dl, fn)(*args, ck)
        import glob
        setattr(_resume, fn, (glob.glob(folder + "/*.mat")[0], args))
    file, args = getattr(_resume, fn)
    net = getattr(dl, fn)(*args, opts, "ResumeFrom", file) if pairs else \
        getattr(dl, fn)(*args, opts, ResumeFrom=file)
    return [dl.extractdata(v).tobytes() for v in net.Learnables.Value]


def _onnx(fn, pairs):
    """exportONNXNetwork / importNetworkFromONNX / importONNXNetwork with one option as
    MATLAB's pair or as a keyword: the file's bytes or the network's learnables."""
    import os
    import tempfile
    pytest.importorskip("onnx")
    net = _tiny()[1]
    folder = tempfile.mkdtemp()
    f = os.path.join(folder, "net.onnx")
    if fn == "exportONNXNetwork":
        if pairs:
            dl.exportONNXNetwork(net, f, "OpsetVersion", 13, "networkname", "tiny")
        else:
            dl.exportONNXNetwork(net, f, OpsetVersion=13, NetworkName="tiny")
        return open(f, "rb").read()
    dl.exportONNXNetwork(net, f)
    if fn == "importNetworkFromONNX":
        new = dl.importNetworkFromONNX(f, "InputDataFormats", "TBC") if pairs else \
            dl.importNetworkFromONNX(f, InputDataFormats="TBC")
    else:
        new = dl.importONNXNetwork(f, "OutputLayerType", "classification", "Classes",
                                   ["x", "y"]) if pairs else \
            dl.importONNXNetwork(f, OutputLayerType="classification", Classes=["x", "y"])
        assert list(new.Layers[-1].Classes) == ["x", "y"]
    return [dl.extractdata(v).tobytes() for v in new.Learnables.Value]


_Q = dl.dlarray(np.random.default_rng(1).standard_normal((4, 2, 5)), "CBT")
_C4 = (np.zeros((4, 1)), np.ones((4, 1)))

CALLS = {
    "attention": (lambda: dl.attention(_Q, _Q, _Q, 2, "AttentionMask", "causal"),
                  lambda: dl.attention(_Q, _Q, _Q, 2, AttentionMask="causal")),
    "batchnorm": (lambda: dl.batchnorm(_Q, *_C4, "Epsilon", 1e-3),
                  lambda: dl.batchnorm(_Q, *_C4, Epsilon=1e-3)),
    "groupnorm": (lambda: dl.groupnorm(_Q, 2, *_C4, "epsilon", 1e-3),
                  lambda: dl.groupnorm(_Q, 2, *_C4, Epsilon=1e-3)),
    "instancenorm": (lambda: dl.instancenorm(_Q, *_C4, "Epsilon", 1e-3),
                     lambda: dl.instancenorm(_Q, *_C4, Epsilon=1e-3)),
    "layernorm": (lambda: dl.layernorm(_Q, *_C4, "OperationDimension", "channel-only"),
                  lambda: dl.layernorm(_Q, *_C4, OperationDimension="channel-only")),
    "batchNormalizationLayer": (lambda: dl.batchNormalizationLayer("MeanDecay", 0.3),
                                lambda: dl.batchNormalizationLayer(MeanDecay=0.3)),
    "layerNormalizationLayer": (lambda: dl.layerNormalizationLayer("Epsilon", 1e-4),
                                lambda: dl.layerNormalizationLayer(Epsilon=1e-4)),
    "leakyReluLayer": (lambda: dl.leakyReluLayer(0.2, "Name", "lr"),
                       lambda: dl.leakyReluLayer(0.2, Name="lr")),
    "clippedReluLayer": (lambda: dl.clippedReluLayer(6, "Name", "c"),
                         lambda: dl.clippedReluLayer(6, Name="c")),
    "eluLayer": (lambda: dl.eluLayer(0.5, "Name", "e"), lambda: dl.eluLayer(0.5, Name="e")),
    "geluLayer": (lambda: dl.geluLayer("Approximation", "tanh"),
                  lambda: dl.geluLayer(Approximation="tanh")),
    "swishLayer": (lambda: dl.swishLayer("Name", "s"), lambda: dl.swishLayer(Name="s")),
    "flattenLayer": (lambda: dl.flattenLayer("Name", "f"), lambda: dl.flattenLayer(Name="f")),
    "selfAttentionLayer": (lambda: dl.selfAttentionLayer(2, 4, "AttentionMask", "causal"),
                           lambda: dl.selfAttentionLayer(2, 4, AttentionMask="causal")),
    "positionEmbeddingLayer": (lambda: dl.positionEmbeddingLayer(4, 10, "Name", "p"),
                               lambda: dl.positionEmbeddingLayer(4, 10, Name="p")),
    "wordEmbeddingLayer": (lambda: dl.wordEmbeddingLayer(4, 10, "OOVMode", "error"),
                           lambda: dl.wordEmbeddingLayer(4, 10, OOVMode="error")),
    "exportONNXNetwork": (lambda: _onnx("exportONNXNetwork", True),
                          lambda: _onnx("exportONNXNetwork", False)),
    "importNetworkFromONNX": (lambda: _onnx("importNetworkFromONNX", True),
                              lambda: _onnx("importNetworkFromONNX", False)),
    "importONNXNetwork": (lambda: _onnx("importONNXNetwork", True),
                          lambda: _onnx("importONNXNetwork", False)),
    "trainNetwork": (lambda: _resume("trainNetwork", True), lambda: _resume("trainNetwork", False)),
    "trainnet": (lambda: _resume("trainnet", True), lambda: _resume("trainnet", False)),
    "dlgradient": (_grad_pairs, _grad_keywords),
    "lstm": (lambda: dl.lstm(XU, H2, C2, W_LSTM, R_LSTM, B_LSTM, "DataFormat", "CBT",
                             "StateActivationFunction", "softsign"),
             lambda: dl.lstm(XU, H2, C2, W_LSTM, R_LSTM, B_LSTM, DataFormat="CBT",
                             StateActivationFunction="softsign")),
    "gru": (lambda: dl.gru(XU, H2, W_GRU, R_GRU, B_GRU, "DataFormat", "CBT",
                           "ResetGateMode", "before-multiplication"),
            lambda: dl.gru(XU, H2, W_GRU, R_GRU, B_GRU, DataFormat="CBT",
                           ResetGateMode="before-multiplication")),
    "fullyconnect": (lambda: dl.fullyconnect(XU, W_LSTM, np.zeros((8, 1)), "DataFormat", "CBT"),
                     lambda: dl.fullyconnect(XU, W_LSTM, np.zeros((8, 1)), DataFormat="CBT")),
    "crossentropy": (lambda: dl.crossentropy(Y_SOFT, T_HOT, "NormalizationFactor",
                                             "all-elements", "Mask", MASK),
                     lambda: dl.crossentropy(Y_SOFT, T_HOT, NormalizationFactor="all-elements",
                                             Mask=MASK)),
    "huber": (lambda: dl.huber(Y_SOFT, T_HOT, "TransitionPoint", 0.5, "Reduction", "none"),
              lambda: dl.huber(Y_SOFT, T_HOT, TransitionPoint=0.5, Reduction="none")),
    "indexcrossentropy": (
        lambda: dl.indexcrossentropy(Y_SOFT, np.array([[0, 1, 2, 0]]), "Reduction", "none",
                                     "DataFormat", None),
        lambda: dl.indexcrossentropy(Y_SOFT, np.array([[0, 1, 2, 0]]), Reduction="none",
                                     DataFormat=None)),
    "l1loss": (lambda: dl.l1loss(Y_SOFT, T_HOT, np.ones(3), "WeightsFormat", "C"),
               lambda: dl.l1loss(Y_SOFT, T_HOT, np.ones(3), WeightsFormat="C")),
    "l2loss": (lambda: dl.l2loss(Y_SOFT, T_HOT, "NormalizationFactor", "all-elements"),
               lambda: dl.l2loss(Y_SOFT, T_HOT, NormalizationFactor="all-elements")),
    "mse": (lambda: dl.mse(dl.dlarray(np.ones((3, 4))), np.zeros((3, 4)), "DataFormat", "CB"),
            lambda: dl.mse(dl.dlarray(np.ones((3, 4))), np.zeros((3, 4)), DataFormat="CB")),
    "embed": (lambda: dl.embed(np.array([[0, 2, 1]]), np.eye(3), "DataFormat", "CB"),
              lambda: dl.embed(np.array([[0, 2, 1]]), np.eye(3), DataFormat="CB")),
    "onehotencode": (lambda: dl.onehotencode(np.array([[1, 3]]), 0, "double", "ClassNames",
                                             [1, 2, 3]),
                     lambda: dl.onehotencode(np.array([[1, 3]]), 0, "double",
                                             ClassNames=[1, 2, 3])),
    "padsequences": (lambda: dl.padsequences(SEQS, 1, "Length", "shortest", "Direction", "left"),
                     lambda: dl.padsequences(SEQS, 1, Length="shortest", Direction="left")),
    "softmax": (lambda: dl.softmax(dl.dlarray(np.ones((3, 2))), "DataFormat", "CB"),
                lambda: dl.softmax(dl.dlarray(np.ones((3, 2))), DataFormat="CB")),
    "gelu": (lambda: dl.gelu(XF, "Approximation", "tanh"),
             lambda: dl.gelu(XF, Approximation="tanh")),
    "lstmLayer": (lambda: dl.lstmLayer(100, "OutputMode", "last", "name", "lstm1"),
                  lambda: dl.lstmLayer(100, OutputMode="last", Name="lstm1")),
    "gruLayer": (lambda: dl.gruLayer(10, "ResetGateMode", "before-multiplication"),
                 lambda: dl.gruLayer(10, ResetGateMode="before-multiplication")),
    "bilstmLayer": (lambda: dl.bilstmLayer(10, "OutputMode", "last", "BiasL2Factor", 1),
                    lambda: dl.bilstmLayer(10, OutputMode="last", BiasL2Factor=1)),
    "sequenceInputLayer": (lambda: dl.sequenceInputLayer(12, "Normalization", "zscore",
                                                         "MinLength", 3),
                           lambda: dl.sequenceInputLayer(12, Normalization="zscore", MinLength=3)),
    "fullyConnectedLayer": (lambda: dl.fullyConnectedLayer(9, "WeightLearnRateFactor", 2),
                            lambda: dl.fullyConnectedLayer(9, WeightLearnRateFactor=2)),
    "softmaxLayer": (lambda: dl.softmaxLayer("Name", "sm"), lambda: dl.softmaxLayer(Name="sm")),
    "reluLayer": (lambda: dl.reluLayer("name", "r"), lambda: dl.reluLayer(Name="r")),
    "tanhLayer": (lambda: dl.tanhLayer("Name", "t"), lambda: dl.tanhLayer(Name="t")),
    "sigmoidLayer": (lambda: dl.sigmoidLayer("NAME", "s"), lambda: dl.sigmoidLayer(Name="s")),
    "dropoutLayer": (lambda: dl.dropoutLayer(0.2, "Name", "drop"),
                     lambda: dl.dropoutLayer(0.2, Name="drop")),
    "classificationLayer": (lambda: dl.classificationLayer("Classes", [2, 1]),
                            lambda: dl.classificationLayer(Classes=[2, 1])),
    "regressionLayer": (lambda: dl.regressionLayer("Name", "out"),
                        lambda: dl.regressionLayer(Name="out")),
    "forward": (lambda: dl.forward(_tiny()[1], X3, "InputDataFormats", "CBT"),
                lambda: dl.forward(_tiny()[1], X3, InputDataFormats="CBT")),
    "analyzeNetwork": (lambda: dl.analyzeNetwork(_tiny()[1], "Plots", "none"),
                       lambda: dl.analyzeNetwork(_tiny()[1], Plots="none")),
    "trainingOptions": (lambda: dl.trainingOptions("adam", "MaxEpochs", 20, "MiniBatchSize", 27),
                        lambda: dl.trainingOptions("adam", MaxEpochs=20, MiniBatchSize=27)),
    "classify": (lambda: dl.classify(_tiny()[0], SEQS, "MiniBatchSize", 2,
                                     "SequencePaddingDirection", "left"),
                 lambda: dl.classify(_tiny()[0], SEQS, MiniBatchSize=2,
                                     SequencePaddingDirection="left")),
    "classifyAndUpdateState": (
        lambda: dl.classifyAndUpdateState(_tiny()[0], SEQS, "SequenceLength", "shortest")[1],
        lambda: dl.classifyAndUpdateState(_tiny()[0], SEQS, SequenceLength="shortest")[1]),
    "minibatchpredict": (lambda: dl.minibatchpredict(_tiny()[1], SEQS, "MiniBatchSize", 3),
                         lambda: dl.minibatchpredict(_tiny()[1], SEQS, MiniBatchSize=3)),
    "predict": (lambda: dl.predict(_tiny()[0], SEQS, "MiniBatchSize", 27,
                                   "ExecutionEnvironment", "cpu"),
                lambda: dl.predict(_tiny()[0], SEQS, MiniBatchSize=27, ExecutionEnvironment="cpu")),
    "predictAndUpdateState": (
        lambda: dl.predictAndUpdateState(_tiny()[0], SEQS, "SequencePaddingValue", 1)[1],
        lambda: dl.predictAndUpdateState(_tiny()[0], SEQS, SequencePaddingValue=1)[1]),
    "confusionmat": (lambda: dl.confusionmat(LABELS, LABELS[::-1], "Order", [1, 0]),
                     lambda: dl.confusionmat(LABELS, LABELS[::-1], Order=[1, 0])),
    "confusionchart": (lambda: type(dl.confusionchart(LABELS, LABELS[::-1], "Title", "t",
                                                      "File", False)),
                       lambda: type(dl.confusionchart(LABELS, LABELS[::-1], Title="t",
                                                      File=False))),
    "arrayDatastore": (lambda: dl.arrayDatastore(np.arange(6).reshape(2, 3), "ReadSize", 2,
                                                 "IterationDimension", 1).read(),
                       lambda: dl.arrayDatastore(np.arange(6).reshape(2, 3), ReadSize=2,
                                                 IterationDimension=1).read()),
}

_SX = dl.dlarray(rng.standard_normal((8, 3, 2)), "SCB")
_SW, _SB = rng.standard_normal((2, 3, 4)), np.zeros(4)


def _graph():
    layers = [dl.sequenceInputLayer(3, Name="in"), dl.fullyConnectedLayer(2, Name="fc")]
    return dl.layerGraph(layers)


def _lstm_net():
    dl.rng(0)
    return dl.dlnetwork([dl.sequenceInputLayer(3, Name="in"),
                         dl.lstmLayer(2, Name="lstm", OutputMode="last")])


CALLS.update({
    "dlconv": (lambda: dl.dlconv(_SX, _SW, _SB, "Stride", 2, "Padding", "same"),
               lambda: dl.dlconv(_SX, _SW, _SB, Stride=2, Padding="same")),
    "maxpool": (lambda: dl.maxpool(_SX, 2, "Stride", 1, "Padding", 1),
                lambda: dl.maxpool(_SX, 2, Stride=1, Padding=1)),
    "avgpool": (lambda: dl.avgpool(_SX, 3, "Padding", "same", "PaddingValue", "mean"),
                lambda: dl.avgpool(_SX, 3, Padding="same", PaddingValue="mean")),
    "convolution1dLayer": (lambda: dl.convolution1dLayer(3, 4, "Padding", "causal"),
                           lambda: dl.convolution1dLayer(3, 4, Padding="causal")),
    "maxPooling1dLayer": (lambda: dl.maxPooling1dLayer(2, "Stride", 2),
                          lambda: dl.maxPooling1dLayer(2, Stride=2)),
    "averagePooling1dLayer": (lambda: dl.averagePooling1dLayer(2, "Padding", "same"),
                              lambda: dl.averagePooling1dLayer(2, Padding="same")),
    "globalAveragePooling1dLayer": (lambda: dl.globalAveragePooling1dLayer("Name", "g"),
                                    lambda: dl.globalAveragePooling1dLayer(Name="g")),
    "globalMaxPooling1dLayer": (lambda: dl.globalMaxPooling1dLayer("Name", "g"),
                                lambda: dl.globalMaxPooling1dLayer(Name="g")),
    "additionLayer": (lambda: dl.additionLayer(3, "Name", "add"),
                      lambda: dl.additionLayer(3, Name="add")),
    "multiplicationLayer": (lambda: dl.multiplicationLayer(2, "Name", "mul"),
                            lambda: dl.multiplicationLayer(2, Name="mul")),
    "concatenationLayer": (lambda: dl.concatenationLayer(1, 2, "Name", "cat"),
                           lambda: dl.concatenationLayer(1, 2, Name="cat")),
    "replaceLayer": (lambda: dl.replaceLayer(_graph(), "fc", dl.fullyConnectedLayer(4, Name="f"),
                                             "ReconnectBy", "order"),
                     lambda: dl.replaceLayer(_graph(), "fc", dl.fullyConnectedLayer(4, Name="f"),
                                             ReconnectBy="order")),
    "activations": (lambda: dl.activations(_lstm_net(), np.ones((3, 5)), "lstm",
                                           "OutputAs", "rows"),
                    lambda: dl.activations(_lstm_net(), np.ones((3, 5)), "lstm",
                                           OutputAs="rows")),
    "featureInputLayer": (lambda: dl.featureInputLayer(4, "Normalization", "zscore", "Name", "in"),
                          lambda: dl.featureInputLayer(4, Normalization="zscore", Name="in")),
    "convolution2dLayer": (lambda: dl.convolution2dLayer(3, 4, "Padding", "same", "Stride", 2),
                           lambda: dl.convolution2dLayer(3, 4, Padding="same", Stride=2)),
    "maxPooling2dLayer": (lambda: dl.maxPooling2dLayer(2, "Stride", 2),
                          lambda: dl.maxPooling2dLayer(2, Stride=2)),
    "averagePooling2dLayer": (
        lambda: dl.averagePooling2dLayer(2, "Padding", "same", "PaddingValue", "mean"),
        lambda: dl.averagePooling2dLayer(2, Padding="same", PaddingValue="mean")),
    "globalAveragePooling2dLayer": (lambda: dl.globalAveragePooling2dLayer("Name", "g"),
                                    lambda: dl.globalAveragePooling2dLayer(Name="g")),
    "globalMaxPooling2dLayer": (lambda: dl.globalMaxPooling2dLayer("Name", "g"),
                                lambda: dl.globalMaxPooling2dLayer(Name="g")),
    "sequenceFoldingLayer": (lambda: dl.sequenceFoldingLayer("Name", "fold"),
                             lambda: dl.sequenceFoldingLayer(Name="fold")),
    "sequenceUnfoldingLayer": (lambda: dl.sequenceUnfoldingLayer("Name", "unfold"),
                               lambda: dl.sequenceUnfoldingLayer(Name="unfold")),
    "lstmProjectedLayer": (
        lambda: dl.lstmProjectedLayer(4, 2, 1, "OutputMode", "last", "HasStateOutputs", True),
        lambda: dl.lstmProjectedLayer(4, 2, 1, OutputMode="last", HasStateOutputs=True)),
    "gruProjectedLayer": (
        lambda: dl.gruProjectedLayer(4, 2, 1, "ResetGateMode", "before-multiplication"),
        lambda: dl.gruProjectedLayer(4, 2, 1, ResetGateMode="before-multiplication")),
    "plot": (lambda: dl.plot(_graph(), "File", False, "Title", "g") and None,
             lambda: dl.plot(_graph(), File=False, Title="g") and None),
})


def _same(a, b):
    if isinstance(a, dl.DLArray) or isinstance(b, dl.DLArray):
        return isinstance(a, dl.DLArray) and isinstance(b, dl.DLArray) and a.dims == b.dims \
            and np.array_equal(dl.extractdata(a), dl.extractdata(b), equal_nan=True)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, np.asarray(b), equal_nan=a.dtype.kind == "f")
    if isinstance(a, (dl.Layer, dl.TrainingOptions)) or type(a).__module__.startswith("dlarr"):
        return type(a) is type(b) and (a == b if isinstance(a, dl.TrainingOptions)
                                       else repr(a) == repr(b))
    return a == b


def test_every_public_function_with_keyword_options_is_walked():
    found = {n for n in dl.__all__ if inspect.isfunction(getattr(dl, n))
             and _keyword_options(getattr(dl, n))}
    missing = found - set(CALLS) - set(NOT_NAME_VALUE)
    assert not missing, f"public functions with keyword options not walked: {sorted(missing)}"
    assert not set(CALLS) - found - set(ALSO), set(CALLS) - found - set(ALSO)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_positional_pairs_equal_keywords(name):
    f = getattr(dl, name)
    assert hasattr(f, "__wrapped__"), f"{name} does not take MATLAB's positional pairs"
    with_pairs, with_keywords = CALLS[name]
    if name in ("confusionchart",):
        pytest.importorskip("matplotlib")
    assert _same(with_pairs(), with_keywords())


@pytest.mark.parametrize("name", sorted(CALLS))
def test_help_and_signature_are_kept(name):
    f = getattr(dl, name)
    assert f.__doc__ and f.__doc__ == f.__wrapped__.__doc__
    assert inspect.signature(f) == inspect.signature(f.__wrapped__)
    assert f.__name__ == name


@pytest.mark.parametrize("call, fname", [
    (lambda: dl.lstmLayer(10, "OutputMode"), "lstmLayer"),
    (lambda: dl.crossentropy(Y_SOFT, T_HOT, "Reduction", "sum", "Mask"), "crossentropy"),
    (lambda: dl.predict(_tiny()[0], SEQS, "MiniBatchSize"), "predict"),
    (lambda: dl.gelu(XF, "Approximation"), "gelu"),
    (lambda: dl.dropoutLayer(0.2, "Name"), "dropoutLayer"),
])
def test_odd_count_is_an_error(call, fname):
    with pytest.raises(TypeError, match=rf"^{fname}: name-value arguments must come in pairs "
                                        r"\(Name, Value\)"):
        call()


@pytest.mark.parametrize("call, fname", [
    (lambda: dl.lstmLayer(10, "OutputMode", "last", 3, 4), "lstmLayer"),
    (lambda: dl.trainingOptions("adam", "MaxEpochs", 2, 5, 6), "trainingOptions"),
    (lambda: dl.classify(_tiny()[0], SEQS, "MiniBatchSize", 2, None, 1), "classify"),
])
def test_name_must_be_a_string(call, fname):
    with pytest.raises(TypeError, match=rf"^{fname}: the name of a name-value pair must be a "
                                        r"string, not \w+"):
        call()


def test_unknown_names_are_the_functions_own_errors():
    with pytest.raises(TypeError, match=r"LSTMLayer has no property 'OutputMod'; did you mean "
                                        r"OutputMode"):
        dl.lstmLayer(10, "OutputMod", "last")
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'Bogus'"):
        dl.crossentropy(Y_SOFT, T_HOT, "Reduction", "sum", "Bogus", 1)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'Bogus'"):
        dl.predict(_tiny()[0], SEQS, "Bogus", 1)
