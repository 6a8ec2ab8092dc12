"""MATLAB's categorical, for labels: ``categorical``, ``categories``, ``countcats``,
``countlabels``, ``isundefined``, ``iscategorical``, ``ismember``, ``unique``.

A categorical holds, per element, the number of its category (0-based; -1 for an
undefined element, MATLAB's ``<undefined>``) and the list of category names.  As
MATLAB's:

* ``categorical(A)``: the categories are the sorted unique values of ``A`` (numbers
  numerically, text by character code); numbers become categories named by their text
  (``categorical([3, 1, 2])`` has categories "1", "2", "3"; logicals "false"/"true");
  text loses leading and trailing blanks; NaN, "" and None are undefined.
  ``categorical(A, valueset)``: one category per value, in ``valueset``'s order (values
  of ``A`` not in it are undefined); ``categorical(A, valueset, catnames)`` names them.
* indexing (slices, masks, index arrays) keeps every category, also those no element
  belongs to any more, and copies (MATLAB's value semantics); an index that picks one
  element gives its name (a str, "<undefined>" for an undefined element), as iterating
  does; assigning a new name adds a category (not for ordinal ones).
* ``C == x`` (and ``!=``) compares category names, elementwise, with a str, a number
  (by its name), a list or array of them, or another categorical; an undefined element
  equals nothing.  ``<``, ``>``, ... need ordinal categoricals (``Ordinal=True``).
* ``dl.cat(dim, A, B, ...)`` concatenates categoricals (MATLAB's ``[A; B]`` is
  ``dl.cat(0, A, B)``); the categories are those of A, then the new ones of B, ...

A 1-D categorical of N labels is MATLAB's N x 1 categorical (and displays so).
``np.asarray(C)`` (and ``C.string()``) gives the names ("<undefined>" for undefined
elements), ``C.codes`` the 0-based category numbers.
"""
from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from .arguments import as_array, check_nargout, check_one_kind, name_value_pairs
from .backend import is_cupy_array
from .dlarray import DLArray

__all__ = ["categorical", "categories", "countcats", "countlabels", "iscategorical",
           "isundefined", "ismember", "unique"]

UNDEFINED = "<undefined>"


# ==========================================================================
# Values -> category keys and names
# ==========================================================================

def number_name(v) -> str:
    """The category name MATLAB gives a number (``num2str``): integers as they are,
    others with at least 5 significant digits, logicals "true"/"false"."""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    v = float(v)
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    if v == int(v):
        return f"{v:.0f}"
    digits = max(int(math.floor(math.log10(abs(v)))) + 5, 5)
    return f"{v:.{digits}g}"


def _names(keys, kind):
    """Category names of (valid) keys."""
    values = keys.tolist() if isinstance(keys, np.ndarray) else list(keys)
    return [str(v) for v in values] if kind == "text" else [number_name(v) for v in values]


def _object_keys(arr, fname, argname):
    """Keys of an object array: text (stripped) or numbers, never both."""
    flat = arr.ravel().tolist()
    missing = np.zeros(len(flat), bool)
    kinds = set()
    out = []
    for i, v in enumerate(flat):
        if isinstance(v, str):
            v = v.strip()
            kinds.add("text")
            missing[i] = v in ("", UNDEFINED)
        elif isinstance(v, numbers.Real):
            kinds.add("numeric")
            missing[i] = isinstance(v, float) and math.isnan(v)
        elif v is None:
            missing[i] = True
        else:
            raise TypeError(f"{fname}: {argname} must hold text or numbers; element {i} is "
                            f"{type(v).__name__} ({v!r})")
        out.append(v)
    if len(kinds) > 1:
        raise TypeError(f"{fname}: {argname} mixes text and numbers; give one kind of value")
    kind = kinds.pop() if kinds else "text"
    fill = "" if kind == "text" else 0
    keys = np.array([fill if m else v for v, m in zip(out, missing)], dtype=None if out else float)
    if kind == "text":
        keys = keys.astype(str)
    return keys.reshape(arr.shape), missing.reshape(arr.shape), kind


def label_keys(A, fname, argname):
    """``A`` as category keys: ``(keys, missing, kind)``, kind "text" or "numeric",
    ``missing`` True where an element is undefined (NaN, "", None, "<undefined>")."""
    check_one_kind(A, fname, argname)
    if isinstance(A, categorical):
        return A.string(), A._codes < 0, "text"
    if isinstance(A, DLArray):
        raise TypeError(f"{fname}: {argname} must be labels (text, numbers or a categorical), "
                        "not a dlarray; use extractdata")
    if is_cupy_array(A):
        A = A.get()
    arr = as_array(A, fname, argname, what="an array of labels")
    kind = arr.dtype.kind
    if kind in "biuf":
        missing = np.isnan(arr) if kind == "f" else np.zeros(arr.shape, bool)
        return arr, missing, "numeric"
    if kind in "US":
        keys = np.asarray(np.char.strip(arr.astype(str) if kind == "S" else arr))
        return keys, np.asarray((keys == "") | (keys == UNDEFINED)), "text"
    if kind == "O":
        return _object_keys(arr, fname, argname)
    raise TypeError(f"{fname}: {argname} must hold text or numbers (or be a categorical), "
                    f"not {arr.dtype} values")


def _lookup(values, index, fname, argname):
    """Category numbers of ``values`` among ``index`` ({name: number}): -2 for a value that
    is not a category, -1 for a missing one."""
    if isinstance(values, categorical):
        lut = np.array([index.get(n, -2) for n in values._cats] + [-1], dtype=np.int64)
        return lut[values._codes]
    keys, missing, kind = label_keys(values, fname, argname)
    out = np.full(keys.shape, -1, np.int64)
    valid = ~np.asarray(missing)
    if valid.any():
        uniq, inv = np.unique(keys[valid], return_inverse=True)
        lut = np.array([index.get(n, -2) for n in _names(uniq, kind)], np.int64)
        out[valid] = lut[inv.ravel()]
    return out


def _check_unique_names(names, fname, what):
    seen = set()
    for n in names:
        if n in seen:
            raise ValueError(f"{fname}: {what} must be unique; {n!r} appears more than once")
        seen.add(n)


def _category_names(catnames, n, fname):
    if isinstance(catnames, str) or not hasattr(catnames, "__len__"):
        catnames = [catnames]
    names = list(as_array(catnames, fname, "catnames").ravel().tolist()) \
        if not isinstance(catnames, categorical) else catnames.string().ravel().tolist()
    if len(names) != n:
        raise ValueError(f"{fname}: catnames must have one name per value of valueset "
                         f"({n}); it has {len(names)}")
    for s in names:
        if not isinstance(s, str) or s.strip() in ("", UNDEFINED):
            raise TypeError(f"{fname}: catnames must be non-empty strings other than "
                            f"'{UNDEFINED}'; got {s!r}")
    return [s.strip() for s in names]


def _build(A, valueset, catnames, fname="categorical", argname="A"):
    """(codes, category names) of ``categorical(A, valueset, catnames)``."""
    keys, missing, kind = label_keys(A, fname, argname)
    if valueset is None:
        if catnames is not None:
            raise ValueError(f"{fname}: catnames needs valueset (the values the names are for)")
        if isinstance(A, categorical):
            return A._codes.copy(), list(A._cats)
        codes = np.full(keys.shape, -1, np.int64)
        uniq, inv = np.unique(keys[~missing], return_inverse=True)
        cats = _names(uniq, kind)
        _check_unique_names(cats, fname, "the category names of A's values")
        codes[~missing] = inv.ravel()
        return codes, cats
    vkeys, vmissing, vkind = label_keys(valueset, fname, "valueset")
    vkeys, vmissing = vkeys.ravel(), vmissing.ravel()
    if vmissing.any():
        raise ValueError(f"{fname}: valueset must not hold missing values (NaN, '', None); "
                         f"it does at position {int(np.argmax(vmissing))}")
    vnames = _names(vkeys, vkind)
    _check_unique_names(vnames, fname, "the values of valueset")
    names = vnames if catnames is None else _category_names(catnames, len(vnames), fname)
    cats = list(dict.fromkeys(names))               # repeated catnames merge values
    number = {c: i for i, c in enumerate(cats)}
    if kind == vkind and not isinstance(A, categorical):
        index = {k: number[n] for k, n in zip(vkeys.tolist(), names)}
        codes = np.full(keys.shape, -1, np.int64)
        valid = ~missing
        if valid.any():
            uniq, inv = np.unique(keys[valid], return_inverse=True)
            lut = np.array([index.get(u, -1) for u in uniq.tolist()], np.int64)
            codes[valid] = lut[inv.ravel()]
        return codes, cats
    by_name = {v: number[n] for v, n in zip(vnames, names)}
    codes = _lookup(A, by_name, fname, "A")
    codes[codes < 0] = -1
    return codes, cats


# ==========================================================================
# The categorical array
# ==========================================================================

def _size_text(shape):
    shape = tuple(shape) + (1,) * (2 - len(shape)) if len(shape) < 2 else tuple(shape)
    return "x".join(str(n) for n in shape)


class categorical:
    """Array of labels from a finite set of categories, MATLAB's ``categorical``.

    Syntax::

        C = dl.categorical(A)
        C = dl.categorical(A, valueset)
        C = dl.categorical(A, valueset, catnames)
        C = dl.categorical(A, ..., Ordinal=True)     # or "Ordinal", True

    Input arguments:
        A: the labels: text, numbers or logicals (a list, a NumPy array), or a
            categorical; default ``()``, an empty categorical.  Numbers become
            categories named by their text (logicals "false"/"true"); text loses
            leading and trailing blanks; NaN, "" and None are undefined.
        valueset: the values that get a category, in that order (values of A not
            in it are undefined).  Default None: the sorted unique values of A
            (numbers numerically, text by character code).
        catnames: names for the categories of ``valueset``, one per value (a
            repeated name merges values).  Default None: the values' text.

    Name-value arguments:
        Ordinal: False (default; for a categorical A, its own) or True: the
            categories are ordered, so ``<``, ``<=``, ``>``, ``>=`` compare elements.

    Properties and methods: ``Categories`` (the names, in order), ``codes`` (0-based
    category numbers, -1 undefined), ``Ordinal``, ``shape``, ``ndim``, ``size``,
    ``T``, ``string()`` (the names, as ``np.asarray(C)``), ``ravel()``,
    ``reshape()``, ``copy()``, ``unique()``.  Indexing, assignment, ``C == x`` and
    :func:`cat`: see the module docstring (``dlarr.core.categorical``).

    Differences from MATLAB: a 1-D categorical of N labels is MATLAB's N x 1
    categorical (and displays so); codes and indices are 0-based.

    Example::

        C = dl.categorical(["cat", "dog", "cat", "bird"])
        C.Categories                      # ['bird', 'cat', 'dog']
        dl.countcats(C)                   # [1, 2, 1]
        S = dl.categorical([3, 1, 2, 1], [1, 2, 3], ["low", "mid", "high"])
        list(S)                           # ['high', 'low', 'mid', 'low']
        L = dl.categorical(["lo", "hi"], ["lo", "hi"], Ordinal=True)
        L < "hi"                          # [True, False]
    """

    __array_ufunc__ = None          # NumPy defers: ndarray == categorical is categorical.__eq__
    __hash__ = None                 # mutable, and == is elementwise

    @name_value_pairs(2)
    def __init__(self, A=(), valueset=None, catnames=None, *, Ordinal=None):
        if Ordinal is None:
            Ordinal = A._ordinal if isinstance(A, categorical) and valueset is None else False
        if not isinstance(Ordinal, (bool, np.bool_)):
            raise TypeError(f"categorical: Ordinal must be true or false, not {Ordinal!r}")
        codes, cats = _build(A, valueset, catnames)
        self._codes, self._cats, self._ordinal = codes, tuple(cats), bool(Ordinal)

    @classmethod
    def _new(cls, codes, cats, ordinal=False):
        obj = object.__new__(cls)
        obj._codes, obj._cats, obj._ordinal = np.asarray(codes, np.int64), tuple(cats), ordinal
        return obj

    @classmethod
    def _of(cls, A, fname, argname):
        """Labels ``A`` as a categorical (one is returned as it is); errors name ``fname``
        and ``argname``, the function and argument the labels came to."""
        return A if isinstance(A, cls) else cls._new(*_build(A, None, None, fname, argname))

    def _like(self, codes):
        return categorical._new(codes, self._cats, self._ordinal)

    # ----- properties --------------------------------------------------------------------
    @property
    def Categories(self):
        """The category names, in order (MATLAB's ``categories(C)``)."""
        return list(self._cats)

    @property
    def Ordinal(self):
        return self._ordinal

    @property
    def codes(self):
        """The 0-based category number of each element (-1: undefined)."""
        return self._codes.copy()

    @property
    def shape(self):
        return self._codes.shape

    @property
    def ndim(self):
        return self._codes.ndim

    @property
    def size(self):
        return int(self._codes.size)

    @property
    def T(self):
        return self._like(self._codes.T.copy())

    # ----- conversions -------------------------------------------------------------------
    def string(self):
        """The names of the elements as a NumPy string array ("<undefined>" for
        undefined elements), MATLAB's ``string(C)``/``cellstr(C)``."""
        return np.asarray(np.array(list(self._cats) + [UNDEFINED], dtype=str)[self._codes])

    def __array__(self, dtype=None, copy=None):
        out = self.string()
        return out if dtype is None else out.astype(dtype)

    def ravel(self):
        return self._like(self._codes.ravel().copy())

    def reshape(self, *shape):
        return self._like(self._codes.reshape(*shape).copy())

    def copy(self):
        return self._like(self._codes.copy())

    def unique(self, nargout=1):
        """MATLAB's ``unique(C)`` (see :func:`unique`)."""
        return unique(self, nargout=nargout)

    # ----- containers --------------------------------------------------------------------
    def __len__(self):
        if self._codes.ndim == 0:
            raise TypeError("len() of a scalar (0-d) categorical")
        return self._codes.shape[0]

    def __iter__(self):
        if self._codes.ndim == 0:
            raise TypeError("iteration over a scalar (0-d) categorical")
        return (self[i] for i in range(len(self)))

    def __getitem__(self, key):
        try:
            codes = self._codes[_key(key)]
        except IndexError as e:
            raise IndexError(f"categorical indexing: {e} (the categorical has size "
                             f"{'x'.join(map(str, self.shape))}; indices are 0-based)") from None
        if not isinstance(codes, np.ndarray):           # one element: its name
            return self._cats[codes] if codes >= 0 else UNDEFINED
        return self._like(codes.copy())

    def __setitem__(self, key, value):
        index = {c: i for i, c in enumerate(self._cats)}
        codes = _lookup(value, index, "categorical", "the assigned value")
        new = codes == -2
        if new.any():
            if self._ordinal:
                raise ValueError("categorical: cannot add a category to an ordinal categorical "
                                 "by assignment; assign one of its categories")
            values = value if isinstance(value, categorical) else categorical(value)
            names = np.asarray(values.string())
            cats = list(self._cats)
            for n in dict.fromkeys(np.broadcast_to(names, codes.shape)[new].tolist()):
                index[n] = len(cats)
                cats.append(n)
            self._cats = tuple(cats)
            codes = _lookup(value, index, "categorical", "the assigned value")
        self._codes[_key(key)] = codes.reshape(()) if codes.size == 1 else codes

    # ----- comparisons -------------------------------------------------------------------
    def _other_codes(self, other, op):
        index = {c: i for i, c in enumerate(self._cats)}
        return _lookup(other, index, f"categorical {op}", "the other operand")

    def __eq__(self, other):
        oc = self._other_codes(other, "==")
        try:
            return (self._codes == oc) & (self._codes >= 0)
        except ValueError:
            raise ValueError(f"categorical ==: sizes {_size_text(self.shape)} and "
                             f"{_size_text(oc.shape)} do not match") from None

    def __ne__(self, other):
        return ~self.__eq__(other)

    def _ordered(self, other, op, fn):
        if not self._ordinal:
            raise TypeError(f"categorical {op}: relational comparisons need an ordinal "
                            "categorical (categorical(..., Ordinal=True)); this one is not ordinal")
        if isinstance(other, categorical) and (not other._ordinal or other._cats != self._cats):
            raise TypeError(f"categorical {op}: both operands must be ordinal with the same "
                            "categories in the same order")
        oc = self._other_codes(other, op)
        if (oc == -2).any():
            raise ValueError(f"categorical {op}: the other operand holds a name that is not a "
                             f"category; the categories are {list(self._cats)}")
        return (self._codes >= 0) & (oc >= 0) & fn(self._codes, oc)

    def __lt__(self, other):
        return self._ordered(other, "<", operator.lt)

    def __le__(self, other):
        return self._ordered(other, "<=", operator.le)

    def __gt__(self, other):
        return self._ordered(other, ">", operator.gt)

    def __ge__(self, other):
        return self._ordered(other, ">=", operator.ge)

    # ----- display -----------------------------------------------------------------------
    def __repr__(self):
        if self.size == 0:
            return f"{_size_text(self.shape)} empty categorical"
        names = self.string()
        if names.ndim == 0:
            return f"categorical\n\n     {names}\n"
        pages = names.reshape(names.shape[0], -1, order="F") if names.ndim == 1 else \
            names.reshape(names.shape[0], names.shape[1], -1, order="F")
        head = f"{_size_text(self.shape)} categorical"
        if names.ndim <= 2:
            return head + "\n\n" + _grid(pages.reshape(names.shape[0], -1)) + "\n"
        out = [head]
        for k in range(pages.shape[2]):
            idx = np.unravel_index(k, names.shape[2:], order="F")
            out.append(f"\n  (:,:,{','.join(str(i) for i in idx)}) =\n\n" + _grid(pages[:, :, k]))
        return "\n".join(out) + "\n"

    def __str__(self):
        return str(self.string()) if self._codes.ndim == 0 else self.__repr__()

    def __format__(self, spec):
        return format(str(self), spec)


def _grid(names):
    """Rows of a 2-D array of names, each column left-aligned to its widest name."""
    widths = [max(len(n) for n in col) for col in names.T]
    return "\n".join("".join(f"     {n:<{w}} " for n, w in zip(row, widths)).rstrip()
                     for row in names)


def _key(key):
    """An index with categorical/dlarray parts refused."""
    parts = key if isinstance(key, tuple) else (key,)
    for k in parts:
        if isinstance(k, (categorical, DLArray)):
            raise TypeError(f"categorical indexing: an index must be ints, slices or a logical "
                            f"mask, not {type(k).__name__}")
    return key


def _need(C, fname, argname="C"):
    if not isinstance(C, categorical):
        raise TypeError(f"{fname}: {argname} must be a categorical, not {type(C).__name__}")
    return C


# ==========================================================================
# Functions on categoricals
# ==========================================================================

def iscategorical(A) -> bool:
    """Whether the input is a categorical array, MATLAB's ``iscategorical``.

    Syntax::

        tf = dl.iscategorical(A)

    Input arguments:
        A: any value.

    Output arguments:
        tf: True when A is a :class:`categorical`, else False.

    Example::

        dl.iscategorical(dl.categorical(["a", "b"]))    # True
        dl.iscategorical(np.array(["a", "b"]))          # False
    """
    return isinstance(A, categorical)


def categories(C):
    """Categories of a categorical array, MATLAB's ``categories``.

    Syntax::

        names = dl.categories(C)

    Input arguments:
        C: a categorical (anything else is a TypeError).

    Output arguments:
        names: a list of the category names (str), in category order, also those no
            element belongs to (``C.Categories``; MATLAB's cell column).

    Example::

        C = dl.categorical(["b", "a", "b"], ["a", "b", "c"])
        dl.categories(C)                  # ['a', 'b', 'c']
    """
    return _need(C, "categories").Categories


def isundefined(C):
    """Find undefined elements of a categorical array, MATLAB's ``isundefined``.

    Syntax::

        tf = dl.isundefined(C)

    Input arguments:
        C: a categorical (anything else is a TypeError).

    Output arguments:
        tf: a NumPy bool array of C's shape, True where the element has no category
            (MATLAB's ``<undefined>``: NaN, "" or None at creation, or a value not
            in the valueset).

    Example::

        C = dl.categorical([1.0, np.nan, 2.0])
        dl.isundefined(C)                 # [False, True, False]
    """
    return _need(C, "isundefined")._codes < 0


def countcats(C, dim=None):
    """Count the elements in each category, MATLAB's ``countcats``.

    Syntax::

        N = dl.countcats(C)
        N = dl.countcats(C, dim)

    Input arguments:
        C: a categorical (anything else is a TypeError).
        dim: the 0-based dimension to count along; default None, the first
            dimension whose size is not 1.

    Output arguments:
        N: a NumPy int64 array, C's shape with dimension dim replaced by one entry
            per category (in category order, categories with no elements counted as
            0).  Undefined elements are not counted.

    Differences from MATLAB: dim is 0-based.

    Example::

        C = dl.categorical(["a", "b", "a"], ["a", "b", "c"])
        dl.countcats(C)                   # [2, 1, 0]
        M = dl.categorical(np.array([["a", "b"], ["a", "a"]]))
        dl.countcats(M, 1)                # per row: [[1, 1], [2, 0]]
    """
    codes = _need(C, "countcats")._codes
    codes = codes.reshape(1) if codes.ndim == 0 else codes
    if dim is None:
        dim = next((i for i, n in enumerate(codes.shape) if n != 1), 0)
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) \
            or not 0 <= dim < codes.ndim:
        raise ValueError(f"countcats: dim must be an integer in 0..{codes.ndim - 1}, not {dim!r}")
    K = len(C._cats)
    if K == 0:
        shape = list(codes.shape)
        shape[dim] = 0
        return np.zeros(shape, np.int64)
    return np.stack([(codes == k).sum(axis=dim) for k in range(K)], axis=dim).astype(np.int64)


def concatenate(dim, arrays, fname="cat"):
    """Categoricals (and label arrays, made categorical) concatenated along 0-based ``dim``:
    the categories of the first, then each new category of the next ones, in order
    (MATLAB's ``[A; B]`` and ``cat``); ordinal ones must share their categories."""
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 0:
        raise ValueError(f"{fname}: dim must be a non-negative integer (0-based), not {dim!r}")
    parts = [a if isinstance(a, categorical) else categorical(a) for a in arrays]
    ordinal = [p._ordinal for p in parts]
    if any(ordinal) and (not all(ordinal) or len({p._cats for p in parts}) > 1):
        raise ValueError(f"{fname}: ordinal categoricals concatenate only with ordinal "
                         "categoricals of the same categories in the same order")
    cats, codes = list(parts[0]._cats), []
    index = {c: i for i, c in enumerate(cats)}
    for p in parts:
        for c in p._cats:
            if c not in index:
                index[c] = len(cats)
                cats.append(c)
        codes.append(np.array([index[c] for c in p._cats] + [-1], np.int64)[p._codes])
    ndim = max([dim + 1] + [c.ndim for c in codes])
    codes = [c.reshape(c.shape + (1,) * (ndim - c.ndim)) for c in codes]
    try:
        out = np.concatenate(codes, axis=dim)
    except ValueError:
        sizes = ", ".join(_size_text(c.shape) for c in codes)
        raise ValueError(f"{fname}: the sizes of the inputs ({sizes}) agree only along "
                         f"dimension {dim}") from None
    return categorical._new(out, cats, bool(ordinal[0]))


def unique(A, nargout=1):
    """Unique values in an array, MATLAB's ``unique``.

    Syntax::

        C = dl.unique(A)
        C, ia = dl.unique(A, nargout=2)
        C, ia, ic = dl.unique(A, nargout=3)

    Input arguments:
        A: a categorical, or an array of values (a NumPy/CuPy array or a list; not
            a dlarray: use :func:`extractdata`).
        nargout: 1 (default), 2 or 3, the number of outputs.

    Output arguments:
        C: for a categorical, the categories that occur, in category order (each
            undefined element last, each one distinct, as MATLAB treats NaN), as a
            1-D categorical with every category of A; for other arrays the sorted
            unique values (``np.unique``, NaNs kept distinct), 1-D.
        ia: the 0-based index into A (flattened) of the first occurrence of each
            element of C, so that ``C`` equals ``A.ravel()[ia]``.
        ic: the index into C of each element of A (flattened), so that ``A``
            equals ``C[ic]``.

    Differences from MATLAB: ia and ic are 0-based; ask for them with nargout.

    Example::

        C, ia, ic = dl.unique([3, 1, 3, 2], nargout=3)   # [1, 2, 3], [1, 3, 0], [2, 0, 2, 1]
        L = dl.unique(dl.categorical(["b", "a", "b"]))   # categorical: a, b
    """
    nargout = check_nargout(nargout, (1, 2, 3), "unique")
    if isinstance(A, categorical):
        flat = A._codes.ravel()
        values, ia, ic = np.unique(flat[flat >= 0], return_index=True, return_inverse=True)
        defined = np.flatnonzero(flat >= 0)
        ia = defined[ia]
        undefined = np.flatnonzero(flat < 0)
        C = A._like(np.concatenate([values, np.full(len(undefined), -1, np.int64)]))
        ia = np.concatenate([ia, undefined]).astype(np.int64)
        full_ic = np.empty(flat.size, np.int64)
        full_ic[defined] = ic.ravel()
        full_ic[undefined] = len(values) + np.arange(len(undefined))
        ic = full_ic
    else:
        if isinstance(A, DLArray):
            raise TypeError("unique: A must be a categorical or an array of values, not a "
                            "dlarray; use extractdata")
        check_one_kind(A, "unique", "A")
        arr = as_array(A.get() if is_cupy_array(A) else A, "unique", "A", kinds="biufUS").ravel()
        kw = {"equal_nan": False} if arr.dtype.kind == "f" else {}
        C, ia, ic = np.unique(arr, return_index=True, return_inverse=True, **kw)
        ic = ic.ravel()
    return (C, ia, ic)[:nargout] if nargout > 1 else C


def ismember(A, S, nargout=1):
    """Array elements that are members of a set, MATLAB's ``ismember``.

    Syntax::

        tf = dl.ismember(A, S)
        tf, loc = dl.ismember(A, S, nargout=2)

    Input arguments:
        A: the values to look up: a categorical, an array or list of values.
        S: the set: a categorical, an array or list of values.  With a categorical
            on either side the category names are compared (undefined elements are
            members of nothing); otherwise the values.
        nargout: 1 (default) or 2, the number of outputs.

    Output arguments:
        tf: a NumPy bool array of A's shape, True where the element is in S.
        loc: a NumPy int64 array of A's shape, the 0-based index into S (flattened)
            of the element's first occurrence, -1 where it is not in S.

    Differences from MATLAB: loc is 0-based, and -1 (not 0) marks a non-member.

    Example::

        C = dl.categorical(["a", "b", "c", "a"])
        dl.ismember(C, ["a", "c"])                        # [True, False, True, True]
        tf, loc = dl.ismember([1, 5, 2], [2, 1], nargout=2)   # loc = [1, -1, 0]
    """
    nargout = check_nargout(nargout, (1, 2), "ismember")
    if isinstance(A, categorical) or isinstance(S, categorical):
        keysS, missS, _ = label_keys(categorical._of(S, "ismember", "S"), "ismember", "S")
        first = {}
        for i, (k, m) in enumerate(zip(keysS.ravel().tolist(), missS.ravel().tolist())):
            if not m:
                first.setdefault(k, i)
        loc = _lookup(A, first, "ismember", "A")
    else:
        a, s = (as_array(v, "ismember", n, kinds="biufUS") for v, n in ((A, "A"), (S, "S")))
        s = s.ravel()
        first = {}
        for i, v in enumerate(s.tolist()):
            first.setdefault(v, i)
        loc = np.array([first.get(v, -1) for v in a.ravel().tolist()], np.int64).reshape(a.shape)
    loc = np.where(loc < 0, -1, loc)
    tf = loc >= 0
    return (tf, loc) if nargout == 2 else tf


# ==========================================================================
# countlabels and its table
# ==========================================================================

class LabelCounts:
    """The table ``countlabels`` returns: variables ``Label`` (a categorical), ``Count``
    and ``Percent``, one row per category; ``T.Count``, ``T["Count"]``, ``len(T)``
    (MATLAB's ``height``), and MATLAB's table display."""

    VariableNames = ("Label", "Count", "Percent")

    def __init__(self, Label, Count, Percent):
        self.Label, self.Count, self.Percent = Label, Count, Percent

    def __getitem__(self, name):
        if name not in self.VariableNames:
            raise KeyError(f"countlabels table: no variable {name!r}; the variables are "
                           f"{', '.join(self.VariableNames)}")
        return getattr(self, name)

    def __len__(self):
        return len(self.Count)

    @property
    def height(self):
        return len(self.Count)

    @property
    def width(self):
        return len(self.VariableNames)

    def __repr__(self):
        cols = [self.Label.string().tolist(), [str(int(c)) for c in self.Count],
                [_short(p) for p in self.Percent]]
        widths = [max([len(h)] + [len(v) for v in col]) for h, col in zip(self.VariableNames, cols)]

        def line(cells):
            return ("    " + "    ".join(_centre(c, w) for c, w in zip(cells, widths))).rstrip()
        rows = [line(self.VariableNames), line(["_" * w for w in widths]), ""]
        rows += [line(r) for r in zip(*cols)]
        return f"{len(self)}x{self.width} table\n\n" + "\n".join(rows) + "\n"


def _centre(text, width):
    left = (width - len(text)) // 2
    return " " * left + text + " " * (width - len(text) - left)


def _short(v):
    """A number as MATLAB's ``format short`` shows it in a table."""
    v = float(v)
    return str(int(v)) if v == int(v) else f"{v:.5g}"


def countlabels(labels):
    """Count the number of unique labels, MATLAB's ``countlabels``.

    Syntax::

        tbl = dl.countlabels(labels)

    Input arguments:
        labels: a categorical, or text or numbers (made categorical).

    Output arguments:
        tbl: a table (``LabelCounts``, displayed as MATLAB's) with one row per
            category, and a ``<undefined>`` row when some elements are undefined;
            its variables ``Label`` (a categorical), ``Count`` (int64) and ``Percent``
            (float64) read as ``tbl.Count`` or ``tbl["Count"]``; ``len(tbl)`` rows.

    Example::

        tbl = dl.countlabels(dl.categorical(["a", "b", "a", "c"]))
        tbl.Count                         # [2, 1, 1]
        tbl.Percent                       # [50, 25, 25]
    """
    C = categorical._of(labels, "countlabels", "labels")
    counts = countcats(C.ravel())
    codes = np.arange(len(C._cats))
    n_undefined = int((C._codes < 0).sum())
    if n_undefined:
        counts = np.append(counts, n_undefined)
        codes = np.append(codes, -1)
    total = C.size
    percent = counts * (100.0 / total) if total else np.zeros(len(counts))
    return LabelCounts(C._like(codes), counts.astype(np.int64), percent)
