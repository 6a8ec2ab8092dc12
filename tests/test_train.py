"""trainNetwork and prediction: the reference page's architectures, state handling,
MATLAB's update rule with learn-rate and L2 factors, and errors."""
import numpy as np
import pytest

import dlarr as dl
from dlarr import _layers as L
from dlarr._network import dlnetwork
from dlarr._options import trainingOptions
from dlarr._train import (classify, classifyAndUpdateState, predict, predictAndUpdateState,
                          trainNetwork)


def quiet(solver="adam", **kw):
    kw.setdefault("Verbose", False)
    return trainingOptions(solver, **kw)


def test_japanese_vowels_short_run():
    """The reference example, 12 epochs: far above chance (1/9) already."""
    dl.rng("default")
    XTrain, YTrain = dl.japaneseVowelsTrainData()
    layers = [L.sequenceInputLayer(12), L.lstmLayer(100, OutputMode="last"),
              L.fullyConnectedLayer(9), L.softmaxLayer(), L.classificationLayer()]
    net = trainNetwork(XTrain, YTrain, layers,
                       quiet(MaxEpochs=12, MiniBatchSize=27, GradientThreshold=1))
    XTest, YTest = dl.japaneseVowelsTestData()
    YPred = classify(net, XTest, MiniBatchSize=27)
    assert YPred.dtype == YTest.dtype and YPred.shape == YTest.shape
    assert np.mean(YPred == YTest) > 0.75
    assert net.Layers[-1].Classes == tuple(range(1, 10))
    scores = predict(net, XTest[:5], MiniBatchSize=27)
    assert scores.shape == (5, 9)
    np.testing.assert_allclose(scores.sum(axis=1), 1, rtol=1e-5)


def _toy_sequences(n=60, C=2, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((C, int(rng.integers(5, 12)))).astype(np.float32) for _ in range(n)]


def test_sequence_to_sequence_classification():
    dl.rng(0)
    X = _toy_sequences()
    Y = [np.where(x[0] > 0, "up", "down") for x in X]       # string labels per time step
    layers = [L.sequenceInputLayer(2), L.lstmLayer(16, OutputMode="sequence"),
              L.fullyConnectedLayer(2), L.softmaxLayer(), L.classificationLayer()]
    net = trainNetwork(X, Y, layers, quiet(MaxEpochs=40, MiniBatchSize=20, InitialLearnRate=0.02))
    pred = classify(net, X[:10])
    assert isinstance(pred, list) and pred[0].shape == Y[0].shape and pred[0].dtype.kind == "U"
    acc = np.mean(np.concatenate([p == y for p, y in zip(pred, Y[:10])]))
    assert acc > 0.95


def test_sequence_to_one_regression():
    dl.rng(0)
    X = _toy_sequences(80)
    Y = np.array([x[0].mean() for x in X])
    layers = [L.sequenceInputLayer(2), L.lstmLayer(16, OutputMode="last"),
              L.fullyConnectedLayer(1), L.regressionLayer()]
    net = trainNetwork(X, Y, layers, quiet(MaxEpochs=60, MiniBatchSize=20, InitialLearnRate=0.01,
                                           SequencePaddingDirection="left"))
    pred = predict(net, X, SequencePaddingDirection="left")
    assert pred.shape == (80, 1)
    assert np.sqrt(np.mean((pred[:, 0] - Y) ** 2)) < 0.6 * Y.std()


def test_sequence_to_sequence_regression_and_dropout():
    dl.rng(0)
    X = _toy_sequences(60)
    Y = [np.cumsum(x[:1], axis=1) * 0.3 for x in X]
    layers = [L.sequenceInputLayer(2), L.lstmLayer(16, OutputMode="sequence"),
              L.dropoutLayer(0.1), L.lstmLayer(16, OutputMode="sequence"),
              L.fullyConnectedLayer(1), L.regressionLayer()]
    net = trainNetwork(X, Y, layers, quiet(MaxEpochs=40, MiniBatchSize=20, InitialLearnRate=0.01))
    pred = predict(net, X[:5])
    assert [p.shape for p in pred] == [y.shape for y in Y[:5]]
    err = np.mean([np.mean((p - y) ** 2) for p, y in zip(pred, Y[:5])])
    assert err < 0.5 * np.mean([np.mean(y ** 2) for y in Y[:5]])


def test_predict_and_update_state_step_by_step_equals_whole_sequence():
    dl.rng(2)
    X = _toy_sequences(20)
    Y = [x[:1] * 2 for x in X]
    layers = [L.sequenceInputLayer(2), L.lstmLayer(8), L.fullyConnectedLayer(1), L.regressionLayer()]
    net = trainNetwork(X, Y, layers, quiet(MaxEpochs=2, MiniBatchSize=10))
    seq = X[0]
    whole = predict(net, seq)
    assert whole.shape == (1, seq.shape[1])
    stepped = []
    for t in range(seq.shape[1]):
        net, y = predictAndUpdateState(net, seq[:, t])
        stepped.append(y[:, 0])
    np.testing.assert_allclose(np.stack(stepped, axis=1), whole, rtol=1e-5, atol=1e-6)
    net2, first_half = predictAndUpdateState(net.resetState(), seq[:, :4])
    _, second_half = predictAndUpdateState(net2, seq[:, 4:])
    np.testing.assert_allclose(np.concatenate([first_half, second_half], 1), whole, rtol=1e-5,
                               atol=1e-6)


def test_classify_and_update_state():
    dl.rng(3)
    X = _toy_sequences(20)
    Y = [np.where(x[0] > 0, 1, 0) for x in X]
    layers = [L.sequenceInputLayer(2), L.gruLayer(8), L.fullyConnectedLayer(2),
              L.softmaxLayer(), L.classificationLayer()]
    net = trainNetwork(X, Y, layers, quiet(MaxEpochs=2, MiniBatchSize=10))
    whole = classify(net, X[0])
    labels = []
    for t in range(X[0].shape[1]):
        net, lab = classifyAndUpdateState(net, X[0][:, t])
        labels.append(lab[0])
    np.testing.assert_array_equal(labels, whole)


def _one_step_net(solver, **opts):
    """Train exactly one iteration from known weights; return (before, after, grads)."""
    rng = np.random.default_rng(4)
    X = [rng.standard_normal((3, 6)).astype(np.float32) for _ in range(4)]
    Y = np.array([0, 1, 2, 1])
    layer_opts = opts.pop("layer_opts", {})
    dl.rng(5)
    init = dlnetwork([L.sequenceInputLayer(3), L.lstmLayer(2, OutputMode="last", **layer_opts),
                      L.fullyConnectedLayer(3), L.softmaxLayer()])
    lstm0, fc0 = init.Layers[1], init.Layers[2]
    weights = dict(InputWeights=lstm0.InputWeights, RecurrentWeights=lstm0.RecurrentWeights,
                   Bias=lstm0.Bias)
    layers = [L.sequenceInputLayer(3), L.lstmLayer(2, OutputMode="last", **layer_opts, **weights),
              L.fullyConnectedLayer(3, Weights=fc0.Weights, Bias=fc0.Bias), L.softmaxLayer(),
              L.classificationLayer()]
    # the gradient of MATLAB's loss at the initial weights
    data = np.stack(X, axis=1)

    def loss_fn(net, x):
        from dlarr._network import forward
        P, _ = forward(net, x)
        T = dl.dlarray(np.eye(3, dtype=np.float32)[:, Y], "CB")
        loss = -dl.sum(T * dl.log(P), "all") / 4
        return dl.dlgradient(loss, net.Learnables)
    grads = dl.dlfeval(loss_fn, init, dl.dlarray(data, "CBT"))
    net = trainNetwork(X, Y, layers, quiet(solver, MaxEpochs=1, MiniBatchSize=4, Shuffle="never",
                                           **opts))
    return init, net, grads


def test_sgdm_update_with_l2_and_per_gate_learn_rate_factors():
    lr, lam = 0.1, 0.01
    f = [1.0, 0.0, 2.0, 1.0]
    init, net, grads = _one_step_net("sgdm", InitialLearnRate=lr, L2Regularization=lam,
                                     Momentum=0.9,
                                     layer_opts=dict(InputWeightsLearnRateFactor=f, BiasL2Factor=0))
    rows = np.repeat(f, 2)[:, None]
    W0 = dl.extractdata(init.Layers[1].InputWeights)
    gW = dl.extractdata(grads["lstm", "InputWeights"])
    W1 = dl.extractdata(net.Layers[1].InputWeights)
    # MATLAB: v = momentum*v - lr*factor*(g + lambda*L2factor*w), v0 = 0; w = w + v
    np.testing.assert_allclose(W1, W0 - lr * rows * (gW + lam * W0), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(W1[2:4], W0[2:4])          # forget gate frozen by factor 0
    b0 = dl.extractdata(init.Layers[1].Bias)
    gb = dl.extractdata(grads["lstm", "Bias"])
    np.testing.assert_allclose(dl.extractdata(net.Layers[1].Bias), b0 - lr * gb, rtol=1e-5,
                               atol=1e-7)                     # BiasL2Factor 0: no decay


def test_adam_first_step_with_learn_rate_factor():
    lr = 0.01
    init, net, grads = _one_step_net("adam", InitialLearnRate=lr, L2Regularization=0,
                                     layer_opts=dict(RecurrentWeightsLearnRateFactor=0.5))
    R0 = dl.extractdata(init.Layers[1].RecurrentWeights)
    g = dl.extractdata(grads["lstm", "RecurrentWeights"])
    m, v = 0.1 * g, 0.001 * g * g
    step = lr * np.sqrt(1 - 0.999) / (1 - 0.9) * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(dl.extractdata(net.Layers[1].RecurrentWeights), R0 - 0.5 * step,
                               rtol=1e-4, atol=1e-6)


def test_training_errors():
    X = _toy_sequences(10)
    opts = quiet(MaxEpochs=1, MiniBatchSize=5)
    seq_layers = [L.sequenceInputLayer(2), L.lstmLayer(4, OutputMode="sequence"),
                  L.fullyConnectedLayer(3), L.softmaxLayer(), L.classificationLayer()]
    with pytest.raises(ValueError, match="list of 10 label sequences"):
        trainNetwork(X, np.zeros(10, int), seq_layers, opts)
    last_layers = [L.sequenceInputLayer(2), L.lstmLayer(4, OutputMode="last"),
                   L.fullyConnectedLayer(3), L.softmaxLayer(), L.classificationLayer()]
    with pytest.raises(ValueError, match="outputs 3 classes .* responses have 2 classes"):
        trainNetwork(X, np.arange(10) % 2, last_layers, opts)
    with pytest.raises(ValueError, match="10 sequences but 9 labels"):
        trainNetwork(X, np.arange(9) % 3, last_layers, opts)
    with pytest.raises(ValueError, match=r"X\[0\] must be 3 x T"):
        trainNetwork(X, np.arange(10) % 3, [L.sequenceInputLayer(3)] + last_layers[1:], opts)
    with pytest.raises(ValueError, match="last layer must be an output layer"):
        trainNetwork(X, np.arange(10) % 3, last_layers[:-1], opts)
    with pytest.raises(TypeError, match="trainingOptions"):
        trainNetwork(X, np.arange(10) % 3, last_layers, {"MaxEpochs": 1})


def test_trainnet_and_scores2label():
    from dlarr._train import minibatchpredict, scores2label, trainnet
    dl.rng(6)
    X = _toy_sequences(40)
    Y = np.array(["neg" if x[0].sum() < 0 else "pos" for x in X])
    layers = [L.sequenceInputLayer(2), L.lstmLayer(12, OutputMode="last"),
              L.fullyConnectedLayer(2), L.softmaxLayer()]
    net = trainnet(X, Y, layers, "crossentropy", quiet(MaxEpochs=40, MiniBatchSize=20,
                                                       InitialLearnRate=0.02))
    assert isinstance(net, dlnetwork)
    scores = minibatchpredict(net, X)
    assert scores.shape == (40, 2)
    assert np.mean(scores2label(scores, net) == Y) > 0.9
    np.testing.assert_array_equal(scores2label(scores, ["neg", "pos"]), scores2label(scores, net))
    with pytest.raises(ValueError, match="lossFcn must be one of"):
        trainnet(X, Y, layers, "hinge", quiet(MaxEpochs=1))
    with pytest.raises(ValueError, match="must not have output layers"):
        trainnet(X, Y, layers + [L.classificationLayer()], "crossentropy", quiet(MaxEpochs=1))


def test_trainnet_regression_with_custom_loss():
    from dlarr._train import minibatchpredict, trainnet
    dl.rng(7)
    X = _toy_sequences(40)
    Y = np.array([[x[1].mean()] for x in X])
    layers = [L.sequenceInputLayer(2), L.gruLayer(12, OutputMode="last"), L.fullyConnectedLayer(1)]
    net = trainnet(X, Y, layers, lambda Yp, T: dl.mean((Yp - T) ** 2, "all"),
                   quiet(MaxEpochs=60, MiniBatchSize=20, InitialLearnRate=0.01))
    pred = minibatchpredict(net, X)
    assert np.sqrt(np.mean((pred - Y) ** 2)) < 0.7 * Y.std()


def test_validation_data_and_learn_rate_schedule_run():
    import io
    from dlarr import _progress
    dl.rng(8)
    X = _toy_sequences(40)
    Y = np.array([int(x[0].sum() > 0) for x in X])
    layers = [L.sequenceInputLayer(2), L.lstmLayer(8, OutputMode="last"),
              L.fullyConnectedLayer(2), L.softmaxLayer(), L.classificationLayer()]
    opts = trainingOptions("sgdm", MaxEpochs=4, MiniBatchSize=10, ValidationData=(X[:10], Y[:10]),
                           ValidationFrequency=4, LearnRateSchedule="piecewise",
                           LearnRateDropPeriod=2, LearnRateDropFactor=0.5, Verbose=True,
                           VerboseFrequency=4)
    out = io.StringIO()
    orig = _progress.TrainingProgress.__init__

    def capture(self, options, **kw):
        kw["stream"] = out
        orig(self, options, **kw)
    _progress.TrainingProgress.__init__ = capture
    try:
        trainNetwork(X, Y, layers, opts)
    finally:
        _progress.TrainingProgress.__init__ = orig
    text = out.getvalue()
    assert "Validation" in text
    assert "0.0100" in text and "0.0050" in text            # the piecewise drop after epoch 2


def test_sequence_length_chunks_carry_state():
    """SequenceLength=n splits each mini-batch into chunks with the state carried over:
    a sequence-to-sequence network still learns a target that needs the past."""
    dl.rng(9)
    X = _toy_sequences(40)
    Y = [np.cumsum(x[:1], axis=1) * 0.3 for x in X]
    layers = [L.sequenceInputLayer(2), L.lstmLayer(16), L.fullyConnectedLayer(1), L.regressionLayer()]
    net = trainNetwork(X, Y, layers, quiet(MaxEpochs=30, MiniBatchSize=20, SequenceLength=4,
                                           InitialLearnRate=0.01))
    pred = predict(net, X[:5])
    err = np.mean([np.mean((p - y) ** 2) for p, y in zip(pred, Y[:5])])
    assert err < 0.5 * np.mean([np.mean(y ** 2) for y in Y[:5]])


def test_reference_page_deeper_network_with_dropout():
    """The page's deeper sequence-to-label network: two LSTMs with dropout after each."""
    dl.rng(10)
    XTrain, YTrain = dl.japaneseVowelsTrainData()
    layers = [L.sequenceInputLayer(12), L.lstmLayer(125, OutputMode="sequence"),
              L.dropoutLayer(0.2), L.lstmLayer(100, OutputMode="last"), L.dropoutLayer(0.2),
              L.fullyConnectedLayer(9), L.softmaxLayer(), L.classificationLayer()]
    net = trainNetwork(XTrain, YTrain, layers, quiet(MaxEpochs=6, MiniBatchSize=27,
                                                     GradientThreshold=1))
    XTest, YTest = dl.japaneseVowelsTestData()
    assert np.mean(classify(net, XTest, MiniBatchSize=27) == YTest) > 0.5      # chance: 0.11
    assert [type(l).__name__ for l in net.Layers][2] == "DropoutLayer"
