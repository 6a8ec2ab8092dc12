"""The properties of the training options objects: value checks, and the options
every solver has (MATLAB's display order and defaults).

A validator takes ``(value, name)`` and returns the value to store (numbers as
Python floats or ints, strings in their canonical spelling) or raises a
ValueError (a TypeError for a string option given a non-string) naming the
option; :class:`options.TrainingOptions` adds where it was called from.  The
solver registry (``solvers.py``) declares each solver's own options with these
validators; ``options.py`` builds the options classes from both tables.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..core import options as V
from ..core.options import choose

__all__ = ["in_range", "positive_int", "logical", "choice", "COMMON_OPTIONS"]


def what(v) -> str:
    """How an error message shows a rejected value."""
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


def bad(name, expected, v):
    return ValueError(f"{name} must be {expected}; got {what(v)}")


def real(v, name, expected):
    """A real scalar (Python or NumPy number, or a 0-d/one-element array), never a bool."""
    if isinstance(v, (bool, np.bool_, str)):
        raise bad(name, expected, v)
    if isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in "iuf":
        v = v.reshape(()).item()
    if not isinstance(v, numbers.Real):
        raise bad(name, expected, v)
    return float(v)


def in_range(lo, hi, lo_open=False, hi_open=False, finite=True, expected=None):
    """A validator for a real scalar in [lo, hi] (open at an end when asked), stored as a
    float; ``expected`` is how the error message describes the allowed values."""
    if expected is None:
        expected = f"a scalar in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"

    def check(v, name):
        x = real(v, name, expected)
        ok = not math.isnan(x) and (not finite or math.isfinite(x))
        ok = ok and (x > lo if lo_open else x >= lo) and (x < hi if hi_open else x <= hi)
        if not ok:
            raise bad(name, expected, v)
        return x
    return check


def positive_int(allow_inf=False):
    """A validator for a positive integer (or Inf), stored as an int (or math.inf)."""
    expected = "a positive integer" + (" or Inf" if allow_inf else "")

    def check(v, name):
        x = real(v, name, expected)
        if allow_inf and x == math.inf:
            return math.inf
        if not math.isfinite(x) or x != int(x) or x < 1:
            raise bad(name, expected, v)
        return int(x)
    return check


def logical(v, name):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Real) and not isinstance(v, str) and v in (0, 1):
        return bool(v)
    raise bad(name, "a logical value (True/False, or 1/0)", v)


def choice(*allowed):
    """A validator matching MATLAB's validatestring (``core.options.choose``)."""
    def check(v, name):
        return choose(v, allowed, None, name)
    check.options = allowed
    return check


def _sequence_length(v, name):
    expected = "'longest', 'shortest' or a positive integer"
    if isinstance(v, str):
        try:
            return choose(v, V.SEQUENCE_LENGTHS, None, name)
        except ValueError:
            raise bad(name, expected, v) from None
    try:
        return positive_int()(v, name)
    except ValueError:
        raise bad(name, expected, v) from None


def _padding_value(v, name):
    return real(v, name, "a real scalar")


def _validation_data(v, name):
    if v is None:
        return None
    if isinstance(v, (tuple, list)) and len(v) == 2:
        if any(x is None for x in v):
            raise bad(name, "None or a pair (X, Y) of predictors and responses", v)
        return tuple(v)
    raise bad(name, "None or a pair (X, Y) of predictors and responses", v)


def _output_fcn(v, name):
    expected = "None, a callable, or a list of callables"
    if v is None:
        return None
    if callable(v):
        return v
    if isinstance(v, (list, tuple)) and v and all(callable(f) for f in v):
        return tuple(v)
    raise bad(name, expected, v)


FRACTION_CLOSED = "a scalar from 0 to 1"
FRACTION_OPEN = "a nonnegative scalar less than 1"
POSITIVE_FINITE = "a positive finite scalar"

# name -> (default, validator), in MATLAB's display order.  InitialLearnRate's
# default (None here) is the solver's own (the registry's ``initial_learn_rate``).
COMMON_OPTIONS = {
    "InitialLearnRate": (None, in_range(0, math.inf, lo_open=True, hi_open=True,
                                        expected=POSITIVE_FINITE)),
    "LearnRateSchedule": ("none", choice(*V.LEARN_RATE_SCHEDULES)),
    "LearnRateDropFactor": (0.1, in_range(0, 1, expected=FRACTION_CLOSED)),
    "LearnRateDropPeriod": (10, positive_int()),
    "L2Regularization": (1e-4, in_range(0, math.inf, hi_open=True,
                                        expected="a nonnegative finite scalar")),
    "GradientThresholdMethod": ("l2norm", choice(*V.GRADIENT_THRESHOLD_METHODS)),
    "GradientThreshold": (math.inf, in_range(0, math.inf, lo_open=True, finite=False,
                                             expected="a positive scalar or Inf")),
    "MaxEpochs": (30, positive_int()),
    "MiniBatchSize": (128, positive_int()),
    "Verbose": (True, logical),
    "VerboseFrequency": (50, positive_int()),
    "ValidationData": (None, _validation_data),
    "ValidationFrequency": (50, positive_int()),
    "ValidationPatience": (math.inf, positive_int(allow_inf=True)),
    "Shuffle": ("once", choice(*V.SHUFFLE)),
    "ExecutionEnvironment": ("auto", choice(*V.EXECUTION_ENVIRONMENTS)),
    "OutputFcn": (None, _output_fcn),
    "Plots": ("none", choice(*V.PLOTS)),
    "SequenceLength": ("longest", _sequence_length),
    "SequencePaddingValue": (0, _padding_value),
    "SequencePaddingDirection": ("right", choice(*V.PADDING_DIRECTIONS)),
    "ResetInputNormalization": (True, logical),
    "OutputNetwork": ("last-iteration", choice(*V.OUTPUT_NETWORKS)),
}
