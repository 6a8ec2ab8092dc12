"""The network base: ``_Net`` (a layer graph with its learnables and state) and the
Learnables/State :class:`Table`.

``_Net`` holds the layers in topological order, the connections (``graph.py``), the
compiled plan and the state; it initializes the layers (``_setup`` on what their
sources give), runs them (``_run``: the plain loop for a chain, the graph walk
otherwise) and takes part in dlfeval/dlgradient/adamupdate through the tree protocol of
``_tree``.  The public classes (dlnetwork, SeriesNetwork, DAGNetwork) and functions are
in ``network.py``.
"""
from __future__ import annotations

import copy

import numpy as np

from .. import layers as L
from ..layers.folding import MINI_BATCH_SIZE
from ..layers.input import _InputLayer
from ..core.arguments import came
from ..core.create import dlarray
from ..core.dlarray import DLArray
from ..core.tree import TreeMismatch
from . import graph as G


class Table:
    """MATLAB's Learnables/State table: columns Layer, Parameter, Value."""

    def __init__(self, rows):
        self._rows = [tuple(r) for r in rows]

    @property
    def Layer(self):
        return [r[0] for r in self._rows]

    @property
    def Parameter(self):
        return [r[1] for r in self._rows]

    @property
    def Value(self):
        return [r[2] for r in self._rows]

    def __len__(self):
        return len(self._rows)

    def __getitem__(self, key):
        """``T[i]`` a row (Layer, Parameter, Value); ``T["lstm", "Bias"]`` a value."""
        if isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key):
            for r in self._rows:
                if r[:2] == key:
                    return r[2]
            raise KeyError(f"no row with Layer {key[0]!r} and Parameter {key[1]!r}")
        return self._rows[key]

    def __iter__(self):
        return iter(self._rows)

    def _values(self):
        return [r[2] for r in self._rows]

    def _dlarr_tree_map_(self, fn, *rest):
        others = [_values_of(r, len(self._rows), i) for i, r in enumerate(rest)]
        return Table((a, b, fn(v, *[o[i] for o in others]) if isinstance(v, DLArray) else v)
                     for i, (a, b, v) in enumerate(self._rows))

    def _dlarr_tree_leaves_(self, path):
        for a, b, v in self._rows:
            yield f"{path}[{a!r}, {b!r}]", v

    def __repr__(self):
        if not self._rows:
            return "0x3 table"
        wl = max(len("Layer"), *(len(r[0]) for r in self._rows)) + 2
        wp = max(len("Parameter"), *(len(r[1]) for r in self._rows)) + 2
        lines = [f"{len(self._rows)}x3 table", "",
                 f"    {'Layer'.ljust(wl)}  {'Parameter'.ljust(wp)}  Value",
                 f"    {'_' * wl}  {'_' * wp}  {'_' * 20}"]
        for a, b, v in self._rows:
            lines.append(f"    {repr(a).ljust(wl)}  {repr(b).ljust(wp)}  {L._show(v)} dlarray")
        return "\n".join(lines)


def _values_of(x, n, index=0):
    """The values of a table, a network's Learnables or a list, matching ``n`` rows
    (``index``: which of the arguments mapped together it is, for the error)."""
    if isinstance(x, Table):
        vals = x._values()
    elif isinstance(x, _Net):
        vals = x.Learnables._values()
    elif isinstance(x, (list, tuple)):
        vals = list(x)
    else:
        raise TreeMismatch(index, f"must be a table (Layer, Parameter, Value), a network or a "
                                  f"list of values, not {type(x).__name__}")
    if len(vals) != n:
        raise TreeMismatch(index, f"has {len(vals)} rows but the network's table has {n}",
                           ValueError)
    return vals


_NO_LAYERS = object()       # dlnetwork(): MATLAB's empty network (R2024a)


def _check_initialize(Initialize, kind):
    if not isinstance(Initialize, (bool, np.bool_)) and not (
            isinstance(Initialize, (int, np.integer)) and Initialize in (0, 1)):
        raise TypeError(f"{kind}: Initialize must be true or false, not {came(Initialize)}")


class _Net:
    """A layer graph (a chain, in the common case) with its learnables and recurrent state.

    ``_layers``: the layers in topological order (each after the layers it reads; a
    chain keeps its order); ``_conns``: the connections, ``(source, output port,
    destination, input port)`` by name (``graph.py``); ``_plan``: how to run them
    (``graph.Plan``, set by ``initialize``); ``_state``: one ``{name: value}`` (or None)
    per layer."""

    _allow_output_layer = False
    _allow_empty = False
    _plan = None
    _output_names = None              # OutputNames given to the constructor (dlnetwork)

    def __init__(self, layers=_NO_LAYERS, Initialize=True, *, OutputNames=None):
        kind = type(self).__name__
        if layers is _NO_LAYERS and self._allow_empty:
            layers, edges, listed = [], [], False
        else:
            layers, edges, listed = self._graph_of(layers)
        _check_initialize(Initialize, kind)
        order, cycle = G.topological_order(layers, edges)
        self._layers = [layers[i] for i in order] if cycle is None else layers
        self._conns = edges
        self._state = None
        self._initialized = False
        if listed:
            self._name_layers()
            self._conns = G.chain_edges(self._layers)
            self._check_structure()
        else:
            self._check_graph()
        if OutputNames is not None:
            self._output_names = _output_names_arg(OutputNames, self._layers, kind)
        if Initialize and self._layers:
            self.initialize()

    def _graph_of(self, layers):
        """(copies of the layers, connections, whether it is a layer array)."""
        kind = type(self).__name__
        if hasattr(layers, "_graph_parts"):           # a network or a LayerGraph
            ls, edges = layers._graph_parts()
            if isinstance(layers, _Net) and layers._output_names and self._output_names is None:
                self._output_names = list(layers._output_names)
            return [copy.copy(l) for l in ls], list(edges), False
        given = layers
        layers = list(layers) if isinstance(layers, (list, tuple)) else []
        if not layers or not all(isinstance(l, L.Layer) for l in layers):
            bad = [i for i, l in enumerate(layers) if not isinstance(l, L.Layer)]
            what = f"layers[{bad[0]}] is {came(layers[bad[0]])}" if bad else f"not {came(given)}"
            raise TypeError(f"{kind}: layers must be a non-empty list of layer objects (e.g. "
                            "[dl.sequenceInputLayer(12), dl.lstmLayer(100), ...]), a layer "
                            f"graph or a network; {what}")
        return [copy.copy(l) for l in layers], [], True

    # ----- structure ---------------------------------------------------------------
    def _name_layers(self):
        G.name_layers(self._layers, type(self).__name__)

    def _check_structure(self):
        """The rules of a layer array: an input layer first and only there, no output
        layer (dlnetwork) or one at the end."""
        first = self._layers[0]
        if not isinstance(first, _InputLayer):
            raise ValueError(f"{type(self).__name__}: the first layer must be an input layer "
                             f"(sequenceInputLayer); layer 1 is a {first._display}")
        for i, l in enumerate(self._layers[1:], start=2):
            if isinstance(l, _InputLayer):
                raise ValueError(f"{type(self).__name__}: layer {i} ('{l.Name}') is a second "
                                 "input layer")
            if isinstance(l, L._OUTPUT_LAYERS):
                self._output_layer_rule(l)
                if i != len(self._layers):
                    raise ValueError(f"{type(self).__name__}: layer {i} ('{l.Name}') is an output "
                                     "layer but is not the last layer")

    def _output_layer_rule(self, l):
        if not self._allow_output_layer:
            raise ValueError(f"dlnetwork: layer '{l.Name}': detected output layer. A "
                             "dlnetwork must not have output layers (remove "
                             "classificationLayer/regressionLayer and give the loss to "
                             "trainnet or compute it yourself)")

    def _check_graph(self):
        """The rules of a layer graph for this kind of network (a dlnetwork: no output
        layers)."""
        for l in self._layers:
            if isinstance(l, L._OUTPUT_LAYERS):
                self._output_layer_rule(l)

    def _is_chain(self):
        return G.is_chain(self._layers, self._conns)

    def _compile(self):
        """The plan of the graph; a cycle, an unconnected input, no input layer or no
        output are errors naming the layers."""
        kind = type(self).__name__
        if not self._layers:
            raise ValueError(f"{kind}: the network has no layers; add some with addLayers")
        _, cycle = G.topological_order(self._layers, self._conns)
        if cycle is not None:
            raise ValueError(f"{kind}: the layer graph has a cycle: "
                             f"{' -> '.join(repr(n) for n in cycle)}; a network's connections "
                             "must not loop back (disconnectLayers one of them)")
        missing = G.unconnected_inputs(self._layers, self._conns)
        if missing:
            l, p = missing[0]
            more = f" (and {len(missing) - 1} other unconnected input(s))" if len(missing) > 1 else ""
            raise ValueError(f"{kind}: layer '{l.Name}' ({l._display}): input '{p}' is not "
                             f"connected{more}; connect it, connectLayers(net, source, "
                             f"'{G.port_text(l, p, 'in')}') (a dlnetwork: build it with "
                             "Initialize=False, connect, then initialize), or remove the layer")
        if not any(l.NumInputs == 0 for l in self._layers):
            raise ValueError(f"{kind}: the network has no input layer (sequenceInputLayer)")
        return G.compile_plan(self._layers, self._conns, self.OutputNames)

    def initialize(self, dtype=np.float32):
        """Initialize empty learnables and the state (MATLAB's ``initialize``)."""
        plan = self._compile()
        self._dtype = np.dtype(dtype)
        sizes = {}                      # (layer index, output index) -> (size, has_time)
        for i, l in enumerate(self._layers):
            size, has_time = self._layer_input(plan, i, sizes)
            self._layer_output(plan, i, l._setup(size, has_time, self._dtype), sizes)
        self._plan, self._sizes = plan, sizes
        self._out_size, self._out_has_time = sizes[plan.outputs[0]]
        self._initialized = True
        self.resetState()
        return self

    def _layer_input(self, plan, i, sizes):
        """``(size, has_time)`` layer ``i`` is set up on (tuples for several inputs)."""
        l = self._layers[i]
        if l.NumInputs == 0:
            return l._input_spec()
        got = [sizes[s] for s in plan.sources[i]]
        for port, (size, _) in zip(l.InputNames, got):
            if size is MINI_BATCH_SIZE and (port, type(l)) != ("miniBatchSize",
                                                              L.SequenceUnfoldingLayer):
                raise ValueError(f"{type(self).__name__}: layer '{l.Name}' ({l._display}): "
                                 f"input '{port}' is connected to a sequenceFoldingLayer's "
                                 "'miniBatchSize' output, which only a sequenceUnfoldingLayer's "
                                 "'miniBatchSize' input takes")
        if plan.multi_in[i]:
            return tuple(g[0] for g in got), tuple(g[1] for g in got)
        return got[0]

    @staticmethod
    def _layer_output(plan, i, out, sizes):
        """Record what ``_setup`` of layer ``i`` returned, per output."""
        if plan.multi_out[i]:
            sizes.update(((i, p), st) for p, st in enumerate(zip(*out)))
        else:
            sizes[(i, 0)] = tuple(out)

    # ----- properties ---------------------------------------------------------------
    @property
    def Layers(self):
        return tuple(self._layers)

    @property
    def Connections(self):
        return G.connections_table(self._layers, self._conns)

    @property
    def Initialized(self):
        return self._initialized

    @property
    def InputNames(self):
        return [l.Name for l in self._layers if l.NumInputs == 0]

    @property
    def OutputNames(self):
        if self._allow_output_layer:
            return [l.Name for l in self._layers if isinstance(l, L._OUTPUT_LAYERS)]
        if self._output_names is not None:
            return list(self._output_names)
        return G.unconnected_outputs(self._layers, self._conns)

    def _graph_parts(self):
        return list(self._layers), list(self._conns)

    def _with_graph(self, layers, edges, fname):
        """A network with the edited graph (a dlnetwork; others are trained networks,
        which are not edited: their layer graph is)."""
        raise TypeError(f"{fname}: a {type(self).__name__} is not edited; edit its layer "
                        f"graph, lgraph = dl.layerGraph(net), and train that (or use a "
                        "dlnetwork)")

    @property
    def Learnables(self):
        return Table((l.Name, p, getattr(l, p)) for l in self._layers for p in l._learnables
                     if getattr(l, p) is not None)

    @Learnables.setter
    def Learnables(self, table):
        try:
            values = _values_of(table, len(self.Learnables))
        except TreeMismatch as e:
            raise e.kind(f"Learnables {e.text}") from None
        slots = self._learnable_slots()
        for (layer, name), v in zip(slots, values):
            old = getattr(layer, name)
            if not isinstance(v, DLArray) and not hasattr(v, "shape"):
                raise TypeError(f"Learnables: the value of ({layer.Name!r}, {name!r}) must be a "
                                f"dlarray, not {type(v).__name__}")
            if tuple(v.shape) != tuple(old.shape):
                raise ValueError(f"Learnables: the value of ({layer.Name!r}, {name!r}) must be "
                                 f"{' x '.join(map(str, old.shape))}; it is "
                                 f"{' x '.join(map(str, v.shape))}")
        self._set_learnables(v if isinstance(v, DLArray) else dlarray(v) for v in values)

    @property
    def State(self):
        if self._state is None:
            return Table([])
        return Table((l.Name, k, v) for l, st in zip(self._layers, self._state) if st
                     for k, v in st.items())

    @State.setter
    def State(self, table):
        if table is None:
            return
        rows = list(table) if isinstance(table, Table) else None
        if rows is None:
            raise TypeError(f"State must be a State table (from forward/predict), not "
                            f"{type(table).__name__}")
        by_name = {l.Name: i for i, l in enumerate(self._layers)}
        for layer, param, value in rows:
            if layer not in by_name or not self._state[by_name[layer]] \
                    or param not in self._state[by_name[layer]]:
                raise ValueError(f"State table row ({layer!r}, {param!r}) does not match a state "
                                 "of this network")
            self._state[by_name[layer]][param] = value

    def _set_learnables(self, values):
        it = iter(values)
        for i, l in enumerate(self._layers):
            upd = {p: next(it) for p in l._learnables if getattr(l, p) is not None}
            if upd:
                self._layers[i] = l._with(**upd)

    def _learnable_slots(self):
        """(layer, name) for each learnable, in Learnables order."""
        return [(l, p) for l in self._layers for p in l._learnables if getattr(l, p) is not None]

    _xp = np          # the device the learnables live on (numpy or cupy)
    _dtype = np.dtype(np.float32)     # the type initialize() gave the learnables

    def _initial_states(self):
        """Recurrent states at their initial values (HiddenState/CellState
        properties, zeros when empty), on the network's device."""
        return [{k: l._initial_state(k, self._dtype, self._xp) for k in l._states}
                if l._states else None for l in self._layers]

    def _copy(self, layers=False):
        """A copy that can change its learnables and state without touching
        ``self``; ``layers=True`` also copies the layer objects (for code that
        sets layer properties, like the input normalization statistics)."""
        new = copy.copy(self)
        new._layers = [copy.copy(l) for l in self._layers] if layers else list(self._layers)
        if self._state is not None:
            new._state = [dict(s) if s else s for s in self._state]
        return new

    def _to_device(self, xp):
        """A copy whose learnables (and states) live on the device of ``xp``
        (numpy: host, cupy: GPU); ``self`` when they already do."""
        if xp is self._xp:
            return self
        new = self._copy()
        new._xp = xp
        host = xp is np
        new._set_learnables(DLArray._new(v._data.get() if host else xp.asarray(v._data), v._fmt)
                            for v in self.Learnables._values())
        if self._state is not None:
            new._state = [{k: DLArray._new(v._data.get() if host else xp.asarray(v._data), v._fmt)
                           for k, v in s.items()} if s else s for s in self._state]
        return new

    def resetState(self):
        """Reset recurrent states to their initial values, in place."""
        self._state = self._initial_states()
        return self

    # ----- tree protocol: a network maps over its learnables ----------------------
    def _dlarr_tree_map_(self, fn, *rest):
        others = [_values_of(r, len(self.Learnables), i) for i, r in enumerate(rest)]
        vals = self.Learnables._values()
        new = self._copy()
        new._set_learnables(fn(v, *[o[i] for o in others]) for i, v in enumerate(vals))
        return new

    def _dlarr_tree_leaves_(self, path):
        yield from self.Learnables._dlarr_tree_leaves_(f"{path}.Learnables")

    # ----- running -----------------------------------------------------------------
    def _body(self):
        """The layers a chain runs (not its output layer); a graph is not a chain, and
        code that walks a chain (ONNX export) gets a TypeError saying so."""
        if not self._is_chain():
            raise TypeError(f"this {type(self).__name__} is a layer graph (branches, or several "
                            "inputs or outputs), not a chain of layers; this operation supports "
                            "chains only")
        return self._chain_body()

    def _chain_body(self):
        last = self._layers[-1]
        return self._layers[:-1] if isinstance(last, L._OUTPUT_LAYERS) else self._layers

    def _check_state_batch(self, X: DLArray, state, fname):
        """A stored state applies to X's batch: it holds one observation (it
        expands, as MATLAB's does) or as many as X; otherwise the error says so
        and points to resetState."""
        B = X.shape[X.dims.index("B")] if "B" in X.dims else 1
        for l, st in zip(self._layers, state):
            for k, v in (st or {}).items():
                nb = v.shape[1] if v.ndim >= 2 else 1
                if nb not in (1, B):
                    raise ValueError(
                        f"{fname}: the network's State (layer {l.Name!r}, {k}) holds {nb} "
                        f"observations but X has {B}; a stored state applies to a batch of the "
                        f"same size (one of a single observation expands). Reset it first, "
                        f"net = dl.resetState(net), or give {nb} observations")

    def _run(self, X, training: bool, state=None, fname="forward", outputs=None):
        """Run the layers (not the output layers) on formatted X (a tuple, one per
        input, for several inputs); returns (Y, new_state): Y the network's output, or
        a tuple of them (several outputs, or the ``(layer index, output index)`` pairs
        of ``outputs``)."""
        if not self._initialized:
            raise RuntimeError("the network is not initialized; call initialize(net) first")
        state = self._state if state is None else state
        if outputs is not None or not self._plan.chain:
            return self._run_graph(X, training, state, fname, outputs)
        self._check_state_batch(X, state, fname)
        new_state = []
        for l, st in zip(self._chain_body(), state):
            X, st2 = l._forward(X, training, st)
            new_state.append(st2)
        new_state += state[len(new_state):]
        return X, new_state

    def _run_graph(self, X, training, state, fname, outputs):
        """``_run`` on a graph: the layers in order, each on what its sources gave;
        layers after the last output asked for are not run (their state is kept)."""
        plan = self._plan
        Xs = tuple(X) if isinstance(X, (tuple, list)) else (X,)
        self._check_state_batch(Xs[0], state, fname)
        want = plan.outputs if outputs is None else list(outputs)
        vals, new_state = {}, list(state)
        for i in range(max(i for i, _ in want) + 1):
            l = self._layers[i]
            if l.NumInputs == 0:
                x = Xs[plan.inputs.index(i)]
            elif plan.multi_in[i]:
                x = tuple(vals[s] for s in plan.sources[i])
            else:
                x = vals[plan.sources[i][0]]
            if l.NumOutputs == 0:           # an output layer: its input is the output
                vals[(i, 0)] = x
                continue
            y, new_state[i] = l._forward(x, training, state[i])
            if plan.multi_out[i]:
                vals.update(((i, p), v) for p, v in enumerate(y))
            else:
                vals[(i, 0)] = y
        Ys = [vals[o] for o in want]
        return (Ys[0] if len(Ys) == 1 else tuple(Ys)), new_state

    def __repr__(self):
        kind = type(self).__name__
        lines = [f"{kind} with properties:", "",
                 f"         Layers: [{len(self._layers)}x1 nnet.cnn.layer.Layer]"]
        chain = bool(self._layers) and self._is_chain()
        if not chain:
            lines += [f"    Connections: [{len(self._conns)}x2 table]",
                      f"     InputNames: {G._cell(self.InputNames)}",
                      f"    OutputNames: {G._cell(self.OutputNames)}"]
        lines += [f"    Initialized: {int(self._initialized)}", ""]
        text = "\n".join(lines) + L.layer_table(self._layers, "  Layers:")
        if chain:
            return text
        conns = [("    " + t).rstrip() for t in repr(self.Connections).split("\n")]
        return "\n".join([text, "", "  Connections:"] + conns)


def _output_names_arg(names, layers, kind):
    """OutputNames given to a dlnetwork: names of layers or "layer/output"."""
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple)) or not names or \
            not all(isinstance(n, str) for n in names):
        raise TypeError(f"{kind}: OutputNames must be a layer name or a list of names "
                        f"('fc', 'lstm/hidden'), not {came(names)}")
    for n in names:
        G.resolve_output(n, layers, kind, "OutputNames")
    return list(names)


def check_network(net, fname, kind=None, argname="net"):
    """The one check of a network argument: a dlnetwork, a SeriesNetwork or a DAGNetwork
    (``kind``: that class, or a tuple of classes, only), else a TypeError naming the
    function and what came."""
    kinds = kind or _Net
    if not isinstance(net, kinds):
        others = ""
        if not kind:
            want = "a dlnetwork or a SeriesNetwork"
        elif isinstance(kinds, tuple):
            want = f"a {kinds[0].__name__}"
            others = f" (or {' or '.join('a ' + k.__name__ for k in kinds[1:])}: what " \
                     "trainNetwork returns)"
        else:
            want = f"a {kinds.__name__}"
        raise TypeError(f"{fname}: {argname} must be {want}, not {came(net)}{others}")
    return net


def check_min_length(net, T, fname, which="X", layer=None):
    """A sequence of ``T`` time steps is at least the input layer's MinLength (MATLAB's
    rule: shorter sequences are an error)."""
    m = getattr(net._layers[0] if layer is None else layer, "MinLength", 1)
    if T < m:
        raise ValueError(f"{fname}: {which} has {T} time steps, fewer than the input layer's "
                         f"MinLength {m}")
