"""Checkpoints (issue 12): trainingOptions' CheckpointPath/CheckpointFrequency/
CheckpointFrequencyUnit write the network and the training position with dl.save,
atomically; ResumeFrom continues a run so that its final learnables are the
uninterrupted run's, bit for bit, also after the training process was killed with
SIGKILL in the middle of an epoch or in the middle of writing a checkpoint."""
import glob
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import dlarr as dl

pytest.importorskip("scipy")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _data(n=24):
    rs = np.random.default_rng(0)
    X = [rs.random((3, int(k))) for k in rs.integers(5, 12, n)]
    Y = dl.categorical(["a" if x[0].mean() > 0.5 else "b" for x in X])
    return X, Y


def _layers():
    return [dl.sequenceInputLayer(3), dl.lstmLayer(6, OutputMode="last"), dl.dropoutLayer(0.2),
            dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]


def _opts(solver="adam", **kw):
    kw = {"MaxEpochs": 4, "MiniBatchSize": 6, "Verbose": False, "Shuffle": "every-epoch", **kw}
    return dl.trainingOptions(solver, **kw)


def _checkpoints(folder):
    return sorted(glob.glob(os.path.join(folder, "net_checkpoint__*.mat")),
                  key=lambda f: int(os.path.basename(f).split("__")[1]))


def _same(a, b):
    return all(np.array_equal(dl.extractdata(x), dl.extractdata(y))
               for x, y in zip(a.Learnables.Value, b.Learnables.Value))


@pytest.mark.parametrize("solver", ["adam", "sgdm", "rmsprop"])
def test_resuming_from_every_iteration_checkpoint_gives_the_uninterrupted_result(tmp_path,
                                                                                solver):
    X, Y = _data()
    dl.rng(1)
    full = dl.trainNetwork(X, Y, _layers(), _opts(solver))
    dl.rng(1)
    ck = dl.trainNetwork(X, Y, _layers(), _opts(solver, CheckpointPath=str(tmp_path),
                                                CheckpointFrequency=3,
                                                CheckpointFrequencyUnit="iteration"))
    assert _same(ck, full)                       # writing checkpoints changes nothing
    files = _checkpoints(tmp_path)
    assert [int(os.path.basename(f).split("__")[1]) for f in files] == [3, 6, 9, 12, 15]
    for f in files:
        dl.rng(12345)                            # the checkpoint's random state is used
        resumed = dl.trainNetwork(X, Y, _layers(), _opts(solver), ResumeFrom=f)
        assert _same(resumed, full), os.path.basename(f)
        assert not _same(dl.load(f)["net"], full)


def test_epoch_checkpoints_their_content_and_matlabs_way_to_resume(tmp_path):
    X, Y = _data()
    dl.rng(2)
    full, info = dl.trainNetwork(X, Y, _layers(), _opts(CheckpointPath=str(tmp_path),
                                                        CheckpointFrequency=2), nargout=2)
    files = _checkpoints(tmp_path)
    assert [int(os.path.basename(f).split("__")[1]) for f in files] == [8, 16]
    name = os.path.basename(files[0])
    assert re.fullmatch(r"net_checkpoint__8__\d{4}_\d\d_\d\d__\d\d_\d\d_\d\d\.mat", name), name
    S = dl.load(files[-1])
    assert set(S) == {"net", "dlarrTraining"}
    assert isinstance(S["net"], dl.SeriesNetwork) and _same(S["net"], full)
    t = S["dlarrTraining"]
    assert (t["Iteration"], t["Epoch"], t["BatchesDone"], t["Solver"]) == (16, 4, 4, "adam")
    assert sorted(np.asarray(t["Order"]).ravel().tolist()) == list(range(24))
    import scipy.io                              # an independent reader sees plain structs
    raw = scipy.io.loadmat(files[0])
    assert "net" in raw and "dlarrTraining" in raw
    # MATLAB's way: train the checkpoint network's layers on (a fresh solver)
    net = dl.trainNetwork(X, Y, S["net"].Layers, _opts(MaxEpochs=1))
    assert isinstance(net, dl.SeriesNetwork)
    dl.rng(7)
    resumed = dl.trainNetwork(X, Y, _layers(), _opts(), ResumeFrom=files[0])
    assert _same(resumed, full)


def test_trainnet_resumes_too(tmp_path):
    X, Y = _data()
    layers = _layers()[:-1]
    opts = _opts(CheckpointPath=str(tmp_path), CheckpointFrequency=5,
                 CheckpointFrequencyUnit="iteration")
    dl.rng(3)
    full = dl.trainnet(X, Y, layers, "crossentropy", opts)
    f = _checkpoints(tmp_path)[1]
    assert isinstance(dl.load(f)["net"], dl.dlnetwork)
    resumed = dl.trainnet(X, Y, layers, "crossentropy", _opts(), ResumeFrom=f)
    assert _same(resumed, full)
    again = dl.trainnet(X, Y, layers, "crossentropy", _opts(), "ResumeFrom", f)  # MATLAB's pairs
    assert _same(again, full)


def test_bad_checkpoint_options_and_resume_files(tmp_path):
    X, Y = _data()
    with pytest.raises(ValueError, match="CheckpointPath must be an existing folder"):
        dl.trainingOptions("adam", CheckpointPath=str(tmp_path / "missing"))
    with pytest.raises(TypeError, match="CheckpointPath must be a folder name"):
        dl.trainingOptions("adam", CheckpointPath=3)
    with pytest.raises(ValueError, match="CheckpointFrequency must be a positive integer"):
        dl.trainingOptions("adam", CheckpointFrequency=0)
    with pytest.raises(ValueError, match="CheckpointFrequencyUnit"):
        dl.trainingOptions("adam", CheckpointFrequencyUnit="week")
    with pytest.raises(TypeError, match="ResumeFrom must be the name of a checkpoint file"):
        dl.trainNetwork(X, Y, _layers(), _opts(), ResumeFrom=3)
    other = tmp_path / "other.mat"
    dl.save(str(other), x=1.0)
    with pytest.raises(ValueError, match="is not a dlarr checkpoint"):
        dl.trainNetwork(X, Y, _layers(), _opts(), ResumeFrom=str(other))
    dl.rng(0)
    dl.trainNetwork(X, Y, _layers(), _opts(MaxEpochs=1, CheckpointPath=str(tmp_path)))
    f = _checkpoints(tmp_path)[0]
    with pytest.raises(ValueError, match="the checkpoint's network has layers"):
        dl.trainNetwork(X, Y, _layers()[:1] + [dl.gruLayer(6, OutputMode="last")] +
                        _layers()[2:], _opts(), ResumeFrom=f)
    with pytest.raises(ValueError, match="written training on 24 observations"):
        dl.trainNetwork(X[:18], Y[:18], _layers(), _opts(), ResumeFrom=f)
    with pytest.raises(ValueError, match="solver 'adam', the options say 'sgdm'"):
        dl.trainNetwork(X, Y, _layers(), _opts("sgdm"), ResumeFrom=f)
    with pytest.raises(ValueError, match="trainnet resumes a dlnetwork"):
        dl.trainnet(X, Y, _layers()[:-1], "crossentropy", _opts(), ResumeFrom=f)


# ----- killed processes ----------------------------------------------------------------------

_SCRIPT = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    import dlarr as dl
    mode, folder, out = sys.argv[1], sys.argv[2], sys.argv[3]
    rs = np.random.default_rng(0)
    X = [rs.random((3, int(k))) for k in rs.integers(5, 12, 24)]
    Y = dl.categorical(["a" if x[0].mean() > 0.5 else "b" for x in X])
    layers = [dl.sequenceInputLayer(3), dl.lstmLayer(6, OutputMode="last"),
              dl.dropoutLayer(0.2), dl.fullyConnectedLayer(2), dl.softmaxLayer(),
              dl.classificationLayer()]
    def slow(info):                  # give the parent time to kill us mid-epoch
        time.sleep(0.05)
        return False
    kw = dict(MaxEpochs=4, MiniBatchSize=6, Verbose=False, Shuffle="every-epoch")
    if mode in ("kill", "kill-in-write"):
        kw.update(CheckpointPath=folder, CheckpointFrequency=1,
                  CheckpointFrequencyUnit="iteration", OutputFcn=slow)
    if mode == "kill-in-write":      # stop inside the third checkpoint's write, before its rename
        real, count = os.replace, [0]
        def replace(src, dst):
            if os.path.basename(dst).startswith("net_checkpoint__"):
                count[0] += 1
                if count[0] == 3:
                    print("WRITING", dst, flush=True)
                    time.sleep(600)
            return real(src, dst)
        os.replace = replace
    dl.rng(5)
    resume = sys.argv[4] if mode == "resume" else None
    net = dl.trainNetwork(X, Y, layers, dl.trainingOptions("adam", **kw), ResumeFrom=resume)
    dl.save(out, net=net)
    print("DONE", flush=True)
""")


def _run(tmp_path, *args, wait=True):
    script = tmp_path / "train.py"
    script.write_text(_SCRIPT)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.Popen([sys.executable, str(script), *map(str, args)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if wait:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    return p


def _wait_for(predicate, timeout=120):
    t0 = time.time()
    while not predicate():
        if time.time() - t0 > timeout:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_sigkill_mid_epoch_then_resume_is_bit_exact(tmp_path):
    folder = tmp_path / "ck"
    folder.mkdir()
    _run(tmp_path, "plain", folder, tmp_path / "full.mat")
    p = _run(tmp_path, "kill", folder, tmp_path / "never.mat", wait=False)
    try:
        _wait_for(lambda: len(_checkpoints(folder)) >= 6 or p.poll() is not None)
        os.kill(p.pid, signal.SIGKILL)           # iteration 6 of 16: epoch 2, mid-epoch
    finally:
        p.wait(timeout=60)
    assert p.returncode == -signal.SIGKILL
    files = _checkpoints(folder)
    last = files[-1]
    it = int(os.path.basename(last).split("__")[1])
    assert 5 <= it < 16 and it % 4                # in the middle of an epoch
    _run(tmp_path, "resume", folder, tmp_path / "resumed.mat", last)
    full, resumed = dl.load(str(tmp_path / "full.mat"))["net"], \
        dl.load(str(tmp_path / "resumed.mat"))["net"]
    assert _same(resumed, full)
    assert not (tmp_path / "never.mat").exists()


def test_sigkill_during_a_checkpoint_write_leaves_the_earlier_ones_whole(tmp_path):
    folder = tmp_path / "ck"
    folder.mkdir()
    p = _run(tmp_path, "kill-in-write", folder, tmp_path / "never.mat", wait=False)
    try:
        line = p.stdout.readline()
        assert line.startswith("WRITING"), line + p.stderr.read()
        os.kill(p.pid, signal.SIGKILL)
    finally:
        p.wait(timeout=60)
    files = _checkpoints(folder)
    assert [int(os.path.basename(f).split("__")[1]) for f in files] == [1, 2]
    assert not os.path.exists(line.split()[1])   # the one being written never appeared
    for f in files:                              # the earlier ones load and resume
        S = dl.load(f)
        assert isinstance(S["net"], dl.SeriesNetwork)
    X, Y = _data()
    net = dl.trainNetwork(X, Y, _layers(), _opts(), ResumeFrom=files[-1])
    assert isinstance(net, dl.SeriesNetwork)


def test_saved_options_with_a_missing_checkpoint_folder_load_with_a_warning(tmp_path):
    folder = tmp_path / "ck"
    folder.mkdir()
    opts = dl.trainingOptions("sgdm", CheckpointPath=str(folder), CheckpointFrequency=3)
    dl.save(str(tmp_path / "o.mat"), opts=opts)
    assert dl.load(str(tmp_path / "o.mat"))["opts"] == opts
    folder.rmdir()
    with pytest.warns(UserWarning, match="CheckpointPath .* does not exist on this machine"):
        back = dl.load(str(tmp_path / "o.mat"))["opts"]
    assert back.CheckpointPath == "" and back.CheckpointFrequency == 3
