"""One-hot encoding and decoding of labels, and word embeddings (MATLAB's
``onehotencode``, ``onehotdecode``, ``embed``).

Labels are a :class:`~dlarr.core.categorical.categorical` (MATLAB's), whose
classes are its categories, every one of them (also those no label of ``A``
belongs to), or any NumPy-comparable values (ints or strings), whose classes
are the sorted unique labels, as MATLAB's categories are sorted; ``ClassNames``
gives the classes explicitly.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..core import formats as _formats
from ..core.arguments import as_array, came, check_one_kind, name_value_pairs
from ..core.categorical import categorical, number_name
from ..core.backend import array_namespace, is_array
from ..core.dlarray import DLArray
from ..core.options import FLOAT_CLASSES, choose
from ..core.create import as_dlarray, labelled
from ..core.operands import _as_float
from ..core.structural import _getitem, _transpose
from ..core.registry import bind

_TYPES = {"single": np.float32, "double": np.float64}


def class_names(v, fname, argname):
    """Class names given as a list, tuple, array or categorical, as a list (a
    categorical as it is; one str is one class, never its characters)."""
    if isinstance(v, categorical):
        return v
    if isinstance(v, str):
        return [v]
    if isinstance(v, DLArray) or not isinstance(v, (list, tuple)) and not is_array(v):
        raise TypeError(f"{fname}: {argname} must be a list, array or categorical of class "
                        f"names, not {came(v)}")
    check_one_kind(v, fname, argname)
    a = as_array(v.get() if hasattr(v, "get") else v, fname, argname, kinds="biufU")
    return list(v) if isinstance(v, (list, tuple)) and a.ndim == 1 else list(a.ravel())


def _class_list(labels, ClassNames):
    if ClassNames is None:
        return list(np.unique(labels))
    classes = class_names(ClassNames, "onehotencode", "ClassNames")
    if len(set(classes)) != len(classes):
        raise ValueError(f"onehotencode: ClassNames has repeated classes: {classes}")
    return classes


def _name(c):
    return c.strip() if isinstance(c, str) else str(c) if isinstance(c, categorical) \
        else number_name(c)


def _class_positions(A, ClassNames):
    """``(positions, classes)``: each label's position among the classes (-1: none)."""
    if isinstance(A, categorical):
        if ClassNames is None:
            classes = A.Categories
        else:
            names = class_names(ClassNames, "onehotencode", "ClassNames")
            classes = [_name(c) for c in (names.string().ravel().tolist()
                                          if isinstance(names, categorical) else names)]
            if len(set(classes)) != len(classes):
                raise ValueError(f"onehotencode: ClassNames has repeated classes: {classes}")
        where = {c: i for i, c in enumerate(classes)}
        lut = np.array([where.get(c, -1) for c in A.Categories] + [-1], dtype=np.int64)
        return lut[A.codes], classes
    classes = _class_list(A, ClassNames)
    pos = np.full(A.shape, -1, dtype=np.int64)
    for i, c in enumerate(classes):
        pos[(A == c) & (pos < 0)] = i
    return pos, classes


@name_value_pairs(2)
def onehotencode(A, featureDim, typename="single", *, ClassNames=None):
    """Encode labels as one-hot vectors, MATLAB's ``onehotencode``.

    Syntax::

        B = dl.onehotencode(A, featureDim)              # MATLAB: onehotencode(A, featureDim + 1)
        B = dl.onehotencode(A, featureDim, typename)
        B = dl.onehotencode(..., ClassNames=classes)    # or ..., "ClassNames", classes

    Arguments:
        A: the labels: a :class:`categorical`, or an array (or list) of
            NumPy-comparable values (integers, strings).
        featureDim: the 0-based dimension to encode along (MATLAB's is
            1-based): A must have size 1 there, or ``featureDim == A.ndim``,
            which adds that dimension (a length-N vector with featureDim 1
            gives N x K).
        typename: the type of B, "single" (default, float32) or "double".

    Name-value options (keywords, or MATLAB's positional pairs):
        ClassNames: the classes, in order: a list (or categorical) of names or
            values; default None: the categories of a categorical A (every
            one, also those no label belongs to), else the sorted unique
            labels.  Repeated classes are an error.

    Returns B, a NumPy array of A's size with featureDim grown to the number of
    classes K: 1 at each label's class, 0 elsewhere.  Undefined labels, and
    labels not among ClassNames, give NaN along featureDim (as MATLAB's
    undefined categories do).

    Example::

        A = dl.categorical(np.array([["red", "blue", "red", "green"]]))  # 1 x 4
        B = dl.onehotencode(A, 0)      # 3 x 4 single, rows blue, green, red
        B2 = dl.onehotencode(np.array([3, 1, 3, 2]), 1, "double")  # 4 x 3
        B3 = dl.onehotencode(np.array([[3, 1]]), 0, ClassNames=[1, 2, 3, 4])  # 4 x 2
    """
    if not isinstance(A, categorical):
        check_one_kind(A, "onehotencode", "A")
        A = as_array(A, "onehotencode", "A", kinds="biufUS")
    typename = choose(typename, FLOAT_CLASSES, "onehotencode", "typename")
    if isinstance(featureDim, bool) or not isinstance(featureDim, numbers.Integral) \
            or not 0 <= featureDim <= A.ndim:
        raise ValueError(f"onehotencode: featureDim must be an integer in 0..{A.ndim}, "
                         f"not {featureDim!r}")
    if featureDim == A.ndim:
        A = A[..., None]
    if A.shape[featureDim] != 1:
        raise ValueError(f"onehotencode: A must have size 1 in featureDim {featureDim}; "
                         f"A has size {_formats.describe('', A.shape)}")
    pos, classes = _class_positions(A, ClassNames)
    if not len(classes):                     # no categories: size 0 along featureDim
        shape = list(pos.shape)
        shape[featureDim] = 0
        return np.zeros(shape, _TYPES[typename])
    out = np.concatenate([(pos == i) for i in range(len(classes))],
                         axis=featureDim).astype(_TYPES[typename])
    known = pos >= 0
    if not known.all():
        out[np.broadcast_to(~known, out.shape)] = np.nan
    return out


def onehotdecode(B, classes, featureDim):
    """Decode probability (or one-hot) vectors into labels, MATLAB's
    ``onehotdecode``.

    Syntax::

        A = dl.onehotdecode(B, classes, featureDim)   # MATLAB: onehotdecode(B, classes, featureDim + 1)

    Each label is the class of the largest value along featureDim (the first
    one on ties); featureDim stays as a singleton dimension, as in MATLAB.

    Arguments:
        B: one-hot or probability data, a dlarray (formatted or not) or a
            NumPy/CuPy array, with one element per class along featureDim.
        classes: the K classes in B's order: a categorical (e.g.
            ``dl.unique(T)``) or a list/array of names or values (e.g.
            ``dl.categories(T)``).
        featureDim: the 0-based dimension of the classes (MATLAB's is 1-based).

    Returns A, of B's size with a singleton featureDim, on the host: a
    categorical with the categories of ``classes`` when classes is a
    categorical, as MATLAB returns; otherwise a NumPy array of the classes'
    values.  MATLAB's fourth argument ``typename`` is not taken: the kind of
    ``classes`` chooses the output.

    Example::

        Y = dl.softmax(dl.dlarray(np.array([[0.1, 2.0], [3.0, 0.2], [0.5, 0.4]]), "CB"))
        labels = dl.onehotdecode(Y, ["blue", "green", "red"], 0)   # [["green", "blue"]]
        cats = dl.onehotdecode(Y, dl.categorical(np.array(["blue", "green", "red"])), 0)
    """
    data = B._data if isinstance(B, DLArray) else B if is_array(B) else \
        as_array(B, "onehotdecode", "B", kinds="biuf")
    if data.dtype.kind not in "biuf":
        raise TypeError(f"onehotdecode: B must hold numbers (scores), not {came(B)}")
    xp = array_namespace(data)
    classes = class_names(classes, "onehotdecode", "classes")
    classes = classes.ravel() if isinstance(classes, categorical) else np.asarray(classes)
    if data.ndim == 0:
        raise ValueError(f"onehotdecode: B must be an array with the classes along featureDim, "
                         f"not a scalar ({came(B)})")
    if isinstance(featureDim, bool) or not isinstance(featureDim, numbers.Integral) \
            or not 0 <= featureDim < data.ndim:
        raise ValueError(f"onehotdecode: featureDim must be an integer in 0..{data.ndim - 1}, "
                         f"not {featureDim!r}")
    if data.shape[featureDim] != len(classes):
        raise ValueError(f"onehotdecode: B has {data.shape[featureDim]} elements along "
                         f"featureDim {featureDim} but {len(classes)} classes were given")
    check_no_nan_scores(data, featureDim, xp)
    idx = xp.argmax(data, axis=featureDim)
    if xp is not np:
        idx = idx.get()
    picked = classes[idx]
    if isinstance(picked, categorical):
        return picked.reshape(np.expand_dims(idx, featureDim).shape)
    return np.expand_dims(picked, featureDim)


def check_no_nan_scores(data, featureDim, xp, fname="onehotdecode", argname="B"):
    """A NaN score has no most probable class (argmax would let it win): error."""
    if data.dtype.kind not in "fc" or data.size == 0:
        return
    bad = xp.any(xp.isnan(data), axis=featureDim)
    if bool(xp.any(bad)):
        first = int(xp.argmax(bad.ravel()))
        where = tuple(int(i) for i in np.unravel_index(first, bad.shape))
        where = where[0] if len(where) == 1 else where
        raise ValueError(f"{fname}: {argname} has a NaN score at observation {where} (its "
                         f"index in {argname} without dimension {featureDim}); a NaN probability "
                         "vector has no most probable class")


@name_value_pairs(2)
def embed(X, weights, *, DataFormat=None):
    """Embed discrete data (word indices) in vectors, MATLAB's ``embed``.

    Syntax::

        Y = dl.embed(X, weights)                      # MATLAB: Y = embed(X, weights), X 1-based
        Y = dl.embed(X, weights, DataFormat="BT")     # or ..., "DataFormat", "BT"

    Y holds column ``X(j)`` of ``weights`` at each position j of X.

    Arguments:
        X: integer indices, 0-based (0..numWords-1; MATLAB's are 1-based), of
            integer or whole-float type: a formatted dlarray, or an unformatted
            dlarray or array with DataFormat.  A "C" dimension, if any, must be
            singleton.
        weights: the embedding, embeddingDimension x numWords (a dlarray or
            numeric array).

    Name-value options (keywords, or MATLAB's positional pairs):
        DataFormat: labels of an unformatted X, e.g. "BT" or "CBT"; default
            None (X formatted).

    Returns Y, a formatted dlarray: X's labels with "C" of size
    embeddingDimension (added when X had none), e.g. "BT" indices give "CBT"
    (also for an unformatted X given with DataFormat).  Differentiable with
    respect to weights.

    Example::

        W = dl.initializeGaussian((5, 10))                  # 5-D vectors, 10 words
        X = dl.dlarray(np.array([[1, 4, 9], [0, 0, 2]]), "BT")
        Y = dl.embed(X, W)                                  # 5(C) x 2(B) x 3(T)
    """
    if not isinstance(weights, DLArray):
        weights = _as_float(weights, "embed", "weights")
    if weights.ndim != 2:
        raise ValueError(f"embed: weights must be embeddingDimension x numWords; it has size "
                         f"{_formats.describe(weights._fmt, weights.shape)}")
    Xf, _ = labelled(X if isinstance(X, DLArray) else as_dlarray(X, None, "embed"), DataFormat,
                     "embed")
    data, fmt = Xf._data, Xf._fmt
    array_namespace(data, weights._data, where="embed")
    kind = np.dtype(data.dtype).kind
    if kind == "f":
        if not bool((data == data.round()).all()):
            raise ValueError("embed: X must hold integer word indices")
        data = data.astype(np.int64)
    elif kind not in "iu":
        raise TypeError(f"embed: X must hold integer word indices, not {data.dtype}")
    n_words = weights.shape[1]
    if data.size and (int(data.min()) < 0 or int(data.max()) >= n_words):
        raise ValueError(f"embed: X must hold 0-based indices in 0..{n_words - 1}; it holds "
                         f"values from {int(data.min())} to {int(data.max())}")
    c_axes = _formats.find(fmt, "C")
    if c_axes:
        if data.shape[c_axes[0]] != 1:
            raise ValueError(f"embed: the 'C' dimension of X must be singleton; it has size "
                             f"{data.shape[c_axes[0]]}")
        data = data.reshape(tuple(n for i, n in enumerate(data.shape) if i != c_axes[0]))
        fmt = fmt.replace("C", "")
    # Gather columns: E x (X's dims), then move E to where "C" goes in canonical order.
    Y = bind(_getitem, [weights], "", key=(slice(None), data))
    out_fmt = "".join(sorted(fmt + "C", key="SCBTU".index))
    c_pos = out_fmt.index("C")
    perm = tuple(list(range(1, c_pos + 1)) + [0] + list(range(c_pos + 1, Y.ndim)))
    if perm != tuple(range(Y.ndim)):
        Y = bind(_transpose, [Y], "", perm=perm)
    return Y._relabelled(out_fmt)
