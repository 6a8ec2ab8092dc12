"""The option vocabulary: every string option set of dlarr, and the one matcher.

Every public function, layer property and training option that takes a string
from a fixed set reads the set from here and matches the user's string with
:func:`choose`, MATLAB's ``validatestring``: any case, and an unambiguous leading
part is enough ("batch" for "batch-size", "Every" for "every-epoch").  The
canonical spelling (the one listed here) is what is stored and compared.

The position of an activation in ``STATE_ACTIVATIONS`` / ``GATE_ACTIVATIONS`` is
its code in the CUDA kernels (``dlarr/kernels/lstm_gates.cuh``); a test checks
that the header's ``#define``s agree with this table.
"""
from __future__ import annotations

# --------------------------------------------------------------------------
# Recurrent operations and layers (lstm, gru, lstmLayer, gruLayer, bilstmLayer)
# --------------------------------------------------------------------------
STATE_ACTIVATIONS = ("tanh", "softsign", "relu")
GATE_ACTIVATIONS = ("sigmoid", "hard-sigmoid")
RESET_GATE_MODES = ("after-multiplication", "before-multiplication",
                    "recurrent-bias-after-multiplication")
OUTPUT_MODES = ("sequence", "last")

# --------------------------------------------------------------------------
# Initializers (layer properties); callables are accepted besides these names
# --------------------------------------------------------------------------
WEIGHT_INITIALIZERS = ("glorot", "he", "orthogonal", "narrow-normal", "zeros", "ones")
RECURRENT_WEIGHT_INITIALIZERS = ("orthogonal", "glorot", "he", "narrow-normal", "zeros", "ones")
LSTM_BIAS_INITIALIZERS = ("unit-forget-gate", "narrow-normal", "ones", "zeros")
BIAS_INITIALIZERS = ("zeros", "narrow-normal", "ones")

# --------------------------------------------------------------------------
# Input layers, output layers
# --------------------------------------------------------------------------
NORMALIZATIONS = ("none", "zscore", "zerocenter", "rescale-symmetric", "rescale-zero-one")
CLASSIFICATION_LOSSES = ("crossentropyex",)
REGRESSION_LOSSES = ("mean-squared-error",)

# --------------------------------------------------------------------------
# Functions: activations, losses
# --------------------------------------------------------------------------
GELU_APPROXIMATIONS = ("none", "tanh")
LOSS_REDUCTIONS = ("sum", "none")
LOSS_NORMALIZATIONS = ("batch-size", "all-elements", "mask-included", "none")
CLASSIFICATION_MODES = ("single-label", "multilabel")
TARGET_CATEGORIES = ("exclusive", "independent")
GRADIENT_THRESHOLD_METHODS = ("l2norm", "global-l2norm", "absolute-value")

# --------------------------------------------------------------------------
# Training and prediction
# --------------------------------------------------------------------------
LEARN_RATE_SCHEDULES = ("none", "piecewise")
SHUFFLE = ("once", "every-epoch", "never")
CHECKPOINT_FREQUENCY_UNITS = ("epoch", "iteration")
EXECUTION_ENVIRONMENTS = ("auto", "cpu", "gpu")      # minibatchqueue's OutputEnvironment
# trainingOptions' ExecutionEnvironment: MATLAB's values; "parallel" is "parallel-auto"
# (R2024a), "multi-gpu" one GPU per local worker (MPI processes, docs/parallel.md).
TRAINING_EXECUTION_ENVIRONMENTS = ("auto", "cpu", "gpu", "multi-gpu", "parallel",
                                   "parallel-auto", "parallel-cpu", "parallel-gpu")
# trainingOptions' BatchNormalizationStatistics (R2024a: "auto" is "moving")
BATCH_NORMALIZATION_STATISTICS = ("auto", "population", "moving")
# predict/classify/minibatchpredict's ExecutionEnvironment
PREDICTION_EXECUTION_ENVIRONMENTS = ("auto", "cpu", "gpu", "multi-gpu", "parallel")
PLOTS = ("none", "training-progress")
SEQUENCE_LENGTHS = ("longest", "shortest")
PADDING_DIRECTIONS = ("right", "left")
OUTPUT_NETWORKS = ("auto", "last-iteration", "best-validation")
# MATLAB's names before R2024a, accepted and stored as today's name
OUTPUT_NETWORK_ALIASES = {"best-validation-loss": "best-validation"}
METRICS = ("accuracy", "rmse", "fscore", "precision", "recall", "auc")
ACCELERATIONS = ("auto", "none")
PREPROCESSING_ENVIRONMENTS = ("serial",)
# MATLAB's values that dlarr does not support, and why (the errors say so)
UNSUPPORTED_PREPROCESSING_ENVIRONMENTS = {
    "background": "it needs MATLAB's background pool",
    "parallel": "it needs MATLAB's parallel pool"}
UNSUPPORTED_SOLVERS = {"lbfgs": "MATLAB's L-BFGS solver",
                       "lm": "MATLAB's Levenberg-Marquardt solver"}
TRAINNET_LOSSES = ("crossentropy", "index-crossentropy", "binary-crossentropy", "mse",
                   "mean-squared-error", "l2loss", "mae", "mean-absolute-error", "l1loss",
                   "huber")

# --------------------------------------------------------------------------
# Sequences, datastores and mini-batch queues (padsequences, arrayDatastore,
# minibatchqueue); their lengths, directions and environments are the sets above
# --------------------------------------------------------------------------
PADDING_VALUES = ("auto",)                    # besides a scalar
ARRAY_OUTPUT_TYPES = ("cell", "same")
MINIBATCH_FCNS = ("collate",)                 # besides a function
PARTIAL_MINIBATCHES = ("return", "discard")
OUTPUT_CASTS = ("single", "double", "logical", "int8", "int16", "int32", "int64",
                "uint8", "uint16", "uint32", "uint64")

# --------------------------------------------------------------------------
# Numbers and random streams
# --------------------------------------------------------------------------
FLOAT_CLASSES = ("single", "double")          # MATLAB's class names (className, typename)
RNG_GENERATORS = ("twister",)
RNG_SEEDS = ("default", "shuffle")
RESHAPE_ORDERS = ("C", "F")                   # row-major (NumPy) or column-major (MATLAB)
CUMSUM_DIRECTIONS = ("forward", "reverse")
PAGE_TRANSPOSES = ("none", "transpose", "ctranspose")   # pagemtimes' transpX, transpY

# --------------------------------------------------------------------------
# analyzeNetwork
# --------------------------------------------------------------------------
TARGET_USAGES = ("trainNetwork", "dlnetwork")
ANALYZER_PLOTS = ("analyzer", "none")

# --------------------------------------------------------------------------
# Convolution and pooling (dlconv, maxpool, avgpool and their layers)
# --------------------------------------------------------------------------
CONV_PADDINGS = ("same", "causal")           # dlconv's Padding, besides numbers
POOL_PADDINGS = ("same",)                    # maxpool's/avgpool's Padding, besides numbers
CONV_PADDING_VALUES = ("symmetric-include-edge", "symmetric-exclude-edge", "replicate")
POOL_SIZES = ("global",)                     # poolsize, besides the sizes
AVGPOOL_PADDING_VALUES = ("mean",)           # avgpool's PaddingValue, besides 0
CONV_PADDING_MODES = ("manual", "same", "causal")    # the layers' PaddingMode
POOL_PADDING_MODES = ("manual", "same")
CONV2D_PADDING_MODES = ("manual", "same")                 # convolution2dLayer's PaddingMode
# the input layers' NormalizationDimension
INPUT_NORMALIZATION_DIMENSIONS = ("auto", "channel", "element", "all")
FEATURE_NORMALIZATION_DIMENSIONS = ("auto", "channel", "all")
CONV_WEIGHT_INITIALIZERS = ("glorot", "he", "narrow-normal", "zeros", "ones")

# --------------------------------------------------------------------------
# Layer graphs and activations
# --------------------------------------------------------------------------
RECONNECT_MODES = ("name", "order")          # replaceLayer's ReconnectBy
ACTIVATION_OUTPUTS = ("channels", "rows", "columns")   # activations' OutputAs

# --------------------------------------------------------------------------
# GPU settings
# --------------------------------------------------------------------------
LSTM_GPU_MODES = ("auto", "steps", "graph", "persistent")

# --------------------------------------------------------------------------
# Confusion charts (confusionchart's Normalization, RowSummary, ColumnSummary)
# --------------------------------------------------------------------------
CONFUSION_NORMALIZATIONS = ("absolute", "column-normalized", "row-normalized",
                            "total-normalized")
ROW_SUMMARIES = ("off", "absolute", "row-normalized", "total-normalized")
COLUMN_SUMMARIES = ("off", "absolute", "column-normalized", "total-normalized")


def choose(value, options, fname, argname):
    """MATLAB's ``validatestring``: ``value`` matched to one of ``options``.

    Case is ignored, and an unambiguous leading part is enough ("batch" for
    "batch-size"); an exact match wins over longer options that start with it.
    Returns the canonical spelling from ``options``.  A non-string is a
    TypeError, a string that matches none or several options a ValueError;
    both name ``fname`` (left out when empty or None: the caller adds it) and
    ``argname`` and list the valid values.
    """
    valid = ", ".join(repr(o) for o in options)
    where = f"{fname}: " if fname else ""
    if not isinstance(value, str):
        raise TypeError(f"{where}{argname} must be a string, one of {valid}; "
                        f"not {type(value).__name__}")
    v = value.lower()
    for o in options:
        if o.lower() == v:
            return o
    hits = [o for o in options if v and o.lower().startswith(v)]
    if len(hits) == 1:
        return hits[0]
    why = "is ambiguous" if hits else "is not valid"
    raise ValueError(f"{where}{argname} {value!r} {why}; valid values are {valid}")


# --------------------------------------------------------------------------
# attention, embeddings, normalization (issue 13's layers)
# --------------------------------------------------------------------------
ATTENTION_MASKS = ("none", "causal")         # besides a logical or numeric mask array
ATTENTION_SCALES = ("auto",)                  # besides a numeric scalar
POSITION_DIMENSIONS = ("auto", "temporal", "spatial")
OOV_MODES = ("map-to-last", "error")
EMBEDDING_WEIGHT_INITIALIZERS = ("narrow-normal", "glorot", "he", "orthogonal", "zeros", "ones")
# layernorm's (and layerNormalizationLayer's) OperationDimension
NORMALIZATION_DIMENSIONS = ("auto", "channel-only", "spatial-channel", "batch-excluded")
# the named values of groupnorm's numGroups, besides a positive integer
GROUP_NORMALIZATION_GROUPS = ("all-channels", "channel-wise")
# the named initializers of the normalization layers' Scale (their Offset: BIAS_INITIALIZERS)
SCALE_INITIALIZERS = ("ones", "narrow-normal")


# --------------------------------------------------------------------------
# io: save's flags, the MAT-file versions, importONNXNetwork's options
# --------------------------------------------------------------------------
SAVE_FLAGS = ("-v7", "-v7.3", "-v6", "-nocompression")
MAT_VERSIONS = ("7", "7.3", "6")          # "6": format 5 uncompressed (MATLAB's -v6)
ONNX_OUTPUT_LAYER_TYPES = ("classification", "regression")
ONNX_TARGET_NETWORKS = ("dagnetwork", "dlnetwork")
