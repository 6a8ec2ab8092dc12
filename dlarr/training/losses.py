"""Training losses and metrics: the output layers' losses (trainNetwork), trainnet's
built-in losses (on ``dlarr.functions.losses``), and the mini-batch accuracy / RMSE.

Every loss here is ``loss(Y, T, mask)`` on the network's formatted output ``Y``,
the targets ``T`` in the same layout, and the B x T mask of the unpadded steps.
"""
from __future__ import annotations

import numpy as np

from ..core import options as V
from ..core.backend import array_namespace
from ..core.dlarray import DLArray
from ..core.registry import bind, primitive
from ..core.options import choose
from ..core.reduction import sum as dlsum
from ..functions import losses as _losses
from .batching import _like
from .metricset import MetricSet

# ==========================================================================
# The output layers (MATLAB's definitions)
# ==========================================================================


def _classification_loss_vjp(needs, g, ans, Y, T, *, weights, floor, n):
    y, t = Y._data, T._data
    xp = array_namespace(y)
    w = t if weights is None else t * weights
    # d/dY of max(Y, floor): 1 above the floor, ties share (as the maximum primitive's)
    above = (y > floor).astype(y.dtype) + 0.5 * (y == floor).astype(y.dtype)
    dY = (g._data * (-1.0 / n)) * w / xp.maximum(y, floor) * above
    return DLArray._new(dY.astype(y.dtype, copy=False), ""), None


@primitive("classification_loss", _classification_loss_vjp, higher=False)
def _classification_loss(Y, T, weights, floor, n):
    """-1/n sum T ln max(Y, floor) (times ``weights``, broadcast to Y, where given)."""
    xp = array_namespace(Y, T)
    L = T * xp.log(xp.maximum(Y, floor))
    if weights is not None:
        L = L * weights
    return xp.asarray(-L.sum() / n, Y.dtype)


def _output_loss(task, Y, T, mask, seq, class_weights=None):
    """classificationLayer: -1/N sum_n sum_t sum_i T ln Y (padded steps left out; one
    primitive); regressionLayer: 1/N sum_n 1/2 sum_i (T - Y)^2 per observation, and for
    sequences 1/(2S) sum_t sum_i (T - Y)^2 with S the sequence's length.
    (ClassificationOutputLayer / RegressionOutputLayer reference pages.)"""
    N = Y.shape[Y.dims.index("B")]
    if task == "classification":
        if T._fmt != Y._fmt or T.shape != Y.shape:
            raise ValueError(f"the targets ({T._fmt!r}, {T.shape}) do not match the network's "
                             f"output ({Y._fmt!r}, {Y.shape})")
        weights = None
        if class_weights is not None:          # ClassWeights: w_k multiplies class k's term
            weights = class_weights.astype(Y.dtype).reshape((-1,) + (1,) * (Y.ndim - 1))
        if seq:                                # "CBT": the padded steps weigh 0
            m = mask[None].astype(Y.dtype)
            weights = m if weights is None else weights * m
        weights = None if weights is None else _like(weights, Y._data)
        return bind(_classification_loss, [Y, T], "", weights=weights,
                    floor=np.finfo(Y.dtype).eps, n=N)
    D = (Y - T) ** 2
    if seq:
        w = mask / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        D = D * DLArray._new(_like(w[None].astype(Y.dtype), Y._data), "CBT")
    return dlsum(D, "all") * (0.5 / N)


def _output_layer_loss(net, task, fname):
    """trainNetwork's loss(Y, T, mask): the output layer's, with its ClassWeights."""
    seq_out = net._out_has_time
    out = net.Layers[-1]
    weights = None
    if task == "classification" and not isinstance(out.ClassWeights, str):
        weights = np.asarray(out.ClassWeights, dtype=np.float64)
        if weights.size != net._out_size:
            raise ValueError(f"{fname}: ClassWeights has {weights.size} elements but the "
                             f"network has {net._out_size} classes")
    return lambda Yp, T, mask: _output_loss(task, Yp, T, mask, seq_out, weights)


def _metric(task, Y, T, mask, seq):
    """Mini-batch accuracy (%) or RMSE, on the unpadded steps (``metricset.py``'s)."""
    return MetricSet("accuracy" if task == "classification" else "rmse").batch(Y, T, mask, seq)[0]


# ==========================================================================
# trainnet's loss functions
# ==========================================================================

def _normalized(fn, seq_out, per_channel, **kw):
    """A dlarr.functions loss summed over the unpadded steps, divided as trainnet does."""
    def loss(Y, T, mask):
        M = DLArray._new(_like(mask[None].astype(Y.dtype), Y._data), "CBT") if seq_out \
            else None
        total = fn(Y, T, Mask=M, NormalizationFactor="none", **kw)
        n = float(mask.sum()) if seq_out else Y.shape[Y.dims.index("B")]
        return total / (n * (Y.shape[Y.dims.index("C")] if per_channel else 1))
    loss.by_steps = seq_out       # normalized by the unpadded steps (parallel weighting)
    return loss


def _trainnet_loss(lossFcn, seq_out):
    """MATLAB's trainnet loss names -> (loss(Y, T, mask), task).

    As trainnet's documentation describes its built-in losses: "crossentropy"
    is normalized by the number of non-channel elements of the output (the
    observations times the unpadded time steps), the others by the number of
    elements.  The task says how targets are read: labels ("classification")
    or numbers ("regression"); binary cross-entropy takes numeric (multi-hot)
    targets.
    """
    table = {
        "crossentropy": (_normalized(_losses.crossentropy, seq_out, False), "classification"),
        # class indices (0-based, as dlarr's indexcrossentropy) are read as labels over
        # the classes 0..K-1: the same loss as cross-entropy against one-hot targets
        "index-crossentropy": (_normalized(_losses.crossentropy, seq_out, False),
                               "classification"),
        "binary-crossentropy": (_normalized(_losses.crossentropy, seq_out, True,
                                            ClassificationMode="multilabel"), "regression"),
    }
    for names, fn in ((("mse", "mean-squared-error", "l2loss"), _losses.l2loss),
                      (("mae", "mean-absolute-error", "l1loss"), _losses.l1loss),
                      (("huber",), _losses.huber)):
        for name in names:
            table[name] = (_normalized(fn, seq_out, True), "regression")
    if callable(lossFcn):
        return (lambda Y, T, mask: lossFcn(Y, T)), "regression"
    if not isinstance(lossFcn, str):
        raise TypeError(f"trainnet: lossFcn must be one of {', '.join(repr(k) for k in table)} "
                        f"or a function loss = f(Y, T); got {type(lossFcn).__name__}")
    return table[choose(lossFcn, V.TRAINNET_LOSSES, "trainnet", "lossFcn")]
