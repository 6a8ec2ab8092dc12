"""The training loop of trainNetwork and trainnet.

Per epoch: the mini-batches in the order Shuffle gives (``batching._Plan``); per
mini-batch: the network's initial state, then one iteration per SequenceLength
chunk (a sequence-to-one network runs its earlier chunks only to carry the
state); per iteration: the loss and its gradient (``dlfeval``), the solver's step
with MATLAB's per-parameter extras (``solvers.Stepper``), then the hooks
(validation, progress, the validation criterion, OutputFcn: ``hooks.py``).

``_fit`` returns the trained network and a :class:`Result`, what ``info.py`` turns into
trainNetwork's info structure or trainnet's TrainingInfo.
"""
from __future__ import annotations

import math

import numpy as np

from ..core.autodiff import dlfeval, dlgradient
from ..core.backend import array_namespace, canUseGPU, execution_namespace
from ..core.dlarray import DLArray
from . import checkpoints
from .batching import _batch, _batch_input, _chunks, _Plan, _time_steps
from .checkpoints import Checkpointer
from .hooks import Run, Stop, training_hooks
from .options import solver_of
from .parallel import Workers, device_environment, is_parallel, select_gpu
from .solvers import Stepper


class Result:
    """What a training run records besides the network: every iteration's values
    (``history``), every validation (``validations``), the metrics' names, the iteration
    of the returned network, its validation loss and metrics (``final``, None without
    validation data) and why training stopped."""

    def __init__(self, progress, metrics, run):
        self.history = progress.history
        self.validations = list(progress.validations)
        self.metrics = tuple(metrics)
        self.output_iteration = run.output_iteration if run.output_iteration is not None \
            else run.iteration
        self.final = run.final
        self.reason = run.reason


def _device(options, fname):
    """numpy or cupy, as the options' ExecutionEnvironment says (each worker's device
    for "parallel" and "multi-gpu")."""
    env = getattr(options, "ExecutionEnvironment", "auto")
    if is_parallel(env) and device_environment(env) == "gpu" and not canUseGPU():
        raise RuntimeError(f"{fname}: ExecutionEnvironment is {env!r}, which needs a GPU on "
                           "every worker, but none can be used (CuPy and a CUDA device are "
                           "needed; canUseGPU() is False); 'parallel-cpu' trains on the CPUs")
    return execution_namespace(device_environment(env), fname)


def _workers(options, n, style, seq_out, loss_fn, fname):
    """The MPI workers of a "parallel"/"multi-gpu" run (``parallel.py``), else None."""
    if not is_parallel(getattr(options, "ExecutionEnvironment", "auto")):
        return None
    by_steps = style == "trainnet" and getattr(loss_fn, "by_steps", False)
    return Workers(options, n, fname, weight_by_steps=by_steps)


def _model_loss(net, X, T, mask, state, loss_fn):
    Y, new_state = net._run(X, training=True, state=state)
    loss = loss_fn(Y, T, mask)
    grads = dlgradient(loss, net.Learnables)
    return loss, grads, new_state, Y


def _fit(net, seqs, targets, options, task, seq_out, loss_fn, metrics, validation, fname,
         style="trainNetwork", resume=None):
    """The training loop shared by trainNetwork and trainnet (``style``); ``metrics`` is
    the run's :class:`MetricSet`; ``resume`` the ``dlarrTraining`` of a checkpoint to
    continue from (``checkpoints.py``).  Returns the trained network, on the host, with
    its recurrent states reset, and the run's :class:`Result`."""
    solver = solver_of(options, fname)
    par = _workers(options, len(seqs), style, seq_out, loss_fn, fname)
    xp = _device(options, fname)
    if par is not None:
        if xp is not np and par.n > 1:
            select_gpu(par.c, fname)
        options = par.local(options)          # worker 0 alone prints, plots, checkpoints
    net = net._to_device(xp)
    if par is not None:
        par.start(net)                        # worker 0's learnables on every worker
    stepper = Stepper(solver, options, net._learnable_slots(), xp)
    plan = _Plan(options, len(seqs), fname)
    hooks = training_hooks(options, task, validation,
                           plan.per_epoch if isinstance(options.SequenceLength, str) or
                           getattr(seqs, "kind", None) == "feature" else None,
                           _environment(xp, par), metrics, style, fname)
    run = Run(net, options)
    guard, ckpt = _FiniteGuard(), Checkpointer(options, fname)
    first, done = 1, None
    if resume is not None:          # where the checkpoint was: continue its epoch, or the next
        done = checkpoints.resume(resume, stepper, plan, run, len(seqs), xp, fname)
        first = run.epoch + (done >= plan.per_epoch)
        ckpt.last_iteration = run.iteration
    try:
        _hook(hooks.start, run, par)
        for epoch in range(first, options.MaxEpochs + 1):
            run.epoch, lr = epoch, options._learn_rate(epoch)
            batches, start = (plan.epoch(), 0) if epoch != first or done is None or \
                done >= plan.per_epoch else (_current(plan), done)
            batches = batches if par is None else par.same(batches)
            for k, idx in enumerate(batches[start:], start + 1):
                batch = _batch(seqs, targets, idx, task, seq_out, net._out_size, options)
                for loss, values in _iterations(net, batch, stepper, lr, options, seq_out,
                                                loss_fn, metrics, guard, par):
                    run.record(loss, values, lr)
                    if not math.isfinite(loss):       # MATLAB stops; done() shows the row
                        raise Stop("Training loss is NaN")
                    _hook(hooks.iteration, run, par)
                ckpt.after_batch(run, (stepper, plan, k, len(seqs)))
            ckpt.after_epoch(run, (stepper, plan, plan.per_epoch, len(seqs)))
    except Stop as stop:
        run.reason = stop.reason
    except Exception as error:            # one worker's fault ends every worker
        if par is not None:
            par.fail(error)
        raise
    hooks.done(run)
    net = run.net._to_device(np)      # trained networks live on the host, as in MATLAB
    _store_running_states(net)
    net.resetState()
    return net, Result(hooks.report[0].progress, metrics.names, run)


def _hook(hook, run, par):
    """A hook of the run; across workers, worker 0's decision to stop holds for all."""
    if par is None or par.n == 1:
        hook(run)
    else:
        par.agreed(hook, run)


def _environment(xp, par):
    """What the table's first line names ("Training on single CPU."): nothing across
    several workers."""
    return None if par is not None and par.n > 1 else "cpu" if xp is np else "gpu"


def _current(plan):
    """The mini-batches of the epoch in progress (its order drawn already)."""
    return [plan.order[k * plan.mbs:(k + 1) * plan.mbs] for k in range(plan.per_epoch)]


class _FiniteGuard:
    """The last learnables known to be finite: a step that makes one NaN or Inf (e.g. a
    learning rate far too large) keeps the learnables before it, which the network gets
    back when the loss turns NaN (training stops there, MATLAB's "Training loss is NaN")."""

    def __init__(self):
        self.values = None                # None: the network's learnables are finite

    def stepped(self, old, new, flat=None):
        """After a step from ``old`` to ``new`` (``flat``: all of new in one vector)."""
        if self.values is None and not _finite([DLArray._new(flat)] if flat is not None
                                               else new):
            self.values = old

    def restore(self, net):
        if self.values is not None:
            net._set_learnables(self.values)


def _running(net):
    """(position, names) of the layers whose states run on across mini-batches (batch
    normalization's TrainedMean/TrainedVariance: ``Layer._running_states``); recurrent
    states start afresh with every mini-batch."""
    return [(i, l._running_states) for i, l in enumerate(net._layers)
            if getattr(l, "_running_states", ())]


def _mini_batch_states(net, state=None):
    """A mini-batch's initial states: the recurrent ones at their initial values (or those
    of ``state``), the running ones where training has brought them."""
    state = net._initial_states() if state is None else list(state)
    for i, names in _running(net):
        state[i] = {**state[i], **{k: net._state[i][k] for k in names}}
    return state


def _keep_running_states(net, state):
    for i, names in _running(net):
        net._state[i] = {**net._state[i], **{k: state[i][k] for k in names}}


def _store_running_states(net):
    """At the end of training: the running states become the layers' properties
    (TrainedMean, TrainedVariance), which prediction and resetState start from."""
    for i, names in _running(net):
        net._layers[i] = net._layers[i]._with(**{k: net._state[i][k] for k in names})


def _finite(params):
    """Whether every value of the learnables ``params`` is finite (one reduction each, one
    answer read back)."""
    if not params:
        return True
    xp = array_namespace(params[0]._data)
    flags = [xp.isfinite(p._data).all() for p in params]
    return bool(flags[0] if len(flags) == 1 else xp.stack(flags).all())


def _iterations(net, batch, stepper, lr, options, seq_out, loss_fn, metrics, guard=None,
                par=None):
    """Train on one mini-batch: one iteration per chunk of its time steps.  Updates
    ``net``'s learnables in place and yields each iteration's (loss, metric values); a
    non-finite loss takes no step and puts back the last finite learnables (``guard``).
    ``par`` (MPI workers): this worker trains on its part, the exchange combines them."""
    data, mask, tgt = batch if par is None else par.shard(batch)
    xp = net._xp
    state = _mini_batch_states(net)
    chunks = _chunks(_time_steps(data), options)
    for ci, ch in enumerate(chunks):
        X = _batch_input(data, ch, xp)        # "CBT"; "CB" feature data; "SSCBT" image sequences
        if not seq_out and ci < len(chunks) - 1:      # carry state only
            _, state = net._run(X, training=False, state=state)
            continue
        T = DLArray._new(xp.asarray(tgt[:, :, ch] if seq_out else tgt), "CBT" if seq_out else "CB")
        m = mask[:, ch]
        before = state
        loss, grads, state, Y = dlfeval(
            lambda n, x, t, s: _model_loss(n, x, t, m, s, loss_fn), net, X, T, state)
        _keep_running_states(net, state)
        if par is None:
            loss, gvalues = float(loss), grads.Value
        else:
            loss, gvalues, Y, t, m = par.combine(loss, grads, Y, ch, seq_out, net, _running(net),
                                                 before)
            T = DLArray._new(xp.asarray(t), T._fmt)
            state = _mini_batch_states(net, state)    # the next chunk starts from the pooled
        if not math.isfinite(loss):
            if guard is not None:
                guard.restore(net)
            yield loss, metrics.batch(Y, T, m, seq_out)
            return
        params = [getattr(layer, p) for layer, p in net._learnable_slots()]
        new = stepper.step(params, gvalues, lr)
        if guard is not None:
            guard.stepped(params, new, stepper.last)
        net._set_learnables(new)
        yield loss, metrics.batch(Y, T, m, seq_out)
