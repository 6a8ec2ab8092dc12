"""DLArray's operators: ``X + Y``, ``X @ Y``, ``X < Y``, ``X[key]``, ``X.T``... installed on
the class when the core is imported (``dlarr.core``), each the same code as the
matching function (``X + Y`` binds the ``add`` primitive as ``plus`` would).

Comparisons and logical operators give untraced logical DLArrays.
"""
from __future__ import annotations

import numpy as np

from . import formats as _formats
from .dlarray import DLArray
from .elementwise import _add, _divide, _multiply, _negate, _power, _subtract, abs
from .linalg import matmul, transpose
from .operands import _binary, _dtype_of, _float_dtype, _to_dl, _unary, _xp
from .shape import getitem, reshape, setitem


def _compare(op, a, b, where):
    xp = _xp(a, b, where=where)
    ops = []
    for x, name in ((a, "first input"), (b, "second input")):
        if isinstance(x, DLArray):
            ops.append(x)
        else:
            dt = _dtype_of(x, where, name)
            ops.append(_to_dl(x, xp, dt if dt is not None else _float_dtype(a, b, where=where),
                              where, name))
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
    D.T = property(transpose, doc="MATLAB's X.' of an unformatted matrix (dl.transpose)")


_install_operators()
