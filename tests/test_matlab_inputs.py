"""Inputs MATLAB accepts: one sequence as one numeric C x T array with its responses
as one array (MATLAB's time series forecasting example), for trainNetwork,
ValidationData and predict."""
import numpy as np
import pytest

import dlarr as dl


def _series(T=40, seed=0):
    t = np.arange(T + 1)
    x = np.sin(0.3 * t) + 0.05 * np.random.default_rng(seed).standard_normal(T + 1)
    return x[None, :-1], x[None, 1:]                    # 1 x T inputs, 1 x T responses


def _layers(out=1, mode="sequence", last=None):
    return [dl.sequenceInputLayer(1), dl.lstmLayer(6, OutputMode=mode),
            dl.fullyConnectedLayer(out), last or dl.regressionLayer()]


OPTS = dict(MaxEpochs=3, Verbose=False, InitialLearnRate=0.01)


def test_one_sequence_as_one_array_trains_as_the_list_form():
    X, Y = _series()
    dl.rng(0)
    net = dl.trainNetwork(X, Y, _layers(), dl.trainingOptions("adam", **OPTS))
    dl.rng(0)
    ref = dl.trainNetwork([X], [Y], _layers(), dl.trainingOptions("adam", **OPTS))
    np.testing.assert_array_equal(dl.extractdata(net.Layers[1].InputWeights),
                                  dl.extractdata(ref.Layers[1].InputWeights))
    P = dl.predict(net, X)                               # one array in, one array out
    assert isinstance(P, np.ndarray) and P.shape == (1, 40)
    np.testing.assert_array_equal(P, dl.predict(ref, [X])[0])


def test_one_sequence_as_vectors_and_with_validation_data():
    X, Y = _series(seed=1)
    Xv, Yv = _series(T=20, seed=2)
    opts = dl.trainingOptions("adam", ValidationData=(Xv[0], Yv[0]), ValidationFrequency=1,
                              **OPTS)
    dl.rng(0)
    net = dl.trainNetwork(X[0], Y[0], _layers(), opts)  # 1-D: MATLAB's 1 x T rows
    assert dl.predict(net, X[0]).shape == (1, 40)


def test_one_sequence_sequence_to_one_responses():
    X, _ = _series(seed=3)
    net = dl.trainNetwork(X, np.array([0.5, -0.5]), _layers(out=2, mode="last"),
                          dl.trainingOptions("adam", **OPTS))
    assert net.Layers[-2].OutputSize == 2


def test_one_sequence_classification_labels_per_time_step():
    X, _ = _series(seed=4)
    labels = np.where(X[0] > 0, "up", "down")[None, :]     # 1 x T labels
    layers = [dl.sequenceInputLayer(1), dl.lstmLayer(6), dl.fullyConnectedLayer(2),
              dl.softmaxLayer(), dl.classificationLayer()]
    net = dl.trainNetwork(X, labels, layers, dl.trainingOptions("adam", **OPTS))
    assert len(np.asarray(dl.classify(net, X)).ravel()) == 40


def test_one_sequence_responses_of_the_wrong_length_say_so():
    X, Y = _series()
    with pytest.raises(ValueError, match=r"trainNetwork: responses 0 must be 1 x 40 \(R x T\); "
                                         r"got size \(1, 39\)"):
        dl.trainNetwork(X, Y[:, 1:], _layers(), dl.trainingOptions("adam", **OPTS))
