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
from ..core.options import choose
from ..networks.network import SeriesNetwork, _Net, dlnetwork
from .batching import _as_sequences, _prepare_targets, _task
from .hooks import _evaluate
from .loop import _device, _fit
from .losses import _metric, _output_layer_loss, _trainnet_loss
from .options import solver_of

__all__ = ["trainNetwork", "trainnet"]


def trainNetwork(X, Y, layers, options):
    """MATLAB's ``net = trainNetwork(X, Y, layers, options)`` for sequence data.

    ``X``: a list of C x T arrays.  ``Y``: labels (ints or strings) for
    sequence-to-label classification, a list of per-step label sequences for
    sequence-to-sequence classification, an N x R array for sequence-to-one
    regression, or a list of R x T arrays for sequence-to-sequence regression.
    Which one is decided by the output layer and the last recurrent layer's
    OutputMode, as in MATLAB.  Returns a :class:`SeriesNetwork`.
    """
    fname = "trainNetwork"
    solver_of(options, fname)
    _device(options, fname)
    net = SeriesNetwork(layers.Layers if isinstance(layers, _Net) else layers, Initialize=True)
    task = _task(net)
    out = net.Layers[-1]
    classes = None
    if task == "classification":
        classes = None if isinstance(out.Classes, str) else out.Classes
    loss_fn = _output_layer_loss(net, task, fname)
    net = _train(net, X, Y, options, fname, task, loss_fn, classes)
    if task == "classification":
        object.__setattr__(net.Layers[-1], "Classes", tuple(net._labels.classes.tolist()))
    return net


def trainnet(X, T, net, lossFcn, options):
    """MATLAB's ``net = trainnet(X, T, net, lossFcn, options)`` for sequence data.

    ``net`` is a dlnetwork or a layer array without an output layer; ``lossFcn``
    a loss name ("crossentropy", "index-crossentropy" (0-based class indices),
    "binary-crossentropy", "mse"/"mean-squared-
    error"/"l2loss", "mae"/"mean-absolute-error"/"l1loss", "huber") or a
    function ``loss = f(Y, T)`` on formatted dlarrays.  With "crossentropy" the
    targets are labels (ints or strings), one-hot encoded over their sorted
    classes, which the returned network keeps for :func:`scores2label`.
    Returns the trained dlnetwork.
    """
    fname = "trainnet"
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
    return _train(net, X, T, options, fname, task, loss_fn, classes)


def _train(net, X, Y, options, fname, task, loss_fn, classes=None):
    """What trainNetwork and trainnet share: data, targets, validation, the loop."""
    seq_out = net._out_has_time
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

    def metric_fn(Yp, T, mask):
        return _metric(task, Yp, T, mask, seq_out)

    validation = None
    if getattr(options, "ValidationData", None) is not None:
        XV, YV = options.ValidationData
        vseqs, _ = _as_sequences(XV, net.Layers[0].InputSize, fname, "ValidationData X")
        vtargets, _ = _prepare_targets(net, YV, vseqs, task, seq_out, fname, labels=labels)

        def validation(n):
            return _evaluate(n, vseqs, vtargets, task, seq_out, options, loss_fn, metric_fn)
    return _fit(net, seqs, targets, options, task, seq_out, loss_fn, metric_fn, validation, fname)
