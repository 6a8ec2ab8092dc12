"""Prediction with trained networks: predict, classify, predictAndUpdateState,
classifyAndUpdateState (SeriesNetwork), minibatchpredict and scores2label (dlnetwork).

Sequences are batched and padded as in training (``batching.py``), with the
sequence options of MATLAB's name-value arguments.
"""
from __future__ import annotations

import inspect
import numbers

import numpy as np

from ..core import options as V
from ..core.arguments import check_nargout, name_value_pairs
from ..core.backend import execution_namespace
from ..core.categorical import categorical
from ..core.create import extractdata
from ..core.dlarray import DLArray
from ..core.options import choose
from ..networks.network import _Net, dlnetwork, predict_dlnetwork
from .batching import _as_sequences, _host, _pad_batch
from .dataformats import input_sequences

__all__ = ["predict", "classify", "predictAndUpdateState", "classifyAndUpdateState",
           "minibatchpredict", "scores2label"]


def _predict_batches(net, X, MiniBatchSize, options, update_state, fname):
    """Scores per observation: K-vectors (sequence-to-one) or K x T arrays."""
    seqs, single = _as_sequences(X, net.Layers[0].InputSize, fname)
    N = len(seqs)
    mbs = N if update_state else MiniBatchSize
    outs = []
    xp = execution_namespace(options.ExecutionEnvironment, fname)
    dnet = net._to_device(xp)
    state = dnet._state if update_state else dnet._initial_states()
    for s in range(0, N, mbs):
        idx = range(s, min(s + mbs, N))
        data, mask = _pad_batch([seqs[i] for i in idx], options)
        Y, state_after = dnet._run(DLArray._new(xp.asarray(data), "CBT"), training=False,
                                   state=state, fname=fname)
        if update_state:
            dnet._state = state_after
            net._state = dnet._to_device(np)._state
        y = _host(extractdata(Y))
        for j in range(y.shape[1]):
            outs.append(y[:, j] if y.ndim == 2 else y[:, j][:, mask[j]])
    return outs, single


class _PredictOptions:
    """The sequence options of predict/classify (MATLAB's name-value arguments),
    string values matched as validatestring does."""

    def __init__(self, SequenceLength="longest", SequencePaddingDirection="right",
                 SequencePaddingValue=0, ExecutionEnvironment="auto", *, fname="predict"):
        if not isinstance(SequenceLength, str):
            raise ValueError(f"{fname}: SequenceLength must be 'longest' or 'shortest' for "
                             f"prediction, not {SequenceLength!r}")
        self.SequenceLength = choose(SequenceLength, V.SEQUENCE_LENGTHS, fname, "SequenceLength")
        self.SequencePaddingDirection = choose(SequencePaddingDirection, V.PADDING_DIRECTIONS,
                                               fname, "SequencePaddingDirection")
        self.SequencePaddingValue = SequencePaddingValue
        self.ExecutionEnvironment = choose(ExecutionEnvironment, V.EXECUTION_ENVIRONMENTS, fname,
                                           "ExecutionEnvironment")


def _sequence_option_names():
    """The names of the prediction options taken through ``**seq_options`` (for MATLAB's
    positional name-value pairs)."""
    return [p for p in inspect.signature(_PredictOptions.__init__).parameters
            if p not in ("self", "fname")]


def _check_mbs(v):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise ValueError(f"MiniBatchSize must be a positive integer, not {v!r}")
    return int(v)


@name_value_pairs(2, names=_sequence_option_names)
def predict(net, X, *, MiniBatchSize=128, InputDataFormats="auto", nargout=1, **seq_options):
    """MATLAB's ``predict``: scores or responses of a trained network.

    SeriesNetwork: sequence-to-one networks give an N x K array; sequence-to-
    sequence networks a list of K x T arrays (one K x T array when X is one
    sequence).  dlnetwork: ``predict(net, X)`` on a formatted dlarray returns
    the output dlarray (inference mode).  Options: ``SequenceLength``
    ("longest"/"shortest"), ``SequencePaddingDirection``, ``SequencePaddingValue``,
    ``ExecutionEnvironment`` ("auto": the GPU when canUseGPU(), "cpu", "gpu"),
    ``InputDataFormats`` (the layout of plain data: a dlnetwork reads a numeric array or
    an unformatted dlarray with it, as a formatted dlarray; a list of sequences is read
    sequence by sequence, "TC" for T x C ones).  ``Y, state = predict(dlnet, X,
    nargout=2)``: MATLAB's ``[Y, state]``, the State table after the pass."""
    if isinstance(net, dlnetwork) and (isinstance(X, DLArray) or (
            InputDataFormats != "auto" and hasattr(X, "shape"))):
        nargout = check_nargout(nargout, (1, 2), "predict")
        return predict_dlnetwork(net, X, InputDataFormats, nargout)
    if not isinstance(net, _Net):
        raise TypeError(f"predict: net must be a trained network, not {type(net).__name__}")
    check_nargout(nargout, (1,), "predict")
    X = input_sequences(X, InputDataFormats, "predict")
    outs, single = _predict_batches(net, X, _check_mbs(MiniBatchSize),
                                    _PredictOptions(**seq_options, fname="predict"), False,
                                    "predict")
    return _stack(net, outs, single)


def _stack(net, outs, single):
    if not net._out_has_time:
        return np.stack(outs)
    return outs[0] if single else outs


@name_value_pairs(2, names=_sequence_option_names)
def classify(net, X, *, MiniBatchSize=128, nargout=1, **seq_options):
    """MATLAB's ``classify``: predicted labels, in the kind of the training
    labels: a categorical with every category of the training labels (MATLAB's),
    or an array of ints or strings.  Sequence-to-label: N labels;
    sequence-to-sequence: a list of label vectors, one label per time step.
    ``labels, scores = classify(net, X, nargout=2)``: MATLAB's ``[labels, scores]``, the
    scores as :func:`predict` gives them."""
    nargout = check_nargout(nargout, (1, 2), "classify")
    outs, single = _predict_batches(net, X, _check_mbs(MiniBatchSize),
                                    _PredictOptions(**seq_options, fname="classify"), False,
                                    "classify")
    labels = _labels_of(net, outs, single)
    return labels if nargout == 1 else (labels, _stack(net, outs, single))


def _labels_of(net, outs, single):
    labels = getattr(net, "_labels", None)
    if labels is None:
        raise TypeError("classify needs a classification network trained by trainNetwork")
    if not net._out_has_time:
        return labels.decode([o.argmax() for o in outs])
    seqs = [labels.decode(o.argmax(axis=0)) for o in outs]
    return seqs[0] if single else seqs


@name_value_pairs(2, names=_sequence_option_names)
def predictAndUpdateState(net, X, **seq_options):
    """MATLAB's ``[net, Y] = predictAndUpdateState(net, X)``: predict and keep the
    recurrent states, so the next call continues the sequences."""
    new = net._copy()
    options = _PredictOptions(**seq_options, fname="predictAndUpdateState")
    outs, single = _predict_batches(new, X, 1, options, True, "predictAndUpdateState")
    return new, _stack(new, outs, single)


@name_value_pairs(2, names=_sequence_option_names)
def classifyAndUpdateState(net, X, *, nargout=2, **seq_options):
    """MATLAB's ``[net, labels] = classifyAndUpdateState(net, X)``;
    ``net, labels, scores = classifyAndUpdateState(net, X, nargout=3)`` also the scores."""
    nargout = check_nargout(nargout, (2, 3), "classifyAndUpdateState")
    new = net._copy()
    options = _PredictOptions(**seq_options, fname="classifyAndUpdateState")
    outs, single = _predict_batches(new, X, 1, options, True, "classifyAndUpdateState")
    labels = _labels_of(new, outs, single)
    return (new, labels) if nargout == 2 else (new, labels, _stack(new, outs, single))


@name_value_pairs(2, names=_sequence_option_names)
def minibatchpredict(net, X, *, MiniBatchSize=128, InputDataFormats="auto", **seq_options):
    """MATLAB's ``minibatchpredict``: a dlnetwork's outputs for a list of
    sequences, in mini-batches (N x K for sequence-to-one networks, a list of
    K x T arrays for sequence-to-sequence networks).  ``InputDataFormats``: the layout
    of a numeric array holding a batch ("CBT", "TCB", "BTC", ...; split into its
    sequences) or of each sequence of a list ("TC")."""
    X = input_sequences(X, InputDataFormats, "minibatchpredict")
    outs, single = _predict_batches(net, X, _check_mbs(MiniBatchSize),
                                    _PredictOptions(**seq_options, fname="minibatchpredict"), False,
                                    "minibatchpredict")
    return _stack(net, outs, single)


def scores2label(scores, classNames=None, dim=None):
    """MATLAB's ``scores2label``: the class of the largest score.

    ``scores`` is N x K (classes along the last dimension unless ``dim`` says
    otherwise); ``classNames`` defaults to the classes a network trained by
    trainnet recorded, when ``classNames`` is that network (a categorical comes
    back when it was trained on one).  ``classNames`` a categorical: a categorical
    with its categories, as MATLAB returns; a list: an array of its values."""
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
    s = np.asarray(s)
    classes = classNames if decode is not None else np.asarray(list(classNames))
    axis = s.ndim - 1 if dim is None else dim
    if s.shape[axis] != len(classes):
        raise ValueError(f"scores2label: scores have {s.shape[axis]} classes along dimension "
                         f"{axis} but {len(classes)} classNames were given")
    return (decode or classes.__getitem__)(s.argmax(axis=axis))
