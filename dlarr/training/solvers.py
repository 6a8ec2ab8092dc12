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
``adamupdate``, ``rmspropupdate``).

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
from ..functions.optimizers import adamupdate, clipgradients, rmspropupdate, sgdmupdate
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


_REGISTRY: dict[str, Solver] = {}
_ON_CHANGE: list = []       # called after every change of the registry (options.py: the help)


def solver_names() -> tuple:
    """The registered solver names, in registration order (MATLAB's three first)."""
    return tuple(_REGISTRY)


def get_solver(name, fname="trainingOptions", argname="solverName") -> Solver:
    """The entry of solver ``name``, matched as MATLAB's validatestring does."""
    return _REGISTRY[choose(name, solver_names(), fname, argname)]


def register_solver(name, step, *, options_class=None, options=None, initial_learn_rate=0.001,
                    state=(), doc=None, replace=False) -> Solver:
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
    iterations.  Registering an existing name is an error unless ``replace=True``.
    """
    if not isinstance(name, str) or not name or name != name.strip():
        raise TypeError(f"register_solver: name must be a non-empty string, not {name!r}")
    if not callable(step):
        raise TypeError(f"register_solver: step must be callable, not {type(step).__name__}")
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
                   f"the {name!r} solver.")
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


def _decay():
    return P.in_range(0, 1, hi_open=True, expected=P.FRACTION_OPEN)


_EPSILON = P.in_range(0, math.inf, lo_open=True, hi_open=True, expected=P.POSITIVE_FINITE)

register_solver(
    "sgdm", _sgdm_step, options_class="TrainingOptionsSGDM", initial_learn_rate=0.01,
    options={"Momentum": (0.9, P.in_range(0, 1, expected=P.FRACTION_CLOSED))},
    state=("Velocity",),
    doc="Training options for stochastic gradient descent with momentum.")
register_solver(
    "adam", _adam_step, options_class="TrainingOptionsADAM", initial_learn_rate=0.001,
    options={"GradientDecayFactor": (0.9, _decay()),
             "SquaredGradientDecayFactor": (0.999, _decay()),
             "Epsilon": (1e-8, _EPSILON)},
    state=("AverageGrad", "AverageSqGrad"),
    doc="Training options for the Adam (adaptive moment estimation) optimizer.")
register_solver(
    "rmsprop", _rmsprop_step, options_class="TrainingOptionsRMSProp", initial_learn_rate=0.001,
    options={"SquaredGradientDecayFactor": (0.9, _decay()), "Epsilon": (1e-8, _EPSILON)},
    state=("AverageSqGrad",),
    doc="Training options for RMSProp (root mean square propagation).")


# ==========================================================================
# The step trainNetwork takes, for every solver
# ==========================================================================

class Stepper:
    """One solver over the list of learnables, with MATLAB's per-parameter extras
    (L2 regularization, clipping, learn-rate factors) applied the same way for
    every solver.  ``slots`` are the network's (layer, learnable name) pairs."""

    def __init__(self, solver: Solver, options, slots, xp=np):
        self.solver, self.o = solver, options
        # per-gate factor arrays live on the learnables' device, converted once
        self.factors = [tuple(xp.asarray(f) if isinstance(f, np.ndarray) else f
                              for f in layer._factors(p)) for layer, p in slots]
        self.state = (None,) * len(solver.state)
        self.t = 0

    def step(self, params, grads, learn_rate):
        """The learnables after one iteration."""
        grads = self._regularized(params, grads)
        if math.isfinite(self.o.GradientThreshold):
            grads = clipgradients(grads, self.o.GradientThreshold, self.o.GradientThresholdMethod)
        self.t += 1
        new, state = self.solver.step(params, grads, self.state, learn_rate, self.t, self.o)
        new, state = list(new), tuple(state)
        if len(state) != len(self.solver.state) or len(new) != len(params):
            raise ValueError(f"solver {self.solver.name!r}: its step must return the "
                             f"{len(params)} parameters and a state of {len(self.solver.state)} "
                             f"values {self.solver.state}; it returned {len(new)} and {len(state)}")
        self.state = state
        new = [n if isinstance(n, DLArray) else DLArray._new(n, p._fmt)
               for p, n in zip(params, new)]
        return self._scaled(params, new)

    def _regularized(self, params, grads):
        """g + L2Regularization * L2factor * w, per parameter."""
        out = []
        for w, g, (_, l2f) in zip(params, grads, self.factors):
            lam = self.o.L2Regularization * l2f
            out.append(g if np.all(lam == 0) else
                       DLArray._new(g._data + (lam * w._data).astype(g.dtype), g._fmt))
        return out

    def _scaled(self, params, new):
        """A learn-rate factor scales the step: p + f * (p_new - p)."""
        return [n if np.all(f == 1) else
                DLArray._new((p._data + f * (n._data - p._data)).astype(p.dtype), p._fmt)
                for p, n, (f, _) in zip(params, new, self.factors)]
