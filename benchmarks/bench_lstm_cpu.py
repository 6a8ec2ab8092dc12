"""CPU benchmark: dl.lstm against torch.nn.LSTM, forward and forward+backward, float32.

    python benchmarks/bench_lstm_cpu.py            # the four cases of issue 3
    python benchmarks/bench_lstm_cpu.py --quick    # fewer repetitions

Both libraries get 2 threads (numpy's OpenBLAS through OPENBLAS_NUM_THREADS, set
before numpy is imported; torch through torch.set_num_threads), the same
weights (torch's bias_hh = 0, its bias_ih = MATLAB's bias) and the same input.

* forward: dlarr's ``dl.lstm`` outside dlfeval (nothing recorded) against torch
  under ``torch.no_grad()``;
* forward+backward: ``dl.dlfeval`` of a function that calls ``dl.lstm``, sums Y
  and calls ``dl.dlgradient`` for X, weights, recurrentWeights and bias (the
  tape's overhead counts), against torch's forward, ``y.sum().backward()`` with
  gradients for the input and the parameters.

Times are medians over repetitions, measured in turns with pauses between the
libraries (see ``measure``); the ratio is dlarr / torch (below 1: dlarr is
faster).  Before timing, the script checks that both give the same Y and the
same gradients.  torch is not a dependency of dlarr: install it for this script
only (``pip install torch``; here ``pip install torch==2.13.0``, the CPU build).
Run it on an otherwise idle machine: on two cores, any other busy process
changes the numbers of both libraries, and not by the same factor.
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
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(THREADS))

import numpy as np  # noqa: E402

import dlarr as dl  # noqa: E402

CASES = [(27, 20, 12, 100), (32, 64, 10, 3), (64, 100, 128, 256), (16, 500, 64, 512)]
# Targets for forward+backward time, dlarr / torch (issue 3).
TARGETS = {(32, 64, 10, 3): 0.8, (64, 100, 128, 256): 1.0, (16, 500, 64, 512): 1.25,
           (27, 20, 12, 100): 1.5}


def measure(fns, min_time, rounds, pause=0.3):
    """Median seconds per call of each function in ``fns`` (a dict).

    The functions are measured in turns, ``rounds`` times each for about
    ``min_time / rounds`` seconds, so that a slow spell of the machine falls on
    both libraries alike.  Before each turn the process sleeps ``pause`` seconds
    and makes two untimed calls: OpenBLAS and OpenMP worker threads spin for a
    while after their last job, and on two cores the other library's spinning
    threads would otherwise slow down the one being measured.
    """
    times = {k: [] for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            time.sleep(pause)
            fn()
            fn()
            start = time.perf_counter()
            while True:
                t0 = time.perf_counter()
                fn()
                t1 = time.perf_counter()
                times[k].append(t1 - t0)
                if t1 - start >= min_time / rounds:
                    break
    return {k: statistics.median(v) for k, v in times.items()}


def make_case(B, T, I, H, seed=0):
    rng = np.random.default_rng(seed)
    s = 1 / np.sqrt(H)
    f32 = np.float32
    x = rng.standard_normal((I, B, T)).astype(f32)                 # C x B x T
    W = rng.uniform(-s, s, (4 * H, I)).astype(f32)
    R = rng.uniform(-s, s, (4 * H, H)).astype(f32)
    b = rng.uniform(-s, s, (4 * H, 1)).astype(f32)
    return x, W, R, b


def dlarr_functions(x, W, R, b):
    H = R.shape[1]
    X = dl.dlarray(x, "CBT")
    Wd, Rd, bd = dl.dlarray(W, "CU"), dl.dlarray(R, "CU"), dl.dlarray(b, "C")
    H0 = np.zeros((H, 1), np.float32)
    C0 = np.zeros((H, 1), np.float32)

    def forward():
        return dl.lstm(X, H0, C0, Wd, Rd, bd)

    def model(X, Wd, Rd, bd):
        Y, _, _ = dl.lstm(X, H0, C0, Wd, Rd, bd)
        loss = dl.sum(Y, "all")
        return (loss,) + dl.dlgradient(loss, X, Wd, Rd, bd)

    def fwd_bwd():
        return dl.dlfeval(model, X, Wd, Rd, bd)

    def check():
        return dl.extractdata(forward()[0]), [dl.extractdata(g) for g in fwd_bwd()[1:]]
    return forward, fwd_bwd, check


def torch_functions(x, W, R, b):
    import torch
    torch.set_num_threads(THREADS)
    I, B, T = x.shape
    H = R.shape[1]
    m = torch.nn.LSTM(I, H)
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.from_numpy(W))
        m.weight_hh_l0.copy_(torch.from_numpy(R))
        m.bias_ih_l0.copy_(torch.from_numpy(b[:, 0]))
        m.bias_hh_l0.zero_()
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 1, 0)))   # T x B x C
    xg = xt.clone().requires_grad_(True)

    def forward():
        with torch.no_grad():
            return m(xt)

    def fwd_bwd():
        xg.grad = None
        for p in m.parameters():
            p.grad = None
        y, _ = m(xg)
        y.sum().backward()

    def check():
        Y = forward()[0].numpy().transpose(2, 1, 0)                   # H x B x T
        fwd_bwd()
        return Y, [xg.grad.numpy().transpose(2, 1, 0), m.weight_ih_l0.grad.numpy(),
                   m.weight_hh_l0.grad.numpy(), m.bias_ih_l0.grad.numpy()[:, None]]
    return forward, fwd_bwd, check



def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="about 0.3 s per measurement")
    ap.add_argument("--min-time", type=float, default=2.0, help="seconds per measurement")
    ap.add_argument("--rounds", type=int, default=3, help="turns per measurement")
    ap.add_argument("--case", action="append", default=None,
                    help="B,T,I,H (repeatable); default: the four cases of issue 3")
    args = ap.parse_args(argv)
    min_time = 0.3 if args.quick else args.min_time
    cases = [tuple(int(v) for v in c.split(",")) for c in args.case] if args.case else CASES
    try:
        import torch
    except ImportError:
        sys.exit("torch is needed for the comparison: pip install torch")
    torch.set_num_threads(THREADS)
    print(f"# dl.lstm vs torch.nn.LSTM, float32; OPENBLAS_NUM_THREADS="
          f"{os.environ['OPENBLAS_NUM_THREADS']}, torch threads {torch.get_num_threads()}")
    print(f"# load average before the run: {os.getloadavg()[0]:.2f} (another busy process "
          "distorts the comparison)")
    print(f"# cpu: {cpu_model()}, {os.cpu_count()} logical cpus; numpy {np.__version__}, "
          f"torch {torch.__version__}, python {platform.python_version()}")
    print("| B, T, I, H | fwd dlarr ms | fwd torch ms | fwd ratio | fwd+bwd dlarr ms | "
          "fwd+bwd torch ms | fwd+bwd ratio | target | met |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for case in cases:
        B, T, I, H = case
        x, W, R, b = make_case(B, T, I, H)
        d_fwd, d_fb, d_check = dlarr_functions(x, W, R, b)
        t_fwd, t_fb, t_check = torch_functions(x, W, R, b)
        # Same numbers from both (a check that the comparison is like for like).
        Yd, gd = d_check()
        Yt, gt = t_check()
        np.testing.assert_allclose(Yd, Yt, rtol=1e-3, atol=1e-4)
        for a, c in zip(gd, gt):
            np.testing.assert_allclose(a.reshape(c.shape), c, rtol=2e-3,
                                       atol=2e-3 * float(np.abs(c).max()))
        r = measure({"d_fwd": d_fwd, "t_fwd": t_fwd, "d_fb": d_fb, "t_fb": t_fb},
                    min_time, args.rounds)
        rf = r["d_fwd"] / r["t_fwd"]
        rb = r["d_fb"] / r["t_fb"]
        target = TARGETS.get(case)
        met = "" if target is None else ("yes" if rb <= target else "no")
        print(f"| {B}, {T}, {I}, {H} | {r['d_fwd'] * 1e3:.3f} | {r['t_fwd'] * 1e3:.3f} | "
              f"{rf:.2f} | {r['d_fb'] * 1e3:.3f} | {r['t_fb'] * 1e3:.3f} | {rb:.2f} | "
              f"{'' if target is None else f'<= {target}'} | {met} |", flush=True)


if __name__ == "__main__":
    main()
