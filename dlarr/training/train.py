"""trainNetwork and trainnet: MATLAB's entry points for training on sequence data.

Both check their arguments, prepare the sequences and targets (``batching.py``),
pick the loss (``losses.py``) and hand over to the training loop (``loop.py``),
which runs the solver of the options (``solvers.py``) and the hooks (``hooks.py``).
For sequence-to-label networks the label is read at the last (possibly padded)
time step, and for sequence-to-sequence networks the padded steps are left out
of the loss, as in MATLAB.  Prediction is in ``prediction.py``.
"""
from __future__ import annotations

import os

from ..core import options as V
from ..core.arguments import check_nargout, name_value_pairs
from ..core.options import choose
from ..networks.graph import LayerGraph
from ..networks.network import DAGNetwork, SeriesNetwork, _Net, dlnetwork
from .batching import (_check_finite, _datastore_call, _datastore_data, _is_datastore,
                       _prepare_targets, _task)
from .dataformats import network_observations, target_responses
from .hooks import _evaluate, output_network
from .info import network_info, trainnet_info
from . import checkpoints
from .loop import _device, _fit
from .losses import _output_layer_loss, _trainnet_loss
from .metricset import MetricSet
from .options import solver_of
from .population import finalize_statistics

__all__ = ["trainNetwork", "trainnet"]


def _resumed(layers, ResumeFrom, cls, fname):
    """(network, training position) of checkpoint file ``ResumeFrom``, after checking it
    holds a ``cls`` network with the layers given; (None, None) without ResumeFrom."""
    if ResumeFrom is None:
        return None, None
    if not isinstance(ResumeFrom, (str, os.PathLike)):
        raise TypeError(f"{fname}: ResumeFrom must be the name of a checkpoint file "
                        f"(net_checkpoint__*.mat), not {type(ResumeFrom).__name__}")
    net, training = checkpoints.read_checkpoint(ResumeFrom, fname)
    if not isinstance(net, cls):
        raise ValueError(f"{fname}: ResumeFrom: the checkpoint holds a {type(net).__name__}; "
                         f"{fname} resumes a {cls.__name__}")
    if isinstance(layers, LayerGraph):            # the order the network keeps its layers in
        layers = DAGNetwork(layers, Initialize=False) if cls is DAGNetwork else \
            dlnetwork(layers, Initialize=False)
    checkpoints.check_layers(net, layers.Layers if isinstance(layers, _Net) else layers, fname)
    return net, training


@name_value_pairs(3)
def trainNetwork(X, Y, layers, options=None, *, ResumeFrom=None, nargout=1):
    """Train a neural network, MATLAB's ``trainNetwork``; see ``help(dl.trainNetwork)``."""
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
    kind = DAGNetwork if isinstance(layers, (LayerGraph, DAGNetwork)) else SeriesNetwork
    net, training = _resumed(layers, ResumeFrom, kind, fname)
    if net is None:
        net = kind(layers if kind is DAGNetwork else
                   layers.Layers if isinstance(layers, _Net) else layers, Initialize=True)
    task = _task(net)
    out = net.Layers[-1]
    classes = None
    if task == "classification":
        classes = None if isinstance(out.Classes, str) else out.Classes
    loss_fn = _output_layer_loss(net, task, fname)
    metric = "accuracy" if task == "classification" else "rmse"
    net, result = _train(net, X, Y, options, fname, task, loss_fn, classes, MetricSet(metric),
                         resume=training)
    if task == "classification":
        object.__setattr__(net.Layers[-1], "Classes", net._labels.as_classes())
    if nargout == 1:
        return net
    final = result.final or (float("nan"), (float("nan"),))
    return net, network_info(result.history, result.metrics[0], result.output_iteration,
                             final[0], final[1][0])


@name_value_pairs(3)
def trainnet(X, T, net, lossFcn, options=None, *, ResumeFrom=None, nargout=1):
    """Train a deep learning neural network, MATLAB's ``trainnet``; see ``help(dl.trainnet)``."""
    fname = "trainnet"
    nargout = check_nargout(nargout, (1, 2), fname)
    X, T, net, lossFcn, options = _datastore_call(X, T, (net, lossFcn, options), fname,
                                                  "trainnet(ds, net, lossFcn, options)")
    solver_of(options, fname)
    _device(options, fname)
    resumed, training = _resumed(net, ResumeFrom, dlnetwork, fname)
    if resumed is not None:
        net = resumed
    elif isinstance(net, dlnetwork) and net.Initialized:
        net = net._copy(layers=True)       # training sets layer properties: leave the caller's
    elif isinstance(net, (dlnetwork, LayerGraph)):
        net = dlnetwork(net)               # a copy, initialized (R2024a: trainnet does it)
    else:
        net = dlnetwork(net.Layers if isinstance(net, _Net) else net)
    loss_name = choose(lossFcn, V.TRAINNET_LOSSES, fname, "lossFcn") if isinstance(lossFcn, str) \
        else lossFcn
    loss_fn, task = _trainnet_loss(loss_name, net._out_has_time)
    classes = list(range(net._out_size)) if loss_name == "index-crossentropy" else None
    metrics = MetricSet(getattr(options, "Metrics", None))
    net, result = _train(net, X, T, options, fname, task, loss_fn, classes, metrics, "trainnet",
                         resume=training)
    if nargout == 1:
        return net
    return net, trainnet_info(result.history, result.validations, result.metrics,
                              result.output_iteration, result.reason)


trainNetwork.__doc__ = trainNetwork.__wrapped__.__doc__ = """Train a neural network for sequence, image-sequence or feature data, MATLAB's ``trainNetwork``.

Syntax::

    net = dl.trainNetwork(X, Y, layers, options)
    net = dl.trainNetwork(ds, layers, options)
    net = dl.trainNetwork(X, Y, layers, options, ResumeFrom=checkpointFile)
    net, info = dl.trainNetwork(..., nargout=2)    # MATLAB: [net, info] = trainNetwork(...)

Input arguments:
    X: the predictors, of the kind the input layer takes (as in MATLAB):
        sequenceInputLayer(C): a list of C x T arrays (MATLAB's cell array of sequences;
        the lengths may differ), one C x T array for one sequence, or, with the
        InputDataFormats option, an array holding a batch;
        sequenceInputLayer([h w c]): a list of h x w x c x T arrays (image sequences, e.g.
        videos), padded along T as sequences are, in "SSCBT" mini-batches;
        featureInputLayer(F): an N-by-F array, one observation per row, in "CB"
        mini-batches (the sequence options SequenceLength and SequencePadding* do not
        apply and are ignored, as in MATLAB; InputDataFormats "CB" reads an F-by-N one).
        Data of another kind than the input layer's is an error naming the layer.
    Y: the responses, their kind decided by the output layer and the last recurrent
        layer's OutputMode, as in MATLAB.  Sequence-to-label (or feature)
        classification: N labels (a categorical, as MATLAB's, or ints or strings);
        sequence-to-sequence classification: a list of N label sequences, one label per
        time step; sequence-to-one (or feature) regression: an N x R array;
        sequence-to-sequence regression: a list of N R x T arrays.
    ds: a datastore whose reads are rows [predictors, responses] (e.g.
        ``dl.combine(dsX, dsT)``), instead of X and Y (for feature data each read's
        predictors a row of F features).
    layers: a list of layers that starts with an input layer and ends with a
        classificationLayer (after a softmaxLayer) or a regressionLayer, a layer graph
        (:func:`layerGraph`, with connectLayers' branches: skip connections, one input
        layer and one output layer), or a network whose layers to train further.  The
        layers given are left as they are.
    options: training options from :func:`trainingOptions` (solver, MaxEpochs,
        MiniBatchSize, ValidationData, ...); Metrics is trainnet's option (a ValueError).
    ResumeFrom: None (default) or a checkpoint file written with trainingOptions'
        CheckpointPath (``net_checkpoint__<iteration>__<date>.mat``): training continues
        from it exactly as the interrupted run would have gone on (the same network,
        solver state, iteration, epoch, order of the data and random state; give the same
        X, Y and options), so its final learnables are the uninterrupted run's, bit for
        bit.  layers must be the checkpoint network's (by class and name).  The info then
        covers the iterations from the checkpoint on.  MATLAB's own way,
        ``dl.trainNetwork(X, Y, dl.load(file)["net"].Layers, options)``, works too and
        starts the solver afresh.
    nargout: 1 (default) returns net; 2 returns (net, info).

Output arguments:
    net: the trained :class:`SeriesNetwork` (a :class:`DAGNetwork` for a layer graph),
        on the host, its recurrent states reset.
        For classification the output layer's Classes holds the classes: a categorical's
        categories, every one (also those absent from Y: the network has one output per
        category), else the sorted unique labels; a categorical for categorical labels.
    info: MATLAB's training info, a struct (a dict whose fields are also attributes,
        ``info.TrainingLoss``): TrainingLoss, TrainingAccuracy (percent) or TrainingRMSE,
        ValidationLoss, ValidationAccuracy or ValidationRMSE (NaN where validation did
        not run) and BaseLearnRate, one value per iteration; FinalValidationLoss and
        FinalValidationAccuracy or FinalValidationRMSE (the returned network's, NaN
        without validation data) and OutputNetworkIteration.

What training does, as MATLAB: the statistics of the input layer's Normalization are
computed from X (see ResetInputNormalization); each epoch takes the data in mini-batches of MiniBatchSize sequences (in the
order Shuffle gives; the rest that does not fill a mini-batch is left out, and a
UserWarning says how many), padded or
truncated as SequenceLength says; a sequence-to-label network reads the label at the
last time step, and padded steps are left out of sequence-to-sequence losses.  The loss
is the output layer's (LossFunction); to its gradient L2Regularization is added, then it
is clipped (GradientThreshold), then the solver takes its step with the learning rate
times each learnable's learn-rate factor.  Validation, ValidationPatience, OutputNetwork,
OutputFcn and the progress table (Verbose) and plot (Plots) follow the options.
Batch normalization layers end with their moving statistics (BatchNormalizationStatistics
'auto', 'moving'), or with 'population' with the mean and variance over all of X of their
inputs, computed after training by one more pass with the final network.
NaN, Inf, complex or missing (None) values in the data or responses are refused (the
sequence and position named); when the loss turns NaN (e.g. a learning rate far too
large) training stops, "Training loss is NaN", with the last finite learnables.

Differences from MATLAB: sequences, image sequences and feature arrays (no images
without time, tables or 3-D image sequences in X); training runs on the CPU or one GPU (ExecutionEnvironment); ``nargout=2`` for the
second output.  MATLAB recommends trainnet since R2024a; trainNetwork works as before.

Example::

    X = [np.random.rand(3, int(n)) for n in np.random.randint(5, 15, 40)]
    Y = dl.categorical(["up" if x[0].mean() > 0.5 else "down" for x in X])
    layers = [dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
              dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
    options = dl.trainingOptions("adam", MaxEpochs=5, MiniBatchSize=10, Verbose=False)
    net, info = dl.trainNetwork(X, Y, layers, options, nargout=2)
    info.TrainingLoss.shape                        # (20,): 5 epochs of 4 iterations
    YPred = dl.classify(net, X)                    # a categorical of "down", "up"
    # feature data: an N-by-F array, one observation per row
    XF = np.random.rand(40, 4)
    YF = dl.categorical(np.where(XF[:, 0] > 0.5, "high", "low"))
    netF = dl.trainNetwork(XF, YF, [dl.featureInputLayer(4), dl.fullyConnectedLayer(2),
                                    dl.softmaxLayer(), dl.classificationLayer()], options)
    dl.predict(netF, XF).shape                     # (40, 2): N-by-K scores
"""

trainnet.__doc__ = trainnet.__wrapped__.__doc__ = """Train a deep learning neural network for sequence, image-sequence or feature data, MATLAB's ``trainnet``.

Syntax::

    net = dl.trainnet(X, T, layers, lossFcn, options)
    net = dl.trainnet(X, T, net, lossFcn, options)
    net = dl.trainnet(ds, net, lossFcn, options)
    net = dl.trainnet(X, T, net, lossFcn, options, ResumeFrom=checkpointFile)
    net, info = dl.trainnet(..., nargout=2)        # MATLAB: [net, info] = trainnet(...)

Input arguments:
    X: the predictors, as for :func:`trainNetwork`: a list of C x T arrays, one C x T
        array, or an array holding a batch with the InputDataFormats option; a list of
        h x w x c x T image sequences (sequenceInputLayer([h w c])); an N-by-F array for
        a network that starts with featureInputLayer(F).
    T: the targets.  With "crossentropy": labels (a categorical, one-hot encoded over all
        its categories; ints or strings, over their sorted unique values), one per
        sequence or, for sequence output, a list of label sequences; with
        "index-crossentropy": 0-based class indices; otherwise numbers: an N x R array
        (sequence-to-one) or a list of R x T arrays (sequence-to-sequence), multi-hot
        ones for "binary-crossentropy".
    ds: a datastore whose reads are rows [predictors, targets], instead of X and T.
    net: a :class:`dlnetwork` (left as it is: training works on a copy; an uninitialized
        one is initialized first, as after connectLayers), a layer graph or a list of
        layers without an output layer; one input and one output.
    lossFcn: "crossentropy", "index-crossentropy", "binary-crossentropy", "mse" (also
        "mean-squared-error", "l2loss"), "mae" (also "mean-absolute-error", "l1loss"),
        "huber", matched as validatestring does, or a function ``loss = f(Y, T)`` of the
        mini-batch's formatted network output and targets (numeric targets; padded time
        steps included).  As trainnet's documentation says, "crossentropy" is normalized
        by the number of non-channel elements of the output (observations times unpadded
        time steps), the other built-in losses by the number of elements.
    options: training options from :func:`trainingOptions`; its Metrics are computed on
        every mini-batch and on the validation data, shown in the table and the plot and
        recorded in the info.
    ResumeFrom: None (default) or a checkpoint file (trainingOptions' CheckpointPath) to
        continue from exactly, as for :func:`trainNetwork`; net must have the
        checkpoint network's layers.
    nargout: 1 (default) returns net; 2 returns (net, info).

Output arguments:
    net: the trained dlnetwork, on the host, its recurrent states reset.  With
        "crossentropy" it keeps the classes, for ``dl.scores2label(scores, net)``.
    info: a :class:`TrainingInfo`: TrainingHistory (Iteration, Epoch, TrainingLoss,
        Training<Metric> per metric, LearnRate) and ValidationHistory (Iteration,
        ValidationLoss, Validation<Metric>; iteration 0 is the initial network) tables,
        OutputNetworkIteration and StopReason.

Training runs as trainNetwork's does (mini-batches, padding, L2 regularization,
clipping, the solver, validation, OutputFcn); its progress table is MATLAB's newer one.

Differences from MATLAB: sequence, image-sequence and feature data only, networks of one
input and one output;
``nargout=2`` for the second output; "index-crossentropy" takes 0-based class indices.

Example::

    X = [np.random.rand(3, 10) for _ in range(40)]
    T = np.stack([x.mean(axis=1) for x in X])      # 40 x 3 responses
    layers = [dl.sequenceInputLayer(3), dl.lstmLayer(16, OutputMode="last"),
              dl.fullyConnectedLayer(3)]
    options = dl.trainingOptions("adam", MaxEpochs=5, MiniBatchSize=10, Verbose=False,
                                 Metrics="rmse")
    net, info = dl.trainnet(X, T, layers, "mse", options, nargout=2)
    info.TrainingHistory.VariableNames   # ['Iteration', 'Epoch', 'TrainingLoss', 'TrainingRMSE', 'LearnRate']
    Y = dl.minibatchpredict(net, X)                # 40 x 3
"""


def _one_input_one_output(net, fname):
    """Training takes networks of one input and one output (a chain, or a graph: the
    input layer is its first layer, the output its last)."""
    ins, outs = net.InputNames, net.OutputNames
    if len(ins) != 1 or len(outs) != 1:
        raise ValueError(f"{fname}: the network has {len(ins)} inputs ({', '.join(ins)}) and "
                         f"{len(outs)} outputs ({', '.join(outs)}); {fname} trains networks with "
                         "one input and one output (use a custom training loop, dlfeval and "
                         "forward(net, X1, X2, ...), for others)")


def _train(net, X, Y, options, fname, task, loss_fn, classes, metrics, style="trainNetwork",
           resume=None):
    """What trainNetwork and trainnet share: data, targets, validation, the loop; returns
    the trained network and the loop's ``Result``."""
    _one_input_one_output(net, fname)
    seq_out = net._out_has_time
    output_network(options, getattr(options, "ValidationData", None) is not None, fname)
    metrics.objective(getattr(options, "ObjectiveMetricName", "loss"), fname)
    in_fmt = getattr(options, "InputDataFormats", "auto")
    out_fmt = getattr(options, "TargetDataFormats", "auto")
    if _is_datastore(X):
        X, Y = _datastore_data(X, fname)
    seqs, _ = network_observations(X, net, in_fmt, fname)
    Y = target_responses(Y, out_fmt, seq_out, fname)
    _check_finite(seqs, fname, "X")
    min_length = getattr(net.Layers[0], "MinLength", 1)
    short = [i for i, s in enumerate(seqs) if seqs.kind != "feature" and s.shape[-1] < min_length]
    if short:
        raise ValueError(f"{fname}: sequence {short[0]} has {seqs[short[0]].shape[-1]} time "
                         f"steps, fewer than the input layer's MinLength {min_length}")
    if getattr(options, "ResetInputNormalization", True) or not net.Layers[0]._has_statistics():
        net.Layers[0]._fit_normalization(seqs)
    targets, labels = _prepare_targets(net, Y, seqs, task, seq_out, fname, classes=classes)
    if labels is not None:
        net._labels = labels

    validation = None
    if getattr(options, "ValidationData", None) is not None:
        vd = options.ValidationData
        XV, YV = _datastore_data(vd, fname, "ValidationData") if _is_datastore(vd) else vd
        YV = target_responses(YV, out_fmt, seq_out, fname)
        vseqs, _ = network_observations(XV, net, in_fmt, fname, "ValidationData X")
        _check_finite(vseqs, fname, "ValidationData X")
        vtargets, _ = _prepare_targets(net, YV, vseqs, task, seq_out, fname, labels=labels,
                                       name="ValidationData Y")

        def validation(n):
            return _evaluate(n, vseqs, vtargets, task, seq_out, options, loss_fn, metrics)
    net, result = _fit(net, seqs, targets, options, task, seq_out, loss_fn, metrics, validation,
                       fname, style, resume)
    return finalize_statistics(net, seqs, options, fname), result     # 'population' only
