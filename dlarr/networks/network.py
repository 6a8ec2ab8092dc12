"""Networks of layers: dlnetwork (custom loops, trainnet), SeriesNetwork (trainNetwork
of a layer array) and DAGNetwork (trainNetwork of a layer graph), and forward,
initialize, resetState.

Each holds a layer graph (a chain of layers in the common case), runs it on formatted
data and keeps the state of recurrent and normalization layers between calls
(``base._Net``).  Learnables and State are :class:`Table` objects (Layer, Parameter,
Value).
"""
from __future__ import annotations

from .. import layers as L
from ..core.arguments import came, name_value_pairs
from ..core.create import dlarray
from ..core.dlarray import DLArray
from ..core.formats import check_format
from . import graph as G
from .base import Table, _Net, check_min_length, check_network  # noqa: F401
from .graph import LayerGraph


def _input_layers(net):
    return [l for l in net._layers if l.NumInputs == 0]


def _check_input(net, X, fname, k=0):
    """Input ``k`` (0-based) of a network: a formatted dlarray with its input layer's
    channels and at least its MinLength time steps."""
    check_network(net, fname)
    layers = _input_layers(net)
    name = "X" if len(layers) == 1 else f"X{k + 1}"
    where = "the network's input layer" if len(layers) == 1 else f"input layer '{layers[k].Name}'"
    if not isinstance(X, DLArray) or not X.dims:
        raise TypeError(f"{fname}: {name} must be a formatted dlarray (e.g. dl.dlarray(X, 'CBT')); "
                        f"got {'an unformatted dlarray' if isinstance(X, DLArray) else type(X).__name__}")
    _check_input_size(layers[k], X, fname, name, where)
    if "T" in X.dims:
        check_min_length(net, X.shape[X.dims.index("T")], fname, name, layers[k])


def _check_input_size(layer, X, fname, name, where):
    """X against its input layer: C channels ("CB"/"CBT"), an h x w x c image
    ("SSCB"/"SSCBT"), or features ("CB", no time dimension: featureInputLayer)."""
    size, has_time = layer._input_spec()
    n_spatial = len(size) - 1 if isinstance(size, tuple) else 0
    extra = [c for c in X.dims if c not in "SCBT"] + \
        (["S"] * (X.dims.count("S") - n_spatial) if X.dims.count("S") > n_spatial else [])
    if extra:
        want = "S" * n_spatial + ("CBT" if has_time else "CB")
        raise ValueError(f"{fname}: {where} ({layer._display}) takes {want!r} data "
                         f"({n_spatial} spatial dimensions); {name} has format {X.dims!r} and "
                         f"size {X.shape}: its {''.join(extra)!r} dimension(s) have no place")
    if isinstance(size, int) and ("C" not in X.dims or X.shape[X.dims.index("C")] != size):
        raise ValueError(f"{fname}: {where} expects {size} channels ('C'); {name} has format "
                         f"{X.dims!r} and size {X.shape}")
    if isinstance(size, tuple):
        got = tuple(n for n, c in zip(X.shape, X.dims) if c == "S") + \
            tuple(n for n, c in zip(X.shape, X.dims) if c == "C")
        if got != size or X.dims.count("C") != 1:
            fmt = "S" * (len(size) - 1) + "CBT"
            raise ValueError(f"{fname}: {where} expects images of size "
                             f"{' x '.join(map(str, size))} ({fmt!r} data); {name} has format "
                             f"{X.dims!r} and size {X.shape}")
    if not has_time and "T" in X.dims:
        raise ValueError(f"{fname}: {where} ({layer._display}) takes feature data without a "
                         f"time dimension ('CB'); {name} has format {X.dims!r}")


def _with_format(X, fmt, fname, name="X"):
    """Plain data (a numeric array or an unformatted dlarray) read with the data format
    ``fmt`` ("auto": X as given)."""
    if not isinstance(fmt, str):
        raise TypeError(f"{fname}: InputDataFormats must be 'auto' or a data format such as "
                        f"'CBT', not {came(fmt)}")
    if fmt.lower() == "auto":
        return X
    if isinstance(X, DLArray) and X.dims:
        raise ValueError(f"{fname}: InputDataFormats {fmt!r} applies to unformatted data; {name} "
                         f"is a formatted dlarray ({X.dims!r}), which carries its own format")
    check_format(fmt, f"{fname}: InputDataFormats")
    try:
        return dlarray(X, fmt)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{fname}: {name} read with InputDataFormats {fmt!r}: "
                      f"{str(e).replace('dlarray: ', '', 1)}") from None


def network_inputs(net, X, InputDataFormats, fname):
    """The inputs ``X`` (a tuple, one per input layer) read with InputDataFormats (one
    format, or one per input) and checked."""
    n = len(_input_layers(net))
    if len(X) != n:
        names = ", ".join(repr(l.Name) for l in _input_layers(net))
        raise TypeError(f"{fname}: the network has {n} input{'s' if n != 1 else ''} ({names}); "
                        f"give one X per input, not {len(X)}")
    fmts = InputDataFormats
    if isinstance(fmts, (list, tuple)):
        if len(fmts) != n:
            raise ValueError(f"{fname}: InputDataFormats has {len(fmts)} formats but the network "
                             f"has {'one input' if n == 1 else f'{n} inputs'}; give "
                             f"{'one format' if n == 1 else 'one format per input'}")
    else:
        fmts = [fmts] * n
    out = []
    for k, (x, f) in enumerate(zip(X, fmts)):
        x = _with_format(x, f, fname, "X" if n == 1 else f"X{k + 1}")
        _check_input(net, x, fname, k)
        out.append(x)
    return out[0] if n == 1 else tuple(out)


def network_outputs(net, Outputs, fname):
    """The ``(layer index, output index)`` pairs of the Outputs option (None: the
    network's outputs)."""
    if Outputs is None:
        return None
    names = [Outputs] if isinstance(Outputs, str) else Outputs
    if not isinstance(names, (list, tuple)) or not names or \
            not all(isinstance(n, str) for n in names):
        raise TypeError(f"{fname}: Outputs must be a layer name or a list of names ('fc', "
                        f"'lstm/out'), not {came(Outputs)}")
    return [G.resolve_output(n, net._layers, fname) for n in names]


class dlnetwork(_Net):
    """Deep learning neural network for custom training loops and trainnet, MATLAB's
    ``dlnetwork``.

    Syntax::

        net = dl.dlnetwork(layers)
        net = dl.dlnetwork(layers, Initialize=False)   # MATLAB: dlnetwork(layers,Initialize=false)
        net = dl.dlnetwork(lgraph)                     # a layer graph (dl.layerGraph)
        net = dl.dlnetwork(layers, OutputNames=["fc", "lstm"])
        net = dl.dlnetwork()                           # empty (R2024a): addLayers, connectLayers
        net = dl.dlnetwork(otherNet)                   # the layers of another network

    Input arguments:
        layers: a list of layers that starts with a sequenceInputLayer and has no output
            layer (classificationLayer, regressionLayer: a ValueError; give trainnet the
            loss, or compute it yourself), connected in order; a :class:`LayerGraph`
            (branches, several inputs and outputs); or a network whose graph to use.
            The layers are copied, and the unnamed ones are named after their type
            (MATLAB's 'lstm'; 'lstm_1', 'lstm_2', ... for several); names must be unique.  The layers are kept in an
            order where each follows the layers it reads (the order given, for a chain).
        Initialize: True (default) initializes the network: each layer checks its input
            sizes, sets its 'auto' sizes and initializes its empty learnables with its
            initializers, and the state is set to its initial values.  Every layer input
            must be connected and the graph must have no cycle (errors name the layer).
            False leaves that to :func:`initialize` (``Initialized`` is then False and the
            network cannot run yet): R2024a's way is ``dlnetwork(layers,
            Initialize=False)``, then :func:`connectLayers`, then :func:`initialize`.
        OutputNames: the network's outputs, layer names or "layer/output" (default: every
            layer output no connection reads, in layer order).

    Properties:
        Layers: the layers, a tuple.
        Connections: a table (``.Source``, ``.Destination``) of the connections.
        Learnables: a table (Layer, Parameter, Value) of the learnable parameters in
            layer order (``T.Layer``, ``T.Parameter``, ``T.Value``, ``T["lstm",
            "Bias"]``); assign a table of the same rows (or a list of values) to
            replace them.
        State: a table of the states (HiddenState, CellState, TrainedMean, ...); assign
            forward's state to keep it (``net.State = state``).
        InputNames, OutputNames: the names of the input layers and of the outputs.
        Initialized: whether the network is initialized.

    Functions on a dlnetwork: :func:`forward`, :func:`predict`, :func:`initialize`,
    :func:`resetState`, :func:`minibatchpredict`, :func:`scores2label`, :func:`trainnet`,
    :func:`analyzeNetwork`, and the graph editors :func:`addLayers`, :func:`removeLayers`,
    :func:`replaceLayer`, :func:`connectLayers`, :func:`disconnectLayers` (each returns
    a new, uninitialized network); ``dl.dlgradient(loss, net.Learnables)`` gives a table
    of gradients, and ``adamupdate``, ``sgdmupdate``, ``rmspropupdate`` and ``dlupdate``
    take the network and return the updated one.

    Differences from MATLAB: every layer input must reach an input layer (MATLAB's
    networks with unconnected inputs, initialized from example inputs, are not
    supported); the learnables are single precision (``net.initialize(np.float64)`` on an
    uninitialized network makes them double); ``Initialize`` is a keyword argument only.

    Example::

        layers = [dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer()]
        net = dl.dlnetwork(layers)
        net.Learnables.Parameter     # ['InputWeights', 'RecurrentWeights', 'Bias', 'Weights', 'Bias']
        X = dl.dlarray(np.random.rand(3, 4, 10).astype("single"), "CBT")
        Y, state = dl.forward(net, X)                  # 2(C) x 4(B)
        net.State = state
    """

    _allow_empty = True

    def _with_graph(self, layers, edges, fname):
        keep = self._output_names
        names = {l.Name for l in layers}
        if keep and not all(n.rsplit("/", 1)[0] in names or n in names for n in keep):
            keep = None
        new = dlnetwork(LayerGraph(layers, edges), Initialize=False)
        new._output_names = keep
        return new


@name_value_pairs(2)
def forward(net, *X, Outputs=None, InputDataFormats="auto"):
    """Compute the output of a dlnetwork for training, MATLAB's ``forward``.

    Syntax::

        Y, state = dl.forward(net, X)                  # MATLAB: [Y, state] = forward(net, X)
        Y1, Y2, state = dl.forward(net, X1, X2)        # several inputs and outputs
        Y1, Y2, state = dl.forward(net, X, Outputs=["fc", "lstm/out"])
        Y, state = dl.forward(net, X, InputDataFormats="CBT")   # or ..., "InputDataFormats", "CBT"

    The training-mode pass: layers that act only in training (dropoutLayer) act.  Use it
    in the model loss function of a custom training loop (inside :func:`dlfeval`, so
    that :func:`dlgradient` can differentiate the loss); use :func:`predict` for
    inference.  The recurrent layers start from ``net.State``.

    Input arguments:
        net: an initialized dlnetwork.
        X, X1, ..., XM: one formatted dlarray per input layer (``net.InputNames`` order):
            "CBT" for sequences, "CB" for one time step, with the input layer's
            InputSize channels; "SSCBT" for image sequences (sequenceInputLayer([h w
            c])); "CB" for features (featureInputLayer, no time dimension).
        Outputs: None (default: the network's outputs, ``net.OutputNames``) or layer
            names ("fc", or "layer/output" for a layer with several outputs): the
            activations to return, in that order.
        InputDataFormats: "auto" (default: X must be a formatted dlarray) or a data
            format such as "CBT" or "TCB" with which to read a numeric array or an
            unformatted dlarray (a list: one per input).  A formatted dlarray carries
            its own format, so giving one is a ValueError.

    Output arguments:
        Y, Y1, ..., YN: the outputs, formatted dlarrays ("CB" after an LSTM with
            OutputMode 'last', "CBT" otherwise).
        state: the updated State table; assign ``net.State = state`` to keep it, as in
            MATLAB.

    Differences from MATLAB: forward always returns the state too (MATLAB's
    ``[Y, state]``).

    Example::

        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(8),
                            dl.fullyConnectedLayer(2)])
        X = dl.dlarray(np.random.rand(3, 4, 10).astype("single"), "CBT")
        Y, state = dl.forward(net, X)                  # 2(C) x 4(B) x 10(T)
        net.State = state
        H, Y, state = dl.forward(net, X, Outputs=["lstm", "fc"])
        Y, state = dl.forward(net, np.random.rand(10, 3, 4), InputDataFormats="TCB")
    """
    check_network(net, "forward")
    X = network_inputs(net, X, InputDataFormats, "forward")
    outs = network_outputs(net, Outputs, "forward")
    Y, st = net._run(X, training=True, outputs=outs)
    return (*(Y if isinstance(Y, tuple) else (Y,)), _state_table(net, st))


def predict_dlnetwork(net, X, InputDataFormats="auto", nargout=None, Outputs=None):
    """``predict`` on a dlnetwork given dlarrays ``X`` (a tuple, one per input): the
    outputs (inference mode) and, with ``nargout`` one more than their number, the
    updated State table too (MATLAB's ``[Y1, ..., YN, state] = predict(net, ...)``)."""
    X = network_inputs(net, X, InputDataFormats, "predict")
    outs = network_outputs(net, Outputs, "predict")
    k = len(outs) if outs is not None else max(1, len(net.OutputNames))
    from ..core.arguments import check_nargout
    nargout = check_nargout(k if nargout is None else nargout, (k, k + 1), "predict")
    Y, st = net._run(X, training=False, fname="predict", outputs=outs)
    Ys = Y if isinstance(Y, tuple) else (Y,)
    if nargout == k:
        return Ys[0] if k == 1 else Ys
    return (*Ys, _state_table(net, st))
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
        net: a dlnetwork, a SeriesNetwork or a DAGNetwork.

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

    def _check_graph(self):
        if not self._is_chain():
            raise ValueError("SeriesNetwork: the layers are a graph (branches, or several inputs "
                             "or outputs), not a chain; trainNetwork of a layer graph gives a "
                             "DAGNetwork (dl.DAGNetwork(lgraph))")
        self._check_structure()


class DAGNetwork(_Net):
    """Directed acyclic graph (DAG) network for deep learning, MATLAB's ``DAGNetwork``:
    what :func:`trainNetwork` returns for a layer graph.

    Syntax::

        net = dl.trainNetwork(X, Y, lgraph, options)   # the usual way to get one
        net = dl.DAGNetwork(lgraph)                    # from a layer graph
        net = dl.DAGNetwork(lgraph, Initialize=False)

    Input arguments:
        lgraph: a :class:`LayerGraph` (or a network whose graph to use) with an input
            layer, whose every layer input is connected, and whose every layer output
            ends in an output layer (classificationLayer, after a softmaxLayer, or
            regressionLayer).  The layers are copied.
        Initialize: True (default) initializes the learnables that are empty and the
            state, as :class:`dlnetwork` does; False leaves them to ``initialize``.

    Properties:
        Layers: the layers, a tuple, each after the layers it reads.
        Connections: a table (``.Source``, ``.Destination``) of the connections.
        InputNames, OutputNames: the names of the input and output layers.
        Learnables, State: tables, as a dlnetwork's.

    Functions on a DAGNetwork: :func:`classify`, :func:`predict`, :func:`activations`,
    :func:`predictAndUpdateState`, :func:`classifyAndUpdateState`, :func:`resetState`,
    :func:`analyzeNetwork`; ``dl.trainNetwork(X, Y, dl.layerGraph(net), options)``
    trains it further.

    Differences from MATLAB: MATLAB's DAGNetwork has no public constructor; dlarr's
    builds one from a layer graph.  trainNetwork trains DAG networks with one input and
    one output layer.

    Example::

        lgraph = dl.layerGraph([dl.sequenceInputLayer(3), dl.fullyConnectedLayer(8, Name="fc"),
                                dl.lstmLayer(8, OutputMode="last", Name="lstm"),
                                dl.fullyConnectedLayer(2), dl.softmaxLayer(),
                                dl.classificationLayer()])
        net = dl.DAGNetwork(lgraph)
        net.OutputNames                                # ['classoutput']
    """

    _allow_output_layer = True

    def _check_structure(self):
        self._check_graph()

    def _check_graph(self):
        outs = [l for l in self._layers if isinstance(l, L._OUTPUT_LAYERS)]
        if not outs:
            raise ValueError("DAGNetwork: the network has no output layer (classificationLayer "
                             "or regressionLayer); each of its outputs must end in one")
        loose = G.unconnected_outputs(self._layers, self._conns)
        if loose:
            raise ValueError(f"DAGNetwork: the output of layer {loose[0]!r} is not connected; "
                             "each output of a DAGNetwork must end in an output layer "
                             "(classificationLayer or regressionLayer)")
        if any(isinstance(l, L.ClassificationOutputLayer) for l in outs) and not any(
                isinstance(l, L.SoftmaxLayer) for l in self._layers):
            raise ValueError("DAGNetwork: a classification network needs a softmaxLayer "
                             "before its classificationLayer")
