"""ONNX's LSTM and GRU operators as dlarr's lstmLayer, bilstmLayer and gruLayer.

* Gate blocks: ONNX stacks an LSTM's as i, o, f, c and a GRU's as z, r, h; dlarr (and
  MATLAB) as i, f, g, o and r, z, h (reset, update, candidate).
* Biases: ONNX's two, Wb and Rb, are summed into MATLAB's one Bias, except a GRU's
  candidate Rb with ``linear_before_reset`` 1, which sits inside the reset gate:
  zero, it is dropped ('after-multiplication'); nonzero, it becomes the recurrent half
  of a 6H Bias ('recurrent-bias-after-multiplication').  ``linear_before_reset`` 0 is
  'before-multiplication'.
* Activations: Sigmoid or HardSigmoid(alpha 0.2, beta 0.5) for the gates, Tanh,
  Softsign or Relu for the states (the same for the cell input and the output, and for
  both directions); anything else is an error.
* Initial states: zeros (absent, or ConstantOfShape/Expand of zeros) are dlarr's
  default; a constant nonzero state, the same for every observation, becomes the
  layer's HiddenState/CellState.
* ``layout`` 1 (batch first) is read as such; ``clip``, ``input_forget`` 1, peepholes,
  ``sequence_lens`` and the reverse direction have no dlarr equivalent: errors.
* Outputs: Y (every step; ``[T, D, B, H]``, or ``[B, T, D, H]`` with layout 1); Y_h of a
  forward LSTM/GRU is the last step (the layer's OutputMode 'last'); Y_h of a
  bidirectional LSTM and Y_c are no output of a dlarr layer: using them is an error.
"""
from __future__ import annotations

import numpy as np

from .onnx_layout import LEGEND, Bad, Data, channel_axis, layout_text, weight
from .onnx_values import Fill, LayoutError, OnnxImportError, Poly, describe

# ONNX's gate block of each of MATLAB's, in MATLAB's order.
LSTM_BLOCKS = (0, 2, 3, 1)          # i, f, g(c), o  from  i, o, f, c
GRU_BLOCKS = (1, 0, 2)              # r, z, h  from  z, r, h
_GATES = {"sigmoid": "sigmoid", "hardsigmoid": "hard-sigmoid"}
_STATES = {"tanh": "tanh", "softsign": "softsign", "relu": "relu"}
# ONNX's activations that take an alpha / a beta (consumed in order, as ONNX Runtime does)
_WITH_ALPHA = {"hardsigmoid", "leakyrelu", "thresholdedrelu", "scaledtanh", "affine", "elu"}
_WITH_BETA = {"hardsigmoid", "scaledtanh", "affine"}


def _blocks(a, order, H):
    """Rows of ``a`` (blocks of H) in MATLAB's gate order."""
    return np.concatenate([a[k * H:(k + 1) * H] for k in order], axis=0)


def _activations(attrs, per_dir, ndir, default):
    """(gate, state) activation names in dlarr's vocabulary, checked."""
    names = attrs.get("activations") or default * ndir
    if len(names) != per_dir * ndir:
        raise OnnxImportError(f"activations {names} must name {per_dir * ndir} functions "
                              f"({per_dir} per direction)")
    alphas = list(attrs.get("activation_alpha", ()))
    betas = list(attrs.get("activation_beta", ()))
    parsed = []
    for name in names:
        low = name.lower()
        a = alphas.pop(0) if low in _WITH_ALPHA and alphas else None
        b = betas.pop(0) if low in _WITH_BETA and betas else None
        parsed.append((name, low, a, b))
    if alphas or betas:
        raise OnnxImportError(f"activation_alpha/activation_beta have more values than the "
                              f"activations {names} take")
    out = set()
    for d in range(ndir):
        f, *g = parsed[d * per_dir:(d + 1) * per_dir]
        out.add((_gate(f), _state(g, names)))
    if len(out) != 1:
        raise OnnxImportError(f"activations {names} differ between the directions; dlarr's "
                              "bilstmLayer has one set for both")
    return out.pop()


def _gate(act):
    name, low, a, b = act
    if low == "hardsigmoid" and (a is None or abs(a - 0.2) < 1e-6) and \
            (b is None or abs(b - 0.5) < 1e-6):
        return "hard-sigmoid"
    if low == "sigmoid":
        return "sigmoid"
    detail = f" (alpha {a:g}, beta {b:g})" if low == "hardsigmoid" else ""
    raise OnnxImportError(f"gate activation {name}{detail} has no dlarr equivalent; dlarr's "
                          "are Sigmoid and HardSigmoid with alpha 0.2, beta 0.5")


def _state(acts, names):
    lows = {low for _, low, _, _ in acts}
    if len(lows) != 1 or next(iter(lows)) not in _STATES:
        raise OnnxImportError(f"state activations {[n for n, *_ in acts]} (of {names}) have "
                              "no dlarr equivalent; dlarr's are Tanh, Softsign or Relu, the "
                              "same for the cell input and the output")
    return _STATES[next(iter(lows))]


def _initial_state(v, ctx, ndir, H, layout, what):
    """An initial state as a layer property: None for zeros, else an ndir*H x 1 vector
    (the forward direction's, then the backward's)."""
    if v is None:
        return None
    if isinstance(v, Fill):
        shape, base = list(v.shape), v.base
        base = np.broadcast_to(base, [1 if isinstance(s, Poly) else s for s in shape])
    elif isinstance(v, np.ndarray):
        shape, base = list(v.shape), v
    else:
        raise OnnxImportError(f"{what} must be a constant (or built from the batch size), "
                              f"not {describe(v)}")
    if v.dtype != ctx.dtype:
        raise OnnxImportError(f"{what} is {v.dtype} but the model's data is {ctx.dtype}")
    want = "[num_directions, batch, hidden]" if layout == 0 else "[batch, num_directions, hidden]"
    bi = 1 if layout == 0 else 0
    dims = [shape[1 - bi], shape[2]] if len(shape) == 3 else None
    if dims != [ndir, H] or not (isinstance(shape[bi], int) or shape[bi] == Poly.sym("B")):
        raise LayoutError(f"{what} has shape {shape}; it must be {want} = [{ndir}, B, {H}] "
                              "for this layout, B the input's batch size")
    base = np.moveaxis(np.asarray(base), bi, 0)                # batch, directions, hidden
    if not np.any(base):
        return None
    if not np.all(base == base[:1]):
        raise OnnxImportError(f"{what} differs between observations; a dlarr layer's initial "
                              "state is one vector for every observation")
    return np.ascontiguousarray(base[0].reshape(ndir * H, 1), dtype=ctx.dtype)


def _check_common(node, inputs, attrs, x, n_inputs):
    """The checks an LSTM and a GRU share; returns (ndir, layout)."""
    if not isinstance(x, Data):
        raise OnnxImportError("takes the network's data as its first input (X)")
    if len(inputs) > 4 and inputs[4] is not None:
        raise OnnxImportError("has a sequence_lens input; dlarr's recurrent layers take "
                              "padded sequences without lengths (give no sequence_lens)")
    peep = inputs[n_inputs] if len(inputs) > n_inputs else None
    if peep is not None and not (isinstance(peep, np.ndarray) and not np.any(peep)):
        raise OnnxImportError("has peephole weights (P), which dlarr's lstmLayer does not have")
    if "clip" in attrs:
        raise OnnxImportError(f"has clip {attrs['clip']}: dlarr's recurrent layers do not clip")
    direction = attrs.get("direction", "forward")
    if direction not in ("forward", "bidirectional"):
        raise OnnxImportError(f"direction {direction!r}: dlarr's recurrent layers run forward "
                              "(or both ways, bilstmLayer)")
    layout = int(attrs.get("layout", 0))
    if layout not in (0, 1):
        raise OnnxImportError(f"layout {layout} is not 0 or 1")
    want = (("T",), ("B",)) if layout == 0 else (("B",), ("T",))
    if x.ndim != 3 or x.axes[:2] != want:
        raise LayoutError(
            f"its input X must be laid out {'[T, B, C]' if layout == 0 else '[B, T, C]'} "
            f"(layout {layout}); the data is laid out {layout_text(x.axes)} {LEGEND}")
    channel_axis(x, node.op_type)
    return (2 if direction == "bidirectional" else 1), layout


def _weights(ctx, inputs, ngates, ndir, x, attrs):
    """W, R, B (B zeros when absent) checked against each other and the data: (W, R, B, H)."""
    W = weight(inputs[1], ctx, "W (input weights)", 3)
    R = weight(inputs[2], ctx, "R (recurrent weights)", 3)
    H = R.shape[2]
    I = x.axis_size(x.axes[2])
    if W.shape != (ndir, ngates * H, I) or R.shape != (ndir, ngates * H, H):
        raise LayoutError(f"W {list(W.shape)} and R {list(R.shape)} must be [{ndir}, "
                              f"{ngates}*H, {I}] and [{ndir}, {ngates}*H, H] (the data has "
                              f"{I} channels)")
    if "hidden_size" in attrs and int(attrs["hidden_size"]) != H:
        raise OnnxImportError(f"hidden_size {attrs['hidden_size']} does not match R's {H}")
    B = inputs[3] if len(inputs) > 3 else None
    B = np.zeros((ndir, 2 * ngates * H), ctx.dtype) if B is None else weight(B, ctx, "B", 2)
    if B.shape != (ndir, 2 * ngates * H):
        raise OnnxImportError(f"B has shape {list(B.shape)}; it must be [{ndir}, {2 * ngates * H}]")
    return W, R, B, H


def _outputs(x, node, spec, layout, ndir, H, ctx, cell):
    """Y, Y_h (and Y_c) of a recurrent node as data."""
    d = ("D",) if ndir == 2 else ()
    if layout == 0:
        y_axes, h_axes = [("T",), d, ("B",), ("C",)], [d, ("B",), ("C",)]
    else:
        y_axes, h_axes = [("B",), ("T",), d, ("C",)], [("B",), d, ("C",)]
    Y = Data(y_axes, H, x.chain + (spec,), ndir, ctx.dtype)
    if ndir == 1:
        Yh = Data(h_axes, H, x.chain + (dict(spec, OutputMode="last"),), 1, ctx.dtype)
    else:
        Yh = Bad(f"{_named(node)}: its Y_h output (the final states) is used; "
                 "for a bidirectional LSTM that is the forward direction's last step and the "
                 "backward direction's first, which no dlarr layer outputs (bilstmLayer's "
                 "OutputMode 'last' is the last step of Y: Gather or Slice it)")
    outs = [Y, Yh]
    if cell:
        outs.append(Bad(f"{_named(node)}: its Y_c output (the cell state) is "
                        "used; dlarr's lstmLayer outputs the hidden state only"))
    return outs


def _named(node):
    return f"{node.op_type} node {node.name!r}" if node.name else f"the {node.op_type} node"


def op_lstm(ctx, node, inputs, attrs):
    x = inputs[0]
    ndir, layout = _check_common(node, inputs, attrs, x, 7)
    if int(attrs.get("input_forget", 0)):
        raise OnnxImportError("has input_forget 1 (coupled input and forget gates), which "
                              "dlarr's lstmLayer does not have")
    gate, state = _activations(attrs, 3, ndir, ["Sigmoid", "Tanh", "Tanh"])
    W, R, B, H = _weights(ctx, inputs, 4, ndir, x, attrs)
    perm = lambda a: _blocks(a, LSTM_BLOCKS, H)                     # noqa: E731
    spec = dict(
        kind="bilstm" if ndir == 2 else "lstm", name=node.name, NumHiddenUnits=H,
        OutputMode="sequence", StateActivationFunction=state, GateActivationFunction=gate,
        InputWeights=np.concatenate([perm(W[d]) for d in range(ndir)]),
        RecurrentWeights=np.concatenate([perm(R[d]) for d in range(ndir)]),
        Bias=np.concatenate([perm(B[d, :4 * H] + B[d, 4 * H:]) for d in range(ndir)])[:, None],
        HiddenState=_initial_state(inputs[5] if len(inputs) > 5 else None, ctx, ndir, H,
                                   layout, "initial_h"),
        CellState=_initial_state(inputs[6] if len(inputs) > 6 else None, ctx, ndir, H,
                                 layout, "initial_c"))
    return _outputs(x, node, spec, layout, ndir, H, ctx, cell=True)


def _gru_bias(B, H, lbr):
    """(ResetGateMode, Bias) of a GRU from ONNX's [Wb, Rb] (in ONNX's z, r, h order)."""
    wb, rb = B[:3 * H], B[3 * H:]
    perm = lambda a: _blocks(a, GRU_BLOCKS, H)                      # noqa: E731
    if not lbr:
        return "before-multiplication", perm(wb + rb)[:, None]
    if not np.any(rb[2 * H:]):
        gates = np.concatenate([rb[:2 * H], np.zeros(H, B.dtype)])
        return "after-multiplication", perm(wb + gates)[:, None]
    return "recurrent-bias-after-multiplication", np.concatenate([perm(wb), perm(rb)])[:, None]


def op_gru(ctx, node, inputs, attrs):
    x = inputs[0]
    ndir, layout = _check_common(node, inputs, attrs, x, 6)
    if ndir == 2:
        raise OnnxImportError("is a bidirectional GRU; dlarr (like MATLAB) has no "
                              "bidirectional GRU layer")
    gate, state = _activations(attrs, 2, ndir, ["Sigmoid", "Tanh"])
    W, R, B, H = _weights(ctx, inputs, 3, ndir, x, attrs)
    mode, bias = _gru_bias(B[0], H, int(attrs.get("linear_before_reset", 0)))
    spec = dict(
        kind="gru", name=node.name, NumHiddenUnits=H, OutputMode="sequence",
        ResetGateMode=mode, StateActivationFunction=state, GateActivationFunction=gate,
        InputWeights=_blocks(W[0], GRU_BLOCKS, H), RecurrentWeights=_blocks(R[0], GRU_BLOCKS, H),
        Bias=bias.astype(ctx.dtype),
        HiddenState=_initial_state(inputs[5] if len(inputs) > 5 else None, ctx, ndir, H,
                                   layout, "initial_h"))
    return _outputs(x, node, spec, layout, ndir, H, ctx, cell=False)


_RNN_ATTRS = ("activation_alpha", "activation_beta", "activations", "clip", "direction",
              "hidden_size", "layout")
RECURRENT_OPS = {
    "LSTM": (op_lstm, _RNN_ATTRS + ("input_forget",)),
    "GRU": (op_gru, _RNN_ATTRS + ("linear_before_reset",)),
}
