"""ONNX export of the activation, normalization, convolution, pooling, combination,
embedding and attention layers (the converters :mod:`dlarr.io.onnx_export` adds to its
table), and the walk over a layer graph.

Tensors keep the export's layout: sequence data ``[T, B, C]`` (rank 3), data without
time ``[B, C]`` (rank 2).  The layers map as follows:

==============================  =======================================================
dlarr layer                     ONNX nodes
==============================  =======================================================
leakyReluLayer, eluLayer        LeakyRelu (alpha Scale), Elu (alpha Alpha)
clippedReluLayer                Clip (min 0, max Ceiling)
geluLayer                       Gelu (opset 20), else x/2 (1 + Erf(x/sqrt 2)) or the tanh
                                formula (Approximation 'tanh')
swishLayer                      x * Sigmoid(x)
batchNormalizationLayer         BatchNormalization with the network's TrainedMean and
                                TrainedVariance (inference), on ``[B, C, T]`` (Transpose)
layerNormalizationLayer         LayerNormalization over the channels (opset 17), else
                                ReduceMean, Sub, Mul, ReduceMean, Add, Sqrt, Div, Mul, Add
convolution1dLayer              Conv over T on ``[B, C, T]``: 'manual' and 'causal'
                                padding as pads, 'same' as auto_pad SAME_UPPER; a
                                nonzero or 'replicate'/'symmetric-exclude-edge' padding
                                value as a Pad before (constant, edge, reflect)
maxPooling1dLayer,              MaxPool, AveragePool (PaddingValue 0:
averagePooling1dLayer           count_include_pad 1, 'mean': 0)
globalAverage/MaxPooling1d      GlobalAveragePool / GlobalMaxPool, Squeeze: ``[B, C]``
additionLayer,                  Add, Mul (chained over the inputs), Concat over the
multiplicationLayer,            channels (Dim 1)
concatenationLayer
flattenLayer                    Identity (sequence and feature data have no spatial
                                dimensions to fold)
wordEmbeddingLayer              Cast, Sub 1 (MATLAB's 1-based indices), out-of-vocabulary
                                indices to the last column (Where), Gather, Squeeze
positionEmbeddingLayer          Slice of the Weights' first T columns, Expand to the
                                input's ``[T, B, OutputSize]``
selfAttentionLayer              MatMul + Add for queries, keys, values; Reshape and
                                Transpose to heads; MatMul, Mul by 1/sqrt(dk), Softmax,
                                MatMul; back to ``[T, B, V]``; MatMul + Add (output)
==============================  =======================================================
"""
from __future__ import annotations

import copy
import math

import numpy as np

from .. import layers as L
from ..layers import activation as LA
from ..layers import attention as LT
from ..layers import combine as LC
from ..layers import conv as LV
from ..layers import normalization as LN
from .onnx_export import _host, _layer_error

_TO_BCT, _TO_TBC = [1, 2, 0], [2, 0, 1]      # [T, B, C] <-> [B, C, T]


def _needs_opset(g, layer, opset, what):
    if g.opset < opset:
        raise _layer_error(layer, f"{what} needs OpsetVersion {opset} or later; the export "
                                  f"uses {g.opset}")


def _reduce(g, op, x, axes, layer, keepdims=1, out=None):
    """ReduceMean/ReduceMax over ``axes`` (attribute before opset 18, input from 18)."""
    if g.opset >= 18:
        return g.node(op, [x, g.ints(layer, "axes", axes)], layer, out, keepdims=keepdims)
    return g.node(op, [x], layer, out, axes=list(axes), keepdims=keepdims)


def _scalar(g, layer, what, value):
    return g.values(layer, what, np.array(value))


# ----- activations -----------------------------------------------------------------
def _leaky_relu(g, layer, x, rank, out):
    return g.node("LeakyRelu", [x], layer, out, alpha=float(layer.Scale)), rank


def _elu(g, layer, x, rank, out):
    return g.node("Elu", [x], layer, out, alpha=float(layer.Alpha)), rank


def _clipped_relu(g, layer, x, rank, out):
    if g.opset >= 11:
        lo, hi = _scalar(g, layer, "min", 0.0), _scalar(g, layer, "max", layer.Ceiling)
        return g.node("Clip", [x, lo, hi], layer, out), rank
    return g.node("Clip", [x], layer, out, min=0.0, max=float(layer.Ceiling)), rank


def _swish(g, layer, x, rank, out):
    s = g.node("Sigmoid", [x], layer)
    return g.node("Mul", [x, s], layer, out), rank


def _gelu(g, layer, x, rank, out):
    tanh = layer.Approximation == "tanh"
    if g.opset >= 20:
        return g.node("Gelu", [x], layer, out, approximate="tanh" if tanh else "none"), rank
    if tanh:        # x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        x3 = g.node("Mul", [g.node("Mul", [x, x], layer), x], layer)
        inner = g.node("Add", [x, g.node("Mul", [x3, _scalar(g, layer, "c", 0.044715)], layer)],
                       layer)
        t = g.node("Tanh", [g.node("Mul", [inner, _scalar(g, layer, "k", math.sqrt(2 / math.pi))],
                                   layer)], layer)
    else:
        _needs_opset(g, layer, 9, "the exact GELU (Erf)")
        t = g.node("Erf", [g.node("Div", [x, _scalar(g, layer, "sqrt2", math.sqrt(2))], layer)],
                   layer)
    one_plus = g.node("Add", [t, _scalar(g, layer, "one", 1.0)], layer)
    half_x = g.node("Mul", [x, _scalar(g, layer, "half", 0.5)], layer)
    return g.node("Mul", [half_x, one_plus], layer, out), rank


# ----- normalization ---------------------------------------------------------------
def _vector(layer, name, C):
    v = getattr(layer, name)
    if v is None:
        raise _layer_error(layer, f"{name} is empty; initialize the network first")
    a = _host(v).reshape(-1)
    if a.size != C:
        raise _layer_error(layer, f"{name} has {a.size} elements; the layer has {C} channels")
    return a


def _batchnorm(g, layer, x, rank, out, state=None):
    C = layer.NumChannels
    st = state or {}
    stats = [st.get(k) if st.get(k) is not None else getattr(layer, k)
             for k in ("TrainedMean", "TrainedVariance")]
    if any(s is None for s in stats):
        raise _layer_error(layer, "TrainedMean and TrainedVariance are empty; initialize or "
                                  "train the network first")
    ins = [g.values(layer, n, _vector(layer, n, C)) for n in ("Scale", "Offset")]
    ins += [g.values(layer, n, _host(s).reshape(-1)) for n, s in
            zip(("TrainedMean", "TrainedVariance"), stats)]
    eps = float(layer.Epsilon)
    if rank == 5:
        raise _layer_error(layer, "it is not exported on image sequences; fold them first "
                                  "(sequenceFoldingLayer)")
    if rank in (2, 4):                           # [B, C], [N, C, H, W]: channels second
        return g.node("BatchNormalization", [x] + ins, layer, out, epsilon=eps), rank
    t = g.node("Transpose", [x], layer, perm=_TO_BCT)
    y = g.node("BatchNormalization", [t] + ins, layer, epsilon=eps)
    return g.node("Transpose", [y], layer, out, perm=_TO_TBC), rank


def _layernorm(g, layer, x, rank, out):
    if layer.OperationDimension not in ("auto", "channel-only"):
        raise _layer_error(layer, f"OperationDimension '{layer.OperationDimension}' is not "
                                  "exported; 'auto' and 'channel-only' are")
    _vector_data(layer, rank)
    C = layer.NumChannels
    scale = g.values(layer, "Scale", _vector(layer, "Scale", C))
    offset = g.values(layer, "Offset", _vector(layer, "Offset", C))
    eps = float(layer.Epsilon)
    if g.opset >= 17:
        return g.node("LayerNormalization", [x, scale, offset], layer, out, axis=-1,
                      epsilon=eps), rank
    d = g.node("Sub", [x, _reduce(g, "ReduceMean", x, [-1], layer)], layer)
    var = _reduce(g, "ReduceMean", g.node("Mul", [d, d], layer), [-1], layer)
    sd = g.node("Sqrt", [g.node("Add", [var, _scalar(g, layer, "epsilon", eps)], layer)], layer)
    y = g.node("Mul", [g.node("Div", [d, sd], layer), scale], layer)
    return g.node("Add", [y, offset], layer, out), rank


# ----- convolution and pooling -----------------------------------------------------
def _vector_data(layer, rank):
    if rank not in (2, 3):
        raise _layer_error(layer, "it is exported on sequence or feature data ([T, B, C] or "
                                  "[B, C]), not on images")


def _sequence_only(layer, rank):
    if rank != 3:
        raise _layer_error(layer, "its input has no time dimension; a 1-D layer is exported "
                                  "on sequence data [T, B, C]")


def _pads(layer, K):
    """The ONNX padding attributes of a 1-D layer of (dilated) extent K."""
    mode = layer.PaddingMode
    if mode == "same":
        return {"auto_pad": "SAME_UPPER"}
    left, right = (K - 1, 0) if mode == "causal" else layer.PaddingSize
    return {"pads": [int(left), int(right)]}


def pad(g, layer, x, pads, value):
    """An explicit Pad (ONNX ``pads``: every axis's begin, then every axis's end) with a
    nonzero constant, 'replicate' (edge) or 'symmetric-exclude-edge' (reflect) value."""
    if isinstance(value, str):
        mode, val = {"replicate": "edge", "symmetric-exclude-edge": "reflect"}[value], None
    else:
        mode, val = "constant", float(value)
    if g.opset >= 11:
        ins = [x, g.ints(layer, "pads", pads)]
        if val is not None:
            ins.append(_scalar(g, layer, "pad_value", val))
        return g.node("Pad", ins, layer, mode=mode)
    return g.node("Pad", [x], layer, mode=mode, pads=list(pads),
                  **({"value": val} if val is not None else {}))


def _conv1d(g, layer, x, rank, out):
    _sequence_only(layer, rank)
    W, b = _host(layer.Weights), _host(layer.Bias).reshape(-1)
    K, d = layer.FilterSize, layer.DilationFactor
    pads = _pads(layer, (K - 1) * d + 1)
    value = layer.PaddingValue
    t = g.node("Transpose", [x], layer, perm=_TO_BCT)
    if value == "symmetric-include-edge":
        raise _layer_error(layer, "PaddingValue 'symmetric-include-edge' has no ONNX Pad mode")
    if value != 0:
        if "pads" not in pads:
            raise _layer_error(layer, "'same' padding with a nonzero or non-constant "
                                      "PaddingValue is not exported; use PaddingValue 0 or "
                                      "manual padding")
        left, right = pads["pads"]
        t = pad(g, layer, t, [0, 0, left, 0, 0, right], value)
        pads = {}
    ins = [t, g.values(layer, "W", np.transpose(W, (2, 1, 0))), g.values(layer, "B", b)]
    y = g.node("Conv", ins, layer, kernel_shape=[K], strides=[layer.Stride],
               dilations=[d], **pads)
    return g.node("Transpose", [y], layer, out, perm=_TO_TBC), rank


def _pool1d(op):
    def convert(g, layer, x, rank, out):
        _sequence_only(layer, rank)
        attrs = _pads(layer, layer.PoolSize)
        if op == "AveragePool":
            attrs["count_include_pad"] = int(layer.PaddingValue != "mean")
        t = g.node("Transpose", [x], layer, perm=_TO_BCT)
        y = g.node(op, [t], layer, kernel_shape=[layer.PoolSize], strides=[layer.Stride],
                   **attrs)
        return g.node("Transpose", [y], layer, out, perm=_TO_TBC), rank
    return convert


def _global_pool(op):
    def convert(g, layer, x, rank, out):
        _sequence_only(layer, rank)
        t = g.node("Transpose", [x], layer, perm=_TO_BCT)
        return g.squeeze(g.node(op, [t], layer), 2, layer, out), 2
    return convert


# ----- combination, flatten -------------------------------------------------------
def _combine(op):
    def convert(g, layer, xs, ranks, out):
        y = xs[0]
        for i, x in enumerate(xs[1:], start=2):
            y = g.node(op, [y, x], layer, out if i == len(xs) else None)
        return y, max(ranks)
    return convert


def _concat(g, layer, xs, ranks, out):
    if layer.Dim != 1:
        raise _layer_error(layer, f"Dim {layer.Dim} is not exported; concatenation over the "
                                  "channels (Dim 1, sequence or feature data) is")
    for r in ranks:
        _vector_data(layer, r)
    if len(set(ranks)) != 1:
        raise _layer_error(layer, "its inputs mix sequence and non-sequence data")
    return g.node("Concat", list(xs), layer, out, axis=-1 if g.opset >= 11 else ranks[0] - 1), \
        ranks[0]


# ----- embeddings -------------------------------------------------------------------
def _word_embedding(g, layer, x, rank, out):
    _needs_opset(g, layer, 9, "wordEmbeddingLayer (Where)")
    W = _host(layer.Weights)                                     # D x cols
    idx = g.node("Sub", [g.node("Cast", [x], layer, to=g.onnx.TensorProto.INT64),
                         g.init(layer, "one", np.array(1, np.int64))], layer)
    if layer.OOVMode == "map-to-last":
        N = layer.NumWords
        bad = g.node("Or", [g.node("Less", [idx, g.init(layer, "zero", np.array(0, np.int64))],
                                   layer),
                            g.node("Greater", [idx, g.init(layer, "last", np.array(N - 1,
                                                                                   np.int64))],
                                   layer)], layer)
        idx = g.node("Where", [bad, g.init(layer, "oov", np.array(N, np.int64)), idx], layer)
    y = g.node("Gather", [g.values(layer, "Weights", W.T), idx], layer, axis=0)   # [..., 1, D]
    return g.squeeze(y, rank - 1, layer, out), rank


def _position_embedding(g, layer, x, rank, out):
    _needs_opset(g, layer, 10, "positionEmbeddingLayer (Slice with inputs)")
    if rank != 3 or layer.PositionDimension == "spatial":
        raise _layer_error(layer, "only temporal position embeddings of sequence data are "
                                  "exported")
    O = layer.OutputSize
    W = _host(layer.Weights).T.reshape(-1, 1, O)                # [MaxPosition, 1, O]
    shape = g.node("Shape", [x], layer)
    tb = g.node("Slice", [shape, g.ints(layer, "zero", [0]), g.ints(layer, "two", [2])], layer)
    E = g.node("Slice", [g.values(layer, "Weights", W), g.ints(layer, "start", [0]),
                         g.node("Slice", [tb, g.ints(layer, "s0", [0]), g.ints(layer, "s1", [1])],
                                layer)], layer)
    full = g.node("Concat", [tb, g.ints(layer, "size", [O])], layer, axis=0)
    return g.node("Expand", [E, full], layer, out), rank


def _self_attention(g, layer, x, rank, out):
    if layer.AttentionMask != "none":
        raise _layer_error(layer, f"AttentionMask {layer.AttentionMask!r} is not exported; "
                                  "'none' is")
    _sequence_only(layer, rank)
    h = layer.NumHeads
    parts = {}
    for p in ("Query", "Key", "Value"):
        W, b = _host(getattr(layer, p + "Weights")), _host(getattr(layer, p + "Bias"))
        y = g.node("MatMul", [x, g.values(layer, p + "Weights", W.T)], layer)
        y = g.node("Add", [y, g.values(layer, p + "Bias", b.reshape(-1))], layer)
        y = g.node("Reshape", [y, g.ints(layer, p + "_heads", [0, 0, h, W.shape[0] // h])],
                   layer)
        parts[p] = g.node("Transpose", [y], layer, perm=[1, 2, 0, 3])      # [B, h, T, d]
    dk = layer.NumKeyChannels // h
    kt = g.node("Transpose", [parts["Key"]], layer, perm=[0, 1, 3, 2])
    s = g.node("Mul", [g.node("MatMul", [parts["Query"], kt], layer),
                       _scalar(g, layer, "scale", 1 / math.sqrt(dk))], layer)
    a = g.softmax(s, 4, layer)
    y = g.node("Transpose", [g.node("MatMul", [a, parts["Value"]], layer)], layer,
               perm=[2, 0, 1, 3])                                          # [T, B, h, d]
    y = g.node("Reshape", [y, g.ints(layer, "merge", [0, 0, layer.NumValueChannels])], layer)
    W, b = _host(layer.OutputWeights), _host(layer.OutputBias)
    y = g.node("MatMul", [y, g.values(layer, "OutputWeights", W.T)], layer)
    return g.node("Add", [y, g.values(layer, "OutputBias", b.reshape(-1))], layer, out), rank


def _projected(convert):
    """A projected LSTM/GRU as the plain layer it computes: input weights ``W Qi'``,
    recurrent weights ``R Qo'`` (a copy of the layer holds them)."""
    def project(g, layer, x, rank, out):
        plain = copy.copy(layer)
        W, R = (_host(getattr(layer, n)) for n in ("InputWeights", "RecurrentWeights"))
        Qi, Qo = (_host(getattr(layer, n)) for n in ("InputProjector", "OutputProjector"))
        object.__setattr__(plain, "InputWeights", W @ Qi.T)
        object.__setattr__(plain, "RecurrentWeights", R @ Qo.T)
        return convert(g, plain, x, rank, out)
    return project


def _optional_converters():
    """Converters of the layer classes that only some versions of dlarr have."""
    from ..layers import input as LI
    from .onnx_export import _gru, _input, _lstm
    try:
        from ..layers import projected as LP
    except ImportError:              # a dlarr without the projected layers
        LP = None
    found = ((LI, "FeatureInputLayer", _input), (LP, "LSTMProjectedLayer", _projected(_lstm)),
             (LP, "GRUProjectedLayer", _projected(_gru)))
    return {getattr(m, n): c for m, n, c in found if getattr(m, n, None) is not None}


def converters():
    """The new layers' converters, by class (added to onnx_export's table)."""
    from .onnx_export_images import converters as image_converters
    return {**_optional_converters(), **image_converters(), LA.LeakyReLULayer: _leaky_relu, LA.ELULayer: _elu, LA.ClippedReLULayer: _clipped_relu,
            LA.SwishLayer: _swish, LA.GELULayer: _gelu,
            LN.BatchNormalizationLayer: _batchnorm, LN.LayerNormalizationLayer: _layernorm,
            LV.Convolution1DLayer: _conv1d, LV.MaxPooling1DLayer: _pool1d("MaxPool"),
            LV.AveragePooling1DLayer: _pool1d("AveragePool"),
            LV.GlobalAveragePooling1DLayer: _global_pool("GlobalAveragePool"),
            LV.GlobalMaxPooling1DLayer: _global_pool("GlobalMaxPool"),
            LC.AdditionLayer: _combine("Add"), LC.MultiplicationLayer: _combine("Mul"),
            LC.ConcatenationLayer: _concat,
            LT.WordEmbeddingLayer: _word_embedding,
            LT.PositionEmbeddingLayer: _position_embedding,
            LT.SelfAttentionLayer: _self_attention}


def multi_port_classes():
    """(classes with several outputs, classes with several inputs) the export converts."""
    from .onnx_export_images import multi_port_classes as image_ports
    outs, ins = image_ports()
    recurrent = (L.LSTMLayer, L.GRULayer)           # HasStateOutputs / HasStateInputs
    return outs + recurrent, (LC.AdditionLayer, LC.MultiplicationLayer,
                              LC.ConcatenationLayer) + ins + recurrent
WITH_STATE = (LN.BatchNormalizationLayer,)
