"""MATLAB's layer objects, one module per family.

``base`` (the Layer class, validators, display), ``input`` (sequenceInputLayer, also of
image sequences, and featureInputLayer), ``conv2d`` (convolution2dLayer and the 2-D pooling
layers), ``folding`` (sequenceFoldingLayer, sequenceUnfoldingLayer), ``projected``
(lstmProjectedLayer, gruProjectedLayer),
``normalization`` (batchNormalizationLayer, layerNormalizationLayer), ``attention``
(selfAttentionLayer, positionEmbeddingLayer, wordEmbeddingLayer), ``flatten``,
``conv`` (convolution1dLayer and the 1-D pooling layers), ``combine`` (additionLayer,
concatenationLayer, multiplicationLayer: the layers with several inputs of a graph),
``recurrent`` (lstmLayer, gruLayer, bilstmLayer), ``dense``
(fullyConnectedLayer), ``activation`` (softmaxLayer, reluLayer, tanhLayer, sigmoidLayer), ``dropout``
(dropoutLayer), ``output`` (classificationLayer, regressionLayer).

Imports from ``dlarr.core`` and ``dlarr.functions``.
"""
from .base import Layer, _show, disp, layer_table
from .input import (_InputLayer, FeatureInputLayer, SequenceInputLayer, featureInputLayer,
                    sequenceInputLayer)
from .recurrent import BiLSTMLayer, GRULayer, LSTMLayer, bilstmLayer, gruLayer, lstmLayer
from .dense import FullyConnectedLayer, fullyConnectedLayer
from .activation import (ClippedReLULayer, ELULayer, GELULayer, LeakyReLULayer, ReLULayer,
                         SigmoidLayer, SoftmaxLayer, SwishLayer, TanhLayer, clippedReluLayer,
                         eluLayer, geluLayer, leakyReluLayer, reluLayer, sigmoidLayer,
                         softmaxLayer, swishLayer, tanhLayer)
from .normalization import (BatchNormalizationLayer, LayerNormalizationLayer,
                            batchNormalizationLayer, layerNormalizationLayer)
from .attention import (PositionEmbeddingLayer, SelfAttentionLayer, WordEmbeddingLayer,
                        positionEmbeddingLayer, selfAttentionLayer, wordEmbeddingLayer)
from .flatten import FlattenLayer, flattenLayer
from .conv import (AveragePooling1DLayer, Convolution1DLayer, GlobalAveragePooling1DLayer,
                   GlobalMaxPooling1DLayer, MaxPooling1DLayer, averagePooling1dLayer,
                   convolution1dLayer, globalAveragePooling1dLayer, globalMaxPooling1dLayer,
                   maxPooling1dLayer)
from .conv2d import (AveragePooling2DLayer, Convolution2DLayer, GlobalAveragePooling2DLayer,
                     GlobalMaxPooling2DLayer, MaxPooling2DLayer, averagePooling2dLayer,
                     convolution2dLayer, globalAveragePooling2dLayer, globalMaxPooling2dLayer,
                     maxPooling2dLayer)
from .folding import (SequenceFoldingLayer, SequenceUnfoldingLayer, sequenceFoldingLayer,
                      sequenceUnfoldingLayer)
from .projected import (GRUProjectedLayer, LSTMProjectedLayer, gruProjectedLayer,
                        lstmProjectedLayer)
from .combine import (AdditionLayer, ConcatenationLayer, MultiplicationLayer, additionLayer,
                      concatenationLayer, multiplicationLayer)
from .dropout import DropoutLayer, dropoutLayer
from .output import (_OUTPUT_LAYERS, ClassificationOutputLayer, RegressionOutputLayer,
                     classificationLayer, regressionLayer)

__all__ = [
    "Layer", "disp", "layer_table",
    "SequenceInputLayer", "sequenceInputLayer", "FeatureInputLayer", "featureInputLayer",
    "BiLSTMLayer", "GRULayer", "LSTMLayer", "bilstmLayer", "gruLayer", "lstmLayer",
    "FullyConnectedLayer", "fullyConnectedLayer",
    "SoftmaxLayer", "softmaxLayer", "ReLULayer", "SigmoidLayer", "TanhLayer", "reluLayer",
    "sigmoidLayer", "tanhLayer", "ClippedReLULayer", "ELULayer", "GELULayer", "LeakyReLULayer",
    "SwishLayer", "clippedReluLayer", "eluLayer", "geluLayer", "leakyReluLayer", "swishLayer",
    "BatchNormalizationLayer", "LayerNormalizationLayer", "batchNormalizationLayer",
    "layerNormalizationLayer", "PositionEmbeddingLayer", "SelfAttentionLayer",
    "WordEmbeddingLayer", "positionEmbeddingLayer", "selfAttentionLayer", "wordEmbeddingLayer",
    "FlattenLayer", "flattenLayer",
    "AveragePooling1DLayer", "Convolution1DLayer", "GlobalAveragePooling1DLayer",
    "GlobalMaxPooling1DLayer", "MaxPooling1DLayer", "averagePooling1dLayer", "convolution1dLayer",
    "globalAveragePooling1dLayer", "globalMaxPooling1dLayer", "maxPooling1dLayer",
    "AveragePooling2DLayer", "Convolution2DLayer", "GlobalAveragePooling2DLayer",
    "GlobalMaxPooling2DLayer", "MaxPooling2DLayer", "averagePooling2dLayer", "convolution2dLayer",
    "globalAveragePooling2dLayer", "globalMaxPooling2dLayer", "maxPooling2dLayer",
    "SequenceFoldingLayer", "SequenceUnfoldingLayer", "sequenceFoldingLayer",
    "sequenceUnfoldingLayer", "GRUProjectedLayer", "LSTMProjectedLayer", "gruProjectedLayer",
    "lstmProjectedLayer",
    "AdditionLayer", "ConcatenationLayer", "MultiplicationLayer", "additionLayer",
    "concatenationLayer", "multiplicationLayer",
    "DropoutLayer", "dropoutLayer",
    "ClassificationOutputLayer", "RegressionOutputLayer", "classificationLayer", "regressionLayer",
]
