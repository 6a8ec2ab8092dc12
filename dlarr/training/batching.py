"""Sequence data for training and prediction: sequences, labels and targets, the
order of the observations (Shuffle), mini-batches padded and truncated as MATLAB
does, and SequenceLength's chunks.

Sequences are C x T arrays (a list of them, MATLAB's cell array).  Each
mini-batch is padded (or truncated) as ``SequenceLength`` says, in the direction
``SequencePaddingDirection`` says, into a C x B x T array with a B x T mask of
the real (unpadded) steps.
"""
from __future__ import annotations

import numpy as np

from .. import layers as L
from ..core.backend import array_namespace, generator, is_cupy_array
from ..core.create import extractdata
from ..core.dlarray import DLArray

# ==========================================================================
# Arrays
# ==========================================================================


def _host(a):
    return a.get() if is_cupy_array(a) else a


def _like(v, ref):
    """A NumPy constant (mask, per-gate factor) on the device of array ``ref``."""
    return array_namespace(ref).asarray(v) if isinstance(v, np.ndarray) else v


# ==========================================================================
# Sequences and mini-batches
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
    """SequenceLength=n: the mini-batch's time steps in chunks of n (one iteration each)."""
    n = getattr(options, "SequenceLength", "longest")
    if isinstance(n, str):
        return [slice(0, T)]
    return [slice(s, min(s + n, T)) for s in range(0, T, n)]


class _Plan:
    """Which observations each iteration of an epoch trains on, as MATLAB orders them:
    Shuffle "once" permutes before training, "every-epoch" at the start of every epoch
    (both with dlarr's random generator, the one ``rng`` seeds), "never" keeps the data's
    order; the last partial mini-batch of an epoch is discarded."""

    def __init__(self, options, N):
        self.N, self.shuffle = N, options.Shuffle
        self.mbs = min(options.MiniBatchSize, N)
        self.per_epoch = N // self.mbs
        self.rng = generator()
        self.order = self.rng.permutation(N) if self.shuffle == "once" else np.arange(N)

    def epoch(self):
        """The mini-batches of the next epoch (arrays of observation indices)."""
        if self.shuffle == "every-epoch":
            self.order = self.rng.permutation(self.N)
        return [self.order[k * self.mbs:(k + 1) * self.mbs] for k in range(self.per_epoch)]


# ==========================================================================
# Labels and targets
# ==========================================================================

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


def _task(net):
    last = net.Layers[-1]
    if isinstance(last, L.ClassificationOutputLayer):
        return "classification"
    return "regression"


def _prepare_targets(net, Y, seqs, task, seq_out, fname, labels=None, classes=None):
    """Per-observation targets: class codes (seq2label), code sequences (seq2seq
    classification), R-vectors (seq2one) or R x T arrays (seq2seq regression);
    returns (targets, labels), labels None for numeric targets."""
    if task == "classification":
        codes, labels = _class_targets(Y, seqs, seq_out, fname, labels, classes)
        K = net._out_size
        if len(labels.classes) != K:
            raise ValueError(f"{fname}: the network outputs {K} classes (the layer before the "
                             f"softmax has OutputSize {K}) but the responses have "
                             f"{len(labels.classes)} classes")
        return codes, labels
    return _numeric_targets(Y, seqs, seq_out, net._out_size, fname), None


def _class_targets(Y, seqs, seq_out, fname, labels, classes):
    N = len(seqs)
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
        return labels.encode(arr, fname), labels
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
    return [labels.encode(y, fname) for y in flat], labels


def _numeric_targets(Y, seqs, seq_out, K, fname):
    N = len(seqs)
    if not seq_out:
        arr = np.asarray(Y, dtype=np.float32)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.shape != (N, K):
            raise ValueError(f"{fname}: for a sequence-to-one regression network the responses "
                             f"must be N x R = {N} x {K}; got size {arr.shape}")
        return arr
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
    return out


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


def _batch(seqs, targets, idx, task, seq_out, K, options):
    """One mini-batch: (C x B x T data, B x T mask, targets in the output layout)."""
    data, mask = _pad_batch([seqs[i] for i in idx], options)
    return data, mask, _batch_targets(targets, idx, task, seq_out, K, mask, options)
