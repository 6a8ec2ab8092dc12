"""Loss functions on DLArray with MATLAB's definitions and normalization:
crossentropy, indexcrossentropy, mse, l1loss, l2loss, huber.

Shared rules and name-value options (MathWorks' pages for crossentropy, l1loss,
l2loss and huber say the same; indexcrossentropy follows them; mse takes only
DataFormat).  Each loss's help lists its options in brief; this is the detail:

* ``Y`` is a formatted DLArray, or unformatted with ``DataFormat``.  ``targets``
  (and a ``Mask`` or full-size ``weights``) that are unformatted take Y's
  format -- or ``DataFormat``, applied as ``dlarray(X, DataFormat)`` does, so
  they are given in the same dimension order as Y; formatted ones must carry
  Y's labels.
* Per element: loss_j; the reduced loss is ``sum_j m_j w_j loss_j / N`` with
  ``m`` the mask, ``w`` the weights and ``N`` from ``NormalizationFactor``:
  "batch-size" (default; the size of the "B" dimension, 1 without one -- time
  steps are summed, not averaged), "all-elements" (the number of elements of
  Y), "mask-included" (each observation's masked loss sum divided by the
  number of elements its mask includes, then summed over the observations; it
  needs a Mask) or "none" (N = 1).  Option values match as MATLAB's
  validatestring does: case-insensitively, an unambiguous start is enough
  ("batch" means "batch-size").
* ``Mask``: which elements count, 1 (or true) to include, 0 to leave out: an
  array of Y's size, or one that expands to it (each dimension Y's size or 1,
  e.g. 1 x B to mask whole observations, or the mask of ``padsequences``).
  Default None: every element counts.
* ``Reduction="none"`` returns ``m_j w_j loss_j`` unreduced, formatted like Y
  (an unformatted Y gives an unformatted result in Y's dimension order).
* ``weights``: class weights (a "C" vector), observation weights (a "B"
  vector), or one weight per element; give the labels with a formatted
  DLArray or ``WeightsFormat``.  An unformatted ``weights`` without
  ``WeightsFormat`` must have Y's size.  Weights may be traced (their gradient
  is computed); masks are constants.
* The result is an unformatted scalar (0-d) DLArray, traced when an input is.
"""
from __future__ import annotations

import math

import numpy as np

from ..core import formats as _formats
from ..core.arguments import as_array, came, name_value_pairs
from ..core import elementwise as _ew
from ..core import operands as _operands
from ..core import reduction as _red
from ..core import shape as _shape
from .activations import _in_user_order, _real_scalar
from ..core.create import labelled
from ..core.backend import array_namespace, is_array
from ..core.create import as_dlarray, stripdims
from ..core import options as V
from ..core.dlarray import DLArray
from ..core.options import choose
from ..core.operands import _as_float
from ..core.structural import _broadcast_to, _getitem
from ..core.registry import bind



def _describe(X):
    return _formats.describe(X._fmt, X.shape)


def _raw_shape(A, fname="", argname=""):
    if hasattr(A, "shape"):
        return tuple(A.shape)
    return as_array(A, fname, argname).shape if isinstance(A, (list, tuple)) else np.shape(A)


# ==========================================================================
# Preparing the operands
# ==========================================================================

def _predictions(Y, DataFormat, fname):
    """(Y formatted and floating, the user's DataFormat or None, Y's own shape)."""
    shape = _raw_shape(Y, fname, "Y")
    Yf, user_fmt = labelled(Y, DataFormat, fname, "Y")
    return _as_float(Yf, fname, "Y"), user_fmt, shape


def _with_format(A, fmt, fname, argname, hint=""):
    try:
        return as_dlarray(A, fmt)
    except (ValueError, TypeError) as e:
        raise type(e)(f"{fname}: {argname} of size "
                      f"{_formats.describe('', _raw_shape(A, fname, argname))} "
                      f"does not fit format {fmt!r}{hint}: {e}") from None


def _like_Y(A, Y, user_fmt, fname, argname, own_fmt=None, hint=""):
    """``A`` labelled: formatted ones keep their labels; unformatted ones take
    ``own_fmt`` (WeightsFormat), else DataFormat, else Y's format."""
    if isinstance(A, DLArray) and A._fmt:
        if own_fmt is not None:
            raise ValueError(f"{fname}: {argname} is formatted ({A._fmt!r}); WeightsFormat is "
                             f"only for unformatted {argname}")
        return A
    if own_fmt is not None:
        own_fmt = _formats.check_format(own_fmt, f"{fname}: WeightsFormat")
    return _with_format(A, own_fmt or user_fmt or Y._fmt, fname, argname, hint)


def _targets(T, Y, user_fmt, fname):
    T = _as_float(_like_Y(T, Y, user_fmt, fname, "targets"), fname, "targets")
    if T._fmt != Y._fmt or T.shape != Y.shape:
        raise ValueError(f"{fname}: targets has size {_describe(T)} but Y has {_describe(Y)}")
    return T


def _expands_to(A, Y, fname, argname, hint=""):
    """Check that A's labels are Y's and each size is Y's or 1."""
    try:
        fmt, shape, _ = _formats.align([(Y._fmt, Y.shape), (A._fmt, A.shape)], fname)
    except ValueError:
        fmt, shape = None, None
    if fmt != Y._fmt or shape != Y.shape:
        raise ValueError(f"{fname}: {argname} has size {_describe(A)} but Y has {_describe(Y)}; "
                         f"each dimension of {argname} must be one of Y's, of Y's size or 1"
                         + hint)


_WEIGHTS_HINT = ("; for class or observation weights give a formatted dlarray "
                 "(dlarray(w, 'C')) or WeightsFormat='C' (or 'B')")


def _weights(W, Y, user_fmt, WeightsFormat, fname):
    if W is None:
        if WeightsFormat is not None:
            raise ValueError(f"{fname}: WeightsFormat was given without weights")
        return None
    W = _like_Y(W, Y, user_fmt, fname, "weights", WeightsFormat, _WEIGHTS_HINT)
    W = _as_float(W, fname, "weights")
    _expands_to(W, Y, fname, "weights", _WEIGHTS_HINT if WeightsFormat is None else "")
    return W


def _const_mask(M, dtype):
    """A mask as an untraced floating DLArray (masks get no gradient)."""
    data = M._data.astype(dtype, copy=False)
    return DLArray._new(data, M._fmt)


def _mask(M, Y, user_fmt, fname):
    if M is None:
        return None
    M = _like_Y(M, Y, user_fmt, fname, "Mask")
    _expands_to(M, Y, fname, "Mask")
    return _const_mask(M, Y.dtype)


def _options(fname, Reduction, NormalizationFactor):
    return (choose(Reduction, V.LOSS_REDUCTIONS, fname, "Reduction"),
            choose(NormalizationFactor, V.LOSS_NORMALIZATIONS, fname, "NormalizationFactor"))


# ==========================================================================
# Reducing and normalizing
# ==========================================================================

def _finish(L, M, fname, reduction, norm, n_obs, n_all, user_fmt, shape):
    """Mask, then reduce ``L`` (formatted, Y's labels) and normalize."""
    if M is not None:
        L = L * M
    if reduction == "none":
        return L if user_fmt is None else _in_user_order(L, user_fmt, shape)
    if norm == "mask-included":
        if M is None:
            raise ValueError(f"{fname}: NormalizationFactor 'mask-included' needs a Mask")
        # Each observation's loss divided by the number of elements its mask
        # includes (an observation with none included contributes 0), then summed.
        xp = array_namespace(L._data)
        _, _, (_, aligned) = _formats.align([(L._fmt, L.shape), (M._fmt, M.shape)], fname)
        full = xp.broadcast_to(M._data.reshape(aligned), L.shape) != 0
        others = tuple(i for i, lab in enumerate(L._fmt) if lab != "B")
        count = full.sum(axis=others, keepdims=True).astype(L.dtype)
        count = xp.where(count == 0, 1, count).astype(L.dtype)
        per_obs = _red.sum(L, list(others)) if others else L
        total = _red.sum(per_obs / DLArray._new(count, L._fmt), "all")
    else:
        total = _red.sum(L, "all")
        if norm == "batch-size" and n_obs != 1:
            total = total / float(n_obs)
        elif norm == "all-elements":
            total = total / float(n_all)
    return _shape.reshape(total, ())


def _n_obs(Y):
    return int(np.prod([Y.shape[a] for a in _formats.find(Y._fmt, "B")]))


def _elementwise_loss(fname, Y, targets, weights, Mask, Reduction, NormalizationFactor,
                      DataFormat, WeightsFormat, per_element):
    reduction, norm = _options(fname, Reduction, NormalizationFactor)
    Yf, user_fmt, shape = _predictions(Y, DataFormat, fname)
    T = _targets(targets, Yf, user_fmt, fname)
    W = _weights(weights, Yf, user_fmt, WeightsFormat, fname)
    M = _mask(Mask, Yf, user_fmt, fname)
    L = per_element(Yf, T)
    if W is not None:
        L = L * W
    return _finish(L, M, fname, reduction, norm, _n_obs(Yf), Yf.size, user_fmt, shape)


# ==========================================================================
# Cross-entropy
# ==========================================================================

def _log_bounded(P):
    """log(max(P, eps)): MATLAB bounds probabilities away from zero by the eps of
    their type before the log, so a zero prediction gives a large finite loss."""
    eps = float(np.finfo(P.dtype).eps)
    return _ew.log(_red.max(P, eps))


def _check_probabilities(Y, fname):
    """crossentropy's Y must hold probabilities: a value outside [0, 1] (beyond a rounding
    tolerance of 64 eps of Y's type) is an error, not a silently wrong loss."""
    data = Y._data if isinstance(Y, DLArray) else Y
    if not hasattr(data, "dtype"):
        data = as_array(data, fname, "Y")
    if data.dtype.kind != "f" or data.size == 0:
        return
    xp = array_namespace(data)
    tol = 64 * float(np.finfo(data.dtype).eps)
    bad = (data < -tol) | (data > 1 + tol)
    if bool(xp.any(bad)):
        flat = bad.ravel()
        i = int(xp.argmax(flat))
        value = float(data.ravel()[i])
        raise ValueError(f"{fname}: Y must hold probabilities in [0, 1] (e.g. softmax or sigmoid "
                         f"outputs); Y has {value!r} at linear index {i} (its first value "
                         "outside [0, 1])")


# https://www.mathworks.com/help/deeplearning/ref/dlarray.crossentropy.html
# Single-label: loss_j = -T_j log(Y_j); multilabel: loss_j = -(T_j log(Y_j) +
# (1 - T_j) log(1 - Y_j)); reduced as sum_j m_j w_j loss_j / N with N from
# NormalizationFactor ("batch-size" by default: the number of observations, so
# for "CBT" data the time steps are summed per observation).  Options:
# ClassificationMode "single-label" | "multilabel" (R2024a+), the older
# TargetCategories "exclusive" | "independent", Mask, Reduction,
# NormalizationFactor, DataFormat, WeightsFormat.
# Not on the page: MATLAB's implementation bounds Y (and 1 - Y) below by
# eps(class(Y)) before the log (its internal boundAwayFromZero, as in
# classificationLayer; recalled from MATLAB's source, not checked here).  Done
# here too: a zero probability gives a large finite loss, and the gradient is 0
# where a probability is below eps.  The page says
# "all-elements" divides by "the number of elements of Y" (channels included)
# and "mask-included" divides "the loss values by the number of included
# elements specified by the mask for each observation independently"; both are
# implemented literally (mask-included: sum over observations of each one's
# masked loss sum / its mask count, with no further division by the number of
# observations).
@name_value_pairs(2)
def crossentropy(Y, targets, weights=None, *, ClassificationMode=None, TargetCategories=None,
                 Mask=None, Reduction="sum", NormalizationFactor="batch-size", DataFormat=None,
                 WeightsFormat=None):
    """Cross-entropy loss for classification, MATLAB's ``crossentropy``.

    Syntax::

        loss = dl.crossentropy(Y, targets)
        loss = dl.crossentropy(Y, targets, weights)
        loss = dl.crossentropy(..., Name=Value)   # or MATLAB's ..., "Name", Value

    Per element, single-label: ``-T log(Y)``; multilabel: ``-(T log(Y) + (1 - T)
    log(1 - Y))``, with Y (and 1 - Y) bounded below by eps of its type first, so
    a zero probability gives a large finite loss; then masked, weighted, summed
    and divided by the NormalizationFactor.

    Arguments:
        Y: predicted probabilities (e.g. softmax output): a formatted dlarray,
            or an unformatted dlarray or numeric array with DataFormat.
        targets: one-hot (single-label) or 0/1 (multilabel) targets of Y's
            size; unformatted targets are in Y's (or DataFormat's) order.
        weights: default None; class weights (a "C" vector), observation
            weights (a "B" vector) or one weight per element: a formatted
            dlarray, or numeric with WeightsFormat (or Y's size).

    Name-value options:
        ClassificationMode: "single-label" (default: one class per
            observation) or "multilabel" (independent classes, binary
            cross-entropy).
        TargetCategories: MATLAB's older name of the same choice: "exclusive"
            (= "single-label") or "independent" (= "multilabel"); default
            None.  Both given and disagreeing is an error.
        Mask: default None; 0/1 of Y's size or expandable to it.
        Reduction: "sum" (default) or "none" (the unreduced masked, weighted
            loss of each element, formatted like Y).
        NormalizationFactor: "batch-size" (default), "all-elements",
            "mask-included" or "none".
        DataFormat: labels of an unformatted Y (and its unformatted targets,
            Mask, weights), e.g. "CB"; default None.
        WeightsFormat: labels of an unformatted weights, e.g. "C" or "B";
            default None.

    Returns loss, an unformatted 0-d dlarray (MATLAB's 1 x 1), traced when an
    input is.  The shared rules in full: ``help(dlarr.functions.losses)``.

    Example::

        Y = dl.softmax(dl.dlarray(np.array([[2.0, 0.1, 0.3], [0.5, 1.5, 0.2],
                                            [0.1, 0.3, 2.5]]), "CB"))
        T = np.eye(3)                                   # classes 0, 1, 2
        loss = dl.crossentropy(Y, T)                    # 0.3150
        lw = dl.crossentropy(Y, T, np.array([1.0, 2.0, 1.0]), WeightsFormat="C")
        each = dl.crossentropy(Y, T, Reduction="none")  # 3(C) x 3(B)
    """
    fname = "crossentropy"
    mode = "single-label"
    if ClassificationMode is not None:
        mode = choose(ClassificationMode, V.CLASSIFICATION_MODES, fname, "ClassificationMode")
    if TargetCategories is not None:
        tc = choose(TargetCategories, V.TARGET_CATEGORIES, fname, "TargetCategories")
        tmode = "single-label" if tc == "exclusive" else "multilabel"
        if ClassificationMode is not None and tmode != mode:
            raise ValueError(f"{fname}: ClassificationMode {mode!r} and TargetCategories "
                             f"{tc!r} disagree; give only one of them")
        mode = tmode

    _check_probabilities(Y, fname)

    def per_element(P, T):
        if mode == "single-label":
            return -(T * _log_bounded(P))
        return -(T * _log_bounded(P) + (1.0 - T) * _log_bounded(1.0 - P))

    return _elementwise_loss(fname, Y, targets, weights, Mask, Reduction, NormalizationFactor,
                             DataFormat, WeightsFormat, per_element)



def _index_shaped(A, Y, user_fmt, caxis, fname, argname):
    """Raw data of ``A`` (targets or Mask) in Y's canonical order with a
    singleton "C": A may have Y's format with "C" of size 1, or lack "C"."""
    want = Y.shape[:caxis] + (1,) + Y.shape[caxis + 1:]
    no_c = Y._fmt[:caxis] + Y._fmt[caxis + 1:]
    expected = (f"{_formats.describe(Y._fmt, want)} (Y's size with a singleton 'C') or "
                f"{_formats.describe(no_c, want[:caxis] + want[caxis + 1:]) or 'a scalar'} "
                "(without 'C')")
    data = A._data if isinstance(A, DLArray) else A
    if not is_array(data):
        data = as_array(data, fname, argname)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{fname}: {argname} must be numeric, not {came(A)}")
    xp = array_namespace(data)
    if isinstance(A, DLArray) and A._fmt:
        if A._fmt == Y._fmt and A.shape == want:
            return data
        if A._fmt == no_c and A.shape == want[:caxis] + want[caxis + 1:]:
            return data.reshape(want)
        raise ValueError(f"{fname}: {argname} has size {_describe(A)}; expected {expected}")
    fmt = user_fmt or Y._fmt
    for f, target in ((fmt, want), (fmt.replace("C", "", 1), want[:caxis] + want[caxis + 1:])):
        try:
            labelled, perm, _ = _formats.fit_format(data.shape, f)
        except ValueError:
            continue
        got = tuple(labelled[p] for p in perm)
        # fit_format's vector rules add or drop singleton "U"s: compare without trailing 1s
        if _formats.without_trailing_ones(got) == _formats.without_trailing_ones(target):
            return xp.transpose(data.reshape(labelled), perm).reshape(want)
    raise ValueError(f"{fname}: {argname} has size {_formats.describe('', data.shape)}; "
                     f"expected {expected}, in the dimension order of "
                     f"{'DataFormat' if user_fmt else 'Y'} ({fmt!r})")


# https://www.mathworks.com/help/deeplearning/ref/dlarray.indexcrossentropy.html (R2024b)
# loss_j = -log(Y[targets_j, j]) at each position j of the non-channel
# dimensions, reduced like crossentropy (the page's example: 5(C) x 7(B)
# predictions, 1 x 7 targets, the default normalization divides by 7).
# Class indices are 0-based here (0..K-1), as every index in dlarr; MATLAB's are
# 1-based.  The page's option list could not be read: weights, WeightsFormat,
# Reduction and NormalizationFactor follow crossentropy, so that
# indexcrossentropy(Y, t) equals crossentropy(Y, onehot(t)) for every option
# ("all-elements" divides by numel(Y), channels included).  A Mask here has
# the targets' size (one value per position) and "mask-included" divides each
# observation's loss by the number of positions its mask includes.
@name_value_pairs(2)
def indexcrossentropy(Y, targets, weights=None, *, Mask=None, Reduction="sum",
                      NormalizationFactor="batch-size", DataFormat=None, WeightsFormat=None):
    """Cross-entropy against class indices, MATLAB's ``indexcrossentropy``
    ("sparse" cross-entropy).

    Syntax::

        loss = dl.indexcrossentropy(Y, targets)
        loss = dl.indexcrossentropy(Y, targets, weights)
        loss = dl.indexcrossentropy(..., Name=Value)   # or ..., "Name", Value

    Per position j ``-log(Y[targets_j, j])`` (Y bounded below by eps), reduced
    as crossentropy is: equal to ``crossentropy(Y, onehot(targets))``.

    Arguments:
        Y: predicted probabilities with a "C" dimension of K classes: a
            formatted dlarray, or unformatted with DataFormat.
        targets: 0-based class indices (0..K-1; MATLAB's are 1..K), integers
            (or whole floats) of Y's size with a singleton or missing "C"
            (e.g. a length-B vector for "CB" data).
        weights: default None; class weights (a "C" vector of K: each position
            gets its target class's weight), observation weights ("B") or one
            per element; formatted, or with WeightsFormat.

    Name-value options:
        Mask: default None; the targets' size (one value per position), 0/1.
        Reduction: "sum" (default) or "none" (per position, Y's format with a
            singleton "C").
        NormalizationFactor: "batch-size" (default), "all-elements" (numel(Y),
            channels included), "mask-included" or "none".
        DataFormat: labels of an unformatted Y (and targets, Mask, weights).
        WeightsFormat: labels of an unformatted weights, e.g. "C"; default None.

    Returns loss, an unformatted 0-d dlarray (rules: ``help(dlarr.functions.losses)``).

    Example::

        Y = dl.softmax(dl.dlarray(np.array([[2.0, 0.1], [0.5, 1.5], [0.1, 0.3]]), "CB"))
        loss = dl.indexcrossentropy(Y, np.array([0, 1]))
        lm = dl.indexcrossentropy(Y, np.array([0, 1]), Mask=np.array([1, 0]))
    """
    fname = "indexcrossentropy"
    reduction, norm = _options(fname, Reduction, NormalizationFactor)
    Yf, user_fmt, _ = _predictions(Y, DataFormat, fname)
    cax = _formats.find(Yf._fmt, "C")
    if not cax:
        raise ValueError(f"{fname}: Y (format {Yf._fmt!r}) has no 'C' (channel) dimension "
                         "to index")
    caxis = cax[0]
    K = Yf.shape[caxis]
    t = _index_shaped(targets, Yf, user_fmt, caxis, fname, "targets")
    xp = array_namespace(Yf._data, t)
    if t.dtype.kind not in "iub" and not bool(xp.all(t == xp.floor(t))):
        raise ValueError(f"{fname}: targets must be integer class indices (0-based)")
    t = t.astype(np.int64)
    if t.size and (int(t.min()) < 0 or int(t.max()) >= K):
        raise ValueError(f"{fname}: targets must be 0-based class indices in 0..{K - 1} "
                         f"(Y has {K} channels); they range over {int(t.min())}..{int(t.max())}")
    key = tuple(t if i == caxis else
                xp.arange(n).reshape((1,) * i + (n,) + (1,) * (Yf.ndim - i - 1))
                for i, n in enumerate(Yf.shape))
    L = -_log_bounded(bind(_getitem, [Yf], Yf._fmt, key=key))
    W = _weights(weights, Yf, user_fmt, WeightsFormat, fname)
    if W is not None:
        if W._fmt and "C" in W._fmt and W.shape[_formats.find(W._fmt, "C")[0]] > 1:
            # per-class weights: pick each position's target-class weight
            _, Wa = _operands._align([Yf, W], fname)[1]
            Wb = bind(_broadcast_to, [Wa], "", shape=Yf.shape)
            W = bind(_getitem, [Wb], Yf._fmt, key=key)
        L = L * W
    M = None
    if Mask is not None:
        m = _index_shaped(Mask, Yf, user_fmt, caxis, fname, "Mask")
        M = DLArray._new(xp.asarray(m).astype(L.dtype), Yf._fmt)
    if reduction == "none" and user_fmt is not None:
        if M is not None:
            L = L * M
        return stripdims(L, user_fmt)
    return _finish(L, M, fname, reduction, norm, _n_obs(Yf), Yf.size, None, None)


# ==========================================================================
# Regression losses
# ==========================================================================

# https://www.mathworks.com/help/deeplearning/ref/dlarray.mse.html
# Half mean squared error: loss = 1/(2N) * sum_{i=1}^{M} (Y_i - T_i)^2, M the
# number of responses (all elements of Y), N the number of observations (the
# "B" size; 1 without a "B" dimension, so time steps and spatial positions are
# summed, not averaged).  The only option is DataFormat.
@name_value_pairs(2)
def mse(Y, targets, *, DataFormat=None):
    """Half mean squared error for regression, MATLAB's ``mse``.

    Syntax::

        loss = dl.mse(Y, targets)
        loss = dl.mse(Y, targets, DataFormat="CB")   # MATLAB: mse(Y, targets, DataFormat="CB")

    ``loss = sum((Y - targets).^2, "all") / (2 N)``, N the number of
    observations (the size of "B", 1 without one: time steps and spatial
    positions are summed, not averaged).

    Arguments:
        Y: predictions, a formatted dlarray, or an unformatted dlarray or
            numeric array with DataFormat.
        targets: of Y's size; unformatted targets are in Y's (or
            DataFormat's) dimension order.

    Name-value options:
        DataFormat: labels of an unformatted Y (and unformatted targets), e.g.
            "CB"; default None.  mse has no weights, Mask, Reduction or
            NormalizationFactor (l2loss has them, without the 1/2).

    Returns loss, an unformatted 0-d dlarray (MATLAB's 1 x 1), traced when an
    input is.

    Example::

        Y = dl.dlarray(np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]]), "CB")
        T = np.array([[1.5, 2.0, 1.0], [0.0, 0.0, 4.0]])
        loss = dl.mse(Y, T)                          # (0.25 + 4 + 1) / (2*3) = 0.875
        same = dl.mse(dl.extractdata(Y), T, DataFormat="CB")   # Y unformatted: 0.875
    """
    fname = "mse"
    Yf, user_fmt, _ = _predictions(Y, DataFormat, fname)
    T = _targets(targets, Yf, user_fmt, fname)
    D = Yf - T
    n = _n_obs(Yf)                    # no observations: 0/0, NaN, as MATLAB's
    return _shape.reshape(_red.sum(D * D, "all") * (0.5 / n if n else math.nan), ())


# https://www.mathworks.com/help/deeplearning/ref/dlarray.l1loss.html
# loss_j = |Y_j - T_j|, reduced as sum_j m_j w_j loss_j / N ("batch-size" default).
@name_value_pairs(2)
def l1loss(Y, targets, weights=None, *, Mask=None, Reduction="sum",
           NormalizationFactor="batch-size", DataFormat=None, WeightsFormat=None):
    """L1 loss for regression, MATLAB's ``l1loss``.

    Syntax::

        loss = dl.l1loss(Y, targets)
        loss = dl.l1loss(Y, targets, weights)
        loss = dl.l1loss(..., Name=Value)   # or MATLAB's ..., "Name", Value

    Per element ``abs(Y - targets)``, masked, weighted, summed and divided by N
    (NormalizationFactor): with the defaults the absolute errors summed over
    the responses and averaged over the observations.

    Arguments:
        Y: predictions, a formatted dlarray, or unformatted with DataFormat.
        targets: of Y's size, in Y's (or DataFormat's) dimension order.
        weights: default None; per-channel ("C"), per-observation ("B") or
            per-element weights; formatted, or with WeightsFormat.

    Name-value options:
        Mask: default None; 0/1 of Y's size or expandable to it.
        Reduction: "sum" (default) or "none" (per element, formatted like Y).
        NormalizationFactor: "batch-size" (default), "all-elements",
            "mask-included" or "none".
        DataFormat: labels of an unformatted Y (and unformatted targets,
            Mask, weights); default None.
        WeightsFormat: labels of an unformatted weights; default None.

    Returns loss, an unformatted 0-d dlarray.  The shared rules in full:
    ``help(dlarr.functions.losses)``.

    Example::

        Y = dl.dlarray(np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]]), "CB")
        T = np.array([[1.5, 2.0, 1.0], [0.0, 0.0, 4.0]])
        loss = dl.l1loss(Y, T)                                  # 3.5 / 3
        lm = dl.l1loss(Y, T, Mask=np.array([[1, 1, 0]]), NormalizationFactor="mask-included")
    """
    return _elementwise_loss("l1loss", Y, targets, weights, Mask, Reduction,
                             NormalizationFactor, DataFormat, WeightsFormat,
                             lambda P, T: _ew.abs(P - T))


# https://www.mathworks.com/help/deeplearning/ref/dlarray.l2loss.html
# loss_j = (Y_j - T_j)^2 (no 1/2, unlike mse), reduced as sum_j m_j w_j loss_j / N;
# with the defaults "the computed value is known as the mean squared error".
@name_value_pairs(2)
def l2loss(Y, targets, weights=None, *, Mask=None, Reduction="sum",
           NormalizationFactor="batch-size", DataFormat=None, WeightsFormat=None):
    """L2 loss for regression, MATLAB's ``l2loss``.

    Syntax::

        loss = dl.l2loss(Y, targets)
        loss = dl.l2loss(Y, targets, weights)
        loss = dl.l2loss(..., Name=Value)   # or MATLAB's ..., "Name", Value

    Per element ``(Y - targets).^2`` (no 1/2, unlike mse), masked, weighted,
    summed and divided by N (NormalizationFactor): with the defaults, the mean
    squared error over the observations.

    Arguments:
        Y: predictions, a formatted dlarray, or unformatted with DataFormat.
        targets: of Y's size, in Y's (or DataFormat's) dimension order.
        weights: default None; per-channel ("C"), per-observation ("B") or
            per-element weights; formatted, or with WeightsFormat.

    Name-value options:
        Mask: default None; 0/1 of Y's size or expandable to it.
        Reduction: "sum" (default) or "none" (per element, formatted like Y).
        NormalizationFactor: "batch-size" (default), "all-elements",
            "mask-included" or "none".
        DataFormat: labels of an unformatted Y (and unformatted targets,
            Mask, weights); default None.
        WeightsFormat: labels of an unformatted weights; default None.

    Returns loss, an unformatted 0-d dlarray.  The shared rules in full:
    ``help(dlarr.functions.losses)``.

    Example::

        Y = dl.dlarray(np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]]), "CB")
        T = np.array([[1.5, 2.0, 1.0], [0.0, 0.0, 4.0]])
        loss = dl.l2loss(Y, T)                                  # 5.25 / 3 = 1.75
        lw = dl.l2loss(Y, T, np.array([1.0, 0.0, 1.0]), WeightsFormat="B")
    """
    def per_element(P, T):
        D = P - T
        return D * D
    return _elementwise_loss("l2loss", Y, targets, weights, Mask, Reduction,
                             NormalizationFactor, DataFormat, WeightsFormat, per_element)


# https://www.mathworks.com/help/deeplearning/ref/dlarray.huber.html
# loss_j = (Y_j - T_j)^2 / 2 where |Y_j - T_j| <= delta, delta |Y_j - T_j| - delta^2 / 2
# elsewhere (delta = TransitionPoint, default 1: smooth L1), reduced as
# sum_j m_j w_j loss_j / N.
@name_value_pairs(2)
def huber(Y, targets, weights=None, *, TransitionPoint=1.0, Mask=None, Reduction="sum",
          NormalizationFactor="batch-size", DataFormat=None, WeightsFormat=None):
    """Huber loss for regression, MATLAB's ``huber``.

    Syntax::

        loss = dl.huber(Y, targets)
        loss = dl.huber(Y, targets, weights)
        loss = dl.huber(..., Name=Value)   # or MATLAB's ..., "Name", Value

    Per element, with ``a = abs(Y - targets)`` and ``d = TransitionPoint``:
    ``a^2 / 2`` where a <= d, ``d a - d^2 / 2`` beyond (quadratic near the
    target, linear far from it; d = 1 is the smooth L1 loss); then masked,
    weighted, summed and divided by N (NormalizationFactor).

    Arguments:
        Y: predictions, a formatted dlarray, or unformatted with DataFormat.
        targets: of Y's size, in Y's (or DataFormat's) dimension order.
        weights: default None; per-channel ("C"), per-observation ("B") or
            per-element weights; formatted, or with WeightsFormat.

    Name-value options:
        TransitionPoint: where the loss turns linear, a positive scalar;
            default 1.
        Mask: default None; 0/1 of Y's size or expandable to it.
        Reduction: "sum" (default) or "none" (per element, formatted like Y).
        NormalizationFactor: "batch-size" (default), "all-elements",
            "mask-included" or "none".
        DataFormat: labels of an unformatted Y (and unformatted targets,
            Mask, weights); default None.
        WeightsFormat: labels of an unformatted weights; default None.

    Returns loss, an unformatted 0-d dlarray.  The shared rules in full:
    ``help(dlarr.functions.losses)``.

    Example::

        Y = dl.dlarray(np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]]), "CB")
        T = np.array([[1.5, 2.0, 1.0], [0.0, 0.0, 4.0]])
        loss = dl.huber(Y, T)                          # (0.125 + 1.5 + 0.5) / 3
        l2 = dl.huber(Y, T, TransitionPoint=0.5)
    """
    fname = "huber"
    delta = _real_scalar(TransitionPoint, fname, "TransitionPoint", positive=True)

    def per_element(P, T):
        a = _ew.abs(P - T)
        q = _red.min(a, delta)               # = a inside the transition point
        return 0.5 * q * q + delta * (a - q)

    return _elementwise_loss(fname, Y, targets, weights, Mask, Reduction, NormalizationFactor,
                             DataFormat, WeightsFormat, per_element)
