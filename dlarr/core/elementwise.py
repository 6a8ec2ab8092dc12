"""Elementwise operations: the arithmetic primitives (the operators + - * / ** use
them), maximum/minimum/where, the elementwise math functions (exp, log,
sqrt, abs, tanh, sigmoid, relu, sin, cos), the piecewise constant ones (sign,
floor, ceil, round: zero gradient) and MATLAB's mod, each forward with its vjp.

Every vjp is written with dlarr ops, so second derivatives work; operands are
prepared by ``operands`` (backend, MATLAB's result type, label alignment).
"""
from __future__ import annotations

import numbers

import numpy as np

from .backend import array_namespace
from .dlarray import DLArray
from .operands import _as_float, _binary, _const, _unary
from .registry import bind, primitive

# ==========================================================================
# Arithmetic
# ==========================================================================


def _add_vjp(needs, g, ans, a, b):
    return g, g


@primitive("add", _add_vjp)
def _add(a, b):
    return a + b


def _subtract_vjp(needs, g, ans, a, b):
    return g, (-g if needs[1] else None)


@primitive("subtract", _subtract_vjp)
def _subtract(a, b):
    return a - b


def _multiply_vjp(needs, g, ans, a, b):
    return (g * b if needs[0] else None), (g * a if needs[1] else None)


@primitive("multiply", _multiply_vjp)
def _multiply(a, b):
    return a * b


def _divide_vjp(needs, g, ans, a, b):
    return (g / b if needs[0] else None), (-g * ans / b if needs[1] else None)


@primitive("divide", _divide_vjp)
def _divide(a, b):
    return a / b


def _power_vjp(needs, g, ans, a, b):
    ga = g * b * a ** (b - 1) if needs[0] else None
    gb = None
    if needs[1]:
        # d(a^b)/db = a^b log(a); taken as 0 where a <= 0 (real results only).
        pos = a._data > 0
        safe = _where(a, _const(array_namespace(a._data).ones((), a.dtype)), pos)
        gb = g * ans * log(safe) * _const(pos.astype(a.dtype))
    return ga, gb


@primitive("power", _power_vjp)
def _power(a, b):
    return a ** b


def _negate_vjp(needs, g, ans, a):
    return (-g,)


@primitive("negate", _negate_vjp)
def _negate(a):
    return -a


# ==========================================================================
# maximum, minimum, where
# ==========================================================================

def _maximum_vjp(needs, g, ans, a, b):
    # Ties share the gradient equally (a valid subgradient).
    wa = (a._data > b._data).astype(g.dtype) + 0.5 * (a._data == b._data).astype(g.dtype)
    return (g * _const(wa) if needs[0] else None), (g * _const(1 - wa) if needs[1] else None)


@primitive("maximum", _maximum_vjp)
def _maximum(a, b):
    return array_namespace(a, b).maximum(a, b)


def _minimum_vjp(needs, g, ans, a, b):
    wa = (a._data < b._data).astype(g.dtype) + 0.5 * (a._data == b._data).astype(g.dtype)
    return (g * _const(wa) if needs[0] else None), (g * _const(1 - wa) if needs[1] else None)


@primitive("minimum", _minimum_vjp)
def _minimum(a, b):
    return array_namespace(a, b).minimum(a, b)


def _where_vjp(needs, g, ans, a, b, cond):
    zero = _const(array_namespace(g._data).zeros((), g.dtype))
    return (_where(g, zero, cond) if needs[0] else None), (_where(zero, g, cond) if needs[1] else None)


@primitive("where", _where_vjp)
def _where_fwd(a, b, cond):
    return array_namespace(a, b).where(cond, a, b)


def _where(a: DLArray, b: DLArray, cond) -> DLArray:
    """``cond ? a : b`` elementwise, with a raw boolean ``cond`` (internal)."""
    return bind(_where_fwd, [a, b], a._fmt, cond=cond)


# ==========================================================================
# Elementwise functions
# ==========================================================================

def _exp_vjp(needs, g, ans, a):
    return (g * ans,)


@primitive("exp", _exp_vjp)
def _exp(a):
    return array_namespace(a).exp(a)


def _log_vjp(needs, g, ans, a):
    return (g / a,)


@primitive("log", _log_vjp)
def _log(a):
    return array_namespace(a).log(a)


def _sqrt_vjp(needs, g, ans, a):
    return (g * 0.5 / ans,)


@primitive("sqrt", _sqrt_vjp)
def _sqrt(a):
    return array_namespace(a).sqrt(a)


def _abs_vjp(needs, g, ans, a):
    return (g * _const(array_namespace(a._data).sign(a._data)),)


@primitive("abs", _abs_vjp)
def _abs(a):
    return array_namespace(a).abs(a)


def _tanh_vjp(needs, g, ans, a):
    return (g * (1 - ans * ans),)


@primitive("tanh", _tanh_vjp)
def _tanh(a):
    return array_namespace(a).tanh(a)


def _sigmoid_vjp(needs, g, ans, a):
    return (g * ans * (1 - ans),)


@primitive("sigmoid", _sigmoid_vjp)
def _sigmoid(a):
    # exp(-|a|) never overflows: 1/(1+e) for a >= 0, e/(1+e) below.
    xp = array_namespace(a)
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1, e) / (1 + e)


def _relu_vjp(needs, g, ans, a):
    return (g * _const((a._data > 0).astype(g.dtype)),)


@primitive("relu", _relu_vjp)
def _relu(a):
    return array_namespace(a).maximum(a, 0)


def _sin_vjp(needs, g, ans, a):
    return (g * cos(a),)


@primitive("sin", _sin_vjp)
def _sin(a):
    return array_namespace(a).sin(a)


def _cos_vjp(needs, g, ans, a):
    return (-g * sin(a),)


@primitive("cos", _cos_vjp)
def _cos(a):
    return array_namespace(a).cos(a)


# ==========================================================================
# Piecewise constant functions (zero gradient) and mod
# ==========================================================================

def _sign_vjp(needs, g, ans, a):
    return (None,)        # piecewise constant: the gradient is zero


@primitive("sign", _sign_vjp)
def _sign(a):
    return array_namespace(a).sign(a)


def _floor_vjp(needs, g, ans, a):
    return (None,)


@primitive("floor", _floor_vjp)
def _floor(a):
    return array_namespace(a).floor(a)


def _ceil_vjp(needs, g, ans, a):
    return (None,)


@primitive("ceil", _ceil_vjp)
def _ceil(a):
    return array_namespace(a).ceil(a)


def _round_vjp(needs, g, ans, a, digits):
    return (None,)


@primitive("round", _round_vjp)
def _round(a, digits):
    # MATLAB rounds half away from zero (NumPy's round goes to even at halves).
    xp = array_namespace(a)
    if digits > 308:                    # every double already has fewer digits than that
        return a.copy()
    if digits < -308:                   # every finite double rounds to 0
        return xp.where(xp.isfinite(a), xp.zeros_like(a), a)
    scale = 10.0 ** digits
    with np.errstate(over="ignore", invalid="ignore"):
        s = a * scale if digits else a
        t = xp.trunc(s)
        r = xp.where(xp.abs(s - t) == 0.5, t + xp.sign(s), xp.round(s))
        if not digits:
            return r
        # where a * 10^N is already an integer (or overflows), rounding leaves a as it is
        exact = ~(xp.abs(s) < 2.0 ** xp.finfo(a.dtype).nmant)
        return xp.where(exact, a, r / scale).astype(a.dtype, copy=False)


def _mod_vjp(needs, g, ans, a, b):
    gb = None
    if needs[1]:
        xp = array_namespace(a._data, b._data)
        zero = b._data == 0
        q = xp.floor(a._data / xp.where(zero, 1, b._data))
        gb = -g * _const(xp.where(zero, 0, q).astype(g.dtype, copy=False))
    return (g if needs[0] else None), gb


@primitive("mod", _mod_vjp)
def _mod(a, b):
    xp = array_namespace(a, b)
    zero = b == 0
    return xp.where(zero, a, xp.mod(a, xp.where(zero, 1, b))).astype(
        xp.result_type(a, b), copy=False)


# ==========================================================================
# Public elementwise functions
# ==========================================================================

def exp(X):
    """Exponential, elementwise, MATLAB's ``exp``.

    Syntax::

        Y = dl.exp(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Derivative: exp(X).

    Example::

        X = dl.dlarray(np.array([[0.0, 1.0], [2.0, -1.0]]), "CB")
        Y = dl.exp(X)             # 2(C) x 2(B): e^X
    """
    return _unary(_exp, X, "exp")


def log(X):
    """Natural logarithm, elementwise, MATLAB's ``log``.

    Syntax::

        Y = dl.log(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Negative elements give NaN (dlarr computes real results only), 0 gives -Inf.

    Derivative: 1 ./ X.

    Example::

        Y = dl.log(dl.dlarray(np.array([1.0, np.e])))       # [0, 1]
    """
    return _unary(_log, X, "log")


def sqrt(X):
    """Square root, elementwise, MATLAB's ``sqrt``.

    Syntax::

        Y = dl.sqrt(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Negative elements give NaN (dlarr computes real results only).

    Derivative: 0.5 ./ sqrt(X).

    Example::

        Y = dl.sqrt(dl.dlarray(np.array([4.0, 9.0]), "C"))   # [2, 3]
    """
    return _unary(_sqrt, X, "sqrt")


def abs(X):
    """Absolute value, elementwise, MATLAB's ``abs``.

    Syntax::

        Y = dl.abs(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Also ``abs(X)`` with Python's builtin on a dlarray.

    Derivative: sign(X) (0 at 0).

    Example::

        Y = dl.abs(dl.dlarray(np.array([-2.0, 0.0, 3.0])))   # [2, 0, 3]
    """
    return _unary(_abs, X, "abs")


def tanh(X):
    """Hyperbolic tangent, elementwise, MATLAB's ``tanh``.

    Syntax::

        Y = dl.tanh(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Derivative: 1 - tanh(X).^2.

    Example::

        Y = dl.tanh(dl.dlarray(np.linspace(-2, 2, 5), "C"))
    """
    return _unary(_tanh, X, "tanh")


def sigmoid(X):
    """Logistic sigmoid 1 ./ (1 + exp(-X)), elementwise, MATLAB's ``sigmoid``.

    Syntax::

        Y = dl.sigmoid(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Computed without overflow for large negative X.

    Derivative: sigmoid(X) .* (1 - sigmoid(X)).

    Example::

        X = dl.dlarray(np.random.randn(10, 4), "CB")
        Y = dl.sigmoid(X)         # 10(C) x 4(B), values in (0, 1)
    """
    return _unary(_sigmoid, X, "sigmoid")


def relu(X):
    """Rectified linear unit max(X, 0), elementwise, MATLAB's ``relu``.

    Syntax::

        Y = dl.relu(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Differences from MATLAB: X need not be a dlarray (MATLAB's relu requires one).

    Derivative: 1 where X > 0, else 0 (0 at X = 0).

    Example::

        X = dl.dlarray(np.array([[-1.0, 2.0], [3.0, -4.0]]), "CB")
        Y = dl.relu(X)            # [[0, 2], [3, 0]]
    """
    return _unary(_relu, X, "relu")


def sin(X):
    """Sine of the argument in radians, elementwise, MATLAB's ``sin``.

    Syntax::

        Y = dl.sin(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Derivative: cos(X).

    Example::

        Y = dl.sin(dl.dlarray(np.array([0.0, np.pi / 2])))   # [0, 1]
    """
    return _unary(_sin, X, "sin")


def cos(X):
    """Cosine of the argument in radians, elementwise, MATLAB's ``cos``.

    Syntax::

        Y = dl.cos(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Derivative: -sin(X).

    Example::

        Y = dl.cos(dl.dlarray(np.array([0.0, np.pi])))       # [1, -1]
    """
    return _unary(_cos, X, "cos")


def sign(X):
    """Sign function, elementwise, MATLAB's ``sign``.

    Syntax::

        Y = dl.sign(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Y is -1 where X < 0, 0 where X is 0 and 1 where X > 0 (NaN stays NaN).

    Derivative: zero (piecewise constant).

    Example::

        Y = dl.sign(dl.dlarray(np.array([-2.5, 0.0, 3.0])))  # [-1, 0, 1]
    """
    return _unary(_sign, X, "sign")


def floor(X):
    """Round toward minus infinity, elementwise, MATLAB's ``floor``.

    Syntax::

        Y = dl.floor(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Derivative: zero (piecewise constant).

    Example::

        Y = dl.floor(dl.dlarray(np.array([-1.5, 1.5])))      # [-2, 1]
    """
    return _unary(_floor, X, "floor")


def ceil(X):
    """Round toward plus infinity, elementwise, MATLAB's ``ceil``.

    Syntax::

        Y = dl.ceil(X)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Derivative: zero (piecewise constant).

    Example::

        Y = dl.ceil(dl.dlarray(np.array([-1.5, 1.5])))       # [-1, 2]
    """
    return _unary(_ceil, X, "ceil")


def round(X, N=0):
    """Round to the nearest integer or to N digits, MATLAB's ``round``.

    Syntax::

        Y = dl.round(X)
        Y = dl.round(X, N)

    Input arguments:
        X: a dlarray (formatted or not), a NumPy/CuPy array, a nested list or a
            scalar; logical and integer data become double.
        N: the number of digits, an int (default 0): N > 0 rounds to N digits after
            the decimal point, N < 0 to tens (-1), hundreds (-2), ...

    Output arguments:
        Y: a dlarray of X's size, format and type (single stays single); a
            non-dlarray X gives an unformatted dlarray.

    Halves round away from zero as MATLAB does (``round(2.5)`` is 3, ``round(-2.5)``
    is -3, where NumPy gives 2 and -2).  Derivative: zero (piecewise constant).

    Differences from MATLAB: ``round(X, N, "significant")`` (the third argument,
    type) is not supported.

    Example::

        X = dl.dlarray(np.array([2.5, -2.5, 3.14159]))
        Y = dl.round(X)           # [3, -3, 3]
        Z = dl.round(X, 2)        # [2.5, -2.5, 3.14]
        W = dl.round(1234.5678, -2)   # 1200
    """
    if isinstance(N, bool) or not isinstance(N, numbers.Integral):
        raise TypeError(f"round: N (the number of digits) must be an integer, not {N!r}")
    X = _as_float(X, "round")
    return bind(_round, [X], X._fmt, digits=int(N))


def mod(X, M):
    """Remainder after division (modulo operation), MATLAB's ``mod``.

    Syntax::

        R = dl.mod(X, M)

    Input arguments:
        X, M: dlarrays, NumPy/CuPy arrays, nested lists or scalars, of compatible
            sizes (implicit expansion as for ``+``: formatted operands align by
            label); logical and integer data become double, single wins over double.

    Output arguments:
        R: a dlarray, ``X - floor(X ./ M) .* M``, with the sign of the divisor M
            (``mod(-1, 3)`` is 2, ``mod(1, -3)`` is -2); ``mod(X, 0)`` is X.

    Derivatives: 1 for X; ``-floor(X ./ M)`` for M (0 where M is 0).

    Example::

        R = dl.mod(dl.dlarray(np.array([-1.0, 5.0, 7.5])), 3)    # [2, 2, 1.5]
        S = dl.mod(1, -3)                                        # -2
    """
    return _binary(_mod, X, M, "mod")
