"""ONNX export of image-sequence networks: sequenceInputLayer([h w c]),
sequenceFoldingLayer, convolution2dLayer, the 2-D pools, sequenceUnfoldingLayer and
flattenLayer (the layers :mod:`dlarr.io.onnx_export` adds to its table where this dlarr
has them).

Layouts (ranks): image sequences ``[T, B, C, H, W]`` (5; dlarr's h x w x c x B x T as
``np.transpose(X, (4, 3, 2, 0, 1))``), folded images ``[T*B, C, H, W]`` (4, ONNX's
NCHW, time steps major as dlarr's fold), sequences ``[T, B, C]`` (3), features
``[B, C]`` (2).

==============================  =======================================================
dlarr layer                     ONNX nodes
==============================  =======================================================
sequenceInputLayer([h w c])     the graph input ``[T, B, c, h, w]`` (Normalization 'none')
sequenceFoldingLayer            Reshape to ``[T*B, C, H, W]``; its miniBatchSize output is
                                the Shape of the input
sequenceUnfoldingLayer          Reshape back to ``[T, B, ...]`` (Slice of that Shape,
                                Concat)
convolution2dLayer              Conv (Weights h x w x C x F as ``[F, C, h, w]``; [t b l r]
                                padding as pads [t l b r], 'same' as SAME_UPPER; a nonzero
                                or 'replicate' padding value as a Pad before)
maxPooling2dLayer,              MaxPool, AveragePool (PaddingValue 0: count_include_pad
averagePooling2dLayer           1, 'mean': 0)
globalAverage/MaxPooling2d      GlobalAveragePool / GlobalMaxPool (``[N, C, 1, 1]``)
flattenLayer, fullyConnected    of images: Transpose to ``[..., C, W, H]`` and Reshape,
                                which is MATLAB's column-major order (h fastest, then w,
                                then c)
batchNormalizationLayer         on folded images: BatchNormalization (NCHW)
==============================  =======================================================
"""
from __future__ import annotations

import numpy as np

from .onnx_export import _host, _layer_error
from .onnx_export_layers import pad


def _images_only(layer, rank, want=4):
    if rank != want:
        what = {4: "folded images [N, C, H, W] (after a sequenceFoldingLayer)",
                5: "image sequences [T, B, C, H, W]"}[want]
        raise _layer_error(layer, f"it is exported on {what}; its input has rank {rank}")


def flatten_images(g, layer, x, rank):
    """``[..., C, H, W]`` -> ``[..., C*H*W]`` in MATLAB's column-major order; other
    ranks unchanged.  Returns (tensor, rank)."""
    if rank not in (4, 5):
        return x, rank
    lead = rank - 3
    t = g.node("Transpose", [x], layer, perm=list(range(lead)) + [lead, lead + 2, lead + 1])
    shape = g.ints(layer, "flat_shape", [0] * lead + [-1])
    return g.node("Reshape", [t, shape], layer), lead + 1


def _flatten(g, layer, x, rank, out):
    y, r = flatten_images(g, layer, x, rank)
    return g.node("Identity", [y], layer, out), r


def _fold(g, layer, x, rank, out):
    _images_only(layer, rank, 5)
    _needs(g, layer, 10)
    shape = g.node("Shape", [x], layer, tag="input_shape")
    chw = g.node("Slice", [shape, g.ints(layer, "two", [2]), g.ints(layer, "five", [5])],
                 layer)
    folded = g.node("Concat", [g.ints(layer, "minus_one", [-1]), chw], layer, axis=0)
    return [(g.node("Reshape", [x, folded], layer, out), 4), (shape, "shape")]


def _unfold(g, layer, xs, ranks, out):
    (x, shape), (rank, kind) = xs, ranks
    if kind != "shape":
        raise _layer_error(layer, "its miniBatchSize input must come from a "
                                  "sequenceFoldingLayer's miniBatchSize output")
    _needs(g, layer, 10)
    tb = g.node("Slice", [shape, g.ints(layer, "zero", [0]), g.ints(layer, "two", [2])], layer)
    rest = g.node("Slice", [g.node("Shape", [x], layer), g.ints(layer, "one", [1]),
                            g.ints(layer, "end", [rank])], layer)
    full = g.node("Concat", [tb, rest], layer, axis=0)
    return g.node("Reshape", [x, full], layer, out), rank + 1


def _needs(g, layer, opset):
    if g.opset < opset:
        raise _layer_error(layer, f"it needs OpsetVersion {opset} or later; the export uses "
                                  f"{g.opset}")


def _pads(layer):
    """ONNX padding attributes of a 2-D layer: 'same' SAME_UPPER, [t b l r] as
    [t l b r]."""
    if layer.PaddingMode == "same":
        return {"auto_pad": "SAME_UPPER"}
    t, b, l, r = (int(v) for v in layer.PaddingSize)
    return {"pads": [t, l, b, r]}


def _conv2d(g, layer, x, rank, out):
    _images_only(layer, rank)
    W, bias = _host(layer.Weights), _host(layer.Bias).reshape(-1)
    kh, kw = layer.FilterSize
    dh, dw = layer.DilationFactor
    attrs = _pads(layer)
    value = layer.PaddingValue
    if value == "symmetric-include-edge":
        raise _layer_error(layer, "PaddingValue 'symmetric-include-edge' has no ONNX Pad mode")
    if value != 0:
        if "pads" not in attrs:
            raise _layer_error(layer, "'same' padding with a nonzero or non-constant "
                                      "PaddingValue is not exported")
        t, l, b, r = attrs.pop("pads")
        x = pad(g, layer, x, [0, 0, t, l, 0, 0, b, r], value)
    ins = [x, g.values(layer, "W", np.transpose(W, (3, 2, 0, 1))), g.values(layer, "B", bias)]
    return g.node("Conv", ins, layer, out, kernel_shape=[kh, kw],
                  strides=list(layer.Stride), dilations=[dh, dw], **attrs), rank


def _pool2d(op):
    def convert(g, layer, x, rank, out):
        _images_only(layer, rank)
        attrs = _pads(layer)
        if op == "AveragePool":
            attrs["count_include_pad"] = int(layer.PaddingValue != "mean")
        return g.node(op, [x], layer, out, kernel_shape=list(layer.PoolSize),
                      strides=list(layer.Stride), **attrs), rank
    return convert


def _global_pool2d(op):
    def convert(g, layer, x, rank, out):
        _images_only(layer, rank)
        return g.node(op, [x], layer, out), rank
    return convert


def converters():
    """The image layers' converters by class, where this dlarr has them."""
    from ..layers import flatten as LFl
    try:
        from ..layers import conv2d as L2, folding as LF
    except ImportError:              # a dlarr without the image layers
        return {LFl.FlattenLayer: _flatten}
    return {LFl.FlattenLayer: _flatten, L2.Convolution2DLayer: _conv2d, L2.MaxPooling2DLayer: _pool2d("MaxPool"),
            L2.AveragePooling2DLayer: _pool2d("AveragePool"),
            L2.GlobalAveragePooling2DLayer: _global_pool2d("GlobalAveragePool"),
            L2.GlobalMaxPooling2DLayer: _global_pool2d("GlobalMaxPool"),
            LF.SequenceFoldingLayer: _fold, LF.SequenceUnfoldingLayer: _unfold}


def multi_port_classes():
    """(classes with several outputs, classes with several inputs) these convert."""
    try:
        from ..layers import folding as LF
    except ImportError:
        return (), ()
    return (LF.SequenceFoldingLayer,), (LF.SequenceUnfoldingLayer,)
