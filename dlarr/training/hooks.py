"""What the training loop calls around its iterations: validation, the progress
display, ValidationPatience and OutputNetwork on the objective metric, and OutputFcn.

Each hook has ``start(run)``, ``iteration(run)`` and ``done(run)``; ``run`` is the
:class:`Run` record of where training is.  A hook ends training early by raising
:class:`Stop` with MATLAB's reason.  :class:`Hooks` calls them in MATLAB's order:
first the hooks that measure (validation: its time counts in the elapsed time),
then the clock is read, then the hooks that report or decide (progress, the
validation criterion, OutputFcn).

Validation runs at iteration 1 (trainNetwork) or on the initial network, iteration 0
(trainnet), then every ValidationFrequency iterations and at the end.  OutputNetwork "auto"
is "best-validation" with ValidationData and "last-iteration" without; "best-validation"
returns the network of the best value of ObjectiveMetricName on the validation data
(the loss by default; larger is better for accuracy, F-score, precision, recall and AUC).
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..core.dlarray import DLArray
from .batching import _batch, _batch_input
from .metricset import MetricSet
from .progress import TrainingProgress


class Stop(Exception):
    """Ends training early, with MATLAB's reason."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class Run:
    """Where training is: the network being trained and the latest iteration's values
    (loss, metric values, base learning rate; validation loss and metrics when computed),
    and what the run returns: the iteration of the returned network and its validation
    values (``output_iteration``, ``final``, set by the validation criterion)."""

    def __init__(self, net, options):
        self.net = net
        self.epoch = self.iteration = 0
        self.loss, self.metrics, self.lr = math.nan, (), options.InitialLearnRate
        self.val_loss = self.val_metrics = None
        self.elapsed = 0.0
        self.reason = "Max epochs completed"
        self.output_iteration = None
        self.final = None                 # (validation loss, metrics) of the returned network
        self._t0 = time.perf_counter()

    def record(self, loss, metrics, lr):
        """One more iteration, with its mini-batch loss and metric values."""
        self.iteration += 1
        self.loss, self.metrics, self.lr = loss, tuple(metrics), lr
        self.val_loss = self.val_metrics = None

    def stamp(self):
        self.elapsed = time.perf_counter() - self._t0


class Hooks:
    """The hooks of one training run, called in order (see the module docstring)."""

    def __init__(self, measure, report):
        self.measure, self.report = list(measure), list(report)

    def start(self, run):
        for h in self.measure + self.report:
            h.start(run)

    def iteration(self, run):
        for h in self.measure:
            h.iteration(run)
        run.stamp()
        for h in self.report:
            h.iteration(run)

    def done(self, run):
        for h in self.measure:
            h.done(run)
        run.stamp()
        for h in self.report:
            h.done(run)


class _Hook:
    def start(self, run):
        pass

    def iteration(self, run):
        pass

    def done(self, run):
        pass


# ==========================================================================
# Validation
# ==========================================================================

def _evaluate(net, seqs, targets, task, seq_out, options, loss_fn, metric_fn):
    """Loss and metrics over a whole data set, in prediction mode: the loss is the mean of
    the mini-batch losses weighted by their sizes; a :class:`MetricSet` gives its values on
    the whole set (a plain ``metric_fn(Y, T, mask)`` the weighted mean of its values)."""
    mbs = options.MiniBatchSize
    N = len(seqs)
    losses, parts = [], []
    for s in range(0, N, mbs):
        idx = np.arange(s, min(s + mbs, N))
        data, mask, tgt = _batch(seqs, targets, idx, task, seq_out, net._out_size, options)
        Y, _ = net._run(_batch_input(data, slice(None), net._xp), training=False,
                        state=net._initial_states())
        T = DLArray._new(net._xp.asarray(tgt), "CBT" if seq_out else "CB")
        losses.append(float(loss_fn(Y, T, mask)))
        parts.append((Y, T, mask, seq_out, len(idx)))
    w = np.asarray([p[4] for p in parts], float) / N
    loss = float(np.dot(w, losses))
    if isinstance(metric_fn, MetricSet):
        return loss, metric_fn.dataset(parts)
    return loss, float(np.dot(w, [metric_fn(Y, T, mask) for Y, T, mask, _, _ in parts]))


class Validation(_Hook):
    """ValidationData: loss and metrics at iteration 1 (or, ``at_start``, on the initial
    network), every ValidationFrequency iterations and at the end.
    ``evaluate(net) -> (loss, metric values)``."""

    def __init__(self, evaluate, options, at_start=False):
        self.evaluate = evaluate
        self.every = getattr(options, "ValidationFrequency", 50)
        self.at_start = at_start

    def start(self, run):
        if self.at_start:
            run.val_loss, run.val_metrics = self.evaluate(run.net)

    def iteration(self, run):
        if (run.iteration == 1 and not self.at_start) or run.iteration % self.every == 0:
            run.val_loss, run.val_metrics = self.evaluate(run.net)

    def done(self, run):
        run.val_loss, run.val_metrics = self.evaluate(run.net)


def output_network(options, has_validation, fname):
    """The OutputNetwork training uses: "auto" resolved (MATLAB's rule), and
    "best-validation" checked to have ValidationData."""
    choice = getattr(options, "OutputNetwork", "auto")
    if choice == "auto":
        return "best-validation" if has_validation else "last-iteration"
    if choice == "best-validation" and not has_validation:
        raise ValueError(f"{fname}: OutputNetwork 'best-validation' (the network of the best "
                         "validation) needs ValidationData; use 'last-iteration' or 'auto'")
    return choice


class ValidationCriterion(_Hook):
    """ValidationPatience: the times the objective metric on the validation data may fail to
    improve on the best so far before training stops; OutputNetwork "best-validation": the
    learnables of the best validation are the trained network's.  ``objective`` is
    ``(index of the metric or None for the loss, True when larger is better)``."""

    def __init__(self, options, keep_best, objective=(None, False)):
        self.patience = getattr(options, "ValidationPatience", math.inf)
        self.keep_best = keep_best
        self.index, self.maximize = objective
        self.best, self.best_values, self.best_at, self.best_record = None, None, None, None
        self.worse = 0

    def _value(self, run):
        v = run.val_loss if self.index is None else run.val_metrics[self.index]
        return math.nan if v is None else float(v)

    def _improves(self, v):
        if math.isnan(v):
            return False
        if self.best is None:
            return True
        return v > self.best if self.maximize else v < self.best

    def _consider(self, run):
        """A new validation: True when it is the best so far (and remembered as such)."""
        v = self._value(run)
        if not self._improves(v):
            return False
        self.best, self.best_at = v, run.iteration
        self.best_record = (run.val_loss, tuple(run.val_metrics or ()))
        if self.keep_best:
            self.best_values = run.net.Learnables._values()
        return True

    def start(self, run):
        if run.val_loss is not None:
            self._consider(run)

    def iteration(self, run):
        if run.val_loss is None:
            return
        if self._consider(run):
            self.worse = 0
        else:
            self.worse += 1
            if self.worse >= self.patience:
                raise Stop("Met validation criterion")

    def done(self, run):
        final = None if run.val_loss is None else (run.val_loss, tuple(run.val_metrics or ()))
        run.output_iteration, run.final = run.iteration, final
        if not self.keep_best or self._consider(run) or self.best_values is None:
            return
        run.net._set_learnables(self.best_values)
        run.output_iteration, run.final = self.best_at, self.best_record


# ==========================================================================
# Reporting
# ==========================================================================

class Progress(_Hook):
    """The verbose table, progress bar and plot (:class:`TrainingProgress`)."""

    def __init__(self, options, task, has_validation, iterations_per_epoch, environment,
                 metrics=None, style="trainNetwork"):
        self.progress = TrainingProgress(options, task=task, has_validation=has_validation,
                                         iterations_per_epoch=iterations_per_epoch,
                                         metrics=metrics, style=style)
        self.environment = environment

    def start(self, run):
        self.progress.start(environment=self.environment, learn_rate=run.lr,
                            val_loss=run.val_loss, val_metric=run.val_metrics)

    def iteration(self, run):
        self.progress.iteration(run.epoch, run.iteration, run.elapsed, run.loss, run.metrics,
                                run.lr, val_loss=run.val_loss, val_metric=run.val_metrics)

    def done(self, run):
        self.progress.finish(run.epoch, run.iteration, run.elapsed, run.loss, run.metrics,
                             run.lr, val_loss=run.val_loss, val_metric=run.val_metrics,
                             reason=run.reason)


class OutputFcns(_Hook):
    """OutputFcn: called with MATLAB's info fields at the start, after every iteration and
    at the end; training stops when one of them returns True.  Besides Epoch, Iteration,
    TimeSinceStart, TrainingLoss, ValidationLoss, BaseLearnRate and State, the info has
    Training<Metric> and Validation<Metric> for each metric (trainNetwork: Accuracy or RMSE,
    the other None)."""

    def __init__(self, options, metrics, style="trainNetwork"):
        fns = getattr(options, "OutputFcn", None)
        self.fns = () if fns is None else (fns,) if callable(fns) else tuple(fns)
        self.metrics = tuple(metrics)
        self.style = style

    def _call(self, state, run):
        if not self.fns:
            return False
        start = state == "start"
        info = {"Epoch": 0 if start else run.epoch, "Iteration": 0 if start else run.iteration,
                "TimeSinceStart": 0.0 if start else run.elapsed,
                "TrainingLoss": None if start else run.loss, "ValidationLoss": run.val_loss,
                "BaseLearnRate": run.lr}
        if self.style == "trainNetwork":
            info.update(TrainingAccuracy=None, TrainingRMSE=None, ValidationAccuracy=None,
                        ValidationRMSE=None)
        for j, m in enumerate(self.metrics):
            info[f"Training{m}"] = None if start else run.metrics[j]
            info[f"Validation{m}"] = None if run.val_metrics is None else run.val_metrics[j]
        info["State"] = state
        return any(bool(f(info)) for f in self.fns)

    def start(self, run):
        if self._call("start", run):
            raise Stop("Stopped by OutputFcn")

    def iteration(self, run):
        if self._call("iteration", run):
            raise Stop("Stopped by OutputFcn")

    def done(self, run):
        self._call("done", run)


def training_hooks(options, task, validation, iterations_per_epoch, environment,
                   metrics=None, style="trainNetwork", fname="trainNetwork"):
    """The hooks of a trainNetwork / trainnet run; ``validation`` is None or
    ``evaluate(net) -> (loss, metric values)`` on the ValidationData, ``metrics`` the
    run's :class:`MetricSet` (default: accuracy or RMSE as the task says), ``style``
    "trainNetwork" or "trainnet" (its table, and validation of the initial network)."""
    if metrics is None:
        metrics = MetricSet("accuracy" if task == "classification" else "rmse")
    has_val = validation is not None
    keep_best = output_network(options, has_val, fname) == "best-validation"
    objective = metrics.objective(getattr(options, "ObjectiveMetricName", "loss"), fname)
    measure = [Validation(validation, options, at_start=style == "trainnet")] if has_val else []
    progress = Progress(options, task, has_val, iterations_per_epoch, environment,
                        metrics.names, style)
    return Hooks(measure, [progress, ValidationCriterion(options, keep_best, objective),
                           OutputFcns(options, metrics.names, style)])
