"""dlarr: MATLAB's Deep Learning Toolbox workflow (dlarray, dlfeval/dlgradient, lstm, ...)
on NumPy (CPU) and CuPy (GPU).

    import dlarr as dl
    X = dl.dlarray(np.random.randn(10, 32, 64), "CBT")
"""
from .functions.activations import elu, erf, gelu, leakyrelu, softmax, softsign
from .core.autodiff import dlfeval, dlgradient
from .core.backend import canUseGPU, randperm, rng
from .core.create import (dims, dlarray, extractdata, finddim, isdlarray, numel, size, stripdims,
                      underlyingType)
from .data.loaders import japaneseVowelsTestData, japaneseVowelsTrainData
from .core.device import gather, gpuArray
from .core.dlarray import DLArray
from .functions.encoding import embed, onehotdecode, onehotencode
from .functions.fullyconnect import fullyconnect
from .functions.gru import gru
from .functions.initializers import (initializeGaussian, initializeGlorot, initializeHe, initializeNarrowNormal,
                    initializeOnes, initializeOrthogonal, initializeUnitForgetGate, initializeZeros)
from .functions.lstm import lstm
from .functions.losses import crossentropy, huber, indexcrossentropy, l1loss, l2loss, mse
from .layers import (BiLSTMLayer, ClassificationOutputLayer, DropoutLayer, FullyConnectedLayer,
                      GRULayer, Layer, LSTMLayer, RegressionOutputLayer, SequenceInputLayer,
                      SoftmaxLayer, bilstmLayer, classificationLayer, disp, dropoutLayer,
                      fullyConnectedLayer, gruLayer, lstmLayer, regressionLayer,
                      sequenceInputLayer, softmaxLayer)
from .networks.network import SeriesNetwork, dlnetwork, forward, initialize, resetState
from .training.options import (TrainingOptions, TrainingOptionsADAM, TrainingOptionsRMSProp,
                       TrainingOptionsSGDM, trainingOptions)
from .training.progress import TrainingProgress
from .training.train import (classify, classifyAndUpdateState, minibatchpredict, predict,
                     predictAndUpdateState, scores2label, trainnet, trainNetwork)
from .functions.optimizers import adamupdate, clipgradients, dlupdate, rmspropupdate, sgdmupdate
from .core.ops import (abs, cast, cat, cos, double, exp, log, matmul, max, mean, min, norm, permute,
                   prod, relu, reshape, sigmoid, sin, single, sqrt, squeeze, sum, tanh)

__version__ = "0.1.0"

__all__ = [
    "DLArray", "abs", "cast", "cat", "cos", "dims", "dlarray", "dlfeval", "dlgradient", "double",
    "exp", "extractdata", "finddim", "isdlarray", "log", "lstm", "matmul", "max", "mean", "min",
    "norm", "numel", "permute", "prod", "relu", "reshape", "rng", "sigmoid", "sin", "single", "size",
    "sqrt", "squeeze", "stripdims", "sum", "tanh", "underlyingType",
    "japaneseVowelsTrainData", "japaneseVowelsTestData", "embed", "onehotencode", "onehotdecode",
    "fullyconnect", "gru", "initializeGaussian", "initializeGlorot", "initializeHe",
    "initializeNarrowNormal", "initializeOnes", "initializeOrthogonal", "initializeUnitForgetGate",
    "initializeZeros", "adamupdate", "clipgradients", "dlupdate", "rmspropupdate", "sgdmupdate",
    "elu", "erf", "gelu", "leakyrelu", "softmax", "softsign",
    "crossentropy", "huber", "indexcrossentropy", "l1loss", "l2loss", "mse",
    "BiLSTMLayer", "ClassificationOutputLayer", "DropoutLayer", "FullyConnectedLayer", "GRULayer",
    "Layer", "LSTMLayer", "RegressionOutputLayer", "SequenceInputLayer", "SoftmaxLayer",
    "bilstmLayer", "classificationLayer", "disp", "dropoutLayer", "fullyConnectedLayer",
    "gruLayer", "lstmLayer", "regressionLayer", "sequenceInputLayer", "softmaxLayer",
    "SeriesNetwork", "dlnetwork", "forward", "initialize", "resetState", "trainingOptions",
    "classify", "classifyAndUpdateState", "predict", "predictAndUpdateState", "trainNetwork",
    "canUseGPU", "randperm", "minibatchpredict", "scores2label", "trainnet", "TrainingOptions",
    "TrainingOptionsADAM", "TrainingOptionsRMSProp", "TrainingOptionsSGDM", "TrainingProgress",
    "gather", "gpuArray",
]
