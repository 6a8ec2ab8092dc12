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
from .arguments import check_nargout
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


@primitive("max", _amax_vjp)
def _amax(a, axes):
    return a.max(axis=axes, keepdims=True)


def _amin_vjp(needs, g, ans, a, axes):
    return (g * _const(_extreme_weights(a._data, ans._data, axes, g.dtype)),)


@primitive("min", _amin_vjp)
def _amin(a, axes):
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
    """Sum along ``dim`` (MATLAB's ``sum(X, dim)``).

    ``dim``: a 0-based int, a list of ints, a string of labels such as "T", or
    "all"; by default the first non-singleton dimension, as in MATLAB.  The
    reduced dimensions stay as singletons and keep their labels.
    """
    return _reduce(_sum, X, dim, "sum")


def _mean(X, axes):
    n = math.prod(X.shape[a] for a in axes)
    return _trim(bind(_sum, [X], X._fmt, axes=axes) * (1.0 / n))


def mean(X, dim=None):
    """Mean along ``dim`` (same ``dim`` rules as :func:`sum`)."""
    X = _as_float(X, "mean")
    axes = _formats.reduction_axes(dim, X._fmt, X.shape, "mean")
    if not axes:
        return X
    return _mean(X, axes)


def prod(X, dim=None):
    """Product along ``dim`` (same ``dim`` rules as :func:`sum`)."""
    return _reduce(_prod, X, dim, "prod")


def _is_placeholder(Y):
    """MATLAB's ``[]`` in ``max(X, [], dim)``: an empty list, tuple or array."""
    if isinstance(Y, (list, tuple)):
        return len(Y) == 0
    return is_array(Y) and Y.size == 0


def _arg_extreme(data, axes, largest):
    """0-based index of the first extreme along ``axes`` (row-major over them), keepdims."""
    xp = array_namespace(data)
    if not axes:
        return xp.zeros(data.shape, np.int64)
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
    """MATLAB's ``max``: ``max(X)`` / ``max(X, [], dim)`` (or ``max(X, dim=d)``)
    give the largest elements along ``dim`` (same ``dim`` rules as :func:`sum`);
    ``M, I = max(X, [], dim, nargout=2)`` also gives their 0-based indices along
    ``dim`` (the first one at ties; over several dims or "all", the row-major
    linear index into those dims), a NumPy/CuPy int64 array of M's size.
    ``max(A, B)``: elementwise maximum with implicit expansion.
    Gradients at ties are shared equally."""
    return _extreme(_amax, "max", _maximum, X, Y, dim, nargout)


def min(X, Y=None, dim=None, *, nargout=1):
    """``min(X, [], dim)``, ``I`` with ``nargout=2``, or ``min(A, B)``; see :func:`max`."""
    return _extreme(_amin, "min", _minimum, X, Y, dim, nargout)


def norm(X, p=2, dim="all"):
    """Vector p-norm over ``dim`` (default all elements): ``p`` is a positive
    number or ``math.inf``.  The gradient at a zero norm is taken as zero."""
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
    """MATLAB's ``var(X, w, dim)``: the variance along ``dim`` (same ``dim`` rules
    as :func:`sum`), normalized by N-1 (``w=0`` or ``[]``, the default; by N when
    there is one observation) or by N (``w=1``).  ``V, M = var(..., nargout=2)``
    also gives the mean."""
    D, mu, d, axes, nargout = _spread("var", X, w, dim, nargout)
    V = _reduce(_sum, D * D, list(axes), "var") * (1.0 / d) if axes else D * D
    return (V, mu) if nargout == 2 else V


def std(X, w=0, dim=None, *, nargout=1):
    """MATLAB's ``std(X, w, dim)``: the square root of :func:`var` (same ``w`` and
    ``dim``); ``S, M = std(..., nargout=2)`` also gives the mean.  The gradient
    where the deviation is zero is taken as zero (as :func:`norm`'s)."""
    D, mu, d, axes, nargout = _spread("std", X, w, dim, nargout)
    S = norm(D, 2, list(axes)) * (1.0 / math.sqrt(d)) if axes else abs(D)
    return (S, mu) if nargout == 2 else S


# ==========================================================================
# Cumulative sum
# ==========================================================================

def cumsum(X, dim=None, direction="forward"):
    """MATLAB's ``cumsum(X, dim, direction)``: cumulative sums along one
    dimension ``dim`` (a 0-based int or one label such as "T"; by default the
    first non-singleton dimension), from the start ("forward") or from the end
    ("reverse"); ``cumsum(X, "reverse")`` is accepted too.  Keeps X's format."""
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
