"""CPU benchmark: the epoch time of examples/sequence_classification_1d_conv.py (MATLAB's
"Sequence Classification Using 1-D Convolutions" on Japanese Vowels, and its
convolutions + LSTM variant) against PyTorch's same network, trained the same way.

    python benchmarks/bench_conv_lstm.py            # 6 epochs, 3 rounds, both networks
    python benchmarks/bench_conv_lstm.py --quick    # 3 epochs, 1 round

Both libraries get 2 threads (``--threads``; numpy's OpenBLAS through
OPENBLAS_NUM_THREADS, set before numpy is imported; torch through
torch.set_num_threads) and train, in float32, the same layers of the same sizes:
causal Conv1d(12, 32, 3) (a left pad of 2), ReLU, LayerNorm over the channels at each
time step, causal Conv1d(32, 64, 3), ReLU, LayerNorm, then the mean over time (MATLAB's
globalAveragePooling1dLayer) or, with the LSTM, LSTM(64, 100) read at the last time
step, then Linear(., 9) and softmax cross-entropy; Adam (learning rate 0.001, MATLAB's
default L2Regularization 1e-4 as torch's weight_decay, which adds it to the gradient
as MATLAB does), mini-batches of 27 of the 270 sequences (10 per epoch), shuffled once,
each padded on the left to its longest sequence with zeros at every iteration (as
dlarr's trainNetwork pads them; torch's loop calls the same padding in numpy).

dlarr runs ``dl.trainNetwork`` (the example's trainingOptions without validation data,
Verbose off) with an OutputFcn that records the time after every iteration; torch runs
its loop.  The epoch time is the median over the epochs after the first (the first
warms up caches and allocators) of every round; rounds alternate the libraries, with a
pause between them (OpenBLAS and OpenMP threads spin for a while after their last
job).  The ratio is dlarr / torch (below 1: dlarr is faster).  The test accuracy of
each library's last trained network is shown as a check that both learn alike (it
varies with the initialization).  torch is not a dependency of dlarr: install it for
this script only (``pip install torch``).  Run it on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

from machine import cpu_model

THREADS = 2
if "--threads" in sys.argv[1:-1]:                     # before numpy starts OpenBLAS
    THREADS = int(sys.argv[sys.argv.index("--threads") + 1])
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    if "--threads" in sys.argv:
        os.environ[_var] = str(THREADS)
    else:
        os.environ.setdefault(_var, str(THREADS))

import numpy as np  # noqa: E402

import dlarr as dl  # noqa: E402

FILTER_SIZE, NUM_FILTERS, NUM_HIDDEN, MINI_BATCH = 3, 32, 100, 27


def dlarr_layers(lstm, numFeatures=12, numClasses=9):
    """The example's layers (examples/sequence_classification_1d_conv.py)."""
    return [dl.sequenceInputLayer(numFeatures),
            dl.convolution1dLayer(FILTER_SIZE, NUM_FILTERS, Padding="causal"),
            dl.reluLayer(), dl.layerNormalizationLayer(),
            dl.convolution1dLayer(FILTER_SIZE, 2 * NUM_FILTERS, Padding="causal"),
            dl.reluLayer(), dl.layerNormalizationLayer(),
            dl.lstmLayer(NUM_HIDDEN, OutputMode="last") if lstm else
            dl.globalAveragePooling1dLayer(),
            dl.fullyConnectedLayer(numClasses), dl.softmaxLayer(), dl.classificationLayer()]


def dlarr_epochs(data, lstm, epochs):
    """Seconds of each epoch of dl.trainNetwork, and the test accuracy."""
    XTrain, YTrain, XTest, YTest = data
    stamps = {}

    def record(info):
        if info["State"] == "iteration":
            stamps[info["Epoch"]] = time.perf_counter()
        elif info["State"] == "start":
            stamps[0] = time.perf_counter()
        return False

    options = dl.trainingOptions("adam", MiniBatchSize=MINI_BATCH, MaxEpochs=epochs,
                                 SequencePaddingDirection="left", Verbose=False,
                                 OutputFcn=record)
    net = dl.trainNetwork(XTrain, YTrain, dlarr_layers(lstm), options)
    YPred = dl.classify(net, XTest, MiniBatchSize=MINI_BATCH, SequencePaddingDirection="left")
    return [stamps[e] - stamps[e - 1] for e in range(1, epochs + 1)], float(np.mean(YPred == YTest))


def left_padded(seqs):
    """B x C x T float32, each sequence padded on the left with zeros to the longest."""
    T = max(s.shape[1] for s in seqs)
    out = np.zeros((len(seqs), seqs[0].shape[0], T), np.float32)
    for j, s in enumerate(seqs):
        out[j, :, T - s.shape[1]:] = s
    return out


def torch_model(lstm, numFeatures=12, numClasses=9):
    import torch
    import torch.nn.functional as F
    from torch import nn

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv1d(numFeatures, NUM_FILTERS, FILTER_SIZE)
            self.ln1 = nn.LayerNorm(NUM_FILTERS)
            self.conv2 = nn.Conv1d(NUM_FILTERS, 2 * NUM_FILTERS, FILTER_SIZE)
            self.ln2 = nn.LayerNorm(2 * NUM_FILTERS)
            self.lstm = nn.LSTM(2 * NUM_FILTERS, NUM_HIDDEN, batch_first=True) if lstm else None
            self.fc = nn.Linear(NUM_HIDDEN if lstm else 2 * NUM_FILTERS, numClasses)

        def forward(self, x):                                   # B x C x T
            k = FILTER_SIZE - 1
            x = F.relu(self.conv1(F.pad(x, (k, 0))))
            x = self.ln1(x.transpose(1, 2)).transpose(1, 2)
            x = F.relu(self.conv2(F.pad(x, (k, 0))))
            x = self.ln2(x.transpose(1, 2))                     # B x T x C
            x = self.lstm(x)[0][:, -1] if lstm else x.mean(dim=1)
            return self.fc(x)
    return ConvNet(), torch


def torch_epochs(data, lstm, epochs, seed=0):
    """Seconds of each epoch of torch's loop, and the test accuracy."""
    XTrain, YTrain, XTest, YTest = data
    model, torch = torch_model(lstm)
    classes = dl.categories(YTrain)
    y = np.array([classes.index(c) for c in np.asarray(YTrain).ravel()])   # 0-based classes
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                           weight_decay=1e-4)
    order = np.random.default_rng(seed).permutation(len(XTrain))     # Shuffle "once"
    per_epoch = len(XTrain) // MINI_BATCH
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        for k in range(per_epoch):
            idx = order[k * MINI_BATCH:(k + 1) * MINI_BATCH]
            x = torch.from_numpy(left_padded([XTrain[i] for i in idx]))
            t = torch.from_numpy(y[idx])
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), t)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        pred = []
        for s in range(0, len(XTest), MINI_BATCH):
            pred += model(torch.from_numpy(left_padded(XTest[s:s + MINI_BATCH]))).argmax(1).tolist()
    truth = [classes.index(c) for c in np.asarray(YTest).ravel()]
    return times, float(np.mean(np.array(pred) == np.array(truth)))



def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 epochs, 1 round")
    ap.add_argument("--epochs", type=int, default=6, help="epochs per training run (>= 2)")
    ap.add_argument("--rounds", type=int, default=3, help="training runs per library")
    ap.add_argument("--threads", type=int, default=2, help="threads of both libraries")
    args = ap.parse_args(argv)
    epochs, rounds = (3, 1) if args.quick else (max(args.epochs, 2), args.rounds)
    try:
        import torch
    except ImportError:
        sys.exit("torch is needed for the comparison: pip install torch")
    torch.set_num_threads(THREADS)
    XTrain, YTrain = dl.japaneseVowelsTrainData()
    XTest, YTest = dl.japaneseVowelsTestData()
    data = ([x.astype(np.float32) for x in XTrain], YTrain,
            [x.astype(np.float32) for x in XTest], YTest)
    print(f"# epoch time of the 1-D convolution example (Japanese Vowels, 270 sequences, "
          f"mini-batches of {MINI_BATCH}, Adam, float32); OPENBLAS_NUM_THREADS="
          f"{os.environ['OPENBLAS_NUM_THREADS']}, torch threads {torch.get_num_threads()}")
    print(f"# {epochs} epochs x {rounds} rounds per library; load average before the run: "
          f"{os.getloadavg()[0]:.2f}")
    print(f"# cpu: {cpu_model()}, {os.cpu_count()} logical cpus; numpy {np.__version__}, "
          f"torch {torch.__version__}, python {platform.python_version()}")
    print("| network | dlarr ms/epoch | torch ms/epoch | ratio | dlarr test acc | "
          "torch test acc |")
    print("|---|---:|---:|---:|---:|---:|")
    for lstm in (False, True):
        times = {"dlarr": [], "torch": []}
        acc = {}
        for r in range(rounds):
            for name, fn in (("dlarr", dlarr_epochs), ("torch", torch_epochs)):
                time.sleep(0.3)
                dl.rng(r)
                torch.manual_seed(r)
                t, acc[name] = fn(data, lstm, epochs)
                times[name] += t[1:]                 # the first epoch warms up
        d, t = statistics.median(times["dlarr"]), statistics.median(times["torch"])
        name = "conv + LSTM(100, last)" if lstm else "conv + global average pooling"
        print(f"| {name} | {d * 1e3:.1f} | {t * 1e3:.1f} | {d / t:.2f} | {acc['dlarr']:.4f} | "
              f"{acc['torch']:.4f} |", flush=True)


if __name__ == "__main__":
    main()
