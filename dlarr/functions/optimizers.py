"""MATLAB's functional optimizers and gradient clipping for custom training loops.

``adamupdate``, ``sgdmupdate``, ``rmspropupdate`` and ``dlupdate`` take the
learnable parameters as a DLArray, a NumPy/CuPy array, or a nested
dict/list/tuple of them (MATLAB's structs and cells), and return the updated
parameters in the same structure together with the optimizer state, which the
caller passes back in on the next call, as in MATLAB::

    avgG = avgSqG = None
    for it in range(1, numIterations + 1):
        loss, grad = dl.dlfeval(modelLoss, params, X, T)
        params, avgG, avgSqG = dl.adamupdate(params, grad, avgG, avgSqG, it)

A dlnetwork takes part as MATLAB's does, through its Learnables (the gradient
then is the Learnables table ``dlgradient(loss, net.Learnables)`` returns);
any object joins in through the ``_dlarr_tree_map_(fn, *rest)`` protocol of
``dlarr.core.tree``.  The updates are not differentiated: they work
on the raw arrays, keep each parameter's format, return DLArrays for DLArray
inputs and plain arrays for plain arrays (MATLAB returns numeric for numeric),
and follow MATLAB's type rule (single wins, so float32 stays float32).

The update formulas are MATLAB's (reference pages below).  Adam's exact form
(where the bias correction and epsilon go), the argument checks and the
zero-learn-rate short-circuit follow MATLAB's own adamupdate.m, as public
copies of it show (``biasCorrection = sqrt(1-beta2.^t)./(1-beta1.^t);
effectiveLearnRate = biasCorrection.*lr``, then
``step = -effectiveLearnRate.*(avg_g./(sqrt(avg_gsq) + epsilon))``):

* adamupdate  https://www.mathworks.com/help/deeplearning/ref/adamupdate.html
  (the Adam algorithm of trainingOptions, "Adaptive Moment Estimation",
  https://www.mathworks.com/help/deeplearning/ref/trainingoptions.html)::

      m = gradDecay*m + (1 - gradDecay)*g
      v = sqGradDecay*v + (1 - sqGradDecay)*g.^2
      lr_t = learnRate * sqrt(1 - sqGradDecay^t) / (1 - gradDecay^t)
      p = p - lr_t * m ./ (sqrt(v) + epsilon)

  The bias correction is folded into the learning rate and epsilon is added
  to sqrt(v) of the *uncorrected* average (Kingma & Ba's "epsilon hat" form,
  as in MATLAB's adamupdate: ``biasCorrection = sqrt(1-beta2.^t)./(1-beta1.^t)``).
  This equals ``p - learnRate*mhat./(sqrt(vhat) + epsilon/sqrt(1-sqGradDecay^t))``,
  not the textbook ``mhat./(sqrt(vhat)+epsilon)``; the two differ only when
  sqrt(v) is comparable to epsilon.
* sgdmupdate  https://www.mathworks.com/help/deeplearning/ref/sgdmupdate.html::

      vel = momentum*vel - learnRate*g
      p = p + vel

* rmspropupdate  https://www.mathworks.com/help/deeplearning/ref/rmspropupdate.html::

      v = sqGradDecay*v + (1 - sqGradDecay)*g.^2
      p = p - learnRate * g ./ (sqrt(v) + epsilon)

* dlupdate  https://www.mathworks.com/help/deeplearning/ref/dlupdate.html

An empty state (``None`` or ``[]``) starts from zeros.  As in MATLAB's
implementation, a learning rate of exactly 0 short-circuits the step: the
parameters *and the state* come back unchanged (zeros for an empty state).

Gradient clipping (``clipgradients``) follows trainingOptions'
GradientThresholdMethod (https://www.mathworks.com/help/deeplearning/ref/trainingoptions.html).
MATLAB applies it inside trainnet and has no public function for it; the name
is dlarr's.  The methods:

* ``"l2norm"`` (MATLAB's default method): each parameter's gradient ``g``
  whose L2 norm ``||g||`` exceeds ``threshold`` is scaled by
  ``threshold/||g||`` (its norm becomes ``threshold``).
* ``"global-l2norm"``: with ``L`` the L2 norm over all the gradients
  together, if ``L > threshold`` every gradient is scaled by ``threshold/L``.
* ``"absolute-value"``: each partial derivative larger in magnitude than
  ``threshold`` is set to ``threshold`` with its sign kept (clipped to
  ``[-threshold, threshold]``).

Gradients at or below the threshold are returned unchanged; ``threshold=inf``
(MATLAB's default GradientThreshold) changes nothing.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..core.arguments import came
from ..core.backend import array_namespace, float_result_dtype, is_array
from ..core.dlarray import DLArray
from ..core.options import GRADIENT_THRESHOLD_METHODS, choose
from ..core.tree import walk_n as _map

__all__ = ["adamupdate", "sgdmupdate", "rmspropupdate", "dlupdate", "clipgradients"]


# ==========================================================================
# Leaf helpers: raw data in, same kind of object out
# ==========================================================================

def _raw(x):
    return x._data if isinstance(x, DLArray) else x


def _check_real(x, where, what):
    kind = np.dtype(x.dtype).kind
    if kind == "c":
        raise TypeError(f"{where}: {what} is complex; dlarr supports real data only")
    if kind not in "biuf":
        raise TypeError(f"{where}: {what} must be numeric, not of dtype {x.dtype}")


def _prepare(where, path, p, g, *states):
    """Raw arrays of a parameter, its gradient and its state, all of one float
    type (MATLAB's rule: single if any is single), checked for size and format."""
    pr, gr = _raw(p), _raw(g)
    sub = path
    _check_real(pr, where, f"params{sub}")
    _check_real(gr, where, f"grad{sub}")
    if tuple(gr.shape) != tuple(pr.shape):
        raise ValueError(f"{where}: grad{sub} has size {tuple(gr.shape)} but params{sub} has "
                         f"size {tuple(pr.shape)}")
    pf = p._fmt if isinstance(p, DLArray) else ""
    gf = g._fmt if isinstance(g, DLArray) else ""
    if pf and gf and pf != gf:
        raise ValueError(f"{where}: grad{sub} has format {gf!r} but params{sub} has format "
                         f"{pf!r}")
    raws = [pr, gr]
    for name, s in states:
        if s is None:
            raws.append(None)
            continue
        sr = _raw(s)
        _check_real(sr, where, f"{name}{sub}")
        if tuple(sr.shape) != tuple(pr.shape):
            raise ValueError(f"{where}: {name}{sub} has size {tuple(sr.shape)} but params{sub} "
                             f"has size {tuple(pr.shape)}; pass the state returned by the "
                             f"previous call (or None on the first call)")
        raws.append(sr)
    xp = array_namespace(*[r for r in raws if r is not None], where=where)
    dt = float_result_dtype(*[r.dtype for r in raws if r is not None])
    raws = [None if r is None else xp.asarray(r).astype(dt, copy=False) for r in raws]
    as_dl = isinstance(p, DLArray) or isinstance(g, DLArray)
    fmt = pf or gf

    def wrap(raw):
        return DLArray._new(raw, fmt) if as_dl else raw
    return xp, dt, raws, wrap


# ==========================================================================
# The update formulas on raw arrays of one float type (shared with the trainer's
# step on all learnables at once, ``training/solvers.py``).  The state arrays are
# updated in place (the caller passes its own); p and g stay as they are; the new p
# is a new array, which also serves as the one scratch buffer (a fresh large array
# costs page faults, so the fewer the better)
# ==========================================================================

def adam_rate(learn_rate, grad_decay, sq_grad_decay, t):
    """Adam's bias-corrected learning rate at iteration t (MATLAB's, in double)."""
    return learn_rate * math.sqrt(1.0 - sq_grad_decay ** t) / (1.0 - grad_decay ** t)


def adam_raw(xp, p, g, m, v, effective, b1, b2, eps):
    """The new p after one Adam step with the bias-corrected rate ``effective``;
    m <- b1 m + (1 - b1) g and v <- b2 v + (1 - b2) g^2 in place."""
    c = p.dtype.type
    t = xp.multiply(g, c(1.0 - b1), out=xp.empty_like(p))     # (0-d arrays stay arrays)
    xp.multiply(m, c(b1), out=m)
    xp.add(m, t, out=m)
    return _rms_scaled_step(xp, p, m, g, v, t, effective, b2, eps)


def sgdm_raw(xp, p, g, u, lr, mu):
    """The new p after one SGDM step; the velocity u <- mu u - lr g in place."""
    c = p.dtype.type
    t = xp.multiply(g, c(lr), out=xp.empty_like(p))
    xp.multiply(u, c(mu), out=u)
    xp.subtract(u, t, out=u)
    return xp.add(p, u, out=t)


def rmsprop_raw(xp, p, g, v, lr, b2, eps):
    """The new p after one RMSProp step; v <- b2 v + (1 - b2) g^2 in place."""
    return _rms_scaled_step(xp, p, g, g, v, xp.empty_like(p), lr, b2, eps)


def _rms_scaled_step(xp, p, num, g, v, t, rate, b2, eps):
    """Adam's and RMSProp's common end: v <- b2 v + (1 - b2) g^2 in place, then the new
    p = p - rate * num / (sqrt(v) + eps), computed in the scratch array ``t``."""
    c = p.dtype.type
    xp.multiply(g, g, out=t)
    xp.multiply(t, c(1.0 - b2), out=t)
    xp.multiply(v, c(b2), out=v)
    xp.add(v, t, out=v)
    xp.sqrt(v, out=t)
    xp.add(t, c(eps), out=t)
    xp.divide(num, t, out=t)
    xp.multiply(t, c(rate), out=t)
    return xp.subtract(p, t, out=t)


def _own(xp, state, like):
    """A state array the update may change in place: zeros, or a copy of the caller's."""
    return xp.zeros(like.shape, like.dtype) if state is None else state.copy()


# ==========================================================================
# Argument checks
# ==========================================================================

def _scalar(x, where, name):
    if isinstance(x, bool) or x is None:
        raise TypeError(f"{where}: {name} must be a real scalar, not {x!r}")
    if isinstance(x, DLArray):
        x = x._data
    if is_array(x):
        if x.size != 1:
            raise ValueError(f"{where}: {name} must be a scalar; it has size {tuple(x.shape)}")
        x = x.reshape(()).item()
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where}: {name} must be a real scalar, not {type(x).__name__}")
    return float(x)


def _learn_rate(x, where):
    v = _scalar(x, where, "learnRate")
    if not (math.isfinite(v) and v >= 0):
        raise ValueError(f"{where}: learnRate must be a finite nonnegative scalar, not {x!r}")
    return v


def _decay(x, where, name, closed=False):
    v = _scalar(x, where, name)
    ok = 0 <= v <= 1 if closed else 0 <= v < 1
    if not ok:
        rng = "[0, 1]" if closed else "[0, 1)"
        raise ValueError(f"{where}: {name} must be a scalar in {rng}, not {x!r}")
    return v


def _epsilon(x, where):
    v = _scalar(x, where, "epsilon")
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{where}: epsilon must be a finite positive scalar, not {x!r}")
    return v


def _iteration(x, where):
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where}: iteration must be a positive integer (1 on the first call), "
                        f"not {x!r}")
    if isinstance(x, numbers.Integral):
        t = int(x)
    elif math.isfinite(float(x)) and float(x).is_integer():
        t = int(x)
    else:
        raise ValueError(f"{where}: iteration must be a positive integer (1 on the first call), "
                         f"not {x!r}")
    if t < 1:
        raise ValueError(f"{where}: iteration must be a positive integer (1 on the first call, "
                         f"as MATLAB counts), not {x!r}")
    return t


def _is_empty_state(s) -> bool:
    if s is None:
        return True
    if isinstance(s, (list, tuple)) and len(s) == 0:
        return True
    if isinstance(s, DLArray) or is_array(s):
        return s.size == 0
    return False


# ==========================================================================
# Optimizers
# ==========================================================================

def adamupdate(params, grad, averageGrad, averageSqGrad, iteration, learnRate=0.001,
               gradDecay=0.9, sqGradDecay=0.999, epsilon=1e-8):
    """Update parameters with adaptive moment estimation (Adam), MATLAB's
    ``adamupdate``.

    Syntax::

        params, averageGrad, averageSqGrad = dl.adamupdate(params, grad, averageGrad,
                                                           averageSqGrad, iteration)
        ... = dl.adamupdate(params, grad, averageGrad, averageSqGrad, iteration,
                            learnRate, gradDecay, sqGradDecay, epsilon)

    ``params = params - lr_t * m./(sqrt(v) + epsilon)``, m and v the moving
    averages of grad and grad.^2, lr_t bias-corrected as MATLAB's (module help).

    Arguments:
        params: a dlarray, a numeric array, a dlnetwork, or a nested
            dict/list/tuple of them (MATLAB's struct, cell, table).
        grad: the gradients, of params' structure, sizes and formats.
        averageGrad, averageSqGrad: the moving averages the previous call
            returned; None (or ``[]``) for both on the first call (zeros).
        iteration: t, a positive integer counting from 1 (as MATLAB).
        learnRate: default 0.001, finite and non-negative; exactly 0 returns
            params and the averages unchanged.
        gradDecay: default 0.9, in [0, 1).
        sqGradDecay: default 0.999, in [0, 1).
        epsilon: default 1e-8, positive.

    Returns ``(params, averageGrad, averageSqGrad)``, each of params'
    structure: dlarrays for dlarray inputs, arrays for arrays; single if any
    input is single.  The update works on the data: it is not recorded for
    differentiation.

    Example::

        params = {"W": dl.initializeGlorot((1, 3), 1, 3), "b": dl.initializeZeros((1, 1))}
        X = dl.dlarray(np.random.randn(3, 8).astype("single"), "CB")
        T = dl.dlarray(np.random.randn(1, 8).astype("single"), "CB")
        def modelLoss(params, X, T):
            loss = dl.mse(dl.fullyconnect(X, params["W"], params["b"]), T)
            return loss, dl.dlgradient(loss, params)

        avgG = avgSqG = None
        for it in range(1, 51):
            loss, grad = dl.dlfeval(modelLoss, params, X, T)
            params, avgG, avgSqG = dl.adamupdate(params, grad, avgG, avgSqG, it, 0.01)
    """
    where = "adamupdate"
    t = _iteration(iteration, where)
    lr = _learn_rate(learnRate, where)
    b1 = _decay(gradDecay, where, "gradDecay")
    b2 = _decay(sqGradDecay, where, "sqGradDecay")
    eps = _epsilon(epsilon, where)
    e1, e2 = _is_empty_state(averageGrad), _is_empty_state(averageSqGrad)
    if e1 != e2:
        raise ValueError(f"{where}: averageGrad and averageSqGrad must both be empty (None or []) "
                         "on the first call, or both be the state returned by the previous call")
    # MATLAB: biasCorrection = sqrt(1-beta2.^t)./(1-beta1.^t), in double.
    effective = adam_rate(lr, b1, b2, t)

    def leaf(path, p, g, m=None, v=None):
        xp, dt, (pr, gr, mr, vr), wrap = _prepare(where, path, p, g,
                                                  ("averageGrad", m), ("averageSqGrad", v))
        mr, vr = _own(xp, mr, pr), _own(xp, vr, pr)
        if lr == 0:
            return wrap(pr), wrap(mr), wrap(vr)
        pr = adam_raw(xp, pr, gr, mr, vr, effective, b1, b2, eps)
        return wrap(pr), wrap(mr), wrap(vr)

    if e1:
        rest, names = [grad], ["grad"]
    else:
        rest, names = [grad, averageGrad, averageSqGrad], ["grad", "averageGrad", "averageSqGrad"]
    return _map(leaf, 3, params, rest, names, where)


def sgdmupdate(params, grad, vel, learnRate=0.01, momentum=0.9):
    """Update parameters with stochastic gradient descent with momentum (SGDM),
    MATLAB's ``sgdmupdate``.

    Syntax::

        params, vel = dl.sgdmupdate(params, grad, vel)
        params, vel = dl.sgdmupdate(params, grad, vel, learnRate, momentum)

    ``vel = momentum*vel - learnRate*grad; params = params + vel``.

    Arguments:
        params: a dlarray, a numeric array, a dlnetwork, or a nested
            dict/list/tuple of them; grad of the same structure and sizes.
        vel: the velocity the previous call returned; None (or ``[]``) on the
            first call (zeros).
        learnRate: default 0.01, finite and non-negative (0: nothing changes).
        momentum: default 0.9, in [0, 1].

    Returns ``(params, vel)`` of params' structure (dlarrays for dlarrays,
    arrays for arrays; single if any input is single).

    Example::

        p = {"W": dl.dlarray(np.ones((2, 2))), "b": dl.dlarray(np.zeros((2, 1)))}
        g = {"W": dl.dlarray(np.full((2, 2), 0.5)), "b": dl.dlarray(np.ones((2, 1)))}
        p, vel = dl.sgdmupdate(p, g, None)             # p["b"]: -0.01
        p, vel = dl.sgdmupdate(p, g, vel, 0.1, 0.5)
    """
    where = "sgdmupdate"
    lr = _learn_rate(learnRate, where)
    mu = _decay(momentum, where, "momentum", closed=True)
    empty = _is_empty_state(vel)

    def leaf(path, p, g, u=None):
        xp, dt, (pr, gr, ur), wrap = _prepare(where, path, p, g, ("vel", u))
        ur = _own(xp, ur, pr)
        if lr == 0:
            return wrap(pr), wrap(ur)
        pr = sgdm_raw(xp, pr, gr, ur, lr, mu)
        return wrap(pr), wrap(ur)

    rest, names = ([grad], ["grad"]) if empty else ([grad, vel], ["grad", "vel"])
    return _map(leaf, 2, params, rest, names, where)


def rmspropupdate(params, grad, averageSqGrad, learnRate=0.001, sqGradDecay=0.9, epsilon=1e-8):
    """Update parameters with root mean squared propagation (RMSProp), MATLAB's
    ``rmspropupdate``.

    Syntax::

        params, averageSqGrad = dl.rmspropupdate(params, grad, averageSqGrad)
        ... = dl.rmspropupdate(params, grad, averageSqGrad, learnRate, sqGradDecay, epsilon)

    ``v = sqGradDecay*v + (1-sqGradDecay)*grad.^2``,
    ``params = params - learnRate*grad./(sqrt(v)+epsilon)``.

    Arguments:
        params: a dlarray, a numeric array, a dlnetwork, or a nested
            dict/list/tuple of them; grad of the same structure and sizes.
        averageSqGrad: the average the previous call returned; None (or
            ``[]``) on the first call (zeros).
        learnRate: default 0.001, finite and non-negative (0: nothing changes).
        sqGradDecay: default 0.9, in [0, 1).
        epsilon: default 1e-8, positive.

    Returns ``(params, averageSqGrad)`` of params' structure (dlarrays for
    dlarrays, arrays for arrays; single if any input is single).

    Example::

        p = {"W": dl.dlarray(np.ones((2, 2))), "b": dl.dlarray(np.zeros((2, 1)))}
        g = {"W": dl.dlarray(np.full((2, 2), 0.5)), "b": dl.dlarray(np.ones((2, 1)))}
        p, avgSqG = dl.rmspropupdate(p, g, [], 0.01)    # p["b"]: -0.0316
        p, avgSqG = dl.rmspropupdate(p, g, avgSqG, 0.01)
    """
    where = "rmspropupdate"
    lr = _learn_rate(learnRate, where)
    b2 = _decay(sqGradDecay, where, "sqGradDecay")
    eps = _epsilon(epsilon, where)
    empty = _is_empty_state(averageSqGrad)

    def leaf(path, p, g, v=None):
        xp, dt, (pr, gr, vr), wrap = _prepare(where, path, p, g, ("averageSqGrad", v))
        vr = _own(xp, vr, pr)
        if lr == 0:
            return wrap(pr), wrap(vr)
        pr = rmsprop_raw(xp, pr, gr, vr, lr, b2, eps)
        return wrap(pr), wrap(vr)

    rest, names = ([grad], ["grad"]) if empty else ([grad, averageSqGrad],
                                                     ["grad", "averageSqGrad"])
    return _map(leaf, 2, params, rest, names, where)


def dlupdate(fun, params, *others):
    """Update parameters with a function of your own, MATLAB's ``dlupdate``.

    Syntax::

        params = dl.dlupdate(fun, params)
        params = dl.dlupdate(fun, params, A1, ..., An)
        params, X1, ..., Xm = dl.dlupdate(fun, params, ...)   # fun returns m + 1 values

    ``params = dlupdate(fun, params)`` calls ``fun(p)`` for every DLArray (or
    array) ``p`` in ``params`` and returns the results in ``params``'
    structure.  ``dlupdate(fun, params, A1, ..., An)`` calls
    ``fun(p, a1, ..., an)`` with the matching elements of ``A1..An``, which
    must have ``params``' structure.  When ``fun`` returns a tuple of ``k``
    values, dlupdate returns a tuple of ``k`` structures, as MATLAB's
    ``[params, X1, ..., Xm] = dlupdate(...)``.  Unlike the optimizers, ``fun``
    sees the DLArrays themselves (DLArray arithmetic applies).

    Arguments: ``fun`` a callable; ``params`` a dlarray, an array, a
    dlnetwork (its Learnables) or a nested dict/list/tuple of them;
    ``A1..An`` (``*others``) structures like params.

    Example::

        p = {"W": dl.dlarray(np.ones((2, 2))), "b": dl.dlarray(np.zeros((2, 1)))}
        g = {"W": dl.dlarray(np.full((2, 2), 0.5)), "b": dl.dlarray(np.ones((2, 1)))}
        p = dl.dlupdate(lambda w, dw: w - 0.1 * dw, p, g)     # plain SGD step
        p, vel = dl.dlupdate(lambda w, dw: (w - 0.1 * dw, -0.1 * dw), p, g)
    """
    where = "dlupdate"
    if not callable(fun):
        raise TypeError(f"{where}: fun must be callable, not {type(fun).__name__}")
    nout = []

    def leaf(path, p, *rest):
        if getattr(p, "dtype", None) is not None and np.dtype(p.dtype).kind not in "biuf":
            raise TypeError(f"{where}: params{path} must be a dlarray or a numeric array, not "
                            f"{came(p)}")
        out = fun(p, *rest)
        k = len(out) if isinstance(out, tuple) else 0
        if not nout:
            nout.append(k)
        elif k != nout[0]:
            raise ValueError(f"{where}: fun returned {k or 'one'} output(s) for "
                             f"params{path} but {nout[0] or 'one'} for the "
                             "first parameter; it must return the same number for each")
        return out if k else (out,)

    names = [f"A{i + 1}" for i in range(len(others))]
    results = _map(leaf, None, params, list(others), names, where, check_leaves=False)
    return results[0] if not nout or nout[0] == 0 else results


# ==========================================================================
# Gradient clipping (trainingOptions' GradientThresholdMethod)
# ==========================================================================

_TINY = 1e-280       # below it the squares may have lost digits to underflow


def _l2norm(r) -> float:
    """The L2 norm of raw array ``r`` as a Python float, without overflow.

    The squares are summed in float64, so a float32 gradient whose sum of squares
    exceeds float32's range still has its true (finite) norm; where even float64's
    sum overflows or underflows, the elements are scaled by the largest magnitude
    first. NaN stays NaN and an infinite element gives inf.
    """
    if r.size == 0:
        return 0.0
    xp = array_namespace(r)
    s = r.reshape(-1).astype(np.float64, copy=False)
    n2 = float(xp.dot(s, s))        # one pass; float32 squares cannot overflow in double
    if _TINY < n2 < math.inf:
        return math.sqrt(n2)
    m = float(xp.max(xp.abs(r)))    # overflow, underflow, NaN or Inf: scaled
    if m == 0 or not math.isfinite(m):
        return m
    s = r.astype(np.float64) / m
    return m * math.sqrt(float(xp.sum(s * s)))


def clipgradients(grad, threshold, method="l2norm"):
    """Clip gradients as trainingOptions' ``GradientThreshold`` and
    ``GradientThresholdMethod`` do (dlarr's function; MATLAB has none).

    Syntax::

        grad = dl.clipgradients(grad, threshold)
        grad = dl.clipgradients(grad, threshold, method)

    Arguments:
        grad: a dlarray, an array, a Learnables table or a nested
            dict/list/tuple of them; the result has its structure and types.
        threshold: a positive scalar, or inf (nothing changes).
        method: "l2norm" (default: each gradient's L2 norm at most threshold),
            "global-l2norm" (the norm of all of them together) or
            "absolute-value" (each element clipped to +-threshold).

    Example::

        g = {"W": np.full((2, 2), 3.0), "b": np.full(2, 0.5)}
        c = dl.clipgradients(g, 1.0)                      # ||c["W"]|| = 1, c["b"] kept
        c = dl.clipgradients(g, 1.0, "absolute-value")    # every element in [-1, 1]
    """
    where = "clipgradients"
    thr = _scalar(threshold, where, "threshold")
    if not thr > 0:      # also rejects NaN
        raise ValueError(f"{where}: threshold must be a positive scalar (or inf), "
                         f"not {threshold!r}")
    method = choose(method, GRADIENT_THRESHOLD_METHODS, where, "method")

    def raw_of(path, g):
        r = _raw(g)
        _check_real(r, where, f"grad{path}")
        if r.dtype.kind != "f":
            r = r.astype(np.float64)
        return r

    raws = []

    def collect(path, g):
        raws.append(raw_of(path, g))
        return (g,)
    _map(collect, 1, grad, [], [], where, "grad")
    it = iter(clip_raw(raws, thr, method))

    def leaf(path, g):
        r = next(it)
        return (DLArray._new(r, g._fmt) if isinstance(g, DLArray) else r,)
    return _map(leaf, 1, grad, [], [], where, "grad")[0]


def clip_raw(raws, threshold, method, inplace=False):
    """The clipped gradients of the float arrays ``raws`` (``clipgradients``' rule; the
    method a full name of GRADIENT_THRESHOLD_METHODS): a new array for each that
    changes, the same array for each that does not; ``inplace``: changed in place."""
    thr = threshold
    if math.isinf(thr):
        return list(raws)

    def scaled(r, s):
        s = r.dtype.type(s)
        if inplace:
            r *= s
            return r
        return r * s
    if method == "absolute-value":
        return [array_namespace(r).clip(r, -r.dtype.type(thr), r.dtype.type(thr),
                                        out=r if inplace else None) for r in raws]
    if method == "l2norm":
        norms = [_l2norm(r) for r in raws]
        return [scaled(r, thr / n) if n > thr else r for r, n in zip(raws, norms)]
    # global-l2norm: one norm over every gradient.
    norms = [_l2norm(r) for r in raws]
    L = math.hypot(*norms) if norms else 0.0     # hypot: no overflow in the squares
    if not L > thr:
        return list(raws)
    return [scaled(r, thr / L) for r in raws]
