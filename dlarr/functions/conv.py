"""dlconv: MATLAB's deep learning convolution (1-D, 2-D, 3-D; grouped and channel-wise).

The convolution is one primitive, ``dlconv``, on the data in dlarr's canonical
layout: an im2col copy of the (virtually padded) input, one row block per tap of
the filter (a loop over the ``filterSize`` taps, never over positions or
observations), then one matrix product per group (BLAS; a batched ``matmul`` for
grouped convolution).  Its derivatives are two primitives of the same kind,
``dlconv_input_grad`` (the transposed convolution: a product, then col2im) and
``dlconv_weights_grad`` (a product of the output gradient with the columns),
and the three are each other's derivatives, so second derivatives work too
(``EnableHigherDerivatives``).

Weights use MATLAB's layout, ``filterSize x numChannelsPerGroup x
numFiltersPerGroup x numGroups`` (numGroups 1: ``filterSize x numChannels x
numFilters``); output channel ``g * numFiltersPerGroup + f`` is filter ``f`` of
group ``g``.  Constant padding (``PaddingValue`` a number) is part of the im2col
copy; the symmetric and replicate paddings are gathers of X (recorded
``getitem``/``concat``) before a convolution without padding.

MathWorks page: https://www.mathworks.com/help/deeplearning/ref/dlarray.dlconv.html
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace

import numpy as np

from ..core import formats as _formats
from ..core.arguments import came, name_value_pairs
from ..core.backend import array_namespace
from ..core.create import as_dlarray, labelled
from ..core.dlarray import DLArray
from ..core.operands import _float_dtype, _to_dl, _xp
from ..core.options import CONV_PADDINGS, CONV_PADDING_VALUES, choose
from ..core.registry import bind, primitive
from ..core.structural import _concat, _getitem, _reshape, _transpose
from .lstm import _WS, _Residual
from .windows import (Windows, check_output, int_vector, key, padding,
                      user_layout, window_axes)

_NUMPY_PAD_MODE = {"symmetric-include-edge": "symmetric", "symmetric-exclude-edge": "reflect",
                   "replicate": "edge"}


@dataclass(frozen=True)
class ConvGeometry:
    """A convolution of data in canonical layout: its windows (``win``), the
    channel axis, and the value of the padding (the constant MATLAB's
    ``PaddingValue`` gives)."""
    win: Windows
    c_axis: int
    value: float = 0.0

    def perm(self, ndim):
        """The order the products use: channels, the other axes, the window's axes."""
        rest = tuple(a for a in range(ndim) if a != self.c_axis and a not in self.win.axes)
        return (self.c_axis,) + rest + tuple(self.win.axes)

    def split(self, x_shape):
        """``(perm, channels, other sizes, window-axis sizes, output sizes)``."""
        perm = self.perm(len(x_shape))
        n = len(self.win.axes)
        rest = tuple(x_shape[a] for a in perm[1:len(perm) - n])
        sizes = tuple(x_shape[a] for a in self.win.axes)
        return perm, x_shape[self.c_axis], rest, sizes, self.win.out_sizes(sizes)


# --------------------------------------------------------------------------
# Raw kernels (NumPy or CuPy arrays)
# --------------------------------------------------------------------------

def _matmul(a, b):
    """(G, m, k) @ (G, k, n): one BLAS product per group."""
    if a.shape[0] == 1:
        return (a[0] @ b[0])[None]
    return array_namespace(a, b).matmul(a, b)


def _weight_matrix(w, n):
    """MATLAB's (filter..., Cg, Fg, G) weights as (G, Fg, taps * Cg), tap-major."""
    G, Fg = w.shape[n + 2], w.shape[n + 1]
    order = (n + 2, n + 1) + tuple(range(n)) + (n,)
    return array_namespace(w).ascontiguousarray(w.transpose(order)).reshape(
        G, Fg, math.prod(w.shape[:n + 1]))


def _im2col(x, geo, G):
    """The columns of x: (G, taps * Cg, M), one row block per tap of the filter,
    M = the other sizes times the output sizes; padded positions hold geo.value."""
    xp = array_namespace(x)
    win = geo.win
    perm, C, rest, sizes, out = geo.split(x.shape)
    Cg = C // G
    xv = x.transpose(perm).reshape((G, Cg) + rest + sizes)
    cols = _WS.take(xp, (G,) + win.window + (Cg,) + rest + out, x.dtype)   # reused memory
    lead = (slice(None),) * (2 + len(rest))
    for tap in win.taps():
        outs, ins, borders = win.boxes(tap, sizes, out)
        dst = cols[(slice(None),) + tap]
        dst[lead + tuple(outs)] = xv[lead + tuple(ins)]
        for j, s in borders:
            dst[lead + (slice(None),) * j + (s,)] = geo.value
    return cols.reshape(G, math.prod(win.window) * Cg, math.prod(rest) * math.prod(out))


def _release(cols):
    """Columns from :func:`_im2col` back to the workspace (nothing may use them after)."""
    _WS.give(cols if cols.base is None else cols.base)


def _col2im(cols, geo, x_shape, G):
    """The adjoint of :func:`_im2col` (without its padding value): each column
    added back to the input position it was copied from."""
    xp = array_namespace(cols)
    win = geo.win
    perm, C, rest, sizes, out = geo.split(x_shape)
    Cg = C // G
    cols = cols.reshape((G,) + win.window + (Cg,) + rest + out)
    dx = xp.zeros((G, Cg) + rest + sizes, cols.dtype)
    lead = (slice(None),) * (2 + len(rest))
    for tap in win.taps():
        outs, ins, _ = win.boxes(tap, sizes, out)
        dx[lead + tuple(ins)] += cols[(slice(None),) + tap][lead + tuple(outs)]
    return _from_order(dx.reshape((C,) + rest + sizes), perm)


def _from_order(a, perm):
    """An array in the products' order (``perm``) back in canonical layout."""
    if perm == tuple(range(len(perm))):
        return a
    inv = tuple(int(i) for i in np.argsort(perm))
    return array_namespace(a).ascontiguousarray(a.transpose(inv))


def _to_groups(g, geo, G):
    """An output-shaped array (canonical) as (G, Fg, M) for the products."""
    perm = geo.perm(g.ndim)
    gi = g if perm == tuple(range(g.ndim)) else g.transpose(perm)
    gi = array_namespace(g).ascontiguousarray(gi)
    F = g.shape[geo.c_axis]
    return gi.reshape(G, F // G, math.prod(g.shape) // F if F else 0)


def _dlconv_vjp(needs, g, ans, x, w, geo, residual):
    gx = bind(_dlconv_input_grad, [g, w], "", geo=geo, x_shape=x.shape) if needs[0] else None
    gw = bind(_dlconv_weights_grad, [x, g], "", geo=geo, w_shape=w.shape,
              cols=residual) if needs[1] else None
    return gx, gw


def _convolve_raw(x, w, geo):
    """The convolution of raw arrays, and its columns (im2col of x, workspace memory)."""
    n = len(geo.win.axes)
    G, Fg = w.shape[n + 2], w.shape[n + 1]
    cols = _im2col(x, geo, G)
    y = _matmul(_weight_matrix(w, n), cols)                        # (G, Fg, M)
    perm, _, rest, _, out = geo.split(x.shape)
    return _from_order(y.reshape((G * Fg,) + rest + out), perm), cols


@primitive("dlconv", _dlconv_vjp, residual=True)
def _dlconv(x, w, geo):
    # The residual, the columns, saves the weights' gradient an im2col; they go back
    # to the workspace when the last holder (the tape, a recorded gradient) lets go.
    y, cols = _convolve_raw(x, w, geo)
    return y, _Residual((cols.base if cols.base is not None else cols,))


def _dlconv_input_grad_vjp(needs, h, ans, g, w, geo, x_shape):
    # input_grad(g, w) is bilinear; its padding constant does not enter it
    lin = replace(geo, value=0.0)
    gg = bind(_dlconv, [h, w], "", geo=lin) if needs[0] else None
    gw = bind(_dlconv_weights_grad, [h, g], "", geo=lin, w_shape=w.shape) if needs[1] else None
    return gg, gw


@primitive("dlconv_input_grad", _dlconv_input_grad_vjp)
def _dlconv_input_grad(g, w, geo, x_shape):
    """The gradient of dlconv with respect to its input (a transposed convolution):
    with stride 1 and no more padding than the filter spans, the convolution of g
    with the flipped, transposed filters; otherwise the columns' product, col2im."""
    n = len(geo.win.axes)
    G = w.shape[n + 2]
    win = geo.win
    edges = [win.extent(j) - 1 for j in range(n)]
    if all(s == 1 for s in win.stride) and all(max(p) <= e for p, e in zip(win.pads, edges)):
        xp = array_namespace(g, w)
        wt = xp.flip(w, axis=tuple(range(n))).transpose(tuple(range(n)) + (n + 1, n, n + 2))
        pads = tuple((e - pb, e - pa) for e, (pb, pa) in zip(edges, win.pads))
        flipped = ConvGeometry(replace(win, pads=pads), geo.c_axis, 0.0)
        dx, cols = _convolve_raw(g, xp.ascontiguousarray(wt), flipped)
        _release(cols)
        return dx
    cols = _matmul(_weight_matrix(w, n).transpose(0, 2, 1), _to_groups(g, geo, G))
    return _col2im(cols, geo, tuple(x_shape), G)


def _dlconv_weights_grad_vjp(needs, H, ans, x, g, geo, w_shape, cols=None):
    gx = bind(_dlconv_input_grad, [g, H], "", geo=geo, x_shape=x.shape) if needs[0] else None
    gg = bind(_dlconv, [x, H], "", geo=geo) if needs[1] else None
    return gx, gg


@primitive("dlconv_weights_grad", _dlconv_weights_grad_vjp)
def _dlconv_weights_grad(x, g, geo, w_shape, cols=None):
    """The gradient of dlconv with respect to its weights, in MATLAB's layout; ``cols``:
    the columns of x when the forward pass kept them."""
    n = len(geo.win.axes)
    Cg, Fg, G = w_shape[n:]
    mine = cols is None
    if mine:
        cols = _im2col(x, geo, G)
    else:                                       # the forward's residual
        cols = cols.bufs[0].reshape(G, math.prod(w_shape[:n + 1]),
                                    math.prod(g.shape) // (Fg * G))
    dw = _matmul(_to_groups(g, geo, G), cols.transpose(0, 2, 1))
    if mine:
        _release(cols)
    dw = dw.reshape((G, Fg) + tuple(w_shape[:n]) + (Cg,))
    order = tuple(range(2, n + 2)) + (n + 2, 1, 0)
    return array_namespace(dw).ascontiguousarray(dw.transpose(order))


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------


def _read_format(A, fmt, fname, argname, optname):
    """``A`` labelled by the user's ``fmt`` option (``WeightsFormat``, ``BiasFormat``)."""
    if A._fmt:
        raise ValueError(f"{fname}: {argname} is formatted ({A._fmt!r}); {optname} is only "
                         f"for unformatted {argname}")
    fmt = _formats.check_format(fmt, f"{fname}: {optname}")
    try:
        return as_dlarray(A, fmt, fname)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{fname}: {argname} read with {optname} {fmt!r}: "
                      f"{str(e).replace(f'{fname}: ', '', 1)}") from None


def _formatted_weights(W, fname):
    """Formatted weights as (filter..., Cg, Fg, G) data and the filter's labels."""
    fmt = W._fmt
    bad = sorted(set(fmt) - set("STCU"))
    if bad or fmt.count("C") != 1 or fmt.count("U") > 2:
        raise ValueError(f"{fname}: weights is formatted {fmt!r}; formatted weights have "
                         "filter dimensions ('S' or 'T'), one 'C' (channels per group) and at "
                         "most two 'U' (filters per group, groups), e.g. 'SSCU' or 'TCU'")
    filt = [i for i, lab in enumerate(fmt) if lab in "ST"]
    order = tuple(filt + [fmt.index("C")] + [i for i, lab in enumerate(fmt) if lab == "U"])
    D = W._relabelled()
    if order != tuple(range(len(order))):
        D = bind(_transpose, [D], "", perm=order)
    return D, "".join(fmt[i] for i in filt)


def _weights(weights, WeightsFormat, x_fmt, xp, dt, fname):
    """The weights as an unformatted (filter..., Cg, Fg, G) DLArray, and the labels of
    the filter's dimensions ("S", "SS", "T", ...)."""
    W = _to_dl(weights, xp, dt, fname, "weights")
    if WeightsFormat is not None:
        W = _read_format(W, WeightsFormat, fname, "weights", "WeightsFormat")
    if W._fmt:
        W, labels = _formatted_weights(W, fname)
    else:
        n_s = x_fmt.count("S")
        if n_s == 0:
            raise ValueError(f"{fname}: X (format {x_fmt!r}) has no 'S' dimension, and dlconv "
                             "convolves over the 'S' dimensions unless the weights have a 'T' "
                             "dimension: to convolve over time give WeightsFormat='TCU' (or "
                             "formatted weights)")
        if W.ndim > n_s + 3:
            raise ValueError(f"{fname}: weights has size {_formats.describe('', W.shape)}; for "
                             f"{n_s}-D convolution it is filterSize ({n_s} dimensions) x "
                             "numChannelsPerGroup x numFiltersPerGroup x numGroups")
        W, labels = W._relabelled(), "S" * n_s
    n = len(labels)
    if W.ndim < n + 3:
        W = bind(_reshape, [W], "", shape=tuple(W.shape) + (1,) * (n + 3 - W.ndim))
    if W.size == 0:
        raise ValueError(f"{fname}: weights is empty (size {_formats.describe('', W.shape)})")
    return W, labels


def _bias(bias, BiasFormat, F, ndim, c_axis, xp, dt, fname):
    """The bias, a scalar or F elements, shaped to add along the output's channels."""
    b = _to_dl(bias, xp, dt, fname, "bias")
    if BiasFormat is not None:
        b = _read_format(b, BiasFormat, fname, "bias", "BiasFormat")
    if any(lab != "C" for lab, k in zip(b._fmt, b.shape) if k != 1):
        raise ValueError(f"{fname}: bias is formatted {b._fmt!r}; its non-singleton dimension "
                         "must be labelled 'C'")
    if b.size not in (1, F) or sum(1 for k in b.shape if k != 1) > 1:
        raise ValueError(f"{fname}: bias must be a scalar or a vector of numFilters = {F} "
                         f"elements (numFiltersPerGroup x numGroups); bias has size "
                         f"{_formats.describe(b._fmt, b.shape)}")
    shape = tuple(F if a == c_axis else 1 for a in range(ndim)) if b.size == F else ()
    return bind(_reshape, [b._relabelled()], "", shape=shape)


def _padding_value(v, fname):
    """A number (the constant of the padding) or a padding mode name."""
    if isinstance(v, str):
        return choose(v, CONV_PADDING_VALUES, fname, "PaddingValue")
    arr = None if isinstance(v, (bool, np.bool_, DLArray)) else np.asarray(v) \
        if isinstance(v, (numbers.Real, np.ndarray)) else None
    if arr is None or arr.size != 1 or arr.dtype.kind not in "iuf" or np.isnan(arr).any():
        names = ", ".join(f"'{n}'" for n in CONV_PADDING_VALUES)
        raise ValueError(f"{fname}: PaddingValue must be a real number or one of {names}, not "
                         f"{came(v)}")
    return float(arr.reshape(()))


def _pad_by_mode(X, axes, pads, mode, xp):
    """X padded along ``axes`` by reflecting or replicating its edges: a gather of
    the border elements (recorded getitem) on each side, then a recorded concat."""
    U = X._relabelled()
    for a, (pb, pa) in zip(axes, pads):
        n = U.shape[a]
        idx = np.pad(np.arange(n), (pb, pa), mode=_NUMPY_PAD_MODE[mode])
        parts = [U]
        if pb:
            parts.insert(0, bind(_getitem, [U], "", key=key(U.ndim, (a,), (xp.asarray(idx[:pb]),))))
        if pa:
            parts.append(bind(_getitem, [U], "", key=key(U.ndim, (a,), (xp.asarray(idx[pb + n:]),))))
        if len(parts) > 1:
            U = bind(_concat, parts, "", axis=a)
    return U._relabelled(X._fmt)


# --------------------------------------------------------------------------
# The public function
# --------------------------------------------------------------------------

@name_value_pairs(3)
def dlconv(X, weights, bias, *, Stride=1, DilationFactor=1, Padding=0, PaddingValue=0,
           DataFormat=None, WeightsFormat=None, BiasFormat=None):
    """Deep learning convolution, MATLAB's ``dlconv``.

    Syntax::

        Y = dl.dlconv(X, weights, bias)          # MATLAB: Y = dlconv(X, weights, bias)
        Y = dl.dlconv(X, weights, bias, DataFormat="SSCB")
        Y = dl.dlconv(X, weights, bias, Stride=2, Padding="same")   # or ..., "Stride", 2, ...
        Y = dl.dlconv(X, weights, bias, WeightsFormat="TCU", Padding="causal")   # over time

    Slides the filters along the "S" dimensions of X (up to three), or along "T" when
    the weights have a "T" dimension (formatted weights, or ``WeightsFormat``), takes
    the dot product of filter and data at each position (a cross-correlation: the
    filter is not flipped) and adds ``bias``; the other dimensions are observations.
    Grouped convolution: the channels split into ``numGroups`` groups, each with its
    own filters (channel-wise: one channel per group).

    Input arguments:
        X: a formatted dlarray with a "C" dimension ("SCB", "SSCB", "SSSCB", "CBT",
            "SCBT", ...), or an unformatted dlarray or numeric array with DataFormat.
        weights: the filters, a dlarray or numeric array in MATLAB's layout:
            ``filterSize x numChannels x numFilters`` (1-D), ``h x w x numChannels x
            numFilters`` (2-D), ``h x w x d x numChannels x numFilters`` (3-D), and for
            grouped convolution ``filterSize... x numChannelsPerGroup x
            numFiltersPerGroup x numGroups``; trailing singleton dimensions may be left
            out.  Unformatted weights have as many filter dimensions as X has "S"
            dimensions; formatted ones (or WeightsFormat) say which: "TCU" (1-D over
            time), "SCU", "SSCU", "SSCUU" (grouped), ...
        bias: numFilters (= numFiltersPerGroup x numGroups) elements, or a scalar (the
            same for every filter); formatted, its non-singleton dimension is "C".

    Name-value options (keywords, or MATLAB's positional pairs):
        Stride: step of the filter along each convolved dimension: a positive integer,
            or one per dimension; default 1.
        DilationFactor: spacing of the filter's elements (dilated convolution): a
            positive integer, or one per dimension; default 1.
        Padding: 0 (default); a nonnegative integer (both sides of every convolved
            dimension); a vector of one per dimension (both sides); [before after]
            (1-D); a 2-by-d matrix [before; after] (``[[top, left], [bottom, right]]``
            for 2-D); "same" (the output has ``ceil(inputSize / Stride)`` elements,
            the odd element of the padding after); "causal" (1-D: ``(filterSize - 1)
            * DilationFactor`` elements before, none after, so an output never
            depends on a later input).
        PaddingValue: 0 (default), any real number, or "symmetric-include-edge"
            (mirror the edge, the edge included), "symmetric-exclude-edge" (mirror
            without repeating the edge), "replicate" (repeat the edge).
        DataFormat: labels of an unformatted X, e.g. "SSCB" or "CTB"; default None.
        WeightsFormat: labels of unformatted weights, e.g. "TCU" to convolve over
            time or "SSCUU" for grouped 2-D weights; default None (the layout above).
        BiasFormat: labels of an unformatted bias, e.g. "C" or "CU"; default None.

    Output arguments:
        Y: a dlarray of X's format, numFilters channels, and along each convolved
            dimension ``floor((inputSize + paddingBefore + paddingAfter - (filterSize
            - 1) * DilationFactor - 1) / Stride) + 1`` elements.  For an unformatted X,
            Y is unformatted with the dimensions in X's order.  Differentiable with
            respect to X, weights and bias (second derivatives too).

    Differences from MATLAB: unformatted weights for data without an "S" dimension
    are an error that names ``WeightsFormat="TCU"``, the way to convolve over time.

    Example::

        X = dl.dlarray(np.random.rand(28, 28, 3, 16).astype("single"), "SSCB")
        W = np.random.rand(5, 5, 3, 8).astype("single")      # 8 filters of 5x5x3
        Y = dl.dlconv(X, W, np.zeros(8), Padding="same")     # 28(S) x 28(S) x 8(C) x 16(B)
        Xs = dl.dlarray(np.random.rand(12, 4, 50), "CBT")    # 12 channels, 50 time steps
        Ys = dl.dlconv(Xs, np.random.rand(3, 12, 32), 0, WeightsFormat="TCU",
                       Padding="causal")                     # 32(C) x 4(B) x 50(T)
        Wg = np.random.rand(3, 3, 1, 2, 3)                   # channel-wise: 3 groups
        Yg = dl.dlconv(dl.dlarray(np.random.rand(8, 8, 3, 2), "SSCB"), Wg, np.zeros(6))
    """
    return _convolve(X, weights, bias, Stride, DilationFactor, Padding, PaddingValue, DataFormat,
                     WeightsFormat, BiasFormat)


def _convolve(X, weights, bias, Stride, DilationFactor, Padding, PaddingValue, DataFormat,
              WeightsFormat, BiasFormat):
    fname = "dlconv"
    X, user_fmt = labelled(X, DataFormat, fname)
    xp = _xp(X, weights, bias, where=fname)
    dt = _float_dtype(X, weights, bias, where=fname, names=("X", "weights", "bias"))
    X = _to_dl(X, xp, dt, fname, "X")
    if "C" not in X._fmt:
        raise ValueError(f"{fname}: X (format {X._fmt!r}) has no 'C' dimension; dlconv needs "
                         "the channels labelled 'C'")
    W, labels = _weights(weights, WeightsFormat, X._fmt, xp, dt, fname)
    axes = window_axes(X._fmt, labels, fname, "the weights have one filter dimension per "
                       "convolved dimension (give formatted weights or WeightsFormat)")
    n, c_axis = len(axes), X._fmt.index("C")
    Cg, Fg, G = W.shape[n:]
    C = X.shape[c_axis]
    if Cg * G != C:
        raise ValueError(f"{fname}: X has {C} channels but the weights take {Cg * G} "
                         f"(numChannelsPerGroup {Cg} x numGroups {G}); weights has size "
                         f"{_formats.describe('', W.shape)}, filterSize x numChannelsPerGroup "
                         "x numFiltersPerGroup x numGroups")
    window = tuple(W.shape[:n])
    strides = int_vector(Stride, n, fname, "Stride")
    dilations = int_vector(DilationFactor, n, fname, "DilationFactor")
    sizes = tuple(X.shape[a] for a in axes)
    extents = tuple((k - 1) * d + 1 for k, d in zip(window, dilations))
    pads = padding(Padding, extents, sizes, strides, fname, CONV_PADDINGS)
    value = _padding_value(PaddingValue, fname)
    if isinstance(value, str):
        if any(p for pair in pads for p in pair):
            X = _pad_by_mode(X, axes, pads, value, xp)
            sizes = tuple(X.shape[a] for a in axes)
        pads, value = ((0, 0),) * n, 0.0
    win = Windows(tuple(axes), window, strides, dilations, pads)
    check_output(win, sizes, fname, "the filter")
    geo = ConvGeometry(win, c_axis, value)
    Y = bind(_dlconv, [X._relabelled(), W], "", geo=geo)
    Y = Y + _bias(bias, BiasFormat, G * Fg, X.ndim, c_axis, xp, dt, fname)
    Y = Y._relabelled(X._fmt)
    return Y if user_fmt is None else user_layout(Y, user_fmt)
