"""MATLAB's InputDataFormats and TargetDataFormats: the layout of plain (unformatted)
training and prediction data, turned into the C x T sequences training works on.

* ``"auto"``: the data as dlarr takes it by default (a list of C x T sequences, one
  C x T array for one sequence, N x R responses), unchanged.
* A format of an array (labels "C", "B", "T", such as "CBT", "TCB", "BTC", "CB"): the
  array holds a batch; it is read with the format (``dlarray(X, fmt)``, every label
  rule in ``core/formats.py``) and split into its observations, one C x T sequence each
  (a format without "T": one time step; without "B": one observation).
* A format without "B" for a list (MATLAB's cell array), such as "TC": the layout of
  each sequence; each becomes C x T.

A formatted dlarray carries its own format, so the options apply to plain arrays (and
unformatted dlarrays) only.
"""
from __future__ import annotations

import numpy as np

from ..core.arguments import as_array, came
from ..core.create import dlarray, extractdata
from ..core.formats import check_format
from ..core.dlarray import DLArray
from .batching import _host, input_kind, input_layer, observations

__all__ = ["input_sequences", "target_responses", "one_format", "network_observations"]


def one_format(fmt, argname, fname):
    """The single format of a one-input (one-output) network: "auto" or a format."""
    if isinstance(fmt, (tuple, list)):
        if len(fmt) != 1:
            raise ValueError(f"{fname}: {argname} has {len(fmt)} formats but the network has "
                             "one input and one output; give one format")
        fmt = fmt[0]
    if not isinstance(fmt, str):
        raise TypeError(f"{fname}: {argname} must be 'auto' or a data format such as 'CBT', "
                        f"not {came(fmt)}")
    if fmt.lower() == "auto":
        return "auto"
    return check_format(fmt, f"{fname}: {argname}")


def _is_array(X):
    return isinstance(X, (np.ndarray, DLArray)) or (hasattr(X, "shape") and hasattr(X, "dtype")
                                                   and not isinstance(X, (list, tuple)))


def _canonical(X, fmt, fname, argname):
    """X read with ``fmt``: a host array in C x B x T order (missing labels added)."""
    if isinstance(X, DLArray) and X.dims:
        raise ValueError(f"{fname}: {argname} {fmt!r} applies to unformatted data; X is a "
                         f"formatted dlarray ({X.dims!r}), which carries its own format")
    extra = sorted(set(fmt) - set("CBT"))
    if extra or "C" not in fmt:
        raise ValueError(f"{fname}: {argname} {fmt!r} must have a 'C' label and only 'C', "
                         f"'B', 'T' labels for sequence data (sequenceInputLayer); it has "
                         f"{', '.join(repr(e) for e in extra) or 'no C'}")
    data = extractdata(X) if isinstance(X, DLArray) else _host(X)
    data = as_array(_host(data), fname, "X")
    if data.ndim > len(fmt) and any(n != 1 for n in data.shape[len(fmt):]):
        raise ValueError(f"{fname}: {argname} {fmt!r} has {len(fmt)} labels but the data has "
                         f"{data.ndim} dimensions (size {data.shape})")
    d = dlarray(data.reshape(data.shape[:len(fmt)]) if data.ndim > len(fmt) else data, fmt)
    a, f = np.asarray(extractdata(d)), d.dims
    a = a.reshape(a.shape[:len(f)] + (1,) * (len(f) - a.ndim)) if a.ndim < len(f) else a
    if "B" not in f:
        a = np.expand_dims(a, 1)
    if "T" not in f:
        a = a[..., None]
    return a


def input_sequences(X, fmt, fname, argname="InputDataFormats"):
    """Predictors with InputDataFormats applied: a list of C x T arrays (or X unchanged
    for "auto", and for data that is not an array or a list of arrays)."""
    fmt = one_format(fmt, argname, fname)
    if fmt == "auto":
        return X
    if _is_array(X):
        a = _canonical(X, fmt, fname, argname)
        return [a[:, b, :] for b in range(a.shape[1])]
    if isinstance(X, (list, tuple)) and X and all(_is_array(x) for x in X):
        if "B" in fmt:
            raise ValueError(f"{fname}: {argname} {fmt!r} has a 'B' label, but X is a list of "
                             "sequences (one observation each); give the layout of one "
                             "sequence, such as 'CT' or 'TC'")
        return [_canonical(x, fmt, fname, argname)[:, 0, :] for x in X]
    return X


def target_responses(T, fmt, seq_out, fname, argname="TargetDataFormats"):
    """Numeric targets with TargetDataFormats applied: a list of R x T arrays (sequence
    outputs) or an N x R array (one output per sequence); T unchanged for "auto"."""
    fmt = one_format(fmt, argname, fname)
    if fmt == "auto":
        return T
    if _is_array(T) or (isinstance(T, (list, tuple)) and T and all(_is_array(t) for t in T)):
        kind = np.asarray(_host(extractdata(T) if isinstance(T, DLArray) else
                                T if _is_array(T) else T[0])).dtype.kind
        if kind not in "biuf":
            raise ValueError(f"{fname}: {argname} {fmt!r} applies to numeric targets; the "
                             "targets are labels (leave TargetDataFormats 'auto')")
        seqs = input_sequences(T, fmt, fname, argname)
        if seq_out:
            return seqs
        if any(s.shape[1] != 1 for s in seqs):
            raise ValueError(f"{fname}: the network outputs one value per sequence, but the "
                             f"targets read with {argname} {fmt!r} have "
                             f"{max(s.shape[1] for s in seqs)} time steps")
        return np.stack([s[:, 0] for s in seqs])
    return T


def input_features(X, fmt, fname, argname="InputDataFormats"):
    """Feature data with InputDataFormats applied: an N-by-F array (X unchanged for
    "auto"); a format with "T" must have one time step."""
    fmt = one_format(fmt, argname, fname)
    if fmt == "auto" or not _is_array(X):
        return X
    a = _canonical(X, fmt, fname, argname)
    if a.shape[2] != 1:
        raise ValueError(f"{fname}: {argname} {fmt!r}: feature data has no time dimension, "
                         f"but X has {a.shape[2]} time steps")
    return np.ascontiguousarray(a[:, :, 0].T)


def network_observations(X, net, fmt, fname, name="X"):
    """The observations of X for ``net``'s input layer, InputDataFormats ``fmt``
    applied: (observations, whether X was one observation), see
    :func:`batching.observations`."""
    layer = input_layer(net)
    if input_kind(layer) == "feature":
        X = input_features(X, fmt, fname)
    else:
        X = input_sequences(X, fmt, fname)
    return observations(X, layer, fname, name)
