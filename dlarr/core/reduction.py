"""Reductions: sum, mean, prod, max, min and norm along dimensions given by
number or label.  The reduced dimensions stay as singletons, keeping their
labels; each primitive's forward sits with its vjp.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import formats as _formats
from .backend import array_namespace
from .elementwise import _maximum, _minimum, _where, abs
from .operands import _as_float, _binary, _const
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


# ==========================================================================
# Public reductions
# ==========================================================================

def _reduce(prim, X, dim, fname):
    X = _as_float(X, fname)
    axes = _formats.reduction_axes(dim, X._fmt, X.shape, fname)
    if not axes:
        return X
    return bind(prim, [X], X._fmt, axes=axes)


def sum(X, dim=None):
    """Sum along ``dim`` (MATLAB's ``sum(X, dim)``).

    ``dim``: a 0-based int, a list of ints, a string of labels such as "T", or
    "all"; by default the first non-singleton dimension, as in MATLAB.  The
    reduced dimensions stay as singletons and keep their labels.
    """
    return _reduce(_sum, X, dim, "sum")


def mean(X, dim=None):
    """Mean along ``dim`` (same ``dim`` rules as :func:`sum`)."""
    X = _as_float(X, "mean")
    axes = _formats.reduction_axes(dim, X._fmt, X.shape, "mean")
    if not axes:
        return X
    n = math.prod(X.shape[a] for a in axes)
    return bind(_sum, [X], X._fmt, axes=axes) * (1.0 / n)


def prod(X, dim=None):
    """Product along ``dim`` (same ``dim`` rules as :func:`sum`)."""
    return _reduce(_prod, X, dim, "prod")


def _extreme(prim, fname, fn2, X, Y, dim):
    if Y is not None:
        if dim is not None:
            raise ValueError(f"{fname}: give either a second array (elementwise {fname}) or dim, "
                             "not both")
        return _binary(fn2, X, Y, fname)
    return _reduce(prim, X, dim, fname)


def max(X, Y=None, *, dim=None):
    """``max(X, dim=d)``: largest elements along ``d`` (MATLAB's ``max(X,[],d)``);
    ``max(A, B)``: elementwise maximum with implicit expansion.
    Gradients at ties are shared equally."""
    return _extreme(_amax, "max", _maximum, X, Y, dim)


def min(X, Y=None, *, dim=None):
    """``min(X, dim=d)`` or ``min(A, B)``; see :func:`max`."""
    return _extreme(_amin, "min", _minimum, X, Y, dim)


def norm(X, p=2, dim="all"):
    """Vector p-norm over ``dim`` (default all elements): ``p`` is a positive
    number or ``math.inf``.  The gradient at a zero norm is taken as zero."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not p > 0:
        raise ValueError(f"norm: p must be a positive number or inf, not {p!r}")
    X = _as_float(X, "norm")
    axes = _formats.reduction_axes(dim, X._fmt, X.shape, "norm")
    return bind(_norm, [X], X._fmt, axes=axes, p=float(p))
