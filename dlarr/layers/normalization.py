"""The normalization layers: batchNormalizationLayer, layerNormalizationLayer.

Both scale and shift per channel with the learnables ``Offset`` and ``Scale``
(numChannels-by-1, MATLAB's order in ``net.Learnables``: Offset, then Scale).  A batch
normalization layer also keeps the running statistics ``TrainedMean`` and
``TrainedVariance`` as its state: a training pass (``forward``) normalizes by the
mini-batch's statistics and returns the updated running ones as the new state, a
prediction pass (``predict``) normalizes by the state's.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..core import options as V
from ..core.arguments import came, name_value_pairs
from ..core.backend import array_namespace
from ..core.dlarray import DLArray
from ..functions.normalization import DECAY, EPSILON, NORMALIZATION_DIMENSIONS
from .base import (Layer, _array_or_empty, _auto_or_pos_int, _choice, _factor, _initializer,
                   _name, _to_float, layer_help)

from ..core.options import SCALE_INITIALIZERS  # noqa: E402  (Offset: V.BIAS_INITIALIZERS)


# --------------------------------------------------------------------------
# Property validators
# --------------------------------------------------------------------------

def _epsilon(minimum):
    """Epsilon: a finite real scalar >= ``minimum`` (batch normalization, as cuDNN), or
    > 0 (``minimum`` 0)."""
    def check(v, name, layer):
        ok = not isinstance(v, bool) and isinstance(v, numbers.Real) and math.isfinite(v) \
            and (v >= minimum if minimum else v > 0)
        if not ok:
            want = f"a scalar of at least {minimum:g}" if minimum else "a positive scalar"
            raise ValueError(f"{type(layer).__name__}: {name} must be {want}, not "
                             f"{repr(v) if isinstance(v, numbers.Number) else came(v)}")
        return float(v)
    check.values = (f"scalar >= {minimum:g}",) if minimum else ("positive scalar",)
    return check


def _decay(v, name, layer):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 <= v <= 1:
        raise ValueError(f"{type(layer).__name__}: {name} must be a scalar in [0, 1], not "
                         f"{repr(v) if isinstance(v, numbers.Number) else came(v)}")
    return float(v)


_decay.values = ("scalar in [0, 1]",)


def _channel_vector(v, name, layer):
    """[] or a vector of NumChannels values (one per channel), kept numChannels-by-1."""
    a = _array_or_empty(v, name, layer)
    if a is None:
        return None
    n = layer.NumChannels if isinstance(layer.NumChannels, int) else None
    if sum(1 for k in a.shape if k != 1) > 1 or (n is not None and a.size != n):
        size = " x ".join(str(k) for k in a.shape) or "scalar"
        want = f"NumChannels-by-1 ({n} x 1)" if n is not None else "NumChannels-by-1"
        raise ValueError(f"{type(layer).__name__}: {name} must be a {want} vector; it has "
                         f"size {size}")
    return a if a.shape == (a.size, 1) else DLArray._new(a._data.reshape(a.size, 1), "")


_channel_vector.values = ("NumChannels-by-1 vector",)


# --------------------------------------------------------------------------
# What the two layers share
# --------------------------------------------------------------------------

_HELP = {
    "NumChannels": "Number of input channels: 'auto' (the default) takes it from the layer "
                   "before when the network is initialized; a number is checked against the "
                   "input.",
    "ScaleInitializer": "Function to initialize the channel scale factors: 'ones' (the "
                        "default), 'narrow-normal' (normal with zero mean and standard "
                        "deviation 0.01), or a function scale = f(sz) of the size of the "
                        "scale factors.  The layer initializes the scale factors only when "
                        "Scale is empty.",
    "OffsetInitializer": "Function to initialize the channel offsets: 'zeros' (the default), "
                         "'narrow-normal' (normal with zero mean and standard deviation "
                         "0.01), 'ones', or a function offset = f(sz) of the size of the "
                         "offsets.  The layer initializes the offsets only when Offset is "
                         "empty.",
    "Offset": "Channel offsets beta, a NumChannels-by-1 vector.  A learnable parameter: "
              "training starts from the value given, or, when it is [] (the default), from "
              "OffsetInitializer when the network is initialized.",
    "Scale": "Channel scale factors gamma, a NumChannels-by-1 vector.  A learnable "
             "parameter: training starts from the value given, or, when it is [] (the "
             "default), from ScaleInitializer when the network is initialized.",
    "OffsetLearnRateFactor": "Learning rate factor for the offsets: the global learning rate "
                             "(trainingOptions' InitialLearnRate and schedule) times this "
                             "factor is their learning rate; 0 freezes them.",
    "ScaleLearnRateFactor": "Learning rate factor for the scale factors: the global learning "
                            "rate times this factor is their learning rate; 0 freezes them.",
    "OffsetL2Factor": "L2 regularization factor for the offsets: trainingOptions' "
                      "L2Regularization times this factor is their L2 regularization (1 by "
                      "default, as in MATLAB).",
    "ScaleL2Factor": "L2 regularization factor for the scale factors: trainingOptions' "
                     "L2Regularization times this factor is their L2 regularization.",
}


def _affine_props():
    return {
        "ScaleInitializer": ("ones", _initializer(*SCALE_INITIALIZERS)),
        "OffsetInitializer": ("zeros", _initializer(*V.BIAS_INITIALIZERS)),
        "Offset": (None, _channel_vector),
        "Scale": (None, _channel_vector),
        "OffsetLearnRateFactor": (1.0, _factor(1)),
        "ScaleLearnRateFactor": (1.0, _factor(1)),
        "OffsetL2Factor": (1.0, _factor(1)),
        "ScaleL2Factor": (1.0, _factor(1)),
    }


class _NormalizationLayer(Layer):
    """Offset and Scale per channel, NumChannels set from the input."""
    _learnables = ("Offset", "Scale")
    _what = ""

    def _description(self):
        if isinstance(self.NumChannels, int):
            return f"{self._what} with {self.NumChannels} channels"
        return self._what

    def _setup(self, in_size, has_time, dtype):
        out_size, in_size = in_size, (in_size[-1] if isinstance(in_size, tuple) else in_size)
        if self.NumChannels != "auto" and self.NumChannels != in_size:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): NumChannels is "
                             f"{self.NumChannels} but its input has {in_size} channels")
        object.__setattr__(self, "NumChannels", in_size)
        C = in_size
        self._init_param("Offset", self.OffsetInitializer, (C, 1), C, C, dtype)
        self._init_param("Scale", self.ScaleInitializer, (C, 1), C, C, dtype)
        return out_size, has_time


# --------------------------------------------------------------------------
# batchNormalizationLayer
# --------------------------------------------------------------------------

class BatchNormalizationLayer(_NormalizationLayer):
    _display = "BatchNormalizationLayer"
    _type = "Batch Normalization"
    _default_name = "batchnorm"
    _what = "Batch normalization"
    _props = {
        "Name": ("", _name),
        "NumChannels": ("auto", _auto_or_pos_int),
        "MeanDecay": (DECAY, _decay),
        "VarianceDecay": (DECAY, _decay),
        "Epsilon": (EPSILON, _epsilon(1e-5)),
        **_affine_props(),
        "TrainedMean": (None, _channel_vector),
        "TrainedVariance": (None, _channel_vector),
    }
    _groups = (("Hyperparameters", ("NumChannels", "MeanDecay", "VarianceDecay", "Epsilon")),
               ("Learnable Parameters", ("Offset", "Scale")),
               ("State Parameters", ("TrainedMean", "TrainedVariance")))
    _states = ("TrainedMean", "TrainedVariance")
    _running_states = _states      # training carries them across mini-batches (loop.py)
    _help = {
        **_HELP,
        "MeanDecay": "Decay value for the moving mean: after each training pass, TrainedMean "
                     "= MeanDecay * (mini-batch mean) + (1 - MeanDecay) * TrainedMean "
                     "(PyTorch's momentum).",
        "VarianceDecay": "Decay value for the moving variance: TrainedVariance = "
                         "VarianceDecay * (unbiased mini-batch variance) + (1 - "
                         "VarianceDecay) * TrainedVariance.",
        "Epsilon": "Constant added to the mini-batch variances, at least 1e-5 (MATLAB's "
                   "bound, cuDNN's): Y = Scale * (X - mu) / sqrt(sigmaSq + Epsilon) + "
                   "Offset.",
        "TrainedMean": "Channel means, a NumChannels-by-1 vector: the running mean that "
                       "training updates and prediction normalizes by.  [] (the default) "
                       "becomes zeros when the network is initialized.  A state parameter: "
                       "a dlnetwork's forward returns the updated value in its State table "
                       "(net.State = state keeps it).",
        "TrainedVariance": "Channel variances, a NumChannels-by-1 vector: the running "
                           "variance that training updates and prediction normalizes by.  [] "
                           "(the default) becomes ones when the network is initialized.  A "
                           "state parameter, as TrainedMean.",
    }

    def _setup(self, in_size, has_time, dtype):
        out = super()._setup(in_size, has_time, dtype)
        in_size = self.NumChannels                  # per channel (also on images)
        for name, fill in (("TrainedMean", 0.0), ("TrainedVariance", 1.0)):
            cur = getattr(self, name)
            if cur is None:
                cur = DLArray._new(np.full((in_size, 1), fill, dtype), "")
            elif cur.size != in_size:
                raise ValueError(f"Layer '{self.Name}' ({self._display}): {name} must be "
                                 f"{in_size} x 1; it has size "
                                 f"{'x'.join(map(str, cur.shape))}")
            object.__setattr__(self, name, _to_float(cur, dtype))
        return out

    def _worker_moments(self, old, new):
        """Training across workers (``training/parallel.py``): this worker's mini-batch
        mean as its offset from the moving mean the workers started from, recovered from
        the moving mean's update; None when MeanDecay is 0 (the mean does not move)."""
        if self.MeanDecay == 0:
            return None
        return (new["TrainedMean"]._data - old["TrainedMean"]._data) / self.MeanDecay

    def _pooled(self, averaged, offset, offset_sq):
        """The running statistics of the whole mini-batch from the workers' averages (by
        their shares of it) and the share-weighted sums of their mean offsets and squared
        offsets: the moving variance gains VarianceDecay times the spread of the parts'
        means, which averaging the parts' variances leaves out."""
        xp = array_namespace(offset)
        spread = xp.maximum(offset_sq - offset * offset, 0)
        var = averaged["TrainedVariance"]
        return {**averaged, "TrainedVariance": DLArray._new(
            (var._data + self.VarianceDecay * spread).astype(var._data.dtype, copy=False),
            var._fmt)}

    def _forward(self, X, training, state):
        from ..functions.normalization import batchnorm
        mu, var = state["TrainedMean"], state["TrainedVariance"]
        if not training:
            return batchnorm(X, self.Offset, self.Scale, mu, var, Epsilon=self.Epsilon), state
        Y, mu, var = batchnorm(X, self.Offset, self.Scale, mu, var, Epsilon=self.Epsilon,
                               MeanDecay=self.MeanDecay, VarianceDecay=self.VarianceDecay,
                               nargout=3)
        # the running statistics are state, not part of the loss's graph
        return Y, {"TrainedMean": DLArray._new(mu._data, ""),
                   "TrainedVariance": DLArray._new(var._data, "")}


@name_value_pairs(0, names=lambda: BatchNormalizationLayer._props)
@layer_help(BatchNormalizationLayer)
def batchNormalizationLayer(**options):
    """Batch normalization layer, MATLAB's ``batchNormalizationLayer``.

    A batch normalization layer normalizes each input channel across a mini-batch: in a
    training pass (``forward``, trainNetwork, trainnet) it subtracts the mini-batch mean
    and divides by the mini-batch standard deviation of each channel (over the
    observations and time steps), then shifts by the learnable Offset and scales by the
    learnable Scale; it also updates its running statistics TrainedMean and
    TrainedVariance with MeanDecay and VarianceDecay, returned as the network's new
    state.  In a prediction pass (``predict``, classify) it normalizes by TrainedMean and
    TrainedVariance instead (:func:`dlarr.batchnorm`'s two forms).

    trainingOptions' BatchNormalizationStatistics picks what training leaves in
    TrainedMean/TrainedVariance: "moving" (and "auto", MATLAB R2024a's default) the moving
    statistics, "population" those of a final pass over the training data.

    Example::

        layer = dl.batchNormalizationLayer(Name="bn")   # MATLAB: batchNormalizationLayer('Name','bn')
        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(8), layer,
                            dl.reluLayer()])
        X = dl.dlarray(np.random.rand(3, 16, 10).astype("single"), "CBT")
        Y, state = dl.forward(net, X)          # mini-batch statistics; state: updated ones
        net.State = state
        Yp = dl.predict(net, X)                # normalized by TrainedMean, TrainedVariance
    """
    return BatchNormalizationLayer(**options)


# --------------------------------------------------------------------------
# layerNormalizationLayer
# --------------------------------------------------------------------------

class LayerNormalizationLayer(_NormalizationLayer):
    _display = "LayerNormalizationLayer"
    _type = "Layer Normalization"
    _default_name = "layernorm"
    _what = "Layer normalization"
    _props = {
        "Name": ("", _name),
        "NumChannels": ("auto", _auto_or_pos_int),
        "Epsilon": (EPSILON, _epsilon(0)),
        "OperationDimension": ("auto", _choice(*NORMALIZATION_DIMENSIONS)),
        **_affine_props(),
    }
    _groups = (("Hyperparameters", ("NumChannels", "Epsilon", "OperationDimension")),
               ("Learnable Parameters", ("Offset", "Scale")))
    _help = {
        **_HELP,
        "Epsilon": "Constant added to the variances, a positive scalar: Y = Scale * (X - mu) "
                   "/ sqrt(sigmaSq + Epsilon) + Offset.",
        "OperationDimension": "Dimensions to normalize over: 'auto' (the channels for "
                              "sequence and feature data, the spatial dimensions and the "
                              "channels for images), 'channel-only', 'spatial-channel' or "
                              "'batch-excluded' (every dimension but the batch).",
    }

    def _forward(self, X, training, state):
        from ..functions.normalization import layernorm
        return layernorm(X, self.Offset, self.Scale, Epsilon=self.Epsilon,
                         OperationDimension=self.OperationDimension), state


@name_value_pairs(0, names=lambda: LayerNormalizationLayer._props)
@layer_help(LayerNormalizationLayer)
def layerNormalizationLayer(**options):
    """Layer normalization layer, MATLAB's ``layerNormalizationLayer``.

    A layer normalization layer normalizes a mini-batch of data across all channels for
    each observation independently (for sequences, at each time step:
    OperationDimension 'auto'), then shifts by the learnable Offset and scales by the
    learnable Scale, one of each per channel (:func:`dlarr.layernorm`).  Training and
    prediction compute the same thing; the layer has no state.  Use it after the learnable
    layers of recurrent and multilayer perceptron networks, such as LSTM and fully
    connected layers.

    Differences from MATLAB: none known.

    Example::

        layer = dl.layerNormalizationLayer(Name="ln")   # MATLAB: layerNormalizationLayer('Name','ln')
        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(8), layer,
                            dl.fullyConnectedLayer(2)])
        Y = dl.predict(net, dl.dlarray(np.random.rand(3, 4, 10).astype("single"), "CBT"))
    """
    return LayerNormalizationLayer(**options)
