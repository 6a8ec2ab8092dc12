"""What the training loop calls around its iterations: validation, the progress
display, ValidationPatience with OutputNetwork "best-validation-loss", and OutputFcn.

Each hook has ``start(run)``, ``iteration(run)`` and ``done(run)``; ``run`` is the
:class:`Run` record of where training is.  A hook ends training early by raising
:class:`Stop` with MATLAB's reason.  :class:`Hooks` calls them in MATLAB's order:
first the hooks that measure (validation: its time counts in the elapsed time),
then the clock is read, then the hooks that report or decide (progress, the
validation criterion, OutputFcn).
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..core.dlarray import DLArray
from .batching import _batch
from .progress import TrainingProgress


class Stop(Exception):
    """Ends training early, with MATLAB's reason."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class Run:
    """Where training is: the network being trained and the latest iteration's values
    (loss, metric, base learning rate; validation loss and metric when computed)."""

    def __init__(self, net, options):
        self.net = net
        self.epoch = self.iteration = 0
        self.loss, self.metric, self.lr = math.nan, math.nan, options.InitialLearnRate
        self.val_loss = self.val_metric = None
        self.elapsed = 0.0
        self.reason = "Max epochs completed"
        self._t0 = time.perf_counter()

    def record(self, loss, metric, lr):
        """One more iteration, with its mini-batch loss and metric."""
        self.iteration += 1
        self.loss, self.metric, self.lr = loss, metric, lr
        self.val_loss = self.val_metric = None

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
    """Loss and metric over a whole data set, in prediction mode."""
    mbs = options.MiniBatchSize
    N = len(seqs)
    losses, metrics, weights = [], [], []
    for s in range(0, N, mbs):
        idx = np.arange(s, min(s + mbs, N))
        data, mask, tgt = _batch(seqs, targets, idx, task, seq_out, net._out_size, options)
        Y, _ = net._run(DLArray._new(net._xp.asarray(data), "CBT"), training=False,
                        state=net._initial_states())
        T = DLArray._new(net._xp.asarray(tgt), "CBT" if seq_out else "CB")
        losses.append(float(loss_fn(Y, T, mask)))
        metrics.append(metric_fn(Y, T, mask))
        weights.append(len(idx))
    w = np.asarray(weights, float) / N
    return float(np.dot(w, losses)), float(np.dot(w, metrics))


class Validation(_Hook):
    """ValidationData: loss and metric at iteration 1, every ValidationFrequency
    iterations and at the end.  ``evaluate(net) -> (loss, metric)``."""

    def __init__(self, evaluate, options):
        self.evaluate = evaluate
        self.every = getattr(options, "ValidationFrequency", 50)

    def iteration(self, run):
        if run.iteration == 1 or run.iteration % self.every == 0:
            run.val_loss, run.val_metric = self.evaluate(run.net)

    def done(self, run):
        run.val_loss, run.val_metric = self.evaluate(run.net)


def check_output_network(options, validation, fname):
    if _wants_best(options) and validation is None:
        raise ValueError(f"{fname}: OutputNetwork 'best-validation-loss' needs ValidationData")


def _wants_best(options):
    return getattr(options, "OutputNetwork", "last-iteration") == "best-validation-loss"


class ValidationCriterion(_Hook):
    """ValidationPatience: the times the validation loss may fail to improve on the best
    so far before training stops; OutputNetwork "best-validation-loss": the learnables
    of the best validation loss are the trained network's."""

    def __init__(self, options):
        self.patience = getattr(options, "ValidationPatience", math.inf)
        self.keep_best = _wants_best(options)
        self.best_loss, self.best_values, self.worse = math.inf, None, 0

    def iteration(self, run):
        if run.val_loss is None:
            return
        if run.val_loss < self.best_loss:
            self.best_loss, self.worse = run.val_loss, 0
            if self.keep_best:
                self.best_values = run.net.Learnables._values()
        else:
            self.worse += 1
            if self.worse >= self.patience:
                raise Stop("Met validation criterion")

    def done(self, run):
        if self.keep_best and self.best_values is not None:
            run.net._set_learnables(self.best_values)


# ==========================================================================
# Reporting
# ==========================================================================

class Progress(_Hook):
    """The verbose table, progress bar and plot (:class:`TrainingProgress`)."""

    def __init__(self, options, task, has_validation, iterations_per_epoch, environment):
        self.progress = TrainingProgress(options, task=task, has_validation=has_validation,
                                         iterations_per_epoch=iterations_per_epoch)
        self.environment = environment

    def start(self, run):
        self.progress.start(environment=self.environment)

    def iteration(self, run):
        self.progress.iteration(run.epoch, run.iteration, run.elapsed, run.loss, run.metric,
                                run.lr, val_loss=run.val_loss, val_metric=run.val_metric)

    def done(self, run):
        self.progress.finish(run.epoch, run.iteration, run.elapsed, run.loss, run.metric, run.lr,
                             val_loss=run.val_loss, val_metric=run.val_metric, reason=run.reason)


class OutputFcns(_Hook):
    """OutputFcn: called with MATLAB's info fields at the start, after every iteration and
    at the end; training stops when one of them returns True."""

    def __init__(self, options, task):
        fns = getattr(options, "OutputFcn", None)
        self.fns = () if fns is None else (fns,) if callable(fns) else tuple(fns)
        self.classification = task == "classification"

    def _call(self, state, epoch, iteration, elapsed, loss, metric, lr, vl, vm):
        if not self.fns:
            return False
        cls = self.classification
        info = {"Epoch": epoch, "Iteration": iteration, "TimeSinceStart": elapsed,
                "TrainingLoss": loss, "ValidationLoss": vl, "BaseLearnRate": lr,
                "TrainingAccuracy": metric if cls else None,
                "TrainingRMSE": None if cls else metric,
                "ValidationAccuracy": vm if cls else None,
                "ValidationRMSE": None if cls else vm, "State": state}
        return any(bool(f(info)) for f in self.fns)

    def start(self, run):
        if self._call("start", 0, 0, 0.0, None, None, run.lr, None, None):
            raise Stop("Stopped by OutputFcn")

    def iteration(self, run):
        if self._call("iteration", run.epoch, run.iteration, run.elapsed, run.loss, run.metric,
                      run.lr, run.val_loss, run.val_metric):
            raise Stop("Stopped by OutputFcn")

    def done(self, run):
        self._call("done", run.epoch, run.iteration, run.elapsed, run.loss, run.metric, run.lr,
                   run.val_loss, run.val_metric)


def training_hooks(options, task, validation, iterations_per_epoch, environment):
    """The hooks of a trainNetwork / trainnet run; ``validation`` is None or
    ``evaluate(net) -> (loss, metric)`` on the ValidationData."""
    measure = [] if validation is None else [Validation(validation, options)]
    progress = Progress(options, task, validation is not None, iterations_per_epoch, environment)
    return Hooks(measure, [progress, ValidationCriterion(options), OutputFcns(options, task)])
