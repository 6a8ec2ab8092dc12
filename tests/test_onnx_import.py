"""ONNX import (dl.importNetworkFromONNX, dl.importONNXNetwork), checked against ONNX Runtime.

Graphs are built by hand with onnx.helper in the layouts PyTorch's and Keras' (tf2onnx)
exporters write (initial states from Shape/Gather/Unsqueeze/Concat/ConstantOfShape, two
biases, Transpose/Squeeze/Reshape around the recurrent nodes, the last step taken by
Gather or Slice), plus a real torch.onnx.export where torch is installed.  For each, the
file passes onnx.checker and the imported network's dl.predict, on the ONNX input
transposed to C x B x T, equals ONNX Runtime's output (float32, max|a-b|/max|b| < 1e-5)
on several sequence lengths and batch sizes.  The error tests check that what cannot
be imported says so, naming the node.
"""
import numpy as np
import pytest

import dlarr as dl

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper as oh, numpy_helper as nh  # noqa: E402

try:                       # the comparisons with torch skip without it; the rest runs
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="could not import 'torch'")

C, H, O = 3, 5, 4                    # input channels, hidden units, outputs
INT64_MAX = np.iinfo(np.int64).max
CASES = ((6, 3), (1, 1), (11, 2))    # (sequence length, batch size)


# --------------------------------------------------------------------------
# Building, running and comparing models
# --------------------------------------------------------------------------

def _rand(rng, *shape, scale=0.5):
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def _const(name, value):
    return oh.make_node("Constant", [], [name], value=nh.from_array(np.asarray(value), name))


def _save(path, nodes, inits, in_shape, out_shape, opset=17, inputs=None, outputs=None,
          dtype=TensorProto.FLOAT):
    inputs = inputs or [oh.make_tensor_value_info("x", dtype, in_shape)]
    outputs = outputs or [oh.make_tensor_value_info("y", dtype, out_shape)]
    graph = oh.make_graph(nodes, "g", inputs, outputs,
                          [nh.from_array(np.asarray(v), k) for k, v in inits.items()])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", opset)], ir_version=9)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _run_ort(path, x):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def _run_reference(path, x):
    """ONNX's reference evaluator, for what ONNX Runtime does not run (LSTM layout 1)."""
    from onnx.reference import ReferenceEvaluator
    model = onnx.load(str(path))
    return ReferenceEvaluator(model).run(None, {model.graph.input[0].name: x})[0]


def _input(rng, layout, T, B, dtype=np.float32):
    sizes = {"T": T, "B": B, "C": C}
    return rng.standard_normal([sizes[a] for a in layout]).astype(dtype)


def _compare(path, net, layout, out_layout, cases=CASES, dtype=np.float32, tol=1e-5,
             run=_run_ort):
    """dl.predict equals ONNX Runtime: the input in ONNX's ``layout`` (e.g. "BTC"),
    transposed to CBT for dlarr; the output in ONNX's ``out_layout`` ("BC", "TBC", ...,
    "U" for unit axes)."""
    rng = np.random.default_rng(7)
    for T, B in cases:
        x = _input(rng, layout, T, B, dtype)
        ref = run(path, x)
        X = dl.dlarray(np.transpose(x, [layout.index(a) for a in "CBT"]), "CBT")
        Y = dl.predict(net, X)
        y = dl.extractdata(Y)
        assert y.dtype == dtype
        fmt = Y.dims
        kept = out_layout.replace("U", "")
        assert sorted(fmt) == sorted(kept), (fmt, out_layout)
        y = np.transpose(y, [fmt.index(a) for a in kept]).reshape(ref.shape)
        rel = np.abs(y - ref).max() / np.abs(ref).max()
        assert rel < tol, (T, B, rel)


def _kinds(net):
    return [type(l).__name__ for l in net.Layers]


def _torch_state(name, batch_axis, ndir=1, value=0.0):
    """PyTorch's initial state for a batch of any size: Shape, Gather the batch,
    Unsqueeze, Concat [ndir, B, H], ConstantOfShape."""
    p = name
    nodes = [oh.make_node("Shape", ["x"], [f"{p}_shape"]),
             _const(f"{p}_idx", np.array(batch_axis, np.int64)),
             oh.make_node("Gather", [f"{p}_shape", f"{p}_idx"], [f"{p}_b"], axis=0),
             _const(f"{p}_ax", np.array([0], np.int64)),
             oh.make_node("Unsqueeze", [f"{p}_b", f"{p}_ax"], [f"{p}_b1"]),
             _const(f"{p}_nd", np.array([ndir], np.int64)),
             _const(f"{p}_h", np.array([H], np.int64)),
             oh.make_node("Concat", [f"{p}_nd", f"{p}_b1", f"{p}_h"], [f"{p}_sh"], axis=0),
             oh.make_node("ConstantOfShape", [f"{p}_sh"], [p],
                          value=nh.from_array(np.array([value], np.float32)))]
    return nodes


def _lstm_weights(rng, ndir=1, ngates=4, prefix=""):
    return {f"{prefix}W": _rand(rng, ndir, ngates * H, C),
            f"{prefix}R": _rand(rng, ndir, ngates * H, H),
            f"{prefix}B": _rand(rng, ndir, 2 * ngates * H)}


def _fc_head(head, src, t_axis, K, rng, inits):
    """The layers PyTorch writes for a Linear on the last step (Gather + Gemm, Slice +
    Squeeze + Gemm) or on every step (MatMul + Add)."""
    if head == "gather":
        inits.update(fcW=_rand(rng, O, K), fcb=_rand(rng, O))
        return [_const("last", np.array(-1, np.int64)),
                oh.make_node("Gather", [src, "last"], ["hT"], axis=t_axis),
                oh.make_node("Gemm", ["hT", "fcW", "fcb"], ["y"], transB=1, name="fc")]
    if head == "slice":
        inits.update(fcW=_rand(rng, O, K), fcb=_rand(rng, O), s0=np.array([-1], np.int64),
                     s1=np.array([INT64_MAX], np.int64), sax=np.array([t_axis], np.int64))
        return [oh.make_node("Slice", [src, "s0", "s1", "sax"], ["h1"]),
                oh.make_node("Squeeze", ["h1", "sax"], ["hT"]),
                oh.make_node("Gemm", ["hT", "fcW", "fcb"], ["y"], alpha=0.7, beta=1.3,
                             transB=1, name="fc")]
    inits.update(mmW=_rand(rng, K, O), mmb=_rand(rng, O))
    return [oh.make_node("MatMul", [src, "mmW"], ["mm"], name="fc"),
            oh.make_node("Add", ["mm", "mmb"], ["y"])]


def _pytorch_lstm(path, batch_first, head, bidirectional=False, seed=0):
    """nn.LSTM (+ nn.Linear) as torch.onnx.export writes it."""
    rng = np.random.default_rng(seed)
    ndir = 2 if bidirectional else 1
    inits = _lstm_weights(rng, ndir)
    nodes = _torch_state("h0", 0 if batch_first else 1, ndir)
    xin = "x"
    if batch_first:
        nodes.append(oh.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]))
        xin = "xt"
    nodes.append(oh.make_node("LSTM", [xin, "W", "R", "B", "", "h0", "h0"], ["Y", "Yh", "Yc"],
                              hidden_size=H, name="lstm",
                              **({"direction": "bidirectional"} if bidirectional else {})))
    if bidirectional:
        inits["rs"] = np.array([0, 0, -1], np.int64)
        nodes += [oh.make_node("Transpose", ["Y"], ["Yt"], perm=[0, 2, 1, 3]),
                  oh.make_node("Reshape", ["Yt", "rs"], ["y3"])]
    else:
        inits["sq"] = np.array([1], np.int64)
        nodes.append(oh.make_node("Squeeze", ["Y", "sq"], ["y3"]))
    src, t_axis = "y3", 0
    if batch_first:
        nodes.append(oh.make_node("Transpose", ["y3"], ["y3b"], perm=[1, 0, 2]))
        src, t_axis = "y3b", 1
    nodes += _fc_head(head, src, t_axis, ndir * H, rng, inits)
    layout = "BTC" if batch_first else "TBC"
    out = ["B", O] if head != "every" else (["B", "T", O] if batch_first else ["T", "B", O])
    _save(path, nodes, inits, [{"T": "T", "B": "B", "C": C}[a] for a in layout], out)
    return layout, ("BC" if head != "every" else layout)


# --------------------------------------------------------------------------
# PyTorch-style graphs
# --------------------------------------------------------------------------

@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("head", ["gather", "slice", "every"])
def test_pytorch_lstm_and_linear(tmp_path, batch_first, head):
    path = tmp_path / "lstm.onnx"
    layout, out_layout = _pytorch_lstm(path, batch_first, head)
    net = dl.importNetworkFromONNX(path)
    assert isinstance(net, dl.dlnetwork) and net.Initialized
    assert _kinds(net) == ["SequenceInputLayer", "LSTMLayer", "FullyConnectedLayer"]
    lstm, fc = net.Layers[1], net.Layers[2]
    assert lstm.OutputMode == ("sequence" if head == "every" else "last")
    assert lstm.HiddenState is None and lstm.CellState is None        # zeros: the default
    assert lstm.InputWeights.shape == (4 * H, C) and lstm.Bias.shape == (4 * H, 1)
    assert fc.Weights.shape == (O, H) and fc.Bias.shape == (O, 1)
    assert net.Layers[0].Name == "x" and lstm.Name == "lstm" and fc.Name == "fc"
    _compare(path, net, layout, out_layout)


def test_lstm_gates_are_permuted_and_biases_summed(tmp_path):
    """The weights in MATLAB's order i, f, g, o from ONNX's i, o, f, c; one Bias."""
    path = tmp_path / "lstm.onnx"
    _pytorch_lstm(path, False, "gather", seed=3)
    model = onnx.load(str(path))
    init = {t.name: nh.to_array(t) for t in model.graph.initializer}
    lstm = dl.importNetworkFromONNX(path).Layers[1]
    W, R, B = init["W"][0], init["R"][0], init["B"][0]
    blocks = lambda a, k: a[k * H:(k + 1) * H]                          # noqa: E731
    got = dl.extractdata(lstm.InputWeights)
    for matlab, onnx_block in zip(range(4), (0, 2, 3, 1)):
        np.testing.assert_array_equal(blocks(got, matlab), blocks(W, onnx_block))
        np.testing.assert_array_equal(blocks(dl.extractdata(lstm.RecurrentWeights), matlab),
                                      blocks(R, onnx_block))
        np.testing.assert_allclose(blocks(dl.extractdata(lstm.Bias)[:, 0], matlab),
                                   blocks(B[:4 * H], onnx_block) + blocks(B[4 * H:], onnx_block),
                                   rtol=0, atol=0)


@pytest.mark.parametrize("batch_first", [False, True])
def test_pytorch_bidirectional_lstm(tmp_path, batch_first):
    path = tmp_path / "bilstm.onnx"
    layout, out_layout = _pytorch_lstm(path, batch_first, "gather", bidirectional=True)
    net = dl.importNetworkFromONNX(path)
    assert _kinds(net) == ["SequenceInputLayer", "BiLSTMLayer", "FullyConnectedLayer"]
    assert net.Layers[1].OutputMode == "last"
    assert net.Layers[1].InputWeights.shape == (8 * H, C)
    _compare(path, net, layout, out_layout)


def test_bidirectional_lstm_every_step(tmp_path):
    path = tmp_path / "bilstm.onnx"
    layout, out_layout = _pytorch_lstm(path, False, "every", bidirectional=True)
    net = dl.importNetworkFromONNX(path)
    assert net.Layers[1].OutputMode == "sequence"
    _compare(path, net, layout, out_layout)


def _gru_model(path, lbr, candidate_rb=True, seed=1, gates=None):
    rng = np.random.default_rng(seed)
    inits = _lstm_weights(rng, 1, ngates=3)
    if not candidate_rb:
        inits["B"][0, 5 * H:] = 0                   # the candidate's recurrent bias
    attrs = dict(hidden_size=H, linear_before_reset=lbr, name="gru")
    if gates:
        attrs["activations"] = gates
    nodes = _torch_state("h0", 1) + [
        oh.make_node("GRU", ["x", "W", "R", "B", "", "h0"], ["Y", "Yh"], **attrs),
        oh.make_node("Squeeze", ["Y", "sq"], ["y3"])]
    inits["sq"] = np.array([1], np.int64)
    nodes += _fc_head("gather", "y3", 0, H, rng, inits)
    _save(path, nodes, inits, ["T", "B", C], ["B", O])


@pytest.mark.parametrize("lbr, candidate_rb, mode", [
    (1, True, "recurrent-bias-after-multiplication"),       # PyTorch's nn.GRU
    (1, False, "after-multiplication"),
    (0, True, "before-multiplication")])
def test_gru_reset_gate_modes(tmp_path, lbr, candidate_rb, mode):
    path = tmp_path / "gru.onnx"
    _gru_model(path, lbr, candidate_rb)
    net = dl.importNetworkFromONNX(path)
    assert _kinds(net) == ["SequenceInputLayer", "GRULayer", "FullyConnectedLayer"]
    gru = net.Layers[1]
    assert gru.ResetGateMode == mode and gru.OutputMode == "last"
    assert gru.Bias.shape == ((6 if mode.startswith("recurrent") else 3) * H, 1)
    _compare(path, net, "TBC", "BC")


def test_gru_activations(tmp_path):
    path = tmp_path / "gru.onnx"
    _gru_model(path, 1, gates=["HardSigmoid", "Softsign"])
    gru = (net := dl.importNetworkFromONNX(path)).Layers[1]
    assert gru.GateActivationFunction == "hard-sigmoid"
    assert gru.StateActivationFunction == "softsign"
    _compare(path, net, "TBC", "BC")


# --------------------------------------------------------------------------
# Keras-style (tf2onnx) graphs
# --------------------------------------------------------------------------

def _keras_lstm(path, state="constant-of-shape", last="slice"):
    """Keras' LSTM(return_sequences=False) + Dense(softmax) through tf2onnx: [B, T, C] in,
    Transpose to time major, zero initial states from the batch size, Squeeze, back to
    batch major, the last step sliced, MatMul + Add, Softmax."""
    rng = np.random.default_rng(5)
    inits = _lstm_weights(rng)
    inits["B"][:, 4 * H:] = 0                        # Keras has one bias
    inits.update(k0=np.array([0], np.int64), k1=np.array([1], np.int64),
                 units=np.array([H], np.int64), kW=_rand(rng, H, O), kb=_rand(rng, O),
                 s0=np.array([-1], np.int64), s1=np.array([INT64_MAX], np.int64))
    nodes = [oh.make_node("Shape", ["x"], ["shp"]),
             oh.make_node("Slice", ["shp", "k0", "k1"], ["batch"]),
             oh.make_node("Concat", ["batch", "units"], ["zshape"], axis=0)]
    if state == "constant-of-shape":
        nodes += [oh.make_node("ConstantOfShape", ["zshape"], ["z2"],
                               value=nh.from_array(np.zeros(1, np.float32))),
                  oh.make_node("Unsqueeze", ["z2", "k0"], ["z"])]
    else:                                           # Expand of zeros
        inits["zeros"] = np.zeros((1, 1, 1), np.float32)
        nodes += [oh.make_node("Concat", ["k1", "zshape"], ["z3"], axis=0),
                  oh.make_node("Expand", ["zeros", "z3"], ["z"])]
    nodes += [oh.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
              oh.make_node("LSTM", ["xt", "W", "R", "B", "", "z", "z"], ["Y", "", ""],
                           hidden_size=H, name="lstm"),
              oh.make_node("Squeeze", ["Y", "k1"], ["y3"]),
              oh.make_node("Transpose", ["y3"], ["y3b"], perm=[1, 0, 2])]
    if last == "slice":
        nodes += [oh.make_node("Slice", ["y3b", "s0", "s1", "k1"], ["l1"]),
                  oh.make_node("Squeeze", ["l1", "k1"], ["hT"])]
    else:                                           # Gather of T - 1, computed
        nodes += [oh.make_node("Shape", ["y3b"], ["s3"]),
                  _const("one", np.array(1, np.int64)),
                  oh.make_node("Gather", ["s3", "one"], ["T"], axis=0),
                  oh.make_node("Sub", ["T", "one"], ["Tm1"]),
                  oh.make_node("Gather", ["y3b", "Tm1"], ["hT"], axis=1)]
    nodes += [oh.make_node("MatMul", ["hT", "kW"], ["d"], name="dense"),
              oh.make_node("Add", ["d", "kb"], ["logits"]),
              oh.make_node("Softmax", ["logits"], ["y"], axis=-1)]
    _save(path, nodes, inits, ["B", "T", C], ["B", O], opset=13)


@pytest.mark.parametrize("state, last", [("constant-of-shape", "slice"), ("expand", "slice"),
                                         ("constant-of-shape", "gather-T-1")])
def test_keras_lstm_dense_softmax(tmp_path, state, last):
    path = tmp_path / "keras.onnx"
    _keras_lstm(path, state, last)
    net = dl.importNetworkFromONNX(path)
    assert _kinds(net) == ["SequenceInputLayer", "LSTMLayer", "FullyConnectedLayer",
                           "SoftmaxLayer"]
    assert net.Layers[1].OutputMode == "last" and net.Layers[1].HiddenState is None
    _compare(path, net, "BTC", "BC")


def test_import_onnx_network_classification_and_regression(tmp_path):
    path = tmp_path / "keras.onnx"
    _keras_lstm(path)
    rng = np.random.default_rng(2)
    seqs = [rng.standard_normal((C, n)).astype(np.float32) for n in (4, 4, 4)]
    ref = _run_ort(path, np.stack([s.T for s in seqs]))              # B x T x C
    net = dl.importONNXNetwork(path, OutputLayerType="classification")
    assert isinstance(net, dl.SeriesNetwork)
    assert isinstance(net.Layers[-1], dl.ClassificationOutputLayer)
    assert net.Layers[-1].Classes == tuple(str(k) for k in range(1, O + 1))
    np.testing.assert_allclose(dl.predict(net, seqs), ref, rtol=1e-5, atol=1e-6)
    named = dl.importONNXNetwork(path, "OutputLayerType", "classification",
                                 "Classes", ["a", "b", "c", "d"])
    assert named.Layers[-1].Classes == ("a", "b", "c", "d")
    cats = dl.importONNXNetwork(path, OutputLayerType="class",
                                Classes=dl.categorical(["w", "x", "y", "z"]))
    assert cats.Layers[-1].Classes == ("w", "x", "y", "z")
    reg = dl.importONNXNetwork(path, OutputLayerType="regression")
    assert isinstance(reg.Layers[-1], dl.RegressionOutputLayer)
    np.testing.assert_allclose(dl.predict(reg, seqs), ref, rtol=1e-5, atol=1e-6)
    dln = dl.importONNXNetwork(path, TargetNetwork="dlnetwork")
    assert isinstance(dln, dl.dlnetwork) and _kinds(dln)[-1] == "SoftmaxLayer"


# --------------------------------------------------------------------------
# Other operators and options
# --------------------------------------------------------------------------

def test_layout_1_lstm_and_its_last_hidden_state(tmp_path):
    """layout 1 (batch first) LSTM fed directly: [B, T, C]; its Y_h is the last step.
    (ONNX Runtime does not run layout 1: checked with ONNX's reference evaluator.)"""
    rng = np.random.default_rng(4)
    inits = _lstm_weights(rng)
    inits.update(fcW=_rand(rng, O, H), fcb=_rand(rng, O), one=np.array([1], np.int64),
                 b_idx=np.array([0], np.int64), hh=np.array([H], np.int64))
    nodes = [oh.make_node("Shape", ["x"], ["shp"]),
             oh.make_node("Gather", ["shp", "b_idx"], ["bb"], axis=0),
             oh.make_node("Concat", ["bb", "one", "hh"], ["zs"], axis=0),
             oh.make_node("ConstantOfShape", ["zs"], ["z"]),
             oh.make_node("LSTM", ["x", "W", "R", "B", "", "z", "z"], ["", "Yh", ""],
                          hidden_size=H, layout=1),
             oh.make_node("Squeeze", ["Yh", "one"], ["h"]),
             oh.make_node("Gemm", ["h", "fcW", "fcb"], ["y"], transB=1)]
    path = _save(tmp_path / "l1.onnx", nodes, inits, ["B", "T", C], ["B", O])
    net = dl.importNetworkFromONNX(path)
    assert net.Layers[1].OutputMode == "last"
    assert net.Layers[1].Name == "lstm"                  # named by the network: no node name
    _compare(path, net, "BTC", "BC", run=_run_reference)


def test_constant_initial_states_become_the_layers_states(tmp_path):
    """A nonzero initial state, the same for every observation (Expand of a constant, a
    ConstantOfShape of 0.3) is the layer's HiddenState / CellState."""
    rng = np.random.default_rng(6)
    inits = _lstm_weights(rng)
    h0 = _rand(rng, 1, 1, H)
    inits.update(h0c=h0, sq=np.array([1], np.int64))
    nodes = _torch_state("c0", 1, value=0.3) + [
        oh.make_node("Expand", ["h0c", "c0_sh"], ["h0"]),
        oh.make_node("LSTM", ["x", "W", "R", "B", "", "h0", "c0"], ["Y", "", ""], hidden_size=H),
        oh.make_node("Squeeze", ["Y", "sq"], ["y"])]
    path = _save(tmp_path / "h0.onnx", nodes, inits, ["T", "B", C], ["T", "B", H])
    lstm = dl.importNetworkFromONNX(path).Layers[1]
    np.testing.assert_array_equal(dl.extractdata(lstm.HiddenState), h0.reshape(H, 1))
    np.testing.assert_allclose(dl.extractdata(lstm.CellState), np.full((H, 1), 0.3, np.float32))
    _compare(path, dl.importNetworkFromONNX(path), "TBC", "TBC")


def test_activations_dropout_and_lstm_activations(tmp_path):
    """LSTM with HardSigmoid/Softsign; then MatMul+Add, Relu, Dropout, MatMul, Tanh,
    Sigmoid, Identity, Cast on every step."""
    rng = np.random.default_rng(8)
    inits = _lstm_weights(rng)
    inits.update(sq=np.array([1], np.int64), W1=_rand(rng, H, 6), b1=_rand(rng, 6),
                 W2=_rand(rng, 6, O), ratio=np.array(0.25, np.float32))
    nodes = [oh.make_node("LSTM", ["x", "W", "R", "B"], ["Y"], hidden_size=H,
                          activations=["HardSigmoid", "Softsign", "Softsign"],
                          activation_alpha=[0.2], activation_beta=[0.5]),
             oh.make_node("Squeeze", ["Y", "sq"], ["y3"]),
             oh.make_node("MatMul", ["y3", "W1"], ["m1"]),
             oh.make_node("Add", ["b1", "m1"], ["a1"]),
             oh.make_node("Relu", ["a1"], ["r1"]),
             oh.make_node("Dropout", ["r1", "ratio"], ["d1"]),
             oh.make_node("MatMul", ["d1", "W2"], ["m2"]),
             oh.make_node("Tanh", ["m2"], ["t2"]),
             oh.make_node("Sigmoid", ["t2"], ["s2"]),
             oh.make_node("Identity", ["s2"], ["i2"]),
             oh.make_node("Cast", ["i2"], ["y"], to=TensorProto.FLOAT)]
    path = _save(tmp_path / "act.onnx", nodes, inits, ["T", "B", C], ["T", "B", O])
    net = dl.importNetworkFromONNX(path)
    assert _kinds(net) == ["SequenceInputLayer", "LSTMLayer", "FullyConnectedLayer",
                           "ReLULayer", "DropoutLayer", "FullyConnectedLayer", "TanhLayer",
                           "SigmoidLayer"]
    assert net.Layers[1].GateActivationFunction == "hard-sigmoid"
    assert net.Layers[1].StateActivationFunction == "softsign"
    assert net.Layers[4].Probability == 0.25
    assert not np.any(dl.extractdata(net.Layers[5].Bias))             # MatMul without Add
    _compare(path, net, "TBC", "TBC")


def test_opset_11_softmax_and_squeeze_attributes(tmp_path):
    """Opset 11: Squeeze's axes as an attribute, Gemm with transA, Softmax over the axes
    from 1 on."""
    rng = np.random.default_rng(9)
    inits = _lstm_weights(rng)
    inits.update(fcW=_rand(rng, H, O), fcb=_rand(rng, 1, O))
    nodes = [oh.make_node("LSTM", ["x", "W", "R", "B"], ["", "Yh"], hidden_size=H),
             oh.make_node("Squeeze", ["Yh"], ["h"], axes=[0]),
             oh.make_node("Transpose", ["h"], ["hc"], perm=[1, 0]),          # C x B
             oh.make_node("Gemm", ["hc", "fcW", "fcb"], ["g"], transA=1, alpha=1.5, beta=0.5),
             oh.make_node("Flatten", ["g"], ["f"], axis=1),
             oh.make_node("Softmax", ["f"], ["y"], axis=1)]
    path = _save(tmp_path / "o11.onnx", nodes, inits, ["T", "B", C], ["B", O], opset=11)
    net = dl.importNetworkFromONNX(path)
    assert _kinds(net)[-1] == "SoftmaxLayer" and net.Layers[1].OutputMode == "last"
    _compare(path, net, "TBC", "BC")


def test_double_model_gives_a_double_network(tmp_path):
    rng = np.random.default_rng(10)
    inits = {k: v.astype(np.float64) for k, v in _lstm_weights(rng).items()}
    nodes = [oh.make_node("LSTM", ["x", "W", "R", "B"], ["", "Yh"], hidden_size=H),
             oh.make_node("Squeeze", ["Yh", "z"], ["y"])]
    inits["z"] = np.array([0], np.int64)
    path = _save(tmp_path / "d.onnx", nodes, inits, ["T", "B", C], ["B", H],
                 dtype=TensorProto.DOUBLE)
    net = dl.importNetworkFromONNX(path)
    assert net.Layers[1].InputWeights.dtype == np.float64
    # ONNX Runtime's LSTM is float only: ONNX's reference evaluator checks the double model
    _compare(path, net, "TBC", "BC", dtype=np.float64, tol=1e-12, run=_run_reference)


def _mlp_only(path):
    """No recurrent layer: which input axis is time cannot be told from the graph."""
    rng = np.random.default_rng(11)
    nodes = [oh.make_node("MatMul", ["x", "W"], ["m"]), oh.make_node("Relu", ["m"], ["y"])]
    return _save(path, nodes, {"W": _rand(rng, C, O)}, ["N", "M", C], ["N", "M", O])


def test_input_data_formats_when_the_graph_does_not_tell(tmp_path):
    path = _mlp_only(tmp_path / "mlp.onnx")
    with pytest.raises(ValueError, match="InputDataFormats"):
        dl.importNetworkFromONNX(path)
    for fmt in ("TBC", "BTC"):
        net = dl.importNetworkFromONNX(path, InputDataFormats=fmt)
        _compare(path, net, fmt, fmt)
    net = dl.importNetworkFromONNX(path, "InputDataFormats", ["btc"])   # pairs, a list, any case
    _compare(path, net, "BTC", "BTC")


def test_input_and_output_data_formats_are_checked(tmp_path):
    path = tmp_path / "lstm.onnx"
    _pytorch_lstm(path, False, "gather")
    dl.importNetworkFromONNX(path, InputDataFormats="TBC", OutputDataFormats="BC")
    with pytest.raises(ValueError, match="LSTM"):
        dl.importNetworkFromONNX(path, InputDataFormats="BTC")     # the LSTM takes [T, B, C]
    with pytest.raises(ValueError, match="OutputDataFormats 'TBC'"):
        dl.importNetworkFromONNX(path, OutputDataFormats="TBC")
    with pytest.raises(ValueError, match="channels"):
        dl.importNetworkFromONNX(path, InputDataFormats="CBT")     # axis 0 has no fixed size


# --------------------------------------------------------------------------
# A real PyTorch export
# --------------------------------------------------------------------------

@needs_torch
def test_torch_export_imports(tmp_path):
    import warnings

    class Model(torch.nn.Module):
        def __init__(self, rnn, batch_first):
            super().__init__()
            self.batch_first = batch_first
            self.rnn = rnn
            self.fc = torch.nn.Linear(rnn.hidden_size * (2 if rnn.bidirectional else 1), O)

        def forward(self, x):
            y, _ = self.rnn(x)
            return self.fc(y[:, -1] if self.batch_first else y[-1])

    torch.manual_seed(0)
    models = [(torch.nn.LSTM(C, H, batch_first=True), True, "LSTMLayer"),
              (torch.nn.LSTM(C, H, bidirectional=True), False, "BiLSTMLayer"),
              (torch.nn.GRU(C, H, batch_first=True), True, "GRULayer")]
    for k, (rnn, bf, kind) in enumerate(models):
        path = tmp_path / f"torch{k}.onnx"
        x = torch.randn(2, 4, C)
        axes = {0: "batch", 1: "time"} if bf else {0: "time", 1: "batch"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                torch.onnx.export(Model(rnn, bf).eval(), (x,), str(path), dynamo=False,
                                  input_names=["x"], output_names=["y"],
                                  dynamic_axes={"x": axes, "y": {0: "batch"}})
            except TypeError:                                   # torch without dynamo=
                torch.onnx.export(Model(rnn, bf).eval(), (x,), str(path), input_names=["x"],
                                  output_names=["y"], dynamic_axes={"x": axes, "y": {0: "batch"}})
        onnx.checker.check_model(onnx.load(str(path)))
        net = dl.importNetworkFromONNX(path)
        assert _kinds(net) == ["SequenceInputLayer", kind, "FullyConnectedLayer"]
        _compare(path, net, "BTC" if bf else "TBC", "BC")


# --------------------------------------------------------------------------
# Round trip with dl.exportONNXNetwork
# --------------------------------------------------------------------------

def _round_trip_layers(name):
    col = lambda *v: np.array(v, np.float32).reshape(-1, 1)          # noqa: E731
    if name == "recurrent":
        return [dl.sequenceInputLayer(C, Normalization="zscore", Mean=col(0.1, -0.2, 0.3),
                                      StandardDeviation=col(1.0, 2.0, 0.5)),
                dl.lstmLayer(H, HiddenState=np.full((H, 1), 0.2), CellState=np.full((H, 1), -0.1)),
                dl.reluLayer(),
                dl.bilstmLayer(4, GateActivationFunction="hard-sigmoid",
                               StateActivationFunction="softsign"),
                dl.dropoutLayer(0.3),
                dl.gruLayer(6, ResetGateMode="recurrent-bias-after-multiplication"),
                dl.tanhLayer(),
                dl.gruLayer(5, ResetGateMode="before-multiplication"),
                dl.sigmoidLayer(),
                dl.gruLayer(5, OutputMode="last", HiddenState=np.full((5, 1), 0.3)),
                dl.fullyConnectedLayer(O), dl.softmaxLayer()]
    if name == "bilstm-last":
        return [dl.sequenceInputLayer(C, Normalization="rescale-symmetric", Min=col(-1, 0, 1),
                                      Max=col(2, 3, 5)),
                dl.bilstmLayer(4, OutputMode="last", HiddenState=np.full((8, 1), 0.1)),
                dl.fullyConnectedLayer(O)]
    return [dl.sequenceInputLayer(C, Normalization="zerocenter", Mean=col(1, 2, 3)),
            dl.fullyConnectedLayer(O), dl.reluLayer()]          # no recurrent layer


@pytest.mark.parametrize("name", ["recurrent", "bilstm-last", "no-recurrent"])
@pytest.mark.parametrize("opset, batch", [(7, None), (8, None), (13, 3), (20, None)])
def test_export_then_import_round_trip(tmp_path, name, opset, batch):
    """dl.exportONNXNetwork, then import: the same layers, learnables bit for bit, the same
    predictions (opset 7 builds the initial states with Tile, later ones with Expand; a
    network without recurrent layers reads as [T, B, C] because dlarr wrote it)."""
    dl.rng(0)
    net = dl.dlnetwork(_round_trip_layers(name))
    rng = np.random.default_rng(0)                    # nonzero biases, so that a lost one shows
    net.Learnables = [dl.dlarray((0.5 * rng.standard_normal(v.shape)).astype(np.float32))
                      for v in net.Learnables.Value]
    path = tmp_path / "exported.onnx"
    try:
        dl.exportONNXNetwork(net, str(path), OpsetVersion=opset, BatchSize=batch)
    except NotImplementedError:
        pytest.skip("dl.exportONNXNetwork is not written yet (it raises NotImplementedError)")
    back = dl.importNetworkFromONNX(path)
    assert _kinds(back) == _kinds(net)
    assert back.Learnables.Parameter == net.Learnables.Parameter
    for a, b in zip(net.Learnables.Value, back.Learnables.Value):
        np.testing.assert_array_equal(dl.extractdata(a), dl.extractdata(b))
    X = dl.dlarray(np.random.default_rng(1).standard_normal((C, 3, 7)).astype(np.float32), "CBT")
    y0, y1 = dl.extractdata(dl.predict(net, X)), dl.extractdata(dl.predict(back, X))
    assert np.abs(y1 - y0).max() / np.abs(y0).max() < 1e-5


def test_input_normalization_from_sub_div_mul_add(tmp_path):
    """Per-channel Sub/Div right after the input: 'zscore' with the very constants; another
    affine map (Mul, then Sub from a constant) as 'zscore' of the same map."""
    rng = np.random.default_rng(15)
    inits = _lstm_weights(rng)
    m, sd = _rand(rng, C), np.abs(_rand(rng, 1, 1, C)) + 0.5
    inits.update(m=m, sd=sd, sc=np.array([2.0, -0.5, 3.0], np.float32),
                 off=np.array(0.25, np.float32), z=np.array([0], np.int64))
    for k, ops in enumerate([[("Sub", "x", "m"), ("Div", "n0", "sd")],
                             [("Mul", "sc", "x"), ("Sub", "off", "n0")]]):
        nodes = [oh.make_node(op, [a, b], [f"n{i}"]) for i, (op, a, b) in enumerate(ops)]
        nodes += [oh.make_node("LSTM", [f"n{len(ops) - 1}", "W", "R", "B"], ["", "Yh"],
                               hidden_size=H),
                  oh.make_node("Squeeze", ["Yh", "z"], ["y"])]
        path = _save(tmp_path / f"norm{k}.onnx", nodes, inits, ["T", "B", C], ["B", H])
        net = dl.importNetworkFromONNX(path)
        first = net.Layers[0]
        assert _kinds(net) == ["SequenceInputLayer", "LSTMLayer"]
        assert first.Normalization == "zscore"
        if k == 0:
            np.testing.assert_array_equal(dl.extractdata(first.Mean).ravel(), m)
            np.testing.assert_array_equal(dl.extractdata(first.StandardDeviation).ravel(),
                                          sd.ravel())
        else:                                     # y = 0.25 - sc * x = (x - 0.25/sc) / (-1/sc)
            np.testing.assert_allclose(dl.extractdata(first.StandardDeviation).ravel(),
                                       -1 / inits["sc"], rtol=1e-6)
        _compare(path, net, "TBC", "BC")


def test_time_distributed_dense_through_reshapes(tmp_path):
    """Keras' TimeDistributed(Dense): [B, T, H] reshaped to [B*T, H], MatMul, Add, and back
    to [B, T, O] with the sizes taken from Shape; an Unsqueeze/Squeeze pair on the way."""
    rng = np.random.default_rng(16)
    inits = _lstm_weights(rng)
    inits.update(sq=np.array([1], np.int64), flat=np.array([-1, H], np.int64),
                 k0=np.array([0], np.int64), k2=np.array([2], np.int64),
                 units=np.array([O], np.int64), dW=_rand(rng, H, O), db=_rand(rng, O))
    nodes = [oh.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
             oh.make_node("LSTM", ["xt", "W", "R", "B"], ["Y"], hidden_size=H),
             oh.make_node("Squeeze", ["Y", "sq"], ["y3"]),
             oh.make_node("Transpose", ["y3"], ["y3b"], perm=[1, 0, 2]),
             oh.make_node("Reshape", ["y3b", "flat"], ["f"]),
             oh.make_node("MatMul", ["f", "dW"], ["m"]),
             oh.make_node("Add", ["m", "db"], ["a"]),
             oh.make_node("Unsqueeze", ["a", "k0"], ["u"]),
             oh.make_node("Squeeze", ["u", "k0"], ["a2"]),
             oh.make_node("Shape", ["x"], ["shp"]),
             oh.make_node("Slice", ["shp", "k0", "k2"], ["bt"]),
             oh.make_node("Concat", ["bt", "units"], ["back"], axis=0),
             oh.make_node("Reshape", ["a2", "back"], ["y"])]
    path = _save(tmp_path / "td.onnx", nodes, inits, ["B", "T", C], ["B", "T", O])
    net = dl.importNetworkFromONNX(path)
    assert _kinds(net) == ["SequenceInputLayer", "LSTMLayer", "FullyConnectedLayer"]
    assert net.Layers[1].OutputMode == "sequence"
    _compare(path, net, "BTC", "BTC")


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

def _lstm_graph(path, lstm_attrs=None, lstm_inputs=None, after=None, outputs=("Y", "Yh", "Yc"),
                use="Y", extra_inits=None):
    """x -> LSTM -> (``after`` nodes from ``use``, else Squeeze) -> y."""
    rng = np.random.default_rng(12)
    inits = _lstm_weights(rng)
    inits.update(sq=np.array([1], np.int64), z=np.array([0], np.int64), **(extra_inits or {}))
    attrs = dict(dict(hidden_size=H, name="rnn"), **(lstm_attrs or {}))
    nodes = [oh.make_node("LSTM", lstm_inputs or ["x", "W", "R", "B"], list(outputs), **attrs)]
    nodes += after or [oh.make_node("Squeeze", [use, "sq" if use == "Y" else "z"], ["y"])]
    return _save(path, nodes, inits, ["T", "B", C], ["T", "B", H] if use == "Y" else ["B", H])


def test_unsupported_operator_is_named(tmp_path):
    w = np.ones((2, C, 1), np.float32)
    nodes = [oh.make_node("Transpose", ["x"], ["xt"], perm=[1, 2, 0]),
             oh.make_node("Conv", ["xt", "w"], ["y"], name="conv1")]
    path = _save(tmp_path / "conv.onnx", nodes, {"w": w}, ["T", "B", C], ["B", 2, "T"])
    with pytest.raises(ValueError, match=r"node 'conv1' \(Conv\): operator Conv is not supported"):
        dl.importNetworkFromONNX(path)


def test_without_onnx_the_error_names_the_extra(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "onnx", None)             # import onnx fails
    with pytest.raises(ImportError, match=r"dlarr\[onnx\]"):
        dl.importNetworkFromONNX(tmp_path / "any.onnx")


def test_truncated_and_non_onnx_files(tmp_path):
    good = tmp_path / "lstm.onnx"
    _pytorch_lstm(good, False, "gather")
    data = good.read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated"):
        dl.importNetworkFromONNX(cut)
    text = tmp_path / "text.onnx"
    text.write_text("this is not an ONNX model, only some text\n")
    with pytest.raises(ValueError, match="not (an ONNX model|a valid ONNX model)"):
        dl.importNetworkFromONNX(text)
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="not a valid ONNX model"):
        dl.importONNXNetwork(empty, OutputLayerType="regression")
    with pytest.raises(FileNotFoundError, match="nothere.onnx"):
        dl.importNetworkFromONNX(tmp_path / "nothere.onnx")


def test_import_onnx_network_needs_output_layer_type(tmp_path):
    path = tmp_path / "lstm.onnx"
    _pytorch_lstm(path, False, "gather")
    with pytest.raises(ValueError, match="OutputLayerType.*importNetworkFromONNX"):
        dl.importONNXNetwork(path)
    with pytest.raises(ValueError, match="Softmax"):                 # Gemm last, no softmax
        dl.importONNXNetwork(path, OutputLayerType="classification")


def test_bad_arguments(tmp_path):
    path = tmp_path / "keras.onnx"
    _keras_lstm(path)
    with pytest.raises(TypeError, match="modelfile"):
        dl.importNetworkFromONNX(3)
    with pytest.raises(ValueError, match="InputDataFormats 'XYZ'"):
        dl.importNetworkFromONNX(path, InputDataFormats="XYZ")
    with pytest.raises(TypeError, match="InputDataFormats"):
        dl.importNetworkFromONNX(path, InputDataFormats=3)
    with pytest.raises(ValueError, match="InputDataFormats has 2 formats"):
        dl.importNetworkFromONNX(path, InputDataFormats=["BTC", "TBC"])
    with pytest.raises(ValueError, match="OutputDataFormats 'BQ'"):
        dl.importNetworkFromONNX(path, OutputDataFormats="BQ")
    with pytest.raises(TypeError, match="Namespace"):
        dl.importNetworkFromONNX(path, Namespace="custom")
    with pytest.raises(ValueError, match="OutputLayerType 'segment'"):
        dl.importONNXNetwork(path, OutputLayerType="segment")
    with pytest.raises(TypeError, match="Classes"):
        dl.importONNXNetwork(path, OutputLayerType="classification", Classes=[1, 2, 3, 4])
    with pytest.raises(ValueError, match="Classes has 3 names but the network has 4"):
        dl.importONNXNetwork(path, OutputLayerType="classification", Classes=["a", "b", "c"])
    with pytest.raises(ValueError, match="repeated"):
        dl.importONNXNetwork(path, OutputLayerType="classification", Classes=["a", "a", "b", "c"])
    with pytest.raises(ValueError, match="Classes applies"):
        dl.importONNXNetwork(path, OutputLayerType="regression", Classes=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="TargetNetwork"):
        dl.importONNXNetwork(path, TargetNetwork="series")
    with pytest.raises(ValueError, match="no output layer"):
        dl.importONNXNetwork(path, TargetNetwork="dlnetwork", OutputLayerType="regression")


@pytest.mark.parametrize("kwargs, message", [
    (dict(lstm_attrs=dict(clip=3.0)), r"node 'rnn' \(LSTM\): has clip"),
    (dict(lstm_attrs=dict(input_forget=1)), "input_forget"),
    (dict(lstm_attrs=dict(direction="reverse")), "direction 'reverse'"),
    (dict(lstm_attrs=dict(activations=["Sigmoid", "Elu", "Elu"])), "Elu"),
    (dict(lstm_attrs=dict(activations=["HardSigmoid", "Tanh", "Tanh"], activation_alpha=[0.3],
                          activation_beta=[0.5])), "HardSigmoid"),
    (dict(lstm_attrs=dict(activations=["Sigmoid", "Tanh", "Relu"])), "state activations"),
    (dict(lstm_inputs=["x", "W", "R", "B", "lens"],
          extra_inits=dict(lens=np.array([2], np.int32))), "sequence_lens"),
    (dict(use="Yc"), "Y_c"),
    (dict(after=[oh.make_node("Gather", ["Y", "z"], ["g"], axis=0),
                 oh.make_node("Squeeze", ["g", "z"], ["y"])]), "element 0 of the time axis"),
    (dict(after=[oh.make_node("Relu", ["Y"], ["r"]), oh.make_node("Add", ["r", "Y"], ["s"]),
                 oh.make_node("Squeeze", ["s", "sq"], ["y"])]),
     "Add node with output 's': joins two paths.*branch"),
    (dict(after=[oh.make_node("Squeeze", ["Y", "sq"], ["s"]),
                 oh.make_node("Add", ["s", "bias"], ["y"])],
          extra_inits=dict(bias=np.ones(H, np.float32))),
     "to the output of an lstmLayer; dlarr has no layer that adds"),
    (dict(lstm_attrs=dict(hidden_size=H + 1)), "hidden_size 6 does not match"),
])
def test_model_errors_name_the_node(tmp_path, kwargs, message):
    path = _lstm_graph(tmp_path / "bad.onnx", **kwargs)
    with pytest.raises(ValueError, match=message):
        dl.importNetworkFromONNX(path)


def test_bidirectional_final_state_and_gru_errors(tmp_path):
    rng = np.random.default_rng(13)
    inits = _lstm_weights(rng, 2)
    inits["z"] = np.array([0], np.int64)
    nodes = [oh.make_node("LSTM", ["x", "W", "R", "B"], ["", "Yh"], hidden_size=H,
                          direction="bidirectional", name="bi"),
             oh.make_node("Transpose", ["Yh"], ["t"], perm=[1, 0, 2]),
             oh.make_node("Flatten", ["t"], ["y"], axis=1)]
    path = _save(tmp_path / "bi.onnx", nodes, inits, ["T", "B", C], ["B", 2 * H])
    with pytest.raises(ValueError, match="Y_h.*bidirectional"):
        dl.importNetworkFromONNX(path)
    inits = _lstm_weights(rng, 2, ngates=3)
    nodes = [oh.make_node("GRU", ["x", "W", "R", "B"], ["", "Yh"], hidden_size=H,
                          direction="bidirectional", name="bigru"),
             oh.make_node("Transpose", ["Yh"], ["y"], perm=[1, 0, 2])]
    path = _save(tmp_path / "bigru.onnx", nodes, inits, ["T", "B", C], ["B", 2, H])
    with pytest.raises(ValueError, match=r"'bigru' \(GRU\).*bidirectional GRU"):
        dl.importNetworkFromONNX(path)


def test_graphs_that_are_not_one_chain(tmp_path):
    rng = np.random.default_rng(14)
    W = _rand(rng, C, O)
    two_in = [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["T", "B", C]),
              oh.make_tensor_value_info("x2", TensorProto.FLOAT, ["T", "B", C])]
    path = _save(tmp_path / "two.onnx", [oh.make_node("Add", ["x", "x2"], ["s"]),
                                          oh.make_node("MatMul", ["s", "W"], ["y"])],
                 {"W": W}, None, ["T", "B", O], inputs=two_in)
    with pytest.raises(ValueError, match="2 inputs"):
        dl.importNetworkFromONNX(path)
    two_out = [oh.make_tensor_value_info("y", TensorProto.FLOAT, ["T", "B", O]),
               oh.make_tensor_value_info("x", TensorProto.FLOAT, ["T", "B", C])]
    path = _save(tmp_path / "twoout.onnx", [oh.make_node("MatMul", ["x", "W"], ["y"])],
                 {"W": W}, ["T", "B", C], None, outputs=two_out)
    with pytest.raises(ValueError, match="2 outputs"):
        dl.importNetworkFromONNX(path)
    path = _save(tmp_path / "flat.onnx", [oh.make_node("MatMul", ["x", "W"], ["y"])],
                 {"W": _rand(rng, C, O)}, ["B", C], ["B", O], inputs=[
                     oh.make_tensor_value_info("x", TensorProto.FLOAT, ["B", C])])
    with pytest.raises(ValueError, match="3-D"):
        dl.importNetworkFromONNX(path)


def test_classify_works_on_an_imported_classification_network(tmp_path):
    """importONNXNetwork's SeriesNetwork classifies with its Classes (no trainNetwork)."""
    rs = np.random.default_rng(0)
    X = [rs.random((3, int(k))) for k in rs.integers(4, 9, 6)]
    dl.rng(0)
    net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(5, OutputMode="last"),
                        dl.fullyConnectedLayer(3), dl.softmaxLayer()])
    f = str(tmp_path / "n.onnx")
    dl.exportONNXNetwork(net, f)
    imp = dl.importONNXNetwork(f, OutputLayerType="classification", Classes=["x", "y", "z"])
    labels = dl.classify(imp, X)
    scores = dl.predict(imp, X)
    assert list(labels) == [["x", "y", "z"][k] for k in np.asarray(scores).argmax(axis=1)]
