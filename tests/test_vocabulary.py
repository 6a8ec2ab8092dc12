"""One vocabulary, one matcher: every string option of the public API is matched as
MATLAB's validatestring does (any case, an unambiguous leading part), through
``dlarr.core.options.choose``, and a bad value names the argument and lists the choices.

The walk: every public function's keyword arguments with a string default, every layer
property whose validator has a fixed set of names, and every training option.
"""
import inspect
import re

import numpy as np
import pytest

import dlarr as dl
from dlarr.core import options as V

rng = np.random.default_rng(0)


def _variants(option, options):
    """The spellings a user may type for ``option``: upper case, swapped case, and
    the shortest unambiguous leading part (when one exists)."""
    out = {option.upper(), option.swapcase()}
    for n in range(1, len(option)):
        prefix = option[:n]
        if [o for o in options if o.lower().startswith(prefix.lower())] == [option]:
            out.add(prefix.upper())
            break
    return out


def _bad_value_message(argname, options):
    return rf"{argname} 'zzz-not-an-option' is not valid; valid values are " + \
        re.escape(", ".join(repr(o) for o in options))


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------
X3 = dl.dlarray(rng.standard_normal((3, 2, 4)), "CBT")
H2, C2 = np.zeros((2, 1)), np.zeros((2, 1))
W_LSTM, R_LSTM, B_LSTM = (dl.dlarray(rng.standard_normal(s)) for s in ((8, 3), (8, 2), (8, 1)))
W_GRU, R_GRU = dl.dlarray(rng.standard_normal((6, 3))), dl.dlarray(rng.standard_normal((6, 2)))
Y_SOFT = dl.softmax(dl.dlarray(rng.standard_normal((3, 4)), "CB"))
T_HOT = dl.dlarray(np.eye(3)[:, [0, 1, 2, 0]], "CB")
MASK = dl.dlarray(np.ones((3, 4)), "CB")


def _gru(**kw):
    mode = kw.get("ResetGateMode", "after-multiplication")
    try:
        rec = V.choose(mode, V.RESET_GATE_MODES, "", "") == V.RESET_GATE_MODES[2]
    except ValueError:
        rec = False
    nb = 12 if rec else 6
    return dl.gru(X3, H2, W_GRU, R_GRU, dl.dlarray(np.zeros((nb, 1))), **kw)


# (public name, argument) -> (call with that argument, the option set)
FUNCTIONS = {
    ("lstm", "StateActivationFunction"): (
        lambda v: dl.lstm(X3, H2, C2, W_LSTM, R_LSTM, B_LSTM, StateActivationFunction=v),
        V.STATE_ACTIVATIONS),
    ("lstm", "GateActivationFunction"): (
        lambda v: dl.lstm(X3, H2, C2, W_LSTM, R_LSTM, B_LSTM, GateActivationFunction=v),
        V.GATE_ACTIVATIONS),
    ("gru", "ResetGateMode"): (lambda v: _gru(ResetGateMode=v), V.RESET_GATE_MODES),
    ("gru", "StateActivationFunction"): (lambda v: _gru(StateActivationFunction=v),
                                         V.STATE_ACTIVATIONS),
    ("gru", "GateActivationFunction"): (lambda v: _gru(GateActivationFunction=v),
                                        V.GATE_ACTIVATIONS),
    ("gelu", "Approximation"): (lambda v: dl.gelu(X3, Approximation=v), V.GELU_APPROXIMATIONS),
    ("clipgradients", "method"): (lambda v: dl.clipgradients([np.ones(3)], 1.0, v),
                                  V.GRADIENT_THRESHOLD_METHODS),
    ("onehotencode", "typename"): (lambda v: dl.onehotencode(np.array([[1, 2]]), 0, v),
                                   V.FLOAT_CLASSES),
    ("rng", "generator"): (lambda v: dl.rng(dl.rng(), v), V.RNG_GENERATORS),
    ("reshape", "order"): (lambda v: dl.reshape(X3, 24, order=v), V.RESHAPE_ORDERS),
    ("padsequences", "Length"): (lambda v: dl.padsequences([np.ones((2, 3))], 1, Length=v),
                                 V.SEQUENCE_LENGTHS),
    ("padsequences", "Direction"): (
        lambda v: dl.padsequences([np.ones((2, 3))], 1, Direction=v), V.PADDING_DIRECTIONS),
    ("padsequences", "PaddingValue"): (
        lambda v: dl.padsequences([np.ones((2, 3))], 1, PaddingValue=v), V.PADDING_VALUES),
    ("arrayDatastore", "OutputType"): (lambda v: dl.arrayDatastore(np.ones(3), OutputType=v),
                                       V.ARRAY_OUTPUT_TYPES),
    ("cumsum", "direction"): (lambda v: dl.cumsum(X3, "T", v), V.CUMSUM_DIRECTIONS),
}
for _f in ("crossentropy", "l1loss", "l2loss", "huber"):
    FUNCTIONS[(_f, "Reduction")] = (
        lambda v, f=_f: getattr(dl, f)(Y_SOFT, T_HOT, Reduction=v), V.LOSS_REDUCTIONS)
    FUNCTIONS[(_f, "NormalizationFactor")] = (
        lambda v, f=_f: getattr(dl, f)(Y_SOFT, T_HOT, NormalizationFactor=v, Mask=MASK),
        V.LOSS_NORMALIZATIONS)
FUNCTIONS[("indexcrossentropy", "Reduction")] = (
    lambda v: dl.indexcrossentropy(Y_SOFT, np.array([[0, 1, 2, 0]]), Reduction=v,
                                   DataFormat=None), V.LOSS_REDUCTIONS)
FUNCTIONS[("indexcrossentropy", "NormalizationFactor")] = (
    lambda v: dl.indexcrossentropy(Y_SOFT, np.array([[0, 1, 2, 0]]), NormalizationFactor=v,
                                   Mask=dl.dlarray(np.ones((1, 4)), "CB")),
    V.LOSS_NORMALIZATIONS)
FUNCTIONS[("crossentropy", "ClassificationMode")] = (
    lambda v: dl.crossentropy(Y_SOFT, T_HOT, ClassificationMode=v), V.CLASSIFICATION_MODES)
FUNCTIONS[("crossentropy", "TargetCategories")] = (
    lambda v: dl.crossentropy(Y_SOFT, T_HOT, TargetCategories=v), V.TARGET_CATEGORIES)
for _f in ("initializeGaussian", "initializeGlorot", "initializeHe", "initializeNarrowNormal",
           "initializeOnes", "initializeOrthogonal", "initializeZeros"):
    _args = {"initializeGlorot": ((4, 3), 4, 3), "initializeHe": ((4, 3), 3)}.get(_f, ((4, 3),))
    FUNCTIONS[(_f, "className")] = (lambda v, f=_f, a=_args: getattr(dl, f)(*a, className=v),
                                    V.FLOAT_CLASSES)
FUNCTIONS[("initializeUnitForgetGate", "className")] = (
    lambda v: dl.initializeUnitForgetGate(3, className=v), V.FLOAT_CLASSES)


def _chart(**option):
    """confusionchart, not written to a file; the options are checked before matplotlib is
    imported, so without matplotlib a valid option gets as far as the ImportError."""
    from unittest import mock
    try:
        with mock.patch("dlarr.training.metrics._has_display", lambda: False):   # no window
            dl.confusionchart(np.eye(2, dtype=int) + 1, File=False, **option)
    except ImportError:
        pass


for _arg, _set in (("Normalization", V.CONFUSION_NORMALIZATIONS),
                   ("RowSummary", V.ROW_SUMMARIES), ("ColumnSummary", V.COLUMN_SUMMARIES)):
    FUNCTIONS[("confusionchart", _arg)] = (lambda v, a=_arg: _chart(**{a: v}), _set)

def _onnx_file():
    """A small exported network (once), for importONNXNetwork's options."""
    if not hasattr(_onnx_file, "path"):
        import tempfile
        pytest.importorskip("onnx")
        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(2, OutputMode="last"),
                            dl.fullyConnectedLayer(2), dl.softmaxLayer()])
        _onnx_file.path = tempfile.mkdtemp() + "/net.onnx"
        dl.exportONNXNetwork(net, _onnx_file.path)
    return _onnx_file.path


FUNCTIONS[("importONNXNetwork", "TargetNetwork")] = (
    lambda v: dl.importONNXNetwork(_onnx_file(), TargetNetwork=v,
                                   **({} if v.lower().startswith("dl") else
                                      {"OutputLayerType": "classification"})),
    V.ONNX_TARGET_NETWORKS)
FUNCTIONS[("importONNXNetwork", "OutputLayerType")] = (
    lambda v: dl.importONNXNetwork(_onnx_file(), OutputLayerType=v), V.ONNX_OUTPUT_LAYER_TYPES)

_Q = dl.dlarray(np.random.default_rng(1).standard_normal((4, 2, 5)), "CBT")
FUNCTIONS[("attention", "AttentionMask")] = (
    lambda v: dl.attention(_Q, _Q, _Q, 2, AttentionMask=v), V.ATTENTION_MASKS)
FUNCTIONS[("attention", "Scale")] = (
    lambda v: dl.attention(_Q, _Q, _Q, 2, Scale=v), V.ATTENTION_SCALES)
FUNCTIONS[("layernorm", "OperationDimension")] = (
    lambda v: dl.layernorm(_Q, np.zeros((4, 1)), np.ones((4, 1)), OperationDimension=v),
    V.NORMALIZATION_DIMENSIONS)
FUNCTIONS[("groupnorm", "numGroups")] = (
    lambda v: dl.groupnorm(_Q, v, np.zeros((4, 1)), np.ones((4, 1))),
    V.GROUP_NORMALIZATION_GROUPS)

_SX = dl.dlarray(np.random.default_rng(2).standard_normal((8, 3, 2)), "SCB")
_SW, _SB = np.ones((2, 3, 4)), np.zeros(4)
FUNCTIONS[("dlconv", "Padding")] = (lambda v: dl.dlconv(_SX, _SW, _SB, Padding=v),
                                    V.CONV_PADDINGS)
FUNCTIONS[("dlconv", "PaddingValue")] = (
    lambda v: dl.dlconv(_SX, _SW, _SB, Padding=1, PaddingValue=v), V.CONV_PADDING_VALUES)
FUNCTIONS[("maxpool", "Padding")] = (lambda v: dl.maxpool(_SX, 2, Padding=v), V.POOL_PADDINGS)
FUNCTIONS[("avgpool", "Padding")] = (lambda v: dl.avgpool(_SX, 2, Padding=v), V.POOL_PADDINGS)
FUNCTIONS[("maxpool", "poolsize")] = (lambda v: dl.maxpool(_SX, v), V.POOL_SIZES)
FUNCTIONS[("avgpool", "poolsize")] = (lambda v: dl.avgpool(_SX, v), V.POOL_SIZES)
FUNCTIONS[("avgpool", "PaddingValue")] = (
    lambda v: dl.avgpool(_SX, 2, Padding=1, PaddingValue=v), V.AVGPOOL_PADDING_VALUES)


def _replaced(v):
    layers = [dl.sequenceInputLayer(3, Name="in"), dl.fullyConnectedLayer(2, Name="fc")]
    return dl.replaceLayer(dl.layerGraph(layers), "fc", dl.fullyConnectedLayer(4, Name="fc2"),
                           ReconnectBy=v)


def _activations(v):
    dl.rng(0)
    net = dl.dlnetwork([dl.sequenceInputLayer(3, Name="in"),
                        dl.lstmLayer(2, Name="lstm", OutputMode="last")])
    return dl.activations(net, np.ones((3, 5)), "lstm", OutputAs=v)


FUNCTIONS[("replaceLayer", "ReconnectBy")] = (_replaced, V.RECONNECT_MODES)
FUNCTIONS[("activations", "OutputAs")] = (_activations, V.ACTIVATION_OUTPUTS)

# String defaults that are not a fixed set of names: norm's dim ('all' or labels),
# exportONNXNetwork's NetworkName (any name), importONNXNetwork's Classes ('auto' or names).
NOT_CHOICES = {("norm", "dim"), ("exportONNXNetwork", "NetworkName"),
               ("importONNXNetwork", "Classes")}
# InputDataFormats: 'auto' or a data format (any labels), not a fixed set of names.
NOT_CHOICES |= {(f, "InputDataFormats") for f in ("forward", "predict", "minibatchpredict",
                                                 "activations")}


def test_every_string_default_of_the_public_api_is_walked():
    found = set()
    for name in dl.__all__:
        f = getattr(dl, name)
        if not inspect.isfunction(f):
            continue
        for p in inspect.signature(f).parameters.values():
            if isinstance(p.default, str):
                found.add((name, p.name))
    missing = found - set(FUNCTIONS) - NOT_CHOICES
    assert not missing, f"string options without a vocabulary check: {sorted(missing)}"


def _cases():
    for (fname, arg), (call, options) in sorted(FUNCTIONS.items()):
        for o in options:
            yield pytest.param(call, o, options, id=f"{fname}-{arg}-{o}")


@pytest.mark.parametrize("call,option,options", list(_cases()))
def test_function_options_match_as_validatestring(call, option, options):
    call(option)
    for spelling in _variants(option, options):
        call(spelling)


@pytest.mark.parametrize("key", sorted(FUNCTIONS), ids=lambda k: f"{k[0]}-{k[1]}")
def test_function_bad_option_names_argument_and_choices(key):
    call, options = FUNCTIONS[key]
    with pytest.raises(ValueError, match=_bad_value_message(key[1], options)):
        call("zzz-not-an-option")


def test_variants_give_the_canonical_value():
    """A prefix is not just accepted: it selects the option it starts."""
    Y1, _, _ = dl.lstm(X3, H2, C2, W_LSTM, R_LSTM, B_LSTM, StateActivationFunction="SOFT")
    Y2, _, _ = dl.lstm(X3, H2, C2, W_LSTM, R_LSTM, B_LSTM, StateActivationFunction="softsign")
    np.testing.assert_array_equal(dl.extractdata(Y1), dl.extractdata(Y2))
    g = dl.clipgradients([np.array([3.0, 4.0])], 1.0, "global")      # issue 9's bug
    np.testing.assert_allclose(g[0], [0.6, 0.8])


# --------------------------------------------------------------------------
# Layer properties
# --------------------------------------------------------------------------
LAYERS = {
    "sequenceInputLayer": lambda **kw: dl.sequenceInputLayer(3, **kw),
    "lstmLayer": lambda **kw: dl.lstmLayer(2, **kw),
    "gruLayer": lambda **kw: dl.gruLayer(2, **kw),
    "bilstmLayer": lambda **kw: dl.bilstmLayer(2, **kw),
    "fullyConnectedLayer": lambda **kw: dl.fullyConnectedLayer(2, **kw),
    "softmaxLayer": lambda **kw: dl.softmaxLayer(**kw),
    "leakyReluLayer": lambda **kw: dl.leakyReluLayer(**kw),
    "clippedReluLayer": lambda **kw: dl.clippedReluLayer(6, **kw),
    "eluLayer": lambda **kw: dl.eluLayer(**kw),
    "geluLayer": lambda **kw: dl.geluLayer(**kw),
    "swishLayer": lambda **kw: dl.swishLayer(**kw),
    "flattenLayer": lambda **kw: dl.flattenLayer(**kw),
    "batchNormalizationLayer": lambda **kw: dl.batchNormalizationLayer(**kw),
    "layerNormalizationLayer": lambda **kw: dl.layerNormalizationLayer(**kw),
    "selfAttentionLayer": lambda **kw: dl.selfAttentionLayer(2, 4, **kw),
    "positionEmbeddingLayer": lambda **kw: dl.positionEmbeddingLayer(4, 10, **kw),
    "wordEmbeddingLayer": lambda **kw: dl.wordEmbeddingLayer(4, 10, **kw),
    "reluLayer": lambda **kw: dl.reluLayer(**kw),
    "tanhLayer": lambda **kw: dl.tanhLayer(**kw),
    "sigmoidLayer": lambda **kw: dl.sigmoidLayer(**kw),
    "dropoutLayer": lambda **kw: dl.dropoutLayer(**kw),
    "classificationLayer": lambda **kw: dl.classificationLayer(**kw),
    "regressionLayer": lambda **kw: dl.regressionLayer(**kw),
    "convolution1dLayer": lambda **kw: dl.convolution1dLayer(3, 4, **kw),
    "maxPooling1dLayer": lambda **kw: dl.maxPooling1dLayer(2, **kw),
    "averagePooling1dLayer": lambda **kw: dl.averagePooling1dLayer(2, **kw),
    "globalAveragePooling1dLayer": lambda **kw: dl.globalAveragePooling1dLayer(**kw),
    "globalMaxPooling1dLayer": lambda **kw: dl.globalMaxPooling1dLayer(**kw),
    "additionLayer": lambda **kw: dl.additionLayer(2, **kw),
    "multiplicationLayer": lambda **kw: dl.multiplicationLayer(2, **kw),
    "concatenationLayer": lambda **kw: dl.concatenationLayer(1, 2, **kw),
    "featureInputLayer": lambda **kw: dl.featureInputLayer(3, **kw),
    "convolution2dLayer": lambda **kw: dl.convolution2dLayer(3, 4, **kw),
    "maxPooling2dLayer": lambda **kw: dl.maxPooling2dLayer(2, **kw),
    "averagePooling2dLayer": lambda **kw: dl.averagePooling2dLayer(2, **kw),
    "globalAveragePooling2dLayer": lambda **kw: dl.globalAveragePooling2dLayer(**kw),
    "globalMaxPooling2dLayer": lambda **kw: dl.globalMaxPooling2dLayer(**kw),
    "sequenceFoldingLayer": lambda **kw: dl.sequenceFoldingLayer(**kw),
    "sequenceUnfoldingLayer": lambda **kw: dl.sequenceUnfoldingLayer(**kw),
    "lstmProjectedLayer": lambda **kw: dl.lstmProjectedLayer(4, 2, 1, **kw),
    "gruProjectedLayer": lambda **kw: dl.gruProjectedLayer(4, 2, 1, **kw),
}


def _layer_cases():
    for lname, make in LAYERS.items():
        layer = make()
        for prop, (_, check) in type(layer)._props.items():
            options = getattr(check, "options", None)
            if options:
                yield pytest.param(make, prop, tuple(options), id=f"{lname}-{prop}")


LAYER_CASES = list(_layer_cases())


def test_every_layer_class_is_walked():
    public = {type(getattr(dl, n)) for n in dl.__all__
              if isinstance(getattr(dl, n), type) and issubclass(getattr(dl, n), dl.Layer)}
    walked = {type(make()) for make in LAYERS.values()}
    layer_classes = {getattr(dl, n) for n in dl.__all__
                     if isinstance(getattr(dl, n), type) and issubclass(getattr(dl, n), dl.Layer)
                     and getattr(dl, n) is not dl.Layer}
    assert public and layer_classes <= walked, layer_classes - walked
    assert len(LAYER_CASES) >= 15


@pytest.mark.parametrize("make,prop,options", LAYER_CASES)
def test_layer_property_options(make, prop, options):
    for o in options:
        for spelling in {o} | _variants(o, options):
            assert getattr(make(**{prop: spelling}), prop) == o       # name-value argument
            layer = make()
            setattr(layer, prop, spelling)                              # property assignment
            assert getattr(layer, prop) == o
    with pytest.raises(ValueError, match=_bad_value_message(prop, options)):
        make(**{prop: "zzz-not-an-option"})


def test_sequence_input_normalization_any_case():             # issue 9's bug
    layer = dl.sequenceInputLayer(12, Normalization="ZScore")
    assert layer.Normalization == "zscore"
    assert dl.sequenceInputLayer(12, Normalization="rescale-z").Normalization == "rescale-zero-one"
    with pytest.raises(ValueError, match="Normalization 'rescale' is ambiguous"):
        dl.sequenceInputLayer(12, Normalization="rescale")


# --------------------------------------------------------------------------
# Training options and prediction options
# --------------------------------------------------------------------------
def _option_cases():
    for solver in ("sgdm", "adam", "rmsprop"):
        opts = dl.trainingOptions(solver)
        for prop, (_, check) in type(opts)._props.items():
            options = getattr(check, "options", None)
            if options:
                yield pytest.param(solver, prop, tuple(options), id=f"{solver}-{prop}")


@pytest.mark.parametrize("solver,prop,options", list(_option_cases()))
def test_training_options(solver, prop, options):
    for o in options:
        for spelling in {o} | _variants(o, options):
            assert getattr(dl.trainingOptions(solver, **{prop: spelling}), prop) == o
    with pytest.raises(ValueError, match=_bad_value_message(prop, options)):
        dl.trainingOptions(solver, **{prop: "zzz-not-an-option"})


def _tiny_net():
    X = [rng.standard_normal((3, 5)) for _ in range(4)]
    Y = np.array([0, 1, 0, 1])
    layers = [dl.sequenceInputLayer(3), dl.lstmLayer(2, OutputMode="last"),
              dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
    opts = dl.trainingOptions("adam", MaxEpochs=1, MiniBatchSize=4, Verbose=False)
    return dl.trainNetwork(X, Y, layers, opts), X


def test_prediction_options_any_case():                     # issue 9's bugs
    net, X = _tiny_net()
    base = dl.predict(net, X)
    np.testing.assert_array_equal(dl.predict(net, X, ExecutionEnvironment="CPU"), base)
    left = dl.predict(net, X, SequencePaddingDirection="Left")
    np.testing.assert_array_equal(left, dl.predict(net, X, SequencePaddingDirection="left"))
    np.testing.assert_array_equal(dl.classify(net, X, SequenceLength="Long"),
                                  dl.classify(net, X))
    for fn in (dl.predict, dl.classify, dl.minibatchpredict):
        for arg, options in (("ExecutionEnvironment", V.EXECUTION_ENVIRONMENTS),
                             ("SequencePaddingDirection", V.PADDING_DIRECTIONS),
                             ("SequenceLength", V.SEQUENCE_LENGTHS)):
            with pytest.raises(ValueError, match=_bad_value_message(arg, options)):
                fn(net, X, **{arg: "zzz-not-an-option"})


def test_trainnet_loss_names():
    layers = [dl.sequenceInputLayer(3), dl.lstmLayer(2, OutputMode="last"),
              dl.fullyConnectedLayer(2), dl.softmaxLayer()]
    X = [rng.standard_normal((3, 5)) for _ in range(4)]
    opts = dl.trainingOptions("adam", MaxEpochs=1, MiniBatchSize=4, Verbose=False)
    dl.rng(1)
    a = dl.trainnet(X, np.array([0, 1, 0, 1]), layers, "CrossEnt", opts)
    dl.rng(1)
    b = dl.trainnet(X, np.array([0, 1, 0, 1]), layers, "crossentropy", opts)
    for va, vb in zip(a.Learnables.Value, b.Learnables.Value):
        np.testing.assert_array_equal(dl.extractdata(va), dl.extractdata(vb))
    with pytest.raises(ValueError, match=_bad_value_message("lossFcn", V.TRAINNET_LOSSES)):
        dl.trainnet(X, np.array([0, 1, 0, 1]), layers, "zzz-not-an-option", opts)


# --------------------------------------------------------------------------
# The matcher itself
# --------------------------------------------------------------------------
def test_choose_rules():
    opts = ("none", "never", "once", "on")
    assert V.choose("NE", opts, "f", "A") == "never"
    assert V.choose("on", opts, "f", "A") == "on"             # exact wins over "once"
    assert V.choose("onc", opts, "f", "A") == "once"
    with pytest.raises(ValueError, match=r"^f: A 'n' is ambiguous; valid values are 'none'"):
        V.choose("n", opts, "f", "A")
    with pytest.raises(ValueError, match=r"^f: A '' is not valid"):
        V.choose("", opts, "f", "A")
    with pytest.raises(TypeError, match=r"^f: A must be a string, one of 'none'.*not int"):
        V.choose(3, opts, "f", "A")
    with pytest.raises(ValueError, match=r"^A 'x' is not valid"):
        V.choose("x", opts, None, "A")


def test_name_tables_follow_the_vocabulary():
    """Tables keyed by option names have exactly the vocabulary's names."""
    from dlarr.functions.initializers import INITIALIZERS
    from dlarr.layers.input import SequenceInputLayer
    from dlarr.training.losses import _trainnet_loss
    assert set(SequenceInputLayer._STATS) == set(V.NORMALIZATIONS)
    for name in V.TRAINNET_LOSSES:
        loss, task = _trainnet_loss(name, False)
        assert callable(loss) and task in ("classification", "regression")
    for names in (V.WEIGHT_INITIALIZERS, V.RECURRENT_WEIGHT_INITIALIZERS,
                  V.LSTM_BIAS_INITIALIZERS, V.BIAS_INITIALIZERS):
        assert set(names) <= set(INITIALIZERS)
    import dlarr.extend as dx
    assert dx.choose is V.choose
