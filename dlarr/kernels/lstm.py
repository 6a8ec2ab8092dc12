"""lstm on the GPU: dlarr's own fused CUDA kernels (``dlarr/kernels/``) run through CuPy.

``dlarr._lstm`` calls :func:`primitive_forward` and :func:`primitive_backward` when
its arrays are CuPy arrays; everything above the primitive (formats, tape) is the
same as on the host.  CuPy is imported inside functions only: importing this module
(and ``dlarr``) never imports it.

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

Paths for the time loop (``mode``):

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
  available when this was written); ``mode()`` or DLARR_LSTM_GPU_MODE override them.

Float32 products use strict FP32 unless TF32 is asked for (``set_tf32(True)``, or the
environment variable CUPY_TF32=1, which CuPy reads for its own products too).
"""
from __future__ import annotations

import collections
import contextlib
import os
import threading
import warnings
from importlib import resources

import numpy as np

from ..core.backend import array_namespace

STATE_ACTS = {"tanh": 0, "softsign": 1, "relu": 2}
GATE_ACTS = {"sigmoid": 0, "hard-sigmoid": 1}
MODES = ("auto", "steps", "graph", "persistent")
KERNEL_FILES = ("lstm_step.cu", "lstm_persistent.cu")
HEADER = "lstm_gates.cuh"
_CTYPE = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}

# cuBLAS / CUDA enum values (cublas_api.h, library_types.h); CuPy's module has them too.
_OP_N, _OP_T = 0, 1
_CUDA_R_32F, _CUDA_R_64F = 0, 1
_COMPUTE_32F, _COMPUTE_32F_FAST_TF32, _COMPUTE_64F = 68, 77, 70
_GEMM_DEFAULT = -1
_POINTER_MODE_HOST = 0
_DEFAULT_MATH, _TF32_TENSOR_OP_MATH = 0, 3

# Persistent kernels: limits of the register-resident weights (in reals per thread).
_PERSIST_MAX_H = {4: 512, 8: 256}
_REG_BUDGET = {4: 128, 8: 64}          # R part + accumulators, in reals
_MAX_BS = {4: 16, 8: 8}
# "auto": graphs when a step's recurrent product is at most this many multiply-adds.
_GRAPH_MAX_STEP_MACS = 1 << 22
_PLAN_CACHE_SIZE = 8

_local = threading.local()
_TF32 = None                            # None: follow CUPY_TF32
# The path the last forward / backward call took (tests and the benchmark read it).
LAST_PATH = {"forward": None, "backward": None}


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------

def get_mode() -> str:
    m = getattr(_local, "mode", None)
    if m is None:
        m = os.environ.get("DLARR_LSTM_GPU_MODE", "auto")
    if m not in MODES:
        raise ValueError(f"lstm GPU mode must be one of {MODES}, not {m!r}")
    return m


@contextlib.contextmanager
def mode(name):
    """Run the GPU lstm through one path: "auto", "steps", "graph" or "persistent"
    ("persistent" falls back to the step path where it does not apply)."""
    if name not in MODES:
        raise ValueError(f"lstm GPU mode must be one of {MODES}, not {name!r}")
    old = getattr(_local, "mode", None)
    _local.mode = name
    try:
        yield
    finally:
        _local.mode = old


def set_tf32(enabled):
    """TF32 for the float32 products (True/False), or None to follow CUPY_TF32."""
    global _TF32
    _TF32 = None if enabled is None else bool(enabled)


def tf32_enabled() -> bool:
    if _TF32 is not None:
        return _TF32
    try:
        return int(os.environ.get("CUPY_TF32", "0")) > 0
    except ValueError:
        return False


# --------------------------------------------------------------------------
# Sources and kernel names
# --------------------------------------------------------------------------

_SOURCES = {}


def kernel_text(filename):
    """A file of dlarr/kernels as shipped (package data)."""
    return resources.files("dlarr").joinpath("kernels").joinpath(filename).read_text(
        encoding="utf-8")


def kernel_source(filename):
    """The source NVRTC compiles: the .cu file with lstm_gates.cuh pasted in place of
    its #include (so the text is self-contained and CuPy's cache key covers both)."""
    src = _SOURCES.get(filename)
    if src is None:
        text = kernel_text(filename)
        inc = f'#include "{HEADER}"'
        if inc not in text:
            raise RuntimeError(f"dlarr kernels: {filename} does not include {HEADER}")
        src = text.replace(inc, kernel_text(HEADER), 1)
        _SOURCES[filename] = src
    return src


def _ctype(dtype):
    try:
        return _CTYPE[np.dtype(dtype)]
    except KeyError:
        raise ValueError(f"lstm (GPU): data must be float32 or float64, not "
                         f"{np.dtype(dtype)}") from None


def step_names(dtype, sa, ga):
    """Name expressions of the per-step forward and backward kernels."""
    ct = _ctype(dtype)
    return f"lstm_fwd_step<{ct},{sa},{ga}>", f"lstm_bwd_step<{ct},{sa},{ga}>"


def persistent_fwd_name(dtype, sa, ga, U, KL, BS):
    return f"lstm_fwd_persistent<{_ctype(dtype)},{sa},{ga},{U},{KL},{BS}>"


def persistent_bwd_name(dtype, sa, ga, U, KB, BS):
    return f"lstm_bwd_persistent<{_ctype(dtype)},{sa},{ga},{U},{KB},{BS}>"


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
        for sa in STATE_ACTS.values():
            for ga in GATE_ACTS.values():
                step.extend(step_names(dt, sa, ga))
        for B, H in ((27, 100), (32, 3), (64, 256), (16, 512), (1, 37), (3, 37)):
            for (U, KL, BS, _) in persistent_fwd_candidates(B, H, dt):
                pers.append(persistent_fwd_name(dt, 0, 0, U, KL, BS))
            for (U, KB, BS, _) in persistent_bwd_candidates(B, H, dt):
                pers.append(persistent_bwd_name(dt, 0, 0, U, KB, BS))
    return {"lstm_step.cu": step, "lstm_persistent.cu": list(dict.fromkeys(pers))}


# --------------------------------------------------------------------------
# The CuPy backend (a test supplies an emulated one with the same methods)
# --------------------------------------------------------------------------

class CupyBackend:
    """Allocation, kernels, cuBLAS products and graph capture through CuPy."""

    name = "cupy"

    def __init__(self):
        import cupy
        self.xp = cupy
        self._modules = {}
        self._lock = threading.Lock()
        self._capture_streams = {}

    # -- arrays
    @staticmethod
    def ptr(a):
        return a.data.ptr

    def device_id(self):
        return self.xp.cuda.runtime.getDevice()

    def stream_key(self):
        return (self.device_id(), self.xp.cuda.get_current_stream().ptr)

    # -- kernels
    def kernel(self, filename, name_expr, options=("-std=c++17",)):
        """A compiled kernel, cached per (file, instantiation, device)."""
        key = (filename, name_expr, tuple(options), self.device_id())
        k = self._modules.get(key)
        if k is None:
            with self._lock:
                k = self._modules.get(key)
                if k is None:
                    mod = self.xp.RawModule(code=kernel_source(filename), options=tuple(options),
                                            name_expressions=(name_expr,))
                    k = mod.get_function(name_expr)
                    self._modules[key] = k
        return k

    def prepare(self, kern, shared_mem):
        """Allow more than 48 KiB of dynamic shared memory where needed."""
        if shared_mem > 48 * 1024 and kern.max_dynamic_shared_size_bytes < shared_mem:
            kern.max_dynamic_shared_size_bytes = shared_mem

    def launch(self, kern, grid, block, args, shared_mem=0, cooperative=False):
        if cooperative:
            # Compiled without enable_cooperative_groups (CuPy 13 would compile that
            # as relocatable code and link cudadevrt); the launch itself is cooperative.
            kern.kernel(tuple(grid), tuple(block), tuple(args), shared_mem=shared_mem,
                        enable_cooperative_groups=True)
        else:
            kern(tuple(grid), tuple(block), tuple(args), shared_mem=shared_mem)

    def device_limits(self):
        rt = self.xp.cuda.runtime
        dev = self.device_id()
        sms = rt.deviceGetAttribute(getattr(rt, "cudaDevAttrMultiProcessorCount", 16), dev)
        smem = rt.deviceGetAttribute(
            getattr(rt, "cudaDevAttrMaxSharedMemoryPerBlockOptin", 97), dev)
        coop = rt.deviceGetAttribute(getattr(rt, "cudaDevAttrCooperativeLaunch", 95), dev)
        return sms, smem, bool(coop)

    def blocks_per_sm(self, kern, block, shared_mem):
        from cupy_backends.cuda.api import driver
        return driver.occupancyMaxActiveBlocksPerMultiprocessor(kern.kernel.ptr, block,
                                                                shared_mem)

    # -- cuBLAS (column-major, as cuBLAS sees it)
    def gemm_cm(self, transa, transb, m, n, k, A, lda, B, ldb, beta, C, ldc, dtype):
        from cupy_backends.cuda.libs import cublas
        handle = self.xp.cuda.device.get_cublas_handle()
        stream = self.xp.cuda.get_current_stream().ptr
        old_stream = cublas.getStream(handle)
        old_mode = cublas.getPointerMode(handle)
        old_math = cublas.getMathMode(handle)
        dt = np.dtype(dtype)
        alpha_h = np.ones((), dt)
        beta_h = np.full((), beta, dt)
        try:
            cublas.setStream(handle, stream)
            if old_mode != _POINTER_MODE_HOST:
                cublas.setPointerMode(handle, _POINTER_MODE_HOST)
            if dt == np.float64:
                cublas.dgemm(handle, transa, transb, m, n, k, alpha_h.ctypes.data, A, lda,
                             B, ldb, beta_h.ctypes.data, C, ldc)
            else:
                tf32 = tf32_enabled()
                if not tf32 and old_math == _TF32_TENSOR_OP_MATH:
                    cublas.setMathMode(handle, _DEFAULT_MATH)
                cublas.gemmEx(handle, transa, transb, m, n, k, alpha_h.ctypes.data,
                              A, _CUDA_R_32F, lda, B, _CUDA_R_32F, ldb, beta_h.ctypes.data,
                              C, _CUDA_R_32F, ldc,
                              _COMPUTE_32F_FAST_TF32 if tf32 else _COMPUTE_32F, _GEMM_DEFAULT)
        finally:
            if cublas.getMathMode(handle) != old_math:
                cublas.setMathMode(handle, old_math)
            if old_mode != _POINTER_MODE_HOST:
                cublas.setPointerMode(handle, old_mode)
            cublas.setStream(handle, old_stream)

    # -- CUDA graphs
    def _capture_stream(self):
        key = self.device_id()
        s = self._capture_streams.get(key)
        if s is None:
            s = self._capture_streams[key] = self.xp.cuda.Stream(non_blocking=True)
        return s

    def capture(self, fn, warmup=None):
        """A CUDA graph of what ``fn`` launches (kernels and cuBLAS products only).
        ``warmup`` runs first on the capture stream, outside the capture, so that
        cuBLAS has its per-stream workspace and kernels before capturing."""
        cp = self.xp
        s = self._capture_stream()
        # The capture stream must not start before the caller's stream got here.
        s.wait_event(cp.cuda.get_current_stream().record())
        with s:
            if warmup is not None:
                warmup()
            s.synchronize()
            s.begin_capture()
            try:
                fn()
            except BaseException:
                try:
                    s.end_capture()
                except Exception:
                    pass
                raise
            graph = s.end_capture()
        return _CupyGraph(graph)


class _CupyGraph:
    __slots__ = ("graph",)

    def __init__(self, graph):
        self.graph = graph

    def launch(self):
        self.graph.launch()          # on the current stream


class PoisonXP:
    """An array module whose ``empty`` fills float arrays with NaN (tests: elements a
    kernel fails to write show up)."""

    def __init__(self, xp):
        self._xp = xp

    def __getattr__(self, name):
        return getattr(self._xp, name)

    def empty(self, shape, dtype=float):
        a = self._xp.empty(shape, dtype)
        if np.dtype(dtype).kind == "f":
            a.fill(np.nan)
        return a


def set_poison(enabled):
    """Make the GPU path's fresh buffers NaN-filled (tests) or not (default)."""
    be = default_backend()
    base = be.xp._xp if isinstance(be.xp, PoisonXP) else be.xp
    be.xp = PoisonXP(base) if enabled else base


_BACKEND = None
_BACKEND_LOCK = threading.Lock()


def default_backend():
    global _BACKEND
    if _BACKEND is None:
        with _BACKEND_LOCK:
            if _BACKEND is None:
                _BACKEND = CupyBackend()
    return _BACKEND


# --------------------------------------------------------------------------
# Products in row-major terms
# --------------------------------------------------------------------------

def gemm_rm(be, ta, tb, M, N, K, A, lda, Bm, ldb, C, ldc, beta, dtype):
    """C (M x N, row-major, row stride ldc) = op(A) op(B) + beta C, with A, B, C
    row-major arrays (views) and op = transpose when ta / tb.  cuBLAS is column-major:
    a row-major matrix is its transpose there, so this is C^T = op(B)^T op(A)^T with
    the operands swapped and the transpose flags unchanged."""
    if M == 0 or N == 0:
        return
    be.gemm_cm(_OP_T if tb else _OP_N, _OP_T if ta else _OP_N, N, M, K, be.ptr(Bm), ldb,
               be.ptr(A), lda, beta, be.ptr(C), ldc, dtype)


# --------------------------------------------------------------------------
# Checks (before any launch)
# --------------------------------------------------------------------------

def _contiguous(a):
    return a.flags.c_contiguous


def _check_forward(x, h0, c0, W, R, b):
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


def _codes(state_act, gate_act):
    try:
        return STATE_ACTS[state_act], GATE_ACTS[gate_act]
    except KeyError:
        raise ValueError(f"lstm (GPU): unknown activation {state_act!r} / "
                         f"{gate_act!r}") from None


def _i32(v):
    return np.int32(v)


_BLOCK = 256


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


def _resolve_mode(T, B, H, dt, requested):
    m = get_mode() if requested is None else requested
    if m not in MODES:
        raise ValueError(f"lstm GPU mode must be one of {MODES}, not {m!r}")
    if m != "auto":
        return m, False
    macs = 4 * B * H * H
    fallback = "graph" if (T >= 4 and macs <= _GRAPH_MAX_STEP_MACS) else "steps"
    return fallback, True          # persistent is tried first in auto mode


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


def _persistent_fwd(be, G, b, R, h0, c0, Y, cst, c_stride, T, B, H, keep, dt, sa, ga):
    """The persistent forward kernel, if a configuration fits; True if launched."""
    return _persistent(
        be, persistent_fwd_candidates(B, H, dt),
        lambda U, KL, BS: persistent_fwd_name(dt, sa, ga, U, KL, BS),
        lambda bar: (G, b, R, h0, _i32(0 if h0.shape[0] == 1 else H), c0,
                     _i32(0 if c0.shape[0] == 1 else H), Y, cst, np.int64(c_stride), bar,
                     _i32(T), _i32(B), _i32(H), _i32(1 if keep else 0)),
        B, H)


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


def forward(x, h0, c0, W, R, b, state_act="tanh", gate_act="sigmoid", keep=False, *,
            mode=None, backend=None):
    """lstm forward on the device: x T x B x I, h0/c0 (1 or B) x H, W 4H x I, R 4H x H,
    b 4H, all C-contiguous and of one float type.  Returns ((Y, hT, cT), residual):
    Y T x B x H, hT and cT B x H, residual a GpuResidual when ``keep`` else None."""
    T, B, I, H, dt = _check_forward(x, h0, c0, W, R, b)
    sa, ga = _codes(state_act, gate_act)
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


def _persistent_bwd(be, G, C, R, dY, dhT, dcT, dZ, dh0, dc0, T, B, H, dt, sa, ga):
    """The persistent backward kernel, if a configuration fits; True if launched."""
    return _persistent(
        be, persistent_bwd_candidates(B, H, dt),
        lambda U, KB, BS: persistent_bwd_name(dt, sa, ga, U, KB, BS),
        lambda bar: (G, C, R, dY, dhT, dcT, dZ, dh0, dc0, bar, _i32(T), _i32(B), _i32(H)),
        B, H)


def backward(residual, x, W, R, gY=None, ghT=None, gcT=None, state_act="tanh",
             gate_act="sigmoid", needs=(True,) * 6, *, mode=None, backend=None):
    """Gradients of lstm on the device from the forward pass's residual.

    gY (T x B x H), ghT, gcT (B x H): gradients of the outputs (None for none).
    ``needs``: which of (x, h0, c0, W, R, b) need a gradient.  Returns a list of
    six arrays or None: dx (T x B x I), dh0 and dc0 (of h0's / c0's number of rows),
    dW (4H x I), dR (4H x H), db (4H)."""
    be = default_backend() if backend is None else backend
    xp = be.xp
    G, C, Y, h0f = residual.G, residual.C, residual.Y, residual.h0f
    T, B, H4 = G.shape
    H = H4 // 4
    I = x.shape[2]
    dt = np.dtype(G.dtype)
    sa, ga = _codes(state_act, gate_act)
    for name, a in (("x", x), ("weights", W), ("recurrentWeights", R)):
        if not _contiguous(a) or np.dtype(a.dtype) != dt:
            raise ValueError(f"lstm (GPU) backward: {name} must be C-contiguous {dt}")
    if x.shape != (T, B, I) or W.shape != (H4, I) or R.shape != (H4, H):
        raise ValueError("lstm (GPU) backward: input shapes do not match the forward pass")

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
    dZ = xp.empty((T, B, H4), dt)

    if T > 0 and B > 0:
        path, auto = _resolve_mode(T, B, H, dt, mode)
        done = False
        if path == "persistent" or auto:
            dh0, dc0 = xp.empty((B, H), dt), xp.empty((B, H), dt)
            done = _persistent_bwd(be, G, C, R, dY, dh, dc, dZ, dh0, dc0, T, B, H, dt, sa, ga)
            if done:
                dh, dc = dh0, dc0
                LAST_PATH["backward"] = "persistent"
            elif path == "persistent":
                path = "steps"
        if not done:
            kern = be.kernel("lstm_step.cu", step_names(dt, sa, ga)[1])
            LAST_PATH["backward"] = path
            if path == "graph":
                dh, dc = _backward_graph(be, kern, G, C, R, dY, dh, dc, dZ, T, B, H, dt,
                                         sa, ga)
            else:
                _bwd_loop(be, kern, T, B, H, G, C, R, dY, dh, dc, dZ, dt)

    grads = [None] * 6
    if needs[1]:
        grads[1] = dh if residual.h0_rows == B else dh.sum(axis=0, keepdims=True)
    if needs[2]:
        grads[2] = dc if residual.c0_rows == B else dc.sum(axis=0, keepdims=True)
    TB = T * B
    if needs[0]:
        dx = xp.empty((T, B, I), dt)
        if TB:
            gemm_rm(be, False, False, TB, I, H4, dZ, H4, W, I, dx, I, 0.0, dt)
        grads[0] = dx
    if needs[3]:
        dW = xp.zeros((H4, I), dt)
        if TB:
            gemm_rm(be, True, False, H4, I, TB, dZ, H4, x, I, dW, I, 0.0, dt)
        grads[3] = dW
    if needs[4]:
        dR = xp.zeros((H4, H), dt)
        if TB:
            gemm_rm(be, True, False, H4, H, B, dZ, H4, h0f, H, dR, H, 0.0, dt)
            if T > 1:
                gemm_rm(be, True, False, H4, H, (T - 1) * B, dZ[1:], H4, Y, H, dR, H, 1.0, dt)
        grads[4] = dR
    if needs[5]:
        grads[5] = dZ.reshape(TB, H4).sum(axis=0) if TB else xp.zeros((H4,), dt)
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
# The primitive's two halves (called by dlarr._lstm for CuPy arrays)
# --------------------------------------------------------------------------

def primitive_forward(x, h0, c0, W, R, b, state_act, gate_act, keep):
    """``dlarr._lstm._lstm`` on CuPy arrays: ((Y, hT, cT), residual)."""
    xp = array_namespace(x, h0, c0, W, R, b, where="lstm")
    args = [xp.ascontiguousarray(a) for a in (x, h0, c0, W, R, b)]
    return forward(*args, state_act=state_act, gate_act=gate_act, keep=keep)


def primitive_backward(needs, g, x, h0, c0, W, R, b, state_act, gate_act, residual):
    """The vjp of ``dlarr._lstm._lstm`` on CuPy arrays: six DLArrays or None."""
    from ..core.dlarray import DLArray
    if not isinstance(residual, GpuResidual):
        raise RuntimeError("lstm (GPU): the forward pass kept no GPU residual")
    xp = array_namespace(x._data)
    gY, gh, gc = (gi._data if gi is not None else None for gi in g)
    raw = backward(residual, xp.ascontiguousarray(x._data), xp.ascontiguousarray(W._data),
                   xp.ascontiguousarray(R._data), gY, gh, gc, state_act, gate_act, needs)
    return tuple(None if (r is None or not n) else DLArray._new(r, "")
                 for r, n in zip(raw, needs))
