"""The recurrent layers: lstmLayer, gruLayer, bilstmLayer.

Their learnables stack the gates in MATLAB's order (lstm: input, forget, cell
candidate, output; gru: reset, update, candidate); the learn-rate and L2 factors
may be given per gate (per gate of each direction for bilstmLayer).
"""
from __future__ import annotations

import numpy as np

from ..core import options as V
from ..core.arguments import name_value_pairs
from ..core.dlarray import DLArray
from .base import (Layer, _array_or_empty, _auto_or_pos_int, _check_in_size, _choice, _factor,
                   _initializer, _name, _pos_int)


def _recurrent_props(ngates, bias_default, bias_inits, extra=()):
    p = {
        "Name": ("", _name),
        "InputSize": ("auto", _auto_or_pos_int),
        "NumHiddenUnits": (None, _pos_int),
        "OutputMode": ("sequence", _choice(*V.OUTPUT_MODES)),
    }
    p.update(dict(extra))
    p.update({
        "StateActivationFunction": ("tanh", _choice(*V.STATE_ACTIVATIONS)),
        "GateActivationFunction": ("sigmoid", _choice(*V.GATE_ACTIVATIONS)),
        "HiddenState": (None, _array_or_empty),
        "InputWeightsInitializer": ("glorot", _initializer(*V.WEIGHT_INITIALIZERS)),
        "RecurrentWeightsInitializer": ("orthogonal", _initializer(*V.RECURRENT_WEIGHT_INITIALIZERS)),
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
        self._init_param("InputWeights", self.InputWeightsInitializer, (G, in_size), in_size, G, dtype)
        self._init_param("RecurrentWeights", self.RecurrentWeightsInitializer, (G, H), H, G, dtype)
        self._init_param("Bias", self.BiasInitializer, (self._bias_rows(), 1), in_size, G, dtype)
        out = H * self._ndir
        return out, self.OutputMode == "sequence"

    def _factors(self, name):
        """Layer's factors (the ``<name>LearnRateFactor``/``<name>L2Factor``
        properties), a per-gate vector expanded to one value per row."""
        lr, l2 = super()._factors(name)
        H = self.NumHiddenUnits
        rows = getattr(self, name).shape[0]

        def expand(v):    # per gate (per direction for bilstm) -> one value per row
            if not isinstance(v, tuple):
                return float(v)
            col = np.repeat(np.asarray(v, np.float64), H)
            return np.tile(col, rows // col.size)[:, None]
        return expand(lr), expand(l2)

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
    _default_name = "lstm"
    _ngates = 4
    _props = _recurrent_props(4, "unit-forget-gate", V.LSTM_BIAS_INITIALIZERS)
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
    _default_name = "gru"
    _ngates = 3
    _props = _recurrent_props(3, "zeros", V.BIAS_INITIALIZERS, extra=(
        ("ResetGateMode", ("after-multiplication", _choice(*V.RESET_GATE_MODES))),))
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
    _default_name = "bilstm"
    _ngates = 4
    _ndir = 2
    # learn-rate and L2 factors: a scalar or 1x8, one per gate of each direction
    _props = _recurrent_props(8, "unit-forget-gate", V.LSTM_BIAS_INITIALIZERS)
    _props["CellState"] = (None, _array_or_empty)
    _groups = LSTMLayer._groups
    _states = ("HiddenState", "CellState")

    def _forward(self, X, training, state):
        from ..functions.lstm import lstm
        from ..core.shape import cat
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


@name_value_pairs(1, names=lambda: LSTMLayer._props)
def lstmLayer(numHiddenUnits, **options):
    """MATLAB's ``lstmLayer(numHiddenUnits, Name=Value, ...)``; see ``help(dl.LSTMLayer)``."""
    return LSTMLayer(NumHiddenUnits=numHiddenUnits, **options)


@name_value_pairs(1, names=lambda: GRULayer._props)
def gruLayer(numHiddenUnits, **options):
    """MATLAB's ``gruLayer(numHiddenUnits, Name=Value, ...)``."""
    return GRULayer(NumHiddenUnits=numHiddenUnits, **options)


@name_value_pairs(1, names=lambda: BiLSTMLayer._props)
def bilstmLayer(numHiddenUnits, **options):
    """MATLAB's ``bilstmLayer(numHiddenUnits, Name=Value, ...)``."""
    return BiLSTMLayer(NumHiddenUnits=numHiddenUnits, **options)
