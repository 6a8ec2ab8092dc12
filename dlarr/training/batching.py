"""Sequence data for training and prediction: sequences, labels and targets, the
order of the observations (Shuffle), mini-batches padded and truncated as MATLAB
does, and SequenceLength's chunks.

Sequences are C x T arrays (a list of them, MATLAB's cell array).  Each
mini-batch is padded (or truncated) as ``SequenceLength`` says, in the direction
``SequencePaddingDirection`` says, into a C x B x T array with a B x T mask of
the real (unpadded) steps.  The input layer says what the data is
(:func:`observations`): sequences ("CBT" mini-batches), image sequences of
sequenceInputLayer([h w c]) (h x w x c x T arrays, padded along T the same way into
h x w x c x B x T, "SSCBT") or the rows of featureInputLayer's N-by-F array (F x B,
"CB"; the sequence options do not apply).
"""
from __future__ import annotations


import numpy as np

from .. import layers as L
from ..core.backend import array_namespace, generator, is_cupy_array
from ..core.arguments import as_array, check_one_kind, warn_user
from ..core.categorical import categorical, concatenate, number_name
from ..core.create import extractdata
from ..core.dlarray import DLArray
from ..functions.sequences import padded_slices

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

def _is_datastore(X):
    """MATLAB's datastore interface: read, hasdata and reset (dlarr's datastores, or yours)."""
    return all(callable(getattr(X, m, None)) for m in ("read", "hasdata", "reset"))


def _datastore_rows(ds):
    """Every row (observation) of a datastore from its start, each a list of its
    variables (dlarr's datastores say so with ``_read_rows``; a read of yours is one
    row, or a list of rows); the datastore is left reset."""
    ds.reset()
    rows = []
    while ds.hasdata():
        if hasattr(ds, "_read_rows"):
            rows += ds._read_rows(1 << 30 if ds._bulk else None)
            continue
        r = ds.read()
        if isinstance(r, (list, tuple)) and r and all(isinstance(e, (list, tuple)) for e in r):
            rows += [list(e) for e in r]
        else:
            rows.append(list(r) if isinstance(r, (list, tuple)) else [r])
    ds.reset()
    return rows


class _DatastoreRows(list):
    """The predictors of a datastore's rows (for feature data: rows of one matrix)."""


def _datastore_data(ds, fname, name="the datastore"):
    """(predictors, responses) of a training datastore whose reads are rows
    {predictors, responses} (MATLAB's): a list of sequences and the responses (one
    categorical for categorical labels, else a list)."""
    rows = _datastore_rows(ds)
    if not rows:
        raise ValueError(f"{fname}: {name} has no data")
    widths = sorted({len(r) for r in rows})
    if widths != [2]:
        raise ValueError(f"{fname}: {name} must return rows of two columns, predictors and "
                         f"responses (e.g. combine(dsX, dsT)); its reads have {widths[0]} "
                         f"column{'s' if widths[0] != 1 else ''}")
    X, Y = _DatastoreRows(r[0] for r in rows), [r[1] for r in rows]
    if all(isinstance(y, categorical) and y.size == 1 for y in Y):
        Y = concatenate(0, [y.reshape(1) for y in Y])
    return X, Y


def _datastore_call(X, Y, rest, fname, call):
    """The arguments of MATLAB's two calls, ``f(X, Y, ...)`` and ``f(ds, ...)`` (one
    argument fewer: the last of ``rest`` comes as None): (X, Y, *rest), Y None for ds."""
    if _is_datastore(X):
        if rest[-1] is not None:
            raise TypeError(f"{fname}: with a datastore of predictors and responses, call "
                            f"{call}; got one argument more")
        return (X, None, Y) + tuple(rest[:-1])
    if rest[-1] is None:
        raise TypeError(f"{fname}: missing the last argument; call it as {fname}(X, Y, ...) "
                        f"with the predictors X and responses Y, or as {call}")
    return (X, Y) + tuple(rest)


def _as_sequences(X, input_size, fname, name="X", layer=None):
    """A list of C x T float arrays (one 2-D array means one sequence; a datastore
    gives the first column of its rows)."""
    single = False
    if _is_datastore(X):
        X = [r[0] for r in _datastore_rows(X)]
    if isinstance(X, DLArray):
        X = extractdata(X)
    if hasattr(X, "ndim") and X.ndim in (1, 2):     # one sequence (or one time step)
        X, single = [X], True
    if isinstance(X, (list, tuple)) and not X:
        raise ValueError(f"{fname}: {name} is an empty {type(X).__name__}; give at least one "
                         "C x T sequence")
    if not isinstance(X, (list, tuple)):
        what = f"a {X.ndim}-D array" if hasattr(X, "ndim") else type(X).__name__
        raise TypeError(f"{fname}: {name} must be a list of C x T sequences (MATLAB's cell array) "
                        f"or one C x T array, not {what}")
    out = []
    for i, s in enumerate(X):
        s = extractdata(s) if isinstance(s, DLArray) else s
        a = _real_array(_host(s), fname, f"{name}[{i}]", "sequence")  # batches: on the host
        if a.ndim == 1:
            a = a[:, None] if input_size != 1 or a.shape[0] == 1 else a[None, :]
        if a.ndim != 2 or a.shape[0] != input_size:
            where = f"; {_layer_text(layer)}" if layer is not None else ""
            if single and a.ndim == 2 and a.shape[1] == input_size:
                where += " (an N-by-F feature array goes to a network whose input layer is "
                where += "a featureInputLayer)"
            raise ValueError(f"{fname}: {name}[{i}] must be {input_size} x T (the input layer's "
                             f"InputSize x time steps); it has size "
                             f"{'x'.join(map(str, a.shape))}{where}")
        out.append(a)
    return out, single


class _Observations(list):
    """The observations of a data set (a list of arrays) and their ``kind``: "sequence"
    (C x T arrays), "image" (h x w x c x T image sequences) or "feature" (F x 1 columns,
    one per row of MATLAB's N-by-F feature array, batched as "CB")."""

    def __init__(self, items, kind, single=False):
        super().__init__(items)
        self.kind, self.single = kind, single


def input_layer(net):
    """The input layer of a network of one input."""
    return next(l for l in net._layers if l.NumInputs == 0)


def input_kind(layer):
    """The data an input layer takes: "feature" (no time dimension: featureInputLayer),
    "image" (sequenceInputLayer([h w c])) or "sequence" (sequenceInputLayer(C))."""
    if not layer._input_spec()[1]:
        return "feature"
    size = getattr(layer, "InputSize", None)
    return "sequence" if isinstance(size, (int, np.integer)) else "image"


def _layer_text(layer):
    kind = input_kind(layer)
    what = {"feature": f"N-by-{layer.InputSize} feature data (one observation per row)",
            "sequence": f"sequences of {layer.InputSize} channels (a list of "
                        f"{layer.InputSize} x T arrays)",
            "image": f"image sequences (a list of {_size_text(layer.InputSize)} x T arrays)"}
    return f"the network's input layer '{layer.Name}' ({layer._display}) takes {what[kind]}"


def _size_text(size):
    return " x ".join(str(int(v)) for v in np.ravel(np.asarray(size)))


def _as_features(X, layer, fname, name="X"):
    """The rows of an N-by-numFeatures array as F x 1 observations ("feature" kind)."""
    F = int(layer.InputSize)
    if _is_datastore(X) or isinstance(X, _DatastoreRows):
        rows = X if isinstance(X, _DatastoreRows) else [r[0] for r in _datastore_rows(X)]
        X = [np.ravel(np.asarray(_host(extractdata(r) if isinstance(r, DLArray) else r)))
             for r in rows]
        if not X or any(x.size != F for x in X):
            bad = next((x.size for x in X if x.size != F), 0)
            raise ValueError(f"{fname}: the datastore's predictors must be rows of {F} "
                             f"features; a read has {bad}; {_layer_text(layer)}")
        X = np.stack(X)
    if isinstance(X, DLArray):
        if X.dims:
            raise ValueError(f"{fname}: {name} is a formatted dlarray ({X.dims!r}); give "
                             f"feature data as an N-by-{F} array ({_layer_text(layer)})")
        X = extractdata(X)
    if isinstance(X, (list, tuple)):
        raise TypeError(f"{fname}: {name} is a list of {len(X)} arrays (sequences), but "
                        f"{_layer_text(layer)}; give an N-by-{F} numeric array")
    a = _real_array(_host(X), fname, name, "feature array")
    if a.ndim == 1 and a.size == F:
        a = a[None, :]                               # one observation
    if a.ndim != 2 or a.shape[1] != F:
        raise ValueError(f"{fname}: {name} must be N-by-{F} (observations x features); it has "
                         f"size {' x '.join(map(str, a.shape))}; {_layer_text(layer)}")
    if a.shape[0] == 0:
        raise ValueError(f"{fname}: {name} has no observations (size 0 x {F})")
    obs = _Observations(list(a[:, :, None]), "feature")
    return obs, obs.single


def _as_image_sequences(X, layer, fname, name="X"):
    """A list of h x w x c x T float arrays ("image" kind); one 4-D array is one
    sequence (and one 3-D h x w x c array one time step)."""
    hwc = tuple(int(v) for v in np.ravel(np.asarray(layer.InputSize)))
    single = False
    if _is_datastore(X):
        X = [r[0] for r in _datastore_rows(X)]
    if isinstance(X, DLArray):
        X = extractdata(X)
    if hasattr(X, "ndim") and X.ndim in (len(hwc), len(hwc) + 1):
        X, single = [X], True
    if not isinstance(X, (list, tuple)) or not X:
        what = f"a {X.ndim}-D array" if hasattr(X, "ndim") else \
            "an empty list" if isinstance(X, (list, tuple)) else type(X).__name__
        raise TypeError(f"{fname}: {name} must be a list of {_size_text(hwc)} x T image "
                        f"sequences (MATLAB's cell array), not {what}; {_layer_text(layer)}")
    out = []
    for i, s in enumerate(X):
        s = extractdata(s) if isinstance(s, DLArray) else s
        a = _real_array(_host(s), fname, f"{name}[{i}]", "image sequence")
        if a.ndim == len(hwc):
            a = a[..., None]
        if a.ndim != len(hwc) + 1 or a.shape[:-1] != hwc:
            raise ValueError(f"{fname}: {name}[{i}] must be {_size_text(hwc)} x T (height x "
                             f"width x channels x time steps); it has size "
                             f"{' x '.join(map(str, a.shape))}; {_layer_text(layer)}")
        out.append(a)
    obs = _Observations(out, "image", single)
    return obs, single


def observations(X, layer, fname, name="X"):
    """The observations of ``X`` for a network whose input layer is ``layer``:
    (an :class:`_Observations` list, whether X was one observation)."""
    if isinstance(X, _Observations):
        return X, X.single
    kind = input_kind(layer)
    if kind == "feature":
        return _as_features(X, layer, fname, name)
    if kind == "image":
        return _as_image_sequences(X, layer, fname, name)
    seqs, single = _as_sequences(X, layer.InputSize, fname, name, layer)
    return _Observations(seqs, "sequence", single), single


def _real_array(s, fname, what, kind):
    """``s`` as a float32 array; complex values and missing entries (None in an object
    array) are refused (a TypeError naming ``what``), not made real or NaN silently."""
    a = as_array(s, fname, what)
    if np.iscomplexobj(a) or (a.dtype == object and any(isinstance(v, complex)
                                                        for v in a.ravel().tolist())):
        raise TypeError(f"{fname}: {what} is complex; training data must be real "
                        f"(dlarray does not support complex values); got a {kind} of "
                        f"dtype {a.dtype}")
    if a.dtype == object:
        missing = [k for k, v in enumerate(a.ravel().tolist()) if v is None]
        if missing:
            raise TypeError(f"{fname}: {what} holds None (a missing value) at flat position "
                            f"{missing[0]}; expected numbers, got an object array with "
                            f"{len(missing)} None")
    try:
        return a.astype(np.float32)
    except (TypeError, ValueError):
        raise TypeError(f"{fname}: {what} must hold numbers; got a {kind} of dtype "
                        f"{a.dtype}") from None


def _check_finite(arrays, fname, name, rows="channel"):
    """Refuse NaN or Inf in training data (MATLAB would train to a network of NaNs):
    a ValueError naming the observation (0-based) and the position (``rows``, time step;
    the row and column of a frame for image sequences)."""
    for i, a in enumerate(arrays):
        bad = ~np.isfinite(a)
        if bad.any():
            pos = tuple(int(v[0]) for v in np.nonzero(bad))
            v = a[pos]
            if getattr(arrays, "kind", None) == "feature":
                raise ValueError(f"{fname}: {name} has {v} at observation {i}, feature {pos[0]} "
                                 "(0-based); training data must be finite (no NaN or Inf)")
            where = f"{rows} {pos[0]}" if len(pos) == 2 else ", ".join(
                f"{k} {p}" for k, p in zip(("row", "column", "depth")[:len(pos) - 2] +
                                           ("channel",), pos))
            raise ValueError(f"{fname}: {name}[{i}] has {v} at {where}, time step {pos[-1]} "
                             f"(0-based); training data must be finite (no NaN or Inf)")


def _pad_batch(seqs, options, value=None):
    """Pad/truncate a list of C x T_i (or h x w x c x T_i) arrays along their last
    dimension as :func:`padsequences` does (SequenceLength "shortest" truncates, else
    the longest decides; SequencePaddingDirection, SequencePaddingValue), straight into
    the mini-batch's layout: returns (C x B x T, or h x w x c x B x T, array; B x T
    mask), both C-contiguous."""
    mode = options.SequenceLength if hasattr(options, "SequenceLength") else "longest"
    right = getattr(options, "SequencePaddingDirection", "right") == "right"
    pad = getattr(options, "SequencePaddingValue", 0) if value is None else value
    lengths = [s.shape[-1] for s in seqs]
    T = min(lengths) if mode == "shortest" else max(lengths)
    data = np.full(seqs[0].shape[:-1] + (len(seqs), T), pad,
                   dtype=np.result_type(*[s.dtype for s in seqs]))
    mask = np.zeros((len(seqs), T), bool)
    for b, (s, n) in enumerate(zip(seqs, lengths)):
        dst, src = padded_slices(n, T, right)
        data[..., b, dst] = s[..., src]
        mask[b, dst] = True
    return data, mask


# The formats of the mini-batches, by the number of dimensions of their data.
_BATCH_FORMATS = {2: "CB", 3: "CBT", 5: "SSCBT", 6: "SSSCBT"}


def _time_steps(data):
    """The time steps of a mini-batch's data (1 for feature data, "CB")."""
    return 1 if data.ndim == 2 else data.shape[-1]


def _batch_input(data, ch, xp):
    """The formatted dlarray of a mini-batch's data (time steps ``ch`` of it) on ``xp``:
    "CB" feature data, "CBT" sequences, "SSCBT" image sequences ("SSSCBT" 3-D ones)."""
    return DLArray._new(xp.asarray(data if data.ndim == 2 else data[..., ch]),
                        _BATCH_FORMATS[data.ndim])


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

    def __init__(self, options, N, fname=None):
        self.N, self.shuffle = N, options.Shuffle
        self.mbs = min(options.MiniBatchSize, N)
        self.per_epoch = N // self.mbs
        left = N - self.per_epoch * self.mbs
        if left and fname:
            warn_user(f"{fname}: {N} observations with MiniBatchSize {self.mbs}: the last "
                      f"{left} of each epoch's order are not used (MATLAB discards the "
                      f"partial mini-batch)")
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

def _class_name(c):
    return c.strip() if isinstance(c, str) else str(c) if isinstance(c, categorical) \
        else number_name(c)


class _Labels:
    """The classes of a classification network and the codes of its labels.

    Categorical labels: the classes are their categories, every one (also those no
    label of the training data belongs to), or the order the output layer's Classes
    gives (matched by name); labels decode to categoricals with those categories.
    Other labels (ints or strings): the sorted unique labels, or Classes; they decode
    to the same kind of values."""

    def __init__(self, labels, classes=None):
        self.categorical = isinstance(labels, categorical)
        if isinstance(classes, categorical):
            classes = classes.string().ravel().tolist()
        if self.categorical:
            names = labels.Categories if classes is None else [_class_name(c) for c in classes]
            self.classes = np.array(names, dtype=str)
        else:
            arr = np.asarray(labels)
            self.classes = np.unique(arr) if classes is None else np.asarray(list(classes))
        if len(set(self.classes.tolist())) != len(self.classes):
            raise ValueError(f"Classes has repeated classes: {list(self.classes)}")
        self.index = {c: i for i, c in enumerate(self.classes.tolist())}

    def _keys(self, labels):
        """The labels as keys of ``index`` (names, for categorical classes)."""
        if isinstance(labels, categorical):
            if not self.categorical:
                return labels.string()
            undefined = labels.codes < 0
            if undefined.any():
                raise ValueError(f"the label at position {int(np.argmax(undefined.ravel()))} "
                                 "is undefined; every label must be one of the categories")
            return labels.string()
        arr = np.asarray(labels)
        if not self.categorical:
            return arr
        return np.array([_class_name(c) for c in arr.ravel().tolist()],
                        dtype=str).reshape(arr.shape)

    def encode(self, labels, fname):
        try:
            arr = self._keys(labels)
            return np.array([self.index[c] for c in arr.ravel().tolist()],
                            dtype=np.int64).reshape(arr.shape)
        except KeyError as e:
            raise ValueError(f"{fname}: label {e.args[0]!r} is not one of the classes "
                             f"{list(self.classes.tolist())}") from None
        except ValueError as e:
            raise ValueError(f"{fname}: {e}") from None

    def decode(self, idx):
        if self.categorical:
            return categorical._new(np.asarray(idx), self.classes.tolist())
        return self.classes[np.asarray(idx)]

    def as_classes(self):
        """The classes as the output layer's Classes shows them: a categorical of the
        categories (MATLAB's) for categorical labels, else a tuple of the values."""
        if self.categorical:
            return self.decode(np.arange(len(self.classes)))
        return tuple(self.classes.tolist())


def _task(net):
    last = net.Layers[-1]
    if isinstance(last, L.ClassificationOutputLayer):
        return "classification"
    return "regression"


def _prepare_targets(net, Y, seqs, task, seq_out, fname, labels=None, classes=None, name="Y"):
    """Per-observation targets: class codes (seq2label), code sequences (seq2seq
    classification), R-vectors (seq2one) or R x T arrays (seq2seq regression);
    returns (targets, labels), labels None for numeric targets.

    One sequence given as one array (MATLAB's C x T ``X``) takes its responses
    as one array too (1 x T labels or R x T values), as in MATLAB's time series
    forecasting example."""
    if len(seqs) == 1 and seq_out and not isinstance(Y, (list, tuple)):
        Y = [extractdata(Y) if isinstance(Y, DLArray) else Y]
    if isinstance(Y, DLArray):
        raise TypeError(f"{fname}: the responses {name} must be a categorical, a numeric array "
                        "or a list of them, not a dlarray; use dl.extractdata to pass its data")
    if task == "classification":
        _no_nan_labels(Y, fname, name)
        codes, labels = _class_targets(Y, seqs, seq_out, fname, labels, classes, name)
        K = net._out_size
        if len(labels.classes) != K:
            raise ValueError(f"{fname}: the network outputs {K} classes (the layer before the "
                             f"softmax has OutputSize {K}) but the responses have "
                             f"{len(labels.classes)} classes")
        return codes, labels
    return _numeric_targets(Y, seqs, seq_out, net._out_size, fname, name), None


def _no_nan_labels(Y, fname, name):
    """Numeric labels must not be NaN (np.unique would make NaN a class)."""
    for i, y in enumerate(Y if isinstance(Y, (list, tuple)) else [Y]):
        if isinstance(y, categorical):
            continue
        a = as_array(y, fname, name if not isinstance(Y, (list, tuple)) else f"{name}[{i}]")
        if a.dtype.kind in "fc" and not np.isfinite(a).all():
            k = int(np.argmax(~np.isfinite(a.ravel())))
            where = f"{name} at position {k}" if not isinstance(Y, (list, tuple)) \
                else f"{name}[{i}] at time step {k}"
            raise ValueError(f"{fname}: {where} has the label {a.ravel()[k]}; labels must "
                             "be finite (a categorical, ints or strings)")


def _class_targets(Y, seqs, seq_out, fname, labels, classes, name="Y"):
    N = len(seqs)
    xname = name[:-1] + "X"
    check_one_kind(Y, fname, name)                         # "Y" -> "X", "ValidationData Y" -> "... X"
    if not seq_out:
        arr = Y if isinstance(Y, categorical) else as_array(Y, fname, name)
        if arr.ndim != 1 and not (arr.ndim == 2 and 1 in arr.shape):
            raise ValueError(f"{fname}: for a sequence-to-label network (last recurrent "
                             f"layer with OutputMode 'last') the responses {name} must be a "
                             f"vector of N labels; got an array of size {arr.shape}")
        arr = arr.ravel()
        if len(arr) != N:
            what = "observations" if getattr(seqs, "kind", None) == "feature" else "sequences"
            raise ValueError(f"{fname}: {xname} has {N} {what} but {name} has {len(arr)} "
                             f"labels; give one label per {what[:-1]}")
        labels = labels or _Labels(arr, classes)
        return labels.encode(arr, fname), labels
    if not isinstance(Y, (list, tuple)) or len(Y) != N:
        raise ValueError(f"{fname}: the network outputs sequences (its last recurrent "
                         f"layer has OutputMode 'sequence'), so the responses {name} must be a "
                         f"list of {N} label sequences, one label per time step; for "
                         "sequence-to-label classification set OutputMode='last'")
    flat = [y.ravel() if isinstance(y, categorical) else as_array(y, fname, f"{name}[{i}]").ravel()
            for i, y in enumerate(Y)]
    kinds = {"text" if y.dtype.kind in "USO" else "number" for y in flat
             if not isinstance(y, categorical)}
    if len(kinds) == 2:
        raise ValueError(f"{fname}: the label sequences of {name} mix numbers and text; labels "
                         "must be all text or all numbers")
    for i, (y, s) in enumerate(zip(flat, seqs)):
        if len(y) != s.shape[-1]:
            raise ValueError(f"{fname}: {xname}[{i}] has {s.shape[-1]} time steps but its "
                             f"responses {name}[{i}] have {len(y)}")
    joined = concatenate(0, flat) if any(isinstance(y, categorical) for y in flat) \
        else np.concatenate(flat)
    labels = labels or _Labels(joined, classes)
    return [labels.encode(y, fname) for y in flat], labels


def _numeric_targets(Y, seqs, seq_out, K, fname, name="Y"):
    N = len(seqs)
    if not seq_out:
        arr = _real_array(Y, fname, name, "response array")
        if arr.ndim <= 1:          # N responses, or the R responses of one sequence
            arr = arr.reshape(1, -1) if N == 1 else arr[:, None]
        if arr.shape != (N, K):
            raise ValueError(f"{fname}: for a sequence-to-one regression network the responses "
                             f"must be N x R = {N} x {K}; got size {arr.shape}")
        bad = ~np.isfinite(arr)
        if bad.any():
            i, r = (int(v[0]) for v in np.nonzero(bad))
            raise ValueError(f"{fname}: {name} (N x R) has {arr[i, r]} at sequence {i}, "
                             f"response {r} (0-based); responses must be finite (no NaN or Inf)")
        return arr
    if not isinstance(Y, (list, tuple)) or len(Y) != N:
        raise ValueError(f"{fname}: for a sequence-to-sequence regression network the responses "
                         f"must be a list of {N} R x T arrays")
    out = []
    for i, (y, s) in enumerate(zip(Y, seqs)):
        a = _real_array(y, fname, f"{name}[{i}]", "response sequence")
        if a.ndim == 1:
            a = a[None, :]
        if a.shape != (K, s.shape[-1]):
            raise ValueError(f"{fname}: responses {i} must be {K} x {s.shape[-1]} (R x T); got "
                             f"size {a.shape}")
        out.append(a)
    _check_finite(out, fname, name, "response")
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


def _batch_data(seqs, idx, options):
    """A mini-batch's data and B x T mask: C x B x T (sequences), h x w x c x B x T (image
    sequences) or C x B (feature data: the sequence options do not apply)."""
    if getattr(seqs, "kind", None) == "feature":
        data = np.ascontiguousarray(np.concatenate([seqs[i] for i in idx], axis=1))
        return data, np.ones((data.shape[1], 1), bool)
    return _pad_batch([seqs[i] for i in idx], options)


def _split_outputs(Y, mask):
    """A mini-batch's formatted output ``Y`` as one array per observation (its "B"
    removed; a time dimension keeps the observation's unpadded steps of ``mask``)."""
    y = _host(extractdata(Y))
    dims = Y.dims if isinstance(Y, DLArray) and "B" in Y.dims else "CBT"[:y.ndim]
    b = dims.index("B")
    outs = []
    for j in range(y.shape[b]):
        o = np.take(y, j, axis=b)
        if "T" in dims and j < mask.shape[0] and o.shape[-1] == mask.shape[1]:
            o = o[..., mask[j]]
        outs.append(o)
    return outs


def _batch(seqs, targets, idx, task, seq_out, K, options):
    """One mini-batch: (data, B x T mask, targets in the output layout); the data is
    C x B x T, h x w x c x B x T (image sequences) or C x B (feature data)."""
    data, mask = _batch_data(seqs, idx, options)
    return data, mask, _batch_targets(targets, idx, task, seq_out, K, mask, options)
