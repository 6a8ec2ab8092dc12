"""Operand preparation: what every public operation does before it binds a primitive.

One backend for all operands (``_xp``), MATLAB's result type (single wins,
logical and integer data become double: ``_float_dtype``), each operand as a
DLArray of that type (``_to_dl``; a DLArray is converted by a recorded cast),
and label alignment (``_align``, from ``formats.align``).  ``_binary`` and
``_unary`` are these steps for the elementwise operations.
"""
from __future__ import annotations

import numpy as np

from . import formats as _formats
from .arguments import as_array
from .backend import array_namespace, float_result_dtype, is_array, is_python_scalar
from .dlarray import DLArray
from .registry import bind
from .structural import _cast, _reshape

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _raw(x):
    return x._data if isinstance(x, DLArray) else x


def _xp(*xs, where="operation"):
    return array_namespace(*[_raw(x) for x in xs], where=where)


def _dtype_of(x, where="operation", name="input"):
    if isinstance(x, DLArray) or is_array(x):
        return x.dtype
    if isinstance(x, (list, tuple)):
        return as_array(x, where, name).dtype
    return None  # Python scalars adopt the other operands' type


def _float_dtype(*xs, where="operation", names=None):
    names = names or (("first input", "second input") if len(xs) == 2 else
                      [f"input {i}" for i in range(len(xs))])
    return float_result_dtype(*[_dtype_of(x, where, n) for x, n in zip(xs, names)])


def _check_numeric(dtype, where, name):
    kind = np.dtype(dtype).kind
    if kind == "c":
        raise TypeError(f"{where}: {name} is complex; dlarr supports real data only")
    if kind not in "biuf":
        raise TypeError(f"{where}: {name} must be numeric or logical, not of dtype {dtype}")


def _float_type(dtype):
    """``dtype`` as a NumPy dtype that dlarr computes in: float32 or float64 (cast's rule)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"cast: newclass (dtype) must be 'single', 'double' or a NumPy float "
                        f"type (np.float32, np.float64), not {dtype!r}") from None
    if dtype not in _FLOATS:
        raise ValueError(f"cast: dlarr computes in float32 (single) or float64 (double), not {dtype}")
    return dtype


def _converted(X: DLArray, dtype) -> DLArray:
    """DLArray ``X`` as float32 or float64 ``dtype``, by a recorded cast when it differs."""
    dtype = _float_type(dtype)
    if X.dtype == dtype:
        return X
    return bind(_cast, [X], X._fmt, dtype=dtype)


def _to_dl(x, xp, dtype, where, name="input") -> DLArray:
    """Operand ``x`` as a DLArray of ``dtype`` (a DLArray is cast by a recorded op)."""
    if isinstance(x, DLArray):
        if x._data.dtype != dtype:
            return _converted(x, dtype)
        return x
    if is_python_scalar(x):
        if isinstance(x, complex):
            raise TypeError(f"{where}: {name} is complex; dlarr supports real data only")
        return DLArray._new(xp.asarray(x, dtype=dtype), "")
    if is_array(x):
        _check_numeric(x.dtype, where, name)
        return DLArray._new(xp.asarray(x).astype(dtype, copy=False), "")
    if isinstance(x, (list, tuple)) and xp is np:
        a = as_array(x, where, name)
        _check_numeric(a.dtype, where, name)
        return DLArray._new(a.astype(dtype, copy=False), "")
    raise TypeError(f"{where}: {name} must be a dlarray, a numeric array or a scalar, "
                    f"not {type(x).__name__}")


def _as_float(x, where, name="X") -> DLArray:
    """One operand as a floating DLArray (logical and integer data become double)."""
    xp = _xp(x, where=where)
    return _to_dl(x, xp, float_result_dtype(_dtype_of(x, where, name)), where, name)


def _const(raw) -> DLArray:
    """An untraced constant operand (masks and weights inside derivatives)."""
    return DLArray._new(raw, "")


def _align(ops, where):
    """Apply ``_formats.align``: reshape operands (a recorded op) to the output's axes."""
    shaped = [o for o in ops if o._data.ndim]      # 0-d operands broadcast everywhere
    if shaped:
        fmt0, shape0 = shaped[0]._fmt, shaped[0]._data.shape
        if all(o._fmt == fmt0 and o._data.shape == shape0 for o in shaped):
            return fmt0, ops      # the common case: nothing to align
    elif all(not o._fmt for o in ops):
        return "", ops
    out_fmt, _, aligned = _formats.align([(o._fmt, o._data.shape) for o in ops], where)
    if out_fmt:
        ops = [o if (a == () or o._data.shape == a) else bind(_reshape, [o], "", shape=a)
               for o, a in zip(ops, aligned)]
    return out_fmt, ops


def _scalar_operand(x, like):
    """A Python real beside NumPy data ``like`` as a 0-d array of its float type, or None
    (then the general path decides)."""
    t = type(x)
    if (t is float or t is int) and type(like) is np.ndarray and like.dtype in _FLOATS:
        return DLArray._new(np.asarray(x, dtype=like.dtype), "")
    return None


def _binary(prim, a, b, where):
    # Fast path for the common operands: DLArrays of one float type and backend, or
    # one of them beside a Python real.  Anything else takes the general path below.
    if type(a) is DLArray:
        if type(b) is DLArray:
            if a._data.dtype is b._data.dtype and type(a._data) is type(b._data) and \
                    a._data.dtype in _FLOATS:
                fmt, (A, B) = _align([a, b], where)
                return bind(prim, [A, B], fmt)
        elif (B := _scalar_operand(b, a._data)) is not None:
            fmt, (A, B) = _align([a, B], where)
            return bind(prim, [A, B], fmt)
    elif type(b) is DLArray and (A := _scalar_operand(a, b._data)) is not None:
        fmt, (A, B) = _align([A, b], where)
        return bind(prim, [A, B], fmt)
    xp = _xp(a, b, where=where)
    dt = _float_dtype(a, b, where=where)
    A = _to_dl(a, xp, dt, where, "first input")
    B = _to_dl(b, xp, dt, where, "second input")
    fmt, (A, B) = _align([A, B], where)
    return bind(prim, [A, B], fmt)


def _unary(prim, x, where):
    X = _as_float(x, where)
    return bind(prim, [X], X._fmt)


def _trim(Y: DLArray) -> DLArray:
    """``Y`` without singleton trailing "U" dimensions after the second, which
    MATLAB ignores (``formats.trim_u``): a recorded reshape when there are any."""
    if len(Y._fmt) <= 2 or Y._fmt[-1] != "U":
        return Y
    fmt, shape = _formats.trim_u(Y._fmt, Y.shape)
    if fmt == Y._fmt:
        return Y
    return bind(_reshape, [Y], fmt, shape=shape)
