"""CPU benchmark: what minibatchqueue costs in a custom training loop.

    python benchmarks/bench_input_pipeline.py [--rounds N]

One epoch of examples/japanese_vowels_minibatchqueue.py's training loop (270 sequences,
mini-batches of 27, lstm 100 -> fullyconnect 9 -> softmax, dlfeval/dlgradient/adamupdate)
with its input pipeline (arrayDatastore + combine + minibatchqueue, a MiniBatchFcn with
padsequences and onehotencode) against the same loop with hand-written batching: the
same shuffled order (both draw one permutation from dl.rng's stream), the same padding
(padsequences), the same casts and formats.  The two give the same network bit for bit
(checked).  The peer here is the hand-written loop, not another library: the question is
what the queue adds to dlarr's own loop (target: under 5%), and torch is not needed.

Each round runs both variants once, alternating which goes first, from the same
initial network; the table gives medians over the rounds, and the data preparation
alone (the same batches, no training) to show where the difference comes from.
One BLAS thread, as the other CPU benchmarks.
"""
from __future__ import annotations

import importlib.util
import os
import pathlib
import platform
import statistics
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import dlarr as dl  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "jv_mbq", ROOT / "examples" / "japanese_vowels_minibatchqueue.py")
ex = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ex)

MBS = 27


def hand_batches(XTrain, TTrain, order):
    """The mini-batches of one epoch, written by hand: the queue's batches without it."""
    for k in range(0, len(order), MBS):
        idx = order[k:k + MBS]
        X = dl.padsequences([XTrain[i] for i in idx], 1).astype(np.float32)
        T = dl.onehotencode(TTrain[idx].reshape(1, -1), 0)
        yield dl.dlarray(X, "CTB"), dl.dlarray(T, "CB")


def epoch_queue(net, mbq, seed):
    dl.rng(seed)
    net, _, _ = ex.train_epoch(net, mbq, (None, None, 0))
    return net


def epoch_hand(net, XTrain, TTrain, seed):
    dl.rng(seed)
    order = dl.randperm(len(XTrain))                 # the draw shuffle(mbq) makes
    avg = avg_sq = None
    for it, (X, T) in enumerate(hand_batches(XTrain, TTrain, order), 1):
        loss, grads = dl.dlfeval(ex.model_loss, net, X, T)
        net, avg, avg_sq = dl.adamupdate(net, grads, avg, avg_sq, it, 0.001)
    return net


def data_queue(mbq, seed):
    dl.rng(seed)
    dl.shuffle(mbq)
    return sum(1 for _ in mbq)


def data_hand(XTrain, TTrain, seed):
    dl.rng(seed)
    return sum(1 for _ in hand_batches(XTrain, TTrain, dl.randperm(len(XTrain))))


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def main(rounds=7):
    XTrain, TTrain = dl.japaneseVowelsTrainData()
    mbq = ex.training_queue(XTrain, TTrain, MBS)
    dl.rng(0)
    net0 = ex.make_network()
    # correctness: the same network from both
    a = epoch_queue(net0, mbq, 1)
    b = epoch_hand(net0, XTrain, TTrain, 1)
    same = all(np.array_equal(dl.extractdata(x), dl.extractdata(y))
               for x, y in zip(a.Learnables.Value, b.Learnables.Value))
    times = {"queue": [], "hand": [], "dq": [], "dh": []}
    for r in range(rounds):
        pairs = [("queue", lambda: epoch_queue(net0, mbq, r)),
                 ("hand", lambda: epoch_hand(net0, XTrain, TTrain, r))]
        for name, fn in (pairs if r % 2 == 0 else pairs[::-1]):
            times[name].append(timed(fn)[0])
        for _ in range(5):
            times["dq"].append(timed(data_queue, mbq, r)[0])
            times["dh"].append(timed(data_hand, XTrain, TTrain, r)[0])
    med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    over = (med["queue"] / med["hand"] - 1) * 100
    print(f"dlarr {getattr(dl, '__version__', '?')}, numpy {np.__version__}, Python "
          f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          "1 BLAS thread")
    print(f"one epoch: 270 sequences, {270 // MBS} mini-batches of {MBS}; medians of {rounds} "
          "rounds (data alone: of 5 per round)")
    print(f"same network from both loops: {same}\n")
    print("| loop | epoch (ms) | data preparation alone (ms per epoch) |")
    print("|---|---:|---:|")
    print(f"| hand-written batching | {med['hand']:.1f} | {med['dh']:.2f} |")
    print(f"| minibatchqueue | {med['queue']:.1f} | {med['dq']:.2f} |")
    print(f"| queue's overhead | {over:+.1f}% | {med['dq'] - med['dh']:+.2f} ms |")
    return same, over


if __name__ == "__main__":
    n = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 7
    main(n)
