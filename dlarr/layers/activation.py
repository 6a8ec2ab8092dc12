"""softmaxLayer."""
from __future__ import annotations

from ..core.arguments import name_value_pairs
from .base import Layer, _name, layer_help


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
@layer_help(SoftmaxLayer)
def softmaxLayer(**options):
    """Softmax layer, MATLAB's ``softmaxLayer``.

    A softmax layer applies a softmax function to the input, over its channels:
    ``Y = exp(X) / sum(exp(X))`` per observation and time step (:func:`dlarr.softmax`),
    so the outputs are positive and sum to one.  A classification network needs it
    before its classificationLayer.

    Example::

        layer = dl.softmaxLayer(Name="sm")             # MATLAB: softmaxLayer('Name','sm')
        layers = [dl.sequenceInputLayer(12), dl.lstmLayer(100, OutputMode="last"),
                  dl.fullyConnectedLayer(9), dl.softmaxLayer(), dl.classificationLayer()]
    """
    return SoftmaxLayer(**options)
