"""Shape, indexing and type: reshape, permute, cat, squeeze, indexing
(``X[key]``, ``X[key] = v``) and cast/single/double on dlarray.

The primitives they bind live in ``structural``; labels follow the rules of
``formats`` (indexing keeps the labels of the surviving axes, reshape and
permute give unformatted results).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import formats as _formats
from .backend import array_namespace, is_array
from .categorical import categorical, concatenate
from .dlarray import DLArray
from .operands import _as_float, _converted, _float_dtype, _float_type, _to_dl, _xp
from .registry import bind
from .structural import _concat, _getitem, _reshape, _setitem, _transpose
from .options import RESHAPE_ORDERS, choose

# ==========================================================================
# Indexing
# ==========================================================================


def _raw_key(key, xp):
    """An index with DLArray parts (e.g. logical masks) replaced by their data."""
    def one(k):
        if isinstance(k, DLArray):
            k = k._data
        if is_array(k):
            array_namespace(k, xp.empty(0), where="indexing")
            if np.dtype(k.dtype).kind == "f":
                raise IndexError("an index array must be integer or logical, not floating point")
        return k
    return tuple(one(k) for k in key) if isinstance(key, tuple) else one(key)


def getitem(X: DLArray, key):
    """``X[key]`` with NumPy semantics; labels follow the axes that survive."""
    xp = _xp(X, where="indexing")
    key = _raw_key(key, xp)
    fmt = _formats.index_format(X._fmt, X.ndim, key)
    return bind(_getitem, [X], fmt, key=key)


def setitem(X: DLArray, key, value):
    """``X[key] = value``: replaces X's data with an updated copy (recorded when traced)."""
    xp = _xp(X, value, where="indexed assignment")
    key = _raw_key(key, xp)
    v = _to_dl(value, xp, X.dtype, "indexed assignment", "value")
    out = bind(_setitem, [X, v], X._fmt, key=key)
    X._data, X._node = out._data, out._node


# ==========================================================================
# Shape
# ==========================================================================

def reshape(X, *shape, order="C"):
    """Reshape to ``shape`` (one size may be -1 or None); the result is unformatted.

    Elements are taken in row-major (NumPy, "C") order by default; pass
    ``order="F"`` for MATLAB's column-major ``reshape``.
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(-1 if s is None else s for s in shape)
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < -1:
            raise ValueError(f"reshape: sizes must be non-negative integers (one may be -1 or "
                             f"None), got {shape}")
    order = choose(order, RESHAPE_ORDERS, "reshape", "order")
    X = _as_float(X, "reshape") if not isinstance(X, DLArray) else X
    n = X.size
    known = math.prod(s for s in shape if s != -1)
    if shape.count(-1) > 1:
        raise ValueError("reshape: at most one size may be -1 (or None)")
    if shape.count(-1) == 1:
        if known == 0 or n % known:
            raise ValueError(f"reshape: cannot reshape {n} elements into {shape}")
        shape = tuple(n // known if s == -1 else s for s in shape)
    if math.prod(shape) != n:
        raise ValueError(f"reshape: cannot reshape an array of size "
                         f"{_formats.describe(X._fmt, X.shape)} ({n} elements) into "
                         f"{_formats.describe('', shape)} ({math.prod(shape)} elements)")
    shape = tuple(int(s) for s in shape)
    if order == "C":
        return bind(_reshape, [X], "", shape=shape)
    t = bind(_transpose, [X], "", perm=tuple(reversed(range(X.ndim))))
    r = bind(_reshape, [t], "", shape=tuple(reversed(shape)))
    return bind(_transpose, [r], "", perm=tuple(reversed(range(len(shape)))))


def permute(X, order):
    """Permute the dimensions of an unformatted array (0-based ``order``).

    Formatted arrays keep canonical order, so permuting them is an error: use
    ``stripdims(X, fmt)`` to get the data in another order.
    """
    if isinstance(X, DLArray) and X._fmt:
        raise ValueError(f"permute: X is formatted ({X._fmt!r}); formatted data always keeps "
                         "MATLAB's canonical order. Use stripdims(X, fmt) to get the data in "
                         "another dimension order, or stripdims(X) and then permute")
    X = _as_float(X, "permute") if not isinstance(X, DLArray) else X
    order = tuple(int(o) for o in order)
    if sorted(order) != list(range(len(order))) or len(order) < X.ndim:
        raise ValueError(f"permute: order must be a permutation of 0..{max(X.ndim, len(order)) - 1}"
                         f" covering all {X.ndim} dimensions, not {list(order)}")
    if len(order) > X.ndim:
        X = bind(_reshape, [X], "", shape=X.shape + (1,) * (len(order) - X.ndim))
    return bind(_transpose, [X], "", perm=order)


def cat(dim, *arrays):
    """Concatenate along 0-based ``dim`` (MATLAB's ``cat(dim, A, B, ...)``).

    Formatted inputs must share one format; unformatted inputs may grow a new
    trailing dimension.  ``cat(dim, [A, B])`` is accepted too.  Categoricals
    concatenate as MATLAB's do (``categorical.concatenate``: the categories of
    the first, then the new ones of the next).
    """
    if len(arrays) == 1 and isinstance(arrays[0], (list, tuple)):
        arrays = tuple(arrays[0])
    if not arrays:
        raise ValueError("cat: give at least one array to concatenate")
    if any(isinstance(a, categorical) for a in arrays):
        return concatenate(dim, arrays)
    xp = _xp(*arrays, where="cat")
    dt = _float_dtype(*arrays)
    ops = [_to_dl(a, xp, dt, "cat", f"input {i}") for i, a in enumerate(arrays)]
    fmt, axis, ndim = _formats.cat_plan(dim, [o._fmt for o in ops], [o.shape for o in ops])
    ops = [o if o.ndim == ndim else bind(_reshape, [o], "", shape=o.shape + (1,) * (ndim - o.ndim))
           for o in ops]
    return bind(_concat, ops, fmt, axis=axis)


def squeeze(X):
    """Remove singleton dimensions (MATLAB's ``squeeze``; see ``_formats.squeeze_plan``)."""
    if not isinstance(X, DLArray):
        X = _as_float(X, "squeeze")
    shape, fmt = _formats.squeeze_plan(X._fmt, X.shape)
    if shape == X.shape:
        return DLArray._new(X._data, fmt, X._node) if fmt != X._fmt else X
    return bind(_reshape, [X], fmt, shape=shape)


# ==========================================================================
# Type
# ==========================================================================

def cast(X, dtype) -> DLArray:
    """``X`` converted to float32 or float64 (recorded when traced)."""
    dtype = _float_type(dtype)
    if not isinstance(X, DLArray):
        X = _as_float(X, "cast")
    return _converted(X, dtype)


def single(X):
    """MATLAB's ``single``: float32."""
    return cast(X, np.float32)


def double(X):
    """MATLAB's ``double``: float64."""
    return cast(X, np.float64)
