"""``trainingOptions``: MATLAB's training options objects for trainNetwork / trainnet.

    opts = dl.trainingOptions("adam", MaxEpochs=100, MiniBatchSize=27, GradientThreshold=1)
    opts.MaxEpochs = 50          # validated like the name-value argument

``trainingOptions(solverName, **options)`` returns a ``TrainingOptionsSGDM``,
``TrainingOptionsADAM`` or ``TrainingOptionsRMSProp`` object whose properties have
MATLAB's names, defaults and allowed values.  Option names are matched without regard
to case, as MATLAB's name-value parser does; string values are matched the way
MATLAB's ``validatestring`` does (case-insensitive, a unique prefix is enough) and
stored in their canonical spelling.
"""
from __future__ import annotations

import difflib
import math
import numbers

import numpy as np

__all__ = ["trainingOptions", "TrainingOptions", "TrainingOptionsSGDM", "TrainingOptionsADAM",
           "TrainingOptionsRMSProp"]

_SOLVERS = ("sgdm", "adam", "rmsprop")


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


# ---------------------------------------------------------------------------------------------
# validators: each takes (value, name) and returns the stored value or raises
# ---------------------------------------------------------------------------------------------
def _what(v) -> str:
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, (bool, np.bool_)):
        return f"{bool(v)!r} (a logical)"
    if isinstance(v, numbers.Number):
        return repr(v.item() if isinstance(v, np.generic) else v)
    shape = getattr(v, "shape", None)
    if shape is not None:
        return f"an array of size {tuple(shape)}"
    return f"a {type(v).__name__}"


def _bad(name, expected, v):
    return ValueError(f"{name} must be {expected}; got {_what(v)}")


def _real(v, name, expected):
    """A real scalar (Python or NumPy number, or a 0-d/one-element array), never a bool."""
    if isinstance(v, (bool, np.bool_, str)):
        raise _bad(name, expected, v)
    if isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in "iuf":
        v = v.reshape(()).item()
    if not isinstance(v, numbers.Real):
        raise _bad(name, expected, v)
    return float(v)


def _in_range(lo, hi, lo_open=False, hi_open=False, finite=True, expected=None):
    def check(v, name):
        x = _real(v, name, expected)
        ok = not math.isnan(x) and (not finite or math.isfinite(x))
        ok = ok and (x > lo if lo_open else x >= lo) and (x < hi if hi_open else x <= hi)
        if not ok:
            raise _bad(name, expected, v)
        return x
    return check


def _positive_int(allow_inf=False):
    expected = "a positive integer" + (" or Inf" if allow_inf else "")

    def check(v, name):
        x = _real(v, name, expected)
        if allow_inf and x == math.inf:
            return math.inf
        if not math.isfinite(x) or x != int(x) or x < 1:
            raise _bad(name, expected, v)
        return int(x)
    return check


def _logical(v, name):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Real) and not isinstance(v, str) and v in (0, 1):
        return bool(v)
    raise _bad(name, "a logical value (True/False, or 1/0)", v)


def _choice(*allowed):
    expected = "one of " + ", ".join(f"'{a}'" for a in allowed)

    def check(v, name):
        if not isinstance(v, str):
            raise _bad(name, expected, v)
        low = v.lower()
        exact = [a for a in allowed if a == low]
        if exact:
            return exact[0]
        prefix = [a for a in allowed if a.startswith(low)] if low else []
        if len(prefix) == 1:
            return prefix[0]
        raise _bad(name, expected, v)
    return check


def _sequence_length(v, name):
    expected = "'longest', 'shortest' or a positive integer"
    if isinstance(v, str):
        try:
            return _choice("longest", "shortest")(v, name)
        except ValueError:
            raise _bad(name, expected, v) from None
    try:
        return _positive_int()(v, name)
    except ValueError:
        raise _bad(name, expected, v) from None


def _padding_value(v, name):
    return _real(v, name, "a real scalar")


def _validation_data(v, name):
    if v is None:
        return None
    if isinstance(v, (tuple, list)) and len(v) == 2:
        if any(x is None for x in v):
            raise _bad(name, "None or a pair (X, Y) of predictors and responses", v)
        return tuple(v)
    raise _bad(name, "None or a pair (X, Y) of predictors and responses", v)


def _output_fcn(v, name):
    expected = "None, a callable, or a list of callables"
    if v is None:
        return None
    if callable(v):
        return v
    if isinstance(v, (list, tuple)) and v and all(callable(f) for f in v):
        return tuple(v)
    raise _bad(name, expected, v)


# ---------------------------------------------------------------------------------------------
# property tables: name -> (default, validator), in MATLAB's display order
# ---------------------------------------------------------------------------------------------
_FRACTION_CLOSED = "a scalar from 0 to 1"
_FRACTION_OPEN = "a nonnegative scalar less than 1"

_SOLVER_PROPS = {
    "Momentum": (0.9, _in_range(0, 1, expected=_FRACTION_CLOSED)),
    "GradientDecayFactor": (0.9, _in_range(0, 1, hi_open=True, expected=_FRACTION_OPEN)),
    "SquaredGradientDecayFactor": (None, _in_range(0, 1, hi_open=True, expected=_FRACTION_OPEN)),
    "Epsilon": (1e-8, _in_range(0, math.inf, lo_open=True, hi_open=True,
                                expected="a positive finite scalar")),
}

_COMMON_PROPS = {
    "InitialLearnRate": (None, _in_range(0, math.inf, lo_open=True, hi_open=True,
                                         expected="a positive finite scalar")),
    "LearnRateSchedule": ("none", _choice("none", "piecewise")),
    "LearnRateDropFactor": (0.1, _in_range(0, 1, expected=_FRACTION_CLOSED)),
    "LearnRateDropPeriod": (10, _positive_int()),
    "L2Regularization": (1e-4, _in_range(0, math.inf, hi_open=True,
                                         expected="a nonnegative finite scalar")),
    "GradientThresholdMethod": ("l2norm", _choice("l2norm", "global-l2norm", "absolute-value")),
    "GradientThreshold": (math.inf, _in_range(0, math.inf, lo_open=True, finite=False,
                                              expected="a positive scalar or Inf")),
    "MaxEpochs": (30, _positive_int()),
    "MiniBatchSize": (128, _positive_int()),
    "Verbose": (True, _logical),
    "VerboseFrequency": (50, _positive_int()),
    "ValidationData": (None, _validation_data),
    "ValidationFrequency": (50, _positive_int()),
    "ValidationPatience": (math.inf, _positive_int(allow_inf=True)),
    "Shuffle": ("once", _choice("once", "every-epoch", "never")),
    "ExecutionEnvironment": ("auto", _choice("auto", "cpu", "gpu")),
    "OutputFcn": (None, _output_fcn),
    "Plots": ("none", _choice("none", "training-progress")),
    "SequenceLength": ("longest", _sequence_length),
    "SequencePaddingValue": (0, _padding_value),
    "SequencePaddingDirection": ("right", _choice("right", "left")),
    "ResetInputNormalization": (True, _logical),
    "OutputNetwork": ("last-iteration", _choice("last-iteration", "best-validation-loss")),
}

# which solver-specific options each solver has, with its own defaults
_SOLVER_SPECIFIC = {
    "sgdm": {"Momentum": 0.9},
    "adam": {"GradientDecayFactor": 0.9, "SquaredGradientDecayFactor": 0.999, "Epsilon": 1e-8},
    "rmsprop": {"SquaredGradientDecayFactor": 0.9, "Epsilon": 1e-8},
}
_INITIAL_LEARN_RATE = {"sgdm": 0.01, "adam": 0.001, "rmsprop": 0.001}


def _owners(name):
    return [s for s in _SOLVERS if name in _SOLVER_SPECIFIC[s]]


class TrainingOptions:
    """Base class of the training options objects; create them with :func:`trainingOptions`."""

    _solver = ""
    _display = "TrainingOptions"

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
        every = set(_COMMON_PROPS) | set(_SOLVER_PROPS)
        match = [k for k in every if isinstance(key, str) and k.lower() == key.lower()]
        if match:
            owners = " or ".join(f"'{s}'" for s in _owners(match[0]))
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
        except ValueError as e:
            raise ValueError(f"{self._where}: {e}") from None

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
        lines += [f"{n.rjust(width)}: {_show(v)}" for n, v in self._values.items()]
        return "\n".join(lines)

    # ----- helpers for the training loop ----------------------------------------------------
    @property
    def SolverName(self) -> str:
        """The solver these options are for: 'sgdm', 'adam' or 'rmsprop'."""
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


class TrainingOptionsSGDM(TrainingOptions):
    """Training options for stochastic gradient descent with momentum."""
    _solver = "sgdm"
    _display = "TrainingOptionsSGDM"


class TrainingOptionsADAM(TrainingOptions):
    """Training options for the Adam (adaptive moment estimation) optimizer."""
    _solver = "adam"
    _display = "TrainingOptionsADAM"


class TrainingOptionsRMSProp(TrainingOptions):
    """Training options for RMSProp (root mean square propagation)."""
    _solver = "rmsprop"
    _display = "TrainingOptionsRMSProp"


_CLASSES = {"sgdm": TrainingOptionsSGDM, "adam": TrainingOptionsADAM,
            "rmsprop": TrainingOptionsRMSProp}


def _build_props(solver):
    props = {name: (default, _SOLVER_PROPS[name][1])
             for name, default in _SOLVER_SPECIFIC[solver].items()}
    for name, (default, check) in _COMMON_PROPS.items():
        props[name] = (_INITIAL_LEARN_RATE[solver] if name == "InitialLearnRate" else default, check)
    return props


for _solver_name, _cls in _CLASSES.items():
    _cls._props = _build_props(_solver_name)


def trainingOptions(solverName, **options) -> TrainingOptions:
    """Options for training a deep learning network (MATLAB's ``trainingOptions``).

    ``solverName`` is "sgdm", "adam" or "rmsprop" (case-insensitive).  The name-value
    options are those of MATLAB (MaxEpochs, MiniBatchSize, InitialLearnRate, ...), given as
    keyword arguments; an option that belongs to another solver (Momentum for "adam") or an
    unknown name is a TypeError, an invalid value a ValueError naming the option.
    """
    if not isinstance(solverName, str) or solverName.lower() not in _CLASSES:
        raise ValueError(f"trainingOptions: solverName must be one of 'sgdm', 'adam', 'rmsprop'; "
                         f"got {_what(solverName)}")
    return _CLASSES[solverName.lower()](**options)
