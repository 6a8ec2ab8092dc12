"""The 1-D convolution and pooling layers: convolution1dLayer, maxPooling1dLayer,
averagePooling1dLayer, globalAveragePooling1dLayer, globalMaxPooling1dLayer.

On sequence data ("CBT", what sequenceInputLayer gives) they slide along time, as
MATLAB's do; on 1-D image data ("SCB") along the spatial dimension.  Their forward
passes are :func:`dlarr.functions.conv.dlconv` and the pools of
:mod:`dlarr.functions.pooling`.  The global pools reduce time away: "CBT" in, "CB"
out (a sequence-to-label network, as MATLAB's).
"""
from __future__ import annotations

import numbers

import numpy as np

from ..core import options as V
from ..core.arguments import came, name_value_pairs
from ..core.create import dlarray
from ..core.dlarray import DLArray
from ..core.formats import without_trailing_ones
from ..core.options import (AVGPOOL_PADDING_VALUES, CONV_PADDING_MODES, CONV_PADDING_VALUES,
                            CONV_WEIGHT_INITIALIZERS, POOL_PADDING_MODES, choose)
from ..core.registry import bind
from ..core.structural import _reshape
from .base import (Layer, _array_or_empty, _auto_or_pos_int, _choice, _factor, _initializer,
                   _integers, _name, _pos_int, layer_help)



# --------------------------------------------------------------------------
# Validators
# --------------------------------------------------------------------------

def _padding_size(v, name, layer):
    """[left right], nonnegative integers (a scalar pads both sides)."""
    vals = _integers(v)
    ok = vals is not None and len(vals) in (1, 2) and all(x >= 0 for x in vals)
    if not ok:
        raise ValueError(f"{type(layer).__name__}: {name} must be a nonnegative integer or "
                         f"[left right] of nonnegative integers, not {came(v)}")
    vals = [int(x) for x in vals]
    return (vals[0], vals[-1])


_padding_size.values = ("1-by-2 vector of nonnegative integers",)


def _padding_value(*names):
    """A real number, or one of ``names`` (matched as validatestring does)."""
    def check(v, name, layer):
        if isinstance(v, str):
            return choose(v, names, type(layer).__name__, name)
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or v != v:
            raise ValueError(f"{type(layer).__name__}: {name} must be a real number or one of "
                             f"{', '.join(repr(n) for n in names)}, not {came(v)}")
        return float(v)
    check.options = names
    check.values = ("real scalar",) + tuple(f"'{n}'" for n in names)
    return check


_PADDING_VALUE_HELP = ("Value to pad the input with: 0 (default: zeros, which count in the "
                      "average) or 'mean' (the average of the inputs in the region only).")


def _zero_or_mean(v, name, layer):
    if isinstance(v, str):
        return choose(v, AVGPOOL_PADDING_VALUES, type(layer).__name__, name)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or v != 0:
        raise ValueError(f"{type(layer).__name__}: {name} must be 0 or 'mean', not {came(v)}")
    return 0.0


_zero_or_mean.options = AVGPOOL_PADDING_VALUES
_zero_or_mean.values = ("0", "'mean'")


def _with_padding(options, modes, fname, filter_extent=None):
    """The constructor's ``Padding`` argument (not a property, as in MATLAB) turned into
    the PaddingMode and PaddingSize properties: a name of ``modes`` (besides 'manual'),
    a nonnegative integer (both sides) or [left right]."""
    if "Padding" not in options:
        return options
    if "PaddingMode" in options or "PaddingSize" in options:
        raise TypeError(f"{fname}: give Padding or PaddingMode/PaddingSize, not both")
    options = dict(options)
    p = options.pop("Padding")
    if isinstance(p, str):
        mode = choose(p, modes[1:], fname, "Padding")
        size = (0, 0)
        if mode == "causal" and filter_extent is not None:
            size = (filter_extent - 1, 0)
        return dict(options, PaddingMode=mode, PaddingSize=size)
    try:
        size = _padding_size(p, "Padding", Layer())
    except ValueError:
        quoted = " or ".join(f"'{m}'" for m in modes[1:])
        raise ValueError(f"{fname}: Padding must be {quoted}, a nonnegative integer or [left "
                         f"right] of nonnegative integers, not {came(p)}") from None
    return dict(options, PaddingMode="manual", PaddingSize=size)


def _padding_text(layer):
    return f"'{layer.PaddingMode}'" if layer.PaddingMode != "manual" else \
        f"[{layer.PaddingSize[0]} {layer.PaddingSize[1]}]"


def _padding_arg(layer):
    return layer.PaddingMode if layer.PaddingMode != "manual" else list(layer.PaddingSize)


def _needs_time(layer, has_time):
    if not has_time:
        raise ValueError(f"Layer '{layer.Name}' ({layer._display}): its input has no time "
                         "dimension ('CB' data); a 1-D layer slides along time: give it "
                         "sequences ('CBT'), e.g. before an lstmLayer with OutputMode 'last' or "
                         "a global pooling layer")



def _sized(layer, prop, spec, sz, num_in, num_out, dtype):
    """Initialize learnable ``prop`` of size ``sz`` (``Layer._init_param``), with the
    size checks of an N-D learnable: a value MATLAB stores without its trailing
    singleton dimensions is reshaped to ``sz``; others are errors naming the size."""
    cur = getattr(layer, prop)
    want = " x ".join(map(str, sz))
    if cur is None and callable(spec):
        val = spec(tuple(sz))
        cur = val if isinstance(val, DLArray) else dlarray(np.asarray(val))
        if tuple(cur.shape) != tuple(sz):
            raise ValueError(f"Layer '{layer.Name}' ({layer._display}): the {prop} initializer "
                             f"function returned size {' x '.join(map(str, cur.shape))}, "
                             f"expected {want}")
    if cur is not None:
        if without_trailing_ones(cur.shape) != without_trailing_ones(sz) or (
                prop == "Bias" and cur.ndim == 2 and cur.shape[0] != 1):
            raise ValueError(f"Layer '{layer.Name}' ({layer._display}): {prop} must be {want}; "
                             f"it has size {' x '.join(map(str, cur.shape))}")
        if tuple(cur.shape) != tuple(sz):
            cur = DLArray._new(cur._data.reshape(sz), "", None)
        object.__setattr__(layer, prop, cur)
    layer._init_param(prop, spec, sz, num_in, num_out, dtype)


# --------------------------------------------------------------------------
# convolution1dLayer
# --------------------------------------------------------------------------

_FACTOR_HELP = {
    "WeightLearnRateFactor": "Learning rate factor for the weights: the global learning rate "
                             "(trainingOptions' InitialLearnRate and schedule) times this "
                             "factor is their learning rate; 0 freezes them.",
    "BiasLearnRateFactor": "Learning rate factor for the biases: the global learning rate "
                           "times this factor is their learning rate.",
    "WeightL2Factor": "L2 regularization factor for the weights: trainingOptions' "
                      "L2Regularization times this factor is their L2 regularization.",
    "BiasL2Factor": "L2 regularization factor for the biases (0 by default: biases are not "
                    "regularized).",
}


class Convolution1DLayer(Layer):
    _display = "Convolution1DLayer"
    _type = "1-D Convolution"
    _default_name = "conv1d"
    _props = {
        "Name": ("", _name),
        "FilterSize": (None, _pos_int),
        "NumChannels": ("auto", _auto_or_pos_int),
        "NumFilters": (None, _pos_int),
        "Stride": (1, _pos_int),
        "DilationFactor": (1, _pos_int),
        "PaddingMode": ("manual", _choice(*CONV_PADDING_MODES)),
        "PaddingSize": ((0, 0), _padding_size),
        "PaddingValue": (0.0, _padding_value(*CONV_PADDING_VALUES)),
        "Weights": (None, _array_or_empty),
        "Bias": (None, _array_or_empty),
        "WeightsInitializer": ("glorot", _initializer(*CONV_WEIGHT_INITIALIZERS)),
        "BiasInitializer": ("zeros", _initializer(*V.BIAS_INITIALIZERS)),
        "WeightLearnRateFactor": (1.0, _factor(1)),
        "BiasLearnRateFactor": (1.0, _factor(1)),
        "WeightL2Factor": (1.0, _factor(1)),
        "BiasL2Factor": (0.0, _factor(1)),
    }
    _groups = (("Hyperparameters", ("FilterSize", "NumChannels", "NumFilters", "Stride",
                                    "DilationFactor", "PaddingMode", "PaddingSize",
                                    "PaddingValue")),
               ("Learnable Parameters", ("Weights", "Bias")))
    _learnables = ("Weights", "Bias")
    _factor_prefix = {"Weights": "Weight"}
    _help = {
        "FilterSize": "Width of the filters: how many time steps (or spatial elements) each "
                      "filter spans.",
        "NumChannels": "Number of input channels: 'auto' (the network sets it from the layer "
                       "before) or a number, checked against the input.",
        "NumFilters": "Number of filters: the number of channels of the output.",
        "Stride": "Step size for traversing the input: the output has about T/Stride time "
                  "steps.",
        "DilationFactor": "Factor for dilated convolution: the filter's elements are "
                          "DilationFactor time steps apart, so it spans (FilterSize - 1) * "
                          "DilationFactor + 1 of them.",
        "PaddingMode": "How the padding is set: 'manual' (PaddingSize), 'same' (computed at "
                       "every input so that the output has ceil(T/Stride) time steps; the "
                       "odd element after) or 'causal' ((FilterSize - 1) * DilationFactor "
                       "before, none after: an output never depends on a later input).  The "
                       "constructor's Padding argument ('same', 'causal', a number or [left "
                       "right]) sets it.",
        "PaddingSize": "Padding applied to the input, [left right] time steps ('manual' "
                       "padding; for 'causal', [(FilterSize - 1) * DilationFactor 0]; for "
                       "'same' it is computed per input).",
        "PaddingValue": "Value to pad the input with: a number (default 0), "
                        "'symmetric-include-edge' (mirrored values, the edge included), "
                        "'symmetric-exclude-edge' (mirrored, without the edge) or "
                        "'replicate' (the edge value repeated).",
        "Weights": "Layer weights, a FilterSize-by-NumChannels-by-NumFilters array (dlconv's "
                   "layout).  A learnable parameter: training starts from the value given "
                   "or, when it is [] (the default), from WeightsInitializer.",
        "Bias": "Layer biases, a 1-by-NumFilters array.  A learnable parameter: training "
                "starts from the value given or, when it is [] (the default), from "
                "BiasInitializer.",
        "WeightsInitializer": "Function to initialize the weights: 'glorot' (uniform, variance "
                              "2/(numIn + numOut), numIn = FilterSize*NumChannels, numOut = "
                              "FilterSize*NumFilters), 'he' (normal, variance 2/numIn), "
                              "'narrow-normal' (normal, standard deviation 0.01), 'zeros', "
                              "'ones', or a function weights = f(sz).",
        "BiasInitializer": "Function to initialize the bias: 'zeros', 'narrow-normal' or "
                           "'ones', or a function bias = f(sz).",
        **_FACTOR_HELP,
    }

    def _description(self):
        return (f"{self.NumFilters} {self.FilterSize} convolutions with stride {self.Stride} "
                f"and padding {_padding_text(self)}")

    def _setup(self, in_size, has_time, dtype):
        _needs_time(self, has_time)
        if self.NumChannels != "auto" and self.NumChannels != in_size:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): NumChannels is "
                             f"{self.NumChannels} but its input has {in_size} channels")
        object.__setattr__(self, "NumChannels", in_size)
        k, F = self.FilterSize, self.NumFilters
        _sized(self, "Weights", self.WeightsInitializer, (k, in_size, F), k * in_size, k * F,
               dtype)
        _sized(self, "Bias", self.BiasInitializer, (1, F), k * in_size, k * F, dtype)
        return F, has_time

    def _forward(self, X, training, state):
        from ..functions.conv import dlconv
        W, b = (v._relabelled() for v in (self.Weights, self.Bias))
        Y = dlconv(X, W, b, Stride=self.Stride, DilationFactor=self.DilationFactor,
                   Padding=_padding_arg(self), PaddingValue=self.PaddingValue,
                   WeightsFormat="SCU" if "S" in X.dims else "TCU")
        return Y, state


@name_value_pairs(2, names=lambda: list(Convolution1DLayer._props) + ["Padding"])
@layer_help(Convolution1DLayer)
def convolution1dLayer(filterSize, numFilters, **options):
    """1-D convolutional layer, MATLAB's ``convolution1dLayer``.

    A 1-D convolutional layer applies sliding convolutional filters to 1-D input: on
    sequences ("CBT") it moves the filters along time, computing at each step the dot
    product of the weights with the input and adding a bias (:func:`dlarr.dlconv`).  The
    output has NumFilters channels and, with Stride 1 and 'same' or 'causal' padding,
    as many time steps as the input.

    ``Padding`` (a name-value argument, not a property): 0 (default), a nonnegative
    integer (both sides), [left right], 'same' or 'causal'; it sets PaddingMode and
    PaddingSize.

    Example::

        layer = dl.convolution1dLayer(3, 32, Padding="causal")   # MATLAB: convolution1dLayer(3,32,Padding="causal")
        layers = [dl.sequenceInputLayer(12), layer, dl.reluLayer(),
                  dl.globalAveragePooling1dLayer(), dl.fullyConnectedLayer(9),
                  dl.softmaxLayer()]
        net = dl.dlnetwork(layers)
        net.Layers[1].Weights.shape                              # (3, 12, 32)
    """
    options = _with_padding(options, CONV_PADDING_MODES, "convolution1dLayer",
                            _causal_extent(filterSize, options.get("DilationFactor", 1)))
    return Convolution1DLayer(FilterSize=filterSize, NumFilters=numFilters, **options)


def _causal_extent(k, d):
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in (k, d)):
        return (int(k) - 1) * int(d) + 1
    return None                          # the properties' validators say what is wrong


# --------------------------------------------------------------------------
# maxPooling1dLayer, averagePooling1dLayer
# --------------------------------------------------------------------------

_POOL_HELP = {
    "PoolSize": "Width of the pooling regions: how many time steps (or spatial elements) "
                "each output summarizes.",
    "Stride": "Step size for traversing the input: the output has about T/Stride time "
              "steps.",
    "PaddingMode": "How the padding is set: 'manual' (PaddingSize) or 'same' (computed at "
                   "every input so that the output has ceil(T/Stride) time steps).  The "
                   "constructor's Padding argument ('same', a number or [left right]) sets "
                   "it.",
    "PaddingSize": "Padding applied to the input, [left right] time steps ('manual' "
                   "padding).",
}


class _Pooling1D(Layer):
    _props = {
        "Name": ("", _name),
        "PoolSize": (None, _pos_int),
        "Stride": (1, _pos_int),
        "PaddingMode": ("manual", _choice(*POOL_PADDING_MODES)),
        "PaddingSize": ((0, 0), _padding_size),
    }
    _help = dict(_POOL_HELP)
    _what = ""

    def _description(self):
        return (f"{self._what} pooling with pool size {self.PoolSize}, stride {self.Stride}, "
                f"and padding {_padding_text(self)}")

    def _setup(self, in_size, has_time, dtype):
        _needs_time(self, has_time)
        return in_size, has_time

    def _options(self, X):
        return dict(Stride=self.Stride, Padding=_padding_arg(self),
                    PoolFormat=None if "S" in X.dims else "T")


class MaxPooling1DLayer(_Pooling1D):
    _display = "MaxPooling1DLayer"
    _type = "1-D Max Pooling"
    _default_name = "maxpool1d"
    _what = "max"

    def _setup(self, in_size, has_time, dtype):
        if self.PaddingMode == "manual" and max(self.PaddingSize) >= self.PoolSize:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): PaddingSize "
                             f"[{self.PaddingSize[0]} {self.PaddingSize[1]}] must be smaller "
                             f"than PoolSize {self.PoolSize}")
        return super()._setup(in_size, has_time, dtype)

    def _forward(self, X, training, state):
        from ..functions.pooling import maxpool
        return maxpool(X, self.PoolSize, **self._options(X)), state


class AveragePooling1DLayer(_Pooling1D):
    _display = "AveragePooling1DLayer"
    _type = "1-D Average Pooling"
    _default_name = "avgpool1d"
    _what = "average"
    _props = dict(_Pooling1D._props, PaddingValue=(0.0, _zero_or_mean))
    _help = dict(_POOL_HELP, PaddingValue=_PADDING_VALUE_HELP)

    def _forward(self, X, training, state):
        from ..functions.pooling import avgpool
        return avgpool(X, self.PoolSize, PaddingValue=self.PaddingValue,
                       **self._options(X)), state


@name_value_pairs(1, names=lambda: list(MaxPooling1DLayer._props) + ["Padding"])
@layer_help(MaxPooling1DLayer)
def maxPooling1dLayer(poolSize, **options):
    """1-D max pooling layer, MATLAB's ``maxPooling1dLayer``.

    A 1-D max pooling layer divides the input into 1-D pooling regions and outputs the
    maximum of each, per channel (:func:`dlarr.maxpool`); on sequences ("CBT") the
    regions run along time.  ``Padding`` (a name-value argument): 0 (default), a
    nonnegative integer, [left right] or 'same'; the padding never wins the maximum and
    is smaller than PoolSize.

    Example::

        layer = dl.maxPooling1dLayer(2, Stride=2)       # MATLAB: maxPooling1dLayer(2,Stride=2)
        layers = [dl.sequenceInputLayer(12), dl.convolution1dLayer(3, 16), dl.reluLayer(),
                  layer, dl.lstmLayer(32, OutputMode="last"), dl.fullyConnectedLayer(4)]
        net = dl.dlnetwork(layers)
    """
    options = _with_padding(options, POOL_PADDING_MODES, "maxPooling1dLayer")
    return MaxPooling1DLayer(PoolSize=poolSize, **options)


@name_value_pairs(1, names=lambda: list(AveragePooling1DLayer._props) + ["Padding"])
@layer_help(AveragePooling1DLayer)
def averagePooling1dLayer(poolSize, **options):
    """1-D average pooling layer, MATLAB's ``averagePooling1dLayer``.

    A 1-D average pooling layer divides the input into 1-D pooling regions and outputs
    the average of each, per channel (:func:`dlarr.avgpool`); on sequences ("CBT") the
    regions run along time.  ``Padding`` (a name-value argument): 0 (default), a
    nonnegative integer, [left right] or 'same'.

    Example::

        layer = dl.averagePooling1dLayer(3, Padding="same", PaddingValue="mean")
        layers = [dl.sequenceInputLayer(12), layer, dl.lstmLayer(32)]
        net = dl.dlnetwork(layers)                      # 12 channels, T time steps in and out
    """
    options = _with_padding(options, POOL_PADDING_MODES, "averagePooling1dLayer")
    return AveragePooling1DLayer(PoolSize=poolSize, **options)


# --------------------------------------------------------------------------
# globalAveragePooling1dLayer, globalMaxPooling1dLayer
# --------------------------------------------------------------------------

class _GlobalPooling1D(Layer):
    _props = {"Name": ("", _name)}
    _function = ""

    def _description(self):
        return f"1-D global {self._what} pooling"

    def _setup(self, in_size, has_time, dtype):
        _needs_time(self, has_time)
        return in_size, False

    def _forward(self, X, training, state):
        from ..functions import pooling
        pool = getattr(pooling, self._function)
        if "S" in X.dims:                         # 1-D images: S pooled, kept as size 1
            return pool(X, "global"), state
        Y = pool(X, "global", PoolFormat="T")     # time pooled away: "CBT" -> "CB"
        t = Y.dims.index("T")
        fmt = Y.dims[:t] + Y.dims[t + 1:]
        shape = Y.shape[:t] + Y.shape[t + 1:]
        Z = bind(_reshape, [Y._relabelled()], "", shape=shape)
        return Z._relabelled(fmt), state


class GlobalAveragePooling1DLayer(_GlobalPooling1D):
    _display = "GlobalAveragePooling1DLayer"
    _type = "1-D Global Average Pooling"
    _default_name = "gapool1d"
    _what = "average"
    _function = "avgpool"


class GlobalMaxPooling1DLayer(_GlobalPooling1D):
    _display = "GlobalMaxPooling1DLayer"
    _type = "1-D Global Max Pooling"
    _default_name = "gmpool1d"
    _what = "max"
    _function = "maxpool"


@name_value_pairs(0, names=lambda: GlobalAveragePooling1DLayer._props)
@layer_help(GlobalAveragePooling1DLayer)
def globalAveragePooling1dLayer(**options):
    """1-D global average pooling layer, MATLAB's ``globalAveragePooling1dLayer``.

    A 1-D global average pooling layer outputs the average over time of each channel
    of a sequence (:func:`dlarr.avgpool` with "global"): "CBT" data in, "CB" out, so
    that a fully connected layer after it classifies whole sequences.  On 1-D image
    data ("SCB") it averages the spatial dimension (output "SCB", S of size 1).

    Example::

        layers = [dl.sequenceInputLayer(12), dl.convolution1dLayer(3, 32, Padding="causal"),
                  dl.reluLayer(), dl.globalAveragePooling1dLayer(),
                  dl.fullyConnectedLayer(9), dl.softmaxLayer()]
        net = dl.dlnetwork(layers)                     # sequence in, 9(C) x B(B) out
    """
    return GlobalAveragePooling1DLayer(**options)


@name_value_pairs(0, names=lambda: GlobalMaxPooling1DLayer._props)
@layer_help(GlobalMaxPooling1DLayer)
def globalMaxPooling1dLayer(**options):
    """1-D global max pooling layer, MATLAB's ``globalMaxPooling1dLayer``.

    A 1-D global max pooling layer outputs the maximum over time of each channel of a
    sequence (:func:`dlarr.maxpool` with "global"): "CBT" data in, "CB" out.  On 1-D
    image data ("SCB") it takes the maximum over the spatial dimension (output "SCB", S
    of size 1).

    Example::

        layers = [dl.sequenceInputLayer(12), dl.convolution1dLayer(5, 16),
                  dl.globalMaxPooling1dLayer(), dl.fullyConnectedLayer(2)]
        net = dl.dlnetwork(layers)
    """
    return GlobalMaxPooling1DLayer(**options)
