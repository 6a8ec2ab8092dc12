"""Networks of layers: dlnetwork (custom loops, trainnet) and SeriesNetwork (trainNetwork).

Both hold a sequential layer array, run it on formatted data, and keep the
state of recurrent layers between calls.  Learnables and State are
:class:`Table` objects (Layer, Parameter, Value), and a dlnetwork takes part
in dlfeval/dlgradient/adamupdate through the tree protocol of ``_tree``.
"""
from __future__ import annotations

import copy

import numpy as np

from .. import layers as L
from ..core.arguments import came, name_value_pairs
from ..core.create import dlarray
from ..core.dlarray import DLArray
from ..core.formats import check_format
from ..core.tree import TreeMismatch


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


class _Net:
    """A sequential layer array with its learnables and recurrent state."""

    _allow_output_layer = False

    def __init__(self, layers, Initialize=True):
        if isinstance(layers, _Net):
            layers = layers.Layers
        given = layers
        layers = list(layers) if isinstance(layers, (list, tuple)) else []
        if not layers or not all(isinstance(l, L.Layer) for l in layers):
            bad = [i for i, l in enumerate(layers) if not isinstance(l, L.Layer)]
            what = f"layers[{bad[0]}] is {came(layers[bad[0]])}" if bad else f"not {came(given)}"
            raise TypeError(f"{type(self).__name__}: layers must be a non-empty list of layer "
                            "objects (e.g. [dl.sequenceInputLayer(12), dl.lstmLayer(100), ...]); "
                            f"{what}")
        if not isinstance(Initialize, (bool, np.bool_)) and not (
                isinstance(Initialize, (int, np.integer)) and Initialize in (0, 1)):
            raise TypeError(f"{type(self).__name__}: Initialize must be true or false, not "
                            f"{came(Initialize)}")
        self._layers = [copy.copy(l) for l in layers]
        self._name_layers()
        self._check_structure()
        self._state = None
        self._initialized = False
        if Initialize:
            self.initialize()

    # ----- structure ---------------------------------------------------------------
    def _name_layers(self):
        used = {l.Name for l in self._layers if l.Name}
        for l in self._layers:
            if l.Name:
                continue
            base = l._default_name         # each layer class says (Layer's docstring)
            name, k = base, 1
            while name in used:
                name = f"{base}_{k}"
                k += 1
            object.__setattr__(l, "Name", name)
            used.add(name)
        names = [l.Name for l in self._layers]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"{type(self).__name__}: layer names must be unique; repeated: "
                             f"{sorted(dup)}")

    def _check_structure(self):
        first = self._layers[0]
        if not isinstance(first, L.SequenceInputLayer):
            raise ValueError(f"{type(self).__name__}: the first layer must be an input layer "
                             f"(sequenceInputLayer); layer 1 is a {first._display}")
        for i, l in enumerate(self._layers[1:], start=2):
            if isinstance(l, L.SequenceInputLayer):
                raise ValueError(f"{type(self).__name__}: layer {i} ('{l.Name}') is a second "
                                 "input layer")
            if isinstance(l, L._OUTPUT_LAYERS):
                if not self._allow_output_layer:
                    raise ValueError(f"dlnetwork: layer '{l.Name}': detected output layer. A "
                                     "dlnetwork must not have output layers (remove "
                                     "classificationLayer/regressionLayer and give the loss to "
                                     "trainnet or compute it yourself)")
                if i != len(self._layers):
                    raise ValueError(f"{type(self).__name__}: layer {i} ('{l.Name}') is an output "
                                     "layer but is not the last layer")

    def initialize(self, dtype=np.float32):
        """Initialize empty learnables and the state (MATLAB's ``initialize``)."""
        size = self._layers[0].InputSize
        has_time = True
        self._dtype = np.dtype(dtype)
        for l in self._layers:
            size, has_time = l._setup(size, has_time, self._dtype)
        self._out_size, self._out_has_time = size, has_time
        self._initialized = True
        self.resetState()
        return self

    # ----- properties ---------------------------------------------------------------
    @property
    def Layers(self):
        return tuple(self._layers)

    @property
    def Initialized(self):
        return self._initialized

    @property
    def InputNames(self):
        return [self._layers[0].Name]

    @property
    def OutputNames(self):
        return [self._layers[-1].Name]

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
        last = self._layers[-1]
        return self._layers[:-1] if isinstance(last, L._OUTPUT_LAYERS) else self._layers

    def _check_state_batch(self, X: DLArray, state, fname):
        """A stored state applies to X's batch: it holds one observation (it
        expands, as MATLAB's does) or as many as X; otherwise the error says so
        and points to resetState."""
        B = X.shape[X.dims.index("B")] if "B" in X.dims else 1
        for l, st in zip(self._body(), state):
            for k, v in (st or {}).items():
                nb = v.shape[1] if v.ndim >= 2 else 1
                if nb not in (1, B):
                    raise ValueError(
                        f"{fname}: the network's State (layer {l.Name!r}, {k}) holds {nb} "
                        f"observations but X has {B}; a stored state applies to a batch of the "
                        f"same size (one of a single observation expands). Reset it first, "
                        f"net = dl.resetState(net), or give {nb} observations")

    def _run(self, X: DLArray, training: bool, state=None, fname="forward"):
        """Run the layers (not the output layer) on formatted X; returns (Y, new_state)."""
        if not self._initialized:
            raise RuntimeError("the network is not initialized; call initialize(net) first")
        state = self._state if state is None else state
        self._check_state_batch(X, state, fname)
        new_state = []
        for l, st in zip(self._body(), state):
            X, st2 = l._forward(X, training, st)
            new_state.append(st2)
        new_state += state[len(new_state):]
        return X, new_state

    def __repr__(self):
        kind = type(self).__name__
        lines = [f"{kind} with properties:", "",
                 f"         Layers: [{len(self._layers)}x1 nnet.cnn.layer.Layer]",
                 f"    Initialized: {int(self._initialized)}", ""]
        return "\n".join(lines) + L.layer_table(self._layers, "  Layers:")


def check_network(net, fname, kind=None, argname="net"):
    """The one check of a network argument: a dlnetwork or a SeriesNetwork (``kind``:
    that class only), else a TypeError naming the function and what came."""
    kinds = kind or _Net
    if not isinstance(net, kinds):
        want = f"a {kinds.__name__}" if kind else "a dlnetwork or a SeriesNetwork"
        raise TypeError(f"{fname}: {argname} must be {want}, not {came(net)}")
    return net


def check_min_length(net, T, fname, which="X"):
    """A sequence of ``T`` time steps is at least the input layer's MinLength (MATLAB's
    rule: shorter sequences are an error)."""
    m = net._layers[0].MinLength
    if T < m:
        raise ValueError(f"{fname}: {which} has {T} time steps, fewer than the input layer's "
                         f"MinLength {m}")


def _check_input(net, X, fname):
    check_network(net, fname)
    if not isinstance(X, DLArray) or not X.dims:
        raise TypeError(f"{fname}: X must be a formatted dlarray (e.g. dl.dlarray(X, 'CBT')); "
                        f"got {'an unformatted dlarray' if isinstance(X, DLArray) else type(X).__name__}")
    if "C" not in X.dims or X.shape[X.dims.index("C")] != net._layers[0].InputSize:
        raise ValueError(f"{fname}: the network's input layer expects {net._layers[0].InputSize} "
                         f"channels ('C'); X has format {X.dims!r} and size {X.shape}")
    if "T" in X.dims:
        check_min_length(net, X.shape[X.dims.index("T")], fname)


class dlnetwork(_Net):
    """Deep learning neural network for custom training loops and trainnet, MATLAB's
    ``dlnetwork``.

    Syntax::

        net = dl.dlnetwork(layers)
        net = dl.dlnetwork(layers, Initialize=False)   # MATLAB: dlnetwork(layers,Initialize=false)
        net = dl.dlnetwork(otherNet)                   # the layers of another network

    Input arguments:
        layers: a list of layers that starts with a sequenceInputLayer and has no output
            layer (classificationLayer, regressionLayer: a ValueError; give trainnet the
            loss, or compute it yourself), or a network whose layers to use.  The layers
            are copied, and the unnamed ones are named after their type ('lstm',
            'lstm_1', ...); names must be unique.
        Initialize: True (default) initializes the network: each layer checks its input
            size, sets its 'auto' sizes and initializes its empty learnables with its
            initializers, and the state is set to its initial values.  False leaves that
            to :func:`initialize` (``Initialized`` is then False and the network cannot
            run yet).

    Properties:
        Layers: the layers, a tuple.
        Learnables: a table (Layer, Parameter, Value) of the learnable parameters in
            layer order (``T.Layer``, ``T.Parameter``, ``T.Value``, ``T["lstm",
            "Bias"]``); assign a table of the same rows (or a list of values) to
            replace them.
        State: a table of the recurrent states (HiddenState, CellState); assign
            forward's state to keep it (``net.State = state``).
        InputNames, OutputNames: the names of the input layer and of the last layer.
        Initialized: whether the network is initialized.

    Functions on a dlnetwork: :func:`forward`, :func:`predict`, :func:`initialize`,
    :func:`resetState`, :func:`minibatchpredict`, :func:`scores2label`, :func:`trainnet`,
    :func:`analyzeNetwork`; ``dl.dlgradient(loss, net.Learnables)`` gives a table of
    gradients, and ``adamupdate``, ``sgdmupdate``, ``rmspropupdate`` and ``dlupdate``
    take the network and return the updated one.

    Differences from MATLAB: the network is a chain of layers with one input and one
    output (no layer graphs, connectLayers or multiple outputs); the learnables are
    single precision (``net.initialize(np.float64)`` on an uninitialized network makes
    them double); ``Initialize`` is a keyword argument only.

    Example::

        layers = [dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer()]
        net = dl.dlnetwork(layers)
        net.Learnables.Parameter     # ['InputWeights', 'RecurrentWeights', 'Bias', 'Weights', 'Bias']
        X = dl.dlarray(np.random.rand(3, 4, 10).astype("single"), "CBT")
        Y, state = dl.forward(net, X)                  # 2(C) x 4(B)
        net.State = state
    """


def _with_format(X, InputDataFormats, fname):
    """Plain data (a numeric array or an unformatted dlarray) read with InputDataFormats
    ("auto": X as given)."""
    fmt = InputDataFormats
    if isinstance(fmt, (list, tuple)):
        if len(fmt) != 1:
            raise ValueError(f"{fname}: InputDataFormats has {len(fmt)} formats but the network "
                             "has one input; give one format")
        fmt = fmt[0]
    if not isinstance(fmt, str):
        raise TypeError(f"{fname}: InputDataFormats must be 'auto' or a data format such as "
                        f"'CBT', not {came(fmt)}")
    if fmt.lower() == "auto":
        return X
    if isinstance(X, DLArray) and X.dims:
        raise ValueError(f"{fname}: InputDataFormats {fmt!r} applies to unformatted data; X is "
                         f"a formatted dlarray ({X.dims!r}), which carries its own format")
    check_format(fmt, f"{fname}: InputDataFormats")
    try:
        return dlarray(X, fmt)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{fname}: X read with InputDataFormats {fmt!r}: "
                      f"{str(e).replace('dlarray: ', '', 1)}") from None


@name_value_pairs(2)
def forward(net, X, *, InputDataFormats="auto"):
    """Compute the output of a dlnetwork for training, MATLAB's ``forward``.

    Syntax::

        Y, state = dl.forward(net, X)                  # MATLAB: [Y, state] = forward(net, X)
        Y, state = dl.forward(net, X, InputDataFormats="CBT")   # or ..., "InputDataFormats", "CBT"

    The training-mode pass: layers that act only in training (dropoutLayer) act.  Use it
    in the model loss function of a custom training loop (inside :func:`dlfeval`, so
    that :func:`dlgradient` can differentiate the loss); use :func:`predict` for
    inference.  The recurrent layers start from ``net.State``.

    Input arguments:
        net: an initialized dlnetwork.
        X: a formatted dlarray ("CBT" for sequences, "CB" for one time step) with the
            input layer's InputSize channels.
        InputDataFormats: "auto" (default: X must be a formatted dlarray) or a data
            format such as "CBT" or "TCB" with which to read a numeric array or an
            unformatted dlarray.  A formatted dlarray carries its own format, so giving
            one is a ValueError.

    Output arguments:
        Y: the output of the last layer, a formatted dlarray ("CB" after an LSTM with
            OutputMode 'last', "CBT" otherwise).
        state: the updated State table; assign ``net.State = state`` to keep it, as in
            MATLAB.

    Differences from MATLAB: forward always returns both outputs (MATLAB's
    ``[Y, state]``), and a network has one output (no ``Outputs`` option).

    Example::

        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(8),
                            dl.fullyConnectedLayer(2)])
        X = dl.dlarray(np.random.rand(3, 4, 10).astype("single"), "CBT")
        Y, state = dl.forward(net, X)                  # 2(C) x 4(B) x 10(T)
        net.State = state
        Y, state = dl.forward(net, np.random.rand(10, 3, 4), InputDataFormats="TCB")
    """
    check_network(net, "forward")
    X = _with_format(X, InputDataFormats, "forward")
    _check_input(net, X, "forward")
    Y, st = net._run(X, training=True)
    return Y, _state_table(net, st)


def predict_dlnetwork(net, X, InputDataFormats="auto", nargout=1):
    """``predict`` on a dlnetwork: the output (inference mode), and with ``nargout=2``
    the updated State table too (MATLAB's ``[Y, state] = predict(net, X)``)."""
    X = _with_format(X, InputDataFormats, "predict")
    _check_input(net, X, "predict")
    Y, st = net._run(X, training=False, fname="predict")
    return Y if nargout == 1 else (Y, _state_table(net, st))


def _state_table(net, st):
    return Table((l.Name, k, v) for l, s in zip(net._layers, st) if s for k, v in s.items())


def initialize(net):
    """Initialize the learnable parameters and state of a dlnetwork, MATLAB's
    ``initialize``.

    Syntax::

        net = dl.initialize(net)

    Input arguments:
        net: a network made with ``dl.dlnetwork(layers, Initialize=False)`` (or any
            network).

    Output arguments:
        net: the network initialized: each layer's empty learnables set by its
            initializers (those already set are kept, after checking their size), 'auto'
            sizes resolved, the state at its initial values.  An uninitialized network
            is initialized in place and returned; an initialized one is returned as it
            is.

    Differences from MATLAB: MATLAB's example-input forms (``initialize(net, X1, ...)``)
    are not needed (the sequence input layer gives the input size) and not supported;
    the network object itself is initialized.

    Example::

        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(8)], Initialize=False)
        net.Initialized                                # False
        net = dl.initialize(net)
        net.Learnables.Parameter                       # ['InputWeights', 'RecurrentWeights', 'Bias']
    """
    check_network(net, "initialize")
    return net.initialize() if not net.Initialized else net


def resetState(net):
    """Reset the state parameters of a network, MATLAB's ``resetState``.

    Syntax::

        net = dl.resetState(net)

    Input arguments:
        net: a dlnetwork or a SeriesNetwork.

    Output arguments:
        net: a copy of the network whose recurrent states (``net.State``) are at their
            initial values: the layers' HiddenState and CellState properties, zeros where
            they are empty.  The network given is left as it is.

    Use it between independent sequences after :func:`predictAndUpdateState`,
    :func:`classifyAndUpdateState` or ``net.State = state`` (a stored state applies to a
    batch of the same size only).

    Example::

        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(8)])
        Y, state = dl.forward(net, dl.dlarray(np.random.rand(3, 2, 5).astype("single"), "CBT"))
        net.State = state                              # states of 2 observations
        net = dl.resetState(net)                       # zeros again, for any batch size
    """
    return check_network(net, "resetState")._copy().resetState()


class SeriesNetwork(_Net):
    """Series network for deep learning, MATLAB's ``SeriesNetwork``: what
    :func:`trainNetwork` returns.

    Syntax::

        net = dl.trainNetwork(X, Y, layers, options)   # the usual way to get one
        net = dl.SeriesNetwork(layers)                 # from layers, e.g. trained ones
        net = dl.SeriesNetwork(layers, Initialize=False)

    Input arguments:
        layers: a list of layers (or a network whose layers to use) that starts with a
            sequenceInputLayer and ends with an output layer (classificationLayer, after
            a softmaxLayer, or regressionLayer).  The layers are copied and the unnamed
            ones named.
        Initialize: True (default) initializes the learnables that are empty and the
            state, as :class:`dlnetwork` does; False leaves them to ``initialize``.

    Properties:
        Layers: the layers, a tuple; after trainNetwork the trained ones (the output
            layer's Classes set, the input layer's normalization statistics computed).
        InputNames, OutputNames: the names of the input and output layers.
        Learnables, State: tables, as a dlnetwork's.

    Functions on a SeriesNetwork: :func:`classify`, :func:`predict`,
    :func:`predictAndUpdateState`, :func:`classifyAndUpdateState`, :func:`resetState`,
    :func:`analyzeNetwork`; ``dl.trainNetwork(X, Y, net.Layers, options)`` trains its
    layers further.

    Differences from MATLAB: MATLAB's SeriesNetwork has no public constructor; dlarr's
    builds one from layers (``classify`` needs a network trained by trainNetwork, which
    records the classes).

    Example::

        X = [np.random.rand(3, int(n)) for n in np.random.randint(5, 15, 20)]
        Y = dl.categorical(["up" if x[0].mean() > 0.5 else "down" for x in X])
        layers = [dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer(), dl.classificationLayer()]
        options = dl.trainingOptions("adam", MaxEpochs=3, MiniBatchSize=10, Verbose=False)
        net = dl.trainNetwork(X, Y, layers, options)   # a SeriesNetwork
        labels = dl.classify(net, X)                   # a categorical of "down", "up"
    """

    _allow_output_layer = True

    def _check_structure(self):
        super()._check_structure()
        last = self._layers[-1]
        if not isinstance(last, L._OUTPUT_LAYERS):
            raise ValueError("SeriesNetwork: the last layer must be an output layer "
                             "(classificationLayer or regressionLayer); layer "
                             f"{len(self._layers)} is a {last._display}")
        if isinstance(last, L.ClassificationOutputLayer) and not any(
                isinstance(l, L.SoftmaxLayer) for l in self._layers):
            raise ValueError("SeriesNetwork: a classification network needs a softmaxLayer "
                             "before its classificationLayer")
