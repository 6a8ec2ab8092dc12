"""ONNX import into dlarr networks, MATLAB's ``importNetworkFromONNX`` and
``importONNXNetwork``.

The model file is loaded and checked (``onnx.load``, ``onnx.checker``), then read node by
node without running it (``onnx_graph``): a chain from the one sequence input to the one
output, translated to ``[sequenceInputLayer(C), ...]`` with the weights converted to
MATLAB's layouts (``onnx_layers``, ``onnx_recurrent``).  How the input's axes read
(time, batch, channels) comes from InputDataFormats or, by default, from the graph: each
reading whose channel axis has a fixed size is tried, and the one the graph fits is
taken (several: an error asking for InputDataFormats).  Nothing is built until the whole
graph has been read.

``onnx`` is imported only when a function runs (the ``onnx`` extra).
"""
from __future__ import annotations

import itertools

import numpy as np

from ..core.arguments import name_value_pairs
from ..core.options import choose
from .onnx_graph import TranslationError, read_model, translate
from .onnx_layers import input_affine
from .onnx_layout import channel_axis

# The option vocabulary of importONNXNetwork (MATLAB's values that dlarr supports).
from ..core.options import ONNX_OUTPUT_LAYER_TYPES, ONNX_TARGET_NETWORKS  # noqa: E402

_INPUT_FORMATS = tuple("".join(p) for p in itertools.permutations("TBC"))


def _one_format(value, fname, argname):
    """A data format option: None, a string, or a list/tuple of one string (upper case)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ValueError(f"{fname}: {argname} has {len(value)} formats but the network has "
                             "one input and one output; give one format")
        value = value[0]
    if not isinstance(value, str):
        raise TypeError(f"{fname}: {argname} must be a data format such as 'TBC' (a string), "
                        f"not {type(value).__name__}")
    return value.upper()


def _input_format(value, fname):
    fmt = _one_format(value, fname, "InputDataFormats")
    if fmt is not None and fmt not in _INPUT_FORMATS:
        raise ValueError(f"{fname}: InputDataFormats {value!r} is not a sequence format; dlarr "
                         "imports sequence networks, whose input's axes (in ONNX's order) are "
                         f"one of {', '.join(repr(f) for f in _INPUT_FORMATS)}")
    return fmt


def _output_format(value, fname):
    fmt = _one_format(value, fname, "OutputDataFormats")
    if fmt is not None and (not fmt or set(fmt) - set("TBCU") or fmt.count("B") != 1
                            or fmt.count("C") != 1 or fmt.count("T") > 1):
        raise ValueError(f"{fname}: OutputDataFormats {value!r} is not a data format of a "
                         "sequence network's output: one 'B', one 'C', at most one 'T' (and "
                         "'U' for unit axes), in ONNX's order, e.g. 'BC' or 'TBC'")
    return fmt


def _same_format(got, want):
    return got == want or got.replace("U", "") == want.replace("U", "")


def _choose_reading(info, in_fmt, out_fmt):
    """(input format, chain, output data, output format) of the one reading of the input's
    axes that the graph fits."""
    if in_fmt is not None and info.dims[in_fmt.index("C")] is None:
        raise ValueError(f"{info.where}: InputDataFormats {in_fmt!r} puts the channels "
                         f"on axis {in_fmt.index('C')} of the input {info.input_name!r}, whose "
                         "size is not fixed in the file")
    cands = [in_fmt] if in_fmt else [f for f in _INPUT_FORMATS if info.dims[f.index("C")]]
    if not cands:
        raise ValueError(f"{info.where}: the input {info.input_name!r} {info.dims} has "
                         "no axis of fixed size for its channels")
    fits, errors = [], []
    for fmt in cands:
        try:
            fits.append((fmt,) + translate(info, fmt))
        except TranslationError as e:
            errors.append((fmt, e))
    if out_fmt is not None and fits:
        matched = [f for f in fits if _same_format(f[3], out_fmt)]
        if not matched:
            got = " or ".join(repr(f[3]) for f in fits)
            raise ValueError(f"{info.where}: the network's output reads as {got}, not "
                             f"OutputDataFormats {out_fmt!r}")
        fits = matched
    if not fits:
        fmt, best = max(errors, key=lambda fe: fe[1].progress)      # first of the furthest
        hint = ""
        if any(e.progress == best.progress and str(e) != str(best) for _, e in errors):
            hint = (f" (reading the input {info.input_name!r} as {fmt!r}; give InputDataFormats "
                    "if its axes read otherwise)")
        raise ValueError(f"{info.where}: {best}{hint}")
    if len(fits) > 1 and info.producer == "dlarr" and any(f[0] == "TBC" for f in fits):
        fits = [f for f in fits if f[0] == "TBC"]          # dlarr writes [T, B, C]
    if len(fits) > 1:
        raise ValueError(f"{info.where}: the input {info.input_name!r} can be read as "
                         f"{' or '.join(repr(f[0]) for f in fits)} (time, batch and channels in "
                         "ONNX's order); give InputDataFormats to say which")
    return fits[0]


def _layer(spec, name):
    """The dlarr layer of a spec (see ``onnx_layers``)."""
    from .. import layers as L
    kind = spec["kind"]
    props = {k: v for k, v in spec.items() if k not in ("kind", "name") and v is not None}
    if kind in ("lstm", "bilstm", "gru"):
        make = {"lstm": L.lstmLayer, "bilstm": L.bilstmLayer, "gru": L.gruLayer}[kind]
        return make(props.pop("NumHiddenUnits"), Name=name, **props)
    if kind == "fc":
        return L.fullyConnectedLayer(props["Weights"].shape[0], Name=name, **props)
    if kind == "dropout":
        return L.dropoutLayer(props["Probability"], Name=name)
    from ..layers import activation as LA
    with_property = {"leakyrelu": (LA.leakyReluLayer, "Scale"),
                     "elu": (LA.eluLayer, "Alpha"),
                     "clippedrelu": (LA.clippedReluLayer, "Ceiling")}
    if kind in with_property:
        make, prop = with_property[kind]
        return make(props[prop], Name=name)
    if kind == "gelu":
        return LA.geluLayer(Name=name, Approximation=props["Approximation"])
    make = {"relu": L.reluLayer, "tanh": L.tanhLayer, "sigmoid": L.sigmoidLayer,
            "softmax": L.softmaxLayer}[kind]
    return make(Name=name)


def _normalization(ops, dtype):
    """The sequenceInputLayer properties of the normalization steps ``ops`` (Sub, Div, Mul,
    Add of per-channel constants): MATLAB's pattern when the steps are one (exporters
    write them so), else 'zscore' with the Mean and StandardDeviation of the same affine
    map (to rounding)."""
    steps = [(op, first if op in ("Sub", "Div") else True) for op, _, first in ops]
    v = [vec.reshape(-1, 1).astype(dtype) for _, vec, _ in ops]
    if steps == [("Sub", True)]:
        return dict(Normalization="zerocenter", Mean=v[0])
    if steps == [("Sub", True), ("Div", True)]:
        return dict(Normalization="zscore", Mean=v[0], StandardDeviation=v[1])
    if steps == [("Sub", True), ("Div", True), ("Mul", True), ("Add", True)] and \
            np.all(v[2] == 2) and np.all(v[3] == -1):
        return dict(Normalization="rescale-symmetric", Min=v[0], Max=(v[0] + v[1]).astype(dtype))
    scale, offset = input_affine(ops)
    return dict(Normalization="zscore", Mean=(-offset / scale).reshape(-1, 1).astype(dtype),
                StandardDeviation=(1 / scale).reshape(-1, 1).astype(dtype))


def _layers(info, fmt, chain):
    """[sequenceInputLayer, ...]: the layers of the chain, named after the ONNX input and
    nodes (a node without a name, or with one already taken, is named by the network)."""
    from .. import layers as L
    used = {info.input_name}
    norm = {}
    if chain and chain[0]["kind"] == "input":
        norm, chain = _normalization(chain[0]["ops"], info.dtype), chain[1:]
    out = [L.sequenceInputLayer(info.dims[fmt.index("C")], Name=info.input_name, **norm)]
    for spec in chain:
        name = spec["name"] if spec["name"] and spec["name"] not in used else ""
        used.add(name)
        out.append(_layer(spec, name))
    return out


def _read(modelfile, InputDataFormats, OutputDataFormats, fname):
    """(layers, dtype, output data) of the network in ``modelfile``."""
    in_fmt = _input_format(InputDataFormats, fname)
    out_fmt = _output_format(OutputDataFormats, fname)
    info = read_model(modelfile, fname)
    fmt, chain, out, _ = _choose_reading(info, in_fmt, out_fmt)
    return _layers(info, fmt, chain), info.dtype, out


def _initialized(cls, layers, dtype):
    net = cls(layers, Initialize=False)
    return net.initialize(dtype)


@name_value_pairs(1)
def importNetworkFromONNX(modelfile, *, InputDataFormats=None, OutputDataFormats=None):
    """Import an ONNX network as a dlarr network, MATLAB's ``importNetworkFromONNX``.

    Syntax::

        net = dl.importNetworkFromONNX(modelfile)
        net = dl.importNetworkFromONNX(modelfile, InputDataFormats="BTC")
        net = dl.importNetworkFromONNX(modelfile, "InputDataFormats", "BTC")  # MATLAB's pairs

    Reads an ONNX model of a sequence network as PyTorch's and Keras' (tf2onnx) exporters
    and ``dl.exportONNXNetwork`` write them, a chain from one 3-D input to one output,
    without running it.  LSTM (forward or bidirectional) becomes lstmLayer/bilstmLayer
    (gate blocks permuted from ONNX's i, o, f, c to MATLAB's i, f, g, o, the two biases
    summed, Sigmoid/HardSigmoid(0.2, 0.5) gates and Tanh/Softsign/Relu states, layout 1
    read as batch first; zero initial states are the default, a constant nonzero one
    becomes HiddenState/CellState; OutputMode 'last' when Y_h, or a Gather or Slice of
    the last time step follows, else 'sequence'); GRU gruLayer (z, r, h to r, z, h;
    linear_before_reset 1 ResetGateMode 'after-multiplication', or
    'recurrent-bias-after-multiplication' with a nonzero candidate recurrent bias; 0
    'before-multiplication'); MatMul (+ Add) and Gemm fullyConnectedLayer; Relu, Tanh,
    Sigmoid, Softmax (over the channels) reluLayer, tanhLayer, sigmoidLayer,
    softmaxLayer; LeakyRelu, Elu, Clip (min 0), Gelu leakyReluLayer, eluLayer,
    clippedReluLayer, geluLayer; Dropout dropoutLayer (its ratio; it acts in training only, as in
    MATLAB); per-channel Sub/Div/Mul/Add right after the input the input layer's
    Normalization.  Identity, and the layout and shape operators exporters put around
    them (Transpose, Squeeze, Unsqueeze, Reshape, Flatten, Gather, Slice, Cast, Shape,
    Constant, ConstantOfShape, Concat, Expand, Tile), add no layer: constants are
    folded and the axes tracked symbolically.  Anything else (another operator or
    attribute, clip, input_forget, peepholes, sequence_lens, a reverse LSTM, a
    bidirectional GRU, two inputs or outputs, a branch) is a ValueError naming the
    node's op type and name; nothing is built then.

    Input arguments:
        modelfile: the ONNX file's name (str or path).  A file that is not ONNX, or is
            truncated or damaged, is a ValueError; a missing one FileNotFoundError.

    Name-value options:
        InputDataFormats: None (default: inferred) | the ONNX input's axes in ONNX's
            order: 'TBC' (time, batch, channels), 'BTC' (batch first), or another
            permutation of T, B, C.  By default each reading whose channel axis has a
            fixed size is tried against the graph (an LSTM with layout 0 fed directly
            means 'TBC', a Transpose with perm [1, 0, 2] before it 'BTC'); when several
            fit (no recurrent layer tells time from batch) this option must say which
            (files dlarr writes read as 'TBC').
        OutputDataFormats: None (default: read from the graph) | the ONNX output's axes,
            e.g. 'BC' or 'TBC' ('U' for a unit axis): the graph's output must read so.

    Output arguments:
        net: an initialized dlnetwork ``[sequenceInputLayer(C), ...]``, its layers named
            after the ONNX input and nodes, single precision (double for a double model).
            ``dl.predict`` on the ONNX input permuted to C x B x T ("CBT") gives the
            model's output (permuted to "CB" or "CBT").

    Differences from MATLAB: no custom layers are generated (MATLAB's Namespace and
    PackageName options): an operator without a dlarr layer is an error; only sequence
    networks that are chains of layers are imported.

    Example::

        layers = [dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer()]
        dl.exportONNXNetwork(dl.dlnetwork(layers), "model.onnx")
        net = dl.importNetworkFromONNX("model.onnx")   # the same four layers
        # from PyTorch: y, _ = self.lstm(x); return self.fc(y[:, -1])  (batch_first)
        torch.onnx.export(model, (torch.randn(4, 10, 3),), "torch.onnx", dynamo=False,
                          input_names=["x"], dynamic_axes={"x": {0: "batch", 1: "time"}})
        net = dl.importNetworkFromONNX("torch.onnx")   # sequenceinput, lstm ('last'), fc
        X = dl.dlarray(np.random.rand(3, 4, 10).astype("single"), "CBT")
        Y = dl.predict(net, X)                         # 2(C) x 4(B)
    """
    layers, dtype, _ = _read(modelfile, InputDataFormats, OutputDataFormats,
                             "importNetworkFromONNX")
    from ..networks.network import dlnetwork
    return _initialized(dlnetwork, layers, dtype)


def _classes(Classes, fname):
    """'auto' or the class names, as a list of str."""
    from ..core.categorical import categorical
    if isinstance(Classes, str):
        return choose(Classes, ("auto",), fname, "Classes")
    if isinstance(Classes, categorical):
        Classes = Classes.string().ravel().tolist()
    names = list(Classes) if isinstance(Classes, (list, tuple, np.ndarray)) else None
    if not names or not all(isinstance(c, (str, np.str_)) for c in names):
        raise TypeError(f"{fname}: Classes must be 'auto', a list of class names (strings) or a "
                        f"categorical, not {Classes!r}")
    names = [str(c) for c in names]
    if len(set(names)) != len(names):
        raise ValueError(f"{fname}: Classes has repeated names: {names}")
    return names


def _output_layer(layer_type, classes, layers, out, fname):
    from .. import layers as L
    K = out.axis_size(out.axes[channel_axis(out, "the network's output")])
    if layer_type == "regression":
        return L.regressionLayer()
    if not isinstance(layers[-1], L.SoftmaxLayer):
        raise ValueError(f"{fname}: OutputLayerType 'classification' needs the network to end "
                         f"in a Softmax; it ends in a {layers[-1]._display}.  Use "
                         "OutputLayerType='regression', or dl.importNetworkFromONNX")
    names = [str(k) for k in range(1, K + 1)] if classes == "auto" else classes
    if len(names) != K:
        raise ValueError(f"{fname}: Classes has {len(names)} names but the network has {K} "
                         "outputs (classes)")
    return L.classificationLayer(Classes=names)


def _network_options(OutputLayerType, Classes, TargetNetwork, fname):
    target = choose(TargetNetwork, ONNX_TARGET_NETWORKS, fname, "TargetNetwork")
    classes = _classes(Classes, fname)
    if target == "dlnetwork":
        if OutputLayerType is not None or classes != "auto":
            raise ValueError(f"{fname}: OutputLayerType and Classes apply to TargetNetwork "
                             "'dagnetwork'; a dlnetwork has no output layer")
        return target, None, classes
    if OutputLayerType is None:
        raise ValueError(f"{fname}: give OutputLayerType ('classification' or 'regression'): "
                         "the network it returns ends in an output layer (MATLAB requires it "
                         "too), or use dl.importNetworkFromONNX for a dlnetwork")
    layer_type = choose(OutputLayerType, ONNX_OUTPUT_LAYER_TYPES, fname, "OutputLayerType")
    if layer_type == "regression" and classes != "auto":
        raise ValueError(f"{fname}: Classes applies to OutputLayerType 'classification', not "
                         "'regression'")
    return target, layer_type, classes


@name_value_pairs(1)
def importONNXNetwork(modelfile, *, OutputLayerType=None, Classes="auto", InputDataFormats=None,
                      OutputDataFormats=None, TargetNetwork="dagnetwork"):
    """Import a pretrained ONNX network, MATLAB's ``importONNXNetwork`` (MATLAB's older
    function; :func:`importNetworkFromONNX` is the newer one).

    Syntax::

        net = dl.importONNXNetwork(modelfile, OutputLayerType="classification")
        net = dl.importONNXNetwork(modelfile, OutputLayerType="classification",
                                   Classes=["a", "b", "c"])
        net = dl.importONNXNetwork(modelfile, "OutputLayerType", "regression")  # MATLAB's pairs
        net = dl.importONNXNetwork(modelfile, TargetNetwork="dlnetwork")

    Reads the model as :func:`importNetworkFromONNX` does (the same operators, the same
    translation and errors) and returns a SeriesNetwork, the chain of layers MATLAB's
    DAGNetwork holds here, ending in an output layer.

    Input arguments:
        modelfile: the name of the ONNX file (str or path).

    Name-value options:
        OutputLayerType: 'classification' | 'regression'.  The output layer added after
            the imported layers: classificationLayer (the network must end in a Softmax)
            or regressionLayer.  Required with TargetNetwork 'dagnetwork' (the default):
            without it the error says to give it or to use importNetworkFromONNX.
        Classes: 'auto' (default) | a list of class names | a categorical.  The classes
            of the classificationLayer, one per output; 'auto' names them "1", "2", ...,
            as MATLAB does.  Only with OutputLayerType 'classification'.
        InputDataFormats: None (default: inferred) | 'TBC', 'BTC', ...: the input's axes in
            ONNX's order, as for importNetworkFromONNX.
        OutputDataFormats: None (default) | 'BC', 'TBC', ...: the output's axes in ONNX's
            order, checked against the graph, as for importNetworkFromONNX.
        TargetNetwork: 'dagnetwork' (default: a SeriesNetwork with an output layer) |
            'dlnetwork' (a dlnetwork, as importNetworkFromONNX returns; no
            OutputLayerType or Classes then).

    Output arguments:
        net: a SeriesNetwork ``[sequenceInputLayer(C), ..., softmaxLayer,
            classificationLayer]`` or ``[..., regressionLayer]`` (``dl.predict`` gives
            the ONNX model's output), or a dlnetwork with TargetNetwork 'dlnetwork'.

    Differences from MATLAB: the network is a SeriesNetwork (dlarr's networks are
    chains; MATLAB returns a DAGNetwork); 'pixelclassification' (image segmentation) is
    not supported; no custom layers are generated.  ``dl.classify`` needs a network
    trained by trainNetwork; use ``dl.predict`` for the scores, and the classification
    layer's Classes for their names.

    Example::

        layers = [dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                  dl.fullyConnectedLayer(2), dl.softmaxLayer()]
        dl.exportONNXNetwork(dl.dlnetwork(layers), "model.onnx")
        net = dl.importONNXNetwork("model.onnx", OutputLayerType="classification",
                                   Classes=["down", "up"])
        net.Layers[-1].Classes                           # ('down', 'up')
        scores = dl.predict(net, [np.random.rand(3, 10)])   # 1 x 2
    """
    fname = "importONNXNetwork"
    target, layer_type, classes = _network_options(OutputLayerType, Classes, TargetNetwork,
                                                   fname)
    layers, dtype, out = _read(modelfile, InputDataFormats, OutputDataFormats, fname)
    from ..networks.network import SeriesNetwork, dlnetwork
    if target == "dlnetwork":
        return _initialized(dlnetwork, layers, dtype)
    layers.append(_output_layer(layer_type, classes, layers, out, fname))
    return _initialized(SeriesNetwork, layers, dtype)
