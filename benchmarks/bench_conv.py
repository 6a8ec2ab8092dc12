"""CPU benchmark: dl.dlconv against torch.nn.functional.conv1d, forward and forward+backward.

    python benchmarks/bench_conv.py            # B 32, C 64, T 200, filter 5, 64 filters
    python benchmarks/bench_conv.py --quick    # fewer repetitions
    python benchmarks/bench_conv.py --case 16,32,500,3,32,causal

Both libraries get 2 threads (``--threads``; numpy's OpenBLAS through
OPENBLAS_NUM_THREADS, set before numpy is imported; torch through
torch.set_num_threads), the same weights,
bias and input: "CBT" data for dlarr (channels x batch x time, convolved over
time with ``WeightsFormat="TCU"``), the same numbers as B x C x T for torch.

* forward: ``dl.dlconv`` outside dlfeval (nothing recorded) against
  ``F.conv1d`` under ``torch.no_grad()``;
* forward+backward: ``dl.dlfeval`` of a function that calls ``dl.dlconv``, sums Y
  and calls ``dl.dlgradient`` for X, weights and bias (the tape's overhead
  counts), against torch's forward and ``y.sum().backward()`` with gradients for
  the input, the weights and the bias.

Padding "same" is torch's ``padding=(k-1)//2`` for an odd filter; "causal" is a
left pad of ``k-1`` (``F.pad``, part of torch's timed work, as it is of its
graph).  Times are medians over repetitions measured in turns, with pauses
between the libraries (see ``measure``); the ratio is dlarr / torch (below 1:
dlarr is faster); the target of issue 13 is forward+backward within 2x of torch.
Before timing, the script checks that both give the same Y and gradients.  torch
is not a dependency of dlarr: install it for this script only (``pip install
torch``).  Run it on an otherwise idle machine.
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
from dlarr.functions.conv import dlconv  # noqa: E402

# (B, C, T, filterSize, numFilters, padding); the first is issue 13's case.
CASES = [(32, 64, 200, 5, 64, "same"), (32, 64, 200, 5, 64, "causal")]
TARGET = 2.0


def measure(fns, min_time, rounds, pause=0.3):
    """Median seconds per call of each function in ``fns`` (a dict), measured in turns
    (``rounds`` times each for about ``min_time / rounds`` seconds) after a pause and two
    untimed calls, so that a slow spell of the machine, or the other library's spinning
    worker threads, fall on both alike."""
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


def make_case(B, C, T, k, F, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((C, B, T)).astype(dtype)                     # C x B x T
    w = (rng.standard_normal((k, C, F)) / np.sqrt(k * C)).astype(dtype)  # MATLAB's layout
    b = rng.standard_normal(F).astype(dtype)
    return x, w, b


def dlarr_functions(x, w, b, padding):
    X, W, bd = dl.dlarray(x, "CBT"), dl.dlarray(w), dl.dlarray(b)

    def forward():
        return dlconv(X, W, bd, Padding=padding, WeightsFormat="TCU")

    def model(X, W, bd):
        Y = dlconv(X, W, bd, Padding=padding, WeightsFormat="TCU")
        loss = dl.sum(Y, "all")
        return (loss,) + dl.dlgradient(loss, X, W, bd)

    def fwd_bwd():
        return dl.dlfeval(model, X, W, bd)

    def check():
        return dl.extractdata(forward()), [dl.extractdata(g) for g in fwd_bwd()[1:]]
    return forward, fwd_bwd, check


def torch_functions(x, w, b, padding):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(THREADS)
    k = w.shape[0]
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(1, 0, 2)))     # B x C x T
    wt = torch.from_numpy(np.ascontiguousarray(w.transpose(2, 1, 0)))     # F x C x k
    bt = torch.from_numpy(b)
    xg, wg, bg = (t.clone().requires_grad_(True) for t in (xt, wt, bt))

    def conv(x, w, b):
        if padding == "causal":
            return F.conv1d(F.pad(x, (k - 1, 0)), w, b)
        return F.conv1d(x, w, b, padding=(k - 1) // 2)

    def forward():
        with torch.no_grad():
            return conv(xt, wt, bt)

    def fwd_bwd():
        for t in (xg, wg, bg):
            t.grad = None
        conv(xg, wg, bg).sum().backward()

    def check():
        Y = forward().numpy().transpose(1, 0, 2)
        fwd_bwd()
        return Y, [xg.grad.numpy().transpose(1, 0, 2), wg.grad.numpy().transpose(2, 1, 0),
                   bg.grad.numpy()]
    return forward, fwd_bwd, check



def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="about 0.3 s per measurement")
    ap.add_argument("--min-time", type=float, default=2.0, help="seconds per measurement")
    ap.add_argument("--rounds", type=int, default=3, help="turns per measurement")
    ap.add_argument("--threads", type=int, default=2, help="threads of both libraries")
    ap.add_argument("--case", action="append", default=None,
                    help="B,C,T,filterSize,numFilters,padding (repeatable)")
    args = ap.parse_args(argv)
    min_time = 0.3 if args.quick else args.min_time
    cases = [tuple(int(v) if v.isdigit() else v for v in c.split(",")) for c in args.case] \
        if args.case else CASES
    try:
        import torch
    except ImportError:
        sys.exit("torch is needed for the comparison: pip install torch")
    torch.set_num_threads(THREADS)
    print(f"# dl.dlconv vs torch.nn.functional.conv1d; OPENBLAS_NUM_THREADS="
          f"{os.environ['OPENBLAS_NUM_THREADS']}, torch threads {torch.get_num_threads()}")
    print(f"# load average before the run: {os.getloadavg()[0]:.2f}")
    print(f"# cpu: {cpu_model()}, {os.cpu_count()} logical cpus; numpy {np.__version__}, "
          f"torch {torch.__version__}, python {platform.python_version()}")
    print("| B, C, T, k, F, padding | type | fwd dlarr ms | fwd torch ms | fwd ratio | "
          "fwd+bwd dlarr ms | fwd+bwd torch ms | fwd+bwd ratio | within 2x |")
    print("|---|---|---:|---:|---:|---:|---:|---:|:---:|")
    for case in cases:
        B, C, T, k, F, padding = case
        for dtype in (np.float32, np.float64):
            x, w, b = make_case(B, C, T, k, F, dtype)
            d_fwd, d_fb, d_check = dlarr_functions(x, w, b, padding)
            t_fwd, t_fb, t_check = torch_functions(x, w, b, padding)
            Yd, gd = d_check()
            Yt, gt = t_check()
            tol = 1e-4 if dtype == np.float32 else 1e-10
            np.testing.assert_allclose(Yd, Yt, rtol=tol, atol=tol * 10)
            for a, c in zip(gd, gt):
                np.testing.assert_allclose(a.reshape(c.shape), c, rtol=tol,
                                           atol=tol * float(np.abs(c).max()))
            r = measure({"d_fwd": d_fwd, "t_fwd": t_fwd, "d_fb": d_fb, "t_fb": t_fb},
                        min_time, args.rounds)
            rf, rb = r["d_fwd"] / r["t_fwd"], r["d_fb"] / r["t_fb"]
            name = "single" if dtype == np.float32 else "double"
            print(f"| {B}, {C}, {T}, {k}, {F}, {padding} | {name} | {r['d_fwd'] * 1e3:.3f} | "
                  f"{r['t_fwd'] * 1e3:.3f} | {rf:.2f} | {r['d_fb'] * 1e3:.3f} | "
                  f"{r['t_fb'] * 1e3:.3f} | {rb:.2f} | {'yes' if rb <= TARGET else 'no'} |",
                  flush=True)


if __name__ == "__main__":
    main()
