"""Japanese Vowels with datastores and a minibatchqueue: MATLAB's "Train Network Using
Custom Training Loop" pattern on sequences (arrayDatastore + combine + minibatchqueue,
a MiniBatchFcn with padsequences and onehotencode, a dlnetwork trained with
dlfeval/dlgradient and adamupdate).

    python examples/japanese_vowels_minibatchqueue.py [--epochs N]

The MATLAB original, line for line::

    dsTrain = combine(arrayDatastore(XTrain,OutputType="same"),arrayDatastore(TTrain));
    mbq = minibatchqueue(dsTrain,MiniBatchSize=27,MiniBatchFcn=@preprocessMiniBatch, ...
        MiniBatchFormat=["CTB" "CB"]);
    for epoch = 1:numEpochs
        shuffle(mbq);
        while hasdata(mbq)
            [X,T] = next(mbq);
            [loss,gradients] = dlfeval(@modelLoss,net,X,T);
            [net,avg,avgSq] = adamupdate(net,gradients,avg,avgSq,iteration,learnRate);
"""
import sys

import numpy as np

import dlarr as dl


def preprocess_mini_batch(dataX, dataT):
    """The MiniBatchFcn: lists of sequences and labels -> (12 x T x B, 9 x B)."""
    X = dl.padsequences(dataX, 1)                 # MATLAB: padsequences(dataX,2)
    T = dl.onehotencode(dl.cat(1, *dataT), 0)      # MATLAB: onehotencode(cat(2,dataT{:}),1)
    return X, T


def preprocess_predictors(dataX):
    return dl.padsequences(dataX, 1)


def make_network(numFeatures=12, numHiddenUnits=100, numClasses=9):
    return dl.dlnetwork([dl.sequenceInputLayer(numFeatures),
                         dl.lstmLayer(numHiddenUnits, OutputMode="last"),
                         dl.fullyConnectedLayer(numClasses),
                         dl.softmaxLayer()])


def training_queue(XTrain, TTrain, miniBatchSize=27):
    dsTrain = dl.combine(dl.arrayDatastore(XTrain, OutputType="same"), dl.arrayDatastore(TTrain))
    # The dlnetwork's learnables live on the host: keep the mini-batches there too.
    return dl.minibatchqueue(dsTrain, MiniBatchSize=miniBatchSize,
                             MiniBatchFcn=preprocess_mini_batch,
                             MiniBatchFormat=["CTB", "CB"], OutputEnvironment="cpu")


def model_loss(net, X, T):
    Y, _ = dl.forward(net, X)
    loss = dl.crossentropy(Y, T)
    gradients = dl.dlgradient(loss, net.Learnables)
    return loss, gradients


def train_epoch(net, mbq, state, learnRate=0.001):
    """One epoch: shuffle the queue, then a step of Adam per mini-batch.  ``state`` is
    (averageGrad, averageSqGrad, iteration); returns (net, state, last loss)."""
    averageGrad, averageSqGrad, iteration = state
    dl.shuffle(mbq)
    loss = None
    while dl.hasdata(mbq):
        iteration += 1
        X, T = dl.next(mbq)
        loss, gradients = dl.dlfeval(model_loss, net, X, T)
        net, averageGrad, averageSqGrad = dl.adamupdate(net, gradients, averageGrad,
                                                        averageSqGrad, iteration, learnRate)
    return net, (averageGrad, averageSqGrad, iteration), loss


def train(numEpochs=30, miniBatchSize=27, learnRate=0.001, verbose=True):
    XTrain, TTrain = dl.japaneseVowelsTrainData()
    classNames = dl.categories(TTrain)
    net = make_network(numClasses=len(classNames))
    mbq = training_queue(XTrain, TTrain, miniBatchSize)
    state = (None, None, 0)
    for epoch in range(1, numEpochs + 1):
        net, state, loss = train_epoch(net, mbq, state, learnRate)
        if verbose and (epoch == 1 or epoch % 10 == 0):
            print(f"epoch {epoch:3d}  iteration {state[2]:5d}  loss {float(loss):.4f}")
    return net, classNames


def accuracy(net, classNames, miniBatchSize=27):
    XTest, TTest = dl.japaneseVowelsTestData()
    mbqTest = dl.minibatchqueue(dl.arrayDatastore(XTest, OutputType="same"), 1,
                                MiniBatchSize=miniBatchSize, MiniBatchFcn=preprocess_predictors,
                                MiniBatchFormat="CTB", OutputEnvironment="cpu")
    YTest = []
    for X in mbqTest:                                # while hasdata(mbqTest), next(mbqTest)
        scores = dl.predict(net, X)
        YTest.append(dl.onehotdecode(scores, classNames, 0).ravel())
    return float(np.mean(np.concatenate(YTest) == np.asarray(TTest)))


if __name__ == "__main__":
    epochs = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 30
    dl.rng("default")
    net, classNames = train(epochs)
    print(f"test accuracy = {accuracy(net, classNames):.4f}")
