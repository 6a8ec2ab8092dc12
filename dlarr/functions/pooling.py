"""maxpool and avgpool: MATLAB's pooling operations (1-D, 2-D, 3-D, and global).

Each pool is a primitive on the data in canonical layout that loops over the taps
of the pooling window (``prod(poolsize)`` iterations, each an operation on whole
strided views: never a loop over positions or observations):

* ``maxpool`` keeps, per output, the maximum and the tap that gave it (its
  residual, a small integer array); its derivative ``maxpool_scatter`` sends each
  output gradient to that input, and ``maxpool_gather`` (picking the winning
  input of every window) is the derivative of the scatter, and the scatter of the
  gather, so second derivatives work;
* ``avgpool`` sums the window and divides by its size (``PaddingValue`` 0: the
  padding counts) or by the number of inputs in it ("mean"); its derivative
  ``avgpool_adjoint`` spreads each output gradient over the window, and the
  derivative of that is ``avgpool`` again.

The "global" forms reduce the pooled dimensions with dlarr's ``max`` and ``sum``
reductions.  The padding of maxpool never wins (it is ``-Inf``), as in MATLAB.

MathWorks pages:
  https://www.mathworks.com/help/deeplearning/ref/dlarray.maxpool.html
  https://www.mathworks.com/help/deeplearning/ref/dlarray.avgpool.html
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..core.arguments import came, name_value_pairs
from ..core.backend import array_namespace
from ..core.create import labelled
from ..core.operands import _as_float
from ..core.options import POOL_PADDINGS, AVGPOOL_PADDING_VALUES, POOL_SIZES, choose
from ..core.reduction import _amax, _sum
from ..core.registry import bind, primitive
from .windows import (Windows, check_output, int_vector, key, padding,
                      user_layout, window_axes)



def _geometry(x_shape, win):
    """The sizes along the pooled axes, the output sizes and the output's shape."""
    sizes = tuple(x_shape[a] for a in win.axes)
    out = win.out_sizes(sizes)
    shape = list(x_shape)
    for a, m in zip(win.axes, out):
        shape[a] = m
    return sizes, out, tuple(shape)


def _views(win, tap, ndim, sizes, out):
    """The output and input keys of one tap of the window."""
    outs, ins, _ = win.boxes(tap, sizes, out)
    return key(ndim, win.axes, outs), key(ndim, win.axes, ins)


# --------------------------------------------------------------------------
# maxpool and its derivatives
# --------------------------------------------------------------------------

def _maxpool_vjp(needs, g, ans, x, win, residual):
    return (bind(_maxpool_scatter, [g], "", win=win, idx=residual, x_shape=x.shape),)


@primitive("maxpool", _maxpool_vjp, residual=True)
def _maxpool(x, win):
    xp = array_namespace(x)
    sizes, out, shape = _geometry(x.shape, win)
    ntaps = math.prod(win.window)
    itype = np.int8 if ntaps < 127 else np.int16 if ntaps < 32767 else np.int32
    y = xp.full(shape, -np.inf, x.dtype)
    idx = xp.full(shape, -1, itype)                 # the winning tap of each window
    for t, tap in enumerate(win.taps()):
        ko, ki = _views(win, tap, x.ndim, sizes, out)
        xs, yv, iv = x[ki], y[ko], idx[ko]
        better = (xs > yv) | (iv < 0)               # the first tap of a window always counts
        xp.copyto(yv, xs, where=better)
        iv[better] = t
    return y, idx


def _maxpool_scatter_vjp(needs, h, ans, g, win, idx, x_shape):
    return (bind(_maxpool_gather, [h], "", win=win, idx=idx),)


@primitive("maxpool_scatter", _maxpool_scatter_vjp)
def _maxpool_scatter(g, win, idx, x_shape):
    """Each output gradient added to the input that won its window."""
    xp = array_namespace(g)
    x_shape = tuple(x_shape)
    sizes, out, _ = _geometry(x_shape, win)
    dx = xp.zeros(x_shape, g.dtype)
    for t, tap in enumerate(win.taps()):
        ko, ki = _views(win, tap, len(x_shape), sizes, out)
        dx[ki] += g[ko] * (idx[ko] == t)
    return dx


def _maxpool_gather_vjp(needs, g, ans, h, win, idx):
    return (bind(_maxpool_scatter, [g], "", win=win, idx=idx, x_shape=h.shape),)


@primitive("maxpool_gather", _maxpool_gather_vjp)
def _maxpool_gather(h, win, idx):
    """The input that won each window (the adjoint of the scatter)."""
    xp = array_namespace(h)
    sizes = tuple(h.shape[a] for a in win.axes)
    out = tuple(idx.shape[a] for a in win.axes)
    y = xp.zeros(idx.shape, h.dtype)
    for t, tap in enumerate(win.taps()):
        ko, ki = _views(win, tap, h.ndim, sizes, out)
        y[ko] += h[ki] * (idx[ko] == t)
    return y


# --------------------------------------------------------------------------
# avgpool and its derivative
# --------------------------------------------------------------------------

def _divisor(win, x_shape, mean, xp, dtype):
    """The number each window's sum is divided by: its size, or (``mean``) the number
    of inputs in it, an array of the output's shape (broadcast)."""
    if not mean:
        return float(math.prod(win.window))
    sizes, out, _ = _geometry(x_shape, win)
    div = np.ones((), np.float64)
    for j, a in enumerate(win.axes):
        start = np.arange(out[j]) * win.stride[j] - win.pads[j][0]
        count = np.minimum(start + win.window[j], sizes[j]) - np.maximum(start, 0)
        shape = [1] * len(x_shape)
        shape[a] = out[j]
        div = div * count.reshape(shape)
    return xp.asarray(div, dtype)


def _avgpool_vjp(needs, g, ans, x, win, mean):
    return (bind(_avgpool_adjoint, [g], "", win=win, mean=mean, x_shape=x.shape),)


@primitive("avgpool", _avgpool_vjp)
def _avgpool(x, win, mean):
    xp = array_namespace(x)
    sizes, out, shape = _geometry(x.shape, win)
    y = xp.zeros(shape, x.dtype)
    for tap in win.taps():
        ko, ki = _views(win, tap, x.ndim, sizes, out)
        y[ko] += x[ki]
    y /= _divisor(win, x.shape, mean, xp, x.dtype)
    return y


def _avgpool_adjoint_vjp(needs, h, ans, g, win, mean, x_shape):
    return (bind(_avgpool, [h], "", win=win, mean=mean),)


@primitive("avgpool_adjoint", _avgpool_adjoint_vjp)
def _avgpool_adjoint(g, win, mean, x_shape):
    """Each output gradient spread evenly over the inputs of its window."""
    xp = array_namespace(g)
    x_shape = tuple(x_shape)
    sizes, out, _ = _geometry(x_shape, win)
    gd = g / _divisor(win, x_shape, mean, xp, g.dtype)
    dx = xp.zeros(x_shape, g.dtype)
    for tap in win.taps():
        ko, ki = _views(win, tap, len(x_shape), sizes, out)
        dx[ki] += gd[ko]
    return dx


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------

def _pool_axes(X, PoolFormat, fname):
    """The axes to pool: X's "S" dimensions, or those PoolFormat names ("T", ...)."""
    if PoolFormat is None:
        n_s = X._fmt.count("S")
        if n_s == 0:
            raise ValueError(f"{fname}: X (format {X._fmt!r}) has no 'S' dimension, and "
                             f"{fname} pools over the 'S' dimensions unless PoolFormat says "
                             "otherwise: to pool over time give PoolFormat='T'")
        labels = "S" * n_s
    else:
        if not isinstance(PoolFormat, str) or not PoolFormat or set(PoolFormat) - set("ST"):
            raise ValueError(f"{fname}: PoolFormat must be the labels of the pooled "
                             f"dimensions, 'S' or 'T' (e.g. 'T', 'SS'), not {came(PoolFormat)}")
        labels = PoolFormat
    hint = f"give PoolFormat={'S' * X._fmt.count('S')!r} (all of them)"
    return window_axes(X._fmt, labels, fname, hint)


def _is_global(poolsize, fname):
    if isinstance(poolsize, str):
        choose(poolsize, POOL_SIZES, fname, "poolsize")
        return True
    return False


def _windows(X, axes, poolsize, Stride, Padding, fname):
    n = len(axes)
    window = int_vector(poolsize, n, fname, "poolsize")
    strides = int_vector(Stride, n, fname, "Stride")
    sizes = tuple(X.shape[a] for a in axes)
    pads = padding(Padding, window, sizes, strides, fname, POOL_PADDINGS)
    win = Windows(tuple(axes), window, strides, (1,) * n, pads)
    check_output(win, sizes, fname, "the pooling window")
    return win


def _global_options(fname, Stride, Padding, extra=()):
    given = [n for n, v, d in (("Stride", Stride, 1), ("Padding", Padding, 0)) + tuple(extra)
             if isinstance(v, (bool, np.bool_)) or not (isinstance(v, numbers.Real) and v == d)]
    if given:
        raise ValueError(f"{fname}: {given[0]} does not apply to global pooling "
                         f"({fname}(X, 'global') pools each whole dimension)")


def _result(Y, X, user_fmt):
    Y = Y._relabelled(X._fmt)
    return Y if user_fmt is None else user_layout(Y, user_fmt)


# --------------------------------------------------------------------------
# The public functions
# --------------------------------------------------------------------------

@name_value_pairs(2)
def maxpool(X, poolsize, *, Stride=1, Padding=0, DataFormat=None, PoolFormat=None):
    """Pool data to maximum value, MATLAB's ``maxpool``.

    Syntax::

        Y = dl.maxpool(X, poolsize)                  # MATLAB: Y = maxpool(X, poolsize)
        Y = dl.maxpool(X, "global")
        Y = dl.maxpool(X, poolsize, Stride=2, Padding="same")   # or ..., "Stride", 2, ...
        Y = dl.maxpool(X, poolsize, DataFormat="SSCB")
        Y = dl.maxpool(X, 3, PoolFormat="T")         # pool over time

    Divides X into pooling regions of ``poolsize`` along its "S" dimensions (up to
    three), or along "T" with ``PoolFormat="T"``, and gives the maximum of each
    region, per channel and observation.

    Input arguments:
        X: a formatted dlarray ("SCB", "SSCB", "SSSCB", "CBT", ...), or an unformatted
            dlarray or numeric array with DataFormat.
        poolsize: a positive integer (every pooled dimension), one per pooled
            dimension, or "global" (the whole of each pooled dimension).

    Name-value options (keywords, or MATLAB's positional pairs):
        Stride: step of the region along each pooled dimension: a positive integer,
            or one per dimension; default 1.
        Padding: 0 (default); a nonnegative integer (both sides); one per dimension
            (both sides); [before after] (1-D); a 2-by-d matrix [before; after]; or
            "same" (the output has ``ceil(inputSize / Stride)`` elements).  The
            padding is -Inf: it never wins; each side's padding is smaller than the
            pool size.
        DataFormat: labels of an unformatted X, e.g. "SSCB"; default None.
        PoolFormat: labels of the pooled dimensions, "T" (time) or "S"s; default None
            (X's "S" dimensions).

    Output arguments:
        Y: a dlarray of X's format with ``floor((inputSize + paddingBefore +
            paddingAfter - poolsize) / Stride) + 1`` elements along each pooled
            dimension (1 for "global"); unformatted, in X's order, for an unformatted
            X.  Differentiable: the gradient of each output goes to the input that
            won its region (the first of equal ones; "global" shares it among ties).

    Differences from MATLAB: the ``[Y, indx, inputSize]`` outputs (for
    ``maxunpool``) are not provided.  X without "S" dimensions needs PoolFormat="T"
    (an error otherwise, naming it).

    Example::

        X = dl.dlarray(np.random.rand(28, 28, 3, 16).astype("single"), "SSCB")
        Y = dl.maxpool(X, 2, Stride=2)            # 14(S) x 14(S) x 3(C) x 16(B)
        Yg = dl.maxpool(X, "global")              # 1(S) x 1(S) x 3(C) x 16(B)
        Xs = dl.dlarray(np.random.rand(12, 4, 50), "CBT")
        Ys = dl.maxpool(Xs, 3, PoolFormat="T", Padding="same")   # 12(C) x 4(B) x 50(T)
    """
    fname = "maxpool"
    X, user_fmt = labelled(X, DataFormat, fname)
    X = _as_float(X, fname)
    axes = _pool_axes(X, PoolFormat, fname)
    U = X._relabelled()
    if _is_global(poolsize, fname):
        _global_options(fname, Stride, Padding)
        return _result(bind(_amax, [U], "", axes=tuple(axes)), X, user_fmt)
    win = _windows(X, axes, poolsize, Stride, Padding, fname)
    for j, (pb, pa) in enumerate(win.pads):
        if max(pb, pa) >= win.window[j]:
            raise ValueError(f"{fname}: Padding ({pb} before, {pa} after along dimension "
                             f"{win.axes[j]}) must be smaller than the pool size "
                             f"{win.window[j]}: a region of padding only has no maximum")
    return _result(bind(_maxpool, [U], "", win=win), X, user_fmt)


@name_value_pairs(2)
def avgpool(X, poolsize, *, Stride=1, Padding=0, PaddingValue=0, DataFormat=None,
            PoolFormat=None):
    """Pool data to average values, MATLAB's ``avgpool``.

    Syntax::

        Y = dl.avgpool(X, poolsize)                  # MATLAB: Y = avgpool(X, poolsize)
        Y = dl.avgpool(X, "global")
        Y = dl.avgpool(X, poolsize, Stride=2, Padding="same", PaddingValue="mean")
        Y = dl.avgpool(X, poolsize, DataFormat="SSCB")
        Y = dl.avgpool(X, "global", PoolFormat="T")  # the mean over time

    Divides X into pooling regions of ``poolsize`` along its "S" dimensions (up to
    three), or along "T" with ``PoolFormat="T"``, and gives the average of each
    region, per channel and observation.

    Input arguments:
        X: a formatted dlarray ("SCB", "SSCB", "SSSCB", "CBT", ...), or an unformatted
            dlarray or numeric array with DataFormat.
        poolsize: a positive integer (every pooled dimension), one per pooled
            dimension, or "global" (the mean of each whole pooled dimension).

    Name-value options (keywords, or MATLAB's positional pairs):
        Stride: step of the region along each pooled dimension: a positive integer,
            or one per dimension; default 1.
        Padding: 0 (default); a nonnegative integer (both sides); one per dimension
            (both sides); [before after] (1-D); a 2-by-d matrix [before; after]; or
            "same" (the output has ``ceil(inputSize / Stride)`` elements).
        PaddingValue: 0 (default: the padding is zeros and counts in the average) or
            "mean" (the average of the inputs in the region only).
        DataFormat: labels of an unformatted X, e.g. "SSCB"; default None.
        PoolFormat: labels of the pooled dimensions, "T" (time) or "S"s; default None
            (X's "S" dimensions).

    Output arguments:
        Y: a dlarray of X's format with ``floor((inputSize + paddingBefore +
            paddingAfter - poolsize) / Stride) + 1`` elements along each pooled
            dimension (1 for "global"); unformatted, in X's order, for an unformatted
            X.  Differentiable (second derivatives too).

    Differences from MATLAB: X without "S" dimensions needs PoolFormat="T" (an error
    otherwise, naming it).

    Example::

        X = dl.dlarray(np.random.rand(28, 28, 3, 16).astype("single"), "SSCB")
        Y = dl.avgpool(X, 2, Stride=2)            # 14(S) x 14(S) x 3(C) x 16(B)
        Yg = dl.avgpool(X, "global")              # 1(S) x 1(S) x 3(C) x 16(B)
        Xs = dl.dlarray(np.random.rand(12, 4, 50), "CBT")
        Ym = dl.avgpool(Xs, "global", PoolFormat="T")            # 12(C) x 4(B) x 1(T)
    """
    fname = "avgpool"
    X, user_fmt = labelled(X, DataFormat, fname)
    X = _as_float(X, fname)
    axes = _pool_axes(X, PoolFormat, fname)
    mean = False
    if isinstance(PaddingValue, str):
        mean = choose(PaddingValue, AVGPOOL_PADDING_VALUES, fname, "PaddingValue") == "mean"
    elif isinstance(PaddingValue, (bool, np.bool_)) or not (
            isinstance(PaddingValue, (int, float, np.integer, np.floating)) and PaddingValue == 0):
        raise ValueError(f"{fname}: PaddingValue must be 0 or 'mean', not {came(PaddingValue)}")
    U = X._relabelled()
    if _is_global(poolsize, fname):
        _global_options(fname, Stride, Padding)
        count = math.prod(X.shape[a] for a in axes)
        S = bind(_sum, [U], "", axes=tuple(axes))
        return _result(S * (1.0 / count if count else math.nan), X, user_fmt)
    win = _windows(X, axes, poolsize, Stride, Padding, fname)
    return _result(bind(_avgpool, [U], "", win=win, mean=mean), X, user_fmt)
