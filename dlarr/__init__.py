"""dlarr: MATLAB's Deep Learning Toolbox workflow (dlarray, dlfeval/dlgradient, lstm, ...)
on NumPy (CPU) and CuPy (GPU).

    import dlarr as dl
    X = dl.dlarray(np.random.randn(10, 32, 64), "CBT")

MATLAB's names, grouped by the wing that defines them (docs/architecture.md); the
extension API is ``dlarr.extend``, the GPU settings ``dlarr.kernels``.
"""
# core: dlarray, automatic differentiation, operations, devices, random numbers, categorical,
# the spmd functions (MPI workers)
from .core.dlarray import DLArray
from .core.create import (dims, dlarray, extractdata, finddim, isdlarray, numel, size, stripdims,
                          underlyingType)
from .core.autodiff import dlfeval, dlgradient
from .core.elementwise import (abs, ceil, cos, exp, floor, log, mod, relu, round, sigmoid, sign,
                               sin, sqrt, tanh)
from .core.linalg import matmul, pagemtimes, transpose
from .core.reduction import cumsum, max, mean, min, norm, prod, std, sum, var
from .core.shape import cast, cat, double, permute, reshape, single, squeeze
from .core.device import gather, gpuArray
from .core.backend import canUseGPU, randperm, rng
from .core.categorical import (categorical, categories, countcats, countlabels, iscategorical,
                               ismember, isundefined, unique)
from .core.spmd import spmdBarrier, spmdBroadcast, spmdCat, spmdIndex, spmdPlus, spmdSize

# functions: MATLAB's deep learning functions, initializers and optimizers on dlarray
from .functions.lstm import lstm
from .functions.gru import gru
from .functions.fullyconnect import fullyconnect
from .functions.activations import (clippedrelu, elu, erf, gelu, leakyrelu, softmax, softsign,
                                    swish)
from .functions.attention import attention
from .functions.normalization import batchnorm, groupnorm, instancenorm, layernorm
from .functions.flatten import flatten
from .functions.conv import dlconv
from .functions.pooling import avgpool, maxpool
from .functions.losses import crossentropy, huber, indexcrossentropy, l1loss, l2loss, mse
from .functions.encoding import embed, onehotdecode, onehotencode
from .functions.sequences import padsequences
from .functions.initializers import (initializeGaussian, initializeGlorot, initializeHe,
                                     initializeNarrowNormal, initializeOnes, initializeOrthogonal,
                                     initializeUnitForgetGate, initializeZeros)
from .functions.optimizers import adamupdate, clipgradients, dlupdate, rmspropupdate, sgdmupdate

# layers: layer objects and the layer-array display
from .layers import (BiLSTMLayer, ClassificationOutputLayer, DropoutLayer, FullyConnectedLayer,
                     GRULayer, Layer, LSTMLayer, RegressionOutputLayer, SequenceInputLayer,
                     SoftmaxLayer, bilstmLayer, classificationLayer, disp, dropoutLayer,
                     fullyConnectedLayer, gruLayer, lstmLayer, regressionLayer,
                     sequenceInputLayer, softmaxLayer, ReLULayer, SigmoidLayer, TanhLayer,
                     reluLayer, sigmoidLayer, tanhLayer, LeakyReLULayer, ClippedReLULayer,
                     ELULayer, GELULayer, SwishLayer, leakyReluLayer, clippedReluLayer, eluLayer,
                     geluLayer, swishLayer, BatchNormalizationLayer, LayerNormalizationLayer,
                     batchNormalizationLayer, layerNormalizationLayer, SelfAttentionLayer,
                     PositionEmbeddingLayer, WordEmbeddingLayer, selfAttentionLayer,
                     positionEmbeddingLayer, wordEmbeddingLayer, FlattenLayer, flattenLayer,
                     AveragePooling1DLayer, Convolution1DLayer, GlobalAveragePooling1DLayer,
                     GlobalMaxPooling1DLayer, MaxPooling1DLayer, averagePooling1dLayer,
                     convolution1dLayer, globalAveragePooling1dLayer, globalMaxPooling1dLayer,
                     maxPooling1dLayer, AdditionLayer, ConcatenationLayer, MultiplicationLayer,
                     additionLayer, concatenationLayer, multiplicationLayer, FeatureInputLayer,
                     featureInputLayer, AveragePooling2DLayer, Convolution2DLayer,
                     GlobalAveragePooling2DLayer, GlobalMaxPooling2DLayer, MaxPooling2DLayer,
                     averagePooling2dLayer, convolution2dLayer, globalAveragePooling2dLayer,
                     globalMaxPooling2dLayer, maxPooling2dLayer, SequenceFoldingLayer,
                     SequenceUnfoldingLayer, sequenceFoldingLayer, sequenceUnfoldingLayer,
                     GRUProjectedLayer, LSTMProjectedLayer, gruProjectedLayer,
                     lstmProjectedLayer)

# networks: dlnetwork, SeriesNetwork and DAGNetwork, layer graphs, the analyzer, graph plots
from .networks.network import (DAGNetwork, SeriesNetwork, dlnetwork, forward, initialize,
                               resetState)
from .networks.graph import (LayerGraph, addLayers, connectLayers, disconnectLayers, layerGraph,
                             removeLayers, replaceLayer)
from .networks.analyze import analyzeNetwork
from .networks.graphplot import plot

# io: MATLAB's save/load (.mat files MATLAB reads), ONNX export and import
from .io.persist import load, save
from .io.onnx_export import exportONNXNetwork
from .io.onnx_import import importNetworkFromONNX, importONNXNetwork

# training: options, training and its info, prediction, confusion matrices, progress display
from .training.options import (TrainingOptions, TrainingOptionsADAM, TrainingOptionsRMSProp,
                               TrainingOptionsSGDM, trainingOptions)
from .training.train import trainNetwork, trainnet
from .training.info import TrainingInfo
from .training.prediction import (classify, classifyAndUpdateState, minibatchpredict, predict,
                                  predictAndUpdateState, scores2label)
from .training.activations import activations
from .training.metrics import confusionchart, confusionmat
from .training.progress import TrainingProgress

# data: the shipped data sets, datastores and minibatchqueue
from .data.loaders import (airlinePassengersData, japaneseVowelsTestData, japaneseVowelsTrainData,
                           sunspotsData)
from .data.datastore import (ArrayDatastore, CombinedDatastore, TransformedDatastore,
                             arrayDatastore, combine, hasdata, next, numpartitions, partition, read,
                             readall, reset, shuffle, transform)
from .data.minibatchqueue import minibatchqueue

__version__ = "0.1.0"

__all__ = [
    # core
    "DLArray", "dims", "dlarray", "extractdata", "finddim", "isdlarray", "numel", "size",
    "stripdims", "underlyingType", "dlfeval", "dlgradient", "abs", "ceil", "cos", "exp",
    "floor", "log", "mod", "relu", "round", "sigmoid", "sign", "sin", "sqrt", "tanh", "matmul",
    "pagemtimes", "transpose", "cumsum", "max", "mean", "min", "norm", "prod", "std", "sum", "var",
    "cast", "cat", "double", "permute", "reshape", "single", "squeeze", "gather", "gpuArray",
    "canUseGPU", "randperm", "rng", "categorical", "categories", "countcats", "countlabels",
    "iscategorical", "ismember", "isundefined", "unique", "spmdBarrier", "spmdBroadcast",
    "spmdCat", "spmdIndex", "spmdPlus", "spmdSize",
    # functions
    "lstm", "gru", "fullyconnect", "clippedrelu", "elu", "erf", "gelu", "leakyrelu", "softmax",
    "softsign", "swish", "attention", "batchnorm", "groupnorm", "instancenorm", "layernorm",
    "flatten", "dlconv", "avgpool", "maxpool",
    "crossentropy", "huber", "indexcrossentropy", "l1loss", "l2loss", "mse", "embed",
    "onehotdecode", "onehotencode", "padsequences", "initializeGaussian", "initializeGlorot", "initializeHe",
    "initializeNarrowNormal", "initializeOnes", "initializeOrthogonal", "initializeUnitForgetGate",
    "initializeZeros", "adamupdate", "clipgradients", "dlupdate", "rmspropupdate", "sgdmupdate",
    # layers
    "BiLSTMLayer", "ClassificationOutputLayer", "DropoutLayer", "FullyConnectedLayer",
    "GRULayer", "Layer", "LSTMLayer", "RegressionOutputLayer", "SequenceInputLayer",
    "SoftmaxLayer", "bilstmLayer", "classificationLayer", "disp", "dropoutLayer",
    "fullyConnectedLayer", "gruLayer", "lstmLayer", "regressionLayer", "sequenceInputLayer",
    "softmaxLayer", "ReLULayer", "SigmoidLayer", "TanhLayer", "reluLayer", "sigmoidLayer",
    "tanhLayer", "LeakyReLULayer", "ClippedReLULayer", "ELULayer", "GELULayer", "SwishLayer",
    "leakyReluLayer", "clippedReluLayer", "eluLayer", "geluLayer", "swishLayer",
    "BatchNormalizationLayer", "LayerNormalizationLayer", "batchNormalizationLayer",
    "layerNormalizationLayer", "SelfAttentionLayer", "PositionEmbeddingLayer",
    "WordEmbeddingLayer", "selfAttentionLayer", "positionEmbeddingLayer", "wordEmbeddingLayer",
    "FlattenLayer", "flattenLayer", "AveragePooling1DLayer", "Convolution1DLayer",
    "GlobalAveragePooling1DLayer", "GlobalMaxPooling1DLayer", "MaxPooling1DLayer",
    "averagePooling1dLayer", "convolution1dLayer", "globalAveragePooling1dLayer",
    "globalMaxPooling1dLayer", "maxPooling1dLayer", "AdditionLayer", "ConcatenationLayer",
    "MultiplicationLayer", "additionLayer", "concatenationLayer", "multiplicationLayer",
    "FeatureInputLayer", "featureInputLayer", "AveragePooling2DLayer", "Convolution2DLayer",
    "GlobalAveragePooling2DLayer", "GlobalMaxPooling2DLayer", "MaxPooling2DLayer",
    "averagePooling2dLayer", "convolution2dLayer", "globalAveragePooling2dLayer",
    "globalMaxPooling2dLayer", "maxPooling2dLayer", "SequenceFoldingLayer",
    "SequenceUnfoldingLayer", "sequenceFoldingLayer", "sequenceUnfoldingLayer",
    "GRUProjectedLayer", "LSTMProjectedLayer", "gruProjectedLayer", "lstmProjectedLayer",
    # networks
    "DAGNetwork", "SeriesNetwork", "dlnetwork", "forward", "initialize", "resetState",
    "LayerGraph", "addLayers", "connectLayers", "disconnectLayers", "layerGraph",
    "removeLayers", "replaceLayer", "analyzeNetwork", "plot",
    # io
    "load", "save", "exportONNXNetwork", "importNetworkFromONNX", "importONNXNetwork",
    # training
    "TrainingOptions", "TrainingOptionsADAM", "TrainingOptionsRMSProp", "TrainingOptionsSGDM",
    "trainingOptions", "trainNetwork", "trainnet", "TrainingInfo", "classify",
    "classifyAndUpdateState", "minibatchpredict", "predict", "predictAndUpdateState",
    "scores2label", "activations",
    "confusionchart", "confusionmat", "TrainingProgress",
    # data
    "airlinePassengersData", "japaneseVowelsTestData", "japaneseVowelsTrainData", "sunspotsData",
    "ArrayDatastore", "CombinedDatastore", "TransformedDatastore", "arrayDatastore", "combine",
    "hasdata", "next", "numpartitions", "partition", "read", "readall", "reset", "shuffle",
    "transform", "minibatchqueue",
]
