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
"""
from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

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


def _columns(task: str, has_validation: bool) -> list[_Column]:
    metric, mkind, mprec = (("Accuracy", "percent", 2) if task == "classification"
                            else ("RMSE", "float", 2))
    cols = [_Column("epoch", "Epoch", "int"),
            _Column("iteration", "Iteration", "int"),
            _Column("time", "Time Elapsed (hh:mm:ss)", "time"),
            _Column("metric", f"Mini-batch {metric}", mkind, mprec)]
    if has_validation:
        cols.append(_Column("val_metric", f"Validation {metric}", mkind, mprec))
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
    """The "training-progress" figure: metric (accuracy or RMSE) and loss against the
    iteration, mini-batch values (raw and smoothed) and validation points."""

    redraw_interval = 0.5          # seconds between live redraws

    def __init__(self, matplotlib, task, has_validation, max_epochs, interactive):
        self.task, self.has_validation, self.max_epochs = task, has_validation, max_epochs
        self.interactive = interactive
        self.metric_label = "Accuracy (%)" if task == "classification" else "RMSE"
        self.it, self.loss, self.metric = [], [], []
        self.vit, self.vloss, self.vmetric = [], [], []
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
            self._axes = self._fig.subplots(2, 1, sharex=True)

    def add(self, epoch, iteration, loss, metric, val_loss, val_metric):
        if self._epoch is not None and epoch != self._epoch:
            self.epoch_starts.append(iteration - 0.5)
        self._epoch = epoch
        if self.it and self.it[-1] == iteration:           # finish() repeating the last one
            self.loss[-1], self.metric[-1] = float(loss), float(metric)
        else:
            self.it.append(iteration)
            self.loss.append(float(loss))
            self.metric.append(float(metric))
        if val_loss is not None or val_metric is not None:
            if self.vit and self.vit[-1] == iteration:
                self.vit.pop(), self.vloss.pop(), self.vmetric.pop()
            self.vit.append(iteration)
            self.vloss.append(np.nan if val_loss is None else float(val_loss))
            self.vmetric.append(np.nan if val_metric is None else float(val_metric))
            return True
        return False

    def _render(self, fig, axes, title):
        blue, light = "#0072BD", "#9ECAE9"
        for ax, y, vy, label in ((axes[0], self.metric, self.vmetric, self.metric_label),
                                 (axes[1], self.loss, self.vloss, "Loss")):
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
        if self.task == "classification":
            axes[0].set_ylim(0, 100)
        axes[1].set_xlabel("Iteration")
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
        axes = fig.subplots(2, 1, sharex=True)
        self._render(fig, axes, title)
        fig.savefig(path, dpi=100)
        return path


# ---------------------------------------------------------------------------------------------
# the reporter
# ---------------------------------------------------------------------------------------------
class TrainingProgress:
    """Reports training progress as MATLAB's trainNetwork does.

    ``TrainingProgress(options, task="classification"|"regression", has_validation=False,
    stream=sys.stdout, *, plot_file=None, interactive=None, iterations_per_epoch=None)``

    - ``options``: a training options object (``trainingOptions``); Verbose,
      VerboseFrequency, ValidationFrequency, Plots and MaxEpochs are used.
    - ``metric`` passed to :meth:`iteration` / :meth:`finish` is the mini-batch accuracy in
      percent (classification) or the RMSE (regression).
    - ``plot_file``: where the training-progress figure is written when there is no display
      (default: the class attribute ``TrainingProgress.plot_file``,
      ``"training-progress.png"`` in the current directory).  With a display the figure
      is live and is also saved if ``plot_file`` is given.
    - ``interactive``: force (True) or forbid (False) the live figure; by default it is live
      when a display exists (DISPLAY/WAYLAND_DISPLAY, or Windows/macOS) and matplotlib's
      backend is a GUI one.
    - ``iterations_per_epoch``: lets the progress bar show a total from the start;
      otherwise it is learned at the end of the first epoch.
    """

    plot_file = "training-progress.png"
    bar_interval = 0.1             # seconds between progress-bar redraws
    bar_width = 30

    def __init__(self, options, task="classification", has_validation=False, stream=None, *,
                 plot_file=None, interactive=None, iterations_per_epoch=None):
        if task not in ("classification", "regression"):
            raise ValueError(f"TrainingProgress: task must be 'classification' or 'regression'; "
                             f"got {task!r}")
        self.options = options
        self.task = task
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

        self._columns = _columns(task, self.has_validation)
        self._header_lines, self._border = _header(self._columns)
        self._last_printed = None

        isatty = getattr(self.stream, "isatty", None)
        try:
            self._tty = bool(isatty()) if callable(isatty) else False
        except (ValueError, OSError):
            self._tty = False
        self._bar = not self.verbose and self._tty
        self._bar_len = 0
        self._bar_last = -math.inf
        self._bar_epoch = None

        self._plot = None
        self.saved_plot = None
        if str(options.Plots) == "training-progress":
            mpl = _import_matplotlib()
            live = (_has_display() and _interactive_backend(mpl)) if interactive is None \
                else bool(interactive)
            self._plot = _ProgressPlot(mpl, task, self.has_validation, self.max_epochs, live)

        metric = "Accuracy" if task == "classification" else "RMSE"
        self._metric_name = metric
        self._history = {"Iteration": [], "Epoch": [], "TrainingLoss": [],
                         f"Training{metric}": [], "ValidationLoss": [],
                         f"Validation{metric}": [], "BaseLearnRate": []}

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
        cells = [_cell(c, values.get(c.key)) for c in self._columns]
        return "| " + " | ".join(cells) + " |"

    def _record(self, epoch, iteration, loss, metric, learn_rate, val_loss, val_metric):
        h = self._history
        m = self._metric_name
        vals = (iteration, epoch, float(loss), float(metric),
                np.nan if val_loss is None else float(val_loss),
                np.nan if val_metric is None else float(val_metric), float(learn_rate))
        keys = ("Iteration", "Epoch", "TrainingLoss", f"Training{m}", "ValidationLoss",
                f"Validation{m}", "BaseLearnRate")
        if h["Iteration"] and h["Iteration"][-1] == iteration:
            for k, v in zip(keys, vals):
                if k.startswith("Validation") and math.isnan(v):
                    continue                           # keep an earlier validation value
                h[k][-1] = v
        else:
            for k, v in zip(keys, vals):
                h[k].append(v)

    # ----- the interface the training loop calls ------------------------------------------
    def start(self, environment=None):
        """Print the table header (when Verbose).  ``environment`` "cpu"/"gpu" first prints
        MATLAB's "Training on single CPU." / "Training on single GPU." line."""
        if not self.verbose:
            return
        if environment is not None:
            self._print(f"Training on single {str(environment).upper()}.")
        self._print(self._border)
        for line in self._header_lines:
            self._print(line)
        self._print(self._border)

    def iteration(self, epoch, iteration, elapsed_s, loss, metric, learn_rate,
                  val_loss=None, val_metric=None):
        """Report one training iteration (call it every iteration)."""
        values = {"epoch": epoch, "iteration": iteration, "time": elapsed_s, "loss": loss,
                  "metric": metric, "learn_rate": learn_rate,
                  "val_loss": val_loss, "val_metric": val_metric}
        self._record(epoch, iteration, loss, metric, learn_rate, val_loss, val_metric)
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
        printed), the closing rule and "Training finished: <reason>."; finalize the plot
        (written to a PNG file when there is no display) and end the progress bar."""
        values = {"epoch": epoch, "iteration": iteration, "time": elapsed_s, "loss": loss,
                  "metric": metric, "learn_rate": learn_rate,
                  "val_loss": val_loss, "val_metric": val_metric}
        self._record(epoch, iteration, loss, metric, learn_rate, val_loss, val_metric)
        if self.verbose:
            self._print_row(values)
            self._print(self._border)
            if reason:
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
    def info(self) -> dict:
        """MATLAB's training ``info``: per-iteration TrainingLoss, TrainingAccuracy (or
        TrainingRMSE), ValidationLoss / ValidationAccuracy (or ValidationRMSE; NaN where not
        computed), BaseLearnRate, and FinalValidationLoss / FinalValidationAccuracy (or
        FinalValidationRMSE, NaN without validation data)."""
        h = self._history
        m = self._metric_name
        out = {k: np.asarray(h[k], dtype=float) for k in
               ("TrainingLoss", f"Training{m}", "ValidationLoss", f"Validation{m}", "BaseLearnRate")}
        vl, vm = out["ValidationLoss"], out[f"Validation{m}"]
        out["FinalValidationLoss"] = float(vl[-1]) if vl.size else math.nan
        out[f"FinalValidation{m}"] = float(vm[-1]) if vm.size else math.nan
        return out
