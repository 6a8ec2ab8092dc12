"""The MATLAB helper functions shipped in dlarr/matlab, run in Octave.

``dlarrExportLearnables.m`` writes a network's layers (here struct stand-ins for
MATLAB's layer objects: Octave has no Deep Learning Toolbox) to a .mat that
``dl.load`` turns into a dlarr network; ``dlarrImportLearnables.m`` turns a file
``dl.save`` wrote into MATLAB's layer constructor calls (the part without the
toolbox: ``'ArgumentsOnly', true``).  Octave is not installed in CI: every test
skips cleanly without ``octave-cli``.
"""
import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

import dlarr as dl

OCTAVE = shutil.which("octave-cli")
MATLAB_DIR = pathlib.Path(dl.__file__).resolve().parent / "matlab"
pytestmark = pytest.mark.skipif(OCTAVE is None, reason="octave-cli is not installed")

# Octave helper: the argument lists of dlarrImportLearnables as JSON, each value tagged
# with its class and size (jsonencode alone would flatten matrices and lose the class).
_ENCODER = r"""
function out = dlarr_test_encode(args)
out = cell(1, numel(args));
for i = 1:numel(args)
    a = args{i};
    e = cell(1, numel(a));
    for k = 1:numel(a)
        e{k} = enc(a{k});
    end
    out{i} = e;
end
end

function e = enc(v)
if ischar(v)
    e = struct('char', v);
elseif iscell(v)
    items = cell(1, numel(v));
    for k = 1:numel(v)
        items{k} = enc(v{k});
    end
    e = struct('cell', {items}, 'size', size(v));
else
    e = struct('class', class(v), 'size', size(v), 'data', {num2cell(double(v(:)'))});
end
end
"""

_CLASSES = {"single": np.float32, "double": np.float64, "logical": np.bool_}


def _octave(code, cwd, timeout=120):
    """Run ``code`` in Octave with dlarr/matlab and ``cwd`` on the path; its stdout.
    Octave's warnings go to stderr, returned too."""
    script = f"addpath('{MATLAB_DIR}'); addpath('{cwd}'); {code}"
    r = subprocess.run([OCTAVE, "--no-gui", "--quiet", "--norc", "--eval", script],
                       capture_output=True, text=True, timeout=timeout, cwd=cwd)
    assert r.returncode == 0, f"Octave failed:\n{r.stdout}\n{r.stderr}"
    return r.stdout, r.stderr


def _json_after(marker, out):
    line = next(ln for ln in out.splitlines() if ln.startswith(marker))
    return json.loads(line[len(marker):])


def _decode(e):
    if "char" in e:
        return e["char"]
    if "cell" in e:
        return [_decode(x) for x in e["cell"]]
    data = np.array(e["data"], dtype=np.float64).reshape(e["size"], order="F")
    return data.astype(_CLASSES.get(e["class"], np.float64))


def _import_arguments(tmp_path, mat, extra=""):
    """dlarrImportLearnables(mat, ..., 'ArgumentsOnly', true) in Octave, decoded:
    (the list of argument lists, the network class)."""
    (tmp_path / "dlarr_test_encode.m").write_text(_ENCODER, encoding="utf-8")
    out, _ = _octave(f"[a, c] = dlarrImportLearnables('{mat}'{extra}, 'ArgumentsOnly', true); "
                     "disp(['@@ARGS@@' jsonencode(dlarr_test_encode(a))]); "
                     "disp(['@@CLASS@@' jsonencode(c)]);", tmp_path)
    args = [[_decode(v) for v in layer] for layer in _json_after("@@ARGS@@", out)]
    return args, _json_after("@@CLASS@@", out)


def _same(got, want, where):
    """Argument lists equal: numbers by value, arrays by class, shape and bits."""
    assert len(got) == len(want), f"{where}: {got!r} vs {want!r}"
    for k, (g, w) in enumerate(zip(got, want)):
        if isinstance(w, np.ndarray):
            assert isinstance(g, np.ndarray) and g.dtype == w.dtype and g.shape == w.shape, \
                f"{where}, argument {k}: {g!r} vs {w!r}"
            np.testing.assert_array_equal(g, w, err_msg=f"{where}, argument {k}")
        elif isinstance(w, (int, float)):
            assert isinstance(g, np.ndarray) and g.shape == (1, 1) and g[0, 0] == w, \
                f"{where}, argument {k}: {g!r} vs {w!r}"
        else:
            assert g == w, f"{where}, argument {k}: {g!r} vs {w!r}"


def _data(v):
    return np.asarray(dl.extractdata(v))


# --------------------------------------------------------------------------
# MATLAB (Octave) -> dlarr
# --------------------------------------------------------------------------

C, H, K = 12, 5, 3
CLASSES = ["alpha", "beta", "gamma"]

# A sequence classifier as MATLAB layer stand-ins, random weights of MATLAB's shapes;
# the same values also written with plain save, to compare with what dl.load builds.
_STANDINS = f"""
rand('seed', 7); randn('seed', 7);
C = {C}; H = {H}; K = {K};
W = single(randn(4*H, C) / 3); R = single(randn(4*H, H) / 3); b = single(randn(4*H, 1));
Wfc = single(randn(K, H)); bfc = single(randn(K, 1));
mu = single(randn(C, 1)); sigma = single(0.5 + rand(C, 1));
si = struct('Class', 'nnet.cnn.layer.SequenceInputLayer', 'Name', 'in', 'InputSize', C, ...
            'Normalization', 'zscore', 'Mean', mu, 'StandardDeviation', sigma);
lstm = struct('Class', 'nnet.cnn.layer.LSTMLayer', 'Name', 'lstm', 'NumHiddenUnits', H, ...
              'OutputMode', 'last', 'InputWeights', W, 'RecurrentWeights', R, 'Bias', b, ...
              'InputSize', C);
fc = struct('Class', 'nnet.cnn.layer.FullyConnectedLayer', 'Name', 'fc', 'OutputSize', K, ...
            'InputSize', H, 'Weights', Wfc, 'Bias', bfc);
sm = struct('Class', 'nnet.cnn.layer.SoftmaxLayer', 'Name', 'softmax');
out = struct('Class', 'nnet.cnn.layer.ClassificationOutputLayer', 'Name', 'classoutput', ...
             'Classes', {{{{{", ".join(repr(c) for c in CLASSES)}}}}}, 'OutputSize', K);
"""


def _reference_scores(X, W, R, b, Wfc, bfc, mu, sigma):
    """The classifier's scores from MathWorks' LSTM equations (gates i, f, g, o), in
    float64 NumPy: zscore, the last hidden state, fully connected, softmax."""
    sig = lambda z: 1 / (1 + np.exp(-z))                       # noqa: E731
    W, R, b, Wfc, bfc, mu, sigma = (np.asarray(a, np.float64) for a in
                                    (W, R, b, Wfc, bfc, mu, sigma))
    scores = []
    for x in X:
        x = (x.astype(np.float64) - mu) / sigma
        h = np.zeros((H, 1))
        c = np.zeros((H, 1))
        for t in range(x.shape[1]):
            z = W @ x[:, t:t + 1] + R @ h + b
            i, f, g, o = sig(z[:H]), sig(z[H:2 * H]), np.tanh(z[2 * H:3 * H]), sig(z[3 * H:])
            c = f * c + i * g
            h = o * np.tanh(c)
        y = Wfc @ h + bfc
        e = np.exp(y - y.max())
        scores.append((e / e.sum()).ravel())
    return np.array(scores)


def test_octave_export_loads_into_a_dlarr_network(tmp_path):
    sio = pytest.importorskip("scipy.io")
    _octave(_STANDINS + "dlarrExportLearnables(struct('Layers', {{si, lstm, fc, sm, out}}), "
            "'net.mat'); save('-v7', 'ref.mat', 'W', 'R', 'b', 'Wfc', 'bfc', 'mu', 'sigma');",
            tmp_path)
    ref = sio.loadmat(str(tmp_path / "ref.mat"))
    net = dl.load(str(tmp_path / "net.mat"))["net"]
    assert isinstance(net, dl.SeriesNetwork)
    kinds = [type(l).__name__ for l in net.Layers]
    assert kinds == ["SequenceInputLayer", "LSTMLayer", "FullyConnectedLayer", "SoftmaxLayer",
                     "ClassificationOutputLayer"]
    assert [l.Name for l in net.Layers] == ["in", "lstm", "fc", "softmax", "classoutput"]
    inp, lstm, fc, _, out = net.Layers
    for got, name in ((lstm.InputWeights, "W"), (lstm.RecurrentWeights, "R"), (lstm.Bias, "b"),
                      (fc.Weights, "Wfc"), (fc.Bias, "bfc"), (inp.Mean, "mu"),
                      (inp.StandardDeviation, "sigma")):
        got = _data(got)
        assert got.dtype == np.float32 and got.shape == ref[name].shape, name
        np.testing.assert_array_equal(got, ref[name], err_msg=name)
    assert lstm.NumHiddenUnits == H and lstm.OutputMode == "last" and fc.OutputSize == K
    assert inp.InputSize == C and inp.Normalization == "zscore"
    assert list(out.Classes) == CLASSES

    rng = np.random.default_rng(3)
    X = [rng.standard_normal((C, T)).astype(np.float32) for T in (7, 3, 11)]
    want = _reference_scores(X, *(ref[k] for k in ("W", "R", "b", "Wfc", "bfc", "mu", "sigma")))
    got = np.asarray(dl.predict(net, X, MiniBatchSize=1))
    assert got.shape == (len(X), K)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    labels = dl.classify(net, X, MiniBatchSize=1)
    assert [str(v) for v in np.asarray(labels).ravel()] == \
        [CLASSES[k] for k in want.argmax(axis=1)]


def test_octave_export_writes_dlarr_properties_in_order(tmp_path):
    """Each layer struct: dlarrClass, then exactly dlarr's properties in _props order."""
    kinds = {"SequenceInputLayer": "'InputSize', 3", "LSTMLayer": "'NumHiddenUnits', 2",
             "BiLSTMLayer": "'NumHiddenUnits', 2", "GRULayer": "'NumHiddenUnits', 2",
             "FullyConnectedLayer": "'OutputSize', 2", "SoftmaxLayer": "",
             "DropoutLayer": "", "ClassificationOutputLayer": "",
             "RegressionOutputLayer": "", "ReLULayer": "", "TanhLayer": "", "SigmoidLayer": ""}
    code = ["out = struct();"]
    for k, props in kinds.items():
        extra = f", {props}" if props else ""
        code.append(f"s = dlarrExportLearnables({{struct('Class', 'nnet.cnn.layer.{k}', "
                    f"'Name', 'x'{extra})}}); out.{k} = fieldnames(s{{1}})';")
    code.append("disp(['@@FIELDS@@' jsonencode(out)]);")
    out, _ = _octave(" ".join(code), tmp_path)
    fields = _json_after("@@FIELDS@@", out)
    for k in kinds:
        assert fields[k] == ["dlarrClass"] + list(getattr(dl, k)._props), k


def test_octave_export_layer_array_and_dlnetwork(tmp_path):
    """A cell of stand-ins is a layer array (dl.load: a list of layers); a network
    stand-in without an output layer is a dlnetwork; MATLAB values are converted
    (string scalars, per-gate factor rows, a scalar statistic, a function handle
    initializer with a warning)."""
    code = """
    W = reshape(single(1:24), 8, 3) / 24; R = reshape(single(1:16), 8, 2) / 16;
    gru = struct('Class', 'nnet.cnn.layer.GRULayer', 'Name', 'gru', 'NumHiddenUnits', 2, ...
                 'ResetGateMode', 'before-multiplication', ...
                 'InputWeightsInitializer', @(sz) zeros(sz), ...
                 'BiasL2Factor', [0 1 2]);
    si = struct('Class', 'nnet.cnn.layer.SequenceInputLayer', 'Name', 'in', 'InputSize', 3, ...
                'Normalization', 'zerocenter', 'Mean', single(2.5));
    drop = struct('Class', 'nnet.cnn.layer.DropoutLayer', 'Name', 'drop', 'Probability', 0.25);
    dlarrExportLearnables({si, gru, drop}, 'layers.mat');
    bi = struct('Class', 'nnet.cnn.layer.BiLSTMLayer', 'Name', 'bi', 'NumHiddenUnits', 1, ...
                'InputWeights', W, 'RecurrentWeights', R(:, 1), 'Bias', single((1:8)'));
    fc = struct('Class', 'nnet.cnn.layer.FullyConnectedLayer', 'Name', 'fc', 'OutputSize', 2, ...
                'Weights', single([1 2; 3 4]), 'Bias', single([5; 6]));
    si.Normalization = 'none';
    dlarrExportLearnables(struct('Layers', {{si, bi, fc}}), 'dlnet.mat');
    """
    _, err = _octave(code, tmp_path)
    assert "InputWeightsInitializer" in err and "'glorot'" in err     # the warning
    layers = dl.load(str(tmp_path / "layers.mat"))["net"]
    assert isinstance(layers, list) and [l.Name for l in layers] == ["in", "gru", "drop"]
    si, gru, drop = layers
    np.testing.assert_array_equal(_data(si.Mean), np.full((3, 1), 2.5, np.float32))
    assert gru.ResetGateMode == "before-multiplication" and gru.InputWeightsInitializer == "glorot"
    assert tuple(np.ravel(gru.BiasL2Factor)) == (0.0, 1.0, 2.0) and drop.Probability == 0.25

    net = dl.load(str(tmp_path / "dlnet.mat"))["net"]
    assert isinstance(net, dl.dlnetwork) and net.Initialized
    bi = net.Layers[1]
    np.testing.assert_array_equal(_data(bi.InputWeights),
                                  (np.arange(1, 25, dtype=np.float32).reshape(3, 8).T / 24))
    X = dl.dlarray(np.ones((3, 1, 4), np.float32), "CBT")
    assert dl.predict(net, X).shape == (2, 1, 4)


def test_octave_export_errors(tmp_path):
    code = """
    try
        dlarrExportLearnables({struct('Class', 'nnet.cnn.layer.Convolution2DLayer', ...
                                      'Name', 'conv')});
    catch e
        disp(['@@E1@@' e.message]);
    end
    try
        dlarrExportLearnables({struct('Class', 'nnet.cnn.layer.LSTMLayer', 'Name', 'l', ...
                               'NumHiddenUnits', 3, 'HasStateInputs', true)});
    catch e
        disp(['@@E2@@' e.message]);
    end
    try
        dlarrExportLearnables({struct('Class', 'nnet.cnn.layer.LSTMLayer', 'Name', 'l')});
    catch e
        disp(['@@E3@@' e.message]);
    end
    """
    out, _ = _octave(code, tmp_path)
    msgs = {ln[:6]: ln[6:] for ln in out.splitlines() if ln.startswith("@@E")}
    assert "'conv'" in msgs["@@E1@@"] and "Convolution2DLayer" in msgs["@@E1@@"]
    assert "HasStateInputs" in msgs["@@E2@@"] and "'l'" in msgs["@@E2@@"]
    assert "NumHiddenUnits" in msgs["@@E3@@"]


# --------------------------------------------------------------------------
# dlarr -> MATLAB (Octave)
# --------------------------------------------------------------------------

def _classifier():
    rng = np.random.default_rng(11)
    mu = rng.standard_normal((4, 1)).astype(np.float32)
    sd = (0.5 + rng.random((4, 1))).astype(np.float32)
    layers = [dl.sequenceInputLayer(4, Name="in", Normalization="zscore", Mean=mu,
                                    StandardDeviation=sd),
              dl.lstmLayer(6, OutputMode="last", Name="lstm"),
              dl.dropoutLayer(0.25, Name="drop"),
              dl.fullyConnectedLayer(3, Name="fc"),
              dl.softmaxLayer(Name="sm"),
              dl.classificationLayer(Name="out", Classes=["cat", "dog", "emu"])]
    return dl.SeriesNetwork(layers), mu, sd


def test_dlarr_save_gives_matlab_constructor_calls(tmp_path):
    pytest.importorskip("scipy.io")
    net, mu, sd = _classifier()
    dl.save(str(tmp_path / "net.mat"), net=net)
    args, cls = _import_arguments(tmp_path, "net.mat")
    assert cls == "SeriesNetwork"
    lstm, fc = net.Layers[1], net.Layers[3]
    want = [
        ["sequenceInputLayer", 4, "Name", "in", "Normalization", "zscore", "Mean", mu,
         "StandardDeviation", sd],
        ["lstmLayer", 6, "Name", "lstm", "OutputMode", "last",
         "InputWeights", _data(lstm.InputWeights), "RecurrentWeights",
         _data(lstm.RecurrentWeights), "Bias", _data(lstm.Bias)],
        ["dropoutLayer", 0.25, "Name", "drop"],
        ["fullyConnectedLayer", 3, "Name", "fc", "Weights", _data(fc.Weights),
         "Bias", _data(fc.Bias)],
        ["softmaxLayer", "Name", "sm"],
        ["classificationLayer", "Name", "out", "Classes", ["cat", "dog", "emu"]],
    ]
    assert [a[0] for a in args] == [w[0] for w in want]
    for i, (g, w) in enumerate(zip(args, want)):
        _same(g, w, f"layer {i} ({w[0]})")
    assert args[1][7].shape == (24, 4) and args[1][9].shape == (24, 6)


def test_dlarr_save_recurrent_options_and_variable_choice(tmp_path):
    """bilstm, gru with non-default options and per-gate factors, a regression
    network; with two networks in the file the variable must be named."""
    pytest.importorskip("scipy.io")
    lo = np.zeros((3, 1), np.float32) - 1
    hi = np.arange(1, 4, dtype=np.float32).reshape(3, 1)
    layers = [dl.sequenceInputLayer(3, Name="in", Normalization="rescale-symmetric",
                                    Min=lo, Max=hi),
              dl.bilstmLayer(2, Name="bi", BiasL2Factor=[0, 1, 0, 1, 0, 1, 0, 1]),
              dl.gruLayer(3, Name="gru", ResetGateMode="before-multiplication",
                          GateActivationFunction="hard-sigmoid", OutputMode="last"),
              dl.fullyConnectedLayer(2, Name="fc", WeightLearnRateFactor=2),
              dl.regressionLayer(Name="reg")]
    net = dl.SeriesNetwork(layers)
    classifier, _, _ = _classifier()
    dl.save(str(tmp_path / "two.mat"), reg=net, cls=classifier)

    out, _ = _octave("try, dlarrImportLearnables('two.mat', 'ArgumentsOnly', true); "
                     "catch e, disp(['@@E@@' e.message]); end", tmp_path)
    msg = next(ln for ln in out.splitlines() if ln.startswith("@@E@@"))
    assert "reg" in msg and "cls" in msg

    args, cls = _import_arguments(tmp_path, "two.mat", ", 'reg'")
    assert cls == "SeriesNetwork"
    bi, gru, fc = net.Layers[1], net.Layers[2], net.Layers[3]
    want = [
        ["sequenceInputLayer", 3, "Name", "in", "Normalization", "rescale-symmetric",
         "Min", lo, "Max", hi],
        ["bilstmLayer", 2, "Name", "bi", "InputWeights", _data(bi.InputWeights),
         "RecurrentWeights", _data(bi.RecurrentWeights), "Bias", _data(bi.Bias),
         "BiasL2Factor", np.array([[0, 1, 0, 1, 0, 1, 0, 1]], np.float64)],
        ["gruLayer", 3, "Name", "gru", "OutputMode", "last",
         "ResetGateMode", "before-multiplication", "GateActivationFunction", "hard-sigmoid",
         "InputWeights", _data(gru.InputWeights), "RecurrentWeights",
         _data(gru.RecurrentWeights), "Bias", _data(gru.Bias)],
        ["fullyConnectedLayer", 2, "Name", "fc", "Weights", _data(fc.Weights),
         "Bias", _data(fc.Bias), "WeightLearnRateFactor", 2],
        ["regressionLayer", "Name", "reg"],
    ]
    for i, (g, w) in enumerate(zip(args, want)):
        _same(g, w, f"layer {i} ({w[0]})")
    assert len(args) == len(want)
    assert args[1][5].shape == (16, 3) and args[2][11].shape == (9, 4)


def test_trained_network_and_layer_array_to_matlab(tmp_path):
    """After trainNetwork on categorical labels Classes is a categorical (a tagged
    struct in the file) and the statistics are computed: the constructor calls get the
    classes' names in order and the statistics; a layer array given a 1-D Mean gets an
    InputSize x 1 column."""
    pytest.importorskip("scipy.io")
    rng = np.random.default_rng(5)
    X = [rng.standard_normal((3, T)) for T in (4, 6, 5, 7)]
    Y = dl.categorical(["up", "down", "up", "down"], ["up", "down"])
    layers = [dl.sequenceInputLayer(3, Normalization="zscore"),
              dl.lstmLayer(2, OutputMode="last"), dl.fullyConnectedLayer(2),
              dl.softmaxLayer(), dl.classificationLayer()]
    net = dl.trainNetwork(X, Y, layers, dl.trainingOptions("adam", MaxEpochs=2,
                                                           Verbose=False))
    assert isinstance(net.Layers[-1].Classes, dl.categorical)
    one = dl.sequenceInputLayer(3, Name="in", Normalization="zerocenter",
                                Mean=np.array([1.5, -2.0, 0.25]))
    dl.save(str(tmp_path / "trained.mat"), net=net, layers=[one])

    args, cls = _import_arguments(tmp_path, "trained.mat", ", 'net'")
    assert cls == "SeriesNetwork"
    inp, lstm = net.Layers[0], net.Layers[1]
    _same(args[0], ["sequenceInputLayer", 3, "Name", inp.Name, "Normalization", "zscore",
                    "Mean", _data(inp.Mean), "StandardDeviation", _data(inp.StandardDeviation)],
          "sequence input")
    _same(args[1][6:8], ["InputWeights", _data(lstm.InputWeights)], "lstm")
    _same(args[4], ["classificationLayer", "Name", net.Layers[4].Name, "Classes",
                    list(net.Layers[4].Classes.Categories)], "classification")

    args, cls = _import_arguments(tmp_path, "trained.mat", ", 'layers'")
    assert cls == ""
    _same(args[0], ["sequenceInputLayer", 3, "Name", "in", "Normalization", "zerocenter",
                    "Mean", np.array([[1.5], [-2.0], [0.25]])], "layer array")


def test_activations_both_ways(tmp_path):
    """reluLayer, tanhLayer, sigmoidLayer: a dlnetwork saved by dlarr gives their
    constructor calls; stand-ins exported from Octave load as dlarr's layers."""
    pytest.importorskip("scipy.io")
    net = dl.dlnetwork([dl.sequenceInputLayer(2, Name="in"), dl.fullyConnectedLayer(3, Name="fc"),
                        dl.reluLayer(Name="r"), dl.tanhLayer(Name="t"),
                        dl.sigmoidLayer(Name="s")])
    dl.save(str(tmp_path / "act.mat"), net=net)
    args, cls = _import_arguments(tmp_path, "act.mat")
    assert cls == "dlnetwork"
    assert args[2:] == [["reluLayer", "Name", "r"], ["tanhLayer", "Name", "t"],
                        ["sigmoidLayer", "Name", "s"]]
    _octave("c = {}; k = {'ReLULayer', 'TanhLayer', 'SigmoidLayer'}; "
            "for i = 1:3, c{i} = struct('Class', ['nnet.cnn.layer.' k{i}], 'Name', k{i}); end; "
            "dlarrExportLearnables(c, 'act2.mat');", tmp_path)
    layers = dl.load(str(tmp_path / "act2.mat"))["net"]
    assert [(type(l), l.Name) for l in layers] == [(dl.ReLULayer, "ReLULayer"),
                                                   (dl.TanhLayer, "TanhLayer"),
                                                   (dl.SigmoidLayer, "SigmoidLayer")]
