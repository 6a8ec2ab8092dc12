"""The structural primitives: ops that move or convert elements, no arithmetic.

reshape, transpose, broadcast_to, getitem with its adjoint scatter_add,
setitem, concat and cast: each raw forward with its vjp.  Their derivatives
are structural ops too, so this module builds on the registry alone; operand
preparation (``operands``) and the public functions (``shape``, ``linalg``,
``reduction``) build on it.
"""
from __future__ import annotations

import numbers

import numpy as np

from .backend import array_namespace
from .dlarray import DLArray
from .registry import bind, primitive


def _reshape_vjp(needs, g, ans, a, shape):
    return (bind(_reshape, [g], "", shape=a.shape),)


@primitive("reshape", _reshape_vjp)
def _reshape(a, shape):
    return a.reshape(shape)


def reshaped(X: DLArray, shape) -> DLArray:
    """``X`` unformatted and reshaped to ``shape``: a recorded reshape, none when X has
    that shape already."""
    shape = tuple(shape)
    X = X._relabelled() if X._fmt else X
    return X if X._data.shape == shape else bind(_reshape, [X], "", shape=shape)


def _transpose_vjp(needs, g, ans, a, perm):
    return (bind(_transpose, [g], "", perm=tuple(int(i) for i in np.argsort(perm))),)


@primitive("transpose", _transpose_vjp)
def _transpose(a, perm):
    return array_namespace(a).transpose(a, perm)


def _broadcast_to_vjp(needs, g, ans, a, shape):
    # g has the broadcast shape: the engine sums it down to a's (autodiff.unbroadcast).
    return (g,)


@primitive("broadcast_to", _broadcast_to_vjp)
def _broadcast_to(a, shape):
    return array_namespace(a).broadcast_to(a, shape)


def _is_basic_key(key) -> bool:
    key = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (slice, numbers.Integral)) for k in key)


def _getitem_vjp(needs, g, ans, a, key):
    return (bind(_scatter_add, [g], "", key=key, shape=a.shape),)


@primitive("getitem", _getitem_vjp)
def _getitem(a, key):
    return a[key]


def _scatter_add_vjp(needs, g, ans, a, key, shape):
    return (bind(_getitem, [g], "", key=key),)


@primitive("scatter_add", _scatter_add_vjp)
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


def _setitem_vjp(needs, g, ans, a, v, key):
    ga = None
    if needs[0]:
        zero = DLArray._new(array_namespace(g._data).zeros((), g.dtype), "")
        ga = bind(_setitem, [g, zero], "", key=key)
    gv = bind(_getitem, [g], "", key=key) if needs[1] else None
    return ga, gv


@primitive("setitem", _setitem_vjp)
def _setitem(a, v, key):
    out = a.copy()
    out[key] = v
    return out


def _concat_vjp(needs, g, ans, *arrays, axis):
    out, start = [], 0
    for need, a in zip(needs, arrays):
        stop = start + a.shape[axis]
        key = (slice(None),) * axis + (slice(start, stop),)
        out.append(bind(_getitem, [g], "", key=key) if need else None)
        start = stop
    return tuple(out)


@primitive("concat", _concat_vjp)
def _concat(*arrays, axis):
    return array_namespace(*arrays).concatenate(arrays, axis=axis)


def _cast_vjp(needs, g, ans, a, dtype):
    return (bind(_cast, [g], "", dtype=a.dtype),)


@primitive("cast", _cast_vjp)
def _cast(a, dtype):
    return a.astype(dtype)
