"""The activation layers: softmaxLayer, reluLayer, tanhLayer, sigmoidLayer."""
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


class _ElementwiseLayer(Layer):
    """An activation layer: one elementwise function of dlarr.core.elementwise, applied to
    every element of the input (sizes and format unchanged)."""
    _props = {"Name": ("", _name)}
    _function = ""                 # the name of the function in dlarr.core.elementwise

    def _description(self):
        return self._what

    def _forward(self, X, training, state):
        from ..core import elementwise
        return getattr(elementwise, self._function)(X), state


class ReLULayer(_ElementwiseLayer):
    _display = "ReLULayer"
    _type = "ReLU"
    _default_name = "relu"
    _what = "ReLU"
    _function = "relu"


class TanhLayer(_ElementwiseLayer):
    _display = "TanhLayer"
    _type = "Tanh"
    _default_name = "tanh"
    _what = "Hyperbolic tangent"
    _function = "tanh"


class SigmoidLayer(_ElementwiseLayer):
    _display = "SigmoidLayer"
    _type = "Sigmoid"
    _default_name = "sigmoid"
    _what = "sigmoid"
    _function = "sigmoid"


@name_value_pairs(0, names=lambda: ReLULayer._props)
@layer_help(ReLULayer)
def reluLayer(**options):
    """Rectified linear unit (ReLU) layer, MATLAB's ``reluLayer``.

    A ReLU layer performs a threshold operation on each element of the input: any value
    less than zero is set to zero, ``Y = max(X, 0)`` (:func:`dlarr.relu`).

    Example::

        layer = dl.reluLayer(Name="relu1")             # MATLAB: reluLayer('Name','relu1')
        layers = [dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                  dl.fullyConnectedLayer(16), dl.reluLayer(), dl.fullyConnectedLayer(1)]
    """
    return ReLULayer(**options)


@name_value_pairs(0, names=lambda: TanhLayer._props)
@layer_help(TanhLayer)
def tanhLayer(**options):
    """Hyperbolic tangent (tanh) layer, MATLAB's ``tanhLayer``.

    A tanh activation layer applies the tanh function to its input, ``Y = tanh(X)``
    (:func:`dlarr.tanh`), elementwise.

    Example::

        layer = dl.tanhLayer(Name="tanh1")             # MATLAB: tanhLayer('Name','tanh1')
        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(4), layer])
    """
    return TanhLayer(**options)


@name_value_pairs(0, names=lambda: SigmoidLayer._props)
@layer_help(SigmoidLayer)
def sigmoidLayer(**options):
    """Sigmoid layer, MATLAB's ``sigmoidLayer``.

    A sigmoid layer applies the sigmoid function to its input, ``Y = 1 / (1 + exp(-X))``
    (:func:`dlarr.sigmoid`), elementwise, so the outputs lie in (0, 1).

    Example::

        layer = dl.sigmoidLayer(Name="sig")            # MATLAB: sigmoidLayer('Name','sig')
        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(8),
                            dl.fullyConnectedLayer(1), layer])
    """
    return SigmoidLayer(**options)
