"""What every recurrent operation (lstm, gru) shares: input forms, layouts,
state handling, and the activation functions with their derivatives.

Recurrent kernels work on one internal layout: the sequence as a contiguous
T x B x InputSize array, states as B x H.  ``prepare_sequence`` brings any
input form the MATLAB pages allow to that layout with recorded ops (so
gradients reach the user's X in its own layout) and ``present_output`` takes
the result back to X's format, or to X's dimension order when X came
unformatted.
"""
from __future__ import annotations

import math

from ..core import formats as _formats
from ..core.backend import array_namespace, float_result_dtype
from ..core.create import labelled
from ..core.dlarray import DLArray
from ..core.operands import _to_dl
from ..core.registry import bind
from ..core.structural import _reshape, _transpose, reshaped

# --------------------------------------------------------------------------
# Activations: forward in place, derivative from the *output* value
# --------------------------------------------------------------------------


def _sigmoid_(x, xp):
    # exp(-|x|) never overflows; 1/(1+e) for x >= 0 and e/(1+e) below.
    e = xp.exp(-xp.abs(x))
    num = xp.where(x >= 0, 1, e)
    xp.divide(num, 1 + e, out=x)
    return x


def _hard_sigmoid_(x, xp):
    x *= 0.2
    x += 0.5
    xp.clip(x, 0, 1, out=x)
    return x


def _tanh_(x, xp):
    return xp.tanh(x, out=x)


def _softsign_(x, xp):
    xp.divide(x, 1 + xp.abs(x), out=x)
    return x


def _relu_(x, xp):
    return xp.maximum(x, 0, out=x)


def _d_sigmoid(y, xp):
    return y * (1 - y)


def _d_hard_sigmoid(y, xp):
    return ((y > 0) & (y < 1)).astype(y.dtype) * 0.2


def _d_tanh(y, xp):
    return 1 - y * y


def _d_softsign(y, xp):
    a = 1 - xp.abs(y)          # softsign'(x) = 1/(1+|x|)^2 = (1-|y|)^2
    return a * a


def _d_relu(y, xp):
    return (y > 0).astype(y.dtype)


# Activation name -> (forward in place, derivative from the output), keyed by the
# vocabulary (``core.options.STATE_ACTIVATIONS`` / ``GATE_ACTIVATIONS``) in its order.
STATE_FUNCTIONS = {"tanh": (_tanh_, _d_tanh), "softsign": (_softsign_, _d_softsign),
                   "relu": (_relu_, _d_relu)}
GATE_FUNCTIONS = {"sigmoid": (_sigmoid_, _d_sigmoid),
                  "hard-sigmoid": (_hard_sigmoid_, _d_hard_sigmoid)}


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------

class SequenceInfo:
    """How the user's X maps to the T x B x I layout, and back."""
    __slots__ = ("fmt", "user_fmt", "T", "B", "I", "out_fmt", "xp", "dtype")


def common_backend(args, fname):
    """Array module and MATLAB's result type (single wins) over all inputs."""
    raws = [a._data if isinstance(a, DLArray) else a for a in args]
    xp = array_namespace(*raws, where=fname)
    dtype = float_result_dtype(*[getattr(r, "dtype", None) for r in raws])
    return xp, dtype


def prepare_sequence(X, DataFormat, others, fname, xp, dtype, time_major=True):
    """X as a recorded T x B x I DLArray (``time_major``) or I x B x T one (MATLAB's
    order, "CBT" data as it is), and its :class:`SequenceInfo`."""
    info = SequenceInfo()
    info.xp, info.dtype = xp, dtype
    if not isinstance(X, DLArray) and not any(isinstance(o, DLArray) for o in others):
        raise TypeError(f"{fname}: X is a numeric array, so at least one of the other inputs "
                        "must be a dlarray (as in MATLAB); wrap the weights with dl.dlarray")
    Xd, info.user_fmt = labelled(_to_dl(X, xp, dtype, fname, "X"), DataFormat, fname)
    fmt = Xd._fmt
    shape = Xd.shape
    if "T" not in fmt:
        raise ValueError(f"{fname}: X must have a time dimension 'T'; X has format {fmt!r} "
                         f"(size {_formats.describe(fmt, shape)})")
    for ax, lab in enumerate(fmt):
        if lab == "U" and shape[ax] != 1:
            raise ValueError(f"{fname}: the 'U' dimension {ax} of X must be singleton; it has "
                             f"size {shape[ax]}")
    feat = [ax for ax, lab in enumerate(fmt) if lab in "SC"]
    b_ax = fmt.find("B")
    t_ax = fmt.index("T")
    info.fmt = fmt
    info.T = shape[t_ax]
    info.B = shape[b_ax] if b_ax >= 0 else 1
    info.I = math.prod(shape[ax] for ax in feat)
    # MATLAB flattens S1, S2, ..., C with S1 fastest: reverse them for a row-major reshape.
    batch = [b_ax] if b_ax >= 0 else []
    units = [ax for ax, lab in enumerate(fmt) if lab == "U"]
    perm = [t_ax] + batch + list(reversed(feat)) + units if time_major else \
        list(reversed(feat)) + batch + [t_ax] + units
    shape = (info.T, info.B, info.I) if time_major else (info.I, info.B, info.T)
    Xs = Xd._relabelled()
    if perm != list(range(len(perm))):
        Xs = bind(_transpose, [Xs], "", perm=tuple(perm))
    Xs = reshaped(Xs, shape)
    out = [lab for lab in fmt if lab != "S"]
    if "C" not in out:
        out.append("C")
    info.out_fmt = "".join(sorted(out, key="SCBTU".index))
    return Xs, info


def present_output(Y: DLArray, info: SequenceInfo, H: int, time_major=True) -> DLArray:
    """T x B x H result (H x B x T without ``time_major``) in X's format (minus "S"),
    or X's order when X was unformatted."""
    sizes = {"C": H, "B": info.B, "T": info.T, "U": 1}
    Yc = bind(_transpose, [Y], "", perm=(2, 1, 0)) if time_major else Y     # H x B x T
    shape = tuple(sizes[lab] for lab in info.out_fmt)
    Yc = reshaped(Yc, shape)
    if info.user_fmt is None:
        return Yc._relabelled(info.out_fmt)
    perm = _formats.user_order(info.user_fmt, info.out_fmt)
    if perm != tuple(range(len(perm))):
        Yc = bind(_transpose, [Yc], "", perm=perm)
    return Yc


def prepare_state(S0, name, info, fname, time_major=True):
    """An initial state as a recorded (1 or B) x H DLArray (H x (1 or B) without
    ``time_major``), its H, and its kind."""
    xp, dtype = info.xp, info.dtype
    if isinstance(S0, DLArray) and S0._fmt:
        fmt = S0._fmt
        # singleton "U"s allowed: dlarray(h0, "C") is MATLAB's n(C) x 1(U) column
        bad = [lab for lab, k in zip(fmt, S0.shape) if lab not in "CB" and (lab, k) != ("U", 1)]
        if "C" not in fmt or bad:
            raise ValueError(f"{fname}: {name} is formatted {fmt!r}; it must have a 'C' "
                             "dimension and optionally a 'B' dimension")
        S = _to_dl(S0, xp, dtype, fname, name)
        H = S.shape[fmt.index("C")]
        nb = S.shape[fmt.index("B")] if "B" in fmt else 1
        kind = "formatted"
        raw = S._relabelled()
        raw = reshaped(raw, (H, nb))
    else:
        kind = "dlarray" if isinstance(S0, DLArray) else "numeric"
        S = _to_dl(S0, xp, dtype, fname, name)
        shp = S.shape
        if S.ndim == 0 or S.ndim > 2 and any(n != 1 for n in shp[2:]):
            raise ValueError(f"{fname}: {name} must be NumHiddenUnits x 1 or NumHiddenUnits x "
                             f"NumObservations; it has size {_formats.describe('', shp)}")
        H = shp[0]
        nb = shp[1] if S.ndim >= 2 else 1
        raw = S if S.ndim == 2 else bind(_reshape, [S], "", shape=(H, nb))
    if nb not in (1, info.B):
        raise ValueError(f"{fname}: {name} has {nb} columns (observations) but X has "
                         f"{info.B}; give NumHiddenUnits x 1 or NumHiddenUnits x {info.B}")
    if time_major:
        raw = bind(_transpose, [raw], "", perm=(1, 0))       # (1 or B) x H
    return raw, H, kind


def present_state(S: DLArray, kind: str, time_major=True):
    """B x H final state (H x B without ``time_major``) as H x B: "CB" formatted,
    unformatted, or numeric as H0/C0 were; a numeric H0/C0's state that is traced (inside
    dlfeval, from traced weights or X) stays an unformatted dlarray, so that its derivative
    is not dropped."""
    St = bind(_transpose, [S], "", perm=(1, 0)) if time_major else S
    if kind == "formatted":
        return St._relabelled("CB")
    if kind == "dlarray" or St.traced:
        return St
    return St._data


def prepare_matrix(M, name, rows, cols, fname, info, what):
    """A weight matrix as a recorded rows x cols DLArray (formatted: "C" rows, "U" cols)."""
    D = _to_dl(M, info.xp, info.dtype, fname, name)
    if D._fmt and set(D._fmt) - set("CU"):
        raise ValueError(f"{fname}: {name} is formatted {D._fmt!r}; it must have a 'C' dimension "
                         "(and a 'U' dimension)")
    if D.shape != (rows, cols):
        hint = " (NumHiddenUnits is the number of rows of H0)" if "NumHidden" in what else ""
        raise ValueError(f"{fname}: {name} must be {what} = {rows} x {cols}; it has size "
                         f"{_formats.describe(D._fmt, D.shape)}{hint}")
    return D._relabelled()


def prepare_vector(v, name, n, fname, info, what):
    """A bias as a recorded vector of n elements (formatted: its non-singleton
    dimension labelled "C")."""
    if isinstance(v, DLArray) and any(lab != "C" for lab, k in zip(v._fmt, v.shape) if k != 1):
        raise ValueError(f"{fname}: {name} is formatted {v._fmt!r}; its non-singleton dimension "
                         "must be labelled 'C'")
    D = _to_dl(v, info.xp, info.dtype, fname, name)
    if D.size != n or sum(1 for k in D.shape if k != 1) > 1:
        raise ValueError(f"{fname}: {name} must be a vector of {what} = {n} elements; it has "
                         f"size {_formats.describe(D._fmt, D.shape)}")
    return reshaped(D, (n,))


def hidden_size(h_H, c_H, fname):
    if c_H is not None and c_H != h_H:
        raise ValueError(f"{fname}: H0 has {h_H} hidden units but C0 has {c_H}; they must agree")
    if h_H < 1:
        raise ValueError(f"{fname}: H0 must have at least one hidden unit")
    return h_H
