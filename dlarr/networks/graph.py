"""Layer graphs: MATLAB's ``layerGraph`` and the functions that edit a network's graph.

A graph is its layers (each named uniquely) and its connections, one per connected
layer input: ``(source layer, output port, destination layer, input port)``, the ports
by MATLAB's names (``"out"``, ``"in1"``, ``"hidden"``, ...).  :class:`LayerGraph` holds
one (``lgraph.Layers``, ``lgraph.Connections``); a dlnetwork holds one too.  The
editing functions (:func:`addLayers`, :func:`removeLayers`, :func:`replaceLayer`,
:func:`connectLayers`, :func:`disconnectLayers`) take either and return a new object of
the same kind (MATLAB's value semantics), through two methods every holder has:
``_graph_parts() -> (layers, connections)`` and ``_with_graph(layers, connections,
fname)``.

This module also works out what a network needs of a graph: an order in which each
layer follows the layers it reads (:func:`topological_order`, which also finds a
cycle), the inputs no connection reaches (:func:`unconnected_inputs`), the outputs no
connection reads (:func:`unconnected_outputs`), and the compiled :class:`Plan` a
network runs (:func:`compile_plan`).
"""
from __future__ import annotations

import copy
import heapq

from .. import layers as L
from ..core.arguments import came, name_value_pairs
from ..core.options import RECONNECT_MODES, choose


__all__ = ["LayerGraph", "Connections", "layerGraph", "addLayers", "removeLayers",
           "replaceLayer", "connectLayers", "disconnectLayers"]


# --------------------------------------------------------------------------
# Names and ports
# --------------------------------------------------------------------------

def name_layers(layers, fname, taken=()):
    """Give each unnamed layer of ``layers`` (in place) its default name as MATLAB does:
    the bare name ('fc') when one unnamed layer of its kind needs it and the name is free,
    else 'conv_1', 'conv_2', ... in order (skipping the names in ``taken`` and the
    others); repeated names are a ValueError naming them."""
    used = set(taken) | {l.Name for l in layers if l.Name}
    unnamed = [l for l in layers if not l.Name]
    bases = [l._default_name for l in unnamed]      # each layer class says (Layer's docstring)
    counters = {}
    for l, base in zip(unnamed, bases):
        if bases.count(base) == 1 and base not in used:
            name = base
        else:
            k = counters.get(base, 1)
            while f"{base}_{k}" in used:
                k += 1
            name, counters[base] = f"{base}_{k}", k + 1
        object.__setattr__(l, "Name", name)
        used.add(name)
    names = [l.Name for l in layers] + list(taken)
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"{fname}: layer names must be unique; repeated: {sorted(dup)}")


def in_ports(layer) -> tuple:
    return tuple(layer.InputNames)


def out_ports(layer) -> tuple:
    return tuple(layer.OutputNames)


def port_text(layer, port, kind) -> str:
    """MATLAB's text for a port: the layer's name when it has one port of that kind,
    else "name/port"."""
    ports = in_ports(layer) if kind == "in" else out_ports(layer)
    return layer.Name if len(ports) == 1 else f"{layer.Name}/{port}"


def _names_list(names, limit=12) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... ({len(names)} layers)" if len(names) > limit else "")


def _split(text, by_name, fname, argname):
    """(layer name, port or None) of "name" or "name/port"; a name that is not a layer
    is a ValueError listing the layers."""
    if not isinstance(text, str):
        raise TypeError(f"{fname}: {argname} must be a layer name or 'layerName/portName' "
                        f"(a string), not {came(text)}")
    if text in by_name:
        return text, None
    name, port = text.rsplit("/", 1) if "/" in text else (text, None)
    if name in by_name:
        return name, port
    raise ValueError(f"{fname}: {argname} {text!r}: there is no layer named {name!r}; the "
                     f"layers are {_names_list(by_name)}")


def parse_port(text, by_name, kind, fname, argname):
    """(layer name, port) of a connection's source (``kind`` "out") or destination
    ("in"): "name" for a layer with one port of that kind, "name/port" otherwise."""
    name, port = _split(text, by_name, fname, argname)
    layer = by_name[name]
    ports = out_ports(layer) if kind == "out" else in_ports(layer)
    what = "output" if kind == "out" else "input"
    if port is None:
        if len(ports) == 1:
            return name, ports[0]
        if not ports:
            role = "an output layer" if kind == "out" else "an input layer"
            raise ValueError(f"{fname}: {argname} {text!r}: layer '{name}' ({layer._display}) "
                             f"has no {what}s ({role})")
        raise ValueError(f"{fname}: {argname} {text!r}: layer '{name}' ({layer._display}) has "
                         f"{len(ports)} {what}s ({', '.join(ports)}); name one, e.g. "
                         f"'{name}/{ports[-1]}'")
    if port not in ports:
        have = f"its {what}s are {', '.join(repr(p) for p in ports)}" if ports else \
            f"it has no {what}s"
        raise ValueError(f"{fname}: {argname} {text!r}: layer '{name}' ({layer._display}) has "
                         f"no {what} {port!r}; {have}")
    return name, port


# --------------------------------------------------------------------------
# The Connections table and LayerGraph
# --------------------------------------------------------------------------

class Connections:
    """MATLAB's Connections table of a layer graph: columns Source and Destination
    ("name" or "name/port"), one row per connection."""

    def __init__(self, rows):
        self._rows = [tuple(r) for r in rows]

    @property
    def Source(self):
        return [r[0] for r in self._rows]

    @property
    def Destination(self):
        return [r[1] for r in self._rows]

    @property
    def VariableNames(self):
        return ["Source", "Destination"]

    def __len__(self):
        return len(self._rows)

    def __iter__(self):
        return iter(self._rows)

    def __getitem__(self, i):
        return self._rows[i]

    def __eq__(self, other):
        return isinstance(other, Connections) and self._rows == other._rows

    def __repr__(self):
        if not self._rows:
            return "0x2 table"
        ws = max(len("Source"), *(len(repr(r[0])) for r in self._rows))
        wd = max(len("Destination"), *(len(repr(r[1])) for r in self._rows))
        lines = [f"{len(self._rows)}x2 table", "", f"    {'Source'.ljust(ws)}    Destination",
                 f"    {'_' * ws}    {'_' * wd}"]
        lines += [f"    {repr(s).ljust(ws)}    {d!r}" for s, d in self._rows]
        return "\n".join(lines)


def connections_table(layers, edges) -> Connections:
    by_name = {l.Name: l for l in layers}
    return Connections((port_text(by_name[s], sp, "out"), port_text(by_name[d], dp, "in"))
                       for s, sp, d, dp in edges)


def chain_edges(layers) -> list:
    """The connections of a layer array: each layer's first output to the next layer's
    first input (none into an input layer, none out of an output layer)."""
    edges = []
    for a, b in zip(layers, layers[1:]):
        if out_ports(a) and in_ports(b):
            edges.append((a.Name, out_ports(a)[0], b.Name, in_ports(b)[0]))
    return edges


def _cell(names) -> str:
    return "{" + "  ".join(f"'{n}'" for n in names) + "}"


class LayerGraph:
    """Graph of network layers, MATLAB's ``LayerGraph`` (what :func:`layerGraph` makes).

    Properties: ``Layers`` (a tuple, in the order added), ``Connections`` (a table,
    ``.Source`` and ``.Destination``), ``InputNames`` (the input layers' names) and
    ``OutputNames`` (the output layers' names: classificationLayer, regressionLayer).
    Edit it with :func:`addLayers`, :func:`removeLayers`, :func:`replaceLayer`,
    :func:`connectLayers` and :func:`disconnectLayers` (each returns a new graph);
    build a network with ``dl.dlnetwork(lgraph)`` or ``dl.trainNetwork(X, Y, lgraph,
    options)``; check it with ``dl.analyzeNetwork(lgraph)``; draw it with
    ``dl.plot(lgraph)``.  ``LayerGraph(layers, edges)`` itself takes the layers and the
    connections as (source name, output port, destination name, input port)
    tuples; scripts use :func:`layerGraph`.

    Example::

        lgraph = dl.layerGraph([dl.sequenceInputLayer(3, Name="in"),
                                dl.fullyConnectedLayer(8, Name="fc"),
                                dl.lstmLayer(8, Name="lstm"),
                                dl.additionLayer(2, Name="add")])
        lgraph = dl.connectLayers(lgraph, "fc", "add/in2")
        lgraph.Connections          # in->fc, fc->lstm, lstm->add/in1, fc->add/in2
    """

    def __init__(self, layers=(), edges=()):
        self._layers = list(layers)
        self._edges = list(edges)

    @property
    def Layers(self):
        return tuple(self._layers)

    @property
    def Connections(self):
        return connections_table(self._layers, self._edges)

    @property
    def InputNames(self):
        return [l.Name for l in self._layers if l.NumInputs == 0]

    @property
    def OutputNames(self):
        return [l.Name for l in self._layers if isinstance(l, L._OUTPUT_LAYERS)]

    def _graph_parts(self):
        return list(self._layers), list(self._edges)

    def _with_graph(self, layers, edges, fname):
        return LayerGraph(layers, edges)

    def __repr__(self):
        n, c = len(self._layers), len(self._edges)
        lines = ["LayerGraph with properties:", "",
                 f"     InputNames: {_cell(self.InputNames)}",
                 f"    OutputNames: {_cell(self.OutputNames)}",
                 f"         Layers: [{n}x1 nnet.cnn.layer.Layer]",
                 f"    Connections: [{c}x2 table]", ""]
        if n:
            lines += [L.layer_table(self._layers, "  Layers:"), "", "  Connections:"]
            lines += [("    " + t).rstrip() for t in repr(self.Connections).split("\n")]
        return "\n".join(lines)


# --------------------------------------------------------------------------
# Building and editing
# --------------------------------------------------------------------------

def _layer_list(layers, fname, argname="layers"):
    """Copies of a layer or a list of layers (a TypeError naming what came otherwise)."""
    if isinstance(layers, L.Layer):
        layers = [layers]
    ok = isinstance(layers, (list, tuple)) and all(isinstance(l, L.Layer) for l in layers)
    if not ok:
        bad = [i for i, l in enumerate(layers) if not isinstance(l, L.Layer)] \
            if isinstance(layers, (list, tuple)) else []
        what = f"{argname}[{bad[0]}] is {came(layers[bad[0]])}" if bad else f"not {came(layers)}"
        raise TypeError(f"{fname}: {argname} must be a layer or a list of layers; {what}")
    return [copy.copy(l) for l in layers]


def _parts(net, fname, argname="lgraph"):
    if not hasattr(net, "_graph_parts"):
        raise TypeError(f"{fname}: {argname} must be a LayerGraph or a dlnetwork, not "
                        f"{came(net)}")
    return net._graph_parts()


def layerGraph(layers=None):
    """Graph of network layers for deep learning, MATLAB's ``layerGraph``.

    Syntax::

        lgraph = dl.layerGraph()                       # an empty graph
        lgraph = dl.layerGraph(layers)                 # a layer array, connected in order
        lgraph = dl.layerGraph(net)                    # the graph of a network

    Input arguments:
        layers: a layer or a list of layers; each layer's output is connected to the
            next layer's input (not into an input layer, not out of an output layer).
            The layers are copied and the unnamed ones named after their type
            (MATLAB's 'fc'; 'fc_1', 'fc_2', ... for several); names must be unique.
        net: a dlnetwork, SeriesNetwork or DAGNetwork (its layers and connections).

    Output arguments:
        lgraph: a :class:`LayerGraph` (Layers, Connections, InputNames, OutputNames).

    Differences from MATLAB: MATLAB recommends dlnetwork objects over layer graphs
    since R2024a; the same editing functions take both here.

    Example::

        layers = [dl.sequenceInputLayer(12), dl.fullyConnectedLayer(16, Name="fc"),
                  dl.lstmLayer(16, Name="lstm"), dl.additionLayer(2, Name="add"),
                  dl.fullyConnectedLayer(9), dl.softmaxLayer(), dl.classificationLayer()]
        lgraph = dl.layerGraph(layers)
        lgraph = dl.connectLayers(lgraph, "fc", "add/in2")   # the skip connection
        lgraph.Connections.Destination     # ['fc', 'lstm', 'add/in1', 'fc_1', ..., 'add/in2']
    """
    if layers is None:
        return LayerGraph()
    if hasattr(layers, "_graph_parts"):
        ls, edges = layers._graph_parts()
        return LayerGraph([copy.copy(l) for l in ls], edges)
    ls = _layer_list(layers, "layerGraph")
    name_layers(ls, "layerGraph")
    return LayerGraph(ls, chain_edges(ls))


def addLayers(lgraph, layers):
    """Add layers to a layer graph or network, MATLAB's ``addLayers``.

    Syntax::

        lgraph = dl.addLayers(lgraph, layers)
        net = dl.addLayers(net, layers)

    Input arguments:
        lgraph / net: a LayerGraph or a dlnetwork.
        layers: a layer or a list of layers, connected to each other in order (as
            :func:`layerGraph` connects them) and to nothing else yet.  Unnamed layers
            are named; a name the graph has already is a ValueError.

    Output arguments:
        lgraph / net: a new graph with the layers added (a dlnetwork comes back
        uninitialized: connect the new layers, then :func:`initialize` it, or give it to
        trainnet, which initializes it).

    Example::

        lgraph = dl.layerGraph([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(4),
                                dl.additionLayer(2, Name="add")])
        lgraph = dl.addLayers(lgraph, dl.fullyConnectedLayer(4, Name="skip"))
        lgraph = dl.connectLayers(lgraph, "sequenceinput", "skip")
        lgraph = dl.connectLayers(lgraph, "skip", "add/in2")
    """
    have, edges = _parts(lgraph, "addLayers")
    new = _layer_list(layers, "addLayers")
    existing = {l.Name for l in have}
    for l in new:
        if l.Name in existing:
            raise ValueError(f"addLayers: layer name '{l.Name}' is the name of a layer the "
                             "network has already; layer names must be unique")
    name_layers(new, "addLayers", taken=existing)
    return lgraph._with_graph(have + new, edges + chain_edges(new), "addLayers")


def _names_arg(names, by_name, fname, argname="layerNames"):
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"{fname}: {argname} must be a layer name or a list of names, not "
                        f"{came(names)}")
    for n in names:
        if n not in by_name:
            raise ValueError(f"{fname}: {argname}: there is no layer named {n!r}; the layers "
                             f"are {_names_list(by_name)}")
    return set(names)


def removeLayers(lgraph, layerNames):
    """Remove layers from a layer graph or network, MATLAB's ``removeLayers``.

    Syntax::

        lgraph = dl.removeLayers(lgraph, layerNames)

    Input arguments:
        lgraph: a LayerGraph or a dlnetwork.
        layerNames: a layer name or a list of names.  The layers and every connection
            to or from them are removed.

    Output arguments:
        lgraph: the new graph (a dlnetwork comes back uninitialized).

    Example::

        lgraph = dl.layerGraph([dl.sequenceInputLayer(3), dl.dropoutLayer(0.2, Name="drop"),
                                dl.fullyConnectedLayer(2, Name="fc")])
        lgraph = dl.removeLayers(lgraph, "drop")
        lgraph = dl.connectLayers(lgraph, "sequenceinput", "fc")
    """
    layers, edges = _parts(lgraph, "removeLayers")
    gone = _names_arg(layerNames, {l.Name: l for l in layers}, "removeLayers")
    return lgraph._with_graph([l for l in layers if l.Name not in gone],
                              [e for e in edges if e[0] not in gone and e[2] not in gone],
                              "removeLayers")


def _reconnect(port, old_ports, new_ports, mode, old, new, what):
    """The port of the replacing layer that takes over ``port`` of the replaced one."""
    if mode == "name":
        if port in new_ports:
            return port
        raise ValueError(f"replaceLayer: layer '{old.Name}' has a connected {what} {port!r}, "
                         f"but '{new.Name}' ({new._display}) has no {what} of that name (its "
                         f"{what}s: {', '.join(new_ports) or 'none'}); use ReconnectBy='order'")
    k = old_ports.index(port)
    if k < len(new_ports):
        return new_ports[k]
    raise ValueError(f"replaceLayer: {what} {k + 1} of layer '{old.Name}' ({port!r}) is "
                     f"connected, but '{new.Name}' ({new._display}) has only {len(new_ports)} "
                     f"{what}s")


@name_value_pairs(3)
def replaceLayer(lgraph, layerName, layers, *, ReconnectBy="name"):
    """Replace a layer of a layer graph or network, MATLAB's ``replaceLayer``.

    Syntax::

        lgraph = dl.replaceLayer(lgraph, layerName, layers)
        lgraph = dl.replaceLayer(lgraph, layerName, layers, ReconnectBy="order")

    Input arguments:
        lgraph: a LayerGraph or a dlnetwork.
        layerName: the name of the layer to replace.
        layers: a layer or a list of layers, connected to each other in order; they
            take the replaced layer's place (and may reuse its name).
        ReconnectBy: "name" (default): each connection into the replaced layer goes to
            the input of the same name of the first new layer, each connection out of
            it leaves the output of the same name of the last one; "order": to the
            input (output) at the same position.

    Output arguments:
        lgraph: the new graph (a dlnetwork comes back uninitialized).

    Example::

        lgraph = dl.layerGraph([dl.sequenceInputLayer(3), dl.reluLayer(Name="act"),
                                dl.fullyConnectedLayer(2)])
        lgraph = dl.replaceLayer(lgraph, "act", [dl.fullyConnectedLayer(3), dl.tanhLayer()])
    """
    fname = "replaceLayer"
    have, edges = _parts(lgraph, fname)
    by_name = {l.Name: l for l in have}
    if not isinstance(layerName, str):
        raise TypeError(f"{fname}: layerName must be a layer name (a string), not "
                        f"{came(layerName)}")
    (old_name,) = _names_arg(layerName, by_name, fname, "layerName")
    mode = choose(ReconnectBy, RECONNECT_MODES, fname, "ReconnectBy")
    new = _layer_list(layers, fname)
    if not new:
        raise ValueError(f"{fname}: layers must hold at least one layer")
    name_layers(new, fname, taken={n for n in by_name if n != old_name})
    old, first, last = by_name[old_name], new[0], new[-1]
    out = []
    for s, sp, d, dp in edges:
        if d == old_name and s == old_name:
            raise ValueError(f"{fname}: layer '{old_name}' is connected to itself")
        if d == old_name:
            dp = _reconnect(dp, in_ports(old), in_ports(first), mode, old, first, "input")
            d = first.Name
        elif s == old_name:
            sp = _reconnect(sp, out_ports(old), out_ports(last), mode, old, last, "output")
            s = last.Name
        out.append((s, sp, d, dp))
    k = [l.Name for l in have].index(old_name)
    return lgraph._with_graph(have[:k] + new + have[k + 1:], out + chain_edges(new), fname)


def connectLayers(lgraph, s, d):
    """Connect layers in a layer graph or network, MATLAB's ``connectLayers``.

    Syntax::

        lgraph = dl.connectLayers(lgraph, s, d)
        net = dl.connectLayers(net, s, d)

    Input arguments:
        lgraph / net: a LayerGraph or a dlnetwork.
        s: the source: a layer name for a layer with one output, "layerName/outputName"
            for a layer with several (e.g. "lstm/hidden").
        d: the destination: a layer name for a layer with one input,
            "layerName/inputName" otherwise (e.g. "add/in2").  An input takes one
            connection: one that has a connection already is a ValueError (disconnect it
            first); an output feeds any number of inputs.

    Output arguments:
        lgraph / net: the new graph (a dlnetwork comes back uninitialized:
        :func:`initialize` it, or give it to trainnet).

    Errors name the layer or port that does not exist, with the names that do.

    Example::

        layers = [dl.sequenceInputLayer(3), dl.fullyConnectedLayer(8, Name="fc"),
                  dl.lstmLayer(8, Name="lstm"), dl.additionLayer(2, Name="add"),
                  dl.fullyConnectedLayer(2)]
        net = dl.dlnetwork(layers, Initialize=False)    # R2024a's way
        net = dl.connectLayers(net, "fc", "add/in2")
        net = dl.initialize(net)
    """
    layers, edges = _parts(lgraph, "connectLayers")
    by_name = {l.Name: l for l in layers}
    src = parse_port(s, by_name, "out", "connectLayers", "s")
    dst = parse_port(d, by_name, "in", "connectLayers", "d")
    for e in edges:
        if e[2:] == dst:
            was = port_text(by_name[e[0]], e[1], "out")
            raise ValueError(f"connectLayers: d {d!r}: input '{dst[1]}' of layer '{dst[0]}' is "
                             f"already connected to '{was}'; an input takes one connection "
                             f"(disconnectLayers(lgraph, '{was}', {d!r}) first)")
    return lgraph._with_graph(layers, edges + [src + dst], "connectLayers")


def disconnectLayers(lgraph, s, d):
    """Disconnect layers in a layer graph or network, MATLAB's ``disconnectLayers``.

    Syntax::

        lgraph = dl.disconnectLayers(lgraph, s, d)

    Input arguments:
        lgraph: a LayerGraph or a dlnetwork.
        s, d: the source and destination of the connection, as :func:`connectLayers`
            takes them ("fc", "add/in2"); a connection the graph does not have is a
            ValueError.

    Output arguments:
        lgraph: the new graph (a dlnetwork comes back uninitialized).

    Example::

        lgraph = dl.layerGraph([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(2, Name="fc")])
        lgraph = dl.disconnectLayers(lgraph, "sequenceinput", "fc")
        len(lgraph.Connections)                        # 0
    """
    layers, edges = _parts(lgraph, "disconnectLayers")
    by_name = {l.Name: l for l in layers}
    edge = parse_port(s, by_name, "out", "disconnectLayers", "s") + \
        parse_port(d, by_name, "in", "disconnectLayers", "d")
    if edge not in edges:
        raise ValueError(f"disconnectLayers: there is no connection from {s!r} to {d!r}")
    return lgraph._with_graph(layers, [e for e in edges if e != edge], "disconnectLayers")


# --------------------------------------------------------------------------
# What a network needs: order, cycles, unconnected ports, the plan
# --------------------------------------------------------------------------

def topological_order(layers, edges):
    """``(order, cycle)``: the layer indices in an order where each layer comes after
    the layers it reads from (the given order wherever that is one already), and the
    names of the layers of a cycle (None when there is none; then ``order`` holds only
    the layers outside cycles and after them)."""
    index = {l.Name: i for i, l in enumerate(layers)}
    succ = [[] for _ in layers]
    indeg = [0] * len(layers)
    for s, _, d, _ in edges:
        succ[index[s]].append(index[d])
        indeg[index[d]] += 1
    ready = [i for i, n in enumerate(indeg) if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for j in succ[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                heapq.heappush(ready, j)
    if len(order) == len(layers):
        return order, None
    return order, _cycle(layers, succ, {i for i, n in enumerate(indeg) if n > 0})


def _cycle(layers, succ, left):
    """The names along one cycle among the layers ``left`` (each has a predecessor
    among them: walking back from one must come round to a layer seen before)."""
    pred = {i: [j for j in left if i in succ[j]] for i in left}
    seen, path, i = {}, [], min(left)
    while i not in seen:
        seen[i] = len(path)
        path.append(i)
        i = pred[i][0]
    cyc = path[seen[i]:][::-1]
    return [layers[k].Name for k in cyc + cyc[:1]]


def unconnected_inputs(layers, edges) -> list:
    """``(layer, port)`` for each layer input no connection reaches, in layer order."""
    fed = {(d, dp) for _, _, d, dp in edges}
    return [(l, p) for l in layers for p in in_ports(l) if (l.Name, p) not in fed]


def unconnected_outputs(layers, edges) -> list:
    """MATLAB's texts ("name", "name/port") of the layer outputs no connection reads,
    in layer order: a dlnetwork's default OutputNames."""
    read = {(s, sp) for s, sp, _, _ in edges}
    return [port_text(l, p, "out") for l in layers for p in out_ports(l)
            if (l.Name, p) not in read]


def is_chain(layers, edges) -> bool:
    """Whether the graph is a layer array: one input layer first, each layer reading
    the one before (its only input) and read by the next only; the last layer has at
    most one output (an lstmLayer with state outputs ends a graph, not a chain)."""
    return (bool(layers) and layers[0].NumInputs == 0
            and all(l.NumInputs == 1 for l in layers[1:])
            and all(l.NumOutputs == 1 for l in layers[:-1]) and layers[-1].NumOutputs <= 1
            and sorted(edges) == sorted(chain_edges(layers)))


class Plan:
    """How a network runs its (topologically ordered) layers.

    ``sources[i]``: for each input of layer ``i`` (InputNames order), the ``(layer
    index, output index)`` it reads; ``inputs``: the indices of the input layers (the
    network's inputs, in order); ``outputs``: the ``(layer index, output index)`` of
    the network's outputs (an output layer gives its input as output 0); ``multi_in``
    / ``multi_out``: layers whose hooks take or give tuples; ``chain``: the layers are
    a chain (each reads the one before), run by the plain loop."""

    __slots__ = ("sources", "inputs", "outputs", "multi_in", "multi_out", "chain")


def resolve_output(text, layers, fname, argname="Outputs"):
    """``(layer index, output index)`` of an output name: "name" (a layer with one
    output, or an output layer: its input), or "name/port"."""
    by_name = {l.Name: l for l in layers}
    name, port = _split(text, by_name, fname, argname)
    layer = by_name[name]
    index = [l.Name for l in layers].index(name)
    if port is None and not out_ports(layer):
        return index, 0
    name, port = parse_port(text, by_name, "out", fname, argname)
    return index, out_ports(layer).index(port)


def compile_plan(layers, edges, output_names):
    """The :class:`Plan` of ``layers`` (already in topological order, every input
    connected) with the network outputs ``output_names``."""
    index = {l.Name: i for i, l in enumerate(layers)}
    feeds = {(d, dp): (index[s], out_ports(layers[index[s]]).index(sp))
             for s, sp, d, dp in edges}
    plan = Plan()
    plan.sources = [tuple(feeds[(l.Name, p)] for p in in_ports(l)) for l in layers]
    plan.inputs = [i for i, l in enumerate(layers) if l.NumInputs == 0]
    plan.outputs = [resolve_output(n, layers, "network") for n in output_names]
    plan.multi_in = [l.NumInputs > 1 for l in layers]
    plan.multi_out = [l.NumOutputs > 1 for l in layers]
    plan.chain = is_chain(layers, edges) and plan.outputs == [(len(layers) - 1, 0)]
    return plan
