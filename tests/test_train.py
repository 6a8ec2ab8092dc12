"""trainNetwork and prediction: the reference page's architectures, state handling,
MATLAB's update rule with learn-rate and L2 factors, and errors."""
import numpy as np
import pytest

import dlarr as dl
from dlarr import layers as L
from dlarr.networks.network import dlnetwork
from dlarr.training.options import trainingOptions
from dlarr.training.prediction import (classify, classifyAndUpdateState, predict,
                                      predictAndUpdateState)
from dlarr.training.train import trainNetwork


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
    # MATLAB: YPred is a 370x1 categorical with the categories of YTrain
    assert isinstance(YPred, dl.categorical) and YPred.shape == YTest.shape
    assert YPred.Categories == YTest.Categories == [str(k) for k in range(1, 10)]
    assert np.mean(YPred == YTest) > 0.75
    classes = net.Layers[-1].Classes
    assert isinstance(classes, dl.categorical) and classes.Categories == YTrain.Categories
    np.testing.assert_array_equal(classes, YTrain.Categories)
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
        from dlarr.networks.network import forward
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
    with pytest.raises(ValueError, match="X has 10 sequences but Y has 9 labels"):
        trainNetwork(X, np.arange(9) % 3, last_layers, opts)
    with pytest.raises(ValueError, match=r"X\[0\] must be 3 x T"):
        trainNetwork(X, np.arange(10) % 3, [L.sequenceInputLayer(3)] + last_layers[1:], opts)
    with pytest.raises(ValueError, match="last layer must be an output layer"):
        trainNetwork(X, np.arange(10) % 3, last_layers[:-1], opts)
    with pytest.raises(TypeError, match="trainingOptions"):
        trainNetwork(X, np.arange(10) % 3, last_layers, {"MaxEpochs": 1})


def test_trainnet_and_scores2label():
    from dlarr.training.prediction import minibatchpredict, scores2label
    from dlarr.training.train import trainnet
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
    with pytest.raises(ValueError, match="lossFcn 'hinge' is not valid; valid values are 'crossentropy'"):
        trainnet(X, Y, layers, "hinge", quiet(MaxEpochs=1))
    with pytest.raises(ValueError, match="must not have output layers"):
        trainnet(X, Y, layers + [L.classificationLayer()], "crossentropy", quiet(MaxEpochs=1))


def test_trainnet_regression_with_custom_loss():
    from dlarr.training.prediction import minibatchpredict
    from dlarr.training.train import trainnet
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
    from dlarr.training import progress as _progress
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
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
            if line.startswith("|") and line.strip("|").split("|")[0].strip().isdigit()]
    assert [r[1] for r in rows][:2] == ["1", "4"]            # iteration 1 and every 4th
    for r in rows:                   # epoch, iteration, time, acc, val acc, loss, val loss, rate
        assert r[4].endswith("%") and float(r[4][:-1]) >= 0  # validation accuracy is there
        assert np.isfinite(float(r[6]))                      # validation loss is there
    assert rows[0][-1] == "0.0100" and rows[-1][-1] == "0.0050"  # piecewise drop after epoch 2


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


def test_output_losses_closed_forms():
    from dlarr.training.losses import _output_loss, _trainnet_loss
    rng = np.random.default_rng(11)
    P = rng.random((3, 4, 5)) + 0.1
    P /= P.sum(0)
    T = np.eye(3)[:, rng.integers(0, 3, (4, 5))]
    mask = np.ones((4, 5), bool)
    mask[1, 3:] = False
    w = np.array([1.0, 2.0, 0.5])
    Y, Tt = dl.dlarray(P, "CBT"), dl.dlarray(T, "CBT")
    got = float(_output_loss("classification", Y, Tt, mask, True, w))
    want = -(w[:, None, None] * T * np.log(P) * mask).sum() / 4
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # regression, sequence output: 1/(2S) per observation, mean over observations
    R = rng.standard_normal((2, 4, 5))
    got = float(_output_loss("regression", dl.dlarray(R, "CBT"), dl.dlarray(np.zeros_like(R), "CBT"),
                             mask, True))
    S = mask.sum(1)
    want = np.mean([(R[:, b, mask[b]] ** 2).sum() / (2 * S[b]) for b in range(4)])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # trainnet: "mse" divides by the number of (unpadded) elements, "crossentropy" by the
    # number of non-channel elements
    mse_fn, _ = _trainnet_loss("mse", True)
    got = float(mse_fn(dl.dlarray(R, "CBT"), dl.dlarray(np.zeros_like(R), "CBT"), mask))
    np.testing.assert_allclose(got, (R ** 2 * mask).sum() / (2 * mask.sum()), rtol=1e-12)
    ce_fn, _ = _trainnet_loss("crossentropy", True)
    got = float(ce_fn(Y, Tt, mask))
    np.testing.assert_allclose(got, -(T * np.log(P) * mask).sum() / mask.sum(), rtol=1e-12)


def test_classes_order_and_class_weights():
    dl.rng(12)
    X = _toy_sequences(20)
    Y = np.array([int(x[0].sum() > 0) for x in X])
    layers = [L.sequenceInputLayer(2), L.lstmLayer(4, OutputMode="last"), L.fullyConnectedLayer(2),
              L.softmaxLayer(), L.classificationLayer(Classes=[1, 0], ClassWeights=[1.0, 3.0])]
    net = trainNetwork(X, Y, layers, quiet(MaxEpochs=1, MiniBatchSize=10))
    assert net.Layers[-1].Classes == (1, 0)
    scores = predict(net, X[:3])
    np.testing.assert_array_equal(classify(net, X[:3]), np.array([1, 0])[scores.argmax(1)])
    bad = layers[:-1] + [L.classificationLayer(ClassWeights=[1.0, 2.0, 3.0])]
    with pytest.raises(ValueError, match="ClassWeights has 3 elements but the network has 2"):
        trainNetwork(X, Y, bad, quiet(MaxEpochs=1))
    with pytest.raises(ValueError, match="positive weights"):
        L.classificationLayer(ClassWeights=[1, -1])
    with pytest.raises(ValueError, match="label 1 is not one of the classes"):
        trainNetwork(X, Y, layers[:-1] + [L.classificationLayer(Classes=[0, 2])], quiet(MaxEpochs=1))


def _val_setup(seed=13):
    dl.rng(seed)
    X = _toy_sequences(40)
    Y = np.array([int(x[0].sum() > 0) for x in X])
    layers = [L.sequenceInputLayer(2), L.lstmLayer(6, OutputMode="last"), L.fullyConnectedLayer(2),
              L.softmaxLayer(), L.classificationLayer()]
    return X, Y, layers


def test_output_fcn_stops_training_and_sees_matlab_fields():
    X, Y, layers = _val_setup()
    seen = []

    def fcn(info):
        seen.append(dict(info))
        return info["Iteration"] == 3
    trainNetwork(X, Y, layers, quiet(MaxEpochs=10, MiniBatchSize=10, OutputFcn=fcn))
    assert [s["State"] for s in seen][:2] == ["start", "iteration"] and seen[-1]["State"] == "done"
    assert max(s["Iteration"] for s in seen) == 3
    assert seen[1]["TrainingAccuracy"] is not None and seen[1]["TrainingRMSE"] is None


def test_validation_patience_and_best_network():
    X, Y, layers = _val_setup()
    record = []
    opts = quiet(MaxEpochs=30, MiniBatchSize=10, ValidationData=(X[:10], Y[:10]),
                 ValidationFrequency=1, ValidationPatience=2, InitialLearnRate=0.2,
                 OutputNetwork="best-validation-loss",
                 OutputFcn=lambda info: record.append((info["Iteration"], info["ValidationLoss"])))
    net = trainNetwork(X, Y, layers, opts)
    iters = [i for i, v in record if v is not None and i > 0]
    assert max(iters) < 30 * 4                       # stopped early
    losses = [v for i, v in record if v is not None and 0 < i]
    # patience 2: the last two validation losses did not beat the best before them
    assert min(losses[-2:]) >= min(losses[:-2])
    from dlarr.training.batching import _prepare_targets
    from dlarr.training.hooks import _evaluate
    from dlarr.training.losses import _metric, _output_loss
    targets, _ = _prepare_targets(net, Y[:10], X[:10], "classification", False, "t",
                                  labels=net._labels)
    vl, _ = _evaluate(net, X[:10], targets, "classification", False, opts,
                      lambda Yp, T, m: _output_loss("classification", Yp, T, m, False),
                      lambda Yp, T, m: _metric("classification", Yp, T, m, False))
    np.testing.assert_allclose(vl, min(losses), rtol=1e-5)
    with pytest.raises(ValueError, match="needs ValidationData"):
        trainNetwork(X, Y, layers, quiet(MaxEpochs=1, OutputNetwork="best-validation-loss"))


def test_trainnet_leaves_the_callers_network_alone():
    from dlarr.training.train import trainnet
    dl.rng(14)
    X = _toy_sequences(20)
    Y = np.array([[x[0].mean()] for x in X])
    net = dlnetwork([L.sequenceInputLayer(2, Normalization="zscore"), L.lstmLayer(4, OutputMode="last"),
                     L.fullyConnectedLayer(1)], Initialize=False)
    net.initialize()
    before = dl.extractdata(net.Learnables.Value[0]).copy()
    out = trainnet(X, Y, net, "mse", quiet(MaxEpochs=2, MiniBatchSize=10))
    assert net.Layers[0].Mean is None and out.Layers[0].Mean is not None
    np.testing.assert_array_equal(dl.extractdata(net.Learnables.Value[0]), before)


def test_network_errors():
    from dlarr.training.prediction import scores2label
    with pytest.raises(ValueError, match="must be unique"):
        dlnetwork([L.sequenceInputLayer(2, Name="a"), L.lstmLayer(3, Name="a")])
    with pytest.raises(ValueError, match="second input layer"):
        dlnetwork([L.sequenceInputLayer(2), L.sequenceInputLayer(2)])
    with pytest.raises(ValueError, match="is an output layer but is not the last"):
        trainNetwork(_toy_sequences(4), [0, 1, 0, 1],
                     [L.sequenceInputLayer(2), L.lstmLayer(3, OutputMode="last"),
                      L.classificationLayer(), L.softmaxLayer()], quiet(MaxEpochs=1))
    net = dlnetwork([L.sequenceInputLayer(2), L.lstmLayer(3)])
    with pytest.raises(ValueError, match=r"\('lstm', 'InputWeights'\) does not match a state"):
        net.State = dl.dlnetwork([L.sequenceInputLayer(2), L.lstmLayer(3)]).Learnables
    with pytest.raises(ValueError, match="3 classes along dimension 1 but 2 classNames"):
        scores2label(np.ones((4, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="give classNames"):
        scores2label(np.ones((4, 3)))
    with pytest.raises(ValueError, match="MiniBatchSize must be a positive integer"):
        predict(net, _toy_sequences(2), MiniBatchSize=0)
    with pytest.raises(ValueError, match="SequenceLength must be 'longest' or 'shortest'"):
        predict(net, _toy_sequences(2), SequenceLength=3)
    reg = [L.sequenceInputLayer(2), L.lstmLayer(3, OutputMode="last"), L.fullyConnectedLayer(2),
           L.regressionLayer()]
    with pytest.raises(ValueError, match="N x R = 4 x 2"):
        trainNetwork(_toy_sequences(4), np.ones((4, 3)), reg, quiet(MaxEpochs=1))


def test_double_precision_network_stays_double():
    dl.rng(15)
    net = dlnetwork([L.sequenceInputLayer(2), L.lstmLayer(3)], Initialize=False)
    net.initialize(np.float64)
    assert net.State.Value[0].dtype == np.float64
    from dlarr.networks.network import forward
    Y, _ = forward(net, dl.dlarray(np.ones((2, 1, 4)), "CBT"))
    assert Y.dtype == np.float64


def test_input_normalization_statistics_are_checked():
    with pytest.raises(ValueError, match="Mean must have InputSize = 2 elements"):
        dlnetwork([L.sequenceInputLayer(2, Normalization="zscore", Mean=np.zeros(5)),
                   L.lstmLayer(3)])
    net = dlnetwork([L.sequenceInputLayer(2, Normalization="zscore"), L.lstmLayer(3)])
    from dlarr.networks.network import forward
    with pytest.raises(ValueError, match="needs Mean and StandardDeviation"):
        forward(net, dl.dlarray(np.ones((2, 1, 4)), "CBT"))


def test_rmsprop_step_with_gradient_clipping():
    lr, thr = 0.01, 0.05
    init, net, grads = _one_step_net("rmsprop", InitialLearnRate=lr, L2Regularization=0,
                                     GradientThreshold=thr)
    W0 = dl.extractdata(init.Layers[2].Weights).astype(np.float64)
    g = dl.extractdata(grads["fc", "Weights"]).astype(np.float64)
    n = np.linalg.norm(g)
    if n > thr:                      # "l2norm": each parameter's gradient scaled to the threshold
        g = g * thr / n
    v = 0.1 * g * g                  # SquaredGradientDecayFactor 0.9 for rmsprop
    W1 = W0 - lr * g / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(dl.extractdata(net.Layers[2].Weights), W1, rtol=1e-4, atol=1e-6)


def test_sgdm_momentum_accumulates_over_two_iterations():
    from dlarr.networks.network import forward
    lr, mu = 0.1, 0.9
    init, net1, g0 = _one_step_net("sgdm", InitialLearnRate=lr, L2Regularization=0, Momentum=mu)
    rng = np.random.default_rng(4)
    X = [rng.standard_normal((3, 6)).astype(np.float32) for _ in range(4)]
    Y = np.array([0, 1, 2, 1])
    layers = [L.sequenceInputLayer(3), L.lstmLayer(2, OutputMode="last",
                                                   InputWeights=init.Layers[1].InputWeights,
                                                   RecurrentWeights=init.Layers[1].RecurrentWeights,
                                                   Bias=init.Layers[1].Bias),
              L.fullyConnectedLayer(3, Weights=init.Layers[2].Weights, Bias=init.Layers[2].Bias),
              L.softmaxLayer(), L.classificationLayer()]
    net2 = trainNetwork(X, Y, layers, quiet("sgdm", MaxEpochs=2, MiniBatchSize=4, Shuffle="never",
                                            InitialLearnRate=lr, L2Regularization=0, Momentum=mu))
    mid = dlnetwork([L.sequenceInputLayer(3), L.lstmLayer(2, OutputMode="last", **{
        p: net1.Layers[1].__getattribute__(p) for p in ("InputWeights", "RecurrentWeights", "Bias")}),
        L.fullyConnectedLayer(3, Weights=net1.Layers[2].Weights, Bias=net1.Layers[2].Bias),
        L.softmaxLayer()])

    def loss_fn(n, x):
        P, _ = forward(n, x)
        T = dl.dlarray(np.eye(3, dtype=np.float32)[:, Y], "CB")
        return dl.dlgradient(-dl.sum(T * dl.log(P), "all") / 4, n.Learnables)
    g1 = dl.dlfeval(loss_fn, mid, dl.dlarray(np.stack(X, axis=1), "CBT"))
    W0 = dl.extractdata(init.Layers[2].Weights)
    v1 = -lr * dl.extractdata(g0["fc", "Weights"])
    W1 = W0 + v1
    v2 = mu * v1 - lr * dl.extractdata(g1["fc", "Weights"])
    np.testing.assert_allclose(dl.extractdata(net2.Layers[2].Weights), W1 + v2, rtol=1e-4, atol=1e-6)


def test_min_length_is_enforced():
    layers = [L.sequenceInputLayer(2, MinLength=6), L.lstmLayer(3, OutputMode="last"),
              L.fullyConnectedLayer(2), L.softmaxLayer(), L.classificationLayer()]
    X = [np.ones((2, 8)), np.ones((2, 5))]
    with pytest.raises(ValueError, match="sequence 1 has 5 time steps, fewer than the input "
                                         "layer's MinLength 6"):
        trainNetwork(X, [0, 1], layers, quiet(MaxEpochs=1))


def test_trainnet_index_crossentropy_equals_crossentropy_on_indices():
    from dlarr.training.train import trainnet
    X = _toy_sequences(20)
    Y = np.array([int(x[0].sum() > 0) for x in X])
    layers = [L.sequenceInputLayer(2), L.lstmLayer(4, OutputMode="last"), L.fullyConnectedLayer(2),
              L.softmaxLayer()]
    nets = []
    for loss in ("crossentropy", "index-crossentropy"):
        dl.rng(16)
        nets.append(trainnet(X, Y, layers, loss, quiet(MaxEpochs=3, MiniBatchSize=10)))
    for a, b in zip(nets[0].Learnables.Value, nets[1].Learnables.Value):
        np.testing.assert_allclose(dl.extractdata(a), dl.extractdata(b), rtol=1e-6)
    with pytest.raises(ValueError, match="label 2 is not one of the classes"):
        trainnet(X, Y * 2, layers, "index-crossentropy", quiet(MaxEpochs=1))


@pytest.mark.parametrize("shuffle", ["once", "every-epoch"])
def test_seeded_runs_give_identical_networks(shuffle):
    """Shuffling draws from dlarr's generator: the same seed, the same network."""
    X = _toy_sequences(24)
    Y = np.array([int(x[0].sum() > 0) for x in X])
    layers = [L.sequenceInputLayer(2), L.lstmLayer(4, OutputMode="last"),
              L.dropoutLayer(0.2), L.fullyConnectedLayer(2), L.softmaxLayer(),
              L.classificationLayer()]
    nets = []
    for _ in range(2):
        dl.rng(21)
        nets.append(trainNetwork(X, Y, layers, quiet("sgdm", MaxEpochs=3, MiniBatchSize=5,
                                                     Shuffle=shuffle)))
    for a, b in zip(*(n.Learnables.Value for n in nets)):
        np.testing.assert_array_equal(dl.extractdata(a), dl.extractdata(b))
