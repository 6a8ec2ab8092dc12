"""Japanese Vowels with a skip connection around an LSTM block: a layer graph.

MATLAB's way of building a network with a skip (residual) connection, from the
"Create Simple Deep Learning Neural Network for Classification" and layerGraph /
connectLayers examples, on the data of the lstmLayer reference example
(https://www.mathworks.com/help/deeplearning/ref/nnet.cnn.layer.lstmlayer.html):
a fully connected layer lifts the 12 features to numHiddenUnits channels, an LSTM reads
them, and an addition layer adds the LSTM's output to its input, ``fc + lstm(fc)``, so
the block learns a correction of its input.  The graph gives a label per time step
(sequence-to-sequence, the training labels repeated along each sequence); a sequence's
class is the label of its last time step, after the LSTM has read all of it.

    python examples/lstm_skip_connection.py              # --epochs N, --plot: the graph
"""
import sys

import numpy as np

import dlarr as dl


def main(maxEpochs=30, numTrain=None, verbose=True, plot=False):
    # [XTrain,YTrain] = japaneseVowelsTrainData;
    XTrain, YTrain = dl.japaneseVowelsTrainData()
    if numTrain is not None:
        XTrain, YTrain = XTrain[:numTrain], YTrain[:numTrain]
    # the label of each sequence at each of its time steps (sequence-to-sequence)
    # YTrainSeq = cellfun(@(x,y) repmat(y,1,size(x,2)), XTrain, num2cell(YTrain), ...)
    categories = dl.categories(YTrain)
    YTrainSeq = [dl.categorical([str(y)] * x.shape[1], categories)
                 for x, y in zip(XTrain, YTrain)]

    # inputSize = 12; numHiddenUnits = 64; numClasses = 9;
    inputSize = 12
    numHiddenUnits = 64
    numClasses = 9

    # layers = [
    #     sequenceInputLayer(inputSize,Name="input")
    #     fullyConnectedLayer(numHiddenUnits,Name="fc_in")
    #     lstmLayer(numHiddenUnits,OutputMode="sequence",Name="lstm")
    #     dl.additionLayer(2,Name="add")
    #     fullyConnectedLayer(numClasses,Name="fc_out")
    #     softmaxLayer(Name="softmax")
    #     classificationLayer(Name="classoutput")];
    layers = [
        dl.sequenceInputLayer(inputSize, Name="input"),
        dl.fullyConnectedLayer(numHiddenUnits, Name="fc_in"),
        dl.lstmLayer(numHiddenUnits, OutputMode="sequence", Name="lstm"),
        dl.additionLayer(2, Name="add"),
        dl.fullyConnectedLayer(numClasses, Name="fc_out"),
        dl.softmaxLayer(Name="softmax"),
        dl.classificationLayer(Name="classoutput"),
    ]
    # lgraph = dl.layerGraph(layers);                       % lstm -> add/in1
    # lgraph = dl.connectLayers(lgraph,"fc_in","add/in2");  % the skip connection
    lgraph = dl.layerGraph(layers)
    lgraph = dl.connectLayers(lgraph, "fc_in", "add/in2")
    if verbose:
        dl.disp(lgraph)
        dl.analyzeNetwork(lgraph)
    if plot:
        dl.plot(lgraph)                                   # plot(lgraph)

    # options = trainingOptions("adam", ExecutionEnvironment="cpu", MaxEpochs=maxEpochs, ...
    #     MiniBatchSize=27, GradientThreshold=1, Verbose=false);
    options = dl.trainingOptions("adam", ExecutionEnvironment="cpu", MaxEpochs=maxEpochs,
                                 MiniBatchSize=27, GradientThreshold=1, Verbose=verbose,
                                 VerboseFrequency=10)

    # net = trainNetwork(XTrain,YTrainSeq,lgraph,options);   % a DAGNetwork
    net = dl.trainNetwork(XTrain, YTrainSeq, lgraph, options)

    # [XTest,YTest] = japaneseVowelsTestData;
    # YPred = classify(net,XTest,MiniBatchSize=27);
    # YPredLast = cellfun(@(y) y(end), YPred);
    XTest, YTest = dl.japaneseVowelsTestData()
    YPred = dl.classify(net, XTest, MiniBatchSize=27)
    YPredLast = np.array([str(y[-1]) for y in YPred])

    # acc = mean(YPredLast == YTest)
    acc = float(np.mean(YPredLast == np.array([str(y) for y in YTest])))
    return acc, net


if __name__ == "__main__":
    epochs = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 30
    dl.rng("default")
    acc, _ = main(maxEpochs=epochs, plot="--plot" in sys.argv)
    print(f"acc = {acc:.4f}")
