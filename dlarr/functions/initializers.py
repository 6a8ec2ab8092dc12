"""Initializers for learnable parameters of model functions.

MATLAB documents these as example helper functions on its page "Initialize
Learnable Parameters for Model Function"
(https://www.mathworks.com/help/deeplearning/ug/initialize-learnable-parameters-for-custom-training-loop.html);
dlarr ships them under the same names and with the same definitions, and they
are the initializers lstmLayer's properties name (``'glorot'``, ``'he'``,
``'orthogonal'``, ``'narrow-normal'``, ``'zeros'``, ``'ones'``,
``'unit-forget-gate'``; see the lstmLayer reference).  Each returns an
unformatted DLArray on the host, drawn from dlarr's generator (seed it with
``dl.rng``; the numbers differ from MATLAB's).

``initializeNarrowNormal`` is lstmLayer's ``'narrow-normal'`` as a function
(the numbers of ``initializeGaussian`` with its defaults).

The arguments they share:

* ``sz`` is a size as MATLAB takes it: a tuple/list of non-negative integers
  (two or more dimensions; a one-element ``[n]`` means ``n``-by-``n``), or one
  integer ``n``, which means ``n``-by-``n`` (MATLAB's ``zeros(n)``).
* ``className`` is ``"single"`` (float32, the default, as in MATLAB's helpers)
  or ``"double"`` (float64), matched as validatestring does; NumPy's names and
  types (``"float32"``, ``np.float64``) are accepted too.
* ``numIn`` / ``numOut`` (the fan-in and fan-out: e.g. InputSize and
  4*NumHiddenUnits for an lstm's weights) are positive numbers.

Example::

    H, inputSize = 100, 12
    W = dl.initializeGlorot((4 * H, inputSize), 4 * H, inputSize)   # 400 x 12 single
    R = dl.initializeOrthogonal((4 * H, H))
    b = dl.initializeUnitForgetGate(H)                               # 400 x 1
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..core.backend import generator
from ..core.create import dlarray
from ..core.arguments import came
from ..core.options import FLOAT_CLASSES, choose

__all__ = ["initializeGlorot", "initializeHe", "initializeOrthogonal", "initializeNarrowNormal",
           "initializeGaussian", "initializeZeros", "initializeOnes", "initializeUnitForgetGate"]

_CLASSES = {"single": np.dtype(np.float32), "double": np.dtype(np.float64)}


def _dtype(className, fname):
    """float32 or float64 from MATLAB's class name ("single"/"double", matched as
    validatestring does) or a NumPy float type ("float32", np.float64)."""
    floats = (np.dtype(np.float32), np.dtype(np.float64))
    if isinstance(className, str):
        try:
            return _CLASSES[choose(className, FLOAT_CLASSES, fname, "className")]
        except ValueError as e:
            err = e
        try:
            dt = np.dtype(className)          # NumPy's names ("float32")
        except (TypeError, ValueError):
            raise err from None
        if dt in floats:
            return dt
        raise ValueError(f"{fname}: className must be 'single' or 'double', not "
                         f"{className!r}") from None
    if className is not None and not isinstance(className, bool):
        try:
            dt = np.dtype(className)
        except (TypeError, ValueError):
            dt = None
        if dt is not None and dt in floats:
            return dt
    raise ValueError(f"{fname}: className must be 'single' or 'double', not {came(className)}")


def _count(n, fname, name, positive=False):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        if isinstance(n, numbers.Real) and not isinstance(n, bool) and float(n).is_integer():
            n = int(n)
        else:
            raise TypeError(f"{fname}: {name} must be an integer, not {n!r}")
    n = int(n)
    if n < 0 or (positive and n == 0):
        kind = "positive" if positive else "non-negative"
        raise ValueError(f"{fname}: {name} must be a {kind} integer, not {n}")
    return n


def _size(sz, fname):
    if isinstance(sz, np.ndarray):
        sz = sz.tolist()
    if isinstance(sz, (list, tuple)):
        if len(sz) == 0:
            raise ValueError(f"{fname}: sz must have at least one element")
        shape = tuple(_count(n, fname, "sz") for n in sz)
        return _fits(shape if len(shape) > 1 else (shape[0], shape[0]), fname)
    n = _count(sz, fname, "sz")
    return _fits((n, n), fname)


def _fits(shape, fname):
    """MATLAB's "Requested array exceeds the maximum possible array size" as a ValueError
    naming sz (NumPy's own message names nothing)."""
    if math.prod(shape) > np.iinfo(np.intp).max // 8:
        raise ValueError(f"{fname}: sz {' x '.join(map(str, shape))} asks for "
                         f"{math.prod(shape):.3g} elements, more than the largest possible array")
    return shape


def _fan(n, fname, name):
    if isinstance(n, bool) or not isinstance(n, numbers.Real) or not (n > 0 and math.isfinite(n)):
        raise ValueError(f"{fname}: {name} must be a positive number, not {n!r}")
    return float(n)


def initializeGlorot(sz, numOut, numIn, className="single"):
    """Glorot (Xavier) initialization, MATLAB's helper ``initializeGlorot``.

    Syntax::

        weights = dl.initializeGlorot(sz, numOut, numIn)
        weights = dl.initializeGlorot(sz, numOut, numIn, className)

    Uniform on ``[-b, b]`` with ``b = sqrt(6/(numIn + numOut))``, so variance
    ``2/(numIn + numOut)``; MATLAB: ``Z = 2*rand(sz,className) - 1; bound =
    sqrt(6/(numIn+numOut)); weights = dlarray(bound*Z)``.

    Arguments: ``sz`` the size; ``numOut``, ``numIn`` the fan-out and fan-in
    (positive numbers; note the order, numOut first, as MATLAB's);
    ``className`` "single" (default) or "double".  Returns an unformatted
    dlarray of size ``sz`` on the host (seed with ``dl.rng``).

    Example::

        W = dl.initializeGlorot((400, 12), 400, 12)         # lstm InputWeights, H = 100
        Wd = dl.initializeGlorot([10, 5], 10, 5, "double")
    """
    f = "initializeGlorot"
    shape = _size(sz, f)
    no, ni = _fan(numOut, f, "numOut"), _fan(numIn, f, "numIn")
    dt = _dtype(className, f)
    Z = dt.type(2) * generator().random(shape, dtype=dt) - dt.type(1)
    bound = math.sqrt(6.0 / (ni + no))
    return dlarray(dt.type(bound) * Z)


def initializeHe(sz, numIn, className="single"):
    """He initialization, MATLAB's helper ``initializeHe``.

    Syntax::

        weights = dl.initializeHe(sz, numIn)
        weights = dl.initializeHe(sz, numIn, className)

    Normal with mean 0 and variance ``2/numIn``; MATLAB: ``weights =
    dlarray(randn(sz,className) * sqrt(2/numIn))``.

    Arguments: ``sz`` the size; ``numIn`` the fan-in (a positive number);
    ``className`` "single" (default) or "double".  Returns an unformatted
    dlarray of size ``sz`` on the host.

    Example::

        W = dl.initializeHe((64, 12), 12)
    """
    f = "initializeHe"
    shape = _size(sz, f)
    ni = _fan(numIn, f, "numIn")
    dt = _dtype(className, f)
    return dlarray(generator().standard_normal(shape, dtype=dt) * dt.type(math.sqrt(2.0 / ni)))


def initializeOrthogonal(sz, className="single"):
    """Orthogonal initialization, MATLAB's helper ``initializeOrthogonal``.

    Syntax::

        parameter = dl.initializeOrthogonal(sz)
        parameter = dl.initializeOrthogonal(sz, className)

    ``Q`` of the QR decomposition ``Z = QR`` of a unit-normal matrix ``Z``,
    with the signs fixed so that ``diag(R) > 0``.  ``className`` is "single"
    (default) or "double"; returns an unformatted dlarray on the host.

    MATLAB: ``Z = randn(sz,className); [Q,R] = qr(Z,0); D = diag(R);
    Q = Q*diag(D./abs(D))``.  ``sz`` must be two-dimensional.  For a
    ``sz(1) >= sz(2)`` matrix ``Q`` has orthonormal columns (``Q'*Q = I``),
    exactly as MATLAB's helper.  For a wide one (``sz(1) < sz(2)``) MATLAB's
    helper would return a ``sz(1)``-by-``sz(1)`` matrix; dlarr instead uses the
    QR of ``Z'`` and returns ``Q'`` of size ``sz`` (orthonormal rows).

    Example::

        R = dl.initializeOrthogonal((400, 100))     # lstm RecurrentWeights, H = 100
        Q = dl.initializeOrthogonal(3, "double")    # 3 x 3 orthogonal
    """
    f = "initializeOrthogonal"
    shape = _size(sz, f)
    if len(shape) != 2:
        raise ValueError(f"{f}: sz must be two-dimensional, not {shape}")
    dt = _dtype(className, f)
    Z = generator().standard_normal(shape, dtype=dt)
    wide = shape[0] < shape[1]
    if wide:
        Z = Z.T
    Q, R = np.linalg.qr(Z, mode="reduced")
    D = np.diagonal(R)
    sign = np.where(D < 0, -1, 1).astype(dt)     # D./abs(D), with 1 where D is 0
    Q = (Q * sign[None, :]).astype(dt, copy=False)
    if wide:
        Q = Q.T
    return dlarray(np.ascontiguousarray(Q))


def _gaussian(f, sz, mu, sigma, className, names):
    shape = _size(sz, f)
    dt = _dtype(className, f)
    for name, v in zip(names, (mu, sigma)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ValueError(f"{f}: {name} must be a finite real number, not {v!r}")
    if sigma < 0:
        raise ValueError(f"{f}: {names[1]} must be non-negative, not {sigma!r}")
    Z = generator().standard_normal(shape, dtype=dt)
    return dlarray(Z * dt.type(sigma) + dt.type(mu))


def initializeGaussian(sz, mu=0.0, sigma=0.01, className="single"):
    """Gaussian initialization, MATLAB's helper ``initializeGaussian``.

    Syntax::

        parameter = dl.initializeGaussian(sz)
        parameter = dl.initializeGaussian(sz, mu, sigma)
        parameter = dl.initializeGaussian(sz, mu, sigma, className)

    ``dlarray(randn(sz,className)*sigma + mu)``: ``mu`` the mean, a finite
    real number (default 0), ``sigma`` the standard deviation, finite and
    non-negative (default 0.01); ``className`` "single" (default) or
    "double".  Returns an unformatted dlarray of size ``sz`` on the host.

    Example::

        W = dl.initializeGaussian((5, 10))                  # mean 0, std 0.01
        V = dl.initializeGaussian((1, 3), 1.0, 0.5, "double")
    """
    return _gaussian("initializeGaussian", sz, mu, sigma, className, ("mu", "sigma"))


def initializeNarrowNormal(sz, mean=0.0, std=0.01, className="single"):
    """Narrow-normal initialization, lstmLayer's ``'narrow-normal'`` initializer
    as a function (dlarr's name).

    Syntax::

        parameter = dl.initializeNarrowNormal(sz)
        parameter = dl.initializeNarrowNormal(sz, mean, std, className)

    Normal with ``mean`` (a finite real number, default 0) and standard
    deviation ``std`` (finite, non-negative, default 0.01): the same numbers
    as ``initializeGaussian(sz, mean, std, className)``.  ``className``
    "single" (default) or "double".  Returns an unformatted dlarray of size
    ``sz`` on the host.

    Example::

        b = dl.initializeNarrowNormal((400, 1))
        W = dl.initializeNarrowNormal((10, 3), std=0.1, className="double")
    """
    return _gaussian("initializeNarrowNormal", sz, mean, std, className, ("mean", "std"))


def initializeZeros(sz, className="single"):
    """Zeros initialization, MATLAB's helper ``initializeZeros``.

    Syntax::

        parameter = dl.initializeZeros(sz)
        parameter = dl.initializeZeros(sz, className)

    ``dlarray(zeros(sz,className))``: an unformatted dlarray of size ``sz``
    (one integer n means n x n) of "single" (default) or "double" zeros.

    Example::

        b = dl.initializeZeros((10, 1))      # a fullyconnect bias
        Z = dl.initializeZeros(3, "double")  # 3 x 3
    """
    f = "initializeZeros"
    return dlarray(np.zeros(_size(sz, f), _dtype(className, f)))


def initializeOnes(sz, className="single"):
    """Ones initialization, MATLAB's helper ``initializeOnes``.

    Syntax::

        parameter = dl.initializeOnes(sz)
        parameter = dl.initializeOnes(sz, className)

    ``dlarray(ones(sz,className))``: an unformatted dlarray of size ``sz``
    (one integer n means n x n) of "single" (default) or "double" ones.

    Example::

        scale = dl.initializeOnes((10, 1))
        O = dl.initializeOnes([2, 3], "double")
    """
    f = "initializeOnes"
    return dlarray(np.ones(_size(sz, f), _dtype(className, f)))


def initializeUnitForgetGate(numHiddenUnits, className="single"):
    """Unit-forget-gate initialization of an lstm bias, MATLAB's helper
    ``initializeUnitForgetGate``.

    Syntax::

        bias = dl.initializeUnitForgetGate(numHiddenUnits)
        bias = dl.initializeUnitForgetGate(numHiddenUnits, className)

    A ``4*numHiddenUnits``-by-1 unformatted dlarray, gates in MATLAB's order
    (input, forget, cell candidate, output), with the forget-gate block one:
    rows ``numHiddenUnits .. 2*numHiddenUnits-1`` (0-based) are 1, the rest 0.
    MATLAB: ``bias = zeros(4*H,1,className); bias(H+1:2*H) = 1``.
    ``numHiddenUnits`` a positive integer; ``className`` "single" (default)
    or "double".

    Example::

        b = dl.initializeUnitForgetGate(2)   # [0 0 1 1 0 0 0 0]' (8 x 1 single)
    """
    f = "initializeUnitForgetGate"
    H = _count(numHiddenUnits, f, "numHiddenUnits", positive=True)
    b = np.zeros((4 * H, 1), _dtype(className, f))
    b[H:2 * H] = 1
    return dlarray(b)


# --------------------------------------------------------------------------
# The layers' initializers by name
# --------------------------------------------------------------------------
# Each entry takes the same arguments, f(sz, numIn, numOut, className,
# numHiddenUnits): the size of the learnable, its fan-in and fan-out, MATLAB's
# class name, and the number of hidden units (which only 'unit-forget-gate'
# reads).  Layers look their initializer properties up here; the option sets of
# dlarr.core.options (WEIGHT_INITIALIZERS, ...) are all keys of this table.

def _glorot(sz, numIn, numOut, className, numHiddenUnits=None):
    return initializeGlorot(sz, numOut, numIn, className)


def _he(sz, numIn, numOut, className, numHiddenUnits=None):
    return initializeHe(sz, numIn, className)


def _orthogonal(sz, numIn, numOut, className, numHiddenUnits=None):
    return initializeOrthogonal(sz, className)


def _narrow_normal(sz, numIn, numOut, className, numHiddenUnits=None):
    return initializeNarrowNormal(sz, className=className)


def _zeros(sz, numIn, numOut, className, numHiddenUnits=None):
    return initializeZeros(sz, className)


def _ones(sz, numIn, numOut, className, numHiddenUnits=None):
    return initializeOnes(sz, className)


def _unit_forget_gate(sz, numIn, numOut, className, numHiddenUnits=None):
    """One [0; 1; 0; 0] block of numHiddenUnits rows per 4*numHiddenUnits rows of
    ``sz`` (a bilstmLayer's bias has one block per direction)."""
    one = initializeUnitForgetGate(numHiddenUnits, className)
    return dlarray(np.tile(one._data, (_size(sz, "initializeUnitForgetGate")[0] // one.shape[0], 1)))


INITIALIZERS = {
    "glorot": _glorot,
    "he": _he,
    "orthogonal": _orthogonal,
    "narrow-normal": _narrow_normal,
    "zeros": _zeros,
    "ones": _ones,
    "unit-forget-gate": _unit_forget_gate,
}
