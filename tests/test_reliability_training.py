"""Issue 12, training: no silent wrong result.  NaN/Inf, complex and missing values in
the data are refused with the sequence and position named; a loss that turns NaN stops
training ("Training loss is NaN") with the last finite network; the partial mini-batch
that MATLAB discards is announced once per run."""
import contextlib
import io
import warnings

import numpy as np
import pytest

import dlarr as dl


def _data(N=12, T=6, C=2, seed=0):
    r = np.random.default_rng(seed)
    X = [r.standard_normal((C, T)).astype(np.float32) for _ in range(N)]
    Y = dl.categorical(["a" if x[0].mean() > 0 else "b" for x in X])
    return X, Y


def _cls_layers(C=2):
    return [dl.sequenceInputLayer(C), dl.lstmLayer(4, OutputMode="last"),
            dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]


def _reg_layers(C=2, R=1, mode="sequence"):
    return [dl.sequenceInputLayer(C), dl.lstmLayer(4, OutputMode=mode),
            dl.fullyConnectedLayer(R), dl.regressionLayer()]


def _opts(**kw):
    kw.setdefault("MaxEpochs", 1)
    kw.setdefault("MiniBatchSize", 4)
    kw.setdefault("Verbose", False)
    return dl.trainingOptions("adam", **kw)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_predictors_named(bad):
    X, Y = _data()
    X[3][1, 4] = bad
    with pytest.raises(ValueError, match=r"trainNetwork: X\[3\] has .* at channel 1, time step 4"):
        dl.trainNetwork(X, Y, _cls_layers(), _opts())


def test_non_finite_sequence_responses_named():
    X, _ = _data()
    Y = [x[:1].copy() for x in X]
    Y[5][0, 2] = np.nan
    with pytest.raises(ValueError, match=r"Y\[5\] has nan at response 0, time step 2"):
        dl.trainNetwork(X, Y, _reg_layers(), _opts())


def test_non_finite_seq2one_responses_named():
    X, _ = _data()
    Y = np.zeros((12, 1), np.float32)
    Y[7, 0] = np.inf
    with pytest.raises(ValueError, match=r"has inf at sequence 7, response 0"):
        dl.trainNetwork(X, Y, _reg_layers(mode="last"), _opts())


def test_nan_numeric_labels_refused():
    X, _ = _data()
    Y = np.array([0.0, 1.0] * 6)
    Y[2] = np.nan
    with pytest.raises(ValueError, match=r"Y at position 2 has the label nan"):
        dl.trainNetwork(X, Y, _cls_layers(), _opts())


def test_non_finite_validation_data_named():
    X, Y = _data()
    XV = [x.copy() for x in X[:4]]
    XV[2][0, 1] = np.nan
    opts = _opts(ValidationData=(XV, Y[:4]))
    with pytest.raises(ValueError, match=r"ValidationData X\[2\] has nan at channel 0, time step 1"):
        dl.trainNetwork(X, Y, _cls_layers(), opts)
    YV = [x[:1].copy() for x in X[:4]]
    YV[1][0, 3] = np.inf
    opts = _opts(ValidationData=(X[:4], YV))
    with pytest.raises(ValueError, match=r"ValidationData Y\[1\] has inf at response 0, "
                                         r"time step 3"):
        dl.trainNetwork(X, [x[:1] for x in X], _reg_layers(), opts)


def test_complex_data_refused():
    X, Y = _data()
    X[4] = X[4].astype(np.complex64) + 1j
    with pytest.raises(TypeError, match=r"trainNetwork: X\[4\] is complex"):
        dl.trainNetwork(X, Y, _cls_layers(), _opts())
    X, _ = _data()
    Yr = [x[:1].astype(complex) for x in X]
    with pytest.raises(TypeError, match=r"Y\[0\] is complex"):
        dl.trainNetwork(X, Yr, _reg_layers(), _opts())


def test_none_in_object_array_refused():
    X, Y = _data()
    s = X[6].astype(object)
    s[1, 2] = None
    X[6] = s
    with pytest.raises(TypeError, match=r"X\[6\] holds None"):
        dl.trainNetwork(X, Y, _cls_layers(), _opts())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_loss_stops_with_reason_and_finite_network():
    X, _ = _data(N=16)
    Y = [x[:1] * 1e3 for x in X]
    calls = []
    out = io.StringIO()

    def fcn(info):
        calls.append((info["State"], info["TrainingLoss"]))
        return False

    opts = dl.trainingOptions("sgdm", InitialLearnRate=1e30, MaxEpochs=20, MiniBatchSize=4,
                              Verbose=True, VerboseFrequency=1, OutputFcn=fcn)
    with contextlib.redirect_stdout(out):
        net, info = dl.trainNetwork(X, Y, _reg_layers(), opts, nargout=2)
    text = out.getvalue()
    assert "Training finished: Training loss is NaN." in text
    assert len(info.TrainingLoss) < 80                 # stopped early
    assert not np.isfinite(info.TrainingLoss[-1])
    assert np.isfinite(info.TrainingLoss[:-1]).all()
    for v in net.Learnables._values():
        assert np.isfinite(np.asarray(dl.extractdata(v))).all()
    assert calls[-1][0] == "done" and not np.isfinite(calls[-1][1])
    assert np.isfinite(np.asarray(dl.predict(net, X[0]))).all()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_finite_learnables_check_is_exact():
    """The check behind "keep the last finite network": any NaN or Inf is found, and huge
    finite double values (whose sum would overflow) are finite."""
    from dlarr.core.dlarray import DLArray
    from dlarr.training.loop import _finite
    huge = DLArray._new(np.full(4, 1e308), "")
    assert _finite([huge, huge]) and _finite([])
    for bad in (np.nan, np.inf, -np.inf):
        assert not _finite([huge, DLArray._new(np.array([1.0, bad], np.float32), "")])
        assert not _finite([DLArray._new(np.array([bad]), "")])


def test_classification_loss_refuses_targets_of_another_layout():
    """The output layer's loss takes targets in the output's own layout; anything else is
    an error naming both, not a silent broadcast."""
    from dlarr.core.dlarray import DLArray
    from dlarr.training.losses import _output_loss
    Y = DLArray._new(np.full((3, 2), 1 / 3, np.float32), "CB")
    T = DLArray._new(np.eye(3, dtype=np.float32)[:, :2], "CB")
    assert abs(float(_output_loss("classification", Y, T, None, False)) - np.log(3)) < 1e-6
    for bad in (DLArray._new(np.ones((3, 2, 1), np.float32), "CBT"),
                DLArray._new(np.ones((3, 1), np.float32), "CB")):
        with pytest.raises(ValueError, match=r"the targets .* do not match the network's output"):
            _output_loss("classification", Y, bad, None, False)


def test_nan_loss_trainnet_stop_reason():
    X, _ = _data(N=16)
    T = [x[:1] * 1e3 for x in X]
    layers = [dl.sequenceInputLayer(2), dl.lstmLayer(4), dl.fullyConnectedLayer(1)]
    opts = dl.trainingOptions("sgdm", InitialLearnRate=1e30, MaxEpochs=20, MiniBatchSize=4,
                              Verbose=False)
    net, info = dl.trainnet(X, T, layers, "mse", opts, nargout=2)
    assert info.StopReason == "Training loss is NaN"
    for v in net.Learnables._values():
        assert np.isfinite(np.asarray(dl.extractdata(v))).all()


def test_partial_minibatch_warned_once_with_count():
    X, Y = _data(N=27)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        dl.trainNetwork(X, Y, _cls_layers(), _opts(MaxEpochs=3, MiniBatchSize=10))
    msgs = [str(x.message) for x in w if issubclass(x.category, UserWarning)
            and "partial mini-batch" in str(x.message)]
    assert msgs == ["trainNetwork: 27 observations with MiniBatchSize 10: the last 7 of each "
                    "epoch's order are not used (MATLAB discards the partial mini-batch)"]


def test_full_minibatches_not_warned():
    X, Y = _data(N=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dl.trainNetwork(X, Y, _cls_layers(), _opts(MiniBatchSize=4))
        dl.trainNetwork(X, Y, _cls_layers(), _opts(MiniBatchSize=50))   # one batch of 12
