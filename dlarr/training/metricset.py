"""Training metrics: trainnet's ``Metrics`` option ("accuracy", "rmse", "fscore",
"precision", "recall", "auc", or a function) and trainNetwork's mini-batch accuracy / RMSE.

A :class:`MetricSet` holds the metrics of one training run.  ``batch(Y, T, mask, seq)``
gives their values on one mini-batch (the training columns of the progress table, the
TrainingHistory); ``dataset(parts)`` their values on a whole data set given in
mini-batches (the validation columns): the built-in metrics are computed on all the
unpadded predictions at once, a function metric is the mean of its mini-batch values
weighted by the number of observations (as the loss is).

The built-in metrics, as MATLAB's metric objects with their default options:

* accuracy: the percentage of predictions whose largest score is the target's class;
* rmse: the square root of the mean squared error over every (unpadded) element;
* precision, recall, fscore: single-label, micro-averaged (counts over every class:
  for single-label classification the three equal the fraction of correct predictions);
* auc: the area under the ROC curve, micro-averaged (every class's scores against its
  one-hot targets, pooled), ties counted half.

A function metric is ``value = f(Y, T)`` on the mini-batch's formatted network output and
targets (dlarrays); its name is the function's name.  MATLAB does not use function
metrics for early stopping or the best network (ObjectiveMetricName), nor does dlarr.
"""
from __future__ import annotations

import math

import numpy as np

from ..core import options as V
from ..core.create import extractdata
from ..core.dlarray import DLArray
from ..core.options import choose
from .batching import _host

__all__ = ["MetricSet", "metric_names"]

_DISPLAY = {"accuracy": "Accuracy", "rmse": "RMSE", "fscore": "FScore",
            "precision": "Precision", "recall": "Recall", "auc": "AUC"}
_MAXIMIZE = {"accuracy": True, "rmse": False, "fscore": True, "precision": True,
             "recall": True, "auc": True}


# ==========================================================================
# The built-in metrics, on C x M columns of scores and targets
# ==========================================================================

def _hits(y, t):
    return y.argmax(axis=0) == t.argmax(axis=0)


def _accuracy(y, t):
    return 100.0 * float(_hits(y, t).mean()) if y.shape[1] else math.nan


def _rmse(y, t):
    return float(np.sqrt(np.mean((y.astype(np.float64) - t) ** 2))) if y.size else math.nan


def _micro(y, t):
    """Single-label micro-averaged precision = recall = F-score: TP / (TP + FP)."""
    m = y.shape[1]
    return float(_hits(y, t).sum()) / m if m else math.nan


def _auc(y, t):
    scores = y.astype(np.float64).ravel()
    positive = t.ravel() > 0.5
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(scores.size)
    sorted_scores = scores[order]
    start = 0
    for end in range(1, scores.size + 1):         # average ranks over ties
        if end == scores.size or sorted_scores[end] != sorted_scores[start]:
            ranks[order[start:end]] = 0.5 * (start + end - 1) + 1
            start = end
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


_BUILT_IN = {"accuracy": _accuracy, "rmse": _rmse, "fscore": _micro, "precision": _micro,
             "recall": _micro, "auc": _auc}


def _columns(Y, T, mask, seq):
    """Scores and targets of the unpadded predictions, as C x M host arrays."""
    y = np.asarray(_host(extractdata(Y) if isinstance(Y, DLArray) else Y))
    t = np.asarray(_host(extractdata(T) if isinstance(T, DLArray) else T))
    if seq:
        return y[:, mask], t[:, mask]
    return y.reshape(y.shape[0], -1), t.reshape(t.shape[0], -1)


def _scalar(v, name):
    v = extractdata(v) if isinstance(v, DLArray) else v
    a = np.asarray(_host(v), dtype=np.float64)
    if a.size != 1:
        raise ValueError(f"metric function {name} must return a scalar; it returned an array "
                         f"of size {a.shape}")
    return float(a.reshape(()))


def metric_names(spec) -> tuple:
    """The display names of a Metrics option value (None, a name, a function, or a tuple)."""
    return MetricSet(spec).names


class MetricSet:
    """The metrics of one training run (see the module docstring).  ``spec`` is the
    Metrics option's value: None, a canonical name, a function, or a tuple of them."""

    def __init__(self, spec):
        items = () if spec is None else tuple(spec) if isinstance(spec, (list, tuple)) \
            else (spec,)
        self._items = items
        names = []
        for k, m in enumerate(items, start=1):
            if isinstance(m, str):
                names.append(_DISPLAY[m])
            else:
                n = getattr(m, "__name__", "")
                names.append(n if n.isidentifier() else f"Metric{k}")
        self.names = tuple(names)

    def __len__(self):
        return len(self._items)

    def batch(self, Y, T, mask, seq) -> tuple:
        """The metrics on one mini-batch."""
        if not self._items:
            return ()
        y, t = _columns(Y, T, mask, seq)
        return tuple(_BUILT_IN[m](y, t) if isinstance(m, str) else _scalar(m(Y, T), n)
                     for m, n in zip(self._items, self.names))

    def dataset(self, parts) -> tuple:
        """The metrics on a data set given as mini-batches ``[(Y, T, mask, seq, n), ...]``."""
        if not self._items:
            return ()
        cols = [_columns(Y, T, mask, seq) for Y, T, mask, seq, _ in parts]
        y = np.concatenate([c[0] for c in cols], axis=1)
        t = np.concatenate([c[1] for c in cols], axis=1)
        w = np.asarray([p[4] for p in parts], float)
        out = []
        for m, n in zip(self._items, self.names):
            if isinstance(m, str):
                out.append(_BUILT_IN[m](y, t))
            else:
                vals = [_scalar(m(Y, T), n) for Y, T, _, _, _ in parts]
                out.append(float(np.dot(w, vals) / w.sum()))
        return tuple(out)

    def objective(self, name, fname):
        """ObjectiveMetricName resolved: (index of the metric, or None for the loss,
        True when larger values are better)."""
        if name.lower() == "loss":
            return None, False
        keys = [m if isinstance(m, str) else n for m, n in zip(self._items, self.names)]
        valid = ("loss",) + tuple(keys)
        try:
            key = choose(name, valid, fname, "ObjectiveMetricName")
        except ValueError:
            raise ValueError(f"{fname}: ObjectiveMetricName {name!r} must be 'loss' or the name "
                             f"of one of the Metrics ({', '.join(repr(k) for k in valid[1:])}"
                             f"{'' if len(valid) > 1 else 'none given'})") from None
        if key == "loss":
            return None, False
        k = keys.index(key)
        if not isinstance(self._items[k], str):
            raise ValueError(f"{fname}: ObjectiveMetricName {name!r} names a metric given as a "
                             "function; as in MATLAB, function metrics cannot be used for early "
                             "stopping or the best network (use 'loss' or a built-in metric)")
        return k, _MAXIMIZE[self._items[k]]


assert set(_BUILT_IN) == set(V.METRICS) == set(_DISPLAY)
