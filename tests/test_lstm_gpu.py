"""dl.lstm on the GPU (dlarr's CUDA kernels through CuPy) against the NumPy path.

Every kernel path (per-step launches, graph-captured loop, persistent kernels) runs
through dl.dlfeval / dl.dlgradient on CuPy dlarrays made with dl.gpuArray and is
compared with the NumPy path in float64: relative error < 1e-10 for float64 and
< 1e-5 for float32 (strict FP32 products), on Y, hT, cT and the gradients of X,
weights, recurrentWeights, bias, H0 and C0.  Inputs are fresh random numbers on
every run (the seed is in the failure message); the GPU path's buffers are NaN-
filled before use (``dlarr.kernels.cuda.set_poison``), so an element no kernel wrote
shows.  The paths and TF32 are set through the public settings of ``dlarr.kernels``
(``lstm_gpu_mode``, ``set_tf32``); ``dlarr.kernels.lstm.LAST_PATH`` tells which path ran.

Needs CuPy and a CUDA GPU: skipped otherwise (``-m gpu`` selects these tests).
"""
import itertools

import numpy as np
import pytest

import dlarr as dl
from dlarr import kernels
from dlarr.core.options import GATE_ACTIVATIONS, STATE_ACTIVATIONS

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not dl.canUseGPU(), reason="needs CuPy and a CUDA GPU")]

ACTS = list(itertools.product(STATE_ACTIVATIONS, GATE_ACTIVATIONS))
TOL = {np.float64: 1e-10, np.float32: 1e-5}
MODES = ("steps", "graph", "persistent")
# T, B, I, H: H not a multiple of 32, B = 1, T = 1, several batch slices (B = 17 > 16).
SHAPES = [(5, 3, 4, 37), (1, 1, 3, 5), (7, 17, 5, 64), (3, 2, 2, 100)]


@pytest.fixture(autouse=True)
def strict_poisoned():
    from dlarr.kernels import cuda
    from dlarr.kernels import lstm as lc
    cuda.set_poison(True)
    kernels.set_tf32(False)
    lc.clear_plans()
    yield lc
    cuda.set_poison(False)
    kernels.set_tf32(None)
    lc.clear_plans()


def _rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    n = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / (n if n else 1.0))


def _inputs(rng, T, B, I, H, dt, h_rows):
    d = dict(X=rng.standard_normal((I, B, T)), W=rng.standard_normal((4 * H, I)) * 0.5,
             R=rng.standard_normal((4 * H, H)) / np.sqrt(H), b=rng.standard_normal((4 * H, 1)),
             H0=rng.standard_normal((H, h_rows)), C0=rng.standard_normal((H, h_rows)),
             P=rng.standard_normal((H, B, T)), Q=rng.standard_normal((H, B)),
             S=rng.standard_normal((H, B)))
    # The reference sees exactly the values the device sees.
    return {k: v.astype(dt).astype(np.float64) for k, v in d.items()}


def _model(sa, ga, P, Q, S):
    def f(X, W, R, b, H0, C0):
        Y, h, c = dl.lstm(X, H0, C0, W, R, b, StateActivationFunction=sa,
                          GateActivationFunction=ga)
        loss = dl.sum(Y * P, "all") + dl.sum(h * Q, "all") + dl.sum(c * S, "all")
        return (Y, h, c) + dl.dlgradient(loss, X, W, R, b, H0, C0)
    return f


def _run(d, dt, sa, ga, gpu):
    conv = (lambda a: dl.gpuArray(a.astype(dt))) if gpu else (lambda a: a)
    fmts = {"X": "CBT", "W": "", "R": "", "b": "", "H0": "", "C0": ""}
    args = [dl.dlarray(conv(d[k]), fmts[k]) for k in fmts]
    P, Q, S = (dl.dlarray(conv(d[k]), f) for k, f in (("P", "CBT"), ("Q", "CB"), ("S", "CB")))
    out = dl.dlfeval(_model(sa, ga, P, Q, S), *args)
    return [np.asarray(dl.gather(dl.extractdata(o))) if gpu else np.asarray(dl.extractdata(o))
            for o in out]


def _compare(T, B, I, H, dt, sa, ga, mode, h_rows=None):
    seed = int(np.random.SeedSequence().entropy % (2 ** 31))
    rng = np.random.default_rng(seed)
    d = _inputs(rng, T, B, I, H, dt, B if h_rows is None else h_rows)
    want = _run(d, np.float64, sa, ga, gpu=False)
    with kernels.lstm_gpu_mode(mode):
        got = _run(d, dt, sa, ga, gpu=True)
    names = ["Y", "hT", "cT", "dX", "dW", "dR", "db", "dH0", "dC0"]
    for name, g, w in zip(names, got, want):
        err = _rel(g, w)
        assert err < TOL[dt], (f"{mode} {np.dtype(dt).name} {(T, B, I, H)} {sa}/{ga}: {name} "
                               f"relative error {err:.3g} (seed {seed})")
    return seed


@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sa,ga", ACTS)
def test_every_path_and_activation_matches_numpy(strict_poisoned, sa, ga, mode, dt):
    lc = strict_poisoned
    _compare(5, 3, 4, 37, dt, sa, ga, mode)
    if mode == "persistent":        # small enough to run persistent on any recent GPU
        assert lc.LAST_PATH == {"forward": "persistent", "backward": "persistent"}
    else:
        assert lc.LAST_PATH == {"forward": mode, "backward": mode}


@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("h_rows", [None, 1], ids=["H0 B cols", "H0 1 col"])
def test_odd_sizes_match_numpy(strict_poisoned, shape, mode, dt, h_rows):
    _compare(*shape, dt, "tanh", "sigmoid", mode, h_rows=h_rows)


@pytest.mark.parametrize("mode", MODES)
def test_repeated_calls_and_two_layers_of_one_shape(strict_poisoned, mode):
    """Graph replays with fresh inputs, and two lstm calls of the same shape before
    the backward pass (a graph plan's buffers must not leak into either result)."""
    for _ in range(3):
        _compare(6, 4, 3, 20, np.float64, "tanh", "sigmoid", mode)
    rng = np.random.default_rng(int(np.random.SeedSequence().entropy % (2 ** 31)))
    T, B, H = 5, 3, 20
    X = rng.standard_normal((H, B, T))
    Ws = [(rng.standard_normal((4 * H, H)) / 4, rng.standard_normal((4 * H, H)) / 4,
           rng.standard_normal((4 * H, 1))) for _ in range(2)]
    Z = np.zeros((H, 1))

    def f(X, W1, R1, b1, W2, R2, b2):
        Y1, _, _ = dl.lstm(X, Z, Z, W1, R1, b1)
        Y2, _, _ = dl.lstm(X, Z, Z, W2, R2, b2)        # same shapes as the first call
        loss = dl.sum(Y1 * Y1, "all") + dl.sum(Y1 * Y2, "all")
        return (loss,) + dl.dlgradient(loss, X, W1, R1, b1, W2, R2, b2)

    flat = [X] + [a for w in Ws for a in w]
    want = [np.asarray(dl.extractdata(v))
            for v in dl.dlfeval(f, *[dl.dlarray(a, "CBT" if i == 0 else "")
                                     for i, a in enumerate(flat)])]
    with kernels.lstm_gpu_mode(mode):
        got = [np.asarray(dl.gather(dl.extractdata(v)))
               for v in dl.dlfeval(f, *[dl.dlarray(dl.gpuArray(a), "CBT" if i == 0 else "")
                                        for i, a in enumerate(flat)])]
    for i, (g, w) in enumerate(zip(got, want)):
        assert _rel(g, w) < 1e-10, (mode, i)


def test_inference_without_trace(strict_poisoned):
    rng = np.random.default_rng(int(np.random.SeedSequence().entropy % (2 ** 31)))
    T, B, I, H = 9, 5, 4, 33
    X = rng.standard_normal((I, B, T))
    W, R, b = (rng.standard_normal((4 * H, I)), rng.standard_normal((4 * H, H)) / 6,
               rng.standard_normal((4 * H, 1)))
    H0, C0 = rng.standard_normal((H, B)), rng.standard_normal((H, 1))
    want = dl.lstm(dl.dlarray(X, "CBT"), H0, C0, dl.dlarray(W), dl.dlarray(R), dl.dlarray(b))
    for mode in MODES + ("auto",):
        with kernels.lstm_gpu_mode(mode):
            got = dl.lstm(dl.gpuArray(dl.dlarray(X, "CBT")), dl.gpuArray(H0),
                          dl.gpuArray(C0), dl.gpuArray(dl.dlarray(W)),
                          dl.gpuArray(dl.dlarray(R)), dl.gpuArray(dl.dlarray(b)))
        for g, w in zip(got, want):
            g = dl.gather(dl.extractdata(g) if isinstance(g, dl.DLArray) else g)
            w = dl.extractdata(w) if isinstance(w, dl.DLArray) else w
            assert _rel(g, w) < 1e-10, mode


def test_outputs_stay_on_the_device_and_mixing_is_an_error(strict_poisoned):
    import cupy
    H = 4
    X = dl.gpuArray(dl.dlarray(np.ones((3, 2, 5)), "CBT"))
    W, R, b = np.ones((4 * H, 3)), np.ones((4 * H, H)), np.ones((4 * H, 1))
    Y, h, c = dl.lstm(X, cupy.zeros((H, 1)), cupy.zeros((H, 1)), dl.gpuArray(dl.dlarray(W)),
                      dl.gpuArray(dl.dlarray(R)), dl.gpuArray(dl.dlarray(b)))
    assert isinstance(dl.extractdata(Y), cupy.ndarray) and Y.dims == "CBT"
    assert isinstance(h, cupy.ndarray) and isinstance(c, cupy.ndarray)
    with pytest.raises(TypeError, match="mix"):
        dl.lstm(X, np.zeros((H, 1)), np.zeros((H, 1)), dl.dlarray(W), dl.dlarray(R),
                dl.dlarray(b))


def test_tf32_products_stay_close(strict_poisoned):
    kernels.set_tf32(True)
    rng = np.random.default_rng(int(np.random.SeedSequence().entropy % (2 ** 31)))
    d = _inputs(rng, 8, 16, 64, 96, np.float32, 16)
    want = _run(d, np.float64, "tanh", "sigmoid", gpu=False)
    for mode in MODES:
        with kernels.lstm_gpu_mode(mode):
            got = _run(d, np.float32, "tanh", "sigmoid", gpu=True)
        for g, w in zip(got, want):
            assert _rel(g, w) < 1e-2, mode
