"""Sliding windows: what dlconv, maxpool and avgpool share.

The geometry of a sliding-window operation (:class:`Windows`: the axes it slides
over, the window, stride, dilation and padding), the validation of MATLAB's
``Stride``, ``DilationFactor`` and ``Padding`` options ("same", "causal",
numbers, [before after], a 2-by-d matrix), the output sizes, and the one loop the
operations run: over the *taps* of the window (``filterSize`` positions, never
over the positions of the data or the observations).  For each tap,
:meth:`Windows.boxes` gives the slices of the output it reaches, the slices of the
input they read (strided by ``Stride``), and the output slices that fall in the
padding; a whole array operation per tap does the rest.

Which dimensions of X a window slides over (:func:`window_axes`): by default the
"S" dimensions; the "T" dimension when the operation is told so (dlconv's weights
with a "T" dimension, the pools' ``PoolFormat="T"``), as MATLAB's functions do.
"""
from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass

import numpy as np

from ..core import formats as _formats
from ..core.arguments import came
from ..core.dlarray import DLArray
from ..core.options import choose
from ..core.registry import bind
from ..core.structural import _transpose



@dataclass(frozen=True)
class Windows:
    """A sliding window over ``axes`` (0-based) of an array: the window size (the
    filter size or pool size), stride, dilation and ``pads``, one ``(before,
    after)`` pair per axis."""
    axes: tuple
    window: tuple
    stride: tuple
    dilation: tuple
    pads: tuple

    def extent(self, j):
        """How many input elements the window spans along its j-th axis."""
        return (self.window[j] - 1) * self.dilation[j] + 1

    def out_sizes(self, in_sizes):
        return tuple((n + pb + pa - self.extent(j)) // self.stride[j] + 1
                     for j, (n, (pb, pa)) in enumerate(zip(in_sizes, self.pads)))

    def taps(self):
        """Every position of the window, as a tuple of indices (the first axis slowest)."""
        return itertools.product(*(range(k) for k in self.window))

    def boxes(self, tap, in_sizes, out_sizes):
        """For one tap: ``(out_slices, in_slices, borders)``.  The output positions
        ``out_slices`` (one slice per axis) read the input at ``in_slices``; each of
        ``borders`` is ``(j, slice)``: output positions along axis j whose input lies
        in the padding."""
        outs, ins, borders = [], [], []
        for j, t in enumerate(tap):
            s, pb = self.stride[j], self.pads[j][0]
            off = t * self.dilation[j] - pb         # input index = o * s + off
            n, m = in_sizes[j], out_sizes[j]
            lo = min(max(-(off // s) if off < 0 else 0, 0), m)       # ceil(-off / s)
            hi = min(max((n - 1 - off) // s + 1, 0), m)
            hi = max(hi, lo)
            outs.append(slice(lo, hi))
            start = lo * s + off
            ins.append(slice(start, start + (hi - lo - 1) * s + 1, s) if hi > lo else slice(0, 0))
            if lo > 0:
                borders.append((j, slice(0, lo)))
            if hi < m:
                borders.append((j, slice(hi, m)))
        return outs, ins, borders


def key(ndim, axes, slices):
    """An index tuple of ``ndim`` axes: ``slices`` at ``axes``, everything elsewhere."""
    k = [slice(None)] * ndim
    for a, s in zip(axes, slices):
        k[a] = s
    return tuple(k)


# --------------------------------------------------------------------------
# Which dimensions a window slides over
# --------------------------------------------------------------------------

def window_axes(fmt, labels, fname, hint):
    """The axes of data formatted ``fmt`` (canonical) that a window with dimension
    ``labels`` ("S", "SS", "T", ...) slides over: the first S axes, or the T axis.
    ``hint`` says how to ask for another dimension (in the error)."""
    n_s = labels.count("S")
    if "T" in labels and n_s:
        raise ValueError(f"{fname}: the window's dimensions {labels!r} mix 'S' and 'T'; a "
                         "window slides over spatial ('S') or time ('T') dimensions")
    if "T" in labels:
        if "T" not in fmt:
            raise ValueError(f"{fname}: the window has a 'T' dimension but X (format "
                             f"{fmt!r}) has none")
        return (fmt.index("T"),)
    s_axes = [i for i, lab in enumerate(fmt) if lab == "S"]
    if n_s == 0 or n_s != len(s_axes):
        have = f"{len(s_axes)} 'S' dimension{'s' if len(s_axes) != 1 else ''}"
        raise ValueError(f"{fname}: X (format {fmt!r}) has {have} but the window has {n_s}; "
                         f"{hint}")
    if n_s > 3:
        raise ValueError(f"{fname}: at most three spatial dimensions; X (format {fmt!r}) "
                         f"has {n_s}")
    return tuple(s_axes)


# --------------------------------------------------------------------------
# Options: Stride, DilationFactor, pool sizes, Padding
# --------------------------------------------------------------------------

def _is_int(v, minimum):
    return (not isinstance(v, (bool, np.bool_)) and isinstance(v, numbers.Real)
            and math.isfinite(v) and v == int(v) and v >= minimum)


def _numbers(v):
    """``v`` as a flat tuple of Python numbers, or None when it is not numeric."""
    if isinstance(v, DLArray) or isinstance(v, (str, bytes)):
        return None
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, numbers.Real):
        return (v,)
    try:
        a = np.asarray(v)
    except (TypeError, ValueError):
        return None
    if a.dtype.kind not in "iuf" or a.size == 0:
        return None
    return tuple(a.ravel().tolist())


def int_vector(v, d, fname, argname, minimum=1):
    """A scalar or a vector of ``d`` integers (at least ``minimum``), as a d-tuple."""
    vals = _numbers(v)
    kind = "positive" if minimum == 1 else "nonnegative"
    if vals is None or len(vals) not in (1, d) or not all(_is_int(x, minimum) for x in vals):
        per = f" or a vector of {d} (one per dimension)" if d > 1 else ""
        raise ValueError(f"{fname}: {argname} must be a {kind} integer{per}, not {came(v)}")
    vals = tuple(int(x) for x in vals)
    return vals * d if len(vals) == 1 else vals


def padding(v, win_extent, in_sizes, strides, fname, names, argname="Padding"):
    """MATLAB's ``Padding`` as one ``(before, after)`` pair per dimension.

    ``v``: one of ``names`` ("same": the output has ``ceil(n / stride)`` elements,
    the extra element of an odd padding after; "causal", 1-D only: ``(extent - 1,
    0)``), a nonnegative integer (both sides of every dimension), a vector of d
    (both sides, per dimension), [before after] (1-D), or a 2-by-d matrix (row 1
    before, row 2 after)."""
    d = len(in_sizes)
    if isinstance(v, str):
        mode = choose(v, names, fname, argname)
        if mode == "causal":
            if d != 1:
                raise ValueError(f"{fname}: {argname} 'causal' is for 1-D operations; this one "
                                 f"has {d} dimensions")
            return ((win_extent[0] - 1, 0),)
        out = []
        for n, e, s in zip(in_sizes, win_extent, strides):
            total = max((-(-n // s) - 1) * s + e - n, 0)
            out.append((total // 2, total - total // 2))
        return tuple(out)
    vals = _numbers(v)
    shape = np.shape(v) if vals is not None else None
    if vals is not None and all(_is_int(x, 0) for x in vals):
        vals = [int(x) for x in vals]
        if len(vals) == 1:
            return ((vals[0], vals[0]),) * d
        if len(shape) == 2 and shape == (2, d):
            return tuple((vals[j], vals[d + j]) for j in range(d))
        if d == 1 and len(vals) == 2:
            return ((vals[0], vals[1]),)
        if len(vals) == d and len(shape) == 1:
            return tuple((p, p) for p in vals)
    quoted = " or ".join(f"'{n}'" for n in names)
    forms = "[before after]" if d == 1 else f"a vector of {d} or a 2-by-{d} matrix [before; after]"
    raise ValueError(f"{fname}: {argname} must be {quoted}, a nonnegative integer or {forms} "
                     f"of nonnegative integers, not {came(v)}")


def check_output(win, in_sizes, fname, what="the window"):
    """The output sizes of ``win`` on ``in_sizes``; an error when a dimension has no
    complete window."""
    out = win.out_sizes(in_sizes)
    for j, m in enumerate(out):
        if m < 1:
            pb, pa = win.pads[j]
            raise ValueError(f"{fname}: {what} spans {win.extent(j)} elements along dimension "
                             f"{win.axes[j]} but the input has {in_sizes[j]} (padded "
                             f"{in_sizes[j] + pb + pa}); the output would be empty")
    return out


# --------------------------------------------------------------------------
# Unformatted results in the user's dimension order (DataFormat)
# --------------------------------------------------------------------------

def user_layout(Y, user_fmt):
    """``Y`` (formatted, canonical, with the labels of ``user_fmt``) as an unformatted
    dlarray in the dimension order of ``user_fmt`` (MATLAB: an unformatted X gives an
    unformatted Y with the dimensions in X's order)."""
    labels = list(user_fmt)
    while labels.count("U") > Y._fmt.count("U"):     # singleton U's that dlarray dropped
        del labels[len(labels) - 1 - labels[::-1].index("U")]
    perm, cfmt = _formats.canonical("".join(labels))
    if cfmt != Y._fmt:                         # pragma: no cover - the caller keeps the labels
        raise AssertionError((user_fmt, Y._fmt))
    inv = tuple(int(i) for i in np.argsort(perm))
    U = Y._relabelled()
    if inv != tuple(range(len(inv))):
        U = bind(_transpose, [U], "", perm=inv)
    return U
