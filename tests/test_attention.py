"""attention (MATLAB's dot-product attention), selfAttentionLayer, positionEmbeddingLayer,
wordEmbeddingLayer, the activation layers leakyReluLayer, clippedReluLayer, eluLayer,
geluLayer, swishLayer (and the functions clippedrelu, swish), flatten and flattenLayer.

The functions and layers are checked against PyTorch in float64 (values and gradients:
F.scaled_dot_product_attention, nn.MultiheadAttention, F.embedding), against closed forms,
and against MATLAB's documented sizes and formats; the layers train in a dlnetwork with
trainnet.  Imports come from the modules (the public names dl.X are wired later).
"""
import math

import numpy as np
import pytest

import dlarr as dl
from dlarr.functions.activations import clippedrelu, swish
from dlarr.functions.attention import attention
from dlarr.functions.flatten import flatten
from dlarr.layers.activation import (ClippedReLULayer, ELULayer, GELULayer, LeakyReLULayer,
                                     SwishLayer, clippedReluLayer, eluLayer, geluLayer,
                                     leakyReluLayer, swishLayer)
from dlarr.layers.attention import (PositionEmbeddingLayer, SelfAttentionLayer,
                                    WordEmbeddingLayer, positionEmbeddingLayer,
                                    selfAttentionLayer, wordEmbeddingLayer)
from dlarr.layers.base import layer_table, undocumented
from dlarr.layers.flatten import FlattenLayer, flattenLayer

from conftest import check_grad

try:                       # the comparisons with torch skip without it; the rest runs
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="could not import 'torch'")


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _quiet(**kw):
    return dl.trainingOptions("adam", Verbose=False, Shuffle="never", **kw)


# --------------------------------------------------------------------------
# attention against torch's scaled_dot_product_attention
# --------------------------------------------------------------------------

C, CV, B, NQ, NK, H = 6, 4, 3, 4, 5, 2
_PAD = np.ones((B, NK), bool)
_PAD[1, 3:] = False                                         # observation 1: 2 padded keys
_ARRAY_MASK = np.random.default_rng(5).random((NK, NQ, B)) > 0.3
_ARRAY_MASK[0] = True                                       # every query keeps key 0


def _heads(x, h=H):
    """dlarr's C x B x N as torch's B x h x N x C/h (contiguous channel blocks per head)."""
    c, b, n = x.shape
    return torch.tensor(x.reshape(h, c // h, b, n).transpose(2, 0, 3, 1), requires_grad=True)


def _cbn(t):
    """torch's B x h x N x d as dlarr's (h d) x B x N."""
    b, h, n, d = t.shape
    return t.detach().numpy().transpose(1, 3, 0, 2).reshape(h * d, b, n)


def _torch_mask(kind):
    """The allowed (True) query-key pairs as torch's B x 1 x Nq x Nk boolean mask."""
    causal = torch.ones(NQ, NK, dtype=torch.bool).tril()
    pad = torch.tensor(_PAD)[:, None, None, :]
    return {"none": None, "causal": causal, "padding": pad, "causal+padding": causal & pad,
            "array": torch.tensor(_ARRAY_MASK.transpose(2, 1, 0))[:, None],
            "array2d": torch.tensor(_ARRAY_MASK[:, :, 0].T)}[kind]


def _options(kind):
    return {"none": {}, "causal": {"AttentionMask": "causal"},
            "padding": {"PaddingMask": dl.dlarray(_PAD[None].astype(float), "CBT")},
            "causal+padding": {"AttentionMask": "causal", "PaddingMask": _PAD[None]},
            "array": {"AttentionMask": _ARRAY_MASK},
            "array2d": {"AttentionMask": _ARRAY_MASK[:, :, 0].astype(float)}}[kind]


@needs_torch
@pytest.mark.parametrize("kind", ["none", "causal", "padding", "causal+padding", "array",
                                  "array2d"])
@pytest.mark.parametrize("scale", ["auto", 0.3])
def test_attention_matches_torch_values_weights_and_gradients(kind, scale):
    F = torch.nn.functional
    q, k, v = _x(C, B, NQ, seed=1), _x(C, B, NK, seed=2), _x(CV, B, NK, seed=3)
    tq, tk, tv = _heads(q), _heads(k), _heads(v)
    s = 1 / math.sqrt(C // H) if scale == "auto" else scale
    mask = _torch_mask(kind)
    ty = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=mask, scale=s)
    scores = tq @ tk.transpose(-1, -2) * s
    if mask is not None:
        scores = scores.masked_fill(~mask, -math.inf)
    tw = torch.softmax(scores, dim=-1)                      # B x h x Nq x Nk
    r1, r2 = _x(*ty.shape, seed=4), _x(*tw.shape, seed=5)
    ((ty * torch.tensor(r1)).sum() + (tw * torch.tensor(r2)).sum()).backward()

    R1 = dl.dlarray(_cbn(torch.tensor(r1)), "CBT")
    R2 = dl.dlarray(r2.transpose(3, 2, 1, 0))               # Nk x Nq x h x B

    def f(Q, K, V):
        Y, W = attention(Q, K, V, H, Scale=scale, nargout=2, **_options(kind))
        loss = dl.sum(Y * R1, "all") + dl.sum(W * R2, "all")
        return Y, W, dl.dlgradient(loss, Q, K, V)

    Y, W, grads = dl.dlfeval(f, *(dl.dlarray(a, "CBT") for a in (q, k, v)))
    assert Y.dims == "CBT" and Y.shape == (CV, B, NQ) and W.dims == "" and W.shape == (NK, NQ, H, B)
    np.testing.assert_allclose(dl.extractdata(Y), _cbn(ty), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dl.extractdata(W), tw.detach().numpy().transpose(3, 2, 1, 0),
                               rtol=1e-12, atol=1e-14)
    for g, t in zip(grads, (tq, tk, tv)):
        assert g.dims == "CBT"
        np.testing.assert_allclose(dl.extractdata(g), _cbn(t.grad), rtol=1e-10, atol=1e-12)


@needs_torch
def test_attention_with_every_key_masked_gives_zeros_as_torch():
    q, k, v = _x(4, 2, 3, seed=1), _x(4, 2, 3, seed=2), _x(4, 2, 3, seed=3)
    pad = np.array([[1, 1, 1], [0, 0, 0]], bool)            # observation 1: all padding
    Y, W = attention(dl.dlarray(q, "CBT"), k, v, 2, PaddingMask=pad[None], nargout=2)
    ty = torch.nn.functional.scaled_dot_product_attention(
        _heads(q, 2), _heads(k, 2), _heads(v, 2), attn_mask=torch.tensor(pad)[:, None, None, :])
    np.testing.assert_allclose(dl.extractdata(Y), _cbn(ty), rtol=1e-12, atol=1e-14)
    assert np.all(dl.extractdata(Y)[:, 1] == 0) and np.all(dl.extractdata(W)[..., 1] == 0)
    np.testing.assert_allclose(dl.extractdata(W)[..., 0].sum(axis=0), 1, rtol=1e-12)

    def f(Q):
        return dl.dlgradient(dl.sum(attention(Q, k, v, 2, PaddingMask=pad[None]) ** 2, "all"), Q)
    g = dl.extractdata(dl.dlfeval(f, dl.dlarray(q, "CBT")))
    assert np.all(np.isfinite(g)) and np.all(g[:, 1] == 0) and np.any(g[:, 0] != 0)


def test_attention_gradients_against_central_differences():
    """Through the head split, the masks and the merge, in float64 (a second check,
    independent of torch)."""
    q, k, v = _x(4, 2, 3, seed=7), _x(4, 2, 5, seed=8), _x(6, 2, 5, seed=9)
    check_grad(lambda Q, K, V: attention(Q, K, V, 2, AttentionMask="causal", Scale=0.8,
                                         nargout=2),
               *(dl.dlarray(a, "CBT") for a in (q, k, v)))


# --------------------------------------------------------------------------
# attention: MATLAB's sizes, formats, options and errors
# --------------------------------------------------------------------------

def test_attention_sizes_and_formats_as_matlab_documents():
    # MATLAB's example, smaller: querySize 10, valueSize 15, 6 queries, 8 values, 4 obs,
    # 5 heads; keys and values unformatted take the queries' format.
    Q = dl.dlarray(np.random.rand(10, 4, 6), "CBT")
    K, V = dl.dlarray(np.random.rand(10, 4, 8)), dl.dlarray(np.random.rand(15, 4, 8))
    Y, W = attention(Q, K, V, 5, nargout=2)
    assert (Y.shape, Y.dims, W.shape, W.dims) == ((15, 4, 6), "CBT", (8, 6, 5, 4), "")
    np.testing.assert_allclose(dl.extractdata(W).sum(axis=0), 1, rtol=1e-12)
    assert isinstance(attention(Q, K, V, 5), dl.DLArray)                  # nargout=1
    # one spatial dimension instead of time: "SCB" (S before C in canonical order)
    q, k, v = (np.random.rand(n, 10, 4) for n in (6, 8, 8))
    Ys = attention(dl.dlarray(q, "SCB"), dl.dlarray(k, "SCB"), dl.dlarray(v, "SCB"), 2)
    Yt = attention(*(dl.dlarray(a.transpose(1, 2, 0), "CBT") for a in (q, k, v)), 2)
    assert Ys.dims == "SCB" and Ys.shape == (6, 10, 4)
    np.testing.assert_allclose(dl.extractdata(Ys), dl.extractdata(Yt).transpose(2, 0, 1),
                               rtol=1e-13)
    # no positions at all: one query attends to one key (weights 1)
    Yc, Wc = attention(dl.dlarray(np.random.rand(4, 3), "CB"), np.random.rand(4, 3),
                       np.random.rand(2, 3), 2, nargout=2)
    assert Yc.dims == "CB" and Yc.shape == (2, 3) and Wc.shape == (1, 1, 2, 3)
    np.testing.assert_allclose(dl.extractdata(Wc), 1)


def test_attention_unformatted_queries_with_data_format():
    q, k, v = _x(4, 5, 3, seed=1), _x(4, 6, 3, seed=2), _x(2, 6, 3, seed=3)      # C x T x B
    Y = attention(q, k, v, 2, DataFormat="CTB", AttentionMask="causal")
    ref = attention(*(dl.dlarray(a.transpose(0, 2, 1), "CBT") for a in (q, k, v)), 2,
                    AttentionMask="causal")
    assert Y.dims == "" and Y.shape == (2, 5, 3)
    np.testing.assert_allclose(dl.extractdata(Y), dl.extractdata(ref).transpose(0, 2, 1),
                               rtol=1e-14)
    # MATLAB's positional pairs, any case
    Y2 = attention(q, k, v, 2, "DataFormat", "CTB", "attentionmask", "causal")
    np.testing.assert_array_equal(dl.extractdata(Y2), dl.extractdata(Y))


def test_attention_single_inputs_stay_single():
    Q = dl.dlarray(np.random.rand(4, 2, 3).astype(np.float32), "CBT")
    Y, W = attention(Q, np.random.rand(4, 2, 3), np.random.rand(4, 2, 3), 2, nargout=2)
    assert Y.dtype == np.float32 and W.dtype == np.float32


def test_attention_dropout_drops_and_rescales_the_weights():
    Q = dl.dlarray(_x(4, 8, 6, seed=1), "CBT")
    K, V = _x(4, 8, 7, seed=2), _x(6, 8, 7, seed=3)
    _, A = attention(Q, K, V, 2, nargout=2)
    dl.rng(3)
    Y, W = attention(Q, K, V, 2, DropoutProbability=0.25, nargout=2)
    a, w = dl.extractdata(A), dl.extractdata(W)
    kept = w != 0
    assert 0.6 < kept.mean() < 0.9                                   # about 3/4 kept
    np.testing.assert_allclose(w[kept], a[kept] / 0.75, rtol=1e-13)
    # Y is the values times the weights used, head by head
    Vh = V.reshape(2, 3, 8, 7)                                       # head, d, B, Nk
    ref = np.einsum("hdbk,kqhb->hdbq", Vh, w).reshape(6, 8, 6)
    np.testing.assert_allclose(dl.extractdata(Y), ref, rtol=1e-12, atol=1e-14)
    dl.rng(3)
    Y2 = attention(Q, K, V, 2, DropoutProbability=0.25)
    np.testing.assert_array_equal(dl.extractdata(Y2), dl.extractdata(Y))   # dl.rng seeds it


@pytest.mark.parametrize("call, err, match", [
    (lambda Q, K, V: attention(Q, K, V, 3), ValueError, r"numHeads \(3\) must divide .*\(4\)"),
    (lambda Q, K, V: attention(Q, K, V, 0), ValueError, "numHeads must be a positive integer"),
    (lambda Q, K, V: attention(Q, K[:3], V, 2), ValueError, "keys must have the number of "
                                                            "channels of queries"),
    (lambda Q, K, V: attention(Q, K[:, :1], V[:, :1], 2), ValueError, "same 'B' size"),
    (lambda Q, K, V: attention(Q, K, V[:, :, :2], 2), ValueError, "same 'S'/'T' size"),
    (lambda Q, K, V: attention(Q, dl.dlarray(K, "CBT")[:, :, :], dl.dlarray(V, "SCB"), 2),
     ValueError, "values is formatted 'SCB' but queries are 'CBT'"),
    (lambda Q, K, V: attention(Q, K, V, 2, AttentionMask="upper"), ValueError, "AttentionMask"),
    (lambda Q, K, V: attention(Q, K, V, 2, AttentionMask=np.ones((3, 3))), ValueError,
     r"Nk x Nq \(5 x 3\)"),
    (lambda Q, K, V: attention(Q, K, V, 2, PaddingMask=np.full((1, 2, 5), 0.5)), ValueError,
     "PaddingMask must hold 0 .* and 1"),
    (lambda Q, K, V: attention(Q, K, V, 2, PaddingMask=np.ones((1, 2, 4))), ValueError,
     "PaddingMask must have the 'B' and 'S'/'T' sizes of keys"),
    (lambda Q, K, V: attention(Q, K, V, 2, DropoutProbability=1), ValueError,
     r"DropoutProbability must be a number in \[0, 1\)"),
    (lambda Q, K, V: attention(Q, K, V, 2, Scale="big"), ValueError, "Scale"),
    (lambda Q, K, V: attention(Q, K, V, 2, nargout=3), ValueError, "nargout must be one of 1, 2"),
    (lambda Q, K, V: attention(dl.extractdata(Q), K, V, 2), ValueError, "queries is unformatted"),
    (lambda Q, K, V: attention(dl.dlarray(np.ones((2, 2, 4, 2)), "SSCB"), K, V, 2), ValueError,
     "at most one 'S' or 'T' dimension"),
    (lambda Q, K, V: attention(Q, "keys", V, 2), TypeError, "keys must be a dlarray or a numeric"),
])
def test_attention_bad_inputs_are_clear_errors(call, err, match):
    Q = dl.dlarray(_x(4, 2, 3), "CBT")
    with pytest.raises(err, match=match):
        call(Q, _x(4, 2, 5), _x(4, 2, 5))


# --------------------------------------------------------------------------
# selfAttentionLayer
# --------------------------------------------------------------------------

def _learnable_grads(net, X, R):
    def f(net, X):
        Y, _ = dl.forward(net, X)
        loss = dl.sum(Y * R, "all")
        return (Y,) + dl.dlgradient(loss, net.Learnables, X)
    return dl.dlfeval(f, net, X)


@needs_torch
@pytest.mark.parametrize("causal", [False, True])
def test_self_attention_layer_matches_torch_multihead_attention(causal):
    E, h, Bn, T = 8, 2, 3, 5
    torch.manual_seed(0)
    mha = torch.nn.MultiheadAttention(E, h, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_bias.normal_()
        mha.out_proj.bias.normal_()
    w, b = mha.in_proj_weight.detach().numpy(), mha.in_proj_bias.detach().numpy()
    given = {f"{p}Weights": w[i * E:(i + 1) * E] for i, p in enumerate(("Query", "Key", "Value"))}
    given.update({f"{p}Bias": b[i * E:(i + 1) * E, None]
                  for i, p in enumerate(("Query", "Key", "Value"))})
    given["OutputWeights"] = mha.out_proj.weight.detach().numpy()
    given["OutputBias"] = mha.out_proj.bias.detach().numpy()[:, None]
    layer = selfAttentionLayer(h, E, AttentionMask="causal" if causal else "none", **given)
    net = dl.dlnetwork([dl.sequenceInputLayer(E), layer], Initialize=False).initialize(np.float64)

    x = _x(E, Bn, T, seed=11)
    tx = torch.tensor(x.transpose(1, 2, 0), requires_grad=True)             # B x T x E
    mask = torch.ones(T, T, dtype=torch.bool).triu(1) if causal else None    # True: blocked
    ty, _ = mha(tx, tx, tx, attn_mask=mask, need_weights=False)
    r = _x(E, Bn, T, seed=12)
    (ty * torch.tensor(r.transpose(1, 2, 0))).sum().backward()

    Y, g, gx = _learnable_grads(net, dl.dlarray(x, "CBT"), dl.dlarray(r, "CBT"))
    assert Y.dims == "CBT" and Y.shape == (E, Bn, T)
    np.testing.assert_allclose(dl.extractdata(Y), ty.detach().numpy().transpose(2, 0, 1),
                               rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dl.extractdata(gx), tx.grad.numpy().transpose(2, 0, 1),
                               rtol=1e-10, atol=1e-12)
    gw, gb = mha.in_proj_weight.grad.numpy(), mha.in_proj_bias.grad.numpy()
    for i, p in enumerate(("Query", "Key", "Value")):
        np.testing.assert_allclose(dl.extractdata(g["selfattention", p + "Weights"]),
                                   gw[i * E:(i + 1) * E], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dl.extractdata(g["selfattention", p + "Bias"]).ravel(),
                                   gb[i * E:(i + 1) * E], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dl.extractdata(g["selfattention", "OutputWeights"]),
                               mha.out_proj.weight.grad.numpy(), rtol=1e-10, atol=1e-12)


@needs_torch
def test_self_attention_layer_general_sizes_against_torch():
    """Input 3 channels, 8 key channels, 6 value channels, 4 outputs, 2 heads: the
    projections, heads and merge as torch's F.linear + scaled_dot_product_attention."""
    F = torch.nn.functional
    dl.rng(2)
    net = dl.dlnetwork([dl.sequenceInputLayer(3),
                        selfAttentionLayer(2, 8, NumValueChannels=6, OutputSize=4,
                                           QueryBiasInitializer="narrow-normal",
                                           ValueBiasInitializer="ones")],
                       Initialize=False).initialize(np.float64)
    layer = net.Layers[1]
    assert (layer.NumValueChannels, layer.OutputSize) == (6, 4)         # 'auto' resolved
    P = {p: torch.tensor(dl.extractdata(getattr(layer, p))) for p in layer._learnables}
    x = _x(3, 2, 7, seed=3)
    tx = torch.tensor(x.transpose(1, 2, 0))                              # B x T x C

    def proj(p, d):
        y = F.linear(tx, P[p + "Weights"], P[p + "Bias"].ravel())        # B x T x (h d)
        return y.reshape(2, 7, 2, d).transpose(1, 2)                     # B x h x T x d
    att = F.scaled_dot_product_attention(proj("Query", 4), proj("Key", 4), proj("Value", 3))
    ty = F.linear(att.transpose(1, 2).reshape(2, 7, 6), P["OutputWeights"],
                  P["OutputBias"].ravel())
    Y = dl.predict(net, dl.dlarray(x, "CBT"))
    assert Y.shape == (4, 2, 7)
    np.testing.assert_allclose(dl.extractdata(Y), ty.numpy().transpose(2, 0, 1), rtol=1e-12,
                               atol=1e-13)


def test_self_attention_layer_properties_display_and_factors():
    layer = selfAttentionLayer(4, 16)
    assert (layer.NumHeads, layer.NumKeyChannels, layer.NumValueChannels, layer.OutputSize,
            layer.HasPaddingMaskInput, layer.AttentionMask, layer.DropoutProbability) == \
        (4, 16, "auto", "auto", False, "none", 0.0)
    assert layer.QueryWeightsInitializer == "glorot" and layer.OutputBiasInitializer == "zeros"
    assert repr(layer).startswith("SelfAttentionLayer with properties:")
    assert undocumented(SelfAttentionLayer) == []
    dl.rng(0)
    net = dl.dlnetwork([dl.sequenceInputLayer(3),
                        selfAttentionLayer(2, 8, "NumValueChannels", 4, "WeightLearnRateFactor",
                                           [1, 2, 0, 3], "BiasL2Factor", 0.5)])
    lay = net.Layers[1]
    sizes = {p: tuple(v.shape) for l, p, v in net.Learnables}
    assert sizes == {"QueryWeights": (8, 3), "KeyWeights": (8, 3), "ValueWeights": (4, 3),
                     "OutputWeights": (3, 4), "QueryBias": (8, 1), "KeyBias": (8, 1),
                     "ValueBias": (4, 1), "OutputBias": (3, 1)}
    assert list(net.Learnables.Parameter)[:4] == ["QueryWeights", "KeyWeights", "ValueWeights",
                                                  "OutputWeights"]
    assert lay._factors("ValueWeights") == (0.0, 1.0) and lay._factors("OutputWeights") == (3.0, 1.0)
    assert lay._factors("KeyBias") == (1.0, 0.5)
    assert "Self-attention with 2 heads and 8 key channels" in layer_table(net.Layers)
    assert net.Layers[1].Name == "selfattention"
    m = np.tril(np.ones((5, 5), bool))
    assert selfAttentionLayer(1, 2, AttentionMask=m).AttentionMask is not None
    assert selfAttentionLayer(1, 2, AttentionMask="CAUS").AttentionMask == "causal"


@pytest.mark.parametrize("make, err, match", [
    (lambda: selfAttentionLayer(3, 8), ValueError, r"NumHeads \(3\) must divide NumKeyChannels"),
    (lambda: selfAttentionLayer(2, 8, NumValueChannels=5), ValueError, "NumValueChannels"),
    (lambda: selfAttentionLayer(2, 8, HasPaddingMaskInput=True), ValueError,
     "HasPaddingMaskInput=true .* not supported yet"),
    (lambda: selfAttentionLayer(2, 8, HasScoresOutput="yes"), TypeError, "true or false"),
    (lambda: selfAttentionLayer(2, 8, DropoutProbability=1.5), ValueError, "DropoutProbability"),
    (lambda: selfAttentionLayer(2, 8, AttentionMask="future"), ValueError, "AttentionMask"),
    (lambda: selfAttentionLayer(2, 8, WeightL2Factor=[1, 2]), ValueError, "1x4 vector"),
    (lambda: selfAttentionLayer(2, 8, QueryWeightsInitializer="xavier"), ValueError,
     "QueryWeightsInitializer"),
    (lambda: selfAttentionLayer(0, 8), ValueError, "NumHeads must be a positive integer"),
    (lambda: selfAttentionLayer(2, 8, NumQueries=3), TypeError, "no property 'NumQueries'"),
    (lambda: dl.dlnetwork([dl.sequenceInputLayer(3), selfAttentionLayer(2, 4,
                                                                        QueryWeights=np.ones((4, 2)))]),
     ValueError, "QueryWeights must be 4 x 3"),
])
def test_self_attention_layer_bad_properties(make, err, match):
    with pytest.raises(err, match=match):
        make()


def test_transformer_network_trains_with_trainnet():
    """sequenceInput -> fc -> selfAttention (causal, dropout) -> fc: a sequence-to-sequence
    regression whose target at t is the mean of channel 1 over steps 1..t, which needs the
    causal attention; trainnet lowers the loss, predict keeps MATLAB's sizes."""
    rs = np.random.default_rng(0)
    X = [rs.standard_normal((2, 8)) for _ in range(32)]
    T = [np.cumsum(x[:1], axis=1) / np.arange(1, 9) for x in X]
    layers = [dl.sequenceInputLayer(2), dl.fullyConnectedLayer(8),
              selfAttentionLayer(2, 8, AttentionMask="causal", DropoutProbability=0.1),
              dl.fullyConnectedLayer(1)]
    dl.rng(1)
    net, info = dl.trainnet(X, T, layers, "mse", _quiet(MaxEpochs=15, MiniBatchSize=16,
                                                       InitialLearnRate=0.02), nargout=2)
    loss = np.asarray(info.TrainingHistory.TrainingLoss)
    assert loss[-3:].mean() < 0.5 * loss[:3].mean(), loss
    Y = dl.predict(net, dl.dlarray(np.stack(X[:4], axis=1), "CBT"))
    assert Y.dims == "CBT" and Y.shape == (1, 4, 8)
    # causal: the output at step 1 does not depend on later steps
    x2 = np.stack(X[:4], axis=1).copy()
    x2[:, :, 3:] += 5
    Y2 = dl.predict(net, dl.dlarray(x2, "CBT"))
    np.testing.assert_allclose(dl.extractdata(Y2)[..., :3], dl.extractdata(Y)[..., :3],
                               rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------
# positionEmbeddingLayer
# --------------------------------------------------------------------------

def test_position_embedding_layer_outputs_the_columns_of_its_weights():
    W = _x(4, 10, seed=1)
    net = dl.dlnetwork([dl.sequenceInputLayer(3), positionEmbeddingLayer(4, 10, Weights=W)],
                       Initialize=False).initialize(np.float64)
    x = _x(3, 2, 6, seed=2)
    Y = dl.predict(net, dl.dlarray(x, "CBT"))
    assert Y.dims == "CBT" and Y.shape == (4, 2, 6)
    np.testing.assert_array_equal(dl.extractdata(Y), np.broadcast_to(W[:, None, :6], (4, 2, 6)))
    # the gradient of the weights sums over the observations; positions 7..10 get none
    R = _x(4, 2, 6, seed=3)
    _, g, gx = _learnable_grads(net, dl.dlarray(x, "CBT"), dl.dlarray(R, "CBT"))
    gw = dl.extractdata(g["positionembedding", "Weights"])
    np.testing.assert_allclose(gw[:, :6], R.sum(axis=1), rtol=1e-14)
    assert np.all(gw[:, 6:] == 0)
    assert np.all(dl.extractdata(gx) == 0)                   # the input's values do not matter
    # spatial positions of 1-D image data ("SCB"): the same columns along S
    layer = net.Layers[1]
    Ys, _ = layer._forward(dl.dlarray(_x(5, 3, 2), "SCB"), False, None)
    assert Ys.dims == "SCB" and Ys.shape == (5, 4, 2)
    np.testing.assert_array_equal(dl.extractdata(Ys)[:, :, 1], W[:, :5].T)


def test_position_embedding_layer_properties_and_errors():
    layer = positionEmbeddingLayer(16, 100)
    assert (layer.OutputSize, layer.MaxPosition, layer.PositionDimension,
            layer.WeightsInitializer) == (16, 100, "auto", "narrow-normal")
    assert undocumented(PositionEmbeddingLayer) == []
    dl.rng(0)
    net = dl.dlnetwork([dl.sequenceInputLayer(3), layer])
    assert net.Layers[1].Weights.shape == (16, 100)
    assert abs(float(np.std(dl.extractdata(net.Layers[1].Weights))) - 0.01) < 0.002
    assert "Position embedding with output size 16 and maximum position 100" in \
        layer_table(net.Layers)
    with pytest.raises(ValueError, match="11 positions along 'T', more than MaxPosition 10"):
        dl.predict(dl.dlnetwork([dl.sequenceInputLayer(3), positionEmbeddingLayer(4, 10)]),
                   dl.dlarray(np.zeros((3, 1, 11)), "CBT"))
    with pytest.raises(ValueError, match="PositionDimension 'auto' embeds the time steps"):
        dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(4, OutputMode="last"),
                      positionEmbeddingLayer(4, 10)])
    with pytest.raises(ValueError, match="PositionDimension 'spatial' needs input with one 'S'"):
        positionEmbeddingLayer(4, 10, PositionDimension="spatial")._forward(
            dl.dlarray(np.zeros((3, 1, 4)), "CBT"), False, None)
    with pytest.raises(ValueError, match="PositionDimension"):
        positionEmbeddingLayer(4, 10, PositionDimension="channel")


def test_position_embedding_learns_a_position_dependent_target():
    """sequenceInput -> positionEmbedding -> fc: the target depends on the time step only,
    which only the position embedding can tell."""
    rs = np.random.default_rng(1)
    X = [rs.standard_normal((2, 6)) for _ in range(16)]
    T = [np.sin(np.arange(6))[None] for _ in X]
    layers = [dl.sequenceInputLayer(2), positionEmbeddingLayer(4, 8), dl.fullyConnectedLayer(1)]
    dl.rng(2)
    net, info = dl.trainnet(X, T, layers, "mse", _quiet(MaxEpochs=40, MiniBatchSize=16,
                                                       InitialLearnRate=0.05), nargout=2)
    loss = np.asarray(info.TrainingHistory.TrainingLoss)
    assert loss[-1] < 0.1 * loss[0], loss


# --------------------------------------------------------------------------
# wordEmbeddingLayer
# --------------------------------------------------------------------------

@needs_torch
def test_word_embedding_layer_matches_torch_embedding_with_matlab_indices():
    D, N = 5, 7
    W = _x(D, N + 1, seed=4)
    net = dl.dlnetwork([dl.sequenceInputLayer(1), wordEmbeddingLayer(D, N, Weights=W)],
                       Initialize=False).initialize(np.float64)
    words = np.array([[[3, 1, 7, 0, 9]], [[2, 2, 8, -1, 7]]]).transpose(1, 0, 2)   # 1 x 2 x 5
    # MATLAB's 1-based indices; 0 (padding), 8, 9 and -1 are out of vocabulary: last column
    idx0 = np.where((words >= 1) & (words <= N), words - 1, N)[0]                   # B x T
    tW = torch.tensor(W.T, requires_grad=True)                                      # (N+1) x D
    ty = torch.nn.functional.embedding(torch.tensor(idx0), tW)                      # B x T x D
    R = _x(D, 2, 5, seed=5)
    (ty * torch.tensor(R.transpose(1, 2, 0))).sum().backward()
    Y, g, _ = _learnable_grads(net, dl.dlarray(words.astype(float), "CBT"),
                               dl.dlarray(R, "CBT"))
    assert Y.dims == "CBT" and Y.shape == (D, 2, 5)
    np.testing.assert_array_equal(dl.extractdata(Y), ty.detach().numpy().transpose(2, 0, 1))
    np.testing.assert_allclose(dl.extractdata(g["wordembedding", "Weights"]), tW.grad.numpy().T,
                               rtol=1e-13)


def test_word_embedding_layer_sizes_oov_mode_and_errors():
    layer = wordEmbeddingLayer(50, 1000)
    assert (layer.Dimension, layer.NumWords, layer.OOVMode, layer.WeightsInitializer) == \
        (50, 1000, "map-to-last", "narrow-normal")
    assert undocumented(WordEmbeddingLayer) == []
    net = dl.dlnetwork([dl.sequenceInputLayer(1), layer, dl.lstmLayer(8)])
    assert net.Layers[1].Weights.shape == (50, 1001) and net.Layers[1].Weights.dtype == np.float32
    assert "Word embedding layer with 50 dimensions and 1000 unique words" in \
        layer_table(net.Layers)
    assert dl.predict(net, dl.dlarray(np.array([[[3, 1, 999, 0]]]), "CBT")).shape == (8, 1, 4)
    # Dimension x NumWords weights get the out-of-vocabulary column appended
    W = _x(3, 4)
    net = dl.dlnetwork([dl.sequenceInputLayer(1), wordEmbeddingLayer(3, 4, Weights=W)],
                       Initialize=False).initialize(np.float64)
    assert net.Layers[1].Weights.shape == (3, 5)
    np.testing.assert_array_equal(dl.extractdata(net.Layers[1].Weights)[:, :4], W)
    # OOVMode "error": Dimension x NumWords weights, an unknown index is an error
    net = dl.dlnetwork([dl.sequenceInputLayer(1), wordEmbeddingLayer(3, 4, OOVMode="error",
                                                                      Weights=W)])
    np.testing.assert_allclose(dl.extractdata(dl.predict(net, dl.dlarray(
        np.array([[[4, 1]]]), "CBT")))[:, 0], W[:, [3, 0]], rtol=1e-6)
    with pytest.raises(ValueError, match="word index 5 is out of vocabulary"):
        dl.predict(net, dl.dlarray(np.array([[[4, 5]]]), "CBT"))
    with pytest.raises(ValueError, match="whole-number word indices; it holds 1.5"):
        dl.predict(net, dl.dlarray(np.array([[[1.5, 2]]]), "CBT"))
    with pytest.raises(ValueError, match="input must have one channel"):
        dl.dlnetwork([dl.sequenceInputLayer(2), wordEmbeddingLayer(3, 4)])
    with pytest.raises(ValueError, match="Weights must be 3 x 4"):
        dl.dlnetwork([dl.sequenceInputLayer(1), wordEmbeddingLayer(3, 4, OOVMode="error",
                                                                    Weights=_x(3, 5))])
    with pytest.raises(ValueError, match="OOVMode"):
        wordEmbeddingLayer(3, 4, OOVMode="ignore")


def test_word_embedding_and_attention_train_with_trainnet():
    """sequenceInput(1) -> wordEmbedding -> selfAttention (causal) -> fc: regress the
    fraction of odd words among words 1..t (sequence to sequence), trained by trainnet."""
    rs = np.random.default_rng(3)
    X = [rs.integers(1, 5, (1, 6)).astype(float) for _ in range(32)]
    T = [np.cumsum(x % 2, axis=1) / np.arange(1, 7) for x in X]
    layers = [dl.sequenceInputLayer(1), wordEmbeddingLayer(8, 4),
              selfAttentionLayer(2, 8, AttentionMask="causal"), dl.fullyConnectedLayer(1)]
    dl.rng(4)
    net, info = dl.trainnet(X, T, layers, "mse", _quiet(MaxEpochs=30, MiniBatchSize=16,
                                                       InitialLearnRate=0.02), nargout=2)
    loss = np.asarray(info.TrainingHistory.TrainingLoss)
    assert loss[-3:].mean() < 0.5 * loss[:3].mean(), loss


# --------------------------------------------------------------------------
# Activation layers and the functions clippedrelu and swish
# --------------------------------------------------------------------------

def _sig(x):
    return 1 / (1 + np.exp(-x))


def _gelu(x):
    from math import erf
    return 0.5 * x * (1 + np.vectorize(erf)(x / math.sqrt(2)))


def _gelu_d(x):
    return 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2))) + x * np.exp(-x * x / 2) / \
        math.sqrt(2 * math.pi)


_C = math.sqrt(2 / math.pi)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(_C * (x + 0.044715 * x ** 3)))


def _gelu_tanh_d(x):
    t = np.tanh(_C * (x + 0.044715 * x ** 3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _C * (1 + 3 * 0.044715 * x * x)


@pytest.mark.parametrize("make, f, df", [
    (lambda: leakyReluLayer(), lambda x: np.where(x > 0, x, 0.01 * x),
     lambda x: np.where(x > 0, 1, 0.01)),
    (lambda: leakyReluLayer(0.2), lambda x: np.where(x > 0, x, 0.2 * x),
     lambda x: np.where(x > 0, 1, 0.2)),
    (lambda: clippedReluLayer(1.0), lambda x: np.clip(x, 0, 1),
     lambda x: ((x > 0) & (x < 1)).astype(float)),
    (lambda: eluLayer(), lambda x: np.where(x > 0, x, np.expm1(x)),
     lambda x: np.where(x > 0, 1, np.exp(x))),
    (lambda: eluLayer(2.5), lambda x: np.where(x > 0, x, 2.5 * np.expm1(x)),
     lambda x: np.where(x > 0, 1, 2.5 * np.exp(x))),
    (lambda: geluLayer(), _gelu, _gelu_d),
    (lambda: geluLayer(Approximation="tanh"), _gelu_tanh, _gelu_tanh_d),
    (lambda: swishLayer(), lambda x: x * _sig(x), lambda x: _sig(x) * (1 + x * (1 - _sig(x)))),
])
def test_activation_layers_compute_their_function_and_its_derivative(make, f, df):
    x = _x(3, 2, 5, seed=6) * 1.5
    x[np.abs(x) < 1e-3] = 0.5                     # away from the kinks at 0
    x[np.abs(x - 1) < 1e-3] = 0.5                 # and at clippedrelu's ceiling
    net = dl.dlnetwork([dl.sequenceInputLayer(3), make()], Initialize=False)
    net.initialize(np.float64)
    X = dl.dlarray(x, "CBT")
    Y = dl.predict(net, X)
    assert Y.dims == "CBT" and Y.shape == (3, 2, 5)
    np.testing.assert_allclose(dl.extractdata(Y), f(x), rtol=1e-13, atol=1e-15)

    def loss(X):
        Y, _ = dl.forward(net, X)
        return dl.dlgradient(dl.sum(Y * Y, "all"), X)
    g = dl.dlfeval(loss, X)
    np.testing.assert_allclose(dl.extractdata(g), 2 * f(x) * df(x), rtol=1e-12, atol=1e-14)


def test_clippedrelu_and_swish_functions():
    X = dl.dlarray(np.array([[-2.0, 0.5], [7.0, 3.0]]), "CB")
    Y = clippedrelu(X, 5)
    assert Y.dims == "CB"
    np.testing.assert_array_equal(dl.extractdata(Y), [[0, 0.5], [5, 3]])
    x = np.array([-800.0, -30.0, -1.0, 0.0, 2.0, 800.0])      # no overflow at either end
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = dl.extractdata(swish(x))
    np.testing.assert_allclose(s, [-0.0, -30 * _sig(-30.0), -_sig(-1.0), 0, 2 * _sig(2.0), 800],
                               rtol=1e-14, atol=1e-300)
    Xs = dl.dlarray(np.array([1.0, -2.0], np.float32), "CB")
    assert clippedrelu(Xs, 1).dtype == np.float32 and swish(Xs).dtype == np.float32
    for bad in (0, -1, np.inf, "5", [1, 2]):
        with pytest.raises((ValueError, TypeError), match="clippedrelu: ceiling"):
            clippedrelu(X, bad)


def test_activation_layers_display_defaults_and_validation():
    layers = [dl.sequenceInputLayer(3), leakyReluLayer(), clippedReluLayer(10), eluLayer(),
              geluLayer(), swishLayer(Name="sw")]
    net = dl.dlnetwork(layers)
    assert [l.Name for l in net.Layers[1:]] == ["leakyrelu", "clippedrelu", "elu", "gelu", "sw"]
    text = layer_table(net.Layers)
    for row in ("Leaky ReLU with scale 0.01", "Clipped ReLU with ceiling 10", "ELU with Alpha 1",
                "GELU", "Swish"):
        assert row in text, (row, text)
    for cls in (LeakyReLULayer, ClippedReLULayer, ELULayer, GELULayer, SwishLayer):
        assert undocumented(cls) == []
        assert repr(cls()).startswith(f"{cls._display} with properties:")
    assert leakyReluLayer(0.3, "Name", "lk").Name == "lk"                # MATLAB's pairs
    assert geluLayer("Approximation", "TANH").Approximation == "tanh"
    assert clippedReluLayer(6).Ceiling == 6.0 and eluLayer(2).Alpha == 2.0
    for make, match in ((lambda: clippedReluLayer(0), "Ceiling must be a finite positive"),
                        (lambda: clippedReluLayer("10"), "Ceiling must be a finite positive"),
                        (lambda: eluLayer(-1), "Alpha must be a finite positive"),
                        (lambda: leakyReluLayer(np.nan), "Scale must be a finite real"),
                        (lambda: geluLayer(Approximation="erf"), "Approximation"),
                        (lambda: swishLayer(Beta=1), "no property 'Beta'")):
        with pytest.raises((ValueError, TypeError), match=match):
            make()
    with pytest.raises(ValueError, match="Ceiling is not set"):
        dl.dlnetwork([dl.sequenceInputLayer(3), ClippedReLULayer()])


# --------------------------------------------------------------------------
# flatten and flattenLayer
# --------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, shape, out", [
    ("SSCB", (4, 3, 2, 5), (24, 5)), ("SSCBT", (2, 3, 2, 4, 3), (12, 4, 3)),
    ("SCB", (5, 3, 2), (15, 2)), ("SSB", (2, 3, 4), (6, 4))])
def test_flatten_folds_spatial_dimensions_in_column_major_order(fmt, shape, out):
    x = _x(*shape)
    Y = flatten(dl.dlarray(x, fmt))
    rest = fmt.replace("S", "").replace("C", "")
    assert Y.dims == "C" + rest and Y.shape == out
    n_feat = sum(lab in "SC" for lab in fmt)
    ref = x.reshape((-1,) + shape[n_feat:], order="F") if n_feat == len(shape) else \
        np.stack([x[(...,) + i].reshape(-1, order="F")
                  for i in np.ndindex(*shape[n_feat:])], axis=-1).reshape(out)
    np.testing.assert_array_equal(dl.extractdata(Y), ref)
    check_grad(flatten, dl.dlarray(x, fmt))


def test_flatten_layer_is_the_identity_on_sequences_and_flattens_images():
    X = dl.dlarray(_x(3, 2, 4), "CBT")
    assert flatten(X) is X
    net = dl.dlnetwork([dl.sequenceInputLayer(3), flattenLayer(), dl.fullyConnectedLayer(2)])
    assert net.Layers[1].Name == "flatten" and "Flatten" in layer_table(net.Layers)
    assert dl.predict(net, X).shape == (2, 2, 4)
    Y, _ = flattenLayer()._forward(dl.dlarray(_x(4, 3, 2, 5), "SSCB"), False, None)
    assert Y.dims == "CB" and Y.shape == (24, 5)
    assert undocumented(FlattenLayer) == []
    with pytest.raises(TypeError, match="flatten: X must be a formatted dlarray"):
        flatten(dl.dlarray(_x(3, 4)))
    with pytest.raises(TypeError, match="flatten: X must be a formatted dlarray"):
        flatten(_x(3, 4))
