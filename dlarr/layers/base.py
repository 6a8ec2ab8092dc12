"""Layers: MATLAB's layer objects with their properties, defaults, validation and display.

A layer holds its hyperparameters and (once initialized) its learnable
parameters as properties named as in MATLAB.  The network (``_network``)
calls three hooks:

* ``_setup(in_size, has_time, dtype)``: check the input, assign ``InputSize``
  when "auto", initialize empty learnables; returns ``(out_size, out_has_time)``;
* ``_forward(X, training, state)``: formatted DLArray in, ``(Y, new_state)`` out;
* ``_learnables`` / ``_states``: the names of learnable and state properties,
  and ``_factors(name)``: that learnable's learn-rate and L2 factors as arrays
  broadcastable to the parameter (per gate for recurrent layers).
"""
from __future__ import annotations

import copy
import math
import difflib
import numbers

import numpy as np

from ..functions import initializers as _init
from ..core.create import dlarray
from ..core.dlarray import DLArray
from ..core.options import choose

# --------------------------------------------------------------------------
# Property validators: (value, name, layer) -> normalized value
# --------------------------------------------------------------------------


def _name(v, name, layer):
    if not isinstance(v, str):
        raise TypeError(f"{name} must be a string, not {type(v).__name__}")
    return v


def _pos_int(v, name, layer):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) \
            or v != int(v) or v < 1:
        raise ValueError(f"{type(layer).__name__}: {name} must be a positive integer, not {v!r}")
    return int(v)


def _auto_or_pos_int(v, name, layer):
    if isinstance(v, str) and v == "auto":
        return v
    return _pos_int(v, name, layer)


def _choice(*options):
    """One of ``options``, matched as MATLAB's validatestring does (any case, an
    unambiguous start); the canonical spelling is stored."""
    def check(v, name, layer):
        return choose(v, options, type(layer).__name__, name)
    check.options = options
    return check


def _probability(v, name, layer):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 <= v < 1:
        raise ValueError(f"{type(layer).__name__}: {name} must be a number in [0, 1), not {v!r}")
    return float(v)


def _factor(ngates):
    """A nonnegative scalar, or (recurrent layers) one value per gate."""
    def check(v, name, layer):
        bad_type = isinstance(v, (str, bool)) or (isinstance(v, (list, tuple)) and
                                                   any(isinstance(x, bool) for x in v))
        arr = None if bad_type else np.asarray(v, dtype=float)
        ok = arr is not None and (arr.ndim <= 1 or (arr.ndim == 2 and arr.shape[0] == 1)) \
            and arr.size in ((1, ngates) if ngates > 1 else (1,)) \
            and np.all(np.isfinite(arr)) and np.all(arr >= 0)
        if not ok:
            per = f" or a 1x{ngates} vector (one per gate)" if ngates > 1 else ""
            raise ValueError(f"{type(layer).__name__}: {name} must be a nonnegative scalar{per}, "
                             f"not {v!r}")
        return float(arr.ravel()[0]) if arr.size == 1 else tuple(float(a) for a in arr.ravel())
    return check


def _initializer(*names):
    """A named initializer (matched as validatestring does) or a function f(sz)."""
    def check(v, name, layer):
        if callable(v):
            return v
        if not isinstance(v, str):
            raise ValueError(f"{type(layer).__name__}: {name} must be one of "
                             f"{', '.join(repr(n) for n in names)} or a function weights = f(sz); "
                             f"got {v!r}")
        return choose(v, names, type(layer).__name__, name)
    return check


def _array_or_empty(v, name, layer):
    """A learnable or state value: [] / None for empty, else an array (kept as given)."""
    if v is None or (isinstance(v, (list, tuple)) and len(v) == 0):
        return None
    if isinstance(v, DLArray):
        return v
    a = np.asarray(v) if not hasattr(v, "dtype") else v
    if np.dtype(a.dtype).kind not in "biuf":
        raise TypeError(f"{type(layer).__name__}: {name} must be numeric, not {a.dtype}")
    return dlarray(a)


def _normalization(v, name, layer):
    opts = ("none", "zscore", "zerocenter", "rescale-symmetric", "rescale-zero-one")
    if callable(v) or v in opts:
        return v
    raise ValueError(f"{type(layer).__name__}: {name} must be one of "
                     f"{', '.join(repr(o) for o in opts)} or a function; got {v!r}")


def _any(v, name, layer):
    return v


def _classes(v, name, layer):
    """'auto' (the sorted labels of the training data) or the classes in order."""
    if isinstance(v, str) and v == "auto":
        return v
    if isinstance(v, str) or not hasattr(v, "__len__") or len(v) == 0:
        raise ValueError(f"{type(layer).__name__}: {name} must be 'auto' or a list of classes, "
                         f"not {v!r}")
    return tuple(np.asarray(v).tolist())


def _class_weights(v, name, layer):
    """'none' or one positive weight per class (in the order of Classes)."""
    if isinstance(v, str) and v == "none":
        return v
    arr = None if isinstance(v, (str, bool)) else np.asarray(v, dtype=float)
    if arr is None or arr.ndim > 1 or arr.size == 0 or not np.all(np.isfinite(arr)) \
            or not np.all(arr > 0):
        raise ValueError(f"{type(layer).__name__}: {name} must be 'none' or a vector of positive "
                         f"weights, one per class; got {v!r}")
    return tuple(float(x) for x in arr.ravel())


# --------------------------------------------------------------------------
# Display helpers
# --------------------------------------------------------------------------

def _show(v):
    if v is None:
        return "[]"
    if isinstance(v, str):
        return f"'{v}'"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, tuple):
        return "[" + " ".join(_show(x) for x in v) + "]"
    if isinstance(v, float) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, DLArray) or hasattr(v, "shape"):
        shape = v.shape if len(v.shape) >= 2 else tuple(v.shape) + (1,) * (2 - len(v.shape))
        kind = {"float32": "single", "float64": "double", "bool": "logical"}.get(str(v.dtype), str(v.dtype))
        return f"[{'x'.join(str(n) for n in shape)} {kind}]"
    if callable(v):
        return f"@{getattr(v, '__name__', 'function')}"
    return str(v)


class Layer:
    """Base class of dlarr's layers (MATLAB's ``nnet.cnn.layer.Layer``)."""

    _display = "Layer"              # class name MATLAB shows, e.g. "LSTMLayer"
    _type = "Layer"                 # the "type" column of a layer array
    _props: dict = {}               # property -> (default, validator), in display order
    _groups: tuple = ()             # (title, names) groups for the properties view
    _learnables: tuple = ()
    _states: tuple = ()
    _ngates = 1

    NumInputs = 1
    InputNames = ("in",)
    NumOutputs = 1
    OutputNames = ("out",)

    def __init__(self, **options):
        for k, (default, _) in self._props.items():
            object.__setattr__(self, k, default)
        for k, v in options.items():
            setattr(self, k, v)

    def __setattr__(self, key, value):
        if key.startswith("_"):
            object.__setattr__(self, key, value)
            return
        if key in ("NumInputs", "InputNames", "NumOutputs", "OutputNames"):
            raise AttributeError(f"{self._display}: {key} is read-only")
        if key not in self._props:
            close = difflib.get_close_matches(key, list(self._props), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise TypeError(f"{self._display} has no property {key!r}{hint}")
        object.__setattr__(self, key, self._props[key][1](value, key, self))

    # ----- display ------------------------------------------------------------
    def __repr__(self):
        names = ["Name"] + [n for _, group in self._groups for n in group]
        width = max(len(n) for n in names) + 4
        lines = [f"{self._display} with properties:", "", f"{'Name'.rjust(width)}: {_show(self.Name)}"]
        for title, group in self._groups:
            lines += ["", f"   {title}"]
            lines += [f"{n.rjust(width)}: {_show(getattr(self, n))}" for n in group]
        return "\n".join(lines)

    def _description(self) -> str:
        return self._type

    def _row(self, i, widths=(0, 0)):
        return (f"{i:>6}   {_show(self.Name):<{widths[0]}}   {self._type:<{widths[1]}}   "
                f"{self._description()}")

    # ----- network hooks ----------------------------------------------------------
    def _setup(self, in_size, has_time, dtype):
        return in_size, has_time

    def _forward(self, X, training, state):
        return X, state

    def _factors(self, name):
        return 1.0, 0.0

    def _with(self, **values):
        """A copy with some learnable/state values replaced (no validation)."""
        new = copy.copy(self)
        for k, v in values.items():
            object.__setattr__(new, k, v)
        return new


def _check_in_size(layer, in_size):
    if layer.InputSize != "auto" and layer.InputSize != in_size:
        raise ValueError(f"Layer '{layer.Name}' ({layer._display}): InputSize is "
                         f"{layer.InputSize} but its input has {in_size} channels")
    object.__setattr__(layer, "InputSize", in_size)


def _to_float(v, dtype):
    return v if v.dtype == dtype else dlarray(v._data.astype(dtype))


def _init_param(layer, prop, spec, sz, num_in, num_out, dtype):
    """Initialize ``prop`` by ``spec`` (a name or a function f(sz)) unless already set."""
    cur = getattr(layer, prop)
    if cur is not None:
        if tuple(cur.shape) != tuple(sz) and not (len(sz) == 2 and sz[1] == 1 and cur.shape == (sz[0],)):
            raise ValueError(f"Layer '{layer.Name}' ({layer._display}): {prop} must be "
                             f"{sz[0]} x {sz[1]}; it has size {'x'.join(map(str, cur.shape))}")
        object.__setattr__(layer, prop, _to_float(cur.reshape(*sz) if cur.shape != tuple(sz) else cur, dtype))
        return
    cls = "single" if dtype == np.float32 else "double"
    if callable(spec):
        val = spec(tuple(sz))
        val = val if isinstance(val, DLArray) else dlarray(np.asarray(val))
        if tuple(val.shape) != tuple(sz):
            raise ValueError(f"Layer '{layer.Name}': the {prop} initializer function returned size "
                             f"{'x'.join(map(str, val.shape))}, expected {sz[0]} x {sz[1]}")
    elif spec == "glorot":
        val = _init.initializeGlorot(sz, num_out, num_in, cls)
    elif spec == "he":
        val = _init.initializeHe(sz, num_in, cls)
    elif spec == "orthogonal":
        val = _init.initializeOrthogonal(sz, cls)
    elif spec == "narrow-normal":
        val = _init.initializeNarrowNormal(sz, className=cls)
    elif spec == "zeros":
        val = _init.initializeZeros(sz, cls)
    elif spec == "ones":
        val = _init.initializeOnes(sz, cls)
    elif spec == "unit-forget-gate":   # per direction: [0; 1; 0; 0] blocks of H rows
        one = _init.initializeUnitForgetGate(layer.NumHiddenUnits, cls)
        val = DLArray._new(np.tile(one._data, (sz[0] // one.shape[0], 1)), "")
    else:  # pragma: no cover - validators prevent this
        raise ValueError(spec)
    object.__setattr__(layer, prop, _to_float(DLArray._new(val._data, "", None), dtype))


# ==========================================================================
# Input
# ==========================================================================

class SequenceInputLayer(Layer):
    _display = "SequenceInputLayer"
    _type = "Sequence Input"
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


def sequenceInputLayer(inputSize, **options):
    """MATLAB's ``sequenceInputLayer(inputSize, Name=..., Normalization=..., MinLength=...)``."""
    return SequenceInputLayer(InputSize=inputSize, **options)


# ==========================================================================
# Recurrent layers
# ==========================================================================

_STATE_ACTS = ("tanh", "softsign", "relu")
_GATE_ACTS = ("sigmoid", "hard-sigmoid")
_WEIGHT_INITS = ("glorot", "he", "orthogonal", "narrow-normal", "zeros", "ones")
_REC_INITS = ("orthogonal", "glorot", "he", "narrow-normal", "zeros", "ones")


def _recurrent_props(ngates, bias_default, bias_inits, extra=()):
    p = {
        "Name": ("", _name),
        "InputSize": ("auto", _auto_or_pos_int),
        "NumHiddenUnits": (None, _pos_int),
        "OutputMode": ("sequence", _choice("sequence", "last")),
    }
    p.update(dict(extra))
    p.update({
        "StateActivationFunction": ("tanh", _choice(*_STATE_ACTS)),
        "GateActivationFunction": ("sigmoid", _choice(*_GATE_ACTS)),
        "HiddenState": (None, _array_or_empty),
        "InputWeightsInitializer": ("glorot", _initializer(*_WEIGHT_INITS)),
        "RecurrentWeightsInitializer": ("orthogonal", _initializer(*_REC_INITS)),
        "BiasInitializer": (bias_default, _initializer(*bias_inits)),
        "InputWeights": (None, _array_or_empty),
        "RecurrentWeights": (None, _array_or_empty),
        "Bias": (None, _array_or_empty),
        "InputWeightsLearnRateFactor": (1.0, _factor(ngates)),
        "RecurrentWeightsLearnRateFactor": (1.0, _factor(ngates)),
        "BiasLearnRateFactor": (1.0, _factor(ngates)),
        "InputWeightsL2Factor": (1.0, _factor(ngates)),
        "RecurrentWeightsL2Factor": (1.0, _factor(ngates)),
        "BiasL2Factor": (0.0, _factor(ngates)),
    })
    return p


_FACTOR_PROPS = {"InputWeights": ("InputWeightsLearnRateFactor", "InputWeightsL2Factor"),
                 "RecurrentWeights": ("RecurrentWeightsLearnRateFactor", "RecurrentWeightsL2Factor"),
                 "Bias": ("BiasLearnRateFactor", "BiasL2Factor")}


class _RecurrentLayer(Layer):
    _learnables = ("InputWeights", "RecurrentWeights", "Bias")
    _ndir = 1

    def _description(self):
        return f"{self._type} with {self.NumHiddenUnits} hidden units"

    def _bias_rows(self):
        return self._ngates * self.NumHiddenUnits * self._ndir

    def _setup(self, in_size, has_time, dtype):
        if not has_time:
            raise ValueError(f"Layer '{self.Name}' ({self._display}) expects sequence input (with a "
                             "time dimension), but the layer before it outputs no time dimension; "
                             "use OutputMode='sequence' in the recurrent layer before it")
        _check_in_size(self, in_size)
        G = self._ngates * self.NumHiddenUnits * self._ndir
        H = self.NumHiddenUnits
        _init_param(self, "InputWeights", self.InputWeightsInitializer, (G, in_size), in_size, G, dtype)
        _init_param(self, "RecurrentWeights", self.RecurrentWeightsInitializer, (G, H), H, G, dtype)
        _init_param(self, "Bias", self.BiasInitializer, (self._bias_rows(), 1), in_size, G, dtype)
        out = H * self._ndir
        return out, self.OutputMode == "sequence"

    def _factors(self, name):
        lr, l2 = _FACTOR_PROPS[name]
        H = self.NumHiddenUnits
        rows = getattr(self, name).shape[0]

        def expand(v):    # per gate (per direction for bilstm) -> one value per row
            if not isinstance(v, tuple):
                return float(v)
            col = np.repeat(np.asarray(v, np.float64), H)
            return np.tile(col, rows // col.size)[:, None]
        return expand(getattr(self, lr)), expand(getattr(self, l2))

    def _initial_state(self, name, dtype, xp=np):
        """The state's initial value (the property, or zeros) on the device of ``xp``."""
        v = getattr(self, name)
        n = self.NumHiddenUnits * self._ndir
        if v is None:
            return DLArray._new(xp.zeros((n, 1), dtype), "")
        return DLArray._new(xp.asarray(v._data).reshape(n, -1).astype(dtype), "")

    def _last(self, Y):
        return Y if self.OutputMode == "sequence" else Y[..., -1]


class LSTMLayer(_RecurrentLayer):
    _display = "LSTMLayer"
    _type = "LSTM"
    _ngates = 4
    _props = _recurrent_props(4, "unit-forget-gate", ("unit-forget-gate", "narrow-normal", "ones", "zeros"))
    _props["CellState"] = (None, _array_or_empty)
    _groups = (("Hyperparameters", ("InputSize", "NumHiddenUnits", "OutputMode",
                                    "StateActivationFunction", "GateActivationFunction")),
               ("Learnable Parameters", ("InputWeights", "RecurrentWeights", "Bias")),
               ("State Parameters", ("HiddenState", "CellState")))
    _states = ("HiddenState", "CellState")

    def _forward(self, X, training, state):
        from ..functions.lstm import lstm
        Y, h, c = lstm(X, state["HiddenState"], state["CellState"], self.InputWeights,
                       self.RecurrentWeights, self.Bias,
                       StateActivationFunction=self.StateActivationFunction,
                       GateActivationFunction=self.GateActivationFunction)
        return self._last(Y), {"HiddenState": h, "CellState": c}


class GRULayer(_RecurrentLayer):
    _display = "GRULayer"
    _type = "GRU"
    _ngates = 3
    _props = _recurrent_props(3, "zeros", ("zeros", "narrow-normal", "ones"), extra=(
        ("ResetGateMode", ("after-multiplication", _choice(
            "after-multiplication", "before-multiplication", "recurrent-bias-after-multiplication"))),))
    _groups = (("Hyperparameters", ("InputSize", "NumHiddenUnits", "OutputMode", "ResetGateMode",
                                    "StateActivationFunction", "GateActivationFunction")),
               ("Learnable Parameters", ("InputWeights", "RecurrentWeights", "Bias")),
               ("State Parameters", ("HiddenState",)))
    _states = ("HiddenState",)

    def _bias_rows(self):
        k = 2 if self.ResetGateMode == "recurrent-bias-after-multiplication" else 1
        return 3 * self.NumHiddenUnits * k

    def _forward(self, X, training, state):
        from ..functions.gru import gru
        Y, h = gru(X, state["HiddenState"], self.InputWeights, self.RecurrentWeights, self.Bias,
                   ResetGateMode=self.ResetGateMode,
                   StateActivationFunction=self.StateActivationFunction,
                   GateActivationFunction=self.GateActivationFunction)
        return self._last(Y), {"HiddenState": h}


class BiLSTMLayer(_RecurrentLayer):
    """Bidirectional LSTM: weights stack the forward then the backward LSTM's
    (8H rows); the output concatenates both directions (2H channels)."""
    _display = "BiLSTMLayer"
    _type = "BiLSTM"
    _ngates = 4
    _ndir = 2
    # learn-rate and L2 factors: a scalar or 1x8, one per gate of each direction
    _props = _recurrent_props(8, "unit-forget-gate", ("unit-forget-gate", "narrow-normal", "ones",
                                                      "zeros"))
    _props["CellState"] = (None, _array_or_empty)
    _groups = LSTMLayer._groups
    _states = ("HiddenState", "CellState")

    def _forward(self, X, training, state):
        from ..functions.lstm import lstm
        from ..core.ops import cat
        H = self.NumHiddenUnits
        half = lambda v, d: v[d * 4 * H:(d + 1) * 4 * H]        # noqa: E731
        hs, cs = state["HiddenState"], state["CellState"]
        opts = dict(StateActivationFunction=self.StateActivationFunction,
                    GateActivationFunction=self.GateActivationFunction)
        Yf, hf, cf = lstm(X, hs[:H], cs[:H], half(self.InputWeights, 0),
                          half(self.RecurrentWeights, 0), half(self.Bias, 0), **opts)
        rev = (slice(None),) * (X.ndim - 1) + (slice(None, None, -1),)
        Yb, hb, cb = lstm(X[rev], hs[H:], cs[H:], half(self.InputWeights, 1),
                          half(self.RecurrentWeights, 1), half(self.Bias, 1), **opts)
        Y = cat(0, Yf, Yb[rev])
        return self._last(Y), {"HiddenState": cat(0, hf, hb), "CellState": cat(0, cf, cb)}


def lstmLayer(numHiddenUnits, **options):
    """MATLAB's ``lstmLayer(numHiddenUnits, Name=Value, ...)``; see ``help(dl.LSTMLayer)``."""
    return LSTMLayer(NumHiddenUnits=numHiddenUnits, **options)


def gruLayer(numHiddenUnits, **options):
    """MATLAB's ``gruLayer(numHiddenUnits, Name=Value, ...)``."""
    return GRULayer(NumHiddenUnits=numHiddenUnits, **options)


def bilstmLayer(numHiddenUnits, **options):
    """MATLAB's ``bilstmLayer(numHiddenUnits, Name=Value, ...)``."""
    return BiLSTMLayer(NumHiddenUnits=numHiddenUnits, **options)


# ==========================================================================
# Fully connected, softmax, dropout
# ==========================================================================

class FullyConnectedLayer(Layer):
    _display = "FullyConnectedLayer"
    _type = "Fully Connected"
    _props = {
        "Name": ("", _name),
        "InputSize": ("auto", _auto_or_pos_int),
        "OutputSize": (None, _pos_int),
        "WeightsInitializer": ("glorot", _initializer(*_WEIGHT_INITS)),
        "BiasInitializer": ("zeros", _initializer("zeros", "narrow-normal", "ones")),
        "Weights": (None, _array_or_empty),
        "Bias": (None, _array_or_empty),
        "WeightLearnRateFactor": (1.0, _factor(1)),
        "BiasLearnRateFactor": (1.0, _factor(1)),
        "WeightL2Factor": (1.0, _factor(1)),
        "BiasL2Factor": (0.0, _factor(1)),
    }
    _groups = (("Hyperparameters", ("InputSize", "OutputSize")),
               ("Learnable Parameters", ("Weights", "Bias")))
    _learnables = ("Weights", "Bias")

    def _description(self):
        return f"{self.OutputSize} fully connected layer"

    def _setup(self, in_size, has_time, dtype):
        _check_in_size(self, in_size)
        O = self.OutputSize
        _init_param(self, "Weights", self.WeightsInitializer, (O, in_size), in_size, O, dtype)
        _init_param(self, "Bias", self.BiasInitializer, (O, 1), in_size, O, dtype)
        return O, has_time

    def _factors(self, name):
        if name == "Weights":
            return self.WeightLearnRateFactor, self.WeightL2Factor
        return self.BiasLearnRateFactor, self.BiasL2Factor

    def _forward(self, X, training, state):
        from ..functions.fullyconnect import fullyconnect
        return fullyconnect(X, self.Weights, self.Bias), state


class SoftmaxLayer(Layer):
    _display = "SoftmaxLayer"
    _type = "Softmax"
    _props = {"Name": ("", _name)}

    def _description(self):
        return "softmax"

    def _forward(self, X, training, state):
        from ..functions.activations import softmax
        return softmax(X), state


class DropoutLayer(Layer):
    _display = "DropoutLayer"
    _type = "Dropout"
    _props = {"Name": ("", _name), "Probability": (0.5, _probability)}
    _groups = (("Hyperparameters", ("Probability",)),)

    def _description(self):
        return f"{self.Probability * 100:g}% dropout"

    def _forward(self, X, training, state):
        p = self.Probability
        if not training or p == 0:
            return X, state
        from ..core.backend import array_namespace, generator
        xp = array_namespace(X._data)
        keep = generator().random(X.shape) >= p
        mask = xp.asarray((keep / (1 - p)).astype(X.dtype))   # inverted dropout, as MATLAB
        return X * DLArray._new(mask, X._fmt), state


def fullyConnectedLayer(outputSize, **options):
    """MATLAB's ``fullyConnectedLayer(outputSize, Name=Value, ...)``."""
    return FullyConnectedLayer(OutputSize=outputSize, **options)


def softmaxLayer(**options):
    """MATLAB's ``softmaxLayer``."""
    return SoftmaxLayer(**options)


def dropoutLayer(probability=0.5, **options):
    """MATLAB's ``dropoutLayer(probability)``: inverted dropout while training."""
    return DropoutLayer(Probability=probability, **options)


# ==========================================================================
# Output layers (trainNetwork)
# ==========================================================================

class ClassificationOutputLayer(Layer):
    _display = "ClassificationOutputLayer"
    _type = "Classification Output"
    _props = {
        "Name": ("", _name),
        "Classes": ("auto", _classes),
        "ClassWeights": ("none", _class_weights),
        "OutputSize": ("auto", _auto_or_pos_int),
        "LossFunction": ("crossentropyex", _choice("crossentropyex")),
    }
    _groups = (("Hyperparameters", ("Classes", "ClassWeights", "OutputSize", "LossFunction")),)
    NumOutputs = 0
    OutputNames = ()

    def _description(self):
        if isinstance(self.Classes, str):
            return "crossentropyex"
        k = len(self.Classes)
        return f"crossentropyex with '{self.Classes[0]}' and {k - 1} other classes"

    def _setup(self, in_size, has_time, dtype):
        if self.OutputSize != "auto" and self.OutputSize != in_size:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): OutputSize is "
                             f"{self.OutputSize} but its input has {in_size} channels")
        object.__setattr__(self, "OutputSize", in_size)
        return in_size, has_time


class RegressionOutputLayer(Layer):
    _display = "RegressionOutputLayer"
    _type = "Regression Output"
    _props = {
        "Name": ("", _name),
        "ResponseNames": ((), _any),
        "LossFunction": ("mean-squared-error", _choice("mean-squared-error")),
    }
    _groups = (("Hyperparameters", ("ResponseNames", "LossFunction")),)
    NumOutputs = 0
    OutputNames = ()

    def _description(self):
        return "mean-squared-error"


def classificationLayer(**options):
    """MATLAB's ``classificationLayer`` (cross-entropy for mutually exclusive classes)."""
    return ClassificationOutputLayer(**options)


def regressionLayer(**options):
    """MATLAB's ``regressionLayer`` (half mean squared error)."""
    return RegressionOutputLayer(**options)


_OUTPUT_LAYERS = (ClassificationOutputLayer, RegressionOutputLayer)


def layer_table(layers, title=None) -> str:
    """MATLAB's numbered "Layer array with layers" display."""
    layers = list(layers)
    wn = max([len(_show(l.Name)) for l in layers] + [2])
    wt = max([len(l._type) for l in layers] + [4])
    head = title or f"{len(layers)}x1 Layer array with layers:"
    rows = [l._row(i + 1, (wn, wt)) for i, l in enumerate(layers)]
    return "\n".join([head, ""] + rows)


def disp(x):
    """MATLAB's ``disp``: a list of layers prints as MATLAB's layer array table."""
    if isinstance(x, (list, tuple)) and x and all(isinstance(l, Layer) for l in x):
        print(layer_table(x))
    else:
        print(repr(x))
