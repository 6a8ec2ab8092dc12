"""The activation layers: softmaxLayer, reluLayer, tanhLayer, sigmoidLayer, leakyReluLayer,
clippedReluLayer, eluLayer, geluLayer, swishLayer."""
from __future__ import annotations

import math
import numbers

from ..core import options as V
from ..core.arguments import came, name_value_pairs
from .base import Layer, _choice, _name, _show, layer_help


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


# --------------------------------------------------------------------------
# Activation layers with a parameter: leakyReluLayer, clippedReluLayer, eluLayer,
# geluLayer; and swishLayer
# --------------------------------------------------------------------------

def _real_scalar(positive):
    """A finite real scalar (``positive``: > 0), stored as a float."""
    def check(v, name, layer):
        ok = not isinstance(v, bool) and isinstance(v, numbers.Real) and math.isfinite(v) \
            and (v > 0 or not positive)
        if not ok:
            kind = "a finite positive scalar" if positive else "a finite real scalar"
            raise ValueError(f"{type(layer).__name__}: {name} must be {kind}, not "
                             f"{repr(v) if isinstance(v, numbers.Number) else came(v)}")
        return float(v)
    check.values = ("finite positive scalar",) if positive else ("finite real scalar",)
    return check


class _FunctionLayer(Layer):
    """An activation layer on a function of dlarr.functions.activations; ``_args`` names
    the properties passed to it after X (positionally), ``_kwargs`` those passed by name."""
    _function = ""
    _args = ()
    _kwargs = ()

    def _forward(self, X, training, state):
        from ..functions import activations
        fn = getattr(activations, self._function)
        return fn(X, *(getattr(self, a) for a in self._args),
                  **{k: getattr(self, k) for k in self._kwargs}), state


class LeakyReLULayer(_FunctionLayer):
    _display = "LeakyReLULayer"
    _type = "Leaky ReLU"
    _default_name = "leakyrelu"
    _props = {"Name": ("", _name), "Scale": (0.01, _real_scalar(False))}
    _groups = (("Hyperparameters", ("Scale",)),)
    _function = "leakyrelu"
    _args = ("Scale",)
    _help = {"Scale": "Scalar multiplier for negative input values: the layer computes X "
                      "where X > 0 and Scale*X elsewhere."}

    def _description(self):
        return f"Leaky ReLU with scale {_show(self.Scale)}"


class ClippedReLULayer(_FunctionLayer):
    _display = "ClippedReLULayer"
    _type = "Clipped ReLU"
    _default_name = "clippedrelu"
    _props = {"Name": ("", _name), "Ceiling": (None, _real_scalar(True))}
    _groups = (("Hyperparameters", ("Ceiling",)),)
    _function = "clippedrelu"
    _args = ("Ceiling",)
    _help = {"Ceiling": "Ceiling for clipping the input: the layer computes 0 where X < 0, "
                        "Ceiling where X > Ceiling, and X in between."}

    def _description(self):
        return f"Clipped ReLU with ceiling {_show(self.Ceiling)}"

    def _setup(self, in_size, has_time, dtype):
        if self.Ceiling is None:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): Ceiling is not set; "
                             "create the layer with dl.clippedReluLayer(ceiling)")
        return in_size, has_time


class ELULayer(_FunctionLayer):
    _display = "ELULayer"
    _type = "ELU"
    _default_name = "elu"
    _props = {"Name": ("", _name), "Alpha": (1.0, _real_scalar(True))}
    _groups = (("Hyperparameters", ("Alpha",)),)
    _function = "elu"
    _args = ("Alpha",)
    _help = {"Alpha": "Nonlinearity parameter: the layer computes X where X > 0 and "
                      "Alpha*(exp(X) - 1) elsewhere; the output saturates at -Alpha for "
                      "large negative inputs."}

    def _description(self):
        return f"ELU with Alpha {_show(self.Alpha)}"


class GELULayer(_FunctionLayer):
    _display = "GELULayer"
    _type = "GELU"
    _default_name = "gelu"
    _props = {"Name": ("", _name), "Approximation": ("none", _choice(*V.GELU_APPROXIMATIONS))}
    _groups = (("Hyperparameters", ("Approximation",)),)
    _function = "gelu"
    _kwargs = ("Approximation",)
    _help = {"Approximation": "Approximation method of the GELU operation: 'none', the exact "
                              "X/2 (1 + erf(X/sqrt(2))), or 'tanh', X/2 (1 + tanh(sqrt(2/pi) "
                              "(X + 0.044715 X^3)))."}

    def _description(self):
        return "GELU"


class SwishLayer(_FunctionLayer):
    _display = "SwishLayer"
    _type = "Swish"
    _default_name = "swish"
    _props = {"Name": ("", _name)}
    _function = "swish"

    def _description(self):
        return "swish"


@name_value_pairs(0, names=lambda: LeakyReLULayer._props)
@layer_help(LeakyReLULayer)
def leakyReluLayer(scale=0.01, **options):
    """Leaky rectified linear unit (ReLU) layer, MATLAB's ``leakyReluLayer``.

    A leaky ReLU layer performs a threshold operation, where any input value less than
    zero is multiplied by a fixed scalar: ``Y = X`` where X > 0 and ``Scale * X``
    elsewhere (:func:`dlarr.leakyrelu`), elementwise.

    Example::

        layer = dl.leakyReluLayer()                     # Scale 0.01
        layer = dl.leakyReluLayer(0.1, Name="leaky1")  # MATLAB: leakyReluLayer(0.1,'Name','leaky1')
        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(4), layer])
    """
    return LeakyReLULayer(Scale=scale, **options)


@name_value_pairs(1, names=lambda: ClippedReLULayer._props)
@layer_help(ClippedReLULayer)
def clippedReluLayer(ceiling, **options):
    """Clipped rectified linear unit (ReLU) layer, MATLAB's ``clippedReluLayer``.

    A clipped ReLU layer performs a threshold operation, where any input value less than
    zero is set to zero and any value above the clipping ceiling is set to that ceiling:
    ``Y = min(max(X, 0), Ceiling)`` (:func:`dlarr.clippedrelu`), elementwise.

    Example::

        layer = dl.clippedReluLayer(10)                 # MATLAB: clippedReluLayer(10)
        layer = dl.clippedReluLayer(6, "Name", "relu6") # MATLAB's positional pairs
    """
    return ClippedReLULayer(Ceiling=ceiling, **options)


@name_value_pairs(0, names=lambda: ELULayer._props)
@layer_help(ELULayer)
def eluLayer(alpha=1.0, **options):
    """Exponential linear unit (ELU) layer, MATLAB's ``eluLayer``.

    An ELU activation layer performs the identity operation on positive inputs and an
    exponential nonlinearity on negative inputs: ``Y = X`` where X > 0 and
    ``Alpha * (exp(X) - 1)`` elsewhere (:func:`dlarr.elu`), elementwise.

    Example::

        layer = dl.eluLayer()                           # Alpha 1
        layer = dl.eluLayer(2, Name="elu1")             # MATLAB: eluLayer(2,'Name','elu1')
    """
    return ELULayer(Alpha=alpha, **options)


@name_value_pairs(0, names=lambda: GELULayer._props)
@layer_help(GELULayer)
def geluLayer(**options):
    """Gaussian error linear unit (GELU) layer, MATLAB's ``geluLayer``.

    A GELU layer weights the input by its probability under a Gaussian distribution:
    ``Y = X/2 * (1 + erf(X/sqrt(2)))``, or its tanh approximation
    (:func:`dlarr.gelu`), elementwise.

    Example::

        layer = dl.geluLayer()                           # Approximation 'none'
        layer = dl.geluLayer(Approximation="tanh")       # MATLAB: geluLayer(Approximation="tanh")
    """
    return GELULayer(**options)


@name_value_pairs(0, names=lambda: SwishLayer._props)
@layer_help(SwishLayer)
def swishLayer(**options):
    """Swish layer, MATLAB's ``swishLayer``.

    A swish activation layer applies the swish function to its input,
    ``Y = X ./ (1 + exp(-X))`` (:func:`dlarr.swish`), elementwise.

    Example::

        layer = dl.swishLayer(Name="swish1")            # MATLAB: swishLayer('Name','swish1')
        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(4), layer])
    """
    return SwishLayer(**options)
