"""Reductions: sum, mean, prod, max, min (with MATLAB's indices), norm, var and
std along dimensions given by number or label, and the cumulative sum.  The
reduced dimensions stay as singletons, keeping their labels (singleton trailing
"U" dimensions after the second are dropped, as MATLAB ignores them); each
primitive's forward sits with its vjp.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import formats as _formats
from . import options as _options
from .arguments import came, check_nargout
from .backend import array_namespace, is_array
from .elementwise import _maximum, _minimum, _where, abs
from .operands import _as_float, _binary, _const, _trim
from .registry import bind, primitive
from .structural import _broadcast_to


def _sum_vjp(needs, g, ans, a, axes):
    return (bind(_broadcast_to, [g], "", shape=a.shape),)


@primitive("sum", _sum_vjp)
def _sum(a, axes):
    return a.sum(axis=axes, keepdims=True)


def _extreme_weights(a, ans, axes, dtype):
    """Where the extreme was reached, each tie taking an equal share."""
    hit = (a == ans)
    return (hit / hit.sum(axis=axes, keepdims=True)).astype(dtype)


def _amax_vjp(needs, g, ans, a, axes):
    return (g * _const(_extreme_weights(a._data, ans._data, axes, g.dtype)),)


def _empty_extreme(a, axes):
    """MATLAB's max/min over a dimension of length 0: an empty result, the reduced
    dimensions 1 except those of length 0, which stay 0 (``max(zeros(0, 3))`` is 0 x 3)."""
    shape = tuple((0 if a.shape[i] == 0 else 1) if i in axes else n
                  for i, n in enumerate(a.shape))
    return array_namespace(a).zeros(shape, a.dtype)


@primitive("max", _amax_vjp)
def _amax(a, axes):
    if a.size == 0:
        return _empty_extreme(a, axes)
    return a.max(axis=axes, keepdims=True)


def _amin_vjp(needs, g, ans, a, axes):
    return (g * _const(_extreme_weights(a._data, ans._data, axes, g.dtype)),)


@primitive("min", _amin_vjp)
def _amin(a, axes):
    if a.size == 0:
        return _empty_extreme(a, axes)
    return a.min(axis=axes, keepdims=True)


def _prod_vjp(needs, g, ans, a, axes):
    return (g * bind(_prod_others, [a], "", axes=axes),)


@primitive("prod", _prod_vjp)
def _prod(a, axes):
    return a.prod(axis=axes, keepdims=True)


def _prod_others_vjp(needs, g, ans, a, axes):
    # d/da_k sum_i g_i prod_{j!=i} a_j = (sum_i g_i P_i - g_k P_k) / a_k (exact for nonzero a).
    gp = g * ans
    return ((sum(gp, list(axes)) - gp) / a,)


@primitive("prod_others", _prod_others_vjp)
def _prod_others(a, axes):
    """For each element, the product of the *other* elements along ``axes``.

    Exclusive cumulative products from both ends, so zeros are handled exactly.
    """
    xp = array_namespace(a)
    rest = [i for i in range(a.ndim) if i not in axes]
    perm = rest + list(axes)
    t = xp.transpose(a, perm)
    shape = t.shape
    f = t.reshape(shape[:len(rest)] + (-1,))
    ones = xp.ones(f.shape[:-1] + (1,), a.dtype)
    left = xp.concatenate([ones, xp.cumprod(f[..., :-1], axis=-1)], axis=-1)
    rf = xp.flip(f, axis=-1)
    right = xp.flip(xp.concatenate([ones, xp.cumprod(rf[..., :-1], axis=-1)], axis=-1), axis=-1)
    out = (left * right).reshape(shape)
    return xp.transpose(out, np.argsort(perm))


def _norm_vjp(needs, g, ans, a, axes, p):
    xp = array_namespace(a._data)
    if p == math.inf:
        w = _extreme_weights(xp.abs(a._data), ans._data, axes, g.dtype) * xp.sign(a._data)
        return (g * _const(w),)
    if p == 1:
        return (g * _const(xp.sign(a._data).astype(g.dtype)),)
    nz = ans._data > 0           # the norm's gradient at 0 is taken as 0
    den = _where(ans, _const(xp.ones((), g.dtype)), nz)
    mask = _const(nz.astype(g.dtype))
    if p == 2:
        return (g * a / den * mask,)
    s = _const(xp.sign(a._data).astype(g.dtype))
    return (g * s * abs(a) ** (p - 1) / den ** (p - 1) * mask,)


@primitive("norm", _norm_vjp)
def _norm(a, axes, p):
    xp = array_namespace(a)
    m = xp.abs(a)
    if p == math.inf:
        return m.max(axis=axes, keepdims=True)
    if p == 1:
        return m.sum(axis=axes, keepdims=True)
    if p == 2:
        return xp.sqrt((a * a).sum(axis=axes, keepdims=True))
    return (m ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)


def _cumsum_vjp(needs, g, ans, a, axis, reverse):
    return (bind(_cumsum, [g], "", axis=axis, reverse=not reverse),)


@primitive("cumsum", _cumsum_vjp)
def _cumsum(a, axis, reverse):
    xp = array_namespace(a)
    if not reverse:
        return xp.cumsum(a, axis=axis)
    return xp.ascontiguousarray(xp.flip(xp.cumsum(xp.flip(a, axis), axis=axis), axis))


# ==========================================================================
# Public reductions
# ==========================================================================

def _reduce(prim, X, dim, fname):
    X = _as_float(X, fname)
    axes = _formats.reduction_axes(dim, X._fmt, X.shape, fname)
    if not axes:
        return X
    return _trim(bind(prim, [X], X._fmt, axes=axes))


def sum(X, dim=None):
    """Sum of elements, MATLAB's ``sum``.

    Syntax::

        S = dl.sum(X)
        S = dl.sum(X, dim)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.
        dim: the dimensions to reduce: a 0-based int (negative counts from the
            end), a list of ints, a str of labels of a formatted X ("T", "SS",
            "SSB"), or "all".  Default None: the first dimension whose size is not
            1, as in MATLAB.

    Output arguments:
        S: a dlarray of X's format and type; the reduced dimensions stay, as
            singletons, with their labels (singleton trailing "U" dimensions
            after the second are dropped).

    Differences from MATLAB: dim is 0-based.

    Example::

        X = dl.dlarray(np.ones((3, 32, 10)), "CBT")
        S = dl.sum(X, "T")            # 3(C) x 32(B) x 1(T), each 10
        total = dl.sum(X, "all")      # 1(C) x 1(B) x 1(T): 960
        s0 = dl.sum(X, 0)             # 1(C) x 32(B) x 10(T)
    """
    return _reduce(_sum, X, dim, "sum")


def _mean(X, axes):
    n = math.prod(X.shape[a] for a in axes)
    # MATLAB: the mean of nothing is NaN (0/0), not an error
    return _trim(bind(_sum, [X], X._fmt, axes=axes) * (1.0 / n if n else math.nan))


def mean(X, dim=None):
    """Average of elements, MATLAB's ``mean``.

    Syntax::

        M = dl.mean(X)
        M = dl.mean(X, dim)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.
        dim: as for :func:`sum`: a 0-based int or list of ints, a str of labels
            ("T", "SS") or "all"; default None, the first non-singleton dimension.

    Output arguments:
        M: a dlarray of X's format and type; the reduced dimensions stay, as
            singletons, with their labels (singleton trailing "U" dimensions
            after the second are dropped).

    Differences from MATLAB: dim is 0-based.

    Example::

        X = dl.dlarray(np.random.rand(3, 32, 10), "CBT")
        M = dl.mean(X, "B")           # 3(C) x 1(B) x 10(T)
        m = dl.mean(X, "all")
    """
    X = _as_float(X, "mean")
    axes = _formats.reduction_axes(dim, X._fmt, X.shape, "mean")
    if not axes:
        return X
    return _mean(X, axes)


def prod(X, dim=None):
    """Product of elements, MATLAB's ``prod``.

    Syntax::

        P = dl.prod(X)
        P = dl.prod(X, dim)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.
        dim: as for :func:`sum`: a 0-based int or list of ints, a str of labels
            ("T", "SS") or "all"; default None, the first non-singleton dimension.

    Output arguments:
        P: a dlarray of X's format and type; the reduced dimensions stay, as
            singletons, with their labels (singleton trailing "U" dimensions
            after the second are dropped).

    Differences from MATLAB: dim is 0-based.  The gradient is exact also where
    elements are zero.

    Example::

        X = dl.dlarray(np.array([[1.0, 2.0], [3.0, 4.0]]), "CB")
        P = dl.prod(X, "C")           # 1(C) x 2(B): [3, 8]
    """
    return _reduce(_prod, X, dim, "prod")


def _is_placeholder(Y):
    """MATLAB's ``[]`` in ``max(X, [], dim)``: an empty list, tuple or array."""
    if isinstance(Y, (list, tuple)):
        return len(Y) == 0
    return is_array(Y) and Y.size == 0


def _arg_extreme(data, axes, largest):
    """0-based index of the first extreme along ``axes`` (row-major over them), keepdims."""
    xp = array_namespace(data)
    if not axes or data.size == 0:
        return xp.zeros(_empty_extreme(data, axes).shape if axes else data.shape, np.int64)
    rest = [i for i in range(data.ndim) if i not in axes]
    t = xp.transpose(data, rest + list(axes))
    flat = t.reshape(t.shape[:len(rest)] + (-1,))
    idx = (xp.argmax if largest else xp.argmin)(flat, axis=-1)
    return idx.reshape([1 if i in axes else n for i, n in enumerate(data.shape)]).astype(np.int64)


def _extreme(prim, fname, fn2, X, Y, dim, nargout):
    nargout = check_nargout(nargout, (1, 2), fname)
    if Y is not None and not _is_placeholder(Y):
        if dim is not None:
            raise ValueError(f"{fname}: give either a second array (elementwise {fname}) or dim, "
                             f"not both; for {fname} along a dimension pass [] as the second "
                             f"input: {fname}(X, [], dim)")
        if nargout == 2:
            raise ValueError(f"{fname}: nargout=2 (the indices) needs {fname}(X, [], dim); "
                             f"{fname}(A, B) compares two arrays and has one output")
        return _binary(fn2, X, Y, fname)
    Xf = _as_float(X, fname)
    M = _reduce(prim, Xf, dim, fname)
    if nargout == 1:
        return M
    axes = _formats.reduction_axes(dim, Xf._fmt, Xf.shape, fname)
    return M, _arg_extreme(Xf._data, axes, prim is _amax).reshape(M.shape)


def max(X, Y=None, dim=None, *, nargout=1):
    """Maximum elements of an array, MATLAB's ``max``.

    Syntax::

        M = dl.max(X)
        M = dl.max(X, [], dim)            # or dl.max(X, dim=dim)
        M, I = dl.max(X, [], dim, nargout=2)
        C = dl.max(X, Y)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.
        Y: MATLAB's second argument: ``[]`` (or None, the default) for the largest
            elements along dim, or an array for the elementwise maximum of X and Y
            (implicit expansion as for ``+``; then dim must be None).
        dim: as for :func:`sum`: a 0-based int or list of ints, a str of labels
            ("T", "SS") or "all"; default None, the first non-singleton dimension.
        nargout: 1 (default) or 2, the number of outputs (MATLAB's ``[M, I]``).

    Output arguments:
        M: a dlarray of X's format and type; the reduced dimensions stay, as
            singletons, with their labels (singleton trailing "U" dimensions
            after the second are dropped).  Along a dimension of length 0 the
            result is empty, as MATLAB's: that dimension stays 0 (``max`` of a
            0 x 3 array is 0 x 3).
        I: the 0-based index of the maximum along dim (the first one at ties; over
            several dims or "all", the row-major linear index into those dims), a
            NumPy/CuPy int64 array of M's size.
        C: the elementwise maximum, a dlarray.

    Differences from MATLAB: dim and I are 0-based; ask for I with ``nargout=2``.
    Gradients at ties are shared equally.

    Example::

        X = dl.dlarray(np.array([[1.0, 5.0], [4.0, 2.0]]), "CB")
        M = dl.max(X, [], "C")                   # 1(C) x 2(B): [4, 5]
        M, I = dl.max(X, [], "C", nargout=2)     # I = [[1, 0]]
        C = dl.max(X, 3)                         # [[3, 5], [4, 3]]
    """
    return _extreme(_amax, "max", _maximum, X, Y, dim, nargout)


def min(X, Y=None, dim=None, *, nargout=1):
    """Minimum elements of an array, MATLAB's ``min``.

    Syntax::

        M = dl.min(X)
        M = dl.min(X, [], dim)            # or dl.min(X, dim=dim)
        M, I = dl.min(X, [], dim, nargout=2)
        C = dl.min(X, Y)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.
        Y: MATLAB's second argument: ``[]`` (or None, the default) for the smallest
            elements along dim, or an array for the elementwise minimum of X and Y
            (implicit expansion as for ``+``; then dim must be None).
        dim: as for :func:`sum`: a 0-based int or list of ints, a str of labels
            ("T", "SS") or "all"; default None, the first non-singleton dimension.
        nargout: 1 (default) or 2, the number of outputs (MATLAB's ``[M, I]``).

    Output arguments:
        M: a dlarray of X's format and type; the reduced dimensions stay, as
            singletons, with their labels (singleton trailing "U" dimensions
            after the second are dropped); empty along a dimension of length 0,
            as for :func:`max`.
        I: the 0-based index of the minimum along dim (the first one at ties; over
            several dims or "all", the row-major linear index into those dims), a
            NumPy/CuPy int64 array of M's size.
        C: the elementwise minimum, a dlarray.

    Differences from MATLAB: dim and I are 0-based; ask for I with ``nargout=2``.
    Gradients at ties are shared equally.

    Example::

        X = dl.dlarray(np.array([[1.0, 5.0], [4.0, 2.0]]), "CB")
        M, I = dl.min(X, [], "C", nargout=2)     # M = [[1, 2]], I = [[0, 1]]
        C = dl.min(X, 3)                         # [[1, 3], [3, 2]]
    """
    return _extreme(_amin, "min", _minimum, X, Y, dim, nargout)


def norm(X, p=2, dim="all"):
    """Vector norm, MATLAB's ``norm`` of a dlarray.

    Syntax::

        N = dl.norm(X)
        N = dl.norm(X, p)
        N = dl.norm(X, p, dim)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.
        p: the norm: a positive number (default 2, the Euclidean norm; 1 the sum
            of absolute values) or ``math.inf`` (the largest absolute value).
        dim: the dimensions the norm is taken over, as for :func:`sum` (a 0-based
            int or list of ints, a str of labels, "all"); default "all": every
            element, as one vector.

    Output arguments:
        N: a dlarray of X's format and type; the reduced dimensions stay, as
            singletons, with their labels (singleton trailing "U" dimensions
            after the second are dropped).

    Differences from MATLAB: the norm is always the vector norm of the elements
    (a matrix X gives ``norm(X(:), p)``, not the matrix norm); "fro" is not
    accepted (p=2 over "all" is the Frobenius norm).  The gradient at a zero norm
    is taken as zero.

    Example::

        X = dl.dlarray(np.array([[3.0, 1.0], [4.0, 1.0]]), "CB")
        n = dl.norm(X)                    # sqrt(27)
        N = dl.norm(X, 2, "C")            # 1(C) x 2(B): [5, 1.4142]
        m = dl.norm(X, np.inf)            # 4
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not p > 0:
        raise ValueError(f"norm: p must be a positive number or inf, not {p!r}")
    X = _as_float(X, "norm")
    axes = _formats.reduction_axes(dim, X._fmt, X.shape, "norm")
    return _trim(bind(_norm, [X], X._fmt, axes=axes, p=float(p)))


# ==========================================================================
# Variance and standard deviation
# ==========================================================================

def _weight(w, fname):
    if w is None or _is_placeholder(w):
        return 0
    if isinstance(w, bool) or not isinstance(w, numbers.Real) or w not in (0, 1):
        raise ValueError(f"{fname}: w must be 0 (normalize by N-1, the default), 1 (by N) or "
                         f"[]; dlarr does not take weight vectors; got {w!r}")
    return int(w)


def _spread(fname, X, w, dim, nargout):
    """(deviations from the mean, the mean, the normalization, axes) of var/std."""
    nargout = check_nargout(nargout, (1, 2), fname)
    w = _weight(w, fname)
    X = _as_float(X, fname)
    axes = _formats.reduction_axes(dim, X._fmt, X.shape, fname)
    n = math.prod(X.shape[a] for a in axes)
    mu = _mean(X, axes) if axes else X
    return X - mu, mu, (n - 1 if w == 0 and n > 1 else n), axes, nargout


def var(X, w=0, dim=None, *, nargout=1):
    """Variance, MATLAB's ``var``.

    Syntax::

        V = dl.var(X)
        V = dl.var(X, w)
        V = dl.var(X, w, dim)
        V, M = dl.var(X, w, dim, nargout=2)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.
        w: the normalization: 0 (default) or ``[]`` divides by N-1 (by N when there
            is one observation), 1 divides by N, the number of elements reduced.
        dim: as for :func:`sum`: a 0-based int or list of ints, a str of labels
            ("T", "SS") or "all"; default None, the first non-singleton dimension.
        nargout: 1 (default) or 2, the number of outputs.

    Output arguments:
        V: the variance, a dlarray of X's format and type; the reduced
            dimensions stay, as singletons, with their labels (singleton
            trailing "U" dimensions after the second are dropped).
        M: the mean along the same dimensions, of V's size.

    Differences from MATLAB: dim is 0-based; weight vectors w are not accepted.

    Example::

        X = dl.dlarray(np.array([[1.0, 2.0, 3.0, 4.0]]), "CB")
        V = dl.var(X, 0, "B")                    # 1(C) x 1(B): 1.6667
        V, M = dl.var(X, 1, "B", nargout=2)      # 1.25, and the mean 2.5
    """
    D, mu, d, axes, nargout = _spread("var", X, w, dim, nargout)
    V = _reduce(_sum, D * D, list(axes), "var") * (1.0 / d if d else math.nan) if axes else D * D
    return (V, mu) if nargout == 2 else V


def std(X, w=0, dim=None, *, nargout=1):
    """Standard deviation, MATLAB's ``std``: the square root of :func:`var`.

    Syntax::

        S = dl.std(X)
        S = dl.std(X, w)
        S = dl.std(X, w, dim)
        S, M = dl.std(X, w, dim, nargout=2)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.
        w: the normalization: 0 (default) or ``[]`` divides by N-1 (by N when there
            is one observation), 1 divides by N, the number of elements reduced.
        dim: as for :func:`sum`: a 0-based int or list of ints, a str of labels
            ("T", "SS") or "all"; default None, the first non-singleton dimension.
        nargout: 1 (default) or 2, the number of outputs.

    Output arguments:
        S: the standard deviation, a dlarray of X's format and type; the reduced
            dimensions stay, as singletons, with their labels (singleton
            trailing "U" dimensions after the second are dropped).
        M: the mean along the same dimensions, of S's size.

    Differences from MATLAB: dim is 0-based; weight vectors w are not accepted.
    The gradient where every deviation is zero is taken as zero.

    Example::

        X = dl.dlarray(np.random.rand(3, 32), "CB")
        S = dl.std(X, 0, "B")                    # 3(C) x 1(B)
        S, M = dl.std(X, [], "B", nargout=2)
    """
    D, mu, d, axes, nargout = _spread("std", X, w, dim, nargout)
    S = norm(D, 2, list(axes)) * (1.0 / math.sqrt(d) if d else math.nan) if axes else abs(D)
    return (S, mu) if nargout == 2 else S


# ==========================================================================
# Cumulative sum
# ==========================================================================

def cumsum(X, dim=None, direction="forward"):
    """Cumulative sum, MATLAB's ``cumsum``.

    Syntax::

        B = dl.cumsum(X)
        B = dl.cumsum(X, dim)
        B = dl.cumsum(X, dim, direction)
        B = dl.cumsum(X, direction)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.
        dim: one dimension: a 0-based int or one label such as "T".  Default None:
            the first dimension whose size is not 1.
        direction: "forward" (default) sums from the start, "reverse" from the end.

    Output arguments:
        B: a dlarray of X's size, format and type.

    Differences from MATLAB: dim is 0-based.

    Example::

        X = dl.dlarray(np.ones((2, 3, 4)), "CBT")
        B = dl.cumsum(X, "T")                 # along time: 1, 2, 3, 4
        R = dl.cumsum(X, "T", "reverse")      # 4, 3, 2, 1
        c = dl.cumsum([1.0, 2.0, 3.0])        # [1, 3, 6]
    """
    if not (dim is None or isinstance(dim, (str, numbers.Integral, list, tuple))) \
            or isinstance(dim, bool):
        raise TypeError(f"cumsum: dim must be one dimension (a 0-based integer or one label) "
                        f"or a direction, not {came(dim)}")
    if isinstance(dim, str) and dim != "all" and not set(dim) <= set(_formats.LABELS):
        dim, direction = None, dim            # cumsum(X, direction)
    direction = _options.choose(direction, _options.CUMSUM_DIRECTIONS, "cumsum", "direction")
    X = _as_float(X, "cumsum")
    if dim == "all" or isinstance(dim, (list, tuple)) or (isinstance(dim, str) and len(dim) != 1):
        raise ValueError(f"cumsum: dim must be one dimension (a 0-based integer or one label), "
                         f"not {dim!r}")
    axes = _formats.reduction_axes(dim, X._fmt, X.shape, "cumsum")
    if len(axes) > 1:
        raise ValueError(f"cumsum: dim {dim!r} names {len(axes)} dimensions of X (format "
                         f"{X._fmt!r}); give one, as a 0-based integer")
    if not axes:                              # a 0-d array
        return X
    return bind(_cumsum, [X], X._fmt, axis=axes[0], reverse=direction == "reverse")
