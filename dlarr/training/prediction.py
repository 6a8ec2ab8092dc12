"""Prediction with trained networks: predict, classify, predictAndUpdateState,
classifyAndUpdateState (SeriesNetwork), minibatchpredict and scores2label (dlnetwork).

Sequences are batched and padded as in training (``batching.py``), with the
sequence options of MATLAB's name-value arguments.
"""
from __future__ import annotations

import inspect
import numbers
import re
import textwrap

import numpy as np

from ..core import options as V
from ..core.arguments import as_array, came, check_nargout, name_value_pairs
from ..core.backend import execution_namespace
from ..core.categorical import categorical
from ..core.create import extractdata
from ..core.dlarray import DLArray
from ..core.options import PREDICTION_EXECUTION_ENVIRONMENTS, choose
from ..functions.encoding import check_no_nan_scores, class_names
from ..networks.network import (DAGNetwork, SeriesNetwork, _Net, check_min_length, check_network,
                                dlnetwork, predict_dlnetwork)
from ..layers import ClassificationOutputLayer
from .batching import (_Labels, _batch_data, _batch_input, _host, _split_outputs, input_layer,
                       observations)
from .dataformats import network_observations
from .parallel import device_environment, gather_predictions, prediction_shard

__all__ = ["predict", "classify", "predictAndUpdateState", "classifyAndUpdateState",
           "minibatchpredict", "scores2label"]


def _predict_batches(net, X, MiniBatchSize, options, update_state, fname, outputs=None):
    """Scores per observation: K-vectors (sequence-to-one) or K x T arrays (``outputs``:
    the ``(layer index, output index)`` whose activations to give instead)."""
    check_network(net, fname)
    if len(net.InputNames) != 1:
        raise ValueError(f"{fname}: the network has {len(net.InputNames)} inputs; sequences "
                         "(a list of arrays) go to a network with one input (give a network "
                         "of several inputs one formatted dlarray per input: predict(net, X1, "
                         "X2))")
    seqs, single = observations(X, input_layer(net), fname)
    for i, s in enumerate(seqs if seqs.kind != "feature" else ()):
        check_min_length(net, s.shape[-1], fname, "X" if single else f"X[{i}]")
    N = len(seqs)
    mbs = N if update_state else MiniBatchSize
    outs = []
    xp = execution_namespace(device_environment(options.ExecutionEnvironment), fname)
    dnet = net._to_device(xp)
    state = dnet._state if update_state else dnet._initial_states()
    env = options.ExecutionEnvironment         # "parallel": batch b on worker b % N
    for s in range(0, N, mbs)[prediction_shard(env, update_state, fname)]:
        idx = range(s, min(s + mbs, N))
        data, mask = _batch_data(seqs, idx, options)
        Y, state_after = dnet._run(_batch_input(data, slice(None), xp), training=False,
                                   state=state, fname=fname, outputs=outputs)
        if update_state:
            dnet._state = state_after
            net._state = dnet._to_device(np)._state
        outs += _split_outputs(Y, mask)
    return gather_predictions(outs, N, mbs, env, update_state, fname), single


class _PredictOptions:
    """The sequence options of predict/classify (MATLAB's name-value arguments),
    string values matched as validatestring does."""

    def __init__(self, SequenceLength="longest", SequencePaddingDirection="right",
                 SequencePaddingValue=0, ExecutionEnvironment="auto", *, fname="predict",
                 **unknown):
        if unknown:
            names = ", ".join(["MiniBatchSize"] + _sequence_option_names())
            raise TypeError(f"{fname}: unexpected keyword argument {next(iter(unknown))!r}; "
                            f"the options of {fname} are {names}")
        if isinstance(SequencePaddingValue, bool) or not isinstance(
                SequencePaddingValue, numbers.Real):
            raise TypeError(f"{fname}: SequencePaddingValue must be a real scalar, not "
                            f"{came(SequencePaddingValue)}")
        if not isinstance(SequenceLength, str):
            raise ValueError(f"{fname}: SequenceLength must be 'longest' or 'shortest' for "
                             f"prediction, not {SequenceLength!r}")
        self.SequenceLength = choose(SequenceLength, V.SEQUENCE_LENGTHS, fname, "SequenceLength")
        self.SequencePaddingDirection = choose(SequencePaddingDirection, V.PADDING_DIRECTIONS,
                                               fname, "SequencePaddingDirection")
        self.SequencePaddingValue = SequencePaddingValue
        self.ExecutionEnvironment = choose(ExecutionEnvironment, PREDICTION_EXECUTION_ENVIRONMENTS,
                                           fname, "ExecutionEnvironment")


def _sequence_option_names():
    """The names of the prediction options taken through ``**seq_options`` (for MATLAB's
    positional name-value pairs)."""
    return [p for p in inspect.signature(_PredictOptions.__init__).parameters
            if p not in ("self", "fname", "unknown")]


# The sequence options' help, inserted in each prediction function's docstring by
# _with_sequence_options (their defaults come from _PredictOptions' signature).
_SEQUENCE_HELP = {
    "SequenceLength": (V.SEQUENCE_LENGTHS, "How the sequences of a mini-batch are made one "
                       "length: padded to the longest, or truncated to the shortest (a "
                       "number, as in training, is not taken)."),
    "SequencePaddingDirection": (V.PADDING_DIRECTIONS, "Pad (or truncate) at the end "
                                 "('right') or at the start ('left') of the sequences; "
                                 "sequence-to-sequence outputs leave the padded steps out, a "
                                 "sequence-to-one network reads the last step of the padded "
                                 "mini-batch."),
    "SequencePaddingValue": ((), "Value with which the sequences are padded, a real scalar."),
    "ExecutionEnvironment": (PREDICTION_EXECUTION_ENVIRONMENTS, "Hardware for prediction: "
                             "'auto' (a GPU when dl.canUseGPU(), else the CPU), 'cpu', or "
                             "'gpu' (an error without CuPy and a CUDA device); 'parallel' "
                             "and 'multi-gpu' share the mini-batches among the MPI workers "
                             "of mpiexec and gather the results in order on every worker.  "
                             "Results come back on the host."),
}
assert list(_SEQUENCE_HELP) == _sequence_option_names(), "document every sequence option"


def _with_sequence_options(fn):
    """Put the sequence options' help (values, default, description) before the
    ``Example`` of ``fn``'s docstring (apply it under ``name_value_pairs``)."""
    defaults = {p.name: p.default
                for p in inspect.signature(_PredictOptions.__init__).parameters.values()}
    lines = ["Sequence options (name-value, as keywords or MATLAB's positional pairs):"]
    for name, (choices, text) in _SEQUENCE_HELP.items():
        d = defaults[name]
        shown = f"'{d}'" if isinstance(d, str) else repr(d)
        rest = "".join(f" | '{c}'" for c in choices if c != d) or " | real scalar"
        lines += [f"    {name}: {shown} (default){rest}"]
        lines += textwrap.wrap(text, 88, initial_indent=" " * 8, subsequent_indent=" " * 8,
                               break_on_hyphens=False)
    head, example = re.split(r"^(?=Example)", inspect.cleandoc(fn.__doc__), maxsplit=1,
                             flags=re.M)
    fn.__doc__ = head + "\n".join(lines) + "\n\n" + example
    return fn


def _check_mbs(v, fname):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise ValueError(f"{fname}: MiniBatchSize must be a positive integer, not {came(v)}")
    return int(v)


@name_value_pairs(2, names=_sequence_option_names)
@_with_sequence_options
def predict(net, *X, MiniBatchSize=128, InputDataFormats="auto", Outputs=None, nargout=None,
            **seq_options):
    """Compute deep learning network output for inference, MATLAB's ``predict``.

    Syntax::

        Y = dl.predict(net, X)
        Y = dl.predict(net, X, MiniBatchSize=27)       # or ..., "MiniBatchSize", 27
        Y, state = dl.predict(dlnet, X, nargout=2)     # MATLAB: [Y, state] = predict(dlnet, X)
        Y1, Y2 = dl.predict(dlnet, X1, X2)             # several inputs and outputs (dlarrays)
        H = dl.predict(dlnet, X, Outputs="lstm")       # the activations of a layer

    Input arguments:
        net: a SeriesNetwork or DAGNetwork (from trainNetwork) or a dlnetwork.
        X: sequences: a list of C x T arrays, one C x T array (one sequence), or a
            datastore whose reads' first column is the predictors; image sequences (a
            list of h x w x c x T arrays) for sequenceInputLayer([h w c]); an N-by-F
            array (one observation per row) for featureInputLayer(F), the sequence
            options then not applying.  A dlnetwork also
            takes a formatted dlarray ("CBT", "CB"), or a numeric array or unformatted
            dlarray with InputDataFormats: one inference pass from ``net.State`` (the
            sequence options below are for lists of sequences; given with such an X
            they are a ValueError); a network with several input layers takes one
            dlarray per input, ``predict(net, X1, X2)``.
        MiniBatchSize: 128 (default) | positive integer.  Sequences per mini-batch.
        InputDataFormats: 'auto' (default) | data format such as 'CBT'.  The layout of
            plain data: a dlnetwork reads a numeric array or an unformatted dlarray with
            it, as a formatted dlarray; a list of sequences is read sequence by sequence
            ('TC' for T x C ones).
        Outputs: None (default: the network's outputs) | layer names ("lstm",
            "layer/output"): for a dlnetwork given dlarrays, the activations to return.
        nargout: None (default: the outputs) | their number plus 1 (a dlnetwork given
            dlarrays: also the state).

    Output arguments:
        Y: for sequences (and feature data), an N x K array (sequence-to-one networks; K the output size:
            class scores or responses) or a list of K x T arrays (sequence-to-sequence
            networks, padded steps left out; one K x T array when X is one sequence).
            The recurrent layers start each mini-batch from their initial state, and the
            network's State is left as it is (see :func:`predictAndUpdateState`).  For
            dlarrays: the output dlarray (one per output), in inference mode (dropout
            off).
        state: the State table after the pass (``nargout`` one more than the outputs);
            assign it to ``net.State`` to keep it.

    Example::

        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                            dl.fullyConnectedLayer(2), dl.softmaxLayer()])
        X = [np.random.rand(3, n) for n in (5, 9, 7)]
        scores = dl.predict(net, X)                    # 3 x 2
        Y = dl.predict(net, dl.dlarray(np.random.rand(3, 4, 10), "CBT"))   # 2(C) x 4(B)
        Y, state = dl.predict(net, np.random.rand(10, 3, 4), InputDataFormats="TCB", nargout=2)
    """
    first = X[0] if X else None
    if isinstance(net, dlnetwork) and (isinstance(first, DLArray) or (
            InputDataFormats != "auto" and hasattr(first, "shape"))):
        if seq_options:                    # checked, and never ignored without a word
            _PredictOptions(**seq_options, fname="predict")
            raise ValueError(f"predict: {', '.join(seq_options)} applies to sequences given as a "
                             "list (or a datastore); a dlnetwork predicts a dlarray X in one pass")
        return predict_dlnetwork(net, X, InputDataFormats, nargout, Outputs)
    check_network(net, "predict")
    check_nargout(1 if nargout is None else nargout, (1,), "predict")
    if len(X) != 1:
        raise TypeError(f"predict: give one X (sequences), not {len(X)}; a dlnetwork with "
                        "several inputs takes one formatted dlarray per input")
    if Outputs is not None:
        raise ValueError("predict: Outputs applies to a dlnetwork given dlarrays; for "
                         "sequences use dl.activations(net, X, layerName)")
    X = network_observations(X[0], net, InputDataFormats, "predict")[0]
    outs, single = _predict_batches(net, X, _check_mbs(MiniBatchSize, "predict"),
                                    _PredictOptions(**seq_options, fname="predict"), False,
                                    "predict")
    return _stack(net, outs, single)


def _stack(net, outs, single):
    if not net._out_has_time:
        return np.stack(outs)
    return outs[0] if single else outs


@name_value_pairs(2, names=_sequence_option_names)
@_with_sequence_options
def classify(net, X, *, MiniBatchSize=128, nargout=1, **seq_options):
    """Classify data using a trained network, MATLAB's ``classify``.

    Syntax::

        labels = dl.classify(net, X)
        labels = dl.classify(net, X, MiniBatchSize=27)  # or ..., "MiniBatchSize", 27
        labels, scores = dl.classify(net, X, nargout=2) # MATLAB: [labels, scores] = classify(...)

    Input arguments:
        net: a classification network trained by trainNetwork (it records the classes).
        X: a list of C x T sequences, one C x T array (one sequence), or a datastore
            whose reads' first column is the predictors; a list of h x w x c x T image
            sequences; an N-by-F array for a featureInputLayer network.
        MiniBatchSize: 128 (default) | positive integer.  Observations per mini-batch.
        nargout: 1 (default) | 2 (also the scores).

    Output arguments:
        labels: the predicted classes, of the kind of the training labels: a
            categorical with every category of the training labels (MATLAB's), or an
            array of ints or strings.  Sequence-to-label: N labels; sequence-to-sequence:
            a list of label vectors, one label per time step (one vector for one
            sequence).
        scores: the class scores, as :func:`predict` gives them (N x K, or K x T arrays).

    The recurrent layers start each mini-batch from their initial state.

    Example::

        X = [np.random.rand(3, int(n)) for n in np.random.randint(5, 15, 20)]
        Y = dl.categorical(["up" if x[0].mean() > 0.5 else "down" for x in X])
        layers = [dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
        net = dl.trainNetwork(X, Y, layers, dl.trainingOptions("adam", MaxEpochs=2,
                                                               Verbose=False))
        labels, scores = dl.classify(net, X, nargout=2)    # 20 labels, 20 x 2 scores
        accuracy = np.mean(labels == Y)
    """
    nargout = check_nargout(nargout, (1, 2), "classify")
    check_network(net, "classify", (SeriesNetwork, DAGNetwork))
    outs, single = _predict_batches(net, X, _check_mbs(MiniBatchSize, "classify"),
                                    _PredictOptions(**seq_options, fname="classify"), False,
                                    "classify")
    labels = _labels_of(net, outs, single)
    return labels if nargout == 1 else (labels, _stack(net, outs, single))


def _labels_of(net, outs, single, fname="classify"):
    labels = getattr(net, "_labels", None)
    out = net.Layers[-1]
    if labels is None and isinstance(out, ClassificationOutputLayer) and \
            not isinstance(out.Classes, str):
        # a network that trainNetwork did not train (loaded, imported, built from layers
        # with Classes set): its classes are the output layer's
        labels = net._labels = _Labels(out.Classes, out.Classes)
    if labels is None:
        raise TypeError(f"{fname}: net must be a classification network trained by "
                        "trainNetwork (its output layer a classificationLayer)")
    if not net._out_has_time:
        return labels.decode([o.argmax() for o in outs])
    seqs = [labels.decode(o.argmax(axis=0)) for o in outs]
    return seqs[0] if single else seqs


@name_value_pairs(2, names=_sequence_option_names)
@_with_sequence_options
def predictAndUpdateState(net, X, **seq_options):
    """Predict responses using a trained recurrent network and update the network
    state, MATLAB's ``predictAndUpdateState``.

    Syntax::

        net, Y = dl.predictAndUpdateState(net, X)      # MATLAB: [net, Y] = predictAndUpdateState(net, X)

    Input arguments:
        net: a SeriesNetwork or a dlnetwork with recurrent layers.
        X: a list of C x T sequences or one C x T array (one sequence), processed in
            one mini-batch from the network's current State.

    Output arguments:
        net: a copy of the network whose State is the state after X, so that the next
            call continues the sequences (time step by time step forecasting); the
            network given is left as it is.  :func:`resetState` starts over.
        Y: the predictions, as :func:`predict` gives them.

    Example::

        net = dl.dlnetwork([dl.sequenceInputLayer(1), dl.lstmLayer(8),
                            dl.fullyConnectedLayer(1)])
        net, Y = dl.predictAndUpdateState(net, np.random.rand(1, 20))   # 1 x 20
        for t in range(5):                             # forecast from the last prediction
            net, Y = dl.predictAndUpdateState(net, Y[:, -1:])
        net = dl.resetState(net)
    """
    new = check_network(net, "predictAndUpdateState")._copy()
    options = _PredictOptions(**seq_options, fname="predictAndUpdateState")
    outs, single = _predict_batches(new, X, 1, options, True, "predictAndUpdateState")
    return new, _stack(new, outs, single)


@name_value_pairs(2, names=_sequence_option_names)
@_with_sequence_options
def classifyAndUpdateState(net, X, *, nargout=2, **seq_options):
    """Classify data using a trained recurrent network and update the network state,
    MATLAB's ``classifyAndUpdateState``.

    Syntax::

        net, labels = dl.classifyAndUpdateState(net, X)
        net, labels, scores = dl.classifyAndUpdateState(net, X, nargout=3)

    Input arguments:
        net: a classification network trained by trainNetwork.
        X: a list of C x T sequences or one C x T array (one sequence), processed in
            one mini-batch from the network's current State.
        nargout: 2 (default: net, labels) | 3 (also the scores).

    Output arguments:
        net: a copy of the network whose State is the state after X (the next call
            continues the sequences); the network given is left as it is.
        labels: the predicted classes, as :func:`classify` gives them.
        scores: the class scores, as :func:`predict` gives them.

    Example::

        X = [np.random.rand(3, 12) for _ in range(20)]
        Y = dl.categorical(["up" if x[0].mean() > 0.5 else "down" for x in X])
        layers = [dl.sequenceInputLayer(3), dl.lstmLayer(8), dl.fullyConnectedLayer(2),
                  dl.softmaxLayer(), dl.classificationLayer()]
        Ys = [dl.categorical([y] * 12, ["down", "up"]) for y in Y]   # a label per step
        net = dl.trainNetwork(X, Ys, layers, dl.trainingOptions("adam", MaxEpochs=2,
                                                                Verbose=False))
        net, labels = dl.classifyAndUpdateState(net, X[0][:, :6])    # the first 6 steps
        net, labels, scores = dl.classifyAndUpdateState(net, X[0][:, 6:], nargout=3)
    """
    nargout = check_nargout(nargout, (2, 3), "classifyAndUpdateState")
    new = check_network(net, "classifyAndUpdateState", (SeriesNetwork, DAGNetwork))._copy()
    options = _PredictOptions(**seq_options, fname="classifyAndUpdateState")
    outs, single = _predict_batches(new, X, 1, options, True, "classifyAndUpdateState")
    labels = _labels_of(new, outs, single, "classifyAndUpdateState")
    return (new, labels) if nargout == 2 else (new, labels, _stack(new, outs, single))


@name_value_pairs(2, names=_sequence_option_names)
@_with_sequence_options
def minibatchpredict(net, X, *, MiniBatchSize=128, InputDataFormats="auto", **seq_options):
    """Mini-batched prediction with a dlnetwork, MATLAB's ``minibatchpredict``.

    Syntax::

        scores = dl.minibatchpredict(net, X)
        scores = dl.minibatchpredict(net, X, MiniBatchSize=27)   # or ..., "MiniBatchSize", 27

    Input arguments:
        net: a dlnetwork (a SeriesNetwork works too).
        X: a list of C x T sequences, one C x T array (one sequence), a datastore whose
            reads' first column is the predictors, or, with InputDataFormats, a numeric
            array holding a batch; a list of h x w x c x T image sequences; an N-by-F
            array for a network that starts with a featureInputLayer.
        MiniBatchSize: 128 (default) | positive integer.  Sequences per mini-batch.
        InputDataFormats: 'auto' (default) | data format such as 'CBT'.  The layout of a
            numeric array holding a batch ('CBT', 'TCB', 'BTC', ...; it is split into its
            sequences) or of each sequence of a list ('TC').

    Output arguments:
        scores: the network's outputs: an N x K array for sequence-to-one networks, a
            list of K x T arrays for sequence-to-sequence networks (padded steps left
            out; one K x T array when X is one sequence).  Each mini-batch starts from
            the initial state; ``dl.scores2label(scores, net)`` gives labels.

    Differences from MATLAB: one output (no Outputs or UniformOutput options).

    Example::

        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                            dl.fullyConnectedLayer(2), dl.softmaxLayer()])
        X = [np.random.rand(3, n) for n in (5, 9, 7)]
        scores = dl.minibatchpredict(net, X, MiniBatchSize=2)   # 3 x 2
        scores = dl.minibatchpredict(net, np.random.rand(4, 10, 3), InputDataFormats="BTC")
    """
    check_network(net, "minibatchpredict")
    X = network_observations(X, net, InputDataFormats, "minibatchpredict")[0]
    outs, single = _predict_batches(net, X, _check_mbs(MiniBatchSize, "minibatchpredict"),
                                    _PredictOptions(**seq_options, fname="minibatchpredict"), False,
                                    "minibatchpredict")
    return _stack(net, outs, single)


def scores2label(scores, classNames=None, dim=None, *, nargout=1):
    """Convert prediction scores to labels, MATLAB's ``scores2label``.

    Syntax::

        Y = dl.scores2label(scores, classNames)
        Y = dl.scores2label(scores, net)               # the classes trainnet recorded
        Y = dl.scores2label(scores, classNames, dim)
        Y, topScores = dl.scores2label(..., nargout=2)

    Input arguments:
        scores: the class scores, an N x K array (or a dlarray, taken as its data) with
            the classes along ``dim``.
        classNames: the classes in score order: a list (or array) of names, a
            categorical, or a network trained by trainnet with "crossentropy" (its
            classes).  Required (default None: a ValueError).
        dim: the dimension of the classes, 0-based; default None, the last one (give 0
            for "CB" scores of a dlnetwork).
        nargout: 1 (default) or 2: also return the scores of the labels (MATLAB's
            ``[labels, topScores] = scores2label(...)``).

    Output arguments:
        Y: the class of the largest score of each observation: a categorical with the
            categories of ``classNames`` when it is a categorical (or a network trained
            on categorical labels), else an array of its values.
        topScores: (nargout=2) the largest score of each observation, an array of the
            size of Y.

    Differences from MATLAB: ``dim`` is 0-based and its default is the last dimension;
    MATLAB's multilabel forms are not supported.

    Example::

        scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
        dl.scores2label(scores, ["cat", "dog"])        # array(['dog', 'cat', 'dog'])
        dl.scores2label(scores.T, dl.categorical(["cat", "dog"]), 0)  # a categorical
    """
    decode = None
    if isinstance(classNames, _Net):
        labels = getattr(classNames, "_labels", None)
        if labels is None:
            raise ValueError("scores2label: this network was not trained with class labels")
        classNames, decode = labels.classes, labels.decode
    elif isinstance(classNames, categorical):
        classNames = classNames.ravel()
        decode = classNames.__getitem__
    if classNames is None:
        raise ValueError("scores2label: give classNames (the classes, in score order)")
    s = _host(extractdata(scores) if isinstance(scores, DLArray) else scores)
    s = as_array(s, "scores2label", "scores", kinds="biuf")
    classes = classNames if decode is not None else \
        np.asarray(class_names(classNames, "scores2label", "classNames"))
    if s.ndim == 0:
        raise ValueError("scores2label: scores must be an array with the classes along dim "
                         f"(N x K), not a scalar ({came(scores)})")
    axis = s.ndim - 1 if dim is None else dim
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not 0 <= axis < s.ndim:
        raise ValueError(f"scores2label: dim must be a dimension of the scores, an integer in "
                         f"0..{s.ndim - 1} (0-based; the scores are "
                         f"{' x '.join(map(str, s.shape))}), not {dim!r}")
    if s.shape[axis] != len(classes):
        raise ValueError(f"scores2label: scores have {s.shape[axis]} classes along dimension "
                         f"{axis} but {len(classes)} classNames were given")
    check_no_nan_scores(s, axis, np, "scores2label", "scores")
    labels = (decode or classes.__getitem__)(s.argmax(axis=axis))
    if check_nargout(nargout, (1, 2), "scores2label") == 1:
        return labels
    return labels, s.max(axis=axis)
