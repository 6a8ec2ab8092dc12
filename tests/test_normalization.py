"""batchnorm, layernorm, instancenorm, groupnorm and the normalization layers.

Values and gradients against PyTorch in float64 (F.batch_norm in training and eval mode
with its running statistics, F.layer_norm, F.instance_norm, F.group_norm), with MATLAB's
conventions translated: MeanDecay/VarianceDecay is torch's ``momentum`` (the weight of the
mini-batch), the running variance is updated with the unbiased mini-batch variance (as
torch and cuDNN) while popSigmaSq is the variance normalized by N; MATLAB's documented
formats (Y keeps X's labels; the statistics are numChannels-by-1), the choice between the
training and inference forms by the number of outputs, and the layers in a dlnetwork
(forward with mini-batch statistics returning the updated state, predict with the trained
ones, gradients of the learnables).
"""
import numpy as np
import pytest

import dlarr as dl
from dlarr.functions.normalization import batchnorm, groupnorm, instancenorm, layernorm
from dlarr.layers.normalization import (BatchNormalizationLayer, LayerNormalizationLayer,
                                        batchNormalizationLayer, layerNormalizationLayer)

try:                       # the comparisons with torch skip without it; the rest runs
    import torch
    F = torch.nn.functional
except ImportError:
    torch = F = None
needs_torch = pytest.mark.skipif(torch is None, reason="could not import 'torch'")

RNG = np.random.default_rng(20240613)
CBT_TO_TORCH = (1, 0, 2)            # C, B, T -> B, C, T
SSCB_TO_TORCH = (3, 2, 0, 1)        # H, W, C, B -> B, C, H, W


def randn(*shape, scale=1.0, shift=0.0):
    return RNG.standard_normal(shape) * scale + shift


def _t(a, perm=None, grad=True):
    a = np.transpose(a, perm) if perm is not None else a
    return torch.tensor(np.ascontiguousarray(a), dtype=torch.float64, requires_grad=grad)


def _back(t, perm):
    return np.transpose(t.detach().numpy(), np.argsort(perm))


def _dl_values_and_grads(fn, x, fmt, off, sc, w):
    """Y = fn(X, offset, scale) and the gradients of sum(Y .* w) w.r.t. X, offset, scale."""
    def f(X, O, S):
        Y = fn(X, O, S)
        loss = dl.sum(Y * dl.dlarray(w, Y.dims), "all")
        return (Y,) + dl.dlgradient(loss, X, O, S)
    Y, gx, go, gs = dl.dlfeval(f, dl.dlarray(x, fmt), dl.dlarray(off), dl.dlarray(sc))
    return Y, dl.extractdata(gx), dl.extractdata(go), dl.extractdata(gs)


def _torch_values_and_grads(fn, x, perm, off, sc, w):
    X, O, S = _t(x, perm), _t(off), _t(sc)
    Y = fn(X, O, S)
    (Y * _t(w, perm, grad=False)).sum().backward()
    return _back(Y, perm), _back(X.grad, perm), O.grad.numpy(), S.grad.numpy()


def _agree(mine, theirs, rtol=1e-10, atol=1e-11):
    Y, gx, go, gs = mine
    y, tx, to, ts = theirs
    np.testing.assert_allclose(dl.extractdata(Y), y, rtol=rtol, atol=atol)
    np.testing.assert_allclose(gx, tx, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(go.ravel(), to.ravel(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(gs.ravel(), ts.ravel(), rtol=1e-8, atol=1e-10)


# --------------------------------------------------------------------------
# batchnorm
# --------------------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("fmt,shape,perm", [("CBT", (4, 6, 5), CBT_TO_TORCH),
                                            ("SSCB", (3, 4, 2, 5), SSCB_TO_TORCH)])
def test_batchnorm_training_matches_torch_values_gradients_and_running_statistics(fmt, shape,
                                                                                  perm):
    C = shape[fmt.index("C")]
    x, w = randn(*shape, scale=2.0, shift=1.0), randn(*shape)
    off, sc = randn(C), randn(C)
    rm, rv = randn(C), np.abs(randn(C)) + 0.5
    decay = 0.3
    out = {}

    def mine(X, O, S):
        Y, mu, var = batchnorm(X, O, S, rm, rv, MeanDecay=decay, VarianceDecay=decay,
                               nargout=3)
        out["mu"], out["var"] = mu, var
        return Y

    trm, trv = torch.tensor(rm), torch.tensor(rv)

    def theirs(X, O, S):
        return F.batch_norm(X, trm, trv, S, O, training=True, momentum=decay, eps=1e-5)

    m = _dl_values_and_grads(mine, x, fmt, off, sc, w)
    _agree(m, _torch_values_and_grads(theirs, x, perm, off, sc, w))
    assert m[0].dims == fmt and m[0].shape == shape
    for key, ref in (("mu", trm), ("var", trv)):             # torch updates them in place
        v = out[key]
        assert v.dims == "" and v.shape == (C, 1)
        np.testing.assert_allclose(dl.extractdata(v).ravel(), ref.numpy(), rtol=1e-12)


def test_batchnorm_statistics_conventions():
    x = randn(3, 4, 5, shift=2.0)
    X = dl.dlarray(x, "CBT")
    flat = x.reshape(3, -1)
    n = flat.shape[1]
    Y, mu, var = batchnorm(X, np.zeros(3), np.ones(3), nargout=3)
    # popMu, popSigmaSq: the mean and the variance normalized by N
    np.testing.assert_allclose(dl.extractdata(mu).ravel(), flat.mean(1), rtol=1e-13)
    np.testing.assert_allclose(dl.extractdata(var).ravel(), flat.var(1, ddof=0), rtol=1e-12)
    np.testing.assert_allclose(dl.extractdata(Y),
                               (x - flat.mean(1)[:, None, None])
                               / np.sqrt(flat.var(1)[:, None, None] + 1e-5), rtol=1e-12)
    # updates: MeanDecay and VarianceDecay apart; the variance enters unbiased (N-1)
    rm, rv = np.array([1.0, -1.0, 0.5]), np.array([2.0, 0.5, 1.0])
    _, um, uv = batchnorm(X, np.zeros(3), np.ones(3), rm, rv, MeanDecay=0.25,
                          VarianceDecay=0.6, nargout=3)
    np.testing.assert_allclose(dl.extractdata(um).ravel(), 0.25 * flat.mean(1) + 0.75 * rm,
                               rtol=1e-13)
    np.testing.assert_allclose(dl.extractdata(uv).ravel(),
                               0.6 * flat.var(1, ddof=1) + 0.4 * rv, rtol=1e-12)
    assert not np.allclose(flat.var(1, ddof=1), flat.var(1, ddof=0))
    # one element per channel: N / max(N - 1, 1) keeps the update finite
    _, um1, uv1 = batchnorm(dl.dlarray(np.array([[3.0], [4.0]]), "CB"), [0, 0], [1, 1],
                            [0, 0], [1, 1], nargout=3)
    np.testing.assert_allclose(dl.extractdata(uv1).ravel(), [0.9, 0.9])
    np.testing.assert_allclose(dl.extractdata(um1).ravel(), [0.3, 0.4])


@needs_torch
def test_batchnorm_inference_matches_torch_eval():
    x, w = randn(4, 6, 5, scale=3.0), randn(4, 6, 5)
    off, sc, mu, var = randn(4), randn(4), randn(4), np.abs(randn(4)) + 0.1

    def mine(X, O, S):
        return batchnorm(X, O, S, mu, var, Epsilon=1e-3)          # nargout 1: inference

    def theirs(X, O, S):
        return F.batch_norm(X, torch.tensor(mu), torch.tensor(var), S, O, training=False,
                            eps=1e-3)

    m = _dl_values_and_grads(mine, x, "CBT", off, sc, w)
    _agree(m, _torch_values_and_grads(theirs, x, CBT_TO_TORCH, off, sc, w))
    assert m[0].dims == "CBT"


def test_batchnorm_form_follows_the_number_of_outputs():
    x = randn(2, 8, 3)
    X = dl.dlarray(x, "CBT")
    mu, var = np.array([[5.0], [-5.0]]), np.array([[4.0], [9.0]])
    Yinf = batchnorm(X, [0, 0], [1, 1], mu, var)
    Ytrain, _, _ = batchnorm(X, [0, 0], [1, 1], mu, var, nargout=3)
    np.testing.assert_allclose(dl.extractdata(Yinf), (x - mu[:, :, None])
                               / np.sqrt(var[:, :, None] + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(dl.extractdata(Ytrain), dl.extractdata(batchnorm(X, [0, 0],
                                                                                [1, 1])))
    Y2, m2 = batchnorm(X, [0, 0], [1, 1], mu, var, nargout=2)
    np.testing.assert_allclose(dl.extractdata(m2).ravel(),
                               0.1 * x.mean((1, 2)) + 0.9 * mu.ravel())
    # MATLAB's positional pairs
    Yp = batchnorm(X, [0, 0], [1, 1], mu, var, "Epsilon", 1.0)
    np.testing.assert_allclose(dl.extractdata(Yp), (x - mu[:, :, None])
                               / np.sqrt(var[:, :, None] + 1.0), rtol=1e-12)


def test_batchnorm_unformatted_input_and_types():
    x = randn(5, 3, 4)                                   # T x C x B
    Y = batchnorm(x, np.zeros(3), np.ones(3), DataFormat="TCB")
    assert Y.dims == "" and Y.shape == (5, 3, 4)
    ref = batchnorm(dl.dlarray(x, "TCB"), np.zeros(3), np.ones(3))      # stored C, B, T
    np.testing.assert_allclose(dl.extractdata(Y), np.transpose(dl.extractdata(ref), (2, 0, 1)))
    Ys = batchnorm(dl.dlarray(x.astype(np.float32), "TCB"), np.zeros(3), np.ones(3))
    assert Ys.dtype == np.float32                        # single wins
    Xi = dl.dlarray(np.arange(24).reshape(3, 8), "CB")   # integer data become double
    assert batchnorm(Xi, np.zeros(3), np.ones(3)).dtype == np.float64
    # a formatted "C" offset and a row vector are numChannels elements too
    Yc = batchnorm(dl.dlarray(x, "TCB"), dl.dlarray(np.zeros(3), "C"), np.ones((1, 3)))
    np.testing.assert_allclose(dl.extractdata(Yc), dl.extractdata(ref))


@pytest.mark.parametrize("call,err,match", [
    (lambda X: batchnorm(X, np.zeros(2), np.ones(3)), ValueError, "offset must have 3"),
    (lambda X: batchnorm(X, np.zeros(3), None), TypeError, "scaleFactor must be a vector"),
    (lambda X: batchnorm(X, np.zeros(3), np.ones(3), np.zeros(3)), TypeError,
     "runningMu is given but runningSigmaSq is not"),
    (lambda X: batchnorm(X, np.zeros(3), np.ones(3), np.zeros(3), np.ones(4)), ValueError,
     "trainedSigmaSq must have 3"),
    (lambda X: batchnorm(X, np.zeros(3), np.ones(3), Epsilon=-1), ValueError, "Epsilon"),
    (lambda X: batchnorm(X, np.zeros(3), np.ones(3), MeanDecay=1.5), ValueError,
     "MeanDecay must be a scalar in \\[0, 1\\]"),
    (lambda X: batchnorm(X, np.zeros(3), np.ones(3), nargout=4), ValueError, "nargout"),
    (lambda X: batchnorm(X, dl.dlarray(np.zeros(3), "B"), np.ones(3)), ValueError,
     "labelled 'C'"),
    (lambda X: batchnorm(dl.extractdata(X), np.zeros(3), np.ones(3)), ValueError,
     "DataFormat"),
    (lambda X: batchnorm(X, np.zeros(3), np.ones(3), DataFormat="CBT"), ValueError,
     "formatted"),
    (lambda X: batchnorm(dl.dlarray(np.ones((3, 4)), "BT"), 0, 1), ValueError,
     "'C' \\(channel\\) dimension"),
    (lambda X: batchnorm(dl.dlarray(np.ones((3, 0)), "CB"), np.zeros(3), np.ones(3)),
     ValueError, "no elements to normalize"),
    (lambda X: layernorm(X, np.zeros(3), np.ones(3), OperationDimension="time"), ValueError,
     "OperationDimension 'time' is not valid"),
    (lambda X: instancenorm(dl.dlarray(np.ones((3, 4)), "CB"), np.zeros(3), np.ones(3)),
     ValueError, "no elements to normalize"),
    (lambda X: groupnorm(X, 2, np.zeros(3), np.ones(3)), ValueError,
     "numGroups \\(2\\) must divide"),
    (lambda X: groupnorm(X, 1.5, np.zeros(3), np.ones(3)), ValueError, "positive integer"),
    (lambda X: groupnorm(X, "rows", np.zeros(3), np.ones(3)), ValueError,
     "numGroups 'rows' is not valid"),
])
def test_bad_inputs_name_the_argument(call, err, match):
    with pytest.raises(err, match=match):
        call(dl.dlarray(randn(3, 4, 5), "CBT"))


# --------------------------------------------------------------------------
# layernorm, instancenorm, groupnorm
# --------------------------------------------------------------------------

@needs_torch
def test_layernorm_channel_only_matches_torch_layer_norm():
    x, w = randn(6, 3, 4), randn(6, 3, 4)
    off, sc = randn(6), randn(6)
    perm = (1, 2, 0)                                     # C, B, T -> B, T, C
    m = _dl_values_and_grads(lambda X, O, S: layernorm(X, O, S), x, "CBT", off, sc, w)
    t = _torch_values_and_grads(lambda X, O, S: F.layer_norm(X, (6,), S, O, eps=1e-5),
                                x, perm, off, sc, w)
    _agree(m, t)
    assert m[0].dims == "CBT"


@needs_torch
@pytest.mark.parametrize("dim", ["auto", "spatial-channel", "batch-excluded"])
def test_layernorm_images_match_torch_group_norm_of_one_group(dim):
    # "SSCB" images: auto is spatial-channel, and with no T or U that is batch-excluded
    x, w = randn(3, 4, 5, 2), randn(3, 4, 5, 2)
    off, sc = randn(5), randn(5)
    m = _dl_values_and_grads(lambda X, O, S: layernorm(X, O, S, OperationDimension=dim),
                             x, "SSCB", off, sc, w)
    t = _torch_values_and_grads(lambda X, O, S: F.group_norm(X, 1, S, O, eps=1e-5),
                                x, SSCB_TO_TORCH, off, sc, w)
    _agree(m, t)


@needs_torch
def test_layernorm_operation_dimensions_on_spatial_sequences():
    # "SCBT": auto -> channel-only (sequence data); spatial-channel over S and C per (B, T);
    # batch-excluded over S, C and T per B
    x, w = randn(3, 4, 2, 5), randn(3, 4, 2, 5)
    off, sc = randn(4), randn(4)
    auto = layernorm(dl.dlarray(x, "SCBT"), off, sc)
    chan = layernorm(dl.dlarray(x, "SCBT"), off, sc, OperationDimension="channel-only")
    np.testing.assert_allclose(dl.extractdata(auto), dl.extractdata(chan))
    mean_c = x.mean(1, keepdims=True)
    np.testing.assert_allclose(dl.extractdata(chan), (x - mean_c) / np.sqrt(
        x.var(1, keepdims=True) + 1e-5) * sc[None, :, None, None] + off[None, :, None, None],
        rtol=1e-10, atol=1e-12)
    perm = (2, 3, 1, 0)                                   # S, C, B, T -> B, T, C, S
    spatial = _dl_values_and_grads(
        lambda X, O, S: layernorm(X, O, S, OperationDimension="spatial-channel"),
        x, "SCBT", off, sc, w)

    def torch_spatial(X, O, S):                          # (B, T, C, S) -> (B*T, C, S)
        return F.group_norm(X.reshape(10, 4, 3), 1, S, O, eps=1e-5).reshape(2, 5, 4, 3)

    _agree(spatial, _torch_values_and_grads(torch_spatial, x, perm, off, sc, w))
    perm2 = (2, 1, 0, 3)                                  # S, C, B, T -> B, C, S, T
    whole = _dl_values_and_grads(
        lambda X, O, S: layernorm(X, O, S, OperationDimension="batch"), x, "SCBT", off, sc, w)
    _agree(whole, _torch_values_and_grads(lambda X, O, S: F.group_norm(X, 1, S, O, eps=1e-5),
                                          x, perm2, off, sc, w))


@needs_torch
@pytest.mark.parametrize("fmt,shape,perm", [("CBT", (4, 3, 7), CBT_TO_TORCH),
                                            ("SSCB", (3, 4, 4, 2), SSCB_TO_TORCH)])
def test_instancenorm_matches_torch(fmt, shape, perm):
    C = shape[fmt.index("C")]
    x, w, off, sc = randn(*shape, shift=1.0), randn(*shape), randn(C), randn(C)
    m = _dl_values_and_grads(lambda X, O, S: instancenorm(X, O, S, Epsilon=1e-4),
                             x, fmt, off, sc, w)
    t = _torch_values_and_grads(lambda X, O, S: F.instance_norm(X, weight=S, bias=O, eps=1e-4),
                                x, perm, off, sc, w)
    _agree(m, t)
    assert m[0].dims == fmt


@needs_torch
@pytest.mark.parametrize("groups,torch_groups", [(2, 2), (3, 3), ("all-channels", 1),
                                                 ("channel", 6)])
@pytest.mark.parametrize("fmt,shape,perm", [("CBT", (6, 3, 5), CBT_TO_TORCH),
                                            ("SSCB", (2, 3, 6, 2), SSCB_TO_TORCH)])
def test_groupnorm_matches_torch(groups, torch_groups, fmt, shape, perm):
    x, w, off, sc = randn(*shape), randn(*shape), randn(6), randn(6)
    m = _dl_values_and_grads(lambda X, O, S: groupnorm(X, groups, O, S), x, fmt, off, sc, w)
    t = _torch_values_and_grads(lambda X, O, S: F.group_norm(X, torch_groups, S, O, eps=1e-5),
                                x, perm, off, sc, w)
    _agree(m, t)
    assert m[0].dims == fmt


def test_groupnorm_positional_pairs_and_unformatted_order():
    x = randn(5, 6, 2)                                    # T x C x B
    Y = groupnorm(x, 3, np.zeros(6), np.ones(6), "DataFormat", "TCB", "Epsilon", 1e-3)
    ref = groupnorm(dl.dlarray(x, "TCB"), 3, np.zeros(6), np.ones(6), Epsilon=1e-3)
    assert Y.dims == "" and Y.shape == x.shape
    np.testing.assert_allclose(dl.extractdata(Y), np.transpose(dl.extractdata(ref), (2, 0, 1)))


# --------------------------------------------------------------------------
# The layers
# --------------------------------------------------------------------------

def test_batch_normalization_layer_properties_and_validation():
    layer = batchNormalizationLayer(Name="bn", MeanDecay=0.2)
    assert isinstance(layer, BatchNormalizationLayer)
    assert (layer.NumChannels, layer.MeanDecay, layer.VarianceDecay, layer.Epsilon) == \
        ("auto", 0.2, 0.1, 1e-5)
    assert (layer.ScaleInitializer, layer.OffsetInitializer) == ("ones", "zeros")
    assert layer.Offset is None and layer.TrainedMean is None
    assert layer._learnables == ("Offset", "Scale")
    assert layer._states == ("TrainedMean", "TrainedVariance")
    assert layer._factors("Offset") == (1.0, 1.0) and layer._factors("Scale") == (1.0, 1.0)
    assert batchNormalizationLayer("OffsetL2Factor", 0)._factors("Offset") == (1.0, 0.0)
    text = repr(layer)
    assert text.startswith("BatchNormalizationLayer with properties:")
    assert "State Parameters" in text and "TrainedVariance" in text
    assert layer._type == "Batch Normalization" and layer._default_name == "batchnorm"
    assert batchNormalizationLayer(ScaleInitializer="narrow").ScaleInitializer == \
        "narrow-normal"
    for bad, match in ((dict(Epsilon=1e-6), "at least 1e-05"), (dict(MeanDecay=-0.1), "0, 1"),
                       (dict(VarianceDecay="x"), "0, 1"), (dict(NumChannels=0), "positive"),
                       (dict(ScaleInitializer="zero-ish"), "ScaleInitializer"),
                       (dict(Offset=np.ones((2, 2))), "NumChannels-by-1"),
                       (dict(NumChannels=3, Scale=np.ones(4)), "3 x 1"),
                       (dict(Scales=1), "did you mean Scale")):
        with pytest.raises((ValueError, TypeError), match=match):
            batchNormalizationLayer(**bad)


def test_layer_normalization_layer_properties():
    layer = layerNormalizationLayer(OperationDimension="batch")
    assert isinstance(layer, LayerNormalizationLayer)
    assert layer.OperationDimension == "batch-excluded" and layer.Epsilon == 1e-5
    assert layer._learnables == ("Offset", "Scale") and layer._states == ()
    assert layer._default_name == "layernorm" and layer._type == "Layer Normalization"
    with pytest.raises(ValueError, match="positive scalar"):
        layerNormalizationLayer(Epsilon=0)
    with pytest.raises(ValueError, match="OperationDimension"):
        layerNormalizationLayer(OperationDimension="rows")


def test_help_shows_every_property():
    for fn, cls in ((batchNormalizationLayer, BatchNormalizationLayer),
                    (layerNormalizationLayer, LayerNormalizationLayer)):
        doc = fn.__doc__
        missing = [p for p in cls._props if p not in doc]
        assert not missing and "Example::" in doc, (fn.__name__, missing)


def _bn_net(C=3, decay=0.1, **kw):
    layers = [dl.sequenceInputLayer(C), batchNormalizationLayer(MeanDecay=decay,
                                                                 VarianceDecay=decay, **kw)]
    return dl.dlnetwork(layers, Initialize=False).initialize(np.float64)


@needs_torch
def test_batch_normalization_layer_in_dlnetwork_follows_torch_train_and_eval():
    C, decay = 3, 0.25
    net = _bn_net(C, decay, Offset=randn(C), Scale=randn(C))
    assert net.Layers[1].NumChannels == C
    np.testing.assert_array_equal(dl.extractdata(net.Layers[1].TrainedMean), np.zeros((C, 1)))
    np.testing.assert_array_equal(dl.extractdata(net.Layers[1].TrainedVariance), np.ones((C, 1)))
    bn = torch.nn.BatchNorm1d(C, momentum=decay, eps=1e-5, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(dl.extractdata(net.Layers[1].Scale).ravel()))
        bn.bias.copy_(torch.tensor(dl.extractdata(net.Layers[1].Offset).ravel()))
    for step in range(3):                               # state carried as MATLAB's loop does
        x = randn(C, 4, 6, scale=1.0 + step, shift=step)
        Y, state = dl.forward(net, dl.dlarray(x, "CBT"))
        net.State = state
        y = bn.train()(_t(x, CBT_TO_TORCH, grad=False))
        np.testing.assert_allclose(dl.extractdata(Y), _back(y, CBT_TO_TORCH), rtol=1e-10,
                                   atol=1e-12)
        assert state.Parameter == ["TrainedMean", "TrainedVariance"]
        np.testing.assert_allclose(dl.extractdata(state["batchnorm", "TrainedMean"]).ravel(),
                                   bn.running_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(dl.extractdata(state["batchnorm", "TrainedVariance"]).ravel(),
                                   bn.running_var.numpy(), rtol=1e-12)
    x = randn(C, 2, 5)
    Yp = dl.predict(net, dl.dlarray(x, "CBT"))
    y = bn.eval()(_t(x, CBT_TO_TORCH, grad=False))
    np.testing.assert_allclose(dl.extractdata(Yp), _back(y, CBT_TO_TORCH), rtol=1e-10,
                               atol=1e-12)
    # predict leaves the state as it was
    _, st = dl.predict(net, dl.dlarray(x, "CBT"), nargout=2)
    np.testing.assert_array_equal(dl.extractdata(st["batchnorm", "TrainedMean"]),
                                  dl.extractdata(net.State["batchnorm", "TrainedMean"]))


@needs_torch
def test_batch_normalization_layer_gradients_match_torch():
    C = 4
    net = _bn_net(C, Offset=randn(C), Scale=randn(C))
    x, w = randn(C, 5, 3), randn(C, 5, 3)

    def loss_fn(net, X):
        Y, state = dl.forward(net, X)
        loss = dl.sum(Y * dl.dlarray(w, "CBT"), "all")
        return loss, dl.dlgradient(loss, net.Learnables), state

    loss, grads, state = dl.dlfeval(loss_fn, net, dl.dlarray(x, "CBT"))
    assert grads.Parameter == ["Offset", "Scale"]
    X = _t(x, CBT_TO_TORCH, grad=False)
    O = _t(dl.extractdata(net.Layers[1].Offset).ravel())
    S = _t(dl.extractdata(net.Layers[1].Scale).ravel())
    y = F.batch_norm(X, None, None, S, O, training=True, eps=1e-5)
    (y * _t(w, CBT_TO_TORCH, grad=False)).sum().backward()
    np.testing.assert_allclose(dl.extractdata(grads["batchnorm", "Offset"]).ravel(),
                               O.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(dl.extractdata(grads["batchnorm", "Scale"]).ravel(),
                               S.grad.numpy(), rtol=1e-10)
    assert grads["batchnorm", "Scale"].shape == (C, 1)
    assert state["batchnorm", "TrainedMean"]._node is None      # state is not traced


def test_normalization_layers_after_lstm_and_on_feature_data():
    C, H = 3, 5
    layers = [dl.sequenceInputLayer(C), dl.lstmLayer(H), layerNormalizationLayer(),
              batchNormalizationLayer(), dl.lstmLayer(4, OutputMode="last"),
              batchNormalizationLayer(), dl.fullyConnectedLayer(2)]
    net = dl.dlnetwork(layers, Initialize=False).initialize(np.float64)
    assert [l.Name for l in net.Layers][1:6] == ["lstm_1", "layernorm", "batchnorm_1",
                                                 "lstm_2", "batchnorm_2"]
    assert net.Learnables.Parameter[3:5] == ["Offset", "Scale"]
    x = randn(C, 6, 8)
    Y, state = dl.forward(net, dl.dlarray(x, "CBT"))
    assert Y.dims == "CB" and Y.shape == (2, 6)
    assert len(state) == 2 + 2 + 2 + 2                   # two LSTMs, two batch norms
    mean_cb = dl.extractdata(state["batchnorm_2", "TrainedMean"])
    assert mean_cb.shape == (4, 1) and np.any(mean_cb != 0)   # "CB" input: over B only
    # the layer norm's output: the LSTM's normalized over the channels at each (B, T)
    lstm_only = dl.dlnetwork(layers[:2], Initialize=False).initialize(np.float64)
    lstm_only.Learnables = [dl.extractdata(v) for v in net.Learnables.Value[:3]]
    probe = dl.dlnetwork(layers[:3], Initialize=False).initialize(np.float64)
    probe.Learnables = [dl.extractdata(v) for v in net.Learnables.Value[:5]]
    h = dl.extractdata(dl.predict(lstm_only, dl.dlarray(x, "CBT")))
    Z = dl.extractdata(dl.predict(probe, dl.dlarray(x, "CBT")))
    np.testing.assert_allclose(Z, (h - h.mean(0)) / np.sqrt(h.var(0) + 1e-5), rtol=1e-9,
                               atol=1e-12)
    dl.disp(net.Layers)                                   # the rows display


def test_training_carries_the_running_statistics_across_mini_batches_and_keeps_them():
    """trainNetwork: TrainedMean/TrainedVariance run on from mini-batch to mini-batch (the
    moving statistics; recurrent states still start afresh) and end up in the layer, which
    prediction then uses."""
    from dlarr.layers.normalization import batchNormalizationLayer
    rs = np.random.default_rng(0)
    X = [rs.standard_normal((3, 6)) * [[1.0], [2.0], [3.0]] + [[5.0], [-1.0], [0.5]]
         for _ in range(12)]
    Y = dl.categorical(["a", "b"] * 6)
    layers = [dl.sequenceInputLayer(3), batchNormalizationLayer(MeanDecay=0.3,
                                                                VarianceDecay=0.2),
              dl.lstmLayer(4, OutputMode="last"), dl.fullyConnectedLayer(2), dl.softmaxLayer(),
              dl.classificationLayer()]
    opts = dl.trainingOptions("adam", MaxEpochs=2, MiniBatchSize=4, Shuffle="never",
                              Verbose=False)
    net = dl.trainNetwork(X, Y, layers, opts)
    mu, var = np.zeros((3, 1)), np.ones((3, 1))
    for epoch in range(2):
        for k in range(3):                          # the BN layer sees the raw sequences
            batch = np.concatenate(X[4 * k:4 * k + 4], axis=1)
            mu = 0.3 * batch.mean(axis=1, keepdims=True) + 0.7 * mu
            var = 0.2 * batch.var(axis=1, ddof=1, keepdims=True) + 0.8 * var
    bn = net.Layers[1]
    np.testing.assert_allclose(dl.extractdata(bn.TrainedMean).reshape(3, 1), mu, rtol=1e-5)
    np.testing.assert_allclose(dl.extractdata(bn.TrainedVariance).reshape(3, 1), var,
                               rtol=1e-5)
    state = {(l, p): v for l, p, v in net.State}
    np.testing.assert_array_equal(dl.extractdata(state[(bn.Name, "TrainedMean")]).ravel(),
                                  dl.extractdata(bn.TrainedMean).ravel())
    np.testing.assert_array_equal(dl.extractdata(state[("lstm", "HiddenState")]), 0)  # reset
