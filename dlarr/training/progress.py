"""Training progress reporting for trainNetwork / trainnet: MATLAB's verbose table, the
"training-progress" plot (matplotlib, optional) and a terminal progress bar.

The training loop drives one :class:`TrainingProgress`::

    p = TrainingProgress(options, task="classification", has_validation=False)
    p.start()
    for each iteration:
        p.iteration(epoch, iteration, elapsed_s, loss, accuracy_percent, learn_rate)
    p.finish(epoch, iteration, elapsed_s, loss, accuracy_percent, learn_rate,
             reason="Max epochs completed")

The table follows MATLAB's ``nnet.internal.cnn.util.ProgressDisplayer`` and its column
strategies: headers wrapped at 14 characters and centred, right-aligned values, a row at
iteration 1 and at every multiple of VerboseFrequency (and of ValidationFrequency when
there is validation data), the final row unless it repeats the last one printed, the
learning rate and losses switching to ``%e`` when they are too small for ``%.4f``.

trainnet's table (``style="trainnet"``) is MATLAB's newer one: columns Iteration, Epoch,
TimeElapsed, LearnRate, TrainingLoss, ValidationLoss, then Training<Metric> and
Validation<Metric> for each of the Metrics, values in "format short g", a row 0 with the
validation of the initial network, and "Training stopped: <reason>" at the end.

The recorder keeps every iteration's values (``history``) and every validation
(``validations``), from which ``info.py`` builds what trainNetwork and trainnet return.
"""
from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

from .info import _short_g

__all__ = ["TrainingProgress"]

_MAX_HEADER_LINE = 14      # ProgressDisplayTableHeader.PreferredMaxLineLength
_COLUMN_PADDING = 2        # ProgressDisplayTableHeader.ColumnPadding
_LARGE = 1e6               # ProgressDisplayer: "bigger than this is difficult to read"

_NON_INTERACTIVE = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


# ---------------------------------------------------------------------------------------------
# table layout
# ---------------------------------------------------------------------------------------------
def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap at ``width`` (a longer word keeps a line of its own), lines centred
    to the longest one, the odd space going to the right (MATLAB's pad(..., 'both'))."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    n = max(len(s) for s in lines)
    out = []
    for s in lines:
        extra = n - len(s)
        out.append(" " * (extra // 2) + s + " " * (extra - extra // 2))
    return out


class _Column:
    __slots__ = ("key", "header", "kind", "precision", "width")

    def __init__(self, key, header, kind, precision=0):
        self.key, self.header, self.kind, self.precision = key, header, kind, precision
        self.width = 0


def _columns(task: str, has_validation: bool, metrics=None) -> list[_Column]:
    """trainNetwork's columns; ``metrics`` (display names) default to the task's
    ("Accuracy", in percent, for classification; "RMSE" for regression)."""
    if metrics is None:
        metrics = ("Accuracy",) if task == "classification" else ("RMSE",)
    kinds = [("percent" if m == "Accuracy" else "float") for m in metrics]
    cols = [_Column("epoch", "Epoch", "int"),
            _Column("iteration", "Iteration", "int"),
            _Column("time", "Time Elapsed (hh:mm:ss)", "time")]
    cols += [_Column(f"metric{j}", f"Mini-batch {m}", k, 2)
             for j, (m, k) in enumerate(zip(metrics, kinds))]
    if has_validation:
        cols += [_Column(f"val_metric{j}", f"Validation {m}", k, 2)
                 for j, (m, k) in enumerate(zip(metrics, kinds))]
    cols.append(_Column("loss", "Mini-batch Loss", "float", 4))
    if has_validation:
        cols.append(_Column("val_loss", "Validation Loss", "float", 4))
    cols.append(_Column("learn_rate", "Base Learning Rate", "rate", 4))
    return cols


def _header(cols: list[_Column]) -> tuple[list[str], str]:
    wrapped = [_wrap(c.header, _MAX_HEADER_LINE) for c in cols]
    rows = max(len(w) for w in wrapped)
    pad = " " * _COLUMN_PADDING
    lines = []
    for r in range(rows):
        line = ""
        for w in wrapped:
            cell = w[r] if r < len(w) else " " * len(w[0])
            line += "|" + pad + cell + pad
        lines.append(line + "|")
    for c, w in zip(cols, wrapped):
        c.width = len(w[0]) + 2 * _COLUMN_PADDING - 2      # minus the spaces beside the "|"s
    border = "|" + "=" * (len(lines[0]) - 2) + "|"
    return lines, border


def _trainnet_columns(metrics, has_validation) -> list[tuple[str, str]]:
    """trainnet's columns: (key, header)."""
    cols = [("iteration", "Iteration"), ("epoch", "Epoch"), ("time", "TimeElapsed"),
            ("learn_rate", "LearnRate"), ("loss", "TrainingLoss")]
    if has_validation:
        cols.append(("val_loss", "ValidationLoss"))
    for j, m in enumerate(metrics):
        cols.append((f"metric{j}", f"Training{m}"))
        if has_validation:
            cols.append((f"val_metric{j}", f"Validation{m}"))
    return cols


def _trainnet_cell(key, value) -> str:
    if value is None:
        return ""
    if key == "time":
        return _hhmmss(value)
    if key in ("iteration", "epoch"):
        return str(int(value))
    return _short_g(value)


def _values(epoch, iteration, elapsed, loss, metrics, learn_rate, val_loss, val_metrics):
    """A row's values by column key."""
    out = {"epoch": epoch, "iteration": iteration, "time": elapsed, "loss": loss,
           "learn_rate": learn_rate, "val_loss": val_loss}
    for j, m in enumerate(metrics or ()):
        out[f"metric{j}"] = m
    for j, m in enumerate(val_metrics or ()):
        out[f"val_metric{j}"] = m
    return out


def _hhmmss(seconds) -> str:
    s = max(0, int(math.floor(float(seconds))))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _special(x: float, width: int) -> str | None:
    if math.isnan(x):
        return "NaN".rjust(width)
    if math.isinf(x):
        return ("Inf" if x > 0 else "-Inf").rjust(width)
    return None


def _cell(col: _Column, value) -> str:
    w = col.width
    if value is None:
        return " " * w
    if col.kind == "int":
        return f"{int(value):{w}d}"
    if col.kind == "time":
        return f"{_hhmmss(value):>{w}}"
    x = float(value)
    special = _special(x, w)
    if special is not None:
        return special
    if col.kind == "percent":                          # "%{w-1}.2f%%"
        return f"{x:{w - 1}.{col.precision}f}%"
    if col.kind == "rate":
        # MATLAB keeps the learning rate in single precision: 1e-4 shows as 1.0000e-04
        small = float(np.float32(x)) < 1e-4
        return f"{x:{w}.{col.precision}e}" if small else f"{x:{w}.{col.precision}f}"
    # losses and RMSE: %e when too large to read or when %.Nf would show zero
    p = col.precision
    if x >= min(10.0 ** (w + 1), _LARGE) or x < 10.0 ** (-p):
        return f"{x:{w}.{p}e}"
    return f"{x:{w}.{p}f}"


# ---------------------------------------------------------------------------------------------
# matplotlib (optional)
# ---------------------------------------------------------------------------------------------
def _import_matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("Plots='training-progress' needs matplotlib, which is not installed; "
                          "install it with `pip install matplotlib` (or `pip install dlarr[plot]`), "
                          "or use Plots='none'") from None
    return matplotlib


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _interactive_backend(matplotlib) -> bool:
    backend = str(matplotlib.get_backend()).lower()
    if backend.startswith("module://"):
        return False                                   # inline (Jupyter) and custom backends
    return backend not in _NON_INTERACTIVE


def _smooth(y, factor=0.6):
    out, s = [], None
    for v in y:
        s = v if s is None or not math.isfinite(s) else factor * s + (1 - factor) * v
        out.append(s)
    return out


class _ProgressPlot:
    """The "training-progress" figure: one panel per metric (trainNetwork: accuracy or
    RMSE) and one for the loss, against the iteration, mini-batch values (raw and
    smoothed) and validation points."""

    redraw_interval = 0.5          # seconds between live redraws

    def __init__(self, matplotlib, task, has_validation, max_epochs, interactive, metrics=None):
        self.task, self.has_validation, self.max_epochs = task, has_validation, max_epochs
        self.interactive = interactive
        if metrics is None:
            metrics = ("Accuracy",) if task == "classification" else ("RMSE",)
        self.labels = tuple("Accuracy (%)" if m == "Accuracy" else m for m in metrics) + ("Loss",)
        self.it, self.vit = [], []
        self.series = [[] for _ in self.labels]          # the metrics', then the loss's
        self.vseries = [[] for _ in self.labels]
        self.epoch_starts = []           # iteration at which each epoch after the first starts
        self._epoch = None
        self._last_draw = -math.inf
        self._fig = None
        self._plt = None
        if interactive:
            import matplotlib.pyplot as plt
            self._plt = plt
            self._was_interactive = plt.isinteractive()
            plt.ion()
            self._fig = plt.figure("Training Progress", figsize=(9, 6.5))
            self._axes = self._panels(self._fig)

    def _panels(self, fig):
        axes = fig.subplots(len(self.labels), 1, sharex=True, squeeze=False)
        return list(axes[:, 0])

    @property
    def loss(self):
        return self.series[-1]

    @property
    def metric(self):
        return self.series[0] if len(self.series) > 1 else []

    def add(self, epoch, iteration, loss, metrics, val_loss, val_metrics):
        """One iteration's values (``metrics``, ``val_metrics``: a value per metric);
        True when it brings a validation point."""
        if self._epoch is not None and epoch != self._epoch:
            self.epoch_starts.append(iteration - 0.5)
        self._epoch = epoch
        values = [float(m) for m in metrics] + [float(loss)]
        if self.it and self.it[-1] == iteration:           # finish() repeating the last one
            for ser, v in zip(self.series, values):
                ser[-1] = v
        else:
            self.it.append(iteration)
            for ser, v in zip(self.series, values):
                ser.append(v)
        if val_loss is not None or val_metrics is not None:
            if self.vit and self.vit[-1] == iteration:
                self.vit.pop()
                for ser in self.vseries:
                    ser.pop()
            self.vit.append(iteration)
            vm = list(val_metrics) if val_metrics is not None else [None] * (len(values) - 1)
            for ser, v in zip(self.vseries, vm + [val_loss]):
                ser.append(np.nan if v is None else float(v))
            return True
        return False

    def add_validation(self, iteration, val_loss, val_metrics):
        """A validation point without a training value (trainnet's iteration 0)."""
        self.vit.append(iteration)
        vm = list(val_metrics) if val_metrics is not None else [None] * (len(self.labels) - 1)
        for ser, v in zip(self.vseries, vm + [val_loss]):
            ser.append(np.nan if v is None else float(v))

    def _render(self, fig, axes, title):
        blue, light = "#0072BD", "#9ECAE9"
        for ax, y, vy, label in zip(axes, self.series, self.vseries, self.labels):
            ax.clear()
            for x in self.epoch_starts:
                ax.axvline(x, color="0.85", linewidth=0.8, zorder=0)
            ax.plot(self.it, y, color=light, linewidth=0.8, label="Training")
            ax.plot(self.it, _smooth(y), color=blue, linewidth=1.5, label="Training (smoothed)")
            if self.vit:
                ax.plot(self.vit, vy, "k--o", markersize=3, linewidth=1, label="Validation")
            ax.set_ylabel(label)
            ax.grid(True, alpha=0.3)
            ax.legend(loc="best", fontsize=8)
            if label == "Accuracy (%)":
                ax.set_ylim(0, 100)
        axes[-1].set_xlabel("Iteration")
        fig.suptitle(title, fontsize=10)

    def _title(self, epoch, iteration, elapsed, learn_rate, reason=None):
        head = f"Training finished: {reason}" if reason else "Training progress"
        return (f"{head}\nEpoch {epoch} of {self.max_epochs}, iteration {iteration}  |  "
                f"elapsed {_hhmmss(elapsed)}  |  base learning rate {learn_rate:.4g}")

    def update(self, epoch, iteration, elapsed, learn_rate, force=False):
        if not self.interactive:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < self.redraw_interval:
            return
        self._last_draw = now
        self._render(self._fig, self._axes, self._title(epoch, iteration, elapsed, learn_rate))
        self._fig.canvas.draw_idle()
        self._plt.pause(0.001)

    def finish(self, epoch, iteration, elapsed, learn_rate, reason, path):
        title = self._title(epoch, iteration, elapsed, learn_rate, reason)
        if self.interactive:
            self._render(self._fig, self._axes, title)
            self._fig.canvas.draw_idle()
            self._plt.pause(0.001)
            if path is not None:
                self._fig.savefig(path, dpi=100)
            if not self._was_interactive:
                self._plt.ioff()           # the window stays; plt.show() keeps it open
            return path
        # no display: an Agg canvas that pyplot never sees, so no figure is left open
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        fig = Figure(figsize=(9, 6.5))
        FigureCanvasAgg(fig)
        axes = self._panels(fig)
        self._render(fig, axes, title)
        fig.savefig(path, dpi=100)
        return path


# ---------------------------------------------------------------------------------------------
# the reporter
# ---------------------------------------------------------------------------------------------
class TrainingProgress:
    """Reports training progress as MATLAB's trainNetwork (or trainnet) does.

    ``TrainingProgress(options, task="classification"|"regression", has_validation=False,
    stream=sys.stdout, *, plot_file=None, interactive=None, iterations_per_epoch=None,
    metrics=None, style="trainNetwork")``

    - ``options``: a training options object (``trainingOptions``); Verbose,
      VerboseFrequency, ValidationFrequency, Plots and MaxEpochs are used.
    - ``metrics``: the display names of the metrics (default: "Accuracy" for
      classification, in percent, "RMSE" for regression); ``metric`` passed to
      :meth:`iteration` / :meth:`finish` is one value per metric (a number when there is one).
    - ``style``: "trainNetwork" (the bordered table) or "trainnet" (MATLAB's newer table).
    - ``plot_file``: where the training-progress figure is written when there is no display
      (default: the class attribute ``TrainingProgress.plot_file``,
      ``"training-progress.png"`` in the current directory).  With a display the figure
      is live and is also saved if ``plot_file`` is given.
    - ``interactive``: force (True) or forbid (False) the live figure; by default it is live
      when a display exists (DISPLAY/WAYLAND_DISPLAY, or Windows/macOS) and matplotlib's
      backend is a GUI one.
    - ``iterations_per_epoch``: lets the progress bar show a total from the start;
      otherwise it is learned at the end of the first epoch.

    The training loop calls :meth:`start`, then :meth:`iteration` every iteration
    (``epoch, iteration, elapsed_s, loss, metric, learn_rate``, and ``val_loss``,
    ``val_metric`` when validation ran), then :meth:`finish` with the stop reason;
    :attr:`history` holds every iteration's values.  dlarr's display of MATLAB's
    progress (MATLAB has no public class for it): a custom training loop can use it to
    print trainNetwork's table.

    Example::

        options = dl.trainingOptions("sgdm", MaxEpochs=1, VerboseFrequency=2)
        p = dl.TrainingProgress(options, task="regression")
        p.start()
        for it in range(1, 5):
            p.iteration(1, it, 0.1 * it, 1.0 / it, 0.5 / it, 0.01)   # loss, RMSE, rate
        p.finish(1, 4, 0.4, 0.25, 0.125, 0.01, reason="Max epochs completed")
        p.history["TrainingLoss"]                      # [1.0, 0.5, 0.333..., 0.25]
    """

    plot_file = "training-progress.png"
    bar_interval = 0.1             # seconds between progress-bar redraws
    bar_width = 30

    def __init__(self, options, task="classification", has_validation=False, stream=None, *,
                 plot_file=None, interactive=None, iterations_per_epoch=None, metrics=None,
                 style="trainNetwork"):
        if task not in ("classification", "regression"):
            raise ValueError(f"TrainingProgress: task must be 'classification' or 'regression'; "
                             f"got {task!r}")
        if style not in ("trainNetwork", "trainnet"):
            raise ValueError(f"TrainingProgress: style must be 'trainNetwork' or 'trainnet'; "
                             f"got {style!r}")
        self.options = options
        self.task, self.style = task, style
        self.metrics = tuple(metrics) if metrics is not None else \
            (("Accuracy",) if task == "classification" else ("RMSE",))
        self.has_validation = bool(has_validation)
        self.stream = sys.stdout if stream is None else stream
        self.verbose = bool(options.Verbose)
        self.max_epochs = int(options.MaxEpochs)
        freqs = [int(options.VerboseFrequency)]
        if self.has_validation:
            freqs.append(int(options.ValidationFrequency))
        self._frequencies = tuple(freqs)
        self._plot_file = plot_file
        self._iterations_per_epoch = iterations_per_epoch
        self._setup_table()
        self._setup_bar()
        self._plot = None
        self.saved_plot = None
        if str(options.Plots) == "training-progress":
            mpl = _import_matplotlib()
            live = (_has_display() and _interactive_backend(mpl)) if interactive is None \
                else bool(interactive)
            self._plot = _ProgressPlot(mpl, task, self.has_validation, self.max_epochs, live,
                                       self.metrics)
        self._history = {"Iteration": [], "Epoch": [], "TrainingLoss": [],
                         **{f"Training{m}": [] for m in self.metrics}, "ValidationLoss": [],
                         **{f"Validation{m}": [] for m in self.metrics}, "BaseLearnRate": []}
        self.validations = []          # (iteration, loss, metric values) of every validation

    def _setup_table(self):
        if self.style == "trainnet":
            self._columns = _trainnet_columns(self.metrics, self.has_validation)
            self._header_lines = ["    " + "    ".join(h for _, h in self._columns),
                                  "    " + "    ".join("_" * len(h) for _, h in self._columns)]
            self._border = None
        else:
            self._columns = _columns(self.task, self.has_validation, self.metrics)
            self._header_lines, self._border = _header(self._columns)
        self._last_printed = None

    def _setup_bar(self):
        isatty = getattr(self.stream, "isatty", None)
        try:
            self._tty = bool(isatty()) if callable(isatty) else False
        except (ValueError, OSError):
            self._tty = False
        self._bar = not self.verbose and self._tty
        self._bar_len = 0
        self._bar_last = -math.inf
        self._bar_epoch = None

    # ----- output helpers -----------------------------------------------------------------
    def _print(self, line):
        self.stream.write(line + "\n")
        flush = getattr(self.stream, "flush", None)
        if callable(flush):
            flush()

    def message(self, text):
        """Print a line such as "Initializing input data normalization." when Verbose."""
        if self.verbose:
            self._print(text)

    def _row(self, values) -> str:
        if self.style == "trainnet":
            return ("    " + "    ".join(_trainnet_cell(k, values.get(k)).rjust(len(h))
                                         for k, h in self._columns)).rstrip()
        cells = [_cell(c, values.get(c.key)) for c in self._columns]
        return "| " + " | ".join(cells) + " |"

    def _metric_values(self, metric, what="metric"):
        """One value per metric, from a number (one metric) or a sequence."""
        if metric is None:
            return None
        vals = tuple(float(m) for m in metric) if isinstance(metric, (tuple, list, np.ndarray)) \
            else (float(metric),)
        if len(vals) != len(self.metrics):
            raise ValueError(f"TrainingProgress: {what} must have one value per metric "
                             f"({', '.join(self.metrics) or 'none'}); got {len(vals)}")
        return vals

    def _record(self, epoch, iteration, loss, metric, learn_rate, val_loss, val_metric):
        h = self._history
        ms = self.metrics
        metric = self._metric_values(metric)
        val_metric = self._metric_values(val_metric, "val_metric")
        nan = (math.nan,) * len(ms)
        vals = {"Iteration": iteration, "Epoch": epoch, "TrainingLoss": float(loss),
                **{f"Training{m}": v for m, v in zip(ms, metric)},
                "ValidationLoss": math.nan if val_loss is None else float(val_loss),
                **{f"Validation{m}": v for m, v in zip(ms, val_metric or nan)},
                "BaseLearnRate": float(learn_rate)}
        if h["Iteration"] and h["Iteration"][-1] == iteration:
            for k, v in vals.items():
                if k.startswith("Validation") and math.isnan(v):
                    continue                           # keep an earlier validation value
                h[k][-1] = v
        else:
            for k, v in vals.items():
                h[k].append(v)
        if val_loss is not None or val_metric is not None:
            entry = (iteration, vals["ValidationLoss"], tuple(val_metric or nan))
            if self.validations and self.validations[-1][0] == iteration:
                self.validations[-1] = entry
            else:
                self.validations.append(entry)
        return metric, val_metric

    # ----- the interface the training loop calls ------------------------------------------
    def start(self, environment=None, *, learn_rate=None, val_loss=None, val_metric=None):
        """Print the table header (when Verbose).  ``environment`` "cpu"/"gpu" first prints
        MATLAB's "Training on single CPU." / "Training on single GPU." line (trainNetwork).
        ``val_loss``/``val_metric``: the validation of the initial network, trainnet's
        iteration 0 (its row is printed, and it is recorded in ``validations``)."""
        val_metric = self._metric_values(val_metric, "val_metric")
        if val_loss is not None:
            self.validations.append((0, float(val_loss),
                                     val_metric or (math.nan,) * len(self.metrics)))
            if self._plot is not None:
                self._plot.add_validation(0, val_loss, val_metric)
        if not self.verbose:
            return
        if environment is not None and self.style == "trainNetwork":
            self._print(f"Training on single {str(environment).upper()}.")
        if self._border:
            self._print(self._border)
        for line in self._header_lines:
            self._print(line)
        if self._border:
            self._print(self._border)
        if val_loss is not None:
            self._print_row(_values(0, 0, 0.0, None, None, learn_rate, val_loss, val_metric))

    def iteration(self, epoch, iteration, elapsed_s, loss, metric, learn_rate,
                  val_loss=None, val_metric=None):
        """Report one training iteration (call it every iteration)."""
        metric, val_metric = self._record(epoch, iteration, loss, metric, learn_rate, val_loss,
                                          val_metric)
        values = _values(epoch, iteration, elapsed_s, loss, metric, learn_rate, val_loss,
                         val_metric)
        if self.verbose:
            due = iteration == 1 or any(iteration % f == 0 for f in self._frequencies)
            if due or val_loss is not None or val_metric is not None:
                self._print_row(values)
        if self._plot is not None:
            new_val = self._plot.add(epoch, iteration, loss, metric, val_loss, val_metric)
            self._plot.update(epoch, iteration, elapsed_s, learn_rate, force=new_val)
        if self._bar:
            if self._bar_epoch is not None and epoch != self._bar_epoch \
                    and self._iterations_per_epoch is None and self._bar_epoch == 1:
                self._iterations_per_epoch = iteration - 1
            changed = epoch != self._bar_epoch
            self._bar_epoch = epoch
            now = time.monotonic()
            if changed or now - self._bar_last >= self.bar_interval:
                self._bar_last = now
                self._draw_bar(epoch, iteration, elapsed_s, loss)

    def finish(self, epoch, iteration, elapsed_s, loss, metric, learn_rate,
               val_loss=None, val_metric=None, reason="Max epochs completed"):
        """Report the end of training: the final row (unless it repeats the last row
        printed), the closing rule and "Training finished: <reason>." (trainnet:
        "Training stopped: <reason>"); finalize the plot (written to a PNG file when there
        is no display) and end the progress bar."""
        metric, val_metric = self._record(epoch, iteration, loss, metric, learn_rate, val_loss,
                                          val_metric)
        values = _values(epoch, iteration, elapsed_s, loss, metric, learn_rate, val_loss,
                         val_metric)
        if self.verbose:
            self._print_row(values)
            if self._border:
                self._print(self._border)
            if reason and self.style == "trainnet":
                self._print(f"Training stopped: {str(reason).rstrip('.')}")
            elif reason:
                reason = str(reason)
                self._print(f"Training finished: {reason}{'' if reason.endswith('.') else '.'}")
        if self._bar:
            self._draw_bar(epoch, iteration, elapsed_s, loss, final=True)
            self.stream.write("\n")
            self.stream.flush()
        path = None
        if self._plot is not None:
            self._plot.add(epoch, iteration, loss, metric, val_loss, val_metric)
            path = self._plot_file
            if path is None and not self._plot.interactive:
                path = type(self).plot_file
            if path is not None:
                path = os.path.abspath(os.fspath(path))
            written = self._plot.finish(epoch, iteration, elapsed_s, learn_rate, reason, path)
            if written is not None:
                self._print(f"Training progress plot saved to {written}")
        self.saved_plot = path
        return path

    # ----- pieces -------------------------------------------------------------------------
    def _print_row(self, values):
        row = self._row(values)
        if row != self._last_printed:
            self._print(row)
            self._last_printed = row

    def _draw_bar(self, epoch, iteration, elapsed_s, loss, final=False):
        ipe = self._iterations_per_epoch
        total = ipe * self.max_epochs if ipe else None
        parts = []
        if total:
            frac = 1.0 if final else min(1.0, iteration / total)
            filled = int(round(frac * self.bar_width))
            parts.append(f"[{'#' * filled}{'-' * (self.bar_width - filled)}] {frac * 100:3.0f}%")
            parts.append(f"Epoch {epoch}/{self.max_epochs}")
            parts.append(f"Iteration {iteration}/{total}")
        else:
            parts.append(f"Epoch {epoch}/{self.max_epochs}")
            parts.append(f"Iteration {iteration}")
        parts.append(f"Loss {float(loss):.4f}")
        parts.append(_hhmmss(elapsed_s))
        line = "  ".join(parts)
        pad = max(0, self._bar_len - len(line))
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._bar_len = len(line)

    # ----- results ------------------------------------------------------------------------
    @property
    def history(self) -> dict:
        """Every iteration's values: Iteration, Epoch, TrainingLoss, Training<Metric>,
        ValidationLoss, Validation<Metric> (NaN where validation did not run), BaseLearnRate."""
        return {k: np.asarray(v, dtype=float) for k, v in self._history.items()}

    @property
    def info(self) -> dict:
        """MATLAB's training ``info``: per-iteration TrainingLoss, Training<Metric>
        (TrainingAccuracy or TrainingRMSE), ValidationLoss / Validation<Metric> (NaN where
        not computed), BaseLearnRate, and FinalValidationLoss / FinalValidation<Metric> (the
        last validation, NaN without validation data).  trainNetwork adds
        OutputNetworkIteration and gives the returned network's final values
        (``info.network_info``)."""
        h = self.history
        out = {k: h[k] for k in ("TrainingLoss", *(f"Training{m}" for m in self.metrics),
                                 "ValidationLoss", *(f"Validation{m}" for m in self.metrics),
                                 "BaseLearnRate")}
        last = self.validations[-1] if self.validations else (0, math.nan,
                                                               (math.nan,) * len(self.metrics))
        out["FinalValidationLoss"] = float(last[1])
        for m, v in zip(self.metrics, last[2]):
            out[f"FinalValidation{m}"] = float(v)
        return out
