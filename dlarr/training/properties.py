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
from ..core.formats import check_format
from ..core.options import choose

__all__ = ["in_range", "positive_int", "logical", "choice", "COMMON_OPTIONS", "UNSUPPORTED_OPTIONS"]


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
    expected = "None, a pair (X, Y) of predictors and responses, or a datastore of them"
    if v is None:
        return None
    if all(callable(getattr(v, m, None)) for m in ("read", "hasdata", "reset")):
        return v                                                  # a datastore
    if isinstance(v, (tuple, list)) and len(v) == 2:
        if any(x is None for x in v):
            raise bad(name, expected, v)
        return tuple(v)
    raise bad(name, expected, v)


def _output_fcn(v, name):
    expected = "None, a callable, or a list of callables"
    if v is None:
        return None
    if callable(v):
        return v
    if isinstance(v, (list, tuple)) and v and all(callable(f) for f in v):
        return tuple(v)
    raise bad(name, expected, v)


def _metrics(v, name):
    """None (or an empty list), a metric name, a function, or a list of them."""
    if v is None or (isinstance(v, (list, tuple)) and not v):
        return None
    if isinstance(v, str):
        return choose(v, V.METRICS, None, name)
    if callable(v):
        return v
    if isinstance(v, (list, tuple)):
        out = tuple(choose(m, V.METRICS, None, name) if isinstance(m, str) else m for m in v)
        if all(isinstance(m, str) or callable(m) for m in out):
            return out
    raise bad(name, "None, a metric name (" + ", ".join(repr(m) for m in V.METRICS) +
              "), a function value = f(Y, T), or a list of them", v)


_metrics.options = V.METRICS


def _objective_metric_name(v, name):
    if not isinstance(v, str) or not v:
        raise bad(name, "'loss' or the name of one of the Metrics", v)
    return v


def _data_formats(v, name):
    """'auto', a data format such as 'CBT' (MATLAB's "auto" / "CBT"), or one per input."""
    expected = "'auto' or a data format of the labels 'S', 'C', 'B', 'T', 'U' (such as 'CBT')"
    if isinstance(v, (list, tuple)) and v and all(isinstance(f, str) for f in v):
        return tuple(_data_formats(f, name) for f in v)
    if not isinstance(v, str) or not v:
        raise bad(name, expected, v)
    if v.lower() == "auto":
        return "auto"
    try:
        return check_format(v, name)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{e}; {name} must be {expected}") from None


def _output_network(v, name):
    """MATLAB's OutputNetwork; its name before R2024a ('best-validation-loss') is accepted
    and stored as today's ('best-validation')."""
    if isinstance(v, str):
        for old, new in V.OUTPUT_NETWORK_ALIASES.items():
            if len(v) > len(new) and old.startswith(v.lower()):
                return new
    return choose(v, V.OUTPUT_NETWORKS, None, name)


_output_network.options = V.OUTPUT_NETWORKS


def _preprocessing_environment(v, name):
    if isinstance(v, str) and v.lower() in V.UNSUPPORTED_PREPROCESSING_ENVIRONMENTS:
        why = V.UNSUPPORTED_PREPROCESSING_ENVIRONMENTS[v.lower()]
        raise ValueError(f"{name} {v!r} is not supported by dlarr ({why}; dlarr prepares the "
                         f"mini-batches in the training process); valid values are "
                         f"{', '.join(repr(o) for o in V.PREPROCESSING_ENVIRONMENTS)}")
    return choose(v, V.PREPROCESSING_ENVIRONMENTS, None, name)


_preprocessing_environment.options = V.PREPROCESSING_ENVIRONMENTS


FRACTION_CLOSED = "a scalar from 0 to 1"
FRACTION_OPEN = "a nonnegative scalar less than 1"
POSITIVE_FINITE = "a positive finite scalar"

# name -> (default, validator), in MATLAB's display order (R2024a, less the options dlarr
# does not support, UNSUPPORTED_OPTIONS).  InitialLearnRate's default (None here) is the
# solver's own (the registry's ``initial_learn_rate``).
COMMON_OPTIONS = {
    "InitialLearnRate": (None, in_range(0, math.inf, lo_open=True, hi_open=True,
                                        expected=POSITIVE_FINITE)),
    "MaxEpochs": (30, positive_int()),
    "LearnRateSchedule": ("none", choice(*V.LEARN_RATE_SCHEDULES)),
    "LearnRateDropFactor": (0.1, in_range(0, 1, expected=FRACTION_CLOSED)),
    "LearnRateDropPeriod": (10, positive_int()),
    "MiniBatchSize": (128, positive_int()),
    "Shuffle": ("once", choice(*V.SHUFFLE)),
    "SequenceLength": ("longest", _sequence_length),
    "PreprocessingEnvironment": ("serial", _preprocessing_environment),
    "L2Regularization": (1e-4, in_range(0, math.inf, hi_open=True,
                                        expected="a nonnegative finite scalar")),
    "GradientThresholdMethod": ("l2norm", choice(*V.GRADIENT_THRESHOLD_METHODS)),
    "GradientThreshold": (math.inf, in_range(0, math.inf, lo_open=True, finite=False,
                                             expected="a positive scalar or Inf")),
    "Verbose": (True, logical),
    "VerboseFrequency": (50, positive_int()),
    "ValidationData": (None, _validation_data),
    "ValidationFrequency": (50, positive_int()),
    "ValidationPatience": (math.inf, positive_int(allow_inf=True)),
    "ObjectiveMetricName": ("loss", _objective_metric_name),
    "ExecutionEnvironment": ("auto", choice(*V.EXECUTION_ENVIRONMENTS)),
    "OutputFcn": (None, _output_fcn),
    "Metrics": (None, _metrics),
    "Plots": ("none", choice(*V.PLOTS)),
    "SequencePaddingValue": (0, _padding_value),
    "SequencePaddingDirection": ("right", choice(*V.PADDING_DIRECTIONS)),
    "InputDataFormats": ("auto", _data_formats),
    "TargetDataFormats": ("auto", _data_formats),
    "ResetInputNormalization": (True, logical),
    "OutputNetwork": ("auto", _output_network),
    "Acceleration": ("auto", choice(*V.ACCELERATIONS)),
}

# Options MATLAB values shown as strings ("auto") rather than character vectors ('auto').
STRING_VALUED = frozenset({"Metrics", "InputDataFormats", "TargetDataFormats", "Acceleration"})

_LBFGS = "an option of MATLAB's 'lbfgs' solver, which dlarr does not support"
_LM = "an option of MATLAB's 'lm' solver, which dlarr does not support"
# MATLAB's trainingOptions names that dlarr does not take, and why (the error says so).
UNSUPPORTED_OPTIONS = {
    "CheckpointPath": "not supported yet (checkpoints are planned)",
    "CheckpointFrequency": "not supported yet (checkpoints are planned)",
    "CheckpointFrequencyUnit": "not supported yet (checkpoints are planned)",
    "DispatchInBackground": "not supported (dlarr prepares the mini-batches in the training "
                            "process, MATLAB's PreprocessingEnvironment 'serial')",
    "WorkerLoad": "not supported (dlarr trains on one CPU or GPU, without a parallel pool)",
    "BatchNormalizationStatistics": "not supported (dlarr has no batch normalization layer)",
    "MaxIterations": _LBFGS, "LineSearchMethod": _LBFGS, "MaxNumLineSearchIterations": _LBFGS,
    "HistorySize": _LBFGS, "InitialInverseHessianFactor": _LBFGS, "InitialStepSize": _LBFGS,
    "GradientTolerance": _LBFGS, "StepTolerance": _LBFGS,
    "InitialDampingFactor": _LM, "MaxDampingFactor": _LM, "DampingIncreaseFactor": _LM,
    "DampingDecreaseFactor": _LM,
}
