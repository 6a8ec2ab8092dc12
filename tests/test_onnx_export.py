"""dl.exportONNXNetwork: every supported layer and option, checked by ONNX itself
(onnx.checker, full check) and by ONNX Runtime, whose predictions must be dlarr's
(dl.predict) to a relative error under 1e-5 (max |a - b| / max |b|, float32), on ragged
sequences run one at a time (B = 1, different lengths) and on a batch of equal-length
sequences (B > 1); and the errors: unsupported layers and options, bad arguments, an
existing file left intact when an export fails."""
import os
import subprocess
import sys

import numpy as np
import pytest

import dlarr as dl
from dlarr.io import onnx_export

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

C, H, K = 3, 5, 4
RTOL = 1e-5
DEFAULT = onnx_export.DEFAULT_OPSET_VERSION


def _rng(seed=0):
    return np.random.default_rng(seed)


def _recurrent(kind, seed=0, **options):
    """A recurrent layer with random weights and biases of a useful size (so that every
    gate block matters and a wrong permutation shows)."""
    rng = _rng(seed)
    ngates, ndir = {"lstm": (4, 1), "bilstm": (4, 2), "gru": (3, 1)}[kind]
    G = ngates * H * ndir
    nb = 2 * G if options.get("ResetGateMode") == "recurrent-bias-after-multiplication" else G
    make = {"lstm": dl.lstmLayer, "bilstm": dl.bilstmLayer, "gru": dl.gruLayer}[kind]
    n_in = options.get("InputSize", C)
    return make(H, InputWeights=(0.6 * rng.standard_normal((G, n_in))).astype(np.float32),
                RecurrentWeights=(0.6 * rng.standard_normal((G, H))).astype(np.float32),
                Bias=(0.5 * rng.standard_normal((nb, 1))).astype(np.float32), **options)


def _fc(n_in, n_out=K, seed=1):
    rng = _rng(seed)
    W = rng.standard_normal((n_out, n_in)).astype(np.float32)
    return dl.fullyConnectedLayer(n_out, Weights=W,
                                  Bias=rng.standard_normal((n_out, 1)).astype(np.float32))


def _session(net, path, **options):
    dl.exportONNXNetwork(net, path, **options)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]), model


def _onnx_predict(session, seqs):
    """ONNX Runtime on C x T sequences of one length, as one [T, B, C] batch; the
    output as dl.predict gives it (K x T per sequence, or B x K)."""
    x = np.transpose(np.stack(seqs), (2, 0, 1))
    y = session.run(None, {session.get_inputs()[0].name: x})[0]
    return [y[:, b, :].T for b in range(y.shape[1])] if y.ndim == 3 else y


def _rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return np.abs(a - b).max() / np.abs(b).max()


def _data(seed=2, scale=1.0, shift=0.0):
    rng = _rng(seed)
    ragged = [(scale * rng.standard_normal((C, T)) + shift).astype(np.float32)
              for T in (1, 4, 9)]
    batch = [(scale * rng.standard_normal((C, 6)) + shift).astype(np.float32) for _ in range(3)]
    return ragged, batch


def _check_predictions(net, session, data=None):
    ragged, batch = data or _data()
    worst = 0.0
    for x in ragged:                                       # one at a time: B = 1
        ref = dl.predict(net, [x])
        got = _onnx_predict(session, [x])
        ref = ref[0] if isinstance(ref, list) else ref
        got = got[0] if isinstance(got, list) else got
        worst = max(worst, _rel(got, ref))
    ref = dl.predict(net, batch)                           # equal lengths: B = 3, no padding
    got = _onnx_predict(session, batch)
    if isinstance(ref, list):
        worst = max(worst, *(_rel(g, r) for g, r in zip(got, ref)))
    else:
        worst = max(worst, _rel(got, ref))
    assert worst < RTOL, f"ONNX Runtime differs from dl.predict: relative error {worst:.2e}"
    return worst


# --------------------------------------------------------------------------
# Every layer and option against dl.predict
# --------------------------------------------------------------------------

rng0 = _rng(7)
CASES = {
    "lstm-sequence": lambda: [_recurrent("lstm"), _fc(H)],
    "lstm-last": lambda: [_recurrent("lstm", OutputMode="last"), _fc(H)],
    "bilstm-sequence": lambda: [_recurrent("bilstm"), _fc(2 * H)],
    "bilstm-last": lambda: [_recurrent("bilstm", OutputMode="last"), _fc(2 * H)],
    "bilstm-last-direct": lambda: [_recurrent("bilstm", OutputMode="last")],
    "gru-after-multiplication": lambda: [_recurrent("gru"), _fc(H)],
    "gru-before-multiplication": lambda: [
        _recurrent("gru", ResetGateMode="before-multiplication"), _fc(H)],
    "gru-recurrent-bias-after-multiplication": lambda: [
        _recurrent("gru", ResetGateMode="recurrent-bias-after-multiplication"), _fc(H)],
    "gru-last": lambda: [_recurrent("gru", OutputMode="last"), _fc(H)],
    "lstm-hard-sigmoid-tanh": lambda: [_recurrent("lstm", GateActivationFunction="hard-sigmoid")],
    "lstm-sigmoid-softsign": lambda: [_recurrent("lstm", StateActivationFunction="softsign")],
    "lstm-sigmoid-relu": lambda: [_recurrent("lstm", StateActivationFunction="relu")],
    "bilstm-hard-sigmoid-relu": lambda: [_recurrent(
        "bilstm", GateActivationFunction="hard-sigmoid", StateActivationFunction="relu")],
    "gru-hard-sigmoid-softsign": lambda: [_recurrent(
        "gru", GateActivationFunction="hard-sigmoid", StateActivationFunction="softsign")],
    "gru-before-hard-sigmoid-relu": lambda: [_recurrent(
        "gru", ResetGateMode="before-multiplication", GateActivationFunction="hard-sigmoid",
        StateActivationFunction="relu")],
    "lstm-states": lambda: [_recurrent("lstm", HiddenState=rng0.standard_normal((H, 1)),
                                       CellState=rng0.standard_normal((H, 1)))],
    "lstm-hidden-state-only": lambda: [_recurrent("lstm", OutputMode="last",
                                                  HiddenState=rng0.standard_normal(H))],
    "lstm-cell-state-only": lambda: [_recurrent("lstm", CellState=2 * rng0.standard_normal(H))],
    "bilstm-states": lambda: [_recurrent("bilstm", OutputMode="last",
                                         HiddenState=rng0.standard_normal(2 * H),
                                         CellState=rng0.standard_normal(2 * H))],
    "gru-state": lambda: [_recurrent("gru", ResetGateMode="recurrent-bias-after-multiplication",
                                     HiddenState=rng0.standard_normal(H))],
    "stacked": lambda: [_recurrent("lstm", 3), _recurrent("gru", 4, InputSize=H),
                        _recurrent("bilstm", 5, InputSize=H, OutputMode="last"), _fc(2 * H)],
    "dropout": lambda: [_recurrent("lstm"), dl.dropoutLayer(0.4), _fc(H)],
    "fc-sequence-softmax": lambda: [_fc(C, 6), _recurrent("lstm", InputSize=6), _fc(H),
                                    dl.softmaxLayer()],
    "fc-last-softmax": lambda: [_recurrent("lstm", OutputMode="last"), _fc(H), dl.softmaxLayer()],
    "relu": lambda: [_recurrent("lstm"), _fc(H, 6), dl.reluLayer(), _fc(6)],
    "tanh": lambda: [_recurrent("gru", OutputMode="last"), _fc(H, 6), dl.tanhLayer(), _fc(6)],
    "sigmoid": lambda: [_fc(C, 6), dl.sigmoidLayer(), _fc(6)],
    "fc-only": lambda: [_fc(C)],
}


@pytest.mark.parametrize("opset", [DEFAULT, 13])
@pytest.mark.parametrize("case", sorted(CASES))
def test_layers_match_predict(case, opset, tmp_path):
    net = dl.dlnetwork([dl.sequenceInputLayer(C)] + CASES[case]())
    session, model = _session(net, tmp_path / "net.onnx", OpsetVersion=opset)
    assert model.opset_import[0].version == opset
    _check_predictions(net, session)


def _every_layer(**input_options):
    return [dl.sequenceInputLayer(C, **input_options), _recurrent("bilstm", 1),
            dl.dropoutLayer(0.2), _recurrent("gru", 2, InputSize=2 * H,
                                             HiddenState=np.ones(H)),
            _recurrent("lstm", 3, InputSize=H, OutputMode="last", CellState=np.ones(H)),
            _fc(H, 6), dl.reluLayer(), _fc(6), dl.softmaxLayer()]


@pytest.mark.parametrize("opset", onnx_export.OPSET_VERSIONS)
def test_every_opset(opset, tmp_path):
    """Every supported opset, on a network of every kind of layer (the ops whose form
    changed: Squeeze axes at 13, Softmax at 13, Slice at 10, Gather at 11, Dropout's
    ratio at 12, Expand from 8)."""
    net = dl.dlnetwork(_every_layer(Normalization="zscore", Mean=np.full(C, 0.5),
                                    StandardDeviation=np.array([2.0, 0.0, 0.5])))
    session, model = _session(net, tmp_path / "net.onnx", OpsetVersion=opset)
    assert model.opset_import[0].version == opset
    # ONNX Runtime 1.17 loads IR versions up to 9; initializers need IR >= 4
    minimum = onnx.helper.find_min_ir_version_for([onnx.helper.make_opsetid("", opset)])
    assert max(4, minimum) == model.ir_version <= 9
    _check_predictions(net, session)


def test_default_opset_is_matlabs(tmp_path):
    net = dl.dlnetwork([dl.sequenceInputLayer(C), _recurrent("lstm")])
    dl.exportONNXNetwork(net, tmp_path / "net.onnx")
    assert onnx.load(str(tmp_path / "net.onnx")).opset_import[0].version == 8 == DEFAULT


@pytest.mark.parametrize("norm,stats", [
    ("none", {}),
    ("zerocenter", {"Mean": [0.5, -1.0, 2.0]}),
    ("zscore", {"Mean": [0.5, -1.0, 2.0], "StandardDeviation": [2.0, 0.0, 0.25]}),
    ("rescale-zero-one", {"Min": [-1.0, 0.5, -3.0], "Max": [2.0, 0.5, 1.0]}),
    ("rescale-symmetric", {"Min": [-1.0, 0.5, -3.0], "Max": [2.0, 0.5, 1.0]}),
])
@pytest.mark.parametrize("opset", [DEFAULT, 17])
def test_input_normalization(norm, stats, opset, tmp_path):
    """Each Normalization, with a zero standard deviation or range counted as 1 (the
    second channel of zscore and of the rescalings)."""
    stats = {k: np.asarray(v, np.float32).reshape(C, 1) for k, v in stats.items()}
    net = dl.dlnetwork([dl.sequenceInputLayer(C, Normalization=norm, **stats),
                        _recurrent("lstm", OutputMode="last"), _fc(H)])
    session, model = _session(net, tmp_path / "net.onnx", OpsetVersion=opset)
    ops = [n.op_type for n in model.graph.node if n.name.startswith("sequenceinput/")]
    assert ops == {"none": [], "zerocenter": ["Sub"], "zscore": ["Sub", "Div"],
                   "rescale-zero-one": ["Sub", "Div"],
                   "rescale-symmetric": ["Sub", "Div", "Mul", "Add"]}[norm]
    _check_predictions(net, session, _data(scale=2.0, shift=0.5))


def test_normalization_statistics_from_training(tmp_path):
    """The statistics trainNetwork computes, through a SeriesNetwork with a
    classificationLayer: the model's output is the softmax scores."""
    rng = _rng(3)
    X = [(3 * rng.standard_normal((C, int(n))) + 1).astype(np.float32)
         for n in rng.integers(3, 8, 12)]
    Y = dl.categorical(["a" if x[0].mean() > 1 else "b" for x in X])
    layers = [dl.sequenceInputLayer(C, Normalization="zscore"),
              dl.lstmLayer(H, OutputMode="last"), dl.fullyConnectedLayer(2), dl.softmaxLayer(),
              dl.classificationLayer()]
    opts = dl.trainingOptions("adam", MaxEpochs=2, MiniBatchSize=6, Verbose=False)
    net = dl.trainNetwork(X, Y, layers, opts)
    session, model = _session(net, tmp_path / "net.onnx", OpsetVersion=14)
    assert [o.name for o in model.graph.output] == ["softmax"]
    _check_predictions(net, session, _data(scale=3.0, shift=1.0))


@pytest.mark.parametrize("output", ["classification", "regression"])
def test_series_network_output_layer_not_exported(output, tmp_path):
    if output == "classification":
        body = [_recurrent("lstm", OutputMode="last"), _fc(H), dl.softmaxLayer(),
                dl.classificationLayer(Name="labels")]
        last = "softmax"
    else:
        body = [_recurrent("gru"), _fc(H, 2, seed=4), dl.regressionLayer(Name="responses")]
        last = "fc"
    net = dl.SeriesNetwork([dl.sequenceInputLayer(C)] + body)
    session, model = _session(net, tmp_path / "net.onnx")
    assert [o.name for o in model.graph.output] == [last]
    assert not any(n.name.startswith(("labels", "responses")) for n in model.graph.node)
    _check_predictions(net, session)


def test_double_network(tmp_path):
    """A double network exports as double; ONNX Runtime runs its non-recurrent layers
    in double (its CPU LSTM and GRU kernels are float32 only)."""
    layers = [dl.sequenceInputLayer(C), dl.fullyConnectedLayer(6), dl.tanhLayer(),
              dl.fullyConnectedLayer(K), dl.softmaxLayer()]
    net = dl.dlnetwork(layers, Initialize=False).initialize(np.float64)
    session, model = _session(net, tmp_path / "net.onnx", OpsetVersion=13)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    ragged, batch = _data()
    _check_predictions(net, session, ([x.astype(np.float64) for x in ragged],
                                      [x.astype(np.float64) for x in batch]))
    rec = dl.dlnetwork([dl.sequenceInputLayer(C), dl.lstmLayer(H)],
                       Initialize=False).initialize(np.float64)
    dl.exportONNXNetwork(rec, tmp_path / "rec.onnx")
    m = onnx.load(str(tmp_path / "rec.onnx"))
    onnx.checker.check_model(m, full_check=True)
    assert all(t.data_type == onnx.TensorProto.DOUBLE for t in m.graph.initializer
               if t.name in ("lstm/W", "lstm/R", "lstm/B"))


# --------------------------------------------------------------------------
# What the file holds
# --------------------------------------------------------------------------

def test_gate_order_matters(tmp_path):
    """The comparison can fail: the LSTM's W with MATLAB's gate order i, f, g, o left
    as it is (not ONNX's i, o, f, c) gives other predictions."""
    net = dl.dlnetwork([dl.sequenceInputLayer(C), _recurrent("lstm")])
    path = tmp_path / "net.onnx"
    dl.exportONNXNetwork(net, path, OpsetVersion=13)
    model = onnx.load(str(path))
    W = next(t for t in model.graph.initializer if t.name == "lstm/W")
    matlab_order = dl.extractdata(net.Layers[1].InputWeights)[None]
    W.CopyFrom(onnx.numpy_helper.from_array(matlab_order.astype(np.float32), "lstm/W"))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    with pytest.raises(AssertionError, match="differs from dl.predict"):
        _check_predictions(net, session)


def test_hard_sigmoid_is_matlabs():
    """ONNX's HardSigmoid(alpha=0.2, beta=0.5) is MATLAB's hard-sigmoid: 0 below -2.5,
    0.2 x + 0.5 between, 1 above 2.5."""
    x = np.linspace(-4, 4, 161).astype(np.float32)
    node = onnx.helper.make_node("HardSigmoid", ["x"], ["y"], alpha=onnx_export._HARD_SIGMOID_ALPHA,
                                 beta=onnx_export._HARD_SIGMOID_BETA)
    graph = onnx.helper.make_graph(
        [node], "g", [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [161])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [161])])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 13)],
                                   ir_version=7)
    y = ort.InferenceSession(model.SerializeToString(),
                             providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    matlab = np.where(x < -2.5, 0, np.where(x > 2.5, 1, 0.2 * x + 0.5))
    np.testing.assert_allclose(y, matlab, atol=1e-6)


def test_names_shapes_and_doc_strings(tmp_path):
    net = dl.dlnetwork([dl.sequenceInputLayer(C, Name="in"), _recurrent("bilstm", Name="enc"),
                        dl.dropoutLayer(Name="drop"), _recurrent("gru", InputSize=2 * H,
                                                                 OutputMode="last", Name="dec"),
                        _fc(H), dl.softmaxLayer(Name="scores")])
    dl.exportONNXNetwork(net, tmp_path / "net.onnx", NetworkName="classifier", OpsetVersion=13)
    model = onnx.load(str(tmp_path / "net.onnx"))
    g = model.graph
    assert g.name == "classifier" and model.producer_name == "dlarr"
    assert [i.name for i in g.input] == ["in"] and [o.name for o in g.output] == ["scores"]
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa
    assert dims(g.input[0]) == ["T", "B", C] and dims(g.output[0]) == ["B", K]
    assert g.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    by_layer = {n.name.split("/")[0] for n in g.node}
    assert by_layer == {"enc", "drop", "dec", "fc", "scores"}
    for n in g.node:
        layer = n.name.split("/")[0]
        assert f"'{layer}'" in n.doc_string and "Layer" in n.doc_string
    assert {t.name.split("/")[0] for t in g.initializer} <= by_layer
    outputs = {o for n in g.node for o in n.output}
    assert {"enc", "drop", "dec", "fc", "scores"} <= outputs       # each layer's output tensor
    shapes = {t.name: tuple(t.dims) for t in g.initializer}
    assert shapes["enc/W"] == (2, 4 * H, C) and shapes["enc/R"] == (2, 4 * H, H)
    assert shapes["enc/B"] == (2, 8 * H) and shapes["dec/W"] == (1, 3 * H, 2 * H)
    assert shapes["fc/W"] == (H, K) and shapes["fc/B"] == (K,)
    lstm = next(n for n in g.node if n.op_type == "LSTM")
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in lstm.attribute}
    assert attrs["direction"] == b"bidirectional" and attrs["hidden_size"] == H
    assert not any(n.op_type == "Gemm" for n in g.node)


def test_lstm_parameters_in_onnx_order(tmp_path):
    """W, R, B hold MATLAB's blocks (i, f, g, o; forward then backward) as ONNX's
    (i, o, f, c), with zero recurrent biases."""
    layer = _recurrent("bilstm")
    net = dl.dlnetwork([dl.sequenceInputLayer(C), layer])
    dl.exportONNXNetwork(net, tmp_path / "net.onnx")
    model = onnx.load(str(tmp_path / "net.onnx"))
    init = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    Wm = dl.extractdata(net.Layers[1].InputWeights)
    bm = dl.extractdata(net.Layers[1].Bias).ravel()
    block = lambda a, d, k: a[(4 * d + k) * H:(4 * d + k + 1) * H]     # noqa: E731
    for d in range(2):
        for onnx_k, matlab_k in enumerate((0, 3, 1, 2)):
            np.testing.assert_array_equal(init["bilstm/W"][d, onnx_k * H:(onnx_k + 1) * H],
                                          block(Wm, d, matlab_k))
            np.testing.assert_array_equal(init["bilstm/B"][d, onnx_k * H:(onnx_k + 1) * H],
                                          block(bm, d, matlab_k))
        np.testing.assert_array_equal(init["bilstm/B"][d, 4 * H:], 0)


@pytest.mark.parametrize("mode,lbr,rb", [("after-multiplication", 1, False),
                                         ("recurrent-bias-after-multiplication", 1, True),
                                         ("before-multiplication", 0, False)])
def test_gru_reset_gate_modes(mode, lbr, rb, tmp_path):
    net = dl.dlnetwork([dl.sequenceInputLayer(C), _recurrent("gru", ResetGateMode=mode)])
    dl.exportONNXNetwork(net, tmp_path / "net.onnx")
    model = onnx.load(str(tmp_path / "net.onnx"))
    gru = next(n for n in model.graph.node if n.op_type == "GRU")
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in gru.attribute}
    assert attrs["linear_before_reset"] == lbr
    B = next(onnx.numpy_helper.to_array(t) for t in model.graph.initializer if t.name == "gru/B")
    b = dl.extractdata(net.Layers[1].Bias).ravel()
    np.testing.assert_array_equal(B[0, :H], b[H:2 * H])              # z first, then r, h
    np.testing.assert_array_equal(B[0, H:2 * H], b[:H])
    np.testing.assert_array_equal(B[0, 3 * H:4 * H], b[4 * H:5 * H] if rb else 0)


@pytest.mark.parametrize("opset,ops", [
    (8, {"Squeeze": 1, "Softmax": None, "Dropout": 1, "Slice": 1}),
    (10, {"Squeeze": 1, "Dropout": 1, "Slice": 4}),
    (12, {"Squeeze": 1, "Dropout": 2, "Gather": 2}),
    (13, {"Squeeze": 2, "Dropout": 2, "Gather": 2}),
])
def test_operator_forms_per_opset(opset, ops, tmp_path):
    """Squeeze's axes an attribute before 13, an input from 13; Slice's starts an
    attribute before 10; Gather with index -1 from 11; Dropout's ratio an input from 12;
    Softmax on the last axis."""
    net = dl.dlnetwork([dl.sequenceInputLayer(C), _recurrent("lstm"), dl.dropoutLayer(),
                        _recurrent("gru", InputSize=H, OutputMode="last"), _fc(H),
                        dl.softmaxLayer()])
    dl.exportONNXNetwork(net, tmp_path / "net.onnx", OpsetVersion=opset)
    nodes = onnx.load(str(tmp_path / "net.onnx")).graph.node
    for op, n_inputs in ops.items():
        found = [n for n in nodes if n.op_type == op]
        assert found, op
        if n_inputs is not None:
            assert all(len(n.input) == n_inputs for n in found), \
                (op, [list(n.input) for n in found])
    softmax = next(n for n in nodes if n.op_type == "Softmax")
    assert onnx.helper.get_attribute_value(softmax.attribute[0]) == 1     # [B, K]: axis 1
    if opset < 11:
        assert not any(n.op_type == "Gather" and n.name.startswith("gru/last") for n in nodes)


def test_states_expand_to_the_batch(tmp_path):
    """Initial states come from the input's batch size (Shape, Gather, Concat,
    Expand), never a fixed batch; empty states are left out."""
    net = dl.dlnetwork([dl.sequenceInputLayer(C),
                        _recurrent("lstm", HiddenState=np.ones(H), Name="a"),
                        _recurrent("lstm", InputSize=H, Name="b")])
    session, model = _session(net, tmp_path / "net.onnx", OpsetVersion=13)
    ops = [n.op_type for n in model.graph.node if n.name.startswith("a/")]
    assert ops[:4] == ["Shape", "Gather", "Concat", "Expand"] and "LSTM" in ops
    lstm_b = next(n for n in model.graph.node if n.name == "b/LSTM")
    assert len(lstm_b.input) == 4                                  # no initial states
    for B in (1, 2, 5):
        seqs = [x for x in _rng(B).standard_normal((B, C, 4)).astype(np.float32)]
        ref = dl.predict(net, seqs)
        for g, r in zip(_onnx_predict(session, seqs), ref):
            assert _rel(g, r) < RTOL


def test_batch_size_fixes_the_batch(tmp_path):
    net = dl.dlnetwork([dl.sequenceInputLayer(C), _recurrent("lstm", OutputMode="last"),
                        _fc(H)])
    session, model = _session(net, tmp_path / "net.onnx", BatchSize=2)
    dim = model.graph.input[0].type.tensor_type.shape.dim
    assert dim[0].dim_param == "T" and dim[1].dim_value == 2 and dim[2].dim_value == C
    assert model.graph.output[0].type.tensor_type.shape.dim[0].dim_value == 2
    _, batch = _data()
    np.testing.assert_allclose(_onnx_predict(session, batch[:2]), dl.predict(net, batch[:2]),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(Exception, match="(?i)dimension|shape|invalid"):
        _onnx_predict(session, batch)                               # 3 sequences
    dl.exportONNXNetwork(net, tmp_path / "any.onnx", BatchSize=[])  # MATLAB's []: any batch
    dim = onnx.load(str(tmp_path / "any.onnx")).graph.input[0].type.tensor_type.shape.dim
    assert dim[1].dim_param == "B"


def test_name_value_pairs_and_overwrite(tmp_path):
    net = dl.dlnetwork([dl.sequenceInputLayer(C), _recurrent("gru")])
    path = tmp_path / "net.onnx"
    path.write_bytes(b"old contents")
    dl.exportONNXNetwork(net, str(path), "OpsetVersion", 15, "networkname", "pairs")
    model = onnx.load(str(path))
    assert model.opset_import[0].version == 15 and model.graph.name == "pairs"
    assert sorted(os.listdir(tmp_path)) == ["net.onnx"]            # no temporary file left


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

class ScaleLayer(dl.Layer):
    """Y = Scale .* X (docs/extending.md's custom layer)."""
    _learnables = ("Scale",)

    def _setup(self, in_size, has_time, dtype):
        self._init_param("Scale", "ones", (in_size, 1), in_size, in_size, dtype)
        return in_size, has_time

    def _forward(self, X, training, state):
        return X * self.Scale, state


class MyLSTMLayer(dl.LSTMLayer):
    """A subclass may compute something else: not exported as an LSTM."""


def _assert_intact_after(path, call, exc, match):
    path.write_bytes(b"previous model")
    with pytest.raises(exc, match=match):
        call()
    assert path.read_bytes() == b"previous model"
    assert sorted(os.listdir(path.parent)) == [path.name]


def test_unsupported_layers_name_the_layer(tmp_path):
    path = tmp_path / "net.onnx"
    net = dl.dlnetwork([dl.sequenceInputLayer(C), _recurrent("lstm"), ScaleLayer(Name="myscale"),
                        _fc(H)])
    _assert_intact_after(path, lambda: dl.exportONNXNetwork(net, path), ValueError,
                         r"layer 'myscale' \(ScaleLayer\).*cannot be exported")
    net = dl.dlnetwork([dl.sequenceInputLayer(C), MyLSTMLayer(NumHiddenUnits=H, Name="mine")])
    _assert_intact_after(path, lambda: dl.exportONNXNetwork(net, path), ValueError,
                         r"layer 'mine' \(MyLSTMLayer\)")


def test_unsupported_options_name_the_layer(tmp_path):
    path = tmp_path / "net.onnx"
    net = dl.dlnetwork([dl.sequenceInputLayer(C, Name="seq", Normalization=lambda X: 2 * X),
                        _recurrent("lstm")])
    _assert_intact_after(path, lambda: dl.exportONNXNetwork(net, path), ValueError,
                         r"layer 'seq' \(SequenceInputLayer\).*Normalization is a function")
    net = dl.dlnetwork([dl.sequenceInputLayer(C, Name="seq", Normalization="zscore"),
                        _recurrent("lstm")])
    _assert_intact_after(path, lambda: dl.exportONNXNetwork(net, path), ValueError,
                         r"layer 'seq'.*'zscore' needs Mean and StandardDeviation")


def test_bad_arguments(tmp_path):
    path = tmp_path / "net.onnx"
    net = dl.dlnetwork([dl.sequenceInputLayer(C), _recurrent("lstm")])
    layers = [dl.sequenceInputLayer(C), dl.lstmLayer(H)]
    _assert_intact_after(path, lambda: dl.exportONNXNetwork(layers, path), TypeError,
                         "net must be a dlnetwork or a SeriesNetwork, not list")
    raw = dl.dlnetwork(layers, Initialize=False)
    _assert_intact_after(path, lambda: dl.exportONNXNetwork(raw, path), ValueError,
                         "net is not initialized")
    for bad in (6, 21, 8.5, np.inf, np.nan, "8", True, None):
        _assert_intact_after(path, lambda: dl.exportONNXNetwork(net, path, OpsetVersion=bad),
                             ValueError, r"OpsetVersion must be one of 7, 8, 9, .*, 20; got")
    for bad in (0, -1, 2.5, "1", True, np.inf):
        _assert_intact_after(path, lambda: dl.exportONNXNetwork(net, path, BatchSize=bad),
                             ValueError, "BatchSize must be .* a positive integer; got")
    for bad in (3, ""):
        _assert_intact_after(path, lambda: dl.exportONNXNetwork(net, path, NetworkName=bad),
                             TypeError, "NetworkName must be a non-empty string")
    with pytest.raises(TypeError, match="filename must be"):
        dl.exportONNXNetwork(net, 42)
    with pytest.raises(FileNotFoundError, match="folder of filename does not exist"):
        dl.exportONNXNetwork(net, tmp_path / "missing" / "net.onnx")
    with pytest.raises(TypeError, match="unexpected keyword|OpsetVerson"):
        dl.exportONNXNetwork(net, path, OpsetVerson=13)


def test_missing_onnx_names_the_extra(tmp_path, monkeypatch):
    net = dl.dlnetwork([dl.sequenceInputLayer(C), _recurrent("lstm")])
    monkeypatch.setitem(sys.modules, "onnx", None)                 # import onnx fails
    with pytest.raises(ImportError, match=r"'onnx' extra.*dlarr\[onnx\]"):
        dl.exportONNXNetwork(net, tmp_path / "net.onnx")
    assert not (tmp_path / "net.onnx").exists()


def test_import_dlarr_does_not_import_onnx():
    code = ("import sys, dlarr; bad = [m for m in ('onnx', 'onnxruntime') if m in sys.modules];"
            " print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
