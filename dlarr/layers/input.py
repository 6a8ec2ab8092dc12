"""The input layers: sequenceInputLayer (vector sequences "CBT", image sequences "SSCBT"
or "SSSCBT") and featureInputLayer (feature data "CB"), with their normalizations."""
from __future__ import annotations

import numpy as np

from ..core.arguments import came, name_value_pairs
from ..core.create import dlarray
from ..core.dlarray import DLArray
from ..core.options import FEATURE_NORMALIZATION_DIMENSIONS, INPUT_NORMALIZATION_DIMENSIONS
from .base import (Layer, _array_or_empty, _choice, _integers, _name, _normalization, _pos_int,
                   layer_help)


import numbers



def _input_size(v, name, layer):
    """A number of channels (an int), or an image size [h w c] / [h w d c] (a tuple)."""
    vals = _integers(v)
    scalar = isinstance(v, numbers.Real) or (hasattr(v, "ndim") and v.ndim == 0)
    ok = vals is not None and (len(vals) in (3, 4) or scalar) and all(x >= 1 for x in vals)
    if not ok:
        raise ValueError(f"{type(layer).__name__}: {name} must be a positive integer (the number "
                         "of channels of vector sequences), [h w c] (image sequences) or "
                         f"[h w d c] (3-D image sequences) of positive integers, not {came(v)}")
    return int(vals[0]) if scalar else tuple(int(x) for x in vals)


_input_size.values = ("positive integer", "[h w c]", "[h w d c]")


def _num_features(v, name, layer):
    return _pos_int(v, name, layer)


_num_features.values = ("positive integer",)


def _size_text(size):
    return " x ".join(map(str, size)) if isinstance(size, tuple) else str(size)


class _InputLayer(Layer):
    """What the input layers share: no inputs, the size protocol (``_input_spec``) and the
    normalizations (per channel, per element or over all)."""
    NumInputs = 0
    InputNames = ()
    _has_time = True

    _STATS = {"none": (), "zerocenter": ("Mean",), "zscore": ("Mean", "StandardDeviation"),
              "rescale-symmetric": ("Min", "Max"), "rescale-zero-one": ("Min", "Max")}

    def _input_spec(self):
        return self.InputSize, self._has_time

    def _dims(self):
        """The observation's size: (C,) or the image size (S..., C)."""
        s = self.InputSize
        return tuple(s) if isinstance(s, tuple) else (s,)

    def _has_statistics(self):
        """True when the statistics the Normalization needs are all set."""
        if callable(self.Normalization):
            return True
        return all(getattr(self, s) is not None for s in self._STATS[self.Normalization])

    def _stat_shape(self, v, prop):
        """The shape (S..., C) a statistic broadcasts as: the whole observation, one per
        channel or a scalar; else an error naming the sizes it may have."""
        dims = self._dims()
        ones = (1,) * (len(dims) - 1)
        shape, full = tuple(v.shape), dims
        while len(shape) > 1 and shape[-1] == 1:      # MATLAB: trailing singletons are
            shape = shape[:-1]                          # the same array (h x w x 1 = h x w)
        while len(full) > 1 and full[-1] == 1:
            full = full[:-1]
        nd = self.NormalizationDimension
        element = len(dims) > 1 and shape == full
        channel = v.size == dims[-1] and (len(dims) == 1 or shape in (ones + dims[-1:],
                                                                       dims[-1:]))
        if len(dims) == 1:
            element = False
        if v.size == 1 and nd in ("auto", "all"):
            return (1,) * len(dims)
        if channel and nd in ("auto", "channel") or (len(dims) == 1 and channel and
                                                      nd == "element"):
            return ones + dims[-1:]
        if element and nd in ("auto", "element"):
            return dims
        if len(dims) == 1:
            scalar = " or be a scalar" if nd in ("auto", "all") else ""
            one = "1 element (NormalizationDimension 'all')" if nd == "all" else \
                f"InputSize = {dims[0]} elements (one per channel){scalar}"
            raise ValueError(f"Layer '{self.Name}' ({self._display}): {prop} must have {one}; "
                             f"it has {v.size}")
        want = {"channel": f"{_size_text(ones + dims[-1:]) if ones else f'{dims[0]} x 1'}",
                "element": _size_text(dims), "all": "a scalar"}
        allowed = [want[k] for k in (("channel", "element", "all") if nd == "auto" else (nd,))
                   if not (k == "element" and len(dims) == 1)]
        raise ValueError(f"Layer '{self.Name}' ({self._display}): {prop} must be "
                         f"{' or '.join(allowed)} (InputSize {_size_text(self.InputSize)}, "
                         f"NormalizationDimension '{nd}'); it has size "
                         f"{' x '.join(map(str, v.shape))}")

    def _setup(self, in_size, has_time, dtype):
        for s in ("Mean", "StandardDeviation", "Min", "Max"):
            v = getattr(self, s)
            if v is not None:
                self._stat_shape(v, s)
        return in_size, has_time

    def _fit_normalization(self, sequences):
        """Statistics of the training data (trainNetwork calls this): per channel
        (NormalizationDimension 'auto' or 'channel'), per element or over all, over every
        time step of every observation.  ``sequences`` are arrays whose first dimensions
        are the observation's (C, or S..., C) and whose last is time (or 1)."""
        if self.Normalization in ("none",) or callable(self.Normalization):
            return
        dims = self._dims()
        allx = np.concatenate([np.asarray(s, dtype=np.float64).reshape(dims + (-1,))
                               for s in sequences], axis=-1)
        nd = self.NormalizationDimension
        if nd == "all":
            axes, keep = tuple(range(allx.ndim)), (1,) * len(dims)
        elif nd == "element" and len(dims) > 1:
            axes, keep = (allx.ndim - 1,), dims
        else:
            axes = tuple(range(len(dims) - 1)) + (allx.ndim - 1,)
            keep = (dims[-1], 1) if len(dims) == 1 else (1,) * (len(dims) - 1) + dims[-1:]
        if nd == "all":
            keep = (1, 1) if len(dims) == 1 else keep

        def stat(f):
            return dlarray(f(allx, axis=axes).reshape(keep).astype(np.float32))
        if self.Normalization in ("zscore", "zerocenter"):
            object.__setattr__(self, "Mean", stat(np.mean))
        if self.Normalization == "zscore":
            object.__setattr__(self, "StandardDeviation", stat(np.std))
        if self.Normalization.startswith("rescale"):
            object.__setattr__(self, "Min", stat(np.min))
            object.__setattr__(self, "Max", stat(np.max))

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
        fmt = "S" * (len(self._dims()) - 1) + "C"

        def col(v, prop, zero_to_one=False):   # a statistic, formatted "C" / "SSC", on X's device
            d = xp.asarray(v._data).astype(X.dtype).reshape(self._stat_shape(v, prop))
            return DLArray._new(xp.where(d == 0, 1, d).astype(X.dtype) if zero_to_one else d, fmt)
        if norm == "zerocenter":
            return X - col(self.Mean, "Mean"), state
        if norm == "zscore":
            return (X - col(self.Mean, "Mean")) / col(self.StandardDeviation,
                                                      "StandardDeviation", True), state
        lo = col(self.Min, "Min")
        span = DLArray._new(self.Max._data - self.Min._data, "")
        Y = (X - lo) / col(span, "Max", True)
        return (Y * 2 - 1 if norm == "rescale-symmetric" else Y), state


# The normalization statistics both input layers hold (MATLAB's Mean, StandardDeviation,
# Min, Max: [] until given or computed by training).
_STATISTICS = {k: (None, _array_or_empty) for k in ("Mean", "StandardDeviation", "Min", "Max")}


class SequenceInputLayer(_InputLayer):
    _display = "SequenceInputLayer"
    _type = "Sequence Input"
    _default_name = "sequenceinput"
    _props = {
        "Name": ("", _name),
        "InputSize": (None, _input_size),
        "MinLength": (1, _pos_int),
        "Normalization": ("none", _normalization),
        "NormalizationDimension": ("auto", _choice(*INPUT_NORMALIZATION_DIMENSIONS)),
        **_STATISTICS,
    }
    _groups = (("Hyperparameters", ("InputSize", "MinLength", "Normalization",
                                    "NormalizationDimension", "Mean", "StandardDeviation",
                                    "Min", "Max")),)

    _help = {
        "InputSize": "Size of the input: for vector sequences the number of channels "
                     "(features) of each time step (the sequences are InputSize-by-T arrays, "
                     "or formatted 'CBT' dlarrays); for image sequences [h w c] (height, "
                     "width, channels: h-by-w-by-c-by-T arrays, 'SSCBT' dlarrays); for 3-D "
                     "image sequences [h w d c] ('SSSCBT').",
        "MinLength": "Minimum sequence length of the input data: trainNetwork and trainnet "
                     "reject a training sequence with fewer time steps.",
        "Normalization": "Data normalization applied to the input: 'none'; 'zerocenter' "
                         "(subtract Mean); 'zscore' (subtract Mean, divide by "
                         "StandardDeviation); 'rescale-symmetric' (rescale to [-1, 1] with "
                         "Min and Max); 'rescale-zero-one' (rescale to [0, 1] with Min and "
                         "Max); or a function Y = f(X) of the input dlarray.  trainNetwork "
                         "and trainnet compute the statistics from the training data (over "
                         "every time step of every sequence) when trainingOptions' "
                         "ResetInputNormalization is True (the default) or the statistics "
                         "are empty; a zero standard deviation or range counts as 1.",
        "NormalizationDimension": "Dimension over which the statistics are computed: 'auto' "
                                  "(the size of statistics given is used; training computes "
                                  "them per channel), 'channel' (one per channel), 'element' "
                                  "(one per element of an observation: h-by-w-by-c for "
                                  "images) or 'all' (scalars).",
        "Mean": "Mean, for 'zerocenter' and 'zscore' normalization: InputSize-by-1 (vector "
                "sequences, per channel), h-by-w-by-c (per element) or 1-by-1-by-c (per "
                "channel) for image sequences, or a scalar.  [] until training computes it "
                "or it is set.",
        "StandardDeviation": "Standard deviation, for 'zscore' normalization: of Mean's "
                             "sizes; [] until training computes it or it is set.",
        "Min": "Minimum, for the 'rescale-symmetric' and 'rescale-zero-one' normalizations: "
               "of Mean's sizes; [] until training computes it or it is set.",
        "Max": "Maximum, for the 'rescale-symmetric' and 'rescale-zero-one' normalizations: "
               "of Mean's sizes; [] until training computes it or it is set.",
    }

    def _description(self):
        if isinstance(self.InputSize, tuple):
            return f"Sequence input with {'x'.join(map(str, self.InputSize))} inputs"
        return f"Sequence input with {self.InputSize} dimensions"

@name_value_pairs(1, names=lambda: SequenceInputLayer._props)
@layer_help(SequenceInputLayer)
def sequenceInputLayer(inputSize, **options):
    """Sequence input layer, MATLAB's ``sequenceInputLayer``.

    A sequence input layer inputs sequence data to a neural network and applies data
    normalization.  Vector sequences (``inputSize`` a number of channels C) enter the
    network as "CBT" dlarrays; image sequences (``inputSize`` [h w c]) as "SSCBT"
    (height x width x channels x batch x time) and 3-D image sequences ([h w d c]) as
    "SSSCBT", as MATLAB's.

    Differences from MATLAB: SplitComplexInputs is not supported (an unknown name is a
    TypeError); the data are real.

    Example::

        layer = dl.sequenceInputLayer(12, Name="seq", Normalization="zscore")
        layer = dl.sequenceInputLayer(12, "Normalization", "zscore")   # MATLAB's pairs
        layer.InputSize                                               # 12
        video = dl.sequenceInputLayer([28, 28, 3], Name="video")       # "SSCBT" input
        video.InputSize                                               # (28, 28, 3)
    """
    return SequenceInputLayer(InputSize=inputSize, **options)


class FeatureInputLayer(_InputLayer):
    _display = "FeatureInputLayer"
    _type = "Feature Input"
    _default_name = "input"
    _has_time = False
    _props = {
        "Name": ("", _name),
        "InputSize": (None, _num_features),
        "Normalization": ("none", _normalization),
        "NormalizationDimension": ("auto", _choice(*FEATURE_NORMALIZATION_DIMENSIONS)),
        **_STATISTICS,
    }
    _groups = (("Hyperparameters", ("InputSize", "Normalization", "NormalizationDimension",
                                    "Mean", "StandardDeviation", "Min", "Max")),)
    _help = dict(
        {k: v for k, v in SequenceInputLayer._help.items() if k != "MinLength"},
        InputSize="Number of features of each observation (a positive integer): the data "
                  "are N-by-InputSize arrays (one observation per row) or 'CB' dlarrays.",
        NormalizationDimension="Dimension over which the statistics are computed: 'auto' "
                               "(the size of statistics given is used; training computes "
                               "them per feature), 'channel' (one per feature) or 'all' "
                               "(scalars).",
        Mean="Mean, for 'zerocenter' and 'zscore' normalization: an InputSize-by-1 vector "
             "(one per feature) or a scalar; [] until training computes it or it is set.",
        Normalization="Data normalization applied to the input: 'none' (default); "
                      "'zerocenter' (subtract Mean); 'zscore' (subtract Mean, divide by "
                      "StandardDeviation); 'rescale-symmetric' ([-1, 1] with Min and Max); "
                      "'rescale-zero-one' ([0, 1] with Min and Max); or a function Y = f(X).  "
                      "trainNetwork and trainnet compute the statistics from the training "
                      "data; a zero standard deviation or range counts as 1.")

    def _description(self):
        return f"{self.InputSize} features"


@name_value_pairs(1, names=lambda: FeatureInputLayer._props)
@layer_help(FeatureInputLayer)
def featureInputLayer(numFeatures, **options):
    """Feature input layer, MATLAB's ``featureInputLayer``.

    A feature input layer inputs feature data (observations without spatial or time
    dimensions) to a neural network and applies data normalization: the data are
    N-by-numFeatures arrays (one observation per row) for trainNetwork, trainnet and
    predict, and "CB" dlarrays (numFeatures x batch) for dlnetwork's forward and predict.

    Differences from MATLAB: SplitComplexInputs is not supported (an unknown name is a
    TypeError); the data are real.

    Example::

        layer = dl.featureInputLayer(21, Name="input")    # MATLAB: featureInputLayer(21,Name="input")
        layers = [layer, dl.fullyConnectedLayer(3), dl.softmaxLayer()]
        net = dl.dlnetwork(layers)
        Y = dl.predict(net, dl.dlarray(np.random.rand(21, 5).astype("single"), "CB"))  # 3(C) x 5(B)
    """
    return FeatureInputLayer(InputSize=numFeatures, **options)
