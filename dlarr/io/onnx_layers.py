"""ONNX operators that become dlarr layers: MatMul (+ Add) and Gemm (fullyConnectedLayer),
Relu, Tanh, Sigmoid, LeakyRelu, Elu, Clip (min 0: clippedReluLayer), Gelu, Softmax, Dropout, and per-channel Sub/Div/Mul/Add right after the
input (the input layer's Normalization).  (LSTM and GRU are in ``onnx_recurrent``.)

Each handler takes the data (an ``onnx_layout.Data``) and constants, and returns the
data with one more layer spec on its chain; a spec is a dict with ``kind`` (the layer),
``name`` (the ONNX node's name) and the layer's properties with MATLAB's names and
shapes (``Weights`` OutputSize x InputSize, ``Bias`` OutputSize x 1).  A normalization
is the spec ``{"kind": "input", "ops": ((op, per-channel vector, data first), ...)}`` at
the start of the chain.
"""
from __future__ import annotations

import numpy as np

from .onnx_layout import KIND_NAMES, LEGEND, Bad, Data, channel_axis, layout_text, weight
from .onnx_values import LayoutError, OnnxImportError, axis_index, describe


def _spec(kind, node, **props):
    return dict(kind=kind, name=node.name, **props)


def _fc(ctx, node, x, axis, W, b):
    """``x`` through a fullyConnectedLayer acting on its channel axis ``axis``:
    ``W`` OutputSize x InputSize, ``b`` OutputSize x 1."""
    spec = _spec("fc", node, Weights=W, Bias=b)
    axes = list(x.axes)
    axes[axis] = ("C",)
    return Data(axes, W.shape[0], x.chain + (spec,), 1, x.dtype)


def _channels(x, axis):
    return x.axis_size(x.axes[axis])


def op_matmul(ctx, node, inputs, attrs):
    x, w = inputs
    if not isinstance(x, Data):
        raise OnnxImportError("multiplies a constant by the data (W @ X); dlarr follows X @ W, "
                              "the data's channels (its last axis) times a weight matrix")
    W = weight(w, ctx, "MatMul's second input", 2)
    axis = channel_axis(x, "MatMul")
    if axis != x.ndim - 1:
        raise LayoutError(f"MatMul contracts the last axis of the data {layout_text(x.axes)} "
                              f"{LEGEND}, which is not its channels")
    if W.shape[0] != _channels(x, axis):
        raise LayoutError(f"the weights are {W.shape[0]} x {W.shape[1]} but the data has "
                              f"{_channels(x, axis)} channels")
    return [_fc(ctx, node, x, axis, W.T.copy(), np.zeros((W.shape[1], 1), ctx.dtype))]


def _gemm_bias(c, O, beta, ctx):
    """Gemm's C as a bias vector of O elements (it must be the same for every row)."""
    if c is None:
        return np.zeros((O, 1), ctx.dtype)
    c = weight(c, ctx, "Gemm's C")
    if c.ndim > 2:
        raise OnnxImportError(f"Gemm's C has shape {list(c.shape)}, more than 2 dimensions")
    c2 = c.reshape((1,) * (2 - c.ndim) + c.shape)
    if c2.shape[0] != 1 or c2.shape[1] not in (1, O):
        raise OnnxImportError(f"Gemm's C has shape {list(c.shape)}; dlarr takes a bias of "
                              f"{O} elements (shape [{O}] or [1, {O}]), the same for every row")
    return (np.broadcast_to(c2[0], (O,)) * np.asarray(beta, ctx.dtype)).reshape(O, 1).astype(
        ctx.dtype)


def op_gemm(ctx, node, inputs, attrs):
    x, w = inputs[0], inputs[1]
    c = inputs[2] if len(inputs) > 2 else None
    if not isinstance(x, Data):
        raise OnnxImportError("has the data as its B input; dlarr follows Gemm with the data "
                              "as A (Y = A*B + C)")
    if x.ndim != 2:
        raise LayoutError(f"Gemm takes 2-D data; the data is laid out {layout_text(x.axes)}")
    if attrs.get("transA", 0):
        x = x.with_axes(x.axes[::-1])
    axis = channel_axis(x, "Gemm")
    if axis != 1:
        raise LayoutError(f"Gemm's A {layout_text(x.axes)} {LEGEND} must be observations x "
                              "channels (transA for the other way round)")
    B = weight(w, ctx, "Gemm's B", 2)
    Bm = B.T if attrs.get("transB", 0) else B                   # channels x outputs
    if Bm.shape[0] != _channels(x, axis):
        raise LayoutError(f"B is {B.shape[0]} x {B.shape[1]} (transB "
                              f"{attrs.get('transB', 0)}) but the data has {_channels(x, axis)} "
                              "channels")
    alpha = np.asarray(attrs.get("alpha", 1.0), ctx.dtype)
    bias = _gemm_bias(c, Bm.shape[1], attrs.get("beta", 1.0), ctx)
    return [_fc(ctx, node, x, axis, (Bm.T * alpha).astype(ctx.dtype), bias)]


def _per_channel(x, c, ctx, what):
    """A constant that varies along the channels of ``x`` only, as a vector of one value
    per channel."""
    c = weight(c, ctx, what)
    axis = channel_axis(x, what)
    n = _channels(x, axis)
    if c.ndim > x.ndim:
        raise LayoutError(f"the constant's shape {list(c.shape)} has more dimensions than "
                              f"the data {layout_text(x.axes)}")
    cs = (1,) * (x.ndim - c.ndim) + c.shape
    if any(s != 1 for i, s in enumerate(cs) if i != axis) or cs[axis] not in (1, n):
        raise LayoutError(f"the constant of shape {list(c.shape)} is not one value per "
                              f"channel (axis {axis}) of the data {layout_text(x.axes)} {LEGEND}")
    return np.broadcast_to(c.reshape(-1), (n,)).astype(ctx.dtype)


def input_affine(ops):
    """(scale, offset) per channel (float64) of the normalization steps ``ops``, the
    input's ``y = scale * x + offset``."""
    n = len(ops[0][1])
    scale, offset = np.ones(n), np.zeros(n)
    for op, vec, data_first in ops:
        v = vec.astype(np.float64)
        if op == "Add":
            offset = offset + v
        elif op == "Sub":
            scale, offset = (scale, offset - v) if data_first else (-scale, v - offset)
        elif op == "Mul":
            scale, offset = scale * v, offset * v
        else:                                                      # Div, data first
            scale, offset = scale / v, offset / v
    return scale, offset


def _normalization(ctx, node, x, c, data_first):
    """``x op c`` right after the input: a step of the input layer's Normalization (None
    when the data has been through a layer already)."""
    if len(x.chain) > 1 or (x.chain and x.chain[0]["kind"] != "input"):
        return None
    vec = _per_channel(x, c, ctx, f"{node.op_type}'s constant")
    if node.op_type == "Div" and not data_first:
        raise OnnxImportError("divides a constant by the data, which no normalization does")
    if node.op_type == "Div" and not np.all(vec):
        raise OnnxImportError("divides the input by zero")
    spec = x.chain[0] if x.chain else _spec("input", node, ops=())
    spec = dict(spec, ops=spec["ops"] + ((node.op_type, vec, data_first),))
    if not np.all(input_affine(spec["ops"])[0]):
        raise OnnxImportError("multiplies the input by zero")
    return [x.with_axes(x.axes, (spec,))]


def op_arith(ctx, node, inputs, attrs):
    """Add, Sub, Mul, Div of the data and a constant: right after the input, the input
    layer's Normalization; an Add after a MatMul or Gemm, its bias."""
    first = isinstance(inputs[0], Data)
    x, c = inputs if first else inputs[::-1]
    if isinstance(c, Data) or not isinstance(c, np.ndarray):
        raise OnnxImportError(f"combines the data with {describe(c)}; dlarr follows a constant "
                              "bias or a normalization of the input")
    out = _normalization(ctx, node, x, c, first)
    if out is not None:
        return out
    last = x.chain[-1]
    if node.op_type != "Add" or last["kind"] != "fc":
        raise OnnxImportError(
            f"applies a constant ({node.op_type}) to the output of {KIND_NAMES[last['kind']]}; "
            "dlarr has no layer that adds or multiplies by a constant: it folds an Add into "
            "the bias of a MatMul or Gemm right before it, and Sub, Div, Mul, Add right after "
            "the input into the input layer's Normalization")
    b = _per_channel(x, c, ctx, "Add's constant").reshape(-1, 1)
    spec = dict(last, Bias=(last["Bias"] + b).astype(ctx.dtype))
    return [x.with_axes(x.axes, x.chain[:-1] + (spec,))]


def _elementwise(kind):
    def op(ctx, node, inputs, attrs):
        x = inputs[0]
        return [x.then(_spec(kind, node))]
    return op


def _with_property(kind, attr, prop, default):
    """An elementwise operator with one scalar attribute, a layer property (LeakyRelu
    alpha -> leakyReluLayer Scale, Elu alpha -> eluLayer Alpha)."""
    def op(ctx, node, inputs, attrs):
        x = inputs[0]
        spec = _spec(kind, node, **{prop: float(attrs.get(attr, default))})
        return [x.then(spec)]
    return op


def op_clip(ctx, node, inputs, attrs):
    """Clip(min 0, max c): clippedReluLayer(c); Clip(min 0) without a max: reluLayer."""
    x = inputs[0]
    if ctx.opset >= 11:
        lo = _scalar_input(inputs, 1, "Clip's min", "f")
        hi = _scalar_input(inputs, 2, "Clip's max", "f")
    else:
        lo, hi = attrs.get("min"), attrs.get("max")
    if lo is None or float(lo) != 0 or (hi is not None and not float(hi) > 0):
        raise OnnxImportError(f"clips to [{lo}, {hi}]; dlarr's clippedReluLayer clips to "
                              "[0, Ceiling] with Ceiling > 0")
    spec = _spec("relu", node) if hi is None else _spec("clippedrelu", node, Ceiling=float(hi))
    return [x.then(spec)]


def op_gelu(ctx, node, inputs, attrs):
    x = inputs[0]
    approximate = attrs.get("approximate", "none")
    approximate = approximate.decode() if isinstance(approximate, bytes) else approximate
    spec = _spec("gelu", node, Approximation=approximate)
    return [x.then(spec)]


def op_softmax(ctx, node, inputs, attrs):
    x = inputs[0]
    ci = channel_axis(x, "Softmax")
    a = axis_index(attrs.get("axis", -1 if ctx.opset >= 13 else 1), x.ndim)
    over = [a] if ctx.opset >= 13 else list(range(a, x.ndim))
    if ci not in over or any(x.axes[k] for k in over if k != ci):
        raise LayoutError(
            f"normalizes over axis {a}{'' if ctx.opset >= 13 else ' and after'} of the data "
            f"{layout_text(x.axes)} {LEGEND}; dlarr's softmaxLayer normalizes over the channels")
    return [x.then(_spec("softmax", node))]


def _scalar_input(inputs, k, what, kinds):
    v = inputs[k] if len(inputs) > k else None
    if v is None:
        return None
    if not isinstance(v, np.ndarray) or v.size != 1 or v.dtype.kind not in kinds:
        raise OnnxImportError(f"{what} must be a constant scalar, not {describe(v)}")
    return v.reshape(-1)[0].item()


def op_dropout(ctx, node, inputs, attrs):
    x = inputs[0]
    if ctx.opset >= 12:
        ratio = _scalar_input(inputs, 1, "Dropout's ratio", "f")
        training = _scalar_input(inputs, 2, "Dropout's training_mode", "b")
    else:
        ratio, training = attrs.get("ratio"), None
    if training:
        raise OnnxImportError("has training_mode true: it drops data when the model runs; "
                              "dlarr's dropoutLayer drops only in training")
    ratio = 0.5 if ratio is None else float(ratio)
    if not 0 <= ratio < 1:
        raise OnnxImportError(f"ratio {ratio} is not in [0, 1)")
    spec = _spec("dropout", node, Probability=ratio)
    mask = Bad(f"the Dropout node {node.name!r}: its mask output is used; dlarr's dropoutLayer "
               "outputs only the data")
    return [x.then(spec), mask]


# op type -> (handler(ctx, node, inputs, attrs) -> outputs, attributes it takes)
LAYER_OPS = {
    "MatMul": (op_matmul, ()),
    "Gemm": (op_gemm, ("alpha", "beta", "transA", "transB")),
    "Add": (op_arith, ()),
    "Sub": (op_arith, ()),
    "Mul": (op_arith, ()),
    "Div": (op_arith, ()),
    "Relu": (_elementwise("relu"), ()),
    "Tanh": (_elementwise("tanh"), ()),
    "Sigmoid": (_elementwise("sigmoid"), ()),
    "LeakyRelu": (_with_property("leakyrelu", "alpha", "Scale", 0.01), ("alpha",)),
    "Elu": (_with_property("elu", "alpha", "Alpha", 1.0), ("alpha",)),
    "Clip": (op_clip, ("min", "max")),
    "Gelu": (op_gelu, ("approximate",)),
    "Softmax": (op_softmax, ("axis",)),
    "Dropout": (op_dropout, ("ratio", "seed", "is_test")),
}
