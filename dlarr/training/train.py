"""trainNetwork and trainnet: MATLAB's entry points for training on sequence data.

Both check their arguments, prepare the sequences and targets (``batching.py``),
pick the loss (``losses.py``) and hand over to the training loop (``loop.py``),
which runs the solver of the options (``solvers.py``) and the hooks (``hooks.py``).
For sequence-to-label networks the label is read at the last (possibly padded)
time step, and for sequence-to-sequence networks the padded steps are left out
of the loss, as in MATLAB.  Prediction is in ``prediction.py``.
"""
from __future__ import annotations

from ..core import options as V
from ..core.arguments import check_nargout
from ..core.options import choose
from ..networks.network import SeriesNetwork, _Net, dlnetwork
from .batching import (_as_sequences, _datastore_call, _datastore_data, _is_datastore,
                       _prepare_targets, _task)
from .dataformats import input_sequences, target_responses
from .hooks import _evaluate, output_network
from .info import network_info, trainnet_info
from .loop import _device, _fit
from .losses import _output_layer_loss, _trainnet_loss
from .metricset import MetricSet
from .options import solver_of

__all__ = ["trainNetwork", "trainnet"]


def trainNetwork(X, Y, layers, options=None, *, nargout=1):
    """MATLAB's ``net = trainNetwork(X, Y, layers, options)`` for sequence data.

    ``X``: a list of C x T arrays.  ``Y``: labels (a categorical, as MATLAB's, or
    ints or strings) for sequence-to-label classification, a list of per-step label
    sequences for sequence-to-sequence classification, an N x R array for sequence-to-one
    regression, or a list of R x T arrays for sequence-to-sequence regression.
    Which one is decided by the output layer and the last recurrent layer's
    OutputMode, as in MATLAB.  ``trainNetwork(ds, layers, options)``: a datastore
    whose reads are rows [predictors, responses] (e.g. ``combine(dsX, dsT)``).  The classes are a categorical's categories, every one
    (also those absent from Y: the network needs one output per category), else the
    sorted unique labels; after training the output layer's Classes holds them (a
    categorical for categorical labels).  Returns a :class:`SeriesNetwork`;
    ``net, info = trainNetwork(..., nargout=2)`` also MATLAB's training info (a struct:
    TrainingLoss, TrainingAccuracy or TrainingRMSE, ValidationLoss, ValidationAccuracy or
    ValidationRMSE, BaseLearnRate per iteration, FinalValidationLoss, FinalValidationAccuracy
    or FinalValidationRMSE, OutputNetworkIteration; ``dlarr.training.info``).
    """
    fname = "trainNetwork"
    nargout = check_nargout(nargout, (1, 2), fname)
    X, Y, layers, options = _datastore_call(X, Y, (layers, options), fname,
                                            "trainNetwork(ds, layers, options)")
    solver_of(options, fname)
    if getattr(options, "Metrics", None) is not None:
        raise ValueError(f"{fname}: the Metrics training option is for trainnet (as in "
                         "MATLAB); trainNetwork reports the accuracy (classification) or the "
                         "RMSE (regression)")
    _device(options, fname)
    net = SeriesNetwork(layers.Layers if isinstance(layers, _Net) else layers, Initialize=True)
    task = _task(net)
    out = net.Layers[-1]
    classes = None
    if task == "classification":
        classes = None if isinstance(out.Classes, str) else out.Classes
    loss_fn = _output_layer_loss(net, task, fname)
    metric = "accuracy" if task == "classification" else "rmse"
    net, result = _train(net, X, Y, options, fname, task, loss_fn, classes, MetricSet(metric))
    if task == "classification":
        object.__setattr__(net.Layers[-1], "Classes", net._labels.as_classes())
    if nargout == 1:
        return net
    final = result.final or (float("nan"), (float("nan"),))
    return net, network_info(result.history, result.metrics[0], result.output_iteration,
                             final[0], final[1][0])


def trainnet(X, T, net, lossFcn, options=None, *, nargout=1):
    """MATLAB's ``net = trainnet(X, T, net, lossFcn, options)`` for sequence data.

    ``net`` is a dlnetwork or a layer array without an output layer; ``lossFcn``
    a loss name ("crossentropy", "index-crossentropy" (0-based class indices),
    "binary-crossentropy", "mse"/"mean-squared-
    error"/"l2loss", "mae"/"mean-absolute-error"/"l1loss", "huber") or a
    function ``loss = f(Y, T)`` on formatted dlarrays.  With "crossentropy" the
    targets are labels (a categorical: one-hot encoded over all its categories; ints
    or strings: over their sorted unique values), and the returned network keeps the
    classes for :func:`scores2label`.  ``trainnet(ds, net, lossFcn, options)``: a
    datastore whose reads are rows [predictors, targets].
    Returns the trained dlnetwork; ``net, info = trainnet(..., nargout=2)`` also MATLAB's
    :class:`TrainingInfo` (TrainingHistory and ValidationHistory tables,
    OutputNetworkIteration, StopReason).  The options' Metrics are computed on every
    mini-batch and on the validation data, shown in the table and the plot and recorded
    in the info.
    """
    fname = "trainnet"
    nargout = check_nargout(nargout, (1, 2), fname)
    X, T, net, lossFcn, options = _datastore_call(X, T, (net, lossFcn, options), fname,
                                                  "trainnet(ds, net, lossFcn, options)")
    solver_of(options, fname)
    _device(options, fname)
    if isinstance(net, dlnetwork):
        net = net._copy(layers=True)       # training sets layer properties: leave the caller's
    else:
        net = dlnetwork(net.Layers if isinstance(net, _Net) else net)
    loss_name = choose(lossFcn, V.TRAINNET_LOSSES, fname, "lossFcn") if isinstance(lossFcn, str) \
        else lossFcn
    loss_fn, task = _trainnet_loss(loss_name, net._out_has_time)
    classes = list(range(net._out_size)) if loss_name == "index-crossentropy" else None
    metrics = MetricSet(getattr(options, "Metrics", None))
    net, result = _train(net, X, T, options, fname, task, loss_fn, classes, metrics, "trainnet")
    if nargout == 1:
        return net
    return net, trainnet_info(result.history, result.validations, result.metrics,
                              result.output_iteration, result.reason)


def _train(net, X, Y, options, fname, task, loss_fn, classes, metrics, style="trainNetwork"):
    """What trainNetwork and trainnet share: data, targets, validation, the loop; returns
    the trained network and the loop's ``Result``."""
    seq_out = net._out_has_time
    output_network(options, getattr(options, "ValidationData", None) is not None, fname)
    metrics.objective(getattr(options, "ObjectiveMetricName", "loss"), fname)
    in_fmt = getattr(options, "InputDataFormats", "auto")
    out_fmt = getattr(options, "TargetDataFormats", "auto")
    if _is_datastore(X):
        X, Y = _datastore_data(X, fname)
    X, Y = input_sequences(X, in_fmt, fname), target_responses(Y, out_fmt, seq_out, fname)
    seqs, _ = _as_sequences(X, net.Layers[0].InputSize, fname)
    short = [i for i, s in enumerate(seqs) if s.shape[1] < net.Layers[0].MinLength]
    if short:
        raise ValueError(f"{fname}: sequence {short[0]} has {seqs[short[0]].shape[1]} time steps, "
                         f"fewer than the input layer's MinLength {net.Layers[0].MinLength}")
    if getattr(options, "ResetInputNormalization", True) or not net.Layers[0]._has_statistics():
        net.Layers[0]._fit_normalization(seqs)
    targets, labels = _prepare_targets(net, Y, seqs, task, seq_out, fname, classes=classes)
    if labels is not None:
        net._labels = labels

    validation = None
    if getattr(options, "ValidationData", None) is not None:
        vd = options.ValidationData
        XV, YV = _datastore_data(vd, fname, "ValidationData") if _is_datastore(vd) else vd
        XV = input_sequences(XV, in_fmt, fname)
        YV = target_responses(YV, out_fmt, seq_out, fname)
        vseqs, _ = _as_sequences(XV, net.Layers[0].InputSize, fname, "ValidationData X")
        vtargets, _ = _prepare_targets(net, YV, vseqs, task, seq_out, fname, labels=labels)

        def validation(n):
            return _evaluate(n, vseqs, vtargets, task, seq_out, options, loss_fn, metrics)
    return _fit(net, seqs, targets, options, task, seq_out, loss_fn, metrics, validation, fname,
                style)
