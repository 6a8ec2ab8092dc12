"""GPU benchmark: dl.lstm on dlarr's CUDA kernels against torch.nn.LSTM on cuDNN.

    PYTHONPATH=. python benchmarks/bench_lstm_gpu.py               # the five cases of issue 6
    PYTHONPATH=. python benchmarks/bench_lstm_gpu.py --quick       # fewer repetitions
    PYTHONPATH=. python benchmarks/bench_lstm_gpu.py --case 16,500,64,512 --modes persistent

Cases are B, T, I, H (observations, steps, inputs, hidden units), float32, the same
weights and input in both libraries (torch's bias_hh = 0, its bias_ih = MATLAB's
bias), run in the same process on the same GPU, each library on its default stream.

* fwd: ``dl.lstm`` outside dlfeval against torch under ``no_grad``;
* fwd+bwd: ``dl.dlfeval`` of a function that calls ``dl.lstm``, sums Y and calls
  ``dl.dlgradient`` for X, weights, recurrentWeights and bias (the tape's overhead
  counts), against torch's forward and ``y.sum().backward()``.

Two precisions: "tf32" (torch.backends.cuda.matmul.allow_tf32 and
torch.backends.cudnn.allow_tf32 on; dlarr's cuBLAS products with TF32 compute,
``dlarr.kernels.set_tf32(True)``, the setting CUPY_TF32=1 selects) and "fp32" (all off).
dlarr's own kernels compute in FP32 either way.  dlarr's paths (set with
``dlarr.kernels.lstm_gpu_mode``): "auto" and, with ``--modes``, "steps" (a cuBLAS
product and a fused kernel per step), "graph" (the same loop replayed from a CUDA
graph) and "persistent" (one launch for all steps; where it does not apply the step
path runs, and the path column says so).

Method (see the repository's device notes): before timing, both libraries' Y and
gradients are checked against each other (fp32: relative error < 1e-4, tf32: < 2e-2).
Each time is the median of repetitions timed with device events around one call,
after warm-up calls (compilation, cuBLAS/cuDNN handles, graph capture); the device is
synchronized before each repetition, so one repetition's queue never hides another's
launch overhead; three input sets are used in turn, so repeated calls do not just
read their inputs from cache.  The ratio is dlarr / torch (below 1: dlarr faster).
Prints a markdown table; when $OUT is set, writes it to $OUT/bench_lstm_gpu.md and
all numbers to $OUT/bench_lstm_gpu.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

import dlarr as dl
from dlarr import kernels
from dlarr.core.options import LSTM_GPU_MODES, choose
from dlarr.kernels import lstm as lc          # diagnostics: LAST_PATH, clear_plans

CASES = [(27, 20, 12, 100), (32, 64, 10, 3), (64, 100, 128, 256), (16, 500, 64, 512),
         (64, 100, 512, 512)]
# Targets for forward+backward, dlarr / torch (issue 6); the stretch one is on top.
TARGETS = {(27, 20, 12, 100): 1.5, (32, 64, 10, 3): 1.5, (64, 100, 128, 256): 1.0,
           (16, 500, 64, 512): 1.0, (64, 100, 512, 512): 1.0}
STRETCH = {(16, 500, 64, 512): 0.5}
N_SETS = 3


def make_sets(B, T, I, H, seed=0):
    rng = np.random.default_rng(seed)
    s = 1 / np.sqrt(H)
    f32 = np.float32
    W = rng.uniform(-s, s, (4 * H, I)).astype(f32)
    R = rng.uniform(-s, s, (4 * H, H)).astype(f32)
    b = rng.uniform(-s, s, (4 * H, 1)).astype(f32)
    xs = [rng.standard_normal((I, B, T)).astype(f32) for _ in range(N_SETS)]   # C x B x T
    return xs, W, R, b


def dlarr_functions(xs, W, R, b):
    import cupy
    H = R.shape[1]
    Xs = [dl.gpuArray(dl.dlarray(x, "CBT")) for x in xs]
    Wd, Rd, bd = (dl.gpuArray(dl.dlarray(a, f)) for a, f in ((W, "CU"), (R, "CU"), (b, "C")))
    H0 = cupy.zeros((H, 1), cupy.float32)
    C0 = cupy.zeros((H, 1), cupy.float32)
    turn = [0]

    def next_x():
        turn[0] = (turn[0] + 1) % N_SETS
        return Xs[turn[0]]

    def forward(X=None):
        return dl.lstm(next_x() if X is None else X, H0, C0, Wd, Rd, bd)

    def model(X, Wd, Rd, bd):
        Y, _, _ = dl.lstm(X, H0, C0, Wd, Rd, bd)
        loss = dl.sum(Y, "all")
        return (loss,) + dl.dlgradient(loss, X, Wd, Rd, bd)

    def fwd_bwd(X=None):
        return dl.dlfeval(model, next_x() if X is None else X, Wd, Rd, bd)

    def check():
        Y = dl.gather(dl.extractdata(forward(Xs[0])[0]))
        grads = [dl.gather(dl.extractdata(g)) for g in fwd_bwd(Xs[0])[1:]]
        return np.asarray(Y), [np.asarray(g) for g in grads]
    return forward, fwd_bwd, check


def torch_functions(xs, W, R, b):
    import torch
    dev = torch.device("cuda")
    I, B, T = xs[0].shape
    H = R.shape[1]
    m = torch.nn.LSTM(I, H).to(dev)
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.from_numpy(W))
        m.weight_hh_l0.copy_(torch.from_numpy(R))
        m.bias_ih_l0.copy_(torch.from_numpy(b[:, 0]))
        m.bias_hh_l0.zero_()
    Xt = [torch.from_numpy(np.ascontiguousarray(x.transpose(2, 1, 0))).to(dev) for x in xs]
    Xg = [x.clone().requires_grad_(True) for x in Xt]
    turn = [0]

    def forward(i=None):
        turn[0] = (turn[0] + 1) % N_SETS
        with torch.no_grad():
            return m(Xt[turn[0] if i is None else i])

    def fwd_bwd(i=None):
        turn[0] = (turn[0] + 1) % N_SETS
        xg = Xg[turn[0] if i is None else i]
        xg.grad = None
        for p in m.parameters():
            p.grad = None
        y, _ = m(xg)
        y.sum().backward()

    def check():
        Y = forward(0)[0].cpu().numpy().transpose(2, 1, 0)                 # H x B x T
        fwd_bwd(0)
        return Y, [Xg[0].grad.cpu().numpy().transpose(2, 1, 0),
                   m.weight_ih_l0.grad.cpu().numpy(), m.weight_hh_l0.grad.cpu().numpy(),
                   m.bias_ih_l0.grad.cpu().numpy()[:, None]]
    return forward, fwd_bwd, check


def rel(a, b):
    a = np.asarray(a, np.float64).reshape(np.shape(b))
    b = np.asarray(b, np.float64)
    n = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / (n if n else 1.0))


def time_events(fn, reps, warmup, lib):
    """Median milliseconds of one call, device events around each call."""
    import cupy
    import torch
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        cupy.cuda.Device().synchronize()
        torch.cuda.synchronize()
        if lib == "torch":
            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            e0.record()
            fn()
            e1.record()
            e1.synchronize()
            times.append(e0.elapsed_time(e1))
        else:
            e0, e1 = cupy.cuda.Event(), cupy.cuda.Event()
            e0.record()
            fn()
            e1.record()
            e1.synchronize()
            times.append(cupy.cuda.get_elapsed_time(e0, e1))
    return statistics.median(times), times


def reps_for(fn, budget_s, lo, hi):
    """Repetitions that fit a time budget, from one timed call."""
    import cupy
    cupy.cuda.Device().synchronize()
    t0 = time.perf_counter()
    fn()
    cupy.cuda.Device().synchronize()
    dt = max(time.perf_counter() - t0, 1e-6)
    return int(min(hi, max(lo, budget_s / dt)))


def set_precision(tf32):
    import torch
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    kernels.set_tf32(tf32)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--case", action="append", default=None,
                    help="B,T,I,H (repeatable); default: the five cases of issue 6")
    ap.add_argument("--modes", default="auto,steps,graph,persistent",
                    help="dlarr paths to time, comma-separated (default: all four)")
    ap.add_argument("--precisions", default="tf32,fp32")
    args = ap.parse_args(argv)
    cases = [tuple(int(v) for v in c.split(",")) for c in args.case] if args.case else CASES
    modes = [choose(m.strip(), LSTM_GPU_MODES, "bench_lstm_gpu", "--modes")
             for m in args.modes.split(",") if m.strip()]
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    budget, lo, hi, warm = (0.3, 5, 30, 2) if args.quick else (1.5, 10, 200, 5)
    if not dl.canUseGPU():
        sys.exit("no CUDA GPU (dl.canUseGPU() is False)")
    try:
        import torch
    except ImportError:
        sys.exit("torch (a CUDA build) is needed for the comparison: pip install torch")
    if not torch.cuda.is_available():
        sys.exit("torch does not see the GPU (a CPU-only build?)")
    import cupy
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    head = [f"# dl.lstm (dlarr CUDA kernels) vs torch.nn.LSTM (cuDNN {torch.backends.cudnn.version()}), "
            "float32",
            f"# device: {name}, {props['multiProcessorCount']} SMs; cupy {cupy.__version__}, "
            f"torch {torch.__version__}, python {platform.python_version()}",
            "# times: median ms per call (device events); ratio = dlarr / torch"]
    rows = ["| B, T, I, H | precision | dlarr path (fwd / bwd) | fwd dlarr | fwd torch | "
            "fwd ratio | fwd+bwd dlarr | fwd+bwd torch | fwd+bwd ratio | target | met |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|:---:|"]
    print("\n".join(head + rows), flush=True)
    results = []
    for case in cases:
        B, T, I, H = case
        xs, W, R, b = make_sets(B, T, I, H)
        d_fwd, d_fb, d_check = dlarr_functions(xs, W, R, b)
        t_fwd, t_fb, t_check = torch_functions(xs, W, R, b)
        for prec in precisions:
            set_precision(prec == "tf32")
            tol = 2e-2 if prec == "tf32" else 1e-4
            Yt, gt = t_check()
            t_f, _ = time_events(t_fwd, reps_for(t_fwd, budget, lo, hi), warm, "torch")
            t_b, _ = time_events(t_fb, reps_for(t_fb, budget, lo, hi), warm, "torch")
            for mode in modes:
                with kernels.lstm_gpu_mode(mode):
                    Yd, gd = d_check()           # also compiles and captures: warm-up
                    errs = [rel(Yd, Yt)] + [rel(a, c) for a, c in zip(gd, gt)]
                    if not all(e < tol for e in errs):
                        raise SystemExit(f"{case} {prec} {mode}: dlarr and torch disagree: "
                                         f"relative errors {['%.2g' % e for e in errs]}")
                    d_f, _ = time_events(d_fwd, reps_for(d_fwd, budget, lo, hi), warm,
                                         "dlarr")
                    path_f = lc.LAST_PATH["forward"]
                    d_b, _ = time_events(d_fb, reps_for(d_fb, budget, lo, hi), warm, "dlarr")
                    path = f"{mode}: {path_f} / {lc.LAST_PATH['backward']}"
                rf, rb = d_f / t_f, d_b / t_b
                target = TARGETS.get(case)
                met = "" if target is None else ("yes" if rb <= target else "no")
                if case in STRETCH and rb <= STRETCH[case]:
                    met += " (stretch)"
                row = (f"| {B}, {T}, {I}, {H} | {prec} | {path} | {d_f:.3f} | {t_f:.3f} | "
                       f"{rf:.2f} | {d_b:.3f} | {t_b:.3f} | {rb:.2f} | "
                       f"{'' if target is None else f'<= {target}'} | {met} |")
                print(row, flush=True)
                rows.append(row)
                results.append(dict(case=case, precision=prec, mode=mode, path=path,
                                    fwd_dlarr_ms=d_f, fwd_torch_ms=t_f, fwdbwd_dlarr_ms=d_b,
                                    fwdbwd_torch_ms=t_b, max_rel_err=max(errs)))
        lc.clear_plans()
    out = os.environ.get("OUT")
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "bench_lstm_gpu.md"), "w") as f:
            f.write("\n".join(head + rows) + "\n")
        with open(os.path.join(out, "bench_lstm_gpu.json"), "w") as f:
            json.dump(dict(device=name, cupy=cupy.__version__, torch=torch.__version__,
                           results=results), f, indent=1)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
