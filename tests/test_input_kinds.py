"""Training and prediction on MATLAB's other input kinds: feature data (featureInputLayer,
N-by-numFeatures arrays, "CB" mini-batches) and image sequences (sequenceInputLayer([h w c]),
a list of h x w x c x T arrays padded along T into "SSCBT" mini-batches), and the ported
"Classify Videos Using Deep Learning" example."""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import dlarr as dl
from dlarr import layers as L
from dlarr.networks.network import dlnetwork, forward
from dlarr.training.batching import _batch_data, observations
from dlarr.training.options import trainingOptions
from dlarr.training.prediction import classify, minibatchpredict, predict
from dlarr.training.train import trainNetwork, trainnet

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def featureInputLayer(*args, **kw):
    from dlarr.layers.input import featureInputLayer as f
    return f(*args, **kw)


def quiet(solver="sgdm", **kw):
    kw.setdefault("Verbose", False)
    return trainingOptions(solver, **kw)


def _feature_data(N=30, F=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, F)).astype(np.float32)
    Y = dl.categorical(np.array(["a", "b", "c"])[np.argmax(X[:, :3], axis=1)])
    return X, Y


def _feature_layers(F=4, K=3, seed=1, output=True):
    """Layers with fixed initial weights (so two trainings start alike)."""
    rng = np.random.default_rng(seed)
    W1 = (rng.standard_normal((6, F)) * 0.5).astype(np.float32)
    W2 = (rng.standard_normal((K, 6)) * 0.5).astype(np.float32)
    layers = [featureInputLayer(F), L.fullyConnectedLayer(6, Weights=W1, Bias=np.zeros((6, 1))),
              L.reluLayer(), L.fullyConnectedLayer(K, Weights=W2, Bias=np.full((K, 1), 0.1)),
              L.softmaxLayer()]
    return layers + [L.classificationLayer()] if output else layers


# ----------------------------------------------------------------------------------
# Feature data
# ----------------------------------------------------------------------------------

def test_feature_training_equals_a_hand_written_dlfeval_loop():
    """trainNetwork on an N-by-F array: MATLAB's rows are observations, the mini-batches
    (Shuffle "never") are rows k*B..(k+1)*B-1 as "CB" dlarrays, the loss the mean
    cross-entropy, the step sgdm's; a loop with dlfeval and sgdmupdate gives the same."""
    X, Y = _feature_data()
    lr, mom, B, epochs = 0.2, 0.9, 10, 3
    net = trainNetwork(X, Y, _feature_layers(), quiet(InitialLearnRate=lr, Momentum=mom,
                                                      MiniBatchSize=B, MaxEpochs=epochs,
                                                      L2Regularization=0, Shuffle="never"))
    ref = dlnetwork(_feature_layers(output=False))
    T = np.eye(3, dtype=np.float32)[:, [Y.Categories.index(c) for c in Y.string()]]

    def loss_fn(n, x, t):
        P, _ = forward(n, x)
        loss = -dl.sum(t * dl.log(P), "all") / B
        return loss, dl.dlgradient(loss, n.Learnables)
    vel = []
    for _ in range(epochs):
        for k in range(len(X) // B):
            rows = slice(k * B, (k + 1) * B)
            x, t = dl.dlarray(X[rows].T, "CB"), dl.dlarray(T[:, rows], "CB")
            _, grads = dl.dlfeval(loss_fn, ref, x, t)
            ref, vel = dl.sgdmupdate(ref, grads, vel, lr, mom)
    for i in (1, 3):
        np.testing.assert_allclose(dl.extractdata(net.Layers[i].Weights),
                                   dl.extractdata(ref.Layers[i].Weights), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(dl.extractdata(net.Layers[i].Bias),
                                   dl.extractdata(ref.Layers[i].Bias), rtol=1e-4, atol=1e-5)
    # trainnet on the dlnetwork of the same layers takes the same steps
    opts = quiet(InitialLearnRate=lr, Momentum=mom, MiniBatchSize=B, MaxEpochs=epochs,
                 L2Regularization=0, Shuffle="never")
    tn = trainnet(X, Y, dlnetwork(_feature_layers(output=False)), "crossentropy", opts)
    np.testing.assert_allclose(dl.extractdata(tn.Layers[3].Weights),
                               dl.extractdata(ref.Layers[3].Weights), rtol=1e-4, atol=1e-5)


def test_feature_predict_classify_minibatchpredict_are_n_by_k():
    X, Y = _feature_data(N=25)
    net = trainNetwork(X, Y, _feature_layers(), quiet(MaxEpochs=2, MiniBatchSize=5))
    scores = predict(net, X, MiniBatchSize=4)
    assert scores.shape == (25, 3)                          # MATLAB: N-by-K
    # the scores are the network's forward pass on the "CB" batch, transposed
    body = dlnetwork(list(net.Layers[:-1]))
    expect = dl.extractdata(forward(body, dl.dlarray(X.T, "CB"))[0]).T
    np.testing.assert_allclose(scores, expect, rtol=1e-5, atol=1e-6)
    labels, s2 = classify(net, X, MiniBatchSize=7, nargout=2)
    assert isinstance(labels, dl.categorical) and labels.shape == (25,)
    assert labels.Categories == ["a", "b", "c"]
    np.testing.assert_array_equal(labels.string(), np.array(["a", "b", "c"])[expect.argmax(1)])
    np.testing.assert_allclose(s2, scores, rtol=1e-6)
    assert predict(net, X[0]).shape == (1, 3)               # one observation: 1-by-K
    dln = trainnet(X, Y, body, "crossentropy", quiet(MaxEpochs=1, MiniBatchSize=5))
    mb = minibatchpredict(dln, X, MiniBatchSize=6)
    assert mb.shape == (25, 3)
    np.testing.assert_allclose(mb, dl.extractdata(forward(dln, dl.dlarray(X.T, "CB"))[0]).T,
                               rtol=1e-5, atol=1e-6)
    act = dl.activations(net, X, net.Layers[1].Name)
    assert act.shape == (6, 25)                             # C x N ('channels')
    assert dl.activations(net, X, net.Layers[1].Name, OutputAs="rows").shape == (25, 6)


def test_feature_regression_ignores_sequence_options_and_validates():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 3)).astype(np.float32)
    R = np.stack([X[:, 0] - 2 * X[:, 1], X[:, 2]], 1)        # N-by-R responses
    layers = [featureInputLayer(3), L.fullyConnectedLayer(2, Weights=np.zeros((2, 3)),
                                                          Bias=np.zeros((2, 1))),
              L.regressionLayer()]
    base = dict(InitialLearnRate=0.1, MaxEpochs=20, MiniBatchSize=10, Shuffle="never")
    net, info = trainNetwork(X, R, layers, quiet(**base, ValidationData=(X[:10], R[:10]),
                                                 ValidationFrequency=5), nargout=2)
    # the least-squares problem is learnt (close to the exact weights)
    np.testing.assert_allclose(dl.extractdata(net.Layers[1].Weights),
                               [[1, -2, 0], [0, 0, 1]], atol=0.05)
    assert predict(net, X).shape == (40, 2)
    assert np.isfinite(info.FinalValidationRMSE) and info.FinalValidationRMSE < 0.1
    # SequenceLength, padding: sequence options, which feature data ignores (as MATLAB)
    other = trainNetwork(X, R, layers, quiet(**base, SequenceLength=2, SequencePaddingValue=5,
                                             SequencePaddingDirection="left"))
    np.testing.assert_array_equal(dl.extractdata(other.Layers[1].Weights),
                                  dl.extractdata(trainNetwork(X, R, layers, quiet(**base))
                                                 .Layers[1].Weights))
    np.testing.assert_allclose(predict(net, X, SequencePaddingDirection="left"), predict(net, X))


def test_feature_datastore_and_input_data_formats_give_the_same_training():
    X, Y = _feature_data(N=20)
    opts = quiet(MaxEpochs=2, MiniBatchSize=5, Shuffle="never")
    ref = trainNetwork(X, Y, _feature_layers(), opts)
    ds = dl.combine(dl.arrayDatastore(X), dl.arrayDatastore(Y))
    from_ds = trainNetwork(ds, _feature_layers(), opts)
    w = dl.extractdata(ref.Layers[3].Weights)
    np.testing.assert_allclose(dl.extractdata(from_ds.Layers[3].Weights), w, rtol=1e-6)
    cb = trainNetwork(X.T.copy(), Y, _feature_layers(), quiet(MaxEpochs=2, MiniBatchSize=5,
                                                              Shuffle="never",
                                                              InputDataFormats="CB"))
    np.testing.assert_allclose(dl.extractdata(cb.Layers[3].Weights), w, rtol=1e-6)
    np.testing.assert_allclose(predict(ref, dl.arrayDatastore(X)), predict(ref, X), rtol=1e-6)


def test_wrong_layouts_name_the_argument_and_the_input_layer():
    X, Y = _feature_data(N=12)
    net = trainNetwork(X, Y, _feature_layers(), quiet(MaxEpochs=1, MiniBatchSize=4))
    name = net.Layers[0].Name
    with pytest.raises(TypeError, match=rf"predict: X is a list .*'{name}'.*N-by-4"):
        predict(net, [x[:, None] for x in X])               # sequences to a feature network
    with pytest.raises(ValueError, match=rf"predict: X must be N-by-4 .*4 x 12.*'{name}'"):
        predict(net, X.T)                                   # features along the columns
    with pytest.raises(ValueError, match=r"trainNetwork: X must be N-by-4 .*12 x 3"):
        trainNetwork(X[:, :3], Y, _feature_layers(), quiet(MaxEpochs=1))
    with pytest.raises(ValueError, match=r"ValidationData X must be N-by-4"):
        trainNetwork(X, Y, _feature_layers(), quiet(MaxEpochs=1, ValidationData=(X[:, :2], Y)))
    with pytest.raises(ValueError, match=r"X has 12 observations but Y has 11 labels"):
        trainNetwork(X, Y[:11], _feature_layers(), quiet(MaxEpochs=1))
    with pytest.raises(ValueError, match=r"X has nan at observation 2, feature 1"):
        Xn = X.copy()
        Xn[2, 1] = np.nan
        trainNetwork(Xn, Y, _feature_layers(), quiet(MaxEpochs=1))
    # feature data (one N-by-F array) to a sequence network: the sequence input layer named
    seq = dlnetwork([L.sequenceInputLayer(4, Name="seqin"), L.lstmLayer(3, OutputMode="last"),
                     L.fullyConnectedLayer(3), L.softmaxLayer()])
    with pytest.raises(ValueError, match=r"minibatchpredict: X\[0\] must be 4 x T.*'seqin'"
                                         r".*featureInputLayer"):
        minibatchpredict(seq, X)


# ----------------------------------------------------------------------------------
# Image sequences
# ----------------------------------------------------------------------------------

def _videos(lengths, hwc=(5, 6, 2), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(hwc + (int(t),)).astype(np.float32) for t in lengths]


@pytest.mark.parametrize("length, direction, value",
                         [("longest", "right", 0), ("longest", "left", -1.5),
                          ("shortest", "right", 0), ("shortest", "left", 0)])
def test_image_sequence_batches_are_padsequences_along_t(length, direction, value):
    """An image-sequence mini-batch is padsequences along T (dimension 3, 0-based) with
    the observations moved before T: h x w x c x B x T, and its B x T mask."""
    layer = L.sequenceInputLayer([5, 6, 2], Name="video")
    X = _videos([4, 7, 2])
    obs, single = observations(X, layer, "test")
    assert obs.kind == "image" and not single
    opts = quiet(SequenceLength=length, SequencePaddingDirection=direction,
                 SequencePaddingValue=value)
    data, mask = _batch_data(obs, [2, 0, 1], opts)
    ref, rmask = dl.padsequences([X[2], X[0], X[1]], 3, Length=length, Direction=direction,
                                 PaddingValue=value, nargout=2)
    T = 7 if length == "longest" else 2
    assert data.shape == (5, 6, 2, 3, T) and mask.shape == (3, T)
    np.testing.assert_array_equal(data, np.moveaxis(ref, 4, 3))
    np.testing.assert_array_equal(mask, rmask[0, 0, 0].T)
    assert mask.sum(axis=1).tolist() == [min(n, T) for n in (2, 4, 7)]


def test_image_sequence_layouts_are_checked():
    layer = L.sequenceInputLayer([5, 6, 2], Name="video")
    with pytest.raises(ValueError, match=r"test: X\[1\] must be 5 x 6 x 2 x T .*6 x 5 x 2 x 3"
                                         r".*'video'"):
        observations([_videos([3])[0], np.zeros((6, 5, 2, 3))], layer, "test")
    with pytest.raises(TypeError, match=r"test: X must be a list of 5 x 6 x 2 x T image "
                                        r"sequences.*a 2-D array.*'video'"):
        observations(np.zeros((30, 4)), layer, "test")
    one, single = observations(_videos([3])[0], layer, "test")   # one 4-D array: one video
    assert single and len(one) == 1


def _motion_videos(N, hw=8, seed=0):
    """Bright squares moving right (class "right") or down (class "down")."""
    rng = np.random.default_rng(seed)
    X, Y = [], []
    for n in range(N):
        T = int(rng.integers(4, 8))
        v = np.zeros((hw, hw, 1, T), np.float32)
        r, c = rng.integers(0, hw - 4, 2)
        down = n % 2
        for t in range(T):
            rr, cc = (r + t % 4, c) if down else (r, c + t % 4)
            v[rr:rr + 2, cc:cc + 2, 0, t] = 1
        X.append(v + 0.05 * rng.standard_normal(v.shape).astype(np.float32))
        Y.append("down" if down else "right")
    return X, dl.categorical(Y)


def test_image_sequence_training_sequence_to_label_and_sequence_to_sequence():
    dl.rng(0)
    X, Y = _motion_videos(24)
    layers = [L.sequenceInputLayer([8, 8, 1]), L.flattenLayer(),
              L.lstmLayer(12, OutputMode="last"), L.fullyConnectedLayer(2), L.softmaxLayer(),
              L.classificationLayer()]
    net = trainNetwork(X, Y, layers, quiet("adam", MaxEpochs=25, MiniBatchSize=8,
                                           InitialLearnRate=0.02))
    scores = predict(net, X)
    assert scores.shape == (24, 2)
    assert np.mean(classify(net, X) == Y) > 0.8
    # sequence-to-sequence: one label per frame; the padded frames are left out
    Ys = [dl.categorical([y] * x.shape[-1], ["down", "right"]) for x, y in zip(X, Y.string())]
    layers[2] = L.lstmLayer(12, OutputMode="sequence")
    net = trainNetwork(X, Ys, layers, quiet("adam", MaxEpochs=2, MiniBatchSize=8))
    out = classify(net, X)
    assert [len(o) for o in out] == [x.shape[-1] for x in X]
    assert [s.shape for s in predict(net, X)] == [(2, x.shape[-1]) for x in X]


def test_image_sequence_dlnetwork_trainnet_and_minibatchpredict():
    """R2024's way: convolutions straight on "SSCBT" data in a dlnetwork (no folding);
    minibatchpredict of each video alone is the network's forward pass on it."""
    from dlarr.layers.conv2d import convolution2dLayer
    dl.rng(0)
    X, Y = _motion_videos(16)
    net = dlnetwork([L.sequenceInputLayer([8, 8, 1]), convolution2dLayer(3, 4, Padding="same"),
                     L.reluLayer(), L.flattenLayer(), L.lstmLayer(8, OutputMode="last"),
                     L.fullyConnectedLayer(2), L.softmaxLayer()])
    net = trainnet(X, Y, net, "crossentropy", quiet("adam", MaxEpochs=2, MiniBatchSize=8))
    scores = minibatchpredict(net, X, MiniBatchSize=1)
    assert scores.shape == (16, 2)
    for x, s in zip(X[:3], scores):
        ref = dl.extractdata(forward(net, dl.dlarray(x[:, :, :, None, :], "SSCBT"))[0])
        np.testing.assert_allclose(s, ref[:, 0], rtol=1e-5, atol=1e-6)
    # right padding keeps each video's own steps first: sequence-to-sequence outputs
    # of a mini-batch are the single videos' outputs on their unpadded steps
    seq = dlnetwork([L.sequenceInputLayer([8, 8, 1]), L.flattenLayer(), L.lstmLayer(4),
                     L.fullyConnectedLayer(2)])
    batched = minibatchpredict(seq, X[:4], MiniBatchSize=4)
    for x, b in zip(X[:4], batched):
        np.testing.assert_allclose(b, minibatchpredict(seq, x), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------
# The ported MATLAB example
# ----------------------------------------------------------------------------------

def test_classify_videos_example_learns():
    out = subprocess.run([sys.executable, str(EXAMPLES / "classify_videos.py"), "--quick"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    accuracy = float(out.split("test accuracy = ")[1].split()[0])
    assert accuracy > 0.6                                   # 3 classes: chance is 1/3
