"""Sequence classification using 1-D convolutions, on Japanese Vowels.

MATLAB's example "Sequence Classification Using 1-D Convolutions", ported line by line:
https://www.mathworks.com/help/deeplearning/ug/sequence-classification-using-1-d-convolutions.html
Two blocks of a causal 1-D convolution, a ReLU and layer normalization (the second with
twice the filters), global average pooling over time, then a fully connected layer and
softmax, trained with Adam on left-padded mini-batches.

With ``--lstm`` (not in MATLAB's example; issue 13's "1-D convolution + LSTM sequence
classifier") an lstmLayer with OutputMode "last" reads the convolutions' output
instead of the global average pooling layer.

    python examples/sequence_classification_1d_conv.py              # MATLAB's network
    python examples/sequence_classification_1d_conv.py --lstm       # convolutions + LSTM
    python examples/sequence_classification_1d_conv.py --epochs 3   # a short run
    # --plot: the training-progress figure
"""
import argparse
import time

import numpy as np

import dlarr as dl

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--lstm", action="store_true", help="an lstmLayer after the convolutions")
parser.add_argument("--epochs", type=int, default=15, help="MaxEpochs (MATLAB's: 15)")
parser.add_argument("--plot", action="store_true", help="the training-progress plot")
args = parser.parse_args()

# [XTrain,TTrain] = japaneseVowelsTrainData;
# [XValidation,TValidation] = japaneseVowelsTestData;
XTrain, TTrain = dl.japaneseVowelsTrainData()
XValidation, TValidation = dl.japaneseVowelsTestData()

# numFeatures = size(XTrain{1},1);
# classes = categories(TTrain);
# numClasses = numel(classes);
numFeatures = XTrain[0].shape[0]
classes = dl.categories(TTrain)
numClasses = len(classes)

# filterSize = 3;
# numFilters = 32;
filterSize = 3
numFilters = 32

# layers = [ ...
#     sequenceInputLayer(numFeatures)
#     convolution1dLayer(filterSize,numFilters,Padding="causal")
#     reluLayer
#     layerNormalizationLayer
#     convolution1dLayer(filterSize,2*numFilters,Padding="causal")
#     reluLayer
#     layerNormalizationLayer
#     globalAveragePooling1dLayer
#     fullyConnectedLayer(numClasses)
#     softmaxLayer
#     classificationLayer];
layers = [
    dl.sequenceInputLayer(numFeatures),
    dl.convolution1dLayer(filterSize, numFilters, Padding="causal"),
    dl.reluLayer(),
    dl.layerNormalizationLayer(),
    dl.convolution1dLayer(filterSize, 2 * numFilters, Padding="causal"),
    dl.reluLayer(),
    dl.layerNormalizationLayer(),
    dl.globalAveragePooling1dLayer(),
    dl.fullyConnectedLayer(numClasses),
    dl.softmaxLayer(),
    dl.classificationLayer(),
]
if args.lstm:
    # numHiddenUnits = 100; ... lstmLayer(numHiddenUnits,OutputMode="last") in place of
    # globalAveragePooling1dLayer (the lstmLayer reference example's size)
    numHiddenUnits = 100
    layers[7] = dl.lstmLayer(numHiddenUnits, OutputMode="last")
dl.disp(layers)

# miniBatchSize = 27;
# options = trainingOptions("adam", ...
#     MiniBatchSize=miniBatchSize, ...
#     MaxEpochs=15, ...
#     SequencePaddingDirection="left", ...
#     ValidationData={XValidation,TValidation}, ...
#     Plots="training-progress", ...
#     Verbose=0);
miniBatchSize = 27
options = dl.trainingOptions(
    "adam",
    MiniBatchSize=miniBatchSize,
    MaxEpochs=args.epochs,
    SequencePaddingDirection="left",
    ValidationData=(XValidation, TValidation),
    Plots="training-progress" if args.plot else "none",
    Verbose=0,
)

# net = trainNetwork(XTrain,TTrain,layers,options);
start = time.perf_counter()
net = dl.trainNetwork(XTrain, TTrain, layers, options)
seconds = time.perf_counter() - start

# YPred = classify(net,XValidation, ...
#     MiniBatchSize=miniBatchSize, ...
#     SequencePaddingDirection="left");
YPred = dl.classify(net, XValidation, MiniBatchSize=miniBatchSize,
                    SequencePaddingDirection="left")

# acc = mean(YPred == TValidation)
acc = np.mean(YPred == TValidation)
print(f"network: {'1-D convolutions + LSTM' if args.lstm else '1-D convolutions'}, "
      f"{args.epochs} epochs, training {seconds:.1f} s")
print(f"test accuracy = {acc:.4f}")
