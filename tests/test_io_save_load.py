"""dl.save / dl.load: every kind of value round-trips exactly (v7 and v7.3), loaded
networks predict bit-identically and train on from where they were, the files are
plain MATLAB data (read by scipy.io, h5py and, where installed, Octave), and bad files
are clear errors that never run code from the file."""
import ast
import copy
import os
import pathlib
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

import dlarr as dl
from dlarr.core.categorical import categorical
from dlarr.core.dlarray import DLArray
from dlarr.io import codecs, matfile, objects, persist
from dlarr.io.matfile import MatFileError
from dlarr.networks.network import Table, _Net
from dlarr.training.options import TrainingOptions

pytest.importorskip("scipy.io")

IO_DIR = pathlib.Path(dl.__file__).resolve().parent / "io"
OCTAVE = shutil.which("octave-cli")
DTYPES = (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
          np.uint64, np.float32, np.float64, np.complex64, np.complex128)


@pytest.fixture(params=["-v7", "-v7.3"])
def version(request):
    if request.param == "-v7.3":
        pytest.importorskip("h5py")
    return request.param


def roundtrip(tmp_path, version, **variables):
    path = tmp_path / "f.mat"
    dl.save(path, version, **variables)
    return dl.load(path)


# ---------------------------------------------------------------------------------------
# exact comparison: types, dtypes, shapes, bits
# ---------------------------------------------------------------------------------------
def same(a, b, path="value"):
    assert type(a) is type(b), f"{path}: {type(a).__name__} came back as {type(b).__name__}"
    if isinstance(a, (np.ndarray, np.generic)):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), \
            f"{path}: {a.dtype}{a.shape} came back as {b.dtype}{b.shape}"
        assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes(), path
    elif isinstance(a, float):
        assert struct.pack("<d", a) == struct.pack("<d", b), f"{path}: {a!r} vs {b!r}"
    elif isinstance(a, complex):
        same(a.real, b.real, path + ".real")
        same(a.imag, b.imag, path + ".imag")
    elif isinstance(a, DLArray):
        assert a.dims == b.dims, f"{path}: format {a.dims!r} vs {b.dims!r}"
        same(a._data, b._data, path + "._data")
    elif isinstance(a, categorical):
        same(a.codes, b.codes, path + ".codes")
        assert (a.Categories, a.Ordinal) == (b.Categories, b.Ordinal), path
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} vs {list(b)}"
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, dl.Layer):
        for name in type(a)._props:
            same(getattr(a, name), getattr(b, name), f"{path}.{name}")
    elif isinstance(a, _Net):
        assert (a.Initialized, a._dtype, b._xp) == (b.Initialized, b._dtype, np), path
        same(list(a.Layers), list(b.Layers), path + ".Layers")
        same(a.State, b.State, path + ".State")
    elif isinstance(a, Table):
        same([list(r) for r in a], [list(r) for r in b], path)
    elif isinstance(a, TrainingOptions):
        same(a._values, b._values, path + "._values")
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


# ---------------------------------------------------------------------------------------
# plain values
# ---------------------------------------------------------------------------------------
def _random_array(rng, dtype, shape):
    x = rng.standard_normal(shape) * 50
    if np.dtype(dtype).kind == "b":
        return x > 0
    if np.dtype(dtype).kind == "u":
        return np.abs(x).astype(dtype)
    if np.dtype(dtype).kind == "c":
        return (x + 1j * rng.standard_normal(shape)).astype(dtype)
    return x.astype(dtype)


SHAPES = [(), (3,), (1,), (1, 1), (2, 3), (2, 3, 4), (2, 3, 1), (0, 3), (0,), (1, 4), (4, 1),
          (2, 1, 3), (2, 2, 1, 1)]


def _plain_values():
    rng = np.random.default_rng(0)
    return {
        "scalars": [0, -7, 2 ** 62, -2 ** 63, 1.5, -0.0, float("nan"), float("inf"), True,
                    False, 1 + 2j, complex(0.0, -0.0)],
        "texts": ["", "abc", "h\u00e9llo w\u00f6rld \u2211", "two\nlines", "it's"],
        "nothing": None,
        "lists": [[], [1, "a", None], [[1, 2], [3.5]], [[]], [np.ones((2, 2))]],
        "tuples": ((), (1,), (1, (2, 3)), ("a", "b")),
        "plain_dict": {"a": 1, "b": [1, 2], "c": {"d": "e"}},
        "odd_keys": {"1a": 2, "a b": 3, "dlarrClass": "x", "end": 1},
        "other_keys": {1: "one", (2, 3): "pair", 2.5: None, "s": False},
        "empty_dict": {},
        "arrays": [_random_array(rng, dt, sh) for dt in DTYPES for sh in SHAPES],
        "numpy_scalars": [dt(1) for dt in DTYPES] + [np.float64(np.nan), np.int64(-2 ** 63)],
        "strided": np.arange(60.0).reshape(3, 4, 5)[::2, 1:, ::-1],
    }


def test_plain_values_round_trip_exactly(tmp_path, version):
    values = _plain_values()
    loaded = roundtrip(tmp_path, version, **values)
    assert list(loaded) == list(values) or version == "-v7.3"
    for name, value in values.items():
        same(value, loaded[name], name)


def test_codec_in_memory_on_the_reader_contract():
    """encode/decode alone, on trees as matfile.read returns them (object arrays become
    lists, trailing singletons beyond the second dimension dropped)."""
    def as_read(p):
        if isinstance(p, dict):
            return {k: as_read(v) for k, v in p.items()}
        if isinstance(p, list) or (isinstance(p, np.ndarray) and p.dtype == object):
            return [as_read(v) for v in (p.ravel(order="F") if isinstance(p, np.ndarray) else p)]
        if isinstance(p, str):
            return p
        assert isinstance(p, np.ndarray) and p.ndim >= 2
        while p.ndim > 2 and p.shape[-1] == 1:
            p = p.reshape(p.shape[:-1])
        return p
    for name, value in _plain_values().items():
        same(value, codecs.decode(as_read(codecs.encode(value, name)), name), name)


def test_arrays_keep_matlab_shape_and_column_major_order(tmp_path, version):
    """An independent reader sees a[i, j, k] as MATLAB's A(i+1, j+1, k+1)."""
    A = np.arange(24, dtype=np.int32).reshape(2, 3, 4) * 7 - 50
    path = tmp_path / "a.mat"
    dl.save(path, version, A=A)
    if version == "-v7":
        import scipy.io
        got = scipy.io.loadmat(path)["A"]
    else:
        import h5py
        with h5py.File(path, "r") as f:
            got = f["A"][()].transpose()                 # HDF5 holds MATLAB's reversed dims
            assert f["A"].attrs["MATLAB_class"] == b"int32"
    assert got.shape == (2, 3, 4) and got.dtype == np.int32
    for idx in np.ndindex(2, 3, 4):
        assert got[idx] == A[idx]


def test_dlarrays_round_trip(tmp_path, version):
    rng = np.random.default_rng(1)
    values = {
        "cbt": dl.dlarray(rng.random((3, 4, 5)).astype(np.float32), "CBT"),
        "cb": dl.dlarray(rng.random((3, 4)), "CB"),
        "t1": dl.dlarray(rng.random((3, 4, 1)).astype(np.float32), "CBT"),
        "plain": dl.dlarray(rng.random((2, 5))),
        "zero_d": dl.dlarray(3.0),
        "one_d": dl.dlarray(rng.random(4)),
        "logical": dl.dlarray(rng.random((2, 3)) > 0.5),
        "sscb": dl.dlarray(rng.random((2, 2, 3, 1)).astype(np.float32), "SSCB"),
    }
    loaded = roundtrip(tmp_path, version, **values)
    for name, value in values.items():
        same(value, loaded[name], name)


@pytest.mark.skipif(not dl.canUseGPU(), reason="needs a GPU and CuPy")
def test_gpu_dlarray_is_saved_from_the_host(tmp_path):
    X = dl.gpuArray(dl.dlarray(np.arange(6, dtype=np.float32).reshape(2, 3), "CB"))
    loaded = roundtrip(tmp_path, "-v7", X=X)["X"]
    same(dl.gather(X), loaded)


def test_categoricals_round_trip(tmp_path, version):
    values = {
        "labels": dl.categorical(["b", "a", "c", "a"]),
        "undefined": dl.categorical(["x", "", "y"]),
        "matrix": dl.categorical(np.array([["lo", "hi"], ["hi", "mid"], ["lo", "lo"]])),
        "ordinal": dl.categorical(["lo", "hi"], ["lo", "mid", "hi"], Ordinal=True),
        "numbers": dl.categorical([3, 1, 2, 1], [1, 2, 3], ["low", "mid", "high"]),
        "empty": dl.categorical(),
        "one": dl.categorical(["only"]),
    }
    loaded = roundtrip(tmp_path, version, **values)
    for name, value in values.items():
        same(value, loaded[name], name)


# ---------------------------------------------------------------------------------------
# layers
# ---------------------------------------------------------------------------------------
class ScaleLayer(dl.Layer):
    """A layer class defined outside dlarr: saved as 'test_io_save_load.ScaleLayer'."""
    _learnables = ("Scale",)
    _props = {"Name": ("", dl.Layer._props["Name"][1]), "Gain": (2.0, lambda v, n, l: float(v))}
    _help = {"Scale": "Per-channel scale.", "Gain": "A factor."}

    def _setup(self, in_size, has_time, dtype):
        self._init_param("Scale", "ones", (in_size, 1), in_size, in_size, dtype)
        return in_size, has_time

    def _forward(self, X, training, state):
        return X * self.Scale * self.Gain, state


def _w(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def _layers():
    rng = np.random.default_rng(2)
    out = [
        dl.sequenceInputLayer(3, Name="in", Normalization="zscore", MinLength=2,
                              Mean=_w(rng, 3, 1), StandardDeviation=np.ones((3, 1), np.float32)),
        dl.sequenceInputLayer(4, Normalization="rescale-zero-one", Min=_w(rng, 4),
                              Max=_w(rng, 4, 1, dtype=np.float64)),
        dl.lstmLayer(5, Name="l", InputSize=3, OutputMode="last",
                     InputWeightsLearnRateFactor=[1, 0, 2, 1], BiasL2Factor=[0, 0, 1, 0],
                     HiddenState=_w(rng, 5, 1), CellState=_w(rng, 5, 1, dtype=np.float64),
                     InputWeights=_w(rng, 20, 3), StateActivationFunction="softsign",
                     GateActivationFunction="hard-sigmoid", RecurrentWeightsInitializer="he"),
        dl.lstmLayer(4),
        dl.gruLayer(3, ResetGateMode="recurrent-bias-after-multiplication", Bias=_w(rng, 18, 1),
                    BiasInitializer="narrow-normal"),
        dl.bilstmLayer(2, InputWeightsL2Factor=[1, 2, 3, 4, 5, 6, 7, 8],
                       RecurrentWeights=_w(rng, 16, 2), BiasLearnRateFactor=0.5),
        dl.fullyConnectedLayer(2, Weights=_w(rng, 2, 4, dtype=np.float64), Bias=_w(rng, 2, 1),
                               WeightL2Factor=0.5, WeightsInitializer="he"),
        dl.fullyConnectedLayer(1, InputSize=1, Weights=_w(rng, 1, 1), Bias=_w(rng, 1, 1)),
        dl.softmaxLayer(Name="sm"), dl.dropoutLayer(0.3),
        dl.reluLayer(), dl.tanhLayer(Name="t"), dl.sigmoidLayer(),
        dl.classificationLayer(Classes=["cat", "dog"], ClassWeights=[1, 2.5]),
        dl.classificationLayer(Classes=[3, 1, 2], ClassWeights=[3]),
        dl.classificationLayer(OutputSize=4),
        dl.regressionLayer(ResponseNames=["a", "b"]), dl.regressionLayer(ResponseNames=("x",)),
        dl.regressionLayer(),
        ScaleLayer(Gain=3),
    ]
    trained_classes = dl.classificationLayer()
    object.__setattr__(trained_classes, "Classes", dl.categorical(["no", "yes"]))
    return out + [trained_classes]


def test_every_layer_class_round_trips(tmp_path, version):
    layers = _layers()
    sizes = {"NumHiddenUnits": 3, "OutputSize": 2, "InputSize": 3}
    for tag, cls in sorted(objects.layer_classes().items()):
        if cls.__module__.startswith("dlarr."):   # every dlarr layer class, defaults too
            layers.append(cls(**{k: v for k, v in sizes.items()
                                 if k in cls._props and cls._props[k][0] is None}))
    loaded = roundtrip(tmp_path, version, layers=layers, one=layers[2], tup=tuple(layers[:2]))
    same(layers, loaded["layers"], "layers")
    same(layers[2], loaded["one"], "one")
    same(tuple(layers[:2]), loaded["tup"], "tup")


# ---------------------------------------------------------------------------------------
# networks, tables, training options
# ---------------------------------------------------------------------------------------
def _sequences(n=24, c=3, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.standard_normal((c, int(t))).astype(np.float32) for t in rng.integers(5, 10, n)]
    Y = dl.categorical(["up" if x[0].mean() > 0 else "down" for x in X])
    return X, Y


def _classifier_layers():
    return [dl.sequenceInputLayer(3, Normalization="zscore"),
            dl.lstmLayer(8, OutputMode="last", InputWeightsLearnRateFactor=[1, 0, 1, 1]),
            dl.dropoutLayer(0.1), dl.fullyConnectedLayer(2), dl.softmaxLayer(),
            dl.classificationLayer()]


@pytest.fixture(scope="module")
def trained():
    X, Y = _sequences()
    dl.rng(0)
    opts = dl.trainingOptions("adam", MaxEpochs=2, MiniBatchSize=8, Verbose=False)
    return dl.trainNetwork(X, Y, _classifier_layers(), opts), X


def _dlnetworks():
    rng = np.random.default_rng(3)
    X = dl.dlarray(rng.standard_normal((3, 4, 6)).astype(np.float32), "CBT")
    net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.bilstmLayer(4),
                        dl.gruLayer(3, ResetGateMode="before-multiplication"), dl.reluLayer(),
                        dl.lstmLayer(5, OutputMode="last"), dl.fullyConnectedLayer(2)])
    _, state = dl.forward(net, X)
    net.State = state                                    # a state of 4 observations
    double = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(4), dl.tanhLayer(),
                           dl.fullyConnectedLayer(2)], Initialize=False).initialize(np.float64)
    raw = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(4), ScaleLayer(),
                        dl.fullyConnectedLayer(2)], Initialize=False)
    custom = dl.dlnetwork([dl.sequenceInputLayer(3), ScaleLayer(Gain=0.5), dl.sigmoidLayer(),
                           dl.lstmLayer(2)])
    return {"net": net, "double": double, "raw": raw, "custom": custom}, X


def test_dlnetworks_round_trip_and_predict_bit_identically(tmp_path, version):
    nets, X = _dlnetworks()
    loaded = roundtrip(tmp_path, version, **nets)
    for name, net in nets.items():
        same(net, loaded[name], name)
    assert not loaded["raw"].Initialized and loaded["raw"].Layers[1].InputSize == "auto"
    assert loaded["double"].Learnables.Value[0].dtype == np.float64
    for name in ("net", "double", "custom"):
        same(dl.predict(nets[name], X), dl.predict(loaded[name], X), name)
    Y1, s1 = dl.forward(nets["net"], X)                  # continues from the saved State
    Y2, s2 = dl.forward(loaded["net"], X)
    same(Y1, Y2)
    same(s1, s2)


def test_series_network_round_trips_with_state_and_classes(tmp_path, version, trained):
    net, X = trained
    net, _ = dl.predictAndUpdateState(net, X[:1])        # a State other than the initial one
    loaded = roundtrip(tmp_path, version, net=net)["net"]
    same(net, loaded, "net")
    assert isinstance(loaded.Layers[-1].Classes, categorical)
    same(dl.predict(net, X), dl.predict(loaded, X))
    same(dl.classify(net, X), dl.classify(loaded, X))
    a, Ya = dl.predictAndUpdateState(net, X[1:2])
    b, Yb = dl.predictAndUpdateState(loaded, X[1:2])
    same(Ya, Yb)
    same(a.State, b.State)


def test_tables_and_training_options_round_trip(tmp_path, version, trained):
    net, X = trained
    Xv, Yv = _sequences(6, seed=5)
    options = {
        "sgdm": dl.trainingOptions("sgdm", Momentum=0.8, LearnRateSchedule="piecewise",
                                   LearnRateDropPeriod=3, MaxEpochs=7, Shuffle="never",
                                   GradientThreshold=2.5, ValidationData=(Xv, Yv),
                                   SequenceLength=12, Verbose=False),
        "adam": dl.trainingOptions("adam", GradientDecayFactor=0.8, L2Regularization=0.0,
                                   SequencePaddingDirection="left", MiniBatchSize=5),
        "rmsprop": dl.trainingOptions("rmsprop", SquaredGradientDecayFactor=0.9,
                                      Epsilon=1e-6, ExecutionEnvironment="cpu"),
    }
    dnet = dl.dlnetwork(list(net.Layers[:-1]))
    Xb = dl.dlarray(np.stack([x[:, :5] for x in X[:4]], axis=1), "CBT")

    def grads(n, X):
        loss = dl.sum(dl.forward(n, X)[0], "all")
        return dl.dlgradient(loss, n.Learnables)
    tables = {"learnables": net.Learnables, "state": net.State, "empty": Table([]),
              "gradients": dl.dlfeval(grads, dnet, Xb)}
    loaded = roundtrip(tmp_path, version, **options, **tables)
    for name, value in {**options, **tables}.items():
        same(value, loaded[name], name)
    for name in options:
        assert loaded[name] == options[name] or name == "sgdm"    # ValidationData: arrays


# ---------------------------------------------------------------------------------------
# training on from where it was
# ---------------------------------------------------------------------------------------
def test_custom_loop_with_adamupdate_continues_bit_for_bit(tmp_path, version):
    rng = np.random.default_rng(4)
    X = dl.dlarray(rng.standard_normal((3, 8, 6)).astype(np.float32), "CBT")
    T = dl.dlarray(rng.standard_normal((2, 8)).astype(np.float32), "CB")
    dl.rng(1)
    net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(6, OutputMode="last"),
                        dl.fullyConnectedLayer(2)])

    def model_loss(net, X, T):
        loss = dl.mse(dl.forward(net, X)[0], T)
        return loss, dl.dlgradient(loss, net.Learnables)

    avg = avg_sq = None
    for it in range(1, 4):
        _, g = dl.dlfeval(model_loss, net, X, T)
        net, avg, avg_sq = dl.adamupdate(net, g, avg, avg_sq, it, 0.01)
    S = roundtrip(tmp_path, version, net=net, averageGrad=avg, averageSqGrad=avg_sq,
                  iteration=it, table_avg=avg.Learnables)
    assert S["iteration"] == 3 and type(S["iteration"]) is int

    def step(net, avg, avg_sq, it):
        _, g = dl.dlfeval(model_loss, net, X, T)
        return dl.adamupdate(net, g, avg, avg_sq, it + 1, 0.01)
    a = step(net, avg, avg_sq, it)
    b = step(S["net"], S["averageGrad"], S["averageSqGrad"], S["iteration"])
    for x, y in zip(a, b):
        same(x.Learnables, y.Learnables)
    same(avg.Learnables, S["table_avg"])
    c = dl.adamupdate(S["net"], dl.dlfeval(model_loss, S["net"], X, T)[1], S["table_avg"],
                      S["averageSqGrad"].Learnables, 4, 0.01)  # MATLAB's tables as state
    same(a[0].Learnables, c[0].Learnables)


def test_train_network_on_loaded_layers_equals_training_the_originals(tmp_path, trained):
    net, X = trained
    _, Y = _sequences()
    loaded = roundtrip(tmp_path, "-v7", net=net)["net"]
    opts = dl.trainingOptions("sgdm", MaxEpochs=1, MiniBatchSize=8, Verbose=False,
                              ResetInputNormalization=False)
    dl.rng(0)
    a = dl.trainNetwork(X, Y, net.Layers, opts)
    dl.rng(0)
    b = dl.trainNetwork(X, Y, loaded.Layers, opts)
    same(a.Learnables, b.Learnables)
    same(a, b)


# ---------------------------------------------------------------------------------------
# the file is plain MATLAB data
# ---------------------------------------------------------------------------------------
def _lstm_net():
    return dl.SeriesNetwork([dl.sequenceInputLayer(3, Name="in"), dl.lstmLayer(8, Name="lstm"),
                             dl.fullyConnectedLayer(2, Name="fc"), dl.softmaxLayer(),
                             dl.classificationLayer(Classes=["a", "b"])])


def test_scipy_reads_layers_as_plain_structs(tmp_path):
    import scipy.io
    net = _lstm_net()
    dl.save(tmp_path / "net.mat", net=net)
    S = scipy.io.loadmat(tmp_path / "net.mat")["net"][0, 0]
    assert S["dlarrClass"][0] == "SeriesNetwork" and S["Layers"].shape == (5, 1)
    lstm = S["Layers"][1, 0][0, 0]
    assert lstm["dlarrClass"][0] == "LSTMLayer" and lstm["Name"][0] == "lstm"
    W = lstm["InputWeights"]
    assert W.dtype == np.float32 and W.shape == (32, 3)
    np.testing.assert_array_equal(W, dl.extractdata(net.Layers[1].InputWeights))
    assert lstm["Bias"].shape == (32, 1) and lstm["RecurrentWeights"].shape == (32, 8)
    assert lstm["HiddenState"].shape == (0, 0) and lstm["OutputMode"][0] == "sequence"
    classes = S["Layers"][4, 0][0, 0]["Classes"]
    assert classes.shape == (2, 1) and [c[0] for c in classes[:, 0]] == ["a", "b"]
    assert S["DataType"][0] == "single" and S["Initialized"][0, 0] == 1     # logical: uint8


def test_h5py_reads_v73_layers_in_matlab_layout(tmp_path):
    h5py = pytest.importorskip("h5py")
    net = _lstm_net()
    dl.save(tmp_path / "net.mat", "-V7.3", net=net)       # the flag in any case
    assert (tmp_path / "net.mat").read_bytes()[:19] == b"MATLAB 7.3 MAT-file"
    with h5py.File(tmp_path / "net.mat", "r") as f:
        layers = f["net"]["Layers"]
        assert layers.attrs["MATLAB_class"] == b"cell" and layers.shape == (1, 5)   # 5 x 1
        lstm = f[layers[0, 1]]
        W = lstm["InputWeights"]
        assert W.attrs["MATLAB_class"] == b"single" and W.shape == (3, 32)         # 32 x 3
        np.testing.assert_array_equal(W[()].T, dl.extractdata(net.Layers[1].InputWeights))
        assert lstm["Bias"].shape == (1, 32)
        name = lstm["Name"]
        assert name.attrs["MATLAB_class"] == b"char" and \
            "".join(map(chr, name[()].ravel())) == "lstm"


@pytest.mark.skipif(OCTAVE is None, reason="octave-cli is not installed")
def test_octave_loads_the_file(tmp_path):
    dl.save(tmp_path / "net.mat", net=_lstm_net())
    code = ("S = load('net.mat'); W = S.net.Layers{2}.InputWeights; "
            "printf('%s|%d|%d|%s|%s|%d\\n', class(W), size(W, 1), size(W, 2), "
            "S.net.Layers{2}.dlarrClass, S.net.Layers{5}.Classes{2}, numel(S.net.Layers));")
    out = subprocess.run([OCTAVE, "--no-gui", "--quiet", "--norc", "--eval", code],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    line = [ln for ln in out.stdout.splitlines() if "|" in ln]
    assert line and line[-1].split("|") == ["single", "32", "3", "LSTMLayer", "b", "5"], \
        out.stdout + out.stderr


def test_matlab_written_plain_data_and_network_structs_load(tmp_path):
    """A file written by scipy.io.savemat the way MATLAB writes it (doubles for the
    numbers, N x 1 cells, MATLAB-made layer structs in the LAYOUT) loads."""
    import scipy.io
    rng = np.random.default_rng(6)
    W, R, b = _w(rng, 16, 3), _w(rng, 16, 4), _w(rng, 16, 1)
    Wf, bf = _w(rng, 2, 4), _w(rng, 2, 1)
    ref = dl.dlnetwork([dl.sequenceInputLayer(3, Name="in"),
                        dl.lstmLayer(4, Name="lstm", InputWeights=W, RecurrentWeights=R, Bias=b),
                        dl.fullyConnectedLayer(2, Name="fc", Weights=Wf, Bias=bf)])

    def matlab(p):          # as MATLAB would hold the values: doubles, N x 1 cells
        if isinstance(p, dict):
            return {k: matlab(v) for k, v in p.items()}
        if isinstance(p, np.ndarray) and p.dtype == object:
            out = np.empty(p.shape, object)
            for i in np.ndindex(p.shape):
                out[i] = matlab(p[i])
            return out
        if isinstance(p, np.ndarray) and p.dtype == np.int64:
            return p.astype(np.float64)
        return p
    net = matlab(codecs.encode(ref, "net"))
    cells = np.empty((3, 1), object)
    cells[:, 0] = [np.ones((3, 5)), np.zeros((3, 2)), np.arange(3.0)[:, None]]
    scipy.io.savemat(tmp_path / "m.mat", {"net": net, "XTrain": cells, "n": 12.0,
                                          "k": np.int32(3), "flag": True, "word": "lstm",
                                          "s": {"Rate": 0.1, "Names": np.array(["ab", "cd"])}})
    S = dl.load(tmp_path / "m.mat")
    X = dl.dlarray(rng.standard_normal((3, 2, 5)).astype(np.float32), "CBT")
    same(dl.predict(ref, X), dl.predict(S["net"], X))
    assert [x.shape for x in S["XTrain"]] == [(3, 5), (3, 2), (3, 1)]
    same(S["n"], 12.0)
    same(S["k"], 3)
    same(S["flag"], True)
    same(S["word"], "lstm")
    same(S["s"], {"Rate": 0.1, "Names": ["ab", "cd"]})


# ---------------------------------------------------------------------------------------
# bad files: clear errors, nothing run from the file
# ---------------------------------------------------------------------------------------
def _tampered(tmp_path, change):
    """A file of _lstm_net() (initialized) whose plain tree ``change`` edited."""
    plain = codecs.encode(_lstm_net(), "net")
    change(plain)
    path = tmp_path / "bad.mat"
    matfile.write(path, {"net": plain, "ok": np.ones((2, 2))})
    return path


def _lstm(plain):
    return plain["Layers"][1, 0]


@pytest.mark.parametrize("change, message", [
    (lambda p: _lstm(p).update(InputWeights=_lstm(p)["InputWeights"][:-1]),
     "variable 'net': Layers{2} (LSTMLayer 'lstm'): InputWeights must be 32 x 3; it is 31 x 3"),
    (lambda p: _lstm(p).update(InputWeights=_lstm(p)["InputWeights"][:, :2]),
     "Layers{2} (LSTMLayer 'lstm'): InputWeights must be 32 x 3; it is 32 x 2"),
    (lambda p: _lstm(p).update(NumHiddenUnits="eight"),
     "Layers{2} (LSTMLayer 'lstm'): NumHiddenUnits must be a positive integer"),
    (lambda p: _lstm(p).update(Bias=np.zeros((0, 0))),
     "Layers{2} (LSTMLayer 'lstm'): Bias is empty ([]) in an initialized network"),
    (lambda p: _lstm(p).update(InputWeights="weights"),
     "Layers{2} (LSTMLayer 'lstm')"),
    (lambda p: _lstm(p).pop("Bias"), "LSTMLayer struct lacks field Bias"),
    (lambda p: _lstm(p).update(Evil="rm -rf"), "has unknown field Evil"),
    (lambda p: p["Layers"][2, 0].update(InputSize=np.array([[7]])),
     "Layers{3} (FullyConnectedLayer 'fc'): InputSize is 7 but its input has 8 channels"),
    (lambda p: p.update(Initialized="yes"), "Initialized must be a logical"),
    (lambda p: p.update(DataType="half"), "DataType must be 'single' or 'double'"),
    (lambda p: p["Layers"].__setitem__((2, 0), {"dlarrClass": "os.system", "x": "echo hi"}),
     "Layers{3}: must be a layer struct"),
    (lambda p: p.update(dlarrClass="subprocess.Popen"), "unknown dlarrClass 'subprocess.Popen'"),
    (lambda p: p["State"].update(Layer=["lstm"], Parameter=["HiddenState"],
                                 Value=[np.zeros((7, 1), np.float32)]),
     "State.Value{1}: the HiddenState of layer 'lstm' must be a 8 x B"),
    (lambda p: p["State"].update(Layer=["fc"], Parameter=["HiddenState"],
                                 Value=[np.zeros((8, 1), np.float32)]),
     "('fc', 'HiddenState') is not a state"),
])
def test_tampered_files_are_errors_naming_the_variable_and_path(tmp_path, change, message):
    path = _tampered(tmp_path, change)
    with pytest.raises(MatFileError) as e:
        dl.load(path)
    assert message in str(e.value) and str(path) in str(e.value)
    assert isinstance(e.value, ValueError)
    same(dl.load(path, "ok"), {"ok": np.ones((2, 2))})      # the other variable still reads


@pytest.mark.parametrize("value, message", [
    ({"dlarrClass": "dlarray", "Data": np.ones((2, 2)), "Format": "XY"}, "Format"),
    ({"dlarrClass": "dlarray", "Data": np.ones((2, 2)), "Format": "CBT"}, "one label per"),
    ({"dlarrClass": "categorical", "Codes": np.array([[1], [3]], np.uint32),
      "Categories": ["a", "b"], "Ordinal": np.array([[False]]), "Size": np.array([[2.0]])},
     "Codes must be integers from 0 (undefined) to 2"),
    ({"dlarrClass": "ndarray", "Data": np.ones((3, 1)), "Size": np.array([[2.0, 2.0]])},
     "does not match the 3 elements"),
    ({"dlarrClass": "tuple"}, "lacks field Items"),
    ({"dlarrClass": np.ones((2, 2))}, "dlarrClass must be a char"),
    ({"dlarrClass": "TrainingOptionsADAM", "SolverName": "adam"}, "lacks fields"),
])
def test_tampered_values_are_errors(tmp_path, value, message):
    matfile.write(tmp_path / "v.mat", {"v": value})
    with pytest.raises(MatFileError, match="variable 'v'") as e:
        dl.load(tmp_path / "v.mat")
    assert message in str(e.value)


def test_unknown_classes_are_errors_not_lookups(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    matfile.write(tmp_path / "x.mat", {"x": {"dlarrClass": "os.system", "command": "echo hi"},
                                       "y": {"dlarrClass": "importlib.import_module",
                                             "name": "antigravity"}})
    before = set(sys.modules)
    for name in ("x", "y"):
        with pytest.raises(MatFileError, match="unknown dlarrClass"):
            dl.load(tmp_path / "x.mat", name)
    assert not calls and set(sys.modules) == before


def test_truncated_and_foreign_files_are_errors(tmp_path, version):
    path = tmp_path / "t.mat"
    dl.save(path, version, net=_lstm_net())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MatFileError):
        dl.load(path)
    (tmp_path / "text.mat").write_text("not a MAT-file at all\n" * 20)
    with pytest.raises(MatFileError, match="not a MAT-file"):
        dl.load(tmp_path / "text.mat")
    with pytest.raises(FileNotFoundError):
        dl.load(tmp_path / "missing.mat")


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fn = node.func
            yield node, (fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", "")), \
                isinstance(fn, ast.Name)


def test_io_never_unpickles_or_evaluates():
    """No module of dlarr/io imports an unpickler, calls eval/exec/compile/__import__, or
    imports a module whose name could come from a file: importlib.import_module only in
    functions that every caller gives a literal name ("scipy.io", "h5py")."""
    forbidden = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle",
                 "joblib", "pydoc", "runpy"}
    trees = {p.name: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(IO_DIR.glob("*.py"))}
    assert {"persist.py", "codecs.py", "objects.py", "matfile.py"} <= set(trees)
    importers = set()
    for name, tree in trees.items():
        for node in ast.walk(tree):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for m in modules:
                assert m.split(".")[0] not in forbidden, f"{name}:{node.lineno} imports {m}"
            if isinstance(node, ast.FunctionDef) and any(
                    c == "import_module" for _, c, _ in _calls(node)):
                importers.add(node.name)
        for node, called, by_name in _calls(tree):
            assert not (by_name and called in {"eval", "exec", "compile", "__import__"}), \
                f"{name}:{node.lineno} calls {called}"
            assert called not in {"locate", "load_module", "exec_module"}, f"{name}:{node.lineno}"
            assert not any(k.arg == "allow_pickle" and getattr(k.value, "value", 0)
                           for k in node.keywords), f"{name}:{node.lineno}"
    for name, tree in trees.items():
        for node, called, _ in _calls(tree):
            if called in importers:
                assert node.args and isinstance(node.args[0], ast.Constant), \
                    f"{name}:{node.lineno}: {called} with a module name that is not a literal"


# ---------------------------------------------------------------------------------------
# save's and load's arguments
# ---------------------------------------------------------------------------------------
def test_save_arguments(tmp_path):
    f = tmp_path / "a.mat"
    with pytest.raises(ValueError, match="no variables"):
        dl.save(f)
    with pytest.raises(ValueError, match=r"'-append' is not supported.*'-v7', '-v7.3'"):
        dl.save(f, "-append", x=1)
    with pytest.raises(ValueError, match="'-v8' is not valid; valid values are '-v7', '-v7.3'"):
        dl.save(f, "-v8", x=1)
    with pytest.raises(ValueError, match="keywords"):
        dl.save(f, "x")
    with pytest.raises(TypeError, match="flag must be a string"):
        dl.save(f, 3, x=1)
    with pytest.raises(ValueError, match="one version flag"):
        dl.save(f, "-v7", "-v7.3", x=1)
    for bad in ("_x", "end", "a" * 64, "\u00e4"):
        with pytest.raises(ValueError, match="not a valid MATLAB variable name"):
            dl.save(f, **{bad: 1})
    with pytest.raises(TypeError, match="filename"):
        dl.save(3, x=1)
    assert not f.exists()                                 # nothing written by a bad call
    dl.save(tmp_path / "noext", "-V7", x=1)               # ".mat" added, as MATLAB
    assert (tmp_path / "noext.mat").exists()
    assert dl.load(tmp_path / "noext") == {"x": 1}
    assert dl.load(str(tmp_path / "noext.mat"), "x") == {"x": 1}
    dl.save(f, filename="a variable")                     # filename is positional
    assert dl.load(f) == {"filename": "a variable"}


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")      # np.matrix
def test_unsaveable_values_are_errors_naming_the_path_and_write_nothing(tmp_path):
    f = tmp_path / "keep.mat"
    dl.save(f, old=1)
    before = f.read_bytes()
    net = dl.dlnetwork([dl.sequenceInputLayer(3, Normalization=lambda X: X * 2),
                        dl.lstmLayer(4)])
    cyclic = [1]
    cyclic.append(cyclic)
    cases = [
        ({"net": net}, TypeError, "net.Layers[0].Normalization is a Python function; a .mat "
                                  "file holds no code"),
        ({"ok": 1, "layers": [dl.lstmLayer(3, InputWeightsInitializer=lambda sz: np.ones(sz))]},
         TypeError, "layers[0].InputWeightsInitializer is a Python function"),
        ({"opts": dl.trainingOptions("adam", OutputFcn=lambda info: False)}, TypeError,
         "opts.OutputFcn is a Python function"),
        ({"d": {"f": print}}, TypeError, "d['f'] is a Python function"),
        ({"s": {1, 2}}, TypeError, "s is a builtins.set"),
        ({"b": [b"bytes"]}, TypeError, "b[0] is a builtins.bytes"),
        ({"big": 2 ** 64}, ValueError, "outside int64's range"),
        ({"c": cyclic}, ValueError, "c[1] contains itself"),
        ({"a": np.array(["x", "y"])}, TypeError, "a is an array of <U1"),
        ({"h": np.ones(2, np.float16)}, TypeError, "float16"),
        ({"m": np.matrix([[1.0]])}, TypeError, "numpy.asarray"),
        ({"cls": int}, TypeError, "cls is a Python class"),
    ]
    for variables, error, message in cases:
        with pytest.raises(error) as e:
            dl.save(f, **variables)
        assert message in str(e.value), str(e.value)
    assert f.read_bytes() == before


def test_load_names(tmp_path):
    f = tmp_path / "v.mat"
    dl.save(f, a=1, b="two", c=[3.0])
    got = dl.load(f, "c", "a")
    same(dict(sorted(got.items())), {"a": 1, "c": [3.0]})
    with pytest.raises(ValueError, match="'zz'.*it holds 'a', 'b', 'c'"):
        dl.load(f, "zz")
    with pytest.raises(TypeError, match="strings"):
        dl.load(f, 1)


class _Thing:
    def __init__(self, a):
        self.a = a


def test_register_class_checks_its_arguments_and_round_trips(tmp_path):
    to, back = (lambda o: {"A": o.a}), (lambda f: _Thing(f["A"]))
    for tag in ("dlnetwork", "tuple", "LSTMLayer", ""):
        with pytest.raises(ValueError, match="tag"):
            persist.register_class(tag, _Thing, to, back)
    with pytest.raises(TypeError, match="cls must be a class"):
        persist.register_class("Thing", "_Thing", to, back)
    for cls in (dict, dl.LSTMLayer, dl.dlnetwork, np.float64):
        with pytest.raises(ValueError, match="stores"):
            persist.register_class("Thing", cls, to, back)
    with pytest.raises(ValueError, match="not a valid MATLAB name"):
        persist.register_class("Thing", _Thing, to, back, fields=("a b",))
    persist.register_class("TestThing", _Thing, to, back, fields=("A",))
    loaded = roundtrip(tmp_path, "-v7", t=[_Thing(np.arange(3.0)[:, None])])["t"][0]
    assert type(loaded) is _Thing
    same(loaded.a, np.arange(3.0)[:, None])
    matfile.write(tmp_path / "b.mat", {"t": {"dlarrClass": "TestThing", "B": np.ones((1, 1))}})
    with pytest.raises(MatFileError, match="lacks field A and has unknown field B"):
        dl.load(tmp_path / "b.mat")
    assert persist.SAVE_FLAGS == ("-v7", "-v7.3", "-v6", "-nocompression")


def test_v6_and_nocompression_write_uncompressed_files_that_read_back(tmp_path):
    """MATLAB's -v6 (and -v7 -nocompression): format 5 without compression, read by scipy
    (an independent reader) and by dl.load the same as -v7."""
    import scipy.io
    net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(4)])
    X = np.arange(24.0).reshape(2, 3, 4)
    sizes = {}
    for flags in (("-v7",), ("-v6",), ("-nocompression",), ("-v7", "-NoCompression")):
        f = tmp_path / f"{'_'.join(flags).replace('-', '')}.mat"
        dl.save(str(f), *flags, net=net, X=X)
        raw = f.read_bytes()
        assert int.from_bytes(raw[128:132], "little") == (15 if flags == ("-v7",) else 14)
        S = dl.load(str(f))
        assert np.array_equal(S["X"], X)
        for a, b in zip(S["net"].Learnables.Value, net.Learnables.Value):
            assert np.array_equal(dl.extractdata(a), dl.extractdata(b))
        assert np.array_equal(scipy.io.loadmat(str(f))["X"], X)
        sizes[flags] = len(raw)
    assert sizes[("-v6",)] == sizes[("-nocompression",)] == sizes[("-v7", "-NoCompression")]
    with pytest.raises(ValueError, match="give one version flag"):
        dl.save(str(tmp_path / "x.mat"), "-v6", "-v7.3", X=X)
