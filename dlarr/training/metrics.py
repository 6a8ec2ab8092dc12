"""Confusion matrices: MATLAB's ``confusionmat`` and ``confusionchart``.

Rows are the true classes, columns the predicted ones.  Categorical labels keep every
category (a class no label belongs to gets a row and a column of zeros); other labels
(numbers or text) are ordered as the sorted unique values of both.  Missing labels
(NaN, "", None, undefined) leave their observation out, as MATLAB does.

``confusionchart`` draws with matplotlib (the optional ``plot`` extra: ``pip install
dlarr[plot]``), which is imported only when it is called; as the training-progress plot
(``progress.py``), the figure is shown when there is a display and a GUI backend, and
written to a PNG file otherwise.
"""
from __future__ import annotations

import os

import numpy as np

from ..core import options as V
from ..core.arguments import as_array, check_nargout, name_value_pairs
from ..core.categorical import categorical, concatenate, label_keys, number_name
from ..core.options import choose
from .progress import _has_display, _interactive_backend

__all__ = ["confusionmat", "confusionchart"]

CHART_FILE = "confusionchart.png"      # where a headless confusionchart is written by default

_BLUE = np.array([0.0, 0.4470, 0.7410])      # MATLAB's first and second line colours
_RED = np.array([0.8500, 0.3250, 0.0980])


# ==========================================================================
# confusionmat
# ==========================================================================

def _count(rows, cols, K):
    """K x K counts of the pairs (rows[i], cols[i]) where both are >= 0."""
    C = np.zeros((K, K), np.int64)
    keep = (rows >= 0) & (cols >= 0)
    np.add.at(C, (rows[keep], cols[keep]), 1)
    return C


def _order_names(Order, fname):
    names = Order.string().ravel().tolist() if isinstance(Order, categorical) else [
        v.strip() if isinstance(v, str) else number_name(v)
        for v in as_array(Order, fname, "Order", kinds="biufU").ravel().tolist()]
    if len(set(names)) != len(names):
        raise ValueError(f"{fname}: Order must not repeat a group; it has {names}")
    return names


def _by_categories(g, h, Order, fname):
    """confusionmat of labels of which one at least is categorical."""
    n = g.size
    joined = concatenate(0, [g.ravel(), h.ravel()], fname)
    names, codes = joined.Categories, joined.codes
    if Order is None:
        order = names
    else:
        order = _order_names(Order, fname)
        absent = [names[c] for c in np.unique(codes[codes >= 0]) if names[c] not in order]
        if absent:
            raise ValueError(f"{fname}: Order must list every group of group and grouphat; "
                             f"{absent[0]!r} is not in it")
    where = {c: i for i, c in enumerate(order)}
    lut = np.array([where.get(c, -1) for c in names] + [-1], np.int64)
    C = _count(lut[codes[:n]], lut[codes[n:]], len(order))
    valueset = names + [c for c in order if c not in names]
    return C, categorical(order, valueset)


def _by_values(group, grouphat, Order, fname):
    """confusionmat of numbers or text (not categorical)."""
    g, gm, gkind = label_keys(group, fname, "group")
    h, hm, hkind = label_keys(grouphat, fname, "grouphat")
    if gkind != hkind:
        raise TypeError(f"{fname}: group and grouphat must be labels of one kind; group holds "
                        f"{gkind} values and grouphat {hkind} values")
    g, gm, h, hm = g.ravel(), gm.ravel(), h.ravel(), hm.ravel()
    present = np.unique(np.concatenate([g[~gm], h[~hm]]))
    if Order is None:
        order = present
    else:
        order, om, okind = label_keys(Order, fname, "Order")
        order = order.ravel()
        if om.any() or okind != gkind:
            raise ValueError(f"{fname}: Order must list {gkind} groups without missing values; "
                             f"got {Order!r}")
        if len(np.unique(order)) != len(order):
            raise ValueError(f"{fname}: Order must not repeat a group; it has {order.tolist()}")
        absent = [v for v in present.tolist() if v not in set(order.tolist())]
        if absent:
            raise ValueError(f"{fname}: Order must list every group of group and grouphat; "
                             f"{absent[0]!r} is not in it")
    where = {v: i for i, v in enumerate(order.tolist())}

    def positions(keys, missing):
        return np.array([-1 if m else where[k] for k, m in zip(keys.tolist(), missing.tolist())],
                        np.int64)
    return _count(positions(g, gm), positions(h, hm), len(order)), order


@name_value_pairs(2)
def confusionmat(group, grouphat, *, Order=None, nargout=1):
    """Confusion matrix for classification, MATLAB's ``confusionmat``.

    Syntax::

        C = dl.confusionmat(group, grouphat)
        C = dl.confusionmat(group, grouphat, Order=grouporder)   # or ..., "Order", grouporder
        C, order = dl.confusionmat(group, grouphat, nargout=2)   # MATLAB: [C, order] = ...

    Input arguments:
        group: the true labels, a vector: a categorical, numbers or text.
        grouphat: the predicted labels, as many as ``group``, of the same kind (one of
            the two may be a categorical and the other its names).
        Order: None (default) | the groups in the order of the rows and columns.  By
            default a categorical's categories, every one (a class no label belongs to
            gets a row and a column of zeros), those of ``group`` first; for numbers or
            text the sorted unique values of both.  Given, it must list every group that
            occurs, without repeats.
        nargout: 1 (default) | 2 (also the order).

    Output arguments:
        C: ``C[i, j]`` is the number of observations of true group ``order[i]``
            predicted as ``order[j]`` (an int64 K x K array; rows true, columns
            predicted).  Observations with a missing label (NaN, "", None, undefined)
            are left out, as MATLAB does.
        order: the groups of the rows and columns: a categorical for categorical labels,
            else a NumPy array.

    Example::

        C, order = dl.confusionmat([1, 2, 2, 3], [1, 2, 3, 3], nargout=2)
        # C = [[1 0 0], [0 1 1], [0 0 1]], order = array([1, 2, 3])
        C = dl.confusionmat(["a", "b", "b"], ["a", "a", "b"], Order=["b", "a"])
    """
    fname = "confusionmat"
    nargout = check_nargout(nargout, (1, 2), fname)
    sizes = []
    for name, v in (("group", group), ("grouphat", grouphat)):
        sizes.append(v.size if isinstance(v, categorical) else as_array(v, fname, name).size)
    if sizes[0] != sizes[1]:
        raise ValueError(f"{fname}: group and grouphat must have the same number of elements; "
                         f"they have {sizes[0]} and {sizes[1]}")
    if isinstance(group, categorical) or isinstance(grouphat, categorical):
        g, h = categorical._of(group, fname, "group"), categorical._of(grouphat, fname, "grouphat")
        C, order = _by_categories(g, h, Order, fname)
    else:
        C, order = _by_values(group, grouphat, Order, fname)
    return (C, order) if nargout == 2 else C


# ==========================================================================
# confusionchart
# ==========================================================================

def _import_matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("confusionchart needs matplotlib, which is not installed; install it "
                          "with `pip install matplotlib` (or `pip install dlarr[plot]`)") from None
    return matplotlib


def _chart_data(first, second, fname):
    """``(counts, class labels)`` from (trueLabels, predictedLabels) or (m, classLabels)."""
    if not isinstance(first, categorical):
        m = as_array(first, fname, "trueLabels")
        matrix = second is None or (m.ndim == 2 and m.shape[0] == m.shape[1] > 1
                                    and not isinstance(second, categorical)
                                    and as_array(second, fname, "predictedLabels").ndim == 1
                                    and len(second) == m.shape[0])
        if matrix:
            if m.ndim != 2 or m.shape[0] != m.shape[1] or m.dtype.kind not in "biuf" \
                    or m.size == 0 or not np.all(np.isfinite(m)) or np.any(m < 0):
                raise ValueError(f"{fname}: a confusion matrix m must be a square matrix of "
                                 f"non-negative counts; got {m.dtype} of size {m.shape}")
            labels = [str(i) for i in range(m.shape[0])] if second is None else [
                v.strip() if isinstance(v, str) else number_name(v) for v in list(second)]
            return m.astype(float), labels
    C, order = confusionmat(first, second, nargout=2)
    labels = order.string().tolist() if isinstance(order, categorical) else \
        [str(v) if isinstance(v, str) else number_name(v) for v in order.tolist()]
    return C.astype(float), labels


def _normalized(m, how):
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "row-normalized":
            out = m / m.sum(axis=1, keepdims=True)
        elif how == "column-normalized":
            out = m / m.sum(axis=0, keepdims=True)
        elif how == "total-normalized":
            out = m / m.sum()
        else:
            out = m.copy()
    return np.nan_to_num(out)


def _text(v, absolute):
    if v == 0:
        return ""
    return f"{int(round(v))}" if absolute else f"{100 * v:.1f}%"


def _paint(ax, values, base, absolute):
    """Cells of ``values`` shaded from white to their base colour (rows x cols x 3) by
    their share of the largest value, with the value written in each nonzero cell."""
    top = values.max() if values.size and values.max() > 0 else 1.0
    share = (values / top)[..., None]
    ax.imshow(1 - share * (1 - base), aspect="auto", interpolation="nearest")
    for (i, j), v in np.ndenumerate(values):
        colour = "white" if share[i, j, 0] > 0.55 else "black"
        ax.text(j, i, _text(v, absolute), ha="center", va="center", color=colour, fontsize=9)
    rows, cols = values.shape
    ax.set_xticks(np.arange(cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="0.75", linewidth=0.6)
    ax.tick_params(which="minor", length=0)


def _summary(m, axis, how):
    """Correct and incorrect per true class (axis 1: row summary) or per predicted class
    (axis 0: column summary), as ``how`` normalizes them."""
    right = np.diag(m)
    wrong = m.sum(axis=axis) - right
    both = np.stack([right, wrong], axis=1 if axis == 1 else 0)
    if how == "absolute":
        return both, True
    with np.errstate(invalid="ignore", divide="ignore"):
        total = m.sum() if how == "total-normalized" else both.sum(axis=1 if axis == 1 else 0,
                                                                     keepdims=True)
        return np.nan_to_num(both / total), False


def _draw(fig, m, labels, norm, row_summary, column_summary, title):
    """The chart on ``fig``: the matrix, then the summaries to its right and below."""
    n = len(labels)
    has_rows, has_cols = row_summary != "off", column_summary != "off"
    grid = fig.add_gridspec(1 + has_cols, 1 + has_rows, width_ratios=[n, 2][:1 + has_rows],
                            height_ratios=[n, 2][:1 + has_cols], wspace=0.08, hspace=0.08)
    ax = fig.add_subplot(grid[0, 0])
    values = _normalized(m, norm)
    base = np.where(np.eye(n, dtype=bool)[..., None], _BLUE, _RED)
    _paint(ax, values, base, norm == "absolute")
    ax.set_yticks(range(n), labels)
    ax.set_ylabel("True Class")
    ax.set_xticks(range(n), labels, rotation=45 if max(map(len, labels)) > 3 else 0)
    if has_cols:
        ax.tick_params(labelbottom=False)          # the column summary below shows them
    else:
        ax.set_xlabel("Predicted Class")
    if has_rows:
        s, absolute = _summary(m, 1, row_summary)
        side = fig.add_subplot(grid[0, 1], sharey=ax)
        _paint(side, s, np.stack([_BLUE, _RED])[None].repeat(n, 0), absolute)
        side.set_xticks([]), side.tick_params(labelleft=False, left=False)
    if has_cols:
        s, absolute = _summary(m, 0, column_summary)
        below = fig.add_subplot(grid[1, 0], sharex=ax)
        _paint(below, s, np.stack([_BLUE, _RED])[:, None].repeat(n, 1), absolute)
        below.set_yticks([])
        below.tick_params(labelbottom=True)
        below.set_xlabel("Predicted Class")
    if title:
        ax.set_title(title)
    return values


@name_value_pairs(1)
def confusionchart(trueLabels, predictedLabels=None, *, Title=None, Normalization="absolute",
                   RowSummary="off", ColumnSummary="off", File=None):
    """Confusion matrix chart for classification, MATLAB's ``confusionchart``.

    Syntax::

        fig = dl.confusionchart(trueLabels, predictedLabels)
        fig = dl.confusionchart(m)                     # a confusion matrix; labels 0..n-1
        fig = dl.confusionchart(m, classLabels)
        fig = dl.confusionchart(..., Name=Value)       # or MATLAB's pairs ..., "Name", Value

    ``trueLabels``, ``predictedLabels``: labels as :func:`confusionmat` takes them (rows:
    the true classes); ``m``: a square matrix of non-negative counts.  Name-value
    options: ``Title`` (None, the default: none); ``Normalization``: "absolute"
    (default), "column-normalized", "row-normalized", "total-normalized";
    ``RowSummary`` ("off" (default), "absolute", "row-normalized", "total-normalized")
    and ``ColumnSummary`` ("off" (default), "absolute", "column-normalized",
    "total-normalized"): the correct (blue) and incorrect (red) share per true or
    predicted class; ``File``: with a display and a GUI backend the figure is shown,
    otherwise written to ``"confusionchart.png"`` in the current directory (None, the
    default); a path writes it there always, ``False`` never.

    Returns a matplotlib Figure with MATLAB's chart properties ``NormalizedValues`` and
    ``ClassLabels``, and ``saved_file`` (the PNG's absolute path, or None).  Differences
    from MATLAB: a Figure, not a ConfusionMatrixChart object; the ``File`` option.  Needs
    matplotlib (``pip install dlarr[plot]``).

    Example::

        fig = dl.confusionchart(["a", "b", "b", "c"], ["a", "b", "c", "c"], File=False,
                                Title="Test", RowSummary="row-normalized")
        fig.NormalizedValues                           # the 3 x 3 counts
    """
    fname = "confusionchart"
    norm = choose(Normalization, V.CONFUSION_NORMALIZATIONS, fname, "Normalization")
    rows = choose(RowSummary, V.ROW_SUMMARIES, fname, "RowSummary")
    cols = choose(ColumnSummary, V.COLUMN_SUMMARIES, fname, "ColumnSummary")
    if Title is not None and not isinstance(Title, str):
        raise TypeError(f"{fname}: Title must be a string, not {type(Title).__name__}")
    if File is not None and File is not False and not isinstance(File, (str, os.PathLike)):
        raise TypeError(f"{fname}: File must be a file name, False or None, not "
                        f"{type(File).__name__}")
    m, labels = _chart_data(trueLabels, predictedLabels, fname)
    mpl = _import_matplotlib()
    live = _has_display() and _interactive_backend(mpl)
    n = len(labels)
    size = (min(max(4.5, 0.6 * n + 2.5 + 1.2 * (rows != "off")), 14),
            min(max(4.0, 0.6 * n + 2.0 + 1.2 * (cols != "off")), 14))
    if live:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=size)
    else:                       # an Agg canvas that pyplot never sees: no figure is left open
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        fig = Figure(figsize=size)
        FigureCanvasAgg(fig)
    fig.NormalizedValues = _draw(fig, m, labels, norm, rows, cols, Title)
    fig.ClassLabels = labels
    path = None if File is False else (CHART_FILE if File is None and not live else File)
    if path is not None:
        path = os.path.abspath(os.fspath(path))
        fig.savefig(path, dpi=100, bbox_inches="tight")
        print(f"Confusion chart saved to {path}")
    if live:
        plt.show(block=False)
    fig.saved_file = path
    return fig
