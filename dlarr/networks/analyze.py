"""MATLAB's ``analyzeNetwork`` as text: layer sizes, learnables, states and issues.

``analyzeNetwork(layers)`` (a layer list, a dlnetwork or a SeriesNetwork) works out,
without running data, what each layer receives and gives, which learnables and states
it has and how large they are, and reports the errors and warnings MATLAB's analyzer
reports, each naming its layer.  It never raises on a broken network: each problem is
an issue of the returned :class:`NetworkAnalysis`, whose ``repr`` is the table.

The sizes come from the layers' own ``_setup`` hooks (``dlarr.layers.base.Layer``),
run on copies of the layers with dlarr's random stream saved and restored, so the
user's layers and ``rng`` are left as they were.
"""
from __future__ import annotations

import copy
import math
import textwrap
from typing import NamedTuple

import numpy as np

from .. import layers as L
from ..layers.input import _InputLayer
from ..core.arguments import name_value_pairs
from ..core.backend import rng
from ..core.options import choose
from ..core import options as V
from . import graph as G
from .graph import LayerGraph
from .network import _Net, dlnetwork

_RECURRENT = (L.LSTMLayer, L.GRULayer, L.BiLSTMLayer)
_OUTPUT_HINT = "classificationLayer or regressionLayer"


class LayerInfo(NamedTuple):
    """One row of :attr:`NetworkAnalysis.LayerTable` (MATLAB's LayerTable variables).

    ``ActivationSizes`` / ``ActivationFormats``: the layer's output, e.g. ``(12, 1, 1)``
    and ``"CBT"`` (``()`` and ``""`` for an output layer, which gives none; None for a
    layer that could not be analyzed); ``LearnableSizes`` / ``StateSizes``: ``{name: size}``;
    ``NumLearnables``: their number of elements (None when not analyzed)."""
    Index: int
    Name: str
    Type: str
    Description: str
    ActivationSizes: tuple | None
    ActivationFormats: str | None
    LearnableSizes: dict
    NumLearnables: int | None
    StateSizes: dict


class Issue(NamedTuple):
    """One row of :attr:`NetworkAnalysis.Issues`: ``Severity`` "Error" or "Warning",
    ``LayerNames`` the layers it is about, ``Description`` what is wrong."""
    Severity: str
    LayerNames: tuple
    Description: str


class NetworkAnalysis:
    """What :func:`analyzeNetwork` found (MATLAB's ``NetworkAnalysis``).

    ``TotalLearnables`` (NaN when the network has errors, as in MATLAB),
    ``LayerTable`` (a tuple of :class:`LayerInfo`, one per layer, 0-based ``Index``),
    ``Issues`` (a tuple of :class:`Issue`), ``TargetUsage``.  ``repr`` is the text
    table ``analyzeNetwork`` prints."""

    def __init__(self, rows, issues, target):
        self.LayerTable = tuple(rows)
        self.Issues = tuple(issues)
        self.TargetUsage = target
        errors = any(i.Severity == "Error" for i in self.Issues)
        self.TotalLearnables = math.nan if errors else sum(r.NumLearnables or 0 for r in rows)

    def __repr__(self):
        return _render(self)

    __str__ = __repr__


@name_value_pairs(1)
def analyzeNetwork(net, *, TargetUsage=None, Plots=None):
    """Analyze a deep learning network architecture, MATLAB's ``analyzeNetwork``, as text.

    Syntax::

        info = dl.analyzeNetwork(layers)               # MATLAB: analyzeNetwork(layers)
        info = dl.analyzeNetwork(net)
        info = dl.analyzeNetwork(layers, TargetUsage="dlnetwork")
        info = dl.analyzeNetwork(net, Plots="none")    # or ..., "Plots", "none"

    Works out, without running data, what each layer receives and gives, and prints the
    analysis: one row per layer (index, name and description, type, activations,
    learnables and their sizes, states), the total number of learnables, and the errors
    and warnings MATLAB's analyzer reports, each naming its layer.  It never raises on a
    broken network: each problem is an issue of the result.

    Input arguments:
        net: a list of layers (connected in order), a layer graph (layerGraph, with
            its connections), a dlnetwork, a SeriesNetwork or a DAGNetwork (left as
            they are).

    Name-value options (keywords, or MATLAB's positional pairs):
        TargetUsage: "trainNetwork" (check that trainNetwork can train it: it needs an
            output layer) or "dlnetwork" (for trainnet and custom loops: no output
            layers).  Default None: "dlnetwork" for a dlnetwork, "trainNetwork" for a
            layer list, a layer graph, a SeriesNetwork or a DAGNetwork, as in MATLAB.
        Plots: "analyzer" (default None, the same: print the analysis) or "none" (only
            return it; MATLAB: no analyzer window).

    Output arguments:
        info: a :class:`NetworkAnalysis`: ``TotalLearnables`` (NaN when there are
            errors, as in MATLAB), ``LayerTable`` (one :class:`LayerInfo` per layer,
            0-based ``Index``), ``Issues`` (:class:`Issue` rows: Severity, LayerNames,
            Description) and ``TargetUsage``; its ``repr`` is the printed table.

    Differences from MATLAB: the analyzer is text, not an app window; rows are 0-based.

    Example::

        layers = [dl.sequenceInputLayer(12), dl.lstmLayer(100, OutputMode="last"),
                  dl.fullyConnectedLayer(9), dl.softmaxLayer(), dl.classificationLayer()]
        info = dl.analyzeNetwork(layers)               # prints the table
        info.TotalLearnables                           # 46109
        info = dl.analyzeNetwork(layers, TargetUsage="dlnetwork", Plots="none")
        info.Issues[0].Severity                        # 'Error': an output layer
    """
    if isinstance(net, _Net):
        layers, edges = net._graph_parts()
        listed = net._is_chain()
        default = "dlnetwork" if isinstance(net, dlnetwork) else "trainNetwork"
    elif isinstance(net, LayerGraph):
        (layers, edges), listed, default = net._graph_parts(), False, "trainNetwork"
    elif isinstance(net, (list, tuple)) and all(isinstance(l, L.Layer) for l in net):
        layers, edges, listed, default = list(net), None, True, "trainNetwork"
    else:
        raise TypeError("analyzeNetwork: net must be a list of layers (e.g. "
                        "[dl.sequenceInputLayer(12), dl.lstmLayer(100), ...]), a layer graph, a "
                        f"dlnetwork, a SeriesNetwork or a DAGNetwork; got {type(net).__name__}")
    target = default if TargetUsage is None else choose(TargetUsage, V.TARGET_USAGES,
                                                        "analyzeNetwork", "TargetUsage")
    plots = "analyzer" if Plots is None else choose(Plots, V.ANALYZER_PLOTS, "analyzeNetwork",
                                                    "Plots")
    analysis = _analyze([copy.copy(l) for l in layers], edges if not listed else None,
                        target)
    if plots == "analyzer":
        print(analysis)
    return analysis


# --------------------------------------------------------------------------
# The analysis
# --------------------------------------------------------------------------

class _Issues:
    """Issues collected with the index of the layer they are about (for their order)."""

    def __init__(self):
        self.items = []

    def add(self, severity, index, names, text):
        self.items.append((index, Issue(severity, tuple(names), text)))

    def error(self, index, layer, text):
        self.add("Error", index, (layer.Name,), text)

    def warning(self, index, layer, text):
        self.add("Warning", index, (layer.Name,), text)

    def sorted(self):
        return [issue for _, issue in sorted(self.items, key=lambda t: t[0])]


def _analyze(layers, edges, target):
    """The analysis of ``layers`` (copies, changed here) for ``target``: a layer array
    (``edges`` None: each layer reads the one before) or a graph."""
    issues = _Issues()
    _name_layers(layers, issues)
    if edges is None:
        _structure_issues(layers, target, issues)
        sources = [[] if l.NumInputs == 0 else
                   [(i - 1, 0) if i > 0 else None] + [None] * (len(G.in_ports(l)) - 1)
                   for i, l in enumerate(layers)]
        for i, l in enumerate(layers):
            for p in G.in_ports(l)[1:] if l.NumInputs > 1 else ():
                _unconnected(issues, i, l, p)
        order = range(len(layers))
    else:
        sources, order = _graph_issues(layers, edges, target, issues)
    saved = rng()                       # initializers draw from dlarr's stream: put it back
    try:
        outs, inputs = _propagate(layers, sources, order, np.dtype(np.float32), issues)
    finally:
        rng(saved)
    _output_issues(layers, inputs, issues)
    rows = [_row(i, l, outs[i]) for i, l in enumerate(layers)]
    return NetworkAnalysis(rows, issues.sorted(), target)


def _name_layers(layers, issues):
    """Default names for unnamed layers, as a network gives them; repeated names are
    errors."""
    try:
        G.name_layers(layers, "analyzeNetwork")   # the network's naming rule (raises on repeats)
    except ValueError:
        pass
    names = [l.Name for l in layers]
    for name in dict.fromkeys(n for n in names if names.count(n) > 1):
        where = [i for i, n in enumerate(names) if n == name]
        issues.add("Error", where[0], (name,),
                   f"Duplicate layer name. Layer names must be unique: '{name}' is the name of "
                   f"layers {', '.join(map(str, where[:-1]))} and {where[-1]} (0-based).")


def _unconnected(issues, i, l, port):
    issues.error(i, l, f"Unconnected input. Input '{port}' of layer '{l.Name}' ({l._display}) "
                       "is not connected; each layer input must be connected to the output of "
                       f"another layer (connectLayers(lgraph, source, "
                       f"'{G.port_text(l, port, 'in')}')).")


def _graph_issues(layers, edges, target, issues):
    """The structure of a layer graph: a cycle, unconnected inputs, input and output
    layers for ``target``, a softmax before each classification layer.  Returns the
    sources of each layer's inputs (``(layer index, output index)`` or None) and the
    order to set the layers up in (the layers on or after a cycle left out)."""
    index = {l.Name: i for i, l in enumerate(layers)}
    order, cycle = G.topological_order(layers, edges)
    if cycle is not None:
        issues.add("Error", index[cycle[0]], tuple(dict.fromkeys(cycle)),
                   f"Cycle in the network. The connections "
                   f"{' -> '.join(repr(n) for n in cycle)} form a loop; a network's connections "
                   "must not loop back (disconnectLayers one of them).")
    sources = [[None] * len(G.in_ports(l)) for l in layers]
    for s, sp, d, dp in edges:
        sources[index[d]][G.in_ports(layers[index[d]]).index(dp)] = \
            (index[s], G.out_ports(layers[index[s]]).index(sp))
    for l, p in G.unconnected_inputs(layers, edges):
        _unconnected(issues, index[l.Name], l, p)
    if not any(l.NumInputs == 0 for l in layers):
        issues.add("Error", 0, (), "Missing input layer. The network has no input layer "
                                   "(sequenceInputLayer)" + ("." if layers else "; it has no layers."))
    outputs = [i for i, l in enumerate(layers) if isinstance(l, L._OUTPUT_LAYERS)]
    for i, l in enumerate(layers):
        _input_statistics_issue(i, l, target, issues)
        if isinstance(l, L._OUTPUT_LAYERS) and target == "dlnetwork":
            _dlnetwork_output_issue(i, l, issues)
        if isinstance(l, L.ClassificationOutputLayer) and sources[i][0] is not None:
            _softmax_issue(layers, i, sources[i][0][0], _ancestors(sources, i), issues)
    if target == "trainNetwork":
        if layers and not outputs:
            issues.add("Error", len(layers) - 1, (),
                       f"Missing output layer. To train with trainNetwork the network must end "
                       f"in an output layer ({_OUTPUT_HINT}). (For a dlnetwork or trainnet, "
                       "analyze with TargetUsage='dlnetwork'.)")
        for text in G.unconnected_outputs(layers, edges):
            name = text.rsplit("/", 1)[0] if text not in index else text
            issues.error(index[name], layers[index[name]],
                         f"Unconnected output. The output {text!r} of layer '{name}' is not "
                         f"connected; for trainNetwork each output of the network must end in "
                         f"an output layer ({_OUTPUT_HINT}).")
    return sources, order


def _ancestors(sources, i):
    """The indices of the layers layer ``i`` reads from, directly or not."""
    seen, todo = set(), [s[0] for s in sources[i] if s is not None]
    while todo:
        k = todo.pop()
        if k not in seen:
            seen.add(k)
            todo += [s[0] for s in sources[k] if s is not None]
    return seen


def _input_statistics_issue(i, l, target, issues):
    if isinstance(l, _InputLayer) and target == "dlnetwork" \
            and not l._has_statistics():
        need = " and ".join(l._STATS[l.Normalization])
        issues.warning(i, l, f"Layer '{l.Name}' ({l._display}) has Normalization "
                             f"'{l.Normalization}', which needs {need}; trainNetwork computes "
                             "them from the training data, but a dlnetwork's forward and "
                             "predict fail until they are set.")


def _dlnetwork_output_issue(i, l, issues):
    issues.error(i, l, f"Detected output layer. Layer '{l.Name}' ({l._display}) is an "
                       "output layer, which a dlnetwork must not have; remove it and "
                       "give the loss to trainnet (or compute it in your loss "
                       "function).")


def _structure_issues(layers, target, issues):
    """Input layer first, output layer last (trainNetwork) or none (dlnetwork), a
    softmax before a classification layer, normalization statistics (dlnetwork)."""
    if not layers:
        issues.add("Error", 0, (), "Missing input layer. The network has no layers.")
        return
    first, last = layers[0], layers[-1]
    if not isinstance(first, _InputLayer):
        issues.error(0, first, f"Missing input layer. The network must start with an input layer "
                               f"(sequenceInputLayer, featureInputLayer); its first layer is "
                               f"'{first.Name}' ({first._display}).")
    for i, l in enumerate(layers):
        if isinstance(l, _InputLayer) and i > 0:
            issues.error(i, l, f"Layer '{l.Name}' ({l._display}) is an input layer but is not the "
                               f"first layer (it is layer {i}, 0-based); a layer array has one "
                               "input layer, at its start.")
        if isinstance(l, L._OUTPUT_LAYERS):
            if target == "dlnetwork":
                _dlnetwork_output_issue(i, l, issues)
            elif i != len(layers) - 1:
                issues.error(i, l, f"Layer '{l.Name}' ({l._display}) is an output layer but is not "
                                   f"the last layer; an output layer ends the network.")
        if isinstance(l, L.ClassificationOutputLayer):
            _softmax_issue(layers, i, i - 1 if i > 0 else None, range(i), issues)
        _input_statistics_issue(i, l, target, issues)
    if target == "trainNetwork" and not isinstance(last, L._OUTPUT_LAYERS):
        issues.error(len(layers) - 1, last,
                     f"Missing output layer. To train with trainNetwork the network must end with "
                     f"an output layer ({_OUTPUT_HINT}); its last layer is '{last.Name}' "
                     f"({last._display}). (For a dlnetwork or trainnet, analyze with "
                     "TargetUsage='dlnetwork'.)")


def _softmax_issue(layers, i, before, earlier, issues):
    """A classification layer needs a softmaxLayer before it: an error when there is
    none among the layers ``earlier`` (indices; trainNetwork refuses the network), a
    warning when it is not the layer ``before`` it (an index, or None)."""
    l = layers[i]
    before = layers[before] if before is not None else None
    if isinstance(before, L.SoftmaxLayer):
        return
    what = f"the layer before it is '{before.Name}' ({before._display})" if before is not None \
        else "it is the first layer"
    if any(isinstance(layers[k], L.SoftmaxLayer) for k in earlier):
        issues.warning(i, l, f"Classification layer '{l.Name}' does not follow its softmaxLayer "
                             f"directly ({what}); its input should be the softmax's "
                             "probabilities.")
    else:
        issues.error(i, l, f"Missing softmax layer. Classification layer '{l.Name}' needs a "
                           f"softmaxLayer before it (its input must be class probabilities); "
                           f"{what}.")


def _declared_input_size(l):
    """The number of channels a layer says it takes (its InputSize), else None."""
    if isinstance(l, _InputLayer) or "InputSize" not in l._props:
        return None
    v = getattr(l, "InputSize")
    return v if isinstance(v, int) else None


def _propagate(layers, sources, order, dtype, issues):
    """Run each layer's ``_setup`` (in ``order``) on what its sources give.

    Returns ``outs`` (per layer: ``(size, has_time)`` it gives (its first output), or
    None when it could not be analyzed) and ``inputs`` (per layer with one input:
    ``(size, has_time, index of the layer it comes from)``, or None when unknown).  A
    layer whose input does not fit is set up on the input it declares (its InputSize; a
    time dimension for recurrent layers), so that the layers after it are still
    analyzed."""
    outs, inputs = [None] * len(layers), [None] * len(layers)
    given_out = {}                      # (layer index, output index) -> (size, has_time)
    for i in order:
        l = layers[i]
        srcs = sources[i]
        curs = [given_out.get(s) if s is not None else None for s in srcs]
        if len(srcs) <= 1:
            cur, src = (curs[0], srcs[0][0] if srcs[0] else None) if srcs else (None, None)
            inputs[i] = None if cur is None or l.NumInputs == 0 else (cur[0], cur[1], src)
            given = _input_for(l, i, cur, src, layers, issues)
        else:
            given = None if any(c is None for c in curs) else \
                (tuple(c[0] for c in curs), tuple(c[1] for c in curs))
        if given is None:
            continue
        try:
            out = l._setup(given[0], given[1], dtype)
        except Exception as e:           # noqa: BLE001 - every failure is reported, not raised
            issues.error(i, l, _setup_text(e, l, layers, srcs))
            continue
        ports = list(zip(*out)) if l.NumOutputs > 1 else [tuple(out)]
        given_out.update(((i, p), o) for p, o in enumerate(ports))
        outs[i] = ports[0]
    return outs, inputs


def _setup_text(e, l, layers, srcs):
    """A layer's setup error as an issue: named after the layer, with where its inputs
    come from when it has several."""
    text = str(e) or type(e).__name__
    if f"'{l.Name}'" not in text:
        text = f"Layer '{l.Name}' ({l._display}): {text}"
    if len(srcs) > 1:
        text += " (" + ", ".join(f"{p} from '{layers[s[0]].Name}'"
                                 for p, s in zip(G.in_ports(l), srcs)) + ")"
    return text


def _input_for(l, i, cur, src, layers, issues):
    """The ``(size, has_time)`` to set ``l`` up on, after reporting what does not fit
    (input size mismatch, a recurrent layer without a time dimension); None when
    ``l``'s input is unknown and it declares none."""
    if l.NumInputs == 0:
        if getattr(l, "InputSize", None) is None:
            issues.error(i, l, f"Layer '{l.Name}' ({l._display}): InputSize is empty; give the "
                               "number of channels (e.g. sequenceInputLayer(12)).")
            return None
        return l._input_spec()
    declared = _declared_input_size(l)
    if cur is None:
        return None if declared is None else (declared, True)
    size, has_time = cur
    came = f"its input from layer '{layers[src].Name}' is {_activation(size, has_time)}"
    flat = math.prod(size) if isinstance(size, tuple) and isinstance(l, L.FullyConnectedLayer) \
        else size                       # a fully connected layer flattens h x w x c
    if declared is not None and declared != flat:
        issues.error(i, l, f"Input size mismatch. Layer '{l.Name}' ({l._display}) has InputSize "
                           f"{declared}, but {came} ({flat} channels).")
        size = declared
    if isinstance(l, _RECURRENT) and not has_time:
        prev = layers[src]
        fix = (f": '{prev.Name}' has OutputMode '{prev.OutputMode}'; give it "
               "OutputMode='sequence'") if isinstance(prev, _RECURRENT) else ""
        issues.error(i, l, f"Layer '{l.Name}' ({l._display}) needs sequence input, with a time "
                           f"dimension (T), but {came}, without one{fix}.")
        has_time = True
    return size, has_time


def _output_issues(layers, inputs, issues):
    """An output layer's Classes / ResponseNames against the channels reaching it."""
    for i, l in enumerate(layers):
        if inputs[i] is None:
            continue
        size, _, src = inputs[i]
        if isinstance(l, L.ClassificationOutputLayer) and not isinstance(l.Classes, str) \
                and len(l.Classes) != size:
            issues.error(i, l, f"Output size mismatch. Classification layer '{l.Name}' has "
                               f"{len(l.Classes)} classes (Classes), but its input from layer "
                               f"'{layers[src].Name}' has {size} channels; the network must "
                               "output one channel per class.")
        if isinstance(l, L.RegressionOutputLayer) and len(l.ResponseNames) not in (0, size):
            issues.error(i, l, f"Output size mismatch. Regression layer '{l.Name}' has "
                               f"{len(l.ResponseNames)} ResponseNames, but its input from layer "
                               f"'{layers[src].Name}' has {size} channels.")


def _row(i, l, out):
    """The LayerTable row of layer ``l`` (set up, or not when ``out`` is None)."""
    try:
        description = l._description()
    except Exception:                   # noqa: BLE001 - a display must not fail
        description = l._type
    learn = {p: tuple(getattr(l, p).shape) for p in l._learnables if getattr(l, p) is not None}
    if isinstance(l, L._OUTPUT_LAYERS):
        sizes, fmt = (), ""
    elif out is None:
        sizes, fmt = None, None
    else:
        spatial = tuple(out[0][:-1]) if isinstance(out[0], tuple) else ()
        channels = out[0][-1] if isinstance(out[0], tuple) else out[0]
        sizes = spatial + (channels, 1) + ((1,) if out[1] else ())
        fmt = "S" * len(spatial) + ("CBT" if out[1] else "CB")
    count = sum(math.prod(s) for s in learn.values()) if out is not None or learn else None
    return LayerInfo(i, l.Name, l._type, description, sizes, fmt, learn, count,
                     {k: s for k in l._states if (s := _state_size(l, k)) is not None})


def _state_size(l, name):
    v = getattr(l, name)
    if v is not None:
        return tuple(v.shape)
    try:
        return tuple(l._initial_state(name, np.float32, np).shape)
    except Exception:                   # noqa: BLE001 - unknown until the layer is set up
        return None


# --------------------------------------------------------------------------
# The text
# --------------------------------------------------------------------------

def _activation(size, has_time):
    if isinstance(size, tuple):
        return " x ".join([f"{n}(S)" for n in size[:-1]] + [f"{size[-1]}(C) x 1(B)"]) + \
            (" x 1(T)" if has_time else "")
    return f"{size}(C) x 1(B)" + (" x 1(T)" if has_time else "")


def _size_text(sz):
    return "x".join(str(n) for n in (sz if len(sz) >= 2 else tuple(sz) + (1,)))


def _named_sizes(d):
    w = max((len(k) for k in d), default=0)
    return [f"{k:<{w}}  {_size_text(s)}" for k, s in d.items()] or ["-"]


def _cells(r):
    if r.ActivationSizes is None:
        act = "?"                               # not analyzed (an error before it)
    else:
        act = " x ".join(f"{n}({f})" for n, f in zip(r.ActivationSizes, r.ActivationFormats)) or "-"
    return [[str(r.Index)], [r.Name, "  " + r.Description], [r.Type], [act],
            _named_sizes(r.LearnableSizes),
            ["?" if r.NumLearnables is None else str(r.NumLearnables)],
            _named_sizes(r.StateSizes)]


def _count(n, what):
    return f"{n} {what}" + ("" if n == 1 else "s")


def _render(a):
    """The analysis as MATLAB's analyzer shows it, in text."""
    n_err = sum(i.Severity == "Error" for i in a.Issues)
    n_warn = len(a.Issues) - n_err
    total = "NaN (the network has errors)" if n_err else str(a.TotalLearnables)
    head = ["#", "Name", "Type", "Activations", "Learnables", "NumLearnables", "States"]
    rows = [_cells(r) for r in a.LayerTable]
    widths = [max([len(head[c])] + [len(s) for r in rows for s in r[c]]) for c in range(len(head))]
    right = {0, 5}

    def line(cells):
        return "  ".join(s.rjust(w) if c in right else s.ljust(w)
                         for c, (s, w) in enumerate(zip(cells, widths))).rstrip()

    out = [f"Analysis for {a.TargetUsage} usage: {_count(len(a.LayerTable), 'layer')}, "
           f"{_count(n_warn, 'warning')}, {_count(n_err, 'error')}", "", line(head),
           line(["-" * w for w in widths])]
    for r in rows:
        depth = max(len(c) for c in r)
        out += [line([c[k] if k < len(c) else "" for c in r]) for k in range(depth)]
    out += ["", f"Total learnables: {total}", ""]
    if not a.Issues:
        return "\n".join(out + ["No errors or warnings."])
    out.append("Errors and warnings:")
    w = max(len(", ".join(i.LayerNames)) for i in a.Issues)
    for i in a.Issues:
        lead = f"  {i.Severity:<7}  {', '.join(i.LayerNames):<{w}}  "
        out += textwrap.wrap(i.Description, width=max(100, len(lead) + 40), initial_indent=lead,
                             subsequent_indent=" " * len(lead))
    return "\n".join(out)


__all__ = ["analyzeNetwork", "NetworkAnalysis", "LayerInfo", "Issue"]
