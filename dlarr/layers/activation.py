"""softmaxLayer."""
from __future__ import annotations

from ..core.arguments import name_value_pairs
from .base import Layer, _name


class SoftmaxLayer(Layer):
    _display = "SoftmaxLayer"
    _type = "Softmax"
    _default_name = "softmax"
    _props = {"Name": ("", _name)}

    def _description(self):
        return "softmax"

    def _forward(self, X, training, state):
        from ..functions.activations import softmax
        return softmax(X), state


@name_value_pairs(0, names=lambda: SoftmaxLayer._props)
def softmaxLayer(**options):
    """MATLAB's ``softmaxLayer``."""
    return SoftmaxLayer(**options)
