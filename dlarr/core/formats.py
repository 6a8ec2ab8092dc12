"""Dimension-label rules: the one module that knows what "S", "C", "B", "T", "U" mean.

Every operation asks this module how labels combine; no op carries its own copy
of these rules.  The functions here work on formats (str) and shapes (tuples)
only, never on data, and raise errors that name the offending dimension.

The storage rule: a formatted array holds its data in MATLAB's canonical order
S..., C, B, T, U... and has exactly one label per axis (``ndim == len(fmt)``).
An unformatted array has ``fmt == ""`` and any number of axes.
"""
from __future__ import annotations

import math
import numbers
import operator

import numpy as np

LABELS = "SCBTU"
_RANK = {lab: i for i, lab in enumerate(LABELS)}
_NAMES = {"S": "spatial", "C": "channel", "B": "batch", "T": "time", "U": "unspecified"}


def describe(fmt: str, shape) -> str:
    """MATLAB's size display: ``3(C) x 32(B) x 64(T)``, or ``3 x 4`` unformatted."""
    if fmt:
        return " x ".join(f"{n}({lab})" for n, lab in zip(shape, fmt))
    if len(shape) == 0:
        return "scalar"
    return " x ".join(str(n) for n in shape)


def _axis_name(fmt: str, axis: int) -> str:
    return f"dimension {axis} ('{fmt[axis]}')" if fmt else f"dimension {axis}"


def check_format(fmt, argname: str = "fmt") -> str:
    """Validate a data format string; return it as a plain ``str``."""
    if not isinstance(fmt, str):
        raise TypeError(f"{argname} must be a string of dimension labels such as 'CBT', "
                        f"not {type(fmt).__name__}")
    for pos, lab in enumerate(fmt):
        if lab not in _RANK:
            raise ValueError(f"{argname} {fmt!r}: unknown label {lab!r} at position {pos}; "
                             "labels are 'S', 'C', 'B', 'T' and 'U'")
    for lab in "CBT":
        if fmt.count(lab) > 1:
            raise ValueError(f"{argname} {fmt!r}: label {lab!r} ({_NAMES[lab]}) appears "
                             f"{fmt.count(lab)} times; 'C', 'B' and 'T' may appear at most once")
    return str(fmt)


def canonical(fmt: str) -> tuple[tuple[int, ...], str]:
    """Permutation that sorts ``fmt`` into S,C,B,T,U order (stable), and the sorted format."""
    perm = tuple(sorted(range(len(fmt)), key=lambda i: _RANK[fmt[i]]))
    return perm, "".join(fmt[i] for i in perm)


def without_trailing_ones(shape) -> tuple:
    """``shape`` without its trailing singleton dimensions (all of them: (1, 1) gives ())."""
    shape = tuple(shape)
    while shape and shape[-1] == 1:
        shape = shape[:-1]
    return shape


def _is_vector(shape) -> bool:
    """MATLAB's ``isvector`` after MATLAB drops trailing singletons: a scalar, a
    1-D array, a row or a column."""
    shape = tuple(shape)
    while len(shape) > 2 and shape[-1] == 1:
        shape = shape[:-1]
    return len(shape) < 2 or (len(shape) == 2 and 1 in shape)


def fit_format(shape, fmt: str, argname: str = "fmt") -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """Plan how data of ``shape`` takes the format ``fmt``.

    Returns ``(labelled_shape, perm, canonical_fmt)``: reshape the data to
    ``labelled_shape`` (one axis per label: trailing singleton axes beyond the
    format dropped, missing trailing axes added as singletons), then transpose
    by ``perm`` to reach canonical order.

    MATLAB's two vector rules: a one-letter format given a vector (a row, a
    column, 1-D or a scalar) makes a column whose second, singleton dimension is
    labelled "U" (``dlarray(v, "C")`` is n(C) x 1(U)); and singleton trailing
    "U" dimensions after the second are ignored (:func:`trim_u`).
    """
    shape = tuple(int(n) for n in shape)
    if len(fmt) == 1 and _is_vector(shape):
        shape, fmt = (math.prod(shape), 1), fmt + "U"
    k = len(fmt)
    if k < len(shape):
        extra = shape[k:]
        if any(n != 1 for n in extra):
            raise ValueError(
                f"{argname} {fmt!r} has {k} labels but the data has {len(shape)} dimensions "
                f"(size {describe('', shape)}); only trailing singleton dimensions may be left "
                f"without a label, and dimensions {k}..{len(shape) - 1} have sizes "
                f"{describe('', extra)}"
                + ("; a one-letter format takes a vector (a row or a column)" if k == 1 else ""))
        shape = shape[:k]
    elif k > len(shape):
        shape = shape + (1,) * (k - len(shape))
    # The canonical order ends with the "U" axes in their order: drop the last
    # ones while singleton (before the transpose, so it stays one reshape).
    keep = list(range(k))
    u_axes = [i for i, lab in enumerate(fmt) if lab == "U"]
    while u_axes and len(keep) > 2 and shape[u_axes[-1]] == 1:
        keep.remove(u_axes.pop())
    shape, fmt = tuple(shape[i] for i in keep), "".join(fmt[i] for i in keep)
    perm, cfmt = canonical(fmt)
    return shape, perm, cfmt


def trim_u(fmt: str, shape) -> tuple[str, tuple[int, ...]]:
    """MATLAB ignores singleton trailing "U" dimensions after the second: the
    format and shape without them (``"CBTU"``, 3x4x5x1 gives ``"CBT"``)."""
    shape = tuple(shape)
    n = len(fmt)
    while n > 2 and fmt[n - 1] == "U" and shape[n - 1] == 1:
        n -= 1
    return fmt[:n], shape[:n]


def find(fmt: str, label: str, where: str = "finddim: label") -> list[int]:
    """0-based axes carrying ``label`` (``[]`` when absent or unformatted); ``where``
    ("function: argument") names the label in the error."""
    if not isinstance(label, str) or len(label) != 1 or label not in _RANK:
        raise ValueError(f"{where} must be one of 'S', 'C', 'B', 'T', 'U', not {label!r}")
    return [i for i, lab in enumerate(fmt) if lab == label]


# --------------------------------------------------------------------------
# Implicit expansion
# --------------------------------------------------------------------------

def align(operands, where: str = "operation"):
    """Align operands for an elementwise operation.

    ``operands`` is a list of ``(fmt, shape)``.  Returns ``(out_fmt, out_shape,
    aligned_shapes)``, where each aligned shape has one axis per output axis
    (or is ``()`` for a 0-d operand) and differs from the operand's own shape
    only by inserted singleton axes, so aligning is a reshape, never a
    transpose.

    * no formatted operand: NumPy broadcasting (trailing alignment);
    * formatted operands align by label, the i-th "S" with the i-th "S";
      the output has the union of the labels in canonical order;
    * an unformatted operand beside a formatted one aligns by position, axis 0
      with axis 0 (MATLAB's implicit expansion), missing trailing axes being
      singletons; 0-d operands broadcast everywhere;
    * singleton trailing "U" dimensions of the result after the second are
      dropped, as MATLAB ignores them (:func:`trim_u`).
    """
    fmts = [f for f, _ in operands]
    if not any(fmts):
        shapes = [tuple(s) for _, s in operands]
        try:
            out_shape = tuple(np.broadcast_shapes(*shapes))
        except ValueError:
            raise ValueError(f"{where}: arrays have incompatible sizes "
                             f"{' and '.join(describe('', s) for s in shapes)} "
                             "for implicit expansion") from None
        return "", out_shape, shapes

    counts = {lab: max(f.count(lab) for f in fmts) for lab in LABELS}
    out_fmt = "".join(lab * counts[lab] for lab in LABELS)
    slot_start = {}
    pos = 0
    for lab in LABELS:
        slot_start[lab] = pos
        pos += counts[lab]
    n = len(out_fmt)

    aligned = []
    for fmt, shape in operands:
        shape = tuple(shape)
        if fmt:
            a = [1] * n
            seen = dict.fromkeys(LABELS, 0)
            for lab, size in zip(fmt, shape):
                a[slot_start[lab] + seen[lab]] = size
                seen[lab] += 1
            aligned.append(tuple(a))
        elif len(shape) == 0:
            aligned.append(())
        else:
            if len(shape) > n:
                if any(s != 1 for s in shape[n:]):
                    raise ValueError(
                        f"{where}: the unformatted operand has {len(shape)} dimensions "
                        f"(size {describe('', shape)}) but the formatted result has {n} "
                        f"({out_fmt!r}); an unformatted operand aligns with a formatted one by "
                        "position, so its extra trailing dimensions must be singleton")
                shape = shape[:n]
            aligned.append(shape + (1,) * (n - len(shape)))

    out_shape = []
    for ax in range(n):
        size = 1
        for (fmt, shape), a in zip(operands, aligned):
            if not a or a[ax] == 1:
                continue
            if size != 1 and a[ax] != size:
                sizes = [b[ax] for b in aligned if b]
                raise ValueError(
                    f"{where}: arrays have incompatible sizes in {_axis_name(out_fmt, ax)}: "
                    f"{' vs '.join(str(s) for s in sizes)}; sizes must be equal or 1")
            size = a[ax]
        out_shape.append(size)
    return _trim_aligned(out_fmt, out_shape, aligned)


def _trim_aligned(out_fmt, out_shape, aligned):
    """A "U" that only singletons bring (a "CU" vector beside "CBT" data) is a
    trailing singleton after the second dimension, which MATLAB ignores."""
    trimmed, out_shape = trim_u(out_fmt, out_shape)
    n = len(trimmed)
    if n < len(out_fmt):
        aligned = [a[:n] if a else a for a in aligned]
    return trimmed, tuple(out_shape), aligned


# --------------------------------------------------------------------------
# Deep learning operations on unformatted data (DataFormat=...)
# --------------------------------------------------------------------------

def user_order(data_format: str, out_fmt: str) -> tuple[int, ...]:
    """Permutation presenting an op's canonical output ``out_fmt`` in the
    dimension order of the user's ``DataFormat``, for unformatted inputs.

    MATLAB returns unformatted outputs "with the same dimension order as X,
    except for any S dimensions": S dimensions fold into C (placed where the
    first S or C was), labels the output lacks are dropped, and labels the
    input lacked (a C that an op adds) go first for C and last otherwise.
    """
    order = []
    for lab in data_format:
        if lab in "SC":
            if "C" in out_fmt and "C" not in order:
                order.append("C")
        elif lab in out_fmt and lab not in order:
            order.append(lab)
    for lab in out_fmt:
        if lab not in order:
            if lab == "C":
                order.insert(0, lab)
            else:
                order.append(lab)
    return tuple(out_fmt.index(lab) for lab in order)


# --------------------------------------------------------------------------
# Dimension arguments (reductions, cat, size)
# --------------------------------------------------------------------------

def _as_axis(d, ndim: int, fname: str) -> int:
    if isinstance(d, bool) or not isinstance(d, numbers.Integral):
        raise TypeError(f"{fname}: dim must be an integer, a list of integers, a string of "
                        f"labels or 'all', not {d!r}")
    d = operator.index(d)
    if ndim == 0:
        raise ValueError(f"{fname}: dim {d} is out of range: the array is a 0-d scalar, with "
                         "no dimensions to index; give dim=None or 'all'")
    if not -ndim <= d < ndim:
        raise ValueError(f"{fname}: dim {d} is out of range for an array with {ndim} "
                         f"dimensions (valid: 0..{ndim - 1}, or negative from the end)")
    return d % ndim


def reduction_axes(dim, fmt: str, shape, fname: str) -> tuple[int, ...]:
    """Normalise a reduction's ``dim`` argument to sorted axes.

    ``None`` means MATLAB's default, the first non-singleton dimension;
    ``"all"`` every dimension; an int or a list of ints are 0-based axes
    (negative counts from the end); a string of labels ("T", "SS") names the
    labelled axes of a formatted array.
    """
    ndim = len(shape)
    if dim is None:
        if ndim == 0:
            return ()
        for ax, n in enumerate(shape):
            if n != 1:
                return (ax,)
        return (0,)
    if isinstance(dim, str):
        if dim == "all":
            return tuple(range(ndim))
        if not fmt:
            raise ValueError(f"{fname}: dim {dim!r} names labels, but the array is unformatted; "
                             "give 0-based integer dims or 'all'")
        check_format(dim, f"{fname}: dim")
        axes = []
        for lab in dict.fromkeys(dim):
            found = find(fmt, lab)
            if not found:
                raise ValueError(f"{fname}: the array (format {fmt!r}) has no {lab!r} dimension")
            axes += found
        return tuple(sorted(axes))
    if isinstance(dim, (list, tuple)):
        axes = sorted({_as_axis(d, ndim, fname) for d in dim})
        if len(axes) != len(dim):
            raise ValueError(f"{fname}: dim {list(dim)} repeats a dimension")
        return tuple(axes)
    return (_as_axis(dim, ndim, fname),)


# --------------------------------------------------------------------------
# Indexing
# --------------------------------------------------------------------------

def _is_int_index(k) -> bool:
    if isinstance(k, bool):
        return False
    if isinstance(k, numbers.Integral):
        return True
    return getattr(k, "ndim", None) == 0 and getattr(k, "dtype", None) is not None \
        and np.dtype(k.dtype).kind in "iu"


def index_format(fmt: str, ndim: int, key) -> str:
    """Labels of ``x[key]`` for a formatted ``x``: those of the axes that survive.

    Integers remove their axis; slices and a single 1-D integer or boolean
    index keep it.  Any other NumPy indexing (``None``, several array indices,
    a multi-dimensional mask) moves axes in ways labels cannot follow, so the
    result is unformatted.
    """
    if not fmt:
        return ""
    if not isinstance(key, tuple):
        key = (key,)
    n_ell = sum(1 for k in key if k is Ellipsis)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = 0
    for k in key:
        if k is Ellipsis or k is None:
            continue
        nd = getattr(k, "ndim", None)
        if nd is None and isinstance(k, (list,)):
            nd = np.asarray(k).ndim
        is_bool = (getattr(k, "dtype", None) is not None and np.dtype(k.dtype) == np.bool_) or \
            (isinstance(k, list) and np.asarray(k).dtype == np.bool_)
        consumed += nd if (is_bool and nd) else 1
    if consumed > ndim:
        raise IndexError(f"too many indices: the array has {ndim} dimensions ({fmt!r}) "
                         f"but {consumed} were indexed")
    out = []
    axis = 0
    n_adv = 0
    for k in key:
        if k is Ellipsis:
            skip = ndim - consumed
            out.extend(fmt[axis:axis + skip])
            axis += skip
        elif k is None:
            return ""
        elif isinstance(k, slice):
            out.append(fmt[axis])
            axis += 1
        elif _is_int_index(k):
            axis += 1
        else:
            arr = np.asarray(k) if not hasattr(k, "ndim") else k
            n_adv += 1
            if arr.ndim != 1 or n_adv > 1:
                return ""
            out.append(fmt[axis])
            axis += 1
    out.extend(fmt[axis:])
    return "".join(out)


# --------------------------------------------------------------------------
# Concatenation and squeeze
# --------------------------------------------------------------------------

def cat_plan(dim, fmts, shapes) -> tuple[str, int, int]:
    """Check ``cat(dim, ...)``; return ``(out_fmt, axis, ndim)``.

    Formatted inputs must share one format, and ``dim`` must be one of their
    axes; unformatted inputs may be concatenated along a new trailing
    dimension (``cat(2, A, B)`` of matrices gives a 3-D array, as in MATLAB).
    """
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 0:
        raise TypeError(f"cat: dim must be a non-negative integer (0-based), not {dim!r}")
    dim = int(dim)
    fmt0 = fmts[0]
    for i, f in enumerate(fmts):
        if f != fmt0:
            raise ValueError(f"cat: all inputs must have the same format; input 0 has "
                             f"{fmt0!r} and input {i} has {f!r}")
    ndim = max(len(s) for s in shapes)
    if fmt0:
        if dim >= ndim:
            raise ValueError(f"cat: dim {dim} is out of range for format {fmt0!r} "
                             f"({ndim} dimensions)")
    else:
        ndim = max(ndim, dim + 1)
    padded = [tuple(s) + (1,) * (ndim - len(s)) for s in shapes]
    for ax in range(ndim):
        if ax == dim:
            continue
        sizes = {p[ax] for p in padded}
        if len(sizes) > 1:
            raise ValueError(f"cat: inputs must have equal sizes except in dim {dim}; "
                             f"{_axis_name(fmt0, ax)} has sizes "
                             f"{', '.join(str(p[ax]) for p in padded)}")
    return fmt0, dim, ndim


def squeeze_plan(fmt: str, shape) -> tuple[tuple[int, ...], str]:
    """Shape and format after ``squeeze`` (MATLAB's meaning).

    Formatted: every singleton dimension is removed with its label.
    Unformatted: arrays of two or fewer dimensions are returned unchanged;
    otherwise singleton dimensions are removed, keeping at least two
    (``squeeze`` of 1x1x3 is 3x1, as in MATLAB).
    """
    shape = tuple(shape)
    if fmt:
        keep = [i for i, n in enumerate(shape) if n != 1]
        return tuple(shape[i] for i in keep), "".join(fmt[i] for i in keep)
    if len(shape) <= 2:
        return shape, ""
    out = tuple(n for n in shape if n != 1)
    out = out + (1,) * (2 - len(out))
    return out, ""
