"""The DLArray class: data in canonical S,C,B,T,U order, its labels, its trace.

This module holds the class only.  Its operators are attached by
``operators`` (one implementation for ``X + Y`` and the matching functions),
and the label rules live in ``formats``.
"""
from __future__ import annotations

import numpy as np

from . import formats as _formats

_TYPE_NAMES = {np.dtype(np.float32): "single", np.dtype(np.float64): "double",
               np.dtype(np.bool_): "logical"}


class DLArray:
    """Deep learning array with optional dimension labels, MATLAB's ``dlarray`` object.

    Create one with :func:`dlarray` (``dl.dlarray(X)``, ``dl.dlarray(X, fmt)``);
    calling ``DLArray(...)`` directly is a TypeError.  A formatted array stores its
    data in MATLAB's canonical order S..., C, B, T, U... with one label per axis
    ("S" spatial, "C" channel, "B" batch, "T" time, "U" unspecified); an unformatted
    one has ``dims == ""`` and any number of axes.  The data is a NumPy array on
    the host or a CuPy array on the GPU (:func:`gpuArray`, :func:`gather`).

    Properties:
        dims: the format, e.g. "CBT" ("" when unformatted), as :func:`dims`.
        shape, ndim: the sizes of the data, in canonical order.
        size: the number of elements (NumPy's meaning, MATLAB's ``numel``; use
            :func:`size` for MATLAB's size).
        dtype: float32 (single), float64 (double) or bool (logical).
        traced: True while the array is recorded by :func:`dlfeval`.
        T: MATLAB's ``X.'`` of an unformatted matrix (:func:`transpose`).

    Operators and methods: ``+ - * / **`` elementwise with implicit expansion
    (formatted operands align by label), ``@`` (:func:`matmul`), comparisons and
    ``& | ~`` (untraced logical results), ``abs(X)``, ``X[key]`` and ``X[key] = v``
    (NumPy indexing; the labels of the surviving axes are kept), ``X.reshape``
    (:func:`reshape`), ``X.item()``, ``float(X)``, ``int(X)`` and ``bool(X)`` of a
    one-element array, ``f"{X:.4f}"``, ``len(X)`` and iteration along axis 0.  A
    dlarray never converts to a NumPy array implicitly: use :func:`extractdata`.

    Differences from MATLAB: ``*`` is elementwise (MATLAB's ``.*``); matrix
    multiplication is ``@``.  Indices are 0-based.

    Example::

        X = dl.dlarray(np.random.rand(3, 32, 10), "CBT")
        X.dims, X.shape            # ('CBT', (3, 32, 10))
        Y = 2 * X + 1              # 3(C) x 32(B) x 10(T)
        first = X[:, 0, :]         # 3(C) x 10(T): the integer index drops "B"
        loss = dl.mean(Y ** 2, "all")
        print(f"{loss:.4f}")
    """

    __slots__ = ("_data", "_fmt", "_node", "__weakref__")
    # NumPy must hand ``ndarray + DLArray`` to DLArray.__radd__, not loop over elements.
    __array_ufunc__ = None
    __hash__ = None

    @classmethod
    def _new(cls, data, fmt: str = "", node=None) -> "DLArray":
        self = object.__new__(cls)
        self._data = data
        self._fmt = fmt
        self._node = node
        return self

    def _relabelled(self, fmt: str = "") -> "DLArray":
        """The same data and trace under format ``fmt`` (unformatted by default): a
        relabelling, no recorded op (the caller knows the labels fit the data)."""
        return DLArray._new(self._data, fmt, self._node)

    def __init__(self, *args, **kwargs):  # pragma: no cover - guidance only
        raise TypeError("create a DLArray with dl.dlarray(X) or dl.dlarray(X, fmt)")

    # ----- properties ----------------------------------------------------
    @property
    def dims(self) -> str:
        """The data format, e.g. ``'CBT'`` (``''`` when unformatted)."""
        return self._fmt

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        """Number of elements (NumPy's meaning; MATLAB's ``numel``)."""
        return int(self._data.size)

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def traced(self) -> bool:
        """True while this array is being recorded by dlfeval."""
        n = self._node
        return n is not None and n.tape.active

    # ----- conversions -----------------------------------------------------
    def __array__(self, *args, **kwargs):
        raise TypeError("a DLArray does not convert to a NumPy array implicitly; "
                        "use dl.extractdata(X) to get its data")

    def _scalar(self, kind):
        if self._data.size != 1:
            raise TypeError(f"only a DLArray with one element converts to {kind}; this one "
                            f"has size {_formats.describe(self._fmt, self.shape)}")
        return self._data.reshape(()).item()

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __bool__(self):
        return bool(self._scalar("bool"))

    def item(self):
        """The one element as a Python scalar (float, or bool for logical data)."""
        return self._scalar("a Python scalar (item)")

    def __format__(self, spec):
        """``f"{loss:.4f}"``: a one-element array formats as its number; an empty
        spec gives the display of ``str(X)``."""
        if not spec:
            return str(self)
        if self._data.size != 1:
            raise TypeError(f"format spec {spec!r}: only a DLArray with one element formats as "
                            f"a number; this one has size {_formats.describe(self._fmt, self.shape)}")
        return format(self._scalar("a number"), spec)

    def __index__(self):
        if self._data.dtype.kind not in "iu":
            raise TypeError("a floating-point DLArray cannot be used as an index")
        return int(self._scalar("an index"))

    # ----- copies -----------------------------------------------------------
    def __copy__(self):
        """An untraced copy (its own copy of the data, same format): a copy made inside
        dlfeval neither stays traced nor carries the graph along."""
        return DLArray._new(self._data.copy(), self._fmt)

    def __deepcopy__(self, memo):
        out = DLArray._new(self._data.copy(), self._fmt)
        memo[id(self)] = out
        return out

    def __reduce__(self):
        """Pickling keeps the data and the format, never the trace (as a copy does)."""
        return _unpickle, (self._data, self._fmt)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d DLArray")
        return self._data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # ----- display -----------------------------------------------------------
    def __repr__(self):
        kind = _TYPE_NAMES.get(np.dtype(self._data.dtype), str(self._data.dtype))
        where = "" if type(self._data).__module__.startswith("numpy") else " (gpuArray)"
        head = f"dlarray {_formats.describe(self._fmt, self.shape)} {kind}{where}"
        if self.traced:
            head += " (traced)"
        data = self._data
        if where:
            data = data.get()
        body = np.array2string(data, threshold=200, edgeitems=3, precision=4)
        return head + "\n" + body

    __str__ = __repr__


def _unpickle(data, fmt):
    return DLArray._new(data, fmt)
