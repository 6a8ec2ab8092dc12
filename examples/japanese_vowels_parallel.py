"""Japanese Vowels across processes: the LSTM classifier of japanese_vowels.py trained with
ExecutionEnvironment "parallel" on MPI workers.

    mpiexec -n 2 python examples/japanese_vowels_parallel.py     # --epochs N (default 100)
    python examples/japanese_vowels_parallel.py                  # one worker (a warning says
                                                                 # how to start more)

Every worker runs this whole program.  Each mini-batch of 27 sequences is split across the
workers (14 + 13 with two), each computes the gradient of its part, the gradients are
combined, and every worker takes the same step, so the network is the one a single process
trains (up to the order of the floating-point sums).  Worker 0 prints the progress table
and the accuracy; the trained network is returned on every worker.  Give each worker one
BLAS thread (OPENBLAS_NUM_THREADS=1) when there are as many workers as cores.
"""
import sys

import numpy as np

import dlarr as dl

epochs = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 100

dl.rng(0)                   # the same start on every worker (worker 0's learnables are used)
XTrain, YTrain = dl.japaneseVowelsTrainData()
layers = [
    dl.sequenceInputLayer(12),
    dl.lstmLayer(100, OutputMode="last"),
    dl.fullyConnectedLayer(9),
    dl.softmaxLayer(),
    dl.classificationLayer(),
]
options = dl.trainingOptions(
    "adam",
    ExecutionEnvironment="parallel",    # MATLAB: a parallel pool; dlarr: the MPI processes
    MaxEpochs=epochs,
    MiniBatchSize=27,
    GradientThreshold=1,
    Verbose=True,                       # printed by worker 0 only
    VerboseFrequency=10,
)
if dl.spmdIndex() == 0:
    print(f"training on {dl.spmdSize()} worker(s)")
net = dl.trainNetwork(XTrain, YTrain, layers, options)

# Prediction shares the mini-batches among the workers and gathers them in order.
XTest, YTest = dl.japaneseVowelsTestData()
YPred = dl.classify(net, XTest, MiniBatchSize=27, ExecutionEnvironment="parallel")
acc = np.sum(YPred == YTest) / dl.numel(YTest)
if dl.spmdIndex() == 0:
    print(f"acc = {acc:.4f}")
