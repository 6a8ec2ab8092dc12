"""The projected recurrent layers: lstmProjectedLayer and gruProjectedLayer.

MATLAB's projected layers compress a recurrent layer by storing, for each product
``W x`` of a weight matrix and a vector, a projector ``Q`` (orthonormal columns after
``'orthogonal'`` initialization) and ``W' = W Q``, and computing ``W' Q' x`` instead:

* the input projector ``InputProjector`` (``Qi``, InputSize x InputProjectorSize)
  projects the input: the gates see ``InputWeights * Qi' * x_t``;
* the output projector ``OutputProjector`` (``Qo``, NumHiddenUnits x
  OutputProjectorSize) projects the hidden state the recurrence reads: the gates see
  ``RecurrentWeights * Qo' * h_{t-1}``.

So ``InputWeights`` is G x InputProjectorSize and ``RecurrentWeights`` G x
OutputProjectorSize (G = 4*NumHiddenUnits for the LSTM, 3*NumHiddenUnits for the GRU);
the hidden state, the output (NumHiddenUnits channels) and the cell state keep the full
size.  The layer is the plain lstmLayer/gruLayer with input weights ``W * Qi'`` and
recurrent weights ``R * Qo'``; its forward pass forms those products with dlarray
matrix products and runs :func:`dlarr.lstm` / :func:`dlarr.gru`, so its derivatives are
theirs.  Everything else (OutputMode, HasStateInputs/HasStateOutputs, the states, the
per-gate factors of the gate weights) is the plain layer's.
"""
from __future__ import annotations

from ..core import options as V
from ..core.arguments import name_value_pairs
from .base import _factor, _initializer, _pos_int, _array_or_empty, layer_help
from .recurrent import GRULayer, LSTMLayer

_PROJECTORS = ("InputProjector", "OutputProjector")

_PROJECTED_HELP = {
    "OutputProjectorSize": "Output projector size, a positive integer: the number of columns "
                           "of the output projector (OutputProjector, NumHiddenUnits-by-"
                           "OutputProjectorSize), which projects the hidden state the "
                           "recurrence reads (RecurrentWeights * OutputProjector' * h).  "
                           "Smaller sizes store fewer parameters.",
    "InputProjectorSize": "Input projector size, a positive integer: the number of columns of "
                          "the input projector (InputProjector, InputSize-by-"
                          "InputProjectorSize), which projects the input (InputWeights * "
                          "InputProjector' * x).  Smaller sizes store fewer parameters.",
    "InputProjectorInitializer": "Function to initialize the input projector: 'orthogonal' "
                                 "(the default: Q of the QR decomposition Z = QR of a random "
                                 "unit-normal matrix Z), 'glorot', 'he', 'narrow-normal', "
                                 "'zeros', 'ones', or a function f(sz), with numIn = InputSize "
                                 "and numOut = InputProjectorSize.  Only when InputProjector "
                                 "is empty.",
    "OutputProjectorInitializer": "Function to initialize the output projector: 'orthogonal' "
                                  "(the default), 'glorot', 'he', 'narrow-normal', 'zeros', "
                                  "'ones', or a function f(sz), with numIn = NumHiddenUnits "
                                  "and numOut = OutputProjectorSize.  Only when "
                                  "OutputProjector is empty.",
    "InputProjector": "Input projector Qi, InputSize-by-InputProjectorSize: the layer's gates "
                      "see InputWeights * Qi' * x.  A learnable parameter: training starts "
                      "from the value given, or, when it is [] (the default), from "
                      "InputProjectorInitializer when the network is initialized.",
    "OutputProjector": "Output projector Qo, NumHiddenUnits-by-OutputProjectorSize: the "
                       "layer's gates see RecurrentWeights * Qo' * h (h, the hidden state, "
                       "keeps NumHiddenUnits channels).  A learnable parameter: training "
                       "starts from the value given, or, when it is [] (the default), from "
                       "OutputProjectorInitializer when the network is initialized.",
    "InputProjectorLearnRateFactor": "Learning rate factor for the input projector, a "
                                     "nonnegative scalar: the global learning rate times "
                                     "this factor; 0 freezes it.",
    "OutputProjectorLearnRateFactor": "Learning rate factor for the output projector, a "
                                      "nonnegative scalar: the global learning rate times "
                                      "this factor; 0 freezes it.",
    "InputProjectorL2Factor": "L2 regularization factor for the input projector, a "
                              "nonnegative scalar: trainingOptions' L2Regularization times "
                              "this factor.",
    "OutputProjectorL2Factor": "L2 regularization factor for the output projector, a "
                               "nonnegative scalar: trainingOptions' L2Regularization times "
                               "this factor.",
}


def _projected_props(base):
    """``base``'s properties with the projector sizes after NumHiddenUnits, the
    projectors' initializers, values and factors after the plain ones."""
    out = {}
    for k, v in base.items():
        out[k] = v
        if k == "NumHiddenUnits":
            out["OutputProjectorSize"] = (None, _pos_int)
            out["InputProjectorSize"] = (None, _pos_int)
        elif k == "BiasInitializer":
            for p in _PROJECTORS:
                out[p + "Initializer"] = ("orthogonal",
                                          _initializer(*V.RECURRENT_WEIGHT_INITIALIZERS))
        elif k == "Bias":
            for p in _PROJECTORS:
                out[p] = (None, _array_or_empty)
        elif k == "BiasLearnRateFactor":
            for p in _PROJECTORS:
                out[p + "LearnRateFactor"] = (1.0, _factor(1))
        elif k == "BiasL2Factor":
            for p in _PROJECTORS:
                out[p + "L2Factor"] = (1.0, _factor(1))
    return out


def _projected_groups(base_groups):
    out = []
    for title, names in base_groups:
        if title == "Hyperparameters":
            i = names.index("NumHiddenUnits") + 1
            names = names[:i] + ("InputProjectorSize", "OutputProjectorSize") + names[i:]
        elif title == "Learnable Parameters":
            names = names + _PROJECTORS
        out.append((title, names))
    return tuple(out)


def _weight_help(base_help, rows):
    """The plain layer's help with the projected weights' sizes."""
    table = dict(base_help)
    table["InputWeights"] = table["InputWeights"].replace(
        f"{rows}-by-InputSize", f"{rows}-by-InputProjectorSize").replace(
        "stacked vertically", "stacked vertically, applied to the projected input "
        "InputProjector' * x")
    table["RecurrentWeights"] = table["RecurrentWeights"].replace(
        f"{rows}-by-NumHiddenUnits", f"{rows}-by-OutputProjectorSize").replace(
        "stacked vertically", "stacked vertically, applied to the projected hidden state "
        "OutputProjector' * h")
    table["InputWeightsInitializer"] = table["InputWeightsInitializer"].replace(
        "numIn = InputSize", "numIn = InputProjectorSize")
    table["RecurrentWeightsInitializer"] = table["RecurrentWeightsInitializer"].replace(
        "numIn = NumHiddenUnits", "numIn = OutputProjectorSize")
    table.update(_PROJECTED_HELP)
    return table


class _Projected:
    """What the projected layers add to their plain layer: the projectors, the
    learnables' sizes, and the products the recurrence uses."""

    def _init_learnables(self, in_size, dtype):
        G = self._ngates * self.NumHiddenUnits
        H, Pi, Po = self.NumHiddenUnits, self.InputProjectorSize, self.OutputProjectorSize
        self._init_param("InputWeights", self.InputWeightsInitializer, (G, Pi), Pi, G, dtype)
        self._init_param("RecurrentWeights", self.RecurrentWeightsInitializer, (G, Po), Po, G,
                         dtype)
        self._init_param("Bias", self.BiasInitializer, (self._bias_rows(), 1), Pi, G, dtype)
        self._init_param("InputProjector", self.InputProjectorInitializer, (in_size, Pi),
                         in_size, Pi, dtype)
        self._init_param("OutputProjector", self.OutputProjectorInitializer, (H, Po), H, Po,
                         dtype)

    def _weights(self):
        """W * Qi' (G x InputSize) and R * Qo' (G x NumHiddenUnits): the plain layer's."""
        return (self.InputWeights @ self.InputProjector.T,
                self.RecurrentWeights @ self.OutputProjector.T)

    def _description(self):
        return (f"{self._type.split()[0]} projected layer with {self.NumHiddenUnits} hidden "
                f"units, an output projector size of {self.OutputProjectorSize}, and an input "
                f"projector size of {self.InputProjectorSize}")


class LSTMProjectedLayer(_Projected, LSTMLayer):
    _display = "LSTMProjectedLayer"
    _type = "LSTM Projected"
    _default_name = "lstmprojected"
    _learnables = LSTMLayer._learnables + _PROJECTORS
    _props = _projected_props(LSTMLayer._props)
    _groups = _projected_groups(LSTMLayer._groups)
    _help = _weight_help(LSTMLayer._help, "4*NumHiddenUnits")


class GRUProjectedLayer(_Projected, GRULayer):
    _display = "GRUProjectedLayer"
    _type = "GRU Projected"
    _default_name = "gruprojected"
    _learnables = GRULayer._learnables + _PROJECTORS
    _props = _projected_props(GRULayer._props)
    _groups = _projected_groups(GRULayer._groups)
    _help = _weight_help(GRULayer._help, "3*NumHiddenUnits")


@name_value_pairs(3, names=lambda: LSTMProjectedLayer._props)
@layer_help(LSTMProjectedLayer)
def lstmProjectedLayer(numHiddenUnits, outputProjectorSize, inputProjectorSize, **options):
    """Long short-term memory (LSTM) projected layer, MATLAB's ``lstmProjectedLayer``.

    An LSTM layer with projected learnable weights, which stores fewer parameters: the
    input x_t reaches the gates as InputWeights * InputProjector' * x_t and the hidden
    state as RecurrentWeights * OutputProjector' * h_{t-1}.  The hidden state, the
    cell state and the output keep NumHiddenUnits channels, so the layers after it keep
    their sizes.  It computes what lstmLayer computes with InputWeights * InputProjector'
    and RecurrentWeights * OutputProjector' (its forward pass is :func:`dlarr.lstm` on
    those products), and has lstmLayer's OutputMode, HasStateInputs, HasStateOutputs
    and states.

    Example::

        layer = dl.lstmProjectedLayer(100, 30, 16, OutputMode="last")  # MATLAB's order
        net = dl.dlnetwork([dl.sequenceInputLayer(12), layer, dl.fullyConnectedLayer(9)])
        net.Layers[1].InputWeights.shape                 # (400, 16): 4*100 x InputProjectorSize
        net.Layers[1].OutputProjector.shape              # (100, 30)
    """
    return LSTMProjectedLayer(NumHiddenUnits=numHiddenUnits,
                              OutputProjectorSize=outputProjectorSize,
                              InputProjectorSize=inputProjectorSize, **options)


@name_value_pairs(3, names=lambda: GRUProjectedLayer._props)
@layer_help(GRUProjectedLayer)
def gruProjectedLayer(numHiddenUnits, outputProjectorSize, inputProjectorSize, **options):
    """Gated recurrent unit (GRU) projected layer, MATLAB's ``gruProjectedLayer``.

    A GRU layer with projected learnable weights: the gates see InputWeights *
    InputProjector' * x_t and RecurrentWeights * OutputProjector' * h_{t-1}; the hidden
    state and the output keep NumHiddenUnits channels.  It computes what gruLayer computes
    with those products as its weights (its forward pass is :func:`dlarr.gru`), with
    gruLayer's ResetGateMode, OutputMode, HasStateInputs, HasStateOutputs and state.

    Example::

        layer = dl.gruProjectedLayer(64, 16, 8,
                                     ResetGateMode="recurrent-bias-after-multiplication")
        net = dl.dlnetwork([dl.sequenceInputLayer(3), layer, dl.fullyConnectedLayer(2)])
        net.Layers[1].Bias.shape                          # (384, 1): 6*64 rows
        Y = dl.predict(net, dl.dlarray(np.random.rand(3, 5, 10), "CBT"))   # 2(C) x 5(B) x 10(T)
    """
    return GRUProjectedLayer(NumHiddenUnits=numHiddenUnits,
                             OutputProjectorSize=outputProjectorSize,
                             InputProjectorSize=inputProjectorSize, **options)
