"""dlnetwork: Learnables/State tables, forward/predict, custom training loops."""
import numpy as np
import pytest

import dlarr as dl
from dlarr import _layers as L
from dlarr._network import dlnetwork, forward, resetState
from dlarr._train import predict


def small_net(H=4, K=3, C=2, mode="last"):
    dl.rng(1)
    return dlnetwork([L.sequenceInputLayer(C), L.lstmLayer(H, OutputMode=mode),
                      L.fullyConnectedLayer(K), L.softmaxLayer()])


def test_learnables_and_state_tables():
    net = small_net()
    T = net.Learnables
    assert T.Layer == ["lstm", "lstm", "lstm", "fc", "fc"]
    assert T.Parameter == ["InputWeights", "RecurrentWeights", "Bias", "Weights", "Bias"]
    assert T["lstm", "RecurrentWeights"].shape == (16, 4)
    S = net.State
    assert S.Layer == ["lstm", "lstm"] and S.Parameter == ["HiddenState", "CellState"]
    assert not dl.extractdata(S.Value[0]).any() and S.Value[0].shape == (4, 1)
    assert "5x3 table" in repr(T)


def test_output_layers_are_refused():
    with pytest.raises(ValueError, match="must not have output layers"):
        dlnetwork([L.sequenceInputLayer(2), L.lstmLayer(3), L.fullyConnectedLayer(2),
                   L.softmaxLayer(), L.classificationLayer()])
    with pytest.raises(ValueError, match="first layer must be an input layer"):
        dlnetwork([L.lstmLayer(3)])


def test_forward_predict_and_state():
    net = small_net(mode="sequence")
    X = dl.dlarray(np.random.default_rng(0).standard_normal((2, 5, 7)), "CBT")
    Y, state = forward(net, X)
    assert Y.dims == "CBT" and Y.shape == (3, 5, 7)
    np.testing.assert_allclose(dl.extractdata(dl.sum(Y, "C")), 1, rtol=1e-5)
    assert state["lstm", "HiddenState"].shape == (4, 5)
    P = predict(net, X)
    np.testing.assert_allclose(dl.extractdata(P), dl.extractdata(Y), rtol=1e-6)
    net.State = state
    assert net.State["lstm", "CellState"].shape == (4, 5)
    Y2, _ = forward(net, X)           # continues from the stored state
    assert not np.allclose(dl.extractdata(Y2), dl.extractdata(Y))
    net = resetState(net)
    Y3, _ = forward(net, X)
    np.testing.assert_allclose(dl.extractdata(Y3), dl.extractdata(Y), rtol=1e-6)
    with pytest.raises(TypeError, match="formatted dlarray"):
        forward(net, dl.dlarray(np.ones((2, 5, 7))))
    with pytest.raises(ValueError, match="expects 2 channels"):
        forward(net, dl.dlarray(np.ones((3, 5, 7)), "CBT"))


def test_network_matches_functional_model():
    """forward(net, X) equals lstm -> fullyconnect -> softmax on the same weights."""
    from dlarr._activations import softmax
    net = small_net()
    X = dl.dlarray(np.random.default_rng(2).standard_normal((2, 3, 6)).astype(np.float32), "CBT")
    Y, _ = forward(net, X)
    lstm, fc = net.Layers[1], net.Layers[2]
    H = np.zeros((4, 1), np.float32)
    Z, _, _ = dl.lstm(X, H, H, lstm.InputWeights, lstm.RecurrentWeights, lstm.Bias)
    ref = softmax(dl.fullyconnect(Z[:, :, -1], fc.Weights, fc.Bias))
    np.testing.assert_allclose(dl.extractdata(Y), dl.extractdata(ref), rtol=1e-5)


def test_custom_loop_with_dlgradient_and_adamupdate():
    net = small_net()
    rng = np.random.default_rng(3)
    X = dl.dlarray(rng.standard_normal((2, 8, 5)).astype(np.float32), "CBT")
    labels = rng.integers(0, 3, 8)
    T = dl.dlarray(np.eye(3, dtype=np.float32)[:, labels], "CB")

    def model_loss(net, X, T):
        Y, state = forward(net, X)
        loss = -dl.sum(T * dl.log(Y), "all") / 8
        return loss, dl.dlgradient(loss, net.Learnables), state

    avg = sq = None
    losses = []
    for it in range(1, 31):
        loss, grads, state = dl.dlfeval(model_loss, net, X, T)
        assert grads.Parameter == net.Learnables.Parameter
        net, avg, sq = dl.adamupdate(net, grads, avg, sq, it, 0.05)
        assert isinstance(net, dlnetwork)
        losses.append(float(loss))
    assert losses[-1] < 0.3 * losses[0]
