"""The solver registry: every solver of trainingOptions / trainNetwork / trainnet is
one :class:`Solver` entry, and nothing else in the training code knows solvers apart.

An entry holds the solver's name (``trainingOptions``' solverName, "sgdm"), the
display name of its options class ("TrainingOptionsSGDM"), its own options with
their defaults and validators (in display order, before the common ones), its
InitialLearnRate default, the names of the state it carries between
iterations, and its step::

    step(params, grads, state, learnRate, iteration, options) -> (params, state)

``params`` and ``grads`` are lists of DLArrays (the network's learnables, in
``Learnables`` order), ``state`` a tuple with one value per state name (each
``None`` on the first iteration), ``iteration`` counts from 1 and ``options``
is the training options object (the solver reads its own options from it).
The built-in steps wrap MATLAB's functional updates (``sgdmupdate``,
``adamupdate``, ``rmspropupdate``); an entry may also give ``flat``, the same step on
all the learnables laid end to end in one vector (``register_solver``), which
training uses where it can: the built-in ones share their formulas with those
functions (``adam_raw``, ``sgdm_raw``, ``rmsprop_raw``).

What trainNetwork adds around every solver's step, the same way for all (so a
registered solver gets it for free) is in :class:`Stepper`: L2Regularization
times each parameter's L2 factor added to the gradient, then gradient clipping
(GradientThreshold / GradientThresholdMethod), then the step, scaled per
parameter by its learn-rate factor (``p + f (p_new - p)``, per gate for
recurrent layers).  For MATLAB's solvers that is MATLAB's rule: the factor
multiplies the learning rate, and each update is linear in it.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np

from ..core.dlarray import DLArray
from ..core.options import choose
from ..core.backend import array_namespace
from ..functions.optimizers import (adam_raw, adam_rate, adamupdate, clip_raw,
                                    rmsprop_raw, rmspropupdate, sgdm_raw, sgdmupdate)
from . import properties as P

__all__ = ["Solver", "register_solver", "unregister_solver", "solver_names", "get_solver",
           "Stepper"]


@dataclasses.dataclass(frozen=True)
class Solver:
    """One registry entry (see the module docstring)."""
    name: str
    options_class: str
    step: Callable
    options: dict                       # option name -> (default, validator)
    initial_learn_rate: float
    state: tuple = ()                   # names of what the step carries between iterations
    doc: str = ""
    flat: Callable = None               # the same step on all learnables end to end


_REGISTRY: dict[str, Solver] = {}
_ON_CHANGE: list = []       # called after every change of the registry (options.py: the help)


def solver_names() -> tuple:
    """The registered solver names, in registration order (MATLAB's three first)."""
    return tuple(_REGISTRY)


def get_solver(name, fname="trainingOptions", argname="solverName") -> Solver:
    """The entry of solver ``name``, matched as MATLAB's validatestring does."""
    return _REGISTRY[choose(name, solver_names(), fname, argname)]


def register_solver(name, step, *, options_class=None, options=None, initial_learn_rate=0.001,
                    state=(), doc=None, flat=None, replace=False) -> Solver:
    """Add a solver for ``trainingOptions(name, ...)``; returns its :class:`Solver` entry.

    ``step(params, grads, state, learnRate, iteration, options) -> (params, state)``
    is one update of the list of learnables (see the module docstring).
    ``options_class`` is the display name of its options objects (default
    "TrainingOptions" and the name's letters and digits in capitals: "toy-sgd" gives
    "TrainingOptionsTOYSGD"); ``options`` maps each of the solver's own
    option names to ``(default, validator)``, a validator being ``check(value, name)``
    that returns the value to store or raises ValueError (``properties.in_range``,
    ``properties.positive_int``, ... make them); ``initial_learn_rate`` is the
    InitialLearnRate default; ``state`` names the values the step carries between
    iterations.  ``flat`` (optional): ``flat(p, g, state, learnRate, iteration, options)
    -> (p, state)``, the same step on raw arrays, all the learnables laid end to end in
    one vector ``p`` (and their gradients in ``g``, the state values likewise, None on
    the first iteration); the new ``p`` is a new array, ``p`` and ``g`` stay as they
    are, and the state vectors (the solver's own: what its previous call returned) may
    be updated in place.  Training uses it when the learnables share one float type (a
    NumPy call per iteration, not one per learnable).  Registering an existing name is an
    error unless ``replace=True``.
    """
    if not isinstance(name, str) or not name or name != name.strip():
        raise TypeError(f"register_solver: name must be a non-empty string, not {name!r}")
    if not callable(step):
        raise TypeError(f"register_solver: step must be callable, not {type(step).__name__}")
    if flat is not None and not callable(flat):
        raise TypeError(f"register_solver: flat must be callable or None, not "
                        f"{type(flat).__name__}")
    existing = next((n for n in _REGISTRY if n.lower() == name.lower()), None)
    if existing is not None and not replace:
        raise ValueError(f"register_solver: solver {existing!r} is already registered "
                         "(pass replace=True to replace it)")
    display = options_class or "TrainingOptions" + "".join(c for c in name.upper() if c.isalnum())
    if not display.isidentifier() or display == "TrainingOptions" or any(
            s.options_class == display and s.name != existing for s in _REGISTRY.values()):
        raise ValueError(f"register_solver: options_class {display!r} must be a Python identifier "
                         "other than 'TrainingOptions', not used by another solver")
    own = dict(options or {})
    for opt, spec in own.items():
        if not isinstance(opt, str) or not opt.isidentifier() or opt.startswith("_"):
            raise ValueError(f"register_solver: option name {opt!r} must be an identifier")
        if opt.lower() in {c.lower() for c in P.COMMON_OPTIONS}:
            raise ValueError(f"register_solver: {opt!r} is an option of every solver")
        if not (isinstance(spec, tuple) and len(spec) == 2 and callable(spec[1])):
            raise TypeError(f"register_solver: option {opt!r} must map to (default, validator)")
    lr = P.COMMON_OPTIONS["InitialLearnRate"][1](initial_learn_rate, "initial_learn_rate")
    entry = Solver(name, display, step, own, lr, tuple(state), doc or f"Training options for "
                   f"the {name!r} solver.", flat)
    for opt, (default, check) in own.items():      # the defaults must pass their own check
        check(default, opt)
    _REGISTRY.pop(existing, None)
    _REGISTRY[name] = entry
    for f in _ON_CHANGE:
        f()
    return entry


def unregister_solver(name) -> Solver:
    """Remove a registered solver (exact name); returns its entry."""
    if name not in _REGISTRY:
        raise KeyError(f"unregister_solver: no solver {name!r}; the solvers are "
                       f"{', '.join(map(repr, _REGISTRY))}")
    entry = _REGISTRY.pop(name)
    for f in _ON_CHANGE:
        f()
    return entry


# ==========================================================================
# MATLAB's solvers (trainingOptions reference page)
# ==========================================================================

def _sgdm_step(params, grads, state, learn_rate, iteration, options):
    params, velocity = sgdmupdate(params, grads, state[0], learn_rate, options.Momentum)
    return params, (velocity,)


def _adam_step(params, grads, state, learn_rate, iteration, options):
    params, avg, avg_sq = adamupdate(params, grads, state[0], state[1], iteration, learn_rate,
                                     options.GradientDecayFactor,
                                     options.SquaredGradientDecayFactor, options.Epsilon)
    return params, (avg, avg_sq)


def _rmsprop_step(params, grads, state, learn_rate, iteration, options):
    params, avg_sq = rmspropupdate(params, grads, state[0], learn_rate,
                                   options.SquaredGradientDecayFactor, options.Epsilon)
    return params, (avg_sq,)


def _own(p, s):
    """A state vector the step may change in place: zeros at first, then its own."""
    return array_namespace(p).zeros_like(p) if s is None else s


def _sgdm_flat(p, g, state, learn_rate, iteration, options):
    u = _own(p, state[0])
    if learn_rate == 0:             # MATLAB's short-circuit: nothing changes
        return p, (u,)
    return sgdm_raw(array_namespace(p), p, g, u, learn_rate, options.Momentum), (u,)


def _adam_flat(p, g, state, learn_rate, iteration, options):
    m, v = _own(p, state[0]), _own(p, state[1])
    if learn_rate == 0:
        return p, (m, v)
    b1, b2 = options.GradientDecayFactor, options.SquaredGradientDecayFactor
    p = adam_raw(array_namespace(p), p, g, m, v, adam_rate(learn_rate, b1, b2, iteration),
                 b1, b2, options.Epsilon)
    return p, (m, v)


def _rmsprop_flat(p, g, state, learn_rate, iteration, options):
    v = _own(p, state[0])
    if learn_rate == 0:
        return p, (v,)
    return rmsprop_raw(array_namespace(p), p, g, v, learn_rate,
                       options.SquaredGradientDecayFactor, options.Epsilon), (v,)


def _decay():
    return P.in_range(0, 1, hi_open=True, expected=P.FRACTION_OPEN)


_EPSILON = P.in_range(0, math.inf, lo_open=True, hi_open=True, expected=P.POSITIVE_FINITE)

register_solver(
    "sgdm", _sgdm_step, options_class="TrainingOptionsSGDM", initial_learn_rate=0.01,
    options={"Momentum": (0.9, P.in_range(0, 1, expected=P.FRACTION_CLOSED))},
    state=("Velocity",), flat=_sgdm_flat,
    doc="Training options for stochastic gradient descent with momentum.")
register_solver(
    "adam", _adam_step, options_class="TrainingOptionsADAM", initial_learn_rate=0.001,
    options={"GradientDecayFactor": (0.9, _decay()),
             "SquaredGradientDecayFactor": (0.999, _decay()),
             "Epsilon": (1e-8, _EPSILON)},
    state=("AverageGrad", "AverageSqGrad"), flat=_adam_flat,
    doc="Training options for the Adam (adaptive moment estimation) optimizer.")
register_solver(
    "rmsprop", _rmsprop_step, options_class="TrainingOptionsRMSProp", initial_learn_rate=0.001,
    options={"SquaredGradientDecayFactor": (0.9, _decay()), "Epsilon": (1e-8, _EPSILON)},
    state=("AverageSqGrad",), flat=_rmsprop_flat,
    doc="Training options for RMSProp (root mean square propagation).")


# ==========================================================================
# The step trainNetwork takes, for every solver
# ==========================================================================

class Stepper:
    """One solver over the list of learnables, with MATLAB's per-parameter extras
    (L2 regularization, clipping, learn-rate factors) applied the same way for
    every solver.  ``slots`` are the network's (layer, learnable name) pairs.

    With a solver that has a flat step and learnables of one float type, the
    learnables live end to end in one vector (``_Flat``): the gradients are copied
    into one, the extras work on its pieces, the solver makes one call, and the new
    learnables are views of the new vector (a new one every step: the old
    learnables stay as they were).  Both ways give the same numbers."""

    def __init__(self, solver: Solver, options, slots, xp=np):
        self.solver, self.o = solver, options
        # per-gate factor arrays live on the learnables' device, converted once
        self.factors = [tuple(xp.asarray(f) if isinstance(f, np.ndarray) else f
                              for f in layer._factors(p)) for layer, p in slots]
        # per learnable: its learn-rate factor and its L2 coefficient, None where they
        # change nothing (factor 1, coefficient 0)
        self._rates = [None if np.all(f == 1) else f for f, _ in self.factors]
        self._l2 = [None if np.all(c == 0) else c
                    for c in (options.L2Regularization * l2f for _, l2f in self.factors)]
        self._state = (None,) * len(solver.state)
        self._flat = None             # a _Flat while the flat step is in use
        self.t = 0
        self.last = None              # the flat vector of the last step's learnables

    @property
    def state(self):
        """The solver's state, one value per state name: lists of DLArrays in
        Learnables order (None before the first step)."""
        if self._flat is not None:
            return self._flat.unflattened_state()
        return self._state

    @state.setter
    def state(self, value):
        self._state, self._flat = tuple(value), None

    def step(self, params, grads, learn_rate):
        """The learnables after one iteration."""
        self.t += 1
        if self.solver.flat is not None and _Flat.fits(params, grads):
            if self._flat is None:
                self._flat = _Flat(params, self._state)
            return self._flat.step(self, params, grads, learn_rate)
        self.last = None
        raws = clip_raw(self._regularized([p._data for p in params], [g._data for g in grads]),
                        self.o.GradientThreshold, self.o.GradientThresholdMethod)
        grads = [DLArray._new(r, g._fmt) for r, g in zip(raws, grads)]
        new, state = self.solver.step(params, grads, self.state, learn_rate, self.t, self.o)
        new, state = list(new), tuple(state)
        if len(state) != len(self.solver.state) or len(new) != len(params):
            raise ValueError(f"solver {self.solver.name!r}: its step must return the "
                             f"{len(params)} parameters and a state of {len(self.solver.state)} "
                             f"values {self.solver.state}; it returned {len(new)} and {len(state)}")
        self.state = state
        new = [n if isinstance(n, DLArray) else DLArray._new(n, p._fmt)
               for p, n in zip(params, new)]
        return [n if f is None else DLArray._new(self._scaled(p._data, n._data, f), p._fmt)
                for p, n, f in zip(params, new, self._rates)]

    def _regularized(self, params, grads, inplace=False):
        """g + L2Regularization * L2factor * w, per parameter (raw arrays; ``inplace``:
        into the given gradients)."""
        out = []
        for w, g, lam in zip(params, grads, self._l2):
            if lam is not None:
                term = (lam * w).astype(g.dtype, copy=False)
                if inplace:
                    g += term
                else:
                    g = g + term
            out.append(g)
        return out

    @staticmethod
    def _scaled(p, n, f):
        """A learn-rate factor scales the step: p + f * (p_new - p)."""
        return (p + f * (n - p)).astype(p.dtype)


class _Flat:
    """The learnables end to end in one vector, for a solver's flat step."""

    @staticmethod
    def fits(params, grads):
        """Whether the learnables and gradients share one float type and backend (and
        each gradient has its learnable's size)."""
        if not params:
            return False
        a = params[0]._data
        return a.dtype.kind == "f" and all(
            type(x._data) is type(a) and x._data.dtype == a.dtype
            for x in (*params, *grads)) and all(
            p._data.shape == g._data.shape for p, g in zip(params, grads))

    def __init__(self, params, state):
        a = params[0]._data
        self.xp, self.dtype = array_namespace(a), a.dtype
        self.shapes = [p._data.shape for p in params]
        self.fmts = [p._fmt for p in params]
        ends = np.cumsum([0] + [p._data.size for p in params])
        self.bounds = list(zip(ends[:-1].tolist(), ends[1:].tolist()))
        self.vector, self.handed = None, ()     # the last step's vector and its views
        self.state = tuple(None if s is None else self.join([x._data if isinstance(x, DLArray)
                                                             else x for x in s]) for s in state)

    def join(self, arrays):
        return self.xp.concatenate([self.xp.asarray(a, self.dtype).reshape(-1) for a in arrays])

    def pieces(self, v):
        return [v[lo:hi].reshape(shape) for (lo, hi), shape in zip(self.bounds, self.shapes)]

    def unflattened_state(self):
        return tuple(None if s is None else [DLArray._new(piece.copy(), f) for piece, f in
                                             zip(self.pieces(s), self.fmts)] for s in self.state)

    def step(self, stepper, params, grads, learn_rate):
        same = len(self.handed) == len(params) and all(
            p._data is h for p, h in zip(params, self.handed))
        p = self.vector if same else self.join([x._data for x in params])
        g = self.join([x._data for x in grads])             # our own: changed in place
        g_pieces = stepper._regularized([x._data for x in params], self.pieces(g), inplace=True)
        clip_raw(g_pieces, stepper.o.GradientThreshold, stepper.o.GradientThresholdMethod,
                 inplace=True)
        new, state = stepper.solver.flat(p, g, self.state, learn_rate, stepper.t, stepper.o)
        if len(state) != len(stepper.solver.state) or new.shape != p.shape:
            raise ValueError(f"solver {stepper.solver.name!r}: its flat step must return a "
                             f"vector of {p.size} and a state of {len(stepper.solver.state)} "
                             f"values; it returned {new.shape} and {len(state)}")
        self.state = tuple(state)
        if new is p or self.xp.may_share_memory(new, p):
            if learn_rate != 0 or new is not p:
                raise ValueError(f"solver {stepper.solver.name!r}: its flat step must return "
                                 "a new vector (the learnables it got belong to the network "
                                 "of the previous step); it returned its input or a view of it")
            return list(params)                # learn rate 0: nothing changes
        pieces = self.pieces(new)
        for old, piece, f in zip(params, pieces, stepper._rates):
            if f is not None:
                piece[...] = stepper._scaled(old._data, piece, f)
        self.vector, self.handed = new, pieces
        stepper.last = new
        return [DLArray._new(piece, fmt) for piece, fmt in zip(pieces, self.fmts)]
