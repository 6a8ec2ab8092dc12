"""``trainingOptions``: MATLAB's training options objects for trainNetwork / trainnet.

    opts = dl.trainingOptions("adam", MaxEpochs=100, MiniBatchSize=27, GradientThreshold=1)
    opts.MaxEpochs = 50          # validated like the name-value argument

``trainingOptions(solverName, **options)`` returns a ``TrainingOptionsSGDM``,
``TrainingOptionsADAM`` or ``TrainingOptionsRMSProp`` object (or that of a solver added
with ``solvers.register_solver``) whose properties have MATLAB's names, defaults and
allowed values: the solver's own options (from its registry entry), then the options
every solver has (``properties.COMMON_OPTIONS``).  Option names are matched without regard
to case, as MATLAB's name-value parser does; string values are matched the way
MATLAB's ``validatestring`` does (case-insensitive, a unique prefix is enough) and
stored in their canonical spelling.
"""
from __future__ import annotations

import difflib
import inspect
import os
import math
import numbers
import re
import textwrap

from ..core import options as V
from ..core.arguments import name_value_pairs
from . import properties as P
from . import solvers as _solvers
from .solvers import Solver, get_solver, solver_names

__all__ = ["trainingOptions", "TrainingOptions", "TrainingOptionsSGDM", "TrainingOptionsADAM",
           "TrainingOptionsRMSProp"]


# ---------------------------------------------------------------------------------------------
# value display (MATLAB's "format short" for the properties view)
# ---------------------------------------------------------------------------------------------
def _fmt_number(x) -> str:
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x == int(x) and abs(x) < 1e9:
        return str(int(x))
    if 1e-3 <= abs(x) < 1e3:
        return f"{x:.4f}"
    return f"{x:.4e}"


def _fmt_size(v) -> str:
    shape = getattr(v, "shape", None)
    if shape is not None:
        shape = tuple(shape) if len(shape) >= 2 else tuple(shape) + (1,) * (2 - len(shape))
        return f"[{'x'.join(str(n) for n in shape)} {type(v).__name__}]"
    if isinstance(v, (list, tuple)):
        return f"{{{len(v)}x1 cell}}"
    return f"[1x1 {type(v).__name__}]"


def _show(v) -> str:
    if v is None:
        return "[]"
    if isinstance(v, str):
        return f"'{v}'"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, numbers.Real):
        return _fmt_number(v)
    if callable(v):
        return f"@{getattr(v, '__name__', type(v).__name__)}"
    if isinstance(v, tuple) and v and all(callable(f) for f in v):        # OutputFcn list
        return "{" + "  ".join(_show(f) for f in v) + "}"
    if isinstance(v, tuple):                                                # ValidationData
        return "{" + "  ".join(_fmt_size(x) for x in v) + "}"
    return str(v)


def _show_option(name, v) -> str:
    """How the properties view shows option ``name``: MATLAB's strings ("auto", string
    arrays) for the options whose values are strings, else as :func:`_show`."""
    if name in P.STRING_VALUED:
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, tuple) and v and all(isinstance(x, str) for x in v):
            return "[" + "    ".join(f'"{x}"' for x in v) + "]"
        if isinstance(v, tuple):
            return f"{{1x{len(v)} cell}}"
    return _show(v)


_choice = P.choice            # the validators live in properties.py


class TrainingOptions:
    """Base class of the training options objects (MATLAB's ``TrainingOptionsSGDM``,
    ``TrainingOptionsADAM``, ``TrainingOptionsRMSProp``, one class per solver); create
    them with :func:`trainingOptions`, whose help describes every option.

    The options are properties with MATLAB's names: reading one gives its value,
    setting one (``options.MaxEpochs = 50``) validates it as trainingOptions does; an
    option of another solver, or an unknown name, is an error that says so.
    ``options.SolverName`` is the solver; ``repr`` is MATLAB's properties display; two
    options objects of one solver compare equal when every option does; ``copy.copy``
    gives an independent copy.

    Example::

        options = dl.trainingOptions("adam", MaxEpochs=20)
        isinstance(options, dl.TrainingOptions)        # True (a TrainingOptionsADAM)
        options.MaxEpochs = 50
        options.SolverName                             # 'adam'
    """

    _solver = ""
    _display = "TrainingOptions"
    _entry: Solver = None  # the solver's registry entry; set per options class

    _props: dict = {}      # property -> (default, validator), in display order; set per solver

    def __init__(self, **options):
        object.__setattr__(self, "_values", {k: d for k, (d, _) in self._props.items()})
        object.__setattr__(self, "_where", "trainingOptions")
        for key, value in options.items():
            setattr(self, self._resolve(key), value)
        object.__setattr__(self, "_where", self._display)

    # ----- names ----------------------------------------------------------------------------
    def _resolve(self, key):
        """Map a name-value argument name to the property name (case-insensitive)."""
        if key in self._props:
            return key
        by_lower = {k.lower(): k for k in self._props}
        if isinstance(key, str) and key.lower() in by_lower:
            return by_lower[key.lower()]
        self._unknown(key, where="trainingOptions")

    def _unknown(self, key, where):
        every = set(P.COMMON_OPTIONS).union(*(get_solver(n).options for n in solver_names()))
        known = {k.lower(): k for k in P.UNSUPPORTED_OPTIONS}
        if isinstance(key, str) and key.lower() in known:
            name = known[key.lower()]
            raise TypeError(f"{where}: {name!r} is a MATLAB training option that dlarr does not "
                            f"take: {P.UNSUPPORTED_OPTIONS[name]}")
        match = [k for k in every if isinstance(key, str) and k.lower() == key.lower()]
        if match:
            owners = " or ".join(f"'{n}'" for n in solver_names()
                                 if match[0] in get_solver(n).options)
            raise TypeError(f"{where}: '{match[0]}' is not an option for solver '{self._solver}'; "
                            f"it applies to solver {owners} only")
        close = difflib.get_close_matches(str(key), list(self._props), n=3, cutoff=0.6)
        if not close:
            lowered = {k.lower(): k for k in self._props}
            close = [lowered[c] for c in
                     difflib.get_close_matches(str(key).lower(), list(lowered), n=3, cutoff=0.6)]
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise TypeError(f"{where}: {key!r} is not an option of {self._display} "
                        f"(solver '{self._solver}'){hint}")

    # ----- attribute access -----------------------------------------------------------------
    def __getattr__(self, key):
        values = self.__dict__.get("_values")
        if values is not None and key in values:
            return values[key]
        if key.startswith("_"):
            raise AttributeError(key)
        if values is None:
            raise AttributeError(key)
        try:
            self._unknown(key, where=self._display)
        except TypeError as e:
            raise AttributeError(str(e)) from None

    def __setattr__(self, key, value):
        if key.startswith("_"):
            object.__setattr__(self, key, value)
            return
        if key not in self._props:
            self._unknown(key, where=self._where)
        try:
            self._values[key] = self._props[key][1](value, key)
        except (ValueError, TypeError) as e:
            raise type(e)(f"{self._where}: {e}") from None

    def __copy__(self):
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        object.__setattr__(new, "_values", dict(self._values))
        return new

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._props))

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        a, b = self._values, other._values
        return all(_same(a[k], b[k]) for k in a)

    __hash__ = None

    # ----- display --------------------------------------------------------------------------
    def __repr__(self):
        width = max(len(n) for n in self._props) + 4
        lines = [f"{self._display} with properties:", ""]
        lines += [f"{n.rjust(width)}: {_show_option(n, v)}" for n, v in self._values.items()]
        return "\n".join(lines)

    # ----- helpers for the training loop ----------------------------------------------------
    @property
    def SolverName(self) -> str:
        """The solver these options are for: 'sgdm', 'adam', 'rmsprop' (or a registered one)."""
        return self._solver

    def _learn_rate(self, epoch: int) -> float:
        """Base (global) learning rate used during 1-based ``epoch``.

        MATLAB's piecewise schedule multiplies the rate by LearnRateDropFactor at the end
        of every epoch whose number is a multiple of LearnRateDropPeriod, so with the
        defaults epochs 1..10 use InitialLearnRate and epochs 11..20 use 0.1 times it.
        The rate is built by repeated multiplication, as MATLAB updates it.
        """
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch < 1:
            raise ValueError(f"_learn_rate: epoch must be a positive integer (1-based); got {epoch!r}")
        lr = self.InitialLearnRate
        if self.LearnRateSchedule == "piecewise":
            for _ in range((int(epoch) - 1) // self.LearnRateDropPeriod):
                lr = self.LearnRateDropFactor * lr
        return lr


def _same(a, b):
    if a is b:
        return True
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(a == b)
    except Exception:
        return False


def _props_of(entry: Solver) -> dict:
    """The solver's own options, then the common ones (InitialLearnRate's default its own)."""
    props = dict(entry.options)
    for name, (default, check) in P.COMMON_OPTIONS.items():
        props[name] = (entry.initial_learn_rate if name == "InitialLearnRate" else default, check)
    return props


_CLASSES: dict = {}       # solver name -> (registry entry, its options class)


def options_class(entry: Solver) -> type:
    """The options class of a registry entry (made once; remade if the entry is replaced).
    It is a module attribute under its display name, so its objects pickle."""
    known = _CLASSES.get(entry.name)
    if known is not None and known[0] is entry:
        return known[1]
    props = _props_of(entry)
    cls = type(entry.options_class, (TrainingOptions,),
               {"__doc__": _class_doc(entry, props), "__module__": __name__,
                "_solver": entry.name, "_display": entry.options_class, "_entry": entry,
                "_props": props})
    _CLASSES[entry.name] = (entry, cls)
    current = globals().get(entry.options_class)
    if current is None or (isinstance(current, type) and issubclass(current, TrainingOptions)):
        globals()[entry.options_class] = cls
    return cls


# ---------------------------------------------------------------------------------------------
# help: the docstrings, composed from the solver registry, the options tables of
# properties.py (COMMON_OPTIONS, UNSUPPORTED_OPTIONS) and their descriptions (OPTION_HELP)
# ---------------------------------------------------------------------------------------------
_WIDTH = 88


def _doc_value(v) -> str:
    """An option's default as help shows it (a Python value, MATLAB's Inf)."""
    if isinstance(v, str):
        return f"'{v}'"
    if isinstance(v, float) and math.isinf(v):
        return "Inf"
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return f"{v:g}"
    return repr(v)


def _wrap(text, first, rest=None) -> list:
    return textwrap.wrap(" ".join(text.split()), _WIDTH, initial_indent=first,
                         subsequent_indent=first if rest is None else rest,
                         break_on_hyphens=False)


def _option_lines(name, default, check, shown=None) -> list:
    """``Name: default (default) | other values`` and the option's description."""
    shown = shown or _doc_value(default)
    alts = list(getattr(check, "values", None) or
                (f"'{o}'" for o in getattr(check, "options", ())))
    line = f"{name}: {shown} (default)" + "".join(f" | {a}" for a in alts if a != shown)
    return _wrap(line, " " * 4, " " * 8) + _wrap(P.OPTION_HELP.get(name, "(no description)"),
                                               " " * 8)


def _class_doc(entry: Solver, props: dict) -> str:
    """The docstring of a solver's options class."""
    text = (f"The object ``dl.trainingOptions('{entry.name}', ...)`` returns (MATLAB's "
            f"``{entry.options_class}``): its properties are the options, with MATLAB's names "
            "and defaults; setting one (``options.MaxEpochs = 50``) validates it as "
            "trainingOptions does.  ``help(dl.trainingOptions)`` describes each option.")
    lines = [entry.doc, ""] + _wrap(text, "") + ["", "Properties (defaults):"]
    lines += [f"    {n}: {_doc_value(d)}" for n, (d, _) in props.items()]
    return "\n".join(lines + ["", "Example::", "",
                              f'    options = dl.trainingOptions("{entry.name}", MaxEpochs=20)',
                              "    options.MaxEpochs = 50", "    print(options)"])


def _options_doc(head, example) -> str:
    """help(trainingOptions): ``head`` (its own text), the syntax, the solvers and their
    own options, every solver's options, MATLAB's options dlarr does not take, the
    output and ``example``, from the registry as it is now."""
    names = solver_names()
    lines = [head, "", "Syntax::", "", "    options = dl.trainingOptions(solverName)",
             "    options = dl.trainingOptions(solverName, Name=Value, ...)",
             '    options = dl.trainingOptions(solverName, "Name", Value, ...)    '
             "# MATLAB's positional pairs", "", "Input arguments:"]
    lines += _wrap("solverName: " + " | ".join(f"'{n}'" for n in names) + " (the registered "
                   "solvers, matched as validatestring does).", " " * 4, " " * 8)
    lines += ["", "Solvers and their own options (an option of another solver is a "
              "TypeError):"]
    for n in names:
        entry = get_solver(n)
        lines += [""] + _wrap(f"'{n}' ({entry.options_class}): {entry.doc}", "  ", "    ")
        for opt, (default, check) in entry.options.items():
            lines += _option_lines(opt, default, check)
    rates = {}
    for n in names:
        rates.setdefault(get_solver(n).initial_learn_rate, []).append(f"'{n}'")
    lines += ["", "Options of every solver (in the order of the properties display):", ""]
    for opt, (default, check) in P.COMMON_OPTIONS.items():
        shown = ", ".join(f"{_doc_value(r)} for {' and '.join(s)}" for r, s in rates.items()) \
            if opt == "InitialLearnRate" else None
        lines += _option_lines(opt, default, check, shown)
    reasons = {}
    for opt, why in P.UNSUPPORTED_OPTIONS.items():
        reasons.setdefault(why, []).append(opt)
    lines += ["", "MATLAB's options that dlarr does not take (a TypeError that says why):"]
    for why, opts in reasons.items():
        lines += _wrap(f"{', '.join(opts)}: {why}.", " " * 4, " " * 8)
    lines += ["", "Output arguments:"] + _wrap(
        "options: a " + " | ".join(get_solver(n).options_class for n in names) + " object (the "
        "solver's class, a TrainingOptions), whose properties are the options; setting one "
        "(``options.MaxEpochs = 50``) validates it the same way.", " " * 4, " " * 8)
    return "\n".join(lines + ["", example])


TrainingOptionsSGDM = options_class(get_solver("sgdm"))
TrainingOptionsADAM = options_class(get_solver("adam"))
TrainingOptionsRMSProp = options_class(get_solver("rmsprop"))


def _option_names():
    """Every option name of every solver (for MATLAB's positional name-value pairs)."""
    return set(P.COMMON_OPTIONS).union(P.UNSUPPORTED_OPTIONS,
                                       *(get_solver(n).options for n in solver_names()))


@name_value_pairs(1, names=_option_names)
def trainingOptions(solverName, **options) -> TrainingOptions:
    """Options for training a deep learning network (MATLAB's ``trainingOptions``).

    ``solverName`` is "sgdm", "adam", "rmsprop" or a solver added with
    ``register_solver``, matched as MATLAB's validatestring does (any case, a unique
    leading part is enough: "ADA" is "adam").  The name-value options are those of
    MATLAB (MaxEpochs, MiniBatchSize, InitialLearnRate, ...), given as keyword
    arguments or as MATLAB's positional pairs (``trainingOptions("adam", "MaxEpochs", 20)``);
    an option that belongs to another solver (Momentum for "adam"), one of MATLAB's options
    dlarr does not take (CheckpointPath, DispatchInBackground, ...) or an unknown name is a
    TypeError, an invalid value a ValueError naming the option.  Option names match in
    any case; string values are stored in their canonical spelling.

    Differences from MATLAB: MATLAB's "lbfgs" and "lm" solvers and the options listed
    below as not taken are not supported; ValidationData is a pair (X, Y) (MATLAB's cell
    array {X, Y}) or a datastore; OutputFcn and Metrics take Python functions; the
    options of trainNetwork and trainnet are the same object (Metrics is trainnet's).

    Example::

        options = dl.trainingOptions("adam", MaxEpochs=100, MiniBatchSize=27,
                                     GradientThreshold=1, Verbose=False)
        options = dl.trainingOptions("sgdm", "InitialLearnRate", 0.05, "Momentum", 0.95,
                                     "LearnRateSchedule", "piecewise")  # MATLAB's pairs
        options.MaxEpochs = 50                         # validated as the name-value option
        print(options)                                 # TrainingOptionsSGDM with properties: ...
    """
    if isinstance(solverName, str) and solverName.lower() in V.UNSUPPORTED_SOLVERS:
        valid = ", ".join(repr(n) for n in solver_names())
        raise ValueError(f"trainingOptions: solverName {solverName!r} "
                         f"({V.UNSUPPORTED_SOLVERS[solverName.lower()]}) is not supported by "
                         f"dlarr; valid values are {valid}")
    return options_class(get_solver(solverName, "trainingOptions", "solverName"))(**options)


_HEAD, _EXAMPLE = re.split(r"^(?=Example)", inspect.cleandoc(trainingOptions.__doc__), 1,
                           flags=re.M)


def undocumented_options() -> list:
    """The options of the registered solvers (and the common ones) that
    ``properties.OPTION_HELP`` does not describe, and its descriptions of no option.
    Empty for the built-in solvers: otherwise importing dlarr is a TypeError."""
    return sorted((_option_names() - set(P.UNSUPPORTED_OPTIONS)) ^ set(P.OPTION_HELP))


if undocumented_options():
    raise TypeError("properties.OPTION_HELP must describe every option, and only those: "
                    f"{', '.join(undocumented_options())}")


def _document():
    """Compose help(trainingOptions) from the registry (again after each change of it)."""
    trainingOptions.__doc__ = trainingOptions.__wrapped__.__doc__ = _options_doc(
        _HEAD.rstrip(), _EXAMPLE.rstrip())


_document()
_solvers._ON_CHANGE.append(_document)


def solver_of(options, fname) -> Solver:
    """The registry entry training with ``options`` uses (a TypeError for anything that
    does not come from trainingOptions)."""
    entry = getattr(type(options), "_entry", None) if isinstance(options, TrainingOptions) \
        else None
    if entry is None:
        names = "|".join(f"'{n}'" for n in solver_names())
        raise TypeError(f"{fname}: options must come from trainingOptions({names}), "
                        f"not {type(options).__name__}")
    return entry


# dl.save / dl.load (dlarr.io.persist) store an options object as a struct: SolverName, then
# every option (a Python function in one, e.g. OutputFcn, is a TypeError at save); loading
# rebuilds it through trainingOptions, which validates every value but the defaults (kept
# as they are, as trainingOptions keeps them).
def _options_from_fields(fields):
    solver = fields.pop("SolverName")
    path = fields.get("CheckpointPath")
    if isinstance(path, str) and path and not os.path.isdir(path):
        from ..core.arguments import warn_user
        warn_user(f"load: the training options' CheckpointPath {path!r} does not exist on this "
                  "machine; it is set to '' (no checkpoints)")
        fields["CheckpointPath"] = ""
    props = options_class(get_solver(solver, "load", "SolverName"))._props
    return trainingOptions(solver, **{k: v for k, v in fields.items() if k not in props or not (
        type(v) is type(props[k][0]) and _same(v, props[k][0]))})


def _register_persistence():
    from ..io import persist
    for cls in (TrainingOptionsSGDM, TrainingOptionsADAM, TrainingOptionsRMSProp):
        persist.register_class(cls.__name__, cls, lambda o: {"SolverName": o.SolverName,
                                                             **o._values},
                               _options_from_fields, fields=("SolverName",) + tuple(cls._props))


_register_persistence()
