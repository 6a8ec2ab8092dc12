"""The properties of the training options objects: value checks, and the options
every solver has (MATLAB's display order and defaults).

A validator takes ``(value, name)`` and returns the value to store (numbers as
Python floats or ints, strings in their canonical spelling) or raises a
ValueError (a TypeError for a string option given a non-string) naming the
option; :class:`options.TrainingOptions` adds where it was called from.  The
solver registry (``solvers.py``) declares each solver's own options with these
validators; ``options.py`` builds the options classes from both tables.

For help: each validator carries ``.values``, the texts of the values it takes (a
``choice`` its ``.options``), and ``OPTION_HELP`` describes every option;
``options.py`` composes ``help(trainingOptions)`` from them and the registry.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..core import options as V
from ..core.formats import check_format
from ..core.options import choose
from ..core.options import BATCH_NORMALIZATION_STATISTICS, TRAINING_EXECUTION_ENVIRONMENTS

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
    check.values = (expected,)
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
    check.values = (expected,)
    return check


def logical(v, name):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Real) and not isinstance(v, str) and v in (0, 1):
        return bool(v)
    raise bad(name, "a logical value (True/False, or 1/0)", v)


logical.values = ("logical (True/False, or 1/0)",)


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


_sequence_length.values = ("'longest'", "'shortest'", "positive integer")
_padding_value.values = ("real scalar",)


def _checkpoint_path(v, name):
    """'' (no checkpoints) or an existing folder, as MATLAB (which asks that it exist)."""
    import os
    if not isinstance(v, (str, os.PathLike)):
        raise TypeError(f"{name} must be a folder name (a string), not {what(v)}")
    v = os.fspath(v)
    if v and not os.path.isdir(v):
        raise ValueError(f"{name} must be an existing folder; {v!r} is not one (create it "
                         "first, as MATLAB asks)")
    return v


_checkpoint_path.values = ("''", "folder name")


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


_validation_data.values = ("(X, Y) pair of predictors and responses", "datastore")


def _output_fcn(v, name):
    expected = "None, a callable, or a list of callables"
    if v is None:
        return None
    if callable(v):
        return v
    if isinstance(v, (list, tuple)) and v and all(callable(f) for f in v):
        return tuple(v)
    raise bad(name, expected, v)


_output_fcn.values = ("function", "list of functions")


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
_metrics.values = tuple(f"'{m}'" for m in V.METRICS) + ("function value = f(Y, T)",
                                                        "list of them")


def _objective_metric_name(v, name):
    if not isinstance(v, str) or not v:
        raise bad(name, "'loss' or the name of one of the Metrics", v)
    return v


_objective_metric_name.values = ("'loss'", "name of a metric")


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


_data_formats.values = ("'auto'", "data format such as 'CBT'", "list of formats, one per input")


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
    "ExecutionEnvironment": ("auto", choice(*TRAINING_EXECUTION_ENVIRONMENTS)),
    "OutputFcn": (None, _output_fcn),
    "Metrics": (None, _metrics),
    "Plots": ("none", choice(*V.PLOTS)),
    "SequencePaddingValue": (0, _padding_value),
    "SequencePaddingDirection": ("right", choice(*V.PADDING_DIRECTIONS)),
    "InputDataFormats": ("auto", _data_formats),
    "TargetDataFormats": ("auto", _data_formats),
    "ResetInputNormalization": (True, logical),
    "BatchNormalizationStatistics": ("auto", choice(*BATCH_NORMALIZATION_STATISTICS)),
    "OutputNetwork": ("auto", _output_network),
    "CheckpointPath": ("", _checkpoint_path),
    "CheckpointFrequency": (1, positive_int()),
    "CheckpointFrequencyUnit": ("epoch", choice(*V.CHECKPOINT_FREQUENCY_UNITS)),
    "Acceleration": ("auto", choice(*V.ACCELERATIONS)),
}

# Options MATLAB values shown as strings ("auto") rather than character vectors ('auto').
STRING_VALUED = frozenset({"Metrics", "InputDataFormats", "TargetDataFormats", "Acceleration"})

_LBFGS = "an option of MATLAB's 'lbfgs' solver, which dlarr does not support"
_LM = "an option of MATLAB's 'lm' solver, which dlarr does not support"
# MATLAB's trainingOptions names that dlarr does not take, and why (the error says so).
UNSUPPORTED_OPTIONS = {
    "DispatchInBackground": "not supported (dlarr prepares the mini-batches in the training "
                            "process, MATLAB's PreprocessingEnvironment 'serial')",
    "WorkerLoad": "not supported (with ExecutionEnvironment 'parallel' dlarr splits each "
                  "mini-batch evenly across the MPI workers)",
    "MaxIterations": _LBFGS, "LineSearchMethod": _LBFGS, "MaxNumLineSearchIterations": _LBFGS,
    "HistorySize": _LBFGS, "InitialInverseHessianFactor": _LBFGS, "InitialStepSize": _LBFGS,
    "GradientTolerance": _LBFGS, "StepTolerance": _LBFGS,
    "InitialDampingFactor": _LM, "MaxDampingFactor": _LM, "DampingIncreaseFactor": _LM,
    "DampingDecreaseFactor": _LM,
}

# The description of each option, for help(trainingOptions) (after MATLAB's trainingOptions
# page, as dlarr does it): every option of COMMON_OPTIONS and of the built-in solvers must
# have one (options.py checks it at import); a registered solver's own options may.
OPTION_HELP = {
    # the built-in solvers' own options
    "Momentum": "Contribution of the previous step to the current iteration of stochastic "
                "gradient descent with momentum: 0 is no momentum, 1 the largest.",
    "GradientDecayFactor": "Decay rate of the gradient moving average of the Adam solver "
                           "(beta1 in the Adam paper's notation).",
    "SquaredGradientDecayFactor": "Decay rate of the squared gradient moving average (beta2 "
                                  "of Adam; RMSProp's decay rate): typical values 0.9, 0.99 "
                                  "and 0.999, averaging lengths of 10, 100 and 1000 updates.",
    "Epsilon": "Denominator offset of the Adam and RMSProp updates, added to avoid division "
               "by zero.",
    # every solver's
    "InitialLearnRate": "Learning rate used for training (the global learning rate, which "
                        "the layers' learn-rate factors multiply): too low makes training "
                        "long, too high may give a suboptimal result or diverge.",
    "MaxEpochs": "Maximum number of epochs (full passes through the training data).",
    "LearnRateSchedule": "'none': the learning rate stays InitialLearnRate; 'piecewise': it "
                         "is multiplied by LearnRateDropFactor every LearnRateDropPeriod "
                         "epochs.",
    "LearnRateDropFactor": "Factor by which the 'piecewise' schedule drops the learning "
                           "rate.",
    "LearnRateDropPeriod": "Number of epochs between drops of the learning rate ('piecewise' "
                           "schedule): with the defaults, epochs 1 to 10 use "
                           "InitialLearnRate, epochs 11 to 20 0.1 times it, and so on.",
    "MiniBatchSize": "Size of the mini-batch used for each training iteration.  The data "
                     "that does not fill a last complete mini-batch of an epoch is left out, "
                     "as in MATLAB (a training set smaller than MiniBatchSize is one "
                     "mini-batch).",
    "Shuffle": "Data shuffling: 'once' before training, 'every-epoch' before every epoch, "
               "'never'.  The order comes from dlarr's random generator (dl.rng).",
    "SequenceLength": "Padding or truncation of the sequences of each mini-batch: "
                      "'longest' pads them to the longest, 'shortest' truncates them to the "
                      "shortest, and a number n pads them to the longest and splits the "
                      "mini-batch into chunks of n time steps, one iteration each, the "
                      "recurrent state carried from chunk to chunk (a sequence-to-label "
                      "network runs the earlier chunks only to carry the state).",
    "PreprocessingEnvironment": "Where mini-batches are prepared: 'serial', in the training "
                                "process.  MATLAB's 'background' and 'parallel' need its "
                                "pools and are a ValueError.",
    "L2Regularization": "Factor for L2 regularization (weight decay): L2Regularization times "
                        "each learnable's L2 factor (the layers' ...L2Factor properties; 0 "
                        "for biases by default) times the learnable is added to its "
                        "gradient.",
    "GradientThresholdMethod": "How gradients above GradientThreshold are clipped: "
                               "'l2norm', each learnable's gradient whose L2 norm exceeds "
                               "the threshold is scaled to that norm; 'global-l2norm', when "
                               "the L2 norm L of all the gradients together exceeds it, all "
                               "are scaled by GradientThreshold/L; 'absolute-value', each "
                               "partial derivative larger in magnitude is set to the "
                               "threshold, its sign kept.",
    "GradientThreshold": "Gradient threshold: Inf (math.inf, the default) clips nothing; "
                         "otherwise the gradients are clipped as GradientThresholdMethod "
                         "says, after L2 regularization and before the solver's step.",
    "Verbose": "Print the training progress table (True); False prints nothing but, on a "
               "terminal, a progress bar.",
    "VerboseFrequency": "Frequency of verbose printing: a table row at iteration 1, every "
                        "VerboseFrequency iterations (and validation) and at the end.",
    "ValidationData": "Data for validation during training: None, a pair (X, Y) of "
                      "predictors and responses in the forms training takes, or a datastore "
                      "whose reads are rows [predictors, responses].  The loss and metrics on "
                      "it are computed at iteration 1 (trainnet: on the initial network, "
                      "iteration 0), every ValidationFrequency iterations and at the end, "
                      "shown in the table and the plot and recorded in the info.",
    "ValidationFrequency": "Frequency of network validation, in iterations.",
    "ValidationPatience": "Patience of validation stopping: training stops ('Met validation "
                          "criterion') once the objective metric on the validation data has "
                          "failed this many validations in a row to improve on its best; "
                          "Inf (math.inf, the default) never stops early.",
    "ObjectiveMetricName": "Metric that ValidationPatience and OutputNetwork "
                           "'best-validation' follow: 'loss', or the name of one of the "
                           "training's built-in metrics (trainnet's Metrics; trainNetwork's "
                           "'accuracy' or 'rmse'); larger is better for all but 'loss' and "
                           "'rmse'.  As in MATLAB, a function metric cannot be the "
                           "objective.",
    "ExecutionEnvironment": "Hardware for training: 'auto' (a GPU when dl.canUseGPU(), "
                            "else the CPU), 'cpu', or 'gpu' (an error without CuPy and a "
                            "CUDA device).  The trained network is returned on the host.  "
                            "'parallel' (or 'parallel-auto', 'parallel-cpu', 'parallel-gpu') "
                            "and 'multi-gpu' (one GPU per worker) train across the MPI "
                            "processes of mpiexec -n N python script.py: each mini-batch is "
                            "split across the workers and their gradients combined "
                            "(docs/parallel.md).",
    "OutputFcn": "Functions to call during training: None, a function or a list of them, "
                 "each given a dict of MATLAB's info fields (Epoch, Iteration, "
                 "TimeSinceStart, TrainingLoss, ValidationLoss, BaseLearnRate, "
                 "TrainingAccuracy/RMSE and ValidationAccuracy/RMSE for trainNetwork, "
                 "Training<Metric> and Validation<Metric> for trainnet's Metrics, State "
                 "'start', 'iteration' or 'done') at the start, after every iteration and at "
                 "the end.  Training stops ('Stopped by OutputFcn') when one returns True.",
    "Metrics": "Metrics to monitor (trainnet; trainNetwork reports the accuracy or RMSE and "
               "rejects the option, as in MATLAB): None, a name ('accuracy' in percent, "
               "'rmse', 'fscore', 'precision', 'recall', 'auc'), a function value = f(Y, T) "
               "of the mini-batch's formatted output and targets, or a list of them.  "
               "Computed on every mini-batch and on the validation data, shown in the table "
               "and the plot, recorded in the TrainingInfo.",
    "Plots": "Plots to display during training: 'none' or 'training-progress' (a matplotlib "
             "figure of the loss and metrics per iteration, live with a display and a GUI "
             "backend, else written to training-progress.png).",
    "SequencePaddingValue": "Value with which the sequences are padded.",
    "SequencePaddingDirection": "Direction of padding or truncation: 'right' at the end of "
                                "the sequences, 'left' at their start (a sequence-to-label "
                                "network reads the last time step of the padded mini-batch: "
                                "left padding keeps it a real step).",
    "InputDataFormats": "Layout of plain (unformatted) predictors: 'auto' (dlarr's forms: a "
                        "list of C x T sequences, one C x T array for one sequence), the "
                        "format of an array holding a batch (labels 'C', 'B', 'T': 'CBT', "
                        "'TCB', 'BTC', ...; it is split into its sequences), or for a list a "
                        "format without 'B' ('TC': each sequence is T x C); a list gives one "
                        "per input.",
    "TargetDataFormats": "Layout of plain numeric targets: 'auto' (N x R responses, a list "
                         "of R x T sequences) or a format such as 'CB' (R x N responses), "
                         "read as InputDataFormats are.",
    "ResetInputNormalization": "Recompute the input layer's normalization statistics from "
                               "the training data (True); False keeps the statistics already "
                               "set (they are computed when one the normalization needs is "
                               "empty).",
    "BatchNormalizationStatistics": "Statistics batchNormalizationLayer's TrainedMean and "
                                    "TrainedVariance hold after training: 'population' (after "
                                    "training, one more pass through the training data with "
                                    "the final network computes each channel's mean and "
                                    "variance over every observation and unpadded time step, "
                                    "layer by layer), 'moving' (the running estimates, "
                                    "updated with MeanDecay and VarianceDecay at each "
                                    "iteration), or 'auto' (default, as MATLAB R2024a: "
                                    "'moving').",
    "OutputNetwork": "Network training returns: 'auto' ('best-validation' with "
                     "ValidationData, 'last-iteration' without), 'last-iteration', or "
                     "'best-validation' (the network of the best value of "
                     "ObjectiveMetricName on the validation data; it needs ValidationData).  "
                     "MATLAB's older 'best-validation-loss' is accepted and stored as "
                     "'best-validation'.",
    "CheckpointPath": "Folder for checkpoint networks: '' (default) writes none; a folder "
                      "(it must exist) gets, every CheckpointFrequency epochs or iterations, "
                      "a file net_checkpoint__<iteration>__<yyyy_mm_dd__HH_MM_SS>.mat written "
                      "by dl.save (atomically: a crash leaves the earlier files whole) with "
                      "the network as 'net' (resume MATLAB's way, trainNetwork(X, Y, "
                      "net.Layers, options), which restarts the solver) and the training "
                      "position as 'dlarrTraining' (solver state, iteration, epoch, order "
                      "of the observations, random state), which trainNetwork(..., "
                      "ResumeFrom=file) and trainnet(..., ResumeFrom=file) continue exactly.",
    "CheckpointFrequency": "How often to write checkpoints: every this many epochs or "
                           "iterations (CheckpointFrequencyUnit), a positive integer; 1 by "
                           "default.",
    "CheckpointFrequencyUnit": "Unit of CheckpointFrequency: 'epoch' (default; written at "
                               "the end of the epoch) or 'iteration' (written at the end of "
                               "the mini-batch of the iteration, so with SequenceLength "
                               "chunks at the mini-batch's last one).",
    "Acceleration": "Performance optimization: 'auto' or 'none', accepted as MATLAB's; both "
                    "run the same (dlarr has no trace caching).",
}
