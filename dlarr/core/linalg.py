"""Matrix multiply: the matmul primitive and MATLAB's ``A*B`` on dlarray."""
from __future__ import annotations

from . import formats as _formats
from .dlarray import DLArray
from .operands import _float_dtype, _raw, _to_dl, _xp
from .registry import bind, primitive
from .structural import _reshape, _transpose


def _swap_last(x: DLArray) -> DLArray:
    perm = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return bind(_transpose, [x], "", perm=perm)


def _matmul_vjp(needs, g, ans, a, b):
    ga = matmul(g, _swap_last(b)) if needs[0] else None
    gb = matmul(_swap_last(a), g) if needs[1] else None
    return ga, gb


@primitive("matmul", _matmul_vjp)
def _matmul(a, b):
    return a @ b


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
