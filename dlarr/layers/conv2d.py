"""The 2-D convolution and pooling layers: convolution2dLayer, maxPooling2dLayer,
averagePooling2dLayer, globalAveragePooling2dLayer, globalMaxPooling2dLayer.

They take h x w x c images ("SSCB", the frames a sequenceFoldingLayer gives) and image
sequences ("SSCBT", what sequenceInputLayer([h w c]) gives: each time step is pooled or
convolved on its own), as MATLAB's.  Their forward passes are
:func:`dlarr.functions.conv.dlconv` and the pools of :mod:`dlarr.functions.pooling`;
the helpers (padding values, learnable sizes) are the 1-D layers' (:mod:`.conv`).
"""
from __future__ import annotations

from ..core.arguments import came, name_value_pairs
from ..core.options import CONV2D_PADDING_MODES, POOL_PADDING_MODES, choose
from .base import Layer, _choice, _integers, _name, layer_help
from .conv import (_FACTOR_HELP, _PADDING_VALUE_HELP, Convolution1DLayer, _sized,
                   _zero_or_mean)



# --------------------------------------------------------------------------
# Validators
# --------------------------------------------------------------------------

def _pair(v, name, layer):
    """[a b] of positive integers (a scalar is both)."""
    vals = _integers(v)
    if vals is None or len(vals) not in (1, 2) or any(x < 1 for x in vals):
        raise ValueError(f"{type(layer).__name__}: {name} must be a positive integer or [a b] "
                         f"of positive integers (height and width), not {came(v)}")
    return (int(vals[0]), int(vals[-1]))


_pair.values = ("positive integer", "1-by-2 vector of positive integers")


def _padding4(v, name, layer):
    """[t b l r] of nonnegative integers: a scalar pads every side, [a b] pads a on the
    top and bottom and b on the left and right."""
    vals = _integers(v)
    if vals is None or len(vals) not in (1, 2, 4) or any(x < 0 for x in vals):
        raise ValueError(f"{type(layer).__name__}: {name} must be a nonnegative integer, [a b] "
                         f"or [t b l r] of nonnegative integers, not {came(v)}")
    vals = [int(x) for x in vals]
    if len(vals) == 1:
        vals = vals * 4
    elif len(vals) == 2:
        vals = [vals[0], vals[0], vals[1], vals[1]]
    return tuple(vals)


_padding4.values = ("1-by-4 vector of nonnegative integers",)


def _with_padding(options, fname):
    """The constructor's ``Padding`` argument (not a property, as in MATLAB) as the
    PaddingMode and PaddingSize properties: 'same', a nonnegative integer, [a b] or
    [t b l r]."""
    if "Padding" not in options:
        return options
    if "PaddingMode" in options or "PaddingSize" in options:
        raise TypeError(f"{fname}: give Padding or PaddingMode/PaddingSize, not both")
    options = dict(options)
    p = options.pop("Padding")
    if isinstance(p, str):
        choose(p, ("same",), fname, "Padding")
        return dict(options, PaddingMode="same", PaddingSize=(0, 0, 0, 0))
    try:
        size = _padding4(p, "Padding", Layer())
    except ValueError:
        raise ValueError(f"{fname}: Padding must be 'same', a nonnegative integer, [a b] or "
                         f"[t b l r] of nonnegative integers, not {came(p)}") from None
    return dict(options, PaddingMode="manual", PaddingSize=size)


def _text(t):
    return f"[{' '.join(map(str, t))}]"


def _padding_text(layer):
    return f"'{layer.PaddingMode}'" if layer.PaddingMode != "manual" else _text(layer.PaddingSize)


def _padding_arg(layer):
    """dlconv's / the pools' Padding: 'same' or [[top, left], [bottom, right]]."""
    if layer.PaddingMode != "manual":
        return layer.PaddingMode
    t, b, l, r = layer.PaddingSize
    return [[t, l], [b, r]]


def _image_size(layer, in_size):
    """The (h, w, c) of a layer's input; else an error naming the layer."""
    if not (isinstance(in_size, tuple) and len(in_size) == 3):
        got = ("vector data with " f"{in_size} channels" if not isinstance(in_size, tuple)
               else " x ".join(map(str, in_size)) + " data")
        raise ValueError(f"Layer '{layer.Name}' ({layer._display}) expects 2-D images (h x w x c, "
                         f"'SSCB' or 'SSCBT' data), but its input is {got}; start the network "
                         "with sequenceInputLayer([h w c])")
    return in_size


def _output_hw(layer, hw, window, stride, what):
    """The output height and width of a window of extents ``window`` sliding with
    ``stride`` over ``hw`` (with the layer's padding); an error naming the layer when
    the window is larger than the padded input."""
    if layer.PaddingMode == "same":
        return tuple(-(-n // s) for n, s in zip(hw, stride))
    t, b, l, r = layer.PaddingSize
    padded = (hw[0] + t + b, hw[1] + l + r)
    if any(k > n for k, n in zip(window, padded)):
        raise ValueError(f"Layer '{layer.Name}' ({layer._display}): the {what} "
                         f"({' x '.join(map(str, window))}) is larger than its padded input "
                         f"({' x '.join(map(str, padded))}: input {hw[0]} x {hw[1]}, padding "
                         f"{_text(layer.PaddingSize)})")
    return tuple((n - k) // s + 1 for n, k, s in zip(padded, window, stride))


# --------------------------------------------------------------------------
# convolution2dLayer
# --------------------------------------------------------------------------

class Convolution2DLayer(Layer):
    _display = "Convolution2DLayer"
    _type = "2-D Convolution"
    _default_name = "conv"
    # Convolution1DLayer's properties, in its order, with the 2-D sizes
    _props = {**Convolution1DLayer._props,
              "FilterSize": (None, _pair),
              "Stride": ((1, 1), _pair),
              "DilationFactor": ((1, 1), _pair),
              "PaddingMode": ("manual", _choice(*CONV2D_PADDING_MODES)),
              "PaddingSize": ((0, 0, 0, 0), _padding4)}
    _groups = Convolution1DLayer._groups
    _learnables = Convolution1DLayer._learnables
    _factor_prefix = Convolution1DLayer._factor_prefix
    _help = {
        "FilterSize": "Height and width of the filters, [h w] (a number: square filters).",
        "NumChannels": "Number of input channels: 'auto' (the network sets it from the layer "
                       "before) or a number, checked against the input.",
        "NumFilters": "Number of filters: the number of channels of the output.",
        "Stride": "Step size for traversing the input vertically and horizontally, [a b] (a "
                  "number: both).",
        "DilationFactor": "Factor for dilated convolution, [a b] (a number: both): the "
                          "filter's elements are DilationFactor pixels apart, so it spans "
                          "(FilterSize - 1) .* DilationFactor + 1 pixels.",
        "PaddingMode": "How the padding is set: 'manual' (PaddingSize) or 'same' (computed at "
                       "every input so that the output has ceil(inputSize/Stride) rows and "
                       "columns; the odd pixel on the bottom and right).  The constructor's "
                       "Padding argument ('same', a number, [a b] or [t b l r]) sets it.",
        "PaddingSize": "Padding applied to the input borders, [t b l r] (top, bottom, left, "
                       "right), for 'manual' padding.",
        "PaddingValue": "Value to pad the input with: a number (default 0), "
                        "'symmetric-include-edge', 'symmetric-exclude-edge' or 'replicate'.",
        "Weights": "Layer weights, an h-by-w-by-NumChannels-by-NumFilters array (FilterSize "
                   "[h w]).  A learnable parameter: training starts from the value given or, "
                   "when it is [] (the default), from WeightsInitializer.",
        "Bias": "Layer biases, a 1-by-1-by-NumFilters array.  A learnable parameter: training "
                "starts from the value given or, when it is [] (the default), from "
                "BiasInitializer.",
        "WeightsInitializer": "Function to initialize the weights: 'glorot' (uniform, variance "
                              "2/(numIn + numOut), numIn = h*w*NumChannels, numOut = "
                              "h*w*NumFilters), 'he' (normal, variance 2/numIn), "
                              "'narrow-normal' (normal, standard deviation 0.01), 'zeros', "
                              "'ones', or a function weights = f(sz).",
        "BiasInitializer": "Function to initialize the bias: 'zeros', 'narrow-normal' or "
                           "'ones', or a function bias = f(sz).",
        **_FACTOR_HELP,
    }

    def _description(self):
        return (f"{self.NumFilters} {'x'.join(map(str, self.FilterSize))} convolutions with "
                f"stride {_text(self.Stride)} and padding {_padding_text(self)}")

    def _setup(self, in_size, has_time, dtype):
        h, w, C = _image_size(self, in_size)
        if self.NumChannels != "auto" and self.NumChannels != C:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): NumChannels is "
                             f"{self.NumChannels} but its input has {C} channels")
        extent = tuple((k - 1) * d + 1 for k, d in zip(self.FilterSize, self.DilationFactor))
        out = _output_hw(self, (h, w), extent, self.Stride, "dilated filter")
        object.__setattr__(self, "NumChannels", C)
        (kh, kw), F = self.FilterSize, self.NumFilters
        _sized(self, "Weights", self.WeightsInitializer, (kh, kw, C, F), kh * kw * C,
               kh * kw * F, dtype)
        _sized(self, "Bias", self.BiasInitializer, (1, 1, F), kh * kw * C, kh * kw * F, dtype)
        return out + (F,), has_time

    def _forward(self, X, training, state):
        from ..functions.conv import dlconv
        W, b = (v._relabelled() for v in (self.Weights, self.Bias))
        Y = dlconv(X, W, b, Stride=list(self.Stride), DilationFactor=list(self.DilationFactor),
                   Padding=_padding_arg(self), PaddingValue=self.PaddingValue,
                   WeightsFormat="SSCU")
        return Y, state


@name_value_pairs(2, names=lambda: list(Convolution2DLayer._props) + ["Padding"])
@layer_help(Convolution2DLayer)
def convolution2dLayer(filterSize, numFilters, **options):
    """2-D convolutional layer, MATLAB's ``convolution2dLayer``.

    A 2-D convolutional layer applies sliding convolutional filters to 2-D input: it
    moves the filters along the input vertically and horizontally, computing the dot
    product of the weights and the input and adding a bias (:func:`dlarr.dlconv`).  It
    takes images ("SSCB") and image sequences ("SSCBT", each frame convolved alike).

    ``Padding`` (a name-value argument, not a property): 0 (default), a nonnegative
    integer (every side), [a b] (a rows top and bottom, b columns left and right),
    [t b l r] or 'same'; it sets PaddingMode and PaddingSize.

    Example::

        layer = dl.convolution2dLayer(3, 16, Padding="same")   # MATLAB: convolution2dLayer(3,16,Padding="same")
        layer = dl.convolution2dLayer([5, 3], 8, "Stride", 2)   # MATLAB's pairs
        net = dl.dlnetwork([dl.sequenceInputLayer([28, 28, 1]), layer, dl.reluLayer()])
        net.Layers[1].Weights.shape                             # (5, 3, 1, 8)
    """
    options = _with_padding(options, "convolution2dLayer")
    return Convolution2DLayer(FilterSize=filterSize, NumFilters=numFilters, **options)


# --------------------------------------------------------------------------
# maxPooling2dLayer, averagePooling2dLayer
# --------------------------------------------------------------------------

_POOL_HELP = {
    "PoolSize": "Height and width of the pooling regions, [h w] (a number: square).",
    "Stride": "Step size for traversing the input vertically and horizontally, [a b] (a "
              "number: both); [1 1] by default, as MATLAB's.",
    "PaddingMode": "How the padding is set: 'manual' (PaddingSize) or 'same' (computed at "
                   "every input so that the output has ceil(inputSize/Stride) rows and "
                   "columns).  The constructor's Padding argument ('same', a number, [a b] "
                   "or [t b l r]) sets it.",
    "PaddingSize": "Padding applied to the input borders, [t b l r], for 'manual' padding.",
}


class _Pooling2D(Layer):
    _props = {
        "Name": ("", _name),
        "PoolSize": (None, _pair),
        "Stride": ((1, 1), _pair),
        "PaddingMode": ("manual", _choice(*POOL_PADDING_MODES)),
        "PaddingSize": ((0, 0, 0, 0), _padding4),
    }
    _help = dict(_POOL_HELP)
    _what = ""

    def _description(self):
        return (f"{'x'.join(map(str, self.PoolSize))} {self._what} pooling with stride "
                f"{_text(self.Stride)} and padding {_padding_text(self)}")

    def _setup(self, in_size, has_time, dtype):
        h, w, C = _image_size(self, in_size)
        return _output_hw(self, (h, w), self.PoolSize, self.Stride, "pool") + (C,), has_time

    def _options(self):
        return dict(Stride=list(self.Stride), Padding=_padding_arg(self))


class MaxPooling2DLayer(_Pooling2D):
    _display = "MaxPooling2DLayer"
    _type = "2-D Max Pooling"
    _default_name = "maxpool"
    _what = "max"

    def _setup(self, in_size, has_time, dtype):
        t, b, l, r = self.PaddingSize
        if self.PaddingMode == "manual" and (max(t, b) >= self.PoolSize[0]
                                             or max(l, r) >= self.PoolSize[1]):
            raise ValueError(f"Layer '{self.Name}' ({self._display}): PaddingSize "
                             f"{_text(self.PaddingSize)} must be smaller than PoolSize "
                             f"{_text(self.PoolSize)}")
        return super()._setup(in_size, has_time, dtype)

    def _forward(self, X, training, state):
        from ..functions.pooling import maxpool
        return maxpool(X, list(self.PoolSize), **self._options()), state


class AveragePooling2DLayer(_Pooling2D):
    _display = "AveragePooling2DLayer"
    _type = "2-D Average Pooling"
    _default_name = "avgpool"
    _what = "average"
    _props = dict(_Pooling2D._props, PaddingValue=(0.0, _zero_or_mean))
    _help = dict(_POOL_HELP, PaddingValue=_PADDING_VALUE_HELP)

    def _forward(self, X, training, state):
        from ..functions.pooling import avgpool
        return avgpool(X, list(self.PoolSize), PaddingValue=self.PaddingValue,
                       **self._options()), state


@name_value_pairs(1, names=lambda: list(MaxPooling2DLayer._props) + ["Padding"])
@layer_help(MaxPooling2DLayer)
def maxPooling2dLayer(poolSize, **options):
    """2-D max pooling layer, MATLAB's ``maxPooling2dLayer``.

    A 2-D max pooling layer divides the input into rectangular pooling regions and
    outputs the maximum of each, per channel (:func:`dlarr.maxpool`); on image
    sequences ("SSCBT") each frame alike.  ``Padding`` (a name-value argument): 0
    (default), a nonnegative integer, [a b], [t b l r] or 'same'; the padding never
    wins the maximum and is smaller than PoolSize.

    Differences from MATLAB: HasUnpoolingOutputs (the indices for maxUnpooling2dLayer)
    is not supported.

    Example::

        layer = dl.maxPooling2dLayer(2, Stride=2)   # MATLAB: maxPooling2dLayer(2,Stride=2)
        net = dl.dlnetwork([dl.sequenceInputLayer([28, 28, 1]), dl.convolution2dLayer(3, 8),
                            layer])                 # 13(S) x 13(S) x 8(C) x B x T out
    """
    options = _with_padding(options, "maxPooling2dLayer")
    return MaxPooling2DLayer(PoolSize=poolSize, **options)


@name_value_pairs(1, names=lambda: list(AveragePooling2DLayer._props) + ["Padding"])
@layer_help(AveragePooling2DLayer)
def averagePooling2dLayer(poolSize, **options):
    """2-D average pooling layer, MATLAB's ``averagePooling2dLayer``.

    A 2-D average pooling layer divides the input into rectangular pooling regions and
    outputs the average of each, per channel (:func:`dlarr.avgpool`); on image
    sequences ("SSCBT") each frame alike.  ``Padding`` (a name-value argument): 0
    (default), a nonnegative integer, [a b], [t b l r] or 'same'.

    Example::

        layer = dl.averagePooling2dLayer(2, Stride=2, Padding="same", PaddingValue="mean")
        net = dl.dlnetwork([dl.sequenceInputLayer([28, 28, 3]), layer])   # 14x14x3 out
    """
    options = _with_padding(options, "averagePooling2dLayer")
    return AveragePooling2DLayer(PoolSize=poolSize, **options)


# --------------------------------------------------------------------------
# globalAveragePooling2dLayer, globalMaxPooling2dLayer
# --------------------------------------------------------------------------

class _GlobalPooling2D(Layer):
    _props = {"Name": ("", _name)}
    _function = ""

    def _description(self):
        return f"2-D global {self._what} pooling"

    def _setup(self, in_size, has_time, dtype):
        h, w, C = _image_size(self, in_size)
        return (1, 1, C), has_time

    def _forward(self, X, training, state):
        from ..functions import pooling
        return getattr(pooling, self._function)(X, "global"), state


class GlobalAveragePooling2DLayer(_GlobalPooling2D):
    _display = "GlobalAveragePooling2DLayer"
    _type = "2-D Global Average Pooling"
    _default_name = "gapool"
    _what = "average"
    _function = "avgpool"


class GlobalMaxPooling2DLayer(_GlobalPooling2D):
    _display = "GlobalMaxPooling2DLayer"
    _type = "2-D Global Max Pooling"
    _default_name = "gmpool"
    _what = "max"
    _function = "maxpool"


@name_value_pairs(0, names=lambda: GlobalAveragePooling2DLayer._props)
@layer_help(GlobalAveragePooling2DLayer)
def globalAveragePooling2dLayer(**options):
    """2-D global average pooling layer, MATLAB's ``globalAveragePooling2dLayer``.

    A 2-D global average pooling layer outputs the average over the height and width of
    each channel (:func:`dlarr.avgpool` with "global"): h x w x c in, 1 x 1 x c out
    ("SSCB", or "SSCBT" for image sequences).

    Example::

        layers = [dl.sequenceInputLayer([28, 28, 1]), dl.convolution2dLayer(3, 8),
                  dl.globalAveragePooling2dLayer(), dl.fullyConnectedLayer(10)]
        net = dl.dlnetwork(layers)                     # 10(C) x B(B) x T(T) out
    """
    return GlobalAveragePooling2DLayer(**options)


@name_value_pairs(0, names=lambda: GlobalMaxPooling2DLayer._props)
@layer_help(GlobalMaxPooling2DLayer)
def globalMaxPooling2dLayer(**options):
    """2-D global max pooling layer, MATLAB's ``globalMaxPooling2dLayer``.

    A 2-D global max pooling layer outputs the maximum over the height and width of
    each channel (:func:`dlarr.maxpool` with "global"): h x w x c in, 1 x 1 x c out.

    Example::

        layers = [dl.sequenceInputLayer([28, 28, 1]), dl.convolution2dLayer(3, 8),
                  dl.globalMaxPooling2dLayer(), dl.flattenLayer(), dl.lstmLayer(16)]
        net = dl.dlnetwork(layers)
    """
    return GlobalMaxPooling2DLayer(**options)
