"""Matrix products: the matmul primitive, MATLAB's ``A*B``, ``pagemtimes`` and
``transpose`` (``X.'``) on dlarray."""
from __future__ import annotations

from . import formats as _formats
from .dlarray import DLArray
from .operands import _as_float, _float_dtype, _to_dl, _xp
from .options import PAGE_TRANSPOSES, choose
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
    """Matrix multiplication, MATLAB's ``A*B`` (``mtimes``).

    Syntax::

        C = dl.matmul(A, B)
        C = A @ B

    Input arguments:
        A, B: dlarrays, NumPy/CuPy arrays, nested lists (single wins over double;
            logical and integer data become double).  Unformatted operands follow
            ``numpy.matmul``: matrices, stacks of matrices (leading dimensions
            broadcast), and 1-D operands (a row on the left, a column on the right).
            A formatted operand must be 2-D; its labels are dropped.  Scalars are
            errors (scale with ``*``).

    Output arguments:
        C: an unformatted dlarray; the inner dimensions of A and B must agree.

    Differences from MATLAB: ``A * B`` is elementwise in dlarr (NumPy's meaning);
    matrix multiplication is ``A @ B`` or ``dl.matmul``.  To multiply labelled deep
    learning data use ``fullyconnect``, or ``stripdims`` first.

    Example::

        A = dl.dlarray(np.random.rand(2, 3))
        B = dl.dlarray(np.random.rand(3, 4))
        C = dl.matmul(A, B)       # 2 x 4, the same as A @ B
    """
    where = "matrix multiply (@)"
    xp = _xp(A, B, where=where)
    dt = _float_dtype(A, B, where=where)
    a = _to_dl(A, xp, dt, where, "first input")
    b = _to_dl(B, xp, dt, where, "second input")
    for x, name in ((a, "first"), (b, "second")):
        if x._fmt and x.ndim > 2:
            raise ValueError(f"{where}: the {name} input has format {x._fmt!r} "
                             f"({_formats.describe(x._fmt, x.shape)}); matrix multiply needs "
                             "unformatted or 2-D data: use stripdims(X) first, or fullyconnect")
        if x.ndim == 0:
            raise ValueError(f"{where}: the {name} input is a scalar; use * to scale")
    squeeze_axes, shapes = [], (a.shape, b.shape)
    if a.ndim == 1:
        a = bind(_reshape, [a], "", shape=(1, a.shape[0]))
        squeeze_axes.append(-2)
    if b.ndim == 1:
        b = bind(_reshape, [b], "", shape=(b.shape[0], 1))
        squeeze_axes.append(-1)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"{where}: inner dimensions must agree: {_formats.describe('', shapes[0])} "
                         f"times {_formats.describe('', shapes[1])}")
    out = bind(_matmul, [a, b], "")
    if squeeze_axes:
        shape = list(out.shape)
        for ax in sorted(squeeze_axes):
            shape.pop(ax if ax == -1 else len(shape) - 2)
        out = bind(_reshape, [out], "", shape=tuple(shape))
    return out


# ==========================================================================
# transpose, pagemtimes
# ==========================================================================

def transpose(X):
    """Transpose a matrix, MATLAB's ``transpose`` (``X.'``).

    Syntax::

        Y = dl.transpose(X)
        Y = X.T

    Input arguments:
        X: an unformatted dlarray, a NumPy/CuPy array or a nested list with at most
            two dimensions; a 1-D array counts as a column.

    Output arguments:
        Y: an unformatted dlarray: an m x n X gives n x m, a 1-D X of n elements a
            1 x n row, a 0-d X itself.

    Formatted data always keeps canonical order, so transposing it is an error
    (use ``stripdims``); so is an N-D X (use :func:`permute`), as in MATLAB.

    Example::

        X = dl.dlarray(np.arange(6.0).reshape(2, 3))
        Y = dl.transpose(X)       # 3 x 2, the same as X.T
    """
    if isinstance(X, DLArray) and X._fmt:
        raise ValueError(f"transpose: X is formatted ({X._fmt!r}); formatted data always keeps "
                         "MATLAB's canonical order. Use stripdims(X) first, or stripdims(X, fmt) "
                         "to get the data in another dimension order")
    X = X if isinstance(X, DLArray) else _as_float(X, "transpose")
    if X.ndim > 2:
        raise ValueError(f"transpose: X has {X.ndim} dimensions (size "
                         f"{_formats.describe('', X.shape)}); transpose is for matrices (MATLAB's "
                         "'Transpose on ND array is not defined'): use permute, e.g. "
                         "permute(X, [1, 0, 2]) to transpose each page")
    if X.ndim == 0:
        return X
    if X.ndim == 1:
        return bind(_reshape, [X], "", shape=(1, X.shape[0]))
    return bind(_transpose, [X], "", perm=(1, 0))


def _page_operands(X, Y, where):
    xp = _xp(X, Y, where=where)
    dt = _float_dtype(X, Y, where=where, names=("X", "Y"))
    ops = []
    for v, name in ((X, "X"), (Y, "Y")):
        d = _to_dl(v, xp, dt, where, name)
        if d._fmt:
            raise ValueError(f"{where}: {name} is formatted ({d._fmt!r}); pagemtimes multiplies "
                             "unformatted pages: use stripdims first")
        if d.ndim < 2:
            raise ValueError(f"{where}: {name} must have at least 2 dimensions (rows x columns "
                             f"x pages...); it has size {_formats.describe('', d.shape)}")
        ops.append(d)
    return ops


def pagemtimes(X, *args):
    """Page-wise matrix multiplication, MATLAB's ``pagemtimes``.

    Syntax::

        Z = dl.pagemtimes(X, Y)
        Z = dl.pagemtimes(X, transpX, Y, transpY)

    Input arguments:
        X, Y: unformatted dlarrays, NumPy/CuPy arrays or nested lists with at least
            two dimensions (rows x columns x pages...).  The page dimensions (the
            third onward) expand implicitly: their sizes must be equal or 1.
        transpX, transpY: how to take the pages of X and Y: "none" (the pages as
            they are), "transpose", or "ctranspose" (the same for real data).

    Output arguments:
        Z: an unformatted dlarray with ``Z[:, :, i, ...] = X[:, :, i, ...] @
            Y[:, :, i, ...]`` (after the transposes), its page sizes the larger of
            X's and Y's.

    Differences from MATLAB: the pages are indexed from 0.

    Example::

        X = np.random.rand(2, 3, 4)
        Y = np.random.rand(3, 5, 4)
        Z = dl.pagemtimes(X, Y)                             # 2 x 5 x 4
        W = dl.pagemtimes(X, "transpose", X, "none")        # 3 x 3 x 4
    """
    where = "pagemtimes"
    if len(args) == 1:
        Y, tx, ty = args[0], "none", "none"
    elif len(args) == 3:
        tx, Y, ty = args
    else:
        raise TypeError(f"{where}: call pagemtimes(X, Y) or pagemtimes(X, transpX, Y, transpY); "
                        f"got {1 + len(args)} inputs")
    tx = choose(tx, PAGE_TRANSPOSES, where, "transpX")
    ty = choose(ty, PAGE_TRANSPOSES, where, "transpY")
    a, b = _page_operands(X, Y, where)
    n = max(a.ndim, b.ndim)
    a, b = (v if v.ndim == n else bind(_reshape, [v], "", shape=v.shape + (1,) * (n - v.ndim))
            for v in (a, b))
    swap = (1, 0) + tuple(range(2, n))
    if tx != "none":
        a = bind(_transpose, [a], "", perm=swap)
    if ty != "none":
        b = bind(_transpose, [b], "", perm=swap)
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"{where}: the pages' inner dimensions must agree: X's pages are "
                         f"{a.shape[0]} x {a.shape[1]} and Y's {b.shape[0]} x {b.shape[1]}"
                         + (" (after the transpose options)" if tx != "none" or ty != "none" else ""))
    for d in range(2, n):
        if a.shape[d] != b.shape[d] and 1 not in (a.shape[d], b.shape[d]):
            raise ValueError(f"{where}: page dimension {d} has size {a.shape[d]} in X and "
                             f"{b.shape[d]} in Y; sizes must be equal or 1")
    front = tuple(range(2, n)) + (0, 1)          # pages first: matmul's stacks
    a = bind(_transpose, [a], "", perm=front) if n > 2 else a
    b = bind(_transpose, [b], "", perm=front) if n > 2 else b
    Z = bind(_matmul, [a, b], "")
    if n > 2:
        Z = bind(_transpose, [Z], "", perm=(n - 2, n - 1) + tuple(range(n - 2)))
    return Z
