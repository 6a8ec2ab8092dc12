"""Datastores: MATLAB's ``arrayDatastore``, ``combine`` and ``transform``, and the
functions that work on datastores and mini-batch queues (``read``, ``readall``,
``hasdata``, ``reset``, ``shuffle``, ``partition``, ``numpartitions``, ``next``).

    dsX = dl.arrayDatastore(XTrain, OutputType="same")    # a list: one sequence a read
    dsT = dl.arrayDatastore(TTrain)                        # an array: along dimension 0
    ds = dl.combine(dsX, dsT)
    X, T = dl.read(ds)                                     # MATLAB's {X, T}

Python lists are MATLAB's cell arrays.  A read returns what MATLAB's does, written
with lists: ``ReadSize`` items as a list (MATLAB's ReadSize x 1 cell), a combined
datastore's read a row ``[x, t]`` of the underlying reads (for ReadSize 1; a list of
rows ``[[x1, t1], [x2, t2], ...]`` for more).  Inside, every read is also a table of
cells: rows are observations and columns variables (``_read_rows(n)``, which reads n
observations at once where that gives the same rows as reads of ReadSize), which is what
``minibatchqueue`` and ``trainNetwork`` consume.

A datastore of your own works with all of these when it has MATLAB's methods
``read()``, ``hasdata()`` and ``reset()`` (and ``shuffle()``/``partition(n, i)`` to be
shuffled or partitioned); its read is taken as one observation (a row of variables)
or, for a list of lists, as rows.  Shuffling draws from dlarr's generator, the one
``dl.rng`` seeds.
"""
from __future__ import annotations

import builtins
import copy
import numbers

import numpy as np

from ..core import options as V
from ..core.arguments import name_value_pairs
from ..core.backend import generator, is_array
from ..core.options import choose

__all__ = ["ArrayDatastore", "CombinedDatastore", "TransformedDatastore", "arrayDatastore",
           "combine", "transform", "read", "readall", "hasdata", "reset", "shuffle",
           "partition", "numpartitions", "next"]

_METHODS = ("read", "hasdata", "reset")


def _is_datastore(ds):
    return all(callable(getattr(ds, m, None)) for m in _METHODS)


def _need_datastore(ds, fname, name="ds"):
    if not _is_datastore(ds):
        raise TypeError(f"{fname}: {name} must be a datastore (e.g. dl.arrayDatastore(X), or an "
                        f"object with read, hasdata and reset methods), not {type(ds).__name__}")
    return ds


def _copy_of(ds):
    """An independent copy of a dlarr datastore (its own position); yours as it is."""
    return ds._copy() if isinstance(ds, _Datastore) else ds


def _cells_of(r, hint=None):
    """A read's data as a table of cells (a list of rows): a list of lists is rows, a
    flat list one row (or a column, when the read it came from, ``hint``, was a column
    of as many items), anything else one cell."""
    if isinstance(r, (list, tuple)):
        if r and all(isinstance(e, (list, tuple)) for e in r):
            rows = [list(e) for e in r]
            if len({len(e) for e in rows}) > 1:
                raise ValueError("read: the rows of the data have different numbers of "
                                 f"variables ({sorted({len(e) for e in rows})})")
            return rows
        if hint and len(hint) > 1 and all(len(h) == 1 for h in hint) and len(r) == len(hint):
            return [[e] for e in r]
        return [list(r)] if r else []
    return [[r]]


def _read_pair(ds):
    """(what ``read(ds)`` returns, the same data as rows of cells)."""
    if isinstance(ds, _Datastore):
        return ds._read_pair()
    r = ds.read()
    return r, _cells_of(r)


def _read_rows(ds, n=None):
    """The next rows of cells: about ``n`` observations at once where the datastore can
    read them so (the rows reads of ReadSize would give), else one read's."""
    if isinstance(ds, _Datastore):
        return ds._read_rows(n if ds._bulk else None)
    return _cells_of(ds.read())


def _flatten(rows):
    """A table of cells as MATLAB shows it with lists: one column or one row is a flat
    list, more a list of rows."""
    if not rows:
        return []
    if len(rows[0]) == 1:
        return [r[0] for r in rows]
    if len(rows) == 1:
        return list(rows[0])
    return [list(r) for r in rows]


def _positive_int(v, fname, name):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise ValueError(f"{fname}: {name} must be a positive integer, not {v!r}")
    return int(v)


class _Datastore:
    """What MATLAB's datastores share: reset/hasdata/read, readall, preview, shuffle,
    partition and numpartitions, on top of each kind's ``_read_pair`` (a read, also as
    rows of cells), ``_read_rows``, ``_numobs`` (the number of observations) and
    ``_subset`` (a copy holding some of them)."""

    _bulk = False             # whether _read_rows(n) reads n observations at once

    def _read_rows(self, n=None):
        return self._read_pair()[1]

    def read(self):
        """MATLAB's ``read(ds)``: the next data; raises when there is none (hasdata)."""
        return self._read_pair()[0]

    def readall(self):
        """MATLAB's ``readall(ds)``: all the data from the start, as one read would give
        it; the datastore's position does not change."""
        other = self._copy()
        other.reset()
        rows = []
        while other.hasdata():
            rows += other._read_rows(1 << 30 if other._bulk else None)
        return _flatten(rows)

    def preview(self):
        """MATLAB's ``preview(ds)``: the first read, without moving the datastore."""
        other = self._copy()
        other.reset()
        return other.read() if other.hasdata() else []

    def shuffle(self):
        """MATLAB's ``shuffle(ds)``: a copy with the observations in a random order
        (from dlarr's generator, seeded by ``dl.rng``), at its start; ``ds`` is unchanged."""
        return self._subset(generator().permutation(self._numobs()))

    def numpartitions(self):
        """MATLAB's ``numpartitions(ds)``: the most parts ``partition`` can make (one
        observation each)."""
        return self._numobs()

    def partition(self, n, index):
        """MATLAB's ``partition(ds, n, index)``: part ``index`` (0-based, 0..n-1) of ``n``
        contiguous parts of about equal size, as a new datastore at its start."""
        fname = "partition"
        n = _positive_int(n, fname, "n")
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) \
                or not 0 <= index < n:
            raise ValueError(f"{fname}: index must be an integer in 0..{n - 1} (0-based), "
                             f"not {index!r}")
        N = self._numobs()
        return self._subset(np.arange(N * int(index) // n, N * (int(index) + 1) // n))

    def _copy(self):
        return copy.copy(self)


def _kinds(U, what):
    for k, u in enumerate(U):
        if not isinstance(u, _Datastore):
            raise TypeError(f"{what}: underlying datastore {k} ({type(u).__name__}) cannot be "
                            "shuffled or partitioned with the others (dlarr's datastores can)")
    return U


# ==========================================================================
# arrayDatastore
# ==========================================================================

class ArrayDatastore(_Datastore):
    """Datastore over data in memory, MATLAB's ``ArrayDatastore`` object.

    Make one with :func:`arrayDatastore` (``dl.arrayDatastore(A, ...)``), which
    documents the arguments.

    Properties:
        ReadSize: the number of observations a read returns, a positive int (settable).
        IterationDimension: the 0-based dimension of A the observations run along.
        OutputType: "cell" (a read is a list of observations) or "same" (A's type).

    Methods (also functions of ``dl``): ``read``, ``readall``, ``hasdata``, ``reset``,
    ``preview``, ``shuffle`` (a shuffled copy), ``partition(n, index)``, ``numpartitions``.

    Example::

        ds = dl.arrayDatastore(np.arange(10.0).reshape(5, 2))
        ds.ReadSize = 2
        while ds.hasdata():
            batch = ds.read()             # a list of up to 2 rows
    """

    def __init__(self, A, IterationDimension, ReadSize, OutputType):
        fname = "arrayDatastore"
        self._list = isinstance(A, (list, tuple))
        if not self._list and not (hasattr(A, "shape") and hasattr(A, "__getitem__")):
            raise TypeError(f"{fname}: A must be an array or a list (MATLAB's cell array), not "
                            f"{type(A).__name__}")
        if isinstance(IterationDimension, bool) \
                or not isinstance(IterationDimension, numbers.Integral) or IterationDimension < 0:
            raise ValueError(f"{fname}: IterationDimension must be a non-negative integer "
                             f"(0-based), not {IterationDimension!r}")
        nd = 1 if self._list else len(A.shape)
        if IterationDimension >= nd:
            raise ValueError(f"{fname}: IterationDimension must be in 0..{nd - 1} for A with "
                             f"{nd} dimension{'s' if nd > 1 else ''} (a list iterates along 0); "
                             f"not {IterationDimension}")
        self._A = list(A) if isinstance(A, tuple) else A
        self._dim = int(IterationDimension)
        self._order = np.arange(len(A) if self._list else A.shape[self._dim])
        self._sorted = True            # the order is the data's own (shuffle unsets it)
        self._plain = is_array(A)      # NumPy or CuPy (not a categorical, ...)
        # an element that is not of A's kind (a categorical's name): keep the dimension
        self._keep = not self._plain and not self._list and len(self._order) > 0 and \
            type(A[(slice(None),) * self._dim + (0,)]) is not type(A)
        self._pos = 0
        self.ReadSize = ReadSize
        self._out = choose(OutputType, V.ARRAY_OUTPUT_TYPES, fname, "OutputType")

    @property
    def ReadSize(self):
        return self._read_size

    @ReadSize.setter
    def ReadSize(self, v):
        self._read_size = _positive_int(v, "arrayDatastore", "ReadSize")

    @property
    def IterationDimension(self):
        return self._dim

    @property
    def OutputType(self):
        return self._out

    def hasdata(self):
        """MATLAB's ``hasdata(ds)``: true while there is data left to read."""
        return self._pos < len(self._order)

    def reset(self):
        """MATLAB's ``reset(ds)``: back to the start of the data (in place)."""
        self._pos = 0

    _bulk = True

    def _item(self, j):
        """Observation ``j``: ``A`` indexed along the dimension (which drops it), except
        where that would leave A's kind (a categorical's element is a categorical, with
        the dimension kept, as MATLAB's ``A(j)``)."""
        if self._list:
            return self._A[j]
        lead = (slice(None),) * self._dim
        if self._keep:
            return self._A[lead + (slice(int(j), int(j) + 1),)]
        return self._A[lead + (int(j),)]

    def _key(self, idx):
        """An index of observations ``idx``: a slice while the order is the data's own."""
        if self._sorted and len(idx):
            return slice(int(idx[0]), int(idx[0]) + len(idx))
        return idx

    def _slice(self, idx):
        """The observations ``idx``, the iteration dimension kept (a list for a list)."""
        key = self._key(idx)
        if self._list:
            return self._A[key] if isinstance(key, slice) else [self._A[j] for j in key]
        return self._A[(slice(None),) * self._dim + (key,)]

    def _items(self, idx):
        """The observations ``idx`` one by one (an array indexed along the dimension)."""
        if self._list:
            return [self._A[j] for j in idx]
        if self._dim == 0 and self._plain:
            return list(self._A[self._key(idx)])
        if self._dim == 0 and self._keep:
            part = self._A[self._key(idx)]
            return [part[i:i + 1] for i in range(len(idx))]
        return [self._item(j) for j in idx]

    def _take(self, n):
        if not self.hasdata():
            raise RuntimeError("read: no more data in the datastore; check with hasdata(ds) and "
                               "start again with reset(ds)")
        idx = self._order[self._pos:self._pos + n]
        self._pos += len(idx)
        return idx

    def _read_pair(self):
        idx = self._take(self._read_size)
        if self._out == "same" and not self._list:
            part = self._slice(idx)
            return part, [[part]]
        items = self._items(idx)
        return (self._slice(idx) if self._out == "same" else items), [[x] for x in items]

    def _read_rows(self, n=None):
        if n is None or (self._out == "same" and not self._list):
            if n is None or self._read_size >= n:
                return self._read_pair()[1]
            rows = []                              # whole reads: one ReadSize slice a row
            while self.hasdata() and len(rows) * self._read_size < n:
                rows += self._read_pair()[1]
            return rows
        return [[x] for x in self._items(self._take(n))]

    def readall(self):
        if self._out == "same":
            return self._slice(self._order)
        return [self._item(j) for j in self._order]

    def _numobs(self):
        return len(self._order)

    def _subset(self, positions):
        new = copy.copy(self)
        positions = np.asarray(positions, dtype=np.int64)
        new._order = self._order[positions]
        new._sorted = self._sorted and bool(np.all(np.diff(positions) == 1))
        new._pos = 0
        return new

    def __repr__(self):
        return ("ArrayDatastore with properties:\n\n"
                f"              ReadSize: {self._read_size}\n"
                f"    IterationDimension: {self._dim}\n"
                f"            OutputType: '{self._out}'\n")


@name_value_pairs(1)
def arrayDatastore(A, *, IterationDimension=0, ReadSize=1, OutputType="cell"):
    """Create a datastore over data in memory, MATLAB's ``arrayDatastore``.

    Syntax::

        ds = dl.arrayDatastore(A)
        ds = dl.arrayDatastore(A, IterationDimension=d, ReadSize=n, OutputType="same")

    Input arguments:
        A: an array (NumPy, CuPy, a categorical, or anything with ``shape`` and
            indexing), read along IterationDimension, or a list (MATLAB's cell
            array, e.g. of sequences), read element by element.  A is not copied.

    Name-value arguments (also as positional pairs, ``"ReadSize", 4``):
        IterationDimension: the 0-based dimension of A that holds the
            observations; default 0 (MATLAB's 1).  A list iterates along 0.
        ReadSize: the number of observations a read returns, a positive int;
            default 1.
        OutputType: "cell" (default): a read returns a list of ReadSize
            observations (an array's observation is A indexed along
            IterationDimension, which drops that dimension); "same": data of A's
            type, A sliced along IterationDimension (the dimension kept), or a
            list slice of a list.

    Output arguments:
        ds: an :class:`ArrayDatastore`.

    Differences from MATLAB: IterationDimension is 0-based; lists stand for cell
    arrays, so a "cell" read is a list.

    Example::

        XTrain = np.random.rand(100, 8)                  # 100 observations of 8 features
        ds = dl.arrayDatastore(XTrain)
        x = dl.read(ds)                                  # [array of 8]
        dsS = dl.arrayDatastore(XTrain, ReadSize=10, OutputType="same")
        X = dl.read(dsS)                                 # 10 x 8 array
        dsQ = dl.arrayDatastore([np.ones((3, 5)), np.ones((3, 7))], OutputType="same")
    """
    return ArrayDatastore(A, IterationDimension, ReadSize, OutputType)


# ==========================================================================
# combine and transform
# ==========================================================================

class CombinedDatastore(_Datastore):
    """Datastore that reads several datastores together, MATLAB's ``CombinedDatastore``.

    Make one with :func:`combine` (``dl.combine(ds1, ds2, ...)``).  A read returns
    the underlying datastores' reads side by side: a list ``[x, t]`` (MATLAB's
    ``{x, t}``) for ReadSize 1, a list of such rows for more.

    Properties:
        UnderlyingDatastores: the list of the combined datastores (held, not
            copied: reading the combination reads them).

    Methods: those of :class:`ArrayDatastore` (shuffling and partitioning need dlarr
    datastores holding as many observations; they are shuffled alike).

    Example::

        ds = dl.combine(dl.arrayDatastore(np.random.rand(4, 3)),
                        dl.arrayDatastore(np.array([0, 1, 0, 1])))
        x, t = ds.read()
    """

    def __init__(self, datastores):
        self.UnderlyingDatastores = list(datastores)

    def hasdata(self):
        return all(u.hasdata() for u in self.UnderlyingDatastores)

    def reset(self):
        for u in self.UnderlyingDatastores:
            u.reset()

    @property
    def _bulk(self):
        return all(isinstance(u, _Datastore) and u._bulk for u in self.UnderlyingDatastores)

    def _read_rows(self, n=None):
        tables = [_read_rows(u, n) for u in self.UnderlyingDatastores]
        counts = [len(t) for t in tables]
        if len(set(counts)) > 1:
            raise ValueError(f"read: the underlying datastores of a combined datastore read "
                             f"different numbers of rows ({counts}); give them the same ReadSize")
        if len(tables) == 2 and all(len(r) == 1 for r in tables[0]) \
                and all(len(r) == 1 for r in tables[1]):
            return [[a[0], b[0]] for a, b in zip(*tables)]
        return [sum((t[i] for t in tables), []) for i in range(counts[0])]

    def _read_pair(self):
        rows = self._read_rows()
        return _flatten(rows), rows

    def _copy(self):
        new = copy.copy(self)
        new.UnderlyingDatastores = [u._copy() if hasattr(u, "_copy") else copy.copy(u)
                                    for u in self.UnderlyingDatastores]
        return new

    def _numobs(self):
        U = _kinds(self.UnderlyingDatastores, "combine")
        counts = [u._numobs() for u in U]
        if len(set(counts)) > 1:
            raise ValueError(f"combine: the underlying datastores hold different numbers of "
                             f"observations ({counts}), so they cannot be shuffled or "
                             "partitioned together")
        return counts[0]

    def _subset(self, positions):
        new = copy.copy(self)
        new.UnderlyingDatastores = [u._subset(positions) for u in self.UnderlyingDatastores]
        return new

    def __repr__(self):
        kinds = "  ".join(type(u).__name__ for u in self.UnderlyingDatastores)
        return ("CombinedDatastore with properties:\n\n"
                f"    UnderlyingDatastores: {{{kinds}}}\n")


def combine(*datastores):
    """Combine data from several datastores, MATLAB's ``combine``.

    Syntax::

        dsnew = dl.combine(ds1, ds2, ..., dsN)

    Input arguments:
        ds1, ..., dsN: datastores (dlarr's, or objects with ``read``, ``hasdata``
            and ``reset`` methods), which should hold as many observations.  They
            are held, not copied.

    Output arguments:
        dsnew: a :class:`CombinedDatastore` whose read returns the underlying reads
            side by side, ``[x, t]`` (MATLAB's ``{x, t}``); shuffling it shuffles
            them all alike.

    Example::

        dsX = dl.arrayDatastore(np.random.rand(5, 3))      # predictors
        dsT = dl.arrayDatastore(np.array([0, 1, 1, 0, 1]))  # targets
        ds = dl.combine(dsX, dsT)
        x, t = dl.read(ds)                                  # row 0 and its target
    """
    if not datastores:
        raise TypeError("combine: give at least one datastore, e.g. combine(dsX, dsT)")
    for k, ds in enumerate(datastores):
        _need_datastore(ds, "combine", f"argument {k}")
    return CombinedDatastore(datastores)


class TransformedDatastore(_Datastore):
    """Datastore that transforms the data it reads, MATLAB's ``TransformedDatastore``.

    Make one with :func:`transform` (``dl.transform(ds, fcn)``).  A read is the
    function applied to the underlying datastores' reads.

    Properties:
        UnderlyingDatastores: the list of the transformed datastores.
        Transforms: a list of the function.

    Methods: those of :class:`ArrayDatastore`.

    Example::

        ds = dl.transform(dl.arrayDatastore(np.arange(4.0)), lambda d: [2 * x for x in d])
        ds.read()                          # [0.0]: twice the first element
    """

    def __init__(self, datastores, fcn):
        self.UnderlyingDatastores = list(datastores)
        self.Transforms = [fcn]

    def hasdata(self):
        return all(u.hasdata() for u in self.UnderlyingDatastores)

    def reset(self):
        for u in self.UnderlyingDatastores:
            u.reset()

    def _read_pair(self):
        inputs = [_read_pair(u) for u in self.UnderlyingDatastores]
        r = self.Transforms[0](*[p for p, _ in inputs])
        return r, _cells_of(r, inputs[0][1] if len(inputs) == 1 else None)

    _copy = CombinedDatastore._copy
    _numobs = CombinedDatastore._numobs

    def _subset(self, positions):
        new = copy.copy(self)
        new.UnderlyingDatastores = [u._subset(positions) for u in self.UnderlyingDatastores]
        return new

    def __repr__(self):
        kinds = "  ".join(type(u).__name__ for u in self.UnderlyingDatastores)
        f = self.Transforms[0]
        return ("TransformedDatastore with properties:\n\n"
                f"    UnderlyingDatastores: {{{kinds}}}\n"
                f"              Transforms: {{@{getattr(f, '__name__', type(f).__name__)}}}\n")


def transform(*args):
    """Transform a datastore, MATLAB's ``transform``.

    Syntax::

        dsnew = dl.transform(ds, fcn)
        dsnew = dl.transform(ds1, ds2, ..., fcn)

    Input arguments:
        ds, ds1, ds2, ...: datastores (dlarr's, or objects with ``read``,
            ``hasdata`` and ``reset`` methods).
        fcn: a function of the data one read returns (of one read of each
            datastore, in order, for several), returning the new data.

    Output arguments:
        dsnew: a :class:`TransformedDatastore` whose read is ``fcn(read(ds))``
            (``fcn(read(ds1), read(ds2), ...)``).

    Differences from MATLAB: the "IncludeInfo" option is not supported.

    Example::

        ds = dl.arrayDatastore(np.random.rand(6, 4))
        scaled = dl.transform(ds, lambda data: [2 * x for x in data])
        x = dl.read(scaled)                # a list of one row, doubled
    """
    if len(args) < 2 or not callable(args[-1]):
        raise TypeError("transform: call it as transform(ds, fcn), fcn a function of the "
                        "data a read returns")
    for k, ds in enumerate(args[:-1]):
        _need_datastore(ds, "transform", f"argument {k}")
    return TransformedDatastore(args[:-1], args[-1])


# ==========================================================================
# MATLAB's functions on datastores and mini-batch queues
# ==========================================================================

def _method(x, name, fname, what="a datastore or a minibatchqueue"):
    m = getattr(x, name, None)
    # datastores and minibatchqueues have hasdata: an array's own partition is never called
    if not callable(m) or not callable(getattr(x, "hasdata", None)):
        raise TypeError(f"{fname}: expected {what} (an object with a {name} method), not "
                        f"{type(x).__name__}")
    return m


def read(ds):
    """Read data from a datastore, MATLAB's ``read``.

    Syntax::

        data = dl.read(ds)

    Input arguments:
        ds: a datastore (anything with a ``read`` method).

    Output arguments:
        data: the next data, and ds moves past it: for an arrayDatastore a list of
            ReadSize observations (OutputType "cell") or a slice of the data
            ("same"); for a combined datastore the reads side by side, ``[x, t]``.
            Reading past the end raises RuntimeError (check :func:`hasdata`).

    Example::

        ds = dl.arrayDatastore(np.arange(6.0).reshape(3, 2))
        while dl.hasdata(ds):
            data = dl.read(ds)            # [array([0., 1.])], then the next rows
    """
    return _method(ds, "read", "read", "a datastore")()


def readall(ds):
    """Read all the data in a datastore, MATLAB's ``readall``.

    Syntax::

        data = dl.readall(ds)

    Input arguments:
        ds: a datastore (anything with a ``readall`` method).

    Output arguments:
        data: all the data from the start, in the datastore's order: a list of the
            observations (OutputType "cell"), all the data of A's type ("same"), a
            list of rows ``[x, t]`` for a combined datastore.  The position of ds
            does not change.

    Example::

        ds = dl.arrayDatastore(np.arange(6.0).reshape(3, 2))
        rows = dl.readall(ds)             # a list of the 3 rows
    """
    return _method(ds, "readall", "readall", "a datastore")()


def hasdata(x):
    """Determine whether data is available to read, MATLAB's ``hasdata``.

    Syntax::

        tf = dl.hasdata(ds)
        tf = dl.hasdata(mbq)

    Input arguments:
        ds, mbq: a datastore or a :class:`minibatchqueue` (anything with a
            ``hasdata`` method).

    Output arguments:
        tf: True while a read (for a minibatchqueue, :func:`next`) has data to
            return, a bool.

    Example::

        ds = dl.arrayDatastore(np.arange(3.0))
        while dl.hasdata(ds):
            data = dl.read(ds)            # 3 reads
    """
    return bool(_method(x, "hasdata", "hasdata")())


def reset(x):
    """Reset a datastore or minibatchqueue to its initial state, MATLAB's ``reset``.

    Syntax::

        dl.reset(ds)
        dl.reset(mbq)

    Input arguments:
        ds, mbq: a datastore or a :class:`minibatchqueue` (anything with a
            ``reset`` method), set back to the start of its data in place.

    Example::

        ds = dl.arrayDatastore(np.arange(3.0))
        first = dl.read(ds)
        dl.reset(ds)
        again = dl.read(ds)               # the same as first
    """
    _method(x, "reset", "reset")()


def shuffle(x):
    """Shuffle the data of a datastore or minibatchqueue, MATLAB's ``shuffle``.

    Syntax::

        dsnew = dl.shuffle(ds)
        dl.shuffle(mbq)

    Input arguments:
        ds: a datastore (anything with a ``shuffle`` method).
        mbq: a :class:`minibatchqueue`.

    Output arguments:
        dsnew: a copy of ds with the observations in a random order (drawn from
            dlarr's generator, seeded by :func:`rng`), at its start; ds is
            unchanged.  ``shuffle(mbq)`` shuffles a minibatchqueue's data and
            resets it in place, and returns None.

    Example::

        dl.rng(0)
        ds = dl.arrayDatastore(np.arange(5.0))
        dsS = dl.shuffle(ds)
        dl.readall(dsS)                    # the 5 elements in a random order
    """
    return _method(x, "shuffle", "shuffle")()


def partition(x, n, index):
    """Partition a datastore or minibatchqueue, MATLAB's ``partition``.

    Syntax::

        subds = dl.partition(ds, n, index)
        submbq = dl.partition(mbq, n, index)

    Input arguments:
        ds, mbq: a datastore or a :class:`minibatchqueue` (anything with a
            ``partition`` method).
        n: the number of parts, a positive int (at most :func:`numpartitions`).
        index: the part to return, 0-based, ``0..n-1``.

    Output arguments:
        subds, submbq: a new datastore (minibatchqueue, with the same properties)
            over part ``index`` of ``n`` contiguous parts of about equal size, at
            its start.

    Differences from MATLAB: index is 0-based.

    Example::

        ds = dl.arrayDatastore(np.arange(10.0))
        second = dl.partition(ds, 2, 1)
        dl.readall(second)                 # elements 5..9
    """
    return _method(x, "partition", "partition")(n, index)


def numpartitions(ds):
    """Number of datastore partitions, MATLAB's ``numpartitions``.

    Syntax::

        N = dl.numpartitions(ds)

    Input arguments:
        ds: a datastore (anything with a ``numpartitions`` method).

    Output arguments:
        N: the most parts :func:`partition` can make, an int: the number of
            observations (one each).

    Example::

        ds = dl.arrayDatastore(np.zeros((7, 3)))
        dl.numpartitions(ds)               # 7
    """
    return _method(ds, "numpartitions", "numpartitions", "a datastore")()


def next(x, *default):
    """Obtain the next mini-batch of data from a minibatchqueue, MATLAB's ``next``.

    Syntax::

        X = dl.next(mbq)
        X1, ..., Xn = dl.next(mbq)

    Input arguments:
        mbq: a :class:`minibatchqueue`.  Any other iterator, and a call with a
            default (``next(it, default)``), goes to Python's builtin ``next``,
            so ``from dlarr import *`` leaves ``next(iterator)`` working.

    Output arguments:
        X1, ..., Xn: the next mini-batch, one output per mini-batch variable (a
            tuple when there are several), prepared as the queue's properties say
            (dlarrays in MiniBatchFormat by default).  With no data left it raises
            RuntimeError (check :func:`hasdata`).

    Example::

        ds = dl.combine(dl.arrayDatastore(np.random.rand(10, 3)),
                        dl.arrayDatastore(np.arange(10.0)))
        mbq = dl.minibatchqueue(ds, MiniBatchSize=4, MiniBatchFormat=["CB", "CB"])
        while dl.hasdata(mbq):
            X, T = dl.next(mbq)           # 3(C) x 4(B) and 1(C) x 4(B); the last batch has 2
    """
    m = getattr(x, "next", None)
    if callable(m) and not default:
        return m()
    if not hasattr(x, "__next__"):
        raise TypeError(f"next: the input must be a minibatchqueue (or an iterator), not "
                        f"{type(x).__name__}")
    return builtins.next(x, *default)
