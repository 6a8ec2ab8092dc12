"""The output layers of trainNetwork: classificationLayer, regressionLayer."""
from __future__ import annotations

from ..core import options as V
from ..core.arguments import name_value_pairs
from .base import (Layer, _any, _auto_or_pos_int, _choice, _class_weights, _classes, _name,
                   layer_help)


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
    _help = {
        "Classes": "Classes of the output, in the order of the network's outputs (scores): "
                   "'auto' lets trainNetwork set them from the training labels (a "
                   "categorical's categories, every one, also those absent from the data; "
                   "otherwise the sorted unique labels), or a list of the class names.  "
                   "After training they hold the classes (a categorical for categorical "
                   "labels); classify returns labels of them.",
        "ClassWeights": "Weights of the classes in the loss: 'none', or a vector of positive "
                        "weights, one per class in the order of Classes (class k's term of "
                        "the cross-entropy is multiplied by its weight), for imbalanced "
                        "classes.  Its length must be the network's number of outputs.",
        "OutputSize": "Output size: 'auto' (set to the number of channels of the input, the "
                      "number of classes, when the network is initialized) or that number, "
                      "checked against the input.",
        "LossFunction": "Loss function for training: 'crossentropyex', the cross-entropy "
                        "loss for mutually exclusive classes, summed over the classes (and "
                        "the time steps of sequence output, padded steps left out) and "
                        "divided by the number of observations.",
    }
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
    _help = {
        "ResponseNames": "Names of the responses, a list of strings ([]: none).  Kept with "
                         "the layer (analyzeNetwork checks that there is one per response); "
                         "training does not use them.",
        "LossFunction": "Loss function for training: 'mean-squared-error', half the squared "
                        "error summed over the responses and averaged over the observations "
                        "(for sequence output, also divided by each sequence's length, "
                        "padded steps left out).",
    }
    NumOutputs = 0
    OutputNames = ()

    def _description(self):
        return "mean-squared-error"


@name_value_pairs(0, names=lambda: ClassificationOutputLayer._props)
@layer_help(ClassificationOutputLayer)
def classificationLayer(**options):
    """Classification output layer, MATLAB's ``classificationLayer``.

    A classification layer computes the cross-entropy loss for classification tasks with
    mutually exclusive classes; it ends a classification network for trainNetwork, after a
    softmaxLayer.  It infers the number of classes from the output size of the previous
    layer.  A dlnetwork (trainnet, custom loops) has no output layer: give trainnet the
    loss instead ("crossentropy").

    Example::

        layer = dl.classificationLayer(Name="output")    # MATLAB: classificationLayer('Name','output')
        layer = dl.classificationLayer("Classes", ["a", "b", "c"], "ClassWeights", [1, 2, 1])
        layers = [dl.sequenceInputLayer(12), dl.lstmLayer(100, OutputMode="last"),
                  dl.fullyConnectedLayer(3), dl.softmaxLayer(), layer]
    """
    return ClassificationOutputLayer(**options)


@name_value_pairs(0, names=lambda: RegressionOutputLayer._props)
@layer_help(RegressionOutputLayer)
def regressionLayer(**options):
    """Regression output layer, MATLAB's ``regressionLayer``.

    A regression layer computes the half-mean-squared-error loss for regression tasks; it
    ends a regression network for trainNetwork (sequence-to-one: N x R responses;
    sequence-to-sequence: a list of R x T responses).  A dlnetwork (trainnet) has no
    output layer: give trainnet the loss instead ("mse").

    Example::

        layer = dl.regressionLayer(Name="routput")       # MATLAB: regressionLayer('Name','routput')
        layers = [dl.sequenceInputLayer(3), dl.lstmLayer(20), dl.fullyConnectedLayer(1),
                  dl.regressionLayer()]
    """
    return RegressionOutputLayer(**options)


_OUTPUT_LAYERS = (ClassificationOutputLayer, RegressionOutputLayer)
