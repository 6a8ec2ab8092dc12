"""trainNetwork / trainnet and prediction with trained networks.

Sequences are C x T arrays (a list of them, MATLAB's cell array).  Each
mini-batch is padded (or truncated) as ``SequenceLength`` says, in the
direction ``SequencePaddingDirection`` says, into a formatted C x B x T
dlarray, exactly as MATLAB does: for sequence-to-label networks the label is
read at the last (possibly padded) time step, and for sequence-to-sequence
networks the padded steps are left out of the loss.
"""
from __future__ import annotations

import math
import numbers
import time

import numpy as np

from .. import layers as L
from ..core.autodiff import dlfeval, dlgradient
from ..core.backend import array_namespace, execution_namespace, generator, is_cupy_array
from ..core.create import extractdata
from ..core.dlarray import DLArray
from ..networks.network import SeriesNetwork, _Net, dlnetwork, predict_dlnetwork
from ..core.ops import log, max as dlmax, sum as dlsum
from ..functions.optimizers import adamupdate, clipgradients, rmspropupdate, sgdmupdate

# ==========================================================================
# Data: sequences, labels, mini-batches
# ==========================================================================


def _as_sequences(X, input_size, fname, name="X"):
    """A list of C x T float arrays (one 2-D array means one sequence)."""
    single = False
    if isinstance(X, DLArray):
        X = extractdata(X)
    if hasattr(X, "ndim") and X.ndim in (1, 2):     # one sequence (or one time step)
        X, single = [X], True
    if not isinstance(X, (list, tuple)) or not X:
        raise TypeError(f"{fname}: {name} must be a list of C x T sequences (MATLAB's cell array) "
                        f"or one C x T array, not {type(X).__name__}")
    out = []
    for i, s in enumerate(X):
        s = extractdata(s) if isinstance(s, DLArray) else s
        a = np.asarray(_host(s), dtype=np.float32)   # batches are built on the host
        if a.ndim == 1:
            a = a[:, None] if input_size != 1 or a.shape[0] == 1 else a[None, :]
        if a.ndim != 2 or a.shape[0] != input_size:
            raise ValueError(f"{fname}: {name}[{i}] must be {input_size} x T (the input layer's "
                             f"InputSize x time steps); it has size {'x'.join(map(str, a.shape))}")
        out.append(a)
    return out, single


def _pad_batch(seqs, options, value=None):
    """Pad/truncate a list of C x T_i arrays: returns (C x B x T array, B x T mask)."""
    mode = options.SequenceLength if hasattr(options, "SequenceLength") else "longest"
    direction = getattr(options, "SequencePaddingDirection", "right")
    pad = getattr(options, "SequencePaddingValue", 0) if value is None else value
    lengths = [s.shape[1] for s in seqs]
    T = min(lengths) if mode == "shortest" else max(lengths)
    C, B = seqs[0].shape[0], len(seqs)
    data = np.full((C, B, T), pad, dtype=seqs[0].dtype)
    mask = np.zeros((B, T), bool)
    for b, s in enumerate(seqs):
        n = min(s.shape[1], T)
        if direction == "right":
            data[:, b, :n] = s[:, :n]
            mask[b, :n] = True
        else:
            data[:, b, T - n:] = s[:, s.shape[1] - n:]
            mask[b, T - n:] = True
    return data, mask


def _chunks(T, options):
    n = getattr(options, "SequenceLength", "longest")
    if isinstance(n, str):
        return [slice(0, T)]
    return [slice(s, min(s + n, T)) for s in range(0, T, n)]


class _Labels:
    """MATLAB's categorical, as much as training needs: the classes (sorted, or the
    order the output layer's Classes gives) and the codes."""

    def __init__(self, labels, classes=None):
        arr = np.asarray(labels)
        self.classes = np.unique(arr) if classes is None else np.asarray(list(classes))
        if len(set(self.classes.tolist())) != len(self.classes):
            raise ValueError(f"Classes has repeated classes: {list(self.classes)}")
        self.index = {c: i for i, c in enumerate(self.classes.tolist())}

    def encode(self, labels, fname):
        arr = np.asarray(labels)
        try:
            return np.array([self.index[c] for c in arr.ravel().tolist()],
                            dtype=np.int64).reshape(arr.shape)
        except KeyError as e:
            raise ValueError(f"{fname}: label {e.args[0]!r} is not one of the classes "
                             f"{list(self.classes)}") from None

    def decode(self, idx):
        return self.classes[np.asarray(idx)]


def _host(a):
    return a.get() if is_cupy_array(a) else a


def _like(v, ref):
    """A NumPy constant (mask, per-gate factor) on the device of array ``ref``."""
    return array_namespace(ref).asarray(v) if isinstance(v, np.ndarray) else v


# ==========================================================================
# Losses of the output layers (MATLAB's definitions)
# ==========================================================================

def _output_loss(task, Y, T, mask, seq, class_weights=None):
    """classificationLayer: -1/N sum_n sum_t sum_i T ln Y (padded steps left out);
    regressionLayer: 1/N sum_n 1/2 sum_i (T - Y)^2 per observation, and for
    sequences 1/(2S) sum_t sum_i (T - Y)^2 with S the sequence's length.
    (ClassificationOutputLayer / RegressionOutputLayer reference pages.)"""
    N = Y.shape[Y.dims.index("B")]
    if task == "classification":
        eps = np.finfo(Y.dtype).eps
        L = T * log(dlmax(Y, eps))
        if class_weights is not None:          # ClassWeights: w_k multiplies class k's term
            L = L * DLArray._new(_like(class_weights.astype(Y.dtype), Y._data), "C")
        if seq:
            L = L * DLArray._new(_like(mask[None].astype(Y.dtype), Y._data), "CBT")
        return -dlsum(L, "all") / N
    D = (Y - T) ** 2
    if seq:
        w = mask / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        D = D * DLArray._new(_like(w[None].astype(Y.dtype), Y._data), "CBT")
    return dlsum(D, "all") * (0.5 / N)


def _metric(task, Y, T, mask, seq):
    """Mini-batch accuracy (%) or RMSE, on the unpadded steps."""
    y, t = _host(extractdata(Y)), _host(extractdata(T))
    if task == "classification":
        hit = (y.argmax(axis=0) == t.argmax(axis=0))
        if seq:
            return 100.0 * hit[mask].mean()
        return 100.0 * hit.mean()
    d2 = (y - t) ** 2
    if seq:
        return float(np.sqrt(d2.sum(axis=0)[mask].mean() / y.shape[0]))
    return float(np.sqrt(d2.mean()))


# ==========================================================================
# Targets
# ==========================================================================

def _task(net):
    last = net.Layers[-1]
    if isinstance(last, L.ClassificationOutputLayer):
        return "classification"
    return "regression"


def _prepare_targets(net, Y, seqs, task, seq_out, fname, labels=None, classes=None):
    """Per-observation targets: class codes (seq2label), code sequences (seq2seq
    classification), R-vectors (seq2one) or R x T arrays (seq2seq regression)."""
    N = len(seqs)
    K = net._out_size
    if task == "classification":
        if not seq_out:
            arr = np.asarray(Y)
            if arr.ndim != 1 and not (arr.ndim == 2 and 1 in arr.shape):
                raise ValueError(f"{fname}: for a sequence-to-label network (last recurrent "
                                 "layer with OutputMode 'last') the responses must be a vector of "
                                 f"N labels; got an array of size {arr.shape}")
            arr = arr.ravel()
            if len(arr) != N:
                raise ValueError(f"{fname}: there are {N} sequences but {len(arr)} labels")
            labels = labels or _Labels(arr, classes)
            codes = labels.encode(arr, fname)
        else:
            if not isinstance(Y, (list, tuple)) or len(Y) != N:
                raise ValueError(f"{fname}: the network outputs sequences (its last recurrent "
                                 "layer has OutputMode 'sequence'), so the responses must be a "
                                 f"list of {N} label sequences, one label per time step; for "
                                 "sequence-to-label classification set OutputMode='last'")
            flat = [np.asarray(y).ravel() for y in Y]
            for i, (y, s) in enumerate(zip(flat, seqs)):
                if len(y) != s.shape[1]:
                    raise ValueError(f"{fname}: sequence {i} has {s.shape[1]} time steps but its "
                                     f"responses have {len(y)}")
            labels = labels or _Labels(np.concatenate(flat), classes)
            codes = [labels.encode(y, fname) for y in flat]
        if len(labels.classes) != K:
            raise ValueError(f"{fname}: the network outputs {K} classes (the layer before the "
                             f"softmax has OutputSize {K}) but the responses have "
                             f"{len(labels.classes)} classes")
        return codes, labels
    if not seq_out:
        arr = np.asarray(Y, dtype=np.float32)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.shape != (N, K):
            raise ValueError(f"{fname}: for a sequence-to-one regression network the responses "
                             f"must be N x R = {N} x {K}; got size {arr.shape}")
        return arr, None
    if not isinstance(Y, (list, tuple)) or len(Y) != N:
        raise ValueError(f"{fname}: for a sequence-to-sequence regression network the responses "
                         f"must be a list of {N} R x T arrays")
    out = []
    for i, (y, s) in enumerate(zip(Y, seqs)):
        a = np.asarray(y, dtype=np.float32)
        if a.ndim == 1:
            a = a[None, :]
        if a.shape != (K, s.shape[1]):
            raise ValueError(f"{fname}: responses {i} must be {K} x {s.shape[1]} (R x T); got "
                             f"size {a.shape}")
        out.append(a)
    return out, None


def _batch_targets(targets, idx, task, seq_out, K, mask, options):
    """Targets of a mini-batch in the network's output layout (C x B or C x B x T)."""
    B, T = mask.shape
    if task == "classification":
        if not seq_out:
            t = np.zeros((K, B), np.float32)
            t[np.asarray(targets)[idx], np.arange(B)] = 1
            return t
        codes, _ = _pad_batch([np.asarray(targets[i])[None, :].astype(np.float32) for i in idx],
                              options, value=-1)
        t = np.zeros((K, B, T), np.float32)
        c = codes[0].astype(int)
        b, tt = np.nonzero(c >= 0)
        t[c[b, tt], b, tt] = 1
        return t
    if not seq_out:
        return np.asarray(targets)[idx].T.copy()
    data, _ = _pad_batch([targets[i] for i in idx], options, value=0)
    return data


# ==========================================================================
# The training loop (trainNetwork and trainnet)
# ==========================================================================

_SOLVERS = {"TrainingOptionsADAM": "adam", "TrainingOptionsSGDM": "sgdm",
            "TrainingOptionsRMSProp": "rmsprop"}


def _solver(options, fname):
    name = _SOLVERS.get(type(options).__name__)
    if name is None:
        raise TypeError(f"{fname}: options must come from trainingOptions('adam'|'sgdm'|'rmsprop'), "
                        f"not {type(options).__name__}")
    return name


def _device(options, fname):
    """numpy or cupy, as the options' ExecutionEnvironment says."""
    return execution_namespace(getattr(options, "ExecutionEnvironment", "auto"), fname)


class _Solver:
    """One optimizer over the list of learnables, with MATLAB's trainNetwork
    extras: L2 regularization and learn-rate factors per parameter (per gate)."""

    def __init__(self, name, options, slots, xp=np):
        self.name, self.o = name, options
        # per-gate factor arrays live on the learnables' device, converted once
        self.factors = [tuple(xp.asarray(f) if isinstance(f, np.ndarray) else f
                              for f in layer._factors(p)) for layer, p in slots]
        self.state = (None, None)
        self.t = 0

    def step(self, params, grads, lr):
        o = self.o
        gs = []
        for w, g, (_, l2f) in zip(params, grads, self.factors):
            lam = o.L2Regularization * l2f
            gs.append(g if np.all(lam == 0) else
                      DLArray._new(g._data + (_like(lam, w._data) * w._data).astype(g.dtype), g._fmt))
        if math.isfinite(o.GradientThreshold):
            gs = clipgradients(gs, o.GradientThreshold, o.GradientThresholdMethod)
        self.t += 1
        if self.name == "sgdm":
            gs = [g if np.all(f == 1) else
                  DLArray._new((_like(f, g._data) * g._data).astype(g.dtype), g._fmt)
                  for g, (f, _) in zip(gs, self.factors)]
            new, vel = sgdmupdate(params, gs, self.state[0], lr, o.Momentum)
            self.state = (vel, None)
            return new
        if self.name == "adam":
            new, m, v = adamupdate(params, gs, self.state[0], self.state[1], self.t, lr,
                                   o.GradientDecayFactor, o.SquaredGradientDecayFactor, o.Epsilon)
            self.state = (m, v)
        else:
            new, v = rmspropupdate(params, gs, self.state[0], lr, o.SquaredGradientDecayFactor,
                                   o.Epsilon)
            self.state = (v, None)
        # a learn-rate factor scales the step: p + f * (p_new - p)
        return [n if np.all(f == 1) else
                DLArray._new((p._data + _like(f, p._data) * (n._data - p._data)).astype(p.dtype),
                             p._fmt)
                for p, n, (f, _) in zip(params, new, self.factors)]


def _model_loss(net, X, T, mask, state, loss_fn):
    Y, new_state = net._run(X, training=True, state=state)
    loss = loss_fn(Y, T, mask)
    grads = dlgradient(loss, net.Learnables)
    return loss, grads, new_state, Y


class _Stop(Exception):
    """Ends training early, with MATLAB's reason."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _output_fcns(options):
    fns = getattr(options, "OutputFcn", None)
    if fns is None:
        return ()
    return (fns,) if callable(fns) else tuple(fns)


def _call_output_fcns(fns, state, task, epoch, iteration, elapsed, loss, metric, lr, vl, vm):
    """Call OutputFcn with MATLAB's info fields; True when one of them asks to stop."""
    if not fns:
        return False
    cls = task == "classification"
    info = {"Epoch": epoch, "Iteration": iteration, "TimeSinceStart": elapsed,
            "TrainingLoss": loss, "ValidationLoss": vl, "BaseLearnRate": lr,
            "TrainingAccuracy": metric if cls else None, "TrainingRMSE": None if cls else metric,
            "ValidationAccuracy": vm if cls else None, "ValidationRMSE": None if cls else vm,
            "State": state}
    return any(bool(f(info)) for f in fns)


def _fit(net, seqs, targets, options, task, seq_out, loss_fn, metric_fn, validation, fname):
    """The training loop shared by trainNetwork and trainnet."""
    solver_name = _solver(options, fname)
    from .progress import TrainingProgress
    want_best = getattr(options, "OutputNetwork", "last-iteration") == "best-validation-loss"
    if want_best and validation is None:
        raise ValueError(f"{fname}: OutputNetwork 'best-validation-loss' needs ValidationData")
    patience = getattr(options, "ValidationPatience", math.inf)
    fns = _output_fcns(options)
    xp = _device(options, fname)
    net = net._to_device(xp)
    N = len(seqs)
    mbs = min(options.MiniBatchSize, N)
    per_epoch = N // mbs                      # MATLAB discards the last partial mini-batch
    K = net._out_size
    slots = net._learnable_slots()
    solver = _Solver(solver_name, options, slots, xp)
    rng = generator()
    order = np.arange(N)
    if options.Shuffle == "once":
        order = rng.permutation(N)
    progress = TrainingProgress(options, task=task, has_validation=validation is not None,
                                iterations_per_epoch=per_epoch if isinstance(
                                    options.SequenceLength, str) else None)
    progress.start(environment="cpu" if xp is np else "gpu")
    t0 = time.perf_counter()
    epoch = iteration = 0
    last = (math.nan, math.nan, options.InitialLearnRate)
    val_every = getattr(options, "ValidationFrequency", 50)
    best_loss, best_values, worse = math.inf, None, 0
    reason = "Max epochs completed"
    try:
        if _call_output_fcns(fns, "start", task, 0, 0, 0.0, None, None,
                             options.InitialLearnRate, None, None):
            raise _Stop("Stopped by OutputFcn")
        for epoch in range(1, options.MaxEpochs + 1):
            if options.Shuffle == "every-epoch":
                order = rng.permutation(N)
            lr = options._learn_rate(epoch)
            for k in range(per_epoch):
                idx = order[k * mbs:(k + 1) * mbs]
                data, mask = _pad_batch([seqs[i] for i in idx], options)
                tgt = _batch_targets(targets, idx, task, seq_out, K, mask, options)
                state = net._initial_states()
                chunks = _chunks(data.shape[2], options)
                for ci, ch in enumerate(chunks):
                    X = DLArray._new(xp.asarray(data[:, :, ch]), "CBT")
                    if not seq_out and ci < len(chunks) - 1:      # carry state only
                        _, state = net._run(X, training=False, state=state)
                        continue
                    T = DLArray._new(xp.asarray(tgt[:, :, ch] if seq_out else tgt),
                                     "CBT" if seq_out else "CB")
                    m = mask[:, ch]
                    loss, grads, state, Y = dlfeval(
                        lambda n, x, t, s: _model_loss(n, x, t, m, s, loss_fn), net, X, T, state)
                    iteration += 1
                    params = [getattr(l, p) for l, p in slots]
                    net._set_learnables(solver.step(params, grads.Value, lr))
                    slots = net._learnable_slots()
                    metric = metric_fn(Y, T, m)
                    last = (float(loss), metric, lr)
                    vl = vm = None
                    if validation is not None and (iteration == 1 or iteration % val_every == 0):
                        vl, vm = validation(net)
                    elapsed = time.perf_counter() - t0
                    progress.iteration(epoch, iteration, elapsed, float(loss), metric, lr,
                                       val_loss=vl, val_metric=vm)
                    if vl is not None:
                        # ValidationPatience: times the validation loss may fail to improve
                        # on the best so far before training stops.
                        if vl < best_loss:
                            best_loss, worse = vl, 0
                            if want_best:
                                best_values = net.Learnables._values()
                        else:
                            worse += 1
                            if worse >= patience:
                                raise _Stop("Met validation criterion")
                    if _call_output_fcns(fns, "iteration", task, epoch, iteration, elapsed,
                                         float(loss), metric, lr, vl, vm):
                        raise _Stop("Stopped by OutputFcn")
    except _Stop as stop:
        reason = stop.reason
    vl = vm = None
    if validation is not None:
        vl, vm = validation(net)
    elapsed = time.perf_counter() - t0
    progress.finish(epoch, iteration, elapsed, last[0], last[1], last[2], val_loss=vl,
                    val_metric=vm, reason=reason)
    _call_output_fcns(fns, "done", task, epoch, iteration, elapsed, last[0], last[1], last[2],
                      vl, vm)
    if want_best and best_values is not None:
        net._set_learnables(best_values)
    net = net._to_device(np)          # trained networks live on the host, as in MATLAB
    net.resetState()
    return net


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
    _solver(options, fname)
    _device(options, fname)
    net = SeriesNetwork(layers.Layers if isinstance(layers, _Net) else layers, Initialize=True)
    task = _task(net)
    seq_out = net._out_has_time
    out = net.Layers[-1]
    classes = None
    weights = None
    if task == "classification":
        classes = None if isinstance(out.Classes, str) else out.Classes
        if not isinstance(out.ClassWeights, str):
            weights = np.asarray(out.ClassWeights, dtype=np.float64)
            if weights.size != net._out_size:
                raise ValueError(f"{fname}: ClassWeights has {weights.size} elements but the "
                                 f"network has {net._out_size} classes")
    loss_fn = (lambda Yp, T, mask: _output_loss(task, Yp, T, mask, seq_out, weights))
    net = _train(net, X, Y, options, fname, task, loss_fn, classes)
    if task == "classification":
        object.__setattr__(net.Layers[-1], "Classes", tuple(net._labels.classes.tolist()))
    return net


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


def _evaluate(net, seqs, targets, task, seq_out, options, loss_fn, metric_fn):
    """Loss and metric over a whole data set, in prediction mode."""
    mbs = options.MiniBatchSize
    N = len(seqs)
    losses, metrics, weights = [], [], []
    for s in range(0, N, mbs):
        idx = np.arange(s, min(s + mbs, N))
        data, mask = _pad_batch([seqs[i] for i in idx], options)
        tgt = _batch_targets(targets, idx, task, seq_out, net._out_size, mask, options)
        Y, _ = net._run(DLArray._new(net._xp.asarray(data), "CBT"), training=False,
                        state=net._initial_states())
        T = DLArray._new(net._xp.asarray(tgt), "CBT" if seq_out else "CB")
        losses.append(float(loss_fn(Y, T, mask)))
        metrics.append(metric_fn(Y, T, mask))
        weights.append(len(idx))
    w = np.asarray(weights, float) / N
    return float(np.dot(w, losses)), float(np.dot(w, metrics))


# ==========================================================================
# Prediction
# ==========================================================================

def _predict_batches(net, X, MiniBatchSize, options, update_state, fname):
    """Scores per observation: K-vectors (sequence-to-one) or K x T arrays."""
    seqs, single = _as_sequences(X, net.Layers[0].InputSize, fname)
    N = len(seqs)
    mbs = N if update_state else MiniBatchSize
    outs = []
    xp = execution_namespace(options.ExecutionEnvironment, fname)
    dnet = net._to_device(xp)
    state = dnet._state if update_state else dnet._initial_states()
    for s in range(0, N, mbs):
        idx = range(s, min(s + mbs, N))
        data, mask = _pad_batch([seqs[i] for i in idx], options)
        Y, state_after = dnet._run(DLArray._new(xp.asarray(data), "CBT"), training=False,
                                   state=state)
        if update_state:
            dnet._state = state_after
            net._state = dnet._to_device(np)._state
        y = _host(extractdata(Y))
        for j in range(y.shape[1]):
            outs.append(y[:, j] if y.ndim == 2 else y[:, j][:, mask[j]])
    return outs, single


class _PredictOptions:
    def __init__(self, SequenceLength="longest", SequencePaddingDirection="right",
                 SequencePaddingValue=0, ExecutionEnvironment="auto"):
        if not (SequenceLength in ("longest", "shortest")):
            raise ValueError(f"SequenceLength must be 'longest' or 'shortest' for prediction, "
                             f"not {SequenceLength!r}")
        if SequencePaddingDirection not in ("right", "left"):
            raise ValueError(f"SequencePaddingDirection must be 'right' or 'left', not "
                             f"{SequencePaddingDirection!r}")
        self.SequenceLength = SequenceLength
        self.SequencePaddingDirection = SequencePaddingDirection
        self.SequencePaddingValue = SequencePaddingValue
        self.ExecutionEnvironment = ExecutionEnvironment


def _check_mbs(v):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise ValueError(f"MiniBatchSize must be a positive integer, not {v!r}")
    return int(v)


def predict(net, X, *, MiniBatchSize=128, **seq_options):
    """MATLAB's ``predict``: scores or responses of a trained network.

    SeriesNetwork: sequence-to-one networks give an N x K array; sequence-to-
    sequence networks a list of K x T arrays (one K x T array when X is one
    sequence).  dlnetwork: ``predict(net, X)`` on a formatted dlarray returns
    the output dlarray (inference mode).  Options: ``SequenceLength``
    ("longest"/"shortest"), ``SequencePaddingDirection``, ``SequencePaddingValue``,
    ``ExecutionEnvironment`` ("auto": the GPU when canUseGPU(), "cpu", "gpu")."""
    if isinstance(net, dlnetwork) and isinstance(X, DLArray):
        return predict_dlnetwork(net, X)
    if not isinstance(net, _Net):
        raise TypeError(f"predict: net must be a trained network, not {type(net).__name__}")
    outs, single = _predict_batches(net, X, _check_mbs(MiniBatchSize), _PredictOptions(**seq_options),
                                    False, "predict")
    return _stack(net, outs, single)


def _stack(net, outs, single):
    if not net._out_has_time:
        return np.stack(outs)
    return outs[0] if single else outs


def classify(net, X, *, MiniBatchSize=128, **seq_options):
    """MATLAB's ``classify``: predicted labels, in the kind of the training
    labels (ints or strings).  Sequence-to-label: an array of N labels;
    sequence-to-sequence: a list of label arrays, one per time step."""
    outs, single = _predict_batches(net, X, _check_mbs(MiniBatchSize), _PredictOptions(**seq_options),
                                    False, "classify")
    return _labels_of(net, outs, single)


def _labels_of(net, outs, single):
    labels = getattr(net, "_labels", None)
    if labels is None:
        raise TypeError("classify needs a classification network trained by trainNetwork")
    if not net._out_has_time:
        return labels.decode([o.argmax() for o in outs])
    seqs = [labels.decode(o.argmax(axis=0)) for o in outs]
    return seqs[0] if single else seqs


def predictAndUpdateState(net, X, **seq_options):
    """MATLAB's ``[net, Y] = predictAndUpdateState(net, X)``: predict and keep the
    recurrent states, so the next call continues the sequences."""
    new = net._copy()
    outs, single = _predict_batches(new, X, 1, _PredictOptions(**seq_options), True,
                                    "predictAndUpdateState")
    return new, _stack(new, outs, single)


def classifyAndUpdateState(net, X, **seq_options):
    """MATLAB's ``[net, labels] = classifyAndUpdateState(net, X)``."""
    new = net._copy()
    outs, single = _predict_batches(new, X, 1, _PredictOptions(**seq_options), True,
                                    "classifyAndUpdateState")
    return new, _labels_of(new, outs, single)


# ==========================================================================
# trainnet (dlnetwork + a loss function)
# ==========================================================================

def _trainnet_loss(lossFcn, seq_out):
    """MATLAB's trainnet loss names -> (loss(Y, T, mask), task).

    As trainnet's documentation describes its built-in losses: "crossentropy"
    is normalized by the number of non-channel elements of the output (the
    observations times the unpadded time steps), the others by the number of
    elements.  The task says how targets are read: labels ("classification")
    or numbers ("regression"); binary cross-entropy takes numeric (multi-hot)
    targets.
    """
    from ..functions import losses as _losses

    def normalized(fn, per_channel, **kw):
        def loss(Y, T, mask):
            M = DLArray._new(_like(mask[None].astype(Y.dtype), Y._data), "CBT") if seq_out \
                else None
            total = fn(Y, T, Mask=M, NormalizationFactor="none", **kw)
            n = float(mask.sum()) if seq_out else Y.shape[Y.dims.index("B")]
            return total / (n * (Y.shape[Y.dims.index("C")] if per_channel else 1))
        return loss
    table = {
        "crossentropy": (normalized(_losses.crossentropy, False), "classification"),
        # class indices (0-based, as dlarr's indexcrossentropy) are read as labels over
        # the classes 0..K-1: the same loss as cross-entropy against one-hot targets
        "index-crossentropy": (normalized(_losses.crossentropy, False), "classification"),
        "binary-crossentropy": (normalized(_losses.crossentropy, True,
                                           ClassificationMode="multilabel"), "regression"),
    }
    for names, fn in ((("mse", "mean-squared-error", "l2loss"), _losses.l2loss),
                      (("mae", "mean-absolute-error", "l1loss"), _losses.l1loss),
                      (("huber",), _losses.huber)):
        for name in names:
            table[name] = (normalized(fn, True), "regression")
    if callable(lossFcn):
        return (lambda Y, T, mask: lossFcn(Y, T)), "regression"
    if lossFcn not in table:
        raise ValueError(f"trainnet: lossFcn must be one of {', '.join(repr(k) for k in table)} or "
                         f"a function loss = f(Y, T); got {lossFcn!r}")
    return table[lossFcn]


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
    _solver(options, fname)
    _device(options, fname)
    if isinstance(net, dlnetwork):
        net = net._copy(layers=True)       # training sets layer properties: leave the caller's
    else:
        net = dlnetwork(net.Layers if isinstance(net, _Net) else net)
    loss_fn, task = _trainnet_loss(lossFcn, net._out_has_time)
    classes = list(range(net._out_size)) if lossFcn == "index-crossentropy" else None
    return _train(net, X, T, options, fname, task, loss_fn, classes)


def minibatchpredict(net, X, *, MiniBatchSize=128, **seq_options):
    """MATLAB's ``minibatchpredict``: a dlnetwork's outputs for a list of
    sequences, in mini-batches (N x K for sequence-to-one networks, a list of
    K x T arrays for sequence-to-sequence networks)."""
    outs, single = _predict_batches(net, X, _check_mbs(MiniBatchSize),
                                    _PredictOptions(**seq_options), False, "minibatchpredict")
    return _stack(net, outs, single)


def scores2label(scores, classNames=None, dim=None):
    """MATLAB's ``scores2label``: the class of the largest score.

    ``scores`` is N x K (classes along the last dimension unless ``dim`` says
    otherwise); ``classNames`` defaults to the classes a network trained by
    trainnet recorded, when ``classNames`` is that network."""
    if isinstance(classNames, _Net):
        labels = getattr(classNames, "_labels", None)
        if labels is None:
            raise ValueError("scores2label: this network was not trained with class labels")
        classNames = labels.classes
    if classNames is None:
        raise ValueError("scores2label: give classNames (the classes, in score order)")
    s = _host(extractdata(scores) if isinstance(scores, DLArray) else scores)
    s = np.asarray(s)
    classes = np.asarray(list(classNames))
    axis = s.ndim - 1 if dim is None else dim
    if s.shape[axis] != len(classes):
        raise ValueError(f"scores2label: scores have {s.shape[axis]} classes along dimension "
                         f"{axis} but {len(classes)} classNames were given")
    return classes[s.argmax(axis=axis)]
