"""Layers: MATLAB's properties, defaults, validation, display and initializers."""
import numpy as np
import pytest

import dlarr as dl
from dlarr import layers as L
from dlarr.networks.network import dlnetwork, forward


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


# --------------------------------------------------------------------------
# The Layer extension point: a custom layer, default names, factors
# --------------------------------------------------------------------------
class ScaleLayer(dl.Layer):
    """Y = Scale .* X, one learnable scale per channel (docs/extending.md's example)."""
    _learnables = ("Scale",)

    def _setup(self, in_size, has_time, dtype):
        self._init_param("Scale", "ones", (in_size, 1), in_size, in_size, dtype)
        return in_size, has_time

    def _forward(self, X, training, state):
        return X * self.Scale, state


def test_custom_layer_gradient_matches_finite_differences():
    dl.rng(3)
    net = dlnetwork([L.sequenceInputLayer(3), L.lstmLayer(4), ScaleLayer(),
                     L.fullyConnectedLayer(2)], Initialize=False).initialize(np.float64)
    rng = np.random.default_rng(4)
    scale = dl.dlarray(rng.uniform(0.5, 1.5, (4, 1)))      # away from ones: a general point
    net.Learnables = [scale if p == "Scale" else v for p, v in
                      zip(net.Learnables.Parameter, net.Learnables.Value)]
    X = dl.dlarray(rng.standard_normal((3, 2, 5)), "CBT")
    T = dl.dlarray(rng.standard_normal((2, 2, 5)), "CBT")

    def loss_of(net):
        Y, _ = forward(net, X)
        return dl.sum((Y - T) * (Y - T), "all")

    def model_loss(net):
        loss = loss_of(net)
        return loss, dl.dlgradient(loss, net.Learnables)

    _, grads = dl.dlfeval(model_loss, net)
    assert grads.Parameter == ["InputWeights", "RecurrentWeights", "Bias", "Scale", "Weights", "Bias"]
    values = [dl.extractdata(v) for v in net.Learnables.Value]
    eps = 1e-6
    for row in (3, 2):            # Scale itself, and the LSTM's bias through the custom layer
        g = dl.extractdata(grads.Value[row])
        assert g.dtype == np.float64
        fd = np.zeros_like(values[row])
        for i in np.ndindex(values[row].shape):
            loss = []
            for sign in (1, -1):
                vals = [v.copy() for v in values]
                vals[row][i] += sign * eps
                moved = dl.resetState(net)
                moved.Learnables = [dl.dlarray(v) for v in vals]
                loss.append(float(loss_of(moved)))
            fd[i] = (loss[0] - loss[1]) / (2 * eps)
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    assert np.abs(dl.extractdata(grads.Value[3])).min() > 0


def test_custom_layer_defaults():
    layer = ScaleLayer()
    assert list(ScaleLayer._props) == ["Name", "Scale"]
    assert layer.Name == "" and layer.Scale is None
    assert layer._display == "ScaleLayer" and layer._type == "ScaleLayer"
    assert ScaleLayer._default_name == "scale"
    assert ScaleLayer._groups == (("Learnable Parameters", ("Scale",)),)
    assert repr(layer).splitlines() == ["ScaleLayer with properties:", "", "     Name: ''", "",
                                        "   Learnable Parameters", "    Scale: []"]
    layer.Scale = np.ones((3, 1))                     # through the array validator
    assert isinstance(layer.Scale, dl.DLArray)
    with pytest.raises(TypeError, match="ScaleLayer has no property 'Scal'; did you mean Scale"):
        layer.Scal = 1
    net = dlnetwork([L.sequenceInputLayer(3), ScaleLayer(), ScaleLayer(), ScaleLayer(Name="scale_1"),
                     L.lstmLayer(2), L.fullyConnectedLayer(2)])
    # MATLAB's default names: repeated kinds numbered from 1, skipping the names given
    assert [l.Name for l in net.Layers] == ["sequenceinput", "scale_2", "scale_3", "scale_1",
                                            "lstm", "fc"]
    np.testing.assert_array_equal(dl.extractdata(net.Layers[1].Scale), np.ones((3, 1)))
    assert net.Layers[1].Scale.dtype == np.float32
    assert "     2   'scale_2'         ScaleLayer        ScaleLayer" in repr(net)


def test_default_names_are_class_attributes():
    import dlarr.networks.network as N
    assert not hasattr(N, "_DEFAULT_NAMES")
    assert {cls: cls._default_name for cls in (
        L.SequenceInputLayer, L.LSTMLayer, L.GRULayer, L.BiLSTMLayer, L.FullyConnectedLayer,
        L.SoftmaxLayer, L.DropoutLayer, L.ClassificationOutputLayer, L.RegressionOutputLayer)} == {
        L.SequenceInputLayer: "sequenceinput", L.LSTMLayer: "lstm", L.GRULayer: "gru",
        L.BiLSTMLayer: "bilstm", L.FullyConnectedLayer: "fc", L.SoftmaxLayer: "softmax",
        L.DropoutLayer: "dropout", L.ClassificationOutputLayer: "classoutput",
        L.RegressionOutputLayer: "regressionoutput"}

    class Doubler(dl.Layer):
        pass

    class MyLSTM(L.LSTMLayer):                  # inherits lstmLayer's name and display
        pass

    class Tripler(Doubler):                     # derives its own
        pass

    class NamedLayer(dl.Layer):
        _default_name = "nm"

    assert Doubler._default_name == "doubler" and Doubler._display == "Doubler"
    assert MyLSTM._default_name == "lstm" and MyLSTM._display == "LSTMLayer"
    assert Tripler._default_name == "tripler" and Tripler._type == "Tripler"
    assert NamedLayer._default_name == "nm"
    net = dlnetwork([L.sequenceInputLayer(2), Doubler(), MyLSTM(NumHiddenUnits=3), L.lstmLayer(3),
                     NamedLayer(), Tripler()])
    assert [l.Name for l in net.Layers] == ["sequenceinput", "doubler", "lstm_1", "lstm_2", "nm",
                                            "tripler"]


def test_factors_read_properties_else_matlab_defaults():
    def nonnegative(v, name, layer):
        return float(v)

    class Affine(dl.Layer):
        _learnables = ("Weights", "Bias", "Offset", "RecurrentBias")
        _props = {"WeightsL2Factor": (2.0, nonnegative), "OffsetLearnRateFactor": (0.5, nonnegative),
                  "RecurrentBiasL2Factor": (3.0, nonnegative)}

    layer = Affine(OffsetLearnRateFactor=4)
    assert list(Affine._props)[0] == "Name" and list(Affine._props)[-4:] == list(Affine._learnables)
    assert Affine._groups == (("Learnable Parameters", Affine._learnables),)   # factors not shown
    assert layer._factors("Weights") == (1.0, 2.0)
    assert layer._factors("Bias") == (1.0, 0.0)              # MATLAB: L2 factor 0 for biases
    assert layer._factors("Offset") == (4.0, 1.0)
    assert layer._factors("RecurrentBias") == (1.0, 3.0)

    class Mapped(Affine):
        _factor_prefix = {"Offset": "Weights"}

    assert Mapped()._factors("Offset") == (1.0, 2.0)
    fc = L.fullyConnectedLayer(3, WeightLearnRateFactor=2, WeightL2Factor=0.5, BiasL2Factor=0.25)
    assert fc._factors("Weights") == (2.0, 0.5) and fc._factors("Bias") == (1.0, 0.25)
    assert L.FullyConnectedLayer._factor_prefix == {"Weights": "Weight"}
    lstm = _init_lstm(2, 3, RecurrentWeightsL2Factor=0.5)
    assert lstm._factors("RecurrentWeights") == (1.0, 0.5)
    assert lstm._factors("Bias") == (1.0, 0.0) and lstm._factors("InputWeights") == (1.0, 1.0)


def test_layer_docstring_lists_the_hooks():
    doc = dl.Layer.__doc__
    for hook in ("_setup(in_size, has_time, dtype)", "_forward(X, training, state)", "_learnables",
                 "_states", "_factors(name)", "_props", "_groups", "_display", "_type",
                 "_description()", "_default_name", "_factor_prefix", "_initial_state", "_init_param"):
        assert hook in doc, hook


def test_each_layer_family_has_its_module():
    import importlib
    for module, names in {"base": ("Layer", "layer_table", "disp"),
                          "input": ("SequenceInputLayer", "sequenceInputLayer"),
                          "recurrent": ("LSTMLayer", "GRULayer", "BiLSTMLayer", "lstmLayer"),
                          "dense": ("FullyConnectedLayer", "fullyConnectedLayer"),
                          "activation": ("SoftmaxLayer", "softmaxLayer"),
                          "dropout": ("DropoutLayer", "dropoutLayer"),
                          "output": ("ClassificationOutputLayer", "RegressionOutputLayer",
                                     "_OUTPUT_LAYERS")}.items():
        mod = importlib.import_module(f"dlarr.layers.{module}")
        for n in names:
            assert getattr(L, n) is getattr(mod, n), (module, n)


@pytest.mark.parametrize("make, f, df", [
    (L.reluLayer, lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    (L.tanhLayer, np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    (L.sigmoidLayer, lambda x: 1 / (1 + np.exp(-x)),
     lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2)])
def test_activation_layers_compute_their_function_and_its_derivative(make, f, df):
    """reluLayer, tanhLayer, sigmoidLayer: the closed form, elementwise, format kept, and
    the gradient through a network is the closed-form derivative."""
    rs = np.random.default_rng(3)
    x = rs.standard_normal((3, 2, 5))
    x[np.abs(x) < 1e-3] = 0.5                       # keep away from relu's kink
    net = dl.dlnetwork([L.sequenceInputLayer(3), make()], Initialize=False)
    net.initialize(np.float64)
    X = dl.dlarray(x, "CBT")
    Y = dl.predict(net, X)
    assert Y.dims == "CBT" and Y.shape == (3, 2, 5)
    np.testing.assert_allclose(dl.extractdata(Y), f(x), rtol=1e-14, atol=1e-15)

    def loss(X):
        Y, _ = dl.forward(net, X)
        return dl.sum(Y * Y, "all"), dl.dlgradient(dl.sum(Y * Y, "all"), X)
    _, g = dl.dlfeval(loss, X)
    np.testing.assert_allclose(dl.extractdata(g), 2 * f(x) * df(x), rtol=1e-12, atol=1e-14)


def test_activation_layers_display_as_matlab():
    layers = [L.sequenceInputLayer(3), L.fullyConnectedLayer(4), L.reluLayer(), L.tanhLayer(),
              L.sigmoidLayer(Name="gate")]
    net = dl.dlnetwork(layers)
    assert [l.Name for l in net.Layers[2:]] == ["relu", "tanh", "gate"]
    text = L.layer_table(net.Layers)
    assert "'relu'            ReLU              ReLU" in text
    assert "Hyperbolic tangent" in text and "'gate'" in text
    assert repr(L.reluLayer()).startswith("ReLULayer with properties:")
    with pytest.raises(TypeError, match="ReLULayer has no property 'Alpha'"):
        L.reluLayer(Alpha=2)
