"""Datastores (arrayDatastore, combine, transform) and minibatchqueue: MATLAB's sizes,
formats, defaults and semantics, each error with its message, shuffling reproducible
with dl.rng, and trainNetwork/trainnet/predict on datastores equal to the same arrays."""
import subprocess
import sys

import numpy as np
import pytest

import dlarr as dl

M = np.arange(12.).reshape(4, 3)                     # 4 observations of 3 features
SEQS = [np.full((2, t), float(t)) for t in (3, 1, 4, 2, 5)]
LABELS = np.array([10, 11, 12, 13, 14])


# --------------------------------------------------------------------------
# arrayDatastore
# --------------------------------------------------------------------------
def test_array_datastore_defaults_and_display():
    ds = dl.arrayDatastore(M)
    assert (ds.ReadSize, ds.IterationDimension, ds.OutputType) == (1, 0, "cell")
    assert isinstance(ds, dl.ArrayDatastore)
    assert repr(ds) == ("ArrayDatastore with properties:\n\n              ReadSize: 1\n"
                        "    IterationDimension: 0\n            OutputType: 'cell'\n")


def test_read_cell_gives_a_list_of_read_size_items():
    ds = dl.arrayDatastore(M, ReadSize=3)
    first = dl.read(ds)
    assert isinstance(first, list) and len(first) == 3
    np.testing.assert_array_equal(first[1], M[1])     # the observation: M indexed along 0
    assert first[1].shape == (3,)
    last = ds.read()                                  # the method, the same thing
    assert len(last) == 1 and not dl.hasdata(ds)
    np.testing.assert_array_equal(last[0], M[3])
    with pytest.raises(RuntimeError, match=r"read: no more data in the datastore; check with "
                                           r"hasdata\(ds\) and start again with reset\(ds\)"):
        dl.read(ds)
    dl.reset(ds)
    assert dl.hasdata(ds)
    np.testing.assert_array_equal(dl.read(ds)[0], M[0])


def test_read_same_and_iteration_dimension():
    ds = dl.arrayDatastore(M, ReadSize=2, OutputType="same")
    np.testing.assert_array_equal(dl.read(ds), M[:2])             # M's type, dim 0 kept
    cols = dl.arrayDatastore(M, IterationDimension=1, OutputType="same")
    np.testing.assert_array_equal(dl.read(cols), M[:, :1])
    assert dl.numpartitions(cols) == 3
    np.testing.assert_array_equal(dl.read(dl.arrayDatastore(M, IterationDimension=1))[0], M[:, 0])
    np.testing.assert_array_equal(dl.readall(ds), M)
    assert len(dl.readall(dl.arrayDatastore(M))) == 4


def test_a_list_is_a_cell_array():
    ds = dl.arrayDatastore(SEQS)
    x = dl.read(ds)
    assert isinstance(x, list) and len(x) == 1 and x[0] is SEQS[0]
    same = dl.arrayDatastore(SEQS, OutputType="same", ReadSize=2)
    assert dl.read(same) == SEQS[:2]
    assert dl.readall(same) == SEQS and dl.readall(ds) == SEQS
    assert dl.hasdata(same)                         # readall does not move the datastore


def test_read_size_is_settable_and_checked():
    ds = dl.arrayDatastore(M)
    ds.ReadSize = 4
    assert len(dl.read(ds)) == 4
    with pytest.raises(ValueError, match=r"arrayDatastore: ReadSize must be a positive integer, "
                                         r"not 0"):
        ds.ReadSize = 0


@pytest.mark.parametrize("call,err,msg", [
    (lambda: dl.arrayDatastore(3.0), TypeError,
     r"arrayDatastore: A must be an array or a list \(MATLAB's cell array\), not float"),
    (lambda: dl.arrayDatastore(M, IterationDimension=-1), ValueError,
     r"IterationDimension must be a non-negative integer \(0-based\), not -1"),
    (lambda: dl.arrayDatastore(M, IterationDimension=2), ValueError,
     r"IterationDimension must be in 0..1 for A with 2 dimensions .*not 2"),
    (lambda: dl.arrayDatastore(SEQS, IterationDimension=1), ValueError,
     r"IterationDimension must be in 0..0"),
    (lambda: dl.arrayDatastore(M, ReadSize=1.5), ValueError,
     r"ReadSize must be a positive integer, not 1.5"),
    (lambda: dl.arrayDatastore(M, OutputType="table"), ValueError,
     r"arrayDatastore: OutputType 'table' is not valid; valid values are 'cell', 'same'"),
    (lambda: dl.arrayDatastore(M, OutputType=1), TypeError,
     r"OutputType must be a string, one of 'cell', 'same'; not int"),
])
def test_array_datastore_errors(call, err, msg):
    with pytest.raises(err, match=msg):
        call()


def test_name_value_pairs_and_any_case():
    ds = dl.arrayDatastore(M, "readsize", 2, "OutputType", "SAME")
    assert ds.ReadSize == 2 and ds.OutputType == "same"


def test_categorical_labels():
    T = dl.categorical(np.array([3, 1, 2, 1]))
    x = dl.read(dl.arrayDatastore(T))[0]              # MATLAB's T(1): a categorical
    assert isinstance(x, dl.categorical) and x.shape == (1,) and x.Categories == ["1", "2", "3"]
    assert np.asarray(x).tolist() == ["3"]
    assert isinstance(dl.read(dl.arrayDatastore(T, OutputType="same")), dl.categorical)


# --------------------------------------------------------------------------
# combine, transform
# --------------------------------------------------------------------------
def _pair(**kw):
    return dl.combine(dl.arrayDatastore(SEQS, OutputType="same", **kw),
                      dl.arrayDatastore(LABELS, **kw))


def test_combine_reads_a_row_of_the_underlying_reads():
    ds = _pair()
    x, t = dl.read(ds)                               # MATLAB's {x, t}
    assert x is SEQS[0] and t == 10
    assert isinstance(ds, dl.CombinedDatastore) and len(ds.UnderlyingDatastores) == 2
    rows = dl.read(_pair(ReadSize=2))                # ReadSize 2: a 2 x 2 cell, rows
    assert [len(r) for r in rows] == [2, 2] and rows[1][0] is SEQS[1] and rows[1][1] == 11
    everything = dl.readall(ds)
    assert len(everything) == 5 and everything[4][1] == 14
    assert "UnderlyingDatastores: {ArrayDatastore  ArrayDatastore}" in repr(ds)


def test_combine_errors():
    with pytest.raises(TypeError, match=r"combine: give at least one datastore"):
        dl.combine()
    with pytest.raises(TypeError, match=r"combine: argument 1 must be a datastore .*not ndarray"):
        dl.combine(dl.arrayDatastore(M), M)
    ds = dl.combine(dl.arrayDatastore(M), dl.arrayDatastore(M, ReadSize=2))
    with pytest.raises(ValueError, match=r"read: the underlying datastores of a combined datastore "
                                         r"read different numbers of rows \(\[1, 2\]\)"):
        dl.read(ds)
    uneven = dl.combine(dl.arrayDatastore(M), dl.arrayDatastore(SEQS))
    with pytest.raises(ValueError, match=r"combine: the underlying datastores hold different "
                                         r"numbers of observations \(\[4, 5\]\)"):
        dl.shuffle(uneven)


def test_transform():
    ds = dl.transform(dl.arrayDatastore(M), lambda data: [2 * x for x in data])
    np.testing.assert_array_equal(dl.read(ds)[0], 2 * M[0])
    assert isinstance(ds, dl.TransformedDatastore) and len(ds.Transforms) == 1
    two = dl.transform(dl.arrayDatastore(M), dl.arrayDatastore(LABELS[:4]),
                       lambda a, b: [a[0].sum(), b[0]])
    assert dl.read(two) == [3.0, 10]
    assert len(dl.readall(two)) == 4
    with pytest.raises(TypeError, match=r"transform: call it as transform\(ds, fcn\)"):
        dl.transform(dl.arrayDatastore(M))
    with pytest.raises(TypeError, match=r"transform: argument 0 must be a datastore"):
        dl.transform([1, 2], len)


# --------------------------------------------------------------------------
# shuffle, partition
# --------------------------------------------------------------------------
def test_shuffle_returns_a_shuffled_copy_reproducibly():
    ds = _pair()
    dl.rng(3)
    a = dl.shuffle(ds)
    dl.rng(3)
    b = ds.shuffle()
    ra, rb = dl.readall(a), dl.readall(b)
    assert [r[1] for r in ra] == [r[1] for r in rb]
    assert sorted(r[1] for r in ra) == list(LABELS)
    assert all(x is SEQS[t - 10] for x, t in ra)          # pairs stay together
    assert [r[1] for r in dl.readall(ds)] == list(LABELS)  # the original is unchanged
    dl.rng(3)
    perm = dl.randperm(5)
    assert [r[1] for r in ra] == list(LABELS[perm])       # dl.rng's stream, as randperm


def test_partition_and_numpartitions():
    ds = dl.arrayDatastore(np.arange(10))
    assert dl.numpartitions(ds) == 10
    parts = [dl.readall(dl.partition(ds, 3, i)) for i in range(3)]
    assert [[int(v) for v in p] for p in parts] == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]
    pair = dl.partition(_pair(), 2, 1)
    assert [t for _, t in dl.readall(pair)] == [12, 13, 14]
    assert dl.numpartitions(_pair()) == 5
    with pytest.raises(ValueError, match=r"partition: index must be an integer in 0..2 "
                                         r"\(0-based\), not 3"):
        dl.partition(ds, 3, 3)
    with pytest.raises(ValueError, match=r"partition: n must be a positive integer, not 0"):
        dl.partition(ds, 0, 0)


def test_functions_need_datastores():
    with pytest.raises(TypeError, match=r"read: expected a datastore \(an object with a read "
                                        r"method\), not list"):
        dl.read([1])
    with pytest.raises(TypeError, match=r"hasdata: expected a datastore or a minibatchqueue"):
        dl.hasdata(3)
    with pytest.raises(TypeError, match=r"numpartitions: expected a datastore"):
        dl.numpartitions(M)


def test_next_falls_back_to_python_next():
    it = iter([1, 2])
    assert dl.next(it) == 1 and dl.next(it) == 2 and dl.next(it, "done") == "done"
    code = ("from dlarr import *\nimport dlarr\nassert next is dlarr.next\n"
            "g = (i for i in range(3)); assert next(g) == 0; print(next(iter([]), 'ok'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


class ListStore:
    """A datastore of one's own: MATLAB's read/hasdata/reset, one row {x, t} a read."""

    def __init__(self, X, T):
        self.X, self.T, self.i = X, T, 0

    def read(self):
        self.i += 1
        return [self.X[self.i - 1], self.T[self.i - 1]]

    def hasdata(self):
        return self.i < len(self.X)

    def reset(self):
        self.i = 0


# --------------------------------------------------------------------------
# minibatchqueue
# --------------------------------------------------------------------------
def test_minibatchqueue_defaults_and_display():
    mbq = dl.minibatchqueue(dl.combine(dl.arrayDatastore(M), dl.arrayDatastore(LABELS[:4])))
    assert (mbq.MiniBatchSize, mbq.PartialMiniBatch, mbq.MiniBatchFcn,
            mbq.PreprocessingEnvironment) == (128, "return", "collate", "serial")
    assert mbq.OutputCast == ["single", "single"] and mbq.OutputAsDlarray == [True, True]
    assert mbq.MiniBatchFormat == ["", ""] and mbq.OutputEnvironment == ["auto", "auto"]
    text = repr(mbq)
    assert text.startswith("minibatchqueue with 2 outputs and properties:")
    assert "MiniBatchFcn: 'collate'" in text and "OutputAsDlarray: [1 1]" in text
    assert "MiniBatchFormat: {''  ''}" in text


def test_collate_stacks_along_a_new_last_dimension():
    ds = dl.combine(dl.arrayDatastore(M), dl.arrayDatastore(LABELS[:4]))
    mbq = dl.minibatchqueue(ds, MiniBatchSize=3, MiniBatchFormat=["CB", "CB"],
                            OutputEnvironment="cpu")
    X, T = dl.next(mbq)
    assert X.shape == (3, 3) and dl.dims(X) == "CB" and dl.underlyingType(X) == "single"
    np.testing.assert_array_equal(dl.extractdata(X), M[:3].T)
    assert T.shape == (1, 3) and dl.dims(T) == "CB"           # scalars: 1 x B
    np.testing.assert_array_equal(dl.extractdata(T), [[10, 11, 12]])
    X, T = mbq.next()                                          # the partial mini-batch
    assert X.shape == (3, 1) and not dl.hasdata(mbq)
    with pytest.raises(RuntimeError, match=r"next: the minibatchqueue has no more data; check "
                                           r"with hasdata\(mbq\)"):
        dl.next(mbq)
    dl.reset(mbq)
    assert dl.hasdata(mbq)
    seqs = dl.minibatchqueue(dl.arrayDatastore([np.ones((2, 3)), np.zeros((2, 3))]),
                             MiniBatchFormat="CTB", OutputEnvironment="cpu")
    X = dl.next(seqs)                                          # one output: not a tuple
    assert dl.dims(X) == "CBT" and X.shape == (2, 2, 3)


def test_partial_mini_batch_discard():
    ds = dl.arrayDatastore(np.arange(7))
    sizes = [x.shape[-1] for x in dl.minibatchqueue(ds, MiniBatchSize=3, OutputEnvironment="cpu")]
    assert sizes == [3, 3, 1]
    mbq = dl.minibatchqueue(ds, MiniBatchSize=3, PartialMiniBatch="discard",
                            OutputEnvironment="cpu")
    assert [x.shape[-1] for x in mbq] == [3, 3] and not dl.hasdata(mbq)
    assert list(mbq) == []                                     # iteration: the rest of the data


def test_casts_and_plain_outputs():
    ds = dl.arrayDatastore(np.array([[1, 0], [0, 1]]))
    for cast, kind in (("double", "double"), ("logical", "logical")):
        X = dl.next(dl.minibatchqueue(ds, OutputCast=cast, OutputEnvironment="cpu"))
        assert dl.underlyingType(X) == kind
    raw = dl.next(dl.minibatchqueue(ds, OutputCast="int8", OutputAsDlarray=False,
                                    OutputEnvironment="cpu"))
    assert isinstance(raw, np.ndarray) and raw.dtype == np.int8
    with pytest.raises(ValueError, match=r"minibatchqueue: OutputCast 'int8' of output 0 needs "
                                         r"OutputAsDlarray false"):
        dl.minibatchqueue(ds, OutputCast="int8")


def test_mini_batch_fcn_and_num_outputs():
    def fcn(x, t):
        XPad, mask = dl.padsequences(x, 1, nargout=2)
        return XPad, mask[0], np.stack(t)[None]

    mbq = dl.minibatchqueue(_pair(), 3, MiniBatchSize=2, MiniBatchFcn=fcn,
                            MiniBatchFormat=["CTB", "TB", "CB"],
                            OutputCast=["single", "logical", "double"], OutputEnvironment="cpu")
    X, mask, T = dl.next(mbq)
    assert X.shape == (2, 2, 3) and dl.dims(X) == "CBT"       # 2 x 3 and 2 x 1 padded to T=3
    assert dl.dims(mask) == "BT" and dl.underlyingType(mask) == "logical"
    np.testing.assert_array_equal(dl.extractdata(mask), [[1, 1, 1], [1, 0, 0]])
    assert dl.underlyingType(T) == "double"
    assert "MiniBatchFcn: @fcn" in repr(mbq)
    bad = dl.minibatchqueue(_pair(), MiniBatchFcn=fcn, OutputEnvironment="cpu")
    with pytest.raises(ValueError, match=r"minibatchqueue: MiniBatchFcn returned 3 outputs but the "
                                         r"queue has 2 \(numOutputs\)"):
        dl.next(bad)


def test_categorical_labels_through_mini_batch_fcn():
    T = dl.categorical(np.array(["b", "a", "b", "c"]))
    ds = dl.combine(dl.arrayDatastore(M), dl.arrayDatastore(T))
    mbq = dl.minibatchqueue(ds, MiniBatchSize=4, MiniBatchFormat=["CB", "CB"],
                            OutputEnvironment="cpu",
                            MiniBatchFcn=lambda x, t: (np.stack(x, -1),
                                                       dl.onehotencode(dl.cat(1, *t), 0)))
    _, Y = dl.next(mbq)
    np.testing.assert_array_equal(dl.extractdata(Y), np.eye(3)[:, [1, 0, 1, 2]])
    plain = dl.minibatchqueue(ds, OutputEnvironment="cpu")
    with pytest.raises(TypeError, match=r"minibatchqueue: output 1 holds <U\d+ data, which "
                                        r"OutputCast 'single' cannot convert; .*onehotencode"):
        dl.next(plain)


def test_shuffle_is_reproducible_and_covers_the_data():
    ds = dl.arrayDatastore(np.arange(10))

    def epoch(seed):
        mbq = dl.minibatchqueue(ds, MiniBatchSize=4, OutputEnvironment="cpu", OutputCast="double")
        dl.rng(seed)
        dl.shuffle(mbq)                                    # in place, no output
        return np.concatenate([dl.extractdata(x).ravel() for x in mbq])

    a, b = epoch(5), epoch(5)
    np.testing.assert_array_equal(a, b)
    assert sorted(a) == list(range(10)) and list(a) != list(range(10))
    assert dl.shuffle(dl.minibatchqueue(ds)) is None


def test_partition_of_a_queue():
    mbq = dl.minibatchqueue(dl.arrayDatastore(np.arange(10)), MiniBatchSize=4,
                            OutputEnvironment="cpu", OutputCast="double")
    sub = dl.partition(mbq, 2, 1)
    assert sub.MiniBatchSize == 4
    got = np.concatenate([dl.extractdata(x).ravel() for x in sub])
    np.testing.assert_array_equal(got, [5, 6, 7, 8, 9])
    assert dl.hasdata(mbq)                                  # the original is untouched


def test_a_datastore_of_ones_own():
    ds = ListStore(SEQS, LABELS)
    mbq = dl.minibatchqueue(ds, MiniBatchSize=2, OutputEnvironment="cpu",
                            MiniBatchFcn=lambda x, t: (dl.padsequences(x, 1), np.stack(t)[None]),
                            MiniBatchFormat=["CTB", "CB"])
    assert [dl.extractdata(t).ravel().tolist() for _, t in mbq] == [[10, 11], [12, 13], [14]]
    with pytest.raises(TypeError, match=r"shuffle: the minibatchqueue's datastore \(ListStore\) "
                                        r"cannot be shuffled"):
        dl.shuffle(mbq)


@pytest.mark.parametrize("kw,err,msg", [
    ({"MiniBatchSize": 0}, ValueError, r"minibatchqueue: MiniBatchSize must be a positive integer"),
    ({"PartialMiniBatch": "keep"}, ValueError,
     r"minibatchqueue: PartialMiniBatch 'keep' is not valid; valid values are 'return', 'discard'"),
    ({"MiniBatchFcn": "stack"}, ValueError,
     r"minibatchqueue: MiniBatchFcn 'stack' is not valid; valid values are 'collate'"),
    ({"MiniBatchFcn": 3}, TypeError, r"MiniBatchFcn must be 'collate' or a function, not int"),
    ({"MiniBatchFormat": "CB"}, ValueError,
     r"MiniBatchFormat must be a list of 2 formats, one per output \(e.g. \['CTB', 'CB'\]\)"),
    ({"MiniBatchFormat": ["CB"]}, ValueError,
     r"MiniBatchFormat must have one value per output \(2\); it has 1"),
    ({"MiniBatchFormat": ["CB", "XB"]}, ValueError, r"MiniBatchFormat\[1\] 'XB': unknown label"),
    ({"OutputCast": "half"}, ValueError, r"minibatchqueue: OutputCast 'half' is not valid"),
    ({"OutputEnvironment": "tpu"}, ValueError,
     r"OutputEnvironment 'tpu' is not valid; valid values are 'auto', 'cpu', 'gpu'"),
    ({"OutputAsDlarray": "yes"}, TypeError, r"OutputAsDlarray must be true or false"),
    ({"PreprocessingEnvironment": "parallel"}, ValueError,
     r"PreprocessingEnvironment 'parallel' is not supported by dlarr"),
])
def test_minibatchqueue_errors(kw, err, msg):
    with pytest.raises(err, match=msg):
        dl.minibatchqueue(_pair(), **kw)


def test_minibatchqueue_argument_errors():
    with pytest.raises(TypeError, match=r"minibatchqueue: ds must be a datastore \(e.g. "
                                        r"dl.arrayDatastore\(X\).*not ndarray"):
        dl.minibatchqueue(M)
    with pytest.raises(ValueError, match=r"numOutputs is 3 but a read of the datastore has 2 "
                                         r"variables; with MiniBatchFcn 'collate'"):
        dl.minibatchqueue(_pair(), 3)
    with pytest.raises(ValueError, match=r"numOutputs must be a positive integer, not 0"):
        dl.minibatchqueue(_pair(), 0)
    uneven = dl.minibatchqueue(dl.arrayDatastore(SEQS), OutputEnvironment="cpu")
    with pytest.raises(ValueError, match=r"the observations of variable 0 have different sizes "
                                         r"\(2x1 and 2x2\), so 'collate' cannot stack them; pad "
                                         r"them in a MiniBatchFcn \(e.g. with dl.padsequences\)"):
        dl.next(uneven)
    if not dl.canUseGPU():
        with pytest.raises(RuntimeError, match=r"OutputEnvironment 'gpu' needs a GPU"):
            dl.minibatchqueue(_pair(), OutputEnvironment="gpu")


def test_minibatchqueue_name_value_pairs():
    mbq = dl.minibatchqueue(_pair(), "minibatchsize", 2, "PartialMiniBatch", "Disc")
    assert mbq.MiniBatchSize == 2 and mbq.PartialMiniBatch == "discard"


@pytest.mark.skipif(not dl.canUseGPU(), reason="needs a GPU")
def test_output_environment_gpu():
    mbq = dl.minibatchqueue(dl.arrayDatastore(M), OutputEnvironment="gpu")
    X = dl.next(mbq)
    assert type(dl.extractdata(X)).__module__.startswith("cupy")
    cpu = dl.next(dl.minibatchqueue(dl.arrayDatastore(M), OutputEnvironment="cpu"))
    assert isinstance(dl.extractdata(cpu), np.ndarray)


# --------------------------------------------------------------------------
# trainNetwork, trainnet and prediction on datastores
# --------------------------------------------------------------------------
def _data():
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((3, int(t))) for t in rng.integers(2, 7, 12)]
    T = dl.categorical(np.array(["a", "b", "c"] * 4))
    return X, T


def _layers():
    return [dl.sequenceInputLayer(3), dl.lstmLayer(4, OutputMode="last"),
            dl.fullyConnectedLayer(3), dl.softmaxLayer(), dl.classificationLayer()]


def _learnables(net):
    return [np.asarray(dl.extractdata(v)) for v in net.Learnables.Value]


def _options(**kw):
    return dl.trainingOptions("adam", MaxEpochs=2, MiniBatchSize=5, Verbose=False, **kw)


def test_train_network_on_a_datastore_equals_the_arrays():
    X, T = _data()
    ds = dl.combine(dl.arrayDatastore(X, OutputType="same"), dl.arrayDatastore(T))
    dl.rng(0)
    a = dl.trainNetwork(X, T, _layers(), _options())
    dl.rng(0)
    b = dl.trainNetwork(ds, _layers(), _options())
    for va, vb in zip(_learnables(a), _learnables(b)):
        np.testing.assert_array_equal(va, vb)
    np.testing.assert_array_equal(np.asarray(dl.classify(b, ds)), np.asarray(dl.classify(a, X)))
    np.testing.assert_array_equal(dl.predict(b, dl.arrayDatastore(X)), dl.predict(a, X))
    dl.rng(0)
    c = dl.trainNetwork(ListStore(X, T), _layers(), _options(Shuffle="never"))
    dl.rng(0)
    d = dl.trainNetwork(X, T, _layers(), _options(Shuffle="never"))
    for va, vb in zip(_learnables(c), _learnables(d)):
        np.testing.assert_array_equal(va, vb)


def test_trainnet_minibatchpredict_and_validation_on_datastores():
    X, T = _data()
    codes = np.array([0, 1, 2] * 4)
    ds = dl.combine(dl.arrayDatastore(X, OutputType="same"), dl.arrayDatastore(codes))
    layers = _layers()[:-1]
    dl.rng(1)
    a = dl.trainnet(X, codes, layers, "crossentropy", _options())
    dl.rng(1)
    b = dl.trainnet(ds, layers, "crossentropy", _options())
    for va, vb in zip(_learnables(a), _learnables(b)):
        np.testing.assert_array_equal(va, vb)
    np.testing.assert_array_equal(dl.minibatchpredict(b, dl.arrayDatastore(X)),
                                  dl.minibatchpredict(a, X))
    dl.rng(2)
    v1 = dl.trainNetwork(X, T, _layers(), _options(ValidationData=(X, T), ValidationFrequency=2))
    dl.rng(2)
    vds = dl.combine(dl.arrayDatastore(X, OutputType="same"), dl.arrayDatastore(T))
    v2 = dl.trainNetwork(X, T, _layers(), _options(ValidationData=vds, ValidationFrequency=2))
    for va, vb in zip(_learnables(v1), _learnables(v2)):
        np.testing.assert_array_equal(va, vb)


def test_training_datastore_errors():
    X, T = _data()
    with pytest.raises(ValueError, match=r"trainNetwork: the datastore must return rows of two "
                                         r"columns, predictors and responses \(e.g. "
                                         r"combine\(dsX, dsT\)\); its reads have 1 column"):
        dl.trainNetwork(dl.arrayDatastore(X), _layers(), _options())
    ds = dl.combine(dl.arrayDatastore(X, OutputType="same"), dl.arrayDatastore(T))
    with pytest.raises(TypeError, match=r"trainNetwork: with a datastore of predictors and "
                                        r"responses, call trainNetwork\(ds, layers, options\)"):
        dl.trainNetwork(ds, T, _layers(), _options())
    with pytest.raises(TypeError, match=r"trainNetwork: missing the last argument"):
        dl.trainNetwork(X, T, _layers())
