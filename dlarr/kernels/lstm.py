"""lstm on the GPU: dlarr's own fused CUDA kernels (``dlarr/kernels/lstm_*``) run through CuPy.

``dlarr.functions.lstm`` calls :func:`primitive_forward` and :func:`primitive_backward`
when its arrays are CuPy arrays; everything above the primitive (formats, tape) is
the same as on the host.  The kernels are compiled by :mod:`dlarr.kernels.loader`
(the kernel family: ``lstm_step.cu`` and ``lstm_persistent.cu`` with their header
``lstm_gates.cuh``); products, graphs and device queries go through a backend of
:mod:`dlarr.kernels.cuda`.  CuPy is imported inside functions only: importing this
module (and ``dlarr``) never imports it.

Layouts (row-major, C-contiguous; T steps, B observations, H hidden units, I inputs):

* ``G``  T x B x 4H: the input projection x_t W^T of all steps (ONE cuBLAS product),
  then per step the recurrent product h_{t-1} R^T added in place (cuBLAS, beta = 1);
  the fused step kernel adds the bias, applies the gates and, when the backward pass
  will need them, overwrites the block with the activated gates i, f, g, o.
* ``C``  (T+1) x B x H: C[0] = c0, C[t+1] = c_t (only two of them without a trace).
* ``Y``  T x B x H: h_t (the output, and the next step's product operand).
* ``dZ`` T x B x 4H: gradient of the pre-activations; after the backward loop dX, dW,
  dR and db are large products with it (dR = dZ[0]^T h0 + dZ[1:]^T Y[:-1]).

The residual of the forward pass (G with the gates, C, Y, h0) is the same for every
path, so the forward and backward passes may take different paths.

Paths for the time loop (the GPU mode, ``dlarr.core.options.LSTM_GPU_MODES``):

* ``"steps"``: per step one cuBLAS product and one fused kernel (lstm_step.cu).
* ``"graph"``: the same loop captured once in a CUDA graph per (shapes, dtype,
  activations, TF32 setting, device, stream) and replayed.  A graph bakes in every
  pointer, so the loop of a graph works on buffers of its own ("plan"): each call
  copies its inputs in (R, bias, h0, c0 for the forward; gates, cell states, R and
  the output gradients for the backward) and its outputs out (Y, and the residual
  when traced).  Those copies are a few passes over T x B x H numbers, small next to
  the launch overhead they save where graphs pay (many steps of little work); the
  other choice, caching graphs by the caller's pointers, is also safe but misses
  whenever the memory pool hands out other addresses, and a miss costs a capture.
* ``"persistent"``: one cooperative launch for all steps (lstm_persistent.cu), the
  recurrent weights in registers, for H <= 512 (float32) or H <= 256 (float64) when
  the grid fits on the device at once; otherwise the step path is used.
* ``"auto"`` (default): persistent when it applies, else graph when the per-step work
  is small, else steps.  These choices are not tuned on a GPU yet (no GPU was
  available when this was written); :func:`lstm_gpu_mode` (also exported by
  ``dlarr.kernels``) or the environment variable DLARR_LSTM_GPU_MODE override them.

The activation codes of the kernels' templates are the positions of the activations
in ``dlarr.core.options.STATE_ACTIVATIONS`` / ``GATE_ACTIVATIONS`` (the header's
``#define DLARR_STATE_*`` / ``DLARR_GATE_*``; a test checks they agree).
"""
from __future__ import annotations

import collections
import contextlib
import os
import threading
import warnings

import numpy as np

from ..core.backend import array_namespace
from ..core.options import GATE_ACTIVATIONS, LSTM_GPU_MODES, STATE_ACTIVATIONS, choose
from . import loader
from .cuda import default_backend, gemm_rm, tf32_enabled

__all__ = ["lstm_gpu_mode", "get_lstm_gpu_mode", "forward", "backward",
           "primitive_forward", "primitive_backward", "clear_plans", "LAST_PATH"]

#: The kernel family: its files and the header they share.
KERNEL_FILES = ("lstm_step.cu", "lstm_persistent.cu")
HEADER = "lstm_gates.cuh"
MODE_ENV = "DLARR_LSTM_GPU_MODE"
_WHERE = "lstm (GPU)"

# Persistent kernels: limits of the register-resident weights (in reals per thread).
_PERSIST_MAX_H = {4: 512, 8: 256}
_REG_BUDGET = {4: 128, 8: 64}          # R part + accumulators, in reals
_MAX_BS = {4: 16, 8: 8}
# "auto": graphs when a step's recurrent product is at most this many multiply-adds.
_GRAPH_MAX_STEP_MACS = 1 << 22
_PLAN_CACHE_SIZE = 8
_BLOCK = 256                           # threads per block of the step kernels

_local = threading.local()
#: The path the last forward / backward call took (tests and the benchmark read it).
LAST_PATH = {"forward": None, "backward": None}


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------

def get_lstm_gpu_mode() -> str:
    """The GPU lstm's path in force: the innermost :func:`lstm_gpu_mode` of this
    thread, else the environment variable DLARR_LSTM_GPU_MODE, else ``"auto"``."""
    m = getattr(_local, "mode", None)
    if m is not None:
        return m
    env = os.environ.get(MODE_ENV)
    if env is None:
        return "auto"
    return choose(env, LSTM_GPU_MODES, _WHERE, MODE_ENV)


@contextlib.contextmanager
def lstm_gpu_mode(name):
    """Run the GPU lstm of this thread through one path inside a ``with`` block:
    ``"auto"``, ``"steps"``, ``"graph"`` or ``"persistent"`` (matched like every dlarr
    option: any case, a unique leading part; "persistent" falls back to the step path
    where it does not apply).  Yields the canonical name."""
    canonical = choose(name, LSTM_GPU_MODES, "lstm_gpu_mode", "name")
    old = getattr(_local, "mode", None)
    _local.mode = canonical
    try:
        yield canonical
    finally:
        _local.mode = old


def activation_codes(state_act, gate_act):
    """The kernels' template codes of an activation pair: the positions of the names
    in ``STATE_ACTIVATIONS`` and ``GATE_ACTIVATIONS``."""
    sa = choose(state_act, STATE_ACTIVATIONS, _WHERE, "StateActivationFunction")
    ga = choose(gate_act, GATE_ACTIVATIONS, _WHERE, "GateActivationFunction")
    return STATE_ACTIVATIONS.index(sa), GATE_ACTIVATIONS.index(ga)


# --------------------------------------------------------------------------
# Kernel names and persistent configurations
# --------------------------------------------------------------------------

def _ctype(dtype):
    return loader.ctype(dtype, _WHERE)


def step_names(dtype, sa, ga):
    """Name expressions of the per-step forward and backward kernels."""
    ct = _ctype(dtype)
    return (loader.name_expression("lstm_fwd_step", ct, sa, ga),
            loader.name_expression("lstm_bwd_step", ct, sa, ga))


def persistent_fwd_name(dtype, sa, ga, U, KL, BS):
    return loader.name_expression("lstm_fwd_persistent", _ctype(dtype), sa, ga, U, KL, BS)


def persistent_bwd_name(dtype, sa, ga, U, KB, BS):
    return loader.name_expression("lstm_bwd_persistent", _ctype(dtype), sa, ga, U, KB, BS)


def _pow2ceil(n):
    return 1 << max(0, (int(n) - 1).bit_length())


def persistent_fwd_candidates(B, H, dtype):
    """(U, KL, BS, shared bytes) configurations of the persistent forward kernel, best
    first; empty when H is too large for the weights to stay in registers."""
    isz = np.dtype(dtype).itemsize
    if H > _PERSIST_MAX_H[isz]:
        return []
    KL = _pow2ceil(-(-H // 32))
    out = []
    for U in (4, 8):
        BS = min(_pow2ceil(B), _MAX_BS[isz])
        while BS > 1 and 4 * KL + 4 * BS > _REG_BUDGET[isz]:
            BS //= 2
        if 4 * KL + 4 * BS > _REG_BUDGET[isz]:
            continue
        out.append((U, KL, BS, (BS * H + 4 * U * BS) * isz))
    return out


def persistent_bwd_candidates(B, H, dtype):
    """(U, KB, BS, shared bytes) configurations of the persistent backward kernel."""
    isz = np.dtype(dtype).itemsize
    if H > _PERSIST_MAX_H[isz]:
        return []
    out = []
    for U in (4, 8):
        KB = _pow2ceil(-(-4 * H // (32 * U)))
        BS = min(_pow2ceil(B), _MAX_BS[isz])
        while BS > 1 and U * KB + U * BS > _REG_BUDGET[isz]:
            BS //= 2
        if U * KB + U * BS > _REG_BUDGET[isz]:
            continue
        out.append((U, KB, BS, (BS * 4 * H + U * U * BS) * isz))
    return out


def all_name_expressions():
    """Every kernel instantiation the CPU test compiles, by file: all activation
    combinations and both float types for the step kernels; for the persistent
    kernels the configurations of the benchmark cases and of the test sizes (both
    candidates, U = 4 and 8), with tanh/sigmoid."""
    step, pers = [], []
    for dt in (np.float32, np.float64):
        for sa in range(len(STATE_ACTIVATIONS)):
            for ga in range(len(GATE_ACTIVATIONS)):
                step.extend(step_names(dt, sa, ga))
        for B, H in ((27, 100), (32, 3), (64, 256), (16, 512), (1, 37), (3, 37)):
            for (U, KL, BS, _) in persistent_fwd_candidates(B, H, dt):
                pers.append(persistent_fwd_name(dt, 0, 0, U, KL, BS))
            for (U, KB, BS, _) in persistent_bwd_candidates(B, H, dt):
                pers.append(persistent_bwd_name(dt, 0, 0, U, KB, BS))
    return {"lstm_step.cu": step, "lstm_persistent.cu": list(dict.fromkeys(pers))}


# --------------------------------------------------------------------------
# Checks (before any launch)
# --------------------------------------------------------------------------

def _contiguous(a):
    return a.flags.c_contiguous


def _check_forward(x, h0, c0, W, R, b):
    """T, B, I, H and the float type of the forward pass's inputs; ValueError naming
    the input whose shape, type or layout is wrong."""
    if x.ndim != 3:
        raise ValueError(f"lstm (GPU): x must be T x B x InputSize, not {x.shape}")
    T, B, I = x.shape
    if R.ndim != 2 or R.shape[0] != 4 * R.shape[1]:
        raise ValueError(f"lstm (GPU): recurrentWeights must be 4H x H, not {R.shape}")
    H = R.shape[1]
    shapes = {"weights": (W, (4 * H, I)), "recurrentWeights": (R, (4 * H, H)),
              "bias": (b, (4 * H,))}
    for name, (a, want) in shapes.items():
        if a.shape != want:
            raise ValueError(f"lstm (GPU): {name} must be {want}, not {a.shape}")
    for name, a in (("H0", h0), ("C0", c0)):
        if a.ndim != 2 or a.shape[1] != H or a.shape[0] not in (1, B):
            raise ValueError(f"lstm (GPU): {name} must be 1 x {H} or {B} x {H} "
                             f"(observations x hidden units), not {a.shape}")
    dt = np.dtype(x.dtype)
    _ctype(dt)
    for name, a in (("x", x), ("H0", h0), ("C0", c0), ("weights", W),
                    ("recurrentWeights", R), ("bias", b)):
        if np.dtype(a.dtype) != dt:
            raise ValueError(f"lstm (GPU): all inputs must have one type; x is {dt} but "
                             f"{name} is {np.dtype(a.dtype)}")
        if not _contiguous(a):
            raise ValueError(f"lstm (GPU): {name} must be C-contiguous")
    if max(T * B * 4 * H, T * B * I, 4 * H * max(H, I)) >= 2 ** 31:
        raise ValueError("lstm (GPU): sizes beyond 2^31 elements per array are not supported")
    return T, B, I, H, dt


def _check_backward(residual, x, W, R):
    """T, B, I, H and the float type of the backward pass; ValueError naming the
    input that does not match the forward pass."""
    T, B, H4 = residual.G.shape
    H = H4 // 4
    I = x.shape[2]
    dt = np.dtype(residual.G.dtype)
    for name, a in (("x", x), ("weights", W), ("recurrentWeights", R)):
        if not _contiguous(a) or np.dtype(a.dtype) != dt:
            raise ValueError(f"lstm (GPU) backward: {name} must be C-contiguous {dt}")
    if x.shape != (T, B, I) or W.shape != (H4, I) or R.shape != (H4, H):
        raise ValueError("lstm (GPU) backward: input shapes do not match the forward pass")
    return T, B, I, H, dt


def _i32(v):
    return np.int32(v)


def _grid1(n):
    return (max(1, -(-n // _BLOCK)),)


# --------------------------------------------------------------------------
# Residual
# --------------------------------------------------------------------------

class GpuResidual:
    """What the backward pass needs: activated gates G, cell states C (T+1 x B x H),
    outputs Y and h0 as B x H, and whether h0 / c0 had one row (broadcast)."""
    __slots__ = ("C", "G", "Y", "c0_rows", "h0_rows", "h0f")

    def __init__(self, G, C, Y, h0f, h0_rows, c0_rows):
        self.G, self.C, self.Y, self.h0f = G, C, Y, h0f
        self.h0_rows, self.c0_rows = h0_rows, c0_rows


# --------------------------------------------------------------------------
# Choosing a path; the persistent kernels
# --------------------------------------------------------------------------

def _resolve_mode(T, B, H, dt, requested):
    """(path, auto): the path to take ("steps", "graph" or "persistent") and whether
    it is auto mode's fallback (auto tries the persistent kernels first)."""
    if requested is None:
        m = get_lstm_gpu_mode()
    else:
        m = choose(requested, LSTM_GPU_MODES, _WHERE, "mode")
    if m != "auto":
        return m, False
    macs = 4 * B * H * H
    fallback = "graph" if (T >= 4 and macs <= _GRAPH_MAX_STEP_MACS) else "steps"
    return fallback, True


def _persistent(be, candidates, kernel_name, args_of, B, H):
    """Launch the first persistent configuration (U, K, BS, smem) from ``candidates``
    whose grid is resident all at once; True if launched, False to fall back."""
    try:
        sms, max_smem, coop = be.device_limits()
    except Exception:
        return False
    if not coop:
        return False
    for (U, K, BS, smem) in candidates:
        grid = (-(-H // U), -(-B // BS))
        if not _may_fit(grid, U, smem, sms, max_smem):
            continue
        kern = be.kernel("lstm_persistent.cu", kernel_name(U, K, BS))
        be.prepare(kern, smem)
        if be.blocks_per_sm(kern, 32 * U, smem) * sms < grid[0] * grid[1]:
            continue
        bar = be.xp.zeros((grid[1],), np.uint32)
        return _cooperative_launch(be, kern, grid, U, args_of(bar), smem)
    return False


def _may_fit(grid, U, smem, sms, max_smem):
    """Cheap bound before compiling: all blocks resident at once at most 2048 threads
    and 228 KiB of shared memory per multiprocessor (Hopper), 32 blocks."""
    if smem > max_smem:
        return False
    per_sm = min(32, 2048 // (32 * U), (228 * 1024) // (smem + 1024))
    return grid[0] * grid[1] <= per_sm * sms


def _cooperative_launch(be, kern, grid, U, args, smem):
    """True if launched; False if nothing ran because this CuPy cannot launch
    cooperatively or the grid is more than the device holds at once.  Some CuPy
    versions shrink a too-large one-dimensional cooperative grid with a warning
    instead of failing: a shrunk grid would leave hidden units uncomputed, so that
    warning is turned into an error here (it comes before the launch)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            be.launch(kern, grid, (32 * U,), args, shared_mem=smem, cooperative=True)
    except (TypeError, ValueError, UserWarning):
        return False
    except Exception as e:
        if "COOPERATIVE_LAUNCH_TOO_LARGE" in str(e).upper().replace(" ", "_"):
            return False
        raise
    return True


def _persistent_fwd(be, G, b, R, h0, c0, Y, cst, c_stride, T, B, H, keep, dt, sa, ga):
    """The persistent forward kernel, if a configuration fits; True if launched."""
    return _persistent(
        be, persistent_fwd_candidates(B, H, dt),
        lambda U, KL, BS: persistent_fwd_name(dt, sa, ga, U, KL, BS),
        lambda bar: (G, b, R, h0, _i32(0 if h0.shape[0] == 1 else H), c0,
                     _i32(0 if c0.shape[0] == 1 else H), Y, cst, np.int64(c_stride), bar,
                     _i32(T), _i32(B), _i32(H), _i32(1 if keep else 0)),
        B, H)


def _persistent_bwd(be, G, C, R, dY, dhT, dcT, dZ, dh0, dc0, T, B, H, dt, sa, ga):
    """The persistent backward kernel, if a configuration fits; True if launched."""
    return _persistent(
        be, persistent_bwd_candidates(B, H, dt),
        lambda U, KB, BS: persistent_bwd_name(dt, sa, ga, U, KB, BS),
        lambda bar: (G, C, R, dY, dhT, dcT, dZ, dh0, dc0, bar, _i32(T), _i32(B), _i32(H)),
        B, H)


# --------------------------------------------------------------------------
# Forward
# --------------------------------------------------------------------------

def _fwd_loop(be, kern, T, B, H, G, bias, R, h0f, cptr, Y, keep, dt):
    """The per-step time loop: recurrent product into G[t], then the fused kernel.
    ``cptr(t)`` gives (C[t], C[t+1]) buffers.  Launches only (capturable)."""
    grid, block = _grid1(B * H), (_BLOCK,)
    for t in range(T):
        hprev = h0f if t == 0 else Y[t - 1]
        gemm_rm(be, False, True, B, 4 * H, H, hprev, H, R, H, G[t], 4 * H, 1.0, dt)
        c_prev, c_out = cptr(t)
        be.launch(kern, grid, block, (G[t], bias, c_prev, c_out, Y[t], _i32(B), _i32(H),
                                      _i32(1 if keep else 0)))


def _c_buffers(xp, T, B, H, dt, c0, keep):
    """Cell-state buffers with C[0] = c0: the store (T+1 x B x H) when keep, else a
    ring of two; returns (buffer, cptr(t), index of c_T)."""
    if keep:
        C = xp.empty((T + 1, B, H), dt)
        C[0] = c0
        return C, (lambda t: (C[t], C[t + 1])), T
    C = xp.empty((2, B, H), dt)
    C[0] = c0
    return C, (lambda t: (C[t & 1], C[(t + 1) & 1])), T & 1


def forward(x, h0, c0, W, R, b, state_act="tanh", gate_act="sigmoid", keep=False, *,
            mode=None, backend=None):
    """lstm forward on the device: x T x B x I, h0/c0 (1 or B) x H, W 4H x I, R 4H x H,
    b 4H, all C-contiguous and of one float type.  Returns ((Y, hT, cT), residual):
    Y T x B x H, hT and cT B x H, residual a GpuResidual when ``keep`` else None.
    ``mode``: one of LSTM_GPU_MODES, or None for :func:`get_lstm_gpu_mode`."""
    T, B, I, H, dt = _check_forward(x, h0, c0, W, R, b)
    sa, ga = activation_codes(state_act, gate_act)
    be = default_backend() if backend is None else backend
    xp = be.xp
    h0f = xp.empty((B, H), dt)
    h0f[...] = h0
    G = xp.empty((T, B, 4 * H), dt)
    Y = xp.empty((T, B, H), dt)
    C, cptr, last = _c_buffers(xp, T, B, H, dt, c0, keep)
    if T == 0 or B == 0:
        return _fwd_result(Y, h0f.copy(), C[0], keep, G, C, h0f, h0, c0)

    path, auto = _resolve_mode(T, B, H, dt, mode)
    # The input projection of all steps: one product (the step kernels add the bias).
    gemm_rm(be, False, True, T * B, 4 * H, I, x, I, W, I, G, 4 * H, 0.0, dt)
    if path == "persistent" or auto:
        cst, c_stride = (C[1:], B * H) if keep else (C[1], 0)
        if _persistent_fwd(be, G, b, R, h0, c0, Y, cst, c_stride, T, B, H, keep, dt, sa, ga):
            LAST_PATH["forward"] = "persistent"
            return _fwd_result(Y, Y[T - 1], C[T] if keep else C[1], keep, G, C, h0f, h0, c0)
        if path == "persistent":
            path = "steps"
    kern = be.kernel("lstm_step.cu", step_names(dt, sa, ga)[0])
    LAST_PATH["forward"] = path
    if path == "graph":
        return _forward_graph(be, kern, G, b, R, h0f, c0, h0, T, B, H, keep, dt, sa, ga)
    _fwd_loop(be, kern, T, B, H, G, b, R, h0f, cptr, Y, keep, dt)
    return _fwd_result(Y, Y[T - 1], C[last], keep, G, C, h0f, h0, c0)


def _fwd_result(Y, hT, cT, keep, G, C, h0f, h0, c0):
    res = GpuResidual(G, C, Y, h0f, h0.shape[0], c0.shape[0]) if keep else None
    return (Y, hT, cT), res


# ---- graphs ---------------------------------------------------------------

class _Plan:
    """Buffers and captured graph of one (shape, dtype, options, stream) key."""

    def __init__(self):
        self.lock = threading.Lock()
        self.graph = None


_PLANS = collections.OrderedDict()
_PLANS_LOCK = threading.Lock()


def _get_plan(key, make):
    with _PLANS_LOCK:
        plan = _PLANS.get(key)
        if plan is not None:
            _PLANS.move_to_end(key)
            return plan
    plan = make()
    with _PLANS_LOCK:
        old = _PLANS.get(key)
        if old is not None:
            return old
        _PLANS[key] = plan
        while len(_PLANS) > _PLAN_CACHE_SIZE:
            _PLANS.popitem(last=False)
    return plan


def clear_plans():
    """Forget the captured graphs and their buffers."""
    with _PLANS_LOCK:
        _PLANS.clear()


def _plan_key(be, *parts):
    return (be.name, be.stream_key(), tf32_enabled()) + parts


def _forward_graph(be, kern, G_in, b, R, h0f, c0, h0, T, B, H, keep, dt, sa, ga):
    """Forward loop from a captured graph (the input projection is in G_in)."""
    xp = be.xp

    def make():
        p = _Plan()
        p.G = xp.empty((T, B, 4 * H), dt)
        p.b = xp.empty((4 * H,), dt)
        p.R = xp.empty((4 * H, H), dt)
        p.h0f = xp.empty((B, H), dt)
        p.Y = xp.empty((T, B, H), dt)
        p.C, p.cptr, p.last = _c_buffers(xp, T, B, H, dt, xp.zeros((1, H), dt), keep)
        p.scratch = xp.empty((B, 4 * H), dt)

        def loop():
            _fwd_loop(be, kern, T, B, H, p.G, p.b, p.R, p.h0f, p.cptr, p.Y, keep, dt)

        def warmup():
            gemm_rm(be, False, True, B, 4 * H, H, p.h0f, H, p.R, H, p.scratch, 4 * H, 0.0, dt)
        p.graph = be.capture(loop, warmup)
        return p

    plan = _get_plan(_plan_key(be, "fwd", dt.str, T, B, H, sa, ga, bool(keep)), make)
    with plan.lock:
        xp.copyto(plan.G, G_in)
        xp.copyto(plan.b, b)
        xp.copyto(plan.R, R)
        xp.copyto(plan.h0f, h0f)
        plan.C[0] = c0
        plan.graph.launch()
        Y = plan.Y.copy()
        if keep:
            G, C = plan.G.copy(), plan.C.copy()
            return _fwd_result(Y, Y[T - 1], C[T], keep, G, C, h0f, h0, c0)
        return _fwd_result(Y, Y[T - 1], plan.C[plan.last].copy(), keep, None, None, h0f, h0,
                           c0)


# --------------------------------------------------------------------------
# Backward
# --------------------------------------------------------------------------

def _bwd_loop(be, kern, T, B, H, G, C, R, dY, dh, dc, dZ, dt):
    """Per-step backward: fused kernel for step t (reads dh = dL/dh_t from the later
    steps, updates the carry dc), then dh = dZ[t] R.  Launches only (capturable)."""
    grid, block = _grid1(B * H), (_BLOCK,)
    for t in range(T - 1, -1, -1):
        be.launch(kern, grid, block, (G[t], C[t], C[t + 1], dh, None if dY is None else dY[t],
                                      dc, dZ[t], _i32(B), _i32(H)))
        gemm_rm(be, False, False, B, H, 4 * H, dZ[t], 4 * H, R, H, dh, H, 0.0, dt)


def _output_grads(xp, gY, ghT, gcT, T, B, H, dt):
    """The output gradients as the loop wants them: dY (T x B x H, or None), and the
    carries dh, dc (B x H, fresh arrays: the loop overwrites them)."""
    def grad_in(g, shape, name):
        if g is None:
            return None
        if g.shape != shape:
            raise ValueError(f"lstm (GPU) backward: gradient of {name} must be {shape}, "
                             f"not {g.shape}")
        return xp.ascontiguousarray(g, dtype=dt)

    dY = grad_in(gY, (T, B, H), "Y")
    dh = xp.zeros((B, H), dt) if ghT is None else grad_in(ghT, (B, H), "hT").copy()
    dc = xp.zeros((B, H), dt) if gcT is None else grad_in(gcT, (B, H), "cT").copy()
    return dY, dh, dc


def _backward_time_loop(be, residual, R, dY, dh, dc, dZ, T, B, H, dt, sa, ga, mode):
    """Fills dZ through the chosen path and returns (dh0, dc0), the gradients of the
    initial states as B x H (``dh``, ``dc``: dL/dhT, dL/dcT on entry)."""
    xp = be.xp
    G, C = residual.G, residual.C
    path, auto = _resolve_mode(T, B, H, dt, mode)
    if path == "persistent" or auto:
        dh0, dc0 = xp.empty((B, H), dt), xp.empty((B, H), dt)
        if _persistent_bwd(be, G, C, R, dY, dh, dc, dZ, dh0, dc0, T, B, H, dt, sa, ga):
            LAST_PATH["backward"] = "persistent"
            return dh0, dc0
        if path == "persistent":
            path = "steps"
    kern = be.kernel("lstm_step.cu", step_names(dt, sa, ga)[1])
    LAST_PATH["backward"] = path
    if path == "graph":
        return _backward_graph(be, kern, G, C, R, dY, dh, dc, dZ, T, B, H, dt, sa, ga)
    _bwd_loop(be, kern, T, B, H, G, C, R, dY, dh, dc, dZ, dt)
    return dh, dc


def _parameter_grads(be, residual, x, W, dZ, needs, T, B, I, H, dt):
    """dx, dW, dR, db (None where not needed): large products with dZ."""
    xp = be.xp
    H4, TB = 4 * H, T * B
    dx = dW = dR = db = None
    if needs[0]:
        dx = xp.empty((T, B, I), dt)
        if TB:
            gemm_rm(be, False, False, TB, I, H4, dZ, H4, W, I, dx, I, 0.0, dt)
    if needs[3]:
        dW = xp.zeros((H4, I), dt)
        if TB:
            gemm_rm(be, True, False, H4, I, TB, dZ, H4, x, I, dW, I, 0.0, dt)
    if needs[4]:
        dR = xp.zeros((H4, H), dt)
        if TB:
            gemm_rm(be, True, False, H4, H, B, dZ, H4, residual.h0f, H, dR, H, 0.0, dt)
            if T > 1:
                gemm_rm(be, True, False, H4, H, (T - 1) * B, dZ[1:], H4, residual.Y, H, dR,
                        H, 1.0, dt)
    if needs[5]:
        db = dZ.reshape(TB, H4).sum(axis=0) if TB else xp.zeros((H4,), dt)
    return dx, dW, dR, db


def backward(residual, x, W, R, gY=None, ghT=None, gcT=None, state_act="tanh",
             gate_act="sigmoid", needs=(True,) * 6, *, mode=None, backend=None):
    """Gradients of lstm on the device from the forward pass's residual.

    gY (T x B x H), ghT, gcT (B x H): gradients of the outputs (None for none).
    ``needs``: which of (x, h0, c0, W, R, b) need a gradient.  Returns a list of
    six arrays or None: dx (T x B x I), dh0 and dc0 (of h0's / c0's number of rows),
    dW (4H x I), dR (4H x H), db (4H)."""
    be = default_backend() if backend is None else backend
    xp = be.xp
    T, B, I, H, dt = _check_backward(residual, x, W, R)
    sa, ga = activation_codes(state_act, gate_act)
    dY, dh, dc = _output_grads(xp, gY, ghT, gcT, T, B, H, dt)
    dZ = xp.empty((T, B, 4 * H), dt)
    if T > 0 and B > 0:
        dh, dc = _backward_time_loop(be, residual, R, dY, dh, dc, dZ, T, B, H, dt, sa, ga,
                                     mode)
    grads = [None] * 6
    if needs[1]:
        grads[1] = dh if residual.h0_rows == B else dh.sum(axis=0, keepdims=True)
    if needs[2]:
        grads[2] = dc if residual.c0_rows == B else dc.sum(axis=0, keepdims=True)
    grads[0], grads[3], grads[4], grads[5] = _parameter_grads(be, residual, x, W, dZ, needs,
                                                              T, B, I, H, dt)
    return grads


def _backward_graph(be, kern, G, C, R, dY, dh, dc, dZ, T, B, H, dt, sa, ga):
    """Backward loop from a captured graph; dZ is filled (by a copy of the plan's),
    returns (dh0, dc0)."""
    xp = be.xp
    has_dy = dY is not None

    def make():
        p = _Plan()
        p.G = xp.empty((T, B, 4 * H), dt)
        p.C = xp.empty((T + 1, B, H), dt)
        p.R = xp.empty((4 * H, H), dt)
        p.dY = xp.empty((T, B, H), dt) if has_dy else None
        p.dh = xp.empty((B, H), dt)
        p.dc = xp.empty((B, H), dt)
        p.dZ = xp.empty((T, B, 4 * H), dt)

        def loop():
            _bwd_loop(be, kern, T, B, H, p.G, p.C, p.R, p.dY, p.dh, p.dc, p.dZ, dt)

        def warmup():
            gemm_rm(be, False, False, B, H, 4 * H, p.dZ[0], 4 * H, p.R, H, p.dh, H, 0.0, dt)
        p.graph = be.capture(loop, warmup)
        return p

    plan = _get_plan(_plan_key(be, "bwd", dt.str, T, B, H, sa, ga, has_dy), make)
    with plan.lock:
        xp.copyto(plan.G, G)
        xp.copyto(plan.C, C)
        xp.copyto(plan.R, R)
        if has_dy:
            xp.copyto(plan.dY, dY)
        xp.copyto(plan.dh, dh)
        xp.copyto(plan.dc, dc)
        plan.graph.launch()
        xp.copyto(dZ, plan.dZ)
        return plan.dh.copy(), plan.dc.copy()


# --------------------------------------------------------------------------
# The primitive's two halves (called by dlarr.functions.lstm for CuPy arrays)
# --------------------------------------------------------------------------

def primitive_forward(x, h0, c0, W, R, b, state_act, gate_act, keep):
    """``dlarr.functions.lstm``'s primitive on CuPy arrays: ((Y, hT, cT), residual)."""
    xp = array_namespace(x, h0, c0, W, R, b, where="lstm")
    args = [xp.ascontiguousarray(a) for a in (x, h0, c0, W, R, b)]
    return forward(*args, state_act=state_act, gate_act=gate_act, keep=keep)


def primitive_backward(needs, g, x, h0, c0, W, R, b, state_act, gate_act, residual):
    """The vjp of ``dlarr.functions.lstm``'s primitive on CuPy arrays: six DLArrays or
    None."""
    from ..core.dlarray import DLArray
    if not isinstance(residual, GpuResidual):
        raise RuntimeError("lstm (GPU): the forward pass kept no GPU residual")
    xp = array_namespace(x._data)
    gY, gh, gc = (gi._data if gi is not None else None for gi in g)
    raw = backward(residual, xp.ascontiguousarray(x._data), xp.ascontiguousarray(W._data),
                   xp.ascontiguousarray(R._data), gY, gh, gc, state_act, gate_act, needs)
    return tuple(None if (r is None or not n) else DLArray._new(r, "")
                 for r, n in zip(raw, needs))
