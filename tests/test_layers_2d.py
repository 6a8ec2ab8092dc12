"""The layers of image sequences and feature data: sequenceInputLayer([h w c]),
featureInputLayer, convolution2dLayer, the 2-D pools, sequenceFoldingLayer and
sequenceUnfoldingLayer; against PyTorch in float64 (forward and the gradients
dlgradient gives through a dlnetwork), MATLAB's documented sizes and formats, and
closed forms."""
import math

import numpy as np
import pytest

import dlarr as dl
from dlarr.layers.conv2d import (averagePooling2dLayer, convolution2dLayer,
                                 globalAveragePooling2dLayer, globalMaxPooling2dLayer,
                                 maxPooling2dLayer)
from dlarr.layers.folding import sequenceFoldingLayer, sequenceUnfoldingLayer
from dlarr.layers.input import featureInputLayer, sequenceInputLayer
from dlarr.networks.network import dlnetwork, forward

predict = dl.predict

try:                       # the comparisons with torch skip without it; the rest runs
    import torch
    F = torch.nn.functional
except ImportError:
    torch = F = None
needs_torch = pytest.mark.skipif(torch is None, reason="could not import 'torch'")

rng = np.random.default_rng(21)


def T(a, grad=True):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def same_pads(n, k, s, d=1):
    """MATLAB's 'same' padding, written out: the odd pixel after."""
    e = (k - 1) * d + 1
    total = max((math.ceil(n / s) - 1) * s + e - n, 0)
    return total // 2, total - total // 2


def net64(layers, graph_edges=()):
    lg = dl.layerGraph(layers)
    for src, dst in graph_edges:
        lg = dl.connectLayers(lg, src, dst)
    net = dlnetwork(lg, Initialize=False)
    return net.initialize(np.float64)


def frames(x):
    """(h, w, c, B, T) -> torch (B*T, c, h, w): frame t of sequence b at b*T + t."""
    h, w, c, B, Tn = x.shape
    return T(x.transpose(3, 4, 2, 0, 1).reshape(B * Tn, c, h, w))


def unframes(y, B, Tn):
    """torch (B*T, c, h, w) -> (h, w, c, B, T)."""
    n, c, h, w = y.shape
    return y.detach().numpy().reshape(B, Tn, c, h, w).transpose(3, 4, 2, 0, 1)


def dl_grads(net, x, fmt, R):
    """Y, dloss/dX and dloss/dlearnables of loss = sum(Y .* R) by dlfeval."""
    def model(net, X):
        Y, _ = forward(net, X)
        loss = dl.sum(Y * dl.dlarray(R, Y.dims), "all")
        return Y, dl.dlgradient(loss, X, RetainData=True), dl.dlgradient(loss, net.Learnables)
    Y, gX, gL = dl.dlfeval(model, net, dl.dlarray(x, fmt))
    return dl.extractdata(Y), dl.extractdata(gX), [dl.extractdata(v) for v in gL.Value]


# ----------------------------------------------------------------------------------
# convolution2dLayer
# ----------------------------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("k, stride, dil, pad", [
    ((3, 3), (1, 1), (1, 1), 0),
    ((3, 2), (2, 1), (1, 2), [1, 0, 2, 1]),
    ((2, 3), (2, 3), (2, 1), "same"),
    ((1, 1), (1, 1), (1, 1), [1, 2]),
])
def test_convolution2d_forward_and_gradients_match_torch(k, stride, dil, pad):
    h, w, C, Fn, B, Tn = 7, 8, 3, 4, 2, 3
    W = rng.standard_normal(k + (C, Fn))
    b = rng.standard_normal((1, 1, Fn))
    net = net64([sequenceInputLayer([h, w, C]),
                 convolution2dLayer(k, Fn, Stride=stride, DilationFactor=dil, Padding=pad,
                                    Weights=W, Bias=b)])
    x = rng.standard_normal((h, w, C, B, Tn))
    if pad == "same":
        (t, bo), (l, r) = (same_pads(n, kk, s, d) for n, kk, s, d in zip((h, w), k, stride, dil))
    elif isinstance(pad, list) and len(pad) == 4:
        t, bo, l, r = pad
    elif isinstance(pad, list):
        t = bo = pad[0]
        l = r = pad[1]
    else:
        t = bo = l = r = pad
    assert net.Layers[1].PaddingSize == ((0, 0, 0, 0) if pad == "same" else (t, bo, l, r))
    xt, Wt, bt = frames(x), T(W.transpose(3, 2, 0, 1)), T(b.reshape(-1))
    yt = F.conv2d(F.pad(xt, (l, r, t, bo)), Wt, bt, stride=stride, dilation=dil)
    R = rng.standard_normal(unframes(yt, B, Tn).shape)
    Y, gX, (gW, gb) = dl_grads(net, x, "SSCBT", R)
    np.testing.assert_allclose(Y, unframes(yt, B, Tn), atol=1e-12)
    (yt * frames(R).detach()).sum().backward()
    np.testing.assert_allclose(gX, unframes(xt.grad, B, Tn), atol=1e-12)
    np.testing.assert_allclose(gW, Wt.grad.numpy().transpose(2, 3, 1, 0), atol=1e-12)
    np.testing.assert_allclose(gb.reshape(-1), bt.grad.numpy(), atol=1e-12)


def test_convolution2d_properties_defaults_display_and_initializers():
    layer = convolution2dLayer(3, 16, Padding="same", Name="c1")
    assert (layer.FilterSize, layer.NumFilters, layer.Stride, layer.DilationFactor) == \
        ((3, 3), 16, (1, 1), (1, 1))
    assert (layer.PaddingMode, layer.PaddingSize, layer.PaddingValue) == ("same", (0, 0, 0, 0), 0)
    assert (layer.NumChannels, layer.WeightsInitializer, layer.BiasInitializer) == \
        ("auto", "glorot", "zeros")
    assert (layer.WeightLearnRateFactor, layer.BiasLearnRateFactor, layer.WeightL2Factor,
            layer.BiasL2Factor) == (1, 1, 1, 0)
    text = repr(layer)
    assert "Convolution2DLayer with properties:" in text and "FilterSize: [3 3]" in text
    assert convolution2dLayer([5, 3], 8, "Stride", 2, "Padding", 1).PaddingSize == (1, 1, 1, 1)
    dl.rng(0)
    net = dlnetwork([sequenceInputLayer([10, 9, 2]), convolution2dLayer([3, 2], 5)])
    c = net.Layers[1]
    assert c.Weights.shape == (3, 2, 2, 5) and c.Bias.shape == (1, 1, 5) and c.NumChannels == 2
    bound = math.sqrt(6 / (3 * 2 * 2 + 3 * 2 * 5))     # glorot: numIn h*w*C, numOut h*w*F
    Wv = dl.extractdata(c.Weights)
    assert np.abs(Wv).max() <= bound and np.abs(Wv).max() > 0.8 * bound
    assert c._description() == "5 3x2 convolutions with stride [1 1] and padding [0 0 0 0]"
    net = dlnetwork([sequenceInputLayer([4, 4, 1]),
                     convolution2dLayer(2, 3, WeightsInitializer="ones", BiasInitializer="ones",
                                        WeightLearnRateFactor=2, BiasL2Factor=0.5)])
    assert np.all(dl.extractdata(net.Layers[1].Weights) == 1)
    assert net.Layers[1]._factors("Weights") == (2.0, 1.0)
    assert net.Layers[1]._factors("Bias") == (1.0, 0.5)


@pytest.mark.parametrize("make, err, msg", [
    (lambda: convolution2dLayer(0, 4), ValueError, r"FilterSize must be a positive integer"),
    (lambda: convolution2dLayer([1, 2, 3], 4), ValueError, r"FilterSize"),
    (lambda: convolution2dLayer("a", 4), ValueError, r"FilterSize"),
    (lambda: convolution2dLayer(3, 0), ValueError, r"NumFilters"),
    (lambda: convolution2dLayer(3, 4, Stride=[1, 0]), ValueError, r"Stride"),
    (lambda: convolution2dLayer(3, 4, Padding=[1, 2, 3]), ValueError, r"Padding must be"),
    (lambda: convolution2dLayer(3, 4, Padding="causal"), ValueError, r"Padding"),
    (lambda: convolution2dLayer(3, 4, PaddingValue="wrap"), ValueError, r"PaddingValue"),
    (lambda: maxPooling2dLayer(-1), ValueError, r"PoolSize"),
    (lambda: averagePooling2dLayer(2, PaddingValue=1), ValueError, r"PaddingValue must be 0"),
    (lambda: convolution2dLayer(3, 4, Bogus=1), TypeError, r"Bogus"),
])
def test_bad_properties_are_errors(make, err, msg):
    with pytest.raises(err, match=msg):
        make()


def test_bad_sizes_name_the_layer():
    with pytest.raises(ValueError, match=r"'big' \(Convolution2DLayer\): the dilated filter "
                                         r"\(5 x 5\) is larger than its padded input \(4 x 6"):
        dlnetwork([sequenceInputLayer([4, 6, 1]), convolution2dLayer(5, 2, Name="big")])
    with pytest.raises(ValueError, match=r"'conv' \(Convolution2DLayer\) expects 2-D images"):
        dlnetwork([sequenceInputLayer(3), convolution2dLayer(3, 2)])
    with pytest.raises(ValueError, match=r"NumChannels is 2 but its input has 3 channels"):
        dlnetwork([sequenceInputLayer([5, 5, 3]), convolution2dLayer(3, 2, NumChannels=2)])
    with pytest.raises(ValueError, match=r"'conv' \(Convolution2DLayer\): Weights must be "
                                         r"3 x 3 x 3 x 2; it has size 3 x 3 x 2 x 2"):
        dlnetwork([sequenceInputLayer([5, 5, 3]), convolution2dLayer(3, 2, Weights=np.ones((3, 3, 2, 2)))])
    with pytest.raises(ValueError, match=r"'maxpool' .*PaddingSize \[2 0 0 0\] must be smaller"):
        dlnetwork([sequenceInputLayer([5, 5, 3]), maxPooling2dLayer(2, Padding=[2, 0, 0, 0])])
    with pytest.raises(ValueError, match=r"'gapool' \(GlobalAveragePooling2DLayer\) expects"):
        dlnetwork([featureInputLayer(3), globalAveragePooling2dLayer()])
    net = dlnetwork([sequenceInputLayer([5, 6, 2], Name="video"), convolution2dLayer(3, 2)])
    with pytest.raises(ValueError, match=r"predict: the network's input layer expects images of "
                                         r"size 5 x 6 x 2 \('SSCBT' data\); X has format 'SSCBT' "
                                         r"and size \(6, 5, 2, 1, 3\)"):
        predict(net, dl.dlarray(np.zeros((6, 5, 2, 1, 3)), "SSCBT"))
    with pytest.raises(ValueError, match=r"expects images"):
        predict(net, dl.dlarray(np.zeros((60, 1, 3)), "CBT"))
    a = dl.analyzeNetwork([sequenceInputLayer([4, 6, 1]), convolution2dLayer(5, 2, Name="big")],
                          Plots="none", TargetUsage="dlnetwork")
    assert any("'big'" in i.Description and "larger than" in i.Description for i in a.Issues)


# ----------------------------------------------------------------------------------
# The pools
# ----------------------------------------------------------------------------------

def _count(x, k, s, pads):
    """The number of real (unpadded) pixels in each window: pooling of ones."""
    t, b, l, r = pads
    ones = torch.ones_like(x[:1, :1])
    return F.avg_pool2d(F.pad(ones, (l, r, t, b)), k, s, divisor_override=1)


@needs_torch
@pytest.mark.parametrize("make, ref", [
    (lambda: maxPooling2dLayer(2, Stride=2),
     lambda x: F.max_pool2d(x, 2, 2)),
    (lambda: maxPooling2dLayer([3, 2], Stride=[2, 1], Padding="same"),
     lambda x: F.max_pool2d(F.pad(x, (0, 1) + same_pads(7, 3, 2), value=-math.inf), (3, 2),
                            (2, 1))),
    (lambda: averagePooling2dLayer(2, Padding=[1, 0, 0, 1]),
     lambda x: F.avg_pool2d(F.pad(x, (0, 1, 1, 0)), 2, 1)),
    (lambda: averagePooling2dLayer(3, Stride=2, Padding=1, PaddingValue="mean"),
     lambda x: F.avg_pool2d(F.pad(x, (1, 1, 1, 1)), 3, 2, divisor_override=1)
     / _count(x, 3, 2, (1, 1, 1, 1))),
    (lambda: globalAveragePooling2dLayer(), lambda x: x.mean(dim=(2, 3), keepdim=True)),
    (lambda: globalMaxPooling2dLayer(), lambda x: x.amax(dim=(2, 3), keepdim=True)),
])
def test_pools_forward_and_gradients_match_torch(make, ref):
    h, w, C, B, Tn = 7, 6, 2, 2, 3
    net = net64([sequenceInputLayer([h, w, C]), make()])
    x = rng.standard_normal((h, w, C, B, Tn))
    xt = frames(x)
    yt = ref(xt)
    want = unframes(yt, B, Tn)
    R = rng.standard_normal(want.shape)
    Y, gX, _ = dl_grads(net, x, "SSCBT", R)
    np.testing.assert_allclose(Y, want, atol=1e-12)
    (yt * frames(R).detach()).sum().backward()
    np.testing.assert_allclose(gX, unframes(xt.grad, B, Tn), atol=1e-12)
    size, _ = net._sizes[(1, 0)]
    assert size == want.shape[:3]                 # the size protocol agrees with the data


# ----------------------------------------------------------------------------------
# Other layers on images: fully connected (flattens), activations, batch norm, flatten
# ----------------------------------------------------------------------------------

@needs_torch
def test_fully_connected_on_images_flattens_as_matlab_and_matches_torch():
    h, w, C, O, B, Tn = 3, 4, 2, 5, 2, 3
    Wf = rng.standard_normal((O, h * w * C))
    bf = rng.standard_normal((O, 1))
    net = net64([sequenceInputLayer([h, w, C]), dl.reluLayer(),
                 dl.fullyConnectedLayer(O, Weights=Wf, Bias=bf)])
    assert net.Layers[2].InputSize == h * w * C
    x = rng.standard_normal((h, w, C, B, Tn))
    xt = T(x)
    flat = F.relu(xt).permute(3, 4, 2, 1, 0).reshape(B, Tn, -1)  # MATLAB's column-major h, w, c
    yt = F.linear(flat, T(Wf, False), T(bf.ravel(), False)).permute(2, 0, 1)
    R = rng.standard_normal((O, B, Tn))
    Y, gX, (gW, gb) = dl_grads(net, x, "SSCBT", R)
    np.testing.assert_allclose(Y, yt.detach().numpy(), atol=1e-12)
    (yt * T(R, False)).sum().backward()
    np.testing.assert_allclose(gX, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(gW, (R.reshape(O, -1, order="F") @ np.maximum(x, 0).reshape(
        h * w * C, B * Tn, order="F").T), atol=1e-12)
    with pytest.raises(ValueError, match=r"InputSize is 12 but its input has 24 channels"):
        dlnetwork([sequenceInputLayer([h, w, C]), dl.fullyConnectedLayer(O, InputSize=12)])


@needs_torch
def test_batch_normalization_on_images_is_per_channel_and_matches_torch():
    h, w, C, B, Tn = 4, 3, 3, 2, 2
    off, sc = rng.standard_normal((C, 1)), rng.standard_normal((C, 1))
    net = net64([sequenceInputLayer([h, w, C]), dl.batchNormalizationLayer(Offset=off, Scale=sc),
                 dl.leakyReluLayer(0.1), dl.dropoutLayer(0.0)])
    bn = net.Layers[1]
    assert bn.NumChannels == C and bn.TrainedMean.shape == (C, 1)
    x = rng.standard_normal((h, w, C, B, Tn))
    xt = frames(x)
    yt = F.leaky_relu(F.batch_norm(xt, None, None, T(sc.ravel(), False), T(off.ravel(), False),
                                   training=True, eps=1e-5), 0.1)
    R = rng.standard_normal((h, w, C, B, Tn))
    Y, gX, _ = dl_grads(net, x, "SSCBT", R)
    np.testing.assert_allclose(Y, unframes(yt, B, Tn), atol=1e-10)
    (yt * frames(R).detach()).sum().backward()
    np.testing.assert_allclose(gX, unframes(xt.grad, B, Tn), atol=1e-10)


@needs_torch
@pytest.mark.parametrize("make, ref", [
    (dl.reluLayer, lambda x: F.relu(x)), (dl.sigmoidLayer, lambda x: torch.sigmoid(x)),
    (dl.tanhLayer, lambda x: torch.tanh(x)), (dl.eluLayer, lambda x: F.elu(x)),
    (lambda: dl.softmaxLayer(), lambda x: F.softmax(x, dim=1)),
])
def test_activations_on_image_sequences_match_torch(make, ref):
    """Element-wise activations keep h x w x c; softmax is over the channels of each
    pixel, as MATLAB's on "SSCBT" data."""
    x = rng.standard_normal((4, 3, 5, 2, 3))
    net = net64([sequenceInputLayer([4, 3, 5]), make()])
    xt = frames(x)
    yt = ref(xt)
    R = rng.standard_normal(x.shape)
    Y, gX, _ = dl_grads(net, x, "SSCBT", R)
    np.testing.assert_allclose(Y, unframes(yt, 2, 3), atol=1e-12)
    (yt * frames(R).detach()).sum().backward()
    np.testing.assert_allclose(gX, unframes(xt.grad, 2, 3), atol=1e-12)
    assert net._sizes[(1, 0)] == ((4, 3, 5), True)


def test_flatten_layer_on_image_sequences_is_column_major():
    x = rng.standard_normal((3, 4, 2, 2, 5))
    net = net64([sequenceInputLayer([3, 4, 2]), dl.flattenLayer()])
    Y = predict(net, dl.dlarray(x, "SSCBT"))
    assert (Y.dims, Y.shape) == ("CBT", (24, 2, 5)) and net._sizes[(1, 0)] == (24, True)
    np.testing.assert_array_equal(dl.extractdata(Y), x.reshape(24, 2, 5, order="F"))


def test_documented_activation_sizes_and_formats():
    """MATLAB's analyzeNetwork of an image-sequence network: h x w x c x 1(B) x 1(T)
    activations, "SSCBT"; a global pool gives 1 x 1 x c; fc and flatten give "CBT"."""
    layers = [sequenceInputLayer([28, 28, 3]),
              convolution2dLayer(5, 20, Padding="same"), dl.batchNormalizationLayer(),
              dl.reluLayer(), maxPooling2dLayer(2, Stride=2),
              averagePooling2dLayer(3, Stride=2), convolution2dLayer(3, 8, Stride=2),
              globalAveragePooling2dLayer(), dl.flattenLayer(), dl.lstmLayer(6),
              dl.fullyConnectedLayer(4), dl.softmaxLayer()]
    a = dl.analyzeNetwork(layers, Plots="none", TargetUsage="dlnetwork")
    assert [i for i in a.Issues if i.Severity == "Error"] == []
    got = [(r.ActivationSizes, r.ActivationFormats) for r in a.LayerTable]
    assert got == [((28, 28, 3, 1, 1), "SSCBT"), ((28, 28, 20, 1, 1), "SSCBT"),
                   ((28, 28, 20, 1, 1), "SSCBT"), ((28, 28, 20, 1, 1), "SSCBT"),
                   ((14, 14, 20, 1, 1), "SSCBT"), ((6, 6, 20, 1, 1), "SSCBT"),
                   ((2, 2, 8, 1, 1), "SSCBT"), ((1, 1, 8, 1, 1), "SSCBT"),
                   ((8, 1, 1), "CBT"), ((6, 1, 1), "CBT"), ((4, 1, 1), "CBT"),
                   ((4, 1, 1), "CBT")]
    rows = {r.Name: r for r in a.LayerTable}
    assert rows["conv_1"].LearnableSizes == {"Weights": (5, 5, 3, 20), "Bias": (1, 1, 20)}
    assert rows["conv_1"].NumLearnables == 5 * 5 * 3 * 20 + 20
    net = dlnetwork(layers)
    X = dl.dlarray(rng.standard_normal((28, 28, 3, 2, 4)).astype(np.float32), "SSCBT")
    Y = predict(net, X)
    assert (Y.dims, Y.shape) == ("CBT", (4, 2, 4))


# ----------------------------------------------------------------------------------
# sequenceFoldingLayer / sequenceUnfoldingLayer
# ----------------------------------------------------------------------------------

def _video_layers(W, b, tail=()):
    return [sequenceInputLayer([6, 5, 2], Name="input"), sequenceFoldingLayer(Name="fold"),
            convolution2dLayer(3, 4, Weights=W, Bias=b, Padding="same", Name="conv"),
            dl.reluLayer(Name="relu"), averagePooling2dLayer(2, Stride=2, Name="pool"),
            sequenceUnfoldingLayer(Name="unfold"), *tail]


EDGE = [("fold/miniBatchSize", "unfold/miniBatchSize")]


def test_folding_and_unfolding_equal_the_layers_frame_by_frame():
    W, b = rng.standard_normal((3, 3, 2, 4)), rng.standard_normal((1, 1, 4))
    net = net64(_video_layers(W, b), EDGE)
    frame_net = net64([sequenceInputLayer([6, 5, 2]), convolution2dLayer(
        3, 4, Weights=W, Bias=b, Padding="same"), dl.reluLayer(), averagePooling2dLayer(2, Stride=2)])
    x = rng.standard_normal((6, 5, 2, 3, 4))
    R = rng.standard_normal((3, 2, 4, 3, 4))
    Y, gX, (gW, gb) = dl_grads(net, x, "SSCBT", R)
    assert Y.shape == (3, 2, 4, 3, 4)
    gW_sum = np.zeros_like(W)
    for t in range(4):
        Yt, gXt, (gWt, gbt) = dl_grads(frame_net, x[..., t], "SSCB", R[..., t])
        np.testing.assert_allclose(Y[..., t], Yt, atol=1e-12)
        np.testing.assert_allclose(gX[..., t], gXt, atol=1e-12)
        gW_sum += gWt
    np.testing.assert_allclose(gW, gW_sum, atol=1e-11)
    Yf, _ = forward(net, dl.dlarray(x, "SSCBT"), Outputs="fold/out")
    assert Yf.dims == "SSCB" and Yf.shape == (6, 5, 2, 12)
    # frame t of sequence b is image t*B + b (MATLAB's column-major B x T)
    np.testing.assert_array_equal(dl.extractdata(Yf)[..., 2 * 3 + 1], x[..., 1, 2])
    n, _ = forward(net, dl.dlarray(x, "SSCBT"), Outputs="fold/miniBatchSize")
    assert float(dl.extractdata(n).ravel()[0]) == 3


def test_folded_network_with_fc_unfolds_to_cbt_and_shows_sizes():
    W, b = rng.standard_normal((3, 3, 2, 4)), rng.standard_normal((1, 1, 4))
    layers = _video_layers(W, b)
    layers.insert(5, dl.fullyConnectedLayer(7, Name="fc"))
    layers += [dl.lstmLayer(3, OutputMode="last", Name="lstm")]
    lg = dl.connectLayers(dl.layerGraph(layers), *EDGE[0])
    a = dl.analyzeNetwork(lg, Plots="none", TargetUsage="dlnetwork")
    assert [i for i in a.Issues if i.Severity == "Error"] == []
    rows = {r.Name: (r.ActivationSizes, r.ActivationFormats) for r in a.LayerTable}
    assert rows["fold"] == ((6, 5, 2, 1), "SSCB") and rows["conv"] == ((6, 5, 4, 1), "SSCB")
    assert rows["fc"] == ((7, 1), "CB") and rows["unfold"] == ((7, 1, 1), "CBT")
    assert rows["lstm"] == ((3, 1), "CB")
    net = dlnetwork(lg)
    assert net.Layers[5].InputSize == 3 * 2 * 4
    Y = predict(net, dl.dlarray(rng.standard_normal((6, 5, 2, 2, 5)).astype(np.float32), "SSCBT"))
    assert (Y.dims, Y.shape) == ("CB", (3, 2))


def test_folding_errors_name_the_layer():
    W, b = np.ones((3, 3, 2, 4)), np.zeros((1, 1, 4))
    with pytest.raises(ValueError, match=r"'unfold' \(SequenceUnfoldingLayer\): input "
                                         r"'miniBatchSize' is not connected"):
        dlnetwork(dl.layerGraph(_video_layers(W, b)))
    with pytest.raises(ValueError, match=r"'fold' \(SequenceFoldingLayer\) expects sequences"):
        dlnetwork([featureInputLayer(3), sequenceFoldingLayer(Name="fold")])
    lg = dl.layerGraph(_video_layers(W, b))
    lg = dl.connectLayers(lg, "conv", "unfold/miniBatchSize")
    with pytest.raises(ValueError, match=r"'unfold' \(SequenceUnfoldingLayer\): input "
                                         r"'miniBatchSize' must come from"):
        dlnetwork(lg)
    f, u = sequenceFoldingLayer(), sequenceUnfoldingLayer()
    assert (f.NumOutputs, f.OutputNames, u.NumInputs, u.InputNames) == \
        (2, ("out", "miniBatchSize"), 2, ("in", "miniBatchSize"))
    with pytest.raises(TypeError, match="Bogus"):
        sequenceFoldingLayer(Bogus=1)


# ----------------------------------------------------------------------------------
# Input layers: image sequences, features; normalization
# ----------------------------------------------------------------------------------

def test_image_sequence_input_layer_properties_and_normalizations():
    layer = sequenceInputLayer([28, 28, 3], Name="video")
    assert layer.InputSize == (28, 28, 3) and layer._input_spec() == ((28, 28, 3), True)
    assert "InputSize: [28 28 3]" in repr(layer)
    assert sequenceInputLayer([4, 4, 2, 1]).InputSize == (4, 4, 2, 1)
    assert sequenceInputLayer(np.int64(12)).InputSize == 12
    for bad in ([4, 4], [12], [0, 3, 3], [2.5, 3, 1], "abc", True):
        with pytest.raises(ValueError, match="InputSize must be"):
            sequenceInputLayer(bad)
    h, w, c = 3, 4, 2
    x = rng.standard_normal((h, w, c, 2, 5))
    mu_e, sd_e = rng.standard_normal((h, w, c)), rng.uniform(1, 2, (h, w, c))
    mu_c = rng.standard_normal((1, 1, c))
    lo, hi = x.min(), x.max()
    cases = [(dict(Normalization="zscore", Mean=mu_e, StandardDeviation=sd_e),
              (x - mu_e[..., None, None]) / sd_e[..., None, None]),
             (dict(Normalization="zerocenter", Mean=mu_c), x - mu_c[..., None, None]),
             (dict(Normalization="rescale-symmetric", Min=lo, Max=hi),
              2 * (x - lo) / (hi - lo) - 1),
             (dict(Normalization="rescale-zero-one", Min=np.zeros((1, 1, c)),
                   Max=np.array([2.0, 0.0]).reshape(1, 1, c)),   # a zero range counts as 1
              x / np.array([2.0, 1.0]).reshape(1, 1, c, 1, 1))]
    for opts, want in cases:
        net = net64([sequenceInputLayer([h, w, c], **opts)])
        np.testing.assert_allclose(dl.extractdata(predict(net, dl.dlarray(x, "SSCBT"))), want,
                                   atol=1e-12)
    with pytest.raises(ValueError, match=r"Mean must be 1 x 1 x 2 or 3 x 4 x 2 or a scalar"):
        dlnetwork([sequenceInputLayer([h, w, c], Normalization="zerocenter", Mean=np.ones(5))])
    with pytest.raises(ValueError, match=r"Mean must be 3 x 4 x 2 \(.*'element'\)"):
        dlnetwork([sequenceInputLayer([h, w, c], Normalization="zerocenter", Mean=mu_c,
                                      NormalizationDimension="element")])


def test_fit_normalization_statistics_per_channel_element_and_all():
    seqs = [rng.standard_normal((3, 4, 2, n)) + np.arange(2)[:, None] for n in (3, 5)]
    allx = np.concatenate(seqs, axis=-1)
    layer = sequenceInputLayer([3, 4, 2], Normalization="zscore")
    layer._fit_normalization(seqs)
    assert layer.Mean.shape == (1, 1, 2)
    np.testing.assert_allclose(dl.extractdata(layer.Mean).ravel(), allx.mean(axis=(0, 1, 3)),
                               rtol=1e-6)
    np.testing.assert_allclose(dl.extractdata(layer.StandardDeviation).ravel(),
                               allx.std(axis=(0, 1, 3)), rtol=1e-5)
    layer = sequenceInputLayer([3, 4, 2], Normalization="rescale-zero-one",
                               NormalizationDimension="element")
    layer._fit_normalization(seqs)
    assert layer.Min.shape == (3, 4, 2)
    np.testing.assert_allclose(dl.extractdata(layer.Max), allx.max(axis=-1), rtol=1e-6)
    layer = featureInputLayer(3, Normalization="zerocenter", NormalizationDimension="all")
    feats = [np.array([[1.0], [2.0], [6.0]]), np.array([[3.0], [0.0], [0.0]])]
    layer._fit_normalization(feats)
    assert dl.extractdata(layer.Mean).size == 1
    assert float(dl.extractdata(layer.Mean).ravel()[0]) == pytest.approx(2.0)


def test_feature_input_layer_properties_forward_and_predict():
    layer = featureInputLayer(4, Name="in")
    assert (layer.InputSize, layer.Normalization, layer.NormalizationDimension) == (4, "none", "auto")
    assert layer._input_spec() == (4, False) and layer.NumInputs == 0
    assert featureInputLayer(21)._description() == "21 features"
    assert "FeatureInputLayer with properties:" in repr(layer) and "MinLength" not in repr(layer)
    for bad, err in (([2, 3], ValueError), (0, ValueError)):
        with pytest.raises(err, match="InputSize"):
            featureInputLayer(bad)
    with pytest.raises(TypeError, match="SplitComplexInputs"):
        featureInputLayer(3, SplitComplexInputs=True)
    with pytest.raises(TypeError, match="MinLength"):
        featureInputLayer(3, MinLength=2)
    mu, sd = rng.standard_normal((4, 1)), rng.uniform(1, 2, (4, 1))
    Wf, bf = rng.standard_normal((3, 4)), rng.standard_normal((3, 1))
    net = net64([featureInputLayer(4, Normalization="zscore", Mean=mu, StandardDeviation=sd),
                 dl.fullyConnectedLayer(3, Weights=Wf, Bias=bf), dl.tanhLayer()])
    x = rng.standard_normal((4, 6))
    want = np.tanh(Wf @ ((x - mu) / sd) + bf)
    np.testing.assert_allclose(dl.extractdata(predict(net, dl.dlarray(x, "CB"))), want, atol=1e-12)
    Y, _ = forward(net, dl.dlarray(x, "CB"))
    assert Y.dims == "CB"
    np.testing.assert_allclose(dl.extractdata(Y), want, atol=1e-12)
    np.testing.assert_allclose(dl.extractdata(predict(net, dl.dlarray(x.T, "BC"))), want, atol=1e-12)
    with pytest.raises(ValueError, match=r"predict: the network's input layer \(FeatureInputLayer\) "
                                         r"takes feature data without a time dimension"):
        predict(net, dl.dlarray(x[:, :, None], "CBT"))
    with pytest.raises(ValueError, match=r"expects 4 channels"):
        predict(net, dl.dlarray(x[:3], "CB"))
    a = dl.analyzeNetwork(net, Plots="none")
    assert [(r.ActivationSizes, r.ActivationFormats) for r in a.LayerTable] == \
        [((4, 1), "CB"), ((3, 1), "CB"), ((3, 1), "CB")]
    with pytest.raises(ValueError, match=r"'lstm' .*time"):
        dlnetwork([featureInputLayer(4), dl.lstmLayer(3, Name="lstm")])
    with pytest.raises(ValueError, match=r"layer 2 \('in2'\) is a second input layer"):
        dlnetwork([featureInputLayer(4), featureInputLayer(4, Name="in2")])


# ----------------------------------------------------------------------------------
# save / load
# ----------------------------------------------------------------------------------

def test_save_load_round_trip(tmp_path):
    W, b = rng.standard_normal((3, 3, 2, 4)), rng.standard_normal((1, 1, 4))
    video = dlnetwork(dl.connectLayers(dl.layerGraph(_video_layers(
        W, b, [dl.flattenLayer(), dl.lstmLayer(3, OutputMode="last")])), *EDGE[0]))
    images = dlnetwork([sequenceInputLayer([6, 5, 2], Normalization="zscore",
                                           Mean=np.ones((1, 1, 2)),
                                           StandardDeviation=np.full((6, 5, 2), 2.0)),
                        convolution2dLayer([3, 2], 4, Padding=[1, 0, 2, 1], Stride=[2, 1],
                                           DilationFactor=[1, 2], WeightL2Factor=3),
                        maxPooling2dLayer(2, Padding="same"),
                        averagePooling2dLayer(2, PaddingValue="mean", Padding=1),
                        globalMaxPooling2dLayer(), globalAveragePooling2dLayer(),
                        dl.fullyConnectedLayer(3)])
    feats = dlnetwork([featureInputLayer(4, Normalization="rescale-zero-one", Min=np.zeros((4, 1)),
                                         Max=np.full((4, 1), 2.0)), dl.fullyConnectedLayer(2)])
    xv = dl.dlarray(rng.standard_normal((6, 5, 2, 2, 3)).astype(np.float32), "SSCBT")
    xf = dl.dlarray(rng.standard_normal((4, 3)).astype(np.float32), "CB")
    for net, x in ((video, xv), (images, xv), (feats, xf)):
        dl.save(tmp_path / "f.mat", net=net)
        got = dl.load(tmp_path / "f.mat")["net"]
        assert [type(l) for l in got.Layers] == [type(l) for l in net.Layers]
        for a, b2 in zip(net.Layers, got.Layers):
            for p in a._props:
                va, vb = getattr(a, p), getattr(b2, p)
                if isinstance(va, dl.DLArray) or isinstance(vb, dl.DLArray):
                    np.testing.assert_array_equal(np.asarray(dl.extractdata(va)).ravel(),
                                                  np.asarray(dl.extractdata(vb)).ravel())
                else:
                    assert va == vb, (a.Name, p, va, vb)
        assert list(got.Connections.Source) == list(net.Connections.Source)
        np.testing.assert_array_equal(dl.extractdata(predict(got, x)),
                                      dl.extractdata(predict(net, x)))


# ---------------------------------------------------------------------------------------
# review fixes: statistics with a trailing singleton, extra dimensions at the input, the
# miniBatchSize marker, MATLAB's default names
# ---------------------------------------------------------------------------------------
def test_grayscale_statistics_with_or_without_the_trailing_singleton():
    """MATLAB: an h x w x 1 array is an h x w array; both are per-element statistics."""
    rng = np.random.default_rng(3)
    mean = rng.random((4, 4, 1))
    x = rng.random((4, 4, 1, 2, 3))
    for m in (mean, mean[:, :, 0]):
        net = dlnetwork([sequenceInputLayer([4, 4, 1], Normalization="zerocenter", Mean=m),
                         dl.flattenLayer()], Initialize=False).initialize(np.float64)
        Y = dl.extractdata(dl.predict(net, dl.dlarray(x, "SSCBT")))
        want = (x - mean[:, :, :, None, None]).reshape(16, 2, 3, order="F")
        np.testing.assert_allclose(Y, want, rtol=1e-12)


def test_extra_dimensions_at_the_input_layer_are_named():
    net = dlnetwork([sequenceInputLayer(3), dl.lstmLayer(4)])
    with pytest.raises(ValueError, match=r"^predict: the network's input layer "
                       r"\(SequenceInputLayer\) takes 'CBT' data \(0 spatial dimensions\); X has "
                       r"format 'SCBT'.*'S' dimension"):
        dl.predict(net, dl.dlarray(np.ones((5, 3, 2, 4)), "SCBT"))
    net = dlnetwork([sequenceInputLayer([4, 4, 3]), dl.flattenLayer()])
    with pytest.raises(ValueError, match=r"takes 'SSCBT' data \(2 spatial dimensions\).*'U'"):
        dl.predict(net, dl.dlarray(np.ones((4, 4, 3, 2, 1)), "SSCUB"))
    net = dlnetwork([featureInputLayer(3), dl.fullyConnectedLayer(2)])
    with pytest.raises(ValueError, match=r"takes 'CB' data.*'S' dimension"):
        dl.predict(net, dl.dlarray(np.ones((2, 3, 5)), "SCB"))


def _fold_graph():
    lg = dl.layerGraph([sequenceInputLayer([4, 4, 1], Name="in"),
                        sequenceFoldingLayer(Name="fold"), convolution2dLayer(3, 2, Name="c"),
                        sequenceUnfoldingLayer(Name="u"), dl.flattenLayer(Name="fl")])
    return lg


def test_the_miniBatchSize_output_goes_only_to_an_unfolding_layer():
    lg = dl.connectLayers(_fold_graph(), "fold/miniBatchSize", "u/miniBatchSize")
    lg = dl.connectLayers(dl.addLayers(lg, dl.fullyConnectedLayer(2, Name="fc")),
                          "fold/miniBatchSize", "fc")
    with pytest.raises(ValueError, match=r"^dlnetwork: layer 'fc' \(FullyConnectedLayer\): input "
                       r"'in' is connected to a sequenceFoldingLayer's 'miniBatchSize' output"):
        dl.dlnetwork(lg)
    lg = dl.connectLayers(_fold_graph(), "in", "u/miniBatchSize")
    with pytest.raises(ValueError, match=r"it comes from a layer output of size \(4, 4, 1\)"):
        dl.dlnetwork(lg)


def test_default_names_are_matlabs():
    """MATLAB numbers repeated kinds from 1 (conv_1, conv_2) and leaves single ones bare."""
    lg = dl.layerGraph([sequenceInputLayer([8, 8, 1]), convolution2dLayer(3, 4), dl.reluLayer(),
                        convolution2dLayer(3, 4), dl.reluLayer(), dl.flattenLayer(),
                        dl.fullyConnectedLayer(2), dl.softmaxLayer()])
    assert [l.Name for l in lg.Layers] == ["sequenceinput", "conv_1", "relu_1", "conv_2",
                                           "relu_2", "flatten", "fc", "softmax"]
    named = dl.layerGraph([sequenceInputLayer(3), dl.lstmLayer(2, Name="lstm_1"), dl.lstmLayer(2),
                           dl.lstmLayer(2)])
    assert [l.Name for l in named.Layers][1:] == ["lstm_1", "lstm_2", "lstm_3"]
