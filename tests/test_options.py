"""trainingOptions: MATLAB's solver classes, property defaults, validation and display."""
import copy
import math
import pickle

import numpy as np
import pytest

from dlarr.training.options import (TrainingOptions, TrainingOptionsADAM, TrainingOptionsRMSProp,
                            TrainingOptionsSGDM, trainingOptions)

SOLVERS = ("sgdm", "adam", "rmsprop")

COMMON_DEFAULTS = {
    "LearnRateSchedule": "none",
    "LearnRateDropFactor": 0.1,
    "LearnRateDropPeriod": 10,
    "L2Regularization": 1e-4,
    "GradientThresholdMethod": "l2norm",
    "GradientThreshold": math.inf,
    "MaxEpochs": 30,
    "MiniBatchSize": 128,
    "Verbose": True,
    "VerboseFrequency": 50,
    "ValidationData": None,
    "ValidationFrequency": 50,
    "ValidationPatience": math.inf,
    "Shuffle": "once",
    "ExecutionEnvironment": "auto",
    "OutputFcn": None,
    "Plots": "none",
    "SequenceLength": "longest",
    "SequencePaddingValue": 0,
    "SequencePaddingDirection": "right",
    "ResetInputNormalization": True,
    "OutputNetwork": "auto",
    "PreprocessingEnvironment": "serial",
    "ObjectiveMetricName": "loss",
    "Metrics": None,
    "InputDataFormats": "auto",
    "TargetDataFormats": "auto",
    "Acceleration": "auto",
}
SOLVER_DEFAULTS = {
    "sgdm": {"Momentum": 0.9, "InitialLearnRate": 0.01},
    "adam": {"GradientDecayFactor": 0.9, "SquaredGradientDecayFactor": 0.999, "Epsilon": 1e-8,
             "InitialLearnRate": 0.001},
    "rmsprop": {"SquaredGradientDecayFactor": 0.9, "Epsilon": 1e-8, "InitialLearnRate": 0.001},
}
SOLVER_ONLY = ("Momentum", "GradientDecayFactor", "SquaredGradientDecayFactor", "Epsilon")


# ----- solvers and classes ---------------------------------------------------------------------
@pytest.mark.parametrize("solver, cls", [("sgdm", TrainingOptionsSGDM), ("adam", TrainingOptionsADAM),
                                         ("rmsprop", TrainingOptionsRMSProp),
                                         ("ADAM", TrainingOptionsADAM)])
def test_solver_class(solver, cls):
    opts = trainingOptions(solver)
    assert type(opts) is cls and isinstance(opts, TrainingOptions)
    assert type(opts).__name__ == cls.__name__
    assert opts.SolverName == solver.lower()


@pytest.mark.parametrize("bad", ["sgdmx", "", "lbfgsx"])
def test_unknown_solver(bad):
    with pytest.raises(ValueError, match=rf"trainingOptions: solverName {bad!r} is not valid; "
                                         r"valid values are 'sgdm', 'adam', 'rmsprop'"):
        trainingOptions(bad)


@pytest.mark.parametrize("bad, what", [("lbfgs", "L-BFGS"), ("LBFGS", "L-BFGS"),
                                       ("lm", "Levenberg-Marquardt")])
def test_matlab_solver_not_supported(bad, what):
    with pytest.raises(ValueError, match=rf"trainingOptions: solverName {bad!r} \(MATLAB's "
                                         rf"{what} solver\) is not supported by dlarr; valid "
                                         r"values are 'sgdm', 'adam', 'rmsprop'"):
        trainingOptions(bad)


@pytest.mark.parametrize("bad", [3, None])
def test_solver_name_not_a_string(bad):
    with pytest.raises(TypeError, match=r"trainingOptions: solverName must be a string, one of "
                                        r"'sgdm', 'adam', 'rmsprop'"):
        trainingOptions(bad)


@pytest.mark.parametrize("prefix, cls", [("ADA", TrainingOptionsADAM), ("sgd", TrainingOptionsSGDM),
                                         ("r", TrainingOptionsRMSProp),
                                         ("Adam", TrainingOptionsADAM)])
def test_solver_name_prefix(prefix, cls):
    """solverName is matched as validatestring does: any case, a unique leading part."""
    opts = trainingOptions(prefix, MaxEpochs=2)
    assert type(opts) is cls and opts.MaxEpochs == 2


# ----- defaults ----------------------------------------------------------------------------------
@pytest.mark.parametrize("solver, name, value",
                         [(s, n, v) for s in SOLVERS for n, v in
                          {**COMMON_DEFAULTS, **SOLVER_DEFAULTS[s]}.items()])
def test_default(solver, name, value):
    got = getattr(trainingOptions(solver), name)
    if value is None:
        assert got is None
    else:
        assert got == value and type(got) is type(value)


@pytest.mark.parametrize("solver", SOLVERS)
def test_solver_specific_properties_absent(solver):
    opts = trainingOptions(solver)
    for name in SOLVER_ONLY:
        if name in SOLVER_DEFAULTS[solver]:
            continue
        with pytest.raises(AttributeError, match=f"'{name}' is not an option for solver '{solver}'"):
            getattr(opts, name)
        with pytest.raises(TypeError, match=f"'{name}' is not an option for solver '{solver}'"):
            trainingOptions(solver, **{name: 0.5})
        with pytest.raises(TypeError, match=f"'{name}' is not an option for solver '{solver}'"):
            setattr(opts, name, 0.5)


def test_wrong_solver_message_names_owner():
    with pytest.raises(TypeError, match=r"'Momentum' is not an option for solver 'adam'; "
                                        r"it applies to solver 'sgdm' only"):
        trainingOptions("adam", Momentum=0.9)
    with pytest.raises(TypeError, match=r"solver 'adam' or 'rmsprop' only"):
        trainingOptions("sgdm", Epsilon=1e-7)


@pytest.mark.parametrize("name, suggestion", [("MaxEpoch", "MaxEpochs"), ("MiniBatch", "MiniBatchSize"),
                                              ("Verbos", "Verbose"), ("LearnRate", "InitialLearnRate"),
                                              ("validation_data", "ValidationData")])
def test_unknown_option_suggests(name, suggestion):
    with pytest.raises(TypeError, match=f"{name!r} is not an option.*did you mean.*'{suggestion}'"):
        trainingOptions("adam", **{name: 1})
    with pytest.raises(TypeError, match=f"did you mean.*'{suggestion}'"):
        setattr(trainingOptions("adam"), name, 1)


def test_unknown_option_without_match():
    with pytest.raises(TypeError, match=r"'Zzz' is not an option of TrainingOptionsSGDM \(solver 'sgdm'\)$"):
        trainingOptions("sgdm", Zzz=1)


def test_names_case_insensitive_like_matlab():
    opts = trainingOptions("sgdm", maxepochs=5, MINIBATCHSIZE=27, initialLearnRate=0.1)
    assert (opts.MaxEpochs, opts.MiniBatchSize, opts.InitialLearnRate) == (5, 27, 0.1)


# ----- accepted values -------------------------------------------------------------------------
GOOD = [
    ("InitialLearnRate", 0.5, 0.5), ("InitialLearnRate", np.float32(0.25), 0.25),
    ("LearnRateSchedule", "piecewise", "piecewise"), ("LearnRateSchedule", "PIECE", "piecewise"),
    ("LearnRateDropFactor", 0, 0.0), ("LearnRateDropFactor", 1, 1.0),
    ("LearnRateDropPeriod", 5.0, 5), ("LearnRateDropPeriod", np.int64(3), 3),
    ("L2Regularization", 0, 0.0),
    ("GradientThresholdMethod", "global-l2norm", "global-l2norm"),
    ("GradientThresholdMethod", "Absolute-Value", "absolute-value"),
    ("GradientThreshold", 1, 1.0), ("GradientThreshold", math.inf, math.inf),
    ("MaxEpochs", 100, 100), ("MiniBatchSize", 27, 27),
    ("Verbose", False, False), ("Verbose", 0, False), ("Verbose", np.bool_(True), True),
    ("VerboseFrequency", 10, 10),
    ("ValidationData", ([1, 2], [3, 4]), ([1, 2], [3, 4])),
    ("ValidationData", [[1, 2], [3, 4]], ([1, 2], [3, 4])), ("ValidationData", None, None),
    ("ValidationFrequency", 30, 30),
    ("ValidationPatience", 5, 5), ("ValidationPatience", math.inf, math.inf),
    ("Shuffle", "every-epoch", "every-epoch"), ("Shuffle", "never", "never"), ("Shuffle", "Every", "every-epoch"),
    ("ExecutionEnvironment", "cpu", "cpu"), ("ExecutionEnvironment", "GPU", "gpu"),
    ("Plots", "training-progress", "training-progress"),
    ("SequenceLength", "shortest", "shortest"), ("SequenceLength", "Long", "longest"), ("SequenceLength", 20, 20), ("SequenceLength", 20.0, 20),
    ("SequencePaddingValue", -1, -1.0), ("SequencePaddingValue", 2.5, 2.5),
    ("SequencePaddingDirection", "left", "left"),
    ("ResetInputNormalization", False, False),
    ("OutputNetwork", "best-validation", "best-validation"),
    ("OutputNetwork", "best", "best-validation"), ("OutputNetwork", "LAST", "last-iteration"),
    ("OutputNetwork", "auto", "auto"),
    # MATLAB's name before R2024a, stored as today's
    ("OutputNetwork", "best-validation-loss", "best-validation"),
    ("OutputNetwork", "Best-Validation-L", "best-validation"),
    ("PreprocessingEnvironment", "Serial", "serial"),
    ("ObjectiveMetricName", "accuracy", "accuracy"), ("ObjectiveMetricName", "loss", "loss"),
    ("Metrics", "accuracy", "accuracy"), ("Metrics", "RMSE", "rmse"), ("Metrics", "f", "fscore"),
    ("Metrics", ["accuracy", "Prec", "recall", "auc"], ("accuracy", "precision", "recall", "auc")),
    ("Metrics", [], None), ("Metrics", None, None),
    ("InputDataFormats", "CBT", "CBT"), ("InputDataFormats", "AUTO", "auto"),
    ("InputDataFormats", ["TCB"], ("TCB",)), ("TargetDataFormats", "BC", "BC"),
    ("Acceleration", "none", "none"), ("Acceleration", "Auto", "auto"),
    ("OutputFcn", print, print),
]


@pytest.mark.parametrize("name, value, stored", GOOD)
def test_accepted_value(name, value, stored):
    opts = trainingOptions("adam", **{name: value})
    assert getattr(opts, name) == stored and type(getattr(opts, name)) is type(stored)
    opts2 = trainingOptions("adam")
    setattr(opts2, name, value)
    assert getattr(opts2, name) == stored


def test_output_fcn_list():
    f, g = (lambda info: False), (lambda info: True)
    assert trainingOptions("sgdm", OutputFcn=[f, g]).OutputFcn == (f, g)


@pytest.mark.parametrize("solver, name, value", [
    ("sgdm", "Momentum", 0), ("sgdm", "Momentum", 1), ("adam", "GradientDecayFactor", 0),
    ("adam", "SquaredGradientDecayFactor", 0.99), ("rmsprop", "SquaredGradientDecayFactor", 0),
    ("adam", "Epsilon", 1e-6), ("rmsprop", "Epsilon", 1)])
def test_accepted_solver_value(solver, name, value):
    assert getattr(trainingOptions(solver, **{name: value}), name) == value


# ----- rejected values -------------------------------------------------------------------------
_VD = r"None, a pair \(X, Y\) of predictors and responses, or a datastore of them"
BAD = [
    ("InitialLearnRate", 0, "a positive finite scalar", "0"),
    ("InitialLearnRate", -0.1, "a positive finite scalar", "-0.1"),
    ("InitialLearnRate", math.inf, "a positive finite scalar", "inf"),
    ("InitialLearnRate", "0.1", "a positive finite scalar", "'0.1'"),
    ("InitialLearnRate", True, "a positive finite scalar", "True"),
    ("LearnRateDropFactor", 1.5, "a scalar from 0 to 1", "1.5"),
    ("LearnRateDropFactor", -0.1, "a scalar from 0 to 1", "-0.1"),
    ("LearnRateDropPeriod", 0, "a positive integer", "0"),
    ("LearnRateDropPeriod", 2.5, "a positive integer", "2.5"),
    ("L2Regularization", -1e-4, "a nonnegative finite scalar", "-0.0001"),
    ("L2Regularization", math.nan, "a nonnegative finite scalar", "nan"),
    ("GradientThreshold", 0, "a positive scalar or Inf", "0"),
    ("GradientThreshold", -1, "a positive scalar or Inf", "-1"),
    ("MaxEpochs", 0, "a positive integer", "0"),
    ("MaxEpochs", 1.5, "a positive integer", "1.5"),
    ("MaxEpochs", math.inf, "a positive integer", "inf"),
    ("MaxEpochs", "10", "a positive integer", "'10'"),
    ("MiniBatchSize", -27, "a positive integer", "-27"),
    ("MiniBatchSize", np.ones(2), "a positive integer", r"an array of size \(2,\)"),
    ("Verbose", 2, r"a logical value \(True/False, or 1/0\)", "2"),
    ("Verbose", "true", r"a logical value \(True/False, or 1/0\)", "'true'"),
    ("VerboseFrequency", 0, "a positive integer", "0"),
    ("ValidationData", [1, 2, 3], _VD, "a list"),
    ("ValidationData", "data", _VD, "'data'"),
    ("ValidationData", (None, [1]), _VD, "a tuple"),
    ("ValidationFrequency", 0, "a positive integer", "0"),
    ("ValidationPatience", 0, "a positive integer or Inf", "0"),
    ("ValidationPatience", 2.5, "a positive integer or Inf", "2.5"),
    ("OutputFcn", 3, "None, a callable, or a list of callables", "3"),
    ("OutputFcn", [print, 3], "None, a callable, or a list of callables", "a list"),
    ("SequenceLength", "medium", "'longest', 'shortest' or a positive integer", "'medium'"),
    ("SequenceLength", 0, "'longest', 'shortest' or a positive integer", "0"),
    ("SequenceLength", 3.5, "'longest', 'shortest' or a positive integer", "3.5"),
    ("SequencePaddingValue", "zero", "a real scalar", "'zero'"),
    ("SequencePaddingValue", [0], "a real scalar", "a list"),
    ("ResetInputNormalization", "yes", r"a logical value \(True/False, or 1/0\)", "'yes'"),
    ("ObjectiveMetricName", "", "'loss' or the name of one of the Metrics", "''"),
    ("ObjectiveMetricName", 3, "'loss' or the name of one of the Metrics", "3"),
    ("Metrics", 3, r"None, a metric name \('accuracy', 'rmse', 'fscore', 'precision', 'recall', "
                   r"'auc'\), a function value = f\(Y, T\), or a list of them", "3"),
    ("Metrics", ["accuracy", 2], r"None, a metric name .*, or a list of them", "a list"),
    ("InputDataFormats", 3, r"'auto' or a data format of the labels 'S', 'C', 'B', 'T', 'U' "
                            r"\(such as 'CBT'\)", "3"),
    ("TargetDataFormats", "", r"'auto' or a data format of the labels .*", "''"),
]
# string options: matched by the one matcher (MATLAB's validatestring), core.options.choose
BAD_CHOICE = [
    ("LearnRateSchedule", "step", "'none', 'piecewise'"),
    ("LearnRateSchedule", 1, "'none', 'piecewise'"),
    ("GradientThresholdMethod", "l1norm", "'l2norm', 'global-l2norm', 'absolute-value'"),
    ("GradientThresholdMethod", "", "'l2norm', 'global-l2norm', 'absolute-value'"),
    ("Shuffle", "always", "'once', 'every-epoch', 'never'"),
    ("Shuffle", True, "'once', 'every-epoch', 'never'"),
    ("ExecutionEnvironment", "mex", "'auto', 'cpu', 'gpu', 'multi-gpu', 'parallel', 'parallel-auto', 'parallel-cpu', 'parallel-gpu'"),
    ("Plots", "progress", "'none', 'training-progress'"),
    ("SequencePaddingDirection", "both", "'right', 'left'"),
    ("OutputNetwork", "best-loss", "'auto', 'last-iteration', 'best-validation'"),
    ("OutputNetwork", 1, "'auto', 'last-iteration', 'best-validation'"),
    ("Metrics", "loss", "'accuracy', 'rmse', 'fscore', 'precision', 'recall', 'auc'"),
    ("Acceleration", "mex", "'auto', 'none'"),
    ("PreprocessingEnvironment", "threads", "'serial'"),
]
BAD_SOLVER = [
    ("sgdm", "Momentum", 1.1, "a scalar from 0 to 1", "1.1"),
    ("sgdm", "Momentum", -0.5, "a scalar from 0 to 1", "-0.5"),
    ("adam", "GradientDecayFactor", 1, "a nonnegative scalar less than 1", "1"),
    ("adam", "GradientDecayFactor", -0.1, "a nonnegative scalar less than 1", "-0.1"),
    ("adam", "SquaredGradientDecayFactor", 1.0, "a nonnegative scalar less than 1", "1.0"),
    ("rmsprop", "SquaredGradientDecayFactor", 2, "a nonnegative scalar less than 1", "2"),
    ("adam", "Epsilon", 0, "a positive finite scalar", "0"),
    ("rmsprop", "Epsilon", -1e-8, "a positive finite scalar", "-1e-08"),
]


def _check_rejected(solver, name, value, expected, got):
    pattern = f"trainingOptions: {name} must be {expected}; got {got}"
    with pytest.raises(ValueError, match=pattern):
        trainingOptions(solver, **{name: value})
    opts = trainingOptions(solver)
    before = getattr(opts, name)
    cls = type(opts).__name__
    with pytest.raises(ValueError, match=f"{cls}: {name} must be {expected}; got {got}"):
        setattr(opts, name, value)
    assert getattr(opts, name) == before or (before is None and getattr(opts, name) is None)


@pytest.mark.parametrize("name, value, expected, got", BAD)
def test_rejected_value(name, value, expected, got):
    _check_rejected("adam", name, value, expected, got)


@pytest.mark.parametrize("name, value, valid", BAD_CHOICE)
def test_rejected_choice(name, value, valid):
    if isinstance(value, str):
        kind, said = ValueError, f"{name} {value!r} is (not valid|ambiguous); valid values are {valid}"
    else:
        kind, said = TypeError, f"{name} must be a string, one of {valid}; not"
    with pytest.raises(kind, match=f"trainingOptions: {said}"):
        trainingOptions("adam", **{name: value})
    opts = trainingOptions("adam")
    before = getattr(opts, name)
    with pytest.raises(kind, match=f"{type(opts).__name__}: {said}"):
        setattr(opts, name, value)
    assert getattr(opts, name) == before


@pytest.mark.parametrize("solver, name, value, expected, got", BAD_SOLVER)
def test_rejected_solver_value(solver, name, value, expected, got):
    _check_rejected(solver, name, value, expected, got)


def test_ambiguous_prefix_rejected():
    from dlarr.training.options import _choice
    check = _choice("none", "never", "once")
    assert check("ne", "X") == "never" and check("no", "X") == "none"
    with pytest.raises(ValueError, match="X 'n' is ambiguous; valid values are 'none', 'never', 'once'"):
        check("n", "X")


def test_every_option_has_a_rejection_test():
    tested = {b[0] for b in BAD} | {b[0] for b in BAD_CHOICE} | {b[1] for b in BAD_SOLVER}
    every = set(COMMON_DEFAULTS) | {"InitialLearnRate"} | set(SOLVER_ONLY)
    assert every <= tested, every - tested


# ----- assignment ------------------------------------------------------------------------------
def test_assignment_validates_and_stores():
    opts = trainingOptions("adam")
    opts.MaxEpochs = 5
    opts.Shuffle = "EVERY-EPOCH"
    assert opts.MaxEpochs == 5 and opts.Shuffle == "every-epoch"
    with pytest.raises(ValueError, match="TrainingOptionsADAM: MaxEpochs must be a positive integer; got -1"):
        opts.MaxEpochs = -1
    assert opts.MaxEpochs == 5


def test_copy_pickle_equality():
    a = trainingOptions("sgdm", MaxEpochs=3, Plots="training-progress")
    b = copy.copy(a)
    b.MaxEpochs = 9
    assert a.MaxEpochs == 3 and b.MaxEpochs == 9 and a != b
    c = pickle.loads(pickle.dumps(a))
    assert c == a and type(c) is TrainingOptionsSGDM
    assert copy.deepcopy(a) == a
    assert trainingOptions("sgdm") != trainingOptions("adam")
    assert "MaxEpochs" in dir(a)


# ----- display ---------------------------------------------------------------------------------
# MATLAB R2024a's order (trainingOptions reference page), less the options dlarr does not
# take; strings ("auto") where MATLAB's values are strings.
ADAM_VIEW = """\
TrainingOptionsADAM with properties:

             GradientDecayFactor: 0.9000
      SquaredGradientDecayFactor: 0.9990
                         Epsilon: 1.0000e-08
                InitialLearnRate: 0.0010
                       MaxEpochs: 30
               LearnRateSchedule: 'none'
             LearnRateDropFactor: 0.1000
             LearnRateDropPeriod: 10
                   MiniBatchSize: 128
                         Shuffle: 'once'
                  SequenceLength: 'longest'
        PreprocessingEnvironment: 'serial'
                L2Regularization: 1.0000e-04
         GradientThresholdMethod: 'l2norm'
               GradientThreshold: Inf
                         Verbose: 1
                VerboseFrequency: 50
                  ValidationData: []
             ValidationFrequency: 50
              ValidationPatience: Inf
             ObjectiveMetricName: 'loss'
            ExecutionEnvironment: 'auto'
                       OutputFcn: []
                         Metrics: []
                           Plots: 'none'
            SequencePaddingValue: 0
        SequencePaddingDirection: 'right'
                InputDataFormats: "auto"
               TargetDataFormats: "auto"
         ResetInputNormalization: 1
    BatchNormalizationStatistics: 'auto'
                   OutputNetwork: 'auto'
                  CheckpointPath: ''
             CheckpointFrequency: 1
         CheckpointFrequencyUnit: 'epoch'
                    Acceleration: "auto"
""".rstrip("\n")


def test_repr_adam_defaults():
    assert repr(trainingOptions("adam")) == ADAM_VIEW


def test_repr_sgdm_and_rmsprop():
    sgdm = repr(trainingOptions("sgdm", MaxEpochs=20, MiniBatchSize=64, LearnRateSchedule="piecewise",
                                LearnRateDropFactor=0.2, LearnRateDropPeriod=5, Verbose=False,
                                Plots="training-progress", InitialLearnRate=1e-4)).splitlines()
    assert sgdm[0] == "TrainingOptionsSGDM with properties:" and sgdm[1] == ""
    assert sgdm[2] == "                        Momentum: 0.9000"
    assert "                InitialLearnRate: 1.0000e-04" in sgdm
    assert "               LearnRateSchedule: 'piecewise'" in sgdm
    assert "             LearnRateDropFactor: 0.2000" in sgdm
    assert "                         Verbose: 0" in sgdm
    assert "                           Plots: 'training-progress'" in sgdm
    rms = repr(trainingOptions("rmsprop", SequenceLength=30, ValidationData=([1, 2], np.zeros(2)),
                               OutputFcn=print)).splitlines()
    assert rms[0] == "TrainingOptionsRMSProp with properties:"
    assert rms[2] == "      SquaredGradientDecayFactor: 0.9000"
    assert "                  SequenceLength: 30" in rms
    assert "                  ValidationData: {{2x1 cell}  [2x1 ndarray]}" in rms
    assert "                       OutputFcn: @print" in rms


# ----- learning-rate schedule ------------------------------------------------------------------
def test_learn_rate_constant():
    opts = trainingOptions("adam", InitialLearnRate=0.005)
    assert [opts._learn_rate(e) for e in (1, 10, 11, 100)] == [0.005] * 4


def test_learn_rate_piecewise_drops_after_period():
    opts = trainingOptions("sgdm", LearnRateSchedule="piecewise")     # 0.01, x0.1 every 10 epochs
    assert [opts._learn_rate(e) for e in range(1, 11)] == [0.01] * 10
    assert opts._learn_rate(11) == 0.1 * 0.01
    assert opts._learn_rate(20) == 0.1 * 0.01
    assert opts._learn_rate(21) == 0.1 * (0.1 * 0.01)                 # repeated multiplication
    opts = trainingOptions("sgdm", LearnRateSchedule="piecewise", LearnRateDropFactor=0.2,
                           LearnRateDropPeriod=5)                     # MATLAB's doc example
    assert [opts._learn_rate(e) for e in (5, 6, 11)] == [0.01, 0.2 * 0.01, 0.2 * (0.2 * 0.01)]


@pytest.mark.parametrize("epoch", [0, -1, 1.5, "1", True])
def test_learn_rate_bad_epoch(epoch):
    with pytest.raises(ValueError, match="epoch must be a positive integer"):
        trainingOptions("adam")._learn_rate(epoch)


# ----- MATLAB's options dlarr does not take ----------------------------------------------------
@pytest.mark.parametrize("name, why", [
    ("DispatchInBackground", r"not supported \(dlarr prepares the mini-batches in the training "
                             r"process, MATLAB's PreprocessingEnvironment 'serial'\)"),
    ("WorkerLoad", r"not supported \(with ExecutionEnvironment 'parallel' dlarr splits each"),
    ("LineSearchMethod", r"an option of MATLAB's 'lbfgs' solver, which dlarr does not support"),
    ("MaxIterations", r"an option of MATLAB's 'lbfgs' solver"),
    ("InitialDampingFactor", r"an option of MATLAB's 'lm' solver"),
])
def test_matlab_options_not_supported_say_so(name, why):
    canonical = name[0].upper() + name[1:] if name[0].islower() else name
    pattern = (rf"trainingOptions: '{'CheckpointFrequency' if name == 'checkpointfrequency' else canonical}'"
               rf" is a MATLAB training option that dlarr does not take: {why}")
    with pytest.raises(TypeError, match=pattern):
        trainingOptions("adam", **{name: 1})
    with pytest.raises(TypeError, match=pattern):
        trainingOptions("adam", name, 1)                      # MATLAB's positional pair
    opts = trainingOptions("adam")
    with pytest.raises(TypeError, match="is a MATLAB training option that dlarr does not take"):
        setattr(opts, name, 1)


@pytest.mark.parametrize("value", ["background", "Parallel"])
def test_preprocessing_environment_not_supported(value):
    with pytest.raises(ValueError, match=rf"trainingOptions: PreprocessingEnvironment {value!r} is "
                                         r"not supported by dlarr \(it needs MATLAB's \w+ pool; "
                                         r"dlarr prepares the mini-batches in the training "
                                         r"process\); valid values are 'serial'"):
        trainingOptions("sgdm", PreprocessingEnvironment=value)


def test_metrics_list_with_a_bad_name():
    with pytest.raises(ValueError, match=r"trainingOptions: Metrics 'mae' is not valid; valid "
                                         r"values are 'accuracy', 'rmse', 'fscore', 'precision', "
                                         r"'recall', 'auc'"):
        trainingOptions("adam", Metrics=["accuracy", "mae"])


def test_data_formats_bad_labels():
    with pytest.raises(ValueError, match=r"trainingOptions: InputDataFormats 'CXT': unknown label "
                                         r"'X' at position 1; labels are 'S', 'C', 'B', 'T' and "
                                         r"'U'; InputDataFormats must be 'auto' or a data format"):
        trainingOptions("adam", InputDataFormats="CXT")
    with pytest.raises(ValueError, match=r"TargetDataFormats 'CBB': label 'B' \(batch\) appears 2"):
        trainingOptions("adam", TargetDataFormats="CBB")


def test_metric_function_and_formats_display():
    def myMetric(Y, T):
        return 0.0
    view = repr(trainingOptions("adam", Metrics=myMetric, InputDataFormats="TCB",
                                TargetDataFormats=["BC"], OutputNetwork="best-validation-loss",
                                Acceleration="none")).splitlines()
    assert "                         Metrics: @myMetric" in view
    assert '                InputDataFormats: "TCB"' in view
    assert '               TargetDataFormats: ["BC"]' in view
    assert "                   OutputNetwork: 'best-validation'" in view
    assert '                    Acceleration: "none"' in view
    view = repr(trainingOptions("adam", Metrics=["accuracy", "fscore"])).splitlines()
    assert '                         Metrics: ["accuracy"    "fscore"]' in view
    assert "Metrics: {1x2 cell}" in repr(trainingOptions("adam", Metrics=["rmse", myMetric]))


# ----- MATLAB's positional name-value pairs ----------------------------------------------------
def test_positional_name_value_pairs():
    """trainingOptions("adam", "MaxEpochs", 20, ...) as pasted from MATLAB."""
    a = trainingOptions("adam", "MaxEpochs", 20, "miniBatchSize", 27, "GradientThreshold", 1,
                        "Shuffle", "every-epoch", "Verbose", False)
    b = trainingOptions("adam", MaxEpochs=20, MiniBatchSize=27, GradientThreshold=1,
                        Shuffle="every-epoch", Verbose=False)
    assert a == b
    assert trainingOptions("sgdm", "Momentum", 0.5, MaxEpochs=3).Momentum == 0.5
    with pytest.raises(TypeError, match=r"^trainingOptions: name-value arguments must come in "
                                        r"pairs \(Name, Value\); got 3 arguments from 'MaxEpochs'"):
        trainingOptions("adam", "MaxEpochs", 20, "Verbose")
    with pytest.raises(TypeError, match=r"^trainingOptions: the name of a name-value pair must be "
                                        r"a string, not int \(3\)"):
        trainingOptions("adam", "MaxEpochs", 20, 3, 4)
    with pytest.raises(TypeError, match=r"^trainingOptions: MaxEpochs is given twice"):
        trainingOptions("adam", "MaxEpochs", 20, MaxEpochs=3)
    with pytest.raises(TypeError, match=r"'MaxEpoch' is not an option.*did you mean.*'MaxEpochs'"):
        trainingOptions("adam", "MaxEpoch", 20)
    import inspect
    assert list(inspect.signature(trainingOptions).parameters) == ["solverName", "options"]
    assert "Options for training" in trainingOptions.__doc__
