"""Training and the spmd functions across MPI processes (``dlarr/core/spmd.py``,
``dlarr/training/parallel.py``).

The MPI tests write a small module to tmp_path and start ``mpiexec -n N python`` on it in
a subprocess with a time limit; the same module's functions, imported here, give the
single-process result the workers must reproduce.  They skip where mpi4py or mpiexec is
missing (``pip install 'dlarr[mpi]'`` gives both).
"""
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import dlarr as dl
from dlarr.core.spmd import spmdBarrier, spmdBroadcast, spmdCat, spmdIndex, spmdPlus, spmdSize

TIME_LIMIT = 120

CASES = textwrap.dedent('''
    import sys
    import numpy as np
    import dlarr as dl
    from dlarr.core.spmd import spmdBroadcast, spmdCat, spmdIndex, spmdPlus, spmdSize
    from dlarr.training.prediction import minibatchpredict
    from dlarr.training.train import trainnet


    def toy(n, C=2, seed=0, dtype=np.float32):
        rng = np.random.default_rng(seed)
        return [rng.standard_normal((C, int(rng.integers(4, 11)))).astype(dtype)
                for _ in range(n)]


    def values():
        r, n = spmdIndex(), spmdSize()
        X = {"a": [dl.dlarray(np.arange(6.0).reshape(2, 3) * (r + 1), "CB"),
                   np.full(4, r, dtype=np.float32)],
             "b": (np.int64(r), 2.5 * r)}
        S = spmdPlus(X)
        B = spmdBroadcast(n - 1, {"w": [np.full(3, 7.0 + r)], "name": "from the last"})
        C = spmdCat(dl.dlarray(np.full((2, r + 1), float(r)), "CB"), "B")
        P = spmdPlus(np.ones(2), 0)
        ds = dl.arrayDatastore(np.arange(10.0))               # a worker's share of the data
        mine = np.array(dl.readall(dl.partition(ds, n, r)), dtype=np.float64)
        mbq = dl.partition(dl.minibatchqueue(ds, MiniBatchSize=2, OutputAsDlarray=False), n, r)
        batches = [np.ravel(b) for b in mbq]
        return {"a0": dl.extractdata(S["a"][0]), "a0fmt": np.array(dims(S["a"][0])),
                "a1": S["a"][1], "a1dtype": np.array(S["a"][1].dtype.str),
                "b0": np.array(S["b"][0]), "b1": np.array(S["b"][1]),
                "bw": B["w"][0], "bname": np.array(B["name"]), "cat": dl.extractdata(C),
                "plus0": np.array(P is None if r else P.sum()),
                "ds": spmdCat(mine), "mbq": spmdCat(np.concatenate(batches))}


    def dims(x):
        return dl.dims(x)


    def custom_loop():
        """Gradient descent on a fully connected model, each worker on its part of the
        data, the gradients summed with spmdPlus (the loss divided by all observations)."""
        rng = np.random.default_rng(3)
        X, T = rng.standard_normal((4, 13)), rng.standard_normal((2, 13))
        params = {"fc": {"W": dl.dlarray(rng.standard_normal((2, 4))),
                         "b": dl.dlarray(np.zeros((2, 1)))}}
        r, n = spmdIndex(), spmdSize()
        part = np.array_split(np.arange(13), n)[r]
        Xd, Td = dl.dlarray(X[:, part], "CB"), dl.dlarray(T[:, part], "CB")

        def loss_fn(p, Xd, Td):
            Y = dl.fullyconnect(Xd, p["fc"]["W"], p["fc"]["b"])
            loss = dl.sum((Y - Td) ** 2, "all") / 13
            return loss, dl.dlgradient(loss, p)
        for _ in range(5):
            loss, grads = dl.dlfeval(loss_fn, params, Xd, Td)
            grads = spmdPlus(grads)
            params = {"fc": {k: params["fc"][k] - 0.1 * grads["fc"][k] for k in params["fc"]}}
        return {k: dl.extractdata(v) for k, v in params["fc"].items()}


    def learnables(net):
        return {f"p{i}": np.asarray(dl.extractdata(v)) for i, v in
                enumerate(net.Learnables.Value)}


    def seq2label(env):
        dl.rng(0)
        X = toy(40, seed=1)
        Y = np.array(["neg" if x[0].sum() < 0 else "pos" for x in X])
        layers = [dl.sequenceInputLayer(2), dl.lstmLayer(6, OutputMode="last"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
        Xv = toy(9, seed=7)
        Yv = np.array(["neg" if x[0].sum() < 0 else "pos" for x in Xv])
        opts = dl.trainingOptions("adam", ExecutionEnvironment=env, MaxEpochs=3,
                                  MiniBatchSize=10, Shuffle="every-epoch", Verbose=False,
                                  GradientThreshold=1, ValidationData=(Xv, Yv),
                                  ValidationFrequency=2)
        net, info = dl.trainNetwork(X, Y, layers, opts, nargout=2)
        out = learnables(net)
        out["vloss"] = np.nan_to_num(np.asarray(info["ValidationLoss"]), nan=-1.0)
        out["loss"] = np.asarray(info["TrainingLoss"])
        out["acc"] = np.asarray(info["TrainingAccuracy"])
        penv = "parallel" if env != "cpu" else "cpu"
        out["scores"] = np.stack(dl.predict(net, toy(11, seed=2), MiniBatchSize=3,
                                            ExecutionEnvironment=penv))
        return out


    def seq2seq(env):
        dl.rng(1)
        X = toy(30, seed=4)
        Y = [np.where(x[0] > 0, "up", "down") for x in X]
        layers = [dl.sequenceInputLayer(2), dl.lstmLayer(5, OutputMode="sequence"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
        opts = dl.trainingOptions("sgdm", ExecutionEnvironment=env, MaxEpochs=2,
                                  MiniBatchSize=10, SequenceLength=4, Verbose=False,
                                  InitialLearnRate=0.05)
        net, info = dl.trainNetwork(X, Y, layers, opts, nargout=2)
        out = learnables(net)
        out["loss"] = np.asarray(info["TrainingLoss"])
        out["acc"] = np.asarray(info["TrainingAccuracy"])
        return out


    def batchnorm(env):
        """Batch normalization's moving statistics, averaged over the workers' parts."""
        dl.rng(3)
        X = toy(20, seed=6)
        Y = np.array(["neg" if x[0].sum() < 0 else "pos" for x in X])
        layers = [dl.sequenceInputLayer(2), dl.lstmLayer(4, OutputMode="sequence"),
                  dl.batchNormalizationLayer(), dl.lstmLayer(3, OutputMode="last"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
        opts = dl.trainingOptions("adam", ExecutionEnvironment=env, MaxEpochs=2,
                                  MiniBatchSize=10, Verbose=False,
                                  BatchNormalizationStatistics="moving")
        net = dl.trainNetwork(X, Y, layers, opts)
        out = learnables(net)
        out["mean"] = np.asarray(dl.extractdata(net.Layers[2].TrainedMean))
        out["var"] = np.asarray(dl.extractdata(net.Layers[2].TrainedVariance))
        return out


    def trainnet64(env):
        """trainnet's "mse" (normalized by the unpadded steps) on a double network."""
        dl.rng(2)
        X = toy(24, seed=5, dtype=np.float64)
        Y = [np.cumsum(x[:1], axis=1) for x in X]
        net = dl.dlnetwork([dl.sequenceInputLayer(2), dl.lstmLayer(4, OutputMode="sequence"),
                            dl.fullyConnectedLayer(1)], Initialize=False)
        net.initialize(np.float64)
        opts = dl.trainingOptions("adam", ExecutionEnvironment=env, MaxEpochs=3,
                                  MiniBatchSize=8, Verbose=False)
        net = trainnet(X, Y, net, "mse", opts)
        out = learnables(net)
        out["pred"] = np.concatenate([p.ravel() for p in minibatchpredict(
            net, X[:7], MiniBatchSize=2, ExecutionEnvironment=env if env != "parallel-cpu"
            else "parallel")])
        return out


    def scalars():
        """MATLAB's spmdCat(spmdIndex) is a column of the indices; plus on logicals gives
        doubles, on integers saturates."""
        r = spmdIndex()
        return {"cat_int": spmdCat(r), "cat_0d": spmdCat(np.array(float(r))),
                "plus_bool": np.asarray(spmdPlus(np.array([True, r == 0]))),
                "plus_int8": np.asarray(spmdPlus(np.array([100, -100, 1], np.int8)))}


    def outputfcn(env):
        """An OutputFcn that stops at iteration 3: MATLAB calls it on the client only, so
        worker 0 calls it and its decision stops every worker."""
        dl.rng(0)
        X = toy(40, seed=1)
        Y = np.array(["neg" if x[0].sum() < 0 else "pos" for x in X])
        layers = [dl.sequenceInputLayer(2), dl.lstmLayer(6, OutputMode="last"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
        calls = []

        def stop_at_3(info):
            calls.append(info["Iteration"])
            return info["Iteration"] == 3

        opts = dl.trainingOptions("adam", ExecutionEnvironment=env, MaxEpochs=3,
                                  MiniBatchSize=10, Verbose=False, OutputFcn=stop_at_3)
        net, info = dl.trainNetwork(X, Y, layers, opts, nargout=2)
        out = learnables(net)
        out["loss"] = np.asarray(info["TrainingLoss"])
        out["calls"] = np.asarray(calls if spmdIndex() == 0 else [], dtype=np.int64)
        out["my_calls"] = np.asarray(len(calls) if spmdIndex() == 0 else 0)
        out["others_called"] = np.asarray(spmdIndex() != 0 and len(calls) > 0)
        return out


    def patience(env):
        """Validation on every worker, and ValidationPatience stops training early: every
        worker stops at the one process's iteration."""
        dl.rng(0)
        X, XV = toy(40, seed=1), toy(12, seed=2)
        label = lambda xs: np.array(["neg" if x[0].sum() < 0 else "pos" for x in xs])
        layers = [dl.sequenceInputLayer(2), dl.lstmLayer(6, OutputMode="last"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
        opts = dl.trainingOptions("sgdm", ExecutionEnvironment=env, MaxEpochs=20,
                                  MiniBatchSize=10, Verbose=False, InitialLearnRate=0.5,
                                  ValidationData=(XV, label(XV)), ValidationFrequency=1,
                                  ValidationPatience=2, OutputNetwork="last-iteration")
        net, info = dl.trainNetwork(X, label(X), layers, opts, nargout=2)
        out = learnables(net)
        out["loss"] = np.asarray(info["TrainingLoss"])
        return out


    def bnspread(env):
        """One iteration on feature data whose two halves (the two workers' parts) have
        channel means -5 and +5: the moving variance must hold the spread between them."""
        rng = np.random.default_rng(3)
        X = rng.standard_normal((40, 2)) + np.repeat([[-5.0], [5.0]], 20, axis=0)
        Y = np.array(["a", "b"] * 20)
        dl.rng(0)
        layers = [dl.featureInputLayer(2), dl.batchNormalizationLayer(),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
        opts = dl.trainingOptions("sgdm", ExecutionEnvironment=env, MaxEpochs=1,
                                  MiniBatchSize=40, Shuffle="never", Verbose=False)
        net = dl.trainNetwork(X, Y, layers, opts)
        bn = net.Layers[1]
        return {"mean": np.asarray(dl.extractdata(bn.TrainedMean), np.float64).ravel(),
                "var": np.asarray(dl.extractdata(bn.TrainedVariance), np.float64).ravel(),
                "data_var": X.var(axis=0, ddof=1), "data_mean": X.mean(axis=0),
                "part_var": np.stack([X[:20].var(axis=0, ddof=1), X[20:].var(axis=0, ddof=1)]),
                "decay": np.asarray([bn.MeanDecay, bn.VarianceDecay])}


    def bnchunks(env):
        """Sequence-to-sequence with SequenceLength 5 on 10 steps: two iterations a
        mini-batch, the second starting from the first's pooled statistics."""
        rng = np.random.default_rng(3)
        X = [(rng.standard_normal((2, 10)) + (-5.0 if i < 20 else 5.0)).astype(np.float32)
             for i in range(40)]
        Y = [np.array(["a", "b"] * 5) for _ in range(40)]
        dl.rng(0)
        layers = [dl.sequenceInputLayer(2), dl.batchNormalizationLayer(),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
        opts = dl.trainingOptions("sgdm", ExecutionEnvironment=env, MaxEpochs=1,
                                  MiniBatchSize=40, Shuffle="never", Verbose=False,
                                  InitialLearnRate=1e-30, SequenceLength=5)
        bn = dl.trainNetwork(X, Y, layers, opts).Layers[1]
        return {"mean": np.asarray(dl.extractdata(bn.TrainedMean), np.float64).ravel(),
                "var": np.asarray(dl.extractdata(bn.TrainedVariance), np.float64).ravel()}


    if __name__ == "__main__":
        case, folder = sys.argv[1], sys.argv[2]
        res = globals()[case](*sys.argv[3:])
        np.savez(f"{folder}/{case}_{spmdIndex()}.npz", **res)
''')


def _mpi_ready():
    try:
        import mpi4py.MPI  # noqa: F401
    except Exception as e:          # no mpi4py, or no MPI library under it
        return f"mpi4py cannot be imported ({type(e).__name__}: {e})"
    if shutil.which("mpiexec") is None:
        return "no mpiexec on PATH (pip install 'dlarr[mpi]' installs MPICH's)"
    return None


def _skip_without_mpi():
    why = _mpi_ready()
    if why:
        pytest.skip(why)


def _mpiexec(n, script, *args, check=True):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    try:
        proc = subprocess.run(["mpiexec", "-n", str(n), sys.executable, str(script),
                               *map(str, args)], capture_output=True, text=True, env=env,
                              timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"mpiexec -n {n} did not finish in {TIME_LIMIT} s (a hang): {e.stderr}")
    if check and proc.returncode != 0:
        pytest.fail(f"mpiexec -n {n} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def cases(tmp_path, monkeypatch):
    path = tmp_path / "mpi_cases.py"
    path.write_text(CASES)
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib
    sys.modules.pop("mpi_cases", None)
    mod = importlib.import_module("mpi_cases")
    yield mod, path, tmp_path
    sys.modules.pop("mpi_cases", None)


def _results(folder, case, n):
    return [dict(np.load(folder / f"{case}_{r}.npz")) for r in range(n)]


def _assert_close(got, want, rtol, what):
    assert set(got) == set(want), what
    for k in want:
        assert got[k].shape == want[k].shape, f"{what} {k}: {got[k].shape} != {want[k].shape}"
        if want[k].dtype.kind in "fc":
            scale = max(np.abs(want[k]).max(), 1e-30)
            err = np.abs(got[k] - want[k]).max() / scale
            assert err < rtol, f"{what} {k}: relative error {err:.3g} >= {rtol}"
        else:
            np.testing.assert_array_equal(got[k], want[k], err_msg=f"{what} {k}")


# --------------------------------------------------------------------------
# Without MPI: one worker
# --------------------------------------------------------------------------

def test_one_worker_without_mpi():
    assert spmdIndex() == 0 and spmdSize() == 1
    X = {"g": [dl.dlarray(np.ones((2, 3)), "CB")], "n": 3}
    assert spmdPlus(X) is X and spmdBroadcast(0, X) is X
    A = dl.dlarray(np.ones((2, 3)), "CB")
    assert spmdCat(A, "B") is A and spmdCat(np.ones(3)) is not None
    spmdBarrier()
    with pytest.raises(ValueError, match=r"spmdBroadcast: source must be a worker index from 0 "
                                         r"to 0 \(0-based; spmdSize\(\) is 1\), not 1"):
        spmdBroadcast(1, X)
    with pytest.raises(ValueError, match="spmdPlus: destination must be a worker index"):
        spmdPlus(X, 2)
    with pytest.raises(ValueError, match="spmdCat: dim 'T' is a label, so X must be a dlarray "
                                         "with that label"):
        spmdCat(A, "T")
    with pytest.raises(ValueError, match=r"spmdCat: dim must be a 0-based dimension of X "
                                         r"\(0 to 1\)"):
        spmdCat(np.ones((2, 2)), 2)
    with pytest.raises(TypeError, match="spmdCat: X must be a dlarray, an array or a number, not list"):
        spmdCat([1, 2])


class _FakeComm:
    """An MPI communicator of `size` workers seen from worker `rank`: collectives on
    Python objects return what worker 0 (bcast) or all of them (allreduce) would give."""

    def __init__(self, rank=0, size=2, others_usable=True):
        self.rank, self.size, self.others_usable = rank, size, others_usable
        self.calls = []

    def Get_rank(self):
        return self.rank

    def Get_size(self):
        return self.size

    def bcast(self, obj, root=0):
        self.calls.append(("bcast", obj))
        return obj if self.rank == root else "uid-of-worker-0"

    def allgather(self, obj):
        sig, vote = obj                              # the structure check's (sig, vote)
        mine = [(sig, vote)]
        return mine + [(sig, self.others_usable)] if self.rank == 0 else \
            [(sig, self.others_usable)] + mine

    def Allreduce(self, sendbuf, recvbuf, op=None):
        a = getattr(recvbuf, "a", recvbuf)           # a stand-in CuPy array's memory
        self.calls.append(("Allreduce", type(recvbuf).__module__))
        a[...] *= self.size                          # every worker holds the same values


def _fake_cupy():
    """A stand-in for CuPy on the host: its ndarray (a NumPy array with a device pointer),
    a stream, and cupy.cuda.nccl recording its calls."""
    import types
    cupy = types.ModuleType("cupy")
    log = []

    class ndarray:                    # noqa: N801  (CuPy's name, what is_cupy_array checks)
        def __init__(self, a):
            self.a = np.ascontiguousarray(a)
            self.dtype, self.size, self.shape = self.a.dtype, self.a.size, self.a.shape
            self.data = types.SimpleNamespace(ptr=self.a.ctypes.data)

        def get(self):
            return self.a.copy()
    ndarray.__module__ = "cupy"

    class NcclCommunicator:
        def __init__(self, n, uid, rank):
            log.append(("init", n, uid, rank))

        def allReduce(self, send, recv, count, dtype, op, stream):
            log.append(("allReduce", send, recv, count, dtype, op, stream))

    nccl = types.SimpleNamespace(available=True, NCCL_FLOAT32=7, NCCL_FLOAT64=8,
                                 NCCL_SUM=0, get_unique_id=lambda: "uid-0",
                                 NcclCommunicator=NcclCommunicator)
    cupy.ndarray, cupy.asarray = ndarray, ndarray
    cupy.cuda = types.SimpleNamespace(
        nccl=nccl,
        get_current_stream=lambda: types.SimpleNamespace(ptr=1234, synchronize=lambda: None))
    return cupy, log


@pytest.mark.parametrize("rank", [0, 1])
def test_nccl_reduces_cupy_buffers_when_every_worker_votes_for_it(monkeypatch, rank):
    """The GPU exchange's glue, on a stand-in CuPy (no GPU here).  A worker votes for NCCL
    when all its arrays are CuPy ones and its CuPy has NCCL (DLARR_NCCL=0: never); the
    votes travel in a collective the workers make anyway (spmdPlus's structure check, the
    start of training), so a CPU worker beside GPU ones makes the same calls.  With every
    vote: one communicator from worker 0's unique id, reused, float32 and float64 reduced in
    place on the current stream; otherwise MPI, through the host or as device buffers
    (DLARR_CUDA_AWARE_MPI=1)."""
    pytest.importorskip("mpi4py")
    from dlarr.core import spmd
    cupy, log = _fake_cupy()
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setattr(spmd, "_NCCL", {})
    monkeypatch.delenv("DLARR_NCCL", raising=False)
    gpu = cupy.ndarray(np.ones(2, np.float32))
    assert spmd.nccl_vote([gpu, gpu]) and not spmd.nccl_vote([gpu, np.ones(2)])
    assert not spmd.nccl_vote([np.ones(2)]) and not spmd.nccl_vote([])
    monkeypatch.setenv("DLARR_NCCL", "0")
    assert not spmd.nccl_vote([gpu])
    monkeypatch.delenv("DLARR_NCCL")
    monkeypatch.setattr(cupy.cuda.nccl, "available", False)     # a CuPy without NCCL
    assert not spmd.nccl_vote([gpu])
    monkeypatch.setattr(cupy.cuda.nccl, "available", True)
    # the structure check carries the votes: everyone's yes, or no
    for other, want in ((True, True), (False, False)):
        c = _FakeComm(rank=rank, others_usable=other)
        assert spmd._check_same_structure(c, [gpu], [gpu], "spmdPlus") is want
    # every worker voted yes: NCCL
    c = _FakeComm(rank=rank)
    for dt, code in ((np.float32, 7), (np.float64, 8), (np.float32, 7)):
        buf = cupy.ndarray(np.arange(5, dtype=dt))
        assert spmd.allreduce_flat(c, buf, nccl=True) is buf
        assert log[-1] == ("allReduce", buf.data.ptr, buf.data.ptr, 5, code, 0, 1234)
    assert [e for e in log if e[0] == "init"] == [("init", 2, "uid-0" if rank == 0 else
                                                   "uid-of-worker-0", rank)]
    assert c.calls == [("bcast", "uid-0" if rank == 0 else None)]
    # integers are not NCCL's here: MPI, staged through the host
    ints = cupy.ndarray(np.arange(3))
    out = spmd.allreduce_flat(c, ints, nccl=True)
    assert isinstance(out, cupy.ndarray) and np.array_equal(out.a, 2 * np.arange(3))
    # no agreement: device buffers to a CUDA-aware MPI, host arrays as they are
    n = len(log)
    monkeypatch.setenv("DLARR_CUDA_AWARE_MPI", "1")
    c2 = _FakeComm(rank=rank)
    buf = cupy.ndarray(np.ones(4, np.float32))
    assert spmd.allreduce_flat(c2, buf) is buf and np.array_equal(buf.a, np.full(4, 2.0))
    host = np.ones(3, np.float32)
    assert spmd.allreduce_flat(c2, host) is host and np.array_equal(host, np.full(3, 2.0))
    assert len(log) == n and c2.calls == [("Allreduce", "cupy"), ("Allreduce", "numpy")]


def test_import_dlarr_imports_no_mpi4py():
    code = "import sys, dlarr; assert 'mpi4py' not in sys.modules, 'mpi4py imported'"
    env = {k: v for k, v in os.environ.items() if k != "DLARR_MPI"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_parallel_without_mpiexec_says_how_to_start(cases):
    mod = cases[0]
    with pytest.warns(UserWarning, match=r"mpiexec -n N python script.py"):
        parallel = mod.seq2label("parallel")
    _assert_close(parallel, mod.seq2label("cpu"), 1e-6, "one worker")


def test_multi_gpu_needs_a_gpu():
    if dl.canUseGPU():
        pytest.skip("a GPU is there")
    X = [np.ones((1, 3), np.float32)] * 4
    opts = dl.trainingOptions("sgdm", ExecutionEnvironment="multi-gpu", Verbose=False)
    layers = [dl.sequenceInputLayer(1), dl.lstmLayer(2, OutputMode="last"),
              dl.fullyConnectedLayer(1), dl.regressionLayer()]
    with pytest.raises(RuntimeError, match="trainNetwork: ExecutionEnvironment is 'multi-gpu', "
                                           "which needs a GPU on every worker"):
        dl.trainNetwork(X, np.ones((4, 1)), layers, opts)


def test_execution_environment_values():
    for env in ("parallel", "multi-gpu", "parallel-cpu"):
        assert dl.trainingOptions("sgdm", ExecutionEnvironment=env).ExecutionEnvironment == env
    with pytest.raises(ValueError, match="ExecutionEnvironment 'par' is ambiguous"):
        dl.trainingOptions("sgdm", ExecutionEnvironment="par")
    with pytest.raises(ValueError, match="ExecutionEnvironment"):
        dl.predict(dl.SeriesNetwork([dl.sequenceInputLayer(1), dl.lstmLayer(1),
                                     dl.fullyConnectedLayer(1), dl.regressionLayer()]),
                   [np.ones((1, 3))], ExecutionEnvironment="parallel-gpu")


# --------------------------------------------------------------------------
# mpiexec -n 2 and -n 3
# --------------------------------------------------------------------------

@pytest.mark.parametrize("n", [3])
def test_spmd_functions_on_nested_structures(cases, n):
    _skip_without_mpi()
    mod, script, folder = cases
    _mpiexec(n, script, "values", folder)
    tri = n * (n + 1) // 2
    for r, got in enumerate(_results(folder, "values", n)):
        np.testing.assert_array_equal(got["a0"], np.arange(6.0).reshape(2, 3) * tri)
        assert str(got["a0fmt"]) == "CB" and str(got["a1dtype"]) == "<f4"
        np.testing.assert_array_equal(got["a1"], np.full(4, n * (n - 1) / 2, np.float32))
        assert int(got["b0"]) == n * (n - 1) // 2 and float(got["b1"]) == 2.5 * n * (n - 1) / 2
        np.testing.assert_array_equal(got["bw"], np.full(3, 7.0 + n - 1))
        assert str(got["bname"]) == "from the last"
        np.testing.assert_array_equal(got["cat"], np.concatenate(
            [np.full((2, k + 1), float(k)) for k in range(n)], axis=1))
        assert (float(got["plus0"]) == 2 * n) if r == 0 else bool(got["plus0"])
        np.testing.assert_array_equal(got["ds"], np.arange(10.0))   # shards, in order
        np.testing.assert_array_equal(got["mbq"], np.arange(10.0))


def test_example_trains_on_two_workers():
    _skip_without_mpi()
    import pathlib
    example = pathlib.Path(__file__).resolve().parent.parent / "examples" / \
        "japanese_vowels_parallel.py"
    out = _mpiexec(2, example, "--epochs", 8).stdout
    assert out.count("Training finished") == 1, out           # worker 0 alone prints
    assert float(out.split("acc = ")[1].split()[0]) > 0.7


def test_custom_loop_with_spmdplus_equals_one_process(cases):
    _skip_without_mpi()
    mod, script, folder = cases
    _mpiexec(3, script, "custom_loop", folder)
    want = mod.custom_loop()
    for got in _results(folder, "custom_loop", 3):
        _assert_close(got, want, 1e-12, "custom loop")


@pytest.mark.parametrize("n", [2, 3])
def test_trainnetwork_parallel_equals_one_process(cases, n):
    """Sequence-to-label (with "parallel" prediction, 3-observation mini-batches) and
    sequence-to-sequence (SequenceLength chunks) in float32; MiniBatchSize 10 splits
    unevenly across 3 workers."""
    _skip_without_mpi()
    mod, script, folder = cases
    for case in ("seq2label", "seq2seq"):
        _mpiexec(n, script, case, folder, "parallel")
        want = getattr(mod, case)("cpu")
        for r, got in enumerate(_results(folder, case, n)):
            _assert_close(got, want, 1e-5, f"{case} worker {r} of {n}")


def test_spmd_on_scalars_logicals_and_integers(cases):
    _skip_without_mpi()
    _, script, folder = cases
    _mpiexec(3, script, "scalars", folder)
    for got in _results(folder, "scalars", 3):
        np.testing.assert_array_equal(got["cat_int"], [0, 1, 2])
        np.testing.assert_array_equal(got["cat_0d"], [0.0, 1.0, 2.0])
        assert got["plus_bool"].dtype == np.float64
        np.testing.assert_array_equal(got["plus_bool"], [3.0, 1.0])
        assert got["plus_int8"].dtype == np.int8
        np.testing.assert_array_equal(got["plus_int8"], [127, -128, 3])


def test_output_fcn_runs_on_worker_0_and_its_stop_holds_for_all(cases):
    """Without the shared decision, worker 0 would stop at iteration 3 and the others wait
    in the next exchange forever."""
    _skip_without_mpi()
    mod, script, folder = cases
    _mpiexec(2, script, "outputfcn", folder, "parallel")
    want = mod.outputfcn("cpu")
    assert len(want["loss"]) == 3 and list(want["calls"])[-1] == 3
    got = _results(folder, "outputfcn", 2)
    assert not got[1]["others_called"]
    want_1 = {**want, "calls": np.zeros(0, np.int64), "my_calls": np.asarray(0)}
    _assert_close(got[0], want, 1e-5, "worker 0")
    _assert_close(got[1], want_1, 1e-5, "worker 1")


def test_validation_patience_stops_every_worker_at_one_process_iteration(cases):
    _skip_without_mpi()
    mod, script, folder = cases
    want = mod.patience("cpu")
    assert 0 < len(want["loss"]) < 80          # stopped early (80 iterations at most)
    _mpiexec(2, script, "patience", folder, "parallel")
    for r, got in enumerate(_results(folder, "patience", 2)):
        _assert_close(got, want, 1e-5, f"worker {r}")


def test_batch_normalization_moving_variance_pools_the_parts(cases):
    """MATLAB's moving variance after one iteration on the whole mini-batch is
    VarianceDecay * var(X) + (1 - VarianceDecay) * 1; across workers the parts' variances
    (about 1 each) averaged would miss the spread of their means (about 25): pooled, the
    result is the one process's up to the parts' N/(N-1) corrections (a few percent)."""
    _skip_without_mpi()
    mod, script, folder = cases
    one = mod.bnspread("cpu")
    dm, dv = one["decay"]
    np.testing.assert_allclose(one["var"], dv * one["data_var"] + (1 - dv), rtol=1e-5)
    np.testing.assert_allclose(one["mean"], dm * one["data_mean"], rtol=1e-4, atol=1e-5)
    _mpiexec(2, script, "bnspread", folder, "parallel")
    for r, got in enumerate(_results(folder, "bnspread", 2)):
        np.testing.assert_allclose(got["mean"], one["mean"], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got["var"], one["var"], rtol=0.05)
    averaged = dv * one["part_var"].mean(axis=0) + (1 - dv)   # averaging the parts alone
    assert np.all(np.abs(averaged - one["var"]) > 0.5 * one["var"]), (averaged, one["var"])


def test_batch_normalization_pooling_across_sequence_chunks(cases):
    """Each chunk's pooling starts from the statistics the workers share (the previous
    chunk's pooled ones), not from a worker's own: the result is one process's."""
    _skip_without_mpi()
    mod, script, folder = cases
    one = mod.bnchunks("cpu")
    _mpiexec(2, script, "bnchunks", folder, "parallel")
    for got in _results(folder, "bnchunks", 2):
        np.testing.assert_allclose(got["mean"], one["mean"], rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(got["var"], one["var"], rtol=0.02)


def test_batch_normalization_statistics_agree_on_every_worker(cases):
    """Each part has its own batch statistics (as in MATLAB), so the network is not one
    process's, but the moving statistics are averaged: every worker ends with the same."""
    _skip_without_mpi()
    mod, script, folder = cases
    _mpiexec(2, script, "batchnorm", folder, "parallel")
    got = _results(folder, "batchnorm", 2)
    _assert_close(got[1], got[0], 1e-12, "worker 1 against worker 0")
    one = mod.batchnorm("cpu")
    assert np.abs(got[0]["mean"] - one["mean"]).max() < 0.1 * np.abs(one["mean"]).max()


def test_trainnet_parallel_equals_one_process(cases):
    """trainnet's "mse" on sequences (normalized by the unpadded steps, so the parts are
    weighted by their steps).  The network is double, but training casts the data to single
    as MATLAB does (and single wins), so the bound is float32's; the float64 bound is the
    custom loop's."""
    _skip_without_mpi()
    mod, script, folder = cases
    _mpiexec(3, script, "trainnet64", folder, "parallel-cpu")
    want = mod.trainnet64("cpu")
    assert want["p0"].dtype == np.float64
    for r, got in enumerate(_results(folder, "trainnet64", 3)):
        _assert_close(got, want, 1e-6, f"trainnet worker {r}")


FAULTS = textwrap.dedent('''
    import sys
    import numpy as np
    import dlarr as dl
    from dlarr.core.spmd import spmdIndex

    X = [np.ones((2, 4), np.float32) * k for k in range(12)]
    Y = np.array(["a", "b"] * 6)
    layers = lambda h: [dl.sequenceInputLayer(2), dl.lstmLayer(h, OutputMode="last"),
                        dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
    opts = lambda **kw: dl.trainingOptions("sgdm", ExecutionEnvironment="parallel",
                                           MaxEpochs=50, Verbose=False, **kw)
    if sys.argv[1] == "early":             # before any spmd call: the launcher's rank
        import os
        from dlarr.core.spmd import spmdBarrier
        if os.environ.get("PMI_RANK", os.environ.get("OMPI_COMM_WORLD_RANK")) == "1":
            raise RuntimeError("worker one failed before any exchange")
        spmdBarrier()                      # worker 0 waits here for worker 1
    elif sys.argv[1] == "alone":            # worker 0 finishes without ever starting MPI
        import os
        if os.environ.get("PMI_RANK", os.environ.get("OMPI_COMM_WORLD_RANK")) == "1":
            raise RuntimeError("worker one failed; worker zero never starts MPI")
    elif sys.argv[1] == "small-batch":
        try:
            dl.trainNetwork(X, Y, layers(3), opts(MiniBatchSize=2))
        except ValueError as e:
            print(f"worker {spmdIndex()} error: {e}")
    elif sys.argv[1] == "mismatch":
        try:
            dl.trainNetwork(X, Y, layers(3 + spmdIndex()), opts(MiniBatchSize=6))
        except ValueError as e:
            print(f"worker {spmdIndex()} error: {e}")
    else:                                  # worker 1 fails at its third mini-batch
        import dlarr.training.loop as loop
        if spmdIndex() == 1:
            batch, calls = loop._batch, []

            def failing(*args, **kwargs):
                calls.append(1)
                if len(calls) == 3:
                    raise RuntimeError("worker one failed in training")
                return batch(*args, **kwargs)
            loop._batch = failing
        dl.trainNetwork(X, Y, layers(3), opts(MiniBatchSize=6))
''')


def test_worker_fault_ends_every_worker_with_its_message(tmp_path):
    _skip_without_mpi()
    script = tmp_path / "faults.py"
    script.write_text(FAULTS)
    proc = _mpiexec(2, script, "raise", check=False)
    assert proc.returncode != 0
    err = proc.stderr
    assert "[dlarr worker 1 of 2] RuntimeError: worker one failed in training" in err, err
    assert "aborting every worker" in err
    proc = _mpiexec(2, script, "early", check=False)
    assert proc.returncode != 0
    assert "[dlarr worker 1 of 2] RuntimeError: worker one failed before any exchange" in \
        proc.stderr, proc.stderr


def test_worker_failing_while_the_others_never_start_mpi_ends(tmp_path, monkeypatch):
    """MPI_Init (to abort) would wait for ever for a worker that never starts MPI: the
    failing worker prints its error first and ends itself after DLARR_ABORT_WAIT s."""
    import time
    _skip_without_mpi()
    script = tmp_path / "faults.py"
    script.write_text(FAULTS)
    monkeypatch.setenv("DLARR_ABORT_WAIT", "3")
    t0 = time.perf_counter()
    proc = _mpiexec(2, script, "alone", check=False)
    assert proc.returncode != 0
    assert time.perf_counter() - t0 < 60
    assert "[dlarr worker 1 of 2] RuntimeError: worker one failed; worker zero never " \
           "starts MPI" in proc.stderr, proc.stderr
    assert "this worker ends in 3 s (DLARR_ABORT_WAIT)" in proc.stderr, proc.stderr


def test_worker_errors_at_the_start(tmp_path):
    _skip_without_mpi()
    script = tmp_path / "faults.py"
    script.write_text(FAULTS)
    out = _mpiexec(3, script, "small-batch").stdout
    for r in range(3):
        assert f"worker {r} error: trainNetwork: MiniBatchSize 2 (with 12 observations) is " \
               f"smaller than the 3 workers" in out, out
    out = _mpiexec(2, script, "mismatch").stdout
    for r in range(2):
        assert f"worker {r} error: trainNetwork: the workers' networks differ: layer " in out
        assert "on worker 0 but (16, 2) float32 on worker 1" in out, out
