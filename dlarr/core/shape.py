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
    try:
        return bind(_getitem, [X], fmt, key=key)
    except (IndexError, TypeError) as e:
        raise IndexError(f"indexing: {e} (X is {_formats.describe(X._fmt, X.shape)}; "
                         f"indices are 0-based)") from None


def setitem(X: DLArray, key, value):
    """``X[key] = value``: replaces X's data with an updated copy (recorded when traced)."""
    xp = _xp(X, value, where="indexed assignment")
    key = _raw_key(key, xp)
    v = _to_dl(value, xp, X.dtype, "indexed assignment", "value")
    try:
        target = X._data[key].shape
        np.broadcast_shapes(v.shape, target)
        ok = len(v.shape) <= len(target) or all(n == 1 for n in v.shape[:len(v.shape) - len(target)])
    except (IndexError, TypeError) as e:
        raise IndexError(f"indexed assignment: {e} (X is {' x '.join(map(str, X.shape))})") from None
    except ValueError:
        ok = False
    if not ok:
        size = lambda shape: " x ".join(map(str, shape)) or "scalar"      # noqa: E731
        raise ValueError(f"indexed assignment: the value has size {size(v.shape)} but the indexed "
                         f"part of X has size {size(target)}; the value must have that size or "
                         f"one that expands to it")
    out = bind(_setitem, [X, v], X._fmt, key=key)
    X._data, X._node = out._data, out._node


# ==========================================================================
# Shape
# ==========================================================================

def reshape(X, *shape, order="C"):
    """Reshape an array, MATLAB's ``reshape``.

    Syntax::

        B = dl.reshape(A, sz1, ..., szN)
        B = dl.reshape(A, sz)
        B = dl.reshape(A, ..., order="F")
        B = A.reshape(sz1, ..., szN)

    Input arguments:
        A: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar.
        sz1, ..., szN or sz: the new sizes, ints (or one tuple/list of them) whose
            product is A's number of elements; one size may be -1 or None (MATLAB's
            ``[]``), computed from the others.
        order: the order the elements are taken and placed in: "C" (default,
            row-major, NumPy's) or "F" (column-major, MATLAB's).

    Output arguments:
        B: an unformatted dlarray of the new size (traced when A is).

    Differences from MATLAB: the default order is NumPy's row-major one; pass
    ``order="F"`` for the result MATLAB's ``reshape`` gives.

    Example::

        A = dl.dlarray(np.arange(6.0))
        B = dl.reshape(A, 2, 3)               # [[0, 1, 2], [3, 4, 5]]
        F = dl.reshape(A, (2, 3), order="F")  # [[0, 2, 4], [1, 3, 5]], as MATLAB
        C = dl.reshape(A, 3, None)            # 3 x 2
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


def _integer_order(order) -> tuple:
    """permute's dimorder as a tuple of ints; non-integers (1.7, "10") are a TypeError."""
    if isinstance(order, (str, bytes)) or not hasattr(order, "__iter__"):
        raise TypeError(f"permute: order must be a sequence of integer dimensions, "
                        f"not {order!r}")
    items = list(order.tolist() if hasattr(order, "tolist") else order)
    out = []
    for o in items:
        if isinstance(o, (bool, np.bool_)):
            bad = True
        elif isinstance(o, numbers.Integral):
            bad = False
        elif isinstance(o, numbers.Real):
            bad = not (math.isfinite(o) and float(o).is_integer())
        else:
            bad = True
        if bad:
            raise TypeError(f"permute: order must hold integers (0-based dimensions), "
                            f"not {o!r} in {items!r}")
        out.append(int(o))
    return tuple(out)


def permute(X, order):
    """Permute array dimensions, MATLAB's ``permute``.

    Syntax::

        B = dl.permute(A, dimorder)

    Input arguments:
        A: an unformatted dlarray, a NumPy/CuPy array or a nested list.
        dimorder: a permutation of the 0-based dimensions ``0..n-1``, covering every
            dimension of A; extra trailing entries add singleton dimensions.

    Output arguments:
        B: an unformatted dlarray with ``B.shape[i] == A.shape[dimorder[i]]``.

    Formatted data always keeps canonical order, so permuting it is an error: use
    ``stripdims(X, fmt)`` to get the data in another order.

    Differences from MATLAB: dimorder is 0-based.

    Example::

        A = dl.dlarray(np.zeros((2, 3, 4)))
        B = dl.permute(A, [2, 0, 1])          # 4 x 2 x 3
        C = dl.permute(np.zeros((2, 3)), [1, 0, 2])   # 3 x 2 x 1
    """
    if isinstance(X, DLArray) and X._fmt:
        raise ValueError(f"permute: X is formatted ({X._fmt!r}); formatted data always keeps "
                         "MATLAB's canonical order. Use stripdims(X, fmt) to get the data in "
                         "another dimension order, or stripdims(X) and then permute")
    X = _as_float(X, "permute") if not isinstance(X, DLArray) else X
    order = _integer_order(order)
    if sorted(order) != list(range(len(order))) or len(order) < X.ndim:
        raise ValueError(f"permute: order must be a permutation of 0..{max(X.ndim, len(order)) - 1}"
                         f" covering all {X.ndim} dimensions, not {list(order)}")
    if len(order) > X.ndim:
        X = bind(_reshape, [X], "", shape=X.shape + (1,) * (len(order) - X.ndim))
    return bind(_transpose, [X], "", perm=order)


def cat(dim, *arrays):
    """Concatenate arrays, MATLAB's ``cat``.

    Syntax::

        C = dl.cat(dim, A1, A2, ..., An)
        C = dl.cat(dim, [A1, A2, ..., An])

    Input arguments:
        dim: the 0-based dimension to concatenate along, a non-negative int.
            Unformatted inputs may grow a new trailing dimension (``cat(2, A, B)``
            of matrices gives a 3-D array, as in MATLAB).
        A1, ..., An: dlarrays, NumPy/CuPy arrays or nested lists of equal sizes
            except along dim; formatted inputs must share one format (and dim must
            be one of its dimensions).  Categoricals (or label arrays beside one)
            concatenate as MATLAB's do: the categories of the first, then the new
            ones of the next.

    Output arguments:
        C: a dlarray with the inputs' format (single wins over double), or a
            categorical.

    Differences from MATLAB: dim is 0-based (MATLAB's ``[A; B]`` is
    ``dl.cat(0, A, B)``, ``[A, B]`` is ``dl.cat(1, A, B)``).

    Example::

        A = dl.dlarray(np.ones((3, 2)), "CB")
        B = dl.dlarray(np.zeros((3, 5)), "CB")
        C = dl.cat(1, A, B)                   # 3(C) x 7(B)
        D = dl.cat(2, [np.ones((2, 2)), np.zeros((2, 2))])    # 2 x 2 x 2
        L = dl.cat(0, dl.categorical(["a", "b"]), dl.categorical(["c"]))
    """
    if len(arrays) == 1 and isinstance(arrays[0], (list, tuple)):
        arrays = tuple(arrays[0])
    if not arrays:
        raise ValueError("cat: give at least one array to concatenate")
    if any(isinstance(a, categorical) for a in arrays):
        return concatenate(dim, arrays)
    xp = _xp(*arrays, where="cat")
    dt = _float_dtype(*arrays, where="cat", names=[f"input {i}" for i in range(len(arrays))])
    ops = [_to_dl(a, xp, dt, "cat", f"input {i}") for i, a in enumerate(arrays)]
    fmt, axis, ndim = _formats.cat_plan(dim, [o._fmt for o in ops], [o.shape for o in ops])
    ops = [o if o.ndim == ndim else bind(_reshape, [o], "", shape=o.shape + (1,) * (ndim - o.ndim))
           for o in ops]
    return bind(_concat, ops, fmt, axis=axis)


def squeeze(X):
    """Remove dimensions of length 1, MATLAB's ``squeeze``.

    Syntax::

        B = dl.squeeze(A)

    Input arguments:
        A: a dlarray, a NumPy/CuPy array or a nested list.

    Output arguments:
        B: a dlarray with A's data.  Formatted A: every singleton dimension is
            removed with its label.  Unformatted A: arrays of two or fewer
            dimensions are returned unchanged; otherwise the singleton dimensions
            are removed, keeping at least two (1 x 1 x 3 gives 3 x 1, as in MATLAB).

    Example::

        A = dl.dlarray(np.ones((1, 3, 1, 4)), "SCBT")
        B = dl.squeeze(A)                     # 3(C) x 4(T)
        C = dl.squeeze(np.ones((1, 1, 3)))    # unformatted 3 x 1
    """
    if not isinstance(X, DLArray):
        X = _as_float(X, "squeeze")
    shape, fmt = _formats.squeeze_plan(X._fmt, X.shape)
    if shape == X.shape:
        return X._relabelled(fmt) if fmt != X._fmt else X
    return bind(_reshape, [X], fmt, shape=shape)


# ==========================================================================
# Type
# ==========================================================================

def cast(X, dtype) -> DLArray:
    """Convert to another floating-point type, MATLAB's ``cast``.

    Syntax::

        Y = dl.cast(X, newclass)

    Input arguments:
        X: a dlarray, a NumPy/CuPy array, a nested list or a scalar (numeric or
            logical).
        newclass: "single" or "double", or a NumPy type naming one of them
            (``np.float32``, ``np.float64``, "float32", "float64").

    Output arguments:
        Y: a dlarray of X's size and format and the new type (recorded when X is
            traced, so the gradient flows back through the cast).

    Differences from MATLAB: dlarr computes in single and double only, so other
    classes ("logical", "int32", ...) are errors.

    Example::

        X = dl.dlarray(np.ones((3, 4)), "CB")         # double
        Y = dl.cast(X, "single")                      # single
        Z = dl.cast(np.arange(3), np.float64)         # double dlarray
    """
    if dtype is None or isinstance(dtype, bool) or not isinstance(dtype, (str, type, np.dtype)):
        raise TypeError(f"cast: newclass (dtype) must be 'single', 'double' or a NumPy float type "
                        f"(np.float32, np.float64), not {dtype!r}")
    dtype = _float_type(dtype)
    if not isinstance(X, DLArray):
        X = _as_float(X, "cast")
    return _converted(X, dtype)


def single(X):
    """Convert to single precision (float32), MATLAB's ``single``.

    Syntax::

        Y = dl.single(X)

    Input arguments:
        X: a dlarray, a NumPy/CuPy array, a nested list or a scalar (numeric or
            logical).

    Output arguments:
        Y: a float32 dlarray of X's size and format (``cast(X, "single")``).

    Example::

        Y = dl.single(dl.dlarray(np.ones((3, 4)), "CB"))
        dl.underlyingType(Y)                          # 'single'
    """
    return cast(X, np.float32)


def double(X):
    """Convert to double precision (float64), MATLAB's ``double``.

    Syntax::

        Y = dl.double(X)

    Input arguments:
        X: a dlarray, a NumPy/CuPy array, a nested list or a scalar (numeric or
            logical).

    Output arguments:
        Y: a float64 dlarray of X's size and format (``cast(X, "double")``).

    Example::

        Y = dl.double(dl.dlarray(np.ones(3, np.float32)))
        dl.underlyingType(Y)                          # 'double'
    """
    return cast(X, np.float64)
