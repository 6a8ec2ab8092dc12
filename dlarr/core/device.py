"""Moving data between host (NumPy) and GPU (CuPy): MATLAB's gpuArray and gather.

These are the only explicit copies between the two: every other operation
refuses to mix them.  A traced DLArray stays traced across the move (the
gradient moves back the other way).
"""
from __future__ import annotations

import importlib.util

from .backend import canUseGPU, is_cupy_array, is_numpy_array
from .dlarray import DLArray
from .registry import bind, primitive


def _cupy():
    if importlib.util.find_spec("cupy") is None:
        raise RuntimeError("gpuArray needs CuPy and a CUDA GPU: pip install 'dlarr[cuda12]' "
                           "(or 'dlarr[cuda13]'); canUseGPU() tells whether a GPU can be used")
    import cupy
    if not canUseGPU():
        raise RuntimeError("gpuArray: CuPy is installed but no CUDA device can be used "
                           "(canUseGPU() is False)")
    return cupy


def _to_gpu_vjp(needs, g, ans, a):
    return (bind(_to_host, [g], ""),)


@primitive("to_gpu", _to_gpu_vjp)
def _to_gpu(a):
    return _cupy().asarray(a)


def _to_host_vjp(needs, g, ans, a):
    return (bind(_to_gpu, [g], ""),)


@primitive("to_host", _to_host_vjp)
def _to_host(a):
    return a.get() if is_cupy_array(a) else a


def gpuArray(X):
    """Copy an array to the GPU, MATLAB's ``gpuArray``.

    Syntax::

        G = dl.gpuArray(X)

    Input arguments:
        X: a dlarray, a NumPy array, or anything ``cupy.asarray`` takes (a list,
            a scalar).  Data already on the GPU is returned as it is.

    Output arguments:
        G: a dlarray keeps its format and its trace (the gradient moves back to
            the host); other data becomes a CuPy array.

    Needs CuPy and a CUDA device (``pip install 'dlarr[cuda12]'``); without them it
    raises RuntimeError: check with :func:`canUseGPU` first.

    Example::

        X = dl.dlarray(np.random.rand(3, 32), "CB")
        if dl.canUseGPU():
            X = dl.gpuArray(X)            # 3(C) x 32(B) double (gpuArray)
        Y = dl.gather(dl.relu(X))         # back on the host
    """
    if isinstance(X, DLArray):
        if is_cupy_array(X._data):
            return X
        Y = bind(_to_gpu, [X._relabelled()], "")
        return Y._relabelled(X._fmt)
    if is_cupy_array(X):
        return X
    return _cupy().asarray(X)


def gather(X):
    """Copy data from the GPU to the host, MATLAB's ``gather``.

    Syntax::

        X = dl.gather(A)

    Input arguments:
        A: a dlarray, a CuPy array or a NumPy array.

    Output arguments:
        X: a dlarray keeps its format and its trace (the gradient moves back to
            the GPU); a CuPy array becomes a NumPy array; host data is returned as
            it is (so gather is safe to call on any result).  Other inputs are a
            TypeError.

    Example::

        X = dl.dlarray(np.ones((3, 4)), "CB")
        if dl.canUseGPU():
            X = dl.gpuArray(X)
        Y = dl.gather(X)                  # a dlarray on the host
        Z = dl.extractdata(Y)             # numpy.ndarray
    """
    if isinstance(X, DLArray):
        if not is_cupy_array(X._data):
            return X
        Y = bind(_to_host, [X._relabelled()], "")
        return Y._relabelled(X._fmt)
    if is_cupy_array(X):
        return X.get()
    if is_numpy_array(X):
        return X
    raise TypeError(f"gather: X must be a dlarray or an array, not {type(X).__name__}")
