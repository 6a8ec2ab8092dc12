"""The network's data in an ONNX graph, tracked symbolically: which axis is time, batch,
channels, with the dlarr layers that computed it; and the layout operations on it.

A :class:`Data` value is what the graph computes from its input, described by

* ``axes``: one tuple of *atoms* per axis, in ONNX's order: ``"T"`` (time), ``"B"``
  (batch), ``"C"`` (channels), ``"D"`` (the two directions of a bidirectional LSTM's raw
  output); a unit axis is ``()``; axes merged by a Reshape hold several atoms in
  row-major order (``("D", "C")`` is a bidirectional LSTM's output with its directions
  stacked into the channels, as dlarr's bilstmLayer has them);
* ``chain``: the layers (specs, plain dicts that ``onnx_import`` turns into dlarr
  layers) that map the network's input to it.  A chain is never changed in place: a
  layer op makes a new chain, so a node's output cannot alter what another node sees.

The layout ops (Transpose, Squeeze, Unsqueeze, Reshape, Flatten, Gather, Slice, Shape,
Cast, Identity) move atoms between axes; they add no layer, except that selecting the
last time step turns the last recurrent layer's OutputMode to 'last'.
"""
from __future__ import annotations

import numpy as np

from .onnx_values import (END_OF_AXIS, LayoutError, OnnxImportError, Poly, Sym, as_objects,
                          axes_input, axis_index, describe, plain, shape_entries, size_product,
                          slice_params, sym_or_const, unsqueeze_axes)

RECURRENT_KINDS = ("lstm", "bilstm", "gru")
# The layer of each kind of spec, for messages.
KIND_NAMES = {"input": "the input layer", "lstm": "an lstmLayer", "bilstm": "a bilstmLayer",
              "gru": "a gruLayer", "fc": "a fullyConnectedLayer", "relu": "a reluLayer",
              "tanh": "a tanhLayer", "sigmoid": "a sigmoidLayer", "softmax": "a softmaxLayer",
              "dropout": "a dropoutLayer"}
_ATOM_NAMES = {"T": "time", "B": "batch", "C": "channel", "D": "direction"}
LEGEND = "(T time, B batch, C channels, D the directions of a bidirectional LSTM, 1 a unit axis)"


class Context:
    """What an op handler needs to know of the model: its opset version and the type of
    its data (float32 or float64)."""

    def __init__(self, opset, dtype):
        self.opset = opset
        self.dtype = np.dtype(dtype)


class Data:
    """The network's data at some point of the graph (see the module's help)."""

    __slots__ = ("axes", "csize", "dsize", "chain", "dtype")

    def __init__(self, axes, csize, chain, dsize=1, dtype=np.float32):
        self.axes = tuple(tuple(a) for a in axes)
        self.csize = int(csize)
        self.dsize = int(dsize)
        self.chain = tuple(chain)
        self.dtype = np.dtype(dtype)

    @property
    def ndim(self):
        return len(self.axes)

    def atom_size(self, atom):
        return {"T": Poly.sym("T"), "B": Poly.sym("B"), "C": self.csize, "D": self.dsize}[atom]

    def axis_size(self, axis):
        return size_product([self.atom_size(a) for a in axis])

    def sizes(self):
        return [self.axis_size(a) for a in self.axes]

    def with_axes(self, axes, chain=None):
        return Data(axes, self.csize, self.chain if chain is None else chain, self.dsize,
                    self.dtype)

    def then(self, spec):
        """The same data after one more layer (``spec``) in its chain."""
        return self.with_axes(self.axes, self.chain + (spec,))

    def description(self):
        return f"the network's data, laid out {layout_text(self.axes)}"


class Bad:
    """An output the network's data path must not use (an LSTM's cell state, a dropout
    mask, ...): any node that reads it is an error with ``message``."""

    def __init__(self, message):
        self.message = message

    def description(self):
        return "an output dlarr's layers do not have"


def layout_text(axes):
    """``[T, B, D*C]``: the atoms of each axis, ``1`` for a unit axis."""
    return "[" + ", ".join("*".join(a) if a else "1" for a in axes) + "]"


def data_format(axes):
    """The axes as a data format in ONNX's order ("TBC", "BC"; "U" for a unit axis)."""
    out = []
    for a in axes:
        if a in (("T",), ("B",)):
            out.append(a[0])
        elif a in (("C",), ("D", "C")):
            out.append("C")
        elif not a:
            out.append("U")
        else:
            raise LayoutError(f"its axes are merged as {layout_text(axes)} {LEGEND}; "
                                  "dlarr's output keeps time, batch and channels apart")
    return "".join(out)


def channel_axis(x, what):
    """The position of the channel axis of ``x``, checked: the channels alone on their
    axis (a bidirectional LSTM's directions stacked into them), nothing else merged."""
    i = next(k for k, a in enumerate(x.axes) if "C" in a)
    if x.axes[i] not in (("C",), ("D", "C")):
        raise LayoutError(
            f"{what} needs the channels on an axis of their own; the data is laid out "
            f"{layout_text(x.axes)} {LEGEND}")
    if any("D" in a for k, a in enumerate(x.axes) if k != i):
        raise LayoutError(
            f"{what}: the data {layout_text(x.axes)} {LEGEND} has the bidirectional LSTM's "
            "two directions on an axis of their own; dlarr's bilstmLayer stacks them into "
            "the channels (Transpose the LSTM's output to [T, B, D, C] and Reshape it to "
            "[T, B, D*C] first)")
    return i


def weight(v, ctx, what, ndim=None):
    """A constant weight tensor of the model's float type."""
    if not isinstance(v, np.ndarray):
        raise OnnxImportError(f"{what} must be a constant (an initializer), not {describe(v)}")
    if v.dtype != ctx.dtype:
        raise OnnxImportError(f"{what} is {v.dtype} but the model's input is {ctx.dtype}; "
                              "dlarr does not convert weights silently")
    if ndim is not None and v.ndim != ndim:
        raise OnnxImportError(f"{what} must have {ndim} dimensions; it has shape {list(v.shape)}")
    return np.array(v, dtype=ctx.dtype, copy=True)


def with_last_output(chain, what):
    """The chain with its last recurrent layer's OutputMode 'last': what selecting the last
    time step of its (sequence) output means, the layers after it being time-pointwise."""
    k = max((i for i, s in enumerate(chain) if s["kind"] in RECURRENT_KINDS), default=None)
    if k is None:
        raise LayoutError(
            f"{what} selects the last time step of data that no LSTM or GRU has made; dlarr "
            "networks select the last time step only in a recurrent layer (OutputMode 'last')")
    spec = dict(chain[k], OutputMode="last")
    return chain[:k] + (spec,) + chain[k + 1:]


def _last_step(x, axis, keep, what):
    """``x`` with its time axis ``axis`` reduced to the last step (kept as a unit axis
    when ``keep``)."""
    chain = with_last_output(x.chain, what)
    axes = list(x.axes)
    if keep:
        axes[axis] = ()
    else:
        del axes[axis]
    return x.with_axes(axes, chain)


def _is_last_index(i):
    return i == -1 or i == Poly.sym("T") - 1


def _reaches_end(end, size):
    return (not isinstance(end, Poly) and end >= END_OF_AXIS) or end == size


def _axis_name(axis):
    return "unit" if not axis else "*".join(_ATOM_NAMES[a] for a in axis)


# --------------------------------------------------------------------------
# Layout operations on the data
# --------------------------------------------------------------------------

def op_transpose(ctx, node, inputs, attrs):
    x = inputs[0]
    perm = attrs.get("perm")
    perm = list(range(x.ndim))[::-1] if perm is None else [int(p) for p in perm]
    if sorted(perm) != list(range(x.ndim)):
        raise OnnxImportError(f"perm {perm} is not a permutation of the data's {x.ndim} axes")
    return [x.with_axes([x.axes[p] for p in perm])]


def op_squeeze(ctx, node, inputs, attrs):
    x = inputs[0]
    axes = axes_input(node, inputs, attrs, 1)
    if axes is None:
        axes = [i for i, a in enumerate(x.axes) if not a]
    axes = {axis_index(a, x.ndim) for a in axes}
    for a in sorted(axes):
        if x.axes[a]:
            raise LayoutError(f"squeezes axis {a}, the {_axis_name(x.axes[a])} axis of the "
                                  f"data {layout_text(x.axes)} {LEGEND}, not a unit axis")
    return [x.with_axes([a for i, a in enumerate(x.axes) if i not in axes])]


def op_unsqueeze(ctx, node, inputs, attrs):
    x = inputs[0]
    axes = axes_input(node, inputs, attrs, 1)
    if axes is None:
        raise OnnxImportError("Unsqueeze needs axes")
    out = list(x.axes)
    for a in unsqueeze_axes(axes, x.ndim):
        out.insert(a, ())
    return [x.with_axes(out)]


def op_flatten(ctx, node, inputs, attrs):
    x = inputs[0]
    k = int(attrs.get("axis", 1))
    if not -x.ndim <= k <= x.ndim:
        raise OnnxImportError(f"axis {k} is out of range for data of {x.ndim} dimensions")
    if k < 0:
        k += x.ndim
    head = tuple(a for ax in x.axes[:k] for a in ax)
    tail = tuple(a for ax in x.axes[k:] for a in ax)
    return [x.with_axes([head, tail])]


def _reshape_target(x, target, allowzero):
    """Reshape's target sizes with 0 (copy) and -1 (the rest) resolved."""
    sizes = x.sizes()
    ents = []
    for j, t in enumerate(target):
        if isinstance(t, Poly):
            ents.append(t)
        elif t == 0 and not allowzero:
            if j >= len(sizes):
                raise LayoutError(f"shape {target} copies axis {j}, which the data "
                                      f"{layout_text(x.axes)} does not have")
            ents.append(sizes[j])
        elif t == -1 or t > 0:
            ents.append(t)
        else:
            raise OnnxImportError(f"shape {target} has a size {t} dlarr cannot follow")
    minus = [j for j, t in enumerate(ents) if not isinstance(t, Poly) and t == -1]
    if len(minus) > 1:
        raise OnnxImportError(f"shape {target} has more than one -1")
    if minus:
        known = size_product([t for j, t in enumerate(ents) if j != minus[0]])
        rest = Poly.of(size_product(sizes)).divide(known)
        if rest is None:
            raise OnnxImportError(f"shape {target} does not divide the data's size "
                                  f"{size_product(sizes)}")
        ents[minus[0]] = plain(rest)
    return ents


def _group_atoms(x, ents, target):
    """The output axes of a Reshape to sizes ``ents``: the data's atoms, in order, cut into
    consecutive groups whose sizes are the entries (unit entries: unit axes)."""
    atoms = [a for ax in x.axes for a in ax]
    pos, out = 0, []
    for e in ents:
        k, prod = 0, Poly.of(1)
        if e == 1 and pos < len(atoms) and x.atom_size(atoms[pos]) == 1:
            k, prod = 1, Poly.of(1)
        while prod != e:
            if pos + k >= len(atoms):
                raise LayoutError(
                    f"shape {target} (sizes {ents}) splits or merges the data "
                    f"{layout_text(x.axes)} {LEGEND} across its axes in a way dlarr cannot follow")
            prod = prod * x.atom_size(atoms[pos + k])
            k += 1
        out.append(tuple(atoms[pos:pos + k]))
        pos += k
    rest = atoms[pos:]
    if rest and (not out or any(x.atom_size(a) != 1 for a in rest)):
        raise LayoutError(f"shape {target} does not hold the data {layout_text(x.axes)}")
    if rest:
        out[-1] = out[-1] + tuple(rest)
    return out


def op_reshape(ctx, node, inputs, attrs):
    x, shape = inputs
    target = shape_entries(shape, "Reshape's shape")
    ents = _reshape_target(x, target, attrs.get("allowzero", 0))
    return [x.with_axes(_group_atoms(x, ents, target))]


def _index_value(idx, what):
    """The one index of a Gather (a scalar or a 1-element tensor): (value, is_scalar)."""
    if not isinstance(idx, (np.ndarray, Sym)) or (isinstance(idx, np.ndarray) and
                                                  idx.dtype.kind not in "iu"):
        raise OnnxImportError(f"{what} must be constant integer indices, not {describe(idx)}")
    vals = as_objects(idx).ravel()
    if vals.size != 1:
        raise OnnxImportError(f"{what} selects {vals.size} elements; on the data dlarr follows "
                              "a Gather of one element (the last time step)")
    return plain(vals[0]), len(idx.shape) == 0


def op_gather(ctx, node, inputs, attrs):
    x, idx = inputs
    axis = axis_index(attrs.get("axis", 0), x.ndim)
    i, scalar = _index_value(idx, "Gather's indices")
    ax = x.axes[axis]
    if not ax and i in (0, -1):
        return [x.with_axes([a for k, a in enumerate(x.axes) if k != axis or not scalar])]
    if ax == ("T",) and _is_last_index(i):
        return [_last_step(x, axis, not scalar, "Gather")]
    raise LayoutError(f"selects element {i} of the {_axis_name(ax)} axis (axis {axis}) of the "
                          f"data {layout_text(x.axes)} {LEGEND}; dlarr follows a Gather of the "
                          "last time step only")


def op_slice(ctx, node, inputs, attrs):
    x = inputs[0]
    for axis, start, end, step in slice_params(node, inputs, attrs, x.ndim):
        ax = x.axes[axis]
        size = x.axis_size(ax)
        if step == 1 and start == 0 and _reaches_end(end, size):
            continue                                       # the whole axis
        if step == 1 and not ax and start in (0, -1) and (isinstance(end, Poly) or end >= 1):
            continue                                       # the one element of a unit axis
        if step == 1 and ax == ("T",) and _is_last_index(start) and _reaches_end(end, size):
            x = _last_step(x, axis, True, "Slice")
            continue
        raise LayoutError(
            f"slices [{start}:{end}:{step}] of the {_axis_name(ax)} axis (axis {axis}) of the "
            f"data {layout_text(x.axes)} {LEGEND}; dlarr follows a Slice of the last time step "
            "only (or of a whole axis)")
    return [x]


def op_shape(ctx, node, inputs, attrs):
    x = inputs[0]
    sizes = x.sizes()
    start, end = attrs.get("start", 0), attrs.get("end", len(sizes))
    return [sym_or_const(np.array(sizes[slice(start, end)], dtype=object))]


def op_cast(ctx, node, inputs, attrs):
    from onnx import helper
    x = inputs[0]
    to = np.dtype(helper.tensor_dtype_to_np_dtype(attrs["to"]))
    if to != x.dtype:
        raise OnnxImportError(f"casts the data ({x.dtype}) to {to}; dlarr networks keep one "
                              "float type")
    return [x]


def op_identity(ctx, node, inputs, attrs):
    return [inputs[0]]


# op type -> (handler(ctx, node, inputs, attrs) -> outputs, attributes it takes)
LAYOUT_OPS = {
    "Transpose": (op_transpose, ("perm",)),
    "Squeeze": (op_squeeze, ("axes",)),
    "Unsqueeze": (op_unsqueeze, ("axes",)),
    "Flatten": (op_flatten, ("axis",)),
    "Reshape": (op_reshape, ("allowzero",)),
    "Gather": (op_gather, ("axis",)),
    "Slice": (op_slice, ("starts", "ends", "axes")),
    "Shape": (op_shape, ("start", "end")),
    "Cast": (op_cast, ("to", "saturate")),
    "Identity": (op_identity, ()),
}
