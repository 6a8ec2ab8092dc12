"""CUDA services every launcher of dlarr's kernels uses: cuBLAS products, CUDA graphs,
device limits, occupancy, cooperative launch, TF32 control, NaN-poisoned buffers.

A launcher talks to the device through a *backend* object, never to CuPy directly,
so that tests can hand it another one (tests/test_kernels_compile.py runs the
kernels on NumPy arrays through an emulated backend).  The contract, which
:class:`CupyBackend` implements:

* ``name`` (str), ``xp`` (the array module: ``cupy``, or a :class:`PoisonXP`);
* ``ptr(a)``: the device address of array ``a``;
* ``stream_key()``: a hashable key of the current (device, stream);
* ``kernel(filename, name_expr)``: a compiled kernel of dlarr's kernels
  (:func:`dlarr.kernels.loader.get_function`);
* ``prepare(kern, shared_mem)``: allow that much dynamic shared memory;
* ``launch(kern, grid, block, args, shared_mem=0, cooperative=False)``;
* ``device_limits()``: (multiprocessors, max shared memory per block, cooperative
  launch supported);
* ``blocks_per_sm(kern, block, shared_mem)``: occupancy;
* ``gemm_cm(transa, transb, m, n, k, A, lda, B, ldb, beta, C, ldc, dtype)``: a cuBLAS
  product in cuBLAS's column-major terms on device addresses (alpha = 1);
* ``capture(fn, warmup=None)``: a graph (``.launch()``) of what ``fn`` launches.

:func:`gemm_rm` states a product in row-major terms (NumPy's) on top of
``gemm_cm``.  Float32 products use strict FP32 unless TF32 is asked for
(:func:`set_tf32`, or CUPY_TF32=1, which CuPy reads for its own products too).

CuPy is imported inside functions only: importing this module never imports it.
"""
from __future__ import annotations

import os
import threading

import numpy as np

from . import loader

__all__ = ["CupyBackend", "PoisonXP", "default_backend", "gemm_rm", "set_poison",
           "set_tf32", "tf32_enabled"]

# cuBLAS / CUDA enum values (cublas_api.h, library_types.h); CuPy's module has them too.
OP_N, OP_T = 0, 1
_CUDA_R_32F = 0
_COMPUTE_32F, _COMPUTE_32F_FAST_TF32 = 68, 77
_GEMM_DEFAULT = -1
_POINTER_MODE_HOST = 0
_DEFAULT_MATH, _TF32_TENSOR_OP_MATH = 0, 3

_TF32 = None                            # None: follow CUPY_TF32


# --------------------------------------------------------------------------
# TF32
# --------------------------------------------------------------------------

def set_tf32(enabled):
    """TF32 tensor-core compute for dlarr's float32 cuBLAS products: True, False, or
    None to follow the environment variable CUPY_TF32 (the default).  The kernels
    themselves always compute in FP32; float64 products are unaffected."""
    global _TF32
    if enabled is not None and enabled not in (True, False):
        raise TypeError(f"set_tf32: enabled must be True, False or None, not {enabled!r}")
    _TF32 = None if enabled is None else bool(enabled)


def tf32_enabled() -> bool:
    """Whether float32 products use TF32 now: the :func:`set_tf32` setting, else
    CUPY_TF32 > 0."""
    if _TF32 is not None:
        return _TF32
    try:
        return int(os.environ.get("CUPY_TF32", "0")) > 0
    except ValueError:
        return False


# --------------------------------------------------------------------------
# The CuPy backend
# --------------------------------------------------------------------------

class CupyBackend:
    """Allocation, kernels, cuBLAS products and graph capture through CuPy (the
    contract is in the module's docstring)."""

    name = "cupy"

    def __init__(self):
        import cupy
        self.xp = cupy
        self._capture_streams = {}

    # -- arrays, devices
    @staticmethod
    def ptr(a):
        return a.data.ptr

    def device_id(self):
        return self.xp.cuda.runtime.getDevice()

    def stream_key(self):
        return (self.device_id(), self.xp.cuda.get_current_stream().ptr)

    def device_limits(self):
        """(multiprocessors, opt-in shared memory per block in bytes, whether
        cooperative launches are supported) of the current device."""
        rt = self.xp.cuda.runtime
        dev = self.device_id()
        sms = rt.deviceGetAttribute(getattr(rt, "cudaDevAttrMultiProcessorCount", 16), dev)
        smem = rt.deviceGetAttribute(
            getattr(rt, "cudaDevAttrMaxSharedMemoryPerBlockOptin", 97), dev)
        coop = rt.deviceGetAttribute(getattr(rt, "cudaDevAttrCooperativeLaunch", 95), dev)
        return sms, smem, bool(coop)

    # -- kernels
    def kernel(self, filename, name_expr, options=loader.DEFAULT_OPTIONS):
        """A compiled kernel of dlarr's kernels (cached by the loader)."""
        return loader.get_function(filename, name_expr, options=options)

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

    def blocks_per_sm(self, kern, block, shared_mem):
        """How many blocks of ``block`` threads and ``shared_mem`` bytes one
        multiprocessor holds at once (the occupancy calculator)."""
        from cupy_backends.cuda.api import driver
        return driver.occupancyMaxActiveBlocksPerMultiprocessor(kern.kernel.ptr, block,
                                                                shared_mem)

    # -- cuBLAS (column-major, as cuBLAS sees it)
    def gemm_cm(self, transa, transb, m, n, k, A, lda, B, ldb, beta, C, ldc, dtype):
        """C = op(A) op(B) + beta C on the current stream, cuBLAS's column-major terms,
        A, B, C device addresses; float32 in strict FP32 unless :func:`tf32_enabled`.
        The handle's stream, pointer mode and math mode are restored afterwards."""
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
    be.gemm_cm(OP_T if tb else OP_N, OP_T if ta else OP_N, N, M, K, be.ptr(Bm), ldb,
               be.ptr(A), lda, beta, be.ptr(C), ldc, dtype)


# --------------------------------------------------------------------------
# The default backend, NaN poisoning (tests)
# --------------------------------------------------------------------------

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


_BACKEND = None
_BACKEND_LOCK = threading.Lock()


def default_backend():
    """The process's :class:`CupyBackend` (made on first use; imports CuPy)."""
    global _BACKEND
    if _BACKEND is None:
        with _BACKEND_LOCK:
            if _BACKEND is None:
                _BACKEND = CupyBackend()
    return _BACKEND


def set_poison(enabled):
    """Make the launchers' fresh buffers NaN-filled (tests) or not (default)."""
    be = default_backend()
    base = be.xp._xp if isinstance(be.xp, PoisonXP) else be.xp
    be.xp = PoisonXP(base) if enabled else base
