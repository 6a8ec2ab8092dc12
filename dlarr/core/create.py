"""Creating and inspecting DLArrays: dlarray, dims, finddim, stripdims, extractdata..."""
from __future__ import annotations

import numbers

import numpy as np

from . import formats as _formats
from .arguments import as_array, came
from .backend import array_namespace, is_array, is_python_scalar
from .dlarray import DLArray
from .registry import bind
from .structural import _transpose, reshaped
from .tape import Node, current_tape

_KEEP = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.bool_))


def _relayout(X: DLArray, labelled_shape, perm, fmt) -> DLArray:
    """Reshape then transpose X's data (recorded ops), labelling the result ``fmt``."""
    X = reshaped(X, labelled_shape)
    if perm != tuple(range(len(perm))):
        X = bind(_transpose, [X], "", perm=perm)
    return X._relabelled(fmt)


def _leaf(data, fmt):
    """A new DLArray; inside dlfeval it is traced (a leaf of the open tape)."""
    tape = current_tape()
    node = None
    if tape is not None and data.dtype != np.bool_:
        node = Node(tape, data.shape)
    return DLArray._new(data, fmt, node)


def dlarray(X, fmt=None) -> DLArray:
    """Deep learning array, MATLAB's ``dlarray``.

    Syntax::

        dlX = dl.dlarray(X)
        dlX = dl.dlarray(X, fmt)
        dlX = dl.dlarray(v, dim)

    Input arguments:
        X: a NumPy or CuPy array, a nested list, a scalar or a dlarray (whose format a
            new ``fmt`` replaces).  float32 (single) and float64 (double) are kept,
            bool is kept as logical, other numeric types become float64 (MATLAB's
            double); complex and non-numeric data are errors.
        fmt: the data format, a str with one label per dimension of X, in X's order:
            "S" spatial, "C" channel, "B" batch (observations), "T" time, "U"
            unspecified; "C", "B" and "T" at most once each.  Default None:
            unformatted (``dims(dlX) == ""``).
        v, dim: a vector (row, column or 1-D) with a one-letter format gives a column
            whose second, singleton dimension is "U": ``dlarray(v, "C")`` is
            n(C) x 1(U).

    Output arguments:
        dlX: a DLArray.  A formatted one holds its data permuted into MATLAB's
            canonical order S..., C, B, T, U... (``dlX.shape`` is in that order).
            Labels beyond X's dimensions become trailing singletons; trailing
            singleton dimensions beyond ``fmt`` are dropped (MATLAB ignores them), as
            are singleton trailing "U" dimensions after the second.  Created inside
            :func:`dlfeval`, dlX is traced.

    Differences from MATLAB: ``fmt`` labels the dimensions of X as NumPy lays them
    out (row-major, ``X.shape`` order).  A NumPy/CuPy X is copied (MATLAB's value
    semantics), so changing X afterwards does not change dlX; :func:`extractdata`
    shares the data the other way.

    Example::

        X = np.random.rand(3, 32, 10)          # channels x observations x time
        dlX = dl.dlarray(X, "CBT")             # 3(C) x 32(B) x 10(T) double
        dlI = dl.dlarray(np.zeros((28, 28, 1, 16), np.float32), "SSCB")
        dlY = dl.dlarray(X, "TCB")             # permuted: 32(C) x 10(B) x 3(T)
        v = dl.dlarray([1.0, 2.0, 3.0], "C")   # 3(C) x 1(U)
    """
    return _dlarray(X, fmt, copy=True, fname="dlarray")


def as_dlarray(X, fmt=None, fname="dlarray") -> DLArray:
    """:func:`dlarray` without the copy of a NumPy/CuPy ``X`` (internal: the
    package's own fresh arrays and data it only reads, e.g. a ``DataFormat``
    operand); errors name ``fname``."""
    return _dlarray(X, fmt, copy=False, fname=fname)


def _dlarray(X, fmt, copy, fname):
    if fmt is not None:
        fmt = _formats.check_format(fmt, f"{fname}: fmt")
    if isinstance(X, DLArray):
        Y = X._relabelled(X._fmt)
        if fmt is not None:
            shape, perm, cfmt = _formats.fit_format(X.shape, fmt, f"{fname}: fmt")
            Y = _relayout(X, shape, perm, cfmt)
        if not Y.traced:
            Y = _leaf(Y._data, Y._fmt)
        return Y
    fresh = not is_array(X)          # a list or scalar gives a new array anyway
    if is_array(X):
        data = X
    elif is_python_scalar(X) or isinstance(X, (list, tuple)):
        data = as_array(X, fname, "X")
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
        shape, perm, cfmt = _formats.fit_format(data.shape, fmt, f"{fname}: fmt")
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
    """Whether the input is a dlarray, MATLAB's ``isdlarray``.

    Syntax::

        tf = dl.isdlarray(X)

    Input arguments:
        X: any value.

    Output arguments:
        tf: True when X is a :class:`DLArray` (formatted or not), else False.

    Example::

        dl.isdlarray(dl.dlarray(np.ones(3)))    # True
        dl.isdlarray(np.ones(3))                # False
    """
    return isinstance(X, DLArray)


def dims(X) -> str:
    """Data format of a dlarray, MATLAB's ``dims``.

    Syntax::

        fmt = dl.dims(X)

    Input arguments:
        X: a dlarray (anything else is a TypeError).

    Output arguments:
        fmt: a str with one label per dimension, in canonical order S..., C, B, T,
            U... (e.g. "SSCB", "CBT"); "" when X is unformatted.  Same as ``X.dims``.

    Example::

        X = dl.dlarray(np.zeros((10, 3, 5)), "TCB")
        dl.dims(X)                 # 'CBT': the data was permuted into canonical order
        dl.dims(dl.dlarray(np.zeros((2, 2))))    # ''
    """
    return _need(X, "dims")._fmt


def finddim(X, label) -> list[int]:
    """Dimensions with a given label, MATLAB's ``finddim``.

    Syntax::

        d = dl.finddim(X, label)

    Input arguments:
        X: a dlarray, or a format str such as "SSCB".
        label: one label, "S", "C", "B", "T" or "U".

    Output arguments:
        d: a list of the 0-based dimensions of X carrying ``label``, in order; ``[]``
            when X has no such dimension or is unformatted.

    Differences from MATLAB: the indices are 0-based (MATLAB's are 1-based), and
    d is a Python list.

    Example::

        X = dl.dlarray(np.zeros((28, 28, 3, 16)), "SSCB")
        dl.finddim(X, "S")         # [0, 1]
        dl.finddim(X, "T")         # []
        dl.finddim("CBT", "T")     # [2]
    """
    fmt = _formats.check_format(X, "finddim: X") if isinstance(X, str) \
        else _need(X, "finddim")._fmt
    return _formats.find(fmt, label)


def extractdata(X):
    """Data of a dlarray, MATLAB's ``extractdata``.

    Syntax::

        Y = dl.extractdata(X)

    Input arguments:
        X: a dlarray (anything else is a TypeError).

    Output arguments:
        Y: X's data as a plain NumPy array (CuPy array on the GPU), untraced, in the
            dimension order of ``X.shape`` (canonical S, C, B, T, U order for a
            formatted X; use ``stripdims(X, fmt)`` first for another order).

    Differences from MATLAB: Y shares X's data, it is not copied: writing into Y
    changes X.  Take ``dl.extractdata(X).copy()`` to keep a value that must not
    change.

    Example::

        X = dl.dlarray(np.arange(6.0).reshape(2, 3), "CB")
        Y = dl.extractdata(X)      # numpy.ndarray, 2 x 3 float64
        total = dl.extractdata(dl.sum(X, "all")).item()    # 15.0
    """
    return _need(X, "extractdata")._data


def stripdims(X, fmt=None) -> DLArray:
    """Remove the dimension labels of a dlarray, MATLAB's ``stripdims``.

    Syntax::

        Y = dl.stripdims(X)
        Y = dl.stripdims(X, fmt)

    Input arguments:
        X: a dlarray (traced or not: the result stays traced).
        fmt: optional (default None), a format str giving the dimension order of Y.
            It must hold every label of X (the i-th "S" of X goes to the i-th "S" of
            ``fmt``), except singleton "U" dimensions, which are dropped (the "U" of
            a ``dlarray(v, "C")`` vector); labels of ``fmt`` that X lacks become
            singleton dimensions.  For an unformatted X, ``fmt`` is only checked.

    Output arguments:
        Y: an unformatted dlarray with X's data: in X's (canonical) order without
            ``fmt``, in the order of ``fmt`` with it.

    Example::

        X = dl.dlarray(np.ones((3, 32, 10)), "CBT")
        Y = dl.stripdims(X)            # unformatted 3 x 32 x 10
        Z = dl.stripdims(X, "TCB")     # unformatted 10 x 3 x 32
        W = dl.stripdims(X, "SCBT")    # unformatted 1 x 3 x 32 x 10
    """
    X = _need(X, "stripdims")
    if not fmt or not X._fmt:
        if fmt is not None:
            _formats.check_format(fmt, "stripdims: fmt")
        return X._relabelled()
    fmt = _formats.check_format(fmt, "stripdims: fmt")
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
    Y = X._relabelled()
    if order != list(range(len(order))):
        Y = bind(_transpose, [Y], "", perm=tuple(order))
    return reshaped(Y, shape)


def underlyingType(X) -> str:
    """Type of the data inside an array, MATLAB's ``underlyingType``.

    Syntax::

        t = dl.underlyingType(X)

    Input arguments:
        X: a dlarray, a NumPy/CuPy array, a NumPy scalar or a Python number.

    Output arguments:
        t: "single" (float32), "double" (float64) or "logical" (bool); other NumPy
            types by their NumPy name ("int32", "uint8", ...).  A Python bool is
            "logical", any other Python number "double".

    Example::

        dl.underlyingType(dl.dlarray(np.ones(3, np.float32)))    # 'single'
        dl.underlyingType(np.ones(3))                            # 'double'
        dl.underlyingType(np.arange(3, dtype=np.int32))          # 'int32'
    """
    data = X._data if isinstance(X, DLArray) else X
    if is_python_scalar(data):
        return "logical" if isinstance(data, bool) else "double"
    dt = np.dtype(data.dtype if hasattr(data, "dtype") else
                  as_array(data, "underlyingType", "X").dtype)
    return {np.dtype(np.float32): "single", np.dtype(np.float64): "double",
            np.dtype(np.bool_): "logical"}.get(dt, dt.name)


def size(X, dim=None):
    """Array size, MATLAB's ``size``.

    Syntax::

        sz = dl.size(X)
        szdim = dl.size(X, dim)
        szdims = dl.size(X, [dim1, dim2, ...])

    Input arguments:
        X: anything with a ``shape``: a dlarray (sizes in its canonical order), a
            NumPy/CuPy array, a categorical.
        dim: optional (default None: every dimension), a 0-based int (a dimension
            beyond X's gives 1, as in MATLAB), a list or tuple of them, or one label
            ("T" gives the size of the time dimension, 1 when X has none; a label
            that appears several times, "S", gives the product of their sizes).

    Output arguments:
        sz: the tuple ``X.shape``; szdim: an int; szdims: a tuple of ints.

    Differences from MATLAB: dim is 0-based, and sz has X's number of dimensions
    (a 1-D array gives ``(n,)``, where MATLAB always gives at least two sizes).

    Example::

        X = dl.dlarray(np.zeros((3, 32, 10)), "CBT")
        dl.size(X)             # (3, 32, 10)
        dl.size(X, 1)          # 32
        dl.size(X, "T")        # 10
        dl.size(X, [0, 5])     # (3, 1)
    """
    shape = _shape_of(X, "size")
    if dim is None:
        return shape
    if isinstance(dim, str):
        fmt = X._fmt if isinstance(X, DLArray) else ""
        axes = _formats.find(fmt, dim, "size: dim") if len(dim) == 1 else None
        if axes is None:
            raise ValueError(f"size: dim must be one label, not {dim!r}")
        return int(np.prod([shape[a] for a in axes])) if axes else 1
    if isinstance(dim, (list, tuple)):
        return tuple(size(X, d) for d in dim)
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 0:
        raise ValueError(f"size: dim must be a non-negative integer (0-based), a label or a list "
                         f"of them, not {came(dim)}")
    return shape[dim] if dim < len(shape) else 1


def numel(X) -> int:
    """Number of elements, MATLAB's ``numel``.

    Syntax::

        n = dl.numel(X)

    Input arguments:
        X: anything with a ``shape``: a dlarray, a NumPy/CuPy array, a categorical.

    Output arguments:
        n: the product of the sizes of X, an int (1 for a 0-d array).

    Example::

        dl.numel(dl.dlarray(np.zeros((3, 32, 10)), "CBT"))     # 960
    """
    return int(np.prod(_shape_of(X, "numel")))


def _shape_of(X, fname):
    shape = getattr(X, "shape", None)
    if not isinstance(shape, tuple):
        raise TypeError(f"{fname}: X must be a dlarray, a NumPy/CuPy array or a categorical "
                        f"(anything with a shape), not {type(X).__name__}")
    return tuple(shape)
