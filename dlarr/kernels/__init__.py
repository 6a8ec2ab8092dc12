"""dlarr's GPU wing: CUDA kernels (``.cu``/``.cuh`` package data) and their CuPy launchers.

GPU settings (the public names of this package):

* ``set_tf32(enabled)``: TF32 tensor-core compute for dlarr's float32 cuBLAS
  products on the GPU (True / False), or None to follow the environment variable
  CUPY_TF32 (the default; CuPy reads it for its own products too).  dlarr's kernels
  compute in FP32 either way.
* ``tf32_enabled()``: whether float32 products use TF32 now.
* ``lstm_gpu_mode(name)``: a context manager; inside it ``dl.lstm`` on CuPy arrays
  runs through one path: ``"auto"`` (default), ``"steps"`` (a cuBLAS product and a
  fused kernel per step), ``"graph"`` (the same loop replayed from a CUDA graph) or
  ``"persistent"`` (one launch for all steps; falls back to the steps where it does
  not apply).  Matched like every dlarr option (any case, a unique leading part;
  the names are ``dlarr.core.options.LSTM_GPU_MODES``).  Per thread.
* ``get_lstm_gpu_mode()``: the mode in force: the innermost ``lstm_gpu_mode`` of
  this thread, else the environment variable DLARR_LSTM_GPU_MODE, else "auto".

    from dlarr import kernels
    kernels.set_tf32(True)
    with kernels.lstm_gpu_mode("persistent"):
        Y, h, c = dl.lstm(X, H0, C0, W, R, b)

Modules: ``loader`` (CUDA sources to compiled CuPy kernels, for any kernel family,
dlarr's or a user's own; see docs/extending.md), ``cuda`` (cuBLAS products, graphs,
device limits, cooperative launch, the backend contract), ``lstm`` (the lstm
launcher).

Importing this package never imports CuPy; the launchers import it only when they
are handed CuPy arrays.  It imports only from ``dlarr.core``.
"""
from .cuda import set_tf32, tf32_enabled
from .lstm import get_lstm_gpu_mode, lstm_gpu_mode

__all__ = ["set_tf32", "tf32_enabled", "lstm_gpu_mode", "get_lstm_gpu_mode"]
