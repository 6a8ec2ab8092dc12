"""The output layers of trainNetwork: classificationLayer, regressionLayer."""
from __future__ import annotations

from ..core import options as V
from ..core.arguments import name_value_pairs
from .base import Layer, _any, _auto_or_pos_int, _choice, _class_weights, _classes, _name


class ClassificationOutputLayer(Layer):
    _display = "ClassificationOutputLayer"
    _type = "Classification Output"
    _default_name = "classoutput"
    _props = {
        "Name": ("", _name),
        "Classes": ("auto", _classes),
        "ClassWeights": ("none", _class_weights),
        "OutputSize": ("auto", _auto_or_pos_int),
        "LossFunction": ("crossentropyex", _choice(*V.CLASSIFICATION_LOSSES)),
    }
    _groups = (("Hyperparameters", ("Classes", "ClassWeights", "OutputSize", "LossFunction")),)
    NumOutputs = 0
    OutputNames = ()

    def _description(self):
        if isinstance(self.Classes, str):
            return "crossentropyex"
        k = len(self.Classes)
        return f"crossentropyex with '{self.Classes[0]}' and {k - 1} other classes"

    def _setup(self, in_size, has_time, dtype):
        if self.OutputSize != "auto" and self.OutputSize != in_size:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): OutputSize is "
                             f"{self.OutputSize} but its input has {in_size} channels")
        object.__setattr__(self, "OutputSize", in_size)
        return in_size, has_time


class RegressionOutputLayer(Layer):
    _display = "RegressionOutputLayer"
    _type = "Regression Output"
    _default_name = "regressionoutput"
    _props = {
        "Name": ("", _name),
        "ResponseNames": ((), _any),
        "LossFunction": ("mean-squared-error", _choice(*V.REGRESSION_LOSSES)),
    }
    _groups = (("Hyperparameters", ("ResponseNames", "LossFunction")),)
    NumOutputs = 0
    OutputNames = ()

    def _description(self):
        return "mean-squared-error"


@name_value_pairs(0, names=lambda: ClassificationOutputLayer._props)
def classificationLayer(**options):
    """MATLAB's ``classificationLayer`` (cross-entropy for mutually exclusive classes)."""
    return ClassificationOutputLayer(**options)


@name_value_pairs(0, names=lambda: RegressionOutputLayer._props)
def regressionLayer(**options):
    """MATLAB's ``regressionLayer`` (half mean squared error)."""
    return RegressionOutputLayer(**options)


_OUTPUT_LAYERS = (ClassificationOutputLayer, RegressionOutputLayer)
