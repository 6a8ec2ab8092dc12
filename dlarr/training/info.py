"""What training returns besides the network: trainNetwork's ``info`` structure and
trainnet's :class:`TrainingInfo` object, with their MATLAB field names.

``[net, info] = trainNetwork(...)`` is ``net, info = dl.trainNetwork(..., nargout=2)``:
``info`` is a :class:`Struct` (a dict whose fields are also attributes, ``info.TrainingLoss``)
with one value per iteration in TrainingLoss, TrainingAccuracy or TrainingRMSE,
ValidationLoss, ValidationAccuracy or ValidationRMSE (NaN where validation did not run) and
BaseLearnRate, and the scalars FinalValidationLoss, FinalValidationAccuracy or
FinalValidationRMSE (the returned network's, NaN without validation data) and
OutputNetworkIteration.

``[net, info] = trainnet(...)`` is ``net, info = dl.trainnet(..., nargout=2)``: ``info`` is
a :class:`TrainingInfo` whose TrainingHistory (Iteration, Epoch, TrainingLoss, one
Training<Metric> column per metric, LearnRate) and ValidationHistory (Iteration,
ValidationLoss, one Validation<Metric> column per metric) are :class:`HistoryTable`
objects, with OutputNetworkIteration and StopReason.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["Struct", "HistoryTable", "TrainingInfo"]


def _short_g(x) -> str:
    """MATLAB's "format short g" for a table cell."""
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    if isinstance(x, numbers.Integral):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x == int(x) and abs(x) < 1e9:
        return str(int(x))
    return format(x, ".5g")


def _size_text(v) -> str:
    if isinstance(v, np.ndarray):
        shape = (1, v.size) if v.ndim == 1 else v.shape
        return f"[{'x'.join(str(n) for n in shape)} double]"
    if isinstance(v, float):
        return _short_g(v)
    if isinstance(v, str):
        return f'"{v}"'
    return repr(v)


class Struct(dict):
    """MATLAB's structure, as much as training info needs: a dict whose fields are also
    attributes (``info.TrainingLoss`` and ``info["TrainingLoss"]``), shown as MATLAB does."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"Reference to non-existent field {key!r}; the fields are "
                                 f"{', '.join(self)}") from None

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self))

    def __repr__(self):
        if not self:
            return "struct with no fields."
        width = max(len(k) for k in self) + 4
        lines = ["struct with fields:", ""]
        lines += [f"{k.rjust(width)}: {_size_text(v)}" for k, v in self.items()]
        return "\n".join(lines)


class HistoryTable:
    """A small table (MATLAB's ``table``): named columns of equal height.

    ``T.TrainingLoss`` or ``T["TrainingLoss"]`` is a column (a NumPy array), ``T[i]`` a row
    (a dict), ``T[a:b]`` a table of those rows; ``T.VariableNames``, ``len(T)``, ``T.height``,
    ``T.width``; ``repr`` prints it as MATLAB does."""

    def __init__(self, columns):
        cols = {str(k): np.asarray(v) for k, v in dict(columns).items()}
        heights = {len(v) for v in cols.values()}
        if len(heights) > 1:
            raise ValueError(f"HistoryTable: columns must have the same height; got "
                             f"{ {k: len(v) for k, v in cols.items()} }")
        object.__setattr__(self, "_cols", cols)

    @property
    def VariableNames(self) -> list:
        return list(self._cols)

    @property
    def height(self) -> int:
        return len(next(iter(self._cols.values()))) if self._cols else 0

    @property
    def width(self) -> int:
        return len(self._cols)

    def __len__(self):
        return self.height

    def __getattr__(self, key):
        cols = self.__dict__.get("_cols", {})
        if key in cols:
            return cols[key]
        raise AttributeError(f"Unrecognized table variable name {key!r}; the variables are "
                             f"{', '.join(cols)}")

    def __setattr__(self, key, value):
        raise AttributeError("HistoryTable is read-only")

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self._cols:
                raise KeyError(f"Unrecognized table variable name {key!r}; the variables are "
                               f"{', '.join(self._cols)}")
            return self._cols[key]
        if isinstance(key, slice):
            return HistoryTable({k: v[key] for k, v in self._cols.items()})
        if isinstance(key, numbers.Integral):
            return {k: v[key].item() for k, v in self._cols.items()}
        raise TypeError(f"HistoryTable: index with a variable name, a row number or a slice, "
                        f"not {type(key).__name__}")

    def __iter__(self):
        return (self[i] for i in range(self.height))

    def __eq__(self, other):
        if not isinstance(other, HistoryTable) or other.VariableNames != self.VariableNames:
            return NotImplemented
        return all(np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
                   for a, b in zip(self._cols.values(), other._cols.values()))

    __hash__ = None

    def __repr__(self):
        """MATLAB's table display: the size, the variable names centred over their
        columns, a rule under each name, the values right-aligned, four spaces apart."""
        lines = [f"  {self.height}x{self.width} table", ""]
        if not self._cols:
            return lines[0]
        cells = {k: [_short_g(x) for x in v.tolist()] for k, v in self._cols.items()}
        widths = {k: max([len(k)] + [len(c) for c in cells[k]]) for k in self._cols}
        lines.append("    " + "    ".join(k.center(widths[k]) for k in self._cols).rstrip())
        lines.append("    " + "    ".join(("_" * len(k)).center(widths[k])
                                          for k in self._cols).rstrip())
        lines.append("")
        for i in range(self.height):
            lines.append("    " + "    ".join(cells[k][i].rjust(widths[k])
                                              for k in self._cols).rstrip())
        return "\n".join(lines)


class TrainingInfo:
    """Training information, MATLAB's ``TrainingInfo``: trainnet's second output.

    Syntax::

        net, info = dl.trainnet(X, T, net, lossFcn, options, nargout=2)

    Properties:
        TrainingHistory: a table (:class:`HistoryTable`) with one row per iteration:
            Iteration, Epoch, TrainingLoss, Training<Metric> for each of the options'
            Metrics (TrainingAccuracy, TrainingRMSE, ...), LearnRate.
        ValidationHistory: a table with one row per validation: Iteration (0 is the
            initial network), ValidationLoss, Validation<Metric>; no rows without
            ValidationData.
        OutputNetworkIteration: the iteration of the returned network (the last one, or
            the best validation's with OutputNetwork "best-validation").
        StopReason: why training stopped: "Max epochs completed", "Met validation
            criterion" (ValidationPatience) or "Stopped by OutputFcn".

    A table's column is ``T.TrainingLoss`` (or ``T["TrainingLoss"]``, a NumPy array), a
    row ``T[i]`` (a dict); ``T.VariableNames``, ``T.height``; both print as MATLAB's.

    Differences from MATLAB: no ``show`` method (the plot is trainingOptions' Plots).

    Example::

        X = [np.random.rand(3, 10) for _ in range(20)]
        T = np.stack([x.mean(axis=1) for x in X])
        options = dl.trainingOptions("adam", MaxEpochs=3, MiniBatchSize=5, Verbose=False,
                                     ValidationData=(X[:5], T[:5]), Metrics="rmse")
        layers = [dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                  dl.fullyConnectedLayer(3)]
        net, info = dl.trainnet(X, T, layers, "mse", options, nargout=2)
        info.TrainingHistory.TrainingLoss              # 12 values: 3 epochs of 4 iterations
        info.ValidationHistory.VariableNames           # ['Iteration', 'ValidationLoss', 'ValidationRMSE']
        info.StopReason                                # 'Max epochs completed'
    """

    __slots__ = ("TrainingHistory", "ValidationHistory", "OutputNetworkIteration", "StopReason")

    def __init__(self, TrainingHistory, ValidationHistory, OutputNetworkIteration, StopReason):
        self.TrainingHistory = TrainingHistory
        self.ValidationHistory = ValidationHistory
        self.OutputNetworkIteration = OutputNetworkIteration
        self.StopReason = StopReason

    def __repr__(self):
        def size(t):
            return f"[{t.height}x{t.width} table]"
        return "\n".join([
            "TrainingInfo with properties:", "",
            f"           TrainingHistory: {size(self.TrainingHistory)}",
            f"         ValidationHistory: {size(self.ValidationHistory)}",
            f"    OutputNetworkIteration: {self.OutputNetworkIteration}",
            f"                StopReason: \"{self.StopReason}\""])


# ==========================================================================
# From the progress recorder's history to what trainNetwork / trainnet return
# ==========================================================================

def network_info(history, metric, output_iteration, final_loss, final_metric) -> Struct:
    """trainNetwork's info: ``history`` is the recorder's per-iteration columns
    (TrainingLoss, Training<metric>, ValidationLoss, Validation<metric>, BaseLearnRate),
    ``metric`` "Accuracy" or "RMSE"."""
    out = Struct()
    for k in ("TrainingLoss", f"Training{metric}", "ValidationLoss", f"Validation{metric}",
              "BaseLearnRate"):
        out[k] = np.asarray(history[k], dtype=float)
    out["FinalValidationLoss"] = float(final_loss)
    out[f"FinalValidation{metric}"] = float(final_metric)
    out["OutputNetworkIteration"] = int(output_iteration)
    return out


def trainnet_info(history, validations, metrics, output_iteration, reason) -> TrainingInfo:
    """trainnet's TrainingInfo: ``history`` as for :func:`network_info`; ``validations``
    the (iteration, loss, metric values) of every validation, in order."""
    train = {"Iteration": np.asarray(history["Iteration"], dtype=np.int64),
             "Epoch": np.asarray(history["Epoch"], dtype=np.int64),
             "TrainingLoss": np.asarray(history["TrainingLoss"], dtype=float)}
    for m in metrics:
        train[f"Training{m}"] = np.asarray(history[f"Training{m}"], dtype=float)
    train["LearnRate"] = np.asarray(history["BaseLearnRate"], dtype=float)
    val = {"Iteration": np.asarray([v[0] for v in validations], dtype=np.int64),
           "ValidationLoss": np.asarray([v[1] for v in validations], dtype=float)}
    for j, m in enumerate(metrics):
        val[f"Validation{m}"] = np.asarray([v[2][j] for v in validations], dtype=float)
    return TrainingInfo(HistoryTable(train), HistoryTable(val), int(output_iteration),
                        str(reason))
