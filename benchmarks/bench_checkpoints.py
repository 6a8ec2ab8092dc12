"""What checkpointing every epoch costs: the Japanese Vowels example's training
(trainNetwork, 100 hidden units, MiniBatchSize 27, adam) with and without
``CheckpointPath`` (CheckpointFrequency 1, unit "epoch"), and the cost of one checkpoint
beside PyTorch's ``torch.save`` of the same model and Adam state (the peer).

    python benchmarks/bench_checkpoints.py            # 100 epochs, as the example
    python benchmarks/bench_checkpoints.py --quick    # 20 epochs

The two training runs alternate (ABAB...) so that a machine's drift hits both; the
overhead is the median's difference.  PyTorch is optional (``pip install torch==2.13.0``).
"""
import os
import statistics
import sys
import tempfile
import time

import numpy as np

import dlarr as dl

QUICK = "--quick" in sys.argv
EPOCHS = 20 if QUICK else 100
REPEATS = 3 if QUICK else 2


def _train(folder):
    X, Y = dl.japaneseVowelsTrainData()
    layers = [dl.sequenceInputLayer(12), dl.lstmLayer(100, OutputMode="last"),
              dl.fullyConnectedLayer(9), dl.softmaxLayer(), dl.classificationLayer()]
    kw = dict(ExecutionEnvironment="cpu", MaxEpochs=EPOCHS, MiniBatchSize=27,
              GradientThreshold=1, Verbose=False)
    if folder:
        kw.update(CheckpointPath=folder, CheckpointFrequency=1)
    dl.rng(0)
    t0 = time.perf_counter()
    net = dl.trainNetwork(X, Y, layers, dl.trainingOptions("adam", **kw))
    return time.perf_counter() - t0, net


def _dlarr_save_ms(net, folder, n=20):
    from dlarr.training.checkpoints import Checkpointer
    from dlarr.training.solvers import Stepper, get_solver

    class _Run:
        iteration, epoch = 1, 1

    _Run.net = net
    opts = dl.trainingOptions("adam", CheckpointPath=folder)
    stepper = Stepper(get_solver("adam"), opts, net._learnable_slots())
    stepper.state = tuple([v * 0 for v in net.Learnables.Value] for _ in range(2))

    class _Plan:
        order, mbs = np.arange(270), 27

    ck = Checkpointer(opts, "bench")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f = ck.write(_Run, (stepper, _Plan, 10, 270))
        times.append(time.perf_counter() - t0)
        os.remove(f)
    return 1e3 * statistics.median(times), os.path.getsize(ck.write(_Run, (stepper, _Plan, 10, 270)))


def _torch_save_ms(folder, n=20):
    try:
        import torch
    except ImportError:
        return None, None
    torch.manual_seed(0)
    lstm, fc = torch.nn.LSTM(12, 100), torch.nn.Linear(100, 9)
    params = list(lstm.parameters()) + list(fc.parameters())
    opt = torch.optim.Adam(params)
    loss = fc(lstm(torch.randn(20, 27, 12))[0][-1]).sum()
    loss.backward()
    opt.step()
    path = os.path.join(folder, "torch_checkpoint.pt")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        torch.save({"lstm": lstm.state_dict(), "fc": fc.state_dict(),
                    "optimizer": opt.state_dict(), "epoch": 1}, path)
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times), os.path.getsize(path)


def main():
    plain, with_ck = [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(REPEATS):
            plain.append(_train(None)[0])
            t, net = _train(folder)
            with_ck.append(t)
            for f in os.listdir(folder):
                os.remove(os.path.join(folder, f))
        d_ms, d_size = _dlarr_save_ms(net, folder)
        t_ms, t_size = _torch_save_ms(folder)
    a, b = statistics.median(plain), statistics.median(with_ck)
    print(f"Japanese Vowels, trainNetwork, {EPOCHS} epochs, median of {REPEATS} "
          f"(OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})")
    print(f"{'run':44s} {'seconds':>9s}")
    print(f"{'no checkpoints':44s} {a:9.2f}")
    print(f"{'CheckpointPath, every epoch':44s} {b:9.2f}")
    print(f"{'overhead':44s} {100 * (b - a) / a:8.1f}%")
    print()
    print(f"{'one checkpoint (net + Adam state)':44s} {'ms':>9s} {'bytes':>9s}")
    print(f"{'dlarr: dl.save (.mat -v6, atomic)':44s} {d_ms:9.2f} {d_size:9d}")
    if t_ms is None:
        print(f"{'torch.save (not installed)':44s} {'-':>9s} {'-':>9s}")
    else:
        print(f"{'torch ' + __import__('torch').__version__ + ': torch.save(state_dicts)':44s} "
              f"{t_ms:9.2f} {t_size:9d}")


if __name__ == "__main__":
    main()
