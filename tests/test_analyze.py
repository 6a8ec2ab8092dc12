"""analyzeNetwork: MATLAB's network analyzer as text (dlarr.networks.analyze)."""
import math

import numpy as np
import pytest

import dlarr as dl
from dlarr.layers.base import Layer
from dlarr.networks.network import SeriesNetwork


def vowels(**lstm_options):
    """The lstmLayer page's Japanese Vowels network."""
    return [dl.sequenceInputLayer(12), dl.lstmLayer(100, OutputMode="last", **lstm_options),
            dl.fullyConnectedLayer(9), dl.softmaxLayer(), dl.classificationLayer()]


def analyze(layers, **options):
    return dl.analyzeNetwork(layers, Plots="none", **options)


def errors(a):
    return [i for i in a.Issues if i.Severity == "Error"]


def warnings(a):
    return [i for i in a.Issues if i.Severity == "Warning"]


def the_issue(a, layer, text, severity="Error"):
    """The one issue about ``layer`` whose description contains ``text``."""
    found = [i for i in a.Issues if layer in i.LayerNames and text in i.Description]
    assert len(found) == 1, (layer, text, a.Issues)
    assert found[0].Severity == severity
    assert f"'{layer}'" in found[0].Description        # the message names the layer
    return found[0]


def test_japanese_vowels_sizes_learnables_and_total(capsys):
    a = dl.analyzeNetwork(vowels())
    printed = capsys.readouterr().out
    assert printed.strip() == repr(a).strip()
    assert a.Issues == () and a.TargetUsage == "trainNetwork"
    names = [r.Name for r in a.LayerTable]
    assert names == ["sequenceinput", "lstm", "fc", "softmax", "classoutput"]
    assert [r.Index for r in a.LayerTable] == [0, 1, 2, 3, 4]
    inp, lstm, fc, soft, out = a.LayerTable
    assert (inp.ActivationSizes, inp.ActivationFormats) == ((12, 1, 1), "CBT")
    assert (lstm.ActivationSizes, lstm.ActivationFormats) == ((100, 1), "CB")
    assert (fc.ActivationSizes, soft.ActivationSizes) == ((9, 1), (9, 1))
    assert (out.ActivationSizes, out.ActivationFormats) == ((), "")
    assert lstm.LearnableSizes == {"InputWeights": (400, 12), "RecurrentWeights": (400, 100),
                                   "Bias": (400, 1)}
    assert lstm.StateSizes == {"HiddenState": (100, 1), "CellState": (100, 1)}
    assert fc.LearnableSizes == {"Weights": (9, 100), "Bias": (9, 1)}
    assert inp.LearnableSizes == soft.LearnableSizes == out.LearnableSizes == {}
    assert lstm.NumLearnables == 4 * 100 * (12 + 100 + 1) and fc.NumLearnables == 9 * 100 + 9
    assert a.TotalLearnables == 4 * 100 * (12 + 100 + 1) + 9 * 100 + 9 == 46109
    assert lstm.Type == "LSTM" and lstm.Description == "LSTM with 100 hidden units"
    text = repr(a)
    for piece in ("Analysis for trainNetwork usage: 5 layers, 0 warnings, 0 errors",
                  "12(C) x 1(B) x 1(T)", "100(C) x 1(B)", "InputWeights      400x12",
                  "RecurrentWeights  400x100", "Bias              400x1", "Weights  9x100",
                  "HiddenState  100x1", "Total learnables: 46109", "No errors or warnings."):
        assert piece in text, piece


def test_other_recurrent_layers():
    a = analyze([dl.sequenceInputLayer(12), dl.gruLayer(50), dl.bilstmLayer(20, OutputMode="last"),
                 dl.fullyConnectedLayer(3), dl.softmaxLayer(), dl.classificationLayer()])
    assert a.Issues == ()
    _, gru, bi, fc, _, _ = a.LayerTable
    assert gru.LearnableSizes == {"InputWeights": (150, 12), "RecurrentWeights": (150, 50),
                                  "Bias": (150, 1)}
    assert gru.ActivationSizes == (50, 1, 1) and gru.StateSizes == {"HiddenState": (50, 1)}
    assert bi.LearnableSizes == {"InputWeights": (160, 50), "RecurrentWeights": (160, 20),
                                 "Bias": (160, 1)}
    assert bi.ActivationSizes == (40, 1) and bi.StateSizes["CellState"] == (40, 1)
    assert fc.LearnableSizes["Weights"] == (3, 40)


def test_networks_are_analyzed_too():
    dl.rng(0)
    net = dl.dlnetwork(vowels()[:-1])
    a = analyze(net)
    assert a.TargetUsage == "dlnetwork" and a.Issues == () and a.TotalLearnables == 46109
    sizes = {(r.Name, p): s for r in a.LayerTable for p, s in r.LearnableSizes.items()}
    assert sizes == {(l, p): tuple(v.shape) for l, p, v in net.Learnables}
    series = SeriesNetwork(vowels())
    b = analyze(series)
    assert b.TargetUsage == "trainNetwork" and b.Issues == () and b.TotalLearnables == 46109
    c = analyze(series, TargetUsage="dlnetwork")                  # an output layer: refused
    the_issue(c, "classoutput", "Detected output layer")
    assert math.isnan(c.TotalLearnables)


def test_missing_input_layer():
    a = analyze(vowels()[1:])
    the_issue(a, "lstm", "Missing input layer")
    assert a.LayerTable[0].ActivationSizes is None          # nothing to work sizes out from
    assert "?" in repr(a)
    b = analyze([dl.lstmLayer(10, InputSize=4), dl.fullyConnectedLayer(2), dl.softmaxLayer(),
                 dl.classificationLayer()])
    the_issue(b, "lstm", "Missing input layer")
    assert b.LayerTable[0].LearnableSizes["InputWeights"] == (40, 4)   # from its InputSize
    assert b.LayerTable[1].ActivationSizes == (2, 1, 1)
    c = analyze([])
    assert errors(c) and "no layers" in errors(c)[0].Description


def test_missing_output_layer_for_trainNetwork_only():
    layers = vowels()[:-1]
    a = analyze(layers)
    issue = the_issue(a, "softmax", "Missing output layer")
    assert "TargetUsage='dlnetwork'" in issue.Description and len(a.Issues) == 1
    assert math.isnan(a.TotalLearnables)
    assert "Total learnables: NaN" in repr(a)
    b = analyze(layers, TargetUsage="dlnetwork")
    assert b.Issues == () and b.TotalLearnables == 46109


def test_input_size_mismatch_names_the_layer_and_the_rest_is_analyzed():
    layers = [dl.sequenceInputLayer(3), dl.lstmLayer(7), dl.fullyConnectedLayer(9, InputSize=5),
              dl.fullyConnectedLayer(4), dl.softmaxLayer(), dl.classificationLayer()]
    a = analyze(layers)
    issue = the_issue(a, "fc_1", "Input size mismatch")      # MATLAB's names: fc_1, fc_2
    assert "InputSize 5" in issue.Description and "'lstm'" in issue.Description
    assert "7 channels" in issue.Description and len(a.Issues) == 1
    fc, fc1 = a.LayerTable[2], a.LayerTable[3]
    assert fc.LearnableSizes["Weights"] == (9, 5)               # the input it declares
    assert fc1.LearnableSizes["Weights"] == (4, 9) and fc1.ActivationSizes == (4, 1, 1)
    b = analyze([dl.sequenceInputLayer(3), dl.lstmLayer(7, InputSize=4)] + vowels()[2:])
    the_issue(b, "lstm", "Input size mismatch")


def test_recurrent_layer_after_a_layer_without_time():
    layers = [dl.sequenceInputLayer(12), dl.lstmLayer(100, OutputMode="last"),
              dl.lstmLayer(50, Name="lstm2"), dl.fullyConnectedLayer(9), dl.softmaxLayer(),
              dl.classificationLayer()]
    a = analyze(layers)
    issue = the_issue(a, "lstm2", "time dimension")
    assert "'lstm'" in issue.Description and "OutputMode 'last'" in issue.Description
    assert len(a.Issues) == 1
    assert a.LayerTable[2].LearnableSizes["InputWeights"] == (200, 100)
    assert a.LayerTable[3].ActivationSizes == (9, 1, 1)


def test_duplicate_names():
    layers = vowels()
    layers[1].Name = "same"
    layers[2].Name = "same"
    a = analyze(layers)
    issue = the_issue(a, "same", "Duplicate layer name")
    assert "layers 1 and 2" in issue.Description and len(a.Issues) == 1


def test_classification_layer_needs_a_softmax_before_it():
    layers = vowels()
    del layers[3]
    a = analyze(layers)
    issue = the_issue(a, "classoutput", "Missing softmax layer")
    assert "'fc'" in issue.Description
    b = analyze(vowels()[:4] + [dl.dropoutLayer(0.1), dl.classificationLayer()])
    the_issue(b, "classoutput", "softmaxLayer", severity="Warning")
    assert not errors(b) and b.TotalLearnables == 46109         # warnings keep the total


def test_output_size_against_classes():
    a = analyze(vowels()[:4] + [dl.classificationLayer(Classes=["a", "b", "c"])])
    issue = the_issue(a, "classoutput", "Output size mismatch")
    assert "3 classes" in issue.Description and "9 channels" in issue.Description
    b = analyze(vowels()[:4] + [dl.classificationLayer(Classes=[str(k) for k in range(9)])])
    assert b.Issues == ()
    c = analyze(vowels()[:4] + [dl.classificationLayer(OutputSize=4)])
    the_issue(c, "classoutput", "OutputSize is 4")
    d = analyze([dl.sequenceInputLayer(2), dl.lstmLayer(5), dl.fullyConnectedLayer(1),
                 dl.regressionLayer(ResponseNames=["x", "y"])])
    the_issue(d, "regressionoutput", "2 ResponseNames")


def test_structure_errors():
    a = analyze(vowels()[:2] + [dl.sequenceInputLayer(5, Name="in2")] + vowels()[2:])
    the_issue(a, "in2", "not the first layer")
    b = analyze(vowels()[:4] + [dl.classificationLayer(), dl.dropoutLayer()])
    the_issue(b, "classoutput", "not the last layer")
    the_issue(b, "dropout", "Missing output layer")
    c = analyze([dl.sequenceInputLayer(12, Normalization="zscore")] + vowels()[1:4],
                TargetUsage="dlnetwork")
    the_issue(c, "sequenceinput", "Mean and StandardDeviation", severity="Warning")
    assert analyze([dl.sequenceInputLayer(12, Normalization="zscore")] + vowels()[1:]).Issues == ()


class _Broken(Layer):
    _props = {}

    def _setup(self, in_size, has_time, dtype):
        raise RuntimeError("cannot set up")


def test_a_failing_setup_is_reported_not_raised():
    layers = vowels()[:2] + [_Broken()] + vowels()[2:]
    a = analyze(layers)
    issue = the_issue(a, "broken", "cannot set up")
    assert issue.Description.startswith("Layer 'broken' (_Broken): ")
    assert a.LayerTable[3].ActivationSizes is None                 # nothing reaches it
    b = analyze([dl.sequenceInputLayer(12), dl.lstmLayer(4, InputWeights=np.ones((3, 3)))]
                + vowels()[2:])
    the_issue(b, "lstm", "InputWeights must be 16 x 12")


def test_the_users_layers_and_random_stream_are_left_as_they_were():
    layers = vowels() + []
    layers[2].Name = "x"
    layers.insert(3, dl.fullyConnectedLayer(9, InputSize=5, Name="x"))   # errors too
    snapshot = [dict(vars(l)) for l in layers]
    dl.rng(7)
    analyze(layers)
    drawn = dl.randperm(1000)
    dl.rng(7)
    np.testing.assert_array_equal(drawn, dl.randperm(1000))   # nothing drawn from dlarr's rng
    for l, before in zip(layers, snapshot):
        assert vars(l) == before
    assert layers[0].Name == "" and layers[1].InputSize == "auto"
    assert layers[1].InputWeights is None and layers[2].Weights is layers[3].Weights is None
    dl.rng(3)
    net = dl.dlnetwork(vowels()[:-1])
    weights = dl.extractdata(net.Learnables["fc", "Weights"]).copy()
    analyze(net)
    np.testing.assert_array_equal(dl.extractdata(net.Learnables["fc", "Weights"]), weights)


def test_options():
    layers = vowels()[:-1]
    a = dl.analyzeNetwork(layers, "TargetUsage", "DL", "Plots", "none")   # MATLAB's pairs
    assert a.TargetUsage == "dlnetwork" and a.Issues == ()
    assert analyze(layers, TargetUsage="train").TargetUsage == "trainNetwork"
    with pytest.raises(ValueError, match=r"^analyzeNetwork: TargetUsage 'x' is not valid"):
        analyze(layers, TargetUsage="x")
    with pytest.raises(ValueError, match=r"^analyzeNetwork: Plots 'x' is not valid"):
        dl.analyzeNetwork(layers, Plots="x")
    with pytest.raises(TypeError, match=r"^analyzeNetwork: net must be a list of layers"):
        dl.analyzeNetwork("net")
    with pytest.raises(TypeError, match=r"^analyzeNetwork: net must be a list of layers"):
        dl.analyzeNetwork([dl.lstmLayer(3), 5])


def test_plots_none_prints_nothing(capsys):
    analyze(vowels())
    assert capsys.readouterr().out == ""
    a = analyze(vowels()[1:])
    head = "Analysis for trainNetwork usage: 4 layers, 0 warnings, 1 error"
    assert repr(a).splitlines()[0] == head
    assert "Errors and warnings:" in repr(a) and "Missing input layer" in str(a)
