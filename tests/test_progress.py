"""TrainingProgress: MATLAB's verbose table, the progress bar and the training-progress plot."""
import io
import os
import sys

import numpy as np
import pytest

from dlarr.training.options import trainingOptions
from dlarr.training.progress import TrainingProgress, _Column, _cell

BORDER = "|" + "=" * 88 + "|"
BORDER_VAL = "|" + "=" * 118 + "|"

HEADER_CLS = [
    BORDER,
    "|  Epoch  |  Iteration  |  Time Elapsed  |  Mini-batch  |  Mini-batch  |  Base Learning  |",
    "|         |             |   (hh:mm:ss)   |   Accuracy   |     Loss     |      Rate       |",
    BORDER,
]
HEADER_REG = [
    BORDER,
    "|  Epoch  |  Iteration  |  Time Elapsed  |  Mini-batch  |  Mini-batch  |  Base Learning  |",
    "|         |             |   (hh:mm:ss)   |     RMSE     |     Loss     |      Rate       |",
    BORDER,
]
HEADER_CLS_VAL = [
    BORDER_VAL,
    "|  Epoch  |  Iteration  |  Time Elapsed  |  Mini-batch  |  Validation  |  Mini-batch  |"
    "  Validation  |  Base Learning  |",
    "|         |             |   (hh:mm:ss)   |   Accuracy   |   Accuracy   |     Loss     |"
    "     Loss     |      Rate       |",
    BORDER_VAL,
]
HEADER_REG_VAL = [
    BORDER_VAL,
    "|  Epoch  |  Iteration  |  Time Elapsed  |  Mini-batch  |  Validation  |  Mini-batch  |"
    "  Validation  |  Base Learning  |",
    "|         |             |   (hh:mm:ss)   |     RMSE     |     RMSE     |     Loss     |"
    "     Loss     |      Rate       |",
    BORDER_VAL,
]


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def make(task="classification", has_validation=False, stream=None, **opts):
    stream = io.StringIO() if stream is None else stream
    return TrainingProgress(trainingOptions("sgdm", **opts), task, has_validation, stream), stream


def lines(stream):
    return stream.getvalue().splitlines()


# ----- header ------------------------------------------------------------------------------------
@pytest.mark.parametrize("task, has_val, expected", [
    ("classification", False, HEADER_CLS), ("regression", False, HEADER_REG),
    ("classification", True, HEADER_CLS_VAL), ("regression", True, HEADER_REG_VAL)])
def test_header(task, has_val, expected):
    p, s = make(task, has_val)
    p.start()
    assert lines(s) == expected


def test_start_environment_line():
    p, s = make()
    p.start("cpu")
    assert lines(s)[0] == "Training on single CPU."
    p, s = make()
    p.start(environment="gpu")
    assert lines(s)[0] == "Training on single GPU."
    p.message("Initializing input data normalization.")
    assert lines(s)[-1] == "Initializing input data normalization."


# ----- rows ----------------------------------------------------------------------------------------
def test_row_classification_matches_matlab():
    p, s = make()
    p.start()
    p.iteration(1, 1, 3.9, 13.84183, 9.375, 1e-4)            # MATLAB R2019a digits example, row 1
    assert lines(s)[4] == ("|       1 |           1 |       00:00:03 |        9.38% |      13.8418 |"
                           "      1.0000e-04 |")


def test_row_regression():
    p, s = make("regression")
    p.start()
    p.iteration(2, 1, 3725.2, 561.2345, 33.504, 0.001)
    assert lines(s)[4] == ("|       2 |           1 |       01:02:05 |        33.50 |     561.2345 |"
                           "          0.0010 |")


def test_rows_with_validation_and_blank_cells():
    p, s = make(has_validation=True, ValidationFrequency=50, VerboseFrequency=50)
    p.start()
    p.iteration(1, 1, 19.2, 1.4963, 48.57, 3e-4, val_loss=3.9654, val_metric=49.86)
    p.iteration(1, 2, 19.5, 1.2, 50.0, 3e-4)
    p.finish(1, 602, 426.7, 0.4825, 75.71, 3e-4, reason="Stopped manually")
    out = lines(s)
    assert out[4] == ("|       1 |           1 |       00:00:19 |       48.57% |       49.86% |"
                      "       1.4963 |       3.9654 |          0.0003 |")
    assert out[5] == ("|       1 |         602 |       00:07:06 |       75.71% |              |"
                      "       0.4825 |              |          0.0003 |")
    assert out[6:] == [BORDER_VAL, "Training finished: Stopped manually."]


@pytest.mark.parametrize("kind, precision, value, text", [
    ("rate", 4, 0.01, "         0.0100"),
    ("rate", 4, 3e-4, "         0.0003"),
    ("rate", 4, 1e-4, "     1.0000e-04"),      # single(1e-4) < 1e-4, as MATLAB shows it
    ("rate", 4, 1e-6, "     1.0000e-06"),
    ("float", 4, 0.0009, "      0.0009"),
    ("float", 4, 2.9452e-05, "  2.9452e-05"),  # below 10^-precision: %e
    ("float", 4, 120.0127, "    120.0127"),
    ("float", 4, 2.5e6, "  2.5000e+06"),       # >= 1e6: %e
    ("float", 4, float("nan"), "         NaN"),
    ("float", 4, float("inf"), "         Inf"),
    ("float", 2, 429.514, "      429.51"),     # RMSE
    ("float", 2, 0.004, "    4.00e-03"),
    ("percent", 2, 100, "     100.00%"),
    ("percent", 2, 0, "       0.00%"),
    ("time", 0, 59.99, "      00:00:59"),
    ("time", 0, 3600 * 27 + 61, "      27:01:01"),
    ("int", 0, 12, "          12"),
])
def test_cell_format(kind, precision, value, text):
    col = _Column("x", "Mini-batch Loss", kind, precision)
    col.width = {"rate": 15, "time": 14}.get(kind, 12)
    assert _cell(col, value) == text


def test_frequency_rule():
    p, s = make(VerboseFrequency=3, MaxEpochs=2)
    p.start()
    for it in range(1, 11):
        p.iteration(1 + (it > 5), it, it, 1.0 / it, 50.0, 0.01)
    printed = [int(r.split("|")[2]) for r in lines(s)[4:]]
    assert printed == [1, 3, 6, 9]


def test_frequency_rule_with_validation_frequency():
    p, s = make(has_validation=True, VerboseFrequency=50, ValidationFrequency=4)
    p.start()
    for it in range(1, 13):
        p.iteration(1, it, it, 1.0, 50.0, 0.01)
    printed = [int(r.split("|")[2]) for r in lines(s)[4:]]
    assert printed == [1, 4, 8, 12]


def test_validation_row_is_printed():
    p, s = make(has_validation=True, VerboseFrequency=50, ValidationFrequency=50)
    p.start()
    p.iteration(1, 7, 1.0, 1.0, 50.0, 0.01, val_loss=0.9, val_metric=60.0)
    assert "|       60.00% |" in lines(s)[4]


def test_default_frequency_is_50():
    p, s = make()
    p.start()
    for it in range(1, 121):
        p.iteration(1, it, it, 1.0, 50.0, 0.01)
    assert [int(r.split("|")[2]) for r in lines(s)[4:]] == [1, 50, 100]


def test_final_row_and_closing_line():
    p, s = make()
    p.start()
    for it in range(1, 61):
        p.iteration(1 + it // 31, it, it, 1.0, 50.0, 0.01)
    p.finish(2, 60, 60, 0.5, 75.0, 0.01)
    out = lines(s)
    assert out[-3] == ("|       2 |          60 |       00:01:00 |       75.00% |       0.5000 |"
                       "          0.0100 |")
    assert out[-2:] == [BORDER, "Training finished: Max epochs completed."]


def test_final_row_not_repeated():
    p, s = make()
    p.start()
    for it in range(1, 51):
        p.iteration(1, it, 10.0, 0.25, 90.0, 0.01)
    p.finish(1, 50, 10.0, 0.25, 90.0, 0.01, reason="Met validation criterion.")
    out = lines(s)
    assert [r.split("|")[2].strip() for r in out[4:-2]] == ["1", "50"]
    assert out[-1] == "Training finished: Met validation criterion."


def test_no_reason_line():
    p, s = make()
    p.start()
    p.finish(1, 1, 0.0, 1.0, 0.0, 0.01, reason=None)
    assert lines(s)[-1] == BORDER


# ----- quiet modes and the progress bar ----------------------------------------------------------
def test_not_verbose_not_terminal_prints_nothing():
    p, s = make(Verbose=False)
    p.start()
    for it in range(1, 101):
        p.iteration(1, it, it, 1.0, 50.0, 0.01)
    p.finish(1, 100, 100, 1.0, 50.0, 0.01)
    assert s.getvalue() == ""


def test_verbose_on_terminal_prints_table_not_bar():
    p, s = make(stream=FakeTTY())
    p.start()
    p.iteration(1, 1, 1.0, 1.0, 50.0, 0.01)
    assert "\r" not in s.getvalue() and lines(s)[:4] == HEADER_CLS


def test_progress_bar_on_terminal():
    p, s = make(Verbose=False, MaxEpochs=3, stream=FakeTTY())
    p.bar_interval = 0.0
    p.start()
    it = 0
    for epoch in (1, 2, 3):
        for _ in range(4):
            it += 1
            p.iteration(epoch, it, it * 61.0, 1.0 / it, 50.0, 0.01)
    p.finish(3, 12, 732.0, 1 / 12, 50.0, 0.01)
    out = s.getvalue()
    frames = out.split("\r")[1:]
    assert out.endswith("\n") and out.count("\n") == 1
    assert frames[0].startswith("Epoch 1/3  Iteration 1  Loss 1.0000  00:01:01")
    # the total is known once the first epoch is over: 4 iterations x 3 epochs
    assert frames[4].startswith("[" + "#" * 12 + "-" * 18 + "]  42%  Epoch 2/3  Iteration 5/12  Loss 0.2000")
    assert frames[-1] == "[" + "#" * 30 + "] 100%  Epoch 3/3  Iteration 12/12  Loss 0.0833  00:12:12\n"
    assert all("|" not in f for f in frames)


def test_progress_bar_known_total_and_padding():
    s = FakeTTY()
    p = TrainingProgress(trainingOptions("adam", Verbose=False, MaxEpochs=2), "regression", False, s,
                         iterations_per_epoch=10)
    p.bar_interval = 0.0
    p.iteration(1, 1, 0.0, 123456.0, 1.0, 0.001)
    p.iteration(1, 2, 0.0, 1.0, 1.0, 0.001)
    first, second = s.getvalue().split("\r")[1:]
    assert "Iteration 1/20" in first and "Iteration 2/20" in second
    assert len(second) >= len(first)                 # a shorter line blanks the old one


def test_info_history():
    p, s = make(has_validation=True, Verbose=False)
    p.iteration(1, 1, 0.1, 2.0, 10.0, 0.01, val_loss=2.5, val_metric=5.0)
    p.iteration(1, 2, 0.2, 1.5, 20.0, 0.01)
    p.finish(1, 2, 0.2, 1.5, 20.0, 0.01, val_loss=1.8, val_metric=30.0)
    info = p.info
    np.testing.assert_array_equal(info["TrainingLoss"], [2.0, 1.5])
    np.testing.assert_array_equal(info["TrainingAccuracy"], [10.0, 20.0])
    np.testing.assert_array_equal(info["ValidationLoss"], [2.5, 1.8])
    np.testing.assert_array_equal(info["ValidationAccuracy"], [5.0, 30.0])
    np.testing.assert_array_equal(info["BaseLearnRate"], [0.01, 0.01])
    assert info["FinalValidationLoss"] == 1.8 and info["FinalValidationAccuracy"] == 30.0
    p, _ = make("regression", Verbose=False)
    p.iteration(1, 1, 0.1, 2.0, 3.0, 0.01)
    assert np.isnan(p.info["ValidationRMSE"]).all() and np.isnan(p.info["FinalValidationRMSE"])


def test_bad_task():
    with pytest.raises(ValueError, match="task must be 'classification' or 'regression'"):
        TrainingProgress(trainingOptions("adam"), "segmentation")


# ----- plots -------------------------------------------------------------------------------------
def test_plots_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install matplotlib.*dlarr\[plot\]"):
        make(Plots="training-progress")


def test_no_matplotlib_import_without_plots(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    p, s = make()
    p.start()
    p.iteration(1, 1, 0.0, 1.0, 1.0, 0.01)
    p.finish(1, 1, 0.0, 1.0, 1.0, 0.01)


def _train(p, iters=40, val_every=10):
    for it in range(1, iters + 1):
        val = (1.5 / it, 2.0 * it) if it % val_every == 0 else (None, None)
        p.iteration(1 + (it - 1) // 10, it, it * 0.1, 2.0 / it, min(100.0, 3.0 * it), 1e-3, *val)
    return p.finish(4, iters, iters * 0.1, 2.0 / iters, 100.0, 1e-3, 0.1, 90.0)


@pytest.fixture
def headless(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_plot_png_without_display(headless):
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    p, s = make(has_validation=True, Plots="training-progress", Verbose=False, MaxEpochs=4)
    path = _train(p)
    expected = os.path.join(str(headless), "training-progress.png")
    assert path == expected == p.saved_plot
    assert _is_png(expected)
    assert s.getvalue() == f"Training progress plot saved to {expected}\n"
    assert plt.get_fignums() == before                 # no figure left open


def test_plot_png_regression_with_table(headless):
    p, s = make("regression", has_validation=True, Plots="training-progress", MaxEpochs=4,
                VerboseFrequency=10)
    p.start()
    _train(p)
    out = lines(s)
    assert out[:4] == HEADER_REG_VAL
    assert out[-3:-1] == [BORDER_VAL, "Training finished: Max epochs completed."]
    assert out[-1].startswith("Training progress plot saved to ")
    assert _is_png(headless / "training-progress.png")


def test_plot_file_choice(headless):
    target = headless / "sub" / "curves.png"
    target.parent.mkdir()
    p = TrainingProgress(trainingOptions("adam", Plots="training-progress", Verbose=False),
                         "classification", False, io.StringIO(), plot_file=target)
    assert _train(p) == str(target) and _is_png(target)
    old = TrainingProgress.plot_file
    try:
        TrainingProgress.plot_file = "other.png"
        p, _ = make(Plots="training-progress", Verbose=False)
        _train(p)
        assert _is_png(headless / "other.png")
    finally:
        TrainingProgress.plot_file = old


def test_plot_live_mode(headless):
    import matplotlib.pyplot as plt
    p = TrainingProgress(trainingOptions("adam", Plots="training-progress", Verbose=False),
                         "classification", True, io.StringIO(), interactive=True)
    try:
        assert _train(p) is None                   # live figure: no file unless plot_file is given
        assert plt.get_fignums()
    finally:
        plt.close("all")
    assert not plt.isinteractive()


def test_display_detection(monkeypatch):
    from dlarr.training import progress as _progress
    monkeypatch.setattr(_progress.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not _progress._has_display()
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert _progress._has_display()
    monkeypatch.delenv("WAYLAND_DISPLAY")
    monkeypatch.setenv("DISPLAY", ":0")
    assert _progress._has_display()
    monkeypatch.delenv("DISPLAY")
    monkeypatch.setattr(_progress.sys, "platform", "darwin")
    assert _progress._has_display()


@pytest.mark.parametrize("backend, live", [("TkAgg", True), ("QtAgg", True), ("agg", False),
                                           ("Agg", False), ("pdf", False),
                                           ("module://matplotlib_inline.backend_inline", False)])
def test_backend_kind(backend, live):
    from dlarr.training.progress import _interactive_backend

    class FakeMpl:
        @staticmethod
        def get_backend():
            return backend
    assert _interactive_backend(FakeMpl) is live


def test_importing_does_not_load_matplotlib():
    import subprocess
    code = "import sys, dlarr.training.progress, dlarr.training.options; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----- metrics and trainnet's table --------------------------------------------------------------
def test_several_metrics_in_the_train_network_table():
    s = io.StringIO()
    p = TrainingProgress(trainingOptions("sgdm"), "classification", True, s,
                         metrics=("Accuracy", "FScore"))
    p.start()
    p.iteration(1, 1, 0.0, 0.5, (50.0, 0.5), 0.01, val_loss=0.6, val_metric=(40.0, 0.4))
    out = lines(s)
    assert "Mini-batch  |  Mini-batch  |  Validation  |  Validation" in out[1]
    assert out[2].count("Accuracy") == 2 and out[2].count("FScore") == 2
    assert out[4].split("|")[4:8] == ["       50.00% ", "         0.50 ", "       40.00% ",
                                      "         0.40 "]
    info = p.info
    assert list(info) == ["TrainingLoss", "TrainingAccuracy", "TrainingFScore", "ValidationLoss",
                          "ValidationAccuracy", "ValidationFScore", "BaseLearnRate",
                          "FinalValidationLoss", "FinalValidationAccuracy",
                          "FinalValidationFScore"]
    with pytest.raises(ValueError, match=r"one value per metric \(Accuracy, FScore\); got 1"):
        p.iteration(1, 2, 0.0, 0.5, 50.0, 0.01)


def test_trainnet_style_rows_and_validations():
    s = io.StringIO()
    p = TrainingProgress(trainingOptions("adam", VerboseFrequency=2), "regression", True, s,
                         metrics=("RMSE",), style="trainnet")
    p.start(learn_rate=0.001, val_loss=2.5, val_metric=1.25)
    p.iteration(1, 1, 1.0, 2.0, 1.1, 0.001)
    p.iteration(1, 2, 62.0, 1.5, 1.0, 0.001, val_loss=1.75, val_metric=0.9)
    p.finish(1, 2, 62.0, 1.5, 1.0, 0.001, val_loss=1.75, val_metric=0.9)
    assert lines(s) == [
        "    Iteration    Epoch    TimeElapsed    LearnRate    TrainingLoss    ValidationLoss"
        "    TrainingRMSE    ValidationRMSE",
        "    _________    _____    ___________    _________    ____________    ______________"
        "    ____________    ______________",
        "            0        0       00:00:00        0.001                               2.5"
        "                              1.25",
        "            1        1       00:00:01        0.001               2"
        "                               1.1",
        "            2        1       00:01:02        0.001             1.5              1.75"
        "               1               0.9",
        "Training stopped: Max epochs completed"]
    assert p.validations == [(0, 2.5, (1.25,)), (2, 1.75, (0.9,))]
    with pytest.raises(ValueError, match="style must be 'trainNetwork' or 'trainnet'"):
        TrainingProgress(trainingOptions("adam"), style="table")


def test_plot_has_a_panel_per_metric(headless):
    p = TrainingProgress(trainingOptions("adam", Plots="training-progress", Verbose=False),
                         "classification", True, io.StringIO(),
                         metrics=("Accuracy", "AUC"), style="trainnet")
    p.start(val_loss=1.0, val_metric=(50.0, 0.5))
    p.iteration(1, 1, 0.1, 0.9, (60.0, 0.6), 1e-3)
    p.finish(1, 1, 0.1, 0.9, (60.0, 0.6), 1e-3, val_loss=0.8, val_metric=(70.0, 0.7))
    assert p._plot.labels == ("Accuracy (%)", "AUC", "Loss")
    assert p._plot.vit == [0, 1] and p._plot.vseries[1] == [0.5, 0.7]
    assert _is_png(headless / "training-progress.png")
    p = TrainingProgress(trainingOptions("adam", Plots="training-progress", Verbose=False),
                         "regression", False, io.StringIO(), metrics=(), style="trainnet")
    p.iteration(1, 1, 0.1, 0.9, (), 1e-3)
    p.finish(1, 1, 0.1, 0.9, (), 1e-3)
    assert p._plot.labels == ("Loss",)
