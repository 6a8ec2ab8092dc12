"""fullyConnectedLayer."""
from __future__ import annotations

from ..core import options as V
from ..core.arguments import name_value_pairs
from .base import (Layer, _array_or_empty, _auto_or_pos_int, _check_in_size, _factor, _initializer,
                   _name, _pos_int)


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

    def _description(self):
        return f"{self.OutputSize} fully connected layer"

    def _setup(self, in_size, has_time, dtype):
        _check_in_size(self, in_size)
        O = self.OutputSize
        self._init_param("Weights", self.WeightsInitializer, (O, in_size), in_size, O, dtype)
        self._init_param("Bias", self.BiasInitializer, (O, 1), in_size, O, dtype)
        return O, has_time

    def _forward(self, X, training, state):
        from ..functions.fullyconnect import fullyconnect
        return fullyconnect(X, self.Weights, self.Bias), state


@name_value_pairs(1, names=lambda: FullyConnectedLayer._props)
def fullyConnectedLayer(outputSize, **options):
    """MATLAB's ``fullyConnectedLayer(outputSize, Name=Value, ...)``."""
    return FullyConnectedLayer(OutputSize=outputSize, **options)
