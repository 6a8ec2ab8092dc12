"""Training across MPI processes: trainingOptions' ExecutionEnvironment "parallel" and
"multi-gpu", with MATLAB's semantics.

Every worker (a process of ``mpiexec -n N python script.py``) runs the same training loop
on the same mini-batches (the order drawn by worker 0): each mini-batch of MiniBatchSize
observations is padded as one process pads it, then split into N contiguous parts (sizes
differing by at most one), each worker computes the loss and gradient of its part, and one
exchange sums the gradients weighted by the part's share of the mini-batch's normalizer
(its observations; its unpadded steps for trainnet's built-in sequence losses), so every
worker takes the same solver step as one process would, up to floating-point summation
order.  The initial learnables come from worker 0 (a mismatch of their sizes is an error at
the start); running states are averaged over the parts (batch normalization pools its
moving variance: ``_worker_moments``/``_pooled``); the predictions travel in the same
buffer, one MPI call per iteration, so every worker sees the same losses, metrics,
validation and stopping decisions.  Worker 0 alone prints, plots and writes checkpoints.

A worker that raises during training prints its traceback with its index and aborts every
worker (``spmd.abort``), so that no worker waits for it.
"""
from __future__ import annotations

import copy
import math
import time
import warnings

from ..core import spmd
from ..core.dlarray import DLArray
from .batching import _BATCH_FORMATS

_DEVICE_OF = {"multi-gpu": "gpu", "parallel": "auto", "parallel-auto": "auto",
              "parallel-cpu": "cpu", "parallel-gpu": "gpu"}


# The time this process spent in the training exchanges (waiting for the other workers
# included) and their number, since the process started (benchmarks/bench_parallel.py).
EXCHANGES = {"seconds": 0.0, "count": 0}


def is_parallel(env) -> bool:
    """Whether ExecutionEnvironment ``env`` trains across MPI workers."""
    return env in _DEVICE_OF


def device_environment(env) -> str:
    """The one-device environment ("auto", "cpu", "gpu") each worker computes on."""
    return _DEVICE_OF.get(env, env)


def _start_hint(fname, env):
    return (f"{fname}: ExecutionEnvironment {env!r} trains across MPI processes; this "
            f"program runs as one process, so it trains on one worker.  Start N workers with "
            f"`mpiexec -n N python script.py` (pip install 'dlarr[mpi]' gives mpi4py and "
            f"mpiexec; see docs/parallel.md)")


def select_gpu(c, fname):
    """Each worker on a machine uses its own GPU: local rank modulo the GPUs there."""
    import cupy                      # only called once execution_namespace gave cupy
    from mpi4py import MPI
    local = 0
    if c is not None:
        machine = c.Split_type(MPI.COMM_TYPE_SHARED)      # the workers on this machine
        local = machine.Get_rank()
        machine.Free()
    count = cupy.cuda.runtime.getDeviceCount()
    cupy.cuda.Device(local % count).use()


class Workers:
    """One training run's view of the workers: sharding, the exchange, the options each
    worker uses.  ``weight_by_steps``: the loss is normalized by the unpadded steps
    (trainnet's built-in sequence losses) rather than by the observations."""

    def __init__(self, options, n_obs, fname, weight_by_steps=False):
        env = options.ExecutionEnvironment
        self.c = spmd.comm(fname)
        self.n = 1 if self.c is None else self.c.Get_size()
        self.rank = 0 if self.c is None else self.c.Get_rank()
        self.fname, self.weight_by_steps = fname, weight_by_steps
        if self.n == 1:
            warnings.warn(_start_hint(fname, env), UserWarning, stacklevel=4)
        mbs = min(options.MiniBatchSize, n_obs)
        if mbs < self.n:
            raise ValueError(f"{fname}: MiniBatchSize {mbs} (with {n_obs} observations) is "
                             f"smaller than the {self.n} workers: each worker needs at least "
                             f"one observation of every mini-batch")
        self.lo, self.hi = _part(mbs, self.n, self.rank)
        # Whether worker 0's hooks can stop training early (an OutputFcn, or validation
        # with a finite ValidationPatience): only then do the workers agree after every
        # iteration.  Worker 0's options decide, for every worker.
        stops = bool(getattr(options, "OutputFcn", None)) or (
            getattr(options, "ValidationData", None) is not None
            and math.isfinite(getattr(options, "ValidationPatience", math.inf)))
        self.stops = stops if self.n == 1 else self.c.bcast(stops, root=0)
        self.nccl = False               # decided at the start (every worker's vote)

    def local(self, options):
        """The options this worker trains with: worker 0's; the others print nothing,
        plot nothing, write no checkpoints and call no OutputFcn (MATLAB calls it on the
        client only; :meth:`agreed` shares worker 0's decision to stop)."""
        if self.rank == 0:
            return options
        mine = copy.copy(options)
        mine.Verbose, mine.Plots, mine.CheckpointPath = False, "none", ""
        if hasattr(mine, "OutputFcn"):
            mine.OutputFcn = None
        return mine

    def agreed(self, hook, run):
        """Run ``hook(run)`` (the hooks' start or iteration) and stop every worker when
        worker 0 stops (its OutputFcn, patience or validation decide for all)."""
        from .hooks import Stop
        try:
            hook(run)
            reason = None
        except Stop as stop:
            reason = stop.reason
        if self.n > 1 and self.stops:
            reason = self.c.bcast(reason, root=0)
        if reason is not None:
            raise Stop(reason)

    def start(self, net):
        """Every worker starts from worker 0's learnables (sizes checked first)."""
        if self.n == 1:
            return
        slots = net._learnable_slots()
        values = [getattr(layer, p) for layer, p in slots]
        sig = [(layer.Name, p, tuple(v.shape), str(v._data.dtype))
               for (layer, p), v in zip(slots, values)]
        gathered = self.c.allgather((sig, spmd.nccl_vote([v._data for v in values])))
        sigs = [g[0] for g in gathered]
        self.nccl = all(g[1] for g in gathered)     # the exchange goes through NCCL
        for k, s in enumerate(sigs):
            if s != sigs[0]:
                diff = next(((a, b) for a, b in zip(sigs[0], s) if a != b), None)
                what = (f"layer {diff[0][0]!r} {diff[0][1]} is {diff[0][2]} {diff[0][3]} on "
                        f"worker 0 but {diff[1][2]} {diff[1][3]} on worker {k}") if diff else \
                    f"worker 0 has {len(sigs[0])} learnables, worker {k} has {len(s)}"
                raise ValueError(f"{self.fname}: the workers' networks differ: {what} (every "
                                 f"worker must build the same network)")
        xp = net._xp
        host = self.c.bcast([spmd._to_host(v._data) for v in values], root=0)
        net._set_learnables([DLArray._new(xp.asarray(h), v._fmt) for h, v in zip(host, values)])

    def same(self, batches):
        """Worker 0's mini-batches of the epoch (its random draws decide the order)."""
        return batches if self.n == 1 else self.c.bcast(batches, root=0)

    def shard(self, batch):
        """This worker's part of a padded mini-batch (data "CB", "CBT" or "SSCBT", mask
        B x T, targets K x B or K x B x T); the whole one is kept for the exchange."""
        data, mask, tgt = batch
        self.full_mask, self.full_tgt = mask, tgt
        if self.n == 1:
            return batch
        s = slice(self.lo, self.hi)
        b = _BATCH_FORMATS[data.ndim].index("B")
        return data[(slice(None),) * b + (s,)], mask[s], tgt[:, s]

    def _weight(self, mask):
        return float(mask.sum()) if self.weight_by_steps else float(mask.shape[0])

    def combine(self, loss, grads, Y, ch, seq_out, net, running, before):
        """The exchange after this worker's dlfeval on chunk ``ch``: the weighted sum of
        the gradients and losses, the running states pooled (``before``: the states the
        workers started the chunk from), the predictions gathered.  Returns (loss,
        gradient values, Y, T, mask) of the whole mini-batch."""
        full = self.full_mask[:, ch]
        T = self.full_tgt[:, :, ch] if seq_out else self.full_tgt
        if self.n == 1:
            return loss, list(grads.Value), Y, T, full
        t0 = time.perf_counter()
        xp = net._xp
        w = self._weight(full[self.lo:self.hi]) / max(self._weight(full), 1e-300)
        share = (self.hi - self.lo) / full.shape[0]
        values = list(grads.Value)
        slots = [(i, k) for i, names in running for k in names]
        states = [net._state[i][k]._data for i, k in slots]
        # Running states are averaged by the workers' shares; a layer that can pool them
        # better (batch normalization: the spread of the parts' means) sends its part's
        # moments along: its mean offset and squared offset, also weighted by share.
        pooled = []
        for i, _ in running:
            moments = getattr(net._layers[i], "_worker_moments", None)
            d = moments(before[i], net._state[i]) if moments else None
            if d is not None:
                pooled.append(i)
                states += [d, d * d]
        # The predictions travel in the same call: each worker's part in its place along
        # B, zeros elsewhere, so the sum is the whole mini-batch's, in order.
        b = Y._fmt.index("B")
        Yall = xp.zeros(Y.shape[:b] + (full.shape[0],) + Y.shape[b + 1:], Y._data.dtype)
        Yall[(slice(None),) * b + (slice(self.lo, self.hi),)] = Y._data
        # One buffer, one MPI call: [gradients * w | running states, moments * share |
        # loss * w | Y]
        arrays = [v._data for v in values] + states + [
            xp.asarray([float(loss) * w if w else 0.0], Y._data.dtype), Yall]
        buf = xp.concatenate([a.reshape(-1) for a in arrays])    # their common type
        ng = sum(v._data.size for v in values)
        ns = sum(a.size for a in states)
        if w:
            buf[:ng] *= w
        else:                                      # no observations here: nothing to add
            buf[:ng] = 0
        buf[ng:ng + ns] *= share
        buf = spmd.allreduce_flat(self.c, buf, self.nccl)
        summed, off = [], 0
        for a in arrays:
            summed.append(buf[off:off + a.size].reshape(a.shape).astype(a.dtype, copy=False))
            off += a.size
        for (i, k), a in zip(slots, summed[len(values):]):
            net._state[i] = {**net._state[i], k: DLArray._new(a, net._state[i][k]._fmt)}
        extra = iter(summed[len(values) + len(slots):])
        for i in pooled:
            net._state[i] = net._layers[i]._pooled(net._state[i], next(extra), next(extra))
        grads_out = [DLArray._new(a, v._fmt) for a, v in zip(summed, values)]
        loss = float(summed[-2][0])
        Yall = DLArray._new(summed[-1], Y._fmt)
        EXCHANGES["seconds"] += time.perf_counter() - t0
        EXCHANGES["count"] += 1
        return loss, grads_out, Yall, T, full

    def fail(self, error):
        """A worker's exception during training ends every worker, with its message."""
        if self.n > 1:
            import traceback
            spmd.abort(self.c, "".join(traceback.format_exception(
                type(error), error, error.__traceback__)))


def _part(n, workers, rank):
    """The contiguous range [lo, hi) of ``n`` observations worker ``rank`` gets: the
    first n % workers workers get one more."""
    base, extra = divmod(n, workers)
    lo = rank * base + min(rank, extra)
    return lo, lo + base + (rank < extra)


# --------------------------------------------------------------------------
# Prediction across workers: mini-batch b on worker b % N, gathered in order
# --------------------------------------------------------------------------

def prediction_shard(env, update_state, fname):
    """The slice of the mini-batch starts this worker predicts: every N-th from its index
    for "parallel"/"multi-gpu" (so each mini-batch is the one a single process pads),
    all of them otherwise (and for the ...AndUpdateState functions, whose state runs on
    across the observations)."""
    if not is_parallel(env) or update_state:
        return slice(None)
    c = spmd.comm(fname)
    if c is None or c.Get_size() == 1:
        return slice(None)
    return slice(c.Get_rank(), None, c.Get_size())


def gather_predictions(outs, N, mbs, env, update_state, fname):
    """Every worker's per-observation outputs, in the observations' order, on every
    worker (``outs``: this worker's, its mini-batches one after another)."""
    if prediction_shard(env, update_state, fname) == slice(None):
        return outs
    c = spmd.comm(fname)
    n = c.Get_size()
    parts = [iter(p) for p in c.allgather(outs)]
    merged = []
    for b, s in enumerate(range(0, N, mbs)):
        it = parts[b % n]
        merged.extend(next(it) for _ in range(min(s + mbs, N) - s))
    return merged
