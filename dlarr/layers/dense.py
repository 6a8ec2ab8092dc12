"""fullyConnectedLayer."""
from __future__ import annotations

import math

from ..core import options as V
from ..core.arguments import name_value_pairs
from .base import (Layer, _array_or_empty, _auto_or_pos_int, _check_in_size, _factor, _initializer,
                   _name, _pos_int, layer_help)


class FullyConnectedLayer(Layer):
    _display = "FullyConnectedLayer"
    _type = "Fully Connected"
    _default_name = "fc"
    _props = {
        "Name": ("", _name),
        "InputSize": ("auto", _auto_or_pos_int),
        "OutputSize": (None, _pos_int),
        "WeightsInitializer": ("glorot", _initializer(*V.WEIGHT_INITIALIZERS)),
        "BiasInitializer": ("zeros", _initializer(*V.BIAS_INITIALIZERS)),
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
    _factor_prefix = {"Weights": "Weight"}       # WeightLearnRateFactor, WeightL2Factor
    _help = {
        "InputSize": "Input size: the number of channels of the layer's input (h*w*c for "
                     "h x w x c images, which the layer flattens).  'auto': the "
                     "network sets it from the layer before when it is initialized; a number "
                     "is checked against the input.",
        "OutputSize": "Output size: the number of channels of the output (for "
                      "classification, the number of classes).",
        "WeightsInitializer": "Function to initialize the weights: 'glorot' (Glorot, or "
                              "Xavier: uniform with zero mean and variance 2/(InputSize + "
                              "OutputSize)), 'he' (He: normal with zero mean and variance "
                              "2/InputSize), 'orthogonal' (Q of the QR decomposition Z = QR "
                              "of a random unit-normal matrix Z), 'narrow-normal' (normal "
                              "with zero mean and standard deviation 0.01), 'zeros', 'ones', "
                              "or a function weights = f(sz) of the size of the weights.  The "
                              "layer initializes the weights only when Weights is empty.",
        "BiasInitializer": "Function to initialize the bias: 'zeros', 'narrow-normal' "
                           "(normal with zero mean and standard deviation 0.01), 'ones', or a "
                           "function bias = f(sz) of the size of the bias.  The layer "
                           "initializes the bias only when Bias is empty.",
        "Weights": "Layer weights, an OutputSize-by-InputSize matrix.  A learnable parameter: "
                   "training starts from the value given, or, when it is [] (the default), "
                   "from WeightsInitializer when the network is initialized.",
        "Bias": "Layer biases, an OutputSize-by-1 vector.  A learnable parameter: training "
                "starts from the value given, or, when it is [] (the default), from "
                "BiasInitializer when the network is initialized.",
        "WeightLearnRateFactor": "Learning rate factor for the weights: the global learning "
                                 "rate (trainingOptions' InitialLearnRate and schedule) times "
                                 "this factor is their learning rate; 2 trains them twice as "
                                 "fast, 0 freezes them.",
        "BiasLearnRateFactor": "Learning rate factor for the biases: the global learning "
                               "rate times this factor is their learning rate.",
        "WeightL2Factor": "L2 regularization factor for the weights: trainingOptions' "
                          "L2Regularization times this factor is their L2 regularization.",
        "BiasL2Factor": "L2 regularization factor for the biases: trainingOptions' "
                        "L2Regularization times this factor is their L2 regularization (0 "
                        "by default: biases are not regularized).",
    }

    def _description(self):
        return f"{self.OutputSize} fully connected layer"

    def _setup(self, in_size, has_time, dtype):
        if isinstance(in_size, tuple):       # h x w x c images: flattened, as MATLAB's
            in_size = math.prod(in_size)
        _check_in_size(self, in_size)
        O = self.OutputSize
        self._init_param("Weights", self.WeightsInitializer, (O, in_size), in_size, O, dtype)
        self._init_param("Bias", self.BiasInitializer, (O, 1), in_size, O, dtype)
        return O, has_time

    def _forward(self, X, training, state):
        from ..functions.fullyconnect import fullyconnect
        return fullyconnect(X, self.Weights, self.Bias), state


@name_value_pairs(1, names=lambda: FullyConnectedLayer._props)
@layer_help(FullyConnectedLayer)
def fullyConnectedLayer(outputSize, **options):
    """Fully connected layer, MATLAB's ``fullyConnectedLayer``.

    A fully connected layer multiplies the input by a weight matrix and then adds a bias
    vector, ``Y = Weights*X + Bias``, at every observation and time step (sequence input
    gives sequence output).  Its forward pass is :func:`dlarr.fullyconnect`.

    Example::

        layer = dl.fullyConnectedLayer(10, Name="fc1")   # MATLAB: fullyConnectedLayer(10,'Name','fc1')
        layer = dl.fullyConnectedLayer(10, "WeightLearnRateFactor", 2)   # MATLAB's pairs
        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                            layer])
        net.Layers[2].Weights.shape                      # (10, 8)
    """
    return FullyConnectedLayer(OutputSize=outputSize, **options)
