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

``sz`` is a size as MATLAB takes it: a tuple/list of non-negative integers,
or one integer ``n``, which means ``n``-by-``n`` (MATLAB's ``zeros(n)``).
``className`` is ``"single"`` (float32, the default, as in MATLAB's helpers)
or ``"double"`` (float64).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..core.backend import generator
from ..core.create import dlarray
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
        except TypeError:
            raise err from None
        if dt in floats:
            return dt
        raise ValueError(f"{fname}: className must be 'single' or 'double', not "
                         f"{className!r}") from None
    if className is not None and not isinstance(className, bool):
        try:
            dt = np.dtype(className)
        except TypeError:
            dt = None
        if dt is not None and dt in floats:
            return dt
    raise ValueError(f"{fname}: className must be 'single' or 'double', not {className!r}")


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
        return shape if len(shape) > 1 else (shape[0], shape[0])
    n = _count(sz, fname, "sz")
    return (n, n)


def _fan(n, fname, name):
    if isinstance(n, bool) or not isinstance(n, numbers.Real) or not (n > 0 and math.isfinite(n)):
        raise ValueError(f"{fname}: {name} must be a positive number, not {n!r}")
    return float(n)


def initializeGlorot(sz, numOut, numIn, className="single"):
    """Glorot (Xavier) initialization: uniform on ``[-b, b]`` with
    ``b = sqrt(6/(numIn + numOut))``, so variance ``2/(numIn + numOut)``.

    MATLAB: ``Z = 2*rand(sz,className) - 1; bound = sqrt(6/(numIn+numOut));
    weights = dlarray(bound*Z)``.
    """
    f = "initializeGlorot"
    shape = _size(sz, f)
    no, ni = _fan(numOut, f, "numOut"), _fan(numIn, f, "numIn")
    dt = _dtype(className, f)
    Z = dt.type(2) * generator().random(shape, dtype=dt) - dt.type(1)
    bound = math.sqrt(6.0 / (ni + no))
    return dlarray(dt.type(bound) * Z)


def initializeHe(sz, numIn, className="single"):
    """He initialization: normal with mean 0 and variance ``2/numIn``.

    MATLAB: ``weights = dlarray(randn(sz,className) * sqrt(2/numIn))``.
    """
    f = "initializeHe"
    shape = _size(sz, f)
    ni = _fan(numIn, f, "numIn")
    dt = _dtype(className, f)
    return dlarray(generator().standard_normal(shape, dtype=dt) * dt.type(math.sqrt(2.0 / ni)))


def initializeOrthogonal(sz, className="single"):
    """Orthogonal initialization: ``Q`` of the QR decomposition ``Z = QR`` of a
    unit-normal matrix ``Z``, with the signs fixed so that ``diag(R) > 0``.

    MATLAB: ``Z = randn(sz,className); [Q,R] = qr(Z,0); D = diag(R);
    Q = Q*diag(D./abs(D))``.  ``sz`` must be two-dimensional.  For a
    ``sz(1) >= sz(2)`` matrix ``Q`` has orthonormal columns (``Q'*Q = I``),
    exactly as MATLAB's helper.  For a wide one (``sz(1) < sz(2)``) MATLAB's
    helper would return a ``sz(1)``-by-``sz(1)`` matrix; dlarr instead uses the
    QR of ``Z'`` and returns ``Q'`` of size ``sz`` (orthonormal rows).
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
    """Gaussian initialization, MATLAB's helper of this name:
    ``weights = dlarray(randn(sz,className)*sigma + mu)``."""
    return _gaussian("initializeGaussian", sz, mu, sigma, className, ("mu", "sigma"))


def initializeNarrowNormal(sz, mean=0.0, std=0.01, className="single"):
    """Narrow-normal initialization (lstmLayer's ``'narrow-normal'``): normal
    with mean 0 and standard deviation 0.01 by default; the same numbers as
    ``initializeGaussian(sz, mean, std, className)``."""
    return _gaussian("initializeNarrowNormal", sz, mean, std, className, ("mean", "std"))


def initializeZeros(sz, className="single"):
    """All zeros: ``dlarray(zeros(sz,className))``."""
    f = "initializeZeros"
    return dlarray(np.zeros(_size(sz, f), _dtype(className, f)))


def initializeOnes(sz, className="single"):
    """All ones: ``dlarray(ones(sz,className))``."""
    f = "initializeOnes"
    return dlarray(np.ones(_size(sz, f), _dtype(className, f)))


def initializeUnitForgetGate(numHiddenUnits, className="single"):
    """LSTM bias with the forget-gate block set to one: a ``4*numHiddenUnits``-by-1
    array, gates in MATLAB's order (input, forget, cell candidate, output), so
    rows ``numHiddenUnits .. 2*numHiddenUnits-1`` (0-based) are 1, the rest 0.

    MATLAB: ``bias = zeros(4*H,1,className); bias(H+1:2*H) = 1``.
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
