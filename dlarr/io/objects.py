"""dlarr's own objects in a MAT-file: layers, dlnetwork / SeriesNetwork / DAGNetwork,
layer graphs, tables.

The other half of :mod:`dlarr.io.codecs` (the generic values), by the LAYOUT of
:mod:`dlarr.io.persist`.  A layer is a struct of its MATLAB properties, rebuilt through
its class (``cls(**properties)`` validates each); a network a struct of its layers,
rebuilt through its constructor and initialized (learnables that are set are kept,
checked against the sizes the layers give each other along the connections), its State
put back; a layer graph a struct of its layers and connections; a table a struct of
three cells.  Layer classes are found among the Layer subclasses the program has
imported, by name: nothing is imported from a file.
"""
from __future__ import annotations

import copy
import re

import numpy as np

from ..core.categorical import categorical
from ..core.dlarray import DLArray
from ..layers.base import Layer, _array_or_empty
from ..networks import graph as G
from ..networks.graph import LayerGraph
from ..networks.network import DAGNetwork, SeriesNetwork, Table, dlnetwork
from . import codecs as C
from .codecs import TAG, fail

_NETWORKS = {"dlnetwork": dlnetwork, "SeriesNetwork": SeriesNetwork, "DAGNetwork": DAGNetwork}
_NET_FIELDS = ("Layers", "Connections", "OutputNames", "Initialized", "DataType", "State")
_OLD_NET_FIELDS = ("Layers", "Initialized", "DataType", "State")   # before layer graphs: chains
_GRAPH_FIELDS = ("Layers", "Connections")
_DATA_TYPES = {"single": np.float32, "double": np.float64}
_EMPTY = (0, 0)
# Properties a layer class gained after dlarr (and dlarrExportLearnables.m) first wrote
# it: a file without one (written before) gets the property's default, which is what
# the older layer computed.  Any other missing field is an error.
ADDED_PROPERTIES = {
    "SequenceInputLayer": ("NormalizationDimension",),
    "LSTMLayer": ("HasStateInputs", "HasStateOutputs"),
    "GRULayer": ("HasStateInputs", "HasStateOutputs"),
}


def _empty():
    return np.zeros(_EMPTY)                        # MATLAB's [] (0 x 0 double)


def _is_empty(raw):
    return isinstance(raw, np.ndarray) and raw.shape == _EMPTY and raw.dtype == np.float64


def encoder_for(v):
    """The encoder of one of dlarr's objects (layer, network, table), or None."""
    t = type(v)
    if isinstance(v, Layer):
        return _encode_layer
    if t in (dlnetwork, SeriesNetwork, DAGNetwork):
        return _encode_network
    if t is LayerGraph:
        return _encode_graph
    if t is Table:
        return _encode_table
    return None


def handles(cls) -> bool:
    """True for the classes this module encodes (layers, networks, tables)."""
    return issubclass(cls, Layer) or cls in (dlnetwork, SeriesNetwork, DAGNetwork, LayerGraph,
                                             Table)


def decoder_for(tag):
    """The decoder of tag ``tag`` among networks, tables and layer classes, or None."""
    if tag in _NETWORKS:
        return lambda plain, path: _decode_network(_NETWORKS[tag], plain, path)
    if tag == "Table":
        return _decode_table
    if tag == "LayerGraph":
        return _decode_graph
    cls = layer_classes().get(tag)
    if cls is None:
        return None
    return lambda plain, path: decode_layer(cls, plain, path)


# ==========================================================================
# Layers
# ==========================================================================

def layer_tag(cls) -> str:
    """A layer class's dlarrClass: dlarr's class name, or 'module.QualName' for others."""
    if cls.__module__.split(".")[0] == "dlarr":
        return cls.__name__
    return f"{cls.__module__}.{cls.__qualname__}"


def layer_classes() -> dict:
    """{dlarrClass: class} of every Layer subclass imported now (public names only)."""
    found, todo = {}, [Layer]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if not sub.__name__.startswith("_"):
                found[layer_tag(sub)] = sub
    return found


def _is_array_prop(cls, name) -> bool:
    """Learnables, states and array properties hold dlarrays (MATLAB's matrices)."""
    return name in cls._learnables or name in cls._states or cls._props[name][1] is _array_or_empty


def _encode_layer(layer, path, enc):
    cls = type(layer)
    out = {TAG: layer_tag(cls)}
    for name in cls._props:
        out[name] = _encode_prop(layer, name, getattr(layer, name), f"{path}.{name}", enc)
    return out


def encode_matrix(v, path, enc):
    """A learnable, state or table value: an unformatted 2-D dlarray as its plain
    matrix (read back as a dlarray), None as [], anything else tagged."""
    if v is None:
        return _empty()
    if type(v) is DLArray and not v._fmt and v.ndim == 2 and v.size and \
            np.dtype(v.dtype) in C._DTYPES:
        return C.host(v._data)
    if type(v) is np.ndarray:
        return C.tagged_array(v, path)          # a plain matrix would read back a dlarray
    return enc(v, path)


def decode_matrix(raw, path):
    """The inverse of :func:`encode_matrix`."""
    if _is_empty(raw):
        return None
    if isinstance(raw, np.ndarray):
        return DLArray._new(C.raw_array(raw, path, "the value"), "")
    return C.decode(raw, path)


def _encode_prop(layer, name, value, path, enc):
    """A layer property as MATLAB shows it: [] for empty, matrices, char, 1 x n double
    rows for tuples of numbers, cells for sequences the property gets back from a cell;
    what that would not bring back is stored generically (arrays tagged)."""
    cls = type(layer)
    if _is_array_prop(cls, name):
        return encode_matrix(value, path, enc)
    if value is None:
        return _empty()
    if type(value) is tuple and len(value) >= 2 and all(type(x) is float for x in value):
        return np.array([value], np.float64)
    if type(value) in (tuple, list):
        if _cell_brings_back(layer, name, value):
            return C.column([enc(x, f"{path}[{i}]") for i, x in enumerate(value)])
        if type(value) is list:              # a cell would read back as a tuple here
            return {TAG: "list", "Items": [enc(x, f"{path}[{i}]") for i, x in enumerate(value)]}
    if type(value) is np.ndarray:
        return C.tagged_array(value, path)      # a plain 1 x n row would read back a tuple
    return enc(value, path)


def _sequence_type(cls, name):
    """What a cell reads back as in property ``name``: the type of its default when that
    is a tuple or list (ResponseNames: a tuple), else a list (for the validator)."""
    default = cls._props[name][0]
    return type(default) if type(default) in (tuple, list) else list


def _cell_brings_back(layer, name, value):
    """True when a cell of ``value``'s items (str, numbers) reads back as ``value``:
    as the property's sequence type, through its validator."""
    if not all(type(x) in (str, int, float, bool) for x in value):
        return False
    cls = type(layer)
    try:
        again = cls._props[name][1](_sequence_type(cls, name)(value), name, layer)
    except (TypeError, ValueError):
        return False
    return type(again) is type(value) and len(again) == len(value) and \
        all(type(a) is type(b) and a == b for a, b in zip(again, value))


def _decode_prop(cls, name, raw, path):
    if _is_array_prop(cls, name):
        return decode_matrix(raw, f"{path}.{name}")
    if _is_empty(raw):
        return None
    if isinstance(raw, np.ndarray) and raw.dtype == np.float64 and raw.ndim == 2 \
            and raw.shape[0] == 1 and raw.shape[1] >= 2:
        return tuple(float(x) for x in raw[0])
    value = C.decode(raw, f"{path}.{name}")
    return _sequence_type(cls, name)(value) if type(raw) is list else value


def _strip(e, cls, name):
    """A layer's own message without its prefix ("Layer 'lstm' (LSTMLayer): ")."""
    text = str(e)
    for prefix in (f"Layer '{name}' ({cls._display}): ", f"{cls._display}: ",
                   f"{cls.__name__}: "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def decode_layer(cls, plain, path):
    """A layer rebuilt through its class: ``cls(**properties)`` validates each one."""
    name = plain.get("Name")
    where = f"{path} ({cls._display}" + (f" '{name}')" if isinstance(name, str) and name else ")")
    added = [k for k in ADDED_PROPERTIES.get(cls.__name__, ()) if k in cls._props]
    C.check_fields(dict({k: None for k in added}, **plain), tuple(cls._props), where,
                   cls._display)
    props = {k: _decode_prop(cls, k, plain[k], where) for k in cls._props if k in plain}
    # a property still at its empty default (a required one never set, e.g. a layer built
    # by its class without it) stays at the default: its validator would refuse None
    props = {k: v for k, v in props.items() if not (v is None and cls._props[k][0] is None)}
    late = {k: v for k, v in props.items() if type(v) is categorical}   # Classes after training
    try:
        layer = cls(**{k: v for k, v in props.items() if k not in late})
    except (TypeError, ValueError) as e:
        fail(where, _strip(e, cls, name))
    for k, v in late.items():
        object.__setattr__(layer, k, v)
    return layer


# ==========================================================================
# Networks
# ==========================================================================

def _encode_network(net, path, enc):
    state = net.State
    return {TAG: type(net).__name__,
            "Layers": C.column([enc(l, f"{path}.Layers[{i}]") for i, l in enumerate(net.Layers)]),
            "Connections": _encode_connections(net.Connections),
            "OutputNames": C.column(list(net._output_names or [])),
            "Initialized": np.array([[net.Initialized]]),
            "DataType": "double" if np.dtype(net._dtype) == np.float64 else "single",
            "State": _encode_columns(state, f"{path}.State", enc)}


def _encode_connections(table):
    return {"Source": C.column(table.Source), "Destination": C.column(table.Destination)}


def _encode_graph(lgraph, path, enc):
    return {TAG: "LayerGraph",
            "Layers": C.column([enc(l, f"{path}.Layers[{i}]")
                                for i, l in enumerate(lgraph.Layers)]),
            "Connections": _encode_connections(lgraph.Connections)}


def _encode_columns(table, path, enc):
    for what in ("Layer", "Parameter"):
        for i, s in enumerate(getattr(table, what)):
            if type(s) is not str:
                raise TypeError(f"{path}.{what}[{i}] must be a str; it is a {type(s).__name__}")
    return {"Layer": C.column(table.Layer), "Parameter": C.column(table.Parameter),
            "Value": C.column([encode_matrix(v, f"{path}.Value[{i}]", enc)
                               for i, v in enumerate(table.Value)])}


def _encode_table(table, path, enc):
    return {TAG: "Table", **_encode_columns(table, path, enc)}


def _decode_columns(plain, path):
    """The rows (Layer, Parameter, Value) of a Table struct or a network's State."""
    cols = [C.raw_cell(plain[k], f"{path}.{k}", k) for k in ("Layer", "Parameter", "Value")]
    if len({len(c) for c in cols}) != 1:
        fail(path, f"Layer, Parameter and Value must have one element per row; they have "
                   f"{', '.join(str(len(c)) for c in cols)}")
    layers, params = ([C.raw_str(s, f"{path}.{k}{{{i + 1}}}", f"{k}{{{i + 1}}}")
                       for i, s in enumerate(col)] for k, col in zip(("Layer", "Parameter"), cols))
    values = [decode_matrix(v, f"{path}.Value{{{i + 1}}}") for i, v in enumerate(cols[2])]
    return list(zip(layers, params, values))


def _decode_table(plain, path):
    C.check_fields(plain, ("Layer", "Parameter", "Value"), path, "Table")
    return Table(_decode_columns(plain, path))


def _decode_layers(plain, path):
    cells = C.raw_cell(plain["Layers"], f"{path}.Layers", "Layers")
    layers = []
    for i, raw in enumerate(cells):
        where = f"{path}.Layers{{{i + 1}}}"
        tag = raw.get(TAG) if isinstance(raw, dict) else None
        if not isinstance(tag, str) or tag not in layer_classes():
            fail(where, f"must be a layer struct (dlarrClass naming a layer class); it is "
                        f"{C.kind(raw)}")
        layers.append(decode_layer(layer_classes()[tag], raw, where))
    return layers


def _decode_connections(raw, layers, path):
    """The connections (source, output, destination, input) of a Connections struct,
    each "name" or "name/port" checked against the layers."""
    if not isinstance(raw, dict):
        fail(path, f"Connections must be a struct; it is {C.kind(raw)}")
    C.check_fields(raw, ("Source", "Destination"), path, "Connections")
    cols = [C.raw_cell(raw[k], f"{path}.{k}", k) for k in ("Source", "Destination")]
    if len(cols[0]) != len(cols[1]):
        fail(path, f"Source and Destination must have one element per connection; they have "
                   f"{len(cols[0])} and {len(cols[1])}")
    by_name = {l.Name: l for l in layers}
    edges = []
    for i, (s, d) in enumerate(zip(*cols)):
        s = C.raw_str(s, f"{path}.Source{{{i + 1}}}", f"Source{{{i + 1}}}")
        d = C.raw_str(d, f"{path}.Destination{{{i + 1}}}", f"Destination{{{i + 1}}}")
        try:
            edges.append(G.parse_port(s, by_name, "out", "Connections", "Source") +
                         G.parse_port(d, by_name, "in", "Connections", "Destination"))
        except (TypeError, ValueError) as e:
            fail(f"{path}{{{i + 1}}}", str(e).replace("Connections: ", "", 1))
    fed = [e[2:] for e in edges]
    dup = next((f for f in fed if fed.count(f) > 1), None)
    if dup is not None:
        fail(path, f"input '{dup[1]}' of layer '{dup[0]}' has more than one connection")
    return edges


def _decode_graph(plain, path):
    C.check_fields(plain, _GRAPH_FIELDS, path, "LayerGraph")
    layers = _decode_layers(plain, path)
    try:
        G.name_layers(layers, "LayerGraph")
    except ValueError as e:
        fail(f"{path}.Layers", str(e))
    return LayerGraph(layers, _decode_connections(plain["Connections"], layers,
                                                  f"{path}.Connections"))


def _decode_network(cls, plain, path):
    old = set(plain) - {TAG} == set(_OLD_NET_FIELDS)    # written before graphs: a chain
    C.check_fields(plain, _OLD_NET_FIELDS if old else _NET_FIELDS, path, cls.__name__)
    layers = _decode_layers(plain, path)
    initialized = C.raw_logical(plain["Initialized"], f"{path}.Initialized", "Initialized")
    dtype = C.raw_str(plain["DataType"], f"{path}.DataType", "DataType")
    if dtype not in _DATA_TYPES:
        fail(f"{path}.DataType", f"DataType must be 'single' or 'double', not {dtype!r}")
    if not isinstance(plain["State"], dict):
        fail(f"{path}.State", f"State must be a struct; it is {C.kind(plain['State'])}")
    C.check_fields(plain["State"], ("Layer", "Parameter", "Value"), f"{path}.State", "State")
    rows = _decode_columns(plain["State"], f"{path}.State")
    given, outputs = layers, None
    if not old:
        names = {l.Name for l in layers}
        if len(names) == len(layers):          # else the constructor names the repeat
            edges = _decode_connections(plain["Connections"], layers, f"{path}.Connections")
            if sorted(edges) != sorted(G.chain_edges(layers)) or not G.is_chain(layers, edges):
                given = LayerGraph(layers, edges)
        cells = C.raw_cell(plain["OutputNames"], f"{path}.OutputNames", "OutputNames")
        outputs = [C.raw_str(n, f"{path}.OutputNames{{{i + 1}}}", "OutputNames")
                   for i, n in enumerate(cells)] or None
    try:
        net = cls(given, Initialize=False, **({"OutputNames": outputs} if outputs else {}))
    except (TypeError, ValueError) as e:
        fail(f"{path}.Layers", str(e))
    if initialized:
        _check_setup(net, np.dtype(_DATA_TYPES[dtype]), path)
        net.initialize(_DATA_TYPES[dtype])
    _put_state(net, rows, f"{path}.State")
    return net


def _check_setup(net, dtype, path):
    """Each layer set up on a copy, as ``initialize`` will: an error names the layer; a
    learnable the file lacks (initialize would make it up) is an error too."""
    try:
        plan = net._compile()
    except ValueError as e:
        fail(f"{path}.Connections", str(e))
    sizes = {}
    for i, layer in enumerate(net.Layers):
        cls = type(layer)
        where = f"{path}.Layers{{{i + 1}}} ({cls._display} '{layer.Name}')"
        trial = copy.copy(layer)
        empty = [p for p in cls._learnables if getattr(layer, p) is None]
        try:
            size, has_time = net._layer_input(plan, i, sizes)
            net._layer_output(plan, i, trial._setup(size, has_time, dtype), sizes)
        except (TypeError, ValueError) as e:
            fail(where, re.sub(r"it has size (\d+(?:x\d+)*)",
                               lambda m: "it is " + m.group(1).replace("x", " x "),
                               _strip(e, cls, layer.Name)))
        made = [p for p in empty if getattr(trial, p) is not None]
        if made:
            fail(where, f"{made[0]} is empty ([]) in an initialized network")


def _put_state(net, rows, path):
    if not rows:
        return
    if not net.Initialized:
        fail(path, "an uninitialized network has no State; the State cells must be empty")
    initial = {(l.Name, k): v for l, st in zip(net.Layers, net._state) if st
               for k, v in st.items()}
    for i, (layer, param, value) in enumerate(rows):
        where = f"{path}.Value{{{i + 1}}}"
        if (layer, param) not in initial:
            fail(f"{path}.Layer{{{i + 1}}}", f"({layer!r}, {param!r}) is not a state of the "
                                             "network's layers")
        n = initial[layer, param].shape[0]
        if type(value) is not DLArray or value.ndim != 2 or value.shape[0] != n \
                or value.dtype.kind != "f":
            got = " x ".join(map(str, value.shape)) if type(value) is DLArray else \
                f"a {type(value).__name__}"
            fail(where, f"the {param} of layer '{layer}' must be a {n} x B floating-point "
                        f"matrix; it is {got}")
    net.State = Table(rows)
