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
                   _initializer, _name, _pos_int, layer_help)


def _state_vector(v, name, layer):
    """A HiddenState/CellState value: [] or a NumHiddenUnits-by-1 vector (2*NumHiddenUnits
    for bilstmLayer), MATLAB's documented size; a matrix is not read as observations."""
    a = _array_or_empty(v, name, layer)
    if a is None:
        return None
    n = getattr(layer, "NumHiddenUnits", None)
    n = None if n is None else n * getattr(layer, "_ndir", 1)
    what = "NumHiddenUnits-by-1" if getattr(layer, "_ndir", 1) == 1 else "2*NumHiddenUnits-by-1"
    if sum(1 for k in a.shape if k != 1) > 1 or (n is not None and a.size != n):
        size = " x ".join(str(k) for k in a.shape) or "scalar"
        want = f"{what} ({n} x 1)" if n is not None else what
        raise ValueError(f"{type(layer).__name__}: {name} must be a {want} vector; "
                         f"it has size {size}")
    return a


_state_vector.values = ("NumHiddenUnits-by-1 vector",)


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
        "HiddenState": (None, _state_vector),
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


_INIT = ("'glorot' (Glorot, or Xavier: uniform with zero mean and variance 2/(numIn + numOut)), "
         "'he' (He: normal with zero mean and variance 2/numIn), 'orthogonal' (Q of the QR "
         "decomposition Z = QR of a random unit-normal matrix Z), 'narrow-normal' (normal with "
         "zero mean and standard deviation 0.01), 'zeros', 'ones', or a function weights = f(sz) "
         "of the size of the weights")
_LEARNABLE = ("A learnable parameter: training starts from the value given, or, when it is [] "
              "(the default), from {init} when the network is initialized.")
_LR = ("Learning rate factor for the {what}: the global learning rate (trainingOptions' "
       "InitialLearnRate and schedule) times this factor is their learning rate; 2 trains "
       "them twice as fast, 0 freezes them.  {per_gate}")
_L2 = ("L2 regularization factor for the {what}: trainingOptions' L2Regularization times this "
       "factor is their L2 regularization{extra}.  {per_gate}")
_INITIAL = ("Initial value of the {what}, a {state}: the {what} at time step 0.  [] (the "
            "default) starts from zeros.  Each sequence (each mini-batch in training, each "
            "predict or classify call) starts from it and resetState returns to it; net.State "
            "holds the state after a call (predictAndUpdateState, classifyAndUpdateState and a "
            "dlnetwork's forward carry it on).")

# The descriptions of the recurrent layers' properties, after MATLAB's lstmLayer page; the
# fields in braces are filled per layer by _recurrent_help.
_RECURRENT_HELP = {
    "InputSize": "Input size: the number of channels of the layer's input.  'auto': the network "
                 "sets it from the layer before when it is initialized (dlnetwork, "
                 "trainNetwork, trainnet); a number is checked against the input.",
    "NumHiddenUnits": "Number of hidden units (the hidden size): the amount of information the "
                      "layer remembers between time steps (the hidden state), which can hold "
                      "information from all the previous time steps, whatever the sequence "
                      "length.  Too many units may overfit the training data; typical values "
                      "range from a few dozen to a few thousand.  The hidden state does not "
                      "limit the number of time steps processed in an iteration: to split "
                      "sequences into shorter ones for training, use trainingOptions' "
                      "SequenceLength.{output}",
    "OutputMode": "Format of the output: 'sequence' outputs the complete sequence (C x B x T), "
                  "'last' the last time step (C x B), as a sequence-to-label network needs "
                  "before its fullyConnectedLayer.  In a padded mini-batch the last step is the "
                  "padded batch's, as in MATLAB: SequencePaddingDirection 'left' makes it a "
                  "real step of every sequence.",
    "StateActivationFunction": "Activation function that updates the {updates} (sigma_c of the "
                               "layer's equations): 'tanh' (hyperbolic tangent), 'softsign' "
                               "(x / (1 + |x|)) or 'relu' (max(x, 0)).",
    "GateActivationFunction": "Activation function applied to the gates (sigma_g): 'sigmoid' "
                              "(1 / (1 + exp(-x))) or 'hard-sigmoid' (0 for x < -2.5, "
                              "0.2x + 0.5 for -2.5 <= x <= 2.5, 1 for x > 2.5).",
    "HiddenState": _INITIAL.replace("{what}", "hidden state"),
    "CellState": _INITIAL.replace("{what}", "cell state"),
    "InputWeightsInitializer": "Function to initialize the input weights: " + _INIT +
                               ", with numIn = InputSize and numOut = {rows}.  The layer "
                               "initializes the input weights only when InputWeights is empty.",
    "RecurrentWeightsInitializer": "Function to initialize the recurrent weights: " + _INIT +
                                   ", with numIn = NumHiddenUnits and numOut = {rows}.  The "
                                   "layer initializes the recurrent weights only when "
                                   "RecurrentWeights is empty.",
    "BiasInitializer": "Function to initialize the bias: {bias_inits}, or a function "
                       "bias = f(sz) of the size of the bias.  The layer initializes the bias "
                       "only when Bias is empty.",
    "InputWeights": "Input weights, of size {rows}-by-InputSize: the gates' matrices ({gates}) "
                    "stacked vertically{directions}.  " +
                    _LEARNABLE.replace("{init}", "InputWeightsInitializer"),
    "RecurrentWeights": "Recurrent weights, of size {rows}-by-NumHiddenUnits: the gates' "
                        "matrices ({gates}) stacked vertically{directions}.  " +
                        _LEARNABLE.replace("{init}", "RecurrentWeightsInitializer"),
    "Bias": "Layer biases, of size {bias_rows}-by-1: the gates' biases ({gates}) "
            "stacked{directions}.  " + _LEARNABLE.replace("{init}", "BiasInitializer"),
    "InputWeightsLearnRateFactor": _LR.replace("{what}", "input weights"),
    "RecurrentWeightsLearnRateFactor": _LR.replace("{what}", "recurrent weights"),
    "BiasLearnRateFactor": _LR.replace("{what}", "biases"),
    "InputWeightsL2Factor": _L2.replace("{what}", "input weights").replace("{extra}", ""),
    "RecurrentWeightsL2Factor": _L2.replace("{what}", "recurrent weights").replace("{extra}", ""),
    "BiasL2Factor": _L2.replace("{what}", "biases").replace(
        "{extra}", " (0 by default: biases are not regularized)"),
}


def _recurrent_help(gates, ndir=1, cell=True, bias_rows=None):
    """``_help`` of a recurrent layer: :data:`_RECURRENT_HELP` filled in for ``gates`` (in
    the order the learnables stack them), ``ndir`` 2 for bilstmLayer (forward, then
    backward), ``cell`` False for gruLayer (no CellState)."""
    g, nf = ", ".join(gates), len(gates) * ndir
    rows = f"{nf}*NumHiddenUnits"
    fields = dict(
        gates=g, rows=rows, bias_rows=bias_rows or rows,
        directions=", the forward LSTM's, then the backward LSTM's" if ndir == 2 else "",
        per_gate=f"A 1-by-{nf} vector gives one factor per gate ({g}" + (
            ", of the forward, then of the backward direction" if ndir == 2 else "") +
        "); a scalar applies to every gate.",
        state="2*NumHiddenUnits-by-1 vector (forward, then backward)" if ndir == 2
        else "NumHiddenUnits-by-1 vector",
        updates="cell and hidden state" if cell else "hidden state",
        output="  The output has 2*NumHiddenUnits channels: the forward, then the backward "
               "direction." if ndir == 2 else "",
        bias_inits="'unit-forget-gate' (the forget gate's biases ones, the others zeros), "
                   "'narrow-normal' (normal with zero mean and standard deviation 0.01), "
                   "'ones', 'zeros'" if cell else
                   "'zeros', 'narrow-normal' (normal with zero mean and standard deviation "
                   "0.01), 'ones'")
    return {k: v.format(**fields) for k, v in _RECURRENT_HELP.items()
            if cell or k != "CellState"}


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
        _state_vector(v, name, self)
        return DLArray._new(xp.asarray(v._data).reshape(n, -1).astype(dtype), "")

    def _last(self, Y):
        return Y if self.OutputMode == "sequence" else Y[..., -1]


class LSTMLayer(_RecurrentLayer):
    _display = "LSTMLayer"
    _type = "LSTM"
    _default_name = "lstm"
    _ngates = 4
    _props = _recurrent_props(4, "unit-forget-gate", V.LSTM_BIAS_INITIALIZERS)
    _props["CellState"] = (None, _state_vector)
    _groups = (("Hyperparameters", ("InputSize", "NumHiddenUnits", "OutputMode",
                                    "StateActivationFunction", "GateActivationFunction")),
               ("Learnable Parameters", ("InputWeights", "RecurrentWeights", "Bias")),
               ("State Parameters", ("HiddenState", "CellState")))
    _states = ("HiddenState", "CellState")
    _help = _recurrent_help(("input gate", "forget gate", "cell candidate", "output gate"))

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
    _help = _recurrent_help(("reset gate", "update gate", "candidate"), cell=False,
                            bias_rows="3*NumHiddenUnits (6*NumHiddenUnits with ResetGateMode "
                                      "'recurrent-bias-after-multiplication': the input "
                                      "biases, then the recurrent biases)")
    _help["ResetGateMode"] = (
        "Reset gate mode: 'after-multiplication' applies the reset gate after the matrix "
        "multiplication (cuDNN compatible), 'before-multiplication' before it, and "
        "'recurrent-bias-after-multiplication' after it, with a second set of biases for the "
        "recurrent weights (Bias then has 6*NumHiddenUnits rows).")

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
    _props["CellState"] = (None, _state_vector)
    _groups = LSTMLayer._groups
    _states = ("HiddenState", "CellState")
    _help = _recurrent_help(("input gate", "forget gate", "cell candidate", "output gate"),
                            ndir=2)

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
@layer_help(LSTMLayer)
def lstmLayer(numHiddenUnits, **options):
    """Long short-term memory (LSTM) layer, MATLAB's ``lstmLayer``.

    An LSTM layer learns long-term dependencies between time steps in time series and
    sequence data.  The layer performs additive interactions, which can help improve
    gradient flow over long sequences during training.  Its forward pass is
    :func:`dlarr.lstm` (fused CUDA kernels on the GPU).

    Differences from MATLAB: a layer array is a Python list of layers, and sequences are
    C x T arrays (a list of them for MATLAB's cell array).  MATLAB's HasStateInputs and
    HasStateOutputs (the state as extra inputs and outputs) are not supported: like any
    unknown name they are a TypeError that suggests the closest properties.

    Example::

        layer = dl.lstmLayer(100, Name="lstm1")         # MATLAB: lstmLayer(100,'Name','lstm1')
        layer = dl.lstmLayer(100, "OutputMode", "last")  # MATLAB's positional pairs
        layer.NumHiddenUnits                             # 100
        layers = [dl.sequenceInputLayer(12), dl.lstmLayer(100, OutputMode="last"),
                  dl.fullyConnectedLayer(9), dl.softmaxLayer(), dl.classificationLayer()]
        dl.disp(layers)                                  # 5x1 Layer array with layers: ...
    """
    return LSTMLayer(NumHiddenUnits=numHiddenUnits, **options)


@name_value_pairs(1, names=lambda: GRULayer._props)
@layer_help(GRULayer)
def gruLayer(numHiddenUnits, **options):
    """Gated recurrent unit (GRU) layer, MATLAB's ``gruLayer``.

    A GRU layer is an RNN layer that learns dependencies between time steps in time series
    and sequence data, with a reset gate, an update gate and a candidate state (no cell
    state).  Its forward pass is :func:`dlarr.gru`.

    Differences from MATLAB: as for lstmLayer (C x T sequences, lists of layers; no
    HasStateInputs or HasStateOutputs).

    Example::

        layer = dl.gruLayer(64, OutputMode="last", ResetGateMode="before-multiplication")
        net = dl.dlnetwork([dl.sequenceInputLayer(3), layer, dl.fullyConnectedLayer(2)])
        Y = dl.predict(net, dl.dlarray(np.random.rand(3, 5, 10), "CBT"))   # 2(C) x 5(B)
    """
    return GRULayer(NumHiddenUnits=numHiddenUnits, **options)


@name_value_pairs(1, names=lambda: BiLSTMLayer._props)
@layer_help(BiLSTMLayer)
def bilstmLayer(numHiddenUnits, **options):
    """Bidirectional long short-term memory (BiLSTM) layer, MATLAB's ``bilstmLayer``.

    A bidirectional LSTM layer learns bidirectional long-term dependencies between time
    steps of time series or sequence data: a forward LSTM runs over the sequence and a
    backward LSTM over the reversed sequence, and the output concatenates their hidden
    states (2*NumHiddenUnits channels, the forward direction first).  Use it when the
    network should learn from the complete sequence at each time step.  Its learnables
    stack the forward LSTM's weights on the backward LSTM's (8*NumHiddenUnits rows), and
    per-gate factors have 8 entries (the 4 gates of each direction).

    Example::

        layer = dl.bilstmLayer(50, OutputMode="last")
        net = dl.dlnetwork([dl.sequenceInputLayer(3), layer, dl.fullyConnectedLayer(2)])
        net.Layers[1].InputWeights.shape                 # (400, 3): 8*50 rows
        Y = dl.predict(net, dl.dlarray(np.random.rand(3, 5, 10), "CBT"))   # 2(C) x 5(B)
    """
    return BiLSTMLayer(NumHiddenUnits=numHiddenUnits, **options)
