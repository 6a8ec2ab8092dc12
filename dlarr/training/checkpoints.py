"""Checkpoints: trainingOptions' CheckpointPath, CheckpointFrequency and
CheckpointFrequencyUnit, and resuming with ``ResumeFrom``.

A checkpoint is a MATLAB file written by :func:`dlarr.save` (atomically: written beside,
then renamed, so a crash leaves every earlier checkpoint whole) and named as MATLAB
names them, ``net_checkpoint__<iteration>__<yyyy_mm_dd__HH_MM_SS>.mat``.  It holds

* ``net``: the network being trained (a SeriesNetwork for trainNetwork, a dlnetwork
  for trainnet), on the host: MATLAB's way to resume, ``trainNetwork(X, Y, net.Layers,
  options)``, trains it on with a fresh solver;
* ``dlarrTraining``: where training is, so that ``ResumeFrom=file`` continues exactly
  as the run would have: the iteration, the epoch and how many of its mini-batches are
  done, the order of the observations in that epoch, the random generator's state
  (shuffling and dropout draw from it), the solver's name, iteration count and state
  (Adam's moments, SGDM's velocity, ...), and the number of observations and the
  mini-batch size (checked against the data given on resuming).

Checkpoints are written at mini-batch boundaries: at the end of every
CheckpointFrequency-th epoch, or at the end of the mini-batch of every
CheckpointFrequency-th iteration (with SequenceLength chunks, at its last chunk).
"""
from __future__ import annotations

import datetime
import os

import numpy as np

from ..core.backend import generator
from ..core.dlarray import DLArray
from ..core.tree import tree_map
from ..io.persist import load, save

__all__ = ["Checkpointer", "read_checkpoint"]

_VERSION = 1


def _host(tree):
    """``tree`` with every DLArray's data on the host."""
    return tree_map(lambda a: DLArray._new(a._data.get() if hasattr(a._data, "get") and
                                           not isinstance(a._data, np.ndarray) else a._data,
                                           a._fmt), tree)


def _on(tree, xp):
    return tree if xp is np else tree_map(lambda a: DLArray._new(xp.asarray(a._data), a._fmt),
                                          tree)


def _rng_state():
    """The generator's state with its big integers as text (a .mat has no 128-bit ints)."""
    def text(v):
        return {k: text(x) for k, x in v.items()} if isinstance(v, dict) else \
            str(v) if isinstance(v, int) else v
    return text(generator().bit_generator.state)


def _set_rng_state(state, fname):
    def ints(v):
        if isinstance(v, dict):
            return {k: ints(x) for k, x in v.items()}
        return int(v) if isinstance(v, str) and v.lstrip("-").isdigit() else v
    try:
        generator().bit_generator.state = ints(state)
    except (TypeError, ValueError, KeyError) as e:
        raise ValueError(f"{fname}: ResumeFrom: the checkpoint's random state does not fit "
                         f"dlarr's generator ({e})") from None


class Checkpointer:
    """Writes the checkpoints trainingOptions asks for (nothing when CheckpointPath is '')."""

    def __init__(self, options, fname):
        self.path = getattr(options, "CheckpointPath", "")
        self.every = getattr(options, "CheckpointFrequency", 1)
        self.unit = getattr(options, "CheckpointFrequencyUnit", "epoch")
        self.fname = fname
        self.last_iteration = None
        if self.path:
            try:
                import scipy.io  # noqa: F401  (checked before training, not at the first write)
            except ImportError:
                raise ImportError(f"{fname}: CheckpointPath writes .mat files, which need "
                                  "scipy: install the 'mat' extra: pip install "
                                  "\"dlarr[mat]\"") from None

    def after_batch(self, run, position):
        """At the end of a mini-batch: write when an iteration checkpoint is due."""
        if self.path and self.unit == "iteration" and run.iteration != self.last_iteration \
                and run.iteration // self.every > (self.last_iteration or 0) // self.every:
            self.write(run, position)

    def after_epoch(self, run, position):
        if self.path and self.unit == "epoch" and run.epoch % self.every == 0:
            self.write(run, position)

    def write(self, run, position):
        """``position``: (stepper, plan, batches done in the epoch, number of observations)."""
        stepper, plan, done, n = position
        stamp = datetime.datetime.now().strftime("%Y_%m_%d__%H_%M_%S")
        file = os.path.join(self.path, f"net_checkpoint__{run.iteration}__{stamp}.mat")
        training = {
            "Version": _VERSION, "Iteration": run.iteration, "Epoch": run.epoch,
            "BatchesDone": done, "Order": np.asarray(plan.order, np.int64),
            "NumObservations": n, "MiniBatchSize": plan.mbs,
            "RandomState": _rng_state(), "Solver": stepper.solver.name,
            "SolverIteration": stepper.t, "SolverState": list(_host(list(stepper.state))),
        }
        save(file, "-v6", net=run.net._to_device(np), dlarrTraining=training)   # uncompressed: fast
        self.last_iteration = run.iteration
        return file


def read_checkpoint(file, fname):
    """(net, training) of a checkpoint file, its fields checked."""
    try:
        S = load(file, "net", "dlarrTraining")
    except ValueError as e:
        raise ValueError(f"{fname}: ResumeFrom {os.fspath(file)!r} is not a dlarr checkpoint: "
                         f"{e}") from None
    t = S["dlarrTraining"]
    need = ("Version", "Iteration", "Epoch", "BatchesDone", "Order", "NumObservations",
            "MiniBatchSize", "RandomState", "Solver", "SolverIteration", "SolverState")
    if not isinstance(t, dict) or any(k not in t for k in need):
        raise ValueError(f"{fname}: ResumeFrom {os.fspath(file)!r}: its dlarrTraining lacks "
                         f"{[k for k in need if not isinstance(t, dict) or k not in t]}")
    if t["Version"] != _VERSION:
        raise ValueError(f"{fname}: ResumeFrom: checkpoint version {t['Version']} is not "
                         f"{_VERSION}, the one this dlarr writes")
    return S["net"], t


def check_layers(net, layers, fname):
    """The checkpoint's network has the layers given (classes and names)."""
    given = [(type(l).__name__, l.Name) for l in layers]
    have = [(type(l).__name__, l.Name) for l in net.Layers]
    if len(given) != len(have) or any(n and (c, n) != h for (c, n), h in zip(given, have)) \
            or any(c != h[0] for (c, _), h in zip(given, have)):
        raise ValueError(f"{fname}: ResumeFrom: the checkpoint's network has layers "
                         f"{have}, which are not the layers given ({given})")


def resume(training, stepper, plan, run, n, xp, fname):
    """Put the run where the checkpoint was; returns the number of mini-batches of the
    current epoch already done."""
    if training["Solver"] != stepper.solver.name:
        raise ValueError(f"{fname}: ResumeFrom: the checkpoint was trained with solver "
                         f"{training['Solver']!r}, the options say {stepper.solver.name!r}")
    if training["NumObservations"] != n or training["MiniBatchSize"] != plan.mbs:
        raise ValueError(f"{fname}: ResumeFrom: the checkpoint was written training on "
                         f"{training['NumObservations']} observations in mini-batches of "
                         f"{training['MiniBatchSize']}; now there are {n} in mini-batches of "
                         f"{plan.mbs}: give the same data and MiniBatchSize")
    state = training["SolverState"]
    if not isinstance(state, list) or len(state) != len(stepper.state):
        raise ValueError(f"{fname}: ResumeFrom: the checkpoint's solver state has "
                         f"{len(state) if isinstance(state, list) else 'no'} values; solver "
                         f"{stepper.solver.name!r} carries {len(stepper.state)}")
    stepper.state = tuple(_on(state, xp))
    stepper.t = int(training["SolverIteration"])
    order = np.asarray(training["Order"]).ravel().astype(np.intp)
    if sorted(order.tolist()) != list(range(n)):
        raise ValueError(f"{fname}: ResumeFrom: the checkpoint's Order is not a permutation "
                         f"of the {n} observations")
    plan.order = order
    run.iteration, run.epoch = int(training["Iteration"]), int(training["Epoch"])
    _set_rng_state(training["RandomState"], fname)
    return int(training["BatchesDone"])
