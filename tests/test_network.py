"""dlnetwork: Learnables/State tables, forward/predict, custom training loops."""
import numpy as np
import pytest

import dlarr as dl
from dlarr import layers as L
from dlarr.networks.network import dlnetwork, forward, resetState
from dlarr.training.prediction import predict


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
    from dlarr.functions.activations import softmax
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


def test_bilstm_layer_is_forward_and_reversed_lstm():
    dl.rng(4)
    net = dlnetwork([L.sequenceInputLayer(3), L.bilstmLayer(2)])
    b = net.Layers[1]
    assert b.InputWeights.shape == (16, 3) and b.Bias.shape == (16, 1)
    x = np.random.default_rng(5).standard_normal((3, 2, 6)).astype(np.float32)
    X = dl.dlarray(x, "CBT")
    Y, state = forward(net, X)
    assert Y.dims == "CBT" and Y.shape == (4, 2, 6)
    z = np.zeros((2, 1), np.float32)
    W, R, bb = b.InputWeights, b.RecurrentWeights, b.Bias
    Yf, _, _ = dl.lstm(X, z, z, W[:8], R[:8], bb[:8])
    Yb, _, _ = dl.lstm(dl.dlarray(x[:, :, ::-1].copy(), "CBT"), z, z, W[8:], R[8:], bb[8:])
    np.testing.assert_allclose(dl.extractdata(Y)[:2], dl.extractdata(Yf), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dl.extractdata(Y)[2:], dl.extractdata(Yb)[:, :, ::-1], rtol=1e-5,
                               atol=1e-6)
    assert state["bilstm", "HiddenState"].shape == (4, 2)


def test_gru_layer_matches_gru_function():
    dl.rng(6)
    net = dlnetwork([L.sequenceInputLayer(3), L.gruLayer(4, ResetGateMode="before-multiplication")])
    g = net.Layers[1]
    X = dl.dlarray(np.random.default_rng(7).standard_normal((3, 2, 5)).astype(np.float32), "CBT")
    Y, _ = forward(net, X)
    ref, _ = dl.gru(X, np.zeros((4, 1), np.float32), g.InputWeights, g.RecurrentWeights, g.Bias,
                    ResetGateMode="before-multiplication")
    np.testing.assert_allclose(dl.extractdata(Y), dl.extractdata(ref), rtol=1e-6)


def test_network_display_and_learned_sizes():
    net = small_net()
    text = repr(net)
    assert text.startswith("dlnetwork with properties:")
    assert "     2   'lstm'" in text and "LSTM with 4 hidden units" in text
    assert "InputWeights: [16x2 single]" in repr(net.Layers[1])


def test_gpu_execution_environment_without_gpu():
    from dlarr.training.options import trainingOptions
    from dlarr.training.train import trainNetwork
    if dl.canUseGPU():
        pytest.skip("a GPU is present")
    layers = [L.sequenceInputLayer(2), L.lstmLayer(3, OutputMode="last"), L.fullyConnectedLayer(2),
              L.softmaxLayer(), L.classificationLayer()]
    with pytest.raises(RuntimeError, match="ExecutionEnvironment is 'gpu' but no GPU"):
        trainNetwork([np.ones((2, 3))] * 2, [0, 1], layers,
                     trainingOptions("adam", ExecutionEnvironment="gpu", Verbose=False))


class CountLayer(dl.Layer):
    """Passes X through and counts the time steps it has seen: a custom layer with a state."""
    _states = ("Count",)

    def _setup(self, in_size, has_time, dtype):
        if self.Count is None:
            self.Count = np.zeros((1, 1))
        return in_size, has_time

    def _forward(self, X, training, state):
        return X, {"Count": state["Count"] + X.shape[X.dims.index("T")]}


def test_custom_layer_state_and_default_initial_state():
    net = dlnetwork([L.sequenceInputLayer(2), CountLayer(), L.lstmLayer(3)])
    assert net.State.Layer == ["count", "lstm", "lstm"]
    assert net.State["count", "Count"].dtype == np.float32          # the network's type
    X = dl.dlarray(np.ones((2, 1, 4), np.float32), "CBT")
    _, state = forward(net, X)
    assert float(state["count", "Count"]) == 4
    net.State = state
    _, state = forward(net, X)
    assert float(state["count", "Count"]) == 8
    net.State = state
    assert float(resetState(net).State["count", "Count"]) == 0
    assert float(net.State["count", "Count"]) == 8                   # resetState returns a copy
    with pytest.raises(ValueError, match="state Count is empty"):
        CountLayer()._initial_state("Count", np.float32)


def test_stored_state_of_another_batch_size_says_so():
    # forward on 27 observations, keep the state, predict on 5: MATLAB's rule is that a
    # stored state applies to a batch of its size (or expands from one observation).
    net = small_net(mode="sequence")
    rng = np.random.default_rng(3)
    X27 = dl.dlarray(rng.standard_normal((2, 27, 4)), "CBT")
    X5 = dl.dlarray(rng.standard_normal((2, 5, 4)), "CBT")
    _, state = forward(net, X27)
    net.State = state
    msg = (r"{}: the network's State \(layer 'lstm', HiddenState\) holds 27 observations but X "
           r"has 5; .*net = dl.resetState\(net\), or give 27 observations")
    with pytest.raises(ValueError, match=msg.format("predict")):
        predict(net, X5)
    with pytest.raises(ValueError, match=msg.format("forward")):
        forward(net, X5)
    assert predict(resetState(net), X5).shape == (3, 5, 4)
    assert predict(net, X27).shape == (3, 27, 4)
    # a stored state of one observation expands over the batch
    net = resetState(net)
    _, state = forward(net, X27[:, :1])
    net.State = state
    Y = predict(net, X5)
    assert Y.shape == (3, 5, 4)
    first = predict(net, X5[:, :1])
    np.testing.assert_allclose(dl.extractdata(Y)[:, :1], dl.extractdata(first), rtol=1e-6)


def test_predict_and_update_state_on_another_batch_size_says_so():
    layers = [L.sequenceInputLayer(2), L.lstmLayer(3), L.fullyConnectedLayer(1),
              L.regressionLayer()]
    net = dl.SeriesNetwork(layers)
    rng = np.random.default_rng(4)
    net, _ = dl.predictAndUpdateState(net, [rng.standard_normal((2, 4)) for _ in range(3)])
    with pytest.raises(ValueError, match=r"predictAndUpdateState: the network's State \(layer "
                                         r"'lstm', HiddenState\) holds 3 observations but X has 2"):
        dl.predictAndUpdateState(net, [rng.standard_normal((2, 4)) for _ in range(2)])
    net, y = dl.predictAndUpdateState(dl.resetState(net), [rng.standard_normal((2, 4))] * 2)
    assert len(y) == 2
