"""Sequence padding: MATLAB's ``padsequences``, the one padding mechanism of dlarr
(trainNetwork's and predict's mini-batches are padded by it too).

    XPad = dl.padsequences(X, 1)                     # X: a list of C x T arrays
    XPad, mask = dl.padsequences(X, 1, Direction="left", nargout=2)

The sequences are padded (or truncated) along the 0-based ``paddingDim`` and, with
``UniformOutput=True``, stacked along a new last dimension: C x T sequences padded
along dimension 1 give a C x T x N array (MATLAB's ``padsequences(X, 2)``: 12 x 26 x
270 for Japanese Vowels), ``dl.dlarray(XPad, "CTB")`` ready for a network.  The mask
has the size of XPad: true where XPad holds the sequences' data, false where padding.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..core import options as V
from ..core.arguments import as_array, came, check_nargout, name_value_pairs
from ..core.backend import array_namespace, is_array
from ..core.dlarray import DLArray
from ..core.options import choose

__all__ = ["padsequences"]

_F = "padsequences"


def _sequences(X):
    """The sequences of ``X`` as arrays (NumPy or CuPy, one backend)."""
    if not isinstance(X, (list, tuple)) or not X:
        what = "an empty list" if isinstance(X, (list, tuple)) else type(X).__name__
        raise TypeError(f"{_F}: X must be a non-empty list of sequences (MATLAB's cell array "
                        f"of arrays), not {what}")
    out = []
    for i, s in enumerate(X):
        if isinstance(s, DLArray):
            s = s._data
        elif not is_array(s):
            s = as_array(s, _F, f"X[{i}]")
            if s.dtype == object:
                raise TypeError(f"{_F}: X[{i}] must be an array (numeric, logical or text), "
                                f"not {type(X[i]).__name__}")
        out.append(s)
    array_namespace(*out, where=_F)
    return out


def _length(Length, lengths):
    if isinstance(Length, str):
        mode = choose(Length, V.SEQUENCE_LENGTHS, _F, "Length")
        return max(lengths) if mode == "longest" else min(lengths)
    if isinstance(Length, bool) or not isinstance(Length, numbers.Integral) or Length < 1:
        raise ValueError(f"{_F}: Length must be 'longest', 'shortest' or a positive integer, "
                         f"not {Length!r}")
    return int(Length)


def _pad_value(PaddingValue, dtype):
    """The padding value: "auto" is 0 (numeric), false (logical) or "" (text)."""
    text = dtype.kind in "USO"
    if isinstance(PaddingValue, str) and not text:
        choose(PaddingValue, V.PADDING_VALUES, _F, "PaddingValue")
        PaddingValue = "auto"
    if isinstance(PaddingValue, str) and PaddingValue.lower() == "auto":
        return "" if text else (False if dtype.kind == "b" else 0)
    if not isinstance(PaddingValue, (numbers.Number, str, np.generic)) and not (
            is_array(PaddingValue) and PaddingValue.ndim == 0):
        raise ValueError(f"{_F}: PaddingValue must be 'auto' or a scalar, not "
                         f"{came(PaddingValue)}")
    if dtype.kind in "iub" and not text:
        v = PaddingValue
        whole = isinstance(v, (numbers.Integral, np.bool_)) or (
            isinstance(v, numbers.Real) and np.isfinite(v) and float(v) == int(v))
        if not whole or (dtype.kind == "b" and v not in (0, 1)):
            raise ValueError(f"{_F}: PaddingValue {v!r} cannot pad data of type {dtype} "
                             "(give a value of that type)")
    return PaddingValue


def _size(shape):
    return "x".join(str(n) for n in shape)


@name_value_pairs(2)
def padsequences(X, paddingDim, *, Length="longest", Direction="right", PaddingValue="auto",
                 UniformOutput=True, nargout=1):
    """Pad or truncate sequences to a common length, MATLAB's ``padsequences``.

    Syntax (the module help has more)::

        XPad = dl.padsequences(X, paddingDim)      # MATLAB: padsequences(X, paddingDim + 1)
        XPad, mask = dl.padsequences(X, paddingDim, nargout=2)   # MATLAB: [XPad, mask] = ...
        XPad = dl.padsequences(X, paddingDim, Length="shortest")  # or ..., "Length", "shortest"

    Arguments:
        X: a list of arrays (NumPy, CuPy or dlarray data; MATLAB's cell array)
            that differ only along paddingDim.
        paddingDim: the 0-based dimension to pad along (1 for C x T sequences).

    Name-value options (keywords, or MATLAB's positional pairs):
        Length: "longest" (default: pad to the longest), "shortest" (truncate
            to the shortest) or a positive integer (pad or truncate to it).
        Direction: "right" (default: pad and truncate at the end) or "left".
        PaddingValue: "auto" (default: 0; false for logical, "" for text) or
            a scalar of the data's type.
        UniformOutput: True (default): one array with the sequences along a
            new last dimension; False: a list of padded arrays.
        nargout: 1 (default) returns XPad; 2 returns ``(XPad, mask)``, the
            mask logical, XPad's size (a list for a list), true at the
            sequences' own elements (MATLAB chooses by its nargout).

    Example::

        X = [np.ones((12, 20)), np.ones((12, 26)), np.ones((12, 7))]   # C x T
        XPad, mask = dl.padsequences(X, 1, nargout=2)     # 12 x 26 x 3, and its mask
        Xb = dl.dlarray(XPad, "CTB")
        XL = dl.padsequences(X, 1, Length=10, Direction="left", UniformOutput=False)
    """
    n_out = check_nargout(nargout, (1, 2), _F)
    if isinstance(paddingDim, bool) or not isinstance(paddingDim, numbers.Integral) \
            or not 0 <= paddingDim < 64:
        raise ValueError(f"{_F}: paddingDim must be a non-negative integer (0-based) below 64 "
                         f"(NumPy's most dimensions), not {paddingDim!r}")
    d = int(paddingDim)
    seqs = _sequences(X)
    xp = array_namespace(*seqs, where=_F)
    right = choose(Direction, V.PADDING_DIRECTIONS, _F, "Direction") == "right"
    nd = max(max(s.ndim for s in seqs), d + 1)
    seqs = [s.reshape(s.shape + (1,) * (nd - s.ndim)) for s in seqs]
    T = _length(Length, [s.shape[d] for s in seqs])
    dtype = np.result_type(*[s.dtype for s in seqs])
    value = _pad_value(PaddingValue, dtype)
    if not isinstance(UniformOutput, (bool, np.bool_)):
        raise TypeError(f"{_F}: UniformOutput must be true or false, not {UniformOutput!r}")
    if UniformOutput:
        rest = seqs[0].shape[:d] + seqs[0].shape[d + 1:]
        for i, s in enumerate(seqs):
            if s.shape[:d] + s.shape[d + 1:] != rest:
                raise ValueError(f"{_F}: with UniformOutput true the sequences must have the same "
                                 f"size in every dimension but paddingDim {d}; X[0] has size "
                                 f"{_size(seqs[0].shape)} and X[{i}] has size {_size(s.shape)} "
                                 "(use UniformOutput=False to pad them separately)")
        shape = seqs[0].shape[:d] + (T,) + seqs[0].shape[d + 1:] + (len(seqs),)
        data = _full(xp, shape, value, dtype)
        mask = xp.zeros(shape, bool) if n_out == 2 else None
        outs = [(data[..., b], None if mask is None else mask[..., b]) for b in range(len(seqs))]
    else:
        outs = []
        for s in seqs:
            shape = s.shape[:d] + (T,) + s.shape[d + 1:]
            outs.append((_full(xp, shape, value, dtype),
                         xp.zeros(shape, bool) if n_out == 2 else None))
    lead = (slice(None),) * d
    for s, (out, m) in zip(seqs, outs):
        dst, src = padded_slices(s.shape[d], T, right)
        out[lead + (dst,)] = s[lead + (src,)]
        if m is not None:
            m[lead + (dst,)] = True
    if not UniformOutput:
        data, mask = [o for o, _ in outs], [m for _, m in outs]
    return (data, mask) if n_out == 2 else data


def padded_slices(n, T, right):
    """Where a sequence of ``n`` steps goes in ``T`` padded ones and which of its steps
    go there: (destination, source) slices, padded or truncated at the end (``right``)
    or at the start."""
    k = min(n, T)
    return (slice(0, k), slice(0, k)) if right else (slice(T - k, T), slice(n - k, n))


def _full(xp, shape, value, dtype):
    try:
        return xp.full(shape, value, dtype=dtype)
    except (ValueError, TypeError, OverflowError) as e:
        raise ValueError(f"{_F}: PaddingValue {value!r} cannot pad data of type {dtype}: "
                         f"{e}") from None
