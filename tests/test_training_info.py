"""What training returns besides the network (MATLAB's optional outputs), trainnet's
Metrics, OutputNetwork "auto", ObjectiveMetricName, and InputDataFormats /
TargetDataFormats for plain arrays; the nargout convention of prediction."""
import contextlib
import io
import math

import numpy as np
import pytest

import dlarr as dl
from dlarr.training.info import HistoryTable, Struct, TrainingInfo
from dlarr.training.metricset import MetricSet

CLASSIFICATION_FIELDS = ["TrainingLoss", "TrainingAccuracy", "ValidationLoss",
                         "ValidationAccuracy", "BaseLearnRate", "FinalValidationLoss",
                         "FinalValidationAccuracy", "OutputNetworkIteration"]
REGRESSION_FIELDS = [f.replace("Accuracy", "RMSE") for f in CLASSIFICATION_FIELDS]


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.standard_normal((2, int(rng.integers(5, 9)))).astype(np.float32) for _ in range(n)]
    Y = np.array([int(x[0].sum() > 0) for x in X])
    return X, Y


def _layers(out=True, n=2):
    body = [dl.sequenceInputLayer(2), dl.lstmLayer(6, OutputMode="last"),
            dl.fullyConnectedLayer(n), dl.softmaxLayer()]
    return body + [dl.classificationLayer()] if out else body


def quiet(**kw):
    kw.setdefault("Verbose", False)
    kw.setdefault("MiniBatchSize", 10)
    return dl.trainingOptions("adam", **kw)


# --------------------------------------------------------------------------
# trainNetwork's info
# --------------------------------------------------------------------------
def test_train_network_info_fields_as_matlab():
    dl.rng(1)
    X, Y = _data()
    opts = quiet(MaxEpochs=3, ValidationData=(X[:10], Y[:10]), ValidationFrequency=4,
                 InitialLearnRate=0.05)
    net, info = dl.trainNetwork(X, Y, _layers(), opts, nargout=2)
    assert isinstance(net, dl.SeriesNetwork) and isinstance(info, Struct)
    assert list(info) == CLASSIFICATION_FIELDS
    n = 3 * 4                                             # 40 sequences, mini-batches of 10
    for k in CLASSIFICATION_FIELDS[:5]:
        assert info[k].shape == (n,) and info[k] is getattr(info, k)
    validated = np.flatnonzero(~np.isnan(info.ValidationLoss)) + 1
    assert validated.tolist() == [1, 4, 8, 12]            # iteration 1, every 4, the end
    assert np.isnan(info.ValidationAccuracy[1]) and not np.isnan(info.ValidationAccuracy[0])
    np.testing.assert_allclose(info.BaseLearnRate, 0.05)
    # OutputNetwork "auto" with ValidationData: the best validation's network
    best = int(np.nanargmin(info.ValidationLoss)) + 1
    assert info.OutputNetworkIteration == best
    assert info.FinalValidationLoss == info.ValidationLoss[best - 1]
    assert info.FinalValidationAccuracy == info.ValidationAccuracy[best - 1]
    text = repr(info)
    assert text.startswith("struct with fields:\n\n")
    assert f"               TrainingLoss: [1x{n} double]" in text
    assert "     OutputNetworkIteration: " in text
    with pytest.raises(AttributeError, match="Reference to non-existent field 'Loss'"):
        info.Loss


def test_train_network_info_regression_and_without_validation():
    dl.rng(2)
    X, _ = _data(20)
    Y = np.array([[x[0].mean()] for x in X])
    layers = [dl.sequenceInputLayer(2), dl.lstmLayer(4, OutputMode="last"),
              dl.fullyConnectedLayer(1), dl.regressionLayer()]
    net, info = dl.trainNetwork(X, Y, layers, quiet(MaxEpochs=2), nargout=2)
    assert list(info) == REGRESSION_FIELDS
    assert np.isnan(info.ValidationRMSE).all() and np.isnan(info.ValidationLoss).all()
    assert math.isnan(info.FinalValidationLoss) and math.isnan(info.FinalValidationRMSE)
    assert info.OutputNetworkIteration == 4 == info.TrainingLoss.size   # "last-iteration"
    assert (info.TrainingRMSE > 0).all()


@pytest.mark.parametrize("fn", ["trainNetwork", "trainnet"])
@pytest.mark.parametrize("bad", [0, 3, True, 1.0])
def test_training_nargout_checked(fn, bad):
    X, Y = _data(10)
    args = (X, Y, _layers()) if fn == "trainNetwork" else (X, Y, _layers(False), "crossentropy")
    with pytest.raises(ValueError, match=rf"^{fn}: nargout must be one of 1, 2 \(the number of "
                                         rf"outputs to return\), not {bad!r}"):
        getattr(dl, fn)(*args, quiet(MaxEpochs=1), nargout=bad)


def test_train_network_rejects_metrics():
    X, Y = _data(10)
    with pytest.raises(ValueError, match=r"^trainNetwork: the Metrics training option is for "
                                         r"trainnet \(as in MATLAB\); trainNetwork reports"):
        dl.trainNetwork(X, Y, _layers(), quiet(MaxEpochs=1, Metrics="accuracy"))


def test_output_network_last_iteration_and_alias():
    X, Y = _data()
    opts = dict(MaxEpochs=3, ValidationData=(X[:10], Y[:10]), ValidationFrequency=1,
                InitialLearnRate=0.05)
    dl.rng(3)
    _, last = dl.trainNetwork(X, Y, _layers(), quiet(OutputNetwork="last-iteration", **opts),
                              nargout=2)
    assert last.OutputNetworkIteration == 12
    assert last.FinalValidationLoss == last.ValidationLoss[-1]
    dl.rng(3)
    _, old = dl.trainNetwork(X, Y, _layers(), quiet(OutputNetwork="best-validation-loss",
                                                    **opts), nargout=2)
    dl.rng(3)
    _, auto = dl.trainNetwork(X, Y, _layers(), quiet(**opts), nargout=2)
    assert old.OutputNetworkIteration == auto.OutputNetworkIteration \
        == int(np.nanargmin(auto.ValidationLoss)) + 1
    with pytest.raises(ValueError, match=r"^trainNetwork: OutputNetwork 'best-validation' \(the "
                                         r"network of the best validation\) needs ValidationData"):
        dl.trainNetwork(X, Y, _layers(), quiet(MaxEpochs=1, OutputNetwork="best-validation"))


def test_best_validation_network_is_returned():
    """The returned network's validation loss is the best one recorded."""
    dl.rng(4)
    X, Y = _data()
    opts = quiet(MaxEpochs=4, ValidationData=(X[:10], Y[:10]), ValidationFrequency=2,
                 InitialLearnRate=0.2)
    net, info = dl.trainNetwork(X, Y, _layers(), opts, nargout=2)
    _, again = dl.trainNetwork(X[:10], Y[:10], net, quiet(MaxEpochs=1, InitialLearnRate=1e-30,
                                                          ResetInputNormalization=False,
                                                          MiniBatchSize=10), nargout=2)
    np.testing.assert_allclose(again.TrainingLoss[0], np.nanmin(info.ValidationLoss), rtol=1e-5)


# --------------------------------------------------------------------------
# trainnet's TrainingInfo, Metrics and its table
# --------------------------------------------------------------------------
def test_trainnet_training_info():
    dl.rng(5)
    X, Y = _data()
    opts = quiet(MaxEpochs=2, ValidationData=(X[:10], Y[:10]), ValidationFrequency=3,
                 Metrics=["accuracy", "fscore"])
    net, info = dl.trainnet(X, Y, _layers(False), "crossentropy", opts, nargout=2)
    assert isinstance(net, dl.dlnetwork) and isinstance(info, TrainingInfo)
    th, vh = info.TrainingHistory, info.ValidationHistory
    assert th.VariableNames == ["Iteration", "Epoch", "TrainingLoss", "TrainingAccuracy",
                                "TrainingFScore", "LearnRate"]
    assert vh.VariableNames == ["Iteration", "ValidationLoss", "ValidationAccuracy",
                                "ValidationFScore"]
    assert th.Iteration.tolist() == list(range(1, 9)) and th.Epoch.tolist() == [1] * 4 + [2] * 4
    assert vh.Iteration.tolist() == [0, 3, 6, 8]            # the initial network, every 3, end
    np.testing.assert_allclose(th.LearnRate, 0.001)
    # single-label micro-averaged F-score is the fraction correct
    np.testing.assert_allclose(th.TrainingFScore * 100, th.TrainingAccuracy)
    assert info.StopReason == "Max epochs completed"
    best = int(vh.Iteration[np.argmin(vh.ValidationLoss)])
    assert info.OutputNetworkIteration == best
    assert repr(info).splitlines() == [
        "TrainingInfo with properties:", "",
        "           TrainingHistory: [8x6 table]",
        "         ValidationHistory: [4x4 table]",
        f"    OutputNetworkIteration: {best}",
        '                StopReason: "Max epochs completed"']
    assert th[0]["Iteration"] == 1 and len(th[2:4]) == 2 and th["Epoch"] is th.Epoch


def test_trainnet_without_info_or_metrics():
    dl.rng(6)
    X, Y = _data(20)
    net = dl.trainnet(X, Y, _layers(False), "crossentropy", quiet(MaxEpochs=1))
    assert isinstance(net, dl.dlnetwork)
    _, info = dl.trainnet(X, Y, _layers(False), "crossentropy", quiet(MaxEpochs=1), nargout=2)
    assert info.TrainingHistory.VariableNames == ["Iteration", "Epoch", "TrainingLoss",
                                                  "LearnRate"]
    assert info.ValidationHistory.VariableNames == ["Iteration", "ValidationLoss"]
    assert info.ValidationHistory.height == 0 and info.OutputNetworkIteration == 2


def test_trainnet_verbose_table_as_matlab():
    dl.rng(7)
    X, Y = _data()
    opts = dl.trainingOptions("adam", MaxEpochs=1, MiniBatchSize=10, VerboseFrequency=2,
                              ValidationData=(X[:10], Y[:10]), ValidationFrequency=2,
                              Metrics="accuracy")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        dl.trainnet(X, Y, _layers(False), "crossentropy", opts)
    lines = out.getvalue().splitlines()
    header = ("    Iteration    Epoch    TimeElapsed    LearnRate    TrainingLoss    "
              "ValidationLoss    TrainingAccuracy    ValidationAccuracy")
    assert lines[0] == header
    assert lines[1] == "    " + "    ".join("_" * len(h) for h in header.split())
    iters = [int(line.split()[0]) for line in lines[2:-1]]
    assert iters == [0, 1, 2, 4]
    row0 = lines[2]
    assert row0[:len("    Iteration    Epoch")].split() == ["0", "0"]
    assert row0.split()[2:4] == ["00:00:00", "0.001"] and len(row0.split()) == 6
    assert lines[-1] == "Training stopped: Max epochs completed"
    import re
    ends = {m.end() for m in re.finditer(r"\S+", header)}
    for line in lines[2:-1]:                          # right-aligned under the headers
        assert {m.end() for m in re.finditer(r"\S+", line)} <= ends, line


def test_objective_metric_name_and_patience():
    dl.rng(8)
    X, Y = _data()
    opts = quiet(MaxEpochs=6, ValidationData=(X[:10], Y[:10]), ValidationFrequency=1,
                 Metrics=["rmse", "accuracy"], ObjectiveMetricName="Accuracy",
                 ValidationPatience=3, InitialLearnRate=0.05)
    _, info = dl.trainnet(X, Y, _layers(False), "crossentropy", opts, nargout=2)
    vh = info.ValidationHistory
    acc = vh.ValidationAccuracy
    assert info.OutputNetworkIteration == int(vh.Iteration[np.argmax(acc)])   # first best
    if info.StopReason == "Met validation criterion":
        assert (acc[-3:] <= acc[:-3].max()).all()
    dl.rng(8)
    opts.ObjectiveMetricName = "rmse"                 # smaller is better
    _, info = dl.trainnet(X, Y, _layers(False), "crossentropy", opts, nargout=2)
    vh = info.ValidationHistory
    assert info.OutputNetworkIteration == int(vh.Iteration[np.argmin(vh.ValidationRMSE)])


def test_objective_metric_name_errors():
    X, Y = _data(10)
    with pytest.raises(ValueError, match=r"^trainnet: ObjectiveMetricName 'fscore' must be 'loss' "
                                         r"or the name of one of the Metrics \('accuracy'\)"):
        dl.trainnet(X, Y, _layers(False), "crossentropy",
                    quiet(MaxEpochs=1, Metrics="accuracy", ObjectiveMetricName="fscore"))

    def myMetric(Y, T):
        return 1.0
    with pytest.raises(ValueError, match=r"^trainnet: ObjectiveMetricName 'myMetric' names a "
                                         r"metric given as a function; as in MATLAB"):
        dl.trainnet(X, Y, _layers(False), "crossentropy",
                    quiet(MaxEpochs=1, Metrics=myMetric, ObjectiveMetricName="myMetric"))


def test_function_metric_and_output_fcn_fields():
    dl.rng(9)
    X, Y = _data(20)
    calls, seen = [], []

    def meanScore(Yp, T):
        calls.append((Yp.dims, T.dims))
        return dl.mean(Yp, "all")

    def fcn(info):
        seen.append(dict(info))
    opts = quiet(MaxEpochs=1, Metrics=[meanScore, "auc"], OutputFcn=fcn)
    _, info = dl.trainnet(X, Y, _layers(False), "crossentropy", opts, nargout=2)
    np.testing.assert_allclose(info.TrainingHistory.TrainingmeanScore, 0.5, rtol=1e-5)
    assert calls[0] == ("CB", "CB")
    assert "TrainingAUC" in info.TrainingHistory.VariableNames
    it = [s for s in seen if s["State"] == "iteration"][0]
    assert it["TrainingmeanScore"] == pytest.approx(0.5) and "TrainingAUC" in it
    assert "TrainingAccuracy" not in it                  # trainnet: only the Metrics


def test_metric_set_values():
    y = np.array([[0.9, 0.2, 0.6, 0.3], [0.1, 0.8, 0.4, 0.7]])      # C x B scores
    t = np.array([[1, 0, 0, 1], [0, 1, 1, 0]], float)
    ms = MetricSet(("accuracy", "rmse", "precision", "recall", "fscore", "auc"))
    assert ms.names == ("Accuracy", "RMSE", "Precision", "Recall", "FScore", "AUC")
    acc, rmse, p, r, f, auc = ms.batch(y, t, None, False)
    assert acc == 50.0 and p == r == f == 0.5
    assert rmse == pytest.approx(np.sqrt(np.mean((y - t) ** 2)))
    # micro AUC: the 8 pooled scores against the 8 one-hot targets, by pair counts
    s, pos = y.ravel(), t.ravel() > 0.5
    pairs = [(a > b) + 0.5 * (a == b) for a in s[pos] for b in s[~pos]]
    assert auc == pytest.approx(np.mean(pairs))
    assert MetricSet("auc").batch(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]), None,
                                  False) == (1.0,)
    # sequences: padded steps (mask False) are left out
    y3 = np.stack([y, y[::-1]], axis=2)                               # C x B x T
    t3 = np.stack([t, t], axis=2)
    mask = np.array([[True, False]] * 4)
    assert MetricSet("accuracy").batch(y3, t3, mask, True) == (50.0,)
    parts = [(y[:, :2], t[:, :2], None, False, 2), (y[:, 2:], t[:, 2:], None, False, 2)]
    assert MetricSet("accuracy").dataset(parts) == (50.0,)


# --------------------------------------------------------------------------
# InputDataFormats / TargetDataFormats
# --------------------------------------------------------------------------
def _equal_length(n=20, T=6, seed=10):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((2, n, T)).astype(np.float32)          # C x B x T
    R = A.mean(axis=2)[:1]                                            # 1 x N responses
    return A, R


def _learnables(net):
    return [dl.extractdata(v) for v in net.Learnables.Value]


def test_input_and_target_data_formats_in_trainnet():
    A, R = _equal_length()
    layers = [dl.sequenceInputLayer(2), dl.lstmLayer(3, OutputMode="last"),
              dl.fullyConnectedLayer(1)]
    runs = [([A[:, b, :] for b in range(A.shape[1])], R.T, {}),
            (A, R.T, {"InputDataFormats": "CBT"}),
            (A.transpose(2, 0, 1), R, {"InputDataFormats": "TCB", "TargetDataFormats": "CB"}),
            (dl.dlarray(A.transpose(1, 2, 0)), R.T, {"InputDataFormats": ["BTC"]})]
    nets = []
    for X, T, kw in runs:
        dl.rng(11)
        nets.append(dl.trainnet(X, T, layers, "mse", quiet(MaxEpochs=2, **kw)))
    for other in nets[1:]:
        for a, b in zip(_learnables(nets[0]), _learnables(other)):
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_data_format_errors():
    A, R = _equal_length()
    layers = [dl.sequenceInputLayer(2), dl.lstmLayer(3, OutputMode="last"),
              dl.fullyConnectedLayer(1)]
    with pytest.raises(ValueError, match=r"^trainnet: InputDataFormats 'SCB' must have a 'C' label "
                                         r"and only 'C', 'B', 'T' labels"):
        dl.trainnet(A, R.T, layers, "mse", quiet(MaxEpochs=1, InputDataFormats="SCB"))
    with pytest.raises(ValueError, match=r"^trainnet: InputDataFormats has 2 formats but the "
                                         r"network has one input"):
        dl.trainnet(A, R.T, layers, "mse", quiet(MaxEpochs=1, InputDataFormats=["CBT", "CB"]))
    with pytest.raises(ValueError, match=r"^trainnet: InputDataFormats 'CB' has 2 labels but the "
                                         r"data has 3 dimensions"):
        dl.trainnet(A, R.T, layers, "mse", quiet(MaxEpochs=1, InputDataFormats="CB"))
    with pytest.raises(ValueError, match=r"InputDataFormats 'CBT' has a 'B' label, but X is a "
                                         r"list of sequences"):
        dl.trainnet(list(A.transpose(1, 0, 2)), R.T, layers, "mse",
                    quiet(MaxEpochs=1, InputDataFormats="CBT"))
    with pytest.raises(ValueError, match=r"applies to numeric targets; the targets are labels"):
        dl.trainnet(A, np.array(["a", "b"] * 10), _layers(False)[:1] + layers[1:2] +
                    [dl.fullyConnectedLayer(2), dl.softmaxLayer()], "crossentropy",
                    quiet(MaxEpochs=1, InputDataFormats="CBT", TargetDataFormats="BC"))


def test_list_of_time_major_sequences():
    X, Y = _data(10)
    dl.rng(12)
    a = dl.trainnet(X, Y, _layers(False), "crossentropy", quiet(MaxEpochs=1))
    dl.rng(12)
    b = dl.trainnet([x.T for x in X], Y, _layers(False), "crossentropy",
                    quiet(MaxEpochs=1, InputDataFormats="TC"))
    for u, v in zip(_learnables(a), _learnables(b)):
        np.testing.assert_array_equal(u, v)


# --------------------------------------------------------------------------
# Prediction: nargout and InputDataFormats
# --------------------------------------------------------------------------
def _trained():
    dl.rng(13)
    X, Y = _data(20)
    return dl.trainNetwork(X, Y, _layers(), quiet(MaxEpochs=1)), X


def test_classify_nargout():
    net, X = _trained()
    labels = dl.classify(net, X)
    labels2, scores = dl.classify(net, X, nargout=2)
    np.testing.assert_array_equal(np.asarray(labels2), np.asarray(labels))
    np.testing.assert_array_equal(scores, dl.predict(net, X))
    net2, lab, sc = dl.classifyAndUpdateState(net, X[:3], nargout=3)
    assert isinstance(net2, dl.SeriesNetwork) and sc.shape == (3, 2)
    np.testing.assert_array_equal(np.asarray(lab), np.asarray(
        dl.classifyAndUpdateState(net, X[:3])[1]))
    with pytest.raises(ValueError, match=r"^classify: nargout must be one of 1, 2"):
        dl.classify(net, X, nargout=3)
    with pytest.raises(ValueError, match=r"^classifyAndUpdateState: nargout must be one of 2, 3"):
        dl.classifyAndUpdateState(net, X, nargout=1)
    with pytest.raises(ValueError, match=r"^predict: nargout must be one of 1 "):
        dl.predict(net, X, nargout=2)


def test_dlnetwork_predict_state_and_input_formats():
    dl.rng(14)
    net = dl.dlnetwork(_layers(False))
    A = np.random.default_rng(0).standard_normal((2, 3, 5)).astype(np.float32)
    Y = dl.predict(net, dl.dlarray(A, "CBT"))
    Y2, state = dl.predict(net, dl.dlarray(A, "CBT"), nargout=2)
    np.testing.assert_array_equal(dl.extractdata(Y), dl.extractdata(Y2))
    assert state.Parameter == ["HiddenState", "CellState"] and state.Value[0].shape == (6, 3)
    Y3 = dl.predict(net, A.transpose(2, 0, 1), InputDataFormats="TCB")
    np.testing.assert_allclose(dl.extractdata(Y3), dl.extractdata(Y), rtol=1e-6)
    Yf, st = dl.forward(net, A, InputDataFormats="CBT")
    np.testing.assert_allclose(dl.extractdata(Yf), dl.extractdata(Y), rtol=1e-6)
    mb = dl.minibatchpredict(net, A, InputDataFormats="CBT")
    np.testing.assert_allclose(mb, dl.extractdata(Y).T, rtol=1e-6)
    with pytest.raises(ValueError, match=r"^predict: InputDataFormats 'CBT' applies to unformatted "
                                         r"data; X is a formatted dlarray \('CBT'\)"):
        dl.predict(net, dl.dlarray(A, "CBT"), InputDataFormats="CBT")
    with pytest.raises(ValueError, match=r"^predict: nargout must be one of 1, 2"):
        dl.predict(net, dl.dlarray(A, "CBT"), nargout=3)


def test_history_table_display():
    t = HistoryTable({"Iteration": np.array([1, 2]), "TrainingLoss": np.array([0.69315, 1e-5])})
    assert repr(t).splitlines() == [
        "  2x2 table", "",
        "    Iteration    TrainingLoss",
        "    _________    ____________", "",
        "            1         0.69315",
        "            2           1e-05"]
    with pytest.raises(AttributeError, match="Unrecognized table variable name 'Loss'"):
        t.Loss
    with pytest.raises(ValueError, match="columns must have the same height"):
        HistoryTable({"a": [1], "b": [1, 2]})
