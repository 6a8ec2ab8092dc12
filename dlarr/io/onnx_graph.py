"""Reading an ONNX model for import: the file, its one input and one output, and the walk
over its nodes that turns the graph into a chain of dlarr layer specs.

The walk never runs the model: every tensor is tracked symbolically (``onnx_values``:
constants, shape computations, constants of symbolic shape; ``onnx_layout``: the
network's data and its layers).  Nodes that the output does not depend on are left out.
A node the importer cannot follow is an error naming it (its name and op type) and
saying why; the walker reports how far it got, so that the importer can tell which
reading of the input's axes fits the graph (``onnx_import``).
"""
from __future__ import annotations

import os

import numpy as np

from .onnx_layers import LAYER_OPS
from .onnx_layout import LAYOUT_OPS, Bad, Context, Data, channel_axis, data_format
from .onnx_recurrent import RECURRENT_OPS
from .onnx_values import FOLDERS, LayoutError, OnnxImportError, constant_value

DATA_OPS = {**LAYOUT_OPS, **LAYER_OPS, **RECURRENT_OPS}
_SUPPORTED = ("LSTM, GRU, MatMul, Gemm, Add (a bias), Relu, Tanh, Sigmoid, LeakyRelu, Elu, "
              "Clip (min 0), Gelu, Softmax, Dropout, "
              "Identity, Sub/Div/Mul/Add of the input (a normalization), and the layout and "
              "shape operators Transpose, Squeeze, Unsqueeze, Reshape, Flatten, Gather, Slice, "
              "Cast, Shape, Constant, ConstantOfShape, Concat, Expand, Tile")
_DTYPES = {1: np.float32, 11: np.float64}            # TensorProto.FLOAT, DOUBLE


class TranslationError(OnnxImportError):
    """A node (or the output) the walk cannot follow.  ``progress`` ranks how far the walk
    got: (the nodes it followed, 0 for a LayoutError, 1 for another), so that among the
    readings of the input's axes the one that got past the layout checks wins."""

    def __init__(self, message, nodes, layout=True):
        super().__init__(message)
        self.progress = (nodes, 0 if layout else 1)


def onnx_module(fname):
    """The ``onnx`` package, or an ImportError naming the extra that installs it."""
    try:
        import onnx
    except ImportError:
        raise ImportError(f"{fname} needs the onnx package: install dlarr's onnx extra, "
                          "pip install \"dlarr[onnx]\"") from None
    return onnx


class ModelInfo:
    """What the walk needs from a checked ONNX model: the opset, the initializers, the data
    input (name, dims, type), the output, and the nodes the output depends on."""

    def __init__(self, model, path, fname):
        from onnx import numpy_helper
        graph = model.graph
        where = f"{fname}: {path!r}"
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                          None)
        if self.opset is None:
            raise ValueError(f"{where} does not import the default ONNX opset")
        if graph.sparse_initializer:
            raise ValueError(f"{where} has sparse initializers, which dlarr does not read")
        self.initializers = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        inputs = [i for i in graph.input if i.name not in self.initializers]
        if len(inputs) != 1:
            names = [i.name for i in inputs]
            raise ValueError(f"{where} has {len(inputs)} inputs {names}; dlarr imports networks "
                             "with one sequence input")
        if len(graph.output) != 1:
            raise ValueError(f"{where} has {len(graph.output)} outputs "
                             f"{[o.name for o in graph.output]}; dlarr imports networks with "
                             "one output")
        self.input_name, self.dims, self.dtype = _input_of(inputs[0], where)
        self.output_name = graph.output[0].name
        self.producer = model.producer_name
        self.nodes = _needed(graph.node, self.output_name)
        self.where = where

    def channel_dims(self):
        """The positions of the input's axes with a fixed size (those that can be C)."""
        return [k for k, d in enumerate(self.dims) if d is not None]


def _input_of(value_info, where):
    t = value_info.type
    if not t.HasField("tensor_type"):
        raise ValueError(f"{where}: the input {value_info.name!r} is not a tensor")
    dtype = _DTYPES.get(t.tensor_type.elem_type)
    if dtype is None:
        raise ValueError(f"{where}: the input {value_info.name!r} has element type "
                         f"{t.tensor_type.elem_type}; dlarr imports float (single) or double "
                         "inputs")
    if not t.tensor_type.HasField("shape"):
        raise ValueError(f"{where}: the input {value_info.name!r} has no shape in the file; "
                         "dlarr needs to know its channels")
    dims = [d.dim_value if d.HasField("dim_value") else None for d in t.tensor_type.shape.dim]
    if len(dims) != 3:
        raise ValueError(f"{where}: the input {value_info.name!r} has {len(dims)} dimensions "
                         f"{dims}; dlarr imports sequence networks, whose input is 3-D "
                         "([T, B, C], [B, T, C], ...)")
    return value_info.name, dims, np.dtype(dtype)


def _needed(nodes, output):
    """The nodes ``output`` depends on, in the graph's (topological) order."""
    needed, keep = {output}, []
    for node in reversed(list(nodes)):
        if any(o in needed for o in node.output):
            keep.append(node)
            needed.update(i for i in node.input if i)
    return keep[::-1]


def read_model(modelfile, fname):
    """The ONNX model in ``modelfile``, loaded and checked, as a :class:`ModelInfo`."""
    onnx = onnx_module(fname)
    if not isinstance(modelfile, (str, os.PathLike)):
        raise TypeError(f"{fname}: modelfile must be a file name (str or path), not "
                        f"{type(modelfile).__name__}")
    path = os.fspath(modelfile)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{fname}: no file {path!r}")
    try:
        model = onnx.load(path)
    except Exception as e:            # protobuf's DecodeError and the like: not ONNX
        raise ValueError(f"{fname}: {path!r} is not an ONNX model file, or it is truncated or "
                         f"damaged ({type(e).__name__}: {e})") from None
    try:
        onnx.checker.check_model(model)
    except Exception as e:            # onnx.checker.ValidationError
        raise ValueError(f"{fname}: {path!r} is not a valid ONNX model, or it is truncated or "
                         f"damaged ({type(e).__name__}: {e})") from None
    return ModelInfo(model, path, fname)


def _attributes(node):
    """The node's attributes as Python values (strings decoded, tensors as arrays)."""
    from onnx import AttributeProto, helper, numpy_helper
    out = {}
    for a in node.attribute:
        if a.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS,
                      AttributeProto.SPARSE_TENSOR, AttributeProto.SPARSE_TENSORS):
            out[a.name] = a
            continue
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode("utf-8")
        elif isinstance(v, list) and v and isinstance(v[0], bytes):
            v = [s.decode("utf-8") for s in v]
        elif a.type == AttributeProto.TENSOR:
            v = numpy_helper.to_array(v)
        out[a.name] = v
    return out


def _apply(ctx, node, inputs):
    """The outputs of one node from its inputs' values."""
    op = node.op_type
    if node.domain not in ("", "ai.onnx"):
        raise OnnxImportError(f"operator {node.domain}.{op} is not supported (only the default "
                              "ONNX domain)")
    bad = next((v for v in inputs if isinstance(v, Bad)), None)
    if bad is not None:
        raise OnnxImportError(bad.message)
    attrs = _attributes(node)
    ndata = sum(isinstance(v, Data) for v in inputs)
    if ndata > 1:
        raise OnnxImportError("joins two paths of the network's data (a branch); dlarr "
                              "imports chains of layers, from one input to one output")
    if op == "Constant":
        return [constant_value(node, attrs)]
    table = DATA_OPS if ndata else FOLDERS
    if op not in table:
        if op in DATA_OPS or op in FOLDERS:
            what = "the network's data" if ndata else "constants"
            raise OnnxImportError(f"{op} of {what} is not supported")
        raise OnnxImportError(f"operator {op} is not supported; dlarr imports {_SUPPORTED}")
    if ndata and op not in LAYER_OPS and not isinstance(inputs[0], Data):
        raise OnnxImportError(f"takes the network's data as a parameter (input "
                              f"{next(i for i, v in enumerate(inputs) if isinstance(v, Data))}"
                              f"), not as its first input")
    fn, allowed = table[op]
    extra = sorted(set(attrs) - set(allowed))
    if extra:
        raise OnnxImportError(f"attribute {extra[0]!r} of {op} is not supported")
    return fn(ctx, node, inputs, attrs) if ndata else fn(node, inputs, attrs)


def node_text(node):
    """How errors name a node: ``node 'lstm1' (LSTM)``, or by its output when unnamed."""
    if node.name:
        return f"node {node.name!r} ({node.op_type})"
    out = next((o for o in node.output if o), "")
    return f"the {node.op_type} node with output {out!r}"


def translate(info, fmt):
    """The graph read with its input's axes as ``fmt`` ("TBC", "BTC", ... in ONNX's order):
    (chain of layer specs, output data, output format).  Raises TranslationError."""
    ctx = Context(info.opset, info.dtype)
    env = dict(info.initializers)
    c = info.dims[fmt.index("C")]
    env[info.input_name] = Data([(a,) for a in fmt], c, (), 1, info.dtype)
    for k, node in enumerate(info.nodes):
        try:
            missing = [n for n in node.input if n and n not in env]
            if missing:
                raise OnnxImportError(f"its input {missing[0]!r} is not computed by the graph "
                                      "(an output the importer does not follow)")
            outs = _apply(ctx, node, [env[n] if n else None for n in node.input])
        except OnnxImportError as e:
            raise TranslationError(f"{node_text(node)}: {e}", k,
                                   isinstance(e, LayoutError)) from None
        for name, v in zip(node.output, outs):
            if name:
                env[name] = v
    return _output(info, env.get(info.output_name), len(info.nodes))


def _output(info, out, progress):
    where = f"the output {info.output_name!r}"
    if isinstance(out, Bad):
        raise TranslationError(f"{where}: {out.message}", progress, False)
    if not isinstance(out, Data):
        raise TranslationError(f"{where} does not depend on the input {info.input_name!r}",
                               progress, False)
    try:
        channel_axis(out, "the network's output")
        fmt = data_format(out.axes)
    except OnnxImportError as e:
        raise TranslationError(f"{where}: {e}", progress, isinstance(e, LayoutError)) from None
    return out.chain, out, fmt
