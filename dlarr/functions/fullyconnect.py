"""fullyconnect: MATLAB's fully connected operation on labelled data."""
from __future__ import annotations

import math

from ..core import formats as _formats
from ..core.arguments import name_value_pairs
from ..core.backend import array_namespace
from ..core.create import labelled
from ..core.dlarray import DLArray
from ..core.linalg import matmul
from ..core.operands import _as_float
from ..core.structural import _reshape, _transpose, reshaped
from ..core.registry import bind



def _flat_weights(W, feat_shape, fname, feat_fmt):
    """The weights as an unformatted outputSize x inputSize DLArray (recorded).

    MATLAB takes them flattened (outputSize x inputSize) or in full
    (outputSize x the S sizes x the C size, e.g. 10 x 12 x 12 x 32 for 12x12x32
    "SSCB" data, trailing singletons dropped); the full form flattens in
    MATLAB's column-major order, S1 fastest, as X does.
    """
    input_size = math.prod(feat_shape)
    D = W._relabelled()
    if W.ndim == 2 and W.shape[1] == input_size:
        return D
    trim = _formats.without_trailing_ones
    if W.ndim >= 2 and trim(W.shape[1:]) == trim(feat_shape):
        n = len(feat_shape)
        full = bind(_reshape, [D], "", shape=(W.shape[0],) + tuple(feat_shape))
        full = bind(_transpose, [full], "", perm=(0,) + tuple(range(n, 0, -1)))
        return bind(_reshape, [full], "", shape=(W.shape[0], input_size))
    feat = _formats.describe(feat_fmt, feat_shape) or "1"
    full = " x ".join(str(k) for k in trim(feat_shape)) or "1"
    raise ValueError(f"{fname}: weights must be outputSize x {input_size} (the product of X's "
                     f"S and C sizes, {feat}) or outputSize x {full} (MATLAB's full size); "
                     f"weights has size {_formats.describe(W._fmt, W.shape)}")


def _check_parameter_labels(W, b, fname):
    """The labels lstm accepts on parameters: weights "C"/"U" only, the bias's
    non-singleton dimension "C"."""
    if W._fmt and set(W._fmt) - set("CU"):
        raise ValueError(f"{fname}: weights is formatted {W._fmt!r}; a formatted weights must "
                         "have only 'C' and 'U' dimensions")
    if any(lab != "C" for lab, k in zip(b._fmt, b.shape) if k != 1):
        raise ValueError(f"{fname}: bias is formatted {b._fmt!r}; its non-singleton dimension "
                         "must be labelled 'C'")


@name_value_pairs(3)
def fullyconnect(X, weights, bias, *, DataFormat=None):
    """Fully connected operation, MATLAB's ``fullyconnect``.

    Syntax::

        Y = dl.fullyconnect(X, weights, bias)      # MATLAB: Y = fullyconnect(X, weights, bias)
        Y = dl.fullyconnect(X, weights, bias, DataFormat="CB")   # or ..., "DataFormat", "CB"

    ``Y = weights * x + bias`` for the features x of every observation and
    time step: "SSCB" data gives "CB", "CB" gives "CB", "CBT" gives "CBT".

    Arguments:
        X: a formatted dlarray, or an unformatted dlarray or numeric array with
            DataFormat.  Its "S" and "C" dimensions are the features
            (InputSize = the product of their sizes), flattened in MATLAB's
            column-major order; "U" dimensions must be singleton.
        weights: outputSize x InputSize, so that weights learned in MATLAB
            apply unchanged, or MATLAB's full size, outputSize x the S sizes x
            the C size (e.g. 10 x 12 x 12 x 32 for 12x12x32 "SSCB" data); a
            dlarray or numeric array.
        bias: outputSize elements (a vector of any orientation).

    Name-value options (keywords, or MATLAB's positional pairs):
        DataFormat: labels of an unformatted X, e.g. "CB", "SSCB" or "CTB";
            default None (X formatted).

    Returns Y, outputSize along "C" then X's "B" and "T" dimensions (no "S"):
    formatted, or, for an unformatted X, an unformatted dlarray in X's
    dimension order without the "S" dimensions (DataFormat "CTB" gives
    outputSize x T x B).  Differentiable with respect to X, weights and bias.

    Example::

        X = dl.dlarray(np.random.randn(12, 12, 32, 4).astype("single"), "SSCB")
        W = dl.initializeGlorot((10, 12 * 12 * 32), 10, 12 * 12 * 32)
        b = dl.initializeZeros((10, 1))
        Y = dl.fullyconnect(X, W, b)               # 10(C) x 4(B)
        Yt = dl.fullyconnect(np.random.randn(3, 5, 2), np.ones((4, 3)), np.zeros(4),
                             DataFormat="CTB")     # unformatted 4 x 5 x 2
    """
    fname = "fullyconnect"
    X, user_fmt = labelled(X, DataFormat, fname)
    W = weights if isinstance(weights, DLArray) else _as_float(weights, fname, "weights")
    b = bias if isinstance(bias, DLArray) else _as_float(bias, fname, "bias")
    _check_parameter_labels(W, b, fname)
    array_namespace(X._data, W._data, b._data, where=fname)     # one backend, named
    fmt = X._fmt
    for ax, lab in enumerate(fmt):
        if lab == "U" and X.shape[ax] != 1:
            raise ValueError(f"{fname}: X has a non-singleton 'U' dimension {ax} (size "
                             f"{X.shape[ax]}); only S, C, B and T dimensions are allowed")
    n_feat = sum(1 for lab in fmt if lab in "SC")          # leading axes in canonical order
    feat_shape = X.shape[:n_feat]
    input_size = math.prod(feat_shape)
    Wf = _flat_weights(W, feat_shape, fname, fmt[:n_feat])
    out_size = W.shape[0]
    if b.size != out_size or sum(1 for n in b.shape if n != 1) > 1:
        raise ValueError(f"{fname}: bias must have {out_size} elements (outputSize x 1); "
                         f"bias has size {_formats.describe(b._fmt, b.shape)}")
    rest_fmt = "".join(lab for lab in fmt[n_feat:] if lab != "U")
    rest_shape = tuple(n for lab, n in zip(fmt[n_feat:], X.shape[n_feat:]) if lab != "U")
    Xf = X._relabelled()
    if n_feat > 1:   # MATLAB flattens S1, S2, ..., C with S1 fastest
        Xf = bind(_transpose, [Xf], "", perm=tuple(reversed(range(n_feat)))
                  + tuple(range(n_feat, X.ndim)))
    Xf = reshaped(Xf, (input_size, math.prod(rest_shape)))
    Y = matmul(Wf, Xf)
    Y = Y + reshaped(b._relabelled(), (out_size, 1))
    Y = reshaped(Y, (out_size,) + rest_shape)
    out_fmt = "C" + rest_fmt
    if user_fmt is None:
        return Y._relabelled(out_fmt)
    perm = _formats.user_order(user_fmt, out_fmt)
    if perm != tuple(range(len(perm))):
        Y = bind(_transpose, [Y], "", perm=perm)
    return Y
