"""MATLAB's ``plot(lgraph)``: a drawing of a layer graph (matplotlib, the optional
``plot`` extra).  With a display and a GUI backend the figure is shown; otherwise it is
written to a PNG ("layergraph.png" in the current directory by default), drawn on an
Agg canvas that pyplot never sees, so no window opens and no figure is left open."""
from __future__ import annotations

import os
import sys

from ..core.arguments import came, name_value_pairs
from . import graph as G

GRAPH_FILE = "layergraph.png"     # where a headless plot is written by default

__all__ = ["plot"]

_NON_INTERACTIVE = ("agg", "pdf", "ps", "svg", "pgf", "cairo", "template")


def _headless(matplotlib) -> bool:
    display = sys.platform in ("win32", "darwin") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    backend = str(matplotlib.get_backend()).lower()
    return not display or backend.startswith("module://") or backend in _NON_INTERACTIVE


def _layout(layers, edges):
    """(x, depth) of each layer: depth the longest path from an input, x the position
    among the layers of its depth."""
    index = {l.Name: i for i, l in enumerate(layers)}
    order, cycle = G.topological_order(layers, edges)
    order += [i for i in range(len(layers)) if i not in set(order)]    # those on a cycle
    depth = [0] * len(layers)
    for i in order:
        for s, _, d, _ in edges:
            if index[d] == i and index[s] != i:
                depth[i] = max(depth[i], depth[index[s]] + 1)
    rows = {}
    pos = [None] * len(layers)
    for i in order:
        pos[i] = (rows.get(depth[i], 0), depth[i])
        rows[depth[i]] = rows.get(depth[i], 0) + 1
    return pos, max(rows.values(), default=1), max(depth, default=0) + 1


def _draw(fig, layers, edges, title):
    ax = fig.add_subplot(1, 1, 1)
    pos, width, height = _layout(layers, edges)
    index = {l.Name: i for i, l in enumerate(layers)}
    for s, sp, d, dp in edges:
        (x0, y0), (x1, y1) = pos[index[s]], pos[index[d]]
        bend = 0.0 if abs(y1 - y0) <= 1 else 0.45        # past other layers: an arc
        ax.annotate("", xy=(x1, -y1 + 0.18), xytext=(x0, -y0 - 0.18),
                    arrowprops=dict(arrowstyle="->", color="0.35", lw=1.0,
                                    connectionstyle=f"arc3,rad={bend}"))
        if len(G.in_ports(layers[index[d]])) > 1:
            ax.text(x1 + (-0.12 if bend else 0.06), -y1 + 0.3, dp, fontsize=7, color="0.35",
                    ha="right" if bend else "left")
    for l, (x, y) in zip(layers, pos):
        ax.text(x, -y, l.Name, ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.3", fc="#dbe9f6", ec="#2f6fad"))
    ax.set_xlim(-0.8, max(width, 1) - 0.2)
    ax.set_ylim(-height + 0.4, 0.6)
    ax.axis("off")
    if title:
        ax.set_title(title)


@name_value_pairs(1)
def plot(lgraph, *, File=None, Title=None):
    """Plot a layer graph or network, MATLAB's ``plot(lgraph)`` / ``plot(net)``.

    Syntax::

        fig = dl.plot(lgraph)
        fig = dl.plot(net, File="net.png")             # always write the PNG there
        fig = dl.plot(lgraph, File=False)              # never write one

    Input arguments:
        lgraph: a LayerGraph, a dlnetwork, a SeriesNetwork or a DAGNetwork.
        File: None (default): with a display and a GUI backend the figure is shown,
            otherwise written to "layergraph.png" in the current directory; a path:
            written there always; False: never written.
        Title: None (default: none) or a string.

    Output arguments:
        fig: a matplotlib Figure: one box per layer (its name), from the inputs at the
            top down, an arrow per connection (a multi-input destination's port named
            beside it); ``fig.saved_file`` is the PNG's absolute path, or None.

    Differences from MATLAB: a matplotlib Figure, not a graphplot object; the File and
    Title options.  Needs matplotlib (``pip install dlarr[plot]``).

    Example::

        lgraph = dl.layerGraph([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(4, Name="fc"),
                                dl.additionLayer(2, Name="add")])
        lgraph = dl.connectLayers(lgraph, "sequenceinput", "add/in2")
        fig = dl.plot(lgraph, File=False)
    """
    layers, edges = G._parts(lgraph, "plot")
    if File is not None and File is not False and not isinstance(File, (str, os.PathLike)):
        raise TypeError(f"plot: File must be a file name, False or None, not {came(File)}")
    if Title is not None and not isinstance(Title, str):
        raise TypeError(f"plot: Title must be a string, not {came(Title)}")
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plot needs matplotlib, which is not installed; install it with "
                          "`pip install matplotlib` (or `pip install dlarr[plot]`)") from None
    live = not _headless(matplotlib)
    size = (max(4.0, 2.2 * _layout(layers, edges)[1]), max(3.0, 0.8 * _layout(layers, edges)[2]))
    if live:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=size)
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        fig = Figure(figsize=size)
        FigureCanvasAgg(fig)
    _draw(fig, layers, edges, Title)
    path = None if File is False else (GRAPH_FILE if File is None and not live else File)
    if path is not None:
        path = os.path.abspath(os.fspath(path))
        fig.savefig(path, dpi=100, bbox_inches="tight")
    if live:
        plt.show(block=False)
    fig.saved_file = path
    return fig
