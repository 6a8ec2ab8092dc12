"""The examples, shortened: they run and learn."""
import importlib.util
import pathlib
import subprocess
import sys


import dlarr as dl

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_custom_loop_example_learns():
    mod = _load("japanese_vowels_custom_loop")
    dl.rng("default")
    parameters, classes = mod.train(numEpochs=8, verbose=False)
    assert parameters["lstm"]["InputWeights"].shape == (400, 12)
    assert mod.accuracy(parameters, classes) > 0.7


def test_forecast_example_runs():
    out = subprocess.run([sys.executable, str(EXAMPLES / "forecast_airline.py"), "--epochs", "125"],
                         capture_output=True, text=True, check=True).stdout
    open_loop = float(out.split("open-loop RMSE: ")[1].split()[0])
    baseline = float(out.split("baseline: ")[1].split(")")[0])
    assert open_loop < baseline


def test_minibatchqueue_example_learns():
    out = subprocess.run([sys.executable, str(EXAMPLES / "japanese_vowels_minibatchqueue.py"),
                          "--epochs", "8"], capture_output=True, text=True, check=True).stdout
    assert float(out.split("test accuracy = ")[1].split()[0]) > 0.7
