"""Creating and inspecting DLArrays: dlarray, dims, finddim, stripdims, extractdata..."""
from __future__ import annotations

import numbers

import numpy as np

from . import formats as _formats
from .backend import array_namespace, is_array, is_python_scalar
from .dlarray import DLArray
from .registry import bind
from .structural import _reshape, _transpose
from .tape import Node, current_tape

_KEEP = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.bool_))


def _relayout(X: DLArray, labelled_shape, perm, fmt) -> DLArray:
    """Reshape then transpose X's data (recorded ops), labelling the result ``fmt``."""
    if X._data.shape != tuple(labelled_shape):
        X = bind(_reshape, [X], "", shape=tuple(labelled_shape))
    if perm != tuple(range(len(perm))):
        X = bind(_transpose, [X], "", perm=perm)
    return DLArray._new(X._data, fmt, X._node)


def _leaf(data, fmt):
    """A new DLArray; inside dlfeval it is traced (a leaf of the open tape)."""
    tape = current_tape()
    node = None
    if tape is not None and data.dtype != np.bool_:
        node = Node(tape, data.shape)
    return DLArray._new(data, fmt, node)


def dlarray(X, fmt=None) -> DLArray:
    """Deep learning array, MATLAB's ``dlarray(X)`` / ``dlarray(X, fmt)`` /
    ``dlarray(v, dim)``.

    ``X``: a NumPy or CuPy array, a nested list, a scalar or a DLArray (whose
    format a new ``fmt`` replaces).  float32 and float64 are kept, bool is kept
    as logical, other numeric types become float64 (MATLAB's double).  The data
    is permuted into canonical order S,C,B,T,U; labels beyond the data's
    dimensions become trailing singletons, and trailing singleton dimensions
    beyond ``fmt`` are dropped (MATLAB ignores them), as are singleton trailing
    "U" dimensions after the second.  A one-letter ``fmt`` with a vector (row,
    column or 1-D) gives a column whose second, singleton dimension is "U":
    ``dlarray(v, "C")`` is n(C) x 1(U).

    MATLAB's value semantics: a NumPy/CuPy ``X`` is copied, so changing it
    afterwards does not change the dlarray (``extractdata`` shares the data
    the other way: see there).
    """
    return _dlarray(X, fmt, copy=True, fname="dlarray")


def as_dlarray(X, fmt=None, fname="dlarray") -> DLArray:
    """:func:`dlarray` without the copy of a NumPy/CuPy ``X`` (internal: the
    package's own fresh arrays and data it only reads, e.g. a ``DataFormat``
    operand); errors name ``fname``."""
    return _dlarray(X, fmt, copy=False, fname=fname)


def _dlarray(X, fmt, copy, fname):
    if fmt is not None:
        fmt = _formats.check_format(fmt, "fmt")
    if isinstance(X, DLArray):
        Y = DLArray._new(X._data, X._fmt, X._node)
        if fmt is not None:
            shape, perm, cfmt = _formats.fit_format(X.shape, fmt)
            Y = _relayout(X, shape, perm, cfmt)
        if not Y.traced:
            Y = _leaf(Y._data, Y._fmt)
        return Y
    fresh = not is_array(X)          # a list or scalar gives a new array anyway
    if is_array(X):
        data = X
    elif is_python_scalar(X) or isinstance(X, (list, tuple)):
        try:
            data = np.asarray(X)
        except ValueError as e:
            raise ValueError(f"{fname}: X is a ragged nested list: {e}") from None
    else:
        raise TypeError(f"{fname}: X must be a numeric or logical array, a nested list, a "
                        f"scalar or a dlarray, not {type(X).__name__}")
    if isinstance(data, np.generic):
        data = np.asarray(data)
    kind = data.dtype.kind
    if kind == "c":
        raise TypeError(f"{fname}: X is complex; dlarr supports real data only")
    if kind not in "biuf":
        raise TypeError(f"{fname}: X must be numeric or logical, not of dtype {data.dtype}")
    if data.dtype not in _KEEP:
        data, fresh = data.astype(np.float64), True
    cfmt = ""
    if fmt:
        shape, perm, cfmt = _formats.fit_format(data.shape, fmt)
        data = array_namespace(data).transpose(data.reshape(shape), perm)
    if copy and not fresh:
        data = data.copy()           # C-contiguous, in canonical order
    return _leaf(data, cfmt)


def labelled(X, DataFormat, fname, name="X"):
    """``X`` as a formatted DLArray, and the user's DataFormat when X came
    unformatted (``None`` otherwise): the one place deep learning operations
    read their ``DataFormat`` option.  A formatted X with a DataFormat, or an
    unformatted X without one, is an error naming the operation."""
    fmt = X._fmt if isinstance(X, DLArray) else ""
    if fmt:
        if DataFormat is not None:
            raise ValueError(f"{fname}: {name} is formatted ({fmt!r}); DataFormat is only for "
                             f"unformatted {name}")
        return X, None
    if DataFormat is None:
        raise ValueError(f"{fname}: {name} is unformatted; give its format with DataFormat, "
                         "e.g. DataFormat='CB'")
    DataFormat = _formats.check_format(DataFormat, f"{fname}: DataFormat")
    try:
        return as_dlarray(X, DataFormat), DataFormat
    except (ValueError, TypeError) as e:
        raise type(e)(f"{fname}: {e}") from None


def _need(X, fname):
    if not isinstance(X, DLArray):
        raise TypeError(f"{fname}: X must be a dlarray, not {type(X).__name__}")
    return X


def isdlarray(X) -> bool:
    return isinstance(X, DLArray)


def dims(X) -> str:
    """Data format of X (``''`` when unformatted)."""
    return _need(X, "dims")._fmt


def finddim(X, label) -> list[int]:
    """0-based dimensions of X with ``label`` (``[]`` when absent or unformatted).

    ``X`` may also be a format string.
    """
    fmt = X if isinstance(X, str) else _need(X, "finddim")._fmt
    return _formats.find(fmt, label)


def extractdata(X):
    """The data of X as a plain NumPy/CuPy array, untraced (shared, not copied:
    writing into it changes X; copy it, ``extractdata(X).copy()``, to keep)."""
    return _need(X, "extractdata")._data


def stripdims(X, fmt=None) -> DLArray:
    """Remove X's labels; with ``fmt``, also order the data as ``fmt`` says.

    ``fmt`` must hold every label of X (the i-th "S" of X goes to the i-th "S"
    of ``fmt``), except singleton "U" dimensions, which are dropped (the "U" of
    a ``dlarray(v, "C")`` vector); labels of ``fmt`` that X lacks become
    singleton dimensions.
    """
    X = _need(X, "stripdims")
    if not fmt or not X._fmt:
        if fmt is not None:
            _formats.check_format(fmt, "fmt")
        return DLArray._new(X._data, "", X._node)
    fmt = _formats.check_format(fmt, "fmt")
    src = {lab: [i for i, l in enumerate(X._fmt) if l == lab] for lab in set(X._fmt)}
    if len(src.get("U", ())) > fmt.count("U"):
        singleton = [i for i in src["U"] if X.shape[i] == 1]
        extra = len(src["U"]) - fmt.count("U")
        if len(singleton) >= extra:     # drop the last singleton "U"s
            drop = set(singleton[len(singleton) - extra:])
            src["U"] = [i for i in src["U"] if i not in drop]
    dropped = sorted(set(range(X.ndim)) - {i for axes in src.values() for i in axes})
    for lab, axes in src.items():
        if fmt.count(lab) < len(axes):
            raise ValueError(f"stripdims: fmt {fmt!r} must contain every label of X "
                             f"({X._fmt!r}); it has {fmt.count(lab)} {lab!r} and X has {len(axes)}")
    order, shape, used = [], [], {lab: 0 for lab in fmt}
    for lab in fmt:
        axes = src.get(lab, [])
        if used[lab] < len(axes):
            ax = axes[used[lab]]
            order.append(ax)
            shape.append(X.shape[ax])
        else:
            shape.append(1)
        used[lab] += 1
    order += dropped                    # singletons: the reshape below removes them
    Y = DLArray._new(X._data, "", X._node)
    if order != list(range(len(order))):
        Y = bind(_transpose, [Y], "", perm=tuple(order))
    if Y.shape != tuple(shape):
        Y = bind(_reshape, [Y], "", shape=tuple(shape))
    return Y


def underlyingType(X) -> str:
    """'single', 'double' or 'logical' (other NumPy types by their name)."""
    data = X._data if isinstance(X, DLArray) else X
    if is_python_scalar(data):
        return "logical" if isinstance(data, bool) else "double"
    dt = np.dtype(getattr(data, "dtype", np.asarray(data).dtype))
    return {np.dtype(np.float32): "single", np.dtype(np.float64): "double",
            np.dtype(np.bool_): "logical"}.get(dt, dt.name)


def size(X, dim=None):
    """MATLAB's ``size``: the shape, or the size of 0-based ``dim`` (1 beyond ndim).

    ``dim`` may be an int, a list of ints, or a label string ("T" gives the
    size of the time dimension, 1 if X has none).
    """
    shape = tuple(X.shape)
    if dim is None:
        return shape
    if isinstance(dim, str):
        fmt = X._fmt if isinstance(X, DLArray) else ""
        axes = _formats.find(fmt, dim) if len(dim) == 1 else None
        if axes is None:
            raise ValueError(f"size: dim must be one label, not {dim!r}")
        return int(np.prod([shape[a] for a in axes])) if axes else 1
    if isinstance(dim, (list, tuple)):
        return tuple(size(X, d) for d in dim)
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 0:
        raise ValueError(f"size: dim must be a non-negative integer (0-based), not {dim!r}")
    return shape[dim] if dim < len(shape) else 1


def numel(X) -> int:
    return int(np.prod(X.shape))
