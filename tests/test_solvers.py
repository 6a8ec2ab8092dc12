"""The solver registry: MATLAB's three solvers as entries, a registered toy solver
trained end to end, the per-parameter extras applied the same way for every solver,
and solverName matched as validatestring does."""
import math
import pickle

import numpy as np
import pytest

import dlarr as dl
from dlarr import layers as L
from dlarr.networks.network import dlnetwork, forward
from dlarr.training import solvers as S
from dlarr.training.options import TrainingOptions, trainingOptions
from dlarr.training.properties import in_range
from dlarr.training.solvers import Stepper, get_solver, register_solver, unregister_solver
from dlarr.training.train import trainNetwork


def _toy_sgd_step(params, grads, state, learnRate, iteration, options):
    return [p - learnRate * g for p, g in zip(params, grads)], ()


@pytest.fixture
def toy_sgd():
    entry = register_solver("toy-sgd", _toy_sgd_step, initial_learn_rate=0.05)
    yield entry
    unregister_solver("toy-sgd")


# ----- MATLAB's solvers are registry entries ---------------------------------------------------
def test_builtin_entries():
    assert S.solver_names()[:3] == ("sgdm", "adam", "rmsprop")
    sgdm, adam, rmsprop = (get_solver(n) for n in ("sgdm", "adam", "rmsprop"))
    assert (sgdm.options_class, adam.options_class, rmsprop.options_class) == \
        ("TrainingOptionsSGDM", "TrainingOptionsADAM", "TrainingOptionsRMSProp")
    assert (sgdm.initial_learn_rate, adam.initial_learn_rate, rmsprop.initial_learn_rate) == \
        (0.01, 0.001, 0.001)
    assert list(sgdm.options) == ["Momentum"]
    assert list(adam.options) == ["GradientDecayFactor", "SquaredGradientDecayFactor", "Epsilon"]
    assert list(rmsprop.options) == ["SquaredGradientDecayFactor", "Epsilon"]
    assert adam.options["SquaredGradientDecayFactor"][0] == 0.999
    assert rmsprop.options["SquaredGradientDecayFactor"][0] == 0.9
    assert (sgdm.state, adam.state, rmsprop.state) == \
        (("Velocity",), ("AverageGrad", "AverageSqGrad"), ("AverageSqGrad",))


# ----- the per-parameter extras, the same for every solver ----------------------------------------
def _net_and_grads(seed=0):
    dl.rng(seed)
    net = dlnetwork([L.sequenceInputLayer(3),
                     L.lstmLayer(2, OutputMode="last", InputWeightsLearnRateFactor=[1, 0, 2, 0.5],
                                 BiasL2Factor=0),
                     L.fullyConnectedLayer(2)])
    slots = net._learnable_slots()
    rng = np.random.default_rng(seed)
    params = [getattr(layer, p) for layer, p in slots]
    grads = [[dl.dlarray(rng.standard_normal(p.shape).astype(np.float32)) for p in params]
             for _ in range(2)]
    return slots, params, grads


def _factors(slots):
    return [tuple(np.broadcast_to(f, getattr(layer, p).shape) for f in layer._factors(p))
            for layer, p in slots]


def _matlab_two_steps(solver, params, grads, factors, lr, lam, o):
    """MATLAB's rules (trainingOptions' Algorithms), factor f multiplying the learn rate."""
    out = []
    for i, p in enumerate(params):
        w = dl.extractdata(p).astype(np.float64)
        f, l2 = factors[i]
        s1 = s2 = 0
        for t, g in enumerate((grads[0][i], grads[1][i]), start=1):
            g = dl.extractdata(g).astype(np.float64) + lam * l2 * w
            if solver == "sgdm":
                s1 = o.Momentum * s1 - lr * f * g
                w = w + s1
            elif solver == "adam":
                b1, b2 = o.GradientDecayFactor, o.SquaredGradientDecayFactor
                s1 = b1 * s1 + (1 - b1) * g
                s2 = b2 * s2 + (1 - b2) * g * g
                lr_t = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                w = w - f * lr_t * s1 / (np.sqrt(s2) + o.Epsilon)
            else:
                b2 = o.SquaredGradientDecayFactor
                s2 = b2 * s2 + (1 - b2) * g * g
                w = w - lr * f * g / (np.sqrt(s2) + o.Epsilon)
        out.append(w)
    return out


@pytest.mark.parametrize("solver", ["sgdm", "adam", "rmsprop"])
def test_stepper_is_matlabs_rule_with_factors_and_l2(solver):
    slots, params, grads = _net_and_grads()
    lr, lam = 0.05, 0.01
    o = trainingOptions(solver, L2Regularization=lam)
    stepper = Stepper(get_solver(solver), o, slots)
    p = params
    for g in grads:
        p = stepper.step(p, g, lr)
    want = _matlab_two_steps(solver, params, grads, _factors(slots), lr, lam, o)
    for got, w in zip(p, want):
        np.testing.assert_allclose(dl.extractdata(got), w, rtol=2e-5, atol=1e-6)
    frozen = dl.extractdata(params[0])[2:4]                  # factor 0: the gate does not move
    np.testing.assert_array_equal(dl.extractdata(p[0])[2:4], frozen)


@pytest.mark.parametrize("method", ["l2norm", "global-l2norm", "absolute-value"])
@pytest.mark.parametrize("solver", ["sgdm", "adam", "rmsprop"])
def test_flat_step_equals_the_step_per_learnable(solver, method):
    """The built-in flat steps (all learnables in one vector) give the very numbers of
    the per-learnable steps, with L2, per-gate learn-rate factors and clipping; the
    learnables a step starts from stay as they were; the state reads back per learnable,
    and a state set from those lists (a checkpoint) continues the same way."""
    import dataclasses
    slots, params, grads = _net_and_grads()
    grads = grads + [[dl.dlarray(dl.extractdata(g) * 3) for g in grads[0]]]
    o = trainingOptions(solver, L2Regularization=0.01, GradientThreshold=0.5,
                        GradientThresholdMethod=method)
    entry = get_solver(solver)
    assert entry.flat is not None
    flat, per = Stepper(entry, o, slots), Stepper(dataclasses.replace(entry, flat=None), o, slots)
    pf = pp = params
    before = [dl.extractdata(p).copy() for p in params]
    for k, g in enumerate(grads):
        pf, pp = flat.step(pf, g, 0.05), per.step(pp, g, 0.05)
        assert (flat.last is not None) and per.last is None
        for a, b in zip(pf, pp):
            np.testing.assert_array_equal(dl.extractdata(a), dl.extractdata(b))
            assert a.dims == b.dims
        for sa, sb in zip(flat.state, per.state):
            for a, b in zip(sa, sb):
                np.testing.assert_array_equal(dl.extractdata(a), dl.extractdata(b))
        if k == 0:                        # a checkpoint: the state as lists, set back
            flat.state = [list(s) for s in flat.state]
    for p, b in zip(params, before):
        np.testing.assert_array_equal(dl.extractdata(p), b)


def test_flat_step_zero_learn_rate_changes_nothing():
    slots, params, grads = _net_and_grads()
    stepper = Stepper(get_solver("adam"), trainingOptions("adam"), slots)
    new = stepper.step(params, grads[0], 0.0)
    for p, n in zip(params, new):
        np.testing.assert_array_equal(dl.extractdata(n), dl.extractdata(p))
    assert all(not np.any(dl.extractdata(s)) for s in stepper.state[0])


def test_a_registered_flat_step_is_used_and_checked():
    calls = []

    def flat(p, g, state, lr, t, o):
        calls.append(p.shape)
        return p - lr * g, ()
    entry = register_solver("toy-flat", _toy_sgd_step, flat=flat)
    try:
        slots, params, grads = _net_and_grads()
        stepper = Stepper(entry, trainingOptions("toy-flat"), slots)
        new = stepper.step(params, grads[0], 0.1)
        n = sum(p.size for p in params)
        assert calls == [(n,)]
        for p, g, q, (f, l2) in zip(params, grads[0], new, _factors(slots)):
            w = dl.extractdata(p).astype(np.float64)      # the factors still apply per gate
            want = w - 0.1 * f * (dl.extractdata(g) + 1e-4 * l2 * w)
            np.testing.assert_allclose(dl.extractdata(q), want, rtol=1e-6, atol=1e-7)
        bad = register_solver("toy-flat", _toy_sgd_step, flat=lambda p, g, s, lr, t, o:
                              (p[:1], ()), replace=True)
        with pytest.raises(ValueError, match="its flat step must return a vector of"):
            Stepper(bad, trainingOptions("toy-flat"), slots).step(params, grads[0], 0.1)
        with pytest.raises(TypeError, match="flat must be callable"):
            register_solver("toy-flat2", _toy_sgd_step, flat=3)
    finally:
        unregister_solver("toy-flat")


def test_a_flat_step_that_returns_its_input_is_refused():
    """The learnables handed out by the previous step are views of its vector: a flat
    step that changed it in place would change the previous network too."""
    def in_place(p, g, state, lr, t, o):
        p -= lr * g
        return p, ()
    _refused("toy-inplace", dict(step=_toy_sgd_step, flat=in_place),
             "its flat step must return a new vector")


def test_stepper_checks_what_a_step_returns():
    _refused("toy-bad", dict(step=lambda p, g, s, lr, t, o: (p, (None,)), state=()),
             "solver 'toy-bad': its step must return")


def _refused(name, registration, message):
    """A step of solver ``name`` (registered for the test) is refused with ``message``."""
    entry = register_solver(name, **registration)
    try:
        slots, params, grads = _net_and_grads()
        with pytest.raises(ValueError, match=message):
            Stepper(entry, trainingOptions(name), slots).step(params, grads[0], 0.1)
    finally:
        unregister_solver(name)


# ----- a registered solver, end to end -----------------------------------------------------------
def test_toy_solver_options_object(toy_sgd):
    opts = trainingOptions("toy-sgd", MaxEpochs=3)
    assert isinstance(opts, TrainingOptions) and type(opts).__name__ == "TrainingOptionsTOYSGD"
    assert opts.SolverName == "toy-sgd" and opts.InitialLearnRate == 0.05 and opts.MaxEpochs == 3
    assert repr(opts).startswith("TrainingOptionsTOYSGD with properties:")
    with pytest.raises(TypeError, match="'Momentum' is not an option for solver 'toy-sgd'; it "
                                        "applies to solver 'sgdm' only"):
        trainingOptions("toy-sgd", Momentum=0.9)
    assert pickle.loads(pickle.dumps(opts)) == opts


def test_toy_solver_trains_first_step_closed_form(toy_sgd):
    """One iteration of plain SGD from known weights: W1 = W0 - lr * f * (g + lambda*W0)."""
    rng = np.random.default_rng(4)
    X = [rng.standard_normal((3, 6)).astype(np.float32) for _ in range(4)]
    Y = np.array([0, 1, 2, 1])
    dl.rng(5)
    init = dlnetwork([L.sequenceInputLayer(3), L.lstmLayer(2, OutputMode="last"),
                      L.fullyConnectedLayer(3), L.softmaxLayer()])
    lstm0, fc0 = init.Layers[1], init.Layers[2]
    layers = [L.sequenceInputLayer(3),
              L.lstmLayer(2, OutputMode="last", InputWeights=lstm0.InputWeights,
                          RecurrentWeights=lstm0.RecurrentWeights, Bias=lstm0.Bias,
                          InputWeightsLearnRateFactor=0.5),
              L.fullyConnectedLayer(3, Weights=fc0.Weights, Bias=fc0.Bias), L.softmaxLayer(),
              L.classificationLayer()]

    def grad_fn(net, x):
        P, _ = forward(net, x)
        T = dl.dlarray(np.eye(3, dtype=np.float32)[:, Y], "CB")
        return dl.dlgradient(-dl.sum(T * dl.log(P), "all") / 4, net.Learnables)
    grads = dl.dlfeval(grad_fn, init, dl.dlarray(np.stack(X, axis=1), "CBT"))
    lr, lam = 0.1, 0.01
    net = trainNetwork(X, Y, layers, trainingOptions("toy", MaxEpochs=1, MiniBatchSize=4,
                                                     Shuffle="never", Verbose=False,
                                                     InitialLearnRate=lr, L2Regularization=lam))
    W0 = dl.extractdata(lstm0.InputWeights)
    gW = dl.extractdata(grads["lstm", "InputWeights"])
    np.testing.assert_allclose(dl.extractdata(net.Layers[1].InputWeights),
                               W0 - lr * 0.5 * (gW + lam * W0), rtol=1e-5, atol=1e-7)
    b0, gb = dl.extractdata(fc0.Bias), dl.extractdata(grads["fc", "Bias"])
    np.testing.assert_allclose(dl.extractdata(net.Layers[2].Bias), b0 - lr * gb, rtol=1e-5,
                               atol=1e-7)                  # biases: L2 factor 0


def test_registered_solver_with_options_and_state():
    """A solver's own option (validated, shown first) and its state, carried between steps."""
    seen = []

    def step(params, grads, state, lr, t, o):
        count = 0 if state[0] is None else state[0]
        seen.append((t, count, o.Decay))
        return [p - lr * o.Decay * g for p, g in zip(params, grads)], (count + 1,)
    register_solver("toy-decay", step, options_class="TrainingOptionsToyDecay",
                    options={"Decay": (0.5, in_range(0, 1, expected="a scalar from 0 to 1"))},
                    state=("Count",), initial_learn_rate=0.01)
    try:
        opts = trainingOptions("toy-decay", Decay=0.25, MaxEpochs=2, MiniBatchSize=5,
                               Verbose=False)
        assert repr(opts).splitlines()[2].strip() == "Decay: 0.2500"
        with pytest.raises(ValueError, match="trainingOptions: Decay must be a scalar from 0 to 1; "
                                             "got 2"):
            trainingOptions("toy-decay", Decay=2)
        with pytest.raises(TypeError, match="'Decay' is not an option for solver 'adam'; it "
                                            "applies to solver 'toy-decay' only"):
            trainingOptions("adam", Decay=0.5)
        dl.rng(0)
        X = [np.random.default_rng(i).standard_normal((2, 5)).astype(np.float32)
             for i in range(10)]
        layers = [L.sequenceInputLayer(2), L.lstmLayer(3, OutputMode="last"),
                  L.fullyConnectedLayer(2), L.softmaxLayer(), L.classificationLayer()]
        trainNetwork(X, np.arange(10) % 2, layers, opts)
        assert seen == [(1, 0, 0.25), (2, 1, 0.25), (3, 2, 0.25), (4, 3, 0.25)]
    finally:
        unregister_solver("toy-decay")


def test_solver_name_prefixes_with_a_registered_solver(toy_sgd):
    assert type(trainingOptions("ADA")).__name__ == "TrainingOptionsADAM"
    assert trainingOptions("TOY").SolverName == "toy-sgd"
    register_solver("adamish", _toy_sgd_step)
    try:
        assert trainingOptions("adam").SolverName == "adam"            # an exact match wins
        with pytest.raises(ValueError, match="solverName 'ada' is ambiguous; valid values are "
                                             "'sgdm', 'adam', 'rmsprop'"):
            trainingOptions("ada")
    finally:
        unregister_solver("adamish")


def test_register_errors(toy_sgd):
    with pytest.raises(ValueError, match="'toy-sgd' is already registered"):
        register_solver("TOY-SGD", _toy_sgd_step)
    with pytest.raises(ValueError, match="'MaxEpochs' is an option of every solver"):
        register_solver("toy2", _toy_sgd_step, options={"MaxEpochs": (3, in_range(1, 9))})
    with pytest.raises(TypeError, match=r"option 'Rate' must map to \(default, validator\)"):
        register_solver("toy2", _toy_sgd_step, options={"Rate": 0.1})
    with pytest.raises(ValueError, match="options_class 'TrainingOptionsSGDM'"):
        register_solver("toy2", _toy_sgd_step, options_class="TrainingOptionsSGDM")
    with pytest.raises(TypeError, match="step must be callable"):
        register_solver("toy2", None)
    with pytest.raises(ValueError, match="Rate must be a scalar in"):
        register_solver("toy2", _toy_sgd_step, options={"Rate": (2.0, in_range(0, 1))})
    assert "toy2" not in S.solver_names()
    entry = register_solver("toy-sgd", _toy_sgd_step, initial_learn_rate=0.2, replace=True)
    assert get_solver("toy-sgd") is entry and trainingOptions("toy-sgd").InitialLearnRate == 0.2
    with pytest.raises(KeyError, match="no solver 'nope'"):
        unregister_solver("nope")
