"""Classify videos: MATLAB's "Classify Videos Using Deep Learning", ported.

MATLAB's example (https://www.mathworks.com/help/deeplearning/ug/classify-videos-using-deep-learning.html)
classifies HMDB51 videos with a network that runs a convolutional network on every frame
and an LSTM over the frames' features: sequenceInputLayer([h w c]) -> sequenceFoldingLayer
(the frames of the mini-batch's videos become one batch of images) -> the convolutional
layers -> sequenceUnfoldingLayer (back to sequences, told the mini-batch size by
``connectLayers(lgraph, "fold/miniBatchSize", "unfold/miniBatchSize")``) -> flattenLayer ->
the LSTM layers -> fullyConnectedLayer -> softmaxLayer -> classificationLayer.

Differences from MATLAB's example, on purpose and small:
* MATLAB uses a pretrained GoogLeNet for the frames (its activations as features, then the
  LSTM trained on them, then both assembled); dlarr has no pretrained networks, so a small
  convolution / ReLU / max pooling stack takes its place and the assembled network is
  trained end to end with trainNetwork.
* MATLAB's videos are HMDB51's (download of 2 GB); here small synthetic videos of the
  same layout are generated with a seed: h x w x c x T arrays (16 x 16 x 1 frames, 8 to 12
  frames), three classes whose motion differs (a bright square crossing the frame
  rightwards, leftwards or downwards, from a random place).
* MATLAB's LSTM part is bilstmLayer(2000) with a dropoutLayer; here lstmLayer(32) and a
  dropoutLayer, sized for the small data.

    python examples/classify_videos.py              # --quick: a short run (the tests'),
                                                    # --epochs N
"""
import sys

import numpy as np

import dlarr as dl

CLASSES = ["down", "left", "right"]


def synthetic_videos(numObservations, seed=0, frameSize=16):
    """Videos of a 4 x 4 bright square on a noisy background crossing the frame, one pixel
    a frame, rightwards, leftwards or downwards (from a random place on the other axis);
    returns a list of h x w x 1 x T float32 arrays (MATLAB's cell array of videos) and
    their labels (a categorical)."""
    rng = np.random.default_rng(seed)
    videos, labels = [], []
    for n in range(numObservations):
        label = CLASSES[n % len(CLASSES)]
        numFrames = int(rng.integers(8, 13))
        video = 0.1 * rng.standard_normal((frameSize, frameSize, 1, numFrames))
        travel = frameSize - 4 - (numFrames - 1)           # the square stays in the frame
        start = int(rng.integers(0, travel + 1))
        across = int(rng.integers(0, frameSize - 3))
        for t in range(numFrames):
            along = start + t if label != "left" else frameSize - 4 - start - t
            r, c = (along, across) if label == "down" else (across, along)
            video[r:r + 4, c:c + 4, 0, t] += 1
        videos.append(video.astype(np.float32))
        labels.append(label)
    return videos, dl.categorical(labels, CLASSES)


def main(maxEpochs=15, numObservations=96, numTest=60, miniBatchSize=16, learnRate=1e-2,
         verbose=True):
    dl.rng(0)
    # Load Data: [sequences, labels] from the videos (here synthetic, h x w x c x T each)
    sequences, labels = synthetic_videos(numObservations)

    # Prepare Training Data: 90% training, 10% validation
    # numObservations = numel(sequences);
    # idx = randperm(numObservations);
    # N = floor(0.9 * numObservations);
    idx = np.random.default_rng(1).permutation(numObservations)
    N = int(np.floor(0.9 * numObservations))
    # idxTrain = idx(1:N); sequencesTrain = sequences(idxTrain); labelsTrain = labels(idxTrain);
    idxTrain, idxValidation = idx[:N], idx[N:]
    sequencesTrain = [sequences[i] for i in idxTrain]
    labelsTrain = labels[idxTrain]
    sequencesValidation = [sequences[i] for i in idxValidation]
    labelsValidation = labels[idxValidation]

    # Assemble Video Classification Network
    # inputSize = [h w c];
    inputSize = list(sequences[0].shape[:3])
    numClasses = len(dl.categories(labelsTrain))

    # layers = [
    #     sequenceInputLayer(inputSize,'Name','input')
    #     dl.sequenceFoldingLayer('Name','fold')];
    # lgraph = layerGraph(layers);
    layers = [
        dl.sequenceInputLayer(inputSize, Name="input"),
        dl.sequenceFoldingLayer(Name="fold"),
    ]
    lgraph = dl.layerGraph(layers)

    # the convolutional layers in place of GoogLeNet (cnnLayers = layerGraph(netCNN) ...)
    # lgraph = addLayers(lgraph,cnnLayers);
    # lgraph = connectLayers(lgraph,"fold/out","conv1");
    cnnLayers = [
        dl.convolution2dLayer(3, 8, Padding="same", Name="conv1"),
        dl.reluLayer(Name="relu1"),
        dl.maxPooling2dLayer(2, Stride=2, Name="pool1"),
        dl.convolution2dLayer(3, 8, Padding="same", Name="conv2"),
        dl.reluLayer(Name="relu2"),
        dl.maxPooling2dLayer(2, Stride=2, Name="pool2"),
    ]
    lgraph = dl.addLayers(lgraph, cnnLayers)
    lgraph = dl.connectLayers(lgraph, "fold/out", "conv1")

    # layers = [
    #     dl.sequenceUnfoldingLayer('Name','unfold')
    #     flattenLayer('Name','flatten')
    #     lstmLayers];          % bilstm, dropout, fc, softmax, classification
    numHiddenUnits = 32
    layers = [
        dl.sequenceUnfoldingLayer(Name="unfold"),
        dl.flattenLayer(Name="flatten"),
        dl.lstmLayer(numHiddenUnits, OutputMode="last", Name="lstm"),
        dl.dropoutLayer(0.5, Name="drop"),
        dl.fullyConnectedLayer(numClasses, Name="fc"),
        dl.softmaxLayer(Name="softmax"),
        dl.classificationLayer(Name="classification"),
    ]
    lgraph = dl.addLayers(lgraph, layers)
    # lgraph = connectLayers(lgraph,"pool5-7x7_s1","unfold/in");
    # lgraph = connectLayers(lgraph,"fold/miniBatchSize","unfold/miniBatchSize");
    lgraph = dl.connectLayers(lgraph, "pool2", "unfold/in")
    lgraph = dl.connectLayers(lgraph, "fold/miniBatchSize", "unfold/miniBatchSize")
    if verbose:
        dl.analyzeNetwork(lgraph)

    # Specify Training Options
    # miniBatchSize = 16;   (the argument miniBatchSize, 16 by default)
    # numIterationsPerEpoch = floor(numObservations / miniBatchSize);
    # options = trainingOptions('adam', 'MiniBatchSize',miniBatchSize, ...
    #     'InitialLearnRate',1e-4, 'GradientThreshold',2, 'Shuffle','every-epoch', ...
    #     'ValidationData',{sequencesValidation,labelsValidation}, ...
    #     'ValidationFrequency',numIterationsPerEpoch, ...
    #     'Plots','training-progress', 'Verbose',false);
    numIterationsPerEpoch = len(sequencesTrain) // miniBatchSize
    options = dl.trainingOptions("adam", MiniBatchSize=miniBatchSize, MaxEpochs=maxEpochs,
                                 InitialLearnRate=learnRate,   # MATLAB's 1e-4 fine-tunes; 1e-2 trains
                                 GradientThreshold=2, Shuffle="every-epoch",
                                 ValidationData=(sequencesValidation, labelsValidation),
                                 ValidationFrequency=numIterationsPerEpoch,
                                 Verbose=verbose, VerboseFrequency=numIterationsPerEpoch)

    # [net,info] = trainNetwork(sequencesTrain,labelsTrain,lgraph,options);
    net, info = dl.trainNetwork(sequencesTrain, labelsTrain, lgraph, options, nargout=2)

    # Classify Using New Data
    # YPred = classify(net,sequencesValidation,'MiniBatchSize',miniBatchSize);
    # accuracy = mean(YPred == labelsValidation)
    YPred = dl.classify(net, sequencesValidation, MiniBatchSize=miniBatchSize)
    accuracy = float(np.mean(YPred == labelsValidation))
    print(f"validation accuracy = {accuracy:.3f} ({len(labelsValidation)} videos, "
          f"{numClasses} classes)")
    # new videos: YPred = classify(net,videos)
    videosTest, labelsTest = synthetic_videos(numTest, seed=2)
    testAccuracy = float(np.mean(dl.classify(net, videosTest) == labelsTest))
    print(f"test accuracy = {testAccuracy:.3f} ({numTest} new videos; chance "
          f"{1 / numClasses:.3f})")
    return net, info, testAccuracy


if __name__ == "__main__":
    args = sys.argv[1:]
    quick = "--quick" in args
    epochs = int(args[args.index("--epochs") + 1]) if "--epochs" in args else \
        (6 if quick else 15)
    main(maxEpochs=epochs, numObservations=60 if quick else 96, verbose=not quick)
