"""CPU benchmark: the fixed cost of a call, dlarr against torch, on tiny inputs.

    python benchmarks/bench_call_overhead.py

On inputs this small (lstm with C=3, B=2, T=4, H=2) the arithmetic is nothing, so the
times are what each library spends per call in Python and dispatch: dlarr's label
rules, option matching, the tape and dlgradient's sweep; torch's dispatcher and
autograd.  One BLAS/torch thread each; best of 7 repetitions of 300 calls.
"""
from __future__ import annotations

import os
import timeit

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import dlarr as dl  # noqa: E402


def dlarr_cases():
    rng = np.random.default_rng(0)
    X = dl.dlarray(rng.standard_normal((3, 2, 4)).astype(np.float32), "CBT")
    H0 = np.zeros((2, 1), np.float32)
    W, R, b = (dl.dlarray(rng.standard_normal(s).astype(np.float32))
               for s in ((8, 3), (8, 2), (8, 1)))

    def lstm_fwd():
        dl.lstm(X, H0, H0, W, R, b)

    def grads(X, W, R, b):
        Y, _, _ = dl.lstm(X, H0, H0, W, R, b)
        return dl.dlgradient(dl.sum(Y, "all"), X, W, R, b)

    def lstm_fwd_bwd():
        dl.dlfeval(grads, X, W, R, b)

    def ops():
        dl.sum(dl.tanh(X * 2.0 + 1.0), "T")
    return {"lstm fwd": lstm_fwd, "lstm fwd+bwd": lstm_fwd_bwd, "mul, add, tanh, sum": ops}


def torch_cases(torch):
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    lstm = torch.nn.LSTM(3, 2)
    x = torch.tensor(rng.standard_normal((4, 2, 3)).astype(np.float32), requires_grad=True)

    def lstm_fwd():
        with torch.no_grad():
            lstm(x)

    def lstm_fwd_bwd():
        y, _ = lstm(x)
        y.sum().backward()

    def ops():
        with torch.no_grad():
            torch.tanh(x * 2.0 + 1.0).sum(dim=0, keepdim=True)
    return {"lstm fwd": lstm_fwd, "lstm fwd+bwd": lstm_fwd_bwd, "mul, add, tanh, sum": ops}


def best_us(fn, number=300, repeat=7):
    fn()
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main():
    import torch
    d, t = dlarr_cases(), torch_cases(torch)
    print(f"# per-call cost, us (best of 7 x 300 calls); numpy {np.__version__}, "
          f"torch {torch.__version__}, 1 thread each")
    print("| call | dlarr us | torch us | ratio |")
    print("|---|---:|---:|---:|")
    for name in d:
        a, b = best_us(d[name]), best_us(t[name])
        print(f"| {name} | {a:.1f} | {b:.1f} | {a / b:.2f} |", flush=True)


if __name__ == "__main__":
    main()
