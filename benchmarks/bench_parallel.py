"""Training across MPI processes: time per epoch of the Japanese Vowels network (lstmLayer(100)
sequence-to-label, 270 sequences, MiniBatchSize 27: 10 iterations an epoch, adam) with 1
process of 1 BLAS thread, 1 process of 2 threads, and 2 processes of 1 thread each
(ExecutionEnvironment "parallel"), and the gradient exchange's share of an iteration; and
one process of 1 thread on the largest worker's part of a mini-batch (14 of 27 for 2
workers), whose iteration bounds what splitting the mini-batch can gain, alone and as N
independent processes running at once (no MPI: what the machine gives N busy cores).

    python benchmarks/bench_parallel.py      # --epochs N (8), --workers N (2), --repeat N (3)

Each configuration runs in a fresh process (``mpiexec -n N`` for the parallel one): one
untimed epoch first, then N epochs timed together.  The configurations take turns, --repeat
times, and each row shows its best run.  "exchange" is the time a worker spends
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


def worker(epochs, env, mbs=27):
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
                                  MiniBatchSize=mbs, GradientThreshold=1, Verbose=False,
                                  Shuffle="every-epoch")
        spmd.spmdBarrier()
        t0 = time.perf_counter()
        net = dl.trainNetwork(XTrain, YTrain, layers, opts)
        return time.perf_counter() - t0, net
    train(1)                                            # warm-up: imports, first calls
    before = dict(parallel.EXCHANGES)
    seconds, net = train(epochs)
    iters = epochs * (270 // mbs)
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


def run(cmd, threads, copies):
    """One run of a configuration in fresh processes: (s/epoch, s/it, exchange, allreduce);
    with ``copies``, that many independent processes at once, and the slowest one's result."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads)}
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env=env) for _ in range(copies)]
    results = []
    for p in procs:
        out = p.communicate()[0]
        if p.returncode:
            raise subprocess.CalledProcessError(p.returncode, cmd)
        line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
        results.append(tuple(map(float, line.split()[1:])))
    return max(results)


def main():
    epochs = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 8
    n = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else 2
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    me = [sys.executable, os.path.abspath(__file__), "--worker", str(epochs)]
    part = -(-27 // n)                  # the largest worker's part of a mini-batch
    configs = [("1 process, 1 thread", me + ["cpu"], 1, 1),
               (f"1 process, {n} threads", me + ["cpu"], n, 1),
               (f"1 process, 1 thread, MiniBatchSize {part}", me + ["cpu", str(part)], 1, 1),
               (f"{n} lone processes at once, 1 thread, MiniBatchSize {part}",
                me + ["cpu", str(part)], 1, n)]
    if shutil.which("mpiexec"):
        configs.append((f"{n} processes, 1 thread each", ["mpiexec", "-n", str(n)] + me +
                        ["parallel"], 1, 1))
    else:
        print("no mpiexec: pip install 'dlarr[mpi]' for the parallel row")
    # The configurations take turns, so that a slow spell of a shared machine falls on
    # all of them alike; each row is its configuration's best run.
    runs = {label: [] for label, *_ in configs}
    for _ in range(repeat):
        for label, *how in configs:
            runs[label].append(run(*how))
    rows = [(label,) + min(got) for label, got in runs.items()]
    print(f"Japanese Vowels, lstmLayer(100), MiniBatchSize 27, {epochs} epochs, {os.cpu_count()} "
          f"CPUs, best of {repeat} turns")
    print("| configuration | s / epoch | ms / iteration | speed-up | exchange ms / it (share) "
          "| allreduce ms |")
    print("|---|---|---|---|---|---|")
    base = rows[0][1]
    for label, epoch, it, exch, ar in rows:
        share = f"{exch * 1e3:.2f} ({exch / it:.1%})" if exch else "-"
        arm = f"{ar * 1e3:.3f}" if ar == ar else "-"
        up = "-" if "MiniBatchSize" in label else f"{base / epoch:.2f}x"
        print(f"| {label} | {epoch:.3f} | {it * 1e3:.1f} | {up} | {share} | {arm} |")
    print(f"Bound on the speed-up of {n} workers with a free exchange: one process's iteration "
          f"on 27 over one on {part} = {rows[0][2] / rows[2][2]:.2f}x alone, "
          f"{rows[0][2] / rows[3][2]:.2f}x with {n} such processes at once (the slowest)")


if __name__ == "__main__":
    if "--worker" in sys.argv:
        i = sys.argv.index("--worker")
        worker(int(sys.argv[i + 1]), sys.argv[i + 2], *map(int, sys.argv[i + 3:i + 4]))
    else:
        main()
