"""Training across MPI processes: time per epoch of the Japanese Vowels network (lstmLayer(100)
sequence-to-label, 270 sequences, MiniBatchSize 27: 10 iterations an epoch, adam) with 1
process of 1 BLAS thread, 1 process of 2 threads, and 2 processes of 1 thread each
(ExecutionEnvironment "parallel"), and the gradient exchange's share of an iteration.

    python benchmarks/bench_parallel.py      # --epochs N (8), --workers N (2), --repeat N (3)

Each configuration runs in a fresh process (``mpiexec -n N`` for the parallel one): one
untimed epoch first, then N epochs timed together; the best of --repeat runs is shown.  "exchange" is the time a worker spends
in the exchange after its backward pass (packing, MPI_Allreduce of the gradients and loss,
gathering the predictions, and waiting for the slower worker), per iteration, worker 0's;
"allreduce" is one MPI_Allreduce of the gradients' size after a barrier (the communication
alone), the median of 200.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time


def worker(epochs, env):
    import numpy as np
    import dlarr as dl
    from dlarr.core import spmd
    from dlarr.training import parallel

    dl.rng(0)
    XTrain, YTrain = dl.japaneseVowelsTrainData()
    layers = [dl.sequenceInputLayer(12), dl.lstmLayer(100, OutputMode="last"),
              dl.fullyConnectedLayer(9), dl.softmaxLayer(), dl.classificationLayer()]

    def train(n):
        opts = dl.trainingOptions("adam", ExecutionEnvironment=env, MaxEpochs=n,
                                  MiniBatchSize=27, GradientThreshold=1, Verbose=False,
                                  Shuffle="every-epoch")
        spmd.spmdBarrier()
        t0 = time.perf_counter()
        net = dl.trainNetwork(XTrain, YTrain, layers, opts)
        return time.perf_counter() - t0, net
    train(1)                                            # warm-up: imports, first calls
    before = dict(parallel.EXCHANGES)
    seconds, net = train(epochs)
    iters = epochs * 10
    exchange = (parallel.EXCHANGES["seconds"] - before["seconds"]) / iters
    allreduce = float("nan")
    c = spmd.comm()
    if c is not None and c.Get_size() > 1:
        grads = [dl.extractdata(v) for v in net.Learnables.Value]
        times = []
        for _ in range(200):
            c.Barrier()
            t0 = time.perf_counter()
            spmd.allreduce_arrays(c, grads)
            times.append(time.perf_counter() - t0)
        allreduce = float(np.median(times))
    if spmd.spmdIndex() == 0:
        print(f"RESULT {seconds / epochs:.4f} {seconds / iters:.5f} {exchange:.6f} "
              f"{allreduce:.6f}")


def run(label, cmd, threads, repeat):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads)}
    best = None
    for _ in range(repeat):
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
        line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
        got = tuple(map(float, line.split()[1:]))
        best = got if best is None or got[0] < best[0] else best
    return (label,) + best


def main():
    epochs = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 8
    n = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else 2
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    me = [sys.executable, os.path.abspath(__file__), "--worker", str(epochs)]
    rows = [run("1 process, 1 thread", me + ["cpu"], 1, repeat),
            run(f"1 process, {n} threads", me + ["cpu"], n, repeat)]
    if shutil.which("mpiexec"):
        rows.append(run(f"{n} processes, 1 thread each", ["mpiexec", "-n", str(n)] + me +
                        ["parallel"], 1, repeat))
    else:
        print("no mpiexec: pip install 'dlarr[mpi]' for the parallel row")
    print(f"Japanese Vowels, lstmLayer(100), MiniBatchSize 27, {epochs} epochs, {os.cpu_count()} "
          f"CPUs")
    print("| configuration | s / epoch | ms / iteration | speed-up | exchange ms / it (share) "
          "| allreduce ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    base = rows[0][1]
    for label, epoch, it, exch, ar in rows:
        share = f"{exch * 1e3:.2f} ({exch / it:.1%})" if exch else "-"
        arm = f"{ar * 1e3:.3f}" if ar == ar else "-"
        print(f"| {label} | {epoch:.3f} | {it * 1e3:.1f} | {base / epoch:.2f}x | {share} | "
              f"{arm} |")


if __name__ == "__main__":
    if "--worker" in sys.argv:
        i = sys.argv.index("--worker")
        worker(int(sys.argv[i + 1]), sys.argv[i + 2])
    else:
        main()
