"""The recurrent layers: lstmLayer, gruLayer, bilstmLayer.

Their learnables stack the gates in MATLAB's order (lstm: input, forget, cell
candidate, output; gru: reset, update, candidate); the learn-rate and L2 factors
may be given per gate (per gate of each direction for bilstmLayer).
"""
from __future__ import annotations

import numbers

import numpy as np

from ..core import options as V
from ..core.arguments import came, name_value_pairs
from ..core.dlarray import DLArray
from .base import (Layer, _array_or_empty, _auto_or_pos_int, _check_in_size, _choice, _factor,
                   _initializer, _name, _pos_int, layer_help)


def _state_vector(v, name, layer):
    """A HiddenState/CellState value: [] or a NumHiddenUnits-by-1 vector (2*NumHiddenUnits
    for bilstmLayer), MATLAB's documented size; a matrix is not read as observations."""
    a = _array_or_empty(v, name, layer)
    if a is None:
        return None
    if getattr(layer, "HasStateInputs", False):
        raise ValueError(_state_inputs_text(layer, name))
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


def _state_inputs_text(layer, name):
    port = "cell" if name == "CellState" else "hidden"
    return (f"{type(layer).__name__}: {name} must be empty ([]) when HasStateInputs is 1 "
            f"(true): the layer takes its initial state from its '{port}' input")


def _logical(v, name, layer):
    """MATLAB's logical flag: true/false or 1/0, stored as a bool."""
    if isinstance(v, (bool, np.bool_)) or (isinstance(v, numbers.Integral) and v in (0, 1)):
        return bool(v)
    raise TypeError(f"{type(layer).__name__}: {name} must be true or false (1 or 0), not "
                    f"{came(v)}")


_logical.values = ("0", "1")
_HAS_STATE = ("HasStateInputs", "HasStateOutputs")
_STATE_PORT_PROPS = (("HasStateInputs", (False, _logical)),
                     ("HasStateOutputs", (False, _logical)))


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
    "HasStateInputs": "Flag for state inputs to the layer, 0 (false, the default) or 1 (true), "
                      "set when the layer is created (read-only after: it decides the "
                      "layer's inputs).  0: one input, 'in', and the initial state from the "
                      "{state_props} {prop_s} (the layer's State).  1: the inputs 'in', "
                      "{state_ports} (InputNames), the initial {state_words} coming from "
                      "other layers ({state_size}, 'CB', without a time dimension; connect "
                      "them with connectLayers(lgraph, source, 'name/hidden')); "
                      "{state_props} must then be empty, and the layer's State is not "
                      "updated by a forward or predict call.",
    "HasStateOutputs": "Flag for state outputs from the layer, 0 (false, the default) or 1 "
                       "(true), set when the layer is created (read-only after: it decides "
                       "the layer's outputs).  1: the outputs 'out', {state_ports} "
                       "(OutputNames), the final {state_words} as {state_size} 'CB' arrays "
                       "(connect them with connectLayers(lgraph, 'name/hidden', ...), or ask "
                       "for them with forward(net, X, Outputs='name/hidden')).",
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
        state_props="HiddenState and CellState" if cell else "HiddenState",
        prop_s="properties" if cell else "property",
        state_ports="'hidden' and 'cell'" if cell else "'hidden'",
        state_words="hidden and cell states" if cell else "hidden state",
        state_size="NumHiddenUnits-by-NumObservations",
        output="  The output has 2*NumHiddenUnits channels: the forward, then the backward "
               "direction." if ndir == 2 else "",
        bias_inits="'unit-forget-gate' (the forget gate's biases ones, the others zeros), "
                   "'narrow-normal' (normal with zero mean and standard deviation 0.01), "
                   "'ones', 'zeros'" if cell else
                   "'zeros', 'narrow-normal' (normal with zero mean and standard deviation "
                   "0.01), 'ones'")
    return {k: v.format(**fields) for k, v in _RECURRENT_HELP.items()
            if (cell or k != "CellState") and (ndir == 1 or k not in _HAS_STATE)}


def _cell_text(names):
    return "{" + "  ".join(f"'{n}'" for n in names) + "}"


def _as_cb(S):
    """A final state as a "CB" dlarray (the state outputs' format), on the tape."""
    return S if S._fmt == "CB" else S._relabelled("CB")


def _activation_text(size, has_time):
    dims = "x".join(map(str, size)) if isinstance(size, tuple) else f"{size} channels"
    return dims + (" with a time dimension" if has_time else "")


class _RecurrentLayer(Layer):
    """The recurrent layers' common part: learnables stacked per gate, the initial state
    from the HiddenState/CellState properties, and (lstmLayer, gruLayer) MATLAB's state
    ports: with ``HasStateInputs`` the initial states come from the inputs 'hidden'
    ('cell'), with ``HasStateOutputs`` the final states go to the outputs 'hidden'
    ('cell'), "CB" formatted."""

    _learnables = ("InputWeights", "RecurrentWeights", "Bias")
    _ndir = 1
    _state_ports = ("hidden", "cell")      # the ports of _states, in order
    HasStateInputs = False                 # bilstmLayer: read-only 0, as in MATLAB
    HasStateOutputs = False
    _creation_only = Layer._creation_only + _HAS_STATE     # they decide the ports

    def __init__(self, **options):
        super().__init__(**options)
        if self.HasStateInputs:
            for k in self._states:
                if getattr(self, k) is not None:
                    raise ValueError(_state_inputs_text(self, k))

    def __setattr__(self, key, value):
        if key in _HAS_STATE and key not in self._props:
            raise TypeError(f"{self._display}: {key} is read-only and 0 (false): a "
                            f"{self._type} layer has no state inputs or outputs (as in "
                            "MATLAB); use lstmLayer or gruLayer for them")
        super().__setattr__(key, value)

    # ----- ports (MATLAB's read-only InputNames, ...; they follow HasState*) -------------
    @property
    def InputNames(self):
        """('in'), or ('in', 'hidden', 'cell') with HasStateInputs (GRU: 'in', 'hidden')."""
        return ("in",) + (self._state_ports if self.HasStateInputs else ())

    @property
    def NumInputs(self):
        """1, or 3 with HasStateInputs (2 for a GRU)."""
        return len(self.InputNames)

    @property
    def OutputNames(self):
        """('out'), or ('out', 'hidden', 'cell') with HasStateOutputs (GRU: 'out', 'hidden')."""
        return ("out",) + (self._state_ports if self.HasStateOutputs else ())

    @property
    def NumOutputs(self):
        """1, or 3 with HasStateOutputs (2 for a GRU)."""
        return len(self.OutputNames)

    def __repr__(self):
        lines = super().__repr__().split("\n")
        width = lines[2].index(":")
        ports = [("InputNames", _cell_text(self.InputNames)),
                 ("OutputNames", _cell_text(self.OutputNames)),
                 ("NumInputs", str(self.NumInputs)), ("NumOutputs", str(self.NumOutputs)),
                 ("HasStateInputs", _show_flag(self.HasStateInputs)),
                 ("HasStateOutputs", _show_flag(self.HasStateOutputs))]
        return "\n".join(lines[:3] + [f"{n.rjust(width)}: {v}" for n, v in ports] + lines[3:])

    def _description(self):
        return f"{self._type} with {self.NumHiddenUnits} hidden units"

    def _bias_rows(self):
        return self._ngates * self.NumHiddenUnits * self._ndir

    # ----- network hooks ---------------------------------------------------------------
    def _setup(self, in_size, has_time, dtype):
        if self.HasStateInputs:
            in_size, has_time = self._check_state_inputs(in_size, has_time)
        if not has_time:
            raise ValueError(f"Layer '{self.Name}' ({self._display}) expects sequence input (with a "
                             "time dimension), but the layer before it outputs no time dimension; "
                             "use OutputMode='sequence' in the recurrent layer before it")
        if isinstance(in_size, tuple):
            raise ValueError(f"Layer '{self.Name}' ({self._display}) expects vector sequences "
                             f"(channels only, 'CBT'), but each time step of its input is "
                             f"{'x'.join(map(str, in_size))} (spatial dimensions and "
                             "channels); flatten it first (flattenLayer)")
        _check_in_size(self, in_size)
        self._init_learnables(in_size, dtype)
        return self._output_spec()

    def _init_learnables(self, in_size, dtype):
        G = self._ngates * self.NumHiddenUnits * self._ndir
        H = self.NumHiddenUnits
        self._init_param("InputWeights", self.InputWeightsInitializer, (G, in_size), in_size, G, dtype)
        self._init_param("RecurrentWeights", self.RecurrentWeightsInitializer, (G, H), H, G, dtype)
        self._init_param("Bias", self.BiasInitializer, (self._bias_rows(), 1), in_size, G, dtype)

    def _check_state_inputs(self, in_sizes, has_times):
        """The 'hidden' ('cell') inputs: NumHiddenUnits channels, no time dimension; returns
        the size and time flag of the input 'in'."""
        H = self.NumHiddenUnits
        for port, size, t in zip(self.InputNames[1:], in_sizes[1:], has_times[1:]):
            if t or size != H:
                raise ValueError(f"Layer '{self.Name}' ({self._display}): input '{port}' (the "
                                 f"initial {port} state) must have NumHiddenUnits = {H} channels "
                                 f"and no time dimension ('CB'); its source gives "
                                 f"{_activation_text(size, t)}")
        return in_sizes[0], has_times[0]

    def _output_spec(self):
        """``(size, has_time)`` of the output, per output with HasStateOutputs."""
        out, seq = self.NumHiddenUnits * self._ndir, self.OutputMode == "sequence"
        if not self.HasStateOutputs:
            return out, seq
        n = len(self._state_ports)
        return (out,) + (self.NumHiddenUnits,) * n, (seq,) + (False,) * n

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

    def _last(self, Y, h=None):
        """Y, or its last time step for OutputMode "last".  That step's output is the
        final hidden state ``h`` (H x B) where the layer gives it: the same values, and
        its gradient takes the recurrence's own path (none scattered into a sequence)."""
        if self.OutputMode == "sequence":
            return Y
        if isinstance(h, DLArray) and Y.shape[-1] and h.shape == Y.shape[:-1]:
            return h._relabelled(Y._fmt[:-1])
        return Y[..., -1]

    def _weights(self):
        """The input and recurrent weights the recurrence uses (projected layers: their
        products with the projectors)."""
        return self.InputWeights, self.RecurrentWeights

    def _state_in(self, X, state):
        """(X, initial states...): from the inputs with HasStateInputs, else the State."""
        if self.HasStateInputs:
            return tuple(X)
        return (X,) + tuple(state[k] for k in self._states)

    def _outputs(self, Y, finals, state):
        """``(Y, new_state)`` of ``_forward``: Y (and the final states as "CB", with
        HasStateOutputs); the State carries the final states on, except with state inputs
        (MATLAB's: the layer's State is not updated then)."""
        new = state if self.HasStateInputs else dict(zip(self._states, finals))
        Y = self._last(Y, finals[0])
        if self.HasStateOutputs:
            return (Y,) + tuple(_as_cb(S) for S in finals), new
        return Y, new


def _show_flag(v):
    return "1" if v else "0"


class LSTMLayer(_RecurrentLayer):
    _display = "LSTMLayer"
    _type = "LSTM"
    _default_name = "lstm"
    _ngates = 4
    _props = _recurrent_props(4, "unit-forget-gate", V.LSTM_BIAS_INITIALIZERS,
                              extra=_STATE_PORT_PROPS)
    _props["CellState"] = (None, _state_vector)
    _groups = (("Hyperparameters", ("InputSize", "NumHiddenUnits", "OutputMode",
                                    "StateActivationFunction", "GateActivationFunction")),
               ("Learnable Parameters", ("InputWeights", "RecurrentWeights", "Bias")),
               ("State Parameters", ("HiddenState", "CellState")))
    _states = ("HiddenState", "CellState")
    _help = _recurrent_help(("input gate", "forget gate", "cell candidate", "output gate"))

    def _forward(self, X, training, state):
        from ..functions.lstm import lstm
        X, h0, c0 = self._state_in(X, state)
        W, R = self._weights()
        Y, h, c = lstm(X, h0, c0, W, R, self.Bias,
                       StateActivationFunction=self.StateActivationFunction,
                       GateActivationFunction=self.GateActivationFunction)
        return self._outputs(Y, (h, c), state)


class GRULayer(_RecurrentLayer):
    _display = "GRULayer"
    _type = "GRU"
    _default_name = "gru"
    _ngates = 3
    _state_ports = ("hidden",)
    _props = _recurrent_props(3, "zeros", V.BIAS_INITIALIZERS, extra=(
        ("ResetGateMode", ("after-multiplication", _choice(*V.RESET_GATE_MODES))),)
        + _STATE_PORT_PROPS)
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
        X, h0 = self._state_in(X, state)
        W, R = self._weights()
        Y, h = gru(X, h0, W, R, self.Bias, ResetGateMode=self.ResetGateMode,
                   StateActivationFunction=self.StateActivationFunction,
                   GateActivationFunction=self.GateActivationFunction)
        return self._outputs(Y, (h,), state)


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
    NumInputs, InputNames, NumOutputs, OutputNames = 1, ("in",), 1, ("out",)   # no state ports

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

    With ``HasStateInputs=True`` the layer has the inputs 'in', 'hidden' and 'cell' and
    takes its initial states from them; with ``HasStateOutputs=True`` it has the outputs
    'out', 'hidden' and 'cell', the final states ("CB"): in a layer graph one LSTM's
    final states can start another (an encoder-decoder).

    Differences from MATLAB: a layer array is a Python list of layers, and sequences are
    C x T arrays (a list of them for MATLAB's cell array).

    Example::

        layer = dl.lstmLayer(100, Name="lstm1")         # MATLAB: lstmLayer(100,'Name','lstm1')
        layer = dl.lstmLayer(100, "OutputMode", "last")  # MATLAB's positional pairs
        layer.NumHiddenUnits                             # 100
        layers = [dl.sequenceInputLayer(12), dl.lstmLayer(100, OutputMode="last"),
                  dl.fullyConnectedLayer(9), dl.softmaxLayer(), dl.classificationLayer()]
        dl.disp(layers)                                  # 5x1 Layer array with layers: ...
        dec = dl.lstmLayer(100, HasStateInputs=True, Name="dec")
        dec.InputNames                                   # ('in', 'hidden', 'cell')
    """
    return LSTMLayer(NumHiddenUnits=numHiddenUnits, **options)


@name_value_pairs(1, names=lambda: GRULayer._props)
@layer_help(GRULayer)
def gruLayer(numHiddenUnits, **options):
    """Gated recurrent unit (GRU) layer, MATLAB's ``gruLayer``.

    A GRU layer is an RNN layer that learns dependencies between time steps in time series
    and sequence data, with a reset gate, an update gate and a candidate state (no cell
    state).  Its forward pass is :func:`dlarr.gru`.

    ``HasStateInputs=True`` gives it the inputs 'in' and 'hidden' (the initial hidden
    state from another layer), ``HasStateOutputs=True`` the outputs 'out' and 'hidden'
    (the final hidden state, "CB").

    Differences from MATLAB: as for lstmLayer (C x T sequences, lists of layers).

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
