"""Operations on DLArray: each primitive's forward and derivative side by side.

Public functions (``exp``, ``sum``, ``cat``...) prepare their operands (backend
check, MATLAB's dtype rule, label alignment from ``_formats``) and ``bind`` a
primitive.  Derivatives are written with these same functions on unformatted
DLArrays (see ``_registry``), so they can themselves be recorded.
"""
from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

from . import formats as _formats
from .backend import array_namespace, float_result_dtype, is_array, is_python_scalar
from .dlarray import DLArray
from .registry import bind, primitive

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


# ==========================================================================
# Operand preparation
# ==========================================================================

def _raw(x):
    return x._data if isinstance(x, DLArray) else x


def _xp(*xs, where="operation"):
    return array_namespace(*[_raw(x) for x in xs], where=where)


def _dtype_of(x):
    if isinstance(x, DLArray) or is_array(x):
        return x.dtype
    if isinstance(x, (list, tuple)):
        return np.asarray(x).dtype
    return None  # Python scalars adopt the other operands' type


def _float_dtype(*xs):
    return float_result_dtype(*[_dtype_of(x) for x in xs])


def _check_numeric(dtype, where, name):
    kind = np.dtype(dtype).kind
    if kind == "c":
        raise TypeError(f"{where}: {name} is complex; dlarr supports real data only")
    if kind not in "biuf":
        raise TypeError(f"{where}: {name} must be numeric or logical, not of dtype {dtype}")


def _to_dl(x, xp, dtype, where, name="input") -> DLArray:
    """Operand ``x`` as a DLArray of ``dtype`` (a DLArray is cast by a recorded op)."""
    if isinstance(x, DLArray):
        if x._data.dtype != dtype:
            return cast(x, dtype)
        return x
    if is_python_scalar(x):
        if isinstance(x, complex):
            raise TypeError(f"{where}: {name} is complex; dlarr supports real data only")
        return DLArray._new(xp.asarray(x, dtype=dtype), "")
    if is_array(x):
        _check_numeric(x.dtype, where, name)
        return DLArray._new(xp.asarray(x).astype(dtype, copy=False), "")
    if isinstance(x, (list, tuple)) and xp is np:
        a = np.asarray(x)
        _check_numeric(a.dtype, where, name)
        return DLArray._new(a.astype(dtype, copy=False), "")
    raise TypeError(f"{where}: {name} must be a dlarray, a numeric array or a scalar, "
                    f"not {type(x).__name__}")


def _as_float(x, where, name="X") -> DLArray:
    """One operand as a floating DLArray (logical and integer data become double)."""
    xp = _xp(x, where=where)
    return _to_dl(x, xp, _float_dtype(x), where, name)


def _const(raw) -> DLArray:
    """An untraced constant operand (masks and weights inside derivatives)."""
    return DLArray._new(raw, "")


def _align(ops, where):
    """Apply ``_formats.align``: reshape operands (a recorded op) to the output's axes."""
    fmt0, shape0 = ops[0]._fmt, ops[0]._data.shape
    if all(o._fmt == fmt0 and o._data.shape == shape0 for o in ops):
        return fmt0, ops          # the common case: nothing to align
    out_fmt, _, aligned = _formats.align([(o._fmt, o._data.shape) for o in ops], where)
    if out_fmt:
        ops = [o if (a == () or o._data.shape == a) else bind(_reshape, [o], "", shape=a)
               for o, a in zip(ops, aligned)]
    return out_fmt, ops


def _binary(prim, a, b, where):
    xp = _xp(a, b, where=where)
    dt = _float_dtype(a, b)
    A = _to_dl(a, xp, dt, where, "first input")
    B = _to_dl(b, xp, dt, where, "second input")
    fmt, (A, B) = _align([A, B], where)
    return bind(prim, [A, B], fmt)


def _unary(prim, x, where):
    X = _as_float(x, where)
    return bind(prim, [X], X._fmt)


def unbroadcast(g: DLArray, shape) -> DLArray:
    """Sum ``g`` down to ``shape``, undoing broadcasting: the one helper for it."""
    shape = tuple(shape)
    gs = g._data.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and gs[lead + i] != 1)
    if axes:
        g = bind(_sum, [g], "", axes=axes)
    if g._data.shape != shape:
        g = bind(_reshape, [g], "", shape=shape)
    return g


# ==========================================================================
# Elementwise primitives
# ==========================================================================

@primitive("add")
def _add(a, b):
    return a + b


@_add.defvjp
def _(needs, g, ans, a, b):
    return g, g


@primitive("subtract")
def _subtract(a, b):
    return a - b


@_subtract.defvjp
def _(needs, g, ans, a, b):
    return g, (-g if needs[1] else None)


@primitive("multiply")
def _multiply(a, b):
    return a * b


@_multiply.defvjp
def _(needs, g, ans, a, b):
    return (g * b if needs[0] else None), (g * a if needs[1] else None)


@primitive("divide")
def _divide(a, b):
    return a / b


@_divide.defvjp
def _(needs, g, ans, a, b):
    return (g / b if needs[0] else None), (-g * ans / b if needs[1] else None)


@primitive("power")
def _power(a, b):
    return a ** b


@_power.defvjp
def _(needs, g, ans, a, b):
    ga = g * b * a ** (b - 1) if needs[0] else None
    gb = None
    if needs[1]:
        # d(a^b)/db = a^b log(a); taken as 0 where a <= 0 (real results only).
        pos = a._data > 0
        safe = _where(a, _const(array_namespace(a._data).ones((), a.dtype)), pos)
        gb = g * ans * log(safe) * _const(pos.astype(a.dtype))
    return ga, gb


@primitive("maximum")
def _maximum(a, b):
    return array_namespace(a, b).maximum(a, b)


@_maximum.defvjp
def _(needs, g, ans, a, b):
    # Ties share the gradient equally (a valid subgradient).
    wa = (a._data > b._data).astype(g.dtype) + 0.5 * (a._data == b._data).astype(g.dtype)
    return (g * _const(wa) if needs[0] else None), (g * _const(1 - wa) if needs[1] else None)


@primitive("minimum")
def _minimum(a, b):
    return array_namespace(a, b).minimum(a, b)


@_minimum.defvjp
def _(needs, g, ans, a, b):
    wa = (a._data < b._data).astype(g.dtype) + 0.5 * (a._data == b._data).astype(g.dtype)
    return (g * _const(wa) if needs[0] else None), (g * _const(1 - wa) if needs[1] else None)


@primitive("where")
def _where_fwd(a, b, cond):
    return array_namespace(a, b).where(cond, a, b)


@_where_fwd.defvjp
def _(needs, g, ans, a, b, cond):
    zero = _const(array_namespace(g._data).zeros((), g.dtype))
    return (_where(g, zero, cond) if needs[0] else None), (_where(zero, g, cond) if needs[1] else None)


def _where(a: DLArray, b: DLArray, cond) -> DLArray:
    """``cond ? a : b`` elementwise, with a raw boolean ``cond`` (internal)."""
    return bind(_where_fwd, [a, b], a._fmt, cond=cond)


@primitive("negate")
def _negate(a):
    return -a


@_negate.defvjp
def _(needs, g, ans, a):
    return (-g,)


@primitive("exp")
def _exp(a):
    return array_namespace(a).exp(a)


@_exp.defvjp
def _(needs, g, ans, a):
    return (g * ans,)


@primitive("log")
def _log(a):
    return array_namespace(a).log(a)


@_log.defvjp
def _(needs, g, ans, a):
    return (g / a,)


@primitive("sqrt")
def _sqrt(a):
    return array_namespace(a).sqrt(a)


@_sqrt.defvjp
def _(needs, g, ans, a):
    return (g * 0.5 / ans,)


@primitive("abs")
def _abs(a):
    return array_namespace(a).abs(a)


@_abs.defvjp
def _(needs, g, ans, a):
    return (g * _const(array_namespace(a._data).sign(a._data)),)


@primitive("tanh")
def _tanh(a):
    return array_namespace(a).tanh(a)


@_tanh.defvjp
def _(needs, g, ans, a):
    return (g * (1 - ans * ans),)


@primitive("sigmoid")
def _sigmoid(a):
    # exp(-|a|) never overflows: 1/(1+e) for a >= 0, e/(1+e) below.
    xp = array_namespace(a)
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1, e) / (1 + e)


@_sigmoid.defvjp
def _(needs, g, ans, a):
    return (g * ans * (1 - ans),)


@primitive("relu")
def _relu(a):
    return array_namespace(a).maximum(a, 0)


@_relu.defvjp
def _(needs, g, ans, a):
    return (g * _const((a._data > 0).astype(g.dtype)),)


@primitive("sin")
def _sin(a):
    return array_namespace(a).sin(a)


@_sin.defvjp
def _(needs, g, ans, a):
    return (g * cos(a),)


@primitive("cos")
def _cos(a):
    return array_namespace(a).cos(a)


@_cos.defvjp
def _(needs, g, ans, a):
    return (-g * sin(a),)


@primitive("cast")
def _cast(a, dtype):
    return a.astype(dtype)


@_cast.defvjp
def _(needs, g, ans, a, dtype):
    return (bind(_cast, [g], "", dtype=a.dtype),)


# ==========================================================================
# Matrix multiply
# ==========================================================================

@primitive("matmul")
def _matmul(a, b):
    return a @ b


def _swap_last(x: DLArray) -> DLArray:
    perm = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return bind(_transpose, [x], "", perm=perm)


@_matmul.defvjp
def _(needs, g, ans, a, b):
    ga = matmul(g, _swap_last(b)) if needs[0] else None
    gb = matmul(_swap_last(a), g) if needs[1] else None
    return ga, gb


def matmul(A, B):
    """Matrix product ``A @ B`` (MATLAB's ``A*B``) of unformatted or 2-D data.

    Follows ``numpy.matmul`` for stacks of matrices and 1-D operands.  A
    formatted operand must be 2-D (its labels are dropped; the result is
    unformatted): to multiply labelled deep learning data use
    ``fullyconnect`` or ``stripdims`` first.
    """
    where = "matrix multiply (@)"
    xp = _xp(A, B, where=where)
    dt = _float_dtype(A, B)
    a = _to_dl(A, xp, dt, where, "first input")
    b = _to_dl(B, xp, dt, where, "second input")
    for x, name in ((a, "first"), (b, "second")):
        if x._fmt and x.ndim > 2:
            raise ValueError(f"{where}: the {name} input has format {x._fmt!r} "
                             f"({_formats.describe(x._fmt, x.shape)}); matrix multiply needs "
                             "unformatted or 2-D data: use stripdims(X) first, or fullyconnect")
        if x.ndim == 0:
            raise ValueError(f"{where}: the {name} input is a scalar; use * to scale")
    squeeze_axes = []
    if a.ndim == 1:
        a = bind(_reshape, [a], "", shape=(1, a.shape[0]))
        squeeze_axes.append(-2)
    if b.ndim == 1:
        b = bind(_reshape, [b], "", shape=(b.shape[0], 1))
        squeeze_axes.append(-1)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"{where}: inner dimensions must agree: {_formats.describe('', _raw(A).shape)} "
                         f"times {_formats.describe('', _raw(B).shape)}")
    out = bind(_matmul, [a, b], "")
    if squeeze_axes:
        shape = list(out.shape)
        for ax in sorted(squeeze_axes):
            shape.pop(ax if ax == -1 else len(shape) - 2)
        out = bind(_reshape, [out], "", shape=tuple(shape))
    return out


# ==========================================================================
# Reductions (the reduced dimensions stay as singletons, keeping their labels)
# ==========================================================================

@primitive("sum")
def _sum(a, axes):
    return a.sum(axis=axes, keepdims=True)


@_sum.defvjp
def _(needs, g, ans, a, axes):
    return (bind(_broadcast_to, [g], "", shape=a.shape),)


def _extreme_weights(a, ans, axes, dtype):
    """Where the extreme was reached, each tie taking an equal share."""
    hit = (a == ans)
    return (hit / hit.sum(axis=axes, keepdims=True)).astype(dtype)


@primitive("max")
def _amax(a, axes):
    return a.max(axis=axes, keepdims=True)


@_amax.defvjp
def _(needs, g, ans, a, axes):
    return (g * _const(_extreme_weights(a._data, ans._data, axes, g.dtype)),)


@primitive("min")
def _amin(a, axes):
    return a.min(axis=axes, keepdims=True)


@_amin.defvjp
def _(needs, g, ans, a, axes):
    return (g * _const(_extreme_weights(a._data, ans._data, axes, g.dtype)),)


@primitive("prod")
def _prod(a, axes):
    return a.prod(axis=axes, keepdims=True)


@_prod.defvjp
def _(needs, g, ans, a, axes):
    return (g * bind(_prod_others, [a], "", axes=axes),)


@primitive("prod_others")
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


@_prod_others.defvjp
def _(needs, g, ans, a, axes):
    # d/da_k sum_i g_i prod_{j!=i} a_j = (sum_i g_i P_i - g_k P_k) / a_k (exact for nonzero a).
    gp = g * ans
    return ((sum(gp, list(axes)) - gp) / a,)


@primitive("norm")
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


@_norm.defvjp
def _(needs, g, ans, a, axes, p):
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


# ==========================================================================
# Structure: reshape, permute, broadcast, indexing, cat, squeeze
# ==========================================================================

@primitive("reshape")
def _reshape(a, shape):
    return a.reshape(shape)


@_reshape.defvjp
def _(needs, g, ans, a, shape):
    return (bind(_reshape, [g], "", shape=a.shape),)


@primitive("transpose")
def _transpose(a, perm):
    return array_namespace(a).transpose(a, perm)


@_transpose.defvjp
def _(needs, g, ans, a, perm):
    return (bind(_transpose, [g], "", perm=tuple(int(i) for i in np.argsort(perm))),)


@primitive("broadcast_to")
def _broadcast_to(a, shape):
    return array_namespace(a).broadcast_to(a, shape)


@_broadcast_to.defvjp
def _(needs, g, ans, a, shape):
    return (unbroadcast(g, a.shape),)


def _is_basic_key(key) -> bool:
    key = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (slice, numbers.Integral)) for k in key)


@primitive("getitem")
def _getitem(a, key):
    return a[key]


@_getitem.defvjp
def _(needs, g, ans, a, key):
    return (bind(_scatter_add, [g], "", key=key, shape=a.shape),)


@primitive("scatter_add")
def _scatter_add(g, key, shape):
    xp = array_namespace(g)
    z = xp.zeros(shape, g.dtype)
    if _is_basic_key(key):
        z[key] = g
    elif xp is np:
        np.add.at(z, key, g)
    else:
        import cupyx  # only reached with CuPy arrays, so CuPy is installed
        cupyx.scatter_add(z, key, g)
    return z


@_scatter_add.defvjp
def _(needs, g, ans, a, key, shape):
    return (bind(_getitem, [g], "", key=key),)


@primitive("setitem")
def _setitem(a, v, key):
    out = a.copy()
    out[key] = v
    return out


@_setitem.defvjp
def _(needs, g, ans, a, v, key):
    ga = None
    if needs[0]:
        ga = bind(_setitem, [g, _const(array_namespace(g._data).zeros((), g.dtype))], "", key=key)
    gv = bind(_getitem, [g], "", key=key) if needs[1] else None
    return ga, gv


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
    if order not in ("C", "F"):
        raise ValueError(f"reshape: order must be 'C' or 'F', not {order!r}")
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
        raise ValueError(f"permute: order must be a permutation of 0..{builtins.max(X.ndim, len(order)) - 1}"
                         f" covering all {X.ndim} dimensions, not {list(order)}")
    if len(order) > X.ndim:
        X = bind(_reshape, [X], "", shape=X.shape + (1,) * (len(order) - X.ndim))
    return bind(_transpose, [X], "", perm=order)


@primitive("concat")
def _concat(*arrays, axis):
    return array_namespace(*arrays).concatenate(arrays, axis=axis)


@_concat.defvjp
def _(needs, g, ans, *arrays, axis):
    out, start = [], 0
    for need, a in zip(needs, arrays):
        stop = start + a.shape[axis]
        key = (slice(None),) * axis + (slice(start, stop),)
        out.append(bind(_getitem, [g], "", key=key) if need else None)
        start = stop
    return tuple(out)


def cat(dim, *arrays):
    """Concatenate along 0-based ``dim`` (MATLAB's ``cat(dim, A, B, ...)``).

    Formatted inputs must share one format; unformatted inputs may grow a new
    trailing dimension.  ``cat(dim, [A, B])`` is accepted too.
    """
    if len(arrays) == 1 and isinstance(arrays[0], (list, tuple)):
        arrays = tuple(arrays[0])
    if not arrays:
        raise ValueError("cat: give at least one array to concatenate")
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


def cast(X, dtype) -> DLArray:
    """``X`` converted to float32 or float64 (recorded when traced)."""
    dtype = np.dtype(dtype)
    if dtype not in _FLOATS:
        raise ValueError(f"cast: dlarr computes in float32 (single) or float64 (double), not {dtype}")
    if not isinstance(X, DLArray):
        X = _as_float(X, "cast")
    if X.dtype == dtype:
        return X
    return bind(_cast, [X], X._fmt, dtype=dtype)


def single(X):
    """MATLAB's ``single``: float32."""
    return cast(X, np.float32)


def double(X):
    """MATLAB's ``double``: float64."""
    return cast(X, np.float64)


# ==========================================================================
# Public elementwise functions
# ==========================================================================

def exp(X):
    return _unary(_exp, X, "exp")


def log(X):
    return _unary(_log, X, "log")


def sqrt(X):
    return _unary(_sqrt, X, "sqrt")


def abs(X):
    return _unary(_abs, X, "abs")


def tanh(X):
    return _unary(_tanh, X, "tanh")


def sigmoid(X):
    """Logistic sigmoid 1/(1+exp(-X)), computed without overflow."""
    return _unary(_sigmoid, X, "sigmoid")


def relu(X):
    """max(X, 0); the derivative at 0 is taken as 0."""
    return _unary(_relu, X, "relu")


def sin(X):
    return _unary(_sin, X, "sin")


def cos(X):
    return _unary(_cos, X, "cos")


# ==========================================================================
# Operators on DLArray
# ==========================================================================

def _compare(op, a, b, where):
    xp = _xp(a, b, where=where)
    ops = []
    for x, name in ((a, "first input"), (b, "second input")):
        if isinstance(x, DLArray):
            ops.append(x)
        else:
            dt = _dtype_of(x)
            ops.append(_to_dl(x, xp, dt if dt is not None else _float_dtype(a, b), where, name))
    out_fmt, _, aligned = _formats.align([(o._fmt, o.shape) for o in ops], where)
    raws = [o._data if (not out_fmt or al == ()) else o._data.reshape(al) for o, al in zip(ops, aligned)]
    return DLArray._new(xp.asarray(op(*raws)), out_fmt)


def _logical(op, a, b, where):
    for x in (a, b):
        if (x._data.dtype if isinstance(x, DLArray) else np.asarray(x).dtype) != np.bool_:
            raise TypeError(f"{where}: operands must be logical (comparison results)")
    return _compare(op, a, b, where)


def _install_operators():
    D = DLArray
    D.__add__ = lambda a, b: _binary(_add, a, b, "plus (+)")
    D.__radd__ = lambda a, b: _binary(_add, b, a, "plus (+)")
    D.__sub__ = lambda a, b: _binary(_subtract, a, b, "minus (-)")
    D.__rsub__ = lambda a, b: _binary(_subtract, b, a, "minus (-)")
    D.__mul__ = lambda a, b: _binary(_multiply, a, b, "times (*)")
    D.__rmul__ = lambda a, b: _binary(_multiply, b, a, "times (*)")
    D.__truediv__ = lambda a, b: _binary(_divide, a, b, "rdivide (/)")
    D.__rtruediv__ = lambda a, b: _binary(_divide, b, a, "rdivide (/)")
    D.__pow__ = lambda a, b: _binary(_power, a, b, "power (**)")
    D.__rpow__ = lambda a, b: _binary(_power, b, a, "power (**)")
    D.__matmul__ = lambda a, b: matmul(a, b)
    D.__rmatmul__ = lambda a, b: matmul(b, a)
    D.__neg__ = lambda a: _unary(_negate, a, "uminus (-)")
    D.__pos__ = lambda a: a
    D.__abs__ = lambda a: abs(a)
    D.__lt__ = lambda a, b: _compare(lambda x, y: x < y, a, b, "lt (<)")
    D.__le__ = lambda a, b: _compare(lambda x, y: x <= y, a, b, "le (<=)")
    D.__gt__ = lambda a, b: _compare(lambda x, y: x > y, a, b, "gt (>)")
    D.__ge__ = lambda a, b: _compare(lambda x, y: x >= y, a, b, "ge (>=)")
    D.__eq__ = lambda a, b: _compare(lambda x, y: x == y, a, b, "eq (==)")
    D.__ne__ = lambda a, b: _compare(lambda x, y: x != y, a, b, "ne (!=)")
    D.__and__ = lambda a, b: _logical(lambda x, y: x & y, a, b, "and (&)")
    D.__or__ = lambda a, b: _logical(lambda x, y: x | y, a, b, "or (|)")
    D.__invert__ = lambda a: _logical(lambda x, y: ~x, a, True, "not (~)")
    D.__getitem__ = getitem
    D.__setitem__ = setitem
    D.reshape = reshape


_install_operators()
