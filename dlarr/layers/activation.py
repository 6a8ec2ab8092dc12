"""softmaxLayer."""
from __future__ import annotations

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


def softmaxLayer(**options):
    """MATLAB's ``softmaxLayer``."""
    return SoftmaxLayer(**options)
