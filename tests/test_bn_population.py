"""trainingOptions' BatchNormalizationStatistics: 'population' (after training, the
statistics recomputed over the whole training set with the final network) and 'moving'
(the running estimates, MATLAB R2024a's 'auto')."""
import numpy as np
import pytest

import dlarr as dl

pytestmark = pytest.mark.filterwarnings("ignore:.*partial mini-batch:UserWarning")

K, F = 3, 5                     # filter size, filters


def _data(n=23, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.standard_normal((4, int(t))) + 0.5 for t in rng.integers(3, 12, n)]
    Y = dl.categorical([str(int(x[0].mean() > 0.5)) for x in X])
    return X, Y


def _layers():
    return [dl.sequenceInputLayer(4),
            dl.convolution1dLayer(K, F, Padding="causal", Name="conv1"),
            dl.batchNormalizationLayer(Name="bn1"),
            dl.reluLayer(Name="relu1"),
            dl.convolution1dLayer(K, F, Padding="causal", Name="conv2"),
            dl.batchNormalizationLayer(Name="bn2"),
            dl.globalAveragePooling1dLayer(),
            dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]


def _train(mode, X, Y, **kw):
    dl.rng(0)
    opts = dl.trainingOptions("adam", MaxEpochs=2, MiniBatchSize=8, Verbose=False,
                              InitialLearnRate=0.01, BatchNormalizationStatistics=mode, **kw)
    return dl.trainNetwork(X, Y, _layers(), opts)


def _layer(net, name):
    return next(l for l in net.Layers if l.Name == name)


def _vec(v):
    return np.asarray(dl.extractdata(v), dtype=np.float64).ravel()


def _causal_conv(x, layer):
    """MATLAB's causal 1-D convolution of one C x T sequence, by hand (weights
    filterSize x C x numFilters, a left pad of filterSize - 1)."""
    W = np.asarray(dl.extractdata(layer.Weights), np.float64)
    b = np.asarray(dl.extractdata(layer.Bias), np.float64).ravel()
    xp = np.concatenate([np.zeros((x.shape[0], K - 1)), x], axis=1)
    T = x.shape[1]
    return b[:, None] + sum(W[k].T @ xp[:, k:k + T] for k in range(K))


def _bn(x, layer):
    mu, var = _vec(layer.TrainedMean)[:, None], _vec(layer.TrainedVariance)[:, None]
    scale, offset = _vec(layer.Scale)[:, None], _vec(layer.Offset)[:, None]
    return scale * (x - mu) / np.sqrt(var + layer.Epsilon) + offset


def test_population_statistics_are_the_training_sets_by_hand():
    """Both layers' statistics: the mean and variance over every observation and time
    step of the layer's input, computed by hand in float64 from the trained weights,
    the second layer's input through the first's finalized statistics."""
    X, Y = _data()
    net = _train("population", X, Y)
    conv1, bn1, conv2, bn2 = (_layer(net, n) for n in ("conv1", "bn1", "conv2", "bn2"))
    in1 = [_causal_conv(x, conv1) for x in X]
    a1 = np.concatenate(in1, axis=1)                    # F x (sum of the lengths)
    assert a1.shape == (F, sum(x.shape[1] for x in X))
    np.testing.assert_allclose(_vec(bn1.TrainedMean), a1.mean(axis=1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_vec(bn1.TrainedVariance), a1.var(axis=1, ddof=1), rtol=1e-4)
    a2 = np.concatenate([_causal_conv(np.maximum(_bn(y, bn1), 0), conv2) for y in in1], axis=1)
    np.testing.assert_allclose(_vec(bn2.TrainedMean), a2.mean(axis=1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_vec(bn2.TrainedVariance), a2.var(axis=1, ddof=1), rtol=1e-4)
    assert bn1.TrainedMean.shape == (F, 1) and bn1.TrainedMean._data.dtype == np.float32
    YPred = dl.classify(net, X)                         # prediction uses them
    assert len(YPred) == len(X)


def test_population_left_padding_matches_activations():
    """Left padding (the causal convolutions see the padded zeros): the statistics are
    those of dl.activations' outputs on the same mini-batches (padded steps left out)."""
    X, Y = _data(seed=1)
    net = _train("population", X, Y, SequencePaddingDirection="left")
    for conv, bn in (("conv1", "bn1"), ("conv2", "bn2")):
        acts = dl.activations(net, X, conv, MiniBatchSize=8, SequencePaddingDirection="left")
        a = np.concatenate(acts, axis=1).astype(np.float64)
        np.testing.assert_allclose(_vec(_layer(net, bn).TrainedMean), a.mean(axis=1),
                                   rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(_vec(_layer(net, bn).TrainedVariance),
                                   a.var(axis=1, ddof=1), rtol=1e-4)


def test_moving_is_the_running_estimate_and_auto_is_moving():
    """'moving' (and 'auto', R2024a's default): one iteration from known weights gives
    TrainedMean = MeanDecay * (batch mean) + (1 - MeanDecay) * 0 and TrainedVariance =
    VarianceDecay * (unbiased batch variance) + (1 - VarianceDecay) * 1."""
    rng = np.random.default_rng(2)
    X = [rng.standard_normal((4, 6)) + 1.0 for _ in range(8)]   # equal lengths: no padding
    Y = dl.categorical(["a", "b"] * 4)
    W = (rng.standard_normal((K, 4, F)) / 3).astype(np.float32)
    b = rng.standard_normal((1, F)).astype(np.float32)
    nets = {}
    for mode in ("moving", "auto", "population"):
        layers = [dl.sequenceInputLayer(4),
                  dl.convolution1dLayer(K, F, Padding="causal", Weights=W, Bias=b, Name="conv"),
                  dl.batchNormalizationLayer(Name="bn"), dl.globalAveragePooling1dLayer(),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
        opts = dl.trainingOptions("sgdm", MaxEpochs=1, MiniBatchSize=8, Verbose=False,
                                  BatchNormalizationStatistics=mode)
        dl.rng(0)
        nets[mode] = dl.trainNetwork(X, Y, layers, opts)
    conv0 = dl.convolution1dLayer(K, F, Padding="causal", Weights=W, Bias=b)
    a = np.concatenate([_causal_conv(x, conv0) for x in X], axis=1)
    bn = _layer(nets["moving"], "bn")
    np.testing.assert_allclose(_vec(bn.TrainedMean), bn.MeanDecay * a.mean(axis=1),
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(_vec(bn.TrainedVariance),
                               bn.VarianceDecay * a.var(axis=1, ddof=1) + (1 - bn.VarianceDecay),
                               rtol=1e-4)
    auto = _layer(nets["auto"], "bn")
    assert np.array_equal(_vec(auto.TrainedMean), _vec(bn.TrainedMean))
    assert np.array_equal(_vec(auto.TrainedVariance), _vec(bn.TrainedVariance))
    # 'population' with the trained (one step later) weights: the full statistics
    pop = nets["population"]
    a = np.concatenate([_causal_conv(x, _layer(pop, "conv")) for x in X], axis=1)
    np.testing.assert_allclose(_vec(_layer(pop, "bn").TrainedMean), a.mean(axis=1), rtol=1e-4)


def test_trainnet_population():
    X, Y = _data(seed=3)
    layers = _layers()[:-1]                    # no output layer: trainnet's loss
    opts = dl.trainingOptions("adam", MaxEpochs=1, MiniBatchSize=8, Verbose=False,
                              BatchNormalizationStatistics="population")
    dl.rng(0)
    net = dl.trainnet(X, Y, layers, "crossentropy", opts)
    conv1, bn1 = _layer(net, "conv1"), _layer(net, "bn1")
    a = np.concatenate([_causal_conv(x, conv1) for x in X], axis=1)
    np.testing.assert_allclose(_vec(bn1.TrainedMean), a.mean(axis=1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_vec(bn1.TrainedVariance), a.var(axis=1, ddof=1), rtol=1e-4)


def test_option_values():
    assert dl.trainingOptions("adam").BatchNormalizationStatistics == "auto"
    assert dl.trainingOptions("adam", BatchNormalizationStatistics="POP") \
        .BatchNormalizationStatistics == "population"
    assert dl.trainingOptions("sgdm", "BatchNormalizationStatistics", "moving") \
        .BatchNormalizationStatistics == "moving"
    with pytest.raises(ValueError, match="BatchNormalizationStatistics"):
        dl.trainingOptions("adam", BatchNormalizationStatistics="running")
    opts = dl.trainingOptions("adam")
    opts.BatchNormalizationStatistics = "population"
    assert opts.BatchNormalizationStatistics == "population"
    assert "BatchNormalizationStatistics: 'population'" in repr(opts)


def test_population_without_batchnorm_changes_nothing():
    X, Y = _data(seed=4)
    layers = [dl.sequenceInputLayer(4), dl.lstmLayer(6, OutputMode="last"),
              dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
    nets = []
    for mode in ("moving", "population"):
        dl.rng(0)
        nets.append(dl.trainNetwork(X, Y, layers, dl.trainingOptions(
            "adam", MaxEpochs=1, MiniBatchSize=8, Verbose=False,
            BatchNormalizationStatistics=mode)))
    for a, b in zip(nets[0].Learnables.Value, nets[1].Learnables.Value):
        assert np.array_equal(dl.extractdata(a), dl.extractdata(b))
