"""Layers: MATLAB's properties, defaults, validation, display and initializers."""
import numpy as np
import pytest

import dlarr as dl
from dlarr import layers as L
from dlarr.networks.network import dlnetwork


def test_lstm_layer_defaults_and_display():
    layer = L.lstmLayer(100, Name="lstm1")
    assert layer.NumHiddenUnits == 100 and layer.InputSize == "auto"
    assert layer.OutputMode == "sequence"
    assert layer.StateActivationFunction == "tanh" and layer.GateActivationFunction == "sigmoid"
    assert layer.InputWeightsInitializer == "glorot"
    assert layer.RecurrentWeightsInitializer == "orthogonal"
    assert layer.BiasInitializer == "unit-forget-gate"
    assert layer.InputWeights is None and layer.HiddenState is None
    assert layer.InputWeightsLearnRateFactor == 1 and layer.BiasL2Factor == 0
    assert layer.InputWeightsL2Factor == 1
    assert layer.NumInputs == 1 and layer.InputNames == ("in",)
    assert layer.NumOutputs == 1 and layer.OutputNames == ("out",)
    text = repr(layer)
    assert text.splitlines()[0] == "LSTMLayer with properties:"
    assert "                       Name: 'lstm1'" in text
    assert "             NumHiddenUnits: 100" in text
    assert "   Learnable Parameters" in text and "               InputWeights: []" in text
    assert "   State Parameters" in text and "                  CellState: []" in text


def test_layer_array_display():
    layers = [L.sequenceInputLayer(12), L.lstmLayer(100), L.fullyConnectedLayer(9),
              L.softmaxLayer(), L.classificationLayer()]
    assert L.layer_table(layers).splitlines() == [
        "5x1 Layer array with layers:",
        "",
        "     1   ''   Sequence Input          Sequence input with 12 dimensions",
        "     2   ''   LSTM                    LSTM with 100 hidden units",
        "     3   ''   Fully Connected         9 fully connected layer",
        "     4   ''   Softmax                 softmax",
        "     5   ''   Classification Output   crossentropyex",
    ]


@pytest.mark.parametrize("make, msg", [
    (lambda: L.lstmLayer(-1), "NumHiddenUnits must be a positive integer"),
    (lambda: L.lstmLayer(2.5), "NumHiddenUnits must be a positive integer"),
    (lambda: L.lstmLayer(3, OutputMode="first"), "OutputMode 'first' is not valid; valid values are 'sequence', 'last'"),
    (lambda: L.lstmLayer(3, StateActivationFunction="gelu"), "StateActivationFunction"),
    (lambda: L.lstmLayer(3, InputWeightsInitializer="xavier"), "InputWeightsInitializer"),
    (lambda: L.lstmLayer(3, InputWeightsLearnRateFactor=[1, 2, 3]), "1x4 vector"),
    (lambda: L.lstmLayer(3, BiasL2Factor=-1), "nonnegative"),
    (lambda: L.lstmLayer(3, InputSize=0), "InputSize"),
    (lambda: L.dropoutLayer(1.5), "Probability must be a number in"),
    (lambda: L.fullyConnectedLayer(0), "OutputSize"),
    (lambda: L.gruLayer(4, ResetGateMode="sideways"), "ResetGateMode"),
])
def test_invalid_properties(make, msg):
    with pytest.raises(ValueError, match=msg):
        make()


def test_options_match_like_validatestring():
    layer = L.lstmLayer(3, OutputMode="Last", StateActivationFunction="SOFTSIGN")
    assert layer.OutputMode == "last" and layer.StateActivationFunction == "softsign"
    assert L.lstmLayer(3, OutputMode="s").OutputMode == "sequence"
    assert L.lstmLayer(3, InputWeightsInitializer="Glorot").InputWeightsInitializer == "glorot"
    with pytest.raises(ValueError, match="RecurrentWeightsInitializer 'o' is ambiguous"):
        L.lstmLayer(3, RecurrentWeightsInitializer="o")      # 'orthogonal' or 'ones'?
    with pytest.raises(ValueError, match="must be a positive integer, not inf"):
        L.lstmLayer(float("inf"))
    with pytest.raises(ValueError, match="nonnegative scalar"):
        L.lstmLayer(3, BiasL2Factor=True)
    with pytest.raises(ValueError, match="nonnegative scalar"):
        L.lstmLayer(3, BiasL2Factor=[[1, 2], [3, 4]])


def test_unknown_property_suggests():
    with pytest.raises(TypeError, match="did you mean OutputMode"):
        L.lstmLayer(3, OutputMod="last")
    layer = L.lstmLayer(3)
    with pytest.raises(ValueError, match="positive integer"):
        layer.NumHiddenUnits = 0
    with pytest.raises(AttributeError, match="read-only"):
        layer.NumInputs = 2


def _init_lstm(H=50, I=30, **kw):
    dl.rng(0)
    net = dlnetwork([L.sequenceInputLayer(I), L.lstmLayer(H, **kw)])
    return net.Layers[1]


def test_glorot_input_weights_distribution():
    H, I = 50, 30
    W = dl.extractdata(_init_lstm(H, I).InputWeights)
    assert W.shape == (4 * H, I) and W.dtype == np.float32
    bound = np.sqrt(6 / (I + 4 * H))
    assert np.abs(W).max() <= bound
    np.testing.assert_allclose(W.var(), 2 / (I + 4 * H), rtol=0.1)


def test_orthogonal_recurrent_weights():
    H = 40
    R = dl.extractdata(_init_lstm(H).RecurrentWeights).astype(np.float64)
    assert R.shape == (4 * H, H)
    np.testing.assert_allclose(R.T @ R, np.eye(H), atol=1e-5)


def test_unit_forget_gate_bias():
    H = 7
    b = dl.extractdata(_init_lstm(H).Bias).ravel()
    np.testing.assert_array_equal(b, np.r_[np.zeros(H), np.ones(H), np.zeros(2 * H)])


def test_he_and_narrow_normal_and_callable():
    H, I = 60, 40
    W = dl.extractdata(_init_lstm(H, I, InputWeightsInitializer="he").InputWeights)
    np.testing.assert_allclose(W.var(), 2 / I, rtol=0.1)
    W = dl.extractdata(_init_lstm(H, I, InputWeightsInitializer="narrow-normal").InputWeights)
    np.testing.assert_allclose(W.std(), 0.01, rtol=0.1)
    layer = _init_lstm(2, 3, InputWeightsInitializer=lambda sz: np.full(sz, 0.5),
                       BiasInitializer="ones")
    np.testing.assert_array_equal(dl.extractdata(layer.InputWeights), np.full((8, 3), 0.5))
    np.testing.assert_array_equal(dl.extractdata(layer.Bias), np.ones((8, 1)))


def test_given_weights_are_used_as_is_and_checked():
    W = np.arange(24, dtype=np.float32).reshape(8, 3)
    layer = _init_lstm(2, 3, InputWeights=W)
    np.testing.assert_array_equal(dl.extractdata(layer.InputWeights), W)
    with pytest.raises(ValueError, match="InputWeights must be 8 x 4"):
        dlnetwork([L.sequenceInputLayer(4), L.lstmLayer(2, InputWeights=W)])


def test_input_size_mismatch():
    with pytest.raises(ValueError, match="InputSize is 5 but its input has 12 channels"):
        dlnetwork([L.sequenceInputLayer(12), L.lstmLayer(3, InputSize=5)])


def test_sequence_to_label_needs_time():
    with pytest.raises(ValueError, match="expects sequence input"):
        dlnetwork([L.sequenceInputLayer(3), L.lstmLayer(4, OutputMode="last"), L.lstmLayer(2)])


def test_per_gate_factors():
    layer = _init_lstm(3, 2, InputWeightsLearnRateFactor=[1, 2, 0, 1], BiasL2Factor=[0, 1, 0, 0])
    lr, l2 = layer._factors("InputWeights")
    np.testing.assert_array_equal(np.ravel(lr), np.repeat([1, 2, 0, 1], 3))
    assert l2 == 1
    _, l2b = layer._factors("Bias")
    np.testing.assert_array_equal(np.ravel(l2b), np.repeat([0, 1, 0, 0], 3))


def test_other_layers_display():
    assert L.gruLayer(5)._description() == "GRU with 5 hidden units"
    assert L.bilstmLayer(5)._description() == "BiLSTM with 5 hidden units"
    assert L.dropoutLayer(0.2)._description() == "20% dropout"
    assert repr(L.fullyConnectedLayer(9)).startswith("FullyConnectedLayer with properties:")
    assert L.regressionLayer()._description() == "mean-squared-error"


@pytest.mark.parametrize("norm", ["zscore", "zerocenter", "rescale-symmetric", "rescale-zero-one"])
def test_sequence_input_normalization(norm):
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((3, n)) * [[1], [2], [0]] + [[5], [0], [1]] for n in (4, 6)]
    layer = L.sequenceInputLayer(3, Normalization=norm)
    layer._fit_normalization(seqs)
    allx = np.concatenate(seqs, axis=1)
    X = dl.dlarray(np.stack([seqs[0], seqs[1][:, :4]], axis=1).astype(np.float32), "CBT")
    Y = dl.extractdata(layer._forward(X, False, None)[0])
    x = dl.extractdata(X)
    mu, sd = allx.mean(1)[:, None, None], allx.std(1)[:, None, None]
    lo, hi = allx.min(1)[:, None, None], allx.max(1)[:, None, None]
    span = np.where(hi == lo, 1, hi - lo)
    ref = {"zscore": (x - mu) / np.where(sd == 0, 1, sd), "zerocenter": x - mu,
           "rescale-zero-one": (x - lo) / span, "rescale-symmetric": 2 * (x - lo) / span - 1}[norm]
    np.testing.assert_allclose(Y, ref, rtol=1e-5, atol=1e-5)


def test_bilstm_unit_forget_gate_and_per_direction_factors():
    dl.rng(0)
    net = dlnetwork([L.sequenceInputLayer(3),
                     L.bilstmLayer(2, InputWeightsLearnRateFactor=[1, 2, 3, 4, 5, 6, 7, 8])])
    b = dl.extractdata(net.Layers[1].Bias).ravel()
    np.testing.assert_array_equal(b, np.tile([0, 0, 1, 1, 0, 0, 0, 0], 2))
    lr, _ = net.Layers[1]._factors("InputWeights")
    np.testing.assert_array_equal(np.ravel(lr), np.repeat(np.arange(1, 9), 2))
    with pytest.raises(ValueError, match="1x8 vector"):
        L.bilstmLayer(2, InputWeightsLearnRateFactor=[1, 2, 3, 4])


def test_gru_per_gate_factors_cover_both_biases():
    dl.rng(0)
    net = dlnetwork([L.sequenceInputLayer(3), L.gruLayer(
        2, ResetGateMode="recurrent-bias-after-multiplication", BiasLearnRateFactor=[1, 0, 2])])
    lr, _ = net.Layers[1]._factors("Bias")
    np.testing.assert_array_equal(np.ravel(lr), np.tile(np.repeat([1, 0, 2], 2), 2))
    with pytest.raises(ValueError, match="1x3 vector"):
        L.gruLayer(2, BiasLearnRateFactor=[1, 2, 3, 4])
