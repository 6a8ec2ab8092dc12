"""Japanese Vowels with a custom training loop: a model function over a dict of
dlarray parameters, dlfeval/dlgradient and adamupdate, as MATLAB users write
"Train Network Using Model Function".

    python examples/japanese_vowels_custom_loop.py [--epochs N]
"""
import sys

import numpy as np

import dlarr as dl


def pad_batch(seqs):
    """Right-pad C x T sequences to the longest: a 12 x B x T array."""
    T = max(s.shape[1] for s in seqs)
    out = np.zeros((seqs[0].shape[0], len(seqs), T), np.float32)
    for b, s in enumerate(seqs):
        out[:, b, :s.shape[1]] = s
    return out


def model(parameters, X):
    """lstm (100 hidden units, last time step) -> fullyconnect (9) -> softmax."""
    H = parameters["lstm"]["RecurrentWeights"].shape[1]
    H0 = np.zeros((H, 1), np.float32)
    Y, _, _ = dl.lstm(X, H0, H0, parameters["lstm"]["InputWeights"],
                      parameters["lstm"]["RecurrentWeights"], parameters["lstm"]["Bias"])
    Y = Y[:, :, -1]                                          # OutputMode "last"
    Y = dl.fullyconnect(Y, parameters["fc"]["Weights"], parameters["fc"]["Bias"])
    return dl.softmax(Y)


def model_loss(parameters, X, T):
    Y = model(parameters, X)
    loss = dl.crossentropy(Y, T)
    gradients = dl.dlgradient(loss, parameters)
    return loss, gradients


def initialize(numFeatures=12, numHiddenUnits=100, numClasses=9):
    H = numHiddenUnits
    return {
        "lstm": {
            "InputWeights": dl.initializeGlorot((4 * H, numFeatures), 4 * H, numFeatures),
            "RecurrentWeights": dl.initializeOrthogonal((4 * H, H)),
            "Bias": dl.initializeUnitForgetGate(H),
        },
        "fc": {
            "Weights": dl.initializeGlorot((numClasses, H), numClasses, H),
            "Bias": dl.initializeZeros((numClasses, 1)),
        },
    }


def train(numEpochs=100, miniBatchSize=27, learnRate=0.001, verbose=True):
    XTrain, TTrain = dl.japaneseVowelsTrainData()        # TTrain: a 270x1 categorical
    classes = dl.categories(TTrain)                          # classes = categories(TTrain);
    parameters = initialize(numClasses=len(classes))
    averageGrad = averageSqGrad = None
    N = len(XTrain)
    order = dl.randperm(N)                                   # Shuffle "once"
    iteration = 0
    for epoch in range(1, numEpochs + 1):
        for k in range(N // miniBatchSize):
            idx = order[k * miniBatchSize:(k + 1) * miniBatchSize]
            X = dl.dlarray(pad_batch([XTrain[i] for i in idx]), "CBT")
            T = dl.dlarray(dl.onehotencode(TTrain[idx][None, :], 0, ClassNames=classes), "CB")
            loss, gradients = dl.dlfeval(model_loss, parameters, X, T)
            gradients = dl.clipgradients(gradients, 1, "l2norm")     # GradientThreshold 1
            iteration += 1
            parameters, averageGrad, averageSqGrad = dl.adamupdate(
                parameters, gradients, averageGrad, averageSqGrad, iteration, learnRate)
        if verbose and (epoch == 1 or epoch % 10 == 0):
            print(f"epoch {epoch:3d}  iteration {iteration:5d}  loss {float(loss):.4f}")
    return parameters, classes


def accuracy(parameters, classes, miniBatchSize=27):
    XTest, TTest = dl.japaneseVowelsTestData()
    pred = []
    for s in range(0, len(XTest), miniBatchSize):
        X = dl.dlarray(pad_batch(XTest[s:s + miniBatchSize]), "CBT")
        pred.append(dl.onehotdecode(model(parameters, X), classes, 0)[0])
    return np.mean(np.concatenate(pred) == TTest)            # names against the categorical


if __name__ == "__main__":
    epochs = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 100
    dl.rng("default")
    parameters, classes = train(epochs)
    print(f"test accuracy = {accuracy(parameters, classes):.4f}")
