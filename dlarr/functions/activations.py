"""Activation functions on DLArray: leakyrelu, clippedrelu, elu, gelu, swish, softmax,
softsign (and erf).

``relu``, ``sigmoid`` and ``tanh`` live in ``core.elementwise``.  Every function keeps its
input's format and is differentiable; the ones written as primitives have
derivatives made of dlarr ops, so second derivatives work too
(``EnableHigherDerivatives``).

What they share (each function's help says it again in brief):

* ``X`` is a dlarray, formatted or not, or a numeric array (NumPy or CuPy; MATLAB
  needs a dlarray, dlarr takes the array as an unformatted dlarray).  Logical
  and integer data become double; single (float32) stays single.
* ``Y`` is a dlarray of X's size, format and type, on X's device (CPU or GPU).
* Like every dlarr function, MATLAB's positional name-value pairs work too:
  ``dl.gelu(X, "Approximation", "tanh")`` is ``dl.gelu(X, Approximation="tanh")``.

MathWorks pages (the definitions implemented here):
  https://www.mathworks.com/help/deeplearning/ref/dlarray.leakyrelu.html
  https://www.mathworks.com/help/deeplearning/ref/dlarray.elu.html
  https://www.mathworks.com/help/deeplearning/ref/dlarray.gelu.html
  https://www.mathworks.com/help/deeplearning/ref/dlarray.softmax.html
  https://www.mathworks.com/help/deeplearning/ref/softsignlayer.html (softsign: x/(1+|x|))
  https://www.mathworks.com/help/deeplearning/ref/nnet.cnn.layer.clippedrelulayer.html
  https://www.mathworks.com/help/deeplearning/ref/nnet.cnn.layer.swishlayer.html
  (clippedrelu and swish: MATLAB has the layers only; the functions are dlarr's)
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..core import formats as _formats
from ..core.arguments import as_array, came, name_value_pairs
from ..core import elementwise as _ew
from ..core import operands as _operands
from ..core import reduction as _red
from ..core import shape as _shape
from ..core.backend import array_namespace, is_array
from ..core.create import labelled, stripdims
from ..core.dlarray import DLArray
from ..core.options import GELU_APPROXIMATIONS, choose
from ..core.elementwise import _where
from ..core.operands import _as_float, _const
from ..core.registry import bind, primitive


# ==========================================================================
# Option helpers (shared with _losses)
# ==========================================================================


def _real_scalar(x, fname, argname, positive=False):
    if isinstance(x, DLArray):
        x = x._data
    if isinstance(x, bool) or (hasattr(x, "dtype") and np.dtype(x.dtype).kind not in "iuf") \
            or not (is_array(x) or isinstance(x, numbers.Number)):
        raise TypeError(f"{fname}: {argname} must be a real numeric scalar, not {came(x)}")
    if hasattr(x, "size"):
        if x.size != 1:
            raise ValueError(f"{fname}: {argname} must be a scalar; it has {x.size} elements")
        x = x.reshape(()).item()
    if not isinstance(x, numbers.Real):
        raise TypeError(f"{fname}: {argname} must be a real numeric scalar, not "
                        f"{type(x).__name__}")
    x = float(x)
    if not math.isfinite(x) or (positive and not x > 0):
        kind = "a finite positive" if positive else "a finite"
        raise ValueError(f"{fname}: {argname} must be {kind} scalar, not {x!r}")
    return x


# ==========================================================================
# erf and erfc (NumPy has none; SciPy is not a dependency)
# ==========================================================================
# A vectorised port of the method of fdlibm's s_erf.c, with its coefficients:
#   Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
#   Developed at SunSoft, a Sun Microsystems, Inc. business.  Permission to
#   use, copy, modify, and distribute this software is freely granted,
#   provided that this notice is preserved.
# Error below one ulp in float64 on the whole real line (the same algorithm as
# glibc's and CPython's math.erf/math.erfc, which the tests compare against).

_ERX = 8.45062911510467529297e-01
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)


def _poly(c, z):
    """c[0] + c[1] z + c[2] z^2 + ... (Horner)."""
    r = c[-1]
    for a in c[-2::-1]:
        r = r * z + a
    return r


def _erf_parts(x, xp):
    """erf(x) and erfc(x) of a float64 array, each accurate to about one ulp."""
    ax = xp.abs(x)
    erf = xp.empty_like(x)
    erfc = xp.empty_like(x)
    neg = x < 0

    m = ax < 0.84375                                   # erf = x + x R(x^2)
    if m.any():
        xm = x[m]
        z = xm * xm
        y = _poly(_PP, z) / _poly(_QQ, z)
        erf[m] = xm + xm * y
        c = 1.0 - (xm + xm * y)
        big = xm >= 0.25                               # 0.5 - (x R + (x - 0.5)): no cancellation
        c[big] = 0.5 - (xm[big] * y[big] + (xm[big] - 0.5))
        erfc[m] = c

    m = (ax >= 0.84375) & (ax < 1.25)                  # expansion about 1
    if m.any():
        s = ax[m] - 1.0
        pq = _poly(_PA, s) / _poly(_QA, s)
        n = neg[m]
        erf[m] = xp.where(n, -(_ERX + pq), _ERX + pq)
        erfc[m] = xp.where(n, 1.0 + (_ERX + pq), (1.0 - _ERX) - pq)

    m = (ax >= 1.25) & (ax < 28.0)                     # erfc = exp(-x^2 - 0.5625 + R/S) / x
    if m.any():
        a = ax[m]
        s = 1.0 / (a * a)
        near = a < 1.0 / 0.35
        rs = xp.where(near, _poly(_RA, s) / _poly(_SA, s), _poly(_RB, s) / _poly(_SB, s))
        # exp(-a^2) as exp(-z^2) exp((z - a)(z + a)) with z = a cut to 20 mantissa bits,
        # so -z^2 is exact (fdlibm's trick).
        z = (a.view(xp.uint64) & xp.uint64(0xFFFFFFFF00000000)).view(xp.float64)
        r = xp.exp(-z * z - 0.5625) * xp.exp((z - a) * (z + a) + rs) / a
        n = neg[m]
        erfc[m] = xp.where(n, 2.0 - r, r)
        erf[m] = xp.where(n, r - 1.0, 1.0 - r)

    m = ax >= 28.0                                     # and infinities
    if m.any():
        n = neg[m]
        erfc[m] = xp.where(n, 2.0, 0.0)
        erf[m] = xp.where(n, -1.0, 1.0)

    m = xp.isnan(x)
    if m.any():
        erf[m] = xp.nan
        erfc[m] = xp.nan
    return erf, erfc


def _erf_raw(a, which, scale=1.0):
    """erf or erfc of ``scale * a``, computed in float64, returned in a's type."""
    xp = array_namespace(a)
    x = xp.asarray(a, dtype=xp.float64).reshape(-1) * scale
    out = _erf_parts(xp.ascontiguousarray(x), xp)[0 if which == "erf" else 1]
    return out.reshape(a.shape).astype(a.dtype, copy=False)


def _erf_vjp(needs, g, ans, a):
    return (g * _ew.exp(-(a * a)) * (2.0 / math.sqrt(math.pi)),)


@primitive("erf", _erf_vjp)
def _erf(a):
    return _erf_raw(a, "erf")


def _normcdf_vjp(needs, g, ans, a):
    return (g * _ew.exp(a * a * -0.5) * (1.0 / math.sqrt(2.0 * math.pi)),)


@primitive("normcdf", _normcdf_vjp)
def _normcdf(a):
    # Phi(a) = erfc(-a/sqrt(2))/2: accurate in both tails (no 1 + erf cancellation).
    return 0.5 * _erf_raw(a, "erfc", scale=-1.0 / math.sqrt(2.0))


def erf(X):
    """Error function, MATLAB's ``erf`` on dlarray data.

    Syntax::

        Y = dl.erf(X)            # MATLAB: Y = erf(X)

    ``Y = 2/sqrt(pi) * integral from 0 to X of exp(-t^2) dt``, elementwise,
    computed in double and accurate to about one ulp (fdlibm's method; NaN gives
    NaN, +-Inf gives +-1).  Differentiable: dY/dX = 2/sqrt(pi) exp(-X^2).

    X: a dlarray (formatted or not) or a real numeric array (an unformatted
    dlarray results).  Returns Y, a dlarray of X's size, format and type.

    Example::

        X = dl.dlarray(np.array([-1.0, 0.0, 0.5, 2.0]))
        Y = dl.erf(X)            # [-0.8427, 0, 0.5205, 0.9953]
    """
    return _operands._unary(_erf, X, "erf")


# ==========================================================================
# Elementwise activations
# ==========================================================================

def _leakyrelu_vjp(needs, g, ans, a, scale):
    xp = array_namespace(a._data)
    return (g * _const(xp.where(a._data > 0, 1, scale).astype(g.dtype)),)


@primitive("leakyrelu", _leakyrelu_vjp)
def _leakyrelu(a, scale):
    xp = array_namespace(a)
    return xp.where(a > 0, a, a * xp.asarray(scale, dtype=a.dtype))


def leakyrelu(X, scaleFactor=0.01):
    """Leaky rectified linear unit, MATLAB's ``leakyrelu``.

    Syntax::

        Y = dl.leakyrelu(X)                 # MATLAB: Y = leakyrelu(X)
        Y = dl.leakyrelu(X, scaleFactor)    # MATLAB: Y = leakyrelu(X, scaleFactor)

    ``Y = X`` where X > 0 and ``scaleFactor * X`` elsewhere, elementwise.

    Arguments:
        X: a dlarray (formatted or not) or a numeric array (an unformatted
            dlarray results); logical and integer data become double.
        scaleFactor: the slope for negative inputs, a finite real scalar
            (Python number, 0-d array or 1-element dlarray); default 0.01.

    Returns Y, a dlarray of X's size, format and type.  The derivative at 0 is
    taken as scaleFactor (relu's convention puts relu'(0) = 0).

    Example::

        X = dl.dlarray(np.array([[-2.0, 0.5], [1.0, -0.1]]), "CB")
        Y = dl.leakyrelu(X, 0.2)         # [[-0.4, 0.5], [1.0, -0.02]], "CB"
    """
    scale = _real_scalar(scaleFactor, "leakyrelu", "scaleFactor")
    X = _as_float(X, "leakyrelu")
    return bind(_leakyrelu, [X], X._fmt, scale=scale)


def _clippedrelu_vjp(needs, g, ans, a, ceiling):
    inside = (a._data > 0) & (a._data < ceiling)
    return (g * _const(inside.astype(g.dtype)),)


@primitive("clippedrelu", _clippedrelu_vjp)
def _clippedrelu(a, ceiling):
    xp = array_namespace(a)
    return xp.clip(a, xp.asarray(0, dtype=a.dtype), xp.asarray(ceiling, dtype=a.dtype))


def clippedrelu(X, ceiling):
    """Clipped rectified linear unit: the operation of MATLAB's ``clippedReluLayer``, as
    a function on dlarray data.

    Syntax::

        Y = dl.clippedrelu(X, ceiling)

    ``Y = min(max(X, 0), ceiling)`` elementwise: 0 where X < 0, X on [0, ceiling],
    ceiling where X > ceiling.

    Input arguments:
        X: a dlarray (formatted or not) or a numeric array (an unformatted
            dlarray results); logical and integer data become double.
        ceiling: the clipping ceiling, a finite positive real scalar (Python
            number, 0-d array or 1-element dlarray).

    Output arguments:
        Y: a dlarray of X's size, format and type.  Its derivative is 1 on
            (0, ceiling) and 0 elsewhere (0 at the two kinks, as relu's at 0).

    Differences from MATLAB: MATLAB has the layer only (clippedReluLayer); the
    function is dlarr's, so the layer's operation can be used in custom code.

    Example::

        X = dl.dlarray(np.array([[-2.0, 0.5], [7.0, 3.0]]), "CB")
        Y = dl.clippedrelu(X, 5)          # [[0, 0.5], [5, 3]], "CB"
    """
    ceiling = _real_scalar(ceiling, "clippedrelu", "ceiling", positive=True)
    X = _as_float(X, "clippedrelu")
    return bind(_clippedrelu, [X], X._fmt, ceiling=ceiling)


def _swish_vjp(needs, g, ans, a):
    # d/dx x s(x) = s + x s (1 - s) = s + ans (1 - s), with s = sigmoid(x) (recorded:
    # second derivatives follow)
    s = _ew.sigmoid(a)
    return (g * (s + ans * (1.0 - s)),)


@primitive("swish", _swish_vjp)
def _swish(a):
    xp = array_namespace(a)
    # x sigmoid(x) = x / (1 + exp(-x)), with exp of a nonpositive argument only
    e = xp.exp(-xp.abs(a))
    s = xp.where(a >= 0, 1 / (1 + e), e / (1 + e))
    return a * s


def swish(X):
    """Swish activation ``X .* sigmoid(X)``: the operation of MATLAB's ``swishLayer``,
    as a function on dlarray data.

    Syntax::

        Y = dl.swish(X)

    ``Y = X ./ (1 + exp(-X))`` elementwise, computed without overflow for large
    negative X.

    Input arguments:
        X: a dlarray (formatted or not) or a numeric array (an unformatted
            dlarray results); logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type; its derivative is
            ``s + X s (1 - s)`` with ``s = sigmoid(X)`` (second derivatives work).

    Differences from MATLAB: MATLAB has the layer only (swishLayer); the function is
    dlarr's.

    Example::

        X = dl.dlarray(np.array([[-2.0, 0.5], [1.0, -0.1]]), "CB")
        Y = dl.swish(X)          # [[-0.2384, 0.3112], [0.7311, -0.0475]], "CB"
    """
    X = _as_float(X, "swish")
    return bind(_swish, [X], X._fmt)


def _elu_vjp(needs, g, ans, a, alpha):
    # slope 1 where a > 0, alpha*exp(a) = elu(a) + alpha elsewhere (recorded, so
    # the second derivative alpha*exp(a) follows).
    one = _const(array_namespace(a._data).ones((), g.dtype))
    return (g * _where(one, ans + alpha, a._data > 0),)


@primitive("elu", _elu_vjp)
def _elu(a, alpha):
    xp = array_namespace(a)
    neg = xp.expm1(xp.minimum(a, 0)) * xp.asarray(alpha, dtype=a.dtype)
    return xp.where(a > 0, a, neg)


def elu(X, alpha=1.0):
    """Exponential linear unit, MATLAB's ``elu``.

    Syntax::

        Y = dl.elu(X)            # MATLAB: Y = elu(X)
        Y = dl.elu(X, alpha)     # MATLAB: Y = elu(X, alpha)

    ``Y = X`` where X > 0 and ``alpha * (exp(X) - 1)`` elsewhere, elementwise
    (computed with expm1, accurate near 0).

    Arguments:
        X: a dlarray (formatted or not) or a numeric array (an unformatted
            dlarray results); logical and integer data become double.
        alpha: the nonlinearity parameter, a finite positive scalar; default 1.

    Returns Y, a dlarray of X's size, format and type.  The derivative at 0 is
    taken as alpha (the left-hand one); second derivatives work.

    Example::

        X = dl.dlarray(np.array([[-2.0, 0.5], [1.0, -0.1]]), "CB")
        Y = dl.elu(X)            # [[-0.8647, 0.5], [1.0, -0.0952]], "CB"
        Y2 = dl.elu(X, 0.5)      # half of that where X < 0
    """
    alpha = _real_scalar(alpha, "elu", "alpha", positive=True)
    X = _as_float(X, "elu")
    return bind(_elu, [X], X._fmt, alpha=alpha)


_GELU_C = math.sqrt(2.0 / math.pi)


@name_value_pairs(1)
def gelu(X, Approximation="none"):
    """Gaussian error linear unit, MATLAB's ``gelu``.

    Syntax::

        Y = dl.gelu(X)                          # MATLAB: Y = gelu(X)
        Y = dl.gelu(X, Approximation="tanh")    # MATLAB: Y = gelu(X, Approximation="tanh")

    Arguments:
        X: a dlarray (formatted or not) or a numeric array (an unformatted
            dlarray results); logical and integer data become double.

    Name-value options (keywords, or MATLAB's positional pairs):
        Approximation: "none" (default) or "tanh" (any case, an unambiguous
            start is enough).

            * "none": ``X * Phi(X) = X/2 * (1 + erf(X/sqrt(2)))``, Phi the
              standard normal cdf (computed as erfc(-X/sqrt(2))/2, accurate
              for large negative X);
            * "tanh": ``X/2 * (1 + tanh(sqrt(2/pi) * (X + 0.044715 X^3)))``.

    Returns Y, a dlarray of X's size, format and type (differentiable, second
    derivatives included).

    Example::

        X = dl.dlarray(np.array([[-2.0, 0.5], [1.0, -0.1]]), "CB")
        Y = dl.gelu(X)                          # [[-0.0455, 0.3457], [0.8413, -0.0460]]
        Yt = dl.gelu(X, "Approximation", "tanh")
    """
    approx = choose(Approximation, GELU_APPROXIMATIONS, "gelu", "Approximation")
    X = _as_float(X, "gelu")
    if approx == "none":
        return X * bind(_normcdf, [X], X._fmt)
    inner = (X + 0.044715 * X * X * X) * _GELU_C
    return 0.5 * X * (1.0 + _ew.tanh(inner))


def softsign(X):
    """Softsign activation ``X ./ (1 + abs(X))``, elementwise: the operation of
    MATLAB's ``softsignLayer`` (and the "softsign" StateActivationFunction of
    lstm and gru), as a function on dlarray data.

    Syntax::

        Y = dl.softsign(X)

    X: a dlarray (formatted or not) or a numeric array (an unformatted dlarray
    results); logical and integer data become double.  Returns Y, a dlarray of
    X's size, format and type, in (-1, 1); its derivative is 1/(1 + |X|)^2.
    MATLAB has the layer only; the function is dlarr's.

    Example::

        X = dl.dlarray(np.array([[-2.0, 0.5], [1.0, -0.1]]), "CB")
        Y = dl.softsign(X)       # [[-0.6667, 0.3333], [0.5, -0.0909]], "CB"
    """
    X = _as_float(X, "softsign")
    return X / (1.0 + _ew.abs(X))


# ==========================================================================
# softmax over the channel dimension
# ==========================================================================

def _softmax_vjp(needs, g, ans, a, axis):
    gy = g * ans
    return (gy - ans * _red.sum(gy, [axis]),)


@primitive("softmax", _softmax_vjp)
def _softmax(a, axis):
    xp = array_namespace(a)
    if a.size == 0:                   # no channels or no observations: an empty result
        return xp.zeros_like(a)
    e = xp.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _in_user_order(Y, user_fmt, shape):
    """A formatted result back in the order of the unformatted input (of ``shape``)."""
    Y = stripdims(Y, user_fmt)
    if Y.shape != tuple(shape):
        Y = _shape.reshape(Y, tuple(shape))
    return Y


@name_value_pairs(1)
def softmax(X, DataFormat=None):
    """Softmax over the channel dimension, MATLAB's ``softmax``.

    Syntax::

        Y = dl.softmax(X)                       # MATLAB: Y = softmax(X)
        Y = dl.softmax(X, DataFormat="CB")      # MATLAB: Y = softmax(X, DataFormat="CB")

    ``Y = exp(X) ./ sum(exp(X), "C")`` at each position of the other
    dimensions (each observation, time step, spatial position), computed with
    the maximum over "C" subtracted, so large inputs do not overflow.

    Arguments:
        X: a formatted dlarray with a "C" dimension, or an unformatted dlarray
            or numeric array with ``DataFormat``; logical and integer data
            become double.

    Name-value options (keywords, or MATLAB's positional pairs):
        DataFormat: the labels of an unformatted X, one per dimension, e.g.
            "CB" or "CBT" (it must contain "C"); default None, for a formatted
            X (a formatted X with DataFormat is an error).

    Returns Y, of X's size and type: formatted like X, or, for an unformatted
    X, an unformatted dlarray in X's own dimension order.

    Example::

        X = dl.dlarray(np.array([[-2.0, 0.5], [1.0, -0.1]]), "CB")
        Y = dl.softmax(X)                       # each column sums to 1
        Yu = dl.softmax(np.array([[1.0, 2.0, 3.0]]), DataFormat="BC")  # 1 x 3, unformatted
    """
    fname = "softmax"
    shape = X.shape if hasattr(X, "shape") else as_array(X, fname, "X").shape
    Xf, user_fmt = labelled(X, DataFormat, fname)
    Xf = _as_float(Xf, fname)
    axes = _formats.find(Xf._fmt, "C")
    if not axes:
        raise ValueError(f"{fname}: X (format {Xf._fmt!r}) has no 'C' (channel) dimension; "
                         "softmax operates over channels")
    Y = bind(_softmax, [Xf], Xf._fmt, axis=axes[0])
    return Y if user_fmt is None else _in_user_order(Y, user_fmt, shape)
