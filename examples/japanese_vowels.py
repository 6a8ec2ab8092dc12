"""Japanese Vowels: sequence-to-label classification with an LSTM network.

MATLAB's lstmLayer reference example, ported line by line:
https://www.mathworks.com/help/deeplearning/ref/nnet.cnn.layer.lstmlayer.html
(MATLAB's documented test accuracy: 0.9541).

    python examples/japanese_vowels.py    # --plot: the training-progress figure, a confusion chart
"""
import sys

import numpy as np

import dlarr as dl

# [XTrain,YTrain] = japaneseVowelsTrainData;
XTrain, YTrain = dl.japaneseVowelsTrainData()      # YTrain: a 270x1 categorical, "1".."9"

# inputSize = 12; numHiddenUnits = 100; numClasses = 9;
inputSize = 12
numHiddenUnits = 100
numClasses = 9

# layers = [ ...
#     sequenceInputLayer(inputSize)
#     lstmLayer(numHiddenUnits,'OutputMode','last')
#     fullyConnectedLayer(numClasses)
#     softmaxLayer
#     classificationLayer]
layers = [
    dl.sequenceInputLayer(inputSize),
    dl.lstmLayer(numHiddenUnits, OutputMode="last"),
    dl.fullyConnectedLayer(numClasses),
    dl.softmaxLayer(),
    dl.classificationLayer(),
]
dl.disp(layers)

# maxEpochs = 100; miniBatchSize = 27;
# options = trainingOptions('adam', 'ExecutionEnvironment','cpu', 'MaxEpochs',maxEpochs, ...
#     'MiniBatchSize',miniBatchSize, 'GradientThreshold',1, 'Verbose',false, ...
#     'Plots','training-progress');
maxEpochs = 100
miniBatchSize = 27
options = dl.trainingOptions(
    "adam",
    ExecutionEnvironment="cpu",
    MaxEpochs=maxEpochs,
    MiniBatchSize=miniBatchSize,
    GradientThreshold=1,
    Verbose=True,     # MATLAB's example shows a plot instead; here the progress table
    Plots="training-progress" if "--plot" in sys.argv else "none",
)

# net = trainNetwork(XTrain,YTrain,layers,options);
net = dl.trainNetwork(XTrain, YTrain, layers, options)

# [XTest,YTest] = japaneseVowelsTestData;
XTest, YTest = dl.japaneseVowelsTestData()

# YPred = classify(net,XTest,'MiniBatchSize',miniBatchSize);
YPred = dl.classify(net, XTest, MiniBatchSize=miniBatchSize)

# acc = sum(YPred == YTest)./numel(YTest)
acc = np.sum(YPred == YTest) / dl.numel(YTest)
print(f"acc = {acc:.4f}")

# confusionchart(YTest,YPred)
if "--plot" in sys.argv:
    dl.confusionchart(YTest, YPred)
