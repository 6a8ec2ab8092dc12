"""ONNX export of dlarr networks, MATLAB's ``exportONNXNetwork``.

A network (dlnetwork or SeriesNetwork) becomes one ONNX graph, one group of nodes per
layer, in the sequence layout ONNX's recurrent operators use: the input is
``[T, B, C]`` (time, batch, channels; T and B symbolic unless ``BatchSize`` fixes B),
sequence data stays ``[T, B, C]`` and a recurrent layer with OutputMode 'last' gives
``[B, C]``.  The layers map as follows (``H`` NumHiddenUnits, ``dirs`` 1 or 2):

==========================  ===========================================================
dlarr layer                 ONNX nodes
==========================  ===========================================================
sequenceInputLayer          Normalization per channel (the last axis): 'zerocenter'
                            Sub; 'zscore' Sub, Div; 'rescale-zero-one' Sub, Div;
                            'rescale-symmetric' Sub, Div, Mul, Add (a zero standard
                            deviation or range counts as 1, as in dlarr and MATLAB)
lstmLayer, bilstmLayer      LSTM (W ``[dirs, 4H, C]``, R ``[dirs, 4H, H]``, B ``[dirs,
                            8H]`` = input biases then zero recurrent biases; MATLAB's
                            gate blocks i, f, g, o reordered to ONNX's i, o, f, c; a
                            bilstm's forward rows then backward rows), then Squeeze
                            (one direction) or Transpose + Reshape (two: forward
                            channels first) to ``[T, B, dirs*H]``
gruLayer                    GRU (gate blocks r, z, h reordered to z, r, h;
                            ResetGateMode 'after-multiplication' linear_before_reset=1
                            with zero recurrent biases, 'recurrent-bias-after-
                            multiplication' linear_before_reset=1 with the recurrent
                            biases, 'before-multiplication' linear_before_reset=0)
state ports                 HasStateInputs: the 'hidden'/'cell' inputs ``[B, H]``
                            Unsqueezed to initial_h/initial_c; HasStateOutputs: Y_h/Y_c
                            Squeezed to ``[B, H]``, tensors '<layer>/hidden', '/cell'
initial states              HiddenState/CellState properties as initial_h/initial_c,
                            expanded to the batch of the layer's input (Shape, Gather,
                            Concat, Expand; Tile for opset 7); omitted when empty (zeros)
OutputMode 'last'           Gather of time step -1 (opset >= 11), else Slice + Squeeze
fullyConnectedLayer         MatMul by Weights' transpose ``[C, O]``, Add Bias ``[O]`` (on
                            ``[T, B, C]`` and ``[B, C]`` alike)
softmaxLayer                Softmax over the last axis (the channels)
reluLayer, tanhLayer,       Relu, Tanh, Sigmoid
sigmoidLayer
dropoutLayer                Dropout (inference: the identity)
classificationLayer,        nothing: the model's output is the layer before's
regressionLayer
the newer layers            see :mod:`dlarr.io.onnx_export_layers` (activations,
                            normalization, 1-D convolution and pooling, combination,
                            flatten, embeddings, self-attention)
==========================  ===========================================================

A layer graph is converted in the network's topological order, each layer on the
tensors of the layers it reads; each input layer is a graph input and each network
output a graph output.

Node and initializer names start with the layer's name (``lstm/LSTM``, ``lstm/W``),
each node's doc string names its dlarr layer, and every tensor a layer ends with is
named after the layer.  ``onnx`` is imported only when a network is exported.
"""
from __future__ import annotations

import numbers
import os
import tempfile

import numpy as np

from .. import layers as L
from ..core.arguments import name_value_pairs
from ..core.backend import float_result_dtype
from ..core.dlarray import DLArray
from ..networks.network import _Net

# The opsets exportONNXNetwork writes (ONNX Runtime runs opset 7 and later; 20 is the
# newest that onnxruntime 1.17 loads) and MATLAB's default.
OPSET_VERSIONS = tuple(range(7, 21))
DEFAULT_OPSET_VERSION = 8

# dlarr's recurrent activations as ONNX's recurrent operators spell them.
_ONNX_ACTIVATIONS = {"sigmoid": "Sigmoid", "hard-sigmoid": "HardSigmoid", "tanh": "Tanh",
                     "softsign": "Softsign", "relu": "Relu"}
# MATLAB's hard-sigmoid, max(0, min(1, 0.2 x + 0.5)), is ONNX's HardSigmoid with these.
_HARD_SIGMOID_ALPHA, _HARD_SIGMOID_BETA = 0.2, 0.5
# Gate blocks in ONNX's order, as indices of MATLAB's blocks: LSTM i, o, f, c from
# MATLAB's i, f, g, o; GRU z, r, h from MATLAB's r, z, h.
_LSTM_ORDER = (0, 3, 1, 2)
_GRU_ORDER = (1, 0, 2)
_FNAME = "exportONNXNetwork"


def _import_onnx():
    try:
        import onnx
    except ImportError as e:
        raise ImportError(f"{_FNAME} needs the onnx package, which dlarr's 'onnx' extra "
                          'installs: pip install "dlarr[onnx]"') from e
    return onnx


def _host(v):
    """A learnable's or statistic's data as a NumPy array (CuPy data copied to the host)."""
    a = v._data if isinstance(v, DLArray) else v
    return a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else np.asarray(a)


def _layer_error(layer, what):
    return ValueError(f"{_FNAME}: layer '{layer.Name}' ({type(layer).__name__}) cannot be "
                      f"exported to ONNX: {what}")


# --------------------------------------------------------------------------
# The graph being built
# --------------------------------------------------------------------------

class _Graph:
    """Nodes and initializers of the graph, with unique names and the opset's rules."""

    def __init__(self, onnx, opset, dtype, reserved):
        self.onnx, self.opset, self.dtype = onnx, opset, np.dtype(dtype)
        self.elem = onnx.helper.np_dtype_to_tensor_dtype(self.dtype)
        self.nodes, self.initializers = [], []
        self._reserved = set(reserved)      # the layers' names, for their output tensors
        self._used = set()

    def fresh(self, base, claim=False):
        """``base``, or ``base_1``, ``base_2``, ... when it is taken (or reserved for a
        layer's output: ``claim`` takes a reserved name)."""
        name, k = base, 1
        while name in self._used or (name in self._reserved and not claim):
            name, k = f"{base}_{k}", k + 1
            claim = False
        self._used.add(name)
        return name

    def init(self, layer, what, array):
        """An initializer ``<layer>/<what>`` holding ``array``; returns its name."""
        name = self.fresh(f"{layer.Name}/{what}")
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(array), name))
        return name

    def values(self, layer, what, array):
        """An initializer of the network's type."""
        return self.init(layer, what, np.asarray(array, self.dtype))

    def ints(self, layer, what, values):
        """A 1-D int64 initializer (shapes, axes, indices)."""
        return self.init(layer, what, np.asarray(values, np.int64))

    def node(self, op, inputs, layer, out=None, tag=None, n_out=1, **attrs):
        """Add one node of ``layer``; returns its (first) output's name, ``out`` if given
        (the tensor the layer ends with) or the node's name (a list of ``n_out`` names
        when the node has several outputs)."""
        name = self.fresh(f"{layer.Name}/{tag or op}")
        output = self.fresh(out, claim=True) if out is not None else name
        outputs = [output] + [self.fresh(f"{name}_output{k}") for k in range(1, n_out)]
        self.nodes.append(self.onnx.helper.make_node(
            op, list(inputs), outputs, name=name,
            doc_string=f"dlarr layer '{layer.Name}' ({type(layer).__name__})", **attrs))
        return output if n_out == 1 else outputs

    # ----- operators whose form changed between opsets ----------------------------
    def squeeze(self, x, axis, layer, out=None):
        if self.opset >= 13:
            return self.node("Squeeze", [x, self.ints(layer, "squeeze_axes", [axis])], layer,
                             out)
        return self.node("Squeeze", [x], layer, out, axes=[axis])

    def last_step(self, x, layer, out=None):
        """``[T, B, C]`` -> ``[B, C]``: the last time step (dlarr's ``Y[..., -1]``)."""
        if self.opset >= 11:
            index = self.init(layer, "last_index", np.array(-1, np.int64))
            return self.node("Gather", [x, index], layer, out, tag="last_step", axis=0)
        if self.opset >= 10:
            starts = self.ints(layer, "last_starts", [-1])
            ends = self.ints(layer, "last_ends", [np.iinfo(np.int64).max])
            axes = self.ints(layer, "last_axes", [0])
            y = self.node("Slice", [x, starts, ends, axes], layer, tag="last_step")
        else:
            y = self.node("Slice", [x], layer, tag="last_step", starts=[-1],
                          ends=[np.iinfo(np.int64).max], axes=[0])
        return self.squeeze(y, 0, layer, out)

    def softmax(self, x, rank, layer, out=None):
        # axis = the last one: before opset 13 Softmax flattens from `axis` on, which is
        # the channel axis alone when it is the last; from 13 on it is that axis.
        return self.node("Softmax", [x], layer, out, axis=rank - 1)

    def dropout(self, x, p, layer, out=None):
        if self.opset >= 12:
            ratio = self.init(layer, "ratio", np.array(p, self.dtype))
            return self.node("Dropout", [x, ratio], layer, out)
        return self.node("Dropout", [x], layer, out, ratio=float(p))

    def expand_to_batch(self, state, batch, dirs, H, layer):
        """``state`` ``[dirs, 1, H]`` as ``[dirs, B, H]``, B from ``batch`` (1-D ``[B]``)."""
        if self.opset >= 8:
            shape = self.node("Concat", [self.ints(layer, "state_dirs", [dirs]), batch,
                                         self.ints(layer, "state_units", [H])],
                              layer, tag="state_shape", axis=0)
            return self.node("Expand", [state, shape], layer)
        reps = self.node("Concat", [self.ints(layer, "state_one", [1]), batch,
                                    self.ints(layer, "state_one", [1])],
                         layer, tag="state_repeats", axis=0)
        return self.node("Tile", [state, reps], layer)


# --------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------

def _statistic(data, dtype, zero_to_one=False):
    """A normalization statistic as a ``[C]`` vector of ``dtype``, computed as
    SequenceInputLayer._forward does (cast, then a zero counts as 1)."""
    d = np.asarray(data).reshape(-1).astype(dtype)
    return np.where(d == 0, 1, d).astype(dtype) if zero_to_one else d


def _input(g, layer, x, rank, out):
    norm = layer.Normalization
    if callable(norm):
        raise _layer_error(layer, "its Normalization is a function, which ONNX cannot "
                                  "express; use 'none', 'zerocenter', 'zscore', "
                                  "'rescale-symmetric' or 'rescale-zero-one', or normalize "
                                  "the data before the network")
    if norm == "none":
        return x, rank
    missing = [s for s in layer._STATS[norm] if getattr(layer, s) is None]
    if missing:
        raise _layer_error(layer, f"Normalization '{norm}' needs {' and '.join(missing)}, "
                                  "which are empty; train the network (trainNetwork computes "
                                  "them) or set them")
    dt = g.dtype
    if norm in ("zerocenter", "zscore"):
        y = g.node("Sub", [x, g.values(layer, "Mean", _statistic(_host(layer.Mean), dt))], layer,
                   None if norm == "zscore" else out)
        if norm == "zscore":
            std = _statistic(_host(layer.StandardDeviation), dt, True)
            y = g.node("Div", [y, g.values(layer, "StandardDeviation", std)], layer, out)
        return y, rank
    span = _host(layer.Max) - _host(layer.Min)
    y = g.node("Sub", [x, g.values(layer, "Min", _statistic(_host(layer.Min), dt))], layer)
    last = norm == "rescale-zero-one"
    y = g.node("Div", [y, g.values(layer, "Range", _statistic(span, dt, True))],
               layer, out if last else None)
    if not last:                                              # [0, 1] -> [-1, 1]
        y = g.node("Mul", [y, g.values(layer, "two", np.array(2))], layer)
        y = g.node("Add", [y, g.values(layer, "minus_one", np.array(-1))], layer, out)
    return y, rank


def _gate_blocks(a, ngates, order, dirs):
    """Rows of a MATLAB-stacked parameter (``dirs*ngates*H`` x ...) as ``[dirs,
    ngates*H, ...]`` with the gate blocks in ONNX's ``order``."""
    H = a.shape[0] // (dirs * ngates)
    blocks = a.reshape((dirs, ngates, H) + a.shape[1:])[:, list(order)]
    return blocks.reshape((dirs, ngates * H) + a.shape[1:])


def _activations(layer, dirs, nstate):
    """The ``activations`` attributes of an LSTM (``nstate`` 2) or GRU (1) node."""
    acts = [_ONNX_ACTIVATIONS[layer.GateActivationFunction]] + \
        [_ONNX_ACTIVATIONS[layer.StateActivationFunction]] * nstate
    attrs = {"activations": acts * dirs}
    n_hard = attrs["activations"].count("HardSigmoid")
    if n_hard:   # alpha/beta are consumed in the order of the activations that take them
        attrs["activation_alpha"] = [_HARD_SIGMOID_ALPHA] * n_hard
        attrs["activation_beta"] = [_HARD_SIGMOID_BETA] * n_hard
    return attrs


def _initial_states(g, layer, x, names, dirs):
    """initial_h (and initial_c) inputs of a recurrent node: the layer's state
    properties expanded to the batch, '' for an empty (zero) one."""
    H = layer.NumHiddenUnits
    inputs, batch = [], None
    for name in names:
        v = getattr(layer, name)
        if v is None:
            inputs.append("")
            continue
        data = _host(v)
        if data.size != dirs * H:
            raise _layer_error(layer, f"{name} has {data.size} elements; it must have "
                                      f"{dirs * H} (NumHiddenUnits{'*2' if dirs == 2 else ''})")
        if batch is None:
            shape = g.node("Shape", [x], layer, tag="input_shape")
            batch = g.node("Gather", [shape, g.ints(layer, "batch_axis", [1])], layer,
                           tag="batch_size", axis=0)
        state = g.values(layer, name, data.reshape(dirs, 1, H))
        inputs.append(g.expand_to_batch(state, batch, dirs, H, layer))
    while inputs and inputs[-1] == "":
        inputs.pop()
    return inputs


def _sequence_output(g, layer, y, dirs, out):
    """Y ``[T, dirs, B, H]`` -> ``[T, B, dirs*H]`` (forward channels first), or the last
    step ``[B, dirs*H]`` for OutputMode 'last'; returns (tensor, rank)."""
    last = layer.OutputMode == "last"
    seq_out = None if last else out
    if dirs == 1:
        y = g.squeeze(y, 1, layer, seq_out)
    else:
        y = g.node("Transpose", [y], layer, perm=[0, 2, 1, 3])
        shape = g.ints(layer, "output_shape", [0, 0, dirs * layer.NumHiddenUnits])
        y = g.node("Reshape", [y, shape], layer, seq_out)
    if last:
        return g.last_step(y, layer, out), 2
    return y, 3


def _state_ports_in(g, layer, xs):
    """initial_h (and initial_c) from the layer's state inputs ``[B, H]`` (HasStateInputs):
    Unsqueeze to ``[1, B, H]``."""
    if g.opset >= 13:
        return [g.node("Unsqueeze", [h, g.ints(layer, "state_axes", [0])], layer) for h in xs]
    return [g.node("Unsqueeze", [h], layer, axes=[0]) for h in xs]


def _recurrent_node(g, layer, op, x, inputs, names, dirs, out, **attrs):
    """The LSTM/GRU node with its initial states (the properties, or the state inputs),
    and the layer's outputs: the sequence (or last step), then with HasStateOutputs the
    final states ``[B, H]`` (Y_h, Y_c squeezed)."""
    xs = x if isinstance(x, tuple) else (x,)
    states = _state_ports_in(g, layer, xs[1:]) if len(xs) > 1 else \
        _initial_states(g, layer, xs[0], names, dirs)
    inputs = [xs[0]] + inputs + ([""] + states if states else [])
    n = layer.NumOutputs
    ys = g.node(op, inputs, layer, n_out=max(n, 1), **attrs)
    seq = _sequence_output(g, layer, ys if n == 1 else ys[0], dirs, out)
    if n == 1:
        return seq
    return [seq] + [(g.squeeze(y, 0, layer, f"{layer.Name}/{port}"), 2)
                    for y, port in zip(ys[1:], layer.OutputNames[1:])]


def _parameters(layer, names):
    return [_host(getattr(layer, n)) for n in names]


def _lstm(g, layer, x, rank, out):
    dirs = getattr(layer, "_ndir", 1)
    H = layer.NumHiddenUnits
    W, R, b = _parameters(layer, ("InputWeights", "RecurrentWeights", "Bias"))
    Wb = _gate_blocks(b.reshape(-1), 4, _LSTM_ORDER, dirs)
    B = np.concatenate([Wb, np.zeros_like(Wb)], axis=1)        # Rb = 0: MATLAB has one bias
    inputs = [g.values(layer, "W", _gate_blocks(W, 4, _LSTM_ORDER, dirs)),
              g.values(layer, "R", _gate_blocks(R, 4, _LSTM_ORDER, dirs)),
              g.values(layer, "B", B)]
    return _recurrent_node(g, layer, "LSTM", x, inputs, ("HiddenState", "CellState"), dirs,
                           out, hidden_size=H,
                           direction="bidirectional" if dirs == 2 else "forward",
                           **_activations(layer, dirs, 2))


def _gru(g, layer, x, rank, out):
    H = layer.NumHiddenUnits
    W, R, b = _parameters(layer, ("InputWeights", "RecurrentWeights", "Bias"))
    b = b.reshape(-1)
    mode = layer.ResetGateMode
    Wb = _gate_blocks(b[:3 * H], 3, _GRU_ORDER, 1)
    Rb = _gate_blocks(b[3 * H:], 3, _GRU_ORDER, 1) \
        if mode == "recurrent-bias-after-multiplication" else np.zeros_like(Wb)
    inputs = [g.values(layer, "W", _gate_blocks(W, 3, _GRU_ORDER, 1)),
              g.values(layer, "R", _gate_blocks(R, 3, _GRU_ORDER, 1)),
              g.values(layer, "B", np.concatenate([Wb, Rb], axis=1))]
    # dlarr's gru: 'before-multiplication' n = state(W_n x + b_n + R_n (r .* h)), ONNX's
    # linear_before_reset=0 with Rb_h = 0; the other modes apply r to R_n h (+ bR_n).
    return _recurrent_node(g, layer, "GRU", x, inputs, ("HiddenState",), 1, out, hidden_size=H,
                           direction="forward",
                           linear_before_reset=int(mode != "before-multiplication"),
                           **_activations(layer, 1, 1))


def _fully_connected(g, layer, x, rank, out):
    from .onnx_export_images import flatten_images
    x, rank = flatten_images(g, layer, x, rank)         # images: h*w*c channels, as MATLAB's
    W, b = _parameters(layer, ("Weights", "Bias"))
    O = layer.OutputSize
    if W.ndim != 2 or W.shape[0] != O or b.size != O:
        raise _layer_error(layer, f"its Weights ({'x'.join(map(str, W.shape))}) and Bias "
                                  f"({b.size} elements) do not fit OutputSize {O}")
    y = g.node("MatMul", [x, g.values(layer, "W", W.T)], layer)
    return g.node("Add", [y, g.values(layer, "B", b.reshape(-1))], layer, out), rank


def _softmax(g, layer, x, rank, out):
    return g.softmax(x, rank, layer, out), rank


def _dropout(g, layer, x, rank, out):
    return g.dropout(x, layer.Probability, layer, out), rank


def _elementwise(op):
    def convert(g, layer, x, rank, out):
        return g.node(op, [x], layer, out), rank
    return convert


def _converters():
    """Layer class -> converter ``(graph, layer, x, rank, out) -> (tensor, rank)``; the
    classes themselves, not their subclasses (a subclass may compute something else)."""
    table = {L.SequenceInputLayer: _input, L.LSTMLayer: _lstm, L.BiLSTMLayer: _lstm,
             L.GRULayer: _gru, L.FullyConnectedLayer: _fully_connected,
             L.SoftmaxLayer: _softmax, L.DropoutLayer: _dropout}
    for cls_name, op in (("ReLULayer", "Relu"), ("TanhLayer", "Tanh"),
                         ("SigmoidLayer", "Sigmoid")):
        cls = getattr(L, cls_name, None)
        if cls is not None:
            table[cls] = _elementwise(op)
    from .onnx_export_layers import converters
    table.update(converters())
    return table


# --------------------------------------------------------------------------
# Arguments, the model, the file
# --------------------------------------------------------------------------

def _check_arguments(net, filename, NetworkName, OpsetVersion, BatchSize):
    if not isinstance(net, _Net):
        raise TypeError(f"{_FNAME}: net must be a dlnetwork or a SeriesNetwork, not "
                        f"{type(net).__name__}")
    if not net.Initialized:
        raise ValueError(f"{_FNAME}: net is not initialized; initialize it first "
                         "(net = dl.initialize(net))")
    if not isinstance(filename, (str, os.PathLike)) or not os.fspath(filename):
        raise TypeError(f"{_FNAME}: filename must be a non-empty string or path, not "
                        f"{filename!r}")
    if not isinstance(NetworkName, str) or not NetworkName:
        raise TypeError(f"{_FNAME}: NetworkName must be a non-empty string, not "
                        f"{NetworkName!r}")
    if isinstance(OpsetVersion, bool) or not isinstance(OpsetVersion, numbers.Real) \
            or OpsetVersion not in OPSET_VERSIONS:
        raise ValueError(f"{_FNAME}: OpsetVersion must be one of "
                         f"{', '.join(map(str, OPSET_VERSIONS))}; got {OpsetVersion!r}")
    if BatchSize is None or (isinstance(BatchSize, (list, tuple, np.ndarray))
                             and np.size(BatchSize) == 0):
        return int(OpsetVersion), None
    ok = not isinstance(BatchSize, bool) and isinstance(BatchSize, numbers.Real) \
        and np.isfinite(BatchSize) and BatchSize == int(BatchSize) and BatchSize >= 1
    if not ok:
        raise ValueError(f"{_FNAME}: BatchSize must be [] (None: any batch size) or a "
                         f"positive integer; got {BatchSize!r}")
    return int(OpsetVersion), int(BatchSize)


def _model_dtype(net):
    """The type dlarr computes the network in: single if the network or any learnable
    is single (MATLAB's rule), else double."""
    dts = [net._dtype] + [_host(v).dtype for v in net.Learnables.Value]
    return float_result_dtype(*dts)


def _check_layers(layers, table):
    """Every layer is one the export converts (or an output layer), before anything is
    built."""
    from .onnx_export_layers import multi_port_classes
    multi_out, multi_in = multi_port_classes()
    for layer in layers:
        if layer.NumOutputs == 0:                   # classification/regressionLayer
            continue
        if type(layer) not in table:
            names = sorted({c.__name__ for c in table})
            raise _layer_error(layer, "ONNX export supports " + ", ".join(names)
                               + " and the output layers")
        if layer.NumOutputs > 1 and not isinstance(layer, multi_out):
            raise _layer_error(layer, "layers with several outputs (HasStateOutputs) are "
                                      "not exported")
        if layer.NumInputs > 1 and not isinstance(layer, multi_in):
            raise _layer_error(layer, "layers with state inputs (HasStateInputs) are not "
                                      "exported")


def _input_info(g, layer, batch):
    """The graph input of an input layer and its rank: ``[T, B, C]`` for sequences,
    ``[B, C]`` for feature data."""
    B = batch if batch is not None else "B"
    has_time = getattr(layer, "_has_time", True)
    size = layer.InputSize
    if isinstance(size, numbers.Integral):
        dims = (["T", B] if has_time else [B]) + [int(size)]
    elif len(size) == 3 and has_time:            # [h w c] image sequences: [T, B, c, h, w]
        if layer.Normalization != "none":
            raise _layer_error(layer, "image inputs are exported with Normalization 'none' "
                                      "only; normalize the images before the network")
        dims = ["T", B, int(size[2]), int(size[0]), int(size[1])]
    else:
        raise _layer_error(layer, f"InputSize {size} is not exported (vector data and "
                                  "[h w c] image sequences are)")
    g.fresh(layer.Name, claim=True)
    return g.onnx.helper.make_tensor_value_info(layer.Name, g.elem, dims), len(dims)


def _walk(g, net, table, batch):
    """Convert the layers in the network's (topological) order; returns (graph inputs,
    {(layer index, output index): (tensor, rank)})."""
    from .onnx_export_layers import WITH_STATE
    plan, vals, inputs = net._plan, {}, []
    for i, layer in enumerate(net._layers):
        convert = table.get(type(layer))
        if layer.NumInputs == 0:
            info, rank = _input_info(g, layer, batch)
            inputs.append(info)
            vals[(i, 0)] = convert(g, layer, layer.Name, rank, f"{layer.Name}/normalized")
            continue
        src = [vals[s] for s in plan.sources[i]]
        if layer.NumOutputs == 0:                   # an output layer outputs its input
            vals[(i, 0)] = src[0]
            continue
        if plan.multi_in[i]:
            x, rank = tuple(t for t, _ in src), tuple(r for _, r in src)
        else:
            x, rank = src[0]
        extra = {"state": net._state[i]} if isinstance(layer, WITH_STATE) else {}
        y = convert(g, layer, x, rank, layer.Name, **extra)
        if plan.multi_out[i]:
            vals.update(((i, p), v) for p, v in enumerate(y))
        else:
            vals[(i, 0)] = y
    return inputs, vals


def _outputs(g, net, vals, batch, input_names):
    """The graph's outputs, in the network's order (an Identity where a tensor is an
    input or another output already)."""
    helper, outs, used = g.onnx.helper, [], set(input_names)
    B = batch if batch is not None else "B"
    for i, p in net._plan.outputs:
        x, rank = vals[(i, p)]
        layer = net._layers[i]
        if x in used:
            x = g.node("Identity", [x], layer, f"{layer.Name}/output")
        used.add(x)
        size = net._sizes.get((i, p), (None,))[0]
        size = size if isinstance(size, int) else f"{layer.Name}_C"
        dims = (["T", B] if rank == 3 else [B]) + [size] if rank in (2, 3) else \
            [f"{layer.Name}_{k}" for k in range(rank)]
        outs.append(helper.make_tensor_value_info(x, g.elem, dims))
    return outs


def _build(onnx, net, NetworkName, opset, batch):
    """The ModelProto of ``net`` (a chain or a layer graph)."""
    helper = onnx.helper
    table = _converters()
    _check_layers(net._layers, table)
    g = _Graph(onnx, opset, _model_dtype(net), [l.Name for l in net._layers])
    inputs, vals = _walk(g, net, table, batch)
    outputs = _outputs(g, net, vals, batch, [v.name for v in inputs])
    graph = helper.make_graph(g.nodes, NetworkName, inputs, outputs, g.initializers,
                              doc_string=f"Exported by dlarr from a {type(net).__name__}")
    ir = max(4, helper.find_min_ir_version_for([helper.make_opsetid("", opset)]))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=ir, producer_name="dlarr",
                             producer_version=_dlarr_version())


def _dlarr_version():
    try:
        from importlib.metadata import version
        return version("dlarr")
    except Exception:                # not installed as a distribution (a source checkout)
        return ""


def _write_atomic(filename, data):
    """Write ``data`` beside ``filename``, then rename it over: a failure leaves an
    existing file as it was."""
    path = os.path.abspath(os.fspath(filename))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{_FNAME}: the folder of filename does not exist: {folder}")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


@name_value_pairs(2)
def exportONNXNetwork(net, filename, *, NetworkName="Network",
                      OpsetVersion=DEFAULT_OPSET_VERSION, BatchSize=None):
    """Export a network to the ONNX model format, MATLAB's ``exportONNXNetwork``.

    Syntax::

        dl.exportONNXNetwork(net, filename)
        dl.exportONNXNetwork(net, filename, OpsetVersion=13, BatchSize=1)
        dl.exportONNXNetwork(net, filename, "NetworkName", "classifier")   # MATLAB's pairs

    Writes the network with its weights to an ONNX file that ONNX Runtime (1.17 and
    later) runs, with :func:`predict`'s outputs.  An existing file is overwritten, as in
    MATLAB (written beside, then renamed: a failed export leaves it as it was).

    Input arguments:
        net: an initialized dlnetwork, SeriesNetwork or DAGNetwork, a chain or a layer
            graph (skip connections, several inputs and outputs), of the layers ONNX
            can express: sequenceInputLayer (Normalization 'none', 'zerocenter',
            'zscore', 'rescale-symmetric' or 'rescale-zero-one'), featureInputLayer,
            lstmLayer, bilstmLayer, gruLayer (every ResetGateMode), the projected
            lstm/gru layers, fullyConnectedLayer, softmaxLayer, dropoutLayer, the
            activation layers (relu, leakyRelu, clippedRelu, elu, gelu, swish, tanh,
            sigmoid), batch/layer normalization, the 1-D convolution and pools,
            addition/multiplication/concatenation, flatten, word/position embedding,
            selfAttentionLayer (the tables of :mod:`dlarr.io.onnx_export_layers`),
            image sequences (sequenceInputLayer([h w c]), folding, convolution2dLayer,
            the 2-D pools: :mod:`dlarr.io.onnx_export_images`), and a
            classificationLayer or regressionLayer (not exported: the model outputs the
            layer before's scores or responses).  Any other layer, or an option ONNX
            cannot express (a Normalization function, a causal mask), is a ValueError
            naming the layer.
        filename: the file to write, a string or path (e.g. "net.onnx"); its folder
            must exist.

    Name-value options (keywords, or MATLAB's positional pairs):
        NetworkName: "Network" (default) | string.  The name of the ONNX graph.
        OpsetVersion: 8 (default, MATLAB's) | 7, 9, 10, ..., 20.  The version of the ONNX
            operator set the model uses; the model's IR version is the one that opset
            needs (at least 4, so that initializers need not be graph inputs).
        BatchSize: [] / None (default) | positive integer.  None leaves the batch size
            of the input and output symbolic ("B"); a number fixes it.

    Output arguments:
        none; the file holds one graph, one input per input layer and one output
        per network output (OutputNames' order).  Each input, named after its sequenceInputLayer, is ``[T, B, C]`` (sequence length "T", batch,
        InputSize channels) of the network's type (float32 for single, float64 for
        double): dlarr's C x B x T data transposed, ``np.transpose(X, (2, 1, 0))``.  Each
        output, named after the layer that computes it, is ``[T, B, K]``, or ``[B, K]``
        after a recurrent layer with OutputMode 'last' or a global pooling layer.  The recurrent layers start
        from their HiddenState/CellState properties (zeros when empty), as
        :func:`predict` does for each mini-batch; a network's ``State`` after
        ``forward`` or ``predictAndUpdateState`` is not exported.

    Differences from MATLAB: opset 6, which ONNX Runtime cannot run, is not supported;
    opsets 7 to 20 are.  The input layout is ONNX's sequence layout ``[T, B, C]``.  Every
    layer is exported as ONNX's own operators: what ONNX cannot express is an error,
    never a placeholder node.  A double network is
    exported as double, which the ONNX checker accepts but ONNX Runtime's CPU LSTM and
    GRU kernels do not run (they are float32 only): export a single network to run it
    there.

    Example::

        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(8, OutputMode="last"),
                            dl.fullyConnectedLayer(2), dl.softmaxLayer()])
        dl.exportONNXNetwork(net, "net.onnx", OpsetVersion=13)
        import onnxruntime
        session = onnxruntime.InferenceSession("net.onnx")
        x = np.random.rand(3, 10).astype("single")              # one C x T sequence
        scores = session.run(None, {"sequenceinput": x.T[:, None, :]})[0]   # 1 x 2
        dl.predict(net, [x])                                    # the same scores
    """
    onnx = _import_onnx()
    opset, batch = _check_arguments(net, filename, NetworkName, OpsetVersion, BatchSize)
    model = _build(onnx, net, NetworkName, opset, batch)
    onnx.checker.check_model(model, full_check=True)
    data = model.SerializeToString()
    _write_atomic(filename, data)
