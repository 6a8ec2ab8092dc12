"""sequenceInputLayer: the input layer of sequence networks, with its normalizations."""
from __future__ import annotations

import numpy as np

from ..core.arguments import name_value_pairs
from ..core.create import dlarray
from ..core.dlarray import DLArray
from .base import Layer, _array_or_empty, _name, _normalization, _pos_int, layer_help


class SequenceInputLayer(Layer):
    _display = "SequenceInputLayer"
    _type = "Sequence Input"
    _default_name = "sequenceinput"
    _props = {
        "Name": ("", _name),
        "InputSize": (None, _pos_int),
        "MinLength": (1, _pos_int),
        "Normalization": ("none", _normalization),
        "Mean": (None, _array_or_empty),
        "StandardDeviation": (None, _array_or_empty),
        "Min": (None, _array_or_empty),
        "Max": (None, _array_or_empty),
    }
    _groups = (("Hyperparameters", ("InputSize", "MinLength", "Normalization", "Mean",
                                    "StandardDeviation", "Min", "Max")),)
    NumInputs = 0
    InputNames = ()

    _help = {
        "InputSize": "Size of the input: the number of channels (features) of each time "
                     "step.  The sequences are InputSize-by-T arrays (a list of them), or "
                     "formatted dlarrays with InputSize channels ('C').",
        "MinLength": "Minimum sequence length of the input data: trainNetwork and trainnet "
                     "reject a training sequence with fewer time steps.",
        "Normalization": "Data normalization applied to the input, per channel: 'none'; "
                         "'zerocenter' (subtract Mean); 'zscore' (subtract Mean, divide by "
                         "StandardDeviation); 'rescale-symmetric' (rescale to [-1, 1] with "
                         "Min and Max); 'rescale-zero-one' (rescale to [0, 1] with Min and "
                         "Max); or a function Y = f(X) of the input dlarray.  trainNetwork "
                         "and trainnet compute the statistics from the training data (over "
                         "every time step of every sequence) when trainingOptions' "
                         "ResetInputNormalization is True (the default) or the statistics "
                         "are empty; a zero standard deviation or range counts as 1.",
        "Mean": "Mean of each channel, for 'zerocenter' and 'zscore' normalization: an "
                "array of InputSize elements (training stores an InputSize-by-1 vector).  "
                "[] until training computes it or it is set.",
        "StandardDeviation": "Standard deviation of each channel, for 'zscore' "
                             "normalization: an array of InputSize elements, [] until "
                             "training computes it or it is set.",
        "Min": "Minimum of each channel, for the 'rescale-symmetric' and 'rescale-zero-one' "
               "normalizations: an array of InputSize elements, [] until training computes "
               "it or it is set.",
        "Max": "Maximum of each channel, for the 'rescale-symmetric' and 'rescale-zero-one' "
               "normalizations: an array of InputSize elements, [] until training computes "
               "it or it is set.",
    }

    def _description(self):
        return f"Sequence input with {self.InputSize} dimensions"

    _STATS = {"none": (), "zerocenter": ("Mean",), "zscore": ("Mean", "StandardDeviation"),
              "rescale-symmetric": ("Min", "Max"), "rescale-zero-one": ("Min", "Max")}

    def _has_statistics(self):
        """True when the statistics the Normalization needs are all set."""
        if callable(self.Normalization):
            return True
        return all(getattr(self, s) is not None for s in self._STATS[self.Normalization])

    def _setup(self, in_size, has_time, dtype):
        for s in ("Mean", "StandardDeviation", "Min", "Max"):
            v = getattr(self, s)
            if v is not None and v.size != self.InputSize:
                raise ValueError(f"Layer '{self.Name}' ({self._display}): {s} must have InputSize "
                                 f"= {self.InputSize} elements (one per channel); it has {v.size}")
        return in_size, has_time

    def _fit_normalization(self, sequences):
        """Statistics of the training data, per channel (trainNetwork calls this)."""
        if self.Normalization in ("none",) or callable(self.Normalization):
            return
        allx = np.concatenate([np.asarray(s, dtype=np.float64) for s in sequences], axis=1)
        if self.Normalization in ("zscore", "zerocenter"):
            object.__setattr__(self, "Mean", dlarray(allx.mean(axis=1, keepdims=True).astype(np.float32)))
        if self.Normalization == "zscore":
            object.__setattr__(self, "StandardDeviation",
                               dlarray(allx.std(axis=1, keepdims=True).astype(np.float32)))
        if self.Normalization.startswith("rescale"):
            object.__setattr__(self, "Min", dlarray(allx.min(axis=1, keepdims=True).astype(np.float32)))
            object.__setattr__(self, "Max", dlarray(allx.max(axis=1, keepdims=True).astype(np.float32)))

    def _forward(self, X, training, state):
        norm = self.Normalization
        if norm == "none":
            return X, state
        if callable(norm):
            return norm(X), state

        if not self._has_statistics():
            raise ValueError(f"Layer '{self.Name}' ({self._display}): Normalization '{norm}' needs "
                             f"{' and '.join(self._STATS[norm])}; train the network (trainNetwork "
                             "computes them) or set them")
        from ..core.backend import array_namespace
        xp = array_namespace(X._data)

        def col(v, zero_to_one=False):   # an InputSize x 1 statistic as a "C" vector on X's device
            d = xp.asarray(v._data.reshape(-1)).astype(X.dtype)
            return DLArray._new(xp.where(d == 0, 1, d).astype(X.dtype) if zero_to_one else d, "C")
        if norm == "zerocenter":
            return X - col(self.Mean), state
        if norm == "zscore":
            return (X - col(self.Mean)) / col(self.StandardDeviation, True), state
        lo = col(self.Min)
        span = DLArray._new(self.Max._data - self.Min._data, "")
        Y = (X - lo) / col(span, True)
        return (Y * 2 - 1 if norm == "rescale-symmetric" else Y), state


@name_value_pairs(1, names=lambda: SequenceInputLayer._props)
@layer_help(SequenceInputLayer)
def sequenceInputLayer(inputSize, **options):
    """Sequence input layer, MATLAB's ``sequenceInputLayer``.

    A sequence input layer inputs sequence data to a neural network and applies data
    normalization.  It is the first layer of every dlarr network (dlnetwork,
    trainNetwork, trainnet).

    Differences from MATLAB: dlarr's sequences are vector sequences (InputSize is a
    number of channels; image sequences, MATLAB's h-by-w-by-c InputSize, are not
    supported), and the properties are those below (no NormalizationDimension or
    SplitComplexInputs): an unknown name is a TypeError.

    Example::

        layer = dl.sequenceInputLayer(12, Name="seq", Normalization="zscore")
        layer = dl.sequenceInputLayer(12, "Normalization", "zscore")   # MATLAB's pairs
        layer.InputSize                                               # 12
    """
    return SequenceInputLayer(InputSize=inputSize, **options)
